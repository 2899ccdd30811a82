# The two quick-start commands: `make demo` and `make test` (README, "Quick start").
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_FLAGS := -c release --static-swift-stdlib

.PHONY: demo test build deps test-deps bench completions clean

## Installs libsodium-dev (and git) if missing, builds the release binary, runs the journeys.
demo: deps build
	bash Tests/demo.sh .build/release/vault

## Runs every test: unit, vectors, interop, end to end.
test: deps test-deps
	swift build --build-tests
	swift test --skip-build

build: deps
	swift build $(RELEASE_FLAGS) --product vault

deps:
	@missing=""; \
	pkg-config --exists libsodium 2>/dev/null || missing="$$missing libsodium-dev pkg-config"; \
	command -v git >/dev/null || missing="$$missing git"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

test-deps:
	@missing=""; \
	for tool in expect:expect strace:strace git:git python3:python3 cc:gcc; do \
	  command -v $${tool%%:*} >/dev/null || missing="$$missing $${tool##*:}"; \
	done; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

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

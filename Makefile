# Banking backend (Rust on AWS serverless). `make` or `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
WITH_EMULATORS := scripts/with-emulators.sh
# cargo-nextest when present (parallel, one process per test), plain cargo test otherwise.
NEXTEST := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo yes)

.PHONY: help init test test-unit test-cov-report lint lint-fix lint-diff format format-check build emulators-start emulators-stop

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

init: ## Install the toolchain components and the local emulators (idempotent)
	rustup component add rustfmt clippy >/dev/null 2>&1 || true
	scripts/emulators.sh install
	$(CARGO) fetch

test: ## Run every test (unit, property, integration) against DynamoDB Local and moto
	scripts/emulators.sh install
ifeq ($(NEXTEST),yes)
	$(WITH_EMULATORS) $(CARGO) nextest run --workspace --no-fail-fast
	$(CARGO) test --workspace --doc
else
	$(WITH_EMULATORS) $(CARGO) test --workspace --no-fail-fast
endif

test-unit: ## Run only the pure unit and property tests (no emulators)
	$(CARGO) test -p shared

test-cov-report: ## Run the tests with coverage; HTML report in target/llvm-cov/html
	@$(CARGO) llvm-cov --version >/dev/null 2>&1 || $(CARGO) install cargo-llvm-cov --locked
	rustup component add llvm-tools-preview >/dev/null 2>&1 || true
	scripts/emulators.sh install
	$(WITH_EMULATORS) $(CARGO) llvm-cov --workspace --html
	$(CARGO) llvm-cov report --summary-only

lint: ## Lint with clippy (warnings are errors)
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint-fix: ## Apply clippy's automatic fixes
	$(CARGO) clippy --workspace --all-targets --fix --allow-dirty --allow-staged -- -D warnings

lint-diff: ## Lint only when staged Rust files changed
	@if git diff --cached --name-only --diff-filter=ACMR | grep -qE '\.rs$$|Cargo\.toml$$'; then \
		$(MAKE) --no-print-directory lint; \
	else echo "no staged Rust changes"; fi

format: ## Format the code
	$(CARGO) fmt --all

format-check: ## Check the code is formatted
	$(CARGO) fmt --all -- --check

build: ## Build every crate (debug)
	$(CARGO) build --workspace --all-targets

emulators-start: ## Start DynamoDB Local and moto on free loopback ports
	scripts/emulators.sh start

emulators-stop: ## Stop the emulators
	scripts/emulators.sh stop

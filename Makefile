# Banking backend (Rust on AWS serverless). `make` or `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
WITH_EMULATORS := scripts/with-emulators.sh
# cargo-nextest when present (parallel, one process per test), plain cargo test otherwise.
NEXTEST := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo yes)

# Deployment tools (AWS SAM CLI, cfn-lint, cargo-lambda), pinned, in .local/tools-venv.
SAM_TOOLS := scripts/sam-tools.sh
TOOLS_BIN := $(CURDIR)/.local/tools-venv/bin
# Template linting is offline and must never reach an AWS account: dummy credentials
# and region, no telemetry.
OFFLINE_AWS := env -u AWS_PROFILE -u AWS_SESSION_TOKEN PATH="$(TOOLS_BIN):$$PATH" \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	SAM_CLI_TELEMETRY=0
TRANSFORMED := .aws-sam/lint/template.yaml
ENV ?= dev
# arm64 | x86_64 | auto (arm64 when the aarch64 standard library is installed).
ARCH ?= auto

.PHONY: bench replay-dlq run help init test test-chaos test-unit test-api-fuzz test-cov-report lint lint-rust lint-templates lint-graphql lint-fix lint-diff format format-check build build-debug deploy sam-tools emulators-start emulators-stop

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

init: ## Install the toolchain components and the local emulators (idempotent)
	rustup component add rustfmt clippy >/dev/null 2>&1 || true
	scripts/emulators.sh install
	$(CARGO) fetch

test: ## Run every test (unit, property, integration) against DynamoDB Local and moto
	scripts/emulators.sh install
ifeq ($(NEXTEST),yes)
	$(CARGO) test --workspace --doc
	$(WITH_EMULATORS) $(CARGO) nextest run --workspace --no-fail-fast
else
	$(WITH_EMULATORS) $(CARGO) test --workspace --no-fail-fast
endif

run: ## Run the whole system locally on 127.0.0.1:3000 from template.yml (Ctrl-C stops it)
	scripts/run-local.sh

test-chaos: ## The bank workload under injected faults alone, with its report (CHAOS_SEED, CHAOS_REQUESTS)
	scripts/emulators.sh install
	$(WITH_EMULATORS) $(CARGO) test -p integration-tests --test chaos_bank -- --nocapture

# Lambda binaries for the cold starts: release profile, one cargo invocation.
BENCH_FUNCTIONS := accounts auth events-subscribe get-transactions graphql notify process-transactions request-transaction

bench: ## Benchmarks: cold starts, handler CPU, local pipeline, hot account, cost; report in bench/results/
	scripts/emulators.sh install
	$(CARGO) build --release $(addprefix -p ,$(BENCH_FUNCTIONS))
	$(CARGO) bench --profile bench-cpu -p request-transaction --bench handler
	$(CARGO) build -p bench
	$(WITH_EMULATORS) $(CARGO) run -q -p bench -- all $(BENCH_ARGS)

replay-dlq: ## Replay the local stack's processing DLQ (`make run` running; see README, Operating it)
	source .local/emulators.env && $(CARGO) run -q -p local-runtime --bin bank-replay -- --stack .local/stack.json

.PHONY: statements
statements: ## Send a statements run to the local stack's StatementsQueue now (`make run` running; PERIOD=YYYY-MM for that month, else the schedule's own run)
	@if [ -f .local/emulators.env ]; then source .local/emulators.env; fi; \
		$(CARGO) run -q -p local-runtime --bin bank-statements -- --stack .local/stack.json $(if $(PERIOD),--period '$(PERIOD)')

.PHONY: verify-statement
verify-statement: ## Check a statement's JSON: signature and hash chain (FILE=statement.json; KEY=bank-public-key.pem, else the local stack's key)
	@test -n "$(FILE)" || { echo "usage: make verify-statement FILE=statement.json [KEY=public-key.pem]" >&2; exit 2; }
	@if [ -f .local/emulators.env ]; then source .local/emulators.env; fi; \
		$(CARGO) run -q -p local-runtime --bin bank -- verify-statement '$(FILE)' $(if $(KEY),--public-key '$(KEY)',--stack .local/stack.json)

.PHONY: stats
stats: ## Print the local stack's business metrics, one screen (`make run` running; see README, Operating it: metrics)
	$(CARGO) run -q -p local-runtime --bin bank-stats -- --stack .local/stack.json

test-unit: ## Run only the pure unit and property tests (no emulators)
	$(CARGO) test -p shared

test-api-fuzz: ## Fuzz the HTTP API against openapi.yaml (schemathesis, pinned): no 5xx, every answer as documented; then GraphQL through the gql client
	scripts/api-fuzz.sh

# cargo-llvm-cov, pinned (builds with the workspace's Rust, 1.95).
LLVM_COV_VERSION := 0.9.1

test-cov-report: ## The tests with coverage; fails below coverage.toml's thresholds. HTML in target/llvm-cov/html
	@$(CARGO) llvm-cov --version 2>/dev/null | grep -qx 'cargo-llvm-cov $(LLVM_COV_VERSION)' \
		|| $(CARGO) install cargo-llvm-cov --locked --version $(LLVM_COV_VERSION)
	rustup component add llvm-tools-preview
	scripts/emulators.sh install
	$(WITH_EMULATORS) scripts/coverage.sh

lint: lint-rust lint-templates lint-graphql ## Lint the Rust code (clippy), the SAM templates (offline) and the GraphQL schema

lint-graphql: ## Lint graphql/schema.graphql (graphql-schema-linter, pinned; rules in graphql/.graphql-schema-linterrc)
	scripts/graphql-lint.sh

lint-rust: ## Lint with clippy (warnings are errors)
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint-templates: sam-tools ## Validate and lint template.yml and cognito-template.yml, also after the SAM transform
	@echo "sam validate --lint: template.yml, cognito-template.yml"
	@$(OFFLINE_AWS) sam validate --lint -t template.yml
	@$(OFFLINE_AWS) sam validate --lint -t cognito-template.yml
	@echo "cfn-lint + serverless rules: template.yml, cognito-template.yml"
	@$(OFFLINE_AWS) cfn-lint -t template.yml cognito-template.yml -a cfn_lint_serverless.rules
	@# Event properties (batch sizes, FunctionResponseTypes, ...) are only checked once the
	@# transform has made them resources: lint the CloudFormation that SAM generates too.
	@echo "cfn-lint + serverless rules: the SAM-transformed template.yml ($(TRANSFORMED))"
	@$(OFFLINE_AWS) $(SAM_TOOLS) transform template.yml $(TRANSFORMED)
	@$(OFFLINE_AWS) cfn-lint -t $(TRANSFORMED) -a cfn_lint_serverless.rules
	@$(SAM_TOOLS) same-resources template.yml cognito-template.yml UserPool UserPoolClient AdminGroup

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

build: sam-tools ## sam build: release Lambda binaries in .aws-sam/build (ARCH=arm64|x86_64|auto)
	$(SAM_TOOLS) build $(ARCH)

build-debug: ## Build every crate (debug)
	$(CARGO) build --workspace --all-targets

deploy: sam-tools ## sam build for ENV's architecture, then sam deploy --config-env ENV (ENV=dev|test|prod; AWS credentials)
	$(SAM_TOOLS) deploy $(ENV)

sam-tools: ## Install AWS SAM CLI, cfn-lint (+ serverless rules) and cargo-lambda, pinned, in .local/tools-venv
	@$(SAM_TOOLS) install

emulators-start: ## Start DynamoDB Local and moto on free loopback ports
	scripts/emulators.sh start

emulators-stop: ## Stop the emulators
	scripts/emulators.sh stop

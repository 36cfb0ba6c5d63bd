# Pressroom developer and CI entry points. `make` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_BIN_DIR ?= $(or $(PRESSROOM_PG_BIN_DIR),/usr/lib/postgresql/15/bin)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -y -q

# apt-get update only when the install fails (a fresh machine's package lists may be stale).
apt_install = $(APT) install $(1) || { $(APT) update && $(APT) install $(1); }
need = command -v $(1) >/dev/null 2>&1 || { echo "Installing $(2)"; $(call apt_install,$(2)); }

# Helm, built once from the Go module proxy (minutes of CPU) and kept outside the checkout, so a
# fresh clone on the same machine (CI) reuses it. The chart tests render with it.
HELM_VERSION ?= v3.22.0
TOOLS_DIR ?= $(or $(PRESSROOM_TOOLS_DIR),$(HOME)/.cache/pressroom/tools)
HELM := $(TOOLS_DIR)/helm-$(HELM_VERSION)/helm

.PHONY: help venv deps infra up down test check lint fmt bench clean helm compat release-contract \
	contract-ts contract-wheel fuzz test-sasl-ssl chaos

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(STAMP) ## Create .venv with python3.11 and install the project (again when pyproject.toml changes)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev,bench]'
	touch $@

deps: ## Install system packages: kcat, npm, and Java 17, Maven, PostgreSQL 15 when missing
	@$(call need,kcat,kcat)
	@$(call need,npm,npm)
	@$(call need,java,openjdk-17-jre-headless)
	@$(call need,mvn,maven)
	@test -x $(PG_BIN_DIR)/postgres || { echo "Installing postgresql-15"; $(call apt_install,postgresql-15); }

infra: venv ## Start the local Kafka and PostgreSQL (idempotent)
	$(BIN)/pressroom infra up

up: venv deps infra ## Start infra, services and gateway; prints the URLs
	$(BIN)/pressroom up

down: ## Stop services and gateway, then Kafka and PostgreSQL (data kept)
	-$(BIN)/pressroom stop
	$(BIN)/pressroom infra down

# pytest exits 5 when it collects nothing: that is a failure too.
# Helm is built first (once per machine); if it cannot be, the chart tests fail saying why.
test: venv deps ## Run every test (starts its own stack on other ports, .pressroom/test)
	@$(MAKE) -s helm >/dev/null || echo "make helm failed: the chart tests will fail" >&2
	@rc=0; $(BIN)/pytest -q || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; fi; exit $$rc

# The whole end-to-end suite against a test stack whose broker has only a SASL_SSL listener
# (tests/integration/kafka_security.py; docs/security.md, "Running the tests over SASL_SSL").
# The variants on brokers of their own (SASL_SSL, mTLS, ACLs) ran in make test already.
test-sasl-ssl: venv deps ## Every end-to-end test over SASL_SSL (SCRAM-SHA-512 over TLS, made at test time)
	PRESSROOM_TEST_KAFKA_SECURITY=sasl_ssl $(BIN)/pytest -q -m "not kafka_variant" tests/e2e

# The long form of tests/e2e/test_http_fuzz.py (make test runs the short one): about 5,600 requests.
fuzz: venv deps ## HTTP fuzzing of the gateway, long form (60 examples, 350 stateful scenarios)
	PRESSROOM_FUZZ_EXAMPLES=$${PRESSROOM_FUZZ_EXAMPLES:-60} PRESSROOM_FUZZ_SCENARIOS=$${PRESSROOM_FUZZ_SCENARIOS:-350} \
		$(BIN)/pytest -q -s tests/e2e/test_http_fuzz.py

# The long form of tests/chaos/test_chaos.py (make test runs a 2-minute one): 20 minutes of load
# and faults, then the checker; the figures are printed. PRESSROOM_CHAOS_SEED=N replays a run.
# Then the poison test (1,000 malformed records on every topic during load; PRESSROOM_POISON_COUNT).
chaos: venv deps ## Chaos suite, long form: load and faults for 20 minutes, then every invariant
	PRESSROOM_CHAOS_MINUTES=$${PRESSROOM_CHAOS_MINUTES:-20} $(BIN)/pytest -q -s -p no:cacheprovider \
		tests/chaos/test_chaos.py tests/chaos/test_poison.py

check: venv lint ## Lint, format check, mypy --strict, schema drift, the compatibility gate
	$(BIN)/mypy events services operator_tools dev_tools cli tests
	$(BIN)/pressroom schemas check
	$(MAKE) --no-print-directory compat

# The schemas the gate compares with the published baseline (a test points it at a copy).
SCHEMAS_DIR ?= schemas
compat: ## The compatibility gate: every published version in contract/baseline/ still holds
	$(BIN)/pressroom schemas compat --schemas $(SCHEMAS_DIR)

release-contract: venv ## Release step: freeze schemas/ as the published baseline (commit it)
	$(BIN)/pressroom schemas check
	$(BIN)/pressroom schemas publish

lint: venv ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

TS_DIR := contract/typescript
$(TS_DIR)/node_modules/.installed: $(TS_DIR)/package-lock.json
	cd $(TS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

contract-ts: $(TS_DIR)/node_modules/.installed ## TypeScript types from schemas/: generate, tsc, ajv on every example
	cd $(TS_DIR) && PRESSROOM_SCHEMAS_DIR=$(abspath $(SCHEMAS_DIR)) npm run -s check

contract-wheel: venv ## Build the consumer kit's wheel (pressroom-events) into build/contract/
	$(BIN)/python -m dev_tools.contract.kit build/contract

# The venv holds the bench extra (the eventsourcing peer); `up` starts the whole stack it measures.
bench: up ## Run the benchmark against the dev stack (issue 15's figures and targets)
	$(BIN)/pressroom bench

helm: $(HELM) ## Build Helm from the Go module proxy once (cached in $(TOOLS_DIR)); prints its path
	@echo $(HELM)

$(HELM):
	@command -v go >/dev/null 2>&1 || { echo "go is needed to build helm: install Go 1.24 or later" >&2; exit 1; }
	@echo "Building helm $(HELM_VERSION) with go install (once; a few minutes of CPU)" >&2
	@mkdir -p $(@D)
	GOBIN=$(abspath $(@D)) CGO_ENABLED=0 go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION) >&2

clean: ## Delete caches and build output (not .venv, not .pressroom data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

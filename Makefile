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

.PHONY: help venv deps infra up down test fuzz check lint fmt bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  %-7s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(STAMP) ## Create .venv with python3.11 and install the project (again when pyproject.toml changes)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

deps: ## Install system packages: kcat, and Java 17, Maven, PostgreSQL 15 when missing
	@$(call need,kcat,kcat)
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
test: venv deps ## Run every test (starts its own stack on other ports, .pressroom/test)
	@rc=0; $(BIN)/pytest -q || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; fi; exit $$rc

# The long form of tests/e2e/test_http_fuzz.py (make test runs the short one): about 5,600 requests.
fuzz: venv deps ## HTTP fuzzing of the gateway, long form (PRESSROOM_FUZZ_EXAMPLES=60)
	PRESSROOM_FUZZ_EXAMPLES=$${PRESSROOM_FUZZ_EXAMPLES:-60} $(BIN)/pytest -q -s tests/e2e/test_http_fuzz.py

check: venv lint ## Lint, format check, mypy --strict, schema drift
	$(BIN)/mypy events services operator_tools dev_tools cli
	$(BIN)/pressroom schemas check

lint: venv ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv deps infra ## Run the benchmark against the dev stack
	$(BIN)/pressroom bench

clean: ## Delete caches and build output (not .venv, not .pressroom data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

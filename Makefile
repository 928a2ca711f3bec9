# One entry point for developers and CI. Every target creates the environment from the locks
# first (uv.lock for Python, package-lock.json for the CDK CLI), so a fresh clone needs only
# Python 3.11+, Node 20+ and make.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
STAGE ?= dev
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --frozen --no-sync

# jsii prints a banner on every import under Node 20; this machine disables .pyc writing,
# which doubles import time of aws-cdk-lib unless uv compiles bytecode at install.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export CDK_DISABLE_CLI_TELEMETRY := true
# CDK's built-in template validation costs ~2.5 s per synth and does not look inside product
# templates; cfn-lint checks every template in `make test` instead.
export CDK_VALIDATION ?= false

.PHONY: help install synth synth-pipeline smoke promote test lint format typecheck unit update-snapshots docs bench acknowledgements clean

help:
	@echo "make synth [STAGE=dev]   synthesize the stage into cdk.out/ (no AWS credentials needed)"
	@echo "make synth-pipeline      synthesize the delivery pipeline (config/base.yaml delivery:)"
	@echo "make smoke STAGE=dev     launch, check and terminate every product of a deployed stage"
	@echo "make promote PRODUCT=linux-docker VERSION=v2 STAGE=prod   publish a version in a stage"
	@echo "make test                lint, type-check and run every test"
	@echo "make docs                regenerate docs/products from the product definitions"
	@echo "make update-snapshots    rewrite template snapshots (review the diff!)"
	@echo "make bench               synth benchmark: full app vs empty CDK app"
	@echo "make acknowledgements    count the cdk-nag acknowledgements of every stage"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: .venv/.synced node_modules/.installed

synth: install
	npx cdk synth --all --quiet -c stage=$(STAGE)
	@echo "Synthesized stage '$(STAGE)' into cdk.out/"

synth-pipeline: install
	npx cdk synth --quiet -c pipeline=true
	@echo "Synthesized the delivery pipeline into cdk.out/"

# Needs credentials of a principal that may launch the stage's products (or SMOKE_ROLE_ARN,
# a role those credentials may assume).
smoke: install
	$(RUN) python -m delivery.smoke --stage $(STAGE) $(if $(SMOKE_ROLE_ARN),--role-arn $(SMOKE_ROLE_ARN))

promote: install
	$(RUN) python -m delivery.promote --product $(PRODUCT) --version $(VERSION) --stage $(STAGE)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

typecheck: install
	$(RUN) mypy .

test: lint typecheck
	$(RUN) pytest

update-snapshots: install
	$(RUN) pytest tests/infrastructure --snapshot-update

docs: install
	$(RUN) python -m products.docs

bench: install
	$(RUN) python bench/synth_bench.py

acknowledgements: install
	$(RUN) python bench/acknowledgements.py

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache

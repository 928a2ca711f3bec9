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

.PHONY: help install synth synth-pipeline smoke promote test lint format typecheck unit infra update-snapshots docs bench bench-scale cost cost-docs bench-tests compare-templates acknowledgements refactor-plan clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | \
		awk -F'\t' '{printf "make %-20s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: .venv/.synced node_modules/.installed ## create .venv from uv.lock and install the pinned CDK CLI

synth: install ## synthesize STAGE (default dev) into cdk.out/, no AWS credentials needed
	npx cdk synth --all --quiet -c stage=$(STAGE)
	@echo "Synthesized stage '$(STAGE)' into cdk.out/"

synth-pipeline: install ## synthesize the delivery pipeline (config/base.yaml delivery:)
	npx cdk synth --quiet -c pipeline=true
	@echo "Synthesized the delivery pipeline into cdk.out/"

# Needs credentials of a principal that may launch the stage's products (or SMOKE_ROLE_ARN,
# a role those credentials may assume).
smoke: install ## launch, check and terminate every product of deployed STAGE
	$(RUN) python -m delivery.smoke --stage $(STAGE) $(if $(SMOKE_ROLE_ARN),--role-arn $(SMOKE_ROLE_ARN))

# BEFORE: a folder with <stack name>.template.json and .resources.json of the deployed Catalog and
# Cost stacks (docs/operations.md, "Moving an existing stage to the community stacks").
refactor-plan: synth ## plan the stack refactor that moves deployed STAGE to community stacks
	$(RUN) python -m delivery.refactor_plan --assembly cdk.out --before $(BEFORE) \
		--out $(or $(OUT),refactor-$(STAGE)) $(if $(TEMPLATE_URL),--template-url $(TEMPLATE_URL))

promote: install ## publish VERSION of PRODUCT in STAGE (edits config/STAGE.yaml)
	$(RUN) python -m delivery.promote --product $(PRODUCT) --version $(VERSION) --stage $(STAGE)

lint: install ## ruff lint and format check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install ## ruff fix and format
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

typecheck: install ## mypy
	$(RUN) mypy .

# One worker per core; a test file runs whole on one worker, so module-scoped synths (the
# pipeline, the cdk-nag canary) are built once. Each worker synthesizes each stage once.
PYTEST := $(RUN) pytest -n auto --dist loadfile

test: lint typecheck ## lint, type-check and run every test
	$(PYTEST)

unit: install ## the tests that synthesize nothing (config, handlers, tools)
	$(PYTEST) tests/unit

infra: install ## the tests of synthesized templates (snapshots, cdk-nag, cfn-lint, policies)
	$(PYTEST) tests/infrastructure

update-snapshots: install ## rewrite stack snapshots (review the diff!)
	$(RUN) pytest tests/infrastructure --snapshot-update

docs: install ## regenerate docs/products from the product definitions
	$(RUN) python -m products.docs

bench: install ## synth benchmark: full app vs empty CDK app (medians, ratio)
	$(RUN) python bench/synth_bench.py

# The 200-community limits check exits non-zero on any template past CloudFormation's limits;
# then the timings.
bench-scale: install ## 200 communities within CloudFormation's limits; synth time at 2, 50, 200
	$(RUN) python bench/scale_limits.py --communities 200
	$(RUN) python bench/scale_bench.py

cost: install ## fixed monthly cost of dev, prod and the cheapest safe dev, from their templates
	$(RUN) python -m bench.fixed_cost --minimal

cost-docs: install ## regenerate the figures in docs/cost.md
	$(RUN) python -m bench.fixed_cost --write-docs

bench-tests: install ## wall time of make test and make unit (medians of several runs)
	$(RUN) python bench/test_bench.py

compare-templates: install ## compare every template with REF (default HEAD), asset hashes masked
	$(RUN) python bench/compare_templates.py --ref $(or $(REF),HEAD)

acknowledgements: install ## count the cdk-nag acknowledgements of every stage
	$(RUN) python bench/acknowledgements.py

clean: ## remove build and tool caches
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache

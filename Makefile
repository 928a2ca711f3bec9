# One entry point for developers and CI. Every target creates the environment from the locks
# first (uv.lock for Python, package-lock.json for the CDK CLI and the Node.js it runs on), so a
# fresh clone needs only Python 3.11+, npm (any Node.js 18+ to run it) and make.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
STAGE ?= dev
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --frozen --no-sync
# Node.js 24 LTS from package-lock.json (the official binary, Linux x64 and arm64) runs the CDK
# CLI and jsii; elsewhere the system's Node.js 22 or 24 does.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE_MAJOR_MIN := 22

# Bytecode is written at first import, into .cache/pycache rather than beside the sources
# (Lambda handler directories are zipped as they are): the first synth compiles only the
# modules it imports instead of waiting for every installed file, test tools included.
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(CURDIR)/.cache/pycache
export UV_PYTHON_DOWNLOADS := never
export CDK_DISABLE_CLI_TELEMETRY := true
# CDK's built-in template validation costs ~2.5 s per synth and does not look inside product
# templates; cfn-lint checks every template in `make test` instead.
export CDK_VALIDATION ?= false

.PHONY: help install install-synth check-config browser screenshots synth synth-pipeline smoke promote transfer-owner departed-owners test lint format typecheck unit infra update-snapshots docs bench bench-scale cost cost-docs bench-tests compare-templates acknowledgements refactor-plan clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | \
		awk -F'\t' '{printf "make %-20s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# What synth needs (the dependencies of pyproject.toml, no dependency group); --inexact keeps
# the test tools a previous `make test` installed.
.venv/.synced-runtime: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --no-dev --inexact --quiet
	@touch $@

# Everything, test and lint tools (the dev group) included.
.venv/.synced: .venv/.synced-runtime
	$(UV) sync --frozen --quiet
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= $(NODE_MAJOR_MIN) ? 0 : 1)' \
		|| { echo "Node.js $$(node --version) is too old: install Node.js 22 or 24 LTS (npm installs it on Linux x64 and arm64)" >&2; exit 1; }
	@touch $@

install-synth: .venv/.synced-runtime node_modules/.installed ## install what synth needs: the Python runtime dependencies, the CDK CLI, Node.js

install: install-synth .venv/.synced ## create .venv from uv.lock (test tools included) and install the pinned CDK CLI

# The sign-in browser test drives a system Chromium through Playwright (Playwright's own browser
# download is not used). Debian's package where none is installed (as root); a CI image that
# ships Google Chrome (GitHub's runners, CodeBuild's standard images) uses that one.
CHROMIUM ?= $(or $(firstword $(wildcard /usr/bin/chromium /usr/bin/google-chrome \
	/usr/bin/google-chrome-stable)),/usr/bin/chromium)
export CHROMIUM

browser: ## install Debian's Chromium for the sign-in browser test (needs root)
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "The browser test needs Chromium: run 'sudo make browser' or set CHROMIUM=<path>"; \
			exit 1; \
		fi; \
		apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi
	@"$(CHROMIUM)" --version 2>/dev/null

# app.py exits 2 after printing what is wrong (config, a changed released template); the CLI's
# own "Subprocess exited with error 2" would only repeat that.
CDK_SYNTH := cdk synth --quiet 2> >(grep -v ': Subprocess exited with error 2$$' >&2)

synth: install-synth ## synthesize STAGE (default dev) into cdk.out/, no AWS credentials needed
	@$(CDK_SYNTH) -c stage=$(STAGE)
	@echo "Synthesized stage '$(STAGE)' into cdk.out/"
	@$(RUN) python -m config.placeholders --stage $(STAGE) --summary

check-config: install-synth ## list the placeholders left in STAGE (PIPELINE=true: the pipeline); exit 1 if any
	@$(RUN) python -m config.placeholders $(if $(filter true,$(PIPELINE)),--pipeline,--stage $(STAGE))

synth-pipeline: install-synth ## synthesize the delivery pipeline (config/base.yaml delivery:)
	@$(CDK_SYNTH) -c pipeline=true
	@echo "Synthesized the delivery pipeline into cdk.out/"
	@$(RUN) python -m config.placeholders --pipeline --summary

# Needs credentials of a principal that may launch the stage's products (or SMOKE_ROLE_ARN,
# a role those credentials may assume).
smoke: install ## launch, check and terminate every product of deployed STAGE
	@$(RUN) python -m delivery.smoke --stage $(STAGE) $(if $(SMOKE_ROLE_ARN),--role-arn $(SMOKE_ROLE_ARN))

# Checked before anything is installed; STAGE too, which elsewhere defaults to dev.
ifneq ($(filter promote,$(MAKECMDGOALS)),)
ifeq ($(and $(PRODUCT),$(VERSION),$(filter-out file,$(origin STAGE))),)
$(error make promote needs PRODUCT, VERSION and STAGE, e.g. make promote PRODUCT=linux-docker VERSION=v2 STAGE=prod)
endif
endif

# BEFORE: a folder with <stack name>.template.json and .resources.json of the deployed Catalog and
# Cost stacks (docs/operations.md, "Moving an existing stage to the community stacks").
refactor-plan: synth ## plan the stack refactor that moves deployed STAGE to community stacks
	$(RUN) python -m delivery.refactor_plan --assembly cdk.out --before $(BEFORE) \
		--out $(or $(OUT),refactor-$(STAGE)) $(if $(TEMPLATE_URL),--template-url $(TEMPLATE_URL))

promote: install ## publish VERSION of PRODUCT in STAGE (edits config/STAGE.yaml)
	@$(RUN) python -m delivery.promote --product $(PRODUCT) --version $(VERSION) --stage $(STAGE)

ifneq ($(filter transfer-owner,$(MAKECMDGOALS)),)
ifeq ($(and $(PRODUCT_ID),$(TO),$(filter-out file,$(origin STAGE))),)
$(error make transfer-owner needs STAGE, PRODUCT_ID and TO, e.g. make transfer-owner STAGE=prod PRODUCT_ID=pp-abcdefghijklm TO=jdoe)
endif
endif

# Operators' credentials of the stage account (docs/operations.md, "Change of owner").
transfer-owner: install ## move provisioned product PRODUCT_ID of STAGE to member TO (same community; ROLE optional)
	@$(RUN) python -m delivery.owners transfer --stage $(STAGE) --product-id $(PRODUCT_ID) --to $(TO) $(if $(ROLE),--role $(ROLE))

departed-owners: install ## list products of STAGE whose owner left the community or stopped signing in (DAYS, 90)
	@$(RUN) python -m delivery.owners departed --stage $(STAGE) --days $(or $(DAYS),90)

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
# --no-loadscope-reorder keeps the order tests/conftest.py gives: the files that took longest
# last time first (xdist would otherwise order them by number of tests).
PYTEST := $(RUN) pytest -n auto --dist loadfile --no-loadscope-reorder

test: lint typecheck browser ## lint, type-check and run every test
	$(PYTEST)

unit: install ## the tests that synthesize nothing (config, handlers, tools)
	$(PYTEST) tests/unit

infra: install ## the tests of synthesized templates (snapshots, cdk-nag, cfn-lint, policies)
	$(PYTEST) tests/infrastructure

update-snapshots: install ## rewrite stack snapshots (review the diff!)
	$(RUN) pytest tests/infrastructure --snapshot-update

docs: install ## regenerate docs/products and docs/configuration.md from the definitions and models
	$(RUN) python -m products.docs
	$(RUN) python -m config.reference

screenshots: install browser ## re-take the sign-in screenshots of docs/signing-in.md (browser test)
	SIGN_IN_SCREENSHOTS=docs/images/sign-in $(RUN) pytest -q tests/browser

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
	rm -rf cdk.out .cache .pytest_cache .mypy_cache .ruff_cache

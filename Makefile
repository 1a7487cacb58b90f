# The two commands: `make run` (the skill locally, with a console) and `make test` (everything, from nothing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
E2E := tests/e2e
# Where `make run` keeps the office (ignored by git): `make run OFFICE_DATA=elsewhere`; start afresh with
# `make run RUN_ARGS=--fresh` (or remove the directory). RUN_ARGS go to `office-skill serve`.
OFFICE_DATA ?= .office-data
RUN_ARGS ?=

.PHONY: run test lint models check-template skill-package audit bench lambda-python install node clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.local-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[local]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.local-installed

$(E2E)/node_modules/.installed: $(E2E)/package.json $(E2E)/package-lock.json
	npm ci --prefix $(E2E) --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.dev-installed
node: $(E2E)/node_modules/.installed

run: $(VENV)/.local-installed
	$(BIN)/office-skill serve --demo --console --data-dir $(OFFICE_DATA) $(RUN_ARGS)

# Two workers, each taking whole test modules (their servers and fixtures stay with them).
test: $(VENV)/.dev-installed node
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile

# ruff and mypy; the template checks run with the tests (tests/integration/test_template.py).
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check skill tests bench
	$(BIN)/ruff format --check skill tests bench
	$(BIN)/mypy

# The interaction models' samples from interaction_models/grammar/ (tests/unit/test_grammar.py checks them).
models: $(VENV)/.local-installed
	$(BIN)/office-skill models

# infra/template.yaml transformed offline (aws-sam-translator), linted (cfn-lint), least-privilege rules, and
# every function's code run under its own policy (tests/integration/test_iam.py).
check-template: $(VENV)/.dev-installed
	$(BIN)/pytest -q -p no:cacheprovider tests/integration/test_template.py tests/integration/test_iam.py

# The interaction models into the ASK CLI project (`ask deploy` publishes skill-package/).
skill-package:
	mkdir -p skill-package/interactionModels/custom
	cp interaction_models/custom/*.json skill-package/interactionModels/custom/

# Known vulnerabilities in the installed dependencies (needs PyPI's JSON API; --strict fails when a
# package could not be checked, so an unreachable service is never mistaken for a clean audit).
audit: $(VENV)/.dev-installed
	@$(BIN)/pip-audit --progress-spinner off --local --strict || { \
		echo "pip-audit failed: either a vulnerable dependency is listed above, or the vulnerability service"; \
		echo "(pypi.org JSON API, or OSV with -s osv) cannot be reached from here and nothing was audited."; \
		exit 1; }

# `sam build` calls `make build-<Function>` for each function (BuildMethod: makefile): the skill package
# and its runtime dependencies as python3.13 wheels for LAMBDA_PLATFORM (boto3 comes with the Lambda
# runtime), with their bytecode compiled ahead by the runtime's Python. Lambda's disk is read-only, so a
# package without it is compiled from source on every cold start; `unchecked-hash` bytecode is used as it
# is, since zip keeps file times to two seconds only. `sam build --use-container` has python3.13.
LAMBDA_PYTHON ?= $(shell for p in python3.13 $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.executable)' 2>/dev/null && break; done)
LAMBDA_PLATFORM ?= manylinux2014_aarch64

build-%:
	$(PYTHON) -m pip install --quiet --no-compile --target "$(ARTIFACTS_DIR)" --platform $(LAMBDA_PLATFORM) \
		--implementation cp --python-version 3.13 --only-binary=:all: \
		$$($(PYTHON) -c 'import tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print(" ".join(d for d in deps if not d.startswith("boto3")))')
	cp -R skill "$(ARTIFACTS_DIR)/"
	rm -rf "$(ARTIFACTS_DIR)"/skill/local "$(ARTIFACTS_DIR)"/skill/cli
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	@if [ -n "$(LAMBDA_PYTHON)" ]; then \
		$(LAMBDA_PYTHON) -W ignore::SyntaxWarning -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)" >/dev/null \
		&& echo "bytecode compiled by $$($(LAMBDA_PYTHON) -V)"; \
	else \
		echo "warning: no python3.13 here, so no bytecode: every cold start compiles the package (use sam build --use-container)"; \
	fi

lambda-python:
	@echo $(LAMBDA_PYTHON)

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(E2E)/node_modules .pytest_cache .mypy_cache .ruff_cache skill-package/interactionModels

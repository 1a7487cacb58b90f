# The two commands: `make run` (the skill locally, with a console) and `make test` (everything, from nothing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
E2E := tests/e2e

.PHONY: run test lint bench install node clean

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
	$(BIN)/office-skill serve --demo --console

test: $(VENV)/.dev-installed node
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check skill tests bench
	$(BIN)/ruff format --check skill tests bench
	$(BIN)/mypy

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(E2E)/node_modules .pytest_cache .mypy_cache .ruff_cache

# The project's commands. Each one creates the virtual environment at .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) ## a PrivateLink world on a local moto server, reconciled; no AWS account needed
	$(BIN)/python -m demo

test: $(STAMP) ## the test suite, offline
	$(BIN)/python -m pytest

check: $(STAMP) ## lint, format and types
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP) ## the benchmark against the floor, on a local moto server; writes bench/results.md
	$(BIN)/python -m bench.run

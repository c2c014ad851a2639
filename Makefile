# The project's commands. Each one creates the virtual environment it needs when it is missing:
# .venv for the code and its tests, .tools for the SAM CLI and cfn-lint.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS := .tools
TOOLS_STAMP := $(TOOLS)/.installed
# sam build runs pip under the function's runtime, Python 3.13: pyenv's, else one on PATH. Never a
# pyenv shim: with no 3.13 selected it loops instead of failing.
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON313 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.13*/bin/python3.13) \
	$(filter-out %/shims/python3.13,$(shell command -v python3.13 2>/dev/null)))
BUILD_DIR := .aws-sam/build
# Offline and without credentials: a Region for the SAM translator, no telemetry.
SAM := AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 $(TOOLS)/bin/sam

.PHONY: demo test check template package bench bench-events

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

$(TOOLS_STAMP): requirements-tools.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $(TOOLS_STAMP)

demo: $(STAMP) ## a PrivateLink world on a local moto server, reconciled; no AWS account needed (KEEP=1: keep it up for plinsights)
	$(BIN)/python -m demo $(if $(KEEP),--keep)

# A pytest-xdist worker per CPU: a worker's requests to its local server are answered in its own
# thread (tests/integration/in_process.py), so it keeps its CPU busy; a worker more only adds its start
# and contention (on two CPUs, three workers took 15-25% more CPU and wall time than two).
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(os.cpu_count() or 1)")

# Bytecode written (to __pycache__, which git ignores) even where the environment turns it off: every
# worker imports every test module, and pytest rewrites their asserts; cached, a worker starts in 1 s of
# CPU instead of 2.6 s, from the second run in a tree on.
test: $(STAMP) ## the test suite, offline, on a worker per CPU (pytest-xdist; work-stealing evens out the long tests)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

check: $(STAMP) ## lint, format, types, and the layering contract of src/core (pyproject.toml)
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy
	PYTHONPATH=src $(BIN)/lint-imports --no-cache

template: $(TOOLS_STAMP) ## validate and lint template.yaml and its publishing metadata, build it, lint the built and the expanded template
	$(SAM) validate --lint
	$(TOOLS)/bin/python scripts/check_sar_metadata.py template.yaml
	$(TOOLS)/bin/cfn-lint template.yaml
	@test -n "$(PYTHON313)" || { echo "sam build needs python3.13 on PATH (or under pyenv)" >&2; exit 1; }
	rm -rf $(BUILD_DIR)
	PATH="$(dir $(PYTHON313)):$$PATH" $(SAM) build --build-dir $(BUILD_DIR)
	@for function in ReconcileFunction CleanupFunction; do \
		test -f $(BUILD_DIR)/$$function/handlers/__pycache__/reconcile.cpython-313.pyc \
			|| { echo "$$function: no build-time bytecode" >&2; exit 1; }; \
		test ! -e $(BUILD_DIR)/$$function/demo || { echo "$$function: the demo was packaged" >&2; exit 1; }; \
	done
	$(TOOLS)/bin/cfn-lint $(BUILD_DIR)/template.yaml
	$(TOOLS)/bin/python scripts/expand_template.py $(BUILD_DIR)/template.yaml --region us-east-1 \
		--placeholder-code s3://placeholder/code.zip > $(BUILD_DIR)/stackset.json
	$(TOOLS)/bin/cfn-lint $(BUILD_DIR)/stackset.json

package: $(STAMP) ## build the wheel, pipx-install it into a throwaway home, run it against the demo's world
	$(BIN)/python scripts/check_package.py

bench: $(STAMP) ## the benchmark against the floor, on a local moto server; writes bench/results.md
	$(BIN)/python -m bench.run

bench-events: $(STAMP) ## time to monitored: a busy day on a virtual clock, the event path before and after; writes bench/events-results.md
	$(BIN)/python -m bench.events

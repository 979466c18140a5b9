# The README's commands. Everything installs into .venv from PyPI; nothing else is assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean integration macos-check hostile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.cli-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[cli]'
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.cli-installed

run: $(VENV)/.cli-installed
	@echo "darwin-metrics top: the live dashboard. Quit with q (or Ctrl+C); keys are in its footer."
	$(BIN)/darwin-metrics top

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict src

test: lint
	$(BIN)/python -m pytest

# On a Mac: the validation suite against the system's tools, with a report file to attach to an issue.
macos-check: $(VENV)/.dev-installed
	$(BIN)/python scripts/macos-check

# System programs the integration tests drive (apt names); one line each helper may extend.
INTEGRATION_APT := chromium tmux
INTEGRATION_APT += prometheus prometheus-node-exporter wrk openssl
INTEGRATION_APT += iproute2
integration: $(VENV)/.dev-installed
	if command -v apt-get >/dev/null; then \
		sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq $(INTEGRATION_APT); fi
	$(BIN)/python -m pytest -m integration -ra

# Every hostile-tree case (issue 9): each file each public function reads, broken every way.
hostile: $(VENV)/.dev-installed
	DARWIN_METRICS_HOSTILE=full $(BIN)/python -m pytest -m slow -s tests/linux/test_hostile_tree.py

bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache

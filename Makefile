# Safer Wolverhampton Insight: the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8501
ADDRESS ?= 127.0.0.1
export SWP_DATA_DIR ?= ../shared/data
export SWP_STORE ?= data/swp.duckdb

.PHONY: run test store demo install install-test chromium bench clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Build the store when it is missing or older than the bundle; load the demo
# dataset when no crime data is loaded yet.
store: install
	$(PY) -m swp_data ensure

run: store
	$(PY) -m streamlit run app.py --server.headless true --server.port $(PORT) --server.address $(ADDRESS)

# Debian's chromium for the browser tests (no browser download).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq chromium); \
	fi

test: install-test chromium
	$(PY) -m pytest -q

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data/*.duckdb* tests/e2e/artifacts

# Safer Wolverhampton Insight: the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8501
ADDRESS ?= 127.0.0.1
export SWP_DATA_DIR ?= ../shared/data
export SWP_STORE ?= data/swp.duckdb

# Exact versions, with hashes, of every dependency: requirements.lock for the
# app, requirements-test.lock for the app and the tests (same versions). They
# change only through `make lock`; installs never resolve versions themselves.
LOCK      := requirements.lock
LOCK_TEST := requirements-test.lock
# The oldest Python the locks are resolved for (soupsieve, via libpysal, needs 3.11.5).
LOCK_PYTHON ?= 3.11.5

.PHONY: run test lint lock store demo install install-test chromium bench clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall when the lock or pyproject.toml changes: exactly the locked
# versions (pip refuses anything unpinned or with another hash), then the
# project itself without dependencies.
$(VENV)/.installed: $(LOCK) pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q --require-hashes -r $(LOCK)
	$(PIP) install -q --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(LOCK_TEST) $(VENV)/.installed
	$(PIP) install -q --require-hashes -r $(LOCK_TEST)
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Refresh the locks on purpose (newest versions the ranges in pyproject.toml
# allow), then run `make test` before committing them. The app lock is
# constrained by the test lock so both pin the same versions. LOCK_ARGS adds
# uv options, e.g. `make lock LOCK_ARGS="-c tested.txt"` to keep the versions
# of a `pip freeze` that passed the tests.
lock: | $(VENV)/bin/python
	@$(PY) -m uv --version >/dev/null 2>&1 || $(PIP) install -q uv
	$(PY) -m uv pip compile pyproject.toml --extra test --generate-hashes --python-version $(LOCK_PYTHON) \
	  --no-header --annotation-style line -o $(LOCK_TEST) $(LOCK_ARGS)
	$(PY) -m uv pip compile pyproject.toml --generate-hashes --python-version $(LOCK_PYTHON) \
	  --no-header --annotation-style line -c $(LOCK_TEST) -o $(LOCK)

# Build the store when it is missing or older than the bundle; load the demo
# dataset when no crime data is loaded yet.
store: install
	$(PY) -m swp_data ensure

run: store
	$(PY) -m streamlit run app.py --server.headless true --server.port $(PORT) --server.address $(ADDRESS)

# Debian's packages the tests use (no browser download): chromium for the
# browser tests and the PDF, poppler-utils to read the PDF back, nginx for the
# reverse-proxy test of docs/deploy.md. Installed only when missing.
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/bin/pdftotext:poppler-utils /usr/sbin/nginx:nginx
chromium:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
	  [ -x "$${pair%%:*}" ] || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for the tests:$$missing"; \
	  (apt-get update -qq && apt-get install -y -qq $$missing) >/dev/null 2>&1 || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq $$missing); \
	fi

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy swp_data geo ui

test: install-test chromium lint
	$(PY) -m pytest -q

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data/*.duckdb* tests/e2e/artifacts

# Two commands on a fresh machine with Python 3.11+:
#   make run    the main job on the embedded default (Temporal dev server, worker, API)
#   make test   lint, type-check and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# openapi-python-client in a venv of its own: it caps httpx and typer below what the
# project runs on, and tests/api/test_openapi_contract.py only runs it as a command.
CODEGEN := .venv-codegen

# Browser tests drive Debian's chromium; installed here when missing (CI runs as root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser run test lint typecheck pytest bench bench-up bench-pages tools codegen revision audit clean clock-moved

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

$(CODEGEN)/.installed:
	$(PYTHON) -m venv $(CODEGEN)
	$(CODEGEN)/bin/python -m pip install --quiet "openapi-python-client>=0.29,<0.30"
	touch $@

codegen: $(CODEGEN)/.installed

# apt through one lock, waiting for dpkg's: two CI runs at once on a fresh machine
# both found chromium missing, and the second failed on apt's lock.
APT := flock /tmp/onboarding-apt.lock $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600

browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing chromium (Debian) for the browser tests ..."; \
		$(APT) update -qq && $(APT) install -y -qq chromium; }

# A Compose client for tests/project/test_deploy.py (`docker compose config` validates
# deploy/compose offline). Docker's own plugin if present, else Debian's
# docker-compose. Failing here only skips those tests outside CI.
tools:
	@command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || \
	  { $(APT) update -qq && \
	    $(APT) install -y -qq --no-install-recommends docker-compose; } || \
	  echo "make tools: could not install docker-compose; the Compose checks will be skipped" >&2

# A migration for what the tables have and the migrations lack:
#   make revision MESSAGE="wave tables"
revision: install
	$(BIN)/onboarding db revision "$(MESSAGE)"
	$(BIN)/ruff format --quiet onboarding/store/migrations/versions

run: install
	$(BIN)/onboarding up

# ruff, and the layers as import contracts (import-linter; pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# Two processes (pytest-xdist), a test file each at a time: module fixtures (a
# server per file) stay in one process, and tests/conftest.py deals the longest
# files first (--no-loadscope-reorder: else xdist deals the files with the most
# tests first). PYTEST_WORKERS=0 runs it in this one process.
PYTEST_WORKERS ?= 2
pytest: install browser tools codegen
	$(BIN)/pytest -ra --durations=15 -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Known vulnerabilities of the installed packages (asks PyPI; see the script).
audit: install
	$(BIN)/python tools/dependency_audit.py

test: lint typecheck audit pytest

# The suite with the clock a year and three years ahead (Debian's faketime), on demand:
#   make clock-moved [OFFSETS="+730d"]
clock-moved: install codegen
	@command -v faketime >/dev/null 2>&1 || { $(APT) update -qq && $(APT) install -y -qq faketime; }
	tools/clock_moved_tests.sh $(OFFSETS)

# Benchmarks, on demand only (never part of `make test`): see bench/RESULTS.md.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# `onboarding up` as shipped: transitions over HTTP against the floor over HTTP.
bench-up: install
	$(BIN)/python -m bench --only up $(BENCH_ARGS)

# Page load times with the shipped region (target: p95 under 300 ms).
bench-pages: install
	$(BIN)/python -m bench.pages

clean:
	rm -rf $(VENV) $(CODEGEN) .pytest_cache .mypy_cache .ruff_cache artifacts

# ecert-desk: two commands on a fresh machine are enough.
#   make run    venv + runtime deps, then the app at http://localhost:8501 (embedded defaults)
#   make test   venv + test deps + Debian chromium/fonts-noto-cjk/postgresql/nginx, then the import
#               contract and every test (PostgreSQL and two-replica tests included: there they
#               must run, not skip)
# Also: make check (the fast lane: ruff, the import contract, every test that needs no browser,
# no server and no PostgreSQL), make bench, make lint, make load.

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
PYTEST_ARGS ?=
LOAD_ARGS ?=

# apt-get as root directly, otherwise through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM := /usr/bin/chromium

.PHONY: run test check bench lint load venv venv-dev system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Stamp files: re-install only when a requirements file changed.
$(VENV)/.stamp-run: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp-run
venv-dev: $(VENV)/.stamp-dev

run: venv
	$(PY) -m streamlit run serve.py

# Browser tests drive Debian's chromium (no Playwright browser download) and need CJK glyphs;
# the store tests start a throwaway PostgreSQL cluster (initdb, pg_ctl); the replica tests put
# Debian's nginx in front of two app servers.
SYSTEM_PACKAGES := chromium fonts-noto-cjk fontconfig postgresql nginx
system-deps:
	@if [ -x $(CHROMIUM) ] && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' \
		&& ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		&& { command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1; then \
		echo "chromium, fonts-noto-cjk, postgresql and nginx present"; \
	else \
		if ! apt-cache show $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
			$(SUDO) apt-get update; \
		fi; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			$(SYSTEM_PACKAGES); \
	fi

# pytest exits 5 when it collected nothing: that is a failure here, not a pass.
# ECERT_REQUIRE_POSTGRES=1: a PostgreSQL test that cannot start its server fails, never skips.
test: venv-dev system-deps
	$(VENV)/bin/lint-imports --no-cache
	@rc=0; ECERT_REQUIRE_POSTGRES=1 $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; \
	exit $$rc

bench: venv-dev system-deps
	$(PY) scripts/bench.py

# Simulated sessions at protocol level against one server; e.g. LOAD_ARGS="--sessions 100".
load: venv-dev
	$(PY) scripts/load.py $(LOAD_ARGS)

# The order of core's packages (.importlinter; docs/ARCHITECTURE.md, "Layers").
lint: venv-dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

# The fast lane, for every change: no system packages needed. Leaves out the tests marked
# browser (chromium; every test that starts a `streamlit run` server is one), postgres and slow
# (pyproject.toml). Two pytest-xdist workers (one per core of the 2-core target machine; each
# has its own ECERT_DATA_DIR, tests/conftest.py); CHECK_WORKERS=0 runs it in one process.
CHECK_MARKERS := not browser and not postgres and not slow
CHECK_WORKERS ?= 2
check: lint
	@rc=0; $(PY) -m pytest -q -m "$(CHECK_MARKERS)" -n $(CHECK_WORKERS) --dist worksteal \
		$(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make check: no tests were collected" >&2; exit 1; fi; \
	exit $$rc

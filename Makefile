# Two commands a fresh machine needs: `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
# The first Python 3.11+ on the PATH (override: make test PYTHON=/path/to/python3.12).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then command -v $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

NODE_STAMP := tests/node/node_modules/.installed-$(shell cat tests/node/package-lock.json | cksum | cut -d' ' -f1)
ROOT_CMD := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Every target here is the demo, the tests or the benchmarks: without SECRET_KEY they may sign
# with the public development key (wallboard/settings.py refuses any other start without one).
export WALLBOARD_DEV_SECRET_KEY ?= 1

.PHONY: test pure demo lint types js check bench install clean chromium stop-redis gettext messages

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The real Socket.IO 2.x peers of the compatibility tests (tests/node/package.json).
$(NODE_STAMP): tests/node/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the tests"; exit 1; }
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	@rm -f tests/node/node_modules/.installed-*
	@touch $@

# Browser tests drive Debian's chromium (Playwright's own browser download does not work here).
chromium:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for the browser tests"; \
		$(ROOT_CMD) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(ROOT_CMD) apt-get install -y -qq chromium >/dev/null; }

# The translations, compiled: locale/<lang>/LC_MESSAGES/django.po -> .mo with Debian's gettext
# (msgfmt; installed here when missing, as chromium is for the browser tests).
PO := $(wildcard locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

gettext:
	@command -v msgfmt >/dev/null || { \
		echo "installing Debian's gettext for the translations"; \
		$(ROOT_CMD) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(ROOT_CMD) apt-get install -y -qq gettext >/dev/null; }

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | gettext
	msgfmt --check -o $@ $<

messages: $(MO)

install: $(STAMP)

test: $(STAMP) $(NODE_STAMP) chromium messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Types: the configuration is in pyproject.toml ([tool.mypy]).
types: $(STAMP)
	$(BIN)/mypy

# The pure tests, with Redis and the database out of reach: they must need neither.
pure: $(STAMP) messages
	REDIS_URL=redis://127.0.0.1:1/0 DATABASE_URL=postgres://nobody@127.0.0.1:1/none \
	WALLBOARD_DATA_DIR=$$(mktemp -d) $(BIN)/python -m pytest -m pure -p no:cacheprovider -q

# The board's pure modules: checked as typed JavaScript (tests/node/tsconfig.json) and their
# tests run by Node's own test runner.
js: $(NODE_STAMP)
	cd tests/node && node_modules/.bin/tsc -p tsconfig.json
	node --test tests/node/*.test.mjs

# What CI runs (.ci/run): lint, types (Python and the board's JavaScript), the pure tests
# alone, then the whole test suite.
check: lint types js pure test

# The benchmarks (bench/README.md): a quick run of each by default, the long ones with FULL=1.
ifdef FULL
BENCH_SECONDS := 3000
BENCH_LIVE_S := 120
BENCH_SAMPLES := 50
BENCH_SOAK_S := 3600
BENCH_RECORDS := 1500000
else
BENCH_SECONDS := 300
BENCH_LIVE_S := 20
BENCH_SAMPLES := 10
BENCH_SOAK_S := 60
BENCH_RECORDS := 150000
endif

BENCH_NODE_STAMP := bench/node/node_modules/.installed-$(shell cat bench/node/package-lock.json | cksum | cut -d' ' -f1)

# The benchmarks' load clients (Node ws).
$(BENCH_NODE_STAMP): bench/node/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the benchmarks"; exit 1; }
	cd bench/node && npm ci --no-audit --no-fund --loglevel=error
	@rm -f bench/node/node_modules/.installed-*
	@touch $@

bench: $(STAMP) $(BENCH_NODE_STAMP) chromium messages
	$(BIN)/python bench/bench_core.py --seconds $(BENCH_SECONDS)
	$(BIN)/python bench/bench_ingest.py --seconds $(BENCH_SECONDS)
	$(BIN)/python bench/bench_browser.py --seconds $(BENCH_LIVE_S) --samples $(BENCH_SAMPLES)
	$(BIN)/python bench/bench_browser.py --seconds $(BENCH_LIVE_S) --samples $(BENCH_SAMPLES) --team-agents 150 --team-queues 8
	$(BIN)/python bench/bench_screens.py --screens 100 --rate 340 --seconds $(BENCH_LIVE_S)
	$(BIN)/python bench/bench_screens.py --screens 100 --rate 340 --seconds $(BENCH_LIVE_S) --server daphne
	$(BIN)/python bench/bench_screens.py --screens 1000 --rate 34 --seconds $(BENCH_LIVE_S) --clients 4
	$(BIN)/python bench/bench_screens.py --screens 1000 --rate 340 --seconds $(BENCH_LIVE_S) --clients 4
	$(BIN)/python bench/bench_screens.py --screens 1 --rate 3400 --seconds $(BENCH_LIVE_S)
	$(BIN)/python bench/bench_teams.py --screens 1000 --teams 20 --all-screens 50 --rate 340 --seconds $(BENCH_LIVE_S)
	$(BIN)/python bench/bench_fleet.py --soak $(BENCH_SOAK_S)
	$(BIN)/python bench/bench_signin.py --rate 50 --seconds 60
	$(BIN)/python bench/bench_reports.py --records $(BENCH_RECORDS)

demo: $(STAMP) messages
	$(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py demo

# Stops the embedded Redis (it outlives `make demo` so that its data survives restarts).
stop-redis:
	@test ! -x $(BIN)/python || $(BIN)/python -c 'import os; from pathlib import Path; \
		from realtime.redis_server import stop_embedded_redis as stop; \
		data = Path(os.environ.get("WALLBOARD_DATA_DIR") or "var"); \
		print("embedded Redis stopped" if stop(data / "redis") else "no embedded Redis running")'

clean: stop-redis
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/node/node_modules bench/node/node_modules test-output

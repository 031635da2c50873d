# Two commands for a newcomer on Debian 12 with Python 3.11: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app portal
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint-layers install test-deps system-deps translations migrate demo test-both test-sqlite test-postgres test-faults faults bench security clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -d portal/translations

migrate: install
	$(FLASK) migrate

demo: migrate
	$(FLASK) demo

# The web server and the task consumer (ledger imports, rules, sweep, reminders, mail) together; Ctrl-C stops both.
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (demo logins above), with the task consumer beside it; Ctrl-C stops both"
	@$(FLASK) worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# Debian packages the tests need: Chromium for the browser tests, PostgreSQL for the second run, Redis for the
# shared task queue (the tests start their own server on loopback),
# CJK fonts for readable Chinese screenshots and PDFs, and the Pango/HarfBuzz libraries WeasyPrint loads for PDFs.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -d /usr/share/fonts/opentype/noto ] || missing="$$missing fonts-noto-cjk"; \
	[ -x /usr/bin/redis-server ] || missing="$$missing redis-server"; \
	for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 libglib2.0-0; do \
	  dpkg -s $$lib >/dev/null 2>&1 || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

test-deps: system-deps install

test-sqlite: test-deps
	@echo "=== test suite on SQLite ==="
	env -u DATABASE_URL $(PY) -m pytest -q

test-postgres: test-deps
	@echo "=== test suite on PostgreSQL ==="
	PYTHON=$(PY) .ci/with-postgres $(PY) -m pytest -q

# The layers of docs/architecture.md (pyproject.toml [tool.importlinter]): nothing imports upward, rules/ imports no portal.
lint-layers: install
	$(VENV)/bin/lint-imports --no-cache


# Issue #17: gunicorn on a PostgreSQL stopped and started, a full disk (a tmpfs: needs root); about a minute.
test-faults: test-deps
	@echo "=== fault scenarios (real gunicorn, PostgreSQL stopped and started) ==="
	env -u DATABASE_URL $(PY) -m pytest -q -m faults tests/faults

# The two runs side by side (CI has 2 cores; each run is mostly one Python process): the PostgreSQL run prints as
# it goes, the SQLite run's output follows it; either failing fails the target.
test-both: test-deps
	@echo "=== test suite on PostgreSQL (the SQLite run goes on beside it; its output follows) ==="
	@sqlite_log=$$(mktemp /tmp/kaohe-sqlite-run.XXXXXX); \
	env -u DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider >"$$sqlite_log" 2>&1 & sqlite_pid=$$!; \
	trap 'kill $$sqlite_pid 2>/dev/null; rm -f "$$sqlite_log"; exit 130' INT TERM; \
	PYTHON=$(PY) .ci/with-postgres $(PY) -m pytest -q -p no:cacheprovider; pg=$$?; \
	wait $$sqlite_pid; lite=$$?; \
	echo "=== test suite on SQLite ==="; cat "$$sqlite_log"; rm -f "$$sqlite_log"; \
	echo "=== SQLite run: $$([ $$lite = 0 ] && echo passed || echo FAILED); PostgreSQL run: $$([ $$pg = 0 ] && echo passed || echo FAILED) ==="; \
	[ $$lite = 0 ] && [ $$pg = 0 ]

test: lint-layers test-both test-faults

# Runs every fault scenario and writes docs/reliability.md (a few minutes).
faults: test-deps
	$(PY) -m faults

bench: install
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m bench

# The security probe matrix (issue #13) against gunicorn on a throwaway PostgreSQL; writes docs/security.md.
security: test-deps
	PYTHON=$(PY) KAOHE_SECURITY_REPORT=$(CURDIR)/docs/security.md .ci/with-postgres $(PY) -m pytest -q -s -m security tests/security

clean:
	rm -rf $(VENV) instance .pytest_cache

# After changing user-facing strings: refresh the English catalog, translate the new entries, commit.
translations-update: install
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k N_ -o /tmp/kaohe-messages.pot .
	$(VENV)/bin/pybabel -q update -i /tmp/kaohe-messages.pot -d portal/translations -l en --no-fuzzy-matching

# Mutation testing (issue #18): mutmut over rules/ and the portal's guard functions, each with its own tests, at
# nice 19. Long (hours on a busy machine), so not part of `make test`; the score and every survivor go to
# docs/mutation.md (mutation/report.py writes the tables and the survivors with their diffs).
.PHONY: mutation
mutation: install
	$(PY) -m pip install -q -e '.[mutation]'
	rm -rf build/mutation
	MUTATION_ISOLATION=forkserver $(PY) mutation/run.py rules
	$(PY) mutation/run.py guards
	$(PY) mutation/run.py guards --versions
	$(PY) mutation/report.py rules guards > build/mutation/results.md
	@echo "Score and survivors: build/mutation/results.md (docs/mutation.md says how to read them)"

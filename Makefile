# Ambit: `make run` serves the app with a demo organisation; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate demo lint fmt typecheck check e2e openapi clean bench bench-smoke system-packages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[dev,bench]'
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

# Seeding runs its background work inline; LOG_LEVEL=WARNING keeps those task logs out of the output.
demo: migrate
	LOG_LEVEL=WARNING $(PY) manage.py seed_demo --if-empty

# The logins are printed once, after migrate and seed_demo have said their piece, right before serving.
# The notification scheduler runs in the background beside the server and stops with it.
run: demo
	@$(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/
	@$(PY) manage.py run_scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The browser journeys drive Debian's chromium and the spreadsheet round trip uses headless
# LibreOffice, and the close-out journey renders the cycle report to PNG pages with poppler's pdftoppm:
# installed with apt-get when missing (as root), otherwise one line says what to run.
SYSTEM_PACKAGES := chromium:chromium soffice:libreoffice-calc-nogui pdftoppm:poppler-utils
# The cycle report's PDF (WeasyPrint) loads pango: shared libraries, looked up with ldconfig.
SYSTEM_LIBRARIES := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0
system-packages:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	libs=$$( { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null ); for pair in $(SYSTEM_LIBRARIES); do \
	  grep -qF "$${pair%%:*}" <<<"$$libs" || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "make test needs Debian packages:$$missing — run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

test: install-dev system-packages
	$(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# The benchmark (bench/run.py): S and L organisations, gunicorn, locust at 1 and 20 users. Uses
# PostgreSQL when DATABASE_URL points at it. BENCH_ARGS="--seconds 20 --users 1,5,20" and so on.
bench: $(VENV)/.installed-bench
	$(PY) bench/run.py $(BENCH_ARGS)

bench-smoke: $(VENV)/.installed-bench
	$(PY) bench/run.py --smoke

e2e: install-dev system-packages
	$(VENV)/bin/pytest e2e -p no:xdist $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: install-dev
	$(VENV)/bin/mypy ambit tests e2e

check: lint typecheck
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static

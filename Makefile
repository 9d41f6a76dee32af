# 泉州市政务数据治理门户 — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv migrate lint typecheck bench browser clean audit

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	PORTAL_DEBUG=$${PORTAL_DEBUG:-1} $(PY) manage.py migrate --noinput

# Set-up + demo on SQLite: migrate, seed when empty, start the task cluster and the web server on 127.0.0.1:8000.
# var/local.env keeps the settings used here for later manage.py commands (ADR 0005; the environment wins).
run: migrate
	@mkdir -p var; { echo "# written by make run: read by manage.py, the environment wins (docs/adr/0005-local-env-file.md)"; \
	  echo "PORTAL_DEBUG=$${PORTAL_DEBUG:-1}"; \
	  if [ -n "$${DATABASE_URL:-}" ]; then echo "DATABASE_URL=$$DATABASE_URL"; fi; } > var/local.env
	@export PORTAL_DEBUG=$${PORTAL_DEBUG:-1}; \
	$(PY) manage.py seed_demo --if-empty; \
	$(PY) manage.py demo_accounts; \
	$(PY) manage.py qcluster & QPID=$$!; \
	trap 'kill $$QPID 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000 --noreload

browser:
	@bash scripts/install-browser.sh

# The whole suite; SQLite unless DATABASE_URL is set.
test: venv browser
	PORTAL_TESTING=1 $(PY) -m pytest -p no:randomly -n 2 --dist loadfile

lint: venv
	$(VENV)/bin/ruff check .
	PORTAL_DEBUG=1 $(VENV)/bin/mypy

bench: venv
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) var/db.sqlite3 var/local.env

# Known vulnerabilities in the pinned dependencies: OSV when reachable, else scripts/advisories.json (ADR 0010).
audit: venv
	$(PY) scripts/audit_deps.py

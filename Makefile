# 泉州市政务数据治理门户 — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test drills venv migrate lint typecheck bench browser cluster clean audit

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

# The whole suite; SQLite unless DATABASE_URL is set. The drills (tests/drills: real processes against the machine's
# PostgreSQL server whatever the suite's database) run once, in `make drills`, which .ci/run calls.
test: venv browser
	PORTAL_TESTING=1 $(PY) -m pytest -p no:randomly -n 2 --dist loadfile --ignore=tests/drills

# Restore drill and fault injection with real processes (PostgreSQL server on 127.0.0.1:5432).
drills: venv
	PORTAL_TESTING=1 $(PY) -m pytest -p no:randomly -n 2 --dist loadfile tests/drills

lint: venv
	$(VENV)/bin/ruff check .
	PORTAL_DEBUG=1 $(VENV)/bin/mypy

# The multi-node topology of docs/deployment.md on this machine (PostgreSQL, Redis, 2 gunicorn, 2 qcluster, nginx):
# a smoke journey through nginx, each scheduled job and each webhook exactly once. Needs PostgreSQL on
# 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (db 5 is flushed); installs nginx when missing (root).
cluster: venv
	@bash scripts/install-cluster.sh
	$(PY) scripts/cluster.py

bench: venv
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) var/db.sqlite3 var/local.env

# Known vulnerabilities in the pinned dependencies: OSV when reachable, else scripts/advisories.json (ADR 0010).
audit: venv
	$(PY) scripts/audit_deps.py

# LMI Portal: every command a checkout offers (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cksum requirements/dev.lock | cut -d' ' -f1)
DEV_ENV := DJANGO_DEBUG=true

.PHONY: help venv run test check e2e bench messages chromium clean

help:
	@echo "make run | test | check | e2e | bench | messages"

$(STAMP): requirements/dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

run: venv
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo
	@echo "LMI Portal: http://127.0.0.1:$(PORT)/   (health: http://127.0.0.1:$(PORT)/health/)"
	@echo "Starting web, worker and beat; Ctrl-C stops all three."
	@trap 'kill 0' INT TERM EXIT; \
	  $(DEV_ENV) $(VENV)/bin/celery -A lmi_portal worker --loglevel=INFO --concurrency=2 & \
	  $(DEV_ENV) $(VENV)/bin/celery -A lmi_portal beat --loglevel=INFO & \
	  $(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT) & \
	  wait

test: venv
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

check: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=false DJANGO_SECRET_KEY="$$(openssl rand -hex 40)" ALLOWED_HOSTS=portal.example \
	  $(PY) manage.py check --deploy --fail-level WARNING

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: install the Debian package 'chromium' as root." >&2; exit 1; fi; }

# Screenshots of every key page (desktop and phone width) land in $(SCREENSHOTS), kept by CI as
# an artefact; emptied first so that the folder shows this run only.
SCREENSHOTS := var/e2e-screenshots

e2e: venv chromium
	rm -rf $(SCREENSHOTS)
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS); status=$$?; \
	  echo "Screenshots: $(CURDIR)/$(SCREENSHOTS)/ ($$(ls $(SCREENSHOTS) 2>/dev/null | wc -l) files)"; \
	  exit $$status

BENCH_STAMP := $(VENV)/.bench-$(shell cksum requirements/bench.lock | cut -d' ' -f1)

$(BENCH_STAMP): requirements/bench.lock | venv
	$(PY) -m pip install --quiet --require-hashes -r requirements/bench.lock
	@rm -f $(VENV)/.bench-* && touch $@

bench: venv $(BENCH_STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/load.py $(LOAD_ARGS)
	$(PY) bench/map_render.py

messages: venv
	$(DEV_ENV) $(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var
	$(DEV_ENV) $(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf var/celery var/staticfiles .pytest_cache .mypy_cache .ruff_cache

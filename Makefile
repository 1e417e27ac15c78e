# Markaz: one command each. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint bench venv migrate demo serve messages lock clean

# The lock is complete (every package, pinned, with its hashes), so pip installs it as it is,
# without resolving again (--no-deps): the result does not depend on which pip the interpreter
# ships nor on what the index published since the lock was made. `pip check` then proves that
# every installed package's requirements are met by the lock.
$(BIN)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements.lock
	$(BIN)/pip check
	touch $@

venv: $(BIN)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

# MARKAZ_DEMO=0: an empty install (no demo); every page then leads to the first-run page /setup/.
MARKAZ_DEMO ?= 1
# Without the demo the data are a real centre's: pages and reports do not call them synthetic.
MARKAZ_SYNTHETIC_DATA ?= $(MARKAZ_DEMO)
export MARKAZ_SYNTHETIC_DATA

demo: migrate
	@if [ "$(MARKAZ_DEMO)" = "0" ]; then echo "MARKAZ_DEMO=0: no demo loaded; open /setup/"; \
	else $(PY) manage.py load_demo; fi

## make run: set up, load the Berkane demo (unless MARKAZ_DEMO=0) and serve on http://127.0.0.1:8000
## The background worker is restarted if it ever dies (a supervisor loop, logged to var/worker.log).
run: demo
	@echo "Markaz on http://127.0.0.1:8000  (Ctrl-C to stop)"
	@trap 'kill $$worker $$reaper 2>/dev/null' EXIT INT TERM; \
	( while true; do $(PY) manage.py reap_jobs; $(PY) manage.py db_worker --queue-name default; \
	  echo "worker exited ($$?); restarting in 2 s"; sleep 2; done ) >>var/worker.log 2>&1 & worker=$$!; \
	( while sleep 60; do $(PY) manage.py reap_jobs; done ) >>var/worker.log 2>&1 & reaper=$$!; \
	$(BIN)/gunicorn config.wsgi:application --bind 127.0.0.1:8000 --workers 2 --threads 4 --access-logfile -

## make test: lint, then the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
## (PYTEST_ARGS="-n 2 --dist loadfile" spreads the suite over two processes with pytest-xdist)
test: lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m markaz.core.check_messages

## make messages: extract strings into locale/*.po and compile them (needs GNU gettext)
messages: venv
	$(PY) manage.py makemessages -l fr -l ar --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

## make bench: every benchmark (bench/*.py), each printing one JSON object; BENCH_ARGS=--smoke for
## the tiny mode .ci/run uses
bench: migrate
	@for b in bench/[a-z]*.py; do echo "== $$b" >&2; $(PY) $$b $(BENCH_ARGS) || exit 1; done

## make lock: re-pin the dependencies after editing pyproject.toml
lock: venv
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --strip-extras -o requirements.lock pyproject.toml
	@echo "Checking that the new lock installs as make venv installs it (no resolving, pip check)..."
	rm -rf var/lock-check && $(PYTHON) -m venv var/lock-check
	var/lock-check/bin/pip install --quiet --no-deps --require-hashes -r requirements.lock
	var/lock-check/bin/pip check
	rm -rf var/lock-check

clean:
	rm -rf var/static var/test.sqlite3

# Markaz: one command each. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint bench venv migrate demo serve messages lock clean

$(BIN)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

venv: $(BIN)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

demo: migrate
	$(PY) manage.py load_demo

## make run: set up, load the Berkane demo and serve on http://127.0.0.1:8000
run: demo
	@echo "Markaz on http://127.0.0.1:8000  (Ctrl-C to stop)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py db_worker --queue-name default >var/worker.log 2>&1 & worker=$$!; \
	$(BIN)/gunicorn config.wsgi:application --bind 127.0.0.1:8000 --workers 2 --threads 4 --access-logfile -

## make test: lint, then the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
test: lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest

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

bench: migrate
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) bench/registry.py
	$(PY) bench/allocation.py
	$(PY) bench/timetable.py
	$(PY) bench/checkin.py
	$(PY) bench/routing.py
	$(PY) bench/reporting.py
	$(PY) bench/outbox.py

## make lock: re-pin the dependencies after editing pyproject.toml
lock: venv
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --strip-extras -o requirements.lock pyproject.toml

clean:
	rm -rf var/static var/test.sqlite3

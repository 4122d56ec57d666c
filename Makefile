# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint setup demo worker clean constraints smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

## Start the product with demo data: SQLite, tasks inline, no other services.
run: demo
	@echo "Откройте http://$(HOST):$(PORT)/ и войдите одним из пользователей выше."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Run the whole test suite (with DATABASE_URL/REDIS_URL set, against PostgreSQL and Redis).
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

worker: setup
	$(BIN)/celery -A config worker -Q celery,imports,checks,documents --loglevel=info

## The production smoke test alone (needs DATABASE_URL, REDIS_URL and Chromium).
smoke: setup
	$(BIN)/pytest tests/production/test_smoke.py -q

## Pin what is installed now (after changing pyproject.toml and installing it).
constraints: setup
	@echo "# Pins of every package the product and its tests use, for reproducible builds:" > constraints.txt
	@echo "# the image (Dockerfile) and make install with -c constraints.txt. Regenerate after" >> constraints.txt
	@echo "# changing pyproject.toml: make constraints" >> constraints.txt
	$(BIN)/python -m pip freeze --exclude-editable | grep -v "^roadmaps-objectivity" >> constraints.txt

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles

# Everyday commands. `make test` is the one the README and CI use.
#
# The virtualenv lives in .venv and is (re)installed from pyproject.toml only when
# that file changes (stamp: .venv/.installed).

PYTHON_BOOT := $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="--create-db -x"`.
PYTEST_ARGS ?=

.PHONY: venv run test lint contracts check worker

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON_BOOT) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

run: venv
	$(BIN)/python manage.py migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: venv
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

contracts: venv
	$(BIN)/lint-imports

check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

worker: venv
	$(BIN)/celery -A config worker -l info

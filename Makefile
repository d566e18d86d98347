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

.PHONY: venv run test browser design-system lint typecheck contracts check audit worker messages translations-check

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON_BOOT) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

# The address `make run` serves on, and the one certificates' QR codes and mail links
# name (one setting, SITE_URL, for both seed_demo and the server). Another port:
# `make run PORT=8001`; reachable from the network: `make run HOST=0.0.0.0
# SITE_URL=http://192.168.1.20:8000` (that host is then allowed too).
HOST ?= 127.0.0.1
PORT ?= 8000
SITE_URL ?= http://$(HOST):$(PORT)
RUN_ENV = SITE_URL=$(SITE_URL) \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,$(HOST),$(shell echo '$(SITE_URL)' | sed -E 's|^[a-z]+://||; s|[:/].*$$||')

run: venv
	$(BIN)/python manage.py migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --base-url $(SITE_URL)
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: venv
	$(BIN)/pytest -q --ignore=tests/browser $(PYTEST_ARGS)

# The journey in Debian's Chromium (apt-get install chromium), with axe-core, reflow and
# focus checks at 1280 and 320 px. SCREENSHOTS=1 rewrites docs/screenshots/.
browser: venv
	$(BIN)/pytest -q tests/browser $(PYTEST_ARGS)

# The NL Design System CSS (Utrecht components, voorbeeld tokens) at the versions in
# package-lock.json, copied under examens/static/examens/vendor/nlds/ with their licences.
# Needs npm only when refreshing; the product serves the committed copy.
design-system:
	npm ci --ignore-scripts --no-audit --no-fund
	python3 .ci/design_system.py
	python3 .ci/design_system.py --check

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with django-stubs and the DRF stubs over the apps, the demo and bench/ (pyproject.toml).
typecheck: venv
	$(BIN)/mypy

contracts: venv
	$(BIN)/lint-imports

check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

# Security scanners. bandit over the product's code (settings in pyproject.toml: what is
# scanned, and why B608 is left to tests/examens/test_sql.py); every other finding is
# explained where it stands (`# <reason>  # nosec BXXX`). pip-audit over the installed
# dependencies against PyPI's advisory data (.ci/pip_audit.py: accepted vulnerabilities
# with their reasons, and a count of what could not be audited). Where the advisory
# service answers for every dependency, run `make audit PIP_AUDIT_ARGS=--strict` so
# that an unaudited dependency fails too.
PIP_AUDIT_ARGS ?=
audit: venv
	$(BIN)/bandit -q -c pyproject.toml -r .
	$(BIN)/python .ci/pip_audit.py $(PIP_AUDIT_ARGS)

worker: venv
	$(BIN)/celery -A config worker -l info

# Collect the interface strings into locale/nl (then translate the new ones) and compile.
messages: venv
	$(BIN)/python manage.py makemessages -l nl --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(BIN)/python manage.py compilemessages -l nl

# Fails when a string in the code has no Dutch translation, or the compiled file is stale.
translations-check: venv
	$(BIN)/python manage.py makemessages -l nl --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	@untranslated=$$(msgattrib --untranslated --no-obsolete locale/nl/LC_MESSAGES/django.po | grep -c '^msgid ' || true); \
	fuzzy=$$(msgattrib --only-fuzzy --no-obsolete locale/nl/LC_MESSAGES/django.po | grep -c '^msgid ' || true); \
	if [ "$$untranslated$$fuzzy" != "00" ]; then \
	  echo "Untranslated: $$untranslated, fuzzy: $$fuzzy (the header counts as one untranslated)"; \
	  msgattrib --untranslated --no-obsolete locale/nl/LC_MESSAGES/django.po; exit 1; fi
	msgfmt --check -o /tmp/examenbeheer-nl.mo locale/nl/LC_MESSAGES/django.po
	cmp -s /tmp/examenbeheer-nl.mo locale/nl/LC_MESSAGES/django.mo || \
	  { echo "locale/nl/LC_MESSAGES/django.mo is stale: run make messages"; exit 1; }

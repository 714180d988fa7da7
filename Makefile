# Ajunta — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo run test lint format migrations messages totp bench clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)

# pip's notices and warnings and the build backend's deprecation warnings are not the newcomer's
# business: -qq prints errors only.
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PYTHONWARNINGS=ignore \
	$(BIN)/python -m pip install -qq --no-warn-script-location

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing Ajunta and its Python packages into $(VENV) (the first time takes a few minutes)..."
	@$(PIP) --upgrade pip
	@$(PIP) -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

## make demo: install, migrate, seed the demo organizations and users, serve on http://127.0.0.1:8000
## it ends with one summary: the address, the logins and, last, the password
demo: install
	@echo "Preparing the database..."
	@DEBUG=1 $(BIN)/python manage.py migrate --noinput --verbosity 0
	@DEBUG=1 $(BIN)/python manage.py make_test_seal
	@echo "Seeding the demo organizations, users and data..."
	@DEBUG=1 SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py seed_demo --no-summary
	@DEBUG=1 DJANGO_RUNSERVER_HIDE_WARNING=true $(BIN)/python manage.py serve_demo $(HOST):$(PORT)

## make run: serve without seeding (DEBUG=1)
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite; SQLite by default, PostgreSQL when DATABASE_URL is set
## (PYTEST_ARGS='-m "not browser"' leaves out the browser journeys)
PYTEST_ARGS ?=
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy ajunta

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: install
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

## make messages: refresh the Catalan and Spanish catalogues and compile them (needs GNU gettext)
messages: install
	cd ajunta && DEBUG=1 ../$(BIN)/python ../manage.py makemessages -l ca -l es -l en --no-obsolete
	cd ajunta && DEBUG=1 ../$(BIN)/python ../manage.py compilemessages

## make totp WHO=provider.admin: the demo user's current two-step code
totp: install
	DEBUG=1 $(BIN)/python manage.py demo_totp $(WHO)

## make bench: load and scale benchmark on the ajunta_bench PostgreSQL database (docs/performance.md)
## SCALE=S (default: 50 organizations, 50,000 entries, a few minutes) or SCALE=L (1,000 / 1,000,000)
SCALE ?= S
BENCH_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(PIP) -e ".[dev,bench]"
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m benches.run --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info db.sqlite3* .test-db* staticfiles .pytest_cache .ruff_cache .mypy_cache

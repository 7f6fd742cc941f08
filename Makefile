# Two commands for a fresh clone:
#   make run    set up and serve the site on SQLite with demo data at http://127.0.0.1:8000
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test setup browsers css lint check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
	@test -f .env || cp .env.example .env

run: setup
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The browser tests need Debian's chromium; without it they are skipped locally (CI installs it).
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

browsers:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

css:
	npm --prefix theme/static_src ci --no-audit --no-fund
	npm --prefix theme/static_src run build

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run

# Benchmarks on PostgreSQL at community scale (docs/benchmarks.md); seeds its own database on first use.
bench: setup
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/community_bench} $(BIN)/python manage.py bench

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

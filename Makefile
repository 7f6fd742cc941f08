# Two commands for a fresh clone:
#   make run    install what the site needs and serve it on SQLite with demo data (PORT=8000)
#   make test   install the development tools too and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Django management commands: make manage ARGS="createsuperuser"
ARGS ?= help
# A log-in that seed_demo creates, printed by make run (community/tests/test_settings.py checks it).
DEMO_USER := maya
DEMO_PASSWORD := community-demo

.PHONY: run manage test setup browsers css lint check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What the site needs to run (requirements.txt) ...
$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# ... and what developing it needs on top (tests, lint, browsers: requirements-dev.txt).
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed-runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Never overwrites an existing .env.
.env:
	cp .env.example .env

# The development set and .env (CI runs this before its checks).
setup: $(VENV)/.installed-dev .env

run: $(VENV)/.installed-runtime .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@printf '\nThe site: http://127.0.0.1:%s/  Log in as %s, password %s (every demo user has it).\n\n' \
		'$(PORT)' '$(DEMO_USER)' '$(DEMO_PASSWORD)'
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

manage: $(VENV)/.installed-runtime .env
	$(BIN)/python manage.py $(ARGS)

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

# Two commands for a newcomer: `make run` (set up and serve on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
ADRESSE ?= 127.0.0.1:8000

.PHONY: run install db test e2e lint format ci clean bench charge

run: install db
	$(MANAGE) runserver $(ADRESSE)

install: $(VENV)/.installe node_modules/.installe

$(VENV)/.installe: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12 ou plus est requis (pyenv lit .python-version).")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# --ignore-scripts: vnu-jar's install script downloads a Java runtime when it finds none; the
# system's Java runs the checker, and no other package has a script to run.
node_modules/.installe: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

db: install
	$(MANAGE) migrate --noinput
	$(MANAGE) charger_reference
	$(MANAGE) generer_demo

# PYTEST_ARGS narrows a run, e.g. PYTEST_ARGS='-m "not e2e"'.
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests alone: real Chromium, axe-core and the Nu Html Checker (see README).
e2e: install
	$(BIN)/pytest e2e

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ci:
	bash .ci/run

# Response times over HTTP against PostgreSQL at two data scales, into docs/performance.md
# (bench/run.py; options through BENCH_ARGS, e.g. BENCH_ARGS="--echelles dixieme").
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# 50 simultaneous users for 60 s (locust) on the full-scale bench data, the code as it is against
# a reference commit, into docs/performance.md (bench/charge.py; CHARGE_ARGS="--modeles" compares
# gunicorn's worker models). Needs fiches_bench_grande, built by make bench.
charge: install
	$(BIN)/python -m bench.charge $(CHARGE_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3

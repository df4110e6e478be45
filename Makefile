# Two commands set everything up on a fresh Debian/Ubuntu machine: `make run` and `make test`.
PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
FLASK    := $(VENV)/bin/flask
export FLASK_APP := wsgi.py

PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-sqlite test-postgres system-packages bench lint translations-extract

run: $(VENV)/.installed system-packages $(MO_FILES)
	$(FLASK) db upgrade
	$(FLASK) accord seed-demo
	ACCORD_TICK_EVERY=$${ACCORD_TICK_EVERY:-60} $(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-dev system-packages $(MO_FILES)
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$ACCORD_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "ACCORD_TEST_DATABASE_URL is not set: the PostgreSQL pass is skipped"; fi

test-sqlite:
	@echo "== test suite on SQLite =="
	ACCORD_TEST_DATABASE_URL= $(PY) -m pytest $(PYTEST_ARGS)

# The browser journeys run in the SQLite pass only: their server has its own SQLite database.
test-postgres:
	@echo "== test suite on PostgreSQL ($$ACCORD_TEST_DATABASE_URL) =="
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

system-packages:
	@bash scripts/system-packages.sh

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@

translations-extract: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

# Every benchmark in one run against gunicorn on PostgreSQL (issue 6): ballots, the negotiations
# list, contracts, memory per worker, each beside its baseline; writes benchmarks/results.md. Needs
# a running PostgreSQL (BENCH_DATABASE_BASE, default postgresql+psycopg://postgres@127.0.0.1:5432).
bench: $(VENV)/.installed
	$(PY) benchmarks/run_all.py --base-url $${BENCH_DATABASE_BASE:-postgresql+psycopg://postgres@127.0.0.1:5432}

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check app workflows tests
	$(VENV)/bin/ruff format --check app workflows tests

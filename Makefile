# The two commands a newcomer needs:  `make demo`  and  `make test`.
# Each installs what it needs into .venv first, once per pinned set (a stamp file per set,
# redone when its file changes): requirements.txt for the demo (dbt-core, dbt-duckdb and what
# activation-demo imports), requirements-benchmark.txt adds the benchmark's packages, and
# requirements-test.txt the rest of the test stack (other engines, sqlfluff, pytest). So
# `make demo` installs the demo set only, and a later `make test` adds the rest.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: install install-benchmark install-test demo test test-fast lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-benchmark: requirements-benchmark.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-benchmark.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed-benchmark
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

## The demo's packages only.
install: $(VENV)/.installed

## The demo's and the benchmark's (`.venv/bin/activation-demo benchmark ...`).
install-benchmark: $(VENV)/.installed-benchmark

## Everything the tests and the linter need.
install-test: $(VENV)/.installed-test

# The BigQuery API emulator the tests run the models on, in a venv of its own.
.venv-emulator/.installed: requirements-emulator.txt
	$(PYTHON) -m venv .venv-emulator
	.venv-emulator/bin/python -m pip install --quiet -r requirements-emulator.txt
	touch $@

## Build the demo warehouse on DuckDB (target/activation.duckdb), print the core funnel metric and
## write the dashboard (target/dashboard/index.html).
demo: install
	$(BIN)/activation-demo demo
	$(BIN)/activation-demo dashboard

## Everything CI runs: lint, dbt build on fresh demo data (seeds, models, data and unit tests), and
## pytest on every engine: DuckDB; PostgreSQL (a throwaway cluster the tests start and stop);
## BigQuery (the API emulator of .venv-emulator); Spark (local mode in the test process; Java 17).
## 5 random cases per property test and engine (the tests' default is 8), in two processes
## (pytest-xdist, a whole test file at a time in each, so that a module's fixtures are built
## once): it keeps the run well inside CI's 90 minutes on a 2-core machine (in one process it
## took 49 to 64 minutes; in two, 49 minutes on a slower machine).
test: install-test .venv-emulator/.installed lint
	$(BIN)/activation-demo demo --db target/ci.duckdb --quiet
	ACTIVATION_ENGINES=duckdb,postgres,bigquery,spark ACTIVATION_PROPERTY_EXAMPLES=5 $(BIN)/python -m pytest -n 2 --dist loadfile --durations=15

## DuckDB only, fewer random examples: for development.
test-fast: install-test
	ACTIVATION_PROPERTY_EXAMPLES=3 $(BIN)/python -m pytest -x -q

## sqlfluff (dbt templater) over models, analyses and data tests; compiles against an empty database.
lint: install-test
	mkdir -p target
	DBT_ACTIVATION_DUCKDB_PATH=target/lint.duckdb $(BIN)/sqlfluff lint models analyses tests

clean:
	rm -rf target logs dbt_packages $(VENV) .venv-emulator

# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test lint format bench clean messages translations audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed translations
	$(BIN)/flask --app consult db upgrade
	$(BIN)/flask --app consult seed-demo --if-empty
	$(BIN)/flask --app consult search worker --once
	$(BIN)/flask --app consult run --host $(HOST) --port $(PORT) --with-threads

test: $(VENV)/.dev-installed translations
	$(BIN)/lint-imports
	$(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.dev-installed
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/*.py; do $(BIN)/python $$b; done || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

messages: $(VENV)/.dev-installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d consult/translations --no-fuzzy-matching

# The English catalogue compiled (the app also compiles it as it starts when the .mo is missing or older).
translations: $(VENV)/.run-installed
	$(BIN)/pybabel compile --statistics -d consult/translations

# Known vulnerabilities in the pinned requirements (needs the vulnerability service on the network).
audit:
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/pip install --quiet pip-audit==2.10.1
	.venv-audit/bin/pip-audit -r requirements.txt

# GovLotse — the whole set-up is two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export GOVLOTSE_DATABASE_URL ?= sqlite:///./var/govlotse.sqlite3

.PHONY: run test install install-dev lint typecheck pytest lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs pinned by constraints.txt, so two machines get the same versions.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# axe-core for the accessibility checks of the browser tests (tests/e2e), pinned by its package-lock.json.
E2E := tests/e2e
$(E2E)/node_modules/.installed: $(E2E)/package.json $(E2E)/package-lock.json
	cd $(E2E) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev $(E2E)/node_modules/.installed

## make run: install, migrate, load the demo data, print the demo logins, serve on http://127.0.0.1:8000
run: install
	$(BIN)/govlotse db upgrade
	$(BIN)/govlotse demo load
	$(BIN)/govlotse demo logins
	$(BIN)/govlotse serve

## make test: ruff, mypy and the whole pytest suite against SQLite and PostgreSQL
test: install-dev lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

## make lock: re-pin every dependency after changing pyproject.toml
lock: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(E2E)/node_modules

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

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Two commands work on a fresh machine: `make demo` and `make test`. Both create .venv and install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO_HOME ?= demo-data/home

.PHONY: install test check lint typecheck demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

check: lint typecheck test

demo: $(STAMP)
	NEXUS_HOME=$(DEMO_HOME) BIN=$(BIN) bash scripts/demo.sh

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/resolve.py
	$(BIN)/python bench/network.py
	$(BIN)/python bench/typologies.py
	$(BIN)/python bench/screening.py

clean:
	rm -rf $(VENV) demo-data .pytest_cache .mypy_cache .ruff_cache

# Two commands work on a fresh machine: `make demo` and `make test`. Both create .venv and install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO_HOME ?= demo-data/home
# Front-end packages come from the npm registry, pinned by package-lock.json; the files the web
# application serves are copied into the Python package (and committed, so `pip install .` has
# them); the browser tests inject axe-core from node_modules.
NODE_STAMP := node_modules/.package-lock.json
VENDOR := src/nexus/web/static/vendor

.PHONY: install assets test check lint typecheck demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: $(NODE_STAMP)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js

test: $(STAMP) $(NODE_STAMP)
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
	rm -rf $(VENV) demo-data .pytest_cache .mypy_cache .ruff_cache node_modules test-artefacts

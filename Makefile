# Two commands set up and run everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench reliability fixtures clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/wikibilan run --offline --cache cache/fixtures.sqlite --out outputs

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench fixtures
	$(BIN)/ruff format --check src tests bench fixtures
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# Faults, kills and hostile input, with figures: bench/results/reliability.md
reliability: $(STAMP)
	$(BIN)/python bench/reliability.py

fixtures: $(STAMP)
	$(BIN)/python fixtures/build_wiki.py

clean:
	rm -rf $(VENV) cache outputs

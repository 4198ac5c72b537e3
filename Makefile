# Two commands set up and run everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: run test test-latest lock lint bench reliability fixtures clean

# Installs exactly what requirements.lock pins (hashes checked), then the package itself.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh the lock from pyproject's ranges (pip-tools lives in its own venv).
lock:
	test -x .venv-tools/bin/pip-compile || \
		($(PYTHON) -m venv .venv-tools && .venv-tools/bin/python -m pip install --quiet pip-tools)
	.venv-tools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--all-build-deps --no-emit-index-url --no-emit-find-links --extra dev \
		--upgrade -o $(LOCK) pyproject.toml

# The suite against the newest versions pyproject's ranges allow (not in CI).
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade -e '.[dev]'
	.venv-latest/bin/python -m pytest -q -p no:cacheprovider

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
	rm -rf $(VENV) .venv-latest .venv-tools cache outputs

# The README's two commands: `make demo` runs the dashboard preset against the embedded stand-in,
# `make test` runs lint, types and the test suite. Both create or refresh .venv by themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean

$(STAMP): pyproject.toml
	@$(PY) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing Debian's python3-venv" >&2; \
	  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PY) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/dashtui presets/dashboard.toml $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check dashtui tests bench
	$(BIN)/ruff format --check dashtui tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -n auto -q $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

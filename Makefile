# Quick start: `make plan` (set up, write the C21/VCC-1 plan in every format into out/,
# print the Markdown plan), `make test` (set up, run the whole suite) and `make demo`
# (set up, a live meeting with simulated delegations, moderated from the console).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out

.PHONY: setup plan test bench bench-server soak demo clean

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

demo: $(STAMP)
	@$(BIN)/vccsched demo

bench: $(STAMP)
	$(BIN)/python benchmarks/planner.py
	$(BIN)/python benchmarks/replan.py
	$(BIN)/python benchmarks/console.py
	$(BIN)/python benchmarks/chain.py

# The floor server: 2,000 delegates over loopback against a bare websockets server (a few minutes).
bench-server: $(STAMP)
	$(BIN)/python benchmarks/server.py

# 100 rounds of SIGKILL under load and restart (CI runs 10); prints rounds, commands, losses, time.
soak: $(STAMP)
	SOAK_ROUNDS=$${SOAK_ROUNDS:-100} $(BIN)/python -m pytest tests/test_server_crash.py -q -s -p no:cacheprovider

clean:
	rm -rf $(OUT) $(VENV) .pytest_cache

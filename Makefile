# `make run` and `make test` are the only two commands a fresh machine needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check lint bench clean sandbox fuzz

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

check: lint test

bench: $(STAMP)
	$(PY) -m bench.ack_latency
	$(PY) -m bench.tracking_scale
	$(PY) -m bench.move_cost

# the model-based test's long search (MODEL_STEPS steps; its failure database in .hypothesis/)
MODEL_STEPS ?= 20000
fuzz: $(STAMP)
	MODEL_STEPS=$(MODEL_STEPS) $(PY) -m pytest tests/model -q -s -p no:logging

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

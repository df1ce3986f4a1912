# `make run` and `make test` are the only two commands a fresh machine needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check lint bench clean sandbox

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

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

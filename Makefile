# nianbao — run `make` to list the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
APT_STAMP := $(VENV)/.system-packages

.PHONY: help setup system report site test test-fast lint clean lab

help: ## List the targets
	@echo "nianbao — ledgers (台账) in, annual reports out"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	rm -f $(VENV)/.installed-* && touch $@

$(APT_STAMP):
	bash scripts/system-packages.sh
	@mkdir -p $(VENV) && touch $@

system: $(APT_STAMP) ## Install CJK fonts and PDF tools with apt-get when missing

setup: $(STAMP) $(APT_STAMP) ## Create .venv, install the package and the system packages

report: setup ## Build every sample report into output/, with output/index.html
	$(BIN)/nianbao build --unit all --year all
	$(BIN)/nianbao site

lab: setup ## Open JupyterLab at the project root (the notebook beside data/narrative/)
	@test -x $(BIN)/jupyter-lab || $(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks/annual_report.ipynb $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: setup ## Run the test suite
	$(BIN)/python -m pytest

test-fast: setup ## Run the tests that render nothing
	$(BIN)/python -m pytest -m "not render"

lint: setup ## Lint with ruff
	$(BIN)/ruff check src tests scripts bench

clean: ## Remove output/ (keeps its README) and caches
	find output -mindepth 1 -not -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache

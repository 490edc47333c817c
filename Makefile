# nianbao — run `make` to list the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
APT_STAMP := $(VENV)/.system-packages

.PHONY: help setup system report site test test-fast lint clean lab

help: ## 列出全部目标
	@echo "nianbao 年报：由台账生成年度工作报告"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@# the package's bytecode, written once: where PYTHONDONTWRITEBYTECODE is set, every process
	@# (the command, each worker, kernel and typst process) would compile it anew (about 0.15 s each)
	$(BIN)/python -m compileall -q src
	rm -f $(VENV)/.installed-* && touch $@

$(APT_STAMP): $(STAMP)
	bash scripts/system-packages.sh
	$(BIN)/nianbao doctor --install-font-aliases
	@mkdir -p $(VENV) && touch $@

system: $(APT_STAMP) ## 缺少时用 apt-get 安装中文字体和 PDF 工具

setup: $(STAMP) $(APT_STAMP) ## 创建 .venv，安装本软件及所需的系统软件包

report: setup ## 用示例台账生成各类别、各年度的报告及2024年上半年报告到 output/，并生成 output/index.html
	$(BIN)/nianbao build --unit all --year all --kind all --period year,2024-H1

lab: setup ## 在项目文件夹打开 JupyterLab（笔记本与 data/narrative/ 并列）
	@test -x $(BIN)/jupyter-lab || $(BIN)/python -m pip install --quiet -e '.[lab]'
	@mkdir -p $(VENV)/share/jupyter/lab/settings && cp scripts/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks/ideology.ipynb $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: setup ## 运行全部测试
	$(BIN)/python -m pytest

test-fast: setup ## 只运行不生成文档的测试（较快）
	$(BIN)/python -m pytest -m "not render"

lint: setup ## 用 ruff 检查代码
	$(BIN)/ruff check src tests scripts bench

clean: ## 删除 output/（保留其 README）和缓存
	find output -mindepth 1 -not -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache

# monitor-job: `make help` lists the targets. Logic lives in scripts/.
.DEFAULT_GOAL := help
PY := .venv/bin/python

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

setup: ## create .venv, install the package + test extras, fetch the Deequ jar (idempotent)
	@bash scripts/setup.sh

test: setup ## run the test suite
	@$(PY) -m pytest

check: setup ## ruff lint + format check, mypy --strict on monitor_job/
	@bash scripts/check.sh

demo: setup ## run the baseline job on bundled sample data with local defaults
	@bash scripts/demo.sh

bench: setup ## throughput vs a bare Spark scan, naive PySpark and pandas (docs/BENCHMARKS.md)
	@bash scripts/bench.sh

.PHONY: help setup test check demo bench

# OpenNDC — the README's two commands: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The main job on the built-in day (batch, then live on a SeedLink replay), then the analyst
# workspace and the FDSN services on http://127.0.0.1:8080 until Ctrl-C.
demo: $(STAMP)
	$(BIN)/openndc demo --out build/demo
	printf 'demo-analyst\n' > build/demo/analyst-password
	$(BIN)/openndc -q user add analyst --db sqlite:///build/demo/bulletin.db \
		--password-file build/demo/analyst-password --replace
	@echo "Analyst workspace and FDSN services: http://127.0.0.1:8080/  (user: analyst, password: demo-analyst; Ctrl-C stops)"
	$(BIN)/openndc serve --db sqlite:///build/demo/bulletin.db --archive build/demo/scenario/sds \
		--inventory build/demo/scenario/inventory.xml --host 127.0.0.1 --port 8080

lint: $(STAMP)
	$(BIN)/ruff check openndc tests benchmarks
	$(BIN)/ruff format --check openndc tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -q -n 2 --durations=15

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_detection.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

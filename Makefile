# The two commands: `make demo` (main job on the bundled data -> maps/) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint lab bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/landmap build

# ruff's lint rules and its formatter, checked (the settings are in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check landmap tests benchmarks scripts
	$(BIN)/ruff format --check landmap tests benchmarks scripts

# two workers on a 2-core machine (pytest-xdist); each test file stays on one worker
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

# lab-settings/: no news, no update check, no extension catalogue, nothing fetched (offline)
lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name landmap --display-name "landmap (Python)" >/dev/null
	JUPYTER_CONFIG_PATH="$(CURDIR)/lab-settings" $(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV)
	git clean -fdXq maps/   # generated outputs only; maps/README.md stays

# A newcomer needs two commands: `make demo` and `make test`. Both build .venv on first use from
# the hash-locked requirements.lock, with nothing but Python 3.11+ and make on the machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench fuzz lock clean reference-model

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cbccvc-gateway needs Python 3.11 or newer, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)  ## embedded PostgreSQL, synthetic data, GraphiQL on http://127.0.0.1:8000/graphql
	$(BIN)/cbccvc demo

test: $(STAMP)  ## the whole suite; TEST_DATABASE_URL=postgresql://... to use a server you run
	$(BIN)/python -m pytest

reference-model: $(STAMP)  ## the reference-model test at length: at least 100,000 cases
	REFERENCE_MODEL_EXAMPLES=5500 REFERENCE_MODEL_MIN_CASES=100000 \
		$(BIN)/python -m pytest -q -s tests/access/test_reference_model.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fuzz: $(STAMP)  ## the fuzz suites at length: 20,000 schemathesis operations (CBCCVC_FUZZ_EXAMPLES), new seed each run unless CBCCVC_FUZZ_SEED
	CBCCVC_FUZZ_EXAMPLES=$${CBCCVC_FUZZ_EXAMPLES:-20000} CBCCVC_FUZZ_SEED=$${CBCCVC_FUZZ_SEED:-$$(date +%s)} \
		$(BIN)/python -m pytest tests/fuzz tests/gateway/test_hostile_inputs.py

bench: $(STAMP)
	$(BIN)/python -m bench.query_vs_raw

lock: $(STAMP)  ## re-pin requirements.lock after changing pyproject.toml's dependencies
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--extra dev --strip-extras -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

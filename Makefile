# Every target creates/updates .venv as needed (idempotent: re-installs only when
# pyproject.toml changes). Quick start: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stamp-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SQUAD  ?= ../shared/data/squad_it_dev.json
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1

.PHONY: venv index run serve test test-fast lint bench eval browser postgres clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.stamp-*; touch $@

index: venv  ## build or incrementally update the index of corpus/
	$(BIN)/assistant ingest || [ $$? -eq 6 ]  # 6: some files skipped, listed above

run: index  ## ingest what changed, then serve API + UI on http://127.0.0.1:8000
	$(BIN)/assistant serve

browser:  ## Debian chromium for the UI tests (installed when missing and we may)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
	  || echo "chromium not installed: browser tests will be skipped"; }

postgres:  ## Debian PostgreSQL for the database tests (installed when missing and we may)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get install -y -q postgresql >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1)) \
	  || echo "postgresql not installed: PostgreSQL tests will be skipped"; }

test: venv browser postgres  ## the whole suite, offline
	$(BIN)/python -m pytest -q

test-fast: venv  ## unit tests without the real model, servers or browser (under a minute)
	$(BIN)/python -m pytest -q -m "not slow and not browser and not fault and not model"

lint: venv  ## ruff, mypy, and the layer contract of docs/architecture.md (import-linter)
	$(BIN)/ruff check assistant evals tests
	$(BIN)/mypy assistant evals
	$(BIN)/lint-imports

bench: venv  ## speed and memory figures, one table
	$(BIN)/python -m evals.bench

eval: export PYTHONPATH := $(CURDIR)
eval: venv  ## answer quality on evals/questions.jsonl, retrieval on SQuAD-it when present
	$(BIN)/assistant eval answers
	@if [ -f $(SQUAD) ]; then $(BIN)/assistant eval retrieval $(SQUAD) && \
	 $(BIN)/assistant eval squad $(SQUAD) --articles 0:12 --n 400 --negatives 12:24; \
	 else echo "$(SQUAD) not found: retrieval eval skipped"; fi

clean:
	rm -rf index .pytest_cache .mypy_cache .ruff_cache

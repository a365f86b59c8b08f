# Every target installs what it needs: a fresh clone runs `make finetune` or `make test` with nothing done by hand.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# What `make finetune` / `make pretrain` run; override on the command line, e.g.
#   make finetune CONFIG=configs/finetune/chebi20.yaml ARGS="--max_steps 100"
CONFIG ?= configs/finetune/demo.yaml
PRETRAIN_CONFIG ?= configs/pretrain/demo.yaml
ARGS   ?=
TESTS  ?= tests

.PHONY: install finetune pretrain test lint bench clean help

help:
	@echo "make finetune   fine-tune on the embedded default (or CONFIG=...), set-up included"
	@echo "make test       lint, then run the test suite, set-up included"
	@echo "make lint       ruff (pyproject.toml [tool.ruff]) and vulture (dead code; vulture_whitelist.py)"
	@echo "make pretrain   domain-adaptation pre-training (embedded default or PRETRAIN_CONFIG=...)"
	@echo "make bench      speed benchmarks (bench/)"
	@echo "make install    create $(VENV) and install the pinned requirements (idempotent)"

# The stamp makes `make install` idempotent: it reinstalls only when the requirements change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)

finetune: install
	$(PY) scripts/finetune.py $(CONFIG) $(ARGS)

pretrain: install
	$(PY) scripts/pretrain.py $(PRETRAIN_CONFIG) $(ARGS)

test: install lint
	$(PY) -m pytest -q $(TESTS)

# A second or two: ruff's rules are in pyproject.toml; vulture reports code nothing uses (its false positives,
# names used by libraries or by name, are listed in vulture_whitelist.py).
lint: install
	$(PY) -m ruff check .
	$(PY) -m vulture ada_t5 tests scripts bench app.py vulture_whitelist.py --min-confidence 60

bench: install
	$(PY) bench/metrics_speed.py
	$(PY) bench/finetune_throughput.py
	$(PY) bench/collator_speed.py
	$(PY) bench/retrieval_speed.py
	$(PY) bench/report_scale.py

clean:
	rm -rf runs outputs .pytest_cache

# Two commands for a newcomer: `make run` and `make test`. Both set up
# whatever is missing first; every step below is skipped when up to date.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ENV := source scripts/env.sh &&

RASA_VENV := .venvs/rasa/.installed
API_VENV := .venvs/api/.installed
# Tools with pins of their own, each in its own small venv: checkov checks
# deploy/, locust is the load of `make scale` (bench/scale.py).
CHECKOV_VENV := .venvs/checkov/.installed
LOAD_VENV := .venvs/load/.installed
SPACY := build/spacy/familyhub_en/meta.json

.PHONY: run test bench scale setup model database browser tools clean

run: setup
	@$(ENV) scripts/run.sh

test: setup browser tools
	@$(ENV) scripts/test.sh

bench: setup
	@$(ENV) scripts/bench.sh

# Several replicas of every service on loopback behind HAProxy, with kills
# in the middle of the load (bench/scale.py; SCALE_ARGS=--short for CI's size).
scale: setup tools
	@$(ENV) .venvs/api/bin/python -m bench.scale $(SCALE_ARGS)

setup: $(RASA_VENV) $(API_VENV) $(CHECKOV_VENV) $(LOAD_VENV) $(SPACY) model database

$(RASA_VENV): requirements/rasa.lock
	scripts/make_venv.sh .venvs/rasa 3.10 $<

$(API_VENV): requirements/api.lock
	scripts/make_venv.sh .venvs/api 3.11+ $<

$(CHECKOV_VENV): requirements/checkov.lock
	scripts/make_venv.sh .venvs/checkov 3.11+ $<

$(LOAD_VENV): requirements/load.lock
	scripts/make_venv.sh .venvs/load 3.11+ $<

# The project's own spaCy pipeline, built from the hub directory.
$(SPACY): $(RASA_VENV) bot/build_spacy.py data/demo/borough.yml
	TF_CPP_MIN_LOG_LEVEL=3 .venvs/rasa/bin/python -m bot.build_spacy build/spacy/familyhub_en

model: $(RASA_VENV) $(SPACY)
	@$(ENV) scripts/train_if_changed.sh

database: $(API_VENV)
	@$(ENV) .venvs/api/bin/alembic upgrade head >/dev/null && .venvs/api/bin/python -m api.seed

browser:
	@scripts/ensure_chromium.sh

# kubectl (to render deploy/) and HAProxy (the load balancer of `make scale`)
# from Debian's packages, installed when missing.
tools:
	@scripts/ensure_tools.sh

clean:
	rm -rf build models var .venvs

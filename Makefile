# BPJS Ketenagakerjaan FAQ assistant for Kalimantan Barat.
# Every target installs and trains what it needs first: on a fresh clone `make shell` talks to the
# bot and `make test` runs every test.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/bpjstk-kalbar.tar.gz
PYTHON_VERSION := $(shell cat .python-version)
# pyenv's Python 3.10 where there is one, else python3.10 on the PATH
PYTHON := $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python) \
                      $(shell command -v python3.10 2>/dev/null) python3.10)

export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export TF_CPP_MIN_LOG_LEVEL := 2

TRAINING_DATA := config.yml domain.yml $(wildcard data/nlu/*.yml data/rules/*.yml data/stories/*.yml)

.PHONY: help install system-packages train actions serve shell test validate test-stories lookup

help:
	@echo "make shell    talk to the bot in the terminal (installs and trains first)"
	@echo "make test     run every test (installs and trains first)"
	@echo "make install  create .venv with the pinned packages"
	@echo "make train    train the model if the training data changed"
	@echo "make actions  run the action server on 127.0.0.1:5055"
	@echo "make serve    run the action server and Rasa (REST and socket.io) on 127.0.0.1:5005"
	@echo "make lookup   regenerate the place lookup table from the gazetteer"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "pip==23.3.2"
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	touch $@

system-packages:
	.ci/system-packages

train: $(MODEL)

$(MODEL): $(VENV)/.installed $(TRAINING_DATA)
	$(RASA) train --fixed-model-name bpjstk-kalbar --out models
	touch $@

lookup: $(VENV)/.installed
	$(PY) scripts/generate_place_lookup.py

actions: $(VENV)/.installed
	SANIC_HOST=127.0.0.1 $(RASA) run actions --actions actions --port 5055

serve: $(MODEL)
	scripts/with_action_server.sh $(RASA) run --model $(MODEL) -i 127.0.0.1 --port 5005 \
		--credentials credentials.yml --endpoints endpoints.yml --cors "http://127.0.0.1:8080"

shell: $(MODEL)
	scripts/with_action_server.sh $(RASA) shell --model $(MODEL) --endpoints endpoints.yml

validate: $(VENV)/.installed
	$(PY) scripts/generate_place_lookup.py --check
	$(RASA) data validate --fail-on-warnings

test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out results/core

test: system-packages $(MODEL) validate $(TEST_PREREQUISITES)
	$(VENV)/bin/pytest -q tests
	$(MAKE) --no-print-directory test-stories

# Targets of the channels, evaluation and production tooling, one file each.
include $(wildcard mk/*.mk)

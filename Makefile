# BPJS Ketenagakerjaan FAQ assistant for Kalimantan Barat.
# Every target installs and trains what it needs first: on a fresh clone `make shell` talks to the
# bot and `make test` runs every test.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# the servers' rasa: without the libraries' deprecation warnings (scripts/run_rasa.py)
RUN_RASA := $(PY) scripts/run_rasa.py
MODEL := models/bpjstk-kalbar.tar.gz
PYTHON_VERSION := $(shell cat .python-version)
# pyenv's Python 3.10 where there is one, else python3.10 on the PATH
PYTHON := $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python) \
                      $(shell command -v python3.10 2>/dev/null) python3.10)

export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore::DeprecationWarning

TRAINING_DATA := config.yml domain.yml $(wildcard data/nlu/*.yml data/rules/*.yml data/stories/*.yml)

.PHONY: help install system-packages train actions serve shell test validate test-stories lookup \
	serve-check-ports actions-check-ports web-check-ports telegram-check-ports whatsapp-check-ports

help:
	@echo "make shell    talk to the bot in the terminal (installs and trains first)"
	@echo "make test     run every test (installs and trains first)"
	@echo "make install  create .venv with the pinned packages"
	@echo "make system-packages  the Debian packages the tests need (curl, chromium, postgresql, redis-server; sudo when not root)"
	@echo "make validate rasa data validate and the place lookup table check"
	@echo "make test-stories  the dialogue tests (tests/test_stories.yml)"
	@echo "make train    train the model if the training data changed"
	@echo "make actions  run the action server on 127.0.0.1:5055 (ACTIONS_PORT)"
	@echo "make serve    run the action server and Rasa (REST and socket.io) on 127.0.0.1:5005 (RASA_PORT)"
	@echo "make lookup   regenerate the place lookup table from the gazetteer"
	@echo "make web      the web chat page on http://127.0.0.1:8080/ (docs/web.md)"
	@echo "make telegram the Telegram bot's webhook server (docs/telegram.md)"
	@echo "make whatsapp the WhatsApp bot's webhook server (docs/whatsapp.md)"
	@echo "make evaluate NLU figures on the holdout and 5-fold cross-validation (docs/nlu.md)"
	@echo "make bench    latency and throughput against a plain rasa init bot (docs/performance.md)"
	@echo "make bench-places  how fast a place name is resolved"
	@echo "make import-plkk FILE=list.csv     load the PLKK facility list into the facts file (COVERS='Kab. X' for part of Kalbar, UPDATE_COUNTS=1, SOURCE=, AS_OF=)"
	@echo "make import-offices FILE=list.csv  load office addresses, phones and hours into the facts file"
	@echo "make bench-plkk    how fast the nearest PLKK are found among 1,000"
	@echo "make purge DAYS=N  delete conversations older than N days (docs/production.md)"
	@echo "make report [SINCE=YYYY-MM-DD] [UNTIL=YYYY-MM-DD]  what users asked: results/report.html"
	@echo "make report-bench  the report on 100,000 synthetic messages, timed"
	@echo "Ports: RASA_PORT, ACTIONS_PORT, WEB_PORT, TELEGRAM_PORT, WHATSAPP_PORT, WHATSAPP_ACTIONS_PORT; a taken port stops the target at once"
	@echo "Language of make report: LANG=en for English (Indonesian by default)"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "pip==23.3.2"
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	touch $@

system-packages:
	.ci/system-packages

train: $(MODEL)

# Retrained when the training data changes (not when a package is added: order-only prerequisite).
$(MODEL): $(TRAINING_DATA) | $(VENV)/.installed
	$(RASA) train --fixed-model-name bpjstk-kalbar --out models
	touch $@

lookup: $(VENV)/.installed
	$(PY) scripts/generate_place_lookup.py

# The servers' ports. Every target that starts Rasa gives it endpoints.yml (the project's tracker
# and lock stores) with only the action server's port changed (scripts/with_action_server.sh).
RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055

# A server target first checks its ports (scripts/ports.py), before anything is installed, trained
# or started: a port in use stops it within a second, with one line that names the port and, when
# this bot holds it, where that one runs. PORTS_<target> lists a target's ports.
PORTS_actions = ACTIONS_PORT=$(ACTIONS_PORT)
PORTS_serve = RASA_PORT=$(RASA_PORT) ACTIONS_PORT=$(ACTIONS_PORT)
serve-check-ports actions-check-ports web-check-ports telegram-check-ports whatsapp-check-ports:
	@$(PYTHON) scripts/ports.py check $(PORTS_$(@:-check-ports=))

actions: actions-check-ports $(VENV)/.installed
	SANIC_HOST=127.0.0.1 $(RUN_RASA) run actions --actions actions --port $(ACTIONS_PORT)

# `make serve` listens on loopback unless told otherwise (make serve HOST=0.0.0.0). Rasa's HTTP API
# (--enable-api) is on only with a token: RASA_API_TOKEN=... make serve. See docs/security.md.
HOST ?= 127.0.0.1
RASA_API_TOKEN ?=
ENABLE_API ?=
export RASA_API_TOKEN
# Refused before anything is installed, trained or started.
ifeq ($(ENABLE_API)$(RASA_API_TOKEN)$(filter serve,$(MAKECMDGOALS)),1serve)
$(error ENABLE_API=1 needs a token: set RASA_API_TOKEN (see docs/security.md))
endif

serve: serve-check-ports $(MODEL)
	ACTIONS_PORT=$(ACTIONS_PORT) scripts/with_action_server.sh \
		$(RUN_RASA) run --model $(MODEL) -i $(HOST) --port $(RASA_PORT) \
		--credentials credentials.yml --cors "http://127.0.0.1:8080" \
		$(if $(RASA_API_TOKEN),--enable-api --auth-token "$$RASA_API_TOKEN")

# Our own terminal chat (scripts/shell.py): buttons as numbered lines, typed text sent as typed,
# library output in var/shell.log; Ctrl-D or Ctrl-C leaves and stops the action server. Its action
# server takes the first free port from ACTIONS_PORT up, so it runs beside `make serve` or another
# `make shell`.
shell: $(MODEL)
	@port=$$($(PY) scripts/ports.py free $(ACTIONS_PORT)) && ACTIONS_PORT=$$port \
		scripts/with_action_server.sh $(PY) scripts/shell.py --model $(MODEL)

validate: $(VENV)/.installed
	$(PY) scripts/generate_place_lookup.py --check
	$(RASA) data validate --fail-on-warnings

test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out results/core

test: system-packages $(MODEL) validate
	$(VENV)/bin/pytest -q tests
	$(MAKE) --no-print-directory test-stories

# Targets of the channels, evaluation and production tooling, one file each.
include $(wildcard mk/*.mk)

# Telegram (channels/telegram.py, docs/telegram.md): `make telegram` runs the action server and Rasa
# for a reverse proxy that forwards https://YOUR.DOMAIN/webhooks/telegram/webhook to
# $(TELEGRAM_HOST):$(TELEGRAM_PORT); `make telegram-webhook` tells Telegram that URL, once.
TELEGRAM_HOST ?= 127.0.0.1
TELEGRAM_PORT ?= 5005

.PHONY: telegram telegram-webhook telegram-check-env

telegram-check-env:
	@test -n "$$TELEGRAM_TOKEN" || { echo "Set TELEGRAM_TOKEN (the bot's token from BotFather)." >&2; exit 1; }
	@test -n "$$TELEGRAM_SECRET_TOKEN" || { echo "Set TELEGRAM_SECRET_TOKEN (1-256 of A-Z a-z 0-9 _ -)." >&2; exit 1; }

PORTS_telegram = TELEGRAM_PORT=$(TELEGRAM_PORT) ACTIONS_PORT=$(ACTIONS_PORT)

telegram: telegram-check-env telegram-check-ports $(MODEL)
	ACTIONS_PORT=$(ACTIONS_PORT) scripts/with_action_server.sh $(RUN_RASA) run --model $(MODEL) \
		-i $(TELEGRAM_HOST) --port $(TELEGRAM_PORT) --credentials credentials.yml

telegram-webhook: telegram-check-env $(VENV)/.installed
	$(PY) scripts/telegram_set_webhook.py $(TELEGRAM_WEBHOOK_ARGS)

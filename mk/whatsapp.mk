# WhatsApp (channels/whatsapp.py, docs/whatsapp.md): `make whatsapp` runs the action server and Rasa
# for a reverse proxy that forwards https://YOUR.DOMAIN/webhooks/whatsapp/webhook to
# $(WHATSAPP_HOST):$(WHATSAPP_PORT). It refuses to start unless the four variables below are set
# (a value of spaces only counts as unset: the channel would strip it and refuse every webhook).
WHATSAPP_HOST ?= 127.0.0.1
WHATSAPP_PORT ?= 5005
WHATSAPP_ACTIONS_PORT ?= $(or $(ACTIONS_PORT),5055)
PORTS_whatsapp = WHATSAPP_PORT=$(WHATSAPP_PORT) WHATSAPP_ACTIONS_PORT=$(WHATSAPP_ACTIONS_PORT)

.PHONY: whatsapp whatsapp-check-env

whatsapp-check-env:
	@missing=0; \
	test -n "$${WHATSAPP_ACCESS_TOKEN// /}" || { echo "Set WHATSAPP_ACCESS_TOKEN (the access token of the app's system user)." >&2; missing=1; }; \
	test -n "$${WHATSAPP_APP_SECRET// /}" || { echo "Set WHATSAPP_APP_SECRET (App settings > Basic > App secret)." >&2; missing=1; }; \
	test -n "$${WHATSAPP_VERIFY_TOKEN// /}" || { echo "Set WHATSAPP_VERIFY_TOKEN (any secret string, also given to Meta with the webhook URL)." >&2; missing=1; }; \
	test -n "$${WHATSAPP_PHONE_NUMBER_ID// /}" || { echo "Set WHATSAPP_PHONE_NUMBER_ID (WhatsApp > API Setup > Phone number ID)." >&2; missing=1; }; \
	if [ $$missing = 1 ]; then echo "make whatsapp did not start: see docs/whatsapp.md." >&2; exit 1; fi

# scripts/with_action_server.sh gives Rasa endpoints.yml with the action server's port (the stores
# stay as endpoints.yml says)
whatsapp: whatsapp-check-env whatsapp-check-ports $(MODEL)
	ACTIONS_PORT=$(WHATSAPP_ACTIONS_PORT) scripts/with_action_server.sh $(RUN_RASA) run \
		--model $(MODEL) -i $(WHATSAPP_HOST) --port $(WHATSAPP_PORT) --credentials credentials.yml

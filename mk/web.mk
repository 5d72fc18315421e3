# Web chat: web/index.html with the rasa-webchat widget (pinned in web/package-lock.json), talking
# to Rasa over socket.io (channels/socketio.py). `make web` runs it on 127.0.0.1; see docs/web.md.
WEB_PORT ?= 8080
PORTS_web = WEB_PORT=$(WEB_PORT) RASA_PORT=$(RASA_PORT) ACTIONS_PORT=$(ACTIONS_PORT)

.PHONY: web web-install

web-install: web/node_modules/.installed

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

web: web-check-ports $(MODEL) web-install
	WEB_PORT=$(WEB_PORT) RASA_PORT=$(RASA_PORT) ACTIONS_PORT=$(ACTIONS_PORT) MODEL=$(MODEL) \
		scripts/web.sh

# `make install` and `make test` install the widget too.
install: web-install
test: web-install

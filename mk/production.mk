# Production (docs/production.md): `make purge DAYS=N` deletes the conversations whose last message
# is older than N days from the tracker store Rasa uses (SQLite var/tracker.db, or PostgreSQL with
# the TRACKER_DB_* variables). PURGE_ARGS=--dry-run only counts them.
PURGE_ARGS ?=

.PHONY: purge purge-check-days

purge-check-days:
	@test -n "$(DAYS)" || { echo "Set DAYS: make purge DAYS=N deletes conversations whose last message is older than N days." >&2; exit 2; }

purge: purge-check-days $(VENV)/.installed
	$(PY) scripts/purge.py --days $(DAYS) $(PURGE_ARGS)

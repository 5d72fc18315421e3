# What users asked (scripts/report.py, README "Looking at what users asked"): `make report` reads the
# tracker store Rasa uses (SQLite var/tracker.db, or PostgreSQL with the TRACKER_DB_* variables) and
# writes results/report.html, results/report.md and results/nlu_candidates.yml; SINCE= and UNTIL=
# (YYYY-MM-DD, WIB, both included) limit the period; the report is in Indonesian, in English with
# LANG=en (only "id" or "en" count: a locale such as en_US.UTF-8 does not). `make report-bench`
# writes BENCH_MESSAGES synthetic messages (scripts/generate_conversations.py) into a store of its
# own, var/report-bench.db, and prints how long the report on them takes (results/report-bench/).
SINCE ?=
UNTIL ?=
BENCH_MESSAGES ?= 100000
REPORT_BENCH_DB := var/report-bench.db
REPORT_ARGS = $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL)) \
	$(if $(filter id en,$(LANG)),--lang $(LANG))

.PHONY: report report-bench

report: $(VENV)/.installed
	$(PY) scripts/report.py $(strip $(REPORT_ARGS))

report-bench: $(VENV)/.installed
	rm -f $(REPORT_BENCH_DB) $(REPORT_BENCH_DB)-wal $(REPORT_BENCH_DB)-shm
	TRACKER_DB_DIALECT=sqlite TRACKER_DB=$(REPORT_BENCH_DB) $(PY) scripts/generate_conversations.py \
		--messages $(BENCH_MESSAGES) --days 90
	TRACKER_DB_DIALECT=sqlite TRACKER_DB=$(REPORT_BENCH_DB) $(PY) scripts/report.py \
		--out results/report-bench

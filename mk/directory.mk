# The PLKK facility list and the office details (issue 12, README "Updating the facts"):
# `make import-plkk FILE=list.csv` and `make import-offices FILE=offices.csv` write them into the
# facts file ($FACTS_FILE, else data/facts.yml) when every row is good. UPDATE_COUNTS=1 lets the
# list's counts per type replace plkk.by_type's; COVERS="Kab. X, Kota Y" loads a list of part of
# Kalbar (the official counts stay; docs/directory.md); SOURCE=<id in sources> and AS_OF=YYYY-MM-DD
# name where the list comes from and its date (default: the source already named, and today).
# `make bench-plkk` times the nearest three among 1,000 facilities.
UPDATE_COUNTS ?=
COVERS ?=
SOURCE ?=
AS_OF ?=
IMPORT_ARGS = $(if $(filter 1,$(UPDATE_COUNTS)),--update-counts) $(if $(SOURCE),--source "$(SOURCE)") \
	$(if $(AS_OF),--as-of "$(AS_OF)")
PLKK_ARGS = $(IMPORT_ARGS) $(if $(COVERS),--covers "$(COVERS)")

.PHONY: import-plkk import-offices import-check-file bench-plkk

import-check-file:
	@test -n "$(FILE)" || { echo "Set FILE: make $(firstword $(MAKECMDGOALS)) FILE=list.csv" >&2; exit 2; }

import-plkk: import-check-file $(VENV)/.installed
	$(PY) scripts/import_directory.py plkk "$(FILE)" $(PLKK_ARGS)

import-offices: import-check-file $(VENV)/.installed
	$(PY) scripts/import_directory.py offices "$(FILE)" $(IMPORT_ARGS)

bench-plkk: $(VENV)/.installed
	$(PY) scripts/bench_plkk.py

# Latency/throughput benchmark against a plain `rasa init` bot (issue: speed, measured).
.PHONY: bench
bench: $(MODEL)
	$(PY) scripts/bench.py $(BENCH_ARGS)

# The place finder measured (issue 10): false-place rate on the place-free corpus
# (tests/place_corpus.py), recall on the place tests' cases, median resolve time.
.PHONY: bench-places
bench-places: $(VENV)/.installed
	$(PY) scripts/bench_places.py

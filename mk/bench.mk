# Latency/throughput benchmark against a plain `rasa init` bot (issue: speed, measured).
.PHONY: bench
bench: $(MODEL)
	$(PY) scripts/bench.py $(BENCH_ARGS)

# Speed of the place finder (median time to resolve a message naming a place).
.PHONY: bench-places
bench-places: $(VENV)/.installed
	$(PY) scripts/bench_places.py

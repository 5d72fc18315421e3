# Latency/throughput benchmark against a plain `rasa init` bot (issue: speed, measured).
.PHONY: bench
bench: $(MODEL)
	$(PY) scripts/bench.py $(BENCH_ARGS)

# NLU evaluation (docs/nlu.md): holdout figures, 5-fold cross-validation, confusion matrix, worst
# errors and results/nlu_summary.md. `make evaluate EVALUATE_FLAGS=--no-cv` skips the
# cross-validation; EVALUATE_FLAGS=--check-targets fails when a holdout target is missed.
EVALUATE_FLAGS ?=

.PHONY: evaluate

evaluate: $(MODEL)
	$(PY) scripts/evaluate.py $(EVALUATE_FLAGS)

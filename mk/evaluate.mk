# NLU evaluation (docs/nlu.md): holdout figures, 5-fold cross-validation, confusion matrix, worst
# errors and results/nlu_summary.md. `make evaluate EVALUATE_FLAGS=--no-cv` skips the
# cross-validation; EVALUATE_FLAGS=--check-targets fails when a holdout target is missed.
# Then the knowledge base (docs/knowledge.md): its figures on every held-out set and 5-fold
# cross-validation over the entries' examples, into results/knowledge/.
EVALUATE_FLAGS ?=

.PHONY: evaluate evaluate-knowledge

evaluate: $(MODEL) evaluate-knowledge
	$(PY) scripts/evaluate.py $(EVALUATE_FLAGS)

evaluate-knowledge: $(VENV)/.installed
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh14.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh13.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh12.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh11.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh10.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh9.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh8.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh7.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh6.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh5.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh4.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh3.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh2.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout_fresh.yml --no-cv
	$(PY) scripts/evaluate_knowledge.py --holdout tests/knowledge_holdout.yml
	$(PY) scripts/evaluate_knowledge.py --fit-gate

"""The NLU holdout set tests/nlu_holdout.yml: its size and spread, that it is fresh (no holdout
text in data/, no near-copies of training examples), and that the trained model reaches the
targets on it. The last part loads models/bpjstk-kalbar.tar.gz in-process (`make train` first).

The scoring functions are those of scripts/evaluate.py (`make evaluate`), so both report the
same figures; docs/nlu.md defines them.
"""

import asyncio
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from actions.language import detect_language

PROJECT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("evaluate", PROJECT / "scripts" / "evaluate.py")
evaluate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(evaluate)

DOMAIN_INTENTS = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))["intents"]
ARTICLE_FIGURES = [r"31[,.]98", r"\b79\b", r"\b54\b", r"218[.,]?132", r"\b131\b"]


@pytest.fixture(scope="module")
def holdout():
    """The holdout examples."""
    return evaluate.load_holdout()


def test_holdout_has_enough_indonesian_and_english_messages(holdout):
    languages = Counter(e.lang for e in holdout)
    assert languages["id"] >= 150, languages
    assert languages["en"] >= 30, languages
    assert set(languages) <= {"id", "en", None}
    # the counts hold with the bot's own language detection too (it misreads a few short,
    # mixed messages such as "whats bsu")
    confirmed = Counter(e.lang for e in holdout if e.lang and detect_language(e.text) == e.lang)
    assert confirmed["id"] >= 150 and confirmed["en"] >= 30, confirmed


def test_every_domain_intent_is_in_the_holdout(holdout):
    counts = Counter(e.intent for e in holdout)
    assert set(counts) == set(DOMAIN_INTENTS)
    assert all(n >= 5 for n in counts.values()), counts
    assert counts["out_of_scope"] >= 30


def test_holdout_has_place_entities_and_no_repeats(holdout):
    assert sum(len(e.places) for e in holdout) >= 40
    texts = Counter(evaluate.normalise(e.text) for e in holdout)
    assert not [t for t, n in texts.items() if n > 1]


def test_holdout_has_no_article_figures(holdout):
    for example in holdout:
        for pattern in ARTICLE_FIGURES:
            assert not re.search(pattern, example.text), example.text


def test_no_holdout_text_is_in_the_training_data(holdout):
    examples, entries = evaluate.training_texts()
    copies = evaluate.exact_copies([e.text for e in holdout], examples, entries)
    assert not copies, copies


def test_no_holdout_text_is_a_near_copy_of_a_training_example(holdout):
    examples, _ = evaluate.training_texts()
    copies = evaluate.near_copies([e.text for e in holdout], examples)
    assert not copies, copies


@pytest.fixture(scope="module")
def measured(holdout):
    """The holdout figures of the trained model, parsed in-process as the bot does."""
    assert evaluate.MODEL.exists(), f"no trained model at {evaluate.MODEL}: run `make train`"
    predictions = asyncio.run(evaluate.predict(evaluate.MODEL, [e.text for e in holdout]))
    metrics = evaluate.score(holdout, predictions)
    return metrics, evaluate.target_results(metrics), evaluate.worst_errors(holdout, predictions)


# What `make test` holds the model to. The targets (evaluate.TARGETS) are reported with
# PASS/FAIL by `make evaluate`; two of them are not reached yet (see docs/nlu.md), so the test
# guards against regressions a little below the figures measured on 2026-11-24 (accuracy 0.964,
# macro-F1 0.967, place F1 0.949, out of scope answered 0.027), leaving room for the small
# differences between trainings.
REGRESSION_FLOORS = {
    "intent_accuracy": (0.94, "min"),
    "intent_macro_f1": (0.93, "min"),
    "place_f1": (0.93, "min"),
    "oos_answered_rate": (0.06, "max"),
}


@pytest.mark.parametrize("metric", list(REGRESSION_FLOORS))
def test_the_model_stays_above_its_regression_floor(measured, metric):
    metrics, _, worst = measured
    floor, kind = REGRESSION_FLOORS[metric]
    value = metrics[metric]
    errors = "\n".join(f"  {w['text']!r}: expected {w['expected']}, got {w['predicted']} "
                       f"({w['top_intent']} {w['confidence']:.2f})" for w in worst)
    passed = value >= floor if kind == "min" else value <= floor
    assert passed, f"{metric} = {value:.3f}, floor {'>=' if kind == 'min' else '<='} {floor}; " \
                   f"worst errors:\n{errors}"

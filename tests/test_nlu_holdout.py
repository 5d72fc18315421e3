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


@pytest.fixture(scope="module")
def holdout_near():
    """The second holdout: questions next to the four topics."""
    return evaluate.load_holdout(evaluate.HOLDOUT_NEAR)


@pytest.fixture(scope="module")
def holdout_fresh():
    """The third holdout: every topic, written fresh by someone who never saw data/."""
    return evaluate.load_holdout(evaluate.HOLDOUT_FRESH)


@pytest.fixture(scope="module")
def holdout_en():
    """The English holdout: every intent, written fresh by someone who never saw data/."""
    return evaluate.load_holdout(evaluate.HOLDOUT_EN)


@pytest.fixture(scope="module")
def holdout_en_fresh():
    """The fresh English holdout: written by a helper who never saw data/ or the other holdouts,
    after the fourth holdout's errors were read; only its figures are read."""
    return evaluate.load_holdout(evaluate.HOLDOUT_EN_FRESH)


@pytest.fixture(scope="module")
def holdout_en_fresh2():
    """The second fresh English holdout: written like the fifth, by another helper, before the
    model trained with that day's second round of English examples was measured on it (that round
    was not kept, docs/nlu.md); only its figures are read."""
    return evaluate.load_holdout(evaluate.HOLDOUT_EN_FRESH2)


def test_every_domain_intent_is_in_a_holdout(holdout, holdout_near, holdout_fresh):
    counts = Counter(e.intent for e in holdout + holdout_near + holdout_fresh)
    assert set(counts) == set(DOMAIN_INTENTS)
    assert all(n >= 4 for n in counts.values()), counts
    assert counts["out_of_scope"] >= 30


def test_second_holdout_is_large_fresh_and_covers_every_new_question(holdout, holdout_near):
    assert len(holdout_near) >= 150
    old = {e.intent for e in holdout}
    counts = Counter(e.intent for e in holdout_near if e.intent not in old)
    assert all(n >= 7 for n in counts.values()), counts
    examples, entries = evaluate.training_texts()
    texts = [e.text for e in holdout_near]
    assert not evaluate.exact_copies(texts, examples, entries)
    assert not evaluate.near_copies(texts, examples)
    both = Counter(evaluate.normalise(e.text) for e in holdout + holdout_near)
    assert not [t for t, n in both.items() if n > 1]


def test_third_holdout_is_fresh_and_covers_every_intent(holdout, holdout_near, holdout_fresh):
    assert len(holdout_fresh) >= 140
    assert {e.intent for e in holdout_fresh} <= set(DOMAIN_INTENTS)
    assert len({e.intent for e in holdout_fresh}) >= 35
    examples, entries = evaluate.training_texts()
    texts = [e.text for e in holdout_fresh]
    assert not evaluate.exact_copies(texts, examples, entries)
    assert not evaluate.near_copies(texts, examples)
    every = Counter(evaluate.normalise(e.text) for e in holdout + holdout_near + holdout_fresh)
    assert not [t for t, n in every.items() if n > 1]


def assert_fresh_english(new, earlier, min_messages: int, min_intents: int) -> None:
    """An English holdout `new`: at least `min_messages` English messages over at least
    `min_intents` of the domain's intents, none equal or close to a training example, none
    repeated within it or in the `earlier` holdouts."""
    assert len(new) >= min_messages
    assert {e.intent for e in new} <= set(DOMAIN_INTENTS)
    assert len({e.intent for e in new}) >= min_intents
    assert all(e.lang == "en" for e in new)
    examples, entries = evaluate.training_texts()
    texts = [e.text for e in new]
    assert not evaluate.exact_copies(texts, examples, entries)
    assert not evaluate.near_copies(texts, examples)
    every = Counter(evaluate.normalise(e.text) for e in earlier + new)
    assert not [t for t, n in every.items() if n > 1]


def test_english_holdout_is_large_fresh_english_and_covers_every_intent(
        holdout, holdout_near, holdout_fresh, holdout_en):
    assert_fresh_english(holdout_en, holdout + holdout_near + holdout_fresh, 150,
                         len(DOMAIN_INTENTS))


def test_fresh_english_holdout_is_large_fresh_english_and_broad(
        holdout, holdout_near, holdout_fresh, holdout_en, holdout_en_fresh):
    assert_fresh_english(holdout_en_fresh, holdout + holdout_near + holdout_fresh + holdout_en,
                         200, 45)


def test_second_fresh_english_holdout_is_large_fresh_english_and_covers_every_intent(
        holdout, holdout_near, holdout_fresh, holdout_en, holdout_en_fresh, holdout_en_fresh2):
    assert_fresh_english(holdout_en_fresh2, holdout + holdout_near + holdout_fresh + holdout_en
                         + holdout_en_fresh, 200, len(DOMAIN_INTENTS))


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


# What `make test` holds the model to: regression floors a little below the figures measured on
# 2026-11-30 with 47 intents and the final pipeline (first holdout: accuracy 0.988, macro-F1 0.991,
# place F1 0.981, out of scope answered 0.000; second holdout: accuracy 0.967, wrong-topic rate
# 0.012; third holdout, written fresh: accuracy 0.932, wrong-topic rate 0.007), leaving room for
# the small differences between trainings. The issues' targets (evaluate.TARGETS, TARGETS_NEAR)
# are reported with PASS/FAIL by `make evaluate` (docs/nlu.md).
REGRESSION_FLOORS = {
    "intent_accuracy": (0.95, "min"),
    "intent_macro_f1": (0.95, "min"),
    "place_f1": (0.94, "min"),
    "oos_answered_rate": (0.06, "max"),
}
REGRESSION_FLOORS_NEAR = {
    "second": {"intent_accuracy": (0.94, "min"), "wrong_topic_rate": (0.02, "max")},
    "third": {"intent_accuracy": (0.91, "min"), "wrong_topic_rate": (0.03, "max")},
    # English (tests/nlu_holdout_en.yml), measured 2026-12-04: accuracy 0.938, wrong-topic rate
    # 0.025 (its errors were read to write English training data: a development figure)
    "english": {"intent_accuracy": (0.91, "min"), "wrong_topic_rate": (0.04, "max")},
    # the fresh English holdout (tests/nlu_holdout_en2.yml), measured 2026-12-04 after the English
    # training data written from the fourth holdout's errors: accuracy 0.871 (the fourth: 0.938),
    # wrong-topic rate 0.043; the target (within 3 points of the Indonesian messages,
    # about 0.97) is not reached yet, and `make evaluate` reports the gap
    "english_fresh": {"intent_accuracy": (0.85, "min"), "wrong_topic_rate": (0.06, "max")},
    # the second fresh English holdout (tests/nlu_holdout_en3.yml), measured 2026-12-04 with the
    # model of that day: accuracy 0.916, wrong-topic rate 0.015
    "english_fresh2": {"intent_accuracy": (0.90, "min"), "wrong_topic_rate": (0.03, "max")},
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


@pytest.fixture(scope="module",
                params=["second", "third", "english", "english_fresh", "english_fresh2"])
def measured_near(request, holdout_near, holdout_fresh, holdout_en, holdout_en_fresh,
                  holdout_en_fresh2):
    """The second, third and the three English holdouts' figures, parsed in-process as the bot
    does."""
    examples = {"second": holdout_near, "third": holdout_fresh, "english": holdout_en,
                "english_fresh": holdout_en_fresh,
                "english_fresh2": holdout_en_fresh2}[request.param]
    predictions = asyncio.run(evaluate.predict(evaluate.MODEL, [e.text for e in examples]))
    metrics = dict(evaluate.score(examples, predictions),
                   wrong_topic_rate=evaluate.wrong_topic_rate(examples, predictions))
    # the fresh English holdouts' messages are never shown (evaluate.BLIND_HOLDOUTS)
    worst = [] if request.param.startswith("english_fresh") \
        else evaluate.worst_errors(examples, predictions)
    return request.param, metrics, worst


@pytest.mark.parametrize("metric", ["intent_accuracy", "wrong_topic_rate"])
def test_the_model_stays_above_its_floor_on_the_second_third_and_english_holdouts(measured_near,
                                                                                   metric):
    which, metrics, worst = measured_near
    floor, kind = REGRESSION_FLOORS_NEAR[which][metric]
    value = metrics[metric]
    errors = "\n".join(f"  {w['text']!r}: expected {w['expected']}, got {w['predicted']}"
                       for w in worst)
    passed = value >= floor if kind == "min" else value <= floor
    assert passed, f"{metric} = {value:.3f}, floor {floor}; worst errors:\n{errors}"


def test_wrong_topic_rate_counts_only_answers_of_another_topic():
    example = evaluate.Example("x", "ask_jht", "id")
    answers = [evaluate.Prediction(p, p, 0.9) for p in
               ("ask_jht", "nlu_fallback", "out_of_scope", "ask_bsu_year")]
    assert evaluate.wrong_topic_rate([example] * 4, answers) == 0.25
    office = evaluate.Example("x", "inform_place", "id")
    assert evaluate.wrong_topic_rate([office], [evaluate.Prediction("ask_nearest_office",
                                                                    "ask_nearest_office", 0.9)]) == 0


def test_the_faster_model_load_parses_as_rasas_own(holdout, monkeypatch):
    """rasa_runtime.patches builds DIET's weights with one eager training step instead of a traced
    one (about 28 s -> 7 s for every start of Rasa): the model it loads gives the same intent
    ranking and entities as the one Rasa's own RasaModel.load gives, on 150 holdout messages."""
    import gc

    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.utils.tensorflow.models import RasaModel

    from rasa_runtime import patches

    texts = [example.text for example in holdout][:150]

    agents = []  # kept, so that their models can be looked at

    def parsed(load):
        monkeypatch.setattr(RasaModel, "load", load)
        agent = Agent.load(str(evaluate.MODEL))
        agents.append(agent)
        results = [asyncio.run(agent.parse_message(text)) for text in texts]
        return [([(r["name"], round(r["confidence"], 5)) for r in result["intent_ranking"]],
                 [(e["entity"], e["value"], e["start"]) for e in result["entities"]])
                for result in results]

    own = parsed(patches.RASA_MODEL_LOAD)
    fast = parsed(classmethod(patches._load_built_eagerly))
    assert patches.RASA_MODEL_LOAD.__func__ is not patches._load_built_eagerly
    assert any(entities for _, entities in own)  # places are among them
    assert fast == own
    # the fast load's DIET predicts with the concrete function, Rasa's with the tf.function
    steps = [type(o.model._tf_predict_step).__name__ for o in gc.get_objects()
             if isinstance(o, DIETClassifier) and o.model is not None]
    assert "ConcreteFunction" in steps and "Function" in steps

"""The NLU training data: the place lookup table is in sync with the gazetteer, every main intent
has enough varied examples, and every intent is answered by a rule."""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent
NLU_FILES = sorted((PROJECT / "data" / "nlu").glob("*.yml"))
DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
SMALL_INTENTS = {"share_location", "ask_how_many", "ask_requirements"}


def examples_by_intent():
    found = {}
    for path in NLU_FILES:
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block:
                lines = [l[2:].strip() for l in block["examples"].splitlines() if l.startswith("- ")]
                found.setdefault(block["intent"], []).extend(lines)
    return found


def test_place_lookup_table_is_in_sync_with_the_gazetteer():
    result = subprocess.run([sys.executable, "scripts/generate_place_lookup.py", "--check"],
                            cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_domain_intent_has_enough_examples():
    examples = examples_by_intent()
    assert set(examples) == set(DOMAIN["intents"])
    for intent, lines in examples.items():
        assert len(lines) >= (15 if intent in SMALL_INTENTS else 20), intent


def test_no_example_is_repeated():
    texts = [re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", t).lower()
             for lines in examples_by_intent().values() for t in lines]
    repeated = [t for t, n in Counter(texts).items() if n > 1]
    assert not repeated


def test_every_intent_has_a_rule():
    rules = yaml.safe_load((PROJECT / "data" / "rules" / "rules.yml").read_text(encoding="utf-8"))
    ruled = {step["intent"] for rule in rules["rules"] for step in rule["steps"] if "intent" in step}
    assert set(DOMAIN["intents"]) <= ruled


def test_english_examples_exist_for_main_intents():
    english = re.compile(r"\b(what|where|which|how|can|is|are|the|my|i|me|you|find|list|show|nearest|office|thanks|hello|hi)\b")
    for intent, lines in examples_by_intent().items():
        if intent not in SMALL_INTENTS | {"inform_place"}:
            assert sum(bool(english.search(l.lower())) for l in lines) >= 3, intent

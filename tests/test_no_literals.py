"""No fact from the facts file is written into the domain, the action code, the Rasa-side code
(rasa_runtime) or the reply templates: they are filled from data/facts.yml."""

import re
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
FACTS = yaml.safe_load((PROJECT / "data" / "facts.yml").read_text(encoding="utf-8"))
CHECKED = [PROJECT / "domain.yml", PROJECT / "actions" / "replies.yml",
           *sorted((PROJECT / "actions").glob("*.py")),
           *sorted((PROJECT / "rasa_runtime").glob("*.py"))]

NUMBERS = [r"31[,.]98", r"\b79\b", r"\b54\b", r"218[.,]?132", r"\b131\b", r"\b175\b",
           r"600[.,]?000", r"3[,.]5 ?juta"]
OFFICE_NAMES = [o["name"] for o in FACTS["offices"]["list"]]


def code_and_templates(path: Path) -> str:
    """The file's text without comments (a comment may explain, e.g. 'ptk -> pontianak')."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in lines)


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_fact_literals(path):
    text = code_and_templates(path)
    for pattern in NUMBERS:
        assert not re.search(pattern, text), f"{path.name} contains {pattern}"
    for name in OFFICE_NAMES:
        assert not re.search(rf"\b{re.escape(name)}\b", text, re.I), f"{path.name} names {name}"


def test_the_check_would_catch_a_literal(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text('TEXT = "ada 79 PLKK di Pontianak"\n')
    text = code_and_templates(sample)
    assert re.search(NUMBERS[1], text) and re.search(r"\bPontianak\b", text)

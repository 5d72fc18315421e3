"""The place-free corpus: messages that name no place in Kalimantan Barat, on which the place
finder must find none (issue 10). Used by tests/test_place_precision.py and
scripts/bench_places.py.

- every NLU training example (data/nlu/*.yml) and holdout message (tests/nlu_holdout*.yml)
  without a place annotation, except those of the intents share_location and inform_place;
- every line of tests/data/everyday_sentences.txt (everyday messages written fresh: complaints,
  small talk, work and life), except empty lines and lines starting with "#".

Entity annotations are stripped ("[jmo](app)" -> "jmo"); a message is kept once. Places outside
Kalbar are not annotated and stay in: the place finder says "outside" for them, not a place.
"""

import re
from pathlib import Path
from typing import Iterator, List, NamedTuple

import yaml

PROJECT = Path(__file__).resolve().parent.parent
NLU_FILES = sorted(p for p in (PROJECT / "data" / "nlu").glob("*.yml") if p.name != "places_lookup.yml")
HOLDOUT_FILES = sorted((PROJECT / "tests").glob("nlu_holdout*.yml"))
EVERYDAY_FILE = PROJECT / "tests" / "data" / "everyday_sentences.txt"
PLACE_INTENTS = {"share_location", "inform_place"}
PLACE_ENTITIES = {"place", "lat", "lon"}
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


class Message(NamedTuple):
    text: str
    source: str  # file name relative to the project, and the intent for NLU files


def _entities(example: str) -> List[str]:
    """The entity names annotated in an NLU example: "[x](place)" or '[x]{"entity": "place"}'."""
    names = []
    for match in ANNOTATION.finditer(example):
        spec = match.group(2)
        if spec.startswith("("):
            names.append(spec[1:-1].split(":")[0].split("=")[0].strip())
        else:
            found = re.search(r'"entity"\s*:\s*"([^"]+)"', spec)
            names.append(found.group(1) if found else "")
    return names


def _nlu_messages(path: Path) -> Iterator[Message]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    name = str(path.relative_to(PROJECT))
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        if not intent or intent in PLACE_INTENTS:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if not line.startswith("- "):
                continue
            example = line[2:].strip()
            if not example or PLACE_ENTITIES & set(_entities(example)):
                continue
            yield Message(ANNOTATION.sub(r"\1", example), f"{name}:{intent}")


def _everyday_messages() -> Iterator[Message]:
    if not EVERYDAY_FILE.exists():
        return
    name = str(EVERYDAY_FILE.relative_to(PROJECT))
    for line in EVERYDAY_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield Message(line, name)


def place_free_messages() -> List[Message]:
    """Every message of the corpus, each text once, in file order."""
    seen, messages = set(), []
    for path in NLU_FILES + HOLDOUT_FILES:
        for message in _nlu_messages(path):
            key = message.text.lower()
            if key not in seen:
                seen.add(key)
                messages.append(message)
    for message in _everyday_messages():
        key = message.text.lower()
        if key not in seen:
            seen.add(key)
            messages.append(message)
    return messages


def everyday_messages() -> List[Message]:
    """The everyday sentences alone (tests/data/everyday_sentences.txt), each text once."""
    seen, messages = set(), []
    for message in _everyday_messages():
        if message.text.lower() not in seen:
            seen.add(message.text.lower())
            messages.append(message)
    return messages

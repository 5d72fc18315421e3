"""Shared test helpers: trackers built from the JSON fixture in tests/data/, and running an action
to collect what it dispatches."""

import asyncio
import copy
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent
TRACKER_FIXTURE = json.loads((TESTS / "data" / "tracker.json").read_text(encoding="utf-8"))


def make_tracker(text: str, intent: str = "greet", entities: Optional[List[Dict[str, Any]]] = None,
                 metadata: Optional[Dict[str, Any]] = None, **slots: Any) -> Tracker:
    """A tracker whose latest message is `text` classified as `intent`, with the given slots (and
    the message's metadata, e.g. {"questions": [...]})."""
    state = copy.deepcopy(TRACKER_FIXTURE)
    state["latest_message"].update(text=text, intent={"name": intent, "confidence": 0.99},
                                   entities=entities or [])
    if metadata is not None:
        state["latest_message"]["metadata"] = metadata
    state["events"][-1].update(text=text, parse_data=state["latest_message"])
    state["slots"].update(slots)
    return Tracker.from_dict(state)


def run_action(action: Any, text: str, intent: str = "greet",
               entities: Optional[List[Dict[str, Any]]] = None,
               metadata: Optional[Dict[str, Any]] = None,
               **slots: Any) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    """Runs an action on a message; returns the dispatched messages and the slots it set."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, intent, entities, metadata, **slots)
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def reply_text(action: Any, text: str, **kwargs: Any) -> str:
    """The text of all messages an action sends for `text`, joined by newlines."""
    messages, _ = run_action(action, text, **kwargs)
    assert messages, f"{action.name()} sent nothing for {text!r}"
    return "\n".join(m["text"] for m in messages)


@pytest.fixture(autouse=True)
def default_facts(monkeypatch):
    """Every test starts with the project's facts file, freshly loaded."""
    from actions import facts

    monkeypatch.delenv("FACTS_FILE", raising=False)
    facts.reset_cache()
    yield
    facts.reset_cache()


@pytest.fixture
def intent_answers_only(monkeypatch):
    """The intents' own answers only: the knowledge base neither answers a placed message first
    (actions/faq.py KNOWLEDGE_FIRST_INTENTS, GATED_INTENTS, CLOSE_ANSWER_INTENTS), nor a whole
    message before the one question inside it (base.WHOLE_MESSAGE_ANSWERS), nor a message the
    model did not place."""
    from actions import base, faq

    monkeypatch.setattr(faq, "KNOWLEDGE_FIRST_INTENTS", set())
    monkeypatch.setattr(faq, "GATED_INTENTS", set())
    monkeypatch.setattr(faq, "CLOSE_ANSWER_INTENTS", set())
    monkeypatch.setattr(base, "WHOLE_MESSAGE_ANSWERS", [])
    monkeypatch.setattr(faq, "answer_unplaced", lambda turn: None)


class ProjectBot:
    """The project's own bot on the default test ports: `rasa` and `actions` are servers.Server."""

    def __init__(self, rasa: Any, actions: Any) -> None:
        self.rasa, self.actions = rasa, actions


@pytest.fixture(scope="session")
def project_bot():
    """The action server and Rasa with the project's model, facts and stores on the default test
    ports (servers.RASA_PORT, servers.ACTIONS_PORT), started once for every module that needs
    nothing else (each Rasa start costs about half a minute); stopped at the end of the session.
    A test may stop and restart `actions`, and must leave it running."""
    from servers import MODEL, action_server, rasa_server

    assert MODEL.exists(), "no trained model: run `make train` (make test does it)"
    with action_server() as actions, rasa_server() as rasa:
        yield ProjectBot(rasa, actions)

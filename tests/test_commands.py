"""Commands typed by a user, without servers: which intent a command becomes before NLU
(rasa_runtime/commands.py), the language of a payload, and the actions that replace Rasa's
/restart, /back and /session_start (actions/commands.py). Live on every channel:
tests/test_channels.py (REST), tests/test_telegram.py, tests/test_web_socketio.py,
tests/test_shell.py."""

import asyncio
import copy

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.commands import (ActionBack, ActionRestart, ActionSessionStart, pending_question,
                              typed_session_start)
from actions.language import detect_language
from conftest import TRACKER_FIXTURE
from rasa_runtime.commands import command_intent

INTENTS = {"greet", "ask_help", "ask_jmo", "restart", "back", "session_start", "inform_place"}


@pytest.mark.parametrize("text, intent", [
    ("/foo", "ask_help"), ("/menu", "ask_help"), ("/help", "ask_help"), ("/start", "greet"),
    ("/START", "greet"), ('/foo{"a": 1}', "ask_help"), ("/restart", None), ("/back", None),
    ("/ask_jmo", None), ('/inform_place{"place": "611201"}', None), ("apa itu jmo", None),
    ("", None), (None, None), ("/", None), ("  /bantuan  ", "ask_help"),
    ("/Restart", "restart"), ("/RESTART", "restart"), ("/Back", "back"),
])
def test_a_command_that_is_no_intent_becomes_the_menu(text, intent):
    assert command_intent(text, INTENTS) == intent


@pytest.mark.parametrize("text, previous, language", [
    ("/ask_help", "id", "id"), ("/ask_nearest_office", "id", "id"), ("/restart", "en", "en"),
    ("/ask_help", None, "id"), ('/inform_place{"place": "611201"}', "en", "en"),
    ("what is the JMO app", "id", "en"), ("apa itu jmo", "en", "id"),
])
def test_a_payload_keeps_the_conversations_language(text, previous, language):
    assert detect_language(text, previous) == language


def tracker(events, latest_text="/back", intent="back", **slots) -> Tracker:
    state = copy.deepcopy(TRACKER_FIXTURE)
    state["latest_message"].update(text=latest_text, intent={"name": intent, "confidence": 1.0},
                                   entities=[])
    state["events"] = events
    state["slots"].update(slots)
    return Tracker.from_dict(state)


def user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def run(action, state):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    return dispatcher.messages, events


QUESTION = {"event": "bot", "text": "Yang Anda maksud yang mana?",
            "data": {"buttons": [{"title": "A", "payload": "/inform_place{\"place\": \"1\"}"}]}}


def test_back_repeats_the_pending_question_with_its_buttons():
    state = tracker([user("sungai raya", "inform_place"), QUESTION, user("/back", "back")],
                    place_candidates=["1", "2"], language="id")
    assert pending_question(state) == QUESTION
    messages, events = run(ActionBack(), state)
    assert messages[0]["text"] == QUESTION["text"]
    assert messages[0]["buttons"] == QUESTION["data"]["buttons"]
    assert [e["event"] for e in events] == ["slot"]  # nothing else changes


def test_back_without_a_pending_question_shows_the_menu_in_the_language():
    state = tracker([QUESTION, user("/back", "back")], language="en")
    assert pending_question(state) is None
    messages, _ = run(ActionBack(), state)
    assert messages[0]["text"].startswith("Back to the menu.")
    assert "/ask_nearest_office" in [b["payload"] for b in messages[0]["buttons"]]


def test_restart_confirms_with_the_menu_and_restarts_keeping_the_language():
    state = tracker([user("/restart", "restart")], latest_text="/restart", intent="restart",
                    language="en", topic="bsu", awaiting_place=True)
    messages, events = run(ActionRestart(), state)
    assert messages[0]["text"].startswith("OK, the conversation starts over.")
    assert messages[0]["buttons"]
    assert [e["event"] for e in events] == ["restart", "session_started", "slot"]
    assert events[-1]["name"] == "language" and events[-1]["value"] == "en"


def test_a_typed_session_start_greets_and_keeps_language_and_topic_only():
    state = tracker([user("/session_start", "session_start"),
                     {"event": "action", "name": "action_extract_slots"}],
                    latest_text="/session_start", intent="session_start", language="id",
                    topic="bsu", place_candidates=["1"], awaiting_place=True)
    assert typed_session_start(state)
    messages, events = run(ActionSessionStart(), state)
    assert messages[0]["text"].startswith("Halo, selamat datang!")
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    carried = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert carried == {"language": "id", "topic": "bsu"}


def test_an_automatic_session_start_greets_nobody_and_forgets_the_place_question():
    state = tracker([user("sungai raya", "inform_place"), QUESTION,
                     {"event": "action", "name": "action_listen"}],
                    latest_text="sungai raya", intent="inform_place", language="en",
                    topic="offices", place_candidates=["1"], awaiting_place=True)
    assert not typed_session_start(state)
    messages, events = run(ActionSessionStart(), state)
    assert messages == []
    carried = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert carried == {"language": "en", "topic": "offices"}

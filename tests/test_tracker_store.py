"""The bounded SQL tracker store: prediction sees only recent events and the right slots, while
the database keeps every event once, in order."""

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, Event, SessionStarted, SlotSet,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_runtime.tracker_store import BoundedSQLTrackerStore
from servers import PROJECT

DOMAIN = Domain.load(str(PROJECT / "domain.yml"))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    return BoundedSQLTrackerStore(domain=DOMAIN, max_events=20)


def turn(number: int):
    """The events of one turn: user message, action, slots, bot message, listen."""
    return [UserUttered(f"pesan {number}", {"name": "ask_plkk_count", "confidence": 1.0}),
            ActionExecuted("action_plkk_count"),
            SlotSet("language", "en" if number % 2 else "id"),
            SlotSet("topic", f"topic-{number}"),
            BotUttered(f"jawaban {number}"),
            ActionExecuted("action_listen")]


def test_long_conversation_loads_only_recent_events_with_all_slots(store):
    run = asyncio.run
    tracker = run(store.get_or_create_tracker("u1"))
    for number in range(30):
        tracker = run(store.retrieve("u1"))
        for event in turn(number):
            tracker.update(event)
        if number == 3:
            tracker.update(SlotSet("awaiting_place", True))
        run(store.save(tracker))

    loaded = run(store.retrieve("u1"))
    assert len(loaded.events) <= 20 + len(DOMAIN.slots)
    assert loaded.get_slot("topic") == "topic-29" and loaded.get_slot("language") == "en"
    assert loaded.get_slot("awaiting_place") is True  # set in turn 3, long before the window
    assert loaded.latest_message.text == "pesan 29"

    full = run(store.retrieve_full_tracker("u1"))
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert texts == [f"pesan {n}" for n in range(30)]  # every turn, in order, once
    assert len(full.events) == 1 + 30 * 6 + 1


def test_events_added_after_a_bounded_load_are_stored_once(store):
    run = asyncio.run
    tracker = run(store.get_or_create_tracker("u2"))
    for number in range(10):
        for event in turn(number):
            tracker.update(event)
    run(store.save(tracker))
    bounded = run(store.retrieve("u2"))
    for event in turn(10):
        bounded.update(event)
    run(store.save(bounded))
    run(store.save(bounded))  # saving twice adds nothing
    full = run(store.retrieve_full_tracker("u2"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [
        f"pesan {n}" for n in range(11)]


@pytest.mark.parametrize("turns_after", [2, 6])  # the new session inside the window, or beyond it
def test_only_the_current_session_is_loaded(store, turns_after):
    run = asyncio.run
    tracker = run(store.get_or_create_tracker("u3"))
    for number in range(5):
        for event in turn(number):
            tracker.update(event)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    for number in range(100, 100 + turns_after):
        for event in turn(number):
            tracker.update(event)
    run(store.save(tracker))

    loaded = run(store.retrieve("u3"))
    texts = [e.text for e in loaded.events if isinstance(e, UserUttered)]
    assert texts == [f"pesan {n}" for n in range(100, 100 + turns_after)][-len(texts):]
    assert len(texts) >= min(turns_after, 3)
    assert loaded.get_slot("topic") == f"topic-{99 + turns_after}"


def test_unknown_conversation_is_none(store):
    assert asyncio.run(store.retrieve("nobody")) is None


def test_action_response_validator_is_built_once_and_still_rejects_bad_responses():
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    from rasa_runtime import patches

    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "ok"}]})
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate"):
        action._validate_action_result({"events": "not a list"})
    assert patches.action_response_validator() is patches.action_response_validator()
    # each event is checked against its own type's schema: a slot event without its name fails
    assert action._validate_action_result({"events": [{"event": "slot", "name": "topic", "value": 1}]})
    for bad in ({"event": "slot", "name": 3}, {"event": "no_such_event"}, {"name": "topic"}):
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate"):
            action._validate_action_result({"events": [bad]})


def test_event_classes_are_found_by_type_name_as_rasa_finds_them():
    from rasa_runtime import patches

    assert Event.__dict__["resolve_by_type"].__func__ is patches._resolve_event_type  # installed
    for name in ("user", "bot", "slot", "action", "session_started", "restart", "followup"):
        assert Event.resolve_by_type(name) is patches.RASA_RESOLVE_BY_TYPE(name)
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")

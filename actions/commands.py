"""Rasa's commands typed by a user: /restart, /back and /session_start.

Rasa maps the intents `restart`, `back` and `session_start` (a message "/restart", ...) to its
default actions, which answer nothing. The actions here replace them (same names, listed in
domain.yml), so that every command gets an answer in the conversation's language:

- /restart: forgets the conversation (Rasa's `restart` event clears every slot), keeps only the
  language the user writes in, says so and shows the menu.
- /back: repeats the bot's pending question (where the user is, or which of several places) with
  its buttons, else shows the menu. The dialogue state is left as it was.
- /session_start: a new session, with a greeting and the menu.

`action_session_start` also runs by itself on a conversation's first message and after
`session_expiration_time` minutes without a message: then it greets nobody and carries over only
the slots in CARRIED_OVER (the language and the topic of the last answer, for follow-ups); a pending
place question (`place_candidates`, `awaiting_place`) is forgotten.

Other unknown commands ("/foo") get the menu too: rasa_runtime/commands.py turns them into the
help intent before NLU.
"""

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (ActionExecuted, EventType, Restarted, SessionStarted, SlotSet)
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Turn

# Slots a new session keeps: everything else (a pending place question above all) is forgotten.
CARRIED_OVER = ("language", "topic")
# Slots that hold a question the bot asked and is waiting for.
PENDING_QUESTION = ("awaiting_place", "place_candidates")
# Rasa runs this after every user message; it does not count as an answer to the message.
EXTRACT_SLOTS = "action_extract_slots"


def _language_of(turn: Turn) -> SlotSet:
    return SlotSet("language", turn.lang)


class ActionRestart(Action):
    """/restart: says the conversation starts over, shows the menu, and restarts it."""

    def name(self) -> str:
        return "action_restart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn(dispatcher, tracker)
        turn.say("restart_done", buttons=turn.menu())
        # `restart` clears the tracker and every slot; a new session starts, in the same language.
        return [Restarted(), SessionStarted(), _language_of(turn)]


class ActionBack(Action):
    """/back: the bot's pending question again, else the menu. Changes no slot."""

    def name(self) -> str:
        return "action_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn(dispatcher, tracker)
        question = pending_question(tracker)
        if question is not None:
            dispatcher.utter_message(text=question.get("text") or "",
                                     buttons=(question.get("data") or {}).get("buttons") or [])
        else:
            turn.say("back_menu", buttons=turn.menu())
        return [_language_of(turn)]


def pending_question(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The bot's last message when it asked something the user has not answered yet (a place
    question is pending), else None."""
    if not any(tracker.get_slot(slot) for slot in PENDING_QUESTION):
        return None
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and event.get("text"):
            return event
    return None


class ActionSessionStart(Action):
    """A new session: carries over the language and the topic only; greets when the user typed
    /session_start."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if typed_session_start(tracker):
            turn = Turn(dispatcher, tracker)
            turn.say("greet", buttons=turn.menu())
            events.append(_language_of(turn))
            events += [SlotSet(slot, tracker.get_slot(slot)) for slot in CARRIED_OVER
                       if slot != "language" and tracker.get_slot(slot) is not None]
        else:
            events += [SlotSet(slot, tracker.get_slot(slot)) for slot in CARRIED_OVER
                       if tracker.get_slot(slot) is not None]
        return events + [ActionExecuted("action_listen")]


def typed_session_start(tracker: Tracker) -> bool:
    """True when the user's latest message is /session_start and this action answers it; False
    when Rasa starts a session by itself (a first message, an expired session): then the latest
    user message is an older one, already answered."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "session_start"
        if kind == "action" and event.get("name") != EXTRACT_SLOTS:
            return False
    return False

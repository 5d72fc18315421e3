"""What every custom action shares: the turn's language, the facts, and sending replies."""

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.facts import get_facts
from actions.language import detect_language

# Rasa cuts a longer message to this many characters before NLU and marks it in the message's
# metadata (`truncated_from`, see rasa_runtime/input_limits.py, same limit): the action answers the
# cut question and says it read only the beginning.
MAX_MESSAGE_CHARS = 2000

# Help-menu buttons: (template of the title, payload).
MENU = [
    ("menu_nearest_office", "/ask_nearest_office"),
    ("menu_offices", "/ask_offices"),
    ("menu_plkk_definition", "/ask_plkk_definition"),
    ("menu_plkk_count", "/ask_plkk_count"),
    ("menu_jmo", "/ask_jmo"),
    ("menu_bsu_kalbar", "/ask_bsu_kalbar"),
]


class Turn:
    """One answer being written: the user's text and language, the facts, the dispatcher."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.facts = get_facts()
        self.text: str = tracker.latest_message.get("text") or ""
        self.lang = detect_language(self.text, tracker.get_slot("language"))
        metadata = tracker.latest_message.get("metadata")
        self.truncated_from = metadata.get("truncated_from") if isinstance(metadata, dict) else None
        self.values = self._common_values()

    def _common_values(self) -> Dict[str, Any]:
        f = self.facts
        return {
            "org": f["organisation"]["name"],
            "region": f["organisation"]["region"],
            "call_centre": f["contacts"]["call_centre"],
            "plkk": f["plkk"]["abbreviation"],
            "plkk_name": f["plkk"]["name"],
            "jmo": f["jmo"]["abbreviation"],
            "jmo_name": f["jmo"]["name"],
            "bsu": f["bsu"]["abbreviation"],
            "bsu_name": f["bsu"]["name"],
        }

    def render(self, template: str, /, **values: Any) -> str:
        """A template in the turn's language, filled with the common facts and `values`."""
        return replies.render(template, self.lang, **{**self.values, **values})

    def say(self, template: str, /, buttons: Optional[List[Dict[str, str]]] = None, **values: Any) -> None:
        """Sends one message built from a template."""
        self.dispatcher.utter_message(text=self.render(template, **values), buttons=buttons or [])

    def say_text(self, text: str, buttons: Optional[List[Dict[str, str]]] = None) -> None:
        """Sends a message already built from templates."""
        self.dispatcher.utter_message(text=text, buttons=buttons or [])

    def menu(self) -> List[Dict[str, str]]:
        """The help-menu buttons in the turn's language."""
        return [{"title": self.render(title), "payload": payload} for title, payload in MENU]

    def as_of(self, section: Dict[str, Any]) -> str:
        """The month a fact was true, in the turn's language ('Januari 2023')."""
        return replies.month_year(section["as_of"], self.lang)


class BotAction(Action):
    """A custom action that answers one topic; subclasses set `action_name` and `topic`."""

    action_name = ""
    topic: Optional[str] = None

    def name(self) -> str:
        return self.action_name

    def respond(self, turn: Turn) -> List[EventType]:
        """Sends the answer; returns extra events (slots)."""
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn(dispatcher, tracker)
        if turn.truncated_from:
            turn.say("message_cut", limit=replies.number(MAX_MESSAGE_CHARS, turn.lang))
        if not re.search(r"\w", turn.text):  # empty, blanks, emoji or punctuation only
            turn.say("empty_message", buttons=turn.menu())
            return [SlotSet("language", turn.lang)]
        events = self.respond(turn) or []
        context = [SlotSet("language", turn.lang)]
        if self.topic:
            context.append(SlotSet("topic", self.topic))
        return context + events

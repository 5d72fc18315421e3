"""Greeting, thanks, goodbye, bot challenge, the help menu, BPJS Kesehatan questions, questions
out of scope, and messages the bot did not understand."""

from typing import List

from rasa_sdk.events import EventType

from actions import places
from actions.base import BotAction, Turn
from actions.offices import answer_nearest_office


class ActionGreet(BotAction):
    """Greets and shows what the bot can do."""

    action_name = "action_greet"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("greet", buttons=turn.menu())
        return []


class ActionGoodbye(BotAction):
    """Says goodbye with the call centre."""

    action_name = "action_goodbye"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("goodbye")
        return []


class ActionThanks(BotAction):
    """Answers thanks."""

    action_name = "action_thanks"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("thanks")
        return []


class ActionBotChallenge(BotAction):
    """Says it is a bot and how to reach a person."""

    action_name = "action_bot_challenge"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("bot_challenge")
        return []


class ActionHelp(BotAction):
    """The help menu, with buttons."""

    action_name = "action_help"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("help", buttons=turn.menu())
        return []


class ActionBpjsKesehatan(BotAction):
    """BPJS Kesehatan is a different agency."""

    action_name = "action_bpjs_kesehatan"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("bpjs_kesehatan", note=turn.facts["bpjs_kesehatan"]["note"][turn.lang])
        return []


class ActionOutOfScope(BotAction):
    """Says what the bot can do, with the call centre."""

    action_name = "action_out_of_scope"

    def respond(self, turn: Turn) -> List[EventType]:
        outside = places.resolve(turn.text)
        if outside.status == "outside":
            turn.say("place_outside", place=outside.outside)
            return []
        turn.say("out_of_scope", buttons=turn.menu())
        return []


class ActionFallback(BotAction):
    """A message the bot did not understand: a place (when the bot asked for one, or when the
    message names a Kalbar place), otherwise what the bot can do."""

    action_name = "action_fallback"

    def respond(self, turn: Turn) -> List[EventType]:
        awaiting = turn.tracker.get_slot("awaiting_place")
        if awaiting or places.resolve(turn.text).status in ("found", "ambiguous", "outside"):
            return answer_nearest_office(turn, explicit_request=False)
        turn.say("fallback", buttons=turn.menu())
        return []

"""Follow-up questions that lean on the topic of the conversation ("di kalbar ada berapa?",
"syaratnya apa?")."""

from typing import List

from rasa_sdk.events import EventType

from actions.base import BotAction, Turn
from actions.bsu import ActionBsuKalbar, ActionBsuRules
from actions.coverage import ActionCoverage
from actions.jmo import ActionJmo
from actions.offices import ActionOffices
from actions.plkk import ActionPlkkCount, ActionPlkkTreatment
from actions.small_talk import ActionHelp

# The action that answers "how many?" for each topic.
COUNT_ANSWERS = {
    "offices": ActionOffices,
    "plkk": ActionPlkkCount,
    "bsu": ActionBsuKalbar,
    "coverage": ActionCoverage,
    "jmo": ActionJmo,
}
COUNT_MENU = [("menu_offices", "/ask_offices"), ("menu_plkk_count", "/ask_plkk_count"),
              ("menu_bsu_kalbar", "/ask_bsu_kalbar")]


class ActionHowMany(BotAction):
    """'How many?' answered for the topic of the conversation, or a question back."""

    action_name = "action_how_many"

    def respond(self, turn: Turn) -> List[EventType]:
        answer = COUNT_ANSWERS.get(turn.tracker.get_slot("topic"))
        if answer:
            return answer().respond(turn)
        buttons = [{"title": turn.render(title), "payload": payload} for title, payload in COUNT_MENU]
        turn.say("how_many_which", buttons=buttons)
        return []


# The action that answers "what are the requirements?" for each topic.
REQUIREMENT_ANSWERS = {
    "bsu": ActionBsuRules,
    "plkk": ActionPlkkTreatment,
    "jmo": ActionJmo,
}


class ActionRequirements(BotAction):
    """'What are the requirements?' answered for the topic of the conversation, else the menu."""

    action_name = "action_requirements"

    def respond(self, turn: Turn) -> List[EventType]:
        answer = REQUIREMENT_ANSWERS.get(turn.tracker.get_slot("topic"), ActionHelp)
        return answer().respond(turn)

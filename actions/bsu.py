"""BSU (Bantuan Subsidi Upah): what it was, the 2022 figures for Kalbar, and the 2022 rules."""

from typing import List

from rasa_sdk.events import EventType

from actions import replies
from actions.base import BotAction, Turn


def kalbar_figures(turn: Turn) -> dict:
    """Year, total and recipients of BSU in Kalbar, formatted for the turn's language."""
    figures = turn.facts["bsu"]["kalbar_2022"]
    return {"year": figures["year"], "total": replies.rupiah(figures["total_rupiah"], turn.lang),
            "recipients": replies.number(figures["recipients"], turn.lang)}


class ActionBsu(BotAction):
    """What BSU is, with the Kalbar figures."""

    action_name = "action_bsu"
    topic = "bsu"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("bsu", description=turn.facts["bsu"]["description"][turn.lang], **kalbar_figures(turn))
        return []


class ActionBsuKalbar(BotAction):
    """BSU paid in Kalbar in 2022: total and number of workers."""

    action_name = "action_bsu_kalbar"
    topic = "bsu"

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("bsu_kalbar", as_of=turn.as_of(turn.facts["bsu"]["kalbar_2022"]), **kalbar_figures(turn))
        return []


class ActionBsuRules(BotAction):
    """Who could get BSU in 2022, how much, and through which channels."""

    action_name = "action_bsu_rules"
    topic = "bsu"

    def respond(self, turn: Turn) -> List[EventType]:
        rules, lang = turn.facts["bsu"]["rules_2022"], turn.lang
        turn.say("bsu_rules", year=rules["year"], legal_basis=rules["legal_basis"],
                 amount=replies.rupiah(rules["amount_rupiah"], lang), paid=rules["paid"][lang],
                 citizenship=rules["citizenship"][lang], membership=rules["membership"][lang],
                 max_wage=replies.rupiah(rules["max_wage_rupiah"], lang),
                 max_wage_exception=rules["max_wage_exception"][lang],
                 excluded=replies.join(rules["excluded"], lang, alternative=True),
                 channels=replies.join(rules["channels"], lang))
        return []

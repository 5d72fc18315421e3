"""JMO (Jamsostek Mobile): what the app is, its features, and whether it can do one thing."""

import re
from typing import List

from rasa_sdk.events import EventType

from actions.base import BotAction, Turn
from actions.plkk import mentions


# A yes/no question about what the app can do ("bisa bayar iuran lewat jmo?"): only then does the
# answer start with "Yes". Not when the message asks when/how much/why or reports that something
# does not work ("saldo ga bisa dicek").
CAN_QUESTION = re.compile(r"\b(bisa|bs|bisakah|bsa|dapatkah|boleh|ada|can|could|is it possible|"
                          r"does it|does jmo|is there)\b", re.I)
QUESTION_WORD = re.compile(r"\b(kapan|kpn|berapa|brp|kenapa|knp|mengapa|napa|gimana|gmn|bagaimana|"
                           r"when|why|how much|how many)\b", re.I)
NEGATED = re.compile(r"\b(ga|gak|gk|nggak|ngga|enggak|tidak|tdk|tak|ndak|belum|blm)\s+(bisa|bs|bsa|"
                     r"dapat|ada)\b|\b(can't|cannot|cant|doesn't|won't|not working)\b", re.I)


def is_can_question(text: str) -> bool:
    """Whether a message asks yes or no about what the app can do."""
    return (bool(CAN_QUESTION.search(text)) and not QUESTION_WORD.search(text)
            and not NEGATED.search(text))


class ActionJmo(BotAction):
    """What JMO is, with the list of its features."""

    action_name = "action_jmo"
    intents = ("ask_jmo",)
    topic = "jmo"

    def respond(self, turn: Turn) -> List[EventType]:
        jmo = turn.facts["jmo"]
        features = "\n".join(f"- {f['name'][turn.lang]}: {f['description'][turn.lang]}"
                             for f in jmo["features"])
        turn.say("jmo", description=jmo["description"][turn.lang], features=features,
                 replaced=jmo["replaced"])
        return []


class ActionJmoFeature(BotAction):
    """Yes/how for one JMO feature; the feature list when the message names none."""

    action_name = "action_jmo_feature"
    intents = ("ask_jmo_feature",)
    topic = "jmo"

    def respond(self, turn: Turn) -> List[EventType]:
        scored = [(mentions(turn.text, f["keywords"]), f) for f in turn.facts["jmo"]["features"]]
        score, feature = max(scored, key=lambda pair: pair[0])
        if not score:
            return ActionJmo().respond(turn)
        template = "jmo_feature" if is_can_question(turn.text) else "jmo_feature_how"
        turn.say(template, feature=feature["name"][turn.lang],
                 description=feature["description"][turn.lang])
        return []

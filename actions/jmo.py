"""JMO (Jamsostek Mobile): what the app is, its features, and whether it can do one thing."""

from typing import List

from rasa_sdk.events import EventType

from actions.base import BotAction, Turn
from actions.plkk import mentions


class ActionJmo(BotAction):
    """What JMO is, with the list of its features."""

    action_name = "action_jmo"
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
    topic = "jmo"

    def respond(self, turn: Turn) -> List[EventType]:
        scored = [(mentions(turn.text, f["keywords"]), f) for f in turn.facts["jmo"]["features"]]
        score, feature = max(scored, key=lambda pair: pair[0])
        if not score:
            return ActionJmo().respond(turn)
        turn.say("jmo_feature", feature=feature["name"][turn.lang],
                 description=feature["description"][turn.lang])
        return []

"""Coverage: the share of workers in Kalbar protected by Jamsostek."""

from typing import List

from rasa_sdk.events import EventType

from actions import replies
from actions.base import BotAction, Turn


class ActionCoverage(BotAction):
    """The share of workers in Kalbar protected by Jamsostek."""

    action_name = "action_coverage"
    intents = ("ask_coverage",)
    topic = "coverage"

    def respond(self, turn: Turn) -> List[EventType]:
        coverage = turn.facts["coverage"]
        turn.say("coverage", percent=replies.percent(coverage["percent"], turn.lang),
                 as_of=turn.as_of(coverage))
        return []

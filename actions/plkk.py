"""PLKK (Pusat Layanan Kecelakaan Kerja): what it is, how many there are by type, where to get
treated after a work accident, and how to find one. Facility names come only from the facts file."""

from functools import lru_cache
from typing import Any, Dict, List, Optional

from rasa_sdk.events import EventType

from actions import places, replies
from actions.base import BotAction, Turn
from actions.gazetteer import load_gazetteer


@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    """' a b c ': normalised words padded with spaces, for whole-word search."""
    return f" {' '.join(places.normalise(text))} "


def mentions(text: str, keywords: List[str]) -> int:
    """Length of the longest keyword found as whole words in text (0 if none)."""
    padded = _words(text)
    return max((len(k) for k in keywords if _words(k) in padded), default=0)


def breakdown(turn: Turn) -> str:
    """'N puskesmas, N klinik, ... dan N rumah sakit swasta' from plkk.by_type."""
    return replies.join([f"{replies.number(t['count'], turn.lang)} {t['label'][turn.lang]}"
                         for t in turn.facts["plkk"]["by_type"]], turn.lang)


def facility_type_in(turn: Turn) -> Optional[Dict[str, Any]]:
    """The facility type the message asks about, if it names one."""
    scored = [(mentions(turn.text, t["keywords"]), t) for t in turn.facts["plkk"]["by_type"]]
    best = max(scored, key=lambda pair: pair[0])
    return best[1] if best[0] else None


class ActionPlkkDefinition(BotAction):
    """What a PLKK is."""

    action_name = "action_plkk_definition"
    intents = ("ask_plkk_definition",)
    topic = "plkk"

    def respond(self, turn: Turn) -> List[EventType]:
        plkk = turn.facts["plkk"]
        turn.say("plkk_definition", definition=plkk["definition"][turn.lang],
                 legal_basis=plkk["legal_basis"], total=replies.number(plkk["total"], turn.lang),
                 as_of=turn.as_of(plkk))
        return []


class ActionPlkkCount(BotAction):
    """How many PLKK there are in Kalbar, in all or of one facility type."""

    action_name = "action_plkk_count"
    intents = ("ask_plkk_count",)
    topic = "plkk"

    def respond(self, turn: Turn) -> List[EventType]:
        plkk = turn.facts["plkk"]
        total = replies.number(plkk["total"], turn.lang)
        kind = facility_type_in(turn)
        if kind:
            turn.say("plkk_count_type", count=replies.number(kind["count"], turn.lang),
                     label=kind["label"][turn.lang], total=total, as_of=turn.as_of(plkk))
        else:
            turn.say("plkk_count", total=total, breakdown=breakdown(turn), as_of=turn.as_of(plkk))
        return []


class ActionPlkkTreatment(BotAction):
    """Where to get treated after a work accident."""

    action_name = "action_plkk_treatment"
    intents = ("ask_plkk_treatment",)
    topic = "plkk"

    def respond(self, turn: Turn) -> List[EventType]:
        plkk = turn.facts["plkk"]
        turn.say("plkk_treatment", total=replies.number(plkk["total"], turn.lang),
                 as_of=turn.as_of(plkk))
        return []


class ActionPlkkFind(BotAction):
    """How to find a PLKK; lists facilities by name only where the facts file has them."""

    action_name = "action_plkk_find"
    intents = ("ask_plkk_find",)
    topic = "plkk"

    def respond(self, turn: Turn) -> List[EventType]:
        plkk = turn.facts["plkk"]
        found = places.resolve(turn.text)
        if plkk["facilities"] and found.status == "found":
            regency = load_gazetteer().regency_of(found.places[0])
            listed = [f["name"] for f in plkk["facilities"] if f["regency_code"] == regency.code]
            if listed:
                turn.say("plkk_list", place=regency.name, facilities=replies.join(listed, turn.lang))
                return []
        turn.say("plkk_find", total=replies.number(plkk["total"], turn.lang),
                 breakdown=breakdown(turn), as_of=turn.as_of(plkk))
        return []

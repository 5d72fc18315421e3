"""Greeting, thanks, goodbye, bot challenge, the help menu, BPJS Kesehatan questions, questions
out of scope, and messages the bot did not understand."""

import json
import re
from typing import Any, Dict, List, Optional

from rasa_sdk.events import EventType

from actions import faq, places, plkk
from actions.base import ACTIONS_BY_INTENT, BotAction, Turn, import_all_actions
from actions.bsu import ActionBsuYear, asked_year
from actions.offices import answer_nearest_office, place_label


# Words that make a message a greeting ("hai, sy di sintang" is one; "kalo di sintag ade ndak?"
# is not, whatever the model says)
GREETING = re.compile(r"\b(halo+|hallo|hai|hi|hello|hey|helo|pagi|siang|sore|malam|assalamu\w*|"
                      r"salam|permisi|morning|afternoon|evening)\b", re.IGNORECASE)


class ActionGreet(BotAction):
    """Greets and shows what the bot can do."""

    action_name = "action_greet"
    intents = ("greet",)

    def respond(self, turn: Turn) -> List[EventType]:
        if not GREETING.search(turn.text) \
                and places.resolve(turn.text).status in ("found", "ambiguous"):
            # "kalo di sintag ade ndak?" after an office answer, placed on greet (0.61): a place
            # without a greeting word is the place follow-up it reads as (a fresh-user trial)
            place_turn = Turn(turn.dispatcher, turn.tracker, text=turn.text, intent="inform_place",
                              entities=turn.entities, lang=turn.lang)
            return answer_nearest_office(place_turn, explicit_request=False)
        turn.say("greet", buttons=turn.menu())
        return []


class ActionGoodbye(BotAction):
    """Says goodbye with the call centre."""

    action_name = "action_goodbye"
    intents = ("goodbye",)

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("goodbye")
        return []


class ActionThanks(BotAction):
    """Answers thanks."""

    action_name = "action_thanks"
    intents = ("thanks",)

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("thanks")
        return []


class ActionBotChallenge(BotAction):
    """Says it is a bot and how to reach a person."""

    action_name = "action_bot_challenge"
    intents = ("bot_challenge",)

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("bot_challenge")
        return []


class ActionHelp(BotAction):
    """The help menu, with buttons."""

    action_name = "action_help"
    intents = ("ask_help",)

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("help", buttons=turn.menu())
        return []


class ActionBpjsKesehatan(BotAction):
    """BPJS Kesehatan is a different agency."""

    action_name = "action_bpjs_kesehatan"
    intents = ("ask_bpjs_kesehatan",)

    def respond(self, turn: Turn) -> List[EventType]:
        turn.say("bpjs_kesehatan", note=turn.facts["bpjs_kesehatan"]["note"][turn.lang])
        return []


# Words of a question about social security ("jaminan pensiun", "iuran jkp", "bpjs tk"): out of
# scope for the facts file, but the organisation's to answer — the bot says it has no data.
ABOUT_SOCIAL_SECURITY = re.compile(
    r"\b(bpjs|bpjstk|bpjamsostek|jamsostek|ketenagakerjaan|jaminan|pensiun|iuran|klaim|"
    r"peserta|kepesertaan|pesangon|pension|contributions?|claims?|social security)\b", re.I)


def answer_another_year(turn: Turn) -> Optional[List[EventType]]:
    """A short message the model did not place that asks for another year after a BSU answer
    ("kalau 2026?", "klo thn ini?", "and in 2022?"): the BSU answer for that year (actions/bsu.py);
    None after another topic, without a year or in a message longer than a follow-up."""
    if turn.tracker.get_slot("topic") != "bsu" or asked_year(turn.text) is None \
            or not faq.is_follow_up_length(turn.text):
        return None
    return ActionBsuYear().answer(Turn(turn.dispatcher, turn.tracker, text=turn.text,
                                       intent="ask_bsu_year", lang=turn.lang))


class ActionOutOfScope(BotAction):
    """Says what the bot can do, with the call centre; a question about social security that the
    facts do not cover gets 'not in my data' and where to ask."""

    action_name = "action_out_of_scope"
    intents = ("out_of_scope",)

    def respond(self, turn: Turn) -> List[EventType]:
        found = places.resolve(turn.text)
        if found.status != "none" and found.essential:  # "78557", "kalau di Kuching?"
            return answer_nearest_office(turn, explicit_request=False)
        another_year = answer_another_year(turn)
        if another_year is not None:
            return another_year
        known = faq.answer_unplaced(turn)
        if known is not None:
            return known
        turn.say("out_of_scope_org" if ABOUT_SOCIAL_SECURITY.search(turn.text) else "out_of_scope",
                 buttons=turn.menu())
        return []


# Intents whose answers agree where their questions meet: a message the model cannot decide
# between two of one group ("who was eligible for the BSU in 2025?": the BSU rules, or BSU 2025,
# which both answer with 2025) is answered with the first, not sent to the fallback.
AGREEING_INTENTS = [{"ask_bsu_rules", "ask_bsu_year"}]
# the FallbackClassifier's threshold (config.yml): below it the model is not sure of any intent
AGREEING_MIN_CONFIDENCE = 0.45


def placed_ranking(turn: Turn) -> List[Dict[str, Any]]:
    """The model's intent ranking of the latest message without the fallback, best first."""
    return [r for r in (turn.tracker.latest_message or {}).get("intent_ranking") or []
            if r.get("name") != "nlu_fallback"]


def agreed_intent(turn: Turn) -> Optional[str]:
    """The best intent when the fallback came only from a tie between two agreeing intents."""
    ranking = placed_ranking(turn)
    if len(ranking) < 2 or (ranking[0].get("confidence") or 0) < AGREEING_MIN_CONFIDENCE:
        return None
    pair = {ranking[0].get("name"), ranking[1].get("name")}
    return ranking[0]["name"] if any(pair <= group for group in AGREEING_INTENTS) else None


# Office intents the model could not decide between ("kantor bpjs tk dimane bah?": office details
# 0.36, nearest office 0.34): together at least AGREEING_MIN_CONFIDENCE, the message asks where an
# office is, answered by the nearest office (for the place of the conversation, else it asks).
OFFICE_INTENTS = {"ask_office_details", "ask_nearest_office", "ask_offices"}


# An office named in so many words (not "bpjs", which every question names).
OFFICE_NOUNS = {"kantor", "kntr", "kantornya", "cabang", "office", "offices", "branch"}


def office_question(turn: Turn, names_a_place: bool = False) -> bool:
    """Whether the model's two best intents (the fallback left out) are office intents that
    together reach AGREEING_MIN_CONFIDENCE; or, for a message that names a Kalbar place
    (`names_a_place`), whether its best one is an office intent and it names an office ("Is there
    a BPJS office in <town>? I live in <regency>": office details 0.35)."""
    ranking = placed_ranking(turn)[:2]
    if names_a_place and ranking and ranking[0].get("name") in OFFICE_INTENTS \
            and OFFICE_NOUNS & set(places.normalise(turn.text)):
        return True
    return len(ranking) == 2 and {r.get("name") for r in ranking} <= OFFICE_INTENTS \
        and sum(r.get("confidence") or 0 for r in ranking) >= AGREEING_MIN_CONFIDENCE


class ActionFallback(BotAction):
    """A message the bot did not understand. The nearest office only when the bot had asked for a
    place or the message is essentially a place ("sy di sungai pinyuh"); an unclear message that
    merely names a place gets the office for that place as a button, with the menu; a message the
    model placed between office intents (`office_question`), the nearest office; anything else,
    what the bot can do."""

    action_name = "action_fallback"

    def respond(self, turn: Turn) -> List[EventType]:
        intent = agreed_intent(turn)
        if intent:
            import_all_actions()
            return ACTIONS_BY_INTENT[intent]().answer(
                Turn(turn.dispatcher, turn.tracker, intent=intent, lang=turn.lang))
        # "klinik X plkk bukan": a facility named with PLKK gets the list's answer
        if plkk.mentions(turn.text, [turn.values["plkk"].lower()]) and plkk.answer_named(turn):
            return []
        if turn.tracker.get_slot("awaiting_place"):
            return answer_nearest_office(turn, explicit_request=False)
        another_year = answer_another_year(turn)
        if another_year is not None:
            return another_year
        found = places.resolve(turn.text)
        if found.status != "none" and found.essential:
            return answer_nearest_office(turn, explicit_request=False)
        known = faq.answer_unplaced(turn)
        if known is not None:
            return known
        if office_question(turn, names_a_place=found.status == "found"):
            import_all_actions()
            return ACTIONS_BY_INTENT["ask_nearest_office"]().answer(
                Turn(turn.dispatcher, turn.tracker, intent="ask_nearest_office", lang=turn.lang))
        if found.status == "found":
            place = found.places[0]
            offer = {"title": turn.render("fallback_office_offer", place=place_label(place)),
                     "payload": "/inform_place" + json.dumps({"place": place.code})}
            turn.say("fallback", buttons=[offer] + turn.menu())
            return []
        turn.say("fallback", buttons=turn.menu())
        return []

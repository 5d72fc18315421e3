"""Answers that are one template filled from the facts file: JHT, work-accident and death
benefits, informal and migrant workers, JMO account trouble, hoaxes, official channels and
complaints (FACTS.md section 5), and office opening hours, addresses and phones.

A template `answer.<intent>` in actions/replies.yml is the answer to that intent: adding a FAQ
answer takes facts in data/facts.yml, the template, NLU examples, the intent in domain.yml and a
rule to `action_answer` — no Python. When the question names a place in Kalbar, the nearest
office is added (complaints, data updates and claims are done there).
"""

import re
from typing import Any, Dict, List, Optional, Set

from rasa_sdk.events import EventType

from actions import places, replies
from actions.base import BotAction, Turn
from actions.gazetteer import origin
from actions.offices import (map_url, office_details, office_label, place_label,
                             place_office_text, ranked_offices, remembered_place)

PREFIX = "answer."
# a host name in a message: "http://bsu-cair.xyz/cek", "lapakasik.bpjsketenagakerjaan.go.id"
HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?=[/\s?!,:]|$)", re.I)


def official_hosts(facts: Dict[str, Any]) -> Set[str]:
    """The web addresses the facts file names as official (lower case)."""
    return {facts["jht"]["lapak_asik"].lower(), facts["bsu_info"]["official_site"].lower(),
            facts["official_channels"]["website"].lower()}


def hosts_in(text: str) -> List[str]:
    """The host names a message mentions, lower case, e-mail domains left out."""
    return [m.group(1).lower() for m in HOST.finditer(text)
            if m.start() == 0 or text[m.start() - 1] != "@"]


def nearest_office_line(turn: Turn) -> Optional[str]:
    """The nearest office to the Kalbar place the question names, or None."""
    found = places.resolve(turn.text)
    if found.status != "found":
        return None
    place = found.places[0]
    return place_office_text(turn, place, place_label(place))


# "Syaratnya apa? / dokumennya apa aja?" after an FAQ answer: the FAQ intent whose answer lists
# the requirements of the conversation's topic (the intent of the last FAQ answer). An FAQ topic
# not listed here has no requirements in the facts file: `requirements_unknown` says so.
REQUIREMENTS_BY_TOPIC = {
    "ask_jht": "ask_jht_documents", "ask_jht_payout": "ask_jht_documents",
    "ask_jht_documents": "ask_jht_documents", "ask_jht_claim": "ask_jht_documents",
    "ask_jht_partial": "ask_jht_documents", "ask_scholarship": "ask_scholarship",
    "ask_bpu": "ask_register", "ask_register": "ask_register",
    "ask_migrant_worker": "ask_migrant_worker",
}
# "Brp? / iurannya brp?" after an FAQ answer whose facts are amounts: that answer again.
AMOUNTS_BY_TOPIC = {topic: topic for topic in (
    "ask_bpu", "ask_jkk", "ask_death_benefit", "ask_scholarship", "ask_jht_partial")}
# FAQ intents that are a requirements question; without a topic word they lean on the topic of
# the conversation ("dokumennya apa aja" after the death benefit is not about JHT).
# intent -> its topic words besides the abbreviation in the facts file
REQUIREMENT_INTENTS = {"ask_jht_documents": ("hari tua",)}


def answer_as(turn: Turn, intent: str) -> None:
    """Sends the FAQ answer of `intent` to the turn's message (a follow-up on a topic)."""
    ActionAnswer().respond(Turn(turn.dispatcher, turn.tracker, text=turn.text, intent=intent,
                                entities=turn.entities, lang=turn.lang))


def amounts_answer(turn: Turn, topic: Optional[str]) -> bool:
    """Answers 'how much?' after an FAQ answer with amounts; False for any other topic."""
    intent = AMOUNTS_BY_TOPIC.get(topic or "")
    if intent:
        answer_as(turn, intent)
    return bool(intent)


def requirements_answer(turn: Turn, topic: Optional[str]) -> bool:
    """Answers a requirements follow-up for an FAQ `topic`; False when `topic` is not one."""
    if topic not in ActionAnswer.intents:
        return False
    intent = REQUIREMENTS_BY_TOPIC.get(topic)
    if intent:
        answer_as(turn, intent)
    else:
        turn.say("requirements_unknown")
    return True


def leaning_topic(turn: Turn) -> Optional[str]:
    """The conversation's FAQ topic when the question is a requirements question that names no
    topic of its own and the conversation is about another topic; else None."""
    own_topic = REQUIREMENT_INTENTS.get(turn.intent or "")
    topic = turn.tracker.get_slot("topic")
    if own_topic is None or topic not in ActionAnswer.intents or topic == turn.intent:
        return None
    if REQUIREMENTS_BY_TOPIC.get(topic) == turn.intent:
        return None
    topic_words = [turn.facts["jht"]["abbreviation"], *own_topic]
    if any(word.lower() in turn.text.lower() for word in topic_words):
        return None
    return topic


class ActionAnswer(BotAction):
    """The answer to a FAQ intent: its `answer.<intent>` template, plus the nearest office when
    the question names a place."""

    action_name = "action_answer"
    merge_questions = False
    intents = tuple(name[len(PREFIX):] for name in replies.templates() if name.startswith(PREFIX))

    def topic_of(self, turn: Turn) -> Optional[str]:
        return leaning_topic(turn) or turn.intent

    def respond(self, turn: Turn) -> List[EventType]:
        topic = leaning_topic(turn)
        if topic:
            requirements_answer(turn, topic)
            return []
        hosts = hosts_in(turn.text) if turn.intent == "report_hoax" else []
        if hosts and set(hosts) <= official_hosts(turn.facts):
            turn.say("hoax_official_site", site=replies.join(sorted(set(hosts)), turn.lang))
            return []
        text = turn.render(PREFIX + turn.intent)
        office = nearest_office_line(turn)
        turn.say_text(f"{text}\n\n{office}" if office else text)
        return []


class ActionOfficeDetails(BotAction):
    """Opening hours, address and phone of the office for the place named (the details the facts
    file has, else 'not in my data yet' and the call centre), with the office's map link (where
    it is, which a question on its address also asks); without a place, for all offices."""

    action_name = "action_office_details"
    topic = "offices"
    intents = ("ask_office_details",)

    def respond(self, turn: Turn) -> List[EventType]:
        found = places.resolve(turn.text, expecting_place=True)
        place = found.places[0] if found.status == "found" else remembered_place(turn)
        if place is None:
            known = [(o, office_details(turn, o)) for o in turn.facts["offices"]["list"]]
            known = [(o, details) for o, details in known if details]
            if not known:
                turn.say("office_details_any")
                return []
            as_of = replies.month_year(turn.facts["offices"]["details_as_of"], turn.lang)
            lines = [turn.render("office_details_all", as_of=as_of)]
            lines += ["- " + turn.render("office_named_details", office=office_label(turn, o),
                                         details=details) for o, details in known]
            if len(known) < len(turn.facts["offices"]["list"]):
                lines.append(turn.render("office_details_others"))
            turn.say_text("\n".join(lines))
            return []
        point = origin(place)
        _, office = ranked_offices(turn.facts, point.lat, point.lon)[0]
        label = office_label(turn, office)
        details = office_details(turn, office)
        text = turn.render("office_named_details", office=label, details=details) if details \
            else turn.render("office_details_unknown", office=label)
        turn.say_text(f"{text}\n{turn.render('map_link', url=map_url(office))}")
        if found.status != "found":  # "jam bukanya?" after "sy di sungai pinyuh"
            turn.say("place_remembered", place=place_label(place))
        return []

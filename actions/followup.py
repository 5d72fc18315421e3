"""Follow-up questions that lean on the topic of the conversation ("di kalbar ada berapa?",
"syaratnya apa?")."""

import re
from typing import List, Optional

from rasa_sdk.events import EventType, SlotSet

from actions.answers import (AMOUNTS_BY_TOPIC, REQUIREMENTS_BY_TOPIC, ActionAnswer,
                             ActionOfficeDetails, amounts_answer, requirements_answer)
from actions.base import ROUTERS, BotAction, Turn
from actions.bsu import ActionBsuKalbar, ActionBsuRules
from actions.coverage import ActionCoverage
from actions.faq import (UNSURE_CONFIDENCE, ActionKnowledge, answer_follow_up_of_question,
                         has_follow_up_answer, intent_confidence, is_follow_up_length, last_entry)
from actions.knowledge import get_knowledge
from actions.jmo import ActionJmo
from actions.offices import ActionNearestOffice, ActionOffices, answer_nearest_office
from actions.plkk import ActionPlkkCount, ActionPlkkFind, ActionPlkkTreatment, mentions
from actions.small_talk import ActionHelp

# Words that name a topic in a follow-up, besides the abbreviations in the facts file.
TOPIC_WORDS = {
    "plkk": ["faskes", "rumah sakit", "rs", "puskesmas", "klinik", "hospital", "hospitals"],
    "bsu": ["subsidi upah", "subsidi", "bantuan upah", "wage subsidy"],
    "jmo": ["aplikasi", "app"],
    "offices": ["kantor", "kntr", "cabang", "unit layanan", "office", "offices"],
    "coverage": ["cakupan", "coverage", "persen", "percent"],
}

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


def named_topic(turn: Turn) -> Optional[str]:
    """The topic a follow-up names itself ("kalau plkk ada berapa?"): it beats the topic of the
    conversation. Words: the abbreviations of the facts file and TOPIC_WORDS."""
    words = {"plkk": [turn.facts["plkk"]["abbreviation"], *TOPIC_WORDS["plkk"]],
             "bsu": [turn.facts["bsu"]["abbreviation"], *TOPIC_WORDS["bsu"]],
             "jmo": [turn.facts["jmo"]["abbreviation"], *TOPIC_WORDS["jmo"]],
             "offices": TOPIC_WORDS["offices"], "coverage": TOPIC_WORDS["coverage"]}
    scored = [(mentions(turn.text, [w.lower() for w in keywords]), topic)
              for topic, keywords in words.items()]
    score, topic = max(scored)
    return topic if score else None


class ActionHowMany(BotAction):
    """'How many?' answered for the topic the message names, else the topic of the conversation
    (an FAQ answer with amounts is given again), else the entry that answers it with the question
    before, or a question back (a question the user got no answer to, a busy reply, sets no topic:
    tests/test_faults.py)."""

    action_name = "action_how_many"
    intents = ("ask_how_many",)
    leans_on_topic = True

    def has_answer(self, turn: Turn) -> bool:
        topic = named_topic(turn) or turn.tracker.get_slot("topic")
        return topic in AMOUNTS_BY_TOPIC or topic in COUNT_ANSWERS or has_follow_up_answer(turn)

    def respond(self, turn: Turn) -> List[EventType]:
        topic = named_topic(turn) or turn.tracker.get_slot("topic")
        # "brp lama cairnya?" asks a duration, which the amounts do not say (a fresh-user trial,
        # 2026-12-07: the scholarship's amounts again): the entry with the question before
        if not DURATION.search(turn.text) and amounts_answer(turn, topic):
            return []
        if topic == "bsu" and AMOUNT_PER_WORKER.search(turn.text) \
                and not PEOPLE_COUNTED.search(turn.text):
            # "how much is it?" after who gets BSU: what a worker got, not the Kalbar totals (a
            # fresh-user trial, 2026-12-07)
            return ActionBsuRules().respond(turn)
        answer = COUNT_ANSWERS.get(topic)
        if answer:
            return answer().respond(turn)
        # "how much must I pay?" after a question of the knowledge base's (the migrant workers'
        # membership): the entry, else the honest reply on that topic with its close entries,
        # not "a count of what?"
        answered = answer_follow_up_of_question(turn, honest=True)
        if answered is not None:
            return answered
        buttons = [{"title": turn.render(title), "payload": payload} for title, payload in COUNT_MENU]
        turn.say("how_many_which", buttons=buttons)
        return []


# What one worker gets asked ("how much is it?", "dapetnya brp?"), not how many got it
AMOUNT_PER_WORKER = re.compile(r"\b(how much|nominal\w*|besaran\w*|besarnya|dapat\w*|dapet\w*|dpt|"
                               r"uang\w*|duit\w*|amount|get|receive|terima)\b", re.IGNORECASE)
# ... unless it counts the people who got it ("brp orang yg dapat bsu di kalbar?")
PEOPLE_COUNTED = re.compile(r"\b(orang|org|pekerja|penerima|people|workers|recipients|total|"
                            r"jumlah|many)\b", re.IGNORECASE)
# A duration asked ("brp lama?", "how long?"), not an amount
DURATION = re.compile(r"\b(lama|lame|long|berapa hari|brp hari|how many days)\b", re.IGNORECASE)
# Question words that ask where, when, who or how, never "how many?" ("bayarnye dimane?" after
# the BPU fee had "how many" second at 0.31 and got the fee again).
NOT_A_COUNT = re.compile(r"\b(di ?mana|di ?mane|ke ?mana|ke ?mane|dmn|kapan|siapa|sape|"
                         r"gimana|gmn|gmana|bagaimana|camane|cemane|cara\w*|where|when|who|"
                         r"how (do|can|to|long))\b", re.IGNORECASE)


def route_how_many(action: BotAction, turn: Turn) -> Optional[List[EventType]]:
    """A short message that names no topic, placed with low confidence on another topic's
    question with "how many?" among the model's next guesses ("total di kalbar?" after what a PLKK
    is: BSU in Kalbar at 0.48, then "how many"): "how many?" for the topic of the conversation,
    unless it asks where, when, who or how (NOT_A_COUNT). None otherwise (a router of
    BotAction.answer)."""
    topic = turn.tracker.get_slot("topic")
    if action.leans_on_topic or turn.intent == "ask_how_many" or not topic \
            or topic == action.topic_of(turn) or not is_follow_up_length(turn.text) \
            or intent_confidence(turn) >= UNSURE_CONFIDENCE or NOT_A_COUNT.search(turn.text):
        return None
    ranking = (turn.tracker.latest_message or {}).get("intent_ranking") or []
    if "ask_how_many" not in [r.get("name") for r in ranking[:3]] \
            or named_topic(turn) or get_knowledge().named_topic(turn.text):
        return None
    how_many = Turn(turn.dispatcher, turn.tracker, text=turn.text, intent="ask_how_many",
                    entities=turn.entities, lang=turn.lang)
    if not ActionHowMany().has_answer(how_many):
        return None
    return ActionHowMany().answer(how_many)


ROUTERS.append(route_how_many)


# Intent answers whose requirements a knowledge entry states ("syaratnya apa?" after the partial
# JHT withdrawal: the documents of a partial claim, not those of a resignation; after the BPU fee
# and sign-up: who may join as BPU, not the JMO sign-up steps, a fresh-user trial, 2026-12-07).
REQUIREMENTS_ENTRY_BY_TOPIC = {"ask_jht_partial": "jht_documents_partial_claim",
                               "ask_scholarship": "jkm_scholarship_documents",
                               "ask_bpu": "bpu_registration_requirements"}
# A requirement asked as a number ("how many years member needed?", "minimal brp thn?"): the
# amounts of the topic answer it, not its documents.
COUNT_QUESTION = re.compile(r"\b(how (many|much|long)|berapa|brp|berape|brapa)\b", re.IGNORECASE)
# How far an office is asked right after an office answer ("jauh gk dari sini?", "how far is
# it?", "brp km?"): the model knows no such intent (out of scope, a fresh-user trial, 2026-12-07).
DISTANCE_QUESTION = re.compile(r"\b(jauh\w*|dekat\w*|deket\w*|far|distance|jarak\w*|km|kilo\w*)\b",
                               re.IGNORECASE)


def route_office_distance(action: BotAction, turn: Turn) -> Optional[List[EventType]]:
    """The nearest office again, with its distance, for a short question of how far it is after
    an office answer: from the place the message names, else the place the user gave before,
    else the question where the user is (answer_nearest_office); None otherwise (a router of
    BotAction.answer)."""
    if turn.tracker.get_slot("topic") != "offices" or not is_follow_up_length(turn.text) \
            or isinstance(action, (ActionNearestOffice, ActionPlkkFind, ActionPlkkCount,
                                   ActionPlkkTreatment)) \
            or not DISTANCE_QUESTION.search(turn.text):
        return None
    return [SlotSet("topic", "offices")] + answer_nearest_office(turn, explicit_request=True)


ROUTERS.insert(0, route_office_distance)  # before the knowledge base's honest reply


# Intents that a short "dokumennya apa aja?" / "what documents needed?" is placed in: the model
# knows it as the JHT claim documents, whose answer is the documents of a resignation.
DOCUMENT_INTENTS = {"ask_jht_documents"}


def route_documents_of_answer(action: BotAction, turn: Turn) -> Optional[List[EventType]]:
    """The entry that states the requirements of the last answer (REQUIREMENTS_ENTRY_BY_TOPIC
    for an intent's answer, the `requirements` link of a knowledge entry) for a short message of
    DOCUMENT_INTENTS that names no topic ("what documents needed" after the partial JHT
    withdrawal: the documents of a partial claim, not of a resignation; a fresh-user trial,
    2026-12-07); None otherwise (a router of BotAction.answer, before the knowledge base's)."""
    if isinstance(action, ActionKnowledge) or turn.intent not in DOCUMENT_INTENTS \
            or not is_follow_up_length(turn.text) or get_knowledge().named_topic(turn.text):
        return None
    last = last_entry(turn)
    entry_id = last.requirements if last is not None \
        else REQUIREMENTS_ENTRY_BY_TOPIC.get(turn.tracker.get_slot("topic") or "")
    entry = get_knowledge().by_id.get(entry_id or "")
    return ActionKnowledge(entry).answer(turn) if entry is not None else None


ROUTERS.insert(0, route_documents_of_answer)  # before the knowledge base's follow-up reading


# The action that answers "what are the requirements?" for each topic.
REQUIREMENT_ANSWERS = {
    "bsu": ActionBsuRules,
    "plkk": ActionPlkkTreatment,
    "jmo": ActionJmo,
}


class ActionRequirements(BotAction):
    """'What are the requirements?' answered for the topic of the conversation (an FAQ topic:
    actions/answers.py, the knowledge entry that answers it with the question before when that
    topic has no requirements answer of its own), else for the question before (the entry, or
    the honest reply on its topic), else the menu."""

    action_name = "action_requirements"
    intents = ("ask_requirements",)
    leans_on_topic = True

    def has_answer(self, turn: Turn) -> bool:
        topic = named_topic(turn) or turn.tracker.get_slot("topic")
        return topic in ActionAnswer.intents or topic in REQUIREMENT_ANSWERS \
            or has_follow_up_answer(turn)

    def respond(self, turn: Turn) -> List[EventType]:
        if COUNT_QUESTION.search(turn.text) and ActionHowMany().has_answer(turn):
            # "how many years member needed?" after the partial withdrawal: the years its
            # answer states, not the documents (a fresh-user trial, 2026-12-07)
            return ActionHowMany().respond(turn)
        topic = named_topic(turn) or turn.tracker.get_slot("topic")
        entry = get_knowledge().by_id.get(REQUIREMENTS_ENTRY_BY_TOPIC.get(topic or ""))
        if entry is not None:
            return ActionKnowledge(entry).answer(turn)
        knowledge_first = topic not in REQUIREMENT_ANSWERS and (
            topic not in ActionAnswer.intents or topic not in REQUIREMENTS_BY_TOPIC)
        if knowledge_first:
            # no requirements answer of its own (the death benefit, or no topic): the entry that
            # answers "syaratnya?" with the question before, else the honest reply on that
            # question's topic with the close entries as buttons, before "not in my data"
            answered = answer_follow_up_of_question(turn, honest=True)
            if answered is not None:
                return answered
        if requirements_answer(turn, topic):
            return []
        return REQUIREMENT_ANSWERS.get(topic, ActionHelp)().respond(turn)


# What an office's own details are asked with ("alamatnye ape?", "what's their phone number?").
OFFICE_DETAIL = re.compile(r"\b(alamat\w*|address|telp\w*|telepon\w*|telefon\w*|phone|"
                           r"jam (buka|layanan|kerja|operasional)\w*|buka (jam|hari)\w*|"
                           r"opening (hours|times)|office hours|what time)\b", re.IGNORECASE)
# What the names of the PLKK facilities are asked with ("nama rumah sakitnye ape?", "rs nya apa
# aja?", "which hospitals?").
PLKK_NAMES = re.compile(r"\b(nama\w*|names?|daftar\w*|list|(apa|mana|mane|ape) (aja|saja|jak)|"
                        r"which (ones|hospitals?|clinics?)|what are they)\b", re.IGNORECASE)
# A short message asking one of these right after an answer on the topic, whatever intent the
# model chose, gets the action that answers it: (topic slot, words, action, whether the message
# may name a knowledge topic). "alamatnye ape?" after the nearest office went to the contact
# channels (0.6): the office's details, or that they are not in the data; "rs nya apa aja?"
# after the Kalbar PLKK count went to the fallback and then to the migrant workers: how to find
# a PLKK, with the names where the facility list has them (fresh-user trials, 2026-12-07).
TOPIC_DETAIL_ROUTES = [("offices", OFFICE_DETAIL, ActionOfficeDetails, True),
                       ("plkk", PLKK_NAMES, ActionPlkkFind, False)]


def route_topic_details(action: BotAction, turn: Turn) -> Optional[List[EventType]]:
    """The action of TOPIC_DETAIL_ROUTES for a short follow-up asking a detail of the topic of
    the conversation; None otherwise (a router of BotAction.answer)."""
    topic = turn.tracker.get_slot("topic")
    for route_topic, words, answer, may_name_topic in TOPIC_DETAIL_ROUTES:
        if topic == route_topic and not isinstance(action, answer) \
                and is_follow_up_length(turn.text) and words.search(turn.text) \
                and (may_name_topic or not get_knowledge().named_topic(turn.text)):
            return answer().answer(turn)
    return None


ROUTERS.append(route_topic_details)

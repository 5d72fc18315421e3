"""What every custom action shares: the turn's language, the facts, sending replies, and
answering several questions of one message in one reply."""

import functools
import importlib
import os
import pkgutil
import re
from datetime import date
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.facts import get_facts
from actions.language import detect_language, requested_language

# Rasa cuts a longer message to this many characters before NLU and marks it in the message's
# metadata (`truncated_from`, see rasa_runtime/input_limits.py, same limit): the action answers the
# cut question and says it read only the beginning.
MAX_MESSAGE_CHARS = 2000

# Help-menu buttons: (template of the title, payload).
MENU = [
    ("menu_nearest_office", "/ask_nearest_office"),
    ("menu_offices", "/ask_offices"),
    ("menu_plkk_definition", "/ask_plkk_definition"),
    ("menu_plkk_count", "/ask_plkk_count"),
    ("menu_jmo", "/ask_jmo"),
    ("menu_bsu_kalbar", "/ask_bsu_kalbar"),
]


# Metadata key under which Rasa lists the questions of a message (rasa_runtime/questions.py).
QUESTIONS = "questions"
# Metadata key under which Rasa lists the personal data it masked in a message ("NIK", "TELEPON",
# ... see rasa_runtime/masking.py): the first such message of a conversation gets `privacy_note`.
MASKED = "masked"
# Metadata key of the busy reply's bot event (rasa_runtime/action_guard.py): the action server was
# down and the user got no answer to the message before it.
BUSY = "service_busy"
# Metadata key of a message answered again in the language the user asked for (`answer_again_in`).
REPLY_LANGUAGE = "reply_language"
# Actions whose message was small talk, not a question to answer again in another language
# ("ok sip" -> "you're welcome", then "pake bahasa inggris dong": the question before it).
NOT_QUESTION_ACTIONS = {"action_greet", "action_thanks", "action_goodbye"}
# Slots that hold a pending "which place?" question; forgotten when the user changes topic.
PLACE_QUESTION_SLOTS = ("place_candidates", "awaiting_place")


def today() -> date:
    """Today's date; BOT_TODAY=YYYY-MM-DD fakes it (tests of "this year")."""
    faked = os.environ.get("BOT_TODAY")
    return date.fromisoformat(faked) if faked else date.today()


class Turn:
    """One answer being written: the user's text, intent, entities and language, the facts, the
    dispatcher. `text`, `intent` and `entities` default to the latest message; one question of a
    message with several is a Turn of its own."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: Optional[str] = None,
                 intent: Optional[str] = None, entities: Optional[List[Dict[str, Any]]] = None,
                 lang: Optional[str] = None, before: Optional[str] = None) -> None:
        latest = tracker.latest_message or {}
        metadata = latest.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        self.dispatcher = dispatcher
        self.tracker = tracker
        # the question answered just before this one in the same message, when this Turn is one
        # question of several ("jht bisa diambil sebagian? syaratnya apa?"): a follow-up leans on it
        self.before = before
        self.facts = get_facts()
        self.text: str = text if text is not None else latest.get("text") or ""
        self.intent: Optional[str] = intent or (latest.get("intent") or {}).get("name")
        self.entities: List[Dict[str, Any]] = (entities if entities is not None
                                               else latest.get("entities") or [])
        self.lang = lang or metadata.get(REPLY_LANGUAGE) \
            or detect_language(self.text, tracker.get_slot("language"))
        self.truncated_from = metadata.get("truncated_from")
        self.questions: List[Dict[str, Any]] = metadata.get(QUESTIONS) or []
        self.masked: List[str] = metadata.get(MASKED) or []
        self.values = self._common_values()

    def _common_values(self) -> Dict[str, Any]:
        f = self.facts
        return {
            "org": f["organisation"]["name"],
            "region": f["organisation"]["region"],
            "call_centre": f["contacts"]["call_centre"],
            "plkk": f["plkk"]["abbreviation"],
            "plkk_name": f["plkk"]["name"],
            "jmo": f["jmo"]["abbreviation"],
            "jmo_name": f["jmo"]["name"],
            "bsu": f["bsu"]["abbreviation"],
            "bsu_name": f["bsu"]["name"],
        }

    def render(self, template: str, /, **values: Any) -> str:
        """A template in the turn's language, filled with the common facts and `values`."""
        return replies.render(template, self.lang, self.facts, **{**self.values, **values})

    def say(self, template: str, /, buttons: Optional[List[Dict[str, str]]] = None, **values: Any) -> None:
        """Sends one message built from a template."""
        self.dispatcher.utter_message(text=self.render(template, **values), buttons=buttons or [])

    def say_text(self, text: str, buttons: Optional[List[Dict[str, str]]] = None) -> None:
        """Sends a message already built from templates."""
        self.dispatcher.utter_message(text=text, buttons=buttons or [])

    def menu(self) -> List[Dict[str, str]]:
        """The help-menu buttons in the turn's language."""
        return [{"title": self.render(title), "payload": payload} for title, payload in MENU]

    def as_of(self, section: Dict[str, Any]) -> str:
        """The month a fact was true, in the turn's language ('Januari 2023')."""
        return replies.month_year(section["as_of"], self.lang)


# Functions (action, turn) -> events or None that may answer a turn instead of the action its
# intent maps to: the knowledge base (actions/faq.py) registers itself here.
ROUTERS: List[Callable[["BotAction", "Turn"], Optional[List[EventType]]]] = []

# Functions (turn, intent of the one question found inside the message, rasa_runtime/questions.py)
# -> bool: whether the whole message has an answer of its own, so that this question is not
# answered alone: the knowledge base (actions/faq.py) registers itself here.
WHOLE_MESSAGE_ANSWERS: List[Callable[["Turn", str], bool]] = []

# intent -> the action class that answers it (filled by BotAction subclasses' `intents`)
ACTIONS_BY_INTENT: Dict[str, Type["BotAction"]] = {}
# action name -> its class (the fallback actions answer no intent of their own)
ACTIONS_BY_NAME: Dict[str, Type["BotAction"]] = {}


class BotAction(Action):
    """A custom action that answers one topic; subclasses set `action_name`, `topic` and the
    `intents` their rules map to them (used to answer each question of a message)."""

    action_name = ""
    topic: Optional[str] = None
    intents: Tuple[str, ...] = ()
    # whether two questions of one message for this action are one question ("sy di ngabang.
    # kantor dmn?"); an action with one answer per intent sets False
    merge_questions = True
    # whether the answer leans on the topic of the question before it ("iurannya brp?"): such a
    # question in a message of several is answered on the previous question's topic, never merged
    leans_on_topic = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for intent in cls.__dict__.get("intents", ()):
            ACTIONS_BY_INTENT[intent] = cls
        if cls.__dict__.get("action_name"):
            ACTIONS_BY_NAME[cls.action_name] = cls

    def name(self) -> str:
        return self.action_name

    def topic_of(self, turn: "Turn") -> Optional[str]:
        """The topic this answer sets for follow-ups (`topic` unless a subclass knows better)."""
        return self.topic

    def respond(self, turn: Turn) -> List[EventType]:
        """Sends the answer; returns extra events (slots)."""
        raise NotImplementedError

    def has_answer(self, turn: Turn) -> bool:
        """Whether the action has an answer of its own for the turn (a follow-up on a topic it
        knows nothing more about has none; left out of a message of several questions)."""
        return True

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn(dispatcher, tracker)
        if turn.truncated_from:
            turn.say("message_cut", limit=replies.number(MAX_MESSAGE_CHARS, turn.lang))
        if turn.masked and first_masked_message(tracker):
            turn.say("privacy_note")
        if not re.search(r"\w", turn.text):  # empty, blanks, emoji or punctuation only
            turn.say("empty_message", buttons=turn.menu())
            return [SlotSet("language", turn.lang)]
        if re.search(r"[^\W\d_]", turn.text) and not re.search(r"[A-Za-z]", turn.text):
            # words, but none in Latin letters (Arabic, Chinese...): not Indonesian or English,
            # whatever intent the model guessed
            turn.say("fallback", buttons=turn.menu())
            return [SlotSet("language", turn.lang)]
        asked = requested_language(turn.text)
        if asked:  # "and in English please?": the answer before again, in that language
            return await answer_again_in(turn, asked, domain)
        plan = question_plan(turn) if turn.questions else []
        if len(plan) == 1 and any(answers(turn, plan[0][1]["intent"])
                                  for answers in WHOLE_MESSAGE_ANSWERS):
            plan = []  # "biaya rs kadung dibayar bpjs kesehatan. santunan tetap bisa diklaim?"
        if len(plan) > 1 or (plan and plan[0][0] is not type(self)):
            # several questions, or one question inside a message that as a whole is out of
            # scope or not understood (rasa_runtime/questions.py)
            events = answer_questions(turn, plan)
        else:
            events = [SlotSet("language", turn.lang)] + self.answer(turn)
        return events + remember_place(turn, events)

    def answer(self, turn: Turn) -> List[EventType]:
        """respond(), then the topic slot; a new topic forgets a pending place question. A router
        (ROUTERS: the knowledge base) may answer the turn instead."""
        import_all_actions()  # the routers register themselves when their module is imported
        for router in ROUTERS:
            routed = router(self, turn)
            if routed is not None:
                return routed
        events = list(self.respond(turn) or [])
        topic = self.topic_of(turn)
        if topic:
            events.insert(0, SlotSet("topic", topic))
            if topic != "offices" and not any(e.get("name") in PLACE_QUESTION_SLOTS for e in events):
                events[1:1] = [SlotSet("place_candidates", None), SlotSet("awaiting_place", False)]
        return events


async def answer_again_in(turn: Turn, lang: str, domain: Dict[str, Any]) -> List[EventType]:
    """The reply to a message that only asks for another language (`requested_language`): the
    user's last question before it answered again, in `lang`, by the action that answered it
    then, as it was answered then (the slots and events of that moment, `tracker_at_question`);
    when there is none, where to start, in `lang`."""
    turn.lang = lang
    found = tracker_at_question(turn.tracker)
    import_all_actions()
    action = ACTIONS_BY_NAME.get(found[1]) if found else None
    if action is None:
        turn.say("language_switched_ask", buttons=turn.menu())
        return [SlotSet("language", lang)]
    past = found[0]
    turn.say("language_switched")
    past.latest_message.setdefault("metadata", {})[REPLY_LANGUAGE] = lang
    return await action().run(turn.dispatcher, past, domain)


def tracker_at_question(tracker: Tracker) -> Optional[Tuple[Tracker, str]]:
    """(tracker, action name): the tracker as it was when the user's latest question before this
    message was answered (a message that only asks for a language, or small talk answered by
    NOT_QUESTION_ACTIONS, is not a question) — its events up to that message, the slots those
    events had set, that message as the latest — and the custom action that answered it; None
    when there is no such question."""
    events = tracker.events
    users = [i for i, e in enumerate(events) if e.get("event") == "user"][:-1]

    def answered_by(index: int) -> Optional[str]:
        return next((e.get("name") for e in events[index + 1:] if e.get("event") == "action"
                     and e.get("name") != "action_listen"), None)

    index = next((i for i in reversed(users) if not requested_language(events[i].get("text"))
                  and answered_by(i) not in NOT_QUESTION_ACTIONS), None)
    if index is None:
        return None
    slots = {name: None for name in tracker.slots}
    for event in events[:index]:
        if event.get("event") == "slot":
            slots[event.get("name")] = event.get("value")
        elif event.get("event") in ("restart", "session_started"):
            slots = {name: None for name in tracker.slots}
    message = events[index]
    latest = dict(message.get("parse_data") or {}, text=message.get("text") or "",
                  metadata=dict(message.get("metadata") or {}))
    past = Tracker(tracker.sender_id, slots, latest, events[:index + 1], False, None, {},
                   "action_listen")
    return past, answered_by(index)


def first_masked_message(tracker: Tracker) -> bool:
    """Whether no user message before the latest had masked personal data, among the events
    Rasa sent (the conversation's current session, up to TRACKER_MAX_EVENTS events)."""
    earlier = [e for e in tracker.events if e.get("event") == "user"][:-1]
    return not any((e.get("metadata") or {}).get(MASKED) for e in earlier)


@functools.lru_cache(maxsize=None)
def import_all_actions() -> None:
    """Imports every module of the package, so ACTIONS_BY_INTENT knows every action (the action
    server does this at start; tests may not). Once per process: listing the package on every
    turn cost about half a millisecond."""
    package = importlib.import_module("actions")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"actions.{module.name}")


def question_plan(turn: Turn) -> List[Tuple[Type[BotAction], Dict[str, Any]]]:
    """The questions of a message grouped by the action that answers them, in the order they
    were asked: [(action class, {"text", "intent", "entities"})]. Questions that one action
    answers are joined into one text ("sy di ngabang. kantor dmn?" stays one office question)."""
    import_all_actions()
    plan: List[Tuple[Type[BotAction], Dict[str, Any]]] = []
    for question in turn.questions:
        action = ACTIONS_BY_INTENT.get(question.get("intent"))
        if action is None:
            continue
        for planned, merged in plan:
            if planned is action and not action.leans_on_topic and (
                    action.merge_questions or merged["intent"] == question["intent"]):
                merged["text"] += ". " + question["text"]
                merged["entities"] = merged["entities"] + (question.get("entities") or [])
                break
        else:
            plan.append((action, {"text": question["text"], "intent": question["intent"],
                                  "entities": list(question.get("entities") or [])}))
    return plan


def remember_place(turn: Turn, events: List[EventType]) -> List[EventType]:
    """The place a message names in passing ("I live in <town>. I got hurt at work...", a place
    entity that the place rules accept in that message), kept in the slot `user_place` for a
    later "nearest office" request without a place; nothing when the answer set that slot
    already (actions/offices.py) or the message names no place."""
    from actions import places  # actions.places is not needed by most turns

    if any(e.get("name") == "user_place" for e in events) \
            or not any(e.get("entity") == "place" for e in turn.entities):
        return []
    found = places.resolve(turn.text)
    return [SlotSet("user_place", found.places[0].code)] if found.status == "found" else []


def answer_questions(turn: Turn, plan: List[Tuple[Type[BotAction], Dict[str, Any]]]) -> List[EventType]:
    """Answers each question of a message in order, as one reply (paragraphs), with the buttons
    of every answer; the slots of the last answer win."""
    texts: List[str] = []
    buttons: List[Dict[str, Any]] = []
    events: List[EventType] = [SlotSet("language", turn.lang)]
    tracker = turn.tracker
    before = None  # the question whose answer the next follow-up leans on
    for action, question in plan:
        collected = CollectingDispatcher()
        sub_turn = Turn(collected, tracker, text=question["text"], intent=question["intent"],
                        entities=question["entities"], lang=turn.lang, before=before)
        if action.leans_on_topic and not action().has_answer(sub_turn):
            continue  # "jht kapan cair? brp dpt nya?": the first answer is all there is
        answered = action().answer(sub_turn)
        events += answered
        topics = [e["value"] for e in answered if e.get("name") == "topic" and e.get("value")]
        if topics:  # the next follow-up of the message leans on this answer's topic
            tracker = tracker.copy()
            tracker.slots["topic"] = topics[-1]
            before = question["text"]
        for message in collected.messages:
            # two questions one answer answers ("bs daftar sndiri? brp sebulan?" -> the BPU
            # answer twice): the answer once
            if message.get("text") and message["text"] not in texts:
                texts.append(message["text"])
            buttons += [b for b in message.get("buttons") or [] if b not in buttons]
    turn.say_text("\n\n".join(texts), buttons=buttons)
    return events

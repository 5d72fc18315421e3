"""A message that only asks for the other language ("and in Indonesian please?", "bisa dlm
bahasa inggris?") gets the answer before it again in that language (actions/base.answer_again_in),
never "I did not understand"."""

import asyncio
import copy

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ACTIONS_BY_INTENT, import_all_actions
from actions.facts import get_facts
from actions.knowledge import get_knowledge, render_answer
from actions.language import requested_language
from actions.small_talk import ActionFallback
from conftest import TRACKER_FIXTURE, run_action


@pytest.mark.parametrize("text, lang", [
    ("and in Indonesian please?", "id"), ("bisa dlm bahasa indonesia?", "id"),
    ("pake bahasa indo aja", "id"), ("in English please", "en"), ("english pls", "en"),
    ("translate to english pls", "en"),
    ("terjemahkan ke bahasa indonesia", "id"),
    ("bahasa inggris nya dong", "en"),
    ("is there an office in Indonesia?", None), ("what is JHT in English?", None),
    ("jht itu apa", None), ("", None)])
def test_a_request_for_a_language_is_only_that(text, lang):
    assert requested_language(text) == lang


def conversation(question, intent, answered_by, request, request_intent):
    """A tracker whose user asked `question` (placed in `intent`, answered by the action
    `answered_by`, which set the topic slot) and then `request` (placed in `request_intent`)."""
    state = copy.deepcopy(TRACKER_FIXTURE)
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    state["events"][-1].update(text=question, parse_data=parse)
    latest = {"text": request, "intent": {"name": request_intent, "confidence": 0.5},
              "entities": [], "intent_ranking": []}
    state["events"] += [
        {"event": "action", "name": answered_by},
        {"event": "bot", "text": "(the answer)"},
        {"event": "slot", "name": "language", "value": "en"},
        {"event": "slot", "name": "topic", "value": "kb:some_entry"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": request, "parse_data": latest}]
    state["latest_message"] = latest
    state["slots"].update(language="en", topic="kb:some_entry")
    return Tracker.from_dict(state)


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return [m.get("text") or "" for m in dispatcher.messages], events


@pytest.mark.parametrize("request_text, request_intent", [
    ("and in Indonesian please?", "nlu_fallback"), ("bisa dlm bahasa indonesia?", "ask_help")])
def test_the_answer_before_again_in_indonesian(request_text, request_intent):
    """An English knowledge answer (through the fallback action), then a request for Indonesian:
    the same entry's Indonesian answer, after a line that says so; the language slot is 'id'."""
    question = "how do I check my JHT balance?"
    english, _ = run_action(ActionFallback(), question, intent="nlu_fallback")
    entry = get_knowledge().match(question).entry
    answer = lambda lang: render_answer(entry, lang, get_facts()).splitlines()[0]
    assert answer("en") in english[0]["text"]
    import_all_actions()
    action = ACTIONS_BY_INTENT.get(request_intent) or ActionFallback
    texts, events = run(action(), conversation(question, "nlu_fallback", "action_fallback",
                                               request_text, request_intent))
    assert texts[0].startswith("Baik, Bapak/Ibu, ini jawaban tadi dalam Bahasa Indonesia")
    assert answer("id") in texts[1] and answer("en") not in "\n".join(texts), texts
    assert any(e.get("name") == "language" and e.get("value") == "id" for e in events), events


def test_an_intent_answer_again_in_english():
    """The PLKK definition asked in Indonesian, then "in English please": the English answer."""
    import_all_actions()
    action = ACTIONS_BY_INTENT["ask_plkk_definition"]
    indonesian, _ = run_action(action(), "apa itu plkk", intent="ask_plkk_definition")
    english_direct, _ = run_action(action(), "what is PLKK?", intent="ask_plkk_definition")
    texts, _ = run(ActionFallback(), conversation("apa itu plkk", "ask_plkk_definition",
                                                  action.action_name, "in English please",
                                                  "nlu_fallback"))
    assert texts[0] == "Of course, here is that answer in English."
    assert texts[1] == english_direct[0]["text"] != indonesian[0]["text"]


def test_a_request_with_no_question_before_asks_for_one_in_that_language():
    messages, slots = run_action(ActionFallback(), "in English please", intent="nlu_fallback")
    assert messages[0]["text"].startswith("Of course, I will answer in English")
    assert messages[0]["buttons"] and slots["language"] == "en"


def test_small_talk_between_is_not_the_answer_asked_for():
    """From a fresh-user trial: "brp iuran jht utk karyawan", "ok sip" (thanks), then "pake
    bahasa inggris dong" translated the "you're welcome": the question before the small talk is
    answered again."""
    import_all_actions()
    action = ACTIONS_BY_INTENT["ask_plkk_definition"]
    english_direct, _ = run_action(action(), "what is PLKK?", intent="ask_plkk_definition")
    state = conversation("apa itu plkk", "ask_plkk_definition", action.action_name,
                         "pake bahasa inggris dong", "nlu_fallback").current_state()
    request = state["events"][-1]
    state["events"][-1:] = [
        {"event": "user", "text": "ok sip",
         "parse_data": {"intent": {"name": "thanks", "confidence": 0.9}, "entities": []}},
        {"event": "action", "name": "action_thanks"}, {"event": "bot", "text": "Sama-sama"},
        {"event": "action", "name": "action_listen"}, request]
    texts, _ = run(ActionFallback(), Tracker.from_dict(state))
    assert texts[1] == english_direct[0]["text"], texts


@pytest.mark.parametrize("text, lang", [
    # short English questions of a fresh-user trial (2026-12-07) were answered in Indonesian
    ("JKM amount?", "en"), ("bsu requirements", "en"), ("bpu fee every month", "en"),
    ("forgot jmo pasword", "en"), ("scholarship for the kids?", "en"),
    # Indonesian with the same programme words stays Indonesian
    ("iuran bpu per bulan brp", "id"), ("syarat bsu apa aja", "id"), ("jumlah jkm brp", "id"),
    ("lupa password jmo", "id"), ("lapakasik.bpjsketenagakerjaan.go.id beneran situs resmi?", "id"),
])
def test_a_short_english_question_is_answered_in_english(text, lang):
    from actions.language import detect_language

    assert detect_language(text) == lang


def test_no_word_of_a_kalbar_place_name_marks_english():
    """A place named alone ("desa peniti dalam i kec segedong") keeps the Indonesian reply."""
    import json
    import re
    from pathlib import Path

    from actions.language import ENGLISH_WORDS

    names = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("name", "nama") and isinstance(value, str):
                    names.update(re.findall(r"[a-z']+", value.lower()))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((Path(__file__).resolve().parent.parent / "data" / "gazetteer"
                     / "kalbar_wilayah.json").read_text(encoding="utf-8")))
    assert len(names) > 1000 and not names & ENGLISH_WORDS, sorted(names & ENGLISH_WORDS)

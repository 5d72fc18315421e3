"""What users asked and where the bot failed: a report for BPJS Ketenagakerjaan's operators in
Kalimantan Barat, read from the tracker store.

Usage: scripts/report.py [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out DIR] [--lang id|en]
       (or: make report SINCE=... UNTIL=... LANG=en)

Writes DIR/report.html (self-contained, the charts as embedded PNG images made with matplotlib),
DIR/report.md (the same tables, without charts) and DIR/nlu_candidates.yml (the messages not
understood, grouped, as an NLU stub whose intents a person fills in); DIR is results/. The report
is in Indonesian, in English with --lang en (default: the environment's LANG when it is exactly
"id" or "en", else Indonesian; a locale such as en_US.UTF-8 does not count).

Days run from midnight to midnight in WIB (UTC+7, Kalimantan Barat's time); --since and --until
are included; without them the report covers every stored message. The database is the one Rasa
uses, from the same environment variables (rasa_runtime/tracker_store.py, as `make purge`).

How each figure is read from the stored events (one pass over them, conversation by conversation;
a message's turn is its user event and what follows until the next user message):
- message: a user message; conversation: a conversation id with a message that day (or hour);
  channel: the namespace of the conversation id (telegram, web, rest, shell);
- topic: the message's intent, named in words (scripts/report_words.yml), or the intent of each of
  its questions when it held several (rasa_runtime/questions.py). A message the model did not
  place (nlu_fallback, out_of_scope) that the bot answered anyway counts under its answer's topic:
  "Kantor terdekat" for a place or postal code, "FAQ: <topic>" for a knowledge answer;
- outcome, from the bot's answer (its templates in actions/replies.yml): not understood (the
  `fallback` answer), out of scope (`out_of_scope`, `out_of_scope_org`), "service busy" (the
  answer rasa_runtime/action_guard.py sends when the action server is down or slow), else
  answered: a postal code or place answered with the nearest office, or a message answered from
  the knowledge base, is answered whatever its intent;
- answers not accepted (`not_accepted`, the list an operator reads first): an answer followed in
  the same conversation, at most REACTION_SECONDS (two minutes) after it, by a message that
  rejects it (`rejects`: "bukan itu", "salah", "maksud saya"..., the list in report_words.yml) or
  asks the same question in other words (`same_question`). Answers are grouped by the answer
  given (`answer_key`): the knowledge entry (the `topic` slot "kb:<entry id>" that
  actions/faq.py sets), the place of a nearest-office answer, else the intent(s) answered.
  Answers that claim nothing are not judged: small talk, the help menu, "which place?" and "place
  not found" (a retyped place is expected), the knowledge base's honest "no exact answer";
- places: the place of `nearest_office` (found), `place_ambiguous` (several places),
  `place_unknown` (the user's text: not found), `place_outside` (a place outside Kalbar),
  `location_outside(_near)` (a shared location outside Kalbar, rounded to 0.1 degree, about 11 km);
- language: the `language` slot the answer set (else the conversation's previous language);
- masked: messages whose personal data Rasa masked (metadata `masked`, rasa_runtime/masking.py);
  every message the report lists is masked again (rasa_runtime/masking.mask) in case it was
  stored before masking existed.
A template changed after a conversation was stored no longer recognises that answer.

Charts read well for one day and for ninety: up to HOURLY_DAYS days, activity and "service busy"
answers are drawn per hour; topics are horizontal bars of the most asked ones (the share per week
is added from TOPIC_WEEKS_DAYS days on); the rates are bars for up to RATE_BARS_DAYS days, lines
beyond.
"""

import argparse
import base64
import html
import io
import json
import os
import re
import string
import sys
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time as clock, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple


PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

WIB = timezone(timedelta(hours=7), "WIB")
LANGUAGES = ("id", "en")
WORDS_FILE = Path(__file__).resolve().parent / "report_words.yml"
TOP_NOT_UNDERSTOOD = 50
TOP_ROWS = 30  # rows of the other tables
NLU_CANDIDATE_GROUPS = 200
NEAR_DUPLICATE_SCORE = 88  # rapidfuzz ratio (0-100) at which two messages are one group
GROUP_REPRESENTATIVES = 1000  # the most frequent groups that others are compared with
OTHER_FORMS = 3  # other forms of a group's message shown in the lists
TOPICS_IN_CHART = 10
TOPICS_IN_WEEKS = 6
HOURLY_DAYS = 2  # periods up to this long are charted per hour
RATE_BARS_DAYS = 14  # rates as bars up to this many days, as lines beyond
TOPIC_WEEKS_DAYS = 14  # the topics' share per week from this many days on
# answers not accepted
REACTION_SECONDS = 120  # the user's next message within this long after the answer
SAME_QUESTION_SHARE = 0.6  # share of the two messages' content words they have in common
SIMILAR_WORD_SCORE = 80  # rapidfuzz ratio at which two words are one (a typo: "sangau", "sanggau")
EXAMPLES = 3  # examples per answer not accepted
EXAMPLE_CHARS = 140  # of the bot's answer in an example
SMALL_TALK = {"greet", "goodbye", "thanks", "bot_challenge", "ask_help"}
FOLLOW_UP_INTENTS = {"ask_how_many", "ask_requirements"}  # "ada berapa?", "syaratnya?"
UNPLACED = {"nlu_fallback", "out_of_scope", "(none)"}
KB_PREFIX = "kb:"  # the topic slot after a knowledge answer (actions/faq.py TOPIC_PREFIX)
MASK_TOKEN = re.compile(r"\[(?:email|telepon|nik|kpj|rekening)\]")  # rasa_runtime/masking.py
# chat particles left out when messages are compared ("gmn caranya min?" is "gmn caranya ya")
PARTICLES = {"min", "ya", "yah", "kak", "ka", "pak", "bu", "bang", "mas", "gan", "dong", "sih",
             "nih", "deh", "kah", "lah", "tuh", "please", "pls"}
CHANNEL_ORDER = ["telegram", "whatsapp", "web", "rest", "shell", "other"]  # then any other
INPUT_CHANNELS = {"telegram": "telegram", "socketio": "web", "rest": "rest", "cmdline": "shell"}
# the templates whose answers the report recognises; NOTES come before an answer in the same turn
PLACE_TEMPLATES = ["nearest_office", "place_ambiguous", "place_unknown", "place_outside",
                   "location_outside", "location_outside_near"]
FAILURE_TEMPLATES = ["fallback", "out_of_scope", "out_of_scope_org", "service_busy"]
NOTES = ["privacy_note", "message_cut"]
TEMPLATES = PLACE_TEMPLATES + FAILURE_TEMPLATES + NOTES + ["knowledge_no_exact_answer",
                                                           "empty_message"]
FIELDS = ("place", "name", "topic")  # template fields the report reads back
# answers that claim nothing about the question: never judged "not accepted"
UNJUDGED_KINDS = {"place_ambiguous", "place_unknown", "knowledge_no_exact_answer", "empty_message"}
# the rows the report reads: messages, answers, the language and topic slots
QUERY = """SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events
WHERE timestamp >= :start AND timestamp < :end
  AND (type_name IN ('user', 'bot')
       OR (type_name = 'slot' AND action_name IN ('language', 'topic')))
ORDER BY sender_id, id"""
# template name -> (the literal start, a regex) per language
Patterns = Dict[str, List[Tuple[str, "re.Pattern[str]"]]]
Groups = List[Tuple[int, str, List[str]]]  # (count, representative, variants)
AnswerKey = Tuple[str, str]  # ("kb", entry id), ("office", place), ("intent", "ask_jht")...


# --- words --------------------------------------------------------------------------------------

# The report's sentences: key -> (Indonesian, English), str.format fields in braces.
TEXTS = {
    "title": ("Apa yang ditanyakan pengguna", "What users asked"),
    "subtitle": ("Asisten BPJS Ketenagakerjaan Kalimantan Barat",
                 "BPJS Ketenagakerjaan West Kalimantan assistant"),
    "period_range": ("Dari {first} sampai {last} (WIB), {days}.", "From {first} to {last} (WIB), {days}."),
    "period_one": ("Tanggal {first} (WIB), {days}.", "On {first} (WIB), {days}."),
    "no_purge": ("Belum ada pembersihan yang tercatat (`make purge`): apa yang dihapus sebelumnya, "
                 "jika ada, tidak diketahui.",
                 "No purge is recorded (`make purge`): what was removed before, if anything, is "
                 "not known."),
    "purge": ("`make purge` sudah menghapus {conversations} ({events}) dalam {runs}, terakhir pada "
              "{last} WIB (percakapan yang pesan terakhirnya sebelum {cutoff} WIB).",
              "`make purge` has removed {conversations} ({events}) in {runs}, the last on {last} WIB "
              "(conversations whose last message was before {cutoff} WIB)."),
    "md_note": ("Grafik: report.html. Pesan disimpan dengan data pribadi disamarkan "
                "(docs/security.md).",
                "Charts: report.html. Messages are stored with personal data masked "
                "(docs/security.md)."),
    "none": ("Tidak ada.", "None."),
    "summary": ("Ringkasan", "Summary"),
    "summary_note": ("{conversations}, {messages}. Dijawab: {answered} ({answered_share}); tidak "
                     "dipahami: {not_understood} ({not_understood_share}); di luar cakupan: "
                     "{out_of_scope} ({out_of_scope_share}); \"layanan sibuk\": {busy} "
                     "({busy_share}). Jawaban yang tidak diterima pengguna: {not_accepted}.",
                     "{conversations}, {messages}. Answered: {answered} ({answered_share}); not "
                     "understood: {not_understood} ({not_understood_share}); out of scope: "
                     "{out_of_scope} ({out_of_scope_share}); \"service busy\": {busy} "
                     "({busy_share}). Answers not accepted by the user: {not_accepted}."),
    "not_accepted": ("Jawaban yang tidak diterima pengguna", "Answers not accepted"),
    "not_accepted_note": (
        "Baca ini lebih dulu: di sinilah jawaban yang salah terlihat. Jawaban bot yang dalam "
        "{minutes} menit disusul penolakan (\"bukan itu\", \"salah\", \"maksud saya...\") atau "
        "pertanyaan yang sama dengan kata lain, dikelompokkan menurut jawaban yang diberikan: "
        "{count} dari {given}. Salam, menu, pertanyaan \"tempat yang mana?\" dan jawaban \"belum "
        "ada jawaban persisnya\" tidak dinilai.",
        "Read this first: this is where wrong answers show. Bot answers followed within "
        "{minutes} minutes by a rejection (\"bukan itu\", \"salah\", \"maksud saya...\", "
        "\"that's not what I asked\") or by the same question in other words, grouped by the "
        "answer given: {count} of {given}. Greetings, the menu, \"which place?\" and the "
        "\"no exact answer\" reply are not judged."),
    "not_accepted_header": (
        ["jawaban yang diberikan", "tidak diterima", "diberikan", "bagian", "ditolak",
         "ditanya ulang", "contoh: pertanyaan → jawaban → tanggapan"],
        ["answer given", "not accepted", "given", "share", "rejected", "asked again",
         "examples: question → answer → reaction"]),
    "rejected": ("ditolak", "rejected"),
    "asked_again": ("ditanya ulang", "asked again"),
    "channels": ("Percakapan dan pesan", "Conversations and messages"),
    "channels_header": (["kanal", "percakapan", "pesan"], ["channel", "conversations", "messages"]),
    "per_day": ("Per hari", "Per day"),
    "day": ("tanggal", "day"),
    "conversations_col": ("percakapan", "conversations"),
    "messages_col": ("pesan", "messages"),
    "topics": ("Topik yang ditanyakan", "Topics asked"),
    "topics_note": ("{questions} (pesan dengan beberapa pertanyaan dihitung per pertanyaan). Pesan "
                    "yang tidak dikenali model tetapi tetap dijawab (tempat, kode pos, FAQ) "
                    "dihitung pada topik jawabannya.",
                    "{questions} (a message with several counts each). A message the model did not "
                    "place but the bot answered (a place, a postal code, the FAQ) counts under its "
                    "answer's topic."),
    "topics_header": (["topik", "pertanyaan", "bagian"], ["topic", "questions", "share"]),
    "rates": ("Tidak dipahami dan di luar cakupan per hari", "Not understood and out of scope per day"),
    "rates_note": ("Tidak dipahami: {not_understood} ({not_understood_share}); di luar cakupan: "
                   "{out_of_scope} ({out_of_scope_share}). Dihitung dari jawaban bot: pesan yang "
                   "dijawab dengan kantor terdekat (tempat, kode pos) atau dari FAQ dihitung dijawab.",
                   "Not understood: {not_understood} ({not_understood_share}); out of scope: "
                   "{out_of_scope} ({out_of_scope_share}). Read from the bot's answer: a message "
                   "answered with the nearest office (a place, a postal code) or from the FAQ "
                   "counts as answered."),
    "rates_header": (["tanggal", "pesan", "tidak dipahami", "persen", "di luar cakupan", "persen"],
                     ["day", "messages", "not understood", "rate", "out of scope", "rate"]),
    "not_understood_list": ("Pesan yang tidak dipahami ({top} terbanyak)",
                            "Messages not understood (the {top} most frequent)"),
    "out_of_scope_list": ("Pesan di luar cakupan ({top} terbanyak)",
                          "Out-of-scope messages (the {top} most frequent)"),
    "groups_note": ("{groups} dari {messages}; pesan yang mirip (rapidfuzz ratio ≥ {score}) "
                    "dikelompokkan di bawah yang paling sering. Data pribadi disamarkan.",
                    "{groups} of {messages}; near duplicates (rapidfuzz ratio ≥ {score}) are "
                    "grouped under the most frequent one. Personal data is masked."),
    "groups_header": (["pesan", "contoh", "bentuk lain"], ["messages", "message", "other forms"]),
    "places": ("Tempat yang ditanyakan", "Places asked"),
    "places_note": ("{found} dengan kantor terdekat untuk suatu tempat, {ambiguous} dengan "
                    "pilihan tempat, {unknown} tempat yang tidak ditemukan, {outside} tempat di "
                    "luar Kalbar.",
                    "{found} with the nearest office for a place, {ambiguous} with a choice of "
                    "places, {unknown} places not found, {outside} places outside Kalbar."),
    "places_header": (["hasil", "tempat (seperti ditemukan bot) atau pesan", "kali"],
                      ["result", "place (as the bot found it) or message", "times"]),
    "found": ("ditemukan", "found"),
    "ambiguous": ("beberapa tempat", "several places"),
    "unknown": ("tidak ditemukan", "not found"),
    "outside": ("di luar Kalbar", "outside Kalbar"),
    "locations": ("Lokasi yang dibagikan dari luar Kalbar", "Shared locations outside Kalbar"),
    "locations_note": ("{locations} (dibulatkan ke 0,1 derajat, sekitar 11 km).",
                       "{locations} (rounded to 0.1 degree, about 11 km)."),
    "locations_header": (["lintang", "bujur", "kali"], ["latitude", "longitude", "times"]),
    "busy": ("Jawaban \"layanan sibuk\"", "\"Service busy\" answers"),
    "busy_note": ("{answers} saat server aksi mati atau lambat.",
                  "{answers} while the action server was down or slow."),
    "busy_header": (["tanggal", "jawaban sibuk"], ["day", "busy answers"]),
    "languages": ("Bahasa", "Languages"),
    "languages_header": (["bahasa", "pesan", "bagian"], ["language", "messages", "share"]),
    "masked": ("Data pribadi yang disamarkan", "Personal data masked"),
    "masked_note": ("{messages} berisi data pribadi, disamarkan sebelum disimpan (docs/security.md).",
                    "{messages} held personal data, masked before storage (docs/security.md)."),
    "masked_header": (["jenis", "pesan"], ["kind", "messages"]),
    # charts
    "chart_messages": ("Pesan per {unit}, menurut kanal", "Messages per {unit}, by channel"),
    "chart_conversations": ("Percakapan per {unit}", "Conversations per {unit}"),
    "chart_topics": ("Topik yang paling sering ditanyakan", "Most asked topics"),
    "chart_topic_weeks": ("Bagian tiap topik per minggu", "Share of each topic per week"),
    "chart_rates": ("Tidak dipahami dan di luar cakupan, % pesan per hari",
                    "Not understood and out of scope, % of messages per day"),
    "chart_busy": ("Jawaban \"layanan sibuk\" per {unit} (server aksi mati atau lambat)",
                   "\"Service busy\" answers per {unit} (action server down or slow)"),
    "chart_languages": ("Pesan menurut bahasa", "Messages by language"),
    "hour": ("jam", "hour"),
    "day_unit": ("hari", "day"),
    "share_axis": ("% pertanyaan", "% of questions"),
    "rate_axis": ("% pesan", "% of messages"),
    "not_understood": ("tidak dipahami", "not understood"),
    "out_of_scope": ("di luar cakupan", "out of scope"),
    "other": ("lainnya", "other"),
    # names of answers and topics
    "kb_answer": ("FAQ: \"{title}\"", "FAQ: \"{title}\""),
    "kb_topic": ("FAQ: {name}", "FAQ: {name}"),
    "office_answer": ("Kantor terdekat untuk {place}", "Nearest office for {place}"),
    "outside_answer": ("Tempat di luar Kalbar: {place}", "Place outside Kalbar: {place}"),
    "location_answer": ("Lokasi di luar Kalbar", "Location outside Kalbar"),
    "printed": ("Laporan: {messages} dalam {conversations}, {first} sampai {last}, dibuat dalam "
                "{seconds} detik: {html}, report.md, nlu_candidates.yml",
                "Reported {messages} in {conversations}, {first} to {last}, in {seconds} s: "
                "{html}, report.md, nlu_candidates.yml"),
    "nothing": ("Belum ada tracker store: tidak ada yang dilaporkan.",
                "No tracker store yet: nothing to report."),
}
# a count and its noun: (Indonesian, English singular, English plural)
NOUNS = {
    "day": ("hari", "day", "days"),
    "message": ("pesan", "message", "messages"),
    "conversation": ("percakapan", "conversation", "conversations"),
    "question": ("pertanyaan", "question", "questions"),
    "answer": ("jawaban", "answer", "answers"),
    "group": ("kelompok", "group", "groups"),
    "run": ("kali jalan", "run", "runs"),
    "event": ("peristiwa", "event", "events"),
    "location": ("lokasi yang dibagikan", "shared location", "shared locations"),
}
CHANNEL_NAMES = {"telegram": ("Telegram", "Telegram"), "whatsapp": ("WhatsApp", "WhatsApp"),
                 "web": ("Chat web", "Web chat"),
                 "rest": ("REST API", "REST API"), "shell": ("Terminal", "Terminal"),
                 "other": ("Lainnya", "Other")}
LANGUAGE_NAMES = {"id": ("Indonesia", "Indonesian"), "en": ("Inggris", "English")}
MONTHS_SHORT = {"id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
                       "Des"],
                "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                       "Dec"]}


def text(key: str, lang: str, **values: Any) -> Any:
    """TEXTS[key] in `lang`, formatted with `values` (a list, such as a table header, as it is)."""
    found = TEXTS[key][LANGUAGES.index(lang)]
    return found.format(**values) if isinstance(found, str) else found


def number(value: float, lang: str) -> str:
    """A whole number as the language writes it: 1234 -> '1.234' (id) / '1,234' (en)."""
    from actions import replies

    return replies.number(value, lang)


def amount(count: int, noun: str, lang: str) -> str:
    """'1 day', '2 days', '1 hari', '2 hari' (Indonesian nouns have no plural)."""
    indonesian, singular, plural = NOUNS[noun]
    word = indonesian if lang == "id" else (singular if count == 1 else plural)
    return f"{number(count, lang)} {word}"


def percent(part: int, whole: int, lang: str) -> str:
    """'12,5 %' / '12.5 %'; '-' of nothing."""
    from actions import replies

    return f"{replies.number(100 * part / whole, lang, 1)} %" if whole else "-"


def long_date(day: date, lang: str) -> str:
    """'3 Maret 2025' / '3 March 2025'."""
    from actions import replies

    return f"{day.day} {replies.MONTHS[lang][day.month - 1]} {day.year}"


def short_date(day: date, lang: str, year: bool = True) -> str:
    """'3 Mei 2025' / '3 May 2025'; without the year: '3 Mei'."""
    found = f"{day.day} {MONTHS_SHORT[lang][day.month - 1]}"
    return f"{found} {day.year}" if year else found


@lru_cache(maxsize=None)
def words() -> Dict[str, Any]:
    """scripts/report_words.yml: the topics' names, the rejections, the fillers and stopwords;
    the phrases written as comparison_key writes a message."""
    import yaml

    data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    phrases = [comparison_key(p) for p in data["rejections"]]
    return {"topics": data["topics"],
            "rejection_phrases": [p for p in phrases if " " in p],
            "rejection_words": {p for p in phrases if " " not in p},
            "fillers": set(data["rejection_fillers"]),
            "stopwords": set(data["stopwords"])}


@lru_cache(maxsize=None)
def knowledge_names() -> Tuple[Dict[str, Tuple[str, Dict[str, str]]], Dict[str, Dict[str, str]]]:
    """The knowledge base's names, read from its files (data/knowledge/, or KNOWLEDGE_DIR as
    actions/knowledge.py): ({entry id: (topic key, title by language)}, {topic key: name by
    language}); empty when the folder cannot be read."""
    import yaml

    directory = Path(os.environ.get("KNOWLEDGE_DIR") or PROJECT / "data" / "knowledge")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries: Dict[str, Tuple[str, Dict[str, str]]] = {}
    topics: Dict[str, Dict[str, str]] = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data.get("topics"), dict):
            topics.update({key: item.get("name") or {} for key, item in data["topics"].items()
                           if isinstance(item, dict)})
        for item in data.get("entries") or []:
            if isinstance(item, dict) and item.get("id"):
                entries[str(item["id"])] = (str(item.get("topic") or ""), item.get("title") or {})
    return entries, topics


def topic_name(topic: str, lang: str) -> str:
    """A topic in words: an intent by report_words.yml, "kb:<topic>" by the knowledge base's
    topic names; an unknown intent as it is."""
    if topic.startswith(KB_PREFIX):
        name = knowledge_names()[1].get(topic[len(KB_PREFIX):], {}).get(lang)
        return text("kb_topic", lang, name=name or topic[len(KB_PREFIX):])
    return words()["topics"].get(topic, {}).get(lang, topic)


def answer_name(key: AnswerKey, lang: str) -> str:
    """The answer given, in words: the knowledge entry's title, the place of an office answer,
    the topic(s) of the intent(s) answered."""
    kind, value = key
    if kind == "kb":
        title = knowledge_names()[0].get(value, ("", {}))[1].get(lang)
        return text("kb_answer", lang, title=title or value)
    if kind == "office":
        return text("office_answer", lang, place=value)
    if kind == "place_outside":
        return text("outside_answer", lang, place=value)
    if kind == "location_outside":
        return text("location_answer", lang)
    return " + ".join(topic_name(intent, lang) for intent in value.split("+"))


# --- what the report counts ----------------------------------------------------------------------


@dataclass
class Example:
    """One answer not accepted: the question, the bot's answer, the user's next message."""

    time: float
    question: str
    answer: str
    reaction: str
    reason: str  # "rejected" or "asked_again"


@dataclass
class NotAccepted:
    """The times one answer was not accepted, with the latest examples."""

    rejected: int = 0
    asked_again: int = 0
    examples: List[Example] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.rejected + self.asked_again

    def add(self, example: Example) -> None:
        if example.reason == "rejected":
            self.rejected += 1
        else:
            self.asked_again += 1
        self.examples.append(example)
        if len(self.examples) > 20 * EXAMPLES:  # keep the latest few
            self.examples = sorted(self.examples, key=lambda e: -e.time)[:10 * EXAMPLES]

    def latest(self) -> List[Example]:
        """The latest EXAMPLES examples, each exchange once."""
        found: Dict[Tuple[str, str, str], Example] = {}
        for example in sorted(self.examples, key=lambda e: -e.time):
            found.setdefault((example.question, example.answer, example.reaction), example)
        return list(found.values())[:EXAMPLES]


@dataclass
class Report:
    """Everything the report shows; days are dates in WIB, hours naive datetimes in WIB."""

    first_day: date
    last_day: date
    messages: Counter = field(default_factory=Counter)  # (day, channel) -> user messages
    conversations: Dict[Tuple[date, str], set] = field(default_factory=lambda: defaultdict(set))
    messages_by_hour: Counter = field(default_factory=Counter)  # (hour, channel) -> messages
    conversations_by_hour: Dict[datetime, set] = field(default_factory=lambda: defaultdict(set))
    topics: Counter = field(default_factory=Counter)  # (day, topic) -> questions
    not_understood_by_day: Counter = field(default_factory=Counter)
    out_of_scope_by_day: Counter = field(default_factory=Counter)
    not_understood: Counter = field(default_factory=Counter)  # masked, normalised text -> messages
    out_of_scope: Counter = field(default_factory=Counter)  # masked, normalised text -> messages
    places_found: Counter = field(default_factory=Counter)
    places_ambiguous: Counter = field(default_factory=Counter)
    places_unknown: Counter = field(default_factory=Counter)
    places_outside: Counter = field(default_factory=Counter)
    locations_outside: Counter = field(default_factory=Counter)  # (lat, lon) rounded
    busy_by_day: Counter = field(default_factory=Counter)
    busy_by_hour: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)  # "id"/"en" -> messages
    masked: Counter = field(default_factory=Counter)  # kind -> messages
    masked_messages: int = 0
    answers_given: Counter = field(default_factory=Counter)  # answer key -> judged answers
    not_accepted: Dict[AnswerKey, NotAccepted] = field(
        default_factory=lambda: defaultdict(NotAccepted))
    purged: Optional[Dict[str, Any]] = None

    @property
    def days(self) -> List[date]:
        length = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(n) for n in range(length)]

    def total(self, counter: Counter, index: int, key: Any) -> int:
        return sum(v for k, v in counter.items() if k[index] == key)

    def messages_on(self, day: date) -> int:
        return self.total(self.messages, 0, day)

    def conversations_on(self, day: date) -> int:
        return len(set().union(*[s for (d, _), s in self.conversations.items() if d == day]))

    def by_channel(self) -> List[Tuple[str, int, int]]:
        """(channel, conversations, messages) of the period."""
        found = {c for _, c in self.messages}
        order = [c for c in CHANNEL_ORDER if c in found] + sorted(found - set(CHANNEL_ORDER))
        return [(c, len(set().union(*[s for (_, ch), s in self.conversations.items() if ch == c])),
                 self.total(self.messages, 1, c)) for c in order]

    @property
    def total_messages(self) -> int:
        return sum(self.messages.values())

    @property
    def total_conversations(self) -> int:
        return len(set().union(*self.conversations.values())) if self.conversations else 0

    def intents(self) -> Counter:
        """topic -> questions of the period (the name is kept from when topics were intents)."""
        found: Counter = Counter()
        for (_, intent), count in self.topics.items():
            found[intent] += count
        return found

    def outcomes(self) -> Dict[str, int]:
        """Messages not understood, out of scope, "service busy" and answered (the rest)."""
        found = {"not_understood": sum(self.not_understood_by_day.values()),
                 "out_of_scope": sum(self.out_of_scope_by_day.values()),
                 "busy": sum(self.busy_by_day.values())}
        found["answered"] = self.total_messages - sum(found.values())
        return found

    def not_accepted_groups(self) -> List[Tuple[AnswerKey, NotAccepted]]:
        """The answers not accepted, most often first."""
        return sorted(self.not_accepted.items(), key=lambda item: (
            -item[1].count, -item[1].count / max(1, self.answers_given[item[0]]), item[0]))


# --- reading the tracker store -------------------------------------------------------------------


def template_patterns() -> Patterns:
    """For each template of TEMPLATES, per language, its literal start (the text before its first
    field) and a regex that matches the start of an answer rendered from it, with the fields of
    FIELDS as groups."""
    from actions import replies
    from rasa_runtime.action_guard import PLAIN_BUSY

    patterns: Patterns = {}
    all_templates = replies.templates()
    for name in TEMPLATES:
        patterns[name] = []
        if name not in all_templates:
            continue
        for template in all_templates[name].values():
            regex, seen, start = "", set(), None
            for literal, fieldname, _, _ in string.Formatter().parse(" ".join(template.split())):
                start = literal if start is None else start
                regex += re.escape(literal)
                if fieldname is not None:
                    named = fieldname in FIELDS and fieldname not in seen
                    seen.add(fieldname)
                    regex += f"(?P<{fieldname}>.+?)" if named else ".+?"
            patterns[name].append((start or "", re.compile(regex)))
    patterns["service_busy"] += [(text, re.compile(re.escape(text))) for text in PLAIN_BUSY.values()]
    return patterns


def answer_kind(text: str, patterns: Patterns) -> Tuple[Optional[str], Any]:
    """(the template an answer starts with, its match) or (None, None)."""
    first_line = " ".join(text.split("\n", 1)[0].split())
    for name, regexes in patterns.items():
        for start, regex in regexes:
            match = regex.match(first_line) if first_line.startswith(start) else None
            if match:
                return name, match
    return None, None


def normalised(text: str) -> str:
    """A message as it is counted among the not understood: lower case (mask tokens kept as they
    are: "[NIK]"), single spaces, without punctuation at either end."""
    text = " ".join(text.lower().split()).strip(" .,!?;:-")
    return MASK_TOKEN.sub(lambda match: match.group().upper(), text)


def shown(text: str) -> str:
    """A message as the report lists it: masked (rasa_runtime/masking.py), then normalised."""
    from rasa_runtime.masking import mask

    return normalised(mask(text)[0])


def channel_of(sender_id: str, input_channel: Optional[str]) -> str:
    from channels.conversations import channel_of as namespace

    return namespace(sender_id) or INPUT_CHANNELS.get(input_channel or "", "other")


def shared_location(message: Dict[str, Any]) -> Optional[Tuple[float, float]]:
    """(lat, lon) of a shared location: the lat/lon entities, else the message's JSON."""
    entities = (message.get("parse_data") or {}).get("entities") or []
    values = {e.get("entity"): e.get("value") for e in entities}
    if not {"lat", "lon"} <= set(values):
        try:
            data = json.loads(message.get("text") or "")
            values = {"lat": data["lat"], "lon": data["lng"]}
        except (ValueError, TypeError, KeyError):
            return None
    try:
        return round(float(values["lat"]), 1), round(float(values["lon"]), 1)
    except (TypeError, ValueError):
        return None


# --- answers not accepted ------------------------------------------------------------------------


def comparison_key(text: str) -> str:
    """What two messages are compared on: their words (and mask tokens), without punctuation and
    chat particles ("min", "ya", "kak"...): 'Gmn caranya ya min??' -> 'gmn caranya'."""
    return " ".join(w for w in re.findall(r"\[[A-Z]+\]|\w+", normalised(text))
                    if w not in PARTICLES)


@lru_cache(maxsize=100_000)
def rejects(text: str) -> bool:
    """Whether a message rejects the answer before it: it holds a rejection phrase of two or more
    words ("bukan itu", "maksud saya", "ndak nyambung", "that's not what I asked"), or is a
    single rejection word with nothing else but fillers ("salah", "salah itu min", "wrong
    answer"). The lists are in scripts/report_words.yml."""
    key = comparison_key(text)
    found = words()
    padded = f" {key} "
    if any(f" {phrase} " in padded for phrase in found["rejection_phrases"]):
        return True
    rest = [w for w in key.split() if w not in found["fillers"]]
    return bool(rest) and all(w in found["rejection_words"] for w in rest)


@lru_cache(maxsize=100_000)
def content_words(text: str) -> FrozenSet[str]:
    """The words two messages are compared on: comparison_key's words without the stopwords of
    scripts/report_words.yml (function words, "bpjs")."""
    stopwords = words()["stopwords"]
    return frozenset(w for w in comparison_key(text).lower().split() if w not in stopwords)


@lru_cache(maxsize=100_000)
def similar_words(one: str, other: str) -> bool:
    """Two words are one when equal, when the shorter (3 letters or more) is inside the longer
    ("cair", "dicairkan"), when the shorter is its chat abbreviation (first letter the same, its
    letters in order: "kpn", "kapan"), or when they are a typo apart (rapidfuzz ratio at least
    SIMILAR_WORD_SCORE: "sangau", "sanggau"). "jht" and "jkm" are not."""
    from rapidfuzz import fuzz

    if one == other:
        return True
    short, long = sorted((one, other), key=len)
    if len(short) >= 3 and short in long:
        return True
    if len(short) >= 3 and short[0] == long[0]:
        letters = iter(long)
        if all(letter in letters for letter in short):
            return True
    return fuzz.ratio(one, other) >= SIMILAR_WORD_SCORE


def same_question(first: str, second: str) -> bool:
    """Whether `second` asks `first` again in other words. The rule, on content_words:
    - not the same text again (a repeat is not "in other words"), and `second` has at least two
      content words (a short follow-up such as "syaratnya apa?" or "kalau bpu?" is another
      question);
    - no word swapped: when each message has a word the other has nothing similar to
      (similar_words), `second` asks about something else ("syarat klaim jht" -> "syarat klaim
      jkm", "kantor sanggau" -> "kantor sintang");
    - the words they share (similar words count) are at least SAME_QUESTION_SHARE of all their
      words: "jht bisa cair kapan" -> "kapan jht sy bisa dicairkan" counts, "jht itu apa" ->
      "syarat jht apa" (one of two) does not.
    Rephrasings with other words altogether (synonyms) are not found."""
    if normalised(first) == normalised(second):
        return False
    before, after = content_words(first), content_words(second)
    if len(after) < 2 or not before:
        return False
    shared = {w for w in after if any(similar_words(w, v) for v in before)}
    lost = {v for v in before if not any(similar_words(v, w) for w in after)}
    new = after - shared
    if new and lost:
        return False
    return len(shared) / (len(after) + len(lost)) >= SAME_QUESTION_SHARE


@dataclass
class Message:
    """A user message and what the bot did with it, while its turn is read."""

    sender: str
    text: str
    time: float
    day: date
    intent: str
    asked: List[str]
    event: Dict[str, Any]
    language_set: bool = False
    kb_entry: Optional[str] = None
    answers: List[Tuple[float, str, Optional[str], Any]] = field(default_factory=list)


@dataclass
class Answered:
    """A message's turn once read: what the bot answered, for judging the user's next message."""

    text: str
    time: float  # of the bot's last answer
    key: AnswerKey
    answer: str  # the start of the answer, for the examples
    judged: bool


def answer_key(message: Message, kind: Optional[str], match: Any, topics: List[str]) -> AnswerKey:
    """The answer given to a message (answers are grouped by it): the intents of a message with
    several questions; else the knowledge entry; the place of an office answer; a place or
    location outside Kalbar; else the topic of the intent answered."""
    if len(message.asked) > 1:
        return ("intents", "+".join(topics))
    if message.kb_entry:
        return ("kb", message.kb_entry)
    if kind == "nearest_office":
        return ("office", match.group("place"))
    if kind == "place_outside":
        return ("place_outside", match.group("place"))
    if kind in ("location_outside", "location_outside_near"):
        return ("location_outside", "")
    return ("intent", topics[0] if topics else message.intent)


def finish(report: Report, message: Optional[Message],
           language: Optional[str]) -> Optional[Answered]:
    """Counts a message's outcome, topics and places once its turn is read; returns what was
    answered (None for no message, or a message without an answer)."""
    if message is None:
        return None
    if not message.language_set:
        report.languages[language or "id"] += 1
    answers = [a for a in message.answers if a[2] not in NOTES]
    kinds = [kind for _, _, kind, _ in answers]
    day, outcome = message.day, "answered"
    if "service_busy" in kinds:
        outcome = "busy"
        report.busy_by_day[day] += 1
        report.busy_by_hour[hour_of(message.time)] += 1
    elif "fallback" in kinds:
        outcome = "not_understood"
        report.not_understood_by_day[day] += 1
        listed = shown(message.text)
        if listed:
            report.not_understood[listed] += 1
    elif "out_of_scope" in kinds or "out_of_scope_org" in kinds:
        outcome = "out_of_scope"
        report.out_of_scope_by_day[day] += 1
        listed = shown(message.text)
        if listed:
            report.out_of_scope[listed] += 1
    kind, match = (answers[0][2], answers[0][3]) if answers else (None, None)
    for _, _, each, found in answers:
        if each == "nearest_office":
            report.places_found[found.group("place")] += 1
        elif each == "place_ambiguous":
            report.places_ambiguous[found.group("name")] += 1
        elif each == "place_unknown":
            report.places_unknown[shown(message.text)] += 1
        elif each == "place_outside":
            report.places_outside[found.group("place")] += 1
        elif each == "location_outside":  # one per message ("_near" comes with it)
            point = shared_location(message.event)
            if point:
                report.locations_outside[point] += 1
    topics = []
    for intent in message.asked:
        topic = intent
        if intent in UNPLACED and outcome == "answered":
            if message.kb_entry:
                entry_topic = knowledge_names()[0].get(message.kb_entry, ("", {}))[0]
                topic = KB_PREFIX + entry_topic if entry_topic else topic
            elif kind == "knowledge_no_exact_answer":
                topic = knowledge_topic_named(match.group("topic")) or topic
            elif kind in PLACE_TEMPLATES:
                topic = "ask_nearest_office"
        topics.append(topic)
        report.topics[day, topic] += 1
    if not answers:
        return None
    key = answer_key(message, kind, match, topics)
    judged = (outcome == "answered" and kind not in UNJUDGED_KINDS
              and not (key[0] == "intent" and key[1] in SMALL_TALK | UNPLACED))
    if judged:
        report.answers_given[key] += 1
    first_line = answers[0][1].strip().split("\n", 1)[0]
    short = (first_line if len(first_line) <= EXAMPLE_CHARS
             else first_line[:EXAMPLE_CHARS - 1] + "…")
    return Answered(message.text, max(a[0] for a in answers), key, short, judged)


def knowledge_topic_named(name: str) -> Optional[str]:
    """"kb:<topic>" of the knowledge topic called `name` in either language, or None."""
    for key, names in knowledge_names()[1].items():
        if name in names.values():
            return KB_PREFIX + key
    return None


def judge(report: Report, answered: Optional[Answered], message: Message) -> None:
    """Records `answered` as not accepted when `message`, the user's next message, came at most
    REACTION_SECONDS after it and rejects it, or asks the same question in other words (not a
    tapped button, small talk or a follow-up)."""
    if answered is None or not answered.judged:
        return
    if not 0 <= message.time - answered.time <= REACTION_SECONDS or message.text.startswith("/"):
        return
    if rejects(message.text):
        reason = "rejected"
    elif message.intent not in SMALL_TALK | FOLLOW_UP_INTENTS \
            and same_question(answered.text, message.text):
        reason = "asked_again"
    else:
        return
    report.not_accepted[answered.key].add(Example(message.time, shown(answered.text),
                                                  answered.answer, shown(message.text), reason))


def hour_of(timestamp: float) -> datetime:
    """The hour a moment falls in, as a naive datetime in WIB."""
    moment = datetime.fromtimestamp(timestamp, WIB)
    return moment.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def read(engine: Any, first_day: Optional[date], last_day: Optional[date]) -> Report:
    """The report of the messages from first_day to last_day (WIB, both included; None: from the
    first / to the last stored message)."""
    import sqlalchemy as sa

    patterns = template_patterns()
    start = datetime.combine(first_day, clock(), WIB).timestamp() if first_day else 0
    end = datetime.combine(last_day + timedelta(1), clock(), WIB).timestamp() if last_day else 1e12
    report = Report(first_day or date.max, last_day or date.min)
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            rows: Iterable[Any] = []
        else:
            rows = connection.execution_options(stream_results=True).execute(
                sa.text(QUERY), {"start": start, "end": end})
        sender: Optional[str] = None
        message: Optional[Message] = None
        language: Optional[str] = None
        seen_first, seen_last = date.max, date.min
        for sender_id, type_name, timestamp, intent, action, data in rows:
            if sender_id != sender:
                finish(report, message, language)
                sender, message, language = sender_id, None, None
            if type_name == "user":
                answered = finish(report, message, language)
                event = json.loads(data)
                day = datetime.fromtimestamp(timestamp, WIB).date()
                metadata = event.get("metadata") or {}
                questions = metadata.get("questions") or []
                asked = [q.get("intent") or "(none)" for q in questions] if len(questions) > 1 \
                    else [intent or "(none)"]
                message = Message(sender_id, event.get("text") or "", timestamp, day,
                                  intent or "(none)", asked, event)
                seen_first, seen_last = min(seen_first, day), max(seen_last, day)
                channel = channel_of(sender_id, event.get("input_channel"))
                report.messages[day, channel] += 1
                report.conversations[day, channel].add(sender_id)
                report.messages_by_hour[hour_of(timestamp), channel] += 1
                report.conversations_by_hour[hour_of(timestamp)].add(sender_id)
                if metadata.get("masked"):
                    report.masked_messages += 1
                    report.masked.update(metadata["masked"])
                judge(report, answered, message)
            elif message is None:
                continue  # an answer to a message before the period
            elif type_name == "slot" and action == "language":
                language = json.loads(data).get("value") or language
                if not message.language_set:
                    report.languages[language or "id"] += 1
                    message.language_set = True
            elif type_name == "slot":
                value = json.loads(data).get("value")
                if isinstance(value, str) and value.startswith(KB_PREFIX):
                    message.kb_entry = value[len(KB_PREFIX):]
            elif type_name == "bot":
                answer = json.loads(data).get("text") or ""
                kind, match = answer_kind(answer, patterns)
                message.answers.append((timestamp, answer, kind, match))
        finish(report, message, language)
        report.purged = purge_record(connection)
    report.first_day = first_day or (seen_first if seen_first != date.max else date.today())
    report.last_day = last_day or (seen_last if seen_last != date.min else report.first_day)
    return report


def purge_record(connection: Any) -> Optional[Dict[str, Any]]:
    """What `make purge` has removed so far (scripts/purge.py's purge_log), or None when no purge
    was recorded."""
    import sqlalchemy as sa

    if not sa.inspect(connection).has_table("purge_log"):
        return None
    runs, conversations, events, last, cutoff = connection.execute(sa.text(
        "SELECT COUNT(*), SUM(conversations), SUM(events), MAX(purged_at), MAX(cutoff) "
        "FROM purge_log")).one()
    if not runs:
        return None
    return {"runs": runs, "conversations": conversations or 0, "events": events or 0,
            "last": datetime.fromtimestamp(last, WIB),
            "cutoff": datetime.fromtimestamp(cutoff, WIB)}


# --- grouping messages ---------------------------------------------------------------------------


def near_duplicate_groups(counts: Counter) -> Groups:
    """Messages grouped with near duplicates, most frequent first: [(count, representative,
    variants)]. Messages with the same comparison_key are one group; a key whose rapidfuzz ratio
    with a group's key is at least NEAR_DUPLICATE_SCORE joins that group (it is compared with the
    GROUP_REPRESENTATIVES most frequent groups). Variants are listed most frequent (then shortest)
    first; the first is the group's representative."""
    from rapidfuzz import fuzz, process

    by_key: Dict[str, Counter] = defaultdict(Counter)
    for text_, count in counts.items():
        by_key[comparison_key(text_)][text_] += count
    groups: List[Counter] = []
    keys: List[str] = []
    for key, texts in sorted(by_key.items(), key=lambda item: (-sum(item[1].values()), item[0])):
        match = process.extractOne(key, keys, scorer=fuzz.ratio,
                                   score_cutoff=NEAR_DUPLICATE_SCORE) if keys else None
        if match:
            groups[match[2]].update(texts)
        else:
            groups.append(Counter(texts))
            if len(keys) < GROUP_REPRESENTATIVES:
                keys.append(key)
    found = []
    for group in groups:
        variants = sorted(group, key=lambda t: (-group[t], len(t), t))
        found.append((sum(group.values()), variants[0], variants))
    return sorted(found, key=lambda g: (-g[0], g[1]))


# --- charts --------------------------------------------------------------------------------------


def hourly(report: Report) -> bool:
    """Whether the period is short enough to be charted per hour (HOURLY_DAYS)."""
    return len(report.days) <= HOURLY_DAYS


def activity_series(report: Report) -> Tuple[str, List[Any], Dict[str, List[int]], List[int]]:
    """What the activity chart draws: (unit "hour" or "day", the start of each bucket, messages per
    bucket by channel, conversations per bucket). One day is 24 hours, ninety days 90 days."""
    channels = [c for c, _, _ in report.by_channel()]
    if hourly(report):
        start = datetime.combine(report.first_day, clock())
        buckets: List[Any] = [start + timedelta(hours=n) for n in range(24 * len(report.days))]
        messages = {c: [report.messages_by_hour[b, c] for b in buckets] for c in channels}
        conversations = [len(report.conversations_by_hour.get(b, ())) for b in buckets]
        return "hour", buckets, messages, conversations
    days = report.days
    messages = {c: [report.messages[d, c] for d in days] for c in channels}
    return "day", days, messages, [report.conversations_on(d) for d in days]


def topic_bars(report: Report, lang: str) -> List[Tuple[str, int]]:
    """What the topic chart draws: the TOPICS_IN_CHART most asked topics in words, then "other"
    for the rest, with their questions."""
    intents = report.intents()
    top = intents.most_common(TOPICS_IN_CHART)
    bars = [(topic_name(topic, lang), count) for topic, count in top]
    rest = sum(intents.values()) - sum(count for _, count in top)
    return bars + ([(text("other", lang), rest)] if rest else [])


def charts(report: Report, lang: str = "id") -> Dict[str, str]:
    """Chart name -> PNG image, base64-encoded: activity, topics, topic_weeks (from
    TOPIC_WEEKS_DAYS days), rates, busy (when there were "service busy" answers), languages."""
    with warnings.catch_warnings():  # matplotlib 3.5 on a newer pyparsing warns at import
        warnings.simplefilter("ignore")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, MaxNLocator

    days = report.days
    found: Dict[str, str] = {}
    unit, buckets, messages, conversations = activity_series(report)
    unit_name = text("hour" if unit == "hour" else "day_unit", lang)
    separator = "." if lang == "id" else ":"

    def hour_label(value: float, _: Any) -> str:
        """An hour tick: "09.00" ("09:00" in English); midnight as the day when there are two."""
        moment = mdates.num2date(value).replace(tzinfo=None)
        if moment.hour == 0 and len(days) > 1:
            return short_date(moment.date(), lang, year=False)
        return f"{moment.hour:02d}{separator}00"

    def time_axis(axes: Any, per_hour: bool) -> None:
        """Ticks in words of the language: hours ("09.00", midnight as the day) or days ("3 Mar"),
        about ten of them, over the whole period."""
        if per_hour:
            step = 3 if len(days) == 1 else 6
            axes.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, step)))
            axes.xaxis.set_major_formatter(FuncFormatter(hour_label))
            axes.set_xlim(datetime.combine(days[0], clock()),
                          datetime.combine(days[-1] + timedelta(1), clock()))
        else:
            axes.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, len(days) // 10)))
            axes.xaxis.set_major_formatter(FuncFormatter(
                lambda value, _: short_date(mdates.num2date(value).date(), lang, year=False)))
            axes.set_xlim(datetime.combine(days[0], clock()) - timedelta(hours=16),
                          datetime.combine(days[-1], clock()) + timedelta(hours=16))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))

    def save(figure: Any, name: str, rotate: bool = True) -> None:
        if rotate:
            figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
        plt.close(figure)
        found[name] = base64.b64encode(buffer.getvalue()).decode("ascii")

    # an hour's bar stands inside its hour; a day's on its date
    width = 0.8 / 24 if unit == "hour" else 0.8
    places = [b + timedelta(minutes=6) for b in buckets] if unit == "hour" else buckets
    align = "edge" if unit == "hour" else "center"
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
    bottoms = [0] * len(buckets)
    for channel, values in messages.items():
        top.bar(places, values, width=width, bottom=bottoms, align=align,
                label=CHANNEL_NAMES.get(channel, (channel, channel))[LANGUAGES.index(lang)])
        bottoms = [b + v for b, v in zip(bottoms, values)]
    top.set_title(text("chart_messages", lang, unit=unit_name))
    if messages:
        top.legend(loc="upper left", fontsize="small")
    bottom.bar(places, conversations, width=width, align=align, color="tab:gray")
    bottom.set_title(text("chart_conversations", lang, unit=unit_name))
    time_axis(top, unit == "hour")
    time_axis(bottom, unit == "hour")
    save(figure, "activity")

    bars = topic_bars(report, lang)
    figure, axes = plt.subplots(figsize=(9, max(2.5, 1.2 + 0.38 * len(bars))))
    labels = [label if len(label) <= 48 else label[:47] + "…" for label, _ in bars]
    axes.barh(range(len(bars)), [count for _, count in bars], color="tab:blue")
    axes.set_yticks(range(len(bars)))
    axes.set_yticklabels(labels)
    axes.invert_yaxis()
    for index, (_, count) in enumerate(bars):
        axes.annotate(number(count, lang), (count, index), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize="small")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(text("chart_topics", lang))
    axes.margins(x=0.1)
    save(figure, "topics", rotate=False)

    if len(days) >= TOPIC_WEEKS_DAYS:
        weeks = sorted({day - timedelta(day.weekday()) for day in days})
        per_week: Dict[date, Counter] = defaultdict(Counter)
        for (day, topic), count in report.topics.items():
            per_week[day - timedelta(day.weekday())][topic] += count
        top_topics = [topic for topic, _ in report.intents().most_common(TOPICS_IN_WEEKS)]
        figure, axes = plt.subplots(figsize=(9, 4.5))
        bottoms = [0.0] * len(weeks)
        for topic in top_topics + [None]:
            values = []
            for week in weeks:
                total = sum(per_week[week].values()) or 1
                count = (per_week[week][topic] if topic is not None else
                         sum(v for k, v in per_week[week].items() if k not in top_topics))
                values.append(100 * count / total)
            label = topic_name(topic, lang) if topic is not None else text("other", lang)
            axes.bar(weeks, values, width=5, bottom=bottoms, align="edge",
                     label=label if len(label) <= 40 else label[:39] + "…")
            bottoms = [b + v for b, v in zip(bottoms, values)]
        axes.set_ylim(0, 100)
        axes.set_ylabel(text("share_axis", lang))
        axes.set_title(text("chart_topic_weeks", lang))
        axes.xaxis.set_major_formatter(FuncFormatter(
            lambda value, _: short_date(mdates.num2date(value).date(), lang, year=False)))
        axes.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize="small")
        save(figure, "topic_weeks")

    figure, axes = plt.subplots(figsize=(9, 3.5))
    series = [(text("not_understood", lang), report.not_understood_by_day),
              (text("out_of_scope", lang), report.out_of_scope_by_day)]
    for number_, (label, counter) in enumerate(series):
        values = [100 * counter[d] / report.messages_on(d) if report.messages_on(d) else 0.0
                  for d in days]
        if len(days) <= RATE_BARS_DAYS:
            shifted = [datetime.combine(d, clock()) + timedelta(hours=(number_ - 1) * 8)
                       for d in days]
            axes.bar(shifted, values, width=8 / 24, align="edge", label=label)
        else:  # a day without messages has no rate: a gap in the line
            axes.plot(days, [v if report.messages_on(d) else float("nan")
                             for d, v in zip(days, values)], marker=".", label=label)
    axes.set_ylabel(text("rate_axis", lang))
    axes.set_title(text("chart_rates", lang))
    axes.legend(fontsize="small")
    time_axis(axes, False)
    axes.yaxis.set_major_locator(MaxNLocator())
    save(figure, "rates")

    if report.busy_by_day:
        figure, axes = plt.subplots(figsize=(9, 3))
        values = ([report.busy_by_hour[b] for b in buckets] if unit == "hour"
                  else [report.busy_by_day[d] for d in days])
        axes.bar(places, values, width=width, align=align, color="tab:red")
        axes.set_title(text("chart_busy", lang, unit=unit_name))
        time_axis(axes, unit == "hour")
        save(figure, "busy")

    figure, axes = plt.subplots(figsize=(5, 2.2))
    languages = [language for language, _ in report.languages.most_common()]
    axes.barh([LANGUAGE_NAMES.get(language, (language, language))[LANGUAGES.index(lang)]
               for language in languages], [report.languages[language] for language in languages])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(text("chart_languages", lang))
    save(figure, "languages", rotate=False)
    return found


# --- the documents -------------------------------------------------------------------------------


@dataclass
class Section:
    """A part of the report: a heading, a note, a table (a cell may be a list: one line each) and
    the charts drawn above the table."""

    title: str
    note: str = ""
    header: List[str] = field(default_factory=list)
    rows: List[List[Any]] = field(default_factory=list)
    charts: List[str] = field(default_factory=list)


def group_rows(groups: Groups, lang: str, top: int) -> List[List[Any]]:
    """Rows of a list of grouped messages: count, the message, a few of its other forms."""
    return [[number(count, lang), representative, variants[1:1 + OTHER_FORMS]]
            for count, representative, variants in groups[:top]]


def example_lines(record: NotAccepted, lang: str) -> List[str]:
    """'"question" → "answer…" → "reaction" (rejected)' for the latest examples."""
    return [f"\"{e.question}\" → \"{e.answer}\" → \"{e.reaction}\" ({text(e.reason, lang)})"
            for e in record.latest()]


def sections(report: Report, lang: str, not_understood: Groups,
             out_of_scope: Optional[Groups] = None) -> List[Section]:
    """The report's sections in the order an operator reads them."""
    if out_of_scope is None:
        out_of_scope = near_duplicate_groups(report.out_of_scope)
    total = report.total_messages
    outcomes = report.outcomes()
    shares = {f"{name}_share": percent(count, total, lang) for name, count in outcomes.items()}
    counts = {name: number(count, lang) for name, count in outcomes.items()}
    not_accepted = report.not_accepted_groups()
    refused = sum(record.count for _, record in not_accepted)
    given = sum(report.answers_given.values())
    channels = [c for c, _, _ in report.by_channel()]
    names = {c: CHANNEL_NAMES.get(c, (c, c))[LANGUAGES.index(lang)] for c in channels}
    intents = report.intents()
    questions = sum(intents.values())
    places = [[text(result, lang), place, number(count, lang)]
              for result, counter in (("found", report.places_found),
                                      ("ambiguous", report.places_ambiguous),
                                      ("unknown", report.places_unknown),
                                      ("outside", report.places_outside))
              for place, count in counter.most_common(TOP_ROWS)]
    busy = sum(report.busy_by_day.values())
    return [
        Section(text("summary", lang), text(
            "summary_note", lang, conversations=amount(report.total_conversations, "conversation", lang),
            messages=amount(total, "message", lang), not_accepted=number(refused, lang),
            **counts, **shares)),
        Section(text("not_accepted", lang),
                text("not_accepted_note", lang, minutes=REACTION_SECONDS // 60,
                     count=number(refused, lang), given=amount(given, "answer", lang)),
                text("not_accepted_header", lang),
                [[answer_name(key, lang), number(record.count, lang),
                  number(report.answers_given[key], lang),
                  percent(record.count, report.answers_given[key], lang),
                  number(record.rejected, lang), number(record.asked_again, lang),
                  example_lines(record, lang)]
                 for key, record in not_accepted[:TOP_ROWS]]),
        Section(text("channels", lang), "", text("channels_header", lang),
                [[names[c], number(conversations, lang), number(messages, lang)]
                 for c, conversations, messages in report.by_channel()], ["activity"]),
        Section(text("per_day", lang), "",
                [text("day", lang), text("conversations_col", lang), text("messages_col", lang),
                 *[names[c] for c in channels]],
                [[short_date(d, lang), number(report.conversations_on(d), lang),
                  number(report.messages_on(d), lang),
                  *[number(report.messages[d, c], lang) for c in channels]] for d in report.days]),
        Section(text("topics", lang),
                text("topics_note", lang, questions=amount(questions, "question", lang)),
                text("topics_header", lang),
                [[topic_name(topic, lang), number(count, lang), percent(count, questions, lang)]
                 for topic, count in intents.most_common()], ["topics", "topic_weeks"]),
        Section(text("rates", lang), text("rates_note", lang, **counts, **shares),
                text("rates_header", lang),
                [[short_date(d, lang), number(report.messages_on(d), lang),
                  number(report.not_understood_by_day[d], lang),
                  percent(report.not_understood_by_day[d], report.messages_on(d), lang),
                  number(report.out_of_scope_by_day[d], lang),
                  percent(report.out_of_scope_by_day[d], report.messages_on(d), lang)]
                 for d in report.days if report.messages_on(d)], ["rates"]),
        Section(text("not_understood_list", lang, top=TOP_NOT_UNDERSTOOD),
                text("groups_note", lang, groups=amount(len(not_understood), "group", lang),
                     messages=amount(sum(report.not_understood.values()), "message", lang),
                     score=NEAR_DUPLICATE_SCORE),
                text("groups_header", lang), group_rows(not_understood, lang, TOP_NOT_UNDERSTOOD)),
        Section(text("out_of_scope_list", lang, top=TOP_NOT_UNDERSTOOD),
                text("groups_note", lang, groups=amount(len(out_of_scope), "group", lang),
                     messages=amount(sum(report.out_of_scope.values()), "message", lang),
                     score=NEAR_DUPLICATE_SCORE),
                text("groups_header", lang), group_rows(out_of_scope, lang, TOP_NOT_UNDERSTOOD)),
        Section(text("places", lang), text(
            "places_note", lang,
            found=amount(sum(report.places_found.values()), "answer", lang),
            ambiguous=number(sum(report.places_ambiguous.values()), lang),
            unknown=number(sum(report.places_unknown.values()), lang),
            outside=number(sum(report.places_outside.values()), lang)),
            text("places_header", lang), places),
        Section(text("locations", lang), text(
            "locations_note", lang,
            locations=amount(sum(report.locations_outside.values()), "location", lang)),
            text("locations_header", lang),
            [[number_text(lat, lang), number_text(lon, lang), number(n, lang)]
             for (lat, lon), n in report.locations_outside.most_common(TOP_ROWS)]),
        Section(text("busy", lang), text("busy_note", lang, answers=amount(busy, "answer", lang)),
                text("busy_header", lang),
                [[short_date(d, lang), number(report.busy_by_day[d], lang)]
                 for d in report.days if report.busy_by_day[d]], ["busy"]),
        Section(text("languages", lang), "", text("languages_header", lang),
                [[LANGUAGE_NAMES.get(language, (language, language))[LANGUAGES.index(lang)],
                  number(n, lang), percent(n, total, lang)]
                 for language, n in report.languages.most_common()], ["languages"]),
        Section(text("masked", lang),
                text("masked_note", lang, messages=amount(report.masked_messages, "message", lang)),
                text("masked_header", lang), [list(item) for item in report.masked.most_common()]),
    ]


def number_text(value: float, lang: str) -> str:
    """A coordinate with the language's decimal separator: 1.6 -> '1,6' (id) / '1.6' (en)."""
    return str(value).replace(".", ",") if lang == "id" else str(value)


def period_text(report: Report, lang: str = "id") -> str:
    """The period covered and what the purges removed before."""
    days = amount(len(report.days), "day", lang)
    first, last = long_date(report.first_day, lang), long_date(report.last_day, lang)
    found = (text("period_one", lang, first=first, days=days) if report.first_day == report.last_day
             else text("period_range", lang, first=first, last=last, days=days))
    purged = report.purged
    if purged is None:
        return f"{found} {text('no_purge', lang)}"
    return f"{found} " + text(
        "purge", lang, conversations=amount(purged["conversations"], "conversation", lang),
        events=amount(purged["events"], "event", lang), runs=amount(purged["runs"], "run", lang),
        last=f"{purged['last']:%Y-%m-%d %H:%M}", cutoff=f"{purged['cutoff']:%Y-%m-%d %H:%M}")


def markdown(report: Report, lang: str, not_understood: Groups,
             out_of_scope: Optional[Groups] = None) -> str:
    """report.md: the sections' tables, without charts (a list cell's lines joined by <br>)."""
    def cell(value: Any) -> str:
        if isinstance(value, list):
            return "<br>".join(cell(v) for v in value)
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = [f"# {text('title', lang)}", "", text("subtitle", lang), "", period_text(report, lang),
             "", text("md_note", lang), ""]
    for section in sections(report, lang, not_understood, out_of_scope):
        lines += [f"## {section.title}", ""] + ([section.note, ""] if section.note else [])
        if section.rows:
            lines += ["| " + " | ".join(section.header) + " |", "|" + " --- |" * len(section.header)]
            lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in section.rows]
            lines.append("")
        elif section.header:
            lines += [text("none", lang), ""]
    return "\n".join(lines)


STYLE = """body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 8px;
text-align:left;font-size:90%;vertical-align:top}th{background:#eee}
img{max-width:100%;display:block;margin:.5em 0}ul{margin:0;padding-left:1.2em}
.subtitle{color:#555;margin-top:-.5em}"""


def html_page(report: Report, lang: str, not_understood: Groups, images: Dict[str, str],
              out_of_scope: Optional[Groups] = None) -> str:
    """report.html: one self-contained page, the charts embedded as PNG."""
    e = html.escape

    def cell(value: Any) -> str:
        if isinstance(value, list):
            return ("<ul>" + "".join(f"<li>{e(str(v))}</li>" for v in value) + "</ul>"
                    if value else "")
        return e(str(value))

    parts = [f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
             f"<title>{e(text('title', lang))}</title><style>{STYLE}</style></head><body>"
             f"<h1>{e(text('title', lang))}</h1><p class='subtitle'>{e(text('subtitle', lang))}</p>",
             f"<p>{e(period_text(report, lang))}</p>"]
    for section in sections(report, lang, not_understood, out_of_scope):
        parts.append(f"<h2>{e(section.title)}</h2>"
                     + (f"<p>{e(section.note)}</p>" if section.note else ""))
        for chart in section.charts:
            if chart in images:
                parts.append(f"<img alt='{e(section.title)}' "
                             f"src='data:image/png;base64,{images[chart]}'>")
        if section.rows:
            header = "".join(f"<th>{e(h)}</th>" for h in section.header)
            rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                           for row in section.rows)
            parts.append(f"<table><tr>{header}</tr>{rows}</table>")
        elif section.header:
            parts.append(f"<p>{e(text('none', lang))}</p>")
    return "\n".join(parts) + "</body></html>\n"


def nlu_candidates(report: Report, groups: Groups) -> str:
    """The not-understood groups as Rasa NLU YAML, intents left empty for a person to fill in."""
    lines = ["# Messages the bot did not understand, from "
             f"{report.first_day.isoformat()} to {report.last_day.isoformat()}, grouped with near",
             "# duplicates, most frequent first (scripts/report.py). For each group: set `intent`",
             "# (one of domain.yml, or a new one), keep the good examples, then move it to",
             "# data/nlu/ and retrain.",
             f"# {min(len(groups), NLU_CANDIDATE_GROUPS)} of {len(groups)} groups.",
             'version: "3.1"', "nlu:"]
    for count, _, variants in groups[:NLU_CANDIDATE_GROUPS]:
        lines += [f"- intent:  # {count} messages", "  examples: |"]
        lines += [f"    - {' '.join(text_.split())}" for text_ in variants]
    return "\n".join(lines) + "\n"


def write(report: Report, out: Path, lang: str = "id") -> None:
    """report.html, report.md (in `lang`) and nlu_candidates.yml in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    not_understood = near_duplicate_groups(report.not_understood)
    out_of_scope = near_duplicate_groups(report.out_of_scope)
    (out / "report.md").write_text(markdown(report, lang, not_understood, out_of_scope),
                                   encoding="utf-8")
    (out / "report.html").write_text(
        html_page(report, lang, not_understood, charts(report, lang), out_of_scope), encoding="utf-8")
    (out / "nlu_candidates.yml").write_text(nlu_candidates(report, not_understood), encoding="utf-8")


def default_language() -> str:
    """The environment's LANG when it is exactly "id" or "en" (`make report LANG=en`), else
    Indonesian: a locale such as en_US.UTF-8 does not choose the report's language."""
    return os.environ.get("LANG") if os.environ.get("LANG") in LANGUAGES else "id"


def parse_arguments(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD (WIB)")
    parser.add_argument("--until", type=date.fromisoformat, help="last day, YYYY-MM-DD (WIB)")
    parser.add_argument("--out", type=Path, default=PROJECT / "results", help="default results/")
    parser.add_argument("--lang", choices=LANGUAGES, default=default_language(),
                        help="id (Indonesian, the default) or en")
    arguments = parser.parse_args(argv)
    if arguments.since and arguments.until and arguments.since > arguments.until:
        parser.error("--since is after --until")
    return arguments


def main(argv: Optional[List[str]] = None) -> int:
    arguments = parse_arguments(argv)
    lang = arguments.lang
    started = time.monotonic()
    sys.path.insert(0, str(PROJECT / "scripts"))
    from purge import engine_from_environment

    engine = engine_from_environment()
    if engine is None:
        print(text("nothing", lang))
        return 0
    try:
        report = read(engine, arguments.since, arguments.until)
    finally:
        engine.dispose()
    write(report, arguments.out, lang)
    print(text("printed", lang, messages=amount(report.total_messages, "message", lang),
               conversations=amount(report.total_conversations, "conversation", lang),
               first=report.first_day, last=report.last_day,
               seconds=f"{time.monotonic() - started:.1f}", html=arguments.out / "report.html"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Synthetic conversations written into a tracker store, as Rasa stores them, for `make report`'s
benchmark and tests (nothing here is a real user's message).

Usage: scripts/generate_conversations.py --messages N [--days D] [--end YYYY-MM-DD] [--seed S]
       [--append]

The database comes from the same environment variables as Rasa (rasa_runtime/tracker_store.py);
point TRACKER_DB (or the PostgreSQL variables) at a store of its own: the script refuses to write
into a store that already holds events unless --append is given.

Each conversation is a session start, then turns of: a user message (text, intent, channel,
metadata), the action, the `language` slot, the bot's answer (rendered from actions/replies.yml
with the facts), action_listen. A turn is one of the KINDS below; `Turn` and `Conversation` let
tests write a store whose report they know.
"""

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from report import WIB  # noqa: E402  (scripts/report.py: days are counted in WIB)

# turn kind -> the action that answers it
KINDS = {"answer": None, "fallback": "action_fallback", "out_of_scope": "action_out_of_scope",
         "place": "action_nearest_office", "place_unknown": "action_nearest_office",
         "place_outside": "action_nearest_office", "place_ambiguous": "action_nearest_office",
         "location_outside": "action_nearest_office", "busy": "action_answer"}
CHANNELS = {"telegram": "telegram", "web": "socketio", "rest": "rest", "shell": "cmdline"}
# what the synthetic users ask: intent -> (action, Indonesian text, English text)
QUESTIONS = {
    "ask_jht": ("action_answer", "jht itu apa sih", "what is jht"),
    "ask_jht_payout": ("action_answer", "jht sy kpn bs cair", "when is my jht paid"),
    "ask_plkk_definition": ("action_plkk_definition", "apa itu plkk", "what is a plkk"),
    "ask_plkk_count": ("action_plkk_count", "brp jumlah plkk di kalbar", "how many plkk are there"),
    "ask_jmo": ("action_jmo", "aplikasi jmo itu apa", "what is the jmo app"),
    "ask_jmo_password": ("action_answer", "lupa password jmo", "i forgot my jmo password"),
    "ask_bsu": ("action_bsu", "bsu itu apa", "what is bsu"),
    "ask_bsu_year": ("action_bsu_year", "bsu 2025 cair ga", "is there bsu in 2025"),
    "ask_offices": ("action_offices", "daftar kantor bpjs", "list of offices"),
    "greet": ("action_greet", "halo min", "hello"),
}
NOT_UNDERSTOOD = ["gmn caranya ya", "sy mau tanya soal itu", "klaim sy ditolak knp",
                  "uang sy kok blm masuk", "ini bener bot bpjs?", "kenapa saldo berkurang",
                  "bs bantu isi formulir", "sy bingung", "tolong cek data sy", "apa bedanya"]
OUT_OF_SCOPE = ["cuaca pontianak hari ini", "resep nasi goreng", "siapa presiden", "jual pulsa"]
PLACES = ["Kecamatan Sungai Pinyuh, Kab. Mempawah", "Kota Singkawang", "Kabupaten Ketapang",
          "Desa Peniti Luar, Kec. Segedong, Kab. Mempawah", "Kecamatan Ngabang, Kab. Landak"]
UNKNOWN_PLACES = ["kantor dekat kampung sy", "di sebrang sungai", "dkt pasar lama"]
OUTSIDE_PLACES = ["Kuching", "Jakarta", "Samarinda"]
OUTSIDE_LOCATIONS = [(1.55, 110.34), (-6.2, 106.82), (-0.5, 117.15)]
MASKED_TEXTS = [("jht sy kpn cair? NIK [NIK]", ["NIK"]), ("saldo jht kpj [KPJ] brp", ["KPJ"]),
                ("hub sy di [TELEPON]", ["TELEPON"])]


@dataclass
class Turn:
    """One user message and the bot's answer. kind: a key of KINDS; place: the label found
    ("place"), the name asked ("place_ambiguous", "place_outside"); location: (lat, lon); masked:
    the kinds Rasa masked; questions: the intents of a message with several questions; topic,
    answer and wait: see below."""

    text: str
    intent: str
    kind: str = "answer"
    lang: str = "id"
    action: Optional[str] = None
    place: str = ""
    location: Optional[Sequence[float]] = None
    masked: List[str] = field(default_factory=list)
    questions: List[str] = field(default_factory=list)  # intents of several questions in one
    topic: str = ""  # the `topic` slot the answer sets: "kb:<entry id>" after a knowledge answer
    answer: str = ""  # the bot's answer as it is, instead of one rendered for `kind`
    wait: Optional[float] = None  # seconds after the turn before (default: the conversation's gap)


@dataclass
class Conversation:
    """A conversation of `turns`, one every `gap` seconds from `start` (epoch seconds)."""

    sender_id: str
    start: float
    turns: List[Turn]
    gap: float = 30.0


@lru_cache(maxsize=None)
def _facts() -> Dict[str, Any]:
    from actions.facts import get_facts

    return get_facts()


@lru_cache(maxsize=None)
def bot_text(kind: str, lang: str, place: str = "", location: Optional[Sequence[float]] = None) -> str:
    """The bot's answer to a turn, rendered from actions/replies.yml as the actions would."""
    from actions import replies
    from rasa_runtime.action_guard import busy_text

    facts = _facts()
    common = {"org": facts["organisation"]["name"], "region": facts["organisation"]["region"],
              "call_centre": facts["contacts"]["call_centre"], "plkk": "PLKK", "jmo": "JMO",
              "bsu": "BSU"}

    def render(template: str, /, **values: Any) -> str:
        return replies.render(template, lang, facts, **{**common, **values})

    if kind == "fallback":
        return render("fallback")
    if kind == "out_of_scope":
        return render("out_of_scope")
    if kind == "place":
        # `origin`: where the distance is measured from, in templates that name it
        return render("nearest_office", place=place, office="Kantor Cabang Pontianak",
                      distance=replies.distance(12.3, lang),
                      origin="dari pusat Kota Pontianak" if lang == "id" else
                      "from the centre of Kota Pontianak")
    if kind == "place_unknown":
        return render("place_unknown")
    if kind == "place_outside":
        return render("place_outside", place=place)
    if kind == "place_ambiguous":
        return render("place_ambiguous", name=place)
    if kind == "location_outside":
        return render("location_outside")
    if kind == "busy":
        return busy_text(lang)
    return render("help")


def events(conversation: Conversation) -> List[Dict[str, Any]]:
    """The events Rasa stores for a conversation, as dicts (Event.as_dict())."""
    t = conversation.start
    found = [{"event": "action", "timestamp": t, "name": "action_session_start"},
             {"event": "session_started", "timestamp": t + 0.01},
             {"event": "action", "timestamp": t + 0.02, "name": "action_listen"}]
    channel = CHANNELS.get(conversation.sender_id.split(":")[0], "rest")
    t = conversation.start + 1
    for number, turn in enumerate(conversation.turns):
        if number:
            t += conversation.gap if turn.wait is None else turn.wait
        entities = ([{"entity": "lat", "value": turn.location[0]},
                     {"entity": "lon", "value": turn.location[1]}] if turn.location else [])
        metadata: Dict[str, Any] = {"masked": turn.masked} if turn.masked else {}
        if turn.questions:
            metadata["questions"] = [{"text": turn.text, "intent": name, "confidence": 0.9,
                                      "entities": []} for name in turn.questions]
        intent = {"name": turn.intent, "confidence": 0.9}
        found.append({"event": "user", "timestamp": t, "text": turn.text, "input_channel": channel,
                      "message_id": f"{conversation.sender_id}-{number}", "metadata": metadata,
                      "parse_data": {"intent": intent, "entities": entities, "text": turn.text,
                                     "intent_ranking": [intent]}})
        action = turn.action or KINDS[turn.kind] or QUESTIONS.get(turn.intent, ("action_answer",))[0]
        found.append({"event": "action", "timestamp": t + 0.1, "name": action,
                      "policy": "RulePolicy", "confidence": 1.0})
        if turn.kind != "busy":
            found.append({"event": "slot", "timestamp": t + 0.2, "name": "language",
                          "value": turn.lang})
        text = turn.answer or bot_text(turn.kind, turn.lang, turn.place,
                                       tuple(turn.location or ()) or None)
        found.append({"event": "bot", "timestamp": t + 0.3, "text": text, "data": {},
                      "metadata": {}})
        if turn.topic:  # after the answer, as Rasa stores a custom action's events
            found.append({"event": "slot", "timestamp": t + 0.35, "name": "topic",
                          "value": turn.topic})
        found.append({"event": "action", "timestamp": t + 0.4, "name": "action_listen"})
    return found


def rows(conversation: Conversation) -> List[Dict[str, Any]]:
    """The rows of the `events` table for a conversation (the columns Rasa's SQLTrackerStore
    fills)."""
    return [{"sender_id": conversation.sender_id, "type_name": e["event"],
             "timestamp": e["timestamp"],
             "intent_name": (e.get("parse_data") or {}).get("intent", {}).get("name"),
             "action_name": e.get("name"), "data": json.dumps(e)} for e in events(conversation)]


def write(conversations: Iterator[Conversation], append: bool = False) -> int:
    """Writes conversations into the tracker store of the environment; returns the events
    written. Refuses (SystemExit) a store with events unless `append`."""
    import sqlalchemy as sa

    from rasa_runtime.tracker_store import BoundedSQLTrackerStore

    store = BoundedSQLTrackerStore()
    table = store.SQLEvent.__table__
    written = 0
    try:
        with store.engine.begin() as connection:
            if not append and connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise SystemExit(f"{store.engine.url.render_as_string(hide_password=True)} already "
                                 "holds events: use a store of its own (TRACKER_DB=...) or --append")
        batch: List[Dict[str, Any]] = []
        for conversation in conversations:
            batch += rows(conversation)
            if len(batch) >= 20000:
                with store.engine.begin() as connection:
                    connection.execute(table.insert(), batch)
                written, batch = written + len(batch), []
        if batch:
            with store.engine.begin() as connection:
                connection.execute(table.insert(), batch)
            written += len(batch)
    finally:
        store.engine.dispose()
    return written


def random_turn(rng: random.Random) -> Turn:
    """A turn drawn with a plausible mix: mostly questions, some not understood, places..."""
    lang = "en" if rng.random() < 0.12 else "id"
    roll = rng.random()
    if roll < 0.12:
        return Turn(rng.choice(NOT_UNDERSTOOD) + rng.choice(["", " min", " ya", "??"]),
                    "nlu_fallback", "fallback", lang)
    if roll < 0.16:
        return Turn(rng.choice(OUT_OF_SCOPE), "out_of_scope", "out_of_scope", lang)
    if roll < 0.26:
        return Turn("kantor terdekat", "ask_nearest_office", "place", lang, place=rng.choice(PLACES))
    if roll < 0.28:
        return Turn(rng.choice(UNKNOWN_PLACES), "inform_place", "place_unknown", lang)
    if roll < 0.29:
        return Turn("kantor di " + rng.choice(OUTSIDE_PLACES).lower(), "ask_nearest_office",
                    "place_outside", lang, place=rng.choice(OUTSIDE_PLACES))
    if roll < 0.30:
        lat, lon = rng.choice(OUTSIDE_LOCATIONS)
        return Turn(json.dumps({"lng": lon, "lat": lat}), "share_location", "location_outside",
                    lang, location=(lat, lon))
    if roll < 0.31:
        return Turn("jht itu apa", "ask_jht", "busy", lang)
    if roll < 0.33:
        text, masked = rng.choice(MASKED_TEXTS)
        return Turn(text, "ask_jht", "answer", lang, masked=masked)
    intent = rng.choice(list(QUESTIONS))
    action, text_id, text_en = QUESTIONS[intent]
    return Turn(text_en if lang == "en" else text_id, intent, "answer", lang, action)


def synthetic(messages: int, days: int, end: date, seed: int = 13) -> Iterator[Conversation]:
    """Conversations holding `messages` user messages in all, spread over the `days` days that end
    on `end` (WIB), 1-12 messages each, on every channel."""
    rng = random.Random(seed)
    first = datetime.combine(end - timedelta(days=days - 1), datetime.min.time(), WIB).timestamp()
    left, number = messages, 0
    while left > 0:
        size = min(left, rng.randint(1, 12))
        channel = rng.choices(list(CHANNELS), weights=[5, 3, 1, 1])[0]
        start = first + rng.random() * (days * 86400 - size * 30 - 10)
        yield Conversation(f"{channel}:synthetic-{number}", start,
                           [random_turn(rng) for _ in range(size)])
        left, number = left - size, number + 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, required=True, help="user messages in all")
    parser.add_argument("--days", type=int, default=30, help="spread over this many days")
    parser.add_argument("--end", type=date.fromisoformat, default=date.today(),
                        help="the last day (YYYY-MM-DD, default today)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--append", action="store_true", help="write into a store with events")
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    written = write(synthetic(arguments.messages, arguments.days, arguments.end, arguments.seed),
                    arguments.append)
    print(f"Wrote {arguments.messages} synthetic messages ({written} events) over "
          f"{arguments.days} days in {time.monotonic() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

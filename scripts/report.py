"""What users asked and where the bot failed: an operator's report read from the tracker store.

Usage: scripts/report.py [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out DIR]
       (or: make report SINCE=... UNTIL=...)

Writes DIR/report.html (self-contained, the charts as embedded PNG images made with matplotlib),
DIR/report.md (the same tables, without charts) and DIR/nlu_candidates.yml (the messages not
understood, grouped, as an NLU stub whose intents a person fills in); DIR is results/.

Days run from midnight to midnight in WIB (UTC+7, Kalimantan Barat's time); --since and --until
are included; without them the report covers every stored message. The database is the one Rasa
uses, from the same environment variables (rasa_runtime/tracker_store.py, as `make purge`).

How each figure is read from the stored events (one pass over them, conversation by conversation):
- message: a user message; conversation: a conversation id with a message that day; channel: the
  namespace of the conversation id (telegram, web, rest, shell);
- topic: the message's intent, or the intent of each of its questions when it held several
  (rasa_runtime/questions.py);
- not understood: `action_fallback` answered the message; out of scope: `action_out_of_scope`;
- places: the bot's answers, recognised by their templates in actions/replies.yml: the place of
  `nearest_office` (found), `place_ambiguous` (several places), `place_unknown` (the user's text:
  not found), `place_outside` (a place outside Kalbar), `location_outside(_near)` (a shared
  location outside Kalbar, rounded to 0.1 degree, about 11 km);
- "service busy": the answer rasa_runtime/action_guard.py sends when the action server is down or
  slow (template `service_busy`, or its plain form);
- language: the `language` slot the answer set (else the conversation's previous language);
- masked: messages whose personal data Rasa masked (metadata `masked`, rasa_runtime/masking.py).
A template changed after a conversation was stored no longer recognises that answer.
"""

import argparse
import base64
import html
import io
import json
import re
import string
import sys
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple


PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

WIB = timezone(timedelta(hours=7), "WIB")
TOP_NOT_UNDERSTOOD = 50
TOP_ROWS = 30  # rows of the other tables
NLU_CANDIDATE_GROUPS = 200
NEAR_DUPLICATE_SCORE = 88  # rapidfuzz ratio (0-100) at which two messages are one group
GROUP_REPRESENTATIVES = 1000  # the most frequent groups that others are compared with
TOPICS_IN_CHART = 8
MASK_TOKEN = re.compile(r"\[(?:email|telepon|nik|kpj|rekening)\]")  # rasa_runtime/masking.py
# chat particles left out when messages are compared ("gmn caranya min?" is "gmn caranya ya")
PARTICLES = {"min", "ya", "yah", "kak", "ka", "pak", "bu", "bang", "mas", "gan", "dong", "sih",
             "nih", "deh", "kah", "lah", "tuh", "please", "pls"}
CHANNEL_ORDER = ["telegram", "web", "rest", "shell", "other"]
INPUT_CHANNELS = {"telegram": "telegram", "socketio": "web", "rest": "rest", "cmdline": "shell"}
PLACE_TEMPLATES = ["nearest_office", "place_ambiguous", "place_unknown", "place_outside",
                   "location_outside", "location_outside_near", "service_busy"]
# the rows the report reads: messages, answers, the two failure actions, the language slot
QUERY = """SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events
WHERE timestamp >= :start AND timestamp < :end
  AND (type_name IN ('user', 'bot')
       OR (type_name = 'action' AND action_name IN ('action_fallback', 'action_out_of_scope'))
       OR (type_name = 'slot' AND action_name = 'language'))
ORDER BY sender_id, id"""
Patterns = Dict[str, List["re.Pattern[str]"]]  # template name -> a regex per language
Groups = List[Tuple[int, str, List[str]]]  # (count, representative, variants)


@dataclass
class Report:
    """Everything the report shows; days are dates in WIB."""

    first_day: date
    last_day: date
    messages: Counter = field(default_factory=Counter)  # (day, channel) -> user messages
    conversations: Dict[Tuple[date, str], set] = field(default_factory=lambda: defaultdict(set))
    topics: Counter = field(default_factory=Counter)  # (day, intent) -> questions
    not_understood_by_day: Counter = field(default_factory=Counter)
    out_of_scope_by_day: Counter = field(default_factory=Counter)
    not_understood: Counter = field(default_factory=Counter)  # normalised text -> messages
    places_found: Counter = field(default_factory=Counter)
    places_ambiguous: Counter = field(default_factory=Counter)
    places_unknown: Counter = field(default_factory=Counter)
    places_outside: Counter = field(default_factory=Counter)
    locations_outside: Counter = field(default_factory=Counter)  # (lat, lon) rounded
    busy_by_day: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)  # "id"/"en" -> messages
    masked: Counter = field(default_factory=Counter)  # kind -> messages
    masked_messages: int = 0
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
        return [(c, len(set().union(*[s for (_, ch), s in self.conversations.items() if ch == c])),
                 self.total(self.messages, 1, c)) for c in CHANNEL_ORDER if c in found]

    @property
    def total_messages(self) -> int:
        return sum(self.messages.values())

    @property
    def total_conversations(self) -> int:
        return len(set().union(*self.conversations.values())) if self.conversations else 0

    def intents(self) -> Counter:
        found: Counter = Counter()
        for (_, intent), count in self.topics.items():
            found[intent] += count
        return found


# --- reading the tracker store -------------------------------------------------------------------


def template_patterns() -> Patterns:
    """For each template of PLACE_TEMPLATES, a regex per language that matches the start of an
    answer rendered from it, with the fields `place` and `name` as groups."""
    from actions import replies
    from rasa_runtime.action_guard import PLAIN_BUSY

    patterns: Patterns = {}
    for name in PLACE_TEMPLATES:
        patterns[name] = []
        for text in replies.templates()[name].values():
            regex, seen = "", set()
            for literal, fieldname, _, _ in string.Formatter().parse(" ".join(text.split())):
                regex += re.escape(literal)
                if fieldname is not None:
                    named = fieldname in ("place", "name") and fieldname not in seen
                    seen.add(fieldname)
                    regex += f"(?P<{fieldname}>.+?)" if named else ".+?"
            patterns[name].append(re.compile(regex))
    patterns["service_busy"] += [re.compile(re.escape(text)) for text in PLAIN_BUSY.values()]
    return patterns


def answer_kind(text: str, patterns: Patterns) -> Tuple[Optional[str], Any]:
    """(the template an answer starts with, its match) or (None, None)."""
    first_line = " ".join(text.split("\n", 1)[0].split())
    for name, regexes in patterns.items():
        for regex in regexes:
            match = regex.match(first_line)
            if match:
                return name, match
    return None, None


def normalised(text: str) -> str:
    """A message as it is counted among the not understood: lower case (mask tokens kept as they
    are: "[NIK]"), single spaces, without punctuation at either end."""
    text = " ".join(text.lower().split()).strip(" .,!?;:-")
    return MASK_TOKEN.sub(lambda match: match.group().upper(), text)


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


def read(engine: Any, first_day: Optional[date], last_day: Optional[date]) -> Report:
    """The report of the messages from first_day to last_day (WIB, both included; None: from the
    first / to the last stored message)."""
    import sqlalchemy as sa

    patterns = template_patterns()
    start = datetime.combine(first_day, datetime.min.time(), WIB).timestamp() if first_day else 0
    end = (datetime.combine(last_day + timedelta(1), datetime.min.time(), WIB).timestamp()
           if last_day else 1e12)
    report = Report(first_day or date.max, last_day or date.min)
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            rows: Iterable[Any] = []
        else:
            rows = connection.execution_options(stream_results=True).execute(
                sa.text(QUERY), {"start": start, "end": end})
        sender, message, language = None, None, None
        seen_first, seen_last = date.max, date.min

        def close_message() -> None:
            if message is not None and not message["language_set"]:
                report.languages[language or "id"] += 1

        for sender_id, type_name, timestamp, intent, action, data in rows:
            if sender_id != sender:
                close_message()
                sender, message, language = sender_id, None, None
            day = datetime.fromtimestamp(timestamp, WIB).date()
            if type_name == "user":
                close_message()
                event = json.loads(data)
                message = {"text": event.get("text") or "", "day": day, "language_set": False,
                           "event": event}
                seen_first, seen_last = min(seen_first, day), max(seen_last, day)
                channel = channel_of(sender_id, event.get("input_channel"))
                report.messages[day, channel] += 1
                report.conversations[day, channel].add(sender_id)
                metadata = event.get("metadata") or {}
                questions = metadata.get("questions") or []
                asked = [q.get("intent") for q in questions] if len(questions) > 1 else [intent]
                for name in asked:
                    report.topics[day, name or "(none)"] += 1
                if metadata.get("masked"):
                    report.masked_messages += 1
                    report.masked.update(metadata["masked"])
            elif message is None:
                continue  # an answer to a message before the period
            elif type_name == "slot":
                language = json.loads(data).get("value") or language
                if not message["language_set"]:
                    report.languages[language or "id"] += 1
                    message["language_set"] = True
            elif type_name == "action" and action == "action_fallback":
                report.not_understood_by_day[message["day"]] += 1
                if normalised(message["text"]):
                    report.not_understood[normalised(message["text"])] += 1
            elif type_name == "action":
                report.out_of_scope_by_day[message["day"]] += 1
            elif type_name == "bot":
                kind, match = answer_kind(json.loads(data).get("text") or "", patterns)
                if kind == "service_busy":
                    report.busy_by_day[message["day"]] += 1
                elif kind == "nearest_office":
                    report.places_found[match.group("place")] += 1
                elif kind == "place_ambiguous":
                    report.places_ambiguous[match.group("name")] += 1
                elif kind == "place_unknown":
                    report.places_unknown[normalised(message["text"])] += 1
                elif kind == "place_outside":
                    report.places_outside[match.group("place")] += 1
                elif kind in ("location_outside", "location_outside_near"):
                    point = shared_location(message["event"])
                    if point and kind == "location_outside":  # one per message
                        report.locations_outside[point] += 1
        close_message()
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


# --- grouping what was not understood ------------------------------------------------------------


def comparison_key(text: str) -> str:
    """What two messages are compared on: their words (and mask tokens), without punctuation and
    chat particles ("min", "ya", "kak"...): 'Gmn caranya ya min??' -> 'gmn caranya'."""
    return " ".join(w for w in re.findall(r"\[[A-Z]+\]|\w+", normalised(text))
                    if w not in PARTICLES)


def near_duplicate_groups(counts: Counter) -> Groups:
    """Messages grouped with near duplicates, most frequent first: [(count, representative,
    variants)]. Messages with the same comparison_key are one group; a key whose rapidfuzz ratio
    with a group's key is at least NEAR_DUPLICATE_SCORE joins that group (it is compared with the
    GROUP_REPRESENTATIVES most frequent groups). Variants are listed most frequent (then shortest)
    first; the first is the group's representative."""
    from rapidfuzz import fuzz, process

    by_key: Dict[str, Counter] = defaultdict(Counter)
    for text, count in counts.items():
        by_key[comparison_key(text)][text] += count
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
        variants = sorted(group, key=lambda text: (-group[text], len(text), text))
        found.append((sum(group.values()), variants[0], variants))
    return sorted(found, key=lambda g: (-g[0], g[1]))


# --- charts --------------------------------------------------------------------------------------


def charts(report: Report) -> Dict[str, str]:
    """Chart name -> PNG image, base64-encoded."""
    with warnings.catch_warnings():  # matplotlib 3.5 on a newer pyparsing warns at import
        warnings.simplefilter("ignore")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

    days = report.days
    found: Dict[str, str] = {}

    def save(figure: Any, name: str) -> None:
        for axes in figure.axes:  # dates as days, about ten ticks; counts as whole numbers
            axes.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, len(days) // 10)))
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
            if not axes.get_ylabel():
                axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
        plt.close(figure)
        found[name] = base64.b64encode(buffer.getvalue()).decode("ascii")

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
    bottoms = [0] * len(days)
    for channel, _, _ in report.by_channel():
        values = [report.messages[day, channel] for day in days]
        top.bar(days, values, bottom=bottoms, label=channel)
        bottoms = [b + v for b, v in zip(bottoms, values)]
    top.set_title("Messages per day, by channel")
    top.legend(loc="upper left", fontsize="small")
    bottom.plot(days, [report.conversations_on(day) for day in days], marker=".")
    bottom.set_title("Conversations per day")
    save(figure, "activity")

    weekly = len(days) > 62
    buckets = sorted({day - timedelta(day.weekday()) if weekly else day for day in days})
    per_bucket: Dict[date, Counter] = defaultdict(Counter)
    for (day, intent), count in report.topics.items():
        per_bucket[day - timedelta(day.weekday()) if weekly else day][intent] += count
    top_intents = [intent for intent, _ in report.intents().most_common(TOPICS_IN_CHART)]
    figure, axes = plt.subplots(figsize=(9, 4.5))
    series = []
    for intent in top_intents + ["other"]:
        values = []
        for bucket in buckets:
            total = sum(per_bucket[bucket].values()) or 1
            count = (per_bucket[bucket][intent] if intent != "other" else
                     sum(v for k, v in per_bucket[bucket].items() if k not in top_intents))
            values.append(100 * count / total)
        series.append(values)
    axes.stackplot(buckets, series, labels=top_intents + ["other"])
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of questions")
    axes.set_title("Topics asked, share per " + ("week" if weekly else "day"))
    axes.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize="small")
    save(figure, "topics")

    figure, axes = plt.subplots(figsize=(9, 3.5))
    for label, counter in (("not understood", report.not_understood_by_day),
                           ("out of scope", report.out_of_scope_by_day)):
        axes.plot(days, [100 * counter[d] / report.messages_on(d) if report.messages_on(d) else 0
                         for d in days], marker=".", label=label)
    axes.set_ylabel("% of messages")
    axes.set_title("Not understood and out-of-scope rates per day")
    axes.legend(fontsize="small")
    save(figure, "rates")

    figure, axes = plt.subplots(figsize=(9, 3))
    axes.bar(days, [report.busy_by_day[d] for d in days], color="tab:red")
    axes.set_title('"Service busy" answers per day (action server down or slow)')
    save(figure, "busy")

    figure, axes = plt.subplots(figsize=(5, 2.2))
    names = {"id": "Indonesian", "en": "English"}
    languages = [lang for lang, _ in report.languages.most_common()]
    axes.barh([names.get(lang, lang) for lang in languages],
              [report.languages[lang] for lang in languages])
    axes.set_title("Messages by language")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    found["languages"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return found


# --- the documents -------------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


Section = Tuple[str, str, List[str], List[List[Any]], Optional[str]]


def sections(report: Report, groups: Groups) -> List[Section]:
    """The report's sections: (title, note, table header, table rows, chart name)."""
    total = report.total_messages
    days = [[d.isoformat(), report.conversations_on(d), report.messages_on(d),
             *[report.messages[d, c] for c, _, _ in report.by_channel()]] for d in report.days]
    intents = report.intents()
    questions = sum(intents.values())
    rates = [[d.isoformat(), report.messages_on(d),
              report.not_understood_by_day[d],
              percent(report.not_understood_by_day[d], report.messages_on(d)),
              report.out_of_scope_by_day[d],
              percent(report.out_of_scope_by_day[d], report.messages_on(d))] for d in report.days]
    not_understood = sum(report.not_understood_by_day.values())
    out_of_scope = sum(report.out_of_scope_by_day.values())
    busy = sum(report.busy_by_day.values())
    places = [[result, place, count]
              for result, counter in (("found", report.places_found),
                                      ("several places", report.places_ambiguous),
                                      ("not found", report.places_unknown),
                                      ("outside Kalbar", report.places_outside))
              for place, count in counter.most_common(TOP_ROWS)]
    channels = [c for c, _, _ in report.by_channel()]
    languages = {"id": "Indonesian", "en": "English"}
    return [
        ("Conversations and messages",
         f"{report.total_conversations} conversations, {total} messages.",
         ["channel", "conversations", "messages"], [list(row) for row in report.by_channel()],
         None),
        ("Per day", "", ["day", "conversations", "messages", *channels],
         days, "activity"),
        ("Topics asked (intents)", f"{questions} questions (a message with several counts each).",
         ["intent", "questions", "share"],
         [[i, n, percent(n, questions)] for i, n in intents.most_common()], "topics"),
        ("Not understood and out of scope",
         f"Not understood: {not_understood} ({percent(not_understood, total)}); out of scope: "
         f"{out_of_scope} ({percent(out_of_scope, total)}).",
         ["day", "messages", "not understood", "rate", "out of scope", "rate"], rates, "rates"),
        (f"The {TOP_NOT_UNDERSTOOD} most frequent messages not understood",
         f"{len(groups)} groups of {sum(report.not_understood.values())} messages; near duplicates "
         f"are grouped (rapidfuzz ratio >= {NEAR_DUPLICATE_SCORE}) under the most frequent one.",
         ["messages", "message", "variants"],
         [[c, r, len(v)] for c, r, v in groups[:TOP_NOT_UNDERSTOOD]], None),
        ("Places asked and not found",
         f"{sum(report.places_found.values())} answers with an office for a place, "
         f"{sum(report.places_ambiguous.values())} with a choice of places, "
         f"{sum(report.places_unknown.values())} places not found, "
         f"{sum(report.places_outside.values())} places outside Kalbar.",
         ["result", "place (as the bot found it) or message", "times"], places, None),
        ("Shared locations outside Kalbar",
         f"{sum(report.locations_outside.values())} shared locations outside Kalbar (rounded to "
         "0.1 degree, about 11 km).",
         ["latitude", "longitude", "times"],
         [[lat, lon, n] for (lat, lon), n in report.locations_outside.most_common(TOP_ROWS)], None),
        ('"Service busy" answers', f"{busy} answers while the action server was down or slow.",
         ["day", "busy answers"],
         [[d.isoformat(), report.busy_by_day[d]] for d in report.days if report.busy_by_day[d]],
         "busy"),
        ("Languages", "", ["language", "messages", "share"],
         [[languages.get(lang, lang), n, percent(n, total)]
          for lang, n in report.languages.most_common()], "languages"),
        ("Personal data masked",
         f"{report.masked_messages} messages held personal data, masked before storage "
         "(docs/security.md).", ["kind", "messages"],
         [list(item) for item in report.masked.most_common()], None),
    ]


def period_text(report: Report) -> str:
    """The period covered and what the purges removed before."""
    text = (f"From {report.first_day.isoformat()} to {report.last_day.isoformat()} (WIB), "
            f"{len(report.days)} days.")
    purged = report.purged
    if purged is None:
        return (text + " No purge is recorded (`make purge`): what was removed before, if "
                "anything, is not known.")
    return (text + f" `make purge` has removed {purged['conversations']} conversations "
            f"({purged['events']} events) in {purged['runs']} runs, the last on "
            f"{purged['last']:%Y-%m-%d %H:%M} WIB (conversations whose last message was before "
            f"{purged['cutoff']:%Y-%m-%d %H:%M} WIB).")


def markdown(report: Report, groups: Groups) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["# What users asked", "", period_text(report), "",
             "Charts: report.html. Messages are stored masked (docs/security.md).", ""]
    for title, note, header, rows, _ in sections(report, groups):
        lines += [f"## {title}", ""] + ([note, ""] if note else [])
        if rows:
            lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
            lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


STYLE = """body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 8px;
text-align:left;font-size:90%}th{background:#eee}img{max-width:100%;display:block;margin:.5em 0}"""


def html_page(report: Report, groups: Groups, images: Dict[str, str]) -> str:
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>What users asked"
             f"</title><style>{STYLE}</style></head><body><h1>What users asked</h1>",
             f"<p>{e(period_text(report))}</p>"]
    for title, note, header, rows, chart in sections(report, groups):
        parts.append(f"<h2>{e(title)}</h2>" + (f"<p>{e(note)}</p>" if note else ""))
        if chart in images:
            parts.append(f"<img alt='{e(title)}' src='data:image/png;base64,{images[chart]}'>")
        if rows:
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
                                   for row in rows) + "</table>")
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
        lines += [f"    - {' '.join(text.split())}" for text in variants]
    return "\n".join(lines) + "\n"


def write(report: Report, out: Path) -> None:
    """report.html, report.md and nlu_candidates.yml in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    groups = near_duplicate_groups(report.not_understood)
    (out / "report.md").write_text(markdown(report, groups), encoding="utf-8")
    (out / "report.html").write_text(html_page(report, groups, charts(report)), encoding="utf-8")
    (out / "nlu_candidates.yml").write_text(nlu_candidates(report, groups), encoding="utf-8")


def parse_arguments(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD (WIB)")
    parser.add_argument("--until", type=date.fromisoformat, help="last day, YYYY-MM-DD (WIB)")
    parser.add_argument("--out", type=Path, default=PROJECT / "results", help="default results/")
    arguments = parser.parse_args(argv)
    if arguments.since and arguments.until and arguments.since > arguments.until:
        parser.error("--since is after --until")
    return arguments


def main(argv: Optional[List[str]] = None) -> int:
    arguments = parse_arguments(argv)
    started = time.monotonic()
    sys.path.insert(0, str(PROJECT / "scripts"))
    from purge import engine_from_environment

    engine = engine_from_environment()
    if engine is None:
        print("No tracker store yet: nothing to report.")
        return 0
    try:
        report = read(engine, arguments.since, arguments.until)
    finally:
        engine.dispose()
    write(report, arguments.out)
    print(f"Reported {report.total_messages} messages in {report.total_conversations} "
          f"conversations, {report.first_day} to {report.last_day}, in "
          f"{time.monotonic() - started:.1f} s: {arguments.out / 'report.html'}, report.md, "
          "nlu_candidates.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""PLKK (Pusat Layanan Kecelakaan Kerja): what it is, how many there are by type, where to get
treated after a work accident, and how to find one. Facility names come only from the facts file.

With `plkk.facilities` filled (actions/directory.py), "find" answers name facilities: the three
nearest to a place or a shared location, those of a regency or district by type, and whether a
named facility is in the list; an accident question that names a place gets the nearest too. With
the list empty, the answers are the counts and where to ask.

A list of part of Kalbar (`plkk.facilities_covers`: the regencies it covers) is answered as such:
each answer from it says what it covers, how many facilities and its date; a place or location
outside it, or a name not in it, gets the JMO app and the call centre, not the far facilities of
the list; the counts (`plkk.total`, `plkk.by_type`) stay the official ones with their own date.
"""

import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa_sdk.events import EventType, SlotSet

from actions import offices, places, replies
from actions.base import BotAction, Turn
from actions.directory import Facility, directory, name_key, tokens, type_runs
from actions.gazetteer import DISTRICT, VILLAGE, Place, load_gazetteer

# Words asking for the nearest facility.
NEAR_WORDS = ["terdekat", "dekat", "deket", "dkt", "paling dekat", "sekitar", "nearest", "near",
              "closest", "around"]
# Words for a hospital of any type (the types whose keywords hold one of them).
HOSPITAL_WORDS = ["rs", "rumah sakit", "hospital", "hospitals"]
# Words that end a facility's name in a question ("rsud X termasuk plkk?", "is X a plkk?").
NAME_STOP = {
    "termasuk", "bukan", "kah", "ga", "gak", "nggak", "ngga", "tidak", "tdk", "ya", "yah", "apa",
    "apakah", "is", "are", "a", "an", "the", "there", "partner", "partners", "mitra", "yg", "yang",
    "di", "dari", "dekat", "deket", "terdekat", "nearest", "near", "in", "at", "of", "to", "from",
    "kerja", "kerjasama", "sama", "bpjs", "tk", "jadi", "menjadi", "sebagai", "ikut", "itu", "ini",
    "nya", "tuh", "sih", "dong", "min", "kak", "bang", "ada", "aja", "mana", "dimana", "dmn",
    "daftar", "nama", "list", "which", "that", "for", "with", "bisa", "untuk", "utk", "sudah",
    "udah", "masih", "berapa", "brp", "how", "many", "rujukan", "jkk", "kecelakaan", "melayani",
    "buat", "terima", "menerima", "accept", "accepts", "and", "dan", "atau", "or", "sy", "saya",
    "kamek", "my", "i", "me",
    # Pontianak Malay and chat particles: "rsud X tu plkk kah?", "klinik X trmasuk plkk gak"
    "tu", "ni", "ke", "ade", "masuk", "trmasuk", "tmasuk", "gk", "nda", "ndak", "enggak", "engga",
}
# Words that make a message a yes/no question about one facility.
MEMBERSHIP_WORDS = {"termasuk", "trmasuk", "tmasuk", "masuk", "bukan", "kah", "ke", "ga", "gak",
                    "gk", "nggak", "ngga", "ndak", "apakah", "is", "are", "partner"}
# Words that may stand before a name made of type words only ("rs bhayangkara plkk?").
NAME_OPENERS = {"apakah", "apa", "is", "kalau", "kalo", "klo", "min", "kak", "bang"}
# A type's names listed in full up to this many, then "and N more".
MAX_NAMES = 8


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


def facility_type_in(turn: Turn, text: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The facility type the message (or `text`) asks about, if it names one."""
    text = turn.text if text is None else text
    scored = [(mentions(text, t["keywords"]), t) for t in turn.facts["plkk"]["by_type"]]
    best = max(scored, key=lambda pair: pair[0])
    return best[1] if best[0] else None


# --- the facility list (plkk.facilities) -------------------------------------------------------


def list_as_of(turn: Turn) -> str:
    """The month of the facility list ('Maret 2026')."""
    return replies.month_year(turn.facts["plkk"]["facilities_as_of"], turn.lang)


def covered_regencies(turn: Turn) -> Optional[List[str]]:
    """The regency codes a list of part of Kalbar covers; None for a list of the whole province."""
    return turn.facts["plkk"].get("facilities_covers") or None


def covers(turn: Turn, regency_code: str) -> bool:
    """Whether the facility list covers a regency (a list of the whole province covers all)."""
    covered = covered_regencies(turn)
    return covered is None or regency_code in covered


def coverage(turn: Turn) -> Dict[str, str]:
    """What a list of part of Kalbar covers, for its templates: the regencies ('Kabupaten X'),
    the number of facilities, the list's month, and the official count and its month."""
    plkk, regencies = turn.facts["plkk"], load_gazetteer().regencies
    return {"areas": replies.join([regencies[code].name for code in covered_regencies(turn) or []],
                                  turn.lang),
            "count": replies.number(len(plkk["facilities"]), turn.lang), "as_of": list_as_of(turn),
            "total": replies.number(plkk["total"], turn.lang), "official_as_of": turn.as_of(plkk)}


def partial_note(turn: Turn) -> List[str]:
    """The line that says what a list of part of Kalbar covers ([] for a list of all of it)."""
    return [turn.render("plkk_partial_note", **coverage(turn))] if covered_regencies(turn) else []


def list_breakdown(turn: Turn) -> str:
    """'3 puskesmas dan 1 RSUD': the list's facilities by type, the types it has."""
    counts = [(sum(1 for f in turn.facts["plkk"]["facilities"] if f["type"] == t["key"]), t)
              for t in turn.facts["plkk"]["by_type"]]
    return replies.join([f"{replies.number(n, turn.lang)} "
                         f"{((t.get('singular') or t['label']) if n == 1 else t['label'])[turn.lang]}"
                         for n, t in counts if n], turn.lang)


def by_key(turn: Turn) -> Dict[str, Dict[str, Any]]:
    """plkk.by_type items by key."""
    return {t["key"]: t for t in turn.facts["plkk"]["by_type"]}


def type_name(turn: Turn, key: str) -> str:
    """One facility's type in the turn's language ('klinik', 'clinic')."""
    kind = by_key(turn)[key]
    return (kind.get("singular") or kind["label"])[turn.lang]


def earlier_question(turn: Turn) -> Optional[str]:
    """The text of the latest user message before this one that the model read as a PLKK
    question (PLKK_INTENTS), among the events Rasa sent; None when there is none."""
    users = [e for e in turn.tracker.events if e.get("event") == "user"][:-1]
    for event in reversed(users):
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") in PLKK_INTENTS:
            return event.get("text") or ""
    return None


def types_in(turn: Turn, text: str) -> Optional[List[str]]:
    """The type keys a text asks for: one named type, all hospital types for 'rs' or
    'hospital', else None (every type)."""
    kind = facility_type_in(turn, text)
    if kind:
        return [kind["key"]]
    if mentions(text, HOSPITAL_WORDS):
        return [t["key"] for t in turn.facts["plkk"]["by_type"]
                if any(mentions(k, HOSPITAL_WORDS) for k in t["keywords"])]
    return None


def asked_types(turn: Turn) -> Optional[List[str]]:
    """The type keys the message asks for (types_in). A follow-up that is not itself a PLKK
    question (a place, a shared location, "kalo yg deket X?") and names no type asks for the type
    of the conversation's latest PLKK question: "rs plkk terdekat", then "sungai kakap", means
    the hospitals nearest to Sungai Kakap. No slot holds the type: it is read from the events."""
    types = types_in(turn, turn.text)
    if types is None and turn.intent not in PLKK_INTENTS:
        earlier = earlier_question(turn)
        if earlier:
            types = types_in(turn, earlier)
    return types


def what(turn: Turn, types: Optional[List[str]]) -> str:
    """'PLKK', or 'puskesmas PLKK' / 'PLKK private hospitals' for one asked type."""
    if not types or len(types) != 1:
        return turn.values["plkk"]
    return turn.render("plkk_kind", label=by_key(turn)[types[0]]["label"][turn.lang])


def area_label(facility: Facility) -> str:
    """'Kecamatan X, Kab. Y' when the district is known, else the regency."""
    gazetteer = load_gazetteer()
    if facility.district_code:
        return offices.place_label(gazetteer.districts[facility.district_code])
    return gazetteer.regencies[facility.regency_code].name


def facility_details(turn: Turn, facility: Facility) -> List[str]:
    """Address and phone when known, and whether the position is approximate."""
    lines = []
    if facility.address:
        lines.append(turn.render("plkk_address", address=facility.address))
    if facility.phone:
        lines.append(turn.render("plkk_phone", phone=facility.phone))
    if facility.approximate:
        lines.append(turn.render("plkk_position_approximate", area=area_label(facility)))
    return lines


def map_line(turn: Turn, facility: Facility) -> str:
    return turn.render("map_link", url=offices.map_url({"lat": facility.lat, "lon": facility.lon}))


def nearest_lines(turn: Turn, lat: float, lon: float, types: Optional[List[str]]) -> List[str]:
    """The three nearest facilities, each with type, distance, details and a map link."""
    lines = []
    for number, (km, facility) in enumerate(directory(turn.facts).nearest(lat, lon, 3, types), 1):
        head = turn.render("plkk_item_distance", number=number, name=facility.name,
                           type=type_name(turn, facility.type),
                           distance=replies.distance(km, turn.lang))
        lines.append(" ".join([head, *facility_details(turn, facility)]))
        lines.append(map_line(turn, facility))
    return lines


def listed_types(turn: Turn, types: Optional[List[str]]) -> Optional[List[str]]:
    """The types asked for when the list has a facility of one of them, else None (every type):
    a list of part of Kalbar may have no clinic at all."""
    if types is None or any(f["type"] in types for f in turn.facts["plkk"]["facilities"]):
        return types
    return None


def nearest_block(turn: Turn, lat: float, lon: float, place: str) -> List[str]:
    """The lines of the three facilities nearest to a point: what the list covers when it is of
    part of Kalbar, the heading, the facilities, and "check before you go". A type asked for that
    the list does not have is said so, and the nearest of every type follow."""
    asked = asked_types(turn)
    types = listed_types(turn, asked)
    lines = partial_note(turn)
    if types != asked:
        lines.append(turn.render("plkk_type_not_listed", what=what(turn, asked)))
    lines.append(turn.render("plkk_nearest", what=what(turn, types), place=place, as_of=list_as_of(turn)))
    lines += nearest_lines(turn, lat, lon, types)
    lines.append(turn.render("plkk_before_you_go"))
    return lines


def answer_not_covered(turn: Turn, place: str) -> None:
    """A place outside a list of part of Kalbar: what the list covers, and where to ask."""
    turn.say("plkk_not_covered", place=place, **coverage(turn))


def answer_nearest(turn: Turn, lat: float, lon: float, place: str, regency_code: str) -> None:
    """Sends the three facilities nearest to a point of a regency (or, when the list does not
    cover that regency, what it covers and where to ask)."""
    if not covers(turn, regency_code):
        answer_not_covered(turn, place)
        return
    turn.say_text("\n".join(nearest_block(turn, lat, lon, place)))


def shortened(turn: Turn, names: Sequence[str]) -> str:
    """'a, b, dan c'; past MAX_NAMES, the first ones and 'dan N lainnya'."""
    if len(names) > MAX_NAMES:
        rest = turn.render("plkk_more", count=replies.number(len(names) - MAX_NAMES, turn.lang))
        names = [*names[:MAX_NAMES], rest]
    return replies.join(list(names), turn.lang)


def answer_area(turn: Turn, area: Place) -> None:
    """Sends the facilities of a regency or district by type (or the nearest, when it has none;
    or, when the list does not cover it, what the list covers and where to ask)."""
    label = offices.place_label(area)
    if not covers(turn, area.regency_code):
        answer_not_covered(turn, label)
        return
    types = asked_types(turn)
    district = area.code if area.kind == DISTRICT else None
    found = [f for f in directory(turn.facts).in_area(area.regency_code, district)
             if types is None or f.type in types]
    if not found:
        lines = [*partial_note(turn),
                 turn.render("plkk_none_in_area", what=what(turn, types), place=label,
                             as_of=list_as_of(turn))]
        lines += nearest_lines(turn, area.lat, area.lon, listed_types(turn, types))
        lines.append(turn.render("plkk_before_you_go"))
        turn.say_text("\n".join(lines))
        return
    lines = [*partial_note(turn),
             turn.render("plkk_in_area", what=what(turn, types), place=label, as_of=list_as_of(turn),
                         count=replies.number(len(found), turn.lang))]
    for kind in turn.facts["plkk"]["by_type"]:
        names = [f.name for f in found if f.type == kind["key"]]
        if names:
            label = (kind.get("singular") or kind["label"]) if len(names) == 1 else kind["label"]
            lines.append(turn.render("plkk_area_type", label=label[turn.lang],
                                     count=replies.number(len(names), turn.lang),
                                     names=shortened(turn, names)))
    lines.append(turn.render("plkk_area_hint"))
    turn.say_text("\n".join(lines))


def answer_place(turn: Turn, place: Place, postal_code: Optional[str] = None) -> List[EventType]:
    """A place for a PLKK question: the nearest three to a village, a postal code, or any place
    when the user asked for the nearest (or was asked where they are); else the facilities of the
    regency or district."""
    nearest = (mentions(turn.text, NEAR_WORDS) or turn.tracker.get_slot("awaiting_place")
               or place.kind == VILLAGE or postal_code or turn.intent == "ask_nearest_office")
    if nearest:
        label = offices.place_label(place)
        if postal_code:
            label = turn.render("postal_code_place", code=postal_code, place=label)
        answer_nearest(turn, place.lat, place.lon, label, place.regency_code)
    else:
        answer_area(turn, place)
    return [SlotSet("place_candidates", None), SlotSet("awaiting_place", False)]


def answer_location(turn: Turn, location: Any) -> List[EventType]:
    """A shared location for a PLKK question: the nearest three, or why not."""
    if location == offices.INVALID:
        turn.say("location_invalid")
        return []
    lat, lon = location
    km, place = offices.nearest_place(lat, lon)
    if km > offices.INSIDE_KALBAR_KM:
        turn.say("plkk_location_outside")
    else:
        answer_nearest(turn, lat, lon, f"{turn.render('your_location')} ({offices.place_label(place)})",
                       place.regency_code)
    return [SlotSet("place_candidates", None), SlotSet("awaiting_place", False)]


PLACE_ANSWERS = offices.PlaceAnswers(answer_place, answer_location)


def type_words_name(turn: Turn, words: List[str], start: int, end: int) -> bool:
    """Whether words[start:end], a name of type words only ("rs bhayangkara plkk?"), means a
    facility: the list has one by that name, and the message has only NAME_OPENERS before it,
    asks for no nearest and names no place ("berapa rs tni yg plkk", "rs tni plkk terdekat" and
    "rs swasta plkk di <kabupaten>" stay questions about a type)."""
    return (set(words[:start]) <= NAME_OPENERS and bool(turn.facts["plkk"]["facilities"])
            and not mentions(turn.text, NEAR_WORDS) and places.resolve(turn.text).status == "none"
            and bool(directory(turn.facts).find(words[start:end])))


def named_facility(turn: Turn) -> Optional[Tuple[str, List[str], bool]]:
    """The facility name a message asks about, if any: (as written, its words, whether the message
    is a yes/no question such as "apakah X termasuk PLKK?" / "is X a PLKK?").

    A name starts at a type word ("RSUD dr. Soedarso", "pkm X") or stands between "apakah"/"is"
    and "termasuk"/"a"/"PLKK", and must hold a word that is not a type word or title, unless
    type_words_name says a name of type words only is meant as a name."""
    raw = [(m.start(), m.end(), tokens(m.group())) for m in re.finditer(r"[^\W_]+", turn.text)]
    raw = [(start, end, words[0]) for start, end, words in raw if words]
    words = [w for _, _, w in raw]
    stop = NAME_STOP | {turn.values["plkk"].lower()}
    runs = type_runs(words)
    if runs:
        start = end = runs[0][0]
        while end < len(words) and words[end] not in stop:
            end += 1
    else:
        openers = [k for k, w in enumerate(words) if w in ("apakah", "is")]
        if not openers:
            return None
        start = end = openers[0] + 1
        while end < len(words) and words[end] not in stop:
            end += 1
        if end == len(words) or words[end] not in ("termasuk", "a", "an", turn.values["plkk"].lower()):
            return None
    descriptors = {w for t in turn.facts["plkk"]["by_type"] for k in t["keywords"] for w in tokens(k)}
    key, _ = name_key(words[start:end])
    if not key:
        return None
    if all(w in descriptors for w in key) and not type_words_name(turn, words, start, end):
        return None
    written = turn.text[raw[start][0]:raw[end - 1][1]]
    return written, words[start:end], any(w in MEMBERSHIP_WORDS for w in words)


def answer_without_list(turn: Turn) -> None:
    """With the list empty: no verified names yet, where to ask, and the counts by type."""
    plkk = turn.facts["plkk"]
    turn.say("plkk_find", total=replies.number(plkk["total"], turn.lang), breakdown=breakdown(turn),
             as_of=turn.as_of(plkk))


def answer_named(turn: Turn) -> bool:
    """Answers a question about one facility by name: yes with its details, the candidates when
    several match, or "not in the list I have" for a yes/no question; with the list empty, that
    no names are verified yet and where to ask (plkk_find). False (nothing sent) when the message
    names no facility."""
    named = named_facility(turn)
    if not named:
        return False
    if not turn.facts["plkk"]["facilities"]:
        answer_without_list(turn)
        return True
    written, words, question = named
    matches = directory(turn.facts).find(words)
    as_of = list_as_of(turn)
    if len(matches) == 1:
        facility = matches[0]
        head = turn.render("plkk_is_listed", name=facility.name, type=type_name(turn, facility.type),
                           area=area_label(facility), as_of=as_of)
        turn.say_text(" ".join([head, *facility_details(turn, facility)]) + "\n"
                      + map_line(turn, facility))
    elif matches:
        lines = [turn.render("plkk_several_listed", query=written, as_of=as_of,
                             count=replies.number(len(matches), turn.lang))]
        lines += [turn.render("plkk_item", name=f.name, type=type_name(turn, f.type),
                              area=area_label(f)) for f in matches]
        turn.say_text("\n".join(lines))
    elif question and covered_regencies(turn):
        turn.say("plkk_not_listed_partial", query=written, **coverage(turn))
    elif question:
        turn.say("plkk_not_listed", query=written, as_of=as_of)
    else:
        return False
    return True


class ActionPlkkDefinition(BotAction):
    """What a PLKK is."""

    action_name = "action_plkk_definition"
    intents = ("ask_plkk_definition",)
    topic = "plkk"

    def respond(self, turn: Turn) -> List[EventType]:
        if answer_named(turn):  # "pkm X plkk kah?" is read as a definition question at times
            return []
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
        if answer_named(turn):  # "is X a PLKK partner?" is read as a count question at times
            return []
        plkk = turn.facts["plkk"]
        total = replies.number(plkk["total"], turn.lang)
        kind = facility_type_in(turn)
        if kind:
            turn.say("plkk_count_type", count=replies.number(kind["count"], turn.lang),
                     label=kind["label"][turn.lang], total=total, as_of=turn.as_of(plkk))
        else:
            turn.say("plkk_count", total=total, breakdown=breakdown(turn), as_of=turn.as_of(plkk))
        place = treatment_place(turn)
        if place is not None:  # "PLKK di <kabupaten> ade berape?": the count above is Kalbar's
            say_count_in(turn, place)
        return []


def say_count_in(turn: Turn, place: Place) -> None:
    """After the Kalbar count, the count for the regency of `place` when the facility list covers
    it ("Menurut daftar fasilitas (<month>), <n> di antaranya ada di <regency>"), else that the
    data has no count per regency and where to look."""
    regency = load_gazetteer().regencies[place.regency_code]
    facilities = turn.facts["plkk"]["facilities"]
    if facilities and covers(turn, place.regency_code):
        count = len(directory(turn.facts).in_area(place.regency_code))
        turn.say("plkk_count_in_regency", regency=regency.name, as_of=list_as_of(turn),
                 count=replies.number(count, turn.lang))
    else:
        turn.say("plkk_count_no_regency", regency=regency.name)


def treatment_place(turn: Turn) -> Optional[Place]:
    """The Kalbar place an accident question names ("kecelakaan kerja di meliau, berobat
    kemana?"), when it names exactly one; None otherwise."""
    found = places.resolve(turn.text)
    return found.places[0] if found.status == "found" else None


class ActionPlkkTreatment(BotAction):
    """Where to get treated after a work accident. With the facility list filled and a place in
    the question that the list covers: the steps in short and the three nearest listed
    facilities. Otherwise the steps and where to find a PLKK (the JMO app, the call centre),
    saying so when the list does not cover the place named."""

    action_name = "action_plkk_treatment"
    intents = ("ask_plkk_treatment",)
    topic = "plkk"

    def respond(self, turn: Turn) -> List[EventType]:
        plkk = turn.facts["plkk"]
        place = treatment_place(turn) if plkk["facilities"] else None
        if place and covers(turn, place.regency_code):
            lines = [turn.render("plkk_treatment_nearest"),
                     *nearest_block(turn, place.lat, place.lon, offices.place_label(place))]
            turn.say_text("\n".join(lines))
            return []
        text = turn.render("plkk_treatment", total=replies.number(plkk["total"], turn.lang),
                           as_of=turn.as_of(plkk))
        if place:
            text += " " + turn.render("plkk_treatment_not_covered", place=offices.place_label(place),
                                      **coverage(turn))
        turn.say_text(text)
        return []


class ActionPlkkFind(BotAction):
    """How to find a PLKK. With the facility list filled: by name, nearest to a place or a shared
    location, or in a regency or district (see the module docstring); with it empty, the counts
    by type and where to ask (JMO, call centre, office)."""

    action_name = "action_plkk_find"
    intents = ("ask_plkk_find",)
    topic = "plkk"

    def respond(self, turn: Turn) -> List[EventType]:
        plkk = turn.facts["plkk"]
        if not plkk["facilities"]:
            answer_without_list(turn)
            return []
        if answer_named(turn):
            return []
        near = bool(mentions(turn.text, NEAR_WORDS))
        has_place = (offices.parse_location(turn.text, turn.entities) is not None
                     or places.resolve(turn.text).status != "none"
                     or any(e.get("entity") == "place" for e in turn.entities))
        if near or has_place:
            return offices.answer_nearest_office(turn, explicit_request=near, answers=PLACE_ANSWERS)
        example = plkk["facilities"][0]["name"]
        if covered_regencies(turn):
            turn.say("plkk_overview_partial", breakdown=list_breakdown(turn), example=example,
                     **coverage(turn))
            return []
        turn.say("plkk_overview", count=replies.number(len(plkk["facilities"]), turn.lang),
                 breakdown=breakdown(turn), as_of=list_as_of(turn), example=example)
        return []


# The intents of PLKK questions (a follow-up's type comes from the latest of them: asked_types).
PLKK_INTENTS = {intent for action in (ActionPlkkDefinition, ActionPlkkCount, ActionPlkkTreatment,
                                      ActionPlkkFind) for intent in action.intents}

"""Offices: the list of branch offices and service units, and the office nearest to a place or a
shared location, by great-circle distance, measured from the place's origin (a village's point, a
district's seat, a regency's seat town: actions/gazetteer.py `origin`), which the answer names."""

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from rasa_sdk.events import EventType, SlotSet

from actions import places, replies
from actions.base import BotAction, Turn
from actions.gazetteer import (DISTRICT, DISTRICT_SEAT, INSIDE_KALBAR_KM, REGENCY, REGENCY_SEAT,
                                VILLAGE_POINT, Origin, Place, distance_km, load_gazetteer, origin,
                                short_regency_name, village_title)

# A location outside Kalbar still gets the nearest Kalbar office when it is this close.
NEAR_OUTSIDE_KM = 100
MAX_CHOICES = 6
# A location as a bare object: Telegram's {"lng": <lon>, "lat": <lat>} (channels/telegram.py), or a
# REST client's {"lat": .., "lon": ..}: "lon" or "lng", either order, quotes optional.
LOCATION_OBJECT = re.compile(r'^\s*\{\s*"?(lat|lon|lng)"?\s*:\s*"?([^\s",}]+)"?\s*,'
                             r'\s*"?(lat|lon|lng)"?\s*:\s*"?([^\s",}]+)"?\s*\}\s*$', re.I)
# Words that keep a "nearest" request an office request inside a PLKK conversation.
OFFICE_WORDS = {"kantor", "kntr", "kantornya", "cabang", "kc", "kcp", "office", "offices", "branch",
                "bpjs", "bpjstk", "bpjamsostek", "jamsostek", "unit"}

INVALID = "invalid"


def office_label(turn: Turn, office: Dict[str, Any]) -> str:
    """'Kantor Cabang X' / 'X branch office'."""
    return turn.render("office_name", kind=turn.render(f"kind_{office['kind']}"), name=office["name"])


def ranked_offices(facts: Dict[str, Any], lat: float, lon: float,
                   kind: Optional[str] = None) -> List[Tuple[float, Dict[str, Any]]]:
    """Offices (of one kind, if given) with their distance in km, nearest first."""
    return sorted(
        ((distance_km(lat, lon, o["lat"], o["lon"]), o) for o in facts["offices"]["list"]
         if kind is None or o["kind"] == kind),
        key=lambda pair: pair[0],
    )


def place_label(place: Place) -> str:
    """'Kecamatan Sungai Kakap, Kab. Kubu Raya' and the like."""
    gazetteer = load_gazetteer()
    regency = gazetteer.regency_of(place).name.replace("Kabupaten ", "Kab. ")
    if place.kind == REGENCY:
        return place.name
    if place.kind == DISTRICT:
        return f"Kecamatan {place.name}, {regency}"
    kind = "Kelurahan" if place.code[6] == "1" else "Desa"
    district = gazetteer.district_of(place)
    return f"{kind} {place.name}, Kec. {district.name}, {regency}"


def parse_location(text: str, entities: List[Dict[str, Any]]) -> Optional[Any]:
    """(lat, lon) from a /share_location payload or a location object (LOCATION_OBJECT); INVALID
    when it is a location with bad coordinates; None when the message is not a location."""
    values = {e.get("entity"): e.get("value") for e in entities}
    if "lat" in values or "lon" in values:
        raw = (values.get("lat"), values.get("lon"))
    else:
        match = LOCATION_OBJECT.match(text or "")
        if not match:
            return None
        pairs = {key.lower().replace("lng", "lon"): value
                 for key, value in (match.group(1, 2), match.group(3, 4))}
        if set(pairs) != {"lat", "lon"}:
            return None
        raw = (pairs["lat"], pairs["lon"])
    try:
        lat, lon = float(raw[0]), float(raw[1])
    except (TypeError, ValueError):
        return INVALID
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return INVALID
    return lat, lon


def origin_text(turn: Turn, point: Optional[Origin]) -> str:
    """Where a distance is measured from, in words ('dari Desa X', 'dari pusat Kecamatan X di Desa
    Y', 'dari Desa Y, titik tengah desa-desa di Kecamatan X', 'dari pusat Kabupaten X di Y'); None:
    the user's shared location."""
    if point is None:
        return turn.render("origin_location")
    if point.kind == VILLAGE_POINT:
        return turn.render("origin_village", village=village_title(point.at))
    if point.kind == REGENCY_SEAT:
        regency = point.at
        if regency.seat == short_regency_name(regency):
            return turn.render("origin_regency", regency=regency.name)
        return turn.render("origin_regency_seat", regency=regency.name, seat=regency.seat)
    name = "origin_district_seat" if point.kind == DISTRICT_SEAT else "origin_villages_centre"
    return turn.render(name, district=point.district.name, village=village_title(point.at))


def nearest_place(lat: float, lon: float) -> Tuple[float, Place]:
    """The village or district centre of Kalbar nearest to a point, with its distance."""
    gazetteer = load_gazetteer()
    candidates = list(gazetteer.villages.values()) + list(gazetteer.districts.values())
    return min(((distance_km(lat, lon, p.lat, p.lon), p) for p in candidates), key=lambda x: x[0])


def map_url(office: Dict[str, Any]) -> str:
    """An OpenStreetMap link to the office's (approximate) position."""
    lat, lon = office["lat"], office["lon"]
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=13/{lat}/{lon}"


def office_details(turn: Turn, office: Dict[str, Any]) -> Optional[str]:
    """'Alamat: … Telepon: … Jam layanan: …' from the facts file, or None when it has none."""
    details = ("address", "phone", "hours")
    if not any(office[k] for k in details):
        return None
    unknown = turn.render("unknown_detail")
    return turn.render("office_details", **{k: office[k] or unknown for k in details})


def nearest_office_text(turn: Turn, lat: float, lon: float, place: str,
                        regency_code: Optional[str], origin: str) -> str:
    """The full answer for a point: nearest office, distance (from `origin`, in words:
    origin_text), branch, details and map."""
    facts = turn.facts
    km, office = ranked_offices(facts, lat, lon)[0]
    lines = [turn.render("nearest_office", place=place, office=office_label(turn, office),
                         distance=replies.distance(km, turn.lang), origin=origin)]
    if regency_code and not any(o["regency_code"] == regency_code for o in facts["offices"]["list"]):
        regency = load_gazetteer().regencies[regency_code].name
        lines.append(turn.render("no_office_in_regency", regency=regency))
    if office["kind"] == "service_unit":
        branch_km, branch = ranked_offices(facts, lat, lon, "branch_office")[0]
        lines.append(turn.render("nearest_branch", office=office_label(turn, branch),
                                 distance=replies.distance(branch_km, turn.lang)))
    if office.get("approximate"):
        lines.append(turn.render("approximate_position"))
    lines.append(office_details(turn, office) or turn.render("office_details_missing"))
    lines.append(turn.render("map_link", url=map_url(office)))
    return " ".join(lines[:-1]) + "\n" + lines[-1]


def place_office_text(turn: Turn, place: Place, label: str) -> str:
    """nearest_office_text for a gazetteer place (called `label` in the answer), measured from
    the place's origin, which the answer names."""
    point = origin(place)
    return nearest_office_text(turn, point.lat, point.lon, label, place.regency_code,
                               origin_text(turn, point))


def answer_place(turn: Turn, place: Place, postal_code: Optional[str] = None) -> List[EventType]:
    """Sends the nearest office to a gazetteer place."""
    label = place_label(place)
    if postal_code:
        label = turn.render("postal_code_place", code=postal_code, place=label)
    turn.say_text(place_office_text(turn, place, label))
    return [SlotSet("place_candidates", None), SlotSet("awaiting_place", False)]


def answer_location(turn: Turn, location: Any) -> List[EventType]:
    """Sends the nearest office to a shared location, or says why it cannot."""
    if location == INVALID:
        turn.say("location_invalid")
        return []
    lat, lon = location
    km, place = nearest_place(lat, lon)
    if km <= INSIDE_KALBAR_KM:
        label = f"{turn.render('your_location')} ({place_label(place)})"
        turn.say_text(nearest_office_text(turn, lat, lon, label, place.regency_code,
                                          origin_text(turn, None)))
        return [SlotSet("place_candidates", None), SlotSet("awaiting_place", False)]
    lines = [turn.render("location_outside")]
    office_km, office = ranked_offices(turn.facts, lat, lon)[0]
    if office_km <= NEAR_OUTSIDE_KM:
        lines.insert(1, turn.render("location_outside_near", office=office_label(turn, office),
                                    distance=replies.distance(office_km, turn.lang),
                                    origin=origin_text(turn, None)))
    turn.say_text(" ".join(lines))
    return [SlotSet("awaiting_place", False)]


def answer_ambiguous(turn: Turn, candidates: List[Place]) -> List[EventType]:
    """Asks which of several places with one name the user means, with a button for each."""
    shown = candidates[:MAX_CHOICES]
    buttons = [{"title": place_label(p), "payload": "/inform_place" + json.dumps({"place": p.code})}
               for p in shown]
    turn.say("place_ambiguous", buttons=buttons, name=shown[0].name)
    return [SlotSet("place_candidates", [p.code for p in shown]), SlotSet("awaiting_place", True)]


@dataclass(frozen=True)
class PlaceAnswers:
    """What a place or a shared location is answered with: `place(turn, place, postal_code)` and
    `location(turn, (lat, lon) or INVALID)`, each returning slot events."""

    place: Callable[..., List[EventType]]
    location: Callable[[Turn, Any], List[EventType]]


OFFICE_ANSWERS = PlaceAnswers(answer_place, answer_location)


def plkk_context(turn: Turn) -> bool:
    """The conversation is about PLKK and the facts file lists the facilities: a place or a
    location the user gives now (not in an office request) is answered with PLKK facilities."""
    return turn.tracker.get_slot("topic") == "plkk" and bool(turn.facts["plkk"]["facilities"])


def plkk_answers(turn: Turn, explicit_request: bool) -> bool:
    """Whether a place, a location or a "nearest" request is answered with PLKK facilities: in a
    PLKK conversation (plkk_context), unless it is an office request that names an office
    (OFFICE_WORDS). "kalo yg deket kecamatan jongkat?" after a PLKK question is a PLKK question
    even when the model reads it as ask_nearest_office; "kantor terdekat dari jongkat" is not."""
    return plkk_context(turn) and not (explicit_request
                                       and OFFICE_WORDS & set(places.normalise(turn.text)))


def answer_nearest_office(turn: Turn, explicit_request: bool,
                          answers: Optional[PlaceAnswers] = None) -> List[EventType]:
    """Answers a message that asks for, or gives the place for, the nearest office (or, with
    other `answers`, the nearest PLKK: see plkk_answers).

    explicit_request: the user asked for an office (so a message without a place gets the
    question "where are you?") rather than only naming a place.
    """
    if answers is None:
        answers = OFFICE_ANSWERS
        if plkk_answers(turn, explicit_request):
            from actions.plkk import PLACE_ANSWERS  # actions.plkk imports this module
            answers = PLACE_ANSWERS
    entities = turn.entities
    location = parse_location(turn.text, entities)
    if location is not None:
        return answers.location(turn, location)

    index = places.place_index()
    entity_place = next((e.get("value") for e in entities if e.get("entity") == "place"), None)
    query = str(entity_place) if entity_place and turn.text.startswith("/") else turn.text

    pending = [index.by_code(code) for code in turn.tracker.get_slot("place_candidates") or []]
    pending = [p for p in pending if p]
    if pending:
        chosen = places.narrow(pending, query, index)
        if len(chosen) == 1:
            return answer_and_remember(turn, answers, chosen[0])

    # in an office request, or an answer to the bot's place question, a village named like a
    # word ("bangun") counts; in any other message it must be qualified ("desa bangun")
    awaiting = bool(turn.tracker.get_slot("awaiting_place"))
    found = places.resolve(query, index, expecting_place=explicit_request or awaiting)
    if found.status == "found":
        return answer_and_remember(turn, answers, found.places[0], found.postal_code)
    if found.status == "ambiguous":
        return answer_ambiguous(turn, found.places)
    if found.status == "outside":
        turn.say("place_outside", place=found.outside)
        return [SlotSet("awaiting_place", False)]
    if explicit_request and not entity_place:
        remembered = remembered_place(turn)
        if remembered:  # "sy di pontianak" earlier: not asked again
            events = answers.place(turn, remembered)
            turn.say("place_remembered", place=place_label(remembered))
            return events
        turn.say("ask_place")
        return [SlotSet("awaiting_place", True)]
    qualified = any(token in places.QUALIFIERS for token in places.normalise(query))
    if not (awaiting or entity_place or qualified):  # no place, none asked for: not a place answer
        turn.say("fallback", buttons=turn.menu())
        return []
    turn.say("place_unknown")
    return [SlotSet("awaiting_place", True)]


def remembered_place(turn: Turn) -> Optional[Place]:
    """The place the user gave earlier in the conversation (slot `user_place`), or None."""
    return places.place_index().by_code(turn.tracker.get_slot("user_place") or "")


def answer_and_remember(turn: Turn, answers: PlaceAnswers, place: Place,
                        postal_code: Optional[str] = None) -> List[EventType]:
    """answers.place for a place the user named, which is kept (slot `user_place`, its gazetteer
    code) for a later "nearest office/PLKK" request without a place in this conversation."""
    return answers.place(turn, place, postal_code) + [SlotSet("user_place", place.code)]


class ActionOffices(BotAction):
    """Lists the branch offices and service units, with their counts; a question that names a
    place outside Kalbar ("kantor bpjs di jakarta") gets the answer for that place."""

    action_name = "action_offices"
    intents = ("ask_offices",)
    topic = "offices"

    def respond(self, turn: Turn) -> List[EventType]:
        if places.resolve(turn.text).status == "outside":
            return answer_nearest_office(turn, explicit_request=True)
        offices = turn.facts["offices"]
        by_kind = {kind: [o["name"] for o in offices["list"] if o["kind"] == kind]
                   for kind in ("branch_office", "service_unit")}
        known = any(office_details(turn, o) for o in offices["list"])
        turn.say("offices_with_details" if known else "offices", as_of=turn.as_of(offices),
                 branch_count=offices["branch_office_count"],
                 branches=replies.join(by_kind["branch_office"], turn.lang),
                 unit_count=offices["service_unit_count"],
                 units=replies.join(by_kind["service_unit"], turn.lang))
        return []


class ActionNearestOffice(BotAction):
    """The nearest office to a named place, a postal code or a shared location."""

    action_name = "action_nearest_office"
    intents = ("ask_nearest_office", "inform_place", "share_location")
    topic = "offices"

    def topic_of(self, turn: Turn) -> Optional[str]:
        """'plkk' when a place or location is answered with PLKK facilities (plkk_answers) or
        follows a PLKK answer without the facility list (place_after_plkk_without_list)."""
        if plkk_answers(turn, explicit_request=turn.intent == "ask_nearest_office") \
                or place_after_plkk_without_list(turn):
            return "plkk"
        return self.topic

    def respond(self, turn: Turn) -> List[EventType]:
        if place_after_plkk_without_list(turn):
            from actions.plkk import answer_without_list  # actions.plkk imports this module

            answer_without_list(turn)
        return answer_nearest_office(turn, explicit_request=turn.intent == "ask_nearest_office")


def place_after_plkk_without_list(turn: Turn) -> bool:
    """A place given after a PLKK answer ("yg di <kabupaten> ade ke?", "any in <town>?") while
    the facts file lists no facilities: the bot first says it has no verified names yet and where
    to find one (plkk_find), then gives the nearest office, instead of the office alone as if the
    question were about offices."""
    return turn.intent == "inform_place" and turn.tracker.get_slot("topic") == "plkk" \
        and not turn.facts["plkk"]["facilities"]

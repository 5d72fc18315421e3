"""Place resolution (actions/places.py) and the nearest-office answer (actions/offices.py).

Expected values come straight from the data files (data/gazetteer/kalbar_wilayah.json and
data/facts.yml) with a haversine and an edit distance written here, so the tests do not share code
with what they check.
"""

import collections
import json
import math
import random
from typing import Dict, List, Tuple

import pytest
import yaml

from actions.offices import ActionNearestOffice
from actions.places import resolve
from conftest import PROJECT, reply_text, run_action

RAW = json.loads((PROJECT / "data" / "gazetteer" / "kalbar_wilayah.json").read_text(encoding="utf-8"))
FACTS = yaml.safe_load((PROJECT / "data" / "facts.yml").read_text(encoding="utf-8"))
OFFICES = FACTS["offices"]["list"]
REGENCIES = {r["code"]: r for r in RAW["regencies"]}
DISTRICTS = {d["code"]: d for d in RAW["districts"]}
# where each district is measured from (section 11)
SEATS = json.loads((PROJECT / "data" / "gazetteer" / "district_seats.json").read_text(encoding="utf-8"))
SEAT_OF = {entry["code"]: entry for entry in SEATS["districts"]}
ACTION = ActionNearestOffice()
KIND_LABEL = {"branch_office": "Kantor Cabang", "service_unit": "Unit Layanan"}


def short(regency: Dict) -> str:
    """'Kabupaten Kubu Raya' -> 'kubu raya'."""
    return regency["name"].split(" ", 1)[1].lower()


def qualifier(regency: Dict) -> str:
    """'kab kubu raya' / 'kota pontianak'."""
    return ("kota " if regency["name"].startswith("Kota") else "kab ") + short(regency)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def nearest(lat: float, lon: float) -> Tuple[float, str]:
    """(km, label) of the office nearest to a point, e.g. (3.1, 'Unit Layanan Mempawah')."""
    km, office = min(((haversine(lat, lon, o["lat"], o["lon"]), o) for o in OFFICES),
                     key=lambda pair: pair[0])
    return km, f"{KIND_LABEL[office['kind']]} {office['name']}"


def answer(label: str) -> str:
    """The part of the Indonesian reply that names the nearest office."""
    return f"terdekat adalah {label},"


def village_position(village: Dict) -> Tuple[float, float]:
    """Where a village is measured from: its own point, else its district's seat (section 11)."""
    if village["lat"] is None:
        seat = SEAT_OF[village["district_code"]]
        return seat["lat"], seat["lon"]
    return village["lat"], village["lon"]


def osa(a: str, b: str) -> int:
    """Edit distance with swaps of neighbouring letters (optimal string alignment)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def codes(resolution) -> List[str]:
    return sorted(p.code for p in resolution.places)


# --- 1. districts ---------------------------------------------------------------------------

DISTRICT_NAME_COUNT = collections.Counter(d["name"].lower() for d in RAW["districts"])
DISTRICT_CASES = [
    pytest.param(prefix + d["name"].lower(), d, id=f"{d['code']}-{i}")
    for d in RAW["districts"]
    for i, prefix in enumerate(["", "kec "])
] + [
    pytest.param(f"kecamatan {d['name'].lower()} {qualifier(REGENCIES[d['regency_code']])}"
                 .replace("kab ", "kabupaten "), d, id=f"{d['code']}-2")
    for d in RAW["districts"]
]


def test_gazetteer_has_174_districts_and_14_regencies():
    assert (len(RAW["districts"]), len(RAW["regencies"])) == (174, 14)
    assert [name for name, n in DISTRICT_NAME_COUNT.items() if n > 1] == ["sungai raya"]


@pytest.mark.parametrize("text,district", DISTRICT_CASES)
def test_district_resolves_in_its_regency(text, district):
    result = resolve(text)
    same_name = [d["code"] for d in RAW["districts"] if d["name"] == district["name"]]
    if len(same_name) > 1 and "kecamatan" not in text:
        assert (result.status, codes(result)) == ("ambiguous", sorted(same_name))
        return
    assert result.status == "found", text
    place = result.places[0]
    regency = REGENCIES[district["regency_code"]]
    if place.kind == "regency":
        # "sambas", "ketapang": the regency of the same name; "pontianak kota" alone may mean the
        # city, but "kec pontianak kota" is the district
        same = district["name"].lower() == short(regency) or (
            text == district["name"].lower() and text == f"{short(regency)} kota")
        assert same and place.code == regency["code"], (text, place.name)
    else:
        assert (place.kind, place.code) == ("district", district["code"])


# --- 2. villages and their nearest office ----------------------------------------------------

def village_sample() -> List[Dict]:
    duplicates = {key for key, n in collections.Counter(
        (v["name"].lower(), v["district_code"]) for v in RAW["villages"]).items() if n > 1}
    usable = [v for v in RAW["villages"] if (v["name"].lower(), v["district_code"]) not in duplicates]
    return random.Random(2023).sample(usable, 320)


VILLAGES = village_sample()


def village_text(village: Dict) -> str:
    district = DISTRICTS[village["district_code"]]
    return (f"desa {village['name']} kec {district['name']} "
            f"{qualifier(REGENCIES[district['regency_code']])}").lower()


def test_village_sample_is_large_enough():
    assert len({v["code"] for v in VILLAGES}) >= 300


@pytest.mark.parametrize("village", VILLAGES, ids=lambda v: v["code"])
def test_village_resolves_and_names_nearest_office(village):
    text = village_text(village)
    result = resolve(text)
    assert result.status == "found", text
    regency_code = DISTRICTS[village["district_code"]]["regency_code"]
    assert result.places[0].code == village["code"] or result.places[0].regency_code == regency_code
    _, label = nearest(*village_position(village))
    assert answer(label) in reply_text(ACTION, text, intent="inform_place", language="id")


# --- 3. regencies, seat towns, abbreviations ---------------------------------------------------

REGENCY_CASES = [(short(r), r["code"]) for r in RAW["regencies"]] + [
    (r["seat"].lower(), r["code"]) for r in RAW["regencies"] if r["seat"] != "Sungai Raya"
] + [
    ("ptk", "6171"), ("skw", "6172"), ("kota ptk", "6171"), ("kab. landak", "6108"),
    ("sei pinyuh", "6102"), ("sui pinyuh", "6102"), ("sungai pinyuh", "6102"),
    ("sui kakap", "6112"), ("sei kakap", "6112"), ("sei ambawang", "6112"), ("kkr", "6112"),
]


def test_every_regency_and_seat_is_listed():
    assert len({code for _, code in REGENCY_CASES}) == 14
    assert {"ngabang", "putussibau", "nanga pinoh", "sukadana", "mempawah", "sanggau"} <= {
        text for text, _ in REGENCY_CASES}


@pytest.mark.parametrize("text,regency_code", REGENCY_CASES)
def test_regency_seat_and_abbreviation(text, regency_code):
    result = resolve(text)
    assert result.status == "found"
    assert result.places[0].regency_code == regency_code
    assert not result.fuzzy


@pytest.mark.parametrize("text,code", [("ptk", "6171"), ("skw", "6172"), ("pontianak", "6171"),
                                       ("kubu raya", "6112"), ("kapuas hulu", "6106")])
def test_short_forms_mean_the_regency_itself(text, code):
    result = resolve(text)
    assert (result.status, codes(result)) == ("found", [code])


# --- 4. typos ---------------------------------------------------------------------------------

ALL_KEYS = {p["name"].lower() for p in RAW["districts"] + RAW["villages"]} | {
    short(r) for r in RAW["regencies"]} | {r["seat"].lower() for r in RAW["regencies"]}


def make_typo(name: str, kind: int) -> str:
    """Deterministic typo: 0 deletion, 1 substitution, 2 transposition, 3 two edits."""
    m = len(name) // 2
    swap = lambda s, i: s[:i] + s[i + 1] + s[i] + s[i + 2:]  # noqa: E731
    sub = lambda s, i: s[:i] + ("a" if s[i] != "a" else "e") + s[i + 1:]  # noqa: E731
    if kind == 0:
        return name[:m] + name[m + 1:]
    if kind == 1:
        return sub(name, m)
    if kind == 2:
        return swap(name, m if name[m] != name[m + 1] else m - 1)
    return sub(name[:1] + name[2:], m)  # delete the 2nd letter and substitute one


# Generated "typos" that are words of the language, which the place finder never typo-matches
# (issue 10): "mentabah" is men- + tabah, "tekaaang" is "tekang" with a held-down letter.
WORDS_NOT_TYPOS = {"mentabah", "tekaaang"}


def typo_cases() -> List[Tuple[str, str]]:
    names = sorted({d["name"].lower() for d in RAW["districts"]} | {short(r) for r in RAW["regencies"]})
    names = [n for n in names if " " not in n and len(n) >= 7]
    cases = [("anjongn", "anjongan"), ("sinkawang", "singkawang"), ("sintamg", "sintang"),
             ("ketapnag", "ketapang")]
    for i, name in enumerate(names):
        kind = i % 4
        typo = make_typo(name, kind)
        # only typos that are no name themselves and closer to this name than to any other
        others = min(osa(typo, key) for key in ALL_KEYS - {name})
        if typo not in ALL_KEYS and typo not in WORDS_NOT_TYPOS and osa(typo, name) < others:
            cases.append((typo, name))
    return cases


TYPOS = typo_cases()


def test_enough_typos_of_every_kind():
    assert len(TYPOS) >= 40
    distances = collections.Counter(osa(typo, name) for typo, name in TYPOS)
    assert distances[1] >= 20 and distances[2] >= 8
    assert any(len(t) < len(n) for t, n in TYPOS) and any(sorted(t) == sorted(n) for t, n in TYPOS)


@pytest.mark.parametrize("typo,name", TYPOS)
def test_typo_resolves_to_the_right_place(typo, name):
    expected = resolve(name)
    assert expected.status == "found" and not expected.fuzzy
    result = resolve(typo)
    assert (result.status, codes(result), result.fuzzy) == ("found", codes(expected), True)


@pytest.mark.parametrize("text,name", [("kapuas huluu", "Kabupaten Kapuas Hulu"),
                                       ("nanga pinho", "Nanga Pinoh"), ("kec sungai pinyu", "Sungai Pinyuh"),
                                       ("kecamatan sui kakapp", "Sungai Kakap")])
def test_typo_in_a_multi_word_name(text, name):
    code, = [p["code"] for p in RAW["regencies"] + RAW["districts"] if p["name"] == name]
    result = resolve(text)
    assert (result.status, codes(result), result.fuzzy) == ("found", [code], True)


# --- 4b. typos of every regency, seat and district in sentences ---------------------------------
#
# Every regency/city, seat town and district name with generated typos (make_typo on its longest
# word: a deletion, a substitution, a swap, and two edits in a word of seven letters or more), in
# sentences people write. A typo may be a word of the lexicon ("sangau", "sepuk", "tumang"): in
# these sentences, which say a place follows, it is still the town.

TOWNS = sorted({short(r) for r in RAW["regencies"]} | {r["seat"].lower() for r in RAW["regencies"]}
               | {d["name"].lower() for d in RAW["districts"]})
TOWN_SHAPES = ["kantor bpjs di {} dimana", "sy tinggal di {}", "kalau di {} gmn"]
TWO_EDITS = 3  # make_typo's kind with two edits
VILLAGE_KEYS = {v["name"].lower() for v in RAW["villages"]}


def town_typos(name: str) -> List[Tuple[str, int]]:
    """(typo, make_typo kind) for a name: the longest word (the first of equals) mistyped. A typo
    that leaves fewer than five letters in all is not made: shorter text matches nothing."""
    words = name.split()
    k = words.index(max(words, key=len))
    typos = []
    for kind in range(4):
        if kind == TWO_EDITS and len(words[k]) < 7:
            continue
        typo = " ".join(words[:k] + [make_typo(words[k], kind)] + words[k + 1:])
        if typo != name and len(typo.replace(" ", "")) >= 5:
            typos.append((typo, kind))
    return typos


def genuinely_ambiguous(typo: str, name: str) -> bool:
    """A typo no reader could resolve to this name alone: it is itself a name of the gazetteer
    ("sekedau" is a village, "galang" a village and a word), another regency, seat or district name
    is as close to it, or a village name is closer. (Distances: rapidfuzz's optimal string
    alignment, the library; the place finder's own code is not used.)"""
    from rapidfuzz.distance import OSA

    if typo in ALL_KEYS:
        return True
    distance = OSA.distance(typo, name)
    return (any(OSA.distance(typo, town, score_cutoff=distance) <= distance
                for town in TOWNS if town != name)
            or any(OSA.distance(typo, village, score_cutoff=distance - 1) < distance
                   for village in VILLAGE_KEYS if village != name))


def town_typo_cases() -> Tuple[List[Tuple[str, str, int]], List[Tuple[str, str]]]:
    """([(typo, name, kind)], [(typo, name) left out as genuinely ambiguous])."""
    cases, left_out = [], []
    for name in TOWNS:
        for typo, kind in town_typos(name):
            if genuinely_ambiguous(typo, name):
                left_out.append((typo, name))
            else:
                cases.append((typo, name, kind))
    return cases, left_out


TOWN_TYPOS, AMBIGUOUS_TOWN_TYPOS = town_typo_cases()
TOWN_TYPO_CASES = [pytest.param(shape.format(typo), shape.format(name), id=f"{typo}|{shape[:12]}")
                   for typo, name, _ in TOWN_TYPOS for shape in TOWN_SHAPES]


def test_every_town_has_typos_of_every_kind():
    assert (len(TOWNS), len({d["name"] for d in RAW["districts"]})) == (185, 173)
    typed = collections.defaultdict(set)
    for typo, name, kind in TOWN_TYPOS:
        typed[name].add(kind)
    # every name of five letters or more has typos tested (only "bika", "kubu", "ledo", "toba" and
    # "toho" have none), nearly all of them three or four kinds
    long_enough = [n for n in TOWNS if len(n.replace(" ", "")) >= 5]
    assert all(typed[n] for n in long_enough), [n for n in long_enough if not typed[n]]
    assert len(long_enough) >= len(TOWNS) - 5
    assert sum(len(typed[n]) >= 3 for n in long_enough) >= 0.9 * len(long_enough)
    assert collections.Counter(k for _, _, k in TOWN_TYPOS)[TWO_EDITS] >= 60
    assert len(AMBIGUOUS_TOWN_TYPOS) <= 0.03 * len(TOWN_TYPOS), AMBIGUOUS_TOWN_TYPOS
    # the kinds the issue names: typos that are words of the lexicon, of branch-office towns
    assert {"sangau", "kayang utara", "tumang titi", "sepuk"} <= {t for t, _, _ in TOWN_TYPOS}


@pytest.mark.parametrize("text,exact", TOWN_TYPO_CASES)
def test_town_typo_in_a_sentence(text, exact):
    expected = resolve(exact)
    assert expected.status in ("found", "ambiguous") and not expected.fuzzy, exact
    result = resolve(text)
    assert (result.status, codes(result), result.fuzzy) == (expected.status, codes(expected), True), (
        text, result.matched, [p.name for p in result.places])


@pytest.mark.parametrize("text,code", [
    ("kantor bpjs di sanggo dimana", "6103"), ("sy tinggal di ketpang", "6104"),
    ("kalau di singkawan gmn", "6172"), ("kntr bpjs mempwah dmn", "6102"),
    ("sy di sangau", "6103"), ("sangau", "6103"), ("sintan", "6105")])
def test_branch_towns_the_issue_names(text, code):
    result = resolve(text, expecting_place=text == "sangau")
    assert (result.status, codes(result)) == ("found", [code]), (text, result.matched)


WORDS_NEAR_TOWNS = [
    "selamat pagi", "santai aja", "semangat", "hujan dari semalam", "kerja dari subuh sampe malem",
    "jatuh dari tangga di gudang", "gunung sampah di belakang rumah", "kamek ngantok",
    "sidang", "sangau"]


@pytest.mark.parametrize("text", WORDS_NEAR_TOWNS)
def test_a_word_near_a_town_is_no_town_where_no_place_is_said(text):
    """Words one or two letters from a town (Selakau, Sandai, Pemangkat, Sekayam, Subah, Sanggau,
    Belitang, Pantok, Siding) are typo-matched only where the message says a place follows."""
    assert resolve(text).status == "none", (text, resolve(text).matched)


# --- 4c. villages named like everyday words ------------------------------------------------------
#
# A village whose name is an everyday word is a place only where the message says so: a qualifier
# ("desa", "kampung") before it, or the message answers the bot's question where the user is.

EVERYDAY_VILLAGES = ["baru", "kuala", "padang", "lauk", "kapur", "bangun", "istana"]
UNQUALIFIED_SHAPES = [
    "{}", "{} min", "sy {} tau soal jht", "sy di {}", "tinggal di {} jauh dari kota",
    "apa itu {}?", "kerja di {} dapat bpjs?", "{} sekali pelayanannya", "jht sy {} cair?",
    "berangkat dari {} jam 7 pagi"]
QUALIFIED_SHAPES = [
    "desa {}", "di desa {}", "sy tinggal di desa {}", "kampung {}", "sy dari kampung {}",
    "kantor bpjs terdekat dari desa {}", "klo di desa {} gmn", "rumah sy di desa {}",
    "desa {} kantor terdekat dmn", "kerja di kampung {}, dapat bpjs?"]


def test_everyday_word_villages_are_villages():
    for name in EVERYDAY_VILLAGES:
        kinds = {p["name"].lower() == name for p in RAW["villages"]}
        assert True in kinds and name not in {short(r) for r in RAW["regencies"]}, name
        assert name not in {d["name"].lower() for d in RAW["districts"]}, name


@pytest.mark.parametrize("text", [s.format(n) for n in EVERYDAY_VILLAGES for s in UNQUALIFIED_SHAPES])
def test_everyday_word_village_without_a_qualifier_is_no_place(text):
    result = resolve(text)
    assert result.status in ("none", "outside"), (text, result.matched, [p.name for p in result.places])


@pytest.mark.parametrize("text,name", [(s.format(n), n) for n in EVERYDAY_VILLAGES for s in QUALIFIED_SHAPES])
def test_everyday_word_village_with_a_qualifier_is_the_village(text, name):
    """'desa X' is X; 'kampung X' is the village Kampung X where there is one ('kampung baru')."""
    result = resolve(text)
    assert result.status in ("found", "ambiguous"), text
    names = {p.name.lower() for p in result.places}
    expected = {v["name"].lower() for v in RAW["villages"]} & {name, f"kampung {name}"}
    assert {p.kind for p in result.places} == {"village"} and names <= expected, (text, names)


@pytest.mark.parametrize("name", [n for n in EVERYDAY_VILLAGES if n != "baru"])
def test_everyday_word_village_answering_where_are_you(name):
    """The reply to the bot's place question. ("baru" is left out: it is a part of many names,
    "Kampung Baru", "Mensiap Baru", and is a place only with a qualifier.)"""
    result = resolve(name, expecting_place=True)
    assert result.status in ("found", "ambiguous") and {p.name.lower() for p in result.places} == {name}


@pytest.mark.parametrize("name", EVERYDAY_VILLAGES)
def test_fallback_button_offers_an_everyday_word_village_only_when_qualified(name, intent_answers_only):
    from actions.small_talk import ActionFallback  # loads the knowledge base: only when needed

    def offers(text: str) -> List[str]:
        messages, _ = run_action(ActionFallback(), text, intent="nlu_fallback")
        return [b["title"] for m in messages for b in m.get("buttons") or []
                if b["title"].startswith("Kantor terdekat dari")]

    assert offers(f"bsu sy blm cair, {name} sekali prosesnya") == []
    assert offers(f"bsu sy blm cair padahal sy kerja di {name}") == []
    # one village of that name: offered; several ("desa baru", "desa kuala"): none is offered
    single = len({v["district_code"] for v in RAW["villages"] if v["name"].lower() == name}) == 1
    assert bool(offers(f"bsu sy blm cair padahal sy kerja di desa {name}")) is single


# --- 5. postal codes --------------------------------------------------------------------------

POSTAL = collections.defaultdict(set)
for _v in RAW["villages"]:
    POSTAL[_v["postal_code"]].add(_v["district_code"])
SINGLE_POSTAL = random.Random(2023).sample(sorted(c for c, d in POSTAL.items() if len(d) == 1), 30)
SHARED_POSTAL = sorted(c for c, d in POSTAL.items() if len(d) > 1)


def test_postal_code_samples():
    assert len(set(SINGLE_POSTAL)) == 30 and len(SHARED_POSTAL) >= 1


def test_postal_code_entikong():
    result = resolve("kode pos 78557")
    assert (result.status, codes(result), result.postal_code) == ("found", ["610321"], "78557")
    assert (result.places[0].name, result.places[0].regency_code) == ("Entikong", "6103")


@pytest.mark.parametrize("postal_code", SINGLE_POSTAL)
def test_postal_code_of_one_district(postal_code):
    result = resolve(f"kode pos saya {postal_code}")
    assert (result.status, codes(result)) == ("found", sorted(POSTAL[postal_code]))


@pytest.mark.parametrize("postal_code", SHARED_POSTAL)
def test_postal_code_of_several_districts_is_ambiguous(postal_code):
    result = resolve(postal_code)
    assert (result.status, codes(result)) == ("ambiguous", sorted(POSTAL[postal_code]))


# --- 6. ambiguous names through the action ---------------------------------------------------

SUNGAI_RAYA = sorted(d["code"] for d in RAW["districts"] if d["name"] == "Sungai Raya")


def test_sungai_raya_asks_which_one():
    messages, slots = run_action(ACTION, "sungai raya", intent="inform_place")
    assert len(messages) == 1 and "Sungai Raya" in messages[0]["text"]
    assert sorted(b["payload"] for b in messages[0]["buttons"]) == [
        f'/inform_place{{"place": "{code}"}}' for code in SUNGAI_RAYA]
    assert sorted(slots["place_candidates"]) == SUNGAI_RAYA and slots["awaiting_place"] is True


def test_sungai_raya_answered_by_regency_name():
    text = reply_text(ACTION, "kubu raya", intent="inform_place", place_candidates=SUNGAI_RAYA)
    assert "Kecamatan Sungai Raya, Kab. Kubu Raya" in text
    assert answer("Kantor Cabang Pontianak") in text


def test_sungai_raya_answered_by_button():
    assert "610701" in SUNGAI_RAYA
    messages, slots = run_action(ACTION, '/inform_place{"place": "610701"}', intent="inform_place",
                                 entities=[{"entity": "place", "value": "610701"}],
                                 place_candidates=SUNGAI_RAYA)
    seat = SEAT_OF["610701"]  # a district is measured from its seat (section 11)
    _, label = nearest(seat["lat"], seat["lon"])
    assert "Kecamatan Sungai Raya, Kab. Bengkayang" in messages[0]["text"]
    assert answer(label) in messages[0]["text"]
    assert slots["place_candidates"] is None


def test_sungai_jawi_is_ambiguous():
    villages = sorted(v["code"] for v in RAW["villages"] if v["name"] == "Sungai Jawi")
    assert {c[:4] for c in villages} == {"6104", "6112"}
    assert (resolve("sungai jawi").status, codes(resolve("sungai jawi"))) == ("ambiguous", villages)
    _, slots = run_action(ACTION, "desa sungai jawi", intent="inform_place")
    assert sorted(slots["place_candidates"]) == villages


# --- 7. outside Kalbar ------------------------------------------------------------------------

@pytest.mark.parametrize("text,name", [("jakarta", "Jakarta"), ("kuching", "Kuching"),
                                       ("saya di surabaya", "Surabaya")])
def test_outside_kalbar(text, name):
    result = resolve(text)
    assert (result.status, result.outside) == ("outside", name)
    reply = reply_text(ACTION, text, intent="inform_place")
    assert f"{name} berada di luar Kalimantan Barat" in reply and "175" in reply


# --- 8. shared locations ----------------------------------------------------------------------

def office_labels() -> List[str]:
    return [f"{KIND_LABEL[o['kind']]} {o['name']}" for o in OFFICES]


def test_telegram_location_in_pontianak():
    reply = reply_text(ACTION, '{"lng": 109.34, "lat": -0.03}', intent="inform_place")
    assert answer("Kantor Cabang Pontianak") in reply


@pytest.mark.parametrize("lat,lon", [(-0.03, 109.34), (0.35, 108.96), (0.07, 111.5), (-1.85, 109.98),
                                     (0.88, 112.9), (0.9, 108.98), (0.37, 109.94), (1.35, 109.3)])
def test_web_location_inside_kalbar(lat, lon):
    reply = reply_text(ACTION, "/share_location", intent="share_location",
                       entities=[{"entity": "lat", "value": lat}, {"entity": "lon", "value": lon}])
    assert answer(nearest(lat, lon)[1]) in reply


def test_location_just_outside_names_the_nearest_office():
    km, label = nearest(1.55, 110.35)
    assert km <= 100
    reply = reply_text(ACTION, '{"lng": 110.35, "lat": 1.55}', intent="inform_place")
    assert "Lokasi Anda berada di luar Kalimantan Barat" in reply
    assert f"Kantor terdekat di Kalimantan Barat: {label}," in reply


def test_location_far_outside_names_no_office():
    reply = reply_text(ACTION, "/share_location", intent="share_location",
                       entities=[{"entity": "lat", "value": -6.2}, {"entity": "lon", "value": 106.8}])
    assert "di luar Kalimantan Barat" in reply and "175" in reply
    assert not [label for label in office_labels() if label in reply]


@pytest.mark.parametrize("text,entities", [
    ("/share_location", [{"entity": "lat", "value": 95}, {"entity": "lon", "value": 109.3}]),
    ("/share_location", [{"entity": "lat", "value": "abc"}, {"entity": "lon", "value": 109.3}]),
    ('{"lng": 109.34, "lat": 95}', []),
    ('{"lng": abc, "lat": -0.03}', []),
])
def test_invalid_location(text, entities):
    assert "tidak valid" in reply_text(ACTION, text, intent="inform_place", entities=entities)


# --- 9./10. unknown place, English ------------------------------------------------------------

def test_unknown_place():
    assert resolve("desa xyzqw").status == "none"
    reply = reply_text(ACTION, "desa xyzqw", intent="inform_place")
    assert "belum menemukan" in reply and "175" in reply


def test_english_nearest_office():
    reply = reply_text(ACTION, "nearest office to ngabang", intent="ask_nearest_office")
    assert "the nearest BPJS Ketenagakerjaan office is the Landak service unit," in reply
    assert "Kecamatan Ngabang, Kab. Landak" in reply


# --- 11. where a distance is measured from (issue 18 item 4) ---------------------------------
#
# A district is measured from its seat, not from the middle of its area: the seats file
# (data/gazetteer/district_seats.json, generated from the gazetteer by
# scripts/generate_place_lookup.py) names a village of each district. A village is measured from
# itself, a regency or city from its seat town, and the answer says which point it used. The
# rules are checked here with code of the test's own.

VILLAGE_OF = {v["code"]: v for v in RAW["villages"]}
RIVER_MOUTH = {"nanga", "kuala", "muara"}


def title(village: Dict) -> str:
    """'Kelurahan X' (a 1 in the code's seventh digit) or 'Desa X'."""
    return ("Kelurahan " if village["code"][6] == "1" else "Desa ") + village["name"]


def medoid(candidates: List[Dict], others: List[Dict]) -> Dict:
    return min(candidates, key=lambda c: (sum(haversine(c["lat"], c["lon"], o["lat"], o["lon"])
                                              for o in others), c["code"]))


def expected_seat(district: Dict) -> Tuple[str, Dict]:
    """(rule, village) by the rules of scripts/generate_place_lookup.py, written anew."""
    name = district["name"].lower()
    villages = [v for v in RAW["villages"]
                if v["district_code"] == district["code"] and v["lat"] is not None]
    named = [v for v in villages if v["name"].lower().replace(" ", "") == name.replace(" ", "")]
    kelurahan = [v for v in villages if v["code"][6] == "1"]
    bearing = [v for v in villages if f" {name} " in f" {v['name'].lower()} "]
    mouth = [v for v in bearing if set(v["name"].lower().replace(name, "").split()) <= RIVER_MOUTH]
    if named:
        return "named_village", medoid(named, villages)
    if kelurahan:
        return "kelurahan", medoid(kelurahan, kelurahan)
    if bearing:
        return "name_bearing", medoid(mouth or bearing, villages)
    return "villages_centre", medoid(villages, villages)


def test_every_district_has_the_seat_its_rule_gives():
    assert [e["code"] for e in SEATS["districts"]] == [d["code"] for d in RAW["districts"]]
    wrong = []
    for district in RAW["districts"]:
        entry = SEAT_OF[district["code"]]
        rule, village = expected_seat(district)
        got = (entry["rule"], entry["village_code"], entry["village"], entry["lat"], entry["lon"])
        if got != (rule, village["code"], village["name"], village["lat"], village["lon"]):
            wrong.append((district["name"], got, rule, village["name"]))
    assert not wrong, wrong
    rules = collections.Counter(e["rule"] for e in SEATS["districts"])
    assert set(rules) == {"named_village", "kelurahan", "name_bearing", "villages_centre"}
    assert sum(n for rule, n in rules.items() if rule != "villages_centre") >= 90, rules


def test_seats_file_is_what_the_generator_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "generate_place_lookup", PROJECT / "scripts" / "generate_place_lookup.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.render_seats() == (PROJECT / "data" / "gazetteer" / "district_seats.json").read_text(
        encoding="utf-8")


def seat_phrase(district: Dict, lang: str) -> str:
    """How the answer names a district's point."""
    entry = SEAT_OF[district["code"]]
    village = title(VILLAGE_OF[entry["village_code"]])
    if entry["rule"] == "villages_centre":
        return {"id": f"dari {village}, titik tengah desa-desa di Kecamatan {district['name']}",
                "en": f"from {village}, the middle of the villages of Kecamatan {district['name']}"}[lang]
    return {"id": f"dari pusat Kecamatan {district['name']} di {village}",
            "en": f"from the centre of Kecamatan {district['name']} at {village}"}[lang]


def about(km: float, lang: str) -> str:
    if km < 1:
        return {"id": "kurang dari 1 km", "en": "less than 1 km away"}[lang]
    return {"id": f"sekitar {round(km)} km", "en": f"about {round(km)} km away"}[lang]


def test_every_district_is_measured_from_its_seat():
    from actions.gazetteer import DISTRICT_SEAT, VILLAGES_CENTRE, load_gazetteer, origin

    districts = load_gazetteer().districts
    wrong = []
    for code, entry in SEAT_OF.items():
        point = origin(districts[code])
        kind = VILLAGES_CENTRE if entry["rule"] == "villages_centre" else DISTRICT_SEAT
        if (point.kind, point.lat, point.lon, point.at.code) != (kind, entry["lat"], entry["lon"],
                                                                 entry["village_code"]):
            wrong.append((entry["name"], point))
    assert not wrong, wrong[:5]


# two districts of each rule (the first and last in the file): the answer's distance and point
SEAT_SAMPLE = [pytest.param(entries[k], id=entries[k]["name"])
               for rule in ("named_village", "kelurahan", "name_bearing", "villages_centre")
               for entries in [[e for e in SEATS["districts"] if e["rule"] == rule]] for k in (0, -1)]


@pytest.mark.parametrize("entry", SEAT_SAMPLE)
def test_a_district_answer_says_it_is_measured_from_its_seat(entry):
    district = DISTRICTS[entry["code"]]
    text = f"kecamatan {district['name'].lower()} {qualifier(REGENCIES[district['regency_code']])}"
    km, label = nearest(entry["lat"], entry["lon"])
    reply = reply_text(ACTION, text, intent="inform_place", language="id")
    assert f"terdekat adalah {label}, {about(km, 'id')} {seat_phrase(district, 'id')} (jarak" in reply


def test_sungai_raya_district_is_measured_from_its_town():
    """The issue's case: the district's area centre is 40 km from the office, its town 7."""
    district, entry = DISTRICTS["611201"], SEAT_OF["611201"]
    assert (entry["rule"], entry["village"]) == ("named_village", "Sungai Raya")
    area_km, area_office = nearest(district["lat"], district["lon"])
    km, office = nearest(entry["lat"], entry["lon"])
    assert office == area_office == "Kantor Cabang Pontianak" and area_km > 30 and km < 12
    text = reply_text(ACTION, "kec sungai raya kab kubu raya", intent="inform_place", language="id")
    assert (f"terdekat adalah Kantor Cabang Pontianak, sekitar {round(km)} km dari pusat Kecamatan "
            f"Sungai Raya di Desa Sungai Raya (jarak garis lurus, perkiraan)") in text
    text = reply_text(ACTION, "nearest office to sungai raya district, kubu raya regency",
                      intent="ask_nearest_office")
    assert (f"is the Pontianak branch office, about {round(km)} km away from the centre of "
            f"Kecamatan Sungai Raya at Desa Sungai Raya (straight line") in text


def test_desa_sungai_ambawang_is_measured_from_the_village_bearing_its_name():
    """No village is called Sungai Ambawang: the answer is for the district, measured from Desa
    Sungai Ambawang Kuala (the village bearing its name), not from the middle of its area."""
    assert not [v for v in RAW["villages"] if v["name"] == "Sungai Ambawang"]
    district, entry = DISTRICTS["611203"], SEAT_OF["611203"]
    assert (entry["rule"], entry["village"]) == ("name_bearing", "Sungai Ambawang Kuala")
    km, _ = nearest(entry["lat"], entry["lon"])
    assert nearest(district["lat"], district["lon"])[0] > 30 and km < 12
    text = reply_text(ACTION, "sy di desa sungai ambawang", intent="inform_place")
    assert (f"sekitar {round(km)} km dari pusat Kecamatan Sungai Ambawang di Desa Sungai Ambawang "
            f"Kuala") in text


def test_a_named_village_is_measured_from_the_village():
    """Desa Pulau Jambu lies far from its district's town: its own distance is given."""
    village = next(v for v in RAW["villages"]
                   if v["name"] == "Pulau Jambu" and v["district_code"] == "611201")
    km, office = nearest(village["lat"], village["lon"])
    seat_km, _ = nearest(SEAT_OF["611201"]["lat"], SEAT_OF["611201"]["lon"])
    assert round(km) - round(seat_km) >= 20
    text = reply_text(ACTION, "sy di desa pulau jambu kec sungai raya kab kubu raya",
                      intent="inform_place", language="id")
    assert f"terdekat adalah {office}, sekitar {round(km)} km dari Desa Pulau Jambu (jarak" in text
    text = reply_text(ACTION, "nearest office to pulau jambu village, sungai raya, kubu raya",
                      intent="ask_nearest_office")
    assert f"about {round(km)} km away from Desa Pulau Jambu (straight line" in text


def test_a_village_without_coordinates_is_measured_from_its_district_seat():
    village = next(v for v in RAW["villages"] if v["lat"] is None and v["district_code"] == "611201")
    km, office = nearest(SEAT_OF["611201"]["lat"], SEAT_OF["611201"]["lon"])
    text = reply_text(ACTION, f"desa {village['name'].lower()} kec sungai raya kab kubu raya",
                      intent="inform_place", language="id")
    assert f"Untuk Desa {village['name']}, Kec. Sungai Raya" in text
    assert f"{office}, sekitar {round(km)} km dari pusat Kecamatan Sungai Raya di Desa Sungai Raya" in text


def test_a_district_without_a_known_seat_uses_its_villages_centre():
    district = next(d for d in RAW["districts"] if d["name"] == "Sambas")
    entry = SEAT_OF[district["code"]]
    villages = [v for v in RAW["villages"] if v["district_code"] == district["code"] and v["lat"] is not None]
    assert entry["rule"] == "villages_centre" and entry["village_code"] == medoid(villages, villages)["code"]
    km, office = nearest(entry["lat"], entry["lon"])
    text = reply_text(ACTION, "kecamatan sambas kab sambas", intent="inform_place", language="id")
    assert (f"terdekat adalah {office}, sekitar {round(km)} km dari Desa {entry['village']}, titik tengah "
            f"desa-desa di Kecamatan Sambas") in text
    text = reply_text(ACTION, "nearest office to sambas district, sambas regency",
                      intent="ask_nearest_office")
    assert f"away from Desa {entry['village']}, the middle of the villages of Kecamatan Sambas" in text


def test_a_kelurahan_seat_is_named_kelurahan():
    """Kecamatan Putussibau Selatan: its kelurahan are the town, 4 km from the office, where the
    middle of its area was 79 km away."""
    district = next(d for d in RAW["districts"] if d["name"] == "Putussibau Selatan")
    entry = SEAT_OF[district["code"]]
    assert entry["rule"] == "kelurahan" and entry["village_code"][6] == "1"
    km, office = nearest(entry["lat"], entry["lon"])
    assert nearest(district["lat"], district["lon"])[0] > 50 and km < 10
    text = reply_text(ACTION, "kecamatan putussibau selatan", intent="inform_place", language="id")
    assert (f"{office}, sekitar {round(km)} km dari pusat Kecamatan Putussibau Selatan di Kelurahan "
            f"{entry['village']}") in text


@pytest.mark.parametrize("text,point", [
    ("kubu raya", "dari pusat Kabupaten Kubu Raya di Sungai Raya"),
    ("kab landak", "dari pusat Kabupaten Landak di Ngabang"),
    ("kota pontianak", "dari pusat Kota Pontianak"),
])
def test_a_regency_is_measured_from_its_seat_town(text, point):
    reply = reply_text(ACTION, text, intent="inform_place", language="id")
    assert f"{point} (jarak garis lurus" in reply


def test_a_shared_location_is_measured_from_itself():
    reply = reply_text(ACTION, '{"lng": 109.34, "lat": -0.03}', intent="inform_place")
    assert "kurang dari 1 km dari lokasi Anda (jarak garis lurus" in reply
    km, label = nearest(1.55, 110.35)
    reply = reply_text(ACTION, '{"lng": 110.35, "lat": 1.55}', intent="inform_place")
    assert (f"Kantor terdekat di Kalimantan Barat: {label}, sekitar {round(km)} km dari lokasi Anda "
            f"(garis lurus)") in reply


def test_a_stale_seats_file_is_refused(tmp_path):
    """A seat that is not one of its district's villages at that village's point (the gazetteer
    changed, the file was not generated anew) stops the loader with a message to run make lookup."""
    from actions.gazetteer import district_seats

    stale = json.loads(json.dumps(SEATS))
    stale["districts"][0]["lat"] += 0.1
    path = tmp_path / "district_seats.json"
    path.write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(ValueError, match="make lookup"):
        district_seats(path)
    missing = {**SEATS, "districts": SEATS["districts"][1:]}
    path.write_text(json.dumps(missing), encoding="utf-8")
    with pytest.raises(ValueError, match="no seat for districts"):
        district_seats(path)


@pytest.mark.parametrize("text, found", [
    ("kamek anak nye, mak kamek pun udah ndak ade. sape yg berhak?", False),
    ("sape yg bise ngurus klaimnye?", False),
    ("desa sape", True)])
def test_a_pontianak_malay_word_named_like_a_village_is_a_place_only_when_said_so(text, found):
    """From a fresh-user trial (2026-12-07): "sape" ("siapa") made the fallback offer the nearest
    office of the village Sape. The chat and Pontianak Malay spellings the knowledge base reads
    (knowledge.LOCAL_FORMS) are words of the lexicon, so such a village needs "desa" or a place
    question."""
    resolution = resolve(text)
    assert (resolution.status == "found") == found, resolution

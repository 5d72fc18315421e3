"""The PLKK facility directory: `plkk.facilities` of the facts file as an index for the answers
(nearest to a point, in a regency or district, by name), built once per facts load.

Positions: a facility's `lat`/`lon`, else the centre of its district (else of its regency) from
the gazetteer; such a position is `approximate`. Distances are great-circle kilometres.

Names are matched word by word after normalising: lower case, "rumah sakit" -> rs, "pkm" ->
puskesmas, "clinic" -> klinik; type words (rs, rsud, klinik...) and titles ("dr.", "h.") are left
out of the comparison. A word may have one typo (two in words of seven letters or more), as in the
place finder (rapidfuzz's optimal string alignment distance).
"""

import heapq
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rapidfuzz.distance import OSA

from actions.gazetteer import distance_km, load_gazetteer

# Written forms of facility-type words -> one form; each names a family of facilities.
TYPE_WORDS = {
    "rs": "rs", "rsu": "rs", "rsud": "rs", "rsia": "rs", "rsj": "rs", "rsk": "rs", "rumkit": "rs",
    "hospital": "rs", "puskesmas": "puskesmas", "pkm": "puskesmas", "klinik": "klinik",
    "clinic": "klinik",
}
# "rumah sakit" written out, and its longer forms, as one type word
PHRASES = [(("rumah", "sakit", "umum", "daerah"), "rsud"), (("rumah", "sakit", "umum"), "rsu"),
           (("rumah", "sakit"), "rs")]
# Titles and words that are not part of what tells one facility from another.
TITLES = {"dr", "drs", "dokter", "h", "hj", "haji", "ir", "prof", "sp"}
NEAREST_SHORTLIST = 8  # candidates by flat-earth distance, then ranked by great-circle distance


def tokens(text: str) -> List[str]:
    """Lower-case ASCII words of a text ('RSUD dr. Soedarso' -> ['rsud', 'dr', 'soedarso'])."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", text)


def type_runs(words: Sequence[str]) -> List[Tuple[int, int, str]]:
    """(start, end, type word) of each facility-type word in `words` ('rumah sakit' is one)."""
    runs, i = [], 0
    while i < len(words):
        for phrase, word in PHRASES:
            if tuple(words[i:i + len(phrase)]) == phrase:
                runs.append((i, i + len(phrase), word))
                i += len(phrase)
                break
        else:
            if words[i] in TYPE_WORDS:
                runs.append((i, i + 1, words[i]))
            i += 1
    return runs


def name_key(words: Sequence[str]) -> Tuple[Tuple[str, ...], Optional[str]]:
    """(the words that tell a facility apart, its family or None) for the words of a name."""
    runs = type_runs(words)
    inside = {k for start, end, _ in runs for k in range(start, end)}
    family = TYPE_WORDS[runs[0][2]] if runs else None
    key = tuple(w for k, w in enumerate(words) if k not in inside and w not in TITLES)
    return key, family


def typo_limit(word: str) -> int:
    """Edits allowed in one word: none up to three letters, one up to six, two from seven."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2


def match_cost(query: Sequence[str], key: Sequence[str]) -> Optional[int]:
    """Total edits when every query word matches its own word of the key (None when one does not)."""
    left, cost = list(key), 0
    for word in query:
        scored = [(OSA.distance(word, k), n) for n, k in enumerate(left)]
        near = [(d, n) for d, n in scored if d <= min(typo_limit(word), typo_limit(left[n]))]
        if not near:
            return None
        distance, n = min(near)
        cost += distance
        left.pop(n)
    return cost


@dataclass(frozen=True)
class Facility:
    """One item of plkk.facilities with its position (lat, lon; approximate when it is a centre)."""

    name: str
    type: str
    regency_code: str
    district_code: Optional[str]
    address: Optional[str]
    phone: Optional[str]
    lat: float
    lon: float
    approximate: bool
    key: Tuple[str, ...]
    family: Optional[str]


class Directory:
    """The facilities of one facts load, ready for look-up by position, area and name."""

    def __init__(self, items: Sequence[Dict[str, Any]]) -> None:
        gazetteer = load_gazetteer()
        self.facilities: List[Facility] = []
        for item in items:
            lat, lon = item.get("lat"), item.get("lon")
            centre = (gazetteer.districts.get(item.get("district_code") or "")
                      or gazetteer.regencies[item["regency_code"]])
            key, family = name_key(tokens(item["name"]))
            self.facilities.append(Facility(
                item["name"], item["type"], item["regency_code"], item.get("district_code"),
                item.get("address"), item.get("phone"),
                centre.lat if lat is None else lat, centre.lon if lon is None else lon,
                lat is None, key, family))
        # for the flat-earth shortlist: (lat, lon scaled by the cosine of Kalbar's latitude)
        self._flat = [(f.lat, f.lon * math.cos(math.radians(f.lat))) for f in self.facilities]

    def __len__(self) -> int:
        return len(self.facilities)

    def nearest(self, lat: float, lon: float, count: int = 3,
                types: Optional[Sequence[str]] = None) -> List[Tuple[float, Facility]]:
        """The `count` facilities (of `types`, if given) nearest to a point: [(km, facility)],
        nearest first. A flat-earth shortlist, then great-circle distances (Kalbar spans a few
        degrees at the equator, where the two orders agree)."""
        y, x = lat, lon * math.cos(math.radians(lat))
        flat = self._flat
        allowed = range(len(flat)) if types is None else [
            n for n, f in enumerate(self.facilities) if f.type in types]
        shortlist = heapq.nsmallest(count + NEAREST_SHORTLIST, allowed,
                                    key=lambda n: (flat[n][0] - y) ** 2 + (flat[n][1] - x) ** 2)
        ranked = sorted((distance_km(lat, lon, self.facilities[n].lat, self.facilities[n].lon), n)
                        for n in shortlist)
        return [(km, self.facilities[n]) for km, n in ranked[:count]]

    def in_area(self, regency_code: str, district_code: Optional[str] = None) -> List[Facility]:
        """The facilities of a regency, or of one of its districts, in list order."""
        return [f for f in self.facilities if f.regency_code == regency_code
                and (district_code is None or f.district_code == district_code)]

    def find(self, words: Sequence[str]) -> List[Facility]:
        """The facilities a written name means: the whole name (fewest typos) before a name of
        which the words are only a part; several when they match equally. [] when none does."""
        key, family = name_key(words)
        if not key:
            return []
        scored = []
        for facility in self.facilities:
            if family and facility.family and facility.family != family:
                continue
            cost = match_cost(key, facility.key)
            if cost is not None:
                scored.append(((len(facility.key) != len(key), cost), facility))
        if not scored:
            return []
        best = min(rank for rank, _ in scored)
        return [f for rank, f in scored if rank == best]


_cache: Dict[str, Any] = {}


def directory(facts: Dict[str, Any]) -> Directory:
    """The directory of a facts load, built on first use and kept until the facts are reloaded
    (actions.facts.get_facts returns a new mapping then)."""
    if _cache.get("facts") is not facts:
        _cache.update(facts=facts, directory=Directory(facts["plkk"]["facilities"]))
    return _cache["directory"]

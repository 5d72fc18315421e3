"""Finds the place a message names: a regency/city, seat town, district, village or postal code of
Kalimantan Barat, or a well-known place outside it.

Resolution is done in code against the gazetteer, so a place never seen in NLU training data still
works: exact names first, then normalised forms (sui/sei -> sungai, kkr -> kubu raya, without
"kecamatan"/"desa"/"kab."), then typos (up to two wrong, missing or swapped letters in a name of
six letters or more). The index is built once per process.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import yaml

from actions.gazetteer import DISTRICT, REGENCY, VILLAGE, Gazetteer, Place, load_gazetteer

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "data" / "gazetteer"
OUTSIDE_FILE = GAZETTEER_DIR / "outside_kalbar.yml"
ABBREVIATIONS_FILE = GAZETTEER_DIR / "abbreviations.yml"

# Words that say what kind of place follows; they are dropped before matching.
QUALIFIERS = {
    "kabupaten": REGENCY, "kab": REGENCY, "kota": REGENCY, "regency": REGENCY, "city": REGENCY,
    "kecamatan": DISTRICT, "kec": DISTRICT, "kcmtn": DISTRICT, "district": DISTRICT,
    "desa": VILLAGE, "ds": VILLAGE, "kelurahan": VILLAGE, "kel": VILLAGE, "village": VILLAGE,
}
# Chat words: never part of a place name as the user writes it.
CHAT_WORDS = {
    "ada", "aja", "apa", "area", "alamat", "at", "atau", "bang", "bapak", "berapa", "bisa", "bpjs",
    "bpjamsostek", "brp", "bu", "buat", "cabang", "code", "dan", "dari", "daerah", "dekat", "deket",
    "di", "dimana", "dmn", "dong", "from", "gimana", "gmn", "i", "ibu", "in", "ini", "is", "itu",
    "jamsostek", "jauh", "kalau", "kalbar", "kalimantan", "kalo", "kantor", "ke", "kerja",
    "ketenagakerjaan", "klo", "kntr", "kode", "layanan", "live", "mana", "mas", "min", "my",
    "near", "nearest", "nih", "office", "pak", "paling", "plg", "pos", "postal", "saya", "sih",
    "sy", "tempat", "terdekat", "the", "tinggal", "tk", "unit", "untuk", "where", "wilayah",
    "yang", "yg", "zip",
}
# Common parts of names that are never matched as a place on their own ("Baru" and "Tengah" are
# villages, but "desa baru" is needed to mean them).
NAME_PARTS = {
    "barat", "baru", "harapan", "hilir", "hulu", "jaya", "mulia", "raya", "sejahtera", "selatan",
    "sungai", "tanjung", "tengah", "timur", "utara",
}
KIND_RANK = {REGENCY: 0, DISTRICT: 1, VILLAGE: 2}
MAX_NGRAM = 5
FUZZY_MIN_LENGTH = 6
FUZZY_MAX_DISTANCE = 2
POSTAL_CODE = re.compile(r"\b(7[89]\d{3})\b")
GAZETTEER_CODE = re.compile(r"^61\d{2}(\d{2}(\d{4})?)?$")


@dataclass
class Resolution:
    """What a message says about where the user is.

    status: "found" (one place), "ambiguous" (several candidates), "outside" (a place outside
    Kalbar, in `outside`), or "none".
    """

    status: str
    places: List[Place] = field(default_factory=list)
    matched: str = ""
    outside: Optional[str] = None
    postal_code: Optional[str] = None
    fuzzy: bool = False


@lru_cache(maxsize=None)
def abbreviations() -> Dict[str, str]:
    """Written forms of name words ('sei' -> 'sungai', 'kkr' -> 'kubu raya')."""
    return yaml.safe_load(ABBREVIATIONS_FILE.read_text(encoding="utf-8"))["abbreviations"]


def normalise(text: str) -> List[str]:
    """Lower case, no accents or punctuation, abbreviations expanded: a list of tokens."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"(\w)\.(\w)", r"\1 \2", text)  # "kab.landak", "sei.raya"
    tokens: List[str] = []
    expand = abbreviations()
    for token in re.findall(r"[a-z0-9]+", text):
        tokens.extend(expand.get(token, token).split())
    return tokens


def _name_key(name: str) -> str:
    """A gazetteer name as matched: normalised, without a leading 'Kabupaten'/'Kota' (a district
    named 'X Kota' keeps its 'kota')."""
    tokens = normalise(name)
    while len(tokens) > 1 and tokens[0] in QUALIFIERS:
        tokens = tokens[1:]
    return " ".join(tokens)


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (edits, with swaps of neighbours), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str, depth: int) -> Set[str]:
    result = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        result |= frontier
    return result


class PlaceIndex:
    """Every name of the gazetteer, ready for exact and fuzzy look-up."""

    def __init__(self, gazetteer: Gazetteer, outside_names: Iterable[str]) -> None:
        self.gazetteer = gazetteer
        self.by_name: Dict[str, List[Place]] = {}
        for regency in gazetteer.regencies.values():
            self._add(_name_key(regency.name), regency)
            seat_district = [d for d in gazetteer.districts.values()
                             if d.regency_code == regency.code and _name_key(d.name) == _name_key(regency.seat)]
            self._add(_name_key(regency.seat), seat_district[0] if seat_district else regency)
        for place in list(gazetteer.districts.values()) + list(gazetteer.villages.values()):
            self._add(_name_key(place.name), place)
        self.outside = {_name_key(name): name for name in outside_names}
        self.by_postal_code: Dict[str, List[Place]] = {}
        for village in gazetteer.villages.values():
            self.by_postal_code.setdefault(village.postal_code, []).append(village)
        self.deletes: Dict[str, Set[str]] = {}
        for key in self.by_name:
            if len(key) >= FUZZY_MIN_LENGTH:
                for variant in _deletes(key, FUZZY_MAX_DISTANCE):
                    self.deletes.setdefault(variant, set()).add(key)

    def _add(self, key: str, place: Place) -> None:
        places = self.by_name.setdefault(key, [])
        if place not in places:
            places.append(place)

    def by_code(self, code: str) -> Optional[Place]:
        """A place by its gazetteer code (regency 4, district 6, village 10 digits)."""
        g = self.gazetteer
        return g.regencies.get(code) or g.districts.get(code) or g.villages.get(code)

    def fuzzy_keys(self, text: str) -> List[Tuple[int, str]]:
        """Names within FUZZY_MAX_DISTANCE edits of text, as (distance, name), closest first."""
        candidates: Set[str] = set()
        for variant in _deletes(text, FUZZY_MAX_DISTANCE):
            candidates |= self.deletes.get(variant, set())
        scored = [(_osa_distance(text, key, FUZZY_MAX_DISTANCE), key) for key in candidates]
        return sorted((d, k) for d, k in scored if d <= FUZZY_MAX_DISTANCE)


@lru_cache(maxsize=None)
def place_index() -> PlaceIndex:
    """The index of all Kalbar names, built once per process."""
    outside = yaml.safe_load(OUTSIDE_FILE.read_text(encoding="utf-8"))["places"]
    return PlaceIndex(load_gazetteer(), outside)


def _contains(outer: Place, inner: Place) -> bool:
    if outer.kind == REGENCY:
        return inner.regency_code == outer.code
    if outer.kind == DISTRICT:
        return inner.district_code == outer.code
    return inner.code == outer.code


def _related(a: Place, b: Place) -> bool:
    return _contains(a, b) or _contains(b, a)


def _candidates(places: Sequence[Place], kind: Optional[str]) -> List[Place]:
    """Of the places sharing one name, those of the kind the user said ('desa X'), else those of
    the broadest kind: 'kubu raya' is the regency."""
    said = [p for p in places if p.kind == kind]
    if said:
        return said
    best = min(KIND_RANK[p.kind] for p in places)
    return [p for p in places if KIND_RANK[p.kind] == best]


Span = Tuple[int, int, str, Optional[str]]  # start, end, name key, kind said before it


def _qualifier_before(tokens: List[str], start: int) -> Optional[str]:
    """The kind of place a word like 'desa' or 'kec' right before a name says it is."""
    return QUALIFIERS.get(tokens[start - 1]) if start > 0 else None


def _spans(tokens: List[str], index: PlaceIndex) -> List[Span]:
    """Longest exact matches, left to right."""
    spans, i = [], 0
    while i < len(tokens):
        for n in range(min(MAX_NGRAM, len(tokens) - i), 0, -1):
            key = " ".join(tokens[i:i + n])
            kind = _qualifier_before(tokens, i)
            if n == 1 and (key in CHAT_WORDS or key in NAME_PARTS or key in QUALIFIERS
                           or len(key) < 3) and not kind:
                continue
            if key in index.by_name or key in index.outside:
                spans.append((i, i + n, key, kind))
                i += n
                break
        else:
            i += 1
    return spans


def _fuzzy_spans(tokens: List[str], index: PlaceIndex) -> List[Span]:
    """The typo-tolerant match covering most tokens (then closest), among runs of up to three
    tokens without chat words."""
    best: Optional[Tuple[int, int, int, int, int, str]] = None  # -tokens, distance, -len, start, end, key
    for i in range(len(tokens)):
        for n in range(1, 4):
            words = tokens[i:i + n]
            if len(words) < n or any(w in CHAT_WORDS or w in QUALIFIERS for w in words):
                break
            text = " ".join(words)
            if len(text) < FUZZY_MIN_LENGTH - 1 or all(w in NAME_PARTS for w in words):
                continue
            # a five-letter word may miss one letter of a six-letter name; longer ones, two
            limit = 1 if len(text) < FUZZY_MIN_LENGTH else FUZZY_MAX_DISTANCE
            for distance, key in index.fuzzy_keys(text)[:1]:
                if distance <= limit:
                    candidate = (-n, distance, -len(key), i, i + n, key)
                    best = min(best, candidate) if best else candidate
    return [(best[3], best[4], best[5], _qualifier_before(tokens, best[3]))] if best else []


def resolve(text: str, index: Optional[PlaceIndex] = None) -> Resolution:
    """The place a message names, if any."""
    index = index or place_index()
    stripped = text.strip()
    if GAZETTEER_CODE.match(stripped):
        place = index.by_code(stripped)
        if place:
            return Resolution("found", [place], matched=place.name)

    postal = POSTAL_CODE.search(text)
    if postal:
        villages = index.by_postal_code.get(postal.group(1), [])
        districts = {v.district_code: index.gazetteer.districts[v.district_code] for v in villages}
        if districts:
            status = "found" if len(districts) == 1 else "ambiguous"
            return Resolution(status, list(districts.values()), matched=postal.group(1),
                              postal_code=postal.group(1))

    tokens = normalise(text)
    spans, fuzzy = _spans(tokens, index), False
    kalbar_spans = [s for s in spans if s[2] in index.by_name]
    typo = _fuzzy_spans(tokens, index)
    # "kapuas huluu": a typo in a longer name beats the exact shorter name inside it
    longer = [s for s in kalbar_spans
              if typo and typo[0][0] <= s[0] and s[1] <= typo[0][1]
              and s[1] - s[0] < typo[0][1] - typo[0][0]]
    if longer:
        kalbar_spans = [s for s in kalbar_spans if s not in longer] + typo
        fuzzy = True
    if not kalbar_spans:
        outside = [s for s in spans if s[2] in index.outside]
        if outside:
            return Resolution("outside", outside=index.outside[outside[0][2]], matched=outside[0][2])
        kalbar_spans, fuzzy = typo, True
        if not kalbar_spans:
            return Resolution("none")

    levels = [_candidates(index.by_name[key], kind) for _, _, key, kind in kalbar_spans]
    # the most specific name is the target; the others (e.g. its regency) narrow it down
    target = max(range(len(levels)), key=lambda k: max(KIND_RANK[p.kind] for p in levels[k]))
    candidates = levels[target]
    for k, qualifier in enumerate(levels):
        if k != target:
            narrowed = [p for p in candidates if any(_related(p, q) for q in qualifier)]
            candidates = narrowed or candidates
    matched = " ".join(tokens[kalbar_spans[target][0]:kalbar_spans[target][1]])
    status = "found" if len({_district_or_regency(p) for p in candidates}) == 1 else "ambiguous"
    if status == "found":
        candidates = candidates[:1]
    return Resolution(status, candidates, matched=matched, fuzzy=fuzzy)


def _district_or_regency(place: Place) -> str:
    return place.district_code or place.regency_code


def narrow(candidates: Sequence[Place], text: str, index: Optional[PlaceIndex] = None) -> List[Place]:
    """The candidates of an open question that the user's answer points to ("kubu raya")."""
    index = index or place_index()
    answer = resolve(text, index)
    if answer.status not in ("found", "ambiguous"):
        return []
    return [c for c in candidates if any(_related(c, p) for p in answer.places)]

"""Finds the place a message names: a regency/city, seat town, district, village or postal code of
Kalimantan Barat, or a well-known place outside it.

Resolution is done in code against the gazetteer, so a place never seen in NLU training data still
works: exact names first, then normalised forms (sui/sei -> sungai, kkr -> kubu raya, without
"kecamatan"/"desa"/"kab."), names from data/gazetteer/aliases.yml (former names and widely used
area names, each with its source), partial names, then typos. The index is built once per process.

How a word is told from a place
-------------------------------
Many village names are ordinary words ("Semangat", "Bangun", "Ladang"), and many ordinary words
are a letter or two away from a village name ("sakit" -> Sepang, "tolong" -> Lorong). So:

1. A word of the language is not typo-matched where the message does not say a place follows.
   Before a token (or a run of up to three tokens) is matched with edits, it is looked up in a
   lexicon (actions/lexicon.py): Indonesian root words and the stemmer of PySastrawi ("bulanan",
   "berubah" and "beneran" are words), the colloquial Kamus Alay lexicon shipped by indoNLP
   ("bgt", "dateng"), and English words (pyspellchecker). A run is typo-matched when one of its
   tokens is no word and the words in it are words of the name ("sungai pinyu" -> Sungai Pinyuh).
   Regencies/cities, their seats and districts are the places people name most, and many of their
   typos are words ("sangau", "sepuk", "tumang"): where the message says a place follows (it
   answers the bot's place question or is an office request, a qualifier stands before the run,
   it stands where an office request names its place, or after a locative word in a message that
   is essentially the place: "sy tinggal di sangau", "kantor bpjs di sangau dimana"), a run is
   typo-matched to one of those names whatever its words; not in "dari subuh sampe malem" or
   "selamat pagi". A village's name is typo-matched only there ("kamek ngantok" names no Pantok).
   A token one letter away from a chat word of this bot ("kantot", "terdekar") is that chat word
   and never typo-matched. Typos allow one wrong, missing, extra or swapped letter in names of five
   or six letters (villages: six), two in seven or more (rapidfuzz's optimal string alignment
   distance), against the name as read and as written (a typo of a name holding a word that
   abbreviations.yml expands is compared with the name unexpanded); of equally close names, a regency, city or seat wins
   over a district, a district over a village ("tangeran": Tangaran, not the village Pangeran).
2. A name that is a word (every token of it in the lexicon itself, without stemming) matches
   only exactly, and only where the message is about a place:
   - regencies/cities and their seat towns always count (several are words too);
   - a one-word village name ("semangat", "ladang"; also a one-word partial name, see 3.:
     "dusun") counts only when the caller says the message answers the bot's place question or
     is an office request (`expecting_place=True`), when it is qualified ("desa semangat",
     "kampung lauk", or another place of the message contains it: "bangun, kab X"), or when it
     stands where an office request names its place ("kantor terdekat dari bangun"); not in
     "sy di kuala", "kerja di istana" or "bangun pagi";
   - a district ("balai", "mandor", "tujuh belas") or a name of several words ("sungai jawi")
     counts in those cases too, and when a locative word stands before it ("sy kerja di mandor")
     or the message is essentially that place ("balai", "sungai jawi"), not in "mandor sy gak
     daftarin" or "tanggal tujuh belas".
3. A token that begins several names that all lie in one district ("siantan": the kelurahan
   Siantan Hulu, Tengah and Hilir, all in one district of the provincial capital) means that
   district, not a typo of another name; one that begins the names of several districts of one
   regency ("tayan": Tayan Hilir, Tayan Hulu) means the regency.

`Resolution.essential` says whether the message is essentially just the place: every other token
is a chat word, a qualifier or a greeting ("sy di X", "daerah X", "kalau di X?").
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import yaml
from rapidfuzz.distance import OSA

from actions.gazetteer import DISTRICT, REGENCY, VILLAGE, Gazetteer, Place, load_gazetteer
from actions.lexicon import Lexicon, lexicon

GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "data" / "gazetteer"
OUTSIDE_FILE = GAZETTEER_DIR / "outside_kalbar.yml"
ABBREVIATIONS_FILE = GAZETTEER_DIR / "abbreviations.yml"
ALIASES_FILE = GAZETTEER_DIR / "aliases.yml"

# Words that say what kind of place follows; they are dropped before matching.
QUALIFIERS = {
    "kabupaten": REGENCY, "kab": REGENCY, "kota": REGENCY, "regency": REGENCY, "city": REGENCY,
    "kecamatan": DISTRICT, "kec": DISTRICT, "kcmtn": DISTRICT, "district": DISTRICT,
    "desa": VILLAGE, "ds": VILLAGE, "kelurahan": VILLAGE, "kel": VILLAGE, "village": VILLAGE,
}
# Words that say a village follows but are kept in names ("Kampung Baru" is a village itself).
VILLAGE_WORDS = {"kampung": VILLAGE, "kampong": VILLAGE}
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
# Words before a place that say where someone is or goes.
LOCATIVE_WORDS = {
    "di", "dari", "dr", "ke", "kek", "daerah", "wilayah", "kawasan", "sekitar", "dekat", "deket",
    "dkt", "in", "at", "from", "near", "around", "to",
}
# Words that open the name of a business ("PT Sinar Kapuas", "CV Sambas Jaya", "CU Keling
# Kumang"): a place name among the BUSINESS_NAME_WORDS tokens after one, with no locative word
# between, is part of that name, not where the user is (a worker in Ketapang naming a company
# called after the Kapuas got the office for Kecamatan Kapuas in Sanggau; a held-out message,
# 2026-12-07).
BUSINESS_WORDS = {"pt", "cv", "ud", "cu", "kud", "koperasi", "yayasan", "firma"}
BUSINESS_NAME_WORDS = 3
# Words of an office request: a place after one of these and a locative word is the request's.
OFFICE_WORDS = {
    "kantor", "kntr", "kantornya", "cabang", "office", "offices", "branch", "terdekat", "nearest",
    "closest", "bpjs", "bpjamsostek", "jamsostek",
}
# Words that leave a message "essentially a place": "sy di X", "kalau di X?", "kantor di X dmn".
ESSENTIAL_WORDS = set(QUALIFIERS) | LOCATIVE_WORDS | OFFICE_WORDS | {
    "sy", "saya", "aku", "ak", "gw", "gue", "gua", "kami", "kamek", "kita", "tinggal", "domisili",
    "alamat", "lokasi", "posisi", "rumah", "kerja", "kalau", "kalo", "klo", "kl", "kalu", "yang",
    "yg", "untuk", "utk", "tuh", "itu", "ini", "nih", "sih", "dong", "ya", "yah", "aja", "saja",
    "juga", "jg", "gimana", "gmn", "bagaimana", "dimana", "dmn", "mana", "where", "how", "about",
    "what", "min", "admin", "kak", "ka", "bang", "mas", "mbak", "pak", "bu", "bapak", "ibu", "halo",
    "hallo", "hai", "hi", "hello", "pagi", "siang", "sore", "malam", "selamat", "assalamualaikum",
    "permisi", "i", "im", "am", "live", "living", "stay", "the", "my", "is", "kode", "pos", "code",
    "postal", "zip", "bpjs", "ketenagakerjaan", "tk", "unit", "layanan", "paling", "plg", "ok",
    "oke", "sekarang", "skrg", "lagi", "lg", "tp", "tapi", "kalimantan", "barat", "kalbar",
    "and", "then", "also", "too",  # "and in Sintang?" after an office answer or a place question
}
KIND_RANK = {REGENCY: 0, DISTRICT: 1, VILLAGE: 2}
MAX_NGRAM = 5
FUZZY_MIN_LENGTH = 6
TOWN_FUZZY_MIN_LENGTH = 5  # names of towns and districts are typo-matched from five letters
FUZZY_MAX_DISTANCE = 2
MAX_FUZZY_RUN = 3
POSTAL_CODE = re.compile(r"\b(7[89]\d{3})\b")
GAZETTEER_CODE = re.compile(r"^61\d{2}(\d{2}(\d{4})?)?$")


@dataclass
class Resolution:
    """What a message says about where the user is.

    status: "found" (one place), "ambiguous" (several candidates), "outside" (a place outside
    Kalbar, in `outside`), or "none". essential: the message is essentially just the place (every
    other token is a chat word, qualifier or greeting: "sy di X", "kalau di X?").
    """

    status: str
    places: List[Place] = field(default_factory=list)
    matched: str = ""
    outside: Optional[str] = None
    postal_code: Optional[str] = None
    fuzzy: bool = False
    essential: bool = False


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


def _written_key(name: str) -> str:
    """A gazetteer name as written, without the abbreviations of abbreviations.yml expanded."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    tokens = re.findall(r"[a-z0-9]+", text)
    while len(tokens) > 1 and tokens[0] in QUALIFIERS:
        tokens = tokens[1:]
    return " ".join(tokens)


def _deletes(word: str, depth: int) -> Set[str]:
    result = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        result |= frontier
    return result


@dataclass(frozen=True)
class Alias:
    """Another name of a gazetteer place (data/gazetteer/aliases.yml)."""

    key: str
    code: str
    after: FrozenSet[str]  # the alias holds only after one of these words (empty: anywhere)


def load_aliases(path: Path = ALIASES_FILE) -> List[Alias]:
    """The aliases file's entries; each must name its source."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["aliases"]
    aliases = []
    for entry in entries:
        if not entry.get("source"):
            raise ValueError(f"{path}: alias {entry.get('name')!r} has no source")
        after = frozenset(w for word in entry.get("after") or [] for w in normalise(word))
        aliases.append(Alias(_name_key(entry["name"]), str(entry["code"]), after))
    return aliases


class PlaceIndex:
    """Every name of the gazetteer, ready for exact and fuzzy look-up."""

    def __init__(self, gazetteer: Gazetteer, outside_names: Iterable[str],
                 aliases: Iterable[Alias] = (), words: Optional[Lexicon] = None) -> None:
        self.gazetteer = gazetteer
        self.lexicon = words or lexicon()
        self.by_name: Dict[str, List[Place]] = {}
        self.major: Set[str] = set()  # names of regencies/cities and their seat towns
        for regency in gazetteer.regencies.values():
            self._add(_name_key(regency.name), regency)
            seat_district = [d for d in gazetteer.districts.values()
                             if d.regency_code == regency.code and _name_key(d.name) == _name_key(regency.seat)]
            self._add(_name_key(regency.seat), seat_district[0] if seat_district else regency)
            self.major |= {_name_key(regency.name), _name_key(regency.seat)}
        for place in list(gazetteer.districts.values()) + list(gazetteer.villages.values()):
            self._add(_name_key(place.name), place)
        self.qualified_aliases: Dict[str, List[Tuple[FrozenSet[str], Place]]] = {}
        for alias in aliases:
            place = self.by_code(alias.code)
            if place is None:
                raise ValueError(f"alias {alias.key!r}: no place with code {alias.code}")
            if alias.after:
                self.qualified_aliases.setdefault(alias.key, []).append((alias.after, place))
            else:
                self._add(alias.key, place)
        self.partial = self._partial_names()
        self.outside = {_name_key(name): name for name in outside_names}
        self.by_postal_code: Dict[str, List[Place]] = {}
        for village in gazetteer.villages.values():
            self.by_postal_code.setdefault(village.postal_code, []).append(village)
        # regencies/cities, their seats and districts: the places people name most
        self.towns = self.major | {key for key, places in self.by_name.items()
                                   if any(p.kind != VILLAGE for p in places)}
        # the forms typos are matched against: each name, and a name as written where normalise()
        # expands a word of it (a typo of the name is not expanded, so it meets the written form)
        self.forms = {key: key for key in self.by_name}
        names = [name for r in gazetteer.regencies.values() for name in (r.name, r.seat)]
        names += [p.name for p in [*gazetteer.districts.values(), *gazetteer.villages.values()]]
        for name in names:
            self.forms.setdefault(_written_key(name), _name_key(name))
        self.longest_name = max(len(form) for form in self.forms)
        self.deletes: Dict[str, Set[str]] = {}
        for form, key in self.forms.items():
            if len(form) >= (TOWN_FUZZY_MIN_LENGTH if key in self.towns else FUZZY_MIN_LENGTH):
                for variant in _deletes(form, FUZZY_MAX_DISTANCE):
                    self.deletes.setdefault(variant, set()).add(form)
        self.common = {key for key in list(self.by_name) + list(self.partial)
                       if all(self.lexicon.listed(t) or t in NAME_PARTS for t in key.split())}

    def _add(self, key: str, place: Place) -> None:
        places = self.by_name.setdefault(key, [])
        if place not in places:
            places.append(place)

    def _partial_names(self) -> Dict[str, Place]:
        """Beginnings of several names that all lie in one district (that district), or that
        begin several district names of one regency (that regency); none is a name itself."""
        by_prefix: Dict[str, Set[str]] = {}
        for key in self.by_name:
            tokens = key.split()
            for n in range(1, len(tokens)):
                by_prefix.setdefault(" ".join(tokens[:n]), set()).add(key)
        partial = {}
        for prefix, names in by_prefix.items():
            if prefix in self.by_name or len(names) < 2 or prefix in NAME_PARTS | CHAT_WORDS:
                continue
            places = [p for name in names for p in self.by_name[name]]
            districts = {p.district_code for p in places}
            if None not in districts and len(districts) == 1:
                partial[prefix] = self.gazetteer.districts[districts.pop()]
            elif all(p.kind == DISTRICT for p in places) and len({p.regency_code for p in places}) == 1:
                partial[prefix] = self.gazetteer.regencies[places[0].regency_code]
        return partial

    def rank(self, key: str) -> int:
        """0 for a regency/city or seat town, 1 for a district, 2 for a village only."""
        return 0 if key in self.major else 1 if key in self.towns else 2

    def by_code(self, code: str) -> Optional[Place]:
        """A place by its gazetteer code (regency 4, district 6, village 10 digits)."""
        g = self.gazetteer
        return g.regencies.get(code) or g.districts.get(code) or g.villages.get(code)

    def fuzzy_keys(self, text: str) -> List[Tuple[int, str, str]]:
        """Names within FUZZY_MAX_DISTANCE edits of text, as (distance, name, the form of the name
        compared), closest first."""
        if len(text) > self.longest_name + FUZZY_MAX_DISTANCE:
            return []
        candidates: Set[str] = set()
        for variant in _deletes(text, FUZZY_MAX_DISTANCE):
            candidates |= self.deletes.get(variant, set())
        scored = [(OSA.distance(text, form, score_cutoff=FUZZY_MAX_DISTANCE), self.forms[form], form)
                  for form in candidates]
        return sorted(entry for entry in scored if entry[0] <= FUZZY_MAX_DISTANCE)


@lru_cache(maxsize=None)
def place_index() -> PlaceIndex:
    """The index of all Kalbar names, built once per process."""
    outside = yaml.safe_load(OUTSIDE_FILE.read_text(encoding="utf-8"))["places"]
    return PlaceIndex(load_gazetteer(), outside, load_aliases())


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


@dataclass
class Span:
    """Tokens [start, end) of the message that name places."""

    start: int
    end: int
    key: str
    kind: Optional[str]  # the kind a qualifier before it says ('desa X' -> village)
    places: List[Place]
    outside: bool = False
    fuzzy: bool = False
    partial: bool = False


def _qualifier_before(tokens: List[str], start: int) -> Optional[str]:
    """The kind of place a word like 'desa', 'kec' or 'kampung' right before a name says it is."""
    if start == 0:
        return None
    return QUALIFIERS.get(tokens[start - 1]) or VILLAGE_WORDS.get(tokens[start - 1])


def _exact_places(tokens: List[str], start: int, key: str, index: PlaceIndex) -> Optional[List[Place]]:
    before = tokens[start - 1] if start > 0 else None
    for after, place in index.qualified_aliases.get(key, []):
        if before in after:
            return [place]
    if key in index.by_name:
        return index.by_name[key]
    if key in index.partial:
        return [index.partial[key]]
    return None


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
            places = _exact_places(tokens, i, key, index)
            if places is not None:
                spans.append(Span(i, i + n, key, kind, places, partial=key in index.partial
                                  and key not in index.by_name))
                i += n
                break
            if key in index.outside:
                spans.append(Span(i, i + n, key, kind, [], outside=True))
                i += n
                break
        else:
            i += 1
    return spans


CHAT_WORD_LIST = tuple(sorted(w for w in CHAT_WORDS | OFFICE_WORDS | set(QUALIFIERS) if len(w) >= 5))
ESSENTIAL_WORD_LIST = tuple(sorted(w for w in ESSENTIAL_WORDS if len(w) >= 5))


@lru_cache(maxsize=10_000)
def _typo_of(token: str, words: Tuple[str, ...]) -> bool:
    """One letter away from one of the words ('kantot', 'terdekar', 'kecamtan')."""
    return len(token) >= 5 and any(OSA.distance(token, w, score_cutoff=1) <= 1 for w in words)


def _is_chat_typo(token: str) -> bool:
    """One letter away from a chat word of this bot: 'kantot', 'terdekar', 'kecamtan'."""
    return _typo_of(token, CHAT_WORD_LIST)


def _typo_limit(text: str, key: str) -> int:
    """Edits allowed between what was typed and a name: one where five letters were typed (a
    letter of a six-letter name missing) or both have six, two where six or more were typed and
    one of them has seven or more ("sinkawang", "kendawngan")."""
    if len(text) < FUZZY_MIN_LENGTH:
        return 1
    return FUZZY_MAX_DISTANCE if max(len(text), len(key)) > FUZZY_MIN_LENGTH else 1


def _about_place(tokens: List[str], start: int, end: int, expecting_place: bool) -> bool:
    """Tokens [start, end) stand where the message says a place is named: a qualifier stands
    before them ("kab X", "kampung X"), they stand where an office request names its place
    ("kantor bpjs di X"), or the message is essentially them and answers the bot's place
    question, is an office request, or has a locative word before them ("sy tinggal di X",
    "kalau di X?"; not "dari subuh sampe malem", nor "kantor terdekat yg sudah buka")."""
    return (_qualifier_before(tokens, start) is not None or _office_position(tokens, start)
            or ((expecting_place or (start > 0 and tokens[start - 1] in LOCATIVE_WORDS))
                and _essential(tokens, set(range(start, end)))))


def _fuzzy_spans(tokens: List[str], index: PlaceIndex, expecting_place: bool = False) -> List[Span]:
    """The typo-tolerant match covering most tokens (then closest, then the broadest kind of
    place), among runs of up to three tokens without chat words, not beginning with a qualifier.

    A run of which one token at least is no word may match any name whose words include the
    run's words. Where the message says a place is named (_about_place), a run may also match
    the name of a regency, city, seat or district whatever its words ("sangau", "sepuk": words of
    the lexicon), but for greetings, chat words and their typos; a village's name is typo-matched
    only there ("kamek ngantok" names no village)."""
    words = index.lexicon
    no_word: Dict[int, bool] = {}

    def is_new(k: int) -> bool:  # the token is no word (computed only for runs near a name)
        if k not in no_word:
            t = tokens[k]
            no_word[k] = not (t in CHAT_WORDS or t in QUALIFIERS or words.is_word(t)
                              or _is_chat_typo(t))
        return no_word[k]

    # (-tokens, distance, rank, -len, start, end, key): most tokens, then closest, then the
    # broadest kind (a town before a district before a village), then the longest name
    best: Optional[Tuple[int, int, int, int, int, int, str]] = None
    for i in range(len(tokens)):
        for n in range(1, MAX_FUZZY_RUN + 1):
            run = tokens[i:i + n]
            # a qualifier may end a name ("pontianak kota"), never begin one
            if len(run) < n or run[0] in QUALIFIERS or any(w in CHAT_WORDS for w in run):
                break
            text = " ".join(run)
            if len(text) < TOWN_FUZZY_MIN_LENGTH or all(w in NAME_PARTS for w in run):
                continue
            near = [(d, key) for d, key, form in index.fuzzy_keys(text) if d <= _typo_limit(text, form)]
            if not near:
                continue
            new = any(is_new(k) for k in range(i, i + n))
            known = {tokens[k] for k in range(i, i + n) if not is_new(k)}
            about: List[bool] = []  # _about_place, computed once when needed
            for distance, key in near:
                rank = index.rank(key)
                mistyped = known - set(key.split())  # words of the run that are not the name's
                if mistyped & ESSENTIAL_WORDS or any(_is_chat_typo(w) for w in mistyped):
                    continue  # "selamat" is no typo of Selakau, "kantot" none of a place
                plain = new and not mistyped  # a token that is no word, the name's words kept
                if rank == 2 and not plain:
                    continue
                if rank == 2 or not plain:
                    about = about or [_about_place(tokens, i, i + n, expecting_place)]
                    if not about[0]:
                        continue
                candidate = (-n, distance, rank, -len(key), i, i + n, key)
                best = min(best, candidate) if best else candidate
    if not best:
        return []
    start, end, key = best[4], best[5], best[6]
    return [Span(start, end, key, _qualifier_before(tokens, start), index.by_name[key], fuzzy=True)]


def _office_position(tokens: List[str], start: int) -> bool:
    """The name stands where an office request names its place: 'kantor terdekat dari X'."""
    return (start > 0 and tokens[start - 1] in LOCATIVE_WORDS
            and any(t in OFFICE_WORDS for t in tokens[:start - 1]))


def _essential(tokens: List[str], covered: Set[int]) -> bool:
    """Every token but the place's is a chat word, qualifier or greeting."""
    return all(i in covered or t in ESSENTIAL_WORDS or _typo_of(t, ESSENTIAL_WORD_LIST)
               for i, t in enumerate(tokens))


def _counts(span: Span, tokens: List[str], sure: List[Span], index: PlaceIndex,
            expecting_place: bool) -> bool:
    """Whether a name that is also a word of the language counts as a place in this message."""
    if span.fuzzy or span.key not in index.common or span.key in index.major:
        return True
    if expecting_place or span.kind or _office_position(tokens, span.start):
        return True
    if any(_related(p, q) for p in span.places for other in sure for q in other.places):
        return True
    if span.end - span.start == 1 and (
            span.partial or min(KIND_RANK[p.kind] for p in span.places) == KIND_RANK[VILLAGE]):
        return False  # a village named like a word: "semangat terus", "kerja di ladang", "dusun"
    # a district, or a name of several words ("sungai jawi", "padang tikar"): after a locative
    # word, or when the message is essentially that place
    return ((span.start > 0 and tokens[span.start - 1] in LOCATIVE_WORDS)
            or _essential(tokens, set(range(span.start, span.end))))


def resolve(text: str, index: Optional[PlaceIndex] = None, *,
            expecting_place: bool = False) -> Resolution:
    """The place a message names, if any.

    expecting_place: the message answers the bot's question where the user is, or is an office
    request, so a village named like a common word ("bangun") counts. Without it a word of the
    language counts as a place only where the message is about one (see the module docstring).
    """
    index = index or place_index()
    stripped = text.strip()
    if GAZETTEER_CODE.match(stripped):
        place = index.by_code(stripped)
        if place:
            return Resolution("found", [place], matched=place.name, essential=True)

    tokens = normalise(text)
    postal = POSTAL_CODE.search(text)
    if postal:
        villages = index.by_postal_code.get(postal.group(1), [])
        districts = {v.district_code: index.gazetteer.districts[v.district_code] for v in villages}
        if districts:
            status = "found" if len(districts) == 1 else "ambiguous"
            covered = {i for i, t in enumerate(tokens) if t == postal.group(1)}
            return Resolution(status, list(districts.values()), matched=postal.group(1),
                              postal_code=postal.group(1), essential=_essential(tokens, covered))

    spans = [s for s in _spans(tokens, index) if not _in_business_name(tokens, s.start)]
    sure = [s for s in spans if not s.outside and (s.key not in index.common or s.key in index.major)]
    kalbar_spans = [s for s in spans
                    if not s.outside and _counts(s, tokens, sure, index, expecting_place)]
    fuzzy = False
    typo = [s for s in _fuzzy_spans(tokens, index, expecting_place)
            if not _in_business_name(tokens, s.start)]
    # "kapuas huluu": a typo in a longer name beats the exact shorter name inside it
    longer = [s for s in kalbar_spans
              if typo and typo[0].start <= s.start and s.end <= typo[0].end
              and s.end - s.start < typo[0].end - typo[0].start]
    if longer:
        kalbar_spans = [s for s in kalbar_spans if s not in longer] + typo
        fuzzy = True
    if not kalbar_spans:
        outside = [s for s in spans if s.outside]
        if outside:
            covered = set(range(outside[0].start, outside[0].end))
            return Resolution("outside", outside=index.outside[outside[0].key], matched=outside[0].key,
                              essential=_essential(tokens, covered))
        kalbar_spans, fuzzy = typo, True
        if not kalbar_spans:
            return Resolution("none")

    levels = [_candidates(s.places, s.kind) for s in kalbar_spans]
    # the most specific name is the target; the others (e.g. its regency) narrow it down
    target = max(range(len(levels)), key=lambda k: max(KIND_RANK[p.kind] for p in levels[k]))
    candidates = levels[target]
    for k, qualifier in enumerate(levels):
        if k != target:
            narrowed = [p for p in candidates if any(_related(p, q) for q in qualifier)]
            candidates = narrowed or candidates
    span = kalbar_spans[target]
    matched = " ".join(tokens[span.start:span.end])
    status = "found" if len({_district_or_regency(p) for p in candidates}) == 1 else "ambiguous"
    if status == "found":
        candidates = candidates[:1]
    covered = {i for s in kalbar_spans for i in range(s.start, s.end)}
    return Resolution(status, candidates, matched=matched, fuzzy=fuzzy,
                      essential=_essential(tokens, covered))


def _in_business_name(tokens: List[str], start: int) -> bool:
    """Whether the token at `start` is within BUSINESS_NAME_WORDS tokens after one of
    BUSINESS_WORDS, with no locative word between ("pt sinar kapuas": yes; "pt di kapuas": no)."""
    for token in reversed(tokens[max(0, start - BUSINESS_NAME_WORDS):start]):
        if token in LOCATIVE_WORDS:
            return False
        if token in BUSINESS_WORDS:
            return True
    return False


def _district_or_regency(place: Place) -> str:
    return place.district_code or place.regency_code


def narrow(candidates: Sequence[Place], text: str, index: Optional[PlaceIndex] = None) -> List[Place]:
    """The candidates of an open question that the user's answer points to ("kubu raya")."""
    index = index or place_index()
    answer = resolve(text, index, expecting_place=True)
    if answer.status not in ("found", "ambiguous"):
        return []
    return [c for c in candidates if any(_related(c, p) for p in answer.places)]

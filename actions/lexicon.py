"""Tells a word of the language from something else (a place name, a typo of one): the place finder
(actions/places.py) never typo-matches a word, and matches a place named like a common word only
where the message is about a place.

Three word lists, all shipped inside pinned packages (nothing is downloaded at run time):

- Indonesian root words and the stemmer of PySastrawi (its dictionary `kata-dasar.txt`, about
  30,000 roots): "bulanan", "berubah", "pelayanannya" are words because they stem to a root;
- colloquial Indonesian: indoNLP's copy of the Kamus Alay lexicon (Salsabila et al., 2018; about
  4,300 informal spellings such as "sy", "bgt", "dateng", with their standard forms), and the
  chat and local Malay spellings of actions/knowledge.py's LOCAL_FORMS ("kamek", "sape");
- English: the word frequencies of pyspellchecker, only the words it counted in running text (it
  gives the floor count to words that are only in its dictionary, among them many proper names).

On top of those, a few written forms of chat are undone before a token is looked up: letters
held down ("pagiii"), a "2" for reduplication ("kata2"), the Jakarta colloquial affixes
("jelasin", "ngecek", "nyari", "nanggung") and the "-e" endings of the local Malay ("kerje",
"maksudnye"); laughter ("wkwk", "hahaha") is a word too.

`listed(token)`: the token itself is in one of the lists. `is_word(token)`: it is, or one of its
forms is, or it stems to a root.
"""

import re
from functools import lru_cache
from typing import FrozenSet, Iterable, Set

# pyspellchecker gives this count to words found only in its dictionary, not in running text.
ENGLISH_DICTIONARY_ONLY_COUNT = 50
HELD_DOWN = re.compile(r"(.)\1{2,}")
COLLOQUIAL_SUFFIXES = ("nye", "nya", "in", "kan", "an")
# The nasal prefix of colloquial verbs: ngecek -> cek, ngantri -> antri, ngantuk -> kantuk,
# nyari -> cari, nyampe -> sampe, nanggung -> tanggung, numpuk -> tumpuk, mantau -> pantau
NASAL_PREFIXES = {"nge": ("",), "ng": ("", "k"), "ny": ("s", "c"), "n": ("t",), "m": ("p",)}
LAUGHTER = re.compile(r"^(?:ha|he|hi|hu|wk|xi){2,}h*$")


class Lexicon:
    """The words of Indonesian (root words, their derived forms, colloquial spellings) and
    English."""

    def __init__(self, roots: Iterable[str], colloquial: Iterable[str], english: Iterable[str],
                 stemmer) -> None:
        self.roots: FrozenSet[str] = frozenset(roots)
        self.colloquial: FrozenSet[str] = frozenset(colloquial)
        self.english: FrozenSet[str] = frozenset(english)
        self._stemmer = stemmer
        self.is_word = lru_cache(maxsize=50_000)(self._is_word)

    def stem(self, token: str) -> str:
        """Sastrawi's stem of an Indonesian word ("pencairan" -> "cair"), else the token itself."""
        return self._stemmer.stem_word(token)

    def listed(self, token: str) -> bool:
        """The token itself is a root word, a colloquial spelling or an English word."""
        return token in self.roots or token in self.colloquial or token in self.english

    def _stems_to_root(self, form: str) -> bool:
        stem = self._stemmer.stem_word(form)
        return stem != form and stem in self.roots

    def _is_word(self, token: str) -> bool:
        if not token.isalpha():
            return token.rstrip("0123456789").isalpha() and self.is_word(token.rstrip("0123456789"))
        if self.listed(token) or LAUGHTER.match(token):
            return True
        if HELD_DOWN.search(token) and any(  # "pagiii", "bangeeet" (a typo may triple a letter)
                self.listed(HELD_DOWN.sub(r, token)) for r in (r"\1", r"\1\1")):
            return True
        forms = _written_forms(token)
        return any(self.listed(form) for form in forms) or any(
            self._stems_to_root(form) for form in forms if len(form) > 3)


def _written_forms(token: str) -> Set[str]:
    """The token and what it may stand for, with chat's written forms undone."""
    forms = {token}
    for form in list(forms):
        if form.endswith("e") and len(form) > 3:  # Pontianak Malay: kerje, ape, maksudnye
            forms.add(form[:-1] + "a")
    for form in list(forms):
        for suffix in COLLOQUIAL_SUFFIXES:
            if form.endswith(suffix) and len(form) - len(suffix) >= 3:
                forms.add(form[: -len(suffix)])
    for form in list(forms):
        for prefix, replacements in NASAL_PREFIXES.items():
            rest = form[len(prefix):]
            if form.startswith(prefix) and len(rest) >= 3 and (prefix == "nge" or rest[0] in "aeiou"):
                forms.update(r + rest for r in replacements)
    return forms


def _english_words() -> Set[str]:
    from spellchecker import SpellChecker

    counts = SpellChecker(language="en", distance=1).word_frequency.dictionary
    return {w for w, n in counts.items() if n > ENGLISH_DICTIONARY_ONLY_COUNT and w.isalpha()}


def _colloquial_words() -> Set[str]:
    from indoNLP.preprocessing import SLANG_DATA

    from actions.knowledge import LOCAL_FORMS

    # Kamus Alay, and the chat and Pontianak Malay spellings the knowledge base reads ("sape" is
    # "siapa": the village Sape only where the message says it is a place)
    words = set(SLANG_DATA) | set(LOCAL_FORMS)
    for standard in SLANG_DATA.values():
        words.update(re.findall(r"[a-z]+", standard.lower()))
    return words


@lru_cache(maxsize=None)
def lexicon() -> Lexicon:
    """The lexicon, built once per process (about half a second)."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    stemmer = StemmerFactory().create_stemmer().delegatedStemmer
    roots = stemmer.get_dictionary().words.keys()
    return Lexicon(roots, _colloquial_words(), _english_words(), stemmer)

"""The knowledge base: what the official FAQ of BPJS Ketenagakerjaan answers, in our own words
(data/knowledge/*.yml, or the folder in KNOWLEDGE_DIR), and the retrieval that picks the entry
that answers a message — or none.

An entry is one question a worker asks, answered in Indonesian and English from the facts:

    - id: jkk_contribution_rate          # unique over all files
      topic: jkk                         # a key of data/knowledge/topics.yml
      kind: refer                        # optional: an honest "ask the call centre" answer (MLT...)
      faq_rows: [4, 280]                 # the rows of the official FAQ it answers (1-based data rows)
      source: official_faq_2025          # an id of `sources` in the facts file
      as_of: "2025-07"
      title: {id: "...", en: "..."}      # the question it answers, short ("did you mean ...?")
      answer: {id: "...", en: "..."}     # str.format with dotted fact paths: {faq.jkp_max_months}
      examples: ["brp iuran jkk", ...]   # at least MIN_EXAMPLES, the way workers type
      requirements: jkk_claim_documents  # optional: the entry that answers "syaratnya apa?" after it

`load_knowledge` validates every file and raises `KnowledgeError` naming the file, the entry and
the problem (missing source, one language only, too few examples, a placeholder the facts file
does not have). `get_knowledge` re-reads the folder within a second or two of a change, like the
facts file, and keeps the last valid knowledge when a change is broken: an operator adds an entry
without retraining. Beside the entries: topics.yml (the topics), glossary.yml (English terms with
their Indonesian words, `Glossary`) and no_answer.yml (questions on a topic that no entry answers,
`load_no_answer`: indexed with the entries, a message closest to one is declined).

Retrieval (`Knowledge.match`): the message and every example are normalised (lower case, chat
spellings and the local Malay of Kalbar to standard words: indoNLP's Kamus Alay, LOCAL_FORMS and
the Malay "-e" read as "-a" where that makes a word; an English text followed by the Indonesian
words of its terms in glossary.yml, `Glossary`). An entry's score (0..1) weighs three
measures:

- similarity (SIMILARITY_WEIGHT): TF-IDF vectors of word 1-2-grams and character 2-5-grams
  (scikit-learn); the mean of the cosine of the entry's closest example and of its closer
  centroid (its examples and answer in Indonesian, or in English);
- coverage (COVERAGE_WEIGHT): the share of the message's words that the entry's examples, title
  and answers use, compared by word key (the Sastrawi root of an Indonesian word, an English word
  without its plural or past ending) and weighted by how few entries use the word; a word no
  entry uses weighs most;
- classifier (CLASSIFIER_WEIGHT): a linear SVM (LinearSVC, one-vs-rest, fixed seed) trained on
  the examples and titles, over TF-IDF word 1-2-grams of their word keys; its decision value
  mapped from -1..1 to 0..1;

plus TOPIC_BONUS for the entries of a programme the message names by keyword (taken from the
other programmes'). The best entry is the answer only when the probability that it answers the
message (`answer_confidence_of`, a logistic model of its score, coverage, classifier value, lead
over the next entry, the closest no-answer question's score and the message's length, fitted on
the development held-out sets) reaches ANSWER_CONFIDENCE: a question that asks for more than an
entry says ("imbal hasil JHT tahun 2024 persisnya?") gets no answer; nor does one about a year
after the entry's facts that the entry does not name ("bsu 2026?", `future_years`), nor one
closest to a question no entry answers. The weights are measured on held-out messages
(tests/knowledge_holdout*.yml, scripts/evaluate_knowledge.py --fit-gate and --sweep) and by
cross-validation. Below the gate, a topic named by a topic keyword, or that the three closest
entries share with a score of at least TOPIC_SCORE, gets the
honest "no answer to that exact question" reply.
"""

import logging
import math
import os
import re
import string
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from actions.facts import PROJECT_ROOT
from actions.language import ENGLISH, detect_language

logger = logging.getLogger(__name__)

DEFAULT_KNOWLEDGE_DIR = PROJECT_ROOT / "data" / "knowledge"
# The model's training examples (Rasa NLU YAML): an intent's own examples, against which an entry
# is weighed before it replaces that intent's answer (Knowledge.nearer_to_intent)
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
# How much nearer (cosine) a message must be to an intent's example than to the entry's: the
# intents' training data also holds questions that only an entry answers ("transport lewat sungai
# pake speedboat diganti jkk gak" is an example of the JKK benefits), so a message merely as near
# to both is the entry's. Read off end-to-end runs of three held-out sets of the knowledge base
# (fresh8-10) and nine messages whose intent answer an entry had wrongly replaced: at 0.10 five of
# the nine keep the intent's answer, and 9 of about 40 right entries are lost (docs/knowledge.md).
NEARER_TO_INTENT_MARGIN = 0.10
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
TOPICS_FILE_NAME = "topics.yml"
# English words and phrases with the Indonesian words the examples use ("contribution": "iuran"):
# an English message is matched with its Indonesian words too
GLOSSARY_FILE_NAME = "glossary.yml"
# questions on a known topic that no entry answers, by topic: learnt as "no answer here"
NO_ANSWER_FILE_NAME = "no_answer.yml"
NO_ANSWER_KIND = "none"
MIN_EXAMPLES = 6
KINDS = ("answer", "refer")
LANGUAGES = ("id", "en")  # the order of the centroids too

# An entry's score for a message (0..1; see the module docstring) is the weighted sum of three
# measures, each 0..1: the TF-IDF similarity, the coverage of the message's words by the entry's
# texts and the classifier's confidence. Weights and gate measured on the held-out messages of
# tests/knowledge_holdout.yml and by cross-validation (scripts/evaluate_knowledge.py --sweep).
SIMILARITY_WEIGHT = 0.50
COVERAGE_WEIGHT = 0.25
CLASSIFIER_WEIGHT = 0.25
# the gate: the best entry is the answer when the probability that it answers the message reaches
# ANSWER_CONFIDENCE. That probability (`answer_confidence_of`) is a logistic model of six measures
# of the match (GATE_MEASURES): the score times the coverage, the score, the classifier's value of
# the entry, the lead over the next entry or no-answer question (capped at MARGIN_CAP), the score
# of the closest no-answer question and the number of words (a long message that tells its
# situation first needs less coverage). Its weights (GATE_WEIGHTS) are fitted on the development
# held-out sets by `scripts/evaluate_knowledge.py --fit-gate`, which prints them; fit them again
# after a large change of the entries. ANSWER_CONFIDENCE is the lowest threshold at which the
# wrong answers are no more frequent than with the former thresholds on score, margin and
# coverage, on the development sets (each left out in turn) and on three sets nobody read
# (fresh8-10) alike (wrong answers come first). 2026-12-07: right entry on 0.838 / 0.778 of the
# answerable, a wrong one on 1.2 % / 2.7 % of all messages, no answer on 0.977 / 0.929 of the
# unanswerable, where the thresholds gave 0.830 / 0.748, 1.7 % / 3.0 % and 0.943 / 0.898; at
# 0.82, 0.873 / 0.815 right but 1.7 % / 3.8 % wrong (docs/knowledge.md).
GATE_MEASURES = ("score_coverage", "score", "classifier", "margin", "no_answer", "log_words")
GATE_WEIGHTS = {"intercept": -11.2507, "score_coverage": 11.1924, "score": 4.1203,
                "classifier": -1.3945, "margin": 14.1756, "no_answer": -6.6118, "log_words": 2.846}
ANSWER_CONFIDENCE = 0.88
MARGIN_CAP = 0.10
# A follow-up read with its topic's keyword ("syaratnya apa? jkp", faq.match_follow_up) or the
# question before asked again of another programme is not a message the gate was fitted on: its
# entry is the answer when its score reaches FOLLOW_UP_SCORE, leads the next by FOLLOW_UP_MARGIN
# and covers FOLLOW_UP_COVERAGE of its words (the thresholds measured on the follow-ups of
# tests/data/knowledge_follow_ups.yml, docs/knowledge.md)
FOLLOW_UP_SCORE = 0.475
FOLLOW_UP_MARGIN = 0.06
FOLLOW_UP_COVERAGE = 0.775
# a message counts as at least this many words in the gate: a short question ("iuran pmi brp?") is
# as sure as a five-word one (counted as it is, the right answers of messages of up to four words
# fell from 0.87 to 0.83; floored, 0.86)
GATE_MIN_WORDS = 5
# a message of at most VAGUE_MAX_WORDS words that names no topic is answered only when one of its
# words weighs SPECIFIC_WEIGHT or more in the coverage (used by about one entry in 20 or fewer;
# Knowledge.vague): "kapan bisa cair" is not, "bp2mi tu apa" is
VAGUE_MAX_WORDS = 4
SPECIFIC_WEIGHT = 4.0
# a topic by score (not named by a keyword) needs this score of the three closest entries
TOPIC_SCORE = 0.30
# the closest entries a match keeps (Match.ranked: "did you mean ...?", follow-ups)
RANKED = 5
SCORE_MEMO = 8  # texts whose scores a Knowledge keeps (a turn matches a text up to about three times)
# the linear SVM (scikit-learn's LinearSVC, one-vs-rest): regularisation, stopping tolerance and
# the seed of its coordinate descent (results are the same on every build)
CLASSIFIER_C = 1.0
CLASSIFIER_TOLERANCE = 0.1
CLASSIFIER_SEED = 0

RELOAD_INTERVAL_SECONDS = 1.0
# weight of the closest example in the similarity (the rest: the entry's centroid)
NEAREST_WEIGHT = 0.5
# added to the score of the entries of a programme the message names by keyword, taken from the
# entries of the other programmes
TOPIC_BONUS = 0.08
PROGRAMME_TOPICS = ["jht", "jkk", "jkm", "jp", "jkp", "bpu", "bsu", "pmi"]

# Chat and Pontianak Malay spellings that indoNLP's Kamus Alay lacks or maps elsewhere.
LOCAL_FORMS = {
    "kamek": "saya", "kitak": "kamu", "ape": "apa", "dimane": "dimana", "berape": "berapa",
    "mane": "mana", "ngape": "kenapa", "ndak": "tidak", "dah": "sudah", "udah": "sudah",
    "klo": "kalau", "kalo": "kalau", "gimane": "bagaimana", "camne": "bagaimana", "tu": "itu",
    "gk": "tidak", "ga": "tidak", "gak": "tidak", "enggak": "tidak", "nggak": "tidak",
    "bpjstk": "bpjs ketenagakerjaan", "bpjamsostek": "bpjs ketenagakerjaan",
    "jamsostek": "bpjs ketenagakerjaan", "hp": "hp", "no": "nomor", "nmr": "nomor",
    "keje": "kerja", "kerje": "kerja", "masok": "masuk", "gik": "lagi", "bile": "kapan",
    "sikit": "sedikit", "bini": "istri", "nak": "mau", "jak": "saja", "sape": "siapa",
    "gare": "gara", "ade": "ada", "same": "sama", "bedenye": "bedanya",
    "brgkt": "berangkat", "brangkat": "berangkat", "krj": "kerja", "plg": "pulang",
}
WORD = re.compile(r"[a-z0-9]+")
# "bukan karena kecelakaan kerja" / "not from a work accident" is one token: without it the words
# "kecelakaan kerja" pull a death that was not a work accident to the JKK entries.
NOT_WORK_ACCIDENT = re.compile(
    r"\b(?:bukan|bkn|tidak|tdk|non)\s+(?:(?:karena|krn|karna|akibat|dari|dr)\s+)?kecelaka?an\s+kerja"
    r"|\bnot\s+(?:(?:from|due\s+to|because\s+of|caused\s+by|by|in)\s+)?(?:an?\s+)?work(?:place)?\s+accident")
NOT_WORK_ACCIDENT_TOKEN = "bukankecelakaankerja"
# a year a message names ("bsu 2026", "tahun 2025")
YEAR = re.compile(r"\b20\d\d\b")


class KnowledgeError(ValueError):
    """A knowledge file is missing, unreadable or an entry breaks the schema."""

    def __init__(self, path: Path, entry: str, problem: str) -> None:
        self.path, self.entry, self.problem = str(path), entry, problem
        super().__init__(f"{path}: entry '{entry}': {problem}")


@dataclass(frozen=True)
class Topic:
    """A programme or subject the bot recognises: its name, what it knows in short, keywords, and
    `names`: the keywords that are the programme's own name ("bpu", "pekerja informal"), not a
    word it shares with other questions ("meninggal"); the first keyword when topics.yml gives
    none."""

    key: str
    name: Dict[str, str]
    summary: Dict[str, str]
    keywords: Tuple[str, ...]
    names: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One knowledge entry (see the module docstring)."""

    id: str
    topic: str
    kind: str
    faq_rows: Tuple[int, ...]
    source: str
    as_of: str
    answer: Dict[str, str]
    examples: Tuple[str, ...]
    path: str = ""
    # a short question in standard language that the entry answers ("did you mean ...?")
    title: Optional[Dict[str, str]] = None
    # the id of the entry that answers "syaratnya apa?" / "what are the requirements?" asked
    # right after this one (the partial JHT withdrawal -> the documents of a partial claim)
    requirements: Optional[str] = None

    @property
    def questions(self) -> Tuple[str, ...]:
        """What the retrieval matches a message with: the examples and the title."""
        return self.examples + tuple(self.title.values() if self.title else ())


@dataclass
class Match:
    """What the retrieval found for a message: the best entry and its score, the next entry's
    score, and `answered` when the gate lets the entry stand as the answer."""

    entry: Optional[Entry]
    score: float
    runner_up: float
    topic: Optional[str]
    answered: bool
    ranked: List[Tuple[Entry, float]] = field(default_factory=list)
    # the share of the message's words the best entry's texts use (see Knowledge.coverage)
    coverage: float = 0.0
    # closest to a question no entry answers (no_answer.yml): not answered, whatever the score
    declined: bool = False
    # the message's own words, filler words left out (`message_words`)
    words: int = 0
    # the gate's measures of the best entry (GATE_MEASURES) and the probability that it answers
    # the message (`answer_confidence_of`, 0..1)
    measures: Dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0


# --- normalising text ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _spellings() -> Dict[str, str]:
    from indoNLP.preprocessing import SLANG_DATA

    forms = {slang: standard.lower() for slang, standard in SLANG_DATA.items()}
    forms.update(LOCAL_FORMS)
    return forms


def title_key(text: str) -> str:
    """A title as compared with a message: lower case, words only ('Kapan JP dibayar?' ->
    'kapan jp dibayar')."""
    return " ".join(WORD.findall(text.lower()))


def normalise(text: str, glossary: Optional["Glossary"] = None) -> str:
    """Lower-case words with chat spellings replaced by standard ones: 'sy mau klaim jht gmn' ->
    'saya mau klaim jht bagaimana', 'bise ndak' -> 'bisa tidak'. An English message keeps its
    words (the chat spellings would turn 'to' into 'tapi' and 'it' into 'itu'), followed by the
    Indonesian words of `glossary` for its English words: 'how much is the fee' -> 'how much is
    the fee berapa iuran'."""
    words = WORD.findall(NOT_WORK_ACCIDENT.sub(f" {NOT_WORK_ACCIDENT_TOKEN} ", text.lower()))
    if detect_language(text) == ENGLISH:
        english = " ".join(words)
        return glossary.add_indonesian(english) if glossary else english
    spellings = _spellings()
    return " ".join(_malay(spellings.get(word, word)) for word in words)


@lru_cache(maxsize=100_000)
def _malay(word: str) -> str:
    """The "-e" of the local Malay read as "-a" where that makes a word: 'bise' -> 'bisa',
    'caranye' -> 'caranya' (a word that is a word as written stays)."""
    from actions.lexicon import lexicon

    if len(word) <= 3 or not word.endswith("e") or not word.isalpha():
        return word
    words = lexicon()
    if word in words.roots or word in words.colloquial:
        return word
    standard = word[:-1] + "a"
    if standard in words.roots or (word.endswith("nye") and len(word) > 5):
        return standard
    return word


class Glossary:
    """English words and phrases with their Indonesian words ({"how much": "berapa"}), matched
    whole-word in a normalised English text, the longest phrase first; and the filler words that
    coverage leaves out ("sih", "bah", "the")."""

    def __init__(self, terms: Dict[str, str], fillers: Sequence[str] = ()) -> None:
        self.fillers = frozenset(w.lower() for w in fillers)
        self.terms = {" ".join(WORD.findall(k.lower())): " ".join(WORD.findall(v.lower()))
                      for k, v in terms.items()}
        phrases = sorted((k for k in self.terms if k), key=lambda k: (-len(k.split()), k))
        self._pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b") \
            if phrases else None

    def add_indonesian(self, english: str) -> str:
        """`english` (normalised words) followed by the Indonesian words of its terms."""
        if self._pattern is None:
            return english
        found = [self.terms[m.group(0)] for m in self._pattern.finditer(english)]
        return " ".join([english, *found]) if found else english


# --- loading and validating ---------------------------------------------------------------------

def knowledge_dir() -> Path:
    """The knowledge folder: KNOWLEDGE_DIR, else data/knowledge."""
    return Path(os.environ.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


def _bilingual(value: Any, path: Path, entry: str, what: str) -> Dict[str, str]:
    if not isinstance(value, dict):
        raise KnowledgeError(path, entry, f"{what} must have 'id' and 'en' texts")
    for lang in LANGUAGES:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise KnowledgeError(path, entry, f"{what} has no '{lang}' text")
    others = sorted(str(key) for key in value if key not in LANGUAGES)
    if others:  # {id: a (b, c), en: ...} unquoted: YAML reads " c)" as a key of its own
        raise KnowledgeError(path, entry, f"{what} has keys other than 'id' and 'en': {others} "
                                          "(quote a text that has a comma)")
    # spaces folded within a line; line breaks (a "- " list) kept
    return {lang: "\n".join(" ".join(line.split()) for line in value[lang].strip().splitlines()
                            if line.strip()) for lang in LANGUAGES}


def _read_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeError(path, "-", f"cannot be read: {error}") from error


def load_topics(directory: Path) -> Dict[str, Topic]:
    """The topics of topics.yml: {key: Topic}."""
    path = directory / TOPICS_FILE_NAME
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        raise KnowledgeError(path, "-", "must have a mapping 'topics'")
    topics = {}
    for key, item in data["topics"].items():
        if not isinstance(item, dict):
            raise KnowledgeError(path, key, "must be a mapping")
        keywords = item.get("keywords") or []
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise KnowledgeError(path, key, "keywords must be a list of texts")
        keywords = [k.lower() for k in keywords]
        names = item.get("names") or keywords[:1]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise KnowledgeError(path, key, "names must be a list of texts")
        unknown = [n for n in names if n.lower() not in keywords]
        if unknown:
            raise KnowledgeError(path, key, f"names must be keywords of the topic: {unknown}")
        topics[key] = Topic(key, _bilingual(item.get("name"), path, key, "name"),
                            _bilingual(item.get("summary"), path, key, "summary"),
                            tuple(keywords), tuple(n.lower() for n in names))
    return topics


def load_glossary(directory: Path) -> Glossary:
    """The glossary of glossary.yml ({"terms": {english: indonesian}, "fillers": [word, ...]});
    empty without the file; KnowledgeError naming the file when a part has the wrong shape."""
    path = directory / GLOSSARY_FILE_NAME
    if not path.exists():
        return Glossary({})
    data = _read_yaml(path)
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                              for k, v in terms.items()):
        raise KnowledgeError(path, "-", "must have a mapping 'terms' of English to Indonesian texts")
    fillers = data.get("fillers") or []
    if not isinstance(fillers, list) or not all(isinstance(w, str) and WORD.fullmatch(w.lower())
                                                for w in fillers):
        raise KnowledgeError(path, "-", "'fillers' must be a list of single words")
    return Glossary(terms, fillers)


def load_no_answer(directory: Path, topics: Dict[str, Topic]) -> List[Entry]:
    """The questions of no_answer.yml ({"no_answer": {topic: [question, ...]}}) as one entry of
    kind NO_ANSWER_KIND per topic (id "no_answer_<topic>", no answer): indexed with the entries,
    never given as an answer. None without the file; KnowledgeError naming the file and topic."""
    path = directory / NO_ANSWER_FILE_NAME
    if not path.exists():
        return []
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("no_answer"), dict):
        raise KnowledgeError(path, "-", "must have a mapping 'no_answer' of topics to questions")
    entries = []
    for topic, questions in data["no_answer"].items():
        if topic not in topics:
            raise KnowledgeError(path, str(topic), f"topic {topic!r} is not in {TOPICS_FILE_NAME}")
        if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
            raise KnowledgeError(path, topic, "must be a list of questions")
        entries.append(Entry(f"no_answer_{topic}", topic, NO_ANSWER_KIND, (), "", "",
                             {lang: "" for lang in LANGUAGES}, tuple(q.strip() for q in questions),
                             str(path)))
    return entries


def _check_placeholders(text: str, facts: Dict[str, Any], path: Path, entry: str, lang: str) -> None:
    from actions.replies import FactsFormatter

    try:
        FactsFormatter(facts, lang).format(text)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, StopIteration) as error:
        raise KnowledgeError(path, entry, f"answer '{lang}' cannot be filled from the facts "
                                          f"file: {error!r}") from error


def _entry(item: Any, path: Path, topics: Dict[str, Topic], sources: Sequence[str],
           facts: Dict[str, Any]) -> Entry:
    if not isinstance(item, dict):
        raise KnowledgeError(path, "-", "an entry must be a mapping")
    entry_id = item.get("id")
    if not isinstance(entry_id, str) or not re.fullmatch(r"[a-z0-9_]+", entry_id):
        raise KnowledgeError(path, str(entry_id), "id must be snake_case text")
    topic = item.get("topic")
    if topic not in topics:
        raise KnowledgeError(path, entry_id, f"topic {topic!r} is not in {TOPICS_FILE_NAME}")
    kind = item.get("kind", "answer")
    if kind not in KINDS:
        raise KnowledgeError(path, entry_id, f"kind must be one of {', '.join(KINDS)}")
    rows = item.get("faq_rows")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, int) and r > 0 for r in rows):
        raise KnowledgeError(path, entry_id, "faq_rows must be a non-empty list of row numbers")
    source = item.get("source")
    if not source:
        raise KnowledgeError(path, entry_id, "source is missing")
    if source not in sources:
        raise KnowledgeError(path, entry_id, f"source {source!r} is not a source of the facts file")
    as_of = item.get("as_of")
    if not isinstance(as_of, str) or not re.fullmatch(r"\d{4}(-\d{2}){0,2}", as_of):
        raise KnowledgeError(path, entry_id, "as_of must be a date such as \"2025-07\"")
    answer = _bilingual(item.get("answer"), path, entry_id, "answer")
    for lang in LANGUAGES:
        _check_placeholders(answer[lang], facts, path, entry_id, lang)
    examples = item.get("examples")
    if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
        raise KnowledgeError(path, entry_id, "examples must be a list of texts")
    if len(examples) < MIN_EXAMPLES:
        raise KnowledgeError(path, entry_id, f"has {len(examples)} example questions, needs at "
                                             f"least {MIN_EXAMPLES}")
    title = _bilingual(item["title"], path, entry_id, "title") if "title" in item else None
    requirements = item.get("requirements")
    if requirements is not None and (not isinstance(requirements, str) or requirements == entry_id):
        raise KnowledgeError(path, entry_id, "requirements must be the id of another entry")
    return Entry(entry_id, topic, kind, tuple(rows), source, as_of, answer,
                 tuple(e.strip() for e in examples), str(path), title, requirements)


def entry_files(directory: Path) -> List[Path]:
    """The knowledge files of a folder (every .yml but the topics and the glossary), in name
    order."""
    return sorted(p for p in directory.glob("*.yml")
                  if p.name not in (TOPICS_FILE_NAME, GLOSSARY_FILE_NAME, NO_ANSWER_FILE_NAME))


def check_against_facts(entries: Sequence[Entry], facts: Dict[str, Any]) -> None:
    """Raises KnowledgeError for the first entry whose source is not a source of `facts` or whose
    answer `facts` cannot fill."""
    sources = {s["id"] for s in facts.get("sources") or []}
    for entry in entries:
        path = Path(entry.path)
        if entry.source not in sources:
            raise KnowledgeError(path, entry.id, f"source {entry.source!r} is not a source of the facts file")
        for lang in LANGUAGES:
            _check_placeholders(entry.answer[lang], facts, path, entry.id, lang)


def load_entries(directory: Path, facts: Dict[str, Any],
                 topics: Optional[Dict[str, Topic]] = None) -> List[Entry]:
    """Every entry of the folder, validated (KnowledgeError on the first problem)."""
    topics = topics if topics is not None else load_topics(directory)
    sources = [s["id"] for s in facts.get("sources") or []]
    entries: List[Entry] = []
    seen: Dict[str, str] = {}
    for path in entry_files(directory):
        data = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise KnowledgeError(path, "-", "must have a list 'entries'")
        for item in data["entries"]:
            entry = _entry(item, path, topics, sources, facts)
            if entry.id in seen:
                raise KnowledgeError(path, entry.id, f"id is used twice (also in {seen[entry.id]})")
            seen[entry.id] = str(path)
            entries.append(entry)
    if not entries:
        raise KnowledgeError(directory, "-", "no knowledge entries found")
    for entry in entries:
        if entry.requirements is not None and entry.requirements not in seen:
            raise KnowledgeError(Path(entry.path), entry.id,
                                 f"requirements names no entry: {entry.requirements!r}")
    return entries


# --- retrieval ----------------------------------------------------------------------------------

@lru_cache(maxsize=100_000)
def word_key(word: str) -> str:
    """The form under which a word is compared for coverage: the root of an Indonesian word
    (Sastrawi; "pencairan", "dicairin", "cairnye" -> "cair"; the "-e" of the local Malay read as
    "-a"), an English word without its plural or past ending ("returns" -> "return"), else the
    word itself."""
    from actions.lexicon import lexicon

    if not word.isalpha():
        return word
    words = lexicon()
    forms = [word]
    if word.endswith("e") and len(word) > 3:  # bise, caranye, selame
        forms.append(word[:-1] + "a")
    if word.endswith("in") and len(word) > 5:  # dicairin, diaktifin (colloquial -kan)
        forms += [word[:-2], word[:-2] + "kan"]
    for form in forms:
        root = words.stem(form)
        if root in words.roots:
            return root
    for form in forms[1:]:
        if form in words.roots:
            return form
    if word in words.english:
        for ending, replacement in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ing", "")):
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[: -len(ending)] + replacement
    return word


class OneText:
    """A fitted TfidfVectorizer (sublinear tf, l2 norm) applied to one text: the (columns,
    values) of `vectorizer.transform([text])`, computed without scikit-learn's per-call checks
    and sparse-matrix building (a tenth of the time: a message is matched in about half the time;
    issue 20). tests/test_knowledge.py checks it against scikit-learn's own transform."""

    def __init__(self, vectorizer: Any, offset: int = 0) -> None:
        import numpy

        self._numpy = numpy
        self.vectorizer = vectorizer
        self.analyse = vectorizer.build_analyzer()
        self.vocabulary: Dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_
        self.sublinear = vectorizer.sublinear_tf
        self.offset = offset  # added to the columns (vectorizers side by side in one matrix)

    def vector(self, text: str) -> Tuple[Any, Any]:
        """(columns, values): the text's TF-IDF vector, l2-normalised; empty arrays when the
        text has no known n-gram."""
        numpy = self._numpy
        counts: Dict[int, int] = {}
        for gram in self.analyse(text):
            column = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = numpy.fromiter(counts, dtype=numpy.int64, count=len(counts))
        values = numpy.fromiter(counts.values(), dtype=numpy.float64, count=len(counts))
        if self.sublinear:
            values = numpy.log(values) + 1
        values = values * self.idf[columns]
        norm = numpy.sqrt(values @ values)
        return columns + self.offset, (values / norm if norm else values)


class Knowledge:
    """The validated entries and topics of a folder, with the retrieval index (see the module
    docstring): TF-IDF vectors of every example (word 1-2-grams and character 2-5-grams of the
    normalised text) and each entry's centroids; each entry's vocabulary of word keys; the linear
    SVM over the word keys of the examples."""

    def __init__(self, entries: List[Entry], topics: Dict[str, Topic],
                 glossary: Optional[Glossary] = None, no_answer: Sequence[Entry] = (),
                 intent_examples: Optional[Dict[str, Sequence[str]]] = None) -> None:
        import numpy
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        self._numpy = numpy
        self._recent_scores: Dict[str, Tuple[Any, Any, Any]] = {}
        self.entries, self.topics = entries, topics
        self.glossary = glossary or Glossary({})
        # the entries and the no-answer questions (load_no_answer), in index order
        self.no_answer = list(no_answer)
        self._indexed = indexed = entries + self.no_answer
        self.by_id = {e.id: e for e in entries}
        # a "did you mean ...?" button sends an entry's title back as the user's message
        self.by_title = {title_key(e.title[lang]): e for e in entries if e.title for lang in LANGUAGES}
        examples = [self.normalise(x) for e in indexed for x in e.questions]
        answers = [self.normalise(e.answer[lang]) for e in indexed for lang in LANGUAGES]
        self._vectorizers = [
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                            token_pattern=r"\S+"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)]
        # fitted and transformed in one pass (the character n-grams of the answers take most of
        # the time)
        vectors = normalize(hstack([v.fit_transform(examples + answers)
                                    for v in self._vectorizers]).tocsr())
        self._examples, answer_vectors = vectors[:len(examples)], vectors[len(examples):]
        word_grams, char_grams = self._vectorizers
        self._query_vectorizers = [OneText(word_grams),
                                   OneText(char_grams, offset=len(word_grams.vocabulary_))]
        owner = numpy.array([i for i, e in enumerate(indexed) for _ in e.questions])
        # entry i's examples are rows starts[i]:starts[i + 1] of the example matrix
        self._starts = numpy.searchsorted(owner, numpy.arange(len(indexed) + 1))
        # one centroid per entry and language: its examples in that language and its answer in
        # that language (an English question meets the English answer, not a mostly Indonesian
        # mixture)
        english = numpy.array([detect_language(x) == ENGLISH for e in indexed for x in e.questions])
        self._centroids = []
        for index, lang in enumerate(LANGUAGES):
            in_lang = english if lang == ENGLISH else ~english
            # (entries x examples) 0/1 matrix of each entry's examples in this language
            pick = csr_matrix((numpy.ones(int(in_lang.sum())),
                               (owner[in_lang], numpy.flatnonzero(in_lang))),
                              shape=(len(indexed), len(examples)))
            self._centroids.append(normalize(pick @ self._examples
                                             + answer_vectors[index::2]).tocsc())
        # coverage: (entries x word keys) 0/1 matrix of the keys of each entry's examples, title
        # and answers, and each key's weight: its inverse entry frequency (a key no entry uses
        # weighs most)
        keyed = [" ".join(word_key(w) for w in text.split()) for text in examples]
        keyed_answers = [" ".join(word_key(w) for w in text.split()) for text in answers]
        self._keys: Dict[str, int] = {}
        rows, columns = [], []
        for i in range(len(indexed)):
            texts = keyed[self._starts[i]:self._starts[i + 1]] + keyed_answers[2 * i:2 * i + 2]
            for key in {key for text in texts for key in text.split()}:
                rows.append(i)
                columns.append(self._keys.setdefault(key, len(self._keys)))
        self._vocabulary = csr_matrix((numpy.ones(len(rows)), (rows, columns)),
                                      shape=(len(indexed), len(self._keys))).tocsc()
        frequency = numpy.asarray(self._vocabulary.sum(axis=0)).ravel()
        self._key_weights = numpy.log((len(indexed) + 1) / (frequency + 1)) + 1
        self._unknown_weight = float(numpy.log(len(indexed) + 1) + 1)
        self._classifier = self._train_classifier(keyed, owner)
        # each intent's training examples, vectorised as the entries' examples are
        self._intent_examples = {
            intent: normalize(hstack([v.transform([self.normalise(t) for t in texts])
                                      for v in self._vectorizers]).tocsr()).tocsc()
            for intent, texts in (intent_examples or {}).items() if texts}
        self._examples = self._examples.tocsc()
        self._topic_of = numpy.array([e.topic for e in indexed])

    def _train_classifier(self, keyed: List[str], owner) -> Optional[Tuple[Any, Any, Any]]:
        """(OneText of its vectorizer, weights, intercepts) of a linear SVM that tells the
        entries apart, one row of weights per entry, over TF-IDF word 1-2-grams of the word keys of the examples and
        titles (about two seconds). None with fewer than two entries."""
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        numpy = self._numpy
        if len(self._indexed) < 2:
            return None
        vectorizer = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                     token_pattern=r"\S+")
        model = LinearSVC(C=CLASSIFIER_C, tol=CLASSIFIER_TOLERANCE, random_state=CLASSIFIER_SEED)
        model.fit(vectorizer.fit_transform(keyed), owner)
        weights, intercepts = model.coef_, model.intercept_
        if len(self._indexed) == 2:  # a single row for two classes: the second one's
            weights = numpy.vstack([-weights, weights])
            intercepts = numpy.concatenate([-intercepts, intercepts])
        weights[numpy.abs(weights) < 1e-6] = 0.0  # kept sparse: a tenth of them are not zero
        return OneText(vectorizer), csr_matrix(weights.T), intercepts  # features x entries

    def _vector(self, words: str):
        """(columns, values) of the normalised message's TF-IDF vector over the word and
        character n-grams side by side, normalised again (as the examples were)."""
        numpy = self._numpy
        parts = [v.vector(words) for v in self._query_vectorizers]
        columns = numpy.concatenate([c for c, _ in parts])
        values = numpy.concatenate([v for _, v in parts])
        norm = numpy.sqrt(values @ values)
        return columns, (values / norm if norm else values)

    def nearer_to_intent(self, text: str, intent: Optional[str], entry: Entry) -> bool:
        """Whether `text` is nearer, by NEARER_TO_INTENT_MARGIN, to one of the training examples
        of the NLU intent `intent` than to every example of `entry` (cosine of the TF-IDF
        vectors, 0..1): the intent's own answer is then the one meant ("no hp lama udh ga aktif,
        otp ga masuk" is of the phone-number intent's kind, not of the entry on a sign-up code
        that does not arrive, which the gate chose). False for an intent without examples."""
        examples = self._intent_examples.get(intent or "")
        if examples is None:
            return False
        numpy = self._numpy
        columns, values = self._vector(self.normalise(text))
        index = self._indexed.index(entry)
        start, end = self._starts[index], self._starts[index + 1]
        # the entry's rows of the (column-major) example matrix: the message's columns first
        own = (self._examples[:, columns] @ values)[start:end]
        return float(numpy.max(examples[:, columns] @ values)) \
            > float(numpy.max(own, initial=0.0)) + NEARER_TO_INTENT_MARGIN

    def _similarity(self, words: str):
        numpy = self._numpy
        columns, values = self._vector(words)
        # the columns of the message's n-grams only (the matrices are column-major)
        closest = numpy.maximum.reduceat(self._examples[:, columns] @ values, self._starts[:-1])
        centroid = numpy.maximum(*[c[:, columns] @ values for c in self._centroids])
        return NEAREST_WEIGHT * closest + (1 - NEAREST_WEIGHT) * centroid

    def _coverage(self, words: str):
        numpy = self._numpy
        columns, weights, total = [], [], 0.0
        said = words.split()
        for word in [w for w in said if w not in self.glossary.fillers] or said:
            column = self._keys.get(word_key(word))
            weight = self._unknown_weight if column is None else self._key_weights[column]
            total += weight
            if column is not None:
                columns.append(column)
                weights.append(weight)
        if not columns:
            return numpy.zeros(len(self._indexed))
        return self._vocabulary[:, columns] @ numpy.array(weights) / total

    def _confidence(self, words: str):
        numpy = self._numpy
        if self._classifier is None:
            return numpy.full(len(self._indexed), 0.5)
        vectorizer, weights, intercepts = self._classifier
        columns, values = vectorizer.vector(" ".join(word_key(w) for w in words.split()))
        decision = values @ weights[columns].toarray() + intercepts
        return numpy.clip((decision + 1) / 2, 0.0, 1.0)

    def normalise(self, text: str) -> str:
        """`text` as the retrieval compares it (module function `normalise`, with the glossary)."""
        return normalise(text, self.glossary)

    def message_words(self, text: str) -> int:
        """How many words `text` has, normalised, its filler words left out and the glossary's
        Indonesian words for an English text not counted ("sih gaji sy 4jt" -> 3)."""
        return sum(1 for word in normalise(text).split() if word not in self.glossary.fillers)

    def similarity(self, text: str):
        """Every entry's TF-IDF similarity to `text` (0..1, in entry order): the mean of the
        cosine of its closest example and of its closer centroid."""
        return self._similarity(self.normalise(text))

    def coverage(self, text: str):
        """Every entry's coverage of `text` (0..1, in entry order): the share of the message's
        words (its filler words left out unless it has no other), by word key and weighted by how
        few entries use them, that the entry's examples, title and answers use."""
        return self._coverage(self.normalise(text))

    def confidence(self, text: str):
        """Every entry's classifier confidence for `text` (0..1, in entry order): the linear
        SVM's decision value mapped from -1..1 (0.5 on the boundary between the entry and the
        others)."""
        return self._confidence(self.normalise(text))

    def _score_vectors(self, text: str):
        """(score, coverage, classifier value) of every entry for `text`, in entry order, as
        read-only arrays. A turn often matches one text twice (the message alone, then with the
        conversation's routing): the last SCORE_MEMO texts' scores are kept."""
        if text not in self._recent_scores:
            if len(self._recent_scores) >= SCORE_MEMO:
                del self._recent_scores[next(iter(self._recent_scores))]
            vectors = self._compute_score_vectors(text)
            for vector in vectors:
                vector.flags.writeable = False
            self._recent_scores[text] = vectors
        return self._recent_scores[text]

    def _compute_score_vectors(self, text: str):
        numpy = self._numpy
        words = self.normalise(text)
        coverage = self._coverage(words)
        classifier = self._confidence(words)
        score = SIMILARITY_WEIGHT * self._similarity(words) + COVERAGE_WEIGHT * coverage \
            + CLASSIFIER_WEIGHT * classifier
        named = list(self._named(words))
        if named:  # "iuran jkk": JKK entries up, the other programmes' entries down
            topics = self._topic_of
            score = score + TOPIC_BONUS * numpy.isin(topics, named) \
                - TOPIC_BONUS * (numpy.isin(topics, PROGRAMME_TOPICS) & ~numpy.isin(topics, named))
        return score, coverage, classifier

    def scores(self, text: str) -> List[Tuple[Entry, float]]:
        """Every entry with its score for `text`, best first (see the module docstring)."""
        score = self._score_vectors(text)[0]
        order = self._numpy.argsort(-score[:len(self.entries)], kind="stable")
        return [(self.entries[i], float(score[i])) for i in order]

    def _named(self, words: str) -> set:
        padded = f" {words} "
        return {topic.key for topic in self.topics.values()
                if any(f" {keyword} " in padded for keyword in topic.keywords)}

    def named_topics(self, text: str) -> set:
        """The topics keywords of the message name ('jkp', 'lapak asik')."""
        return self._named(self.normalise(text))

    def named_topic(self, text: str) -> Optional[str]:
        """The first topic (in topics.yml's order) a keyword of the message names, else None."""
        named = self.named_topics(text)
        return next((key for key in self.topics if key in named), None)

    def vague(self, text: str) -> bool:
        """A short message that names no topic and no word few entries use ("kapan bisa cair",
        "dokumennya apa aja?"): it comes close to many entries and answers none alone (a
        follow-up, read with the answer before it, may). "BP2MI tu apa" and "lupa password" are
        not vague: few entries use "bp2mi" or "password"."""
        words = self.normalise(text).split()
        if len(words) > VAGUE_MAX_WORDS or self._named(" ".join(words)):
            return False
        columns = [self._keys.get(word_key(word)) for word in words]
        return all(c is not None and self._key_weights[c] < SPECIFIC_WEIGHT for c in columns)

    def match(self, text: str, answer_confidence: float = ANSWER_CONFIDENCE,
              topic_score: float = TOPIC_SCORE, follow_up: bool = False) -> Match:
        """The entry that answers `text`, or the topic it is about (see the module docstring).
        `answer_confidence` 0 lets every best entry stand that no rule rules out (a no-answer
        question closest, a year after its facts, a vague message): the evaluation's open gate.
        `follow_up`: `text` is a follow-up read with its topic (FOLLOW_UP_SCORE)."""
        score_of, coverage_of, classifier_of = self._score_vectors(text)
        order = self._numpy.argsort(-score_of, kind="stable")[:RANKED + len(self.no_answer)]
        first = self._indexed[order[0]]
        real = [i for i in order if i < len(self.entries)][:RANKED]
        # the closest entries (never a no-answer one: they are the "did you mean ...?" buttons)
        ranked = [(self.entries[i], float(score_of[i])) for i in real]
        (best, score) = ranked[0]
        # the next closest, a no-answer question included: close to one, the entry is not clear
        runner_up = float(score_of[order[1]]) if len(order) > 1 else 0.0
        if first.kind == NO_ANSWER_KIND:  # closest to a question no entry answers
            declined, runner_up = True, float(score_of[order[0]])
        else:
            declined = False
        coverage = float(coverage_of[real[0]])
        words = self.message_words(text)
        no_answer = float(score_of[len(self.entries):].max()) if self.no_answer else 0.0
        measures = gate_measures(score, coverage, float(classifier_of[real[0]]),
                                 score - runner_up, no_answer, words)
        confidence = answer_confidence_of(measures)
        if follow_up:
            sure = score >= FOLLOW_UP_SCORE and score - runner_up >= FOLLOW_UP_MARGIN \
                and coverage >= FOLLOW_UP_COVERAGE
        else:
            sure = confidence >= answer_confidence
        answered = not declined and sure \
            and not future_years(text, best) \
            and not self.vague(text)
        # a topic by score only when the close entries agree on it ("what's the capital of
        # France?" comes close to entries of three programmes: no topic), or the closest
        # no-answer questions and the closest entry share it ("cuaca hari ini?" comes close to
        # "antrian di kantor hari ini?" and to nothing else of the call centre: no topic); a
        # keyword wins
        agreed = score >= topic_score and all(entry.topic == best.topic for entry, _ in ranked[:3])
        unanswered = declined and first.topic == best.topic and score_of[order[0]] >= topic_score
        topic = self.named_topic(text) or (best.topic if agreed or unanswered else None)
        return Match(best, score, runner_up, topic, answered, ranked, coverage, declined, words,
                     measures, confidence)


def gate_measures(score: float, coverage: float, classifier: float, margin: float,
                  no_answer: float, words: int) -> Dict[str, float]:
    """The gate's measures of a match (GATE_MEASURES), from the best entry's score, coverage and
    classifier value (0..1 each), its lead over the next entry or no-answer question, the score of
    the closest no-answer question and the message's number of words (Match.words, counted as
    GATE_MIN_WORDS at least)."""
    return {"score_coverage": score * coverage, "score": score, "classifier": classifier,
            "margin": min(margin, MARGIN_CAP), "no_answer": no_answer,
            "log_words": math.log1p(max(words, GATE_MIN_WORDS))}


def answer_confidence_of(measures: Dict[str, float],
                         weights: Optional[Dict[str, float]] = None) -> float:
    """The probability (0..1) that the best entry answers the message: the logistic function of
    GATE_WEIGHTS (or `weights`) applied to `measures` (`gate_measures`)."""
    weights = weights or GATE_WEIGHTS
    logit = weights["intercept"] + sum(weights[name] * measures[name] for name in GATE_MEASURES)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


def future_years(text: str, entry: Entry) -> List[int]:
    """The years `text` names that come after the entry's facts (its `as_of` year) and that its
    title and answer do not name: "will BSU come again in 2026?" is not answered by the BSU 2025
    entry, whatever the words share (the honest reply instead)."""
    said = set(YEAR.findall(" ".join([*entry.answer.values(), *(entry.title or {}).values()])))
    return sorted(int(year) for year in set(YEAR.findall(text))
                  if int(year) > int(entry.as_of[:4]) and year not in said)


def load_knowledge(facts: Dict[str, Any], directory: Optional[Path] = None) -> Knowledge:
    """The knowledge of `directory` (default: knowledge_dir()), validated and indexed."""
    directory = directory or knowledge_dir()
    topics = load_topics(directory)
    return Knowledge(load_entries(directory, facts, topics), topics, load_glossary(directory),
                     load_no_answer(directory, topics), load_intent_examples())


def load_intent_examples(directory: Path = NLU_DIR) -> Dict[str, List[str]]:
    """{intent: its training examples, entity markup removed} of the Rasa NLU files of
    `directory` (lookup tables and synonyms left out); {} when there is no such folder."""
    found: Dict[str, List[str]] = {}
    for path in sorted(directory.glob("*.yml")) if directory.is_dir() else []:
        for item in (_read_yaml(path) or {}).get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") and item.get("examples"):
                found.setdefault(item["intent"], []).extend(
                    ENTITY_MARKUP.sub(r"\1", line[2:]).strip()
                    for line in str(item["examples"]).splitlines() if line.startswith("- "))
    return found


_lock = threading.Lock()
_cache: Dict[str, Any] = {}


def _state(directory: Path) -> Tuple[Any, ...]:
    files = [directory / TOPICS_FILE_NAME, directory / GLOSSARY_FILE_NAME,
             directory / NO_ANSWER_FILE_NAME, *entry_files(directory)]
    return (str(directory),) + tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                                     for p in files if p.exists())


def get_knowledge() -> Knowledge:
    """The current knowledge. The folder is checked at most once every RELOAD_INTERVAL_SECONDS.
    The first load, or a load from another folder, is done here (KnowledgeError when it is
    broken). A changed file of the same folder is re-read and re-indexed in a background thread
    (`wait_for_reload`) while the last knowledge keeps answering: indexing takes seconds, and no
    user's turn waits for it (issue 19); a broken change is logged and the last valid knowledge
    kept. A changed facts file re-checks the placeholders."""
    from actions.facts import get_facts

    facts = get_facts()
    with _lock:
        knowledge = _cache.get("knowledge")
        now = time.monotonic()
        if knowledge is not None and _cache["facts"] is facts \
                and now - _cache["checked"] < RELOAD_INTERVAL_SECONDS:
            return knowledge
        directory = knowledge_dir()
        state = _state(directory)
        if knowledge is None or state[0] != _cache["state"][0]:
            knowledge = load_knowledge(facts, directory)
        elif state != _cache["state"]:
            _reload_in_background(facts, directory, state)
            state = _cache["state"]  # until the new index is in
        elif facts is not _cache["facts"]:
            # the same entries: only their sources and placeholders are checked again (re-indexing
            # takes seconds; every reload of the facts file would pay it)
            try:
                check_against_facts(knowledge.entries, facts)
            except KnowledgeError as error:
                logger.error("The facts file no longer fills the knowledge: %s", error)
        _cache.update(knowledge=knowledge, state=state, facts=facts, checked=now)
        return knowledge


def _reload_in_background(facts: Dict[str, Any], directory: Path, state: Tuple[Any, ...]) -> None:
    """Starts re-reading `directory` in a thread, unless one is running (called under _lock); the
    new knowledge replaces the cached one when the folder is still the same. A broken change is
    logged once and marked as seen, so that it is not re-read on every turn."""
    if _cache.get("reloading") is not None and _cache["reloading"].is_alive():
        return

    def reload() -> None:
        try:
            loaded: Optional[Knowledge] = load_knowledge(facts, directory)
        except KnowledgeError as error:
            logger.error("Knowledge change not loaded, keeping the last valid entries: %s", error)
            loaded = None
        with _lock:
            if _cache.get("state", ("",))[0] == state[0]:
                if loaded is not None:
                    _cache["knowledge"] = loaded
                _cache.update(state=state, checked=float("-inf"))

    thread = threading.Thread(target=reload, name="knowledge-reload", daemon=True)
    _cache["reloading"] = thread
    thread.start()


def wait_for_reload(timeout: float = 60.0) -> None:
    """Waits until a reload started by `get_knowledge` has finished (tests, scripts)."""
    with _lock:
        thread = _cache.get("reloading")
    if thread is not None:
        thread.join(timeout)


def warm_up() -> None:
    """Loads and indexes the knowledge in a background thread (the action server at start: the
    first question it answers then does not wait for the index, about seven seconds, beyond the
    action's time limit). A broken folder is reported on stderr here and again on use."""

    def load() -> None:
        try:
            get_knowledge()
        except KnowledgeError as error:
            logger.error("Knowledge base not loaded: %s", error)

    threading.Thread(target=load, name="knowledge-warm-up", daemon=True).start()


def reset_cache() -> None:
    """Forgets the loaded knowledge, so the next `get_knowledge()` reads the folder (tests)."""
    wait_for_reload()
    with _lock:
        _cache.clear()


def render_answer(entry: Entry, lang: str, facts: Dict[str, Any]) -> str:
    """The entry's answer in `lang`, filled from the facts."""
    from actions.replies import FactsFormatter

    return FactsFormatter(facts, lang).format(entry.answer[lang])


def placeholders(text: str) -> List[str]:
    """The dotted fact paths an answer uses."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]

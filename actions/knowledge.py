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

`load_knowledge` validates every file and raises `KnowledgeError` naming the file, the entry and
the problem (missing source, one language only, too few examples, a placeholder the facts file
does not have). `get_knowledge` re-reads the folder within a second or two of a change, like the
facts file, and keeps the last valid knowledge when a change is broken: an operator adds an entry
without retraining.

Retrieval (`Knowledge.match`): the message and every example are normalised (lower case, chat
spellings and Pontianak Malay to standard words: indoNLP's Kamus Alay plus LOCAL_FORMS) and turned
into TF-IDF vectors of word 1-2-grams and character 2-5-grams (scikit-learn); an entry's score is
the cosine similarity of its closest example. The entry is given as the answer only when its score
reaches ANSWER_SCORE and leads the next entry by ANSWER_MARGIN (thresholds measured on held-out
messages, docs/knowledge.md); below that, a topic recognised with TOPIC_SCORE (or named by a topic
keyword) gets the honest "no answer to that exact question" reply.
"""

import logging
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
TOPICS_FILE_NAME = "topics.yml"
MIN_EXAMPLES = 6
KINDS = ("answer", "refer")
LANGUAGES = ("id", "en")  # the order of the centroids too

# Gate of the retrieval (cosine similarity of TF-IDF vectors, 0..1), measured in docs/knowledge.md.
ANSWER_SCORE = 0.55
ANSWER_MARGIN = 0.04
TOPIC_SCORE = 0.30

RELOAD_INTERVAL_SECONDS = 1.0
# weight of the closest example in an entry's score (the rest: the entry's centroid)
NEAREST_WEIGHT = 0.5
# added to the score of the entries of a programme the message names by keyword, taken from the
# entries of the other programmes (measured in docs/knowledge.md)
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
}
WORD = re.compile(r"[a-z0-9]+")


class KnowledgeError(ValueError):
    """A knowledge file is missing, unreadable or an entry breaks the schema."""

    def __init__(self, path: Path, entry: str, problem: str) -> None:
        self.path, self.entry, self.problem = str(path), entry, problem
        super().__init__(f"{path}: entry '{entry}': {problem}")


@dataclass(frozen=True)
class Topic:
    """A programme or subject the bot recognises: its name, what it knows in short, keywords."""

    key: str
    name: Dict[str, str]
    summary: Dict[str, str]
    keywords: Tuple[str, ...]


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


# --- normalising text ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _spellings() -> Dict[str, str]:
    from indoNLP.preprocessing import SLANG_DATA

    forms = {slang: standard.lower() for slang, standard in SLANG_DATA.items()}
    forms.update(LOCAL_FORMS)
    return forms


def normalise(text: str) -> str:
    """Lower-case words with chat spellings replaced by standard ones: 'sy mau klaim jht gmn' ->
    'saya mau klaim jht bagaimana'. An English message keeps its words (the chat spellings would
    turn 'to' into 'tapi' and 'it' into 'itu')."""
    words = WORD.findall(text.lower())
    if detect_language(text) == ENGLISH:
        return " ".join(words)
    spellings = _spellings()
    return " ".join(spellings.get(word, word) for word in words)


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
        topics[key] = Topic(key, _bilingual(item.get("name"), path, key, "name"),
                            _bilingual(item.get("summary"), path, key, "summary"),
                            tuple(k.lower() for k in keywords))
    return topics


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
    return Entry(entry_id, topic, kind, tuple(rows), source, as_of, answer,
                 tuple(e.strip() for e in examples), str(path), title)


def entry_files(directory: Path) -> List[Path]:
    """The knowledge files of a folder (every .yml but the topics), in name order."""
    return sorted(p for p in directory.glob("*.yml") if p.name != TOPICS_FILE_NAME)


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
    return entries


# --- retrieval ----------------------------------------------------------------------------------

class Knowledge:
    """The validated entries and topics of a folder, with the retrieval index: TF-IDF vectors of
    every example (word 1-2-grams and character 2-5-grams of the normalised text, scikit-learn)
    and each entry's centroid over its examples and its answer in both languages."""

    def __init__(self, entries: List[Entry], topics: Dict[str, Topic]) -> None:
        import numpy
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import normalize

        self.entries, self.topics = entries, topics
        self.by_id = {e.id: e for e in entries}
        examples = [normalise(x) for e in entries for x in e.questions]
        answers = [normalise(e.answer[lang]) for e in entries for lang in LANGUAGES]
        self._vectorizers = [
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                            token_pattern=r"\S+"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)]
        for vectorizer in self._vectorizers:
            vectorizer.fit(examples + answers)
        self._examples = self._vectors(examples)
        owner = numpy.array([i for i, e in enumerate(entries) for _ in e.questions])
        # entry i's examples are rows starts[i]:starts[i + 1] of the example matrix
        self._starts = numpy.searchsorted(owner, numpy.arange(len(entries) + 1))
        # one centroid per entry and language: its examples in that language and its answer in
        # that language (an English question meets the English answer, not a mostly Indonesian
        # mixture)
        english = numpy.array([detect_language(x) == ENGLISH for e in entries for x in e.questions])
        answer_vectors = self._vectors(answers)
        self._centroids = []
        for index, lang in enumerate(LANGUAGES):
            in_lang = english if lang == ENGLISH else ~english
            # (entries x examples) 0/1 matrix of each entry's examples in this language
            pick = csr_matrix((numpy.ones(int(in_lang.sum())),
                               (owner[in_lang], numpy.flatnonzero(in_lang))),
                              shape=(len(entries), len(examples)))
            self._centroids.append(normalize(pick @ self._examples
                                             + answer_vectors[index::2]).tocsr())
        self._numpy = numpy

    def _vectors(self, texts: List[str]):
        from scipy.sparse import hstack
        from sklearn.preprocessing import normalize

        return normalize(hstack([v.transform(texts) for v in self._vectorizers]).tocsr())

    def scores(self, text: str) -> List[Tuple[Entry, float]]:
        """Every entry with its score for `text` (0..1), best first: the mean of the similarity
        of its closest example and of its centroid."""
        numpy = self._numpy
        query = self._vectors([normalise(text)]).toarray().ravel()  # dense: matrix x vector
        similarities = self._examples @ query
        closest = numpy.maximum.reduceat(similarities, self._starts[:-1])
        centroid = numpy.maximum(*[c @ query for c in self._centroids])
        score = NEAREST_WEIGHT * closest + (1 - NEAREST_WEIGHT) * centroid
        named = self.named_topics(text)
        if named:  # "iuran jkk": JKK entries up, the other programmes' entries down
            topics = numpy.array([e.topic for e in self.entries])
            score = score + TOPIC_BONUS * numpy.isin(topics, list(named)) \
                - TOPIC_BONUS * (numpy.isin(topics, PROGRAMME_TOPICS) & ~numpy.isin(topics, list(named)))
        order = numpy.argsort(-score)
        return [(self.entries[i], float(score[i])) for i in order]

    def named_topics(self, text: str) -> set:
        """The topics keywords of the message name ('jkp', 'lapak asik')."""
        words = f" {normalise(text)} "
        return {topic.key for topic in self.topics.values()
                if any(f" {keyword} " in words for keyword in topic.keywords)}

    def named_topic(self, text: str) -> Optional[str]:
        """The first topic (in topics.yml's order) a keyword of the message names, else None."""
        named = self.named_topics(text)
        return next((key for key in self.topics if key in named), None)

    def match(self, text: str, answer_score: float = ANSWER_SCORE,
              answer_margin: float = ANSWER_MARGIN, topic_score: float = TOPIC_SCORE) -> Match:
        """The entry that answers `text`, or the topic it is about (see the module docstring)."""
        ranked = self.scores(text)[:5]
        (best, score), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
        answered = score >= answer_score and score - runner_up >= answer_margin
        topic = best.topic if score >= topic_score else self.named_topic(text)
        return Match(best, score, runner_up, topic, answered, ranked)


def load_knowledge(facts: Dict[str, Any], directory: Optional[Path] = None) -> Knowledge:
    """The knowledge of `directory` (default: knowledge_dir()), validated and indexed."""
    directory = directory or knowledge_dir()
    topics = load_topics(directory)
    return Knowledge(load_entries(directory, facts, topics), topics)


_lock = threading.Lock()
_cache: Dict[str, Any] = {}


def _state(directory: Path) -> Tuple[Any, ...]:
    files = [directory / TOPICS_FILE_NAME, *entry_files(directory)]
    return (str(directory),) + tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                                     for p in files if p.exists())


def get_knowledge() -> Knowledge:
    """The current knowledge. The folder is checked at most once every RELOAD_INTERVAL_SECONDS:
    a changed file is re-read and re-indexed, a changed facts file re-checks the placeholders. A
    broken change is logged and the last valid knowledge kept (KnowledgeError at the first load)."""
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
        if knowledge is None or state != _cache["state"] or facts is not _cache["facts"]:
            try:
                knowledge = load_knowledge(facts, directory)
            except KnowledgeError as error:
                if knowledge is None:
                    raise
                logger.error("Knowledge change not loaded, keeping the last valid entries: %s",
                             error)
        _cache.update(knowledge=knowledge, state=state, facts=facts, checked=now)
        return knowledge


def reset_cache() -> None:
    """Forgets the loaded knowledge, so the next `get_knowledge()` reads the folder (tests)."""
    with _lock:
        _cache.clear()


def render_answer(entry: Entry, lang: str, facts: Dict[str, Any]) -> str:
    """The entry's answer in `lang`, filled from the facts."""
    from actions.replies import FactsFormatter

    return FactsFormatter(facts, lang).format(entry.answer[lang])


def placeholders(text: str) -> List[str]:
    """The dotted fact paths an answer uses."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]

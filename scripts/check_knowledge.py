"""Checks knowledge files (data/knowledge/*.yml): the schema of every entry (actions/knowledge.py)
and of no_answer.yml, and, when the official FAQ is beside the project
(../shared/reference/official-faq/), that nothing copies it ("facts carry over, sentences never
do"):
- no example question or title is a near copy of an FAQ question (rapidfuzz ratio >=
  NEAR_COPY_RATIO);
- no sentence of an answer (rendered, both languages) is a near copy of a sentence of an FAQ
  answer or question, and no example or title of an FAQ answer sentence: ratio >= NEAR_COPY_RATIO
  for texts of at least MIN_SENTENCE_WORDS words, or, for texts of at least LONG_SENTENCE_WORDS
  words, partial_ratio >= PARTIAL_COPY_RATIO against an FAQ sentence of similar or greater length
  (a clause lifted out of a longer FAQ sentence). See `sentence_copies`.

Usage: .venv/bin/python scripts/check_knowledge.py [FILE ...]   (default: the whole folder)
Exit 0 when all is well, 1 with one line per problem otherwise.
"""

import csv
import dataclasses
import re
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import knowledge  # noqa: E402
from actions.facts import PROJECT_ROOT, load_facts  # noqa: E402

FAQ_CSV = PROJECT_ROOT.parent / "shared" / "reference" / "official-faq" / "ketenagakerjaan_faq.csv"
NEAR_COPY_RATIO = 80
# the answer-sentence check (see `sentence_copies`)
MIN_SENTENCE_WORDS = 6       # shorter ones are names and stock phrases ("kartu peserta dan KTP")
LONG_SENTENCE_WORDS = 10     # a sentence this long is also checked for a lifted clause ...
PARTIAL_COPY_RATIO = 90      # ... with partial_ratio against an FAQ sentence of similar or
SIMILAR_LENGTH = 0.8         # greater length: >= 80% of our sentence's length in characters
SHARED_WORDS_PREFILTER = 0.5  # partial_ratio only for pairs sharing half of our sentence's words
FAQ_TEXT_SHOWN = 160         # characters of an FAQ sentence shown in a problem line

# sentences end at . ! ? ; : and at line breaks; the scrape flattened the FAQ's lists into one
# line, so an item marker ("a.", "2)") inside a line starts a new sentence too
SENTENCE_BREAK = re.compile(r"(?<=[.!?;:])\s+|\n+|\s(?=(?:[a-zA-Z]|\d{1,2})[.)]\s)")
NOT_WORD = re.compile(r"[^\w\s]|_")


def faq_questions(path: Path = FAQ_CSV):
    """The official FAQ's questions, lower case ([] when the file is not there)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [row["question"].lower() for row in csv.DictReader(handle)]


def near_copies(examples, questions):
    """[(example, question, ratio)] for every example within NEAR_COPY_RATIO of a question."""
    from rapidfuzz import fuzz, process

    found = []
    for example in examples:
        hit = process.extractOne(example.lower(), questions, scorer=fuzz.ratio,
                                 score_cutoff=NEAR_COPY_RATIO)
        if hit:
            found.append((example, hit[0], hit[1]))
    return found


@dataclasses.dataclass(frozen=True)
class FaqSentence:
    """One sentence of the official FAQ: its row (1-based), the field it is from ('question' or
    'answer'), the text and the text normalised (`normalise_sentence`)."""

    row: int
    field: str
    text: str
    norm: str


def normalise_sentence(text: str) -> str:
    """Lower case, punctuation stripped, whitespace collapsed."""
    return " ".join(NOT_WORD.sub(" ", text.lower()).split())


def split_sentences(text: str) -> List[str]:
    """The sentences of a text (list items and lines count as sentences), stripped, non-empty."""
    parts = (part.strip(" \t-,") for part in SENTENCE_BREAK.split(text))
    return [part for part in parts if normalise_sentence(part)]


def faq_sentences(path: Path = FAQ_CSV) -> List[FaqSentence]:
    """Every sentence of every FAQ question and answer ([] when the file is not there)."""
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8") as handle:
        for row, record in enumerate(csv.DictReader(handle), start=1):
            for field in ("question", "answer"):
                for sentence in split_sentences(record[field]):
                    found.append(FaqSentence(row, field, sentence, normalise_sentence(sentence)))
    return found


def _words(text: str) -> int:
    return len(text.split())


def sentence_copies(texts: Sequence[str], faq: Sequence[FaqSentence]
                    ) -> Dict[int, Tuple[FaqSentence, float, str]]:
    """{index in `texts`: (FAQ sentence, score, scorer)} for every text that nearly copies an FAQ
    sentence: fuzz.ratio >= NEAR_COPY_RATIO (both of at least MIN_SENTENCE_WORDS words), or, for a
    text of at least LONG_SENTENCE_WORDS words, fuzz.partial_ratio >= PARTIAL_COPY_RATIO against
    an FAQ sentence at least SIMILAR_LENGTH as long (a clause of a longer FAQ sentence). Texts are
    compared normalised (`normalise_sentence`); pass sentences, not whole answers."""
    import numpy
    from rapidfuzz import fuzz, process
    from sklearn.feature_extraction.text import CountVectorizer

    norms = [normalise_sentence(text) for text in texts]
    ours = [i for i, norm in enumerate(norms) if _words(norm) >= MIN_SENTENCE_WORDS]
    theirs = [s for s in faq if _words(s.norm) >= MIN_SENTENCE_WORDS]
    hits: Dict[int, Tuple[FaqSentence, float, str]] = {}
    if not ours or not theirs:
        return hits
    scores = process.cdist([norms[i] for i in ours], [s.norm for s in theirs], scorer=fuzz.ratio,
                           score_cutoff=NEAR_COPY_RATIO, dtype=numpy.uint8, workers=-1)
    for a, b in zip(*numpy.nonzero(scores)):
        if ours[a] not in hits or scores[a, b] > hits[ours[a]][1]:
            hits[ours[a]] = (theirs[b], float(scores[a, b]), "ratio")

    # partial_ratio is slow on long strings: only for the pairs that share at least
    # SHARED_WORDS_PREFILTER of our sentence's words (a lifted clause shares nearly all of them)
    long_ours = [i for i in ours if i not in hits and _words(norms[i]) >= LONG_SENTENCE_WORDS]
    if not long_ours:
        return hits
    vectoriser = CountVectorizer(binary=True, token_pattern=r"\S+", lowercase=False)
    vectoriser.fit([s.norm for s in theirs] + [norms[i] for i in long_ours])
    ours_matrix = vectoriser.transform([norms[i] for i in long_ours])
    shared = (ours_matrix @ vectoriser.transform([s.norm for s in theirs]).T).tocoo()
    own_words = numpy.asarray(ours_matrix.sum(axis=1)).ravel()
    our_chars = numpy.array([len(norms[i]) for i in long_ours])
    their_chars = numpy.array([len(s.norm) for s in theirs])
    keep = ((shared.data >= SHARED_WORDS_PREFILTER * own_words[shared.row])
            & (their_chars[shared.col] >= SIMILAR_LENGTH * our_chars[shared.row]))
    for a, b in zip(shared.row[keep], shared.col[keep]):
        index, sentence = long_ours[a], theirs[b]
        score = fuzz.partial_ratio(norms[index], sentence.norm, score_cutoff=PARTIAL_COPY_RATIO)
        if score and (index not in hits or score > hits[index][1]):
            hits[index] = (sentence, score, "partial_ratio")
    return hits


def answer_copies(entries, facts, faq: Sequence[FaqSentence]) -> List[str]:
    """One problem line for every answer sentence (both languages, rendered with the facts) that
    nearly copies an FAQ answer or question sentence, and for every example or title that nearly
    copies an FAQ answer sentence: 'file: entry id: field: our text ~ FAQ row N: their text'."""
    answer_items, question_items = [], []   # (entry, field, text)
    for entry in entries:
        for lang in sorted(entry.answer):
            for sentence in split_sentences(knowledge.render_answer(entry, lang, facts)):
                answer_items.append((entry, f"answer.{lang}", sentence))
        question_items += [(entry, "example", example) for example in entry.examples]
        question_items += [(entry, f"title.{lang}", title)
                           for lang, title in (entry.title or {}).items()]
    answers_only = [s for s in faq if s.field == "answer"]
    problems = []
    for items, against in ((answer_items, faq), (question_items, answers_only)):
        hits = sentence_copies([text for _, _, text in items], against)
        for index in sorted(hits):
            entry, field, text = items[index]
            sentence, score, scorer = hits[index]
            shown = sentence.text if len(sentence.text) <= FAQ_TEXT_SHOWN \
                else sentence.text[:FAQ_TEXT_SHOWN] + "…"
            problems.append(f"{entry.path}: {entry.id}: {field}: {text} ~ FAQ row {sentence.row} "
                            f"({sentence.field}, {scorer} {score:.0f}): {shown}")
    return problems


def main(argv):
    facts = load_facts()
    directory = knowledge.knowledge_dir()
    problems = []
    try:
        topics = knowledge.load_topics(directory)
    except knowledge.KnowledgeError as error:
        print(error)
        return 1
    files = [Path(a) for a in argv] or knowledge.entry_files(directory)
    questions = faq_questions()
    entries = []
    for path in files:
        scratch = Path("/tmp") / f"check_knowledge_{path.stem}"
        scratch.mkdir(exist_ok=True)
        (scratch / knowledge.TOPICS_FILE_NAME).write_text(
            (directory / knowledge.TOPICS_FILE_NAME).read_text(encoding="utf-8"), encoding="utf-8")
        for old in scratch.glob("*.yml"):
            if old.name != knowledge.TOPICS_FILE_NAME:
                old.unlink()
        (scratch / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        try:
            found = knowledge.load_entries(scratch, facts, topics)
        except knowledge.KnowledgeError as error:
            problems.append(str(error).replace(str(scratch / path.name), str(path)))
            continue
        found = [dataclasses.replace(entry, path=str(path)) for entry in found]
        entries += found
        for entry in found:
            titles = list(entry.title.values()) if entry.title else []
            for example, question, ratio in near_copies([*entry.examples, *titles], questions):
                problems.append(f"{path}: entry '{entry.id}': example {example!r} is a near copy "
                                f"({ratio:.0f}) of the FAQ question {question!r}")
    problems += answer_copies(entries, facts, faq_sentences())
    if not argv:  # the questions no entry answers (no_answer.yml) must not copy the FAQ either
        try:
            unanswered = knowledge.load_no_answer(directory, topics)
        except knowledge.KnowledgeError as error:
            unanswered = []
            problems.append(str(error))
        for group in unanswered:
            for text, question, ratio in near_copies(list(group.examples), questions):
                problems.append(f"{group.path}: topic '{group.topic}': question {text!r} is a near "
                                f"copy ({ratio:.0f}) of the FAQ question {question!r}")
    seen = {}
    for entry in entries:
        if entry.id in seen:
            problems.append(f"{entry.path}: entry '{entry.id}': id also used in {seen[entry.id]}")
        seen[entry.id] = entry.path
    for problem in problems:
        print(problem)
    print(f"{len(entries)} entries in {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

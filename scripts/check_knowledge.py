"""Checks knowledge files (data/knowledge/*.yml): the schema of every entry (actions/knowledge.py),
and, when the official FAQ is beside the project (../shared/reference/official-faq/), that no
example question is a near copy of an FAQ question (rapidfuzz ratio >= NEAR_COPY_RATIO).

Usage: .venv/bin/python scripts/check_knowledge.py [FILE ...]   (default: the whole folder)
Exit 0 when all is well, 1 with one line per problem otherwise.
"""

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import knowledge  # noqa: E402
from actions.facts import PROJECT_ROOT, load_facts  # noqa: E402

FAQ_CSV = PROJECT_ROOT.parent / "shared" / "reference" / "official-faq" / "ketenagakerjaan_faq.csv"
NEAR_COPY_RATIO = 80


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


def with_proposed_facts(facts):
    """The facts with the helpers' proposed `faq` keys (data/knowledge/_proposed/*.yml, while
    entries are being written) added, so that their placeholders can be checked."""
    import yaml

    for path in sorted((knowledge.knowledge_dir() / "_proposed").glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            facts["faq"].setdefault(str(key).replace("faq.", "", 1), value)
    return facts


def main(argv):
    facts = with_proposed_facts(load_facts())
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
        entries += found
        for entry in found:
            titles = list(entry.title.values()) if entry.title else []
            for example, question, ratio in near_copies([*entry.examples, *titles], questions):
                problems.append(f"{path}: entry '{entry.id}': example {example!r} is a near copy "
                                f"({ratio:.0f}) of the FAQ question {question!r}")
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

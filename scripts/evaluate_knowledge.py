"""How well the knowledge base picks the entry that answers a message (actions/knowledge.py).

Two measures, printed and written to results/knowledge/:

- held-out messages (tests/knowledge_holdout.yml, written fresh by a helper who never saw the
  entries' examples): an answerable message names the official-FAQ rows that answer it, so the
  right entries are those whose `faq_rows` share a row; an unanswerable one must get no entry.
  Figures: right entry on answerable messages, a wrong entry given as the answer (share of all
  messages), an honest reply (no entry) on unanswerable ones — overall and per language;
- 5-fold cross-validation over the entries' own examples (each fold's examples matched against
  an index of the other folds; and each fifth of the entries left out of the index, its examples
  then questions without an answer that must get none).

`--sweep` prints both for a grid of gates (score, margin, coverage): the gate of
actions/knowledge.py is chosen on tests/knowledge_holdout.yml and the cross-validation, never on
tests/knowledge_holdout_fresh.yml (kept for an independent figure).

Usage: .venv/bin/python scripts/evaluate_knowledge.py [--sweep] [--holdout FILE]
"""

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import knowledge  # noqa: E402
from actions.facts import PROJECT_ROOT, load_facts  # noqa: E402
from actions.language import detect_language  # noqa: E402

HOLDOUT = PROJECT_ROOT / "tests" / "knowledge_holdout.yml"
RESULTS = PROJECT_ROOT / "results" / "knowledge"
FOLDS = 5


def load_holdout(path: Path = HOLDOUT) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(answerable [{text, rows}], unanswerable [{text, topic}]) of the held-out file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data["answerable"], data["unanswerable"]


def expected_ids(entries: List[knowledge.Entry], rows: List[int]) -> set:
    """The ids of the entries that answer any of `rows`."""
    return {e.id for e in entries if set(e.faq_rows) & set(rows)}


GATE = ("answer_score", "answer_margin", "answer_coverage")
# the gates --sweep tries (on the held-out messages and in cross-validation)
SWEEP = [{"answer_score": round(score, 3), "answer_margin": round(margin, 2),
          "answer_coverage": round(coverage, 3)}
         for score in (0.4, 0.425, 0.45, 0.475, 0.5, 0.525, 0.55, 0.6)
         for margin in (0.0, 0.02, 0.04, 0.06, 0.08, 0.1)
         for coverage in (0.65, 0.7, 0.725, 0.75, 0.775, 0.8)]
OPEN = {"answer_score": -1.0, "answer_margin": -1.0, "answer_coverage": -1.0}


def default_gate() -> Dict[str, float]:
    """The gate of actions/knowledge.py."""
    return {"answer_score": knowledge.ANSWER_SCORE, "answer_margin": knowledge.ANSWER_MARGIN,
            "answer_coverage": knowledge.ANSWER_COVERAGE}


def passes(match: knowledge.Match, gate: Dict[str, float]) -> bool:
    """Whether the gate lets the match's entry stand as the answer (as Knowledge.match does). The
    match was made with the OPEN gate: `answered` then holds the rules that no threshold sets (a
    year after the entry's facts, knowledge.future_years)."""
    return match.answered and match.score >= gate["answer_score"] \
        and match.score - match.runner_up >= gate["answer_margin"] \
        and match.coverage >= knowledge.coverage_needed(gate["answer_coverage"], match.words)


def judge(match: knowledge.Match, right: Optional[set], gate: Dict[str, float]) -> str:
    """'right', 'wrong' or 'honest' for one message (`right` None: the message is unanswerable)."""
    if not passes(match, gate):
        return "honest"
    return "right" if right and match.entry.id in right else "wrong"


def holdout_matches(kb: knowledge.Knowledge, holdout: Tuple[list, list]) -> List[tuple]:
    """(kind, item, right ids, ungated match) of every held-out message."""
    answerable, unanswerable = holdout
    judged = [("answerable", item) for item in answerable] + \
        [("unanswerable", item) for item in unanswerable]
    return [(kind, item, expected_ids(kb.entries, item["rows"]) if kind == "answerable" else None,
             kb.match(item["text"], **OPEN)) for kind, item in judged]


def holdout_figures(matches: List[tuple], gate: Dict[str, float]) -> Dict[str, Any]:
    """The held-out figures (overall and per language) and the messages judged wrong."""
    outcomes: Dict[str, Counter] = defaultdict(Counter)
    errors = []
    for kind, item, right, match in matches:
        verdict = judge(match, right, gate)
        for group in ("all", detect_language(item["text"])):
            outcomes[group][(kind, verdict)] += 1
        if verdict == "wrong" or (kind == "answerable" and verdict == "honest"):
            errors.append({"text": item["text"], "kind": kind, "verdict": verdict,
                           "expected": sorted(right or []), "got": match.entry.id,
                           "score": round(match.score, 3), "runner_up": round(match.runner_up, 3),
                           "coverage": round(match.coverage, 3)})
    for kind, item, right, match in matches:
        if right:
            for group in ("all", detect_language(item["text"])):
                outcomes[group]["top1"] += match.entry.id in right
    figures = {}
    for group, counts in outcomes.items():
        n_answerable = sum(v for key, v in counts.items() if key[0] == "answerable")
        n_unanswerable = sum(v for key, v in counts.items() if key[0] == "unanswerable")
        total = n_answerable + n_unanswerable
        wrong = counts[("answerable", "wrong")] + counts[("unanswerable", "wrong")]
        figures[group] = {
            "answerable": n_answerable, "unanswerable": n_unanswerable,
            "top1": round(counts["top1"] / max(n_answerable, 1), 3),
            "right_on_answerable": round(counts[("answerable", "right")] / max(n_answerable, 1), 3),
            "wrong_of_all": round(wrong / max(total, 1), 3),
            "honest_on_unanswerable": round(counts[("unanswerable", "honest")] / max(n_unanswerable, 1), 3),
        }
    return {"figures": figures, "errors": errors}


def _without(kb: knowledge.Knowledge, examples: Dict[str, List[str]]) -> knowledge.Knowledge:
    """An index of the entries in `examples`, each with those examples only."""
    entries = [knowledge.Entry(**{**e.__dict__, "examples": tuple(examples[e.id])})
               for e in kb.entries if examples.get(e.id)]
    return knowledge.Knowledge(entries, kb.topics, kb.glossary, kb.no_answer)


def cross_validation(kb: knowledge.Knowledge, gates: List[Dict[str, float]],
                     seed: int = 2023) -> List[Dict[str, Any]]:
    """For each gate, over 5 folds: top-1 accuracy, right and wrong rates on the examples (each
    fold's examples matched against an index of the other folds), and the honest rate on the
    examples of entries left out of the index (each fold of the entries matched against an index
    of the others: a question the knowledge base has no entry for). Entries that say much the
    same in two files (pu_* and jht_*) make the honest rate a lower bound."""
    items = [(entry, example) for entry in kb.entries for example in entry.examples]
    random.Random(seed).shuffle(items)
    ids = [entry.id for entry in kb.entries]
    random.Random(seed).shuffle(ids)
    counts = [Counter() for _ in gates]
    for fold in range(FOLDS):
        train: Dict[str, List[str]] = defaultdict(list)
        for i, (entry, example) in enumerate(items):
            if i % FOLDS != fold:
                train[entry.id].append(example)
        index = _without(kb, train)
        for entry, example in items[fold::FOLDS]:
            match = index.match(example, **OPEN)
            for gate, count in zip(gates, counts):
                count["top1"] += match.entry.id == entry.id
                count[judge(match, {entry.id}, gate)] += 1
                count["n"] += 1
        left_out = set(ids[fold::FOLDS])
        index = _without(kb, {e.id: list(e.examples) for e in kb.entries if e.id not in left_out})
        for entry in kb.entries:
            if entry.id in left_out:
                for example in entry.examples:
                    match = index.match(example, **OPEN)
                    for gate, count in zip(gates, counts):
                        count["unknown_honest"] += not passes(match, gate)
                        count["unknown"] += 1
    return [{**gate, "top1": round(c["top1"] / c["n"], 3), "right": round(c["right"] / c["n"], 3),
             "wrong": round(c["wrong"] / c["n"], 3),
             "honest_on_unknown": round(c["unknown_honest"] / c["unknown"], 3)}
            for gate, c in zip(gates, counts)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="sweep the gate's thresholds")
    parser.add_argument("--holdout", type=Path, default=HOLDOUT)
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    args = parser.parse_args()
    kb = knowledge.load_knowledge(load_facts())
    gate = default_gate()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"{len(kb.entries)} entries, {sum(len(e.examples) for e in kb.entries)} examples")
    report: Dict[str, Any] = {"gate": gate}
    if args.holdout.exists():
        matches = holdout_matches(kb, load_holdout(args.holdout))
        result = holdout_figures(matches, gate)
        report["holdout"] = result["figures"]
        for group, figures in result["figures"].items():
            print(f"holdout [{group}]: {json.dumps(figures)}")
        (RESULTS / f"{args.holdout.stem}_errors.json").write_text(
            json.dumps(result["errors"], ensure_ascii=False, indent=1), encoding="utf-8")
        if args.sweep:
            for g in SWEEP:
                f = holdout_figures(matches, g)["figures"]["all"]
                print(f"  holdout sweep {json.dumps(g)}: right {f['right_on_answerable']} wrong "
                      f"{f['wrong_of_all']} honest {f['honest_on_unanswerable']}")
    if not args.no_cv:
        cv = cross_validation(kb, [gate] + (SWEEP if args.sweep else []))
        report["cross_validation"] = cv[0]
        for row in cv:
            print(f"cross-validation: {json.dumps(row)}")
    (RESULTS / f"{args.holdout.stem}_figures.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

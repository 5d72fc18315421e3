"""How well the knowledge base picks the entry that answers a message (actions/knowledge.py).

Two measures, printed and written to results/knowledge/:

- held-out messages (tests/knowledge_holdout.yml, written fresh by a helper who never saw the
  entries' examples): an answerable message names the official-FAQ rows that answer it, so the
  right entries are those whose `faq_rows` share a row; an unanswerable one must get no entry.
  Figures: right entry on answerable messages, a wrong entry given as the answer (share of all
  messages), an honest reply (no entry) on unanswerable ones — overall and per language;
- 5-fold cross-validation over the entries' own examples (each fold's examples matched against
  an index of the other folds), with a sweep of the gate's thresholds: the thresholds of
  actions/knowledge.py are chosen here, on the examples, never on the held-out messages.

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


def judge(match: knowledge.Match, right: Optional[set]) -> str:
    """'right', 'wrong' or 'honest' for one message (`right` None: the message is unanswerable)."""
    if not match.answered:
        return "honest"
    return "right" if right and match.entry.id in right else "wrong"


def holdout_figures(kb: knowledge.Knowledge, gate: Dict[str, float],
                    holdout: Tuple[list, list]) -> Dict[str, Any]:
    """The held-out figures (overall and per language) and the messages judged wrong."""
    answerable, unanswerable = holdout
    outcomes: Dict[str, Counter] = defaultdict(Counter)
    errors = []
    judged = []
    for kind, items in (("answerable", answerable), ("unanswerable", unanswerable)):
        for item in items:
            judged.append((kind, item))
    for kind, item in judged:
        right = expected_ids(kb.entries, item["rows"]) if kind == "answerable" else None
        match = kb.match(item["text"], **gate)
        verdict = judge(match, right)
        for group in ("all", detect_language(item["text"])):
            outcomes[group][(kind, verdict)] += 1
        if verdict == "wrong" or (kind == "answerable" and verdict == "honest"):
            errors.append({"text": item["text"], "kind": kind, "verdict": verdict,
                           "expected": sorted(right or []), "got": match.entry.id,
                           "score": round(match.score, 3), "runner_up": round(match.runner_up, 3)})
    figures = {}
    for group, counts in outcomes.items():
        n_answerable = sum(v for (k, _), v in counts.items() if k == "answerable")
        n_unanswerable = sum(v for (k, _), v in counts.items() if k == "unanswerable")
        total = n_answerable + n_unanswerable
        wrong = counts[("answerable", "wrong")] + counts[("unanswerable", "wrong")]
        figures[group] = {
            "answerable": n_answerable, "unanswerable": n_unanswerable,
            "right_on_answerable": round(counts[("answerable", "right")] / max(n_answerable, 1), 3),
            "wrong_of_all": round(wrong / max(total, 1), 3),
            "honest_on_unanswerable": round(counts[("unanswerable", "honest")] / max(n_unanswerable, 1), 3),
        }
    return {"figures": figures, "errors": errors}


def cross_validation(kb: knowledge.Knowledge, gates: List[Dict[str, float]],
                     seed: int = 2023) -> List[Dict[str, Any]]:
    """For each gate: top-1 accuracy, right and wrong rates over 5 folds of the examples."""
    items = [(entry, example) for entry in kb.entries for example in entry.examples]
    random.Random(seed).shuffle(items)
    counts = [Counter() for _ in gates]
    for fold in range(FOLDS):
        test = items[fold::FOLDS]
        train: Dict[str, List[str]] = defaultdict(list)
        for i, (entry, example) in enumerate(items):
            if i % FOLDS != fold:
                train[entry.id].append(example)
        entries = [knowledge.Entry(**{**e.__dict__, "examples": tuple(train[e.id])})
                   for e in kb.entries if train[e.id]]
        index = knowledge.Knowledge(entries, kb.topics)
        for entry, example in test:
            ranked = index.scores(example)[:2]
            for gate, count in zip(gates, counts):
                match = _gated(ranked, gate)
                count["top1"] += ranked[0][0].id == entry.id
                count[judge(match, {entry.id})] += 1
                count["n"] += 1
    return [{**gate, "top1": round(c["top1"] / c["n"], 3), "right": round(c["right"] / c["n"], 3),
             "wrong": round(c["wrong"] / c["n"], 3)} for gate, c in zip(gates, counts)]


def _gated(ranked, gate) -> knowledge.Match:
    (best, score), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    answered = score >= gate["answer_score"] and score - runner_up >= gate["answer_margin"]
    return knowledge.Match(best, score, runner_up, best.topic, answered)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="sweep the gate's thresholds")
    parser.add_argument("--holdout", type=Path, default=HOLDOUT)
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    args = parser.parse_args()
    kb = knowledge.load_knowledge(load_facts())
    gate = {"answer_score": knowledge.ANSWER_SCORE, "answer_margin": knowledge.ANSWER_MARGIN}
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"{len(kb.entries)} entries, {sum(len(e.examples) for e in kb.entries)} examples")
    report: Dict[str, Any] = {"gate": gate}
    if args.holdout.exists():
        holdout = load_holdout(args.holdout)
        result = holdout_figures(kb, gate, holdout)
        report["holdout"] = result["figures"]
        for group, figures in result["figures"].items():
            print(f"holdout [{group}]: {json.dumps(figures)}")
        (RESULTS / "holdout_errors.json").write_text(
            json.dumps(result["errors"], ensure_ascii=False, indent=1), encoding="utf-8")
        if args.sweep:
            for score in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
                for margin in (0.0, 0.02, 0.04, 0.06, 0.08):
                    g = {"answer_score": score, "answer_margin": margin}
                    f = holdout_figures(kb, g, holdout)["figures"]["all"]
                    print(f"  holdout sweep {g}: right {f['right_on_answerable']} wrong "
                          f"{f['wrong_of_all']} honest {f['honest_on_unanswerable']}")
    if not args.no_cv:
        gates = [gate] + ([{"answer_score": s, "answer_margin": m}
                           for s in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
                           for m in (0.0, 0.02, 0.04, 0.06, 0.08)] if args.sweep else [])
        cv = cross_validation(kb, gates)
        report["cross_validation"] = cv[0]
        for row in cv:
            print(f"cross-validation: {json.dumps(row)}")
    (RESULTS / "figures.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

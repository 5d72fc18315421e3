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

`--end-to-end URL` sends each held-out message, in a conversation of its own, to a running bot
(Rasa's REST webhook at URL) and judges the reply: the knowledge base is one of the ways the bot
answers (an intent's own answer, the one question found in a longer message, follow-ups), so this
is the figure a user meets. tests/test_live_faq.py holds floors for it.

`--sweep` prints both for a range of thresholds of the gate's confidence. `--fit-gate` fits the
gate's weights (knowledge.GATE_WEIGHTS, a logistic regression) on the development held-out sets
(GATE_SETS), prints them, and prints each of those sets' figures with the weights fitted on the
others; the later sets (fresh8 to fresh11) measure the gate.

Usage: .venv/bin/python scripts/evaluate_knowledge.py [--sweep] [--fit-gate] [--holdout FILE]
       [--end-to-end http://127.0.0.1:5005/webhooks/rest/webhook]
"""

import argparse
import dataclasses
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import knowledge, replies  # noqa: E402
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


# the thresholds of the answer's confidence --sweep tries (on the held-out messages and in
# cross-validation)
SWEEP = [0.6, 0.65, 0.7, 0.75, 0.78, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9]
OPEN = 0.0  # every best entry that no rule rules out (Knowledge.match)
# the development held-out sets the gate's weights are fitted on (--fit-gate); the later sets
# (tests/knowledge_holdout_fresh8.yml to fresh11) measure it
GATE_SETS = ["knowledge_holdout", "knowledge_holdout_fresh", "knowledge_holdout_fresh2",
             "knowledge_holdout_fresh3", "knowledge_holdout_fresh4", "knowledge_holdout_fresh5",
             "knowledge_holdout_fresh6", "knowledge_holdout_fresh7"]


def passes(match: knowledge.Match, gate: float) -> bool:
    """Whether the match's entry stands as the answer at the confidence threshold `gate` (as
    Knowledge.match does). The match was made with the OPEN gate: `answered` then holds the rules
    that no threshold sets (a no-answer question closest, a year after the entry's facts, a vague
    message)."""
    return match.answered and match.confidence >= gate


def judge(match: knowledge.Match, right: Optional[set], gate: float) -> str:
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
             kb.match(item["text"], answer_confidence=OPEN)) for kind, item in judged]


def holdout_figures(matches: List[tuple], gate: float) -> Dict[str, Any]:
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
                           "coverage": round(match.coverage, 3),
                           "confidence": round(match.confidence, 3)})
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


def cross_validation(kb: knowledge.Knowledge, gates: List[float],
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
            match = index.match(example, answer_confidence=OPEN)
            for gate, count in zip(gates, counts):
                count["top1"] += match.entry.id == entry.id
                count[judge(match, {entry.id}, gate)] += 1
                count["n"] += 1
        left_out = set(ids[fold::FOLDS])
        index = _without(kb, {e.id: list(e.examples) for e in kb.entries if e.id not in left_out})
        for entry in kb.entries:
            if entry.id in left_out:
                for example in entry.examples:
                    match = index.match(example, answer_confidence=OPEN)
                    for gate, count in zip(gates, counts):
                        count["unknown_honest"] += not passes(match, gate)
                        count["unknown"] += 1
    return [{"answer_confidence": gate, "top1": round(c["top1"] / c["n"], 3), "right": round(c["right"] / c["n"], 3),
             "wrong": round(c["wrong"] / c["n"], 3),
             "honest_on_unknown": round(c["unknown_honest"] / c["unknown"], 3)}
            for gate, c in zip(gates, counts)]


def gate_rows(matches_by_set: Dict[str, List[tuple]]) -> List[Tuple[str, List[float], bool]]:
    """(set name, the gate's measures, whether the best entry answers it) of every message of
    `matches_by_set` ({set name: `holdout_matches`})."""
    return [(name, [match.measures[m] for m in knowledge.GATE_MEASURES],
             bool(right and match.entry.id in right))
            for name, matches in matches_by_set.items() for _, _, right, match in matches]


def fit_gate(rows: List[Tuple[str, List[float], bool]]) -> Dict[str, float]:
    """GATE_WEIGHTS fitted on `rows` (`gate_rows`): a logistic regression (scikit-learn, L2, C=1)
    on standardised measures, its weights given back for the raw measures."""
    import numpy
    from sklearn.linear_model import LogisticRegression

    x = numpy.array([measures for _, measures, _ in rows], dtype=float)
    y = numpy.array([answers for _, _, answers in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000).fit((x - mean) / scale, y)
    coef = model.coef_[0] / scale
    weights = {"intercept": float(model.intercept_[0] - coef @ mean)}
    weights.update({name: float(c) for name, c in zip(knowledge.GATE_MEASURES, coef)})
    return {name: round(value, 4) for name, value in weights.items()}


def report_gate(kb: knowledge.Knowledge) -> None:
    """Fits the gate on GATE_SETS and prints its weights, then each set's figures with weights
    fitted on the other sets (left out in turn), at ANSWER_CONFIDENCE."""
    matches_by_set = {name: holdout_matches(kb, load_holdout(PROJECT_ROOT / "tests" / f"{name}.yml"))
                      for name in GATE_SETS}
    rows = gate_rows(matches_by_set)
    print("GATE_WEIGHTS =", json.dumps(fit_gate(rows)))
    for name, matches in matches_by_set.items():
        weights = fit_gate([row for row in rows if row[0] != name])
        refitted = [(kind, item, right, dataclasses.replace(
            match, confidence=knowledge.answer_confidence_of(match.measures, weights)))
                    for kind, item, right, match in matches]
        figures = holdout_figures(refitted, knowledge.ANSWER_CONFIDENCE)["figures"]["all"]
        print(f"left out {name}: {json.dumps(figures)}")


# What the bot's reply is, end to end (`judge_reply`): the entry that answers (right), another
# entry's answer (wrong), the honest reply on a topic, "I did not understand", or an answer of
# the bot's own that is no entry's (an intent's answer: offices, the BSU by year, the fee...).
REPLY_KINDS = ("right", "wrong", "honest", "not_understood", "intent")


def _opening(text: str) -> str:
    """A reply's first 50 characters, lower case, punctuation and spacing made plain."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:50]


def answer_openings(kb: knowledge.Knowledge, facts: Dict[str, Any]) -> Dict[str, set]:
    """{opening of an entry's answer in either language: the ids of the entries it opens}."""
    openings: Dict[str, set] = defaultdict(set)
    for entry in kb.entries:
        for lang in knowledge.LANGUAGES:
            openings[_opening(knowledge.render_answer(entry, lang, facts))].add(entry.id)
    return openings


def template_openings(name: str) -> List[str]:
    """The fixed text a reply template starts with (up to its first placeholder), per language."""
    return [_opening(text.split("{")[0]) for text in replies.templates()[name].values()]


def without_answer_again(text: str) -> str:
    """A reply without the line that says the last answer is given again
    (`knowledge_answer_again`), so that the answer after it is judged as any other."""
    first, _, rest = text.partition("\n")
    again = {line.strip() for line in replies.templates()["knowledge_answer_again"].values()}
    return rest if first.strip() in again else text


def judge_reply(texts: List[str], right: Optional[set], openings: Dict[str, set],
                honest: List[str], not_understood: List[str]) -> str:
    """One of REPLY_KINDS for the bot's reply `texts` (its messages) to a held-out message
    (`right`: the ids of the entries that answer it; None: unanswerable); `honest` and
    `not_understood`: the `template_openings` of those replies."""
    said = [_opening(without_answer_again(text)) for text in texts]
    if any(o and t.startswith(o) for t in said for o in honest):
        return "honest"
    if any(o and t.startswith(o) for t in said for o in not_understood):
        return "not_understood"
    given = {entry for t in said for entry in openings.get(t, ())}
    if given:
        return "right" if right and given & right else "wrong"
    return "intent"


def end_to_end(kb: knowledge.Knowledge, facts: Dict[str, Any], holdout: Tuple[list, list],
               ask) -> Dict[str, Dict[str, Any]]:
    """{'all'|'id'|'en': figures} of the bot's replies to the held-out messages; `ask`: message
    -> the texts of the bot's reply (a new conversation each). Figures: the share of each of
    REPLY_KINDS among answerable and among unanswerable messages, and a wrong entry given as the
    answer as a share of all messages."""
    from concurrent.futures import ThreadPoolExecutor

    openings = answer_openings(kb, facts)
    honest, not_understood = (template_openings("knowledge_no_exact_answer"),
                              template_openings("fallback"))
    answerable, unanswerable = holdout
    items = [(item["text"], expected_ids(kb.entries, item["rows"])) for item in answerable] \
        + [(item["text"], None) for item in unanswerable]
    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lambda item: judge_reply(ask(item[0]), item[1], openings, honest,
                                                          not_understood), items))
    counts: Dict[str, Dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (text, right), verdict in zip(items, verdicts):
        for group in ("all", detect_language(text)):
            counts[group]["answerable" if right is not None else "unanswerable"][verdict] += 1
    figures = {}
    for group, by_kind in counts.items():
        row: Dict[str, Any] = {}
        for kind in ("answerable", "unanswerable"):
            total = sum(by_kind[kind].values())
            row[kind] = total
            for verdict in REPLY_KINDS:
                row[f"{verdict}_on_{kind}"] = round(by_kind[kind][verdict] / total, 3) if total else None
        row["wrong_of_all"] = round((by_kind["answerable"]["wrong"] + by_kind["unanswerable"]["wrong"])
                                    / (row["answerable"] + row["unanswerable"]), 3)
        figures[group] = row
    return figures


def rest_asker(url: str):
    """message -> the texts of a running bot's reply through Rasa's REST webhook at `url`, each
    message from a new sender."""
    import uuid

    import requests

    def ask(message: str) -> List[str]:
        response = requests.post(url, json={"sender": f"evaluate-{uuid.uuid4().hex}",
                                            "message": message}, timeout=60)
        response.raise_for_status()
        return [m.get("text") or "" for m in response.json()]
    return ask


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="sweep the confidence threshold")
    parser.add_argument("--fit-gate", action="store_true",
                        help="fit GATE_WEIGHTS on the development held-out sets and print them")
    parser.add_argument("--holdout", type=Path, default=HOLDOUT)
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--end-to-end", metavar="URL",
                        help="judge a running bot's replies (Rasa's REST webhook URL) instead")
    args = parser.parse_args()
    facts = load_facts()
    kb = knowledge.load_knowledge(facts)
    if args.fit_gate:
        report_gate(kb)
        return 0
    if args.end_to_end:
        figures = end_to_end(kb, facts, load_holdout(args.holdout), rest_asker(args.end_to_end))
        for group, row in figures.items():
            print(f"end to end, {args.holdout.stem} [{group}]: {json.dumps(row)}")
        return 0
    gate = knowledge.ANSWER_CONFIDENCE
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"{len(kb.entries)} entries, {sum(len(e.examples) for e in kb.entries)} examples")
    report: Dict[str, Any] = {"answer_confidence": gate}
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
                print(f"  holdout sweep {g}: right {f['right_on_answerable']} wrong "
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

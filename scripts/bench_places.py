"""The place finder measured (issue 10): how often it finds a place where there is none, how often
it finds the right one, and how fast.

- false-place rate: the share of the place-free corpus (tests/place_corpus.py: NLU examples and
  holdout messages without a place annotation, and tests/data/everyday_sentences.txt) for which
  `places.resolve(text)` (expecting_place=False, as for a message in the middle of a conversation)
  says "found" or "ambiguous"; the offenders are listed; the same with expecting_place=True (as
  for an office request or a reply to the bot's place question), for information;
- recall: the share of the place tests' cases (tests/test_places.py: every district, the sampled
  villages, regencies, seat towns and abbreviations, typos, typos of every regency, seat and
  district in sentences, villages named like everyday words with and without a qualifier, postal
  codes, places outside Kalbar) that pass, each test function run on its inputs, in all and by
  kind;
- the median and p95 time of `places.resolve` over messages naming places (every district and
  regency name, a fixed sample of villages, typos, typos of towns in sentences and postal codes)
  and over the corpus, after the
  index is built once (its build time is printed too).

Usage: python scripts/bench_places.py [--offenders N]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Tuple

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from actions import places  # noqa: E402
from actions.gazetteer import load_gazetteer, short_regency_name  # noqa: E402
from place_corpus import Message, place_free_messages  # noqa: E402


def place_messages() -> List[str]:
    """Realistic messages naming places: exact, with qualifiers, with typos, typos of towns in
    sentences (tests/test_places.py), postal codes."""
    import test_places

    g = load_gazetteer()
    rng = random.Random(2023)
    villages = rng.sample(sorted(g.villages.values(), key=lambda p: p.code), 300)
    names = [short_regency_name(r).lower() for r in g.regencies.values()]
    names += [d.name.lower() for d in g.districts.values()]
    texts = [f"kantor bpjs terdekat dari {n}" for n in names]
    texts += [f"sy di desa {v.name.lower()}" for v in villages]
    texts += [f"kntr bpjs dkt {n[:2] + n[3:]}" for n in names if len(n) >= 6]  # one letter missing
    texts += [f"kode pos {v.postal_code}" for v in villages[:50]]
    texts += [p.values[0] for p in test_places.TOWN_TYPO_CASES]
    return texts


def false_places(messages: Iterable[Message], expecting_place: bool = False
                 ) -> List[Tuple[Message, places.Resolution]]:
    """The corpus messages in which the place finder finds a Kalbar place."""
    found = []
    for message in messages:
        result = places.resolve(message.text, expecting_place=expecting_place)
        if result.status in ("found", "ambiguous"):
            found.append((message, result))
    return found


def describe(message: Message, result: places.Resolution) -> str:
    names = ", ".join(p.name for p in result.places[:3])
    how = "typo" if result.fuzzy else "exact"
    return f"{message.text!r} -> {result.matched!r} = {names} ({how}; {message.source})"


def place_test_cases() -> List[Tuple[str, Callable, tuple]]:
    """(group, test function, arguments) for every parametrised case of tests/test_places.py."""
    import test_places as t

    def values(params) -> List[tuple]:
        return [tuple(p.values) if hasattr(p, "values") else tuple(p) for p in params]

    return ([("districts", t.test_district_resolves_in_its_regency, a) for a in values(t.DISTRICT_CASES)]
            + [("villages", t.test_village_resolves_and_names_nearest_office, (v,)) for v in t.VILLAGES]
            + [("regencies, seats, abbreviations", t.test_regency_seat_and_abbreviation, a)
               for a in t.REGENCY_CASES]
            + [("typos", t.test_typo_resolves_to_the_right_place, a) for a in t.TYPOS]
            + [("typos", t.test_typo_in_a_multi_word_name, a) for a in [
                ("kapuas huluu", "Kabupaten Kapuas Hulu"), ("nanga pinho", "Nanga Pinoh"),
                ("kec sungai pinyu", "Sungai Pinyuh"), ("kecamatan sui kakapp", "Sungai Kakap")]]
            + [("typos of towns in sentences", t.test_town_typo_in_a_sentence, a)
               for a in values(t.TOWN_TYPO_CASES)]
            + [("words near towns, no place said",
                t.test_a_word_near_a_town_is_no_town_where_no_place_is_said, (text,))
               for text in t.WORDS_NEAR_TOWNS]
            + [("everyday-word villages, qualified",
                t.test_everyday_word_village_with_a_qualifier_is_the_village, (s.format(n), n))
               for n in t.EVERYDAY_VILLAGES for s in t.QUALIFIED_SHAPES]
            + [("everyday-word villages, not qualified",
                t.test_everyday_word_village_without_a_qualifier_is_no_place, (s.format(n),))
               for n in t.EVERYDAY_VILLAGES for s in t.UNQUALIFIED_SHAPES]
            + [("postal codes", t.test_postal_code_of_one_district, (c,)) for c in t.SINGLE_POSTAL]
            + [("postal codes", t.test_postal_code_of_several_districts_is_ambiguous, (c,))
               for c in t.SHARED_POSTAL]
            + [("outside Kalbar", t.test_outside_kalbar, a) for a in [
                ("jakarta", "Jakarta"), ("kuching", "Kuching"), ("saya di surabaya", "Surabaya")]])


def recall() -> Tuple[int, int, List[str], Dict[str, Tuple[int, int]]]:
    """(passed, cases, failures, {group: (passed, cases)}) over the place tests' cases."""
    passed, failures = 0, []
    by_group: Dict[str, Tuple[int, int]] = {}
    cases = place_test_cases()
    for group, test, args in cases:
        ok = 0
        try:
            test(*args)
            ok = 1
        except AssertionError:
            failures.append(f"{group}: {test.__name__}{args if len(str(args)) < 80 else args[:1]}")
        passed += ok
        done, total = by_group.get(group, (0, 0))
        by_group[group] = (done + ok, total + 1)
    return passed, len(cases), failures, by_group


def timings(texts: List[str]) -> List[float]:
    result = []
    for text in texts:
        start = time.perf_counter()
        places.resolve(text)
        result.append((time.perf_counter() - start) * 1000)
    return sorted(result)


def summary(label: str, ms: List[float]) -> str:
    return (f"{label}: {len(ms)} messages, median {statistics.median(ms):.3f} ms, "
            f"p95 {ms[int(0.95 * len(ms)) - 1]:.3f} ms, max {ms[-1]:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offenders", type=int, default=30, help="false places to list (default 30)")
    args = parser.parse_args()

    started = time.perf_counter()
    places.place_index()
    build_ms = (time.perf_counter() - started) * 1000
    corpus = place_free_messages()
    place_ms = timings(place_messages())
    corpus_ms = timings([m.text for m in corpus])

    wrong = false_places(corpus)
    print(f"false-place rate: {len(wrong)}/{len(corpus)} place-free messages = "
          f"{100 * len(wrong) / len(corpus):.2f} % (resolve(..., expecting_place=False) found a place)")
    for message, result in wrong[:args.offenders]:
        print(f"  {describe(message, result)}")
    expected = false_places(corpus, expecting_place=True)
    print(f"where a place is expected (an office request, a reply to the place question): "
          f"{len(expected)}/{len(corpus)} = {100 * len(expected) / len(corpus):.2f} %, of them "
          f"{sum(r.fuzzy for _, r in expected)} typo matches (a village named like a word counts there)")
    passed, total, failures, by_group = recall()
    print(f"recall: {passed}/{total} cases of tests/test_places.py = {100 * passed / total:.2f} %")
    for group, (done, cases) in by_group.items():
        print(f"  {group}: {done}/{cases}")
    for failure in failures[:args.offenders]:
        print(f"  failed: {failure}")
    print(f"index built once in {build_ms:.0f} ms ({len(places.place_index().by_name)} names)")
    print("resolve time, " + summary("messages naming places", place_ms))
    print("resolve time, " + summary("place-free corpus", corpus_ms))


if __name__ == "__main__":
    main()

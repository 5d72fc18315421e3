"""How fast the place finder resolves a message: the median and p95 time of `places.resolve` over
every district and regency name, a fixed sample of villages, typos and postal codes, after the
index is built once (its build time is printed too).

Usage: python scripts/bench_places.py
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions import places  # noqa: E402
from actions.gazetteer import load_gazetteer, short_regency_name  # noqa: E402


def messages() -> list:
    """Realistic messages naming places: exact, with qualifiers, with typos, postal codes."""
    g = load_gazetteer()
    rng = random.Random(2023)
    villages = rng.sample(sorted(g.villages.values(), key=lambda p: p.code), 300)
    names = [short_regency_name(r).lower() for r in g.regencies.values()]
    names += [d.name.lower() for d in g.districts.values()]
    texts = [f"kantor bpjs terdekat dari {n}" for n in names]
    texts += [f"sy di desa {v.name.lower()}" for v in villages]
    texts += [f"kntr bpjs dkt {n[:2] + n[3:]}" for n in names if len(n) >= 6]  # one letter missing
    texts += [f"kode pos {v.postal_code}" for v in villages[:50]]
    return texts


def main() -> None:
    started = time.perf_counter()
    places.place_index()
    build_ms = (time.perf_counter() - started) * 1000
    texts = messages()
    timings = []
    for text in texts:
        start = time.perf_counter()
        places.resolve(text)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(f"index built once in {build_ms:.0f} ms ({len(places.place_index().by_name)} names)")
    print(f"resolve: {len(texts)} messages, median {statistics.median(timings):.3f} ms, "
          f"p95 {timings[int(0.95 * len(timings)) - 1]:.3f} ms, max {timings[-1]:.3f} ms")


if __name__ == "__main__":
    main()

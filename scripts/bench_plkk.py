"""The PLKK directory measured (issue 12): the nearest three among 1,000 facilities.

Builds a synthetic list of 1,000 facilities spread over Kalbar (each at a random village of the
gazetteer, a fifth of them without coordinates so they stand at their district's centre; fixed
seed), builds the index once as a facts load does (actions/directory.py), then times
`Directory.nearest(lat, lon, 3)` for 2,000 random points in Kalbar. Prints the build time and the
median and p95 time of one query, and checks every answer against a full sort by great-circle
distance. The target: median <= 2 ms. Nothing here is asserted by the tests.

Usage: python scripts/bench_plkk.py [--facilities N] [--queries N]
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from actions.directory import Directory  # noqa: E402
from actions.gazetteer import distance_km, load_gazetteer  # noqa: E402

TARGET_MS = 2.0


def synthetic_list(count: int, rng: random.Random) -> list:
    """`count` facility items at random villages of Kalbar (fictional names)."""
    villages = list(load_gazetteer().villages.values())
    items = []
    for n in range(count):
        village = rng.choice(villages)
        item = {"name": f"Faskes Contoh {n}", "type": "contoh", "regency_code": village.regency_code,
                "district_code": village.district_code}
        if n % 5:
            item.update(lat=village.lat + rng.uniform(-0.01, 0.01),
                        lon=village.lon + rng.uniform(-0.01, 0.01))
        items.append(item)
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facilities", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(12)
    items = synthetic_list(args.facilities, rng)
    load_gazetteer()
    start = time.perf_counter()
    directory = Directory(items)
    build_ms = (time.perf_counter() - start) * 1000
    villages = list(load_gazetteer().villages.values())
    points = [(v.lat + rng.uniform(-0.05, 0.05), v.lon + rng.uniform(-0.05, 0.05))
              for v in (rng.choice(villages) for _ in range(args.queries))]
    times, wrong = [], 0
    for lat, lon in points:
        start = time.perf_counter()
        found = directory.nearest(lat, lon, 3)
        times.append((time.perf_counter() - start) * 1000)
        exact = sorted(distance_km(lat, lon, f.lat, f.lon) for f in directory.facilities)[:3]
        wrong += [round(km, 6) for km, _ in found] != [round(km, 6) for km in exact]
    times.sort()
    median, p95 = statistics.median(times), times[int(len(times) * 0.95)]
    print(f"facilities: {len(directory)}, queries: {len(points)}")
    print(f"index build: {build_ms:.1f} ms (once per facts load)")
    print(f"nearest 3: median {median:.3f} ms, p95 {p95:.3f} ms (target: median <= {TARGET_MS} ms)")
    print(f"answers differing from a full sort: {wrong}")
    return 0 if median <= TARGET_MS and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())

"""Latency and throughput benchmark of the assistant, compared with a plain `rasa init` bot.

Starts the action server and Rasa on loopback, drives the REST channel with a closed-loop load
generator (asyncio; every run is bounded in requests and seconds) and prints p50/p95/p99 latency,
throughput with 1, 8 and 16 concurrent senders, the latency of turn 300 of one long conversation
against turn 10, the freeze probe (another sender's latency while one sends messages of 10 k,
100 k and 1 M characters), server memory and training time. Then it does the same for the `rasa init` bot
and prints our figures as ratios to it. Everything goes to results/bench.json.

Usage: python scripts/bench.py [--quick] [--no-baseline] [--no-training] [--plain-runtime]

--plain-runtime runs this bot with Rasa's defaults (in-memory tracker store, no rasa_runtime
fixes), to measure what rasa_runtime changes.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import aiohttp

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "tests"))

from servers import MODEL, RASA, Server, action_server, rasa_server  # noqa: E402

RESULTS = PROJECT / "results"
WORK = PROJECT / "var" / "bench"
RASA_PORT, ACTIONS_PORT, BASELINE_PORT = 19005, 19055, 19006

CONVERSATION = [
    "halo min", "kantor bpjs terdekat dari anjongan", "kalau di ketapang?", "apa itu plkk",
    "di kalbar ada berapa?", "bisa bayar iuran lewat jmo?", "brp total bsu di kalbar",
    "syaratnya apa aja", "cakupan jamsostek kalbar brp persen",
    # answered from the knowledge base of the official FAQ (issue 17), in both languages
    "iuran jkk berapa persen", "jht bisa diambil sebagian ga",
    "what documents do i need to claim jht?", "makasih min",
]
BASELINE_CONVERSATION = [
    "hello", "I am sad", "yes", "hi", "I am feeling great", "no", "are you a bot?",
    "good morning", "very good", "bye",
]


def percentile(values: List[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(latencies: List[float], seconds: float) -> Dict[str, float]:
    """p50/p95/p99 in ms and messages per second."""
    return {"requests": len(latencies), "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "throughput_msg_s": round(len(latencies) / seconds, 1)}


async def closed_loop(port: int, messages: List[str], senders: int, max_requests: int,
                      max_seconds: float, tag: str) -> Dict[str, float]:
    """`senders` users, each sending a conversation after the other, waiting for every reply."""
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    latencies: List[float] = []
    deadline = time.monotonic() + max_seconds

    async def user(number: int, session: aiohttp.ClientSession) -> None:
        conversation = 0
        while len(latencies) < max_requests and time.monotonic() < deadline:
            sender = f"bench-{tag}-{number}-{conversation}"
            for text in messages:
                if len(latencies) >= max_requests or time.monotonic() >= deadline:
                    return
                start = time.perf_counter()
                async with session.post(url, json={"sender": sender, "message": text}) as response:
                    await response.read()
                    response.raise_for_status()
                latencies.append(time.perf_counter() - start)
            conversation += 1

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(user(n, session) for n in range(senders)))
        elapsed = time.perf_counter() - started
    return summary(latencies, elapsed)


async def long_conversation(port: int, messages: List[str], turns: int) -> Dict[str, float]:
    """One conversation of `turns` turns: latency around turn 10 and around the last turn."""
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    sender = f"bench-long-{time.time_ns()}"
    latencies = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for turn in range(turns):
            start = time.perf_counter()
            async with session.post(url, json={"sender": sender,
                                               "message": messages[turn % len(messages)]}) as r:
                await r.read()
            latencies.append(time.perf_counter() - start)
    early = statistics.median(latencies[5:15])
    late = statistics.median(latencies[-10:])
    return {"turns": turns, "turn_10_ms": round(early * 1000, 1),
            f"turn_{turns}_ms": round(late * 1000, 1), "ratio_last_to_10": round(late / early, 2)}


LONG_MESSAGE_CHARS = (10_000, 100_000, 1_000_000)


async def freeze_probe(port: int, messages: List[str], rounds: int) -> Dict[str, float]:
    """A bystander chats (one message after the other) while another sender sends messages of
    LONG_MESSAGE_CHARS characters, `rounds` times each: the bystander's p50/p99 then, against its
    p50/p99 alone before. One long message must not hold the other users (issue 19 item 1)."""
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=120)

    async def bystander(session: aiohttp.ClientSession, until: asyncio.Event,
                        latencies: List[float], most: int) -> None:
        sender = f"bench-bystander-{time.time_ns()}"
        while not until.is_set() and len(latencies) < most:
            start = time.perf_counter()
            text = messages[len(latencies) % len(messages)]
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                await response.read()
            latencies.append(time.perf_counter() - start)

    async def flood(session: aiohttp.ClientSession, done: asyncio.Event) -> None:
        for _ in range(rounds):
            for length in LONG_MESSAGE_CHARS:
                body = {"sender": f"bench-flood-{time.time_ns()}", "message": "7" * length}
                async with session.post(url, json=body) as response:
                    await response.read()
        done.set()

    async with aiohttp.ClientSession(timeout=timeout) as session:
        alone: List[float] = []
        await bystander(session, asyncio.Event(), alone, 50)
        during: List[float] = []
        done = asyncio.Event()
        await asyncio.gather(flood(session, done), bystander(session, done, during, 100_000))
    return {"alone_p50_ms": round(statistics.median(alone) * 1000, 1),
            "alone_p99_ms": round(percentile(alone, 0.99) * 1000, 1),
            "during_p50_ms": round(statistics.median(during) * 1000, 1),
            "during_p99_ms": round(percentile(during, 0.99) * 1000, 1),
            "during_requests": len(during), "long_messages": rounds * len(LONG_MESSAGE_CHARS)}


def rss_mb(server: Server) -> float:
    """Resident memory of a server process and its children, in MB."""
    pids = [server.process.pid]
    children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True)
    pids += [int(p) for p in children.stdout.split()]
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
    return round(total / 1024, 1)


def timed(command: List[str], cwd: Path) -> float:
    """Runs a command to completion; returns its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return round(time.perf_counter() - start, 1)


def load_figures(port: int, messages: List[str], quick: bool, tag: str) -> Dict[str, Dict]:
    """Warm-up, then 1/8/16 senders and one long conversation."""
    run = asyncio.run
    seconds = 10 if quick else 25
    run(closed_loop(port, messages, 1, 20, 30, f"{tag}-warm"))
    figures = {f"senders_{n}": run(closed_loop(port, messages, n, 300 if n == 1 else 100_000,
                                               seconds, f"{tag}-{n}"))
               for n in (1, 8, 16)}
    figures["long_conversation"] = run(long_conversation(port, messages, 100 if quick else 300))
    return figures


def plain_endpoints() -> str:
    """An endpoints file with only the action server: Rasa's default stores, no rasa_runtime."""
    path = WORK / "endpoints-plain.yml"
    path.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{ACTIONS_PORT}/webhook"\n')
    return str(path)


def bench_ours(quick: bool, train: bool, plain: bool = False) -> Dict:
    """Figures of this project's bot."""
    figures: Dict = {"runtime": "rasa defaults" if plain else "rasa_runtime"}
    if train:
        out = WORK / "models"
        shutil.rmtree(out, ignore_errors=True)
        figures["training_s"] = timed([RASA, "train", "--force", "--out", str(out)], PROJECT)
    endpoints = plain_endpoints() if plain else None
    with action_server(port=ACTIONS_PORT) as actions, \
            rasa_server(RASA_PORT, ACTIONS_PORT, endpoints=endpoints) as rasa:
        figures.update(load_figures(RASA_PORT, CONVERSATION, quick, "ours"))
        figures["freeze_probe"] = asyncio.run(freeze_probe(RASA_PORT, CONVERSATION, 1 if quick else 3))
        figures["rss_mb"] = {"rasa": rss_mb(rasa), "actions": rss_mb(actions)}
    return figures


def bench_baseline(quick: bool) -> Dict:
    """Figures of a plain `rasa init` bot, trained here."""
    project = WORK / "rasa-init"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    figures: Dict = {"training_s": timed([RASA, "init", "--no-prompt", "--init-dir", str(project)],
                                         PROJECT)}
    model = next((project / "models").glob("*.tar.gz"))
    server = Server("rasa-init", ["run", "--model", str(model), "-i", "127.0.0.1", "--port",
                                  str(BASELINE_PORT)], f"http://127.0.0.1:{BASELINE_PORT}/webhooks/rest/")
    with server:
        figures.update(load_figures(BASELINE_PORT, BASELINE_CONVERSATION, quick, "init"))
        figures["rss_mb"] = {"rasa": rss_mb(server)}
    return figures


def ratios(ours: Dict, base: Dict) -> Dict[str, float]:
    """Our figures divided by the baseline's (latency: lower is better; throughput: higher)."""
    result = {}
    for key in ("senders_1", "senders_8", "senders_16"):
        result[f"{key}_p50"] = round(ours[key]["p50_ms"] / base[key]["p50_ms"], 2)
        result[f"{key}_throughput"] = round(ours[key]["throughput_msg_s"] / base[key]["throughput_msg_s"], 2)
    if "training_s" in ours:
        result["training"] = round(ours["training_s"] / base["training_s"], 2)
    return result


def report(name: str, figures: Dict) -> None:
    print(f"\n== {name}")
    for key in ("senders_1", "senders_8", "senders_16"):
        f = figures[key]
        print(f"{key:>11}: p50 {f['p50_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  "
              f"p99 {f['p99_ms']:7.1f} ms  {f['throughput_msg_s']:6.1f} msg/s  ({f['requests']} requests)")
    long = figures["long_conversation"]
    print(f"long conversation: {long}")
    if "freeze_probe" in figures:
        print(f"freeze probe (another sender while one sends 10k-1M characters): "
              f"{figures['freeze_probe']}")
    print(f"server RSS (MB): {figures['rss_mb']}")
    if "training_s" in figures:
        print(f"training: {figures['training_s']} s")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (for a smoke test)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rasa init bot")
    parser.add_argument("--no-training", action="store_true", help="do not time training")
    parser.add_argument("--plain-runtime", action="store_true",
                        help="Rasa's default stores, without rasa_runtime (for before/after)")
    args = parser.parse_args(argv)
    assert MODEL.exists(), "no trained model: run `make train`"
    WORK.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"cores": os.cpu_count()},
               "ours": bench_ours(args.quick, not args.no_training, args.plain_runtime)}
    report("this bot", results["ours"])
    if not args.no_baseline:
        results["rasa_init"] = bench_baseline(args.quick)
        report("rasa init bot", results["rasa_init"])
        results["ratios_to_rasa_init"] = ratios(results["ours"], results["rasa_init"])
        print(f"\nratios (ours / rasa init): {results['ratios_to_rasa_init']}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("bench-plain-runtime.json" if args.plain_runtime else "bench.json")
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()

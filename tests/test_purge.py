"""`make purge DAYS=N` (scripts/purge.py): deletes whole conversations whose last event is older
than N days from the tracker store, on SQLite (the default) and on PostgreSQL (tests/infra.py)."""

import asyncio
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from infra import Postgres, running
from rasa_runtime.tracker_store import BoundedSQLTrackerStore
from servers import PROJECT

DOMAIN = Domain.load(str(PROJECT / "domain.yml"))
DAY = 86400
# conversation -> ages in days of its events; "mixed" is old but has one recent message
CONVERSATIONS = {"old": [45, 44, 44], "recent": [2, 1, 1], "mixed": [60, 59, 3], "today": [0, 0]}
OLD_EVENTS = 2 + 2 * 3  # "old": session start + listen, then 3 turns of user, bot


def events_at(ages):
    """A session start, then a user message and a bot answer at each age (days ago)."""
    now = time.time()
    events = [ActionExecuted("action_session_start", timestamp=now - ages[0] * DAY - 2),
              SessionStarted(timestamp=now - ages[0] * DAY - 1)]
    for number, age in enumerate(ages):
        events += [UserUttered(f"pesan {number}", timestamp=now - age * DAY),
                   BotUttered(f"jawaban {number}", timestamp=now - age * DAY + 0.5)]
    return events


def fill(store):
    """Saves the CONVERSATIONS; returns their event counts."""
    counts = {}
    for sender, ages in CONVERSATIONS.items():
        tracker = DialogueStateTracker.from_events(sender, events_at(ages), DOMAIN.slots)
        asyncio.run(store.save(tracker))
        counts[sender] = len(tracker.events)
    return counts


def stored_counts(url: str) -> dict:
    """Events per conversation in the database."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text(
                "SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).fetchall()
    finally:
        engine.dispose()
    return dict(rows)


def run_purge(env: dict, *args: str) -> subprocess.CompletedProcess:
    """scripts/purge.py with the given tracker store environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_DB")}
    environment.update(env, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "scripts/purge.py", *args], cwd=PROJECT,
                          env=environment, capture_output=True, text=True, timeout=120)


def check_purge(url: str, env: dict, counts: dict) -> None:
    """A dry run deletes nothing; the purge deletes "old" entirely and keeps the rest whole."""
    dry = run_purge(env, "--days", "30", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Would delete 1 conversation(s), {counts['old']} event(s)" in dry.stdout
    assert stored_counts(url) == counts

    result = run_purge(env, "--days", "30")
    assert result.returncode == 0, result.stderr
    assert f"Deleted 1 conversation(s), {counts['old']} event(s)" in result.stdout
    assert stored_counts(url) == {k: v for k, v in counts.items() if k != "old"}

    again = run_purge(env, "--days", "30")
    assert "Deleted 0 conversation(s), 0 event(s)" in again.stdout
    assert "mixed" in stored_counts(url)  # its last message is 3 days old
    run_purge(env, "--days", "2")
    assert set(stored_counts(url)) == {"recent", "today"}


def test_purge_sqlite(tmp_path, monkeypatch):
    database = tmp_path / "tracker.db"
    env = {"TRACKER_DB": str(database)}
    assert "nothing to delete" in run_purge(env, "--days", "30").stdout  # no file yet
    assert not database.exists()
    monkeypatch.delenv("TRACKER_DB_DIALECT", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(database))
    store = BoundedSQLTrackerStore(domain=DOMAIN)
    counts = fill(store)
    store.engine.dispose()
    assert counts["old"] == OLD_EVENTS
    check_purge(f"sqlite:///{database}", env, counts)


def test_purge_postgresql(monkeypatch):
    with running(Postgres()) as postgres:
        for name, value in postgres.env().items():
            monkeypatch.setenv(name, value)
        store = BoundedSQLTrackerStore(domain=DOMAIN)
        counts = fill(store)
        store.engine.dispose()
        check_purge(postgres.url, postgres.env(), counts)


@pytest.mark.parametrize("args", [[], ["--days"], ["--days", "0"], ["--days", "-3"],
                                  ["--days", "abc"]])
def test_purge_refuses_without_a_valid_number_of_days(args, tmp_path):
    result = run_purge({"TRACKER_DB": str(tmp_path / "tracker.db")}, *args)
    assert result.returncode == 2 and "--days" in result.stderr


def test_make_purge_needs_days():
    result = subprocess.run(["make", "--no-print-directory", "purge"], cwd=PROJECT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "make purge DAYS=N" in result.stderr
    dry = subprocess.run(["make", "--no-print-directory", "-n", "purge", "DAYS=30"], cwd=PROJECT,
                         capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0 and "scripts/purge.py --days 30" in dry.stdout


def test_missing_servers_skip_outside_ci_and_fail_in_ci(monkeypatch):
    import infra

    monkeypatch.setattr(infra, "postgres_bin_dir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install the Debian packages"):
        with infra.postgres_and_redis():
            pass
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        with infra.postgres_and_redis():
            pass

"""The default, embedded tracker store: conversations and their context are kept in SQLite
(var/tracker.db, or TRACKER_DB) and survive a restart of Rasa; a new session keeps the slots.
Runs the trained model and the action server on loopback (Rasa 18005, actions 18055)."""

import json
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from servers import MODEL, PROJECT, action_server, rasa_server, say

ACTIONS_PORT, RASA_PORT = 18055, 18005

def sqlite_env(database: Path) -> dict:
    """Rasa on the SQLite file `database`, with the in-memory lock store whatever the caller's
    environment says."""
    return {"TRACKER_DB": str(database), "TRACKER_DB_DIALECT": "sqlite", "REDIS_HOST": ""}


def stored_user_messages(database: Path, sender: str) -> list:
    """The texts of the stored user messages of a REST sender's conversation (rest:<sender>), in
    order."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND "
                                  "type_name = 'user' ORDER BY id", (f"rest:{sender}",)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


@pytest.fixture(scope="module")
def actions():
    assert MODEL.exists(), "no trained model: run `make train` (make test does it)"
    with action_server(port=ACTIONS_PORT) as server:
        yield server


def test_the_default_store_is_a_sqlite_file_under_var_that_git_ignores(monkeypatch):
    from rasa_runtime import tracker_store

    monkeypatch.delenv("TRACKER_DB", raising=False)
    monkeypatch.delenv("TRACKER_DB_DIALECT", raising=False)
    settings = tracker_store._database_settings()
    assert settings["dialect"] == "sqlite"
    assert Path(settings["db"]) == PROJECT / "var" / "tracker.db"
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/tracker.db"], cwd=PROJECT)
    assert ignored.returncode == 0, "var/tracker.db must be ignored by git"
    endpoints = yaml.safe_load((PROJECT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["type"] == "rasa_runtime.tracker_store.BoundedSQLTrackerStore"


def test_conversation_and_context_survive_a_restart(actions, tmp_path):
    database, sender = tmp_path / "tracker.db", f"restart-{uuid.uuid4().hex[:8]}"
    with rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT, env=sqlite_env(database)):
        assert "Pusat Layanan Kecelakaan Kerja" in say(sender, "apa itu plkk", port=RASA_PORT)
    assert stored_user_messages(database, sender) == ["apa itu plkk"]
    with rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT, env=sqlite_env(database)):
        assert "79 fasilitas kesehatan" in say(sender, "di kalbar ada berapa?", port=RASA_PORT)
    assert stored_user_messages(database, sender) == ["apa itu plkk", "di kalbar ada berapa?"]


def test_session_settings_in_domain():
    """Rasa reads session_config only from the domain (no environment variables): 60 minutes,
    slots carried over. docs/production.md says how to change it."""
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
    assert domain["session_config"] == {"session_expiration_time": 60,
                                        "carry_over_slots_to_new_session": True}


def test_slots_carry_over_to_a_new_session(actions, tmp_path):
    database, sender = tmp_path / "tracker.db", f"session-{uuid.uuid4().hex[:8]}"
    with rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT, env=sqlite_env(database)):
        assert "Pusat Layanan Kecelakaan Kerja" in say(sender, "apa itu plkk", port=RASA_PORT)
        say(sender, "/session_start", port=RASA_PORT)  # what an expired session runs
        assert "79 fasilitas kesehatan" in say(sender, "di kalbar ada berapa?", port=RASA_PORT)
    with sqlite3.connect(database) as connection:
        events = [(kind, json.loads(data)) for kind, data in connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (f"rest:{sender}",))]
    starts = [i for i, (kind, _) in enumerate(events) if kind == "session_started"]
    assert len(starts) == 2  # the session really started again
    next_user = next(i for i, (kind, _) in enumerate(events) if kind == "user" and i > starts[1])
    carried = {data["name"]: data["value"] for kind, data in events[starts[1]:next_user]
               if kind == "slot"}  # set by action_session_start, before the next message
    assert carried.get("topic") and carried.get("language") == "id"

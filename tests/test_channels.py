"""A conversation belongs to one channel and one user (issue 11): the trained bot with all its
channels at once (Telegram against a fake Bot API, socket.io, REST), checked in the tracker store;
the REST channel's sender rules; Rasa's commands on REST; moving stored conversations into their
namespaces (scripts/migrate_conversation_ids.py)."""

import functools
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest
import requests

import fake_telegram
from channels.conversations import channel_of, conversation_id, local_id
from channels.rest import MAX_SENDER_LENGTH, sender_problem
from fake_telegram import TOKEN, message
from servers import LOGS, PROJECT, action_server, rasa_server
from test_web_socketio import Chat

FAKE_API_PORT, ACTIONS_PORT, RASA_PORT = 19081, 19055, 19005
RASA_URL = f"http://127.0.0.1:{RASA_PORT}"
REST = f"{RASA_URL}/webhooks/rest/webhook"
TELEGRAM = f"{RASA_URL}/webhooks/telegram/webhook"
SECRET = "channels_test-secret"
TELEGRAM_ENV = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
                "TELEGRAM_API_URL": f"http://127.0.0.1:{FAKE_API_PORT}",
                "TELEGRAM_BOT_USERNAME": "bpjstk_test_bot", "TELEGRAM_WEBHOOK_URL": ""}
DATABASE = LOGS / f"tracker-{RASA_PORT}.db"


@pytest.fixture(scope="module")
def bot():
    """The action server and Rasa with every channel of credentials.yml; yields the fake Bot API."""
    with fake_telegram.running(FAKE_API_PORT) as api, action_server(port=ACTIONS_PORT), \
            rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT, env=TELEGRAM_ENV):
        yield api


def rest(sender, message_text: str = "apa itu plkk") -> requests.Response:
    return requests.post(REST, json={"sender": sender, "message": message_text}, timeout=60)


def rest_text(sender: str, message_text: str) -> str:
    response = rest(sender, message_text)
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text", "") for m in response.json())


def telegram_text(api, chat: int, text: str) -> str:
    api.reset()
    assert fake_telegram.post(TELEGRAM, message(chat, text), SECRET).status_code == 200
    return "\n".join(p["text"] for p in api.recorded("sendMessage") if p["chat_id"] == chat)


def stored_user_texts(conversation: str) -> List[str]:
    with sqlite3.connect(DATABASE) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND "
                                  "type_name = 'user' ORDER BY id", (conversation,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def stored_conversations() -> List[str]:
    with sqlite3.connect(DATABASE) as connection:
        return [row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")]


# Conversation ids


def test_conversation_ids_name_their_channel():
    assert conversation_id("telegram", "42") == "telegram:42"
    assert conversation_id("telegram", -100, 7) == "telegram:-100:7"
    assert local_id("rest:a:b", "rest") == "a:b" and local_id("web:x", "rest") is None
    assert channel_of("web:abc") == "web" and channel_of("42") is None
    assert channel_of("other:1") is None


# The same id from three channels


def test_the_same_id_from_telegram_socketio_and_rest_is_three_conversations(bot):
    same = 424242
    # Telegram chat 424242 asks about BSU
    assert "Bantuan Subsidi Upah" in telegram_text(bot, same, "apa itu bsu")
    # a REST caller with sender "424242" asks the follow-up: it must not get the BSU rules
    assert "Permenaker" not in rest_text(str(same), "syaratnya apa aja")
    # a web client that says its session is "424242" gets a session of its own
    chat = Chat(RASA_URL, session_id=str(same))
    try:
        assert chat.session_id != str(same)
        replies = chat.say("syaratnya apa aja", "175")
        assert not any("Permenaker" in m["text"] for m in replies)
    finally:
        chat.close()
    # the Telegram user still has its context, and gained nobody else's turns
    assert "Permenaker" in telegram_text(bot, same, "syaratnya apa aja")
    assert stored_user_texts(f"telegram:{same}") == ["apa itu bsu", "syaratnya apa aja"]
    assert stored_user_texts(f"rest:{same}") == ["syaratnya apa aja"]
    assert stored_user_texts(f"web:{chat.session_id}") == ["syaratnya apa aja"]
    assert str(same) not in stored_conversations()
    assert all(channel_of(c) in ("telegram", "web", "rest") for c in stored_conversations())


def test_rest_senders_that_look_like_other_channels_stay_rest(bot):
    rest_text(f"telegram:{4343}", "apa itu bsu")
    assert stored_user_texts(f"rest:telegram:{4343}") == ["apa itu bsu"]
    assert stored_user_texts(f"telegram:{4343}") == []


# REST senders


@pytest.mark.parametrize("sender, problem", [
    (None, "required"), ("", "required"), (42, "must be a string"), (["a"], "must be a string"),
    ("x" * (MAX_SENDER_LENGTH + 1), "at most 128"), ("a\nb", "printable"), ("a\x00b", "printable"),
])
def test_sender_problems_are_named(sender, problem):
    assert problem in sender_problem(sender)


@pytest.mark.parametrize("sender", ["a", "user-1", "x" * MAX_SENDER_LENGTH, "Budi Santoso 😀"])
def test_good_senders_pass(sender):
    assert sender_problem(sender) is None


@pytest.mark.parametrize("body, problem", [
    ({"message": "apa itu plkk"}, "required"),
    ({"sender": None, "message": "apa itu plkk"}, "required"),
    ({"sender": "", "message": "apa itu plkk"}, "required"),
    ({"sender": 42, "message": "apa itu plkk"}, "must be a string"),
    ({"sender": "x" * 129, "message": "apa itu plkk"}, "at most 128"),
    ({"sender": "a\tb", "message": "apa itu plkk"}, "printable"),
    (["not", "an", "object"], "JSON object"),
], ids=["missing", "null", "empty", "number", "129 characters", "tab", "list body"])
def test_rest_without_a_valid_sender_is_400_with_a_clear_message(bot, body, problem):
    before = set(stored_conversations())
    response = requests.post(REST, json=body, timeout=30)
    assert response.status_code == 400
    assert problem in response.json()["error"]
    assert set(stored_conversations()) == before  # nothing reached the bot
    assert "default" not in stored_conversations() and "rest:default" not in stored_conversations()


def test_rest_accepts_128_characters_and_answers_to_the_callers_sender(bot):
    sender = "s" * 128
    response = rest(sender)
    assert response.status_code == 200
    assert {m["recipient_id"] for m in response.json()} == {sender}
    assert f"rest:{sender}" in stored_conversations()


def test_the_input_channel_of_a_rest_message_is_always_rest(bot):
    sender = "claims-to-be-telegram"
    requests.post(REST, json={"sender": sender, "message": "halo", "input_channel": "telegram"},
                  timeout=60).raise_for_status()
    with sqlite3.connect(DATABASE) as connection:
        (data,) = connection.execute("SELECT data FROM events WHERE sender_id = ? AND "
                                     "type_name = 'user'", (f"rest:{sender}",)).fetchone()
    assert json.loads(data)["input_channel"] == "rest"


def test_rest_streaming_answers_to_the_callers_sender(bot):
    response = requests.post(f"{REST}?stream=true", json={"sender": "streamer", "message": "halo"},
                             timeout=60)
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    assert lines and {m["recipient_id"] for m in lines} == {"streamer"}


# Commands on REST (Telegram: tests/test_telegram.py, socket.io: tests/test_web_socketio.py,
# shell: tests/test_shell.py)

COMMANDS = [
    ("/restart", "Baik, percakapan dimulai dari awal.", "OK, the conversation starts over."),
    ("/back", "Kembali ke menu.", "Back to the menu."),
    ("/session_start", "Halo, selamat datang!", "Hello and welcome!"),
    ("/foo", "Saya bisa membantu Anda", "I can help you with"),
    ("/help", "Saya bisa membantu Anda", "I can help you with"),
    ("/start", "Halo, selamat datang!", "Hello and welcome!"),
]


@pytest.mark.parametrize("command, indonesian, english", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_command_on_rest_is_answered_within_5_s_in_the_conversations_language(
        bot, command, indonesian, english):
    for greeting, expected in (("halo min", indonesian), ("hello, good morning", english)):
        sender = f"command-{time.monotonic_ns()}"
        rest_text(sender, greeting)
        started = time.monotonic()
        reply = rest_text(sender, command)
        assert time.monotonic() - started < 5
        assert expected in reply, (command, greeting, reply)


def test_commands_show_the_menu(bot):
    for command in ("/restart", "/back", "/foo"):
        response = rest(f"menu-{time.monotonic_ns()}", command)
        buttons = [b["payload"] for m in response.json() for b in m.get("buttons", [])]
        assert "/ask_nearest_office" in buttons and "/ask_jmo" in buttons, command


def test_restart_clears_the_slots_but_keeps_the_language(bot):
    sender = f"restart-{time.monotonic_ns()}"
    rest_text(sender, "what is BSU")
    rest_text(sender, "sungai raya")  # a pending place question
    rest_text(sender, "/restart")
    slots = current_slots(f"rest:{sender}")
    assert slots.get("language") == "en"
    assert not slots.get("topic") and not slots.get("place_candidates")
    assert not slots.get("awaiting_place")
    assert "Permenaker" not in rest_text(sender, "what are the requirements")


def test_a_new_session_forgets_a_pending_place_question(bot):
    sender = f"expired-{time.monotonic_ns()}"
    rest_text(sender, "apa itu bsu")
    rest_text(sender, "sungai raya")
    assert current_slots(f"rest:{sender}").get("place_candidates")
    rest_text(sender, "/session_start")  # what an expired session runs
    slots = current_slots(f"rest:{sender}")
    assert not slots.get("place_candidates") and not slots.get("awaiting_place")
    assert slots.get("language") == "id"


def age_conversation(conversation: str, seconds: float) -> None:
    """Moves every stored event of a conversation `seconds` into the past."""
    with sqlite3.connect(DATABASE) as connection:
        rows = connection.execute("SELECT id, data FROM events WHERE sender_id = ?",
                                  (conversation,)).fetchall()
        for row_id, data in rows:
            event = json.loads(data)
            event["timestamp"] = event.get("timestamp", time.time()) - seconds
            connection.execute("UPDATE events SET data = ?, timestamp = ? WHERE id = ?",
                               (json.dumps(event), event["timestamp"], row_id))


def test_an_expired_session_forgets_a_pending_place_question_and_does_not_greet(bot):
    sender = f"aged-{time.monotonic_ns()}"
    rest_text(sender, "hello, what is BSU")
    rest_text(sender, "sungai raya")
    assert current_slots(f"rest:{sender}").get("place_candidates")
    age_conversation(f"rest:{sender}", 2 * 3600)  # the session expired (60 minutes)
    reply = rest_text(sender, "what is the JMO app")
    assert "Jamsostek Mobile" in reply and "welcome" not in reply
    slots = current_slots(f"rest:{sender}")
    assert not slots.get("place_candidates") and not slots.get("awaiting_place")
    assert slots.get("language") == "en"
    with sqlite3.connect(DATABASE) as connection:
        (starts,) = connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND "
                                       "type_name = 'session_started'",
                                       (f"rest:{sender}",)).fetchone()
    assert starts == 2


def test_back_repeats_a_pending_question_else_the_menu(bot):
    sender = f"back-{time.monotonic_ns()}"
    rest_text(sender, "kantor bpjs terdekat dimana ya")
    assert "Boleh tahu Anda berada di mana?" in rest_text(sender, "/back")
    assert "Unit Layanan Landak" in rest_text(sender, "ngabang")  # the question still stands
    assert "Kembali ke menu." in rest_text(sender, "/back")


@functools.lru_cache(maxsize=1)
def domain_slots() -> list:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT / "domain.yml")).slots


def current_slots(conversation: str) -> dict:
    """The slots of a conversation after all its stored events, as Rasa replays them."""
    from rasa.shared.core.trackers import DialogueStateTracker

    with sqlite3.connect(DATABASE) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id",
                                  (conversation,)).fetchall()
    tracker = DialogueStateTracker.from_dict(conversation, [json.loads(d) for (d,) in rows],
                                             domain_slots())
    return tracker.current_slot_values()


# Stored conversations from before the namespaces


def test_the_migration_moves_each_conversation_into_its_channel(tmp_path):
    database = tmp_path / "tracker.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
                           "type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255), "
                           "action_name VARCHAR(255), data TEXT)")
        for sender, channel in [("42", "telegram"), ("0123456789abcdef0123456789abcdef", "socketio"),
                                ("user-1", "rest"), ("shellsession", "cmdline"), ("nochan", None),
                                ("telegram:7", "telegram"), ("43", "telegram")]:
            connection.execute("INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)",
                               (sender, "user", json.dumps({"event": "user", "text": "halo",
                                                            "input_channel": channel})))
        connection.execute("INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)",
                           ("telegram:43", "user", json.dumps({"input_channel": "telegram"})))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "scripts/migrate_conversation_ids.py", *args],
                              cwd=PROJECT, env=dict(os.environ, TRACKER_DB=str(database)),
                              capture_output=True, text=True, timeout=120)

    dry = run("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would move 5 conversation(s)" in dry.stdout and "1 left" in dry.stdout
    result = run()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        senders = {row[0] for row in connection.execute("SELECT sender_id FROM events")}
    assert senders == {"telegram:42", "web:0123456789abcdef0123456789abcdef", "rest:user-1",
                       "shell:shellsession", "rest:nochan", "telegram:7", "43", "telegram:43"}
    again = run()
    assert "moved 0 conversation(s)" in again.stdout


def test_credentials_use_the_namespaced_rest_channel():
    import yaml

    credentials = yaml.safe_load((PROJECT / "credentials.yml").read_text(encoding="utf-8"))
    assert "rest" not in credentials and "channels.rest.RestInput" in credentials
    assert Path(PROJECT / "channels" / "rest.py").exists()

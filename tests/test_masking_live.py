"""Personal data never reaches the tracker store, on every channel: the trained bot and the action
server on loopback (REST, socket.io and Telegram with the fake Bot API, SQLite; then REST on
PostgreSQL), and the stored rows and the servers' logs checked for the raw values."""

import json
import sqlite3
import time
from typing import List

import pytest
import sqlalchemy

import fake_telegram
from fake_telegram import message
from infra import Postgres, running
from servers import LOGS, action_server, rasa_server, send
from test_web_socketio import Chat

ACTIONS_PORT, RASA_PORT, PG_ACTIONS_PORT, PG_RASA_PORT = 14955, 14905, 14956, 14906
FAKE_API_PORT, POSTGRES_PORT = 14981, 14932
SECRET = "masking_test-secret"
TELEGRAM_ENV = {"TELEGRAM_TOKEN": fake_telegram.TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
                "TELEGRAM_API_URL": f"http://127.0.0.1:{FAKE_API_PORT}",
                "TELEGRAM_BOT_USERNAME": "bpjstk_test_bot", "TELEGRAM_WEBHOOK_URL": "",
                "SOCKETIO_ALLOWED_ORIGINS": "http://127.0.0.1:14980"}
# what each user types: raw personal data, then what is stored instead
RAW = ["6171012345670001", "081234567890", "budi.santoso@gmail.com", "1230009876543",
       "12345678901"]
MESSAGES = ["jht saya kapan cair? NIK 6171012345670001",
            "hp sy 081234567890 email budi.santoso@gmail.com",
            "rek mandiri 1230009876543 kpj 12345678901",
            "kode pos 78557"]
STORED = ["jht saya kapan cair? NIK [NIK]", "hp sy [TELEPON] email [EMAIL]",
          "rek mandiri [REKENING] kpj [KPJ]", "kode pos 78557"]
NOTE = "saya tidak memerlukan NIK"


@pytest.fixture(scope="module")
def rasa():
    with fake_telegram.running(FAKE_API_PORT) as api, action_server(port=ACTIONS_PORT), \
            rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT, env=TELEGRAM_ENV):
        yield api


def stored_rows(conversation: str) -> List[str]:
    """The `data` of every stored event of a conversation."""
    with sqlite3.connect(LOGS / f"tracker-{RASA_PORT}.db") as connection:
        return [row[0] for row in connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation,))]


def check_stored(rows: List[str], replies: List[str]) -> None:
    """Only masked text in the rows; the note once, with the first masked message."""
    assert rows
    for raw in RAW:
        assert not any(raw in row for row in rows), raw
    events = [json.loads(row) for row in rows]
    assert [e["text"] for e in events if e["event"] == "user"] == STORED
    assert [e["metadata"].get("masked") for e in events if e["event"] == "user"] == [
        ["NIK"], ["EMAIL", "TELEPON"], ["KPJ", "REKENING"], None]
    bot_texts = [e.get("text") or "" for e in events if e["event"] == "bot"]
    assert sum(NOTE in text for text in bot_texts) == 1
    assert NOTE in replies[0] and not any(NOTE in reply for reply in replies[1:])
    assert "78557" in replies[3]  # a postal code is kept: the nearest office is found


def check_logs(*names: str) -> None:
    for name in names:
        log = (LOGS / f"{name}.log").read_text(errors="replace")
        assert not any(raw in log for raw in RAW), name


def test_rest_stores_only_masked_text(rasa):
    replies = ["\n".join(m.get("text", "") for m in send("masking-rest", text, RASA_PORT))
               for text in MESSAGES]
    check_stored(stored_rows("rest:masking-rest"), replies)


def stored_replies(conversation: str, turns: int, seconds: float = 60) -> List[str]:
    """The bot's texts of each turn, once `turns` turns are stored and the last one is finished."""
    deadline = time.monotonic() + seconds
    while True:
        events = [json.loads(row) for row in stored_rows(conversation)]
        users = [i for i, e in enumerate(events) if e["event"] == "user"]
        if len(users) == turns and events[-1].get("name") == "action_listen":
            break
        assert time.monotonic() < deadline, f"{conversation}: {turns} turns not stored"
        time.sleep(0.2)
    bounds = users + [len(events)]
    return ["\n".join(e.get("text") or "" for e in events[a:b] if e["event"] == "bot")
            for a, b in zip(bounds, bounds[1:])]


def test_socketio_stores_only_masked_text(rasa):
    chat = Chat(f"http://127.0.0.1:{RASA_PORT}")
    conversation = f"web:{chat.session_id}"
    try:
        for number, text in enumerate(MESSAGES, 1):
            chat.client.emit("user_uttered", {"message": text, "session_id": chat.session_id})
            replies = stored_replies(conversation, number)
    finally:
        chat.client.disconnect()
    check_stored(stored_rows(conversation), replies)


def test_telegram_stores_only_masked_text(rasa):
    chat = 914001
    replies = []
    for text in MESSAGES:
        rasa.reset()
        assert fake_telegram.post(f"http://127.0.0.1:{RASA_PORT}/webhooks/telegram/webhook",
                                  message(chat, text), SECRET).status_code == 200
        replies.append("\n".join(p["text"] for p in rasa.recorded("sendMessage")))
    check_stored(stored_rows(f"telegram:{chat}"), replies)


def test_no_raw_value_in_the_logs(rasa):
    check_logs(f"rasa-{RASA_PORT}", f"actions-{ACTIONS_PORT}")


def test_postgresql_stores_only_masked_text():
    with running(Postgres(port=POSTGRES_PORT)) as postgres, \
            action_server(port=PG_ACTIONS_PORT), \
            rasa_server(port=PG_RASA_PORT, actions_port=PG_ACTIONS_PORT, env=postgres.env()):
        replies = ["\n".join(m.get("text", "") for m in send("masking-pg", text, PG_RASA_PORT))
                   for text in MESSAGES]
        engine = sqlalchemy.create_engine(postgres.url)
        try:
            with engine.connect() as connection:
                rows = [row[0] for row in connection.execute(sqlalchemy.text(
                    "SELECT data FROM events WHERE sender_id = 'rest:masking-pg' ORDER BY id"))]
        finally:
            engine.dispose()
    check_stored(rows, replies)

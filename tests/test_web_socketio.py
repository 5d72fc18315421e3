"""Live socket.io conversations, as the web chat widget has them: the trained model and the action
server on loopback, Rasa with the project's credentials.yml (channels.socketio, session
persistence on). Needs `make train` first (`make test` does it)."""

import json
import queue
import re
import sqlite3
import time
from typing import Any, List, Optional

import pytest
import requests
import socketio
import websocket

from servers import LOGS, action_server, rasa_server

ACTIONS_PORT, RASA_PORT, PAGE_ORIGIN = 16055, 16005, "http://127.0.0.1:16080"
RASA_URL = f"http://127.0.0.1:{RASA_PORT}"

MENU = [("Kantor terdekat", "/ask_nearest_office"), ("Daftar kantor", "/ask_offices"),
        ("Apa itu PLKK?", "/ask_plkk_definition"), ("Jumlah PLKK", "/ask_plkk_count"),
        ("Aplikasi JMO", "/ask_jmo"), ("BSU di Kalimantan Barat", "/ask_bsu_kalbar")]


@pytest.fixture(scope="module")
def rasa():
    """The action server and Rasa (socket.io and REST) on the web tests' ports."""
    with action_server(port=ACTIONS_PORT), \
            rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT, credentials="credentials.yml",
                        extra_args=["--cors", PAGE_ORIGIN],
                        env={"SOCKETIO_ALLOWED_ORIGINS": PAGE_ORIGIN}):
        yield RASA_URL


NO_REQUEST = object()  # Chat(..., request=NO_REQUEST): no session_request at all


class Chat:
    """A socket.io client speaking the widget's protocol: session_request, then user_uttered.
    `request` replaces the session_request's payload (anything a client may send)."""

    def __init__(self, url: str, session_id: Optional[Any] = None, request: Any = None) -> None:
        self.events: "queue.Queue" = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", lambda data: self.events.put(("session_confirm", data)))
        self.client.on("bot_uttered", lambda data: self.events.put(("bot_uttered", data)))
        self.client.connect(url, socketio_path="/socket.io", transports=["websocket"],
                            wait_timeout=30)
        self.session_id: Any = None
        if request is NO_REQUEST:
            return
        self.client.emit("session_request", {"session_id": session_id} if request is None else request)
        self.session_id = self.confirmed()

    def confirmed(self, seconds: float = 30) -> str:
        """The session id of the next session_confirm."""
        event, data = self.events.get(timeout=seconds)
        assert event == "session_confirm", (event, data)
        return data

    def say(self, message: str, expect: str, seconds: float = 60,
            session_id: Any = None) -> List[dict]:
        """Sends a message; returns the bot's messages up to the one whose text has `expect`."""
        self.client.emit("user_uttered", {"message": message,
                                          "session_id": session_id or self.session_id})
        messages: List[dict] = []
        deadline = time.monotonic() + seconds
        while not any(expect in m.get("text", "") for m in messages):
            remaining = deadline - time.monotonic()
            try:
                event, data = self.events.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                pytest.fail(f"no reply with {expect!r} to {message!r}; got {messages}")
            if event == "bot_uttered":
                messages.append(data)
            elif event == "session_confirm":
                self.session_id = data
        return messages

    def close(self) -> None:
        """Disconnects, as a page that is closed or reloaded."""
        self.client.disconnect()


def test_question_gets_the_fact_in_bot_uttered(rasa):
    chat = Chat(rasa)
    try:
        assert len(chat.session_id) == 32
        replies = chat.say("apa itu plkk", "Pusat Layanan Kecelakaan Kerja")
        assert any("79 fasilitas kesehatan" in m["text"] for m in replies)
        chat.say("brp jumlah plkk di kalbar", "79")
    finally:
        chat.close()


def test_same_session_after_reconnecting_keeps_the_conversation(rasa):
    first = Chat(rasa)
    try:
        first.say("apa itu bsu", "Bantuan Subsidi Upah")
    finally:
        first.close()
    # A page reload: a new socket asks for the stored session id and gets it back.
    second = Chat(rasa, session_id=first.session_id)
    try:
        assert second.session_id == first.session_id
        # "syaratnya apa aja" is answered from the topic of the turn before the reload.
        second.say("syaratnya apa aja", "Permenaker 10/2022")
    finally:
        second.close()
    # A new session has no topic: the same words get the help menu.
    fresh = Chat(rasa)
    try:
        replies = fresh.say("syaratnya apa aja", "call centre 175")
        assert not any("Permenaker" in m["text"] for m in replies)
    finally:
        fresh.close()


def test_greeting_has_the_help_menu_as_quick_replies(rasa):
    chat = Chat(rasa)
    try:
        greeting = chat.say("halo", "Halo, selamat datang!")[-1]
        assert greeting["text"].startswith("Halo, selamat datang!")
        assert [(b["title"], b["payload"]) for b in greeting["quick_replies"]] == MENU
        chat.say("/ask_jmo", "Jamsostek Mobile")
    finally:
        chat.close()


def test_shared_location_gets_the_nearest_office(rasa):
    chat = Chat(rasa)
    try:
        chat.say('/share_location{"lat": -0.02, "lon": 109.33}', "Kantor Cabang Pontianak")
    finally:
        chat.close()


def test_sessions_are_separate(rasa):
    one, other = Chat(rasa), Chat(rasa)
    try:
        assert one.session_id != other.session_id
        other.say("halo", "Halo, selamat datang!")
        one.say("apa itu plkk", "Pusat Layanan Kecelakaan Kerja")
        assert other.events.empty(), "a reply went to the other session"
    finally:
        one.close()
        other.close()


@pytest.mark.parametrize("origin, allowed", [(PAGE_ORIGIN, True), ("http://example.org", False)])
def test_polling_is_allowed_only_from_the_page(rasa, origin, allowed):
    response = requests.get(f"{rasa}/socket.io/", params={"EIO": "4", "transport": "polling"},
                            headers={"Origin": origin}, timeout=10)
    assert response.ok is allowed
    assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed


@pytest.mark.parametrize("origin, allowed", [(PAGE_ORIGIN, True), ("http://evil.example", False)])
def test_websocket_is_allowed_only_from_the_page(rasa, origin, allowed):
    url = rasa.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    try:
        connection = websocket.create_connection(url, origin=origin, timeout=15)
    except websocket.WebSocketBadStatusException as error:
        assert error.status_code == 400 and not allowed
        return
    try:
        assert allowed and connection.recv().startswith("0{")  # engine.io "open" packet
    finally:
        connection.close()


# Sessions are issued by the server (issue 11)

SESSION_ID = re.compile(r"[0-9a-f]{32}")
NEVER_ISSUED = "0123456789abcdef0123456789abcdef"
MALFORMED = {
    "missing": {},
    "null": {"session_id": None},
    "empty": {"session_id": ""},
    "another channel's id": {"session_id": "42"},
    "well formed, never issued": {"session_id": NEVER_ISSUED},
    "upper case": {"session_id": NEVER_ISSUED.upper()},
    "number": {"session_id": 42},
    "true": {"session_id": True},
    "float": {"session_id": 4.2},
    "list": {"session_id": ["a", "b"]},
    "mapping": {"session_id": {"id": "x"}},
    "10,000 characters": {"session_id": "x" * 10_000},
    "path": {"session_id": "../../../etc/passwd"},
    "payload a string": "hello",
    "payload a list": [1, 2],
    "payload null": None,
}


def drain(chat: Chat, seconds: float = 1.5) -> None:
    """Waits for the rest of a reply (more paragraphs) and forgets it."""
    time.sleep(seconds)
    while not chat.events.empty():
        chat.events.get_nowait()


def stored_conversations() -> List[str]:
    """The conversation ids in the tracker store of the Rasa under test."""
    with sqlite3.connect(LOGS / f"tracker-{RASA_PORT}.db") as connection:
        return [row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")]


def stored_user_texts(conversation: str) -> List[str]:
    with sqlite3.connect(LOGS / f"tracker-{RASA_PORT}.db") as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND "
                                  "type_name = 'user' ORDER BY id", (conversation,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


@pytest.mark.parametrize("request_payload", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_session_id_this_server_did_not_issue_is_replaced(rasa, request_payload):
    chat = Chat(rasa, request=NO_REQUEST)
    try:
        if request_payload is None:
            chat.client.emit("session_request")
        else:
            chat.client.emit("session_request", request_payload)
        issued = chat.confirmed()
        assert SESSION_ID.fullmatch(issued) and issued != NEVER_ISSUED
        chat.session_id = issued
        chat.say("apa itu plkk", "Pusat Layanan Kecelakaan Kerja")
        assert stored_user_texts(f"web:{issued}") == ["apa itu plkk"]
    finally:
        chat.close()
    bad = request_payload.get("session_id") if isinstance(request_payload, dict) else None
    if isinstance(bad, str) and bad:
        assert bad not in stored_conversations() and f"web:{bad}" not in stored_conversations()


def test_an_issued_session_is_stored_as_web_session(rasa):
    chat = Chat(rasa)
    try:
        assert SESSION_ID.fullmatch(chat.session_id)
        chat.say("apa itu jmo", "Jamsostek Mobile")
    finally:
        chat.close()
    assert f"web:{chat.session_id}" in stored_conversations()
    assert chat.session_id not in stored_conversations()


def test_an_issued_session_not_used_yet_is_kept_on_reconnecting(rasa):
    first = Chat(rasa)
    first.close()
    again = Chat(rasa, session_id=first.session_id)
    try:
        assert again.session_id == first.session_id
    finally:
        again.close()


def test_a_client_that_skips_session_request_gets_its_own_session(rasa):
    owner = Chat(rasa)
    try:
        owner.say("apa itu bsu", "Bantuan Subsidi Upah")
        drain(owner)
        intruder = Chat(rasa, request=NO_REQUEST)
        try:
            # user_uttered with the owner's session id and no session_request first
            replies = intruder.say("syaratnya apa aja", "call centre 175",
                                   session_id=owner.session_id)
            assert not any("Permenaker" in m["text"] for m in replies)
            assert SESSION_ID.fullmatch(intruder.session_id or "")
            assert intruder.session_id != owner.session_id
        finally:
            intruder.close()
        assert stored_user_texts(f"web:{owner.session_id}") == ["apa itu bsu"]
        assert owner.events.empty(), "the intruder's reply reached the owner"
    finally:
        owner.close()


def test_a_bound_socket_cannot_switch_to_another_session_by_message(rasa):
    owner, other = Chat(rasa), Chat(rasa)
    try:
        owner.say("apa itu bsu", "Bantuan Subsidi Upah")
        replies = other.say("syaratnya apa aja", "call centre 175", session_id=owner.session_id)
        assert not any("Permenaker" in m["text"] for m in replies)
        assert stored_user_texts(f"web:{other.session_id}") == ["syaratnya apa aja"]
        assert stored_user_texts(f"web:{owner.session_id}") == ["apa itu bsu"]
    finally:
        owner.close()
        other.close()


# (command, what the answer says in Indonesian)
COMMANDS = [("/restart", "Baik, percakapan dimulai dari awal."), ("/back", "Kembali ke menu."),
            ("/session_start", "Halo, selamat datang!"), ("/foo", "Saya bisa membantu Anda")]


@pytest.mark.parametrize("command, expected", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_each_command_is_answered_within_5_s(rasa, command, expected):
    chat = Chat(rasa)
    try:
        chat.say("halo", "Halo, selamat datang!")
        started = time.monotonic()
        chat.say(command, expected, seconds=5)
        assert time.monotonic() - started < 5
    finally:
        chat.close()

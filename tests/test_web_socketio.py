"""Live socket.io conversations, as the web chat widget has them: the trained model and the action
server on loopback, Rasa with the project's credentials.yml (channels.socketio, session
persistence on). Needs `make train` first (`make test` does it)."""

import queue
import time
from typing import List, Optional

import pytest
import requests
import socketio
import websocket

from servers import action_server, rasa_server

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


class Chat:
    """A socket.io client speaking the widget's protocol: session_request, then user_uttered."""

    def __init__(self, url: str, session_id: Optional[str] = None) -> None:
        self.events: "queue.Queue" = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", lambda data: self.events.put(("session_confirm", data)))
        self.client.on("bot_uttered", lambda data: self.events.put(("bot_uttered", data)))
        self.client.connect(url, socketio_path="/socket.io", transports=["websocket"],
                            wait_timeout=30)
        self.client.emit("session_request", {"session_id": session_id})
        event, self.session_id = self.events.get(timeout=30)
        assert event == "session_confirm"

    def say(self, message: str, expect: str, seconds: float = 60) -> List[dict]:
        """Sends a message; returns the bot's messages up to the one whose text has `expect`."""
        self.client.emit("user_uttered", {"message": message, "session_id": self.session_id})
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

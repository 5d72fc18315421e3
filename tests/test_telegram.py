"""The Telegram channel (channels/telegram.py): unit tests of its parts, then the trained bot and the
action server on loopback, with Telegram played by a fake Bot API server on 127.0.0.1 that records
every call. Each live test asserts the Bot API calls an update causes."""

import asyncio
import itertools
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

import pytest
import requests

from channels.telegram import (SECRET_HEADER, BotApi, CallbackStore, TelegramError, TelegramInput,
                               TelegramOutput, parse_update, settings, split_text)
from servers import PROJECT, action_server, rasa_server, say

FAKE_API_PORT, ACTIONS_PORT, RASA_PORT, OFFLINE_RASA_PORT = 17081, 17055, 17005, 17006
FAKE_API_URL = f"http://127.0.0.1:{FAKE_API_PORT}"
TOKEN = "123456:test-token"
SECRET = "test_secret-token"
WEBHOOK = f"http://127.0.0.1:{RASA_PORT}/webhooks/telegram/webhook"
TELEGRAM_ENV = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
                "TELEGRAM_API_URL": FAKE_API_URL, "TELEGRAM_BOT_USERNAME": "bpjstk_test_bot",
                "TELEGRAM_WEBHOOK_URL": ""}
UPDATE_IDS = itertools.count(1000)
CHAT_IDS = itertools.count(900001)


class FakeBotApi(ThreadingHTTPServer):
    """A Bot API server on 127.0.0.1 that records (method, parameters) and answers ok."""

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), FakeBotApiHandler)
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.lock = threading.Lock()

    def record(self, method: str, params: Dict[str, Any]) -> None:
        with self.lock:
            self.calls.append((method, params))

    def recorded(self, method: Optional[str] = None) -> List[Dict[str, Any]]:
        """The parameters of the calls so far, of one method if given."""
        with self.lock:
            return [p for m, p in self.calls if method in (None, m)]

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()


class FakeBotApiHandler(BaseHTTPRequestHandler):
    """POST /bot<token>/<method> with JSON."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        _, bot, method = self.path.split("/", 2)
        params = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if bot != f"bot{TOKEN}":
            return self.answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        self.server.record(method, params)
        result: Any = True
        if method == "sendMessage":
            result = {"message_id": len(self.server.calls), "date": 0, "text": params.get("text"),
                      "chat": {"id": params.get("chat_id"), "type": "private"}}
        self.answer(200, {"ok": True, "result": result})

    def answer(self, status: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def fake_api():
    server = FakeBotApi(FAKE_API_PORT)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def actions():
    with action_server(port=ACTIONS_PORT) as server:
        yield server


@pytest.fixture(scope="module")
def rasa(fake_api, actions):
    with rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT, env=TELEGRAM_ENV) as server:
        yield server


@pytest.fixture
def api(fake_api, rasa):
    """The fake Bot API with no calls recorded, Rasa running against it."""
    fake_api.reset()
    return fake_api


def post(update: Dict[str, Any], secret: Optional[str] = SECRET, url: str = WEBHOOK) -> requests.Response:
    """Sends an update to the webhook the way Telegram does."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(url, json=dict(update, update_id=next(UPDATE_IDS)), headers=headers, timeout=90)


def message(chat: int, text: Optional[str] = None, **fields: Any) -> Dict[str, Any]:
    """An update with a private message from a user."""
    body = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Tester"}, **fields}
    if text is not None:
        body["text"] = text
    return {"message": body}


def callback(chat: int, data: str, query_id: str) -> Dict[str, Any]:
    """An update for a pressed inline button."""
    return {"callback_query": {"id": query_id, "data": data, "chat_instance": "1",
                               "from": {"id": chat, "is_bot": False, "first_name": "Tester"},
                               "message": {"message_id": 1, "date": 0,
                                           "chat": {"id": chat, "type": "private"}}}}


def sent_text(api: FakeBotApi, chat: int) -> str:
    """The texts sent to a chat, joined by newlines."""
    return "\n".join(p["text"] for p in api.recorded("sendMessage") if p["chat_id"] == chat)


def callback_data(api: FakeBotApi) -> List[str]:
    """The callback data of every inline button sent."""
    return [button["callback_data"] for p in api.recorded("sendMessage")
            for row in (p.get("reply_markup") or {}).get("inline_keyboard", []) for button in row]


# Parts of the channel


def test_a_long_text_is_split_within_telegram_limit():
    paragraph = ("kata " * 199 + "akhir.").strip()
    text = "\n\n".join([paragraph] * 9)
    assert len(text) > 9000
    chunks = split_text(text)
    assert len(chunks) == 3
    assert all(0 < len(c) <= 4096 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_a_text_without_spaces_is_cut_hard():
    chunks = split_text("x" * 9000)
    assert [len(c) for c in chunks] == [4096, 4096, 808]


def test_a_long_payload_round_trips_through_short_callback_data():
    store = CallbackStore()
    payload = '/inform_place{"place": "' + "6" * 74 + '"}'
    assert len(payload.encode()) == 100
    data = store.shorten(payload)
    assert data.startswith("cb:") and len(data.encode()) <= 64
    assert store.resolve(data) == payload
    assert store.shorten("/ask_jmo") == "/ask_jmo" and store.resolve("/ask_jmo") == "/ask_jmo"
    assert store.resolve("cb:unknown") is None


def test_environment_wins_over_credentials(monkeypatch):
    for variable in TELEGRAM_ENV:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TELEGRAM_TOKEN", "from-env")
    values = settings({"token": "from-file", "secret_token": "file-secret"})
    assert values["token"] == "from-env" and values["secret_token"] == "file-secret"
    assert values["api_url"] == "https://api.telegram.org"


def test_the_webhook_refuses_without_token_or_secret():
    assert TelegramInput().refusal(SECRET) == (503, "disabled")
    assert TelegramInput(token=TOKEN).refusal(None)[0] == 403
    channel = TelegramInput(token=TOKEN, secret_token=SECRET)
    assert channel.refusal(None)[0] == 403
    assert channel.refusal("wrong")[0] == 403
    assert channel.refusal(SECRET) is None
    assert TelegramInput().get_output_channel() is None


def test_updates_become_messages():
    location = message(7, location={"latitude": -0.02, "longitude": 109.33})
    assert parse_update(location).text == '{"lng": 109.33, "lat": -0.02}'
    assert parse_update(message(7, "/start")).text == "/greet"
    assert parse_update(message(7, "/help")).text == "/ask_help"
    assert parse_update(message(7, "/start@bpjstk_test_bot"), "bpjstk_test_bot").text == "/greet"
    assert parse_update(message(7, "/start@other_bot"), "bpjstk_test_bot") is None
    assert parse_update(message(7, '/inform_place{"place": "611201"}')).text == '/inform_place{"place": "611201"}'
    assert parse_update(callback(7, "/ask_jmo", "q1")) == ("7", "/ask_jmo", "q1")
    assert parse_update({"edited_message": message(7, "halo")["message"]}) is None
    assert parse_update(message(7, sticker={"file_id": "x"})) is None


def test_the_output_channel_calls_the_bot_api_in_any_event_loop(fake_api):
    fake_api.reset()
    bot = TelegramOutput(BotApi(TOKEN, FAKE_API_URL))
    asyncio.run(bot.send_text_message("42", "a " * 5000))
    asyncio.run(bot.send_text_with_buttons("42", "pilih", [{"title": "JMO", "payload": "/ask_jmo"}]))
    asyncio.run(bot.api.close())
    sent = fake_api.recorded("sendMessage")
    assert [len(p["text"]) <= 4096 for p in sent] == [True, True, True, True]
    assert all(p["chat_id"] == 42 and "parse_mode" not in p for p in sent)
    assert sent[-1]["reply_markup"] == {"inline_keyboard": [[{"text": "JMO", "callback_data": "/ask_jmo"}]]}


def test_an_unreachable_bot_api_raises_without_the_token():
    async def call():
        api = BotApi(TOKEN, "http://127.0.0.1:1")
        try:
            await api.call("getMe")
        finally:
            await api.close()

    with pytest.raises(TelegramError) as error:
        asyncio.run(call())
    assert TOKEN not in str(error.value)


def set_webhook(url: str) -> subprocess.CompletedProcess:
    """Runs scripts/telegram_set_webhook.py against the fake Bot API."""
    env = dict(os.environ, **dict(TELEGRAM_ENV, TELEGRAM_WEBHOOK_URL=url))
    return subprocess.run([sys.executable, "scripts/telegram_set_webhook.py"], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_script_sets_the_webhook_with_the_secret(fake_api):
    fake_api.reset()
    url = "https://bot.example.org/webhooks/telegram/webhook"
    result = set_webhook(url)
    assert result.returncode == 0, result.stderr
    assert fake_api.calls == [("setWebhook", {"url": url, "secret_token": SECRET,
                                              "allowed_updates": ["message", "callback_query"],
                                              "drop_pending_updates": False})]


@pytest.mark.parametrize("url", ["http://bot.example.org/webhooks/telegram/webhook",
                                 "https://bot.example.org:5005/webhooks/telegram/webhook"])
def test_the_script_refuses_a_url_telegram_cannot_use(fake_api, url):
    fake_api.reset()
    result = set_webhook(url)
    assert result.returncode == 2 and "TELEGRAM_WEBHOOK_URL" in result.stderr
    assert fake_api.calls == []


# The bot on Telegram (live)


def test_a_text_message_is_answered(api):
    chat = next(CHAT_IDS)
    assert post(message(chat, "apa itu plkk")).status_code == 200
    assert "Pusat Layanan Kecelakaan Kerja" in sent_text(api, chat)
    assert all("parse_mode" not in p for p in api.recorded("sendMessage"))


def test_a_colloquial_question_is_answered(api):
    chat = next(CHAT_IDS)
    assert post(message(chat, "brp jumlah plkk di kalbar")).status_code == 200
    assert "79" in sent_text(api, chat)


def test_a_shared_location_gets_the_nearest_office(api):
    chat = next(CHAT_IDS)
    response = post(message(chat, location={"latitude": -0.02, "longitude": 109.33}))
    assert response.status_code == 200
    assert "Kantor Cabang Pontianak" in sent_text(api, chat)


def test_start_greets_with_the_menu_as_inline_buttons(api):
    chat = next(CHAT_IDS)
    assert post(message(chat, "/start")).status_code == 200
    assert "Halo, selamat datang!" in sent_text(api, chat)
    keyboards = [p["reply_markup"]["inline_keyboard"] for p in api.recorded("sendMessage")
                 if "reply_markup" in p]
    assert keyboards and all(len(row) == 1 for row in keyboards[0])
    assert {"/ask_nearest_office", "/ask_offices", "/ask_jmo"} <= set(callback_data(api))


def test_a_button_press_is_answered_and_acknowledged(api):
    chat = next(CHAT_IDS)
    assert post(callback(chat, "/ask_jmo", "query-jmo")).status_code == 200
    assert api.calls[0] == ("answerCallbackQuery", {"callback_query_id": "query-jmo"})
    assert "Jamsostek Mobile" in sent_text(api, chat)


def test_a_place_button_resolves_an_ambiguous_place(api):
    chat = next(CHAT_IDS)
    post(message(chat, "sungai raya"))
    choice = '/inform_place{"place": "611201"}'
    assert choice in callback_data(api)
    api.reset()
    assert post(callback(chat, choice, "query-place")).status_code == 200
    assert api.recorded("answerCallbackQuery") == [{"callback_query_id": "query-place"}]
    assert "Kantor Cabang Pontianak" in sent_text(api, chat)


@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["missing", "wrong"])
def test_a_wrong_or_missing_secret_is_refused(api, secret):
    response = post(message(next(CHAT_IDS), "apa itu plkk"), secret=secret)
    assert response.status_code == 403
    assert api.calls == []


@pytest.mark.parametrize("update", [
    {"edited_message": message(1, "apa itu plkk")["message"]},
    {"channel_post": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "channel"}, "text": "x"}},
    message(1, sticker={"file_id": "x"}),
    message(1, "/start@some_other_bot"),
], ids=["edited", "channel post", "sticker", "other bot's command"])
def test_an_update_without_a_message_gets_200_and_nothing(api, update):
    assert post(update).status_code == 200
    assert api.calls == []


def test_rasa_starts_while_the_bot_api_is_unreachable(actions):
    env = dict(TELEGRAM_ENV, TELEGRAM_API_URL="http://127.0.0.1:1")
    with rasa_server(port=OFFLINE_RASA_PORT, actions_port=ACTIONS_PORT, env=env):
        assert "Pusat Layanan Kecelakaan Kerja" in say("offline-rest", "apa itu plkk", OFFLINE_RASA_PORT)
        webhook = f"http://127.0.0.1:{OFFLINE_RASA_PORT}/webhooks/telegram/webhook"
        assert post(message(next(CHAT_IDS), "apa itu plkk"), url=webhook).status_code == 200

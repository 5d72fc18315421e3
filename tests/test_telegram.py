"""The Telegram channel (channels/telegram.py): unit tests of its parts, then the trained bot and the
action server on loopback, with Telegram played by a fake Bot API server on 127.0.0.1 that records
every call. Each live test asserts the Bot API calls an update causes."""

import asyncio
import itertools
import logging
import os
import sqlite3
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

import pytest
import requests

import fake_telegram
from channels.telegram import (PLAIN_REPLIES, UNREADABLE, BotApi, CallbackStore, Incoming,
                               RepeatedTaps, TelegramError, TelegramInput, TelegramOutput,
                               parse_update, settings, split_text)
from fake_telegram import TOKEN, FakeBotApi, callback, message
from servers import LOGS, PROJECT, action_server, rasa_server, say

FAKE_API_PORT, ACTIONS_PORT, RASA_PORT, OFFLINE_RASA_PORT = 17081, 17055, 17005, 17006
FAKE_API_URL = f"http://127.0.0.1:{FAKE_API_PORT}"
SECRET = "test_secret-token"
WEBHOOK = f"http://127.0.0.1:{RASA_PORT}/webhooks/telegram/webhook"
TELEGRAM_ENV = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
                "TELEGRAM_API_URL": FAKE_API_URL, "TELEGRAM_BOT_USERNAME": "bpjstk_test_bot",
                "TELEGRAM_WEBHOOK_URL": ""}
CHAT_IDS = itertools.count(900001)
GROUP_IDS = itertools.count(-1009000001, -1)
QUERY_IDS = itertools.count(1)
# what the unreadable_message reply starts with, in each language
UNREADABLE_REPLY = {"id": "Maaf, saya hanya bisa membaca pesan teks, tombol pilihan, dan lokasi",
                    "en": "Sorry, I can only read text messages, the buttons and a shared location"}


@pytest.fixture(scope="module")
def fake_api():
    with fake_telegram.running(FAKE_API_PORT) as server:
        yield server


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
    return fake_telegram.post(url, update, secret)


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
    pressed = parse_update(callback(7, "/ask_jmo", "q1"))
    assert (pressed.chat_id, pressed.text, pressed.callback_id) == ("7", "/ask_jmo", "q1")
    assert parse_update({"edited_message": message(7, "halo")["message"]}) is None
    assert parse_update(message(7, new_chat_members=[{"id": 8}])) is None  # a service message


def test_each_chat_and_each_group_member_is_a_conversation_of_its_own():
    assert parse_update(message(7, "halo")).conversation == "telegram:7"
    assert parse_update(callback(7, "/ask_jmo", "q1")).conversation == "telegram:7"
    in_group = parse_update(message(-100123, "halo", chat_type="supergroup", user=7, message_id=55))
    assert in_group.conversation == "telegram:-100123:7" and in_group.chat_id == "-100123"
    assert in_group.reply_to == 55
    tapped = parse_update(callback(-100123, "/ask_jmo", "q2", chat_type="group", user=8,
                                   message_id=56))
    assert tapped.conversation == "telegram:-100123:8" and tapped.reply_to == 56
    assert parse_update(message(7, "halo")).reply_to is None  # private chats: no quoting


@pytest.mark.parametrize("kind", UNREADABLE)
def test_a_message_the_bot_cannot_read_is_marked_with_its_kind(kind):
    incoming = parse_update(message(7, **{kind: {"file_id": "x"}}))
    assert incoming == Incoming("7", None, conversation="telegram:7", unreadable=kind)
    photo_with_caption = message(7, photo=[{"file_id": "x"}], caption="apa itu jmo")
    assert parse_update(photo_with_caption).text == "apa itu jmo"


def test_a_repeated_tap_counts_within_the_window_only():
    now = [100.0]
    taps = RepeatedTaps(seconds=5, clock=lambda: now[0])
    assert not taps.repeated(("telegram:7", 1, "/ask_jmo"))
    now[0] += 4.9
    assert taps.repeated(("telegram:7", 1, "/ask_jmo"))
    assert not taps.repeated(("telegram:7", 2, "/ask_jmo"))  # another message's button
    assert not taps.repeated(("telegram:8", 1, "/ask_jmo"))  # another user
    now[0] += 5.1
    assert not taps.repeated(("telegram:7", 1, "/ask_jmo"))


def test_replies_in_a_group_quote_the_asker(fake_api):
    fake_api.reset()
    bot = TelegramOutput(BotApi(TOKEN, FAKE_API_URL), reply_to=55)
    asyncio.run(bot.send_text_message("telegram:-100123:7", "jawaban"))
    asyncio.run(bot.api.close())
    assert fake_api.recorded("sendMessage") == [{
        "chat_id": -100123, "text": "jawaban",
        "reply_parameters": {"message_id": 55, "allow_sending_without_reply": True}}]


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
    message(1, "/start@some_other_bot"),
    message(1, new_chat_members=[{"id": 2, "is_bot": False, "first_name": "New"}]),
], ids=["edited", "channel post", "other bot's command", "service message"])
def test_an_update_without_a_message_gets_200_and_nothing(api, update):
    assert post(update).status_code == 200
    assert api.calls == []


def test_rasa_starts_while_the_bot_api_is_unreachable(actions):
    env = dict(TELEGRAM_ENV, TELEGRAM_API_URL="http://127.0.0.1:1")
    with rasa_server(port=OFFLINE_RASA_PORT, actions_port=ACTIONS_PORT, env=env):
        assert "Pusat Layanan Kecelakaan Kerja" in say("offline-rest", "apa itu plkk", OFFLINE_RASA_PORT)
        webhook = f"http://127.0.0.1:{OFFLINE_RASA_PORT}/webhooks/telegram/webhook"
        assert post(message(next(CHAT_IDS), "apa itu plkk"), url=webhook).status_code == 200


# Conversations, commands, messages the bot cannot read, repeated taps, groups (issue 11)

# (command, what the answer says in Indonesian, in English)
COMMAND_ANSWERS = [
    ("/restart", "Baik, percakapan dimulai dari awal.", "OK, the conversation starts over."),
    ("/back", "Kembali ke menu.", "Back to the menu."),
    ("/session_start", "Halo, selamat datang!", "Hello and welcome!"),
    ("/foo", "Saya bisa membantu Anda", "I can help you with"),
    ("/help", "Saya bisa membantu Anda", "I can help you with"),
]
# the kinds of message named in the issue, as Telegram sends them
MEDIA = {
    "sticker": {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular",
                            "width": 512, "height": 512, "is_animated": False,
                            "is_video": False}},
    "voice": {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
    "photo without caption": {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 90,
                                         "height": 90}]},
    "video": {"video": {"file_id": "v", "file_unique_id": "v", "width": 1, "height": 1,
                        "duration": 1}},
    "video note": {"video_note": {"file_id": "n", "file_unique_id": "n", "length": 1,
                                  "duration": 1}},
    "audio": {"audio": {"file_id": "a", "file_unique_id": "a", "duration": 1}},
    "animation": {"animation": {"file_id": "g", "file_unique_id": "g", "width": 1, "height": 1,
                                "duration": 1}},
    "contact": {"contact": {"phone_number": "+620000", "first_name": "Budi"}},
    "document": {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "ktp.pdf"}},
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
    "poll": {"poll": {"id": "1", "question": "?", "options": [{"text": "a", "voter_count": 0}],
                      "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
                      "type": "regular", "allows_multiple_answers": False}},
}


def stored_conversations() -> List[str]:
    """The conversation ids in the tracker store of the Rasa under test."""
    with sqlite3.connect(LOGS / f"tracker-{RASA_PORT}.db") as connection:
        return [row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")]


def timed_post(update: Dict[str, Any]) -> float:
    """Posts an update; returns the seconds until the webhook answered 200."""
    started = time.monotonic()
    assert post(update).status_code == 200
    return time.monotonic() - started


def test_a_chat_is_stored_as_telegram_chat(api):
    chat = next(CHAT_IDS)
    post(message(chat, "apa itu plkk"))
    assert f"telegram:{chat}" in stored_conversations()
    assert str(chat) not in stored_conversations()


@pytest.mark.parametrize("kind", list(MEDIA))
def test_each_message_the_bot_cannot_read_gets_one_short_reply(api, kind):
    chat = next(CHAT_IDS)
    assert timed_post(message(chat, **MEDIA[kind])) < 5
    sent = api.recorded("sendMessage")
    assert len(sent) == 1 and sent[0]["chat_id"] == chat, sent
    assert sent[0]["text"].startswith(UNREADABLE_REPLY["id"])
    assert "lokasi" in sent[0]["text"] and "tombol" in sent[0]["text"]


def test_the_reply_to_an_unreadable_message_is_in_the_chats_language(api):
    chat = next(CHAT_IDS)
    post(message(chat, "hello, what is the JMO app"))
    api.reset()
    post(message(chat, **MEDIA["sticker"]))
    assert sent_text(api, chat).startswith(UNREADABLE_REPLY["en"])
    api.reset()
    new_chat = next(CHAT_IDS)  # no conversation yet: the Telegram app's language
    post(message(new_chat, language_code="en-GB", **MEDIA["voice"]))
    assert sent_text(api, new_chat).startswith(UNREADABLE_REPLY["en"])
    post(message(new_chat + 10**6, language_code="id", **MEDIA["voice"]))
    assert sent_text(api, new_chat + 10**6).startswith(UNREADABLE_REPLY["id"])


@pytest.mark.parametrize("command, indonesian, english", COMMAND_ANSWERS,
                         ids=[c[0] for c in COMMAND_ANSWERS])
def test_each_command_is_answered_within_5_s_in_the_chats_language(api, command, indonesian,
                                                                   english):
    chat = next(CHAT_IDS)
    post(message(chat, "halo min"))
    api.reset()
    assert timed_post(message(chat, command)) < 5
    assert indonesian in sent_text(api, chat)
    chat = next(CHAT_IDS)
    post(message(chat, "hello, good morning"))
    api.reset()
    assert timed_post(message(chat, command)) < 5
    assert english in sent_text(api, chat)


def test_restart_forgets_the_topic(api):
    chat = next(CHAT_IDS)
    post(message(chat, "apa itu bsu"))
    post(message(chat, "/restart"))
    api.reset()
    post(message(chat, "syaratnya apa aja"))
    assert "Permenaker" not in sent_text(api, chat)


def test_back_repeats_the_pending_place_question_with_its_buttons(api):
    chat = next(CHAT_IDS)
    post(message(chat, "sungai raya"))
    question = [p for p in api.recorded("sendMessage") if "reply_markup" in p][-1]
    api.reset()
    post(message(chat, "/back"))
    repeated = api.recorded("sendMessage")
    assert repeated[-1]["text"] == question["text"]
    assert repeated[-1]["reply_markup"] == question["reply_markup"]


def test_a_double_tap_on_a_button_is_answered_once(api):
    chat = next(CHAT_IDS)
    taps = [callback(chat, "/ask_jmo", f"tap-{next(QUERY_IDS)}", message_id=31) for _ in range(2)]
    assert post(taps[0]).status_code == 200
    assert post(taps[1]).status_code == 200  # the same button, a moment later
    assert sorted(p["callback_query_id"] for p in api.recorded("answerCallbackQuery")) == sorted(
        t["callback_query"]["id"] for t in taps)  # both spinners stop
    answers = [p for p in api.recorded("sendMessage") if "Jamsostek Mobile" in p["text"]]
    assert len(answers) == 1, answers
    api.reset()  # another button of the same message is answered
    post(callback(chat, "/ask_offices", f"tap-{next(QUERY_IDS)}", message_id=31))
    assert "Kantor Cabang" in sent_text(api, chat)


def test_a_double_tap_sent_at_the_same_moment_is_answered_once(api):
    chat = next(CHAT_IDS)
    taps = [callback(chat, "/ask_plkk_definition", f"tap-{next(QUERY_IDS)}", message_id=32)
            for _ in range(2)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(lambda update: post(update).status_code, taps))
    assert statuses == [200, 200]
    answers = [p for p in api.recorded("sendMessage") if "Pusat Layanan Kecelakaan Kerja" in p["text"]]
    assert len(answers) == 1, answers


def test_in_a_group_answers_reply_to_the_asker_and_members_keep_their_own_context(api):
    group = next(GROUP_IDS)
    ana, budi = next(CHAT_IDS), next(CHAT_IDS)
    post(message(group, "apa itu bsu", chat_type="supergroup", user=ana, message_id=501))
    sent = api.recorded("sendMessage")
    assert sent and all(p["chat_id"] == group for p in sent)
    assert all(p.get("reply_parameters", {}).get("message_id") == 501 for p in sent), sent
    api.reset()
    post(message(group, "syaratnya apa aja", chat_type="supergroup", user=budi, message_id=502))
    sent = api.recorded("sendMessage")
    assert all(p.get("reply_parameters", {}).get("message_id") == 502 for p in sent), sent
    assert "Permenaker" not in sent_text(api, group)  # Ana's topic is not Budi's
    api.reset()
    post(message(group, "syaratnya apa aja", chat_type="supergroup", user=ana, message_id=503))
    assert "Permenaker" in sent_text(api, group)
    assert {f"telegram:{group}:{ana}", f"telegram:{group}:{budi}"} <= set(stored_conversations())
    api.reset()
    post(callback(group, "/ask_jmo", f"tap-{next(QUERY_IDS)}", chat_type="supergroup", user=budi,
                  message_id=504))
    sent = api.recorded("sendMessage")
    assert sent and all(p.get("reply_parameters", {}).get("message_id") == 504 for p in sent)


# Malformed updates and expired buttons (issue 19 item 6)

EXPIRED_REPLY = {"id": "Maaf, tombol itu sudah tidak berlaku.", "en": "Sorry, that button has expired."}
BAD_LOCATION_REPLY = {"id": "Maaf, lokasi yang dibagikan tidak terbaca.",
                      "en": "Sorry, I could not read that location."}
HELP_REPLY = {"id": "Saya bisa membantu Anda", "en": "I can help you with"}
EXPIRED_DATA = "cb:" + "0" * 24  # a long payload's key from before a restart


def private(chat: int, **fields: Any) -> Dict[str, Any]:
    """A message in a private chat with only `fields` besides the chat and the sender."""
    return {"message": {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"},
                        "from": {"id": chat, "is_bot": False, "first_name": "Tester"}, **fields}}


# (update, what the bot does: "ignored", "bad location" or the text Rasa is sent)
MALFORMED = {
    "location without longitude": (private(7, location={"latitude": -0.02}), "bad location"),
    "location without latitude": (private(7, location={"longitude": 109.33}), "bad location"),
    "location with text coordinates": (private(7, location={"latitude": "utara",
                                                            "longitude": "barat"}), "bad location"),
    "location with null coordinates": (private(7, location={"latitude": None,
                                                            "longitude": None}), "bad location"),
    "location with a list": (private(7, location={"latitude": [1], "longitude": {"x": 1}}),
                             "bad location"),
    "location with true": (private(7, location={"latitude": True, "longitude": 109.33}),
                           "bad location"),
    "location out of range": (private(7, location={"latitude": 200, "longitude": 109.33}),
                              "bad location"),
    "location not an object": (private(7, location="di sini"), "bad location"),
    "location empty": (private(7, location={}), "bad location"),
    "location as numeric text": (private(7, location={"latitude": "-0.02", "longitude": "109.33"}),
                                 '{"lng": 109.33, "lat": -0.02}'),
    "message without text": (private(7), "ignored"),
    "message with a number as text": (private(7, text=42), "ignored"),
    "message with a list as text": (private(7, text=["halo"]), "ignored"),
    "message without chat": ({"message": {"message_id": 1, "date": 0, "text": "halo"}}, "ignored"),
    "message with chat null": ({"message": {"message_id": 1, "chat": None, "text": "halo"}},
                               "ignored"),
    "message with a chat id that is no number": (
        {"message": {"message_id": 1, "chat": {"id": {"x": 1}}, "text": "halo"}}, "ignored"),
    "message with a chat without id": ({"message": {"message_id": 1, "chat": {}, "text": "halo"}},
                                       "ignored"),
    "message not an object": ({"message": "halo"}, "ignored"),
    "message null": ({"message": None}, "ignored"),
    "message with a text id and language": (
        {"message": {"message_id": {"x": 1}, "chat": {"id": 7, "type": "supergroup"},
                     "from": {"id": [8], "language_code": 5}, "text": "apa itu jmo"}},
        "apa itu jmo"),
    "callback without data": ({"callback_query": {"id": "q1", "from": {"id": 7},
                                                  "message": {"message_id": 3,
                                                              "chat": {"id": 7}}}}, "ignored"),
    "callback with a number as data": ({"callback_query": {"id": "q2", "from": {"id": 7},
                                                           "data": 5}}, "ignored"),
    "callback without message": ({"callback_query": {"id": "q3", "from": {"id": 7},
                                                      "data": "/ask_jmo"}}, "/ask_jmo"),
    "callback without message and sender": ({"callback_query": {"id": "q4", "data": "/ask_jmo"}},
                                            "ignored"),
    "callback without id": ({"callback_query": {"data": "/ask_jmo", "from": {"id": 7}}}, "ignored"),
    "callback not an object": ({"callback_query": "x"}, "ignored"),
    "callback with a message id that is an object": (
        {"callback_query": {"id": "q5", "from": {"id": 7}, "data": "/ask_jmo",
                            "message": {"message_id": {"a": 1}, "chat": {"id": 7}}}}, "/ask_jmo"),
    "poll answer": ({"poll_answer": {"poll_id": "1", "option_ids": [0]}}, "ignored"),
    "chat member": ({"my_chat_member": {"chat": {"id": 7}}}, "ignored"),
    "inline query": ({"inline_query": {"id": "1", "query": "jmo"}}, "ignored"),
    "empty update": ({}, "ignored"),
    "update id that is an object": ({"update_id": {"a": 1}}, "ignored"),
}


class RecordingApi:
    """A Bot API that records its calls and answers ok."""

    def __init__(self) -> None:
        self.calls: List[Any] = []

    async def call(self, method: str, **params: Any) -> Any:
        self.calls.append((method, params))
        return True


def handled(update: Dict[str, Any], channel: Optional[TelegramInput] = None):
    """(the Bot API calls, the texts sent to Rasa) for one update handled by the channel."""
    channel = channel or TelegramInput(token=TOKEN, secret_token=SECRET)
    api = channel.api = RecordingApi()
    sent: List[str] = []

    async def on_new_message(message):
        sent.append(message.text)

    asyncio.run(channel.handle_update(update, on_new_message))
    return api.calls, sent


@pytest.mark.parametrize("update, outcome", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_update_is_answered_or_ignored_without_a_traceback(update, outcome, caplog):
    calls, sent = handled(update)
    texts = [params["text"] for method, params in calls if method == "sendMessage"]
    if outcome == "ignored":
        assert sent == [] and texts == []
    elif outcome == "bad location":
        assert sent == [] and len(texts) == 1 and texts[0].startswith(BAD_LOCATION_REPLY["id"])
    else:
        assert sent == [outcome] and texts == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_channel_replies_match_the_reply_templates():
    from actions import replies

    for name, plain in PLAIN_REPLIES.items():
        for lang, text in plain.items():
            assert replies.render(name, lang).startswith(text), (name, lang)


@pytest.mark.parametrize("language_code, lang", [(None, "id"), ("id", "id"), ("en-US", "en")])
def test_an_expired_button_says_so_in_the_users_language_and_shows_the_menu(language_code, lang):
    update = callback(7, EXPIRED_DATA, "q-expired")
    if language_code:
        update["callback_query"]["from"]["language_code"] = language_code
    calls, sent = handled(update)
    assert calls[0] == ("answerCallbackQuery", {"callback_query_id": "q-expired"})
    assert calls[1][0] == "sendMessage" and calls[1][1]["chat_id"] == 7
    assert calls[1][1]["text"].startswith(EXPIRED_REPLY[lang])
    assert sent == ["/ask_help"]  # the menu, from the help action


def test_a_double_tap_on_an_expired_button_is_answered_once():
    channel = TelegramInput(token=TOKEN, secret_token=SECRET)
    first = handled(callback(7, EXPIRED_DATA, "q-a", message_id=9), channel)
    second = handled(callback(7, EXPIRED_DATA, "q-b", message_id=9), channel)
    assert first[1] == ["/ask_help"] and second == ([("answerCallbackQuery",
                                                       {"callback_query_id": "q-b"})], [])


def rasa_log_since(position: int) -> str:
    return (LOGS / f"rasa-{RASA_PORT}.log").read_text(errors="replace")[position:]


def rasa_log_size() -> int:
    return len((LOGS / f"rasa-{RASA_PORT}.log").read_text(errors="replace"))


def test_malformed_updates_get_200_and_no_traceback_on_the_live_bot(api):
    start = rasa_log_size()
    for name, (update, _) in MALFORMED.items():
        assert post(update).status_code == 200, name
    time.sleep(0.5)
    log = rasa_log_since(start)
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]


@pytest.mark.parametrize("body", [b"not json", b"{", b"null", b"[]", b'"update"', b"42", b""],
                         ids=["text", "broken", "null", "list", "string", "number", "empty"])
def test_a_body_that_is_no_json_object_gets_400_and_no_traceback(api, body):
    start = rasa_log_size()
    response = requests.post(WEBHOOK, data=body, timeout=30,
                             headers={fake_telegram.SECRET_HEADER: SECRET,
                                      "Content-Type": "application/json"})
    assert response.status_code == 400
    assert api.calls == []
    log = rasa_log_since(start)
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]


def test_a_location_without_coordinates_gets_a_reply_in_the_chats_language(api):
    chat = next(CHAT_IDS)
    assert post(message(chat, location={"latitude": -0.02})).status_code == 200
    assert sent_text(api, chat).startswith(BAD_LOCATION_REPLY["id"])
    chat = next(CHAT_IDS)
    post(message(chat, "hello, what is the JMO app"))
    api.reset()
    post(message(chat, location={"latitude": "north", "longitude": "west"}))
    assert sent_text(api, chat).startswith(BAD_LOCATION_REPLY["en"])


@pytest.mark.parametrize("lang, first", [("id", "halo min, apa itu jmo"),
                                         ("en", "hello, what is the JMO app")])
def test_an_expired_button_on_the_live_bot_says_so_and_shows_the_menu(api, lang, first):
    chat = next(CHAT_IDS)
    post(message(chat, first))
    api.reset()
    assert post(callback(chat, EXPIRED_DATA, f"tap-{next(QUERY_IDS)}")).status_code == 200
    assert api.recorded("answerCallbackQuery")
    sent = api.recorded("sendMessage")
    assert sent[0]["text"].startswith(EXPIRED_REPLY[lang]), sent
    assert HELP_REPLY[lang] in sent_text(api, chat)
    assert {"/ask_nearest_office", "/ask_jmo"} <= set(callback_data(api))

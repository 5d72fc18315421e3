"""The WhatsApp channel (channels/whatsapp.py) in this process: webhooks are handed to the channel
as Sanic hands them (the raw body and its X-Hub-Signature-256), Rasa is a stub that records what it
is sent and answers through the channel's output, and Meta's Graph API is a fake server on
127.0.0.1 that records every message (tests/fake_whatsapp.py). The trained bot behind
`make whatsapp` is in tests/test_whatsapp_live.py."""

import asyncio
import json
import logging
import os
import subprocess
import time
from typing import Any, Callable, Dict, List, Optional

import pytest

import fake_whatsapp
from channels.common import PLAIN_REPLIES
from channels.conversations import channel_of
from channels.whatsapp import (LIST_BUTTON, MAX_BODY_LENGTH, MAX_MESSAGE_LENGTH, GraphApi,
                               WhatsAppError, WhatsAppInput, WhatsAppOutput, settings, signature,
                               split_tail)
from fake_whatsapp import (APP_SECRET, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN, button_reply, message,
                           text, webhook)
from servers import PROJECT

FAKE_API_PORT = 19681
USER = "6281234567890"
UNREADABLE = {lang: PLAIN_REPLIES["unreadable_message"][lang] for lang in ("id", "en")}
BAD_LOCATION = {lang: PLAIN_REPLIES["unreadable_location"][lang] for lang in ("id", "en")}
EXPIRED = {lang: PLAIN_REPLIES["button_expired"][lang] for lang in ("id", "en")}
MENU = [{"title": title, "payload": payload} for title, payload in [
    ("Kantor terdekat", "/ask_nearest_office"), ("Daftar kantor", "/ask_offices"),
    ("Apa itu PLKK?", "/ask_plkk_definition"), ("Jumlah PLKK", "/ask_plkk_count"),
    ("Aplikasi JMO", "/ask_jmo"), ("BSU di Kalbar", "/ask_bsu_kalbar")]]


@pytest.fixture(scope="module")
def fake_api():
    with fake_whatsapp.running(FAKE_API_PORT) as server:
        yield server


@pytest.fixture
def graph(fake_api):
    """The fake Graph API with nothing recorded, answering at once."""
    fake_api.reset()
    yield fake_api
    fake_api.reset()


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.DEBUG, logger="channels")
    return caplog


def make_channel(graph, **kwargs: Any) -> WhatsAppInput:
    """The channel configured for the fake Graph API."""
    values = dict(access_token=TOKEN, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,
                  phone_number_id=PHONE_NUMBER_ID, api_url=graph.url)
    return WhatsAppInput(**dict(values, **kwargs))


class StubRasa:
    """Rasa's on_new_message: records each message and answers it with `reply(text)` (a list of
    bot messages as Rasa sends them: {"text": ..., "buttons": [...]}) through its output channel."""

    def __init__(self, reply: Optional[Callable[[str], List[Dict[str, Any]]]] = None,
                 delay: float = 0.0) -> None:
        self.reply = reply or (lambda message_text: [{"text": f"jawaban: {message_text}"}])
        self.delay = delay
        self.messages: List[Any] = []

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages]

    async def __call__(self, user_message: Any) -> None:
        self.messages.append(user_message)
        if self.delay:
            await asyncio.sleep(self.delay)
        for bot_message in self.reply(user_message.text):
            await user_message.output_channel.send_response(user_message.sender_id, bot_message)


class StubAgent:
    """Rasa's agent as far as the channel uses it: a tracker store with a language slot."""

    def __init__(self, language: Optional[str]) -> None:
        self.tracker_store = self
        self.language = language

    async def retrieve(self, conversation: str) -> Any:
        language = self.language

        class Tracker:
            def get_slot(self, name: str) -> Any:
                return language if name == "language" else None

        return Tracker()


def deliver(channel: WhatsAppInput, *updates: Any, rasa: Optional[StubRasa] = None,
            agent: Any = None, secret: Optional[str] = APP_SECRET, raw: Optional[bytes] = None,
            wait: Optional[float] = 30) -> List[Any]:
    """Hands each webhook to the channel as Meta posts it (signed with `secret`, unsigned when
    None; `raw`: this body instead), waits for the answers in the background; returns the
    (status, body) the webhook answered each one."""
    rasa = rasa if rasa is not None else StubRasa()

    async def run() -> List[Any]:
        answers = []
        for update in updates or [None]:
            body = raw if raw is not None else json.dumps(update).encode()
            header = signature(body, secret) if secret else None
            answers.append(channel.receive(body, header, rasa, agent))
        await channel.drain(wait)
        if channel.api:
            await channel.api.close()
        return answers

    return asyncio.run(run())


def sent_texts(graph, to: str = USER) -> List[str]:
    """The bodies of the text messages sent to a user, in order."""
    return [m["text"]["body"] for m in graph.sent(to) if m["type"] == "text"]


def interactive(graph, to: str = USER) -> List[Dict[str, Any]]:
    """The interactive messages sent to a user."""
    return [m["interactive"] for m in graph.sent(to) if m["type"] == "interactive"]


def no_errors(log) -> bool:
    return not [r for r in log.records if r.levelno >= logging.ERROR or r.exc_info]


# Settings, webhook verification, signatures


def test_environment_wins_over_credentials(monkeypatch):
    for variable in ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
                     "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_API_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "from-env")
    values = settings({"access_token": "token-from-file", "phone_number_id": "42"})
    assert values["access_token"] == "from-env" and values["phone_number_id"] == "42"
    assert values["api_url"] == "https://graph.facebook.com/v21.0"
    monkeypatch.setenv("WHATSAPP_API_URL", "http://127.0.0.1:1/v99.0/")
    assert settings()["api_url"] == "http://127.0.0.1:1/v99.0"


def test_verification_echoes_the_challenge_for_the_right_token_only(graph):
    channel = make_channel(graph)
    assert channel.verification("subscribe", VERIFY_TOKEN, "1158201444") == (200, "1158201444")
    assert channel.verification("subscribe", "wrong", "1158201444")[0] == 403
    assert channel.verification("subscribe", None, "1158201444")[0] == 403
    assert channel.verification("unsubscribe", VERIFY_TOKEN, "1158201444")[0] == 403
    assert channel.verification("subscribe", VERIFY_TOKEN, None)[0] == 400
    unset = make_channel(graph, verify_token=None)
    assert unset.verification("subscribe", "", "1")[0] == 403
    assert unset.verification("subscribe", "None", "1")[0] == 403


@pytest.mark.parametrize("secret, status", [(None, 401), ("another-secret", 403)],
                         ids=["missing", "wrong"])
def test_a_post_without_the_right_signature_is_refused_and_nothing_happens(graph, log, secret,
                                                                           status):
    rasa = StubRasa()
    answers = deliver(make_channel(graph), webhook([text(USER, "apa itu plkk")]), rasa=rasa,
                      secret=secret)
    assert answers[0][0] == status
    assert rasa.messages == [] and graph.recorded() == []


def test_a_signature_of_another_body_is_refused(graph):
    channel, rasa = make_channel(graph), StubRasa()
    body = json.dumps(webhook([text(USER, "apa itu plkk")])).encode()
    other = json.dumps(webhook([text(USER, "apa itu jmo")])).encode()

    async def run():
        return channel.receive(body, signature(other, APP_SECRET), rasa)

    assert asyncio.run(run())[0] == 403
    assert rasa.messages == [] and graph.recorded() == []


def test_the_channel_is_off_without_token_or_secret(graph):
    rasa = StubRasa()
    update = webhook([text(USER, "halo")])
    assert deliver(make_channel(graph, access_token=None), update, rasa=rasa)[0][0] == 503
    assert deliver(make_channel(graph, phone_number_id=None), update, rasa=rasa)[0][0] == 503
    assert deliver(make_channel(graph, app_secret=None), update, rasa=rasa)[0][0] == 403
    assert rasa.messages == [] and graph.recorded() == []
    assert WhatsAppInput().get_output_channel() is None


@pytest.mark.parametrize("body", [b"not json", b"{", b"null", b"[]", b"42", b""],
                         ids=["text", "broken", "null", "list", "number", "empty"])
def test_a_signed_body_that_is_no_json_object_gets_400(graph, body):
    rasa = StubRasa()
    assert deliver(make_channel(graph), rasa=rasa, raw=body)[0][0] == 400
    assert rasa.messages == [] and graph.recorded() == []


# What users send


def test_a_text_is_marked_read_and_answered_in_the_users_conversation(graph, log):
    rasa = StubRasa()
    incoming = text(USER, "apa itu plkk")
    assert deliver(make_channel(graph), webhook([incoming]), rasa=rasa) == [(200, {"status": "ok"})]
    [user_message] = rasa.messages
    assert (user_message.text, user_message.sender_id) == ("apa itu plkk", f"whatsapp:{USER}")
    assert user_message.input_channel == "whatsapp" and user_message.message_id == incoming["id"]
    assert channel_of(user_message.sender_id) == "whatsapp"
    assert graph.recorded() == [
        {"messaging_product": "whatsapp", "status": "read", "message_id": incoming["id"]},
        {"messaging_product": "whatsapp", "recipient_type": "individual", "to": USER,
         "type": "text", "text": {"body": "jawaban: apa itu plkk"}}]
    assert no_errors(log)


def test_a_shared_location_is_sent_to_rasa_as_coordinates(graph):
    rasa = StubRasa()
    shared = message(USER, "location", location={"latitude": -0.02, "longitude": 109.33,
                                                 "name": "Rumah", "address": "Jl. Contoh"})
    deliver(make_channel(graph), webhook([shared]), rasa=rasa)
    assert rasa.texts == ['{"lng": 109.33, "lat": -0.02}']


@pytest.mark.parametrize("location", [{"latitude": -0.02}, {"latitude": "utara", "longitude": 1},
                                      {"latitude": 200, "longitude": 109.33}, "di sini"],
                         ids=["no longitude", "text", "out of range", "not an object"])
def test_a_location_without_usable_coordinates_gets_one_short_reply(graph, location):
    rasa = StubRasa()
    deliver(make_channel(graph), webhook([message(USER, "location", location=location)]), rasa=rasa)
    assert rasa.messages == []
    [reply] = sent_texts(graph)
    assert reply.startswith(BAD_LOCATION["id"])


# Every kind of message the bot cannot read, as WhatsApp sends it
MEDIA = {
    "image without caption": ("image", {"image": {"id": "1", "mime_type": "image/jpeg",
                                                  "sha256": "x"}}),
    "audio": ("audio", {"audio": {"id": "2", "mime_type": "audio/mpeg", "voice": False}}),
    "voice": ("audio", {"audio": {"id": "3", "mime_type": "audio/ogg; codecs=opus", "voice": True}}),
    "video without caption": ("video", {"video": {"id": "4", "mime_type": "video/mp4"}}),
    "document without caption": ("document", {"document": {"id": "5", "filename": "ktp.pdf",
                                                           "mime_type": "application/pdf"}}),
    "sticker": ("sticker", {"sticker": {"id": "6", "mime_type": "image/webp", "animated": False}}),
    "contact": ("contacts", {"contacts": [{"name": {"formatted_name": "Budi", "first_name": "Budi"},
                                           "phones": [{"phone": "+62 812 0000 0000",
                                                       "type": "CELL"}]}]}),
    "reaction": ("reaction", {"reaction": {"message_id": "wamid.out1", "emoji": "\U0001F44D"}}),
    "unsupported": ("unsupported", {"errors": [{"code": 131051, "title": "Message type unknown"}]}),
    "unknown kind": ("poll", {"poll": {"question": "?"}}),
    "order": ("order", {"order": {"catalog_id": "1", "product_items": []}}),
    "flow reply": ("interactive", {"interactive": {"type": "nfm_reply",
                                                   "nfm_reply": {"response_json": "{}"}}}),
}


@pytest.mark.parametrize("kind", list(MEDIA))
def test_each_message_the_bot_cannot_read_gets_one_short_reply(graph, log, kind):
    rasa = StubRasa()
    incoming = message(USER, MEDIA[kind][0], **MEDIA[kind][1])
    assert deliver(make_channel(graph), webhook([incoming]), rasa=rasa)[0][0] == 200
    assert rasa.messages == []
    [reply] = sent_texts(graph)
    assert reply.startswith(UNREADABLE["id"]) and "lokasi" in reply
    assert graph.read_receipts() == [incoming["id"]]
    assert no_errors(log)


@pytest.mark.parametrize("kind", ["image", "document", "video"])
def test_an_image_or_document_with_a_caption_is_read_as_its_caption(graph, kind):
    rasa = StubRasa()
    incoming = message(USER, kind, **{kind: {"id": "9", "caption": "  apa itu jmo  "}})
    deliver(make_channel(graph), webhook([incoming]), rasa=rasa)
    assert rasa.texts == ["apa itu jmo"]
    assert sent_texts(graph) == ["jawaban: apa itu jmo"]


def test_the_reply_to_an_unreadable_message_is_in_the_conversations_language(graph):
    sticker = MEDIA["sticker"]
    deliver(make_channel(graph), webhook([message(USER, sticker[0], **sticker[1])]),
            agent=StubAgent("en"))
    assert sent_texts(graph)[0].startswith(UNREADABLE["en"])
    graph.reset()
    deliver(make_channel(graph), webhook([message(USER, sticker[0], **sticker[1])]),
            agent=StubAgent(None))  # a new user: Indonesian
    assert sent_texts(graph)[0].startswith(UNREADABLE["id"])


@pytest.mark.parametrize("state", ["sent", "delivered", "read", "failed"])
def test_a_status_update_gets_nothing_and_is_logged(graph, log, state):
    rasa = StubRasa()
    errors = [{"code": 131047, "title": "Re-engagement message"}] if state == "failed" else None
    update = webhook(statuses=[fake_whatsapp.status("wamid.out77", state,
                                                    **({"errors": errors} if errors else {}))])
    assert deliver(make_channel(graph), update, rasa=rasa)[0][0] == 200
    assert rasa.messages == [] and graph.recorded() == []
    logged = [r for r in log.records if "wamid.out77" in r.getMessage()]
    assert len(logged) == 1 and state in logged[0].getMessage()
    if state == "failed":
        assert logged[0].levelno == logging.WARNING and "131047" in logged[0].getMessage()
    assert "6281200000001" not in log.text  # the recipient's number is not logged


@pytest.mark.parametrize("incoming", [
    message(USER, "reaction", reaction={"message_id": "wamid.out1"}),  # a reaction taken back
    message(USER, "system", system={"body": "User changed number", "type": "user_changed_number"}),
    message(USER, "request_welcome"),
    message(USER, "text", text={"body": "   "}),
    message(USER, "text", text="halo", **{"from": None}),
    {"from": USER, "type": "text", "text": {"body": "tanpa id"}},
    message(USER, "interactive", interactive={"type": "button_reply", "button_reply": {}}),
    message("+62 812", "text", text="halo"),
], ids=["reaction removed", "system", "welcome request", "blank text", "no sender", "no id",
        "button without id", "sender that is no WhatsApp id"])
def test_messages_without_anything_to_answer_get_nothing(graph, log, incoming):
    rasa = StubRasa()
    assert deliver(make_channel(graph), webhook([incoming]), rasa=rasa)[0][0] == 200
    assert rasa.messages == [] and graph.recorded() == []
    assert no_errors(log)


@pytest.mark.parametrize("update", [
    {"object": "whatsapp_business_account", "entry": "x"},
    {"entry": [{"changes": [{"value": {"messages": "halo"}}]}]},
    {"entry": [{"changes": [{"value": {"messages": [None, 5, "x"], "statuses": [7]}}]}]},
    {"entry": [None, {"changes": None}, {"changes": [None, {"value": []}]}]},
    {"entry": [{"changes": [{"value": {"messages": [{"from": USER, "id": "wamid.x", "type": 5,
                                                     "text": {"body": "halo"}}]}}]}]},
    {},
], ids=["entry not a list", "messages not a list", "messages of the wrong type", "empty changes",
        "type not text", "empty"])
def test_a_malformed_webhook_gets_200_and_no_traceback(graph, log, update):
    rasa = StubRasa()
    assert deliver(make_channel(graph), update, rasa=rasa)[0][0] == 200
    assert no_errors(log)


def test_a_change_for_another_phone_number_is_ignored(graph):
    rasa = StubRasa()
    deliver(make_channel(graph), webhook([text(USER, "halo")], phone_number_id="999"), rasa=rasa)
    assert rasa.messages == [] and graph.recorded() == []


def test_a_retried_message_is_answered_once(graph):
    rasa = StubRasa()
    incoming = text(USER, "apa itu jmo")
    channel = make_channel(graph)
    assert deliver(channel, webhook([incoming]), webhook([incoming]), rasa=rasa) == [
        (200, {"status": "ok"})] * 2  # both at once, before the first is answered
    assert deliver(channel, webhook([incoming]), rasa=rasa)[0][0] == 200  # a later retry
    assert rasa.texts == ["apa itu jmo"]
    assert sent_texts(graph) == ["jawaban: apa itu jmo"]


def test_a_message_older_than_a_day_is_not_answered(graph):
    rasa = StubRasa()
    old = text(USER, "apa itu jmo", timestamp=time.time() - 25 * 3600)
    recent = text(USER, "apa itu bsu", timestamp=time.time() - 23 * 3600)
    deliver(make_channel(graph), webhook([old, recent]), rasa=rasa)
    assert rasa.texts == ["apa itu bsu"]


def test_messages_of_a_conversation_are_answered_in_order(graph):
    rasa = StubRasa(delay=0.3)
    other = "6289900000000"
    update = webhook([text(USER, "satu"), text(USER, "dua"), text(other, "tiga")])
    deliver(make_channel(graph), update, rasa=rasa)
    assert sent_texts(graph) == ["jawaban: satu", "jawaban: dua"]
    assert sent_texts(graph, other) == ["jawaban: tiga"]
    order = [m["text"]["body"] for m in graph.sent()]
    assert order.index("jawaban: tiga") < order.index("jawaban: dua")  # the other user did not wait


# Buttons and lists


def answered_with(buttons: List[Dict[str, Any]], body: str = "Silakan pilih:"):
    return StubRasa(lambda message_text: [{"text": body, "buttons": buttons}])


def test_up_to_three_short_buttons_are_reply_buttons_whose_id_is_the_payload(graph):
    buttons = [{"title": "Apa itu PLKK?", "payload": "/ask_plkk_definition"},
               {"title": "Aplikasi JMO", "payload": "/ask_jmo"}]
    deliver(make_channel(graph), webhook([text(USER, "halo")]), rasa=answered_with(buttons))
    [sent] = interactive(graph)
    assert sent == {"type": "button", "body": {"text": "Silakan pilih:"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "/ask_plkk_definition", "title": "Apa itu PLKK?"}},
        {"type": "reply", "reply": {"id": "/ask_jmo", "title": "Aplikasi JMO"}}]}}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_more_buttons_are_a_list_labelled_in_the_conversations_language(graph, lang):
    deliver(make_channel(graph), webhook([text(USER, "menu")]), rasa=answered_with(MENU),
            agent=StubAgent(lang))
    [sent] = interactive(graph)
    assert sent["type"] == "list" and sent["action"]["button"] == LIST_BUTTON[lang]
    [section] = sent["action"]["sections"]
    assert [(r["id"], r["title"]) for r in section["rows"]] == [
        (b["payload"], b["title"]) for b in MENU]


def test_a_list_has_at_most_ten_rows_with_short_titles_and_unique_ids(graph):
    buttons = [{"title": f"Desa Sungai Raya Dalam nomor {n} di Kabupaten Kubu Raya",
                "payload": f'/inform_place{{"place": "61120{n:02d}"}}'} for n in range(12)]
    buttons.append(dict(buttons[0]))  # the same button twice (several questions in one message)
    deliver(make_channel(graph), webhook([text(USER, "sungai raya")]), rasa=answered_with(buttons))
    rows = interactive(graph)[0]["action"]["sections"][0]["rows"]
    assert len(rows) == 10 and len({r["id"] for r in rows}) == 10
    assert all(len(r["title"]) <= 24 and len(r["description"]) <= 72 for r in rows)
    assert rows[0]["title"].endswith("…") and rows[0]["description"].startswith("Desa Sungai Raya")


def test_a_button_with_a_long_title_makes_a_list(graph):
    buttons = [{"title": "Kantor Cabang Pembantu Sambas", "payload": "/a"}, {"title": "JMO",
                                                                            "payload": "/b"}]
    deliver(make_channel(graph), webhook([text(USER, "x")]), rasa=answered_with(buttons))
    assert interactive(graph)[0]["type"] == "list"


def test_a_pressed_reply_button_or_list_row_sends_its_payload(graph):
    rasa = StubRasa()
    channel = make_channel(graph)
    deliver(channel, webhook([button_reply(USER, "/ask_jmo", context="wamid.out5"),
                              button_reply(USER, '/inform_place{"place": "611201"}',
                                           kind="list_reply", context="wamid.out6")]), rasa=rasa)
    assert rasa.texts == ["/ask_jmo", '/inform_place{"place": "611201"}']


def test_a_long_payload_goes_through_a_short_id_and_an_expired_one_shows_the_menu(graph):
    payload = '/inform_place{"place": "' + "6" * 250 + '"}'
    channel = make_channel(graph)
    deliver(channel, webhook([text(USER, "x")]), rasa=answered_with([{"title": "A", "payload": payload},
                                                                     {"title": "B", "payload": "/b"}]))
    ids = [b["reply"]["id"] for b in interactive(graph)[0]["action"]["buttons"]]
    assert ids[0].startswith("cb:") and len(ids[0]) <= 200 and ids[1] == "/b"
    rasa = StubRasa()
    deliver(channel, webhook([button_reply(USER, ids[0], context="wamid.out9")]), rasa=rasa)
    assert rasa.texts == [payload]
    graph.reset()
    rasa = StubRasa()
    restarted = make_channel(graph)  # a new process: the long payload is gone
    deliver(restarted, webhook([button_reply(USER, ids[0], context="wamid.out9")]), rasa=rasa,
            agent=StubAgent("en"))
    assert sent_texts(graph)[0].startswith(EXPIRED["en"])
    assert rasa.texts == ["/ask_help"]


def test_a_double_tap_on_a_button_is_answered_once(graph):
    rasa = StubRasa()
    taps = [button_reply(USER, "/ask_jmo", context="wamid.out31") for _ in range(2)]
    deliver(make_channel(graph), webhook(taps[:1]), webhook(taps[1:]), rasa=rasa)
    assert rasa.texts == ["/ask_jmo"]


# Long replies


def test_a_long_reply_is_split_between_paragraphs_within_the_limit(graph):
    paragraph = ("kata " * 199 + "akhir.").strip()
    long_text = "\n\n".join([paragraph] * 9)
    deliver(make_channel(graph), webhook([text(USER, "x")]),
            rasa=StubRasa(lambda _: [{"text": long_text}]))
    chunks = sent_texts(graph)
    assert len(chunks) == 3 and all(len(c) <= MAX_MESSAGE_LENGTH for c in chunks)
    assert all(c.endswith("akhir.") for c in chunks)  # cut between paragraphs
    assert " ".join(chunks).split() == long_text.split()


def test_a_long_text_above_buttons_keeps_the_buttons_text_within_1024(graph):
    paragraph = ("kata " * 99 + "akhir.").strip()  # 500 characters
    long_text = "\n\n".join([paragraph] * 5)
    deliver(make_channel(graph), webhook([text(USER, "x")]),
            rasa=answered_with(MENU[:2], body=long_text))
    sent = graph.sent(USER)
    assert [m["type"] for m in sent] == ["text", "interactive"]
    body = sent[-1]["interactive"]["body"]["text"]
    assert len(body) <= MAX_BODY_LENGTH and len(sent[0]["text"]["body"]) <= MAX_MESSAGE_LENGTH
    assert (sent[0]["text"]["body"] + " " + body).split() == long_text.split()


@pytest.mark.parametrize("long_text", [
    "x" * 3000, "\U0001F600" * 1500, "satu dua tiga " * 300,
    "Paragraf pertama.\n\n" + "a" * 900 + "\n\n" + "b" * 600], ids=["no space", "emoji",
                                                                   "words", "paragraphs"])
def test_the_text_above_buttons_is_cut_where_it_may(long_text):
    head, tail = split_tail(long_text, MAX_BODY_LENGTH)
    assert 0 < len(tail.encode("utf-16-le")) // 2 <= MAX_BODY_LENGTH
    assert (head + tail).replace(" ", "").replace("\n", "") == long_text.replace(" ", "").replace(
        "\n", "")
    if "Paragraf" in long_text:
        assert tail == "b" * 600  # between paragraphs, not inside the first one


# A slow, failing or unreachable Graph API, a failing bot


def test_a_slow_graph_api_delays_the_reply_but_not_the_webhook(graph):
    graph.delay = 0.5
    channel, rasa = make_channel(graph), StubRasa()

    async def run():
        started = time.monotonic()
        status = channel.receive(*signed_body(webhook([text(USER, "apa itu jmo")])), rasa)
        answered = time.monotonic() - started
        await channel.drain(30)
        await channel.api.close()
        return status, answered

    status, answered = asyncio.run(run())
    assert status[0] == 200 and answered < 0.1
    assert sent_texts(graph) == ["jawaban: apa itu jmo"]


def signed_body(update: Dict[str, Any]):
    body = json.dumps(update).encode()
    return body, signature(body, APP_SECRET)


def test_a_graph_api_slower_than_the_timeout_is_logged_as_an_error(graph, log):
    graph.delay = 1.5
    channel = make_channel(graph)
    channel.api.timeout = 0.5
    incoming = text(USER, "apa itu jmo")
    assert deliver(channel, webhook([incoming]))[0][0] == 200
    errors = [r for r in log.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and incoming["id"] in errors[0].getMessage()
    assert "TimeoutError" in errors[0].getMessage() and not errors[0].exc_info


def test_a_failing_graph_api_is_logged_and_the_webhook_still_answered_200(graph, log):
    graph.fail_status = 500
    rasa = StubRasa()
    incoming = text(USER, "apa itu jmo")
    assert deliver(make_channel(graph), webhook([incoming]), rasa=rasa)[0] == (200, {"status": "ok"})
    assert rasa.texts == ["apa itu jmo"]  # Rasa answered; sending the answer failed
    errors = [r for r in log.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "HTTP 500" in errors[0].getMessage()
    assert incoming["id"] in errors[0].getMessage() and not errors[0].exc_info
    assert any("not marked as read" in r.getMessage() for r in log.records
               if r.levelno == logging.WARNING)
    assert TOKEN not in log.text


def test_an_unreachable_graph_api_raises_without_the_token():
    async def call():
        api = GraphApi(TOKEN, PHONE_NUMBER_ID, "http://127.0.0.1:1/v21.0")
        try:
            await api.send({"to": USER, "type": "text", "text": {"body": "x"}})
        finally:
            await api.close()

    with pytest.raises(WhatsAppError) as error:
        asyncio.run(call())
    assert TOKEN not in str(error.value)


def test_a_wrong_token_is_reported_with_metas_error(graph):
    async def call():
        api = GraphApi("wrong-token", PHONE_NUMBER_ID, graph.url)
        try:
            await api.send({"to": USER, "type": "text", "text": {"body": "x"}})
        finally:
            await api.close()

    with pytest.raises(WhatsAppError, match=r"HTTP 401 \(190\): Invalid OAuth access token"):
        asyncio.run(call())


def test_a_failing_bot_is_logged_and_the_webhook_still_answered_200(graph, log):
    def broken(_: str) -> List[Dict[str, Any]]:
        raise RuntimeError("the bot failed")

    incoming = text(USER, "apa itu jmo")
    assert deliver(make_channel(graph), webhook([incoming]), rasa=StubRasa(broken))[0][0] == 200
    failures = [r for r in log.records if r.levelno == logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info and incoming["id"] in failures[0].getMessage()
    assert graph.read_receipts() == [incoming["id"]] and graph.sent() == []


def test_the_output_channel_sends_images_and_whatsapp_messages(graph):
    async def run():
        bot = WhatsAppOutput(GraphApi(TOKEN, PHONE_NUMBER_ID, graph.url))
        await bot.send_image_url(f"whatsapp:{USER}", "https://example.org/a.png")
        await bot.send_custom_json(f"whatsapp:{USER}", {"type": "location", "location": {
            "latitude": -0.02, "longitude": 109.33}})
        await bot.send_custom_json(f"whatsapp:{USER}", {"method": "sendLocation"})  # not WhatsApp's
        await bot.api.close()

    asyncio.run(run())
    assert [(m["to"], m["type"]) for m in graph.sent()] == [(USER, "image"), (USER, "location")]


# make whatsapp


@pytest.mark.parametrize("missing, value", [
    ("WHATSAPP_ACCESS_TOKEN", ""), ("WHATSAPP_APP_SECRET", ""), ("WHATSAPP_VERIFY_TOKEN", ""),
    ("WHATSAPP_PHONE_NUMBER_ID", ""), ("WHATSAPP_APP_SECRET", "   ")])
def test_make_whatsapp_refuses_to_start_without_a_variable(missing, value):
    """An empty variable, or one of spaces only (the channel would strip it to nothing and
    refuse every webhook), stops make whatsapp before anything starts."""
    env = dict(os.environ, WHATSAPP_ACCESS_TOKEN=TOKEN, WHATSAPP_APP_SECRET=APP_SECRET,
               WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
               WHATSAPP_ACTIONS_PORT="19699", WHATSAPP_PORT="19698")
    env[missing] = value
    result = subprocess.run(["make", "--no-print-directory", "-o", "models/bpjstk-kalbar.tar.gz",
                             "whatsapp"], cwd=PROJECT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert f"Set {missing}" in result.stderr and "docs/whatsapp.md" in result.stderr
    assert "rasa" not in result.stdout  # nothing started

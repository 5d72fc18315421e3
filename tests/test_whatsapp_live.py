"""The bot on WhatsApp, live: `make whatsapp` (the action server and Rasa with the trained model, as
an operator starts them) against a fake Graph API on 127.0.0.1 (tests/fake_whatsapp.py), one
start for the whole module. Webhooks are posted over HTTP, signed as Meta signs them; each test
asserts what reaches the Graph API and what is stored. The channel's parts are tested in this
process in tests/test_whatsapp.py."""

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import time
from typing import Any, Callable, Dict, List

import pytest
import requests

import fake_whatsapp
from channels.common import PLAIN_REPLIES
from fake_whatsapp import PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN, button_reply, message, text, webhook
from servers import LOGS, PROJECT, _wait_for, stop_process

FAKE_API_PORT, RASA_PORT, ACTIONS_PORT = 19682, 19605, 19655
RASA_URL = f"http://127.0.0.1:{RASA_PORT}"
WEBHOOK = f"{RASA_URL}/webhooks/whatsapp/webhook"
DATABASE = LOGS / f"tracker-{RASA_PORT}.db"
LOG = LOGS / "make-whatsapp.log"
USERS = (f"62812000{n:05d}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def graph():
    """`make whatsapp` running against the fake Graph API; yields the fake API."""
    with fake_whatsapp.running(FAKE_API_PORT) as api:
        LOGS.mkdir(parents=True, exist_ok=True)
        for stale in LOGS.glob(f"tracker-{RASA_PORT}.db*"):
            stale.unlink()
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", WHATSAPP_ACCESS_TOKEN=TOKEN,
                   WHATSAPP_APP_SECRET=fake_whatsapp.APP_SECRET, WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
                   WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID, WHATSAPP_API_URL=api.url,
                   WHATSAPP_PORT=str(RASA_PORT), WHATSAPP_ACTIONS_PORT=str(ACTIONS_PORT),
                   ACTIONS_PORT=str(ACTIONS_PORT), TRACKER_DB=str(DATABASE))
        with open(LOG, "w") as out:
            # its own process group: make, the action server and Rasa are stopped together
            process = subprocess.Popen(["make", "--no-print-directory", "-o",
                                        "models/bpjstk-kalbar.tar.gz", "whatsapp"],
                                       cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        try:
            _wait_for(f"{RASA_URL}/webhooks/whatsapp/", process, LOG, seconds=300)
            # one question over REST first: the action server's first answer loads its indexes
            requests.post(f"{RASA_URL}/webhooks/rest/webhook", json={"sender": "warm-up",
                                                                     "message": "apa itu jmo"},
                          timeout=120)
            yield api
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            stop_process(process, timeout=30)


@pytest.fixture
def api(graph):
    graph.reset()
    return graph


def post(update: Dict[str, Any], secret: Any = fake_whatsapp.APP_SECRET) -> requests.Response:
    return fake_whatsapp.post(WEBHOOK, update, secret)


def timed_post(update: Dict[str, Any]) -> float:
    """Posts a webhook; returns the seconds until it was answered 200."""
    started = time.monotonic()
    response = post(update)
    assert response.status_code == 200, response.text
    return time.monotonic() - started


def wait_until(condition: Callable[[], Any], seconds: float = 60) -> Any:
    """Waits until `condition()` is true, then a moment more for anything that follows; returns
    its value (fails after `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            time.sleep(0.3)
            return value
        time.sleep(0.1)
    raise AssertionError("nothing arrived at the Graph API in time")


def replies(api, user: str) -> List[Dict[str, Any]]:
    """The messages sent to a user once the answer has arrived."""
    return wait_until(lambda: api.sent(user)) and api.sent(user)


def reply_text(api, user: str) -> str:
    """The text of the messages sent to a user (interactive ones' body), joined by newlines."""
    return "\n".join(m["text"]["body"] if m["type"] == "text" else m["interactive"]["body"]["text"]
                     for m in replies(api, user))


def stored_user_texts(conversation: str) -> List[str]:
    with sqlite3.connect(DATABASE) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? AND "
                                  "type_name = 'user' ORDER BY id", (conversation,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_rasa_starts_offline_and_the_channel_is_on(graph):
    assert graph.recorded() == []  # nothing was called at start
    assert requests.get(f"{RASA_URL}/webhooks/whatsapp/", timeout=10).json() == {"status": "ok"}


def test_the_webhook_is_verified_with_the_right_token_only(api):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "8812"}
    answer = requests.get(WEBHOOK, params=query, timeout=10)
    assert (answer.status_code, answer.text) == (200, "8812")
    answer = requests.get(WEBHOOK, params=dict(query, **{"hub.verify_token": "wrong"}), timeout=10)
    assert answer.status_code == 403 and "8812" not in answer.text


def test_a_webhook_without_the_right_signature_is_refused(api):
    user = next(USERS)
    assert post(webhook([text(user, "apa itu plkk")]), secret=None).status_code == 401
    assert post(webhook([text(user, "apa itu plkk")]), secret="another-secret").status_code == 403
    time.sleep(1)
    assert api.recorded() == []
    assert stored_user_texts(f"whatsapp:{user}") == []


def test_a_question_is_read_answered_and_stored_as_whatsapp_user(api):
    user = next(USERS)
    incoming = text(user, "apa itu plkk")
    assert timed_post(webhook([incoming])) < 1
    assert "Pusat Layanan Kecelakaan Kerja" in reply_text(api, user)
    assert api.read_receipts() == [incoming["id"]]
    assert stored_user_texts(f"whatsapp:{user}") == ["apa itu plkk"]


def test_replies_are_in_the_users_language(api):
    user = next(USERS)
    post(webhook([text(user, "hello, what is the JMO app")]))
    answer = reply_text(api, user)
    assert "Jamsostek Mobile" in answer and "Its features include" in answer
    user = next(USERS)
    post(webhook([text(user, "aplikasi jmo itu apa")]))
    assert "Fiturnya antara lain" in reply_text(api, user)


@pytest.mark.parametrize("greeting, lang", [("halo min", "id"), ("hello, good morning", "en")])
def test_the_menu_is_a_list_in_the_users_language_and_a_row_answers(api, greeting, lang):
    user = next(USERS)
    post(webhook([text(user, greeting)]))
    [menu] = [m["interactive"] for m in replies(api, user) if m["type"] == "interactive"]
    assert menu["type"] == "list"
    assert menu["action"]["button"] == {"id": "Pilih", "en": "Choose"}[lang]
    rows = menu["action"]["sections"][0]["rows"]
    assert {"/ask_nearest_office", "/ask_jmo"} <= {r["id"] for r in rows}
    assert all(len(r["title"]) <= 24 for r in rows)
    api.reset()
    post(webhook([button_reply(user, "/ask_jmo", kind="list_reply", context="wamid.out1")]))
    assert "Jamsostek Mobile" in reply_text(api, user)


def test_a_place_choice_is_answered_by_its_button(api):
    user = next(USERS)
    post(webhook([text(user, "sungai raya")]))
    [choice] = [m["interactive"] for m in replies(api, user) if m["type"] == "interactive"]
    ids = [b["reply"]["id"] for b in choice["action"]["buttons"]] if choice["type"] == "button" \
        else [r["id"] for r in choice["action"]["sections"][0]["rows"]]
    assert '/inform_place{"place": "611201"}' in ids
    api.reset()
    post(webhook([button_reply(user, '/inform_place{"place": "611201"}', context="wamid.out2")]))
    assert "Kantor Cabang Pontianak" in reply_text(api, user)


def test_a_shared_location_gets_the_nearest_office(api):
    user = next(USERS)
    post(webhook([message(user, "location", location={"latitude": -0.02, "longitude": 109.33})]))
    assert "Kantor Cabang Pontianak" in reply_text(api, user)


def test_a_retried_message_is_answered_once(api):
    user = next(USERS)
    incoming = text(user, "apa itu bsu")
    assert post(webhook([incoming])).status_code == 200
    assert post(webhook([incoming])).status_code == 200  # Meta's retry
    reply_text(api, user)
    time.sleep(1)
    assert api.read_receipts() == [incoming["id"]]
    assert stored_user_texts(f"whatsapp:{user}") == ["apa itu bsu"]


def test_a_sticker_gets_one_short_reply_and_a_status_update_nothing(api):
    user = next(USERS)
    post(webhook([message(user, "sticker", sticker={"id": "1", "mime_type": "image/webp"})]))
    [reply] = replies(api, user)
    assert reply["text"]["body"].startswith(PLAIN_REPLIES["unreadable_message"]["id"])
    api.reset()
    assert post(webhook(statuses=[fake_whatsapp.status("wamid.out1", "delivered",
                                                       recipient=user)])).status_code == 200
    time.sleep(1)
    assert api.recorded() == []


def test_personal_data_is_masked_in_the_store(api):
    user = next(USERS)
    post(webhook([text(user, "jht saya kapan cair? NIK 6171012345670001")]))
    assert "saya tidak memerlukan NIK" in reply_text(api, user)
    assert stored_user_texts(f"whatsapp:{user}") == ["jht saya kapan cair? NIK [NIK]"]


def test_a_slow_graph_api_does_not_slow_the_webhook(api):
    api.delay = 1.5
    user = next(USERS)
    assert timed_post(webhook([text(user, "apa itu plkk")])) < 1
    assert "Pusat Layanan Kecelakaan Kerja" in reply_text(api, user)


def test_a_failing_graph_api_is_logged_and_the_webhook_still_answered_200(api):
    api.fail_status = 500
    user = next(USERS)
    start = len(LOG.read_text(errors="replace"))
    incoming = text(user, "apa itu plkk")
    assert timed_post(webhook([incoming])) < 1
    log = wait_until(lambda: "not answered" in LOG.read_text(errors="replace")[start:]
                     and LOG.read_text(errors="replace")[start:])
    assert incoming["id"] in log and "HTTP 500" in log and "Traceback" not in log
    assert TOKEN not in log
    api.reset()  # Meta is back: the next message is answered
    post(webhook([text(user, "apa itu jmo")]))
    assert "Jamsostek Mobile" in reply_text(api, user)

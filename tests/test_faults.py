"""When the action server is down, failing or slow (over 3 s), the user still gets, within 5 s, a
polite message that the service is busy, with call centre 175: never silence
(rasa_runtime/action_guard.py).

The guard on its own first, then the trained bot on loopback (Rasa 127.0.0.1:18105) whose action
endpoint, 127.0.0.1:18155, is by turns the real action server, nothing, and a fake one that is slow
or broken."""

import asyncio
import json
import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional, Tuple

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from actions import facts
from rasa_runtime import action_guard
from servers import LOGS, action_server, rasa_server, say

ACTIONS_PORT, RASA_PORT = 18155, 18105
BOUND_S = 5.0  # the issue: "the user still gets, within 5 s, a polite message"
BUSY_ID = ("Mohon maaf, layanan kami sedang sibuk sehingga pertanyaan Anda belum bisa dijawab. "
           "Silakan coba lagi beberapa saat lagi, atau hubungi call centre BPJS Ketenagakerjaan "
           "di 175.")
BUSY_EN = ("Sorry, our service is busy right now and cannot answer your question. Please try "
           "again in a moment, or call the BPJS Ketenagakerjaan call centre on 175.")


# --- the guard on its own ---------------------------------------------------------------------

@pytest.fixture
def fresh_busy_texts(monkeypatch):
    monkeypatch.setattr(action_guard, "_busy_texts", {})


def tracker_with(text: str, language: Optional[str] = None) -> DialogueStateTracker:
    events = [UserUttered(text, {"name": "ask_jmo", "confidence": 1.0})]
    if language:
        events.insert(0, SlotSet("language", language))
    return DialogueStateTracker.from_events("guard-test", events)


CLEARED = SlotSet("topic", None)


def busy_event(text: str) -> BotUttered:
    """The busy reply's bot event, marked so that the actions know the user got no answer."""
    return BotUttered(text, metadata={action_guard.BUSY_MARK: True})


def run_guarded(run, tracker: DialogueStateTracker, action_name: str = "action_jmo"):
    action = RemoteAction(action_name, EndpointConfig("http://127.0.0.1:9/webhook"))
    return asyncio.run(action_guard.guarded(run)(action, None, None, tracker, None))


def test_the_busy_message_comes_from_the_template_and_the_facts(fresh_busy_texts):
    assert action_guard.busy_text("id") == BUSY_ID
    assert action_guard.busy_text("en") == BUSY_EN
    assert action_guard._busy_texts == {"id": BUSY_ID, "en": BUSY_EN}  # rendered once each


def test_without_a_valid_facts_file_the_busy_message_has_no_number(fresh_busy_texts, tmp_path,
                                                                   monkeypatch, caplog):
    broken = tmp_path / "facts.yml"
    broken.write_text("contacts: [\n", encoding="utf-8")
    monkeypatch.setenv("FACTS_FILE", str(broken))
    facts.reset_cache()
    with caplog.at_level(logging.ERROR, logger="rasa_runtime.action_guard"):
        assert action_guard.busy_text("id") == (
            "Mohon maaf, layanan kami sedang sibuk. Silakan coba lagi beberapa saat lagi.")
        assert action_guard.busy_text("en") == (
            "Sorry, our service is busy right now. Please try again in a moment.")
    assert (f"cannot render the busy message from the facts file ({broken}: field 'line"
            in caplog.text)
    assert action_guard._busy_texts == {}  # tried again once the file is fixed
    monkeypatch.delenv("FACTS_FILE")
    facts.reset_cache()
    assert action_guard.busy_text("id") == BUSY_ID


def test_a_slow_action_is_cut_at_the_timeout(fresh_busy_texts, monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT_S", "0.2")

    async def slow(*args: Any):
        await asyncio.sleep(30)

    assert run_guarded(slow, tracker_with("what is the JMO app")) == [busy_event(BUSY_EN), CLEARED]


@pytest.mark.parametrize("text, language, expected", [
    ("apa itu jmo", None, BUSY_ID), ("what is the JMO app", "id", BUSY_EN),
    ("jmo", "en", BUSY_EN), ("jmo", None, BUSY_ID),
])
def test_a_failing_action_answers_busy_in_the_users_language(fresh_busy_texts, text, language,
                                                             expected):
    async def refused(*args: Any):
        raise ConnectionRefusedError("refused")

    assert run_guarded(refused, tracker_with(text, language)) == [busy_event(expected), CLEARED]


@pytest.mark.parametrize("action_name", action_guard.FOLLOW_UP_ACTIONS)
def test_a_follow_up_that_got_busy_keeps_the_topic(fresh_busy_texts, action_name):
    """Only an answer the user got changes the topic: a new question's 'busy' drops the topic
    before it (above), a follow-up's 'busy' keeps it for the same follow-up sent again."""
    async def refused(*args: Any):
        raise ConnectionRefusedError("refused")

    assert run_guarded(refused, tracker_with("ada berapa?"), action_name) == [busy_event(BUSY_ID)]


def test_the_follow_up_actions_are_the_ones_that_read_the_topic():
    from actions.followup import ActionHowMany, ActionRequirements

    assert set(action_guard.FOLLOW_UP_ACTIONS) == {ActionHowMany.action_name,
                                                   ActionRequirements.action_name}


def test_a_normal_answer_and_a_rejection_pass_through():
    async def answer(*args: Any):
        return [BotUttered("jawaban")]

    assert run_guarded(answer, tracker_with("apa itu jmo")) == [BotUttered("jawaban")]

    async def reject(*args: Any):
        raise ActionExecutionRejection("action_jmo")

    with pytest.raises(ActionExecutionRejection):
        run_guarded(reject, tracker_with("apa itu jmo"))


@pytest.mark.parametrize("value, expected", [(None, 3.0), ("1.5", 1.5), ("abc", 3.0), ("0", 3.0)])
def test_the_timeout_comes_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("ACTION_TIMEOUT_S", raising=False)
    else:
        monkeypatch.setenv("ACTION_TIMEOUT_S", value)
    assert action_guard.action_timeout() == expected


def test_registering_twice_wraps_once():
    action_guard.register()
    run = RemoteAction.run
    action_guard.register()
    assert RemoteAction.run is run and getattr(run, action_guard.MARK)
    assert not getattr(run.__wrapped__, action_guard.MARK, False)


# --- the bot on loopback ----------------------------------------------------------------------

class FakeActionServer(ThreadingHTTPServer):
    """An action server on 127.0.0.1:port that is slow (10 s), fails (500) or answers junk."""

    daemon_threads = True

    def __init__(self, port: int, behaviour: str) -> None:
        super().__init__(("127.0.0.1", port), FakeActionHandler)
        self.behaviour = behaviour
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # Rasa hangs up on the slow answer: nothing to report


class FakeActionHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.answer(200, b'{"status": "ok"}')

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        behaviour = self.server.behaviour
        if behaviour == "slow":
            time.sleep(10)
            late = {"events": [], "responses": [{"text": "too late"}]}
            self.answer(200, json.dumps(late).encode())
        elif behaviour == "error":
            self.answer(500, b'{"error": "boom"}')
        else:  # junk
            self.answer(200, b'{"events": "not a list"}')

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def bot():
    """Rasa on RASA_PORT; the action endpoint ACTIONS_PORT is managed by each test."""
    with rasa_server(port=RASA_PORT, actions_port=ACTIONS_PORT):
        actions = action_server(port=ACTIONS_PORT)
        try:
            yield actions
        finally:
            actions.stop()


def timed_say(sender: str, message: str) -> Tuple[float, str]:
    start = time.monotonic()
    reply = say(sender, message, port=RASA_PORT)
    return time.monotonic() - start, reply


def new_sender() -> str:
    return f"faults-{uuid.uuid4().hex[:8]}"


def rasa_log() -> str:
    return (LOGS / f"rasa-{RASA_PORT}.log").read_text(encoding="utf-8", errors="replace")


def test_answers_normally_with_the_action_server(bot):
    bot.start()
    try:
        assert "Pusat Layanan Kecelakaan Kerja" in say(new_sender(), "apa itu plkk", port=RASA_PORT)
    finally:
        bot.stop()


def test_action_server_down_busy_within_5_s_then_normal_again(bot):
    sender = new_sender()
    bot.start()
    assert "Pusat Layanan Kecelakaan Kerja" in say(sender, "apa itu plkk", port=RASA_PORT)
    bot.stop()

    seconds, reply = timed_say(sender, "di kalbar ada berapa?")
    assert reply == BUSY_ID and seconds < BOUND_S
    seconds, reply = timed_say(new_sender(), "what is the JMO app")
    assert reply == BUSY_EN and seconds < BOUND_S
    assert "Couldn't connect to the server" in rasa_log()
    seconds, reply = timed_say(sender, "apa itu bsu")  # a new question: the PLKK topic is dropped
    assert reply == BUSY_ID and seconds < BOUND_S

    bot.start()
    try:
        reply = say(sender, "di kalbar ada berapa?", port=RASA_PORT)
        assert reply.startswith("Maksud Anda jumlah apa?") and "79" not in reply
        assert "Pusat Layanan Kecelakaan Kerja" in say(sender, "apa itu plkk", port=RASA_PORT)
        bot.stop()
        assert say(sender, "di kalbar ada berapa?", port=RASA_PORT) == BUSY_ID  # a follow-up
        bot.start()
        assert "79 fasilitas kesehatan" in say(sender, "di kalbar ada berapa?", port=RASA_PORT)
        assert "Bantuan Subsidi Upah" in say(sender, "apa itu bsu", port=RASA_PORT)
    finally:
        bot.stop()


@pytest.mark.parametrize("behaviour, logged", [
    ("slow", "custom action 'action_plkk_definition' took longer than 3.0 s"),
    ("error", "custom action 'action_plkk_definition' failed (RasaException"),
    ("junk", "custom action 'action_plkk_definition' failed (ValidationError"),
])
def test_slow_or_broken_action_server_busy_within_5_s_then_normal_again(bot, behaviour, logged):
    sender = new_sender()
    fake = FakeActionServer(ACTIONS_PORT, behaviour)
    try:
        seconds, reply = timed_say(sender, "apa itu plkk")
        assert reply == BUSY_ID and seconds < BOUND_S
        seconds, reply = timed_say(sender, "what is the JMO app")
        assert reply == BUSY_EN and seconds < BOUND_S
    finally:
        fake.stop()
    assert logged in rasa_log()

    bot.start()
    try:
        assert "Pusat Layanan Kecelakaan Kerja" in say(sender, "apa itu plkk", port=RASA_PORT)
    finally:
        bot.stop()

"""A fake WhatsApp Graph API server on 127.0.0.1 for tests: it records every message posted to
/<version>/<phone number id>/messages with the right bearer token and answers as Meta does; it
can be made slow (`delay`) or failing (`fail_status`). Also builds webhooks as Meta sends them,
signed with the app secret."""

import contextlib
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional

import requests

from channels.whatsapp import SIGNATURE_HEADER, signature

TOKEN = "EAAtest-access-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"
MESSAGE_IDS = itertools.count(1)


class FakeGraphApi(ThreadingHTTPServer):
    """A Graph API server on 127.0.0.1 that records the messages it is sent."""

    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), FakeGraphApiHandler)
        self.messages: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        self.fail_status: Optional[int] = None
        self.in_flight = 0

    @property
    def url(self) -> str:
        """The API base to give the channel (WHATSAPP_API_URL)."""
        return f"http://127.0.0.1:{self.server_address[1]}/{VERSION}"

    def record(self, message: Dict[str, Any]) -> None:
        with self.lock:
            self.messages.append(message)

    def recorded(self) -> List[Dict[str, Any]]:
        """The messages posted so far (read receipts included)."""
        with self.lock:
            return list(self.messages)

    def sent(self, to: Optional[str] = None) -> List[Dict[str, Any]]:
        """The messages sent to users (to one user if given), read receipts left out."""
        return [m for m in self.recorded() if "status" not in m and to in (None, m.get("to"))]

    def read_receipts(self) -> List[str]:
        """The ids of the messages marked as read."""
        return [m["message_id"] for m in self.recorded() if m.get("status") == "read"]

    def reset(self) -> None:
        """Forgets the messages and answers at once again, after the requests in progress (a slow
        answer the channel gave up on) are done."""
        deadline = time.monotonic() + 10
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        with self.lock:
            self.messages.clear()
        self.delay, self.fail_status = 0.0, None


class FakeGraphApiHandler(BaseHTTPRequestHandler):
    """POST /<version>/<phone number id>/messages with JSON and a bearer token."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        with self.server.lock:
            self.server.in_flight += 1
        try:
            self.answer_post()
        except (BrokenPipeError, ConnectionResetError):  # the channel gave up waiting
            pass
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def answer_post(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.answer(401, {"error": {"message": "Invalid OAuth access token.",
                                               "type": "OAuthException", "code": 190}})
        if self.path != f"/{VERSION}/{PHONE_NUMBER_ID}/messages" or \
                body.get("messaging_product") != "whatsapp":
            return self.answer(400, {"error": {"message": "Unsupported post request.", "code": 100}})
        if self.server.delay:
            time.sleep(self.server.delay)
        if self.server.fail_status:
            return self.answer(self.server.fail_status, {"error": {
                "message": "Service temporarily unavailable", "type": "OAuthException", "code": 2}})
        self.server.record(body)
        if body.get("status") == "read":
            return self.answer(200, {"success": True})
        self.answer(200, {"messaging_product": "whatsapp",
                          "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                          "messages": [{"id": f"wamid.out{next(MESSAGE_IDS)}"}]})

    def answer(self, status: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def running(port: int) -> Iterator[FakeGraphApi]:
    """A fake Graph API serving on 127.0.0.1:port until the block ends."""
    server = FakeGraphApi(port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def message(wa_id: str, kind: str = "text", message_id: Optional[str] = None,
            timestamp: Optional[float] = None, **fields: Any) -> Dict[str, Any]:
    """One entry of a webhook's `messages`: a text when `text` is given, else `fields` as they
    are (e.g. sticker={...}, with kind="sticker")."""
    body: Dict[str, Any] = {"from": wa_id, "id": message_id or f"wamid.in{next(MESSAGE_IDS)}",
                            "timestamp": str(int(timestamp if timestamp is not None else time.time())),
                            "type": kind}
    if "text" in fields and isinstance(fields["text"], str):
        body["text"] = {"body": fields.pop("text")}
    body.update(fields)
    return body


def text(wa_id: str, text_: str, **kwargs: Any) -> Dict[str, Any]:
    """A text message."""
    return message(wa_id, "text", text=text_, **kwargs)


def button_reply(wa_id: str, data: str, title: str = "x", context: str = "wamid.out1",
                 kind: str = "button_reply", **kwargs: Any) -> Dict[str, Any]:
    """A pressed reply button (`kind` "button_reply") or list row ("list_reply")."""
    return message(wa_id, "interactive", context={"from": PHONE_NUMBER_ID, "id": context},
                   interactive={"type": kind, kind: {"id": data, "title": title}}, **kwargs)


def webhook(messages: Optional[List[Dict[str, Any]]] = None,
            statuses: Optional[List[Dict[str, Any]]] = None,
            phone_number_id: str = PHONE_NUMBER_ID) -> Dict[str, Any]:
    """A webhook as Meta sends it, with these messages and status updates."""
    value: Dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "15550000000",
                                          "phone_number_id": phone_number_id}}
    if messages:
        senders = {m.get("from") for m in messages}
        value["contacts"] = [{"profile": {"name": "Tester"}, "wa_id": s} for s in senders]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}


def status(message_id: str, state: str, recipient: str = "6281200000001",
           **fields: Any) -> Dict[str, Any]:
    """A status update of a message the bot sent."""
    return {"id": message_id, "status": state, "timestamp": str(int(time.time())),
            "recipient_id": recipient, **fields}


def signed(update: Dict[str, Any], secret: str = APP_SECRET) -> Dict[str, Any]:
    """(body, headers) keyword arguments for requests.post: the JSON body and its signature."""
    body = json.dumps(update).encode()
    return {"data": body, "headers": {"Content-Type": "application/json",
                                      SIGNATURE_HEADER: signature(body, secret)}}


def post(url: str, update: Dict[str, Any], secret: Optional[str] = APP_SECRET) -> requests.Response:
    """Posts a webhook the way Meta does (signed with `secret`; unsigned when None)."""
    if secret is None:
        return requests.post(url, json=update, timeout=30)
    return requests.post(url, timeout=30, **signed(update, secret))

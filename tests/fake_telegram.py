"""A fake Telegram Bot API server on 127.0.0.1 for live tests: it records every call (method and
parameters) and answers ok, as Telegram does."""

import contextlib
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple

import requests

from channels.telegram import SECRET_HEADER

TOKEN = "123456:test-token"
UPDATE_IDS = itertools.count(1000)


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


@contextlib.contextmanager
def running(port: int) -> Iterator[FakeBotApi]:
    """A fake Bot API serving on 127.0.0.1:port until the block ends."""
    server = FakeBotApi(port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def message(chat: int, text: Optional[str] = None, chat_type: str = "private",
            user: Optional[int] = None, message_id: int = 1, language_code: Optional[str] = None,
            **fields: Any) -> Dict[str, Any]:
    """An update with a message from a user (`user` defaults to the chat: a private chat)."""
    sender: Dict[str, Any] = {"id": user if user is not None else chat, "is_bot": False,
                              "first_name": "Tester"}
    if language_code:
        sender["language_code"] = language_code
    body = {"message_id": message_id, "date": 0, "chat": {"id": chat, "type": chat_type},
            "from": sender, **fields}
    if text is not None:
        body["text"] = text
    return {"message": body}


def callback(chat: int, data: str, query_id: str, chat_type: str = "private",
             user: Optional[int] = None, message_id: int = 1) -> Dict[str, Any]:
    """An update for a pressed inline button under the bot's message `message_id`."""
    return {"callback_query": {"id": query_id, "data": data, "chat_instance": "1",
                               "from": {"id": user if user is not None else chat, "is_bot": False,
                                        "first_name": "Tester"},
                               "message": {"message_id": message_id, "date": 0,
                                           "chat": {"id": chat, "type": chat_type}}}}


def post(url: str, update: Dict[str, Any], secret: Optional[str]) -> requests.Response:
    """Sends an update to a webhook the way Telegram does (a new update_id each time)."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(url, json=dict(update, update_id=next(UPDATE_IDS)), headers=headers,
                         timeout=90)

"""The socket.io channel of the web chat, with sessions that persist across page reloads.

Rasa 3.6.21's `SocketIOInput` calls `sio.enter_room(...)` without awaiting it. Since
python-socketio 5.10 that method is a coroutine, so with `session_persistence: true` the client
never joins the room named after its session id, and the bot's replies, sent to that room, never
arrive. This class replaces only the `session_request` handler with one that awaits it.

Rasa also turns off engine.io's check of the Origin header (`cors_allowed_origins=[]`), so a
WebSocket from any web page could connect (CORS protects only the HTTP polling transport). This
class checks it again against SOCKETIO_ALLOWED_ORIGINS (comma-separated; default the page of
`make serve`, http://127.0.0.1:8080); the CORS headers themselves stay with Rasa's `--cors`.
"""

import os
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint


class PersistentSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel (name "socketio", path /socket.io) with the room fix."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's blueprint, with a `session_request` handler that joins the session's room."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio

        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data or {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid,
                           namespace=self.namespace)

        # Registering the event again replaces the handler that Rasa's blueprint set.
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.eio.cors_allowed_origins = origin_allowed
        sio.eio._cors_headers = lambda environ: []  # headers come from Rasa's --cors (sanic-cors)
        return socketio_webhook


def allowed_origins() -> List[str]:
    """The web pages allowed to open a socket.io connection."""
    value = os.environ.get("SOCKETIO_ALLOWED_ORIGINS", "http://127.0.0.1:8080")
    return [origin.strip() for origin in value.split(",") if origin.strip()]


def origin_allowed(origin: str, environ: Optional[Dict[str, Any]] = None) -> bool:
    """An allowed page, or Rasa's own address (same origin)."""
    host = (environ or {}).get("HTTP_HOST", "")
    return origin in allowed_origins() or origin in (f"http://{host}", f"https://{host}")

"""The socket.io channel of the web chat, with sessions that persist across page reloads.

Rasa 3.6.21's `SocketIOInput` calls `sio.enter_room(...)` without awaiting it. Since
python-socketio 5.10 that method is a coroutine, so with `session_persistence: true` the client
never joins the room named after its session id, and the bot's replies, sent to that room, never
arrive. This class replaces only the `session_request` handler with one that awaits it.
"""

import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

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
        return socketio_webhook

"""The socket.io channel of the web chat: server-issued sessions that persist across page reloads.

Rasa 3.6.21's `SocketIOInput` takes the session id from the client: whatever `session_id` a client
sends in `session_request` or `user_uttered` becomes the conversation id, so a client could write
into any conversation (Telegram chat 42's, with session id "42"), and a session id that is a list
or a mapping made the handler fail. It also calls `sio.enter_room(...)` without awaiting it (a
coroutine since python-socketio 5.10), so with `session_persistence: true` the replies never
reached the browser. This class replaces the `session_request`, `user_uttered` and `disconnect`
handlers:

- Session ids are issued by this server: 128 random bits as 32 lowercase hex digits. The
  conversation id is `web:<session id>` (channels/conversations.py).
- `session_request` with a session id this server issued (this process issued it, or the tracker
  store has its conversation: a page reload, also after a restart) keeps it; anything else (an id
  it did not issue, of another type, too long, missing) is replaced by a new one. Either way the
  answer is `session_confirm` with the session id to use; never an error.
- The socket is bound to that session: `user_uttered` always goes to the socket's own session,
  whatever `session_id` it carries. A client that sends `user_uttered` without `session_request`
  first gets a new session (and a `session_confirm`), whatever `session_id` it names.
- Without `session_persistence`, every connection gets a new session.

Rasa also turns off engine.io's check of the Origin header (`cors_allowed_origins=[]`), so a
WebSocket from any web page could connect (CORS protects only the HTTP polling transport). This
class checks it again against SOCKETIO_ALLOWED_ORIGINS (comma-separated; default the page of
`make serve`, http://127.0.0.1:8080); the CORS headers themselves stay with Rasa's `--cors`.
"""

import asyncio
import json
import logging
import os
import re
import secrets
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from channels.conversations import WEB, conversation_id

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"[0-9a-f]{32}")
SESSION_BYTES = 16  # 128 bits
REMEMBERED_SESSIONS = 100_000  # sessions issued by this process and not used yet


async def close_engineio(eio: Any) -> None:
    """Closes every engine.io socket (a waiting long-poll gets its close packet and returns at once)
    and ends engine.io's ping tasks, so that a server stops without waiting out a client's poll
    and without asyncio's "Task was destroyed but it is pending" for each ping."""
    for socket in list(eio.sockets.values()):
        try:
            await socket.close(wait=False)
        except Exception:  # a socket that is already broken: nothing left to close
            logger.debug("socket.io: closing a socket at stop failed", exc_info=True)
    await eio.shutdown()
    pings = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()
             and getattr(task.get_coro(), "__qualname__", "").endswith("._send_ping")]
    for task in pings:
        task.cancel()
    await asyncio.gather(*pings, return_exceptions=True)


def new_session_id() -> Text:
    """A new session id: 128 random bits, 32 lowercase hex digits."""
    return secrets.token_hex(SESSION_BYTES)


def well_formed(session_id: Any) -> bool:
    """True for a string that looks like a session id this server issues."""
    return isinstance(session_id, str) and SESSION_ID.fullmatch(session_id) is not None


class PersistentSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel (name "socketio", path /socket.io) with server-issued
    sessions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issued: "OrderedDict[Text, None]" = OrderedDict()
        self.sockets: Dict[Text, Text] = {}  # socket id -> its session id
        self.app: Any = None

    def issue(self) -> Text:
        """A new session id, remembered as issued."""
        session_id = new_session_id()
        self.issued[session_id] = None
        while len(self.issued) > REMEMBERED_SESSIONS:
            self.issued.popitem(last=False)
        return session_id

    async def stored(self, session_id: Text) -> bool:
        """True when the tracker store has the conversation of the session."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return False
        try:
            return bool(await store.exists(conversation_id(WEB, session_id)))
        except Exception:  # noqa: BLE001 - a store that fails: a new session, not an error
            logger.exception("socket.io: cannot look up a session in the tracker store")
            return False

    async def session_for(self, requested: Any) -> Text:
        """The requested session id when this server issued it, else a new one."""
        if self.session_persistence and well_formed(requested):
            if requested in self.issued or await self.stored(requested):
                return requested
        if requested is not None:
            shown = repr(requested) if len(repr(requested)) <= 80 else repr(requested)[:80] + "..."
            logger.info("socket.io: session id %s not issued here: a new one is issued", shown)
        return self.issue()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's blueprint, with this class's session handling."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio

        @socketio_webhook.listener("before_server_start")
        async def remember_app(app: Any, _: Any) -> None:
            self.app = app

        @socketio_webhook.listener("before_server_stop")
        async def close_sockets(app: Any, _: Any) -> None:
            await close_engineio(sio.eio)

        async def bind(sid: Text, session_id: Text) -> None:
            previous = self.sockets.get(sid)
            if previous and previous != session_id:
                await sio.leave_room(sid, conversation_id(WEB, previous), namespace=self.namespace)
            self.sockets[sid] = session_id
            await sio.enter_room(sid, conversation_id(WEB, session_id), namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            await bind(sid, await self.session_for(requested))

        async def handle_message(sid: Text, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {"message": data}
            session_id = self.sockets.get(sid)
            if session_id is None:  # no session_request first: a new session, never the one named
                session_id = self.issue()
                await bind(sid, session_id)
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {"value": metadata}
            output = SocketIOOutput(sio, self.bot_message_evt)
            await on_new_message(UserMessage(data.get("message", ""), output,
                                             conversation_id(WEB, session_id),
                                             input_channel=self.name(), metadata=metadata))

        async def disconnect(sid: Text) -> None:
            self.sockets.pop(sid, None)

        # Registering an event again replaces the handler that Rasa's blueprint set.
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
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

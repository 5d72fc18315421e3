"""WhatsApp channel: a webhook for the WhatsApp Business Cloud API (Meta's Graph API), on aiohttp.

Configured from the environment (values in credentials.yml are used only when a variable is unset):

- WHATSAPP_ACCESS_TOKEN: the token the Graph API is called with (Authorization: Bearer ...).
- WHATSAPP_PHONE_NUMBER_ID: the id of the business phone number the bot answers from; messages
  are sent with POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages, and a webhook
  change for another number of the same app is ignored. Without it or the token the channel is
  off (503).
- WHATSAPP_APP_SECRET: the app's secret; every POST must carry X-Hub-Signature-256, the
  HMAC-SHA256 of its raw body with this secret (missing: 401, wrong: 403, nothing else happens).
- WHATSAPP_VERIFY_TOKEN: the token Meta sends once to verify the webhook (GET with hub.mode,
  hub.verify_token and hub.challenge: the challenge is echoed for the right token, else 403).
- WHATSAPP_API_URL: the Graph API base, https://graph.facebook.com/v21.0 by default.

Nothing is sent to Meta at start, so Rasa starts offline.

Every accepted POST is answered 200 at once and its messages are answered in the background
(Meta resends a webhook that is not answered 200 quickly); the messages of one conversation are
answered one after the other, in the order they came. A message id seen in the last
SEEN_SECONDS (a day) is not answered again (Meta retries deliveries), nor is a message sent more
than MAX_AGE_SECONDS ago. Each message is marked as read before it is answered.

Conversations are `whatsapp:<wa_id>` (channels/conversations.py). What Rasa is sent: the text; an
image, video or document's caption; a pressed reply button's or list row's id (its payload); a
shared location as `{"lng": ..., "lat": ...}` (the nearest office and PLKK, as on Telegram). Any
other message (an image without a caption, audio, a voice note, a sticker, contacts, a reaction,
an unsupported kind) gets the `unreadable_message` reply in the conversation's language (a
location without usable coordinates `unreadable_location`), without asking Rasa. Status updates
(sent, delivered, read, failed) are logged (a failure as a warning) and get nothing; so do a
removed reaction and service messages (`system`, `request_welcome`).

The bot's replies are collected while Rasa answers and then sent, so that the label of a list's
button is in the conversation's language as the answer left it. Text is cut between paragraphs
within WhatsApp's 4,096 characters. Buttons become reply buttons (up to 3, each title at most 20
characters) or else a list message (up to 10 rows, titles cut to 24 characters with the whole
title as the row's description); the text above them is cut to 1,024 characters (the rest comes
first as plain text). A payload longer than a button id may be is kept in memory under a short
key (`button_expired` and the menu when it is no longer known, as on Telegram); a second tap on
the same button of the same message within a few seconds is answered once.
"""

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections import OrderedDict
from typing import (Any, AsyncIterator, Awaitable, Callable, Dict, List, NamedTuple, Optional,
                    Set, Text, Tuple)

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import (BAD_LOCATION, BUTTON_EXPIRED, LANGUAGES, MENU_PAYLOAD, ButtonPayloads,
                             RepeatedTaps, conversation_language, location_text, plain, reply_text,
                             split_text, unreadable_text, utf16_length)
from channels.conversations import WHATSAPP, conversation_id, local_id

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://graph.facebook.com/v21.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
# Environment variable of each setting; the same keys may be given in credentials.yml.
ENVIRONMENT = {
    "access_token": "WHATSAPP_ACCESS_TOKEN",
    "app_secret": "WHATSAPP_APP_SECRET",
    "verify_token": "WHATSAPP_VERIFY_TOKEN",
    "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "api_url": "WHATSAPP_API_URL",
}
# WhatsApp's limits (characters): a text message, the text of an interactive message, reply
# buttons and their titles, list rows, their titles and descriptions, the list's button, an id.
MAX_MESSAGE_LENGTH = 4096
MAX_BODY_LENGTH = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_BUTTON_ID = 200
# The label of the button that opens a list, in each language (at most 20 characters).
LIST_BUTTON = {"id": "Pilih", "en": "Choose"}
ELLIPSIS = "…"
REQUEST_TIMEOUT_SECONDS = 30
# A message id is remembered this long (Meta retries a delivery for a while), and a message older
# than this is not answered (the 24-hour customer-service window is closed anyway).
SEEN_SECONDS = MAX_AGE_SECONDS = 24 * 3600
SEEN_SIZE = 200_000
# On a stop, replies still being sent get this many seconds to finish.
STOP_GRACE_SECONDS = 10
# Kinds of message read as their caption when they have one.
CAPTIONED = ("image", "video", "document")
# Kinds of message that get nothing (a user changed numbers, opened the chat for the first time).
SERVICE = ("system", "request_welcome")
STATUSES = ("sent", "delivered", "read", "failed")
# A WhatsApp user id: the phone number's digits (or a business-scoped user id).
WA_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def settings(credentials: Optional[Dict[Text, Any]] = None) -> Dict[Text, Optional[Text]]:
    """The channel's settings: each environment variable when set, else credentials.yml's value."""
    credentials = credentials or {}
    values = {}
    for key, variable in ENVIRONMENT.items():
        value = os.environ.get(variable, "").strip() or str(credentials.get(key) or "").strip()
        values[key] = value or None
    values["api_url"] = (values["api_url"] or DEFAULT_API_URL).rstrip("/")
    return values


def signature(body: bytes, app_secret: Text) -> Text:
    """The X-Hub-Signature-256 header Meta sends with `body`: sha256=<hex HMAC-SHA256>."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class WhatsAppError(Exception):
    """A Graph API call failed (network error, timeout, or an error reply)."""


class GraphApi:
    """Sends messages with the Graph API (POST {api_url}/{phone_number_id}/messages with JSON and
    the bearer token) on one aiohttp session, created in the running event loop when first needed
    and reused."""

    def __init__(self, token: Text, phone_number_id: Text, api_url: Text = DEFAULT_API_URL,
                 timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def _current_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            self._session, self._loop = aiohttp.ClientSession(timeout=timeout), loop
        return self._session

    async def send(self, message: Dict[Text, Any]) -> Dict[Text, Any]:
        """Posts one message object (`messaging_product` is added); returns Meta's reply or raises
        WhatsAppError (the token never in its text)."""
        url = f"{self.api_url}/{self.phone_number_id}/messages"
        headers = {"Authorization": f"Bearer {self.token}"}
        payload = {"messaging_product": "whatsapp", **message}
        try:
            async with self._current_session().post(url, json=payload, headers=headers) as reply:
                status, text = reply.status, await reply.text()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            detail = str(error).replace(self.token, "<token>") or type(error).__name__
            raise WhatsAppError(f"messages: {detail}") from None
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if status >= 300 or not isinstance(body, dict) or "error" in body:
            error = plain(plain(body).get("error"))
            detail = error.get("message") or text[:200] or "no reply"
            code = f" ({error['code']})" if "code" in error else ""
            detail = f"messages: HTTP {status}{code}: {detail}"
            raise WhatsAppError(detail.replace(self.token, "<token>"))
        return body

    async def mark_read(self, message_id: Text) -> None:
        """Marks a user's message as read (the two blue ticks)."""
        await self.send({"status": "read", "message_id": message_id})

    async def close(self) -> None:
        """Closes the session, if any."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def shortened(text: Text, limit: int) -> Text:
    """`text` on one line, cut to `limit` characters at a space where one is near, with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit - len(ELLIPSIS)]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-") + ELLIPSIS


def _recipient(recipient_id: Text) -> Text:
    """The WhatsApp user of a conversation id (whatsapp:<wa_id>; a bare wa_id as well)."""
    local = local_id(recipient_id, WHATSAPP)
    return local if local is not None else str(recipient_id)


def text_messages(to: Text, text: Text) -> List[Dict[Text, Any]]:
    """A text as the text messages WhatsApp accepts, cut between paragraphs."""
    return [{"recipient_type": "individual", "to": to, "type": "text", "text": {"body": chunk}}
            for chunk in split_text(text, MAX_MESSAGE_LENGTH)]


def split_tail(text: Text, limit: int) -> Tuple[Text, Text]:
    """(head, tail) of a text whose tail has at most `limit` UTF-16 code units: cut at the earliest
    paragraph break, else line break, else space that leaves a short enough tail (else anywhere)."""
    text = text.strip()
    if utf16_length(text) <= limit:
        return "", text
    for separator in ("\n\n", "\n", " "):
        start = text.find(separator, max(0, len(text) - limit))
        while start != -1 and utf16_length(text[start:].strip()) > limit:
            start = text.find(separator, start + 1)
        if start != -1 and text[start:].strip():
            return text[:start].rstrip(), text[start:].strip()
    start = len(text) - limit
    while utf16_length(text[start:]) > limit:
        start += 1
    return text[:start].rstrip(), text[start:].strip()


def interactive_messages(to: Text, text: Text, buttons: List[Dict[Text, Any]], lang: Text,
                         payloads: ButtonPayloads) -> List[Dict[Text, Any]]:
    """A text with buttons: reply buttons when there are at most three with short titles, else a
    list message, under the text's last 1,024 characters (what comes before as text messages).
    URL buttons are written into the text as "title: url"; an empty text sends nothing."""
    links = [f"{b.get('title') or b['url']}: {b['url']}" for b in buttons if b.get("url")]
    text = "\n".join([text or "", *links]).strip()
    choices: "OrderedDict[Text, Text]" = OrderedDict()
    for button in buttons:
        if button.get("url"):
            continue
        title = " ".join(str(button.get("title") or button.get("payload") or "").split())
        payload = str(button.get("payload") or title)
        if title and payload and payload not in choices:
            choices[payload] = title
    if not choices:
        return text_messages(to, text)
    if not text:
        logger.warning("WhatsApp: buttons without a text are not sent")
        return []
    head, body = split_tail(text, MAX_BODY_LENGTH)
    before = text_messages(to, head)
    titles = list(choices.values())
    if len(choices) <= MAX_BUTTONS and all(len(t) <= MAX_BUTTON_TITLE for t in titles) \
            and len(set(titles)) == len(titles):
        action = {"buttons": [{"type": "reply", "reply": {"id": payloads.shorten(payload),
                                                          "title": title}}
                              for payload, title in choices.items()]}
        kind = "button"
    else:
        if len(choices) > MAX_ROWS:
            logger.warning("WhatsApp: %d buttons, only the first %d are sent", len(choices),
                           MAX_ROWS)
        rows = []
        for payload, title in list(choices.items())[:MAX_ROWS]:
            row = {"id": payloads.shorten(payload), "title": shortened(title, MAX_ROW_TITLE)}
            if row["title"] != title:
                row["description"] = shortened(title, MAX_ROW_DESCRIPTION)
            rows.append(row)
        action = {"button": LIST_BUTTON.get(lang, LIST_BUTTON[LANGUAGES[0]]),
                  "sections": [{"rows": rows}]}
        kind = "list"
    interactive = {"type": kind, "body": {"text": body}, "action": action}
    return before + [{"recipient_type": "individual", "to": to, "type": "interactive",
                      "interactive": interactive}]


class WhatsAppOutput(OutputChannel):
    """Sends the bot's replies with the Graph API. With `collect`, the replies are kept until
    `flush(lang)` sends them (a list's button label then is in `lang`); without it, each is sent
    at once (messages the bot starts: `lang` is the one given, else Indonesian)."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name."""
        return "whatsapp"

    def __init__(self, api: GraphApi, payloads: Optional[ButtonPayloads] = None,
                 collect: bool = False, lang: Optional[Text] = None) -> None:
        self.api = api
        self.payloads = payloads or ButtonPayloads(MAX_BUTTON_ID)
        self.collect = collect
        self.lang = lang or LANGUAGES[0]
        self.pending: List[Tuple[Text, Text, List[Dict[Text, Any]], Optional[Dict[Text, Any]]]] = []

    async def _queue(self, recipient_id: Text, text: Text,
                     buttons: Optional[List[Dict[Text, Any]]] = None,
                     message: Optional[Dict[Text, Any]] = None) -> None:
        self.pending.append((_recipient(recipient_id), text, buttons or [], message))
        if not self.collect:
            await self.flush(self.lang)

    async def flush(self, lang: Optional[Text] = None) -> None:
        """Sends the replies kept so far, in order; raises WhatsAppError at the first that fails
        (the rest are dropped)."""
        lang = lang if lang in LANGUAGES else self.lang
        pending, self.pending = self.pending, []
        for to, text, buttons, message in pending:
            if message is not None:
                messages = [dict(message, to=message.get("to") or to)]
            elif buttons:
                messages = interactive_messages(to, text, buttons, lang, self.payloads)
            else:
                messages = text_messages(to, text)
            for outgoing in messages:
                await self.api.send(outgoing)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Sends a text, in as many messages as WhatsApp's length limit needs."""
        await self._queue(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        """Sends a text with reply buttons or a list."""
        await self._queue(recipient_id, text, buttons)

    async def send_quick_replies(self, recipient_id: Text, text: Text,
                                 quick_replies: List[Dict[Text, Any]], **kwargs: Any) -> None:
        """Quick replies are sent as buttons."""
        await self._queue(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """Sends an image by its URL."""
        await self._queue(recipient_id, "", message={"recipient_type": "individual",
                                                     "type": "image", "image": {"link": image}})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        """Sends a Graph API message object (with a "type" and the object of that type; "to"
        defaults to the user); a custom message of another shape is ignored."""
        kind = json_message.get("type")
        if not (isinstance(kind, str) and isinstance(json_message.get(kind), dict)):
            logger.debug("WhatsApp: custom message without a message type ignored")
            return
        await self._queue(recipient_id, "", message=dict(json_message))


class Incoming(NamedTuple):
    """One user message of a webhook: who sent it and what the bot is to read."""

    message_id: Text
    wa_id: Text
    # the user's text, a button's data (`button`), or a location as {"lng": ..., "lat": ...}
    text: Optional[Text] = None
    # the kind of a message the bot cannot read ("sticker", ...; BAD_LOCATION)
    unreadable: Optional[Text] = None
    # `text` is the id of a pressed reply button or list row
    button: bool = False
    # the bot's message under which the button was pressed
    context: Optional[Text] = None
    # when the user sent it (seconds since the epoch), if given
    timestamp: Optional[float] = None

    @property
    def conversation(self) -> Text:
        """whatsapp:<wa_id>."""
        return conversation_id(WHATSAPP, self.wa_id)


def _text(value: Any) -> Optional[Text]:
    """A field that must be non-empty text: itself stripped, else None."""
    return (value.strip() or None) if isinstance(value, str) else None


def _list(value: Any) -> List[Any]:
    """A field that must be a list: itself when it is, else an empty one."""
    return value if isinstance(value, list) else []


def _timestamp(value: Any) -> Optional[float]:
    """Seconds since the epoch from a number or text of one, else None."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_message(message: Any) -> Optional[Incoming]:
    """The Incoming of one entry of a webhook's `messages`; None for one the bot does not answer
    (a service message, a removed reaction, a text or button without content, one without an id or
    sender). Never raises: fields of the wrong type count as missing."""
    message = plain(message)
    message_id, sender = _text(message.get("id")), _text(message.get("from"))
    if not message_id or not sender or not WA_ID.fullmatch(sender):
        return None
    kind = _text(message.get("type")) or "unsupported"
    common = dict(message_id=message_id, wa_id=sender,
                  timestamp=_timestamp(message.get("timestamp")))
    content = plain(message.get(kind))
    if kind in SERVICE:
        return None
    if kind == "text":
        text = _text(content.get("body"))
        return Incoming(text=text, **common) if text else None
    if kind == "interactive":
        key = next((k for k in ("button_reply", "list_reply") if k in content), None)
        if key is None:
            return Incoming(unreadable=kind, **common)  # a flow's reply, ...
        data = _text(plain(content[key]).get("id"))
        context = _text(plain(message.get("context")).get("id"))
        return Incoming(text=data, button=True, context=context, **common) if data else None
    if kind == "button":  # a template's quick reply: its payload, else its text
        text = _text(content.get("payload")) or _text(content.get("text"))
        return Incoming(text=text, **common) if text else None
    if kind == "location":
        location = location_text(message.get("location"))
        if location is None:
            return Incoming(unreadable=BAD_LOCATION, **common)
        return Incoming(text=location, **common)
    if kind in CAPTIONED and _text(content.get("caption")):
        return Incoming(text=_text(content.get("caption")), **common)
    if kind == "reaction" and not _text(content.get("emoji")):
        return None  # a reaction taken back
    if kind == "audio" and content.get("voice"):
        kind = "voice"
    return Incoming(unreadable=kind, **common)


def log_status(status: Any) -> None:
    """Logs a status update of a message the bot sent: a failure as a warning with Meta's error,
    the others (sent, delivered, read) at debug level. The recipient is not logged."""
    status = plain(status)
    state, message_id = status.get("status"), status.get("id")
    if state == "failed":
        errors = [f"({plain(e).get('code')}) {plain(e).get('title') or plain(e).get('message')}"
                  for e in _list(status.get("errors")) if isinstance(e, dict)]
        logger.warning("WhatsApp: message %s failed: %s", message_id,
                       "; ".join(errors) or "no reason")
    else:
        logger.debug("WhatsApp: message %s %s", message_id, state)


class SeenMessages:
    """Message ids seen in the last `seconds`, at most `size` of them."""

    def __init__(self, seconds: float = SEEN_SECONDS, size: int = SEEN_SIZE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._seen: "OrderedDict[Text, float]" = OrderedDict()

    def first_time(self, message_id: Text) -> bool:
        """True the first time an id is seen within `seconds`; it is then remembered."""
        now = self.clock()
        while self._seen and (len(self._seen) > self.size
                              or now - next(iter(self._seen.values())) >= self.seconds):
            self._seen.popitem(last=False)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now
        return True


class ConversationTurns:
    """One answer at a time per conversation, in the order asked (asyncio locks are fair)."""

    def __init__(self) -> None:
        self._locks: Dict[Text, asyncio.Lock] = {}
        self._waiting: Dict[Text, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, conversation: Text) -> AsyncIterator[None]:
        """Waits for the conversation's earlier answers, then holds its turn."""
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        self._waiting[conversation] = self._waiting.get(conversation, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[conversation] -= 1
            if not self._waiting[conversation]:
                del self._waiting[conversation], self._locks[conversation]


class WhatsAppInput(InputChannel):
    """Receives WhatsApp webhooks on /webhooks/whatsapp/webhook."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name, also its URL prefix."""
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppInput":
        """The channel configured from the environment, then credentials.yml."""
        values = settings(credentials)
        if not (values["access_token"] and values["phone_number_id"]):
            logger.info("WhatsApp is off: WHATSAPP_ACCESS_TOKEN or WHATSAPP_PHONE_NUMBER_ID "
                        "is not set")
        elif not values["app_secret"]:
            logger.warning("WhatsApp webhooks are refused: WHATSAPP_APP_SECRET is not set")
        return cls(**values)

    def __init__(self, access_token: Optional[Text] = None, app_secret: Optional[Text] = None,
                 verify_token: Optional[Text] = None, phone_number_id: Optional[Text] = None,
                 api_url: Text = DEFAULT_API_URL, clock: Callable[[], float] = time.time) -> None:
        self.api = GraphApi(access_token, phone_number_id, api_url) \
            if access_token and phone_number_id else None
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.phone_number_id = phone_number_id
        self.clock = clock
        self.payloads = ButtonPayloads(MAX_BUTTON_ID)
        self.taps = RepeatedTaps()
        self.seen = SeenMessages()
        self.turns = ConversationTurns()
        self.tasks: Set["asyncio.Task[None]"] = set()

    def verification(self, mode: Optional[Text], token: Optional[Text],
                     challenge: Optional[Text]) -> Tuple[int, Text]:
        """(status, text) for Meta's webhook verification: the challenge for hub.mode=subscribe
        and the right token, else 403 (400 without a challenge)."""
        if not self.verify_token or mode != "subscribe" or not token \
                or not hmac.compare_digest(token.encode(), self.verify_token.encode()):
            return 403, "forbidden"
        if not challenge:
            return 400, "no challenge"
        return 200, challenge

    def refusal(self, body: bytes, header: Optional[Text]) -> Optional[Tuple[int, Text]]:
        """(status, reason) when a POST with this body and X-Hub-Signature-256 must be refused:
        503 when the channel is off, 401 without a signature, 403 with a wrong one (or with no
        app secret configured); None when it is Meta's."""
        if self.api is None:
            return 503, "disabled"
        if not self.app_secret:
            return 403, "no app secret configured"
        if not header:
            return 401, "no signature"
        expected = signature(body, self.app_secret)
        if not hmac.compare_digest(header.strip().encode(), expected.encode()):
            return 403, "wrong signature"
        return None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output channel for messages the bot starts (no network call here)."""
        return WhatsAppOutput(self.api, self.payloads) if self.api else None

    def accepted(self, update: Dict[Text, Any]) -> List[Incoming]:
        """The messages of a webhook to answer: status updates logged, changes for another phone
        number skipped, and messages seen before, older than a day or a repeated tap dropped."""
        incoming = []
        for entry in _list(update.get("entry")):
            for change in _list(plain(entry).get("changes")):
                value = plain(plain(change).get("value"))
                number = plain(value.get("metadata")).get("phone_number_id")
                if number is not None and str(number) != self.phone_number_id:
                    logger.debug("WhatsApp: a change for another phone number ignored")
                    continue
                for status in _list(value.get("statuses")):
                    log_status(status)
                for message in _list(value.get("messages")):
                    parsed = parse_message(message)
                    if parsed is None or not self.seen.first_time(parsed.message_id):
                        continue
                    if parsed.timestamp is not None and \
                            self.clock() - parsed.timestamp > MAX_AGE_SECONDS:
                        logger.info("WhatsApp: message %s is more than a day old: not answered",
                                    parsed.message_id)
                        continue
                    if parsed.button and self.taps.repeated(
                            (parsed.conversation, parsed.context, parsed.text)):
                        logger.debug("WhatsApp: repeated tap %s not answered again",
                                     parsed.message_id)
                        continue
                    incoming.append(parsed)
        return incoming

    def receive(self, body: bytes, header: Optional[Text],
                on_new_message: Callable[[UserMessage], Awaitable[Any]],
                agent: Any = None) -> Tuple[int, Dict[Text, Text]]:
        """(status, JSON body) for a POST: refused, not a webhook (400), or 200 with each accepted
        message answered in the background (call from a running event loop)."""
        refused = self.refusal(body, header)
        if refused:
            return refused[0], {"status": refused[1]}
        try:
            update = json.loads(body)
        except ValueError:
            update = None
        if not isinstance(update, dict):
            return 400, {"status": "not a webhook"}
        for incoming in self.accepted(update):
            answer = self.answer(incoming, on_new_message, agent)
            task = asyncio.get_running_loop().create_task(answer)
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return 200, {"status": "ok"}

    async def drain(self, timeout: Optional[float] = None) -> None:
        """Waits until the answers in progress are sent (at most `timeout` seconds)."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)

    async def answer(self, incoming: Incoming,
                     on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     agent: Any = None) -> None:
        """Answers one message after the conversation's earlier ones; never raises: a Graph API
        failure is logged as one error line, any other with its traceback."""
        async with self.turns.turn(incoming.conversation):
            try:
                await self._answer(incoming, on_new_message, agent)
            except WhatsAppError as error:
                logger.error("WhatsApp: message %s not answered: %s", incoming.message_id, error)
            except Exception:  # noqa: BLE001 - a background task: logged, never lost silently
                logger.exception("WhatsApp: message %s failed", incoming.message_id)

    async def _answer(self, incoming: Incoming,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]], agent: Any) -> None:
        try:
            await self.api.mark_read(incoming.message_id)
        except WhatsAppError as error:
            logger.warning("WhatsApp: message %s not marked as read: %s", incoming.message_id,
                           error)
        output = WhatsAppOutput(self.api, self.payloads, collect=True)
        loop = asyncio.get_running_loop()
        if incoming.unreadable:
            lang = await self.language(incoming, agent)
            logger.debug("WhatsApp: a %s: answered what the bot reads", incoming.unreadable)
            # rendered in a thread: the first reply loads the actions package (about a second)
            reply = await loop.run_in_executor(None, unreadable_text, lang, incoming.unreadable)
            await output.send_text_message(incoming.conversation, reply)
            await output.flush(lang)
            return
        text = incoming.text
        if incoming.button:
            text = self.payloads.resolve(incoming.text)
            if text is None:  # a long payload kept in memory before a restart
                logger.info("WhatsApp: an expired button: the menu is shown")
                lang = await self.language(incoming, agent)
                reply = await loop.run_in_executor(None, reply_text, BUTTON_EXPIRED, lang)
                await output.send_text_message(incoming.conversation, reply)
                text = MENU_PAYLOAD
        await on_new_message(UserMessage(text, output, incoming.conversation,
                                         input_channel=self.name(), message_id=incoming.message_id))
        await output.flush(await self.language(incoming, agent))

    @staticmethod
    async def language(incoming: Incoming, agent: Any = None) -> Text:
        """The conversation's language (its `language` slot), else Indonesian."""
        return await conversation_language(agent, incoming.conversation) or LANGUAGES[0]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The webhook's routes."""
        whatsapp_webhook = Blueprint("whatsapp_webhook", __name__)

        @whatsapp_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.api else "disabled"})

        @whatsapp_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            status, text = self.verification(request.args.get("hub.mode"),
                                             request.args.get("hub.verify_token"),
                                             request.args.get("hub.challenge"))
            return response.text(text, status=status)

        @whatsapp_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            status, body = self.receive(request.body or b"", request.headers.get(SIGNATURE_HEADER),
                                        on_new_message, getattr(request.app.ctx, "agent", None))
            return response.json(body, status=status)

        @whatsapp_webhook.listener("before_server_stop")
        async def finish_answers(*_: Any) -> None:
            await self.drain(STOP_GRACE_SECONDS)

        @whatsapp_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self.api:
                await self.api.close()

        return whatsapp_webhook


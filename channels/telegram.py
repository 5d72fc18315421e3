"""Telegram channel: a webhook for Telegram's Bot API, written on aiohttp instead of aiogram.

Configured from the environment (values in credentials.yml are used only when a variable is unset):

- TELEGRAM_TOKEN: the bot's token from BotFather; without it the channel is off (503).
- TELEGRAM_SECRET_TOKEN: the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; required
  when the token is set: updates without it, or with another one, get 403.
- TELEGRAM_BOT_USERNAME: the bot's username, to ignore commands meant for other bots in groups.
- TELEGRAM_WEBHOOK_URL: the public HTTPS URL of the webhook (scripts/telegram_set_webhook.py).
- TELEGRAM_API_URL: the Bot API server, https://api.telegram.org unless self-hosted.

Nothing is sent to Telegram at start, so Rasa starts offline; the webhook is set with
scripts/telegram_set_webhook.py (make telegram-webhook).

Conversations: `telegram:<chat id>` for a private chat, `telegram:<chat id>:<user id>` for each
member of a group (channels/conversations.py), so that no context passes between users. In a group
every answer replies to the asker's message (to the message under the pressed button for a
button). A message the bot cannot read (a sticker, a voice note, a photo without a caption, ...)
gets one short reply in the chat's language saying what it reads. A second tap on the same button
within REPEATED_TAP_SECONDS is acknowledged but not answered again.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections import OrderedDict, deque
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversations import TELEGRAM, conversation_id, local_id

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Environment variable of each setting; the same keys may be given in credentials.yml.
ENVIRONMENT = {
    "token": "TELEGRAM_TOKEN",
    "secret_token": "TELEGRAM_SECRET_TOKEN",
    "bot_username": "TELEGRAM_BOT_USERNAME",
    "webhook_url": "TELEGRAM_WEBHOOK_URL",
    "api_url": "TELEGRAM_API_URL",
}
# Telegram's limits: characters (UTF-16 code units) of a message, bytes of a button's callback data.
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA = 64
# Telegram commands and the intent payload each one sends to the bot.
COMMANDS = {"start": "/greet", "help": "/ask_help"}
COMMAND = re.compile(r"^/(\w+)(?:@(\w+))?(?=\s|$)")
REQUEST_TIMEOUT_SECONDS = 30
RECENT_UPDATES = 1000
# A second tap on the same button within this many seconds is not answered again.
REPEATED_TAP_SECONDS = 5.0
GROUP_CHATS = ("group", "supergroup")
# Kinds of message the bot cannot read: each gets the `unreadable_message` reply. Service messages
# (a member joined, a pinned message, ...) get nothing.
UNREADABLE = ("sticker", "voice", "photo", "video", "video_note", "audio", "animation", "document",
              "contact", "dice", "poll", "game", "story", "invoice", "paid_media", "giveaway",
              "giveaway_winners", "checklist")
# When the reply template cannot be rendered (a broken facts file stops the actions package).
PLAIN_UNREADABLE = {
    "id": "Maaf, saya hanya bisa membaca pesan teks, tombol pilihan, dan lokasi yang dibagikan.",
    "en": "Sorry, I can only read text messages, the buttons and a shared location.",
}


def settings(credentials: Optional[Dict[Text, Any]] = None) -> Dict[Text, Optional[Text]]:
    """The channel's settings: each environment variable when set, else credentials.yml's value."""
    credentials = credentials or {}
    values = {}
    for key, variable in ENVIRONMENT.items():
        value = os.environ.get(variable, "").strip() or str(credentials.get(key) or "").strip()
        values[key] = value or None
    values["api_url"] = (values["api_url"] or DEFAULT_API_URL).rstrip("/")
    return values


class TelegramError(Exception):
    """A Bot API call failed (network error or a reply with "ok": false)."""


class BotApi:
    """Calls Bot API methods (POST {api_url}/bot{token}/{method} with JSON) on one aiohttp session,
    created in the running event loop when first needed and reused."""

    def __init__(self, token: Text, api_url: Text = DEFAULT_API_URL) -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def _current_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
            self._session, self._loop = aiohttp.ClientSession(timeout=timeout), loop
        return self._session

    async def call(self, method: Text, **params: Any) -> Any:
        """Calls a Bot API method; returns its result or raises TelegramError."""
        url = f"{self.api_url}/bot{self.token}/{method}"
        try:
            async with self._current_session().post(url, json=params) as reply:
                body = await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            detail = str(error).replace(self.token, "<token>") or type(error).__name__
            raise TelegramError(f"{method}: {detail}") from None
        if not isinstance(body, dict) or not body.get("ok"):
            detail = body.get("description") if isinstance(body, dict) else "not a Bot API reply"
            raise TelegramError(f"{method}: {detail}")
        return body.get("result")

    async def close(self) -> None:
        """Closes the session, if any."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


class CallbackStore:
    """Button payloads longer than Telegram's 64 bytes of callback data, kept in memory under a
    short key (cb:<hash>) until the button is pressed."""

    PREFIX = "cb:"

    def __init__(self, size: int = 10000) -> None:
        self.size = size
        self._payloads: "OrderedDict[Text, Text]" = OrderedDict()

    def shorten(self, payload: Text) -> Text:
        """The callback data for a payload: the payload itself when it fits, else a short key."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(self.PREFIX):
            return payload
        key = self.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.size:
            self._payloads.popitem(last=False)
        return key

    def resolve(self, data: Text) -> Optional[Text]:
        """The payload of a button's callback data; None for a key no longer known."""
        if data.startswith(self.PREFIX):
            return self._payloads.get(data)
        return data


def _length(text: Text) -> int:
    """Length as Telegram counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: Text, limit: int = MAX_MESSAGE_LENGTH) -> List[Text]:
    """The text in chunks Telegram accepts, cut at paragraphs, else lines, else spaces."""
    text = (text or "").strip()
    chunks = []
    while _length(text) > limit:
        head = text[:limit]
        while _length(head) > limit:
            head = head[:-max(1, (_length(head) - limit) // 2)]
        cut = len(head)
        for separator in ("\n\n", "\n", " "):
            position = head.rfind(separator)
            if position >= limit // 4:
                cut = position
                break
        chunks.append(text[:cut].rstrip())
        text = text[cut:].strip()
    return chunks + ([text] if text else [])


class Incoming(NamedTuple):
    """What one update asks of the bot: the chat, the user's message, the callback to answer."""

    chat_id: Text
    text: Optional[Text]
    callback_id: Optional[Text] = None
    # the conversation: telegram:<chat>, or telegram:<chat>:<user> in a group
    conversation: Optional[Text] = None
    # in a group, the message the answer replies to
    reply_to: Optional[int] = None
    # the message under which a button was pressed
    button_message: Optional[int] = None
    # the Telegram client's language ("id", "en-US", ...)
    language_code: Optional[Text] = None
    # the kind of a message the bot cannot read ("sticker", ...)
    unreadable: Optional[Text] = None


def location_text(location: Dict[Text, Any]) -> Text:
    """A shared location as the bot reads it: {"lng": <lon>, "lat": <lat>}."""
    return json.dumps({"lng": float(location["longitude"]), "lat": float(location["latitude"])})


def command_text(text: Text, bot_username: Optional[Text] = None) -> Optional[Text]:
    """The message for Rasa from a typed text: /start and /help become intent payloads, a command's
    @bot suffix goes, and a command for another bot gives None."""
    match = COMMAND.match(text)
    if not match:
        return text
    command, target = match.group(1), match.group(2)
    if target and bot_username and target.lower() != bot_username.lstrip("@").lower():
        return None
    if command.lower() in COMMANDS:
        return COMMANDS[command.lower()]
    return f"/{command}{text[match.end():]}"


def conversation_of(chat: Dict[Text, Any], user: Optional[Dict[Text, Any]]) -> Text:
    """telegram:<chat> for a private chat; telegram:<chat>:<user> for a member of a group."""
    user_id = (user or {}).get("id")
    if chat.get("type") in GROUP_CHATS and user_id is not None:
        return conversation_id(TELEGRAM, chat["id"], user_id)
    return conversation_id(TELEGRAM, chat["id"])


def parse_update(update: Dict[Text, Any], bot_username: Optional[Text] = None) -> Optional[Incoming]:
    """The message of a Telegram update: a text, a shared location, a pressed button, or a message
    the bot cannot read (`unreadable` says its kind); None for updates the bot does not answer
    (edited messages, channel posts, service messages, another bot's command, ...)."""
    query = update.get("callback_query")
    if isinstance(query, dict) and query.get("id"):
        user = query.get("from") if isinstance(query.get("from"), dict) else {}
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        if chat.get("id") is None:
            if user.get("id") is None:
                return None
            chat = {"id": user["id"], "type": "private"}
        group = chat.get("type") in GROUP_CHATS
        return Incoming(str(chat["id"]), query.get("data"), str(query["id"]),
                        conversation_of(chat, user), message.get("message_id") if group else None,
                        message.get("message_id"), user.get("language_code"))
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict) \
            or message["chat"].get("id") is None:
        return None
    chat, user = message["chat"], message.get("from") if isinstance(message.get("from"), dict) else {}
    common = dict(chat_id=str(chat["id"]), conversation=conversation_of(chat, user),
                  reply_to=message.get("message_id") if chat.get("type") in GROUP_CHATS else None,
                  language_code=user.get("language_code"))
    if isinstance(message.get("location"), dict):
        return Incoming(text=location_text(message["location"]), **common)
    text = message.get("text") or message.get("caption")
    if isinstance(text, str) and text.strip():
        text = command_text(text.strip(), bot_username)
        return Incoming(text=text, **common) if text else None
    kind = next((kind for kind in UNREADABLE if message.get(kind)), None)
    return Incoming(text=None, unreadable=kind, **common) if kind else None


def language_of_code(language_code: Optional[Text]) -> Optional[Text]:
    """The bot's language for a Telegram app's language: en for English, id for Indonesian, else
    None."""
    code = (language_code or "").lower()
    return "en" if code.startswith("en") else "id" if code.startswith(("id", "in")) else None


def unreadable_text(lang: Text) -> Text:
    """The `unreadable_message` reply in `lang`."""
    lang = lang if lang in PLAIN_UNREADABLE else "id"
    try:
        from actions import replies

        return replies.render("unreadable_message", lang)
    except (Exception, SystemExit) as error:  # actions/__init__ exits on a broken facts file
        logger.error("Telegram: cannot render the unreadable_message reply (%s)", error)
        return PLAIN_UNREADABLE[lang]


class RepeatedTaps:
    """Remembers button taps for a few seconds, to answer a repeated tap once."""

    def __init__(self, seconds: float = REPEATED_TAP_SECONDS, size: int = 10000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._taps: "OrderedDict[Tuple[Any, ...], float]" = OrderedDict()

    def repeated(self, key: Tuple[Any, ...]) -> bool:
        """True when the same tap (conversation, message, data) came within `seconds`; a tap
        answered again restarts the time."""
        now = self.clock()
        last = self._taps.get(key)
        if last is not None and now - last < self.seconds:
            return True
        self._taps[key] = now
        self._taps.move_to_end(key)
        while len(self._taps) > self.size:
            self._taps.popitem(last=False)
        return False


def _chat_id(recipient_id: Text) -> Any:
    """The chat of a conversation id (telegram:<chat>[:<user>]; a bare chat id as well), as
    Telegram gives it: a number when it is one."""
    local = local_id(recipient_id, TELEGRAM)
    chat = local.split(":", 1)[0] if local is not None else str(recipient_id)
    return int(chat) if re.fullmatch(r"-?\d+", chat) else chat


class TelegramOutput(OutputChannel):
    """Sends the bot's replies with the Bot API, as plain text (no parse_mode)."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name."""
        return "telegram"

    def __init__(self, api: BotApi, callbacks: Optional[CallbackStore] = None,
                 reply_to: Optional[int] = None) -> None:
        self.api = api
        self.callbacks = callbacks or CallbackStore()
        self.reply_to = reply_to

    def _reply(self) -> Dict[Text, Any]:
        """The parameters that make a message a reply to the asker's (in groups)."""
        if self.reply_to is None:
            return {}
        return {"reply_parameters": {"message_id": self.reply_to,
                                     "allow_sending_without_reply": True}}

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Sends a text, in as many messages as Telegram's length limit needs."""
        for chunk in split_text(text):
            await self.api.call("sendMessage", chat_id=_chat_id(recipient_id), text=chunk,
                                **self._reply())

    def _button(self, button: Dict[Text, Any]) -> Dict[Text, Text]:
        title = str(button.get("title") or button.get("payload") or button.get("url") or "")
        if button.get("url"):
            return {"text": title, "url": button["url"]}
        return {"text": title, "callback_data": self.callbacks.shorten(str(button.get("payload") or title))}

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        """Sends a text with an inline keyboard, one button a row, under its last message."""
        chunks = split_text(text)
        if not chunks:
            logger.warning("Telegram: buttons without a text are not sent")
            return
        keyboard = {"inline_keyboard": [[self._button(b)] for b in buttons]}
        for chunk in chunks[:-1]:
            await self.api.call("sendMessage", chat_id=_chat_id(recipient_id), text=chunk,
                                **self._reply())
        await self.api.call("sendMessage", chat_id=_chat_id(recipient_id), text=chunks[-1],
                            reply_markup=keyboard, **self._reply())

    async def send_quick_replies(self, recipient_id: Text, text: Text,
                                 quick_replies: List[Dict[Text, Any]], **kwargs: Any) -> None:
        """Quick replies are sent as buttons."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """Sends an image by its URL."""
        await self.api.call("sendPhoto", chat_id=_chat_id(recipient_id), photo=image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        """Calls the Bot API send method named by "method" with the other keys as its parameters
        (chat_id defaults to the user's chat); a custom message without one is ignored."""
        params = dict(json_message)
        method = params.pop("method", None)
        if not (isinstance(method, str) and method.startswith("send")):
            logger.debug("Telegram: custom message without a send method ignored")
            return
        params.setdefault("chat_id", _chat_id(recipient_id))
        await self.api.call(method, **params)


class TelegramInput(InputChannel):
    """Receives Telegram updates on /webhooks/telegram/webhook."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name, also its URL prefix."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        """The channel configured from the environment, then credentials.yml."""
        values = settings(credentials)
        if not values["token"]:
            logger.info("Telegram is off: TELEGRAM_TOKEN is not set")
        elif not values["secret_token"]:
            logger.warning("Telegram updates are refused: TELEGRAM_SECRET_TOKEN is not set")
        return cls(**values)

    def __init__(self, token: Optional[Text] = None, secret_token: Optional[Text] = None,
                 bot_username: Optional[Text] = None, webhook_url: Optional[Text] = None,
                 api_url: Text = DEFAULT_API_URL) -> None:
        self.api = BotApi(token, api_url) if token else None
        self.secret_token = secret_token
        self.bot_username = bot_username
        self.webhook_url = webhook_url
        self.callbacks = CallbackStore()
        self.taps = RepeatedTaps()
        self._recent_updates: deque = deque(maxlen=RECENT_UPDATES)

    def refusal(self, secret: Optional[Text]) -> Optional[Tuple[int, Text]]:
        """(status, reason) when an update with this secret header must be refused, else None."""
        if self.api is None:
            return 503, "disabled"
        if not self.secret_token:
            return 403, "no secret token configured"
        if not secret or not hmac.compare_digest(secret.encode(), self.secret_token.encode()):
            return 403, "forbidden"
        return None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output channel for messages the bot starts (no network call here)."""
        return TelegramOutput(self.api, self.callbacks) if self.api else None

    async def handle_update(self, update: Dict[Text, Any],
                            on_new_message: Callable[[UserMessage], Awaitable[Any]],
                            agent: Any = None) -> None:
        """Answers one update: the callback query first, then the message, through Rasa; a
        message the bot cannot read gets the `unreadable_message` reply (`agent`: Rasa's, to
        look up the conversation's language)."""
        update_id = update.get("update_id")
        if update_id is not None:
            if update_id in self._recent_updates:
                return
            self._recent_updates.append(update_id)
        incoming = parse_update(update, self.bot_username)
        if incoming is None:
            return
        output = TelegramOutput(self.api, self.callbacks, reply_to=incoming.reply_to)
        if incoming.unreadable:
            lang = await self.language(incoming, agent)
            logger.debug("Telegram: a %s in %s: answered what the bot reads", incoming.unreadable,
                         incoming.conversation)
            await output.send_text_message(incoming.chat_id, unreadable_text(lang))
            return
        text = incoming.text
        if incoming.callback_id:
            try:
                await self.api.call("answerCallbackQuery", callback_query_id=incoming.callback_id)
            except TelegramError as error:
                logger.warning("Telegram: %s", error)
            if self.taps.repeated((incoming.conversation, incoming.button_message, text)):
                logger.debug("Telegram: repeated tap in %s not answered again", incoming.conversation)
                return
            text = self.callbacks.resolve(text) if text else None
            if not text:
                logger.warning("Telegram: unknown callback data in update %s", update_id)
                return
        await on_new_message(UserMessage(text, output, incoming.conversation,
                                         input_channel=self.name()))

    @staticmethod
    async def language(incoming: Incoming, agent: Any = None) -> Text:
        """The chat's language: the conversation's `language` slot, else the Telegram client's
        language, else Indonesian."""
        store = getattr(agent, "tracker_store", None)
        if store is not None and incoming.conversation:
            try:
                tracker = await store.retrieve(incoming.conversation)
                slot = tracker.get_slot("language") if tracker else None
                if slot in PLAIN_UNREADABLE:
                    return slot
            except Exception:  # noqa: BLE001 - a guess is enough here
                logger.exception("Telegram: cannot read the language of %s", incoming.conversation)
        return language_of_code(incoming.language_code) or "id"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The webhook's routes."""
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.api else "disabled"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            refused = self.refusal(request.headers.get(SECRET_HEADER))
            if refused:
                return response.json({"status": refused[1]}, status=refused[0])
            update = request.json
            if not isinstance(update, dict):
                return response.json({"status": "not an update"}, status=400)
            try:
                await self.handle_update(update, on_new_message,
                                         getattr(request.app.ctx, "agent", None))
            except Exception:  # answered 200 all the same, or Telegram would resend it forever
                logger.exception("Telegram: update %s failed", update.get("update_id"))
            return response.json({"status": "ok"})

        @telegram_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self.api:
                await self.api.close()

        return telegram_webhook

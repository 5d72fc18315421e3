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
"""

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
from collections import OrderedDict, deque
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

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


def parse_update(update: Dict[Text, Any], bot_username: Optional[Text] = None) -> Optional[Incoming]:
    """The message of a Telegram update: a text, a shared location or a pressed button; None for
    updates the bot does not answer (edited messages, channel posts, stickers, ...)."""
    query = update.get("callback_query")
    if isinstance(query, dict) and query.get("id"):
        chat = ((query.get("message") or {}).get("chat") or {}).get("id")
        if chat is None:
            chat = (query.get("from") or {}).get("id")
        return Incoming(str(chat), query.get("data"), str(query["id"])) if chat is not None else None
    message = update.get("message")
    if not isinstance(message, dict) or (message.get("chat") or {}).get("id") is None:
        return None
    chat = str(message["chat"]["id"])
    if isinstance(message.get("location"), dict):
        return Incoming(chat, location_text(message["location"]))
    text = message.get("text") or message.get("caption")
    text = command_text(text.strip(), bot_username) if isinstance(text, str) and text.strip() else None
    return Incoming(chat, text) if text else None


def _chat_id(recipient_id: Text) -> Any:
    """A chat id as Telegram gives it: a number when it is one."""
    return int(recipient_id) if re.fullmatch(r"-?\d+", str(recipient_id)) else recipient_id


class TelegramOutput(OutputChannel):
    """Sends the bot's replies with the Bot API, as plain text (no parse_mode)."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name."""
        return "telegram"

    def __init__(self, api: BotApi, callbacks: Optional[CallbackStore] = None) -> None:
        self.api = api
        self.callbacks = callbacks or CallbackStore()

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Sends a text, in as many messages as Telegram's length limit needs."""
        for chunk in split_text(text):
            await self.api.call("sendMessage", chat_id=_chat_id(recipient_id), text=chunk)

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
            await self.api.call("sendMessage", chat_id=_chat_id(recipient_id), text=chunk)
        await self.api.call("sendMessage", chat_id=_chat_id(recipient_id), text=chunks[-1],
                            reply_markup=keyboard)

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
                            on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Answers one update: the callback query first, then the message, through Rasa."""
        update_id = update.get("update_id")
        if update_id is not None:
            if update_id in self._recent_updates:
                return
            self._recent_updates.append(update_id)
        incoming = parse_update(update, self.bot_username)
        if incoming is None:
            return
        text = incoming.text
        if incoming.callback_id:
            try:
                await self.api.call("answerCallbackQuery", callback_query_id=incoming.callback_id)
            except TelegramError as error:
                logger.warning("Telegram: %s", error)
            text = self.callbacks.resolve(text) if text else None
            if not text:
                logger.warning("Telegram: unknown callback data in update %s", update_id)
                return
        output = TelegramOutput(self.api, self.callbacks)
        await on_new_message(UserMessage(text, output, incoming.chat_id, input_channel=self.name()))

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
                await self.handle_update(update, on_new_message)
            except Exception:  # answered 200 all the same, or Telegram would resend it forever
                logger.exception("Telegram: update %s failed", update.get("update_id"))
            return response.json({"status": "ok"})

        @telegram_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self.api:
                await self.api.close()

        return telegram_webhook

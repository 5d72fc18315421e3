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
gets one short reply in the chat's language saying what it reads; so does a shared location without
usable coordinates. A second tap on the same button within REPEATED_TAP_SECONDS is acknowledged but
not answered again. A tap on a button whose data the bot no longer has (a long payload kept in
memory before a restart) gets `button_expired` and the menu.

Malformed updates never raise: a message without a chat, a button without data, an unknown kind of
update is ignored (200, nothing sent); a body that is not a JSON object gets 400.
"""

import asyncio
import hmac
import logging
import os
import re
from collections import deque
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import (BAD_LOCATION, BUTTON_EXPIRED, LANGUAGES, MENU_PAYLOAD,
                             PLAIN_REPLIES, UNREADABLE_REPLIES, ButtonPayloads, RepeatedTaps,
                             conversation_language, location_text, reply_text, unreadable_text)
from channels.common import split_text as split_chunks
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
COMMANDS = {"start": "/greet", "help": MENU_PAYLOAD}
COMMAND = re.compile(r"^/(\w+)(?:@(\w+))?(?=\s|$)")
REQUEST_TIMEOUT_SECONDS = 30
RECENT_UPDATES = 1000
GROUP_CHATS = ("group", "supergroup")
# Kinds of message the bot cannot read: each gets the `unreadable_message` reply. Service messages
# (a member joined, a pinned message, ...) get nothing.
UNREADABLE = ("sticker", "voice", "photo", "video", "video_note", "audio", "animation", "document",
              "contact", "dice", "poll", "game", "story", "invoice", "paid_media", "giveaway",
              "giveaway_winners", "checklist")
# The shared replies, locations, language, long texts and taps are in channels/common.py.


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


class CallbackStore(ButtonPayloads):
    """Button payloads longer than Telegram's 64 bytes of callback data, kept in memory under a
    short key (cb:<hash>) until the button is pressed."""

    def __init__(self, size: int = 10000) -> None:
        super().__init__(MAX_CALLBACK_DATA, size)


def split_text(text: Text, limit: int = MAX_MESSAGE_LENGTH) -> List[Text]:
    """The text in chunks Telegram accepts, cut at paragraphs, else lines, else spaces."""
    return split_chunks(text, limit)


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


def _id(value: Any) -> Optional[Text]:
    """A chat's or user's id as text: an integer, or text of one; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value):
        return value
    return None


def _message_id(value: Any) -> Optional[int]:
    """A message id: an integer, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> Optional[Text]:
    """A field that must be text: itself when it is, else None."""
    return value if isinstance(value, str) else None


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
    """telegram:<chat> for a private chat; telegram:<chat>:<user> for a member of a group (`chat`
    has a valid id)."""
    user_id = _id((user or {}).get("id"))
    if chat.get("type") in GROUP_CHATS and user_id is not None:
        return conversation_id(TELEGRAM, _id(chat["id"]), user_id)
    return conversation_id(TELEGRAM, _id(chat["id"]))


def parse_update(update: Dict[Text, Any], bot_username: Optional[Text] = None) -> Optional[Incoming]:
    """The message of a Telegram update: a text, a shared location, a pressed button (its
    callback data as `text`: None when it has none), or a message the bot cannot read
    (`unreadable` says its kind; BAD_LOCATION for a location without usable coordinates); None
    for updates the bot does not answer (edited messages, channel posts, service messages,
    another bot's command, unknown kinds, a message without a chat, ...). Never raises on a
    malformed update: fields of the wrong type count as missing."""
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("id"), (str, int)) and query.get("id"):
        user = query.get("from") if isinstance(query.get("from"), dict) else {}
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        if _id(chat.get("id")) is None:
            if _id(user.get("id")) is None:
                return None
            chat = {"id": user["id"], "type": "private"}
        button_message = _message_id(message.get("message_id"))
        group = chat.get("type") in GROUP_CHATS
        return Incoming(_id(chat["id"]), _text(query.get("data")), str(query["id"]),
                        conversation_of(chat, user), button_message if group else None,
                        button_message, _text(user.get("language_code")))
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict) \
            or _id(message["chat"].get("id")) is None:
        return None
    chat, user = message["chat"], message.get("from") if isinstance(message.get("from"), dict) else {}
    common = dict(chat_id=_id(chat["id"]), conversation=conversation_of(chat, user),
                  reply_to=_message_id(message.get("message_id"))
                  if chat.get("type") in GROUP_CHATS else None,
                  language_code=_text(user.get("language_code")))
    if message.get("location") is not None:
        location = location_text(message["location"])
        if location is None:
            return Incoming(text=None, unreadable=BAD_LOCATION, **common)
        return Incoming(text=location, **common)
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
        message the bot cannot read gets the `unreadable_message` reply (`unreadable_location`
        for a location without coordinates), an expired button `button_expired` and then the
        menu (`agent`: Rasa's, to look up the conversation's language). Raises TelegramError
        when the Bot API fails; a malformed update is ignored, never raises."""
        update_id = update.get("update_id")
        if isinstance(update_id, int):
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
            await output.send_text_message(incoming.chat_id,
                                           unreadable_text(lang, incoming.unreadable))
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
            if not text:  # a game's button, or no data: nothing to answer
                logger.debug("Telegram: a button without data in %s ignored", incoming.conversation)
                return
            payload = self.callbacks.resolve(text)
            if payload is None:  # a long payload kept in memory before a restart
                lang = await self.language(incoming, agent)
                logger.info("Telegram: an expired button in %s: the menu is shown",
                            incoming.conversation)
                await output.send_text_message(incoming.chat_id, reply_text(BUTTON_EXPIRED, lang))
                payload = MENU_PAYLOAD
            text = payload
        await on_new_message(UserMessage(text, output, incoming.conversation,
                                         input_channel=self.name()))

    @staticmethod
    async def language(incoming: Incoming, agent: Any = None) -> Text:
        """The chat's language: the conversation's `language` slot, else the Telegram client's
        language, else Indonesian."""
        return (await conversation_language(agent, incoming.conversation)
                or language_of_code(incoming.language_code) or LANGUAGES[0])

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
            try:
                update = request.json
            except InvalidUsage:  # not JSON
                update = None
            if not isinstance(update, dict):
                return response.json({"status": "not an update"}, status=400)
            try:
                await self.handle_update(update, on_new_message,
                                         getattr(request.app.ctx, "agent", None))
            except TelegramError as error:  # the Bot API failed: no traceback, it is not ours
                logger.warning("Telegram: update %s: %s", update.get("update_id"), error)
            except Exception:  # answered 200 all the same, or Telegram would resend it forever
                logger.exception("Telegram: update %s failed", update.get("update_id"))
            return response.json({"status": "ok"})

        @telegram_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            if self.api:
                await self.api.close()

        return telegram_webhook

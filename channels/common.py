"""What the messaging channels (channels/telegram.py, channels/whatsapp.py) do the same way.

- The channel's own short replies (a message the bot cannot read, a location without usable
  coordinates, an expired button), rendered from actions/replies.yml in the conversation's
  language, with a plain first sentence when the templates cannot be rendered.
- A shared location as the message Rasa reads: `{"lng": <longitude>, "lat": <latitude>}` (the
  nearest office and PLKK are then found by the actions, as for any channel).
- The conversation's language: its `language` slot in the tracker store.
- A long reply cut into messages at paragraphs, else lines, else spaces.
- Button payloads longer than the platform allows kept in memory under a short key.
- A second tap on the same button within a few seconds, answered once.
"""

import hashlib
import json
import logging
import math
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

logger = logging.getLogger(__name__)

LANGUAGES = ("id", "en")
BUTTON_EXPIRED = "button_expired"
# What Rasa is sent after `button_expired`: the help menu.
MENU_PAYLOAD = "/ask_help"
# The kind of an unreadable message that is a shared location without usable coordinates.
BAD_LOCATION = "location"
# Reply template for each kind of unreadable message (any other kind: `unreadable_message`).
UNREADABLE_REPLIES = {BAD_LOCATION: "unreadable_location"}
# The channels' replies when their template cannot be rendered (a broken facts file stops the
# actions package); tests/test_telegram.py checks that they match actions/replies.yml.
PLAIN_REPLIES = {
    "unreadable_message": {
        "id": "Maaf, saya hanya bisa membaca pesan teks, tombol pilihan, dan lokasi yang dibagikan.",
        "en": "Sorry, I can only read text messages, the buttons and a shared location.",
    },
    "unreadable_location": {
        "id": "Maaf, lokasi yang dibagikan tidak terbaca.",
        "en": "Sorry, I could not read that location.",
    },
    BUTTON_EXPIRED: {
        "id": "Maaf, tombol itu sudah tidak berlaku.",
        "en": "Sorry, that button has expired.",
    },
}
# A second tap on the same button within this many seconds is not answered again.
REPEATED_TAP_SECONDS = 5.0


def reply_text(name: Text, lang: Text) -> Text:
    """The channel's reply `name` (a key of PLAIN_REPLIES) in `lang` from actions/replies.yml; its
    first sentence from PLAIN_REPLIES when the template cannot be rendered."""
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    try:
        from actions import replies

        return replies.render(name, lang)
    except (Exception, SystemExit) as error:  # actions/__init__ exits on a broken facts file
        logger.error("Cannot render the %s reply (%s)", name, error)
        return PLAIN_REPLIES[name][lang]


def unreadable_text(lang: Text, kind: Optional[Text] = None) -> Text:
    """The reply to a message the bot cannot read, of `kind` (a location without coordinates has
    its own), in `lang`."""
    return reply_text(UNREADABLE_REPLIES.get(kind or "", "unreadable_message"), lang)


def _coordinate(value: Any, limit: float) -> Optional[float]:
    """A coordinate as a float within [-limit, limit]; None when missing, not a number (a bool,
    text that is no number, NaN) or out of range."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def location_text(location: Any) -> Optional[Text]:
    """A shared location ({"latitude": ..., "longitude": ...}, as Telegram and WhatsApp send it) as
    the bot reads it: {"lng": <lon>, "lat": <lat>}; None when it is not a mapping or a coordinate
    is missing, not a number or out of range."""
    if not isinstance(location, dict):
        return None
    longitude, latitude = _coordinate(location.get("longitude"), 180), _coordinate(
        location.get("latitude"), 90)
    if longitude is None or latitude is None:
        return None
    return json.dumps({"lng": longitude, "lat": latitude})


async def conversation_language(agent: Any, conversation: Optional[Text]) -> Optional[Text]:
    """The conversation's `language` slot from Rasa's tracker store (`agent`: Rasa's agent), or
    None when there is no agent, no conversation yet or no such slot."""
    store = getattr(agent, "tracker_store", None)
    if store is None or not conversation:
        return None
    try:
        tracker = await store.retrieve(conversation)
        slot = tracker.get_slot("language") if tracker else None
        return slot if slot in LANGUAGES else None
    except Exception:  # noqa: BLE001 - a guess is enough here
        logger.exception("Cannot read the language of %s", conversation)
        return None


def utf16_length(text: Text) -> int:
    """Length in UTF-16 code units, as Telegram counts it (never less than the characters)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: Text, limit: int) -> List[Text]:
    """The text in chunks of at most `limit` UTF-16 code units, cut at paragraphs, else lines,
    else spaces (else anywhere)."""
    text = (text or "").strip()
    chunks = []
    while utf16_length(text) > limit:
        head = text[:limit]
        while utf16_length(head) > limit:
            head = head[:-max(1, (utf16_length(head) - limit) // 2)]
        cut = len(head)
        for separator in ("\n\n", "\n", " "):
            position = head.rfind(separator)
            if position >= limit // 4:
                cut = position
                break
        chunks.append(text[:cut].rstrip())
        text = text[cut:].strip()
    return chunks + ([text] if text else [])


class ButtonPayloads:
    """Button payloads longer than a platform's `limit` bytes, kept in memory under a short key
    (cb:<hash>) until the button is pressed."""

    PREFIX = "cb:"

    def __init__(self, limit: int, size: int = 10000) -> None:
        self.limit = limit
        self.size = size
        self._payloads: "OrderedDict[Text, Text]" = OrderedDict()

    def shorten(self, payload: Text) -> Text:
        """The button's data for a payload: the payload itself when it fits, else a short key."""
        if len(payload.encode("utf-8")) <= self.limit and not payload.startswith(self.PREFIX):
            return payload
        key = self.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.size:
            self._payloads.popitem(last=False)
        return key

    def resolve(self, data: Text) -> Optional[Text]:
        """The payload of a button's data; None for a key no longer known."""
        if data.startswith(self.PREFIX):
            return self._payloads.get(data)
        return data


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


def plain(value: Any) -> Dict[Text, Any]:
    """`value` when it is a mapping, else an empty one (a field of the wrong type counts as
    missing)."""
    return value if isinstance(value, dict) else {}

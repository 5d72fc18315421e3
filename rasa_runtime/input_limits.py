"""What a user message may be before NLU sees it, for every channel.

- Text longer than MAX_MESSAGE_CHARS (2,000) is cut to that length before any other work (cleaning,
  masking, NLU: a message of a million characters costs what one of two thousand does), and the
  message's metadata gets `{"truncated_from": <length before the cut>}`, so that the action adds a note ("only the
  first 2,000 characters were read", actions/base.py).
- Control characters are removed, except newline and tab (a carriage return is dropped, so "\\r\\n"
  becomes "\\n"); so are lone surrogates, which no channel should send and JSON cannot carry back.
- Text that is not a string (a number, a list sent to the REST channel) is turned into text, and
  metadata that is not a mapping is kept as `{"value": ...}`: Rasa would fail on either and answer
  nothing.

- Personal data (NIK, KPJ, phone numbers, email addresses, account-like numbers) is masked
  first (rasa_runtime/masking.py: "[NIK]", "[TELEPON]", ...), and the message's metadata gets
  `{"masked": ["NIK", ...]}`, so that the action adds, once per conversation, that the bot needs
  no such data (actions/base.py).

Rasa 3.6 builds a `UserMessage` in every channel and hands it to `MessageProcessor.log_message`,
which parses it (`_handle_message_with_tracker`) and logs the `UserUttered` event: the limits are
applied there, so the masked, cut text is what NLU, the tracker store, the logs and the actions
see. `parse_message` (the
HTTP API's /model/parse) applies them too.
"""

import json
import re
import unicodedata
from typing import Any, Callable, Dict, Optional, Tuple

from rasa.core import processor as rasa_processor
from rasa.core.channels.channel import UserMessage

from rasa_runtime.masking import mask

MAX_MESSAGE_CHARS = 2000
TRUNCATED_FROM = "truncated_from"
MASKED = "masked"
MARK = "_bpjstk_input_limits"  # set on the wrappers, so that registering twice wraps once

KEPT_CONTROLS = {"\n", "\t"}
REMOVED_CATEGORIES = {"Cc", "Cs"}  # control characters, surrogates


def as_text(value: Any) -> Optional[str]:
    """A message's text as a string: None stays None, 12 -> '12', ['a'] -> '["a"]'."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def as_metadata(value: Any) -> Optional[Dict[str, Any]]:
    """A message's metadata as a mapping: None stays None, "x" -> {"value": "x"}."""
    if value is None or isinstance(value, dict):
        return value
    return {"value": value}


def clean(text: str) -> str:
    """`text` without control characters (newline and tab kept) and lone surrogates."""
    if text.isprintable():  # the common case: nothing to remove
        return text
    return "".join(c for c in text
                   if c in KEPT_CONTROLS or unicodedata.category(c) not in REMOVED_CATEGORIES)


def limited(text: Optional[str]) -> Tuple[str, Optional[int]]:
    """(clean text of at most MAX_MESSAGE_CHARS characters, its length before a cut, or None)."""
    text = clean(as_text(text) or "").strip()
    if len(text) <= MAX_MESSAGE_CHARS:
        return text, None
    return text[:MAX_MESSAGE_CHARS].rstrip(), len(text)


def apply_limits(message: UserMessage) -> UserMessage:
    """Cleans, masks and cuts `message.text` in place, marking a cut (`truncated_from`) and the
    kinds of personal data masked (`masked`) in `message.metadata`. Applying it twice changes
    nothing more."""
    if message.text is None and message.parse_data:
        return message  # an intent given as parse data, without text: nothing to limit
    raw = as_text(message.text) or ""
    # cut before any other work: cleaning and masking see at most a little over the limit, so a
    # message of a million characters costs what one of two thousand does
    # masking before the final cut: a number across the limit is masked, never half kept
    head = raw[:MAX_MESSAGE_CHARS * 2]
    cut_early = len(raw) > len(head)
    if cut_early:  # the cut may split a number or word: leave its piece out
        head = re.sub(r"\w+$", "", head)
    text, masked = mask(clean(head).strip())
    text, original_length = limited(text)
    # a cut before masking counts too: masking may shrink what is left under the limit
    # (a page of NIKs becomes "[NIK] [NIK] ..."), yet the rest of the message was not read
    if original_length is not None or cut_early:
        original_length = len(raw)
    message.text = text
    marks = {**({TRUNCATED_FROM: original_length} if original_length is not None else {}),
             **({MASKED: masked} if masked else {})}
    if marks:
        message.metadata = {**(as_metadata(message.metadata) or {}), **marks}
    return message


def _user_message_init(init: Callable[..., None]) -> Callable[..., None]:
    def user_message_init(self: UserMessage, text: Any = None, output_channel: Any = None,
                          sender_id: Any = None, parse_data: Any = None,
                          input_channel: Any = None, message_id: Any = None,
                          metadata: Any = None) -> None:
        init(self, as_text(text), output_channel, sender_id, parse_data, input_channel,
             message_id, as_metadata(metadata))

    setattr(user_message_init, MARK, True)
    return user_message_init


def _handle_message_with_tracker(handle: Callable[..., Any]) -> Callable[..., Any]:
    async def handle_message_with_tracker(self: rasa_processor.MessageProcessor,
                                          message: UserMessage, tracker: Any) -> None:
        await handle(self, apply_limits(message), tracker)

    setattr(handle_message_with_tracker, MARK, True)
    return handle_message_with_tracker


def _parse_message(parse: Callable[..., Any]) -> Callable[..., Any]:
    async def parse_message(self: rasa_processor.MessageProcessor, message: UserMessage,
                            *args: Any, **kwargs: Any) -> Dict[str, Any]:
        return await parse(self, apply_limits(message), *args, **kwargs)

    setattr(parse_message, MARK, True)
    return parse_message


def register() -> None:
    """Installs the limits (idempotent)."""
    if not getattr(UserMessage.__init__, MARK, False):
        UserMessage.__init__ = _user_message_init(UserMessage.__init__)  # type: ignore
    processor = rasa_processor.MessageProcessor
    if not getattr(processor._handle_message_with_tracker, MARK, False):
        processor._handle_message_with_tracker = _handle_message_with_tracker(  # type: ignore
            processor._handle_message_with_tracker)
    if not getattr(processor.parse_message, MARK, False):
        processor.parse_message = _parse_message(processor.parse_message)  # type: ignore

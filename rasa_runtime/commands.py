"""Commands a user types that are not intents of the domain get the menu, on every channel.

A message that starts with "/" is read by Rasa as an intent with entities ("/ask_jmo",
'/inform_place{"place": "611201"}'). Rasa's own commands are intents too: /restart, /back and
/session_start are answered by actions/commands.py. Any other command ("/foo", "/menu", a
Telegram-style "/start") is not an intent of the domain: Rasa would warn and classify the text with
NLU, which gives a random answer. Here it becomes the intent in ALIASES, else `ask_help` (the menu),
with confidence 1, before NLU; the message's text stays as typed.
"""

import re
from typing import Any, Callable, Dict, Optional

from rasa.core import processor as rasa_processor
from rasa.core.channels.channel import UserMessage

HELP_INTENT = "ask_help"
# Commands people know from other bots, and the intent each one means.
ALIASES = {"start": "greet", "help": "ask_help", "menu": "ask_help", "bantuan": "ask_help"}
COMMAND = re.compile(r"^/(\w+)")
MARK = "_bpjstk_commands"  # set on the wrapper, so that registering twice wraps once


def command_intent(text: Optional[str], intents: Any) -> Optional[str]:
    """The intent for a typed command that is not an intent of the domain as written, else None:
    "/Restart" (a phone capitalises it) is /restart, "/foo" the menu."""
    match = COMMAND.match((text or "").strip())
    if not match or match.group(1) in intents:
        return None
    name = match.group(1).lower()
    return name if name in intents else ALIASES.get(name, HELP_INTENT)


def _parse_message(parse: Callable[..., Any]) -> Callable[..., Any]:
    async def parse_message(self: rasa_processor.MessageProcessor, message: UserMessage,
                            *args: Any, **kwargs: Any) -> Dict[str, Any]:
        intent = command_intent(message.text, self.domain.intents if self.domain else ())
        if intent is None:
            return await parse(self, message, *args, **kwargs)
        ranking = [{"name": intent, "confidence": 1.0}]
        return {"text": message.text, "intent": ranking[0], "intent_ranking": ranking,
                "entities": []}

    setattr(parse_message, MARK, True)
    parse_message.__wrapped__ = parse  # type: ignore[attr-defined]
    return parse_message


def _installed(function: Any) -> bool:
    """True when `function`, or a function it wraps, is this module's wrapper."""
    while function is not None:
        if getattr(function, MARK, False):
            return True
        function = getattr(function, "__wrapped__", None)
    return False


def register() -> None:
    """Installs the command handling (idempotent)."""
    processor = rasa_processor.MessageProcessor
    if not _installed(processor.parse_message):
        processor.parse_message = _parse_message(processor.parse_message)  # type: ignore

"""Conversation ids: every channel has a namespace of its own in the tracker store.

| channel | conversation id | who chooses the part after the prefix |
| --- | --- | --- |
| Telegram | `telegram:<chat id>`, in a group `telegram:<chat id>:<user id>` | Telegram |
| WhatsApp | `whatsapp:<wa_id>` (the user's WhatsApp id: their phone number's digits) | WhatsApp |
| web chat (socket.io) | `web:<session id>` | this server: 128 random bits, 32 hex digits |
| REST | `rest:<sender>` | the caller: 1-128 printable characters |
| terminal (`make shell`) | `shell:<random>` | scripts/shell.py, new at every start |

So the same "42" from Telegram, WhatsApp, the web chat and REST is four conversations, and no
channel can write into another's. docs/security.md describes the model;
scripts/migrate_conversation_ids.py moves conversations stored before the prefixes.
"""

from typing import Optional, Text

TELEGRAM, WEB, REST, SHELL = "telegram", "web", "rest", "shell"
WHATSAPP = "whatsapp"
CHANNELS = (TELEGRAM, WEB, REST, SHELL, WHATSAPP)
SEPARATOR = ":"


def conversation_id(channel: Text, *parts: Text) -> Text:
    """`channel:part[:part]`, e.g. conversation_id("telegram", "42") == "telegram:42"."""
    return SEPARATOR.join([channel, *(str(part) for part in parts)])


def local_id(conversation: Text, channel: Text) -> Optional[Text]:
    """The part after `channel:`; None when the conversation belongs to another channel."""
    prefix = channel + SEPARATOR
    conversation = str(conversation)
    return conversation[len(prefix):] if conversation.startswith(prefix) else None


def channel_of(conversation: Text) -> Optional[Text]:
    """The channel whose namespace the conversation id is in, or None (an id from before the
    namespaces)."""
    channel = str(conversation).split(SEPARATOR, 1)[0]
    return channel if SEPARATOR in str(conversation) and channel in CHANNELS else None

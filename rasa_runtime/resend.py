"""Never `200 []` for a message that was accepted: when Rasa cannot handle a message (its turn in
the conversation never came, the tracker store failed, any other error), the user gets the short
template `send_again` of actions/replies.yml in the message's language ("please send that again"),
and the failure is logged with the conversation id. Rasa 3.6 logs such an error and sends nothing,
so the REST channel answered `[]` and the web chat and Telegram stayed silent.
"""

import logging
from typing import Any, Dict, List, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

MARK = "_bpjstk_resend"  # set on the wrapper, so that registering twice wraps once
PLAIN = {  # only when actions/replies.yml cannot be read
    "id": "Mohon maaf, pesan Anda belum sempat kami proses. Silakan kirim sekali lagi.",
    "en": "Sorry, I could not process your message. Please send it again.",
}


def send_again_text(text: Optional[str]) -> str:
    """The `send_again` template in the language of `text` ('id' when unsure)."""
    try:
        from actions import replies
        from actions.language import detect_language

        return replies.render("send_again", detect_language(text))
    except Exception:  # noqa: BLE001 - a plain text is better than silence
        logger.exception("cannot render the send-again reply")
        return PLAIN["id"]


def guarded(handle_message: Any) -> Any:
    """`Agent.handle_message` that answers 'please send that again' instead of failing."""

    async def handle_guarded(self: Agent, message: UserMessage) -> Optional[List[Dict[str, Any]]]:
        try:
            return await handle_message(self, message)
        except Exception as error:  # noqa: BLE001 - LockError, a store's error, anything
            logger.error("message of %s not handled (%s: %s): asked to send it again",
                         message.sender_id, type(error).__name__,
                         (str(error).splitlines() or [""])[0], exc_info=True)
            try:
                await message.output_channel.send_text_message(
                    message.sender_id, send_again_text(message.text))
            except Exception:  # noqa: BLE001 - the channel itself is broken: logged, nothing else
                logger.exception("could not ask %s to send the message again", message.sender_id)
            return None

    setattr(handle_guarded, MARK, True)
    handle_guarded.__wrapped__ = handle_message  # type: ignore[attr-defined]
    return handle_guarded


def register() -> None:
    """Wraps `Agent.handle_message` (idempotent)."""
    if not getattr(Agent.handle_message, MARK, False):
        Agent.handle_message = guarded(Agent.handle_message)  # type: ignore[assignment]

"""Rasa's REST channel (/webhooks/rest/webhook) with its own namespace and a required sender.

Rasa's RestInput puts a message without a sender into one conversation "default" shared by every
such caller, and uses the sender as the conversation id as it is, so that REST sender "42" wrote
into Telegram chat 42's conversation. Here:

- `sender` is required: a string of 1 to MAX_SENDER_LENGTH (128) printable characters; otherwise
  the answer is 400 with `{"error": "..."}` saying what is wrong, and nothing reaches the bot;
- the conversation id is `rest:<sender>` (channels/conversations.py), and the replies name the
  sender as the caller gave it (`recipient_id`);
- the body must be a JSON object; the caller's `input_channel` is ignored (always "rest").

Everything else is Rasa's: `message`, `metadata`, `?stream=true`.
"""

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from channels.conversations import REST, conversation_id

logger = logging.getLogger(__name__)

MAX_SENDER_LENGTH = 128


def sender_problem(sender: Any) -> Optional[Text]:
    """What is wrong with a REST `sender`, or None when it is fine."""
    if sender is None or sender == "":
        return ('"sender" is required: a string of 1-128 printable characters that names the '
                'conversation, e.g. {"sender": "user-1", "message": "halo"}')
    if not isinstance(sender, str):
        return f'"sender" must be a string of 1-128 printable characters, not {type(sender).__name__}'
    if len(sender) > MAX_SENDER_LENGTH:
        return f'"sender" is {len(sender)} characters long; at most {MAX_SENDER_LENGTH} are allowed'
    if not sender.isprintable():
        return '"sender" may hold only printable characters (no control characters or line breaks)'
    return None


def _for_caller(message: Dict[Text, Any], sender: Text) -> Dict[Text, Any]:
    """A reply as the caller sees it: addressed to its own sender, without the namespace."""
    return {**message, "recipient_id": sender} if "recipient_id" in message else message


class RestInput(RasaRestInput):
    """The REST channel (name "rest"), with namespaced conversations and a required sender."""

    @classmethod
    def name(cls) -> Text:
        return REST

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """GET / (health) and POST /webhook."""
        rest_webhook = Blueprint("rest_webhook", __name__)

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - sanic raises its own error for invalid JSON
                body = None
            if not isinstance(body, dict):
                return response.json({"error": 'the body must be a JSON object with "sender" and '
                                               '"message"'}, status=400)
            sender = body.get("sender")
            problem = sender_problem(sender)
            if problem:
                return response.json({"error": problem}, status=400)
            conversation = conversation_id(REST, sender)
            text, metadata = body.get("message"), body.get("metadata")
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(self._stream(on_new_message, text, sender, metadata),
                                       content_type="text/event-stream")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, conversation,
                                                 input_channel=self.name(), metadata=metadata))
            except asyncio.CancelledError:
                logger.error("REST: the message of %s timed out", conversation)
            except Exception:  # noqa: BLE001 - answered with what was collected, as Rasa does
                logger.exception("REST: the message of %s failed", conversation)
            return response.json([_for_caller(m, sender) for m in collector.messages])

        return rest_webhook

    def _stream(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], text: Any,
                sender: Text, metadata: Any) -> Callable[[Any], Awaitable[None]]:
        """Rasa's streamed answer: one JSON reply per line, as each is sent."""

        async def stream(resp: Any) -> None:
            queue: asyncio.Queue = asyncio.Queue()

            async def handle() -> None:
                try:
                    await on_new_message(UserMessage(text, QueueOutputChannel(queue),
                                                     conversation_id(REST, sender),
                                                     input_channel=self.name(), metadata=metadata))
                finally:
                    await queue.put("DONE")

            task = asyncio.ensure_future(handle())
            while True:
                result = await queue.get()
                if result == "DONE":
                    break
                await resp.write(json.dumps(_for_caller(result, sender)) + "\n")
            await task

        return stream


"""Never silence when the action server is down, failing or slow.

Every answer of this bot comes from a custom action. Rasa 3.6 waits up to 5 minutes for the action
server and, when the call fails, logs the error and sends nothing. Here every custom action call
(`RemoteAction.run`) is bounded by ACTION_TIMEOUT_S seconds (default 3); on a timeout, a refused
connection, an HTTP error or an invalid response the user gets a polite "the service is busy"
message with the call centre instead (template `service_busy` of actions/replies.yml, filled from
the facts file), and the conversation goes on. The one exception is `action_session_start`
(ours replaces Rasa's, actions/commands.py), which runs before a new conversation's first
message: when it fails or takes longer than SESSION_START_TIMEOUT_S, Rasa's own session start runs
instead, and the user's message gets one answer (busy or not), not two, within the bound.

Environment: ACTION_TIMEOUT_S (seconds, default 3).
"""

import asyncio
import logging
import os
from typing import Any, Callable, Dict, List

from rasa.core.actions import action as rasa_action
from rasa.shared.core.events import BotUttered, Event, SlotSet

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 3.0
# action_session_start runs before a new conversation's first answer: when the action server is
# slow, Rasa's own session start takes over after this long, so the answer stays within bounds
SESSION_START_TIMEOUT_S = 0.5
TOPIC_SLOT = "topic"  # what a follow-up is read against (domain.yml, actions/base.py)
# The actions that answer a follow-up from the topic (actions/followup.py)
FOLLOW_UP_ACTIONS = ("action_how_many", "action_requirements")
MARK = "_bpjstk_action_guard"  # set on the wrapper, so that registering twice wraps once

# Only when the facts file cannot be loaded (the action server is then down too): polite, busy,
# and without any fact.
PLAIN_BUSY = {
    "id": "Mohon maaf, layanan kami sedang sibuk. Silakan coba lagi beberapa saat lagi.",
    "en": "Sorry, our service is busy right now. Please try again in a moment.",
}

_busy_texts: Dict[str, str] = {}
# Metadata key of the busy reply's bot event (actions/base.py BUSY): the actions leave the
# question it answered out of the conversation's topic (actions/faq.py answered_questions).
BUSY_MARK = "service_busy"


def action_timeout() -> float:
    """Seconds a custom action may take: $ACTION_TIMEOUT_S, else 3."""
    try:
        value = float(os.environ.get("ACTION_TIMEOUT_S") or DEFAULT_TIMEOUT_S)
    except ValueError:
        logger.error("ACTION_TIMEOUT_S=%r is not a number; using %s s",
                     os.environ.get("ACTION_TIMEOUT_S"), DEFAULT_TIMEOUT_S)
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


def conversation_language(tracker: Any) -> str:
    """The language the bot answers in: from the latest message, else the `language` slot, else
    Indonesian (the same rule as the actions' `Turn`)."""
    try:
        from actions.language import detect_language

        text = tracker.latest_message.text if tracker.latest_message else None
        return detect_language(text, tracker.get_slot("language"))
    except Exception:  # noqa: BLE001 - a guess is enough here
        return "en" if tracker.get_slot("language") == "en" else "id"


def busy_text(lang: str) -> str:
    """The `service_busy` template in `lang`, with the call centre from the facts file.

    Rendered once per language and kept for the life of the Rasa process (a new call centre number
    in the facts file reaches this message when Rasa restarts). When the facts file cannot be
    loaded, a plain busy message without the number is returned (and the problem logged);
    rendering is tried again next time.
    """
    lang = lang if lang in PLAIN_BUSY else "id"
    if lang not in _busy_texts:
        try:
            from actions import replies
            from actions.facts import get_facts

            facts = get_facts()
            _busy_texts[lang] = replies.render(
                "service_busy", lang, org=facts["organisation"]["name"],
                call_centre=facts["contacts"]["call_centre"])
        except (Exception, SystemExit) as error:  # actions/__init__ exits on a broken facts file
            logger.error("cannot render the busy message from the facts file (%s); "
                         "sending it without the call centre", error or type(error).__name__)
            return PLAIN_BUSY[lang]
    return _busy_texts[lang]


def guarded(run: Callable[..., Any]) -> Callable[..., Any]:
    """`RemoteAction.run`, bounded in time, that answers 'busy' instead of failing."""

    async def run_guarded(self: rasa_action.RemoteAction, output_channel: Any, nlg: Any,
                          tracker: Any, domain: Any) -> List[Event]:
        session_start = self.name() == rasa_action.ACTION_SESSION_START_NAME
        timeout = min(action_timeout(), SESSION_START_TIMEOUT_S) if session_start else action_timeout()
        try:
            return await asyncio.wait_for(run(self, output_channel, nlg, tracker, domain), timeout)
        except rasa_action.ActionExecutionRejection:
            raise  # a form rejecting its slot: Rasa's normal flow
        except asyncio.TimeoutError:
            logger.error("custom action '%s' took longer than %s s: answering 'service busy'",
                         self.name(), timeout)
        except Exception as error:  # noqa: BLE001 - refused, HTTP error, invalid response...
            first_line = (str(error).splitlines() or [""])[0]
            logger.error("custom action '%s' failed (%s: %s): answering 'service busy'",
                         self.name(), type(error).__name__, first_line)
        if session_start:
            return await rasa_action.ActionSessionStart().run(output_channel, nlg, tracker, domain)
        busy = [BotUttered(busy_text(conversation_language(tracker)), metadata={BUSY_MARK: True})]
        return busy if self.name() in FOLLOW_UP_ACTIONS else busy + [SlotSet(TOPIC_SLOT, None)]

    setattr(run_guarded, MARK, True)
    run_guarded.__wrapped__ = run  # type: ignore[attr-defined]
    return run_guarded


def register() -> None:
    """Wraps `RemoteAction.run` (idempotent)."""
    run = rasa_action.RemoteAction.run
    if not getattr(run, MARK, False):
        rasa_action.RemoteAction.run = guarded(run)  # type: ignore[assignment]

"""Two speed fixes for Rasa 3.6.21, applied when `rasa_runtime` is imported (measured with py-spy,
see docs/performance.md).

1. RemoteAction._validate_action_result calls `jsonschema.validate`, which checks the schema itself
   against the JSON Schema 2020-12 meta-schema on every call: 15-35 ms per custom action on this
   machine, half the time of a whole turn. The fix validates every action-server response against
   the same schema with a validator built once.
2. EndpointConfig.request opens a new aiohttp session, so a new TCP connection, for every call to
   the action server (about a tenth of a turn). The fix keeps one session per endpoint and event
   loop open, so calls reuse kept-alive connections.
"""

import asyncio
from functools import lru_cache
from typing import Any, Dict

import aiohttp
import jsonschema
from rasa.core.actions import action as rasa_action
from rasa.utils.endpoints import EndpointConfig

_new_session = EndpointConfig.session


@lru_cache(maxsize=None)
def action_response_validator() -> Any:
    """A validator for action-server responses, its schema checked once."""
    spec = rasa_action.RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def _validate_action_result(self: rasa_action.RemoteAction, result: Dict[str, Any]) -> bool:
    """Same contract as Rasa's: True, or a ValidationError that explains the expected format."""
    error = jsonschema.exceptions.best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
        raise error
    return True


class _KeptSession:
    """`async with` on it gives the kept session and does not close it."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _kept_session(self: EndpointConfig) -> _KeptSession:
    """The endpoint's open session for the running event loop, created once."""
    sessions = self.__dict__.setdefault("_kept_sessions", {})
    loop = asyncio.get_running_loop()
    if loop not in sessions or sessions[loop].closed:
        sessions[loop] = _new_session(self)
    return _KeptSession(sessions[loop])


def apply() -> None:
    """Installs the fixes (idempotent)."""
    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _kept_session

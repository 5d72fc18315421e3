"""A fix for Rasa 3.6.21, applied when `rasa_runtime` is imported.

RemoteAction._validate_action_result calls `jsonschema.validate`, which checks the schema itself
against the JSON Schema 2020-12 meta-schema on every call: about 15-35 ms per custom action on this
machine, half the time of a whole turn (measured with py-spy, see docs/performance.md). The fix
validates every action-server response against the same schema with a validator built once.
"""

from functools import lru_cache
from typing import Any, Dict

import jsonschema
from rasa.core.actions import action as rasa_action


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


def apply() -> None:
    """Installs the fix (idempotent)."""
    rasa_action.RemoteAction._validate_action_result = _validate_action_result

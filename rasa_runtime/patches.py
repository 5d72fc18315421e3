"""Three speed fixes for Rasa 3.6.21, applied when `rasa_runtime` is imported (measured with py-spy
and cProfile, see docs/performance.md).

1. RemoteAction._validate_action_result calls `jsonschema.validate`, which checks the schema itself
   against the JSON Schema 2020-12 meta-schema on every call: 15-35 ms per custom action on this
   machine, half the time of a whole turn. The fix validates every action-server response against
   the same schema with a validator built once.
2. EndpointConfig.request opens a new aiohttp session, so a new TCP connection, for every call to
   the action server (about a tenth of a turn). The fix keeps one session per endpoint and event
   loop open, so calls reuse kept-alive connections.
3. RasaModel.load builds the DIET model's weights by training it one step on one example before
   it loads the trained weights over them, and that step runs as a traced TensorFlow graph:
   tracing the whole training function is about 21 of the 28 s that loading the model takes on
   this machine. The fix runs that one step eagerly (nothing is traced), loads the weights, then
   sets the model back to graph mode for prediction, as Rasa's own load does: 28 s -> 7 s for
   every start of Rasa, with the same intents, confidences and entities on the 293 messages of
   tests/nlu_holdout.yml.
"""

import asyncio
from functools import lru_cache
from typing import Any, Dict

import aiohttp
import jsonschema
from rasa.core.actions import action as rasa_action
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.models import RasaModel

_new_session = EndpointConfig.session
# Rasa's own RasaModel.load (tests compare the model it loads with the fix's)
RASA_MODEL_LOAD = RasaModel.__dict__["load"]


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


def _load_built_eagerly(cls: Any, model_file_name: str, model_data_example: Any,
                        predict_data_example: Any = None, finetune_mode: bool = False,
                        *args: Any, **kwargs: Any) -> RasaModel:
    """Rasa 3.6.21's RasaModel.load (same arguments and result) with the one training step that
    builds the weights run eagerly; the model predicts in graph mode (`run_eagerly` of its config)
    as before. Needs TensorFlow, which Rasa imports anyway."""
    import tensorflow as tf

    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                  run_eagerly=True)
    model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
    model.load_weights(model_file_name)
    model.run_eagerly = config.get(RUN_EAGERLY)
    if not finetune_mode and predict_data_example:
        model.run_inference(predict_data_example)  # traces prediction once, as Rasa does
    return model


def apply() -> None:
    """Installs the fixes (idempotent)."""
    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _kept_session
    RasaModel.load = classmethod(_load_built_eagerly)

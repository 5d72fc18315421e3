"""Four speed fixes for Rasa 3.6.21, applied when `rasa_runtime` is imported (measured with py-spy
and cProfile, see docs/performance.md).

1. RemoteAction._validate_action_result calls `jsonschema.validate`, which checks the schema itself
   against the JSON Schema 2020-12 meta-schema on every call: 15-35 ms per custom action on this
   machine, half the time of a whole turn. The fix validates every action-server response against
   the same schema with validators built once, and checks each event against the one branch of
   the schema's `oneOf` whose `event` constant it names instead of against all 23 branches (the
   branches' constants differ, so an event is valid under exactly one of them iff it is valid
   under its own). A response that fails is checked again by the whole schema, so the error is
   Rasa's own.
2. EndpointConfig.request opens a new aiohttp session, so a new TCP connection, for every call to
   the action server (about a tenth of a turn). The fix keeps one session per endpoint and event
   loop open, so calls reuse kept-alive connections.
3. RasaModel.load builds the DIET model's weights by training it one step on one example before
   it loads the trained weights over them, and that step runs as a traced TensorFlow graph:
   tracing the whole training function is about 21 of the 28 s that loading the model takes on
   this machine. The fix runs that one step eagerly (nothing is traced), loads the weights, then
   sets the model back to graph mode for prediction, as Rasa's own load does: 28 s -> 7 s for
   every start of Rasa, with the same intents, confidences and entities on the 293 messages of
   tests/nlu_holdout.yml. Prediction then calls the traced graph's one concrete function (the
   input signature is fixed) instead of the tf.function, which looked the concrete function up
   from its inputs on every message (about 1 of the 11 ms of a parse, cProfile).
4. Event.resolve_by_type (every event read from the tracker store or the action server) walks all
   subclasses of Event to find the class of a type name: about 6 % of a turn's CPU with 60 stored
   events. The fix looks the class up in a table built from the same walk, first class first, and
   asks Rasa's own function for a name not in it (old `topic` events, defaults, the error).
"""

import asyncio
import copy
from functools import lru_cache
from typing import Any, Dict, Optional, Tuple, Type

import aiohttp
import jsonschema
from rasa.core.actions import action as rasa_action
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.models import RasaModel

_new_session = EndpointConfig.session
# Rasa's own RasaModel.load (tests compare the model it loads with the fix's)
RASA_MODEL_LOAD = RasaModel.__dict__["load"]
RASA_RESOLVE_BY_TYPE = Event.resolve_by_type
_event_classes: Dict[str, Type[Event]] = {}


@lru_cache(maxsize=None)
def action_response_validator() -> Any:
    """A validator for action-server responses, its schema checked once."""
    spec = rasa_action.RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


@lru_cache(maxsize=None)
def split_response_validators() -> Tuple[Any, Dict[str, Any]]:
    """The response schema without the events' `oneOf`, and a validator per event type (the
    `oneOf` branch whose `event` constant is that type)."""
    spec = copy.deepcopy(rasa_action.RemoteAction.action_response_format_spec())
    branches = spec["properties"]["events"]["items"].pop("oneOf")
    validator_class = jsonschema.validators.validator_for(spec)
    by_type = {branch["properties"]["event"]["const"]: validator_class(branch) for branch in branches}
    assert len(by_type) == len(branches), "two branches of the events' oneOf name one type"
    return validator_class(spec), by_type


def _valid_response(result: Any) -> bool:
    """Whether the whole schema accepts `result`, checking each event against its own branch."""
    frame, by_type = split_response_validators()
    if not frame.is_valid(result):
        return False
    for event in result.get("events") or []:
        branch = by_type.get(event["event"])
        if branch is None or not branch.is_valid(event):
            return False
    return True


def _validate_action_result(self: rasa_action.RemoteAction, result: Dict[str, Any]) -> bool:
    """Same contract as Rasa's: True, or a ValidationError that explains the expected format."""
    if _valid_response(result):
        return True
    error = jsonschema.exceptions.best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
        raise error
    return True


def _resolve_event_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Same contract as Rasa's Event.resolve_by_type: the event class of a type name."""
    if type_name not in _event_classes:
        for event_class in all_subclasses(Event):  # classes imported since are added
            _event_classes.setdefault(event_class.type_name, event_class)
    return _event_classes.get(type_name) or RASA_RESOLVE_BY_TYPE(type_name, default)


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
        predict_step = getattr(model, "_tf_predict_step", None)
        if getattr(predict_step, "input_signature", None) is not None:
            # one input signature, so one concrete function: called directly, without the
            # polymorphic function's lookup of it on every message
            model._tf_predict_step = predict_step.get_concrete_function()
    return model


def apply() -> None:
    """Installs the fixes (idempotent)."""
    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    EndpointConfig.session = _kept_session
    RasaModel.load = classmethod(_load_built_eagerly)
    Event.resolve_by_type = staticmethod(_resolve_event_type)

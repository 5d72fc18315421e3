"""How this project runs Rasa 3.6.21: a tracker store that keeps every event but loads only what
prediction needs, a lock store chosen by the environment, and one speed fix.

endpoints.yml names `rasa_runtime.tracker_store.BoundedSQLTrackerStore`, so every Rasa process of
the project imports this package at start, and the fix below is applied before the first message.
"""

from rasa_runtime import patches

patches.apply()

# Never silence when the action server is down or slow; long and odd input cut and cleaned.
from rasa_runtime import action_guard, input_limits  # noqa: E402

action_guard.register()
input_limits.register()

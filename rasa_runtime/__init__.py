"""How this project runs Rasa 3.6.21: a tracker store that keeps every event but loads only what
prediction needs, a lock store chosen by the environment, and one speed fix.

endpoints.yml names `rasa_runtime.tracker_store.BoundedSQLTrackerStore`, so every Rasa process of
the project imports this package at start, and the fix below is applied before the first message.
"""

from rasa_runtime import patches

patches.apply()

"""How this project runs Rasa 3.6.21.

- tracker_store: keeps every event, but gives prediction only the recent ones (SQLite or PostgreSQL)
- lock_store: in memory, or Redis (atomic) when several Rasa instances share conversations
- patches: speed fixes (action-response validation, kept-alive action-server connection, model
  load, event classes by type name, DIET's concrete function)
- action_guard: never silence when the action server is down or slow
- resend: a message Rasa cannot handle gets "please send that again", never silence
- input_limits: messages cleaned, personal data masked (masking) and cut to 2,000 characters
  before NLU and storage, for every channel
- commands: a typed command that is not an intent (/foo, /menu) gets the menu
- questions: several questions in one message, each parsed on its own

endpoints.yml names `rasa_runtime.tracker_store.BoundedSQLTrackerStore`, so every Rasa process of
the project imports this package at start, and the fixes below are in place before the first
message.
"""

from rasa_runtime import action_guard, commands, input_limits, patches, questions, resend

patches.apply()
action_guard.register()
resend.register()
questions.register()
commands.register()
input_limits.register()

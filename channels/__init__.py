"""Custom Rasa input channels (REST, socket.io web chat, Telegram) and what they share.

Rasa reads credentials.yml, and so imports this package, before it creates its Sanic app: the
request-body cap below is in place for every channel of every server target. A larger body gets
413 from Sanic before any of our code or Rasa's reads it (Sanic's default is 100 MB). A message's
text is cut to 2,000 characters anyway (rasa_runtime/input_limits.py); the cap only keeps a huge
body from costing memory and JSON parsing. The socket.io server has its own cap of the same size
(python-socketio's max_http_buffer_size, 1,000,000 bytes by default).
"""

import os

# bytes; SANIC_REQUEST_MAX_SIZE in the environment overrides it
MAX_REQUEST_BYTES = 1_000_000

os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_REQUEST_BYTES))

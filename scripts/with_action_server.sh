#!/usr/bin/env bash
# Runs a command with the action server in the background on 127.0.0.1:$ACTIONS_PORT, and stops
# the action server when the command ends (Ctrl-C included).
# Usage: scripts/with_action_server.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
port="${ACTIONS_PORT:-5055}"
log="var/action-server.log"
mkdir -p var
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port "$port" >"$log" 2>&1 &
server=$!
# Ctrl-C reaches the action server too, which may then be gone already: never an error here.
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "The action server did not start:" >&2; cat "$log" >&2; exit 1
  fi
  sleep 0.5
done
"$@"

#!/usr/bin/env bash
# Runs `COMMAND ARGS --endpoints FILE` with the action server in the background on
# 127.0.0.1:$ACTIONS_PORT (5055), and stops the action server when the command ends (Ctrl-C
# included). FILE is endpoints.yml with the action server on that port (scripts/endpoints.py):
# every target keeps the project's tracker and lock stores. A port in use stops it at once, with
# one line naming the port (scripts/ports.py), before anything starts; the action server's log is
# var/action-server-PORT.log, so a second target never writes into the log of a running one.
# Usage: scripts/with_action_server.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
port="${ACTIONS_PORT:-5055}"
.venv/bin/python scripts/ports.py check ACTIONS_PORT="$port"
endpoints="$(.venv/bin/python scripts/endpoints.py "$port")"
log="var/action-server-$port.log"
SANIC_HOST=127.0.0.1 .venv/bin/python scripts/run_rasa.py run actions --actions actions \
  --port "$port" >"$log" 2>&1 &
server=$!
# Ctrl-C reaches the action server too, which may then be gone already: never an error here.
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "The action server did not start ($log):" >&2; tail -n 30 "$log" >&2; exit 1
  fi
  if curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
"$@" --endpoints "$endpoints"

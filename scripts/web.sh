#!/usr/bin/env bash
# `make web`: starts the action server, Rasa (socket.io, CORS for the page's origin only) and the
# page's static server on 127.0.0.1, prints the page's URL, and stops all three on Ctrl-C (or when
# one of them stops). Logs go to var/web/NAME-PORT.log. Rasa gets endpoints.yml with the action
# server's port (scripts/endpoints.py): the project's tracker and lock stores, as `make serve`.
# `make web` has checked the ports before (scripts/ports.py).
# Settings (environment): WEB_PORT (8080), RASA_PORT (5005), ACTIONS_PORT (5055),
# MODEL (models/bpjstk-kalbar.tar.gz), CREDENTIALS (credentials.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

web_port="${WEB_PORT:-8080}"
rasa_port="${RASA_PORT:-5005}"
actions_port="${ACTIONS_PORT:-5055}"
model="${MODEL:-models/bpjstk-kalbar.tar.gz}"
credentials="${CREDENTIALS:-credentials.yml}"
page="http://127.0.0.1:$web_port"
logs="var/web"
mkdir -p "$logs"
endpoints="$(.venv/bin/python scripts/endpoints.py "$actions_port")"

names=()
pids=()
declare -A logfile

stop() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo "Stopping ${names[*]}..."
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    echo "Stopped."
  fi
}
trap 'stop; exit 0' INT  # Ctrl-C is how it is stopped: no error
trap 'stop; exit 143' TERM
trap stop EXIT

# start NAME PORT COMMAND... : runs COMMAND in the background, its output in var/web/NAME-PORT.log
start() {
  local name="$1"
  logfile["$name"]="$logs/$name-$2.log"
  shift 2
  "$@" >"${logfile[$name]}" 2>&1 &
  names+=("$name")
  pids+=("$!")
}

# wait_for NAME URL : waits until URL answers, or fails when NAME stopped or after 5 minutes
wait_for() {
  local name="$1" url="$2" pid
  pid="${pids[$(index_of "$name")]}"
  for _ in $(seq 1 600); do
    if curl -fs "$url" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name did not start (${logfile[$name]}):" >&2
      tail -n 30 "${logfile[$name]}" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "$name did not answer at $url within 5 minutes (${logfile[$name]})" >&2
  exit 1
}

index_of() {
  local i
  for i in "${!names[@]}"; do
    if [ "${names[$i]}" = "$1" ]; then echo "$i"; return; fi
  done
}

echo "Starting the action server (:$actions_port), Rasa (:$rasa_port) and the page (:$web_port)..."
start actions "$actions_port" env SANIC_HOST=127.0.0.1 .venv/bin/python scripts/run_rasa.py \
  run actions --actions actions --port "$actions_port"
start rasa "$rasa_port" env SOCKETIO_ALLOWED_ORIGINS="$page" .venv/bin/python scripts/run_rasa.py \
  run --model "$model" -i 127.0.0.1 --port "$rasa_port" --credentials "$credentials" \
  --endpoints "$endpoints" --cors "$page"
start static "$web_port" .venv/bin/python scripts/web_server.py --port "$web_port" \
  --rasa-url "http://127.0.0.1:$rasa_port"

wait_for actions "http://127.0.0.1:$actions_port/health"
wait_for static "$page/config.js"
wait_for rasa "http://127.0.0.1:$rasa_port/webhooks/socketio/"

echo
echo "Web chat: $page/"
echo "Press Ctrl-C to stop."

# Runs until Ctrl-C or until one of the three stops. Ctrl-C reaches the servers too: Rasa and the
# action server stop by themselves (exit 0), and bash then runs no INT trap, so the end is here.
status=0
wait -n "${pids[@]}" || status=$?
stop
if [ "$status" -ne 0 ]; then
  echo "A server failed (exit $status): see ${logfile[*]}" >&2
  exit 1
fi

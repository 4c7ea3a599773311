#!/usr/bin/env bash
# Usage: start.sh N BASE_PORT
# Starts N Socket.IO peer processes on BASE_PORT .. BASE_PORT+N-1 (all on the
# same REDIS_URL), writes their pids to $PIDFILE (default ./peers.pid,
# overwritten) and returns once every one answers HTTP; on failure it kills
# the processes it started and exits 1. Env: HOST (127.0.0.1), REDIS_URL
# (redis://127.0.0.1:6379), PIDFILE, LOGDIR (default: folder of PIDFILE),
# START_TIMEOUT seconds per process (default 30).
set -euo pipefail

if [[ $# -ne 2 || ! $1 =~ ^[0-9]+$ || ! $2 =~ ^[0-9]+$ || $1 -lt 1 ]]; then
  echo "usage: $0 N BASE_PORT" >&2
  exit 2
fi
N=$1
BASE_PORT=$2
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOST=${HOST:-127.0.0.1}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
PIDFILE=${PIDFILE:-./peers.pid}
LOGDIR=${LOGDIR:-$(dirname "$PIDFILE")}
START_TIMEOUT=${START_TIMEOUT:-30}
export HOST REDIS_URL

if [[ ! -d $DIR/node_modules ]]; then
  (cd "$DIR" && npm ci --no-audit --no-fund)
fi
mkdir -p "$LOGDIR"

probe() { # prints the HTTP status of the Engine.IO handshake URL, 000 if nothing answers
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    "http://$HOST:$1/socket.io/?EIO=4&transport=polling" || true
}

# Refuse to start if something already answers on one of the ports: the
# readiness poll below could otherwise be answered by the old process.
for ((i = 0; i < N; i++)); do
  port=$((BASE_PORT + i))
  if [[ $(probe "$port") != 000 ]]; then
    echo "port $HOST:$port already answers HTTP; stop what runs there first" >&2
    exit 1
  fi
done

pids=()
fail() {
  echo "$1" >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  rm -f "$PIDFILE"
  exit 1
}
: >"$PIDFILE"
for ((i = 0; i < N; i++)); do
  port=$((BASE_PORT + i))
  PORT=$port nohup node "$DIR/server.js" </dev/null >"$LOGDIR/socketio-peer-$port.log" 2>&1 &
  pids+=("$!")
  echo "$!" >>"$PIDFILE"
done

for ((i = 0; i < N; i++)); do
  port=$((BASE_PORT + i))
  pid=${pids[$i]}
  deadline=$((SECONDS + START_TIMEOUT))
  log=$LOGDIR/socketio-peer-$port.log
  # Polling is disabled, so this answers 400 "Transport unknown": any HTTP
  # status (curl prints 000 when nothing answered) means it is listening. The
  # log line (printed only once listen() succeeded) proves it is our process.
  until code=$(probe "$port") && [[ $code != 000 ]] && grep -q '^socketio peer listening on' "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log" >&2 || true
      fail "socketio peer on port $port (pid $pid) exited; log: $log"
    fi
    if ((SECONDS >= deadline)); then
      fail "socketio peer on port $port (pid $pid) not answering after ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  echo "socketio peer pid $pid up on $HOST:$port (HTTP $code)"
done

#!/usr/bin/env bash
# Usage: stop.sh — sends SIGTERM to the pids listed in $PIDFILE (default
# ./peers.pid), waits up to 10 s for them to exit (SIGKILL after that) and
# removes the file.
set -uo pipefail
PIDFILE=${PIDFILE:-./peers.pid}
if [[ ! -f $PIDFILE ]]; then
  echo "no pid file $PIDFILE" >&2
  exit 0
fi
mapfile -t pids < <(grep -E '^[0-9]+$' "$PIDFILE")
for pid in "${pids[@]}"; do
  kill -TERM "$pid" 2>/dev/null || true
done
for pid in "${pids[@]}"; do
  for ((t = 0; t < 100; t++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "pid $pid still running after 10s, sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
rm -f "$PIDFILE"
echo "stopped ${#pids[@]} socketio peer process(es)"

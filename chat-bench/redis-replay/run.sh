#!/usr/bin/env bash
# Redis's CPU per storm client for the commands the chat-server at each given git revision sends:
# the commands of CLIENTS clients joining rooms of 50 and leaving (storm_commands.py), piped into a
# redis-server of its own once to make the rooms (as earlier storms did), then three more times, each
# measured from /proc/<pid>/stat; the least of the three is the figure (whatever else runs on the
# machine only adds). No node, no generator, no network wait: Redis's own work alone.
#
#   chat-bench/redis-replay/run.sh [-n CLIENTS] REVISION...    (CLIENTS: 30000 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=30000
if [ "${1:-}" = "-n" ]; then clients=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: $0 [-n CLIENTS] REVISION..." >&2; exit 2; }
port=${REPLAY_PORT:-16400}
work=$(mktemp -d)
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)
for revision in "$@"; do
  python3 chat-bench/redis-replay/storm_commands.py "$revision" "$clients" "$work/commands"
  redis-server --port "$port" --save '' --appendonly no --daemonize yes --pidfile "$work/redis.pid" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  pid=$(cat "$work/redis.pid")
  redis-cli -p "$port" --pipe <"$work/commands" >/dev/null
  passes=()
  for _ in 1 2 3; do
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    redis-cli -p "$port" --pipe <"$work/commands" >"$work/pipe.log"
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    grep -q "errors: 0" "$work/pipe.log" || { echo "$revision: Redis answered errors: $(tail -1 "$work/pipe.log")" >&2; exit 1; }
    passes+=($(( (after - before) * 1000000 / ticks / clients )))
  done
  sorted=($(printf '%s\n' "${passes[@]}" | sort -n))
  echo "$revision: ${sorted[0]} µs of Redis CPU per client at least (passes: ${passes[*]} µs; $clients clients, rooms of 50)"
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  sleep 0.3
done

#!/usr/bin/env bash
# Times a first run as a new user has it: a fresh copy of the committed tree (no
# node_modules, no seeded stores, no .meshgate), `npm install`, then `npm start` until the
# gateway answers a query that reaches a product. Prints each phase and the total, then how
# long after that the GraphiQL explorer (installed and bundled in the background on the
# first start) took to be served.
# Usage: bash bench/first-run.sh [port] [revision]   (default 4400 and HEAD; the products take
# the next five ports; a revision such as `main` times that tree instead, for a before/after)
set -euo pipefail
port="${1:-4400}"
rev="${2:-HEAD}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
# npm runs meshgate as its child: stop the whole process group, or meshgate outlives the run.
trap 'kill -- -"$start_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
start_pid=
git -C "$repo" archive "$rev" | tar -x -C "$dir"
cd "$dir"
now() { date +%s.%N; }
t0=$(now)
npm install --no-audit --no-fund --loglevel=error >install.log 2>&1
t1=$(now)
setsid npm start -- --port "$port" >start.log 2>&1 &
start_pid=$!
# A query over a product's own root field: answered only once products and gateway are up.
query='{"query":"{ customers(first: 1) { totalCount } }"}'
until curl -sf -H 'content-type: application/json' -d "$query" "http://127.0.0.1:$port/graphql" 2>/dev/null | grep -q '"data"'; do
  if ! kill -0 "$start_pid" 2>/dev/null; then cat start.log; exit 1; fi
  sleep 0.2
done
t2=$(now)
# The explorer page answers 503 ("building") until its bundle is there.
until [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'accept: text/html' "http://127.0.0.1:$port/")" = 200 ]; do
  if ! kill -0 "$start_pid" 2>/dev/null; then cat start.log; exit 1; fi
  sleep 0.5
done
t3=$(now)
grep -E 'seeded|explorer' start.log || true
printf 'npm install: %.1f s\nnpm start to the first answered query: %.1f s\ntotal: %.1f s\nexplorer served %.1f s after the first answer\n' \
  "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)" "$(echo "$t3 - $t2" | bc)"

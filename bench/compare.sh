#!/bin/sh
# Measure pynutd against the reference upsd 2.8.0, side by side, in one sitting.
#
#   bench/compare.sh [SHARED_BENCH_DIR] [SECS] [REPS]
#
# SHARED_BENCH_DIR holds nutbench.c, nutbench_matrix.py, run-upsd-anchor.sh
# and must.dev (default: ../shared/bench beside the checkout).  Both servers
# serve the same must.dev with the same users: upsd through NUT's dummy-ups,
# pynutd through its own.  Results go to bench/results/ (JSONL per server,
# and a summary table with pynutd/upsd ratios).  Loopback only; bounded.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SHARED=${1:-$ROOT/../shared/bench}
SECS=${2:-5}
REPS=${3:-3}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OUT=$HERE/results
mkdir -p "$OUT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3

UPSD_PORT=${UPSD_PORT:-$(free_port)}
PYNUTD_PORT=${PYNUTD_PORT:-$(free_port)}
gcc -O2 -Wall -Wextra -o "$OUT/nutbench" "$SHARED/nutbench.c"

# the reference
"$SHARED/run-upsd-anchor.sh" start "$UPSD_PORT" > "$OUT/anchor.txt"
ANCHOR_DIR=$(sed -n 's/^DIR=//p' "$OUT/anchor.txt")
UPSD_PID=$(sed -n 's/^UPSD_PID=//p' "$OUT/anchor.txt")

# pynutd on the same files
CONF=$(mktemp -d /tmp/pynutd-bench.XXXXXX)
cp "$SHARED/must.dev" "$SHARED/nut-anchor/ups.conf" "$SHARED/nut-anchor/upsd.users" "$CONF/"
echo "LISTEN 127.0.0.1 $PYNUTD_PORT" > "$CONF/upsd.conf"
printf '[web]\nenabled = no\n' > "$CONF/pynutd.conf"   # the NUT port alone is measured
PYTHONPATH=$ROOT "$PY" -m pynutd -c "$CONF" > "$OUT/pynutd.log" 2>&1 &
PYNUTD_PID=$!
cleanup() {
    kill "$PYNUTD_PID" 2>/dev/null || true
    "$SHARED/run-upsd-anchor.sh" stop "$ANCHOR_DIR" > /dev/null || true
    rm -rf "$CONF"
}
trap cleanup EXIT
i=0
until upsc must@127.0.0.1:$PYNUTD_PORT ups.status > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -le 100 ] || { cat "$OUT/pynutd.log"; exit 1; }
    sleep 0.1
done

MODES=${MODES:-get,list,churn}
CONNS=${CONNS:-1,10,100}
rm -f "$OUT/upsd.jsonl" "$OUT/pynutd.jsonl" "$OUT/upsd-quickack.jsonl" "$OUT/pynutd-quickack.jsonl"
# Alternate the servers cell by cell so machine noise hits both alike.
for rep in $(seq 1 "$REPS"); do
    "$PY" "$SHARED/nutbench_matrix.py" --nutbench "$OUT/nutbench" --port "$UPSD_PORT" --pid "$UPSD_PID" \
        --label upsd --modes "$MODES" --conns "$CONNS" --reps "$rep" --secs "$SECS" \
        --jsonl "$OUT/upsd.jsonl" > /dev/null
    "$PY" "$SHARED/nutbench_matrix.py" --nutbench "$OUT/nutbench" --port "$PYNUTD_PORT" --pid "$PYNUTD_PID" \
        --label pynutd --modes "$MODES" --conns "$CONNS" --reps "$rep" --secs "$SECS" \
        --jsonl "$OUT/pynutd.jsonl" > /dev/null
    "$PY" "$SHARED/nutbench_matrix.py" --nutbench "$OUT/nutbench" --port "$UPSD_PORT" --pid "$UPSD_PID" \
        --label upsd-quickack --modes list --conns "$CONNS" --reps "$rep" --secs "$SECS" \
        --extra=--quickack --jsonl "$OUT/upsd-quickack.jsonl" > /dev/null
    "$PY" "$SHARED/nutbench_matrix.py" --nutbench "$OUT/nutbench" --port "$PYNUTD_PORT" --pid "$PYNUTD_PID" \
        --label pynutd-quickack --modes list --conns "$CONNS" --reps "$rep" --secs "$SECS" \
        --extra=--quickack --jsonl "$OUT/pynutd-quickack.jsonl" > /dev/null
done
"$PY" "$SHARED/nutbench_matrix.py" --summarize "$OUT"/*.jsonl | tee "$OUT/summary.md"
"$PY" "$HERE/ratios.py" "$OUT/upsd.jsonl" "$OUT/pynutd.jsonl" "$OUT/upsd-quickack.jsonl" \
    "$OUT/pynutd-quickack.jsonl" | tee "$OUT/ratios.md"

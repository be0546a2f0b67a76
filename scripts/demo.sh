#!/usr/bin/env bash
# Install pynutd (and NUT's clients, to talk to it) and run the demo: real
# drivers against built-in simulated UPSes, the NUT port on 127.0.0.1:3493
# and the dashboard on http://127.0.0.1:8080/.  Extra arguments go to pynutd.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
for pkg in nut-client python3-venv; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q -e .
exec .venv/bin/pynutd --demo "$@"

#!/usr/bin/env bash
# Install everything pynutd's tests need on a fresh Debian/Ubuntu machine:
# NUT's real clients and server (the judges), Debian's Chromium and its
# chromedriver for the dashboard test (no browser is ever downloaded), and the
# Python packages of setup.cfg's `test` extra.  Idempotent; run as root or
# with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

APT_PACKAGES=(nut-server nut-client python3-venv util-linux chromium chromium-driver mosquitto iproute2 libnss3-tools systemd openssl)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# NUT's and mosquitto's packages start their services; pynutd's tests run
# their own upsd, upsmon and MQTT broker on private ports, so keep the
# system ones out of the way.
for svc in nut-server nut-monitor nut-driver-enumerator nut-driver.target mosquitto; do
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
done

# The `test` extra holds every Python package the tests use: pytest, pymodbus,
# PyNUTClient, aionut, hid-tools, selenium, schemathesis, openapi-spec-validator.
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

#!/usr/bin/env bash
# Install everything the tests need (scripts/install-test-deps.sh), then run
# the whole suite: unit tests, and integration tests against real NUT clients,
# the real upsd 2.8.0, real upsmon, pymodbus, hid-tools and headless Chromium.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
exec .venv/bin/python -m pytest -p no:cacheprovider tests "$@"

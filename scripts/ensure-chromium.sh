#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (never a downloaded browser): installs the `chromium`
# package when it is missing, as root or through sudo. `npm test` and .ci/run call this.
set -euo pipefail
command -v chromium >/dev/null && exit 0
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
echo "installing Debian's chromium for the console's browser tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null

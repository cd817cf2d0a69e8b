#!/usr/bin/env bash
# Install everything the test suite needs, then run it: system tools (socat for
# the Modbus RTU pty pairs, python3-venv, node and npm for the independent
# validator, Debian's chromium and chromium-driver for the web page's browser
# tests, lintian and binutils-aarch64-linux-gnu for the Debian packages), the
# project with its test extras, npm's ocpp-rpc (pinned, locked).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v socat >/dev/null || need+=(socat)
python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v lintian >/dev/null || need+=(lintian)  # the Debian packages (scripts/build-deb.sh)
command -v aarch64-linux-gnu-strip >/dev/null || need+=(binutils-aarch64-linux-gnu)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "scripts/test.sh: please install ${need[*]} (apt-get install ${need[*]})" >&2; exit 1
  fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
(cd tests/independent && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Install everything the test suite needs, then run it: system tools (socat for
# the Modbus RTU pty pairs, python3-venv, node and npm for the independent
# validator, Debian's chromium and chromium-driver for the web page's browser
# tests, lintian and binutils-aarch64-linux-gnu for the Debian packages, a Java
# runtime and iproute2 for the DC tests' ISO 15118 link), the project with its
# test extras, the EV link's environments (.venv-hlc, .venv-slac), npm's ocpp-rpc (pinned).
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
command -v java >/dev/null || need+=(default-jre-headless)  # iso15118's EXI codec (the DC tests)
command -v ip >/dev/null || need+=(iproute2)  # the bench's veth link to the simulated EV
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "scripts/test.sh: please install ${need[*]} (apt-get install ${need[*]})" >&2; exit 1
  fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
# The EV link's own environment: iso15118 pins pydantic 1 and cryptography exactly (hlc/__init__.py).
python3 -m venv .venv-hlc
.venv-hlc/bin/pip install -q -r hlc/requirements.txt
# Its EXI codec's class (hlc/exi_codec.py), compiled once here rather than by the first session's children;
# should it fail, the children use iso15118's slower codec and tests/integration/test_exi_codec.py says so.
PYTHONPATH=. .venv-hlc/bin/python -m hlc.exi_codec >/dev/null ||
  echo "scripts/test.sh: the EXI codec's class did not compile" >&2
# SLAC's (ISO 15118-3): pyslac pins environs 9, which iso15118's environs 14 cannot share.
python3 -m venv .venv-slac
.venv-slac/bin/pip install -q -r hlc/slac-requirements.txt
(cd tests/independent && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
if (($#)); then exec .venv/bin/python -m pytest "$@"; fi  # what was asked for, as asked
# The whole suite on both cores (pytest-xdist): the in-process tests first, then the process-level
# ones, then those marked `alone` by themselves (the DC sessions with the EV talking, the kill loops,
# the witness run: their timing suffers when another test loads the second core). Every phase runs;
# the first failure's exit code is the script's.
status=0
phase() {
  local rc=0
  .venv/bin/python -m pytest -p no:cacheprovider "$@" || rc=$?
  if ((rc != 0 && rc != 5 && status == 0)); then status=$rc; fi  # 5: the phase selected nothing
}
phase -n 2 tests/unit
# The slowest process-level tests are listed at the end of each phase (where the 30 minutes go).
phase -n 2 tests/integration -m "not alone" --durations=12
phase tests/integration -m alone --durations=12
exit $status

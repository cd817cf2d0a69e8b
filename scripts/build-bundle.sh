#!/usr/bin/env bash
# A release bundle (docs/install.md "Installing and updating"): the controller's wheel and every
# dependency's in one tar, for `evse install --bundle` and signed firmware updates. With --ev-link it
# also carries the EV link's two environments, each a wheelhouse with its requirements (hlc/: iso15118
# and its exact pins; slac/: pyslac's), for a DC charger or an AC one with a modem; the release then
# builds them beside the controller (firmware/ota/releases.py).
#   scripts/build-bundle.sh [--ev-link] [--arch amd64|arm64] OUT.tar
# Without --arch the wheels are this machine's (its architecture and Python). With --arch they are
# the board's, whatever builds it: PyPI's manylinux wheels for that architecture and CPython 3.11
# (Debian 12 / Raspberry Pi OS 12), and the pure-Python ones built here, as the Debian package's
# (scripts/deb-env.sh); arm64 adds the [rpi] extra (lgpio, gpiozero's pin factory on a Pi).
set -euo pipefail
cd "$(dirname "$0")/.."
ev_link=0 arch=""
while [ $# -gt 1 ]; do
  case "$1" in
    --ev-link) ev_link=1; shift ;;
    --arch) arch=$2; shift 2 ;;
    *) break ;;
  esac
done
out=$(realpath -m "${1:?usage: scripts/build-bundle.sh [--ev-link] [--arch amd64|arm64] OUT.tar}")
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=python3
house=$(mktemp -d)
trap 'rm -rf "$house"' EXIT

# host_wheels DIR REQ...: the wheels of REQ and what it needs, for this machine.
host_wheels() { local dir=$1; shift; "$python" -m pip wheel --quiet --wheel-dir "$dir" "$@"; }
# board_wheels DIR REQ...: the same for the board: the pure-Python ones built here (some are only sdists on
# PyPI), then PyPI's wheels for the board's platform, those first.
board_wheels() {
  local dir=$1 host; shift
  host=$(mktemp -d)
  host_wheels "$host" "${@/%\[rpi\]/}"  # lgpio (the [rpi] extra) builds only on a Pi: PyPI has its wheels
  mkdir -p "$dir"
  find "$host" -name '*-none-any.whl' -exec cp {} "$dir" \;
  rm -rf "$host"
  "$python" -m pip download --quiet --dest "$dir" --find-links "$dir" --only-binary :all: "${platforms[@]}" \
    --python-version 3.11 --implementation cp --abi cp311 "$@"
}

controller() {
  if [ -z "$arch" ]; then
    host_wheels "$house" .
  else
    "$python" -m pip wheel --quiet --no-deps --wheel-dir "$house" .
    local project
    project=$(ls "$house"/evse_controller-*.whl)
    board_wheels "$house" "$project$([ "$arch" = arm64 ] && echo '[rpi]')"
  fi
}
make=host_wheels
if [ -n "$arch" ]; then
  source scripts/deb-env.sh
  deb_platforms "$arch"
  make=board_wheels
fi
# The three wheelhouses side by side: pip spends most of its time asking the index, one package at a time.
controller & jobs=($!)
if ((ev_link)); then
  for part in hlc slac; do
    requirements=hlc/requirements.txt
    [ "$part" = slac ] && requirements=hlc/slac-requirements.txt
    mkdir -p "$house/$part"
    cp "$requirements" "$house/$part/requirements.txt"
    "$make" "$house/$part" -r "$requirements" & jobs+=($!)
  done
fi
for job in "${jobs[@]}"; do wait "$job"; done  # set -e: the first that failed ends the script
tar -C "$house" -cf "$out" .
echo "$out"

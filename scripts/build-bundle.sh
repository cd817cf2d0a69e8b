#!/usr/bin/env bash
# A release bundle (docs/install.md "Installing and updating"): the controller's wheel and every
# dependency's in one tar, for `evse install --bundle` and signed firmware updates. With --ev-link it
# also carries the EV link's two environments, each a wheelhouse with its requirements (hlc/: iso15118
# and its exact pins; slac/: pyslac's), for a DC charger or an AC one with a modem; the release then
# builds them beside the controller (firmware/ota/releases.py). The wheels are this machine's
# architecture and Python's: build it on the board's (or where both match).
#   scripts/build-bundle.sh [--ev-link] OUT.tar
set -euo pipefail
cd "$(dirname "$0")/.."
ev_link=0
if [ "${1:-}" = --ev-link ]; then ev_link=1; shift; fi
out=$(realpath -m "${1:?usage: scripts/build-bundle.sh [--ev-link] OUT.tar}")
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=python3
house=$(mktemp -d)
trap 'rm -rf "$house"' EXIT
"$python" -m pip wheel --quiet --wheel-dir "$house" .
if ((ev_link)); then
  for part in hlc slac; do
    requirements=hlc/requirements.txt
    [ "$part" = slac ] && requirements=hlc/slac-requirements.txt
    "$python" -m pip wheel --quiet --wheel-dir "$house/$part" -r "$requirements"
    cp "$requirements" "$house/$part/requirements.txt"
  done
fi
tar -C "$house" -cf "$out" .
echo "$out"

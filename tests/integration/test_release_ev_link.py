"""A DC charger's release bundle (scripts/build-bundle.sh --ev-link) carries the EV link's two
environments, and `evse install` builds them beside the controller (firmware/ota/releases.py): the
installed controller's SECC and SLAC commands then find them, each with its own pins."""

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from controller import ROOT

pytestmark = pytest.mark.timeout(900)
# Wheels built and environments made take every core they can; the other worker's controller keeps its
# 20 ms tick: they yield.
GENTLY = ["nice", "-n", "19"]

ASK = """
import json, sys
from hal.dc.ev_link_child import hlc_command, slac_command
print(json.dumps({"hlc": hlc_command("-c", "x"), "slac": slac_command("-c", "x"), "prefix": sys.prefix}))
"""
PINS = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"


def test_a_bundle_with_the_ev_link_installs_its_environments_beside_the_controller(tmp_path):
    tar = tmp_path / "evse-ev-link.tar"
    subprocess.run([*GENTLY, "bash", "scripts/build-bundle.sh", "--ev-link", str(tar)], cwd=ROOT, check=True,
                   capture_output=True, timeout=600)
    with tarfile.open(tar) as t:
        names = {n.lstrip("./") for n in t.getnames()}
    assert {"hlc/requirements.txt", "slac/requirements.txt"} <= names
    assert any(n.startswith("evse_controller-") for n in names)
    root = tmp_path / "root"
    subprocess.run([*GENTLY, sys.executable, "-m", "firmware", "install", "--root", str(root), "--bundle", str(tar),
                    "--no-user"], cwd=ROOT, check=True, capture_output=True, timeout=600)
    current = root / "opt" / "evse" / "current"
    asked = json.loads(subprocess.run([str(current / "bin" / "python"), "-c", ASK], check=True, capture_output=True,
                                      text=True, timeout=60, cwd=tmp_path).stdout)
    release = current.resolve()
    assert Path(asked["prefix"]).resolve() == release  # through `current`: an update switches them along
    hlc_python, slac_python = asked["hlc"][2], asked["slac"][2]
    assert Path(hlc_python).parent.parent.resolve() == release / "ev-link" / "hlc"
    assert Path(slac_python).parent.parent.resolve() == release / "ev-link" / "slac"
    hlc = json.loads(subprocess.run([*asked["hlc"][:2], hlc_python, "-c", PINS, "iso15118", "cryptography",
                                     "pydantic"], check=True, capture_output=True, text=True, timeout=60).stdout)
    slac = json.loads(subprocess.run([*asked["slac"][:2], slac_python, "-c", PINS, "pyslac", "environs"],
                                     check=True, capture_output=True, text=True, timeout=60).stdout)
    assert hlc["iso15118"] == "0.31.2" and hlc["cryptography"] == "44.0.0" and hlc["pydantic"].startswith("1.")
    assert slac == {"pyslac": "0.8.3", "environs": "9.5.0"}
    done = subprocess.run([*asked["hlc"][:2], hlc_python, "-c", "import hlc.secc_ac, hlc.secc_child"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the SECC's modules, from the release's tree, on its own pins

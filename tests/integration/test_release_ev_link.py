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


ARM64 = ["--only-binary", ":all:", "--platform", "manylinux2014_aarch64", "--platform", "manylinux_2_17_aarch64",
         "--platform", "manylinux_2_28_aarch64", "--platform", "manylinux_2_34_aarch64", "--python-version", "3.11",
         "--implementation", "cp", "--abi", "cp311"]


def test_a_bundle_for_a_pi_built_here_holds_arm64_wheels_that_install_offline(tmp_path):
    """`build-bundle.sh --ev-link --arch arm64` on this amd64 machine: every wheel is for aarch64 or pure
    Python, the Pi's extra (lgpio) is in, and pip, asked as the Pi's CPython 3.11 would ask, installs the
    controller and both EV link environments from the bundle alone (no index). Nothing here runs an
    arm64 interpreter: that is the board's (docs/install.md)."""
    from firmware.ota.releases import controller_requirement

    tar = tmp_path / "evse-arm64.tar"
    subprocess.run([*GENTLY, "bash", "scripts/build-bundle.sh", "--ev-link", "--arch", "arm64", str(tar)], cwd=ROOT,
                   check=True, capture_output=True, timeout=600)
    house = tmp_path / "house"
    with tarfile.open(tar) as t:
        t.extractall(house, filter="data")
    wheels = sorted(house.rglob("*.whl"))
    platforms = {w.name: w.stem.split("-")[-1] for w in wheels}
    assert platforms and all(p == "any" or "aarch64" in p for p in platforms.values()), platforms
    assert any(name.startswith("lgpio-") for name in platforms) and controller_requirement(house) == \
        "evse-controller[rpi]"
    assert any(name.startswith("cryptography-44.0.0-") for name in platforms)  # iso15118's pin, for the Pi
    for where, wanted in ((house, ["evse-controller[rpi]"]),
                          (house / "hlc", ["-r", str(house / "hlc" / "requirements.txt")]),
                          (house / "slac", ["-r", str(house / "slac" / "requirements.txt")])):
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                               "--no-index", "--find-links", str(where), "--target", str(tmp_path / "target"), *ARM64,
                               *wanted], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (where.name, done.stderr[-2000:])

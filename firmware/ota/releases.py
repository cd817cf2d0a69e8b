"""Releases side by side, switched atomically (issue 6).

    <root>/opt/evse/releases/<version>/   a virtual environment with that version installed
    <root>/opt/evse/current  -> releases/<version>    what the service runs
    <root>/opt/evse/previous -> releases/<version>    what a rollback returns to (health.roll_back)

A bundle is a wheelhouse (a directory or .tar of wheels: ours and every
dependency), so a release installs with no network: `pip install --no-index`.
A DC charger's bundle (scripts/build-bundle.sh --ev-link) also holds the EV
link's two environments, each a wheelhouse of its own with its requirements
(`hlc/`: iso15118 and its exact pins; `slac/`: pyslac's), which cannot share
the controller's environment or each other's: they become

    <root>/opt/evse/releases/<version>/ev-link/hlc/   the SECC's (hal.dc.ev_link_child)
    <root>/opt/evse/releases/<version>/ev-link/slac/  the SLAC process's

so an update carries them with the controller, and a rollback takes them back.
Switching replaces the `current` link with rename(2), never leaving it absent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DIST = "evse_controller"
EV_LINK = ("hlc", "slac")  # the bundle's sub-wheelhouses, each with its requirements.txt


class InstallError(Exception):
    pass


class Releases:
    def __init__(self, root: str | Path = "/"):
        self.base = Path(root) / "opt" / "evse"
        self.dir = self.base / "releases"

    @property
    def current(self) -> Path | None:
        link = self.base / "current"
        return link.resolve() if link.exists() else None

    @property
    def previous(self) -> Path | None:
        link = self.base / "previous"
        return link.resolve() if link.exists() else None

    def install(self, bundle: Path, python: str = sys.executable) -> Path:
        """Build a release from a wheelhouse bundle; returns its directory (not yet current)."""
        with tempfile.TemporaryDirectory() as tmp:
            house = _unpack(Path(bundle), Path(tmp))
            version = bundle_version(house)
            target = self.dir / version
            if target.exists():
                raise InstallError(f"release {version} is already installed")
            building = self.dir / f".{version}.building"
            self.dir.mkdir(parents=True, exist_ok=True)
            _run([python, "-m", "venv", str(building)])
            _run([str(building / "bin" / "pip"), "install", "--quiet", "--no-index", "--find-links", str(house),
                  controller_requirement(house)])
            parts = [part for part in EV_LINK if (house / part / "requirements.txt").is_file()]
            for part in parts:
                env = building / "ev-link" / part
                _run([python, "-m", "venv", str(env)])
                _run([str(env / "bin" / "pip"), "install", "--quiet", "--no-index", "--find-links", str(house / part),
                      "-r", str(house / part / "requirements.txt")])
        os.replace(building, target)
        for where in [target, *(target / "ev-link" / part for part in parts)]:
            _fix_shebangs(where, building / where.relative_to(target))
        return target

    def switch(self, release: Path) -> None:
        """current -> release, previous -> what current was; each link replaced atomically."""
        old = self.current
        if old is not None and old != release.resolve():
            _link(self.base / "previous", old)
        _link(self.base / "current", release)



def controller_requirement(house: Path) -> str:
    """With the Pi's extra where the bundle carries it (scripts/build-bundle.sh --arch arm64: lgpio,
    gpiozero's pin factory, the only one that drives a Pi 5)."""
    return f"{DIST.replace('_', '-')}[rpi]" if any(house.glob("lgpio-*.whl")) else DIST.replace("_", "-")


def bundle_version(house: Path) -> str:
    for wheel in house.glob(f"{DIST}-*.whl"):
        match = re.match(rf"{DIST}-([^-]+)-", wheel.name)
        if match:
            return match.group(1)
    raise InstallError("the bundle holds no evse_controller wheel")


def _unpack(bundle: Path, tmp: Path) -> Path:
    if bundle.is_dir():
        return bundle
    try:
        with tarfile.open(bundle) as tar:
            tar.extractall(tmp, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise InstallError(f"not a wheelhouse bundle: {exc}") from None
    return tmp


def _link(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.new")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _fix_shebangs(release: Path, built_at: Path) -> None:
    """Scripts were written while the venv sat at its build path; point them at the final one."""
    for script in (release / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if data.startswith(b"#!") and str(built_at).encode() in data[:512]:
                script.write_bytes(data.replace(str(built_at).encode(), str(release).encode(), 1))


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise InstallError(f"{' '.join(argv[:3])}...: {done.stderr.strip()[-500:]}")

"""Release bundles made at test time: this source at another version, as a wheelhouse tarball."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from controller import ROOT

SOURCES = ("firmware", "hal", "systemd", "board-configs", "docs", "pyproject.toml", "README.md")


# Building wheels takes every core it can; the other worker's controller keeps its 20 ms tick: it yields.
GENTLY = ["nice", "-n", "19"]

def dependency_wheels(folder: Path) -> Path:
    """Every wheel this project needs (once per test session)."""
    if not folder.exists():
        subprocess.run([*GENTLY, sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
                        str(ROOT)], check=True, capture_output=True)
        for ours in folder.glob("evse_controller-*.whl"):
            ours.unlink()
    return folder


def bundle(work: Path, deps: Path, version: str, broken: bool = False) -> Path:
    src = work / f"src-{version}"
    for name in SOURCES:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(item, src / name)
    for path in (src / "pyproject.toml", src / "firmware" / "__init__.py"):
        path.write_text(path.read_text().replace('"0.1.0"', f'"{version}"', 1))
    if broken:
        main = src / "firmware" / "__main__.py"
        main.write_text(main.read_text().replace("def main(argv", "def main(argv=None):\n    raise SystemExit(3)\n\n\ndef _main(argv", 1))
    house = work / f"house-{version}"
    shutil.copytree(deps, house)
    subprocess.run([*GENTLY, sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(house),
                    str(src)], check=True, capture_output=True)
    tar = work / f"evse-{version}.tar"
    with tarfile.open(tar, "w") as t:
        for wheel in house.glob("*.whl"):
            t.add(wheel, arcname=wheel.name)
    return tar


def sign(path: Path, key) -> str:
    return base64.b64encode(key.sign(path.read_bytes(), ec.ECDSA(hashes.SHA256()))).decode()

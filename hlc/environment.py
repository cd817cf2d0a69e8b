"""The import path of an EV link child (the SECC, the SLAC process, the bench's EV and modem): its own
environment's packages first, then the controller's tree for the `hlc` package. An installed
controller's tree is its site-packages, whose cryptography or environs (say) would otherwise shadow
the versions iso15118 and pyslac pin. Standard library only: the controller and the children both
import it."""

from __future__ import annotations

import os
from pathlib import Path


def child_path(python: str, tree: Path) -> str:
    """PYTHONPATH for a child run by `python` (a venv's interpreter: its site-packages beside it)."""
    own = sorted((Path(python).parent.parent / "lib").glob("python3*/site-packages"))
    return os.pathsep.join([*map(str, own), str(tree)])

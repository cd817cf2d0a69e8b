"""How the EV link's child process is started, on the board and on the bench alike: the SECC and
its EXI codec live in an environment of their own (.venv-hlc beside the controller, or the one
EVSE_HLC_PYTHON names), with the controller's tree on its path for the `hlc` package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hlc.environment import child_path

ROOT = Path(__file__).resolve().parents[2]


def hlc_command(*args: str) -> list[str]:
    """`env PYTHONPATH=<its packages>:<tree> <the EV link's python> <args>`."""
    python = os.environ.get("EVSE_HLC_PYTHON") or str(ROOT / ".venv-hlc" / "bin" / "python")
    if not Path(python).exists() and "EVSE_HLC_PYTHON" not in os.environ:
        python = sys.executable  # a release that installed iso15118 beside the controller
    return ["env", f"PYTHONPATH={child_path(python, ROOT)}", python, *args]


def slac_command(*args: str) -> list[str]:
    """`env PYTHONPATH=<its packages>:<tree> <the SLAC process's python> <args>`: pyslac lives in
    .venv-slac (or the one EVSE_SLAC_PYTHON names), apart from iso15118's environment
    (hlc/slac-requirements.txt)."""
    python = os.environ.get("EVSE_SLAC_PYTHON") or str(ROOT / ".venv-slac" / "bin" / "python")
    return ["env", f"PYTHONPATH={child_path(python, ROOT)}", python, *args]


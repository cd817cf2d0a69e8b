"""How the EV link's child process is started, on the board and on the bench alike: the SECC and
its EXI codec live in an environment of their own, with the controller's tree on its path for the
`hlc` package. Which one: the one EVSE_HLC_PYTHON names (the Debian package's units), else .venv-hlc
beside the source tree (the bench), else the release's own `ev-link/hlc` (a bundle installed by
`evse install` or an update, firmware.ota.releases). SLAC's alike."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hlc.environment import child_path

ROOT = Path(__file__).resolve().parents[2]


def hlc_command(*args: str) -> list[str]:
    """`env PYTHONPATH=<its packages>:<tree> <the EV link's python> <args>`."""
    python = _python("EVSE_HLC_PYTHON", "hlc")
    if python is None:
        python = sys.executable  # a release that installed iso15118 beside the controller
    return ["env", f"PYTHONPATH={child_path(python, ROOT)}", python, *args]


def slac_command(*args: str) -> list[str]:
    """`env PYTHONPATH=<its packages>:<tree> <the SLAC process's python> <args>`: pyslac lives apart
    from iso15118's environment (hlc/slac-requirements.txt)."""
    python = _python("EVSE_SLAC_PYTHON", "slac") or str(ROOT / ".venv-slac" / "bin" / "python")
    return ["env", f"PYTHONPATH={child_path(python, ROOT)}", python, *args]


def _python(variable: str, part: str) -> str | None:
    if os.environ.get(variable):
        return os.environ[variable]
    for candidate in (ROOT / f".venv-{part}" / "bin" / "python", Path(sys.prefix) / "ev-link" / part / "bin" / "python"):
        if candidate.exists():
            return str(candidate)
    return None

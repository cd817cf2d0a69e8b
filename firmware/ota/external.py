"""Hand-off to an OS-level updater (RAUC or SWUpdate) instead of Python releases.

The updater writes the inactive slot; we reboot into it. The verdict comes
after the boot: if a different version comes up and the CSMS accepts it, the
slot is confirmed (RAUC: `rauc status mark-good`); if the bootloader fell back
to the old slot, the old version reports InstallationFailed. Selected by the
board config: [ota] installer = "rauc" | "swupdate".
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from firmware.ota.releases import InstallError

COMMANDS = {
    "rauc": (["rauc", "install", "{bundle}"], ["rauc", "status", "mark-good"]),
    "swupdate": (["swupdate", "-i", "{bundle}"], None),
}
REBOOT = ["systemctl", "reboot"]


class ExternalInstaller:
    external = True
    current = None

    def __init__(self, kind: str):
        self.kind = kind
        self._install, self._confirm = COMMANDS[kind]

    def install(self, bundle: Path) -> Path:
        argv = [part.replace("{bundle}", str(bundle)) for part in self._install]
        _run(argv)
        return Path(bundle)

    def switch(self, release: Path) -> None:
        """Nothing to switch: the OS updater marked the new slot for the next boot."""

    def confirm(self) -> None:
        if self._confirm:
            _run(self._confirm)

    def reboot(self) -> None:
        _run(REBOOT)


def _run(argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"{argv[0]}: {exc}") from None
    if done.returncode != 0:
        raise InstallError(f"{' '.join(argv)} failed: {done.stderr.strip()[-300:]}")

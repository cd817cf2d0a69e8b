"""`evse install`: lay a Raspberry Pi OS machine out for the controller from a bundle.

Under --root (default /, a temporary directory in tests): the release in
/opt/evse/releases/<version> and /opt/evse/current; the health check at
/opt/evse/bin/evse-health (outside every release, so it works whatever a
release does); /var/lib/evse (0700) and /etc/evse; the systemd units; on a
Raspberry Pi, systemd's use of the board's hardware watchdog; a commented
/etc/evse/evse.toml unless one is there; and, run as root, the `evse` system
user in the gpio/spi/i2c/dialout groups.
"""

from __future__ import annotations

import grp
import os
import shutil
import subprocess
import sys
from pathlib import Path

from firmware.ota import health
from firmware.ota.releases import InstallError, Releases

GROUPS = ("gpio", "spi", "i2c", "dialout")
# systemd feeds the SoC watchdog (bcm2835-wdt: at most about 15 s); a wedged kernel or
# service manager then resets the board. The service's own WatchdogSec covers a wedged process.
WATCHDOG_DROP_IN = """# Written by `evse install`: reset the board when the kernel or systemd hangs.
[Manager]
RuntimeWatchdogSec=15s
RebootWatchdogSec=2min
"""


def units_dir(holding: str = "evse.service") -> Path | None:
    """The installed copy of systemd/ (data-files), else the source tree's."""
    for candidate in (Path(sys.prefix) / "share" / "evse" / "systemd", Path(__file__).resolve().parents[2] / "systemd"):
        if (candidate / holding).exists():
            return candidate
    return None


def install(root: Path, bundle: Path, make_user: bool) -> str:
    releases = Releases(root)
    release = releases.install(bundle)
    releases.switch(release)
    data = root / "var" / "lib" / "evse"
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    (root / "etc" / "evse").mkdir(parents=True, exist_ok=True)
    write_settings_file(root)
    checker = root / "opt" / "evse" / "bin" / "evse-health"
    checker.parent.mkdir(parents=True, exist_ok=True)
    checker.write_text("#!/usr/bin/python3\n" + Path(health.__file__).read_text())
    os.chmod(checker, 0o755)
    units = units_dir()
    if units is not None:
        target = root / "etc" / "systemd" / "system"
        target.mkdir(parents=True, exist_ok=True)
        for unit in units.glob("*.service"):
            shutil.copy(unit, target / unit.name)
    enable_hardware_watchdog(root)
    if make_user and os.geteuid() == 0:
        _system_user(data)
    return release.name


BOARD_CONFIGS = "/opt/evse/current/share/evse/board-configs"  # through `current`: the release in use


def write_settings_file(root: Path) -> Path | None:
    """/etc/evse/evse.toml from the commented template, unless the installer has one already."""
    target = root / "etc" / "evse" / "evse.toml"
    units = units_dir("evse.toml")
    if target.exists() or units is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((units / "evse.toml").read_text().replace("@BOARD_CONFIGS@", BOARD_CONFIGS))
    os.chmod(target, 0o640)  # it may hold the CSMS password
    return target


def enable_hardware_watchdog(root: Path) -> Path | None:
    """On a Raspberry Pi, a systemd drop-in that arms the hardware watchdog; the file, or None elsewhere."""
    model = root / "proc" / "device-tree" / "model"
    try:
        is_pi = "Raspberry Pi" in model.read_text(errors="replace")
    except OSError:
        is_pi = False
    if not is_pi:
        return None
    drop_in = root / "etc" / "systemd" / "system.conf.d" / "evse-watchdog.conf"
    drop_in.parent.mkdir(parents=True, exist_ok=True)
    drop_in.write_text(WATCHDOG_DROP_IN)
    return drop_in


def _system_user(data: Path) -> None:
    if subprocess.run(["id", "evse"], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--home-dir", "/var/lib/evse", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", "evse"], check=True)
    groups = [g for g in GROUPS if _group_exists(g)]
    if groups:
        subprocess.run(["usermod", "-aG", ",".join(groups), "evse"], check=True)
    shutil.chown(data, "evse", "evse")
    settings = data.parents[2] / "etc" / "evse" / "evse.toml"
    if settings.exists():
        shutil.chown(settings, "root", "evse")  # the service reads it; only root writes it


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def main(args) -> int:
    try:
        version = install(Path(args.root), Path(args.bundle), not args.no_user)
    except InstallError as exc:
        print(f"evse install: {exc}", file=sys.stderr)
        return 1
    print(f"installed release {version} under {args.root}")
    print(web_password_at_install(Path(args.root) / "var" / "lib" / "evse"))
    print("next: edit /etc/evse/evse.toml (board, [csms]), check it with `sudo evse config check`, then "
          "`sudo systemctl enable --now evse`")
    return 0


def web_password_at_install(data: Path) -> str:
    """No default password: asked here on a terminal, else a one-time code the first browser uses to choose it."""
    import time

    from firmware.store import Store, match_owner
    from firmware.web.cli import read_password
    from firmware.web.passwords import PasswordError, WebCredentials

    store = Store(data)
    try:
        credentials = WebCredentials(store)
        if credentials.password_set:
            return "the web page keeps its password"
        if sys.stdin.isatty():
            password = read_password()
            try:
                if password is not None:
                    credentials.set_password(password)
                    return "web page password set"
            except PasswordError as exc:
                print(f"evse install: {exc}", file=sys.stderr)
        code = credentials.new_setup_code(time.time())
    finally:
        store.close()
        match_owner(data)
    return (f"web page setup code (valid 7 days, once): {code}\n  open https://<this charger>:8443/ and enter it to "
            "choose the password, or run `sudo evse web-password --data-dir /var/lib/evse`")

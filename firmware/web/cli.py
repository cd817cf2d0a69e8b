"""`evse web-password`: the only way to set the page's password, on the charger itself.

It needs access to the data directory (root or the evse user), so whoever
sets it has the device in hand; the running controller reads the new hash at
the next login.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from firmware.store import match_owner
from firmware.web.passwords import PasswordError, WebCredentials


def read_password() -> str | None:
    if sys.stdin.isatty():
        first = getpass.getpass("New web password: ")
        if getpass.getpass("Again: ") != first:
            print("evse: the two passwords differ; nothing changed", file=sys.stderr)
            return None
        return first
    return sys.stdin.readline().rstrip("\r\n")


def web_password(args) -> int:
    from firmware.__main__ import open_data_dir
    from firmware.settings import SettingsError

    try:
        store = open_data_dir(args.data_dir)
    except SettingsError as exc:
        print(f"evse: {exc}", file=sys.stderr)
        return 2
    try:
        credentials = WebCredentials(store)
        if args.api_token:
            print(credentials.new_token(args.api_token))
            return 0
        password = read_password()
        if password is None:
            return 1
        try:
            credentials.set_password(password)
        except PasswordError as exc:
            print(f"evse: {exc}; nothing changed", file=sys.stderr)
            return 1
    finally:
        store.close()
    match_owner(Path(args.data_dir))
    print("web password set; log in at the charger's page")
    cert = Path(args.data_dir) / "web" / "server.crt"
    if cert.exists():
        from firmware.web.tls import fingerprint

        print(f"the page's certificate fingerprint (SHA-256): {fingerprint(cert)}")
    return 0

"""Runtime settings (CSMS, identity, security): flags first, then the data directory.

BENCH_API.md: a flag given on the command line wins and is stored; without the
flag the stored value (possibly changed by the CSMS since) is used. A restart
the controller does itself (Reset) re-executes with EVSE_REEXEC=1, which means
"the flags were not given again", so a CSMS's change is not undone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

FIELDS = (
    "csms_url", "charge_point_id", "ocpp_version", "security_profile", "basic_auth_password",
    "ca_file", "client_cert", "client_key",
)


@dataclass
class RuntimeSettings:
    csms_url: str | None  # None: standalone, no CSMS (firmware.auth.standalone)
    charge_point_id: str | None
    ocpp_version: str
    security_profile: int
    basic_auth_password: str | None
    ca_file: str | None
    client_cert: str | None
    client_key: str | None

    @property
    def standalone(self) -> bool:
        return self.csms_url is None


class SettingsError(ValueError):
    pass


def resolve(args, store, seed: dict | None = None, allow_standalone: bool = False) -> RuntimeSettings:
    """The settings in force; flags are stored only once they are known to be good. `seed` (the
    settings file's CSMS section) fills in only what was never stored: the first start."""
    reexec = os.environ.get("EVSE_REEXEC") == "1"
    values, given = {}, {}
    for name in FIELDS:
        flag = getattr(args, name, None)
        stored = store.get(f"setting.{name}")
        if flag is not None and (not reexec or stored is None):
            values[name] = given[name] = flag
        elif stored is None and seed and seed.get(name) is not None:
            values[name] = given[name] = seed[name]
        else:
            values[name] = stored
    settings = _checked(values, store, allow_standalone)
    for name, flag in given.items():
        store.put(f"setting.{name}", flag)
    return settings


def apply_seed(store, seed: dict) -> list[str]:
    """`evse config apply`: the file's CSMS values replace the stored ones; checked first, all or nothing."""
    values = {name: seed.get(name) if seed.get(name) is not None else store.get(f"setting.{name}")
              for name in FIELDS}
    _checked(dict(values), store, allow_standalone=True)
    changed = [name for name in FIELDS if seed.get(name) is not None and store.get(f"setting.{name}") != seed[name]]
    for name in changed:
        store.put(f"setting.{name}", seed[name])
    return changed


def check_csms_url(url: str) -> None:
    """ws[s]://host[:port][/path]: anything else would leave the charger offline for ever, silently."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is no number or out of range
    except ValueError as exc:
        raise SettingsError(f"--csms-url {url!r}: {exc} (allowed: ws://host[:port]/path or wss://...)") from None
    if parts.scheme not in ("ws", "wss"):
        raise SettingsError(f"--csms-url must start with ws:// or wss://, got {url!r}")
    if not parts.hostname:
        raise SettingsError(f"--csms-url {url!r} names no host (allowed: ws://host[:port]/path or wss://...)")
    if port == 0:
        raise SettingsError(f"--csms-url {url!r}: port 0 cannot be connected to (allowed: 1-65535)")
    if parts.query or parts.fragment:
        raise SettingsError(f"--csms-url {url!r}: no query or fragment (the charge point id is appended as a path)")


def check_charge_point_id(cp_id: str) -> None:
    """The last path segment of the URL (OCPP-J 3.1): printable, no slash, at most 48 characters."""
    if not 1 <= len(cp_id) <= 48 or "/" in cp_id or not cp_id.isprintable() or cp_id != cp_id.strip():
        raise SettingsError(f"--charge-point-id {cp_id!r}: 1 to 48 printable characters, no '/' or outer spaces")


def _checked(values: dict, store, allow_standalone: bool = False) -> RuntimeSettings:
    values["ocpp_version"] = values["ocpp_version"] or "1.6"
    values["security_profile"] = int(values["security_profile"] or 0)
    if allow_standalone and not values["csms_url"]:
        if values["charge_point_id"]:
            check_charge_point_id(values["charge_point_id"])
        return RuntimeSettings(**{**values, "csms_url": None, "security_profile": 0})
    for needed in ("csms_url", "charge_point_id"):
        if not values[needed]:
            raise SettingsError(f"--{needed.replace('_', '-')} is required (none stored in the data directory)")
    check_csms_url(values["csms_url"])
    check_charge_point_id(values["charge_point_id"])
    if values["security_profile"] in (1, 2) and not values["basic_auth_password"]:
        raise SettingsError("security profiles 1 and 2 need --basic-auth-password")
    stored_cert = (store.dir / "certs" / "cp.pem").exists()
    if values["security_profile"] == 3 and not (values["client_cert"] and values["client_key"]) and not stored_cert:
        raise SettingsError("security profile 3 needs --client-cert and --client-key (or an installed certificate)")
    if values["security_profile"] >= 2 and not values["csms_url"].startswith("wss://"):
        raise SettingsError("security profiles 2 and 3 need a wss:// CSMS URL")
    return RuntimeSettings(**values)

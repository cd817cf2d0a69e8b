"""Runtime settings (CSMS, identity, security): flags first, then the data directory.

BENCH_API.md: a flag given on the command line wins and is stored; without the
flag the stored value (possibly changed by the CSMS since) is used. A restart
the controller does itself (Reset) re-executes with EVSE_REEXEC=1, which means
"the flags were not given again", so a CSMS's change is not undone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

FIELDS = (
    "csms_url", "charge_point_id", "ocpp_version", "security_profile", "basic_auth_password",
    "ca_file", "client_cert", "client_key",
)


@dataclass
class RuntimeSettings:
    csms_url: str
    charge_point_id: str
    ocpp_version: str
    security_profile: int
    basic_auth_password: str | None
    ca_file: str | None
    client_cert: str | None
    client_key: str | None


class SettingsError(ValueError):
    pass


def resolve(args, store) -> RuntimeSettings:
    reexec = os.environ.get("EVSE_REEXEC") == "1"
    values = {}
    for name in FIELDS:
        flag = getattr(args, name, None)
        stored = store.get(f"setting.{name}")
        if flag is not None and (not reexec or stored is None):
            store.put(f"setting.{name}", flag)
            values[name] = flag
        else:
            values[name] = stored
    values["ocpp_version"] = values["ocpp_version"] or "1.6"
    values["security_profile"] = int(values["security_profile"] or 0)
    for needed in ("csms_url", "charge_point_id"):
        if not values[needed]:
            raise SettingsError(f"--{needed.replace('_', '-')} is required (none stored in the data directory)")
    if not values["csms_url"].startswith(("ws://", "wss://")):
        raise SettingsError(f"--csms-url must start with ws:// or wss://, got {values['csms_url']!r}")
    if values["security_profile"] in (1, 2) and not values["basic_auth_password"]:
        raise SettingsError("security profiles 1 and 2 need --basic-auth-password")
    stored_cert = (store.dir / "certs" / "cp.pem").exists()
    if values["security_profile"] == 3 and not (values["client_cert"] and values["client_key"]) and not stored_cert:
        raise SettingsError("security profile 3 needs --client-cert and --client-key (or an installed certificate)")
    if values["security_profile"] >= 2 and not values["csms_url"].startswith("wss://"):
        raise SettingsError("security profiles 2 and 3 need a wss:// CSMS URL")
    return RuntimeSettings(**values)

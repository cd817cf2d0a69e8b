"""Changes an installer makes on the page to how the charger reaches its CSMS.

The same checks as the command line (firmware.settings) and as a CSMS's own
change (a security profile only goes up, and falls back when it cannot
connect); every change is a security event. A new URL, id or OCPP version
needs the adapter rebuilt, so the controller restarts itself (at once when
idle, else when the last session ends); a new profile or password only needs
a new connection.
"""

from __future__ import annotations

from firmware.security import events as ev
from firmware.settings import SettingsError, check_charge_point_id, check_csms_url

EDITABLE = ("csms_url", "charge_point_id", "ocpp_version", "security_profile", "basic_auth_password")
RESTART = {"csms_url", "charge_point_id", "ocpp_version"}
PASSWORD_LENGTH = (16, 40)  # 2.0.1 BasicAuthPassword; 1.6 AuthorizationKey is hex on top of it


class SettingsRefused(ValueError):
    pass


class SettingsEditor:
    def __init__(self, *, store, settings, security, events, outbox, uplink, restart):
        self.store = store
        self.settings = settings  # RuntimeSettings in force
        self.security = security
        self.events = events
        self.outbox = outbox
        self.uplink = uplink
        self.restart = restart  # async: restart the controller once no session runs

    def current(self) -> dict:
        return {"standalone": self.settings.standalone, "csms_url": self.settings.csms_url,
                "charge_point_id": self.settings.charge_point_id, "ocpp_version": self.settings.ocpp_version,
                "security_profile": self.security.profile(),
                "basic_auth_password_set": bool(self.store.get("setting.basic_auth_password"))}

    def apply(self, changes: dict) -> dict:
        """Checks everything first, then changes everything: a refused field changes nothing."""
        if not isinstance(changes, dict) or not changes:
            raise SettingsRefused("give at least one of " + ", ".join(EDITABLE))
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise SettingsRefused(f"not editable here: {', '.join(unknown)} (editable: {', '.join(EDITABLE)})")
        changes = {k: v for k, v in changes.items() if v != self.current().get(k)}
        self.check(changes)
        for name, value in changes.items():
            self.store.put(f"setting.{name}", str(value) if name == "security_profile" else value)
        if not changes:
            return {"changed": [], "takes_effect": "nothing changed"}
        said = ", ".join(f"{k}" if k == "basic_auth_password" else f"{k}={v}" for k, v in changes.items())
        self.events.record(ev.RECONFIGURATION, f"changed on the local web page: {said}")
        if "security_profile" in changes:
            self.security.on_trial(int(changes["security_profile"]))
        if RESTART & changes.keys():
            self.restart()
            return {"changed": sorted(changes), "takes_effect": "the controller restarts now, or when the "
                                                                "running sessions end"}
        self.uplink.reconnect()
        return {"changed": sorted(changes), "takes_effect": "a new connection to the CSMS is made now"}

    def check(self, changes: dict) -> None:
        """SettingsRefused, in the installer's words, unless every change is fit (a migration uses it too)."""
        if self.settings.standalone and "csms_url" in changes and not (
                changes.get("charge_point_id") or self.settings.charge_point_id):
            raise SettingsRefused("give the charge point id the CSMS knows this charger by, with the CSMS URL")
        if self.settings.standalone and "csms_url" not in changes and {"security_profile", "ocpp_version"} & changes.keys():
            raise SettingsRefused("no CSMS is configured (standalone): give the CSMS URL first")
        try:
            if "csms_url" in changes:
                _string(changes, "csms_url")
                check_csms_url(changes["csms_url"])
            if "charge_point_id" in changes:
                _string(changes, "charge_point_id")
                check_charge_point_id(changes["charge_point_id"])
        except SettingsError as exc:
            raise SettingsRefused(str(exc).replace("--csms-url", "CSMS URL").replace("--charge-point-id",
                                                                                        "charge point id")) from None
        if "ocpp_version" in changes:
            if changes["ocpp_version"] not in ("1.6", "2.0.1"):
                raise SettingsRefused("OCPP version must be 1.6 or 2.0.1")
            if len(self.outbox):
                raise SettingsRefused(f"{len(self.outbox)} messages still wait for the CSMS in OCPP "
                                      f"{self.settings.ocpp_version}; change the version once they are sent")
        if "basic_auth_password" in changes:
            self._check_password(changes["basic_auth_password"], changes.get("ocpp_version",
                                                                            self.settings.ocpp_version))
        if "security_profile" in changes:
            self._check_profile(changes)

    def _check_password(self, password, version: str) -> None:
        if not isinstance(password, str) or not PASSWORD_LENGTH[0] <= len(password) <= PASSWORD_LENGTH[1]:
            raise SettingsRefused("the Basic auth password must have 16 to 40 characters")
        if not (password.isascii() and password.isprintable()):
            raise SettingsRefused("the Basic auth password must be printable ASCII")
        if version == "1.6" and not (len(password) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in password)
                                     and len(password) >= 32):
            raise SettingsRefused("OCPP 1.6 AuthorizationKey: 32 to 40 hexadecimal digits (16 to 20 bytes)")

    def _check_profile(self, changes: dict) -> None:
        profile = changes["security_profile"]
        if isinstance(profile, bool) or not isinstance(profile, int) or profile not in (0, 1, 2, 3):
            raise SettingsRefused("security profile must be 0, 1, 2 or 3")
        why = self.security.refusal(profile, url=changes.get("csms_url"))
        if why and not (why.startswith("profiles 1 and 2 need") and "basic_auth_password" in changes):
            raise SettingsRefused(f"security profile {profile}: {why}")


def _string(changes: dict, name: str) -> None:
    if not isinstance(changes[name], str):
        raise SettingsRefused(f"{name} must be a string")

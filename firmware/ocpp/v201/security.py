"""Security profiles 1-3 for OCPP 2.0.1 (A00, A01 in part), over the same TLS code as 1.6.

The profile, the Basic auth password (user = the station id) and the certificates
come from the runtime settings and the certificate store; changing them from
the CSMS (A01-A03) comes with the rest of 2.0.1's security.
"""

from __future__ import annotations

from firmware.ocpp.connection import LinkSettings, failure_kind, settings_from

SUBPROTOCOL = "ocpp2.0.1"


class Security201:
    def __init__(self, *, store, certs, events, runtime):
        self.store = store
        self.certs = certs
        self.events = events
        self.runtime = runtime
        self._reported: set[str] = set()

    def profile(self) -> int:
        return int(self.store.get("setting.security_profile") or 0)

    def link_settings(self) -> LinkSettings:
        return settings_from(self.runtime, self.store, self.certs, SUBPROTOCOL, self.profile())

    def on_failure(self, settings: LinkSettings, exc: BaseException) -> None:
        kind = failure_kind(exc, tls=settings.csms_url.startswith("wss://"))
        if kind and kind not in self._reported:
            self._reported.add(kind)  # once per kind until a connection works again
            self.events.record(kind, str(exc))

    def on_connected(self, settings: LinkSettings) -> None:
        self._reported.clear()

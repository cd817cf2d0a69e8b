"""The OCPP 1.6 security extension's charge point side (Security Whitepaper ed. 3).

SecurityProfile is a configuration key that may only be raised (on trial, see
firmware.ocpp.security_base); AuthorizationKey is write-only and must be 16 to
20 bytes written as hex. Either change takes a new connection.
"""

from __future__ import annotations

import re

from ocpp.v16 import call

from firmware.ocpp.connection import LinkSettings, settings_from
from firmware.ocpp.security_base import SecurityBase
from firmware.security import events as ev

AUTH_KEY = re.compile(r"^(?:[0-9a-fA-F]{2}){16,20}$")


class Security16(SecurityBase):
    def __init__(self, *, store, keys, certs, events, board, runtime, uplink):
        super().__init__(store=store, certs=certs, events=events, board=board, runtime=runtime, uplink=uplink)
        self.keys = keys
        keys.validators["SecurityProfile"] = self._may_raise_to
        keys.validators["AuthorizationKey"] = lambda v: bool(AUTH_KEY.match(v))
        keys.listeners.append(self._key_changed)

    def link_settings(self) -> LinkSettings:
        return settings_from(self.runtime, self.store, self.certs, "ocpp1.6", self.profile(),
                             self.keys.get_int("WebSocketPingInterval") or None)

    def _may_raise_to(self, value: str) -> bool:
        new = int(value)
        why = self.refusal(new)
        if why is not None:
            if new < self.profile():
                self.events.record(ev.RECONFIGURATION, f"refused lowering SecurityProfile {self.profile()} -> {new}")
            return False
        self.on_trial(new)
        return True

    def _key_changed(self, name: str, value: str) -> None:
        if name == "SecurityProfile":
            self.events.record(ev.RECONFIGURATION, f"SecurityProfile set to {value}")
        elif name == "AuthorizationKey":
            self.events.record(ev.RECONFIGURATION, "AuthorizationKey changed")
        else:
            return
        self.reconnect_soon()

    def signed(self, chain: str, max_size: int | None = None) -> str:
        return super().signed(chain, self.keys.get_int("CertificateSignedMaxChainSize"))

    async def sign_certificate(self, cp) -> str | None:
        csr = await self.csr(self.keys.get("CpoName") or self.board.vendor)
        answer = await cp.call(call.SignCertificate(csr=csr))
        return None if answer is None else answer.status

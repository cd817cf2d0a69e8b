"""The OCPP 1.6 security extension's charge point side (Security Whitepaper ed. 3).

Security profiles: 0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS.
SecurityProfile may only be raised; a raise is on trial until a connection
with it succeeds, and after TRIAL_ATTEMPTS failures the previous profile
returns, with a security event saying so. AuthorizationKey is write-only and
must be 16 to 20 bytes written as hex. A certificate from CertificateSigned is
on trial the same way: used from the next connection, promoted once that
works, dropped (and the old one kept) if the CSMS refuses it.
"""

from __future__ import annotations

import asyncio
import logging
import re

from ocpp.v16 import call

from firmware.ocpp.connection import LinkSettings, failure_kind, settings_from
from firmware.security import events as ev
from firmware.security.certstore import ROOT_TYPES, CertificateError

log = logging.getLogger(__name__)

TRIAL_ATTEMPTS = 3
AUTH_KEY = re.compile(r"^(?:[0-9a-fA-F]{2}){16,20}$")
RENEW_BEFORE_DAYS = 30


class Security16:
    def __init__(self, *, store, keys, certs, events, board, runtime, uplink):
        self.store = store
        self.keys = keys
        self.certs = certs
        self.events = events
        self.board = board
        self.runtime = runtime  # RuntimeSettings: URL, id, initial CA file and client cert
        self.uplink = uplink  # asks the link for a new connection with the settings then in force
        self._fallback: int | None = None
        self._failures = 0
        self._reported: set[str] = set()
        keys.validators["SecurityProfile"] = self._may_raise_to
        keys.validators["AuthorizationKey"] = lambda v: bool(AUTH_KEY.match(v))
        keys.listeners.append(self._key_changed)

    # ---- what the next connection uses -----------------------------------
    def profile(self) -> int:
        return int(self.store.get("setting.security_profile") or 0)

    def link_settings(self) -> LinkSettings:
        return settings_from(self.runtime, self.store, self.certs, "ocpp1.6", self.profile(),
                             self.keys.get_int("WebSocketPingInterval") or None)

    def _may_raise_to(self, value: str) -> bool:
        new, current = int(value), self.profile()
        if new < current:
            self.events.record(ev.RECONFIGURATION, f"refused lowering SecurityProfile {current} -> {new}")
            return False
        if new >= 2 and not (self.runtime.csms_url.startswith("wss://")
                             and (self.certs.trust_bundle() or self.runtime.ca_file)):
            return False  # TLS needs a wss:// URL and a CentralSystemRootCertificate
        if new == 3 and not (self.certs.client_certificate() or self.runtime.client_cert):
            return False
        if new in (1, 2) and not self.store.get("setting.basic_auth_password"):
            return False
        if new > current:
            self._fallback, self._failures = current, 0
        return True

    def _key_changed(self, name: str, value: str) -> None:
        if name == "SecurityProfile":
            self.events.record(ev.RECONFIGURATION, f"SecurityProfile set to {value}")
        elif name == "AuthorizationKey":
            self.events.record(ev.RECONFIGURATION, "AuthorizationKey changed")
        else:
            return
        asyncio.get_running_loop().call_later(0.5, self.uplink.reconnect)  # after our answer is out

    # ---- connection outcomes ---------------------------------------------
    def on_failure(self, settings: LinkSettings, exc: BaseException) -> None:
        kind = failure_kind(exc, tls=settings.csms_url.startswith("wss://"))
        if kind and kind not in self._reported:
            self._reported.add(kind)  # once per kind until a connection works again
            detail = str(exc)
            if "valid HTTP response" in detail:
                detail = "the CSMS closed the link right after TLS: client certificate missing or refused"
            self.events.record(kind, detail)
        http_status = getattr(getattr(exc, "response", None), "status_code", None)
        refused_in_tls = kind == ev.FAILED_TO_AUTHENTICATE and http_status is None  # TLS said no, not HTTP
        if self.certs.pending_path.exists() and refused_in_tls and settings.security_profile == 3:
            self.certs.discard_pending()
            self.events.record(ev.INVALID_CP_CERTIFICATE, "the CSMS refused the new certificate; keeping the old one")
        if self._fallback is not None:
            self._failures += 1
            if self._failures >= TRIAL_ATTEMPTS:
                failed, self._fallback = self.profile(), self._fallback
                self.store.put("setting.security_profile", str(self._fallback))
                self.events.record(ev.RECONFIGURATION,
                                   f"SecurityProfile {failed} could not connect; back to {self._fallback}")
                self._fallback = None

    def on_connected(self, settings: LinkSettings) -> None:
        self._fallback, self._failures = None, 0
        self._reported.clear()
        if settings.security_profile == 3 and self.certs.promote_pending():
            log.info("new charge point certificate in use")

    # ---- certificate messages --------------------------------------------
    def install(self, kind: str, pem: str) -> str:
        try:
            self.certs.install_root(kind, pem)
        except CertificateError as exc:
            self.events.record(ev.INVALID_CS_CERTIFICATE if kind == ROOT_TYPES[0] else ev.RECONFIGURATION,
                               f"InstallCertificate refused: {exc}")
            return "Failed" if "store full" in str(exc) else "Rejected"
        self.events.record(ev.RECONFIGURATION, f"{kind} installed")
        return "Accepted"

    def delete(self, hash_data: dict) -> str:
        found = self.certs.find_root(hash_data)
        if found is None:
            return "NotFound"
        kind, path = found
        if kind == ROOT_TYPES[0] and self.profile() >= 2 and len(self.certs.roots(kind)) == 1:
            return "Failed"  # the root the TLS connection relies on
        path.unlink()
        self.events.record(ev.RECONFIGURATION, f"{kind} deleted")
        return "Accepted"

    def installed(self, kind: str) -> list[dict]:
        from firmware.security.pki import hash_data

        return [hash_data(cert) for cert in self.certs.roots(kind)]

    def signed(self, chain: str) -> str:
        try:
            self.certs.accept_signed_chain(chain, self.keys.get_int("CertificateSignedMaxChainSize"),
                                           self.board.serial)
        except CertificateError as exc:
            self.events.record(ev.INVALID_CP_CERTIFICATE, f"CertificateSigned refused: {exc}")
            return "Rejected"
        self.events.record(ev.RECONFIGURATION, "new charge point certificate received")
        if self.profile() == 3:
            asyncio.get_running_loop().call_later(0.5, self.uplink.reconnect)
        return "Accepted"

    async def sign_certificate(self, cp) -> str | None:
        cpo = self.keys.get("CpoName") or self.board.vendor
        csr = await asyncio.to_thread(self.certs.csr, self.board.serial, cpo)
        answer = await cp.call(call.SignCertificate(csr=csr))
        return None if answer is None else answer.status

    async def renew_before_expiry(self, adapter) -> None:
        while True:
            days = self.certs.expires_in_days()
            if days is not None and days < RENEW_BEFORE_DAYS and adapter.cp is not None:
                log.info("charge point certificate expires in %.0f days: asking for a new one", days)
                await self.sign_certificate(adapter.cp)
            await asyncio.sleep(24 * 3600)


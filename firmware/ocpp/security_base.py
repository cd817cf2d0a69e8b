"""What both OCPP versions' security does alike (1.6 Security Whitepaper ed. 3, 2.0.1 A and M).

Security profiles: 0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS. A
raise is on trial until a connection with it succeeds; after TRIAL_ATTEMPTS
failures the previous profile returns, with a security event saying so. A
certificate from CertificateSigned is on trial the same way: used from the next
connection, promoted once that works, dropped (and the old one kept) if the
CSMS refuses it. Root certificates are kept under the store's neutral kinds;
each version maps its own names onto them.
"""

from __future__ import annotations

import asyncio
import logging

from firmware.ocpp.connection import failure_kind
from firmware.security import events as ev
from firmware.security.certstore import CSMS_ROOT, CertificateError

log = logging.getLogger(__name__)

TRIAL_ATTEMPTS = 3
RENEW_BEFORE_DAYS = 30


class SecurityBase:
    def __init__(self, *, store, certs, events, board, runtime, uplink):
        self.store = store
        self.certs = certs
        self.events = events
        self.board = board
        self.runtime = runtime  # RuntimeSettings: URL, id, initial CA file and client cert
        self.uplink = uplink  # asks the link for a new connection with the settings then in force
        self._fallback: int | None = None
        self._failures = 0
        self._reported: set[str] = set()

    # ---- what the next connection uses -----------------------------------
    def profile(self) -> int:
        return int(self.store.get("setting.security_profile") or 0)

    def refusal(self, new: int, url: str | None = None, floor: int | None = None) -> str | None:
        """Why the link cannot go to profile `new` (None: it can), with the URL it would use;
        never below `floor` (the profile in use, unless the version keeps its own)."""
        url = url or self.runtime.csms_url
        floor = self.profile() if floor is None else floor
        if new < floor:
            return f"lowering the security profile {floor} -> {new} is not allowed"
        if new >= 2 and not (url.startswith("wss://") and (self.certs.trust_bundle() or self.runtime.ca_file)):
            return "TLS needs a wss:// URL and an installed CSMS root certificate"
        if new == 3 and not (self.certs.client_certificate() or self.runtime.client_cert):
            return "profile 3 needs a charging station certificate"
        if new in (1, 2) and not self.store.get("setting.basic_auth_password"):
            return "profiles 1 and 2 need a Basic auth password"
        return None

    def on_trial(self, new: int) -> None:
        """The profile is raised to `new`: the current one stays the fallback until `new` connects."""
        if new > self.profile():
            self._fallback, self._failures = self.profile(), 0

    def reconnect_soon(self) -> None:
        asyncio.get_running_loop().call_later(0.5, self.uplink.reconnect)  # after our answer is out

    # ---- connection outcomes ---------------------------------------------
    def on_failure(self, settings, exc: BaseException) -> None:
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

    def on_connected(self, settings) -> None:
        self._fallback, self._failures = None, 0
        self._reported.clear()
        if settings.security_profile == 3 and self.certs.promote_pending():
            log.info("new charging station certificate in use")

    # ---- certificates (neutral kinds of firmware.security.certstore) ------
    def install(self, kind: str, pem: str) -> str:
        """'Accepted', 'Rejected' (not a CA in date) or 'Failed' (store full)."""
        try:
            self.certs.install_root(kind, pem)
        except CertificateError as exc:
            self.events.record(ev.INVALID_CS_CERTIFICATE if kind == CSMS_ROOT else ev.RECONFIGURATION,
                               f"InstallCertificate refused: {exc}")
            return "Failed" if "store full" in str(exc) else "Rejected"
        self.events.record(ev.RECONFIGURATION, f"{kind} installed")
        return "Accepted"

    def delete(self, hash_data: dict) -> str:
        if self.certs.is_own(hash_data):
            return "Failed"  # 2.0.1 M04: the charging station certificate is never deleted
        found = self.certs.find_root(hash_data)
        if found is None:
            return "NotFound"
        kind, path = found
        if kind == CSMS_ROOT and self.profile() >= 2 and len(self.certs.roots(kind)) == 1:
            return "Failed"  # the root the TLS connection relies on
        path.unlink()
        self.events.record(ev.RECONFIGURATION, f"{kind} deleted")
        return "Accepted"

    def installed(self, kind: str) -> list[dict]:
        from firmware.security.pki import hash_data

        return [hash_data(cert) for cert in self.certs.roots(kind)]

    def signed(self, chain: str, max_size: int) -> str:
        try:
            self.certs.accept_signed_chain(chain, max_size, self.board.serial)
        except CertificateError as exc:
            self.events.record(ev.INVALID_CP_CERTIFICATE, f"CertificateSigned refused: {exc}")
            return "Rejected"
        self.events.record(ev.RECONFIGURATION, "new charging station certificate received")
        if self.profile() == 3:
            self.reconnect_soon()
        return "Accepted"

    async def csr(self, organization: str) -> str:
        return await asyncio.to_thread(self.certs.csr, self.board.serial, organization)

    async def renew_before_expiry(self, adapter) -> None:
        while True:
            days = self.certs.expires_in_days()
            if days is not None and days < RENEW_BEFORE_DAYS and adapter.cp is not None:
                log.info("charging station certificate expires in %.0f days: asking for a new one", days)
                await self.sign_certificate(adapter.cp)
            if adapter.cp is not None:
                await self.renew_others(adapter.cp)
            await asyncio.sleep(24 * 3600)

    async def renew_others(self, cp) -> None:
        """The version's other certificates of our own, renewed alike (2.0.1: the SECC's)."""

    async def sign_certificate(self, cp) -> str | None:
        raise NotImplementedError  # each version words its own request

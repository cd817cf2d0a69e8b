"""Security for OCPP 2.0.1 (A01-A05, M01-M05), over the same TLS and certificate code as 1.6.

The security profile is the one of the network profile in use
(firmware.ocpp.v201.network_profiles); the Basic auth password (user = the
station id) is SecurityCtrlr.BasicAuthPassword, write-only, 16 to 40
characters (A01), and a new one takes a new connection. Certificates are the
store's; 2.0.1's certificate type names are mapped onto its neutral kinds.
A SignCertificateRequest that is not followed by a CertificateSigned within
CertSigningWaitMinimum is sent again, the wait doubling, CertSigningRepeatTimes
times (A02.FR.17-19).

Where the charger speaks ISO 15118 (a DC connector: `secc` given) it also asks for
the SECC's own certificate (V2GCertificate: a key of its own, CN = ISO15118Ctrlr.SeccId,
checked against the V2G roots installed) and for a combined one (no type: the
station's key and chain serve both the CSMS link and the EV's TLS). Without ISO
15118 those triggers are NotImplemented and a V2G certificate is Rejected.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlparse

from ocpp.v201 import call

from firmware.ocpp.connection import LINK_ERRORS, LinkSettings, settings_from
from firmware.ocpp.security_base import RENEW_BEFORE_DAYS, SecurityBase
from firmware.ocpp.v201.network_profiles import SLOTS
from firmware.security import events as ev
from firmware.security.certstore import CSMS_ROOT, MANUFACTURER_ROOT, MO_ROOT, V2G_ROOT, CertificateError
from firmware.tasks import owned

log = logging.getLogger(__name__)

SUBPROTOCOL = "ocpp2.0.1"
ROOTS = {"CSMSRootCertificate": CSMS_ROOT, "ManufacturerRootCertificate": MANUFACTURER_ROOT,
         "V2GRootCertificate": V2G_ROOT, "MORootCertificate": MO_ROOT}
PASSWORD_LENGTH = (16, 40)  # SecurityCtrlr.BasicAuthPassword (Part 2, appendix)
V2G_CHAIN = "V2GCertificateChain"  # GetCertificateIdUseEnumType: the SECC's own chain
STATION, V2G, COMBINED = "ChargingStationCertificate", "V2GCertificate", None  # CertificateSigningUseEnumType
SIGN_TRIGGERS = {"SignChargingStationCertificate": STATION, "SignV2GCertificate": V2G,
                 "SignCombinedCertificate": COMBINED}  # TriggerMessage (A02, A03)


class Security201(SecurityBase):
    def __init__(self, *, store, model, networks, certs, events, board, runtime, uplink, secc=None):
        """`secc`: the SECC's certificate (firmware.security.secc) where a connector speaks ISO 15118."""
        super().__init__(store=store, certs=certs, events=events, board=board, runtime=runtime, uplink=uplink)
        self.model = model
        self.networks = networks
        self.secc = secc
        self._signing: dict[str | None, asyncio.Task] = {}  # per certificate use: the repeat of its request
        model.validators[("SecurityCtrlr", "BasicAuthPassword")] = _password_fits
        model.validators[("OCPPCommCtrlr", "NetworkConfigurationPriority")] = self._slots_usable
        model.validators[("ISO15118Ctrlr", "CountryName")] = _country_fits
        model.listeners.append(self._variable_changed)
        model.live[("SecurityCtrlr", "SecurityProfile")] = lambda row: str(self.profile())
        model.live[("SecurityCtrlr", "CertificateEntries")] = lambda row: str(
            sum(len(certs.root_files(kind)) for kind in ROOTS.values()))

    # ---- the link ---------------------------------------------------------
    def profile(self) -> int:
        return int(self.networks.current()[1]["securityProfile"])

    def link_settings(self) -> LinkSettings:
        slot, data = self.networks.current()
        ping = int(self.model.read("OCPPCommCtrlr", "WebSocketPingInterval")) or None
        return settings_from(self.runtime, self.store, self.certs, SUBPROTOCOL, int(data["securityProfile"]), ping,
                             csms_url=data["ocppCsmsUrl"], slot=slot)

    def on_failure(self, settings, exc: BaseException) -> None:
        super().on_failure(settings, exc)
        self.networks.failed(int(self.model.read("OCPPCommCtrlr", "NetworkProfileConnectionAttempts")))

    def on_connected(self, settings) -> None:
        super().on_connected(settings)
        self.networks.connected(settings.slot, settings.security_profile)

    # ---- SetNetworkProfile (B09, A05) ---------------------------------------
    def set_network_profile(self, slot: int, data: dict) -> str:
        why = self._profile_refusal(slot, data)
        if why is not None:
            log.warning("SetNetworkProfile for slot %s refused: %s", slot, why)
            self.events.record(ev.RECONFIGURATION, f"SetNetworkProfile slot {slot} refused: {why}")
            return "Rejected"
        self.networks.put(slot, data)
        self.events.record(ev.RECONFIGURATION, f"network profile in slot {slot} set")
        return "Accepted"

    def _profile_refusal(self, slot: int, data: dict) -> str | None:
        if slot not in SLOTS:
            return f"slot {slot} does not exist (0-7)"
        if slot == self.networks.active:
            return "the slot is the one in use"
        if data.get("ocppVersion") != "OCPP20" or data.get("ocppTransport") != "JSON":
            return "only OCPP 2.0.1 over JSON is spoken"
        url = data.get("ocppCsmsUrl", "")
        parts = urlparse(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            return f"{url!r} is no ws:// or wss:// URL"
        profile = int(data.get("securityProfile", -1))
        if profile not in (0, 1, 2, 3):
            return f"security profile {profile} does not exist"
        if profile < self.networks.floor():
            return f"security profile {profile} is below {self.networks.floor()}, which has worked already"
        return self.refusal(profile, url, floor=self.networks.floor())

    def _slots_usable(self, value: str) -> bool:
        """Every slot listed holds a profile, none below the security profile reached (A05)."""
        profiles = [self.networks.get(int(s)) for s in value.split(",") if s]
        return all(p is not None and p["securityProfile"] >= self.networks.floor() for p in profiles)

    def _variable_changed(self, row, value: str) -> None:
        if (row.component, row.name) == ("SecurityCtrlr", "BasicAuthPassword"):
            self.store.put("setting.basic_auth_password", value)
            self.events.record(ev.RECONFIGURATION, "BasicAuthPassword changed")
            if self.profile() in (1, 2):
                self.reconnect_soon()

    # ---- certificates (A02, A03, M03-M05) -------------------------------------
    def install_201(self, certificate_type: str, pem: str) -> str:
        return self.install(ROOTS[certificate_type], pem)

    def installed_201(self, types: list[str] | None) -> list[dict]:
        chains = []
        for name, kind in ROOTS.items():
            if types and name not in types:
                continue
            chains += [{"certificate_type": name, "certificate_hash_data": h} for h in self.installed(kind)]
        secc_chain = self.secc.chain_pem() if self.secc is not None else None
        if secc_chain is not None and (not types or V2G_CHAIN in types):
            from firmware.security.pki import chain_hash_data

            leaf, subs = chain_hash_data(secc_chain, self.certs.roots(V2G_ROOT))
            chains.append({"certificate_type": V2G_CHAIN, "certificate_hash_data": leaf,
                           **({"child_certificate_hash_data": subs} if subs else {})})
        return chains

    def can_sign(self, use: str | None) -> bool:
        return use == STATION or self.secc is not None

    def signed_201(self, chain: str, use: str | None) -> str:
        """CertificateSigned (A02, A03): a certificate for the use it names; none named is for both (for
        the station alone where no connector speaks ISO 15118)."""
        if use is COMBINED and self.secc is None:
            use = STATION
        if not self.can_sign(use):
            self.events.record(ev.INVALID_CP_CERTIFICATE, "CertificateSigned refused: this charger has no ISO 15118")
            return "Rejected"
        max_size = int(self.model.read("SecurityCtrlr", "MaxCertificateChainSize"))
        if use is COMBINED and not self._secc_fits(chain, max_size):
            return "Rejected"  # checked before the station's is taken: a combined one is both or neither
        status = self.signed(chain, max_size) if use != V2G else "Accepted"
        if status == "Accepted" and use != STATION:
            status = self._secc_signed(chain, max_size, use)
        if status == "Accepted" and use in self._signing:
            self._signing.pop(use).cancel()  # the answer came: no more requests
        return status

    def _secc_fits(self, chain: str, max_size: int) -> bool:
        try:
            self.secc.check(chain, max_size, self.certs.roots(V2G_ROOT), key_pem=self.certs.key_pem())
        except CertificateError as exc:
            self.events.record(ev.INVALID_CP_CERTIFICATE, f"CertificateSigned (combined) refused: {exc}")
            return False
        return True

    def _secc_signed(self, chain: str, max_size: int, use: str | None) -> str:
        key = self.certs.key_pem() if use == COMBINED else None
        try:
            self.secc.accept(chain, max_size, self.certs.roots(V2G_ROOT), key_pem=key)
        except CertificateError as exc:
            self.events.record(ev.INVALID_CP_CERTIFICATE, f"CertificateSigned (V2G) refused: {exc}")
            return "Rejected"
        self.events.record(ev.RECONFIGURATION, "new V2G (SECC) certificate received")
        log.info("new SECC certificate for ISO 15118: the EV links use it from their next start")
        return "Accepted"

    async def sign_certificate(self, cp, use: str | None = STATION) -> str | None:
        """SignCertificateRequest; sent again while no CertificateSigned comes (A02, A03)."""
        if use in self._signing:
            self._signing.pop(use).cancel()
        csr = await self._csr(use)
        answer = await cp.call(call.SignCertificate(csr=csr, certificate_type=use))
        if answer is not None and answer.status == "Accepted":
            self._signing[use] = owned(self._repeat(cp, csr, use), "certificate signing wait")
        return None if answer is None else answer.status

    async def renew_others(self, cp) -> None:
        chain = self.secc.chain_pem() if self.secc is not None else None
        if chain is None:
            return
        from firmware.security.pki import days_left

        days = days_left(chain)
        if days < RENEW_BEFORE_DAYS:
            log.info("the SECC's certificate expires in %.0f days: asking for a new one", days)
            await self.sign_certificate(cp, V2G)

    async def _csr(self, use: str | None) -> str:
        if use != V2G:
            return await self.csr(self.model.read("SecurityCtrlr", "OrganizationName") or self.board.vendor)
        read = lambda name: self.model.read("ISO15118Ctrlr", name)  # noqa: E731
        return await asyncio.to_thread(self.secc.csr, read("SeccId") or self.board.serial,
                                       read("OrganizationName") or self.board.vendor, read("CountryName"))

    async def _repeat(self, cp, csr: str, use: str | None) -> None:
        wait = int(self.model.read("SecurityCtrlr", "CertSigningWaitMinimum"))
        for _ in range(int(self.model.read("SecurityCtrlr", "CertSigningRepeatTimes"))):
            await asyncio.sleep(wait)
            log.warning("no CertificateSigned (%s) after %s s: asking again", use or "combined", wait)
            try:
                await cp.call(call.SignCertificate(csr=csr, certificate_type=use))
            except LINK_ERRORS:
                return  # the link went: the renewal check asks again on a later connection
            wait *= 2


def _password_fits(value: str) -> bool:
    return PASSWORD_LENGTH[0] <= len(value) <= PASSWORD_LENGTH[1] and value.isascii() and value.isprintable()


def _country_fits(value: str) -> bool:
    """ISO 3166-1 alpha-2 (the certificate's C), or empty: left out of the SECC's CSR."""
    return value == "" or (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper())

"""An EV's contract certificate chain (Plug & Charge) checked against the roots the station holds:
the mobility operators' roots and the V2G root (installed by the CSMS with InstallCertificate).

Neutral: OCPP 2.0.1 uses it to choose between sending the chain and its OCSP data (C07), and the
contract handler to refuse a chain that fails on a root it holds without asking anyone (C07.FR.03,
TC_C_51) and to accept one offline when the policy allows (ContractValidationOffline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from firmware.security.certstore import MO_ROOT, V2G_ROOT, CertificateError

VALID, INVALID, UNKNOWN = "valid", "invalid", "unknown"


@dataclass(frozen=True)
class ContractCheck:
    verdict: str  # VALID: leads to a root held, in date; INVALID: fails; UNKNOWN: no root held signs it
    why: str = ""
    chain: tuple = ()  # the certificates, the leaf first, a root the EV appended left out
    root: object = None  # the root it leads to (VALID)


def check_contract(certificate: str, certs, now: datetime | None = None) -> ContractCheck:
    from firmware.security import pki

    try:
        chain = pki.load_chain(certificate)
    except (CertificateError, ValueError) as exc:
        return ContractCheck(INVALID, f"the chain does not parse: {exc}")
    chain = [c for c in chain if c.issuer != c.subject] or chain  # a root the SECC appended is no link to check
    roots = [*certs.roots(MO_ROOT), *certs.roots(V2G_ROOT)]
    root = next((r for r in roots if r.subject == chain[-1].issuer), None)
    if root is None:
        return ContractCheck(UNKNOWN, "no mobility operator or V2G root held for it", tuple(chain))
    try:
        for cert, issuer in zip(chain, [*chain[1:], root]):
            pki.verify_signed_by(cert, issuer)
            pki.check_dates(cert, now)
    except CertificateError as exc:
        return ContractCheck(INVALID, str(exc), tuple(chain), root)
    return ContractCheck(VALID, "", tuple(chain), root)

"""OCPP 2.0.1's certificate uses in Security201 (A02, A03) in process: the SECC's own certificate
asked for with its ISO15118Ctrlr names, accepted against the V2G roots and listed as a chain; a
combined one serves both; a charger without ISO 15118 refuses a V2G certificate; an SECC certificate
near its end is asked for again."""

import asyncio
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from cryptography import x509
from cryptography.x509.oid import NameOID

from firmware.config import load_board
from firmware.ocpp.protocols import protocol_for
from firmware.security.certstore import V2G_ROOT, CertificateStore
from firmware.security.secc import SeccCertificate
from firmware.store import Store
from pki import CA, NOW, pem

ROOT_DIR = Path(__file__).resolve().parents[2]


class CP:
    def __init__(self):
        self.sent = []

    async def call(self, request):
        self.sent.append(request)
        return SimpleNamespace(status="Accepted")


def security(tmp_path, with_secc=True):
    board = load_board(ROOT_DIR / "board-configs" / "bench-dc.toml")
    store = Store(tmp_path)
    protocol = protocol_for("2.0.1", store, board, on_change=lambda _: None)
    events = []
    certs = CertificateStore(tmp_path)
    secc = SeccCertificate(tmp_path) if with_secc else None
    sec = protocol.security(store=store, certs=certs, events=SimpleNamespace(record=lambda *e: events.append(e)),
                            board=board, runtime=SimpleNamespace(csms_url="ws://x/"), uplink=None, secc=secc)
    return sec, protocol.model, store, events


def subject_of(csr_pem):
    return {a.oid: a.value for a in x509.load_pem_x509_csr(csr_pem.encode()).subject}


async def test_the_seccs_certificate_is_asked_for_checked_and_listed(tmp_path):
    sec, model, store, events = security(tmp_path)
    iso = {"name": "ISO15118Ctrlr"}
    assert model.set(iso, {"name": "SeccId"}, "DE*OCC*E0001") == "Accepted"
    assert model.set(iso, {"name": "CountryName"}, "de") == "Rejected"  # two capital letters
    assert model.set(iso, {"name": "CountryName"}, "NL") == "Accepted"
    cp = CP()
    assert await sec.sign_certificate(cp, "V2GCertificate") == "Accepted"
    request = cp.sent[0]
    assert request.certificate_type == "V2GCertificate"
    assert subject_of(request.csr)[NameOID.COMMON_NAME] == "DE*OCC*E0001"
    assert subject_of(request.csr)[NameOID.COUNTRY_NAME] == "NL"
    v2g, other = CA("V2G root"), CA("other root")
    sec.certs.install_root(V2G_ROOT, pem(v2g.cert))
    assert sec.signed_201(pem(other.sign_csr(request.csr)), "V2GCertificate") == "Rejected"
    assert sec.signed_201(pem(v2g.sign_csr(request.csr)), "V2GCertificate") == "Accepted"
    listed = sec.installed_201(["V2GCertificateChain"])
    assert [c["certificate_type"] for c in listed] == ["V2GCertificateChain"]
    assert not sec.certs.client_certificate()  # the station's own is untouched
    await asyncio.sleep(0)
    assert "V2GCertificate" not in sec._signing  # answered: no more requests
    store.close()


async def test_a_combined_certificate_serves_both_and_without_iso15118_a_v2g_one_is_refused(tmp_path):
    sec, model, store, _ = security(tmp_path / "dc")
    cp = CP()
    await sec.sign_certificate(cp, None)
    request = cp.sent[0]
    assert request.certificate_type is None and subject_of(request.csr)[NameOID.COMMON_NAME] == sec.board.serial
    chain = pem(CA("CPO CA").sign_csr(request.csr))
    assert sec.signed_201(chain, None) == "Accepted"
    assert sec.certs.pending_path.read_text() == chain and sec.secc.chain_pem().decode() == chain
    assert sec.secc.key_pem() == sec.certs.key_pem()
    store.close()

    ac, _, store, events = security(tmp_path / "ac", with_secc=False)
    assert not ac.can_sign("V2GCertificate") and not ac.can_sign(None) and ac.can_sign("ChargingStationCertificate")
    assert ac.signed_201(chain, "V2GCertificate") == "Rejected"
    assert any("no ISO 15118" in str(e) for e in events)
    store.close()


async def test_an_secc_certificate_near_its_end_is_renewed(tmp_path):
    sec, _, store, _ = security(tmp_path)
    cp = CP()
    await sec.sign_certificate(cp, "V2GCertificate")
    root = CA("V2G root")
    assert sec.signed_201(pem(root.sign_csr(cp.sent[0].csr, not_after=NOW + timedelta(days=10))),
                          "V2GCertificate") == "Accepted"
    cp.sent.clear()
    await sec.renew_others(cp)
    assert [r.certificate_type for r in cp.sent] == ["V2GCertificate"]
    for task in sec._signing.values():
        task.cancel()
    store.close()


async def test_a_combined_certificate_the_ev_could_not_trust_is_neither_taken(tmp_path):
    """Combined: both uses or neither. A chain outside the installed V2G roots leaves the station's own
    certificate untouched too."""
    sec, _, store, _ = security(tmp_path)
    cp = CP()
    await sec.sign_certificate(cp, None)
    sec.certs.install_root(V2G_ROOT, pem(CA("V2G root").cert))
    assert sec.signed_201(pem(CA("another CA").sign_csr(cp.sent[0].csr)), None) == "Rejected"
    assert not sec.certs.pending_path.exists() and sec.secc.chain_pem() is None
    for task in sec._signing.values():
        task.cancel()
    store.close()

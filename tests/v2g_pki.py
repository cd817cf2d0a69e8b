"""The ISO 15118-2 test PKI of the DC tests: made with iso15118's own script (openssl), and the CPO
sub-CA of it signing what the charger asks of the CSMS (SignCertificate for its SECC), as a CSMS's
certificate authority would."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from controller import ROOT

PASSWORD = b"12345"  # the test PKI's key password (create_certs.sh -p)


def make_pki(tmp_path: Path) -> Path:
    """The V2G and CPO chain for the SECC's TLS, the mobility operator's chain and the EV's contract."""
    script = next((ROOT / ".venv-hlc" / "lib").glob("python3*/site-packages/iso15118/shared/pki"))
    pki = tmp_path / "pki"
    pki.mkdir()
    subprocess.run(["cp", "-r", str(script / "configs"), str(pki)], check=True)
    subprocess.run(["bash", str(script / "create_certs.sh"), "-v", "iso-2", "-p", PASSWORD.decode()], cwd=pki,
                   check=True, capture_output=True)
    return pki


def sign_for_secc(pki: Path, csr_pem: str, *, for_key=None) -> str:
    """The chain a CPO's CA returns for the charger's CSR: a TLS server leaf under the CPO sub-CA 2,
    then sub-CA 2 and sub-CA 1 (the EV holds the V2G root). `for_key`: another public key instead of
    the CSR's (a chain that is not the charger's)."""
    certs, keys = pki / "iso15118_2" / "certs", pki / "iso15118_2" / "private_keys"
    issuer = x509.load_pem_x509_certificate((certs / "cpoSubCA2Cert.pem").read_bytes())
    issuer_key = serialization.load_pem_private_key((keys / "cpoSubCA2.key").read_bytes(), password=PASSWORD)
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    now = datetime.now(timezone.utc)
    leaf = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(issuer.subject)
            .public_key(for_key or csr.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(issuer_key, hashes.SHA256()))
    return (leaf.public_bytes(serialization.Encoding.PEM).decode() + (certs / "cpoSubCA2Cert.pem").read_text()
            + (certs / "cpoSubCA1Cert.pem").read_text())

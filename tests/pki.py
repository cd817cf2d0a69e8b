"""A test PKI made at run time with `cryptography`: roots, server and client certificates."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.now(timezone.utc)


def pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class CA:
    def __init__(self, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def issue(self, subject: x509.Name, public_key, *, server_names=(), client=False,
              not_before=None, not_after=None):
        builder = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(self.cert.subject).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or NOW - timedelta(days=1))
            .not_valid_after(not_after or NOW + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        )
        if server_names:
            sans = [x509.IPAddress(ipaddress.ip_address(n)) if n[0].isdigit() else x509.DNSName(n)
                    for n in server_names]
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def server(self, names=("localhost", "127.0.0.1"), **kw):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]), key.public_key(),
                          server_names=names, **kw)
        return cert, key

    def client(self, serial: str, org: str = "CPO", **kw):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, serial),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])
        return self.issue(subject, key.public_key(), client=True, **kw), key

    def sign_csr(self, csr_pem: str, **kw) -> x509.Certificate:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        return self.issue(csr.subject, csr.public_key(), client=True, **kw)


def write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def server_context(folder: Path, cert, key, *, client_ca: CA | None = None, require_client=False,
                   max_version=None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(write(folder, f"srv-{cert.serial_number}.pem", pem(cert)),
                        write(folder, f"srv-{cert.serial_number}.key", key_pem(key)))
    if client_ca is not None:
        ctx.load_verify_locations(cadata=pem(client_ca.cert))
        ctx.verify_mode = ssl.CERT_REQUIRED if require_client else ssl.CERT_OPTIONAL
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx

"""The page's HTTPS certificate: one the installer gives, else one made on the charger at first start.

A made certificate is self-signed (the browser asks once; the installer can
compare its fingerprint with the one the log and `evse web-password` print),
valid for the host name, its .local mDNS name and the addresses the charger
has, and kept in the data directory so the fingerprint stays the same.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import logging
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

VALID_DAYS = 10 * 365


def local_names(mdns_name: str | None) -> tuple[list[str], list[str]]:
    """DNS names and IP addresses the page may be reached at."""
    host = socket.gethostname()
    names = sorted({"localhost", host, f"{host}.local"} | ({mdns_name} if mdns_name else set()))
    addresses = {"127.0.0.1", "::1"}
    try:
        for info in socket.getaddrinfo(host, None):
            addresses.add(info[4][0].split("%")[0])
    except OSError:
        pass
    return names, sorted(addresses)


def make_certificate(cert_path: Path, key_path: Path, common_name: str, names, addresses) -> None:
    """Run in a child process (`python -m firmware.web.tls`): cryptography's X.509 code costs the
    controller some 7 MB that it would keep for ever for a job done once."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def fingerprint(cert_path: Path) -> str:
    """SHA-256 over the DER certificate, as browsers show it."""
    der = ssl.PEM_cert_to_DER_cert(cert_path.read_text())
    return hashlib.sha256(der).digest().hex(":").upper()


def make_in_child(cert_path: Path, key_path: Path, common_name: str, names, addresses) -> None:
    order = json.dumps([str(cert_path), str(key_path), common_name, names, addresses])
    done = subprocess.run([sys.executable, "-m", "firmware.web.tls"], input=order, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise OSError(f"could not make the page's certificate: {done.stderr.strip()[-500:]}")


def server_context(data_dir, common_name: str, mdns_name: str | None, cert_file=None, key_file=None) -> ssl.SSLContext:
    """TLS 1.2 or newer with the given certificate, or the charger's own (made now if missing)."""
    if cert_file and key_file:
        cert_path, key_path = Path(cert_file), Path(key_file)
    else:
        folder = Path(data_dir) / "web"
        cert_path, key_path = folder / "server.crt", folder / "server.key"
        if not (cert_path.exists() and key_path.exists()):
            names, addresses = local_names(mdns_name)
            make_in_child(cert_path, key_path, common_name, names, addresses)
            log.info("web page: made its HTTPS certificate for %s and %s", ", ".join(names), ", ".join(addresses))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    log.info("web page certificate fingerprint (SHA-256) %s", fingerprint(cert_path))
    return context


if __name__ == "__main__":
    cert, key, cn, dns_names, ips = json.loads(sys.stdin.read())
    make_certificate(Path(cert), Path(key), cn, dns_names, ips)

"""Where the device keeps its key and certificates (Security Whitepaper ed. 3).

Under <data-dir>/certs/: `cp.key` (made here, mode 0600, never leaves the
device), `cp.pem` (the charge point certificate chain in use), `cp-pending.pem`
(a new chain, used from the next connection and promoted once that connection
works), and one directory per root type, one PEM file per installed root. The
TLS trust bundle for the CSMS is the installed CentralSystemRootCertificates.
Plain file work here; anything that parses X.509 loads `pki` when needed.
"""

from __future__ import annotations

import os
from pathlib import Path

# The kinds of root kept, one folder each (1.6's names; 2.0.1 maps its CSMSRootCertificate onto the first).
CSMS_ROOT = "CentralSystemRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
V2G_ROOT = "V2GRootCertificate"  # ISO 15118: the EV's TLS to us, and contract validation
MO_ROOT = "MORootCertificate"  # ISO 15118: mobility operators' contract certificates
ROOT_TYPES = (CSMS_ROOT, MANUFACTURER_ROOT, V2G_ROOT, MO_ROOT)


class CertificateError(ValueError):
    """A certificate or chain we refuse; the message says why (for the security log)."""


class CertificateStore:
    def __init__(self, data_dir: str | Path, max_roots: int = 20):
        self.dir = Path(data_dir) / "certs"
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.max_roots = max_roots

    @property
    def key_path(self) -> Path:
        return self.dir / "cp.key"

    @property
    def cert_path(self) -> Path:
        return self.dir / "cp.pem"

    @property
    def pending_path(self) -> Path:
        return self.dir / "cp-pending.pem"

    def key_pem(self) -> bytes:
        """The device key, made on first use (EC P-256), file mode 0600."""
        return key_made_once(self.key_path)

    def csr(self, serial_number: str, cpo_name: str) -> str:
        from firmware.security import pki

        return pki.make_csr(self.key_pem(), serial_number, cpo_name)

    def accept_signed_chain(self, pem: str, max_size: int, serial_number: str) -> None:
        if len(pem.encode()) > max_size:
            raise CertificateError(f"chain of {len(pem.encode())} bytes exceeds CertificateSignedMaxChainSize")
        from firmware.security import pki

        pki.check_signed_chain(pem, self.key_pem(), serial_number, self.roots(CSMS_ROOT))
        self._write(self.pending_path, pem.encode())

    def client_certificate(self) -> Path | None:
        """The chain to present: the pending one while it is on trial, else the one in use."""
        for path in (self.pending_path, self.cert_path):
            if path.exists():
                return path
        return None

    def promote_pending(self) -> bool:
        if not self.pending_path.exists():
            return False
        os.replace(self.pending_path, self.cert_path)
        return True

    def discard_pending(self) -> None:
        self.pending_path.unlink(missing_ok=True)

    def expires_in_days(self) -> float | None:
        if not self.cert_path.exists():
            return None
        from firmware.security import pki

        return pki.days_left(self.cert_path.read_bytes())

    # ---- roots ----------------------------------------------------------
    def root_files(self, kind: str) -> list[Path]:
        folder = self.dir / kind
        return sorted(folder.glob("*.pem")) if folder.exists() else []

    def roots(self, kind: str) -> list:
        if not self.root_files(kind):
            return []
        from firmware.security import pki

        return [pki.load_chain(p.read_bytes())[0] for p in self.root_files(kind)]

    def install_root(self, kind: str, pem: str) -> None:
        from firmware.security import pki

        cert, cert_pem = pki.check_root(pem)
        if sum(len(self.root_files(k)) for k in ROOT_TYPES) >= self.max_roots:
            raise CertificateError("certificate store full (CertificateStoreMaxLength)")
        self._write(self.dir / kind / f"{pki.hash_data(cert)['serial_number']}.pem", cert_pem)

    def find_root(self, wanted: dict) -> tuple[str, Path] | None:
        from firmware.security import pki

        for kind in ROOT_TYPES:
            for path in self.root_files(kind):
                got = pki.hash_data(pki.load_chain(path.read_bytes())[0])
                if all(str(wanted.get(k, "")).lower() == str(v).lower() for k, v in got.items()):
                    return kind, path
        return None

    def is_own(self, wanted: dict) -> bool:
        """Whether the hash names our own certificate (its serial number and issuer): never deleted."""
        path = self.client_certificate()
        if path is None:
            return False
        from firmware.security import pki

        leaf = pki.load_chain(path.read_bytes())[0]
        got = pki.hash_data(leaf)
        return all(str(wanted.get(k, "")).lower() == str(got[k]).lower() for k in ("serial_number", "issuer_name_hash"))

    def trust_bundle(self) -> Path | None:
        files = self.root_files(CSMS_ROOT)
        if not files:
            return None
        path = self.dir / "central-system-roots.pem"
        self._write(path, b"".join(p.read_bytes() for p in files))
        return path

    def _write(self, path: Path, data: bytes) -> None:
        write_whole(path, data)


def key_made_once(path: Path) -> bytes:
    """An EC P-256 key kept in `path`, made the first time it is asked for, readable by this user alone."""
    if not path.exists():
        from firmware.security import pki

        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pki.make_key_pem())
    return path.read_bytes()


def write_whole(path: Path, data: bytes) -> None:
    """Whole or not at all (a file beside it, then renamed over it), readable by this user alone."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)

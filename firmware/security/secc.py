"""The SECC's own certificate: what the charger shows the EV in ISO 15118-2's TLS (the "SECC leaf" of
the V2G PKI, OCPP 2.0.1's V2GCertificate, A02/A03).

It is not the charging station certificate: the EV checks it against a V2G root, the CSMS against
its own root, so the two usually come from different CAs and have keys of their own. Under
<data-dir>/certs/secc/: `secc.key` (EC P-256 as ISO 15118-2 requires, made here, mode 0600, never
leaves the device) and `secc.pem` (the chain from CertificateSigned, leaf first). A combined
certificate (SignCertificateRequest without a type) is made for the station's key, so then the
station's key is copied here with the chain.

The SECC runs in its own process with iso15118, which reads its TLS files from a folder in its own
layout (PKI_PATH: iso15118_2/certs/cpoCertChain.pem, iso15118_2/private_keys/seccLeaf.key and the
key's password file, empty: the key is not encrypted at rest, like cp.key). `pki_path()` gives that
folder once a chain is installed; until then the SECC child keeps whatever its environment gives it
(the bench's test PKI). `on_change` is called after a new chain is in place, so the EV links can
start their SECC again once no EV is on the cable (a TLS server reads its certificate at start).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from firmware.security.certstore import CertificateError, key_made_once, write_whole

DOMAIN_COMPONENT = "CPO"  # ISO 15118-2 Annex F: the SECC leaf's DC attribute
CHAIN_FILE = "iso15118_2/certs/cpoCertChain.pem"  # iso15118's CertPath.CPO_CERT_CHAIN_PEM
KEY_FILE = "iso15118_2/private_keys/seccLeaf.key"  # KeyPath.SECC_LEAF_PEM
PASSWORD_FILE = "iso15118_2/private_keys/seccLeafPassword.txt"  # empty: no password


class SeccCertificate:
    def __init__(self, data_dir: str | Path, on_change: Callable[[], None] = lambda: None):
        self.dir = Path(data_dir) / "certs" / "secc"  # made with the first key: an AC charger has none
        self.on_change = on_change

    @property
    def key_path(self) -> Path:
        return self.dir / "secc.key"

    @property
    def chain_path(self) -> Path:
        return self.dir / "secc.pem"

    def key_pem(self) -> bytes:
        return key_made_once(self.key_path)

    def csr(self, secc_id: str, organization: str, country: str) -> str:
        from firmware.security import pki

        return pki.make_csr(self.key_pem(), secc_id, organization, country=country,
                            domain_component=DOMAIN_COMPONENT)

    def check(self, pem: str, max_size: int, roots: list, key_pem: bytes | None = None) -> None:
        """A chain for our SECC key (or, combined, for `key_pem`, the station's), in date, leading to an
        installed V2G root when there is one. Raises CertificateError saying why not."""
        if len(pem.encode()) > max_size:
            raise CertificateError(f"chain of {len(pem.encode())} bytes exceeds MaxCertificateChainSize")
        from firmware.security import pki

        key = key_pem if key_pem is not None else self.key_pem()
        pki.check_signed_chain(pem, key, None, roots, root_kind="V2GRootCertificate")

    def accept(self, pem: str, max_size: int, roots: list, key_pem: bytes | None = None) -> None:
        """`check`, then the chain (and a combined certificate's key) in use from the SECC's next start."""
        self.check(pem, max_size, roots, key_pem)
        if key_pem is not None:
            write_whole(self.key_path, key_pem)
        write_whole(self.chain_path, pem.encode())
        self._lay_out()
        self.on_change()

    def chain_pem(self) -> bytes | None:
        return self.chain_path.read_bytes() if self.chain_path.exists() else None

    def pki_path(self) -> str | None:
        """The folder in iso15118's layout for the SECC child, once a chain is installed (trailing slash:
        iso15118 joins its paths onto it)."""
        if not self.chain_path.exists():
            return None
        if not (self.dir / "pki" / CHAIN_FILE).exists():
            self._lay_out()  # a chain from before this layout existed
        return f"{self.dir / 'pki'}/"

    def _lay_out(self) -> None:
        root = self.dir / "pki"
        write_whole(root / CHAIN_FILE, self.chain_path.read_bytes())
        write_whole(root / KEY_FILE, self.key_path.read_bytes())
        write_whole(root / PASSWORD_FILE, b"")

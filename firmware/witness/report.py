"""The witness report: report.json (every step with its evidence) signed with the charger's own key,
and one self-contained, printable report.html. A buyer checks it with `evse witness --verify DIR`:
an edited step, result or frame breaks the signature."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
ROOT = Path(__file__).resolve().parents[2]


def firmware_hash() -> str:
    """SHA-256 over the controller's own files (firmware/ and hal/, sorted by path): which code ran."""
    digest = hashlib.sha256()
    for folder in ("firmware", "hal"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def canonical(report: dict) -> bytes:
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(report: dict, certs) -> dict:
    """The signature block: SHA-256 of the canonical report, ECDSA over it with the device key."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(certs.key_pem(), password=None)
    data = canonical(report)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    certificate = certs.cert_path.read_text() if certs.cert_path.exists() else None
    return {"algorithm": "ECDSA-P256-SHA256", "sha256": hashlib.sha256(data).hexdigest(),
            "signature": base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode(),
            "public_key": public, "certificate": certificate}


def verify(folder: Path) -> list[str]:
    """Problems with a report folder's signature; none when report.json is as the charger signed it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        whole = json.loads((folder / "report.json").read_text())
        report, signature = whole["report"], whole["signature"]
        key = serialization.load_pem_public_key(signature["public_key"].encode())
    except (OSError, ValueError, KeyError) as exc:
        return [f"{folder}/report.json: not a signed witness report ({exc})"]
    data = canonical(report)
    problems = []
    if hashlib.sha256(data).hexdigest() != signature.get("sha256"):
        problems.append("the report's SHA-256 is not the one signed: it was changed")
    try:
        key.verify(base64.b64decode(signature["signature"]), data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        problems.append("the signature does not match the report: it was changed, or signed by another key")
    if signature.get("certificate"):
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(signature["certificate"].encode())
        if cert.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                                          ).decode() != signature["public_key"]:
            problems.append("the certificate carried is not the signing key's")
    return problems


def write(folder: Path, report: dict, certs) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    signature = sign(report, certs)
    (folder / "report.json").write_text(json.dumps({"report": report, "signature": signature}, indent=2,
                                                   ensure_ascii=False))
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    html = env.get_template("witness.html").render(r=report, signature=signature)
    (folder / "report.html").write_text(html)
    return signature

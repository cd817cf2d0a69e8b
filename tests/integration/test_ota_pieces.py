"""Firmware download (resume, limits, checksum) over real HTTP, and signed-firmware verification."""

import base64
import hashlib
import os

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from controller import free_port
from firmware.ota.download import DownloadError, download
from firmware.ota.signature import check_signing_certificate, verify_file
from firmware.security.certstore import CertificateError
from pki import CA, pem

BLOB = os.urandom(300_000)


@pytest.fixture
async def server(tmp_path):
    """Serves BLOB with Range support; /flaky cuts the first transfer after 100 kB."""
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "fw.bin").write_bytes(BLOB)
    calls = {"flaky": 0}

    async def flaky(request):
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            answer = web.StreamResponse(headers={"Content-Length": str(len(BLOB))})
            await answer.prepare(request)
            await answer.write(BLOB[:100_000])
            request.transport.close()  # the link dies mid-transfer
            return answer
        return web.FileResponse(tmp_path / "www" / "fw.bin")

    app = web.Application()
    app.add_routes([web.get("/flaky/fw.bin", flaky), web.static("/files", tmp_path / "www")])
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", calls
    await runner.cleanup()


async def test_download_with_checksum(server, tmp_path):
    base, _ = server
    digest = hashlib.sha256(BLOB).hexdigest()
    path, got = await download(f"{base}/files/fw.bin#sha256={digest}", tmp_path / "dl", 1_000_000)
    assert got == digest and path.read_bytes() == BLOB


async def test_an_interrupted_download_resumes(server, tmp_path):
    base, calls = server
    with pytest.raises(DownloadError):
        await download(f"{base}/flaky/fw.bin", tmp_path / "dl", 1_000_000)
    part = tmp_path / "dl" / "fw.bin.part"
    assert 0 < part.stat().st_size < len(BLOB)
    path, digest = await download(f"{base}/flaky/fw.bin", tmp_path / "dl", 1_000_000)
    assert path.read_bytes() == BLOB and digest == hashlib.sha256(BLOB).hexdigest() and calls["flaky"] == 2


async def test_limits_and_failures(server, tmp_path):
    base, _ = server
    with pytest.raises(DownloadError, match="limit"):
        await download(f"{base}/files/fw.bin", tmp_path / "a", 100_000)
    with pytest.raises(DownloadError, match="checksum"):
        await download(f"{base}/files/fw.bin#sha256={'0' * 64}", tmp_path / "b", 1_000_000)
    assert not list((tmp_path / "b").glob("*"))  # nothing half-trusted left behind
    with pytest.raises(DownloadError, match="404"):
        await download(f"{base}/files/nope.bin", tmp_path / "c", 1_000_000)
    with pytest.raises(DownloadError):
        await download(f"http://127.0.0.1:{free_port()}/fw.bin", tmp_path / "d", 1_000_000)


def signing_cert(ca: CA, key):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Firmware Signing")])
    return ca.issue(subject, key.public_key())


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_signed_firmware_verifies_and_tampering_does_not(tmp_path, kind):
    manufacturer = CA("Manufacturer Root")
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
    cert_pem = pem(signing_cert(manufacturer, key))
    firmware = tmp_path / "fw.bin"
    firmware.write_bytes(BLOB)
    if kind == "ec":
        signature = key.sign(BLOB, ec.ECDSA(hashes.SHA256()))
    else:
        signature = key.sign(BLOB, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH), hashes.SHA256())
    cert = check_signing_certificate(cert_pem, [manufacturer.cert])
    verify_file(firmware, base64.b64encode(signature).decode(), cert)
    firmware.write_bytes(BLOB[:-1] + bytes([BLOB[-1] ^ 1]))
    with pytest.raises(InvalidSignature):
        verify_file(firmware, base64.b64encode(signature).decode(), cert)
    with pytest.raises(InvalidSignature):
        verify_file(firmware, "not base64!", cert)


def test_a_signer_no_manufacturer_root_vouches_for_is_refused():
    manufacturer, stranger = CA("Manufacturer Root"), CA("Stranger")
    cert_pem = pem(signing_cert(stranger, ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(CertificateError, match="ManufacturerRootCertificate"):
        check_signing_certificate(cert_pem, [manufacturer.cert])
    with pytest.raises(CertificateError, match="no ManufacturerRootCertificate"):
        check_signing_certificate(cert_pem, [])
    with pytest.raises(CertificateError):
        check_signing_certificate("garbage", [manufacturer.cert])


@pytest.fixture
def ftp_server(tmp_path):
    """An FTP server (pyftpdlib) with BLOB; `tls=True` makes it explicit FTPS with a test CA."""
    import threading

    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
    from pyftpdlib.servers import FTPServer

    from pki import key_pem, write

    servers = []

    def start(tls=False):
        root = tmp_path / "ftproot"
        root.mkdir(exist_ok=True)
        (root / "fw.bin").write_bytes(BLOB)
        authorizer = DummyAuthorizer()
        authorizer.add_user("evse", "s3cret", str(root), perm="elr")
        attrs = {"authorizer": authorizer}
        if tls:
            ca = CA("FTP test CA")
            cert, key = ca.server()
            attrs.update(certfile=str(write(tmp_path, "ftp.pem", pem(cert))),
                         keyfile=str(write(tmp_path, "ftp.key", key_pem(key))), tls_data_required=True)
            os.environ["SSL_CERT_FILE"] = str(write(tmp_path, "ca.pem", pem(ca.cert)))
        handler = type("Handler", (TLS_FTPHandler if tls else FTPHandler,), attrs)
        port = free_port()
        server = FTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1}, daemon=True).start()
        servers.append(server)
        return f"{'ftps' if tls else 'ftp'}://evse:s3cret@127.0.0.1:{port}"

    yield start
    os.environ.pop("SSL_CERT_FILE", None)
    for server in servers:
        server.close_all()


async def test_download_over_ftp_with_checksum_and_resume(ftp_server, tmp_path):
    base = ftp_server()
    digest = hashlib.sha256(BLOB).hexdigest()
    folder = tmp_path / "dl"
    folder.mkdir()
    (folder / "fw.bin.part").write_bytes(BLOB[:120_000])  # an earlier transfer died here
    path, got = await download(f"{base}/fw.bin#sha256={digest}", folder, 1_000_000)
    assert got == digest and path.read_bytes() == BLOB
    with pytest.raises(DownloadError, match="limit"):
        await download(f"{base}/fw.bin", tmp_path / "small", 1000)
    with pytest.raises(DownloadError):
        await download(f"{base}/missing.bin", tmp_path / "none", 1_000_000)


async def test_download_over_ftps(ftp_server, tmp_path):
    base = ftp_server(tls=True)
    path, got = await download(f"{base}/fw.bin", tmp_path / "dl", 1_000_000)
    assert path.read_bytes() == BLOB and got == hashlib.sha256(BLOB).hexdigest()

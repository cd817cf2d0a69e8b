"""Firmware download over HTTP(S) and FTP(S): resumable, size-limited, hashed, logged.

OCPP 1.6 allows FTP locations and some CSMSs use nothing else; ftps:// is
explicit FTP over TLS (AUTH TLS, protected data channel), checked against the
system's CAs. The file grows in `<name>.part`; an interrupted transfer
continues from its size with a Range request or FTP's REST (a server that
ignores either starts it over). The
SHA-256 of the finished file is returned, and checked when the location ends
with `#sha256=<hex>`. Progress is logged every 10 %.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


class DownloadError(Exception):
    """The file could not be fetched, or what came is not what was announced."""


async def download(url: str, folder: Path, max_bytes: int, session=None) -> tuple[Path, str]:
    """Fetch `url` into `folder`; returns (file, sha256 hex). Raises DownloadError."""
    import aiohttp

    location, fragment = urldefrag(url)
    expected = fragment[len("sha256="):].lower() if fragment.startswith("sha256=") else None
    name = Path(location.rstrip("/").split("/")[-1] or "firmware.bin").name
    folder.mkdir(parents=True, exist_ok=True)
    part, final = folder / f"{name}.part", folder / name
    have = part.stat().st_size if part.exists() else 0
    if location.startswith(("ftp://", "ftps://")):
        await asyncio.to_thread(ftp_fetch, location, part, have, max_bytes, name)
        return _finish(part, final, name, expected)
    own = session is None
    session = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=60))
    try:
        headers = {"Range": f"bytes={have}-"} if have else {}
        async with session.get(location, headers=headers) as answer:
            if answer.status == 416 and have:  # already complete
                pass
            elif answer.status not in (200, 206):
                raise DownloadError(f"HTTP {answer.status} for {location}")
            else:
                if answer.status == 200 and have:
                    log.info("server ignored the Range request: downloading %s again", name)
                    have = 0
                await _receive(answer, part, have, max_bytes, name)
    except (OSError, aiohttp.ClientError) as exc:
        raise DownloadError(f"{location}: {exc}") from None
    finally:
        if own:
            await session.close()
    return _finish(part, final, name, expected)


def _finish(part: Path, final: Path, name: str, expected: str | None) -> tuple[Path, str]:
    digest = _sha256(part)
    if expected and digest != expected:
        part.unlink()
        raise DownloadError(f"checksum mismatch: expected {expected}, got {digest}")
    os.replace(part, final)
    log.info("firmware %s downloaded (%d bytes, sha256 %s)", name, final.stat().st_size, digest)
    return final, digest


async def _receive(answer, part: Path, have: int, max_bytes: int, name: str) -> None:
    total = have + int(answer.headers.get("Content-Length", "0") or 0)
    if total > max_bytes:
        raise DownloadError(f"{name}: {total} bytes exceeds the {max_bytes}-byte limit")
    mode = "ab" if have else "wb"
    done, next_report = have, 0.1
    with open(part, mode) as f:
        async for chunk in answer.content.iter_chunked(CHUNK):
            done += len(chunk)
            if done > max_bytes:
                raise DownloadError(f"{name}: more than the {max_bytes}-byte limit")
            f.write(chunk)
            if total and done / total >= next_report:
                log.info("firmware %s: %d %%", name, int(100 * done / total))
                next_report += 0.1
        f.flush()
        os.fsync(f.fileno())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ftp_fetch(location: str, part: Path, have: int, max_bytes: int, name: str) -> None:
    """RETR into `part`, from byte `have` on (REST); blocking, so run in a thread."""
    import ftplib
    import ssl

    parts = urlsplit(location)
    ftp = ftplib.FTP_TLS(context=ssl.create_default_context()) if parts.scheme == "ftps" else ftplib.FTP()
    try:
        ftp.connect(parts.hostname, parts.port or 21, timeout=60)
        ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or ""))
        if parts.scheme == "ftps":
            ftp.prot_p()
        ftp.voidcmd("TYPE I")
        path = unquote(parts.path)
        size = _ftp_size(ftp, path)
        if size is not None and size > max_bytes:
            raise DownloadError(f"{name}: {size} bytes exceeds the {max_bytes}-byte limit")
        if size is not None and have >= size:
            return  # already complete
        _retr(ftp, path, part, have, max_bytes, name)
    except ftplib.all_errors as exc:
        raise DownloadError(f"{parts.scheme}://{parts.hostname}{parts.path}: {exc}") from None
    finally:
        ftp.close()


def _ftp_size(ftp, path: str) -> int | None:
    import ftplib

    try:
        return ftp.size(path)
    except ftplib.error_perm:
        return None  # SIZE is an extension; the limit is then checked while receiving


def _retr(ftp, path: str, part: Path, have: int, max_bytes: int, name: str) -> None:
    import ftplib

    done = have
    with open(part, "ab" if have else "wb") as f:
        def keep(chunk: bytes) -> None:
            nonlocal done
            done += len(chunk)
            if done > max_bytes:
                raise DownloadError(f"{name}: more than the {max_bytes}-byte limit")
            f.write(chunk)

        try:
            ftp.retrbinary(f"RETR {path}", keep, blocksize=CHUNK, rest=have or None)
        except ftplib.error_reply:
            if not have:
                raise
            log.info("FTP server refused to resume: downloading %s again", name)
            f.seek(0)
            f.truncate()
            done = 0
            ftp.retrbinary(f"RETR {path}", keep, blocksize=CHUNK)
        f.flush()
        os.fsync(f.fileno())

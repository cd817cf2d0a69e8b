"""Firmware download over HTTP(S): resumable, size-limited, hashed, logged.

The file grows in `<name>.part`; an interrupted transfer continues from its
size with a Range request (a server that ignores Range starts it over). The
SHA-256 of the finished file is returned, and checked when the location ends
with `#sha256=<hex>`. Progress is logged every 10 %.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from urllib.parse import urldefrag

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

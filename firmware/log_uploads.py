"""GetLog (Security Whitepaper ed. 3) and GetDiagnostics (1.6 Core): logs, uploaded.

The lines between oldestTimestamp and latestTimestamp go to the remote
location by HTTP(S) POST (multipart, field "file") or FTP STOR, with the
requested retries; every step is told to the CSMS with LogStatusNotification
(Uploading, Uploaded, UploadFailure, PermissionDenied, BadMessage). A new
request cancels one still running (AcceptedCanceled).
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

from firmware.clock import parse_utc
from firmware.tasks import owned

log = logging.getLogger(__name__)

SCHEMES = ("http", "https", "ftp")
LINE_TIME = "%Y-%m-%d %H:%M:%S"


class PermissionDenied(Exception):
    pass


class LogUploads:
    def __init__(self, data_dir, cp_id: str, push):
        self.folder = Path(data_dir) / "logs"
        self.cp_id = cp_id
        self.push = push  # the outbox's push: status notifications survive a lost link too
        self._task: asyncio.Task | None = None
        self.request_id: int | None = None  # of the GetLog being uploaded

    def request(self, log_type: str, request_id: int, location: dict, retries: int | None,
                retry_interval: int | None) -> tuple[str, str | None]:
        """GetLog: ('Accepted' | 'AcceptedCanceled' | 'Rejected', file name)."""
        def report(status: str) -> None:
            self.push("LogStatusNotification", {"status": status, "requestId": request_id}, None)

        self.request_id = request_id

        return self._start(log_type, location.get("remote_location", ""), location.get("oldest_timestamp"),
                           location.get("latest_timestamp"), retries, retry_interval, report)

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def diagnostics(self, location: str, start: str | None, stop: str | None, retries: int | None,
                    retry_interval: int | None) -> str | None:
        """GetDiagnostics (OCPP 1.6 Core): the diagnostics log; the file name, or None if unusable."""
        def report(status: str) -> None:
            status = status if status in ("Uploading", "Uploaded") else "UploadFailed"
            self.push("DiagnosticsStatusNotification", {"status": status}, None)

        outcome, name = self._start("DiagnosticsLog", location, start, stop, retries, retry_interval, report)
        return None if outcome == "Rejected" else name

    def _start(self, log_type, url, oldest, latest, retries, retry_interval, report) -> tuple[str, str | None]:
        if urlparse(url).scheme not in SCHEMES or not urlparse(url).netloc:
            return "Rejected", None
        if any(t is not None and parse_utc(t) is None for t in (oldest, latest)):
            return "Rejected", None  # a time window that is no time
        canceled = self._task is not None and not self._task.done()
        if canceled:
            self._task.cancel()
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        name = f"{self.cp_id}-{log_type}-{stamp}.log"
        content = self._collect(log_type, oldest, latest)
        self._task = owned(self._upload(url, name, content, report, retries or 0, retry_interval or 30),
                           f"{log_type} upload")
        return ("AcceptedCanceled" if canceled else "Accepted"), name

    def _collect(self, log_type: str, oldest: str | None, latest: str | None) -> bytes:
        stem = "security.log" if log_type == "SecurityLog" else "evse.log"
        first, last = _when(oldest), _when(latest)
        lines = []
        for path in sorted(self.folder.glob(stem + "*"), reverse=True):  # rotated files hold the older lines
            for line in path.read_text(errors="replace").splitlines():
                at = _line_time(line)
                if at is not None and ((first and at < first) or (last and at > last)):
                    continue
                lines.append(line)
        return ("\n".join(lines) + "\n").encode()

    async def _upload(self, url, name, content, report, retries, retry_interval) -> None:
        report("Uploading")
        for attempt in range(retries + 1):
            try:
                await self._send(url, name, content)
                report("Uploaded")
                return
            except PermissionDenied as exc:
                log.warning("log upload to %s refused: %s", _safe(url), exc)
                report("PermissionDenied")
                return
            except Exception as exc:  # any failure of the remote end (HTTP, FTP, network) is an upload failure
                log.warning("log upload to %s failed (try %s): %s", _safe(url), attempt + 1, exc)
                if attempt < retries:
                    await asyncio.sleep(retry_interval)
        report("UploadFailure")

    async def _send(self, url: str, name: str, content: bytes) -> None:
        if urlparse(url).scheme == "ftp":
            await asyncio.to_thread(_ftp_store, url, name, content)
            return
        import aiohttp  # only when a log goes over HTTP: chargers without the bench never load it

        form = aiohttp.FormData()
        form.add_field("file", content, filename=name, content_type="text/plain")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            async with http.post(url, data=form) as answer:
                if answer.status in (401, 403):
                    raise PermissionDenied(f"HTTP {answer.status}")
                answer.raise_for_status()


def _ftp_store(url: str, name: str, content: bytes) -> None:
    import ftplib  # only for ftp:// locations

    parts = urlparse(url)
    with ftplib.FTP() as ftp:
        ftp.connect(parts.hostname, parts.port or 21, timeout=30)
        try:
            ftp.login(parts.username or "anonymous", parts.password or "")
        except ftplib.error_perm as exc:
            raise PermissionDenied(str(exc)) from None
        if parts.path.strip("/"):
            ftp.cwd(parts.path)
        ftp.storbinary(f"STOR {name}", io.BytesIO(content))


def _when(text: str | None) -> datetime | None:
    at = parse_utc(text) if text else None
    return None if at is None else at.replace(tzinfo=None)


def _line_time(line: str) -> datetime | None:
    try:
        return datetime.strptime(line[:19], LINE_TIME)
    except ValueError:
        return None


def _safe(url: str) -> str:
    """The URL without credentials, for the log."""
    parts = urlparse(url)
    return parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()

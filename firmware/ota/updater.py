"""One firmware update, from download to the switch to the new release (issue 6).

Statuses follow the request's kind: SignedFirmwareStatusNotification for
SignedUpdateFirmware (with its requestId), FirmwareStatusNotification for the
plain UpdateFirmware. Installation waits until no session runs, with every
connector Unavailable meanwhile, then builds the release, puts it on trial and
restarts into it; the health gate decides whether it stays.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from firmware import __version__
from firmware import migrations
from firmware.ota import health
from firmware.ota.download import DownloadError, download
from firmware.ota.releases import InstallError
from firmware.security import events as ev
from firmware.tasks import owned

log = logging.getLogger(__name__)

MAX_BYTES = 200 * 1024 * 1024


@dataclass
class UpdateRequest:
    location: str
    retrieve_at: datetime
    retries: int = 0
    retry_interval_s: int = 60
    install_at: datetime | None = None
    signature: str | None = None  # base64, SignedUpdateFirmware only
    signer: object | None = None  # the checked signing certificate
    request_id: int | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None


class Updater:
    def __init__(self, *, data_dir, releases, station, events, report, restart, allow_new_sessions=lambda: False):
        self.data_dir = Path(data_dir)
        self.allow_new_sessions = allow_new_sessions  # () -> bool: new sessions while an install waits
        self.releases = releases
        self.station = station
        self.events = events  # SecurityEvents
        self.report = report  # (status, request) -> queued notification
        self.restart = restart  # async () -> None: leave this process for the switched release
        self.task: asyncio.Task | None = None
        self.installing = False  # past the point of no return: a new request cannot replace it

    def start(self, request: UpdateRequest) -> bool | None:
        """Run the update; True when it replaced one still under way (AcceptedCanceled), None when
        the one under way is installing and cannot be stopped (Rejected: 2.0.1 L01, TC_L_12)."""
        if self.installing:
            return None
        canceled = self.task is not None and not self.task.done()
        if canceled:
            self.task.cancel()
        self.task = owned(self._run(request), "firmware update")
        return canceled

    async def _run(self, req: UpdateRequest) -> None:
        if req.retrieve_at > datetime.now(timezone.utc):
            self.report("DownloadScheduled", req)  # 2.0.1 L01, Security Whitepaper: a later retrieveDateTime
        await _until(req.retrieve_at)
        bundle = await self._download(req)
        if bundle is None or not self._verified(req, bundle):
            return
        if req.install_at is not None and req.install_at > datetime.now(timezone.utc):
            self.report("InstallScheduled", req)
            await _until(req.install_at)
        await self._install(req, bundle)

    async def _download(self, req: UpdateRequest) -> Path | None:
        self.report("Downloading", req)
        for attempt in range(req.retries + 1):
            try:
                path, digest = await download(req.location, self.data_dir / "firmware", MAX_BYTES)
                self.report("Downloaded", req)
                return path
            except DownloadError as exc:
                log.warning("firmware download failed (try %s): %s", attempt + 1, exc)
                if attempt < req.retries:
                    await asyncio.sleep(req.retry_interval_s)
        self.report("DownloadFailed", req)
        return None

    def _verified(self, req: UpdateRequest, bundle: Path) -> bool:
        if not req.signed:
            return True
        from cryptography.exceptions import InvalidSignature

        from firmware.ota.signature import verify_file

        try:
            verify_file(bundle, req.signature, req.signer)
        except InvalidSignature:
            bundle.unlink(missing_ok=True)
            self.events.record(ev.INVALID_FIRMWARE_SIGNATURE, f"signature does not match {bundle.name}")
            self.report("InvalidSignature", req)
            return False
        self.report("SignatureVerified", req)
        return True

    async def _install(self, req: UpdateRequest, bundle: Path) -> None:
        await wait_until_idle(self.station, self.allow_new_sessions())
        self.installing = True
        self.report("Installing", req)
        try:
            release = await asyncio.to_thread(self.releases.install, bundle)
        except InstallError as exc:
            log.error("firmware install failed: %s", exc)
            self.report("InstallationFailed", req)
            self.installing = False
            await self.station.set_operative(0, True)
            return
        external = getattr(self.releases, "external", False)
        trial = {"status": "trial", "from_version": __version__, "request_id": req.request_id,
                 "signed": req.signed, "starts": 0, "external": external,
                 "schema_version": migrations.VERSION}  # what a rollback must find in the data directory
        if not external:
            trial.update(version=release.name, release=str(release), previous=str(self.releases.current),
                         current_link=str(self.releases.base / "current"))
        health.save(self.data_dir, trial)
        self.releases.switch(release)
        if req.signed:
            self.report("InstallRebooting", req)
        log.warning("switching to %s", "the new slot (reboot)" if external else f"release {release.name}")
        await self.restart()


async def wait_until_idle(station, allow_new_sessions: bool, poll_s: float = 1.0) -> None:
    """Until no session runs, then every EVSE is out of service for the install (in memory only: a
    restart makes them available again). Without AllowNewSessionsPendingFirmwareUpdate (2.0.1; always
    so in 1.6) an EVSE that becomes free stays Unavailable meanwhile; with it, new sessions may start,
    and the install waits for a moment when none runs."""
    if not allow_new_sessions:
        await station.set_operative(0, False)
    while station.sessions():
        await asyncio.sleep(poll_s)  # sessions end as their drivers decide
    await station.set_operative(0, False)
    while station.sessions():  # one that began in between ends first; none can begin now
        await asyncio.sleep(poll_s)


async def _until(moment: datetime) -> None:
    delay = (moment - datetime.now(timezone.utc)).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)

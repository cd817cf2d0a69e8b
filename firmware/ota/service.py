"""The OCPP-facing side of firmware updates: requests in, statuses out, the verdict after boot.

Version-neutral enough to stay out of ocpp/v16: it takes plain values and
reports through a callable the adapter gives it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

from firmware import __version__
from firmware.ota import health
from firmware.security import events as ev
from firmware.security.certstore import CertificateError

log = logging.getLogger(__name__)

LAST_UPDATE = "last_update.json"


def when(text: str | None) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


class FirmwareService:
    def __init__(self, *, data_dir, releases, station, events, certs, report, restart, gate_s,
                 allow_new_sessions=lambda: False):
        self.data_dir = Path(data_dir)
        self.events = events
        self.certs = certs
        self.report = report  # (status, request_id | None, signed) -> None
        self.gate_s = gate_s  # callable -> seconds a new release has to come online
        self._parts = dict(data_dir=data_dir, releases=releases, station=station, events=events,
                           report=lambda s, r: report(s, r.request_id, r.signed), restart=restart,
                           allow_new_sessions=allow_new_sessions)
        self._updater = None
        self._restart = restart

    @property
    def installer(self):
        return self._parts["releases"]

    @property
    def updater(self):
        """Built on the first update request: a charger that is never updated never loads it."""
        if self._updater is None:
            from firmware.ota.updater import Updater

            self._updater = Updater(**self._parts)
        return self._updater

    def plain(self, location: str, retrieve: str | None, retries: int | None, interval: int | None) -> None:
        from firmware.ota.updater import UpdateRequest

        self.updater.start(UpdateRequest(location, when(retrieve), retries or 0, interval or 60))

    def signed(self, request_id: int, fw: dict, retries: int | None, interval: int | None) -> str:
        from firmware.ota.signature import check_signing_certificate
        from firmware.ota.updater import UpdateRequest

        try:
            signer = check_signing_certificate(fw["signing_certificate"], self.certs.roots("ManufacturerRootCertificate"))
        except CertificateError as exc:
            self.events.record(ev.INVALID_FIRMWARE_SIGNING_CERTIFICATE, str(exc))
            return "InvalidCertificate"
        request = UpdateRequest(fw["location"], when(fw.get("retrieve_date_time")), retries or 0, interval or 60,
                                when(fw["install_date_time"]) if fw.get("install_date_time") else None,
                                fw["signature"], signer, request_id)
        replaced = self.updater.start(request)
        if replaced is None:
            log.warning("firmware request %s refused: an installation is under way", request_id)
            return "Rejected"
        return "AcceptedCanceled" if replaced else "Accepted"

    def _confirm_slot(self) -> None:
        from firmware.ota.releases import InstallError

        try:
            self.installer.confirm()
        except InstallError as exc:
            log.error("could not confirm the new slot: %s", exc)

    # ---- after a restart ------------------------------------------------
    async def watch_trial(self) -> None:
        """A release on trial that is not accepted by the CSMS in time gives up its place."""
        trial = health.load(self.data_dir)
        if not trial or trial.get("status") != "trial" or trial.get("external") or trial.get("version") != __version__:
            return
        await asyncio.sleep(self.gate_s())
        trial = health.load(self.data_dir)
        if trial and trial.get("status") == "trial":
            health.roll_back(self.data_dir, trial, f"{__version__} was not accepted within {self.gate_s()} s")
            log.error("release %s failed its health gate: back to %s", __version__, trial["previous"])
            await self._restart()

    def booted(self) -> None:
        """BootNotification accepted: tell the CSMS how the last update ended."""
        trial = health.load(self.data_dir)
        if not trial:
            return
        if trial.get("status") == "trial" and __version__ != trial.get("from_version"):
            if trial.get("external"):
                self._confirm_slot()
            self.report("Installed", trial.get("request_id"), trial.get("signed", False))
            outcome = f"now running {__version__}"
        elif trial.get("status") == "trial" and trial.get("external"):  # the bootloader fell back
            self.report("InstallationFailed", trial.get("request_id"), trial.get("signed", False))
            outcome = f"the new slot did not boot: still {__version__}"
        elif trial.get("status") == "rolled_back":
            self.report("InstallationFailed", trial.get("request_id"), trial.get("signed", False))
            outcome = f"rolled back to {__version__}: {trial.get('why', '')}"
        else:
            return
        self.events.record(ev.FIRMWARE_UPDATED, outcome[:255])
        (self.data_dir / LAST_UPDATE).write_text(json.dumps({
            "at": datetime.now(timezone.utc).isoformat(), "from_version": trial.get("from_version"),
            "version": __version__, "outcome": outcome}))
        health.save(self.data_dir, None)

    def summary(self) -> dict:
        """For the installer's page: what runs, what is installed beside it, how the last update ended."""
        try:
            last = json.loads((self.data_dir / LAST_UPDATE).read_text())
        except (OSError, ValueError):
            last = None
        out = {"version": __version__, "last_update": last, "update_in_progress": health.load(self.data_dir)}
        releases = self.installer
        if getattr(releases, "external", False):
            return {**out, "installer": "external (A/B slots)"}
        folder = Path(releases.dir)
        names = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
        return {**out, "installer": "releases", "releases": names,
                "current": releases.current.name if releases.current else None,
                "previous": releases.previous.name if releases.previous else None}

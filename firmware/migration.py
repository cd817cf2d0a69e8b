"""Moving the charger to another CSMS, with a way back (docs/migration.md).

A migration is asked for (`evse migrate`, or the page's API) with the new CSMS's settings. It
waits until no session runs and the outbox is empty, so everything the old CSMS is owed reaches
it; then it stores the new settings and restarts the controller onto them (a new URL, id or
version needs the adapter rebuilt). If the new CSMS has not accepted a BootNotification after
`attempts` failed connections or `timeout_s`, the old settings come back and the controller
restarts onto the old CSMS. Either way it is logged, a security event, and a line of the
migration history (in the export). The record is kept in the store, so a power cut half-way
resumes where it was; transaction messages queued meanwhile stay in the outbox and go to
whichever CSMS the charger ends up with: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from firmware.clock import iso, parse_utc
from firmware.security import events as ev

log = logging.getLogger(__name__)

KEY = "migration"
HISTORY = "migration.history"
SETTINGS = ("csms_url", "charge_point_id", "security_profile", "basic_auth_password")
LOOK_S = 1.0
ACTIVE = ("waiting", "trying")


class MigrationRefused(ValueError):
    pass


class Migration:
    def __init__(self, *, store, station, outbox, uplink, accepted: Callable[[], bool], events, restart, clock):
        """`restart`: async, restarts the controller now; `accepted()`: the CSMS accepted our BootNotification."""
        self.store = store
        self.station = station
        self.outbox = outbox
        self.uplink = uplink
        self.accepted = accepted
        self.events = events
        self.restart = restart
        self.clock = clock
        self._kick = asyncio.Event()

    def status(self) -> dict:
        """The migration under way or the last one, and the history; never a password."""
        record = self.store.get(KEY) or {}
        shown = {k: v for k, v in record.items() if k not in ("from", "to")}
        for side in ("from", "to"):
            if side in record:
                shown[side] = {k: v for k, v in record[side].items() if k != "basic_auth_password"}
        return {"migration": shown or None, "history": self.store.get(HISTORY, [])}

    def request(self, target: dict, attempts: int = 5, timeout_s: float = 300.0) -> dict:
        record = self.store.get(KEY) or {}
        if record.get("state") in ACTIVE:
            raise MigrationRefused(f"a migration to {record['to']['csms_url']} is under way ({record['state']})")
        if not isinstance(target, dict) or not target.get("csms_url") or set(target) - set(SETTINGS):
            raise MigrationRefused(f"give csms_url, and optionally {', '.join(SETTINGS[1:])}")
        if not (isinstance(attempts, int) and 1 <= attempts <= 100) or not (
                isinstance(timeout_s, (int, float)) and 10 <= timeout_s <= 86400):
            raise MigrationRefused("attempts must be 1 to 100, timeout_s 10 to 86400")
        fit(target)
        record = {"state": "waiting", "asked_at": iso(self.clock.now()), "attempts": attempts,
                  "timeout_s": timeout_s, "from": {name: self.store.get(f"setting.{name}") for name in SETTINGS},
                  "to": target}
        with self.store.transaction():
            self.store.put(KEY, record)
        log.warning("CSMS migration to %s asked: waiting until no session runs and the outbox is empty",
                    target["csms_url"])
        self._kick.set()
        return self.status()

    async def run(self) -> None:
        while True:
            record = self.store.get(KEY) or {}
            if record.get("state") == "waiting":
                await self._switch(record)
            elif record.get("state") == "trying":
                await self._watch(record)
            else:
                await self._kick.wait()
                self._kick.clear()

    async def _switch(self, record: dict) -> None:
        while self.station.sessions() or len(self.outbox):
            await asyncio.sleep(LOOK_S)
        self._apply(record["to"])
        record = {**record, "state": "trying", "switched_at": iso(self.clock.now())}
        with self.store.transaction():
            self.store.put(KEY, record)
        self.events.record(ev.RECONFIGURATION, f"CSMS migration: trying {record['to']['csms_url']}")
        log.warning("CSMS migration: nothing owed to %s any more; restarting onto %s", record["from"]["csms_url"],
                    record["to"]["csms_url"])
        await self.restart()
        await asyncio.Event().wait()  # this process ends; the next one watches

    async def _watch(self, record: dict) -> None:
        switched = parse_utc(record["switched_at"])
        while True:
            if self.accepted():
                self._end(record, "done", f"the new CSMS {record['to']['csms_url']} accepted the charger")
                return
            waited = (self.clock.now() - switched).total_seconds()
            if self.uplink.failures >= record["attempts"] or waited >= record["timeout_s"]:
                why = self.uplink.errors[-1][1] if self.uplink.errors else "no BootNotification accepted"
                self._apply(record["from"])
                self._end(record, "fell_back", f"{record['to']['csms_url']} did not accept the charger after "
                                               f"{self.uplink.failures} failed connection(s) in {waited:.0f} s "
                                               f"({why}); back to {record['from']['csms_url']}")
                await self.restart()
                await asyncio.Event().wait()
            await asyncio.sleep(LOOK_S)

    def _apply(self, settings: dict) -> None:
        with self.store.transaction():
            for name in SETTINGS:
                if name in settings and settings[name] is not None:
                    value = settings[name]
                    self.store.put(f"setting.{name}", str(value) if name == "security_profile" else value)

    def _end(self, record: dict, state: str, outcome: str) -> None:
        line = {"at": iso(self.clock.now()), "from": record["from"]["csms_url"], "to": record["to"]["csms_url"],
                "outcome": state, "detail": outcome}
        with self.store.transaction():
            self.store.put(KEY, {**record, "state": state, "ended_at": line["at"], "detail": outcome})
            self.store.put(HISTORY, [*self.store.get(HISTORY, []), line][-50:])
        (log.warning if state == "fell_back" else log.info)("CSMS migration: %s", outcome)
        self.events.record(ev.RECONFIGURATION, f"CSMS migration {state}: {outcome}"[:255])


def fit(target: dict) -> None:
    """The command line's rules for the new CSMS's settings (firmware.settings), in the same words."""
    from firmware.settings import SettingsError, check_charge_point_id, check_csms_url

    try:
        check_csms_url(target["csms_url"])
        if target.get("charge_point_id") is not None:
            check_charge_point_id(target["charge_point_id"])
    except SettingsError as exc:
        raise MigrationRefused(str(exc)) from None
    profile = target.get("security_profile")
    if profile is not None and profile not in (0, 1, 2, 3):
        raise MigrationRefused("security_profile must be 0, 1, 2 or 3")
    if profile in (2, 3) and not target["csms_url"].startswith("wss://"):
        raise MigrationRefused("security profiles 2 and 3 need a wss:// URL")
    password = target.get("basic_auth_password")
    if password is not None and not (isinstance(password, str) and 16 <= len(password) <= 40):
        raise MigrationRefused("basic_auth_password must be 16 to 40 characters")


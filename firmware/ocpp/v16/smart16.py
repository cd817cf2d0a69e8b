"""OCPP 1.6 Smart Charging profile (section 5.16, 5.5, 5.7, 3.13): the requests, on the model.

SetChargingProfile installs into the ProfileStore (Rejected with the reason
logged when a rule or a key's limit is broken), ClearChargingProfile removes by
id or by connector/purpose/stack level, GetCompositeSchedule reports what the
load manager would apply, in amps or watts. Every change wakes the load
manager, so the PWM follows at once.
"""

from __future__ import annotations

import logging

from firmware.ocpp.schedules import composite_schedule
from firmware.ocpp.v16.charging_profiles import profile_from_ocpp
from firmware.smart_charging.profiles import TX
from firmware.smart_charging.store import ProfileRejected

log = logging.getLogger(__name__)

UNIT = {"A": "A", "W": "W"}
MAX_COMPOSITE_S = 31 * 86400  # a month ahead: weekly recurrences four times over


class SmartCharging16:
    def __init__(self, profiles, manager, station, board, outbox, wall):
        self.profiles = profiles
        self.manager = manager
        self.station = station
        self.board = board
        self.outbox = outbox  # the CSMS's transaction ids
        self.wall = wall

    def _has_transaction(self, cid: int, tx_id) -> bool:
        connector = self.station.connectors.get(cid)
        session = connector.session if connector is not None else None
        return session is not None and (tx_id is None or self.outbox.transaction_id(session.local_id) == tx_id)

    def set_profile(self, connector_id: int, payload: dict, *, for_remote_start: bool = False) -> str:
        if connector_id != 0 and connector_id not in self.station.connectors:
            return "Rejected"
        try:
            profile = profile_from_ocpp(connector_id, payload)
            if for_remote_start and (profile.purpose != TX or profile.transaction_id is not None):
                raise ProfileRejected("RemoteStartTransaction takes a TxProfile without transactionId")
            self.profiles.install(profile, (lambda cid, tx: True) if for_remote_start else self._has_transaction)
        except ProfileRejected as exc:
            log.warning("SetChargingProfile on connector %s rejected: %s", connector_id, exc)
            return "Rejected"
        except (KeyError, ValueError, TypeError) as exc:
            log.warning("SetChargingProfile on connector %s: unusable profile: %s", connector_id, exc)
            return "Rejected"
        self.manager.kick()
        return "Accepted"

    def clear(self, profile_id=None, connector_id=None, purpose=None, stack_level=None) -> str:
        gone = self.profiles.clear(profile_id=profile_id, connector_id=connector_id, purpose=purpose,
                                   stack_level=stack_level)
        self.manager.kick()
        return "Accepted" if gone else "Unknown"

    def composite(self, connector_id: int, duration: int, unit: str | None) -> dict:
        """The call_result fields of GetCompositeSchedule."""
        if connector_id != 0 and connector_id not in self.station.connectors:
            return {"status": "Rejected"}
        if not 0 < duration <= MAX_COMPOSITE_S:
            log.warning("GetCompositeSchedule for %s s refused: 1 s to %s s are reported", duration, MAX_COMPOSITE_S)
            return {"status": "Rejected"}
        unit = UNIT.get(unit or "A", "A")
        now = self.wall.now().replace(microsecond=0)
        schedule = composite_schedule(self.profiles, self.manager, self.station, self.board, connector_id, now,
                                      duration, unit)
        return {"status": "Accepted", "connector_id": connector_id, "schedule_start": schedule["startSchedule"],
                "charging_schedule": schedule}

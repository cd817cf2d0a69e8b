"""A session whose tag the CSMS refuses after it started (OCPP 1.6 StopTransactionOnInvalidId and
MaxEnergyOnInvalidId, section 9.1; 2.0.1 StopTxOnInvalidId and MaxEnergyOnInvalidId, E05).

Either it ends at once (deauthorized), or it may go on up to the energy allowed and
is then suspended (the EVSE holds it) until the EV leaves. Both versions' adapters
call this with the session's local id and the status the CSMS gave.
"""

from __future__ import annotations

import asyncio
import logging

from firmware.core.vocabulary import StopReason

log = logging.getLogger(__name__)


async def enforce(station, metering, policy, local_id: str, status: str) -> None:
    session = station.session_by_id(local_id)
    if session is None:
        return
    log.warning("connector %s: the CSMS refused the tag of session %s (%s)", session.connector_id, local_id, status)
    if policy.stop_on_invalid_id():
        await station.stop_session(local_id, StopReason.DEAUTHORIZED)
        return
    allowed = policy.max_energy_on_invalid_id_wh()
    while station.session_by_id(local_id) is session:
        reading = metering.latest.get(session.connector_id)
        if reading is not None and reading.energy_wh - (session.meter_start_wh or 0) >= allowed:
            log.warning("connector %s: %s Wh given on a refused tag; charging suspended until the EV leaves",
                        session.connector_id, allowed)
            await station.set_hold(session.connector_id, "invalid_id", True)
            return
        await asyncio.sleep(1.0)

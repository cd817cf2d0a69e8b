"""OCPP 2.0.1 requests about who may charge where: the local list (D01, D02) and reservations (H01-H04).

A mixin of ChargePoint201: parse, call the model's authorizer and reservations, answer in 2.0.1's words.
"""

from __future__ import annotations

import logging

from ocpp.routing import on
from ocpp.v201 import call_result

from firmware.auth.local_list import ListTooLong
from firmware.clock import parse_utc
from firmware.core.vocabulary import LocalListResult
from firmware.ocpp.v201 import mappings as words
from firmware.reservations import Reservation

log = logging.getLogger(__name__)


class ListHandlers:
    @on("SendLocalList")
    def on_send_local_list(self, version_number, update_type, local_authorization_list=None, **_):
        entries = local_authorization_list or []
        status = self.adapter.apply_local_list(version_number, update_type == "Full", entries)
        return call_result.SendLocalList(status=words.LOCAL_LIST[status])

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **_):
        return call_result.GetLocalListVersion(version_number=self.adapter.local_list_version())

    @on("ReserveNow")
    def on_reserve_now(self, id, expiry_date_time, id_token, evse_id=None, group_id_token=None, connector_type=None,
                       **_):
        expiry = parse_utc(expiry_date_time)
        if expiry is None:
            log.warning("ReserveNow %s refused: expiryDateTime %r is no date", id, expiry_date_time[:40])
            return call_result.ReserveNow(status="Rejected")
        if evse_id is not None and evse_id not in self.station.connectors:
            return call_result.ReserveNow(status="Rejected")
        if not self.adapter.connector_type_fits(evse_id, connector_type):
            return call_result.ReserveNow(status="Rejected")
        group = (group_id_token or {}).get("id_token")
        result = self.adapter.reservations.reserve(Reservation(id, evse_id or 0, id_token["id_token"], expiry, group))
        log.info("ReserveNow %s for EVSE %s: %s", id, evse_id if evse_id else "any", result.value)
        return call_result.ReserveNow(status=words.RESERVATION[result])

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id, **_):
        return call_result.CancelReservation(status=words.CANCEL[self.adapter.reservations.cancel(reservation_id)])


def apply_local_list(authorizer, policy, version: int, full: bool, entries: list[dict]) -> LocalListResult:
    """D01/D02 on the neutral list: an entry without idTokenInfo (differential) removes its token."""
    from firmware.ocpp.v201.adapter import id_tag_info

    if not policy.local_list_enabled():
        return LocalListResult.NOT_SUPPORTED
    if version <= 0:
        return LocalListResult.FAILED  # D01.FR.18: versionNumber is greater than 0
    parsed = [(e["id_token"]["id_token"], id_tag_info(e["id_token_info"]) if e.get("id_token_info") else None)
              for e in entries]
    try:
        status = authorizer.local_list.update(version, full, parsed)
    except ListTooLong:
        status = LocalListResult.FAILED
    log.info("SendLocalList v%s (%s, %s entries): %s", version, "full" if full else "differential", len(entries),
             status.value)
    return status




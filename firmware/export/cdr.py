"""The charger's finished sessions as OCPI 2.2.1 CDR objects (module CDRs), with what the charger
itself knows: who (the token), where (the site section of the settings file), when, and how much
energy, period by period from the meter samples kept for each session.

A session a signing meter measured carries its record as OCPI's `signed_data` (CdrSignedData:
OCMF, the meter's public key, the record itself as the End value), so the driver's transparency
software can check the CDR without the CSMS.

Prices are the CSMS's business, not the charger's: `total_cost` is null, no tariffs are named,
and `remark` says so (docs/export.md). An importer fills them in or takes the CSMS's own CDRs.
"""

from __future__ import annotations

from datetime import datetime, timezone

CONNECTOR_FORMAT = {"socket": "SOCKET", "tethered": "CABLE"}


def cdrs(sessions, samples_of, transaction_id, board, site, now: str, signed_of=lambda local_id: None) -> list[dict]:
    """`samples_of(local_id)`: [(local_id, taken_at, energy_wh, power_w)], oldest first; `signed_of(local_id)`:
    the session's signed record (hal.types.SignedRecord) or None."""
    connectors = {c.id: c for c in board.connectors}
    out = []
    for s in sessions:
        record = cdr(s, samples_of(s.local_id), transaction_id(s.local_id), connectors.get(s.connector_id), board,
                     site, now)
        signed = signed_of(s.local_id)
        if signed is not None:
            record["signed_data"] = signed_data(signed, s)
        out.append(record)
    return out


def signed_data(signed, s) -> dict:
    """OCPI 2.2.1 CdrSignedData: one OCMF record holds the begin and end readings; plain_data says
    in words what it signs (OCPI allows 512 characters there, the record up to 5000)."""
    return {"encoding_method": signed.encoding, "encoding_method_version": 1, "public_key": signed.public_key,
            "signed_values": [{"nature": "End",
                               "plain_data": f"energy register {s.meter_start_wh:.0f} Wh to {s.meter_stop_wh:.0f} Wh, "
                                             f"{s.started_at} to {s.ended_at}"[:512],
                               "signed_data": signed.data}]}


def cdr(s, samples, transaction_id, connector, board, site, now: str) -> dict:
    start, end = datetime.fromisoformat(s.started_at), datetime.fromisoformat(s.ended_at)
    hours = max(0.0, (end - start).total_seconds()) / 3600
    return {
        "country_code": site.country_code, "party_id": site.party_id,
        "id": transaction_id or s.local_id, "start_date_time": _z(s.started_at), "end_date_time": _z(s.ended_at),
        "session_id": s.local_id,
        "cdr_token": {"country_code": site.country_code, "party_id": site.party_id, "uid": s.id_tag, "type": "RFID",
                      "contract_id": s.id_tag},
        "auth_method": "AUTH_REQUEST",
        "cdr_location": _location(s.connector_id, connector, board, site),
        "meter_id": board.serial, "currency": site.currency,
        "charging_periods": _periods(s, samples),
        "total_cost": None,
        "total_energy": round(s.energy_wh / 1000, 4),
        "total_time": round(hours, 4),
        "remark": "made by the charger: the cost is set by the CSMS",
        "last_updated": now,
    }


def _location(cid: int, connector, board, site) -> dict:
    evse_id = f"{site.evse_id_prefix}{cid}" if site.evse_id_prefix else f"{board.serial}*{cid}"
    return {"id": site.location_id or board.serial, "name": site.name or None, "address": site.address,
            "city": site.city, "postal_code": site.postal_code or None, "country": site.country,
            "coordinates": {"latitude": site.latitude, "longitude": site.longitude},
            "evse_uid": f"{board.serial}-{cid}", "evse_id": evse_id, "connector_id": str(cid),
            "connector_standard": "IEC_62196_T2",
            "connector_format": CONNECTOR_FORMAT.get(getattr(connector, "cable", "socket"), "SOCKET"),
            "connector_power_type": "AC_3_PHASE" if board.phases == 3 else "AC_1_PHASE"}


def _periods(s, samples) -> list[dict]:
    """One period from each sample to the next: the energy the meter counted in it (kWh)."""
    points = [(t, e) for _, t, e, _ in samples] or [(s.started_at, s.meter_start_wh), (s.ended_at, s.meter_stop_wh)]
    periods = []
    for (t0, e0), (_, e1) in zip(points, points[1:]):
        periods.append({"start_date_time": _z(t0),
                        "dimensions": [{"type": "ENERGY", "volume": round(max(0.0, e1 - e0) / 1000, 4)}]})
    return periods or [{"start_date_time": _z(s.started_at), "dimensions": [{"type": "ENERGY", "volume": 0.0}]}]


def _z(text: str) -> str:
    """OCPI DateTime: UTC, 'Z', no offset."""
    when = datetime.fromisoformat(text)
    return (when.astimezone(timezone.utc) if when.tzinfo else when).strftime("%Y-%m-%dT%H:%M:%SZ")

"""What the page shows, read from the neutral model and the services (DESIGN.md arrow 7).

One function per panel, each a plain dict the JSON API returns as it is; the
live dashboard sends `dashboard()` whenever it changes.
"""

from __future__ import annotations

import dataclasses

from firmware import __version__
from firmware.signed_records import check
from firmware.web.remedies import remedy


class Views:
    def __init__(self, *, station, metering, adapter, uplink, security, certs, clock, history, settings, board):
        self.station = station
        self.metering = metering
        self.adapter = adapter
        self.uplink = uplink
        self.security = security
        self.certs = certs
        self.clock = clock
        self.history = history
        self.settings = settings
        self.board = board  # read-only: what the hardware is (DESIGN.md arrow 5)
        self._cert_days: tuple[float | None, float | None] = (None, None)

    def dashboard(self) -> dict:
        return {"firmware_version": __version__, "link": self.link(), "sessions_recorded": self.history.count(),
                "station_faults": [remedy(f) for f in sorted(self.station.faults)],
                "connectors": [self.connector(cid) for cid in sorted(self.station.connectors)]}

    def connector(self, cid: int) -> dict:
        c = self.station.connector(cid)
        reading = self.metering.latest.get(cid)
        session = c.session
        energy = reading.energy_wh if reading else 0.0
        faults = set(c.trips) | self.metering.faults.get(cid, set()) | self.station.faults
        return {
            "id": cid,
            "status": self.adapter.status_name(cid),
            "cp_state": c.cp.value,
            "contactor_closed": c.hal.contactor.feedback_closed(),
            "offered_current_a": c.own_values()["Current.Offered"][0],
            "power_w": round(reading.power_w, 1) if reading else 0.0,
            "currents_a": [round(a, 2) for a in reading.currents_a] if reading else [],
            "voltages_v": [round(v, 1) for v in reading.voltages_v] if reading else [],
            "meter_energy_wh": round(energy, 1),
            "session": None if session is None else {
                "id_tag": session.id_tag,
                "transaction_id": self.adapter.transaction_id(session),
                "energy_wh": round(energy - session.meter_start_wh, 1) if session.meter_start_wh is not None else 0.0,
                "duration_s": round(max(0.0, self.clock.monotonic() - session.started_mono)),
                "started_at": session.started_at.isoformat(),
                "cost": self.adapter.running_cost(session),
            },
            "limit_sources": [s.as_dict() for s in c.limit_sources],
            "faults": [remedy(f) for f in sorted(faults)],
            "kind": c.kind,
            **({"dc": dc_view(c)} if c.kind == "dc" else {}),
            **({"hlc": hlc_view(c)} if hasattr(c, "hlc_status") else {}),
        }

    def link(self) -> dict:
        u = self.uplink
        return {
            "standalone": self.settings.standalone,
            "csms_url": self.settings.csms_url,
            "charge_point_id": self.settings.charge_point_id,
            "version": self.adapter.version,
            "security_profile": self.security.profile(),
            "connected": u.online and self.adapter.connected,
            "connected_since": u.connected_since.isoformat() if u.online and u.connected_since else None,
            "last_message_at": u.last_message_at.isoformat() if u.last_message_at else None,
            "queued_messages": len(self.adapter.outbox),
            "set_aside_messages": self.adapter.outbox.set_aside_count(),
            "certificate_expires_in_days": self._certificate_days(),
            "last_errors": [{"at": at.isoformat(), "error": why} for at, why in reversed(u.errors)],
        }

    def _certificate_days(self) -> float | None:
        """Parsed again only when the certificate file changes (the live view asks every second)."""
        try:
            stamp = self.certs.cert_path.stat().st_mtime
        except OSError:
            return None
        if self._cert_days[0] != stamp:
            days = self.certs.expires_in_days()
            self._cert_days = (stamp, None if days is None else round(days, 1))
        return self._cert_days[1]

    def meters(self) -> list[dict]:
        now = self.clock.monotonic()
        out = []
        for cid, reading in sorted(self.metering.latest.items()):
            out.append({"connector": cid, "online": self.metering.online.get(cid, False),
                        "age_s": None if reading is None else round(max(0.0, now - reading.taken_at), 1),
                        "serial": reading.serial if reading else None,
                        "energy_wh": round(reading.energy_wh, 1) if reading else None,
                        "faults": sorted(self.metering.faults.get(cid, set()))})
        return out

    def signed_check(self, s) -> dict | None:
        """A signed session's reconciliation (firmware.signed_records), None for one without a record."""
        record = self.history.signed.get(s.local_id)
        return None if record is None else check(record, s.meter_start_wh, s.meter_stop_wh).as_dict()

    def receipts(self, s) -> list[dict]:
        """The readings a Plug & Charge EV signed for this session (ISO 15118-2 MeteringReceipt), oldest first."""
        return [{"received_at": r.received_at, "meter_wh": r.meter_wh, "meter_id": r.meter_id}
                for r in self.history.receipts.of(s.local_id)]

    def board_config(self) -> dict:
        return dataclasses.asdict(self.board)

    def transactions(self, page: int, per_page: int) -> dict:
        rows = [dict(s.as_dict(), transaction_id=self.adapter.outbox.transaction_id(s.local_id),
                     signed=self.signed_check(s), ev_receipts=self.receipts(s))
                for s in self.history.page(page, per_page)]
        return {"page": page, "per_page": per_page, "total": self.history.count(), "transactions": rows}


def dc_view(c) -> dict:
    """A DC connector on the page: where its power path is, what the EV asks and says of its battery."""
    d = c.dc_status()
    return {"state": d["state"], "protocol": d["protocol"], "ev_soc_pct": d["ev_soc_pct"],
            "present_voltage_v": d["present_voltage_v"], "present_current_a": d["present_current_a"],
            "ev_target_current_a": d["ev_target_current_a"], "insulation_ohm": d["insulation_ohm"],
            "slac": d["slac"]}


def hlc_view(c) -> dict:
    """An ISO 15118-2 AC connector on the page: how far its EV got on the digital link, or that it fell
    back to basic charging (SLAC failed)."""
    h = c.hlc_status()
    return {"ev_stage": h["ev_stage"], "protocol": h["protocol"], "slac": h["slac"], "basic": h["basic"]}

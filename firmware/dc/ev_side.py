"""What a connector with a digital link to its EV does with that link, DC or ISO 15118-2 AC alike: which
EV on the cable the link speaks for, Plug & Charge's contract, the EV's schedule rounds (OCPP 2.0.1
K15-K17). A mixin before `Connector` (firmware.dc.connector, firmware.ac.hlc_connector); the tick
calls `_ev_now`, `_present_contract` and `_schedule_events`."""

from __future__ import annotations

from firmware.dc import ev_link
from firmware.dc.ev_link import EvRequest
from firmware.dc.schedule_rounds import ScheduleRounds
from firmware.events import ContractPresented

UNPLUGGED = EvRequest(stage=ev_link.ENDED)  # what the connector hears once the cable is out
NOT_HEARD = EvRequest()  # plugged, and this car has not spoken yet


class EvLinkSide:
    def _link_side(self, link, cfg, board, energy_transfer: str) -> None:
        """From the constructor, before `Connector.__init__`: `link` is the EV link's port
        (firmware.dc.ev_link.EvLinkPort)."""
        self.link = link
        cid = cfg.id
        # The meter's name for the EV when it tells no serial: its [[meters]] entry, else this connector's.
        self._meter_name = next((m.name for m in board.meters if m.measures == cid), f"{board.serial}-{cid}")
        self._receipt_s = cfg.metering_receipt_s
        self.receipt_session: str | None = None  # the session of this plug-in, also once ended: its receipts
        self.ev = EvRequest()
        self.rounds = ScheduleRounds(cid, energy_transfer)  # ISO 15118 smart charging: the EV's rounds
        self._gone_session = 0  # the link's EV session at the last unplug
        self.contract_status: str | None = None  # Plug & Charge: "accepted" or "rejected", for the EV
        self._contract_told = None  # the contract last published as ContractPresented

    def _ev_now(self) -> EvRequest:
        """What the EV on the cable said: nothing until the link reports an EV session begun after the
        last unplug (what the link holds of the car before is the last car's)."""
        if not self.plugged:
            self._gone_session = self.link.request.session
            return UNPLUGGED
        return self.link.request if self.link.request.session > self._gone_session else NOT_HEARD

    def _follow_session(self) -> None:
        """The session an EV's MeteringReceipt belongs to: this plug-in's, running or just ended (the EV
        signs the last reading after the stop notice, when the session has already ended)."""
        if not self.plugged:
            self.receipt_session = None
        elif self.session is not None:
            self.receipt_session = self.session.local_id

    def _present_contract(self) -> None:
        """Plug & Charge: a contract the EV presented is authorized like a card (once per plug-in)."""
        if not self.plugged:
            self._contract_told, self.contract_status = None, None
            return
        contract = self.ev.contract
        if contract is not None and contract != self._contract_told and self.session is None:
            self._contract_told = contract
            self.publish(ContractPresented(self.id, contract.emaid, contract.certificate))

    def _meter_for_ev(self, reading) -> dict:
        """The connector's meter register for the EV (ISO 15118-20 MeterInfo for an EV that asks; ISO 15118-2
        MeteringReceipt, asked every `metering_receipt_s` of a Plug & Charge session), in whole Wh so that
        it changes the message about once a meter poll; None while no fresh reading is in (the SECC keeps
        the last value of every field it was sent)."""
        if reading is None:
            return {"meter_wh": None, "meter_id": None, "receipt_s": self._receipt_s}
        return {"meter_wh": round(reading.energy_wh), "meter_id": (reading.serial or self._meter_name)[:32],
                "receipt_s": self._receipt_s}

    def _schedule_events(self, now: float) -> None:
        for event in self.rounds.step(now, self.wall, self.ev, getattr(self.link, "protocol", None),
                                      self.max_power_w, self.session is not None):
            self.publish(event)

    def contract_answered(self, accepted: bool) -> None:
        """What the authorization decided for the EV's contract: the EV hears it in its Authorization."""
        self.contract_status = "accepted" if accepted else "rejected"

    def offer_schedule(self, round_: int, periods: list[tuple[int, float]]) -> None:
        """The schedule the EV is offered for its round `round_` (firmware.dc.schedule_rounds)."""
        self.rounds.offer(round_, periods)

    def renegotiate_schedule(self) -> bool:
        """The session's limits changed (a new charging profile): an ISO 15118-2 EV charging is asked to
        renegotiate its schedule (OCPP 2.0.1 K16). False when no EV here can."""
        return self.rounds.renegotiate(self.ev, getattr(self.link, "protocol", None))

"""What the EV last said over the high-level communication (DIN SPEC 70121 / ISO 15118-2, DC or AC), in
neutral words. The HLC bridge fills it from the child process's messages; the power path reads it
on each tick and never waits for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# The EV's phase of the message sequence, as the power path needs to know it (DC; AC has fewer).
NONE = "none"
CABLE_CHECK = "cable_check"  # CableCheckReq
PRECHARGE = "precharge"  # PreChargeReq
POWER_ON = "power_on"  # PowerDeliveryReq with ChargeProgress Start
CURRENT_DEMAND = "current_demand"  # CurrentDemandReq
CHARGING_STATUS = "charging_status"  # AC: PowerDeliveryReq Start answered, ChargingStatusReq from here on
RENEGOTIATE = "renegotiate"  # PowerDeliveryReq with ChargeProgress Renegotiate: a new schedule round, power on
POWER_OFF = "power_off"  # PowerDeliveryReq with ChargeProgress Stop
WELDING = "welding"  # WeldingDetectionReq
ENDED = "ended"  # SessionStopReq, or the link closed after it


@dataclass(frozen=True)
class Contract:
    """Plug & Charge: the contract the EV presented in its PaymentDetailsReq (ISO 15118-2)."""

    emaid: str  # the e-mobility account id, the session's id token (type eMAID)
    certificate: str  # the contract certificate chain, PEM, leaf first


@dataclass(frozen=True)
class EvProfile:
    """The ChargingProfile of an EV's PowerDeliveryReq: (start s, max W) from the request's time."""

    round: int
    entries: tuple[tuple[int, float], ...]


@dataclass
class EvRequest:
    stage: str = NONE
    max_voltage_v: float | None = None  # ChargeParameterDiscoveryReq EVMaximumVoltageLimit
    max_current_a: float | None = None  # EVMaximumCurrentLimit (AC: EVMaxCurrent)
    min_current_a: float | None = None  # AC: EVMinCurrent
    target_voltage_v: float = 0.0  # PreChargeReq / CurrentDemandReq EVTargetVoltage
    target_current_a: float = 0.0  # EVTargetCurrent
    soc_pct: float | None = None  # DC_EVStatus EVRESSSOC
    ev_contactors_closed: bool = False  # what the EV told (PowerDelivery Start until Stop)
    error: str | None = None  # DC_EVStatus EVErrorCode other than NO_ERROR
    heard_at: float | None = None  # monotonic time of its last message
    contract: Contract | None = None  # Plug & Charge: set once the EV presented its contract
    session: int = 0  # which of the link's EV sessions this is (a plug-in's EV is a new one)
    # ISO 15118 smart charging (OCPP 2.0.1 K15): the EV's ChargeParameterDiscovery rounds so far,
    # what it asked for in the last one, and the ChargingProfile it chose from the offered schedule.
    schedule_round: int = 0
    departure_s: int | None = None  # DepartureTime: seconds from the request
    energy_request_wh: float | None = None  # EVEnergyRequest
    ev_profile: EvProfile | None = None


class EvLinkPort(Protocol):
    """The control thread's end of the EV link (firmware.dc.hlc_bridge.HlcBridge). `request` is
    replaced whole by the link, never changed in place, so a tick reads one message's values;
    `tell` hands the power path's state to the EV and returns at once."""

    request: EvRequest
    protocol: str | None
    slac_state: str | None  # how far SLAC got (firmware.dc.slac_link), None without a SLAC link

    def tell(self, status: dict) -> None: ...

    def pilot(self, state: str, digital: bool) -> None: ...

"""A simulated EV: the resistors it puts on the pilot and the current it takes."""

from __future__ import annotations

from dataclasses import dataclass


# IEC 61851-1 Table A.4: CP high level seen at the EVSE with the EV's R2/R3
# switched in, per state (A: open circuit, B: 2.74 kOhm, C: 882 Ohm, D: 246 Ohm).
HIGH_LEVEL_V = {"A": 12.0, "B": 9.0, "C": 6.0, "D": 3.0}


def ev_reads_duty(duty_pct: float) -> float:
    """The EV's side of the duty table (IEC 61851-1 Table A.8): amps allowed.

    Written apart from firmware's encoder on purpose, so the bench checks the
    controller against an independent reading, as a real car would.
    """
    if 8.0 <= duty_pct < 10.0:
        return 6.0
    if 10.0 <= duty_pct <= 85.0:
        return duty_pct * 0.6
    if 85.0 < duty_pct <= 96.0:
        return (duty_pct - 64.0) * 2.5
    if 96.0 < duty_pct <= 97.0:
        return 80.0
    return 0.0


def digital_duty(duty_pct: float) -> bool:
    """About 5 %: digital communication required (IEC 61851-1 Table A.8, 3 % to 7 %)."""
    return 3.0 <= duty_pct <= 7.0


@dataclass
class SimulatedEV:
    state: str = "A"
    max_current_a: float = 32.0
    diode_ok: bool = True
    renegotiations: int = 0  # times the bench asked an ISO 15118-2 EV for a new schedule
    # A car on the digital link (an ISO 15118-2 AC car, hal.mock.ac_hlc_bench, or a DC car, hal.mock.dc_bench):
    # at 5 % its charging controller decides its pilot state and (AC) its draw, {"state": "B" | "C", "draw_a"};
    # `state` is then only the driver's wish (A: unplugged).
    hlc: bool = False
    digital: dict | None = None

    def pilot_high_v(self, duty_pct: float | None = None) -> float:
        if self._talking(duty_pct):
            return HIGH_LEVEL_V[self.digital["state"] if self.digital else "B"]  # it waits for the link in B
        return HIGH_LEVEL_V[self.state]

    def draw_a(self, duty_pct: float) -> float:
        """What the EV takes per phase once the contacts are closed.

        It obeys the duty it reads (as an EV does, per the duty->current table)
        and its own limit, and takes nothing unless it asks for energy. At 5 % an
        ISO 15118-2 car takes what its controller chose from the charger's EVSEMaxCurrent.
        """
        if self.state not in ("C", "D"):
            return 0.0
        if self._talking(duty_pct):
            on = self.digital is not None and self.digital["state"] == "C"
            return min(self.digital["draw_a"], self.max_current_a) if on else 0.0
        return min(ev_reads_duty(duty_pct), self.max_current_a)

    def _talking(self, duty_pct: float | None) -> bool:
        return self.hlc and self.state != "A" and duty_pct is not None and digital_duty(duty_pct)

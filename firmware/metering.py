"""Polls every meter off the control thread and keeps the latest good value.

Meters may block (Modbus), so reads run in worker threads; the safety loop
never waits for them. Meters sharing a bus are polled in turn by one task per
bus; a meter that does not answer is marked offline and then tried only every
`offline_retry_s`, so its timeouts cannot starve the others on the line.
Every reading keeps the monotonic time it was taken: `fresh()` refuses one
older than `stale_after_s`, so a stale value is never reported as current.
A register that runs backwards or a serial number that changes latches an
integrity fault: that meter's data is not trusted for billing until restart.

A signing meter (hal.interfaces.SigningMeter) also opens and closes a signed
transaction per session; its refusals are faults the CSMS sees: a legal clock
that does not take the time, a failed signature, and a public key other than
the one the charger knew (kept in the store, so a swap while off is seen too).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from firmware.clock import Clock
from firmware.events import MeterOnlineChanged
from hal.errors import HalError, SigningError
from hal.interfaces import SigningMeter
from hal.types import MeterReading, SignedRecord, SignedStart

log = logging.getLogger(__name__)

OFFLINE = "meter_offline"
BACKWARDS = "meter_backwards"
REPLACED = "meter_replaced"
SIGNATURE = "meter_signature"  # the meter refused or failed its signed transaction
CLOCK = "meter_clock"  # the meter's legal clock did not take the time
KEY_CHANGED = "meter_key_changed"  # the signing key is not the one known for this connector
SIGNING_FAULT = {"clock": CLOCK, "signature": SIGNATURE, "state": SIGNATURE}
BACKWARDS_TOLERANCE_WH = 1.0  # float32 kWh registers round; less than this is noise


class Metering:
    def __init__(self, meters: dict, bus, cfg, on_health: Callable[[int, bool], None] | None = None,
                 on_reading: Callable[[], None] | None = None, clock=None, store=None):
        self._meters = meters  # {connector id, 0 = site: Meter}
        self._clock = clock or Clock()
        self._bus = bus
        self.cfg = cfg
        self._on_health = on_health or (lambda cid, ok: None)
        self._on_reading = on_reading or (lambda: None)  # the safety loop judges a new reading at once
        self.latest: dict[int, MeterReading | None] = {cid: None for cid in meters}
        self.faults: dict[int, set[str]] = {cid: set() for cid in meters}
        self._retry_at: dict[int, float] = {cid: 0.0 for cid in meters}
        self.cycle_starts: list[float] = []  # for the poll-jitter benchmark
        self._store = store  # where each signing meter's public key is kept (MeterPublicKey<n>)

    @property
    def online(self) -> dict[int, bool]:
        return {cid: OFFLINE not in f for cid, f in self.faults.items()}

    def healthy(self, cid: int) -> bool:
        return not self.faults.get(cid)

    def fresh(self, cid: int) -> MeterReading | None:
        reading = self.latest.get(cid)
        if reading is None or self._clock.monotonic() - reading.taken_at > self.cfg.stale_after_s:
            return None
        return reading

    async def read_now(self, cid: int) -> MeterReading | None:
        """A new reading, or None when the meter does not answer."""
        try:
            reading = await asyncio.to_thread(self._meters[cid].read)
        except HalError as exc:
            self._failed(cid, str(exc))
            return None
        self._accept(cid, reading)
        return reading

    async def run(self) -> None:
        lines: dict[int, list[int]] = {}
        for cid, meter in self._meters.items():
            lines.setdefault(id(getattr(meter, "bus", meter)), []).append(cid)
        await asyncio.gather(*(self._poll_line(cids) for cids in lines.values()))

    async def _poll_line(self, cids: list[int]) -> None:
        next_cycle = self._clock.monotonic()
        while True:
            self.cycle_starts.append(self._clock.monotonic())
            del self.cycle_starts[:-1000]
            for cid in cids:
                if OFFLINE in self.faults[cid] and self._clock.monotonic() < self._retry_at[cid]:
                    continue
                await self.read_now(cid)
            next_cycle += self.cfg.poll_s
            delay = next_cycle - self._clock.monotonic()
            if delay < 0:  # the line is slower than poll_s: start again at once, no catching up
                next_cycle = self._clock.monotonic()
                delay = 0
            await asyncio.sleep(delay)

    # ---- signed transactions (calibration law) -------------------------------------------
    def signs(self, cid: int) -> bool:
        return isinstance(self._meters.get(cid), SigningMeter)

    async def begin_signed(self, cid: int, start: SignedStart) -> SignedRecord | None:
        """Begin the meter's signed transaction: its signed begin reading when it gives one; None
        for a meter that does not sign, one that gives it only at the end, or a failure (a fault)."""
        if not self.signs(cid):
            return None
        meter = self._meters[cid]
        got = await self._signing(cid, lambda: (meter.public_key(), meter.begin_signed(start)),
                                  f"could not begin the signed transaction of session {start.transaction_id}")
        if got is None:
            return None
        key, signed = got
        self._check_key(cid, key)
        log.info("connector %s: meter began signed transaction for session %s", cid, start.transaction_id)
        return signed

    async def end_signed(self, cid: int, transaction_id: str, recovering: bool = False) -> SignedRecord | None:
        """End the meter's signed transaction and return its record; None (and a fault) when it could not.
        `recovering`: a session a restart interrupted, whose meter may have had nothing open (no fault then)."""
        if not self.signs(cid):
            return None
        meter = self._meters[cid]
        signed = await self._signing(cid, lambda: meter.end_signed(transaction_id),
                                     f"no signed record for session {transaction_id}", closed_ok=recovering)
        if signed is not None:
            log.info("connector %s: meter signed the record of session %s", cid, transaction_id)
        return signed

    async def sign_reading(self, cid: int, transaction_id: str) -> SignedRecord | None:
        """A signed reading during the session's signed transaction; None (and a fault if the meter
        failed) when there is none. A transaction the session's end closed in the meter meanwhile is
        no fault: that reading goes unsigned."""
        if not self.signs(cid):
            return None
        meter = self._meters[cid]
        return await self._signing(cid, lambda: meter.sign_reading(transaction_id),
                                   f"no signed reading during session {transaction_id}", closed_ok=True)

    async def _signing(self, cid: int, call, what: str, closed_ok: bool = False):
        """One exchange with a signing meter off the control thread: its answer (a record's key
        checked), or None and the fault it earned. `closed_ok`: a meter with no transaction open
        is no fault."""
        try:
            answer = await asyncio.to_thread(call)
        except SigningError as exc:
            if closed_ok and exc.kind == "state":
                log.info("connector %s: %s: the meter had no signed transaction open", cid, what)
            else:
                self._signing_failed(cid, exc, what)
            return None
        except HalError as exc:
            self._signing_failed(cid, exc, what)
            return None
        if isinstance(answer, SignedRecord):
            self._check_key(cid, answer.public_key)
        self._signing_ok(cid)
        return answer

    def public_key(self, cid: int) -> str | None:
        return self._store.get(f"meter.public_key.{cid}") if self._store is not None else None

    def _check_key(self, cid: int, key: str) -> None:
        known = self.public_key(cid)
        if known is None and self._store is not None:
            self._store.put(f"meter.public_key.{cid}", key)
        elif known is not None and known != key:
            log.error("connector %s: the meter signs with a new public key; the one known was %s...", cid, known[:24])
            self._set_fault(cid, KEY_CHANGED, True)
            if self._store is not None:
                self._store.put(f"meter.public_key.{cid}", key)  # the CSMS must learn the key records now carry

    def _signing_failed(self, cid: int, exc: HalError, what: str) -> None:
        kind = SIGNING_FAULT.get(exc.kind, SIGNATURE) if isinstance(exc, SigningError) else SIGNATURE
        log.error("connector %s: %s: %s", cid, what, exc)
        self._set_fault(cid, kind, True)

    def _signing_ok(self, cid: int) -> None:
        for kind in (CLOCK, SIGNATURE):
            if kind in self.faults[cid]:
                self._set_fault(cid, kind, False)

    def _failed(self, cid: int, why: str) -> None:
        self._retry_at[cid] = self._clock.monotonic() + self.cfg.offline_retry_s
        if OFFLINE not in self.faults[cid]:
            log.warning("connector %s: meter offline: %s", cid, why)
            self._set_fault(cid, OFFLINE, True)

    def _accept(self, cid: int, reading: MeterReading) -> None:
        previous = self.latest[cid]
        if previous is not None and reading.taken_at < previous.taken_at:
            # Two reads crossed in their threads (a poll and a billing read at stop): the newer one
            # stands, or the status would show less than the session was billed from.
            return
        if previous is not None:
            if reading.energy_wh < previous.energy_wh - BACKWARDS_TOLERANCE_WH:
                log.error("connector %s: meter register went back from %.1f to %.1f Wh",
                          cid, previous.energy_wh, reading.energy_wh)
                self._set_fault(cid, BACKWARDS, True)
            if previous.serial and reading.serial and previous.serial != reading.serial:
                log.error("connector %s: meter serial changed %s -> %s", cid, previous.serial, reading.serial)
                self._set_fault(cid, REPLACED, True)
        self.latest[cid] = reading
        self._on_reading()
        if OFFLINE in self.faults[cid]:
            log.warning("connector %s: meter back online", cid)
            self._set_fault(cid, OFFLINE, False)

    def _set_fault(self, cid: int, kind: str, active: bool) -> None:
        was_ok = self.healthy(cid)
        (self.faults[cid].add if active else self.faults[cid].discard)(kind)
        self._bus.publish(MeterOnlineChanged(cid, self.healthy(cid), frozenset(self.faults[cid])))
        if was_ok != self.healthy(cid):
            self._on_health(cid, self.healthy(cid))

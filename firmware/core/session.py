"""A charging session as the charger model knows it, independent of OCPP."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from firmware.core.vocabulary import StopReason

__all__ = ["Session", "StopReason"]


@dataclass
class Session:
    connector_id: int
    id_tag: str
    started_at: datetime
    local_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_mono: float = field(default_factory=time.monotonic)  # durations never follow wall-clock jumps
    meter_start_wh: float | None = None
    parent_id_tag: str | None = None
    reservation_id: int | None = None  # the reservation this session used (StartTransaction.reservationId)
    ended_at: datetime | None = None
    meter_stop_wh: float | None = None
    stop_reason: StopReason | None = None
    # A signing meter's records (hal.types.SignedRecord): its signed begin reading, when it gives one
    # at once, and its record of the whole session at the end.
    signed_begin: object | None = None
    signed: object | None = None

"""Commissioning steps that depend on the kind of hardware (the CLI's `evse calibrate`)."""

from __future__ import annotations

from hal.types import CheckResult


def calibrate(board, hal, data_dir) -> list[CheckResult]:
    if board.hal == "rpi":
        from hal.rpi.commission import calibrate as calibrate_rpi

        return calibrate_rpi(board, hal, data_dir)
    return [CheckResult("station", "pilot calibration", "SKIP", f"hal {board.hal!r} has no ADC to calibrate")]

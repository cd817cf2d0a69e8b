"""Opening an I2C bus with an error that says what to check."""

from __future__ import annotations

from hal.errors import HalError


def open_smbus(bus: int, device: str):
    from smbus2 import SMBus

    try:
        return SMBus(bus)
    except OSError as exc:
        raise HalError(f"{device}: /dev/i2c-{bus}: {exc.strerror or exc} (is I2C enabled?)") from exc

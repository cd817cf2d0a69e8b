"""Raspberry Pi drivers: gpiozero for relays and inputs.

The control-pilot front end (PWM out, ADC for CP/PP levels) lands with the
real-board work (issue 7); until then `create_rpi_hal` refuses to start
rather than run a charger without its pilot.
"""

from __future__ import annotations

from hal.errors import HalError


def create_rpi_hal(board, wake):
    raise HalError(
        "hal 'rpi': the control-pilot ADC/PWM driver is not implemented yet; "
        "use a mock board config (board-configs/bench.toml)"
    )

"""Hardware abstraction: the only package that touches real devices.

`create(board)` returns a `Hal` for the board config; `firmware/` talks to it
through the Protocols in `hal.interfaces` only.
"""

from __future__ import annotations

from typing import Callable

from hal.interfaces import Hal


def create(board, wake: Callable[[], None], state_dir=None) -> Hal:
    """Build the HAL named by `board.hal` ("mock" or "rpi").

    `wake` is called from driver callbacks (GPIO edges, bench changes) so the
    control loop reacts at once instead of at its next periodic tick.
    `state_dir` is where the mock bench keeps its physical state across restarts.
    """
    if board.hal == "mock":
        from hal.mock import create_mock_hal

        from pathlib import Path

        state = Path(state_dir) / "bench-state.json" if state_dir is not None else None
        return create_mock_hal(board, wake, state)
    if board.hal == "rpi":
        from hal.rpi import create_rpi_hal

        return create_rpi_hal(board, wake, state_dir)
    raise ValueError(f"unknown hal {board.hal!r}")

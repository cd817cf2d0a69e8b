"""Raspberry Pi boards: everything of a board config's [rpi] and pins, behind hal.interfaces.

`create_rpi_hal` takes the test seams real hardware does not need
(`pin_factory`, `sysfs_root`, `smbus`, `w1_root`, `serial_factory`), so the
same construction runs in the tests on gpiozero's MockFactory, a fake sysfs
tree and a simulated I2C bus.
"""

from __future__ import annotations

import importlib
from typing import Callable

from hal.errors import HalError
from hal.interfaces import ConnectorHal, Hal

FACTORIES = {
    "lgpio": "gpiozero.pins.lgpio:LGPIOFactory",
    "rpigpio": "gpiozero.pins.rpigpio:RPiGPIOFactory",
    "pigpio": "gpiozero.pins.pigpio:PiGPIOFactory",
    "native": "gpiozero.pins.native:NativeFactory",
    "mock": "gpiozero.pins.mock:MockFactory",
}


def pin_factory_named(name: str | None):
    if name is None:
        return None  # gpiozero picks the best one installed
    module, cls = FACTORIES[name].split(":")
    try:
        return getattr(importlib.import_module(module), cls)()
    except ImportError as exc:
        raise HalError(f"pin factory {name!r} is not installed ({exc.name}): install the [rpi] extra, "
                       "pip install 'evse-controller[rpi]', on the Raspberry Pi") from exc
    except Exception as exc:  # the factory's own "not a Raspberry Pi" errors
        raise HalError(f"pin factory {name!r} cannot start here: {exc}; an rpi board config needs a "
                       "Raspberry Pi (use a bench board config on other machines)") from exc


def create_rpi_hal(board, wake: Callable[[], None], state_dir=None, *, pin_factory=None, sysfs_root=None,
                   smbus=None, w1_root=None, serial_factory=None) -> Hal:
    from hal.rpi.build import RpiBuilder

    rpi = board.rpi
    factory = pin_factory if pin_factory is not None else pin_factory_named(rpi.pin_factory)
    builder = RpiBuilder(board, wake, factory, state_dir, sysfs_root=sysfs_root, smbus=smbus, w1_root=w1_root,
                         serial_factory=serial_factory)
    try:
        return builder.build()
    except HalError:
        builder.release()
        raise
    except Exception as exc:  # gpiozero's pin errors, a busy device: name it, release what was taken
        builder.release()
        raise HalError(f"board {board.name!r}: {type(exc).__name__}: {exc}") from exc


__all__ = ["create_rpi_hal", "ConnectorHal"]

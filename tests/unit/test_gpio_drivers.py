"""gpiozero relay and inputs on gpiozero's MockFactory, as gpiozero tests its own devices."""

from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hal.interfaces import BinaryInput, Contactor
from hal.rpi.gpio import GpioContactor, GpioInput


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.reset()


def test_contactor_drives_the_coil_and_reads_the_aux_contact(factory):
    contactor = GpioContactor(17, 27, pin_factory=factory)
    assert isinstance(contactor, Contactor)
    coil, aux = factory.pin(17), factory.pin(27)
    assert coil.state is False  # starts open: a reboot never closes the contactor
    contactor.close()
    assert coil.state is True
    aux.drive_high()
    assert not contactor.feedback_closed()
    aux.drive_low()  # the closed aux contact pulls the pulled-up pin to ground
    assert contactor.feedback_closed()
    contactor.open()
    assert coil.state is False


def test_active_low_coil(factory):
    contactor = GpioContactor(5, 6, pin_factory=factory, coil_active_high=False)
    assert factory.pin(5).state is True  # inactive = high
    contactor.close()
    assert factory.pin(5).state is False


def test_input_reports_trip_and_wakes_the_loop(factory):
    wakes = []
    rcd = GpioInput(22, pin_factory=factory, on_change=lambda: wakes.append(1))
    assert isinstance(rcd, BinaryInput)
    pin = factory.pin(22)
    pin.drive_high()
    assert not rcd.active()
    pin.drive_low()
    assert rcd.active()
    pin.drive_high()
    assert not rcd.active()
    assert len(wakes) >= 2  # each edge woke the control loop


def test_contactor_feedback_edges_wake_the_loop(factory):
    wakes = []
    contactor = GpioContactor(17, 27, pin_factory=factory, on_change=lambda: wakes.append(1))
    factory.pin(27).drive_low()
    factory.pin(27).drive_high()
    assert len(wakes) == 2
    contactor.release()


def test_a_board_that_cannot_open_its_pins_is_a_clear_error(tmp_path):
    """On a machine without lgpio (this one, or a Pi with the service still holding the pins)."""
    from firmware.config import load_board
    from hal.errors import HalError
    from hal.rpi import create_rpi_hal

    board = load_board(Path(__file__).resolve().parents[2] / "board-configs/rpi4-1x1ph-32a.toml")
    with pytest.raises(HalError, match="pin factory 'lgpio'"):
        create_rpi_hal(board, lambda: None, tmp_path)

"""Raspberry Pi board configs: the shipped ones load, and each wiring mistake is named."""

from pathlib import Path

import pytest

from firmware.config import ConfigError, load_board

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "board-configs/rpi4-1x1ph-32a.toml").read_text()


@pytest.mark.parametrize("name, model, sockets, phases, amps", [
    ("rpi4-1x1ph-32a.toml", "pi4", 1, 1, 32.0),
    ("rpi4-2x3ph-32a.toml", "pi4", 2, 3, 32.0),
    ("rpi5-1x1ph-32a.toml", "pi5", 1, 1, 32.0),
    ("rpi5-2x3ph-16a.toml", "pi5", 2, 3, 16.0),
])
def test_shipped_rpi_boards(name, model, sockets, phases, amps):
    board = load_board(ROOT / "board-configs" / name)
    assert (board.rpi.model, len(board.connectors), board.phases) == (model, sockets, phases)
    assert all(c.max_current_a == amps and c.pins.lock_feedback is not None for c in board.connectors)


def load_with(tmp_path, old, new):
    assert old in BASE, old
    path = tmp_path / "mine.toml"
    path.write_text(BASE.replace(old, new, 1))
    return lambda: load_board(path)


@pytest.mark.parametrize("old, new, message", [
    ("contactor = 17", "contactor = 5", "connectors[0].pins.contactor = 5: BCM pin 5 is already used by rpi.estop_pin"),
    ("contactor = 17", "contactor = 10", "BCM pin 10 is already used by SPI0 MOSI"),
    ("contactor = 17", "contactor = 28", "connectors[0].pins.contactor = 28 is out of range [0, 27]"),
    ("pwm_pin = 18", "pwm_pin = 20", "pwm_pin = 20 has no hardware PWM; allowed: [12, 13, 18, 19]"),
    ("cp_low_channel = 1", "cp_low_channel = 0", "cp_low_channel = 0: ADC channel 0 is already"),
    ("ntc_channel = 3", "ntc_channel = 2", "rpi.ntc_channel = 2: ADC channel 2 is already"),
    ("ntc_channel = 3\n", "", "rpi.ntc_channel is required with rpi.temperature = 'ntc'"),
    ("pp_channel = 2\n", "", "pp_channel is required for a socket"),
    ("lock_feedback = 16\n", "", "a lock needs lock, unlock and lock_feedback together"),
    ('reader_port = "/dev/ttyUSB0"\n', "", "rpi.reader_port is required with rpi.reader = 'serial'"),
    ('adc = "mcp3008"', 'adc = "mcp3208"', "rpi.adc = 'mcp3208' is not one of ['mcp3008', 'ads1115']"),
    ('model = "pi4"', 'model = "pi3"', "rpi.model = 'pi3' is not one of ['pi4', 'pi5']"),
    ('pin_factory = "lgpio"', 'pin_factory = "pigpio"\nmodel_x = 1', "unknown key rpi.model_x"),
    ("rcd_test = 23", "rcd_tset = 23", "unknown key connectors[0].pins.rcd_tset; allowed keys:"),
])
def test_wiring_mistakes_are_named(tmp_path, old, new, message):
    with pytest.raises(ConfigError) as err:
        load_with(tmp_path, old, new)()
    assert message in str(err.value) and "mine.toml" in str(err.value)


@pytest.mark.parametrize("board, old, new, message", [
    ("rpi5-1x1ph-32a", '"lgpio"', '"pigpio"', "pigpio.*does not drive a Pi 5"),
    ("rpi5-1x1ph-32a", "ntc_channel = 3", "ntc_channel = 5", "the ads1115 has channels 0 to 3"),
    ("rpi4-2x3ph-32a", "pwm_channel = 1", "pwm_channel = 0", "pwmchip0/pwm0 drives another connector"),
])
def test_board_specific_mistakes(tmp_path, board, old, new, message):
    path = tmp_path / "mine.toml"
    path.write_text((ROOT / f"board-configs/{board}.toml").read_text().replace(old, new))
    with pytest.raises(ConfigError, match=message):
        load_board(path)

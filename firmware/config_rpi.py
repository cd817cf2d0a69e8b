"""Cross-checks of a Raspberry Pi board config: what one key alone cannot show.

A pin used twice, an ADC channel the chip does not have, a PWM pin without
hardware PWM, a bus pin taken by a relay: each is an error naming the key,
the file and what is allowed, before any GPIO is touched.
"""

from __future__ import annotations

from pathlib import Path

from firmware.config import ConfigError

ADC_CHANNELS = {"mcp3008": 8, "ads1115": 4}
# Pins the buses own (BCM): SPI0 with its chip selects, I2C1, the 1-wire default.
SPI0_PINS = {9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK"}
SPI0_CE = {0: 8, 1: 7}
I2C1_PINS = {2: "I2C1 SDA", 3: "I2C1 SCL"}
W1_PIN = {4: "1-wire"}
# Pins with a hardware PWM channel on the Pi 4 and the Pi 5 (BCM2711 PWM0/1, RP1 PWM0).
HARDWARE_PWM_PINS = (12, 13, 18, 19)


def check_rpi(board, path: Path) -> None:
    rpi = board.rpi
    if rpi.model == "pi5" and rpi.pin_factory in ("pigpio", "rpigpio"):
        raise ConfigError(f"{path}: rpi.pin_factory = {rpi.pin_factory!r} does not drive a Pi 5; "
                          f"allowed there: 'lgpio', 'native' or unset")
    pins = _bus_pins(rpi)
    for key, pin in _charger_pins(rpi):
        _claim(pins, pin, key, path)
    channels: dict[int, str] = {}
    pwm_channels: set[tuple[int, int]] = set()
    for index, c in enumerate(board.connectors):
        _check_connector(board, c, f"connectors[{index}].pins", pins, channels, pwm_channels, path)
    _check_sensors(rpi, channels, path)


def _bus_pins(rpi) -> dict[int, str]:
    if rpi.adc == "mcp3008":
        pins = dict(SPI0_PINS)
        pins[SPI0_CE[rpi.adc_spi_device]] = f"SPI0 CE{rpi.adc_spi_device} (rpi.adc)"
    else:
        pins = dict(I2C1_PINS) if rpi.adc_i2c_bus == 1 else {}
    if rpi.temperature == "ds18b20":
        pins.update(W1_PIN)
    return pins


def _charger_pins(rpi):
    yield "rpi.estop_pin", rpi.estop_pin
    for key in ("power_fail_pin", "tamper_pin"):
        if getattr(rpi, key) is not None:
            yield f"rpi.{key}", getattr(rpi, key)


def _claim(pins: dict[int, str], pin: int, key: str, path: Path) -> None:
    if pin in pins:
        raise ConfigError(f"{path}: {key} = {pin}: BCM pin {pin} is already used by {pins[pin]}")
    pins[pin] = key


def _check_connector(board, c, where: str, pins, channels, pwm_channels, path: Path) -> None:
    p = c.pins
    for name in ("contactor", "contactor_feedback", "rcd", "rcd_test", "pwm_pin", "lock", "unlock",
                 "lock_feedback"):
        if getattr(p, name) is not None:
            _claim(pins, getattr(p, name), f"{where}.{name}", path)
    if p.pwm == "sysfs" and p.pwm_pin not in HARDWARE_PWM_PINS:
        raise ConfigError(f"{path}: {where}.pwm_pin = {p.pwm_pin} has no hardware PWM; "
                          f"allowed: {list(HARDWARE_PWM_PINS)} (or pwm = 'gpiozero')")
    if p.pwm == "sysfs":
        if (p.pwm_chip, p.pwm_channel) in pwm_channels:
            raise ConfigError(f"{path}: {where}: pwmchip{p.pwm_chip}/pwm{p.pwm_channel} drives another connector")
        pwm_channels.add((p.pwm_chip, p.pwm_channel))
    if c.kind == "dc" and c.dc.isolation_alarm_pin is not None:
        _claim(pins, c.dc.isolation_alarm_pin, f"{where.removesuffix('.pins')}.dc.isolation_alarm_pin", path)
    if (p.lock is None) != (p.unlock is None) or (p.lock is not None and p.lock_feedback is None):
        raise ConfigError(f"{path}: {where}: a lock needs lock, unlock and lock_feedback together")
    if c.cable == "socket" and p.pp_channel is None:
        raise ConfigError(f"{path}: {where}.pp_channel is required for a socket (cable = 'socket')")
    for name in ("cp_high_channel", "cp_low_channel", "pp_channel"):
        _claim_channel(board.rpi, channels, getattr(p, name), f"{where}.{name}", path)


def _claim_channel(rpi, channels, channel: int | None, key: str, path: Path) -> None:
    if channel is None:
        return
    limit = ADC_CHANNELS[rpi.adc]
    if channel >= limit:
        raise ConfigError(f"{path}: {key} = {channel}: the {rpi.adc} has channels 0 to {limit - 1}")
    if channel in channels:
        raise ConfigError(f"{path}: {key} = {channel}: ADC channel {channel} is already {channels[channel]}")
    channels[channel] = key


def _check_sensors(rpi, channels, path: Path) -> None:
    if rpi.temperature == "ntc":
        if rpi.ntc_channel is None:
            raise ConfigError(f"{path}: rpi.ntc_channel is required with rpi.temperature = 'ntc'")
        _claim_channel(rpi, channels, rpi.ntc_channel, "rpi.ntc_channel", path)
    if rpi.reader == "serial" and not rpi.reader_port:
        raise ConfigError(f"{path}: rpi.reader_port is required with rpi.reader = 'serial'")

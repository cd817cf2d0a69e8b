"""The tables of docs/hardware.md, made from the code and the board configs.

test_docs_hardware checks that the document holds exactly these; after a
change, `python tests/doc_tables.py` prints them to paste.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from firmware.config import load_board  # noqa: E402
from firmware.core.faults import FAULTS, RETRY  # noqa: E402
from firmware.ocpp.v16.status import ERROR_CODE  # noqa: E402

RPI_BOARDS = ("rpi4-1x1ph-32a", "rpi4-2x3ph-32a", "rpi5-1x1ph-32a", "rpi5-2x3ph-16a")
PILOT = {"F": "state F (-12 V)", "x1": "+12 V, no PWM", None: "unchanged"}
ACTION = {"trip": "contactor open, session ends", "hold": "0 A offered (SuspendedEVSE)", "report": "status only"}
RECOVERY = {
    "auto": "automatic when the condition is gone",
    "unplug": "when the EV is unplugged",
    "retry": "automatic after the retry wait; latched when it trips more than retry_limit times in an hour",
    "reset": "latched until reset (OCPP Reset, restart)",
}


def fault_table() -> str:
    rows = ["| Fault | Detected by | Action | Pilot | OCPP 1.6 errorCode | Recovery |",
            "|---|---|---|---|---|---|"]
    for f in FAULTS:
        recovery = RECOVERY[f.recovery]
        if f.recovery == RETRY:
            recovery += f" ({'rcd_retry_s' if f.name == 'rcd' else 'overcurrent_retry_s'})"
        rows.append(f"| `{f.name}` | {f.detected_by} | {ACTION[f.action]} | {PILOT[f.pilot]} | "
                    f"{ERROR_CODE[f.name]} | {recovery} |")
    return "\n".join(rows)


def _gpio(pin) -> str:
    return "-" if pin is None else f"GPIO{pin}"


def wiring_table(name: str) -> str:
    board = load_board(ROOT / "board-configs" / f"{name}.toml")
    rpi = board.rpi
    rows = ["| Signal | Where |", "|---|---|"]
    adc = "MCP3008 (SPI0 CE%d)" % rpi.adc_spi_device if rpi.adc == "mcp3008" else \
        "ADS1115 (I2C%d, 0x%02X)" % (rpi.adc_i2c_bus, rpi.adc_i2c_address)
    for c in board.connectors:
        p, n = c.pins, c.id
        pwm = (f"GPIO{p.pwm_pin}, /sys/class/pwm/pwmchip{p.pwm_chip}/pwm{p.pwm_channel}" if p.pwm == "sysfs"
               else f"GPIO{p.pwm_pin} (gpiozero)")
        rows += [
            f"| C{n} CP oscillator | {pwm} |",
            f"| C{n} CP high detector | {adc} ch {p.cp_high_channel} |",
            f"| C{n} CP low detector | {adc} ch {p.cp_low_channel} |",
            f"| C{n} PP divider | {'-' if p.pp_channel is None else f'{adc} ch {p.pp_channel}'} |",
            f"| C{n} contactor relay | {_gpio(p.contactor)} |",
            f"| C{n} contactor aux contact | {_gpio(p.contactor_feedback)} |",
            f"| C{n} RCM trip / test | {_gpio(p.rcd)} / {_gpio(p.rcd_test)} |",
            f"| C{n} lock motor lock / unlock / switch | {_gpio(p.lock)} / {_gpio(p.unlock)} / "
            f"{_gpio(p.lock_feedback)} |",
        ]
    temp = (f"NTC on {adc} ch {rpi.ntc_channel}" if rpi.temperature == "ntc"
            else "DS18B20 on 1-wire GPIO4")
    rows += [
        f"| E-stop | {_gpio(rpi.estop_pin)} |",
        f"| Power-fail | {_gpio(rpi.power_fail_pin)} |",
        f"| Tamper switch | {_gpio(rpi.tamper_pin)} |",
        f"| Temperature | {temp} |",
        f"| Card reader | {rpi.reader_port or '-'} ({rpi.reader_format}) |",
        f"| Meters (RS-485) | {', '.join(f'{m.model} @{m.address} on {b.port}' for m in board.meters for b in board.buses if b.name == m.bus)} |",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    print(fault_table())
    for name in RPI_BOARDS:
        print(f"\n### {name}\n\n{wiring_table(name)}")

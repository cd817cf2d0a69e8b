"""The CAN protocol of UUGreen power modules (UR100030-SW, UR100040 and their family), frames only.

Established from public open-source drivers of these modules (EVerest's UUGreenPower_UR1000X0
hardware driver and a C driver of the same "YYLN" protocol), not from the vendor's document:

- CAN 2.0B, 29-bit identifiers: protocol number (4 bits, 1) << 25 | controller ("monitor") address
  (4 bits) << 21 | module address (7 bits, 0 = every module) << 14 | production day (5 bits) << 9 |
  serial number low bits (9 bits); a controller sends zeros in the last two.
- Eight data bytes: byte 0 = group << 4 | message type, byte 1 = command, bytes 2-3 reserved, bytes
  4-7 the value, big-endian, unsigned.
- Values in mV and mA; ShutDownDCDC 0 switches the output on, 1 off.
- ModuleStatus: a bit per condition. The drivers disagree on where the word sits; we read it from the
  value bytes 4-7 (STATUS_BITS: value byte, bit). To be confirmed on a real module before trusting
  which bit is which; any bit set stops the output either way.
"""

from __future__ import annotations

import struct

PROTOCOL = 1
EXTENDED_ID_BITS = 29

# message types (byte 0, low nibble)
SET_DATA, SET_DATA_RESPONSE, READ_DATA, READ_DATA_RESPONSE = 0, 1, 2, 3
# commands (byte 1)
VOUT, IOUT_SLOW, VOUT_REFERENCE, IOUT_LIMIT, SHUTDOWN_DCDC, READ_SN, MODULE_STATUS = 0, 1, 2, 3, 4, 5, 8

# ModuleStatus: (value byte, bit) -> what it means, in words for the log and the fault
STATUS_BITS = {
    (0, 0): "AC over-voltage", (0, 1): "AC under-voltage", (0, 2): "AC over-voltage shutdown",
    (0, 3): "PFC bus over-voltage", (0, 4): "PFC bus under-voltage", (0, 5): "PFC bus unbalance",
    (0, 6): "output over-voltage", (0, 7): "output over-voltage shutdown",
    (1, 0): "output under-voltage", (1, 1): "fan stopped", (1, 3): "fan driver failed",
    (1, 4): "over-temperature", (1, 5): "under-temperature", (1, 6): "PFC over-temperature",
    (1, 7): "output relay failed",
    (2, 0): "DC-DC over-temperature", (2, 2): "DC-DC to PFC communication failed", (2, 4): "PFC failed",
    (2, 5): "DC-DC failed",
    (3, 4): "output voltage unbalance", (3, 5): "duplicate serial number on the bus",
    (3, 7): "bleeder circuit failed",
}
# bits that describe the module's state rather than a fault: value byte 3, bits 1-3 (output off/state)
STATE_BITS = {(3, 1), (3, 2), (3, 3)}


def can_id(module: int, controller: int = 1) -> int:
    return (PROTOCOL << 25) | ((controller & 0x0F) << 21) | ((module & 0x7F) << 14)


def parse_id(arbitration_id: int) -> tuple[int, int, int]:
    """(protocol, controller address, module address)."""
    return (arbitration_id >> 25) & 0x0F, (arbitration_id >> 21) & 0x0F, (arbitration_id >> 14) & 0x7F


def payload(message_type: int, command: int, value: int = 0, group: int = 0) -> bytes:
    return bytes([((group & 0x0F) << 4) | (message_type & 0x0F), command & 0xFF, 0, 0]) + struct.pack(">I", value)


def parse_payload(data: bytes) -> tuple[int, int, int]:
    """(message type, command, value); ValueError for a frame that is not eight bytes."""
    if len(data) != 8:
        raise ValueError(f"a UUGreen frame has 8 data bytes, this one {len(data)}")
    return data[0] & 0x0F, data[1], struct.unpack(">I", bytes(data[4:8]))[0]


def status_faults(value: int) -> frozenset[str]:
    raw = struct.pack(">I", value)
    return frozenset(words for (byte, bit), words in STATUS_BITS.items() if raw[byte] >> bit & 1)


def status_word(faults: set[str]) -> int:
    """The inverse, for the simulated module."""
    raw = bytearray(4)
    for (byte, bit), words in STATUS_BITS.items():
        if words in faults:
            raw[byte] |= 1 << bit
    return struct.unpack(">I", bytes(raw))[0]

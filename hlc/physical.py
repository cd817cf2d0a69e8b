"""DIN SPEC 70121 / ISO 15118-2 physical values: value x 10^multiplier in a signed 16-bit integer."""

from __future__ import annotations


def physical(cls, value: float, unit: str):
    """`cls` (one of iso15118's PV... types) holding `value` with the fewest decimal steps dropped."""
    multiplier = 0
    while abs(value) >= 32767 and multiplier < 3:
        value, multiplier = value / 10.0, multiplier + 1
    return cls(multiplier=multiplier, value=int(round(value)), unit=unit)

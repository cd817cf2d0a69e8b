"""A meter reading -> OCPP 2.0.1 SampledValueType items: the measurands, phases and contexts are
the ones 1.6 knows; the value is a number and the unit an UnitOfMeasureType."""

from __future__ import annotations

import base64

from firmware.ocpp.v16.meter_values import sampled_values

REGISTER = "Energy.Active.Import.Register"


def sampled_values_201(reading, measurands: list[str], context: str, location: str = "Outlet",
                       own: dict[str, tuple[float, str]] | None = None) -> list[dict]:
    out = []
    for sv in sampled_values(reading, measurands, context, location, own):
        item = {"value": float(sv["value"]), "context": sv["context"], "measurand": sv["measurand"],
                "location": sv["location"]}
        if "phase" in sv:
            item["phase"] = sv["phase"]
        if "unit" in sv:
            item["unitOfMeasure"] = {"unit": sv["unit"]}
        out.append(item)
    return out


def with_signed(values: list[dict], signed, reading, context: str, with_key: bool) -> list[dict]:
    """`values` with a signing meter's record on the energy register (J02, SignedMeterValueType):
    the OCMF record and the public key base64-encoded, the key only when PublicKeyWithSignedMeterValue
    asks for it. Without an energy register among the measurands, one is added to carry it."""
    out = [dict(v) for v in values]
    target = next((v for v in out if v["measurand"] == REGISTER and "phase" not in v), None)
    if target is None:
        if reading is None:
            return out
        target = {"value": float(reading.energy_wh), "context": context, "measurand": REGISTER,
                  "location": "Outlet", "unitOfMeasure": {"unit": "Wh"}}
        out.append(target)
    signed_value = {"signedMeterData": base64.b64encode(signed.data.encode()).decode(),
                    "signingMethod": signed.signing_method, "encodingMethod": signed.encoding}
    if with_key:
        signed_value["publicKey"] = base64.b64encode(bytes.fromhex(signed.public_key)).decode()
    target["signedMeterValue"] = signed_value
    return out

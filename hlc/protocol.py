"""The small local protocol between the controller and its HLC child: one JSON object per line over
a Unix socket, the child connecting. Standard library only: both environments import it.

Child -> controller, whenever the EV says something and at least every HEARTBEAT_S:
  {"type": "ev", "protocol": "ISO_15118_2" | "DIN_SPEC_70121" | ..., "stage": <ev_link stage>,
   "control_mode": under ISO 15118-20, "scheduled" (the EV's targets) or "dynamic" (the charger's),
   "max_voltage_v", "max_current_a", "min_current_a" (AC), "target_voltage_v", "target_current_a", "soc_pct", "error",
   "evcc_id", "cycle": the count of PreCharge and CurrentDemand requests so far,
   "session": the count of EV sessions this child has seen (a new one forgets everything of the last),
   "contract": {"emaid", "certificate": the contract certificate chain in PEM} once the EV chose Plug &
   Charge and sent its PaymentDetailsReq,
   "fresh": true when an EV request caused it, false on a heartbeat (only fresh ones prove the EV is there),
   "schedule_round": the count of ChargeParameterDiscovery rounds of this EV session (a renegotiation
   is a new round), with "departure_s" and "energy_request_wh" when the EV gave them,
   "ev_profile": {"round", "entries": [[start_s, max_w], ...]}: the ChargingProfile the EV sent in its
   PowerDeliveryReq Start (ISO 15118-2)}
Controller -> child, on every change and at least every HEARTBEAT_S:
  {"type": "evse", "state": <power path state>, "present_voltage_v", "present_current_a",
   "isolation": "valid" | "invalid" | "fault" | "none", "authorized": bool,
   "max_voltage_v", "max_current_a", "max_power_w", "fault": str | None,
   "stop": true once the driver or the CSMS ended the session (the EV is told to stop charging),
   "contract": "accepted" | "rejected" | null: what became of the EV's contract (Plug & Charge),
   "schedule": {"round", "periods": [[start_s, max_w], ...] from now}: the charger's answer to that
   round (until it comes, the SECC answers the EV EVSEProcessing Ongoing),
   "meter_wh", "meter_id": the DC meter's register (whole Wh) and name, while a fresh reading is in (ISO
   15118-20 MeterInfo for an EV that asks),
   "renegotiate": a round: the charger's limits changed, the EV whose last round this is is asked
   for a new one (ISO 15118-2 EVSENotification ReNegotiation in its CurrentDemandRes),
   "cp": the pilot's state letter (the SECC checks for C at PowerDeliveryReq Start),
   "receipt_s": a Plug & Charge EV (ISO 15118-2) is asked to sign the meter's reading ("meter_wh",
   "meter_id") this often while charging and once with "stop"; 0 or absent: never,
   on an AC connector (hlc.secc_ac): "state": "charging" while its contactor is closed, else "off" or
   "fault"; "rcd": true on a residual current trip; "nominal_voltage_v";
   "max_current_a": the offer per phase (EVSEMaxCurrent)}
Child -> controller, once for each MeteringReceiptReq of a Plug & Charge EV that the SECC verified (ISO
15118-2 8.4.3.13; hlc.secc_receipts):
  {"type": "receipt", "meter_wh", "meter_id", "t_meter": the MeterInfo the EV signed, "exi": the EV's whole
   message as it came (its header's signature included), base64, "certificate": the contract's leaf, PEM}
Child -> controller, when the EV asks for a contract certificate (ISO 15118-2 CertificateInstallationReq):
  {"type": "certificate", "id": a number of the child's, "action": "Install" | "Update",
   "schema": the EV's schema namespace, "exi": the EV's whole request, EXI in base64}
Controller -> child, the CSMS's answer to it (OCPP 2.0.1 Get15118EVCertificate, M01/M02):
  {"type": "certificate_answer", "id", "status": "Accepted" | "Failed", "exi": the response for the EV}
A line that is not a JSON object of a known type is dropped with a log line; the link stays up.

The SLAC child (hlc.slac_child, ISO 15118-3) has a socket of its own with two messages:
Controller -> child, on every change and at least every HEARTBEAT_S:
  {"type": "pilot", "state": the control pilot's state "A" .. "F", "digital": true while the duty is 5 %}
Child -> controller, on every change and at least every HEARTBEAT_S:
  {"type": "slac", "state": "starting" | "unmatched" | "matching" | "matched" | "failed" | "no_modem",
   "ev_mac": the EV's MAC once matched, "detail": why it failed}
"""

from __future__ import annotations

import json
import os

HEARTBEAT_S = 0.25
# iso15118's EXI codec runs in a JVM, which left to itself sizes its heap for a server: up to 440 MB
# resident measured here; with these, about 140 MB. The child's environment gets them.
JAVA_OPTIONS = "-Xmx64m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
MAX_LINE = 64 * 1024
# The SECC's own certificate folder (iso15118's PKI_PATH layout), from the controller: only the SECC
# takes it as its PKI_PATH; on the bench the EV beside it keeps the environment's (the test PKI).
SECC_PKI_ENV = "EVSE_SECC_PKI"

EV_FIELDS = ("protocol", "stage", "max_voltage_v", "max_current_a", "min_current_a", "target_voltage_v",
             "target_current_a", "soc_pct", "error", "evcc_id", "cycle", "fresh", "contract", "session",
             "schedule_round", "departure_s", "energy_request_wh", "ev_profile", "control_mode")
EVSE_FIELDS = ("state", "present_voltage_v", "present_current_a", "isolation", "authorized", "max_voltage_v",
               "max_current_a", "max_power_w", "fault", "stop", "contract", "schedule", "renegotiate", "cp", "rcd",
               "nominal_voltage_v", "meter_wh", "meter_id", "receipt_s")
FIELDS = {"ev": EV_FIELDS, "evse": EVSE_FIELDS, "certificate": ("id", "action", "schema", "exi"),
          "certificate_answer": ("id", "status", "exi"), "pilot": ("state", "digital"),
          "receipt": ("meter_wh", "meter_id", "t_meter", "exi", "certificate"),
          "slac": ("state", "ev_mac", "detail")}
SLAC_STATES = ("starting", "unmatched", "matching", "matched", "failed", "no_modem")
MAX_EXI = 5600  # Get15118EVCertificate's exiRequest and exiResponse: at most 5600 characters of base64


def ev_link_socket(data_dir: str, connector: int) -> str:
    """Where the controller serves connector N's EV link: DATA_DIR/ev-link-N.sock."""
    return os.path.join(data_dir, f"ev-link-{connector}.sock")


def slac_socket(ev_link_socket: str) -> str:
    """The SLAC process's socket beside the EV link's (ev-link-1.sock -> ev-link-1-slac.sock)."""
    return ev_link_socket.removesuffix(".sock") + "-slac.sock"


class BadLine(ValueError):
    """A line the other side should not have sent."""


def encode(kind: str, **fields) -> bytes:
    allowed = FIELDS[kind]
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"{kind} message: unknown fields {sorted(unknown)}")
    return (json.dumps({"type": kind, **fields}) + "\n").encode()


def decode(line: bytes) -> dict:
    if len(line) > MAX_LINE:
        raise BadLine(f"a line of {len(line)} bytes")
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise BadLine(f"not JSON: {exc}") from None
    if not isinstance(message, dict) or message.get("type") not in FIELDS:
        raise BadLine("not a message of a known type")
    allowed = FIELDS[message["type"]]
    return {"type": message["type"], **{k: message[k] for k in allowed if k in message}}


def quiet_message_dumps() -> None:
    """iso15118 logs every message it encodes and decodes in full (about 1 kB ten times a second, some
    36 MB an hour of charging): kept only when EVSE_HLC_MESSAGES=1 asks for it, as when chasing an EV's
    fault; its state changes and errors are always logged."""
    import logging
    import os

    if os.environ.get("EVSE_HLC_MESSAGES") != "1":
        for name in ("iso15118.shared.exi_codec", "iso15118.shared.comm_session"):  # each message, twice
            logging.getLogger(name).setLevel(logging.WARNING)

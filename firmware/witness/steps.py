"""The witness's test matrix, as data: each step names its area, what it does, what is simulated,
and what passing means; `run(ctx)` does it and says (result, detail). Steps that need the operator
to act in the CSMS are in firmware.witness.operator_steps."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from collections.abc import Awaitable, Callable

from firmware.witness.evidence import answer, answered, calls, unanswered

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
WORDS = {
    "1.6": {"start": "StartTransaction", "stop": "StopTransaction", "remote_start": "RemoteStartTransaction",
            "remote_stop": "RemoteStopTransaction", "config": "ChangeConfiguration"},
    "2.0.1": {"start": "TransactionEvent", "stop": "TransactionEvent", "remote_start": "RequestStartTransaction",
              "remote_stop": "RequestStopTransaction", "config": "SetVariables"},
}
TX_ACTIONS = ("StartTransaction", "StopTransaction", "MeterValues", "TransactionEvent")
# fault -> (connector or None for the whole charger, 1.6 errorCode): what the CSMS must be told
FAULTS = {"estop": (None, "OtherError"), "rcd": (1, "GroundFailure"), "overtemp": (None, "HighTemperature"),
          "diode": (1, "EVCommunicationError")}


@dataclass(frozen=True)
class Step:
    area: str
    action: str
    simulated: str
    passes_if: str
    run: Callable[..., Awaitable[tuple[str, str]]]
    operator: bool = False


async def charge(ctx, cid: int, tag: str) -> bool:
    await ctx.ut.post("/ev", {"connector": cid, "state": "C"})
    await ctx.ut.post("/rfid", {"connector": cid, "id_tag": tag})
    return await ctx.ut.until(lambda c: c["contactor_closed"], 30, cid) is not None


async def session_or_why(ctx, cid: int = 1) -> tuple[str, str] | None:
    """Charging on `cid` with the first card, or why a step that needs a session cannot go on."""
    if not ctx.cards:
        return SKIPPED, "a session is needed: no card the CSMS accepts was given (--card)"
    if not await charge(ctx, cid, ctx.cards[0]):
        return FAILED, f"the session with {ctx.cards[0]} did not start"
    return None


async def unplug(ctx, cid: int) -> bool:
    await ctx.ut.post("/ev", {"connector": cid, "state": "A"})
    return await ctx.ut.until(lambda c: c["session"] is None and not c["contactor_closed"], 30, cid) is not None


async def registered(ctx) -> tuple[str, str]:
    frames = await ctx.ut.frames_until(lambda fs: any((a or {}).get("status") == "Accepted"
                                                      for _, a in answered(fs, "BootNotification")), 90)
    if frames is None:
        got = [a for _, a in answered(ctx.ut.frames(), "BootNotification")]
        return FAILED, f"no BootNotification accepted within 90 s (answers: {got or 'none'})"
    return PASSED, "BootNotification accepted from a clean data directory, no manual step"


async def accepted_card(ctx) -> tuple[str, str]:
    if not ctx.cards:
        return SKIPPED, "no card the CSMS accepts was given (--card)"
    if not await charge(ctx, 1, ctx.cards[0]):
        return FAILED, f"card {ctx.cards[0]} did not start charging within 30 s"
    await asyncio.sleep(5)
    if not await unplug(ctx, 1):
        return FAILED, "the session did not end when the EV unplugged"
    return await transaction_seen(ctx, ctx.cards[0])


async def transaction_seen(ctx, tag: str) -> tuple[str, str]:
    words = WORDS[ctx.version]
    frames = await ctx.ut.frames_until(lambda fs: not unanswered(fs, TX_ACTIONS) and _ended(ctx, fs, tag), 60)
    if frames is None:
        return FAILED, f"the transaction of {tag} was not started and ended at the CSMS within 60 s " \
                       f"(unanswered: {unanswered(ctx.ut.frames(), TX_ACTIONS) or 'none'})"
    said = f"{words['start']} and {words['stop']}" if ctx.version == "1.6" else "TransactionEvent Started to Ended"
    return PASSED, f"{said} of {tag} answered; energy delivered"


def _ended(ctx, frames, tag: str) -> bool:
    """The last transaction of `tag` has ended at the CSMS (its end sent; answers are checked apart)."""
    if ctx.version == "1.6":
        starts = [c for c in calls(frames, "StartTransaction", "out") if c["message"][3].get("idTag") == tag]
        ids = {str((answer(frames, c) or {}).get("transactionId")) for c in starts}
        return any(str(c["message"][3].get("transactionId")) in ids for c in calls(frames, "StopTransaction", "out"))
    events = [c["message"][3] for c in calls(frames, "TransactionEvent", "out")]
    mine = {e["transactionInfo"]["transactionId"] for e in events if (e.get("idToken") or {}).get("idToken") == tag}
    return any(e["eventType"] == "Ended" and e["transactionInfo"]["transactionId"] in mine for e in events)


async def refused_card(ctx, tag: str | None, what: str) -> tuple[str, str]:
    if tag is None:
        return SKIPPED, f"no {what} card was given (--blocked-card)"
    await ctx.ut.post("/ev", {"connector": 1, "state": "C"})
    await ctx.ut.post("/rfid", {"connector": 1, "id_tag": tag})
    closed = await ctx.ut.until(lambda c: c["contactor_closed"], 15, 1)
    await unplug(ctx, 1)
    if closed is not None:
        return FAILED, f"the {what} card {tag} was let charge"
    return PASSED, f"the {what} card {tag} was refused; the contactor stayed open"


async def unknown_card(ctx) -> tuple[str, str]:
    return await refused_card(ctx, f"WITNESS-{secrets.token_hex(3).upper()}", "unknown")


async def blocked_card(ctx) -> tuple[str, str]:
    return await refused_card(ctx, ctx.blocked, "blocked")


async def no_cable(ctx) -> tuple[str, str]:
    if not ctx.cards:
        return SKIPPED, "no card the CSMS accepts was given (--card)"
    before = len(calls(ctx.ut.frames(), WORDS[ctx.version]["start"], "out"))
    await ctx.ut.post("/rfid", {"connector": 1, "id_tag": ctx.cards[0]})
    if ctx.version == "1.6":
        waiting = await ctx.ut.until(lambda c: c["status"] == "Preparing", 15, 1)
        back = waiting and await ctx.ut.until(lambda c: c["status"] == "Available", 200, 1)
    else:  # 2.0.1 shows no Preparing: the EVSE stays Available while the authorization waits
        await asyncio.sleep(ctx.connection_timeout_s + 5)
        back = await ctx.ut.until(lambda c: c["status"] == "Available", 10, 1)
    started = [c for c in calls(ctx.ut.frames(), WORDS[ctx.version]["start"], "out")[before:]
               if c["message"][3].get("eventType", "Started") == "Started"]
    if not back:
        return FAILED, "the connector did not return to Available after the connection timeout"
    if started:
        return FAILED, "a transaction started without a cable"
    return PASSED, "authorized, waited for a cable, returned to Available at the connection timeout; no transaction"


async def two_connectors(ctx) -> tuple[str, str]:
    if len(ctx.cards) < 2:
        return SKIPPED, "two cards the CSMS accepts are needed (--card twice)"
    ok = await charge(ctx, 1, ctx.cards[0]) and await charge(ctx, 2, ctx.cards[1])
    await asyncio.sleep(3)
    done = await unplug(ctx, 1) and await unplug(ctx, 2)
    if not (ok and done):
        return FAILED, "both connectors did not charge at the same time"
    return await transaction_seen(ctx, ctx.cards[1])


async def link_cut_idle(ctx) -> tuple[str, str]:
    await ctx.ut.post("/network", {"connected": False})
    await asyncio.sleep(15)
    cut = len(ctx.ut.frames())
    await ctx.ut.post("/network", {"connected": True})
    frames = await ctx.ut.frames_until(lambda fs: calls(fs[cut:], "StatusNotification", "out"), 90)
    if frames is None:
        return FAILED, "no reconnection with the statuses sent again within 90 s"
    return PASSED, "reconnected after 15 s without a link; every status sent again"


async def link_cut_in_session(ctx) -> tuple[str, str]:
    if why := await session_or_why(ctx):
        return why
    await ctx.ut.post("/network", {"connected": False})
    await asyncio.sleep(20)
    await ctx.ut.post("/network", {"connected": True})
    await asyncio.sleep(10)
    await unplug(ctx, 1)
    return await transaction_seen(ctx, ctx.cards[0])


async def fault(ctx, kind: str) -> tuple[str, str]:
    cid, code = FAULTS[kind]
    if kind == "diode" and (why := await session_or_why(ctx)):
        return why  # a plug error shows while charging
    mark = len(ctx.ut.frames())
    await ctx.ut.post("/fault", {"kind": kind, "active": True, **({"connector": cid} if cid else {})})
    seen = await ctx.ut.frames_until(lambda fs: _fault_seen(ctx, fs[mark:], kind, code), 15)
    await ctx.ut.post("/fault", {"kind": kind, "active": False, **({"connector": cid} if cid else {})})
    if kind == "diode":
        await ctx.ut.post("/ev", {"connector": 1, "state": "A"})
    back = await ctx.ut.until(lambda c: c["status"] == "Available", 120, 1)
    if seen is None:
        return FAILED, (f"no StatusNotification Faulted with {code} within 15 s" if ctx.version == "1.6" else
                        f"no StatusNotification Faulted and NotifyEvent {kind} within 15 s")
    if back is None:
        return FAILED, "the connector did not recover to Available within 120 s"
    return PASSED, f"the CSMS saw Faulted ({code if ctx.version == '1.6' else 'and a NotifyEvent ' + kind}) and " \
                   "the recovery"


def _fault_seen(ctx, frames, kind: str, code: str) -> bool:
    """1.6: StatusNotification Faulted with the errorCode; 2.0.1: Faulted and a NotifyEvent naming the fault."""
    statuses = [c["message"][3] for c in calls(frames, "StatusNotification", "out")]
    if ctx.version == "1.6":
        return any(p.get("status") == "Faulted" and p.get("errorCode") == code for p in statuses)
    events = [e for c in calls(frames, "NotifyEvent", "out") for e in c["message"][3].get("eventData", [])]
    return any(p.get("connectorStatus") == "Faulted" for p in statuses) and any(
        e.get("techCode") == kind and not e.get("cleared") for e in events)


def fault_step(kind: str, what: str) -> Step:
    async def run(ctx):
        return await fault(ctx, kind)
    return Step("fault handling", what, f"the bench's {kind} fault on, then off", "Faulted with the right error "
                "code at the CSMS within 15 s, Available again after", run)


async def exported(ctx) -> tuple[str, str]:
    from firmware.export.bundle import verify
    from firmware.export.make import make_export
    from firmware.settings_file import SiteSection

    out = ctx.report_dir / "export.zip"
    about = await asyncio.to_thread(make_export, ctx.ut.data_dir, ctx.board, SiteSection(), out)
    _, problems = verify(out)
    if problems:
        return FAILED, "; ".join(problems)
    return PASSED, f"export.zip: {about['sessions']} sessions, {about['files']} files, every checksum verified"


BASIC = [
    Step("commissioning", "register at the CSMS", "a new charger with an empty data directory",
         "BootNotification accepted within 90 s, no manual step", registered),
    Step("authorization", "an accepted card", "EV plugged, card presented", "charging starts within 30 s; the "
         "transaction starts and ends at the CSMS", accepted_card),
    Step("authorization", "an unknown card", "EV plugged, a card the CSMS cannot know", "never charges",
         unknown_card),
    Step("authorization", "a blocked card", "EV plugged, the given blocked card", "never charges", blocked_card),
    Step("authorization", "a card without a cable", "a card presented, no EV plugged", "back to Available at the "
         "connection timeout, no transaction", no_cable),
    Step("authorization", "two connectors at once", "two EVs, two cards", "both charge; both transactions at the "
         "CSMS", two_connectors),
    Step("communication", "link lost while idle", "the uplink cut for 15 s", "reconnected, statuses sent again",
         link_cut_idle),
    Step("communication", "link lost during a session", "the uplink cut for 20 s while charging",
         "every transaction message answered after the reconnect; the transaction whole at the CSMS",
         link_cut_in_session),
    fault_step("estop", "emergency stop"), fault_step("rcd", "residual current (RCD)"),
    fault_step("overtemp", "over-temperature"), fault_step("diode", "plug error while charging (the EV's diode)"),
    Step("export", "data export", "evse export of this run's data directory", "the bundle verifies", exported),
]

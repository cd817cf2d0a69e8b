"""Steps the operator does in the CSMS while the witness watches what reaches the charger."""

from __future__ import annotations

import asyncio

from firmware.witness.evidence import answered, calls
from firmware.witness.steps import (FAILED, PASSED, SKIPPED, WORDS, Step, charge, session_or_why, transaction_seen,
                                    unplug)

UPDATES = ("UpdateFirmware", "SignedUpdateFirmware")
STATUS_ACTIONS = ("FirmwareStatusNotification", "SignedFirmwareStatusNotification")
TERMINAL = {"Installed", "InstallationFailed", "DownloadFailed", "InvalidSignature", "InstallVerificationFailed",
            "Idle"}


async def asked(ctx, text: str, action: str | tuple, timeout: float = 180) -> tuple[str | None, int]:
    """(None, where in the frame log the ask began) once the CSMS sent `action` (or one of them), else (the
    reason to stop, 0)."""
    if not ctx.operator.present:
        return "no operator", 0
    mark = len(ctx.ut.frames())
    actions = (action,) if isinstance(action, str) else action

    async def arrived():
        return any(calls(ctx.ut.frames()[mark:], a, "in") for a in actions)

    outcome = await ctx.operator.ask(text, arrived, timeout)
    if outcome != "done":
        return ("skipped by the operator" if outcome == "skipped" else f"no {' or '.join(actions)} within "
                f"{timeout:.0f} s"), 0
    return None, mark


def _end(why: str | None) -> tuple[str, str]:
    return (SKIPPED if why in ("no operator", "skipped by the operator") else FAILED), why or ""


async def remote_start(ctx) -> tuple[str, str]:
    await ctx.ut.post("/ev", {"connector": 1, "state": "C"})
    why, _ = await asked(ctx, "start a session on connector 1 from the CSMS (remote start, any accepted id)",
                         WORDS[ctx.version]["remote_start"])
    if why:
        await unplug(ctx, 1)
        return _end(why)
    closed = await ctx.ut.until(lambda c: c["contactor_closed"], 30, 1)
    await asyncio.sleep(3)
    await unplug(ctx, 1)
    if closed is None:
        return FAILED, "the remote start arrived but charging did not begin within 30 s"
    return PASSED, "started remotely, charged, ended by unplugging"


async def smart_charging(ctx) -> tuple[str, str]:
    if why := await session_or_why(ctx):
        return why
    try:
        why, _ = await asked(ctx, "set a limit of 10 A on connector 1 (a charging profile)", "SetChargingProfile")
        if why:
            return _end(why)
        if await ctx.ut.until(lambda c: c["offered_current_a"] <= 10.5, 5, 1) is None:
            return FAILED, "the PWM did not follow the 10 A limit within 5 s"
        why, _ = await asked(ctx, "remove that limit (ClearChargingProfile)", "ClearChargingProfile")
        if why:
            return _end(why)
        if await ctx.ut.until(lambda c: c["offered_current_a"] > 10.5, 5, 1) is None:
            return FAILED, "the limit stayed after it was removed"
        return PASSED, "the 10 A limit was at the PWM within 5 s and released within 5 s of its removal"
    finally:
        await unplug(ctx, 1)


async def reboot(ctx) -> tuple[str, str]:
    why, mark = await asked(ctx, "reboot the charger from the CSMS (Reset)", "Reset")
    if why:
        return _end(why)
    back = await ctx.ut.frames_until(lambda fs: any((a or {}).get("status") == "Accepted"
                                                    for _, a in answered(fs[mark:], "BootNotification")), 180)
    if back is None:
        return FAILED, "no BootNotification accepted within 180 s of the Reset"
    ready = await ctx.ut.until(lambda c: c["status"] == "Available", 60, 1)
    return (PASSED, "rebooted, registered again, connectors Available") if ready else (
        FAILED, "registered again, but connector 1 not Available")


async def unlock(ctx) -> tuple[str, str]:
    why, _ = await asked(ctx, "unlock connector 1 from the CSMS (UnlockConnector)", "UnlockConnector")
    if why:
        return _end(why)
    return PASSED, "UnlockConnector answered; connector left in a known state"


async def remote_stop(ctx) -> tuple[str, str]:
    if why := await session_or_why(ctx):
        return why
    why, _ = await asked(ctx, "stop the session on connector 1 from the CSMS (remote stop)",
                         WORDS[ctx.version]["remote_stop"])
    if why:
        await unplug(ctx, 1)
        return _end(why)
    stopped = await ctx.ut.until(lambda c: c["session"] is None and not c["contactor_closed"], 30, 1)
    await unplug(ctx, 1)
    if stopped is None:
        return FAILED, "the session went on after the remote stop"
    return await transaction_seen(ctx, ctx.cards[0])


async def configuration(ctx) -> tuple[str, str]:
    action = WORDS[ctx.version]["config"]
    why, _ = await asked(ctx, f"change a configuration value of the charger from the CSMS ({action})", action)
    return _end(why) if why else (PASSED, f"{action} answered")


async def firmware(ctx) -> tuple[str, str]:
    why, mark = await asked(ctx, "push a firmware update to the charger (UpdateFirmware or SignedUpdateFirmware)",
                            UPDATES, 600)
    if why:
        return _end(why)
    await asyncio.sleep(1)
    request = next(c for a in UPDATES for c in calls(ctx.ut.frames()[mark:], a, "in"))
    answer = next((a for c, a in answered(ctx.ut.frames()[mark:], request["message"][2], "in")), None) or {}
    if "error" in answer or answer.get("status") not in (None, "Accepted", "AcceptedCanceled"):
        return FAILED, f"the charger refused the {request['message'][2]}: {answer.get('error') or answer['status']}"

    def statuses(fs):
        return [c["message"][3].get("status") for a in STATUS_ACTIONS for c in calls(fs[mark:], a, "out")]
    done = await ctx.ut.frames_until(lambda fs: set(statuses(fs)) & TERMINAL, 900)
    seen = statuses(ctx.ut.frames())
    if done is None:
        return FAILED, f"no final firmware status within 15 min (so far: {', '.join(seen) or 'none'})"
    if ctx.cards and not (await charge(ctx, 1, ctx.cards[0]) and await unplug(ctx, 1)):
        return FAILED, f"statuses {', '.join(seen)}; a session after the update did not work"
    return PASSED, f"statuses {', '.join(seen)} reported" + ("; a session after behaves the same" if ctx.cards else "")


OPERATOR = [
    Step("authorization", "remote start (an app)", "EV plugged, the operator starts it from the CSMS",
         "charging within 30 s of the request", remote_start, operator=True),
    Step("smart charging", "a limit applied and removed", "a session; the operator sets 10 A, then removes it",
         "the PWM follows within 5 s both ways", smart_charging, operator=True),
    Step("remote operations", "reboot", "the operator resets the charger", "registered again, connectors "
         "Available", reboot, operator=True),
    Step("remote operations", "unlock", "the operator unlocks connector 1", "answered, known state", unlock,
         operator=True),
    Step("remote operations", "remote stop", "a session; the operator stops it", "the session ends and its "
         "transaction is whole at the CSMS", remote_stop, operator=True),
    Step("remote operations", "a configuration change", "the operator changes a setting", "answered", configuration,
         operator=True),
    Step("firmware update", "an update pushed by the operator", "the operator's UpdateFirmware", "every status "
         "reported to a final one; a session after behaves the same", firmware, operator=True),
]

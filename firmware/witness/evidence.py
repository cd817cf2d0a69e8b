"""Reading the frame log as evidence: the CALLs of an action, their answers, a step's window."""

from __future__ import annotations

CALL, RESULT, ERROR = 2, 3, 4


def window(frames: list[dict], since: str, until: str | None = None) -> list[dict]:
    """The frames of a step: those logged from `since` to `until` (ISO UTC strings compare in order)."""
    return [f for f in frames if f["at"] >= since and (until is None or f["at"] <= until)]


def calls(frames: list[dict], action: str, direction: str | None = None) -> list[dict]:
    return [f for f in frames if isinstance(f["message"], list) and len(f["message"]) >= 4
            and f["message"][0] == CALL and f["message"][2] == action
            and (direction is None or f["dir"] == direction)]


def answer(frames: list[dict], call: dict) -> dict | None:
    """The CALLRESULT's payload of a CALL, {"error": code} for a CALLERROR, None while unanswered."""
    msg_id = call["message"][1]
    for f in frames:
        m = f["message"]
        if isinstance(m, list) and len(m) >= 3 and m[1] == msg_id and f["dir"] != call["dir"]:
            if m[0] == RESULT:
                return m[2] if isinstance(m[2], dict) else {}
            if m[0] == ERROR:
                return {"error": m[2]}
    return None


def answered(frames: list[dict], action: str, direction: str = "out") -> list[tuple[dict, dict | None]]:
    return [(c, answer(frames, c)) for c in calls(frames, action, direction)]


def unanswered(frames: list[dict], actions: tuple[str, ...]) -> list[str]:
    """Transaction-related CALLs of ours the CSMS never answered (each named)."""
    return [f"{c['message'][2]} {c['message'][1]}" for action in actions for c, a in answered(frames, action)
            if a is None]

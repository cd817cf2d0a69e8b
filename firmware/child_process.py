"""Children that die with their parent: a controller or witness killed outright (kill -9, a CI
timeout, a crash) must not leave its HLC link or its charger under test running."""

from __future__ import annotations


def die_with_parent() -> None:
    """For `preexec_fn`: the kernel sends SIGTERM to this child when its parent dies (Linux)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere: the parent's own stop is all there is


async def end_child(proc, grace_s: float) -> None:
    """SIGTERM, `grace_s` to finish (flush an outbox, end its own children), then SIGKILL; reaped either way."""
    import asyncio

    if proc is None or proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), grace_s)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()

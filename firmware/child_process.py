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

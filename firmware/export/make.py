"""One export, start to end, on a store of its own: the CLI runs it, the web page runs it in a
worker thread (its own SQLite connection, so the controller's event loop never waits on it)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from firmware.export.bundle import write
from firmware.export.collect import collect


def make_export(data_dir: Path, board, site, out: Path, now: datetime | None = None) -> dict:
    """Writes the bundle to `out`; returns what its manifest says about the charger (and file count)."""
    from firmware.ocpp.protocols import protocol_for
    from firmware.store import Store

    store = Store(data_dir)
    try:
        protocol = protocol_for(store.get("setting.ocpp_version") or "1.6", store, board, on_change=lambda n: None)
        files, about = collect(data_dir=Path(data_dir), store=store, board=board, protocol=protocol, site=site,
                               now=now or datetime.now(timezone.utc))
        write(out, files, about)
    finally:
        store.close()
    return {**about, "files": len(files)}

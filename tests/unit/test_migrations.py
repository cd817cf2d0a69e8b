"""The data directory's schema moves forward at start, and an OTA rollback gets a state it can read."""

import sqlite3

import pytest

from firmware import migrations
from firmware.ocpp.outbox import NOTIFICATIONS, TRANSACTIONS, Outbox
from firmware.store import Store

OLD_OUTBOX = """CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL,
    payload TEXT NOT NULL, local_id TEXT, msg_id TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE transaction_ids (local_id TEXT PRIMARY KEY, transaction_id INTEGER NOT NULL);"""


def old_release_data(folder):
    """A data directory as the release before schema versions left it."""
    folder.mkdir()
    db = sqlite3.connect(folder / "evse.sqlite3")
    db.executescript(OLD_OUTBOX)
    for action, local_id in (("SecurityEventNotification", None), ("StartTransaction", "s1"),
                             ("StopTransaction", None), ("MeterValues", "s1"), ("MeterValues", None)):
        db.execute("INSERT INTO outbox (action, payload, local_id, msg_id) VALUES (?, '{}', ?, 'm')",
                   (action, local_id))
    db.execute("INSERT INTO transaction_ids VALUES ('s1', 41)")
    db.commit()
    db.close()


def test_an_old_data_directory_is_copied_aside_then_migrated(tmp_path):
    data = tmp_path / "data"
    old_release_data(data)
    store = Store(data)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == migrations.VERSION
    lanes = dict(store.db.execute("SELECT seq, lane FROM outbox").fetchall())
    assert lanes == {1: NOTIFICATIONS, 2: TRANSACTIONS, 3: TRANSACTIONS, 4: TRANSACTIONS, 5: NOTIFICATIONS}
    outbox = Outbox(store, attempts=lambda: 3, retry_interval_s=lambda: 1)
    assert outbox.transaction_id("s1") == "41" and outbox.local_id_of("41") == "s1"
    assert outbox.head(NOTIFICATIONS)[1] == "SecurityEventNotification"
    store.close()
    copy = sqlite3.connect(data / "evse.sqlite3.v0")  # the state before, for a rollback
    assert copy.execute("SELECT transaction_id FROM transaction_ids").fetchone() == (41,)
    assert "lane" not in {r[1] for r in copy.execute("PRAGMA table_info(outbox)")}
    copy.close()


def test_a_fresh_data_directory_starts_at_the_latest_version_without_a_copy(tmp_path):
    store = Store(tmp_path / "fresh")
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == migrations.VERSION
    store.close()
    assert sorted(p.name for p in (tmp_path / "fresh").glob("evse.sqlite3.v*")) == []


def test_an_older_release_after_a_rollback_reads_its_own_version_again(tmp_path):
    data = tmp_path / "data"
    Store(data).close()
    ours = data / "evse.sqlite3"
    # What a newer release does when it starts: copy ours aside, then migrate past us.
    src = sqlite3.connect(ours)
    src.execute("CREATE TABLE marker (x)")
    src.commit()
    with sqlite3.connect(migrations.backup_path(ours, migrations.VERSION)) as copy:
        src.backup(copy)
    copy.close()
    src.execute("DROP TABLE marker")
    src.execute("CREATE TABLE from_the_future (x)")
    src.execute(f"PRAGMA user_version = {migrations.VERSION + 3}")
    src.commit()
    src.close()
    store = Store(data)  # this (older) release again, after the rollback
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "marker" in tables and "from_the_future" not in tables
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == migrations.VERSION
    store.close()
    assert (data / f"evse.sqlite3.v{migrations.VERSION + 3}.rolled-back").exists()


def test_a_newer_database_without_a_copy_is_refused_with_the_reason(tmp_path):
    data = tmp_path / "data"
    Store(data).close()
    db = sqlite3.connect(data / "evse.sqlite3")
    db.execute(f"PRAGMA user_version = {migrations.VERSION + 1}")
    db.close()
    with pytest.raises(migrations.MigrationError, match="newer than this release"):
        Store(data)


def test_the_health_gates_rollback_gives_the_previous_release_its_schema(tmp_path):
    """A release from before schema versions (0) gets the copy back when the new one is rolled back."""
    from firmware.ota import health

    data = tmp_path / "data"
    old_release_data(data)
    Store(data).close()  # the new release on trial migrated to VERSION, after copying v0 aside
    releases = tmp_path / "releases"
    (releases / "old").mkdir(parents=True)
    (releases / "new").mkdir()
    (releases / "current").symlink_to(releases / "new")
    trial = {"status": "trial", "previous": str(releases / "old"), "current_link": str(releases / "current"),
             "version": "new"}  # written by the old release: no schema_version, so 0
    health.roll_back(data, trial, "did not come up")
    db = sqlite3.connect(data / "evse.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert db.execute("SELECT typeof(transaction_id) FROM transaction_ids").fetchone() == ("integer",)
    db.close()
    assert (releases / "current").resolve() == (releases / "old").resolve()
    assert (data / f"evse.sqlite3.v{migrations.VERSION}.rolled-back").exists()

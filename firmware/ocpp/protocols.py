"""The OCPP version in use, chosen by `--ocpp-version`: one factory per version.

Each gives the app what differs: where the operator's policy is stored (1.6
configuration keys, the 2.0.1 device model) and the neutral Policy over it, the
security handling, the firmware status reports and the adapter itself with the
loops it runs. Everything else (the model, the stores, the services) is the same.
Policy changes are told to the app in neutral names (`on_change(name)`). Each
version's modules are imported only when that version runs: a charger speaking
1.6 never loads 2.0.1's message classes, and the other way round (memory).
"""

from __future__ import annotations

from collections.abc import Callable

VERSIONS = ("1.6", "2.0.1")
NEUTRAL_16 = {"ConnectionTimeOut": "connection_timeout_s", "FailsafeCurrent": "failsafe_current_a",
              "UnlockConnectorOnEVSideDisconnect": "unlock_on_ev_side_disconnect"}
NEUTRAL_201 = {("TxCtrlr", "EVConnectionTimeOut"): "connection_timeout_s",
               ("OpenChargeController", "FailsafeCurrent"): "failsafe_current_a",
               ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect"): "unlock_on_ev_side_disconnect"}


class V16:
    version = "1.6"

    def __init__(self, store, board, on_change: Callable[[str], None]):
        from firmware.ocpp.v16.config_keys import ConfigKeys
        from firmware.ocpp.v16.policy import Policy16

        from hal.meters.models import SIGNING_MODELS

        signing = tuple(m.measures for m in board.meters if m.model in SIGNING_MODELS and m.measures)
        self.keys = ConfigKeys(store, len(board.connectors), signing)
        self.policy = Policy16(self.keys)
        self.keys.listeners.append(lambda name, value: name in NEUTRAL_16 and on_change(NEUTRAL_16[name]))

    # ---- the owner's export and a replacement unit's import (firmware.export) ----------
    def configuration(self) -> list[dict]:
        """Every configuration key GetConfiguration shows (AuthorizationKey never)."""
        return [{"key": name, "value": self.keys.get(name), "readonly": self.keys.keys[name].readonly}
                for name in self.keys.visible()]

    def restore_configuration(self, items: list[dict]) -> list[str]:
        """Writes the writable keys; what could not be taken, in words."""
        refused = []
        for item in items:
            if item.get("readonly") or item.get("key") not in self.keys.keys:
                continue
            status = self.keys.change(item["key"], str(item.get("value", "")))
            if status not in ("Accepted", "RebootRequired"):
                refused.append(f"{item['key']}={item.get('value')!r}: {status}")
        return refused

    def transaction_ids(self, store) -> Callable[[str], str | None]:
        """A session's (local id's) transaction id at the CSMS."""
        from firmware.ocpp.outbox import Outbox

        return Outbox(store, attempts=lambda: 1, retry_interval_s=lambda: 1).transaction_id

    def security(self, *, store, certs, events, board, runtime, uplink, secc=None):
        """`secc` (the SECC's certificate) is 2.0.1's: 1.6 has no word for it."""
        from firmware.ocpp.v16.security import Security16

        return Security16(store=store, keys=self.keys, certs=certs, events=events, board=board, runtime=runtime,
                          uplink=uplink)

    def firmware_reports(self, outbox):
        from firmware.ocpp.v16.firmware_reports import FirmwareReports

        return FirmwareReports(outbox)

    def adapter(self, *, data_dir, cp_id, uplink, profiles, load, **common):
        from firmware.ocpp.v16.adapter import Ocpp16Adapter
        from firmware.log_uploads import LogUploads
        from firmware.ocpp.v16.smart16 import SmartCharging16

        common = {k: v for k, v in common.items() if k != "display_messages"}  # a 2.0.1 use case
        return Ocpp16Adapter(
            cp_id=cp_id, keys=self.keys, policy=self.policy, **common,
            logs=LogUploads(data_dir, cp_id, common["outbox"].push),
            smart=SmartCharging16(profiles, load, common["station"], common["board"], common["outbox"],
                                  common["wall"]))

    def services(self, adapter, security) -> dict:
        return {"OCPP events": adapter.run_events, "sampled meter values": adapter.meters.sample_loop,
                "aligned meter values": adapter.meters.aligned_loop,
                "certificate renewal": lambda: security.renew_before_expiry(adapter)}


class V201:
    version = "2.0.1"

    def __init__(self, store, board, on_change: Callable[[str], None]):
        from firmware.ocpp.v201.device_model import DeviceModel
        from firmware.ocpp.v201.policy import Policy201

        self.model = DeviceModel(store, board, live=self._live(store))
        self.policy = Policy201(self.model)
        self.model.listeners.append(
            lambda row, value: (row.component, row.name) in NEUTRAL_201
            and on_change(NEUTRAL_201[(row.component, row.name)]))

    def _live(self, store) -> dict:
        from datetime import datetime, timezone

        from firmware.clock import iso

        def list_entries(row) -> str:
            try:
                return str(store.db.execute("SELECT COUNT(*) FROM local_list").fetchone()[0])
            except Exception:  # the table comes with the authorizer, built after the device model
                return "0"

        def profile_entries(row) -> str:
            import json

            from firmware.smart_charging.store import KEY

            return str(len(json.loads(store.get(KEY) or "[]")))

        return {("ClockCtrlr", "DateTime"): lambda row: iso(datetime.now(timezone.utc)),
                ("LocalAuthListCtrlr", "Entries"): list_entries,
                ("SmartChargingCtrlr", "Entries"): profile_entries}

    # ---- the owner's export and a replacement unit's import (firmware.export) ----------
    def configuration(self) -> list[dict]:
        """The device model as a FullInventory report shows it (write-only values never)."""
        return self.model.report("FullInventory")

    def restore_configuration(self, items: list[dict]) -> list[str]:
        """Sets the ReadWrite variables; what could not be taken, in words."""
        refused = []
        for item in items:
            attribute = (item.get("variableAttribute") or [{}])[0]
            if attribute.get("mutability") != "ReadWrite" or "value" not in attribute:
                continue
            component = dict(item["component"])
            if "evse" in component:
                evse = component["evse"]
                component["evse"] = {"id": evse["id"], **({"connector_id": evse["connectorId"]}
                                                          if "connectorId" in evse else {})}
            status = self.model.set(component, item["variable"], attribute["value"])
            if status not in ("Accepted", "RebootRequired"):
                refused.append(f"{item['component']['name']}.{item['variable']['name']}: {status}")
        return refused

    def transaction_ids(self, store) -> Callable[[str], str | None]:
        from firmware.ocpp.outbox import Outbox
        from firmware.ocpp.v201.transactions import Transactions201

        outbox = Outbox(store, attempts=lambda: 1, retry_interval_s=lambda: 1)
        return Transactions201(store, outbox, online=lambda: False).transaction_id

    def security(self, *, store, certs, events, board, runtime, uplink, secc=None):
        from firmware.ocpp.v201.network_profiles import NetworkProfiles
        from firmware.ocpp.v201.security import Security201

        return Security201(store=store, model=self.model, networks=NetworkProfiles(store, self.model, runtime),
                           certs=certs, events=events, board=board, runtime=runtime, uplink=uplink, secc=secc)

    def firmware_reports(self, outbox):
        from firmware.ocpp.v201.firmware_reports import FirmwareReports201

        return FirmwareReports201(outbox)

    def adapter(self, *, data_dir, cp_id, uplink, profiles, load, **common):
        from firmware.log_uploads import LogUploads
        from firmware.ocpp.v201.adapter import Ocpp201Adapter

        common = {k: v for k, v in common.items() if k != "journal"}
        return Ocpp201Adapter(cp_id=cp_id, model=self.model, policy=self.policy, uplink=uplink, profiles=profiles,
                              load=load, **common,
                              logs=LogUploads(data_dir, cp_id, common["outbox"].push))

    def services(self, adapter, security) -> dict:
        return {"OCPP events": adapter.run_events, "sampled meter values": adapter.sampling.run,
                "aligned meter values": adapter.aligned.run, "charging limits": adapter.charging_limits.run,
                "monitors": adapter.monitoring.watch.run, "certificate renewal": lambda: security.renew_before_expiry(adapter)}


def protocol_for(version: str, store, board, on_change: Callable[[str], None]):
    if version == "2.0.1":
        return V201(store, board, on_change)
    return V16(store, board, on_change)

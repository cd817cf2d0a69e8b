"""Network connection profiles (OCPP 2.0.1 B09, B10, A05): where the next connection goes.

A profile sits in a configuration slot (0-7); NetworkConfigurationPriority lists
the slots to use, best first. Slot 0 is, until the CSMS sets it, what `evse run`
was given (`--csms-url` and `--security-profile`), so an installer's flags keep
working. After NetworkProfileConnectionAttempts failed attempts the link moves
to the next slot of the list, and round again after the last (B10 fallback and
failback). The slot that last connected is the active one: it cannot be
overwritten while in use. Once a connection at a security profile has worked,
no slot below it is used again (A05: no downgrade); the highest profile reached
is stored. Profiles are stored as settings rows, written before they are answered.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

SLOTS = range(8)  # NetworkConfigurationPriority's valuesList
PRIORITY = ("OCPPCommCtrlr", "NetworkConfigurationPriority")


class NetworkProfiles:
    def __init__(self, store, model, runtime):
        self.store = store
        self.model = model
        self.runtime = runtime
        self._index = 0  # into the priority list
        self._failures = 0
        self.active: int | None = None  # the slot of the connection that last worked

    # ---- the slots --------------------------------------------------------
    def get(self, slot: int) -> dict | None:
        stored = self.store.get(f"netprofile.{slot}")
        if stored is not None or slot != 0:
            return stored
        return {"ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppInterface": "Wired0",
                "ocppCsmsUrl": self.runtime.csms_url, "messageTimeout": 30,
                "securityProfile": int(self.store.get("setting.security_profile") or 0)}

    def put(self, slot: int, data: dict) -> None:
        with self.store.transaction():
            self.store.put(f"netprofile.{slot}", data)
        log.info("network profile in slot %s: %s, security profile %s", slot, data["ocppCsmsUrl"],
                 data["securityProfile"])

    def priority(self) -> list[int]:
        """The slots to try, best first: those of the list that hold a profile at or above the floor."""
        listed = [int(s) for s in self.model.read(*PRIORITY).split(",") if s]
        usable = [s for s in listed if (p := self.get(s)) is not None and p["securityProfile"] >= self.floor()]
        return usable or [self.active if self.active is not None else 0]

    def floor(self) -> int:
        """The highest security profile a connection has worked with (A05: never below it again)."""
        return int(self.store.get("v201.security_floor") or 0)

    # ---- the link's turn ------------------------------------------------
    def current(self) -> tuple[int, dict]:
        order = self.priority()
        slot = order[self._index % len(order)]
        return slot, self.get(slot)

    def failed(self, attempts: int) -> None:
        self._failures += 1
        if self._failures < attempts:
            return
        slot, _ = self.current()
        self._index += 1
        self._failures = 0
        following = self.current()[0]
        log.warning("network profile in slot %s failed %s times; %s", slot, attempts,
                    f"trying slot {following}" if following != slot else "no other slot to try, trying it again")

    def connected(self, slot: int, profile: int) -> None:
        self._failures = 0
        self.active = slot
        if profile > self.floor():
            self.store.put("v201.security_floor", profile)
        order = self.priority()
        self._index = order.index(slot) if slot in order else 0

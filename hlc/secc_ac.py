"""The SECC's answers on an AC connector (ISO 15118-2 AC charging, in .venv-hlc): the same bridge to the
controller as on DC (hlc.secc_child), with the AC words. The controller's AC connector keeps the pilot
at 5 % and closes its contactor as in basic charging (IEC 61851-1: state C, a session, nothing
tripped); what it offers goes to the EV as EVSEMaxCurrent, in the discovery and in every
ChargingStatusRes, so a new limit reaches the EV within one ChargingStatus cycle.
"""

from __future__ import annotations

import asyncio
import logging

from iso15118.shared.messages.datatypes import EVSENotification
from iso15118.shared.messages.enums import EnergyTransferModeEnum
from iso15118.shared.messages.iso15118_2.datatypes import (ACEVSEChargeParameter, ACEVSEStatus, PVEVSEMaxCurrent,
                                                           PVEVSENominalVoltage)

from hlc.physical import physical
from hlc.secc_child import BridgedEVSEController, Link

log = logging.getLogger("hlc.secc")

# ISO 15118-2 [V2G2-860]: the SECC closes the contactor within 3 s of seeing state C after
# PowerDeliveryReq Start; the controller closes it within a tick or two of state C, the rest is margin.
CONTACTOR_WAIT_S = 3.0


class BridgedAcController(BridgedEVSEController):
    def __init__(self, link: Link, phases: int):
        super().__init__(link)
        self.mode = EnergyTransferModeEnum.AC_THREE_PHASE_CORE if phases == 3 else \
            EnergyTransferModeEnum.AC_SINGLE_PHASE_CORE

    async def get_supported_energy_transfer_modes(self, protocol) -> list:
        return [self.mode]

    async def _tell(self, **changes) -> None:
        limits = self.ev_data_context.rated_limits.ac_limits  # the EV's AC_EVChargeParameter
        await self.link.send(protocol=str(getattr(self.get_selected_protocol(), "name", "")),
                             max_voltage_v=limits.max_voltage, max_current_a=limits.max_charge_current,
                             min_current_a=limits.min_charge_current, **changes)

    async def get_ac_evse_status(self) -> ACEVSEStatus:
        """StopCharging once the driver or the CSMS ended the session; ReNegotiation when the controller's
        limits changed and it asks this EV's round for a new one; RCD: the residual current trip."""
        stop = bool(self.link.evse.get("stop"))
        asked = not stop and self.rounds > 0 and self.link.evse.get("renegotiate") == self.rounds
        notification = EVSENotification.STOP_CHARGING if stop else (
            EVSENotification.RE_NEGOTIATION if asked else EVSENotification.NONE)
        return ACEVSEStatus(notification_max_delay=0, evse_notification=notification,
                            rcd=bool(self.link.evse.get("rcd")))

    async def get_ac_charge_params_v2(self) -> ACEVSEChargeParameter:
        return ACEVSEChargeParameter(
            ac_evse_status=await self.get_ac_evse_status(),
            evse_nominal_voltage=physical(PVEVSENominalVoltage, self.link.evse.get("nominal_voltage_v", 230.0), "V"),
            evse_max_current=await self.get_evse_max_current_limit())

    async def get_evse_max_current_limit(self) -> PVEVSEMaxCurrent:
        """What the controller offers now per phase (its limits, the schedule, the site share)."""
        return physical(PVEVSEMaxCurrent, self.link.evse.get("max_current_a", 0.0), "A")

    async def set_hlc_charging(self, is_ongoing: bool) -> None:
        await self._tell(stage="charging_status" if is_ongoing else "power_off")

    async def is_contactor_closed(self) -> bool:
        """PowerDeliveryReq Start: the EV switched to state C; the controller closes the contactor once it
        sees it (and the session may charge). False when it has not within [V2G2-860]'s 3 s."""
        return await self._contactor_becomes(True, CONTACTOR_WAIT_S)

    async def is_contactor_opened(self) -> bool:
        """PowerDeliveryReq Stop: the EV is back in state B, on which the controller opens it."""
        return await self._contactor_becomes(False, CONTACTOR_WAIT_S)

    async def stop_charger(self) -> None:
        """Nothing to ramp down on AC: the EV stops drawing and leaves state C, the contactor opens."""

    async def _contactor_becomes(self, closed: bool, wait_s: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while (self.link.evse.get("state") == "charging") != closed:
            if loop.time() >= deadline:
                log.warning("the contactor did not %s within %.0f s", "close" if closed else "open", wait_s)
                return False
            await asyncio.sleep(0.02)
        return True

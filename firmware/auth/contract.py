"""Plug & Charge: an EV's contract authorized like a card.

The EV presents its contract over the digital link (ISO 15118-2 PaymentDetailsReq: its eMAID and
certificate chain); the DC connector publishes it (firmware.events.ContractPresented). Here it goes
through the same local list, cache and CSMS as a card, with the chain for the CSMS to check (OCPP
2.0.1 C07; 1.6 sends the eMAID as the idTag), and the answer goes back to the connector, which tells
the EV (its AuthorizationRes): Accepted starts the session, anything else ends the EV's.
"""

from __future__ import annotations

import logging

from firmware.auth.id_tag_info import IdTagInfo
from firmware.events import ContractPresented
from firmware.security.contracts import INVALID, UNKNOWN, VALID, check_contract

log = logging.getLogger(__name__)


class ContractHandler:
    def __init__(self, bus, station, authorizer, remote, certs, policy, token=lambda emaid: None):
        """`remote(id_tag, contract)`: the adapter's Authorize with the contract's (eMAID, chain);
        `certs`: the roots the station holds; `policy`: ContractValidationOffline and
        CentralContractValidationAllowed; `token(emaid)`: tells the adapter the token is an eMAID."""
        self._events = bus.subscribe()
        self._station, self._authorizer, self._remote, self._token = station, authorizer, remote, token
        self._certs, self._policy = certs, policy

    async def run(self) -> None:
        while True:
            event = await self._events.get()
            if isinstance(event, ContractPresented):
                try:
                    await self.present(event)
                except Exception:
                    log.exception("connector %s: contract %s could not be handled", event.connector_id, event.emaid)

    async def present(self, event: ContractPresented) -> bool:
        info = await self.decide(event)
        accepted = info.accepted and await self._station.authorize(event.connector_id, event.emaid,
                                                                    info.parent_id_tag)
        connector = self._station.connector(event.connector_id)
        await self._station.call(lambda now: connector.contract_answered(accepted))
        log.info("connector %s: contract %s %s (%s)", event.connector_id, event.emaid,
                 "accepted: the EV may charge" if accepted else "refused: the EV is told", info.now_status())
        return accepted

    async def decide(self, event: ContractPresented) -> IdTagInfo:
        """C07: a chain that fails on a root held is refused without asking; one no root held can check
        goes to the CSMS only where central validation is allowed; offline, a valid chain is accepted
        where ContractValidationOffline says so, and nothing else is."""
        check = check_contract(event.certificate, self._certs)
        if check.verdict == INVALID:
            log.warning("connector %s: contract %s refused here: %s", event.connector_id, event.emaid, check.why)
            return IdTagInfo("Invalid")
        if check.verdict == UNKNOWN and not self._policy.central_contract_validation_allowed():
            log.warning("connector %s: contract %s refused: %s, and central validation is not allowed",
                        event.connector_id, event.emaid, check.why)
            return IdTagInfo("Invalid")
        self._token(event.emaid)
        asked: list[bool] = []  # whether the CSMS answered, each time it was asked

        async def remote(tag):
            answer = await self._remote(tag, (event.emaid, event.certificate))
            asked.append(answer is not None)
            return answer

        info = await self._authorizer.authorize(event.emaid, remote)
        if asked and not any(asked):  # the CSMS could not be asked: the contract's own rule
            offline_ok = check.verdict == VALID and self._policy.contract_validation_offline()
            log.info("connector %s: contract %s offline: %s", event.connector_id, event.emaid,
                     "valid on a root held, accepted (ContractValidationOffline)" if offline_ok else "refused")
            return IdTagInfo("Accepted") if offline_ok else IdTagInfo("Invalid")
        return info

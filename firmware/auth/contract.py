"""Plug & Charge: an EV's contract authorized like a card.

The EV presents its contract over the digital link (ISO 15118-2 PaymentDetailsReq: its eMAID and
certificate chain); the DC connector publishes it (firmware.events.ContractPresented). Here it goes
through the same local list, cache and CSMS as a card, with the chain for the CSMS to check (OCPP
2.0.1 C07; 1.6 sends the eMAID as the idTag), and the answer goes back to the connector, which tells
the EV (its AuthorizationRes): Accepted starts the session, anything else ends the EV's.
"""

from __future__ import annotations

import logging

from firmware.events import ContractPresented

log = logging.getLogger(__name__)


class ContractHandler:
    def __init__(self, bus, station, authorizer, remote, token=lambda emaid: None):
        """`remote(id_tag, contract)`: the adapter's Authorize with the contract's (eMAID, chain);
        `token(emaid)`: tells the adapter the transaction's token is an eMAID."""
        self._events = bus.subscribe()
        self._station, self._authorizer, self._remote, self._token = station, authorizer, remote, token

    async def run(self) -> None:
        while True:
            event = await self._events.get()
            if isinstance(event, ContractPresented):
                try:
                    await self.present(event)
                except Exception:
                    log.exception("connector %s: contract %s could not be handled", event.connector_id, event.emaid)

    async def present(self, event: ContractPresented) -> bool:
        contract = (event.emaid, event.certificate)
        self._token(event.emaid)
        info = await self._authorizer.authorize(event.emaid, lambda tag: self._remote(tag, contract))
        accepted = info.accepted and await self._station.authorize(event.connector_id, event.emaid,
                                                                    info.parent_id_tag)
        connector = self._station.connector(event.connector_id)
        await self._station.call(lambda now: connector.contract_answered(accepted))
        log.info("connector %s: contract %s %s (%s)", event.connector_id, event.emaid,
                 "accepted: the EV may charge" if accepted else "refused: the EV is told", info.now_status())
        return accepted

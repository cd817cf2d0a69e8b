"""What the controller keeps about one driver, reported and cleared on the CSMS's request
(OCPP 2.0.1 N09, N10; the GDPR's right of access and erasure).

A driver is known here by the id token. Kept about it: the authorization cache
entry, the local list entry, a session in progress (in the journal) and
transaction messages not yet confirmed by the CSMS. Clearing removes the cache
entry only: the local list belongs to the CSMS (it sends the list), and a
running session and its unsent messages are what the driver is billed from,
so they stay until the CSMS has them; the report says so.
"""

from __future__ import annotations


class CustomerData:
    def __init__(self, authorizer, station, outbox):
        self.authorizer = authorizer
        self.station = station
        self.outbox = outbox

    def report(self, id_tag: str) -> list[str]:
        """Lines a person can read, one per thing kept."""
        lines = []
        cached = self.authorizer.cache.get(id_tag)
        if cached is not None:
            lines.append(f"authorization cache: {cached.status}, valid until {cached.expiry or 'no end'}")
        listed = self.authorizer.local_list.get(id_tag)
        if listed is not None:
            lines.append(f"local authorization list: {listed.status}, valid until {listed.expiry or 'no end'}"
                         " (kept: the list is managed by the CSMS)")
        for session in self.station.sessions():
            if session.id_tag.lower() == id_tag.lower():
                lines.append(f"session in progress on connector {session.connector_id} since "
                             f"{session.started_at.isoformat()} (kept until it ends and is billed)")
        queued = sum(1 for action in ("TransactionEvent", "StartTransaction", "StopTransaction")
                     for m in self.outbox.pending(action) if _token_of(m) == id_tag.lower())
        if queued:
            lines.append(f"{queued} transaction message(s) not yet confirmed by the CSMS (kept until they are)")
        return lines

    def clear(self, id_tag: str) -> list[str]:
        """Clear what may be cleared; the lines say what was and what stays."""
        lines = ["authorization cache entry removed"] if self.authorizer.cache.forget(id_tag) else []
        return lines + [line for line in self.report(id_tag) if "kept" in line]


def _token_of(payload: dict) -> str | None:
    """The id token a transaction message names (1.6 idTag, 2.0.1 idToken), lower case."""
    tag = payload.get("idTag") or (payload.get("idToken") or {}).get("idToken")
    return tag.lower() if tag else None

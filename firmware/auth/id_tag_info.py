"""What is known about an id tag: status, expiry, parent (OCPP IdTagInfo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

ACCEPTED = "Accepted"


@dataclass(frozen=True)
class IdTagInfo:
    status: str  # Accepted, Blocked, Expired, Invalid, ConcurrentTx
    expiry: str | None = None
    parent_id_tag: str | None = None

    def now_status(self, now: datetime | None = None) -> str:
        """The status as of now: an Accepted entry past its expiry date is Expired."""
        if self.status == ACCEPTED and self.expiry:
            try:
                expiry = datetime.fromisoformat(self.expiry.replace("Z", "+00:00"))
            except ValueError:
                return "Invalid"
            if expiry.tzinfo is None:
                expiry = expiry.replace(tzinfo=timezone.utc)
            if expiry <= (now or datetime.now(timezone.utc)):
                return "Expired"
        return self.status

    @property
    def accepted(self) -> bool:
        return self.now_status() == ACCEPTED

    @classmethod
    def from_ocpp(cls, info: dict) -> "IdTagInfo":
        return cls(info["status"], info.get("expiryDate") or info.get("expiry_date"),
                   info.get("parentIdTag") or info.get("parent_id_tag"))

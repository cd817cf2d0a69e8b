"""Cutting a report (NotifyReport, NotifyMonitoringReport) into messages the CSMS accepts:
DeviceDataCtrlr.ItemsPerMessage and BytesPerMessage of GetReport (B07, N02)."""

from __future__ import annotations

import json

REPORT_OVERHEAD = 200  # bytes of a NotifyReport around its reportData (ids, times, the frame)


def report_parts(items: list[dict], per_message: int, max_bytes: int) -> list[list[dict]]:
    """Items in order, cut where a part would hold more than `per_message` of them or its frame more
    than `max_bytes` bytes; an item alone over the limit still goes, alone. One empty part if none."""
    parts: list[list[dict]] = []
    current: list[dict] = []
    size = REPORT_OVERHEAD
    for item in items:
        length = len(json.dumps(item, separators=(",", ":"))) + 1
        if current and (len(current) >= per_message or size + length > max_bytes):
            parts.append(current)
            current, size = [], REPORT_OVERHEAD
        current.append(item)
        size += length
    return parts + [current] if current or not parts else parts


def report_parts_of(model, items: list[dict]) -> list[list[dict]]:
    return report_parts(items, int(model.read("DeviceDataCtrlr", "ItemsPerMessage", "GetReport")),
                        int(model.read("DeviceDataCtrlr", "BytesPerMessage", "GetReport")))

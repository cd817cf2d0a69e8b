"""Keeps secrets out of every log line, whoever writes it (our code or a library)."""

from __future__ import annotations

import logging
import re

PATTERNS = (
    re.compile(r'("key"\s*:\s*"AuthorizationKey"\s*,\s*"value"\s*:\s*")[^"]*(")'),
    re.compile(r"('key'\s*:\s*'AuthorizationKey'\s*,\s*'value'\s*:\s*')[^']*(')"),
    re.compile(r"(Authorization:\s*Basic\s+)\S+()", re.IGNORECASE),
    re.compile(r'("authorization"\s*:\s*"Basic\s+)[^"]*(")', re.IGNORECASE),
    re.compile(r"(--basic-auth-password[ =])\S+()"),
)


def redact(text: str) -> str:
    for pattern in PATTERNS:
        text = pattern.sub(r"\1***\2", text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

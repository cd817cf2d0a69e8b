"""The web password and API tokens, kept hashed in the data directory's store.

There is no default password: until `evse web-password` (or `evse install`)
sets one, the page only explains how. Hashes use the standard library's
scrypt with a random salt; a token is random and kept as its SHA-256 (it is
long enough that a slow hash buys nothing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PASSWORD_KEY = "web.password"
TOKENS_KEY = "web.api_tokens"
SETUP_KEY = "web.setup_code"
SETUP_VALID_S = 7 * 24 * 3600  # an installer who prints it at install has a week to open the page
MIN_LENGTH = 10
MAX_LENGTH = 128
# scrypt cost: about 50 ms and 16 MiB on a Raspberry Pi 4 (RFC 7914's interactive range).
N, R, P = 2**14, 8, 1


class PasswordError(ValueError):
    pass


def check_new_password(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordError(f"the web password must have {MIN_LENGTH} to {MAX_LENGTH} characters")
    if not password.isprintable():
        raise PasswordError("the web password must be printable characters only")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, N, R, P)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


class WebCredentials:
    """What the page and the CLI share: the password hash and the API tokens' hashes."""

    def __init__(self, store):
        self._store = store

    @property
    def password_set(self) -> bool:
        return bool(self._store.get(PASSWORD_KEY))

    def set_password(self, password: str) -> None:
        check_new_password(password)
        self._store.put(PASSWORD_KEY, hash_password(password))

    def check_password(self, password: str) -> bool:
        stored = self._store.get(PASSWORD_KEY)
        return bool(stored) and isinstance(password, str) and len(password) <= MAX_LENGTH and verify(password, stored)

    def new_setup_code(self, now: float) -> str:
        """A one-time code that lets the first browser choose the password (`evse install` without a terminal)."""
        raw = base64.b32encode(secrets.token_bytes(10)).decode()  # 16 characters, 80 bits
        code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
        self._store.put(SETUP_KEY, {"sha256": hashlib.sha256(code.encode()).hexdigest(), "made": now})
        return code

    def setup_code_pending(self, now: float) -> bool:
        kept = self._store.get(SETUP_KEY)
        return bool(kept) and not self.password_set and now - kept["made"] < SETUP_VALID_S

    def use_setup_code(self, code: str, password: str, now: float) -> bool:
        """The password is set when the code is right and still valid; the code is then gone."""
        if not isinstance(code, str) or not self.setup_code_pending(now):
            return False
        digest = hashlib.sha256(code.strip().upper().encode()).hexdigest()
        if not hmac.compare_digest(digest, self._store.get(SETUP_KEY)["sha256"]):
            return False
        self.set_password(password)
        self._store.put(SETUP_KEY, None)
        return True

    def new_token(self, name: str) -> str:
        """A new API token; only its hash is kept, so it is shown once. It never begins with "-", which a
        command line (`evse migrate --api-token TOKEN`) would take for an option."""
        token = secrets.token_urlsafe(32)
        while token.startswith("-"):
            token = secrets.token_urlsafe(32)
        tokens = dict(self._store.get(TOKENS_KEY, {}))
        tokens[name] = hashlib.sha256(token.encode()).hexdigest()
        self._store.put(TOKENS_KEY, tokens)
        return token

    def check_token(self, token: str) -> str | None:
        """The token's name when it is valid."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        for name, kept in self._store.get(TOKENS_KEY, {}).items():
            if hmac.compare_digest(kept, digest):
                return name
        return None

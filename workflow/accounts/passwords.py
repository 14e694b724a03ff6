"""Password hashing with the stdlib's scrypt (memory-hard), and API token generation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

_N, _R, _P = 2**14, 8, 1
TOKEN_PREFIX = "dd_"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``. Without a usable stored hash the same scrypt
    work is done against a dummy one, so the answer takes as long for an unknown user, an
    inactive one or a token-only one as for a real one: timing does not tell which names exist."""
    usable = bool(stored) and stored is not None and stored.startswith("scrypt$")
    try:
        _, n, r, p, salt_b64, digest_b64 = (stored if usable and stored else _dummy_hash()).split("$")
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        got = _scrypt(password.encode(), salt, int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected) and usable


def _scrypt(password: bytes, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=dklen)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def new_secret() -> str:
    """256 random bits, URL-safe: session cookies and CSRF tokens."""
    return secrets.token_urlsafe(32)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # tokens and session ids carry 256 bits of entropy, so a plain SHA-256 is enough to store them
    return hashlib.sha256(token.encode()).hexdigest()

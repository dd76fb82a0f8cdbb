"""Charger-cloud logins, encrypted at rest.

The store holds only a Fernet token of {username, password}; the key is outside the store
(secrets.sync_key). The clear text exists only in memory during a sync or a connection
test: it is never shown again, logged, exported or put into a page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from chargeboard import secrets


class CredentialError(RuntimeError):
    """Stored credentials cannot be read (wrong or missing key)."""


@dataclass(frozen=True)
class Login:
    username: str
    password: str

    def __repr__(self) -> str:  # a traceback or a log line never shows the password
        return "Login(username=…, password=…)"

    __str__ = __repr__


def _fernet() -> tuple[Fernet, str]:
    try:
        key, source = secrets.sync_key()
    except secrets.SecretError as error:  # too short, or a key file not this user's alone: one line
        raise CredentialError(str(error)) from None
    # Any long random text is accepted as the key; Fernet wants 32 bytes, base64.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())), source


def encrypt(login: Login) -> str:
    fernet, _ = _fernet()
    return fernet.encrypt(json.dumps({"u": login.username, "p": login.password}).encode()).decode("ascii")


def decrypt(token: str, what: str = "the stored login") -> Login:
    fernet, source = _fernet()
    try:
        data = json.loads(fernet.decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError):
        raise CredentialError(f"{what} cannot be decrypted with the sync key from {source}: the key was "
                              "changed or belongs to another machine. Enter the password again.") from None
    return Login(data["u"], data["p"])

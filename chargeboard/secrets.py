"""The key that signs the login cookie. It never lives in the repository.

Anyone who knows it can forge a login (the cookie is an HS256 JWT of the username), so
the app refuses to start without a real one.
"""

from __future__ import annotations

import os
import secrets as random_source
from pathlib import Path

from chargeboard import private_files, settings

MIN_KEY_BYTES = 32
KNOWN_DEFAULTS = {"some_key", "some_signature_key", "random_signature_key", "abcdef", "secret", "changeme"}


class SecretError(RuntimeError):
    pass


def cookie_key() -> str:
    key = os.environ.get("CHARGEBOARD_COOKIE_KEY")
    source = "CHARGEBOARD_COOKIE_KEY"
    if not key:
        path = settings.secret_file()
        source = str(path)
        key = _read_key(path)
    if not key:
        raise SecretError("No cookie key: set CHARGEBOARD_COOKIE_KEY or run `make run`, which writes "
                          f"{settings.secret_file().name} with a random key.")
    if key.lower() in KNOWN_DEFAULTS:
        raise SecretError(f"The cookie key from {source} is a well-known default; anyone could forge a login.")
    if len(key.encode()) < MIN_KEY_BYTES:
        raise SecretError(f"The cookie key from {source} is shorter than {MIN_KEY_BYTES} bytes.")
    return key


def _read_key(path: Path) -> str:
    """A key file's text ("" when there is none), only if it and its folder are this user's alone:
    a key another user planted or may write would let them forge logins or read cloud passwords."""
    try:
        return private_files.read_text(path).strip()
    except FileNotFoundError:
        return ""
    except private_files.NotPrivate as error:
        raise SecretError(str(error)) from None


def write_new_key(path: Path) -> bool:
    """Create the git-ignored key file once (32 random bytes, hex). False if it existed. Written whole
    or not at all (a full disk must not leave an empty key file behind), 0600 from the start: never
    readable by another local user, not even briefly."""
    try:
        return private_files.create_new(path, random_source.token_hex(MIN_KEY_BYTES) + "\n")
    except private_files.NotPrivate as error:
        raise SecretError(str(error)) from None


def sync_key_file() -> Path:
    """Where the sync key is kept when $CHARGEBOARD_SYNC_KEY does not give it."""
    return Path(os.environ.get("CHARGEBOARD_SYNC_KEY_FILE", settings.PROJECT_ROOT / ".sync-key"))


def sync_key() -> tuple[str, str]:
    """The key that encrypts charger-cloud passwords, and where it came from. Like the cookie
    key it never lives in the store or the repository: $CHARGEBOARD_SYNC_KEY, else a git-ignored
    0600 file ($CHARGEBOARD_SYNC_KEY_FILE, default .sync-key), made on first use."""
    key = os.environ.get("CHARGEBOARD_SYNC_KEY", "").strip()
    if key:
        source = "CHARGEBOARD_SYNC_KEY"
    else:
        path = sync_key_file()
        source = str(path)
        write_new_key(path)
        key = _read_key(path)
    if len(key.encode()) < MIN_KEY_BYTES:
        raise SecretError(f"The sync key from {source} is shorter than {MIN_KEY_BYTES} bytes.")
    return key, source

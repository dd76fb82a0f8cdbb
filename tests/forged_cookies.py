"""Forged and malformed login cookies (each must mean: log in again), and a well-signed control.
Checked against the cookie check itself (test_logins) and, some of them, in a real browser
(test_logins_browser). Each takes the account's current session version (version_of), so only
what it forges is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import support

from chargeboard import accounts


def version_of(auth: Path, username: str = "styret") -> int:
    return accounts.find_account(username, auth).session_version


def _claims(ver: object, username: str = "styret", days: float = 1) -> dict:
    return {"username": username, "ver": ver, "exp": datetime.now(UTC) + timedelta(days=days)}


def _unsigned(claims: dict, alg: str) -> str:
    import base64  # noqa: PLC0415
    import json  # noqa: PLC0415

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, default=str).encode()).rstrip(b"=").decode()

    body = {**claims, "exp": int(claims["exp"].timestamp())}
    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(body)}."


# Each takes the account's current session version.
FORGED = {
    "alg none": lambda ver: _unsigned(_claims(ver), "none"),
    "alg None": lambda ver: _unsigned(_claims(ver), "None"),
    "alg HS512": lambda ver: jwt.encode(_claims(ver), support.COOKIE_KEY, algorithm="HS512"),
    "alg RS256 header, no signature": lambda ver: _unsigned(_claims(ver), "RS256"),
    "wrong key": lambda ver: jwt.encode(_claims(ver), "x" * 64, algorithm="HS256"),
    "garbage": lambda ver: "not-a-jwt",
    "garbage with dots": lambda ver: "a.b.c",
    "expired": lambda ver: jwt.encode(_claims(ver, days=-1), support.COOKIE_KEY, algorithm="HS256"),
    "unknown user": lambda ver: jwt.encode(_claims(ver, "mallory"), support.COOKIE_KEY, algorithm="HS256"),
    "stale version": lambda ver: jwt.encode(_claims(ver - 1), support.COOKIE_KEY, algorithm="HS256"),
    "version as text": lambda ver: jwt.encode(_claims(str(ver)), support.COOKIE_KEY, algorithm="HS256"),
    "the library's old cookie (no version)": lambda ver: jwt.encode(
        {"username": "styret", "exp_date": (datetime.now() + timedelta(days=1)).timestamp()},
        support.COOKIE_KEY, algorithm="HS256"),
}


def control(ver: int) -> str:
    """The same claims, signed with the server's key: a login."""
    return jwt.encode(_claims(ver), support.COOKIE_KEY, algorithm="HS256")

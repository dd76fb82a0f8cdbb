"""Forged and malformed login cookies (each must mean: log in again), and a well-signed control.
Checked against the cookie check itself (test_logins) and, some of them, in a real browser
(test_logins_browser)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import support


def _claims(username: str = "styret", ver: object = 0, days: float = 1) -> dict:
    return {"username": username, "ver": ver, "exp": datetime.now(UTC) + timedelta(days=days)}


def _unsigned(claims: dict, alg: str) -> str:
    import base64  # noqa: PLC0415
    import json  # noqa: PLC0415

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, default=str).encode()).rstrip(b"=").decode()

    body = {**claims, "exp": int(claims["exp"].timestamp())}
    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(body)}."


FORGED = {
    "alg none": lambda: _unsigned(_claims(), "none"),
    "alg None": lambda: _unsigned(_claims(), "None"),
    "alg HS512": lambda: jwt.encode(_claims(), support.COOKIE_KEY, algorithm="HS512"),
    "alg RS256 header, no signature": lambda: _unsigned(_claims(), "RS256"),
    "wrong key": lambda: jwt.encode(_claims(), "x" * 64, algorithm="HS256"),
    "garbage": lambda: "not-a-jwt",
    "garbage with dots": lambda: "a.b.c",
    "expired": lambda: jwt.encode(_claims(days=-1), support.COOKIE_KEY, algorithm="HS256"),
    "unknown user": lambda: jwt.encode(_claims("mallory"), support.COOKIE_KEY, algorithm="HS256"),
    "stale version": lambda: jwt.encode(_claims(ver=-1), support.COOKIE_KEY, algorithm="HS256"),
    "version as text": lambda: jwt.encode(_claims(ver="0"), support.COOKIE_KEY, algorithm="HS256"),
    "the library's old cookie (no version)": lambda: jwt.encode(
        {"username": "styret", "exp_date": (datetime.now() + timedelta(days=1)).timestamp()},
        support.COOKIE_KEY, algorithm="HS256"),
}


def control() -> str:
    """The same claims, signed with the server's key: a login."""
    return jwt.encode(_claims(), support.COOKIE_KEY, algorithm="HS256")

"""A local stand-in for the Zaptec and Easee clouds: a plain http.server in a thread that
speaks the documented endpoints (tokens, paging, sites, sessions) and can be told to
misbehave (a token that expires, 429 with Retry-After, a 5xx, a changed password).

    fake = FakeCloud(); fake.start() ... fake.url ... fake.stop()

State the tests change between syncs: fake.zaptec_sessions (installation id -> records),
fake.easee_sessions (charger id -> sessions), fake.password, fake.token_uses (requests a token
serves before it expires), fake.fail(path_part, status, times, retry_after).
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlparse

from fake_http import FakeHttpServer

USERNAME = "styret@example.org"
PASSWORD = "sky-passord-1"


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class FakeCloud(FakeHttpServer):
    def __init__(self):
        super().__init__()
        self.password = PASSWORD
        self.token_uses: int | None = None   # None: tokens never expire
        self.page_size = 2                   # the fake's own page cap, to force paging
        self.tokens: dict[str, int] = {}     # token -> requests left
        self.refresh_tokens: set[str] = set()
        self.logins = 0
        self.refreshes = 0
        self.log: list[tuple[float, str, str]] = []   # (monotonic time, method, path with query)
        self.bodies: list[bytes] = []
        self.zaptec_installations = [{"Id": "inst-1", "Name": "Borettslaget Sky"}]
        self.zaptec_chargers = [{"Id": "chg-1", "DeviceId": "ZAP-001", "Name": "Plass 1", "InstallationId": "inst-1"},
                                {"Id": "chg-2", "DeviceId": "ZAP-002", "Name": "Plass 2", "InstallationId": "inst-1"}]
        self.zaptec_sessions: dict[str, list[dict]] = {"inst-1": []}
        self.easee_sites = [{"id": 101, "name": "Sameiet Easee", "circuits": [
            {"id": 1, "chargers": [{"id": "EH000001", "name": "Lader 1"}, {"id": "EH000002", "name": "Lader 2"}]}]}]
        self.easee_sessions: dict[str, list[dict]] = {"EH000001": [], "EH000002": []}
        self.redirect_to: str | None = None  # set: every request answers 307 to this origin (same path)

    # -- control ---------------------------------------------------------------------
    def requests_to(self, path_part: str) -> list[tuple[float, str, str]]:
        return [entry for entry in self.log if path_part in entry[2]]

    def start(self) -> FakeCloud:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self.serve(Handler)
        return self

    # -- serving ---------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parsed = urlparse(handler.path)
        with self.lock:
            self.log.append((time.monotonic(), method, handler.path))
            self.bodies.append(body)
        if fault := self.take_fault(parsed.path):
            return self._send(handler, fault[0], {"error": "injected"}, fault[1])
        if self.redirect_to:  # 307: a client that follows it sends the same body (the password) on
            return self._send(handler, 307, {"moved": True}, {"Location": self.redirect_to + handler.path})
        try:
            status, payload = self._route(handler, method, parsed.path, parse_qs(parsed.query), body)
        except Exception as error:  # noqa: BLE001 — a fake's own bug shows as a 500 with its text
            status, payload = 500, {"error": repr(error)}
        self._send(handler, status, payload)

    @staticmethod
    def _send(handler, status: int, payload, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _new_token(self) -> str:
        token = secrets.token_hex(8)
        self.tokens[token] = self.token_uses if self.token_uses is not None else 10**9
        return token

    def _authorized(self, handler) -> bool:
        token = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        with self.lock:
            left = self.tokens.get(token, 0)
            if left <= 0:
                return False
            self.tokens[token] = left - 1
            return True

    def _route(self, handler, method: str, path: str, query: dict, body: bytes):
        # Zaptec
        if method == "POST" and path == "/oauth/token":
            form = parse_qs(body.decode())
            self.logins += 1
            if form.get("grant_type") != ["password"] or form.get("username") != [USERNAME] \
                    or form.get("password") != [self.password]:
                return 400, {"error": "invalid_grant"}
            return 200, {"access_token": self._new_token(), "token_type": "Bearer", "expires_in": 86400}
        # Easee
        if method == "POST" and path == "/api/accounts/login":
            sent = json.loads(body or b"{}")
            self.logins += 1
            if sent.get("userName") != USERNAME or sent.get("password") != self.password:
                return 401, {"title": "Unauthorized"}
            return 200, self._easee_tokens()
        if method == "POST" and path == "/api/accounts/refresh_token":
            sent = json.loads(body or b"{}")
            self.refreshes += 1
            if sent.get("refreshToken") not in self.refresh_tokens:
                return 401, {"title": "Unauthorized"}
            self.refresh_tokens.discard(sent["refreshToken"])
            return 200, self._easee_tokens()
        if not self._authorized(handler):
            return 401, {"Message": "Authorization has been denied for this request."}
        if path == "/api/installation":
            return 200, self._page(self.zaptec_installations, query)
        if path == "/api/chargers":
            return 200, self._page(self.zaptec_chargers, query)
        if path == "/api/chargehistory":
            assert query.get("DetailLevel") == ["1"]
            start, end = _parse(query["From"][0]), _parse(query["To"][0])
            records = [r for r in self.zaptec_sessions.get(query["InstallationId"][0], [])
                       if start <= _parse(r["StartDateTime"]) < end]
            return 200, self._page(records, query)
        if path == "/api/sites":
            return 200, [{"id": s["id"], "name": s["name"]} for s in self.easee_sites]
        if path.startswith("/api/sites/"):
            site_id = int(path.rsplit("/", 1)[1])
            return 200, next(s for s in self.easee_sites if s["id"] == site_id)
        if path.startswith("/api/sessions/charger/"):
            parts = path.split("/")  # /api/sessions/charger/{id}/sessions/{from}/{to}
            charger, start, end = parts[4], _parse(unquote(parts[6])), _parse(unquote(parts[7]))
            return 200, [s for s in self.easee_sessions.get(charger, [])
                         if start <= _parse(s["carConnected"]) < end]
        return 404, {"error": f"no route {path}"}

    def _easee_tokens(self) -> dict:
        refresh = secrets.token_hex(8)
        self.refresh_tokens.add(refresh)
        return {"accessToken": self._new_token(), "refreshToken": refresh, "expiresIn": 3600, "tokenType": "Bearer"}

    def _page(self, items: list, query: dict) -> dict:
        size = min(int(query.get("PageSize", ["50"])[0]), self.page_size)
        index = int(query.get("PageIndex", ["0"])[0])
        pages = max(1, -(-len(items) // size))
        return {"Pages": pages, "Data": items[index * size:(index + 1) * size]}


def easee_session(session_id: int, charger: str = "EH000001", *, start: str = "2026-10-01T17:00:00Z",
                  end: str | None = "2026-10-01T19:00:00Z", kwh: float | None = 7.5, user: int | None = 77,
                  token: str | None = "RFID-77", **extra) -> dict:
    """One Easee session as GET /api/sessions/charger/{id}/sessions/{from}/{to} lists it."""
    return {"id": session_id, "chargerId": charger, "carConnected": start, "carDisconnected": end,
            "kiloWattHours": kwh, "actualDurationSeconds": 5400, "authToken": token, "userId": user,
            "costIncludingVat": 12.5, "costExcludingVat": 10.0, "pricePrKwhIncludingVat": 1.67,
            "currencyId": "NOK", **extra}

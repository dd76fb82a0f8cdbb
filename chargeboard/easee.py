"""The Easee cloud (api.easee.com): login, sites with their chargers, and each charger's sessions.

Endpoints as Easee's API reference and open-source clients (pyeasee, easee_hass) use them:
POST /api/accounts/login {userName, password} -> {accessToken, refreshToken, expiresIn};
POST /api/accounts/refresh_token {accessToken, refreshToken}; GET /api/sites; GET
/api/sites/{id}?detailed=true (circuits with their chargers); GET
/api/sessions/charger/{chargerId}/sessions/{from}/{to} (a JSON list of sessions).
Sessions are landed as the generic CSV (README, "Easee field mapping"), so ingest.py
validates them like any other feed.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from chargeboard.cloud_http import CloudError, CloudSession, LoginRefused
from chargeboard.credentials import Login
from chargeboard.zaptec import CloudInstallation, Pull, private_file

DEFAULT_API_URL = "https://api.easee.com"
PROVIDER = "easee"
TITLE = "Easee"
# One request per charger and slice: a long backfill is asked for a month at a time.
SLICE = timedelta(days=31)
CSV_COLUMNS = ("session_id", "station_id", "station_name", "user_id", "user_name", "user_email", "tag",
               "started_at", "ended_at", "energy_kwh", "offline", "time_unreliable", "registered_at",
               # not read by the ingest; kept in the landed file
               "actual_duration_seconds", "cost_including_vat", "cost_excluding_vat",
               "price_per_kwh_including_vat", "currency")


def _time(value) -> str:
    """An Easee time as ISO 8601 with its offset (no offset = UTC); bad text is passed on
    unchanged so the ingest rejects the row and says why."""
    if value in (None, ""):
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def _text(value) -> str:
    return "" if value is None else str(value)


def session_row(session: dict, station_names: dict[str, str]) -> dict | None:
    """One Easee session as a generic-CSV row; None for a session still running."""
    if not session.get("carDisconnected"):
        return None  # still charging: it is read again in a later sync's window
    user = session.get("userId") or session.get("authUser")
    charger = _text(session.get("chargerId"))
    return {
        "session_id": f"easee-{_text(session.get('id'))}" if session.get("id") is not None else "",
        "station_id": charger,
        "station_name": station_names.get(charger, ""),
        "user_id": f"easee-user-{user}" if user else "",
        "user_name": _text(session.get("userName") or session.get("authUserName")),
        "user_email": _text(session.get("userEmail")),
        "tag": _text(session.get("authToken")),
        "started_at": _time(session.get("carConnected")),
        "ended_at": _time(session.get("carDisconnected")),
        "energy_kwh": _text(session.get("kiloWattHours")),
        "offline": "false",
        "time_unreliable": "false",
        "registered_at": "",
        "actual_duration_seconds": _text(session.get("actualDurationSeconds")),
        "cost_including_vat": _text(session.get("costIncludingVat")),
        "cost_excluding_vat": _text(session.get("costExcludingVat")),
        "price_per_kwh_including_vat": _text(session.get("pricePrKwhIncludingVat")
                                             or session.get("pricePerKwhIncludingVat")),
        "currency": _text(session.get("currencyId") or session.get("currency")),
    }


class EaseeClient:
    provider, title = PROVIDER, TITLE

    def __init__(self, login: Login, api_url: str | None = None, **session_options):
        self._credentials = login
        self._refresh_token: str | None = None
        self.session = CloudSession(TITLE, api_url or DEFAULT_API_URL, self._token, **session_options)

    def close(self) -> None:
        self.session.close()

    def _token(self, session: CloudSession) -> str:
        """A fresh access token: by the refresh token when there is one, else by logging in."""
        if self._refresh_token and session.token:
            response = session.send("POST", "/api/accounts/refresh_token", authorized=False, json={
                "accessToken": session.token, "refreshToken": self._refresh_token})
            if response.status_code < 300:
                return self._take(response)
        response = session.send("POST", "/api/accounts/login", authorized=False, json={
            "userName": self._credentials.username, "password": self._credentials.password})
        if response.status_code in (400, 401, 403):
            raise LoginRefused(f"{TITLE} refused the login: wrong username or password ({session.base_url})")
        if response.status_code >= 300:
            raise CloudError(f"{TITLE}: the login answered {response.status_code}")
        return self._take(response)

    def _take(self, response) -> str:
        try:
            body = response.json()
            self._refresh_token = body.get("refreshToken")
            return body["accessToken"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CloudError(f"{TITLE}: the login answer has no accessToken") from None

    def installations(self) -> list[CloudInstallation]:
        sites = self.session.json("GET", "/api/sites")
        if not isinstance(sites, list):
            raise CloudError(f"{TITLE}: /api/sites is not a list")
        found = []
        for site in sites:
            detail = self.session.json("GET", f"/api/sites/{quote(str(site['id']), safe='')}",
                                       params={"detailed": "true"})
            chargers = [(str(c.get("id")), str(c.get("id")), str(c.get("name") or ""))
                        for circuit in detail.get("circuits") or [] for c in circuit.get("chargers") or []]
            found.append(CloudInstallation(str(site["id"]), str(site.get("name") or site["id"]), chargers))
        return found

    def pull(self, installation: CloudInstallation, start: datetime, end: datetime, target) -> Pull:
        names = {charger_id: name for charger_id, _, name in installation.chargers}
        requests_made = rows = 0
        # Written slice by slice as they arrive, never held in memory whole.
        with private_file(target) as out:
            writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for charger_id, _, _ in installation.chargers:
                slice_start = start
                while slice_start < end:
                    slice_end = min(end, slice_start + SLICE)
                    path = (f"/api/sessions/charger/{quote(charger_id, safe='')}/sessions/"
                            f"{quote(slice_start.astimezone(UTC).isoformat(), safe='')}/"
                            f"{quote(slice_end.astimezone(UTC).isoformat(), safe='')}")
                    sessions = self.session.json("GET", path)
                    requests_made += 1
                    if not isinstance(sessions, list):
                        raise CloudError(f"{TITLE}: the sessions of charger {charger_id} are not a list")
                    found = [row for s in sessions if isinstance(s, dict) and (row := session_row(s, names))]
                    writer.writerows(found)
                    rows += len(found)
                    slice_start = slice_end
        return Pull(target, "csv", requests_made, rows)

"""The Zaptec cloud (api.zaptec.com): login, installations, chargers and charge history.

Endpoints as the public API help (https://api.zaptec.com/help) and open-source clients use
them: a password-grant token from POST /oauth/token; GET /api/installation and
GET /api/chargers (paged {Pages, Data}); GET /api/chargehistory with InstallationId,
From, To, DetailLevel=1 (EnergyDetails included), PageSize and PageIndex from 0.
The pages are landed as one Zaptec JSON file (a list of pages) that ingest.py reads.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from chargeboard.cloud_http import CloudError, CloudSession, LoginRefused
from chargeboard.credentials import Login

DEFAULT_API_URL = "https://api.zaptec.com"
PAGE_SIZE = 5000  # the largest page the cloud serves
PROVIDER = "zaptec"
TITLE = "Zaptec"


@dataclass
class CloudInstallation:
    cloud_id: str
    name: str
    chargers: list[tuple[str, str, str]] = field(default_factory=list)  # (id, serial, name)


@dataclass
class Pull:
    path: Path
    fmt: str
    pages: int
    records: int


def api_time(moment: datetime) -> str:
    """Zaptec's request time format: UTC, no offset."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class ZaptecClient:
    provider, title = PROVIDER, TITLE

    def __init__(self, login: Login, api_url: str | None = None, **session_options):
        self._credentials = login
        self.session = CloudSession(TITLE, api_url or DEFAULT_API_URL, self._token, **session_options)

    def close(self) -> None:
        self.session.close()

    def _token(self, session: CloudSession) -> str:
        response = session.send("POST", "/oauth/token", authorized=False, data={
            "grant_type": "password", "username": self._credentials.username, "password": self._credentials.password})
        if response.status_code in (400, 401, 403):
            raise LoginRefused(f"{TITLE} refused the login: wrong username or password ({session.base_url})")
        if response.status_code >= 300:
            raise CloudError(f"{TITLE}: the login answered {response.status_code}")
        try:
            return response.json()["access_token"]
        except (ValueError, KeyError, TypeError):
            raise CloudError(f"{TITLE}: the login answer has no access_token") from None

    def _paged(self, path: str, params: dict) -> Iterator[dict]:
        """Every page of a paged list ({Pages, Data}), PageIndex from 0, one at a time."""
        index = 0
        while True:
            page = self.session.json("GET", path, params={**params, "PageSize": PAGE_SIZE, "PageIndex": index})
            if not isinstance(page, dict) or not isinstance(page.get("Data"), list):
                raise CloudError(f"{TITLE}: {path} page {index} is not a {{Pages, Data}} page")
            yield page
            index += 1
            if index >= int(page.get("Pages") or 0):
                return

    def installations(self) -> list[CloudInstallation]:
        found = {str(i["Id"]): CloudInstallation(str(i["Id"]), str(i.get("Name") or i["Id"]))
                 for page in self._paged("/api/installation", {}) for i in page["Data"] if i.get("Id")}
        for page in self._paged("/api/chargers", {}):
            for charger in page["Data"]:
                owner = found.get(str(charger.get("InstallationId")))
                if owner is not None:
                    owner.chargers.append((str(charger.get("Id")), str(charger.get("DeviceId") or ""),
                                           str(charger.get("Name") or "")))
        return list(found.values())

    def pull(self, installation: CloudInstallation, start: datetime, end: datetime, target: Path) -> Pull:
        """The installation's charge history from start to end, written to `target` as one
        Zaptec JSON file (a list of the response pages)."""
        pages = records = 0
        # Written page by page as they arrive: a two-year backfill of a large installation
        # is never held in memory whole (nor as one string).
        with private_file(target) as out:
            out.write("[")
            for page in self._paged("/api/chargehistory", {"InstallationId": installation.cloud_id,
                                                           "From": api_time(start), "To": api_time(end),
                                                           "DetailLevel": 1}):
                out.write(("," if pages else "") + json.dumps(page, ensure_ascii=False))
                pages, records = pages + 1, records + len(page["Data"])
            out.write("]")
        return Pull(target, "zaptec-json", pages, records)


@contextlib.contextmanager
def private_file(target: Path) -> Iterator[TextIO]:
    """A text file only the app's user can read, written under a temporary name and moved to
    `target` when complete (a reader never sees half of it; a failed pull leaves nothing)."""
    temporary = target.with_name(f".{target.name}.part")
    temporary.touch(mode=0o600)
    temporary.chmod(0o600)
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as out:
            yield out
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    temporary.replace(target)

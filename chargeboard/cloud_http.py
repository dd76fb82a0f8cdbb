"""HTTP for the charger clouds: a rate limit, retries that honour Retry-After, one re-login.

Both clouds ask for fair use (Zaptec: at most 10 requests a second). A 429 or a 5xx is
waited out and retried with growing back-off up to a cap; a 401 means the token expired,
so the connector logs in again once and repeats the request. Errors are one line that
never carries a password or a token. A redirect is never followed: a 307 or 308 would send the
login's body (the stored password) or the bearer token on to wherever it points.
"""

from __future__ import annotations

import email.utils
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import requests

MAX_REQUESTS_PER_SECOND = 9.0  # under the cloud's 10
DEFAULT_RETRIES = 5
DEFAULT_BACKOFF_SECONDS = 2.0
MAX_WAIT_SECONDS = 120.0
TIMEOUT_SECONDS = 60.0


class CloudError(RuntimeError):
    """The cloud could not be read; one line, no secrets."""


class LoginRefused(CloudError):
    """The cloud said no to the username and password."""


class RateLimiter:
    """At most `per_second` requests a second, across the threads that share it."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class CloudSession:
    """One cloud account's HTTP: base URL, bearer token, limiter, retries.

    `login` is called to get a token (first request, and once again after a 401)."""

    def __init__(self, name: str, base_url: str, login: Callable[[CloudSession], str], *,
                 retries: int | None = None, backoff: float | None = None, per_second: float = MAX_REQUESTS_PER_SECOND):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._login = login
        self.token: str | None = None
        self.retries = int(os.environ.get("CHARGEBOARD_SYNC_RETRIES", DEFAULT_RETRIES)) if retries is None else retries
        self.backoff = (float(os.environ.get("CHARGEBOARD_SYNC_BACKOFF", DEFAULT_BACKOFF_SECONDS))
                        if backoff is None else backoff)
        self.limiter = RateLimiter(per_second)
        self.http = requests.Session()
        self.requests_made = 0

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, path: str, *, authorized: bool = True, **kwargs) -> requests.Response:
        """One request, retried on 429/5xx/network errors; re-login once on a 401."""
        if authorized and self.token is None:
            self.token = self._login(self)
        relogged = False
        attempt = 0
        extra_headers = dict(kwargs.pop("headers", None) or {})
        while True:
            headers = dict(extra_headers)
            if authorized:
                headers["Authorization"] = f"Bearer {self.token}"
            self.limiter.wait()
            self.requests_made += 1
            try:
                response = self.http.request(method, self.base_url + path, headers=headers,
                                             timeout=TIMEOUT_SECONDS, allow_redirects=False, **kwargs)
            except requests.RequestException as error:
                reason = type(error).__name__
                if attempt >= self.retries:
                    raise CloudError(f"{self.name}: {method} {path} failed after {attempt + 1} tries ({reason})") from None
                self._sleep(attempt, None)
                attempt += 1
                continue
            if response.is_redirect:
                raise CloudError(f"{self.name}: {method} {path} answered a redirect ({response.status_code}), which "
                                 f"Chargeboard does not follow (the password or token would go with it); check "
                                 f"the API address {self.base_url}")
            if response.status_code == 401 and authorized and not relogged:
                relogged = True  # the token expired: log in again, once
                self.token = self._login(self)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt >= self.retries:
                    raise CloudError(f"{self.name}: {method} {path} answered {response.status_code} "
                                     f"after {attempt + 1} tries; try again later")
                self._sleep(attempt, retry_after_seconds(response.headers.get("Retry-After")))
                attempt += 1
                continue
            return response

    def _sleep(self, attempt: int, retry_after: float | None) -> None:
        backoff = self.backoff * (2 ** attempt)
        time.sleep(min(MAX_WAIT_SECONDS, max(retry_after or 0.0, backoff if retry_after is None else 0.0)))

    def json(self, method: str, path: str, **kwargs):
        response = self.send(method, path, **kwargs)
        if response.status_code == 401:
            raise LoginRefused(f"{self.name}: the cloud refused the login for {path} even after logging in again")
        if response.status_code >= 400:
            raise CloudError(f"{self.name}: {method} {path} answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise CloudError(f"{self.name}: {method} {path} did not answer JSON") from None

"""A local stand-in for the public Norwegian price API (hvakosterstrommen.no): a ThreadingHTTPServer on
127.0.0.1 serving day files `/api/v1/prices/YYYY/MM-DD_NOx.json` from a dict, 404 for any other path,
and faults the tests ask for (a 429 with Retry-After, a 500) before a path is served.

    fake = PriceApi(); fake.start() ... fake.url ... fake.stop()
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from zoneinfo import ZoneInfo

from fake_http import FakeHttpServer

OSLO = ZoneInfo("Europe/Oslo")


def day_records(day: date, minutes: int = 60, price=lambda i: Decimal("0.5") + Decimal(i) / 100,
                skip: tuple[int, ...] = ()) -> list[dict]:
    """A local (Oslo) day's prices as the API gives them: local times with their offset; 23 or 25 hours
    on DST days. `skip`: interval indexes left out (a gap)."""
    start = datetime(day.year, day.month, day.day, tzinfo=OSLO).astimezone(UTC)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=OSLO).astimezone(UTC)
    records, at, i = [], start, 0
    while at < end:
        nxt = at + timedelta(minutes=minutes)
        if i not in skip:
            nok = price(i)
            records.append({"NOK_per_kWh": float(nok), "EUR_per_kWh": float(round(nok / Decimal("11.5"), 5)),
                            "EXR": 11.5, "time_start": at.astimezone(OSLO).isoformat(),
                            "time_end": nxt.astimezone(OSLO).isoformat()})
        at, i = nxt, i + 1
    return records


def day_path(day: date, area: str) -> str:
    return f"/api/v1/prices/{day:%Y}/{day:%m-%d}_{area}.json"


class PriceApi(FakeHttpServer):
    def __init__(self):
        super().__init__()
        self.days: dict[str, bytes] = {}      # path -> body
        self.log: list[str] = []

    def put(self, day: date, area: str, records) -> None:
        self.days[day_path(day, area)] = json.dumps(records).encode() if not isinstance(records, bytes) else records

    def start(self) -> PriceApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                with fake.lock:
                    fake.log.append(self.path)
                if fault := fake.take_fault(self.path):
                    self.send_response(fault[0])
                    for name, value in fault[1].items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with fake.lock:
                    body = fake.days.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.serve(Handler)
        return self

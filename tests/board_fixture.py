"""A tiny installation with known answers, shared by the dashboard and corrections tests.

Installation time zone Europe/Oslo (UTC+1 in March 2025 until the 30th). Feed times are UTC.
Period under test: March 2025 (744 hours). Two stations, two users:

====  =======  =====  =====================  =====  ======  ==========================
id    station  user   start (UTC)            min    kWh     counted in
====  =======  =====  =====================  =====  ======  ==========================
m1    chg-1    u-1    2025-03-03 10:00 (Mon)  120   10.000  March
m2    chg-2    u-2    2025-03-11 16:00 (Tue)   60    5.000  March
m3    chg-1    u-1    2025-03-17 08:00 (Mon)   60    7.500  March
p1    chg-1    u-1    2025-02-10 10:00         60   10.000  previous period (29 Jan–28 Feb)
y1    chg-2    u-2    2024-03-05 10:00         60    4.000  March 2024 (last year)
x1    chg-2    u-2    2024-06-10 00:00         60    6.000  time unreliable (metadata 2), a wrong but
                      registered 2025-03-20 10:00          possible date: counted in March only by
                                                           registration (an impossible one, like
                                                           2000-01-01, is dated by registration at
                                                           ingest: tests/test_integrity.py)
====  =======  =====  =====================  =====  ======  ==========================
"""

from __future__ import annotations

from datetime import date, datetime

import support

from chargeboard.ingest import ingest_file

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def record(sid, station, user, start, minutes, kwh, **kw):
    return support.zaptec_record(sid, station=station, serial=f"ZAP-{station}", station_name=f"Station {station}",
                                 user_id=user, user_name=f"User {user}", email=f"{user}@example.org",
                                 tag=f"Tag {user}", start=start, minutes=minutes, kwh=kwh, **kw)


RECORDS = [
    record("m1", "chg-1", "u-1", datetime(2025, 3, 3, 10), 120, 10.0),
    record("m2", "chg-2", "u-2", datetime(2025, 3, 11, 16), 60, 5.0),
    record("m3", "chg-1", "u-1", datetime(2025, 3, 17, 8), 60, 7.5),
    record("p1", "chg-1", "u-1", datetime(2025, 2, 10, 10), 60, 10.0),
    record("y1", "chg-2", "u-2", datetime(2024, 3, 5, 10), 60, 4.0),
    record("x1", "chg-2", "u-2", datetime(2024, 6, 10, 0), 60, 6.0, metadata=2,
           registered=datetime(2025, 3, 20, 10)),
]


def load(store, feeds, records=RECORDS):
    ingest_file(store, feeds.zaptec(records, "board.json"), installation="Board test")
    return store

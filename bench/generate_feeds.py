"""Generate large, deterministic charge-history feeds for benchmarks.

    .venv/bin/python bench/generate_feeds.py --sessions 1000000 --format zaptec-json --out bench/out/1m.json
    .venv/bin/python bench/generate_feeds.py --sessions 1000000 --format csv --out bench/out/1m.csv --seed 7

2,000 stations (100 sites of 20), 5,000 users, 6,000 RFID tags (users 0-999 have a second tag),
sessions spread over the two years up to --end (a fixed date by default, so runs are reproducible),
60% starting 16-20 local time, 1% guests (no user, no tag), 3% started from the app (no tag),
0.5% offline (registered 1-72 h after the end), 0.05% of those with an unreliable clock
(times around 2000-01-01). Stations are not checked for overlapping sessions.

Formats:
* zaptec-json: a bare JSON list of records with Zaptec's chargehistory field names
  (times UTC without offset, EnergyDetails omitted);
* csv: the generic CSV (session_id,station_id,station_name,user_id,user_name,user_email,tag,
  started_at,ended_at,energy_kwh,offline,time_unreliable,registered_at), Europe/Oslo times with offset.

DuckDB does everything in memory and streams the file out (~100 MB RSS even for 10M sessions).
Randomness is hash(row * 16 + k, seed): the output is byte-identical for the same arguments at any
thread count. (Not hash(row, seed, k): DuckDB combines several arguments' hashes weakly, and the
values came out correlated across k.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import duckdb

OUT = Path(__file__).resolve().parent / "out"
STATIONS, USERS, TAGS, DAYS = 2_000, 5_000, 6_000, 730
DEFAULT_END = dt.date(2026, 10, 31)
FIRST = ["Kari", "Ola", "Ingrid", "Lars", "Per", "Marit", "Knut", "Solveig", "Bjørn", "Astrid",
         "Håkon", "Sigrid", "Erlend", "Ragnhild", "Øyvind", "Tone", "Jørgen", "Liv", "Torstein", "Åse",
         "Geir", "Hilde", "Espen", "Nina", "Trond", "Kristin", "Stian", "Mette", "Frode", "Heidi",
         "Anders", "Randi", "Vegard", "Silje", "Terje", "Gunnhild", "Magnus", "Eva", "Rune", "Camilla",
         "Jonas", "Emma", "Nora", "Henrik", "Sofie", "Martin", "Ida", "Thomas", "Maja", "Sander"]
LAST = ["Nordmann", "Hansen", "Berg", "Olsen", "Johansen", "Larsen", "Andersen", "Pedersen", "Nilsen",
        "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Eriksen", "Haugen", "Bakken", "Solberg", "Dahl",
        "Lund", "Moen", "Strand", "Sæther", "Halvorsen", "Jakobsen", "Myhre", "Gundersen", "Aas", "Berntsen",
        "Lie", "Sørensen", "Ødegård", "Mathisen", "Hagen", "Ruud", "Brekke", "Fjeld", "Vik", "Bråten", "Løken",
        "Knutsen", "Iversen", "Amundsen", "Eide", "Lien", "Holm", "Hauge", "Nygaard", "Paulsen", "Aasen",
        "Ellingsen", "Martinsen", "Sandvik", "Evensen", "Rasmussen", "Tangen", "Jacobsen", "Ali", "Khan",
        "Nguyen", "Svendsen", "Moe", "Berge", "Isaksen", "Hovland", "Kristoffersen", "Lunde", "Strøm",
        "Fredriksen", "Antonsen", "Hermansen", "Dahle", "Sivertsen", "Ahmed", "Thorsen", "Solheim", "Mikkelsen",
        "Rønning", "Bakke", "Vold", "Aune", "Myklebust", "Tveit", "Hoel", "Wold", "Rasch", "Lorentzen",
        "Næss", "Helland", "Engen", "Gulbrandsen", "Sunde", "Aasland", "Høgli", "Kvam", "Nielsen",
        "Birkeland", "Stene", "Lindberg", "Eliassen", "Torgersen"]
assert len(FIRST) * len(LAST) == USERS and len(set(LAST)) == len(LAST)  # user u = (FIRST[u % 50], LAST[u // 50])

MACROS = """
CREATE MACRO u(i, k) AS hash(i * 16 + k, getvariable('seed'))::DOUBLE / 18446744073709551616.0;
CREATE MACRO fold(s) AS replace(replace(replace(lower(s), 'ø', 'o'), 'å', 'a'), 'æ', 'ae');
CREATE MACRO first_name(usr) AS getvariable('first')[1 + usr % 50];
CREATE MACRO last_name(usr) AS getvariable('last')[1 + usr // 50];
CREATE MACRO oslo(utc) AS timezone('Europe/Oslo', timezone('UTC', utc));
CREATE MACRO iso_local(utc) AS strftime(oslo(utc), '%Y-%m-%dT%H:%M:%S')
    || CASE datediff('minute', utc, oslo(utc)) WHEN 120 THEN '+02:00' ELSE '+01:00' END;
CREATE MACRO iso_utc(utc) AS strftime(utc, '%Y-%m-%dT%H:%M:%S.%g');
"""

# One row per session, in session order, with every value either format needs.
SESSIONS = """
CREATE VIEW sessions AS
WITH r AS (
    SELECT i, u(i, 1) AS u1, u(i, 2) AS u2, u(i, 3) AS u3, u(i, 4) AS u4, u(i, 5) AS u5, u(i, 6) AS u6,
        u(i, 7) AS u7, u(i, 8) AS u8, u(i, 9) AS u9, u(i, 10) AS u10, u(i, 11) AS u11, u(i, 12) AS u12,
        u(i, 13) AS u13
    FROM range(getvariable('n')) t(i)
), s AS (
    SELECT *,
        CASE WHEN u1 < 0.01 THEN NULL ELSE (u10 * 5000)::BIGINT % 5000 END AS usr,  -- 1% guests
        CASE WHEN u2 < 0.8 THEN ((u10 * 5000)::BIGINT % 5000 * 1237) % 2000      -- the user's home station
             ELSE (u2 * 1e6)::BIGINT % 2000 END AS st,
        getvariable('first_day')::DATE + (u3 * 730)::INT % 730
            + to_seconds((3600 * CASE WHEN u4 < 0.6 THEN 16 + 4 * u5 WHEN u4 < 0.75 THEN 20 + 3.5 * u5
                                      WHEN u4 < 0.85 THEN 6 + 3 * u5 ELSE 9 + 7 * u5 END)::BIGINT) AS start_local,
        round(2 + 43 * u6 * u6, 3) AS kwh
    FROM r
), t AS (
    SELECT *,
        usr IS NULL OR u7 < 0.03 AS no_tag,
        CASE WHEN usr < 1000 AND u11 < 0.3 THEN 5000 + usr ELSE usr END AS tag,  -- 6,000 tags
        u9 < 0.005 AS offline,
        u9 < 0.0005 AS unreliable,
        start_local + to_seconds((3600 * (kwh / (CASE WHEN st % 3 = 0 THEN 7.4 ELSE 11.0 END * 0.93)
                                          + 12 * u8 * u8))::BIGINT + 60) AS end_local
    FROM s
), z AS (
    SELECT *,
        timezone('UTC', timezone('Europe/Oslo', start_local)) AS start_utc,
        timezone('UTC', timezone('Europe/Oslo', end_local)) AS end_utc
    FROM t
)
SELECT *,
    -- a charger whose clock restarted at 2000-01-01 (its own times); the cloud learns of it late
    CASE WHEN unreliable THEN TIMESTAMP '2000-01-01' + to_seconds(i % 86400) ELSE start_utc END AS clock_start,
    CASE WHEN unreliable THEN TIMESTAMP '2000-01-01' + to_seconds(i % 86400) + (end_utc - start_utc)
         ELSE end_utc END AS clock_end,
    CASE WHEN offline THEN end_utc + to_seconds((3600 + 255600 * u13)::BIGINT) END AS registered_utc,
    md5('session-' || getvariable('seed') || '-' || i)::UUID::VARCHAR AS session_id,
    md5('user-' || usr)::UUID::VARCHAR AS user_id,
    first_name(usr) || ' ' || last_name(usr) AS user_name,
    fold(first_name(usr)) || '.' || fold(last_name(usr)) || '@example.org' AS user_email,
    CASE WHEN NOT no_tag THEN 'Brikke ' || lpad(tag::VARCHAR, 5, '0') END AS tag_name,
    -- another seed is another installation: its stations are its own (seed 1 keeps the numbers of the kept feeds)
    'ZAP' || lpad((st + 1 + (getvariable('seed') - 1) * 10000)::VARCHAR, 6, '0') AS device_id,
    'Site ' || lpad((st // 20 + 1)::VARCHAR, 3, '0') || ' – charger ' || lpad((st % 20 + 1)::VARCHAR, 2, '0')
        AS device_name
FROM z;
"""

ZAPTEC = """
SELECT session_id AS "Id", device_id AS "DeviceId", device_name AS "DeviceName",
    md5('charger-' || st || CASE WHEN getvariable('seed') = 1 THEN '' ELSE '-' || getvariable('seed') END)::UUID::VARCHAR
        AS "ChargerId",
    iso_utc(clock_start) AS "StartDateTime",
    iso_utc(coalesce(registered_utc, end_utc)) AS "EndDateTime",
    iso_utc(clock_end) AS "CommitEndDateTime",
    kwh AS "Energy",
    user_id AS "UserId", user_name AS "UserFullName", user_email AS "UserEmail", tag_name AS "TokenName",
    NULL::VARCHAR AS "ExternalId",
    (CASE WHEN offline THEN 2 ELSE 1 END + CASE WHEN unreliable THEN 0 ELSE 4 END
     + CASE WHEN NOT no_tag AND u12 < 0.25 THEN 8 ELSE 0 END)::INTEGER AS "CommitMetadata",
    NULL::VARCHAR AS "ReplacedBySessionId", NULL::VARCHAR AS "SignedSession",
    '4.3.2.1' AS "ChargerFirmwareVersion"
FROM sessions
"""

GENERIC_CSV = """
SELECT session_id, device_id AS station_id, device_name AS station_name, user_id, user_name, user_email,
    tag_name AS tag, iso_local(clock_start) AS started_at, iso_local(clock_end) AS ended_at, kwh AS energy_kwh,
    offline, unreliable AS time_unreliable, iso_local(registered_utc) AS registered_at
FROM sessions
"""

FORMATS = {"zaptec-json": (ZAPTEC, "FORMAT json, ARRAY true"), "csv": (GENERIC_CSV, "FORMAT csv, HEADER true")}


def feed(sessions: int, fmt: str) -> Path:
    """The benches' feed of `sessions` sessions in `fmt`, in bench/out/, generated once and kept."""
    path = OUT / f"{sessions}.{'json' if fmt == 'zaptec-json' else 'csv'}"
    if not path.exists():
        generate(sessions, fmt, path)
    return path


def generate(sessions: int, fmt: str, out: Path, seed: int = 1, end: dt.date = DEFAULT_END) -> None:
    """Write `sessions` sessions in format `fmt` ("zaptec-json" or "csv") to `out`."""
    query, options = FORMATS[fmt]
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()  # in-memory only
    try:
        for name, value in (("n", sessions), ("seed", seed), ("first", FIRST), ("last", LAST),
                            ("first_day", (end - dt.timedelta(days=DAYS - 1)).isoformat())):
            con.execute(f"SET VARIABLE {name} = ?", [value])
        con.execute(MACROS)
        con.execute(SESSIONS)
        path = str(out).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{path}' ({options})")
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, required=True)
    p.add_argument("--format", choices=sorted(FORMATS), required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--end", type=dt.date.fromisoformat, default=DEFAULT_END, help="last day of the history")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    generate(args.sessions, args.format, args.out, args.seed, args.end)
    print(f"{args.sessions:,} sessions -> {args.out} ({args.out.stat().st_size / 1e6:,.0f} MB)"
          f" in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Deterministic demo data: "Solbakken borettslag", a housing co-op with two garages.

Writes what a real installation would hand Chargeboard:

* one Zaptec ``GET /api/chargehistory`` response per installation
  (``garage-a.chargehistory.json`` is one page object ``{"Pages": 1, "Data": [...]}``,
  ``garage-b.chargehistory.json`` is a list of two page objects whose pages overlap by one
  record, which is how the exact duplicate arises);
* ``meters.csv``: monthly readings of the garages' electricity meters, consistent with the sessions;
* ``meter_intervals.csv`` (issue 29): hourly kWh of Garage A's meter (``meter_id,from,to,kwh``, local
  times with offset) over the last twelve months and the peak month, the same energy as ``meters.csv``;
* ``prices/YYYY/MM-DD_NO1.json`` (issue 29): made-up NO1 spot prices for every day of the last twelve
  months (the formula tariff's), as the public price API serves them (prices.py).

Issue 29's peak: in the cold week of the peak month (``peak_month``: the last complete January, else
February, inside the last twelve months), many Garage A residents plug in at 17–18 on the weekday
evenings, so the chargers set that month's highest hours (``PEAK_WEEK_*``).

Issue 30's visitors: in the last full month and the month before it, ``VISITORS_PER_MONTH`` open-charging
sessions a garage on its shared stations, so the demo's billing months have sessions of no dwelling.

Everything follows from ``end`` (last local day of history, default: yesterday in Europe/Oslo)
and ``seed``: the same pair gives byte-identical files. Times in the feeds are UTC written
without an offset ("2025-03-30T01:30:00.123"), as the Zaptec API does.

Population (fixed, independent of seed): 40 residents (22 in Garage A, 18 in Garage B) driving
40 cars, 50 RFID tags (``Brikke NNNN``). See ``DEMO_IDENTITIES`` for the people a login file may
reference, and the ``N_*`` constants for the exact numbers of special records.

Standard library only (no streamlit, no duckdb needed). `python -m chargeboard_demo.generator --out DIR`
writes the feeds only; `python -m chargeboard_demo` builds the demo store from them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import math
import random
import uuid
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from chargeboard import files, periods
from chargeboard_demo import prices

# --------------------------------------------------------------------------------------------
# Constants: the co-op
# --------------------------------------------------------------------------------------------

CO_OP_NAME = "Solbakken borettslag"
TIMEZONE = "Europe/Oslo"
TZ = ZoneInfo(TIMEZONE)
DEFAULT_SEED = 2024
HISTORY_DAYS = 730  # local days of history, the last one being `end`
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://chargeboard.invalid/demo/solbakken-borettslag")

# CommitMetadata bit flags (Zaptec)
ONLINE = 1
OFFLINE = 2
RELIABLE_CLOCK = 4
STOPPED_BY_RFID = 8
SIGNED = 16
VOID = 32
ABORTED = 64

GARAGE_A = "Garage A"
GARAGE_B = "Garage B"
INSTALLATION_NAMES = (GARAGE_A, GARAGE_B)
INSTALLATION_IDS = {name: str(uuid.uuid5(DEMO_NAMESPACE, f"installation/{name}")) for name in INSTALLATION_NAMES}
STATION_COUNTS = {GARAGE_A: 14, GARAGE_B: 10}
STATION_POWER_KW = {GARAGE_A: 11.0, GARAGE_B: 7.4}  # Garage A: 3-phase 16 A; Garage B: 1-phase 32 A
FEED_FILES = {GARAGE_A: "garage-a.chargehistory.json", GARAGE_B: "garage-b.chargehistory.json"}
METERS_FILE = "meters.csv"
METER_IDS = {GARAGE_A: "METER-A", GARAGE_B: "METER-B"}
# Firmware before / after the upgrade that happens FIRMWARE_UPGRADE_DAY days into the history.
FIRMWARE_VERSIONS = {GARAGE_A: ("4.2.7.2", "4.3.2.1"), GARAGE_B: ("2.1.0.4", "2.2.3.1")}
FIRMWARE_UPGRADE_DAY = 400
SIGNED_DEVICE_IDS = ("ZAP200009", "ZAP200010")  # these chargers sign their sessions (bit 16)


@dataclass(frozen=True)
class Station:
    installation: str
    number: int  # parking spot number, 1-based
    device_id: str  # charger serial, e.g. "ZAP100013"
    device_name: str  # e.g. "Garage A – plass 13"
    charger_id: str  # GUID
    max_kw: float


def _make_stations() -> tuple[Station, ...]:
    out = []
    for gi, name in enumerate(INSTALLATION_NAMES, start=1):
        for n in range(1, STATION_COUNTS[name] + 1):
            device_id = f"ZAP{gi}{n:05d}"
            out.append(Station(name, n, device_id, f"{name} – plass {n}",
                               str(uuid.uuid5(DEMO_NAMESPACE, f"charger/{device_id}")), STATION_POWER_KW[name]))
    return tuple(out)


STATIONS = _make_stations()
STATION_BY_DEVICE = {s.device_id: s for s in STATIONS}

# --------------------------------------------------------------------------------------------
# Constants: the residents, their cars and tags
# --------------------------------------------------------------------------------------------

# name | garage | home spot ("-" = uses any free station) | profile | car's on-board charger kW
_RESIDENT_TABLE = """
Kari Nordmann      | A | 7  | commuter   | 11
Ola Hansen         | A | 3  | commuter   | 11
Ingrid Berg        | A | 12 | commuter   | 11
Lars Berg          | A | -  | -          | 0
Marit Johansen     | A | 1  | phev       | 3.7
Knut Larsen        | A | 2  | longrange  | 11
Solveig Andersen   | A | 4  | homeoffice | 7.4
Bjørn Pedersen     | A | 5  | commuter   | 11
Astrid Nilsen      | A | 6  | commuter   | 7.4
Håkon Kristiansen  | A | 8  | commuter   | 11
Sigrid Jensen      | A | 9  | phev       | 3.7
Erlend Karlsen     | A | 10 | commuter   | 11
Ragnhild Johnsen   | A | 13 | homeoffice | 11
Øyvind Eriksen     | A | -  | commuter   | 11
Tone Haugen        | A | -  | longrange  | 11
Jørgen Bakken      | A | -  | shift      | 7.4
Liv Solberg        | A | -  | commuter   | 11
Torstein Dahl      | A | -  | homeoffice | 11
Åse Lund           | A | -  | longrange  | 7.4
Geir Moen          | A | -  | commuter   | 11
Hilde Strand       | A | -  | phev       | 3.7
Espen Sæther       | A | -  | shift      | 11
Per Olsen          | B | 1  | commuter   | 7.4
Nina Halvorsen     | B | 3  | commuter   | 7.4
Trond Jakobsen     | B | 4  | longrange  | 7.4
Kristin Myhre      | B | 5  | commuter   | 7.4
Stian Gundersen    | B | 6  | shift      | 7.4
Mette Aas          | B | 7  | phev       | 3.7
Frode Berntsen     | B | 8  | commuter   | 7.4
Heidi Lie          | B | -  | commuter   | 7.4
Anders Sørensen    | B | -  | longrange  | 11
Randi Ødegård      | B | -  | homeoffice | 7.4
Vegard Mathisen    | B | -  | commuter   | 7.4
Silje Hagen        | B | -  | phev       | 3.7
Terje Ruud         | B | -  | commuter   | 7.4
Gunnhild Brekke    | B | -  | homeoffice | 7.4
Magnus Fjeld       | B | -  | commuter   | 11
Eva Vik            | B | -  | longrange  | 7.4
Rune Bråten        | B | 9  | commuter   | 7.4
Camilla Løken      | B | -  | commuter   | 7.4
"""

SHARED_TAG_USERS = ("Ingrid Berg", "Lars Berg")  # a couple: one car, one tag, two user accounts
TAG_REPLACED_USER = "Ola Hansen"
TAG_REPLACEMENT_DAY = 300  # Ola's old tag is used before this day of the history, the new one from it
STATION_OWNER = "Per Olsen"
OWNED_DEVICE_IDS = ("ZAP200001", "ZAP200002")  # Per owns these; his second car lives on ZAP200002
SPARE_TAG_OWNERS = ("Marit Johansen", "Knut Larsen", "Astrid Nilsen", "Tone Haugen", "Geir Moen",
                    "Trond Jakobsen", "Heidi Lie", "Vegard Mathisen", "Eva Vik")
APP_USERS = ("Solveig Andersen", "Torstein Dahl", "Randi Ødegård", "Magnus Fjeld")  # sometimes start without a tag


def _fold(text: str) -> str:
    table = str.maketrans({"ø": "o", "å": "a", "æ": "ae", "é": "e", "ü": "u", "ö": "o", "ä": "a"})
    return text.lower().translate(table)


def email_for(full_name: str) -> str:
    """``firstname.lastname@example.org``, ascii-folded (ø→o, å→a, æ→ae)."""
    first, last = full_name.split(" ", 1)
    return f"{_fold(first)}.{_fold(last).replace(' ', '')}@example.org"


def tag_name(index: int) -> str:
    """Distinct tag names for index 0..899 (index 0 is "Brikke 0412")."""
    return f"Brikke {100 + (312 + index * 367) % 900:04d}"


@dataclass(frozen=True)
class Resident:
    full_name: str
    email: str
    user_id: str  # GUID, stable across seeds and end dates
    installation: str


@dataclass(frozen=True)
class _CarSpec:
    key: str
    installation: str
    users: tuple[tuple[Resident, float], ...]  # who is recorded as the user, with weights
    home: str | None  # device id of "their" station, None = any free station
    profile: str
    car_kw: float
    tag: str
    spare_tag: str | None = None
    new_tag: str | None = None  # replaces `tag` from TAG_REPLACEMENT_DAY on
    app_share: float = 0.0


def _build_population():
    rows = [[c.strip() for c in line.split("|")] for line in _RESIDENT_TABLE.strip().splitlines()]
    residents = []
    for name, garage, *_ in rows:
        email = email_for(name)
        residents.append(Resident(name, email, str(uuid.uuid5(DEMO_NAMESPACE, f"user/{email}")),
                                  GARAGE_A if garage == "A" else GARAGE_B))
    by_name = {r.full_name: r for r in residents}
    tags = iter(tag_name(i) for i in range(900))
    primary = {}
    for name, *_rest in rows:
        if name != SHARED_TAG_USERS[1]:
            primary[name] = next(tags)
    per_second_tag = next(tags)
    ola_new_tag = next(tags)
    spare = {name: next(tags) for name in SPARE_TAG_OWNERS}

    cars = []
    for name, garage, home, profile, kw in rows:
        if profile == "-":
            continue
        inst = by_name[name].installation
        prefix = "ZAP1" if garage == "A" else "ZAP2"
        users = ((by_name[name], 1.0),)
        if name == SHARED_TAG_USERS[0]:
            users = ((by_name[SHARED_TAG_USERS[0]], 0.55), (by_name[SHARED_TAG_USERS[1]], 0.45))
        cars.append(_CarSpec(
            key=name, installation=inst, users=users,
            home=None if home == "-" else f"{prefix}{int(home):05d}", profile=profile, car_kw=float(kw),
            tag=primary[name], spare_tag=spare.get(name),
            new_tag=ola_new_tag if name == TAG_REPLACED_USER else None,
            app_share=0.06 if name in APP_USERS else 0.0))
    per = by_name[STATION_OWNER]
    cars.append(_CarSpec(key=f"{STATION_OWNER} (car 2)", installation=per.installation, users=((per, 1.0),),
                         home=OWNED_DEVICE_IDS[1], profile="phev", car_kw=3.7, tag=per_second_tag))
    all_tags = (*primary.values(), per_second_tag, ola_new_tag, *spare.values())
    return tuple(residents), tuple(cars), all_tags


RESIDENTS, _CARS, TAGS = _build_population()
RESIDENT_BY_NAME = {r.full_name: r for r in RESIDENTS}
SHARED_TAG = next(c.tag for c in _CARS if c.key == SHARED_TAG_USERS[0])
REPLACED_TAG_OLD, REPLACED_TAG_NEW = next((c.tag, c.new_tag) for c in _CARS if c.key == TAG_REPLACED_USER)


def tags_of(full_name: str) -> tuple[str, ...]:
    """The RFID tags of a resident's car(s) (a couple's shared tag: its first user's), in issue order:
    the car's tag, its replacement (Ola), its spare, a second car's tag (Per). Issue 30's dwelling register."""
    out: list[str] = []
    for car in _CARS:
        if car.users[0][0].full_name == full_name:
            out += [t for t in (car.tag, car.new_tag, car.spare_tag) if t]
    return tuple(out)


@dataclass(frozen=True)
class DemoIdentity:
    full_name: str
    email: str
    user_id: str
    installation: str
    tags: tuple[str, ...]  # RFID tag names seen in this person's sessions
    owned_device_ids: tuple[str, ...] = ()


def _identity(name: str, tags: tuple[str, ...], owned: tuple[str, ...] = ()) -> DemoIdentity:
    r = RESIDENT_BY_NAME[name]
    return DemoIdentity(r.full_name, r.email, r.user_id, r.installation, tags, owned)


DEMO_IDENTITIES: dict[str, DemoIdentity] = {
    "kari": _identity("Kari Nordmann", (next(c.tag for c in _CARS if c.key == "Kari Nordmann"),)),
    "ola": _identity("Ola Hansen", (REPLACED_TAG_OLD, REPLACED_TAG_NEW)),
    "per": _identity("Per Olsen", tuple(c.tag for c in _CARS if c.key.startswith(STATION_OWNER)), OWNED_DEVICE_IDS),
    "ingrid": _identity("Ingrid Berg", (SHARED_TAG,)),
    "lars": _identity("Lars Berg", (SHARED_TAG,)),
}

# --------------------------------------------------------------------------------------------
# Constants: special records (exact counts; tests rely on them)
# --------------------------------------------------------------------------------------------

N_GUEST_SESSIONS = 8  # open charging: UserId, UserFullName, UserEmail and TokenName are null
# Issue 30: visitors charge on open charging (no user, no tag) on the garages' shared stations (no one's home
# spot) in the last full month and the month before it (the demo's billing months): so many a garage a month.
# They belong to no dwelling, so the register's "no dwelling" list and the billing run name them.
VISITORS_PER_MONTH = 2
VISITOR_MONTHS = 2
N_VISITOR_SESSIONS = VISITORS_PER_MONTH * VISITOR_MONTHS * 2  # two garages
N_OFFLINE_SESSIONS = 6  # CommitMetadata has OFFLINE|RELIABLE_CLOCK (bit 2, not bit 1); correct times
OFFLINE_DEVICE_ID = "ZAP100011"  # 6 consecutive sessions while its network was down; EndDateTime = reconnect
# Sessions without RELIABLE_CLOCK (they are offline too: CommitMetadata = 2 or 2|8). Their StartDateTime,
# CommitEndDateTime and EnergyDetails are on the charger's wrong clock; EndDateTime (cloud) is right.
N_CLOCK_RESET_SESSIONS = 2  # on CLOCK_RESET_DEVICE_ID after a power cut: clock restarted at 2000-01-01
CLOCK_RESET_DEVICE_ID = "ZAP200006"
N_CLOCK_SHIFTED_SESSIONS = 1  # on CLOCK_SHIFTED_DEVICE_ID: clock CLOCK_SHIFT behind
CLOCK_SHIFTED_DEVICE_ID = "ZAP100005"
CLOCK_SHIFT = -dt.timedelta(days=36, hours=5, minutes=17)
N_UNRELIABLE_CLOCK_SESSIONS = N_CLOCK_RESET_SESSIONS + N_CLOCK_SHIFTED_SESSIONS
N_VOID_SESSIONS = 1  # bit 32; ReplacedBySessionId = a corrected session present in the same feed
N_DUPLICATE_RECORDS = 1  # in Garage B: last record of page 1 is repeated as first record of page 2
N_ABORTED_SESSIONS = 2  # bit 64, under 1 kWh, a few minutes long
# One record of each kind; these never happened (the meter does not see them).
MALFORMED_KINDS = ("missing_id", "unparseable_start", "end_before_start", "negative_energy", "impossible_energy")
MALFORMED_INSTALLATION = {"missing_id": GARAGE_A, "unparseable_start": GARAGE_B, "end_before_start": GARAGE_A,
                          "negative_energy": GARAGE_B, "impossible_energy": GARAGE_A}
# missing_id: the "Id" key is absent. unparseable_start: StartDateTime like "2025-02-30T18:12:00.000".
# end_before_start: End/CommitEnd 2 h 13 min before start. negative_energy: Energy = NEGATIVE_ENERGY_KWH.
# impossible_energy: IMPOSSIBLE_ENERGY_KWH within IMPOSSIBLE_ENERGY_MINUTES.
NEGATIVE_ENERGY_KWH = -3.412
IMPOSSIBLE_ENERGY_KWH = 80.0
IMPOSSIBLE_ENERGY_MINUTES = 10

# Meter: standby per station per month, other loads (lighting/ventilation) per month: mean ± winter swing
STANDBY_KWH_PER_STATION_MONTH = 4.0
OTHER_LOADS_KWH_MONTH = {GARAGE_A: (165.0, 35.0), GARAGE_B: (150.0, 30.0)}
METER_START_KWH = {"METER-A": 48213.706, "METER-B": 27654.118}
# Reading index (0 = first reading) -> (day of month offset from the 1st, local time): irregular dates
METER_IRREGULAR_READINGS = {("METER-A", 5): (2, dt.time(17, 40)), ("METER-B", 14): (-1, dt.time(19, 15))}
METER_MISSING_READINGS = (("METER-B", 9),)  # that month's reading is absent (a gap)

# Issue 29: the peak week (Garage A) and the meter's hourly readings
METER_INTERVALS_FILE = "meter_intervals.csv"
INTERVAL_METER = "METER-A"
PEAK_WEEK_INSTALLATION = GARAGE_A
PEAK_WEEK_SHARE = 0.9  # of the garage's cars free that evening, this many plug in at 17–18
PEAK_WEEK_KWH = (22.0, 38.0)  # a cold week's long commutes and pre-heating
# The other loads' daily shape on the hourly readings (lights, ventilation, door heaters): mean 1
_SHAPE = tuple(0.6 if h < 6 or h >= 23 else 1.25 if 7 <= h < 22 else 0.9 for h in range(24))
_OTHER_LOADS_SHAPE = tuple(x * 24 / sum(_SHAPE) for x in _SHAPE)


@dataclass(frozen=True)
class DemoFiles:
    feeds: dict[str, Path]  # installation name -> chargehistory JSON
    meters: Path
    meter_intervals: Path | None = None  # hourly readings of INTERVAL_METER (issue 29)
    prices: tuple[Path, ...] = ()  # NO1 spot price day files, one a day of the last twelve months (issue 29)


def default_end() -> dt.date:
    """Yesterday in Europe/Oslo (of the pinned day, when CHARGEBOARD_TODAY pins one)."""
    return periods.local_today(TIMEZONE) - dt.timedelta(days=1)


def history_window(end: dt.date) -> tuple[dt.date, dt.date]:
    """First and last local day of the generated history."""
    return end - dt.timedelta(days=HISTORY_DAYS - 1), end


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def last_twelve_months(end: dt.date) -> dt.date:
    """First day of the last twelve months (the month of `end` is the twelfth): where the formula tariff starts."""
    return _month_start(end, 11)


def last_full_month(end: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the last complete month of a history ending on `end` (its own month when `end`
    is its last day)."""
    last = end if (end + dt.timedelta(days=1)).day == 1 else end.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def visitor_months(end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The months visitors charge in (first and last day each): the last full month and the VISITOR_MONTHS - 1
    before it, oldest first."""
    out = [last_full_month(end)]
    while len(out) < VISITOR_MONTHS:
        last = out[0][0] - dt.timedelta(days=1)
        out.insert(0, (last.replace(day=1), last))
    return out


def peak_month(end: dt.date) -> dt.date:
    """The month whose capacity peak the chargers set: the last complete January in the last twelve
    months, else the last complete February (January's end day is then outside them)."""
    for wanted in (1, 2):
        for back in range(12):
            month = _month_start(end, back)
            if month.month == wanted and _month_start(month, -1) - dt.timedelta(days=1) <= end:
                return month
    raise AssertionError(end)  # unreachable: one of the two is always inside


def peak_week(end: dt.date) -> dt.date:
    """Monday of the peak week: the cold week of prices.py (January), or the same rule in February."""
    month = peak_month(end)
    if month.month == 1:
        return prices.cold_week(month.year)
    day = dt.date(month.year, 2, 9)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def intervals_window(end: dt.date) -> tuple[dt.date, dt.date]:
    """First and last local day of the hourly meter readings (the peak month is inside them)."""
    return last_twelve_months(end), end


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------

HOUR_MS = 3_600_000
_PROFILES = {  # sessions per week, kWh range (before the seasonal factor)
    "commuter": ((2.2, 3.8), (7.0, 30.0)),
    "phev": ((3.5, 5.5), (2.0, 9.5)),
    "longrange": ((0.8, 1.6), (20.0, 45.0)),
    "homeoffice": ((1.8, 3.0), (6.0, 26.0)),
    "shift": ((2.0, 3.5), (8.0, 32.0)),
}


@dataclass(slots=True)
class _Session:
    car: _CarSpec | None
    start: int  # real times, ms since epoch UTC
    end: int  # real end (cable out / stop) = CommitEndDateTime
    charge_hours: float
    kw: float
    wh: int
    rfid_stop: bool
    user: Resident | None = None
    tag: str | None = None
    station: Station | None = None
    kind: str = "normal"  # normal | guest | offline | clock | aborted | corrected
    registered: int | None = None  # EndDateTime when the cloud learnt of it late
    clock_shift: int = 0  # ms to add to real time to get the charger's clock
    id: str = ""


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _ms(d: dt.datetime) -> int:
    return int(d.timestamp() * 1000)


def _local_ms(day: dt.date, hours: float) -> int:
    return _ms(dt.datetime(day.year, day.month, day.day, tzinfo=TZ) + dt.timedelta(seconds=round(hours * 3600)))


def _fmt(ms: int) -> str:
    d = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}"


def _arrival_hour(rng: random.Random, profile: str, weekend: bool) -> float:
    r = rng.random()
    if weekend:
        if r < 0.40:
            return rng.uniform(10.0, 15.0)
        if r < 0.85:
            return _clip(rng.gauss(17.5, 1.4), 14.0, 22.5)
        return rng.uniform(8.0, 10.0) if r < 0.93 else rng.uniform(21.0, 23.5)
    if profile == "homeoffice":
        if r < 0.45:
            return rng.uniform(9.0, 14.5)
        if r < 0.85:
            return _clip(rng.gauss(17.2, 1.0), 15.0, 20.5)
        return rng.uniform(20.0, 22.5)
    if profile == "shift":
        if r < 0.30:
            return _clip(rng.gauss(7.2, 0.6), 5.5, 9.0)
        if r < 0.50:
            return _clip(rng.gauss(15.5, 0.5), 14.0, 16.5)
        if r < 0.80:
            return _clip(rng.gauss(18.0, 1.0), 16.0, 20.5)
        return _clip(rng.gauss(23.0, 0.4), 22.0, 23.9)
    if r < 0.76:
        return _clip(rng.gauss(17.4, 1.0), 15.5, 21.0)
    if r < 0.88:
        return rng.uniform(20.0, 23.5)
    if r < 0.95:
        return _clip(rng.gauss(7.5, 0.6), 5.5, 9.5)
    return rng.uniform(10.0, 15.0)


def _season(day: dt.date) -> float:
    """Energy factor: ~1.22 in mid-January, ~0.78 in mid-July."""
    return 1.0 + 0.22 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)


def _holiday(day: dt.date) -> float:
    if day.month == 7:
        return 0.5  # fellesferie
    if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 2):
        return 0.7
    return 1.0


def _candidates(rng: random.Random, car: _CarSpec, first: dt.date, horizon: int) -> list[_Session]:
    (rate_lo, rate_hi), (kwh_lo, kwh_hi) = _PROFILES[car.profile]
    rate = rng.uniform(rate_lo, rate_hi)
    kw = min(car.car_kw, STATION_POWER_KW[car.installation]) * rng.uniform(0.9, 0.97)
    out: list[_Session] = []
    busy_until = 0
    for i in range(HISTORY_DAYS):
        day = first + dt.timedelta(days=i)
        weekend = day.weekday() >= 5
        p = rate / 7 * _holiday(day) * (0.85 if weekend and car.profile != "homeoffice" else 1.0)
        if rng.random() >= p:
            continue
        arrival = _arrival_hour(rng, car.profile, weekend)
        kwh = _clip(rng.triangular(kwh_lo, kwh_hi, kwh_lo + 0.35 * (kwh_hi - kwh_lo)) * _season(day), 2.0, 45.0)
        charge_h = kwh / kw
        overnight = arrival >= 15.0 and rng.random() > 0.15
        if overnight:
            next_weekend = (day + dt.timedelta(days=1)).weekday() >= 5
            leave = 24 + (rng.uniform(8.5, 13.0) if next_weekend else _clip(rng.gauss(7.3, 0.6), 5.5, 9.5))
            plug_h = leave - arrival
            if charge_h > plug_h - 0.05:
                charge_h = plug_h - 0.05
                kwh = max(2.0, charge_h * kw)
                charge_h = kwh / kw
                plug_h = max(plug_h, charge_h + 0.05)
        else:
            plug_h = charge_h + rng.uniform(0.1, 3.5)
        start = _local_ms(day, arrival) + rng.randrange(1000)
        end = start + int(plug_h * HOUR_MS) + rng.randrange(60_000)
        if start < busy_until + 600_000 or end > horizon:
            continue
        busy_until = end
        out.append(_Session(car, start, end, charge_h, kw, round(kwh * 1000),
                            rng.random() < (0.2 if overnight else 0.6)))
    return out


def _allocate(rng: random.Random, sessions: list[_Session]) -> list[_Session]:
    """Give each session a station, in start order; drop it when the garage is full."""
    homes = {c.home for c in _CARS if c.home}
    free_at = {s.device_id: 0 for s in STATIONS}
    by_inst = {name: [s for s in STATIONS if s.installation == name] for name in INSTALLATION_NAMES}
    kept = []
    for sess in sorted(sessions, key=lambda s: (s.start, s.car.key)):
        car = sess.car
        if car.home and free_at[car.home] <= sess.start:
            station = STATION_BY_DEVICE[car.home]
        else:
            free = [s for s in by_inst[car.installation] if free_at[s.device_id] <= sess.start]
            if not free:
                continue
            station = rng.choices(free, weights=[1 if s.device_id in homes else 4 for s in free])[0]
        free_at[station.device_id] = sess.end
        sess.station = station
        kept.append(sess)
    return kept


def _fill_identity(rng: random.Random, sess: _Session, replace_at: int) -> None:
    car = sess.car
    if len(car.users) == 1:
        sess.user = car.users[0][0]
    else:
        sess.user = rng.choices([u for u, _ in car.users], weights=[w for _, w in car.users])[0]
    r = rng.random()
    if car.new_tag and sess.start >= replace_at:
        sess.tag = car.new_tag
    elif r < car.app_share:
        sess.tag, sess.rfid_stop = None, False
    elif car.spare_tag and r > 0.9:
        sess.tag = car.spare_tag
    else:
        sess.tag = car.tag


def _station_free(busy: dict[str, list[tuple[int, int]]], device: str, start: int, end: int) -> bool:
    return all(e <= start or s >= end for s, e in busy[device])


def _busy_map(sessions: list[_Session]) -> dict[str, list[tuple[int, int]]]:
    busy: dict[str, list[tuple[int, int]]] = {s.device_id: [] for s in STATIONS}
    for sess in sessions:
        busy[sess.station.device_id].append((sess.start, sess.end))
    return busy


def _add_guests(rng: random.Random, sessions: list[_Session], first: dt.date) -> None:
    busy = _busy_map(sessions)
    added = 0
    while added < N_GUEST_SESSIONS:
        day = first + dt.timedelta(days=rng.randrange(30, HISTORY_DAYS - 30))
        station = rng.choice(STATIONS)
        kw = station.max_kw * rng.uniform(0.6, 0.95)
        kwh = rng.uniform(5.0, 25.0)
        charge_h = kwh / kw
        start = _local_ms(day, rng.uniform(10.0, 19.0)) + rng.randrange(1000)
        end = start + int((charge_h + rng.uniform(0.1, 1.5)) * HOUR_MS)
        if not _station_free(busy, station.device_id, start - 600_000, end + 600_000):
            continue
        busy[station.device_id].append((start, end))
        sessions.append(_Session(None, start, end, charge_h, kw, round(kwh * 1000), False,
                                 station=station, kind="guest"))
        added += 1


def _add_visitors(rng: random.Random, sessions: list[_Session], end_day: dt.date) -> None:
    """VISITORS_PER_MONTH open-charging sessions a garage in each of visitor_months(end_day), in the daytime,
    on a shared station (no one's home spot) that is free then (late registrations included)."""
    homes = {c.home for c in _CARS if c.home}
    horizon = _local_ms(end_day + dt.timedelta(days=1), 0)
    busy = {s.device_id: [] for s in STATIONS}
    for sess in sessions:
        busy[sess.station.device_id].append((sess.start, max(sess.end, sess.registered or sess.end)))
    for first, last in visitor_months(end_day):
        for inst in INSTALLATION_NAMES:
            shared = [st for st in STATIONS if st.installation == inst and st.device_id not in homes]
            added = 0
            while added < VISITORS_PER_MONTH:
                day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
                station = rng.choice(shared)
                kw = station.max_kw * rng.uniform(0.6, 0.95)
                kwh = rng.uniform(5.0, 25.0)
                charge_h = kwh / kw
                start = _local_ms(day, rng.uniform(10.0, 17.0)) + rng.randrange(1000)
                end = start + int((charge_h + rng.uniform(0.1, 1.5)) * HOUR_MS)
                if end >= horizon or not _station_free(busy, station.device_id, start - 600_000, end + 600_000):
                    continue  # (the history's last day is the month's last: a visit ends before midnight)
                busy[station.device_id].append((start, end))
                sessions.append(_Session(None, start, end, charge_h, kw, round(kwh * 1000), False,
                                         station=station, kind="guest"))
                added += 1


def _hourly(charge_start: int, charge_end: int, wh: int) -> list[tuple[int, int]]:
    """Split `wh` over the UTC hours of [charge_start, charge_end) in whole Wh (largest remainder)."""
    total = max(charge_end - charge_start, 1)
    buckets = []
    t = charge_start // HOUR_MS * HOUR_MS
    while t < charge_end or not buckets:
        buckets.append((t, max(min(t + HOUR_MS, charge_end) - max(t, charge_start), 0)))
        t += HOUR_MS
    if sum(ov for _, ov in buckets) == 0:
        return [(buckets[0][0], wh)]
    raw = [wh * ov for _, ov in buckets]
    share = [x // total for x in raw]
    rest = wh - sum(share)
    for i in sorted(range(len(raw)), key=lambda i: (-(raw[i] % total), i))[:rest]:
        share[i] += 1
    return [(t, w) for (t, _), w in zip(buckets, share, strict=True)]


def _charge_span(sess: _Session) -> tuple[int, int]:
    cs = sess.start + 20_000
    return cs, min(cs + int(sess.charge_hours * HOUR_MS), sess.end)


def _pick_consecutive(rng: random.Random, sessions: list[_Session], device: str, count: int,
                      lo: int, hi: int, min_gap_after: int) -> list[_Session]:
    """`count` consecutive normal sessions on `device` starting in [lo, hi), followed by a long enough gap."""
    on = sorted((s for s in sessions if s.station.device_id == device), key=lambda s: s.start)
    options = [i for i in range(1, len(on) - count)
               if lo <= on[i].start < hi and all(s.kind == "normal" for s in on[i:i + count])
               and on[i + count].start - on[i + count - 1].end >= min_gap_after]
    i = rng.choice(options)
    return on[i:i + count] + [on[i + count]]  # the last one is the next session (not modified)


def _mark_specials(rng: random.Random, sessions: list[_Session], first: dt.date, end_day: dt.date) -> _Session:
    """Turns some sessions into offline / clock / aborted ones; returns the session that replaces the void one."""
    lo = _local_ms(first + dt.timedelta(days=200), 0)
    hi = _local_ms(end_day - dt.timedelta(days=60), 0)

    *offline, nxt = _pick_consecutive(rng, sessions, OFFLINE_DEVICE_ID, N_OFFLINE_SESSIONS, lo, hi, 8 * HOUR_MS)
    reconnect = offline[-1].end + int(rng.uniform(3, min(30, (nxt.start - offline[-1].end) / HOUR_MS - 1)) * HOUR_MS)
    for k, s in enumerate(offline):
        s.kind, s.registered = "offline", reconnect + 1000 * k + rng.randrange(1000)

    *reset, nxt = _pick_consecutive(rng, sessions, CLOCK_RESET_DEVICE_ID, N_CLOCK_RESET_SESSIONS, lo, hi, 8 * HOUR_MS)
    boot = reset[0].start - rng.randrange(HOUR_MS, 3 * HOUR_MS)
    reconnect = reset[-1].end + int(rng.uniform(2, min(30, (nxt.start - reset[-1].end) / HOUR_MS - 1)) * HOUR_MS)
    for k, s in enumerate(reset):
        s.kind, s.registered = "clock", reconnect + 1000 * k + rng.randrange(1000)
        s.clock_shift = _ms(dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) - boot

    shifted, nxt = _pick_consecutive(rng, sessions, CLOCK_SHIFTED_DEVICE_ID, 1, lo, hi, 8 * HOUR_MS)
    shifted.kind = "clock"
    shifted.clock_shift = int(CLOCK_SHIFT.total_seconds() * 1000)
    shifted.registered = shifted.end + int(rng.uniform(3, min(30, (nxt.start - shifted.end) / HOUR_MS - 1)) * HOUR_MS)

    identity_ids = {i.user_id for i in DEMO_IDENTITIES.values()}
    eligible = [s for s in sorted(sessions, key=lambda s: s.start)
                if s.kind == "normal" and lo <= s.start < hi and s.user.user_id not in identity_ids]
    picked = rng.sample(eligible, N_ABORTED_SESSIONS + 1)
    for s in picked[:N_ABORTED_SESSIONS]:
        s.kind = "aborted"
        s.end = s.start + rng.randrange(3 * 60_000, 12 * 60_000)
        s.wh = rng.randrange(50, 900)
        s.charge_hours = (s.end - s.start - 30_000) / HOUR_MS
        s.rfid_stop = False
    corrected = picked[-1]
    corrected.kind = "corrected"
    return corrected


def _add_peak_week(rng: random.Random, sessions: list[_Session], end_day: dt.date, replace_at: int) -> None:
    """The cold week's weekday evenings: most of the garage's cars that are free plug in at 17–18 and
    charge long, on a free station (their own when it is free), so the chargers set the month's peak.
    Only added where neither the car nor the station has a session (the specials' late registration included)."""
    busy = {s.device_id: [] for s in STATIONS}
    cars: dict[str, list[tuple[int, int]]] = {}
    for sess in sessions:
        span = (sess.start, max(sess.end, sess.registered or sess.end))
        busy[sess.station.device_id].append(span)
        if sess.car:
            cars.setdefault(sess.car.key, []).append(span)
    monday = peak_week(end_day)
    stations = [s for s in STATIONS if s.installation == PEAK_WEEK_INSTALLATION]
    for d in range(5):
        day = monday + dt.timedelta(days=d)
        for car in (c for c in _CARS if c.installation == PEAK_WEEK_INSTALLATION):
            start = _local_ms(day, rng.uniform(17.0, 17.95)) + rng.randrange(1000)
            end = _local_ms(day + dt.timedelta(days=1), _clip(rng.gauss(7.3, 0.5), 6.0, 8.5))
            keep = rng.random() < PEAK_WEEK_SHARE
            if not keep or not all(e + 600_000 <= start or s >= end + 600_000 for s, e in cars.get(car.key, [])):
                continue
            free = [st for st in stations if _station_free(busy, st.device_id, start - 600_000, end + 600_000)]
            if not free:
                continue
            home = [st for st in free if st.device_id == car.home]
            station = home[0] if home else rng.choice(free)
            kw = min(car.car_kw, station.max_kw) * rng.uniform(0.9, 0.97)
            kwh = min(rng.uniform(*PEAK_WEEK_KWH), kw * (end - start - 120_000) / HOUR_MS)
            sess = _Session(car, start, end, kwh / kw, kw, round(kwh * 1000), rng.random() < 0.2, station=station)
            _fill_identity(rng, sess, replace_at)
            sessions.append(sess)
            busy[station.device_id].append((start, end))
            cars.setdefault(car.key, []).append((start, end))


def _record(sess: _Session, seed: int, horizon_first: int) -> tuple[dict, list[tuple[int, int]]]:
    """The Zaptec record of a session, plus its true hourly energy (for the meter)."""
    st = sess.station
    sess.id = str(uuid.uuid5(DEMO_NAMESPACE, f"session/{seed}/{st.device_id}/{sess.start}"))
    cs, ce = _charge_span(sess)
    true_hours = _hourly(cs, ce, sess.wh)
    shown_hours = true_hours if not sess.clock_shift else _hourly(cs + sess.clock_shift, ce + sess.clock_shift, sess.wh)
    meta = {"normal": ONLINE | RELIABLE_CLOCK, "guest": ONLINE | RELIABLE_CLOCK, "corrected": ONLINE | RELIABLE_CLOCK,
            "offline": OFFLINE | RELIABLE_CLOCK, "clock": OFFLINE,
            "aborted": ONLINE | RELIABLE_CLOCK | ABORTED}[sess.kind]
    if sess.rfid_stop and sess.tag:
        meta |= STOPPED_BY_RFID
    signed = None
    if st.device_id in SIGNED_DEVICE_IDS:
        meta |= SIGNED
        signed = "OCMF|" + hashlib.sha256(sess.id.encode()).hexdigest()[:24]
    old_fw, new_fw = FIRMWARE_VERSIONS[st.installation]
    upgrade = horizon_first + FIRMWARE_UPGRADE_DAY * 24 * HOUR_MS + st.number * 2 * HOUR_MS
    end_dt = sess.registered if sess.registered else sess.end + 200 + (sess.start % 2300)
    rec = {
        "Id": sess.id,
        "DeviceId": st.device_id,
        "DeviceName": st.device_name,
        "ChargerId": st.charger_id,
        "StartDateTime": _fmt(sess.start + sess.clock_shift),
        "EndDateTime": _fmt(end_dt),
        "CommitEndDateTime": _fmt(sess.end + sess.clock_shift),
        "Energy": round(sess.wh / 1000, 3),
        "UserId": sess.user.user_id if sess.user else None,
        "UserFullName": sess.user.full_name if sess.user else None,
        "UserEmail": sess.user.email if sess.user else None,
        "TokenName": sess.tag,
        "ExternalId": None,
        "CommitMetadata": meta,
        "ReplacedBySessionId": None,
        "SignedSession": signed,
        "ChargerFirmwareVersion": new_fw if sess.start >= upgrade else old_fw,
        "EnergyDetails": [{"Timestamp": _fmt(t), "Energy": round(w / 1000, 3)} for t, w in shown_hours],
    }
    return rec, true_hours


def _void_record(rng: random.Random, corrected: dict) -> dict:
    rec = dict(corrected)
    rec["Id"] = str(uuid.uuid5(DEMO_NAMESPACE, f"void/{corrected['Id']}"))
    wh = round(corrected["Energy"] * 1000) * 3 + rng.randrange(1000, 9000)  # the glitch that got it voided
    rec["Energy"] = round(wh / 1000, 3)
    rec["CommitMetadata"] = corrected["CommitMetadata"] | VOID
    rec["ReplacedBySessionId"] = corrected["Id"]
    details = [round(d["Energy"] * 1000) for d in corrected["EnergyDetails"]]
    total = sum(details)
    scaled = [wh * d // total for d in details]
    scaled[-1] += wh - sum(scaled)
    rec["EnergyDetails"] = [{"Timestamp": d["Timestamp"], "Energy": round(w / 1000, 3)}
                            for d, w in zip(corrected["EnergyDetails"], scaled, strict=True)]
    return rec


def _malformed(rng: random.Random, kind: str, seed: int, first: dt.date,
               busy: dict[str, list[tuple[int, int]]]) -> tuple[int, dict]:
    """A record that never happened, on a station that was free at its (nominal) time."""
    inst = MALFORMED_INSTALLATION[kind]
    identity_ids = {i.user_id for i in DEMO_IDENTITIES.values()}
    user = rng.choice([r for r in RESIDENTS if r.installation == inst and r.user_id not in identity_ids])
    car = next(c for c in _CARS if c.users[0][0] == user)
    while True:
        station = rng.choice([s for s in STATIONS if s.installation == inst])
        day = first + dt.timedelta(days=rng.randrange(60, HISTORY_DAYS - 60))
        start = _local_ms(day, rng.uniform(16.0, 20.0)) + rng.randrange(1000)
        end = start + int(rng.uniform(2.0, 10.0) * HOUR_MS)
        if _station_free(busy, station.device_id, start - 3 * HOUR_MS, end + HOUR_MS):
            busy[station.device_id].append((start - 3 * HOUR_MS, end))
            break
    wh = rng.randrange(4000, 25000)
    hours = _hourly(start + 20_000, start + 20_000 + int(wh / station.max_kw / 1000 * HOUR_MS * 1.1), wh)
    start_text, end_text = _fmt(start), _fmt(end)
    if kind == "unparseable_start":
        start_text = f"{day.year}-02-30T18:12:00.000"
    elif kind == "end_before_start":
        end = start - (2 * 60 + 13) * 60_000
        end_text = _fmt(end)
    elif kind == "negative_energy":
        wh = round(NEGATIVE_ENERGY_KWH * 1000)
        hours = [(start // HOUR_MS * HOUR_MS, wh)]
    elif kind == "impossible_energy":
        wh = round(IMPOSSIBLE_ENERGY_KWH * 1000)
        end = start + IMPOSSIBLE_ENERGY_MINUTES * 60_000
        end_text = _fmt(end)
        hours = _hourly(start, end, wh)
    rec = {
        "Id": str(uuid.uuid5(DEMO_NAMESPACE, f"malformed/{seed}/{kind}")),
        "DeviceId": station.device_id,
        "DeviceName": station.device_name,
        "ChargerId": station.charger_id,
        "StartDateTime": start_text,
        "EndDateTime": end_text,
        "CommitEndDateTime": end_text,
        "Energy": round(wh / 1000, 3),
        "UserId": user.user_id,
        "UserFullName": user.full_name,
        "UserEmail": user.email,
        "TokenName": car.tag,
        "ExternalId": None,
        "CommitMetadata": ONLINE | RELIABLE_CLOCK,
        "ReplacedBySessionId": None,
        "SignedSession": None,
        "ChargerFirmwareVersion": FIRMWARE_VERSIONS[inst][1],
        "EnergyDetails": [{"Timestamp": _fmt(t), "Energy": round(w / 1000, 3)} for t, w in hours],
    }
    if kind == "missing_id":
        del rec["Id"]
    return start, rec


def _other_loads_kwh(inst: str, t_ms: int) -> float:
    """Integral of the other loads (kWh) from the epoch to t: mean + winter-peaking cosine."""
    mean, swing = OTHER_LOADS_KWH_MONTH[inst]
    hours = t_ms / HOUR_MS
    year_h = 365.25 * 24
    phase = (_ms(dt.datetime(2000, 1, 15, tzinfo=dt.UTC)) / HOUR_MS)
    per_h = 12 / year_h
    omega = 2 * math.pi / year_h
    return mean * per_h * hours + swing * per_h / omega * math.sin(omega * (hours - phase))


class _Charged:
    """kWh charged up to a time, from hourly buckets (a bucket is spread evenly over its hour)."""

    def __init__(self, buckets: list[tuple[int, int]]):
        self.buckets = sorted(buckets)
        self.starts = [t for t, _ in self.buckets]
        self.prefix = [0]
        for _, w in self.buckets:
            self.prefix.append(self.prefix[-1] + w)

    def kwh_until(self, t: int) -> float:
        full = bisect_left(self.starts, t - HOUR_MS + 1)  # buckets that ended by t
        part = sum(w * (t - s) / HOUR_MS for s, w in self.buckets[full:bisect_left(self.starts, t)])
        return (self.prefix[full] + part) / 1000


def _meter_rows(rng: random.Random, buckets: dict[str, list[tuple[int, int]]], first: dt.date,
                end_day: dt.date) -> list[tuple[str, str, str]]:
    rows = []
    horizon = _local_ms(end_day + dt.timedelta(days=1), 0)
    for inst in INSTALLATION_NAMES:
        meter = METER_IDS[inst]
        charged = _Charged(buckets[inst])
        standby_per_ms = STANDBY_KWH_PER_STATION_MONTH * STATION_COUNTS[inst] * 12 / (365.25 * 24 * HOUR_MS)
        month = dt.date(first.year, first.month, 1)
        t0 = None
        index = 0
        while True:
            day, at = month, dt.time(8, 0)
            if (meter, index) in METER_IRREGULAR_READINGS:
                shift_days, at = METER_IRREGULAR_READINGS[(meter, index)]
                day = month + dt.timedelta(days=shift_days)
            minutes = 0 if (meter, index) in METER_IRREGULAR_READINGS else rng.randrange(-6, 26)
            read = dt.datetime.combine(day, at, TZ) + dt.timedelta(minutes=minutes)
            t = _ms(read)
            if t >= horizon:
                break
            if t0 is None:
                t0 = t
            if (meter, index) not in METER_MISSING_READINGS:
                kwh = (METER_START_KWH[meter] + charged.kwh_until(t) + standby_per_ms * (t - t0)
                       + _other_loads_kwh(inst, t) - _other_loads_kwh(inst, t0))
                rows.append((meter, read.isoformat(timespec="seconds"), f"{kwh:.3f}"))
            index += 1
            month = (month + dt.timedelta(days=32)).replace(day=1)
    return rows


def _interval_rows(buckets: list[tuple[int, int]], end_day: dt.date) -> list[tuple[str, str, str, str]]:
    """INTERVAL_METER's hourly kWh over intervals_window: the chargers' energy in the hour (the sessions'
    true hourly energy, as the meter saw it) + the stations' standby + the other loads, which are the
    monthly readings' (meters.csv) with a daily shape, so the hours add up to the registers' differences."""
    inst = next(i for i, m in METER_IDS.items() if m == INTERVAL_METER)
    first, last = intervals_window(end_day)
    t, horizon = _local_ms(first, 0), _local_ms(last + dt.timedelta(days=1), 0)
    charged: dict[int, int] = {}
    for hour, wh in buckets:
        if t <= hour < horizon:
            charged[hour] = charged.get(hour, 0) + wh
    standby_kwh_h = STANDBY_KWH_PER_STATION_MONTH * STATION_COUNTS[inst] * 12 / (365.25 * 24)
    rows = []
    while t < horizon:
        start = dt.datetime.fromtimestamp(t / 1000, TZ)
        other = (_other_loads_kwh(inst, t + HOUR_MS) - _other_loads_kwh(inst, t)) * _OTHER_LOADS_SHAPE[start.hour]
        kwh = charged.get(t, 0) / 1000 + standby_kwh_h + other
        rows.append((INTERVAL_METER, start.isoformat(), dt.datetime.fromtimestamp((t + HOUR_MS) / 1000, TZ).isoformat(),
                     f"{kwh:.3f}"))
        t += HOUR_MS
    return rows


def generate_demo(out_dir: Path, end: dt.date | None = None, seed: int = DEFAULT_SEED) -> DemoFiles:
    """Write the demo feeds and meter readings into `out_dir`; same (end, seed) -> same bytes."""
    end = end or default_end()
    first, _ = history_window(end)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    horizon = _local_ms(end + dt.timedelta(days=1), 0)
    first_ms = _local_ms(first, 0)

    candidates = []
    for car in _CARS:
        candidates += _candidates(rng, car, first, horizon)
    sessions = _allocate(rng, candidates)
    replace_at = _local_ms(first + dt.timedelta(days=TAG_REPLACEMENT_DAY), 0)
    for sess in sessions:
        _fill_identity(rng, sess, replace_at)
    _add_guests(rng, sessions, first)
    corrected = _mark_specials(rng, sessions, first, end)
    # its own random stream, so every other session stays as it was before issue 29
    _add_peak_week(random.Random(f"{seed}/peak-week"), sessions, end, replace_at)
    _add_visitors(random.Random(f"{seed}/visitors"), sessions, end)  # issue 30; its own stream, as above

    feeds: dict[str, list[tuple[int, dict]]] = {name: [] for name in INSTALLATION_NAMES}
    buckets: dict[str, list[tuple[int, int]]] = {name: [] for name in INSTALLATION_NAMES}
    for sess in sorted(sessions, key=lambda s: (s.start, s.station.device_id)):
        rec, hours = _record(sess, seed, first_ms)
        inst = sess.station.installation
        feeds[inst].append((sess.start, rec))
        buckets[inst] += hours
        if sess is corrected:
            feeds[inst].append((sess.start, _void_record(rng, rec)))
    busy = _busy_map(sessions)
    for kind in MALFORMED_KINDS:
        start, rec = _malformed(rng, kind, seed, first, busy)
        feeds[MALFORMED_INSTALLATION[kind]].append((start, rec))

    plain_ids = {s.id for s in sessions if s.kind == "normal" and s.station.device_id not in SIGNED_DEVICE_IDS}
    paths = {}
    for inst in INSTALLATION_NAMES:
        data = [rec for _, rec in sorted(feeds[inst], key=lambda x: -x[0])]  # newest first (stable sort)
        if inst == GARAGE_A:
            payload: object = {"Pages": 1, "Data": data}
        else:  # two pages overlapping by one record: the exact duplicate
            k = len(data) // 2
            while data[k].get("Id") not in plain_ids:  # duplicate an ordinary resident's session
                k += 1
            payload = [{"Pages": 2, "Data": data[:k + 1]}, {"Pages": 2, "Data": data[k:]}]
        paths[inst] = out_dir / FEED_FILES[inst]
        files.write_atomically(paths[inst], json.dumps(payload, ensure_ascii=False) + "\n")

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["meter_id", "read_at", "register_kwh"])
    writer.writerows(_meter_rows(rng, buckets, first, end))
    meters = out_dir / METERS_FILE
    files.write_atomically(meters, buf.getvalue())

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["meter_id", "from", "to", "kwh"])
    writer.writerows(_interval_rows(buckets[GARAGE_A], end))
    intervals = out_dir / METER_INTERVALS_FILE
    files.write_atomically(intervals, buf.getvalue())
    # (the formula tariff prices the last twelve months; the flat tariff before them needs no spot price)
    price_files = prices.write_price_files(out_dir, last_twelve_months(end), end, seed)
    return DemoFiles(feeds=paths, meters=meters, meter_intervals=intervals, prices=tuple(price_files))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=f"Write the {CO_OP_NAME} demo feeds and meter readings.")
    p.add_argument("--out", type=Path, default=Path("data/demo"))
    p.add_argument("--end", type=dt.date.fromisoformat, default=None, help="last day (default: yesterday, Oslo)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    made = generate_demo(args.out, args.end, args.seed)
    for path in (*made.feeds.values(), made.meters, made.meter_intervals):
        print(path)
    print(f"{len(made.prices)} price files under {args.out / prices.PRICES_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

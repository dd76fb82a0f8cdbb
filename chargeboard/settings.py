"""Where things live, read once from the environment.

Every path the app and the command line share is decided here, so a test can point
the whole program at a temporary store with one environment variable.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_TIME_ZONE = "Europe/Oslo"
DEFAULT_INSTALLATION = "Default installation"
# A charger delivers at most 22 kW (3-phase, 32 A). The margin absorbs meter rounding
# and clock granularity, so only physically impossible sessions are rejected.
MAX_CHARGER_KW = 22.0
POWER_MARGIN = 1.10
POWER_SLACK_KWH = 0.1
# A list that may grow without end (an anomaly's sessions, rejected rows, the imports log) shows
# this many rows in a page, and says how many it leaves out; its download holds every row.
ROWS_SHOWN = 1_000


DEFAULT_DB = PROJECT_ROOT / "data" / "chargeboard.duckdb"
DEFAULT_AUTH = PROJECT_ROOT / "auth.yaml"  # the default store's accounts (git-ignored, 0600)


def db_path() -> Path:
    return Path(os.environ.get("CHARGEBOARD_DB", DEFAULT_DB))


def auth_path(database: Path | None = None) -> Path:
    """The accounts file: $CHARGEBOARD_AUTH; for the default store (data/chargeboard.duckdb) the
    project's top-level auth.yaml; for any other store the file next to it (data/mine.duckdb ->
    data/mine.auth.yaml), so demo accounts live with the demo store only and a new store starts
    with none."""
    if "CHARGEBOARD_AUTH" in os.environ:
        return Path(os.environ["CHARGEBOARD_AUTH"])
    database = Path(database or db_path())
    if database.resolve() == DEFAULT_DB.resolve():
        _adopt_beside_file(database)
        return DEFAULT_AUTH
    return database.with_name(database.stem + ".auth.yaml")


_COMPANIONS = (".yaml", ".lock", ".logins.json", ".changes.jsonl")  # (accounts.py's files beside it)


def _adopt_beside_file(database: Path) -> None:
    """The default store's accounts used to live beside it (data/chargeboard.auth.yaml): moved, with
    their login state and record of changes, to auth.yaml the first time they are looked for, so
    a store made before keeps its accounts. A rename: atomic, and done by one process only."""
    old = database.with_name(database.stem + ".auth.yaml")
    if DEFAULT_AUTH.exists() or not old.exists():
        return
    for suffix in _COMPANIONS[1:] + _COMPANIONS[:1]:  # the accounts file itself last
        try:
            os.rename(old.with_name(old.stem + suffix), DEFAULT_AUTH.with_name(DEFAULT_AUTH.stem + suffix))
        except FileNotFoundError:
            pass


def inbox_dir(database: Path | None = None) -> Path:
    """Feeds handed to a running app are spooled here, next to the store they go into."""
    database = database or db_path()
    return database.parent / "inbox" / database.stem


def secret_file() -> Path:
    return Path(os.environ.get("CHARGEBOARD_SECRET_FILE", PROJECT_ROOT / ".cookie-key"))


def fixed_today() -> date | None:
    """CHARGEBOARD_TODAY=YYYY-MM-DD pins "today" for every period preset (tests and demonstrations
    of a fixed data set; the test suite sets it for the app it serves too). Unset: the real date."""
    text = os.environ.get("CHARGEBOARD_TODAY", "").strip()
    return date.fromisoformat(text) if text else None


# DuckDB's own memory (its buffers, hash tables, sorts) is held under this; beyond it, it spills
# to a temporary file next to the store. DuckDB's default, 80 % of the machine's RAM, let one
# year's statements at 10M sessions hold 2.1 GB; under 300 MB every page's query stays near 0.5 GB,
# the statements 0.3 s slower (BENCHMARKS.md, "10M store, 2026-11-26 16:30–17:40").
DEFAULT_MEMORY_LIMIT = "300MB"


def memory_limit() -> str:
    """DuckDB's memory limit: $CHARGEBOARD_MEMORY_LIMIT (a size such as 300MB or 2GB), else 300MB."""
    text = os.environ.get("CHARGEBOARD_MEMORY_LIMIT", "").strip() or DEFAULT_MEMORY_LIMIT
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text, flags=re.IGNORECASE):
        raise ValueError(f"CHARGEBOARD_MEMORY_LIMIT must be a size such as 300MB or 2GB, not {text!r}")
    return text

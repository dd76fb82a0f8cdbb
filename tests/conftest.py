"""Fixtures shared by every test file.

Isolation: every test runs with CHARGEBOARD_DB, CHARGEBOARD_AUTH and CHARGEBOARD_SECRET_FILE
pointing into its own tmp_path (autouse `_isolated_env`), a 64-character cookie key and no
login sleep, so no test can touch the developer's data/ store, auth.yaml or .cookie-key.

Fixtures (function scope unless said):
    db_path       Path of the test's store file (= $CHARGEBOARD_DB; not created yet).
    store         an open chargeboard.store.Store on db_path, closed after the test.
    feeds         FeedWriter: feeds.zaptec(records, name, shape) / feeds.csv(rows, name, columns)
                  write small feeds into tmp_path/feeds from dicts (see support.zaptec_record,
                  support.csv_row).
    auth_file     a copy of the 4-account auth.yaml (support.LOGINS: styret system_owner,
                  per charger_owner with 2 stations, kari and ola residents linked by e-mail),
                  with $CHARGEBOARD_AUTH pointing at it. Tests may add users to it.
    coop_feed     the small co-op's Zaptec feed (support.write_coop_feed) in tmp_path.
    coop_store    `store` with coop_feed loaded (expected visibility: support.COOP_VISIBLE).
    auth_template (session) the 4-account auth.yaml, made once with accounts.add_user.
    coop_db       (module) a closed store file with the co-op loaded, for the app and the
                  browser (which open it themselves); read-only by convention.
    app_env       env for AppTest: $CHARGEBOARD_DB = coop_db, $CHARGEBOARD_AUTH = a copy of the
                  accounts; the app's cached store is released before and after the test.
Browser fixtures (browser, new_page, served_app, start_server) live in browser_support.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import support
from browser_support import browser, served_app, start_server  # noqa: F401 — fixtures for every test file

from chargeboard import accounts
from chargeboard.ingest import ingest_file
from chargeboard.store import Store

# Passwords hashed by the tests' own process take bcrypt's lowest cost: a check uses the cost in the
# stored hash, so every login of a test account (in AppTest and in the test servers) costs ~1 ms
# instead of ~0.3 s of CPU, some hundreds of times a run on 2 cores. The command line and the test
# servers hash at the production cost (test_scope checks it is 12).
accounts.PASSWORD_ROUNDS = 4


def pytest_collection_modifyitems(items):
    """The browser test files first, each file's tests in their own order. `make test` hands whole files
    to its two workers (--dist loadfile) in this order; a browser file takes 1-3 minutes, so one
    started last, as the alphabet put test_views_browser.py, left one worker running alone at the end."""
    items.sort(key=lambda item: "browser" not in item.path.name)


def pytest_terminal_summary(terminalreporter):
    """Tests that need root (a tmpfs mount for a real full disk) skip without it: say so where
    CI's log ends, not only as an 's' among the dots. A skip reason saying "needs root" counts."""
    needing_root = [report.nodeid for report in terminalreporter.stats.get("skipped", [])
                    if "needs root" in str(report.longrepr)]
    if needing_root:
        terminalreporter.write_line(f"NOT RUN: {len(needing_root)} test(s) need root (run as root to test them): "
                                    + ", ".join(needing_root), yellow=True, bold=True)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    for name, value in support.test_env(tmp_path / "chargeboard.duckdb", tmp_path / "auth.yaml",
                                tmp_path / "no-cookie-key").items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "chargeboard.duckdb"


@pytest.fixture
def store(db_path):
    opened = Store(db_path)
    yield opened
    opened.close()


class FeedWriter:
    """Writes small feeds from Python dicts into one folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def zaptec(self, records: list[dict], name: str = "feed.json", shape: str = "page") -> Path:
        return support.write_zaptec(self.folder / name, records, shape)

    def csv(self, rows: list[dict], name: str = "feed.csv", columns: list[str] | None = None) -> Path:
        return support.write_csv(self.folder / name, rows, columns)

    def text(self, text: str, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def feeds(tmp_path) -> FeedWriter:
    return FeedWriter(tmp_path / "feeds")


@pytest.fixture(scope="session")
def auth_template(tmp_path_factory) -> Path:
    return support.write_accounts(tmp_path_factory.mktemp("accounts") / "auth.yaml")


@pytest.fixture
def auth_file(auth_template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "auth.yaml"
    shutil.copyfile(auth_template, path)
    monkeypatch.setenv("CHARGEBOARD_AUTH", str(path))
    return path


@pytest.fixture
def coop_feed(tmp_path) -> Path:
    return support.write_coop_feed(tmp_path / "feeds" / "testlaget.chargehistory.json")


@pytest.fixture
def coop_store(store, coop_feed):
    ingest_file(store, coop_feed, installation="Testlaget")
    return store


@pytest.fixture(scope="module")
def coop_db(tmp_path_factory) -> Path:
    return support.build_coop_db(tmp_path_factory.mktemp("coop"))


def release_app_store() -> None:
    """Drop the app's cached Store (st.cache_resource lives as long as the process)."""
    from chargeboard import web  # noqa: PLC0415 — imports streamlit

    web.app_store.clear()


def serve_in_app(db: Path, auth_template: Path, tmp_path: Path, monkeypatch) -> Iterator[dict[str, str]]:
    """The app (AppTest) on store `db` with the test accounts (a copy of them); its cached store is
    dropped before and after. For a fixture: `yield from serve_in_app(...)`."""
    auth = tmp_path / "auth.yaml"
    shutil.copyfile(auth_template, auth)
    env = support.test_env(db, auth, tmp_path / "no-cookie-key")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    release_app_store()
    yield env
    release_app_store()


@pytest.fixture
def app_env(coop_db, auth_template, tmp_path, monkeypatch) -> dict[str, str]:
    yield from serve_in_app(coop_db, auth_template, tmp_path, monkeypatch)


@pytest.fixture
def own_store_env(tmp_path, auth_template, monkeypatch):
    """The app on a store of its own: the test writes to it."""
    yield from serve_in_app(support.build_coop_db(tmp_path), auth_template, tmp_path, monkeypatch)

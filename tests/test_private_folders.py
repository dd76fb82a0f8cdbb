"""Every folder the program makes for private data is its user's only (0700), whatever the
umask: the clouds' landing folder and its sources/ parent, uploads, the store's and the
accounts file's folders. A folder that was there before (a home folder) is left as it was."""

from __future__ import annotations

import os
import stat

import pytest

from chargeboard import accounts, private_files, sync
from chargeboard.store import Store


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The umask a shell usually has: folders made with the default mode would be 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_landing_folder_and_sources_are_private_before_any_store_is_open(tmp_path, open_umask):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    db = home / "data" / "chargeboard.duckdb"
    folder = sync.landing_dir(db)  # the app makes it before it opens the store (web.app_store)
    assert folder == home / "data" / "sources" / "chargeboard"
    assert [mode(p) for p in (folder, folder.parent, folder.parent.parent)] == [0o700] * 3
    assert mode(home) == 0o755  # there before: not ours to change


def test_a_sources_folder_made_0755_before_is_made_private(tmp_path, open_umask):
    (tmp_path / "sources").mkdir(mode=0o755)
    folder = sync.landing_dir(tmp_path / "chargeboard.duckdb")
    assert mode(folder) == mode(folder.parent) == 0o700


def test_the_store_and_accounts_folders_are_made_private(tmp_path, open_umask):
    db = tmp_path / "store" / "new" / "chargeboard.duckdb"
    Store(db).close()
    assert mode(db.parent) == mode(db.parent.parent) == 0o700 and mode(db) == 0o600
    os.umask(0o022)  # opening a store tightened it; the accounts may be written by another process
    auth = tmp_path / "auth" / "chargeboard.auth.yaml"
    accounts.write_new_file(auth)
    assert mode(auth.parent) == 0o700


def test_only_missing_folders_are_made_and_a_narrow_umask_cannot_take_the_owners_bits(tmp_path):
    old = os.umask(0o277)
    try:
        folder = private_files.make_private_folder(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert mode(folder) == mode(folder.parent) == 0o700

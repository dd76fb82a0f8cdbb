"""The store's folder and every file beside it are this user's alone, or refused (chargeboard.private_files).

Another user's file is simulated by os.chown to uid 65534 (nobody), which needs root: those tests
skip with a reason otherwise. Files writable by others are made with chmod.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import support
from test_app import fresh, has_login_form, texts

from chargeboard import accounts, credentials, errorlog, private_files, secrets, sync
from chargeboard.scope import SYSTEM_OWNER
from chargeboard.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[1]
NOBODY_UID = 65534

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user (chown) needs root")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chargeboard", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0, done.stdout
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ") and "Traceback" not in done.stderr
    return line


@needs_root
def test_a_planted_accounts_file_of_another_user_is_refused_and_no_one_logs_in(app_env):
    auth = Path(app_env["CHARGEBOARD_AUTH"])
    os.chown(auth, NOBODY_UID, -1)  # its system owner "styret" was put there by someone else
    at = fresh()
    assert not at.exception, at.exception
    assert not has_login_form(at) and "Logged in as" not in texts(at.sidebar)
    [shown] = [str(e.value) for e in at.error]
    assert str(auth) in shown and f"owned by uid {NOBODY_UID}" in shown and "\n" not in shown
    with pytest.raises(accounts.AccountsFileRefused, match=f"owned by uid {NOBODY_UID}"):
        accounts.check_login(support.STYRET.username, support.STYRET.password, "test", delay_unit=0)
    line = one_error_line(cli("user", "list", "--auth", str(auth)))
    assert str(auth) in line and f"owned by uid {NOBODY_UID}" in line


def test_an_accounts_file_others_may_write_is_refused_not_trusted(app_env):
    auth = Path(app_env["CHARGEBOARD_AUTH"])
    auth.chmod(0o666)
    at = fresh()
    assert not has_login_form(at)
    assert any(str(auth) in str(e.value) and "writable by other users" in str(e.value) for e in at.error)
    line = one_error_line(cli("user", "list", "--auth", str(auth)))
    assert str(auth) in line and "writable by other users (mode 666)" in line
    assert mode(auth) == 0o666  # refused, not silently "fixed"


def test_a_store_folder_others_may_write_is_refused(tmp_path, feeds):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    db = shared / "s.duckdb"
    with pytest.raises(StoreError, match="writable by other users"):
        Store(db)
    line = one_error_line(cli("ingest", str(support.write_coop_feed(tmp_path / "feed.json")), "--db", str(db)))
    assert str(shared) in line and "writable by other users (mode 777)" in line
    assert not db.exists()
    with pytest.raises(accounts.AccountsFileRefused, match="writable by other users"):
        accounts.add_user("boss", name="B", email="", role=SYSTEM_OWNER, password="boss-password",
                          path=shared / "s.auth.yaml")
    assert not (shared / "s.auth.yaml").exists() and not (shared / "s.auth.lock").exists()
    assert errorlog.record(db, "test").endswith("(not logged)")
    assert not errorlog.log_path(db).exists()


@needs_root
def test_files_beside_the_accounts_file_owned_by_another_user_are_refused(tmp_path):
    auth = tmp_path / "s.auth.yaml"
    accounts.add_user("boss", name="B", email="", role=SYSTEM_OWNER, password="boss-password", path=auth)
    for planted in (accounts.logins_path(auth), accounts.changes_path(auth), auth.with_name("s.auth.lock")):
        planted.touch(exist_ok=True)
        os.chown(planted, NOBODY_UID, -1)
        with pytest.raises(accounts.AccountsFileRefused, match=f"{planted}: owned by uid {NOBODY_UID}"):
            accounts.set_password("boss", "another-password", path=auth) if "changes" in planted.name else \
                accounts.check_login("boss", "boss-password", "test", delay_unit=0, path=auth)
        planted.unlink()
    # The error log another user planted beside the store gets no traceback of ours.
    db = tmp_path / "s.duckdb"
    errorlog.log_path(db).write_text("")
    os.chown(errorlog.log_path(db), NOBODY_UID, -1)
    try:
        raise RuntimeError("secret detail")
    except RuntimeError:
        assert errorlog.record(db, "test").endswith("(not logged)")
    assert errorlog.log_path(db).read_text() == ""


@needs_root
def test_key_files_and_the_landing_folder_of_another_user_are_refused(tmp_path, monkeypatch):
    key_file = tmp_path / "cookie-key"
    key_file.write_text("k" * 64)
    os.chown(key_file, NOBODY_UID, -1)
    monkeypatch.delenv("CHARGEBOARD_COOKIE_KEY")
    monkeypatch.setenv("CHARGEBOARD_SECRET_FILE", str(key_file))
    with pytest.raises(secrets.SecretError, match=f"owned by uid {NOBODY_UID}"):
        secrets.cookie_key()
    monkeypatch.delenv("CHARGEBOARD_SYNC_KEY", raising=False)
    monkeypatch.setenv("CHARGEBOARD_SYNC_KEY_FILE", str(key_file))
    with pytest.raises(secrets.SecretError, match=f"owned by uid {NOBODY_UID}"):
        secrets.sync_key()
    with pytest.raises(credentials.CredentialError, match=f"owned by uid {NOBODY_UID}"):  # a sync's one line
        credentials.encrypt(credentials.Login("bo@example.org", "cloud-password"))
    (tmp_path / "sources").mkdir(mode=0o700)
    os.chown(tmp_path / "sources", NOBODY_UID, -1)
    with pytest.raises(private_files.NotPrivate, match=f"owned by uid {NOBODY_UID}"):
        sync.landing_dir(tmp_path / "s.duckdb")


def test_a_save_writes_0600_whatever_the_old_mode(tmp_path):
    auth = tmp_path / "s.auth.yaml"
    accounts.add_user("boss", name="B", email="", role=SYSTEM_OWNER, password="boss-password", path=auth)
    auth.chmod(0o644)  # readable by others (allowed to be read, not kept)
    accounts.set_password("boss", "another-password", path=auth)
    assert mode(auth) == 0o600
    assert mode(accounts.changes_path(auth)) == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".part"))]  # no temporary file left

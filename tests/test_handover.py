"""Handing commands to a serving app (issue 8, items 1, 6 and 7): only the app's own user,
only the allow-listed commands with checked fields, every outcome reported exactly, a store
swapped under the app, and one line (never a traceback) for every operator error.

Real processes and files: `python -m chargeboard` subprocesses, a second local user (`nobody`
through setpriv), a real `streamlit run` server with a real browser, a small tmpfs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import support
from browser_support import log_in, page_text, wait_idle
from support import zaptec_record

from chargeboard import cli, handover, reports, settings
from chargeboard.ingest import ingest_file
from chargeboard.store import Store, StoreDetached

ROOT = Path(__file__).resolve().parents[1]
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
NOBODY_UID = 65534


def run_cli(*args: str, env: dict | None = None, user: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*(user or []), sys.executable, "-m", "chargeboard", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env={**os.environ, **(env or {})})


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip() and "the app is serving" not in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def records(prefix: str, n: int = 3) -> list[dict]:
    return [zaptec_record(f"{prefix}-{i}", start=datetime(2025, 3, 1 + i, 10), kwh=1.5 + i) for i in range(n)]


def session_ids(db: Path) -> set[str]:
    with contextlib.closing(duckdb.connect(str(db), read_only=True)) as con:
        return {row[0] for row in con.execute("SELECT session_id FROM sessions").fetchall()}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextlib.contextmanager
def serving(db: Path):
    """The store opened and served as the app does it (web.app_store), in this process."""
    log = io.StringIO()
    spool = handover.open_spool(settings.inbox_dir(db), create=True)
    store = Store(db, allowed_dirs=[spool.path])
    server = handover.start_server(store, spool, cli.HANDED_OVER, log=log)
    try:
        yield store, log
    finally:
        store.close()
        server.thread.join(10)


@pytest.fixture
def shared_dir():
    """A folder outside pytest's 0700 tmp tree, so the second local user can reach into it."""
    folder = Path(tempfile.mkdtemp(prefix="cb-", dir="/tmp"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _need_setpriv() -> None:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv (util-linux) to act as a second local user")


# -- a raw client speaking the protocol, for what the command line would never send -------------

def _frame(payload: dict) -> bytes:
    data = json.dumps(payload).encode()
    return struct.pack("!Q", len(data)) + data


def _read_frame(sock: socket.socket) -> dict:
    def exact(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data
    (size,) = struct.unpack("!Q", exact(8))
    return json.loads(exact(size))


def raw_request(db: Path, header: dict, body: bytes = b"") -> tuple[dict, dict | None, bytes | None]:
    """(answer, result, out bytes) of one request sent over the app's socket."""
    spool = handover.open_spool(settings.inbox_dir(db), create=False)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(spool.socket_path)
            sock.sendall(_frame(header) + body)
            answer = _read_frame(sock)
            if answer["status"] != "claimed":
                return answer, None, None
            result = _read_frame(sock)
            out = None
            if result.get("out_size") is not None:
                out = b""
                while len(out) < result["out_size"]:
                    out += sock.recv(result["out_size"] - len(out))
            return answer, result, out
    finally:
        spool.close()


INGEST_FIELDS = {"format": "auto", "installation": None, "time_zone": None, "quiet": True, "lang": "en"}
REPORT_FIELDS = {"by": "station", "date_from": "2025-01-01", "date_to": "2025-12-31", "as_user": None,
                 "format": "csv", "attribute_by": "start", "lang": "en", "csv_dialect": "rfc4180"}


# -- item 1: the hand-over ----------------------------------------------------------------------

def test_the_spool_socket_and_job_files_are_private_and_the_job_is_gone_after(tmp_path, feeds):
    db = tmp_path / "served.duckdb"
    with serving(db) as (store, _log):
        folder = settings.inbox_dir(db)
        assert mode(folder) == 0o700 and mode(folder.parent) == 0o700
        assert mode(folder / handover.SOCKET_NAME) == 0o600
        done = run_cli("ingest", str(feeds.zaptec(records("p"), "private.json")), "--db", str(db))
        assert done.returncode == 0 and "3 new, 0 duplicate" in done.stdout, done.stderr
        assert mode(db) == 0o600
        wal = db.with_name(db.name + ".wal")
        assert not wal.exists() or mode(wal) == 0o600
        assert sorted(p.name for p in folder.iterdir()) == [handover.SOCKET_NAME]


# Run as `nobody`: drop a job into the app's spool, then hand an ingest over its socket.
ATTACKER = r"""
import os, socket, struct, sys
folder, payload = sys.argv[1], bytes.fromhex(sys.argv[2])
try:
    os.makedirs(folder + "/job", exist_ok=True)
    open(folder + "/job/request.json", "w").write("{}")
    print("create done")
except OSError as error:
    print("create denied", error.errno)
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect(folder + "/app.sock")
    try:
        s.sendall(payload)
    except OSError:
        pass
    size = struct.unpack("!Q", s.recv(8))[0]
    print("connect answer", s.recv(size).decode())
except OSError as error:
    print("connect denied", error.errno)
"""


def test_a_second_local_user_can_neither_reach_nor_use_the_socket(shared_dir, feeds):
    _need_setpriv()
    db = shared_dir / "s.duckdb"
    folder = settings.inbox_dir(db)
    feed = feeds.zaptec(records("evil"), "evil.json").read_bytes()
    payload = (_frame({"command": "ingest", "fields": INGEST_FIELDS, "out": None,
                       "files": [{"name": "evil.json", "size": len(feed)}]}) + feed).hex()
    attacker = [*AS_NOBODY, "/usr/bin/python3", "-c", ATTACKER, str(folder), payload]
    with serving(db) as (store, log):
        as_made = subprocess.run(attacker, capture_output=True, text=True, timeout=60)
        assert "create denied 13" in as_made.stdout and "connect denied 13" in as_made.stdout, as_made
        # An operator opens the folders to others by mistake: the socket itself still refuses.
        folder.parent.chmod(0o711)
        folder.chmod(0o711)
        (folder / handover.SOCKET_NAME).chmod(0o666)
        opened = subprocess.run(attacker, capture_output=True, text=True, timeout=60)
        assert "create denied 13" in opened.stdout, opened
        assert "connect answer" in opened.stdout and '"refused"' in opened.stdout, opened
        assert f"refused a connection from uid {NOBODY_UID}" in log.getvalue()
        with contextlib.closing(store.cursor()) as cur:
            assert cur.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
        assert sorted(p.name for p in folder.iterdir()) == [handover.SOCKET_NAME]  # no job was even made


def test_a_spool_folder_another_user_made_is_refused_by_the_app_and_never_talked_to(shared_dir, feeds):
    _need_setpriv()
    db = shared_dir / "s.duckdb"
    folder = settings.inbox_dir(db)
    # inbox/ made by another user (a store's folder others may write is refused as a whole: test_private_files)
    folder.parent.mkdir(mode=0o777)
    os.chown(folder.parent, NOBODY_UID, -1)
    heard = shared_dir / "heard.txt"
    listener = subprocess.Popen([*AS_NOBODY, "/usr/bin/python3", "-c", f"""
import os, socket
os.makedirs({str(folder)!r}, mode=0o777, exist_ok=True)
os.chmod({str(folder)!r}, 0o777); os.chmod({str(folder.parent)!r}, 0o777)
s = socket.socket(socket.AF_UNIX); s.bind({str(folder / 'app.sock')!r}); os.chmod({str(folder / 'app.sock')!r}, 0o666)
s.listen()
print("listening", flush=True)
conn, _ = s.accept()
open({str(heard)!r}, "wb").write(conn.recv(65536))
"""], stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().strip() == "listening"
        with pytest.raises(handover.SpoolRefused) as refused:
            handover.open_spool(folder, create=True)  # what the app does at start
        assert str(folder.parent) in str(refused.value) and f"owned by uid {NOBODY_UID}" in str(refused.value)

        done = run_cli("ingest", str(feeds.zaptec(records("mine"), "mine.json")), "--db", str(db))
        assert done.returncode == 0 and "3 new" in done.stdout, done.stderr  # loaded into the store itself
        assert "not handing the command over" in done.stderr and "owned by uid" in done.stderr
        assert not heard.exists(), "the command line sent its request to another user's socket"
    finally:
        listener.kill()
        listener.wait(10)

    # Our own folder, but writable by others: refused too.
    other = shared_dir / "private" / "t.duckdb"
    other.parent.mkdir(mode=0o700)
    settings.inbox_dir(other).mkdir(parents=True)
    settings.inbox_dir(other).chmod(0o777)
    with pytest.raises(handover.SpoolRefused, match="writable by other users"):
        handover.open_spool(settings.inbox_dir(other), create=True)
    # A link in the spool folder's place (to a folder the app would then write into): refused.
    linked = shared_dir / "private" / "u.duckdb"
    settings.inbox_dir(linked).symlink_to(shared_dir / "private")
    with pytest.raises(handover.SpoolRefused, match="not a folder"):
        handover.open_spool(settings.inbox_dir(linked), create=True)


def test_crafted_requests_outside_the_allow_list_are_refused_and_change_nothing(tmp_path, auth_file, feeds):
    db = tmp_path / "served.duckdb"
    elsewhere = tmp_path / "elsewhere"
    auth_before = auth_file.read_bytes()
    feed = feeds.zaptec(records("c"), "c.json").read_bytes()
    one_file = [{"name": "c.json", "size": len(feed)}]
    with serving(db) as (store, _log):
        folder = settings.inbox_dir(db)
        # The old design's job folder: a file in the spool is never read as an instruction.
        job = folder / "0123456789abcdef"
        job.mkdir()
        (job / "request.json").write_text(json.dumps({"argv": [
            "user", "add", "mallory", "--role", "system_owner", "--password", "mallory-pw-1", "--auth", str(auth_file)]}))
        refusals = {
            "user": {"command": "user", "fields": {"user_command": "add", "username": "mallory",
                                                   "role": "system_owner", "password": "mallory-pw-1"},
                     "out": None, "files": []},
            "demo": {"command": "demo", "fields": {"force": True, "db": str(elsewhere / "demo.duckdb")},
                     "out": None, "files": []},
            "--db": {"command": "ingest", "fields": {**INGEST_FIELDS, "db": str(elsewhere / "x.duckdb")},
                     "out": None, "files": one_file},
            "--auth": {"command": "report", "fields": {**REPORT_FIELDS, "auth": str(auth_file)},
                       "out": None, "files": []},
            "argv": {"command": "ingest", "argv": ["ingest", "--db", str(elsewhere / "x.duckdb")],
                     "fields": INGEST_FIELDS, "out": None, "files": []},
            "bad language": {"command": "report", "fields": {**REPORT_FIELDS, "lang": "sv"}, "out": None,
                             "files": []},
            "bad CSV dialect": {"command": "report", "fields": {**REPORT_FIELDS, "csv_dialect": "excel-sv"},
                                "out": None, "files": []},
            "bad value": {"command": "report", "fields": {**REPORT_FIELDS, "by": "everything"}, "out": None,
                          "files": []},
            "control text": {"command": "ingest", "fields": {**INGEST_FIELDS, "installation": "A\n--db=/x"},
                             "out": None, "files": one_file},
            "out on ingest": {"command": "ingest", "fields": INGEST_FIELDS, "out": str(elsewhere / "o"),
                              "files": one_file},
        }
        for what, header in refusals.items():
            answer, result, _ = raw_request(db, header, feed if header["files"] else b"")
            assert answer["status"] == "refused", (what, answer, result)
            assert answer["reason"].startswith("the app refused the command"), what

        # --out somewhere else: the app writes only inside its job and sends the bytes back.
        answer, result, out = raw_request(db, {"command": "report", "fields": REPORT_FIELDS,
                                               "out": str(elsewhere / "report.csv"), "files": []})
        assert answer["status"] == "claimed" and result["code"] == 0, result
        assert out is not None and out.startswith(b"key,name,sessions,energy_kwh"), out

        assert not elsewhere.exists(), "the app wrote outside its spool"
        assert auth_file.read_bytes() == auth_before, "a request changed the accounts"
        with contextlib.closing(store.cursor()) as cur:
            assert cur.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
        assert (job / "request.json").exists() and not (job / "result.json").exists(), "a dropped job was run"


def test_report_out_is_written_by_the_command_line_where_it_was_asked(tmp_path, coop_feed):
    db = tmp_path / "served.duckdb"
    with serving(db) as (store, _log):
        loaded = run_cli("ingest", str(coop_feed), "--installation", "Testlaget", "--db", str(db))
        assert loaded.returncode == 0, loaded.stderr
        target = tmp_path / "mine" / "report.xlsx"
        target.parent.mkdir()
        done = run_cli("report", "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx",
                       "--out", str(target), "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert "running this command in the app's process" in done.stderr
        assert f"wrote {target}:" in done.stderr  # named as asked, not as the app's job file
        assert target.read_bytes()[:2] == b"PK"
        missing = run_cli("report", "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31",
                          "--out", str(tmp_path / "no-such-folder" / "r.csv"), "--db", str(db))
        line = one_error_line(missing)
        assert "no-such-folder/r.csv" in line and "No such file or directory" in line


def test_language_and_csv_dialect_travel_with_a_handed_over_command(tmp_path, coop_feed):
    """--lang nb and --csv-dialect excel-nb reach the app's thread (which starts in English) as fields."""
    db = tmp_path / "served.duckdb"
    with serving(db) as (store, _log):
        loaded = run_cli("--lang", "nb", "ingest", str(coop_feed), "--installation", "Testlaget", "--db", str(db))
        assert loaded.returncode == 0, loaded.stderr
        assert " nye, " in loaded.stdout and " avvist" in loaded.stdout  # the summary in Norwegian
        target = tmp_path / "rapport.csv"
        done = run_cli("report", "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--lang", "nb",
                       "--csv-dialect", "excel-nb", "--out", str(target), "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert "running this command in the app's process" in done.stderr
        data = target.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        header = data.decode("utf-8-sig").splitlines()[0]
        assert header.startswith("Nøkkel;Navn;Ladeøkter;Energi (kWh)")
        book = tmp_path / "rapport.xlsx"
        done = run_cli("report", "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--lang", "nb",
                       "--format", "xlsx", "--out", str(book), "--db", str(db))
        assert done.returncode == 0 and f"skrev {book}: " in done.stderr, done.stderr
        english = run_cli("report", "--by", "user", "--from", "2025-01-01", "--to", "2025-12-31", "--db", str(db))
        assert english.stdout.startswith("key,name,sessions,energy_kwh"), english.stdout  # the app's default stays


def test_connection_cut_after_the_claim_is_reported_as_may_have_run(tmp_path, feeds):
    """The app takes the job and its process dies mid-run: the command line must not say
    'nothing was changed'. A real app process, killed while it runs the ingest."""
    db = tmp_path / "served.duckdb"
    ready = tmp_path / "ready"
    app = subprocess.Popen([sys.executable, "-c", f"""
import os, sys, time
from pathlib import Path
from chargeboard import cli, handover, settings
from chargeboard.store import Store
db = Path({str(db)!r})
spool = handover.open_spool(settings.inbox_dir(db), create=True)
store = Store(db, allowed_dirs=[spool.path])
def dies(args, store):
    print("running", flush=True)
    os._exit(9)
handover.start_server(store, spool, {{**cli.HANDED_OVER, "ingest": handover.Command(dies, cli.HANDED_OVER["ingest"].fields, inputs=True)}})
Path({str(ready)!r}).write_text("1")
time.sleep(120)
"""], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert time.monotonic() < deadline and app.poll() is None
            time.sleep(0.05)
        done = run_cli("ingest", str(feeds.zaptec(records("k"), "k.json")), "--db", str(db))
        line = one_error_line(done)
        assert "ran or may have run" in line and "run it again" in line
        assert "nothing was changed" not in done.stderr and "nothing was run" not in done.stderr
    finally:
        app.kill()
        app.wait(10)
    folder = settings.inbox_dir(db)
    assert [p for p in folder.iterdir() if p.is_dir()], "the killed app left its job folder"
    with serving(db):  # the next start tidies it away
        assert sorted(p.name for p in folder.iterdir()) == [handover.SOCKET_NAME]


# -- item 6: the store under the app's feet -------------------------------------------------------

def test_store_deleted_under_a_serving_app_is_detached_and_the_cli_is_told(tmp_path, feeds):
    db = tmp_path / "served.duckdb"
    with serving(db) as (store, _log):
        first = run_cli("ingest", str(feeds.zaptec(records("a"), "a.json")), "--db", str(db))
        assert first.returncode == 0, first.stderr
        db.unlink()
        done = run_cli("ingest", str(feeds.zaptec(records("b"), "b.json")), "--db", str(db))
        line = one_error_line(done)
        assert f"the store file {db} was replaced or deleted while the app was serving" in line
        assert "restart the app" in line and "new" not in done.stdout
        assert store.detached() is not None
        with pytest.raises(StoreDetached):
            ingest_file(store, feeds.zaptec(records("c"), "c.json"))
    assert not db.exists(), "nothing was written to the path after the store was detached"


def test_a_commit_that_lands_in_a_replaced_file_is_not_reported_as_done(tmp_path, feeds):
    db, replacement = tmp_path / "s.duckdb", tmp_path / "other.duckdb"
    Store(replacement).close()
    store = Store(db)
    try:
        with pytest.raises(StoreDetached, match="replaced or deleted"), store.transaction() as cur:
            cur.execute("INSERT INTO installations (installation_id, name, time_zone) VALUES ('x', 'X', 'UTC')")
            os.replace(replacement, db)  # swapped while the load runs
        with pytest.raises(StoreDetached):  # and nothing more is written
            ingest_file(store, feeds.zaptec(records("d"), "d.json"))
    finally:
        store.close()
    assert session_ids(db) == set()


def test_demo_force_is_refused_while_a_store_is_served(tmp_path):
    db = tmp_path / "served.duckdb"
    with serving(db) as (store, _log):
        before = os.stat(db).st_ino
        done = subprocess.run([sys.executable, "-m", "chargeboard_demo", "--force", "--db", str(db), "--out",
                               str(tmp_path / "demo")], cwd=ROOT, capture_output=True, text=True, timeout=120)
        line = one_error_line(done)
        assert str(db) in line and "in use" in line and "nothing was removed" in line
        assert os.stat(db).st_ino == before and store.detached() is None
        assert not (tmp_path / "demo").exists()


# -- item 7: one line, never a traceback -------------------------------------------------------------

def test_unreadable_input_and_unwritable_store_are_one_line_each(shared_dir, feeds):
    _need_setpriv()
    feed = shared_dir / "root-only.json"
    shutil.copyfile(feeds.zaptec(records("u"), "u.json"), feed)
    feed.chmod(0o600)
    mine = shared_dir / "nobody"
    mine.mkdir()
    os.chown(mine, NOBODY_UID, -1)
    readable = mine / "feed.json"
    shutil.copyfile(feeds.zaptec(records("r"), "r.json"), readable)
    os.chown(readable, NOBODY_UID, -1)
    env = {"HOME": str(mine), "CHARGEBOARD_DB": str(mine / "s.duckdb")}

    line = one_error_line(run_cli("ingest", str(feed), "--db", str(mine / "s.duckdb"), env=env, user=AS_NOBODY))
    assert str(feed) in line and "Permission denied" in line

    root_store = shared_dir / "root-store"
    root_store.mkdir()
    root_store.chmod(0o755)  # others may look in, not write
    line = one_error_line(run_cli("ingest", str(readable), "--db", str(root_store / "s.duckdb"), env=env,
                                  user=AS_NOBODY))
    assert str(root_store) in line and "owned by uid 0, not by this user" in line  # (private_files)


def test_report_far_future_and_bad_accounts_file_are_one_line(tmp_path, coop_store, auth_file):
    db = coop_store.path
    coop_store.close()
    line = one_error_line(run_cli("report", "--by", "station", "--from", "2025-01-01", "--to", "9999-12-31",
                                  "--db", str(db)))
    assert "9999-12-31" in line and "last day" in line
    auth_file.write_text("credentials: [this is: not, valid\n", encoding="utf-8")
    line = one_error_line(run_cli("report", "--by", "station", "--from", "2025-01-01", "--to", "2025-12-31",
                                  "--as", "kari", "--db", str(db)))
    assert str(auth_file) in line and "line 2" in line  # the file, and where it is malformed
    auth_file.unlink()
    line = one_error_line(run_cli("statement", "--from", "2025-01-01", "--to", "2025-12-31", "--as", "kari",
                                  "--db", str(db)))
    assert str(auth_file) in line


def test_an_unexpected_error_is_one_line_with_an_id_and_the_traceback_is_logged(tmp_path, store, monkeypatch):
    db = store.path
    store.close()

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug deep inside")
    monkeypatch.setattr(reports, "build_report", broken)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["report", "--by", "station", "--from", "2025-01-01", "--to", "2025-01-31", "--db", str(db)],
                    stdout=out, stderr=err)
    assert code == 1
    [line] = err.getvalue().splitlines()
    assert line.startswith("error: an unexpected error (id ") and "a bug deep inside" not in line
    error_id = line.split("(id ")[1].split(")")[0]
    log = db.with_name(db.stem + ".errors.log")
    assert mode(log) == 0o600
    text = log.read_text()
    assert f"id {error_id}" in text and "Traceback" in text and "a bug deep inside" in text


def test_a_full_disk_while_the_job_is_sent_is_one_line_and_nothing_runs(tmp_path, feeds):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"this machine does not allow a tmpfs mount: {mounted.stderr.strip()}")
    try:
        db = disk / "s.duckdb"
        big = feeds.zaptec([zaptec_record(f"big-{i}", start=datetime(2025, 3, 1, 10)) for i in range(12_000)],
                           "big.json")
        assert big.stat().st_size > 4 << 20
        with serving(db) as (store, log):
            done = run_cli("ingest", str(big), "--db", str(db))
            line = one_error_line(done)
            assert "No space left on device" in line and "nothing was run" in line
            assert "could not take a job" in log.getvalue()
            assert sorted(p.name for p in settings.inbox_dir(db).iterdir()) == [handover.SOCKET_NAME]
            with contextlib.closing(store.cursor()) as cur:
                assert cur.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# -- a real app: `streamlit run` with a logged-in browser ----------------------------------------------

def _wait_for_socket(db: Path, seconds: float = 60) -> None:
    sock = settings.inbox_dir(db) / handover.SOCKET_NAME
    deadline = time.monotonic() + seconds
    while not sock.exists():
        assert time.monotonic() < deadline, "the app did not start listening"
        time.sleep(0.1)


def test_real_cli_hands_over_to_a_real_app_and_a_swapped_store_is_shown(browser, start_server, tmp_path, auth_file,
                                                                         feeds):
    db = support.build_coop_db(tmp_path / "store")
    server = start_server(support.test_env(db, auth_file, tmp_path / "no-cookie-key"))
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, server.url, support.STYRET)  # the app opens its store (and starts listening)
        _wait_for_socket(db)
        feed = feeds.zaptec(records("live"), "live.json")
        done = run_cli("ingest", str(feed), "--db", str(db))
        assert done.returncode == 0, done.stderr
        assert "running this command in the app's process" in done.stderr and "lock" not in done.stderr.lower()
        assert "live.json: 3 records (zaptec-json)" in done.stdout
        assert "3 new, 0 duplicate, 0 updated, 0 rejected" in done.stdout
        again = run_cli("ingest", str(feed), "--db", str(db))
        assert again.returncode == 0 and "0 new, 3 duplicate, 0 updated, 0 rejected" in again.stdout, again.stderr
        assert mode(db) == 0o600 and mode(settings.inbox_dir(db)) == 0o700

        refused = subprocess.run([sys.executable, "-m", "chargeboard_demo", "--force", "--db", str(db), "--out",
                                  str(tmp_path / "demo")], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert "in use" in one_error_line(refused)

        replacement = tmp_path / "store" / "replacement.duckdb"
        Store(replacement).close()
        os.replace(replacement, db)
        lost = run_cli("ingest", str(feeds.zaptec(records("lost"), "lost.json")), "--db", str(db))
        assert "was replaced or deleted while the app was serving" in one_error_line(lost)
        page.reload()
        wait_idle(page)
        assert "was replaced or deleted while the app was serving" in page_text(page)
    finally:
        context.close()
        server.stop()
    assert session_ids(db) == set(), "a load was reported into a file that is no longer at the path"


def test_one_hundred_hand_overs_under_browser_load_all_report_exactly(browser, start_server, tmp_path, auth_file,
                                                                     feeds):
    """50 feeds, each handed over twice (2 new, then 2 duplicate), 4 at a time, while two
    logged-in browsers reload the app's dashboard until the last hand-over has answered."""
    db = support.build_coop_db(tmp_path / "store")
    server = start_server(support.test_env(db, auth_file, tmp_path / "no-cookie-key"))
    contexts = [browser.new_context() for _ in range(2)]
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            log_in(page, server.url, support.STYRET)
        _wait_for_socket(db)
        files = [feeds.zaptec(records(f"f{n}", 2), f"f{n}.json") for n in range(50)]

        def twice(path: Path) -> list[tuple[int, str, str]]:
            outcomes = []
            for _ in range(2):
                out, err = io.StringIO(), io.StringIO()
                code = cli.main(["ingest", str(path), "--db", str(db), "--quiet"], stdout=out, stderr=err)
                outcomes.append((code, out.getvalue(), err.getvalue()))
            return outcomes

        reloads = 0
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(twice, path) for path in files]
            while not all(future.done() for future in futures):
                for page in pages:  # the load: full page runs of the dashboard, one after another
                    page.reload()
                    wait_idle(page, timeout=60_000)
                    reloads += 1
            results = {path: future.result() for path, future in zip(files, futures, strict=True)}
        assert reloads > 0
        tally = {"first: 2 new": 0, "second: 2 duplicate": 0}
        for path, ((code1, out1, err1), (code2, out2, err2)) in results.items():
            assert code1 == 0 and f"{path.name}: 2 records (zaptec-json)" in out1, err1
            assert "running this command in the app's process" in err1 and "lock" not in err1.lower()
            tally["first: 2 new"] += "2 new, 0 duplicate, 0 updated, 0 rejected" in out1
            assert code2 == 0, err2
            tally["second: 2 duplicate"] += "0 new, 2 duplicate, 0 updated, 0 rejected" in out2
        assert tally == {"first: 2 new": 50, "second: 2 duplicate": 50}
    finally:
        for context in contexts:
            context.close()
        server.stop()
    handed = {sid for sid in session_ids(db) if sid.startswith("f")}
    assert handed == {f"f{n}-{i}" for n in range(50) for i in range(2)}


def test_the_app_refuses_a_spool_another_user_made_and_tells_the_system_owner(shared_dir, auth_template, monkeypatch):
    """The app serves its pages, hands nothing over, and says why to the system owner only."""
    _need_setpriv()
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    from chargeboard import web  # noqa: PLC0415

    db = support.build_coop_db(shared_dir)
    folder = settings.inbox_dir(db)
    folder.parent.mkdir(mode=0o777)  # inbox/ made by another user
    os.chown(folder.parent, NOBODY_UID, -1)
    subprocess.run([*AS_NOBODY, "mkdir", "-p", "-m", "0777", str(folder)], check=True)
    auth = shared_dir / "auth.yaml"
    shutil.copyfile(auth_template, auth)
    for name, value in support.test_env(db, auth, shared_dir / "no-cookie-key").items():
        monkeypatch.setenv(name, value)
    web.app_store.clear()
    try:
        seen = {}
        for login in (support.STYRET, support.RESIDENT):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
            next(t for t in at.text_input if t.label == "Username").input(login.username)
            next(t for t in at.text_input if t.label == "Password").input(login.password)
            next(b for b in at.button if b.label == "Login").click()
            at = at.run().run()
            assert not at.exception
            seen[login.username] = "\n".join(str(w.value) for w in at.warning)
        assert "commands cannot be handed to the app" in seen["styret"] and f"owned by uid {NOBODY_UID}" in seen["styret"]
        assert "handed" not in seen["kari"]
        assert not (folder / handover.SOCKET_NAME).exists(), "the app listened in another user's folder"
    finally:
        web.app_store.clear()


# -- the allow-list itself --------------------------------------------------------------------

CHOICES = "one of the command line's own choices for the option"
HANDED_OVER = {  # command -> (its fields and how each is checked, takes input files, writes --out)
    "ingest": ({"format": CHOICES, "installation": str, "time_zone": str, "quiet": bool, "lang": CHOICES},
               True, False),
    "report": ({"by": CHOICES, "date_from": cli._date, "date_to": cli._date, "as_user": str, "format": CHOICES,
                "attribute_by": CHOICES, "lang": CHOICES, "csv_dialect": CHOICES}, False, True),
    "statement": ({"date_from": cli._date, "date_to": cli._date, "as_user": str, "format": CHOICES,
                   "standby_share": CHOICES, "rest_share": CHOICES, "lang": CHOICES, "csv_dialect": CHOICES},
                  False, True),
    "board-pack": ({"date_from": cli._date, "date_to": cli._date, "as_user": str, "lang": CHOICES}, False, True),
    "statement-issuer": ({"name": str, "address": str, "lang": CHOICES}, False, False),
    "sync": ({"provider": CHOICES, "installation": str, "into": str, "date_from": cli._date, "lang": CHOICES},
             False, False),
    "backup": ({"lang": CHOICES}, False, True),
    "station": ({"station_command": CHOICES, "station": str, "serial": str, "lang": CHOICES}, False, False),
    # `prices import` and `prices fetch`: two hand-overs, as one takes input files and the other none
    "prices-import": ({"area": CHOICES, "eur_nok": str, "lang": CHOICES}, True, False),
    "prices-fetch": ({"area": CHOICES, "date_from": cli._date, "date_to": cli._date, "api_url": str,
                      "lang": CHOICES}, False, False),
    "tariff-set": ({"lang": CHOICES}, True, False),
    "tariff-list": ({"lang": CHOICES}, False, False),
    "tariff-cost-price": ({"installation": str, "month": cli._month, "meter": str, "amount": str, "kwh": str,
                           "lang": CHOICES}, False, False),
    "dwelling": ({"dwelling_command": cli._not_import, "installation": str, "number": str, "section": str,
                  "share": str, "note": str, "name": str, "email": str, "customer": str, "language": CHOICES,
                  "co_name": str, "co_email": str, "owner": str, "kind": CHOICES, "member": str, "date_from": str,
                  "date_to": str, "until": str, "lang": CHOICES}, False, False),
    "dwelling-import": ({"dwelling_command": cli.DWELLING_IMPORT_ONLY, "lang": CHOICES}, True, False),
    # `billing export|settings` (issue 30): a closed run's files (--out), and the billing settings
    "billing-export": ({"run_id": cli._run_id, "format": CHOICES, "lang": CHOICES}, False, True),
    "billing-settings": ({"account": str, "kid_method": CHOICES, "kid_layout": CHOICES, "due_days": str,
                          "vat_rate": str, "minimum": str, "payer_rule": CHOICES, "line_text": str, "lang": CHOICES},
                         False, False),
    # `mail settings|test|log` (issues 30 and 31); the password read on the command line's side
    "mail-settings": ({"host": str, "port": str, "security": CHOICES, "username": str, "sender": str,
                       "password": str, "no_password": bool, "lang": CHOICES}, False, False),
    "mail-test": ({"to": str, "lang": CHOICES}, False, False),
    "mail-log": ({"batch": str, "lang": CHOICES}, False, False),
    # `billing close|runs|show|reopen` (issue 30)
    "billing-close": ({"date_from": cli._date, "date_to": cli._date, "payer_rule": CHOICES, "minimum": str,
                       "lang": CHOICES}, False, False),
    "billing-runs": ({"lang": CHOICES}, False, False),
    "billing-show": ({"run_id": cli._run_id, "lang": CHOICES}, False, False),
    "billing-reopen": ({"run_id": cli._run_id, "lang": CHOICES}, False, False),
}


def _cli_choices(command: str, dest: str) -> set:
    """What the command line accepts for an option: its choices, and None if it may be left out."""
    subcommands = next(a for a in cli.build_parser()._actions if a.dest == "command").choices
    parser = subcommands.get(command)
    if parser is None:  # handed over by its own name: tariff-set is `tariff set`, prices-import is `prices import`
        parent, _, child = command.partition("-")
        parser = subcommands[parent]
        nested = next((a for a in parser._actions if a.dest == f"{parent}_command" and a.choices and
                       isinstance(a.choices, dict)), None)
        if nested is not None:
            parser = nested.choices[child]
    action = next(a for a in parser._actions if a.dest == dest)
    may_be_left_out = bool(action.option_strings) and not action.required and action.default is None
    return set(action.choices) | ({None} if may_be_left_out else set())


def test_the_app_takes_exactly_these_commands_with_exactly_these_options(app_env):
    """Catches a command or an option added to the hand-over's allow-list (cli.HANDED_OVER, as the app
    serves it from web.app_store), or a checked option loosened (a choice or a date taken as any text):
    the test above only shows that some requests are refused, not which commands and options exist."""
    from chargeboard import web  # noqa: PLC0415 — imports streamlit

    table = {name: ({key: CHOICES if isinstance(rule, tuple) else rule for key, rule in command.fields.items()},
                    command.inputs, command.writes_out) for name, command in cli.HANDED_OVER.items()}
    assert table == HANDED_OVER
    for name, (fields, _inputs, _out) in HANDED_OVER.items():
        for key, rule in fields.items():
            if rule is CHOICES:  # never a value the command line itself would refuse
                assert set(cli.HANDED_OVER[name].fields[key]) == _cli_choices(name, key), (name, key)

    # The serving app: every other command (the command line's, or made up) is refused, naming the seventeen;
    # each of the seventeen takes exactly its fields, no --db.
    store = web.app_store()
    every = [*dict.fromkeys([*next(a for a in cli.build_parser()._actions if a.dest == "command").choices,
                              *HANDED_OVER]), "shell", ""]
    for name in every:
        header = {"command": name, "fields": {"db": str(store.path.with_name("other.duckdb"))}, "out": None,
                  "files": []}
        answer, result, _ = raw_request(store.path, header)
        assert answer["status"] == "refused", (name, answer, result)
        if name in HANDED_OVER:
            expected = f"{name}: fields db are not taken; it takes exactly {', '.join(HANDED_OVER[name][0])}"
        else:
            expected = (f"{name!r} is not a command the app runs "
                        f"(only {', '.join(sorted(HANDED_OVER))})")
        assert answer["reason"] == f"the app refused the command: {expected}", name

"""Logins and accounts without a browser: throttling and locks, the first start with a setup token,
a missing or malformed accounts file, `python -m chargeboard user` (modes, concurrency), the link
by e-mail within an account's installations, and the Accounts page in AppTest.

The cookie side (replay after logout, password change, removal, demotion; forged cookies) needs a
real browser: tests/test_logins_browser.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import support
import yaml
from forged_cookies import FORGED, control, version_of
from streamlit.testing.v1 import AppTest
from test_app import fresh, has_login_form, log_in, said, settle, texts

from chargeboard import accounts, statements, web
from chargeboard.ingest import ingest_file
from chargeboard.scope import CHARGER_OWNER, RESIDENT, SYSTEM_OWNER, system_scope

ROOT = Path(__file__).resolve().parents[1]
LOCKED = "Too many failed logins"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chargeboard", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


# -- throttling ------------------------------------------------------------------------------

def fail_logins(username: str, times: int) -> AppTest:
    at = fresh()
    for _ in range(times):
        at = log_in(at, username, "not-the-password")
    return at


def test_ten_failures_lock_the_username_and_the_right_password_is_refused(app_env, caplog):
    at = fail_logins(support.RESIDENT.username, accounts.MAX_FAILURES - 1)
    assert any("incorrect" in str(e.value) for e in at.error)
    at = log_in(at, support.RESIDENT.username, "not-the-password")  # the 10th
    at = log_in(at, support.RESIDENT.username, support.RESIDENT.password)
    assert not at.exception, at.exception
    assert any(LOCKED in str(e.value) for e in at.error)
    assert has_login_form(at) and "Logged in as" not in texts(at.sidebar)
    right_answer = [str(e.value) for e in at.error]
    at = log_in(at, support.RESIDENT.username, "another-wrong-one")
    assert [str(e.value) for e in at.error] == right_answer  # the right password is not told apart
    # A new browser session is locked out as well: the lock is stored beside the accounts file.
    at = log_in(fresh(), support.RESIDENT.username, support.RESIDENT.password)
    assert any(LOCKED in str(e.value) for e in at.error)
    assert [lock.key for lock in accounts.login_locks()] == [f"user:{support.RESIDENT.username}"]
    assert mode(accounts.logins_path(Path(app_env["CHARGEBOARD_AUTH"]))) == 0o600
    logged = caplog.text
    assert "login failed for user 'kari'" in logged and "login locked" in logged
    assert "login refused (locked)" in logged
    # Another account is not locked by kari's lock, though the client failed 11 times too.
    at = settle(log_in(fresh(), support.RESIDENT2.username, support.RESIDENT2.password))
    assert "Logged in as **Ola Hansen**" in texts(at.sidebar)
    # The system owner lifts kari's lock: her right password works again.
    accounts.lift_lock(f"user:{support.RESIDENT.username}", by="styret")
    at = settle(log_in(fresh(), support.RESIDENT.username, support.RESIDENT.password))
    assert "Logged in as **Kari Nordmann**" in texts(at.sidebar)
    assert [c["action"] for c in accounts.changes()][:2] == ["unlock", "lock"]
    assert {c["account"] for c in accounts.changes() if c["action"] == "lock"} == {"user:kari"}


def test_a_good_login_leaves_nothing_behind_but_the_clients_failures(auth_file):
    failures = accounts.logins_path(auth_file)
    accounts.check_login("kari", support.RESIDENT.password, "10.0.0.5")
    assert json.loads(failures.read_text(encoding="utf-8")) == {}  # its reservation ended with it
    with pytest.raises(accounts.LoginRefused):
        accounts.check_login("kari", "wrong-password", "10.0.0.5", delay_unit=0)
    assert set(json.loads(failures.read_text(encoding="utf-8"))) == {"user:kari", "client:10.0.0.5"}
    accounts.check_login("kari", support.RESIDENT.password, "10.0.0.5", delay_unit=0)
    assert set(json.loads(failures.read_text(encoding="utf-8"))) == {"client:10.0.0.5"}  # kari's was cleared


def test_failures_from_one_client_slow_it_down_but_lock_no_username(app_env):
    """Every visitor from this machine (or behind an undeclared proxy) is one client: its failures
    must not lock out another username's right password."""
    at = fresh()
    for i in range(accounts.MAX_FAILURES + 2):
        at = log_in(at, f"guess{i}", "not-the-password")  # 12 usernames, one client (AppTest's)
    at = settle(log_in(at, support.RESIDENT2.username, support.RESIDENT2.password))
    assert "Logged in as **Ola Hansen**" in texts(at.sidebar)
    assert accounts.login_locks() == []
    slept = []  # the client is slowed down to the longest delay, and then let through
    assert accounts.check_login(support.RESIDENT.username, support.RESIDENT.password, "unknown",
                                delay_unit=0.5, sleep=slept.append).username == "kari"
    assert slept == [accounts.MAX_DELAY]


def test_the_delay_grows_with_each_failure(auth_file):
    slept = []
    for _ in range(4):
        with pytest.raises(accounts.LoginRefused):
            accounts.check_login("kari", "wrong-password", "10.0.0.9", delay_unit=0.5, sleep=slept.append)
    assert slept == [1.0, 2.0, 4.0]  # none before the first try; doubling after each failure
    with pytest.raises(accounts.LoginRefused, match="incorrect"):
        accounts.check_login("nobody", "wrong-password", "10.0.0.8", delay_unit=0.5, sleep=slept.append)
    assert accounts.check_login("kari", support.RESIDENT.password, "10.0.0.7", delay_unit=0.5,
                                sleep=slept.append).username == "kari"
    assert slept == [1.0, 2.0, 4.0, 8.0]  # nobody's first try: none; kari's 4th: 8 s
    with pytest.raises(accounts.LoginRefused):  # the right password cleared kari's counter
        accounts.check_login("kari", "wrong-password", "10.0.0.6", delay_unit=0.5, sleep=slept.append)
    assert slept == [1.0, 2.0, 4.0, 8.0]
    for _ in range(10):
        with pytest.raises(accounts.LoginRefused):
            accounts.check_login("kari", "wrong-password", "10.0.0.6", delay_unit=10, sleep=slept.append)
    assert max(slept) == accounts.MAX_DELAY


def test_locks_are_shown_and_lifted_on_the_accounts_page(app_env):
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.LoginRefused):
            accounts.check_login("ola", "wrong-password", "192.0.2.7", delay_unit=0)
    at = settle(log_in(fresh(), support.STYRET.username, support.STYRET.password))
    at.switch_page("pages/accounts.py").run()
    assert not at.exception, at.exception
    shown = at.dataframe[1].value
    assert set(shown["lock"]) == {"user:ola"}  # a client is slowed down, never locked
    next(s for s in at.selectbox if s.label == "Lock").select("user:ola")
    next(b for b in at.button if b.label == "Lift the lock").click().run()
    assert not at.exception, at.exception
    assert accounts.login_locks() == []
    assert accounts.changes()[0] | {"at": None} == {"at": None, "by": "styret", "action": "unlock",
                                                      "account": "user:ola", "detail": "login lock lifted"}


# A process of parallel login attempts (threads), all let go at once when the file `go` appears:
# prints "ready", then {"checks": password checks made, "answers": [what each attempt was told]}.
_ATTEMPTS = """
import json, sys, threading, time
from pathlib import Path
import bcrypt
from chargeboard import accounts
auth, go, username, passwords = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
checks, answers, real_check = [], [], bcrypt.checkpw
def counted(password, hashed):
    checks.append(1)
    return real_check(password, hashed)
bcrypt.checkpw = counted
def attempt(password):
    while not go.exists():
        time.sleep(0.002)
    try:
        accounts.check_login(username, password, "192.0.2.50", path=auth, delay_unit=0.001)
        answers.append("logged in")
    except accounts.LoginRefused as refused:
        answers.append(str(refused))
threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
for thread in threads:
    thread.start()
print("ready", flush=True)
for thread in threads:
    thread.join()
print(json.dumps({"checks": len(checks), "answers": answers}), flush=True)
"""


def parallel_attempts(auth: Path, go: Path, username: str, batches: list[list[str]]) -> tuple[int, list[str]]:
    """Each batch of passwords tried at once by the threads of one process; all processes let go together."""
    processes = [subprocess.Popen([sys.executable, "-c", _ATTEMPTS, str(auth), str(go), username, *batch], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for batch in batches]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        go.touch()
        results = [json.loads(process.stdout.readline()) for process in processes]
    finally:
        for process in processes:
            process.wait(120)
        go.unlink(missing_ok=True)
    return sum(r["checks"] for r in results), [a for r in results for a in r["answers"]]


def test_parallel_attempts_get_at_most_ten_checks_and_one_answer(auth_file, tmp_path):
    """32 attempts at once (4 processes × 8 threads) through check_login: each is reserved before its
    check, so only MAX_FAILURES passwords are checked; the rest, and every attempt once the username is
    locked, right password or wrong, get one answer."""
    go = tmp_path / "go"
    wrong = [f"wrong-password-{i}" for i in range(8)]
    checks, answers = parallel_attempts(auth_file, go, "kari", [wrong] * 4)
    assert len(answers) == 32
    assert checks <= accounts.MAX_FAILURES, checks
    incorrect = [a for a in answers if "incorrect" in a]
    refused = [a for a in answers if "incorrect" not in a]
    assert len(incorrect) == checks and len(set(refused)) == 1 and LOCKED in refused[0]
    assert [lock.key for lock in accounts.login_locks(auth_file)] == ["user:kari"]
    # Locked: the right password among wrong ones, at once, is told what they are told and not checked.
    checks, answers = parallel_attempts(auth_file, go, "kari", [[support.RESIDENT.password, "wrong-password"] * 4] * 2)
    assert checks == 0 and len(answers) == 16 and set(answers) == set(refused)


def test_a_lock_lasts_its_fifteen_minutes_then_the_right_password_works(auth_file):
    """The throttle's clock is an argument: the lock is stepped through without waiting for it."""
    start = time.time()

    def at(seconds: float):
        return lambda: start + seconds

    for i in range(10):  # ten failures within the window: the 10th (at 9 s) locks kari
        with pytest.raises(accounts.LoginRefused, match="incorrect"):
            accounts.check_login("kari", "wrong-password", "10.1.1.1", delay_unit=0, clock=at(i))
    for seconds in (10, 9 + 7.5 * 60 + 1, 9 + 15 * 60 - 1):
        with pytest.raises(accounts.LoginRefused, match=LOCKED):
            accounts.check_login("kari", support.RESIDENT.password, "10.1.1.2", delay_unit=0, clock=at(seconds))
    assert accounts.check_login("kari", support.RESIDENT.password, "10.1.1.2", delay_unit=0,
                                clock=at(9 + 15 * 60 + 1)).username == "kari"


@pytest.mark.parametrize(("configured", "forwarded_for", "peer", "client"), [
    (None, [], None, "unknown"),  # from this machine: Streamlit gives no address
    (None, [], "198.51.100.4", "198.51.100.4"),
    # Streamlit's server took the address from the visitor's own X-Forwarded-For: not believed.
    (None, ["203.0.113.1"], "203.0.113.1", "forwarded-unverified"),
    (None, ["203.0.113.1, 203.0.113.2"], "203.0.113.2", "forwarded-unverified"),
    # The configured header: only its last entry, the one the proxy appended; the rest is the visitor's.
    (["203.0.113.66, 198.51.100.9"], ["203.0.113.66, 198.51.100.9"], "198.51.100.9", "198.51.100.9"),
    (["203.0.113.66", "198.51.100.9"], [], None, "198.51.100.9"),  # the header twice: still the last
    ([" "], [], "198.51.100.4", "198.51.100.4"),
    (["a" * 5000], [], None, "a" * 64),
])
def test_the_client_is_the_configured_headers_last_entry_or_the_connection(configured, forwarded_for, peer, client):
    assert web.client_address(configured, forwarded_for, peer) == client


def test_what_anonymous_visitors_send_is_bounded(auth_file, caplog, monkeypatch):
    throttle = accounts.logins_path(auth_file)
    huge = "a" * 2_000_000
    for _ in range(4):
        with pytest.raises(accounts.LoginRefused, match="incorrect"):
            accounts.check_login(huge, "wrong-password", "10.2.2.2", delay_unit=0)
    assert throttle.stat().st_size < 2_000
    assert max(len(record.getMessage()) for record in caplog.records) < 500
    # Many visitors: at most MAX_ENTRIES entries are kept; failures older than the window are dropped.
    monkeypatch.setattr(accounts, "MAX_ENTRIES", 20)
    long_ago = time.time() - 16 * 60
    for i in range(30):
        with pytest.raises(accounts.LoginRefused):
            accounts.check_login(f"guess{i}", "wrong-password", f"10.3.0.{i}", delay_unit=0,
                                 clock=lambda i=i: long_ago + i)
        assert len(json.loads(throttle.read_text(encoding="utf-8"))) <= 20
    with pytest.raises(accounts.LoginRefused):
        accounts.check_login("kari", "wrong-password", "10.4.0.1", delay_unit=0)
    assert set(json.loads(throttle.read_text(encoding="utf-8"))) == {"client:10.2.2.2", "user:kari", "client:10.4.0.1"}


def test_a_password_longer_than_bcrypt_reads_is_refused_with_a_message(app_env):
    too_long = "å" * 40  # 40 characters, 80 bytes; bcrypt reads 72
    with pytest.raises(accounts.LoginRefused, match="at most 72 bytes"):
        accounts.check_login("kari", too_long, "10.5.0.1", delay_unit=0)
    with pytest.raises(accounts.AccountError, match="at most 72 bytes"):
        accounts.set_password("kari", too_long)
    with pytest.raises(accounts.AccountError, match="at most 72 bytes"):
        accounts.add_user("nina", name="Nina", email="nina@example.org", role=RESIDENT, password=too_long)
    with pytest.raises(accounts.AccountError, match="at most 100 characters"):
        accounts.add_user("nina", name="N" * 101, email="nina@example.org", role=RESIDENT, password="long-enough")
    at = settle(log_in(fresh(), support.RESIDENT2.username, support.RESIDENT2.password))
    for label, value in (("Current password", support.RESIDENT2.password), ("New password", too_long),
                         ("Repeat the new password", too_long)):
        next(t for t in at.sidebar.text_input if t.label == label).input(value)
    next(b for b in at.sidebar.button if b.label == "Change password").click().run()
    assert not at.exception, at.exception
    assert any("at most 72 bytes" in str(e.value) for e in at.sidebar.error)
    assert "error id" not in texts(at)
    assert accounts.check_login("ola", support.RESIDENT2.password, "10.5.0.2", delay_unit=0).username == "ola"


def test_a_cookie_of_a_removed_account_does_not_log_in_the_account_added_again(auth_file):
    old = web._cookie_token(accounts.find_account("kari"), support.COOKIE_KEY, 1)
    assert web.account_from_token(accounts.load_config(), support.COOKIE_KEY, old).username == "kari"
    accounts.remove_user("kari")
    accounts.add_user("kari", name="Kari Nordmann", email=support.RESIDENT.email, role=RESIDENT,
                      password=support.RESIDENT.password)
    assert web.account_from_token(accounts.load_config(), support.COOKIE_KEY, old) is None
    new = web._cookie_token(accounts.find_account("kari"), support.COOKIE_KEY, 1)
    assert web.account_from_token(accounts.load_config(), support.COOKIE_KEY, new).username == "kari"


# -- the accounts file: missing, malformed, the first start --------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ("credentials:\n  usernames:\n    kari: [unclosed\n", "line"),
    ("- just\n- a list\n", "must be a mapping"),
    ("credentials:\n  usernames:\n    kari:\n      password: x\n      roles: [king]\n", "roles must be one of"),
    ("credentials:\n  usernames:\n    kari: hello\n", "map each username"),
])
def test_malformed_accounts_file_is_one_line_in_the_app_and_the_cli(app_env, text, reason):
    auth = Path(app_env["CHARGEBOARD_AUTH"])
    auth.write_text(text, encoding="utf-8")
    at = fresh()
    assert not at.exception, at.exception
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1 and str(auth) in errors[0] and reason in errors[0] and "\n" not in errors[0]
    assert not has_login_form(at)
    result = cli("user", "list", "--auth", str(auth))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and str(auth) in result.stderr and reason in result.stderr


def test_cli_on_a_missing_accounts_file_is_one_line(tmp_path):
    missing = tmp_path / "none.auth.yaml"
    for args in (["list"], ["passwd", "kari", "--password", "long-enough-1"], ["remove", "kari"]):
        result = cli("user", *args, "--auth", str(missing))
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1 and "no accounts file" in result.stderr
    assert not missing.exists()


def test_first_start_asks_for_the_system_owner_with_the_console_token(app_env, capsys):
    """A store with no accounts file speaks the default language (Norwegian) to a browser that
    names no language of ours, as AppTest's does; the system owner it creates reads Norwegian too."""
    auth = Path(app_env["CHARGEBOARD_AUTH"])
    auth.unlink()
    web._setup_token.clear()
    at = fresh()
    assert not at.exception, at.exception
    assert not has_login_form(at, "nb")
    assert [t.value for t in at.title] == ["Chargeboard — opprett systemeieren"]
    console = capsys.readouterr().err
    token = console.split("Setup token for the first visitor: ")[1].split()[0]
    assert token not in texts(at) and len(token) >= 32

    def create(token_text: str, password: str = "a-long-password") -> AppTest:
        for label, value in (("Setup token", token_text), ("Username (lower case)", "anne"),
                             ("Name", "Anne"), ("E-mail", "anne@example.org"),
                             ("New password", password), ("Repeat the password", password)):
            next(t for t in at.text_input if t.label == said(label, "nb")).input(value)
        next(b for b in at.button if b.label == "Opprett systemeieren").click()
        return at.run()

    at = create("wrong-" + token)
    assert any("ikke oppsettnøkkelen" in str(e.value) for e in at.error)
    assert not auth.exists()
    at = create(token)
    assert not at.exception, at.exception
    assert has_login_form(at, "nb")  # the setup form is gone: a system owner exists
    assert accounts.find_account("anne").role == SYSTEM_OWNER and mode(auth) == 0o600
    at = settle(log_in(at, "anne", "a-long-password", "nb"))
    assert "Logget inn som **Anne**" in texts(at.sidebar)
    # The token was single use: a new visitor sees the login form, and no token is printed again.
    again = fresh()
    assert has_login_form(again, "nb") and "Setup token" not in capsys.readouterr().err
    with pytest.raises(accounts.AccountError, match="exists already"):
        accounts.create_first_system_owner("mallory", name="M", email="", password="a-long-password")


# -- python -m chargeboard user ----------------------------------------------------------------

def test_user_commands_write_0600_files_and_print_no_hashes(tmp_path):
    auth = tmp_path / "store.auth.yaml"
    result = cli("user", "add", "boss", "--role", "system_owner", "--password", "boss-password", "--auth", str(auth))
    assert result.returncode == 0, result.stderr
    assert mode(auth) == 0o600 and mode(accounts.changes_path(auth)) == 0o600
    os.chmod(auth, 0o640)  # readable by the group: read, but every save writes the file 0600 again
    assert cli("user", "add", "kari", "--email", "Kari@Example.org", "--installation", "Testlaget",
               "--password", "kari-password", "--auth", str(auth)).returncode == 0
    assert mode(auth) == 0o600
    listed = cli("user", "list", "--auth", str(auth)).stdout
    assert "boss\tsystem_owner" in listed and "kari\tresident" in listed and "installations: Testlaget" in listed
    assert "$2b$" not in listed
    before = accounts.find_account("kari", auth).session_version
    assert cli("user", "role", "kari", "charger_owner", "--auth", str(auth)).returncode == 0
    changed = accounts.find_account("kari", auth)
    assert changed.role == CHARGER_OWNER and changed.session_version == before + 1
    assert cli("user", "passwd", "kari", "--password", "another-password", "--auth", str(auth)).returncode == 0
    assert accounts.find_account("kari", auth).session_version == before + 2
    refused = cli("user", "remove", "boss", "--auth", str(auth))  # the only system owner
    assert refused.returncode != 0 and "only system owner" in refused.stderr
    assert cli("user", "remove", "kari", "--auth", str(auth)).returncode == 0
    assert [a.username for a in accounts.list_accounts(auth)] == ["boss"]
    assert mode(auth) == 0o600
    assert [c["action"] for c in accounts.changes(auth)] == ["remove", "password", "role", "add", "add"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".part"))]  # no temporary file left


def test_concurrent_saves_lose_no_change(tmp_path):
    auth = tmp_path / "store.auth.yaml"
    accounts.add_user("boss", name="Boss", email="", role=SYSTEM_OWNER, password="boss-password", path=auth)
    names = [f"resident{i}" for i in range(6)]
    processes = [subprocess.Popen([sys.executable, "-m", "chargeboard", "user", "add", name, "--email",
                                   f"{name}@example.org", "--password", "long-password", "--auth", str(auth)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in names]
    # The app's side at the same time: role changes of the system owner's own making.
    accounts.add_user("ola", name="Ola", email="ola@example.org", role=RESIDENT, password="ola-password", path=auth,
                      by="styret")
    for process in processes:
        assert process.wait(120) == 0, process.stderr.read()
    assert {a.username for a in accounts.list_accounts(auth)} == {"boss", "ola", *names}
    assert len(accounts.changes(auth)) == len(names) + 2
    assert mode(auth) == 0o600


# -- the link by e-mail, within the account's installations -----------------------------------

def test_a_resident_is_linked_only_within_her_installations(coop_store, feeds, auth_file):
    # Another installation has a feed user with Kari's e-mail (different case and spaces).
    other = support.zaptec_record("x1", station="chg-x1", serial="ZAP-X1", user_id="u-kari-x",
                                  user_name="Kari N. (Annet)", email=" KARI.nordmann@example.org ",
                                  start=datetime(2025, 2, 5, 17, 0), minutes=300, kwh=50.0)
    ingest_file(coop_store, feeds.zaptec([other], "annet.json"), installation="Annet borettslag")
    everyone = {line.user_id: line.energy_kwh for line in statements.build_statements(
        coop_store, system_scope(), statements.StatementRequest(date(2025, 1, 1), date(2025, 3, 31))).lines}
    assert everyone["u-kari-x"] == Decimal("50.000")  # the other installation's session landed
    unnamed = accounts.find_account("kari")
    assert accounts.scope_for(unnamed, coop_store).user_ids == ()  # two installations, none named: no one
    accounts.remove_user("kari")
    accounts.add_user("kari", name="Kari Nordmann", email=support.RESIDENT.email, role=RESIDENT,
                      password=support.RESIDENT.password, installations=["Testlaget"])
    scope = accounts.scope_for(accounts.find_account("kari"), coop_store)
    assert scope.user_ids == ("u-kari",)
    result = statements.build_statements(coop_store, scope, statements.StatementRequest(date(2025, 1, 1),
                                                                                        date(2025, 3, 31)))
    assert [line.user_id for line in result.lines] == ["u-kari"]
    own_kwh = sum(Decimal(str(support.COOP_KWH[s])) for s in ("k1", "k2", "k3"))
    assert result.lines[0].energy_kwh == own_kwh  # not doubled by the other installation's 50 kWh
    # Named by the installation's id works the same; both installations names both users.
    installation_ids = {name: i for i, name, _ in coop_store.rows("installations_all")}
    by_id = accounts.Account("k", "K", "kari.nordmann@example.org", RESIDENT,
                             installations=(installation_ids["Annet borettslag"],))
    assert accounts.scope_for(by_id, coop_store).user_ids == ("u-kari-x",)


def test_a_single_installation_store_needs_no_installations(coop_store, auth_file):
    assert accounts.scope_for(accounts.find_account("kari"), coop_store).user_ids == ("u-kari",)


def test_demo_accounts_are_written_next_to_the_demo_store_only(tmp_path, monkeypatch):
    from chargeboard_demo import accounts as demo_accounts  # noqa: PLC0415

    monkeypatch.delenv("CHARGEBOARD_AUTH")
    from chargeboard import settings  # noqa: PLC0415

    auth = settings.auth_path(tmp_path / "demo.duckdb")
    assert auth == tmp_path / "demo.auth.yaml"
    assert demo_accounts.write_demo_accounts(auth)
    assert mode(auth) == 0o600
    assert {a.username for a in accounts.list_accounts(auth)} == {"styret", "per", "kari", "ola"}
    accounts.add_user("boss", name="B", email="", role=SYSTEM_OWNER, password="boss-password", path=tmp_path / "r.yaml")
    assert not demo_accounts.write_demo_accounts(tmp_path / "r.yaml")  # a real store's accounts: left alone
    assert [a.username for a in accounts.list_accounts(tmp_path / "r.yaml")] == ["boss"]
    assert not (ROOT / "auth.yaml").exists() or "demo-styret" not in (ROOT / "auth.yaml").read_text()


# -- the Accounts page (AppTest; the browser test logs the new resident in) -----------------------

def test_accounts_page_adds_changes_and_removes_through_the_accounts_module(app_env):
    at = settle(log_in(fresh(), support.STYRET.username, support.STYRET.password))
    at.switch_page("pages/accounts.py").run()
    assert not at.exception, at.exception
    listed = at.dataframe[0].value
    assert set(listed["username"]) == {"styret", "per", "kari", "ola"}
    assert "password" not in listed.columns and not listed.astype(str).apply(lambda c: c.str.contains(r"\$2b\$")).any().any()
    email_box = next(s for s in at.selectbox if s.label == "E-mail in the charger feed")
    assert set(email_box.options) >= {f"{p.email} — {p.name} (Testlaget)" for p in support.PEOPLE}
    stations_box = next(m for m in at.multiselect if m.label == "Stations they own (charger owner)")
    assert "Garasje A1 · ZAP-A1 (Testlaget)" in stations_box.options
    next(t for t in at.text_input if t.label == "Username (lower case)").input("eve")
    next(t for t in at.text_input if t.label == "Name").input("Eve Utenfor")
    email_box.select(support.EVE.email)
    next(b for b in at.button if b.label == "Add account").click().run()
    assert not at.exception, at.exception
    shown = "\n".join(str(s.value) for s in at.success)
    password = shown.split("shown only now): `")[1].split("`")[0]
    assert len(password) >= 16
    assert accounts.check_login("eve", password, "test", delay_unit=0).role == RESIDENT
    at.run()
    assert password not in "\n".join(str(s.value) for s in at.success)  # shown once
    change = next(s for s in at.selectbox if s.label == "Account")
    change.select("eve")
    next(s for s in at.selectbox if s.label == "New role").select(CHARGER_OWNER)
    next(b for b in at.button if b.label == "Change role").click().run()
    assert accounts.find_account("eve").role == CHARGER_OWNER
    next(s for s in at.selectbox if s.label == "Account").select("eve")
    next(b for b in at.button if b.label == "Remove account").click().run()
    assert not at.exception, at.exception
    assert "eve" not in {a.username for a in accounts.list_accounts()}
    record = [(c["by"], c["action"], c["account"]) for c in accounts.changes()[:3]]
    assert record == [("styret", "remove", "eve"), ("styret", "role", "eve"), ("styret", "add", "eve")]
    assert set(at.dataframe[-1].value["action"]) >= {"add", "role", "remove"}


def _add_form(at: AppTest) -> dict:
    """The add-account form's widgets by label."""
    labels = ("Username (lower case)", "Name")
    found = {t.label: t for t in at.text_input if t.label in labels}
    found["email"] = next(s for s in at.selectbox if s.label == "E-mail in the charger feed")
    found["stations"] = next(m for m in at.multiselect if m.label == "Stations they own (charger owner)")
    return found


def test_accounts_form_keeps_the_typed_values_on_a_refusal_and_lower_cases_the_username(app_env):
    at = settle(log_in(fresh(), support.STYRET.username, support.STYRET.password))
    at.switch_page("pages/accounts.py").run()
    form = _add_form(at)
    form["Name"].input("Eve Utenfor")
    form["email"].select(support.EVE.email)
    form["stations"].select("ZAP-A1")
    next(b for b in at.button if b.label == "Add account").click().run()  # no username
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["enter a username"]  # not a word about lower case
    form = _add_form(at)  # what was typed is still there
    assert (form["Name"].value, form["email"].value, form["stations"].value) == ("Eve Utenfor", support.EVE.email,
                                                                                 ["ZAP-A1"])
    form["Username (lower case)"].input("E ve")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert [e.value for e in at.error] == ["a username has no spaces and at most 64 characters"]
    assert _add_form(at)["Name"].value == "Eve Utenfor"
    _add_form(at)["Username (lower case)"].input(" Eve ")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Added eve." in "\n".join(str(s.value) for s in at.success)
    added = accounts.find_account("eve")
    assert added.name == "Eve Utenfor" and added.email == support.EVE.email and added.stations == ("ZAP-A1",)
    form = _add_form(at)  # added: the next account starts from an empty form
    assert (form["Username (lower case)"].value, form["Name"].value, form["email"].value) == ("", "", None)


def test_everyone_changes_their_own_password(app_env):
    at = settle(log_in(fresh(), support.RESIDENT2.username, support.RESIDENT2.password))
    version = accounts.find_account("ola").session_version
    for label, value in (("Current password", support.RESIDENT2.password), ("New password", "ola-new-password"),
                         ("Repeat the new password", "ola-new-password")):
        next(t for t in at.sidebar.text_input if t.label == label).input(value)
    next(b for b in at.sidebar.button if b.label == "Change password").click().run()
    assert not at.exception, at.exception
    assert any("Password changed" in str(s.value) for s in at.sidebar.success)
    assert accounts.find_account("ola").session_version == version + 1
    at.run()
    assert "Logged in as **Ola Hansen**" in texts(at.sidebar)  # this session stays in
    with pytest.raises(accounts.LoginRefused):
        accounts.check_login("ola", support.RESIDENT2.password, "x", delay_unit=0)
    assert yaml.safe_load(Path(app_env["CHARGEBOARD_AUTH"]).read_text())  # still a valid file


def test_guessing_the_current_password_in_the_own_password_form_is_throttled_as_a_login(app_env):
    """An open session is no way round the login's lock: the form's checks count as failed logins."""
    at = settle(log_in(fresh(), support.RESIDENT2.username, support.RESIDENT2.password))

    def change(current: str) -> list[str]:
        for label, value in (("Current password", current), ("New password", "ola-new-password"),
                             ("Repeat the new password", "ola-new-password")):
            next(t for t in at.sidebar.text_input if t.label == label).input(value)
        next(b for b in at.sidebar.button if b.label == "Change password").click().run()
        assert not at.exception, at.exception
        return [str(e.value) for e in at.sidebar.error]

    for guess in range(accounts.MAX_FAILURES):
        assert any("not right" in e for e in change(f"guess-{guess}"))
    assert any(LOCKED in e for e in change(support.RESIDENT2.password))  # the right one, refused now
    with pytest.raises(accounts.LoginRefused, match=LOCKED):
        accounts.check_login("ola", support.RESIDENT2.password, "10.5.0.9", delay_unit=0)
    assert bcrypt_matches("ola", support.RESIDENT2.password)  # unchanged


def bcrypt_matches(username: str, password: str) -> bool:
    import bcrypt  # noqa: PLC0415

    return bcrypt.checkpw(password.encode(), accounts.find_account_hash(username).encode())


# -- no traceback for a visitor -----------------------------------------------------------------

def test_an_unexpected_error_during_login_is_one_line_with_an_id(app_env, caplog):
    # A real fault: the accounts' lock file cannot be opened (a folder sits where it belongs).
    lock = Path(app_env["CHARGEBOARD_AUTH"]).with_name("auth.lock")
    lock.mkdir()
    at = log_in(fresh(), support.RESIDENT.username, support.RESIDENT.password)
    assert not at.exception, at.exception
    errors = [str(e.value) for e in at.error]
    assert len(errors) == 1 and "error id" in errors[0], errors
    error_id = errors[0].split("error id ")[1].split(")")[0]
    shown = texts(at)
    assert "Traceback" not in shown and str(ROOT) not in shown and "IsADirectoryError" not in shown
    assert f"error id {error_id}" in caplog.text and "Traceback" in caplog.text  # the details: server-side


def test_streamlit_shows_no_error_details():
    import tomllib  # noqa: PLC0415

    from streamlit import config  # noqa: PLC0415

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["showErrorDetails"] == config.ShowErrorDetailsConfigOptions.NONE


@pytest.mark.parametrize("forgery", list(FORGED))
def test_a_forged_or_malformed_cookie_is_no_login(auth_template, forgery):
    config = accounts.load_config(auth_template)
    assert web.account_from_token(config, support.COOKIE_KEY, FORGED[forgery](version_of(auth_template))) is None, forgery


def test_a_cookie_signed_with_the_key_is_the_login_of_its_account(auth_template):
    config = accounts.load_config(auth_template)
    assert web.account_from_token(config, support.COOKIE_KEY, control(version_of(auth_template))).username == "styret"
    assert web.account_from_token(config, support.COOKIE_KEY, "") is None

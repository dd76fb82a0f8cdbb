"""Who sees which sessions: every role sees exactly its own, and no query can go around the scope."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import support
import yaml
from support import KARI, OLA, PEOPLE

from chargeboard import accounts, history
from chargeboard.ingest import ingest_file
from chargeboard.scope import Scope
from chargeboard.store import query_files

ROOT = Path(__file__).resolve().parents[1]
EVERYTHING = history.SessionFilter(date(2000, 1, 1), date(2030, 12, 31))
WITH_VOID = history.SessionFilter(date(2000, 1, 1), date(2030, 12, 31), include_void=True)

# Write queries of the ingest: they must touch the table itself (they write it, or compare
# an incoming feed with what is stored). Every other query reads sessions via the scope.
WRITES_SESSIONS = {"stored_session_status.sql", "delete_updated_sessions.sql", "insert_incoming_sessions.sql",
                   "validate_staged_sessions.sql",  # (which installation holds an incoming session id)
                   "installation_recompute_local_times.sql",  # (a changed time zone recomputes local times)
                   # (merging two installations moves every session, after checking no id is in both)
                   "installation_merge_conflicts.sql", "installation_merge_counts.sql",
                   "installation_merge_stations_moved.sql", "installation_merge_sessions.sql",
                   # (a store made before sessions.ended_local gets it at its first open)
                   "sessions_ended_local_missing.sql", "sessions_fill_ended_local.sql",
                   # the monthly sums, kept by the writes above (schema.sql, session_months)
                   "sessions_changed_by_ingest.sql", "session_months_insert.sql", "session_months_missing.sql",
                   # the overlapping sessions, kept the same way (schema.sql, session_overlaps)
                   "session_overlaps_insert.sql",
                   "sessions_stored.sql"}  # (whether a store made before them needs them derived)


def scope_of(username: str, store, auth: Path) -> Scope:
    return accounts.scope_for(accounts.find_account(username, auth), store)


def visible_ids(store, scope: Scope, flt: history.SessionFilter = EVERYTHING) -> set[str]:
    view = history.history_view(store, scope, flt)
    assert view.totals.sessions <= history.PAGE_SIZE, "the co-op fits on one page"
    return set(view.rows["session_id"])


# -- each role sees exactly what it may --------------------------------------------------------

@pytest.mark.parametrize("username", sorted(support.COOP_VISIBLE))
def test_each_role_sees_exactly_its_sessions(coop_store, auth_file, username):
    scope = scope_of(username, coop_store, auth_file)
    expected = support.COOP_VISIBLE[username]
    assert visible_ids(coop_store, scope) == expected
    assert visible_ids(coop_store, scope, WITH_VOID) == expected | support.COOP_VOID_VISIBLE[username]
    view = history.history_view(coop_store, scope, EVERYTHING)
    assert view.totals.sessions == len(expected)
    assert view.totals.energy_kwh == sum(Decimal(str(support.COOP_KWH[s])) for s in expected)
    assert view.sessions_in_scope == len(expected | support.COOP_VOID_VISIBLE[username])


def test_scopes_are_built_as_documented(coop_store, auth_file):
    styret = scope_of("styret", coop_store, auth_file)
    assert styret.see_all and styret.role == "system_owner"
    per = scope_of("per", coop_store, auth_file)
    assert not per.see_all and per.role == "charger_owner"
    assert set(per.station_ids) == {"chg-a1", "chg-a2"}  # one named by serial, one by station id
    assert per.user_ids == ("u-per",)
    kari = scope_of("kari", coop_store, auth_file)  # account e-mail typed with capitals and spaces
    assert (kari.see_all, kari.user_ids, kari.station_ids) == (False, ("u-kari",), ())


def test_resident_sees_nothing_of_the_others(coop_store, auth_file):
    kari = scope_of("kari", coop_store, auth_file)
    rows = history.history_view(coop_store, kari, WITH_VOID).rows
    assert set(rows["user_id"]) == {KARI.user_id}
    assert set(rows["user_name"]) == {KARI.name}
    assert set(rows["tag"]) == {KARI.tag}


def test_filter_options_of_a_resident_name_only_what_is_theirs(coop_store, auth_file):
    for login, person in ((support.RESIDENT, KARI), (support.RESIDENT2, OLA)):
        scope = scope_of(login.username, coop_store, auth_file)
        options = history.filter_options(coop_store, scope)
        shown = " ".join([*options.stations.values(), *options.users.values(), *options.tags.values(),
                          *options.stations, *options.users, *options.tags])
        assert options.users == {person.user_id: person.name}
        assert options.tags == {person.tag: person.tag}
        others = [p for p in PEOPLE if p != person]
        for other in others:
            assert other.name not in shown and other.user_id not in shown and other.tag not in shown
        assert "no user" not in shown and "no tag" not in shown  # guests' sessions are not theirs either
    kari = history.filter_options(coop_store, scope_of("kari", coop_store, auth_file))
    assert set(kari.stations) == {"chg-a1", "chg-b1"}  # only stations she charged at


def test_filter_options_of_a_charger_owner_cover_his_stations(coop_store, auth_file):
    options = history.filter_options(coop_store, scope_of("per", coop_store, auth_file))
    assert set(options.stations) == {"chg-a1", "chg-a2", "chg-b1"}  # b1: his own session there
    assert set(options.users) == {"u-kari", "u-ola", "u-eve", "u-per", ""}  # "" = guests on his stations
    assert set(options.tags) == {KARI.tag, OLA.tag, "Brikke Eve", "Brikke Per", ""}


def test_filters_cannot_widen_the_scope(coop_store, auth_file):
    kari = scope_of("kari", coop_store, auth_file)
    asking_for_ola = history.SessionFilter(date(2000, 1, 1), date(2030, 12, 31), user_ids=(OLA.user_id,))
    assert visible_ids(coop_store, kari, asking_for_ola) == set()
    asking_for_a2 = history.SessionFilter(date(2000, 1, 1), date(2030, 12, 31), station_ids=("chg-a2",))
    assert visible_ids(coop_store, kari, asking_for_a2) == set()
    per = scope_of("per", coop_store, auth_file)
    b1_only = history.SessionFilter(date(2000, 1, 1), date(2030, 12, 31), station_ids=("chg-b1",))
    assert visible_ids(coop_store, per, b1_only) == {"p1"}


def test_account_whose_email_the_feed_does_not_know_sees_nothing(coop_store, auth_file):
    accounts.add_user("nina", name="Nina", email="nina@example.org", role="resident",
                      password="nina-passord", path=auth_file)
    nina = scope_of("nina", coop_store, auth_file)
    assert nina.user_ids == ()
    assert visible_ids(coop_store, nina, WITH_VOID) == set()
    assert history.history_view(coop_store, nina, EVERYTHING).sessions_in_scope == 0
    options = history.filter_options(coop_store, nina)
    assert (options.stations, options.users, options.tags) == ({}, {}, {})


def test_new_feed_user_with_a_residents_email_is_linked(coop_store, auth_file, feeds):
    # The cloud gave Ola a second user id (e.g. a new app account), same e-mail, other capitals.
    record = support.zaptec_record("o3", station="chg-b1", serial="ZAP-B1", user_id="u-ola-2",
                                   user_name="Ola H.", email="OLA.Hansen@Example.org", tag="Brikke Ola 2")
    ingest_file(coop_store, feeds.zaptec([record], "more.json"), installation="Testlaget")
    ola = scope_of("ola", coop_store, auth_file)
    assert set(ola.user_ids) == {"u-ola", "u-ola-2"}
    assert visible_ids(coop_store, ola) == {"o1", "o2", "o3"}
    assert visible_ids(coop_store, scope_of("kari", coop_store, auth_file)) == support.COOP_VISIBLE["kari"]


def test_a_query_that_reads_sessions_needs_a_scope(coop_store):
    with pytest.raises(ValueError, match="needs a Scope"):
        coop_store.rows("history_totals", **EVERYTHING.params())


# -- the static guarantee: one place applies the scope ----------------------------------------------

def _code(sql: str) -> str:
    """SQL without comments and string literals."""
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    sql = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return re.sub(r'\b(main|memory|temp)\s*\.\s*(?="?sessions\b)', "", sql, flags=re.I)  # schema-qualified


def reads_of_sessions_table(sql: str) -> list[str]:
    """Places where the SQL names the sessions table itself: a bare `sessions` that is not
    part of scoped_sessions(...), not a column (x.sessions) and not an alias (AS sessions)."""
    code = _code(sql)
    found = []
    for match in re.finditer(r'(?<![\w.$"])"?sessions"?(?![\w(])', code, flags=re.I):
        if re.search(r"\bAS\s*$", code[:match.start()], flags=re.I):
            continue
        found.append(" ".join(code[max(0, match.start() - 40):match.end() + 20].split()))
    return found


def test_the_detector_finds_direct_reads():
    assert reads_of_sessions_table("SELECT * FROM sessions")
    assert reads_of_sessions_table("SELECT * FROM stations st, sessions s WHERE 1")
    assert reads_of_sessions_table('SELECT * FROM main."sessions"')
    assert reads_of_sessions_table("SELECT 1 FROM x WHERE id IN (SELECT session_id FROM Sessions)")
    assert not reads_of_sessions_table("SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids) s")
    assert not reads_of_sessions_table("SELECT count(*) AS sessions, g.sessions FROM x g -- FROM sessions")
    assert not reads_of_sessions_table("SELECT 'FROM sessions' AS label, session_id FROM session_corrections")


def test_every_query_reads_sessions_only_through_the_scope():
    queries = sorted((ROOT / "queries").rglob("*.sql"))
    assert len(queries) > 20
    offenders = {}
    for path in queries:
        if path.name in WRITES_SESSIONS:
            continue
        if found := reads_of_sessions_table(path.read_text(encoding="utf-8")):
            offenders[path.name] = found
    assert offenders == {}, ("these queries read the sessions table directly; read "
                             "scoped_sessions($see_all, $user_ids, $station_ids) instead")


def test_the_allow_list_is_still_needed():
    # If a write query stops touching sessions, take it off the list rather than leave a hole.
    for name in WRITES_SESSIONS:
        assert reads_of_sessions_table(query_files()[name.removesuffix(".sql")].read_text(encoding="utf-8")), name


def test_schema_reads_sessions_only_in_the_scope_macro():
    schema = _code((ROOT / "chargeboard" / "schema.sql").read_text(encoding="utf-8"))
    found = reads_of_sessions_table(schema)
    assert len(found) == 4, found  # the table's definition, two columns added later, and the macro's body
    assert "CREATE TABLE IF NOT EXISTS sessions" in found[0]
    assert all("ALTER TABLE sessions ADD COLUMN IF NOT E" in place for place in found[1:3])
    assert re.search(r"scoped_sessions\(see_all, user_ids, station_ids, dwellings\) AS TABLE SELECT \* FROM sessions "
                     r"WHERE in_scope\(see_all, user_ids, station_ids, dwellings,", " ".join(schema.split()))


def test_every_scoped_read_passes_the_whole_scope():
    """Every scoped_*(...) in a query file gets the Scope's four parameters (Scope.sql_params), so a
    resident's dwellings (issue 30) are never left out by a query written with the first three."""
    call = re.compile(r"\bscoped_(?:sessions|sessions_around|sessions_dated|session_months|session_overlaps)\s*\(([^)]*)")
    short = {}
    for path in sorted((ROOT / "queries").rglob("*.sql")):
        for args in call.findall(_code(path.read_text(encoding="utf-8"))):
            if not re.match(r"\s*\$see_all,\s*\$user_ids,\s*\$station_ids,\s*\$dwellings\b", args) \
                    and not re.match(r"\s*true,\s*\[\],\s*\[\],\s*NULL\b", args):  # (everyone's, on purpose)
                short.setdefault(path.name, []).append(args)
    assert short == {}
    assert set(Scope("x", "resident").sql_params()) == {"see_all", "user_ids", "station_ids", "dwellings"}


def test_python_code_holds_no_sql_on_sessions():
    offenders = []
    for path in [*sorted((ROOT / "chargeboard").glob("*.py")), *sorted((ROOT / "pages").glob("*.py")),
                 ROOT / "app.py"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r'\b(FROM|JOIN|INTO|UPDATE)\s+"?sessions\b', line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


# -- accounts from the command line -------------------------------------------------------------------

def _user_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chargeboard", "user", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_cli_adds_a_linked_account_and_changes_its_password(coop_store, auth_file):
    added = _user_cli("add", "eve", "--role", "resident", "--name", "Eve", "--email", "Eve.Utenfor@example.org",
                      "--password", "eve-passord-1", "--auth", str(auth_file))
    assert added.returncode == 0, added.stderr
    eve = scope_of("eve", coop_store, auth_file)
    assert visible_ids(coop_store, eve) == {"e1", "e2"}
    entry = yaml.safe_load(auth_file.read_text(encoding="utf-8"))["credentials"]["usernames"]["eve"]
    assert entry["roles"] == ["resident"] and entry["password"].startswith("$2b$12$")
    assert "eve-passord-1" not in auth_file.read_text(encoding="utf-8")
    old_hash = entry["password"]

    changed = _user_cli("passwd", "eve", "--password", "eve-passord-2", "--auth", str(auth_file))
    assert changed.returncode == 0, changed.stderr
    entry = yaml.safe_load(auth_file.read_text(encoding="utf-8"))["credentials"]["usernames"]["eve"]
    assert entry["password"] != old_hash
    import bcrypt  # noqa: PLC0415

    assert bcrypt.checkpw(b"eve-passord-2", entry["password"].encode())
    assert auth_file.read_text(encoding="utf-8").startswith("# test accounts")  # the file's comment is kept


@pytest.mark.parametrize(("args", "message"), [
    (("add", "kari", "--email", "x@example.org", "--password", "long-enough"), "exists already"),
    (("add", "someone", "--password", "long-enough"), "e-mail"),
    (("add", "someone", "--email", "x@example.org", "--password", "short"), "8 characters"),
    (("passwd", "nobody", "--password", "long-enough"), "no account"),
])
def test_cli_user_errors_are_one_line_and_change_nothing(auth_file, args, message):
    before = auth_file.read_bytes()
    done = _user_cli(*args, "--auth", str(auth_file))
    assert done.returncode != 0
    assert done.stderr.strip().startswith("error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert auth_file.read_bytes() == before


@pytest.mark.parametrize(("table", "keepers"), [
    ("session_months", {"session_months_delete.sql", "session_months_insert.sql", "session_months_missing.sql"}),
    ("session_overlaps", {"session_overlaps_delete.sql", "session_overlaps_clear.sql", "session_overlaps_insert.sql"}),
])
def test_queries_read_the_derived_tables_only_through_the_scope(table, keepers):
    """session_months and session_overlaps keep each row's station and user (both sessions' users)
    so the scope rule applies to them too: only scoped_<table>(...) may read them, besides the
    queries that keep them."""
    read = re.compile(rf'(?<![\w.$"])"?{table}"?(?![\w(])', flags=re.I)
    direct = {}
    for path in sorted((ROOT / "queries").rglob("*.sql")):
        code = _code(path.read_text(encoding="utf-8"))
        if path.name not in keepers and read.search(code):
            direct[path.name] = code
    assert direct == {}, sorted(direct)
    assert reads_of_sessions_table("SELECT * FROM " + table) == []  # noqa: S608 — (a different table)
    assert read.search("SELECT 1 FROM " + table)  # noqa: S608 — a pattern's test, not a query

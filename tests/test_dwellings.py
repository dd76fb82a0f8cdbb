"""The dwelling register (issue 30, item 1): dwellings, dated owners and members on a real store, a sale,
one dwelling a day per member, dwelling_of's order (tag, then user, then station), the change log, the
sessions that belong to no dwelling, the register's CSV, the command line (also handed to a serving app)
and the Dwellings page (AppTest) for the system owner, refused for a resident."""

from __future__ import annotations

import contextlib
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import support
from test_app import REFUSED, ROOT, fresh, log_in, page_as, texts
from test_handover import one_error_line, run_cli, serving

from chargeboard import cli
from chargeboard.billing import dwellings as dw
from chargeboard.ingest import ingest_file
from chargeboard.scope import Scope, system_scope
from chargeboard.store import Store

BY = "styret"
INST = "Testlaget"  # the co-op feed's installation (id testlaget)


def dwelling_of(store: Store, station: str | None, user: str | None, tag: str | None, day: date):
    with contextlib.closing(store.cursor()) as cur:
        return cur.execute("SELECT dwelling_of('testlaget', $s, $u, $t, $d)",
                           {"s": station, "u": user, "t": tag, "d": day}).fetchone()[0]


def owners_on(store: Store, dwelling_id: int, day: date) -> list[str]:
    return [o.name for o in dw.history(store, dwelling_id).dwelling.owners if o.on(day)]


def changes(store: Store, dwelling_id: int) -> list[tuple[str, str]]:
    return [(who, action) for _when, who, action, _detail in dw.history(store, dwelling_id).changes]


# -- dwellings and owners ---------------------------------------------------------------------------

def test_a_dwelling_number_is_unique_per_installation_and_an_unknown_installation_is_refused(coop_store):
    first = dw.add_dwelling(coop_store, BY, INST, "H0101", "1", "17", "corner flat")
    with pytest.raises(dw.DwellingError, match="dwelling number taken — 'H0101' in Testlaget"):
        dw.add_dwelling(coop_store, BY, "testlaget", "H0101")
    with pytest.raises(dw.DwellingError, match="unknown installation — 'Nowhere'"):
        dw.add_dwelling(coop_store, BY, "Nowhere", "H0101")
    with pytest.raises(dw.DwellingError, match="missing value — dwelling number"):
        dw.add_dwelling(coop_store, BY, INST, "  ")
    assert dw.find(coop_store, "testlaget", "H0101") == first
    assert dw.set_dwelling(coop_store, "kari-admin", first, share_number="18", note=None) is True
    assert dw.set_dwelling(coop_store, BY, first, share_number="18") is False  # nothing to change: nothing logged
    shown = dw.history(coop_store, first).dwelling
    assert (shown.number, shown.section_number, shown.share_number, shown.note) == ("H0101", "1", "18", None)
    assert changes(coop_store, first) == [(BY, "add"), ("kari-admin", "set")]
    assert "share_number: 17 → 18" in dw.history(coop_store, first).changes[-1][3]


def test_an_owner_has_a_checked_lower_cased_email_a_language_and_dates(coop_store):
    flat = dw.add_dwelling(coop_store, BY, INST, "H0101")
    owner = dw.add_owner(coop_store, BY, flat, dw.NewOwner(" Kari Nordmann ", " Kari.Nordmann@Example.ORG ", "10017",
                                                           "NB"), "2024-01-01")
    stored = dw.history(coop_store, flat).dwelling.owners[0]
    assert (stored.owner_id, stored.name, stored.email, stored.customer_number, stored.language) == (
        owner, "Kari Nordmann", "kari.nordmann@example.org", "10017", "nb")
    for bad, reason in ((dw.NewOwner("X", "not-an-address"), "invalid e-mail address — 'not-an-address'"),
                        (dw.NewOwner("X", language="de"), "unknown language — 'de'"),
                        (dw.NewOwner(""), "missing value — owner name")):
        with pytest.raises(dw.DwellingError, match=reason):
            dw.add_owner(coop_store, BY, flat, bad, "2024-01-01")
    with pytest.raises(dw.DwellingError, match="end not after start"):
        dw.add_owner(coop_store, BY, flat, dw.NewOwner("Y"), "2024-01-01", "2024-01-01")
    with pytest.raises(dw.DwellingError, match="unparseable date"):
        dw.add_owner(coop_store, BY, flat, dw.NewOwner("Y"), "2024-13-01")
    dw.end_owner(coop_store, BY, owner, "01.06.2025")  # Norwegian day.month.year too
    assert owners_on(coop_store, flat, date(2025, 5, 31)) == ["Kari Nordmann"]
    assert owners_on(coop_store, flat, date(2025, 6, 1)) == []
    with pytest.raises(dw.DwellingError, match="owner already ended"):
        dw.end_owner(coop_store, BY, owner, "2025-07-01")
    with pytest.raises(dw.DwellingError, match="unknown owner — 999"):
        dw.end_owner(coop_store, BY, 999, "2025-07-01")
    assert changes(coop_store, flat) == [(BY, "add"), (BY, "owner add"), (BY, "owner end")]


def test_a_couple_sharing_a_tag_is_one_tag_and_two_owners(coop_store):
    flat = dw.add_dwelling(coop_store, BY, INST, "H0202")
    dw.add_owner(coop_store, BY, flat, dw.NewOwner("Kari Nordmann", "kari@example.org"), "2024-01-01")
    dw.add_owner(coop_store, BY, flat, dw.NewOwner("Ola Nordmann", "ola@example.org"), "2024-01-01")
    dw.add_member(coop_store, BY, flat, "tag", support.KARI.tag, "2024-01-01")
    [listed] = dw.register(coop_store, INST, date(2025, 1, 10))
    assert [o.name for o in listed.owners] == ["Kari Nordmann", "Ola Nordmann"]
    assert [(m.kind, m.member_id) for m in listed.members] == [("tag", support.KARI.tag)]
    # whoever charges with the tag, on whatever station, charges for the dwelling
    assert dwelling_of(coop_store, "chg-a1", support.KARI.user_id, support.KARI.tag, date(2025, 1, 10)) == flat
    assert dwelling_of(coop_store, "chg-b1", "u-someone", support.KARI.tag, date(2025, 3, 1)) == flat
    assert dwelling_of(coop_store, "chg-b1", support.KARI.user_id, None, date(2025, 3, 1)) is None


def test_a_sale_ends_the_owners_and_adds_the_new_ones_on_its_date_and_the_tag_stays(coop_store):
    flat = dw.add_dwelling(coop_store, BY, INST, "H0303")
    dw.add_owner(coop_store, BY, flat, dw.NewOwner("Anne Selger"), "2020-05-01")
    dw.add_owner(coop_store, BY, flat, dw.NewOwner("Bo Selger"), "2021-01-01", "2030-01-01")
    dw.add_member(coop_store, BY, flat, "tag", "Brikke H0303", "2020-05-01")
    sale = date(2025, 2, 15)
    bought = dw.transfer(coop_store, "board", flat, [dw.NewOwner("Cecilie Kjøper", "CK@example.org", "20001", "en"),
                                                     dw.NewOwner("Dag Kjøper")], sale)
    assert len(bought) == 2
    assert owners_on(coop_store, flat, date(2025, 2, 14)) == ["Anne Selger", "Bo Selger"]
    assert owners_on(coop_store, flat, sale) == ["Cecilie Kjøper", "Dag Kjøper"]
    every = {o.name: (o.valid_from, o.valid_until) for o in dw.history(coop_store, flat).dwelling.owners}
    assert every == {"Anne Selger": (date(2020, 5, 1), sale), "Bo Selger": (date(2021, 1, 1), sale),
                     "Cecilie Kjøper": (sale, None), "Dag Kjøper": (sale, None)}
    # the tag moved with the flat: the day before and the day of the sale, the same dwelling
    assert dwelling_of(coop_store, "chg-a1", None, "Brikke H0303", date(2025, 2, 14)) == flat
    assert dwelling_of(coop_store, "chg-a1", None, "Brikke H0303", sale) == flat
    assert [a for _, a in changes(coop_store, flat)][-4:] == ["owner end", "owner add", "owner add", "transfer"]
    # a sale dated before an owner's start is refused whole: nothing of it is stored
    with pytest.raises(dw.DwellingError, match="owner dated on or after the sale — Cecilie Kjøper"):
        dw.transfer(coop_store, BY, flat, [dw.NewOwner("Eve")], date(2025, 1, 1))
    assert owners_on(coop_store, flat, date(2025, 1, 1)) == ["Anne Selger", "Bo Selger"]
    with pytest.raises(dw.DwellingError, match="missing value"):
        dw.transfer(coop_store, BY, flat, [], date(2026, 1, 1))


def test_a_member_is_in_one_dwelling_a_day(coop_store):
    a = dw.add_dwelling(coop_store, BY, INST, "A")
    b = dw.add_dwelling(coop_store, BY, INST, "B")
    dw.add_member(coop_store, BY, a, "user", support.OLA.user_id, "2024-01-01", "2025-02-01")
    with pytest.raises(dw.DwellingError) as refused:
        dw.add_member(coop_store, BY, b, "user", support.OLA.user_id, "2025-01-31")
    assert str(refused.value) == ("member in two dwellings — user 'u-ola' belongs to dwelling A from 2024-01-01 until "
                                  "2025-02-01; a user is in one dwelling a day: end it there first")
    with pytest.raises(dw.DwellingError, match="member in two dwellings"):  # nor twice in the same one
        dw.add_member(coop_store, BY, a, "user", support.OLA.user_id, "2023-06-01", "2024-06-01")
    dw.add_member(coop_store, BY, b, "user", support.OLA.user_id, "2025-02-01")  # the day A's ended: fine
    assert dwelling_of(coop_store, "chg-b1", support.OLA.user_id, None, date(2025, 1, 31)) == a
    assert dwelling_of(coop_store, "chg-b1", support.OLA.user_id, None, date(2025, 2, 1)) == b
    dw.end_member(coop_store, BY, b, "user", support.OLA.user_id, "2025-06-01")
    assert dwelling_of(coop_store, "chg-b1", support.OLA.user_id, None, date(2025, 6, 1)) is None
    with pytest.raises(dw.DwellingError, match="member not attached"):
        dw.end_member(coop_store, BY, b, "user", support.OLA.user_id, "2025-07-01")
    with pytest.raises(dw.DwellingError, match="unknown member kind"):
        dw.add_member(coop_store, BY, b, "meter", "m-1", "2025-01-01")
    assert [a for _, a in changes(coop_store, b)] == ["add", "member add", "member end"]


def test_dwelling_of_takes_the_tag_then_the_user_then_the_station(coop_store):
    by_tag = dw.add_dwelling(coop_store, BY, INST, "T")
    by_user = dw.add_dwelling(coop_store, BY, INST, "U")
    parking = dw.add_dwelling(coop_store, BY, INST, "P")  # the parking space's station, sold with the flat
    dw.add_member(coop_store, BY, by_tag, "tag", support.PER.tag, "2025-01-01", "2025-03-01")
    dw.add_member(coop_store, BY, by_user, "user", support.PER.user_id, "2025-01-01", "2025-04-01")
    dw.add_member(coop_store, BY, parking, "station", "chg-b1", "2025-01-01")
    session = ("chg-b1", support.PER.user_id, support.PER.tag)
    assert dwelling_of(coop_store, *session, date(2025, 2, 28)) == by_tag
    assert dwelling_of(coop_store, *session, date(2025, 3, 1)) == by_user
    assert dwelling_of(coop_store, *session, date(2025, 4, 1)) == parking
    assert dwelling_of(coop_store, *session, date(2024, 12, 31)) is None
    # another installation's station of the same id is not this dwelling's
    with contextlib.closing(coop_store.cursor()) as cur:
        assert cur.execute("SELECT dwelling_of('elsewhere', 'chg-b1', NULL, NULL, DATE '2025-04-01')").fetchone()[0] \
            is None


# -- sessions with no dwelling ----------------------------------------------------------------------

def test_sessions_with_no_dwelling_are_listed_never_dropped(coop_store, feeds):
    # an offline charger with an unreliable clock: started late on 12 March (local), registered by the
    # cloud on the 13th, its statement day
    late = support.zaptec_record("u1", station="chg-b1", user_id=support.KARI.user_id, tag=support.KARI.tag,
                                 start=datetime(2025, 3, 12, 22, 30), minutes=30, kwh=2.5, metadata=2,
                                 registered=datetime(2025, 3, 13, 8, 0))
    ingest_file(coop_store, feeds.zaptec([late], "late.json"), installation=INST)
    period = (date(2025, 1, 1), date(2025, 3, 31))
    everything = dw.unassigned(coop_store, system_scope(), *period)
    assert everything.sessions == len(support.NON_VOID) + 1 == 11
    assert everything.energy_kwh == sum(Decimal(str(support.COOP_KWH[s])) for s in support.NON_VOID) + Decimal("2.5")
    flat = dw.add_dwelling(coop_store, BY, INST, "K")
    dw.add_member(coop_store, BY, flat, "tag", support.KARI.tag, "2025-01-01", "2025-03-13")
    parking = dw.add_dwelling(coop_store, BY, INST, "P")
    dw.add_member(coop_store, BY, parking, "station", "chg-a2", "2025-03-01")  # guest g1 on 5 March
    left = dw.unassigned(coop_store, system_scope(), *period)
    assert left.sessions == 11 - 4  # k1, k2, k3 by the tag, g1 by the station
    assert left.energy_kwh == everything.energy_kwh - Decimal("14.2") - Decimal("9.0") - Decimal("5.5") - Decimal("3.0")
    kari = left.rows[left.rows["tag"] == support.KARI.tag]
    assert kari[["station_id", "sessions", "first_day"]].values.tolist() == [["chg-b1", 1, date(2025, 3, 13)]]
    guests = left.rows[left.rows["user_id"].isna()]
    assert guests[["station_id", "sessions"]].values.tolist() == [["chg-b1", 1]]
    assert dw.unassigned(coop_store, system_scope(), date(2025, 3, 13), date(2025, 3, 13)).sessions == 1
    assert dw.unassigned(coop_store, system_scope(), *period, installation=INST).sessions == 7
    with pytest.raises(dw.DwellingError, match="unknown installation"):
        dw.unassigned(coop_store, system_scope(), *period, installation="Nowhere")
    resident = Scope("kari", "resident", user_ids=(support.KARI.user_id,))
    with pytest.raises(dw.DwellingError, match="not allowed"):
        dw.unassigned(coop_store, resident, *period)


# -- the register as CSV ------------------------------------------------------------------------------

HEADER = ";".join(dw.CSV_COLUMNS)


def register_csv(folder: Path, lines: list[str], name: str = "boliger.csv") -> Path:
    """The register as Norwegian Excel saves it: ';', day.month.year, Windows-1252."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(("\r\n".join([HEADER, *lines]) + "\r\n").encode("windows-1252"))
    return path


GOOD = [
    "Testlaget;H0101;1;17;;;;;;;;;;;",
    "Testlaget;H0101;;;;Kari Nordmann;Kari@Example.org;10017;nb;01.01.2020;15.02.2025;;;;",
    "Testlaget;H0101;;;;Ola Nordmann;ola@example.org;10018;nb;01.01.2020;15.02.2025;;;;",
    "Testlaget;H0101;;;;Åse Kjøper;ase@example.org;10019;en;15.02.2025;;;;;",
    "Testlaget;H0101;;;;;;;;;;tag;Brikke Kari;01.01.2020;",
    "testlaget;H0102;2;18;p-plass 7;Per Olsen;per@example.org;;;01.01.2021;;station;chg-b1;01.01.2021;",
]


def test_the_register_csv_is_read_in_the_norwegian_excel_dialect_and_again_changes_nothing(coop_store, tmp_path):
    path = register_csv(tmp_path / "in", GOOD)
    result = dw.import_csv(coop_store, BY, path)
    assert (result.rows, result.dwellings_added, result.owners_added, result.members_added, result.unchanged) == (
        6, 2, 4, 2, 0)
    listed = {d.number: d for d in dw.register(coop_store, INST, date(2025, 3, 1))}
    assert [o.name for o in listed["H0101"].owners] == ["Åse Kjøper"]
    assert [o.email for o in dw.history(coop_store, listed["H0101"].dwelling_id).dwelling.owners] == [
        "kari@example.org", "ola@example.org", "ase@example.org"]
    assert (listed["H0102"].share_number, listed["H0102"].note) == ("18", "p-plass 7")
    assert [(m.kind, m.member_id) for m in listed["H0102"].members] == [("station", "chg-b1")]
    logged = sum(len(dw.history(coop_store, d.dwelling_id).changes) for d in listed.values())

    again = dw.import_csv(coop_store, BY, path)
    assert (again.dwellings_added, again.owners_added, again.members_added, again.owners_changed,
            again.members_changed, again.dwellings_changed, again.unchanged) == (0, 0, 0, 0, 0, 0, 6)
    assert sum(len(dw.history(coop_store, d.dwelling_id).changes) for d in listed.values()) == logged

    # a later file ends the tag and changes an owner's e-mail: only that changes
    later = register_csv(tmp_path / "in", ["Testlaget;H0101;;;;;;;;;;tag;Brikke Kari;01.01.2020;01.04.2025",
                                           "Testlaget;H0101;;;;Åse Kjøper;ASE.K@example.org;10019;en;15.02.2025;;;;;"],
                         "later.csv")
    changed = dw.import_csv(coop_store, BY, later)
    assert (changed.members_changed, changed.owners_changed, changed.unchanged) == (1, 1, 0)
    assert dwelling_of(coop_store, "chg-a1", None, "Brikke Kari", date(2025, 4, 1)) is None
    assert dw.register(coop_store, INST, date(2025, 3, 1))[0].owners[0].email == "ase.k@example.org"


def test_a_register_csv_with_bad_rows_stores_nothing_and_names_each_line(coop_store, tmp_path):
    dw.add_dwelling(coop_store, BY, INST, "X1")
    dw.add_member(coop_store, BY, dw.find(coop_store, INST, "X1"), "tag", "Brikke Per", "2020-01-01")
    path = register_csv(tmp_path / "in", [
        GOOD[0],
        "Testlaget;H0101;;;;Kari;kari(at)example.org;;;01.01.2020;;;;;",
        "Nowhere;H0109;;;;;;;;;;;;;",
        "Testlaget;H0101;;;;;;;;;;tag;Brikke Per;01.01.2024;",
        "Testlaget;H0101;;;;;;;;;;tag;Brikke Ola;31.02.2024;",
        "Testlaget;H0101;only three;",
    ])
    with pytest.raises(dw.DwellingImportError) as refused:
        dw.import_csv(coop_store, BY, path, display_name="boliger.csv")
    assert refused.value.problems == [
        "boliger.csv: line 3: invalid e-mail address — 'kari(at)example.org'",
        "boliger.csv: line 4: unknown installation — 'Nowhere'",
        "boliger.csv: line 5: member in two dwellings — tag 'Brikke Per' belongs to dwelling X1 from 2020-01-01 "
        "until …; a tag is in one dwelling a day: end it there first",
        "boliger.csv: line 6: unparseable date — member_from '31.02.2024'",
        "boliger.csv: line 7: malformed CSV line — 4 fields for 15 columns",
    ]
    assert [d.number for d in dw.register(coop_store, INST)] == ["X1"]  # not even the good row
    missing = register_csv(tmp_path / "in", [], "no-dwelling.csv")
    missing.write_text("installation;number\nTestlaget;H1\n", encoding="utf-8")
    with pytest.raises(dw.DwellingImportError, match="no-dwelling.csv: line 1: the header lacks column"):
        dw.import_csv(coop_store, BY, missing)


def test_an_uploaded_register_is_read_as_a_file_of_that_name(coop_store):
    data = ("\r\n".join([HEADER, *GOOD]) + "\r\n").encode("windows-1252")
    assert dw.import_upload(coop_store, BY, "boliger.csv", data).line().startswith("boliger.csv: 6 rows")
    with pytest.raises(dw.DwellingImportError, match="^boliger.csv: line 2: unknown installation"):
        dw.import_upload(coop_store, BY, "boliger.csv", data.replace(b"Testlaget;H0101;1", b"Annet;H0101;1"))


def test_the_register_csv_may_be_comma_separated_utf8_with_iso_dates(coop_store, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("installation,dwelling,owner_name,owner_email,owner_from,member_kind,member_id,member_from\n"
                    "Testlaget,H7,Siri,siri@example.org,2024-01-01,user,u-eve,2024-01-01\n", encoding="utf-8-sig")
    result = dw.import_csv(coop_store, BY, path)
    assert (result.dwellings_added, result.owners_added, result.members_added) == (1, 1, 1)
    assert dwelling_of(coop_store, "chg-a1", "u-eve", None, date(2025, 2, 1)) == dw.find(coop_store, INST, "H7")


# -- the command line -----------------------------------------------------------------------------------

def run(db: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["dwelling", *args, "--db", str(db)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_keeps_the_register(coop_store, db_path, tmp_path):
    coop_store.close()
    where = ("--installation", INST, "--number", "H0101")
    assert run(db_path, "add", *where, "--share", "17")[0] == 0
    code, out, _ = run(db_path, "owner", *where, "--name", "Kari", "--email", "KARI@example.org", "--from",
                       "2020-01-01", "--language", "nb")
    assert code == 0 and "owner Kari added" in out
    assert run(db_path, "member", *where, "--kind", "tag", "--member", "Brikke Kari", "--from", "2020-01-01")[0] == 0
    code, out, _ = run(db_path, "transfer", *where, "--name", "Ola", "--co-name", "Eva", "--co-email", "eva@x.no",
                       "--from", "2025-02-15")
    assert code == 0 and "sold on 2025-02-15 to Ola, Eva" in out
    code, out, _ = run(db_path, "list")
    assert out.splitlines() == ["Testlaget\tH0101\t–\t17\tOla <–> (owner 2); Eva <eva@x.no> (owner 3)\t"
                                "tag Brikke Kari"]
    code, out, _ = run(db_path, "show", *where)
    assert "owner\t1\tKari\tkari@example.org\t–\tnb\t2020-01-01\t2025-02-15" in out.splitlines()
    assert "tag\tBrikke Kari\t2020-01-01\t…" in out.splitlines()
    assert sum(line.startswith("change\t") for line in out.splitlines()) == 7
    code, out, _ = run(db_path, "end-member", *where, "--kind", "tag", "--member", "Brikke Kari", "--until",
                       "2025-03-13")
    assert code == 0
    code, out, _ = run(db_path, "unassigned", "--from", "2025-03-01", "--to", "2025-03-31")
    assert out.splitlines()[0] == "3 sessions (18.000 kWh) belong to no dwelling from 2025-03-01 to 2025-03-31"
    code, out, _ = run(db_path, "end-owner", "--owner", "2", "--until", "2025-06-01")
    assert code == 0 and "owner 2 owns the dwelling no more from 2025-06-01" in out
    assert run(db_path, "set", *where, "--note", "corner")[1].strip() == "dwelling H0101: changed"

    # one line per error, never a traceback, in the reader's language
    code, _, err = run(db_path, "member", "--installation", INST, "--number", "H0102", "--kind", "tag", "--member",
                       "x", "--from", "2025-01-01")
    assert code == 2 and err.strip() == "error: unknown dwelling — 'H0102' in 'Testlaget'"
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["--lang", "nb", "dwelling", "owner", *where, "--name", "X", "--email", "nope", "--from",
                     "2025-01-01", "--db", str(db_path)], stdout=out, stderr=err) == 2
    assert err.getvalue().strip() == "feil: ugyldig e-postadresse — 'nope'"
    assert run(db_path, "list", "extra.csv")[0] == 2

    bad = register_csv(tmp_path / "in", ["Testlaget;H0101;;;;X;bad;;;01.01.2020;;;;;"], "bad.csv")
    code, _, err = run(db_path, "import", str(bad))
    assert code == 2 and err.strip() == f"error: {bad}: line 2: invalid e-mail address — 'bad'"
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["dwelling", "import", str(bad), "--lang", "nb", "--db", str(db_path)], stdout=out,
                    stderr=err) == 2
    assert err.getvalue().strip() == f"feil: {bad}: line 2: ugyldig e-postadresse — 'bad'"
    code, out, _ = run(db_path, "import", str(register_csv(tmp_path / "in", GOOD[5:], "good.csv")))
    assert code == 0 and out.startswith("good.csv: 1 rows; dwellings 1 added")


def test_the_command_line_hands_the_register_over_to_a_serving_app(coop_store, db_path, tmp_path):
    coop_store.close()
    good = register_csv(tmp_path / "in", GOOD)
    with serving(db_path) as (store, _log):
        done = run_cli("dwelling", "add", "--installation", INST, "--number", "Z9", "--db", str(db_path))
        assert done.returncode == 0, done.stderr
        done = run_cli("dwelling", "import", str(good), "--db", str(db_path))
        assert done.returncode == 0, done.stderr
        assert "boliger.csv: 6 rows" in done.stdout
        assert [d.number for d in dw.register(store, INST)] == ["Z9", "H0101", "H0102"]
        line = one_error_line(run_cli("dwelling", "add", "--installation", INST, "--number", "Z9", "--db",
                                      str(db_path)))
        assert line == "error: dwelling number taken — 'Z9' in Testlaget"


# -- the page ----------------------------------------------------------------------------------------

def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_system_owner_keeps_the_register_on_the_dwellings_page(own_store_env):
    at = page_as(support.STYRET, "dwellings")
    assert "No dwellings yet" in texts(at)
    next(t for t in at.text_input if t.label == "Dwelling number").input("H0101")
    next(t for t in at.text_input if t.label == "Share number").input("17")
    button(at, "Add dwelling").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Dwelling H0101 added." in texts(at)
    register = at.dataframe[0].value.to_dict("records")
    assert [(r["Dwelling"], r["Share number"]) for r in register] == [("H0101", "17")]

    next(t for t in at.text_input if t.label == "Dwelling number").input("H0101")
    button(at, "Add dwelling").click().run()
    assert [e.value for e in at.error] == ["Not saved: dwelling number taken — 'H0101' in Testlaget"]

    next(t for t in at.text_input if t.label == "Owner's name").input("Kari Nordmann")
    next(t for t in at.text_input if t.label == "E-mail").input("Kari@Example.org")
    at.date_input(key="owner_from").set_value(date(2020, 1, 1))
    button(at, "Add owner").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Owner Kari Nordmann added." in texts(at)
    assert at.dataframe[0].value.to_dict("records")[0]["Owners"] == "Kari Nordmann (kari@example.org)"

    # Kari's tag from the feed, then the flat sold to Ola on 1 February 2025: the tag stays
    at.selectbox(key="member_choice").set_value(("tag", support.KARI.tag, support.KARI.tag))
    at.date_input(key="member_from").set_value(date(2024, 1, 1))
    button(at, "Attach").click().run()
    assert not at.error, [e.value for e in at.error]
    assert f"{support.KARI.tag} belongs to H0101 from" in texts(at)
    next(d for d in at.date_input if d.label == "Date of the sale (the new owners' first day)").set_value(
        date(2025, 2, 1))
    at.text_input(key="buyer_name_1").input("Ola Kjøper")
    at.text_input(key="buyer_email_1").input("ola@example.org")
    button(at, "Register the sale").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Sale of H0101 registered." in texts(at)
    [row] = at.dataframe[0].value.to_dict("records")
    assert (row["Owners"], row["Members"]) == ("Ola Kjøper (ola@example.org)", f"RFID tag: {support.KARI.tag}")
    history = [frame.value.to_dict("records") for frame in at.dataframe[-3:]]
    assert [(r["Owner"], r["Until"]) for r in history[0]] == [("Kari Nordmann", "1 Feb 2025"), ("Ola Kjøper", "…")]
    assert any(r["What"].startswith("transfer: sold on 2025-02-01") for r in history[2])

    # the period's sessions with no dwelling: every counted one in March 2025, none of them dropped
    at.selectbox(key="dwelling_period").set_value("Custom").run()
    at.date_input(key="dwelling_period_dates").set_value((date(2025, 3, 1), date(2025, 3, 31))).run()
    assert not at.exception
    assert next(m for m in at.metric if m.label == "Sessions with no dwelling").value == "3"  # k3: Kari's tag


def test_a_resident_is_refused_the_dwellings_page(own_store_env):
    at = log_in(fresh(str(ROOT / "pages" / "dwellings.py")), support.RESIDENT.username, support.RESIDENT.password)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [REFUSED]
    assert not [b for b in at.button if b.label in ("Add dwelling", "Add owner", "Register the sale")]
    assert len(at.dataframe) == 0 and "Sessions with no dwelling" not in texts(at)

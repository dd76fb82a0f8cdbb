"""The command line: python -m chargeboard <command>. Same code paths as the app.

Commands that use the store open it themselves when no app is serving it. While the app
serves, DuckDB lets only the app's process open the file, so a command of HANDED_OVER is
handed to the app over its socket (chargeboard.handover) and runs there with the same
function. An operator's mistake is one line on stderr, never a traceback.

Everything a command writes (messages, CSV titles, Excel, PDF) is in English unless `--lang nb`
(given before or after the command); CSV is the machine-readable rfc4180 unless `--csv-dialect`
asks for what Norwegian (excel-nb) or English (excel-en) Excel opens as columns.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import sys
from datetime import date
from pathlib import Path

from chargeboard import accounts, errorlog, files, formats, handover, i18n, ingest, settings
from chargeboard.i18n import _, ngettext
from chargeboard.scope import ROLES, system_scope
from chargeboard.store import Store, StoreError, StoreLocked, open_store

REPORT_BY = ("station", "user", "rfid")
OUT_FORMATS = ("csv", "xlsx")
STATEMENT_FORMATS = (*OUT_FORMATS, "pdf", "zip")
ATTRIBUTE_BY = ("start", "registered")
SHARES = ("off", "equal", "kwh")
SYNC_PROVIDERS = ("zaptec", "easee")
LANGUAGES = tuple(i18n.LANGUAGES)
# exports.CSV_DIALECTS' names (a test keeps them equal; exports is not imported for every command)
CSV_DIALECTS = ("rfc4180", "excel-nb", "excel-en")
# chargeboard.pricing.spot.AREAS (a test keeps them equal; the pricing package is imported by `prices` only)
PRICE_AREAS = ("NO1", "NO2", "NO3", "NO4", "NO5")
# chargeboard.mail.settings.SECURITY (a test keeps them equal; the mail package is imported by `mail` only)
MAIL_SECURITY = ("starttls", "tls", "none")
# Period maths goes a day (and a month) past --to: later dates overflow Python's calendar.
LAST_DAY = date(9998, 12, 31)


def _ingest(args: argparse.Namespace, store: Store) -> int:
    failures = 0
    shown = args.shown_as or args.files
    for path, name in zip(args.files, shown, strict=True):
        try:
            summary = ingest.ingest_file(store, path, fmt=args.format, installation=args.installation,
                                         time_zone=args.time_zone, display_name=name,
                                         show_progress=False if args.quiet or args.shown_as else None)
            print("\n".join(summary.lines()), file=args.stdout)
        except ingest.IngestError as error:
            print(_("error: {reason}", reason=error), file=args.stderr)
            failures += 1
        except OSError as error:  # unreadable (permissions, a folder): this file is not loaded
            print(_("error: {file}: cannot be read ({reason})", file=name, reason=error.strerror or error),
                  file=args.stderr)
            failures += 1
    return 1 if failures else 0


def _user(args: argparse.Namespace) -> int:
    path = Path(args.auth) if args.auth else settings.auth_path(Path(args.db) if args.db else None)
    try:
        if args.user_command == "list":
            for account in accounts.list_accounts(path):  # never the hashes
                links = "; ".join(f"{k}: {', '.join(v)}" for k, v in (
                    ("stations", account.stations), ("installations", account.installations)) if v)
                print(f"{account.username}\t{account.role}\t{account.name}\t{account.email}\t{links}")
            return 0
        if args.username is None:
            raise accounts.AccountError(_("'user {command}' needs a USERNAME", command=args.user_command))
        if args.user_command == "remove":
            accounts.remove_user(args.username, path)
            print(_("removed {username} from {file}; their logins have ended", username=args.username, file=path))
        elif args.user_command == "role":
            if not args.new_role:
                raise accounts.AccountError(_("'user role' needs the role: one of {roles}", roles=", ".join(ROLES)))
            accounts.set_role(args.username, args.new_role, path)
            print(_("{username} is now {role}; their logins have ended", username=args.username, role=args.new_role))
        elif args.user_command == "unlock":
            accounts.lift_lock(args.username, path)
            print(_("lifted the login lock {key}", key=args.username))
        else:
            password = args.password or getpass.getpass(_("Password for {username}: ", username=args.username))
            if args.user_command == "add":
                accounts.add_user(args.username, name=args.name or args.username, email=args.email or "",
                                  role=args.role, password=password, stations=args.station,
                                  installations=args.installation, path=path)
                print(_("added {username} ({role}) to {file}", username=args.username, role=args.role, file=path))
            else:
                accounts.set_password(args.username, password, path=path)
                print(_("changed the password of {username} in {file}; their other logins have ended",
                        username=args.username, file=path))
    except accounts.AccountError as error:
        print(_("error: {reason}", reason=error), file=sys.stderr)
        return 2
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _dates_out_of_range(args: argparse.Namespace) -> bool:
    if max(args.date_from, args.date_to) <= LAST_DAY:
        return False
    print(_("error: --from/--to: {day} is after the last day that can be reported ({last})",
            day=max(args.date_from, args.date_to), last=LAST_DAY), file=args.stderr)
    return True


def scope_of(args: argparse.Namespace, store: Store):
    """The --as account's scope, or the system owner's when none is given."""
    if not getattr(args, "as_user", None):
        return system_scope()
    try:  # a missing or malformed accounts file is an AccountsFileError: one line naming the file
        account = accounts.find_account(args.as_user)
    except OSError as error:
        raise accounts.AccountError(f"{settings.auth_path()}: cannot be read ({error.strerror or error}), so --as "
                                    f"{args.as_user} has no scope") from None
    return accounts.scope_for(account, store)


def _report(args: argparse.Namespace, store: Store) -> int:
    from chargeboard import exports, reports  # noqa: PLC0415
    from chargeboard.history import SessionFilter  # noqa: PLC0415

    if args.date_to < args.date_from:
        print(_("error: --to {last} is before --from {first}", last=args.date_to, first=args.date_from),
              file=args.stderr)
        return 2
    if _dates_out_of_range(args):
        return 2
    try:
        scope = scope_of(args, store)
    except accounts.AccountError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    request = reports.ReportRequest(SessionFilter(args.date_from, args.date_to), by=args.by,
                                    attribute_by=args.attribute_by)
    report = reports.build_report(store, scope, request)
    if args.format == "xlsx":
        if not args.out:
            print(_("error: --format {format} needs --out FILE", format="xlsx"), file=args.stderr)
            return 2
        files.write_atomically(args.out, exports.report_workbook(store, scope, report).data)
        print(ngettext("wrote {file}: {n} row, {kwh}", "wrote {file}: {n} rows, {kwh}", len(report.rows),
                       file=args.out, kwh=formats.kwh(report.totals.energy_kwh, 3)), file=args.stderr)
    elif args.out:
        files.write_atomically(args.out, exports.report_csv(report, args.csv_dialect))
    else:
        args.stdout.write(exports.report_csv(report, args.csv_dialect))
    return 0


def _statement(args: argparse.Namespace, store: Store) -> int:
    from chargeboard import statements  # noqa: PLC0415

    if _dates_out_of_range(args):
        return 2
    try:
        scope = scope_of(args, store)
        request = statements.StatementRequest(args.date_from, args.date_to, standby_share=args.standby_share,
                                              rest_share=args.rest_share)
        result = statements.build_statements(store, scope, request)
    except (accounts.AccountError, statements.StatementError, ValueError) as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    for note in result.notes:
        print(_("note: {note}", note=note), file=args.stderr)
    if args.format in ("pdf", "zip"):
        from chargeboard import pdf  # noqa: PLC0415

        if not args.out:
            print(_("error: --format {format} needs --out FILE", format=args.format), file=args.stderr)
            return 2
        try:
            data, _name = (pdf.statements_pdf if args.format == "pdf" else pdf.statements_zip)(store, scope, result)
        except statements.StatementError as error:
            print(_("error: {reason}", reason=error), file=args.stderr)
            return 2
        return _wrote_statements(args, data, len(result.lines))
    if args.format == "xlsx":
        if not args.out:
            print(_("error: --format {format} needs --out FILE", format="xlsx"), file=args.stderr)
            return 2
        data, _name = statements.workbook(store, scope, result)
        return _wrote_statements(args, data, len(result.lines))
    text, _name = statements.csv_text(store, scope, result, dialect=args.csv_dialect)
    if args.out:
        files.write_atomically(args.out, text)
    else:
        args.stdout.write(text)
    return 0


def _wrote_statements(args: argparse.Namespace, data: bytes, count: int) -> int:
    files.write_atomically(args.out, data)
    print(ngettext("wrote {file}: {n} statement", "wrote {file}: {n} statements", count, file=args.out),
          file=args.stderr)
    return 0


def _board_pack(args: argparse.Namespace, store: Store) -> int:
    from chargeboard import board_pack, dashboard  # noqa: PLC0415

    if _dates_out_of_range(args):
        return 2
    try:
        scope = scope_of(args, store)
        if args.date_to < args.date_from:
            raise ValueError(_("the period ends ({last}) before it starts ({first})", last=args.date_to,
                               first=args.date_from))
        data, _name = board_pack.board_pack(store, scope, dashboard.DashboardRequest(args.date_from, args.date_to))
    except (accounts.AccountError, ValueError) as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    files.write_atomically(args.out, data)
    print(_("wrote {file}", file=args.out), file=args.stderr)
    return 0


def _statement_issuer(args: argparse.Namespace, store: Store) -> int:
    from chargeboard import statements  # noqa: PLC0415

    if args.name is not None or args.address is not None:
        current = statements.issuer(store)
        try:
            statements.set_issuer(store, system_scope(), args.name if args.name is not None else current.name,
                                  (args.address if args.address is not None else current.address).replace("\\n", "\n"),
                                  getpass.getuser())
        except statements.StatementError as error:
            print(_("error: {reason}", reason=error), file=args.stderr)
            return 2
    who = statements.issuer(store)
    print(who.name + ("\n" + who.address if who.address else ""), file=args.stdout)
    return 0


def _sync(args: argparse.Namespace, store: Store) -> int:
    """One charger-cloud sync: credentials from the environment, else the app's stored connection."""
    import os  # noqa: PLC0415

    from chargeboard import credentials, sync  # noqa: PLC0415

    prefix = args.provider.upper()
    username, password = os.environ.get(f"{prefix}_USERNAME"), os.environ.get(f"{prefix}_PASSWORD")
    cloud_ids = [args.installation] if args.installation else []
    into = getattr(args, "into", None)
    if into and not cloud_ids:
        print(_("error: --into needs --installation (the one cloud installation that feeds it)"), file=args.stderr)
        return 2
    try:
        if username and password:
            target = sync.Target(args.provider, credentials.Login(username, password),
                                 getattr(args, "api_url", None) or sync.DEFAULT_API_URLS[args.provider], None, tuple(cloud_ids),
                                 force_from=args.date_from, into=into)
        else:
            stored = [r.connection_id for r in sync.connections(store).itertuples() if r.provider == args.provider]
            if not stored:
                print(_("error: no {provider} login: set {prefix}_USERNAME and {prefix}_PASSWORD, or add a "
                        "connection on the app's Data sources page", provider=args.provider, prefix=prefix),
                      file=args.stderr)
                return 2
            target = sync.target_of(store, int(stored[0]), cloud_ids=cloud_ids, force_from=args.date_from, into=into)
            if getattr(args, "api_url", None) and args.api_url.rstrip("/") != target.api_url.rstrip("/"):
                # The stored password goes only where it was saved for, never to an address given here.
                print(_("error: --api-url differs from the stored connection's address; set {prefix}_USERNAME "
                        "and {prefix}_PASSWORD to use another address", prefix=prefix), file=args.stderr)
                return 2
    except (credentials.CredentialError, sync.SyncError) as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    outcome = sync.run_sync(store, target)
    for line in outcome.lines():
        print(line, file=args.stdout if outcome.ok else args.stderr)
    if outcome.error:
        return 2
    return 0 if outcome.ok else 1


def _backup(args: argparse.Namespace, store: Store) -> int:
    """A backup of the store, its accounts and keys (chargeboard.backup); inside the app when it serves."""
    from chargeboard import backup  # noqa: PLC0415

    print(backup.make_backup(store, Path(args.out), backup.Places.of(store.path)), file=args.stderr)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from chargeboard import backup  # noqa: PLC0415

    db = Path(args.db) if args.db else settings.db_path()
    try:
        print(backup.restore(Path(args.file), backup.Places.of(db), force=args.force), file=args.stderr)
    except (backup.BackupError, StoreError) as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    return 0


def _station(args: argparse.Namespace, store: Store) -> int:
    from chargeboard import datasources  # noqa: PLC0415

    try:
        old = datasources.set_station_serial(store, args.station, args.serial, by="(command line)")
    except datasources.SourceError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    print(_("station {station}: serial {old} → {serial} (logged)", station=args.station, old=old or "–",
            serial=args.serial), file=args.stdout)
    return 0


def _prices_import(args: argparse.Namespace, store: Store) -> int:
    """prices import FILE... (the price API's JSON day files, ENTSO-E XML)."""
    from chargeboard.pricing import spot  # noqa: PLC0415

    files = list(getattr(args, "files", None) or [])
    if not files:
        print(_("error: prices import needs one or more FILEs"), file=args.stderr)
        return 2
    try:
        rate = spot.parse_rate(getattr(args, "eur_nok", None))
    except spot.PriceFileError as error:
        print(_("error: --eur-nok: {reason}", reason=error), file=args.stderr)
        return 2
    failures = 0
    shown = getattr(args, "shown_as", None) or files
    for path, name in zip(files, shown, strict=True):
        try:
            summary = spot.import_file(store, path, area=getattr(args, "area", None), eur_nok=rate,
                                       imported_by="(command line)", display_name=name)
        except spot.PriceFileError as error:
            print(_("error: {reason}", reason=error), file=args.stderr)
            failures += 1
            continue
        print("\n".join(summary.lines()), file=args.stdout)
    return 1 if failures else 0


def _prices_fetch(args: argparse.Namespace, store: Store) -> int:
    """prices fetch --area --from --to (days from the price API)."""
    from chargeboard.pricing import spot  # noqa: PLC0415

    missing = [option for option, key in (("--area", "area"), ("--from", "date_from"), ("--to", "date_to"))
               if getattr(args, key, None) is None]
    if missing:
        print(_("error: prices fetch needs {options}", options=", ".join(missing)), file=args.stderr)
        return 2
    outcome = spot.fetch(store, args.area, args.date_from, args.date_to,
                         getattr(args, "api_url", None) or spot.DEFAULT_API_URL, fetched_by="(command line)")
    for line in outcome.lines():
        print(line, file=args.stdout if outcome.ok else args.stderr)
    return 0 if outcome.ok else 1


def handover_name(args: argparse.Namespace) -> str:
    """The name the app knows a command by: the command's, or its sub-command's as its parser sets it
    (`tariff set` as tariff-set, `prices import` as prices-import)."""
    if getattr(args, "handed_over_as", None):
        return args.handed_over_as
    if args.command == "dwelling" and args.dwelling_command == "import":
        return "dwelling-import"
    return args.command


def _port(text: str) -> str:
    """--port 1-65535 (checked; kept as text, as the hand-over sends it)."""
    if not (text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"not a port (1-65535): {text!r}")
    return text


def _month(text: str) -> str:
    """--month YYYY-MM (checked; kept as text, as the hand-over sends it)."""
    try:
        date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}") from None
    if len(text) != 7:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}")
    return text


def _tariff_set(args: argparse.Namespace, store: Store) -> int:
    """Append the tariff version a JSON file describes (README "Tariff versions as JSON")."""
    from chargeboard import tariffs  # noqa: PLC0415
    from chargeboard.pricing import formula, tariff_entry  # noqa: PLC0415

    shown = (args.shown_as or args.files)[0]
    try:
        data = tariff_entry.read_version_file(Path(args.files[0]), shown)
        added = tariff_entry.add_version_json(store, getpass.getuser(), data, shown)
    except (tariff_entry.EntryError, tariffs.TariffError, formula.FormulaError) as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    print(added.line(), file=args.stdout)
    return 0


def _tariff_list(args: argparse.Namespace, store: Store) -> int:
    """Every tariff version, newest first, in words (as the Tariffs page's history)."""
    from chargeboard.pricing import tariff_entry  # noqa: PLC0415

    lines = tariff_entry.history_lines(store)
    if not lines:
        print(_("no tariff versions yet"), file=args.stderr)
    for line in lines:
        print(line, file=args.stdout)
    return 0


def _tariff_cost_price(args: argparse.Namespace, store: Store) -> int:
    """One month's invoice for one meter, for cost-price tariffs."""
    from chargeboard.pricing import tariff_entry  # noqa: PLC0415

    try:
        entry = tariff_entry.add_cost_price(store, getpass.getuser(), args.installation, args.month, args.meter,
                                            args.amount, args.kwh)
    except tariff_entry.EntryError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    print(entry.line(), file=args.stdout)
    return 0


def _dwelling(args: argparse.Namespace, store: Store) -> int:
    """dwelling add|set|owner|end-owner|transfer|member|end-member|list|show|import|unassigned (issue 30):
    the dwelling register, as the Dwellings page keeps it (chargeboard/billing/dwellings.py)."""
    from chargeboard.billing import dwellings  # noqa: PLC0415

    out, command, by = args.stdout, args.dwelling_command, getpass.getuser()
    value = functools.partial(getattr, args)
    if (command == "import") != bool(getattr(args, "files", None)):
        print(_("error: {reason}", reason=_("dwelling import takes one or more FILEs; the other dwelling commands "
                                            "take none")), file=args.stderr)
        return 2
    try:
        if command == "import":
            shown = getattr(args, "shown_as", None) or args.files
            for path, name in zip(args.files, shown, strict=True):
                print(dwellings.import_csv(store, by, path, name).line(), file=out)
            return 0
        if command == "list":
            return _dwelling_list(args, store, dwellings)
        if command == "unassigned":
            return _dwelling_unassigned(args, store, dwellings)
        if command == "end-owner":
            if not value("owner", None):
                raise dwellings.DwellingError("missing value — --owner ID (dwelling show lists the ids)")
            try:
                owner_id = int(args.owner)
            except ValueError:
                raise dwellings.DwellingError(f"unknown owner — {args.owner!r}") from None
            dwellings.end_owner(store, by, owner_id, dwellings.parse_day(value("until", None), "--until",
                                                                         required=True))
            print(_("owner {id} owns the dwelling no more from {day}", id=owner_id, day=args.until), file=out)
            return 0
        if command == "add":
            new = dwellings.add_dwelling(store, by, value("installation", None), value("number", None),
                                         value("section", None), value("share", None), value("note", None))
            print(_("added dwelling {number} (id {id})", number=args.number, id=new), file=out)
            return 0
        dwelling_id = dwellings.find(store, value("installation", None), value("number", None))
        owner = dwellings.NewOwner(value("name", None), value("email", None), value("customer", None),
                                   value("language", None))
        if command == "set":
            given = {key: value(key.split("_")[0]) for key in ("section_number", "share_number", "note")
                     if value(key.split("_")[0], None) is not None}
            changed = dwellings.set_dwelling(store, by, dwelling_id, **given)
            print(_("dwelling {number}: changed", number=args.number) if changed else
                  _("dwelling {number}: nothing to change", number=args.number), file=out)
        elif command == "owner":
            new = dwellings.add_owner(store, by, dwelling_id, owner, value("date_from", None), value("until", None))
            print(_("dwelling {number}: owner {name} added (owner id {id})", number=args.number, name=owner.name,
                    id=new), file=out)
        elif command == "transfer":
            owners = [owner] + ([dwellings.NewOwner(args.co_name, value("co_email", None))]
                                if value("co_name", None) else [])
            dwellings.transfer(store, by, dwelling_id, owners, value("date_from", None))
            print(_("dwelling {number} sold on {day} to {names}", number=args.number, day=args.date_from,
                    names=", ".join(o.name for o in owners)), file=out)
        elif command == "member":
            dwellings.add_member(store, by, dwelling_id, value("kind", None), value("member", None),
                                 value("date_from", None), value("until", None))
            print(_("dwelling {number}: {kind} {member} belongs to it from {day}", number=args.number,
                    kind=args.kind, member=args.member, day=args.date_from), file=out)
        elif command == "end-member":
            dwellings.end_member(store, by, dwelling_id, value("kind", None), value("member", None),
                                 value("until", None))
            print(_("dwelling {number}: {kind} {member} belongs to it no more from {day}", number=args.number,
                    kind=args.kind, member=args.member, day=args.until), file=out)
        else:  # show
            _dwelling_show(args, dwellings.history(store, dwelling_id))
    except dwellings.DwellingError as error:
        for line in error.shown():
            print(_("error: {reason}", reason=line), file=args.stderr)
        return 2
    return 0


def _dwelling_people(dwelling) -> tuple[str, str]:
    owners = "; ".join(f"{o.name} <{o.email or '–'}> (owner {o.owner_id})" for o in dwelling.owners)
    members = "; ".join(f"{m.kind} {m.member_id}" for m in dwelling.members)
    return owners or "–", members or "–"


def _dwelling_list(args: argparse.Namespace, store: Store, dwellings) -> int:
    listed = dwellings.register(store, getattr(args, "installation", None))
    if not listed:
        print(_("no dwellings yet"), file=args.stderr)
    for dwelling in listed:
        owners, members = _dwelling_people(dwelling)
        print("\t".join([dwelling.installation, dwelling.number, dwelling.section_number or "–",
                         dwelling.share_number or "–", owners, members]), file=args.stdout)
    return 0


def _dwelling_show(args: argparse.Namespace, history) -> None:
    dwelling, out = history.dwelling, args.stdout
    print("\t".join([dwelling.installation, dwelling.number, dwelling.section_number or "–",
                     dwelling.share_number or "–", dwelling.note or ""]), file=out)
    for o in dwelling.owners:
        print("\t".join(["owner", str(o.owner_id), o.name, o.email or "–", o.customer_number or "–",
                         o.language or "–", o.valid_from.isoformat(),
                         o.valid_until.isoformat() if o.valid_until else "…"]), file=out)
    for m in dwelling.members:
        print("\t".join([m.kind, m.member_id, m.valid_from.isoformat(),
                         m.valid_until.isoformat() if m.valid_until else "…"]), file=out)
    for when, who, action, detail in history.changes:
        print("\t".join(["change", f"{when:%Y-%m-%d %H:%M:%S}", who, action, detail]), file=out)


def _dwelling_unassigned(args: argparse.Namespace, store: Store, dwellings) -> int:
    day_from = dwellings.parse_day(getattr(args, "date_from", None), "--from", required=True)
    day_to = dwellings.parse_day(getattr(args, "date_to", None), "--to", required=True)
    found = dwellings.unassigned(store, system_scope(), day_from, day_to, getattr(args, "installation", None))
    print(_("{count} sessions ({kwh} kWh) belong to no dwelling from {first} to {last}", count=found.sessions,
            kwh=found.energy_kwh, first=day_from, last=day_to), file=args.stdout)
    for row in found.rows.itertuples(index=False):
        print("\t".join("–" if v is None or v != v else str(v) for v in (
            row.installation, row.station_id, row.user_id, row.tag, row.sessions, row.energy_kwh, row.first_day,
            row.last_day)), file=args.stdout)
    return 0


def _not_import(text: str) -> str:
    """`dwelling ...` handed over without input files: every sub-command but import."""
    if text not in DWELLING_COMMANDS or text == "import":
        raise ValueError(f"not one of {', '.join(c for c in DWELLING_COMMANDS if c != 'import')}")
    return text


DWELLING_COMMANDS = ("add", "set", "owner", "end-owner", "transfer", "member", "end-member", "list", "show",
                     "import", "unassigned")
def _only(word: str):
    """A hand-over field that must be exactly `word` (`dwelling import` is handed over as its own command:
    it takes input files, the other dwelling commands none)."""
    def check(text: str) -> str:
        if text != word:
            raise ValueError(f"not {word!r}")
        return text
    check.__name__ = f"only_{word}"
    return check


DWELLING_IMPORT_ONLY = _only("import")
DWELLING_LANGUAGES = ("nb", "en")  # chargeboard.billing.dwellings.LANGUAGES (an owner's; a test keeps them equal)
DWELLING_KINDS = ("tag", "user", "station")  # chargeboard.billing.dwellings.KINDS


# -- billing (issue 30): `billing export` and `billing settings` (the files side; `billing close|runs|show|
# reopen` are the runs side's, in the same nested parser) ---------------------------------------------

BILLING_FORMATS = ("manager", "tripletex", "invoices")   # chargeboard.billing.files.FORMATS (a test keeps them equal)
KID_METHODS = ("mod10", "mod11")                          # chargeboard.billing.kid.METHODS
KID_LAYOUTS = ("invoice", "customer_invoice")             # chargeboard.billing.kid.LAYOUTS
PAYER_RULES = ("owner_at_end", "by_ownership")            # chargeboard.billing.billing_settings.PAYER_RULES


def _run_id(text: str) -> str:
    """--run N (a run number; kept as text, as the hand-over sends it)."""
    if not str(text).isdigit() or not str(text).isascii() or len(str(text)) > 18 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a run number: {text!r}")
    return str(int(text))


def _billing_export(args: argparse.Namespace, store: Store) -> int:
    """A closed run's file: the business manager's list, Tripletex's order import or the invoices (a ZIP)."""
    from chargeboard.billing import files as billing_files  # noqa: PLC0415
    from chargeboard.billing import invoices, model  # noqa: PLC0415

    if args.format == "invoices" and not args.out:
        print(_("error: --format {format} needs --out FILE", format="invoices"), file=args.stderr)
        return 2
    try:
        data, _name, _mime = billing_files.export(store, system_scope(), int(args.run_id), args.format,
                                                  lang=getattr(args, "lang", None) or i18n.COMMAND_LINE_LANGUAGE,
                                                  by=getpass.getuser())
    except model.RunNotFound:
        print(_("error: no billing run {run}", run=args.run_id), file=args.stderr)
        return 2
    except (billing_files.BillingFileError, invoices.InvoiceError) as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    if args.out:
        files.write_atomically(args.out, data)
        print(_("wrote {file}", file=args.out), file=args.stderr)
    else:
        args.stdout.write(data.decode("utf-8"))
    return 0


def _billing_settings(args: argparse.Namespace, store: Store) -> int:
    """Show the billing settings, or change the ones given (system owner; logged)."""
    from chargeboard.billing import billing_settings  # noqa: PLC0415

    given = {"account_number": args.account, "kid_method": args.kid_method, "kid_layout": args.kid_layout,
             "due_days": args.due_days, "vat_rate": args.vat_rate, "minimum_amount": args.minimum,
             "payer_rule": args.payer_rule, "line_text": args.line_text}
    changes = {name: value for name, value in given.items() if value is not None}
    if changes:
        try:
            billing_settings.save(store, system_scope(), getpass.getuser(), **changes)
        except billing_settings.BillingSettingsError as error:
            print(_("error: {reason}", reason=error), file=args.stderr)
            return 2
    for what, value in billing_settings.describe(billing_settings.read(store)):
        print(f"{what}: {value}", file=args.stdout)
    return 0


# -- billing runs (issue 30) --------------------------------------------------------------------------

def _amount(text: str) -> str:
    """--minimum KR: an amount such as 100 or 99.50 (checked; kept as text)."""
    from decimal import Decimal, InvalidOperation  # noqa: PLC0415

    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value.is_finite() or value < 0 or len(text) > 20:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}")
    return text


def _billing_close(args: argparse.Namespace, store: Store) -> int:
    """Close a period: bill it (and what changed in earlier closed periods) as a stored run."""
    from chargeboard.billing import dwelling_statements, model, runs  # noqa: PLC0415

    if _dates_out_of_range(args):
        return 2
    rule, minimum = store.one("billing_close_defaults") or ("owner_at_end", "0")
    try:  # (handed over, --minimum comes as any text: checked here as the command line checks it)
        minimum = _amount(args.minimum) if args.minimum is not None else str(minimum)
    except argparse.ArgumentTypeError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    try:
        run_id = runs.close(store, system_scope(), args.date_from, args.date_to,
                            payer_rule=args.payer_rule or rule, minimum_amount=minimum, by=getpass.getuser())
    except dwelling_statements.BillingError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    run = model.load(store, run_id)
    print(_("run {run} closed: {period}, {lines} lines, {total} {currency}", run=run_id,
            period=formats.period(run.period_from, run.period_to), lines=len(run.lines),
            total=formats.decimal(run.total, 2), currency=run.currency), file=args.stdout)
    return 0


def _billing_runs(args: argparse.Namespace, store: Store) -> int:
    """Every billing run, newest first."""
    from chargeboard.billing import runs  # noqa: PLC0415

    heads = runs.runs(store, system_scope())
    if not heads:
        print(_("no billing runs yet"), file=args.stderr)
    for h in heads:
        print(_("run {run} ({kind}) {period}: {lines} lines, {total} {currency}, closed by {who} at {moment} UTC",
                run=h.run_id, kind=h.kind, period=formats.period(h.period_from, h.period_to), lines=h.lines,
                total=formats.decimal(h.total, 2), currency=h.currency, who=h.closed_by,
                moment=formats.moment(h.closed_at, "UTC")), file=args.stdout)
    return 0


def _billing_show(args: argparse.Namespace, store: Store) -> int:
    """A run's lines per dwelling and payer, and what it says (late sessions, corrections, no dwelling)."""
    from chargeboard.billing import runs  # noqa: PLC0415
    from chargeboard.billing.model import RunNotFound  # noqa: PLC0415

    scope = system_scope()
    try:
        run = runs.load(store, scope, int(args.run_id))
    except RunNotFound:
        print(_("error: no billing run {run}", run=args.run_id), file=args.stderr)
        return 2
    said = runs.summary(store, scope, run.run_id)
    out = args.stdout
    print(_("run {run} ({kind}) {period}, payer rule {rule}, minimum {minimum}, closed by {who} at {moment} UTC",
            run=run.run_id, kind=run.kind, period=formats.period(run.period_from, run.period_to),
            rule=run.payer_rule, minimum=formats.decimal(run.minimum_amount, 2), who=run.closed_by,
            moment=formats.moment(run.closed_at, "UTC")), file=out)
    if run.corrects_run is not None:
        print(_("corrects run {run}", run=run.corrects_run), file=out)
    for x in run.lines:
        print("\t".join([str(x.line_no), x.dwelling_number, x.payer.name if x.payer else "", x.kind,
                         formats.period(x.day_from, x.day_to), str(x.sessions), formats.kwh(x.energy_wh / 1000, 3),
                         formats.decimal(x.amount, 2), formats.decimal(x.vat, 2)]), file=out)
    print(_("total {total} {currency} (VAT {vat})", total=formats.decimal(run.total, 2), currency=run.currency,
            vat=formats.decimal(sum(x.vat for x in run.lines), 2)), file=out)
    late, corrections, nowhere = said.get("late", {}), said.get("corrections", {}), said.get("no_dwelling", {})
    print(_("late sessions: {n} ({kwh}); corrections: {m} ({kwh_corrected})", n=late.get("sessions", 0),
            kwh=formats.kwh(late.get("energy_wh", 0) / 1000, 3), m=corrections.get("sessions", 0),
            kwh_corrected=formats.kwh(corrections.get("energy_wh", 0) / 1000, 3)), file=out)
    print(_("no dwelling: {n} sessions ({kwh}), billed to no one", n=nowhere.get("sessions", 0),
            kwh=formats.kwh(nowhere.get("energy_wh", 0) / 1000, 3)), file=out)
    for c in said.get("carried_over", []):
        print(_("carried over to the next run: dwelling {dwelling}, {amount} {currency}", dwelling=c["dwelling_id"],
                amount=c["amount"], currency=run.currency), file=out)
    return 0


def _billing_reopen(args: argparse.Namespace, store: Store) -> int:
    """Reopen a closed run: a correction run of the differences only (logged)."""
    from chargeboard.billing import dwelling_statements, model, runs  # noqa: PLC0415

    try:
        run_id = runs.reopen(store, system_scope(), int(args.run_id), by=getpass.getuser())
    except model.RunNotFound:
        print(_("error: no billing run {run}", run=args.run_id), file=args.stderr)
        return 2
    except dwelling_statements.BillingError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    run = model.load(store, run_id)
    print(_("run {run} closed: correction of run {corrects}, {lines} lines, {total} {currency}", run=run_id,
            corrects=run.corrects_run, lines=len(run.lines), total=formats.decimal(run.total, 2),
            currency=run.currency), file=args.stdout)
    return 0


def _in_its_language(run):
    """A command run in the language its --lang asked for. The command line's main() activates it
    too, but a handed-over command runs in a thread of the app, which starts in the default."""
    @functools.wraps(run)
    def speaking(args: argparse.Namespace, *rest) -> int:
        with i18n.language(getattr(args, "lang", None) or i18n.COMMAND_LINE_LANGUAGE):
            return run(args, *rest)
    return speaking


def _mail_settings(args: argparse.Namespace, store: Store) -> int:
    """Show the SMTP settings; with options, change them (the rest kept). The password is never shown."""
    from chargeboard.mail import settings as mail_settings  # noqa: PLC0415

    try:
        current = mail_settings.get_settings(store, system_scope())
        changes = {key: getattr(args, key, None) for key in ("host", "port", "security", "username", "sender")}
        if any(value is not None for value in changes.values()) or args.password or args.no_password:
            if current is None and (changes["host"] is None or changes["sender"] is None):
                print(_("error: the first mail settings need --host and --sender"), file=args.stderr)
                return 2
            security = changes["security"] or (current.security if current else "starttls")
            port = changes["port"] or (current.port if current and not changes["security"] else
                                       mail_settings.DEFAULT_PORTS[security])
            current = mail_settings.save_settings(
                store, system_scope(), host=changes["host"] or current.host, port=port, security=security,
                username=changes["username"] if changes["username"] is not None else current.username if current else "",
                password="" if args.no_password else (args.password or None),
                sender=changes["sender"] or current.sender, by=getpass.getuser())
    except mail_settings.MailError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    if current is None:
        print(_("no mail settings yet: give --host and --sender (and --user, --ask-password)"), file=args.stderr)
        return 0
    print(_("server: {host}:{port} ({security})", host=current.host, port=current.port, security=current.security),
          file=args.stdout)
    print(_("user: {user}; password: {password}", user=current.username or "-",
            password=_("stored (encrypted)") if current.has_password else _("none")), file=args.stdout)
    print(_("sender: {sender}", sender=current.sender), file=args.stdout)
    return 0


def _mail_password(args: argparse.Namespace) -> None:
    """Before the hand-over, on the command line's side: --ask-password asks here (never an argument
    that would sit in the shell's history); $CHARGEBOARD_SMTP_PASSWORD is the unattended way."""
    import os  # noqa: PLC0415

    args.password = None
    if getattr(args, "ask_password", False):
        args.password = os.environ.get("CHARGEBOARD_SMTP_PASSWORD") or getpass.getpass(_("SMTP password: "))


def _mail_test(args: argparse.Namespace, store: Store) -> int:
    """Send a test mail with the stored settings."""
    from chargeboard.mail import settings as mail_settings  # noqa: PLC0415

    try:
        ok, answer = mail_settings.send_test(store, system_scope(), args.to)
    except mail_settings.MailError as error:
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    if not ok:
        print(_("error: the test mail was not sent: {reason}", reason=answer), file=args.stderr)
        return 1
    print(_("test mail sent to {address}: {answer}", address=args.to, answer=answer), file=args.stdout)
    return 0


def _mail_log(args: argparse.Namespace, store: Store) -> int:
    """The send log (one batch, or all), newest first, one message a line, tab-separated."""
    from chargeboard.mail import sender  # noqa: PLC0415

    rows = sender.log_rows(store, system_scope(), args.batch)
    if not rows:
        print(_("no mail sent yet"), file=args.stderr)
    for row in rows:
        print("\t".join([row["last_at"].isoformat(timespec="seconds"), row["batch"], row["recipient"],
                         sender.status_title(row["status"]), str(row["attempts"]), row["detail"]]), file=args.stdout)
    return 0


# What a serving app runs for the command line, and the fields it takes from the request.
# Never --db, --auth, user or demo: the app uses its own store and accounts, and paths are its own.
HANDED_OVER: dict[str, handover.Command] = {
    "ingest": handover.Command(_in_its_language(_ingest), inputs=True, fields={
        "format": ingest.FORMATS, "installation": str, "time_zone": str, "quiet": bool, "lang": LANGUAGES}),
    "report": handover.Command(_in_its_language(_report), writes_out=True, fields={
        "by": REPORT_BY, "date_from": _date, "date_to": _date, "as_user": str, "format": OUT_FORMATS,
        "attribute_by": ATTRIBUTE_BY, "lang": LANGUAGES, "csv_dialect": CSV_DIALECTS}),
    "statement": handover.Command(_in_its_language(_statement), writes_out=True, fields={
        "date_from": _date, "date_to": _date, "as_user": str, "format": STATEMENT_FORMATS,
        "standby_share": (*SHARES, None), "rest_share": (*SHARES, None), "lang": LANGUAGES,
        "csv_dialect": CSV_DIALECTS}),
    "board-pack": handover.Command(_in_its_language(_board_pack), writes_out=True, fields={
        "date_from": _date, "date_to": _date, "as_user": str, "lang": LANGUAGES}),
    "station": handover.Command(_in_its_language(_station), fields={
        "station_command": ("set-serial",), "station": str, "serial": str, "lang": LANGUAGES}),
    "statement-issuer": handover.Command(_in_its_language(_statement_issuer), fields={
        "name": str, "address": str, "lang": LANGUAGES}),
    # The app syncs with its stored connection: no --api-url (a stored password goes only where it
    # was saved for) and no credentials travel through the hand-over.
    "sync": handover.Command(_in_its_language(_sync), fields={
        "provider": SYNC_PROVIDERS, "installation": str, "into": str, "date_from": _date, "lang": LANGUAGES}),
    # `prices import|fetch` (issue 29): two hand-overs by these names (args.handed_over_as), as one takes
    # input files and the other none.
    "prices-import": handover.Command(_in_its_language(_prices_import), inputs=True, fields={
        "area": (*PRICE_AREAS, None), "eur_nok": str, "lang": LANGUAGES}),
    "prices-fetch": handover.Command(_in_its_language(_prices_fetch), fields={
        "area": (*PRICE_AREAS, None), "date_from": _date, "date_to": _date, "api_url": str, "lang": LANGUAGES}),
    # Made inside the app, which owns the store; the archive's bytes come back to the command line.
    "backup": handover.Command(_in_its_language(_backup), writes_out=True, fields={"lang": LANGUAGES}),
    # `tariff set|list|cost-price` (issue 29): handed over by these names (args.handed_over_as).
    "tariff-set": handover.Command(_in_its_language(_tariff_set), inputs=True, fields={"lang": LANGUAGES}),
    "tariff-list": handover.Command(_in_its_language(_tariff_list), fields={"lang": LANGUAGES}),
    "tariff-cost-price": handover.Command(_in_its_language(_tariff_cost_price), fields={
        "installation": str, "month": _month, "meter": str, "amount": str, "kwh": str, "lang": LANGUAGES}),
    # `dwelling ...` (issue 30): the register's changes and lists as one command, its CSV import as another.
    "dwelling": handover.Command(_in_its_language(_dwelling), fields={
        "dwelling_command": _not_import, "installation": str, "number": str, "section": str, "share": str,
        "note": str, "name": str, "email": str, "customer": str, "language": (*DWELLING_LANGUAGES, None),
        "co_name": str, "co_email": str, "owner": str, "kind": (*DWELLING_KINDS, None), "member": str,
        "date_from": str, "date_to": str, "until": str, "lang": LANGUAGES}),
    "dwelling-import": handover.Command(_in_its_language(_dwelling), inputs=True, fields={
        "dwelling_command": DWELLING_IMPORT_ONLY, "lang": LANGUAGES}),
    # `billing export|settings` (issue 30, files): handed over by these names (args.handed_over_as).
    "billing-export": handover.Command(_in_its_language(_billing_export), writes_out=True, fields={
        "run_id": _run_id, "format": BILLING_FORMATS, "lang": LANGUAGES}),
    "billing-settings": handover.Command(_in_its_language(_billing_settings), fields={
        "account": str, "kid_method": (*KID_METHODS, None), "kid_layout": (*KID_LAYOUTS, None), "due_days": str,
        "vat_rate": str, "minimum": str, "payer_rule": (*PAYER_RULES, None), "line_text": str, "lang": LANGUAGES}),
    # `mail settings|test|log` (issues 30 and 31). A new SMTP password travels over the hand-over's socket
    # (this user's own app only), read on the command line's side (--ask-password), never an argument.
    "mail-settings": handover.Command(_in_its_language(_mail_settings), fields={
        "host": str, "port": str, "security": (*MAIL_SECURITY, None), "username": str, "sender": str,
        "password": str, "no_password": bool, "lang": LANGUAGES}),
    "mail-test": handover.Command(_in_its_language(_mail_test), fields={"to": str, "lang": LANGUAGES}),
    "mail-log": handover.Command(_in_its_language(_mail_log), fields={"batch": str, "lang": LANGUAGES}),
    # `billing close|runs|show|reopen` (issue 30): handed over by these names (args.handed_over_as).
    "billing-close": handover.Command(_in_its_language(_billing_close), fields={
        "date_from": _date, "date_to": _date, "payer_rule": (*PAYER_RULES, None), "minimum": str,
        "lang": LANGUAGES}),
    "billing-runs": handover.Command(_in_its_language(_billing_runs), fields={"lang": LANGUAGES}),
    "billing-show": handover.Command(_in_its_language(_billing_show), fields={"run_id": _run_id,
                                                                            "lang": LANGUAGES}),
    "billing-reopen": handover.Command(_in_its_language(_billing_reopen), fields={"run_id": _run_id,
                                                                                "lang": LANGUAGES}),
}


def _add_language(parser: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    parser.add_argument("--lang", choices=LANGUAGES, default=default,
                        help="the language of everything the command writes (default: en)")


def _add_csv_dialect(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv-dialect", choices=CSV_DIALECTS, default="rfc4180",
                        help="rfc4180: machine-readable (',', '.', documented keys); excel-nb: what Norwegian "
                             "Excel opens (';', decimal comma, UTF-8 with BOM); excel-en: English Excel's "
                             "(',', '.', UTF-8 with BOM)")


def _add_billing_files_commands(billing_commands) -> None:
    """`billing export` and `billing settings` (issue 30, the files side)."""
    b = billing_commands.add_parser("export", help="a closed run's file: the business manager's list (manager), "
                                                  "Tripletex's order import (tripletex) or its invoices as PDFs in "
                                                  "a ZIP (invoices: issues them first, once)")
    b.add_argument("--run", dest="run_id", required=True, type=_run_id, metavar="ID",
                   help="the billing run's number")
    b.add_argument("--format", required=True, choices=BILLING_FORMATS)
    b.add_argument("--out", metavar="FILE", help="write the file here (default for CSV: standard output)")
    b.add_argument("--db")
    b.set_defaults(run=_billing_export, uses_store=True, handed_over_as="billing-export")
    b = billing_commands.add_parser("settings", help="show the billing settings, or change those given "
                                                    "(logged): account number, KID, due days, VAT, minimum")
    b.add_argument("--account", metavar="NUMBER", help="the co-op's bank account (11 digits, MOD11-checked)")
    b.add_argument("--kid-method", choices=KID_METHODS)
    b.add_argument("--kid-layout", choices=KID_LAYOUTS,
                   help="invoice: the invoice number; customer_invoice: the owner's customer number, then it")
    b.add_argument("--due-days", metavar="DAYS", help="days from the invoice date to the due date")
    b.add_argument("--vat-rate", metavar="RATE", help="VAT in a flat price: 25 or 0.25")
    b.add_argument("--minimum", metavar="KR", help="smaller amounts are carried over to the next run")
    b.add_argument("--payer-rule", choices=PAYER_RULES)
    b.add_argument("--line-text", metavar="TEXT", help="the business manager's line, e.g. 'Lading {period}'")
    b.add_argument("--db")
    b.set_defaults(run=_billing_settings, uses_store=True, handed_over_as="billing-settings")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chargeboard", description=__doc__.splitlines()[0])
    _add_language(parser, default=i18n.COMMAND_LINE_LANGUAGE)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("ingest", help="load charge-session feeds (or meter readings) into the store")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", help="store file (default: $CHARGEBOARD_DB or data/chargeboard.duckdb)")
    p.add_argument("--format", default="auto", choices=ingest.FORMATS)
    p.add_argument("--installation", help=f"installation the stations belong to (default: {settings.DEFAULT_INSTALLATION!r})")
    p.add_argument("--time-zone", help=f"time zone of a new installation (default {settings.DEFAULT_TIME_ZONE})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_ingest, uses_store=True, inputs="files", shown_as=None)  # shown_as: set by the app

    p = commands.add_parser("report", help="print or save a charge report (same numbers as the app)")
    p.add_argument("--by", required=True, choices=REPORT_BY)
    p.add_argument("--from", dest="date_from", required=True, type=_date, help="first day, YYYY-MM-DD (local)")
    p.add_argument("--to", dest="date_to", required=True, type=_date, help="last day, included, YYYY-MM-DD")
    p.add_argument("--db")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help="the scope of this account (default: everything)")
    p.add_argument("--format", default="csv", choices=OUT_FORMATS)
    p.add_argument("--attribute-by", default="start", choices=ATTRIBUTE_BY)
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    _add_csv_dialect(p)
    p.set_defaults(run=_report, uses_store=True)

    p = commands.add_parser("statement", help="cost statements per resident for a period (same numbers as the app)")
    p.add_argument("--from", dest="date_from", required=True, type=_date, help="first day, YYYY-MM-DD (local)")
    p.add_argument("--to", dest="date_to", required=True, type=_date, help="last day, included, YYYY-MM-DD")
    p.add_argument("--db")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help="the scope of this account (default: everyone)")
    p.add_argument("--format", default="csv", choices=STATEMENT_FORMATS,
                   help="pdf: every statement in one PDF; zip: one PDF per statement")
    p.add_argument("--standby-share", choices=SHARES,
                   help="share the chargers' standby (default: the tariff's rule)")
    p.add_argument("--rest-share", choices=SHARES,
                   help="share the unexplained rest (default: the tariff's rule)")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    _add_csv_dialect(p)
    p.set_defaults(run=_statement, uses_store=True)

    p = commands.add_parser("board-pack", help="the dashboard for a period as a PDF for the board's minutes")
    p.add_argument("--from", dest="date_from", required=True, type=_date, help="first day, YYYY-MM-DD (local)")
    p.add_argument("--to", dest="date_to", required=True, type=_date, help="last day, included, YYYY-MM-DD")
    p.add_argument("--db")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help="the scope of this account (default: everything)")
    p.add_argument("--out", metavar="FILE", required=True)
    p.set_defaults(run=_board_pack, uses_store=True)

    p = commands.add_parser("statement-issuer", help="show or set the co-op name and address printed on statements")
    p.add_argument("--name")
    p.add_argument("--address", help="postal address; separate lines with \\n")
    p.add_argument("--db")
    p.set_defaults(run=_statement_issuer, uses_store=True)

    p = commands.add_parser("station", help="change a station's charger serial (a feed never does; it is logged)")
    p.add_argument("station_command", choices=["set-serial"])
    p.add_argument("station", metavar="STATION", help="the station's id in the feed")
    p.add_argument("serial", metavar="SERIAL", help="the new charger serial")
    p.add_argument("--db")
    p.set_defaults(run=_station, uses_store=True)

    p = commands.add_parser("sync", help="pull new sessions from the Zaptec or Easee cloud into the store")
    p.add_argument("provider", choices=SYNC_PROVIDERS)
    p.add_argument("--api-url", help="the cloud's base URL (default: the real cloud; set for tests and proxies)")
    p.add_argument("--installation", metavar="ID", help="only this cloud installation (Zaptec) or site (Easee)")
    p.add_argument("--into", metavar="INSTALLATION",
                   help="our installation (its id) that this cloud installation feeds from now on; without it, the "
                        "one it is tied to, else the one holding its chargers, else a new one named as in the cloud")
    p.add_argument("--from", dest="date_from", type=_date, help="read from this day (UTC) instead of the usual window")
    p.add_argument("--db")
    p.set_defaults(run=_sync, uses_store=True)

    p = commands.add_parser("prices", help="load spot prices: import price files, or fetch days from the price API")
    prices_commands = p.add_subparsers(dest="prices_command", required=True)
    t = prices_commands.add_parser("import", help="load the price API's JSON day files or ENTSO-E day-ahead XML")
    t.add_argument("files", nargs="*", metavar="FILE",
                   help="the price API's JSON day files (…_NO1.json) or ENTSO-E day-ahead XML")
    t.add_argument("--area", choices=PRICE_AREAS, help="the price area, when the file does not say it")
    t.add_argument("--eur-nok", metavar="RATE", help="ENTSO-E XML: NOK per EUR to convert its EUR/MWh with")
    t.add_argument("--db")
    t.set_defaults(run=_prices_import, uses_store=True, inputs="files", shown_as=None, handed_over_as="prices-import")
    t = prices_commands.add_parser("fetch", help="fetch days from the price API")
    t.add_argument("--area", choices=PRICE_AREAS, help="the price area")
    t.add_argument("--from", dest="date_from", type=_date, help="first day, YYYY-MM-DD")
    t.add_argument("--to", dest="date_to", type=_date, help="last day, included, YYYY-MM-DD")
    t.add_argument("--api-url", help="the price API's base URL (default: https://www.hvakosterstrommen.no)")
    t.add_argument("--db")
    t.set_defaults(run=_prices_fetch, uses_store=True, handed_over_as="prices-fetch")
    for nested in prices_commands.choices.values():
        _add_language(nested)

    p = commands.add_parser("backup", help="a consistent backup of the store, its accounts and keys, "
                                           "also while the app serves (README: Run it for your co-op)")
    p.add_argument("--out", metavar="FILE", required=True, help="the backup file to write (a zip)")
    p.add_argument("--db")
    p.set_defaults(run=_backup, uses_store=True, needs_existing_store=True)

    p = commands.add_parser("restore", help="put a backup's store, accounts and keys in place (checked first)")
    p.add_argument("file", metavar="FILE", help="a backup made by `backup --out FILE`")
    p.add_argument("--db", help="where the store goes (default: $CHARGEBOARD_DB or data/chargeboard.duckdb); "
                                "its accounts file goes beside it as usual")
    p.add_argument("--force", action="store_true",
                   help="replace an existing store (and accounts or keys that differ); never one in use")
    p.set_defaults(run=_restore, uses_store=False)

    p = commands.add_parser("tariff", help="enter tariff versions (a flat price or the bill's formula) and "
                                           "cost-price invoice months; list the versions")
    tariff_commands = p.add_subparsers(dest="tariff_command", required=True)
    t = tariff_commands.add_parser("set", help="append the tariff version a JSON file describes (README: Tariff "
                                              "versions as JSON)")
    t.add_argument("files", nargs=1, metavar="FILE.json")
    t.add_argument("--db")
    t.set_defaults(run=_tariff_set, uses_store=True, inputs="files", shown_as=None, handed_over_as="tariff-set")
    t = tariff_commands.add_parser("list", help="every tariff version, newest first, in words")
    t.add_argument("--db")
    t.set_defaults(run=_tariff_list, uses_store=True, handed_over_as="tariff-list")
    t = tariff_commands.add_parser("cost-price", help="enter one month's electricity and grid invoice for one "
                                                      "meter (tariffs of kind cost_price)")
    t.add_argument("--installation", required=True, metavar="ID", help="the installation's id")
    t.add_argument("--month", required=True, type=_month, metavar="YYYY-MM")
    t.add_argument("--meter", required=True, metavar="METER", help="the meter's id or number as on the invoice")
    t.add_argument("--amount", required=True, metavar="KR", help="the invoiced amount incl. VAT, e.g. 12345.67")
    t.add_argument("--kwh", required=True, metavar="KWH", help="the invoiced kWh, e.g. 5432.1")
    t.add_argument("--db")
    t.set_defaults(run=_tariff_cost_price, uses_store=True, handed_over_as="tariff-cost-price")
    for nested in tariff_commands.choices.values():
        _add_language(nested)

    p = commands.add_parser("dwelling", help="the dwelling register: dwellings, their owners and the users, tags "
                                             "and stations that belong to them (README: The dwelling register)")
    p.add_argument("dwelling_command", choices=DWELLING_COMMANDS)
    p.add_argument("files", nargs="*", metavar="FILE", help="import: the register as CSV")
    p.add_argument("--installation", help="the installation (id or name)")
    p.add_argument("--number", help="the dwelling's number (leilighetsnummer)")
    p.add_argument("--section", help="add/set: the section number (seksjonsnummer)")
    p.add_argument("--share", help="add/set: the share number (andelsnummer)")
    p.add_argument("--note", help="add/set: a note")
    p.add_argument("--name", help="owner/transfer: the (new) owner's name")
    p.add_argument("--email", help="owner/transfer: the owner's e-mail")
    p.add_argument("--customer", help="owner/transfer: the owner's customer number at the business manager")
    p.add_argument("--language", choices=DWELLING_LANGUAGES, help="owner/transfer: the owner's language")
    p.add_argument("--co-name", help="transfer: a second new owner (a couple buying together)")
    p.add_argument("--co-email", help="transfer: the second new owner's e-mail")
    p.add_argument("--owner", metavar="OWNER_ID", help="end-owner: the owner's id (dwelling show lists them)")
    p.add_argument("--kind", choices=DWELLING_KINDS, help="member/end-member: what belongs to the dwelling")
    p.add_argument("--member", metavar="ID", help="member/end-member: the feed's user id, RFID tag or station id")
    p.add_argument("--from", dest="date_from", help="owner/member: first day; transfer: the day of the sale; "
                                                    "unassigned: first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", help="unassigned: last day, included (YYYY-MM-DD)")
    p.add_argument("--until", help="the first day no longer (end-owner, end-member; owner/member: optional)")
    p.add_argument("--db")
    p.set_defaults(run=_dwelling, uses_store=True, inputs="files", shown_as=None)

    p = commands.add_parser("billing", help="bill the dwellings: close a period as a billing run, list, show and "
                                            "reopen runs, and the files for whoever collects the money")
    billing_commands = p.add_subparsers(dest="billing_command", required=True)
    _add_billing_files_commands(billing_commands)
    b = billing_commands.add_parser("close", help="close a period: bill each dwelling's sessions and fees, and "
                                                  "what changed in earlier closed periods (late sessions, "
                                                  "corrections, carried amounts)")
    b.add_argument("--from", dest="date_from", required=True, type=_date, metavar="YYYY-MM-DD")
    b.add_argument("--to", dest="date_to", required=True, type=_date, metavar="YYYY-MM-DD", help="included")
    b.add_argument("--rule", dest="payer_rule", choices=PAYER_RULES, default=None,
                   help="who pays: the owner on the period's last day (owner_at_end) or the owner on each "
                        "session's day (by_ownership); default: the billing settings' rule, else owner_at_end")
    b.add_argument("--minimum", type=_amount, default=None, metavar="KR",
                   help="a dwelling whose total is under this is carried over to the next run; default: the "
                        "billing settings' minimum, else 0")
    b.add_argument("--db")
    b.set_defaults(run=_billing_close, uses_store=True, handed_over_as="billing-close")
    b = billing_commands.add_parser("runs", help="every billing run, newest first")
    b.add_argument("--db")
    b.set_defaults(run=_billing_runs, uses_store=True, handed_over_as="billing-runs")
    b = billing_commands.add_parser("show", help="a run's lines per dwelling and payer, and what it says")
    b.add_argument("--run", dest="run_id", required=True, type=_run_id, metavar="ID")
    b.add_argument("--db")
    b.set_defaults(run=_billing_show, uses_store=True, handed_over_as="billing-show")
    b = billing_commands.add_parser("reopen", help="reopen a closed run: a correction run of the differences "
                                                   "only (system owner, logged)")
    b.add_argument("--run", dest="run_id", required=True, type=_run_id, metavar="ID")
    b.add_argument("--db")
    b.set_defaults(run=_billing_reopen, uses_store=True, handed_over_as="billing-reopen")
    for nested in billing_commands.choices.values():
        _add_language(nested)

    p = commands.add_parser("mail", help="outgoing e-mail: the SMTP settings, a test mail, the send log")
    mail_commands = p.add_subparsers(dest="mail_command", required=True)
    m = mail_commands.add_parser("settings", help="show the SMTP settings; with options, change them")
    m.add_argument("--host", help="the SMTP server, e.g. smtp.example.no")
    m.add_argument("--port", type=_port, help="default: 587 for starttls, 465 for tls, 25 for none")
    m.add_argument("--security", choices=MAIL_SECURITY, help="starttls (default), tls, or none")
    m.add_argument("--user", dest="username", help="the SMTP login's user name ('' for none)")
    m.add_argument("--ask-password", action="store_true",
                   help="ask for the SMTP password (or take $CHARGEBOARD_SMTP_PASSWORD); stored encrypted")
    m.add_argument("--no-password", action="store_true", help="remove the stored password")
    m.add_argument("--sender", help="the From address, e.g. 'Borettslaget <styret@example.no>'")
    m.add_argument("--db")
    m.set_defaults(run=_mail_settings, uses_store=True, handed_over_as="mail-settings", prepare=_mail_password)
    m = mail_commands.add_parser("test", help="send a test mail with the stored settings")
    m.add_argument("--to", required=True, metavar="ADDRESS")
    m.add_argument("--db")
    m.set_defaults(run=_mail_test, uses_store=True, handed_over_as="mail-test")
    m = mail_commands.add_parser("log", help="the send log: recipient, status, the server's answer, attempts")
    m.add_argument("--batch", help="one batch, e.g. 'run 7' (default: all)")
    m.add_argument("--db")
    m.set_defaults(run=_mail_log, uses_store=True, handed_over_as="mail-log")
    for nested in mail_commands.choices.values():
        _add_language(nested)

    p = commands.add_parser("user", help="manage login accounts (the accounts file next to the store)")
    p.add_argument("user_command", choices=["add", "passwd", "remove", "role", "list", "unlock"],
                   help="unlock takes a lock's key as the Accounts page shows it (user:NAME)")
    p.add_argument("username", nargs="?")
    p.add_argument("new_role", nargs="?", choices=ROLES, help="for 'user role USERNAME ROLE'")
    p.add_argument("--role", choices=ROLES, default="resident")
    p.add_argument("--name")
    p.add_argument("--email", help="the e-mail the charger cloud knows the resident by")
    p.add_argument("--station", action="append", help="a charger owner's station (id or serial); repeatable")
    p.add_argument("--password", help="(avoid on shared machines: asked for when left out)")
    p.add_argument("--installation", action="append",
                   help="an installation (id or name) the account belongs to; repeatable")
    p.add_argument("--db", help="the store whose accounts these are (default: $CHARGEBOARD_DB)")
    p.add_argument("--auth", help="accounts file (default: $CHARGEBOARD_AUTH, else next to the store)")
    p.set_defaults(run=_user, uses_store=False)

    for command in commands.choices.values():  # --lang also after the command's name
        _add_language(command)
    return parser


def main(argv: list[str] | None = None, *, stdout=None, stderr=None) -> int:
    """Run one command; every operator error is one line on stderr and a non-zero exit."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.stdout, args.stderr = stdout or sys.stdout, stderr or sys.stderr
    db = Path(args.db) if getattr(args, "db", None) else settings.db_path()
    with i18n.language(args.lang):
        try:
            return _dispatch(args, db)
        except (StoreError, handover.SpoolRefused, handover.HandoverError) as error:
            print(_("error: {reason}", reason=error), file=args.stderr)
        except OSError as error:
            where = error.filename or db
            print(_("error: {file}: {reason}", file=where, reason=error.strerror or error), file=args.stderr)
        except Exception:  # noqa: BLE001 — never a traceback: one line with an id, the details in the log
            error_id = errorlog.record(db, f"python -m chargeboard {args.command}")
            if error_id.endswith(errorlog.NOT_LOGGED):
                print(_("error: an unexpected error (id {id}); its details could not be written to {file}",
                        id=error_id.removesuffix(errorlog.NOT_LOGGED), file=errorlog.log_path(db)), file=args.stderr)
            else:
                print(_("error: an unexpected error (id {id}); details in {file}", id=error_id,
                        file=errorlog.log_path(db)), file=args.stderr)
            return 1
        return 2


def _hand_over(args: argparse.Namespace, command: handover.Command, db: Path, quiet: bool = False) -> int | None:
    """The command run by the app serving db; None when no app of this user listens."""
    folder = settings.inbox_dir(db)
    try:
        return handover.hand_over(folder, handover.request_for(handover_name(args), command, args), args.stdout,
                                  args.stderr)
    except handover.SpoolRefused as error:  # no app of ours serves from there: never talk to it
        if not quiet:
            print(_("note: not handing the command over: {reason}", reason=error), file=args.stderr)
        return None


def _dispatch(args: argparse.Namespace, db: Path) -> int:
    if not args.uses_store:
        return args.run(args)
    for path in getattr(args, args.inputs, []) if getattr(args, "inputs", None) else []:
        if not Path(path).is_file():  # checked before anything is loaded: a typo loads nothing
            print(_("error: {file}: no such file", file=path), file=args.stderr)
            return 2
    if (prepare := getattr(args, "prepare", None)) is not None:  # what only the command line can do (ask)
        prepare(args)
    command = HANDED_OVER.get(handover_name(args))
    if command is not None and (code := _hand_over(args, command, db)) is not None:
        return code
    if getattr(args, "needs_existing_store", False) and not db.exists():
        print(_("error: {file}: no such store", file=db), file=args.stderr)
        return 2
    try:
        own = open_store(db, wait_seconds=30)
    except StoreLocked as error:
        # An app may have started meanwhile.
        if command is not None and (code := _hand_over(args, command, db, quiet=True)) is not None:
            return code
        print(_("error: {reason}", reason=error), file=args.stderr)
        return 2
    try:
        return args.run(args, own)
    finally:
        own.close()

"""The command line: python -m chargeboard <command>. Same code paths as the app.

Commands that use the store open it themselves when no app is serving it. While the app
serves, DuckDB lets only the app's process open the file, so the command is handed to
the app (chargeboard.inbox) and runs there, in the app's process, with the same code.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from pathlib import Path

from chargeboard import accounts, inbox, ingest, settings
from chargeboard.scope import ROLES, system_scope
from chargeboard.store import Store, StoreLocked, open_store


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
            print(f"error: {error}", file=args.stderr)
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
            raise accounts.AccountError(f"'user {args.user_command}' needs a USERNAME")
        if args.user_command == "remove":
            accounts.remove_user(args.username, path)
            print(f"removed {args.username} from {path}; their logins have ended")
        elif args.user_command == "role":
            if not args.new_role:
                raise accounts.AccountError(f"'user role' needs the role: one of {', '.join(ROLES)}")
            accounts.set_role(args.username, args.new_role, path)
            print(f"{args.username} is now {args.new_role}; their logins have ended")
        elif args.user_command == "unlock":
            accounts.lift_lock(args.username, path)
            print(f"lifted the login lock {args.username}")
        else:
            password = args.password or getpass.getpass(f"Password for {args.username}: ")
            if args.user_command == "add":
                accounts.add_user(args.username, name=args.name or args.username, email=args.email or "",
                                  role=args.role, password=password, stations=args.station,
                                  installations=args.installation, path=path)
                print(f"added {args.username} ({args.role}) to {path}")
            else:
                accounts.set_password(args.username, password, path=path)
                print(f"changed the password of {args.username} in {path}; their other logins have ended")
    except accounts.AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _demo(args: argparse.Namespace) -> int:
    from chargeboard import demo  # noqa: PLC0415 — only this command needs the generator

    db = Path(args.db) if args.db else settings.db_path()
    if db.exists() and not args.force:
        print(f"{db} exists; nothing to do (use --force to rebuild it)")
        return 0
    if db.exists():
        db.unlink()
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
    files = demo.generate_demo(Path(args.out))
    store = open_store(db)
    try:
        for installation, path in files.feeds.items():
            print("\n".join(ingest.ingest_file(store, path, installation=installation).lines()))
        try:
            from chargeboard import meters  # noqa: PLC0415 — the demo's meters.csv has no installation column
            for installation, meter_id in demo.METER_IDS.items():
                meters.register_meter(store, meter_id, installation)
            print("\n".join(ingest.ingest_file(store, files.meters).lines()))
        except ingest.IngestError as error:
            print(f"meter readings not loaded: {error}")
        # A demo tariff, so statements and My usage show money: a day price, a cheaper
        # night (22–06) and a monthly fee, from the first day of the history.
        from chargeboard import tariffs  # noqa: PLC0415
        first_day = demo.history_window(demo.default_end())[0].replace(day=1)
        tariffs.add_version(store, "demo", first_day, "1.45", bands=[{"from_hour": 22, "to_hour": 6, "price": "0.95"}],
                            monthly_fee="49", note="Demo tariff")
        print(f"demo tariff: 1.45 NOK/kWh, 0.95 at night (22–06), 49 NOK a month, from {first_day}")
    finally:
        store.close()
    from chargeboard.demo_accounts import write_demo_accounts  # noqa: PLC0415
    auth = settings.auth_path(db)
    if write_demo_accounts(auth):
        print(f"demo accounts (public passwords): {auth}")
    else:
        print(f"{auth} holds accounts that are not the demo's: left as they are", file=sys.stderr)
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def scope_of(args: argparse.Namespace, store: Store):
    """The --as account's scope, or the system owner's when none is given."""
    if not getattr(args, "as_user", None):
        return system_scope()
    return accounts.scope_for(accounts.find_account(args.as_user), store)


def _report(args: argparse.Namespace, store: Store) -> int:
    from chargeboard import exports, reports  # noqa: PLC0415
    from chargeboard.history import SessionFilter  # noqa: PLC0415

    if args.date_to < args.date_from:
        print(f"error: --to {args.date_to} is before --from {args.date_from}", file=args.stderr)
        return 2
    try:
        scope = scope_of(args, store)
    except accounts.AccountError as error:
        print(f"error: {error}", file=args.stderr)
        return 2
    request = reports.ReportRequest(SessionFilter(args.date_from, args.date_to), by=args.by,
                                    attribute_by=args.attribute_by)
    report = reports.build_report(store, scope, request)
    if args.format == "xlsx":
        if not args.out:
            print("error: --format xlsx needs --out FILE", file=args.stderr)
            return 2
        Path(args.out).write_bytes(exports.report_workbook(store, scope, report).data)
        print(f"wrote {args.out}: {len(report.rows)} rows, {report.totals.energy_kwh:.3f} kWh", file=args.stderr)
    elif args.out:
        Path(args.out).write_text(exports.report_csv(report), encoding="utf-8")
    else:
        args.stdout.write(exports.report_csv(report))
    return 0


def _statement(args: argparse.Namespace, store: Store) -> int:
    from chargeboard import statements  # noqa: PLC0415

    try:
        scope = scope_of(args, store)
        request = statements.StatementRequest(args.date_from, args.date_to, standby_share=args.standby_share,
                                              rest_share=args.rest_share)
        result = statements.build_statements(store, scope, request)
    except (accounts.AccountError, statements.StatementError, ValueError) as error:
        print(f"error: {error}", file=args.stderr)
        return 2
    for note in result.notes:
        print(f"note: {note}", file=args.stderr)
    if args.format == "xlsx":
        if not args.out:
            print("error: --format xlsx needs --out FILE", file=args.stderr)
            return 2
        data, _ = statements.workbook(store, scope, result)
        Path(args.out).write_bytes(data)
        print(f"wrote {args.out}: {len(result.lines)} statements", file=args.stderr)
        return 0
    text, _ = statements.csv_text(store, scope, result)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        args.stdout.write(text)
    return 0

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chargeboard", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("ingest", help="load charge-session feeds (or meter readings) into the store")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", help="store file (default: $CHARGEBOARD_DB or data/chargeboard.duckdb)")
    p.add_argument("--format", default="auto", choices=ingest.FORMATS)
    p.add_argument("--installation", help=f"installation the stations belong to (default: {settings.DEFAULT_INSTALLATION!r})")
    p.add_argument("--time-zone", help=f"time zone of a new installation (default {settings.DEFAULT_TIME_ZONE})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--shown-as", action="append", help=argparse.SUPPRESS)  # set when handed to the app
    p.set_defaults(run=_ingest, uses_store=True, inputs="files")

    p = commands.add_parser("report", help="print or save a charge report (same numbers as the app)")
    p.add_argument("--by", required=True, choices=["station", "user", "rfid"])
    p.add_argument("--from", dest="date_from", required=True, type=_date, help="first day, YYYY-MM-DD (local)")
    p.add_argument("--to", dest="date_to", required=True, type=_date, help="last day, included, YYYY-MM-DD")
    p.add_argument("--db")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help="the scope of this account (default: everything)")
    p.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    p.add_argument("--attribute-by", default="start", choices=["start", "registered"])
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(run=_report, uses_store=True)

    p = commands.add_parser("statement", help="cost statements per resident for a period (same numbers as the app)")
    p.add_argument("--from", dest="date_from", required=True, type=_date, help="first day, YYYY-MM-DD (local)")
    p.add_argument("--to", dest="date_to", required=True, type=_date, help="last day, included, YYYY-MM-DD")
    p.add_argument("--db")
    p.add_argument("--as", dest="as_user", metavar="USERNAME", help="the scope of this account (default: everyone)")
    p.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    p.add_argument("--standby-share", choices=["off", "equal", "kwh"],
                   help="share the chargers' standby (default: the tariff's rule)")
    p.add_argument("--rest-share", choices=["off", "equal", "kwh"],
                   help="share the unexplained rest (default: the tariff's rule)")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(run=_statement, uses_store=True)

    p = commands.add_parser("user", help="manage login accounts (the accounts file next to the store)")
    p.add_argument("user_command", choices=["add", "passwd", "remove", "role", "list", "unlock"],
                   help="unlock takes a lock's key as the Accounts page shows it (user:NAME or client:ADDRESS)")
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

    p = commands.add_parser("demo", help="generate the demo co-op's feeds and build a store from them")
    p.add_argument("--db")
    p.add_argument("--out", default=str(settings.PROJECT_ROOT / "data" / "demo"))
    p.add_argument("--force", action="store_true", help="rebuild the store even if it exists")
    p.set_defaults(run=_demo, uses_store=False)
    return parser


def main(argv: list[str] | None = None, *, store: Store | None = None, stdout=None, stderr=None) -> int:
    """Run one command. `store` is given when the app runs a command handed to it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.stdout, args.stderr = stdout or sys.stdout, stderr or sys.stderr
    if not args.uses_store:
        return args.run(args)
    if store is not None:
        return args.run(args, store)
    for path in getattr(args, args.inputs, []) if getattr(args, "inputs", None) else []:
        if not Path(path).is_file():  # checked before anything is loaded: a typo loads nothing
            print(f"error: {path}: no such file", file=args.stderr)
            return 2
    db = Path(args.db) if args.db else settings.db_path()
    folder = settings.inbox_dir(db)
    if not inbox.app_is_serving(folder):
        try:
            own = open_store(db, wait_seconds=30)
        except StoreLocked as error:
            if not inbox.app_is_serving(folder):
                print(f"error: {error}", file=args.stderr)
                return 2
        else:
            try:
                return args.run(args, own)
            finally:
                own.close()
    print(f"the app is serving {db}: running this command in the app's process", file=args.stderr)
    return inbox.delegate(folder, argv, args)

"""The command line: python -m chargeboard <command>. Same code paths as the app."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from chargeboard import accounts, inbox, ingest, settings
from chargeboard.scope import ROLES
from chargeboard.store import StoreLocked, open_store


def _ingest(args: argparse.Namespace) -> int:
    db = Path(args.db) if args.db else settings.db_path()
    for path in args.files:  # checked before anything is loaded: a typo loads nothing
        if not Path(path).is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
    folder = settings.inbox_dir(db)
    store = None
    if not inbox.app_is_serving(folder):
        try:
            store = open_store(db, wait_seconds=30)
        except StoreLocked as error:
            if not inbox.app_is_serving(folder):
                print(f"error: {error}", file=sys.stderr)
                return 2
    failures = 0
    for path in args.files:
        try:
            if store is not None:
                summary = ingest.ingest_file(store, path, fmt=args.format, installation=args.installation,
                                             time_zone=args.time_zone, show_progress=None if not args.quiet else False)
                lines = summary.lines()
            else:
                print(f"{path}: the app is serving {db}; handing the file to it", file=sys.stderr)
                result = inbox.submit(folder, Path(path), fmt=args.format,
                                      installation=args.installation, time_zone=args.time_zone)
                if not result["ok"]:
                    raise ingest.IngestError(result["error"])
                lines = result["lines"]
            print("\n".join(lines))
        except ingest.IngestError as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
    if store is not None:
        store.close()
    return 1 if failures else 0


def _user(args: argparse.Namespace) -> int:
    path = Path(args.auth) if args.auth else settings.auth_path()
    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    try:
        if args.user_command == "add":
            accounts.add_user(args.username, name=args.name or args.username, email=args.email or "",
                              role=args.role, password=password, stations=args.station, path=path)
            print(f"added {args.username} ({args.role}) to {path}")
        else:
            accounts.set_password(args.username, password, path=path)
            print(f"changed the password of {args.username} in {path}")
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
            summary = ingest.ingest_file(store, path, installation=installation)
            print("\n".join(summary.lines()))
        try:
            print("\n".join(ingest.ingest_file(store, files.meters).lines()))
        except ingest.IngestError as error:
            print(f"meter readings not loaded: {error}")
    finally:
        store.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chargeboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("ingest", help="load charge-session feeds (or meter readings) into the store")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", help="store file (default: $CHARGEBOARD_DB or data/chargeboard.duckdb)")
    p.add_argument("--format", default="auto", choices=ingest.FORMATS)
    p.add_argument("--installation", help=f"installation the stations belong to (default: {settings.DEFAULT_INSTALLATION!r})")
    p.add_argument("--time-zone", help=f"time zone of a new installation (default {settings.DEFAULT_TIME_ZONE})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_ingest)

    p = commands.add_parser("user", help="manage login accounts in auth.yaml")
    p.add_argument("user_command", choices=["add", "passwd"])
    p.add_argument("username")
    p.add_argument("--role", choices=ROLES, default="resident")
    p.add_argument("--name")
    p.add_argument("--email", help="the e-mail the charger cloud knows the resident by")
    p.add_argument("--station", action="append", help="a charger owner's station (id or serial); repeatable")
    p.add_argument("--password", help="(avoid on shared machines: asked for when left out)")
    p.add_argument("--auth", help="accounts file (default: $CHARGEBOARD_AUTH or auth.yaml)")
    p.set_defaults(run=_user)

    p = commands.add_parser("demo", help="generate the demo co-op's feeds and build a store from them")
    p.add_argument("--db")
    p.add_argument("--out", default=str(settings.PROJECT_ROOT / "data" / "demo"))
    p.add_argument("--force", action="store_true", help="rebuild the store even if it exists")
    p.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)

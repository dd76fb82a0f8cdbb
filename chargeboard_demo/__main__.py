"""Build the demo store: `python -m chargeboard_demo --db data/chargeboard.duckdb [--force]`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from chargeboard import ingest, meters, settings, tariffs
from chargeboard.pricing import spot
from chargeboard.store import StoreLocked, open_store
from chargeboard_demo import billing, generator
from chargeboard_demo.accounts import write_demo_accounts
from chargeboard_demo.tariff import DEMO_FORMULA, MONTHLY_FEE

FLAT_PRICE, NIGHT_PRICE = "1.45", "0.95"


def add_flat_tariff(store, first_day: dt.date) -> None:
    """The demo's tariff before issue 29, so statements and My usage show money: a day price, a cheaper
    night (22–06) and a monthly fee, from the first day of the history."""
    tariffs.add_version(store, "demo", first_day, FLAT_PRICE, bands=[{"from_hour": 22, "to_hour": 6, "price": NIGHT_PRICE}],
                        monthly_fee=MONTHLY_FEE, note="Demo tariff")
    print(f"demo tariff: {FLAT_PRICE} NOK/kWh, {NIGHT_PRICE} at night (22–06), {MONTHLY_FEE} NOK a month, from {first_day}")


def add_demo_tariffs(store, first_day: dt.date, end: dt.date | None = None) -> None:
    """Issue 29: the flat demo tariff from `first_day`, then the formula tariff (chargeboard_demo/tariff.py:
    NO1 spot, grid, taxes, strømstøtte, capacity) from the first day of the history's last twelve months."""
    formula_from = generator.last_twelve_months(end or generator.default_end())
    add_flat_tariff(store, first_day)
    tariffs.add_version(store, "demo", formula_from, "0", formula=DEMO_FORMULA, monthly_fee=MONTHLY_FEE,
                        note="Demo tariff: the bill's formula (example figures)")
    print(f"from {formula_from} the formula: NO1 spot + markup, grid day/night/winter, consumption tax, "
          f"Enova fee, VAT, strømstøtte, capacity steps (top 3 days)")


def load_prices_and_intervals(store, files: generator.DemoFiles) -> None:
    """Issue 29: the generated NO1 spot price day files and Garage A's hourly meter readings, through the
    ordinary imports (the meter is registered before)."""
    outcomes = spot.import_files(store, list(files.prices), area="NO1", imported_by="demo")
    failed = [str(o) for o in outcomes if isinstance(o, spot.PriceFileError)]
    loaded = [o for o in outcomes if not isinstance(o, spot.PriceFileError)]
    print(f"spot prices NO1: {len(loaded)} day files loaded, {sum(o.new for o in loaded)} intervals"
          + (f"; not loaded: {'; '.join(failed)}" if failed else ""))
    print("\n".join(ingest.ingest_file(store, files.meter_intervals).lines()))


def build(db: Path, out: Path, force: bool) -> int:
    if db.exists() and not force:
        print(f"{db} exists; nothing to do (use --force to rebuild it)")
        return 0
    if db.exists():
        try:  # an app serving it (or a command loading into it) holds its lock: checked before anything is removed
            open_store(db).close()
        except StoreLocked:
            print(f"error: {db} is in use by a running app or command; stop it before rebuilding the demo store "
                  f"(nothing was removed)", file=sys.stderr)
            return 2
        db.unlink()
        db.with_name(db.name + ".wal").unlink(missing_ok=True)
    end = generator.default_end()
    files = generator.generate_demo(out, end)
    store = open_store(db)
    try:
        for installation, path in files.feeds.items():
            print("\n".join(ingest.ingest_file(store, path, installation=installation).lines()))
        try:  # the demo's meters.csv has no installation column: register each meter first
            for installation, meter_id in generator.METER_IDS.items():
                meters.register_meter(store, meter_id, installation)
            print("\n".join(ingest.ingest_file(store, files.meters).lines()))
        except ingest.IngestError as error:
            print(f"meter readings not loaded: {error}")
        first_day = generator.history_window(end)[0].replace(day=1)
        load_prices_and_intervals(store, files)
        add_demo_tariffs(store, first_day, end)
        billing.add_billing(store, out, end)  # issue 30: the dwelling register and a closed billing run
    finally:
        store.close()
    auth = settings.auth_path(db)
    if write_demo_accounts(auth):
        print(f"demo accounts (public passwords): {auth}")
    else:
        print(f"{auth} holds accounts that are not the demo's: left as they are", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chargeboard_demo",
                                     description="Generate the demo co-op's feeds and build a store from them.")
    parser.add_argument("--db", help="store file (default: $CHARGEBOARD_DB or data/chargeboard.duckdb)")
    parser.add_argument("--out", default=str(settings.PROJECT_ROOT / "data" / "demo"), help="where the feeds go")
    parser.add_argument("--force", action="store_true", help="rebuild the store even if it exists")
    args = parser.parse_args(argv)
    return build(Path(args.db) if args.db else settings.db_path(), Path(args.out), args.force)


if __name__ == "__main__":
    raise SystemExit(main())

"""The demo co-op bills dwellings (issue 30): its register (register.py) imported through the ordinary CSV
import, its billing settings, and one closed billing run, so the board sees a closed month and can close
the next one itself.

* Billing settings: the co-op's account ACCOUNT_NUMBER (a made-up Norwegian account number whose 11th
  digit is the MOD11 check of the first ten), KID MOD10 (invoice number + Luhn check), a minimum of
  MINIMUM_AMOUNT kr (smaller amounts are carried over to the next run), the owner at the period's end pays.
* One closed run: the month before the last full month (register.billed_month). The last full month,
  in which a flat is sold, stays open for the board to close in the demo.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from chargeboard import formats, statements
from chargeboard.billing import billing_settings, dwellings, model, runs
from chargeboard.scope import system_scope
from chargeboard.store import Store
from chargeboard_demo import register
from chargeboard_demo.generator import CO_OP_NAME

BY = "(demo)"
ISSUER_ADDRESS = "Solbakkveien 1\n0000 Oslo"  # (a made-up address)
ACCOUNT_NUMBER = "1506.12.34567"
KID_METHOD = "mod10"
MINIMUM_AMOUNT = Decimal("100")
PAYER_RULE = "owner_at_end"


def import_register(store: Store, out_dir: Path, end: dt.date) -> dwellings.ImportResult:
    """Write the demo's dwelling register (dwellings.csv in `out_dir`) and import it."""
    path = register.write_register(out_dir, end)
    result = dwellings.import_csv(store, BY, path)
    print(result.line())
    return result


def save_settings(store: Store) -> billing_settings.BillingSettings:
    # the co-op's name and address on statements and invoices (the first-run checklist's "co-op details")
    statements.set_issuer(store, system_scope(), CO_OP_NAME, ISSUER_ADDRESS, updated_by=BY)
    settings = billing_settings.save(store, system_scope(), by=BY, account_number=ACCOUNT_NUMBER,
                                     kid_method=KID_METHOD, minimum_amount=MINIMUM_AMOUNT, payer_rule=PAYER_RULE)
    print(f"billing settings: account {ACCOUNT_NUMBER}, KID {KID_METHOD}, minimum {MINIMUM_AMOUNT} kr, "
          f"payer {PAYER_RULE}")
    return settings


def close_demo_run(store: Store, end: dt.date) -> int:
    """Close the month before the last full month, as the board would; the run's number."""
    first, last = register.billed_month(end)
    settings = billing_settings.read(store)
    run_id = runs.close(store, system_scope(), first, last, payer_rule=settings.payer_rule,
                        minimum_amount=settings.minimum_amount, by=BY)
    run = model.load(store, run_id)
    said = runs.summary(store, system_scope(), run_id)
    print(f"billing run {run_id} closed: {formats.period(first, last)}, {len(run.lines)} lines, "
          f"{formats.decimal(run.total, 2)} {run.currency}; {len(said['carried_over'])} dwellings carried over "
          f"(under {MINIMUM_AMOUNT} kr); {said['no_dwelling']['sessions']} sessions of no dwelling; "
          f"{formats.period(*register.last_full_month(end))} left open")
    return run_id


def add_billing(store: Store, out_dir: Path, end: dt.date) -> int:
    """The register, the settings and the closed run; the run's number."""
    import_register(store, out_dir, end)
    save_settings(store)
    return close_demo_run(store, end)

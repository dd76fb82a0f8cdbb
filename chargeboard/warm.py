"""What people see first after a login, computed in the background as soon as new data lands
(issue 12: many users at once).

Every committed write changes the store's data version, and with it every kept page result
(chargeboard.memo). The first logins after a feed lands used to compute the landing pages' shared
results afresh, several of them at once on 2 cores: a login that takes 0.4 s alone took 1.6–2.9 s
(BENCHMARKS.md, the load test). This module computes them once, right after the write, in one
background thread, under the very keys the pages ask for:

- the statements' pricing of this month and of this year (My usage's costs) and of the Statements
  page's default period: a statement prices every resident's lines whoever asks
  (statements.build_statements), so one pricing serves every reader of a language; in each
  language an account reads;
- each system owner's board dashboard as it opens (its default period), with its charts.

A login that comes while it runs waits for that one computation (memo: one computation per kept
result) instead of starting its own. Residents' own figures are per person (cheap, and there are
many of them), so they are left to their own login. Only the app starts it (web.py), as it is the
only user of the memo.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from pathlib import Path

from chargeboard import accounts, i18n, memo, periods, settings, tariffs
from chargeboard.scope import SYSTEM_OWNER, system_scope
from chargeboard.store import Store

log = logging.getLogger(__name__)

# An ingest may commit more than once in a row (a sync: its sessions, then its run's end): wait this
# long after the last write before computing, so one burst is computed once. Short: a login that
# comes meanwhile computes its own landing page.
SETTLE_SECONDS = 0.2


def landing_results(store: Store, accounts_path: Path | None, today: date | None = None) -> None:
    """Compute (and, with the memo on, keep) the shared results the landing pages read first."""
    # Imported here, in the background thread: web.py imports this module before the login form is
    # drawn, and plotly and reportlab take a second to import (web._warm_up loads them meanwhile).
    from chargeboard import dashboard, statements  # noqa: PLC0415
    today = today or periods.local_today()
    try:
        people = accounts.list_accounts(accounts_path)
    except accounts.AccountsFileError as error:  # the login page says so to whoever comes; no traceback here
        if Path(accounts_path or settings.auth_path()).exists():  # (none yet: a first start, nothing to say)
            log.warning("the landing pages are not computed ahead: %s", error)
        return
    languages = sorted({a.language for a in people} or {i18n.DEFAULT_LANGUAGE})
    priced = tariffs.has_tariff(store)  # no tariff: nothing to price (My usage shows no costs, Statements say why)

    def price(*requests: statements.StatementRequest) -> None:
        for language in languages if priced else ():
            with i18n.language(language):
                for request in requests:
                    statements.build_statements(store, system_scope(), request)

    # Landing pages first, most readers first: My usage's costs of this month and this year
    # (residents and charger owners), the system owners' dashboards; then the Statements page.
    price(*statements.own_cost_requests(today))
    for account in people:
        if account.role == SYSTEM_OWNER:
            with i18n.language(account.language):
                dashboard.landing_figures(store, accounts.scope_for(account, store), today)
    price(statements.StatementRequest(*periods.preset_range(statements.DEFAULT_PERIOD, today)))


class Warmer:
    """One daemon thread per store: woken by every change of data, it lets a burst of writes
    settle, then computes the landing results of the new data version."""

    def __init__(self, store: Store, accounts_path: Path | None, settle: float = SETTLE_SECONDS):
        self.store, self.accounts_path, self.settle = store, accounts_path, settle
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._finished = threading.Condition()
        self.rounds = 0  # landing results computed so far (the tests wait on it)
        self.thread = threading.Thread(target=self._run, name="chargeboard-warm", daemon=True)

    def start(self) -> Warmer:
        # Not at start: the first login computes its own landing page, as a login alone does anyway,
        # and a server started only to be tested (make test starts hundreds) computes nothing extra.
        self.store.on_data_change(self._wake.set)
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self.thread.join(timeout)

    def wait_for_round(self, after: int, timeout: float) -> bool:
        """Wait until more than `after` rounds have finished; False on timeout."""
        with self._finished:
            return self._finished.wait_for(lambda: self.rounds > after, timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            while self._wake.is_set():  # until no write came for `settle` seconds
                self._wake.clear()
                if self._stop.wait(self.settle):
                    return
            if self._stop.is_set() or self.store.closed:
                return
            began = time.perf_counter()
            try:
                landing_results(self.store, self.accounts_path)
            except Exception:  # noqa: BLE001 — a page computes what this could not; the thread lives on
                log.exception("computing the landing pages' results in the background failed")
            else:
                log.info("landing results of data version %s computed in %.2f s",
                         self.store.data_version(), time.perf_counter() - began)
            with self._finished:
                self.rounds += 1
                self._finished.notify_all()


_warmers: dict[Store, Warmer] = {}
_warmers_guard = threading.Lock()


def start(store: Store, accounts_path: Path | None) -> Warmer:
    """The store's warmer, started once (only while the memo keeps results: otherwise nothing is kept)."""
    if not memo.enabled():
        raise RuntimeError("the landing results are only worth computing ahead while the memo keeps them")
    with _warmers_guard:
        warmer = _warmers.get(store)
        if warmer is None or not warmer.thread.is_alive():
            warmer = _warmers[store] = Warmer(store, accounts_path).start()
        return warmer


def stop(store: Store) -> None:
    with _warmers_guard:
        warmer = _warmers.pop(store, None)
    if warmer is not None:
        warmer.stop()

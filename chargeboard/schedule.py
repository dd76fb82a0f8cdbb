"""Work the app does on its own, on a schedule: one background thread per open store and job (the
charger-cloud sync, the daily spot-price fetch). Every tick it calls the job once; it ends when the
store is closed or the job is stopped, and stop() waits for a running call, so a store is closed with
no query still running on it. A failing call is logged and the schedule goes on.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable

from chargeboard.store import Store

log = logging.getLogger(__name__)


class Schedule:
    def __init__(self, name: str, tick_variable: str, default_tick_seconds: float,
                 run: Callable[[Store, Callable[[], bool]], object]):
        """`run(store, stopped)` is one tick's work; `stopped()` says whether to leave it early. The tick
        is the environment's `tick_variable` (seconds, for tests), else the default."""
        self.name, self.tick_variable, self.default_tick, self.run = name, tick_variable, default_tick_seconds, run
        self._threads: weakref.WeakKeyDictionary[Store, tuple[threading.Thread, threading.Event]] = \
            weakref.WeakKeyDictionary()
        self._guard = threading.Lock()

    def start(self, store: Store, tick_seconds: float | None = None) -> None:
        """Start the store's thread, unless it runs already."""
        tick = tick_seconds or float(os.environ.get(self.tick_variable, self.default_tick))
        with self._guard:
            if store in self._threads and self._threads[store][0].is_alive():
                return
            stop = threading.Event()

            def stopped() -> bool:
                return store.closed or stop.is_set()

            def loop() -> None:
                while not stopped():
                    try:
                        self.run(store, stopped)
                    except Exception:  # noqa: BLE001 — the schedule outlives one bad run
                        log.exception("%s: a scheduled run failed", self.name)
                    stop.wait(tick)

            thread = threading.Thread(target=loop, name=self.name, daemon=True)
            self._threads[store] = (thread, stop)
            thread.start()

    def stop(self, store: Store, timeout: float = 30.0) -> None:
        """Stop the store's thread and wait for a running call to finish."""
        with self._guard:
            thread, stop = self._threads.pop(store, (None, None))
        if thread is not None:
            stop.set()
            thread.join(timeout)

"""Results kept between page runs, per scope and data version (issue 12: time to first content).

A page reruns its whole script on every click; most of what it asks the store does not change
between two clicks. `per_data_version` keeps a function's result under a key made of every
argument (the Scope among them: a frozen dataclass with the user, role, user and station ids), the
reader's language (results may hold translated text), the store's data version (every committed write changes it) and the current UTC hour (so "today" and
"this month" move on). A result is therefore only ever served to the same scope, for the same data:
the caches are shared by every user of the process (stack-facts trap 2), so the scope must be an
argument — `per_data_version` refuses a call without one.

Only the app turns the memo on (web.py); the command line, the tests and the benchmarks call the
functions as they are, unless they enable it themselves. Results are shared: callers treat them as
read-only (DataFrames are copied by pandas operations such as `assign`, never changed in place).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from chargeboard import i18n
from chargeboard.scope import Scope
from chargeboard.store import Store

F = TypeVar("F", bound=Callable[..., Any])

_enabled = False
_lock = threading.Lock()
_caches: list[OrderedDict] = []
# The results being computed now, each with its thread and an event set when it is kept (or failed).
_running: dict[tuple, tuple[int, threading.Event]] = {}


def enable(on: bool = True) -> None:
    global _enabled  # noqa: PLW0603 — one switch for the process
    _enabled = on
    if not on:
        clear()


def enabled() -> bool:
    return _enabled


def clear() -> None:
    with _lock:
        for cache in _caches:
            cache.clear()


def per_data_version(maxsize: int = 128) -> Callable[[F], F]:
    """Keep `fn(store, scope, *args)`'s results (least recently used first out, `maxsize` of them)."""

    def wrap(fn: F) -> F:
        cache: OrderedDict = OrderedDict()
        _caches.append(cache)

        @functools.wraps(fn)
        def call(store: Store, scope: Scope, *args: Any, **kwargs: Any) -> Any:
            if not _enabled:
                return fn(store, scope, *args, **kwargs)
            if not isinstance(scope, Scope):
                raise TypeError(f"{fn.__qualname__}: the second argument must be the caller's Scope")
            # The language too: a result may hold translated text or formatted numbers.
            now = (store.data_version(), datetime.now(UTC).strftime("%Y%m%d%H"))
            key = (id(store), *now, i18n.current(), scope, args, tuple(sorted(kwargs.items())))
            # Once a result of newer data (or a later hour) is kept, those of older ones can never be asked
            # for again (both only grow): they are dropped then, not left to age out of the `maxsize`.
            return _kept(cache, maxsize, key, store, lambda: fn(store, scope, *args, **kwargs),
                         dead=lambda k: k[0] == key[0] and k[1:3] < now)

        return call  # type: ignore[return-value]

    return wrap


def once(compute):
    """A property computed on first use and kept on the instance (a kept result's slower parts, so a
    page draws its headline before they run). Not functools.cached_property: on Python 3.11 its
    lock is shared by every instance, so two users' pages would wait for each other. Two threads
    may both compute it once: the same result."""
    name = compute.__name__

    def get(self):
        if name not in self.__dict__:
            self.__dict__[name] = compute(self)
        return self.__dict__[name]

    return property(get, doc=compute.__doc__)


def per_source(maxsize: int = 256) -> Callable[[F], F]:
    """Keep `fn(source, *args)`'s result while `source` is the very same object: a chart drawn from
    a result this module keeps (a report, a dashboard's data) is built once, not on every run of
    the page (plotly spends 40–200 ms building and styling one figure). Only for functions whose
    result depends on nothing but their arguments and the reader's language (part of the key).
    The source belongs to one scope and one data version, so its charts do too. The entry refers to
    the source weakly where it can: a source whose kept result was dropped is freed, not held by its
    charts; the entry then matches nothing (its owner is gone) and is dropped at the next one kept."""

    def wrap(fn: F) -> F:
        cache: OrderedDict = OrderedDict()
        _caches.append(cache)

        @functools.wraps(fn)
        def call(source: Any, *args: Any, **kwargs: Any) -> Any:
            if not _enabled:
                return fn(source, *args, **kwargs)
            key = (id(source), i18n.current(), args, tuple(sorted(kwargs.items())))
            return _kept(cache, maxsize, key, source, lambda: fn(source, *args, **kwargs))

        return call  # type: ignore[return-value]

    return wrap


def _kept(cache: OrderedDict, maxsize: int, key: tuple, owner: Any, compute: Callable[[], Any],
          dead: Callable[[tuple], bool] | None = None) -> Any:
    """The result kept under `key` for this very `owner` (its id is in the key), else computed and kept
    (least recently used first out; with it go the entries that `dead` names and those whose owner is
    gone). A result already being computed is waited for, not computed again:
    when data lands, the residents who open My usage in the same seconds would each price every
    resident's year at once, on 2 cores (BENCHMARKS.md, the load test). If that computation fails,
    each waiter computes it itself (and meets the error itself)."""
    flight = (id(cache), key)
    while True:
        with _lock:
            if key in cache and cache[key][0]() is owner:
                cache.move_to_end(key)
                return cache[key][1]
            running = _running.get(flight)
            if running is None or running[0] == threading.get_ident():  # (never wait for oneself)
                done = threading.Event()
                _running[flight] = (threading.get_ident(), done)
                break
        running[1].wait()
    try:
        result = compute()
        with _lock:
            for old in [k for k, (ref, _result) in cache.items() if ref() is None or (dead and dead(k))]:
                del cache[old]
            cache[key] = (_ref(owner), result)
            while len(cache) > maxsize:
                cache.popitem(last=False)
        return result
    finally:
        with _lock:
            if _running.get(flight, (None, None))[1] is done:
                del _running[flight]
        done.set()


def _ref(owner: Any) -> Callable[[], Any]:
    """A weak reference to `owner`, or a strong one for an object that cannot have weak ones (a tuple)."""
    try:
        return weakref.ref(owner)
    except TypeError:
        return lambda: owner

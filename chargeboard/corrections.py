"""Offline and unreliable time: list such sessions, and let the system owner record a corrected date.

A correction is kept *beside* the original, never over it: the session's started_* columns stay as
the charger reported them, and every correction is a new row in session_corrections (who, when,
what, why). The newest correction of a session applies, and only where a report asks for it.

How a query dates a session (the one pattern every report, dashboard and export uses; the query
takes `$attribute_by` ('start' | 'registered') and `$use_corrected` (boolean))::

    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
    LEFT JOIN latest_session_corrections c USING (session_id)
    ...
    CASE WHEN $use_corrected AND c.corrected_start IS NOT NULL THEN c.corrected_start
         WHEN $attribute_by = 'registered' THEN coalesce(s.registered_local, s.started_local)
         ELSE s.started_local END AS period_local

and filters `period_local >= $local_from AND period_local < $local_to`. Default: by start,
corrections not used (what the charger recorded). `ATTRIBUTE_BY` / `USE_CORRECTED_HELP` below are
the wording for the two options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from chargeboard import formats
from chargeboard.i18n import N_, _
from chargeboard.scope import Scope
from chargeboard.store import Store

# English msgids (N_), translated where shown.
ATTRIBUTE_BY = {"start": N_("session start"), "registered": N_("date the charger cloud registered it")}
ATTRIBUTE_BY_HELP = N_("By default a session counts on the day it started (the time the charger recorded). The "
                       "charger cloud's own report counts an offline session on the day it was registered, when the "
                       "station got the network back: choose that to match it.")
USE_CORRECTED_LABEL = N_("Use corrected dates")
USE_CORRECTED_HELP = N_("Sessions whose time is unreliable can be given a corrected date by the system owner "
                        "(Data quality page). Switched on, those sessions count on the corrected date; the "
                        "original date is kept either way.")
MAX_NOTE = 500


class CorrectionError(ValueError):
    """The correction cannot be recorded (not allowed, unknown session, bad value)."""


@dataclass(frozen=True)
class Correction:
    session_id: str
    corrected_start: datetime  # installation wall-clock time (naive)
    note: str = ""


def candidates(store: Store, scope: Scope) -> pd.DataFrame:
    """Sessions with unreliable time (first) and offline sessions, with energy and any correction."""
    return store.df("correction_candidates", scope)


def record(store: Store, scope: Scope, correction: Correction) -> None:
    """Record a corrected start. Only the system owner may, and only for a session in scope."""
    if not scope.is_system_owner:
        raise CorrectionError(_("Only the system owner can correct a session's date."))
    start = correction.corrected_start
    if start.tzinfo is not None:
        raise CorrectionError(_("The corrected start is the installation's local time, without a time zone."))
    if not 2000 <= start.year <= 2100:
        raise CorrectionError(_("{day} is not a plausible date.", day=formats.day(start)))
    note = (correction.note or "").strip()
    if len(note) > MAX_NOTE:
        raise CorrectionError(_("The note is longer than {n} characters.", n=MAX_NOTE))
    if not store.one("correction_session_visible", scope, session_id=correction.session_id)[0]:
        raise CorrectionError(_("No such session (or it was replaced by a corrected session)."))
    store.execute("correction_insert", session_id=correction.session_id, corrected_start=start,
                  corrected_by=scope.username, note=note or None)


def history(store: Store, session_id: str) -> pd.DataFrame:
    """Every correction of one session, newest first (the page shows it to the system owner only)."""
    return store.df("correction_history", session_id=session_id)

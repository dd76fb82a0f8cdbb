"""Why the ingest refused a row, as a reader sees it.

A rejected row's reason is stored as the ingest wrote it, "kind — details": the kind (before " — ")
a short English phrase the summaries group by (queries/ingest/rejected_by_reason.sql), the details
the values as given. Stores keep these texts, so they stay as they are; the kind is translated
when shown (`shown`). Every kind the ingest can write is listed here (tests/test_reasons.py finds
them in queries/ and chargeboard/ and fails on one missing): a kind not listed is shown as stored.
"""

from __future__ import annotations

from chargeboard.i18n import N_, _

SEPARATOR = " — "

KINDS = frozenset({
    # sessions (queries/ingest/validate_staged_sessions.sql, insert_rejected_csv_lines.sql)
    N_("missing session id"), N_("missing charging station"), N_("missing start time"),
    N_("unparseable start time"), N_("missing end time"), N_("unparseable end time"),
    N_("unparseable registration time"), N_("end before start"), N_("missing energy"), N_("unparseable energy"),
    N_("negative energy"), N_("energy impossible for the duration"), N_("unparseable offline flag"),
    N_("unparseable time_unreliable flag"), N_("registration time out of range"), N_("start before 2000"),
    N_("start in the future"), N_("end in the future"), N_("impossible time and no registration time"),
    N_("energy impossible for one session"), N_("session belongs to another installation"),
    N_("charging station belongs to another installation"), N_("malformed CSV line"),
    # lines and records the careful reading refuses (chargeboard/csv_dialect.py, the JSON record queries)
    N_("unterminated quote"), N_("unreadable text"), N_("local time in the daylight-saving gap"),
    N_("ambiguous local time"), N_("not UTF-16 text"), N_("record is not an object"),
    # meter readings (chargeboard/meters.py)
    N_("replacement is not true/false"), N_("unparseable read_at"), N_("read_at out of range"),
    N_("unparseable register_kwh"), N_("register out of range"), N_("register finer than 1 Wh"),
    N_("conflicting reading"), N_("register went backwards"), N_("unknown installation"),
    N_("meter belongs to another installation"), N_("unknown meter"), N_("missing meter id"),
    # spot prices (chargeboard/pricing/spot.py)
    N_("unparseable price time"), N_("price interval not 15 or 60 minutes"), N_("price interval not aligned"),
    N_("missing price"), N_("unparseable price"), N_("price out of range"), N_("conflicting price in the file"),
    N_("overlapping price interval"), N_("price position out of range"),
    # meter interval readings (chargeboard/pricing/intervals.py)
    N_("unparseable from"), N_("unparseable to"), N_("interval out of range"), N_("interval not 15 or 60 minutes"),
    N_("interval not on the quarter hour"), N_("unparseable kWh"), N_("negative kWh"), N_("kWh out of range"),
    N_("kWh finer than 1 Wh"), N_("overlapping interval"),
    # the dwelling register and its CSV (chargeboard/billing/dwellings.py)
    N_("text too long or not one line"), N_("missing value"), N_("missing date"), N_("unparseable date"),
    N_("invalid e-mail address"), N_("unknown language"), N_("unknown member kind"), N_("end not after start"),
    N_("unknown dwelling"), N_("dwelling number taken"), N_("unknown owner"), N_("owner already ended"),
    N_("owner dated on or after the sale"), N_("member in two dwellings"), N_("member not attached"),
    N_("not allowed"),
})


def kind_of(reason: str) -> str:
    return reason.partition(SEPARATOR)[0]


def shown(reason: object) -> str:
    """A stored reason in the reader's language: its kind translated, the details (the values as
    given) kept. Nothing (None, NaN) is shown as nothing."""
    if not isinstance(reason, str):
        return ""
    kind, separator, details = reason.partition(SEPARATOR)
    return (_(kind) if kind in KINDS else kind) + separator + details

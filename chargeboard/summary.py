"""What one loaded file came to: the ingest summary of sessions and meter readings alike,
in the active language (chargeboard.i18n)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chargeboard import formats, reasons
from chargeboard.i18n import N_, _, ngettext

# What a file holds (ImportSummary.noun): msgids, translated where the summary is written.
RECORDS, METER_READINGS = N_("records"), N_("meter readings")
METER_INTERVALS = N_("meter intervals")  # kWh per hour or quarter hour (chargeboard/pricing/intervals.py)


@dataclass
class ImportSummary:
    file: str
    format: str
    import_id: int
    installation_id: str
    records: int = 0
    new: int = 0
    duplicate: int = 0
    updated: int = 0
    older: int = 0        # copies older than the one stored: the stored one is kept (README)
    conflicting: int = 0  # copies another, different copy of the same session in the file won over
    rejected: int = 0
    # The first few sessions with conflicting copies in the file: (session id, where the winning copy
    # is, how many differing copies lost), and how many such sessions there are in all.
    conflicts: list[tuple[str, str, int]] = field(default_factory=list)
    conflicting_sessions: int = 0
    rejected_by_reason: list[tuple[str, int]] = field(default_factory=list)
    seconds: float = 0.0
    noun: str = RECORDS  # what a file holds: RECORDS (sessions) or METER_READINGS
    read_as: str | None = None  # how a spreadsheet's CSV was read ("semicolon-separated, decimal comma, ...")
    # (station id, stored serial, the file's serial): the stored one was kept
    serials_kept: list[tuple[str, str | None, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [_("{file}: {records} {noun} ({format}) in {seconds} s → {new} new, {duplicate} duplicate, "
                 "{updated} updated, {rejected} rejected", file=self.file, records=self.records, noun=_(self.noun),
                 format=self.format, seconds=formats.decimal(self.seconds, 2), new=self.new,
                 duplicate=self.duplicate, updated=self.updated, rejected=self.rejected)]
        if self.read_as:  # csv_dialect's description: English parts, each a msgid
            how = ", ".join(_(part) for part in self.read_as.split(", "))
            out.append("  " + _("read as: {how}", how=how))
        if self.older:
            out.append("  " + ngettext("{n} older copy ignored (the store holds a newer one)",
                                       "{n} older copies ignored (the store holds a newer one)", self.older))
        if self.conflicting:
            out.append("  " + ngettext(
                "{n} conflicting copy ignored (the file holds a newer copy of the same session)",
                "{n} conflicting copies ignored (the file holds a newer copy of the same session)",
                self.conflicting))
            out += ["    " + ngettext("{session}: the copy at {location} was kept, {n} different copy ignored",
                                      "{session}: the copy at {location} was kept, {n} different copies ignored",
                                      copies, session=session_id, location=location)
                    for session_id, location, copies in self.conflicts]
            if self.conflicting_sessions > len(self.conflicts):
                more = self.conflicting_sessions - len(self.conflicts)
                out.append("    " + ngettext("… and {n} more session", "… and {n} more sessions", more))
        out += ["  " + _("rejected: {n} × {reason}", n=n, reason=reasons.shown(reason))
                for reason, n in self.rejected_by_reason]
        out += ["  " + _("note: station {station} keeps its serial {stored}; this file says {serial}. If the charger "
                         "was replaced: Data sources, Installations, or python -m chargeboard station set-serial {station} {serial}",
                         station=station, stored=stored or "–", serial=serial)
                for station, stored, serial in self.serials_kept]
        return out

    @property
    def needs_attention(self) -> bool:
        """Records were rejected, or the file contradicts itself: shown as a warning, not a success."""
        return bool(self.rejected or self.conflicting)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class IngestError(Exception):
    """A whole file could not be loaded; nothing of it was stored. (Here, beside the import
    summary, so the session and meter ingests share it without importing each other.)"""


def first_rows_note(shown: int, total: int) -> str | None:
    """What a table that shows only its first rows says under its title (None when it shows all)."""
    if shown >= total:
        return None
    return _("The first {shown} of {n}.", shown=formats.integer(shown), n=formats.integer(total))

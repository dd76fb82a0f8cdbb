"""What one loaded file came to: the ingest summary of sessions and meter readings alike."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    rejected: int = 0
    rejected_by_reason: list[tuple[str, int]] = field(default_factory=list)
    seconds: float = 0.0
    noun: str = "records"  # what a file holds: records (sessions) or meter readings
    read_as: str | None = None  # how a spreadsheet's CSV was read ("semicolon-separated, decimal comma, ...")

    def lines(self) -> list[str]:
        out = [
            f"{self.file}: {self.records} {self.noun} ({self.format}) in {self.seconds:.2f} s → "
            f"{self.new} new, {self.duplicate} duplicate, {self.updated} updated, {self.rejected} rejected"
        ]
        if self.read_as:
            out.append(f"  read as: {self.read_as}")
        out += [f"  rejected: {n} × {reason}" for reason, n in self.rejected_by_reason]
        return out

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class IngestError(Exception):
    """A whole file could not be loaded; nothing of it was stored. (Here, beside the import
    summary, so the session and meter ingests share it without importing each other.)"""

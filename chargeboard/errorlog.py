"""Unexpected errors: one line with a short id for the operator, the traceback in a log file.

The log lives next to the store (`<stem>.errors.log`, 0600): it may name paths and data.
"""

from __future__ import annotations

import os
import secrets
import traceback
from datetime import UTC, datetime
from pathlib import Path


def log_path(db: Path) -> Path:
    return db.with_name(db.stem + ".errors.log")


NOT_LOGGED = " (not logged)"


def record(db: Path, context: str) -> str:
    """Append the exception being handled to the log; returns its id (ending in NOT_LOGGED when
    the log cannot be written, a full disk say: the id is still shown, the details are lost)."""
    error_id = secrets.token_hex(4)
    text = (f"--- {datetime.now(UTC).isoformat(timespec='seconds')} id {error_id}: {context}\n"
            f"{traceback.format_exc()}\n")
    try:
        fd = os.open(log_path(db), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with open(fd, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return error_id + NOT_LOGGED
    return error_id

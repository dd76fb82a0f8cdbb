"""Unexpected errors: one line with a short id for the operator, the traceback in a log file.

The log lives next to the store (`<stem>.errors.log`, 0600): it may name paths and data, so a log
another user owns or may write is not written (chargeboard.private_files).
"""

from __future__ import annotations

import secrets
import traceback
from datetime import UTC, datetime
from pathlib import Path

from chargeboard import private_files


def log_path(db: Path) -> Path:
    return db.with_name(db.stem + ".errors.log")


NOT_LOGGED = " (not logged)"


def record(db: Path, context: str) -> str:
    """Append the exception being handled to the log; returns its id (ending in NOT_LOGGED when
    the log cannot be written, a full disk say, or is not this user's alone: the id is still shown,
    the details are lost)."""
    error_id = secrets.token_hex(4)
    text = (f"--- {datetime.now(UTC).isoformat(timespec='seconds')} id {error_id}: {context}\n"
            f"{traceback.format_exc()}\n")
    try:
        private_files.append_text(log_path(db), text)
    except OSError:  # (private_files.NotPrivate too)
        return error_id + NOT_LOGGED
    return error_id

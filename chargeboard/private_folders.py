"""Folders that hold private data (the store, its accounts, the clouds' pulls, uploads): every
one the program makes is its user's only (0700), whatever the process's umask is then."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def make_private_folder(folder: Path, *, existing_too: int = 0) -> Path:
    """Make `folder` and any missing parents, each 0700. A folder that exists is left as it is
    (the store may live in a home folder), except the `existing_too` folders from `folder` up,
    which are made 0700 if they are ours: folders only this program puts anything in."""
    folder = Path(folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            path.mkdir(mode=0o700)
            path.chmod(0o700)  # the umask may have taken bits off mkdir's mode
    for path in (folder, *folder.parents)[:existing_too]:
        info = path.stat()
        if info.st_uid == os.geteuid() and info.st_mode & 0o077:
            path.chmod(0o700)
    return folder

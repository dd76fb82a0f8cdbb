"""The one rule for the store's folder and every file the app keeps beside it.

The accounts file (and its lock, throttle and change record), the error log, the key files, the
spool and landing folders: each must be owned by the user the app runs as and writable by nobody
else, else it is refused with one line naming it and the reason. In a folder other users may write,
another user could plant an accounts file with a system owner of theirs, or own the log a secret is
appended to. Nothing is trusted by its name alone, and a refused file is never "fixed" silently.

A file is opened without following a link in its place, and checked on what was opened (fstat), so
it cannot be swapped between the check and the use. A save writes a new 0600 file in the same
folder and renames it into place: it never inherits an old file's mode or owner.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from chargeboard import files

FILE_MODE = 0o600
FOLDER_MODE = 0o700


class NotPrivate(PermissionError):
    """A file or folder that is not this user's alone. str() is one line: the path and the reason."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(errno.EACCES, reason, str(path))
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"


def check(info: os.stat_result, path: Path | str) -> None:
    """The rule: owned by this user, not writable by group or others. NotPrivate otherwise."""
    if info.st_uid != os.geteuid():
        raise NotPrivate(path, f"owned by uid {info.st_uid}, not by this user (uid {os.geteuid()}); "
                               "remove it (or fix its owner) and start again")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        what = "folder" if stat.S_ISDIR(info.st_mode) else "file"
        raise NotPrivate(path, f"this {what} is writable by other users (mode {stat.S_IMODE(info.st_mode):o}); "
                               "remove that permission (chmod go-w) or move it, and start again")


def check_folder(folder: Path | str) -> None:
    """An existing folder, checked by the rule (a missing one is left to the caller)."""
    check(os.stat(folder), folder)


def make_private_folder(folder: Path | str, *, existing_too: int = 0) -> Path:
    """Make `folder` and any missing parents, each 0700 whatever the process's umask is then. A
    folder that exists is left as it is (the store may live in a home folder), except the
    `existing_too` folders from `folder` up, which are made 0700 if they are ours: folders only
    this program puts anything in. Not checked: `folder()` is made and checked."""
    folder = Path(folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            path.mkdir(mode=FOLDER_MODE)
            path.chmod(FOLDER_MODE)  # the umask may have taken bits off mkdir's mode
    for path in (folder, *folder.parents)[:existing_too]:
        info = path.stat()
        if info.st_uid == os.geteuid() and info.st_mode & 0o077:
            path.chmod(FOLDER_MODE)
    return folder


def folder(path: Path | str, *, create: bool = True, existing_too: int = 0) -> Path:
    """A private folder: made 0700 (with its parents) when missing and `create`, then checked."""
    path = make_private_folder(path, existing_too=existing_too) if create else Path(path)
    check_folder(path)
    return path


def open_fd(path: Path | str, flags: int, *, create: bool = False) -> int:
    """A file beside the store, opened (0600 when made) and checked, as does its folder.
    FileNotFoundError when it is missing and not `create`."""
    path = Path(path)
    check_folder(path.parent)
    flags |= os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotPrivate(path, "is a symbolic link; put the file itself there") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotPrivate(path, "is not a plain file")
        check(info, path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_text(path: Path | str) -> str:
    with open(open_fd(path, os.O_RDONLY), encoding="utf-8") as handle:
        return handle.read()


def append_text(path: Path | str, text: str) -> None:
    with open(open_fd(path, os.O_WRONLY | os.O_APPEND, create=True), "a", encoding="utf-8") as handle:
        handle.write(text)


def create_new(path: Path | str, text: str) -> bool:
    """Write a file that must not exist yet, 0600 from the start and whole or not at all (a full disk
    leaves no empty key file behind): linked into place, so an existing one is never replaced.
    False if it existed."""
    path = Path(path)
    check_folder(path.parent)
    if path.is_symlink():
        raise NotPrivate(path, "is a symbolic link; put the file itself there")
    try:
        files.write_atomically(path, text, mode=FILE_MODE, replace=False)
    except FileExistsError:
        return False
    return True


def write_atomically(path: Path | str, text: str, *, durable: bool = True) -> None:
    """A new 0600 file of ours in the same (checked) folder, renamed into place: a reader never sees
    half a file, and the result is 0600 and ours whatever was there (a link in its place is replaced,
    not followed). Not `durable`: no fsync. An OSError names `path`."""
    path = Path(path)
    check_folder(path.parent)
    files.write_atomically(path, text, durable=durable, private=True)

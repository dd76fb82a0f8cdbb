"""Writing a whole file so that nobody ever sees half of it.

Every output or state file is written under a temporary name in its own folder, flushed to
disk, and renamed over the target (os.replace): a full disk or a killed process leaves the
old file (or none), never a truncated one. A failure names the file it was for.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    """This process's umask, read without changing it (os.umask would race other threads)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


def _real_target(path: Path) -> Path | None:
    """The file a rename must replace: a link's target (the link stays a link); None when the path
    names something that is not a regular file (a device, a pipe), which is written in place."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return Path(os.path.realpath(path)) if path.is_symlink() else path
    except OSError:
        return path  # (the write names the path and the reason)
    if not stat.S_ISREG(info.st_mode):
        return None
    return Path(os.path.realpath(path))


def _final_mode(path: Path, shown: Path | str, mode: int | None) -> int:
    """The mode the written file gets: the old file's, else `mode`, else what open() would give it."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return mode if mode is not None else 0o666 & ~_umask()
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(shown)) from None


def write_atomically(path: Path | str, data: bytes | str, *, mode: int | None = None,
                     replace: bool = True, durable: bool = True, private: bool = False) -> None:
    """Write `data` (str as UTF-8) to `path` whole or not at all. The file keeps its mode; a new
    one gets `mode`, else what open() would give it under the umask. replace=False: fail with
    FileExistsError if the file exists by the time it would be renamed (it is linked, not replaced).
    durable=False: no fsync, for state a crash may lose the last seconds of (the login throttle).
    private=True (a file beside the store, private_files): the path itself is replaced, a link in its
    place included, never followed, and the new file is 0600 whatever the old one's mode was.
    An OSError names `path`, whatever step failed (a write's own error carries no file name)."""
    shown = path
    path = Path(path) if private else _real_target(Path(path))
    if isinstance(data, str):
        data = data.encode("utf-8")
    if path is None:  # not a file (--out /dev/stdout, a pipe): written as it is
        try:
            with open(shown, "wb") as handle:
                handle.write(data)
        except OSError as error:
            raise OSError(error.errno, error.strerror, str(shown)) from None
        return
    final_mode = 0o600 if private else _final_mode(path, shown, mode)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, final_mode)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
            os.unlink(tmp)
        tmp = None
    except FileExistsError:
        raise
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(shown)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@contextlib.contextmanager
def written_whole(path: Path | str, *, mode: int | None = None):
    """For a file too large to hold in memory: yields a temporary path in the same folder to write
    (a zip, a copy); on success it is flushed and renamed to `path`, on failure removed. An OSError
    names `path`, as write_atomically's does."""
    shown = path
    path = _real_target(Path(path))
    if path is None:
        raise OSError(errno.EINVAL, "not a regular file (this is written to a file only)", str(shown))
    final_mode = _final_mode(path, shown, mode)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        os.close(fd)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(shown)) from None
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, final_mode)
        os.replace(tmp, path)
    except OSError as error:
        if error.filename in (None, tmp):
            raise OSError(error.errno, error.strerror, str(shown)) from None
        raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)

"""Handing a command to the app while it serves (DuckDB lets one process own the store file).

The app listens on a Unix-domain socket, `app.sock`, in a private spool folder next to the
store (`<db dir>/inbox/<stem>/`, 0700, the app's user). The command line connects, and
only a process of the app's own user is answered (SO_PEERCRED). It sends a structured
request — a command from the caller's allow-list and its checked fields, never an argv —
and the bytes of its input files. The app writes them into a job folder it names itself,
answers "claimed", runs the command's function on its own Store, and sends back the exit
code, the output and any output file's bytes; the command line writes that file itself,
as the invoking user. So the command line always knows what happened: not taken (nothing
ran), claimed and answered, or claimed and then cut off (it may have run).

No file in the spool is ever read as an instruction: the socket is the only way in. This
module does not know the commands: its caller (the CLI's table, handed to the server by
the app) does.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import stat
import struct
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from chargeboard import errorlog, files, private_files
from chargeboard.store import Store, StoreDetached

SOCKET_NAME = "app.sock"
_FRAME = struct.Struct("!Q")
_MAX_HEADER = 1 << 16
_MAX_TEXT = 1024
_REQUEST_SECONDS = 120.0  # a client that stops sending mid-request is dropped (nothing runs)
_CHUNK = 1 << 20

MAY_HAVE_RUN = ("the connection to the app broke after it took the command: it ran or may have run. "
                "An ingest lands whole or not at all and loading a file again stores nothing twice, "
                "so run it again (or check the imports on the Data quality page)")


class SpoolRefused(RuntimeError):
    """The spool folder is not private to this user: no hand-over through it."""


class HandoverError(RuntimeError):
    """The hand-over could not be made; the message is one line for the operator."""


@dataclass(frozen=True)
class Command:
    """A command the app runs for the command line.

    run(args, store) -> exit code, the same function the command line calls. `fields` names
    the argparse attributes taken from the request and how each is checked: a tuple of
    allowed values (None included if the option may be left out), `str` (free text, may
    be None), `bool`, or a function turning the text into a value (raising ValueError)."""

    run: Callable[[Any, Store], int]
    fields: Mapping[str, Any]
    inputs: bool = False      # takes FILE arguments (args.files), sent as bytes
    writes_out: bool = False  # has --out FILE (args.out), written by the command line


# -- the spool folder ------------------------------------------------------------------------

@dataclass
class Spool:
    """The checked spool folder, held open (O_PATH) so every later step uses that very folder."""

    path: Path
    fd: int

    @property
    def socket_path(self) -> str:
        # AF_UNIX paths are limited to 107 bytes; the fd's /proc link is short whatever the folder's path.
        return f"/proc/self/fd/{self.fd}/{SOCKET_NAME}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _check_private(fd: int, path: Path) -> None:
    try:
        private_files.check(os.fstat(fd), path)
    except private_files.NotPrivate as error:
        raise SpoolRefused(str(error)) from None


def _open_private_dir(parent_fd: int, parent: Path, name: str, create: bool) -> int:
    """A folder under parent, opened without following links and checked to be this user's only."""
    path = parent / name
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700, dir_fd=parent_fd)
    try:
        # O_NOFOLLOW with O_DIRECTORY: a symbolic link in the folder's place fails as "not a directory".
        fd = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)
    except NotADirectoryError:
        raise SpoolRefused(f"{path} is not a folder (a link or a file); remove it and restart the app") from None
    try:
        _check_private(fd, path)
        if create and stat.S_IMODE(os.fstat(fd).st_mode) != 0o700:
            os.chmod(f"/proc/self/fd/{fd}", 0o700)  # ours, not writable by others: make it private
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_spool(folder: Path, *, create: bool) -> Spool | None:
    """The spool folder (<db dir>/inbox/<stem>), checked: it and inbox/ are this user's own and
    writable by nobody else. create=True (the app) makes them 0700; create=False (the command
    line) returns None when there is none. Raises SpoolRefused for a folder not private to us."""
    inbox, stem = folder.parent, folder.name
    if not create:
        try:
            if not folder.exists():
                return None
        except PermissionError:  # a folder this user cannot even look into holds no app of theirs
            return None
    if create:
        private_files.make_private_folder(inbox.parent)  # the store's folder
    base = os.open(inbox.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        try:
            inbox_fd = _open_private_dir(base, inbox.parent, inbox.name, create)
        except FileNotFoundError:
            return None
        try:
            fd = _open_private_dir(inbox_fd, inbox, stem, create)
        except FileNotFoundError:
            return None
        finally:
            os.close(inbox_fd)
    finally:
        os.close(base)
    return Spool(folder, fd)


# -- framing ------------------------------------------------------------------------------

def _send_json(sock: socket.socket, payload: dict) -> None:
    data = json.dumps(payload).encode()
    sock.sendall(_FRAME.pack(len(data)) + data)


def _received(sock: socket.socket, size: int, closed: str = "the other side closed the connection"):
    """Exactly `size` bytes from the socket, chunk by chunk; `closed` if it ends before."""
    left = size
    while left:
        chunk = sock.recv(min(left, _CHUNK))
        if not chunk:
            raise ConnectionError(closed)
        left -= len(chunk)
        yield chunk


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    return b"".join(_received(sock, size))


def _recv_json(sock: socket.socket, limit: int = _MAX_HEADER) -> dict:
    (size,) = _FRAME.unpack(_recv_exact(sock, _FRAME.size))
    if size > limit:
        raise ValueError(f"a message of {size} bytes (at most {limit})")
    payload = json.loads(_recv_exact(sock, size))
    if not isinstance(payload, dict):
        raise ValueError("a message that is not an object")
    return payload


def _peer_uid(sock: socket.socket) -> tuple[int, int]:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", creds)
    return pid, uid


# -- the command line's side ---------------------------------------------------------------

def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class Request:
    command: str
    fields: dict
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (path to read, name to show)
    out: str | None = None


def request_for(name: str, command: Command, args: Any) -> Request:
    """The request for a command as the command line parsed it."""
    files = list(getattr(args, "files", None) or []) if command.inputs else []
    return Request(name, {key: _plain(getattr(args, key, None)) for key in command.fields},
                   [(path, path) for path in files], getattr(args, "out", None) if command.writes_out else None)


def hand_over(folder: Path, request: Request, stdout, stderr) -> int | None:
    """Run the request in the app serving this spool folder. None: no app is listening (the
    caller opens the store itself). Otherwise the command's exit code, its output relayed."""
    spool = open_spool(folder, create=False)  # SpoolRefused: not ours — never send it anything
    if spool is None:
        return None
    try:
        handles = [open(path, "rb") for path, _ in request.inputs]  # an unreadable input fails here, before any send
        try:
            return _talk(spool, request, handles, stdout, stderr)
        finally:
            for handle in handles:
                handle.close()
    finally:
        spool.close()


def _talk(spool: Spool, request: Request, handles: list, stdout, stderr) -> int | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with sock:
        try:
            sock.connect(spool.socket_path)
        except (FileNotFoundError, ConnectionRefusedError):
            return None  # a socket left by an app that has stopped
        _pid, uid = _peer_uid(sock)
        if uid != os.geteuid():
            raise HandoverError(f"{spool.path / SOCKET_NAME} is answered by uid {uid}, not by this user; "
                                f"nothing was sent")
        print("the app is serving this store: running this command in the app's process",
              file=stderr)
        sizes = [os.fstat(handle.fileno()).st_size for handle in handles]
        try:
            _send_json(sock, {"command": request.command, "fields": request.fields, "out": request.out,
                              "files": [{"name": shown, "size": size}
                                        for (_, shown), size in zip(request.inputs, sizes, strict=True)]})
            for handle, size in zip(handles, sizes, strict=True):
                if size and sock.sendfile(handle, 0, size) != size:
                    raise HandoverError(f"{handle.name}: changed while it was being sent; nothing was run")
        except ConnectionError:
            pass  # the app stopped reading (a refusal, a full disk): its answer says why
        try:
            answer = _recv_json(sock)
        except (ConnectionError, ValueError, struct.error) as error:
            raise HandoverError(f"the app did not take the command ({error}); nothing was run") from None
        if answer.get("status") != "claimed":
            print(f"error: {answer.get('reason', 'the app refused the command')}", file=stderr)
            return 2
        try:
            result = _recv_json(sock, limit=1 << 40)
            out = _recv_exact(sock, int(result["out_size"])) if result.get("out_size") is not None else None
        except (ConnectionError, ValueError, KeyError, struct.error):
            print(f"error: {MAY_HAVE_RUN}", file=stderr)
            return 3
    stdout.write(result["stdout"])
    if out is not None and request.out:
        # As the invoking user, where they asked; before the app's "wrote FILE", which a full disk here
        # makes untrue (then the one line is this file's error).
        files.write_atomically(request.out, out)
    stderr.write(result["stderr"])
    return int(result["code"])


# -- the app's side ---------------------------------------------------------------------------

class _Refused(Exception):
    """The request is not one the app runs; the reason goes back to the command line."""


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) > _MAX_TEXT or any(ord(c) < 32 for c in value):
        raise _Refused(f"{name}: not a short line of text")
    return value


def _check_field(name: str, rule: Any, value: Any) -> Any:
    if isinstance(rule, tuple):
        if value not in rule:
            raise _Refused(f"{name}: {value!r} is not one of {', '.join(map(str, rule))}")
        return value
    if rule is bool:
        if not isinstance(value, bool):
            raise _Refused(f"{name}: not true or false")
        return value
    if value is None and rule is str:
        return None
    text = _text(value, name)
    if rule is str:
        return text
    try:
        return rule(text)
    except Exception as error:  # noqa: BLE001 — any refusal of the value's converter
        raise _Refused(f"{name}: {error}") from None


class Server:
    """Answers hand-overs on one spool's socket for one Store, until the store closes."""

    def __init__(self, store: Store, spool: Spool, commands: Mapping[str, Command], *, log=None):
        self.store, self.spool, self.commands = store, spool, dict(commands)
        self.log = log or sys.stderr
        self._remove_leftover_jobs()
        self._listener = self._listen()
        self._lost_spool: str | None = None
        self.thread = threading.Thread(target=self._serve, name="chargeboard-handover", daemon=True)

    def _say(self, line: str) -> None:
        print(f"chargeboard hand-over: {line}", file=self.log, flush=True)

    def _remove_leftover_jobs(self) -> None:
        """Job folders of an app that stopped mid-job (the folder is private: all are ours)."""
        for entry in os.scandir(self.spool.socket_path.rsplit("/", 1)[0]):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(self.spool.path / entry.name, ignore_errors=True)

    def _listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):  # left by an app of ours that stopped
            os.unlink(SOCKET_NAME, dir_fd=self.spool.fd)
        listener.bind(self.spool.socket_path)
        os.chmod(self.spool.socket_path, 0o600)
        self._socket_id = _identity(os.stat(self.spool.socket_path))
        listener.listen(64)
        listener.settimeout(0.5)
        return listener

    def _still_reachable(self) -> None:
        """If someone tidied the spool folder (or our socket) away, make it again and listen there."""
        try:
            if _identity(os.stat(self.spool.path / SOCKET_NAME)) == self._socket_id:
                return
        except OSError:
            pass
        try:
            spool = open_spool(self.spool.path, create=True)
        except (SpoolRefused, OSError) as error:
            if str(error) != self._lost_spool:
                self._lost_spool = str(error)
                self._say(f"the spool folder is gone and cannot be made again: {error}")
            return
        self._listener.close()
        self.spool.close()
        self.spool, self._lost_spool = spool, None
        self._listener = self._listen()
        self._say(f"listening again at {self.spool.path / SOCKET_NAME} (the folder was removed)")

    def _serve(self) -> None:
        try:
            while not self.store.closed:
                try:
                    conn, _ = self._listener.accept()
                except TimeoutError:
                    self._still_reachable()
                    continue
                except OSError as error:
                    self._say(f"accept failed: {error}")
                    continue
                threading.Thread(target=self._answer, args=(conn,), name="chargeboard-handover-job",
                                 daemon=True).start()
        finally:
            self._listener.close()
            with contextlib.suppress(OSError):  # only our own socket: a newer server may have bound its own
                if _identity(os.stat(self.spool.socket_path)) == self._socket_id:
                    os.unlink(SOCKET_NAME, dir_fd=self.spool.fd)
            self.spool.close()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            pid, uid = _peer_uid(conn)
            if uid != os.geteuid():
                self._say(f"refused a connection from uid {uid} (pid {pid}): only uid {os.geteuid()} may hand over")
                with contextlib.suppress(OSError):
                    _send_json(conn, {"status": "refused", "reason": "only the app's own user may hand commands over"})
                return
            conn.settimeout(_REQUEST_SECONDS)
            job = None
            try:
                try:
                    header = _recv_json(conn)
                    name, command, fields = self._check(header)
                    job = self._take_files(conn, header)
                except _Refused as refusal:
                    self._say(f"refused a request: {refusal}")
                    _send_json(conn, {"status": "refused", "reason": f"the app refused the command: {refusal}"})
                    return
                except OSError as error:  # a full disk, the spool folder gone: nothing ran
                    if isinstance(error, ConnectionError | TimeoutError):
                        raise
                    reason = f"{error.filename or self.spool.path}: {error.strerror or error}"
                    self._say(f"could not take a job: {reason}")
                    _send_json(conn, {"status": "failed",
                                      "reason": f"the app could not take the command ({reason}); nothing was run"})
                    return
                _send_json(conn, {"status": "claimed"})
                conn.settimeout(None)
                result, out = self._run(name, command, fields, header, job)
                _send_json(conn, result)
                if out is not None:
                    conn.sendall(out)
            except (ConnectionError, TimeoutError, ValueError, struct.error) as error:
                self._say(f"a hand-over was cut off: {error}")
            finally:
                if job is not None:
                    shutil.rmtree(job, ignore_errors=True)

    def _check(self, header: dict) -> tuple[str, Command, dict]:
        name = header.get("command")
        command = self.commands.get(name) if isinstance(name, str) else None
        if command is None:
            raise _Refused(f"{name!r} is not a command the app runs (only {', '.join(sorted(self.commands))})")
        fields = header.get("fields")
        if not isinstance(fields, dict) or set(fields) != set(command.fields):
            extra = sorted(set(fields or {}) - set(command.fields)) if isinstance(fields, dict) else []
            raise _Refused(f"{name}: fields {', '.join(extra) or '(missing)'} are not taken; "
                           f"it takes exactly {', '.join(command.fields)}")
        checked = {key: _check_field(key, rule, fields[key]) for key, rule in command.fields.items()}
        files = header.get("files")
        if not isinstance(files, list) or (not command.inputs and files) or (command.inputs and not files):
            raise _Refused(f"{name}: {'needs input files' if command.inputs else 'takes no input files'}")
        for entry in files:
            if not isinstance(entry, dict) or not isinstance(entry.get("size"), int) or entry["size"] < 0:
                raise _Refused(f"{name}: a file without a size")
            _text(entry.get("name"), "file name")
        if header.get("out") is not None:  # only the name to show: the app chooses where it writes
            _text(header["out"], "output file name")
            if not command.writes_out:
                raise _Refused(f"{name}: writes no output file")
        if (detached := self.store.detached()) is not None:
            raise _Refused(detached)
        return name, command, checked

    def _take_files(self, conn: socket.socket, header: dict) -> Path | None:
        job_name = uuid.uuid4().hex
        os.mkdir(job_name, 0o700, dir_fd=self.spool.fd)
        job = self.spool.path / job_name
        try:
            for index, entry in enumerate(header["files"]):
                target = job / f"input-{index}"
                with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                    for chunk in _received(conn, entry["size"], "the command line stopped sending"):
                        handle.write(chunk)
                    handle.flush()
                    os.fsync(handle.fileno())
        except BaseException:
            shutil.rmtree(job, ignore_errors=True)
            raise
        return job

    def _run(self, name: str, command: Command, fields: dict, header: dict, job: Path) -> tuple[dict, bytes | None]:
        import argparse  # noqa: PLC0415 — the handlers take the argparse shape the command line gives them

        out, err = io.StringIO(), io.StringIO()
        shown = {str(job / f"input-{i}"): entry["name"] for i, entry in enumerate(header["files"])}
        out_file = job / "out" if header.get("out") is not None else None
        args = argparse.Namespace(**fields, command=name, db=None, stdout=out, stderr=err,
                                  files=list(shown), shown_as=list(shown.values()) or None,
                                  out=str(out_file) if out_file else None)
        try:
            code = int(command.run(args, self.store))
        except StoreDetached as error:
            code, _ = 1, err.write(f"error: {error}\n")
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
        except Exception:  # noqa: BLE001 — the command line gets one line with the id; the log the traceback
            error_id = errorlog.record(self.store.path, f"hand-over of {name}")
            code, _ = 1, err.write(f"error: an unexpected error (id {error_id}) while the app ran {name}; "
                                   f"details in {errorlog.log_path(self.store.path)}\n")
        texts = [out.getvalue(), err.getvalue()]
        if out_file is not None:  # the command line names the file as its user gave it
            shown[str(out_file)] = header["out"]
        for inner, outer in shown.items():
            texts = [text.replace(inner, outer) for text in texts]
        data = out_file.read_bytes() if out_file is not None and out_file.exists() else None
        return {"code": code, "stdout": texts[0], "stderr": texts[1],
                "out_size": len(data) if data is not None else None}, data


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def start_server(store: Store, spool: Spool, commands: Mapping[str, Command], *, log=None) -> Server:
    """Listen on the spool's socket in a daemon thread; it ends (and removes its socket) with the store."""
    server = Server(store, spool, commands, log=log)
    server.thread.start()
    return server

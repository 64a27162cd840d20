"""Small file helpers: atomic writes and content hashes."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from harbor_planner._safety import output_error
from harbor_planner.errors import InputDataError, OutputError

__all__ = [
    "atomic_path",
    "atomic_paths",
    "file_sha256",
    "file_stamp",
    "folder_lock",
    "input_file",
    "input_file_problem",
    "jsonable",
    "own_work_folder",
    "read_input_bytes",
    "read_regular_text",
    "unreadable_input",
]

#: The file marking a work folder as this tool's, with the process that made it.
_OWNER_FILE = ".harbor-planner-owner"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    A failure (an exception, a crash) never leaves a half-written ``path``; an existing file
    at ``path`` is replaced only at the end.

    Raises
    ------
    OutputError
        The output folder does not exist, or writing failed (full disk, read-only folder,
        a GDAL write error); the temporary file is removed and ``path`` left as it was.

    """
    with atomic_paths(path) as (tmp,):
        yield tmp


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (its suffix kept), removed on leaving if still there."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output folder {parent} does not exist; create it first", path=path)
    # keep the suffix: some writers (GDAL's GeoPackage driver) pick behaviour from it
    suffix = "".join(path.suffixes) or ".tmp"
    stem = path.name[: len(path.name) - len(suffix)] if path.suffixes else path.name
    prefix = f".{stem}.tmp-"
    if len(f"{prefix}XXXXXXXX{suffix}".encode()) > 255:  # a long name: the temp name fits too
        prefix = ".hp-tmp-"
    _remove_stale_temps(parent, prefix, suffix)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=parent)
    except OSError as exc:
        raise output_error(exc, path) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL among them) may refuse an existing file
    try:
        yield tmp
    finally:
        _remove_temp(tmp)


@contextlib.contextmanager
def writing(path: str | os.PathLike[str], *, option: str = "--out") -> Iterator[None]:
    """Errors of writing ``path`` (a full disk, a read-only folder, GDAL's) as one naming it.

    Parameters
    ----------
    path
        The file being written.
    option
        The command-line option that names it (said in the fix).

    Raises
    ------
    OutputError
        The block raised an :class:`OSError` or a GDAL (pyogrio) error.

    """
    try:
        yield
    except Exception as exc:
        if isinstance(exc, OSError) or type(exc).__module__.startswith("pyogrio"):
            raise output_error(exc, path, option=option) from exc
        raise


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike[str]) -> Iterator[list[Path]]:
    """:func:`atomic_path` for several files written together: all of them or none.

    Every file is written to its temporary path; they replace their targets only when the
    block succeeds (a failure in any leaves every target as it was), with SIGINT and SIGTERM
    held back, and a rename that fails puts the ones before it back (probe 21X: a Ctrl-C
    between two renames left a network's .npz new and its .gpkg old).
    """
    from harbor_planner._safety import deferred_signals

    targets = [Path(p) for p in paths]
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(_temporary_beside(p)) for p in targets]
        with writing(targets[0] if len(targets) == 1 else targets[0].parent):
            yield tmps
        with deferred_signals(), writing(targets[0]):
            _replace_all(tmps, targets, stack)


def _replace_all(tmps: list[Path], targets: list[Path], stack: contextlib.ExitStack) -> None:
    """Move each temporary file onto its target; on an error, put the earlier targets back."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for tmp, path in zip(tmps, targets, strict=True):
            old = None
            if len(targets) > 1 and os.path.lexists(path):  # kept aside until all are in
                old = stack.enter_context(_temporary_beside(path))
                os.replace(path, old)
            done.append((path, old))
            os.replace(tmp, path)
    except OSError:
        for path, old in reversed(done):
            with contextlib.suppress(OSError):
                if old is not None:
                    os.replace(old, path)
                elif len(targets) > 1:
                    path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``flock`` on the folder itself: no lock file).

    Another process taking the same lock waits until this one is done. Where the system has
    no ``flock`` (Windows) or the file system refuses it, nothing is locked.
    """
    try:
        import fcntl

        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


#: A temporary file of ours older than this was left by a killed writer (SIGKILL, power cut).
STALE_TEMP_S = 3600.0


def _remove_stale_temps(parent: Path, prefix: str, suffix: str) -> None:
    """Remove the temporary files an earlier, killed write of this output left behind.

    Only names of our own making (``prefix``, 8 random characters, ``suffix``; SQLite's
    ``-journal``/``-wal``/``-shm`` beside them) and only when older than ``STALE_TEMP_S``: a
    write still running elsewhere keeps its file.
    """
    pattern = re.compile(re.escape(prefix) + r"[A-Za-z0-9_]{8}" + re.escape(suffix)
                         + r"(-journal|-wal|-shm)?$")  # fmt: skip
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if pattern.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_S:
                        os.unlink(entry.path)


def _remove_temp(tmp: Path) -> None:
    """Remove ``tmp`` and any side file a writer left beside it (SQLite's ``-journal``...)."""
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
        for entry in os.scandir(tmp.parent):
            if entry.name.startswith(tmp.name):
                os.unlink(entry.path)


def file_stamp(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """A file's modification time (ns) and size, ``None`` when it cannot be read.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    (int, int) or None

    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def input_file_problem(
    path: str | os.PathLike[str],
    what: str,
    *,
    inside: str = "the file",
    missing: str | None = None,
) -> str | None:
    """Why ``path`` is no input file (a folder, missing, a pipe), ``None`` when it is one.

    One wording for every input (probe 25E: a folder given as ``--centres``, ``--sites``,
    ``--poi``, ``buildings:`` demand or a scenario was "file not found", as ``--network``
    raw GDAL text).

    Parameters
    ----------
    path
        The input as given.
    what
        Its kind, for the message (``"station"``: "a folder, not a station file").
    inside
        What to give instead of a folder (``"the .gpkg, .geojson or .shp"``).
    missing
        The words for a missing file (default ``"<what> file not found"``).

    Returns
    -------
    str or None

    """
    p = Path(path)
    if p.is_dir():
        return f"a folder, not a {what} file; give {inside} inside it"
    if not p.exists():
        return missing or f"{what} file not found"
    if not p.is_file():
        return f"not a regular file (a pipe or a device), not a {what} file; give a file"
    return None


def input_file(
    path: str | os.PathLike[str],
    what: str,
    *,
    error: type[InputDataError] = InputDataError,
) -> Path:
    """``path`` as a :class:`~pathlib.Path` when it is an existing file, else ``error``.

    Parameters
    ----------
    path
        The input as given.
    what
        Its kind, for the message (see :func:`input_file_problem`).
    error
        The error class raised (a :class:`~harbor_planner.errors.ScenarioError` for a
        scenario file).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputDataError
        A folder, a missing file or no regular file, named with the fix (exit 3).

    """
    problem = input_file_problem(path, what)
    if problem is not None:
        raise error(problem, path=path)
    return Path(path)


def read_input_bytes(path: str | os.PathLike[str], what: str = "file") -> bytes:
    """The bytes of an input file, an unreadable one an :class:`InputDataError` (exit 3).

    Probe 23C: a station list or scenario without read permission ended as a bare
    "Permission denied" with exit 1 (the README's "any other error"), and the Python API
    raised a raw :class:`PermissionError`.
    """
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise unreadable_input(path, exc, what) from None


def unreadable_input(
    path: str | os.PathLike[str], exc: OSError, what: str = "file"
) -> InputDataError:
    """The error of an input that exists but cannot be read, with the fix."""
    reason = exc.strerror or type(exc).__name__
    fix = (
        "give this user read permission (chmod a+r), or copy it somewhere readable"
        if isinstance(exc, PermissionError)
        else "check that it is a file and can be read"
    )
    return InputDataError(f"the {what} cannot be read ({reason}): {fix}", path=path)


def read_regular_text(path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """The text of the regular file ``path``, never waiting on a FIFO or a device.

    A manifest (``run.json``, ``serve.json``) the tool reads before writing may be anything
    the user put there: a named pipe of that name hung the run forever (probe 21X).

    Raises
    ------
    OSError
        ``path`` is missing, unreadable or not a regular file.
    UnicodeDecodeError
        Not text in ``encoding``.

    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read().decode(encoding)
    finally:
        os.close(fd)


def path_from(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str | None:
    """``path`` as seen from ``folder`` (``../demo.toml``), ``None`` on another drive.

    A study folder renamed or copied with its results keeps these (session 27: serve's saved
    plan and run's "another scenario" warning).
    """
    try:
        return os.path.relpath(path, folder)
    except ValueError:  # another drive (Windows)
        return None


def file_sha256(path: str | os.PathLike[str], *, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 of a file's content, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_bytes):
            h.update(chunk)
    return h.hexdigest()


def jsonable(value: object) -> object:
    """``value`` as plain JSON types: mappings, sequences and numpy values converted.

    Parameters
    ----------
    value
        Any value. Mappings become dicts with string keys, lists, tuples and arrays become
        lists, numpy scalars Python scalars; strings, numbers, booleans and ``None`` stay as
        they are and anything else becomes its ``str``.

    Returns
    -------
    object
        A value :func:`json.dumps` accepts.

    """
    from collections.abc import Mapping

    import numpy as np

    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def own_work_folder(prefix: str, parent: str | os.PathLike[str] | None = None) -> str:
    """A new temporary folder ``parent/PREFIXxxxx``, marked as made by this process.

    Folders of the same prefix that an earlier run of this machine made and could not
    remove (killed outright, out of memory: probe 22D found a copy of the study's network
    left in /tmp by each) are removed first, once the process that made them is gone. Only a
    folder that is provably that run's goes (:func:`_abandoned`): its mark names this very
    folder (path, device, inode), this user, machine, boot and process namespace, and a
    process that no longer runs; it holds nothing but the files runs write there. Anything
    else (a copy, a folder of a live run, of another machine or container, one with a file
    of the user's in it) is left alone.

    Parameters
    ----------
    prefix
        ``hp-parts-``, ``hp-dask-``.
    parent
        Where (default: the temporary folder).

    Returns
    -------
    str
        The new folder's path.

    """
    import json

    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    here = _where_am_i()
    for old in base.glob(f"{prefix}*"):
        with contextlib.suppress(OSError):
            if _abandoned(old, here):
                _remove_work_files(old)
    folder = tempfile.mkdtemp(prefix=prefix, dir=parent)
    st = os.stat(folder)
    mark = {**here, "pid": os.getpid(), "folder": os.path.abspath(folder),
            "dev": st.st_dev, "ino": st.st_ino, "tool": "harbor-planner"}  # fmt: skip
    Path(folder, _OWNER_FILE).write_text(json.dumps(mark), encoding="utf-8")
    return folder


#: What runs write in their work folders (the network, anchors, district solves, Dask's
#: scratch space): a folder holding anything else is not removed.
_WORK_FILES = re.compile(
    r"(\.harbor-planner-owner|network-\d+\.npz|points-\d+\.npz|round-\d+-sources\.npz"
    r"|district-solve-[\w.-]+\.pkl|dask-scratch-space|[\w-]+\.lock)"
)


def _where_am_i() -> dict[str, object]:
    """The user, machine, boot and process namespace of this process (``None``: unknown)."""
    import socket

    def read(path: str) -> str | None:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    try:
        pidns: str | None = os.readlink("/proc/self/ns/pid")
    except OSError:
        pidns = None
    uid = os.getuid() if hasattr(os, "getuid") else None
    boot = read("/proc/sys/kernel/random/boot_id")
    return {"uid": uid, "host": socket.gethostname(), "boot": boot, "pidns": pidns}


def _abandoned(folder: Path, here: dict[str, object]) -> bool:
    """Whether ``folder`` is provably the work folder of a run of ours that is gone."""
    import json
    import stat as st_mod

    st = os.lstat(folder)
    if not st_mod.S_ISDIR(st.st_mode) or os.name == "nt":  # a symlink, a file: never
        return False
    fd = os.open(folder / _OWNER_FILE, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_NONBLOCK", 0))  # fmt: skip
    with os.fdopen(fd, "rb") as f:
        if not st_mod.S_ISREG(os.fstat(f.fileno()).st_mode):
            return False
        mark = json.loads(f.read(4096).decode("utf-8"))
    pid = mark.get("pid")
    same = (
        mark.get("tool") == "harbor-planner"
        and mark.get("folder") == os.path.abspath(folder)
        and (mark.get("dev"), mark.get("ino")) == (st.st_dev, st.st_ino)
        and here["uid"] is not None and mark.get("uid") == here["uid"] == st.st_uid
        and all(here[k] is not None and mark.get(k) == here[k] for k in ("host", "pidns"))
        and isinstance(pid, int) and 0 < pid < 2**22
    )  # fmt: skip
    if not same:
        return False
    if here["boot"] is not None and mark.get("boot") not in (None, here["boot"]):
        return True  # made before this machine last started: that process is gone
    return not _alive(pid)


def _remove_work_files(folder: Path) -> None:
    """Remove a dead run's work folder, only if it holds nothing but a run's files."""
    import shutil

    entries = list(os.scandir(folder))
    if not all(_WORK_FILES.fullmatch(e.name) and not e.is_symlink() for e in entries):
        return  # a file of the user's in it: kept, folder and all
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            shutil.rmtree(e.path, ignore_errors=True)
        else:
            os.unlink(e.path)
    os.rmdir(folder)


def _alive(pid: int) -> bool:
    """Whether a process of that id runs on this machine (one we may not signal counts)."""
    if os.name == "nt":  # os.kill(pid, 0) would end it there: never taken for gone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True
    return True

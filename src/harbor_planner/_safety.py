"""Safe outputs: never write over an input, turn signals into exceptions, defer them.

* :func:`refuse_overwriting_inputs` is the one check, used by every command and by
  :func:`harbor_planner.run`, that no output is one of the inputs, however either path is
  spelled (relative, absolute, through a symbolic or a hard link);
* :func:`check_output_file` checks, before any work, that a single output file can be
  written where asked;
* :func:`signals_raise` makes SIGTERM raise :class:`Interrupted` (as SIGINT raises
  :class:`KeyboardInterrupt`) while a command runs, so that its clean-up runs, and remembers
  the signal: :func:`raise_if_interrupted` raises it again where an interrupt raised inside a
  finaliser or a library's callback was swallowed (Python only prints those);
* :func:`note_outputs_complete` records that a command's result folder is committed: an
  interrupt arriving after it (while the command prints or closes its cluster) carries
  ``outputs_complete``, so the command line reports the work as done (exit 0), not lost;
* :func:`deferred_signals` holds SIGINT and SIGTERM back while a result folder is committed
  and delivers them afterwards;
* :func:`output_error` turns an :class:`OSError` (or a GDAL write error) into an
  :class:`~harbor_planner.errors.OutputError` naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from harbor_planner._text import one_line
from harbor_planner.errors import OutputError

__all__ = [
    "Interrupted",
    "check_output_file",
    "deferred_signals",
    "note_outputs_complete",
    "output_error",
    "raise_if_interrupted",
    "refuse_overwriting_inputs",
    "signals_raise",
]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGINT) received while harbor-planner was writing.

    A :class:`KeyboardInterrupt`, so that ``except Exception`` never swallows it.

    Parameters
    ----------
    signum
        The signal's number.

    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


# The signals received inside the outermost signals_raise block (signals are the process's:
# one record per process, cleared when that block begins and ends).
_RECEIVED: list[int] = []
# The result folders committed inside that block (an interrupt after them finds the work done).
_COMPLETE: list[str] = []


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    _RECEIVED.append(signum)
    raise Interrupted(signum)


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` again if a signal arrived inside :func:`signals_raise`.

    An interrupt raised while Python ran a finaliser (``__del__``, a weak-reference callback:
    Dask's futures and memory hooks have them) is printed as "Exception ignored" and dropped,
    and the run would go on to finish as if never interrupted. The steps of a run call this
    between their pieces of work; outside :func:`signals_raise` it does nothing.

    Raises
    ------
    Interrupted
        With the first signal received.

    """
    if _RECEIVED:
        raise Interrupted(_RECEIVED[0])


def note_outputs_complete(path: str | os.PathLike[str]) -> None:
    """Record that the command's result folder ``path`` is committed, whole.

    Inside :func:`signals_raise`: an interrupt raised from then on (the command printing its
    headline, closing its cluster) leaves the block with ``outputs_complete`` (the folders
    recorded), so that the command line says the outputs are complete instead of reporting
    the run as interrupted (probe 16D's D5: exit 143, the new run in the folder).

    Parameters
    ----------
    path
        The folder committed.

    """
    if _main_thread():
        _COMPLETE.append(str(path))


def _unraisable(hook: Any) -> Any:
    """``sys.unraisablehook`` that keeps an interrupt dropped in a finaliser off the terminal.

    The interrupt is remembered already (:func:`_raise_interrupted`); anything else is
    reported by ``hook`` as before.
    """

    def quiet(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, Interrupted):
            return
        hook(unraisable)

    return quiet


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """Inside the block SIGTERM raises :class:`Interrupted`, so that clean-ups run.

    An interrupt leaving the block after :func:`note_outputs_complete` carries the folders
    recorded as ``outputs_complete``.

    SIGINT and SIGTERM left at their default action (SIGTERM's ends the process without any
    clean-up; SIGINT's raises a bare :class:`KeyboardInterrupt`) raise :class:`Interrupted`
    instead and are remembered for :func:`raise_if_interrupted`; handlers installed by the
    caller and ignored signals are left alone. The previous handlers are restored afterwards.
    Outside the main thread (where Python cannot handle signals) this does nothing.

    """
    if not _main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    defaults = (signal.SIG_DFL, None, signal.default_int_handler)
    mine = [s for s, h in previous.items() if h in defaults]
    if not mine:  # an enclosing block (or the caller) handles them
        yield
        return
    _RECEIVED.clear()
    _COMPLETE.clear()
    hook = sys.unraisablehook
    sys.unraisablehook = _unraisable(hook)
    for s in mine:
        signal.signal(s, _raise_interrupted)
    try:
        yield
    except KeyboardInterrupt as exc:
        if _COMPLETE:  # the work was done before the interrupt: say so to the caller
            exc.outputs_complete = tuple(_COMPLETE)  # type: ignore[attr-defined]
        raise
    finally:
        for s in mine:
            signal.signal(s, previous[s])
        sys.unraisablehook = hook
        _RECEIVED.clear()
        _COMPLETE.clear()


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back inside the block; deliver them when it ends.

    Used around the few renames that commit a result folder: a signal arriving then is
    delivered afterwards (the previous handler is called, or the default action taken), so
    the folder is either the previous run or the new one, never a mix. Outside the main
    thread signals never interrupt Python code, and this does nothing.

    """
    if not _main_thread():
        yield
        return
    caught: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    previous = {s: signal.signal(s, note) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if caught:
            _deliver(caught[0], previous[caught[0]])


def _deliver(signum: int, handler: Any) -> None:
    """Act on a deferred signal as ``handler`` (its handler before deferring) would have."""
    if handler is signal.SIG_IGN:
        return
    if callable(handler):
        handler(signum, None)
        return
    os.kill(os.getpid(), signum)  # the default action, now that the handler is back


def _identity(path: Path) -> tuple[str, tuple[int, int] | None]:
    """A path's resolved name and, when it exists, its ``(st_dev, st_ino)``."""
    real = os.path.realpath(path)
    try:
        st = os.stat(path)
    except OSError:
        return real, None
    return real, (st.st_dev, st.st_ino)


def refuse_overwriting_inputs(
    inputs: Mapping[str, str | os.PathLike[str]] | Iterable[str | os.PathLike[str]],
    outputs: Iterable[str | os.PathLike[str]],
    *,
    option: str = "--out",
) -> None:
    """Refuse outputs that are inputs, however the paths are spelled.

    Two paths are the same file when their resolved paths are equal (relative, absolute,
    ``./``, ``..`` and symbolic links resolved) or when they are the same inode
    (``(st_dev, st_ino)``: hard links).

    Parameters
    ----------
    inputs
        The input files, optionally by role (``{"stations": path}``).
    outputs
        Every file the command may write, replace or remove.
    option
        The option naming the outputs, for the message.

    Raises
    ------
    OutputError
        An output is one of the inputs (exit 3); nothing has been written.

    """
    roles = inputs.items() if isinstance(inputs, Mapping) else (("input", p) for p in inputs)
    known: dict[object, tuple[str, Path]] = {}
    for role, path in roles:
        if path is None:
            continue
        real, inode = _identity(Path(path))
        known[real] = (role, Path(path))
        if inode is not None:
            known[inode] = (role, Path(path))
    for out in outputs:
        real, inode = _identity(Path(out))
        hit = known.get(real) or (known.get(inode) if inode is not None else None)
        if hit is not None:
            role, path = hit
            raise OutputError(
                f"this output would write over or remove the {_role_text(role)} {path}, an "
                f"input of the same command; choose another {option} (or move the input "
                "elsewhere)",
                path=out,
            )


def _role_text(role: str) -> str:
    """An input's role in words: ``stations2`` -> "stations file 2", ``dem`` -> "dem file"."""
    name, number = re.fullmatch(r"(.*?)(\d*)", role).groups()  # type: ignore[union-attr]
    words = f"{name.replace('_', ' ')} file"
    return f"{words} {number}" if number else words


def check_output_file(path: str | os.PathLike[str], *, option: str = "--out") -> None:
    """Check, before any work, that the file ``path`` can be written.

    Parameters
    ----------
    path
        The output file (replaced if it exists).
    option
        The option naming it, for the message.

    Raises
    ------
    OutputError
        ``path`` is a folder, its folder does not exist or is not a folder, or it cannot be
        written; or ``path`` exists and is not a file harbor-planner wrote (see
        :mod:`harbor_planner._owned`), or is a file of a result folder.

    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"{option} names a folder; give a file name", path=path)
    if not parent.exists():
        raise OutputError(
            f"the folder of {option} does not exist; create it first or choose another {option}",
            path=path,
        )
    if not parent.is_dir():
        raise OutputError(f"{parent} is a file, not a folder; choose another {option}", path=path)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"the folder {parent} is read-only; choose another {option}", path=path)
    if path.exists() or path.is_symlink():
        _check_replaceable(path, option)


def _check_replaceable(path: Path, option: str) -> None:
    """An existing output file is replaced only when harbor-planner wrote it, outside a run."""
    from harbor_planner._owned import run_owning, written_by_harbor_planner

    run = run_owning(path)
    if run is not None:
        raise OutputError(
            f"{option} names a file of the result folder {run} (its run.json lists it); "
            f"choose another {option}",
            path=path,
        )
    if path.is_symlink() or not written_by_harbor_planner(path):
        raise OutputError(
            f"{option} names an existing file that harbor-planner did not write (or that was "
            "edited since); it is left "
            f"as it is: choose another {option}, or move the file away first",
            path=path,
        )


#: A library's message quoted in an output error is cut to this many characters.
_MAX_QUOTED_CHARS = 300
#: Less free space than this after a failed write: the disk is full.
_FULL_BYTES = 1 << 20


def _free_bytes(path: Path) -> int | None:
    """Free bytes on the file system of ``path`` (its nearest existing folder)."""
    for d in (path, *path.parents):
        if d.is_dir():
            try:
                return shutil.disk_usage(d).free
            except OSError:
                return None
    return None


def _size_limit() -> str:
    """`` (ulimit -f: N kB)`` when this process may write files only up to a size, else ``""``."""
    try:
        import resource
    except ImportError:  # Windows
        return ""
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return ""
    return f" (ulimit -f: {soft // 1024:,} kB)"


def output_error(
    exc: BaseException, path: str | os.PathLike[str], *, option: str = "--out"
) -> OutputError:
    """An :class:`OutputError` naming ``path`` for an error raised while writing it.

    Parameters
    ----------
    exc
        An :class:`OSError` (full disk, read-only folder...) or a GDAL write error.
    path
        The file or folder being written.
    option
        The command-line option that names it (said in the fix).

    Returns
    -------
    OutputError

    """
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = f"the disk is full; free some space or choose another {option}"
    elif isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = f"permission denied (a read-only folder?); choose another {option}"
    elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        what = f"the file grew past the largest size allowed{_size_limit()}; raise that limit"
    elif isinstance(exc, OSError):
        what = exc.strerror or str(exc)
    else:
        what = one_line(exc) or type(exc).__name__
        if len(what) > _MAX_QUOTED_CHARS:  # GDAL may quote a whole SQL schema
            what = what[: _MAX_QUOTED_CHARS - 3].rstrip() + "..."
        free = _free_bytes(Path(path))
        if free is not None and free < _FULL_BYTES:
            what += (
                f"; the disk is full ({free // 1024} kB free): free some space or choose "
                f"another {option}"
            )
        elif _size_limit() and re.search(r"writ|I/O|too large|size", what, re.IGNORECASE):
            # GDAL says "failed to write" of a file cut at the limit (21X); not else (22R)
            what += f"; files may not grow past{_size_limit()} here: raise that limit"
    return OutputError(f"cannot write: {what} (nothing was changed)", path=path)

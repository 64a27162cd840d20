"""A result folder written as a whole, and only over files harbor-planner wrote.

:class:`ResultFolder` is how ``coverage``, ``optimize``, ``run`` and ``demo`` write their
folder:

1. before any work, it refuses an output folder that is a file or cannot be created or
   written, an output that is one of the inputs, and a file of the user's where an output
   would go (a file counts as harbor-planner's only when the folder's ``run.json`` lists it
   with the SHA-256 it still has);
2. the files are written into a hidden staging folder inside the output folder (the same
   file system, so moving them in is a rename);
3. :meth:`ResultFolder.commit` writes ``run.json`` (the manifest: every output with its size
   and SHA-256) into the staging folder, then, with SIGINT and SIGTERM held back, moves the
   files in, removes the files of the previous run that this one does not write again
   (only those the previous ``run.json`` lists with an unchanged SHA-256) and moves
   ``run.json`` in last.

An error, a full disk, SIGINT or SIGTERM before the commit leaves the previous run as it was
and removes the staging folder; a folder the run created is removed again when left empty.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from harbor_planner._io import file_sha256, folder_lock, path_from, read_regular_text
from harbor_planner._safety import (
    deferred_signals,
    note_outputs_complete,
    output_error,
    raise_if_interrupted,
    refuse_overwriting_inputs,
)
from harbor_planner.errors import OutputError
from harbor_planner.outputs.folder import FILES

__all__ = ["MANIFEST_FILE", "STAGING_PREFIX", "ResultFolder", "manifest_outputs"]

log = logging.getLogger(__name__)

#: The manifest of a result folder.
MANIFEST_FILE = "run.json"
#: Name prefix of the hidden staging folders (followed by the writing process's id).
STAGING_PREFIX = ".harbor-planner-staging-"


def manifest_outputs(out_dir: str | os.PathLike[str]) -> dict[str, str]:
    """The outputs the folder's ``run.json`` lists, by name, with their SHA-256.

    Parameters
    ----------
    out_dir
        A result folder.

    Returns
    -------
    dict
        ``{name: sha256}``; empty when there is no ``run.json``.

    Raises
    ------
    OutputError
        ``run.json`` exists but is not a harbor-planner manifest (so it is the user's).

    """
    path = Path(out_dir) / MANIFEST_FILE
    if not os.path.lexists(path):
        return {}
    try:
        data = json.loads(read_regular_text(path))  # a FIFO of that name: refused, not read
        listed = {str(o["path"]): str(o["sha256"]) for o in data["outputs"]}
        if "harbor_planner" not in data:
            raise TypeError
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        raise OutputError(
            f"{MANIFEST_FILE} there was not written by harbor-planner and would be replaced; "
            "choose another --out or move the file",
            path=path,
        ) from None
    return listed


class ResultFolder:
    """Write a result folder as a whole (see the module's description).

    Use as a context manager: entering checks the folder and creates the staging folder
    (:attr:`staging`), where the writers put their files; :meth:`commit` moves them in;
    leaving without a commit (an error, an interrupt) removes the staging folder.

    Parameters
    ----------
    out_dir
        The result folder (created if missing).
    names
        The names of the files this run will write (checked before any work; the files
        actually staged are checked again at the commit).
    inputs
        The input files, by role: none may be a file of the folder.
    announce
        Record the commit for the command line (``_safety.note_outputs_complete``) the
        moment the files are in: a signal after it finds the command's work done. The
        commands' runs do; serve's exports (a server stopped with Ctrl-C later) do not.
    option
        What names the folder in the messages (``--out``; the Python API's parameter).

    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        names: Iterable[str],
        inputs: Mapping[str, str | os.PathLike[str]] | Iterable[str | os.PathLike[str]] = (),
        announce: bool = False,
        option: str = "--out",
    ) -> None:
        self.announce = announce
        self.option = option
        self.out_dir = Path(out_dir)
        self.names = tuple(names)
        self.inputs = inputs
        self.staging: Path | None = None
        self._created: list[Path] = []
        self._committed = False
        self._keep_staging = False  # a failed commit that could not be undone keeps it

    # ----------------------------------------------------------------- before any work

    def __enter__(self) -> ResultFolder:
        out = self.out_dir
        refuse_overwriting_inputs(self.inputs, [out / n for n in (*FILES, MANIFEST_FILE)])
        if out.exists() and not out.is_dir():
            raise OutputError(
                f"{self.option} names a file, not a folder; choose another {self.option} "
                "(a folder)",
                path=out,
            )
        self._make_dirs(out)
        try:
            self._remove_abandoned_staging()  # finishing a killed run's commit first
            self.refuse_foreign(self.names)
            try:
                name = tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{_run_tag()}-", dir=out)
            except OSError as exc:
                raise output_error(exc, out) from exc
        except BaseException:
            self._remove_created()
            raise
        self.staging = Path(name)
        return self

    def _make_dirs(self, out: Path) -> None:
        """Create ``out`` and missing parents, remembering which (to remove them on failure)."""
        missing = []
        for d in (out, *out.parents):
            if d.is_dir():
                break
            if os.path.lexists(d) and not d.is_dir():
                what = (
                    "a symbolic link to nothing"
                    if d.is_symlink() and not d.exists()
                    else ("a file")
                )
                raise OutputError(
                    f"cannot create the output folder: {d} is {what}; choose another {self.option}",
                    path=out,
                )
            missing.append(d)
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                self._remove_created()
                raise OutputError(
                    f"cannot create the output folder: {exc.strerror or exc}; choose another "
                    f"{self.option}",
                    path=out,
                ) from exc
            self._created.append(d)

    def refuse_foreign(self, names: Iterable[str]) -> dict[str, str]:
        """Refuse when one of ``names`` in the folder is not a file this tool wrote.

        Parameters
        ----------
        names
            Output names about to be written.

        Returns
        -------
        dict
            The previous run's outputs still as it wrote them (``{name: sha256}``).

        Raises
        ------
        OutputError
            A file of that name is the user's (not listed by ``run.json`` with its current
            SHA-256), or a folder.

        """
        owned = self._owned()
        foreign = [
            n
            for n in dict.fromkeys(names)
            if n != MANIFEST_FILE and os.path.lexists(self.out_dir / n) and n not in owned
        ]
        if foreign:
            raise OutputError(
                f"{', '.join(foreign)} here {'were' if len(foreign) > 1 else 'was'} not written "
                f"by harbor-planner (or changed since) and would be replaced; choose another "
                f"{self.option} or move the file" + ("s" if len(foreign) > 1 else ""),
                path=self.out_dir,
            )
        return owned

    def _owned(self) -> dict[str, str]:
        """The previous run's outputs that are still as it wrote them."""
        owned = {}
        for name, sha in manifest_outputs(self.out_dir).items():
            path = self.out_dir / name
            if name not in FILES or name == MANIFEST_FILE:
                continue  # only the names of a result folder
            if path.is_file() and not path.is_symlink() and file_sha256(path) == sha:
                owned[name] = sha
        return owned

    def _remove_abandoned_staging(self) -> None:
        """Remove the staging folders of runs whose process is gone (killed with SIGKILL).

        A run killed while it moved its files in (its staging folder holds its ``run.json``)
        has its commit finished first (:meth:`_finish_commit`), so that the folder holds one
        whole run again instead of some files of each.
        """
        for entry in os.scandir(self.out_dir):
            if not entry.name.startswith(STAGING_PREFIX) or not entry.is_dir():
                continue
            host, pid = _staging_owner(entry.name)
            if host is not None and host != _host():
                log.warning(
                    "%s: left alone, it is the staging folder of a run on %s (remove it once "
                    "that run is over)",
                    entry.path,
                    host,
                )
                continue
            if pid.isdigit() and not _alive(int(pid)):
                if (Path(entry.path) / MANIFEST_FILE).is_file():
                    self._finish_commit(Path(entry.path), pid)
                shutil.rmtree(entry.path, ignore_errors=True)

    def _finish_commit(self, staging: Path, pid: str) -> None:
        """Move in the files a killed run had not moved yet, then its ``run.json``.

        Only when every file of its manifest is either still staged (its place holding
        nothing, or the previous run's file as written) or already in place with the
        manifest's SHA-256; a file of the user's in the way leaves everything as it is.
        """
        try:
            new = manifest_outputs(staging)
        except OutputError:
            return
        old = self._owned()
        for name, sha in new.items():
            src, dst = staging / name, self.out_dir / name
            if name not in FILES:
                return
            if src.is_file():
                if os.path.lexists(dst) and name not in old:
                    return
            elif not (dst.is_file() and file_sha256(dst) == sha):
                return
        with deferred_signals():
            for name in new:
                if (staging / name).is_file():
                    os.replace(staging / name, self.out_dir / name)
            for name in set(old) - set(new):
                (self.out_dir / name).unlink(missing_ok=True)
            os.replace(staging / MANIFEST_FILE, self.out_dir / MANIFEST_FILE)
        log.warning(
            "%s: finished moving in the files of a run killed while it wrote them (process %s)",
            self.out_dir,
            pid,
        )

    @contextlib.contextmanager
    def writing(self) -> Iterator[Path]:
        """Yield :attr:`staging` to write into; a write error becomes an ``OutputError``.

        An :class:`OSError` (a full disk...) or a GDAL write error raised in the block
        becomes an :class:`~harbor_planner.errors.OutputError` naming the folder.
        """
        assert self.staging is not None, "writing() outside the with block"
        try:
            yield self.staging
        except OutputError as exc:  # name the file where it goes, not where it was staged
            path = Path(exc.path) if exc.path else None
            if path is None or path.parent != self.staging:
                raise
            raise OutputError(exc.detail, path=self.out_dir / path.name) from exc
        except Exception as exc:
            if isinstance(exc, OSError) or type(exc).__module__.startswith("pyogrio"):
                raise output_error(exc, self.out_dir) from exc
            raise

    # ----------------------------------------------------------------- the commit

    def commit(self, files: Iterable[Path], manifest: dict[str, Any]) -> list[Path]:
        """Write ``run.json`` and move the staged files in (see the module's description).

        Parameters
        ----------
        files
            The staged files (in :attr:`staging`).
        manifest
            The content of ``run.json``.

        Returns
        -------
        list of pathlib.Path
            The files of the folder, ``run.json`` last.

        Raises
        ------
        OutputError
            A user's file appeared where an output goes since the run began; nothing moved.

        """
        from harbor_planner.pipeline.results import write_json

        assert self.staging is not None, "commit() outside the with block"
        staged = [Path(f) for f in files]
        names = [f.name for f in staged]
        outside = [f for f in staged if f.parent != self.staging]
        if outside:
            raise ValueError(f"commit: not in the staging folder: {outside}")
        with self.writing() as staging:
            write_json(staging / MANIFEST_FILE, manifest)
        # one commit at a time per folder: two runs into it would interleave their files
        raise_if_interrupted()  # a run interrupted (the signal swallowed) is not committed
        with folder_lock(self.out_dir):
            owned = self.refuse_foreign(names)
            _say_another_scenario(self.out_dir, manifest)
            stale = sorted(set(owned) - set(names))
            edited = self._edited_left(owned, names)
            with deferred_signals():
                self._move_in(names, stale)
                self._committed = True
                if self.announce:  # before any signal held back is delivered
                    note_outputs_complete(self.out_dir)
                shutil.rmtree(self.staging, ignore_errors=True)
        if stale:
            log.info("removed %s of an earlier run in %s", ", ".join(stale), self.out_dir)
        if edited:
            log.warning(
                "%s: kept from an earlier run because edited since, not written by this run "
                "(so not this run's figures; move or delete): %s",
                self.out_dir, ", ".join(edited),
            )  # fmt: skip
        return [self.out_dir / n for n in (*names, MANIFEST_FILE)]

    def _move_in(self, names: list[str], stale: list[str]) -> None:
        """Move the staged files in (the earlier run's files set aside), then ``run.json``.

        A move that fails (a file open in Excel on Windows, a share gone read-only) puts back
        what had moved and the earlier files set aside: the folder is the earlier run's again,
        as the message says (probe 21X: a mix of two runs was left, said to be unchanged,
        and every later run into the folder was refused).
        """
        assert self.staging is not None
        aside = self.staging / ".earlier"
        aside.mkdir(exist_ok=True)
        done: list[str] = []
        try:
            for name in [*names, *stale, MANIFEST_FILE]:
                dst = self.out_dir / name
                if os.path.lexists(dst):
                    os.replace(dst, aside / name)
                done.append(name)
                if name not in stale:
                    os.replace(self.staging / name, dst)
        except OSError as exc:
            undone = self._put_back(done, aside)
            err = output_error(exc, self.out_dir)
            if not undone:  # the earlier run could not be restored: say what the folder holds
                self._keep_staging = True  # the earlier files set aside stay where said
                raise OutputError(
                    f"{err.detail.removesuffix(' (nothing was changed)')}; moving the files in "
                    "failed half-way and could not be undone: the folder holds files of two "
                    f"runs (the earlier ones are in {aside})",
                    path=self.out_dir,
                ) from exc
            raise err from exc

    def _put_back(self, done: list[str], aside: Path) -> bool:
        """Undo :meth:`_move_in` for ``done``; whether every earlier file is back in place."""
        assert self.staging is not None
        try:
            for name in reversed(done):
                dst = self.out_dir / name
                if os.path.lexists(dst) and not (aside / name).exists():
                    os.replace(dst, self.staging / name)  # this run's file, not an earlier one
                elif (aside / name).exists():
                    if os.path.lexists(dst):
                        os.replace(dst, self.staging / name)
                    os.replace(aside / name, dst)
        except OSError:
            return False
        return True

    def _edited_left(self, owned: dict[str, str], names: list[str]) -> list[str]:
        """The earlier run's outputs edited since (so kept) that this run does not write."""
        return sorted(
            n for n in manifest_outputs(self.out_dir)
            if n in FILES and n != MANIFEST_FILE and n not in owned and n not in names
            and (self.out_dir / n).is_file()
        )  # fmt: skip

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with deferred_signals():
            if self.staging is not None and self.staging.exists() and not self._keep_staging:
                shutil.rmtree(self.staging, ignore_errors=True)
            if not self._committed:
                self._remove_created()

    def _remove_created(self) -> None:
        """Remove the folders this run created, when they are still empty."""
        for d in reversed(self._created):
            with contextlib.suppress(OSError):
                d.rmdir()
        self._created.clear()


def _say_another_scenario(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Warn when the folder holds another scenario file's run.

    Two scenarios beside each other share the default ``out/``: the second replaced the
    first's results with an INFO line (probe 19Z).
    """
    import json

    new = manifest.get("scenario_file")
    try:
        before = json.loads(read_regular_text(out_dir / MANIFEST_FILE))
        old, old_out = before.get("scenario_file"), before.get("out_dir")
    except (OSError, ValueError, AttributeError):
        return
    if not (old and new) or Path(old).resolve() == Path(new).resolve():
        return
    moved = (  # the study's folder renamed or copied with its results (session 27)
        isinstance(old_out, str) and Path(old).is_absolute() and Path(old_out).is_absolute()
        and path_from(old, old_out) == path_from(Path(new).resolve(), out_dir.resolve())
    )  # fmt: skip
    if not moved:
        log.warning(
            "%s held the results of another scenario (%s); they are replaced by those of %s: "
            "give each scenario its own output.dir (--out) to keep both",
            out_dir, old, new,
        )  # fmt: skip


def _host() -> str:
    """The machine's name as staging folders' names carry it (letters, digits, ``._``)."""
    import re
    import socket

    return re.sub(r"[^A-Za-z0-9._]", "_", socket.gethostname())[:64] or "host"


def _run_tag() -> str:
    """``HOST@PID``: whose run a staging folder is.

    A run on another machine sharing the folder is never taken for a dead one here.
    """
    return f"{_host()}@{os.getpid()}"


def _staging_owner(name: str) -> tuple[str | None, str]:
    """The host (``None`` in names written before hosts were) and pid of a staging folder."""
    rest = name[len(STAGING_PREFIX) :]
    if "@" in rest:
        host, after = rest.split("@", 1)
        return host, after.split("-", 1)[0]
    return None, rest.split("-", 1)[0]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True

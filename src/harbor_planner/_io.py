"""Small file helpers: atomic writes and content hashes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harbor_planner.errors import InputDataError

__all__ = ["atomic_path", "file_sha256", "jsonable"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    A failure (an exception, a crash) never leaves a half-written ``path``; an existing file
    at ``path`` is replaced only at the end.

    Raises
    ------
    InputDataError
        The output directory does not exist.

    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputDataError(
            f"output directory {parent} does not exist; create it first", path=path
        )
    # keep the suffix: some writers (GDAL's GeoPackage driver) pick behaviour from it
    suffix = "".join(path.suffixes) or ".tmp"
    stem = path.name[: len(path.name) - len(suffix)] if path.suffixes else path.name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.tmp-", suffix=suffix, dir=parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL among them) may refuse an existing file
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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

"""The value types of the options: each value checked as it is parsed (a usage error, exit 2).

A ``type=`` of argparse raising :class:`argparse.ArgumentTypeError` gives one line naming the
option (``argument --stations: ...``), before any work and before any file is read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = [
    "crs_arg",
    "encoding_arg",
    "in_path",
    "in_text",
    "metric_crs_arg",
    "out_path",
    "sheet_arg",
]


def out_path(text: str) -> Path:
    """``--out``'s value: a path, never empty (``--out ""`` would write into the working folder).

    Raises
    ------
    argparse.ArgumentTypeError
        The name is empty (a usage error, exit 2).

    """
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file or folder name, got an empty one")
    return Path(text)


def in_text(text: str) -> str:
    """An input's value as given (a file, ``FILE:CRS``, ``place:NAME``, ids), never empty.

    Probe 25E: ``--stations ""`` read the working folder ("/tmp/x: a folder, not a station
    file"), ``run ""`` was ".: scenario file not found", ``--exclude ""`` excluded nothing,
    silently.

    Raises
    ------
    argparse.ArgumentTypeError
        The value is empty or blank (a usage error, exit 2).

    """
    if not text.strip():
        raise argparse.ArgumentTypeError("got an empty path; give the input file's name")
    return text


def in_path(text: str) -> Path:
    """An input file's path, never empty (see :func:`in_text`)."""
    return Path(in_text(text))


def sheet_arg(values: list[str] | None) -> str | list[str] | None:
    """``--sheet`` given once (a name) or repeated (the names)."""
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def crs_arg(text: str) -> str:
    """A coordinate-system option's value (``--crs``...), checked as it is parsed.

    Raises
    ------
    argparse.ArgumentTypeError
        A name pyproj and the Chinese datums do not know (a usage error, exit 2).

    """
    from harbor_planner.coords import parse_crs
    from harbor_planner.errors import CRSError

    try:
        parse_crs(text)
    except CRSError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def metric_crs_arg(text: str) -> str:
    """``--metric-crs``: a projected CRS in metres, checked as it is parsed.

    Probe 25E: ``--metric-crs utm48`` was exit 3 with PROJ's own text ("several objects
    matching this name: Indian 1954 / UTM zone 48N...").

    Raises
    ------
    argparse.ArgumentTypeError
        Not a CRS, geographic, or not in metres (a usage error, exit 2).

    """
    from harbor_planner.errors import CRSError
    from harbor_planner.network._crs import parse_metric_crs

    try:
        parse_metric_crs(text)
    except CRSError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


#: Text encodings of Chinese and Western CSV files, offered for a misspelled ``--encoding``.
_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "gb2312", "big5", "utf-16", "latin-1")


def encoding_arg(text: str) -> str:
    """``--encoding``: a text encoding Python knows, checked as it is parsed.

    Probe 25E: ``--encoding gbkk`` was exit 3 "cannot decode the file as gbkk: unknown
    encoding" without the option named; ``--encoding ""`` was auto-detection, silently.
    Probe 26R: ``hex``, ``rot13`` and ``base64`` (codecs, not text encodings) passed and
    failed later with exit 3.

    Raises
    ------
    argparse.ArgumentTypeError
        Empty, unknown or no text encoding (a usage error, exit 2), with the closest encoding.

    """
    import codecs
    import difflib

    name = text.strip()
    what = f"unknown encoding {text!r}" if name else "an empty encoding"
    if name:
        try:
            codecs.lookup(name)
            "".encode(name)  # LookupError for hex, rot13, base64: codecs, not text encodings
            return name
        except LookupError as exc:
            if "not a text encoding" in str(exc):
                what = f"{text!r} is not a text encoding (a codec of Python's)"
        except UnicodeError:  # the 'undefined' codec
            what = f"{text!r} is not a text encoding"
    close = difflib.get_close_matches(name.lower(), _ENCODINGS, n=1, cutoff=0.6)
    if close and what.startswith("unknown"):
        what += f" (did you mean {close[0]}?)"
    raise argparse.ArgumentTypeError(
        f"{what}; give one such as {', '.join(_ENCODINGS)}, or leave --encoding out to detect "
        "UTF-8 or GBK/GB18030"
    )

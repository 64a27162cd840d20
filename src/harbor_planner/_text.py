"""Text helpers: text safe to share, and text to show (terminal widths, row lists).

The writers of every table, workbook, page and layer call these functions as a last line of
defence (the readers already clean user text and warn about it):

* :func:`clean_text` removes C0 control characters except tab and newline, DEL, C1
  control characters, ANSI escape sequences (``ESC[31m``, OSC titles) and the code points XML
  refuses (lone surrogates, U+FFFE/U+FFFF), which a workbook, an HTML page or a GeoPackage
  must never hold;
* :func:`formula_safe` and :func:`csv_safe` follow OWASP's advice against CSV injection: text
  starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with ``'`` (plain
  numbers such as ``-5`` stay as they are);
* :func:`redact_secrets`, :func:`redact_override` and :func:`redact_argv` replace the value
  of every setting whose name contains one of :data:`harbor_planner.settings.SECRET_WORDS`
  (the Tianditu key among them) by :data:`harbor_planner.settings.REDACTED`, so that run.json,
  the reports and the logs record that a key was set, never the key.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from harbor_planner import settings

__all__ = [
    "clean_text",
    "counted",
    "csv_safe",
    "display_width",
    "formula_safe",
    "has_control",
    "is_secret_name",
    "one_line",
    "pct1",
    "published_pcts",
    "redact_argv",
    "redact_override",
    "redact_secrets",
    "rows_text",
    "strip_control_deep",
    "strip_url_credentials",
]

#: ANSI/VT escape sequences: CSI (``ESC [`` or the C1 ``CSI``) with parameters and a final
#: byte; OSC/DCS/PM/APC (``ESC ]``... or their C1 forms) up to BEL or ST; other two-character
#: escapes; a lone ESC.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
#: C0 controls except tab and newline, DEL, the C1 controls, lone surrogates, the code
#: points XML refuses (U+FFFE, U+FFFF) and the bidirectional marks, embeddings, overrides and
#: isolates (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069) that make a cell or a
#: terminal line read differently from what it holds ("Trojan Source", CVE-2021-42574), and
#: the invisible zero-width space, word joiner and BOM (U+200B, U+2060-U+2064, U+FEFF) that
#: make two ids that look the same differ (the joiners U+200C/U+200D are text: emoji).
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    r"\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
#: What a spreadsheet may read as the start of a formula (OWASP CSV injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def has_control(text: object) -> bool:
    """Whether ``text`` holds anything :func:`clean_text` removes.

    Parameters
    ----------
    text
        Any value (only strings can hold control characters).

    Returns
    -------
    bool
        True when a control character or an escape sequence is present.

    """
    return isinstance(text, str) and _CONTROLS.search(text) is not None


def clean_text(text: str) -> str:
    r"""``text`` without control characters or escape sequences (tab and newline kept).

    The one cleaning of user text, at read time (cells, headers) and again in the writers
    (workbooks, HTML, GeoPackages, the terminal). ANSI/VT escape sequences (colours, cursor
    moves, window titles) are removed whole, then every remaining C0 control except tab and
    newline (a CR-LF becomes a newline), DEL, the C1 controls, lone surrogates,
    U+FFFE/U+FFFF, the bidirectional controls (marks, embeddings, overrides, isolates) and
    the zero-width characters.

    Parameters
    ----------
    text
        A cell, header or message (other values are returned unchanged).

    Returns
    -------
    str
        The text as it should be shown; unchanged when it had no control character.

    Examples
    --------
    >>> clean_text("\x1b[31m解放碑\x1b[0m\x07")
    '解放碑'

    """
    if not has_control(text):
        return text
    text = text.replace("\r\n", "\n")
    if _ESCAPED_BYTES.search(text):
        text = _decoded_names(text)
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


#: Bytes a file name held that were not UTF-8, as Python keeps them (``surrogateescape``).
_ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]")


def _decoded_names(text: str) -> str:
    """Each part of a path whose bytes were not UTF-8, read as GBK/GB18030 where it is.

    A zip made on a Chinese Windows and unpacked on Linux names its files in GBK: Python
    holds ``站点.csv`` as ``\udcd5\udcbe...``; shown, written to JSON or a page, it is read
    as what it is. A part that is not GB18030 either keeps the escapes (removed after).
    """
    parts = re.split(r"([/\\])", text)
    for i, part in enumerate(parts):
        if _ESCAPED_BYTES.search(part):
            with contextlib.suppress(UnicodeError):
                parts[i] = part.encode("utf-8", "surrogateescape").decode("gb18030")
    return "".join(parts)


def strip_control_deep(value: Any) -> Any:
    """:func:`clean_text` on every string of nested mappings, lists and tuples.

    Parameters
    ----------
    value
        Any value; mapping keys are cleaned too.

    Returns
    -------
    object
        The same structure (mappings become dicts, tuples lists) with clean strings.

    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {strip_control_deep(k): strip_control_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_control_deep(v) for v in value]
    return value


def formula_safe(text: str) -> str:
    r"""Text a spreadsheet cannot take for a formula.

    Control characters are removed (:func:`clean_text`) and a ``'`` is put before a leading
    ``=``, ``+``, ``-``, ``@``, tab or carriage return (OWASP). Plain numbers (``-5``,
    ``+1.5e3``) are left as they are: they are not formulas.

    Parameters
    ----------
    text
        Any text (other values are returned unchanged).

    Returns
    -------
    str
        The safe text.

    Examples
    --------
    >>> formula_safe('=HYPERLINK("http://x","y")')
    '\'=HYPERLINK("http://x","y")'
    >>> formula_safe("-5")
    '-5'

    """
    if not isinstance(text, str):
        return text
    text = clean_text(text)
    if text.startswith(FORMULA_STARTS) and _NUMBER_RE.fullmatch(text) is None:
        return "'" + text
    return text


def _safe_column(values: Any) -> Any | None:
    """The column with safe text, or ``None`` when nothing changes."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    elif values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        return None
    changed = [isinstance(v, str) and formula_safe(v) != v for v in values]
    if not any(changed):  # (an empty column of the string dtype cannot reduce with .any())
        return None
    return values.map(formula_safe).astype(object)


def csv_safe(frame: Any) -> Any:
    """A copy of ``frame`` to write as CSV: every text cell and header :func:`formula_safe`.

    Numbers stay numbers (only text cells of object, string and categorical columns change),
    so a negative number is still written ``-5``.

    Parameters
    ----------
    frame
        A DataFrame (or GeoDataFrame: the geometry column is left alone).

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when nothing needs changing, else a changed copy.

    """
    geometry = getattr(frame, "_geometry_column_name", None)
    changed = {
        col: new
        for col in frame.columns
        if col != geometry and (new := _safe_column(frame[col])) is not None
    }
    names = [formula_safe(c) if isinstance(c, str) else c for c in frame.columns]
    if not changed and names == list(frame.columns):
        return frame
    out = frame.copy()
    for col, new in changed.items():
        out[col] = new
    out.columns = names
    return out


def is_secret_name(name: object) -> bool:
    """Whether a setting named ``name`` holds a secret.

    Its last dotted part holds one of :data:`harbor_planner.settings.SECRET_WORDS`:
    ``tianditu_key``, ``api_token``...

    Parameters
    ----------
    name
        A setting name, dotted or not, ``-`` or ``_`` separated.

    Returns
    -------
    bool
        True for a secret.

    """
    last = str(name).rsplit(".", 1)[-1].lower()
    return any(word in last for word in settings.SECRET_WORDS)


def _redacted(value: Any) -> Any:
    return None if value is None or value == "" else settings.REDACTED


def redact_secrets(value: Any) -> Any:
    """Nested parameters with the value of every secret setting replaced.

    Parameters
    ----------
    value
        Parameters as nested mappings and lists (e.g. ``Scenario.to_dict()``).

    Returns
    -------
    object
        A copy in which each secret setting (:func:`is_secret_name`) holds
        :data:`harbor_planner.settings.REDACTED` when it was set, ``None`` when it was not.

    """
    if isinstance(value, Mapping):
        return {
            k: _redacted(v)
            if is_secret_name(k) and not isinstance(v, Mapping)
            else redact_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_secrets(v) for v in value]
    if isinstance(value, str) and "=" in value:
        return redact_override(value)
    return strip_url_credentials(value) if isinstance(value, str) else value


#: ``scheme://user:password@`` in an address (a Dask scheduler's, issue 18).
#: The user name and password of an address: after a scheme, everything up to the token's
#: last ``@`` (a password may hold ``/`` or ``@``) ...
_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)\S*@")
#: ... and without a scheme, ``user:password@`` at the start of a token or after ``=`` or a
#: quote (``--set run.scheduler=alice:pw@host:8786``).
_BARE_CREDENTIALS = re.compile(r"(^|[\s=\"'(,\[])[^\s:@/=\"'(,\[]+:\S*@(?=\S)")


def strip_url_credentials(text: str) -> str:
    """``tcp://user:pass@host:8786`` → ``tcp://host:8786``; other text unchanged.

    Also ``user:pass@host`` without a scheme, and passwords holding ``/`` or ``@`` (the
    host follows the token's last ``@``).

    Parameters
    ----------
    text
        An address, or any text holding addresses.

    Returns
    -------
    str
        The text without the user names and passwords of its URLs.

    """
    return _BARE_CREDENTIALS.sub(r"\1", _URL_CREDENTIALS.sub(r"\1", text))


def redact_override(text: str) -> str:
    """``output.tianditu_key=abc`` → ``output.tianditu_key=(set)``; other text unchanged.

    Parameters
    ----------
    text
        A ``KEY=VALUE`` override (``--set``) or any text.

    Returns
    -------
    str
        The text with the value of a secret key replaced.

    """
    text = strip_url_credentials(text)
    key, sep, value = text.partition("=")
    if sep and key.strip() and " " not in key.strip() and is_secret_name(key.strip()):
        return f"{key}={settings.REDACTED}" if value.strip() else text
    return text


def redact_argv(argv: Sequence[str]) -> list[str]:
    """A command line with the values of secret options and overrides replaced.

    ``--tianditu-key K``, ``--tianditu-key=K`` and ``--set output.tianditu_key=K`` all keep
    the option and show :data:`harbor_planner.settings.REDACTED` instead of ``K``.

    Parameters
    ----------
    argv
        The arguments.

    Returns
    -------
    list of str
        The redacted arguments.

    """
    out: list[str] = []
    hide_next = False
    for arg in argv:
        arg = str(arg)
        if hide_next:
            out.append(settings.REDACTED)
            hide_next = False
        elif arg.startswith("--") and is_secret_name(arg[2:].partition("=")[0]):
            name, sep, _ = arg.partition("=")
            out.append(f"{name}={settings.REDACTED}" if sep else arg)
            hide_next = not sep
        elif arg.startswith("--") and "=" in arg:
            name, _, rest = arg.partition("=")
            out.append(f"{name}={redact_override(rest)}")
        else:
            out.append(redact_override(arg))
    return out


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide CJK characters count as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def rows_text(rows: Sequence[object], limit: int = 10) -> str:
    """Row numbers for a message: the first ``limit``, then "and N more"."""
    shown = ", ".join(map(str, list(rows)[:limit]))
    more = len(rows) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular for one: ``1 station``, ``2,000 stations``.

    Parameters
    ----------
    n
        The count.
    noun
        The singular noun.
    plural
        The plural when it is not ``noun + "s"``.

    """
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {plural if plural is not None else noun + 's'}"


def published_pcts(frame: Any) -> Any:
    """``frame`` with its percentage columns (``*_pct``) to two decimals, as published.

    summary.json, ``by_district.csv`` and the workbook give percentages to two decimals; the
    other tables (``coverage_curve.csv``, ``stations.csv``) held the raw floats.

    Parameters
    ----------
    frame
        A (Geo)DataFrame.

    Returns
    -------
    pandas.DataFrame
        A copy, or ``frame`` itself when it has no percentage column.

    """
    cols = [c for c in frame.columns if isinstance(c, str) and c.endswith("_pct")]
    num = [c for c in cols if frame[c].dtype.kind == "f"]
    return frame.round(dict.fromkeys(num, 2)) if num else frame


def pct1(value: float) -> str:
    """A percentage to one decimal, from its published two-decimal figure, halves up.

    summary.json, the tables and the workbook give percentages to two decimals; the headline,
    the report and the map give one. Rounding the float to one decimal directly prints
    53.65 (53.6499... in binary) as ``53.6`` where the workbook says 53.65; here it reads
    ``53.7``, whichever of the two figures a reader checks it against.

    Parameters
    ----------
    value
        A percentage (or any figure published to two decimals).

    Returns
    -------
    str
        E.g. ``"53.7"``; ``"nan"``/``"inf"`` for those.

    Examples
    --------
    >>> pct1(53.65), pct1(53.6506), pct1(53.644), pct1(-0.05)
    ('53.7', '53.7', '53.6', '-0.1')

    """
    x = float(value)
    if not math.isfinite(x):
        return f"{x:.1f}"
    two = Decimal(repr(round(x, 2)))
    # enough digits for any float (a demand weighing 1e27 overflowed the default 28: probe 17F)
    wide = Context(prec=400)
    return f"{two.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP, context=wide)}"


def one_line(value: object) -> str:
    r"""``str(value)`` on one line: runs of whitespace, newlines included, become one space.

    For library messages (GEOS, GDAL, XML parsers) quoted in an error, which the CLI prints
    as one line.

    Examples
    --------
    >>> one_line("point array must contain 0 or >1 elements\n")
    'point array must contain 0 or >1 elements'

    """
    return " ".join(str(value).split())

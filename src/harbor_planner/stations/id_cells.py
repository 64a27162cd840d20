"""Ids Excel turned into numbers: digits lost (an error) or a scientific-looking text (kept).

Excel keeps 15 significant digits of a number, and a CSV saved from it holds a number as the
cell shows it: a 12-digit or longer number in a General column as ``1.23457E+11``. Probe 26P:
every id in scientific notation was refused as having "more than 15 significant digits",
``1e5`` too. Here only ids whose digits are really lost are errors; a short one is kept as
text, with a warning naming the row and the fix.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from harbor_planner.readers import RawTable, problem

__all__ = ["id_problems"]

#: An id written in scientific notation (``1.23457E+17``, ``1e5``): mantissa and exponent.
_SCI_ID = re.compile(r"^[+-]?(\d)(?:\.(\d*))?[eE]\+?(\d+)$")
#: Digits Excel keeps of a number.
_EXCEL_DIGITS = 15
#: The shortest whole number Excel's General format shows in scientific notation.
_EXCEL_SCI_DIGITS = 12


def _sci_digits(text: str) -> tuple[int, int] | None:
    """Digits written and digits of the whole number, of an id in scientific notation."""
    m = _SCI_ID.match(text.strip())
    if m is None:
        return None
    written = 1 + len((m.group(2) or "").rstrip("0"))
    return written, int(m.group(3)) + 1


def _id_verdict(v: object) -> str | None:
    """``"lost"`` (digits gone), ``"scientific"`` (a short id that looks like a number), or None."""
    if isinstance(v, float):
        return "lost" if np.isfinite(v) and abs(v) >= 10.0**_EXCEL_DIGITS else None
    digits = _sci_digits(v) if isinstance(v, str) else None
    if digits is None:
        return None
    written, whole = digits
    if whole > _EXCEL_DIGITS or (whole >= _EXCEL_SCI_DIGITS and written < whole):
        return "lost"
    return "scientific"


def _message(v: object, cell: str) -> tuple[str, str, str]:
    """Severity, code and message of an id of :func:`_id_verdict`."""
    shown = f"{v:.15g}" if isinstance(v, float) else str(v)
    if _id_verdict(v) == "scientific":
        return "warning", "id_scientific", (
            f"{cell}the id {shown} looks like a number in scientific notation; it is kept as "
            f"the text {shown!r}. If Excel turned an id into a number (an id typed as 1E5 "
            "becomes 100000, shown as 1.00E+05), format the column as Text and type it again"
        )  # fmt: skip
    written, whole = _sci_digits(shown) or (_EXCEL_DIGITS, _whole_digits(v))
    if whole > _EXCEL_DIGITS:
        what = (f"stored as a number with more than {_EXCEL_DIGITS} significant digits, so "
                "its last digits are lost; format the column as Text and type the ids again "
                f"(Excel keeps {_EXCEL_DIGITS} digits of a number)")  # fmt: skip
    else:
        what = (f"saved as Excel shows a {whole}-digit number, with only its first {written} "
                "digits; in the workbook, format the column as Text (or Number without "
                "decimals) and save the CSV again")  # fmt: skip
    return "error", "id_precision_lost", f"{cell}the id {shown} was {what}"


def _whole_digits(v: object) -> int:
    """Digits of the whole part of a number (``1.23e17`` -> 18)."""
    return len(str(int(abs(float(v))))) if isinstance(v, float) else 0


def id_problems(raw: RawTable, col: str | None) -> pd.DataFrame:
    """``id_precision_lost`` (error) and ``id_scientific`` (warning) of a table's ids.

    An id stored as a number of 10^15 or more, or a text in scientific notation of a
    number longer than Excel shows whole (``1.23457E+17``, ``1.23457E+11`` from a CSV saved
    from Excel), has lost digits: an error naming the cell; its digits are never made up.
    A short one (``1e5``) is kept as text, with a warning.

    Parameters
    ----------
    raw
        A table as read.
    col
        Its id column (``None``: no ids).

    Returns
    -------
    pandas.DataFrame
        Problems (empty when none).

    """
    if col is None or not len(raw.frame):
        return pd.DataFrame()
    values = raw.frame[col].to_numpy(dtype=object)
    flagged = np.array([_id_verdict(v) is not None for v in values], dtype=bool)
    if not flagged.any():
        return pd.DataFrame()
    letter = ""
    if raw.x is None and raw.sheet is not None:  # a workbook sheet: name the cell
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(list(raw.frame.columns).index(col) + 1)
    records = []
    for v, r in zip(values[flagged], raw.rows[flagged], strict=True):
        severity, code, message = _message(v, f"cell {letter}{r}: " if letter else "")
        records.append(problem(raw.sheet, int(r), col, severity, code, message))
    return pd.DataFrame(records)

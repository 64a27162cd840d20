"""Workbook cells that are safe to send on, and workbooks with reproducible bytes.

Every ``.xlsx`` harbor-planner writes goes through :func:`save_workbook`: text cells lose their
control characters (openpyxl refuses most of them) and are stored as text, never as formulas
or error values (openpyxl takes a ``str`` starting with ``=`` for a formula and ``#N/A`` for
an error); text that a spreadsheet would read as a formula when typed in also gets Excel's
quote prefix (shown as typed, never evaluated). The document properties and the ZIP entries
carry :data:`harbor_planner.settings.FILE_DATE`, so the same tables give the same bytes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harbor_planner._io import atomic_path
from harbor_planner._stable import file_datetime, stable_zip
from harbor_planner._text import FORMULA_STARTS, clean_text
from harbor_planner.outputs.values import cell_value, is_missing

__all__ = ["protect_cells", "save_workbook", "write_frames_xlsx", "xlsx_value"]


def xlsx_value(value: Any) -> Any:
    """A value for a workbook cell, clean.

    As :func:`~harbor_planner.outputs.values.cell_value`, with the control characters removed
    from text and missing dates (``NaT``) empty.

    Parameters
    ----------
    value
        Any value.

    Returns
    -------
    object
        ``None``, a bool, number, clean string, date or datetime.

    """
    if not isinstance(value, str) and is_missing(value):
        return None
    value = cell_value(value)
    return clean_text(value) if isinstance(value, str) else value


def protect_cells(ws: Any) -> int:
    """Make every text cell of a worksheet plain text: clean, never a formula or an error.

    Parameters
    ----------
    ws
        An openpyxl worksheet (cells the project made formulas, if any, are made text too:
        harbor-planner writes none).

    Returns
    -------
    int
        How many cells openpyxl had taken for a formula or an error value.

    """
    fixed = 0
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if not isinstance(value, str):
                continue
            clean = clean_text(value)
            if clean != value:
                cell.value = clean
            if cell.data_type != "s":
                fixed += 1
                cell.data_type = "s"
            if clean.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
    return fixed


def save_workbook(wb: Any, path: str | os.PathLike[str]) -> Path:
    """Save an openpyxl workbook atomically, its cells protected and its bytes reproducible.

    Parameters
    ----------
    wb
        The workbook.
    path
        The ``.xlsx`` file (replaced if it exists).

    Returns
    -------
    pathlib.Path
        ``path``.

    """
    for ws in wb.worksheets:
        protect_cells(ws)
    stamp = file_datetime()
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "harbor-planner"
    path = Path(path)
    buffer = io.BytesIO()  # built in memory: a full disk fails our write, not openpyxl's zip
    wb.save(buffer)  # (whose half-written archive then failed again when collected)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
        stable_zip(tmp)
    return path


def write_frames_xlsx(path: str | os.PathLike[str], sheets: Mapping[str, Any]) -> Path:
    """Write tables as the sheets of one workbook: a header row, then one row per record.

    Parameters
    ----------
    path
        The ``.xlsx`` file (replaced if it exists, atomically).
    sheets
        Sheet name → DataFrame (the index is not written). Numbers stay numbers, text is
        cleaned (:func:`xlsx_value`) and never a formula.

    Returns
    -------
    pathlib.Path
        ``path``.

    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(clean_text(str(name))[:31] or "sheet")
        ws.append([xlsx_value(str(c)) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            ws.append([xlsx_value(v) for v in row])
        ws.freeze_panes = "A2"
    return save_workbook(wb, path)

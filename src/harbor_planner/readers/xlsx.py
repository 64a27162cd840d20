"""Excel workbooks (.xlsx) as planners keep them, and the choice between workbook and CSV.

:func:`read_xlsx` reads the visible sheets (hidden and very hidden ones are skipped with a
``sheet_skipped`` warning unless named), shows numbers the way the sheet does for the simple
zero-padding formats (an id 7 formatted ``000`` reads ``"007"``) and keeps the cell address of
every value. :func:`read_table_file` reads a CSV or a workbook by its content, not its name: a
workbook saved as ``.csv`` is read as a workbook, a text file named ``.xlsx`` is a clear error.

Reading stays bounded whatever the file claims: :func:`check_workbook_parts` refuses a zip
bomb before anything is inflated, and a sheet is read by the cells it holds, never by the range
it declares (limits in :mod:`harbor_planner.settings`, ``XLSX_*``).
"""

from __future__ import annotations

import bisect
import io
import logging
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harbor_planner import settings
from harbor_planner._text import rows_text
from harbor_planner.errors import InputDataError
from harbor_planner.readers.headers import column_role
from harbor_planner.readers.tables import (
    RawTable,
    file_kind,
    header_index,
    one_cell_hint,
    problem,
    read_csv,
    table_from_rows,
)

__all__ = ["check_workbook_parts", "display_number", "read_table_file", "read_xlsx"]

log = logging.getLogger(__name__)

_TABLE_SUFFIXES = {".csv", ".txt", ".tsv"}
_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
#: A number format of zeros with literal text around them: ``000``, ``"CQ-"0000``, ``0000"号"``.
_PADDING = re.compile(r'^((?:"[^"]*"|\\.)*)(0+)((?:"[^"]*"|\\.)*)$')


def _literal(part: str) -> str:
    return re.sub(r'"([^"]*)"|\\(.)', lambda m: m.group(1) or m.group(2) or "", part)


def display_number(value: object, number_format: str | None) -> object:
    """A whole number as a zero-padding number format shows it; other values unchanged.

    Parameters
    ----------
    value
        A cell value.
    number_format
        The cell's number format (``"000"``, ``'"CQ-"0000'``...).

    Returns
    -------
    object
        ``"007"`` for 7 in format ``000``; ``"CQ-0012"`` for 12 in ``"CQ-"0000``; the value
        itself for any other format, a fraction or a non-number.

    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not number_format:
        return value
    if isinstance(value, float) and not value.is_integer():
        return value
    m = _PADDING.match(number_format.split(";")[0])
    if m is None or (len(m.group(2)) < 2 and not (m.group(1) or m.group(3))):
        return value
    if abs(value) >= 1e15:
        return value  # beyond Excel's precision: left to the checks, never padded
    number = int(value)
    digits = str(abs(number)).zfill(len(m.group(2)))
    sign = "-" if number < 0 else ""
    return f"{_literal(m.group(1))}{sign}{digits}{_literal(m.group(3))}"


_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(value: object) -> object:
    """Excel's ``_xHHHH_`` escapes (how it stores control characters) as the characters."""
    if isinstance(value, str) and "_x" in value:
        return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def check_workbook_parts(path: Path, source: Any) -> None:
    """Refuse a workbook whose parts would inflate beyond sane sizes (a zip bomb).

    Only the sizes the archive declares are read (Python's zip reader never inflates a part
    beyond its declared size), so the check costs nothing however large the claim.

    Parameters
    ----------
    path
        The workbook, for the message.
    source
        The same file as a path or a binary file object (rewound afterwards).

    Raises
    ------
    InputDataError
        A part over :data:`~harbor_planner.settings.XLSX_MAX_PART_BYTES`, a part over
        :data:`~harbor_planner.settings.XLSX_RATIO_MIN_BYTES` that inflates more than
        :data:`~harbor_planner.settings.XLSX_MAX_RATIO` times its packed size, or a part
        packed otherwise than stored or deflated; naming the part and why.

    """
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a readable zip: openpyxl reports it
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    for part in parts:
        size, packed = part.file_size, max(part.compress_size, 1)
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Excel, WPS and LibreOffice deflate; bzip2 or lzma would inflate unbounded chunks
            why = f"is packed with zip method {part.compress_type}, which no spreadsheet writes"
        elif size > settings.XLSX_MAX_PART_BYTES:
            why = (
                f"would inflate to {_mb(size)}, more than the "
                f"{_mb(settings.XLSX_MAX_PART_BYTES)} a workbook part may hold"
            )
        elif size > settings.XLSX_RATIO_MIN_BYTES and size > settings.XLSX_MAX_RATIO * packed:
            why = (
                f"would inflate {size / packed:,.0f} times (from {_mb(packed)} to {_mb(size)}), "
                f"more than the {settings.XLSX_MAX_RATIO:g} to 1 allowed for a part over "
                f"{_mb(settings.XLSX_RATIO_MIN_BYTES)}"
            )
        else:
            continue
        raise InputDataError(
            f"workbook part {part.filename!r} {why}; the file is damaged or a zip bomb, not "
            "read (open it in Excel and save it again as .xlsx)",
            path=path,
        )


def _sheet_rows(ws: Any, name: str, path: Path) -> tuple[list[list[object]], list[int]]:
    """The rows of a sheet holding a value, and their row numbers.

    Only the cells present are read: empty rows are skipped and each row ends at its last
    value, whatever range the sheet declares (a stray cell at XFD1048576 costs one row, not
    17 billion empty cells). Numbers are shown as their zero-padding formats show them.

    Raises
    ------
    InputDataError
        A row beyond Excel's last, more cells than
        :data:`~harbor_planner.settings.XLSX_MAX_CELLS` (rows holding a value times the
        widest), or a sheet that cannot be parsed.

    """
    from openpyxl.utils import get_column_letter

    ws.reset_dimensions()  # the declared range may be absurd: read the cells present only
    rows: list[list[object]] = []
    numbers: list[int] = []
    width = 0
    limit = settings.XLSX_MAX_CELLS
    where = f"sheet {name!r}: "
    try:
        for number, cells in enumerate(ws.iter_rows(), start=1):
            if number > settings.XLSX_MAX_ROWS:
                raise InputDataError(
                    f"{where}rows past Excel's last row {settings.XLSX_MAX_ROWS:,}; the file is "
                    "damaged (open it in Excel and save it again as .xlsx)",
                    path=path,
                )
            vals = [
                None
                if c.value is None
                else _unescape(display_number(c.value, getattr(c, "number_format", None)))
                for c in cells
            ]
            vals = [v.strip() or None if isinstance(v, str) else v for v in vals]
            while vals and vals[-1] is None:
                vals.pop()
            if not vals:
                continue
            width = max(width, len(vals))
            if (len(rows) + 1) * width > limit:
                raise InputDataError(
                    f"{where}its values span {len(rows) + 1:,} rows and reach column "
                    f"{get_column_letter(width)} (row {number:,}): more than the {limit:,} cells "
                    "a sheet may span; delete the stray cells past the table (Ctrl+End shows "
                    "the last one) or split the sheet",
                    path=path,
                )
            rows.append(vals)
            numbers.append(number)
    except InputDataError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many types for broken sheets
        raise InputDataError(
            f"{where}cannot read it ({type(exc).__name__}: {exc}); open the workbook in Excel "
            "and save it again as .xlsx",
            path=path,
        ) from None
    return rows, numbers


def _wanted_sheets(
    wb: Any, sheet: str | Sequence[str] | None, path: Path
) -> tuple[list[str], bool, list[dict[str, Any]]]:
    """The sheets to read, whether they were named, and the hidden ones skipped."""
    names = list(wb.sheetnames)
    if sheet is not None and sheet != "*":
        wanted = [sheet] if isinstance(sheet, str) else list(sheet)
        missing = [s for s in wanted if s not in names]
        if missing:
            raise InputDataError(
                f"no sheet named {', '.join(map(repr, missing))}; the workbook has "
                f"{', '.join(map(repr, names))} (use --sheet NAME, or '*' for all)",
                path=path,
            )
        return wanted, True, []
    problems = []
    visible = []
    for name in names:
        state = getattr(wb[name], "sheet_state", "visible")
        if state in ("hidden", "veryHidden"):
            kind = "very hidden" if state == "veryHidden" else "hidden"
            message = (
                f"{kind} sheet skipped; name it with --sheet (sheet=) to read it, or unhide it "
                "in Excel (Format ▸ Unhide sheet)"
            )
            log.warning("%s: sheet %r: %s", path, name, message)
            problems.append(problem(name, None, None, "warning", "sheet_skipped", message))
            continue
        visible.append(name)
    return visible, False, problems


def read_xlsx(
    path: Path, sheet: str | Sequence[str] | None
) -> tuple[list[RawTable], list[dict[str, Any]]]:
    """The tables of a workbook's sheets.

    ``sheet`` names one or several; ``None`` or ``"*"`` reads every visible sheet with
    coordinate columns (hidden and very hidden sheets are skipped with a ``sheet_skipped``
    warning).
    """
    import openpyxl

    # openpyxl goes by the file name; a workbook saved as .csv is given to it as bytes
    source: Any = (
        path if path.suffix.lower() in _WORKBOOK_SUFFIXES else io.BytesIO(path.read_bytes())
    )
    check_workbook_parts(path, source)
    try:
        wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InputDataError(
            f"cannot open the workbook ({type(exc).__name__}: {exc}); save it again from "
            "Excel as .xlsx",
            path=path,
        ) from None
    try:
        names = list(wb.sheetnames)
        wanted, explicit, problems = _wanted_sheets(wb, sheet, path)
        raws: list[RawTable] = []
        formulas = _unsaved_formulas(path, source, wanted)
        hint = ""
        for name in wanted:
            rows, numbers = _sheet_rows(wb[name], name, path)
            xml = _sheet_xml(source, wb[name])
            problems.extend(_formula_problems(name, formulas.get(name, []), rows, numbers))
            problems.extend(_fill_merged(rows, numbers, _merged_ranges(xml), name))
            raw, probs = table_from_rows(rows, numbers, name, path)
            probs = [*probs, *_hidden_rows(xml, raw.rows, name)]
            canon = {column_role(c) for c in raw.frame.columns}
            if not {"lon", "lat"} <= canon and not explicit:
                hint = hint or one_cell_hint(raw.frame)
                if rows:
                    problems.append(
                        problem(
                            name,
                            None,
                            None,
                            "warning",
                            "sheet_skipped",
                            "sheet skipped: no longitude/latitude columns (经度/纬度, lon/lat)",
                        )
                    )
                continue
            raws.append(raw)
            problems.extend(probs)
    finally:
        wb.close()
    if not raws:
        raise InputDataError(
            "no visible sheet has longitude and latitude columns (经度/纬度, lon/lat, x/y); "
            "sheets: "
            + ", ".join(map(repr, names))
            + " (name a hidden one with --sheet)"
            + hint,  # probe 23E: a 坐标 column of "106.57,29.55" lost its fix in a workbook
            path=path,
        )
    return raws, problems


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _sheet_xml(source: Any, ws: Any) -> bytes:
    """A sheet's XML as stored (read-only sheets expose neither merges nor row attributes)."""
    part = getattr(ws, "_worksheet_path", None)
    if part is None:
        return b""
    if isinstance(source, io.BytesIO):
        source.seek(0)
    try:
        with zipfile.ZipFile(source) as z:
            return z.read(part.lstrip("/"))
    except (KeyError, OSError, zipfile.BadZipFile):
        return b""


def _merged_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet's XML: ``(first_row, last_row, first_col, last_col)``."""
    from openpyxl.utils import column_index_from_string

    at = data.rfind(b"<mergeCells")
    if at < 0:
        return []
    return [
        (int(r1), int(r2), column_index_from_string(c1.decode()),
         column_index_from_string(c2.decode()))
        for c1, r1, c2, r2 in _MERGE.findall(data[at:])
    ]  # fmt: skip


_HIDDEN_ROW = re.compile(rb'<row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')


def _hidden_rows(data: bytes, rows: Any, sheet: str) -> list[dict[str, Any]]:
    """A warning naming the table's rows hidden in Excel (by hand or by a filter)."""
    hidden = {int(n) for tag in _HIDDEN_ROW.findall(data) for n in _ROW_NUMBER.findall(tag)}
    read = sorted(hidden & {int(r) for r in rows})
    if not read:
        return []
    return [
        problem(sheet, None, None, "warning", "hidden_rows",
                f"{'row' if len(read) == 1 else 'rows'} {rows_text(read)} "
                f"{'is' if len(read) == 1 else 'are'} hidden in Excel (by hand or by a "
                "filter) but read like the others; delete them if they are no stations")
    ]  # fmt: skip


def _fill_merged(
    rows: list[list[object]],
    numbers: list[int],
    ranges: list[tuple[int, int, int, int]],
    sheet: str,
) -> list[dict[str, Any]]:
    """Give every row of a merged cell below the header its value (状态 在建 over 3 rows).

    Only the top-left cell of a merged range holds its value; the rows below it would read
    as empty (no status: counted as built). A warning names each range filled in. Ranges are
    clipped to the rows and columns the sheet holds (a range to column XFD or row 1,048,576
    widened every row to 16,384 cells), and a range overlapping one filled before (which
    Excel refuses: a damaged or made-up file) is left out with a warning.
    """
    from openpyxl.utils import get_column_letter

    if not rows or not ranges:
        return []
    header_row = numbers[header_index(rows)]
    width = max(len(r) for r in rows)
    taken = np.zeros((len(rows), width), dtype=bool)
    index = {n: i for i, n in enumerate(numbers)}
    out = []
    for r1, r2, c1, c2 in sorted(set(ranges)):
        c2 = min(c2, width)
        if r1 <= header_row or r2 <= r1 or r1 not in index or c1 > c2:
            continue
        top = rows[index[r1]]
        value = top[c1 - 1] if c1 - 1 < len(top) else None
        if value in (None, ""):
            continue
        lo, hi = index[r1], bisect.bisect_right(numbers, r2)
        if taken[lo:hi, c1 - 1 : c2].any():
            what = f"rows {r1}-{r2}: a merged cell overlapping another (Excel refuses that:"
            out.append(problem(sheet, r1, None, "warning", "merged_cells",
                               f"{what} a damaged file?); not read into its rows"))  # fmt: skip
            continue
        taken[lo:hi, c1 - 1 : c2] = True
        for row in rows[lo:hi]:
            row.extend([None] * max(0, c2 - len(row)))
            row[c1 - 1 : c2] = [value] * (c2 - c1 + 1)
        a, b = get_column_letter(c1), get_column_letter(c2)  # the cells, as Excel names them
        out.append(problem(sheet, r1, a if a == b else f"{a}:{b}", "warning", "merged_cells",
                           f"rows {r1}-{r2}: one merged cell {a}{r1}:{b}{r2} "
                           f"({str(value)[:30]}), read into each of its rows"))  # fmt: skip
    return out


#: A formula cell closed without a value (``<f>..</f><v />``, ``<f .../></c>``).
_NO_VALUE = re.compile(rb"(?:</f>|<f[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")


def _unsaved_formulas(
    path: Path, source: Any, names: Sequence[str]
) -> dict[str, list[tuple[int, int, str]]]:
    """``(row, column, formula)`` of each formula cell of the sheets, when the workbook has any.

    A workbook written by a script (or saved without calculating) holds formulas without
    the values Excel would save beside them; such cells read as empty.
    """
    import openpyxl

    with zipfile.ZipFile(source) as z:  # a formula whose cell ends without a value
        parts = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(_NO_VALUE.search(z.read(n)) for n in parts):
            return {}  # the usual case, Excel's own files: no second reading of the workbook
    if isinstance(source, io.BytesIO):
        source.seek(0)
    wb = openpyxl.load_workbook(source, read_only=True, data_only=False)
    try:
        out: dict[str, list[tuple[int, int, str]]] = {}
        for name in names:
            for r, cells in enumerate(wb[name].iter_rows(), start=1):
                for c, cell in enumerate(cells):
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        out.setdefault(name, []).append((r, c, cell.value))
        return out
    finally:
        wb.close()
        if isinstance(source, io.BytesIO):
            source.seek(0)


def _formula_problems(
    name: str, formulas: list[tuple[int, int, str]], rows: list[list[object]], numbers: list[int]
) -> list[dict[str, Any]]:
    """A warning per formula cell that read as empty: it has no saved value."""
    from openpyxl.utils import get_column_letter

    at = dict(zip(numbers, rows, strict=True))
    out = []
    for r, c, formula in formulas:
        row = at.get(r, [])
        if c < len(row) and row[c] is not None:
            continue  # a value was saved with it
        out.append(
            problem(
                name,
                r,
                get_column_letter(c + 1),
                "warning",
                "formula_no_value",
                f"cell {get_column_letter(c + 1)}{r} holds a formula ({formula[:40]}) with no "
                "saved value, read as empty; open the workbook in Excel and save it (or paste "
                "the values)",
            )
        )
    return out


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(4096)
    return b"\x00" not in head


def _ole_message(path: Path) -> str:
    """What an OLE (compound) file is: a password-protected workbook, or an old .xls."""
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if "EncryptedPackage".encode("utf-16-le") in head:
        return (
            "the workbook is password-protected (encrypted); open it in Excel, remove the "
            "password (File > Info > Protect Workbook > Encrypt with Password) and save it again"
        )
    return "this is an old Excel 97-2003 workbook (.xls); save it as .xlsx or CSV from Excel"


def _looks_like_html(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(2048).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml"))


def read_table_file(
    path: Path, sheet: str | Sequence[str] | None, encoding: str | None
) -> tuple[list[RawTable], list[dict[str, Any]]]:
    """A CSV or a workbook, told apart by content; a mismatching name is not an error.

    Parameters
    ----------
    path
        A ``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm`` file.
    sheet
        Workbook sheet(s) (see :func:`read_xlsx`).
    encoding
        CSV text encoding, detected when ``None``.

    Returns
    -------
    tables, problems

    Raises
    ------
    InputDataError
        An old ``.xls`` workbook, a file named ``.xlsx`` that is not a workbook, an
        unreadable file.

    """
    kind = file_kind(path)
    suffix = path.suffix.lower()
    if kind == "ole":
        raise InputDataError(_ole_message(path), path=path)
    if kind == "text" and suffix == ".xls" and _looks_like_html(path):
        raise InputDataError(
            "the file is named .xls but is a web page (an 'Excel export' of a web system); "
            "open it in Excel and save it as .xlsx or CSV",
            path=path,
        )
    if kind == "zip":
        raws, problems = read_xlsx(path, sheet)
        if suffix not in _WORKBOOK_SUFFIXES:
            note = (
                f"the file is named {suffix or '(no suffix)'} but is an Excel workbook; read as one"
            )
            log.warning("%s: %s", path, note)
            problems.insert(0, problem(None, None, None, "warning", "format_mismatch", note))
        return raws, problems
    if suffix in _WORKBOOK_SUFFIXES:
        what = "CSV or other text" if _looks_like_text(path) else "not a zip archive"
        raise InputDataError(
            f"the file is named {suffix} but is not an Excel workbook ({what}); if it is CSV "
            "text rename it to .csv, else open it in Excel and save it as .xlsx",
            path=path,
        )
    if suffix == ".xls":  # a web system's "Excel export" of tab-separated text
        note = "the file is named .xls but is text; read as CSV"
        log.warning("%s: %s", path, note)
        raws, problems = read_csv(path, encoding)
        return raws, [problem(None, None, None, "warning", "format_mismatch", note), *problems]
    if sheet not in (None, "*"):  # as a GIS file without that layer
        raise InputDataError(
            f"no sheet named {sheet!r}: a CSV file is one table; leave out the sheet "
            "(--sheet, stations.sheet) or give the workbook",
            path=path,
        )
    return read_csv(path, encoding)

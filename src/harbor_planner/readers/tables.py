"""CSV tables as planners keep them (UTF-8, with BOM, GBK/GB18030), and rows to tables.

The readers return :class:`RawTable` objects: the original headers, every value as an object
(no type guessing) and the row numbers of the file, so that every later check can name the
row and the column at fault. Text cells and headers are cleaned of control characters
(:func:`~harbor_planner.readers.text.clean_text`) with one ``control_characters`` warning
naming the rows. Headers are mapped to canonical columns by
:mod:`harbor_planner.readers.headers`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj

from harbor_planner._io import read_input_bytes, unreadable_input
from harbor_planner._text import rows_text
from harbor_planner.errors import InputDataError
from harbor_planner.readers.headers import (
    ALIAS_INDEX,
    COLUMN_ALIASES,
    column_role,
    header_datum,
    norm_header,
)
from harbor_planner.readers.text import clean_text, has_control
from harbor_planner.settings import TABLE_MAX_COLUMNS

__all__ = [
    "ALIAS_INDEX",
    "COLUMN_ALIASES",
    "RawTable",
    "clean_cells",
    "clean_frame_text",
    "csv_rows",
    "detect_encoding",
    "file_kind",
    "header_cells",
    "header_index",
    "norm_header",
    "one_cell_hint",
    "problem",
    "read_csv",
    "read_text_table",
    "table_from_rows",
    "unique_headers",
]

log = logging.getLogger(__name__)


def file_kind(path: Path) -> str:
    """What a file holds, from its first bytes: ``"zip"``, ``"ole"`` (old .xls) or ``"text"``.

    Parameters
    ----------
    path
        An existing file.

    Returns
    -------
    str
        ``"zip"`` for an XLSX workbook (or another zip archive), ``"ole"`` for an old
        ``.xls`` workbook, ``"text"`` for anything else.

    """
    try:
        with path.open("rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise unreadable_input(path, exc) from None
    if magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
        return "zip"
    if magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return "text"


@dataclass(frozen=True)
class RawTable:
    """One table as read: original headers, values as objects, source row numbers."""

    frame: pd.DataFrame
    rows: np.ndarray
    sheet: str | None
    x: np.ndarray | None = None  # geo formats: coordinates from the geometry
    y: np.ndarray | None = None
    geom_problem: np.ndarray | None = None  # geo formats: geometry type name if not a point
    file_crs: pyproj.CRS | None = None
    #: each row's section heading above it (一、已建成站点 -> "已建成站点"), or ``None``
    sections: tuple[str | None, ...] | None = None
    #: the row (line) number of each row's section heading, or ``None``
    section_rows: tuple[int | None, ...] | None = None


#: Characters of Unicode's private use area: GBK decoding of Big5 bytes gives them, real
#: station lists never hold them.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _mostly_private(text: str) -> bool:
    """Whether 3 or more, and 5 % or more, of the non-ASCII characters are private-use ones.

    Big5 bytes read as GBK give many (8 of 21 in two rows); a GBK file with a user-defined
    character (a rare name) has one or two.
    """
    if _PRIVATE_USE.search(text) is None:  # the common case: a GBK file, at once
        return False
    wide = len(text) - len(text.encode("ascii", "ignore"))
    private = len(_PRIVATE_USE.findall(text))
    return private >= 3 and private >= 0.05 * wide


def _big5(data: bytes) -> bool:
    """Whether ``data`` decodes as Big5 without private-use characters."""
    try:
        text = data.decode("big5")
    except UnicodeDecodeError:
        return False
    return _PRIVATE_USE.search(text) is None


def detect_encoding(data: bytes, path: Path) -> str:
    """The encoding of a text file: a BOM, else UTF-8, else GB18030 (which reads GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 4 and head.count(b"\x00") * 4 >= len(head):  # UTF-16 without its BOM
        odd, even = head[1::2].count(b"\x00"), head[0::2].count(b"\x00")
        return "utf-16-le" if odd > even else "utf-16-be"
    fails: list[tuple[int, str]] = []
    for enc in ("utf-8", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            fails.append((exc.start, enc))
            continue
        if enc == "gb18030" and _mostly_private(text) and _big5(data):
            log.warning(
                "%s: read as Big5 (traditional characters): as GBK it gives characters of "
                "the private use area; pass encoding='gb18030' (--encoding) if that is wrong",
                path,
            )
            return "big5"
        if enc == "gb18030":
            _refuse_utf8_lines(data, path)
        return enc
    # where the encoding that read furthest stops is the damage (probe 23E: a GBK file with
    # two stray bytes on line 6 was said to fail on line 1, where UTF-8 met its header)
    start, enc = max(fails)
    name = "GBK/GB18030" if enc == "gb18030" else "UTF-8"
    raise InputDataError(
        f"cannot decode the file as UTF-8 or GBK/GB18030 (as {name} it stops at "
        f"{_line_of(data, start)}); fix or delete those bytes, save it from Excel as "
        "'CSV UTF-8', or pass encoding=...",
        path=path,
    )


#: CJK characters: UTF-8 text that decodes as some of these is Chinese written in UTF-8.
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _refuse_utf8_lines(data: bytes, path: Path) -> None:
    """Refuse a GBK file with lines of Chinese in UTF-8 (two exports pasted together).

    Read as GBK those lines would decode without an error into garbled characters (乱码)
    that end up in the register, the report and the map; the opposite order (UTF-8 first)
    fails to decode as UTF-8 and is refused where GBK starts. GBK text that happens to be
    valid UTF-8 with Chinese in it needs three-byte sequences its byte ranges rarely form.
    """
    lines = [
        i + 1
        for i, line in enumerate(data.split(b"\n"))
        if not line.isascii() and _utf8_chinese(line)
    ]
    if lines:
        raise InputDataError(
            f"lines {rows_text(lines)} are Chinese in UTF-8 while the rest of the file is GBK "
            "(two files pasted together?): read as GBK their text would be garbled; save the "
            "whole file in one encoding (in Excel: 'CSV UTF-8')",
            path=path,
        )


def _utf8_chinese(line: bytes) -> bool:
    try:
        return _CJK.search(line.decode("utf-8")) is not None
    except UnicodeDecodeError:
        return False


def _line_of(data: bytes, offset: int) -> str:
    """Where a byte offset is, as a line and the bytes there: "line 3, bytes ff fe"."""
    line = data.count(b"\n", 0, offset) + 1
    return f"line {line}, bytes {data[offset : offset + 2].hex(' ')}"


def header_index(rows: Sequence[Sequence[object]], limit: int = 20) -> int:
    """First row (of the first ``limit``) that names both coordinates; else the first row."""
    for i, r in enumerate(rows[:limit]):
        canon = {column_role(c) for c in r if c is not None}
        if {"lon", "lat"} <= canon:
            return i
    for i, r in enumerate(rows[:limit]):
        if any(c not in (None, "") for c in r):
            return i
    return 0


def header_cells(rows: Sequence[Sequence[object]], h: int) -> list[object]:
    """The header row ``h``, its empty cells filled from the row above in a two-row header.

    编号, 名称, 状态 merged over rows 1-2 and 坐标 over 经度 | 纬度 in row 2: the row above
    counts as part of the header when it names at least two columns (a title row names one)
    and none of the header row's own names.
    """
    header = list(rows[h])
    if h == 0:
        return header
    above = list(rows[h - 1]) + [None] * max(0, len(header) - len(rows[h - 1]))
    named = [i for i, v in enumerate(above) if v not in (None, "")]
    if len(named) < 2 or any(v == above[i] for i, v in enumerate(header) if v not in (None, "")):
        return header
    header += [None] * max(0, len(above) - len(header))
    return [
        above[i] if v in (None, "") else _with_group_datum(v, group)
        for i, (v, group) in enumerate(zip(header, _groups(above, header), strict=True))
    ]


def _groups(above: list[object], header: list[object]) -> list[object]:
    """The group label over each column of a two-row header.

    A merged cell (百度坐标 over 经度 | 纬度) reaches to the right over the columns whose own
    cell above is empty and whose header has a name.
    """
    out: list[object] = []
    last: object = None
    for v, h in zip(above, header, strict=False):
        last = v if v not in (None, "") else (last if h not in (None, "") else None)
        out.append(last)
    return out


def _with_group_datum(cell: object, group: object) -> object:
    """``经度`` under a group named for a datum (百度坐标) reads ``百度坐标经度``."""
    if group in (None, "") or column_role(cell) not in ("lon", "lat"):
        return cell
    combined = f"{group}{cell}"
    if header_datum(cell) is not None or header_datum(combined) is None:
        return cell
    return combined


def unique_headers(header: Sequence[object]) -> list[str]:
    """Headers made unique (``name``, ``name.1``...) with names for empty ones."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        name = "" if h is None else str(h).strip()
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def source_names(columns: Sequence[object], clashing: Sequence[str]) -> dict[object, str]:
    """New names for the file's own columns that clash with the reader's (``row`` ...).

    ``row`` becomes ``row_src``, or ``row_src2``... when the file has that name too (a table
    the tool wrote, read back: probe 19Z found ``row`` and ``row_src`` gave two ``row_src``
    columns and a traceback).

    Parameters
    ----------
    columns
        The file's headers.
    clashing
        The names the reader adds itself.

    Returns
    -------
    dict
        Old name -> new name, for the clashing columns only.

    """
    taken = {str(c) for c in columns} | set(clashing)
    out: dict[object, str] = {}
    for c in columns:
        if str(c) not in clashing:
            continue
        name, k = f"{c}_src", 2
        while name in taken:
            name, k = f"{c}_src{k}", k + 1
        taken.add(name)
        out[c] = name
    return out


def clean_frame_text(
    frame: pd.DataFrame, sheet: str | None, path: Path, rows: Sequence[int] | None = None
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """A frame with control characters removed from its headers and text cells.

    Parameters
    ----------
    frame
        Attributes as read (any dtypes; only text cells change).
    sheet
        The sheet or layer, for the warning.
    path
        The file, for the log.
    rows
        The row (feature) number of each row of ``frame``; 1, 2... when ``None``.

    Returns
    -------
    frame, problems
        The cleaned frame (the same object when nothing changed) and one
        ``control_characters`` warning naming the rows (none when no cell had one).

    """
    numbers = np.arange(1, len(frame) + 1) if rows is None else np.asarray(rows)
    dirty = np.zeros(len(frame), dtype=bool)
    out = frame
    for i in range(frame.shape[1]):
        s = frame.iloc[:, i]
        if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
            continue
        hit = s.map(lambda v: isinstance(v, str) and has_control(v)).to_numpy(dtype=bool)
        if hit.any():
            if out is frame:
                out = frame.copy()
            out.iloc[:, i] = s.map(lambda v: clean_text(v) if isinstance(v, str) else v)
            dirty |= hit
    header_dirty = any(isinstance(c, str) and has_control(c) for c in frame.columns)
    if header_dirty:
        out = out.rename(columns=lambda c: clean_text(c) if isinstance(c, str) else c)
        out.columns = unique_headers(list(out.columns))
    if not dirty.any() and not header_dirty:
        return out, []
    where = f"layer {sheet!r}, " if sheet else ""
    what = f"rows {rows_text(numbers[dirty].tolist())}" if dirty.any() else "the headers"
    message = (
        f"control characters (terminal escapes, BEL, NUL...) removed from {where}{what}; "
        "check those cells in the file"
    )
    log.warning("%s: %s", path, message)
    return out, [problem(sheet, None, None, "warning", "control_characters", message)]


def clean_cells(
    rows: list[list[object]], line_numbers: Sequence[int], sheet: str | None, path: Path
) -> tuple[list[list[object]], list[dict[str, Any]]]:
    """The rows with control characters removed from every text cell, and one warning.

    Parameters
    ----------
    rows
        The rows of a table (header rows included), values as read.
    line_numbers
        The row number of each row in the file.
    sheet
        The sheet or layer, for the warning.
    path
        The file, for the log.

    Returns
    -------
    rows, problems
        Cleaned rows (new lists) and a ``control_characters`` warning naming the rows (none
        when no cell had a control character).

    """
    dirty: list[int] = []
    out: list[list[object]] = []
    for r, n in zip(rows, line_numbers, strict=True):
        if any(isinstance(c, str) and has_control(c) for c in r):
            cleaned = [clean_text(c) if isinstance(c, str) else c for c in r]
            if any(  # a Windows line break (CR LF) inside a cell is text, not a control
                isinstance(c, str) and clean_text(c) != c.replace("\r\n", "\n") for c in r
            ):
                dirty.append(int(n))
            r = [c.strip() or None if isinstance(c, str) else c for c in cleaned]
        out.append(list(r))
    if not dirty:
        return out, []
    where = f"sheet {sheet!r}, " if sheet else ""
    message = (
        f"control characters (terminal escapes, BEL, NUL...) removed from {where}rows "
        f"{rows_text(dirty)}; check those cells in the file"
    )
    log.warning("%s: %s", path, message)
    return out, [problem(sheet, None, None, "warning", "control_characters", message)]


#: A cell of a units row under the header: （度）, °, 米, 单位：度, WGS-84 ...
_UNIT_CELL = re.compile(
    r"^[（(\[【]?\s*(?:单位\s*[:：]?\s*)?(?:度|°|度分秒|米|m|km|公里|千米|个|人|人次|元|万元|"
    r"平方米|㎡|m2|m²|deg|degrees?|decimal degrees|wgs-?84|gcj-?02|bd-?09|小数|十进制)\s*"
    r"[)）\]】]?$",
    re.IGNORECASE,
)
#: The one cell of a note row: 注：..., 填表说明：..., 数据来源：..., Note: ...
_NOTE_CELL = re.compile(
    r"^\s*(?:注|说明|备注|填表说明|填报说明|注意|注意事项|数据来源|资料来源|制表|制表人|填表人|"
    r"审核人?|note|notes|remarks?|source)\s*[0-9一二三四五六七八九十]*\s*[:：.、]",
    re.IGNORECASE,
)


#: The first cell of a totals row (合计, 总计, 小计: a sheet's sums, probe 23E: "fill in
#: longitude and latitude").
_TOTAL_CELL = re.compile(
    r"^\s*(?:(?:合\s*计|总\s*计|小\s*计|共\s*计|累\s*计|总数|汇总)(?![\u4e00-\u9fff])"
    r"|(?:total|subtotal|sum)\b(?![-.']))",
    re.IGNORECASE,
)  # a word of its own: not "Summit Tower", "Sumiao" or 合计站 (probe 23R)
#: The one cell of a section heading: 一、已建成站点, （二）在建, 第三部分 ...
_HEADING_CELL = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]+[)）、.．]|第[一二三四五六七八九十]+(?:部分|类|批|章|节))"
)

#: The first cell of a template's worked example (示例：YZ000, 样例, e.g.).
_EXAMPLE_CELL = re.compile(
    r"^\s*(?:示例|样例|举例|范例|例)\s*(?:[:：]|$)|^\s*(?:example\s*[:：]|e\.g\.)",
    re.IGNORECASE,
)


def _has_lonlat(vals: Sequence[object]) -> bool:
    """Whether a row holds a longitude and a latitude of China (decimals): a station's row.

    A totals row holds sums; a station may be called "Total Plaza".
    """
    numbers = []
    for v in vals:
        try:
            x = float(str(v).strip()) if v is not None else float("nan")
        except ValueError:
            continue
        if x == x and not x.is_integer():
            numbers.append(x)
    return any(73 <= x <= 136 for x in numbers) and any(3 <= x <= 54 for x in numbers)


def note_row(vals: Sequence[object], *, under_header: bool) -> str | None:
    """What a row that is no station is: note, units, example, total, heading or ``None``.

    A note row holds one note cell; a units row (only right under the header) holds units
    only; an example row (a template's worked example) starts with 示例/样例/例：/e.g.; a
    totals row's first cell is 合计/总计/小计...; a section heading is one cell such as
    一、已建成站点. All are skipped with a warning; ``None`` is a station row.
    """
    cells = [str(v).strip() for v in vals if v is not None and str(v).strip()]
    if len(cells) == 1 and _NOTE_CELL.match(cells[0]):
        return "note"
    if cells and _TOTAL_CELL.match(cells[0]) and not _has_lonlat(vals):
        return "total"
    if len(cells) == 1 and _HEADING_CELL.match(cells[0]):
        return "heading"
    if cells and _EXAMPLE_CELL.match(cells[0]):
        return "example"
    if under_header and cells and all(_UNIT_CELL.match(c) for c in cells):
        return "units"
    return None


def table_from_rows(
    rows: list[list[object]], line_numbers: list[int], sheet: str | None, path: Path
) -> tuple[RawTable, list[dict[str, Any]]]:
    """A :class:`RawTable` of the rows below the header row; blank lines skipped.

    Text cells and headers are cleaned of control characters first (see
    :func:`clean_cells`).
    """
    rows, problems = clean_cells(rows, line_numbers, sheet, path)
    if not rows:
        return RawTable(pd.DataFrame(), np.zeros(0, dtype=np.int64), sheet), problems
    h = header_index(rows)
    header = unique_headers(header_cells(rows, h))
    width = len(header)
    body, numbers, skipped, sections, section_rows = [], [], [], [], []
    section: str | None = None
    section_row: int | None = None
    for r, n in zip(rows[h + 1 :], line_numbers[h + 1 :], strict=True):
        vals = list(r)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
            continue  # blank line
        kind = note_row(vals, under_header=not body and not skipped)
        if kind is not None:
            skipped.append(n)
            note = next(str(v).strip() for v in vals if v is not None and str(v).strip())
            if kind == "heading":  # the rows under it are of its section (probe 24R)
                section, section_row = _HEADING_CELL.sub("", note).strip(), int(n)
            note = note if len(note) <= 30 else note[:29] + "…"
            what = {
                "units": "the units of the columns",
                "example": f"a template's example ({note})",
                "total": f"a totals row ({note})",
                "heading": f"a section heading ({note})",
            }.get(kind, f"a note ({note})")
            problems.append(problem(sheet, n, None, "warning", f"{kind}_row",
                                    f"{what}, not a station: skipped"))  # fmt: skip
            continue
        extra = [v for v in vals[width:] if v not in (None, "")]
        if extra:
            problems.append(
                problem(
                    sheet,
                    n,
                    None,
                    "warning",
                    "extra_fields",
                    f"{len(vals)} values but {width} headers; the values past the last "
                    "header are ignored (check for unquoted commas)",
                )
            )
        vals = (vals + [None] * width)[:width]
        body.append(vals)
        numbers.append(n)
        sections.append(section)
        section_rows.append(section_row)
    frame = _check_width(pd.DataFrame(body, columns=header, dtype=object), sheet, path)
    numbers_ = np.asarray(numbers, dtype=np.int64)
    return RawTable(
        frame, numbers_, sheet, sections=tuple(sections), section_rows=tuple(section_rows)
    ), problems


def _check_width(frame: pd.DataFrame, sheet: str | None, path: Path) -> pd.DataFrame:
    """``frame``, unless wider than its outputs can hold (GeoPackage: 2,000 columns).

    Empty columns without a header are left out first (cells formatted far to the right).
    """
    if frame.shape[1] <= TABLE_MAX_COLUMNS:
        return frame
    unnamed = [c for c in frame.columns if re.fullmatch(r"column_\d+", str(c))]
    empty = [c for c in unnamed if frame[c].isna().all()]
    frame = frame.drop(columns=empty)
    if frame.shape[1] <= TABLE_MAX_COLUMNS:
        return frame
    where = f"sheet {sheet!r} has" if sheet else "the table has"
    raise InputDataError(
        f"{where} {frame.shape[1]:,} columns; the GeoPackage outputs hold at most 2,000, so a "
        f"table may have {TABLE_MAX_COLUMNS:,}: delete the columns the study does not need",
        path=path,
    )


def read_csv(path: Path, encoding: str | None) -> tuple[list[RawTable], list[dict[str, Any]]]:
    """The table of a CSV file (encoding detected unless given; delimiter sniffed)."""
    rows, numbers = csv_rows(path, encoding)
    raw, problems = table_from_rows(rows, numbers, None, path)
    return [raw], problems


def read_text_table(path: Path, *, comment: str | None = None) -> pd.DataFrame:
    """A small CSV (quotas, centres) as text cells indexed by each row's line in the file.

    Read as station CSVs are (:func:`csv_rows`: encoding detected, delimiter sniffed). The
    header is the first line with a cell (and not starting with ``comment``); blank lines
    and rows of empty cells are left out, the lines after them keeping their own numbers (a
    message naming "row 5" names the file's line 5). Empty cells are ``None``.
    """
    rows, numbers = csv_rows(path, None)
    rows, _ = clean_cells(rows, numbers, None, path)  # a terminal escape is not a name

    def blank(r: list[object]) -> bool:
        return all(v is None for v in r)

    def skipped(r: list[object]) -> bool:
        return blank(r) or (comment is not None and str(r[0] or "").startswith(comment))

    h = next((i for i, r in enumerate(rows) if not skipped(r)), None)
    if h is None:
        return pd.DataFrame()
    header = unique_headers(rows[h])
    body = [(r + [None] * len(header))[: len(header)] for r in rows[h + 1 :]]
    keep = [i for i, r in enumerate(rows[h + 1 :]) if not blank(r)]
    index = pd.Index([numbers[h + 1 + i] for i in keep], dtype=np.int64, name="row")
    return pd.DataFrame([body[i] for i in keep], columns=header, index=index, dtype=object)


def csv_rows(path: Path, encoding: str | None) -> tuple[list[list[object]], list[int]]:
    """The rows of a CSV file (cells stripped, empty ones ``None``) and their row numbers.

    A row's number is the one Excel and WPS show: records counted from 1 (a line break in a
    quoted cell, an address on two lines, stays in its row; probe 23C/E: rows were numbered
    by their first line, so every row after such a cell was named one row too far down).
    Excel's ``sep=`` line is not a row.
    """
    data = read_input_bytes(path)
    enc = encoding or detect_encoding(data, path)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"cannot decode the file as {enc} ({_line_of(data, exc.start)}): give the file's "
            "encoding with --encoding (gbk, utf-8, big5...)",
            path=path,
        ) from None
    except LookupError as exc:
        raise InputDataError(f"cannot decode the file as {enc}: {exc}", path=path) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    hint = re.match(r"sep=(.)\r?\n", text)  # Excel's separator line: "sep=;"
    if hint:
        text = text[hint.end() :]
    # the quote is always '"' (Excel's): a sniffed quote character could be an apostrophe
    # ('13800000001 ... Drivers'), which merged rows silently
    dialect = _with_delimiter(hint.group(1) if hint else _delimiter(text[:65536]))
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[list[object]] = []
    try:
        for r in reader:
            rows.append([_unprefixed(c.strip()) if c.strip() else None for c in r])
    except csv.Error as exc:
        raise InputDataError(f"line {reader.line_num}: not valid CSV ({exc})", path=path) from exc
    log.debug("%s: read %d rows as %s CSV", path, len(rows), enc)
    numbers = list(range(1, len(rows) + 1))
    _refuse_swallowed_rows(rows, numbers, dialect.delimiter, path)
    return rows, numbers


def _refuse_swallowed_rows(
    rows: list[list[object]], numbers: list[int], delimiter: str, path: Path
) -> None:
    """Refuse a quoted cell that runs over lines which look like rows of their own.

    A name typed with an opening ``"`` and no closing one opens a quoted field that runs to
    the next ``"`` of the file (an inch mark rows later) or to its end: the rows in between
    become one name and the row takes the coordinates that follow the closing quote. A
    line break inside a cell is legitimate (an address on two lines); lines inside a cell
    that split into as many fields as the table's rows are not.
    """
    widths = [len(r) for r in rows if len(r) >= 2]
    if not widths:
        return
    width = max(set(widths), key=widths.count)
    for r, line in zip(rows, numbers, strict=True):
        for cell in r:
            if not isinstance(cell, str) or "\n" not in cell:
                continue
            inner = cell.splitlines()[1:]
            split = csv.reader(inner, delimiter=delimiter)
            whole = [x for x in split if len(x) >= max(width - 1, 2)]
            if whole:
                raise InputDataError(
                    f"row {line}: a double quote opens a cell that runs over {len(inner)} more "
                    f"line(s), {len(whole)} of them looking like rows of their own (an unclosed "
                    '" in a name?); close the quote (write "" for a quote inside a quoted '
                    "cell) or remove it",
                    path=path,
                )


#: A CSV cell made formula-safe by a writer (ours, as OWASP advises): ``'=1+1``.
_PREFIXED = re.compile(r"'[=+\-@]")


def _unprefixed(cell: str) -> str:
    """A cell without the ``'`` a writer put before ``=``, ``+``, ``-`` or ``@``.

    The tool's own CSVs (serve's saved stations, registers) keep an id such as ``=A1`` from
    becoming a formula that way; read back, the id is ``=A1`` again, not ``'=A1`` (and not
    ``''=A1`` after another round).
    """
    return cell[1:] if _PREFIXED.match(cell) else cell


def _delimiter(sample: str) -> str:
    """The separator of a CSV sample: the one that splits its lines into equal rows.

    Comma, semicolon, tab and bar are tried with Excel's quoting; the one giving the most
    lines of the same number (two or more) of fields wins, a row naming both coordinates
    deciding first (a title line without separators does not count), comma on a tie.
    """
    lines = sample.splitlines()[:40]
    if len(sample) >= 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    best, best_key = ",", (False, 0, 0)
    for delim in ",;\t|":
        rows = list(csv.reader(lines, delimiter=delim, quotechar='"'))
        widths = [len(r) for r in rows if len(r) >= 2]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        named = any({"lon", "lat"} <= {column_role(c) for c in r} for r in rows)
        key = (named, widths.count(common), common)
        if key > best_key:
            best, best_key = delim, key
    return best


def _with_delimiter(delimiter: str) -> type[csv.Dialect]:
    class Given(csv.excel):
        pass

    Given.delimiter = delimiter
    return Given


def problem(
    sheet: str | None,
    row: int | None,
    column: str | None,
    severity: str,
    code: str,
    message: str,
) -> dict[str, Any]:
    """One row of a problems table."""
    return {
        "sheet": sheet,
        "row": row,
        "column": column,
        "severity": severity,
        "code": code,
        "message": message,
    }


_COORD_PAIR = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*[,，;；、 ]\s*-?\d+(?:\.\d+)?\s*$")


def one_cell_hint(frame: pd.DataFrame) -> str:
    """The fix when one column holds both coordinates ("106.49,29.55" under 经纬度)."""
    for col in frame.columns:
        values = frame[col].dropna().astype(str).head(20)
        if len(values) and values.map(lambda v: _COORD_PAIR.match(v) is not None).mean() >= 0.8:
            return (
                f"; {str(col)!r} holds both coordinates in one cell: split it into a 经度 and "
                "a 纬度 column (Excel: Data > Text to Columns)"
            )
    return ""

"""Tables as planners keep them: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and Excel workbooks.

The readers return :class:`RawTable` objects: the original headers, every value as an object
(no type guessing) and the row numbers of the file, so that every later check can name the
row and the column at fault. :data:`COLUMN_ALIASES` maps the headers planners use (Chinese and
English) to canonical column names.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj

from harbor_planner.errors import InputDataError

__all__ = [
    "ALIAS_INDEX",
    "COLUMN_ALIASES",
    "RawTable",
    "detect_encoding",
    "header_index",
    "norm_header",
    "problem",
    "read_csv",
    "read_xlsx",
    "table_from_rows",
    "unique_headers",
]

log = logging.getLogger(__name__)

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "station_id": ("编号", "站点编号", "港湾编号", "id", "station_id", "stationid", "code"),
    "name": ("名称", "站点名称", "港湾名称", "站名", "name", "station_name"),
    "district": ("区县", "所属区县", "区", "行政区", "district"),
    "address": ("地址", "详细地址", "address"),
    "lon": ("经度", "lon", "lng", "long", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
    "status": ("状态", "建设状态", "status"),
    "flagship": ("最美渝工港湾", "是否最美渝工港湾", "最美", "flagship"),
    "area_m2": ("面积(m2)", "面积", "area", "area_m2"),
}


def norm_header(text: object) -> str:
    """A header as compared: NFKC, lower case, no spaces, square metres spelled ``m2``."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = s.replace("㎡", "m2").replace("m²", "m2").replace("平方米", "m2").replace("平米", "m2")
    return re.sub(r"\s+", "", s)


ALIAS_INDEX: dict[str, str] = {
    norm_header(a): canon for canon, aliases in COLUMN_ALIASES.items() for a in aliases
}


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


def detect_encoding(data: bytes, path: Path) -> str:
    """The encoding of a text file: a BOM, else UTF-8, else GB18030 (which reads GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for enc in ("utf-8", "gb18030"):
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc
    raise InputDataError(
        "cannot decode the file as UTF-8 or GBK/GB18030; save it from Excel as "
        "'CSV UTF-8' or pass encoding=...",
        path=path,
    )


def header_index(rows: Sequence[Sequence[object]], limit: int = 20) -> int:
    """First row (of the first ``limit``) that names both coordinates; else the first row."""
    for i, r in enumerate(rows[:limit]):
        canon = {ALIAS_INDEX.get(norm_header(c)) for c in r if c is not None}
        if {"lon", "lat"} <= canon:
            return i
    for i, r in enumerate(rows[:limit]):
        if any(c not in (None, "") for c in r):
            return i
    return 0


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


def table_from_rows(
    rows: list[list[object]], line_numbers: list[int], sheet: str | None, path: Path
) -> tuple[RawTable, list[dict[str, Any]]]:
    """A :class:`RawTable` of the rows below the header row; blank lines skipped."""
    problems: list[dict[str, Any]] = []
    if not rows:
        return RawTable(pd.DataFrame(), np.zeros(0, dtype=np.int64), sheet), problems
    h = header_index(rows)
    header = unique_headers(rows[h])
    width = len(header)
    body, numbers = [], []
    for r, n in zip(rows[h + 1 :], line_numbers[h + 1 :], strict=True):
        vals = list(r)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
            continue  # blank line
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
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return RawTable(frame, np.asarray(numbers, dtype=np.int64), sheet), problems


def read_csv(path: Path, encoding: str | None) -> tuple[list[RawTable], list[dict[str, Any]]]:
    """The table of a CSV file (encoding detected unless given; delimiter sniffed)."""
    data = path.read_bytes()
    enc = encoding or detect_encoding(data, path)
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputDataError(f"cannot decode the file as {enc}: {exc}", path=path) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[list[object]] = []
    numbers: list[int] = []
    start = 1
    try:
        for r in reader:
            rows.append([c.strip() if c.strip() else None for c in r])
            numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputDataError(f"line {reader.line_num}: not valid CSV ({exc})", path=path) from exc
    log.debug("%s: read %d lines as %s CSV", path, len(rows), enc)
    raw, problems = table_from_rows(rows, numbers, None, path)
    return [raw], problems


def read_xlsx(
    path: Path, sheet: str | Sequence[str] | None
) -> tuple[list[RawTable], list[dict[str, Any]]]:
    """The tables of a workbook's sheets.

    ``sheet`` names one or several; ``None`` or ``"*"`` reads every sheet with coordinate
    columns.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InputDataError(f"cannot open the workbook: {exc}", path=path) from exc
    try:
        names = list(wb.sheetnames)
        if sheet is None or sheet == "*":
            wanted, explicit = names, False
        else:
            wanted = [sheet] if isinstance(sheet, str) else list(sheet)
            explicit = True
            missing = [s for s in wanted if s not in names]
            if missing:
                raise InputDataError(
                    f"no sheet named {', '.join(map(repr, missing))}; the workbook has "
                    f"{', '.join(map(repr, names))} (use --sheet NAME, or '*' for all)",
                    path=path,
                )
        raws: list[RawTable] = []
        problems: list[dict[str, Any]] = []
        for name in wanted:
            ws = wb[name]
            rows = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
            rows = [[c.strip() or None if isinstance(c, str) else c for c in r] for r in rows]
            raw, probs = table_from_rows(rows, list(range(1, len(rows) + 1)), name, path)
            canon = {ALIAS_INDEX.get(norm_header(c)) for c in raw.frame.columns}
            if not {"lon", "lat"} <= canon and not explicit:
                if any(c is not None for r in rows for c in r):
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
            "no sheet has longitude and latitude columns (经度/纬度, lon/lat, x/y); sheets: "
            + ", ".join(map(repr, names)),
            path=path,
        )
    return raws, problems


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

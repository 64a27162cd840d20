"""Read a station file, map its headers to one schema, run the row checks, split clean/rejected.

The flow of :func:`read_stations`: a reader of :mod:`harbor_planner.readers` gives raw tables
(one per sheet or layer) with the file's own headers and row numbers; their headers are mapped
to the normalised schema (see :mod:`harbor_planner.stations`) into one table with helper
columns naming the source headers; :func:`harbor_planner.stations.checks.check_rows` finds the
problems and normalises the values; rows with an error are rejected, the others become
:attr:`StationCheck.stations`.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from harbor_planner._io import input_file
from harbor_planner._text import counted, one_line
from harbor_planner.coords import CoordSystem, parse_crs, warn_old_datum
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers import (
    SECONDARY_ALIASES,
    RawTable,
    clean_text,
    column_role,
    header_datum,
    header_datum_conflict,
    names_degrees,
    norm_header,
    problem,
    read_geo,
    read_table_file,
    refuse_mixed_datums,
    source_names,
)
from harbor_planner.readers.tables import one_cell_hint
from harbor_planner.stations._common import (
    cell_words,
    note_statuses,
    sheet_status,
    status_of,
    unread_status_column,
)
from harbor_planner.stations.checks import CheckedRows, Coordinates, check_rows
from harbor_planner.stations.id_cells import id_problems
from harbor_planner.stations.own_outputs import own_station_tables
from harbor_planner.stations.problems import (
    PROBLEM_COLUMNS,
    concat_problems,
    format_problem_table,
)
from harbor_planner.stations.sheets import refuse_copied_sheets, station_sheets
from harbor_planner.stations.status_pair import (
    extra_status_key,
    is_extra_status,
    status_pair_column,
)

__all__ = ["StationCheck", "read_stations"]

log = logging.getLogger(__name__)

#: Columns of the normalised schema; a source column of the same name gets a ``_src`` suffix.
RESERVED = (
    "row",
    "sheet",
    "station_id",
    "name",
    "district",
    "address",
    "status",
    "flagship",
    "area_m2",
    "lon_orig",
    "lat_orig",
    "crs_orig",
    "adcode",
    "district_zh",
    "geometry",
)

_GEO_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}
_TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}
_TEXT_COLUMNS = ("station_id", "name", "district", "address", "status", "flagship")


@dataclass(frozen=True)
class StationCheck:
    """The result of reading and checking a station file.

    Attributes
    ----------
    stations
        Clean stations in the normalised schema (see :mod:`harbor_planner.stations`),
        EPSG:4326.
    rejected
        Rows with at least one error, as read (original headers, values as text), with
        ``row``, ``sheet`` and ``problems`` (the error messages joined by ``"; "``).
    problems
        Every problem found, errors and warnings, with :data:`PROBLEM_COLUMNS`.
    source
        The file read.
    crs
        The coordinate system the coordinates were read in.

    """

    stations: gpd.GeoDataFrame
    rejected: pd.DataFrame
    problems: pd.DataFrame
    source: str
    crs: CoordSystem

    @property
    def errors(self) -> pd.DataFrame:
        """Problems of severity ``error``."""
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        """Problems of severity ``warning``."""
        return self.problems[self.problems["severity"] == "warning"]

    @property
    def ok(self) -> bool:
        """Whether no error was found (warnings allowed)."""
        return self.errors.empty

    def summary(self) -> str:
        """One line: rows read, clean, rejected, errors and warnings."""
        n = len(self.stations) + len(self.rejected)
        sheets = pd.concat(
            [self.stations.get("sheet", pd.Series(dtype=object)),
             self.rejected.get("sheet", pd.Series(dtype=object))]
        ).dropna()  # fmt: skip
        per_sheet = sheets.astype(str).value_counts(sort=False)
        where = (
            " from sheets " + ", ".join(f"{clean_text(k)} ({v})" for k, v in per_sheet.items())
            if len(per_sheet) > 1
            else ""
        )
        return (
            f"{clean_text(self.source)}: {counted(n, 'row')}{where} read as {self.crs.label}; "
            f"{counted(len(self.stations), 'station')} kept, {len(self.rejected)} rejected; "
            f"{counted(len(self.errors), 'error')}, {counted(len(self.warnings), 'warning')}"
        )

    def format_problems(self, *, max_rows: int | None = None) -> str:
        """Render the problems as an aligned text table (see :func:`format_problem_table`)."""
        return format_problem_table(self.problems, max_rows=max_rows)

    def raise_for_errors(self) -> None:
        """Raise :class:`InputDataError` with the errors' count and the first, if there is any.

        The message is one line; :meth:`format_problems` (or ``harbor-planner stations check``)
        lists every problem.
        """
        if self.ok:
            return
        first = self.errors.iloc[0]
        where = f"sheet {first['sheet']}, " if pd.notna(first.get("sheet")) else ""
        where += f"row {first['row']}" if pd.notna(first.get("row")) else "the file"
        if pd.notna(first.get("column")) and str(first["column"]):
            where += f", column {first['column']}"
        msg = (  # one line: the CLI prints it as it is; stations check lists every error
            f"{counted(len(self.errors), 'error')} in {counted(len(self.rejected), 'row')}, "
            f"the first at {where}: {first['message']}; fix them in the file (harbor-planner "
            f"stations check {Path(self.source).name} lists each one)"
        )
        raise InputDataError(one_line(clean_text(msg)), path=self.source)


# --------------------------------------------------------------------------- public API


def read_stations(
    path: str | os.PathLike[str],
    *,
    crs: str | int | pyproj.CRS | CoordSystem | None = None,
    sheet: str | Sequence[str] | None = None,
    extent: object = "chongqing",
    encoding: str | None = None,
    strict: bool = False,
) -> StationCheck:
    """Read a station list, check every row and normalise it to WGS-84.

    Parameters
    ----------
    path
        A ``.csv``/``.txt``/``.tsv`` (UTF-8, UTF-8 with BOM or GBK/GB18030, detected; comma,
        semicolon, tab or ``|``), ``.xlsx``, ``.geojson``/``.json``, ``.gpkg`` or ``.shp`` file.
        In CSV and XLSX the header row may follow a few title rows; it is the first row naming
        both a longitude and a latitude column (经度/纬度, 东经/北纬, X坐标/Y坐标, lon/lat,
        ``经度(GCJ02)``, ``LNG_GCJ``, ``百度经度``...). A workbook saved under a ``.csv`` name
        is read as a workbook. Coordinates may use full-width digits or a decimal comma.
        Control characters are removed from every text cell (one ``control_characters``
        warning names the rows).
    crs
        The true coordinate system of the coordinates: ``"gcj02"`` for points picked on AMap
        (高德) or Tencent, ``"bd09"`` for Baidu, ``"wgs84"`` for GPS/OpenStreetMap, or
        ``"EPSG:NNNN"`` (see :func:`harbor_planner.coords.parse_crs`). Required for CSV/XLSX.
        For GIS files the file's own CRS is used when it is projected; when it is EPSG:4326
        (which AMap/Baidu exports also claim) ``crs`` must be given, since the datum cannot be
        told from the file. A datum named in a coordinate header (``经度(GCJ02)``,
        ``lng_bd09``) is used when ``crs`` is not given and must agree with it when it is.
    sheet
        XLSX: ``None`` or ``"*"`` reads every visible sheet that has coordinate columns
        (others, and hidden sheets, are skipped with a ``sheet_skipped`` warning) and keeps
        the sheet name in ``sheet``; a name or a list of names reads those sheets. A sheet
        named like a status (已建成, 拟建...) gives that status to its rows without a status
        of their own. GeoPackage: the layer (default: the only layer, or ``stations``).
    extent
        Where stations may lie: ``"chongqing"`` (default; points more than 500 m outside the
        municipality are errors), ``None`` (no check), a ``(min lon, min lat, max lon,
        max lat)`` WGS-84 tuple, a WGS-84 shapely geometry or a GeoDataFrame/GeoSeries.
    encoding
        Force a text encoding for CSV (and Shapefile attributes) instead of detecting it.
    strict
        Raise :class:`InputDataError` listing the errors when any row has one, instead of
        returning them in the result.

    Returns
    -------
    StationCheck
        Clean stations (normalised schema, see :mod:`harbor_planner.stations`), rejected rows
        as read, and all problems.

    Raises
    ------
    InputDataError
        When the file is missing, unreadable, has no coordinate columns, or (``strict``) has
        errors.
    CRSError
        When the coordinate system is not stated and cannot be taken from the file.

    """
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise InputDataError(f"path must be a station file's path, got {path!r}")
    p = input_file(path, "station")
    suffix = p.suffix.lower()
    geo = suffix in _GEO_SUFFIXES
    if not geo and suffix not in _TABLE_SUFFIXES:
        raise InputDataError(
            f"unknown file type '{suffix}'; give a .csv, .xlsx, .geojson, .gpkg or .shp file",
            path=p,
        )
    if geo:
        raws, file_problems = read_geo(p, sheet, encoding)
    else:
        raws, file_problems = read_table_file(p, sheet, encoding)
    every_sheet = sheet is None or sheet == "*"
    raws = own_station_tables(
        raws, crs, every_sheet=every_sheet, file_problems=file_problems, path=p
    )
    if every_sheet:
        raws = station_sheets(raws, file_problems)
    cs, datums = _resolve_crs(crs, raws, p, file_problems)
    check = _check(
        raws, cs, source=str(p), extent=extent, file_problems=file_problems, datums=datums,
        every_sheet=every_sheet,
    )  # fmt: skip
    if strict:
        check.raise_for_errors()
    return check


# --------------------------------------------------------------------------- coordinate system


def _sheet_datums(raw: RawTable) -> tuple[dict[str, str], bool]:
    """The datums a sheet's coordinate headers name, and whether a lon/lat pair names none.

    Returns datum -> the first header naming it, and whether the sheet has a longitude and
    a latitude column naming no datum.
    """
    named: dict[str, str] = {}
    plain = {"lon": False, "lat": False}
    for col in raw.frame.columns:
        role = column_role(col)
        if role in plain:
            datum = header_datum(col)
            if datum is None:
                plain[role] = True
            else:
                named.setdefault(datum, str(col))
    return named, plain["lon"] and plain["lat"]


def _resolve_crs(
    crs: str | int | pyproj.CRS | CoordSystem | None,
    raws: list[RawTable],
    path: Path,
    file_problems: list[dict[str, Any]],
) -> tuple[CoordSystem, list[str | None]]:
    """The coordinate system to read the file in, and each sheet's columns to read.

    A datum named in coordinate headers (``经度(GCJ02)``, ``百度经度``) is used when none is
    stated (with a ``crs_from_header`` warning added to ``file_problems``); a stated datum
    reads, in each sheet, the columns naming it, else the columns naming none (a sheet with
    only other datums' columns is an error). The list holds each sheet's header datum
    (``None``: its columns naming no datum, or a GIS file).
    """
    if raws[0].x is not None:
        return _resolve_geo_crs(crs, raws[0].file_crs, path), [None] * len(raws)
    for raw in raws:  # 经度(GCJ-02) beside 纬度(WGS-84): refused whatever --crs (probe 27T)
        refuse_mixed_datums(raw.frame.columns, path, sheet=raw.sheet if len(raws) > 1 else None)
    sheets = [_sheet_datums(raw) for raw in raws]
    if crs is not None:
        stated = parse_crs(crs)
        if stated.kind == "epsg":  # Xi'an 1980, Beijing 1954: a rough offset only (probe 20R)
            warn_old_datum(stated.crs, path.name)
        chosen: list[str | None] = []
        for named, plain in sheets:
            match = next((d for d in named if parse_crs(d) == stated), None)
            if match is None and not plain and named:
                datum, header = next(iter(named.items()))
                raise header_datum_conflict(header, datum, stated, path)
            chosen.append(match)
        return stated, chosen
    named_all: dict[str, str] = {}
    for named, _ in sheets:
        for d, h in named.items():
            named_all.setdefault(d, h)
    if len(named_all) > 1:
        raise CRSError(
            "the file holds coordinates in several datums ("
            + ", ".join(f"{h!r}: {d}" for d, h in named_all.items())
            + "): state which to read with --crs ("
            + " or ".join(f"--crs {d}" for d in named_all)
            + ")",
            path=path,
        )
    if not named_all:
        raise CRSError(
            "no coordinate system given. A CSV/XLSX file does not record one: state it "
            "with crs= (--crs): 'gcj02' for coordinates picked on AMap/高德 or Tencent, "
            "'bd09' for Baidu, 'wgs84' for GPS/OpenStreetMap, or 'EPSG:NNNN'",
            path=path,
        )
    datum, header = next(iter(named_all.items()))
    _warn_crs_from_header(datum, header, raws, sheets, path, file_problems)
    return parse_crs(datum), [datum if datum in named else None for named, _ in sheets]


def _warn_crs_from_header(
    datum: str,
    header: str,
    raws: list[RawTable],
    sheets: list[tuple[dict[str, str], bool]],
    path: Path,
    file_problems: list[dict[str, Any]],
) -> None:
    """The ``crs_from_header`` warning: which columns are read as the header's datum."""
    label = parse_crs(datum).label
    unused = any(plain and datum in named for named, plain in sheets)
    bare = [raw.sheet for raw, (named, _) in zip(raws, sheets, strict=True) if datum not in named]
    others = " (the columns naming no datum beside them are not used)" if unused else ""
    if bare:
        where = ", ".join(repr(b) for b in bare if b) or "the other sheets"
        others += f" (sheet {where}, without such headers, is read as {label} too)"
    message = (
        f"no --crs given; the header {header!r} names {label}, so the coordinates are read "
        f"from its columns as {label}{others} (state --crs {datum} to silence this)"
    )
    log.info("%s: %s", path, message)
    file_problems.append(problem(None, None, header, "warning", "crs_from_header", message))


def _resolve_geo_crs(
    crs: str | int | pyproj.CRS | CoordSystem | None, file_crs: pyproj.CRS | None, path: Path
) -> CoordSystem:
    """The coordinate system of a GIS file: stated, or its own projected one."""
    if crs is None:
        return _crs_from_file(file_crs, path)
    stated = parse_crs(crs)
    if file_crs is not None:
        if file_crs.is_projected and stated.kind != "epsg":
            raise CRSError(
                f"the file is in the projected CRS {file_crs.to_string()} but crs="
                f"{stated.name!r} describes longitude/latitude degrees; drop crs= or give the "
                "file's true projected CRS",
                path=path,
            )
        if parse_crs(file_crs) != stated:
            log.info("%s: file says %s; using %s as stated", path, file_crs.to_string(), stated)
    return stated


def _crs_from_file(file_crs: pyproj.CRS | None, path: Path) -> CoordSystem:
    """The file's own CRS when no ``crs=`` was given: only a projected one is trusted."""
    if file_crs is None:
        raise CRSError(
            "the file has no coordinate system and none was given; state it with crs= "
            "(--crs): 'wgs84', 'gcj02' (AMap), 'bd09' (Baidu) or 'EPSG:NNNN'",
            path=path,
        )
    if file_crs.is_geographic:
        raise CRSError(
            f"the file says {file_crs.to_string()}, but files exported from Chinese web "
            "maps claim this while holding GCJ-02 or BD-09 coordinates: state the true "
            "datum with crs= (--crs): 'wgs84' (GPS, OpenStreetMap), 'gcj02' (AMap/高德, "
            "Tencent) or 'bd09' (Baidu)",
            path=path,
        )
    return parse_crs(file_crs)


# --------------------------------------------------------------------------- normalising


def _cell_text(v: object) -> object:
    """Text of a cell: ``None`` for empty, integers from Excel without ``.0``.

    A float beyond Excel's 15 significant digits is written with those 15 digits
    (``1.23456789012346e+17``), never with invented ones.
    """
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, datetime.datetime) and v.time() == datetime.time(0):
        return v.date().isoformat()  # a date cell (Excel made "1-3" one): no 00:00:00
    if isinstance(v, float) and abs(v) >= 1e15 and np.isfinite(v):
        return f"{v:.15g}"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v).strip()
    return s or None


def _text_series(s: pd.Series) -> pd.Series:
    return s.map(_cell_text).astype("str")


_SECONDARY = frozenset(norm_header(a) for a in SECONDARY_ALIASES)


def _secondary(header: object) -> bool:
    """A transit layer's header (``stop_name``...): a planner's own (名称) wins over it."""
    return norm_header(header) in _SECONDARY


def _map_headers(
    raw: RawTable, source: str, datum: str | None = None
) -> tuple[dict[str, str], list[pd.DataFrame]]:
    """Map the headers of ``raw`` to schema names (first match wins; the rest are ambiguous).

    Of several longitude (latitude) columns, the first whose header names ``datum`` (``None``:
    names no datum) is taken, when there is one. Returns the schema name -> source header
    mapping and the ``ambiguous_column`` warnings. Raises :class:`InputDataError` when a
    table has no longitude/latitude columns.
    """
    frame = raw.frame
    canon_to_orig: dict[str, str] = {}
    problems: list[pd.DataFrame] = []
    for col in _datum_first(frame.columns, datum) if raw.x is None else frame.columns:
        canon = column_role(_repeated_header_base(str(col), frame.columns))
        if raw.x is not None and canon in ("lon", "lat"):
            canon = None  # geo formats: the geometry holds the coordinates
        if canon is None:
            continue
        taken = canon_to_orig.get(canon)
        if (
            canon in ("lon", "lat") and taken and names_degrees(col) and not names_degrees(taken)
            and header_datum(col) == header_datum(taken)
        ) or (taken and _secondary(taken) and not _secondary(col)):  # fmt: skip
            canon_to_orig, col = {**canon_to_orig, canon: str(col)}, taken  # 经度 over X坐标
        if canon == "status" and "status" in canon_to_orig and status_pair_column(frame[col]):
            canon_to_orig[extra_status_key(canon_to_orig)] = str(col)  # 状态 + 运营状态: all read
            continue
        if canon in canon_to_orig:
            first = canon_to_orig[canon]
            if canon in ("lon", "lat") and str(col).startswith(f"{first}."):  # 经度 twice
                _check_same_coordinates(raw, canon, (first, str(col)), source)
            message = (
                f"both {first!r} and {col!r} look like '{canon}'; {first!r} is used, "
                f"{col!r} kept as an extra column" + _not_status_words(frame[col], canon)
            )
            problems.append(
                pd.DataFrame(
                    [problem(raw.sheet, None, str(col), "warning", "ambiguous_column", message)]
                )
            )
            continue
        canon_to_orig[canon] = str(col)
    unread = unread_status_column(frame, canon_to_orig, raw.sheet)  # 站点状况...: said
    problems += [pd.DataFrame([unread])] if unread else []
    if raw.x is None and len(frame.columns) == 0:
        raise InputDataError(
            (f"sheet {raw.sheet!r}: " if raw.sheet else "")
            + "the table is empty (no header row); give a header row with 经度/纬度 "
            "(lon/lat) columns and one row per station",
            path=source,
        )
    if raw.x is None and not {"lon", "lat"} <= set(canon_to_orig):
        raise InputDataError(
            (f"sheet {raw.sheet!r}: " if raw.sheet else "")
            + "no longitude/latitude columns found; headers are "
            + ", ".join(map(repr, frame.columns))
            + (one_cell_hint(frame) or "; name them 经度/纬度 (or 东经/北纬, X坐标/Y坐标, "
               "lon/lat, lng, longitude/latitude, x/y)"),
            path=source,
        )  # fmt: skip
    return canon_to_orig, problems


def _not_status_words(values: pd.Series, canon: str) -> str:
    """Why a second status column is not read beside the first: a cell of another word."""
    if canon != "status":
        return ""
    other = next((w for w in cell_words(values) if status_of(w) is None), None)
    if other is None:
        return ""
    return (
        f" ({other!r} in it is no status; a second status column of status words only, "
        "such as 运营状态 of 正常运营/暂停运营, is read beside the first)"
    )


def _datum_first(columns: Any, datum: str | None) -> list[Any]:
    """The columns with the coordinate headers of ``datum`` first (the others in order)."""
    cols = list(columns)
    first = [column_role(c) in ("lon", "lat") and header_datum(c) == datum for c in cols]
    return [c for c, f in zip(cols, first, strict=True) if f] + [
        c for c, f in zip(cols, first, strict=True) if not f
    ]


def _repeated_header_base(col: str, columns: Any) -> str:
    """``经度`` for ``经度.1``, the name a repeated header was given to keep it apart."""
    base, dot, number = col.rpartition(".")
    return base if dot and number.isdigit() and base in set(map(str, columns)) else col


def _check_same_coordinates(
    raw: RawTable, canon: str, columns: tuple[str, str], source: str
) -> None:
    """Two columns of one name (经度 twice) must agree: which is right cannot be guessed."""
    first, other = columns
    a = raw.frame[first].map(_cell_text)
    b = raw.frame[other].map(_cell_text)
    differ = np.flatnonzero((a.fillna("") != b.fillna("")).to_numpy())
    if differ.size:
        row = int(raw.rows[differ[0]]) if len(raw.rows) > differ[0] else differ[0] + 2
        raise InputDataError(
            (f"sheet {raw.sheet!r}: " if raw.sheet else "")
            + (
                f"two columns named {first!r}"
                if other.startswith(f"{first}.")
                else f"columns {first!r} and {other!r}"
            )
            + f" both hold the {_ROLE_WORD[canon]} "
            f"and differ in {counted(int(differ.size), 'row')} (first: row {row}: "
            f"{a.iloc[differ[0]]!r} vs {b.iloc[differ[0]]!r}); keep the right one and delete "
            "or rename the other",
            path=source,
        )


_ROLE_WORD = {"lon": "longitude", "lat": "latitude"}


def _coordinate_columns(piece: pd.DataFrame, raw: RawTable, canon_to_orig: dict[str, str]) -> None:
    """Add the raw coordinates and the headers they came from to ``piece`` (in place)."""
    if raw.x is not None:
        piece["_lon_raw"] = pd.Series(raw.x, dtype=object).astype("str").to_numpy()
        piece["_lat_raw"] = pd.Series(raw.y, dtype=object).astype("str").to_numpy()
        piece["_x"] = raw.x
        piece["_y"] = raw.y
        piece["_geom_problem"] = raw.geom_problem
        piece["_col_lon"] = piece["_col_lat"] = "geometry"
    else:
        piece["_lon_raw"] = _text_series(raw.frame[canon_to_orig["lon"]]).to_numpy()
        piece["_lat_raw"] = _text_series(raw.frame[canon_to_orig["lat"]]).to_numpy()
        piece["_x"] = np.nan
        piece["_y"] = np.nan
        piece["_geom_problem"] = None
        piece["_col_lon"] = canon_to_orig["lon"]
        piece["_col_lat"] = canon_to_orig["lat"]


def _normalise_piece(raw: RawTable, canon_to_orig: dict[str, str]) -> pd.DataFrame:
    """One raw table in the schema, with helper columns and the extra columns of the file."""
    frame = raw.frame
    n = len(frame)
    piece = pd.DataFrame(index=pd.RangeIndex(n))
    piece["row"] = raw.rows
    piece["sheet"] = pd.Series([raw.sheet] * n, dtype="str")
    for canon in _TEXT_COLUMNS:
        if canon in canon_to_orig:
            piece[canon] = _text_series(frame[canon_to_orig[canon]]).to_numpy()
        else:
            piece[canon] = pd.Series([None] * n, dtype="str")
        piece[f"_col_{canon}"] = canon_to_orig.get(canon)
    for key, header in canon_to_orig.items():  # 建设状态, 运营状态 beside 状态
        if is_extra_status(key):
            piece[f"_{key}"] = _text_series(frame[header]).to_numpy()
            piece[f"_col_{key}"] = header
    piece["_has_station_id"] = "station_id" in canon_to_orig
    piece["_has_status"] = "status" in canon_to_orig
    piece["_sheet_status"], piece["_heading"], piece["_heading_row"] = _section_statuses(raw, n)
    area_col = canon_to_orig.get("area_m2")
    piece["_area_raw"] = (
        _text_series(frame[area_col]).to_numpy() if area_col else pd.Series([None] * n)
    )
    piece["_col_area_m2"] = area_col
    _coordinate_columns(piece, raw, canon_to_orig)
    used = {h for k, h in canon_to_orig.items() if not is_extra_status(k)}  # 运营状态 kept
    used |= {"geometry_wkt"} if raw.x is not None else set()
    extras = frame[[c for c in frame.columns if c not in used]]
    taken = set(RESERVED) | set(piece.columns)
    extras = extras.rename(columns=source_names(list(extras.columns), sorted(taken)))
    return pd.concat([piece, extras.reset_index(drop=True)], axis=1)


def _original_rows(raw: RawTable) -> pd.DataFrame:
    """The rows as read (values as text), with ``row`` and ``sheet`` in front.

    The file's own columns named ``row``, ``sheet`` or ``problems`` become ``row_src``...
    """
    orig = raw.frame.map(_cell_text).astype(object)
    orig = orig.rename(columns=source_names(list(orig.columns), ["row", "sheet", "problems"]))
    orig.insert(0, "sheet", raw.sheet)
    orig.insert(0, "row", raw.rows)
    return orig


# --------------------------------------------------------------------------- checking


def _no_rows_checked() -> CheckedRows:
    """What :func:`check_rows` gives for a table without rows."""
    empty = np.zeros(0)
    return CheckedRows(
        problems=[],
        coords=Coordinates(lon=empty, lat=empty, geo_input=np.zeros(0, dtype=bool)),
        points=gpd.GeoSeries([], crs="EPSG:4326"),
        adcode=pd.Series([], dtype="str"),
        district_zh=pd.Series([], dtype="str"),
        status=pd.Series([], dtype="str"),
        flagship=pd.Series([], dtype="boolean"),
        area=pd.Series([], dtype=float),
    )


def _check(
    raws: list[RawTable],
    cs: CoordSystem,
    *,
    source: str,
    extent: object,
    file_problems: list[dict[str, Any]],
    datums: list[str | None] | None = None,
    every_sheet: bool = False,
) -> StationCheck:
    """Normalise the raw tables, run the row checks and split clean from rejected rows.

    ``datums``: each sheet's coordinate columns to read where several pairs exist (those
    whose header names the datum; ``None``: those naming none).
    """
    problems: list[pd.DataFrame] = [pd.DataFrame(file_problems, columns=list(PROBLEM_COLUMNS))]
    pieces: list[pd.DataFrame] = []
    originals: list[pd.DataFrame] = []
    for raw, datum in zip(raws, datums or [None] * len(raws), strict=True):
        canon_to_orig, header_problems = _map_headers(raw, source, datum)
        problems += [*header_problems, id_problems(raw, canon_to_orig.get("station_id"))]
        pieces.append(_normalise_piece(raw, canon_to_orig))
        originals.append(_original_rows(raw))
    t = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
    original = pd.concat(originals, ignore_index=True) if originals else pd.DataFrame()
    if len(t):
        checked = check_rows(t, cs, extent)
    else:
        checked = _no_rows_checked()
        what = "features" if raws[0].x is not None else "rows below the header"
        message = f"the file has no station {what}; nothing to check (add stations)"
        log.warning("%s: %s", source, message)
        problems.append(pd.DataFrame([problem(None, None, None, "warning", "no_rows", message)]))
    all_problems = concat_problems(problems + checked.problems)
    err = all_problems[(all_problems["severity"] == "error") & all_problems["row"].notna()]
    key = t["sheet"].fillna("").astype(str) + "\x00" + t["row"].astype(str)
    err_key = err["sheet"].fillna("").astype(str) + "\x00" + err["row"].astype(str)
    rejected_mask = key.isin(set(err_key)).to_numpy()
    every_row = _stations_frame(t, checked, cs)
    if every_sheet:  # before copies are left out as duplicate rows
        refuse_copied_sheets(every_row, Path(source))
    stations = every_row.loc[~rejected_mask].reset_index(drop=True)
    msgs = (
        err.assign(text=lambda e: e["column"].fillna("").astype(str) + ": " + e["message"])
        .assign(key=err_key)
        .groupby("key", sort=False)["text"]
        .agg("; ".join)
    )
    rejected = original.loc[rejected_mask].copy()
    rejected["problems"] = key[rejected_mask].map(msgs).to_numpy()
    rejected = rejected.reset_index(drop=True)
    check = StationCheck(
        stations=stations, rejected=rejected, problems=all_problems, source=source, crs=cs
    )
    log.info("%s", check.summary())
    return check


def _stations_frame(t: pd.DataFrame, checked: CheckedRows, cs: CoordSystem) -> gpd.GeoDataFrame:
    """Every row in the normalised schema (clean and rejected alike)."""
    extra_cols = [c for c in t.columns if not c.startswith("_") and c not in RESERVED]
    return gpd.GeoDataFrame(
        {
            "row": t["row"].astype("int64"),
            "sheet": t["sheet"].astype("str"),
            "station_id": t["station_id"],
            "name": t["name"],
            "district": t["district"],
            "address": t["address"],
            "status": checked.status,
            "flagship": checked.flagship,
            "area_m2": checked.area,
            **{c: t[c] for c in extra_cols},
            "lon_orig": pd.Series(checked.coords.lon, dtype=float),
            "lat_orig": pd.Series(checked.coords.lat, dtype=float),
            "crs_orig": pd.Series([cs.name] * len(t), dtype="str"),
            "adcode": checked.adcode.reset_index(drop=True),
            "district_zh": checked.district_zh.reset_index(drop=True),
        },
        geometry=checked.points.reset_index(drop=True),
        crs="EPSG:4326",
    )


def _section_statuses(raw: RawTable, n: int) -> tuple[list[Any], list[Any], list[Any]]:
    """The status each row takes where its cell is empty: its section's, else its sheet's.

    A section heading naming a status (二、拟建站点) gives it to the rows under it, as a
    sheet named 拟建 does (probe 24R: they were skipped, and the rows counted as built).
    Also, by row, the heading whose note names another status (已建成站点（暂停运营）) and
    its row: its rows have no status, an error as the same cell's (probe 25R3: they counted
    as built, said only as "no status").
    """
    by_sheet = sheet_status(raw.sheet)
    sections = raw.sections or (None,) * n
    lines = raw.section_rows or (None,) * n
    statuses, unclear, rows = [], [], []
    for s, line in zip(sections, lines, strict=True):
        code, clear = _heading_status(s) if s else (None, True)
        statuses.append(code or by_sheet)
        unclear.append(None if clear else s)
        rows.append(None if clear else line)
    return statuses, unclear, rows


#: A count after a heading's status without brackets: 拟建站点：5个, 拟建站点 5个, 拟建 共5处.
_HEADING_COUNT = re.compile(r"[\s:：]*(?:共|计)?\s*\d+\s*(?:个|座|处|所|站)?\s*$")


def _heading_status(heading: str) -> tuple[str | None, bool]:
    """The status a section heading names, and whether its notes agree with it.

    A count or note in brackets is read past (拟建站点（5个）, probe 24R2), as a count
    after a colon or a space is (拟建站点：5个, probe 25R3), unless the note names another
    status: 已建成站点（暂停运营）is no status and not clear, as a station's own cell.
    """
    bare = re.sub(r"[（(【\[].*?[）)】\]]", "", heading).strip()
    code = sheet_status(_HEADING_COUNT.sub("", bare).strip())
    if code is not None and note_statuses(heading, code) - {code}:
        return None, False
    return code, True

"""Station lists: read planners' files, validate every row, normalise to WGS-84, place on streets.

:func:`read_stations` reads CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, detected), XLSX, GeoJSON,
GeoPackage and Shapefile, maps Chinese and English headers to one schema, converts the
coordinates from the stated datum (``crs="gcj02"`` for AMap...) to WGS-84 and checks every
row. It returns a :class:`StationCheck`: the clean stations, the rejected rows exactly as read,
and one table of all problems, each naming its row and column. Nothing is raised for bad rows
unless ``strict=True``; a file that cannot be read at all raises :class:`InputDataError`.

Normalised schema of :attr:`StationCheck.stations` (a GeoDataFrame in EPSG:4326):

============== ========= ==============================================================
column         dtype     meaning
============== ========= ==============================================================
row            int64     row in the source (header = row 1, as Excel shows it); for
                         GeoJSON/GeoPackage/Shapefile the 1-based feature number
sheet          str       workbook sheet or GeoPackage layer; NA for other formats
station_id     str       编号 / id / station_id (text, leading zeros kept); NA if absent
name           str       名称 / 站点名称 / name
district       str       区县 / 所属区县 as stated in the file
address        str       地址 / address
status         str       existing, building, proposed, candidate or closed (from
                         已建成/在建/拟建/候选/退出...); NA when not given
flagship       boolean   最美渝工港湾 (是/否, yes/no, 1/0)
area_m2        float64   面积(㎡) / area
(other)        as read   every other column, under its own header
lon_orig       float64   x/longitude as in the file (easting for projected CRSs)
lat_orig       float64   y/latitude as in the file (northing for projected CRSs)
crs_orig       str       the stated CRS of the file: wgs84, gcj02, bd09 or EPSG:NNNN
adcode         str       adcode of the district the point lies in (500101...500243)
district_zh    str       name of that district (渝中区...)
geometry       Point     WGS-84
============== ========= ==============================================================

Problems (:attr:`StationCheck.problems`) have columns ``sheet``, ``row`` (NA for problems of
the whole file), ``column`` (the header as written in the file), ``severity`` (``error``: the
row is rejected; ``warning``: kept), ``code`` and ``message``. Codes:

* errors: ``coord_missing``, ``coord_not_numeric``, ``coord_out_of_range``,
  ``latlon_swapped``, ``geometry_not_point``, ``outside_chongqing``, ``outside_extent``,
  ``duplicate_id``, ``status_unknown``;
* warnings: ``near_boundary``, ``duplicate_location`` (< 5 m apart), ``name_missing``,
  ``id_missing``, ``status_missing``, ``district_unknown``, ``district_mismatch``,
  ``flagship_unknown``, ``area_not_numeric``, ``ambiguous_column``, ``sheet_skipped``,
  ``extra_fields``, and from :func:`place_stations` ``far_from_network`` and
  ``datum_shift_suspected``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from harbor_planner._io import atomic_path
from harbor_planner._text import display_width
from harbor_planner.coords import (
    CoordSystem,
    DatumDiagnosis,
    diagnose_datum_shift,
    parse_crs,
    to_wgs84,
    utm_crs_for,
)
from harbor_planner.districts import chongqing_districts, locate_districts, match_district_names
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers import (
    ALIAS_INDEX,
    RawTable,
    norm_header,
    problem,
    read_csv,
    read_geo,
    read_xlsx,
)

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = [
    "PROBLEM_COLUMNS",
    "STATUS_VALUES",
    "StationCheck",
    "StationPlacement",
    "format_problem_table",
    "merge_placement",
    "place_stations",
    "read_stations",
    "select_status",
    "write_station_check",
]

log = logging.getLogger(__name__)

#: Normalised status values, in planning order.
STATUS_VALUES: tuple[str, ...] = ("existing", "building", "proposed", "candidate", "closed")

#: Columns of every problems table.
PROBLEM_COLUMNS: tuple[str, ...] = ("sheet", "row", "column", "severity", "code", "message")

_STATUS_ALIASES: dict[str, str] = {
    **{k: "existing" for k in ("已建成", "建成", "已建", "运营", "运营中", "existing", "built")},
    **{k: "building" for k in ("在建", "建设中", "施工中", "building", "under construction")},
    **{k: "proposed" for k in ("拟建", "规划", "计划", "proposed", "planned")},
    **{k: "candidate" for k in ("候选", "备选", "candidate")},
    **{k: "closed" for k in ("退出", "已退出", "关闭", "已关闭", "撤销", "closed", "exited")},
}

_FLAGSHIP_ALIASES: dict[str, bool] = {
    **{k: True for k in ("是", "yes", "y", "true", "1", "√", "✓")},
    **{k: False for k in ("否", "no", "n", "false", "0", "×", "")},
}


_RESERVED = (
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
_TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}

#: Stations closer than this are reported as duplicate locations.
DUPLICATE_DISTANCE_M = 5.0


# --------------------------------------------------------------------------- result objects


def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sheet": pd.Series(dtype="str"),
            "row": pd.Series(dtype="Int64"),
            "column": pd.Series(dtype="str"),
            "severity": pd.Series(dtype="str"),
            "code": pd.Series(dtype="str"),
            "message": pd.Series(dtype="str"),
        }
    )


def _concat_problems(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_problems()
    out = pd.concat(frames, ignore_index=True)
    out["row"] = out["row"].astype("Int64")
    for col in ("sheet", "column", "severity", "code", "message"):
        out[col] = out[col].astype("str")
    order = out.sort_values(["sheet", "row"], na_position="first", kind="stable")
    return order.reset_index(drop=True)


def format_problem_table(problems: pd.DataFrame, *, max_rows: int | None = None) -> str:
    """Render a problems table as aligned plain text (wide CJK characters counted as two).

    Parameters
    ----------
    problems
        A table with :data:`PROBLEM_COLUMNS`.
    max_rows
        Show at most this many problems, then a line telling how many were left out.

    Returns
    -------
    str
        The table, without a trailing newline; ``"no problems"`` when empty.

    """
    if problems.empty:
        return "no problems"
    shown = problems if max_rows is None else problems.head(max_rows)
    has_sheet = shown["sheet"].notna().any()
    cols = (["sheet"] if has_sheet else []) + ["row", "column", "severity", "code", "message"]
    cells = [cols] + [
        ["" if pd.isna(v) else str(v) for v in rec]
        for rec in shown[cols].itertuples(index=False, name=None)
    ]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(cols) - 1)]
    lines = []
    for r in cells:
        parts = [r[i] + " " * (widths[i] - display_width(r[i])) for i in range(len(cols) - 1)]
        lines.append("  ".join([*parts, r[-1]]).rstrip())
    if max_rows is not None and len(problems) > max_rows:
        lines.append(f"... and {len(problems) - max_rows} more problems")
    return "\n".join(lines)


@dataclass(frozen=True)
class StationCheck:
    """The result of reading and checking a station file.

    Attributes
    ----------
    stations
        Clean stations in the normalised schema (see the module docstring), EPSG:4326.
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
        return (
            f"{self.source}: {n} rows read as {self.crs.label}; {len(self.stations)} stations "
            f"kept, {len(self.rejected)} rejected; {len(self.errors)} errors, "
            f"{len(self.warnings)} warnings"
        )

    def format_problems(self, *, max_rows: int | None = None) -> str:
        """Render the problems as an aligned text table (see :func:`format_problem_table`)."""
        return format_problem_table(self.problems, max_rows=max_rows)

    def raise_for_errors(self, *, max_rows: int = 30) -> None:
        """Raise :class:`InputDataError` listing the errors, if there is any.

        Parameters
        ----------
        max_rows
            Errors shown in the message at most.

        """
        if self.ok:
            return
        msg = (
            f"{len(self.errors)} errors in {len(self.rejected)} rows; fix them in the file or "
            "read with strict=False to keep the clean rows:\n"
            + format_problem_table(self.errors, max_rows=max_rows)
        )
        raise InputDataError(msg, path=self.source)


@dataclass(frozen=True)
class StationPlacement:
    """Stations snapped to a walk network (see :func:`place_stations`).

    Attributes
    ----------
    stations
        The stations with the snap columns added: ``snap_node`` (int), ``snap_node_dist_m``,
        ``snap_edge`` (int), ``snap_edge_frac`` (0-1 along the edge), ``snap_dist_m``
        (distance to the nearest edge) and ``on_network`` (``snap_dist_m <= max_dist_m``).
    problems
        ``far_from_network`` warnings and, when the points fit the network better in another
        datum, one ``datum_shift_suspected`` warning.
    max_dist_m
        The distance threshold used.
    datum
        The datum diagnosis, or ``None`` when not computed.

    """

    stations: gpd.GeoDataFrame
    problems: pd.DataFrame
    max_dist_m: float
    datum: DatumDiagnosis | None = None

    @property
    def far(self) -> gpd.GeoDataFrame:
        """Stations farther than ``max_dist_m`` from any walkable street."""
        return self.stations[~self.stations["on_network"]]


# --------------------------------------------------------------------------- raw reading


# --------------------------------------------------------------------------- helpers


def _problems_where(
    table: pd.DataFrame,
    mask: np.ndarray | pd.Series,
    column: pd.Series | str | None,
    severity: str,
    code: str,
    message: pd.Series | str,
) -> pd.DataFrame:
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return _empty_problems()
    sub = table.loc[m]
    n = int(m.sum())

    def pick(v: pd.Series | str | None) -> Any:
        if isinstance(v, pd.Series):
            return v[m].to_numpy()
        return [v] * n

    return pd.DataFrame(
        {
            "sheet": sub["sheet"].to_numpy(),
            "row": sub["row"].to_numpy(),
            "column": pick(column),
            "severity": severity,
            "code": code,
            "message": pick(message),
        }
    )


def _cell_text(v: object) -> object:
    """Text of a cell: ``None`` for empty, integers from Excel without ``.0``."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v).strip()
    return s or None


def _text_series(s: pd.Series) -> pd.Series:
    return s.map(_cell_text).astype("str")


def _resolve_crs(
    crs: str | int | pyproj.CRS | CoordSystem | None, raw: RawTable, path: Path, geo: bool
) -> CoordSystem:
    if not geo:
        if crs is None:
            raise CRSError(
                "no coordinate system given. A CSV/XLSX file does not record one: state it "
                "with crs= (--crs): 'gcj02' for coordinates picked on AMap/高德 or Tencent, "
                "'bd09' for Baidu, 'wgs84' for GPS/OpenStreetMap, or 'EPSG:NNNN'",
                path=path,
            )
        return parse_crs(crs)
    file_crs = raw.file_crs
    if crs is None:
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


def _extent_geometry(
    extent: object,
) -> shapely.Geometry | None:
    if isinstance(extent, gpd.GeoDataFrame | gpd.GeoSeries):
        if extent.crs is None:
            raise CRSError("extent has no CRS; set one (e.g. .set_crs('EPSG:4326'))")
        return shapely.union_all(extent.to_crs("EPSG:4326").geometry.to_numpy())
    if isinstance(extent, shapely.Geometry):
        return extent
    if isinstance(extent, tuple | list) and len(extent) == 4:
        return shapely.box(*map(float, extent))
    raise InputDataError(
        f"extent={extent!r} is not understood; give 'chongqing', None, a (min lon, min lat, "
        "max lon, max lat) tuple, a WGS-84 shapely geometry or a GeoDataFrame"
    )


# --------------------------------------------------------------------------- checking


def _check(
    raws: list[RawTable],
    cs: CoordSystem,
    *,
    source: str,
    extent: object,
    file_problems: list[dict[str, Any]],
) -> StationCheck:
    problems: list[pd.DataFrame] = [pd.DataFrame(file_problems, columns=list(PROBLEM_COLUMNS))]
    pieces: list[pd.DataFrame] = []
    originals: list[pd.DataFrame] = []
    for raw in raws:
        frame = raw.frame
        canon_to_orig: dict[str, str] = {}
        for col in frame.columns:
            canon = ALIAS_INDEX.get(norm_header(col))
            if raw.x is not None and canon in ("lon", "lat"):
                canon = None  # geo formats: the geometry holds the coordinates
            if canon is None:
                continue
            if canon in canon_to_orig:
                problems.append(
                    pd.DataFrame(
                        [
                            problem(
                                raw.sheet,
                                None,
                                str(col),
                                "warning",
                                "ambiguous_column",
                                f"both {canon_to_orig[canon]!r} and {col!r} look like "
                                f"'{canon}'; {canon_to_orig[canon]!r} is used, {col!r} kept "
                                "as an extra column",
                            )
                        ]
                    )
                )
                continue
            canon_to_orig[canon] = str(col)
        if raw.x is None and not {"lon", "lat"} <= set(canon_to_orig):
            raise InputDataError(
                (f"sheet {raw.sheet!r}: " if raw.sheet else "")
                + "no longitude/latitude columns found; headers are "
                + ", ".join(map(repr, frame.columns))
                + "; name them 经度/纬度 (or lon/lat, lng, longitude/latitude, x/y)",
                path=source,
            )
        n = len(frame)
        piece = pd.DataFrame(index=pd.RangeIndex(n))
        piece["row"] = raw.rows
        piece["sheet"] = pd.Series([raw.sheet] * n, dtype="str")
        for canon in ("station_id", "name", "district", "address", "status", "flagship"):
            if canon in canon_to_orig:
                piece[canon] = _text_series(frame[canon_to_orig[canon]]).to_numpy()
            else:
                piece[canon] = pd.Series([None] * n, dtype="str")
            piece[f"_col_{canon}"] = canon_to_orig.get(canon)
        piece["_has_station_id"] = "station_id" in canon_to_orig
        piece["_has_status"] = "status" in canon_to_orig
        piece["_sheet_status"] = _STATUS_ALIASES.get((raw.sheet or "").strip().lower())
        area_col = canon_to_orig.get("area_m2")
        piece["_area_raw"] = (
            _text_series(frame[area_col]).to_numpy() if area_col else pd.Series([None] * n)
        )
        piece["_col_area_m2"] = area_col
        if raw.x is not None:
            piece["_lon_raw"] = pd.Series(raw.x, dtype=object).astype("str").to_numpy()
            piece["_lat_raw"] = pd.Series(raw.y, dtype=object).astype("str").to_numpy()
            piece["_x"] = raw.x
            piece["_y"] = raw.y
            piece["_geom_problem"] = raw.geom_problem
            piece["_col_lon"] = piece["_col_lat"] = "geometry"
        else:
            piece["_lon_raw"] = _text_series(frame[canon_to_orig["lon"]]).to_numpy()
            piece["_lat_raw"] = _text_series(frame[canon_to_orig["lat"]]).to_numpy()
            piece["_x"] = np.nan
            piece["_y"] = np.nan
            piece["_geom_problem"] = None
            piece["_col_lon"] = canon_to_orig["lon"]
            piece["_col_lat"] = canon_to_orig["lat"]
        used = set(canon_to_orig.values()) | ({"geometry_wkt"} if raw.x is not None else set())
        extras = frame[[c for c in frame.columns if c not in used]]
        extras = extras.rename(columns={c: f"{c}_src" for c in extras.columns if c in _RESERVED})
        piece = pd.concat([piece, extras.reset_index(drop=True)], axis=1)
        pieces.append(piece)
        orig = frame.map(_cell_text).astype(object)
        orig.insert(0, "sheet", raw.sheet)
        orig.insert(0, "row", raw.rows)
        originals.append(orig)

    t = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
    original = pd.concat(originals, ignore_index=True) if originals else pd.DataFrame()
    extra_cols = [c for c in t.columns if not c.startswith("_") and c not in _RESERVED]

    # ---------------------------------------------------------------- coordinates
    def numeric(raw_text: pd.Series) -> pd.Series:
        cleaned = raw_text.str.replace("°", "", regex=False).str.replace("，", ".", regex=False)
        return pd.to_numeric(cleaned, errors="coerce").astype(float)

    geo_input = t["_col_lon"].eq("geometry").to_numpy() if len(t) else np.zeros(0, bool)
    lon = np.where(geo_input, t["_x"].astype(float), numeric(t["_lon_raw"]))
    lat = np.where(geo_input, t["_y"].astype(float), numeric(t["_lat_raw"]))
    lon_missing = t["_lon_raw"].isna().to_numpy() & ~geo_input
    lat_missing = t["_lat_raw"].isna().to_numpy() & ~geo_input
    geom_missing = geo_input & np.isnan(lon) & t["_geom_problem"].isna().to_numpy()
    not_point = t["_geom_problem"].notna().to_numpy()
    missing = lon_missing | lat_missing | geom_missing
    lon_bad = ~lon_missing & ~geo_input & np.isnan(lon)
    lat_bad = ~lat_missing & ~geo_input & np.isnan(lat)
    col_lon, col_lat = t["_col_lon"], t["_col_lat"]
    problems += [
        _problems_where(
            t,
            missing,
            col_lon.where(lon_missing | geom_missing, col_lat),
            "error",
            "coord_missing",
            "no coordinates; fill in longitude and latitude (e.g. 106.5702, 29.5573)"
            if not geo_input.any()
            else "no point geometry; give the station a location",
        ),
        _problems_where(
            t,
            not_point,
            "geometry",
            "error",
            "geometry_not_point",
            "geometry is a " + t["_geom_problem"].astype("str") + ", not a point; stations must "
            "be points (use a point layer or the centroids)",
        ),
        _problems_where(
            t,
            lon_bad,
            col_lon,
            "error",
            "coord_not_numeric",
            "'" + t["_lon_raw"].astype("str") + "' is not a number; write decimal degrees "
            "such as 106.5702",
        ),
        _problems_where(
            t,
            lat_bad,
            col_lat,
            "error",
            "coord_not_numeric",
            "'" + t["_lat_raw"].astype("str") + "' is not a number; write decimal degrees "
            "such as 29.5573",
        ),
    ]
    have = np.isfinite(lon) & np.isfinite(lat)
    bad_range = np.zeros(len(t), dtype=bool)
    if cs.is_geographic:
        china_swapped = (lon >= 3) & (lon <= 54) & (lat >= 73) & (lat <= 136)
        generic_swapped = (np.abs(lat) > 90) & (np.abs(lon) <= 90)
        swapped = have & (china_swapped | generic_swapped)
        out_range = have & ~swapped & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
        bad_range = swapped | out_range
        problems += [
            _problems_where(
                t,
                swapped,
                col_lat,
                "error",
                "latlon_swapped",
                "longitude "
                + pd.Series(lon).map("{:g}".format)
                + " and latitude "
                + pd.Series(lat).map("{:g}".format)
                + " look swapped (Chongqing is near 106.5 E, 29.5 N); swap the two values "
                "or the column headers",
            ),
            _problems_where(
                t,
                out_range,
                col_lon.where(np.abs(lon) > 180, col_lat),
                "error",
                "coord_out_of_range",
                "longitude must be within ±180 and latitude within ±90 degrees; got "
                + pd.Series(lon).map("{:g}".format)
                + ", "
                + pd.Series(lat).map("{:g}".format),
            ),
        ]
    usable = have & ~bad_range & ~not_point
    wlon = np.full(len(t), np.nan)
    wlat = np.full(len(t), np.nan)
    if usable.any():
        wlon[usable], wlat[usable] = to_wgs84(lon[usable], lat[usable], cs)
    pts = gpd.GeoSeries(
        np.where(usable, shapely.points(np.column_stack([wlon, wlat])), None),
        crs="EPSG:4326",
    )
    usable = usable & np.isfinite(wlon) & np.isfinite(wlat)

    # ---------------------------------------------------------------- area and districts
    adcode, outside_m = locate_districts(pts)
    names = chongqing_districts().set_index("adcode")["name_zh"]
    district_zh = adcode.map(names).astype("str")
    if isinstance(extent, str) and extent.lower() == "chongqing":
        far = usable & (outside_m.to_numpy() > 500.0)
        near = usable & (outside_m.to_numpy() > 0) & ~far
        problems += [
            _problems_where(
                t,
                far,
                col_lon,
                "error",
                "outside_chongqing",
                "point lies "
                + (outside_m / 1000).map("{:.1f}".format)
                + " km outside Chongqing (WGS-84 "
                + pd.Series(wlon).map("{:.5f}".format)
                + ", "
                + pd.Series(wlat).map("{:.5f}".format)
                + "); check the coordinates and --crs",
            ),
            _problems_where(
                t,
                near,
                col_lon,
                "warning",
                "near_boundary",
                "point lies "
                + outside_m.map("{:.0f}".format)
                + " m outside the simplified Chongqing boundary; assigned to the nearest "
                "district",
            ),
        ]
    elif extent is not None:
        area = _extent_geometry(extent)
        shapely.prepare(area)
        outside = usable & ~shapely.covers(area, pts.to_numpy())
        problems.append(
            _problems_where(
                t,
                outside,
                col_lon,
                "error",
                "outside_extent",
                "point (WGS-84 "
                + pd.Series(wlon).map("{:.5f}".format)
                + ", "
                + pd.Series(wlat).map("{:.5f}".format)
                + ") lies outside the study extent; check the coordinates and --crs",
            )
        )

    stated_code = match_district_names(t["district"])
    has_district = t["district"].notna().to_numpy()
    unknown_d = has_district & stated_code.isna().to_numpy()
    mismatch = (
        has_district
        & stated_code.notna().to_numpy()
        & adcode.notna().to_numpy()
        & (stated_code.fillna("").to_numpy() != adcode.fillna("").to_numpy())
    )
    problems += [
        _problems_where(
            t,
            unknown_d,
            t["_col_district"],
            "warning",
            "district_unknown",
            "'" + t["district"].astype("str") + "' is not a district or county of Chongqing",
        ),
        _problems_where(
            t,
            mismatch,
            t["_col_district"],
            "warning",
            "district_mismatch",
            "stated "
            + t["district"].astype("str")
            + " but the point lies in "
            + district_zh.astype("str")
            + " ("
            + adcode.astype("str")
            + "); check the coordinates, --crs or the district",
        ),
    ]

    # ---------------------------------------------------------------- identity
    sid = t["station_id"]
    dup_id = sid.notna() & sid.duplicated(keep=False)
    if dup_id.any():
        rows_by_id = (
            t.loc[dup_id].groupby("station_id")["row"].agg(lambda r: ", ".join(map(str, r)))
        )
        dup_msg = (
            "id '"
            + sid.astype("str")
            + "' is used on rows "
            + sid.map(rows_by_id).astype("str")
            + "; give each station its own id"
        )
    else:
        dup_msg = pd.Series("", index=t.index)
    problems += [
        _problems_where(t, dup_id, t["_col_station_id"], "error", "duplicate_id", dup_msg),
        _problems_where(
            t,
            t["_has_station_id"].astype(bool) & sid.isna(),
            t["_col_station_id"],
            "warning",
            "id_missing",
            "no id; give the station an id (编号)",
        ),
        _problems_where(
            t,
            t["name"].isna(),
            t["_col_name"],
            "warning",
            "name_missing",
            "no name; give the station a name (名称)",
        ),
    ]

    # ---------------------------------------------------------------- status, flagship, area
    status_text = t["status"].str.strip().str.lower()
    status = status_text.map(_STATUS_ALIASES).astype("str")
    status = status.fillna(t["_sheet_status"].where(status_text.isna()).astype("str"))
    st_unknown = status_text.notna() & status.isna()
    st_missing = t["_has_status"].astype(bool) & status.isna() & ~st_unknown
    problems += [
        _problems_where(
            t,
            st_unknown,
            t["_col_status"],
            "error",
            "status_unknown",
            "unknown status '"
            + t["status"].astype("str")
            + "'; use 已建成, 在建, 拟建, 候选 or 退出 (existing, building, proposed, "
            "candidate, closed)",
        ),
        _problems_where(
            t,
            st_missing,
            t["_col_status"],
            "warning",
            "status_missing",
            "no status; fill in 已建成, 在建, 拟建, 候选 or 退出",
        ),
    ]
    flag_text = t["flagship"].str.strip().str.lower()
    flagship = flag_text.map(_FLAGSHIP_ALIASES).astype("boolean")
    problems.append(
        _problems_where(
            t,
            flag_text.notna() & flagship.isna(),
            t["_col_flagship"],
            "warning",
            "flagship_unknown",
            "'" + t["flagship"].astype("str") + "' is not 是/否 (yes/no); left empty",
        )
    )
    area_raw = t["_area_raw"].astype("str")
    area = pd.to_numeric(area_raw.str.replace(",", "", regex=False), errors="coerce").astype(float)
    problems.append(
        _problems_where(
            t,
            area_raw.notna() & (area.isna() | (area < 0)),
            t["_col_area_m2"],
            "warning",
            "area_not_numeric",
            "area '" + area_raw + "' is not a non-negative number of m²; left empty",
        )
    )

    # ---------------------------------------------------------------- duplicate locations
    idx = np.flatnonzero(usable)
    if idx.size > 1:
        metric = utm_crs_for(wlon[idx], wlat[idx])
        tr = pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True)
        mx, my = tr.transform(wlon[idx], wlat[idx])
        pairs = cKDTree(np.column_stack([mx, my])).query_pairs(
            DUPLICATE_DISTANCE_M, output_type="ndarray"
        )
        if len(pairs):
            i, j = idx[pairs.min(axis=1)], idx[pairs.max(axis=1)]
            d = np.hypot(mx[pairs[:, 0]] - mx[pairs[:, 1]], my[pairs[:, 0]] - my[pairs[:, 1]])
            rows = t["row"].to_numpy()
            sheets = t["sheet"].to_numpy()
            other = [
                f"row {r}" + (f" of sheet {s}" if isinstance(s, str) else "")
                for r, s in zip(rows[i], sheets[i], strict=True)
            ]
            problems.append(
                pd.DataFrame(
                    {
                        "sheet": sheets[j],
                        "row": rows[j],
                        "column": t["_col_lon"].to_numpy()[j],
                        "severity": "warning",
                        "code": "duplicate_location",
                        "message": [
                            f"{dist:.1f} m from {o} (same place twice?); check both rows"
                            for dist, o in zip(d, other, strict=True)
                        ],
                    }
                )
            )

    # ---------------------------------------------------------------- assemble
    all_problems = _concat_problems(problems)
    err = all_problems[(all_problems["severity"] == "error") & all_problems["row"].notna()]
    key = t["sheet"].fillna("").astype(str) + "\x00" + t["row"].astype(str)
    err_key = err["sheet"].fillna("").astype(str) + "\x00" + err["row"].astype(str)
    rejected_mask = key.isin(set(err_key)).to_numpy()

    stations = gpd.GeoDataFrame(
        {
            "row": t["row"].astype("int64"),
            "sheet": t["sheet"].astype("str"),
            "station_id": t["station_id"],
            "name": t["name"],
            "district": t["district"],
            "address": t["address"],
            "status": status,
            "flagship": flagship,
            "area_m2": area,
            **{c: t[c] for c in extra_cols},
            "lon_orig": pd.Series(lon, dtype=float),
            "lat_orig": pd.Series(lat, dtype=float),
            "crs_orig": pd.Series([cs.name] * len(t), dtype="str"),
            "adcode": adcode.reset_index(drop=True),
            "district_zh": district_zh.reset_index(drop=True),
        },
        geometry=pts.reset_index(drop=True),
        crs="EPSG:4326",
    )
    stations = stations.loc[~rejected_mask].reset_index(drop=True)

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
        both a longitude and a latitude column.
    crs
        The true coordinate system of the coordinates: ``"gcj02"`` for points picked on AMap
        (高德) or Tencent, ``"bd09"`` for Baidu, ``"wgs84"`` for GPS/OpenStreetMap, or
        ``"EPSG:NNNN"`` (see :func:`harbor_planner.coords.parse_crs`). Required for CSV/XLSX.
        For GIS files the file's own CRS is used when it is projected; when it is EPSG:4326
        (which AMap/Baidu exports also claim) ``crs`` must be given, since the datum cannot be
        told from the file.
    sheet
        XLSX: ``None`` or ``"*"`` reads every sheet that has coordinate columns (others are
        skipped with a ``sheet_skipped`` warning) and keeps the sheet name in ``sheet``; a
        name or a list of names reads those sheets. A sheet named like a status (已建成, 拟建...)
        gives that status to its rows without a status of their own. GeoPackage: the layer
        (default: the only layer, or ``stations``).
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
        Clean stations (normalised schema, see the module docstring), rejected rows as read,
        and all problems.

    Raises
    ------
    InputDataError
        When the file is missing, unreadable, has no coordinate columns, or (``strict``) has
        errors.
    CRSError
        When the coordinate system is not stated and cannot be taken from the file.

    """
    p = Path(path)
    if not p.is_file():
        raise InputDataError("no such file", path=p)
    suffix = p.suffix.lower()
    if suffix in {".xls"}:
        raise InputDataError(
            "old .xls workbooks are not supported; save as .xlsx or CSV from Excel", path=p
        )
    geo = suffix in _GEO_SUFFIXES
    if not geo and suffix not in _TABLE_SUFFIXES:
        raise InputDataError(
            f"unknown file type '{suffix}'; give a .csv, .xlsx, .geojson, .gpkg or .shp file",
            path=p,
        )
    if suffix in {".csv", ".txt", ".tsv"}:
        raws, file_problems = read_csv(p, encoding)
    elif suffix in {".xlsx", ".xlsm"}:
        raws, file_problems = read_xlsx(p, sheet)
    else:
        raws, file_problems = read_geo(p, sheet, encoding)
    cs = _resolve_crs(crs, raws[0], p, geo)
    check = _check(raws, cs, source=str(p), extent=extent, file_problems=file_problems)
    if strict:
        check.raise_for_errors()
    return check


def _snap_dist(network: WalkNetwork, lon: np.ndarray, lat: np.ndarray):
    """Snap alternative readings; no distance limit, so the network logs no far points."""
    from harbor_planner.network import snap_points

    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    return snap_points(network, pts, max_dist_m=1e12)


def place_stations(
    stations: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    max_dist_m: float = 150.0,
    check_datum: bool = True,
) -> StationPlacement:
    """Snap stations to the walk network and flag those far from any walkable street.

    Parameters
    ----------
    stations
        Stations with a CRS, e.g. :attr:`StationCheck.stations`. Rows are kept in order.
    network
        The walk network (:func:`harbor_planner.network.build_network`).
    max_dist_m
        Stations farther than this from the nearest edge get a ``far_from_network`` warning
        (default 150 m).
    check_datum
        Also read the original coordinates (``lon_orig``/``lat_orig``, when in a lon/lat
        datum) as WGS-84, GCJ-02 and BD-09 and warn (``datum_shift_suspected``) when another
        reading fits the network much better than the stated one
        (:func:`harbor_planner.coords.diagnose_datum_shift`).

    Returns
    -------
    StationPlacement

    """
    from harbor_planner.network import snap_points

    if stations.crs is None:
        raise CRSError("stations have no CRS; read them with read_stations or set_crs first")
    if max_dist_m <= 0:
        raise InputDataError(f"max_dist_m must be positive, got {max_dist_m}")
    snap = snap_points(network, stations.geometry, max_dist_m=max_dist_m)
    out = stations.copy()
    out["snap_node"] = np.asarray(snap.node, dtype=np.int64)
    out["snap_node_dist_m"] = np.asarray(snap.node_dist_m, dtype=float)
    out["snap_edge"] = np.asarray(snap.edge, dtype=np.int64)
    out["snap_edge_frac"] = np.asarray(snap.edge_frac, dtype=float)
    out["snap_dist_m"] = np.asarray(snap.edge_dist_m, dtype=float)
    out["on_network"] = np.asarray(snap.within, dtype=bool)
    table = out.assign(
        sheet=out.get("sheet", None),
        row=out["row"] if "row" in out else pd.Series(np.arange(1, len(out) + 1)),
    )
    problems = [
        _problems_where(
            table,
            ~out["on_network"].to_numpy(),
            "geometry",
            "warning",
            "far_from_network",
            "station lies "
            + out["snap_dist_m"].map("{:.0f}".format)
            + f" m from the nearest walkable street (limit {max_dist_m:g} m); check its "
            "coordinates and --crs, or the network extent",
        )
    ]
    diagnosis = None
    if check_datum and {"lon_orig", "lat_orig", "crs_orig"} <= set(out.columns) and len(out):
        kinds = out["crs_orig"].dropna().unique()
        if len(kinds) == 1 and kinds[0] in ("wgs84", "gcj02", "bd09"):
            stated = str(kinds[0])
            x = out["lon_orig"].to_numpy(float)
            y = out["lat_orig"].to_numpy(float)
            distances = {stated: out["snap_dist_m"].to_numpy(float)}
            for kind in ("wgs84", "gcj02", "bd09"):
                if kind != stated:
                    lon, lat = to_wgs84(x, y, kind)
                    distances[kind] = np.asarray(
                        _snap_dist(network, lon, lat).edge_dist_m, dtype=float
                    )
            diagnosis = diagnose_datum_shift(distances, stated=stated)
            log.log(logging.WARNING if diagnosis.shifted else logging.INFO, diagnosis.message())
            if diagnosis.shifted:
                problems.append(
                    pd.DataFrame(
                        [
                            problem(
                                None,
                                None,
                                None,
                                "warning",
                                "datum_shift_suspected",
                                diagnosis.message(),
                            )
                        ]
                    )
                )
    n_far = int((~out["on_network"]).sum())
    log.info(
        "placed %d stations on the network: median %.0f m from a street, %d farther than %g m",
        len(out),
        float(np.nanmedian(out["snap_dist_m"])) if len(out) else float("nan"),
        n_far,
        max_dist_m,
    )
    return StationPlacement(
        stations=out,
        problems=_concat_problems(problems),
        max_dist_m=float(max_dist_m),
        datum=diagnosis,
    )


def write_station_check(check: StationCheck, path: str | os.PathLike[str]) -> Path:
    """Write a checked station list to a GeoPackage, atomically.

    Layers: ``stations`` (the clean points, WGS-84), ``rejected`` (rows with errors, as read,
    with their problems) and ``problems`` (all problems). The file appears complete or not
    at all: it is written to a temporary file in the same folder and then renamed.

    Parameters
    ----------
    check
        The result of :func:`read_stations` (possibly with placement columns and problems
        merged in by the caller through :func:`dataclasses.replace`).
    path
        Target ``.gpkg`` file; replaced if it exists.

    Returns
    -------
    pathlib.Path
        The file written.

    """
    import pyogrio

    out = Path(path)
    if out.suffix.lower() != ".gpkg":
        raise InputDataError("the output must be a GeoPackage (.gpkg)", path=out)
    if out.resolve() == Path(check.source).resolve():
        raise InputDataError("refusing to overwrite the input file; choose another --out", path=out)
    stations = check.stations.copy()
    stations["flagship"] = (
        stations["flagship"].astype(object).where(stations["flagship"].notna(), None)
    )
    rejected = check.rejected.astype(object).where(check.rejected.notna(), None).astype("str")
    rejected["row"] = check.rejected["row"].astype("int64")
    problems = check.problems.copy()
    problems["row"] = problems["row"].astype("Float64")
    with atomic_path(out) as tmp:
        pyogrio.write_dataframe(stations, tmp, layer="stations", driver="GPKG")
        pyogrio.write_dataframe(rejected, tmp, layer="rejected", driver="GPKG", append=True)
        pyogrio.write_dataframe(problems, tmp, layer="problems", driver="GPKG", append=True)
    log.info(
        "wrote %s: %d stations, %d rejected rows, %d problems",
        out,
        len(check.stations),
        len(check.rejected),
        len(check.problems),
    )
    return out


def merge_placement(check: StationCheck, placement: StationPlacement) -> StationCheck:
    """Return ``check`` with the placement columns and problems of ``placement`` merged in.

    Parameters
    ----------
    check
        The checked stations.
    placement
        :func:`place_stations` applied to ``check.stations``.

    Returns
    -------
    StationCheck

    """
    return dataclasses.replace(
        check,
        stations=placement.stations,
        problems=_concat_problems([check.problems, placement.problems]),
    )


def select_status(
    stations: gpd.GeoDataFrame,
    status: Sequence[str] | str | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """The stations of the given statuses (default: all but ``closed`` and ``candidate``).

    Logs how many stations of each status are kept.

    Parameters
    ----------
    stations
        Stations from :func:`read_stations` (column ``status``; missing means no status).
    status
        Statuses to keep (see :data:`STATUS_VALUES`), as a list or comma-separated text;
        ``None`` keeps everything but closed stations and candidates.
    path
        The station file, named in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept rows, index as in ``stations``.

    Raises
    ------
    InputDataError
        An unknown status, or no station left.

    """
    have = (
        stations["status"]
        if "status" in stations
        else pd.Series(None, index=stations.index, dtype=object)
    )
    if status is None:
        keep = ~have.isin(["closed", "candidate"])
    else:
        wanted = status.split(",") if isinstance(status, str) else list(status)
        wanted = [str(w).strip() for w in wanted if str(w).strip()]
        unknown = sorted(set(wanted) - set(STATUS_VALUES))
        if unknown or not wanted:
            raise InputDataError(
                f"status {', '.join(unknown) or '(empty)'}: unknown; "
                f"known: {', '.join(STATUS_VALUES)}"
            )
        keep = have.isin(wanted)
    counts = have[keep].fillna("(none)").value_counts()
    log.info(
        "using %d of %d stations (%s)",
        int(keep.sum()),
        len(stations),
        ", ".join(f"{k}: {v}" for k, v in counts.items()),
    )
    kept = stations[keep.to_numpy()]
    if len(kept) == 0:
        raise InputDataError("no stations left to use after reading and filtering", path=path)
    return kept

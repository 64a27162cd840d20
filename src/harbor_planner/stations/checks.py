"""The row checks of a station list: one function per check, run in order by :func:`check_rows`.

Each check takes the normalised table built by :mod:`harbor_planner.stations.read` (one row
per station row of the file, with the helper columns ``_col_*`` naming the source headers and
``_lon_raw``/``_lat_raw``/``_x``/``_y`` holding the coordinates as read) and returns a
problems table (:mod:`harbor_planner.stations.problems`). :func:`check_rows` also returns the
values the checks derive: the WGS-84 points, the district each lies in and the normalised
status, flagship flag and area.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from harbor_planner.coords import CoordSystem, lonlat_beyond, lonlat_swapped, to_wgs84
from harbor_planner.districts import chongqing_districts, locate_districts, match_district_names
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers import parse_coordinate_text
from harbor_planner.stations._common import FLAGSHIP_ALIASES, note_statuses, status_of
from harbor_planner.stations.nearby import DUPLICATE_DISTANCE_M, duplicate_locations
from harbor_planner.stations.problems import concat_problems, problems_where
from harbor_planner.stations.status_pair import combine_status

__all__ = [
    "DUPLICATE_DISTANCE_M",
    "CheckedRows",
    "Coordinates",
    "Points",
    "check_rows",
]

#: Points farther than this outside the municipality are errors (closer: a warning).
OUTSIDE_CHONGQING_M = 500.0


@dataclass(frozen=True)
class Coordinates:
    """The coordinates of every row as read, in the file's own coordinate system.

    Attributes
    ----------
    lon, lat
        x and y as numbers (NaN when missing or not a number).
    geo_input
        Rows whose coordinates came from a GIS geometry rather than two columns.

    """

    lon: np.ndarray
    lat: np.ndarray
    geo_input: np.ndarray


@dataclass(frozen=True)
class Points:
    """The rows converted to WGS-84 points.

    Attributes
    ----------
    lon, lat
        WGS-84 longitude and latitude (NaN where not usable).
    points
        The points (``None`` where not usable), EPSG:4326.
    usable
        Rows with a valid WGS-84 point.

    """

    lon: np.ndarray
    lat: np.ndarray
    points: gpd.GeoSeries
    usable: np.ndarray


@dataclass(frozen=True)
class CheckedRows:
    """What :func:`check_rows` found and derived.

    Attributes
    ----------
    problems
        Problems tables in the order the checks ran.
    coords
        The coordinates as read.
    points
        The WGS-84 points (``None`` where not usable).
    adcode, district_zh
        The district each point lies in (NA when none).
    status, flagship, area
        Normalised status, flagship flag and area in m².

    """

    problems: list[pd.DataFrame]
    coords: Coordinates
    points: gpd.GeoSeries
    adcode: pd.Series
    district_zh: pd.Series
    status: pd.Series
    flagship: pd.Series
    area: pd.Series


def check_rows(t: pd.DataFrame, cs: CoordSystem, extent: object) -> CheckedRows:
    """Run every row check in order: coordinates, extent, district, identity, attributes.

    Parameters
    ----------
    t
        The normalised table (see the module docstring).
    cs
        The coordinate system the coordinates are in.
    extent
        Where stations may lie (see :func:`harbor_planner.stations.read_stations`).

    Returns
    -------
    CheckedRows

    """
    coords = read_coordinates(t)
    problems = [
        check_coord_missing(t, coords),
        check_geometry_not_point(t),
        *check_coord_not_numeric(t, coords),
    ]
    bad_range = np.zeros(len(t), dtype=bool)
    if cs.is_geographic:
        swapped = swapped_mask(coords)
        out_range = out_of_range_mask(coords, swapped)
        bad_range = swapped | out_range
        problems += [
            check_latlon_swapped(t, coords, swapped),
            check_coord_out_of_range(t, coords, out_range),
        ]
    pts = wgs84_points(t, coords, bad_range, cs)
    adcode, outside_m = locate_districts(pts.points)
    names = chongqing_districts().set_index("adcode")["name_zh"]
    district_zh = adcode.map(names).astype("str")
    if isinstance(extent, str) and extent.lower() == "chongqing":
        problems += [
            check_outside_chongqing(t, pts, outside_m, coords),
            check_near_boundary(t, pts, outside_m),
        ]
    elif extent is not None:
        problems.append(check_outside_extent(t, pts, extent))
    stated_code = match_district_names(t["district"])
    problems += [
        check_district_unknown(t, stated_code),
        check_district_mismatch(t, stated_code, adcode, district_zh),
        check_duplicate_id(t),
        check_id_missing(t),
        check_name_missing(t),
    ]
    first_status = normalise_status(t)
    status, pair_problems = combine_status(t, first_status)  # 状态 beside 运营状态
    flagship = normalise_flagship(t)
    area = normalise_area(t)
    problems += [
        check_status_unknown(t, first_status),
        *pair_problems,
        check_status_missing(t, status),
        check_flagship_unknown(t, flagship),
        check_area_not_numeric(t, area),
        duplicate_locations(t, pts.lon, pts.lat, pts.usable),
    ]
    return CheckedRows(
        problems=problems,
        coords=coords,
        points=pts.points,
        adcode=adcode,
        district_zh=district_zh,
        status=status,
        flagship=flagship,
        area=area,
    )


# --------------------------------------------------------------------------- coordinates


def parse_degrees(raw_text: pd.Series) -> pd.Series:
    """Numbers from coordinate text (see :func:`harbor_planner.readers.parse_coordinate_text`).

    Parameters
    ----------
    raw_text
        Coordinates as text.

    Returns
    -------
    pandas.Series
        Floats, NaN where not a number (``inf`` stays infinite).

    """
    return parse_coordinate_text(raw_text)


def read_coordinates(t: pd.DataFrame) -> Coordinates:
    """The coordinates of every row: from the geometry, or parsed from the two columns.

    Parameters
    ----------
    t
        The normalised table.

    Returns
    -------
    Coordinates

    """
    geo_input = t["_col_lon"].eq("geometry").to_numpy() if len(t) else np.zeros(0, bool)
    lon = np.where(geo_input, t["_x"].astype(float), parse_degrees(t["_lon_raw"]))
    lat = np.where(geo_input, t["_y"].astype(float), parse_degrees(t["_lat_raw"]))
    return Coordinates(lon=lon, lat=lat, geo_input=geo_input)


def not_point_mask(t: pd.DataFrame) -> np.ndarray:
    """Rows whose geometry is not a point."""
    return t["_geom_problem"].notna().to_numpy()


def check_coord_missing(t: pd.DataFrame, coords: Coordinates) -> pd.DataFrame:
    """``coord_missing`` (error): no longitude, no latitude or no geometry."""
    geo_input = coords.geo_input
    lon_missing = t["_lon_raw"].isna().to_numpy() & ~geo_input
    lat_missing = t["_lat_raw"].isna().to_numpy() & ~geo_input
    geom_missing = (
        geo_input
        & np.isnan(coords.lon)
        & np.isnan(coords.lat)
        & t["_geom_problem"].isna().to_numpy()
    )
    return problems_where(
        t,
        lon_missing | lat_missing | geom_missing,
        t["_col_lon"].where(lon_missing | geom_missing, t["_col_lat"]),
        "error",
        "coord_missing",
        "no coordinates; fill in longitude and latitude (e.g. 106.5702, 29.5573)"
        if not geo_input.any()
        else "no point geometry (missing, empty or NaN coordinates); give the station a location",
    )


def check_geometry_not_point(t: pd.DataFrame) -> pd.DataFrame:
    """``geometry_not_point`` (error): a line or polygon where a point was expected."""
    return problems_where(
        t,
        not_point_mask(t),
        "geometry",
        "error",
        "geometry_not_point",
        "geometry is a " + t["_geom_problem"].astype("str") + ", not a point; stations must "
        "be points (use a point layer or the centroids)",
    )


def _not_number_message(raw: pd.Series, value: np.ndarray, example: str) -> pd.Series:
    infinite = pd.Series(np.isinf(value) | raw.str.strip().str.lower().isin(_NAN_WORDS).to_numpy())
    what = infinite.map({True: "is not a finite number", False: "is not a number"})
    return "'" + raw.astype("str") + "' " + what + f"; write decimal degrees such as {example}"


_NAN_WORDS = ("nan", "+nan", "-nan")


def check_coord_not_numeric(t: pd.DataFrame, coords: Coordinates) -> list[pd.DataFrame]:
    """``coord_not_numeric`` (error): longitude problems, then latitude problems.

    Text that is not a number, and ``inf``/``-inf``/``NaN`` (as text or in a geometry), are
    errors naming the row.
    """
    geo = coords.geo_input
    lon_bad = t["_lon_raw"].notna().to_numpy() & ~geo & ~np.isfinite(coords.lon)
    lat_bad = t["_lat_raw"].notna().to_numpy() & ~geo & ~np.isfinite(coords.lat)
    geom_bad = (
        geo
        & ~(np.isfinite(coords.lon) & np.isfinite(coords.lat))
        & ~(np.isnan(coords.lon) & np.isnan(coords.lat))
        & ~not_point_mask(t)
    )
    return [
        problems_where(
            t,
            lon_bad,
            t["_col_lon"],
            "error",
            "coord_not_numeric",
            _not_number_message(t["_lon_raw"], coords.lon, "106.5702"),
        ),
        problems_where(
            t,
            lat_bad,
            t["_col_lat"],
            "error",
            "coord_not_numeric",
            _not_number_message(t["_lat_raw"], coords.lat, "29.5573"),
        ),
        problems_where(
            t,
            geom_bad,
            "geometry",
            "error",
            "coord_not_numeric",
            "the point has a coordinate that is not a finite number ("
            + pd.Series(coords.lon).map("{:g}".format)
            + ", "
            + pd.Series(coords.lat).map("{:g}".format)
            + "); give the station a real location",
        ),
    ]


def have_mask(coords: Coordinates) -> np.ndarray:
    """Rows with both coordinates finite."""
    return np.isfinite(coords.lon) & np.isfinite(coords.lat)


def swapped_mask(coords: Coordinates) -> np.ndarray:
    """Rows whose longitude and latitude look swapped (in China, or beyond ±90 latitude)."""
    return have_mask(coords) & lonlat_swapped(coords.lon, coords.lat)


def out_of_range_mask(coords: Coordinates, swapped: np.ndarray) -> np.ndarray:
    """Rows, not swapped, with a longitude beyond ±180 or a latitude beyond ±90."""
    return have_mask(coords) & ~swapped & lonlat_beyond(coords.lon, coords.lat)


def check_latlon_swapped(t: pd.DataFrame, coords: Coordinates, swapped: np.ndarray) -> pd.DataFrame:
    """``latlon_swapped`` (error): the rows of :func:`swapped_mask`."""
    return problems_where(
        t,
        swapped,
        t["_col_lat"],
        "error",
        "latlon_swapped",
        "longitude "
        + pd.Series(coords.lon).map("{:g}".format)
        + " and latitude "
        + pd.Series(coords.lat).map("{:g}".format)
        + " look swapped (Chongqing is near 106.5 E, 29.5 N); swap the two values "
        "or the column headers",
    )


def check_coord_out_of_range(
    t: pd.DataFrame, coords: Coordinates, out_range: np.ndarray
) -> pd.DataFrame:
    """``coord_out_of_range`` (error): the rows of :func:`out_of_range_mask`."""
    return problems_where(
        t,
        out_range,
        t["_col_lon"].where(np.abs(coords.lon) > 180, t["_col_lat"]),
        "error",
        "coord_out_of_range",
        "longitude must be within ±180 and latitude within ±90 degrees; got "
        + pd.Series(coords.lon).map("{:g}".format)
        + ", "
        + pd.Series(coords.lat).map("{:g}".format)
        + _metres_hint(coords),
    )


def _metres_hint(coords: Coordinates) -> pd.Series:
    """What coordinates in metres probably are: Web Mercator or a transverse Mercator zone."""
    x, y = np.abs(np.asarray(coords.lon, float)), np.abs(np.asarray(coords.lat, float))
    mercator = (x > 8e6) & (x < 1.5e7) & (y > 1e6) & (y < 7.5e6)
    zone = (x > 1e5) & (x < 4e7) & (y > 1e6) & (y < 7.5e6) & ~mercator
    return pd.Series(
        np.where(
            mercator,
            " (metres of Web Mercator, as web maps export them? state the CRS: EPSG:3857)",
            np.where(
                zone,
                " (projected metres? state the CRS, e.g. EPSG:32648 for UTM 48N or the "
                "survey's CGCS2000 Gauss-Kruger zone: EPSG:4523/4524 for 3-degree zones 35/36 "
                "with the zone number in x, EPSG:4544/4545 for CM 105E/108E without it)",
                "",
            ),
        )
    )


def wgs84_points(
    t: pd.DataFrame, coords: Coordinates, bad_range: np.ndarray, cs: CoordSystem
) -> Points:
    """Convert the usable rows to WGS-84 points.

    Parameters
    ----------
    t
        The normalised table.
    coords
        The coordinates as read.
    bad_range
        Rows already rejected as swapped or out of range.
    cs
        The coordinate system of ``coords``.

    Returns
    -------
    Points

    """
    usable = have_mask(coords) & ~bad_range & ~not_point_mask(t)
    wlon = np.full(len(t), np.nan)
    wlat = np.full(len(t), np.nan)
    if usable.any():
        wlon[usable], wlat[usable] = to_wgs84(coords.lon[usable], coords.lat[usable], cs)
    pts = gpd.GeoSeries(
        np.where(usable, shapely.points(np.column_stack([wlon, wlat])), None),
        crs="EPSG:4326",
    )
    usable = usable & np.isfinite(wlon) & np.isfinite(wlat)
    return Points(lon=wlon, lat=wlat, points=pts, usable=usable)


# --------------------------------------------------------------------------- extent


def wgs84_text(pts: Points) -> pd.Series:
    """``"lon, lat"`` of every row with five decimals."""
    return pd.Series(pts.lon).map("{:.5f}".format) + ", " + pd.Series(pts.lat).map("{:.5f}".format)


def check_outside_chongqing(
    t: pd.DataFrame, pts: Points, outside_m: pd.Series, coords: Coordinates | None = None
) -> pd.DataFrame:
    """``outside_chongqing`` (error): more than 500 m outside the municipality."""
    far = pts.usable & (outside_m.to_numpy() > OUTSIDE_CHONGQING_M)
    hint = pd.Series("", index=t.index)
    if coords is not None:
        x, y = np.asarray(coords.lon, float), np.asarray(coords.lat, float)
        # a northing (3e6 m in Chongqing) in X and an easting (1e5-1e6, or with the zone
        # number before it) in Y: Chinese surveys write X for the northing
        survey = (x > 1e6) & (x < 1e7) & (((y > 1e5) & (y < 1e6)) | ((y > 1e7) & (y < 1e8)))
        hint = pd.Series(
            np.where(survey, " (X holds a northing and Y an easting, as Chinese surveys "
                             "write them: swap the X/Y headers)", ""), index=t.index,
        )  # fmt: skip
    return problems_where(
        t,
        far,
        t["_col_lon"],
        "error",
        "outside_chongqing",
        "point lies "
        + (outside_m / 1000).map("{:.1f}".format)
        + " km outside Chongqing (WGS-84 "
        + wgs84_text(pts)
        + "); check the coordinates and --crs"
        + hint,
    )


def check_near_boundary(t: pd.DataFrame, pts: Points, outside_m: pd.Series) -> pd.DataFrame:
    """``near_boundary`` (warning): outside the simplified boundary, but by 500 m at most."""
    outside = outside_m.to_numpy()
    near = pts.usable & (outside > 0) & ~(outside > OUTSIDE_CHONGQING_M)
    return problems_where(
        t,
        near,
        t["_col_lon"],
        "warning",
        "near_boundary",
        "point lies "
        + outside_m.map("{:.0f}".format)
        + " m outside the simplified Chongqing boundary; assigned to the nearest "
        "district",
    )


def extent_geometry(extent: object) -> shapely.Geometry:
    """The study extent as one WGS-84 geometry.

    Parameters
    ----------
    extent
        A ``(min lon, min lat, max lon, max lat)`` WGS-84 tuple, a WGS-84 shapely geometry or
        a GeoDataFrame/GeoSeries with a CRS.

    Returns
    -------
    shapely.Geometry

    Raises
    ------
    CRSError
        A GeoDataFrame/GeoSeries without a CRS.
    InputDataError
        Anything else.

    """
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


def check_outside_extent(t: pd.DataFrame, pts: Points, extent: object) -> pd.DataFrame:
    """``outside_extent`` (error): the point is not covered by the given study extent."""
    area = extent_geometry(extent)
    shapely.prepare(area)
    outside = pts.usable & ~shapely.covers(area, pts.points.to_numpy())
    return problems_where(
        t,
        outside,
        t["_col_lon"],
        "error",
        "outside_extent",
        "point (WGS-84 "
        + wgs84_text(pts)
        + ") lies outside the study extent; check the coordinates and --crs",
    )


# --------------------------------------------------------------------------- district


def check_district_unknown(t: pd.DataFrame, stated_code: pd.Series) -> pd.DataFrame:
    """``district_unknown`` (warning): the stated district is not one of Chongqing's."""
    unknown = t["district"].notna().to_numpy() & stated_code.isna().to_numpy()
    return problems_where(
        t,
        unknown,
        t["_col_district"],
        "warning",
        "district_unknown",
        "'" + t["district"].astype("str") + "' is not a district or county of Chongqing",
    )


def check_district_mismatch(
    t: pd.DataFrame, stated_code: pd.Series, adcode: pd.Series, district_zh: pd.Series
) -> pd.DataFrame:
    """``district_mismatch`` (warning): the point lies in another district than stated."""
    mismatch = (
        t["district"].notna().to_numpy()
        & stated_code.notna().to_numpy()
        & adcode.notna().to_numpy()
        & (stated_code.fillna("").to_numpy() != adcode.fillna("").to_numpy())
    )
    return problems_where(
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
    )


# --------------------------------------------------------------------------- identity


def check_duplicate_id(t: pd.DataFrame) -> pd.DataFrame:
    """``duplicate_id`` (error): the same station id on several rows that differ.

    A row the same in every cell as an earlier row (one pasted twice; its sheet's status
    included), with or without an id, is a ``duplicate_row`` error instead: the copy is left
    out and the first kept (both were rejected, the station lost from every figure).
    """
    sid = t["station_id"]
    own = [c for c in t.columns if not str(c).startswith("_") and c not in ("row", "sheet")]
    helpers = ("_lon_raw", "_lat_raw", "_sheet_status")
    content = [*own, *(c for c in helpers if c in t)]
    text = t[content].astype(object).fillna("\x01").astype(str)  # missing cells alike
    group = text.groupby(content, sort=False).ngroup()  # rows the same in every cell
    copy = group.duplicated(keep="first").to_numpy()
    left = ~copy
    conflict = left & sid.notna() & sid.where(left).duplicated(keep=False)
    dup_id = conflict | (copy & sid.isin(set(sid[conflict])))
    copy = copy & ~dup_id
    where = t["row"].astype(str)
    if "sheet" in t and t.loc[dup_id | copy | sid.duplicated(keep=False), "sheet"].nunique() > 1:
        where = t["sheet"].fillna("").astype(str) + "!" + where  # rows of several sheets
    rows_by_id = where[dup_id].groupby(sid[dup_id]).agg(", ".join)
    dup_msg = (
        "id '" + sid.astype("str") + "' is used on rows " + sid.map(rows_by_id).astype("str")
        + "; give each station its own id"
    )  # fmt: skip
    first = where[left].groupby(group[left]).first()
    copy_msg = (
        "the same as row " + group.map(first).astype("str") + " in every cell (pasted twice?): "
        "this copy is left out, that row kept"
    )
    return concat_problems(
        [
            problems_where(t, dup_id, t["_col_station_id"], "error", "duplicate_id", dup_msg),
            problems_where(t, copy, t["_col_station_id"], "error", "duplicate_row", copy_msg),
        ]
    )


def check_id_missing(t: pd.DataFrame) -> pd.DataFrame:
    """``id_missing`` (warning): the file has an id column but this row has no id."""
    return problems_where(
        t,
        t["_has_station_id"].astype(bool) & t["station_id"].isna(),
        t["_col_station_id"],
        "warning",
        "id_missing",
        "no id; give the station an id (编号)",
    )


def check_name_missing(t: pd.DataFrame) -> pd.DataFrame:
    """``name_missing`` (warning): no name."""
    return problems_where(
        t,
        t["name"].isna(),
        t["_col_name"],
        "warning",
        "name_missing",
        "no name; give the station a name (名称)",
    )


# --------------------------------------------------------------------------- attributes


def status_text(t: pd.DataFrame) -> pd.Series:
    """The status as written, stripped and lower case."""
    return t["status"].str.strip().str.lower()


def normalise_status(t: pd.DataFrame) -> pd.Series:
    """The normalised status; rows without one take their sheet's status (a sheet 已建成...).

    Parameters
    ----------
    t
        The normalised table.

    Returns
    -------
    pandas.Series
        A :data:`harbor_planner.settings.STATUS_VALUES` value or NA per row.

    """
    text = status_text(t)
    status = text.map(status_of).astype("str")
    return status.fillna(t["_sheet_status"].where(text.isna()).astype("str"))


def _unclear_heading(t: pd.DataFrame) -> pd.Series:
    """Rows without a status cell under a section heading whose note names another status."""
    if "_heading" not in t:
        return pd.Series(False, index=t.index)
    return t["_heading"].notna() & status_text(t).isna()


def status_unknown_mask(t: pd.DataFrame, status: pd.Series) -> pd.Series:
    """Rows with a status that is not understood (their cell's, or their heading's)."""
    return (status_text(t).notna() & status.isna()) | _unclear_heading(t)


def check_status_unknown(t: pd.DataFrame, status: pd.Series) -> pd.DataFrame:
    """``status_unknown`` (error): a status that is not understood.

    A status whose note in brackets names another status says so (probe 24R: 已建成（暂停
    运营）was only "unknown"); so does a row without one under a section heading whose note
    names another status (probe 25R3: 已建成站点（暂停运营）: its rows counted as built).
    """
    heading = _unclear_heading(t)
    said = t["status"].where(~heading, t.get("_heading", pd.Series(None, index=t.index)))
    notes = said.map(note_statuses)
    why = pd.Series(
        [f" (its note names another status: {', '.join(sorted(n))})" if n else "" for n in notes],
        index=t.index,
    )
    use = (
        "use 已建成, 在建, 拟建, 候选 or 退出 (existing, building, proposed, candidate, closed), "
        "a note in brackets only when it does not change the status"
    )
    cell = "unknown status '" + t["status"].astype("str") + "'" + why + "; " + use
    if heading.any():
        line = pd.to_numeric(t["_heading_row"], errors="coerce").astype("Int64").astype("str")
        under = ("no status, and the section heading above it, '" + said.astype("str")
                 + "' (row " + line + "), gives none" + why + ": fill in the row's 状态 "
                 "(已建成, 在建, 拟建, 候选 or 退出), or reword the heading, a note in brackets "
                 "only when it does not change the status")  # fmt: skip
        cell = cell.where(~heading, under)
    return problems_where(
        t, status_unknown_mask(t, status), t["_col_status"], "error", "status_unknown", cell
    )


def check_status_missing(t: pd.DataFrame, status: pd.Series) -> pd.DataFrame:
    """``status_missing`` (warning): the file has a status column but this row has none."""
    missing = t["_has_status"].astype(bool) & status.isna() & ~status_unknown_mask(t, status)
    return problems_where(
        t,
        missing,
        t["_col_status"],
        "warning",
        "status_missing",
        "no status; fill in 已建成, 在建, 拟建, 候选 or 退出",
    )


def normalise_flagship(t: pd.DataFrame) -> pd.Series:
    """The flagship flag (是/否, yes/no, 1/0) as booleans, NA when not understood."""
    return t["flagship"].str.strip().str.lower().map(FLAGSHIP_ALIASES).astype("boolean")


def check_flagship_unknown(t: pd.DataFrame, flagship: pd.Series) -> pd.DataFrame:
    """``flagship_unknown`` (warning): a flagship flag that is not 是/否 (yes/no)."""
    return problems_where(
        t,
        t["flagship"].str.strip().str.lower().notna() & flagship.isna(),
        t["_col_flagship"],
        "warning",
        "flagship_unknown",
        "'" + t["flagship"].astype("str") + "' is not 是/否 (yes/no); left empty",
    )


def normalise_area(t: pd.DataFrame) -> pd.Series:
    """The area in m² (thousands separators dropped), NaN when not a non-negative number.

    A negative area is left empty, as its ``area_not_numeric`` warning says (probe 23E: -5
    was kept in the register and the workbook).
    """
    area_raw = t["_area_raw"].astype("str")
    area = pd.to_numeric(area_raw.str.replace(",", "", regex=False), errors="coerce")
    return area.astype(float).where(lambda a: ~(a < 0))


def check_area_not_numeric(t: pd.DataFrame, area: pd.Series) -> pd.DataFrame:
    """``area_not_numeric`` (warning): an area that is not a non-negative number."""
    area_raw = t["_area_raw"].astype("str")
    return problems_where(
        t,
        area_raw.notna() & (area.isna() | (area < 0)),
        t["_col_area_m2"],
        "warning",
        "area_not_numeric",
        "area '" + area_raw + "' is not a non-negative number of m²; left empty",
    )

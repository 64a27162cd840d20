"""Point demand: the points of a file (metro entrances, bus stops, workplaces), weighted."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from harbor_planner._io import input_file
from harbor_planner._text import counted, rows_text
from harbor_planner.coords import CoordSystem
from harbor_planner.demand._common import (
    TABLE_SUFFIXES,
    FloatArray,
    find_column,
    points_frame,
    read_lonlat_table,
)
from harbor_planner.demand.model import Demand, log_demand
from harbor_planner.errors import InputDataError
from harbor_planner.readers import layer_to_wgs84, read_vector

__all__ = ["point_demand"]

log = logging.getLogger(__name__)

_RESERVED = ("demand_id", "weight", "geometry")
#: Points farther than this outside the municipality are left out (metres).
_OUTSIDE_M = 500.0


def _weights(frame: pd.DataFrame, column: str | None, path: Path) -> tuple[FloatArray, str]:
    if column is None:
        return np.ones(len(frame)), "points"
    cols = [str(c) for c in frame.columns if c not in ("row", "sheet", "geometry")]
    name = column if column in cols else find_column(cols, [column.strip().lower()])
    if name is None:
        raise InputDataError(
            f"no weight column {column!r}; the columns are {', '.join(map(repr, cols))}",
            path=path,
        )
    raw = frame[name]
    # full-width digits as coordinates are read (NFKC); "1,000" is a thousands comma
    text = raw.map(lambda v: v if v is None else unicodedata.normalize("NFKC", str(v)))
    text = text.astype("str").str.replace(",", "", regex=False).str.strip()
    value = pd.to_numeric(text, errors="coerce").to_numpy(np.float64)
    rows = frame["row"].to_numpy()
    bad = ~np.isfinite(value)
    if bad.any():
        shown = ["empty" if pd.isna(v) else repr(str(v)) for v in raw[bad].head(3)]
        raise InputDataError(
            f"column {name!r}, rows {rows_text(rows[bad])}: weights must be numbers "
            f"(found {', '.join(shown)}); fill them in",
            path=path,
        )
    neg = value < 0
    if neg.any():
        raise InputDataError(
            f"column {name!r}, rows {rows_text(rows[neg])}: weights must be >= 0 "
            f"(found {', '.join(f'{v:g}' for v in value[neg][:3])})",
            path=path,
        )
    return value, name


def _table_points(
    path: Path, crs: str | CoordSystem | None, layer: str | int | None
) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    """The rows of a CSV/XLSX and their WGS-84 lon/lat; an empty table is an error."""
    frame, lon, lat = read_lonlat_table(path, crs, layer, crs_hint="--demand-crs")
    if frame.empty:
        raise InputDataError(
            "the file has no data rows; use another demand such as main-streets", path=path
        )
    return frame, lon, lat


def _layer_points(
    path: Path, crs: str | CoordSystem | None, layer: str | int | None
) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    """The attributes (with ``row``) of a point layer and its WGS-84 lon/lat."""
    gdf = read_vector(path, layer)
    if gdf.empty:
        raise InputDataError(
            "the layer has no features; use another demand such as main-streets",
            path=path,
        )
    geoms = gdf.geometry.to_numpy()
    single = (shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOINT) & (
        shapely.get_num_geometries(geoms) == 1
    )
    geoms = np.where(single, shapely.get_geometry(geoms, 0), geoms)
    geoms = _inner_points(geoms, path)
    ok = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    ok &= ~shapely.is_empty(geoms)
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    table.insert(0, "row", np.arange(1, len(table) + 1))
    table.attrs["polygons"] = int(
        np.isin(shapely.get_type_id(gdf.geometry.to_numpy()), _AREAS).sum()
    )
    if not ok.all():
        kinds = sorted(set(gdf.geometry[~ok].geom_type.fillna("missing")))
        raise InputDataError(
            f"features {rows_text(table['row'].to_numpy()[~ok])} are neither points nor "
            f"polygons ({', '.join(kinds)}); use a point or polygon layer, or "
            "buildings:FILE for footprints",
            path=path,
        )
    wgs = layer_to_wgs84(gpd.GeoDataFrame(geometry=geoms, crs=gdf.crs), path, crs)
    return table, shapely.get_x(wgs.to_numpy()), shapely.get_y(wgs.to_numpy())


#: Geometry types read as areas, each at a point inside it.
_AREAS = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def _inner_points(geoms: np.ndarray, path: Path) -> np.ndarray:
    """Polygons (residential areas, 小区 with their 人口) as a point inside each.

    Probe 23N: a layer of residential areas with their own population could not be used
    (``points:`` took points only, ``buildings:`` spreads a total by floor area). Each
    polygon counts whole at its :func:`shapely.point_on_surface` (inside it even when it
    is not convex); a large area is better split, or given as buildings.
    """
    area = np.isin(shapely.get_type_id(geoms), _AREAS) & ~shapely.is_empty(geoms)
    if not area.any():
        return geoms
    out = geoms.copy()
    out[area] = shapely.point_on_surface(shapely.make_valid(geoms[area]))
    log.info(
        "%s: %d polygons count each at a point inside it (its whole weight there)",
        path, int(area.sum()),
    )  # fmt: skip
    return out


def _in_chongqing(
    geometry: gpd.GeoSeries, table: pd.DataFrame, extent: str | None, path: Path
) -> tuple[np.ndarray, list[int]]:
    """Which points to keep (``extent="chongqing"``: not far outside it) and the rows left out."""
    keep = np.ones(len(table), dtype=bool)
    dropped: list[int] = []
    if extent is not None:
        if str(extent).lower() != "chongqing":
            raise InputDataError(f"extent must be 'chongqing' or None, got {extent!r}")
        from harbor_planner.districts import locate_districts

        _, outside_m = locate_districts(geometry)
        keep = ~(outside_m.to_numpy() > _OUTSIDE_M)
        if not keep.all():
            dropped = [int(r) for r in table["row"].to_numpy()[~keep]]
            log.warning(
                "%s: %d points lie more than 500 m outside Chongqing (geocoded to another "
                "city?) and are left out: rows %s",
                path,
                len(dropped),
                rows_text(dropped),
            )
    if not keep.any():
        raise InputDataError(
            "no point lies in Chongqing; check the coordinates and crs=", path=path
        )
    return keep, dropped


def _points_table(
    table: pd.DataFrame, weight: FloatArray, geometry: gpd.GeoSeries
) -> gpd.GeoDataFrame:
    """The demand points: ``demand_id`` (row, with the sheet), ``weight``, the file's columns."""
    own = table.rename(columns={c: f"{c}_src" for c in table.columns if c in _RESERVED})
    sheet = own["sheet"].astype(str) + ":" if "sheet" in own else ""
    ids = (sheet + own["row"].astype(str)).to_numpy(dtype=object)
    columns: dict[str, Any] = {"demand_id": ids, "weight": weight}
    columns.update({c: own[c].to_numpy() for c in own.columns})
    return points_frame(columns, geometry)


def _warn_repeated_rows(points: Any, path: Path) -> None:
    """Warn of rows at the very position (and weight) of an earlier row: counted again.

    A block of rows pasted twice counted its demand twice without a word (probe 17F); the
    rows are kept (two shops at one address are two), the warning names them.
    """
    xy = shapely.get_coordinates(points.geometry.to_numpy())
    key = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "w": points["weight"].to_numpy()})
    again = key.duplicated().to_numpy()
    if again.any():
        rows = points["row"].to_numpy()[again] if "row" in points else np.flatnonzero(again) + 1
        log.warning(
            "%s: %s at the very position and weight of an earlier row (%s): each is counted; "
            "delete the repeats if they were pasted twice",
            path.name, counted(int(again.sum()), "row"), "rows " + rows_text(list(rows)),
        )  # fmt: skip


def point_demand(
    path: str | Path,
    *,
    weight_column: str | None = None,
    crs: str | CoordSystem | None = None,
    extent: str | None = "chongqing",
    layer: str | int | None = None,
) -> Demand:
    """Demand points from a file: metro entrances, bus stops, workplaces, counts.

    Parameters
    ----------
    path
        A point layer (GeoJSON, GeoPackage, Shapefile) with a CRS, or a CSV/XLSX with
        longitude and latitude columns (``lon``/``lat``, ``lng``, ``x``/``y``, ``经度``/``纬度``;
        UTF-8 or GBK, header row found as in :func:`harbor_planner.read_stations`).
    weight_column
        Column of weights (numbers >= 0; matched case-insensitively); default weight 1 per
        point.
    crs
        The true coordinate system: required for CSV/XLSX (``"wgs84"``, ``"gcj02"`` for
        AMap/高德, ``"bd09"`` for Baidu, ``"EPSG:NNNN"``); for a GIS layer it overrides the
        file's lon/lat datum (AMap exports claim EPSG:4326 while holding GCJ-02).
    extent
        ``"chongqing"`` (default): points more than 500 m outside the municipality (geocoded
        to another city) are left out with a warning naming their rows; ``None``: no check.
    layer
        GeoPackage layer or workbook sheet.

    Returns
    -------
    Demand
        Kind ``points``; unit ``"points"`` or the weight column's name; columns
        ``demand_id`` (= ``row``, as text), ``weight``, ``row`` and the file's columns.

    Raises
    ------
    InputDataError
        Missing/unreadable/empty file, no coordinate columns, rows with missing or
        non-numeric coordinates, an unknown weight column (the message lists the columns),
        non-numeric or negative weights (rows named), non-point geometries.
    CRSError
        A CSV without ``crs``, or a GIS layer without CRS.

    """
    path = input_file(path, "points")
    if path.suffix.lower() in TABLE_SUFFIXES:
        table, lon, lat = _table_points(path, crs, layer)
    else:
        table, lon, lat = _layer_points(path, crs, layer)
    weight, unit = _weights(table, weight_column, path)
    if weight_column is None and table.attrs.get("polygons"):  # probe 24R: footprints as 1s
        log.warning(
            "%s: %d polygons count 1 each whatever their size (no weight column named): for "
            "building footprints use buildings:FILE (floor area, or --population shared by "
            "it); for areas with their people, name the column (points:FILE:COLUMN)",
            path, table.attrs["polygons"],
        )  # fmt: skip
    geometry = gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326")
    keep, dropped = _in_chongqing(geometry, table, extent, path)
    table = table.loc[keep].reset_index(drop=True)
    points = _points_table(table, weight[keep], geometry[keep].reset_index(drop=True))
    _warn_repeated_rows(points, path)
    info = {
        "points": len(points),
        "weight_column": None if weight_column is None else unit,
        "dropped_outside_chongqing": len(dropped),
        "dropped_rows": dropped[:100],
    }
    demand = Demand("points", f"points:{path}", points, unit, None, info)
    return log_demand(
        demand,
        f"{len(points):,} points from {path.name}, total {demand.total:,.1f} {unit}"
        + (f"; {len(dropped):,} outside Chongqing left out" if dropped else ""),
    )

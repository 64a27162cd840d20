"""Helpers shared by the demand builders and the candidate builders.

One copy each of: the file-kind tests (OpenStreetMap or table), the check of positive
settings, the spatial index of the network's edges, the move of metric points to WGS-84 and
the reading of lon/lat tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner.coords import CoordSystem, parse_crs, to_wgs84
from harbor_planner.errors import CRSError
from harbor_planner.readers import check_header_datum, coord_columns, read_table, table_coords

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = [
    "TABLE_SUFFIXES",
    "FloatArray",
    "find_column",
    "nearest_edges",
    "points_frame",
    "read_lonlat_table",
    "street_columns",
    "to_wgs84_points",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


#: File endings read as tables with lon/lat columns.
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")

#: The phrase a distance check uses with ``unit="m"``.
_DISTANCE_UNIT = "m"


def to_wgs84_points(xy: FloatArray, crs: str) -> gpd.GeoSeries:
    """Points of ``(n, 2)`` coordinates in ``crs``, in EPSG:4326, index ``0..n-1``.

    Parameters
    ----------
    xy
        Coordinates.
    crs
        Their CRS.

    Returns
    -------
    geopandas.GeoSeries

    """
    return gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs("EPSG:4326").reset_index(drop=True)


def points_frame(columns: Mapping[str, Any], geometry: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """A GeoDataFrame in EPSG:4326 of ``columns`` and the points of ``geometry``.

    Parameters
    ----------
    columns
        Column name to values, in order.
    geometry
        The points, in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame

    """
    return gpd.GeoDataFrame(dict(columns), geometry=geometry.to_numpy(), crs="EPSG:4326")


def find_column(columns: Sequence[str], aliases: Sequence[str]) -> str | None:
    """The first column whose stripped lower-case name is one of ``aliases`` (in their order).

    Parameters
    ----------
    columns
        Column names.
    aliases
        Lower-case names to look for, first match wins.

    Returns
    -------
    str or None
        The column as spelled in ``columns``.

    """
    lower = {str(c).strip().lower(): str(c) for c in columns}
    for a in aliases:
        if a in lower:
            return lower[a]
    return None


def read_lonlat_table(
    path: Path, crs: str | CoordSystem | None, layer: str | int | None, *, crs_hint: str
) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    """A CSV/XLSX table with lon/lat columns: its rows and their WGS-84 coordinates.

    Parameters
    ----------
    path
        The table.
    crs
        The true coordinate system of the coordinates (required).
    layer
        Workbook sheet.
    crs_hint
        How the caller states ``crs`` (e.g. ``"--demand-crs"``), named in the error message.

    Returns
    -------
    tuple
        The rows (with ``row``; empty when the file has none), longitudes and latitudes.

    Raises
    ------
    CRSError
        ``crs`` is not given.
    InputDataError
        No coordinate columns, or rows with missing or non-numeric coordinates.

    """
    if crs is None:
        raise CRSError(
            "a CSV/XLSX file does not record its coordinate system: state it with crs= "
            f"({crs_hint}): 'gcj02' for AMap/高德 or Tencent, 'bd09' for Baidu, "
            "'wgs84' for GPS/OpenStreetMap, or 'EPSG:NNNN'",
            path=path,
        )
    cs = parse_crs(crs)
    frame, header = read_table(path, layer)
    if frame.empty:
        return frame, np.zeros(0), np.zeros(0)
    lon_col, lat_col = coord_columns(header, path)
    check_header_datum(lon_col, lat_col, cs, path)
    x, y = table_coords(frame, lon_col, lat_col, path, degrees=cs.is_geographic)
    lon, lat = to_wgs84(x, y, cs)
    return frame.reset_index(drop=True), np.asarray(lon), np.asarray(lat)


def street_columns(door: Any, edge: IntArray, network: WalkNetwork | None) -> dict[str, Any]:
    """``edge``, ``edge_frac`` and ``access_m`` of demand points placed for edges.

    Coverage places each building's people (or grid cell) on the street its door (centre)
    was placed for, at the point of it nearest the door, with the straight walk from the
    door as access leg; ``edge`` -1 is none. No network: no columns.
    """
    if network is None:
        return {}
    on = np.flatnonzero(edge >= 0)
    frac, access = np.full(len(edge), np.nan), np.full(len(edge), np.nan)
    lines = network.edge_geometry[edge[on]]
    frac[on] = shapely.line_locate_point(lines, door[on], normalized=True)
    access[on] = shapely.distance(door[on], lines)
    streets = pd.array(edge, dtype="Int64")
    streets[edge < 0] = pd.NA
    return {"edge": streets, "edge_frac": frac, "access_m": access}


def nearest_edges(
    footprints: Any, geometry: Any, among: npt.NDArray[np.int64], tree: Any = None
) -> Any:
    """The edge (of ``among``) nearest each footprint or point (-1 where there is none).

    Of several at the same distance (the streets crossing it), the one nearest its inner
    point, then the lowest id. ``tree`` indexes ``geometry[among]`` (built when not given).
    """
    tree = shapely.STRtree(geometry[among]) if tree is None else tree
    fi, ei = tree.query_nearest(footprints, all_matches=True)
    edge = np.full(len(footprints), -1, dtype=np.int64)
    if not len(fi):
        return edge
    d = shapely.distance(shapely.point_on_surface(footprints)[fi], geometry[among[ei]])
    order = np.lexsort((among[ei], d, fi))  # per footprint: nearest its middle, then lowest id
    first = np.unique(fi[order], return_index=True)[1]
    edge[fi[order][first]] = among[ei[order][first]]
    return edge

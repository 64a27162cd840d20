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
    pass

__all__ = [
    "TABLE_SUFFIXES",
    "FloatArray",
    "find_column",
    "points_frame",
    "read_lonlat_table",
    "to_wgs84_points",
]

FloatArray = npt.NDArray[np.float64]


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
    x, y = table_coords(frame, lon_col, lat_col, path)
    lon, lat = to_wgs84(x, y, cs)
    return frame.reset_index(drop=True), np.asarray(lon), np.asarray(lat)

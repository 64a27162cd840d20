"""Stations at the same place: rows less than 5 m from an earlier row (``duplicate_location``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
from scipy.spatial import cKDTree

from harbor_planner.coords import utm_crs_for

__all__ = ["DUPLICATE_DISTANCE_M", "duplicate_locations"]

FloatArray = npt.NDArray[np.float64]

#: Stations closer than this are reported as duplicate locations.
DUPLICATE_DISTANCE_M = 5.0

#: Other points looked at around each point for the earliest row within 5 m.
_NEAR_POINTS = 8


def duplicate_locations(
    t: pd.DataFrame, lon: FloatArray, lat: FloatArray, usable: npt.NDArray[np.bool_]
) -> pd.DataFrame:
    """``duplicate_location`` (warning): a station less than 5 m from an earlier row's.

    Each later row gets one warning, naming the first row at its point (rows at the very
    same point: a placeholder coordinate, with how many share it) or, for the first row of a
    point, the earliest row of the nearest other point within 5 m. One warning per row at
    most, found in ``O(n log n)``: a list of 10,000 rows at one placeholder point used to
    give 50 million pair warnings and exhaust the memory.

    Parameters
    ----------
    t
        The normalised table (``row``, ``sheet``, ``_col_lon``).
    lon, lat, usable
        The rows' WGS-84 coordinates and which rows have a valid point.

    Returns
    -------
    pandas.DataFrame
        A problems table (no columns when no station is that near another).

    """
    idx = np.flatnonzero(usable)
    if idx.size <= 1:
        return pd.DataFrame()
    wlon, wlat = lon[idx], lat[idx]
    tr = pyproj.Transformer.from_crs("EPSG:4326", utm_crs_for(wlon, wlat), always_xy=True)
    xy = np.column_stack(tr.transform(wlon, wlat))
    places, first, group, size = np.unique(
        np.round(xy, 3), axis=0, return_index=True, return_inverse=True, return_counts=True
    )  # rows in table order: ``first`` is each point's earliest row
    group = group.ravel()
    other, dist = first[group], np.zeros(len(idx))
    lead = np.flatnonzero(first[group] == np.arange(len(idx)))  # each point's first row
    if len(places) > 1:
        other[lead], dist[lead] = _earliest_near(places, first, group[lead], len(idx))
    warn = np.flatnonzero(other < np.arange(len(idx)))
    if not len(warn):
        return pd.DataFrame()
    i, j = idx[other[warn]], idx[warn]
    shared = size[group[warn]]
    rows, sheets = t["row"].to_numpy(), t["sheet"].to_numpy()
    names = [
        f"row {r}" + (f" of sheet {s}" if isinstance(s, str) else "")
        for r, s in zip(rows[i], sheets[i], strict=True)
    ]
    return pd.DataFrame(
        {
            "sheet": sheets[j],
            "row": rows[j],
            "column": t["_col_lon"].to_numpy()[j],
            "severity": "warning",
            "code": "duplicate_location",
            "message": [
                f"{d_m:.1f} m from {o} (same place twice?); check both rows"
                if n <= 2 or d_m > 0
                else f"0.0 m from {o}: {n:,} rows share this point (a placeholder?); check them"
                for d_m, o, n in zip(dist[warn], names, shared, strict=True)
            ],
        }
    )


def _earliest_near(
    places: FloatArray, first: npt.NDArray[np.int64], of: npt.NDArray[np.int64], none: int
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The earliest row of another point within 5 m of each point of ``of``, and how far.

    Looked for among its nearest :data:`_NEAR_POINTS`; ``none`` and ``inf`` where there is
    none.
    """
    k = min(_NEAR_POINTS + 1, len(places))
    d, h = cKDTree(places).query(places[of], k=k, distance_upper_bound=DUPLICATE_DISTANCE_M)
    d, h = d[:, 1:], h[:, 1:]  # the point itself comes first, at 0 m
    found = np.isfinite(d)
    rows = np.where(found, first[np.minimum(h, len(places) - 1)], none)
    pick = rows.argmin(axis=1)
    at = np.arange(len(of))
    return rows[at, pick], np.where(found[at, pick], d[at, pick], np.inf)

"""Names and coordinates of new sites, as a planner reads them.

A site chosen by the optimiser is shown by a name (its own name from a candidate file or POI,
else the nearest named street or place of the walk network within
:data:`harbor_planner.settings.SITE_NAME_MAX_DIST_M`, else :data:`UNNAMED`), its WGS-84
lon/lat and the GCJ-02 lon/lat that AMap (高德) users paste into their tools.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from harbor_planner.coords import wgs84_to_gcj02
from harbor_planner.settings import SITE_NAME_MAX_DIST_M

__all__ = ["UNNAMED", "gcj02_columns", "nearest_street_names", "site_names", "site_places"]

#: The name of a site with no name of its own and no named street near it.
UNNAMED = "无名道路"


def gcj02_columns(lon: npt.ArrayLike, lat: npt.ArrayLike) -> dict[str, npt.NDArray[np.float64]]:
    """``lon_gcj02`` and ``lat_gcj02`` of WGS-84 points (rounded to 7 decimals).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.

    Returns
    -------
    dict
        The two columns; points outside China are returned unchanged (as AMap does).

    """
    glon, glat = wgs84_to_gcj02(lon, lat)
    return {"lon_gcj02": np.round(glon, 7), "lat_gcj02": np.round(glat, 7)}


def nearest_street_names(
    network: Any, points: Any, *, max_dist_m: float = SITE_NAME_MAX_DIST_M
) -> npt.NDArray[np.object_]:
    """The name of the nearest named way of ``network`` within ``max_dist_m`` of each point.

    Parameters
    ----------
    network
        A :class:`~harbor_planner.network.WalkNetwork` (its edges' ``name``).
    points
        A GeoDataFrame of points with a CRS.
    max_dist_m
        Farther named ways are not used.

    Returns
    -------
    numpy.ndarray
        The name, or ``""`` where no named way is that close.

    """
    import shapely

    from harbor_planner.network.snap import points_xy, snap_points

    out = np.full(len(points), "", dtype=object)
    if not len(points) or "name" not in network.edges:
        return out
    names = network.edges["name"].astype("string").str.strip().fillna("").to_numpy(dtype=object)
    named = names != ""
    if not named.any():
        return out
    xy, _ = points_xy(points, crs=network.crs, what="sites")
    pts = shapely.points(xy)
    off = network.edges["off_ground"].to_numpy(bool) if "off_ground" in network.edges else None
    if off is not None and off.any():
        # a site on a street is not named after the bridge over it or the tunnel under it:
        # named ground-level ways first, unless the site's own way is off the ground (the
        # way it is anchored to: a ground street within 15 m of a nearer bridge is its own)
        own = snap_points(network, xy, warn_far=False, ground_first=True).edge
        on_ground = ~off[own]
        _name_nearest(out, names, np.flatnonzero(named & ~off), network, pts, on_ground, max_dist_m)
    _name_nearest(out, names, np.flatnonzero(named), network, pts, out == "", max_dist_m)
    return out


def _name_nearest(
    out: npt.NDArray[np.object_],
    names: npt.NDArray[np.object_],
    edges: npt.NDArray[np.intp],
    network: Any,
    pts: npt.NDArray[np.object_],
    which: npt.NDArray[np.bool_],
    max_dist_m: float,
) -> None:
    """Fill ``out[which]`` with the name of the nearest of ``edges`` within ``max_dist_m``."""
    import shapely

    rows = np.flatnonzero(which)
    if not rows.size or not edges.size:
        return
    tree = shapely.STRtree(network.edge_geometry[edges])
    p, e = tree.query_nearest(pts[rows], max_distance=max_dist_m, all_matches=False)
    out[rows[p]] = names[edges[e]]


def site_names(own: Any, network: Any | None, points: Any) -> npt.NDArray[np.object_]:
    """The shown name of each site: its own, else the nearest named street, else "无名道路".

    Without a ``network`` no street is looked up: a site without its own name is left blank
    (probe 27A: notebook 02's export called sites on 经纬大道 "无名道路").

    Parameters
    ----------
    own
        The sites' own names (``None``/empty where none), or ``None``.
    network
        The walk network (``None``: no street names).
    points
        The sites (GeoDataFrame with a CRS), in the order of ``own``.

    Returns
    -------
    numpy.ndarray

    """
    n = len(points)
    given = (
        pd.Series(own, dtype="string").fillna("").str.strip().to_numpy(dtype=object)
        if own is not None
        else np.full(n, "", dtype=object)
    )
    if network is None:  # no street looked up: left blank, not "unnamed" (probe 27A)
        return given.astype(object)
    if (given == "").any():
        street = nearest_street_names(network, points)
        given = np.where(given == "", street, given)
    return np.where(given == "", UNNAMED, given).astype(object)


def site_places(sites: Any, network: Any | None) -> pd.DataFrame:
    """Each site's name and where it is, as a planner reads them.

    Parameters
    ----------
    sites
        A GeoDataFrame of candidate points with a CRS (its ``name`` column, if any, first).
    network
        The walk network whose named streets name the sites without a name (or ``None``).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``lon``/``lat`` (WGS-84) and ``lon_gcj02``/``lat_gcj02`` (GCJ-02, for
        AMap), rounded to 7 decimals, on the index of ``sites``.

    """
    wgs = sites.to_crs("EPSG:4326")
    lon, lat = wgs.geometry.x.to_numpy(), wgs.geometry.y.to_numpy()
    return pd.DataFrame(
        {
            "name": site_names(sites.get("name"), network, sites),
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            **gcj02_columns(lon, lat),
        },
        index=sites.index,
    )

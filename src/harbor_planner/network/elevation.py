"""Elevation from a DEM raster: node heights and direction-dependent edge profiles.

Each edge is sampled every ``step_m`` metres (bilinear interpolation between cell centres);
the grade of each piece gives Tobler's speed factor in each direction, summed into a
flat-equivalent length per direction (``slope_len_fwd_m``, ``slope_len_bwd_m``) that
:func:`~harbor_planner.network.walk.edge_times` divides by the walking speed. Edges off the
ground (bridges, tunnels, indoor, layered) take the straight grade between their end nodes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from harbor_planner.errors import CRSError, InputDataError, NetworkError
from harbor_planner.network._crs import to_metric
from harbor_planner.network.walk import tobler_factor
from harbor_planner.settings import DEM_OUTSIDE_CHOICES

__all__ = ["DemOutside", "EdgeProfiles", "check_dem_outside", "edge_profiles", "sample_dem"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

#: Grades steeper than this on non-stair ways are treated as DEM artefacts and clipped.
MAX_GRADE = 0.35
#: Sampling interval along edges, metres.
PROFILE_STEP_M = 10.0

#: What to do with edges the DEM does not cover (one of ``settings.DEM_OUTSIDE_CHOICES``).
DemOutside = Literal["error", "flat"]


def check_dem_outside(value: str) -> str:
    """``value`` if it is one of :data:`~harbor_planner.settings.DEM_OUTSIDE_CHOICES`.

    Parameters
    ----------
    value
        The ``dem_outside`` setting.

    Returns
    -------
    str
        The value.

    Raises
    ------
    InputDataError
        Another value; the message lists the choices.

    """
    if value not in DEM_OUTSIDE_CHOICES:
        raise InputDataError(
            f"dem_outside must be one of {', '.join(DEM_OUTSIDE_CHOICES)}, got {value!r}"
        )
    return value


def sample_dem(dem: str | Path, xy: npt.ArrayLike, *, crs: str) -> FloatArray:
    """Elevation at points by bilinear interpolation; NaN outside the raster or on nodata.

    Parameters
    ----------
    dem
        A single-band raster GDAL reads (GeoTIFF...), with a CRS.
    xy
        ``(n, 2)`` coordinates in ``crs``.
    crs
        CRS of ``xy``; points are transformed to the raster's CRS when it differs.

    Raises
    ------
    InputDataError
        The raster is missing or unreadable.
    CRSError
        The raster has no CRS.

    """
    import rasterio
    from rasterio.errors import RasterioError
    from rasterio.windows import Window

    dem = Path(dem)
    if not dem.is_file():
        raise InputDataError("DEM file not found", path=dem)
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    try:
        with rasterio.open(dem) as src:
            if src.crs is None:
                raise CRSError(
                    "the DEM has no CRS; assign one (gdal_edit.py -a_srs EPSG:32648) and retry",
                    path=dem,
                )
            dem_crs = CRS.from_wkt(src.crs.to_wkt())
            if not dem_crs.equals(CRS.from_user_input(crs)):
                pts = to_metric(pts[:, 0], pts[:, 1], from_crs=crs, to_crs=dem_crs)
            inv = ~src.transform
            c = inv.a * pts[:, 0] + inv.b * pts[:, 1] + inv.c - 0.5
            r = inv.d * pts[:, 0] + inv.e * pts[:, 1] + inv.f - 0.5
            inside = (
                np.isfinite(c)
                & (c >= -0.5)
                & (c <= src.width - 0.5)
                & (r >= -0.5)
                & (r <= src.height - 0.5)
            )
            out = np.full(len(pts), np.nan)
            if not inside.any():
                return out
            c0 = int(max(np.floor(c[inside].min()), 0))
            r0 = int(max(np.floor(r[inside].min()), 0))
            c1 = int(min(np.floor(c[inside].max()) + 2, src.width))
            r1 = int(min(np.floor(r[inside].max()) + 2, src.height))
            band = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
            grid = np.ma.filled(band.astype(np.float64), np.nan)
    except RasterioError as exc:
        raise InputDataError(f"cannot read the DEM raster ({exc})", path=dem) from None
    h, w = grid.shape
    cc = np.clip(c[inside] - c0, 0, w - 1)
    rr = np.clip(r[inside] - r0, 0, h - 1)
    ci = np.minimum(np.floor(cc).astype(np.int64), max(w - 2, 0))
    ri = np.minimum(np.floor(rr).astype(np.int64), max(h - 2, 0))
    fc = cc - ci
    fr = rr - ri
    ci1 = np.minimum(ci + 1, w - 1)
    ri1 = np.minimum(ri + 1, h - 1)
    z = (
        grid[ri, ci] * (1 - fc) * (1 - fr)
        + grid[ri, ci1] * fc * (1 - fr)
        + grid[ri1, ci] * (1 - fc) * fr
        + grid[ri1, ci1] * fc * fr
    )
    out[inside] = z
    return out


@dataclass(frozen=True)
class EdgeProfiles:
    """Elevation results for a set of edges.

    Attributes
    ----------
    node_z_m
        Elevation of every node (NaN where the DEM has none).
    rise_m
        ``z(v) - z(u)`` per edge.
    slope_len_fwd_m, slope_len_bwd_m
        Flat-equivalent lengths per direction (NaN where the DEM has no value).
    n_outside
        Edges the DEM does not fully cover.

    """

    node_z_m: FloatArray
    rise_m: FloatArray
    slope_len_fwd_m: FloatArray
    slope_len_bwd_m: FloatArray
    n_outside: int


def edge_profiles(
    dem: str | Path,
    *,
    crs: str,
    node_xy: npt.ArrayLike,
    u: npt.ArrayLike,
    v: npt.ArrayLike,
    geometry: npt.NDArray[np.object_],
    off_ground: npt.ArrayLike,
    dem_outside: DemOutside = "error",
    step_m: float = PROFILE_STEP_M,
) -> EdgeProfiles:
    """Sample the DEM along every edge and compute direction-dependent flat-equivalent lengths.

    Parameters
    ----------
    dem
        Elevation raster.
    crs
        Metric CRS of the network.
    node_xy, u, v, geometry
        Network nodes and edges.
    off_ground
        Edges whose grade is taken straight between their end nodes.
    dem_outside
        ``"error"``: raise when the DEM does not cover every edge; ``"flat"``: time those
        edges as flat ground and report how many.
    step_m
        Sampling interval along edges, metres.

    Raises
    ------
    NetworkError
        The DEM does not cover the network (with ``dem_outside="error"``).
    InputDataError
        ``dem_outside`` is not one of the choices.

    """
    check_dem_outside(dem_outside)
    node_xy = np.asarray(node_xy, dtype=np.float64)
    u = np.asarray(u)
    v = np.asarray(v)
    off = np.asarray(off_ground, dtype=bool)
    node_z = sample_dem(dem, node_xy, crs=crs)

    dense = shapely.segmentize(geometry, step_m)
    coords, edge_of = shapely.get_coordinates(dense, return_index=True)
    z = sample_dem(dem, coords, crs=crs)
    n_edges = len(geometry)
    bad = np.bincount(edge_of[~np.isfinite(z)], minlength=n_edges) > 0
    bad |= ~np.isfinite(node_z[u]) | ~np.isfinite(node_z[v])
    n_outside = int(bad.sum())
    if n_edges and n_outside == n_edges:
        raise NetworkError(
            f"the DEM {dem} covers none of the network's {n_edges:,} edges; is it a raster of "
            "the same area (check its extent and CRS)?"
        )
    if n_outside and dem_outside == "error":
        share = 100.0 * n_outside / max(n_edges, 1)
        raise NetworkError(
            f"the DEM {dem} does not cover {n_outside:,} of {n_edges:,} network edges "
            f"({share:.1f} %). Use a DEM that covers the whole network, or pass "
            "--dem-outside flat (dem_outside='flat') to time those edges as flat ground"
        )

    same = edge_of[1:] == edge_of[:-1]
    piece_edge = edge_of[:-1][same]
    d = np.hypot(*np.diff(coords, axis=0)[same].T)
    dz = np.diff(z)[same]
    length = np.bincount(piece_edge, weights=d, minlength=n_edges)
    rise = node_z[v] - node_z[u]
    straight = np.divide(rise, length, out=np.zeros(n_edges), where=length > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        grade = np.where(d > 0, dz / d, 0.0)
    grade = np.clip(np.where(off[piece_edge], straight[piece_edge], grade), -MAX_GRADE, MAX_GRADE)
    fwd = np.bincount(piece_edge, weights=d / tobler_factor(grade), minlength=n_edges)
    bwd = np.bincount(piece_edge, weights=d / tobler_factor(-grade), minlength=n_edges)
    fwd[bad] = np.nan
    bwd[bad] = np.nan
    if n_outside:
        log.warning(
            "the DEM %s does not cover %d of %d edges; they are timed as flat ground",
            dem,
            n_outside,
            n_edges,
        )
    return EdgeProfiles(
        node_z_m=node_z,
        rise_m=rise,
        slope_len_fwd_m=fwd,
        slope_len_bwd_m=bwd,
        n_outside=n_outside,
    )

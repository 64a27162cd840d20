"""Checks of line layers that say when a layer is not what it claims.

* :func:`check_projected`: projected coordinates that lie nowhere in their stated CRS (a
  Gauss-Krüger easting in the other zone naming);
* :func:`warn_outside_chongqing`: lines that lie far outside Chongqing (a wrong CRS that still
  gives positions);
* :func:`warn_near_misses`: line ends that stop just short of another line (undershoots);
* :func:`warn_overlaps`: lines on one level that overlap (a street drawn twice).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from harbor_planner.errors import CRSError

__all__ = [
    "NEAR_MISS_M",
    "check_projected",
    "warn_near_misses",
    "warn_outside_chongqing",
    "warn_overlaps",
]

log = logging.getLogger(__name__)


def check_projected(xy: np.ndarray, crs: Any, path: Path) -> None:
    """Refuse projected coordinates that lie nowhere in their stated CRS.

    Probe 23N: Gauss-Krüger metres of one naming (the zone number in front, EPSG:4513-4533)
    stated in the other (EPSG:4534-4554), or the reverse, became "cannot choose a UTM zone:
    no finite coordinates", naming neither the file nor the fix.
    """
    import pyproj

    lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        xy[:, 0], xy[:, 1]
    )
    if (np.isfinite(lon) & np.isfinite(lat)).any():
        return
    x, y = xy[0]
    raise CRSError(
        f"coordinates such as ({x:.10g}, {y:.10g}) lie nowhere in the layer's stated CRS "
        f"{crs.name}: set its true CRS (Gauss-Krüger eastings with the zone number in front, "
        "e.g. 36xxxxxx, are 'CGCS2000 / 3-degree Gauss-Kruger zone NN', EPSG:4513-4533; "
        "without it 'CGCS2000 / 3-degree Gauss-Kruger CM NNNE', EPSG:4534-4554)",
        path=path,
    )


#: Lines whose middle lies farther than this outside Chongqing are warned of.
_OUTSIDE_CHONGQING_M = 20_000.0


def warn_outside_chongqing(lon: np.ndarray, lat: np.ndarray, frames: list[Any], what: str) -> None:
    """Warn when the lines lie beyond Chongqing: a wrong CRS that still gives positions.

    Probe 23N: Gauss-Krüger metres of zone CM 105 stated as CM 108 built a network 290 km
    east without a word; the stations then "were not near any street".
    """
    import geopandas as gpd

    from harbor_planner.districts import locate_districts

    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return
    mx, my = float(np.median(lon[ok])), float(np.median(lat[ok]))
    _, outside = locate_districts(gpd.GeoSeries(gpd.points_from_xy([mx], [my]), crs=4326))
    if not float(outside.iloc[0]) > _OUTSIDE_CHONGQING_M:
        return
    log.warning(
        "%s lie around lon %.3f, lat %.3f, %.0f km outside Chongqing (CRS %s): if they should "
        "be in Chongqing, the layer's CRS is wrong (a Gauss-Krüger zone one off moves them "
        "about 290 km); set its true CRS",
        what, mx, my, float(outside.iloc[0]) / 1000,
        ", ".join(sorted({str(f.crs) for f in frames})),
    )  # fmt: skip


#: Line ends this close to another line of their level, but beyond the snapping tolerance,
#: are counted as undershoots that stay apart.
NEAR_MISS_M = 5.0


def warn_near_misses(geoms: np.ndarray, levels: np.ndarray, tol: float, what: str) -> None:
    """Say how many line ends stop just short of another line and stay apart.

    Probe 23N: ends pulled back 1.5-3 m (a digitising undershoot, the commonest CAD slip)
    stayed apart without a word (walks up to 6 min longer), where crossings are warned of.
    At INFO when few (OSM's Geofabrik roads of Yuzhong, Jiangbei, Nan'an: 37-55 ends, about
    1-2.5 % of their lines), a warning when at least 5 % of the lines (and 20) end so.
    """
    if tol >= NEAR_MISS_M or not len(geoms):
        return
    ends = np.concatenate([shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)])
    owner = np.concatenate([np.arange(len(geoms))] * 2)
    e, g = shapely.STRtree(geoms).query(ends, predicate="dwithin", distance=NEAR_MISS_M)
    other = (owner[e] != g) & (levels[owner[e]] == levels[g])
    e, g = e[other], g[other]
    nearest = np.full(len(ends), np.inf)
    np.minimum.at(nearest, e, shapely.distance(ends[e], geoms[g]))
    n = int(((nearest > tol) & (nearest <= NEAR_MISS_M)).sum())
    if not n:
        return
    many = n >= max(20, 0.05 * len(geoms))
    log.log(
        logging.WARNING if many else logging.INFO,
        "%s: %d line ends stop %g-%g m short of another line and stay apart (digitising "
        "undershoots?); a walk goes round them: if they should meet, give a larger "
        "--snap-tolerance (network.snap_tolerance_m, now %g m)",
        what, n, tol, NEAR_MISS_M, tol,
    )  # fmt: skip


#: Lines on one level sharing more than this many metres overlap (a street drawn twice).
OVERLAP_MIN_M = 5.0


def warn_overlaps(
    geoms: np.ndarray, levels: np.ndarray, what: str, means: np.ndarray | None = None
) -> None:
    """Say how much of the lines overlaps another line of their level.

    Exact copies are read once (``_not_copies``); a copy with other vertices (a densified
    one, two departments' layers merged) or half a street drawn again counted twice in the
    main streets' length and demand without a word (probe 23N: +21.7 km, +8.6 % weight). A
    warning when the overlaps are 1 % of the lines' length or more (OSM's Geofabrik roads of
    Yuzhong: 0.55 km of 380, at INFO). Lines walked by other ``means`` (an escalator beside
    its stairway: ``lines._means``) are no copies.
    """
    if len(geoms) < 2:
        return
    tree = shapely.STRtree(geoms)
    pairs = [tree.query(geoms, predicate=p) for p in ("overlaps", "covered_by")]
    a = np.concatenate([q[0] for q in pairs])  # covered_by: a copy with other vertices,
    b = np.concatenate([q[1] for q in pairs])  # or a part of a street drawn again
    a, b = np.minimum(a, b), np.maximum(a, b)
    a, b = np.unique(np.c_[a, b], axis=0).T if len(a) else (a, b)
    keep = (a < b) & (levels[a] == levels[b])
    if means is not None:
        keep &= means[a] == means[b]
    a, b = a[keep], b[keep]
    if not len(a):
        return
    shared = shapely.length(shapely.intersection(geoms[a], geoms[b]))
    big = shared > OVERLAP_MIN_M
    if not big.any():
        return
    km, total_km = float(shared[big].sum()) / 1000, float(shapely.length(geoms).sum()) / 1000
    log.log(
        logging.WARNING if km >= 0.01 * total_km else logging.INFO,
        "%s: %d pairs of lines on the same level overlap for %.1f km of %.0f km (a street "
        "drawn twice with other vertices, or a square's outline along its footways?): the "
        "overlapping parts are walkable twice, and on main streets count twice in their "
        "length and demand; remove one copy",
        what, int(big.sum()), km, total_km,
    )  # fmt: skip

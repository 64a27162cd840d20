"""Snap points (stations, demand, candidates) to the walk network, vectorised."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner._text import counted
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.network.compiled import WalkNetwork
from harbor_planner.settings import (
    GROUND_STREET_PREFER_M,
    SNAP_FIRST_RADIUS_M,
    SNAP_MAX_DIST_M,
)

__all__ = ["SnapResult", "nearest_edges", "points_xy", "snap_points"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SnapResult:
    """Where each point meets the network.

    Attributes
    ----------
    node
        Index of the nearest network node.
    node_dist_m
        Straight-line distance to that node, metres.
    edge
        Index of the nearest edge.
    edge_frac
        Position of the nearest point on that edge, 0 at its ``u`` end and 1 at ``v``.
    edge_dist_m
        Straight-line distance to the nearest edge, metres.
    max_dist_m
        Points farther than this from every edge are flagged (``within`` is False); they are
        still snapped, never silently dropped.
    index
        Index of the input points (a RangeIndex for arrays).

    """

    node: IntArray
    node_dist_m: FloatArray
    edge: IntArray
    edge_frac: FloatArray
    edge_dist_m: FloatArray
    max_dist_m: float
    index: pd.Index

    @property
    def within(self) -> npt.NDArray[np.bool_]:
        """Points within ``max_dist_m`` of a walkable edge."""
        return self.edge_dist_m <= self.max_dist_m

    @property
    def n_far(self) -> int:
        """Number of points farther than ``max_dist_m`` from every edge."""
        return int((~self.within).sum())

    def to_frame(self) -> pd.DataFrame:
        """The result as a DataFrame indexed like the input points."""
        return pd.DataFrame(
            {
                "node": self.node,
                "node_dist_m": self.node_dist_m,
                "edge": self.edge,
                "edge_frac": self.edge_frac,
                "edge_dist_m": self.edge_dist_m,
                "within": self.within,
            },
            index=self.index,
        )


def points_xy(points: Any, *, crs: str, what: str = "points") -> tuple[FloatArray, pd.Index]:
    """Coordinates of points in ``crs`` as an ``(n, 2)`` array, with the input's index.

    Parameters
    ----------
    points
        A GeoDataFrame or GeoSeries of points with a CRS (transformed to ``crs``), or an
        ``(n, 2)`` array already in ``crs``.
    crs
        Target (metric) CRS.
    what
        What the points are, for messages.

    Raises
    ------
    CRSError
        A GeoDataFrame/GeoSeries without CRS.
    InputDataError
        Geometries that are not points, or an array of the wrong shape.

    """
    import geopandas as gpd

    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geoms.crs is None:
            raise CRSError(
                f"{what} have no CRS; set it explicitly (e.g. gdf.set_crs('EPSG:4326')) — "
                "harbor-planner never guesses coordinates"
            )
        if len(geoms) and not (geoms.geom_type == "Point").all():
            bad = sorted(set(geoms.geom_type.dropna()) - {"Point"})
            raise InputDataError(f"{what} must be points, found {', '.join(map(str, bad))}")
        if not geoms.crs.equals(crs):
            geoms = geoms.to_crs(crs)
        xy = shapely.get_coordinates(geoms.values)
        if len(xy) != len(geoms):
            raise InputDataError(f"{what} contain empty or missing geometries")
        return _finite(xy, what), points.index
    try:
        xy = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputDataError(
            f"{what} must be a GeoDataFrame of points with a CRS or an (n, 2) array of x, y; "
            f"got {type(points).__name__}"
        ) from None
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise InputDataError(f"{what} must be an (n, 2) array of x, y, got shape {xy.shape}")
    return _finite(xy, what), pd.RangeIndex(len(xy))


def _finite(xy: FloatArray, what: str) -> FloatArray:
    """``xy`` when every coordinate is a finite number (NaN or inf: an error naming them)."""
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        first = ", ".join(str(i) for i in np.flatnonzero(bad)[:5])
        raise InputDataError(
            f"{counted(int(bad.sum()), 'point')} of the {what} have coordinates that are not "
            f"finite numbers (NaN or inf; positions {first}); remove or fix them"
        )
    return xy


def nearest_edges(
    network: WalkNetwork, xy: FloatArray, pts: Any | None = None
) -> tuple[IntArray, FloatArray]:
    """Nearest edge of each point and the distance to it, metres.

    Most points (stations, demand, candidates) lie within a few metres of a street: the edges
    whose boxes meet a :data:`~harbor_planner.settings.SNAP_FIRST_RADIUS_M` box around each
    point are measured in one vectorised pass, which holds the nearest edge whenever one is
    that close; only the other points go to the spatial index's nearest-neighbour search.
    Of edges at the same distance, the lowest index is taken.

    Parameters
    ----------
    network
        The walk network.
    xy
        ``(n, 2)`` coordinates in the network CRS.
    pts
        The same points as shapely geometries, if already made.

    """
    pts = shapely.points(xy) if pts is None else pts
    tree, geom = network.edge_tree, network.edge_geometry
    r = SNAP_FIRST_RADIUS_M
    boxes = shapely.box(xy[:, 0] - r, xy[:, 1] - r, xy[:, 0] + r, xy[:, 1] + r)
    src, cand = tree.query(boxes)
    d = shapely.distance(pts[src], geom[cand])
    keep = d <= r
    src, cand, d = src[keep], cand[keep], d[keep]
    order = np.lexsort((cand, d, src))
    src, cand, d = src[order], cand[order], d[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = src[1:] != src[:-1]
    edge = np.full(len(xy), -1, dtype=np.int64)
    dist = np.full(len(xy), np.inf)
    edge[src[first]] = cand[first]
    dist[src[first]] = d[first]
    miss = np.flatnonzero(edge < 0)
    if len(miss):
        (i, e), dd = tree.query_nearest(pts[miss], return_distance=True, all_matches=False)
        edge[miss[i]] = e
        dist[miss[i]] = dd
    return edge, dist


def _on_the_ground(
    network: WalkNetwork, pts: Any, edge: IntArray, dist: FloatArray, max_dist_m: float
) -> None:
    """Move points whose nearest edge is off the ground to a ground-level edge nearly as near.

    A point whose nearest edge is a bridge, tunnel, layered or indoor way goes to the nearest
    ground-level edge when that is at most :data:`~harbor_planner.settings.
    GROUND_STREET_PREFER_M` farther (and within ``max_dist_m``); ``edge`` and ``dist`` are
    changed in place. Of ground-level edges at the same distance, the lowest index is taken.
    """
    off = network.edges["off_ground"].to_numpy(bool) if "off_ground" in network.edges else None
    if off is None or off.all() or not off.any() or not max_dist_m > 0:
        return
    lifted = np.flatnonzero((edge >= 0) & off[np.maximum(edge, 0)])
    if not len(lifted):
        return
    ground, tree = network.ground_edges
    reach = np.minimum(dist[lifted] + GROUND_STREET_PREFER_M, max_dist_m)
    (i, e), d = tree.query_nearest(
        pts[lifted], max_distance=max_dist_m, return_distance=True, all_matches=True
    )
    near = d <= reach[i]
    i, e, d = i[near], e[near], d[near]
    order = np.lexsort((ground[e], i))  # per point, the lowest edge index of its nearest
    i, e, d = i[order], e[order], d[order]
    first = np.ones(len(i), dtype=bool)
    first[1:] = i[1:] != i[:-1]
    edge[lifted[i[first]]] = ground[e[first]]
    dist[lifted[i[first]]] = d[first]


def snap_points(
    network: WalkNetwork,
    points: Any,
    *,
    max_dist_m: float = SNAP_MAX_DIST_M,
    warn_far: bool = True,
    ground_first: bool = False,
) -> SnapResult:
    """Snap points to their nearest node and nearest edge.

    Parameters
    ----------
    network
        The walk network.
    points
        GeoDataFrame/GeoSeries of points with a CRS, or an ``(n, 2)`` array in the network CRS.
    max_dist_m
        Flag points farther than this from every walkable edge.
    warn_far
        Log a warning with the count of flagged points (callers that name each point
        themselves turn it off).
    ground_first
        Snap to the nearest ground-level edge when it is at most
        :data:`~harbor_planner.settings.GROUND_STREET_PREFER_M` farther than a bridge,
        tunnel, layered or indoor way passing nearer (probe 22I: a station 2.7 m from its
        street and 1.4 m from the tunnel under it was timed from inside the hill).
        ``False``: the nearest edge of any kind (distances to the streets).

    Returns
    -------
    SnapResult
        Indexed like ``points``.

    """
    if not (np.isfinite(max_dist_m) and max_dist_m >= 0):
        raise InputDataError(f"max_dist_m must be a distance >= 0 in metres, got {max_dist_m!r}")
    xy, index = points_xy(points, crs=network.crs)
    n = len(xy)
    if n == 0 or network.n_nodes == 0:
        empty_i = np.zeros(n, dtype=np.int64)
        empty_f = np.full(n, np.inf)
        return SnapResult(empty_i, empty_f, empty_i, empty_f, empty_f, max_dist_m, index)
    node_dist, node = network.node_tree.query(xy)
    pts = shapely.points(xy)
    edge, dist = nearest_edges(network, xy, pts)
    if ground_first:
        _on_the_ground(network, pts, edge, dist, max_dist_m)
    frac = shapely.line_locate_point(network.edge_geometry[edge], pts, normalized=True)
    result = SnapResult(
        node=node.astype(np.int64),
        node_dist_m=node_dist,
        edge=edge.astype(np.int64),
        edge_frac=np.nan_to_num(frac, nan=0.0),
        edge_dist_m=dist,
        max_dist_m=float(max_dist_m),
        index=index,
    )
    if result.n_far and warn_far:
        log.warning(
            "%d of %d points are farther than %g m from any walkable street (flagged)",
            result.n_far,
            n,
            max_dist_m,
        )
    return result

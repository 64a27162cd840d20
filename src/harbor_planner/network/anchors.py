"""Points anchored on the walk network: where each sits on its edge and how it reaches both ends.

Stations, candidates and demand points are *anchored*: each sits on the nearest point of its
nearest edge, at fraction ``frac`` from the edge's ``u`` end, and reaches it through an access
leg walked at the flat speed (the straight line from the point to the street).
:func:`source_links` gives the times from each anchor to its edge's two end nodes, the links a
search starts from (one link on an edge that returns to its own node: :func:`loop_links`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from harbor_planner._arrays import along_s
from harbor_planner.network.compiled import WalkNetwork
from harbor_planner.network.snap import points_xy, snap_points
from harbor_planner.settings import SNAP_MAX_DIST_M

__all__ = ["EPS_S", "Anchors", "anchor_points", "anchors_for", "loop_links", "source_links"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Smallest arc weight (csgraph reads a stored 0 as "no arc").
EPS_S = 1e-6
#: Points whose ``edge``/``edge_frac`` columns are checked against their geometry ...
_CHECKED_POINTS = 1000
#: ... and the distance (metres) beyond which the columns are not trusted.
_MATCH_M = 1.0


@dataclass(frozen=True)
class Anchors:
    """Points placed on the network.

    Attributes
    ----------
    edge
        Edge each point sits on.
    frac
        Position on that edge, 0 at ``u``, 1 at ``v``.
    access_s
        Time of the access leg from the point to the street, seconds.
    dist_m
        Length of the access leg (straight-line distance to the street), metres.
    within
        Whether the point is within the snapping distance of a street; points that are not
        are never used as sources and are never counted as reached.
    index
        Index of the input points.

    """

    edge: IntArray
    frac: FloatArray
    access_s: FloatArray
    dist_m: FloatArray
    within: npt.NDArray[np.bool_]
    index: pd.Index

    def __len__(self) -> int:
        return len(self.edge)

    def subset(self, mask: npt.ArrayLike) -> Anchors:
        """The anchors selected by a boolean mask or integer positions."""
        m = np.asarray(mask)
        return Anchors(
            edge=self.edge[m],
            frac=self.frac[m],
            access_s=self.access_s[m],
            dist_m=self.dist_m[m],
            within=self.within[m],
            index=self.index[m],
        )

    def xy(self, network: WalkNetwork) -> FloatArray:
        """Coordinates of the anchor points on their edges (network CRS).

        Interpolated along the edges' vertices (:meth:`~harbor_planner.network.compiled.
        EdgeLines.points`: the points of ``shapely.line_interpolate_point`` to within float
        rounding).
        """
        return network.edge_lines.points(self.edge, self.frac)


def anchor_points(
    network: WalkNetwork,
    points: Any,
    *,
    max_dist_m: float = SNAP_MAX_DIST_M,
    access_leg: bool = True,
    warn_far: bool = True,
) -> Anchors:
    """Place points on the network (nearest ground-level edge), with their access legs.

    A point goes to its nearest edge, or to the nearest edge at ground level when the nearest
    is a bridge, tunnel, layered or indoor way and the ground-level one is at most
    :data:`~harbor_planner.settings.GROUND_STREET_PREFER_M` farther (see
    :func:`snap_points`, ``ground_first``): a station beside its street stands on it, not in
    the tunnel under it; a point on a deck stays on the deck.

    Parameters
    ----------
    network
        The walk network.
    points
        GeoDataFrame/GeoSeries of points with a CRS, or an ``(n, 2)`` array in the network CRS.
    max_dist_m
        Points farther than this from every street are marked ``within=False``.
    access_leg
        Count the straight walk from the point to the street at the flat speed.
    warn_far
        Log the count of points farther than ``max_dist_m`` (see :func:`snap_points`).

    """
    snap = snap_points(network, points, max_dist_m=max_dist_m, warn_far=warn_far, ground_first=True)
    speed = network.walk_model.speed_ms
    access = snap.edge_dist_m / speed if access_leg else np.zeros(len(snap.edge))
    return Anchors(
        edge=snap.edge,
        frac=snap.edge_frac,
        access_s=np.where(np.isfinite(access), access, np.inf),
        dist_m=snap.edge_dist_m,
        within=snap.within,
        index=snap.index,
    )


def anchors_for(
    network: WalkNetwork, points: Any, *, max_dist_m: float = SNAP_MAX_DIST_M
) -> Anchors:
    """Anchors of points: placed where they carry ``edge``/``edge_frac``, else snapped.

    Parameters
    ----------
    network
        The walk network.
    points
        Points as for :func:`anchor_points`. Rows of a table whose ``edge`` and ``edge_frac``
        columns are valid (as demand and candidates made on the network carry them) are
        placed there exactly, with the access leg of an ``access_m`` column (buildings: the
        straight walk from the door to the ground-level street it was placed for; none when
        the column is absent or empty, as for points on their street); the other rows are
        snapped to their nearest edge.
    max_dist_m
        Snapping distance: snapped points, and placed points whose access leg is longer, are
        not ``within``.

    Returns
    -------
    Anchors

    """
    cols = set(getattr(points, "columns", ()))
    if not {"edge", "edge_frac"} <= cols or len(points) == 0:
        return anchor_points(network, points, max_dist_m=max_dist_m)
    edge = np.asarray(pd.to_numeric(points["edge"], errors="coerce"), dtype=float)
    frac = np.asarray(pd.to_numeric(points["edge_frac"], errors="coerce"), dtype=float)
    access = np.zeros(len(points))
    if "access_m" in cols:
        access = np.asarray(pd.to_numeric(points["access_m"], errors="coerce"), dtype=float)
        access = np.where(np.isnan(access), 0.0, access)  # rows of points on their street
    placed = (
        (edge >= 0) & (edge < network.n_edges) & (edge == np.floor(edge))
        & (frac >= 0) & (frac <= 1) & (access >= 0) & np.isfinite(access)
    )  # fmt: skip
    if not placed.any() or not _columns_match_geometry(network, points, placed, edge, frac, access):
        return anchor_points(network, points, max_dist_m=max_dist_m)
    out = Anchors(
        edge=np.where(placed, edge, 0).astype(np.int64),
        frac=np.where(placed, frac, 0.0),
        access_s=access / network.walk_model.speed_ms,
        dist_m=access,
        within=access <= max_dist_m,
        index=points.index,
    )
    far = int((placed & ~out.within).sum())
    if far:
        log.warning(
            "%d of %d points are farther than %g m from any walkable street (flagged)",
            far, len(points), max_dist_m,
        )  # fmt: skip
    if placed.all():
        return out
    rest = anchor_points(network, points[~placed], max_dist_m=max_dist_m)
    keep = np.flatnonzero(~placed)
    fields = ("edge", "frac", "access_s", "dist_m", "within")
    merged = {f: getattr(out, f).copy() for f in fields}
    for f in fields:
        merged[f][keep] = getattr(rest, f)
    return Anchors(**merged, index=points.index)


def _columns_match_geometry(
    network: WalkNetwork,
    points: Any,
    placed: npt.NDArray[np.bool_],
    edge: FloatArray,
    frac: FloatArray,
    access_m: FloatArray,
) -> bool:
    """Whether ``edge``/``edge_frac`` place a sample of the points where their geometry is.

    Up to :data:`_CHECKED_POINTS` of the ``placed`` points, evenly spread, are compared: each
    lies its ``access_m`` from its place on the street (a table whose points were moved, or
    whose columns come from another network, fails at once); a mismatch is logged and the
    points are snapped again.
    """
    if not hasattr(points, "geometry"):
        return True
    rows = np.flatnonzero(placed)
    spread = np.linspace(0, len(rows) - 1, min(len(rows), _CHECKED_POINTS)).astype(int)
    pick = rows[np.unique(spread)]
    xy, _ = points_xy(points.iloc[pick], crs=network.crs)
    on_street = network.edge_lines.points(edge[pick], frac[pick])
    off = np.abs(np.hypot(*(xy - on_street).T) - access_m[pick])
    if float(off.max()) > _MATCH_M:
        log.warning(
            "the points' edge/edge_frac columns place them up to %.0f m from their geometry "
            "(another network, or moved points?): snapped again",
            float(off.max()),
        )
        return False
    return True


def source_links(network: WalkNetwork, anchors: Anchors) -> tuple[IntArray, FloatArray]:
    """For each anchor, its edge's end nodes ``(n, 2)`` and the times to reach them."""
    e = network.edges
    ends = np.column_stack([e["u"].to_numpy()[anchors.edge], e["v"].to_numpy()[anchors.edge]])
    tf = e["time_fwd_s"].to_numpy()[anchors.edge]
    tb = e["time_bwd_s"].to_numpy()[anchors.edge]
    t = np.column_stack(
        [
            anchors.access_s + along_s(anchors.frac, tb),
            anchors.access_s + along_s(1.0 - anchors.frac, tf),
        ]
    )
    t = np.maximum(np.nan_to_num(t, nan=np.inf, posinf=np.inf), EPS_S)
    t[~anchors.within] = np.inf
    return ends.astype(np.int64), loop_links(ends, t)


def loop_links(ends: IntArray, link_t: FloatArray) -> FloatArray:
    """Links of anchors on loop edges (both ends one node) merged into the shorter one.

    A sparse matrix built from ``(source, node, time)`` triplets adds duplicate entries, so
    the two links of an anchor on an edge from a node back to itself would reach that node
    in the sum of their times; the shorter link is kept and the other set to ``inf``.

    Parameters
    ----------
    ends
        ``(n, 2)`` end nodes of each anchor's edge.
    link_t
        ``(n, 2)`` times from each anchor to those ends, seconds.

    Returns
    -------
    ndarray
        ``link_t`` (a copy where an anchor lies on a loop).

    """
    loop = ends[:, 0] == ends[:, 1]
    if not loop.any():
        return link_t
    out = link_t.copy()
    out[loop, 0] = link_t[loop].min(axis=1)
    out[loop, 1] = np.inf
    return out

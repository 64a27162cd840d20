"""The demand one station reaches: a bounded one-source search, for incremental coverage.

:class:`DemandReach` is built once per network, demand and limit; :meth:`DemandReach.station`
then answers, for one anchored station, which demand points it reaches within the limit
(walking) and which lie within the straight-line circle. The search is the one
:func:`~harbor_planner.network.reachability` runs per tile (the station as a virtual node
joined to both ends of its edge, :func:`scipy.sparse.csgraph.dijkstra` with ``limit`` on the
nodes within straight-line reach), and the pairs are those of
:func:`~harbor_planner.network.pairs_within` (through either end of a demand point's edge,
or directly along a shared edge), so that counting the stations reaching each point gives the
``n_stations`` and ``covered`` of :func:`harbor_planner.coverage`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from harbor_planner._arrays import along_s
from harbor_planner.network import Anchors, WalkNetwork, limit_seconds, loop_links
from harbor_planner.network.anchors import EPS_S

__all__ = ["DemandReach", "StationReach"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class StationReach:
    """What one station reaches.

    Attributes
    ----------
    walk
        Positions of the demand points within the limit on foot (sorted, unique).
    circle
        Positions of the demand points within the straight-line radius (only for stations on
        the network, as in :func:`harbor_planner.coverage`).
    nodes, node_time_s
        The network nodes reached and their times (for the selected station's isochrones).
    on_network
        Whether the station is within the snapping distance of a street.
    street_m
        Its distance to the nearest walkable street, metres.

    """

    walk: IntArray
    circle: IntArray
    nodes: IntArray
    node_time_s: FloatArray
    on_network: bool = True
    street_m: float = 0.0


def _by_node(node_of: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """CSR-like grouping: ``order[ptr[k]:ptr[k + 1]]`` are the positions with ``node_of == k``."""
    order = np.argsort(node_of, kind="stable").astype(np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(node_of, minlength=n), out=ptr[1:])
    return order, ptr


class DemandReach:
    """Bounded one-source searches over a network, with the demand grouped by node and edge.

    Parameters
    ----------
    network
        The walk network.
    demand
        The demand points anchored on it.
    demand_xy
        The demand points' coordinates in the network CRS (straight-line circles).
    minutes
        The walking-time limit.

    """

    def __init__(
        self, network: WalkNetwork, demand: Anchors, demand_xy: FloatArray, minutes: float
    ) -> None:
        self.network = network
        self.limit_s = limit_seconds(minutes)  # with the slack, as every search
        e = network.edges
        self.u = e["u"].to_numpy().astype(np.int64)
        self.v = e["v"].to_numpy().astype(np.int64)
        self.tf = e["time_fwd_s"].to_numpy()
        self.tb = e["time_bwd_s"].to_numpy()
        self.graph = network.time_graph()
        self.tree = cKDTree(network.node_xy)
        length = e["length_m"].to_numpy()
        t = np.minimum(self.tf, self.tb)
        ok = np.isfinite(t) & (t > 0)
        bound = float(np.max(length[ok] / t[ok])) if ok.any() else 0.0
        speed = network.walk_model.speed_ms
        self.radius_m = max(bound, speed) * self.limit_s + 1.0
        self.circle_m = speed * float(minutes) * 60.0  # the circles' radius, as coverage's
        self.demand = demand
        ok_d = np.flatnonzero(demand.within)
        self.ok_d = ok_d
        d_edge = demand.edge[ok_d]
        n = network.n_nodes
        # the time from a node to a demand point through either end of its edge
        self.ends = []
        for node_of, along in (
            (self.u[d_edge], along_s(demand.frac[ok_d], self.tf[d_edge])),
            (self.v[d_edge], along_s(1.0 - demand.frac[ok_d], self.tb[d_edge])),
        ):
            order, ptr = _by_node(node_of, n)
            self.ends.append((order, ptr, along))
        self.access_ok = demand.access_s[ok_d]
        self.edge_order, self.edge_ptr = _by_node(d_edge, network.n_edges)
        self.demand_tree = cKDTree(demand_xy)

    def station(self, anchor: Anchors, xy: FloatArray) -> StationReach:
        """What the one station of ``anchor`` reaches (see :class:`StationReach`).

        Parameters
        ----------
        anchor
            The station, anchored (one point).
        xy
            Its coordinates in the network CRS, ``(2,)``.

        Returns
        -------
        StationReach

        """
        empty = np.zeros(0, np.int64)
        street_m = float(anchor.dist_m[0])
        if not bool(anchor.within[0]):
            return StationReach(
                empty, empty, empty, np.zeros(0), on_network=False, street_m=street_m
            )
        circle = np.sort(
            np.asarray(self.demand_tree.query_ball_point(xy, r=self.circle_m), dtype=np.int64)
        )
        if not anchor.access_s[0] < self.limit_s:
            return StationReach(empty, circle, empty, np.zeros(0), street_m=street_m)
        nodes, times = self._search(anchor)
        walk = self._demand_within(anchor, nodes, times)
        return StationReach(walk, circle, nodes, times, street_m=street_m)

    def _search(self, a: Anchors) -> tuple[IntArray, FloatArray]:
        """Nodes reached within the limit and their times (one-source bounded Dijkstra)."""
        edge = int(a.edge[0])
        u, v = int(self.u[edge]), int(self.v[edge])
        access, frac = float(a.access_s[0]), float(a.frac[0])
        link = access + np.array([along_s(frac, self.tb[edge]), along_s(1.0 - frac, self.tf[edge])])
        link = np.maximum(np.nan_to_num(link, nan=np.inf, posinf=np.inf), EPS_S)
        link = loop_links(np.array([[u, v]]), link[None, :])[0]  # one link on a loop edge
        pt = a.xy(self.network)[0]
        near = np.asarray(self.tree.query_ball_point(pt, r=self.radius_m), dtype=np.int64)
        nodes = np.unique(np.concatenate([near, [u, v]]))
        m = len(nodes)
        rows = self.graph[nodes]
        col = np.searchsorted(nodes, rows.indices)
        col_ok = col < m
        keep = col_ok & (nodes[np.minimum(col, m - 1)] == rows.indices)
        r_idx = np.repeat(np.arange(m), np.diff(rows.indptr))[keep]
        ends = np.searchsorted(nodes, [u, v])
        fin = np.isfinite(link)
        sub = csr_matrix(
            (
                np.concatenate([rows.data[keep], link[fin]]),
                (np.concatenate([r_idx, np.full(int(fin.sum()), m)]),
                 np.concatenate([col[keep], ends[fin]])),
            ),
            shape=(m + 1, m + 1),
        )  # fmt: skip
        dist = dijkstra(sub, directed=True, indices=m, limit=self.limit_s)[:m]
        hit = np.flatnonzero(dist <= self.limit_s)
        return nodes[hit], dist[hit]

    def _demand_within(self, a: Anchors, nodes: IntArray, times: FloatArray) -> IntArray:
        """Demand points reached within the limit from the reached nodes, or along the edge."""
        limit = self.limit_s
        d = self.demand
        found = []
        for order, ptr, along in self.ends:
            deg = ptr[nodes + 1] - ptr[nodes]
            total = int(deg.sum())
            if total == 0:
                continue
            starts = np.repeat(ptr[nodes], deg)
            offs = np.arange(total) - np.repeat(np.cumsum(deg) - deg, deg)
            dem = order[starts + offs]
            with np.errstate(invalid="ignore"):
                t = np.repeat(times, deg) + along[dem] + self.access_ok[dem]
            found.append(self.ok_d[dem[t <= limit]])
        edge = int(a.edge[0])
        same = self.ok_d[self.edge_order[self.edge_ptr[edge] : self.edge_ptr[edge + 1]]]
        if len(same):
            df = d.frac[same] - a.frac[0]
            t = (
                a.access_s[0]
                + d.access_s[same]
                + np.where(df >= 0, along_s(df, self.tf[edge]), along_s(-df, self.tb[edge]))
            )
            found.append(same[t <= limit])
        return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)

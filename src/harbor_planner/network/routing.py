"""Routing on the compiled walk network: bounded searches from anchored points, arrivals.

Stations (and demand points) are anchored on the network (:mod:`.anchors`, re-exported here):
each sits on its nearest edge at fraction ``frac`` from the edge's ``u`` end.

Reachability is a bounded multi-source search on local subgraphs: nothing can be reached
farther than ``v_max x limit`` in a straight line, where ``v_max`` is the fastest any edge is
walked (downhill, Tobler's function allows about 1.19 x the flat speed). Sources are grouped in
square tiles of that radius; for each tile, the nodes within reach of its sources are sliced
out of the CSR graph, the sources are added as virtual nodes joined to both ends of their
edges, and :func:`scipy.sparse.csgraph.dijkstra` runs once with ``limit``. The result is
sparse: for each source, the nodes it reaches and the time it takes.

:func:`pairs_within` turns a reachability into which sources reach which anchored points, and
:func:`arrival_times` turns times at nodes into times at anchored points.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from harbor_planner._arrays import along_s, unique_ints
from harbor_planner._validate import check_minutes
from harbor_planner.network.anchors import (
    EPS_S,
    Anchors,
    anchor_points,
    anchors_for,
    loop_links,
    source_links,
)
from harbor_planner.network.compiled import WalkNetwork
from harbor_planner.settings import MINUTES, SNAP_MAX_DIST_M

__all__ = [
    "Anchors",
    "PointIndex",
    "Reachability",
    "anchor_points",
    "anchors_for",
    "arrival_times",
    "index_points",
    "limit_seconds",
    "loop_links",
    "pairs_within",
    "reachability",
    "reachability_chunks",
    "speed_bound_ms",
]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Largest dense block of search results held at once (entries).
_MAX_DENSE = 16_000_000


@dataclass(frozen=True)
class Reachability:
    """Nodes each source reaches within the limit, as a sparse CSR-like structure.

    Source ``i`` reaches nodes ``node[indptr[i]:indptr[i + 1]]`` in
    ``time_s[indptr[i]:indptr[i + 1]]`` seconds (sorted by node).

    Attributes
    ----------
    indptr, node, time_s
        The sparse result.
    limit_s
        The search limit, seconds.
    sources
        The anchors searched from (unplaced ones reach nothing).

    """

    indptr: IntArray
    node: IntArray
    time_s: FloatArray
    limit_s: float
    sources: Anchors

    @property
    def n_sources(self) -> int:
        """Number of sources."""
        return len(self.indptr) - 1

    def counts(self) -> IntArray:
        """Number of nodes each source reaches."""
        return np.diff(self.indptr)

    def times(self, i: int) -> tuple[IntArray, FloatArray]:
        """Nodes reached by source ``i`` and their times."""
        s = slice(self.indptr[i], self.indptr[i + 1])
        return self.node[s], self.time_s[s]

    def to_csr(self, n_nodes: int) -> csr_matrix:
        """Sources x nodes matrix of times (stored entries only where reached; 0 s is kept)."""
        return csr_matrix(
            (self.time_s + EPS_S, self.node, self.indptr), shape=(self.n_sources, n_nodes)
        )


def speed_bound_ms(network: WalkNetwork) -> float:
    """The fastest any edge is walked (length / time), m/s: bounds straight-line reach.

    Escalators, lifts and downhill slopes included: no walk of ``t`` seconds ends farther
    than ``speed_bound_ms(network) * t`` metres (in a straight line) from where it started.

    Parameters
    ----------
    network
        The walk network (its edge lengths and times).

    Returns
    -------
    float
        Metres per second, at least the walk model's flat speed.

    """
    e = network.edges
    length = e["length_m"].to_numpy()
    t = np.minimum(e["time_fwd_s"].to_numpy(), e["time_bwd_s"].to_numpy())
    ok = np.isfinite(t) & (t > 0)
    bound = float(np.max(length[ok] / t[ok])) if ok.any() else 0.0
    return max(bound, network.walk_model.speed_ms)


class _TileSearch:
    """The set-up shared by the bounded searches from a set of anchors (see :func:`reachability`).

    Holds the time graph, a node tree, the straight-line reach radius, the anchors' positions
    and the links from each anchor to its edge's ends; :meth:`run` searches from one group of
    sources that lie close together, :attr:`groups` are the active sources tile by tile.
    """

    def __init__(self, network: WalkNetwork, anchors: Anchors, limit_s: float) -> None:
        self.limit = limit_s
        self.graph = network.time_graph()
        self.tree = network.node_tree
        self.radius = speed_bound_ms(network) * limit_s + 1.0
        self.axy = anchors.xy(network) if len(anchors) else np.zeros((0, 2))
        self.active = np.flatnonzero(anchors.within & (anchors.access_s < limit_s))
        self.groups = _tile_groups(self.axy, self.active, self.radius)
        self.ends, self.link_t = source_links(network, anchors)
        self.local = np.full(network.n_nodes, -1, dtype=np.int64)

    def run(self, group: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """``(source, node, time)`` of every node the sources ``group`` reach (positions)."""
        nodes = self._nodes_in_reach(group)
        self.local[nodes] = np.arange(len(nodes))
        sub = _tile_subgraph(
            self.graph, nodes, self.local, self.ends[group].ravel(), self.link_t[group].ravel()
        )
        out = [
            (group[si], nodes[ni], ti)
            for si, ni, ti in _search_tile(sub, len(nodes), len(group), self.limit)
        ]
        self.local[nodes] = -1
        if not out:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return tuple(np.concatenate(a) for a in zip(*out, strict=True))  # type: ignore[return-value]

    def _nodes_in_reach(self, group: IntArray) -> IntArray:
        """Sorted nodes within the reach radius of the group's sources, and their edges' ends.

        One ball around the group (its centre, the radius plus the farthest source from it)
        instead of one per source: a few more nodes, no sort of the sources' overlapping
        lists. Any node on a walk within the limit is within the radius of its source, so the
        searches on the tile's subgraph are the same.
        """
        xy = self.axy[group]
        centre = (xy.min(axis=0) + xy.max(axis=0)) / 2.0
        spread = float(np.sqrt(((xy - centre) ** 2).sum(axis=1)).max()) if len(xy) else 0.0
        ball = self.tree.query_ball_point(centre, r=self.radius + spread, return_sorted=True)
        nodes = np.asarray(ball, dtype=np.int64)
        ends = self.ends[group].ravel()
        pos = np.minimum(np.searchsorted(nodes, ends), max(len(nodes) - 1, 0))
        missing = ends[nodes[pos] != ends] if len(nodes) else ends
        return unique_ints(np.concatenate([nodes, missing])) if len(missing) else nodes


def _as_reachability(
    src: IntArray, node: IntArray, t: FloatArray, limit_s: float, anchors: Anchors
) -> Reachability:
    """Search results (``src`` positions in ``anchors``) sorted by source and node."""
    order = np.lexsort((node, src))
    src, node, t = src[order], node[order], t[order]
    indptr = np.zeros(len(anchors) + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=len(anchors)), out=indptr[1:])
    return Reachability(indptr=indptr, node=node, time_s=t, limit_s=limit_s, sources=anchors)


def limit_seconds(minutes: float) -> float:
    """The walking-time limit of ``minutes`` in seconds, with the rounding slack.

    A time counts as within ``minutes`` up to ``settings.LIMIT_SLACK_S`` over it: searches,
    pairs and coverage all test ``time <= limit_seconds(minutes)``, so they agree on points at
    the limit.

    Parameters
    ----------
    minutes
        The limit, minutes (positive).

    Returns
    -------
    float
        ``minutes * 60 + LIMIT_SLACK_S``.

    """
    from harbor_planner.settings import LIMIT_SLACK_S

    return float(minutes) * 60.0 + LIMIT_SLACK_S


def _check_minutes(minutes: float) -> float:
    return limit_seconds(check_minutes(minutes))


def reachability(
    network: WalkNetwork,
    sources: Anchors | Any,
    *,
    minutes: float = MINUTES,
    max_dist_m: float = SNAP_MAX_DIST_M,
    progress: bool | None = None,
) -> Reachability:
    """Nodes every source reaches within ``minutes``, by bounded searches on local subgraphs.

    Parameters
    ----------
    network
        The walk network.
    sources
        :class:`Anchors`, or points (GeoDataFrame/GeoSeries with a CRS) to anchor.
    minutes
        Walking-time limit.
    max_dist_m
        Snapping distance when ``sources`` are points.
    progress
        Show a progress bar (default: only on a terminal).

    Returns
    -------
    Reachability

    See Also
    --------
    reachability_chunks : the same searches, a block of sources at a time.

    """
    from tqdm import tqdm

    limit = _check_minutes(minutes)
    anchors = (
        sources
        if isinstance(sources, Anchors)
        else anchor_points(network, sources, max_dist_m=max_dist_m)
    )
    t0 = time.perf_counter()
    search = _TileSearch(network, anchors, limit)
    out: list[tuple[IntArray, IntArray, FloatArray]] = []
    disable = None if progress is None else not progress
    for group in tqdm(search.groups, desc="reachability", unit="tile", disable=disable):
        out.append(search.run(group))
    parts = [np.concatenate(a) for a in zip(*out, strict=True)] if out else []
    src, node, t = parts or (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    reach = _as_reachability(src, node, t, limit, anchors)
    active = search.active
    log.info(
        "reachability: %d sources within %g min reach %d node-times (median %d nodes per "
        "source) in %.2f s",
        len(active),
        minutes,
        len(reach.node),
        int(np.median(reach.counts()[active])) if len(active) else 0,
        time.perf_counter() - t0,
    )
    return reach


def reachability_chunks(
    network: WalkNetwork,
    sources: Anchors,
    *,
    minutes: float = MINUTES,
    chunk_sources: int,
    progress: bool | None = None,
    desc: str = "reachability",
) -> Iterator[tuple[IntArray, Reachability]]:
    """:func:`reachability` a block of at most ``chunk_sources`` sources at a time.

    The searches are set up once; the sources are taken in tile order (neighbours together),
    so each block's searches share their subgraphs. Only the current block's results are held:
    callers turn each into what they need and drop it, which bounds memory by the block size.

    Parameters
    ----------
    network
        The walk network.
    sources
        The anchored sources.
    minutes
        Walking-time limit.
    chunk_sources
        Most sources per block (at least 1).
    progress
        Show a progress bar over the blocks (default: only on a terminal).
    desc
        Label of the progress bar.

    Yields
    ------
    (numpy.ndarray, Reachability)
        The positions of the block's sources in ``sources`` and their reachability (its
        ``sources`` are ``sources.subset(positions)``, its source indices local to the
        block). Sources off the network or beyond the limit are in no block: they reach
        nothing.

    """
    from tqdm import tqdm

    limit = _check_minutes(minutes)
    step = max(1, int(chunk_sources))
    search = _TileSearch(network, sources, limit)
    groups = search.groups
    order = np.concatenate(groups) if groups else np.zeros(0, np.int64)
    gid = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    rank = np.full(len(sources), -1, dtype=np.int64)
    disable = None if progress is None else not progress
    for c0 in tqdm(range(0, len(order), step), desc=desc, unit="chunk", disable=disable):
        pos = order[c0 : c0 + step]
        bounds = np.flatnonzero(np.diff(gid[c0 : c0 + step])) + 1
        out = [search.run(group) for group in np.split(pos, bounds)]
        src, node, t = (np.concatenate(a) for a in zip(*out, strict=True))
        rank[pos] = np.arange(len(pos))
        yield pos, _as_reachability(rank[src], node, t, limit, sources.subset(pos))
        rank[pos] = -1


def _tile_size_m(xy: FloatArray, radius: float, *, per_tile: int = 24) -> float:
    """Side of the square tiles sources are searched in together.

    One search per tile costs a fixed overhead plus work on the nodes within reach of the
    tile; tiles are sized to hold about ``per_tile`` sources on average (at least the reach
    radius, at most eight times it), which keeps both small.
    """
    if len(xy) < 2:
        return radius
    span = np.ptp(xy, axis=0) + radius
    density = len(xy) / float(span[0] * span[1])
    side = np.sqrt(per_tile / density)
    return float(np.clip(side, radius, 8 * radius))


def _tile_groups(axy: FloatArray, active: IntArray, radius: float) -> list[IntArray]:
    """The ``active`` sources grouped by square tile (see :func:`_tile_size_m`), tile by tile."""
    tile_m = _tile_size_m(axy[active], radius)
    tiles = np.floor(axy[active] / tile_m).astype(np.int64)
    order = np.lexsort((tiles[:, 1], tiles[:, 0])) if len(active) else np.zeros(0, np.int64)
    active, tiles = active[order], tiles[order]
    bounds = np.flatnonzero(np.any(np.diff(tiles, axis=0) != 0, axis=1)) + 1
    return np.split(active, bounds) if len(active) else []


def _tile_subgraph(
    graph: csr_matrix, nodes: IntArray, local: IntArray, ends: IntArray, link_t: FloatArray
) -> csr_matrix:
    """The time graph among ``nodes`` with the tile's sources as virtual nodes after them.

    ``local`` maps network nodes to their position in ``nodes`` (``-1`` outside); ``ends``
    and ``link_t`` are the two end nodes of each source's edge and the times to reach them,
    source after source.
    """
    m, k = len(nodes), len(ends) // 2
    rows = graph[nodes]
    col = local[rows.indices]
    keep = col >= 0
    r_idx = np.repeat(np.arange(m), np.diff(rows.indptr))[keep]
    virt = np.repeat(m + np.arange(k), 2)
    ok = np.isfinite(link_t)
    return csr_matrix(
        (
            np.concatenate([rows.data[keep], link_t[ok]]),
            (
                np.concatenate([r_idx, virt[ok]]),
                np.concatenate([col[keep], local[ends][ok]]),
            ),
        ),
        shape=(m + k, m + k),
    )


def _search_tile(
    sub: csr_matrix, m: int, k: int, limit: float
) -> Iterator[tuple[IntArray, IntArray, FloatArray]]:
    """Bounded searches from the ``k`` virtual sources of a tile subgraph of ``m`` nodes.

    Yields ``(source, node, time)`` positions (within the tile) of every node reached within
    ``limit``, a block of sources at a time.
    """
    # dense rows of at most ~16 M entries (128 MB) at a time
    step = max(1, _MAX_DENSE // (m + k))
    for c0 in range(0, k, step):
        idx = np.arange(m + c0, m + min(k, c0 + step))
        dist = dijkstra(sub, directed=True, indices=idx, limit=limit)[:, :m]
        si, ni = np.nonzero(dist <= limit)
        yield c0 + si, ni, dist[si, ni]


@dataclass(frozen=True, eq=False)
class PointIndex:
    """Anchored points grouped by the nodes at their edges' ends and by edge.

    Made once by :func:`index_points` and passed to :func:`pairs_within` for each block of
    sources (:func:`reachability_chunks`), so the points are not sorted again for every block.

    Attributes
    ----------
    points
        The anchored points.
    placed
        Positions of the points within the snapping distance (the others are never reached).
    ends
        For the ``u`` and the ``v`` end of the points' edges: the placed points (positions in
        ``placed``) sorted by that end node, the start of each node's run (``n_nodes + 1``),
        and the time from that end along the edge to each placed point.
    edge_order, edge_ptr
        The placed points (positions in ``placed``) sorted by edge and each edge's run.

    """

    points: Anchors
    placed: IntArray
    ends: tuple[tuple[IntArray, IntArray, FloatArray], ...]
    edge_order: IntArray
    edge_ptr: IntArray


def _runs(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Positions sorted by ``keys`` (stable) and the start of each key's run (``n + 1``)."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return np.argsort(keys, kind="stable"), ptr


def index_points(network: WalkNetwork, points: Anchors) -> PointIndex:
    """Group anchored points by node and by edge, for repeated :func:`pairs_within` calls.

    Parameters
    ----------
    network
        The walk network the points are anchored on.
    points
        The anchored points (demand).

    Returns
    -------
    PointIndex

    """
    e = network.edges
    tf = e["time_fwd_s"].to_numpy()
    tb = e["time_bwd_s"].to_numpy()
    ok = np.flatnonzero(points.within)
    d_edge = points.edge[ok]
    # the time from a reached node to a point through either end of its edge
    ends = []
    for node_of, along in (
        (e["u"].to_numpy()[d_edge], along_s(points.frac[ok], tf[d_edge])),
        (e["v"].to_numpy()[d_edge], along_s(1.0 - points.frac[ok], tb[d_edge])),
    ):
        order, ptr = _runs(node_of, network.n_nodes)
        ends.append((order, ptr, along))
    edge_order, edge_ptr = _runs(d_edge, network.n_edges)
    return PointIndex(points, ok, tuple(ends), edge_order, edge_ptr)


def _expand(ptr: IntArray, keys: IntArray) -> tuple[IntArray, IntArray]:
    """For each of ``keys``, the run ``ptr[k]:ptr[k + 1]``: how many, and all their positions."""
    deg = ptr[keys + 1] - ptr[keys]
    total = int(deg.sum())
    offs = np.arange(total, dtype=np.int64)
    offs += np.repeat(ptr[keys] - (np.cumsum(deg) - deg), deg)
    return deg, offs


def pairs_within(
    network: WalkNetwork, reach: Any, demand: Anchors | PointIndex, limit_s: float
) -> tuple[IntArray, IntArray]:
    """Which sources reach which points within ``limit_s``: ``(point, source)`` index pairs.

    Parameters
    ----------
    network
        The walk network the reachability was computed on.
    reach
        :func:`reachability` of the sources (with a limit of at least ``limit_s``).
    demand
        The anchored points, or their :func:`index_points` (the same pairs, without sorting
        the points again: for many calls with the same points).
    limit_s
        Time limit, seconds (access legs of both included).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Point and source positions of each pair (a pair can appear more than once).

    """
    idx = demand if isinstance(demand, PointIndex) else index_points(network, demand)
    pts, ok = idx.points, idx.placed
    access = pts.access_s[ok]
    src = np.repeat(np.arange(reach.n_sources), reach.counts())
    pair_d: list[IntArray] = []
    pair_c: list[IntArray] = []
    for order, ptr, along in idx.ends:
        deg, offs = _expand(ptr, reach.node)
        if not len(offs):
            continue
        dem = order[offs]
        del offs
        with np.errstate(invalid="ignore"):
            t = np.repeat(reach.time_s, deg) + along[dem] + access[dem]
        keep = t <= limit_s
        pair_d.append(ok[dem[keep]])
        pair_c.append(np.repeat(src, deg)[keep])
    # a demand point on a candidate's own edge is also reached directly along it
    cand = reach.sources
    c_all = np.flatnonzero(cand.within)
    deg, offs = _expand(idx.edge_ptr, cand.edge[c_all])
    if len(offs):
        d = ok[idx.edge_order[offs]]
        c = np.repeat(c_all, deg)
        e = network.edges
        tf = e["time_fwd_s"].to_numpy()
        tb = e["time_bwd_s"].to_numpy()
        df = pts.frac[d] - cand.frac[c]
        ed = pts.edge[d]
        with np.errstate(invalid="ignore"):
            t = cand.access_s[c] + pts.access_s[d] + np.where(df >= 0, df * tf[ed], -df * tb[ed])
        keep = t <= limit_s
        pair_d.append(d[keep])
        pair_c.append(c[keep])
    if not pair_d:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pair_d), np.concatenate(pair_c)


def arrival_times(
    network: WalkNetwork,
    node_time_s: FloatArray,
    points: Anchors,
    *,
    sources: Anchors | None = None,
    node_source: IntArray | None = None,
) -> tuple[FloatArray, IntArray]:
    """Walking time to anchored points from node times (and sources on the same edge).

    Parameters
    ----------
    network
        The walk network.
    node_time_s
        Time to every node (``inf`` where unreached).
    points
        The anchored points (demand); unplaced points get ``inf``.
    sources
        The sources the node times came from: a point on the same edge as a source is also
        reached directly along that edge.
    node_source
        Which source each node's time came from (``-1`` where none); used to name the
        nearest source of each point.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Time to each point (including its access leg) and the position of its nearest source
        (``-1`` where unreached or unknown).

    """
    e = network.edges
    u = e["u"].to_numpy()[points.edge]
    v = e["v"].to_numpy()[points.edge]
    tf = e["time_fwd_s"].to_numpy()[points.edge]
    tb = e["time_bwd_s"].to_numpy()[points.edge]
    via_u = node_time_s[u] + along_s(points.frac, tf)
    via_v = node_time_s[v] + along_s(1.0 - points.frac, tb)
    via_u = np.nan_to_num(via_u, nan=np.inf, posinf=np.inf)
    via_v = np.nan_to_num(via_v, nan=np.inf, posinf=np.inf)
    best = np.minimum(via_u, via_v)
    who = np.full(len(points), -1, dtype=np.int64)
    if node_source is not None:
        who = np.where(via_u <= via_v, node_source[u], node_source[v])
    if sources is not None and len(sources):
        direct, dwho = _same_edge(network, points, sources)
        better = direct < best
        best = np.where(better, direct, best)
        who = np.where(better, dwho, who)
    t = points.access_s + best
    t = np.where(points.within, t, np.inf)
    who = np.where(np.isfinite(t), who, -1)
    return t, who


def _same_edge(
    network: WalkNetwork, points: Anchors, sources: Anchors
) -> tuple[FloatArray, IntArray]:
    """Direct time along the shared edge from the nearest source on it (``inf`` if none)."""
    ok = sources.within
    s_edge = sources.edge[ok]
    s_pos = np.flatnonzero(ok)
    out = np.full(len(points), np.inf)
    who = np.full(len(points), -1, dtype=np.int64)
    if not len(s_edge):
        return out, who
    pts = pd.DataFrame({"edge": points.edge, "p": np.arange(len(points))})
    src = pd.DataFrame({"edge": s_edge, "s": s_pos})
    pairs = pts.merge(src, on="edge")
    if pairs.empty:
        return out, who
    p = pairs["p"].to_numpy()
    s = pairs["s"].to_numpy()
    e = points.edge[p]
    tf = network.edges["time_fwd_s"].to_numpy()[e]
    tb = network.edges["time_bwd_s"].to_numpy()[e]
    df = points.frac[p] - sources.frac[s]
    t = sources.access_s[s] + np.where(df >= 0, along_s(df, tf), along_s(-df, tb))
    t = np.nan_to_num(t, nan=np.inf, posinf=np.inf)
    order = np.lexsort((s, t, p))
    p, s, t = p[order], s[order], t[order]
    first = np.ones(len(p), dtype=bool)
    first[1:] = p[1:] != p[:-1]
    out[p[first]] = t[first]
    who[p[first]] = s[first]
    return out, who

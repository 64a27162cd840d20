"""A city-scale walk network for benchmarks: a k x k mosaic of translated copies of one network.

The copies are real :class:`~harbor_planner.network.compiled.WalkNetwork` tables (every
harbor-planner function runs on the result), joined where neighbouring tiles overlap: each node
of a tile is connected by a straight footway to its nearest node of a neighbouring tile when
that node is within ``join_m`` metres (both directions, de-duplicated).

How far the copies are shifted: a shift of the full bounding box would leave the tiles apart
when the network does not fill its box. Yuzhong is a peninsula with thin tails across the
rivers (19 nodes within 1 km of the top and bottom edges together), so bounding-box shifts give
no 30 m joins at all in y. Along each axis the shift is therefore the largest multiple of 2 %
of the bounding-box size (at most 98 % of it) at which a tile and its neighbour are joined by
at least ``min_joins`` footways; on Yuzhong that is 76 % in x and 42 % in y (neighbouring
tiles overlap, as city districts do). Both shifts and join counts are reported.

Nothing is written to disk; node ids become ``tile * 10**11 + osmid`` (still unique) and way
ids of copies likewise; join footways have ``way_id = -1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from harbor_planner.network.compiled import WalkNetwork, assemble_network, largest_component

__all__ = ["Mosaic", "build_mosaic", "grid_size", "random_stations"]

ID_STRIDE = 10**11


@dataclass(frozen=True)
class Mosaic:
    """The mosaic network and how it was made."""

    network: WalkNetwork
    k: int
    shift_m: tuple[float, float]
    shift_frac: tuple[float, float]
    joins: int
    components: int
    largest_nodes: int
    dropped_nodes: int

    def describe(self) -> str:
        n = self.network
        return (
            f"{self.k}x{self.k} mosaic: {n.n_nodes:,} nodes, {n.n_edges:,} edges "
            f"({n.n_arcs:,} arcs); tiles shifted {self.shift_m[0]:,.0f} m x "
            f"{self.shift_m[1]:,.0f} m ({self.shift_frac[0]:.0%} x {self.shift_frac[1]:.0%} of "
            f"the bounding box); {self.joins:,} join footways; {self.components} connected "
            f"component(s) before cleaning, largest {self.largest_nodes:,} nodes, "
            f"{self.dropped_nodes:,} nodes dropped"
        )


def grid_size(base_nodes: int, target_nodes: int) -> int:
    """Smallest k with k*k*base_nodes >= target_nodes."""
    return max(1, math.ceil(math.sqrt(target_nodes / max(base_nodes, 1))))


def _pairs(tree: cKDTree, xy: np.ndarray, off: np.ndarray, join_m: float) -> np.ndarray:
    """Join pairs (node of tile A, node of tile A shifted by ``off``), nearest-per-node."""
    n = len(xy)
    d1, i1 = tree.query(xy + off, distance_upper_bound=join_m)  # shifted node -> base node
    ok1 = np.isfinite(d1)
    a = np.column_stack([i1[ok1], np.flatnonzero(ok1)])
    shifted = cKDTree(xy + off)
    d2, i2 = shifted.query(xy, distance_upper_bound=join_m)  # base node -> shifted node
    ok2 = np.isfinite(d2)
    b = np.column_stack([np.flatnonzero(ok2), i2[ok2]])
    pairs = np.concatenate([a, b]).astype(np.int64)
    if not len(pairs):
        return pairs.reshape(0, 2)
    keys = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.column_stack([keys // n, keys % n])


def _choose_shift(
    tree: cKDTree, xy: np.ndarray, span: float, axis: int, join_m: float, min_joins: int
) -> float:
    best, most = 0.98, -1
    for frac in np.round(np.arange(0.98, 0.19, -0.02), 2):
        off = np.zeros(2)
        off[axis] = span * frac
        joins = len(_pairs(tree, xy, off, join_m))
        if joins >= min_joins:
            return float(frac)
        if joins > most:
            best, most = float(frac), joins
    return best  # never enough joins down to 20 %: the shift with the most


def build_mosaic(
    base: WalkNetwork,
    k: int,
    *,
    join_m: float = 30.0,
    min_joins: int = 20,
    shift_frac: tuple[float, float] | None = None,
    keep_largest: bool = True,
) -> Mosaic:
    """Tile ``base`` into a ``k`` x ``k`` mosaic joined by footways at the tile overlaps.

    Parameters
    ----------
    base
        The network to copy.
    k
        Tiles per side.
    join_m
        Longest join footway, metres.
    min_joins
        Joins wanted between neighbouring tiles when choosing the shift (see the module doc).
    shift_frac
        Shift as fractions of the bounding-box size in x and y (default: chosen).
    keep_largest
        Keep only the largest connected component (as ``build_network`` does).

    """
    xy = base.node_xy
    n, m = base.n_nodes, base.n_edges
    span = xy.max(axis=0) - xy.min(axis=0)
    tree = cKDTree(xy)
    if shift_frac is None:
        shift_frac = (
            _choose_shift(tree, xy, span[0], 0, join_m, min_joins),
            _choose_shift(tree, xy, span[1], 1, join_m, min_joins),
        )
    step = span * np.asarray(shift_frac)
    n_tiles = k * k
    ti, tj = np.divmod(np.arange(n_tiles), k)  # tile t = ti * k + tj at (tj, ti) steps
    offsets = np.column_stack([tj * step[0], ti * step[1]])

    # nodes and edges of all copies (tiles are contiguous blocks of n nodes / m edges)
    tile_of_node = np.repeat(np.arange(n_tiles), n)
    nodes = pd.DataFrame(
        {
            "osmid": np.tile(base.nodes["osmid"].to_numpy(np.int64), n_tiles)
            + tile_of_node * ID_STRIDE,
            "x": (xy[None, :, 0] + offsets[:, 0, None]).ravel(),
            "y": (xy[None, :, 1] + offsets[:, 1, None]).ravel(),
            "z_m": np.tile(base.nodes["z_m"].to_numpy(np.float64), n_tiles),
        }
    )
    edges = pd.DataFrame(
        {c: np.tile(base.edges[c].to_numpy(), n_tiles) for c in base.edges.columns}
    )
    tile_of_edge = np.repeat(np.arange(n_tiles), m)
    edges["u"] += tile_of_edge * n
    edges["v"] += tile_of_edge * n
    edges["way_id"] += tile_of_edge * ID_STRIDE
    coords, owner = shapely.get_coordinates(base.edge_geometry, return_index=True)
    all_coords = (coords[None, :, :] + offsets[:, None, :]).reshape(-1, 2)
    all_owner = (owner[None, :] + (np.arange(n_tiles) * m)[:, None]).ravel()
    geometry = shapely.linestrings(all_coords, indices=all_owner)

    # joins: for every tile offset (a, b) under which copies can overlap, the node pairs on
    # the base tile, repeated for every tile pair in the grid
    ju: list[np.ndarray] = []
    jv: list[np.ndarray] = []
    reach_a = min(k - 1, int(np.floor((span[0] + join_m) / step[0])) if step[0] > 0 else k - 1)
    reach_b = min(k - 1, int(np.floor((span[1] + join_m) / step[1])) if step[1] > 0 else k - 1)
    for a in range(0, reach_a + 1):
        for b in range(-reach_b, reach_b + 1):
            if (a, b) <= (0, 0):  # each unordered tile offset once
                continue
            pairs = _pairs(tree, xy, np.array([a * step[0], b * step[1]]), join_m)
            if not len(pairs):
                continue
            # tile (row ti, col tj) joins tile (ti + b, tj + a)
            t_from = np.flatnonzero((tj + a < k) & (ti + b >= 0) & (ti + b < k))
            t_to = t_from + b * k + a
            ju.append((t_from[:, None] * n + pairs[None, :, 0]).ravel())
            jv.append((t_to[:, None] * n + pairs[None, :, 1]).ravel())
    u = np.concatenate(ju) if ju else np.zeros(0, np.int64)
    v = np.concatenate(jv) if jv else np.zeros(0, np.int64)
    nxy = nodes[["x", "y"]].to_numpy()
    length = np.hypot(*(nxy[u] - nxy[v]).T)
    joins = _join_edges(base.edges, u, v, length)
    edges = pd.concat([edges, joins], ignore_index=True)
    join_geom = shapely.linestrings(np.stack([nxy[u], nxy[v]], axis=1))
    geometry = np.concatenate([geometry, join_geom])

    graph = coo_matrix((np.ones(len(edges)), (edges["u"], edges["v"])), shape=(len(nodes),) * 2)
    n_comp, label = connected_components(graph, directed=False)
    largest = int(np.bincount(label).max())
    dropped = 0
    if keep_largest and n_comp > 1:
        nodes, edges, geometry, info = largest_component(nodes, edges, geometry)
        dropped = info["dropped_nodes"]
    network = assemble_network(
        crs=base.crs,
        nodes=nodes,
        edges=edges,
        edge_geometry=geometry,
        walk_model=base.walk_model,
        source={"kind": "mosaic", "base": base.source.get("path", "?"), "k": k},
    )
    return Mosaic(
        network=network,
        k=k,
        shift_m=(float(step[0]), float(step[1])),
        shift_frac=(float(shift_frac[0]), float(shift_frac[1])),
        joins=len(u),
        components=int(n_comp),
        largest_nodes=largest,
        dropped_nodes=int(dropped),
    )


def _join_edges(like: pd.DataFrame, u: np.ndarray, v: np.ndarray, length: np.ndarray):
    """Plain two-way footways (same columns and dtypes as ``like``)."""
    j = len(u)
    cols: dict[str, Any] = {
        "u": u,
        "v": v,
        "way_id": np.full(j, -1, np.int64),
        "highway": np.full(j, "footway", dtype=object),
        "name": np.full(j, None, dtype=object),
        "kind": np.zeros(j, np.int8),
        "length_m": length,
        "step_count": np.full(j, np.nan),
        "incline": np.zeros(j, np.int8),
        "fwd_ok": np.ones(j, bool),
        "bwd_ok": np.ones(j, bool),
        "elevator_ends": np.zeros(j, np.int8),
        "off_ground": np.zeros(j, bool),
        "rise_m": np.full(j, np.nan),
        "slope_len_fwd_m": np.full(j, np.nan),
        "slope_len_bwd_m": np.full(j, np.nan),
        "time_fwd_s": np.full(j, np.nan),
        "time_bwd_s": np.full(j, np.nan),
        "incline_grade": np.full(j, np.nan),
        "grade_pct": np.zeros(j),
        "grade_source": np.zeros(j, np.int8),
        "above_cap": np.zeros(j, bool),
    }
    frame = pd.DataFrame({c: cols[c] for c in like.columns if c in cols})
    return frame.astype({c: like[c].dtype for c in frame.columns if c not in ("highway", "name")})


def random_stations(network: WalkNetwork, count: int, *, seed: int = 42) -> Any:
    """``count`` points on the network's edges (edges drawn by length), a GeoDataFrame.

    Columns ``station_id`` (``S00001``...) and geometry, in the network CRS.
    """
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    length = network.edges["length_m"].to_numpy(np.float64)
    edge = rng.choice(network.n_edges, size=count, p=length / length.sum())
    pts = shapely.line_interpolate_point(
        network.edge_geometry[edge], rng.random(count), normalized=True
    )
    ids = [f"S{i:05d}" for i in range(1, count + 1)]
    return gpd.GeoDataFrame({"station_id": ids}, geometry=pts, crs=network.crs)

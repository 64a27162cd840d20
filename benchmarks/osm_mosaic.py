"""A city-sized OSM file for benchmarks: the Yuzhong mosaic written as ``.osm.pbf`` (or XML).

The tiles are translated copies of every node and way of ``walk.osm`` (tags kept), shifted like
the tiles of :mod:`mosaic` (76 % of the bounding-box width in x, 42 % of its height in y, the
shifts that module chooses for Yuzhong, so neighbouring tiles overlap as city districts do).
Ids stay unique: node and way ids of tile ``t`` are ``t * 10**11 + id``. Neighbouring tiles are
joined by ``highway=footway`` ways (ids after every tile's) between a way node of one tile and
the nearest way node of the other within ``join_m`` metres, so the network is one city rather
than separate islands. Nodes come sorted by id, then ways, as in a Geofabrik extract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["OsmBase", "read_base", "tile_bounds", "write_osm_mosaic"]

ID_STRIDE = 10**11
SHIFT_FRAC = (0.76, 0.42)
M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class OsmBase:
    """The nodes and ways of one OSM file, as the writer needs them."""

    node_id: np.ndarray
    lonlat: np.ndarray
    node_tags: list[dict[str, str]]
    way_id: np.ndarray
    way_refs: list[list[int]]
    way_tags: list[dict[str, str]]

    @property
    def span_deg(self) -> np.ndarray:
        return self.lonlat.max(axis=0) - self.lonlat.min(axis=0)

    @property
    def step_deg(self) -> np.ndarray:
        return self.span_deg * np.asarray(SHIFT_FRAC)


def read_base(path: str | Path) -> OsmBase:
    """Every node and way of an OSM file (relations are left out)."""
    import osmium

    ids, ll, ntags, wids, refs, wtags = [], [], [], [], [], []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            ids.append(obj.id)
            ll.append((obj.location.lon, obj.location.lat))
            ntags.append(dict(obj.tags))
        else:
            wids.append(obj.id)
            refs.append([n.ref for n in obj.nodes])
            wtags.append(dict(obj.tags))
    order = np.argsort(ids)
    return OsmBase(
        node_id=np.asarray(ids, np.int64)[order],
        lonlat=np.asarray(ll, np.float64)[order],
        node_tags=[ntags[i] for i in order],
        way_id=np.asarray(wids, np.int64),
        way_refs=refs,
        way_tags=wtags,
    )


def _joins(base: OsmBase, k: int, join_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Join footways as (tile, base node index) pairs ``a`` -> ``b`` between neighbouring tiles."""
    used = np.unique(np.concatenate([np.asarray(r, np.int64) for r in base.way_refs]))
    idx = np.searchsorted(base.node_id, used)
    lat0 = float(base.lonlat[:, 1].mean())
    scale = np.array([M_PER_DEG * math.cos(math.radians(lat0)), M_PER_DEG])
    xy = base.lonlat[idx] * scale
    tree = cKDTree(xy)
    step = base.step_deg * scale
    span = base.span_deg * scale
    reach = [min(k - 1, int((span[i] + join_m) // step[i])) for i in (0, 1)]
    tiles = np.arange(k * k)
    ti, tj = np.divmod(tiles, k)
    froms, tos = [], []
    for a in range(reach[0] + 1):
        for b in range(-reach[1], reach[1] + 1):
            if (a, b) <= (0, 0):
                continue
            off = np.array([a * step[0], b * step[1]])
            dist, near = tree.query(xy + off, distance_upper_bound=join_m)
            ok = np.isfinite(dist)
            if not ok.any():
                continue
            # shifted node j of tile (ti + b, tj + a) meets node near[j] of tile (ti, tj)
            t_from = tiles[(tj + a < k) & (ti + b >= 0) & (ti + b < k)]
            t_to = t_from + b * k + a
            pairs_a, pairs_b = idx[near[ok]], idx[np.flatnonzero(ok)]
            n_ok = int(ok.sum())
            froms.append(np.column_stack([np.repeat(t_from, n_ok), np.tile(pairs_a, t_from.size)]))
            tos.append(np.column_stack([np.repeat(t_to, n_ok), np.tile(pairs_b, t_from.size)]))
    if not froms:
        return np.zeros((0, 2), np.int64), np.zeros((0, 2), np.int64)
    return np.concatenate(froms), np.concatenate(tos)


def tile_bounds(base: OsmBase, k: int) -> tuple[float, float, float, float]:
    """WGS-84 bounds ``W, S, E, N`` of the whole mosaic."""
    lo = base.lonlat.min(axis=0)
    hi = base.lonlat.max(axis=0) + (k - 1) * base.step_deg
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def write_osm_mosaic(base: OsmBase, k: int, path: str | Path, *, join_m: float = 30.0) -> dict:
    """Write the ``k`` x ``k`` mosaic of ``base`` to ``path`` (format from the name).

    Returns counts: ``nodes``, ``ways``, ``joins``, ``bytes``.
    """
    import osmium
    from osmium.osm.mutable import Node, Way

    path = Path(path)
    path.unlink(missing_ok=True)
    step = base.step_deg
    ti, tj = np.divmod(np.arange(k * k), k)
    ja, jb = _joins(base, k, join_m)
    n_nodes = n_ways = 0
    writer = osmium.SimpleWriter(str(path))
    try:
        for t in range(k * k):
            off = np.array([tj[t] * step[0], ti[t] * step[1]])
            ll = (base.lonlat + off).tolist()
            ids = (base.node_id + t * ID_STRIDE).tolist()
            for nid, (lon, lat), tags in zip(ids, ll, base.node_tags, strict=True):
                writer.add_node(Node(id=nid, location=(lon, lat), tags=tags, version=1))
            n_nodes += len(ids)
        for t in range(k * k):
            shift = t * ID_STRIDE
            for wid, refs, tags in zip(base.way_id, base.way_refs, base.way_tags, strict=True):
                nodes = [r + shift for r in refs]
                writer.add_way(Way(id=int(wid) + shift, nodes=nodes, tags=tags, version=1))
            n_ways += len(base.way_id)
        first = k * k * ID_STRIDE
        a_ids = (ja[:, 0] * ID_STRIDE + base.node_id[ja[:, 1]]).tolist()
        b_ids = (jb[:, 0] * ID_STRIDE + base.node_id[jb[:, 1]]).tolist()
        for j, (u, v) in enumerate(zip(a_ids, b_ids, strict=True)):
            writer.add_way(Way(id=first + j, nodes=[u, v], tags={"highway": "footway"}, version=1))
    finally:
        writer.close()
    return {
        "nodes": n_nodes,
        "ways": n_ways + len(ja),
        "joins": len(ja),
        "bytes": path.stat().st_size,
    }

"""Isochrone polygons on a grid (``method="grid"``) and the service area of many stations.

The corridor around the reachable street pieces (:mod:`harbor_planner.analysis.pieces`) is
drawn another way than by uniting buffers: exact distances from the vertices of a grid to the
pieces, contoured at the corridor width by compiled kernels
(:mod:`harbor_planner.analysis._gridcontour`); the boundary lies within a fraction of a grid
cell of the exact one. :func:`grid_band_polygons` does it per station and band (for
:func:`harbor_planner.analysis.isochrones.isochrones`), :func:`grid_service_area` once over
all stations' pieces per band. This module is the Python side: it lays out the grids, calls
the kernels in threads and turns their rings into shapely polygons.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner._arrays import unique_ints
from harbor_planner.analysis.pieces import (
    access_legs,
    bar_disabled,
    in_threads,
    new_pieces,
    polygon_options,
    reachable_pieces,
    source_cuts,
    station_anchors,
)
from harbor_planner.network import WalkNetwork, reachability
from harbor_planner.settings import CORRIDOR_M, GRID_CELL_M, SNAP_MAX_DIST_M

__all__ = ["grid_band_polygons", "grid_service_area"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def grid_band_polygons(
    network: WalkNetwork,
    pieces: pd.DataFrame,
    n_bands: int,
    corridor_m: float,
    *,
    cell_m: float,
    workers: int = 1,
    progress: bool | None = None,
) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """Corridor polygons of every source and band, contoured from grid distance fields.

    Parameters
    ----------
    network
        The walk network the pieces are on.
    pieces
        :func:`~harbor_planner.analysis.pieces.reachable_pieces` (columns ``source``,
        ``band``, ``edge``, ``start``, ``end``, ``new``).
    n_bands
        Number of bands (``band`` runs from 0, the shortest).
    corridor_m
        Corridor width either side of the pieces, metres.
    cell_m
        Grid spacing, metres.
    workers
        Threads; sources are split between them (the kernels release the GIL).
    progress
        Show a progress bar (default: only on a terminal).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Keys ``source * n_bands + band`` of the polygons (sorted) and the polygons.

    Notes
    -----
    For each source, a square grid of spacing ``cell_m`` covers its pieces; the distance from
    every grid vertex to the nearest reachable piece is exact (point to segment); the polygon
    is the region where the distance, interpolated linearly between vertices, is below
    ``corridor_m`` (marching squares, :mod:`harbor_planner.analysis._gridcontour`). Its boundary
    therefore lies within a fraction of ``cell_m`` of the exact corridor's, apart from detail
    smaller than a cell: gaps between corridors narrower than a cell may close, and holes
    smaller than a cell vanish. Bands are nested exactly: a band's distances are the band
    below's lowered by its new pieces.

    """
    from tqdm import tqdm

    from harbor_planner.analysis._gridcontour import band_rings

    keys, order, key = new_pieces(pieces, n_bands)
    if not len(keys):
        return keys, np.empty(0, dtype=object)
    lines = network.edge_lines
    p_edge = pieces["edge"].to_numpy(np.int64)[order]
    p_start = pieces["start"].to_numpy(np.float64)[order]
    p_end = pieces["end"].to_numpy(np.float64)[order]
    group_ptr = np.append(np.searchsorted(key, keys, side="left"), len(key)).astype(np.int64)
    group_source = (keys // n_bands).astype(np.int64)

    def run(a: int, b: int) -> tuple[FloatArray, IntArray, IntArray, FloatArray]:
        # whole sources a..b-1; the compiled kernels release the GIL, so threads overlap
        xy_, ptr_, grp_, area_ = band_rings(
            lines.xy, lines.ptr, lines.frac, p_edge, p_start, p_end, group_ptr[a : b + 1],
            group_source[a:b], float(corridor_m), float(cell_m),
        )  # fmt: skip
        bar.update(b - a)
        return xy_, ptr_, grp_ + a, area_

    bar = tqdm(
        total=len(keys), desc="isochrone polygons", unit="polygon", disable=bar_disabled(progress)
    )
    parts = in_threads(run, source_cuts(group_source, 8 * workers), workers)
    bar.close()
    shift = np.cumsum([0] + [len(p[0]) for p in parts[:-1]])
    ring_xy = np.concatenate([p[0] for p in parts])
    ring_ptr = np.concatenate([[0]] + [p[1][1:] + o for p, o in zip(parts, shift, strict=True)])
    ring_group = np.concatenate([p[2] for p in parts])
    ring_area = np.concatenate([p[3] for p in parts])
    return keys, _polygons_from_rings(ring_xy, ring_ptr, ring_group, ring_area, len(keys))


def _polygons_from_rings(
    xy: FloatArray,
    ring_ptr: IntArray,
    ring_group: IntArray,
    ring_area: FloatArray,
    n_groups: int,
) -> npt.NDArray[np.object_]:
    """One (Multi)Polygon per group from closed rings: outer rings (area > 0) and holes.

    The rings of a group are consecutive. With one outer ring coming first (as
    :func:`harbor_planner.analysis._gridcontour.band_rings` gives them), a group is that
    polygon with the other rings as holes, built for all groups at once; with several outer
    rings, each hole goes to the smallest outer ring containing it.
    """
    shell = ring_area > 0
    n_rings = np.bincount(ring_group, minlength=n_groups)
    n_shells = np.bincount(ring_group[shell], minlength=n_groups)
    geom_offsets = np.concatenate([[0], np.cumsum(n_rings)])
    out = shapely.from_ragged_array(shapely.GeometryType.POLYGON, xy, (ring_ptr, geom_offsets))
    out = out.astype(object)
    first_is_shell = np.zeros(n_groups, dtype=bool)
    has = n_rings > 0
    first_is_shell[has] = shell[geom_offsets[:-1][has]]
    for g in np.flatnonzero(has & ((n_shells != 1) | ~first_is_shell)).tolist():
        out[g] = _assemble(xy, ring_ptr, np.arange(geom_offsets[g], geom_offsets[g + 1]), ring_area)
    return out


def _ring_take(ring_ptr: IntArray, rings: IntArray) -> tuple[IntArray, IntArray]:
    """Positions of the coordinates of ``rings`` (in that order) and each ring's length."""
    length = ring_ptr[rings + 1] - ring_ptr[rings]
    start = np.repeat(ring_ptr[rings], length)
    return start + np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length), length


def _assemble(xy: FloatArray, ring_ptr: IntArray, rings: IntArray, ring_area: FloatArray) -> Any:
    """A (Multi)Polygon of closed rings: outer rings (area > 0) and holes.

    Each hole goes to the smallest outer ring that contains it (holes in none are dropped).
    """
    rings = np.asarray(rings, dtype=np.int64)
    shells = rings[ring_area[rings] > 0]
    holes = rings[ring_area[rings] <= 0]
    if not len(shells):
        return shapely.Polygon()
    take, length = _ring_take(ring_ptr, shells)
    outer = shapely.polygons(
        shapely.linearrings(xy[take], indices=np.repeat(np.arange(len(shells)), length))
    )
    owner = np.full(len(holes), -1)
    if len(holes):
        # outer rings whose box holds a hole's first point; where more than one, the point
        # must lie inside (prepared polygons: fast also on rings of millions of points)
        at = xy[ring_ptr[holes]]
        hole_at, shell_at = shapely.STRtree(outer).query(shapely.points(at))
        several = np.bincount(hole_at, minlength=len(holes))[hole_at] > 1
        if several.any():
            shapely.prepare(outer)
            ok = shapely.contains_xy(
                outer[shell_at[several]], at[hole_at[several], 0], at[hole_at[several], 1]
            )
            keep = ~several
            keep[np.flatnonzero(several)[ok]] = True
            hole_at, shell_at = hole_at[keep], shell_at[keep]
        pick = np.lexsort((ring_area[shells][shell_at], hole_at))
        hole_at, shell_at = hole_at[pick], shell_at[pick]
        first = np.r_[True, hole_at[1:] != hole_at[:-1]] if len(hole_at) else np.zeros(0, bool)
        owner[hole_at[first]] = shell_at[first]
    # rings in polygon order: each outer ring, then its holes
    keep = np.concatenate([shells, holes[owner >= 0]])
    poly = np.concatenate([np.arange(len(shells)), owner[owner >= 0]])
    keep = keep[np.lexsort((np.r_[np.zeros(len(shells)), np.ones((owner >= 0).sum())], poly))]
    take, length = _ring_take(ring_ptr, keep)
    ring_offsets = np.concatenate([[0], np.cumsum(length)])
    polygon_offsets = np.append(np.flatnonzero(ring_area[keep] > 0), len(keep))
    multi = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON,
        xy[take],
        (ring_offsets, polygon_offsets, np.array([0, len(shells)])),
    )[0]
    return multi.geoms[0] if len(shells) == 1 else multi


def grid_service_area(
    network: WalkNetwork,
    stations: Any,
    *,
    minutes: Sequence[float] = (5.0, 10.0, 15.0),
    corridor_m: float = CORRIDOR_M,
    cell_m: float = GRID_CELL_M,
    workers: int | None = None,
    max_dist_m: float = SNAP_MAX_DIST_M,
    crs: str | None = "EPSG:4326",
    progress: bool | None = None,
) -> Any:
    """The service area of many stations, straight from the network, on a grid.

    The same area as ``service_area(isochrones(..., method="grid"))`` (the union of all
    stations' polygons of a band is the corridor around all the streets they reach), built in
    one piece: the distance to the nearest street piece any station reaches is computed on one
    ``cell_m`` grid over the whole area, strip by strip, and contoured at ``corridor_m``. For
    2,000 stations this takes seconds where uniting their polygons takes half a minute.

    Parameters
    ----------
    network, stations, minutes, corridor_m, cell_m, max_dist_m, crs, progress
        As for :func:`isochrones`.
    workers
        Threads (the bands are split between them; default: the CPUs this process may use).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``minutes``, ``stations`` (how many stations reach into it), ``geometry``;
        largest band first.

    """
    import geopandas as gpd

    bands, workers = polygon_options(minutes, corridor_m, "grid", cell_m, workers)
    anchors, _ = station_anchors(network, stations, None, max_dist_m)
    legs, leg_s = access_legs(network, stations, anchors, corridor_m)
    t0 = time.perf_counter()
    reach = reachability(network, anchors, minutes=bands[-1], progress=progress)
    pieces = reachable_pieces(network, reach, [b * 60.0 for b in bands])
    lines = network.edge_lines
    # bounding box of each edge (a piece lies within its edge's)
    lo = np.minimum.reduceat(lines.xy, lines.ptr[:-1], axis=0)
    hi = np.maximum.reduceat(lines.xy, lines.ptr[:-1], axis=0)

    def band_area(b: int) -> tuple[Any, int]:
        sel = pieces[pieces["band"].to_numpy() == b]
        edge = sel["edge"].to_numpy(np.int64)
        start, end = sel["start"].to_numpy(np.float64), sel["end"].to_numpy(np.float64)
        # an edge reached in full by several stations is drawn once
        full = (start <= 0.0) & (end >= 1.0)
        whole = unique_ints(edge[full])
        part = np.flatnonzero(~full)
        edge = np.concatenate([whole, edge[part]])
        start = np.concatenate([np.zeros(len(whole)), start[part]])
        end = np.concatenate([np.ones(len(whole)), end[part]])
        geometry = _corridor_on_grid(lines, lo, hi, edge, start, end, corridor_m, cell_m)
        walked = legs[leg_s <= bands[b] * 60.0]  # stations set back from their street (22I)
        if len(walked):
            geometry = shapely.union_all([geometry, *walked])
        return geometry, len(unique_ints(sel["source"].to_numpy()))

    spans = np.arange(len(bands) + 1)
    areas = in_threads(lambda a, _b: band_area(a), spans, workers)
    frame = gpd.GeoDataFrame(
        {
            "minutes": bands,
            "stations": [n for _, n in areas],
            "geometry": [g for g, _ in areas],
        },
        crs=network.crs,
    )
    frame = frame.sort_values("minutes", ascending=False).reset_index(drop=True)
    log.info(
        "service area: %s min for %d stations on a %g m grid in %.2f s",
        "/".join(f"{b:g}" for b in bands),
        int(anchors.within.sum()),
        cell_m,
        time.perf_counter() - t0,
    )
    return frame if crs is None else frame.to_crs(crs)


#: Cell rows of the grid held at once by :func:`_corridor_on_grid`.
_STRIP_ROWS = 256


def _corridor_on_grid(
    lines: Any,
    edge_lo: FloatArray,
    edge_hi: FloatArray,
    edge: IntArray,
    start: FloatArray,
    end: FloatArray,
    corridor_m: float,
    cell_m: float,
) -> Any:
    """The corridor around street pieces, contoured on one grid over all of them."""
    from harbor_planner.analysis._gridcontour import speck_area, strip_links, trace_links

    if not len(edge):
        return shapely.Polygon()
    reach = corridor_m + 1.01 * cell_m
    margin = reach + 2.0 * cell_m
    plo, phi = edge_lo[edge], edge_hi[edge]
    gx0 = np.floor((plo[:, 0].min() - margin) / cell_m) * cell_m
    gy0 = np.floor((plo[:, 1].min() - margin) / cell_m) * cell_m
    nx = int(np.ceil((phi[:, 0].max() + margin - gx0) / cell_m)) + 1
    ny = int(np.ceil((phi[:, 1].max() + margin - gy0) / cell_m)) + 1
    rows = _STRIP_ROWS
    n_strips = max(1, int(np.ceil((ny - 1) / rows)))
    # the pieces within reach of each strip's vertex rows, strip after strip
    y_lo = gy0 + np.arange(n_strips) * rows * cell_m - reach
    y_hi = gy0 + np.minimum((np.arange(n_strips) + 1) * rows, ny - 1) * cell_m + reach
    first = np.searchsorted(y_hi, plo[:, 1], side="left")  # first strip reaching the piece
    last = np.searchsorted(y_lo, phi[:, 1], side="right") - 1
    count = np.maximum(last - first + 1, 0)
    piece = np.repeat(np.arange(len(edge)), count)
    strip = np.repeat(first, count) + (
        np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    )
    order = np.argsort(strip, kind="stable")
    piece = piece[order]
    strip_ptr = np.searchsorted(strip[order], np.arange(n_strips + 1)).astype(np.int64)
    l_from, l_to, l_xy = strip_links(
        lines.xy, lines.ptr, lines.frac, edge[piece], start[piece], end[piece], strip_ptr,
        float(gx0), float(gy0), nx, ny, rows, float(corridor_m), float(cell_m),
    )  # fmt: skip
    xy, ring_ptr, ring_area = trace_links(l_from, l_to, l_xy, speck_area(float(cell_m)))
    return _assemble(xy, ring_ptr, np.arange(len(ring_area)), ring_area)

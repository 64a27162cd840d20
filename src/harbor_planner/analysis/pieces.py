"""The reachable street pieces of every station and band, and what both polygon methods share.

A station's isochrone of a band is the corridor around the parts of edges it reaches within
the band's limit: every reachable edge, the reachable part of partly reachable edges (from
either end) and the station's own edge from its anchor (:func:`reachable_pieces`). Both ways
of drawing the corridor (:mod:`harbor_planner.analysis.isochrones`, exact, and
:mod:`harbor_planner.analysis.grid`) read these pieces, check their options the same way
(:func:`polygon_options`) and split the stations between threads (:func:`in_threads`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner._arrays import unique_ints
from harbor_planner.errors import InputDataError, NetworkError
from harbor_planner.network import Anchors, Reachability, WalkNetwork
from harbor_planner.settings import CORRIDOR_MAX_M, ISOCHRONE_METHODS, ISOCHRONE_QUAD_SEGS
from harbor_planner.stations.keys import station_keys

__all__ = [
    "bar_disabled",
    "in_threads",
    "new_pieces",
    "polygon_options",
    "reachable_pieces",
    "source_cuts",
    "station_anchors",
    "substrings",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def bar_disabled(progress: bool | None) -> bool | None:
    """The ``disable`` argument of a tqdm bar for a ``progress`` option.

    Parameters
    ----------
    progress
        Show the bar: ``True``, ``False`` or ``None`` (only on a terminal).

    Returns
    -------
    bool or None
        What tqdm's ``disable`` takes (``None``: tqdm decides by the terminal).

    """
    return None if progress is None else not progress


def _available_cpus() -> int:
    """CPUs this process may run on."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def polygon_options(
    minutes: Sequence[float], corridor_m: float, method: str, cell_m: float, workers: int | None
) -> tuple[list[float], int]:
    """Checked polygon options: the sorted bands and the number of threads.

    Parameters
    ----------
    minutes, corridor_m, method, cell_m, workers
        As for :func:`harbor_planner.analysis.isochrones.isochrones` (``cell_m`` is checked
        only for ``method="grid"``; ``workers=None``: the CPUs this process may use).

    Returns
    -------
    (list of float, int)
        The distinct bands in minutes, shortest first, and the number of threads.

    Raises
    ------
    InputDataError
        An option out of range.

    """
    if isinstance(minutes, int | float | np.integer | np.floating):
        minutes = [minutes]  # one band given as a number
    try:  # "15" read one character at a time gave bands of 1 and 5 minutes (probe 17I)
        if isinstance(minutes, str | bytes):
            raise TypeError
        values = list(minutes)
        if any(isinstance(m, str | bytes | bool | np.bool_) for m in values):
            raise TypeError
        bands = sorted({float(m) for m in values})
    except (TypeError, ValueError):
        raise InputDataError(
            f"minutes must be positive numbers (e.g. [5, 10, 15]), got {minutes!r}"
        ) from None
    if not bands or bands[0] <= 0 or not np.isfinite(bands[-1]):
        raise InputDataError(f"minutes must be positive numbers, got {list(minutes)!r}")
    if not (np.isfinite(corridor_m) and 0 < corridor_m <= CORRIDOR_MAX_M):
        raise InputDataError(
            f"corridor_m must be a distance in metres above 0 and at most "
            f"{CORRIDOR_MAX_M:,.0f}, got {corridor_m!r}"
        )
    if method not in ISOCHRONE_METHODS:
        raise InputDataError(
            f"method must be one of {', '.join(map(repr, ISOCHRONE_METHODS))}, got {method!r}"
        )
    if method == "grid" and not (np.isfinite(cell_m) and 0 < cell_m <= corridor_m):
        raise InputDataError(
            f"cell_m must be a positive distance in metres, at most corridor_m "
            f"({corridor_m:g}), got {cell_m!r}"
        )
    if workers is None:
        return bands, _available_cpus()
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        raise InputDataError(f"workers must be a whole number of threads >= 1, got {workers!r}")
    return bands, int(workers)


def station_anchors(
    network: WalkNetwork, stations: Any, id_column: str | None, max_dist_m: float
) -> tuple[Anchors, npt.NDArray[Any]]:
    """Stations anchored on the network and their ids; refuses stations all off the network.

    Parameters
    ----------
    network
        The walk network.
    stations
        GeoDataFrame of station points with a CRS, or :class:`~harbor_planner.network.Anchors`
        (their index are the ids).
    id_column
        Column of ``stations`` holding the ids (default the index).
    max_dist_m
        Snapping distance, metres.

    Returns
    -------
    (Anchors, numpy.ndarray)
        The anchored stations and their ids.

    Raises
    ------
    NetworkError
        No station is within ``max_dist_m`` of a street.

    """
    if isinstance(stations, Anchors):
        anchors = stations
        ids = np.asarray(anchors.index)
    else:  # those off the network named, as coverage names them (probe 22I)
        from harbor_planner.analysis.anchoring import station_anchors as anchored

        anchors = anchored(network, stations, max_dist_m, id_column or "station_id")
        ids = (
            station_keys(stations, id_column)  # a station without an id: its file row (19X)
            if id_column is not None and id_column in getattr(stations, "columns", [])
            else np.asarray(stations.index)
        )
    if not anchors.within.any():
        raise NetworkError(
            f"none of the {len(anchors)} stations is within {max_dist_m:g} m of a walkable "
            "street of this network; are they in the network's area and in the right CRS?"
        )
    return anchors, ids


def access_legs(
    network: WalkNetwork, stations: Any, anchors: Anchors, corridor_m: float
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """The corridor of each station's straight walk to its street, where it needs one.

    A station farther than ``corridor_m`` from the street it is anchored on lay outside its
    own polygons (probe 22I: YZ024 by 18 m): its access leg (in every time already) is
    buffered as the streets are and drawn in each band it fits in.

    Parameters
    ----------
    network
        The walk network.
    stations
        The stations anchored (a GeoDataFrame; anything else: no legs).
    anchors
        Their anchors.
    corridor_m
        The corridor's half-width, metres.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Per station its leg's polygon (``None`` for none) and the leg's seconds (``inf``
        for none: in no band).

    """
    polys = np.full(len(anchors), None, dtype=object)
    secs = np.full(len(anchors), np.inf)
    far = np.flatnonzero(anchors.within & (anchors.dist_m > corridor_m))
    if not hasattr(stations, "geometry") or not len(far):
        return polys, secs
    from harbor_planner.network.snap import points_xy

    xy, _ = points_xy(stations, crs=network.crs, what="stations")
    ends = anchors.subset(far).xy(network)
    legs = shapely.linestrings(np.stack([xy[far], ends], axis=1))
    polys[far] = shapely.buffer(legs, corridor_m, quad_segs=ISOCHRONE_QUAD_SEGS)
    secs[far] = anchors.access_s[far]
    return polys, secs


# --------------------------------------------------------------------------- pieces


def reachable_pieces(
    network: WalkNetwork, reach: Reachability, limits_s: Sequence[float]
) -> pd.DataFrame:
    """The reachable parts of edges for every source and limit.

    Parameters
    ----------
    network
        The walk network.
    reach
        :func:`~harbor_planner.network.reachability` of the sources, with a limit of at least
        the largest of ``limits_s``.
    limits_s
        The band limits, seconds, shortest first.

    Returns
    -------
    pandas.DataFrame
        Columns ``source`` (position), ``band`` (position in ``limits_s``), ``edge``,
        ``start``, ``end`` (fractions along the edge from ``u``, ``start < end``), ``new``
        (False where the source already reaches the whole edge in the band below: such a
        piece adds nothing to the band's polygon).

    """
    e = network.edges
    eu, ev = e["u"].to_numpy(), e["v"].to_numpy()
    tf, tb = e["time_fwd_s"].to_numpy(), e["time_bwd_s"].to_numpy()
    n = network.n_nodes
    # node -> incident edges (CSR)
    inc_node = np.concatenate([eu, ev])
    inc_edge = np.concatenate([np.arange(len(eu)), np.arange(len(eu))])
    order = np.argsort(inc_node, kind="stable")
    inc_edge = inc_edge[order]
    inc_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(inc_node, minlength=n), out=inc_ptr[1:])

    src = np.repeat(np.arange(reach.n_sources), reach.counts())
    node = reach.node
    deg = inc_ptr[node + 1] - inc_ptr[node]
    pair_src = np.repeat(src, deg)
    starts = np.repeat(inc_ptr[node], deg)
    offs = np.arange(deg.sum()) - np.repeat(np.cumsum(deg) - deg, deg)
    pair_edge = inc_edge[starts + offs]
    key = unique_ints(pair_src * len(eu) + pair_edge)
    ps, pe = key // len(eu), key % len(eu)

    # time of each source at u and v of each candidate edge (inf where not reached)
    node_key = src * n + node

    def lookup(nodes: IntArray) -> FloatArray:
        q = ps * n + nodes
        pos = np.searchsorted(node_key, q)
        pos = np.minimum(pos, len(node_key) - 1)
        hit = node_key[pos] == q if len(node_key) else np.zeros(len(q), bool)
        return np.where(hit, reach.time_s[pos] if len(node_key) else np.inf, np.inf)

    du, dv = lookup(eu[pe]), lookup(ev[pe])
    frames = []
    anchors = reach.sources
    own = np.flatnonzero(anchors.within)
    full_below = np.zeros(len(pe), dtype=bool)
    for b, lim in enumerate(limits_s):
        with np.errstate(invalid="ignore", divide="ignore"):
            a = np.clip((lim - du) / tf[pe], 0.0, 1.0)
            c = np.clip((lim - dv) / tb[pe], 0.0, 1.0)
        a = np.nan_to_num(a, nan=0.0)
        c = np.nan_to_num(c, nan=0.0)
        full = a + c >= 1.0
        fa, fc = ~full & (a > 0), ~full & (c > 0)
        pieces = [
            (ps[full], pe[full], np.zeros(full.sum()), np.ones(full.sum()), ~full_below[full]),
            (ps[fa], pe[fa], np.zeros(fa.sum()), a[fa], ~full_below[fa]),
            (ps[fc], pe[fc], 1.0 - c[fc], np.ones(fc.sum()), ~full_below[fc]),
        ]
        full_below = full
        # the station's own edge, from its anchor in both directions
        oe = anchors.edge[own]
        left = lim - anchors.access_s[own]
        with np.errstate(invalid="ignore", divide="ignore"):
            fwd = np.clip(left / tf[oe], 0.0, 1.0)
            bwd = np.clip(left / tb[oe], 0.0, 1.0)
        f = anchors.frac[own]
        lo = np.maximum(f - np.nan_to_num(bwd, nan=0.0), 0.0)
        hi = np.minimum(f + np.nan_to_num(fwd, nan=0.0), 1.0)
        live = (left > 0) & (hi > lo)
        pieces.append((own[live], oe[live], lo[live], hi[live], np.ones(live.sum(), bool)))
        for s_, e_, a_, b_, n_ in pieces:
            frames.append(
                pd.DataFrame(
                    {"source": s_, "band": b, "edge": e_, "start": a_, "end": b_, "new": n_}
                )
            )
    return pd.concat(frames, ignore_index=True)


def substrings(
    network: WalkNetwork,
    edge: IntArray,
    start: FloatArray,
    end: FloatArray,
    *,
    origin: FloatArray | None = None,
) -> npt.NDArray[np.object_]:
    """Parts of edge geometries between fractions ``start`` and ``end`` (vectorised).

    Parameters
    ----------
    network
        The walk network.
    edge, start, end
        The pieces: edge index and fractions along it from ``u`` (``start <= end``).
    origin
        When given, the coordinates are relative to it (shifted by ``-origin``).

    Returns
    -------
    numpy.ndarray
        One LineString per piece.

    """
    out, counts = _substring_coords(network, edge, start, end, origin=origin)
    return shapely.linestrings(out, indices=np.repeat(np.arange(len(edge)), counts))


def _substring_coords(
    network: WalkNetwork,
    edge: IntArray,
    start: FloatArray,
    end: FloatArray,
    *,
    origin: FloatArray | None = None,
) -> tuple[FloatArray, IntArray]:
    """Coordinates of :func:`substrings`, piece after piece, and the count of each piece."""
    lines = network.edge_lines
    coords, ptr, frac = lines.xy, lines.ptr, lines.frac
    if origin is not None:
        coords = coords - origin
    owner = np.repeat(np.arange(network.n_edges), np.diff(ptr))
    key = owner * 2.0 + frac
    lo = np.searchsorted(key, edge * 2.0 + start, side="right")
    hi = np.searchsorted(key, edge * 2.0 + end, side="left")
    lo = np.clip(lo, ptr[edge] + 1, ptr[edge + 1] - 1)
    hi = np.clip(hi, lo, ptr[edge + 1] - 1)

    def interp(pos: IntArray, f: FloatArray) -> FloatArray:
        f0, f1 = frac[pos - 1], frac[pos]
        w = np.divide(f - f0, f1 - f0, out=np.zeros_like(f), where=f1 > f0)
        return coords[pos - 1] + (coords[pos] - coords[pos - 1]) * w[:, None]

    p_start = interp(lo, start)
    p_end = interp(np.maximum(hi, lo), end)
    n_inner = hi - lo
    counts = n_inner + 2
    total_pts = counts.sum()
    k = np.arange(total_pts) - np.repeat(np.cumsum(counts) - counts, counts)
    out = np.empty((total_pts, 2))
    first = k == 0
    last = k == np.repeat(counts - 1, counts)
    mid = ~(first | last)
    out[first] = p_start
    out[last] = p_end
    out[mid] = coords[(np.repeat(lo, counts) + k - 1)[mid]]
    return out, counts


def new_pieces(pieces: pd.DataFrame, n_bands: int) -> tuple[IntArray, IntArray, IntArray]:
    """The pieces each band adds to the band below, in polygon order.

    Parameters
    ----------
    pieces
        :func:`reachable_pieces`.
    n_bands
        Number of bands.

    Returns
    -------
    (keys, order, key)
        The polygon keys ``source * n_bands + band`` (sorted, unique, also of bands that add
        nothing), the positions in ``pieces`` of the new pieces sorted by source, band and edge,
        and the key of each of them (pieces whose column ``new`` is False are left out).

    """
    src = pieces["source"].to_numpy()
    band = pieces["band"].to_numpy()
    edge = pieces["edge"].to_numpy()
    keys = unique_ints(src * n_bands + band)
    keep = np.flatnonzero(pieces["new"].to_numpy())
    order = keep[np.lexsort((edge[keep], band[keep], src[keep]))]
    return keys, order, src[order] * n_bands + band[order]


def source_cuts(group_source: IntArray, n_chunks: int) -> IntArray:
    """Positions splitting sorted ``group_source`` into about ``n_chunks`` runs of whole sources.

    Parameters
    ----------
    group_source
        The source of each polygon group, sorted.
    n_chunks
        How many runs to aim for.

    Returns
    -------
    numpy.ndarray
        Increasing cut positions from 0 to ``len(group_source)``; no source is split.

    """
    n = max(1, min(int(n_chunks), len(group_source)))
    if not len(group_source):
        return np.zeros(1, dtype=np.int64)
    bounds = np.quantile(np.arange(len(group_source)), np.linspace(0, 1, n + 1)).astype(np.int64)
    cut = np.searchsorted(group_source, group_source[np.minimum(bounds, len(group_source) - 1)])
    cut[0], cut[-1] = 0, len(group_source)
    return unique_ints(cut)


def in_threads(fn: Any, cuts: IntArray, workers: int) -> list[Any]:
    """``fn(a, b)`` for consecutive cut positions, on up to ``workers`` threads, in order.

    Parameters
    ----------
    fn
        Called with each pair of consecutive positions of ``cuts``.
    cuts
        Increasing positions (see :func:`source_cuts`).
    workers
        Threads; with one (or one span), everything runs in the calling thread.

    Returns
    -------
    list
        The results of ``fn``, in the order of ``cuts``.

    """
    spans = list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))
    if workers <= 1 or len(spans) <= 1:
        return [fn(a, b) for a, b in spans]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(workers, len(spans))) as pool:
        return list(pool.map(lambda ab: fn(*ab), spans))

"""Pooling candidates: the filter of sites near the network and the merge of close sites."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from harbor_planner._validate import check_positive
from harbor_planner.candidates.schema import cell_text

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["merge_candidates", "near_network"]


def near_network(
    candidates: gpd.GeoDataFrame, network: WalkNetwork, max_dist_m: float
) -> npt.NDArray[np.bool_]:
    """Which candidates lie within ``max_dist_m`` of a network edge (straight line).

    Parameters
    ----------
    candidates
        Candidate sites with a CRS.
    network
        The walk network.
    max_dist_m
        Largest distance to the nearest edge, metres.

    Returns
    -------
    numpy.ndarray
        One bool per candidate, in row order.

    """
    if len(candidates) == 0:
        return np.zeros(0, dtype=bool)
    pts = candidates.geometry.to_crs(network.crs).to_numpy()
    hit, _ = network.edge_tree.query(pts, predicate="dwithin", distance=max_dist_m)
    near = np.zeros(len(candidates), dtype=bool)
    near[hit] = True
    return near


def merge_candidates(
    candidates: gpd.GeoDataFrame, *, min_separation_m: float, metric_crs: str
) -> gpd.GeoDataFrame:
    """Merge candidates closer than ``min_separation_m``, the earlier row winning.

    Rows are taken in order: a row is dropped when a row kept before it lies within
    ``min_separation_m`` (straight line, in ``metric_crs``); it is recorded in the
    ``merged_ids`` of the nearest such row (the first on ties). Order the input by priority
    (points of interest before street sites) for the intended result; the result depends only
    on the order and the coordinates, so it is the same on every run.

    Parameters
    ----------
    candidates
        Candidate sites with a CRS and a unique ``site_id``.
    min_separation_m
        Distance below which two candidates are one site, metres (0: nothing merged).
    metric_crs
        Metric CRS the distances are measured in.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept rows in their order, index ``0..n-1``, with ``merged_ids`` (``";"``-joined
        site ids, in row order; ``""`` when none) added to any already there.

    """
    d = check_positive("min_separation_m", min_separation_m, allow_zero=True, unit="metres")
    n = len(candidates)
    out = candidates.reset_index(drop=True)
    prior = cell_text(out["merged_ids"]) if "merged_ids" in out else np.full(n, "", dtype=object)
    if n == 0 or d == 0:
        return out.assign(merged_ids=pd.array(prior.astype(str), dtype="str"))
    pts = out.geometry.to_crs(metric_crs).to_numpy()
    xy = shapely.get_coordinates(pts)
    i, j = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=d)
    below = i < j
    i, j = i[below], j[below]
    # strictly closer than d
    close = np.hypot(*(xy[i] - xy[j]).T) < d
    i, j = i[close], j[close]
    keep = np.ones(n, dtype=bool)
    into = np.full(n, -1, dtype=np.int64)
    if i.size:
        order = np.lexsort((i, j))
        i, j = i[order], j[order]
        starts = np.flatnonzero(np.r_[True, j[1:] != j[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], j.size], strict=True):
            nb = i[s:e]
            nb = nb[keep[nb]]
            if nb.size:
                target = j[s]
                keep[target] = False
                into[target] = nb[np.argmin(np.hypot(*(xy[nb] - xy[target]).T))]
    merged = prior.copy()
    ids = out["site_id"].to_numpy(dtype=object)
    absorbed = np.flatnonzero(into >= 0)
    if absorbed.size:
        joined = pd.Series(ids[absorbed]).groupby(into[absorbed], sort=True).agg(";".join)
        for k, text in joined.items():
            merged[k] = f"{merged[k]};{text}" if merged[k] else text
    out = out.assign(merged_ids=pd.array(merged.astype(str), dtype="str"))
    return out.loc[keep].reset_index(drop=True)

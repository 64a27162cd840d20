"""Street sites: candidates every ≤ ``spacing_m`` along the walkable ground-level streets."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from harbor_planner._validate import check_positive
from harbor_planner.candidates.schema import candidate_frame, empty_candidates
from harbor_planner.demand._common import to_wgs84_points
from harbor_planner.network.walk import KIND_WALK
from harbor_planner.resources import (
    CANDIDATE_BYTES,
    check_memory,
    format_count,
    street_points_bytes,
)
from harbor_planner.settings import CANDIDATE_SPACING_M

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["STREET_CLASSES", "street_candidates"]

log = logging.getLogger(__name__)

#: OSM ``highway`` values of the ways street sites are laid along: streets with frontage where a
#: station (a kiosk, a room on the ground floor) can open onto the pavement, and ``road``
#: (untagged ways, e.g. planners' centreline layers without a ``highway`` column). Left out:
#: ``trunk`` and all ``*_link`` ways (城市快速路 and ramps: no frontage, often elevated, and
#: motorways are not in the walk network at all); ``service`` (driveways, parking aisles and
#: alleys inside compounds); ``footway``, ``path``, ``track``, ``steps``, ``corridor``
#: (sidewalks mapped beside a street would duplicate its sites; hillside paths and stairs have
#: no frontage). Every way must also be of kind ``walk`` (no stairs, escalators, lifts, moving
#: walkways) and on the ground (no bridge, tunnel, indoor or ``layer`` ≠ 0).
STREET_CLASSES: tuple[str, ...] = (
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "pedestrian",
    "road",
)


# Slack on run lengths (a share of the spacing), so coordinates rounded to 1e-7 degrees (about
# 1 cm) do not add a site: a 300.003 m run at a 100 m spacing gets 3 sites, not 4.
_LENGTH_TOLERANCE = 1e-3


def street_candidates(
    network: WalkNetwork,
    *,
    spacing_m: float = CANDIDATE_SPACING_M,
    classes: Sequence[str] = STREET_CLASSES,
) -> gpd.GeoDataFrame:
    """Candidate sites every ``spacing_m`` or less along the walkable ground-level streets.

    Sites are laid along *runs*: maximal chains of consecutive eligible edges of one way (an
    OSM way is split into edges at every junction, so laying sites per edge would leave the
    many short edges of a dense centre without any). An edge is eligible when its ``highway``
    is in ``classes``, its kind is ``walk`` (not steps, escalator, lift or moving walkway) and
    it is not ``off_ground`` (bridge, tunnel, indoor, layered). A run of length ``L`` is cut
    into ``n = ceil(L / spacing_m)`` equal pieces with one site at the middle of each, when
    ``L >= spacing_m / 2``; shorter runs (junction stubs, slip pieces) get none (both tests
    with a slack of 0.1 % of the spacing, so rounded coordinates do not add a site). So along
    a run consecutive sites are ``L / n <= spacing_m`` apart, and the first and last lie half
    that from the run's ends. Each site lies exactly on its edge at ``edge_frac``; a site
    falling on a node between two edges is placed at the start (``edge_frac = 0``) of the
    later edge.

    Parameters
    ----------
    network
        The walk network (``edges``: ``u``, ``v``, ``way_id``, ``highway``, ``name``,
        ``kind``, ``off_ground``, ``length_m``; ``edge_geometry`` in metres).
    spacing_m
        Largest distance between consecutive sites along a run, metres.
    classes
        ``highway`` values of the streets (default :data:`STREET_CLASSES`).

    Returns
    -------
    geopandas.GeoDataFrame
        The candidate schema (package docstring) with kind ``street``, source ``network``,
        ``site_id`` ``street-<edge>-<k>`` (k = 0, 1... along the edge from ``u``), the
        street's ``name`` and an extra ``highway`` column; empty when no edge qualifies.

    Raises
    ------
    InputDataError
        ``spacing_m`` is not a positive number.

    """
    spacing = check_positive("spacing_m", spacing_m, unit="metres")
    wanted = {str(c).strip().lower() for c in ([classes] if isinstance(classes, str) else classes)}
    edges = network.edges
    highway = edges["highway"].astype("str").str.strip().str.lower().to_numpy(dtype=object)
    ok = (
        np.isin(highway, list(wanted))
        & (edges["kind"].to_numpy() == KIND_WALK)
        & ~edges["off_ground"].to_numpy(dtype=bool)
    )
    sel = np.flatnonzero(ok)
    length = edges["length_m"].to_numpy(np.float64)[sel]
    if sel.size == 0:
        log.info("street candidates: no edge of the network is a ground-level street")
        return empty_candidates({"highway": []})
    way = edges["way_id"].to_numpy()[sel]
    u = edges["u"].to_numpy()[sel]
    v = edges["v"].to_numpy()[sel]
    new_run = np.ones(sel.size, dtype=bool)
    new_run[1:] = (way[1:] != way[:-1]) | (u[1:] != v[:-1])
    run = np.cumsum(new_run) - 1
    start = np.concatenate([[0.0], np.cumsum(length)[:-1]])  # of each edge, along all runs
    run_start = start[new_run]
    run_len = np.bincount(run, weights=length)
    n_guess = float(np.ceil(run_len / spacing).sum())
    check_memory(
        street_points_bytes(n_guess, per_point=CANDIDATE_BYTES),
        f"street candidates every {spacing:g} m ({format_count(n_guess)} sites)",
        "optimize.candidate_spacing_m",
    )
    n = np.where(
        run_len >= spacing / 2 * (1 - _LENGTH_TOLERANCE),
        np.maximum(1, np.ceil(run_len / spacing - _LENGTH_TOLERANCE)),
        0,
    ).astype(np.int64)
    site_run = np.repeat(np.arange(run_len.size), n)
    first = np.repeat(np.cumsum(n) - n, n)
    piece = np.arange(site_run.size) - first
    pos = run_start[site_run] + (piece + 0.5) * run_len[site_run] / n[site_run]
    at = np.searchsorted(start, pos, side="right") - 1
    frac = np.clip(
        np.divide(pos - start[at], length[at], out=np.zeros(pos.size), where=length[at] > 0),
        0.0,
        1.0,
    )
    edge = sel[at]
    new_edge = np.ones(edge.size, dtype=bool)
    new_edge[1:] = edge[1:] != edge[:-1]
    k = np.arange(edge.size) - np.maximum.accumulate(np.where(new_edge, np.arange(edge.size), 0))
    pts = shapely.line_interpolate_point(network.edge_geometry[edge], frac, normalized=True)
    geometry = to_wgs84_points(shapely.get_coordinates(pts), network.crs).to_numpy()
    ids = "street-" + pd.Series(edge).astype(str) + "-" + pd.Series(k).astype(str)
    out = candidate_frame(
        {
            "site_id": ids.to_numpy(dtype=object),
            "kind": np.full(edge.size, "street", dtype=object),
            "source": np.full(edge.size, "network", dtype=object),
            "name": edges["name"].to_numpy(dtype=object)[edge],
            "edge": edge,
            "edge_frac": frac,
        },
        geometry,
        edge.size,
        {"highway": pd.array(highway[edge].astype(str), dtype="str")},
    )
    log.info(
        "street candidates: %d sites every ≤ %g m along %.1f km of ground-level streets "
        "(%d runs of %d edges; %d runs shorter than %g m without a site)",
        len(out),
        spacing,
        float(length.sum()) / 1000,
        run_len.size,
        sel.size,
        int((n == 0).sum()),
        spacing / 2,
    )
    return out

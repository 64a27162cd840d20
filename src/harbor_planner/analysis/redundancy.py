"""Redundancy: the demand each station covers alone or with others, and what closing it loses.

Every station's own coverage comes from a bounded search from it (not only the nearest
station): :func:`station_pairs` lists every (demand point, station) pair within the limit, so
a demand point reached by several stations counts as shared and one reached by a single
station as that station's unique demand. :func:`station_redundancy` turns the pairs into the
per-station figures of the coverage tables (unique and shared demand, the share of covered
demand lost if the station closed, its importance rank), which pick the exit candidates;
:func:`replacement_sites` finds, for stations that may close, the candidate site that best
recovers what they alone cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from harbor_planner._arrays import unique_ints
from harbor_planner.errors import InputDataError
from harbor_planner.network import Anchors, WalkNetwork
from harbor_planner.settings import EXIT_REPLACEMENT_MIN_DIST_M
from harbor_planner.stations.keys import station_keys

if TYPE_CHECKING:
    from harbor_planner.analysis.coverage import CoverageResult

__all__ = ["replacement_sites", "station_pairs", "station_redundancy"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def station_pairs(
    network: WalkNetwork, stations: Anchors, demand: Anchors, minutes: float
) -> tuple[IntArray, IntArray]:
    """Every station reaching every demand point within ``minutes``, each pair once.

    Parameters
    ----------
    network
        The walk network.
    stations
        The anchored stations.
    demand
        The anchored demand points.
    minutes
        The walking-time limit (access legs of both included).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Demand positions and station positions of the pairs, sorted by demand, then station.

    """
    from harbor_planner.network.pairs import find_pairs
    from harbor_planner.network.routing import limit_seconds

    n = len(stations)
    d_i, s_j = find_pairs(network, stations, demand, minutes=minutes,
                          limit_s=limit_seconds(minutes))  # fmt: skip
    pairs = unique_ints(d_i * n + s_j)
    return pairs // n, pairs % n


def station_redundancy(
    weight: FloatArray,
    covered: BoolArray,
    pairs: tuple[IntArray, IntArray],
    n_cover: IntArray,
    on_network: BoolArray,
) -> pd.DataFrame:
    """Each station's covered, unique and shared demand, exit loss and importance rank.

    Parameters
    ----------
    weight
        Weight of each demand point.
    covered
        Whether each demand point is within the limit of its nearest station.
    pairs
        :func:`station_pairs`: demand and station positions.
    n_cover
        How many stations reach each demand point.
    on_network
        Whether each station is on the network (the others get rank ``-1``).

    Returns
    -------
    pandas.DataFrame
        One row per station: ``demand_covered`` (all demand within the limit of it),
        ``unique_demand`` (demand only it covers), ``shared_demand``, ``exit_loss_pct``
        (share of covered demand lost if it closed) and ``importance_rank`` (1 = most unique
        demand, ties by the demand covered, then by position; 1..N over the stations on the
        network, -1 off it).

    """
    d_i, s_j = pairs
    n = len(on_network)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["demand_covered"] = np.bincount(s_j, weights=weight[d_i], minlength=n)
    only = n_cover[d_i] == 1
    out["unique_demand"] = np.bincount(s_j[only], weights=weight[d_i[only]], minlength=n)
    out["shared_demand"] = out["demand_covered"] - out["unique_demand"]
    covered_total = float(weight[covered].sum())
    out["exit_loss_pct"] = (
        100.0 * out["unique_demand"] / covered_total if covered_total > 0 else 0.0
    )
    # probe 27Q: stations covering nothing alone were ranked by their rows; they rank by the
    # demand they cover with others, and the stations off the network leave no gap
    on = np.asarray(on_network, dtype=bool)
    order = np.lexsort(
        (np.arange(n), -out["demand_covered"].to_numpy(), -out["unique_demand"].to_numpy(), ~on)
    )
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    out["importance_rank"] = np.where(on, rank, -1)
    return out


def replacement_sites(
    result: CoverageResult,
    cm: Any,
    stations: Sequence[int],
    *,
    station_xy: FloatArray | None = None,
    min_dist_m: float = EXIT_REPLACEMENT_MIN_DIST_M,
) -> pd.DataFrame:
    """For stations that may close, the candidate site that best recovers what they alone cover.

    Parameters
    ----------
    result
        The coverage of the current stations.
    cm
        A :class:`~harbor_planner.optimize.CoverageMatrix` of candidate sites over the same
        demand points (in the same order).
    stations
        Positions of the stations considered for closing.
    station_xy, min_dist_m
        The stations' coordinates in the CRS of ``cm.candidate_xy`` (all stations, by
        position): a candidate nearer than ``min_dist_m`` to the closing station is not a
        replacement (it is the station's own spot), and of the sites recovering as much the
        nearest is named. ``None``: no candidate is left out (ties: the first).

    Returns
    -------
    pandas.DataFrame
        One row per station: ``station_id``, ``lost_demand`` (demand only it covers),
        ``replacement_site``, ``recovered_demand``, ``recovered_pct`` (of the lost demand) and
        ``replacement_dist_m`` (straight line, when ``station_xy`` is given); no site when
        nothing would be lost or no candidate recovers any of it.

    """
    if result.pairs is None:
        raise InputDataError("the coverage result carries no station pairs")
    d_i, s_j = result.pairs
    weight = result.demand["weight"].to_numpy(np.float64)
    n_cover = result.demand["n_stations"].to_numpy()
    a = cm.covers.tocsr()
    ids = station_keys(result.stations, "station_id")  # no id: the file row (probe 19X)
    rows = []
    for s in stations:
        lost = unique_ints(d_i[(s_j == s) & (n_cover[d_i] == 1)])
        lost_w = float(weight[lost].sum())
        row: dict[str, Any] = {"station_id": ids[s], "lost_demand": lost_w}
        gains = np.asarray(a[lost].T @ weight[lost]).ravel() if lost_w > 0 else np.zeros(1)
        dist = None
        if station_xy is not None and cm.candidate_xy is not None and lost_w > 0:
            dist = np.hypot(*(np.asarray(cm.candidate_xy) - station_xy[s]).T)
            gains = np.where(dist >= min_dist_m, gains, 0.0)  # not the station's own spot
        best = int(np.argmax(gains)) if gains.size else 0
        if dist is not None and gains.size:  # of the sites recovering as much: the nearest
            tied = np.flatnonzero(gains >= gains[best] - 1e-9 * max(1.0, gains[best]))
            best = int(tied[np.argmin(dist[tied])])
        if lost_w > 0 and gains.size and gains[best] > 0:
            row.update(
                replacement_site=str(cm.candidate_ids[best]),
                recovered_demand=float(gains[best]),
                recovered_pct=min(100.0, 100.0 * float(gains[best]) / lost_w),
            )
            if dist is not None:
                row["replacement_dist_m"] = round(float(dist[best]), 1)
        else:
            row.update(replacement_site=None, recovered_demand=0.0, recovered_pct=None)
        rows.append(row)
    return pd.DataFrame(rows)

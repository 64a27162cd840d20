"""Coverage: which demand is within a walk of the nearest station, per district.

Coverage is computed with one multi-source search, independent of the number of stations:
all stations are added to the network as virtual sources joined to both ends of their edges,
and :func:`scipy.sparse.csgraph.dijkstra` with ``min_only=True`` gives every node its time to
the nearest station. A demand point (anchored on its nearest edge like a station) is reached
through either end of its edge, or directly along the edge when a station sits on the same
edge, plus its access leg. It is covered when that time is within the limit.

For comparison, the same demand is also tested against straight-line circles of the nominal
radius ``speed x minutes`` (1,125 m at 4.5 km/h and 15 min), the way coverage is often
drawn; the difference shows how much circles overstate coverage in a hilly, river-cut city.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from harbor_planner._arrays import along_s, first_holder
from harbor_planner._io import jsonable
from harbor_planner._validate import check_minutes
from harbor_planner.analysis.anchoring import station_anchors, warn_wide_snapping
from harbor_planner.analysis.redundancy import station_pairs, station_redundancy
from harbor_planner.analysis.scopes import BUILT_SCOPE, demand_scope, scope_figures, station_scopes
from harbor_planner.coords import points_to_wgs84
from harbor_planner.districts import district_name_column, name_text
from harbor_planner.errors import InputDataError
from harbor_planner.network import (
    Anchors,
    WalkNetwork,
    anchors_for,
    arrival_times,
    limit_seconds,
)
from harbor_planner.network.pairs import pairs_are_local
from harbor_planner.network.snap import points_xy
from harbor_planner.resources import check_memory, coverage_bytes
from harbor_planner.settings import (
    DEMAND_TOTAL_MAX,
    MINUTES,
    OUTSIDE_CHONGQING,
    OUTSIDE_DISTRICTS,
    SNAP_MAX_DIST_M,
    STATUS_SELECTED,
    STATUS_VALUES,
    map_bands_for,
)
from harbor_planner.stations.keys import station_keys

__all__ = [
    "CoverageResult",
    "NearestStation",
    "assign_districts",
    "coverage",
    "nearest_station",
    "open_stations",
    "station_frame",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_EPS_S = 1e-6


@dataclass(frozen=True)
class NearestStation:
    """Time from the nearest station to every node.

    Attributes
    ----------
    time_s
        Seconds, ``inf`` where no station reaches the node (within the limit, if any).
    station
        Position of that station among the sources, ``-1`` where none.

    """

    time_s: FloatArray
    station: IntArray


def nearest_station(
    network: WalkNetwork, stations: Anchors, *, limit_s: float = np.inf
) -> NearestStation:
    """Time to the nearest station for every node, by one multi-source search.

    Parameters
    ----------
    network
        The walk network.
    stations
        Anchored stations; those not ``within`` the snapping distance are ignored.
    limit_s
        Stop the search at this time (``inf``: the whole network).

    """
    n = network.n_nodes
    e = network.edges
    ok = np.flatnonzero(stations.within & np.isfinite(stations.access_s))
    edge = stations.edge[ok]
    u, v = e["u"].to_numpy()[edge], e["v"].to_numpy()[edge]
    to_u = stations.access_s[ok] + along_s(stations.frac[ok], e["time_bwd_s"].to_numpy()[edge])
    to_v = stations.access_s[ok] + along_s(1 - stations.frac[ok], e["time_fwd_s"].to_numpy()[edge])
    if not len(ok):
        return NearestStation(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
    virt = n + np.arange(len(ok))
    # a station on a loop (u == v) reaches its node by the shorter way round, once
    loop = u == v
    to_u = np.where(loop, np.minimum(to_u, to_v), to_u)
    to_v = np.where(loop, np.inf, to_v)
    # the stations are virtual nodes after the network's, with arcs out only: their rows are
    # appended to the CSR arrays as they are (no conversion of the network's arcs)
    w = np.maximum(np.column_stack([to_u, to_v]), _EPS_S)
    fin = np.isfinite(w)
    graph = network.time_graph()
    m = n + len(ok)
    idx_t = np.int32 if m + graph.nnz + 2 * len(ok) < np.iinfo(np.int32).max else np.int64
    indptr = np.concatenate([graph.indptr, graph.indptr[-1] + np.cumsum(fin.sum(axis=1))])
    aug = csr_matrix(
        (
            np.concatenate([graph.data, w[fin]]),
            np.concatenate([graph.indices, np.column_stack([u, v])[fin].astype(idx_t)]),
            indptr.astype(idx_t),
        ),
        shape=(m, m),
    )
    dist, _, source = dijkstra(
        aug,
        directed=True,
        indices=virt,
        limit=limit_s,
        min_only=True,
        return_predecessors=True,
    )
    station = np.where(source[:n] >= n, ok[np.maximum(source[:n] - n, 0)], -1)
    return NearestStation(time_s=dist[:n], station=station.astype(np.int64))


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of demand by stations within a walking time.

    Attributes
    ----------
    summary
        The figures of ``summary.json`` (see :func:`coverage`).
    by_district
        One row per district: the same figures per 区县, with ``status`` and
        ``demand_share_pct`` (:func:`~harbor_planner.study_area.district_status`, its default
        minimums, no study area).
    pairs
        ``(demand position, station position)`` of every station reaching a demand point
        within the limit.
    demand
        Demand points (WGS-84) with ``weight``, ``time_min`` (to the nearest station),
        ``nearest_station``, ``covered``, ``n_stations`` (how many stations reach it within the
        limit), ``euclidean_covered``, ``district``.
    stations
        Stations (WGS-84) with ``on_network``, ``snap_dist_m``, ``district``,
        ``demand_nearest`` (demand it is the nearest station of), ``demand_covered`` (all
        demand within the limit of it), ``unique_demand`` (demand only it covers),
        ``shared_demand``, ``exit_loss_pct`` (share of covered demand lost if it closed) and
        ``importance_rank`` (1 = most unique demand; -1 off the network).

    """

    summary: dict[str, Any]
    by_district: pd.DataFrame
    demand: Any
    stations: Any
    demand_shapes: Any = field(default=None)
    pairs: tuple[IntArray, IntArray] | None = field(default=None, repr=False)


def _weighted_quantiles(
    values: FloatArray, weights: FloatArray, qs: tuple[float, ...]
) -> list[float]:
    """Weighted quantiles (one sort for all); ``inf`` values count (they are the unreached)."""
    if len(values) == 0 or weights.sum() <= 0:
        return [float("nan")] * len(qs)
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) / w.sum()
    return [float(v[min(np.searchsorted(cum, q), len(v) - 1)]) for q in qs]


def _figures(
    weight: FloatArray, covered: npt.NDArray[np.bool_], eucl: npt.NDArray[np.bool_],
    time_min: FloatArray, n_cover: IntArray, beyond: npt.NDArray[np.bool_],
) -> dict[str, Any]:  # fmt: skip
    total = float(weight.sum())
    double = float(weight[n_cover >= 2].sum())
    cov = float(weight[covered].sum())
    euc = float(weight[eucl].sum())

    def pct(x: float) -> float | None:
        return round(100.0 * x / total, 2) if total > 0 else None

    def finite(x: float) -> float | None:
        return round(x, 2) if np.isfinite(x) else None

    reached = np.isfinite(time_min)
    median, p90 = _weighted_quantiles(time_min, weight, (0.5, 0.9))
    return {
        "demand_total": round(total, 3),
        "demand_covered": round(cov, 3),
        "coverage_pct": pct(cov),
        "euclidean_demand_covered": round(euc, 3),
        "euclidean_coverage_pct": pct(euc),
        "time_median_min": finite(median),
        "time_p90_min": finite(p90),
        "demand_unreachable": round(float(weight[~reached].sum()), 3),
        # farther than the snapping distance from every walkable street: counted as not
        # covered, though the network may just not hold its streets (probe 20B)
        "demand_beyond_network": round(float(weight[beyond].sum()), 3),
        "demand_double_covered": round(double, 3),
        "double_coverage_pct": pct(double),
    }


def _status_counts(stations: Any) -> dict[str, dict[str, int]]:
    """``{"stations_by_status": {"existing": 9, ...}}`` in planning order; ``{}`` without statuses.

    The headline figure rests on these stations: the summary says which statuses they have
    (stations under construction or proposed count only when the run selects them).
    """
    if stations is None or "status" not in getattr(stations, "columns", ()):
        return {}
    counts = stations["status"].astype("string").fillna("unknown").value_counts()
    order = [s for s in (*STATUS_VALUES, "unknown") if s in counts.index]
    order += sorted(set(counts.index) - set(order))
    return {"stations_by_status": {str(s): int(counts[s]) for s in order}}


def station_frame(stations: Any) -> Any:
    """The stations as a frame: what ``read_stations`` returns gives its ``stations``."""
    frame = getattr(stations, "stations", None)
    if frame is not None and hasattr(frame, "geometry") and not hasattr(stations, "geometry"):
        return frame
    return stations


def open_stations(stations: Any) -> Any:
    """The stations that count: closed ones (status ``closed``, 退出) are left out, logged.

    Candidate stations (候选) given are counted, with a warning: the command line leaves
    them out unless ``stations.status`` asks for them (:func:`~harbor_planner.select_status`).
    """
    if stations is None or "status" not in getattr(stations, "columns", ()):
        return stations
    status = stations["status"].astype("string").str.lower()
    closed = status.eq("closed").fillna(False)
    if closed.any():
        log.info("%d closed stations are left out of the coverage figures", int(closed.sum()))
    candidates = int(status.eq("candidate").fillna(False).sum())
    if candidates and not stations.attrs.get(STATUS_SELECTED):  # not chosen by status
        log.warning(
            "%d candidate stations (候选) are counted as stations; select_status(stations) "
            "leaves them out as the command line does",
            candidates,
        )
    return stations[~closed.to_numpy()]


def district_layer(districts: Any, name_column: str | None = None) -> Any:
    """A district layer given as a GeoDataFrame, its file, or ``None`` (Chongqing's 区县).

    A file is read and cleaned as every polygon option's
    (:func:`~harbor_planner.readers.read_polygon_file`: rings made valid, degrees that are
    no longitude/latitude refused), a district without a name refused
    (:func:`~harbor_planner.districts.check_district_names`), and districts that overlap are
    warned of (:func:`~harbor_planner.districts.warn_overlapping_districts`, by
    ``name_column``).

    Raises
    ------
    InputDataError
        Anything else, a file that is no polygon layer with a CRS, or an unnamed district.

    """
    import os

    if districts is None or hasattr(districts, "geometry"):
        return districts
    if isinstance(districts, str | os.PathLike):
        from harbor_planner.districts import check_district_names, warn_overlapping_districts
        from harbor_planner.readers import read_polygon_file

        path = Path(districts)
        layer = read_polygon_file(path, "the district layer", "the district layer", ("districts",))
        check_district_names(layer, name_column, path)
        warn_overlapping_districts(layer, name_column)
        return layer
    raise InputDataError(
        f"districts must be a polygon layer (a GeoDataFrame or its file), got "
        f"{type(districts).__name__}"
    )


def assign_districts(points: Any, districts: Any | None, name_column: str | None) -> pd.Series:
    """District name of each point: a given polygon layer, or Chongqing's 区县 boundaries.

    A layer's districts are tested in its own CRS (the points reprojected to it, when theirs
    differs); a point on a boundary two districts share is the first's, in the layer's order.
    """
    import geopandas as gpd

    if districts is None:
        from harbor_planner.districts import chongqing_districts, locate_districts

        adcode, _ = locate_districts(points.geometry)
        names = chongqing_districts().set_index("adcode")["name_zh"]
        return adcode.map(names).fillna(OUTSIDE_CHONGQING).astype(object)
    if districts.crs is None:
        raise InputDataError("the district layer has no CRS; set it and retry")
    col = district_name_column(districts, name_column)
    if len(districts) == 0:
        raise InputDataError("the district layer has no districts (no rows)")
    # tested in the layer's own CRS: a point on a boundary of a planner's projected layer stays
    # on it (no round trip through WGS-84 decides its side: probe 18P)
    layer = districts[[col, "geometry"]].copy()
    if points.crs is not None and points.crs != layer.crs:
        points = points.to_crs(layer.crs)
    layer[col] = name_text(layer[col])  # numbers as text: the tables join on names
    geoms = points.geometry.to_numpy()
    if len(geoms) and not (shapely.get_type_id(geoms) == 0).all():  # not all points: the join
        joined = gpd.sjoin(points[["geometry"]], layer, how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        names = joined[col].reindex(points.index)
    else:  # the first district (in the layer's order) holding the point, its boundary too
        first = first_holder(layer.geometry.to_numpy(), shapely.get_coordinates(geoms),
                             boundary=True)  # fmt: skip
        names = pd.Series(layer[col].to_numpy()[np.maximum(first, 0)], index=points.index)
        names = names.where(first >= 0)
    return names.fillna(OUTSIDE_DISTRICTS).astype(object)


def coverage(
    network: WalkNetwork,
    stations: Any,
    demand: Any,
    *,
    minutes: float = MINUTES,
    max_dist_m: float = SNAP_MAX_DIST_M,
    districts: Any | None = None,
    district_column: str | None = None,
    station_id_column: str = "station_id",
    check_datum: bool = True,
) -> CoverageResult:
    """Share of demand within ``minutes`` of walking from the nearest station.

    Parameters
    ----------
    network
        The walk network.
    stations
        GeoDataFrame of station points with a CRS (e.g. from :func:`read_stations`).
    demand
        A :class:`~harbor_planner.demand.Demand`, or a GeoDataFrame of points with a
        ``weight`` column.
    minutes
        The walking-time limit (15 for the plan's service circle).
    max_dist_m
        Stations and demand farther than this from every street are reported and left out
        (stations) or counted as not covered (demand).
    districts
        Polygon layer of districts (a GeoDataFrame or its file; default: Chongqing's 38 区县).
    district_column
        Name column of ``districts``.
    station_id_column
        Column naming the stations.
    check_datum
        Stations as :func:`read_stations` gives them (their file coordinates and stated
        datum kept) are checked against the streets as ``run`` checks them, and a datum that
        fits the streets worse than another is warned of (``run`` refuses it; probe 21P: a
        file read as wgs84 gave 29 % instead of 34 % without a word). ``False``: not checked.

    Returns
    -------
    CoverageResult
        ``summary`` holds ``stations``, ``stations_on_network``, ``minutes``,
        ``walk_speed_kmh``, ``walk_model``, ``demand_kind``, ``demand_total``,
        ``demand_covered``, ``coverage_pct``, ``euclidean_radius_m``,
        ``euclidean_coverage_pct``, ``time_median_min``, ``time_p90_min``...,
        ``coverage_built_pct`` (by the built stations alone) and ``coverage_by_status``
        (built → + under construction → + proposed; see :mod:`~harbor_planner.analysis.scopes`).

    Raises
    ------
    NetworkError
        No station lies within ``max_dist_m`` of the network.
    InputDataError
        Empty demand or bad arguments.

    """
    minutes = check_minutes(minutes)
    t0 = time.perf_counter()
    stations = _open_stations(network, stations, check_datum)
    districts = district_layer(districts, district_column)
    points, weight = _demand_points(demand)
    if pairs_are_local():  # partitioned runs search on the workers
        check_memory(
            coverage_bytes(network, len(stations), len(points), minutes),
            f"coverage of {len(points):,} demand points by {len(stations):,} stations",
            "the demand (demand.spacing_m, --spacing, grid cell) or coverage.minutes",
        )
    st_anchor = station_anchors(network, stations, max_dist_m, station_id_column)
    dem_anchor = anchors_for(network, points, max_dist_m=max_dist_m)
    warn_wide_snapping(max_dist_m, st_anchor, dem_anchor, weight, stations, station_id_column)
    near = nearest_station(network, st_anchor)
    t_s, who = arrival_times(
        network, near.time_s, dem_anchor, sources=st_anchor, node_source=near.station
    )
    twin = _twin_leaders(st_anchor, station_scopes(stations))
    who = np.where(who >= 0, twin[np.maximum(who, 0)], -1)
    limit_s = minutes * 60.0
    # every station's own coverage, for redundancy: how many stations reach each point
    pairs = station_pairs(network, st_anchor, dem_anchor, minutes)
    radius_m = network.walk_model.speed_ms * limit_s
    reached = _Reached(
        weight=weight,
        time_s=t_s,
        nearest=who,
        covered=t_s <= limit_seconds(minutes),
        euclidean=_euclidean_covered(network, stations, points, st_anchor.within, radius_m),
        n_cover=np.bincount(pairs[0], minlength=len(points)),
        beyond=~dem_anchor.within,
    )
    out = _demand_table(points, reached, _station_ids(stations, station_id_column), dem_anchor)
    out["district"] = assign_districts(points, districts, district_column).to_numpy()
    st_out = _station_table(stations, st_anchor, districts, district_column)
    served = pd.Series(weight[reached.covered]).groupby(who[reached.covered]).sum()
    st_out["demand_nearest"] = served.reindex(np.arange(len(stations)), fill_value=0.0).to_numpy()
    redundancy = station_redundancy(
        weight, reached.covered, pairs, reached.n_cover, st_anchor.within
    )
    for column in redundancy.columns:
        st_out[column] = redundancy[column].to_numpy()
    if (station_scopes(stations) != BUILT_SCOPE).any():  # some not built: their loss apart
        st_out["exit_loss_built_pct"] = _built_exit_loss(stations, pairs, reached,
                                                         st_anchor.within)  # fmt: skip
    by_status = _status_scopes(stations, pairs, reached, out)
    summary = {
        "stations": len(stations),
        "stations_on_network": int(st_anchor.within.sum()),
        **_status_counts(stations),
        "minutes": float(minutes),
        **network.walk_figures(),
        **_demand_summary(demand, points, dem_anchor),
        **_summary_figures(reached, radius_m, max_dist_m),
        "coverage_by_minutes": _band_figures(reached, minutes),
        # closing any one of them alone loses no covered demand (probe 27Q: not said)
        "stations_redundant": int(((redundancy["unique_demand"] <= 0) & st_anchor.within).sum()),
        **by_status,
    }
    log.info(
        "coverage: %.2f %% of %s %s demand within %g min of %d stations "
        "(straight-line circles would claim %.2f %%) in %.2f s",
        summary["coverage_pct"] or 0.0,
        f"{summary['demand_total']:,.0f}",
        summary["demand_kind"],
        minutes,
        summary["stations_on_network"],
        summary["euclidean_coverage_pct"] or 0.0,
        time.perf_counter() - t0,
    )
    table = _by_district(out, st_out, reached, by_status["coverage_by_status"])
    return CoverageResult(
        summary=summary,
        by_district=_district_status(table, out, network, districts, district_column),
        demand=out,
        stations=st_out,
        demand_shapes=getattr(demand, "shapes", None),
        pairs=pairs,
    )


@dataclass(frozen=True)
class _Reached:
    """Per demand point: weight, time to and position of the nearest station, coverage."""

    weight: FloatArray
    time_s: FloatArray
    nearest: IntArray
    covered: npt.NDArray[np.bool_]
    euclidean: npt.NDArray[np.bool_]
    n_cover: IntArray
    beyond: npt.NDArray[np.bool_]

    def figures(self, idx: Any = slice(None)) -> dict[str, Any]:
        """The coverage figures of the points ``idx`` (all by default)."""
        return _figures(
            self.weight[idx],
            self.covered[idx],
            self.euclidean[idx],
            self.time_s[idx] / 60.0,
            self.n_cover[idx],
            self.beyond[idx],
        )


def _station_ids(stations: Any, station_id_column: str) -> npt.NDArray[Any]:
    """The stations' keys: ids as text, else their file rows (see :func:`station_keys`)."""
    return station_keys(stations, station_id_column)


def _open_stations(network: WalkNetwork, stations: Any, check_datum: bool) -> Any:
    """The open stations of ``stations``, checked (and their datum, with ``check_datum``)."""
    if not isinstance(network, WalkNetwork):
        raise InputDataError(
            f"network must be a WalkNetwork (build_network, load_network), got "
            f"{type(network).__name__}"
        )
    stations = open_stations(station_frame(stations))
    if not hasattr(stations, "geometry"):
        raise InputDataError(
            "stations must be a GeoDataFrame of points (read_stations, or its .stations), got "
            f"{type(stations).__name__}"
        )
    if len(stations) == 0:
        raise InputDataError("there are no (open) stations to measure coverage from")
    if check_datum:
        from harbor_planner.stations.datum import check_frame_datum

        check_frame_datum(
            stations, network, accept=True, flag="read_stations(crs=...) as",
            accept_option="check_datum=False",
        )  # fmt: skip
    return stations


def _twin_leaders(anchors: Anchors, scopes: IntArray) -> IntArray:
    """Each station's leader among the stations at its very place (itself when alone).

    Of twins (a list naming a stop twice, a proposed copy of a built station) the one of the
    first status scope (built first), then the first listed, is their nearest station: the
    searches tie and would credit either (probe 25R4: a built station's proposed twin listed
    first took all its demand, the built one ranked last).
    """
    leader = np.arange(len(scopes))
    ok = np.flatnonzero(anchors.within & np.isfinite(anchors.access_s))
    if len(ok) < 2:
        return leader
    place = np.column_stack([anchors.edge[ok], anchors.frac[ok], anchors.access_s[ok]])
    group = np.unique(place, axis=0, return_inverse=True)[1].ravel()
    order = np.lexsort((ok, scopes[ok], group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    leader[ok] = ok[order][first][group]
    return leader


def _built_exit_loss(
    stations: Any, pairs: tuple[IntArray, IntArray], reached: _Reached, on_network: Any
) -> npt.NDArray[np.float64]:
    """Each built station's exit loss among the built stations alone (NaN for the others).

    ``exit_loss_pct`` counts every station used, those under construction and proposed too:
    a built station they would back up loses nothing by it, though closing it today would
    (probe 21G: YZ028 1.01 % with the proposed stations, 7.76 % of what is built). This is
    the share of the built stations' covered demand lost if it closed now.
    """
    built = station_scopes(stations) == BUILT_SCOPE
    keep = built[pairs[1]]
    d_i, s_j = pairs[0][keep], pairs[1][keep]
    n_cover = np.bincount(d_i, minlength=len(reached.weight))
    loss = station_redundancy(reached.weight, n_cover > 0, (d_i, s_j), n_cover, on_network)
    return np.where(built, loss["exit_loss_pct"].to_numpy(), np.nan)


def _status_scopes(
    stations: Any, pairs: tuple[IntArray, IntArray], reached: _Reached, demand_out: Any
) -> dict[str, Any]:
    """Coverage by built stations, then with those under construction and proposed.

    Adds ``covered_built`` (covered by the built stations alone) to ``demand_out``; the
    figures come from the station pairs already computed (no new search).
    """
    first = demand_scope(pairs, station_scopes(stations), reached.covered)
    demand_out["covered_built"] = (first >= 0) & (first <= BUILT_SCOPE)
    return scope_figures(stations, reached.weight, first)


def _demand_table(points: Any, reached: _Reached, ids: npt.NDArray[Any], anchors: Anchors) -> Any:
    """The demand points in WGS-84 with their times, nearest station and coverage."""
    who = reached.nearest
    out = points_to_wgs84(points) if points.crs is not None else points.copy()
    out["time_min"] = reached.time_s / 60.0
    out["nearest_station"] = np.where(who >= 0, ids[np.maximum(who, 0)], None)
    out["covered"] = reached.covered
    out["euclidean_covered"] = reached.euclidean
    out["snap_dist_m"] = anchors.dist_m
    out["n_stations"] = reached.n_cover
    return out


def _demand_summary(demand: Any, points: Any, anchors: Anchors) -> dict[str, Any]:
    """The summary's description of the demand.

    A plain GeoDataFrame given as the demand is points of its ``weight`` column: its columns
    and methods (``kind``, ``info``) are not the demand's description (probe 23N:
    ``DataFrame.info``'s text landed in the summary).
    """
    from harbor_planner.demand import Demand

    own = demand if isinstance(demand, Demand) else None
    return {
        "demand_kind": getattr(own, "kind", "points"),
        "demand_spec": getattr(own, "spec", None),
        "demand_unit": getattr(own, "weight_unit", "weight"),
        "demand_points": len(points),
        "demand_info": jsonable(getattr(own, "info", {})),
        "demand_off_network": int((~anchors.within).sum()),
    }


def _summary_figures(reached: _Reached, radius_m: float, max_dist_m: float) -> dict[str, Any]:
    """The summary's coverage figures, with the straight-line circles' overstatement."""
    figures = reached.figures()
    total, beyond = figures["demand_total"], figures["demand_beyond_network"]
    beyond_pct = round(100.0 * beyond / total, 2) if total > 0 else None
    if (beyond_pct or 0.0) >= 0.05:  # a building of 60 people is no network to rebuild
        log.warning(
            "%.1f %% of the demand (%s) lies farther than %g m from every walkable street of "
            "the network and counts as not covered; if the network lacks the streets there, "
            "build it from files that hold them (the district tables mark a district mostly "
            "beyond it as %s)",
            beyond_pct or 0.0, f"{beyond:,.0f}", max_dist_m, "no_network",
        )  # fmt: skip
    return {
        **figures,
        "beyond_network_pct": beyond_pct,
        "euclidean_radius_m": round(radius_m, 1),
        "overstatement_pct_points": (
            round(figures["euclidean_coverage_pct"] - figures["coverage_pct"], 2)
            if figures["coverage_pct"] is not None
            else None
        ),
    }


def _band_figures(reached: _Reached, minutes: float) -> list[dict[str, Any]]:
    """The demand within each map band of the nearest station (5, 10 and 15 min of 15).

    The last band is the study's limit: its figure is the coverage's (probe 27Q: the 5- and
    10-minute shares were polygons only).
    """
    total = float(reached.weight.sum())
    rows = []
    for band in map_bands_for(minutes):
        within = float(reached.weight[reached.time_s <= limit_seconds(band)].sum())
        pct = round(100.0 * within / total, 2) if total > 0 else None
        rows.append({"minutes": float(band), "demand_covered": round(within, 3),
                     "coverage_pct": pct})  # fmt: skip
    return rows


def _demand_points(demand: Any) -> tuple[Any, FloatArray]:
    """The demand points and their weights, checked: not empty, finite weights >= 0."""
    if isinstance(demand, str):
        raise InputDataError(
            f"demand {demand!r} is a demand spec, not the points: make them with "
            f"demand_from_spec({demand!r}, network=net)"
        )
    kind = getattr(demand, "kind", "points")
    points = getattr(demand, "points", demand)
    if not hasattr(points, "geometry"):
        raise InputDataError(
            f"demand must be points with a 'weight' column (a GeoDataFrame, or what "
            f"demand_from_spec returns), got {type(demand).__name__}"
        )
    if len(points) == 0:
        raise InputDataError(f"the {kind} demand is empty: nothing to cover")
    if "weight" not in points:
        raise InputDataError("demand points need a 'weight' column")
    try:
        weight = points["weight"].to_numpy(np.float64)
    except (TypeError, ValueError):
        raise InputDataError("demand weights must be numbers (the 'weight' column)") from None
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise InputDataError("demand weights must be finite numbers >= 0")
    with np.errstate(over="ignore"):
        total = float(weight.sum())
    if not np.isfinite(total):  # each finite, their sum not: no figure could be computed
        raise InputDataError(
            f"demand weights sum beyond any number ({weight.max():.3g} at most); give them in "
            "people, metres or floor area"
        )
    if total > DEMAND_TOTAL_MAX:  # no figure of it could be printed to its last digit
        raise InputDataError(
            f"demand weights sum to {total:.3g}, more than {DEMAND_TOTAL_MAX:.0e} (no count "
            "of people, metres or floor area is that large, and a float keeps no units digit "
            "of it); give them in people, metres or floor area, or scale them down"
        )
    return points, weight


def _euclidean_covered(
    network: WalkNetwork, stations: Any, points: Any, on_network: npt.NDArray[np.bool_],
    radius_m: float,
) -> npt.NDArray[np.bool_]:  # fmt: skip
    """Demand within ``radius_m`` in a straight line of a station on the network."""
    st_xy, _ = points_xy(stations, crs=network.crs, what="stations")
    dem_xy, _ = points_xy(points, crs=network.crs, what="demand")
    # only the distances up to the radius matter: the search stops there (a margin keeps the
    # points at the radius found, with the same distance as an unbounded search gives)
    bound = radius_m * (1.0 + 1e-9) + 1e-6
    tree = cKDTree(st_xy[on_network])
    eu_dist, _ = tree.query(dem_xy, distance_upper_bound=bound, workers=-1)  # every core
    return eu_dist <= radius_m


def _station_table(
    stations: Any, anchors: Anchors, districts: Any | None, district_column: str | None
) -> Any:
    """The stations in WGS-84 with ``on_network``, ``snap_dist_m`` and ``district``."""
    import geopandas as gpd

    st_out = gpd.GeoDataFrame(stations.copy()).to_crs("EPSG:4326")
    st_out["on_network"] = anchors.within
    st_out["snap_dist_m"] = anchors.dist_m
    st_out["district"] = assign_districts(stations, districts, district_column).to_numpy()
    return st_out


def _district_status(table: Any, demand: Any, net: Any, layer: Any, column: Any) -> Any:
    """The table with ``status`` and ``demand_share_pct`` (no study area: default minimums)."""
    from harbor_planner.study_area import district_network_pct, district_status

    if not len(table):
        return table
    share = district_network_pct(net, table["district"], districts=layer, district_column=column)
    points = demand.groupby("district").size()
    return district_status(table, None, points=points, network_pct=share)


def _by_district(
    demand: Any, stations: Any, reached: _Reached, scopes: list[dict[str, Any]]
) -> pd.DataFrame:
    """The coverage figures of each district (of the demand points).

    With stations of several statuses used (``scopes``: the summary's
    ``coverage_by_status``), ``coverage_built_pct`` follows ``coverage_pct``: the built
    stations' share, the headline's scope (probe 18R: a district's 58.9 % beside a 41.1 %
    headline, not said to count the stations under construction and proposed).
    """
    rows = []
    for name, idx in demand.groupby("district", sort=True).indices.items():
        n_st = int(((stations["district"] == name) & stations["on_network"]).sum())
        rows.append({"district": name, "stations": n_st, **reached.figures(idx)})
    table = pd.DataFrame(rows)
    if len(scopes) > 1 and len(table):
        built = pd.Series(reached.weight * demand["covered_built"].to_numpy(bool))
        share = built.groupby(demand["district"].to_numpy()).sum().reindex(table["district"])
        pct = [round(100.0 * b / t, 2) if t > 0 else None
               for b, t in zip(share, table["demand_total"], strict=True)]  # fmt: skip
        table.insert(table.columns.get_loc("coverage_pct") + 1, "coverage_built_pct", pct)
    return table

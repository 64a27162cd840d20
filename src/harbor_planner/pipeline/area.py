"""The study-area steps of a study: read it, confine demand and candidates, mark districts.

See :mod:`harbor_planner.study_area`. The network is never clipped: stations outside the
area still serve demand inside, so the network should reach past the area by the distance
walked in the time limit (:func:`check_network_reach` warns when it does not).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from harbor_planner.errors import InputDataError

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork
    from harbor_planner.scenario import Scenario
    from harbor_planner.study_area import StudyArea

log = logging.getLogger(__name__)

__all__ = [
    "check_network_reach",
    "confine_candidates",
    "confine_demand",
    "districts_without_demand",
    "load_study_area",
    "mark_districts",
    "stations_in_reach",
    "warn_partial_districts",
    "warn_sites_in_partial",
]


def load_study_area(scenario: Scenario) -> StudyArea | None:
    """The study area of ``[study]`` (``None`` when the scenario names none).

    Parameters
    ----------
    scenario
        Its ``[study]`` section is used.

    Returns
    -------
    StudyArea or None

    """
    from harbor_planner.study_area import study_area

    cfg = scenario.study
    return study_area(districts=cfg.districts, area=cfg.area)


def _confines(scenario: Scenario, area: StudyArea | None) -> bool:
    return area is not None and scenario.study.confine


def confine_demand(scenario: Scenario, demand: Any, area: StudyArea | None) -> Any:
    """The demand inside ``demand.within`` and the study area (their intersection, once).

    Parameters
    ----------
    scenario
        Its ``demand.within`` and ``study.confine`` are used.
    demand
        The demand of the whole network.
    area
        The study area, or ``None``.

    Returns
    -------
    Demand

    Raises
    ------
    InputDataError
        No demand point inside, or ``demand.within`` does not overlap the study area.

    """
    import geopandas as gpd
    import shapely

    from harbor_planner.demand import demand_within

    within = scenario.demand.within
    if not _confines(scenario, area):
        return demand if within is None else demand_within(demand, within)
    assert area is not None
    region, name = area.geometry, area.label
    if within is not None:
        from harbor_planner.study_area import read_area_polygon

        region = shapely.intersection(region, read_area_polygon(within, "demand.within"))
        name = f"{within.name} ∩ {area.label}"
        if shapely.is_empty(region):
            raise InputDataError(
                f"demand.within does not overlap the study area {area.label}; drop one of them",
                path=within,
            )
    frame = gpd.GeoDataFrame(geometry=[region], crs="EPSG:4326")
    return demand_within(demand, frame, name=name)


def confine_candidates(candidates: Any, area: StudyArea | None, *, what: str) -> Any:
    """The candidate sites inside the study area (all of them without one).

    Parameters
    ----------
    candidates
        Candidate points (a GeoDataFrame with a CRS).
    area
        The study area, or ``None``.
    what
        How to name the candidates in messages (``optimize.candidates``).

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputDataError
        No candidate lies inside.

    """
    if area is None or not len(candidates):
        return candidates
    keep = area.covers(candidates)
    if not keep.any():
        raise InputDataError(
            f"none of the {len(candidates)} candidate sites of {what} lies inside the study "
            f"area {area.label}; are they in the same place (and datum)?"
        )
    kept = candidates[keep].reset_index(drop=True)
    kinds = ""
    if "kind" in kept:  # by kind, as the candidates' own line (probe 19X: "99 metro" was before)
        counts = kept["kind"].astype(object).fillna("(none)").value_counts().sort_index()
        kinds = " (" + ", ".join(f"{k} {n}" for k, n in counts.items()) + ")"
    log.info(
        "candidates: kept %d of %d inside the study area %s%s",
        len(kept), len(keep), area.label, kinds,
    )  # fmt: skip
    return kept


def mark_districts(
    result: Any,
    scenario: Scenario,
    area: StudyArea | None,
    net: WalkNetwork | None = None,
    districts: Any = None,
) -> Any:
    """A coverage result whose district table says which rows are figures to publish.

    Adds ``status`` (``study``, ``outside``, ``no_network``, ``too_small``, ``partial``;
    ``no_demand`` rows for the study's districts without demand) and ``demand_share_pct`` to
    ``by_district`` (:func:`harbor_planner.study_area.district_status`, minimums from
    ``[study]``) and ``study_area``, ``districts_marked`` and ``districts_partial`` (the
    share of each ``partial`` district's area the network reaches, %) to the summary.

    Parameters
    ----------
    result
        A :class:`~harbor_planner.analysis.coverage.CoverageResult`.
    scenario
        Its ``[study]`` and ``coverage.district_column`` are used.
    area
        The study area, or ``None``.
    net
        The walk network: a district whose area (in the study area) it reaches less than
        ``study.min_district_network_pct`` % of is ``partial``; ``None``: none is.
    districts
        The district layer (``None``: Chongqing's 区县).

    Returns
    -------
    CoverageResult
        A new result.

    """
    from harbor_planner.study_area import district_network_pct, district_status

    cfg = scenario.study
    points = result.demand.groupby("district").size() if "district" in result.demand else None
    reach = None
    if net is not None and "district" in result.by_district and len(result.by_district):
        reach = district_network_pct(
            net, result.by_district["district"], districts=districts,
            district_column=scenario.coverage.district_column, study=area,
        )  # fmt: skip
    table = district_status(
        result.by_district,
        area,
        min_share_pct=cfg.min_district_share_pct,
        min_points=cfg.min_district_points,
        points=points,
        network_pct=reach,
        min_network_pct=cfg.min_district_network_pct,
    )
    if scenario.coverage.districts is None:  # Chongqing's 区县, as the study area names them
        table = _with_districts_without_demand(table, area, result.stations)
    summary = dict(result.summary)
    if area is not None:
        summary["study_area"] = area.summary()
    marked = table[table["status"] != "study"] if "status" in table else table.iloc[:0]
    summary["districts_marked"] = {
        str(d): str(s) for d, s in zip(marked["district"], marked["status"], strict=True)
    }
    partial = marked.loc[marked["status"] == "partial", "district"].astype(str)
    summary["districts_partial"] = {d: float(reach[d]) for d in partial} if len(partial) else {}
    return dataclasses.replace(result, by_district=table, summary=summary)


def warn_partial_districts(result: Any, area: StudyArea | None) -> None:
    """One warning naming the ``partial`` districts and the share of their area the network reaches.

    Probe 27A: without a study area, every district the Yuzhong extract grazed had a district
    figure (九龙坡区 42 % from a network reaching 3 % of it), coloured whole on the map.

    Parameters
    ----------
    result
        A coverage result of :func:`mark_districts`.
    area
        The study area, or ``None``.

    """
    partial = (result.summary or {}).get("districts_partial") or {}
    if not partial:
        return
    named = ", ".join(f"{d} {_pct(p)}" for d, p in partial.items())
    fix = (
        "extend the network over these districts, or give the area it covers as the study "
        "area (a polygon layer)"
        if area is not None
        else "pass --study-area (study.districts) naming the districts the network covers"
    )
    log.warning(
        "the walk network reaches only part of these districts (share of their area): %s; "
        "their coverage is that of the few streets it holds there, not a district figure: "
        "marked partial (路网仅覆盖部分; grey on the map, not compared); %s",
        named,
        fix,
    )


def warn_sites_in_partial(after: Any, n_sites: int, area: StudyArea | None) -> None:
    """A warning when new sites lie in ``partial`` districts (the network holds few streets there).

    Probe 27A: the optimize example without a study area put 17 of its 20 new sites in the
    districts the Yuzhong extract grazes.

    Parameters
    ----------
    after
        The coverage by the stations and the new sites (:func:`mark_districts` applied); its
        last ``n_sites`` stations are the new sites.
    n_sites
        How many new sites.
    area
        The study area, or ``None``.

    """
    partial = set((after.summary or {}).get("districts_partial") or {})
    if not partial or not n_sites or "district" not in after.stations:
        return
    where = after.stations["district"].iloc[-n_sites:].astype(str)
    counts = where[where.isin(partial)].value_counts().sort_index()
    if not len(counts):
        return
    fix = (
        "extend the network over them"
        if area is not None
        else "pass --study-area (study.districts) to place them in the districts it covers"
    )
    log.warning(
        "%d of the %d new sites lie in districts the walk network reaches only in part (%s): "
        "they serve the few streets it holds there; %s",
        int(counts.sum()),
        n_sites,
        ", ".join(f"{d} {n}" for d, n in counts.items()),
        fix,
    )


def _pct(value: float) -> str:
    """A share as the warnings write it (``2.7 %``; ``< 0.1 %`` for a trace)."""
    return "< 0.1 %" if 0 < value < 0.05 else f"{value:.1f} %"


def districts_without_demand(area: StudyArea | None, districts: Any) -> list[str]:
    """The study area's named districts that hold none of ``districts`` (the demand's).

    Parameters
    ----------
    area
        The study area, or ``None`` (then none).
    districts
        The districts of the demand (names).

    Returns
    -------
    list of str
        In the study area's order.

    """
    if area is None or not len(area.districts):
        return []
    held = {str(d) for d in districts}
    return [d for d in area.districts if d not in held]


def _with_districts_without_demand(table: Any, area: StudyArea | None, stations: Any) -> Any:
    """The district table with a ``no_demand`` row for each study district holding no demand.

    A district named in the study area without any demand point (no building file of it,
    no street of the network in it) was in no table and no one said so (probe 20B); its
    row says so, with its stations and no figure.
    """
    if "district" not in table:
        return table
    missing = districts_without_demand(area, table["district"])
    if not missing:
        return table
    log.warning(
        "study districts without any demand point: %s (no demand file covers them, or the "
        "walk network has no street there); listed as %s",
        "、".join(missing), "no_demand",
    )  # fmt: skip
    on = stations["on_network"] if stations is not None and "on_network" in stations else None
    rows = pd.DataFrame({"district": missing, "status": "no_demand", "demand_share_pct": 0.0,
                         "demand_total": 0.0})  # fmt: skip
    if "stations" in table:
        counts = (
            stations.loc[on.astype(bool), "district"].astype(str).value_counts()
            if on is not None and "district" in stations
            else pd.Series(dtype=int)
        )
        rows["stations"] = [int(counts.get(d, 0)) for d in missing]
    return pd.concat([table, rows.reindex(columns=table.columns)], ignore_index=True)


def check_network_reach(net: WalkNetwork, area: StudyArea | None, minutes: float) -> None:
    """Warn when the network ends short of the study area plus the distance walked in ``minutes``.

    Parameters
    ----------
    net
        The walk network.
    area
        The study area, or ``None``.
    minutes
        The walking-time limit.

    """
    if area is None:
        return
    import geopandas as gpd

    reach_m = net.walk_model.speed_ms * minutes * 60.0
    a = np.asarray(gpd.GeoSeries([area.geometry], crs="EPSG:4326").to_crs(net.crs).total_bounds)
    xy = net.node_xy
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    short = max(lo[0] - (a[0] - reach_m), lo[1] - (a[1] - reach_m))
    short = max(short, (a[2] + reach_m) - hi[0], (a[3] + reach_m) - hi[1])
    if short > 0.25 * reach_m:
        log.warning(
            "the walk network ends up to %.0f m short of the study area %s plus %.0f m (%g min "
            "of walking): stations beyond its edge cannot serve demand inside; extract a "
            "larger network",
            short,
            area.label,
            reach_m,
            minutes,
        )


def stations_in_reach(
    stations: Any, area: StudyArea | None, net: WalkNetwork, minutes: float
) -> Any:
    """The stations within walking reach (straight line) of the study area.

    Parameters
    ----------
    stations
        The stations (GeoDataFrame with a CRS).
    area
        The study area, or ``None`` (all stations).
    net
        The walk network (its walking speed).
    minutes
        The walking-time limit.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputDataError
        No station is within reach of the area.

    """
    if area is None:
        return stations
    reach_m = net.walk_model.speed_ms * minutes * 60.0
    keep = area.reaches(stations, reach_m)
    if not keep.any():
        raise InputDataError(
            f"no station lies within {reach_m:.0f} m ({minutes:g} min of walking) of the study "
            f"area {area.label}"
        )
    log.info(
        "stations: %d of %d within %.0f m of the study area %s",
        keep.sum(),
        len(keep),
        reach_m,
        area.label,
    )
    return stations[keep]

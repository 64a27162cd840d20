"""How far a coverage headline rests on its assumptions: the DEM's reach and a range of cases.

* :func:`dem_cover` states the share of the network's length and of the demand that a
  ``hilly`` run times as flat ground because the DEM does not cover it, and warns below
  :data:`~harbor_planner.settings.DEM_MIN_DEMAND_SHARE`.
* :func:`coverage_range` measures the coverage again under the documented alternatives
  (walking speeds :data:`~harbor_planner.settings.SENSITIVITY_SPEEDS_KMH` and the configured
  speed, under the configured model and under ``flat``), reusing the compiled network: each
  case re-times its edges (:meth:`~harbor_planner.network.WalkNetwork.with_walk_model`, a
  vectorised pass) and never rebuilds it.
* :func:`with_sensitivity` adds both to a coverage result's summary
  (``coverage_range_pct``, ``dem_flat_length_pct``, ``dem_flat_demand_pct``...), so that
  ``summary.json``, the report and the map read them from one place; :func:`pct_with_range`
  is the headline figure with its range, e.g. ``"57.1 % (range 44-61 %)"``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from harbor_planner._text import pct1
from harbor_planner.outputs.ranges import pct_with_range
from harbor_planner.settings import (
    DEM_MIN_DEMAND_SHARE,
    GRADE_SOURCES,
    SENSITIVITY_ALT_MODEL,
    SENSITIVITY_SPEEDS_KMH,
)

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork
    from harbor_planner.scenario import Scenario

__all__ = ["coverage_range", "dem_cover", "pct_with_range", "with_sensitivity"]

log = logging.getLogger(__name__)


#: Loggers whose warnings a range case would repeat (the run's own coverage gave them).
_REPEATING = ("analysis.coverage", "network.anchors", "network.snap")


def dem_cover(net: WalkNetwork, demand: Any, *, max_dist_m: float) -> dict[str, Any]:
    """The share of the network and of the demand timed flat because the DEM misses them.

    Parameters
    ----------
    net
        The walk network (with ``grade_source`` per edge).
    demand
        The demand (a :class:`~harbor_planner.demand.Demand` or points with ``weight``).
    max_dist_m
        Demand farther than this from every street is left out of the share.

    Returns
    -------
    dict
        ``{}`` for a network without a DEM; else ``dem_flat_length_pct``,
        ``dem_flat_demand_pct`` (percent of the demand weight anchored on such edges),
        ``dem_demand_cover_pct`` and ``dem_cover_warning`` (text, or ``None``).

    """
    from harbor_planner.network import anchors_for

    if not net.has_elevation:
        return {}
    outside = net.edges["grade_source"].to_numpy() == GRADE_SOURCES.index("flat-outside-dem")
    length = net.edges["length_m"].to_numpy(np.float64)
    points = getattr(demand, "points", demand)
    weight = points["weight"].to_numpy(np.float64)
    anchors = anchors_for(net, points, max_dist_m=max_dist_m)
    on = anchors.within
    total = float(weight[on].sum())
    flat_w = float(weight[on & outside[anchors.edge]].sum())
    flat_pct = 100.0 * flat_w / total if total > 0 else 0.0
    out: dict[str, Any] = {
        "dem_flat_length_pct": round(100.0 * float(length[outside].sum()) / length.sum(), 2),
        "dem_flat_demand_pct": round(flat_pct, 2),
        "dem_demand_cover_pct": round(100.0 - flat_pct, 2),
        "dem_cover_warning": None,
    }
    if 100.0 - flat_pct < 100.0 * DEM_MIN_DEMAND_SHARE and net.walk_model.kind == "hilly":
        text = (
            f"the DEM covers only {pct1(100.0 - flat_pct)} % of the demand (under "
            f"{100 * DEM_MIN_DEMAND_SHARE:.0f} %): {pct1(flat_pct)} % of the demand and "
            f"{pct1(out['dem_flat_length_pct'])} % of the network's length are timed as flat "
            "ground inside a hilly run; use a DEM that covers the study area"
        )
        log.warning("%s", text)
        out["dem_cover_warning"] = text
    return out


def range_cases(net: WalkNetwork) -> list[tuple[str, float]]:
    """The ``(walk_model, walk_speed_kmh)`` cases of the range, the configured one included."""
    wm = net.walk_model
    models = [wm.kind] + ([SENSITIVITY_ALT_MODEL] if wm.kind != SENSITIVITY_ALT_MODEL else [])
    speeds = sorted({*SENSITIVITY_SPEEDS_KMH, wm.speed_kmh})
    return [(m, float(v)) for m in models for v in speeds]


def coverage_range(
    scenario: Scenario,
    net: WalkNetwork,
    stations: Any,
    demand: Any,
    districts: Any,
    *,
    configured_pct: float | None = None,
) -> dict[str, Any]:
    """Coverage under each case of :func:`range_cases`, on the same compiled network.

    Parameters
    ----------
    scenario
        Its ``[coverage]`` minutes and ``stations.max_dist_m`` are used.
    net, stations, demand, districts
        As for :func:`~harbor_planner.pipeline.measure_coverage`.
    configured_pct
        The coverage already measured under the network's own model and speed (that case is
        then not measured again).

    Returns
    -------
    dict
        ``{"low": .., "high": .., "cases": [{"walk_model", "walk_speed_kmh",
        "coverage_pct"}, ...]}`` (percent).

    """
    from harbor_planner.analysis.coverage import coverage

    cases = []
    # the cases measure the same stations and demand again: their warnings (stations off the
    # network, far points) were given once by the run's own coverage (probe 18P: four times)
    quiet = [logging.getLogger(f"harbor_planner.{name}") for name in _REPEATING]
    levels = [q.level for q in quiet]
    for q in quiet:
        q.setLevel(max(q.level, logging.ERROR))
    try:
        for kind, speed in range_cases(net):
            own = (kind, speed) == (net.walk_model.kind, float(net.walk_model.speed_kmh))
            if own and configured_pct is not None:
                cases.append(
                    {"walk_model": kind, "walk_speed_kmh": speed, "coverage_pct": configured_pct}
                )
                continue
            model = replace(net.walk_model, kind=kind, speed_kmh=speed)
            result = coverage(
                net.with_walk_model(model),
                stations,
                demand,
                minutes=scenario.coverage.minutes,
                max_dist_m=scenario.stations.max_dist_m,
                districts=districts,
                district_column=scenario.coverage.district_column,
                check_datum=False,  # checked once, as the study's stations were loaded
            )
            pct = result.summary["coverage_pct"]
            cases.append({"walk_model": kind, "walk_speed_kmh": speed, "coverage_pct": pct})
    finally:
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)
    values = [c["coverage_pct"] for c in cases if c["coverage_pct"] is not None]
    return {
        "low": min(values) if values else None,
        "high": max(values) if values else None,
        "cases": cases,
    }


def with_sensitivity(
    scenario: Scenario, result: Any, net: WalkNetwork, stations: Any, demand: Any, districts: Any
) -> Any:
    """``result`` (a ``CoverageResult``) with the DEM's reach and the range in its summary.

    Returns
    -------
    CoverageResult
        A copy whose ``summary`` adds ``coverage_range_pct`` (``None`` when
        ``coverage.range`` is false: not measured) and, for a network with a DEM,
        the keys of :func:`dem_cover` and ``network_grades``
        (:meth:`~harbor_planner.network.WalkNetwork.grade_report`: grades by source, edges
        above their class's cap by class).

    """
    extra = dem_cover(net, demand, max_dist_m=scenario.stations.max_dist_m)
    if net.has_elevation:
        extra["network_grades"] = net.grade_report()
    extra["coverage_range_pct"] = (
        coverage_range(
            scenario, net, stations, demand, districts,
            configured_pct=result.summary["coverage_pct"],
        )
        if scenario.coverage.range
        else None  # not measured (coverage.range = false): the figures state no range
    )  # fmt: skip
    return replace(result, summary={**result.summary, **extra})

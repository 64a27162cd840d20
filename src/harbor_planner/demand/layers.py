"""Several demand layers of one kind joined into one demand (a study of several districts).

City extracts often come cut by district (``buildings_yuzhong.geojson``,
``buildings_jiangbei.geojson`` ...): :func:`combine_demands` joins the demands built from each
file into one, with ids kept unique and, for buildings, each layer's own population.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from harbor_planner.demand.model import Demand, log_demand
from harbor_planner.errors import InputDataError

__all__ = ["combine_demands", "share_population", "share_population_by_district"]

log = logging.getLogger(__name__)


def _layer_names(demands: Sequence[Demand]) -> list[str]:
    """A short, unique name per demand: its file's stem, numbered when two stems agree."""
    stems = []
    for i, d in enumerate(demands):
        _, _, file = d.spec.partition(":")  # "points:x.csv:people" -> stem "x"
        stems.append(Path(file).stem or str(i))
    seen: dict[str, int] = {}
    out = []
    for stem in stems:
        seen[stem] = seen.get(stem, 0) + 1
        out.append(stem if stems.count(stem) == 1 else f"{stem}{seen[stem]}")
    return out


def combine_demands(demands: Sequence[Demand]) -> Demand:
    """Join demands of one kind and one weight unit (e.g. the buildings of three districts).

    Each point's ``demand_id`` is prefixed with its layer's file name (``buildings_nanan:f12``)
    and a ``layer`` column names the layer, so ids stay unique and every point can be traced
    back to its file. Weights are kept: a population given per layer (each district's census
    figure) stays with that layer's buildings.

    Parameters
    ----------
    demands
        One or more demands, of the same ``kind`` and ``weight_unit``.

    Returns
    -------
    Demand
        The one demand given, as it is; else the joined demand (index ``0..n-1``), spec the
        layers' specs joined with ``" + "``, ``info`` with ``layers`` (each layer's spec,
        points, total and own ``info``).

    Raises
    ------
    InputDataError
        No demand, or demands of different kinds or weight units (people and floor area
        cannot be added up).

    """
    if not demands:
        raise InputDataError("no demand layer given; name at least one file")
    if len(demands) == 1:
        return demands[0]
    kinds = sorted({(d.kind, d.weight_unit) for d in demands})
    if len(kinds) > 1:
        listed = "; ".join(f"{d.spec}: {d.kind} in {d.weight_unit}" for d in demands)
        raise InputDataError(
            f"demand layers of different kinds or units cannot be joined ({listed}); give "
            "every layer the same kind, and a population for all of them or for none"
        )
    names = _layer_names(demands)
    frames = []
    for name, d in zip(names, demands, strict=True):
        pts = d.points.copy()
        pts["demand_id"] = name + ":" + pts["demand_id"].astype(str)
        pts.insert(1, "layer", name)
        frames.append(pts)
    points = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    shapes = None
    if all(d.shapes is not None for d in demands):
        shapes = gpd.GeoSeries(
            pd.concat([d.shapes for d in demands], ignore_index=True),  # type: ignore[misc]
            crs="EPSG:4326",
        )
    info = {
        "layers": [
            {"layer": n, "spec": d.spec, "points": len(d), "total": d.total, "info": dict(d.info)}
            for n, d in zip(names, demands, strict=True)
        ]
    }
    first = demands[0]
    out = replace(
        first,
        spec=" + ".join(d.spec for d in demands),
        points=points,
        shapes=shapes,
        info=info,
    )
    log.info(
        "%s demand: %d layers joined, %s points, total %s %s",
        first.kind,
        len(demands),
        f"{len(out):,}",
        f"{out.total:,.1f}",
        first.weight_unit,
    )
    return out


def _check_floor_area(demand: Demand) -> None:
    """A population is allocated over buildings weighted by floor area, nothing else."""
    if demand.kind != "buildings" or demand.weight_unit != "m² floor area":
        raise InputDataError(
            f"a population applies to buildings weighted by floor area, not to {demand.spec} "
            f"({demand.kind} in {demand.weight_unit}); drop demand.population"
        )


def share_population(demand: Demand, population: float) -> Demand:
    """Allocate ``population`` over a building demand weighted by floor area.

    Used when several building files share one total (one population per file is allocated
    by :func:`~harbor_planner.demand.building_demand` itself).

    Parameters
    ----------
    demand
        A ``buildings`` demand in ``m² floor area``.
    population
        People to allocate in proportion to the weights.

    Returns
    -------
    Demand
        The same points with weights summing to ``population``, unit ``people``.

    Raises
    ------
    InputDataError
        Not a building demand in floor area, a population that is not above 0, or no floor
        area to allocate it by.

    """
    _check_floor_area(demand)
    total = demand.total
    if not (population > 0 and total > 0):
        raise InputDataError(
            f"cannot allocate a population of {population:g} over {demand.spec}: it must be "
            f"above 0 and the buildings need floor area (they have {total:g} m²)"
        )
    points = demand.points.copy()
    points["weight"] = points["weight"] * (population / total)
    info = dict(demand.info, population=population)
    out = replace(demand, points=points, weight_unit="people", info=info)
    return log_demand(out, f"{population:,.0f} people allocated by floor area over all layers")


def share_population_by_district(
    demand: Demand, population: Mapping[str, float], district: pd.Series
) -> Demand:
    """Allocate each district's population over its own buildings, by floor area.

    A building file rarely stops at its district's boundary, and one total per file spreads
    a district's people over its neighbour's buildings too. Here each building takes the
    district it stands in, and each district's people go to its buildings alone.

    Parameters
    ----------
    demand
        A ``buildings`` demand in ``m² floor area`` (one or several files joined).
    population
        People by district name, as ``district`` names them.
    district
        The district of each demand point (same order).

    Returns
    -------
    Demand
        The buildings of the listed districts, weights summing to each district's
        population, unit ``people``; the buildings of other districts are left out (logged).

    Raises
    ------
    InputDataError
        Not a building demand in floor area, a population that is not above 0, or no listed
        district with any floor area (one without is a warning).

    """
    _check_floor_area(demand)
    names = pd.Series(district).astype("string").fillna("").to_numpy(dtype=object)
    area = demand.points["weight"].to_numpy(float)
    by_name = pd.Series(area).groupby(names).sum()
    bad = [f"{k} ({v:g})" for k, v in population.items() if not (v > 0)]
    empty = [k for k in population if by_name.get(k, 0.0) <= 0]
    if bad or len(empty) == len(population):
        raise InputDataError(
            "demand.population by district: "
            + (f"populations must be above 0: {', '.join(bad)}" if bad else "")
            + ("" if bad else f"no building floor area in {', '.join(empty)}")
            + "; give the districts the building files cover (names as the district layer "
            "writes them)"
        )
    if empty:
        log.warning(
            "demand.population: no building of the demand files stands in %s; %s people "
            "are not in the demand",
            ", ".join(empty),
            f"{sum(population[k] for k in empty):,.0f}",
        )
    share = pd.Series({k: float(v) for k, v in population.items()}) / by_name.reindex(
        list(population)
    )
    _warn_of_thin_cover(share, pd.Series(names).value_counts(), population)
    factor = pd.Series(names).map(share).to_numpy(float)
    keep = pd.notna(factor) & (factor > 0)
    points = demand.points[keep].copy()
    points["weight"] = area[keep] * factor[keep]
    left = int((~keep).sum())
    info = dict(
        demand.info,
        population={k: float(v) for k, v in population.items()},
        population_by="district",
        buildings_outside_listed_districts=left,
        districts_without_buildings=empty,
    )
    shapes = None if demand.shapes is None else demand.shapes[keep].reset_index(drop=True)
    out = replace(
        demand,
        points=points.reset_index(drop=True),
        shapes=shapes,
        weight_unit="people",
        info=info,
    )
    placed = {k: v for k, v in population.items() if k not in empty}
    return log_demand(
        out,
        f"{sum(placed.values()):,.0f} people of {len(placed)} districts allocated by "
        f"floor area within each district; {left:,} buildings in other districts left out",
    )


#: A district whose people per m² of floor area is this many times the other districts'
#: median has its people on a few buildings: warned of (probe 23N: 九龙坡区's 1.5 million
#: people on 31 buildings of the neighbours' files reaching over its boundary).
THIN_COVER_FACTOR = 5.0


def _warn_of_thin_cover(
    share: pd.Series, buildings: pd.Series, population: Mapping[str, float]
) -> None:
    """Warn of districts whose people land on far less floor area than the others'."""
    share = share.dropna()
    share = share[share > 0]
    for name, per_m2 in share.items():
        others = share.drop(index=name)
        if not len(others) or per_m2 <= THIN_COVER_FACTOR * float(others.median()):
            continue
        log.warning(
            "demand.population: the %s people of %s fall on %s buildings (%s m² of floor "
            "area: %.2f people per m², %.0f times the other districts' %.2f): the building "
            "files hardly cover it (its own file missing?); give its buildings, or leave it "
            "out of demand.population",
            f"{float(population[name]):,.0f}", name, f"{int(buildings.get(name, 0)):,}",
            f"{float(population[name]) / per_m2:,.0f}", per_m2,
            per_m2 / float(others.median()), float(others.median()),
        )  # fmt: skip

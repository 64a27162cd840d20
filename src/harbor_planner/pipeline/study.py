"""A whole study: its results (:class:`Study`) and its steps in order (:func:`run_study`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner._text import counted, pct1
from harbor_planner.network.pairs import prepare_pairs
from harbor_planner.pipeline.analysis import (
    coverage_after,
    exit_candidates,
    map_isochrones,
    measure_coverage,
    plan,
    plan_figures,
    with_sites,
)
from harbor_planner.pipeline.area import (
    check_network_reach,
    load_study_area,
    warn_partial_districts,
    warn_sites_in_partial,
)
from harbor_planner.pipeline.inputs import (
    check_candidates_datum,
    check_stations_datum,
    load_demand,
    load_districts,
    load_network,
    load_stations,
    warn_title_minutes,
)
from harbor_planner.pipeline.sensitivity import with_sensitivity
from harbor_planner.resources import memory_limit
from harbor_planner.settings import CENTRES_CRS

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from harbor_planner.scenario import Scenario

__all__ = [
    "Step",
    "Study",
    "centres_figures",
    "check_datums",
    "grades_note",
    "range_note",
    "run_study",
    "study_summary",
]

#: A step of :func:`run_study`: ``step(name)`` is a context manager yielding a dict in which
#: the step puts its one-line summary under ``"text"``.
Step = Callable[[str], "AbstractContextManager[dict[str, str]]"]


@dataclass
class Study:
    """The results of the steps of a study (``None``: the step did not run).

    Attributes
    ----------
    network, stations, rejected, demand, districts
        The inputs: walk network, stations used (after the status filter), number of rejected
        station rows, demand points, district polygons (``None``: Chongqing's 区县).
    coverage
        Coverage by the stations (a ``CoverageResult``).
    plan
        The new sites (a :class:`~harbor_planner.optimize.SitePlan`) when optimising.
    coverage_after
        Coverage by the stations and the new sites together.
    exits
        The table of ``exit_candidates.csv``.
    isochrones, service_area
        The map's isochrone polygons and their union.
    isochrone_method
        How the map's isochrones were drawn (``exact`` or ``grid``; ``None``: none drawn).
    centres
        Coverage around each city centre (:func:`~harbor_planner.analysis.centres.
        centre_coverage`; ``None`` without ``[centres]``).
    study_area
        The study area of ``[study]`` (:class:`~harbor_planner.study_area.StudyArea`), or
        ``None``.
    partition
        How a partitioned run (``run.partition``) split its searches: parts, cluster, rounds,
        per-part timings (:meth:`~harbor_planner.pipeline.partition.PartitionedPairs.record`;
        ``None``: not partitioned).

    """

    network: Any = field(default=None, repr=False)
    stations: Any = field(default=None, repr=False)
    rejected: int = 0
    demand: Any = field(default=None, repr=False)
    districts: Any = field(default=None, repr=False)
    coverage: Any = field(default=None, repr=False)
    plan: Any = field(default=None, repr=False)
    coverage_after: Any = field(default=None, repr=False)
    exits: Any = field(default=None, repr=False)
    isochrones: Any = field(default=None, repr=False)
    service_area: Any = field(default=None, repr=False)
    isochrone_method: str | None = None
    centres: Any = field(default=None, repr=False)
    study_area: Any = field(default=None, repr=False)
    partition: dict[str, Any] | None = field(default=None, repr=False)


@contextlib.contextmanager
def _quiet_step(name: str) -> Iterator[dict[str, str]]:
    yield {}


def run_study(
    scenario: Scenario, *, progress: bool | None = None, step: Step | None = None
) -> Study:
    """Every step of a study, in order: inputs, coverage, new sites, exits, map isochrones.

    New sites only when the scenario optimises, exit candidates only with
    ``coverage.exit_candidates_pct``, map isochrones only when a map or GeoPackage is
    written and ``output.map_bands`` is not empty.

    Parameters
    ----------
    scenario
        The study's settings.
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.
    step
        Wraps each step (e.g. to time and log it); see :data:`Step`.

    Returns
    -------
    Study

    """
    from harbor_planner.pipeline.partition import partitioned

    with (
        memory_limit(scenario.coverage.memory_limit_gb, source="coverage.memory_limit_gb"),
        partitioned(scenario, progress=progress) as parts,
    ):
        study = _study_steps(scenario, progress, step or _quiet_step)
        if parts is not None:
            from harbor_planner.optimize.parallel import district_solve_record

            study.partition = {**parts.record(), "district_solves": district_solve_record()}
        return study


def _study_steps(scenario: Scenario, progress: bool | None, step: Step) -> Study:
    """The steps of :func:`run_study`, under the scenario's memory limit."""
    s = Study()
    warn_title_minutes(scenario)
    # the district layer first: a layer refused (swapped axes, unnamed districts) costs no
    # work (probe 27T: a swapped layer ran the whole study and crashed at the map)
    s.districts = load_districts(scenario)
    with step("stations") as note:
        s.stations, s.rejected = load_stations(scenario)
        names = ", ".join(path.name for path, _ in scenario.stations.sources)
        note["text"] = f"{counted(len(s.stations), 'station')} from {names}" + (
            f" ({counted(s.rejected, 'row')} rejected)" if s.rejected else ""
        )
    with step("network") as note:
        s.network = load_network(
            scenario.network,
            progress=progress,
            minutes=max([scenario.coverage.minutes, *scenario.output.map_bands]),
        )
        wm = s.network.walk_model
        note["text"] = (
            f"{s.network.n_nodes:,} nodes, {s.network.n_edges:,} edges, {wm.kind} model at "
            f"{wm.speed_kmh:g} km/h" + grades_note(s.network)
        )
    prepare_pairs(s.network)  # a partitioned run's workers read it during the next steps
    check_datums(scenario, s.stations, s.network)
    s.study_area = load_study_area(scenario)
    check_network_reach(s.network, s.study_area, scenario.coverage.minutes)
    with step("demand") as note:
        s.demand = load_demand(scenario, s.network, s.study_area)
        inside = (s.demand.info.get("within") or {}).get("area")
        note["text"] = f"{len(s.demand):,} {s.demand.kind} points, total {s.demand.total:,.0f}" + (
            f" inside {inside}" if inside else ""
        )
    with step("coverage") as note:
        s.coverage = measure_coverage(
            scenario, s.network, s.stations, s.demand, s.districts, area=s.study_area
        )
        # a figure resting on fewer stations than the file lists says so
        s.coverage = replace(
            s.coverage, summary={**s.coverage.summary, "stations_rejected": s.rejected}
        )
        note["text"] = _coverage_note(s.coverage.summary)
    warn_partial_districts(s.coverage, s.study_area)
    with step("range") as note:
        s.coverage = with_sensitivity(
            scenario, s.coverage, s.network, s.stations, s.demand, s.districts
        )
        note["text"] = range_note(s.coverage.summary)
    if scenario.optimizes:
        _plan_steps(scenario, s, step, progress)
    _centres_step(scenario, s, step)
    if scenario.coverage.exit_candidates_pct is not None:
        with step("exits") as note:
            s.exits = exit_candidates(scenario, s)
            note["text"] = f"{counted(len(s.exits), 'station')} could close"
    if set(scenario.output.formats) & {"map", "gpkg"} and scenario.output.map_bands:
        with step("isochrones") as note:
            s.isochrones, s.service_area = map_isochrones(
                scenario, s.network, _on_network(s), progress=progress
            )
            note["text"] = (
                "left out" if s.isochrones is None else f"{len(s.isochrones)} polygons for the map"
            )
            s.isochrone_method = _isochrone_method(s.isochrones)
    return s


def _centres_step(scenario: Scenario, s: Study, step: Step) -> None:
    """Coverage around the city centres of ``[centres]`` (none without a file)."""
    if scenario.centres.file is None:
        return
    from harbor_planner.pipeline.centres import measure_centres

    with step("centres") as note:
        s.centres = measure_centres(scenario, s)
        cfg = scenario.centres
        stated = cfg.crs or f"{CENTRES_CRS}, not stated"
        read_as = f"; a CSV's coordinates read as {stated} (centres.crs)"
        if s.centres is None:
            note["text"] = f"no city centre of {Path(cfg.file).name} in the study area{read_as}"
        else:
            note["text"] = f"{len(s.centres)} city centres within {cfg.radius_m:g} m{read_as}"


def _on_network(s: Study) -> Any:
    """The stations on the network: the map's isochrones are theirs, and counted by them.

    Probe 19X: 3,406 bus stops "more than output.map_max_stations 300", of which 806 lay on
    the network (the others have no isochrone anyway).
    """
    on = s.coverage.stations["on_network"].to_numpy(bool) if s.coverage is not None else None
    if on is None or len(on) != len(s.stations):
        return s.stations
    return s.stations[on]


def _isochrone_method(iso: Any) -> str | None:
    """The method the map's isochrones were drawn with (``None``: none drawn)."""
    return None if iso is None else iso.attrs.get("method")


def check_datums(scenario: Scenario, stations: Any, net: Any) -> None:
    """The datum guard on the stations and on the candidate files of a study.

    The stations of ``[stations]``, ``optimize.candidates`` and ``coverage.exit_candidates_sites``
    when they are files (see :mod:`harbor_planner.stations.datum`); ``stations.accept_datum``
    turns the errors into warnings.

    Parameters
    ----------
    scenario
        The study's settings.
    stations, net
        The stations (:func:`load_stations`) and the walk network.

    Raises
    ------
    CRSError
        Points that fit the streets much better in another datum, or rows that mix datums.

    """
    accept = scenario.stations.accept_datum
    check_stations_datum(scenario, stations, net)
    opt = scenario.optimize
    if opt is not None:
        check_candidates_datum(
            opt.candidates, opt.candidates_crs, net, accept=accept, flag="--candidates-crs"
        )
    cov = scenario.coverage
    if cov.exit_candidates_pct is not None:
        check_candidates_datum(
            cov.exit_candidates_sites,
            cov.exit_candidates_crs,
            net,
            accept=accept,
            flag="--candidates-crs",
        )


def _plan_steps(scenario: Scenario, s: Study, step: Step, progress: bool | None) -> None:
    with step("optimize") as note:
        s.plan = plan(
            scenario,
            s.network,
            s.stations,
            s.demand,
            s.districts,
            progress=progress,
            area=s.study_area,
        )
        sel = s.plan.selection
        note["text"] = (
            f"{counted(len(sel.selected), 'new site')} ({sel.solver}): "
            f"{pct1(sel.coverage_pct_before)} % -> "
            f"{pct1(sel.coverage_pct_after)} %, optimality gap {_gap_text(sel.gap)}"
        )
    with step("after") as note:
        s.coverage_after = coverage_after(scenario, s)
        warn_sites_in_partial(s.coverage_after, len(s.plan.sites), s.study_area)
        pct = s.coverage_after.summary["coverage_pct"]
        note["text"] = f"{pct1(pct)} % covered by stations and new sites"
    with step("range after") as note:
        stations = with_sites(s.stations, s.plan.sites)
        s.coverage_after = with_sensitivity(
            scenario, s.coverage_after, s.network, stations, s.demand, s.districts
        )
        note["text"] = range_note(s.coverage_after.summary)


def grades_note(net: Any) -> str:
    """The network step's words on grades: edges above their class's cap, length timed flat."""
    if not net.has_elevation:
        return ""
    rep = net.grade_report()
    return (
        f"; {rep['above_cap_edges']:,} edges ({rep['above_cap_km']:,.1f} km) steeper than their "
        f"class's grade cap on the DEM, clipped; {100 * rep['flat_outside_dem_share']:.1f} % "
        "of the length timed flat outside the DEM"
    )


def range_note(s: dict[str, Any]) -> str:
    """The log line of a range step: the figure with its range, and the DEM's reach."""
    from harbor_planner.pipeline.sensitivity import pct_with_range

    rng = s.get("coverage_range_pct")
    text = (
        f"{pct_with_range(s)} over {len(rng['cases'])} cases"
        if rng
        else f"{pct_with_range(s)} (coverage.range = false)"
    )
    if "dem_flat_demand_pct" in s:
        text += f"; {pct1(s['dem_flat_demand_pct'])} % of the demand timed flat outside the DEM"
    return text


def _coverage_note(s: dict[str, Any]) -> str:
    return (
        f"{pct1(s['coverage_pct'])} % of {s['demand_kind']} demand within "
        f"{s['minutes']:g} min (circles: {pct1(s['euclidean_coverage_pct'])} %)"
    )


def _gap_text(gap: float | None) -> str:
    import math

    if gap is None or not math.isfinite(gap):
        return "unknown"
    return f"{100 * gap:.2f} %"


def study_summary(scenario: Scenario, study: Study) -> dict[str, Any]:
    """The ``summary.json`` of a scenario run: scenario, coverage, optimize, coverage_after.

    Parameters
    ----------
    scenario, study
        The settings and the results.

    Returns
    -------
    dict

    """
    return {
        "scenario": scenario.title,
        "study_area": None if study.study_area is None else study.study_area.summary(),
        "coverage": study.coverage.summary,
        "optimize": None if study.plan is None else plan_figures(scenario, study),
        "coverage_after": None if study.coverage_after is None else study.coverage_after.summary,
        "isochrone_method": study.isochrone_method,
        **centres_figures(study),
    }


def centres_figures(study: Study) -> dict[str, Any]:
    """``{"centres": [...]}`` for ``summary.json`` when the study has city centres, else ``{}``.

    Parameters
    ----------
    study
        The results.

    Returns
    -------
    dict

    """
    if study.centres is None:
        return {}
    from harbor_planner.analysis.centres import centres_summary

    return {"centres": centres_summary(study.centres.drop(columns="geometry"))}

"""The steps of a study, shared by ``harbor-planner run`` and the single-purpose commands.

Every step takes the :class:`~harbor_planner.scenario.Scenario` (the commands ``coverage``,
``optimize``, ``isochrones`` and ``map`` turn their options into one) and the results of
earlier steps::

    load_stations ─┐
    load_network ──┼─ load_demand ─ measure_coverage ─┬─ plan ─ coverage_after
    load_districts ┘                                  ├─ exit_candidates
                                                      └─ map_isochrones ─ write_results

:func:`run_study` runs them in that order, each inside a step of the caller's (the scenario
runner times and logs them); :func:`write_results` writes the result folder.

The modules of the analysis and the outputs are imported here only (inside the functions), so
that the commands and the runner do not depend on where they live.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner._io import atomic_path
from harbor_planner.errors import InputDataError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from harbor_planner.network import WalkNetwork
    from harbor_planner.scenario import Scenario

__all__ = [
    "EXIT_CANDIDATES_FILE",
    "Step",
    "Study",
    "coverage_after",
    "coverage_headline",
    "exit_candidates",
    "exit_candidates_headline",
    "load_demand",
    "load_districts",
    "load_network",
    "load_stations",
    "map_isochrones",
    "measure_coverage",
    "plan",
    "plan_figures",
    "plan_headline",
    "read_sites",
    "run_study",
    "study_summary",
    "with_sites",
    "write_json",
    "write_map",
    "write_results",
]

log = logging.getLogger(__name__)

#: The table of stations that could close (``coverage.exit_candidates_pct``).
EXIT_CANDIDATES_FILE = "exit_candidates.csv"

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


# --------------------------------------------------------------------------- inputs


def load_stations(scenario: Scenario) -> tuple[Any, int]:
    """The stations of every station file, status-filtered; and the number of rejected rows.

    Rejected rows are reported once (a warning per file), not fatal. With several files,
    ``source_file`` names each station's file; a station id given in two files is an error
    (ids must identify stations across the lists).

    Parameters
    ----------
    scenario
        Its ``[stations]`` section is used.

    Returns
    -------
    tuple
        The stations (``GeoDataFrame``) and the number of rejected rows.

    Raises
    ------
    InputDataError
        Unreadable files, duplicate ids across files, an unknown status, no station left.

    """
    import geopandas as gpd
    import pandas as pd

    from harbor_planner.stations import read_stations, select_status

    cfg = scenario.stations
    sources = cfg.sources
    frames, rejected = [], 0
    for path, crs in sources:
        check = read_stations(path, crs=crs, sheet=cfg.sheet)
        if len(check.rejected):
            log.warning(
                "%d rows of %s were rejected (see 'harbor-planner stations check %s'); "
                "continuing with the %d valid stations",
                len(check.rejected),
                path,
                path,
                len(check.stations),
            )
        rejected += len(check.rejected)
        frames.append(check.stations.assign(source_file=path.name))
    if len(frames) == 1:
        stations = frames[0].drop(columns="source_file")
    else:
        stations = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
        _check_unique_ids(stations)
    path = sources[0][0] if len(sources) == 1 else None
    return select_status(stations, cfg.status, path=path), rejected


def _check_unique_ids(stations: Any) -> None:
    ids = stations["station_id"].dropna().astype(str)
    dup = ids[ids.duplicated(keep=False)]
    if not len(dup):
        return
    where = (
        stations.loc[dup.index]
        .groupby("station_id")["source_file"]
        .agg(lambda f: " and ".join(sorted(set(f))))
    )
    listed = "; ".join(f"{k} in {v}" for k, v in list(where.items())[:5])
    raise InputDataError(
        f"station ids must differ across the station files: {listed}"
        + (f" (and {len(where) - 5} more)" if len(where) > 5 else "")
    )


def load_network(scenario: Scenario, *, progress: bool | None = None) -> WalkNetwork:
    """The walk network of ``[network]`` (built, or loaded from a saved ``.npz``).

    Parameters
    ----------
    scenario
        Its ``[network]`` section is used.
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.

    Returns
    -------
    WalkNetwork

    """
    from harbor_planner.network import WalkModel, build_network

    cfg = scenario.network
    return build_network(
        cfg.source,
        walk_model=None if cfg.walk_model is None else WalkModel(kind=cfg.walk_model),
        walk_speed_kmh=cfg.walk_speed_kmh,
        dem=cfg.dem,
        dem_outside=cfg.dem_outside,
        keep_all=cfg.keep_all,
        snap_tolerance_m=cfg.snap_tolerance_m,
        metric_crs=cfg.metric_crs,
        progress=progress,
    )


def load_demand(scenario: Scenario, net: WalkNetwork) -> Any:
    """The demand points of ``[demand]``, cut to ``demand.within`` when given.

    Parameters
    ----------
    scenario
        Its ``[demand]`` section is used.
    net
        The walk network (streets of ``main-streets``, extent of ``grid``).

    Returns
    -------
    Demand

    """
    from harbor_planner.demand import MAIN_STREET_CLASSES, demand_from_spec, demand_within

    cfg = scenario.demand
    demand = demand_from_spec(
        cfg.spec,
        network=net,
        population=cfg.population,
        crs=cfg.crs,
        default_levels=cfg.default_levels,
        spacing_m=cfg.spacing_m,
        main_street_classes=cfg.main_street_classes or MAIN_STREET_CLASSES,
    )
    return demand if cfg.within is None else demand_within(demand, cfg.within)


def load_districts(scenario: Scenario) -> Any:
    """The district polygons of ``coverage.districts`` (``None``: Chongqing's 区县).

    Parameters
    ----------
    scenario
        Its ``[coverage]`` section is used.

    Returns
    -------
    geopandas.GeoDataFrame or None

    """
    path = scenario.coverage.districts
    if path is None:
        return None
    import geopandas as gpd

    if not path.is_file():
        raise InputDataError("district file not found", path=path)
    return gpd.read_file(path)


# --------------------------------------------------------------------------- analysis


def measure_coverage(
    scenario: Scenario, net: WalkNetwork, stations: Any, demand: Any, districts: Any
) -> Any:
    """Coverage of ``demand`` by ``stations`` within ``coverage.minutes`` of walking.

    Parameters
    ----------
    scenario
        Its ``[coverage]`` and ``stations.max_dist_m`` are used.
    net, stations, demand, districts
        Results of the earlier steps.

    Returns
    -------
    CoverageResult

    """
    from harbor_planner.coverage import coverage

    return coverage(
        net,
        stations,
        demand,
        minutes=scenario.coverage.minutes,
        max_dist_m=scenario.stations.max_dist_m,
        districts=districts,
        district_column=scenario.coverage.district_column,
    )


def plan(
    scenario: Scenario,
    net: WalkNetwork,
    stations: Any,
    demand: Any,
    districts: Any,
    *,
    progress: bool | None = None,
) -> Any:
    """New sites as ``[optimize]`` asks: candidates, coverage matrix, selection.

    Quotas (a table, or split in proportion to ``quota_column``), exclusions and stages
    are read here.

    Parameters
    ----------
    scenario
        A scenario with an ``[optimize]`` section.
    net, stations, demand, districts
        Results of the earlier steps.
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.

    Returns
    -------
    SitePlan

    """
    from harbor_planner.optimize import plan_sites
    from harbor_planner.optimize.quotas import quota_table, read_excluded

    opt = scenario.optimize
    if opt is None:
        raise ValueError("plan: the scenario has no [optimize] section")
    quotas = None
    if opt.quota is not None:
        quotas = quota_table(
            opt.quota,
            column=opt.quota_column,
            n_add=opt.n_add,
            custom_districts=districts is not None,
        )
    return plan_sites(
        net,
        stations,
        demand,
        candidates=opt.candidates,
        candidates_crs=opt.candidates_crs,
        candidate_spacing_m=opt.candidate_spacing_m,
        poi_files=opt.poi,
        districts=districts,
        district_column=scenario.coverage.district_column,
        minutes=scenario.coverage.minutes,
        max_dist_m=scenario.stations.max_dist_m,
        min_spacing_m=opt.min_spacing_m,
        spacing=opt.spacing_by,
        progress=progress,
        n_add=opt.n_add,
        mode=opt.mode,
        target_pct=opt.target_pct,
        solver=opt.solver,
        time_limit_s=opt.time_limit_s,
        mip_gap=opt.mip_gap,
        excluded=None if opt.exclude is None else read_excluded(opt.exclude),
        quotas=quotas,
        budget=opt.budget,
        stages=opt.stage_list,
        min_cover=opt.min_cover,
    )


def plan_figures(scenario: Scenario, study: Study) -> dict[str, Any]:
    """The selection's figures with the settings they were found with (``summary.json``).

    Parameters
    ----------
    scenario
        The scenario with its ``[optimize]`` section.
    study
        A study with its ``plan``.

    Returns
    -------
    dict

    """
    opt = scenario.optimize
    site_plan = study.plan
    assert opt is not None and site_plan is not None
    stages = opt.stage_list
    net = study.network
    quota = None if opt.quota is None else str(opt.quota)
    if quota is not None and opt.quota_column:
        quota = f"proportional:{quota}:{opt.quota_column}"
    return {
        **site_plan.selection.summary(),
        "stations_existing": len(study.stations),
        "candidates": len(site_plan.candidates),
        "candidates_spec": opt.candidates,
        "minutes": scenario.coverage.minutes,
        "walk_model": net.walk_model.kind,
        "walk_speed_kmh": net.walk_model.speed_kmh,
        "demand_kind": study.demand.kind,
        "demand_spec": study.demand.spec,
        "min_spacing_m": opt.min_spacing_m,
        "spacing_by": opt.spacing_by,
        "quota": quota,
        "budget": opt.budget,
        "stages": [{"stage": s, "sites": n} for s, n in stages] if stages else None,
        "matrix": site_plan.matrix.info,
    }


def with_sites(stations: Any, sites: Any) -> Any:
    """Stations and chosen sites as one station layer (sites with status ``proposed``).

    Parameters
    ----------
    stations, sites
        The stations and the chosen sites (``SitePlan.sites``).

    Returns
    -------
    geopandas.GeoDataFrame

    """
    import geopandas as gpd
    import pandas as pd

    new = gpd.GeoDataFrame(
        {
            "station_id": sites["site_id"].astype(str).to_numpy(),
            "name": sites["name"].to_numpy() if "name" in sites else None,
            "status": "proposed",
        },
        geometry=sites.geometry.to_numpy(),
        crs=sites.crs,
    )
    old = stations.to_crs(sites.crs)
    return gpd.GeoDataFrame(pd.concat([old, new], ignore_index=True), crs=sites.crs)


def coverage_after(scenario: Scenario, study: Study) -> Any:
    """Coverage by the stations and the new sites of ``study.plan`` together.

    Parameters
    ----------
    scenario
        As for :func:`measure_coverage`.
    study
        A study with its stations, network, demand, districts and plan.

    Returns
    -------
    CoverageResult

    """
    stations = with_sites(study.stations, study.plan.sites)
    return measure_coverage(scenario, study.network, stations, study.demand, study.districts)


def exit_candidates(scenario: Scenario, study: Study) -> Any:
    """Stations whose closure loses less than ``coverage.exit_candidates_pct`` % of coverage.

    With ``coverage.exit_candidates_sites``, each gets the candidate site that best recovers
    what it alone covers.

    Parameters
    ----------
    scenario
        Its ``[coverage]`` section is used.
    study
        A study with its coverage, network and demand.

    Returns
    -------
    pandas.DataFrame or None
        The table of ``exit_candidates.csv``, least loss first (``None`` without
        ``exit_candidates_pct``).

    """
    import numpy as np

    cfg = scenario.coverage
    if cfg.exit_candidates_pct is None:
        return None
    result = study.coverage
    st = result.stations
    keep = (st["on_network"] & (st["exit_loss_pct"] < cfg.exit_candidates_pct)).to_numpy()
    exits = st[keep].assign(_pos=np.flatnonzero(keep)).sort_values("exit_loss_pct")
    cols = [c for c in ("station_id", "name", "district", "status") if c in exits]
    cols += ["demand_covered", "unique_demand", "shared_demand", "exit_loss_pct"]
    table = exits[cols]
    if cfg.exit_candidates_sites is not None and len(exits):
        from harbor_planner.candidates import candidates_from_spec
        from harbor_planner.coverage import replacement_sites
        from harbor_planner.optimize import coverage_matrix

        net = study.network
        cand = candidates_from_spec(
            cfg.exit_candidates_sites, network=net, crs=cfg.exit_candidates_crs
        )
        cm = coverage_matrix(net, cand, study.demand, minutes=result.summary["minutes"])
        repl = replacement_sites(result, cm, exits["_pos"].tolist())
        table = table.reset_index(drop=True).join(
            repl.drop(columns=["station_id"]).reset_index(drop=True)
        )
    return table


def map_isochrones(
    scenario: Scenario, net: WalkNetwork, stations: Any, *, progress: bool | None = None
) -> tuple[Any, Any]:
    """Isochrone bands (``output.map_bands``) and their union for the map.

    Left out (``(None, None)``) without bands or above ``output.map_max_stations`` stations.

    Parameters
    ----------
    scenario
        Its ``[output]`` and ``stations.max_dist_m`` are used.
    net, stations
        Results of the earlier steps.
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.

    Returns
    -------
    tuple
        Isochrone polygons and service area (GeoDataFrames), or ``(None, None)``.

    """
    cfg = scenario.output
    if not cfg.map_bands:
        return None, None
    if len(stations) > cfg.map_max_stations:
        log.info(
            "map: %d stations, more than output.map_max_stations (--map-max-stations) %d: "
            "isochrones left out",
            len(stations),
            cfg.map_max_stations,
        )
        return None, None
    from harbor_planner.isochrones import isochrones, service_area

    iso = isochrones(
        net,
        stations,
        minutes=cfg.map_bands,
        max_dist_m=scenario.stations.max_dist_m,
        progress=progress,
    )
    return iso, service_area(iso)


# --------------------------------------------------------------------------- the whole study


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
    step = step or _quiet_step
    s = Study()
    with step("stations") as note:
        s.stations, s.rejected = load_stations(scenario)
        names = ", ".join(path.name for path, _ in scenario.stations.sources)
        note["text"] = f"{len(s.stations)} stations from {names}" + (
            f" ({s.rejected} rows rejected)" if s.rejected else ""
        )
    with step("network") as note:
        s.network = load_network(scenario, progress=progress)
        wm = s.network.walk_model
        note["text"] = (
            f"{s.network.n_nodes:,} nodes, {s.network.n_edges:,} edges, {wm.kind} model at "
            f"{wm.speed_kmh:g} km/h"
        )
    with step("demand") as note:
        s.demand = load_demand(scenario, s.network)
        within = scenario.demand.within
        note["text"] = f"{len(s.demand):,} {s.demand.kind} points, total {s.demand.total:,.0f}" + (
            f" inside {within.name}" if within is not None else ""
        )
    s.districts = load_districts(scenario)
    with step("coverage") as note:
        s.coverage = measure_coverage(scenario, s.network, s.stations, s.demand, s.districts)
        note["text"] = _coverage_note(s.coverage.summary)
    if scenario.optimizes:
        _plan_steps(scenario, s, step, progress)
    if scenario.coverage.exit_candidates_pct is not None:
        with step("exits") as note:
            s.exits = exit_candidates(scenario, s)
            note["text"] = f"{len(s.exits)} stations could close"
    if set(scenario.output.formats) & {"map", "gpkg"} and scenario.output.map_bands:
        with step("isochrones") as note:
            s.isochrones, s.service_area = map_isochrones(
                scenario, s.network, s.stations, progress=progress
            )
            note["text"] = (
                "left out" if s.isochrones is None else f"{len(s.isochrones)} polygons for the map"
            )
    return s


def _plan_steps(scenario: Scenario, s: Study, step: Step, progress: bool | None) -> None:
    with step("optimize") as note:
        s.plan = plan(scenario, s.network, s.stations, s.demand, s.districts, progress=progress)
        sel = s.plan.selection
        note["text"] = (
            f"{len(sel.selected)} new sites ({sel.solver}): {sel.coverage_pct_before:.1f} % -> "
            f"{sel.coverage_pct_after:.1f} %, optimality gap {_gap_text(sel.gap)}"
        )
    with step("after") as note:
        s.coverage_after = coverage_after(scenario, s)
        pct = s.coverage_after.summary["coverage_pct"]
        note["text"] = f"{pct:.1f} % covered by stations and new sites"


def _coverage_note(s: dict[str, Any]) -> str:
    return (
        f"{s['coverage_pct']:.1f} % of {s['demand_kind']} demand within "
        f"{s['minutes']:g} min (circles: {s['euclidean_coverage_pct']:.1f} %)"
    )


def _gap_text(gap: float | None) -> str:
    import math

    if gap is None or not math.isfinite(gap):
        return "unknown"
    return f"{100 * gap:.2f} %"


# --------------------------------------------------------------------------- outputs


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
        "coverage": study.coverage.summary,
        "optimize": None if study.plan is None else plan_figures(scenario, study),
        "coverage_after": None if study.coverage_after is None else study.coverage_after.summary,
    }


def write_results(
    scenario: Scenario, out_dir: str | os.PathLike[str], study: Study, summary: dict[str, Any]
) -> list[Path]:
    """Every file of the result folder: tables, map, reports, layers and ``summary.json``.

    Parameters
    ----------
    scenario
        Settings (shown in the reports) and ``[output]`` (formats, basemap, language).
    out_dir
        The folder (created if missing).
    study
        The results.
    summary
        The content of ``summary.json``.

    Returns
    -------
    list of pathlib.Path
        The files written, each atomically.

    """
    from harbor_planner.outputs import write_outputs

    out = Path(out_dir)
    cfg = scenario.output
    site_plan = study.plan
    files = write_outputs(
        out,
        coverage=study.coverage,
        coverage_after=study.coverage_after,
        selection=None if site_plan is None else site_plan.selection,
        sites=None if site_plan is None else site_plan.sites,
        candidates=None if site_plan is None else site_plan.candidates,
        stations=study.stations,
        isochrones=study.isochrones,
        service_area=study.service_area,
        districts=study.districts,
        district_column=scenario.coverage.district_column,
        parameters=scenario.to_dict(),
        sources=list(scenario.input_files().values()),
        formats=cfg.formats,
        basemap=cfg.basemap,
        lang=cfg.lang,
        title=scenario.title or None,
        tianditu_key=cfg.tianditu_key,
    )
    if study.exits is not None:
        path = out / EXIT_CANDIDATES_FILE
        with atomic_path(path) as tmp:
            study.exits.to_csv(tmp, index=False, encoding="utf-8-sig")
        files.append(path)
    files.append(write_json(out / "summary.json", summary))
    return files


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as UTF-8 JSON (Chinese kept readable), atomically.

    Parameters
    ----------
    path
        The file.
    data
        JSON types, numpy scalars and arrays, paths.

    Returns
    -------
    pathlib.Path

    """
    import json

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n", "utf-8"
        )
    return path


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_sites(path: Path) -> Any:
    """New sites to draw: ``selected_sites.csv`` (``lon``/``lat``) or any GIS layer.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    geopandas.GeoDataFrame

    """
    import geopandas as gpd

    if not path.is_file():
        raise InputDataError("file not found", path=path)
    if path.suffix.lower() != ".csv":
        return gpd.read_file(path)
    import pandas as pd

    table = pd.read_csv(path, encoding="utf-8-sig")
    return gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326"
    )


def write_map(scenario: Scenario, path: Path, **layers: Any) -> Path:
    """A self-contained ``map.html`` of ``layers`` drawn as ``[output]`` says.

    Parameters
    ----------
    scenario
        Its ``[output]`` (basemap, language, Tianditu key) is used.
    path
        The HTML file.
    **layers
        Layers of :func:`harbor_planner.maps.make_map` (``stations``, ``sites``...).

    Returns
    -------
    pathlib.Path

    """
    from harbor_planner.maps import make_map, save_map

    cfg = scenario.output
    m = make_map(basemap=cfg.basemap, lang=cfg.lang, tianditu_key=cfg.tianditu_key, **layers)
    size = save_map(m, path)
    log.info("wrote %s (%.1f MB, self-contained)", path, size / 1e6)
    return path


# --------------------------------------------------------------------------- headlines


def coverage_headline(s: dict[str, Any]) -> str:
    """The headline of a coverage summary: walking coverage beside the circles' claim.

    Parameters
    ----------
    s
        ``CoverageResult.summary``.

    Returns
    -------
    str

    """
    return (
        f"{s['coverage_pct']:.1f} % of {s['demand_kind']} demand ({s['demand_total']:,.0f} "
        f"{s['demand_unit']}) is within {s['minutes']:g} min of walking of "
        f"{s['stations_on_network']} stations; straight-line circles of "
        f"{s['euclidean_radius_m']:,.0f} m would claim {s['euclidean_coverage_pct']:.1f} %."
    )


def plan_headline(opt: dict[str, Any]) -> str:
    """The headline of the new sites (a scenario run's ``summary["optimize"]``).

    Parameters
    ----------
    opt
        The figures of :func:`plan_figures`.

    Returns
    -------
    str

    """
    gap = opt["optimality_gap"]
    n = opt["sites_added"]
    return (
        f"{n} new site{'s' if n != 1 else ''} ({opt['solver']}) take{'s' if n == 1 else ''} "
        f"it to {opt['coverage_pct_after']:.1f} %; optimality gap "
        + ("unknown" if gap is None else f"{100 * gap:.2f} %")
    )


def exit_candidates_headline(exits: Any, n_stations: int, pct: float) -> str:
    """How many stations could close (the line printed with ``exit_candidates.csv``).

    Parameters
    ----------
    exits
        The table of :func:`exit_candidates`.
    n_stations
        Stations measured.
    pct
        ``coverage.exit_candidates_pct``.

    Returns
    -------
    str

    """
    return (
        f"{len(exits)} of {n_stations} stations could close losing less than {pct:g} % of the "
        f"covered demand each ({EXIT_CANDIDATES_FILE})"
    )

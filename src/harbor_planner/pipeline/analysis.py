"""The analysis steps of a study: coverage, new sites, coverage after, exits, map isochrones.

The analysis modules (coverage, isochrones) are imported here, inside the functions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork
    from harbor_planner.pipeline.study import Study
    from harbor_planner.scenario import Scenario

log = logging.getLogger(__name__)

__all__ = [
    "coverage_after",
    "exit_candidates",
    "map_isochrones",
    "measure_coverage",
    "plan",
    "plan_figures",
    "station_isochrones",
    "with_sites",
]


def measure_coverage(
    scenario: Scenario,
    net: WalkNetwork,
    stations: Any,
    demand: Any,
    districts: Any,
    *,
    area: Any = None,
) -> Any:
    """Coverage of ``demand`` by ``stations`` within ``coverage.minutes`` of walking.

    The district table says which rows are figures to publish
    (:func:`~harbor_planner.pipeline.area.mark_districts`); a district layer of one's own
    holding none of the demand, or with over half of it outside, is warned of
    (:func:`~harbor_planner.districts.warn_demand_outside_districts`).

    Parameters
    ----------
    scenario
        Its ``[coverage]``, ``[study]`` and ``stations.max_dist_m`` are used.
    net, stations, demand, districts
        Results of the earlier steps.
    area
        The study area, or ``None``.

    Returns
    -------
    CoverageResult

    """
    from harbor_planner.analysis.coverage import coverage
    from harbor_planner.pipeline.area import mark_districts

    result = coverage(
        net,
        stations,
        demand,
        minutes=scenario.coverage.minutes,
        max_dist_m=scenario.stations.max_dist_m,
        districts=districts,
        district_column=scenario.coverage.district_column,
        check_datum=False,  # the study's datum guard ran as its stations were loaded
    )
    if districts is not None and scenario.coverage.districts is not None:  # a layer's own
        from pathlib import Path

        from harbor_planner.districts import warn_demand_outside_districts

        warn_demand_outside_districts(result.by_district, Path(scenario.coverage.districts).name)
    return mark_districts(result, scenario, area, net, districts)


def plan(
    scenario: Scenario,
    net: WalkNetwork,
    stations: Any,
    demand: Any,
    districts: Any,
    *,
    progress: bool | None = None,
    area: Any = None,
) -> Any:
    """New sites as ``[optimize]`` asks: candidates, coverage matrix, selection.

    Quotas (a table, or split in proportion to ``quota_column``), exclusions and stages
    are read here. With a study area (and ``study.confine``), only candidates inside it.

    Parameters
    ----------
    scenario
        A scenario with an ``[optimize]`` section.
    net, stations, demand, districts
        Results of the earlier steps.
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.
    area
        The study area, or ``None``.

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
            among=_study_districts(scenario) if districts is None else None,
        )
    return plan_sites(
        net,
        stations,
        demand,
        candidates=_candidates(scenario, net, area),
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
        target_pct=opt.target_pct if opt.mode == "cover" else None,
        solver=opt.solver,
        time_limit_s=opt.time_limit_s,
        mip_gap=opt.mip_gap,
        excluded=None if opt.exclude is None else read_excluded(opt.exclude),
        quotas=quotas,
        budget=opt.budget,
        stages=opt.stage_list,
        min_cover=opt.min_cover,
        reproducible=opt.reproducible,
    )


def _candidates(scenario: Scenario, net: WalkNetwork, area: Any) -> Any:
    """``optimize.candidates`` as given, or built and confined to the study area."""
    opt = scenario.optimize
    assert opt is not None
    if area is None or not scenario.study.confine:
        return opt.candidates
    from harbor_planner.candidates import candidates_from_spec
    from harbor_planner.pipeline.area import confine_candidates

    built = candidates_from_spec(
        str(opt.candidates),
        network=net,
        crs=opt.candidates_crs,
        spacing_m=opt.candidate_spacing_m,
        poi_files=opt.poi,
    )
    return confine_candidates(built, area, what=f"optimize.candidates ({opt.candidates})")


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


def _study_districts(scenario: Scenario) -> list[str] | None:
    """The ``name_zh`` of the study's Chongqing districts (``study.districts``), if any."""
    names = getattr(scenario.study, "districts", None)
    if not names:
        return None
    import pandas as pd

    from harbor_planner.districts import chongqing_districts, match_district_names

    zh = chongqing_districts().set_index("adcode")["name_zh"]
    codes = match_district_names(pd.Series([names] if isinstance(names, str) else list(names)))
    return [str(zh[c]) for c in codes if c in zh.index]


def with_sites(stations: Any, sites: Any) -> Any:
    """Stations and chosen sites as one station layer (sites with status ``candidate``).

    The new sites are candidates (候选): the coverage after them counts them apart from the
    list's own proposed stations (probe 22M: ``proposed: 15`` merged the list's 3 with the
    12 sites, and a study without a proposed station showed a scope "含拟建").

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

    from harbor_planner.settings import STATUS_SELECTED

    new = gpd.GeoDataFrame(
        {
            "station_id": sites["site_id"].astype(str).to_numpy(),
            "name": sites["name"].to_numpy() if "name" in sites else None,
            "status": "candidate",
        },
        geometry=sites.geometry.to_numpy(),
        crs=sites.crs,
    )
    old = stations.to_crs(sites.crs)
    out = gpd.GeoDataFrame(pd.concat([old, new], ignore_index=True), crs=sites.crs)
    out.attrs[STATUS_SELECTED] = True  # the candidates are asked for: counted without a word
    return out


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
    return measure_coverage(
        scenario, study.network, stations, study.demand, study.districts, area=study.study_area
    )


def built_on_network(stations: Any) -> Any:
    """Which stations could be exits: built (``existing``, or no status) and on the network.

    Those under construction or proposed are not candidates (their loss still counts: the
    figures are those of every station used).

    Parameters
    ----------
    stations
        ``CoverageResult.stations`` (``status`` if given, ``on_network``).

    Returns
    -------
    numpy.ndarray of bool

    """
    on = stations["on_network"].to_numpy(bool)
    if "status" not in stations:
        return on
    status = stations["status"].astype("string").str.strip()
    return on & (status.isna() | status.isin(["existing", ""])).to_numpy(bool)


def exit_candidates(scenario: Scenario, study: Study) -> Any:
    """Stations whose closure loses less than ``coverage.exit_candidates_pct`` % of coverage.

    With ``coverage.exit_candidates_sites``, each gets the candidate site that best recovers
    what it alone covers: a site inside the study area, as for new sites (unless
    ``study.confine`` is off).

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

    from harbor_planner.stations.keys import station_keys
    from harbor_planner.stations.register import code_column

    cfg = scenario.coverage
    if cfg.exit_candidates_pct is None:
        return None
    result = study.coverage
    st = result.stations
    # the loss as published (2 decimals): a lone station's 99.999...% is its 100.00 % (17H)
    # with stations under construction or proposed used, a built station is an exit by what
    # closing it now loses among the built ones (probe 21G), the other loss shown beside
    basis = "exit_loss_built_pct" if "exit_loss_built_pct" in st else "exit_loss_pct"
    less = (st[basis].round(2) < cfg.exit_candidates_pct).to_numpy()
    inside = _in_study(st, study)
    serves = inside | (st["demand_covered"].to_numpy() > 0)  # not a neighbour's own station
    keep = built_on_network(st) & less & serves
    exits = st[keep].assign(_pos=np.flatnonzero(keep), in_study_area=inside[keep])
    if "station_id" in exits:  # a station without an id: its file row, as every table says
        exits["station_id"] = station_keys(st)[keep]  # (probe 19R: blank)
    exits = exits.sort_values(basis)
    code = code_column(exits.columns)  # the register's 统一编号, and flagships marked (17H)
    cols = [c for c in ("station_id", code, "name", "district", "status", "flagship")
            if c is not None and c in exits]  # fmt: skip
    cols += ["demand_covered", "unique_demand", "shared_demand", "exit_loss_pct"]
    cols += [basis] if basis != "exit_loss_pct" else []
    if study.study_area is not None:  # a station outside: only the study's share is measured
        cols.append("in_study_area")
    table = exits[cols]
    if cfg.exit_candidates_sites is not None and len(exits):
        from harbor_planner.analysis.redundancy import replacement_sites
        from harbor_planner.candidates import candidates_from_spec
        from harbor_planner.optimize import coverage_matrix

        net = study.network
        cand = candidates_from_spec(
            cfg.exit_candidates_sites, network=net, crs=cfg.exit_candidates_crs
        )
        if scenario.study.confine:  # replacements inside the study area, as new sites are
            from harbor_planner.pipeline.area import confine_candidates

            what = f"coverage.exit_candidates_sites ({cfg.exit_candidates_sites})"
            cand = confine_candidates(cand, study.study_area, what=what)
        from harbor_planner.network.snap import points_xy

        cm = coverage_matrix(net, cand, study.demand, minutes=result.summary["minutes"])
        st_xy, _ = points_xy(st, crs=net.crs, what="stations")
        repl = replacement_sites(result, cm, exits["_pos"].tolist(), station_xy=st_xy)
        table = table.reset_index(drop=True).join(
            _with_places(repl, cand, net).drop(columns=["station_id"]).reset_index(drop=True)
        )
    return table


def _in_study(stations: Any, study: Study) -> Any:
    """Which stations lie in the study area (all without one).

    A station of a neighbouring district reaching none of the study's demand "loses 0 %"
    though it serves its own district (probe 17H): it is no exit of this study. One reaching
    some is listed, ``in_study_area`` false: its loss is the study's share only.
    """
    import numpy as np

    if study.study_area is None or not len(stations):
        return np.ones(len(stations), dtype=bool)
    inside = np.asarray(study.study_area.covers(stations), dtype=bool)
    idle = ~inside & (stations["demand_covered"].to_numpy() <= 0)
    if idle.any():
        log.info(
            "exits: %d stations outside the study area reaching none of its demand are not "
            "considered (their own districts' demand is not measured here)",
            int(idle.sum()),
        )
    return inside


def _with_places(repl: Any, cand: Any, net: WalkNetwork) -> Any:
    """The replacements with their sites' names and coordinates.

    Columns ``replacement_name``, ``replacement_lon``/``_lat`` (WGS-84) and
    ``replacement_lon_gcj02``/``_lat_gcj02`` (GCJ-02, for AMap).
    """
    import numpy as np
    import pandas as pd

    from harbor_planner.optimize.naming import site_places

    ids = pd.Series(cand.get("site_id", cand.index)).astype(str).to_numpy()
    wanted = np.isin(ids, repl["replacement_site"].dropna().astype(str).to_numpy())
    places = site_places(cand[wanted], net).set_axis(ids[wanted]).add_prefix("replacement_")
    by_row = places.reindex(repl["replacement_site"].astype(str)).set_axis(repl.index)
    return repl.join(by_row)


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
        log.warning(  # probe 24S: at INFO, the map's missing layers went unexplained
            "map: %d stations on the network, more than output.map_max_stations %d: the "
            "isochrones and the service area are left out of the map (raise the limit to draw "
            "them: --map-max-stations N, or --set output.map_max_stations=N with run)",
            len(stations),
            cfg.map_max_stations,
        )
        return None, None
    from harbor_planner.analysis.isochrones import isochrones, service_area

    iso = isochrones(
        net,
        stations,
        minutes=cfg.map_bands,
        method=cfg.isochrone_method,
        max_dist_m=scenario.stations.max_dist_m,
        progress=progress,
    )
    return iso, service_area(iso)


def station_isochrones(
    scenario: Scenario,
    net: WalkNetwork,
    stations: Any,
    *,
    minutes: Sequence[float],
    corridor_m: float,
    method: str,
    cell_m: float,
    workers: int | None,
    with_service_area: bool,
    progress: bool | None = None,
) -> tuple[Any, Any]:
    """Isochrone polygons per station and band, and optionally their union per band.

    With ``method="grid"`` (or ``"auto"`` resolved to it) the service area is contoured on one
    grid of all stations (far faster than uniting the polygons).

    Parameters
    ----------
    scenario
        Its ``stations.max_dist_m`` is used.
    net, stations
        Results of the earlier steps.
    minutes, corridor_m, method, cell_m, workers
        As for :func:`harbor_planner.analysis.isochrones.isochrones`.
    with_service_area
        Also return the service area (else ``None``).
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.

    Returns
    -------
    tuple
        Isochrone polygons and service area (or ``None``).

    """
    from harbor_planner.analysis.grid import grid_service_area
    from harbor_planner.analysis.isochrones import isochrones, service_area

    max_dist_m = scenario.stations.max_dist_m
    common = {"minutes": minutes, "corridor_m": corridor_m, "cell_m": cell_m}
    common |= {"workers": workers, "max_dist_m": max_dist_m, "progress": progress}
    polys = isochrones(net, stations, method=method, **common)
    area = None
    if with_service_area and polys.attrs.get("method", method) == "grid":
        area = grid_service_area(net, stations, **common)
    elif with_service_area:
        area = service_area(polys)
    return polys, area

"""Reading the inputs of a study: stations, walk network, demand, districts."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from harbor_planner._text import clean_text, counted
from harbor_planner.errors import InputDataError

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork
    from harbor_planner.scenario import NetworkConfig, Scenario

log = logging.getLogger(__name__)

__all__ = [
    "check_candidates_datum",
    "check_stations_datum",
    "clip_margin_m",
    "load_demand",
    "load_districts",
    "load_network",
    "load_stations",
    "warn_title_minutes",
]

#: A walk in minutes written in a title: "15 分钟", "15-minute", "15 min".
_TITLE_MINUTES = re.compile(r"(\d+(?:\.\d+)?)\s*(?:分钟|-?\s*min(?:ute)?s?\b)", re.IGNORECASE)


def warn_title_minutes(scenario: Scenario) -> None:
    """Warn when the scenario's title names a walk other than ``coverage.minutes``.

    The title is shown as written on the map and the report (``--set coverage.minutes=10``
    on a scenario titled "15 分钟步行服务圈" would head a 10-minute study with 15 minutes).

    Parameters
    ----------
    scenario
        Its ``title`` and ``coverage.minutes``.

    """
    said = {float(m) for m in _TITLE_MINUTES.findall(scenario.title or "")}
    minutes = float(scenario.coverage.minutes)
    if said and minutes not in said:
        log.warning(
            "the scenario's title says %s minutes but coverage.minutes is %g: the map and the "
            "report show the title as written; change the scenario's title (run: or --set "
            "title=...)",
            " and ".join(f"{m:g}" for m in sorted(said)),
            minutes,
        )


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
        if len(check.rejected) and not len(check.stations):
            first = check.errors.iloc[0] if len(check.errors) else None
            why = (
                ""
                if first is None
                else (f" (row {first['row']}, column {first['column']}: {first['message']})")
            )
            raise InputDataError(
                f"every one of its {len(check.rejected)} rows was rejected{why}; "
                f"'harbor-planner stations check {path}' lists them all",
                path=path,
            )
        if len(check.rejected):  # some rows kept: a warning, not an error
            log.warning(
                "%s of %s %s rejected (see 'harbor-planner stations check %s'); "
                "continuing with the %s",
                counted(len(check.rejected), "row"),
                path,
                "was" if len(check.rejected) == 1 else "were",
                path,
                counted(len(check.stations), "valid station"),
            )
        _warn_of_problems(check, path, crs)
        rejected += len(check.rejected)
        frames.append(check.stations.assign(source_file=path.name))
    if len(frames) == 1:
        stations = frames[0].drop(columns="source_file")
    else:
        stations = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
        _check_unique_ids(stations)
        _warn_of_twins(stations)
    path = sources[0][0] if len(sources) == 1 else None
    from harbor_planner.analysis.scopes import has_status

    if len(stations) and not has_status(stations):
        log.warning(
            "no station of %s has a status (no 状态 column, or an empty one): every station "
            "counts as built and no figure is labelled as the built stations'; add a 状态 "
            "column (已建成, 在建, 拟建 ...) or name each sheet by its status",
            ", ".join(str(p) for p, _ in sources),
        )
    elif len(stations) and stations["status"].isna().any():  # some: said too (probe 19Z)
        log.warning(
            "%d of %d stations have no status and count as built in the built stations' "
            "figure (new sites added back without one?); give them a status (拟建 ...)",
            int(stations["status"].isna().sum()),
            len(stations),
        )
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


def check_stations_datum(scenario: Scenario, stations: Any, net: WalkNetwork) -> list[Any]:
    """The datum guard on the stations of ``[stations]`` (per file), against the network.

    Parameters
    ----------
    scenario
        Its ``stations.accept_datum`` turns the error into a warning.
    stations, net
        The stations of :func:`load_stations` and the walk network.

    Returns
    -------
    list of DatumCheck
        See :func:`harbor_planner.stations.check_frame_datum`.

    Raises
    ------
    CRSError
        The stations fit the streets much better in another datum, or their rows mix datums.

    """
    from harbor_planner.stations import check_frame_datum

    sources = scenario.stations.sources
    plans = _serve_plans(sources)
    if plans and "source_file" in stations.columns:
        stations = stations[~stations["source_file"].isin({p.name for p in plans})]
    elif plans:
        return []
    return check_frame_datum(
        stations,
        net,
        what="stations",
        path=sources[0][0] if len(sources) == 1 else None,
        accept=scenario.stations.accept_datum,
    )


#: Warnings of a station list named in a run's log (the rest: ``stations check``).
_WARNINGS_NAMED = 5


def _warn_of_problems(check: Any, path: Any, crs: Any) -> None:
    """Name the warnings of a station list the run goes on with.

    A duplicate place, a 区县 that disagrees (probe 23E: they were only counted, "2
    warnings", in an INFO line).
    """
    warnings = check.warnings
    if not len(warnings):
        return
    shown = "; ".join(
        _where(r) + f"{r['code']} {r['message']}"
        for _, r in warnings.head(_WARNINGS_NAMED).iterrows()
    )
    more = len(warnings) - _WARNINGS_NAMED
    log.warning(
        "%s: %s (%s%s); 'harbor-planner stations check %s --crs %s' lists them all",
        path, counted(len(warnings), "warning"), clean_text(shown),
        f"; and {more} more" if more > 0 else "", path, crs or "CRS",
    )  # fmt: skip


def _where(problem: Any) -> str:
    """``row 7 of sheet 站点: `` of a problem; empty for one of the whole file.

    Probe 23R: a file-level warning read "row nan".
    """
    row, sheet = problem.get("row"), problem.get("sheet")
    if row is None or row != row:
        return f"sheet {sheet}: " if isinstance(sheet, str) else ""
    return f"row {row}" + (f" of sheet {sheet}" if isinstance(sheet, str) else "") + ": "


def _warn_of_twins(stations: Any) -> None:
    """Warn of stations of two files at the same place.

    Probe 23E: an AMap and a Baidu list repeating five stations counted 15, each twin a
    closure "losing 0 %".
    """
    import numpy as np
    import pyproj
    from scipy.spatial import cKDTree

    from harbor_planner.coords import utm_crs_for
    from harbor_planner.stations.nearby import DUPLICATE_DISTANCE_M

    lon, lat = stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy()
    if len(lon) < 2:
        return
    tr = pyproj.Transformer.from_crs("EPSG:4326", utm_crs_for(lon, lat), always_xy=True)
    pairs = cKDTree(np.column_stack(tr.transform(lon, lat))).query_pairs(
        DUPLICATE_DISTANCE_M, output_type="ndarray"
    )
    files = stations["source_file"].to_numpy()
    pairs = pairs[files[pairs[:, 0]] != files[pairs[:, 1]]]
    if not len(pairs):
        return

    def where(i: int) -> str:
        row = stations.iloc[i]
        name = row.get("name")
        named = f" ({name})" if isinstance(name, str) and name.strip() else ""
        return f"{files[i]} row {row.get('row')}{named}"

    listed = "; ".join(f"{where(i)} and {where(j)}" for i, j in pairs[:_WARNINGS_NAMED])
    log.warning(
        "%s of different station files lie less than %g m apart (%s%s): the same station "
        "twice? each counts as a station (and as an exit losing nothing); remove one copy",
        counted(len(pairs), "pair of stations", "pairs of stations"), DUPLICATE_DISTANCE_M,
        clean_text(listed), " ..." if len(pairs) > _WARNINGS_NAMED else "",
    )  # fmt: skip


def _serve_plans(sources: list[tuple[Any, str | None]]) -> list[Any]:
    """The station files that are plans serve saved in WGS-84, read as WGS-84: not checked.

    Their stations were placed on the map (a click beside a building's door, 40 m from its
    street, may fit the streets better shifted by some datum's offset: probe 18S) or converted
    from a list already checked; their datum is known.
    """
    from harbor_planner._owned import serve_plan
    from harbor_planner.coords import parse_crs

    plans = []
    for path, crs in sources:
        try:
            wgs84 = crs is not None and parse_crs(crs).kind == "wgs84"
        except ValueError:  # an unknown CRS (InputDataError is one): refused elsewhere
            wgs84 = False
        if wgs84 and serve_plan(path):
            log.info("%s: a plan harbor-planner serve saved in WGS-84 (%s lists it): its datum "
                     "is not checked against the streets", path, "serve.json")  # fmt: skip
            plans.append(path)
    return plans


def check_candidates_datum(
    spec: str | None, crs: str | None, net: WalkNetwork, *, accept: bool, flag: str
) -> list[Any]:
    """A candidate FILE read, its rows checked and its datum guarded (``auto``: nothing).

    Read with the study's inputs, so that a bad row stops the run before any coverage is
    computed (probe 19X: 25 rows outside Chongqing were said only when the plan began).

    Parameters
    ----------
    spec
        ``"auto"``, ``None`` or a candidate file.
    crs
        Its stated coordinate system.
    net
        The walk network.
    accept
        Warn instead of raising (``stations.accept_datum``).
    flag
        The option that states ``crs``, for the message.

    Returns
    -------
    list of DatumCheck

    Raises
    ------
    CRSError
        As :func:`check_stations_datum`.
    InputDataError
        Rows with errors (:func:`~harbor_planner.candidates.spec.read_candidate_file`).

    """
    from pathlib import Path

    from harbor_planner.candidates.spec import read_candidate_file
    from harbor_planner.stations import check_frame_datum

    if spec is None or str(spec).strip().lower() == "auto":
        return []
    path = Path(str(spec).strip())
    if not path.is_file():
        return []  # candidates_from_spec says what is wrong
    sites = read_candidate_file(path, crs=crs)  # its bad rows said now, not after coverage
    return check_frame_datum(
        sites, net, what="candidate sites", path=path, accept=accept, flag=flag
    )


def clip_margin_m(cfg: NetworkConfig, minutes: float | None) -> float | None:
    """The margin kept around ``network.within``/``bbox``: ``margin_m``, else the walk.

    Parameters
    ----------
    cfg
        ``scenario.network``.
    minutes
        The longest walk the study asks for (``None``: the default of ``build_network``,
        :data:`~harbor_planner.settings.MINUTES`).

    Returns
    -------
    float or None
        ``margin_m`` when set, else ``minutes`` at the walking speed, in metres.

    """
    from harbor_planner.settings import WALK_SPEED_KMH

    if cfg.margin_m is not None or minutes is None:
        return cfg.margin_m
    return float(minutes) * (cfg.walk_speed_kmh or WALK_SPEED_KMH) * 1000.0 / 60.0


def load_network(
    cfg: NetworkConfig, *, progress: bool | None = None, minutes: float | None = None
) -> WalkNetwork:
    """The walk network of a ``[network]`` section (built, or loaded from a saved ``.npz``).

    Parameters
    ----------
    cfg
        ``scenario.network`` (``network build`` and ``info`` make one of their own).
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.
    minutes
        The longest walk the study asks for: with ``network.within``/``bbox`` and no
        ``margin_m``, the ways within this walk of the area are kept (:func:`clip_margin_m`).

    Returns
    -------
    WalkNetwork

    """
    from harbor_planner.network import WalkModel, build_network

    return build_network(
        cfg.source,
        walk_model=None if cfg.walk_model is None else WalkModel(kind=cfg.walk_model),
        walk_speed_kmh=cfg.walk_speed_kmh,
        walk_direction=cfg.walk_direction,
        dem=cfg.dem,
        dem_outside=cfg.dem_outside,
        dem_smoothing_m=cfg.dem_smoothing_m,
        max_grade_pct=cfg.max_grade_pct,
        keep_all=cfg.keep_all,
        snap_tolerance_m=cfg.snap_tolerance_m,
        join_crossings=cfg.join_crossings,
        metric_crs=cfg.metric_crs,
        progress=progress,
        within=cfg.within,
        bbox=cfg.bbox,
        margin_m=clip_margin_m(cfg, minutes),
    )


def load_demand(scenario: Scenario, net: WalkNetwork, area: Any = None) -> Any:
    """The demand points of ``[demand]``, cut to ``demand.within`` and the study area.

    Parameters
    ----------
    scenario
        Its ``[demand]`` (and ``study.confine``) are used.
    net
        The walk network (streets of ``main-streets``, extent of ``grid``).
    area
        The study area (:func:`~harbor_planner.pipeline.area.load_study_area`), or ``None``;
        intersected with ``demand.within`` (see
        :func:`~harbor_planner.pipeline.area.confine_demand`).

    Returns
    -------
    Demand

    """
    from harbor_planner.demand import (
        MAIN_STREET_CLASSES,
        combine_demands,
        demand_from_spec,
        share_population,
    )
    from harbor_planner.pipeline.area import confine_demand

    cfg = scenario.demand
    specs = cfg.specs
    pop = cfg.population
    by_district = pop if isinstance(pop, dict) else None
    # one population per file stays with its file; one total over several files is shared
    # by floor area after they are joined; populations by district go to each district's
    # buildings once the files are joined
    shared = pop if isinstance(pop, int | float) and len(specs) > 1 else None
    each = pop if isinstance(pop, list) else [None if shared or by_district else pop] * len(specs)
    layers = [
        demand_from_spec(
            spec,
            network=net,
            population=p,
            crs=cfg.crs,
            default_levels=cfg.default_levels,
            spacing_m=cfg.spacing_m,
            main_street_classes=cfg.main_street_classes or MAIN_STREET_CLASSES,
            off_ground=cfg.off_ground,
            max_dist_m=scenario.stations.max_dist_m,
        )
        for spec, p in zip(specs, each, strict=True)
    ]
    for spec, layer in zip(specs, layers, strict=True):
        _check_demand_datum(spec, layer, cfg.crs, net, accept=scenario.stations.accept_datum)
    demand = combine_demands(layers)
    if shared is not None:
        demand = share_population(demand, float(shared))
    if by_district is not None:
        demand = _people_by_district(scenario, demand, by_district)
    demand = confine_demand(scenario, demand, area)
    total = float(demand.points["weight"].sum()) if len(demand.points) else 0.0
    if len(demand.points) and not total > 0:
        raise InputDataError(
            f"demand {', '.join(specs)}: {_every(len(demand.points), 'point')} weighs 0, so "
            "there is nothing to cover; give the weights (the column after the file in "
            "points:FILE:COLUMN) or leave the column out to count each point once"
        )
    return demand


def _check_demand_datum(
    spec: str, layer: Any, crs: str | None, net: WalkNetwork, *, accept: bool
) -> None:
    """The datum guard on a ``points:FILE`` demand read in a stated datum (``--demand-crs``).

    Demand points taken from a web map in the wrong datum give a confidently wrong figure
    (probe 16B: 37.3 % reported where 51.2 % is right).
    """
    from harbor_planner.demand import parse_demand_spec
    from harbor_planner.stations import check_points_datum

    if layer.kind != "points" or crs is None or not len(layer.points):
        return
    geom = layer.points.geometry
    check_points_datum(
        geom.x.to_numpy(), geom.y.to_numpy(), crs, net, what="demand points",
        path=parse_demand_spec(spec).path, labels=[f"row {r}" for r in layer.points["row"]],
        accept=accept, flag="--demand-crs",
    )  # fmt: skip


def _people_by_district(scenario: Scenario, demand: Any, population: dict[str, float]) -> Any:
    """Each district's people over its own buildings (``demand.population`` as a table)."""
    import pandas as pd

    from harbor_planner.analysis.coverage import assign_districts
    from harbor_planner.demand import share_population_by_district

    layer = load_districts(scenario)
    names = assign_districts(demand.points, layer, scenario.coverage.district_column)
    if layer is None:  # Chongqing's 区县: 渝中, Yuzhong, 500103 all name 渝中区
        from harbor_planner.districts import chongqing_districts, match_district_names

        zh = chongqing_districts().set_index("adcode")["name_zh"]
        codes = match_district_names(pd.Series(list(population)))
        unknown = [k for k, c in zip(population, codes, strict=True) if c not in zh.index]
        if unknown:
            raise InputDataError(
                f"demand.population: {', '.join(map(repr, unknown))} is not a Chongqing "
                "district (区县); write the names as 渝中区, 渝中 or Yuzhong"
            )
        population = {str(zh[c]): v for c, v in zip(codes, population.values(), strict=True)}
    return share_population_by_district(demand, population, names)


def _every(n: int, what: str) -> str:
    return f"its one {what}" if n == 1 else f"every one of its {n:,} {what}s"


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
    from harbor_planner.analysis.coverage import district_layer

    return district_layer(scenario.coverage.districts, scenario.coverage.district_column)

"""``harbor-planner isochrones``, ``coverage`` and ``map``: the stations' walk coverage.

Each turns its options into a scenario and runs the steps of :mod:`harbor_planner.pipeline`,
the same as ``harbor-planner run``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harbor_planner import settings
from harbor_planner.cli._options import (
    add_centre_options,
    add_demand_options,
    add_map_band_options,
    add_map_options,
    add_memory_option,
    add_range_option,
    add_station_input_options,
    add_study_area_option,
    add_walk_model_options,
    centres_settings,
    check_outputs,
    demand_settings,
    minutes_text,
    network_settings,
    output_settings,
    parse_minutes,
    say,
    scenario_from_args,
    stations_settings,
    study_settings,
)
from harbor_planner.cli._types import crs_arg, in_path, in_text, out_path
from harbor_planner.errors import UsageError

__all__ = [
    "add_coverage_commands",
    "add_map_command",
    "coverage_settings",
    "one_limit",
    "study_sections",
]


def _cmd_isochrones(args: argparse.Namespace) -> int:
    from harbor_planner._io import atomic_paths
    from harbor_planner.pipeline import (
        check_stations_datum,
        load_network,
        load_stations,
        station_isochrones,
        study_inputs,
    )

    minutes = parse_minutes(args.minutes)
    suffix = args.out.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json"):
        raise UsageError(f"--out {args.out}: expected a .gpkg or .geojson file name")
    if args.method == "grid" and not 0 < args.cell <= args.corridor:
        raise UsageError(
            f"--cell {args.cell:g}: expected a grid spacing in metres above 0 and at most "
            f"--corridor ({args.corridor:g})"
        )
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more threads")
    scenario = scenario_from_args(
        network=network_settings(args, args.network),
        stations=stations_settings(args),
        study=study_settings(args),
    )
    side = args.out.with_name(args.out.stem + "_service_area" + args.out.suffix)
    outputs = [args.out, side] if args.service_area and suffix != ".gpkg" else [args.out]
    check_outputs(outputs, study_inputs(scenario))
    stations, _ = load_stations(scenario)
    net = load_network(scenario.network, progress=args.progress, minutes=max(minutes))
    check_stations_datum(scenario, stations, net)
    stations = _in_reach(scenario, stations, net, max(minutes))
    polys, area = station_isochrones(
        scenario,
        net,
        stations,
        minutes=minutes,
        corridor_m=args.corridor,
        method=args.method,
        cell_m=args.cell,
        workers=args.workers,
        with_service_area=args.service_area,
        progress=args.progress,
    )
    driver = "GPKG" if suffix == ".gpkg" else "GeoJSON"
    from harbor_planner._stable import gpkg_text_clean, stable_gpkg

    basis = net.walk_figures()  # what the bands rest on, in each feature (probe 27A)
    polys = gpkg_text_clean(polys.assign(**basis))
    area = None if area is None else area.assign(**basis)
    beside = area is not None and driver == "GeoJSON"  # the service area in a file of its own
    written = [args.out, side] if beside else [args.out]
    with atomic_paths(*written) as tmps, stable_gpkg():  # both files or neither
        polys.to_file(tmps[0], layer="isochrones", driver=driver)
        if area is not None:
            area.to_file(tmps[-1], layer="service_area", driver=driver)
    say(
        f"{len(polys)} isochrones ({'/'.join(f'{m:g}' for m in minutes)} min at "
        f"{basis['walk_speed_kmh']:g} km/h, {basis['walk_model']} model, method "
        f"{polys.attrs.get('method', args.method)}) for {polys['station_id'].nunique()} "
        f"stations; wrote {', '.join(map(str, written))}"
        + (" (layers isochrones and service_area)" if area is not None and not beside else "")
    )
    return 0


def _in_reach(scenario: Any, stations: Any, net: Any, minutes: float) -> Any:
    """The stations that can reach the study area within ``minutes`` (all without one)."""
    from harbor_planner.pipeline.area import load_study_area, stations_in_reach

    return stations_in_reach(stations, load_study_area(scenario), net, minutes)


def coverage_settings(args: argparse.Namespace, minutes: float) -> dict[str, object]:
    """``[coverage]`` from ``--minutes``, ``--districts`` (and ``--exit-candidates``)."""
    values = {
        "minutes": minutes,
        "districts": args.districts,
        "district_column": args.district_column,
        "range": None if getattr(args, "range", True) else False,
    }
    pct = getattr(args, "exit_candidates", None)
    exits = hasattr(args, "exit_candidates")  # coverage's (optimize's are its new sites)
    if exits and pct is None and getattr(args, "candidates", None) is not None:  # was ignored
        raise UsageError(
            "--candidates are the replacement sites of --exit-candidates PCT: give that too",
            option="--candidates",
        )
    if pct is not None:
        values |= {
            "exit_candidates_pct": pct,
            "exit_candidates_sites": args.candidates,
            "exit_candidates_crs": args.candidates_crs,
        }
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in values.items() if v is not None}


def one_limit(args: argparse.Namespace, command: str) -> float:
    """The one walking-time limit of ``--minutes``."""
    minutes = parse_minutes(args.minutes)
    if len(minutes) != 1:
        raise UsageError(f"--minutes {args.minutes}: {command} takes one limit, e.g. 15")
    return minutes[0]


def study_sections(args: argparse.Namespace, minutes: float) -> dict[str, dict[str, Any]]:
    """The scenario sections that ``coverage`` and ``optimize`` both take from their flags."""
    return {
        "network": network_settings(args, args.network),
        "stations": stations_settings(args),
        "demand": demand_settings(args),
        "coverage": coverage_settings(args, minutes),
        "output": output_settings(args, args.out),
        "centres": centres_settings(args),
        "study": study_settings(args),
    }


def _cmd_coverage(args: argparse.Namespace) -> int:
    from harbor_planner.pipeline import (
        built_on_network,
        coverage_headline,
        exit_candidates_headline,
    )
    from harbor_planner.scenario import run

    scenario = scenario_from_args(**study_sections(args, one_limit(args, "coverage")))
    result = run(scenario, out=args.out, progress=args.progress, summarize=_coverage_summary)
    summary = result.coverage.summary
    if result.exits is not None:
        n_built = int(built_on_network(result.coverage.stations).sum())
        say(exit_candidates_headline(result.exits, n_built, args.exit_candidates))
    say(coverage_headline(summary))
    say(f"wrote {', '.join(str(f) for f in result.files)}")
    return 0


def _coverage_summary(scenario: object, study: Any) -> dict[str, Any]:
    """``summary.json`` of ``coverage``: the coverage's own figures (and the city centres)."""
    from harbor_planner.pipeline import centres_figures

    return {**study.coverage.summary, **centres_figures(study)}


def _cmd_map(args: argparse.Namespace) -> int:
    from harbor_planner.pipeline import (
        check_stations_datum,
        load_network,
        load_stations,
        map_isochrones,
        read_sites,
        study_inputs,
        write_map,
    )
    from harbor_planner.pipeline.area import load_study_area, stations_in_reach

    if args.out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {args.out}: expected an .html file name")
    scenario = scenario_from_args(
        network=network_settings(args, args.network),
        stations=stations_settings(args),
        output=output_settings(args),
        study=study_settings(args),
    )
    check_outputs([args.out], {**study_inputs(scenario), "sites": args.sites})
    stations, _ = load_stations(scenario)
    net = load_network(scenario.network, progress=args.progress)
    check_stations_datum(scenario, stations, net)
    study = load_study_area(scenario)
    stations = stations_in_reach(stations, study, net, max(scenario.output.map_bands, default=15))
    iso, area = map_isochrones(scenario, net, stations, progress=args.progress)
    sites = None if args.sites is None else read_sites(args.sites)
    outline = None if study is None else study.frame(scenario.output.lang)
    write_map(scenario, args.out, stations=stations, sites=sites, isochrones=iso,
              service_area=area, study_area=outline, title=_reach_title(scenario, net))  # fmt: skip
    say(f"wrote {args.out}")
    return 0


def _reach_title(scenario: Any, net: Any) -> str:
    """The ``map`` page's title: what its bands rest on.

    Probe 27A: the page had no title; a 3.2 km/h map and a 4.5 km/h one read the same.
    """
    from harbor_planner.outputs.labels import map_text
    from harbor_planner.outputs.ranges import walk_basis

    lang = scenario.output.lang
    basis = {"minutes": max(scenario.output.map_bands, default=15), **net.walk_figures()}
    return map_text("reach_title", lang) + walk_basis(basis, lang)


def add_coverage_commands(sub: argparse._SubParsersAction) -> None:
    """``isochrones`` and ``coverage``."""
    _add_isochrones_command(sub)
    _add_coverage_command(sub)


def _add_isochrones_command(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser(
        "isochrones",
        help="walk isochrone polygons per station",
        description=(
            "Polygons of the streets reachable within each time band from each station, "
            "following the network (no circles, no convex hulls). Output in WGS-84: one "
            "feature per station and band with station_id, minutes and the walk it rests on "
            "(walk_speed_kmh, walk_model, walk_direction, walk_dem)."
        ),
    )
    i.add_argument(
        "--network", type=in_text, required=True, metavar="SOURCE", help="saved network or SOURCE"
    )
    add_station_input_options(i)
    bands = minutes_text(settings.MAP_BANDS_MINUTES)
    i.add_argument("--minutes", default=bands, help=f"time bands (default {bands})")
    i.add_argument("--out", type=out_path, required=True, help="output .gpkg or .geojson")
    i.add_argument(
        "--corridor",
        type=float,
        default=settings.CORRIDOR_M,
        metavar="M",
        help="walking corridor either side of reachable streets "
        f"(default {settings.CORRIDOR_M:g} m)",
    )
    i.add_argument(
        "--method",
        choices=settings.ISOCHRONE_METHODS,
        default=settings.ISOCHRONE_METHOD,
        help=(
            f"auto (default): exact up to {settings.ISOCHRONE_AUTO_EXACT_MAX_STATIONS} "
            "stations, grid above; exact: union of the buffered streets; grid: contoured from "
            "exact distances on a --cell grid, 10-20x faster for many stations, boundary within "
            "a fraction of a cell"
        ),
    )
    i.add_argument(
        "--cell",
        type=float,
        default=settings.GRID_CELL_M,
        metavar="M",
        help=f"grid spacing of --method grid (default {settings.GRID_CELL_M:g} m, at most "
        "--corridor)",
    )
    i.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="threads building polygons (default: all CPUs)",
    )
    i.add_argument(
        "--service-area",
        action="store_true",
        help="also write the union of all stations per band (layer service_area)",
    )
    add_study_area_option(i, drawn=True)
    add_walk_model_options(i)
    add_memory_option(i)
    i.set_defaults(handler=_cmd_isochrones)


def _add_coverage_command(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser(
        "coverage",
        help="share of demand within a walk of the nearest station, per district",
        description=(
            "Coverage of demand by the nearest station along the walk network, compared with "
            "straight-line circles of the same nominal radius. Writes summary.json, "
            "by_district.csv, stations.csv (unique and shared coverage per station), "
            "gaps.gpkg (uncovered demand), covered.gpkg, layers.gpkg, map.html, report.html "
            "and report.xlsx to --out."
        ),
    )
    c.add_argument(
        "--network", type=in_text, required=True, metavar="SOURCE", help="saved network or SOURCE"
    )
    add_station_input_options(c)
    add_demand_options(c)
    c.add_argument(
        "--minutes",
        default=f"{settings.MINUTES:g}",
        help=f"walking-time limit (default {settings.MINUTES:g})",
    )
    c.add_argument(
        "--districts",
        type=in_path,
        default=None,
        metavar="FILE",
        help="district polygons (default: Chongqing's 38 区县)",
    )
    c.add_argument(
        "--district-column", default=None, metavar="NAME", help="name column of --districts"
    )
    c.add_argument(
        "--exit-candidates",
        type=float,
        default=None,
        metavar="PCT",
        help="also list the stations whose closure loses less than PCT %% of covered demand",
    )
    c.add_argument(
        "--candidates",
        default=None,
        metavar="FILE|auto",
        help="with --exit-candidates: find each one's best replacement among these sites",
    )
    c.add_argument(
        "--candidates-crs", type=crs_arg, default=None, metavar="CRS", help="CRS of --candidates"
    )
    c.add_argument("--out", type=out_path, required=True, metavar="DIR", help="output directory")
    add_study_area_option(c)
    add_map_options(c)
    add_map_band_options(c)
    add_centre_options(c)
    add_walk_model_options(c)
    add_memory_option(c)
    add_range_option(c)
    c.set_defaults(handler=_cmd_coverage)


def add_map_command(sub: argparse._SubParsersAction) -> None:
    """``map``."""
    m = sub.add_parser(
        "map",
        help="interactive HTML map of stations, isochrones and new sites",
        description=(
            "A self-contained HTML map (works offline, from disk) of the stations, their walk "
            "isochrones and service area, and optionally new sites from 'optimize'."
        ),
    )
    m.add_argument(
        "--network", type=in_text, required=True, metavar="SOURCE", help="saved network or SOURCE"
    )
    add_station_input_options(m)
    m.add_argument(
        "--sites", type=in_path, default=None, metavar="FILE", help="selected_sites.gpkg or .csv"
    )
    m.add_argument("--out", type=out_path, required=True, help="output .html")
    add_study_area_option(m, drawn=True)
    add_map_options(m)
    add_map_band_options(m, limit=False)
    add_walk_model_options(m)
    add_memory_option(m)
    m.set_defaults(handler=_cmd_map)

"""The ``harbor-planner`` command line: parses arguments, calls the API, maps errors to exits.

Exit codes: 0 success, 1 other harbor-planner error, 2 usage error, 3 bad input data,
4 network error, 5 infeasible problem, 6 missing optional dependency, 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner import __version__
from harbor_planner.errors import HarborPlannerError, InputDataError

if TYPE_CHECKING:
    import pandas as pd

    from harbor_planner.network import WalkModel, WalkNetwork

__all__ = ["main"]

log = logging.getLogger("harbor_planner")

Handler = Callable[[argparse.Namespace], int]


# --------------------------------------------------------------------------- shared options


def _add_walk_model_options(p: argparse.ArgumentParser) -> None:
    """Options every command that takes a network accepts (see ``network build``)."""
    g = p.add_argument_group("walk model")
    g.add_argument(
        "--walk-model",
        choices=["flat", "stairs", "hilly"],
        default=None,
        help="walking-time model (default: hilly with --dem, else stairs)",
    )
    g.add_argument(
        "--walk-speed",
        type=float,
        default=None,
        metavar="KMH",
        help="walking speed on flat ground in km/h (default 4.5, or the saved network's)",
    )
    g.add_argument("--dem", type=Path, default=None, metavar="RASTER", help="elevation raster")
    g.add_argument(
        "--dem-outside",
        choices=["error", "flat"],
        default="error",
        help="what to do with edges the DEM does not cover (default: error)",
    )


def _walk_model_from_args(args: argparse.Namespace) -> WalkModel | None:
    from harbor_planner.network import WalkModel

    return None if args.walk_model is None else WalkModel(kind=args.walk_model)


def _network_from_args(args: argparse.Namespace, source: str) -> WalkNetwork:
    """Open ``--network`` (a SOURCE or a saved network file) with the walk-model options."""
    from harbor_planner.network import build_network

    return build_network(
        source,
        walk_model=_walk_model_from_args(args),
        walk_speed_kmh=args.walk_speed,
        dem=args.dem,
        dem_outside=args.dem_outside,
        progress=args.progress,
    )


# --------------------------------------------------------------------------- network


def _cmd_network_build(args: argparse.Namespace) -> int:
    from harbor_planner.network import build_network, save_network

    if args.out.suffix.lower() != ".npz":
        raise InputDataError(
            f"--out {args.out}: the compiled network is a .npz file; for a GIS layer of the "
            "edges and nodes add --gpkg FILE.gpkg"
        )
    if args.gpkg is not None and args.gpkg.suffix.lower() != ".gpkg":
        raise InputDataError(f"--gpkg {args.gpkg}: expected a .gpkg file name")

    net = build_network(
        args.source,
        walk_model=_walk_model_from_args(args),
        walk_speed_kmh=args.walk_speed,
        dem=args.dem,
        dem_outside=args.dem_outside,
        keep_all=args.keep_all,
        snap_tolerance_m=args.snap_tolerance,
        metric_crs=args.metric_crs,
        progress=args.progress,
    )
    save_network(net, args.out, edges_gpkg=args.gpkg)
    print(net.summary())
    print(f"wrote {args.out}" + (f" and {args.gpkg}" if args.gpkg else ""))
    return 0


def _cmd_network_info(args: argparse.Namespace) -> int:
    net = _network_from_args(args, args.network)
    print(net.summary())
    return 0


def _add_network_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("network", help="build and inspect walk networks")
    nsub = p.add_subparsers(dest="network_command", metavar="COMMAND", required=True)

    b = nsub.add_parser(
        "build",
        help="build a walk network and save it compiled",
        description=(
            "Build a walk network from SOURCE and save it compiled for fast reuse. SOURCE is "
            "an OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf), a GraphML saved by OSMnx, a line "
            "layer of street centrelines (.geojson, .gpkg, .shp) or place:NAME (downloads "
            "from OpenStreetMap; needs the internet)."
        ),
    )
    b.add_argument("source", help="OSM file, GraphML, line layer or place:NAME")
    b.add_argument("--out", type=Path, required=True, help="compiled network file (.npz)")
    b.add_argument(
        "--gpkg",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write edges and nodes (WGS-84) to this GeoPackage for GIS viewing",
    )
    _add_walk_model_options(b)
    b.add_argument(
        "--keep-all",
        action="store_true",
        help="keep every connected component (default: only the largest)",
    )
    b.add_argument(
        "--snap-tolerance",
        type=float,
        default=1.0,
        metavar="M",
        help="line layers: join line ends closer than this many metres (default 1)",
    )
    b.add_argument(
        "--metric-crs",
        default=None,
        metavar="CRS",
        help="projected CRS for lengths (default: the local UTM zone, EPSG:32648 in Chongqing)",
    )
    b.set_defaults(handler=_cmd_network_build)

    i = nsub.add_parser("info", help="print a summary of a network (file or SOURCE)")
    i.add_argument("network", help="saved network file or any SOURCE accepted by build")
    _add_walk_model_options(i)
    i.set_defaults(handler=_cmd_network_info)


# --------------------------------------------------------------------------- coverage


def _add_station_input_options(p: argparse.ArgumentParser) -> None:
    """``--stations FILE`` and how to read it (shared by isochrones and coverage)."""
    g = p.add_argument_group("stations")
    g.add_argument("--stations", type=Path, required=True, metavar="FILE", help="station list")
    g.add_argument(
        "--crs",
        default=None,
        metavar="CRS",
        help="true coordinates of the station list: gcj02, bd09, wgs84 or EPSG:NNNN",
    )
    g.add_argument("--sheet", default=None, metavar="NAME", help="workbook sheet or layer")
    g.add_argument(
        "--status",
        default=None,
        metavar="LIST",
        help=(
            "use only stations of these statuses, e.g. existing,building (default: all but "
            "closed and candidate)"
        ),
    )
    g.add_argument(
        "--max-dist",
        type=float,
        default=150.0,
        metavar="M",
        help="leave out stations farther than this from a walkable street (default 150 m)",
    )


def _stations_from_args(args: argparse.Namespace):
    """Read, check and filter ``--stations``; rejected rows are reported, not fatal."""
    from harbor_planner.stations import read_stations, select_status

    check = read_stations(args.stations, crs=args.crs, sheet=args.sheet)
    if len(check.rejected):
        log.warning(
            "%d rows of %s were rejected (see 'harbor-planner stations check'); "
            "continuing with the %d valid stations",
            len(check.rejected),
            args.stations,
            len(check.stations),
        )
    try:
        return select_status(check.stations, args.status, path=args.stations)
    except InputDataError as exc:
        if exc.path:
            raise
        raise InputDataError(f"--status {args.status}: {exc}") from None


def _add_demand_options(p: argparse.ArgumentParser) -> None:
    """``--demand SPEC`` and its options (shared by coverage and optimize)."""
    from harbor_planner.demand import MAIN_STREET_CLASSES

    g = p.add_argument_group("demand")
    g.add_argument(
        "--demand",
        default="main-streets",
        metavar="SPEC",
        help="main-streets (default), buildings:FILE, points:FILE[:WEIGHT_COLUMN] or grid:METRES",
    )
    g.add_argument(
        "--population",
        type=float,
        default=None,
        help="buildings: total population to allocate by floor area",
    )
    g.add_argument(
        "--demand-crs",
        default=None,
        metavar="CRS",
        help="points from CSV: their coordinate system (gcj02, bd09, wgs84, EPSG:NNNN)",
    )
    g.add_argument(
        "--default-levels",
        type=float,
        default=None,
        metavar="N",
        help="buildings: floors of buildings without levels or height tags (default: the "
        "median of the tagged ones)",
    )
    g.add_argument(
        "--spacing",
        type=float,
        default=50.0,
        metavar="M",
        help="main-streets: one demand point per this many metres of street (default 50)",
    )
    g.add_argument(
        "--demand-within",
        type=Path,
        default=None,
        metavar="FILE",
        help="study area: polygon layer; demand outside it is left out",
    )
    g.add_argument(
        "--main-street-classes",
        default=",".join(MAIN_STREET_CLASSES),
        metavar="LIST",
        help="main-streets: highway classes counted (default %(default)s)",
    )


def _demand_from_args(args: argparse.Namespace, net: WalkNetwork):
    from harbor_planner.demand import demand_from_spec, demand_within

    demand = demand_from_spec(
        args.demand,
        network=net,
        population=args.population,
        crs=args.demand_crs,
        default_levels=args.default_levels,
        spacing_m=args.spacing,
        main_street_classes=args.main_street_classes,
    )
    return demand if args.demand_within is None else demand_within(demand, args.demand_within)


def _parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The command's options, for reports and manifests (paths as text)."""
    skip = {"handler", "verbose", "quiet", "progress"}
    return {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in vars(args).items()
        if k not in skip and v is not None
    }


def _sources(args: argparse.Namespace) -> list[Path]:
    """Input files named on the command line (for the report's data sources)."""
    names = ("network", "stations", "dem", "candidates", "districts", "quota", "demand_within")
    paths = [Path(str(getattr(args, n))) for n in names if getattr(args, n, None)]
    spec = getattr(args, "demand", None)
    if spec and ":" in spec:
        paths.append(Path(spec.split(":", 1)[1]))
    return [p for p in paths if p.is_file()]


def _write_outputs(args: argparse.Namespace, **content: Any) -> list[Path]:
    """Every file of a result folder in ``args.out`` (tables with their summary.json)."""
    from harbor_planner.outputs import write_outputs

    return write_outputs(
        args.out,
        parameters=_parameters(args),
        sources=_sources(args),
        summary=True,
        basemap=args.basemap,
        lang=args.lang,
        tianditu_key=args.tianditu_key,
        **content,
    )


def _add_map_options(p: argparse.ArgumentParser) -> None:
    """How ``map.html`` is drawn (shared by map, coverage and optimize)."""
    g = p.add_argument_group("map")
    g.add_argument(
        "--basemap",
        choices=["osm", "amap", "tianditu", "none"],
        default="osm",
        help="background tiles (amap: overlays shifted to GCJ-02; tianditu: needs "
        "--tianditu-key or TIANDITU_KEY)",
    )
    g.add_argument("--tianditu-key", default=None, metavar="KEY", help="Tianditu API key")
    g.add_argument("--lang", choices=["zh", "en"], default="zh", help="map and report language")


def _write_map(args: argparse.Namespace, path: Path, **layers: Any) -> Path:
    from harbor_planner.maps import make_map, save_map

    m = make_map(basemap=args.basemap, lang=args.lang, tianditu_key=args.tianditu_key, **layers)
    size = save_map(m, path)
    log.info("wrote %s (%.1f MB, self-contained)", path, size / 1e6)
    return path


def _map_isochrones(args: argparse.Namespace, net: Any, stations: Any) -> tuple[Any, Any]:
    """Isochrone bands and service area for the map; skipped for very many stations."""
    from harbor_planner.analysis.isochrones import isochrones, service_area

    bands = _parse_minutes(args.map_bands, "--map-bands", empty_ok=True)
    if not bands or len(stations) > args.map_max_stations:
        if bands:
            log.info(
                "map: %d stations, more than --map-max-stations %d: isochrones left out",
                len(stations),
                args.map_max_stations,
            )
        return None, None
    iso = isochrones(net, stations, minutes=bands, max_dist_m=args.max_dist, progress=args.progress)
    return iso, service_area(iso)


def _add_map_band_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--map-bands",
        default="5,10,15",
        metavar="LIST",
        help='isochrone bands drawn on map.html (default 5,10,15; "" for none)',
    )
    p.add_argument(
        "--map-max-stations",
        type=int,
        default=300,
        metavar="N",
        help="leave isochrones off map.html above this many stations (default 300)",
    )


def _parse_minutes(text: str, option: str = "--minutes", *, empty_ok: bool = False) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputDataError(f"{option} {text}: expected numbers like 5,10,15") from None
    if (not values and not empty_ok) or any(not (v > 0) for v in values):
        raise InputDataError(f"{option} {text!r}: expected positive numbers like 5,10,15")
    return values


def _cmd_isochrones(args: argparse.Namespace) -> int:
    from harbor_planner._io import atomic_path
    from harbor_planner.analysis.grid import grid_service_area
    from harbor_planner.analysis.isochrones import isochrones, service_area

    minutes = _parse_minutes(args.minutes)
    suffix = args.out.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json"):
        raise InputDataError(f"--out {args.out}: expected a .gpkg or .geojson file name")
    if args.method == "grid" and not 0 < args.cell <= args.corridor:
        raise InputDataError(
            f"--cell {args.cell:g}: expected a grid spacing in metres above 0 and at most "
            f"--corridor ({args.corridor:g})"
        )
    if args.workers is not None and args.workers < 1:
        raise InputDataError(f"--workers {args.workers}: expected 1 or more threads")
    stations = _stations_from_args(args)
    net = _network_from_args(args, args.network)
    polys = isochrones(
        net,
        stations,
        minutes=minutes,
        corridor_m=args.corridor,
        method=args.method,
        cell_m=args.cell,
        workers=args.workers,
        max_dist_m=args.max_dist,
        progress=args.progress,
    )
    area = None
    if args.service_area and args.method == "grid":  # on one grid: far faster than uniting
        area = grid_service_area(
            net,
            stations,
            minutes=minutes,
            corridor_m=args.corridor,
            cell_m=args.cell,
            workers=args.workers,
            max_dist_m=args.max_dist,
            progress=args.progress,
        )
    elif args.service_area:
        area = service_area(polys)
    driver = "GPKG" if suffix == ".gpkg" else "GeoJSON"
    with atomic_path(args.out) as tmp:
        polys.to_file(tmp, layer="isochrones", driver=driver)
        if area is not None and driver == "GPKG":
            area.to_file(tmp, layer="service_area", driver=driver)
    written = [str(args.out)]
    if area is not None and driver == "GeoJSON":
        side = args.out.with_name(args.out.stem + "_service_area" + args.out.suffix)
        with atomic_path(side) as tmp:
            area.to_file(tmp, driver=driver)
        written.append(str(side))
    print(
        f"{len(polys)} isochrones ({'/'.join(f'{m:g}' for m in minutes)} min) for "
        f"{polys['station_id'].nunique()} stations; wrote {', '.join(written)}"
    )
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    from harbor_planner.analysis.coverage import coverage

    minutes = _parse_minutes(args.minutes)
    if len(minutes) != 1:
        raise InputDataError(f"--minutes {args.minutes}: coverage takes one limit, e.g. 15")
    stations = _stations_from_args(args)
    net = _network_from_args(args, args.network)
    demand = _demand_from_args(args, net)
    districts = None
    if args.districts is not None:
        import geopandas as gpd

        districts = gpd.read_file(args.districts)
    result = coverage(
        net,
        stations,
        demand,
        minutes=minutes[0],
        max_dist_m=args.max_dist,
        districts=districts,
        district_column=args.district_column,
    )
    iso, area = _map_isochrones(args, net, stations)
    files = _write_outputs(
        args,
        coverage=result,
        isochrones=iso,
        service_area=area,
        districts=districts,
        district_column=args.district_column,
    )
    if args.exit_candidates is not None:
        files.append(
            _write_exit_candidates(result, args.exit_candidates, args.out, args, net, demand)
        )
    s = result.summary
    print(
        f"{s['coverage_pct']:.1f} % of {s['demand_kind']} demand ({s['demand_total']:,.0f} "
        f"{s['demand_unit']}) is within {s['minutes']:g} min of walking of "
        f"{s['stations_on_network']} stations; straight-line circles of "
        f"{s['euclidean_radius_m']:,.0f} m would claim {s['euclidean_coverage_pct']:.1f} %."
    )
    print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _write_exit_candidates(
    result: Any, pct: float, out: Path, args: argparse.Namespace, net: Any, demand: Any
) -> Path:
    """Stations whose closure loses less than ``pct`` % of the covered demand.

    With ``--candidates``, each gets the candidate site that best recovers what it alone
    covers.
    """
    import numpy as np

    from harbor_planner._io import atomic_path

    st = result.stations
    keep = (st["on_network"] & (st["exit_loss_pct"] < pct)).to_numpy()
    exits = st[keep].assign(_pos=np.flatnonzero(keep)).sort_values("exit_loss_pct")
    cols = [c for c in ("station_id", "name", "district", "status") if c in exits]
    cols += ["demand_covered", "unique_demand", "shared_demand", "exit_loss_pct"]
    table = exits[cols]
    if args.candidates is not None and len(exits):
        from harbor_planner.analysis.redundancy import replacement_sites
        from harbor_planner.candidates import candidates_from_spec
        from harbor_planner.optimize import coverage_matrix

        cand = candidates_from_spec(args.candidates, network=net, crs=args.candidates_crs)
        cm = coverage_matrix(net, cand, demand, minutes=result.summary["minutes"])
        repl = replacement_sites(result, cm, exits["_pos"].tolist())
        table = table.reset_index(drop=True).join(
            repl.drop(columns=["station_id"]).reset_index(drop=True)
        )
    path = out / "exit_candidates.csv"
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")
    print(
        f"{len(exits)} of {len(st)} stations could close losing less than {pct:g} % of the "
        "covered demand each (exit_candidates.csv)"
    )
    return path


def _add_coverage_commands(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser(
        "isochrones",
        help="walk isochrone polygons per station",
        description=(
            "Polygons of the streets reachable within each time band from each station, "
            "following the network (no circles, no convex hulls). Output in WGS-84: one "
            "feature per station and band with station_id and minutes."
        ),
    )
    i.add_argument("--network", required=True, metavar="SOURCE", help="saved network or SOURCE")
    _add_station_input_options(i)
    i.add_argument("--minutes", default="5,10,15", help="time bands (default 5,10,15)")
    i.add_argument("--out", type=Path, required=True, help="output .gpkg or .geojson")
    i.add_argument(
        "--corridor",
        type=float,
        default=25.0,
        metavar="M",
        help="walking corridor either side of reachable streets (default 25 m)",
    )
    i.add_argument(
        "--method",
        choices=("exact", "grid"),
        default="exact",
        help=(
            "exact: union of the buffered streets (default); grid: contoured from exact "
            "distances on a --cell grid, 10-20x faster for many stations, boundary within a "
            "fraction of a cell"
        ),
    )
    i.add_argument(
        "--cell",
        type=float,
        default=10.0,
        metavar="M",
        help="grid spacing of --method grid (default 10 m, at most --corridor)",
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
    _add_walk_model_options(i)
    i.set_defaults(handler=_cmd_isochrones)

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
    c.add_argument("--network", required=True, metavar="SOURCE", help="saved network or SOURCE")
    _add_station_input_options(c)
    _add_demand_options(c)
    c.add_argument("--minutes", default="15", help="walking-time limit (default 15)")
    c.add_argument(
        "--districts",
        type=Path,
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
    c.add_argument("--candidates-crs", default=None, metavar="CRS", help="CRS of --candidates")
    c.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    _add_map_options(c)
    _add_map_band_options(c)
    _add_walk_model_options(c)
    c.set_defaults(handler=_cmd_coverage)


# --------------------------------------------------------------------------- optimize


def _quotas_from_args(args: argparse.Namespace, n_add: int | None) -> pd.DataFrame | None:
    from harbor_planner.optimize.quotas import quota_table

    if args.quota is None:
        return None
    custom = args.districts is not None
    if args.quota.startswith("proportional:"):
        rest = args.quota[len("proportional:") :]
        file, sep, column = rest.rpartition(":")
        if not sep or not file or not column:
            raise InputDataError(
                f"--quota {args.quota}: expected proportional:FILE:COLUMN, e.g. "
                "proportional:district_population_2020.csv:population"
            )
        if not n_add:
            raise InputDataError("--quota proportional:... needs --add N (or --stages)")
        return quota_table(Path(file), column=column, n_add=n_add, custom_districts=custom)
    return quota_table(Path(args.quota), custom_districts=custom)


def _cmd_optimize(args: argparse.Namespace) -> int:
    import geopandas as gpd
    import numpy as np

    from harbor_planner.optimize import parse_stages, plan_sites
    from harbor_planner.optimize.quotas import read_excluded

    minutes = _parse_minutes(args.minutes)
    if len(minutes) != 1:
        raise InputDataError(f"--minutes {args.minutes}: optimize takes one limit, e.g. 15")
    stages = parse_stages(args.stages) if args.stages else None
    n_add = args.add if args.add is not None else (sum(n for _, n in stages) if stages else None)
    if args.mode == "max-cover" and not n_add:
        raise InputDataError("say how many sites to add: --add N (or --stages)")
    if args.mode == "cover" and args.target is None:
        raise InputDataError("--mode cover needs --target PERCENT, e.g. --target 95")
    stations = _stations_from_args(args)
    net = _network_from_args(args, args.network)
    demand = _demand_from_args(args, net)
    excluded = None
    if args.exclude is not None:
        path = Path(args.exclude)
        excluded = read_excluded(
            path if path.is_file() else [x for x in args.exclude.split(",") if x.strip()]
        )
    plan = plan_sites(
        net,
        stations,
        demand,
        candidates=args.candidates,
        candidates_crs=args.candidates_crs,
        candidate_spacing_m=args.candidate_spacing,
        poi_files=args.poi or (),
        districts=gpd.read_file(args.districts) if args.districts is not None else None,
        district_column=args.district_column,
        minutes=minutes[0],
        max_dist_m=args.max_dist,
        min_spacing_m=args.min_spacing,
        spacing=args.spacing_by,
        progress=args.progress,
        n_add=n_add,
        mode=args.mode,
        target_pct=args.target,
        solver=args.solver,
        time_limit_s=args.time_limit,
        excluded=excluded,
        quotas=_quotas_from_args(args, n_add),
        budget=args.budget,
        stages=stages,
        min_cover=args.min_cover,
    )
    candidates, cm, selection, sites = plan.candidates, plan.matrix, plan.selection, plan.sites
    extra = {
        "stations_existing": len(stations),
        "candidates": len(candidates),
        "candidates_spec": args.candidates,
        "minutes": minutes[0],
        "walk_model": net.walk_model.kind,
        "walk_speed_kmh": net.walk_model.speed_kmh,
        "demand_kind": demand.kind,
        "demand_spec": demand.spec,
        "min_spacing_m": args.min_spacing,
        "spacing_by": args.spacing_by,
        "quota": args.quota,
        "budget": args.budget,
        "stages": [{"stage": s, "sites": n} for s, n in stages] if stages else None,
        "matrix": cm.info,
    }
    files = _write_outputs(
        args,
        selection=selection,
        sites=sites,
        candidates=candidates,
        stations=stations,
        selection_extra=extra,
    )
    gap = selection.gap
    print(
        f"{len(selection.selected)} new sites ({selection.solver}) take coverage of "
        f"{demand.kind} demand from {selection.coverage_pct_before:.1f} % to "
        f"{selection.coverage_pct_after:.1f} % within {minutes[0]:g} min; optimality gap "
        + ("unknown" if not np.isfinite(gap) else f"{100 * gap:.2f} %")
    )
    if selection.min_cover > 1:
        before = 100.0 * selection.double_before / selection.total
        after = 100.0 * selection.double_after / selection.total
        print(f"demand covered by two or more stations: {before:.1f} % -> {after:.1f} %")
    print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _add_optimize_command(sub: argparse._SubParsersAction) -> None:
    o = sub.add_parser(
        "optimize",
        help="choose new station sites (maximal coverage or set cover)",
        description=(
            "Choose where new stations should go: the N sites that add most covered demand "
            "(maximal coverage), or the fewest that reach a target share (--mode cover). "
            "Existing stations stay fixed. Writes selected_sites.csv/.gpkg (rank = order of "
            "addition), coverage_curve.csv and summary.json (with the proven optimality gap)."
        ),
    )
    o.add_argument("--network", required=True, metavar="SOURCE", help="saved network or SOURCE")
    _add_station_input_options(o)
    o.add_argument("--add", type=int, default=None, metavar="N", help="number of new sites")
    o.add_argument(
        "--mode",
        choices=["max-cover", "cover"],
        default="max-cover",
        help="max-cover (MCLP, default) or cover (LSCP: fewest sites for --target)",
    )
    o.add_argument(
        "--target", type=float, default=None, metavar="PCT", help="cover mode: target percent"
    )
    o.add_argument(
        "--min-cover",
        type=int,
        default=1,
        metavar="K",
        help="max-cover: count each demand point up to K covers (2 = backup coverage)",
    )
    g = o.add_argument_group("candidates")
    g.add_argument(
        "--candidates",
        default="auto",
        metavar="FILE|auto",
        help="candidate sites: a station-format file, or auto (street sites + POIs; default)",
    )
    g.add_argument("--candidates-crs", default=None, metavar="CRS", help="CRS of --candidates")
    g.add_argument(
        "--candidate-spacing",
        type=float,
        default=200.0,
        metavar="M",
        help="auto: one street site per this many metres (default 200)",
    )
    g.add_argument(
        "--poi", action="append", metavar="FILE", help="auto: extra POI layer (repeatable)"
    )
    g.add_argument(
        "--exclude", default=None, metavar="IDS|FILE", help="site ids that may not be chosen"
    )
    _add_demand_options(o)
    o.add_argument("--minutes", default="15", help="walking-time limit (default 15)")
    c = o.add_argument_group("constraints")
    c.add_argument(
        "--quota",
        default=None,
        metavar="FILE|proportional:FILE:COLUMN",
        help="new sites per district: a CSV with district,min,max, or N split in proportion "
        "to a column of a district table",
    )
    c.add_argument("--min-spacing", type=float, default=None, metavar="M",
                   help="metres between any two stations, old or new")  # fmt: skip
    c.add_argument("--spacing-by", choices=["line", "walk"], default="line",
                   help="--min-spacing in a straight line (default) or on foot")  # fmt: skip
    c.add_argument("--budget", type=float, default=None, help="budget for the cost column")
    c.add_argument("--stages", default=None, metavar="Y:N,...",
                   help="staged roll-out, e.g. 2024:400,2025:400")  # fmt: skip
    c.add_argument("--districts", type=Path, default=None, metavar="FILE",
                   help="district polygons (default: Chongqing's 38 区县)")  # fmt: skip
    c.add_argument("--district-column", default=None, metavar="NAME")
    s = o.add_argument_group("solver")
    s.add_argument("--solver", choices=["greedy", "exact"], default="greedy",
                   help="greedy (fast, with a proven bound) or exact (HiGHS MILP)")  # fmt: skip
    s.add_argument("--time-limit", type=float, default=600.0, metavar="S",
                   help="exact: stop after S s with the best solution (default 600)")  # fmt: skip
    o.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    _add_map_options(o)
    _add_walk_model_options(o)
    o.set_defaults(handler=_cmd_optimize)


def _cmd_map(args: argparse.Namespace) -> int:
    import geopandas as gpd

    if args.out.suffix.lower() not in (".html", ".htm"):
        raise InputDataError(f"--out {args.out}: expected an .html file name")
    stations = _stations_from_args(args)
    net = _network_from_args(args, args.network)
    iso, area = _map_isochrones(args, net, stations)
    sites = None
    if args.sites is not None:
        if not args.sites.is_file():
            raise InputDataError("file not found", path=args.sites)
        if args.sites.suffix.lower() == ".csv":
            import pandas as pd

            table = pd.read_csv(args.sites, encoding="utf-8-sig")
            sites = gpd.GeoDataFrame(
                table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326"
            )
        else:
            sites = gpd.read_file(args.sites)
    _write_map(args, args.out, stations=stations, sites=sites, isochrones=iso, service_area=area)
    print(f"wrote {args.out}")
    return 0


def _add_map_command(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser(
        "map",
        help="interactive HTML map of stations, isochrones and new sites",
        description=(
            "A self-contained HTML map (works offline, from disk) of the stations, their walk "
            "isochrones and service area, and optionally new sites from 'optimize'."
        ),
    )
    m.add_argument("--network", required=True, metavar="SOURCE", help="saved network or SOURCE")
    _add_station_input_options(m)
    m.add_argument(
        "--sites", type=Path, default=None, metavar="FILE", help="selected_sites.gpkg or .csv"
    )
    m.add_argument("--out", type=Path, required=True, help="output .html")
    _add_map_options(m)
    _add_map_band_options(m)
    _add_walk_model_options(m)
    m.set_defaults(handler=_cmd_map)


def _print_run(result: Any) -> None:
    """The headline figures of a scenario run and where its files are."""
    s = result.summary["coverage"]
    print(
        f"{s['coverage_pct']:.1f} % of {s['demand_kind']} demand ({s['demand_total']:,.0f} "
        f"{s['demand_unit']}) is within {s['minutes']:g} min of walking of "
        f"{s['stations_on_network']} stations; straight-line circles of "
        f"{s['euclidean_radius_m']:,.0f} m would claim {s['euclidean_coverage_pct']:.1f} %."
    )
    opt = result.summary["optimize"]
    if opt is not None:
        gap = opt["optimality_gap"]
        n = opt["sites_added"]
        print(
            f"{n} new site{'s' if n != 1 else ''} ({opt['solver']}) take{'s' if n == 1 else ''} "
            f"it to "
            f"{opt['coverage_pct_after']:.1f} %; optimality gap "
            + ("unknown" if gap is None else f"{100 * gap:.2f} %")
        )
    names = sorted({f.name for f in result.files})
    print(f"wrote {len(result.files)} files to {result.out_dir}: {', '.join(names)}")


def _cmd_run(args: argparse.Namespace) -> int:
    from harbor_planner.scenario import load_scenario, run

    scenario = load_scenario(args.scenario, overrides=args.set or [])
    result = run(scenario, out=args.out, progress=args.progress)
    _print_run(result)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from harbor_planner.scenario import compare_runs, format_comparison, write_comparison

    labels = [x.strip() for x in args.labels.split(",")] if args.labels else None
    comparison = compare_runs(args.runs, labels=labels)
    print(format_comparison(comparison))
    files = write_comparison(comparison, args.out)
    print(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from harbor_planner.scenario import demo_scenario_path, run

    path = demo_scenario_path()
    result = run(path, out=args.out, progress=args.progress)
    _print_run(result)
    print(
        f"demo (fictional district, data and scenario in {path.parent}): open "
        f"{result.out_dir / 'map.html'} and {result.out_dir / 'report.html'}"
    )
    return 0


def _add_scenario_commands(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "run",
        help="run a scenario file end to end (coverage, optimisation, map, reports)",
        description=(
            "Run a TOML scenario: stations → network → demand → coverage → new sites (when "
            "the scenario has [optimize]) → summary.json, tables, map.html, report.html, "
            "report.xlsx, layers.gpkg and run.json (the manifest: inputs with hashes, "
            "versions, settings, timings). Paths in the scenario are relative to its file."
        ),
    )
    r.add_argument("scenario", type=Path, help="scenario file (.toml)")
    r.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output folder (default: output.dir)"
    )
    r.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="change a setting, e.g. --set network.walk_speed_kmh=3.2 (repeatable; values "
        "as in TOML, paths relative to the working directory)",
    )
    r.set_defaults(handler=_cmd_run)

    c = sub.add_parser(
        "compare",
        help="side-by-side table of the results of several runs",
        description=(
            "Put the headline figures and the per-district coverage of several result "
            "folders (of 'run' or 'coverage') side by side, with each one's difference from "
            "the first; prints the table and writes it to --out."
        ),
    )
    c.add_argument("runs", nargs="+", type=Path, metavar="OUT_DIR", help="result folders")
    c.add_argument("--labels", default=None, metavar="A,B,...", help="names of the runs")
    c.add_argument(
        "--out",
        type=Path,
        default=Path("comparison.xlsx"),
        metavar="FILE",
        help="table to write: .xlsx (sheets overall, districts) or .csv (default comparison.xlsx)",
    )
    c.set_defaults(handler=_cmd_compare)

    d = sub.add_parser(
        "demo",
        help="run the bundled demo scenario on a fictional district (offline)",
        description=(
            "Run the bundled scenario on a small fictional hilly river district (示例区, "
            "project-authored data): coverage of a dozen stations and the best new site, "
            "with the same outputs as 'run'. Runs offline in seconds."
        ),
    )
    d.add_argument(
        "--out", type=Path, default=Path("harbor-demo"), help="output folder (default harbor-demo)"
    )
    d.set_defaults(handler=_cmd_demo)


# --------------------------------------------------------------------------- parser


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harbor-planner",
        description=(
            "15-minute walking coverage and site planning for worker harbour (渝工港湾) stations."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="log only errors")
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=None,
        help="never show progress bars (they are shown on terminals only)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_network_commands(sub)
    _add_stations_commands(sub)
    _add_coverage_commands(sub)
    _add_optimize_command(sub)
    _add_map_command(sub)
    _add_scenario_commands(sub)
    return parser


def _cmd_stations_check(args: argparse.Namespace) -> int:
    from harbor_planner.stations import (
        format_problem_table,
        merge_placement,
        place_stations,
        read_stations,
        write_station_check,
    )

    check = read_stations(
        args.file,
        crs=args.crs,
        sheet=args.sheet,
        extent=None if args.no_extent else "chongqing",
        encoding=args.encoding,
    )
    if args.network is not None:
        net = _network_from_args(args, args.network)
        placement = place_stations(check.stations, net, max_dist_m=args.max_dist)
        check = merge_placement(check, placement)
    print(format_problem_table(check.problems, max_rows=args.max_problems))
    print(check.summary())
    if args.out is not None:
        write_station_check(check, args.out)
        print(f"wrote {args.out} (layers: stations, rejected, problems)")
    if not check.ok:
        print(
            f"harbor-planner: error: {len(check.errors)} errors in {args.file}; the rows "
            "listed above were rejected",
            file=sys.stderr,
        )
        return InputDataError.exit_code
    return 0


def _cmd_stations_number(args: argparse.Namespace) -> int:
    from harbor_planner._io import atomic_path
    from harbor_planner.register import number_stations, register_table
    from harbor_planner.stations import format_problem_table, read_stations

    suffix = args.out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".gpkg"):
        raise InputDataError(f"--out {args.out}: expected a .csv, .xlsx or .gpkg file name")
    if args.out.resolve() == args.file.resolve():
        raise InputDataError(f"--out {args.out}: write the register to a new file")
    check = read_stations(args.file, crs=args.crs, sheet=args.sheet)
    if not check.ok:
        print(format_problem_table(check.errors))
        raise InputDataError(
            f"{len(check.rejected)} rows have errors (listed above); fix them before numbering, "
            "so that no station is left out of the register",
            path=args.file,
        )
    numbering = number_stations(check.stations)
    table = register_table(numbering.stations)
    with atomic_path(args.out) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            table.to_excel(tmp, index=False, sheet_name="register")
        else:
            import geopandas as gpd

            geometry = numbering.stations.geometry.to_numpy()
            layer = gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")
            layer.to_file(tmp, layer="register", driver="GPKG")
    print(
        f"{len(table)} stations: {numbering.kept} codes kept, {numbering.assigned} new; "
        f"wrote {args.out}"
    )
    return 0


def _add_stations_commands(sub: argparse._SubParsersAction) -> None:
    """Station commands (``stations check``...)."""
    p = sub.add_parser("stations", help="read, check and place station lists")
    ssub = p.add_subparsers(dest="stations_command", metavar="COMMAND", required=True)
    c = ssub.add_parser(
        "check",
        help="check a station list and print its problems",
        description=(
            "Read a station list (CSV in UTF-8 or GBK, XLSX, GeoJSON, GeoPackage, Shapefile), "
            "check every row and print a table of problems with their row numbers. Exits with "
            "3 when any row has an error. The input file is never modified."
        ),
    )
    c.add_argument("file", type=Path, help="station list")
    c.add_argument(
        "--crs",
        default=None,
        metavar="CRS",
        help=(
            "true coordinate system of the coordinates: gcj02 (AMap/高德, Tencent), bd09 "
            "(Baidu), wgs84 (GPS, OpenStreetMap) or EPSG:NNNN; required for CSV/XLSX and for "
            "GIS files that claim EPSG:4326"
        ),
    )
    c.add_argument(
        "--sheet",
        default=None,
        metavar="NAME",
        help="workbook sheet or GeoPackage layer (default: every sheet with coordinates)",
    )
    c.add_argument("--encoding", default=None, help="force the CSV text encoding (e.g. gbk)")
    c.add_argument(
        "--no-extent",
        action="store_true",
        help="do not reject points outside Chongqing",
    )
    c.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the clean stations, the rejected rows and the problems to this GeoPackage",
    )
    c.add_argument(
        "--max-problems",
        type=int,
        default=None,
        metavar="N",
        help="print at most N problems (default: all)",
    )
    g = c.add_argument_group("placing on a walk network")
    g.add_argument(
        "--network",
        default=None,
        metavar="SOURCE",
        help="snap the stations to this network (saved file or any SOURCE of network build)",
    )
    g.add_argument(
        "--max-dist",
        type=float,
        default=150.0,
        metavar="M",
        help="flag stations farther than this from a walkable street (default 150 m)",
    )
    _add_walk_model_options(c)
    c.set_defaults(handler=_cmd_stations_check)

    n = ssub.add_parser(
        "number",
        help="give every station its unified code <adcode>-<NNNN> (统一站点编号)",
        description=(
            "Number the register: codes already given (统一编号) are kept, new stations get "
            "the next number of their district, a closed station's code is never reused. "
            "The register is written with the coordinates as given, so numbering it again "
            "with the same --crs changes nothing."
        ),
    )
    n.add_argument("file", type=Path, help="station list or register")
    n.add_argument("--crs", default=None, metavar="CRS", help="true coordinates of the file")
    n.add_argument("--sheet", default=None, metavar="NAME", help="workbook sheet or layer")
    n.add_argument("--out", type=Path, required=True, help="register to write (.csv/.xlsx/.gpkg)")
    n.set_defaults(handler=_cmd_stations_number)


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when ``None``.

    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    # the command's logging setup is undone afterwards, so that calling main() from Python
    # (tests, notebooks) leaves the caller's logging as it was
    saved = (log.handlers[:], log.level, log.propagate)
    _configure_logging(args)
    handler: Handler = args.handler
    try:
        return handler(args)
    except HarborPlannerError as exc:
        print(f"harbor-planner: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("harbor-planner: interrupted", file=sys.stderr)
        return 130
    finally:
        log.handlers[:] = saved[0]
        log.setLevel(saved[1])
        log.propagate = saved[2]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

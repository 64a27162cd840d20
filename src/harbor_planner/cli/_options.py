"""Option groups shared by several commands, and the scenario their values make.

``coverage``, ``optimize``, ``isochrones`` and ``map`` do not call the analysis themselves:
their options become the settings of a :class:`~harbor_planner.scenario.Scenario` (paths
relative to the working directory) and they run the same steps
(:mod:`harbor_planner.pipeline`) as ``harbor-planner run``. Choices and defaults come from
:mod:`harbor_planner.settings`, as in the scenario's validation.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner import settings
from harbor_planner.cli._types import crs_arg, in_path, sheet_arg
from harbor_planner.errors import InputDataError, ScenarioError, UsageError

if TYPE_CHECKING:
    from harbor_planner.scenario import NetworkConfig, Scenario


def say(text: object, *, flush: bool = False) -> None:
    """Print a result line to stdout without control characters or escape sequences.

    Lines hold user text (file and folder names, labels, station names): an escape sequence
    there would reach the terminal (window titles, cleared screens) if printed as it is.
    """
    from harbor_planner._text import clean_text

    print(clean_text(str(text)), flush=flush)


__all__ = [
    "add_accept_datum_option",
    "add_centre_options",
    "add_demand_options",
    "add_map_band_options",
    "add_map_options",
    "add_memory_option",
    "add_network_area_options",
    "add_partition_options",
    "add_range_option",
    "add_station_input_options",
    "add_study_area_option",
    "add_walk_model_options",
    "centre_overrides",
    "centres_settings",
    "check_outputs",
    "demand_settings",
    "max_grade_setting",
    "minutes_text",
    "network_area_settings",
    "network_config",
    "network_settings",
    "output_settings",
    "parse_minutes",
    "partition_overrides",
    "say",
    "scenario_from_args",
    "stations_settings",
    "study_settings",
]


def minutes_text(minutes: tuple[float, ...]) -> str:
    """Minutes as the text of an option (``5,10,15``)."""
    return ",".join(f"{m:g}" for m in minutes)


def parse_minutes(text: str, option: str = "--minutes", *, empty_ok: bool = False) -> list[float]:
    """Comma-separated positive minutes (``5,10,15``).

    Raises
    ------
    UsageError
        Not numbers, not positive, or none (unless ``empty_ok``).

    """
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"{option} {text}: expected numbers like 5,10,15", option=option) from None
    if (not values and not empty_ok) or any(not (math.isfinite(v) and v > 0) for v in values):
        raise UsageError(
            f"{option} {text!r}: expected positive numbers like 5,10,15", option=option
        )
    if any(v > settings.MAX_MINUTES for v in values):
        raise UsageError(
            f"{option} {text!r}: at most {settings.MAX_MINUTES:g} minutes (a walk of hours is no "
            "service circle)",
            option=option,
        )
    return values


# --------------------------------------------------------------------------- option groups


def add_walk_model_options(p: argparse.ArgumentParser) -> None:
    """Options every command that takes a network accepts (see ``network build``)."""
    g = p.add_argument_group("walk model")
    g.add_argument(
        "--walk-model",
        choices=settings.WALK_MODELS,
        default=None,
        help="walking-time model (default: hilly with --dem, else stairs)",
    )
    g.add_argument(
        "--walk-speed",
        type=float,
        default=None,
        metavar="KMH",
        help=f"walking speed on flat ground in km/h (default {settings.WALK_SPEED_KMH:g}, or "
        "the saved network's)",
    )
    g.add_argument(
        "--walk-direction",
        choices=settings.WALK_DIRECTIONS,
        default=None,
        help="which way walks are timed: from-station (default: leaving the stations) or "
        "to-station (from the streets to the stations; differs on slopes and stairs)",
    )
    g.add_argument("--dem", type=in_path, default=None, metavar="RASTER", help="elevation raster")
    g.add_argument(
        "--dem-outside",
        choices=settings.DEM_OUTSIDE_CHOICES,
        default=settings.DEM_OUTSIDE_CHOICES[0],
        help="what to do with edges the DEM does not cover (default: error)",
    )
    g.add_argument(
        "--dem-smoothing",
        type=float,
        default=None,
        metavar="M",
        help="smooth the DEM by a Gaussian of this sigma before reading grades (default "
        f"{settings.DEM_SMOOTHING_M:g} m for 30 m surface models; 0 for a bare-earth DTM)",
    )
    g.add_argument(
        "--max-grade",
        action="append",
        default=None,
        metavar="CLASS=PCT",
        help="grade cap of a highway class in percent, e.g. primary=8 (repeatable; default "
        "CJJ 37-2012 with the mountain-city allowance, see settings.MAX_GRADE_PCT)",
    )


def add_station_input_options(p: argparse.ArgumentParser) -> None:
    """``--stations FILE`` and how to read it (shared by isochrones, coverage, optimize, map)."""
    g = p.add_argument_group("stations")
    g.add_argument(
        "--stations",
        type=in_path,
        required=True,
        action="append",
        metavar="FILE",
        help="station list (repeated: several lists joined, all in the one --crs)",
    )
    g.add_argument(
        "--crs",
        type=crs_arg,
        default=None,
        metavar="CRS",
        help="true coordinates of the station list: gcj02, bd09, wgs84 or EPSG:NNNN",
    )
    g.add_argument(
        "--sheet",
        default=None,
        action="append",
        metavar="NAME",
        help="workbook sheet or layer (repeated: several sheets; default every visible sheet)",
    )
    g.add_argument(
        "--status",
        default=None,
        metavar="LIST",
        help=(
            "use only stations of these statuses, e.g. existing,building or 已建成,在建 "
            "(default: all but closed and candidate)"
        ),
    )
    g.add_argument(
        "--max-dist",
        type=float,
        default=settings.SNAP_MAX_DIST_M,
        metavar="M",
        help="snapping distance: stations, demand and candidates farther from a walkable "
        f"street are off the network (default {settings.SNAP_MAX_DIST_M:g} m; more is warned of)",
    )
    add_accept_datum_option(g)


def add_accept_datum_option(g: Any) -> None:
    """``--accept-datum``: use points in the stated datum although another fits better."""
    g.add_argument(
        "--accept-datum",
        action="store_true",
        default=None,
        help="use the points in the stated --crs even when they fit the walkable streets much "
        "better in another datum (default: an error naming the better datum)",
    )


def add_demand_options(p: argparse.ArgumentParser) -> None:
    """``--demand SPEC`` and its options (shared by coverage and optimize)."""
    from harbor_planner.demand import MAIN_STREET_CLASSES

    g = p.add_argument_group("demand")
    g.add_argument(
        "--demand",
        action="append",
        default=None,
        metavar="SPEC",
        help="main-streets (default), buildings:FILE, points:FILE[:WEIGHT_COLUMN] or "
        "grid:METRES; repeat it for several files of one kind (e.g. each district's "
        "buildings), joined into one demand",
    )
    g.add_argument(
        "--population",
        type=float,
        action="append",
        default=None,
        help="buildings: total population to allocate by floor area; with several --demand "
        "files, once (one total shared by floor area) or once per file, in their order",
    )
    g.add_argument(
        "--demand-crs",
        type=crs_arg,
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
        default=settings.STREET_SPACING_M,
        metavar="M",
        help="main-streets: one demand point per this many metres of street "
        f"(default {settings.STREET_SPACING_M:g})",
    )
    g.add_argument(
        "--demand-within",
        type=in_path,
        default=None,
        metavar="FILE",
        help="study area: polygon layer; demand outside it is left out",
    )
    g.add_argument(
        "--main-street-classes",
        default=None,  # unset unless given: other demand kinds are not told of it (19W)
        metavar="LIST",
        help=f"main-streets: highway classes counted (default {','.join(MAIN_STREET_CLASSES)})",
    )


def add_map_options(p: argparse.ArgumentParser) -> None:
    """How ``map.html`` is drawn (shared by map, coverage and optimize)."""
    g = p.add_argument_group("map")
    g.add_argument(
        "--basemap",
        choices=settings.BASEMAPS,
        default=settings.BASEMAPS[0],
        help="background tiles (amap: overlays shifted to GCJ-02; tianditu: needs "
        "--tianditu-key or TIANDITU_KEY)",
    )
    g.add_argument("--tianditu-key", default=None, metavar="KEY", help="Tianditu API key")
    g.add_argument(
        "--lang", choices=settings.LANGS, default=settings.LANGS[0], help="map and report language"
    )


def add_map_band_options(p: argparse.ArgumentParser, *, limit: bool = True) -> None:
    """``--map-bands`` and ``--map-max-stations``: the isochrones drawn on ``map.html``.

    ``limit``: the command has a walking limit (``--minutes``) the default bands follow.
    """
    bands = minutes_text(settings.MAP_BANDS_MINUTES)
    default = (
        f"those of {bands} below the walking limit, then the limit: 5,10,12 for 12 min"
        if limit
        else bands
    )
    p.add_argument(
        "--map-bands",
        default=None,
        metavar="LIST",
        help=f'isochrone bands drawn on map.html (default {default}; "" for none)',
    )
    p.add_argument(
        "--map-max-stations",
        type=int,
        default=settings.MAP_MAX_STATIONS,
        metavar="N",
        help="leave isochrones off map.html above this many stations "
        f"(default {settings.MAP_MAX_STATIONS})",
    )
    p.add_argument(
        "--isochrone-method",
        choices=settings.ISOCHRONE_METHODS,
        default=None,
        help=f"isochrones of map.html: auto (default: exact up to "
        f"{settings.ISOCHRONE_AUTO_EXACT_MAX_STATIONS} stations, grid above), exact or grid",
    )


def add_memory_option(p: argparse.ArgumentParser, *, scenario: bool = False) -> None:
    """``--memory-limit GB``: the memory limit of :mod:`harbor_planner.resources`.

    ``scenario``: the command reads a scenario, whose ``coverage.memory_limit_gb`` it overrides.
    """
    over = "; wins over coverage.memory_limit_gb" if scenario else ""
    p.add_argument(
        "--memory-limit",
        type=float,
        default=None,
        metavar="GB",
        help="refuse work whose memory estimate is above this many GB (default: the memory "
        f"available now, or {settings.MEMORY_LIMIT_ENV}{over})",
    )


def add_range_option(p: argparse.ArgumentParser) -> None:
    """``--no-range``: leave out the headline's range (``coverage.range = false``)."""
    p.add_argument(
        "--no-range",
        dest="range",
        action="store_false",
        help="do not measure the headline's range (the coverage again at other walking "
        "speeds and on flat ground: up to five more searches); the figures then state none",
    )


def add_partition_options(p: argparse.ArgumentParser) -> None:
    """``--partition``, ``--scheduler``, ``--workers``: a partitioned run on Dask (``[run]``)."""
    p.add_argument(
        "--partition",
        default=None,
        metavar="district|FILE",
        help="split the study into parts computed on a Dask cluster: 'district' (the "
        "districts of coverage.districts, else Chongqing's 区县) or a polygon layer (name "
        "column: run.partition_name); the figures are those of a whole run (run.partition)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --partition: a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: "
        "a local cluster of worker processes; run.scheduler)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="with --partition: worker processes of the local cluster (default one per CPU; "
        "run.workers)",
    )


def partition_overrides(args: argparse.Namespace) -> list[str]:
    """``--partition``/``--scheduler``/``--workers`` as ``run.*`` overrides."""
    import json

    out = []
    for flag, key in (("partition", "partition"), ("scheduler", "scheduler")):
        value = getattr(args, flag, None)
        if value is not None:
            out.append(f"run.{key}={json.dumps(str(value), ensure_ascii=False)}")
    if getattr(args, "workers", None) is not None:
        out.append(f"run.workers={int(args.workers)}")
    return out


def add_study_area_option(p: argparse.ArgumentParser, *, drawn: bool = False) -> None:
    """``--study-area NAMES|FILE``: the ``[study]`` districts or polygon layer.

    ``drawn``: a command that draws stations (``isochrones``, ``map``): the area picks them.
    """
    what = (
        "the stations drawn are those within walking distance of it"
        if drawn
        else "demand, new sites and the district tables are confined to it, the network is "
        "not (stations outside still count)"
    )
    p.add_argument(
        "--study-area",
        default=None,
        metavar="NAMES|FILE",
        help="study area: Chongqing districts (names or adcodes, comma-separated, e.g. "
        f"渝中区,江北区) or a polygon layer; {what}",
    )


def study_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``[study]`` from ``--study-area`` (empty without it)."""
    from harbor_planner.study_area import parse_study_area_text

    text = getattr(args, "study_area", None)
    if text is None:
        return {}
    values = parse_study_area_text(text)
    if not values.get("area") and not values.get("districts"):
        raise UsageError(
            f"--study-area {text!r}: give district names (渝中区,江北区) or a polygon file",
            option="--study-area",
        )
    _refuse_unknown_districts("--study-area", text, values.get("districts"))
    return _given(values)


def _refuse_unknown_districts(option: str, text: str, names: list[str] | None) -> None:
    """A usage error naming ``option`` when a district name is unknown (with hints)."""
    from harbor_planner.districts import unknown_districts

    problem = unknown_districts(names) if names else None
    if problem:
        raise UsageError(f"{option} {text}: {problem}", option=option)


# --------------------------------------------------------------------------- settings


def _given(values: dict[str, Any]) -> dict[str, Any]:
    """The settings that were given (``None`` means: the scenario's default)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in values.items() if v is not None}


def network_settings(args: argparse.Namespace, source: str | list[str]) -> dict[str, Any]:
    """``[network]`` from ``SOURCE`` (one or several), the walk-model and area options."""
    if isinstance(source, list | tuple):
        source = [str(s) for s in source] if len(source) > 1 else str(source[0])
    return _given(
        {
            "source": source if isinstance(source, list) else str(source),
            "walk_model": args.walk_model,
            "walk_speed_kmh": args.walk_speed,
            "walk_direction": getattr(args, "walk_direction", None),
            "dem": args.dem,
            "dem_outside": args.dem_outside,
            "dem_smoothing_m": getattr(args, "dem_smoothing", None),
            "max_grade_pct": max_grade_setting(getattr(args, "max_grade", None)),
            **network_area_settings(args),
        }
    )


def max_grade_setting(values: list[str] | None) -> dict[str, float] | None:
    """``--max-grade CLASS=PCT`` options as the ``network.max_grade_pct`` table.

    Raises
    ------
    UsageError
        A value that is not ``CLASS=PCT`` with a percentage of 0 or more.

    """
    if not values:
        return None
    table: dict[str, float] = {}
    for text in values:
        cls, _, pct = text.partition("=")
        try:
            value = float(pct)
        except ValueError:
            value = float("nan")
        if not cls.strip() or not math.isfinite(value) or value < 0:
            raise UsageError(
                f"--max-grade {text!r}: expected CLASS=PERCENT, e.g. primary=8",
                option="--max-grade",
            )
        name = settings.road_class(cls)
        if name not in {*settings.MAX_GRADE_PCT, "other"}:
            why = "steps are never capped" if name == "steps" else f"unknown road class {cls!r}"
            known = f"{', '.join(settings.MAX_GRADE_PCT)}, other"
            raise UsageError(f"--max-grade {text!r}: {why}; known: {known}", option="--max-grade")
        table[name] = value
    return table


def add_network_area_options(p: argparse.ArgumentParser) -> None:
    """``--within``, ``--bbox`` and ``--margin-m``: the area a network is clipped to."""
    g = p.add_argument_group("area (clip the network while reading it)")
    area = g.add_mutually_exclusive_group()
    area.add_argument(
        "--within",
        default=None,
        metavar="NAMES|FILE",
        help="keep the ways reaching into these districts (names or adcodes separated by "
        "commas: 渝中区,江北区 or 500103) or this polygon layer",
    )
    area.add_argument(
        "--bbox",
        default=None,
        metavar="W,S,E,N",
        help="keep the ways reaching into this WGS-84 box (degrees, longitude first)",
    )
    g.add_argument(
        "--margin-m",
        type=float,
        default=None,
        metavar="M",
        help="also keep the ways this many metres around the area (default: a walk of "
        f"{settings.MINUTES:g} minutes at the walking speed)",
    )


def network_area_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``network.within``/``bbox``/``margin_m`` from the area options (if the command has them).

    A malformed ``--bbox`` or a negative ``--margin-m`` is a usage error (exit 2).
    """
    from harbor_planner.network.clip import parse_bbox

    bbox = getattr(args, "bbox", None)
    if bbox is not None:
        try:
            bbox = list(parse_bbox(bbox))
        except InputDataError as exc:
            raise UsageError(f"--{exc}", option="--bbox") from None
    within = getattr(args, "within", None)
    if within is not None:  # probe 25E: --within 渝中X was exit 3, --study-area 渝中X exit 2
        from harbor_planner.network.clip import within_district_names

        _refuse_unknown_districts("--within", within, within_district_names(within))
    margin = getattr(args, "margin_m", None)
    if margin is not None and within is None and bbox is None:
        raise UsageError(
            f"--margin-m {margin:g}: the margin around --within or --bbox; give one of them, "
            "or leave --margin-m out",
            option="--margin-m",
        )
    return {"within": getattr(args, "within", None), "bbox": bbox, "margin_m": margin}


def network_config(args: argparse.Namespace, source: str, **more: Any) -> NetworkConfig:
    """The ``[network]`` section of ``network build``/``info`` and ``stations check``.

    ``more``: further settings (``keep_all``, ``snap_tolerance_m``, ``metric_crs``).
    """
    from harbor_planner.scenario import NetworkConfig

    values = {**network_settings(args, source), **_given(more)}
    if "dem" in values:
        values["dem"] = Path(values["dem"])
    cfg = NetworkConfig(**values)
    options = {"max_grade_pct": "--max-grade", "dem_smoothing_m": "--dem-smoothing"}
    grading = [options[k] for k in cfg.grading_without_dem()]
    if grading:
        raise UsageError(
            f"{' and '.join(grading)} {'shapes' if len(grading) == 1 else 'shape'} the grades "
            "read from a DEM: give --dem too, or leave them out (without a DEM they would be "
            "ignored)",
            option=grading[0],
        )
    return cfg


def stations_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``[stations]`` from ``--stations`` and its options (``--status`` checked here)."""
    status = None
    if args.status is not None:
        from harbor_planner.stations._common import STATUS_WORDS_HELP, status_codes

        status, unknown = status_codes(args.status)  # 已建成 as the files write it (19W)
        if unknown or not status:
            raise UsageError(
                f"--status {args.status}: status {', '.join(unknown) or '(empty)'}: unknown; "
                f"known: {STATUS_WORDS_HELP}"
            )
    files = [str(f) for f in args.stations]
    return _given(
        {
            "file": files[0] if len(files) == 1 else files,
            "crs": args.crs,
            "sheet": sheet_arg(args.sheet),
            "status": status,
            "max_dist_m": args.max_dist,
            "accept_datum": getattr(args, "accept_datum", None),
        }
    )


def demand_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``[demand]`` from ``--demand SPEC`` and its options."""
    from harbor_planner.demand import parse_demand_spec

    try:
        specs = [parse_demand_spec(text) for text in args.demand or ["main-streets"]]
    except InputDataError as exc:  # the text of --demand, not a file
        raise UsageError(f"--demand: {exc}", option="--demand") from None
    spec = specs[0]
    if len(specs) > 1 and (
        spec.path is None or any((s.kind, s.column) != (spec.kind, spec.column) for s in specs)
    ):
        raise UsageError(
            "--demand given several times: each must be a file of the same kind with the same "
            "weight column (e.g. --demand buildings:a.gpkg --demand buildings:b.gpkg)",
            option="--demand",
        )
    population = args.population
    if population is not None and len(population) not in (1, len(specs)):
        raise UsageError(
            f"--population given {len(population)} times for {len(specs)} --demand files: "
            "give it once (a total shared by floor area) or once per file",
            option="--population",
        )
    given = args.main_street_classes
    classes = None if given is None else [c.strip() for c in given.split(",") if c.strip()]
    return _given(
        {
            "kind": spec.kind,
            "file": spec.path if len(specs) == 1 else [str(s.path) for s in specs],
            "weight_column": spec.column,
            "cell_m": spec.cell_m,
            "crs": args.demand_crs,
            "population": population[0] if population and len(population) == 1 else population,
            "default_levels": args.default_levels,
            "spacing_m": args.spacing,
            "main_street_classes": classes,
            "within": args.demand_within,
        }
    )


def output_settings(args: argparse.Namespace, out: Path | None = None) -> dict[str, Any]:
    """``[output]`` from the map options (and ``--map-bands``, when the command has it)."""
    bands = getattr(args, "map_bands", None)
    return _given(
        {
            "dir": out,
            "basemap": args.basemap,
            "lang": args.lang,
            "tianditu_key": args.tianditu_key,
            "map_bands": None
            if bands is None
            else parse_minutes(bands, "--map-bands", empty_ok=True),
            "map_max_stations": getattr(args, "map_max_stations", None),
            "isochrone_method": getattr(args, "isochrone_method", None),
        }
    )


def check_outputs(
    outputs: Mapping[str, Path | None] | list[Path],
    inputs: Mapping[str, Any] | list[Any],
) -> None:
    """Before any work: each output file can be written where asked and none is an input.

    Parameters
    ----------
    outputs
        The output files, by the option naming them (``{"--out": path}``), or a list of the
        files of ``--out``; ``None`` values are skipped.
    inputs
        The input files, by role; ``None`` values and ``place:`` sources are skipped.

    Raises
    ------
    OutputError
        An output is an input (however spelled), a folder, or in a folder that does not
        exist or cannot be written.

    """
    from harbor_planner._safety import check_output_file, refuse_overwriting_inputs

    named = outputs.items() if isinstance(outputs, Mapping) else (("--out", p) for p in outputs)
    pairs = [(option, Path(p)) for option, p in named if p is not None]

    def kept(p: Any) -> bool:
        return p is not None and not str(p).startswith("place:")

    # a list stays a list: as a mapping, its inputs' one shared role kept only the last
    files: Mapping[str, Path] | list[Path] = (
        {str(role): Path(p) for role, p in inputs.items() if kept(p)}
        if isinstance(inputs, Mapping)
        else [Path(p) for p in inputs if kept(p)]
    )
    for option, path in pairs:
        refuse_overwriting_inputs(files, [path], option=option)
    for option, path in pairs:
        check_output_file(path, option=option)


def scenario_from_args(**sections: dict[str, Any]) -> Scenario:
    """A checked scenario of these sections, paths relative to the working directory.

    A check that fails on an option's value is a usage error naming the option.
    """
    from harbor_planner.cli._usage import usage_from_scenario_error
    from harbor_planner.scenario import scenario_from_dict

    try:
        return scenario_from_dict(sections, base_dir=Path.cwd())
    except ScenarioError as exc:
        usage = usage_from_scenario_error(exc, sections)
        if usage is None:
            raise
        raise usage from None


# -- city centres (issue 16) --


def add_centre_options(p: argparse.ArgumentParser) -> None:
    """``--centres FILE``, ``--centre-radius-m M`` and ``--centres-crs CRS``: ``[centres]``."""
    g = p.add_argument_group("city centres")
    g.add_argument(
        "--centres",
        type=in_path,
        default=None,
        metavar="FILE",
        help="city centres (CSV name,lon,lat or a point layer): coverage around each, "
        "e.g. geodata/chongqing_centres.csv",
    )
    g.add_argument(
        "--centre-radius-m",
        type=float,
        default=None,
        metavar="M",
        help=f"radius around each centre, straight line (default {settings.CENTRE_RADIUS_M:g} m)",
    )
    g.add_argument(
        "--centres-crs",
        type=crs_arg,
        default=None,
        metavar="CRS",
        help=f"coordinates of the --centres CSV (default {settings.CENTRES_CRS}, with a warning)",
    )


def centres_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``[centres]`` from ``--centres``, ``--centre-radius-m`` and ``--centres-crs``."""
    return _given(
        {
            "file": None if args.centres is None else str(args.centres),
            "radius_m": args.centre_radius_m,
            "crs": args.centres_crs,
        }
    )


def centre_overrides(args: argparse.Namespace) -> list[str]:
    """The centre options of ``run`` as ``--set`` overrides (``centres.file="..."``)."""
    import json

    return [f"centres.{k}={json.dumps(v)}" for k, v in centres_settings(args).items()]

"""``harbor-planner optimize``: new station sites (maximal coverage or set cover).

The options become a scenario with an ``[optimize]`` section and the command runs the same
steps as ``harbor-planner run`` (coverage before, the new sites, coverage after, the map's
isochrones), so that both write the same files with the same figures, ``run.json`` included;
``summary.json`` is a run's with the selection's figures also at the top level.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from harbor_planner import settings
from harbor_planner._text import pct1
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
    say,
    scenario_from_args,
)
from harbor_planner.cli._types import crs_arg, in_path, in_text, out_path
from harbor_planner.cli.analysis import one_limit, study_sections
from harbor_planner.errors import InputDataError, UsageError

__all__ = ["add_optimize_command", "optimize_settings"]


def _quota_settings(args: argparse.Namespace, n_add: int | None) -> dict[str, Any]:
    """``quota`` and ``quota_column`` from ``--quota FILE|proportional:FILE:COLUMN``."""
    if args.quota is None:
        return {}
    if not args.quota.startswith("proportional:"):
        return {"quota": args.quota}
    rest = args.quota[len("proportional:") :]
    file, sep, column = rest.rpartition(":")
    if not sep or not file or not column:
        raise UsageError(
            f"--quota {args.quota}: expected proportional:FILE:COLUMN, e.g. "
            "proportional:district_population_2020.csv:population"
        )
    if not n_add:
        raise UsageError("--quota proportional:... needs --add N (or --stages)")
    return {"quota": file, "quota_column": column}


def optimize_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``[optimize]`` from the options of ``optimize`` (checked as before a run)."""
    from harbor_planner.optimize import parse_stages

    try:
        stages = parse_stages(args.stages) if args.stages else None
    except InputDataError as exc:  # the text of --stages, not a file
        raise UsageError(f"--{exc}", option="--stages") from None
    n_add = args.add if args.add is not None else (sum(n for _, n in stages) if stages else None)
    if args.mode == "max-cover" and not n_add:
        raise UsageError("say how many sites to add: --add N (or --stages)")
    if args.mode == "cover" and args.target is None:
        raise UsageError("--mode cover needs --target PERCENT, e.g. --target 95")
    exclude = _exclude_value(args.exclude)
    values = {
        "mode": args.mode,
        "add": args.add,
        "target_pct": args.target,
        "min_cover": args.min_cover,
        "candidates": args.candidates,
        "candidates_crs": args.candidates_crs,
        "candidate_spacing_m": args.candidate_spacing,
        "poi": args.poi,
        "exclude": exclude,
        "min_spacing_m": args.min_spacing,
        "spacing_by": args.spacing_by,
        "budget": args.budget,
        "stages": args.stages or None,
        "solver": args.solver,
        "time_limit_s": args.time_limit,
        "reproducible": args.reproducible,
        **_quota_settings(args, n_add),
    }
    return {k: v for k, v in values.items() if v is not None}


_EXCLUDE_HELP = (
    "site ids that may not be chosen: ids separated by commas, or a file of them (.csv/.xlsx; "
    "a name ending so, or in a folder, that is no file is refused)"
)
#: Suffixes that make an ``--exclude`` value a file's name, not a site id.
_EXCLUDE_FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".gpkg", ".geojson")


def _exclude_value(text: str | None) -> Path | list[str] | None:
    """``--exclude``: a file of site ids, or ids separated by commas.

    Probe 25E: a file name one letter off (``no_go_site.csv``) was read as a site id, and the
    site the planner meant to exclude was chosen first (exit 0, said only at WARNING). A value
    naming a table (its suffix) or a file in a folder that exists is a file, refused as
    missing like ``--candidates``.
    """
    if text is None:
        return None
    path = Path(text)
    in_a_folder = any(sep in text for sep in {"/", os.sep}) and path.parent.is_dir()
    looks_like_file = text.lower().endswith(_EXCLUDE_FILE_SUFFIXES) or in_a_folder
    if path.is_file() or ("," not in text and looks_like_file):
        return path
    return [x.strip() for x in text.split(",") if x.strip()] or None


def _cmd_optimize(args: argparse.Namespace) -> int:
    from harbor_planner.pipeline import plan_headline
    from harbor_planner.scenario import run

    minutes = one_limit(args, "optimize")
    scenario = scenario_from_args(**study_sections(args, minutes), optimize=optimize_settings(args))
    result = run(scenario, out=args.out, progress=args.progress, summarize=_optimize_summary)
    selection = result.selection
    after = None if result.coverage_after is None else result.coverage_after.summary
    say(plan_headline(result.summary, after, result.coverage.summary))
    if selection.min_cover > 1:
        before = 100.0 * selection.double_before / selection.total
        after = 100.0 * selection.double_after / selection.total
        say(f"demand covered by two or more stations: {pct1(before)} % -> {pct1(after)} %")
    say(f"wrote {', '.join(str(f) for f in result.files)}")
    return 0


def _optimize_summary(scenario: Any, study: Any) -> dict[str, Any]:
    """``summary.json`` of ``optimize``: the selection's figures at the top level, then a run's.

    The top level keeps the selection's figures (``objective``, ``optimality_gap``...) as
    before; ``coverage``, ``optimize``, ``coverage_after`` (with their ranges) and the rest
    are a ``run``'s, so that ``compare`` and scripts reading a run's summary take the folder
    (probe 19W: it held the selection alone, and ``compare`` refused it).
    """
    from harbor_planner.pipeline import plan_figures, study_summary

    return {**plan_figures(scenario, study), **study_summary(scenario, study)}


def _add_candidate_options(o: argparse.ArgumentParser) -> None:
    """``--candidates`` and how the candidate sites are made or read."""
    g = o.add_argument_group("candidates")
    g.add_argument(
        "--candidates",
        type=in_text,
        default="auto",
        metavar="FILE|auto",
        help="candidate sites: a station-format file, or auto (street sites + POIs; default)",
    )
    g.add_argument(
        "--candidates-crs", type=crs_arg, default=None, metavar="CRS", help="CRS of --candidates"
    )
    g.add_argument(
        "--candidate-spacing",
        type=float,
        default=settings.CANDIDATE_SPACING_M,
        metavar="M",
        help="auto: one street site per this many metres "
        f"(default {settings.CANDIDATE_SPACING_M:g})",
    )
    g.add_argument(
        "--poi",
        type=in_text,
        action="append",
        metavar="FILE[:CRS[:KIND]]",
        help="auto: extra POI layer (repeatable), FILE, FILE:CRS, FILE:CRS:KIND or FILE::KIND, "
        "e.g. stops.shp::metro_station (a CSV needs its CRS)",
    )
    g.add_argument("--exclude", type=in_text, default=None, metavar="IDS|FILE", help=_EXCLUDE_HELP)


def add_optimize_command(sub: argparse._SubParsersAction) -> None:
    """``optimize``."""
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
    o.add_argument(
        "--network", type=in_text, required=True, metavar="SOURCE", help="saved network or SOURCE"
    )
    add_station_input_options(o)
    o.add_argument("--add", type=int, default=None, metavar="N", help="number of new sites")
    o.add_argument(
        "--mode",
        choices=settings.OPTIMIZE_MODES,
        default=settings.OPTIMIZE_MODES[0],
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
    _add_candidate_options(o)
    add_demand_options(o)
    add_study_area_option(o)
    o.add_argument(
        "--minutes",
        default=f"{settings.MINUTES:g}",
        help=f"walking-time limit (default {settings.MINUTES:g})",
    )
    c = o.add_argument_group("constraints")
    c.add_argument(
        "--quota",
        type=in_text,
        default=None,
        metavar="FILE|proportional:FILE:COLUMN",
        help="new sites per district: a CSV with district,min,max, or N split in proportion "
        "to a column of a district table",
    )
    c.add_argument("--min-spacing", type=float, default=None, metavar="M",
                   help="metres between any two stations, old or new")  # fmt: skip
    c.add_argument("--spacing-by", choices=settings.SPACING_BY, default=settings.SPACING_BY[0],
                   help="--min-spacing in a straight line (default) or on foot")  # fmt: skip
    c.add_argument("--budget", type=float, default=None, help="budget for the cost column")
    c.add_argument("--stages", default=None, metavar="Y:N,...",
                   help="staged roll-out, e.g. 2024:400,2025:400")  # fmt: skip
    c.add_argument("--districts", type=in_path, default=None, metavar="FILE",
                   help="district polygons (default: Chongqing's 38 区县)")  # fmt: skip
    c.add_argument("--district-column", default=None, metavar="NAME")
    s = o.add_argument_group("solver")
    s.add_argument("--solver", choices=settings.SOLVERS, default=settings.SOLVERS[0],
                   help="greedy (fast, with a proven bound) or exact (HiGHS MILP)")  # fmt: skip
    s.add_argument("--time-limit", type=float, default=settings.TIME_LIMIT_S, metavar="S",
                   help="exact: stop after S s with the best solution "
                   f"(default {settings.TIME_LIMIT_S:g})")  # fmt: skip
    s.add_argument("--reproducible", action="store_true", default=None,
                   help="stop the swap search and the bound by their steps, not the clock: the "
                   "same sites and gap on every machine (slower at city scale)")  # fmt: skip
    o.add_argument("--out", type=out_path, required=True, metavar="DIR", help="output directory")
    add_map_options(o)
    add_map_band_options(o)
    add_centre_options(o)
    add_walk_model_options(o)
    add_memory_option(o)
    add_range_option(o)
    o.set_defaults(handler=_cmd_optimize)

"""``harbor-planner run``, ``compare`` and ``demo``: scenarios end to end."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harbor_planner._text import counted
from harbor_planner.cli._options import (
    add_centre_options,
    add_memory_option,
    add_partition_options,
    add_study_area_option,
    say,
)
from harbor_planner.cli._types import in_path, out_path
from harbor_planner.cli._usage import option_of_setting
from harbor_planner.errors import ScenarioError, UsageError

__all__ = ["add_scenario_commands", "print_run"]


def print_run(result: Any) -> None:
    """The headline figures of a scenario run and where its files are."""
    from harbor_planner.pipeline import (
        built_on_network,
        coverage_headline,
        exit_candidates_headline,
        plan_headline,
    )

    summary = result.summary
    say(coverage_headline(summary["coverage"]))
    if summary["optimize"] is not None:
        say(plan_headline(summary["optimize"], summary.get("coverage_after")))
    if result.exits is not None:
        pct = result.scenario.coverage.exit_candidates_pct
        n_built = int(built_on_network(result.coverage.stations).sum())
        say(exit_candidates_headline(result.exits, n_built, pct))
    names = sorted({f.name for f in result.files})
    say(f"wrote {counted(len(result.files), 'file')} to {result.out_dir}: {', '.join(names)}")


def _cmd_run(args: argparse.Namespace) -> int:
    from harbor_planner.cli._options import centre_overrides, partition_overrides
    from harbor_planner.scenario import load_scenario, run

    for text in args.set or []:  # a usage slip, named as such (exit 2), before the scenario
        key, sep, _ = text.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--set {text!r}: expected KEY=VALUE, e.g. network.walk_speed_kmh=4",
                option="--set",
            )
    own = [*centre_overrides(args), *_study_overrides(args), *partition_overrides(args)]
    try:
        scenario = load_scenario(args.scenario, overrides=[*(args.set or []), *own])
        result = run(scenario, out=args.out, progress=args.progress)
    except ScenarioError as exc:
        raise _named_by_option(exc, own) from None
    print_run(result)
    return 0


def _named_by_option(exc: ScenarioError, own: list[str]) -> ScenarioError:
    """``exc`` naming the option (``--partition``) that gave a setting, not ``--set KEY``.

    ``own``: the overrides the options made; they come after ``--set``'s and win.
    """
    message = str(exc)
    for text in own:
        key = text.partition("=")[0]
        option = option_of_setting(key)
        if option:
            message = message.replace(f"--set {key}:", f"{option}:")
    if message == str(exc):
        return exc
    named = ScenarioError(message)
    named.problems = exc.problems
    return named


def _study_overrides(args: argparse.Namespace) -> list[str]:
    """``--study-area`` as ``--set study.districts=[...]`` or ``--set study.area=FILE``."""
    import json

    from harbor_planner.cli._options import study_settings

    return [
        f"study.{k}={json.dumps(v, ensure_ascii=False)}" for k, v in study_settings(args).items()
    ]


def _cmd_compare(args: argparse.Namespace) -> int:
    from harbor_planner.cli._options import check_outputs
    from harbor_planner.outputs import FILES
    from harbor_planner.scenario import compare_runs, format_comparison, write_comparison
    from harbor_planner.scenario.compare import districts_path, run_labels

    labels = None if args.labels is None else args.labels.split(",")
    try:  # the caller's mistakes, named by option before any folder is read (probe 26A)
        run_labels(args.runs, labels, usage=True)
    except UsageError as exc:
        where = f"--labels {args.labels!r}" if exc.option == "labels" else "OUT_DIR"
        raise UsageError(f"{where}: {exc}", option=exc.option) from None
    out = args.out
    side = districts_path(out)
    outputs = [out, side] if out.suffix.lower() == ".csv" else [out]
    check_outputs(outputs, [run / name for run in args.runs for name in FILES])
    if out.suffix.lower() not in (".xlsx", ".csv"):  # before the table is printed
        raise UsageError(f"--out {out}: expected a .xlsx or .csv file name", option="--out")
    comparison = compare_runs(args.runs, labels=labels)
    say(format_comparison(comparison))
    files = write_comparison(comparison, args.out)
    say(f"wrote {', '.join(str(f) for f in files)}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from harbor_planner.scenario import demo_scenario_path, run

    path = demo_scenario_path()
    result = run(path, out=args.out, progress=args.progress)
    print_run(result)
    say(
        f"demo: Yuzhong (渝中区) on an OpenStreetMap extract (© OpenStreetMap contributors, "
        f"ODbL) with illustrative stations (示意, not the official register); data and "
        f"scenario in {path.parent}: open "
        f"{result.out_dir / 'map.html'} and {result.out_dir / 'report.html'}"
    )
    return 0


def add_scenario_commands(sub: argparse._SubParsersAction) -> None:
    """``run``, ``compare`` and ``demo``."""
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
    r.add_argument("scenario", type=in_path, help="scenario file (.toml)")
    r.add_argument(
        "--out",
        type=out_path,
        default=None,
        metavar="DIR",
        help="output folder (default: output.dir)",
    )
    r.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="change a setting, e.g. --set network.walk_speed_kmh=3.2 (repeatable; values "
        "as in TOML, paths relative to the working directory)",
    )
    add_centre_options(r)
    add_study_area_option(r)
    add_memory_option(r, scenario=True)
    add_partition_options(r)
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
    c.add_argument("runs", nargs="+", type=in_path, metavar="OUT_DIR", help="result folders")
    c.add_argument("--labels", default=None, metavar="A,B,...", help="names of the runs")
    c.add_argument(
        "--out",
        type=out_path,
        default=Path("comparison.xlsx"),
        metavar="FILE",
        help="table to write: .xlsx (sheets overall, districts) or .csv (default comparison.xlsx)",
    )
    c.set_defaults(handler=_cmd_compare)

    d = sub.add_parser(
        "demo",
        help="run the bundled demo scenario on Yuzhong (渝中区), offline",
        description=(
            "Run the bundled scenario on Yuzhong (渝中区), Chongqing: a small OpenStreetMap "
            "extract (© OpenStreetMap contributors, ODbL) and an SRTM crop ship with the "
            "package. 15-minute walking coverage of the district's main streets by 14 "
            "illustrative stations (示意: placed at OSM features, not the official register), "
            "against straight-line circles, and 12 new sites in a three-stage roll-out, with "
            "the same outputs as 'run'. Runs offline in seconds."
        ),
    )
    d.add_argument(
        "--out",
        type=out_path,
        default=Path("harbor-demo"),
        help="output folder (default harbor-demo)",
    )
    add_memory_option(d)
    d.set_defaults(handler=_cmd_demo)

"""What every command's parser shares: examples in ``--help``, ``-v``/``-q`` anywhere, checks.

* :data:`EXAMPLES`: one to three real command lines per command, printed at the end of its
  ``--help`` (the README's examples).
* :func:`finish_parsers`: gives every subcommand the verbosity options (so that ``-v`` works
  before or after the command), its examples and its name for error lines.
* :func:`check_option_values`: the numeric options' ranges, checked before any work; a value
  out of range is a :class:`~harbor_planner.errors.UsageError` (exit 2) naming the option.
* :func:`usage_from_scenario_error`: a scenario check that failed on a value given by an
  option becomes a usage error naming that option.
* :func:`close_options`: "did you mean" for a misspelled option or command.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from harbor_planner import settings
from harbor_planner.errors import ScenarioError, UsageError

__all__ = [
    "EXAMPLES",
    "EXAMPLES_HEAD",
    "HelpFormatter",
    "add_verbosity_options",
    "check_option_values",
    "close_options",
    "did_you_mean",
    "finish_parsers",
    "usage_from_scenario_error",
    "warn_unused_options",
]

log = logging.getLogger(__name__)

EXAMPLES_HEAD = "Examples:"

_NET = "--network yuzhong.npz"
_ST = "--stations stations.xlsx --crs gcj02"

EXAMPLES: dict[str, list[str]] = {
    "harbor-planner": [
        "harbor-planner demo --out harbor-demo",
        "harbor-planner network build walk.osm --out yuzhong.npz",
        f"harbor-planner coverage {_NET} --stations stations.xlsx --crs gcj02 --minutes 15 "
        "--study-area 渝中区 --out coverage/",
    ],
    "harbor-planner network": [
        "harbor-planner network build walk.osm --out yuzhong.npz --gpkg yuzhong.gpkg",
        "harbor-planner network info yuzhong.npz --walk-speed 3.6",
    ],
    "harbor-planner network build": [
        "harbor-planner network build walk.osm --out yuzhong.npz --gpkg yuzhong.gpkg",
        "harbor-planner network build walk.osm --out yuzhong-hilly.npz "
        "--dem dem.tif --dem-outside flat",
        "harbor-planner network build china-latest.osm.pbf roads_extra.gpkg "
        "--within 渝中区,江北区,南岸区 --out core3.npz",
    ],
    "harbor-planner network info": [
        "harbor-planner network info yuzhong-hilly.npz --walk-speed 3.6",
    ],
    "harbor-planner stations": [
        "harbor-planner stations check stations.csv --crs gcj02",
        "harbor-planner stations number stations.xlsx --crs gcj02 --out register.xlsx",
    ],
    "harbor-planner stations check": [
        f"harbor-planner stations check stations.csv --crs gcj02 "
        f"{_NET} --out stations-checked.gpkg",
    ],
    "harbor-planner stations number": [
        "harbor-planner stations number stations.xlsx --crs gcj02 --out register.xlsx",
    ],
    "harbor-planner isochrones": [
        f"harbor-planner isochrones {_NET} {_ST} --minutes 5,10,15 --out isochrones.gpkg "
        "--service-area",
        f"harbor-planner isochrones {_NET} {_ST} --method grid --out isochrones.gpkg",
    ],
    "harbor-planner coverage": [
        f"harbor-planner coverage {_NET} {_ST} --minutes 15 --study-area 渝中区 --out coverage/",
        f"harbor-planner coverage {_NET} {_ST} --demand buildings:buildings.osm "
        "--population 588717 --study-area 渝中区 --out coverage-people/",
        f"harbor-planner coverage {_NET} {_ST} --status existing --exit-candidates 5 "
        "--study-area 渝中区 --out coverage-built/",
    ],
    "harbor-planner optimize": [
        f"harbor-planner optimize {_NET} {_ST} --add 20 --solver exact --study-area 渝中区 "
        "--out plan/",
        f"harbor-planner optimize {_NET} {_ST} --stages 2025:10,2026:10 --min-spacing 300 "
        "--quota scenarios/yuzhong_quotas.csv --study-area 渝中区 --out plan-staged/",
        f"harbor-planner optimize {_NET} {_ST} --mode cover --target 90 --study-area 渝中区 "
        "--out plan-cover/",
    ],
    "harbor-planner map": [
        f"harbor-planner map {_NET} {_ST} --basemap amap --study-area 渝中区 "
        "--out stations-map.html",
        f"harbor-planner map {_NET} {_ST} --sites plan/selected_sites.gpkg --study-area 渝中区 "
        "--out plan-map.html",
    ],
    "harbor-planner run": [
        "harbor-planner run scenarios/yuzhong.toml --out out/yuzhong",
        "harbor-planner run scenarios/yuzhong.toml --out out/yuzhong-3.2 "
        "--set network.walk_speed_kmh=3.2 --set optimize.enabled=false",
    ],
    "harbor-planner compare": [
        "harbor-planner compare out/yuzhong out/yuzhong-3.2 --out out/speeds.xlsx",
        'harbor-planner compare out/a out/b --labels "4.5 km/h,3.2 km/h" --out speeds.csv',
    ],
    "harbor-planner demo": [
        "harbor-planner demo --out harbor-demo",
        "harbor-planner demo --out /tmp/demo -q",
    ],
    "harbor-planner serve": [
        "harbor-planner serve geodata/demo/demo.toml",
        "harbor-planner serve scenario.toml --port 8800 --lang en --out plan",
    ],
}


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, except that the examples keep their lines (long ones wrap)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not text.startswith(EXAMPLES_HEAD):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in text.splitlines())


def _epilog(lines: list[str]) -> str:
    return EXAMPLES_HEAD + "\n" + "\n".join(f"  {line}" for line in lines)


def add_verbosity_options(p: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """``-v``/``-q`` and ``--no-progress``; ``suppress``: no defaults (for subcommands).

    The top-level parser sets the defaults; a subcommand's copy sets a value only when the
    option is given after the command, so that it never overwrites one given before.
    """
    default: Any = argparse.SUPPRESS if suppress else None
    group = p.add_argument_group("output") if suppress else p
    verbosity = group.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="log debug details",
    )
    verbosity.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="log only errors",
    )
    group.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=default,
        help="never show progress bars (they are shown on terminals only)",
    )


def _subparsers(p: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for child in action.choices.values():  # aliases would repeat a parser
                if id(child) not in seen:
                    seen.add(id(child))
                    yield child


def finish_parsers(top: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Examples, verbosity options and the command name on every parser below ``top``.

    Returns
    -------
    dict
        Every parser by its name (``"harbor-planner network build"``), ``top`` included.

    """
    parsers = {top.prog: top}
    top.epilog = _epilog(EXAMPLES[top.prog])
    todo = list(_subparsers(top))
    while todo:
        p = todo.pop(0)
        parsers[p.prog] = p
        p.formatter_class = HelpFormatter
        p.epilog = _epilog(EXAMPLES[p.prog])
        add_verbosity_options(p, suppress=True)
        children = list(_subparsers(p))
        if not children:
            p.set_defaults(cli_prog=p.prog)
        todo.extend(children)
    return parsers


# --------------------------------------------------------------------------- value checks


def _positive(v: float) -> bool:
    return math.isfinite(v) and v > 0


def _not_negative(v: float) -> bool:
    return math.isfinite(v) and v >= 0


def _spacing(v: float) -> bool:
    return 0 < v <= settings.SPACING_MAX_M


_SPACING = f"a spacing in metres above 0 and at most {settings.SPACING_MAX_M:,.0f}"


def _percent(v: float) -> bool:
    return math.isfinite(v) and 0 < v <= 100


# dest: (option, test, what is expected)
_RANGES: dict[str, tuple[str, Callable[[float], bool], str]] = {
    "max_dist": (
        "--max-dist",
        lambda v: 0 < v <= settings.SNAP_MAX_DIST_LIMIT_M,
        f"a distance in metres above 0 and at most {settings.SNAP_MAX_DIST_LIMIT_M:,.0f}",
    ),
    "corridor": (
        "--corridor",
        lambda v: 0 < v <= settings.CORRIDOR_MAX_M,
        f"a width in metres above 0 and at most {settings.CORRIDOR_MAX_M:,.0f}",
    ),
    "cell": ("--cell", _positive, "a grid spacing in metres above 0"),
    "workers": (
        "--workers",
        lambda v: 1 <= v <= settings.WORKERS_MAX,
        f"1 to {settings.WORKERS_MAX} threads (or worker processes)",
    ),
    "walk_speed": ("--walk-speed", lambda v: 0 < v < 20, "a speed in km/h between 0 and 20"),
    "population": ("--population", _positive, "a population above 0"),
    "default_levels": (
        "--default-levels",
        lambda v: 0 < v <= settings.DEFAULT_LEVELS_MAX,
        f"a number of floors above 0 and at most {settings.DEFAULT_LEVELS_MAX:g}",
    ),
    "spacing": ("--spacing", _spacing, _SPACING),
    "exit_candidates": ("--exit-candidates", _percent, "a percentage above 0 and at most 100"),
    "add": ("--add", lambda v: v >= 1, "1 or more sites"),
    "target": ("--target", _percent, "a percentage above 0 and at most 100, e.g. 95"),
    "min_cover": (
        "--min-cover",
        lambda v: 1 <= v <= settings.MIN_COVER_MAX,
        f"1 to {settings.MIN_COVER_MAX} covers per demand point",
    ),
    "candidate_spacing": ("--candidate-spacing", _spacing, _SPACING),
    "min_spacing": (
        "--min-spacing",
        lambda v: 0 <= v <= settings.SPACING_MAX_M,
        f"a distance in metres from 0 to {settings.SPACING_MAX_M:,.0f}",
    ),
    "budget": ("--budget", _not_negative, "a budget of 0 or more"),
    "time_limit": ("--time-limit", _positive, "a time in seconds above 0"),
    "map_max_stations": ("--map-max-stations", lambda v: v >= 0, "0 or more stations"),
    "max_problems": ("--max-problems", lambda v: v >= 0, "0 or more rows"),
    "centre_radius_m": (
        "--centre-radius-m",
        lambda v: 0 < v <= settings.CENTRE_RADIUS_MAX_M,
        f"a radius in metres above 0 and at most {settings.CENTRE_RADIUS_MAX_M:,.0f}",
    ),
    "memory_limit": ("--memory-limit", _positive, "a memory size in GB above 0"),
    "snap_tolerance": (
        "--snap-tolerance",
        lambda v: 0 <= v <= settings.SNAP_TOLERANCE_MAX_M,
        f"a distance in metres from 0 to {settings.SNAP_TOLERANCE_MAX_M:g}",
    ),
    "dem_smoothing": (
        "--dem-smoothing",
        lambda v: 0 <= v <= settings.DEM_SMOOTHING_MAX_M,
        f"a distance in metres from 0 to {settings.DEM_SMOOTHING_MAX_M:g}",
    ),
    "port": ("--port", lambda v: 1 <= v <= 65535, "a port number from 1 to 65535"),
    "margin_m": (
        "--margin-m",
        lambda v: 0 <= v <= settings.MARGIN_MAX_M,
        f"metres from 0 to {settings.MARGIN_MAX_M:,.0f}",
    ),
}


def check_option_values(args: argparse.Namespace) -> None:
    """The numeric options are in range, before any work is done.

    Raises
    ------
    UsageError
        The first option out of range, with its value and what is expected.

    """
    for dest, (option, ok, expected) in _RANGES.items():
        given = getattr(args, dest, None)
        for value in given if isinstance(given, list) else [given]:  # repeated options too
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if not ok(value):
                raise UsageError(f"{option} {value:g}: expected {expected}", option=option)


#: Options a command takes but leaves unused without another: (option, dest, unused when,
#: why). Probe 25E: ``--centre-radius-m`` without ``--centres``, ``--district-column`` without
#: ``--districts`` and others were dropped without a word.
_UNUSED_WITHOUT: tuple[tuple[str, Callable[[argparse.Namespace], bool], str], ...] = (
    ("--centres-crs", lambda a: getattr(a, "centres", None) is None, "without --centres"),
    ("--centre-radius-m", lambda a: getattr(a, "centres", None) is None, "without --centres"),
    ("--district-column", lambda a: getattr(a, "districts", None) is None,
     "without --districts (Chongqing's 区县 are named by the tool)"),
    ("--dem-outside", lambda a: getattr(a, "dem", None) is None, "without --dem"),
    ("--tianditu-key", lambda a: getattr(a, "basemap", None) != "tianditu",
     "with a basemap other than tianditu"),
    ("--cell", lambda a: getattr(a, "method", None) == "exact", "with --method exact"),
    ("--candidate-spacing", lambda a: getattr(a, "candidates", None) not in (None, "auto"),
     "with a candidate file (its sites are taken as they are)"),
    ("--spacing-by", lambda a: not getattr(a, "min_spacing", None), "without --min-spacing"),
)  # fmt: skip


def warn_unused_options(args: argparse.Namespace, argv: Sequence[str]) -> None:
    """Warn of options given on the command line that this run does not use.

    Not for a scenario's commands (``run``, ``serve``): the scenario may give what the option
    needs (probe 25R4: ``run demo.toml --centre-radius-m 500`` was told it was left out, and
    the demo's centres took it).
    """
    if getattr(args, "scenario", None) is not None:
        return
    given = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
    for option, unused, why in _UNUSED_WITHOUT:
        if option in given and unused(args):
            log.warning("%s is not used %s: it was left out", option, why)


# --------------------------------------------------------------------------- scenario errors

# the scenario settings the commands' options set, by dotted key
_OPTION_OF_SETTING = {
    "run.partition": "--partition",
    "run.scheduler": "--scheduler",
    "run.workers": "--workers",
    "network.walk_speed_kmh": "--walk-speed",
    "network.walk_model": "--walk-model",
    "network.walk_direction": "--walk-direction",
    "network.dem_outside": "--dem-outside",
    "network.dem_smoothing_m": "--dem-smoothing",
    "network.max_grade_pct": "--max-grade",
    "stations.crs": "--crs",
    "stations.status": "--status",
    "stations.max_dist_m": "--max-dist",
    "demand.kind": "--demand",
    "demand.cell_m": "--demand",
    "demand.spacing_m": "--spacing",
    "demand.population": "--population",
    "demand.main_street_classes": "--main-street-classes",
    "coverage.minutes": "--minutes",
    "coverage.exit_candidates_pct": "--exit-candidates",
    "output.map_bands": "--map-bands",
    "output.map_max_stations": "--map-max-stations",
    "output.isochrone_method": "--isochrone-method",
    "centres.radius_m": "--centre-radius-m",
    "centres.crs": "--centres-crs",
    "centres.file": "--centres",
    "optimize": "--add",
    "optimize.add": "--add",
    "optimize.mode": "--mode",
    "optimize.target_pct": "--target",
    "optimize.stages": "--stages",
    "optimize.min_cover": "--min-cover",
    "optimize.quota_column": "--quota",
    "optimize.poi": "--poi",
}


def option_of_setting(key: str) -> str | None:
    """The option of ``run`` that sets ``key`` (``run.partition``: ``--partition``), if one."""
    if key in ("study.districts", "study.area"):
        return "--study-area"
    return _OPTION_OF_SETTING.get(key)


#: Another command's option as the setting ``run --set`` gives (probe 19W: ``run --no-range``
#: was "did you mean --no-progress?").
_SET_FORM: dict[str, str] = {
    **{opt: f"{key}=..." for key, opt in reversed(_OPTION_OF_SETTING.items()) if "." in key},
    "--no-range": "coverage.range=false",
    "--demand": "demand.kind=... (and demand.file=...)",
    "--add": "optimize.add=N",
    "--quota": "optimize.quota=FILE",
    # the other commands' options without a setting of their own above (probe 19R: run
    # --min-spacing was "did you mean --set demand.spacing_m")
    "--network": "network.source=...",
    "--stations": "stations.file=...",
    "--sheet": "stations.sheet=...",
    "--dem": "network.dem=...",
    "--min-spacing": "optimize.min_spacing_m=...",
    "--candidate-spacing": "optimize.candidate_spacing_m=...",
    "--candidates": "optimize.candidates=...",
    "--candidates-crs": "optimize.candidates_crs=...",
    "--solver": "optimize.solver=...",
    "--time-limit": "optimize.time_limit_s=...",
    "--budget": "optimize.budget=...",
    "--exclude": "optimize.exclude=...",
    "--poi": "optimize.poi=[...]",
    "--districts": "coverage.districts=...",
    "--district-column": "coverage.district_column=...",
    "--demand-within": "demand.within=...",
    "--demand-crs": "demand.crs=...",
    "--default-levels": "demand.default_levels=...",
    "--main-street-classes": "demand.main_street_classes=[...]",
    "--basemap": "output.basemap=...",
    "--lang": "output.lang=...",
    "--tianditu-key": "output.tianditu_key=...",
    "--title": "title=...",
    # network build's own options: a line layer given as --network is built with defaults
    "--snap-tolerance": "network.snap_tolerance_m=...",
    "--join-crossings": "network.join_crossings=true",
    "--keep-all": "network.keep_all=true",
    "--metric-crs": "network.metric_crs=...",
}
#: Options of ``network build`` that other commands do not take (probe 20A: coverage
#: --snap-tolerance was "did you mean --no-range?").
_BUILD_ONLY = ("--snap-tolerance", "--join-crossings", "--keep-all", "--metric-crs")


def _option_hints(name: str, options: list[str]) -> list[str]:
    """The command's options close to ``name``; for ``run``, the ``--set`` another's means."""
    takes_set = "--set" in options
    if takes_set and name in _SET_FORM:
        return [f"--set {_SET_FORM[name]}"]
    if name in _BUILD_ONLY:
        return [f"harbor-planner network build SOURCE {name} ... --out NET.npz, then --network "
                "NET.npz"]  # fmt: skip
    close = close_options(name, options)
    if close or not takes_set:
        return close
    near = difflib.get_close_matches(name, list(_SET_FORM), n=1, cutoff=0.8)  # a typo only
    return [f"--set {_SET_FORM[n]}" for n in near]


def usage_from_scenario_error(
    exc: ScenarioError, sections: Mapping[str, Mapping[str, Any]]
) -> UsageError | None:
    """The usage error of a scenario built from options whose check failed on an option.

    Parameters
    ----------
    exc
        The scenario's error (its ``problems`` name the settings at fault).
    sections
        The settings the options gave, by section.

    Returns
    -------
    UsageError or None
        A usage error naming the options and their values, or ``None`` when a problem is
        not an option's value (a file not found stays an input-data error).

    """
    problems = getattr(exc, "problems", [])
    if not problems or any(key not in _OPTION_OF_SETTING for key, _ in problems):
        return None
    parts = []
    for key, message in problems:
        option = _OPTION_OF_SETTING[key]
        section, _, name = key.partition(".")
        value = sections.get(section, {}).get(name) if name else None
        if isinstance(value, list):  # as typed (LIST,...), not a Python list
            value = ",".join(map(str, value))
        shown = f" {value:g}" if isinstance(value, int | float) else f" {value}" if value else ""
        parts.append(f"{option}{shown}: {message}")
    return UsageError("; ".join(parts), option=_OPTION_OF_SETTING[problems[0][0]])


# --------------------------------------------------------------------------- suggestions


def close_options(word: str, known: list[str]) -> list[str]:
    """The known options or commands closest to a misspelled ``word`` (at most one)."""
    return difflib.get_close_matches(word, known, n=1, cutoff=0.6)


def did_you_mean(message: str, parser: argparse.ArgumentParser) -> str:
    """``message`` of an argparse error with "did you mean ...?" where a name is close."""
    _, sep, rest = message.partition("unrecognized arguments: ")
    if sep:
        options = [s for a in parser._actions for s in a.option_strings if s.startswith("--")]
        hints = []
        for word in rest.split(" "):
            name = word.partition("=")[0]
            if name.startswith("--") and name not in options:
                hints += _option_hints(name, options)
        if hints:
            return f"{message} (did you mean {' '.join(dict.fromkeys(hints))}?)"
        return message
    m = re.search(r"invalid choice: '?([^'\s]*)'? \(choose from (.*)\)", message)
    if m:
        choices = [c.strip(" '\"") for c in m.group(2).split(",")]
        hint = close_options(m.group(1), choices)
        if hint:
            return f"{message} (did you mean {hint[0]}?)"
    return message

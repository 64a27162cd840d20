"""Checking scenario values: conversion against the section annotations, consistency.

Every problem is collected with where it is (a line of the file, or ``--set``) and raised
at once as one :class:`~harbor_planner.errors.ScenarioError`.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import os
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from harbor_planner import settings
from harbor_planner.errors import CRSError, InputDataError, ScenarioError
from harbor_planner.scenario.sections import (
    SECTIONS,
    CoverageConfig,
    DemandConfig,
    NetworkConfig,
    OptimizeConfig,
    OutputConfig,
    StationsConfig,
    StudyConfig,
)

__all__ = [
    "Problems",
    "build_section",
    "check_consistency",
    "convert",
    "did_you_mean",
    "under",
    "value_name",
]

log = logging.getLogger(__name__)


class Problems:
    """Collects problems with where they are (a line of the file, or an override)."""

    def __init__(self, lines: dict[str, int], overridden: set[str]) -> None:
        self.lines = lines
        self.overridden = overridden
        self.items: list[tuple[int, str]] = []
        self.keyed: list[tuple[str, str]] = []  # (dotted key, message) of add()

    def where(self, key: str) -> tuple[int, str]:
        if key in self.overridden:
            return (0, f"--set {key}")
        parts = key.split(".")
        for n in range(len(parts), 0, -1):
            line = self.lines.get(".".join(parts[:n]))
            if line is not None:
                return (line, f"line {line}")
        return (0, "")

    def add(self, key: str, message: str) -> None:
        order, where = self.where(key)
        if where == f"--set {key}" and message.startswith(f"{key}: "):
            message = message[len(key) + 2 :]  # "--set K: K: ..." says K once
        self.keyed.append((key, message))
        self.items.append((order, f"{where}: {message}" if where else message))

    def raise_all(self, path: Path | None) -> None:
        """Raise one :class:`ScenarioError` with every problem, in line order."""
        self.items.sort(key=lambda item: item[0])
        lines = [msg for _, msg in self.items]
        # one line, as the CLI prints every error: the problems after each other, in line order
        head = lines[0] if len(lines) == 1 else f"{len(lines)} problems: " + "; ".join(lines)
        error = ScenarioError(head, path=path)
        # the settings at fault, by key, when each problem has one (the CLI names its options)
        error.problems = list(self.keyed) if len(self.keyed) == len(lines) else []
        raise error


class _Bare:
    """A number written bare in ``--set``, with its text (see :class:`BareInt`)."""

    text: str

    @classmethod
    def of(cls, value: Any, text: str) -> Any:
        """``value`` remembering it was written ``text``."""
        out = cls(value)  # type: ignore[call-arg]
        out.text = text
        return out


class BareInt(_Bare, int):
    """A whole number written bare in ``--set`` (``stations.sheet=2025``), with its text.

    Taken as that text by a setting that wants text (a sheet, a column, an adcode), as the
    number by one that wants a number.
    """


class BareFloat(_Bare, float):
    """A number with a fraction written bare in ``--set``, with its text (see :class:`BareInt`)."""


def bare_numbers(value: Any, text: str | None = None) -> Any:
    """``value`` (parsed from ``--set`` text) with its numbers remembering their text.

    Parameters
    ----------
    value
        The parsed value.
    text
        What was written for it (the whole value; for list items their own text is assumed).

    Returns
    -------
    Any
        The value, its numbers as :class:`BareInt` / :class:`BareFloat`.

    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return BareInt.of(value, text if text is not None else str(value))
    if isinstance(value, float):
        return BareFloat.of(value, text if text is not None else repr(value))
    if isinstance(value, list):
        return [bare_numbers(v) for v in value]
    return value


def _type_name(tp: Any) -> str:
    names = {str: "text", float: "a number", int: "a whole number", bool: "true or false"}
    if tp in names:
        return names[tp]
    if tp is Path:
        return "a file path (text)"
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin is list:
        (item,) = typing.get_args(tp)
        if typing.get_origin(item) is Literal:
            return "a list of " + ", ".join(repr(a) for a in typing.get_args(item))
        return "a list of " + {float: "numbers", int: "whole numbers"}.get(item, "texts")
    if origin is dict:
        if typing.get_args(tp)[1] is float:
            return "a table of NAME = NUMBER"
        return "a table of LABEL = COUNT (each count a whole number of 1 or more)"
    return str(tp)


def value_name(value: Any) -> str:
    """``value`` as shown in a problem: its text (shortened) and its TOML type.

    Parameters
    ----------
    value
        A value read from TOML or an override.

    Returns
    -------
    str

    """
    kinds = ((bool, "a boolean"), (int, "a whole number"), (float, "a number"), (str, "text"))
    kind = next(
        (name for tp, name in kinds if isinstance(value, tp)),
        "a list" if isinstance(value, list) else "a table",
    )
    shown = repr(value)
    return f"{shown if len(shown) <= 40 else shown[:37] + '...'} ({kind})"


def convert(value: Any, tp: Any, base: Path) -> Any:
    """``value`` as type ``tp`` (paths resolved against ``base``); ``TypeError`` if not."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        for arg in args:
            if arg is type(None):
                continue
            try:
                return convert(value, arg, base)
            except TypeError:
                continue
        raise TypeError(" or ".join(_type_name(a) for a in args if a is not type(None)))
    if origin is Literal:
        if value in typing.get_args(tp):
            return value
        choices = [str(a) for a in typing.get_args(tp)]
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if isinstance(value, str) and close else ""
        raise TypeError(_type_name(tp) + hint)  # probe 23C: basemap = "amapp" had no hint
    if origin is list:
        if not isinstance(value, list):
            raise TypeError(_type_name(tp))
        (item,) = typing.get_args(tp)
        out = []
        for v in value:
            try:
                out.append(convert(v, item, base))
            except TypeError:
                raise TypeError(f"{_type_name(tp)} ({v!r} is not one)") from None
        return out
    if origin is dict and typing.get_args(tp)[1] is float:
        if not isinstance(value, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
            for v in value.values()
        ):
            raise TypeError(_type_name(tp))
        return {str(k): float(v) for k, v in value.items()}
    if origin is dict:
        if not isinstance(value, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values()
        ):
            raise TypeError(_type_name(tp))
        return {str(k): v for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise TypeError(_type_name(tp))
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        raise TypeError(_type_name(tp))
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise TypeError(_type_name(tp))
    if isinstance(value, BareInt | BareFloat) and tp in (str, Path):
        value = value.text  # --set stations.sheet=2025: the sheet named "2025"
    if tp is str:
        if isinstance(value, str):
            return value
        raise TypeError(_type_name(tp))
    if tp is Path:
        if isinstance(value, str) and value.strip():
            return under(base, value)
        raise TypeError(_type_name(tp))
    raise TypeError(_type_name(tp))  # pragma: no cover - every field type is handled above


def did_you_mean(key: str, known: Sequence[str]) -> str:
    """The "did you mean" hint for an unknown key, and the known keys.

    Parameters
    ----------
    key
        The unknown key.
    known
        The keys allowed there.

    Returns
    -------
    str

    """
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    homes = [name for name, cls in SECTIONS.items()
             if key in {f.name for f in dataclasses.fields(cls)}]  # fmt: skip
    if homes and not close:
        hint = f" ({key} is a key of [{homes[0]}])"
    return f"{hint}; known: {', '.join(known)}"


def build_section(
    name: str, values: dict[str, Any], base_dir: Path, problems: Problems
) -> Any | None:
    """One section's dataclass from its TOML table, every value checked and converted.

    Parameters
    ----------
    name
        The section (``network``, ``stations``...).
    values
        Its table.
    base_dir
        Folder that relative paths are taken from (overridden keys: the working directory).
    problems
        Where problems are collected.

    Returns
    -------
    object or None
        The section, or ``None`` when any of its values has a problem.

    """
    cls = SECTIONS[name]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    ok = True
    for key, value in values.items():
        dotted = f"{name}.{key}"
        if key not in fields:
            problems.add(dotted, f"unknown key {dotted!r}{did_you_mean(key, list(fields))}")
            ok = False
            continue
        base = Path.cwd() if dotted in problems.overridden else base_dir
        if dotted == "stations.status":
            value = _status_words(value)
        try:
            converted = convert(value, hints[key], base)
        except TypeError as exc:
            words = ""
            if dotted == "stations.status":  # the words the files use too (probe 19R)
                from harbor_planner.stations._common import STATUS_WORDS_HELP

                words = f"; or the files' words: {STATUS_WORDS_HELP}"
            problems.add(dotted, f"{dotted} must be {exc}, got {value_name(value)}{words}")
            ok = False
            continue
        if dotted == "network.source":
            converted = _resolve_sources(converted, base)
        elif dotted == "network.within":
            converted = _resolve_within(converted, base)
        elif (
            dotted in ("optimize.candidates", "coverage.exit_candidates_sites")
            and converted != "auto"
        ) or (dotted == "run.partition" and converted != settings.PARTITION_DISTRICT):
            converted = _partition_value(converted, base)
        if dotted == "optimize.poi":
            converted = [_resolve_poi(p, base) for p in converted]
        kwargs[key] = converted
    missing = [
        f.name
        for f in fields.values()
        if f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
        and f.name not in values
    ]
    for key in missing:
        problems.add(name, f"[{name}] needs {key} = ...")
        ok = False
    return cls(**kwargs) if ok else None


def _status_words(value: Any) -> Any:
    """``stations.status`` words as the files write them (已建成) as their codes (existing)."""
    from harbor_planner.stations._common import status_codes

    if isinstance(value, str | list | tuple) and all(isinstance(v, str) for v in value):
        codes, unknown = status_codes([value] if isinstance(value, str) else value)
        if not unknown and codes:
            return codes
    return value  # checked, and refused naming the codes, as it is


def _partition_value(value: Any, base: Path) -> str:
    """``run.partition``: ``'district'`` in any case (unless such a file exists), else a path."""
    path = under(base, value)
    if str(value).strip().lower() == settings.PARTITION_DISTRICT and not path.exists():
        return settings.PARTITION_DISTRICT  # --partition District meant the keyword (18D)
    return str(path)


def _resolve_sources(value: str | list[str], base: Path) -> str | list[str]:
    """``network.source``: file sources made absolute (``place:`` names kept)."""

    def one(text: str) -> str:
        if not text.strip():
            return text  # refused by the checks: an empty source would read the folder
        return text if text.startswith("place:") else str(under(base, text))

    return [one(v) for v in value] if isinstance(value, list) else one(value)


def _resolve_within(value: str | list[str], base: Path) -> str | list[str]:
    """``network.within``: a polygon file made absolute; district names kept."""
    from harbor_planner.network.clip import is_area_file

    def one(text: str) -> str:
        return str(under(base, text)) if is_area_file(text) else text

    return [one(v) for v in value] if isinstance(value, list) else one(value)


def _resolve_poi(text: str, base: Path) -> str:
    """A POI source ``FILE[:CRS[:KIND]]`` with FILE made absolute."""
    file, sep, rest = text.partition(":")
    return str(under(base, file)) + (sep + rest if sep else "")


def under(base: Path, text: str) -> Path:
    """``text`` as a path, relative ones taken from ``base`` (normalised, links kept)."""
    p = Path(text).expanduser()
    return p if p.is_absolute() else Path(os.path.normpath(base / p))


def _check_walk_speed(speed_kmh: float | None, problems: Problems) -> None:
    """``network.walk_speed_kmh`` outside the walking speeds (0 below, 20 km/h at most)."""
    lo, hi = settings.WALK_SPEED_RANGE_KMH
    if speed_kmh is not None and not 0 < speed_kmh < hi:
        problems.add(
            "network.walk_speed_kmh", f"walk_speed_kmh must be above 0 and below {hi:g} (km/h)"
        )
    elif speed_kmh is not None and speed_kmh < lo:
        problems.add(
            "network.walk_speed_kmh",
            f"walk_speed_kmh {speed_kmh:g} is no walking speed: give at least {lo:g} km/h "
            "(people walk 3-5 km/h)",
        )


def _check_network_area(net: NetworkConfig, problems: Problems) -> None:
    """``network.within``/``bbox``/``margin_m``/``source`` that do not fit together."""
    from harbor_planner.network.clip import parse_bbox

    if isinstance(net.source, list) and not net.source:
        problems.add("network.source", "network.source: give at least one source")
    if any(not str(s).strip() for s in net.sources):
        problems.add("network.source", "network.source is empty: give the OSM file, line layer "
                     "or saved network (.npz) of the walk network")  # fmt: skip
    if net.within is not None and net.bbox is not None:
        problems.add("network.bbox", "give network.within or network.bbox, not both")
    if net.bbox is not None:
        try:
            parse_bbox(net.bbox)
        except InputDataError as exc:
            problems.add("network.bbox", f"network.{exc}")
    for key, value, top in (
        ("dem_smoothing_m", net.dem_smoothing_m, settings.DEM_SMOOTHING_MAX_M),
        ("snap_tolerance_m", net.snap_tolerance_m, settings.SNAP_TOLERANCE_MAX_M),
    ):
        if isinstance(value, int | float) and not 0 <= value <= top:
            problems.add(f"network.{key}", f"network.{key} must be 0 to {top:g} metres")
    for key in net.grading_without_dem():
        problems.add(
            f"network.{key}",
            f"network.{key} shapes the grades read from a DEM, and no network.dem is given: "
            "give the DEM, or leave the setting out (it would be ignored)",
        )
    if net.margin_m is not None and not 0 <= net.margin_m <= settings.MARGIN_MAX_M:
        problems.add(
            "network.margin_m",
            f"network.margin_m must be metres from 0 to {settings.MARGIN_MAX_M:,.0f}",
        )
    elif net.margin_m is not None and net.within is None and net.bbox is None:
        problems.add(
            "network.margin_m",
            "network.margin_m is the margin around network.within or network.bbox; give one "
            "of them, or leave margin_m out",
        )
    if net.metric_crs is not None:  # probe 26A: a traceback from a saved network's check
        from harbor_planner.network._crs import parse_metric_crs

        try:
            parse_metric_crs(net.metric_crs)
        except CRSError as exc:
            problems.add("network.metric_crs", f"network.metric_crs {exc}")
    classes = {settings.road_class(k) for k in net.max_grade_pct or {}}
    unknown = sorted(classes - set(settings.MAX_GRADE_PCT) - {"other"})
    if unknown:
        problems.add(
            "network.max_grade_pct",
            f"network.max_grade_pct: unknown road class {', '.join(map(repr, unknown))}; known: "
            f"{', '.join(settings.MAX_GRADE_PCT)}, other"
            + ("; steps are never capped (timed by their steps)" if "steps" in unknown else ""),
        )


def check_consistency(built: dict[str, Any], problems: Problems) -> None:
    """Settings that are each valid but do not fit together."""
    st: StationsConfig = built["stations"]
    files = st.file if isinstance(st.file, list) else [st.file]
    if not files:
        problems.add("stations.file", "stations.file: give at least one file")
    if st.status is not None:
        unknown = sorted(set(map(str, st.status)) - set(settings.STATUS_VALUES))
        if unknown or not st.status:
            problems.add(
                "stations.status",
                f"stations.status {', '.join(unknown) or 'is empty'}"
                + (": unknown" if unknown else "")
                + f"; list statuses of {', '.join(settings.STATUS_VALUES)}, or leave it out "
                "(all but closed and candidate)",
            )
    if isinstance(st.crs, list) and len(st.crs) != len(files):
        problems.add(
            "stations.crs",
            f"stations.crs lists {len(st.crs)} systems for {len(files)} files; give one per file "
            "(or one for all)",
        )
    net: NetworkConfig = built["network"]
    saved = bool(net.sources) and all(str(x).lower().endswith(".npz") for x in net.sources)
    if net.walk_model == "hilly" and net.dem is None and not saved:  # a saved one has grades
        problems.add("network.walk_model", "walk_model 'hilly' needs network.dem (a raster)")
    _check_walk_speed(net.walk_speed_kmh, problems)
    _check_network_area(net, problems)
    demand: DemandConfig = built.get("demand", DemandConfig())
    if demand.kind in ("buildings", "points") and not demand.files:
        problems.add("demand.kind", f"demand kind {demand.kind!r} needs demand.file")
    _check_demand_layers(demand, problems)
    _warn_unused_demand_keys(demand)
    _check_distances(demand, built.get("optimize"), problems)
    if demand.kind == "grid" and not (demand.cell_m and demand.cell_m > 0):
        problems.add("demand.kind", "demand kind 'grid' needs demand.cell_m > 0")
    cov: CoverageConfig = built.get("coverage", CoverageConfig())
    if not cov.minutes > 0:
        problems.add(
            "coverage.minutes", f"coverage.minutes must be a positive number, got {cov.minutes!r}"
        )
    elif cov.minutes > settings.MAX_MINUTES:
        problems.add(
            "coverage.minutes", f"coverage.minutes must be at most {settings.MAX_MINUTES:g}"
        )
    if cov.exit_candidates_pct is not None and not 0 < cov.exit_candidates_pct <= 100:
        problems.add(
            "coverage.exit_candidates_pct", "coverage.exit_candidates_pct must be in (0, 100]"
        )
    _check_study(built.get("study", StudyConfig()), problems)
    out: OutputConfig = built.get("output", OutputConfig())
    if any(not 0 < b <= settings.MAX_MINUTES for b in out.map_bands):
        problems.add(
            "output.map_bands",
            f"output.map_bands must be positive minutes, at most {settings.MAX_MINUTES:g}",
        )
    check_centres(built, problems)
    _check_limits(built, problems)
    check_run(built, problems)
    opt: OptimizeConfig | None = built.get("optimize")
    if opt is not None and opt.enabled:
        _check_optimize(opt, problems)


def _check_optimize(opt: OptimizeConfig, problems: Problems) -> None:
    """``[optimize]``: the sites to add, the mode's own keys, limits and quotas."""
    try:
        stages = opt.stage_list
    except InputDataError as exc:  # parse_stages names what is wrong
        problems.add("optimize.stages", str(exc))
        return
    if opt.add is not None and opt.add < 1:  # one problem, with what "add 0" may have meant
        problems.add(
            "optimize.add",
            "optimize.add must be at least 1 (to add no sites, set optimize.enabled = false)",
        )
    elif opt.mode == "max-cover" and not opt.add and not stages:
        problems.add("optimize", "[optimize] max-cover needs add = N (or stages)")
    elif opt.add is not None and stages and sum(n for _, n in stages) != opt.add:
        problems.add(
            "optimize.add",
            f"optimize.add = {opt.add} but the stages add up to {sum(n for _, n in stages)}",
        )
    if opt.mode == "cover" and opt.target_pct is None:
        problems.add("optimize.mode", "mode 'cover' needs optimize.target_pct")
    unused = ("target_pct", opt.target_pct) if opt.mode != "cover" else ("add", opt.add)
    if unused[1] is not None:  # a scenario switched by --set (keys cannot be removed): said
        log.warning(
            "optimize.%s is not used by mode %r (%s); it stays in run.json's parameters",
            unused[0], opt.mode,
            "the fewest sites to reach target_pct" if opt.mode == "cover" else "add = N sites",
        )  # fmt: skip
    if opt.mode == "cover":
        for key, value in (("budget", opt.budget), ("quota", opt.quota), ("stages", stages)):
            if value:
                problems.add(
                    f"optimize.{key}",
                    f"mode 'cover' (the fewest sites to reach target_pct) does not take "
                    f"optimize.{key}; use mode 'max-cover' with add = N",
                )
    if opt.target_pct is not None and not 0 < opt.target_pct <= 100:
        problems.add("optimize.target_pct", "target_pct must be in (0, 100]")
    if not (math.isfinite(opt.time_limit_s) and opt.time_limit_s > 0):
        problems.add(
            "optimize.time_limit_s", "optimize.time_limit_s must be seconds above 0, e.g. 600"
        )
    if not (math.isfinite(opt.mip_gap) and 0 <= opt.mip_gap < 1):
        problems.add("optimize.mip_gap", "optimize.mip_gap must be in [0, 1), e.g. 0.01")
    if opt.quota_column is not None and opt.quota is None:
        problems.add("optimize.quota_column", "quota_column needs optimize.quota (a table)")
    for spec in opt.poi or []:  # FILE:gcj2 said when the scenario loads (probe 26A)
        from harbor_planner.candidates.spec import parse_poi_source

        try:
            parse_poi_source(spec)
        except CRSError as exc:
            problems.add("optimize.poi", f"optimize.poi: {exc}")
        except InputDataError:
            pass  # a missing file is said by the run, as every input's


def _check_distances(demand: DemandConfig, opt: OptimizeConfig | None, problems: Problems) -> None:
    """Spacings, spacing limits and budgets: checked here so that the error names the key."""
    top = settings.SPACING_MAX_M

    def bad(value: float | None, zero_ok: bool = False, most: float = math.inf) -> bool:
        if value is None:
            return False
        return not (math.isfinite(value) and (value >= 0 if zero_ok else value > 0)) or value > most

    if bad(demand.spacing_m, most=top):
        problems.add(
            "demand.spacing_m",
            f"demand.spacing_m must be metres above 0 and at most {top:,.0f}, e.g. 50",
        )
    levels = demand.default_levels
    if bad(levels, most=settings.DEFAULT_LEVELS_MAX):
        problems.add(
            "demand.default_levels",
            f"demand.default_levels must be floors above 0 and at most "
            f"{settings.DEFAULT_LEVELS_MAX:g}, e.g. 6",
        )
    if opt is None or not opt.enabled:
        return
    if bad(opt.candidate_spacing_m, most=top):
        problems.add(
            "optimize.candidate_spacing_m",
            f"optimize.candidate_spacing_m must be metres above 0 and at most {top:,.0f}, e.g. 200",
        )
    if bad(opt.min_spacing_m, zero_ok=True, most=top):
        problems.add(
            "optimize.min_spacing_m",
            f"optimize.min_spacing_m must be metres from 0 to {top:,.0f}",
        )
    if bad(opt.budget, zero_ok=True):
        problems.add("optimize.budget", "optimize.budget must be a total cost of 0 or more")
    cover, most = opt.min_cover, settings.MIN_COVER_MAX
    if isinstance(cover, int | float) and not (float(cover).is_integer() and 1 <= cover <= most):
        problems.add(  # found before the network and the matrix are built (probe 17I)
            "optimize.min_cover", f"optimize.min_cover must be a whole number from 1 to {most}"
        )


def _warn_unused_demand_keys(demand: DemandConfig) -> None:
    """Warn of ``[demand]`` keys its kind does not use (``cell_m`` of main streets...).

    A warning, not an error: a scenario switched to another kind by ``--set`` cannot remove
    the keys of the first (probe 17I found them ignored without a word).
    """
    kind, used = demand.kind, demand.used_keys
    given = {
        "file": bool(demand.files),
        "weight_column": demand.weight_column is not None,
        "cell_m": demand.cell_m is not None,
        "default_levels": demand.default_levels is not None,
        "spacing_m": demand.spacing_m != settings.STREET_SPACING_M,
        "main_street_classes": demand.main_street_classes is not None,
    }  # population, crs and off_ground = false of another kind are errors (demand_from_spec)
    for key in (k for k, v in given.items() if v and k not in used):
        hint = (
            " (buildings share demand.population by floor area; areas with their own "
            'population are kind = "points": a polygon counts at a point inside it)'
            if key == "weight_column" and kind == "buildings"
            else ""
        )
        log.warning(
            "demand.%s is not used by demand.kind %r%s; run.json's parameters leave it out",
            key, kind, hint,
        )  # fmt: skip


def _check_demand_layers(demand: DemandConfig, problems: Problems) -> None:
    """``demand.population`` as a list or a table; ``main_street_classes`` misspelled."""
    from harbor_planner.demand.streets import street_class_problem

    if problem := street_class_problem(demand.main_street_classes):
        problems.add("demand.main_street_classes", f"demand.main_street_classes: {problem}")
    pop = demand.population
    if isinstance(pop, dict):
        if demand.kind != "buildings":
            problems.add(
                "demand.population",
                f"demand.population (people by district) applies to kind 'buildings', not "
                f"{demand.kind!r}",
            )
        elif not pop or any(not (isinstance(v, int | float) and v > 0) for v in pop.values()):
            problems.add(
                "demand.population",
                "demand.population by district: give each district's people, above 0",
            )
        return
    if not isinstance(pop, list):
        return
    if demand.kind != "buildings":
        problems.add(
            "demand.population",
            f"demand.population (one number per file) applies to kind 'buildings', not "
            f"{demand.kind!r}; drop it or set demand.kind = 'buildings'",
        )
        return
    n = len(demand.files)
    if len(pop) != n:
        problems.add(
            "demand.population",
            f"demand.population lists {len(pop)} numbers for {n} demand files; give one per "
            "file (or one total shared by floor area)",
        )
    if any(not p > 0 for p in pop):
        problems.add("demand.population", "demand.population: every number must be above 0")


def _check_limits(built: dict[str, Any], problems: Problems) -> None:
    """Numbers past any sense: a snapping distance of kilometres, a negative count."""
    stations = built.get("stations")
    max_dist = getattr(stations, "max_dist_m", None)
    if max_dist is not None and not 0 < max_dist <= settings.SNAP_MAX_DIST_LIMIT_M:
        problems.add(
            "stations.max_dist_m",
            f"stations.max_dist_m must be metres above 0 and at most "
            f"{settings.SNAP_MAX_DIST_LIMIT_M:,.0f} (a station farther from every street is "
            "not on this network), e.g. 150",
        )
    shown = getattr(built.get("output"), "map_max_stations", None)
    if shown is not None and shown < 0:
        problems.add("output.map_max_stations", "output.map_max_stations must be 0 or more")
    _check_tianditu_key(built.get("output"), problems)


def _check_tianditu_key(output: Any, problems: Problems) -> None:
    """A map on Tianditu tiles needs its key: said before the work, not after it."""
    import os

    from harbor_planner.outputs.labels import TIANDITU_KEY_MISSING

    if output is None or getattr(output, "basemap", None) != "tianditu":
        return
    if "map" in output.formats and not (output.tianditu_key or os.environ.get("TIANDITU_KEY")):
        problems.add("output.basemap", TIANDITU_KEY_MISSING)


def check_centres(built: dict[str, Any], problems: Problems) -> None:
    """``[centres]``: a radius above 0 and a coordinate system that exists."""
    from harbor_planner.coords import parse_crs
    from harbor_planner.scenario.sections import CentresConfig

    centres: CentresConfig = built.get("centres", CentresConfig())
    if not 0 < centres.radius_m <= settings.CENTRE_RADIUS_MAX_M:
        problems.add(
            "centres.radius_m",
            f"centres.radius_m must be metres above 0 and at most "
            f"{settings.CENTRE_RADIUS_MAX_M:,.0f} (a city centre's circle), e.g. 1000",
        )
    try:
        parse_crs(centres.crs or settings.CENTRES_CRS)
    except CRSError as exc:
        problems.add("centres.crs", f"centres.crs: {exc}")
    stations = built.get("stations")
    crs = getattr(stations, "crs", None)
    if isinstance(crs, str):  # checked when the scenario loads, as centres.crs is (17I)
        try:
            parse_crs(crs)
        except CRSError as exc:
            problems.add("stations.crs", f"stations.crs: {exc}")


def _check_study(study: StudyConfig, problems: Problems) -> None:
    """``[study]``: the minimum demand of a reported district."""
    if not 0 <= study.min_district_share_pct < 100:
        problems.add(
            "study.min_district_share_pct", "study.min_district_share_pct must be in [0, 100)"
        )
    if not 0 <= study.min_district_network_pct <= 100:
        key = "study.min_district_network_pct"
        problems.add(key, f"{key} must be in [0, 100]")
    if study.min_district_points < 0:
        problems.add("study.min_district_points", "study.min_district_points must be 0 or more")
    if isinstance(study.districts, list) and not study.districts:
        problems.add("study.districts", "study.districts: name at least one district, e.g. 渝中区")
    elif study.districts:  # checked when the scenario loads: with --set's name (probe 26A)
        from harbor_planner.districts import unknown_districts
        from harbor_planner.study_area import parse_study_area_text

        given = study.districts
        names = parse_study_area_text(given).get("districts") if isinstance(given, str) else given
        problem = unknown_districts([str(n).strip() for n in names or [] if str(n).strip()])
        if problem:
            problems.add("study.districts", f"study.districts: {problem}")


def check_run(built: dict[str, Any], problems: Problems) -> None:
    """``[run]``: at least one worker; a name column or a scheduler only with a partition."""
    from harbor_planner.scenario.sections import RunConfig

    run: RunConfig = built.get("run", RunConfig())
    if run.workers is not None and not 1 <= run.workers <= settings.WORKERS_MAX:
        problems.add(
            "run.workers", f"run.workers must be 1 to {settings.WORKERS_MAX} (worker processes)"
        )
    if run.partition is None and run.partition_name is not None:
        problems.add("run.partition_name", "run.partition_name needs run.partition (a layer)")
    for key, value in (("workers", run.workers), ("scheduler", run.scheduler)):
        if run.partition is None and value is not None:
            problems.add(
                f"run.{key}",
                f"run.{key} is for a partitioned run: give run.partition (--partition district "
                "or a polygon layer), or leave it out",
            )
    if run.partition == settings.PARTITION_DISTRICT and run.partition_name is not None:
        problems.add(
            "run.partition_name",
            "run.partition_name is for a partition layer; with 'district' the name column is "
            "coverage.district_column",
        )

"""Scenario files: one TOML file describing a whole run, checked key by key.

A scenario names the network, the station list, the demand, the walking-time limit, the
optimiser's settings and the outputs. Paths are relative to the scenario file (paths given
with ``--set`` or in Python overrides: relative to the working directory). Every key and
value is checked before anything runs: an unknown key (with a "did you mean"), a wrong type
or an impossible combination is reported with its line, all problems at once.

Example (``scenarios/yuzhong.toml`` is the full study)::

    title = "渝中区 15 分钟步行服务圈"

    [network]
    source = "walk.osm"            # OSM/GraphML/line layer/saved .npz, or "place:NAME"
    walk_model = "stairs"          # flat, stairs, hilly (needs dem)
    walk_speed_kmh = 4.5

    [stations]
    file = "stations.csv"
    crs = "gcj02"                  # gcj02 (AMap), bd09 (Baidu), wgs84, EPSG:NNNN

    [demand]
    kind = "main-streets"          # main-streets, buildings, points, grid

    [coverage]
    minutes = 15

    [optimize]
    add = 20
    solver = "exact"

    [output]
    dir = "out/yuzhong"
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harbor_planner.errors import InputDataError, ScenarioError
from harbor_planner.outputs import FORMATS

__all__ = [
    "CoverageConfig",
    "DemandConfig",
    "NetworkConfig",
    "OptimizeConfig",
    "OutputConfig",
    "Scenario",
    "StationsConfig",
    "demo_scenario_path",
    "load_scenario",
    "parse_override",
    "scenario_from_dict",
]


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class NetworkConfig:
    """``[network]``: where the walk network comes from and how walking time is counted.

    Attributes
    ----------
    source
        OSM file, GraphML, street-centreline layer, saved ``.npz`` network, or
        ``place:NAME`` (downloads from OpenStreetMap).
    walk_model
        ``flat``, ``stairs`` or ``hilly`` (default: hilly with a DEM, else stairs).
    walk_speed_kmh
        Walking speed on flat ground (default 4.5, or the saved network's).
    dem
        Elevation raster for the hilly model.
    dem_outside
        ``error`` or ``flat``: edges the DEM does not cover.
    keep_all
        Keep every connected component (default: the largest only).
    snap_tolerance_m
        Line layers: join line ends closer than this.
    metric_crs
        Projected CRS for lengths (default: the local UTM zone).

    """

    source: str
    walk_model: Literal["flat", "stairs", "hilly"] | None = None
    walk_speed_kmh: float | None = None
    dem: Path | None = None
    dem_outside: Literal["error", "flat"] = "error"
    keep_all: bool = False
    snap_tolerance_m: float = 1.0
    metric_crs: str | None = None


@dataclass(frozen=True)
class StationsConfig:
    """``[stations]``: the station list(s).

    Attributes
    ----------
    file
        CSV/XLSX (UTF-8 or GBK, Chinese headers), GeoJSON, GeoPackage or Shapefile; or a list
        of such files (e.g. built stations from AMap and proposed ones from Baidu).
    crs
        True coordinates: ``gcj02``, ``bd09``, ``wgs84`` or ``EPSG:NNNN``; a list gives one
        per file.
    sheet
        Workbook sheet or GeoPackage layer.
    status
        Statuses used (default: all but closed and candidate).
    max_dist_m
        Stations farther than this from a walkable street are left out.

    """

    file: Path | list[Path]
    crs: str | list[str] | None = None
    sheet: str | None = None
    status: list[str] | None = None
    max_dist_m: float = 150.0

    @property
    def sources(self) -> list[tuple[Path, str | None]]:
        """``(file, crs)`` of every station file."""
        files = self.file if isinstance(self.file, list) else [self.file]
        crs = self.crs if isinstance(self.crs, list) else [self.crs] * len(files)
        return list(zip(files, crs, strict=True))


@dataclass(frozen=True)
class DemandConfig:
    """``[demand]``: what coverage is measured on.

    Attributes
    ----------
    kind
        ``main-streets`` (sample points along main streets), ``buildings`` (people by floor
        area), ``points`` (a point layer, optionally weighted) or ``grid`` (a regular grid).
    file
        ``buildings``/``points``: the file.
    weight_column
        ``points``: column of weights (default 1 per point).
    cell_m
        ``grid``: cell size.
    crs
        ``points``/``buildings``: true coordinates of the file (required for CSV).
    population
        ``buildings``: total population allocated by floor area.
    default_levels
        ``buildings``: levels of untagged buildings.
    spacing_m
        ``main-streets``: one point per this many metres.
    main_street_classes
        ``main-streets``: the highway classes counted.
    within
        Polygon layer of the study area: demand outside it is left out (the network's
        extract reaches into neighbouring districts).

    """

    kind: Literal["main-streets", "buildings", "points", "grid"] = "main-streets"
    file: Path | None = None
    weight_column: str | None = None
    cell_m: float | None = None
    crs: str | None = None
    population: float | None = None
    default_levels: float | None = None
    spacing_m: float = 50.0
    main_street_classes: list[str] | None = None
    within: Path | None = None

    @property
    def spec(self) -> str:
        """The demand spec of :func:`harbor_planner.demand.demand_from_spec`."""
        if self.kind == "main-streets":
            return "main-streets"
        if self.kind == "grid":
            return f"grid:{self.cell_m:g}"
        spec = f"{self.kind}:{self.file}"
        return spec + (f":{self.weight_column}" if self.weight_column else "")


@dataclass(frozen=True)
class CoverageConfig:
    """``[coverage]``: the service-circle test.

    Attributes
    ----------
    minutes
        Walking-time limit (15 for the 15-minute circle).
    districts
        District polygons (default: Chongqing's 38 区县).
    district_column
        Name column of ``districts``.

    """

    minutes: float = 15.0
    districts: Path | None = None
    district_column: str | None = None


@dataclass(frozen=True)
class OptimizeConfig:
    """``[optimize]``: choosing new sites (left out when the section is absent).

    Attributes
    ----------
    enabled
        ``false`` skips the optimiser while keeping the settings.
    mode
        ``max-cover`` (``add`` sites covering most demand) or ``cover`` (fewest sites for
        ``target_pct``).
    add
        Number of new sites (max-cover; default: the sum of ``stages``).
    target_pct
        cover mode: share of demand to reach, percent.
    min_cover
        max-cover: count each demand point up to this many covers (2 = backup coverage).
    candidates
        ``auto`` (street sites and POIs) or a candidate file in any station format.
    candidates_crs
        True coordinates of the candidate file.
    candidate_spacing_m
        auto: one street site per this many metres.
    poi
        auto: more POI layers (``FILE`` or ``FILE:CRS``).
    exclude
        Site ids that may not be chosen, or a table whose first column lists them.
    quota
        District quota table (``district``, ``min``, ``max``), or with ``quota_column`` a
        district table to split ``add`` in proportion to.
    quota_column
        Split new sites in proportion to this column of ``quota``.
    min_spacing_m
        Metres between any two stations, old or new.
    spacing_by
        ``line`` (straight) or ``walk`` (on foot).
    budget
        Budget for the candidates' ``cost`` column.
    stages
        Staged roll-out, e.g. ``{ "2025" = 400, "2026" = 400 }`` or ``"2025:400,2026:400"``.
    solver
        ``greedy`` (fast, with a proven bound) or ``exact`` (HiGHS MILP).
    time_limit_s
        exact: time limit per stage.
    mip_gap
        exact: relative gap to stop at.

    """

    enabled: bool = True
    mode: Literal["max-cover", "cover"] = "max-cover"
    add: int | None = None
    target_pct: float | None = None
    min_cover: int = 1
    candidates: str = "auto"
    candidates_crs: str | None = None
    candidate_spacing_m: float = 200.0
    poi: list[str] = field(default_factory=list)
    exclude: list[str] | Path | None = None
    quota: Path | None = None
    quota_column: str | None = None
    min_spacing_m: float | None = None
    spacing_by: Literal["line", "walk"] = "line"
    budget: float | None = None
    stages: dict[str, int] | str | None = None
    solver: Literal["greedy", "exact"] = "greedy"
    time_limit_s: float = 600.0
    mip_gap: float = 1e-4

    @property
    def stage_list(self) -> list[tuple[str, int]] | None:
        """``stages`` as ``[(label, count), ...]`` (``None`` without stages)."""
        from harbor_planner.optimize import parse_stages

        if self.stages is None:
            return None
        if isinstance(self.stages, str):
            return parse_stages(self.stages)
        return [(str(k), int(v)) for k, v in self.stages.items()]

    @property
    def n_add(self) -> int | None:
        """Number of new sites: ``add``, or the sum of the stages."""
        stages = self.stage_list
        return self.add if self.add is not None else (sum(n for _, n in stages) if stages else None)


@dataclass(frozen=True)
class OutputConfig:
    """``[output]``: where results go and how they look.

    Attributes
    ----------
    dir
        Output directory (``--out`` overrides it; default ``out`` beside the scenario file).
    formats
        Products: ``tables`` (CSV/GeoPackage tables), ``map`` (map.html), ``report``
        (report.html), ``xlsx`` (report.xlsx), ``gpkg`` (layers.gpkg). ``summary.json`` and
        ``run.json`` are always written.
    basemap
        ``osm``, ``amap`` (overlays shifted to GCJ-02), ``tianditu`` or ``none``.
    tianditu_key
        Tianditu API key (or the ``TIANDITU_KEY`` environment variable).
    lang
        ``zh`` or ``en``: map and report language.
    map_bands
        Isochrone bands on the map, minutes.
    map_max_stations
        Leave isochrones off the map above this many stations.

    """

    dir: Path = Path("out")
    formats: list[Literal["tables", "map", "report", "xlsx", "gpkg"]] = field(
        default_factory=lambda: list(FORMATS)
    )
    basemap: Literal["osm", "amap", "tianditu", "none"] = "osm"
    tianditu_key: str | None = None
    lang: Literal["zh", "en"] = "zh"
    map_bands: list[float] = field(default_factory=lambda: [5.0, 10.0, 15.0])
    map_max_stations: int = 300


#: The key naming each input file (roles of :meth:`Scenario.input_files`).
_ROLE_KEYS: dict[str, str] = {
    "network": "network.source",
    "dem": "network.dem",
    "stations": "stations.file",
    "demand": "demand.file",
    "districts": "coverage.districts",
    "study_area": "demand.within",
    "candidates": "optimize.candidates",
    "quota": "optimize.quota",
    "exclude": "optimize.exclude",
    "poi": "optimize.poi",
}

_SECTIONS: dict[str, type] = {
    "network": NetworkConfig,
    "stations": StationsConfig,
    "demand": DemandConfig,
    "coverage": CoverageConfig,
    "optimize": OptimizeConfig,
    "output": OutputConfig,
}
_TOP_LEVEL: dict[str, type] = {"title": str, "description": str}
_REQUIRED_SECTIONS = ("network", "stations")


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: every setting of a run.

    Build one with :func:`load_scenario` (from a TOML file) or :func:`scenario_from_dict`;
    derive variants with :meth:`with_overrides`.

    Attributes
    ----------
    network, stations, demand, coverage, optimize, output
        The sections; ``optimize`` is ``None`` when the scenario does not optimise.
    title, description
        Free text shown in the report and the map.
    path
        The scenario file (``None`` when built from a dict).
    overrides
        The overrides applied, as ``key=value`` text (for the run manifest).

    """

    network: NetworkConfig
    stations: StationsConfig
    demand: DemandConfig = field(default_factory=DemandConfig)
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    optimize: OptimizeConfig | None = None
    output: OutputConfig = field(default_factory=OutputConfig)
    title: str = ""
    description: str = ""
    path: Path | None = None
    overrides: tuple[str, ...] = ()
    _raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _base_dir: Path = field(default=Path("."), repr=False, compare=False)
    _text: str | None = field(default=None, repr=False, compare=False)
    _overridden: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @property
    def optimizes(self) -> bool:
        """Whether the run chooses new sites (an ``[optimize]`` section, enabled)."""
        return self.optimize is not None and self.optimize.enabled

    def with_overrides(self, overrides: Mapping[str, Any] | Sequence[str]) -> Scenario:
        """A copy with more settings changed (``{"network.walk_speed_kmh": 3.2}``).

        Paths among the new values are relative to the working directory.
        """
        return _build(
            self._raw,
            base_dir=self._base_dir,
            path=self.path,
            text=self._text,
            overrides=[*self.overrides, *_override_items(overrides)],
        )

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON types (paths as text), section by section."""

        def plain(v: Any) -> Any:
            if isinstance(v, Path):
                return str(v)
            if isinstance(v, list | tuple):
                return [plain(x) for x in v]
            if isinstance(v, dict):
                return {str(k): plain(x) for k, x in v.items()}
            return v

        out: dict[str, Any] = {"title": self.title, "description": self.description}
        for name in _SECTIONS:
            section = getattr(self, name)
            out[name] = (
                None
                if section is None
                else {f.name: plain(getattr(section, f.name)) for f in dataclasses.fields(section)}
            )
        return out

    def input_files(self) -> dict[str, Path]:
        """Input files by role (only the local files the scenario names)."""
        files: dict[str, Path] = {}
        if self.path is not None:
            files["scenario"] = self.path
        src = self.network.source
        if not src.startswith("place:"):
            files["network"] = Path(src)
        sources = self.stations.sources
        for i, (path, _) in enumerate(sources):
            files["stations" if len(sources) == 1 else f"stations{i + 1}"] = path
        optional = {
            "dem": self.network.dem,
            "demand": self.demand.file if self.demand.kind in ("buildings", "points") else None,
            "districts": self.coverage.districts,
            "study_area": self.demand.within,
        }
        opt = self.optimize
        if opt is not None and self.optimizes:
            if opt.candidates != "auto":
                optional["candidates"] = Path(opt.candidates)
            optional["quota"] = opt.quota
            optional["exclude"] = opt.exclude if isinstance(opt.exclude, Path) else None
            for i, poi in enumerate(opt.poi):
                optional[f"poi{i + 1}"] = Path(poi.split(":", 1)[0])  # FILE[:CRS[:KIND]]
        files.update({k: Path(v) for k, v in optional.items() if v is not None})
        return files

    def check_inputs(self) -> None:
        """Check that every input file the scenario names exists, before anything runs.

        Raises
        ------
        ScenarioError
            Every missing file, with the key and line (or ``--set``) that names it.

        """
        problems = _Problems(key_lines(self._text) if self._text else {}, set(self._overridden))
        for role, path in self.input_files().items():
            if role != "scenario" and not path.exists():
                key = _ROLE_KEYS.get(role.rstrip("0123456789"), role)
                problems.add(key, f"{key}: file not found: {path}")
        if problems.items:
            problems.raise_all(self.path)


# --------------------------------------------------------------------------- loading


def load_scenario(
    path: str | os.PathLike[str],
    *,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
) -> Scenario:
    """Read and check a TOML scenario file.

    Parameters
    ----------
    path
        The scenario file. Relative paths inside are relative to its folder.
    overrides
        Settings to change, as ``{"section.key": value}`` or ``["section.key=value", ...]``
        (text values parsed as TOML, e.g. ``3.2``, ``true``, ``[5, 10]``; anything else is
        taken as a string). Paths among them are relative to the working directory.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        The file is missing or not valid TOML, or keys are unknown, of the wrong type or
        inconsistent: every problem with its line (or ``--set``), all at once.

    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError("scenario file not found", path=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"line {line}: not UTF-8 text; TOML files are UTF-8: save the scenario as UTF-8 "
            "(e.g. GBK text from an older editor must be converted)",
            path=path,
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", path=path) from None
    return _build(
        raw,
        base_dir=path.resolve().parent,
        path=path,
        text=text,
        overrides=_override_items(overrides or {}),
    )


def demo_scenario_path() -> Path:
    """The bundled demo scenario (``demo.toml`` on the fictional 示例区).

    Installed from a wheel it is ``harbor_planner/_demo/demo.toml``; in a source checkout,
    ``geodata/demo/demo.toml``.

    Raises
    ------
    ScenarioError
        Neither is present (a broken installation).

    """
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "_demo", package.parents[1] / "geodata" / "demo"):
        if (folder / "demo.toml").is_file():
            return folder / "demo.toml"
    raise ScenarioError(
        "the demo data was not found (harbor_planner/_demo or geodata/demo): reinstall "
        "harbor-planner, or run from a source checkout installed with 'pip install -e .'"
    )


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike[str] = ".",
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
) -> Scenario:
    """A checked scenario from nested dicts shaped like the TOML file.

    Parameters
    ----------
    data
        ``{"network": {"source": ...}, "stations": {...}, ...}``.
    base_dir
        Folder that relative paths in ``data`` are relative to.
    overrides
        As for :func:`load_scenario`.

    """
    return _build(
        dict(data),
        base_dir=Path(base_dir).resolve(),
        path=None,
        text=None,
        overrides=_override_items(overrides or {}),
    )


def parse_override(text: str) -> tuple[str, Any]:
    """``"section.key=value"`` → ``("section.key", value)``, the value parsed as TOML.

    Values that are not valid TOML (``gcj02``, ``out/a``) are taken as strings.

    Raises
    ------
    ScenarioError
        No ``=`` or no key.

    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--set {text!r}: expected KEY=VALUE, e.g. network.walk_speed_kmh=4")
    value = value.strip()
    try:
        return key, tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value


def _override_items(overrides: Mapping[str, Any] | Sequence[str]) -> list[str]:
    """Overrides as ``key=value`` text items (values as TOML literals)."""
    if isinstance(overrides, Mapping):
        return [f"{k}={_toml_literal(v)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return [str(o) for o in overrides]


def _toml_literal(value: Any) -> str:
    """A Python value written as a TOML literal (for overrides given as a mapping)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f'"{k}" = {_toml_literal(v)}' for k, v in value.items()) + " }"
    raise ScenarioError(f"override value {value!r}: not a number, text, list or table")


# --------------------------------------------------------------------------- checking

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_PART = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _split_key(text: str) -> list[str]:
    parts = re.findall(_PART, text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of every key and table header of a TOML text, by dotted path."""
    lines: dict[str, int] = {}
    prefix: list[str] = []
    in_multiline = None
    for no, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        m = _HEADER.match(line)
        if m:
            prefix = _split_key(m.group(1))
            lines.setdefault(".".join(prefix), no)
            continue
        m = _KEY.match(line)
        if m:
            path = ".".join([*prefix, *_split_key(m.group(1))])
            lines.setdefault(path, no)
            rest = line[m.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
    return lines


class _Problems:
    """Collects problems with where they are (a line of the file, or an override)."""

    def __init__(self, lines: dict[str, int], overridden: set[str]) -> None:
        self.lines = lines
        self.overridden = overridden
        self.items: list[tuple[int, str]] = []

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
        self.items.append((order, f"{where}: {message}" if where else message))

    def raise_all(self, path: Path | None) -> None:
        """Raise one :class:`ScenarioError` with every problem, in line order."""
        self.items.sort(key=lambda item: item[0])
        lines = [msg for _, msg in self.items]
        head = lines[0] if len(lines) == 1 else f"{len(lines)} problems:\n  " + "\n  ".join(lines)
        raise ScenarioError(head, path=path)


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
        return "a table of LABEL = COUNT"
    return str(tp)


def _value_name(value: Any) -> str:
    kind = {bool: "a boolean", int: "a whole number", float: "a number", str: "text"}.get(
        type(value), "a list" if isinstance(value, list) else "a table"
    )
    shown = repr(value)
    return f"{shown if len(shown) <= 40 else shown[:37] + '...'} ({kind})"


def _convert(value: Any, tp: Any, base: Path) -> Any:
    """``value`` as type ``tp`` (paths resolved against ``base``); ``TypeError`` if not."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg, base)
            except TypeError:
                continue
        raise TypeError(" or ".join(_type_name(a) for a in args if a is not type(None)))
    if origin is Literal:
        if value in typing.get_args(tp):
            return value
        raise TypeError(_type_name(tp))
    if origin is list:
        if not isinstance(value, list):
            raise TypeError(_type_name(tp))
        (item,) = typing.get_args(tp)
        out = []
        for v in value:
            try:
                out.append(_convert(v, item, base))
            except TypeError:
                raise TypeError(f"{_type_name(tp)} ({v!r} is not one)") from None
        return out
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
            return value
        raise TypeError(_type_name(tp))
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise TypeError(_type_name(tp))
    if tp is str:
        if isinstance(value, str):
            return value
        raise TypeError(_type_name(tp))
    if tp is Path:
        if isinstance(value, str) and value.strip():
            return _under(base, value)
        raise TypeError(_type_name(tp))
    raise TypeError(_type_name(tp))  # pragma: no cover - every field type is handled above


def _apply_override(raw: dict[str, Any], item: str, problems: _Problems) -> str | None:
    """Set one ``key=value`` override in ``raw``; returns the key, or ``None`` if unusable."""
    try:
        key, value = parse_override(item)
    except ScenarioError as exc:
        problems.items.append((0, str(exc)))
        return None
    parts = key.split(".")
    if len(parts) == 1 and parts[0] in _TOP_LEVEL:
        raw[parts[0]] = value
        return key
    if len(parts) != 2:
        problems.items.append(
            (0, f"--set {key}: expected SECTION.KEY, e.g. network.walk_speed_kmh")
        )
        return None
    section = raw.setdefault(parts[0], {})
    if not isinstance(section, dict):
        problems.items.append((0, f"--set {key}: {parts[0]} is not a section"))
        return None
    section[parts[1]] = value
    return key


def _build(
    raw: dict[str, Any],
    *,
    base_dir: Path,
    path: Path | None,
    text: str | None,
    overrides: list[str],
) -> Scenario:
    """Check ``raw`` (plus overrides) and build the :class:`Scenario`."""
    import copy

    data = copy.deepcopy(raw)
    problems = _Problems(key_lines(text) if text else {}, set())
    overridden: set[str] = set()
    for item in overrides:
        key = _apply_override(data, item, problems)
        if key is not None:
            overridden.add(key)
    problems.overridden = overridden

    built: dict[str, Any] = {}
    for key, value in data.items():
        if key in _TOP_LEVEL:
            if isinstance(value, str):
                built[key] = value
            else:
                problems.add(key, f"{key} must be text, got {_value_name(value)}")
        elif key in _SECTIONS:
            if not isinstance(value, dict):
                problems.add(key, f"[{key}] must be a section (table), got {_value_name(value)}")
                continue
            section = _build_section(key, value, base_dir, problems)
            if section is not None:
                built[key] = section
        else:
            known = [*_SECTIONS, *_TOP_LEVEL]
            problems.add(key, f"unknown key {key!r}{_did_you_mean(key, known)}")
    for name in _REQUIRED_SECTIONS:
        if name not in data:
            problems.items.append((0, f"missing section [{name}]"))
    if not problems.items:
        _check_consistency(built, problems)
        output = built.get("output", OutputConfig())
        if "dir" not in (data.get("output") or {}):  # the default is beside the scenario too
            built["output"] = dataclasses.replace(output, dir=base_dir / "out")
    if problems.items:
        problems.raise_all(path)
    return Scenario(
        **built,
        path=path,
        overrides=tuple(overrides),
        _raw=raw,
        _base_dir=base_dir,
        _text=text,
        _overridden=frozenset(overridden),
    )


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; known: {', '.join(known)}"


def _build_section(
    name: str, values: dict[str, Any], base_dir: Path, problems: _Problems
) -> Any | None:
    cls = _SECTIONS[name]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    ok = True
    for key, value in values.items():
        dotted = f"{name}.{key}"
        if key not in fields:
            problems.add(dotted, f"unknown key {dotted!r}{_did_you_mean(key, list(fields))}")
            ok = False
            continue
        base = Path.cwd() if dotted in problems.overridden else base_dir
        try:
            converted = _convert(value, hints[key], base)
        except TypeError as exc:
            problems.add(dotted, f"{dotted} must be {exc}, got {_value_name(value)}")
            ok = False
            continue
        if (dotted == "network.source" and not converted.startswith("place:")) or (
            dotted == "optimize.candidates" and converted != "auto"
        ):
            converted = str(_under(base, converted))
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


def _resolve_poi(text: str, base: Path) -> str:
    """A POI source ``FILE[:CRS[:KIND]]`` with FILE made absolute."""
    file, sep, rest = text.partition(":")
    return str(_under(base, file)) + (sep + rest if sep else "")


def _under(base: Path, text: str) -> Path:
    """``text`` as a path, relative ones taken from ``base`` (normalised, links kept)."""
    p = Path(text).expanduser()
    return p if p.is_absolute() else Path(os.path.normpath(base / p))


def _check_consistency(built: dict[str, Any], problems: _Problems) -> None:
    """Settings that are each valid but do not fit together."""
    st: StationsConfig = built["stations"]
    files = st.file if isinstance(st.file, list) else [st.file]
    if not files:
        problems.add("stations.file", "stations.file: give at least one file")
    if isinstance(st.crs, list) and len(st.crs) != len(files):
        problems.add(
            "stations.crs",
            f"stations.crs lists {len(st.crs)} systems for {len(files)} files; give one per file "
            "(or one for all)",
        )
    net: NetworkConfig = built["network"]
    if net.walk_model == "hilly" and net.dem is None:
        problems.add("network.walk_model", "walk_model 'hilly' needs network.dem (a raster)")
    if net.walk_speed_kmh is not None and not 0 < net.walk_speed_kmh < 20:
        problems.add("network.walk_speed_kmh", "walk_speed_kmh must be between 0 and 20")
    demand: DemandConfig = built.get("demand", DemandConfig())
    if demand.kind in ("buildings", "points") and demand.file is None:
        problems.add("demand.kind", f"demand kind {demand.kind!r} needs demand.file")
    if demand.kind == "grid" and not (demand.cell_m and demand.cell_m > 0):
        problems.add("demand.kind", "demand kind 'grid' needs demand.cell_m > 0")
    cov: CoverageConfig = built.get("coverage", CoverageConfig())
    if not cov.minutes > 0:
        problems.add("coverage.minutes", "coverage.minutes must be positive")
    out: OutputConfig = built.get("output", OutputConfig())
    if any(not b > 0 for b in out.map_bands):
        problems.add("output.map_bands", "output.map_bands must be positive minutes")
    opt: OptimizeConfig | None = built.get("optimize")
    if opt is None or not opt.enabled:
        return
    try:
        stages = opt.stage_list
    except InputDataError as exc:  # parse_stages names what is wrong
        problems.add("optimize.stages", str(exc))
        return
    if opt.mode == "max-cover" and not opt.add and not stages:
        problems.add("optimize", "[optimize] max-cover needs add = N (or stages)")
    if opt.add is not None and opt.add < 1:
        problems.add("optimize.add", "optimize.add must be at least 1")
    if opt.add is not None and stages and sum(n for _, n in stages) != opt.add:
        problems.add(
            "optimize.add",
            f"optimize.add = {opt.add} but the stages add up to {sum(n for _, n in stages)}",
        )
    if opt.mode == "cover" and opt.target_pct is None:
        problems.add("optimize.mode", "mode 'cover' needs optimize.target_pct")
    if opt.target_pct is not None and not 0 < opt.target_pct <= 100:
        problems.add("optimize.target_pct", "target_pct must be in (0, 100]")
    if opt.quota_column is not None and opt.quota is None:
        problems.add("optimize.quota_column", "quota_column needs optimize.quota (a table)")

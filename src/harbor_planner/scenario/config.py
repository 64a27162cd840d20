"""Scenario files: one TOML file describing a whole run, checked key by key.

A scenario names the network, the station list, the demand, the walking-time limit, the
optimiser's settings and the outputs. Paths are relative to the scenario file (paths given
with ``--set`` or in Python overrides: relative to the working directory). Every key and
value is checked before anything runs: an unknown key (with a "did you mean"), a wrong type
or an impossible combination is reported with its line, all problems at once.

The exit candidates (``--exit-candidates PCT`` of ``coverage``) are
``coverage.exit_candidates_pct``; their replacements are looked for among
``coverage.exit_candidates_sites`` (with ``exit_candidates_crs``), not ``[optimize]``'s
candidates, so that a run without new sites can name them too.

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
    exit_candidates_pct = 5        # exit_candidates.csv: stations whose closure loses < 5 %
    exit_candidates_sites = "auto" # ... each with its best replacement (or a candidate file)

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harbor_planner import settings
from harbor_planner._io import input_file, read_input_bytes
from harbor_planner._text import redact_override, redact_secrets
from harbor_planner.errors import ScenarioError
from harbor_planner.scenario._check import (
    Problems,
    bare_numbers,
    build_section,
    check_consistency,
    did_you_mean,
    value_name,
)
from harbor_planner.scenario.sections import (
    REQUIRED_SECTIONS,
    ROLE_KEYS,
    SECTIONS,
    TOP_LEVEL,
    CentresConfig,
    CoverageConfig,
    DemandConfig,
    NetworkConfig,
    OptimizeConfig,
    OutputConfig,
    RunConfig,
    StationsConfig,
    StudyConfig,
)

__all__ = [
    "CentresConfig",
    "CoverageConfig",
    "DemandConfig",
    "NetworkConfig",
    "OptimizeConfig",
    "OutputConfig",
    "RunConfig",
    "Scenario",
    "StationsConfig",
    "StudyConfig",
    "demo_scenario_path",
    "key_lines",
    "load_scenario",
    "parse_override",
    "scenario_from_dict",
]


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: every setting of a run.

    Build one with :func:`load_scenario` (from a TOML file) or :func:`scenario_from_dict`;
    derive variants with :meth:`with_overrides`.

    Attributes
    ----------
    network, stations, demand, coverage, optimize, output, study
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
    centres: CentresConfig = field(default_factory=CentresConfig)
    study: StudyConfig = field(default_factory=StudyConfig)
    run: RunConfig = field(default_factory=RunConfig)
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

    def to_dict(self, *, redact: bool = True) -> dict[str, Any]:
        """The settings as plain JSON types (paths as text), section by section.

        Parameters
        ----------
        redact
            Show each secret that was set (``output.tianditu_key``, any setting whose name
            holds one of :data:`harbor_planner.settings.SECRET_WORDS`) as
            :data:`harbor_planner.settings.REDACTED`, never its value (default): these are
            the parameters of run.json and the reports. ``False`` gives the values.

        Returns
        -------
        dict
            Section name → settings, with ``title`` and ``description``; ``demand`` holds
            only the keys its kind uses (:attr:`DemandConfig.used_keys`: no ``spacing_m`` of
            a buildings demand).

        """

        def plain(v: Any) -> Any:
            if isinstance(v, Path):
                return str(v)
            if isinstance(v, list | tuple):
                return [plain(x) for x in v]
            if isinstance(v, dict):
                return {str(k): plain(x) for k, x in v.items()}
            return v

        out: dict[str, Any] = {"title": self.title, "description": self.description}
        for name in SECTIONS:
            section = getattr(self, name)
            out[name] = (
                None
                if section is None
                else {f.name: plain(getattr(section, f.name)) for f in dataclasses.fields(section)}
            )
        if out["demand"] is not None:  # the keys its kind never reads are no setting of the run
            used = self.demand.used_keys
            out["demand"] = {k: v for k, v in out["demand"].items() if k in used}
        if not redact:
            return out
        out = redact_secrets(out)
        output = out["output"]
        if output["basemap"] == "tianditu" and not output["tianditu_key"]:
            # the map takes the key from the environment: record that, never the key
            output["tianditu_key"] = "(TIANDITU_KEY)" if os.environ.get("TIANDITU_KEY") else None
        return out

    def redacted_overrides(self) -> list[str]:
        """The overrides as ``key=value`` text, the value of a secret shown as ``(set)``."""
        return [redact_override(o) for o in self.overrides]

    def input_files(self) -> dict[str, Path]:
        """Input files by role (only the local files the scenario names)."""
        files: dict[str, Path] = {}
        if self.path is not None:
            files["scenario"] = self.path
        sources = [s for s in self.network.sources if not s.startswith("place:")]
        for i, src in enumerate(sources):
            files["network" if i == 0 else f"network{i + 1}"] = Path(src)
        within = self.network.within
        if within is not None:
            from harbor_planner.network.clip import is_area_file

            areas = [w for w in (within if isinstance(within, list) else [within])]
            for i, area in enumerate(a for a in areas if is_area_file(a)):
                files["network_within" if i == 0 else f"network_within{i + 1}"] = Path(area)
        sources = self.stations.sources
        for i, (path, _) in enumerate(sources):
            files["stations" if len(sources) == 1 else f"stations{i + 1}"] = path
        if self.demand.kind in ("buildings", "points"):
            demand = self.demand.files
            for i, path in enumerate(demand):
                files["demand" if len(demand) == 1 else f"demand{i + 1}"] = path
        optional = {
            "dem": self.network.dem,
            "districts": self.coverage.districts,
            "study_area": self.demand.within,
            "centres": self.centres.file,
            "study_file": self.study.area,
            "partition": self.run.partition_file,
        }
        cov = self.coverage
        sites = cov.exit_candidates_sites
        if cov.exit_candidates_pct is not None and sites and str(sites).strip().lower() != "auto":
            optional["exit_sites"] = sites  # each exit's replacement is looked for among them
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
        problems = Problems(key_lines(self._text) if self._text else {}, set(self._overridden))
        for role, path in self.input_files().items():
            if role != "scenario" and not path.exists():
                key = ROLE_KEYS.get(role.rstrip("0123456789"), role)
                problems.add(key, f"{key}: file not found: {path}" + _hint(key, path))
        if problems.items:
            problems.raise_all(self.path)


def _hint(key: str, path: Path) -> str:
    """What a missing file's name says was meant (``--quota``'s form in a scenario)."""
    if key == "optimize.quota" and "proportional:" in str(path):
        return (
            " (proportional:FILE:COLUMN is --quota's form; in a scenario write "
            'quota = "FILE" and quota_column = "COLUMN")'
        )
    if key == "run.partition":
        name = path.name.lower()  # a layer's name (districts.gpkg) is no misspelt keyword
        close = "." not in name and difflib.get_close_matches(name, [settings.PARTITION_DISTRICT])
        if close:  # probe 25E: --partition distrct
            return f" (did you mean {settings.PARTITION_DISTRICT!r}, one part per district?)"
        return f" (a polygon layer, or {settings.PARTITION_DISTRICT!r} for the districts layer)"
    return ""


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
    if not isinstance(path, str | os.PathLike):
        raise ScenarioError(
            f"a scenario is its TOML file's path (or a Scenario, or a dict of its sections for "
            f"run()), got {type(path).__name__}"
        )
    path = input_file(path, "scenario", error=ScenarioError)
    data = read_input_bytes(path, "scenario file")
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
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ScenarioError(_TOO_DEEP, path=path) from None
    return _build(
        raw,
        base_dir=path.resolve().parent,
        path=path,
        text=text,
        overrides=_override_items(overrides or {}),
    )


def demo_scenario_path() -> Path:
    """The bundled demo scenario (``demo.toml`` on Yuzhong, an OpenStreetMap extract).

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
        ``{"network": {"source": ...}, "stations": {...}, ...}``; a value ``None`` is a key
        not set (so that ``Scenario.to_dict()``, as ``run.json`` records it under
        ``parameters``, builds the same scenario again).
    base_dir
        Folder that relative paths in ``data`` are relative to.
    overrides
        As for :func:`load_scenario`.

    """
    if not isinstance(data, Mapping):
        raise ScenarioError(
            f"a scenario dict holds its sections ({{'network': {{...}}, ...}}), got "
            f"{type(data).__name__}"
        )
    return _build(
        _without_nulls(dict(data)),
        base_dir=Path(base_dir).resolve(),
        path=None,
        text=None,
        overrides=_override_items(overrides or {}),
    )


def _without_nulls(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as TOML would give it: no ``None`` values (keys not set), paths as text."""

    def plain(v: Any) -> Any:
        if isinstance(v, Mapping):
            return _without_nulls(v)
        if isinstance(v, os.PathLike):
            return os.fspath(v)
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        return v

    return {k: plain(v) for k, v in data.items() if v is not None}


def parse_override(text: str) -> tuple[str, Any]:
    """``"section.key=value"`` → ``("section.key", value)``, the value parsed as TOML.

    Values that are not valid TOML (``gcj02``, ``out/a``) are taken as strings; bare numbers
    keep their text (:func:`~harbor_planner.scenario._check.bare_numbers`), so a setting that
    wants text takes ``2025`` as the sheet named "2025".

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
        return key, bare_numbers(tomllib.loads(f"v = {value}")["v"], value)
    except tomllib.TOMLDecodeError:
        return key, value
    except RecursionError:
        raise ScenarioError(f"--set {key}: {_TOO_DEEP}") from None


#: A TOML value nested deeper than the parser can follow.
_TOO_DEEP = (
    "a value is nested too deeply to read (lists or tables inside each other a thousand "
    "levels deep: a damaged or made-up value?); fix or remove it"
)


def _override_items(overrides: Mapping[str, Any] | Sequence[str]) -> list[str]:
    """Overrides as ``key=value`` text items (values as TOML literals)."""
    if isinstance(overrides, Mapping):
        return [f"{k}={_toml_literal(v)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    if not isinstance(overrides, Sequence):
        raise ScenarioError(
            "overrides must be a dict of settings ({'network.walk_speed_kmh': 4.0}) or a list "
            f"of 'key=value' texts, got {type(overrides).__name__}"
        )
    return [str(o) for o in overrides]


def _toml_literal(value: Any) -> str:
    """A Python value written as a TOML literal (for overrides given as a mapping)."""
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":  # np.float64, arrays
        value = value.tolist()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f'"{k}" = {_toml_literal(v)}' for k, v in value.items()) + " }"
    raise ScenarioError(f"override value {value!r}: not a number, text, list or table")


# --------------------------------------------------------------------------- TOML text

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


def _apply_override(raw: dict[str, Any], item: str, problems: Problems) -> str | None:
    """Set one ``key=value`` override in ``raw``; returns the key, or ``None`` if unusable."""
    try:
        key, value = parse_override(item)
    except ScenarioError as exc:
        problems.items.append((0, str(exc)))
        return None
    parts = key.split(".")
    unset = item.partition("=")[2].strip() == ""  # `--set KEY=`: back to the default
    if len(parts) == 1 and parts[0] in TOP_LEVEL:
        if unset:
            raw.pop(parts[0], None)
        else:
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
    if unset:  # probe 21P: an empty path was read as the working folder
        section.pop(parts[1], None)
    else:
        section[parts[1]] = value
    return key


def _study_area_replaced(data: dict[str, Any], overridden: set[str]) -> None:
    """An override of ``study.districts`` or ``study.area`` replaces the file's study area.

    ``--study-area FILE`` on a scenario naming districts means that polygon, not its
    intersection with the districts: the key the overrides did not set is dropped.
    """
    keys = {"study.districts", "study.area"}
    study = data.get("study")
    if not overridden & keys or not isinstance(study, dict):
        return
    for key in keys - overridden:
        study.pop(key.split(".", 1)[1], None)


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
    problems = Problems(key_lines(text) if text else {}, set())
    overridden: set[str] = set()
    for item in overrides:
        key = _apply_override(data, item, problems)
        if key is not None:
            overridden.add(key)
    problems.overridden = overridden
    _study_area_replaced(data, overridden)

    built: dict[str, Any] = {}
    for key, value in data.items():
        if key in TOP_LEVEL:
            if isinstance(value, str):
                built[key] = value
            else:
                problems.add(key, f"{key} must be text, got {value_name(value)}")
        elif key in SECTIONS:
            if not isinstance(value, dict):
                problems.add(key, f"[{key}] must be a section (table), got {value_name(value)}")
                continue
            section = build_section(key, value, base_dir, problems)
            if section is not None:
                built[key] = section
        else:
            known = [*SECTIONS, *TOP_LEVEL]
            problems.add(key, f"unknown key {key!r}{did_you_mean(key, known)}")
    for name in REQUIRED_SECTIONS:
        if name not in data:
            problems.items.append((0, f"missing section [{name}]"))
    clean = not problems.items
    if "stations" in built and "network" in built:  # all at once (probe 23C: a range was
        check_consistency(built, problems)  # said only once the unknown keys were fixed)
    if clean and not problems.items:
        output = built.get("output", OutputConfig())
        given = data.get("output") or {}
        if "dir" not in given:  # the default is beside the scenario too
            output = dataclasses.replace(output, dir=base_dir / "out")
        if "map_bands" not in given:  # the bands follow the study's walking limit
            minutes = built["coverage"].minutes if "coverage" in built else settings.MINUTES
            output = dataclasses.replace(output, map_bands=settings.map_bands_for(minutes))
        built["output"] = output
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

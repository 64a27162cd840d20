"""Side-by-side comparison of scenario results (``harbor-planner compare``).

Each run directory holds the ``summary.json`` and ``by_district.csv`` of a scenario run (or of
``harbor-planner coverage``). :func:`compare_runs` lines up the headline figures and the
per-district coverage of several runs, with the difference of each run from the first, then
what the runs' ``run.json`` say they differ in: settings, input files and the tool's version.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._io import atomic_paths, read_regular_text
from harbor_planner._text import clean_text, csv_safe, one_line
from harbor_planner.errors import InputDataError, UsageError

__all__ = [
    "Comparison",
    "compare_runs",
    "districts_path",
    "format_comparison",
    "run_labels",
    "write_comparison",
]

log = logging.getLogger(__name__)

FIGURES: tuple[tuple[str, str, str], ...] = (
    ("walk model", "coverage", "walk_model"),
    ("walk speed (km/h)", "coverage", "walk_speed_kmh"),
    ("walk direction", "coverage", "walk_direction"),
    ("minutes", "coverage", "minutes"),
    ("study area", "study_area", ""),
    ("demand", "coverage", "demand_kind"),
    ("demand unit", "coverage", "demand_unit"),
    ("demand total", "coverage", "demand_total"),
    ("stations", "coverage", "stations"),
    ("built stations", "coverage", "coverage_by_status.0.stations"),
    ("stations on network", "coverage", "stations_on_network"),
    ("coverage % (built stations)", "coverage", "coverage_by_status.0.coverage_pct"),
    ("coverage %", "coverage", "coverage_pct"),
    ("coverage % low (range)", "coverage", "coverage_range_pct.low"),
    ("coverage % high (range)", "coverage", "coverage_range_pct.high"),
    ("circle coverage %", "coverage", "euclidean_coverage_pct"),
    ("double coverage %", "coverage", "double_coverage_pct"),
    ("demand beyond the network %", "coverage", "beyond_network_pct"),
    ("median walk (min)", "coverage", "time_median_min"),
    ("p90 walk (min)", "coverage", "time_p90_min"),
    ("new sites", "optimize", "sites_added"),
    ("solver", "optimize", "solver"),
    ("optimality gap %", "optimize", "optimality_gap"),
    ("coverage % after", "optimize", "coverage_pct_after"),
    ("coverage % after low (range)", "coverage_after", "coverage_range_pct.low"),
    ("coverage % after high (range)", "coverage_after", "coverage_range_pct.high"),
)
"""Rows of the overall table: (label, section of summary.json, key; dots go into objects and
lists). The built stations' count and coverage come from the built scope of
``coverage_by_status`` (stations without a status count as built there; without any status
the list is empty: no figure is then the built stations').

``coverage %`` is that of every station the run used; ``coverage % (built stations)`` the
headline when the stations have statuses; each status scope of ``coverage_by_status`` (built
with those under construction, ...) gets a row of its own after the figures' ``coverage %``.
"""


@dataclass(frozen=True)
class Comparison:
    """Scenario results side by side.

    Attributes
    ----------
    labels
        One label per run (the directory names unless given).
    overall
        One row per figure (:data:`FIGURES`), one column per run, then ``Δ <label>``
        columns: the difference from the first run (numbers only). Then the rows of
        :func:`setting_rows`: the tool's version, the settings (``setting <key>``) and the
        input files (``<role> file (SHA-256)``) in which the runs differ, from their
        ``run.json`` (no Δ).
    districts
        One row per district: coverage % per run, ``<label> after`` (with the new sites) for
        runs that chose some, then ``Δ <label>`` columns: the difference of the stations'
        coverage from the first run's.

    """

    labels: list[str]
    overall: pd.DataFrame
    districts: pd.DataFrame


def _read_run(path: Path) -> tuple[dict[str, Any], dict[str, pd.Series]]:
    """A run's summary (as a scenario run's nested summary) and district coverage.

    District coverage % by district name: ``now`` (the stations) and, for runs that chose new
    sites, ``after``.
    """
    summary_path = path / "summary.json"
    if not path.exists():  # probe 27A: "not a directory of results" for a folder not made
        raise InputDataError(
            "folder not found: give the output folder of 'harbor-planner run' or 'coverage' "
            "(its --out)",
            path=path,
        )
    if not path.is_dir():
        raise InputDataError(
            "a file, not a folder of results: give the output folder of 'harbor-planner run' "
            "or 'coverage' (its --out)",
            path=path,
        )
    if not summary_path.is_file():
        raise InputDataError(
            "no summary.json: not the output directory of 'harbor-planner run' or 'coverage'",
            path=path,
        )
    try:
        summary = json.loads(summary_path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputDataError(f"unreadable JSON ({exc})", path=summary_path) from None
    if not isinstance(summary, dict):
        raise InputDataError(
            f"summary.json holds a JSON {type(summary).__name__}, not a run's summary (an "
            "object): give the folder of a 'harbor-planner run' or 'coverage'",
            path=summary_path,
        )
    if "coverage_pct" in summary:  # a 'coverage' command's flat summary
        summary = {"coverage": summary, "optimize": None}
    if not isinstance(summary.get("coverage"), dict):
        raise InputDataError(
            "summary.json has no coverage figures (an 'optimize' folder? compare the folders "
            "of 'harbor-planner run' or 'coverage')",
            path=summary_path,
        )
    tables: dict[str, pd.Series] = {}
    for key, name in (("now", "by_district.csv"), ("after", "by_district_after.csv")):
        if (path / name).is_file():
            table = _district_table(path / name)
            if table is not None:
                tables[key] = table
    _warn_changed(path, ["summary.json", *(n for n in DISTRICT_FILES if (path / n).is_file())])
    return summary, tables


#: A run's tables of coverage by district that compare reads.
DISTRICT_FILES = ("by_district.csv", "by_district_after.csv")


def _district_table(path: Path) -> pd.Series | None:
    """``coverage_pct`` by district of a ``by_district.csv`` (``None``: not such a table).

    Raises
    ------
    InputDataError
        A file that is no CSV text, a district named twice, a coverage that is no number.

    """
    try:
        table = pd.read_csv(path, encoding="utf-8-sig", dtype={"district": str})
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(
            f"not a table harbor-planner wrote ({one_line(exc)[:120]}); run the study again "
            "or remove the file",
            path=path,
        ) from None
    if "district" not in table or "coverage_pct" not in table:
        return None
    names = table["district"].fillna("").astype(str)
    twice = sorted(set(names[names.duplicated()]))
    if twice:
        raise InputDataError(
            f"district {', '.join(twice[:5])} has more than one row: not a table "
            "harbor-planner wrote; run the study again",
            path=path,
        )
    pct = pd.to_numeric(table["coverage_pct"], errors="coerce")
    bad = pct.isna() & table["coverage_pct"].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputDataError(
            f"row {row + 2}, column coverage_pct: {table['coverage_pct'].iloc[row]!r} is not a "
            "number; run the study again",
            path=path,
        )
    if "status" in table:  # a district marked (路网未覆盖, 需求过少...) has no figure to compare
        pct = pct.where(table["status"].fillna("study").astype(str).eq("study"))
    return pd.Series(pct.to_numpy(), index=names.to_numpy(), name="coverage_pct")


def _warn_changed(path: Path, names: Sequence[str]) -> None:
    """Warn of a run's files whose SHA-256 differs from the one its ``run.json`` recorded."""
    from harbor_planner._io import file_sha256

    try:
        manifest = json.loads(read_regular_text(path / "run.json"))
        recorded = {o["path"]: o["sha256"] for o in manifest.get("outputs", [])}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return  # none, or of no use (setting_rows says which): nothing to check against
    changed = [n for n in names if n in recorded and file_sha256(path / n) != recorded[n]]
    if changed:
        log.warning(
            "%s: %s changed since the run wrote it (its SHA-256 differs from run.json's): "
            "its figures may not be that run's",
            path, ", ".join(changed),
        )  # fmt: skip


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def run_labels(
    paths: Sequence[Path], labels: Sequence[str] | None = None, *, usage: bool = False
) -> list[str]:
    """The runs' labels: as given, else the folders' names; one per run, all different.

    Probe 25E: one folder, one label for two runs, ``A,A`` and the same folder twice were
    exit 3 ("bad data"), and ``--labels ""`` silently the folder names: the caller's
    mistakes, before any folder is read.

    Parameters
    ----------
    paths
        The result folders.
    labels
        Their names, if given.
    usage
        Raise a :class:`~harbor_planner.errors.UsageError` (the command line's options,
        exit 2) instead of an :class:`~harbor_planner.errors.InputDataError`.

    Returns
    -------
    list of str

    Raises
    ------
    InputDataError
        Fewer than two folders or one given twice, a label empty, a number of labels other
        than the runs', or labels alike; with ``usage``, a UsageError whose ``option`` is
        ``"runs"`` or ``"labels"``.

    """

    def error(message: str, option: str) -> Exception:
        return UsageError(message, option=option) if usage else InputDataError(message)

    if len(paths) < 2:
        raise error(
            f"compare needs at least two result folders, got {len(paths)}: give the folders "
            "of the runs to compare, the reference first",
            "runs",
        )
    if labels is not None:
        out = [str(x).strip() for x in labels]
        if not all(out):
            raise error(
                "a label is empty: give one name per run, separated by commas, or leave the "
                "labels out (the folders' names)",
                "labels",
            )
        if len(out) != len(paths):
            raise error(
                f"{len(out)} label{'s' if len(out) != 1 else ''} for {len(paths)} runs: give "
                "one label per run",
                "labels",
            )
    else:
        resolved = [p.resolve() for p in paths]
        twice = sorted({str(r) for r in resolved if resolved.count(r) > 1})
        if twice:
            raise error(
                f"the same result folder is given twice: {', '.join(twice)}; give each run once",
                "runs",
            )
        out = [p.resolve().name for p in paths]
        if len(set(out)) < len(out):
            out = [f"{p.resolve().parent.name}/{p.resolve().name}" for p in paths]
    if len(set(out)) < len(out):
        raise error(f"run labels must differ: {', '.join(out)}", "labels")
    return out


def compare_runs(
    runs: Sequence[str | os.PathLike[str]], *, labels: Sequence[str] | None = None
) -> Comparison:
    """Compare the results of several runs.

    Parameters
    ----------
    runs
        Output directories of ``harbor-planner run`` (or ``coverage``), the first being the
        reference for the differences.
    labels
        Names of the runs (default: the directory names).

    Returns
    -------
    Comparison

    Raises
    ------
    InputDataError
        Fewer than two runs, one given twice, labels that are not one per run, all
        different (see :func:`run_labels`), or a directory without ``summary.json``.

    """
    if isinstance(runs, str | os.PathLike):
        raise UsageError(
            f"compare_runs takes several result folders (a list), got one: {str(runs)!r}"
        )
    paths = [Path(r) for r in runs]
    names = run_labels(paths, labels)
    read = [_read_run(p) for p in paths]

    overall = pd.DataFrame.from_dict(_figures([s for s, _ in read]), orient="index", columns=names)
    overall.index.name = "figure"
    _warn_unlike(overall, names)
    units = overall.loc["demand unit"].astype(str) if "demand unit" in overall.index else None
    for name in names[1:]:
        a = pd.to_numeric(overall[names[0]], errors="coerce")
        b = pd.to_numeric(overall[name], errors="coerce")
        delta = (b - a).where(overall[name].map(_is_number).to_numpy(), np.nan).round(3)
        if units is not None and units[name] != units[names[0]] and "demand total" in delta:
            delta["demand total"] = np.nan  # metres minus people is no figure
        overall[f"Δ {name}"] = delta
    manifests, reasons = zip(*(_read_manifest(p) for p in paths), strict=True)
    settings = setting_rows(manifests, names, reasons)
    if settings:
        extra = pd.DataFrame.from_dict(settings, orient="index", columns=names)
        overall = pd.concat([overall, extra.astype(object)])
        overall.index.name = "figure"

    columns: dict[str, pd.Series] = {}
    for name, (_, tables) in zip(names, read, strict=True):
        if "now" in tables:
            columns[name] = tables["now"]
        if "after" in tables:
            columns[f"{name} after"] = tables["after"]
    # every Δ column is there (empty where a run has no table): the header says what the
    # file is, so that a later compare may replace it (_owned)
    if columns:
        districts = pd.concat(columns, axis=1)
        for name in names[1:]:
            both = name in districts and names[0] in districts
            districts[f"Δ {name}"] = (
                (districts[name] - districts[names[0]]).round(3) if both else np.nan
            )
        districts.index.name = "district"
        districts = districts.reset_index()
    else:
        districts = pd.DataFrame({"district": [], **{f"Δ {n}": [] for n in names[1:]}})
    return Comparison(labels=names, overall=overall.reset_index(), districts=districts)


def _value(summary: dict[str, Any], section: str, key: str) -> Any:
    """``summary[section][k1][k2]...`` for ``key = "k1.k2..."`` (``None`` where missing).

    A whole-number part indexes a list (``coverage_by_status.0.stations``).
    """
    value: Any = summary.get(section)
    for part in key.split("."):
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _scopes(summaries: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """One row per status scope (built, with under construction, ...) of any run."""
    found: dict[str, dict[int, Any]] = {}
    for i, summary in enumerate(summaries):
        for scope in _value(summary, "coverage", "coverage_by_status") or []:
            if not isinstance(scope, dict) or scope.get("statuses") == ["existing"]:
                continue  # the built stations' scope is the headline's row
            if scope.get("label_en"):
                label = f"coverage % ({scope['label_en']})"
                found.setdefault(label, {})[i] = scope.get("coverage_pct")
    return {k: [v.get(i) for i in range(len(summaries))] for k, v in found.items()}


def _figures(summaries: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The overall table's rows: label -> one value per run (rows no run has are left out)."""
    rows: dict[str, list[Any]] = {}
    for label, section, key in FIGURES:
        if section == "study_area":
            values = [_study_area_text(s) for s in summaries]
        else:
            values = [_value(s, section, key) for s in summaries]
        if key == "optimality_gap":  # a fraction in summary.json: in percent, as labelled
            values = [_percent(v) for v in values]
        if any(v is not None for v in values):
            rows[label] = values
        if key == "coverage_pct" and section == "coverage":
            rows.update(_scopes(summaries))
    return rows


def _study_area_text(summary: dict[str, Any]) -> str | None:
    """The study area a run's figures are of: its districts, else its file (None: no area)."""
    area = summary.get("study_area") or _value(summary, "coverage", "study_area")
    if not isinstance(area, dict):
        return None
    if area.get("file"):  # two files of one name are told apart by their size (probe 21P)
        km2 = area.get("area_km2")
        size = f" ({float(km2):,.2f} km²)" if isinstance(km2, int | float) else ""
        return Path(str(area["file"])).name + size
    return "、".join(str(d) for d in area.get("districts") or []) or None


#: Rows whose values must agree for the differences to compare like with like (the demand's
#: total tells two demand files of one kind apart: it depends on no station, speed or limit).
_LIKE_ROWS = ("study area", "demand", "demand unit", "demand total")


def _warn_unlike(overall: pd.DataFrame, names: Sequence[str]) -> None:
    """Warn of the rows of :data:`_LIKE_ROWS` in which the runs differ."""
    rows = [
        r for r in _LIKE_ROWS
        if r in overall.index and len({str(overall.at[r, n]) for n in names}) > 1
    ]  # fmt: skip
    if rows:
        log.warning(
            "the runs differ in %s (%s): their differences compare unlike figures",
            ", ".join(rows),
            "; ".join(" / ".join(str(overall.at[r, n]) for n in names) for r in rows),
        )


#: Parameters each run has its own of, which no figure depends on: not told as differences.
_OWN_KEYS = frozenset({"output.dir", "run.work_dir"})
#: Settings that are text for the reader only: no figure depends on them, so they are no row
#: (probe 26R, finding 8: a 600-character description was listed as a difference).
_TEXT_ONLY_KEYS = frozenset({"title", "description"})
#: Widest cell of the terminal's tables (in columns; a CJK character takes two): longer text
#: is cut with "…" there, the files keep it whole (probe 26R: rows of 2,000 characters).
MAX_CELL_WIDTH = 60

#: What a run whose folder has no ``run.json`` shows in the rows of its settings.
UNKNOWN = "unknown (no run.json)"
#: What a run whose ``run.json`` is of no use shows there (the row ``settings`` says why).
UNKNOWN_BAD = "unknown (bad run.json)"
#: Why a run's settings are unknown when its folder has no ``run.json``.
NO_RUN_JSON = "no run.json"
#: JSON's names of the types a ``run.json`` (or its ``parameters``) may hold instead.
_JSON_TYPES = {dict: "table", list: "list", str: "text", bool: "true/false", type(None): "null"}


def _read_manifest(path: Path) -> tuple[dict[str, Any] | None, str]:
    """A run's ``run.json``, or ``None`` and why it is of no use (``""`` when read).

    A damaged or edited file was called "no run.json" (probe 27T): the reason says what is
    wrong with it (missing, not JSON at line N, no parameters, parameters not a table).
    """
    try:
        manifest = json.loads(read_regular_text(path / "run.json"))
    except FileNotFoundError:
        return None, NO_RUN_JSON
    except OSError as exc:
        return None, f"run.json unreadable ({one_line(exc.strerror or exc)})"
    except UnicodeDecodeError as exc:
        return None, f"run.json is not UTF-8 text (byte {exc.start + 1})"
    except json.JSONDecodeError as exc:
        return None, f"run.json is not JSON at line {exc.lineno}, column {exc.colno}"
    except RecursionError:  # lists in lists 100,000 deep
        return None, "run.json is nested too deeply to read"
    if not isinstance(manifest, dict):
        return None, f"run.json holds {_json_type(manifest)}, not the run's settings"
    if "parameters" not in manifest:  # an older folder, or the Python API's write_outputs
        return None, "run.json has no parameters"
    if not isinstance(manifest["parameters"], dict):
        what = _json_type(manifest["parameters"])
        return None, f"run.json's parameters are {what}, not a table"
    return manifest, ""


def _json_type(value: Any) -> str:
    """The kind of a JSON value, as a message names it: ``a list``, ``null``, ``a number``."""
    name = _JSON_TYPES.get(type(value), "number")
    return name if name in ("null", "true/false") else f"a {name}"


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested settings as ``{"network.dem_smoothing_m": 30.0, ...}`` (lists kept whole)."""
    if not isinstance(value, dict):
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _shown(value: Any) -> Any:
    """A setting as a cell: numbers stay numbers, the rest is one line of clean text."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return value
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    return one_line(clean_text(value))


def _version(manifest: dict[str, Any]) -> str:
    """The tool's version and source commit a run was made with."""
    text = str(manifest.get("harbor_planner") or "unknown version")
    source = manifest.get("source")
    if isinstance(source, dict) and source.get("commit"):
        text += f" ({str(source['commit'])[:10]}{', modified' if source.get('modified') else ''})"
    return one_line(clean_text(text))


def _inputs(manifest: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Role (``network``, ``stations``, ...) → (file name, SHA-256) of a run's inputs."""
    out: dict[str, tuple[str, str]] = {}
    for item in manifest.get("inputs") or []:
        if isinstance(item, dict) and item.get("role") and item.get("sha256"):
            out[str(item["role"])] = (Path(str(item.get("path", ""))).name, str(item["sha256"]))
    return out


def setting_rows(
    manifests: Sequence[dict[str, Any] | None],
    names: Sequence[str],
    reasons: Sequence[str] | None = None,
) -> dict[str, list[Any]]:
    """The rows telling how the runs' ``run.json`` differ (none when they agree).

    ``harbor-planner version`` (with its commit), then ``setting <key>`` for each parameter
    whose value differs (flattened keys: ``network.dem_smoothing_m``; not ``title`` and
    ``description``, on which no figure depends), then
    ``<role> file (SHA-256)`` for each input file whose content differs (its name and the first
    12 hex digits of its SHA-256, ``none`` for a run without that input). A run without
    ``run.json`` shows :data:`UNKNOWN` in each row (:data:`UNKNOWN_BAD` when the file is
    there but of no use), and a row ``settings`` says which runs these are and why
    (``unknown (<reason>)``, ``reasons`` of :func:`_read_manifest`: ``run.json is not JSON
    at line 1, column 2``...), each with a warning of its own: the others are still compared
    among themselves. Every difference is also logged as a warning.

    Parameters
    ----------
    manifests
        Each run's ``run.json`` (``None``: none, or of no use).
    names
        The runs' labels.
    reasons
        Why each ``None`` is so (default: no ``run.json``).

    Returns
    -------
    dict
        Row label -> one cell per run.

    """
    known = [m for m in manifests if m is not None]
    why = [w or NO_RUN_JSON for w in reasons] if reasons else [NO_RUN_JSON] * len(manifests)

    def row(values: list[Any], cells: Sequence[str] | None = None) -> list[Any]:
        it = iter(values)
        cells = cells or [UNKNOWN if w == NO_RUN_JSON else UNKNOWN_BAD for w in why]
        return [c if m is None else next(it) for m, c in zip(manifests, cells, strict=True)]

    rows: dict[str, list[Any]] = {}
    if len(known) < len(manifests):
        rows["settings"] = row(["run.json"] * len(known), [f"unknown ({w})" for w in why])
    for name, manifest, reason in zip(names, manifests, why, strict=True):
        if manifest is None:
            missing = reason == NO_RUN_JSON
            log.warning(
                "%s: %s: what %s differ in besides the figures is unknown%s",
                name,
                "no run.json with the run's settings (an older folder or a copy)"
                if missing
                else reason,
                "the runs" if not known else "it and the others",
                "" if missing else "; mend its run.json, or run the study again",
            )
    versions = [_version(m) for m in known]
    if len(set(versions)) > 1:
        rows["harbor-planner version"] = row(versions)
    flat = [_flat(m["parameters"]) for m in known]
    keys = dict.fromkeys(k for f in flat for k in f if k not in _OWN_KEYS | _TEXT_ONLY_KEYS)
    missing = object()
    for key in keys:
        values = [f.get(key, missing) for f in flat]
        if any(v != values[0] for v in values):  # ``missing`` equals only itself
            shown = ["not recorded" if v is missing else _shown(v) for v in values]
            rows[f"setting {one_line(clean_text(key))}"] = row(shown)
    files = [_inputs(m) for m in known]
    for role in dict.fromkeys(r for f in files for r in f):
        hashes = {f[role][1] if role in f else None for f in files}
        if len(hashes) > 1:
            shown = [f"{f[role][0]} {f[role][1][:12]}" if role in f else "none" for f in files]
            rows[f"{one_line(clean_text(role))} file (SHA-256)"] = row(shown)
    told = [r for r in rows if r != "settings"]
    if told:
        log.warning(
            "the runs differ in %s (from their run.json): see those rows of the comparison",
            ", ".join(r.replace(" (SHA-256)", "") for r in told),
        )
    return rows


def format_comparison(comparison: Comparison, *, max_districts: int = 40) -> str:
    """The comparison as plain-text tables (for the terminal)."""

    def show(v: Any) -> str:
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return ""
        if isinstance(v, float):
            return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) < 1e6 else f"{v:,.0f}"
        return str(v)

    def table(frame: pd.DataFrame) -> list[str]:
        cells = [list(map(str, frame.columns))] + [
            [_cut(show(v)) for v in row] for row in frame.itertuples(index=False)
        ]
        widths = [max(_width(r[i]) for r in cells) for i in range(len(cells[0]))]
        lines = []
        for n, row in enumerate(cells):
            parts = [
                c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(parts).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return lines

    out = table(comparison.overall)
    if len(comparison.districts):
        d = comparison.districts
        out += ["", "coverage % by district"]
        out += table(d.head(max_districts))
        if len(d) > max_districts:
            out.append(f"... {len(d) - max_districts} more districts in the written table")
    return "\n".join(out)


def _percent(fraction: Any) -> Any:
    """A fraction as a percentage rounded to 4 decimals (``None`` and text unchanged)."""
    if isinstance(fraction, int | float) and not isinstance(fraction, bool):
        return round(100.0 * float(fraction), 4)
    return fraction


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, width: int = MAX_CELL_WIDTH) -> str:
    """``text`` cut to ``width`` terminal columns, ending in "…" when cut."""
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += _width(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def districts_path(path: Path) -> Path:
    """The districts' table beside a ``.csv`` comparison (its suffix as given: ``.CSV`` too)."""
    return path.with_name(f"{path.stem}_districts{path.suffix}")


def write_comparison(comparison: Comparison, path: str | os.PathLike[str]) -> list[Path]:
    """Write the comparison: ``.xlsx`` (sheets overall, districts) or ``.csv``.

    A ``.csv`` path receives the overall table; the districts go beside it as
    ``<stem>_districts.csv``. CSV is UTF-8 with a byte-order mark (Excel shows Chinese).
    Text cells never read as formulas (run labels and district names are user text); files
    are written atomically and the same comparison gives the same bytes.

    Returns
    -------
    list of pathlib.Path
        The files written.

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from harbor_planner.outputs.cells import write_frames_xlsx

        sheets = {"overall": comparison.overall, "districts": comparison.districts}
        return [write_frames_xlsx(path, sheets)]
    if suffix == ".csv":
        side = districts_path(path)
        with atomic_paths(path, side) as tmps:  # both tables or neither
            csv_safe(comparison.overall).to_csv(tmps[0], index=False, encoding="utf-8-sig")
            csv_safe(comparison.districts).to_csv(tmps[1], index=False, encoding="utf-8-sig")
        return [path, side]
    raise InputDataError(f"{path}: expected a .xlsx or .csv file name")

"""The files and the printed lines of a study: result folder, map, headlines.

The output modules (outputs, maps) are imported here, inside the functions.
"""

from __future__ import annotations

import logging
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner import settings
from harbor_planner._io import atomic_path, input_file
from harbor_planner._stable import without_timings
from harbor_planner._text import counted, csv_safe, pct1, published_pcts
from harbor_planner.errors import InputDataError

if TYPE_CHECKING:
    from harbor_planner.pipeline.study import Study
    from harbor_planner.scenario import Scenario

log = logging.getLogger(__name__)

__all__ = [
    "EXIT_CANDIDATES_FILE",
    "coverage_headline",
    "exit_candidates_headline",
    "gap_text",
    "plan_headline",
    "read_sites",
    "result_files",
    "split_timings",
    "study_context",
    "study_inputs",
    "write_json",
    "write_map",
    "write_results",
]

#: The table of stations that could close (``coverage.exit_candidates_pct``).
EXIT_CANDIDATES_FILE = "exit_candidates.csv"

#: Keys of ``summary.json`` figures that are timings: they go to ``run.json`` instead, so
#: that the same inputs give the same ``summary.json``.


def result_files(scenario: Scenario) -> list[str]:
    """The names of the files :func:`write_results` will write for ``scenario``.

    Checked before any work, so that a user's file of the same name in the output folder is
    refused before the study runs.

    Parameters
    ----------
    scenario
        Its ``output.formats``, ``[optimize]`` and ``coverage.exit_candidates_pct``.

    Returns
    -------
    list of str

    """
    formats = set(scenario.output.formats)
    names = []
    if "tables" in formats:
        names += ["by_district.csv", "stations.csv", "gaps.gpkg", "covered.gpkg"]
        if scenario.optimizes:
            names += ["selected_sites.csv", "selected_sites.gpkg", "coverage_curve.csv",
                      "by_district_after.csv"]  # fmt: skip
    for fmt, name in (("report", "report.html"), ("xlsx", "report.xlsx"),
                      ("gpkg", "layers.gpkg"), ("map", "map.html")):  # fmt: skip
        if fmt in formats:
            names.append(name)
    if scenario.coverage.exit_candidates_pct is not None:
        names.append(EXIT_CANDIDATES_FILE)
    return [*names, "summary.json"]


def study_inputs(scenario: Scenario) -> dict[str, Path]:
    """Every local input file of ``scenario`` by role: no output may be one of them.

    Parameters
    ----------
    scenario
        The study's settings.

    Returns
    -------
    dict
        :meth:`Scenario.input_files` and the exit candidates' site file.

    """
    files = dict(scenario.input_files())
    sites = scenario.coverage.exit_candidates_sites
    if sites is not None and sites != "auto":
        files["exit_sites"] = Path(sites)
    return files


def split_timings(summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
    """``summary`` without its timings, and the timings by their dotted key.

    Parameters
    ----------
    summary
        The content of ``summary.json`` as the steps give it.

    Returns
    -------
    tuple
        The summary without any ``runtime_s``/``build_s`` (at any depth) and
        ``{"optimize.runtime_s": ..., "optimize.matrix.build_s": ...}``.

    """
    timings: dict[str, float] = {}

    def strip(value: Any, prefix: str) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for k, v in value.items():
            if k in settings.TIMING_KEYS and isinstance(v, int | float):
                timings[prefix + k] = v
            else:
                out[k] = strip(v, f"{prefix}{k}.")
        return out

    return strip(summary, ""), timings


def write_results(
    scenario: Scenario, out_dir: str | os.PathLike[str], study: Study, summary: dict[str, Any]
) -> list[Path]:
    """Every file of the result folder: tables, map, reports, layers and ``summary.json``.

    Parameters
    ----------
    scenario
        Settings (shown in the reports) and ``[output]`` (formats, basemap, language).
    out_dir
        The folder (created if missing).
    study
        The results.
    summary
        The content of ``summary.json``.

    Returns
    -------
    list of pathlib.Path
        The files written, each atomically.

    """
    from harbor_planner.outputs import write_outputs

    out = Path(out_dir)
    cfg = scenario.output
    site_plan = study.plan
    files = write_outputs(
        out,
        staged=False,  # the runner stages the whole folder (with its own run.json)
        coverage=study.coverage,
        coverage_after=study.coverage_after,
        selection=None if site_plan is None else site_plan.selection,
        sites=None if site_plan is None else site_plan.sites,
        candidates=None if site_plan is None else site_plan.candidates,
        stations=study.stations,
        isochrones=study.isochrones,
        service_area=study.service_area,
        districts=study.districts,
        district_column=scenario.coverage.district_column,
        parameters=scenario.to_dict(),
        sources=list(scenario.input_files().values()),
        formats=cfg.formats,
        basemap=cfg.basemap,
        lang=cfg.lang,
        title=scenario.title or None,
        tianditu_key=cfg.tianditu_key,
        **study_context(study, cfg.lang),
    )
    if study.exits is not None:
        path = out / EXIT_CANDIDATES_FILE
        with atomic_path(path) as tmp:
            csv_safe(published_pcts(study.exits)).to_csv(tmp, index=False, encoding="utf-8-sig")
        files.append(path)
    files.append(write_json(out / "summary.json", without_timings(summary)))
    return files


def study_context(study: Study, lang: str) -> dict[str, Any]:
    """The city centres and the study area of ``study`` for :func:`write_outputs`.

    Parameters
    ----------
    study
        The results.
    lang
        ``"zh"`` or ``"en"`` (the study area's names).

    Returns
    -------
    dict
        ``centres`` and ``study_area`` (polygons; ``None`` when absent).

    """
    area = None if study.study_area is None else study.study_area.frame(lang)
    return {"centres": study.centres, "study_area": area}


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as UTF-8 JSON (Chinese kept readable), atomically.

    Parameters
    ----------
    path
        The file.
    data
        JSON types, numpy scalars and arrays, paths.

    Returns
    -------
    pathlib.Path

    """
    import json

    from harbor_planner._text import strip_control_deep

    path = Path(path)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    if _UNENCODABLE.search(text):  # a path whose bytes were not UTF-8 (a GBK file name)
        text = json.dumps(strip_control_deep(json.loads(text)), ensure_ascii=False, indent=2)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", "utf-8")
    return path


_UNENCODABLE = re.compile(r"[\ud800-\udfff]")


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_sites(path: Path) -> Any:
    """New sites to draw: ``selected_sites.csv`` (``lon``/``lat``) or any GIS layer.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    geopandas.GeoDataFrame

    """
    import geopandas as gpd

    from harbor_planner.readers import read_vector

    input_file(path, "sites")
    if path.suffix.lower() != ".csv":
        return _point_sites(read_vector(path, None), path)
    import numpy as np
    import pandas as pd

    from harbor_planner.readers.tables import detect_encoding

    # UTF-8 or GBK, as every other table is read (probe 25E: an Excel-saved copy refused)
    encoding = detect_encoding(path.read_bytes(), path)
    try:
        table = pd.read_csv(path, encoding=encoding)
    except (UnicodeDecodeError, ValueError) as exc:  # pandas' parser and empty-data errors
        raise InputDataError(f"cannot read as a CSV table ({exc})", path=path) from None
    missing = [c for c in ("lon", "lat") if c not in table.columns]
    if missing:
        raise InputDataError(
            f"no {' or '.join(missing)} column: a sites table needs lon and lat in WGS-84 "
            "degrees, as selected_sites.csv has",
            path=path,
        )
    lon, lat = (pd.to_numeric(table[c], errors="coerce").to_numpy(float) for c in ("lon", "lat"))
    bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))  # NaN (text, empty) fails too
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        more = f" (and {counted(int(bad.sum()) - 1, 'other row')})" if bad.sum() > 1 else ""
        raise InputDataError(
            f"row {i + 2}: lon {table['lon'].iloc[i]}, lat {table['lat'].iloc[i]} are not "
            f"WGS-84 degrees{more}; fix or remove them",
            path=path,
        )
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def write_map(scenario: Scenario, path: Path, **layers: Any) -> Path:
    """A self-contained ``map.html`` of ``layers`` drawn as ``[output]`` says.

    Parameters
    ----------
    scenario
        Its ``[output]`` (basemap, language, Tianditu key) is used.
    path
        The HTML file.
    **layers
        Layers of :func:`harbor_planner.outputs.make_map` (``stations``, ``sites``...).

    Returns
    -------
    pathlib.Path

    """
    from harbor_planner.outputs import make_map, save_map

    cfg = scenario.output
    m = make_map(basemap=cfg.basemap, lang=cfg.lang, tianditu_key=cfg.tianditu_key, **layers)
    save_map(m, path)
    return path


def coverage_headline(s: dict[str, Any]) -> str:
    """The headline of a coverage summary: built stations first, circles' claim beside.

    With stations under construction or proposed among those used, the coverage by the
    built ones leads and the figure with the others stands beside it.

    Parameters
    ----------
    s
        ``CoverageResult.summary``.

    Returns
    -------
    str

    """
    from harbor_planner.outputs.values import num_text

    statuses = s.get("stations_by_status") or {}
    which = ", ".join(
        f"{k} {n:,}" if k != "unknown" else f"{n:,} without a status, counted as built"
        for k, n in statuses.items()
    )
    off = (s.get("stations") or 0) - (s.get("stations_on_network") or 0)
    if off > 0:  # counted by status above, left out of every figure (probe 18P)
        # the statuses count every station given, not the ones the figure is of (23E)
        given = f"{s.get('stations') or 0:,} given" + (f": {which}" if which else "")
        which = (
            f"{given}; {counted(off, 'station')} farther than the snapping distance from "
            "every street, left out"
        )
    rejected = s.get("stations_rejected") or 0
    if rejected:
        which += f"{'; ' if which else ''}{counted(rejected, 'row')} of the station file rejected"
    which = f" ({which})" if which else ""
    # with several statuses the circles are drawn around every station used, not the built
    around = " around all of them" if len(s.get("coverage_by_status") or []) > 1 else ""
    return (
        f"{_status_figures(s)} of {s['demand_kind']} demand ({num_text(s['demand_total'], 0)} "
        f"{s['demand_unit']}) is within {s['minutes']:g} min of walking "
        f"({s['walk_model']} model, {s['walk_speed_kmh']:g} km/h{_toward(s)}) of "
        f"{counted(s['stations_on_network'], 'station')}{which}; straight-line circles of "
        f"{s['euclidean_radius_m']:,.0f} m{around} would claim "
        f"{pct1(s['euclidean_coverage_pct'])} %.{_beyond(s)}"
    )


def _beyond(s: dict[str, Any]) -> str:
    """The share of the demand beyond the walk network, when a published one (probe 20B)."""
    pct = s.get("beyond_network_pct") or 0.0
    if pct < 0.05:  # "0.0 %" says nothing
        return ""
    return (
        f" {pct1(pct)} % of the demand lies beyond the walk network (farther than the snapping "
        "distance from every street) and counts as not covered."
    )


def _toward(s: dict[str, Any]) -> str:
    """``", to the stations"`` when the walks were timed towards them (not the default)."""
    return ", to the stations" if s.get("walk_direction") == "to-station" else ""


def _status_figures(s: dict[str, Any]) -> str:
    """The coverage figure: built stations first, the figure with the others beside it.

    The figure of all the selected stations carries its sensitivity range when measured.
    """
    from harbor_planner.outputs.ranges import pct_with_range

    scopes = s.get("coverage_by_status") or []
    if len(scopes) <= 1:
        return pct_with_range(s)
    built, last = scopes[0], scopes[-1]
    return (
        f"{pct1(built['coverage_pct'])} % (built stations; {pct_with_range(s)} "
        f"{last.get('label_en', last['label'])})"
    )


def plan_headline(
    opt: dict[str, Any],
    after: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
) -> str:
    """The headline of the new sites (a scenario run's ``summary["optimize"]``).

    Parameters
    ----------
    opt
        The figures of :func:`plan_figures`.
    after
        The coverage summary with the new sites (``summary["coverage_after"]``): the figure
        after carries its range.
    before
        The coverage summary before them (``summary["coverage"]``): when given, the line
        names the figure before with its range, the demand, the limit and any rejected rows
        of the station file (``optimize`` prints no coverage headline before it).

    Returns
    -------
    str

    """
    from harbor_planner.outputs.ranges import range_text

    n = opt["sites_added"]
    scope = (opt.get("solver_info") or {}).get("bound_scope")
    to = f"{pct1(opt['coverage_pct_after'])} %{range_text(after or {})}"
    if before is None:  # "it": the coverage figure of every station used, said at once
        change = f"coverage from {pct1(opt['coverage_pct_before'])} % to {to}"
    else:
        change = (
            f"coverage of {opt['demand_kind']} demand from {pct1(opt['coverage_pct_before'])} "
            f"%{range_text(before)} to {to} within {opt['minutes']:g} min"
        )
    rejected = (before or {}).get("stations_rejected") or 0
    target = opt.get("target_pct")
    goal = "" if target is None else f" (the fewest to reach the {target:g} % target)"
    if target is not None and opt.get("status") != "optimal":  # probe 24O: greedy's 14, not 13
        low = opt.get("lower_bound")
        at_least = f" (at least {low:g})" if low is not None and math.isfinite(low) else ""
        fix = (  # probe 27R2: exact stopped by its time limit was told to use exact
            "a longer time_limit_s (--time-limit) may prove the fewest"
            if opt.get("solver") == "exact"
            else "solver = exact finds the fewest"
        )
        goal = f" (reaching the {target:g} % target; not proven the fewest{at_least}: {fix})"
    idle = (opt.get("solver_info") or {}).get("sites_without_gain") or 0
    return (
        f"{n} new site{'s' if n != 1 else ''}{goal} ({opt['solver']}) "
        f"take{'s' if n == 1 else ''} {change}; optimality gap "
        + gap_text(opt["optimality_gap"], scope)
        + (f"; {idle} of them cover no more demand" if idle else "")
        + (f"; {counted(rejected, 'row')} of the station file rejected" if rejected else "")
    )


def gap_text(gap: float | None, scope: str | None = None) -> str:
    """The optimality gap as the CLI prints it: ``0.08 %``, or ``unknown`` without a bound.

    Parameters
    ----------
    gap
        The relative gap (``None`` or infinite: no proven bound).
    scope
        What the bound is on, when it is not the plan's own problem (a staged plan's:
        ``the best plan of all 12 sites at once``).

    Returns
    -------
    str

    """
    if gap is None or not math.isfinite(gap):
        return "unknown"
    return f"{100 * gap:.2f} %" + (f" (against {scope})" if scope else "")


def exit_candidates_headline(exits: Any, n_stations: int, pct: float) -> str:
    """How many stations could close (the line printed with ``exit_candidates.csv``).

    Parameters
    ----------
    exits
        The table of :func:`exit_candidates`.
    n_stations
        The stations that could be exits: built and on the network
        (:func:`~harbor_planner.pipeline.analysis.built_on_network`; those under construction,
        proposed or off the network never are).
    pct
        ``coverage.exit_candidates_pct``.

    Returns
    -------
    str

    """
    if "exit_loss_built_pct" in getattr(exits, "columns", ()):  # others not built yet
        return (
            f"{len(exits)} of {counted(n_stations, 'built station')} on the network could close "
            f"now losing less than {pct:g} % each of what the built stations cover (those "
            f"under construction or proposed not counted: their backup is not there yet; "
            f"exit_loss_pct beside it counts them) ({EXIT_CANDIDATES_FILE})"
        )
    return (
        f"{len(exits)} of {counted(n_stations, 'built station')} on the network could close "
        f"losing less than {pct:g} % of the covered demand each ({EXIT_CANDIDATES_FILE})"
    )


def _point_sites(layer: Any, path: Path) -> Any:
    """``layer`` when every feature is a point (a line's first vertex is no site)."""
    kinds = layer.geometry.geom_type
    bad = ~kinds.isin(["Point"]) & layer.geometry.notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputDataError(
            f"feature {i + 1}: the geometry is a {kinds.iloc[i]}, not a point; new sites are "
            "points (selected_sites.gpkg or .csv)",
            path=path,
        )
    return layer

"""The files and the printed lines of a study: result folder, map, headlines.

The output modules (outputs, maps) are imported here, inside the functions.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner._io import atomic_path
from harbor_planner._safe_text import csv_safe
from harbor_planner._stable import without_timings
from harbor_planner.errors import InputDataError

if TYPE_CHECKING:
    from harbor_planner.pipeline.study import Study
    from harbor_planner.scenario import Scenario

log = logging.getLogger(__name__)

__all__ = [
    "EXIT_CANDIDATES_FILE",
    "coverage_headline",
    "exit_candidates_headline",
    "plan_headline",
    "read_sites",
    "write_json",
    "write_map",
    "write_results",
]

#: The table of stations that could close (``coverage.exit_candidates_pct``).
EXIT_CANDIDATES_FILE = "exit_candidates.csv"


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
    )
    if study.exits is not None:
        path = out / EXIT_CANDIDATES_FILE
        with atomic_path(path) as tmp:
            csv_safe(study.exits).to_csv(tmp, index=False, encoding="utf-8-sig")
        files.append(path)
    files.append(write_json(out / "summary.json", without_timings(summary)))
    return files


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

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n", "utf-8"
        )
    return path


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

    if not path.is_file():
        raise InputDataError("file not found", path=path)
    if path.suffix.lower() != ".csv":
        return gpd.read_file(path)
    import pandas as pd

    table = pd.read_csv(path, encoding="utf-8-sig")
    return gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326"
    )


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
    size = save_map(m, path)
    log.info("wrote %s (%.1f MB, self-contained)", path, size / 1e6)
    return path


def coverage_headline(s: dict[str, Any]) -> str:
    """The headline of a coverage summary: walking coverage beside the circles' claim.

    Parameters
    ----------
    s
        ``CoverageResult.summary``.

    Returns
    -------
    str

    """
    return (
        f"{s['coverage_pct']:.1f} % of {s['demand_kind']} demand ({s['demand_total']:,.0f} "
        f"{s['demand_unit']}) is within {s['minutes']:g} min of walking of "
        f"{s['stations_on_network']} stations; straight-line circles of "
        f"{s['euclidean_radius_m']:,.0f} m would claim {s['euclidean_coverage_pct']:.1f} %."
    )


def plan_headline(opt: dict[str, Any]) -> str:
    """The headline of the new sites (a scenario run's ``summary["optimize"]``).

    Parameters
    ----------
    opt
        The figures of :func:`plan_figures`.

    Returns
    -------
    str

    """
    gap = opt["optimality_gap"]
    n = opt["sites_added"]
    return (
        f"{n} new site{'s' if n != 1 else ''} ({opt['solver']}) take{'s' if n == 1 else ''} "
        f"it to {opt['coverage_pct_after']:.1f} %; optimality gap "
        + ("unknown" if gap is None else f"{100 * gap:.2f} %")
    )


def exit_candidates_headline(exits: Any, n_stations: int, pct: float) -> str:
    """How many stations could close (the line printed with ``exit_candidates.csv``).

    Parameters
    ----------
    exits
        The table of :func:`exit_candidates`.
    n_stations
        Stations measured.
    pct
        ``coverage.exit_candidates_pct``.

    Returns
    -------
    str

    """
    return (
        f"{len(exits)} of {n_stations} stations could close losing less than {pct:g} % of the "
        f"covered demand each ({EXIT_CANDIDATES_FILE})"
    )

"""All the files of a result folder in one call: tables, map, reports, layers.

Used by ``harbor-planner coverage``/``optimize`` and by scenario runs, so that the same result
gives the same files whichever way it was asked for.

====================  =========================================================================
format                files
====================  =========================================================================
``tables``            ``by_district.csv``, ``stations.csv``, ``gaps.gpkg``, ``covered.gpkg``
                      (coverage); ``selected_sites.csv``/``.gpkg``, ``coverage_curve.csv``
                      (selection); ``by_district_after.csv`` (coverage with the new sites)
``report``            ``report.html``
``xlsx``              ``report.xlsx``
``gpkg``              ``layers.gpkg`` (every map layer, for QGIS/ArcGIS)
``map``               ``map.html``
====================  =========================================================================
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harbor_planner._io import atomic_path
from harbor_planner._text import csv_safe
from harbor_planner.errors import InputDataError
from harbor_planner.outputs.layers import report_layers, write_layers_gpkg
from harbor_planner.outputs.map import make_map, save_map
from harbor_planner.outputs.report_html import write_report_html
from harbor_planner.outputs.report_xlsx import write_report_xlsx
from harbor_planner.settings import OUTPUT_FORMATS

__all__ = ["FILES", "write_outputs"]

log = logging.getLogger(__name__)

#: Every file a result folder can hold (with the ``summary.json`` and ``run.json`` of a run):
#: a new scenario run removes those of an earlier run that it does not write again.
FILES: tuple[str, ...] = (
    "summary.json", "run.json", "by_district.csv", "stations.csv", "gaps.gpkg", "covered.gpkg",
    "selected_sites.csv", "selected_sites.gpkg", "coverage_curve.csv", "by_district_after.csv",
    "report.html", "report.xlsx", "layers.gpkg", "map.html", "exit_candidates.csv",
)  # fmt: skip


def write_outputs(
    out_dir: str | os.PathLike[str],
    *,
    coverage: Any | None = None,
    coverage_after: Any | None = None,
    selection: Any | None = None,
    sites: Any | None = None,
    candidates: Any | None = None,
    stations: Any | None = None,
    isochrones: Any | None = None,
    service_area: Any | None = None,
    districts: Any | None = None,
    district_column: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    sources: Iterable[str | os.PathLike[str]] = (),
    formats: Iterable[str] = OUTPUT_FORMATS,
    summary: bool = False,
    selection_extra: Mapping[str, Any] | None = None,
    basemap: str = "osm",
    lang: str = "zh",
    title: str | None = None,
    tianditu_key: str | None = None,
    study_area: Any | None = None,
) -> list[Path]:
    """Write the files of a result folder (see the module table).

    Parameters
    ----------
    out_dir
        The folder (created if missing).
    coverage, coverage_after
        :class:`~harbor_planner.analysis.coverage.CoverageResult` by the stations, and by
        the stations with the new sites.
    selection, sites, candidates
        A :class:`~harbor_planner.optimize.SiteSelection`, the chosen sites and the candidates
        it was chosen from (needed for the selection tables).
    stations
        Stations to draw when there is no ``coverage`` (which holds its own).
    isochrones, service_area
        Polygons for the map and the GeoPackage.
    districts, district_column
        District polygons and their name column (default Chongqing's 区县).
    parameters, sources
        Settings and input files, shown in the reports.
    formats
        Which of :data:`harbor_planner.settings.OUTPUT_FORMATS` to write.
    summary, selection_extra
        Also write the coverage's and/or the selection's own ``summary.json`` (the commands
        ``coverage`` and ``optimize`` do; a scenario run writes one summary of its own), the
        selection's with these extra figures.
    basemap, lang, title, tianditu_key
        As for :func:`harbor_planner.outputs.make_map` (``lang`` also for the reports).
    study_area
        The study area's polygon (drawn on the map).

    Returns
    -------
    list of pathlib.Path
        The files written, each atomically.

    """
    out = Path(out_dir)
    wanted = set(formats)
    unknown = wanted - set(OUTPUT_FORMATS)
    if unknown:
        raise InputDataError(
            f"unknown output format(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(OUTPUT_FORMATS)}"
        )
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if "tables" in wanted:
        files += _tables(out, coverage, coverage_after, selection, candidates, summary,
                         selection_extra)  # fmt: skip
    content = {
        "coverage": coverage,
        "coverage_after": coverage_after,
        "selection": selection,
        "sites": sites,
    }
    params = dict(parameters or {})
    if "report" in wanted:
        path = out / "report.html"
        report = {"parameters": params, "sources": list(sources), "lang": lang, "title": title}
        files.append(write_report_html(path, **report, **content))
    if "xlsx" in wanted:
        files.append(
            write_report_xlsx(
                out / "report.xlsx", parameters=params, chinese_headers=lang == "zh", **content
            )
        )
    shown = {
        "coverage": coverage,
        "stations": stations,
        "sites": sites,
        "isochrones": isochrones,
        "service_area": service_area,
        "districts": districts,
    }
    if "gpkg" in wanted:
        files.append(_layers_file(out / "layers.gpkg", district_column=district_column, **shown))
    if "map" in wanted:
        options = {"basemap": basemap, "lang": lang, "title": title, "tianditu_key": tianditu_key}
        options["study_area"] = study_area
        files.append(_map_file(out / "map.html", **shown, **options))
    return files


def _tables(
    out: Path,
    coverage: Any,
    coverage_after: Any,
    selection: Any,
    candidates: Any,
    summary: bool,
    selection_extra: Mapping[str, Any] | None,
) -> list[Path]:
    files: list[Path] = []
    if coverage is not None:
        from harbor_planner.analysis.coverage import write_coverage

        files += write_coverage(coverage, out, summary=summary)
    if selection is not None:
        from harbor_planner.optimize.output import write_selection

        if candidates is None:
            raise TypeError("write_outputs: the selection tables need the candidates")
        files += write_selection(
            selection, candidates, out, extra=dict(selection_extra or {}), summary=summary
        )
    if coverage_after is not None:
        path = out / "by_district_after.csv"
        with atomic_path(path) as tmp:
            csv_safe(coverage_after.by_district).to_csv(tmp, index=False, encoding="utf-8-sig")
        files.append(path)
    return files


def _layers_file(
    path: Path,
    *,
    coverage: Any,
    stations: Any,
    sites: Any,
    isochrones: Any,
    service_area: Any,
    districts: Any,
    district_column: str | None,
) -> Path:
    """``layers.gpkg``: every map layer (the stations as given when there is no coverage)."""
    layers = report_layers(
        coverage=coverage,
        sites=sites,
        isochrones=isochrones,
        service_area=service_area,
        districts=districts,
        district_column=district_column,
    )
    if coverage is None and stations is not None:
        layers["stations"] = stations
    write_layers_gpkg(path, layers)
    return path


def _map_file(
    path: Path,
    *,
    coverage: Any,
    stations: Any,
    sites: Any,
    isochrones: Any,
    service_area: Any,
    districts: Any,
    **options: Any,
) -> Path:
    """``map.html``: the coverage's stations, gaps and districts, or the stations as given."""
    m = make_map(
        stations=coverage.stations if coverage is not None else stations,
        sites=sites,
        isochrones=isochrones,
        service_area=service_area,
        gaps=None if coverage is None else coverage.demand,
        double_covered=None if coverage is None else coverage.demand,
        districts=districts,
        district_stats=None if coverage is None else coverage.by_district,
        **options,
    )
    save_map(m, path)
    return path

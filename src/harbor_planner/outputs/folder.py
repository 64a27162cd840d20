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
from harbor_planner.outputs.ranges import map_title
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
    staged: bool = True,
    centres: Any | None = None,
    study_area: Any | None = None,
) -> list[Path]:
    """Write the files of a result folder (see the module table).

    By default the folder is written as a whole, as ``harbor-planner run`` writes it
    (:class:`~harbor_planner.outputs.staging.ResultFolder`): nothing replaces a file of the
    user's (one that the folder's ``run.json`` does not list with its current SHA-256) or an
    input, the files appear together with a ``run.json`` listing them, and an error leaves the
    folder as it was. Files of an earlier call that this one does not write again are
    removed, as an earlier run's are.

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
    staged
        False to write straight into ``out_dir``, each file atomically but with no check and
        no ``run.json`` (for a caller that stages the folder itself, as the scenario runner).
    centres
        Coverage around the city centres (:func:`harbor_planner.analysis.centres.
        centre_coverage`): a table in the reports, a layer on the map.
    study_area
        Study-area polygons, outlined on the map and a layer of ``layers.gpkg``.

    Returns
    -------
    list of pathlib.Path
        The files written (with ``run.json`` last when staged).

    Raises
    ------
    OutputError
        A file of the user's or an input where an output would go; a folder that cannot be
        written.

    """
    if staged:
        args = {k: v for k, v in locals().items() if k not in ("out_dir", "staged")}
        return _write_staged(Path(out_dir), args)
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
    sites = _sites_in(sites, lang)
    if "tables" in wanted:
        files += _tables(out, coverage, coverage_after, selection, candidates, summary,
                         selection_extra, sites)  # fmt: skip
    content = {
        "coverage": coverage,
        "coverage_after": coverage_after,
        "selection": selection,
        "sites": sites,
        **_centre_content(centres),
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
        described = map_title(title, coverage, coverage_after, lang)
        files.append(_layers_file(out / "layers.gpkg", district_column=district_column,
                                  study_area=study_area, coverage_after=coverage_after,
                                  centres=centres, description=described, **shown))  # fmt: skip
    if "map" in wanted:
        options = {
            "basemap": basemap,
            "lang": lang,
            "title": map_title(title, coverage, coverage_after, lang),
            "tianditu_key": tianditu_key,
        }
        context = _map_context(coverage_after, selection, centres, study_area)
        files.append(_map_file(out / "map.html", **shown, **context, **options))
    return files


def _write_staged(out: Path, args: dict[str, Any]) -> list[Path]:
    """:func:`write_outputs` into a :class:`ResultFolder`, with a ``run.json`` of its own."""
    from harbor_planner import __version__
    from harbor_planner._io import file_sha256
    from harbor_planner.outputs.staging import ResultFolder

    sources = list(args["sources"] or ())
    args["sources"] = sources
    with ResultFolder(out, names=(), inputs=sources, option="out_dir") as folder:
        with folder.writing() as staging:
            files = write_outputs(staging, staged=False, **args)
        manifest = {
            "harbor_planner": __version__,
            "command": "harbor_planner.outputs.write_outputs (Python API)",
            "inputs": [str(p) for p in sources],
            "outputs": [
                {"path": f.name, "bytes": f.stat().st_size, "sha256": file_sha256(f)} for f in files
            ],
        }
        return folder.commit(files, manifest)


def _centre_content(centres: Any) -> dict[str, Any]:
    """The reports' ``centres`` argument, only when there are centres (others take none)."""
    return {} if centres is None else {"centres": centres}


def _map_context(
    coverage_after: Any, selection: Any, centres: Any, study_area: Any
) -> dict[str, Any]:
    """The optimise map's context: coverage after the new sites, their gains, centres, area."""
    return {
        "coverage_after": coverage_after,
        "selection": selection,
        "centres": centres,
        "study_area": study_area,
    }


def _sites_in(sites: Any | None, lang: str) -> Any | None:
    """The sites with their kind in words in ``lang`` (issue 16: one vocabulary)."""
    if sites is None or "kind" not in sites:
        return sites
    from harbor_planner.settings import site_kind_label

    return sites.assign(kind_text=[site_kind_label(k, lang) for k in sites["kind"]])


def _tables(
    out: Path,
    coverage: Any,
    coverage_after: Any,
    selection: Any,
    candidates: Any,
    summary: bool,
    selection_extra: Mapping[str, Any] | None,
    sites: Any | None = None,
) -> list[Path]:
    files: list[Path] = []
    if coverage is not None:
        from harbor_planner.analysis.coverage_files import coverage_files

        files += coverage_files(coverage, out, summary=summary)
    if selection is not None:
        from harbor_planner.optimize.output import write_selection

        if candidates is None:
            raise TypeError("write_outputs: the selection tables need the candidates")
        files += write_selection(
            selection,
            candidates,
            out,
            extra=dict(selection_extra or {}),
            summary=summary,
            sites=sites,
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
    study_area: Any = None,
    coverage_after: Any = None,
    centres: Any = None,
    description: str | None = None,
) -> Path:
    """``layers.gpkg``: every map layer (the stations as given when there is no coverage).

    ``description`` (the map's title: the figures and what they rest on) with the tool's
    version becomes each layer's description.
    """
    layers = report_layers(
        coverage=coverage,
        sites=sites,
        isochrones=isochrones,
        service_area=service_area,
        districts=districts,
        district_column=district_column,
        study_area=study_area,
        coverage_after=coverage_after,
        centres=centres,
    )
    if coverage is None and stations is not None:
        layers["stations"] = stations
    from harbor_planner import __version__

    basis = f"harbor-planner {__version__}" + (f": {description}" if description else "")
    write_layers_gpkg(path, layers, description=basis)
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
    selection: Any = None,
    coverage_after: Any = None,
    **options: Any,
) -> Path:
    """``map.html``: the coverage's stations, gaps and districts, or the stations as given.

    With new sites, the demand covered before, newly covered and still uncovered, the sites'
    gains in percentage points and cumulative coverage, and each district's coverage before
    and after them: the district table of the report and the workbook (probe 26B).
    """
    from harbor_planner.outputs.map_plan import site_gain_columns
    from harbor_planner.outputs.values import district_frame

    m = make_map(
        stations=coverage.stations if coverage is not None else stations,
        sites=site_gain_columns(sites, selection),
        isochrones=isochrones,
        service_area=service_area,
        gaps=None if coverage is None else coverage.demand,
        double_covered=None if coverage is None else coverage.demand,
        planned_only=None if coverage is None else coverage.demand,
        districts=districts,
        district_stats=None if coverage is None else district_frame(coverage, coverage_after),
        demand_after=None if coverage_after is None else coverage_after.demand,
        **options,
    )
    save_map(m, path)
    return path

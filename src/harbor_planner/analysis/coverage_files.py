"""The coverage's files: summary, districts, stations, gaps and covered demand.

:func:`write_coverage` (the Python API: a folder written as a whole, with its ``run.json``)
and :func:`coverage_files` (the same files into a result folder's staging folder).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from harbor_planner._stable import without_timings, write_gpkg_layer
from harbor_planner._text import csv_safe, published_pcts

if TYPE_CHECKING:
    from harbor_planner.analysis.coverage import CoverageResult

__all__ = ["coverage_files", "write_coverage"]

log = logging.getLogger(__name__)


def write_coverage(
    result: CoverageResult, out_dir: str | Path, *, summary: bool = True
) -> list[Path]:
    """Write the coverage files: summary, districts, stations, gaps and covered demand.

    ``summary.json`` (unless ``summary`` is false), ``by_district.csv``, ``stations.csv``
    (ranked by the demand only each station covers), ``gaps.gpkg`` (uncovered demand) and
    ``covered.gpkg``, with a ``run.json`` listing them. The folder is written as a whole
    (:func:`harbor_planner.outputs.write_outputs`): a file of those names that the folder's
    ``run.json`` does not list (a station list called ``stations.csv``) is never replaced,
    and nothing is written then; the files of an earlier call are replaced; a folder whose
    ``run.json`` lists other results (a run's map and report) is refused.

    CSV files are UTF-8 with a byte-order mark so that Excel shows Chinese correctly, their
    text cells never read as formulas (:func:`harbor_planner._text.csv_safe`); the same
    result gives the same bytes.

    Returns
    -------
    list of pathlib.Path
        The files written, ``run.json`` last.

    Raises
    ------
    OutputError
        ``out_dir`` is a file, or holds a file of those names that is not the tool's.

    """
    from harbor_planner.errors import OutputError
    from harbor_planner.outputs import write_outputs
    from harbor_planner.outputs.staging import MANIFEST_FILE, manifest_outputs

    ours = {"summary.json", "by_district.csv", "stations.csv", "gaps.gpkg", "covered.gpkg"}
    others = sorted(set(manifest_outputs(out_dir)) - ours) if Path(out_dir).is_dir() else []
    if others:  # probe 23R: a run's map, report and workbook were removed without a word
        raise OutputError(
            f"out_dir holds a run's results (its {MANIFEST_FILE} lists {', '.join(others[:4])}"
            f"{' ...' if len(others) > 4 else ''}), which write_coverage would remove: choose "
            "another out_dir, or write the whole folder again with harbor_planner.run",
            path=out_dir,
        )
    return write_outputs(out_dir, coverage=result, formats=["tables"], summary=summary)


def coverage_files(result: CoverageResult, out_dir: str | Path, *, summary: bool) -> list[Path]:
    """The files of :func:`write_coverage`, into a result folder's staging folder.

    Returns
    -------
    list of pathlib.Path
        The files written.

    """
    from harbor_planner._io import atomic_paths

    out = Path(out_dir)
    names = [*(["summary.json"] if summary else []), "by_district.csv", "stations.csv"]
    targets = [out / name for name in [*names, "gaps.gpkg", "covered.gpkg"]]
    with atomic_paths(*targets) as tmps:
        _write_coverage_files(result, dict(zip([p.name for p in targets], tmps, strict=True)))
    log.info("wrote %s", ", ".join(p.name for p in targets))
    return targets


def _write_coverage_files(result: CoverageResult, tmps: dict[str, Path]) -> None:
    """The files of :func:`write_coverage`, each to its temporary path."""
    if "summary.json" in tmps:
        text = json.dumps(without_timings(result.summary), ensure_ascii=False, indent=2)
        tmps["summary.json"].write_text(text + "\n", "utf-8")
    by_district = csv_safe(result.by_district)
    by_district.to_csv(tmps["by_district.csv"], index=False, encoding="utf-8-sig")
    table = result.stations.drop(columns="geometry").assign(
        lon=result.stations.geometry.x.round(7), lat=result.stations.geometry.y.round(7)
    )
    table = csv_safe(published_pcts(table.sort_values("importance_rank")))
    table.to_csv(tmps["stations.csv"], index=False, encoding="utf-8-sig")
    demand = result.demand
    for name, mask in (("gaps", ~demand["covered"]), ("covered", demand["covered"])):
        tmp = tmps[f"{name}.gpkg"]
        write_gpkg_layer(demand[mask.to_numpy()], tmp, name)
        write_gpkg_layer(result.stations, tmp, "stations", append=True)

"""The plan as the usual result folder, written by the same steps and writer as ``run``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner.settings import STATUS_VALUES

if TYPE_CHECKING:
    from harbor_planner.serve.session import Session

__all__ = ["export_plan"]


def export_plan(
    session: Session,
    out_dir: Path,
    *,
    stations: Any,
    stations_file: Path,
    stations_sha256: str,
) -> list[Path]:
    """Coverage of the current plan, its range and map isochrones, written as ``run`` writes.

    The result folder is staged and committed whole by
    :class:`~harbor_planner.outputs.staging.ResultFolder` (only over files harbor-planner
    wrote); its ``summary.json`` is :func:`~harbor_planner.pipeline.study_summary`.

    Parameters
    ----------
    session
        The planning session.
    out_dir
        The result folder.
    stations
        The plan's stations (one snapshot, :meth:`~harbor_planner.serve.state.PlanState.frame`).
    stations_file, stations_sha256
        Where they are saved (WGS-84 CSV) and its SHA-256: the scenario's stations in
        ``run.json``, every status but closed (and candidate) used, as the page counts them.

    Returns
    -------
    list of pathlib.Path
        The files of the folder, ``run.json`` last.

    """
    from harbor_planner import __version__
    from harbor_planner.outputs.staging import ResultFolder
    from harbor_planner.pipeline import (
        Study,
        map_isochrones,
        measure_coverage,
        result_files,
        split_timings,
        study_inputs,
        study_summary,
        with_sensitivity,
        write_results,
    )

    scenario = dataclasses.replace(session.scenario, optimize=None)
    # the stations measured are the page's (placed on the map in WGS-84), not the file loaded
    # every status but closed, candidates too, as the page counts them (probe 18S: a default
    # status of None left the page's candidates out of a run of run.json's parameters)
    counted = [s for s in STATUS_VALUES if s != "closed"]
    scenario = dataclasses.replace(scenario, stations=dataclasses.replace(
        scenario.stations, file=stations_file, crs="wgs84", sheet=None, status=counted,
        accept_datum=True))  # fmt: skip
    scenario = dataclasses.replace(
        scenario, output=dataclasses.replace(scenario.output, dir=out_dir, lang=session.lang)
    )
    s = Study(
        network=session.network,
        stations=stations,
        demand=session.demand,
        districts=session.districts,
        study_area=session.study_area,
    )
    args = (s.network, stations, s.demand, s.districts)
    s.coverage = measure_coverage(scenario, *args, area=s.study_area)
    s.coverage = with_sensitivity(scenario, s.coverage, *args)
    if scenario.centres.file is not None:
        from harbor_planner.pipeline.centres import measure_centres

        s.centres = measure_centres(scenario, s)
    if set(scenario.output.formats) & {"map", "gpkg"} and scenario.output.map_bands:
        open_ = stations[stations["status"] != "closed"]  # only the stations counted are drawn
        s.isochrones, s.service_area = map_isochrones(scenario, s.network, open_, progress=False)
        s.isochrone_method = None if s.isochrones is None else s.isochrones.attrs.get("method")
    summary, _ = split_timings(study_summary(scenario, s))
    # the scenario's own inputs stay protected, its station file too (probe 21S: a scenario
    # reading an earlier result's stations.csv saw it replaced by the export)
    inputs = {**study_inputs(session.scenario), "plan's stations": stations_file}
    folder = ResultFolder(out_dir, names=result_files(scenario), inputs=inputs)
    with folder:
        with folder.writing() as staging:
            staged = write_results(scenario, staging, s, summary)
        manifest: dict[str, Any] = {
            "harbor_planner": __version__,
            "command": "harbor-planner serve (export)",
            "scenario_file": str(scenario.path) if scenario.path else None,
            "parameters": scenario.to_dict(),
            "outputs": [_output_info(f) for f in staged],
            "figures": {"coverage_pct": s.coverage.summary["coverage_pct"]},
            "stations_source": "the plan edited in harbor-planner serve, saved as "
            f"{stations_file.name} ({len(stations)} stations)",
            "stations_sha256": stations_sha256,
        }
        return folder.commit(staged, manifest)


def _output_info(path: Path) -> dict[str, Any]:
    from harbor_planner._io import file_sha256

    return {"path": path.name, "bytes": path.stat().st_size, "sha256": file_sha256(path)}

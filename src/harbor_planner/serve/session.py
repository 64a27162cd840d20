"""A planning session: the scenario's inputs loaded once, the plan, optimiser jobs, files.

:func:`load_session` reads the stations, network, demand and districts through the same
pipeline steps as ``harbor-planner run``. Files are written only into the session's output
folder: the saved station lists (:data:`~harbor_planner.settings.SERVE_STATIONS_FILES`, never
over an input or a file this tool did not write, told by ``serve.json``) and the exported
result folder (``result/``, written by the same writer as ``run``).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harbor_planner._io import read_regular_text
from harbor_planner.errors import HarborPlannerError, OutputError
from harbor_planner.serve.folder import (
    BASED_ON,
    MADE_FROM,
    MAX_UNSAVED_FILES,
    based_on_records,
    other_scenario,
    page_scenario,
    plan_made_from,
    scenario_records,
    start_plan,
    unsaved_names,
)
from harbor_planner.serve.state import DEGREE_DECIMALS, PlanState
from harbor_planner.serve.words import refusal, said, serve_text
from harbor_planner.settings import (
    SERVE_MANIFEST,
    SERVE_OUT_DIR,
    SERVE_STATIONS_FILES,
    SERVE_UNSAVED_FILE,
)

__all__ = ["OptimizeJob", "Session", "load_session"]

log = logging.getLogger(__name__)


@dataclass
class OptimizeJob:
    """An optimiser run in a background thread, polled by the page."""

    job_id: str
    n_sites: int
    solver: str
    state: str = "running"
    messages: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    elapsed_s: float = 0.0
    sites: list[dict[str, Any]] = field(default_factory=list)
    coverage_pct_after: float | None = None
    error: str | None = None
    #: The plan's version the sites were chosen for (its figure holds for that plan only).
    plan_version: int = -1

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        running = self.state == "running"
        return {
            "id": self.job_id,
            "state": self.state,
            "n_sites": self.n_sites,
            "solver": self.solver,
            "messages": self.messages[-8:],
            "elapsed_s": round(
                time.perf_counter() - self.started if running else self.elapsed_s, 1
            ),
            "sites": self.sites,
            "coverage_pct_after": self.coverage_pct_after,
            "plan_version": self.plan_version,
            "error": self.error,
        }


class _JobLog(logging.Handler):
    """Collects the optimiser's log lines of one thread as the job's progress."""

    def __init__(self, job: OptimizeJob, thread_id: int) -> None:
        super().__init__(logging.INFO)
        self.job, self.thread_id = job, thread_id

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread_id:
            self.job.messages.append(record.getMessage()[:300])


def _table(frame: Any) -> Any:
    """The plan's stations as the CSV holds them: WGS-84 ``lon``, ``lat``."""
    x, y = frame.geometry.x.round(DEGREE_DECIMALS), frame.geometry.y.round(DEGREE_DECIMALS)
    return frame.drop(columns="geometry").assign(lon=x, lat=y)


@dataclass
class Session:
    """What ``serve`` holds: scenario, loaded inputs, the plan and the optimiser jobs."""

    scenario: Any
    network: Any
    demand: Any
    districts: Any
    study_area: Any
    plan: PlanState
    out_dir: Path
    lang: str = "zh"
    jobs: dict[str, OptimizeJob] = field(default_factory=dict)
    #: One save or export at a time: two at once left the files of two plans, and the
    #: manifest of one (every later save was then refused as not ours).
    files_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    #: the plan's version the last save or export wrote
    saved_version: int = -1
    #: the page started from the edits not saved when serve last stopped (unsaved from the start)
    recovered: bool = False
    #: the SHA-256 of that file when read: a stop writes over it only while it still has it
    unsaved_sha: str | None = None
    #: the SHA-256 of the plan saved in ``out_dir`` the page's plan was made on (recorded
    #: with the edits not saved at a stop: a start goes on from them only while it is saved)
    based_on: str | None = None
    #: what the last save or export left undone (the edits not saved it could not remove)
    save_note: str | None = None
    #: why the stop wrote the edits not saved under another name (``None``: the usual one)
    unsaved_note: str | None = None
    #: the scenario's station file the plan was made from (``{"path", "sha256"}``), recorded
    #: in serve.json with each save: the scenario's when the page started from its stations,
    #: else the record of the plan it went on from (``None``: none recorded)
    stations_from: dict[str, str] | None = None

    # ------------------------------------------------------------------ optimiser

    def start_optimize(self, n_sites: int, solver: str) -> OptimizeJob:
        """Start the optimiser on the current plan in a background thread."""
        job = OptimizeJob(uuid.uuid4().hex[:12], n_sites, solver)
        running = [j for j in self.jobs.values() if j.state == "running"]
        if running:
            raise refusal(OutputError, "busy")
        self.jobs[job.job_id] = job
        threading.Thread(target=self._optimize, args=(job,), daemon=True).start()
        return job

    def _optimize_scenario(self, n_sites: int, solver: str) -> Any:
        """The scenario's ``[optimize]`` (quotas, candidates...) with ``n_sites`` and ``solver``."""
        from harbor_planner.scenario.sections import OptimizeConfig

        opt = self.scenario.optimize or OptimizeConfig()
        opt = dataclasses.replace(opt, enabled=True, add=n_sites, stages=None, solver=solver)
        if opt.mode != "max-cover":
            opt = dataclasses.replace(opt, mode="max-cover", target_pct=None)
        return dataclasses.replace(self.scenario, optimize=opt)

    def _optimize(self, job: OptimizeJob) -> None:
        from harbor_planner.pipeline import plan

        handler = _JobLog(job, threading.get_ident())
        root = logging.getLogger("harbor_planner")
        root.addHandler(handler)
        level = root.level
        if root.getEffectiveLevel() > logging.INFO:
            root.setLevel(logging.INFO)
        try:
            scenario = self._optimize_scenario(job.n_sites, job.solver)
            with self.plan.lock:
                stations = self.plan.frame(open_only=True)
                job.plan_version = self.plan.version
            sp = plan(scenario, self.network, stations, self.demand, self.districts,
                      progress=False, area=self.study_area)  # fmt: skip
            wgs = sp.sites.to_crs("EPSG:4326")
            names = wgs["name"] if "name" in wgs else wgs["site_id"]
            job.sites = [
                {"id": str(i), "name": str(n), "lon": float(p.x), "lat": float(p.y)}
                for i, n, p in zip(wgs["site_id"], names, wgs.geometry, strict=True)
            ]
            job.coverage_pct_after = round(float(sp.selection.coverage_pct_after), 2)
            job.state = "done"
        except Exception as exc:  # reported to the page, never raised in the thread
            # in the page's language where the error has its words (a refusal of the plan)
            text = said(exc, self.lang) if hasattr(exc, "words") else getattr(exc, "detail", None)
            job.error = str(text or exc)[:500] or type(exc).__name__
            job.state = "failed"
            log.warning("serve: the optimiser failed: %s", job.error)
        finally:
            job.elapsed_s = time.perf_counter() - job.started
            root.removeHandler(handler)
            root.setLevel(level)

    def accept(self, job_id: str, site_ids: list[str]) -> list[Any]:
        """Add the chosen suggested sites of a finished job to the plan, as one step."""
        job = self.jobs.get(job_id)
        if job is None:
            raise KeyError(job_id)
        if job.state != "done":
            raise refusal(OutputError, "unfinished")
        known = {s["id"]: s for s in job.sites}
        unknown = [s for s in site_ids if s not in known]
        if unknown:
            raise KeyError(unknown[0])
        with self.plan.lock:  # a site already in the plan (a second click) is not added again
            taken = {(round(st.lon, 7), round(st.lat, 7)) for st in self.plan.stations.values()}
        new = [
            s
            for s in dict.fromkeys(site_ids)
            if (round(known[s]["lon"], 7), round(known[s]["lat"], 7)) not in taken
        ]
        if not new:
            raise refusal(OutputError, "in_plan")
        return self.plan.add_many(
            [(known[s]["lon"], known[s]["lat"], known[s]["name"]) for s in new]
        )

    # ------------------------------------------------------------------ files

    def save_stations(self) -> list[Path]:
        """Write the plan's stations as CSV (UTF-8 with BOM) and GeoPackage into ``out_dir``.

        Both are read back by ``harbor-planner`` (``read_stations``): the CSV has
        ``station_id``, ``name``, ``status``, ``lon``, ``lat`` in WGS-84 (read it with
        ``--crs wgs84``); the GeoPackage layer ``stations`` is in the network's projected CRS.
        """
        with self.files_lock:
            return self._save(lambda frame, csv: None)

    def _save(self, then: Any) -> Any:
        """Save one snapshot of the plan; ``then(frame, csv_tmp)`` runs before the files land.

        The files replace the old ones only when ``then`` succeeds too (both or neither, and
        none when it fails); returns the saved paths, or what ``then`` returned.
        """
        from harbor_planner._io import atomic_paths
        from harbor_planner._stable import write_gpkg_layer
        from harbor_planner._text import csv_safe

        paths = [self.out_dir / n for n in SERVE_STATIONS_FILES]
        owned = self._check_writable(paths)
        with self.plan.lock:
            frame = self.plan.frame()
            version = self.plan.version
        with atomic_paths(*paths) as tmps:  # both files or neither
            csv_safe(_table(frame)).to_csv(tmps[0], index=False, encoding="utf-8-sig")
            write_gpkg_layer(frame.to_crs(self.network.crs), tmps[1], "stations")
            result = then(frame, tmps[0])
            # the new files' hashes recorded before they land: a kill between the two
            # writes left the plan unrecognised, every later save refused (probe 21X)
            self._record(paths, owned, pending=tmps)
        files = self._record(paths, owned)
        self.saved_version = version  # the plan the files hold (the page may show an older one)
        self.based_on = files[paths[0].name]
        self.save_note = self._drop_unsaved()
        return paths if result is None else result

    def _drop_unsaved(self) -> str | None:
        """Remove the edits not saved this session went on from, now that a save holds them.

        Only the file as it was read (another session's stop may have written it since).
        One that cannot be removed (the scenario's own stations, a read-only folder) is left,
        and said: the save landed (probe 25R3: it answered with an error), and a start no
        longer goes on from the file (it was made on an older plan saved).

        Returns
        -------
        str or None
            The note saying the file was left, else ``None``.

        """
        from harbor_planner._io import file_sha256

        path = self.out_dir / SERVE_UNSAVED_FILE
        sha, self.unsaved_sha, self.recovered = self.unsaved_sha, None, False
        if sha is None or path.is_symlink() or not path.is_file() or file_sha256(path) != sha:
            return None
        try:
            owned = self._check_writable([path])
            owned.pop(path.name, None)
            path.unlink()
            self._record([], owned)
        except (HarborPlannerError, OSError) as exc:
            log.warning("serve: %s", serve_text("unsaved_left", "en", path=path, why=exc))
            return serve_text("unsaved_left", self.lang, path=path, why=exc)
        return None

    def _saved_at(self) -> int:
        """The plan's version the files hold: the last save's, else the loaded one's (0).

        -1 when the page started from the edits not saved last time and has not saved them.
        """
        if self.saved_version < 0:
            return -1 if self.recovered else 0
        return self.saved_version

    def snapshot(self) -> dict[str, Any]:
        """The plan for the page, with the version saved (edits not saved are marked)."""
        return {**self.plan.snapshot(), "saved_version": self._saved_at()}

    def unsaved_edits(self) -> bool:
        """Whether the plan changed since it was loaded or last saved."""
        with self.plan.lock:
            return self.plan.version != self._saved_at()

    def save_unsaved(self) -> Path | None:
        """On stopping: edits not saved written beside the saved plan; the file, or ``None``.

        The saved plan stays as the planner left it (probe 24S: Ctrl-C threw an afternoon's
        edits away with only "interrupted"); the file reads back with ``--crs wgs84``. It is
        :data:`SERVE_UNSAVED_FILE`, unless that holds edits this session did not go on from
        (another session's, a planner's own, one corrected by hand: never written over,
        probe 25R3): then the first free ``plan_stations.unsaved-N.csv``.
        """
        from harbor_planner._io import atomic_paths
        from harbor_planner._text import csv_safe

        self.unsaved_note = None
        if not self.unsaved_edits():
            return None
        with self.files_lock:
            path, owned = self._unsaved_target()
            with self.plan.lock:
                frame = self.plan.frame()
            based = {path.name: self.based_on}  # a start goes on from it while that is saved
            with atomic_paths(path) as (tmp,):
                csv_safe(_table(frame)).to_csv(tmp, index=False, encoding="utf-8-sig")
                if owned is not None:
                    self._record([path], owned, pending=[tmp], based=based)
            if owned is not None:
                self._record([path], owned, based=based)
        return path

    def _unsaved_target(self) -> tuple[Path, dict[str, str] | None]:
        """The file a stop writes the edits not saved to, and the files serve owns.

        The usual name while it does not exist or still holds the edits this session went
        on from; else the first ``plan_stations.unsaved-N.csv`` free and writable (and
        :attr:`unsaved_note` says why). In a folder whose ``serve.json`` is not this
        scenario's, a free one not recorded there (``None``): edits are never lost while a
        name is free.
        """
        from harbor_planner._io import file_sha256

        try:
            self._check_writable([])
        except OutputError as exc:  # serve.json not serve's, or another scenario's
            return self._unrecorded_target(exc), None
        first = self.out_dir / SERVE_UNSAVED_FILE
        for path in unsaved_names(self.out_dir):
            if path.is_symlink():
                continue
            if path.exists() and (path != first or self.unsaved_sha != file_sha256(path)):
                continue  # edits this session did not go on from
            try:
                owned = self._check_writable([path])
            except OutputError:  # an input of the scenario (its stations.file)
                continue
            if path != first:
                self.unsaved_note = (
                    f"{first.name} there is not this session's to replace (another session's "
                    "edits not saved, a file not written by serve or changed since, or an input "
                    "of the scenario) and was left as it was"
                )
            return path, owned
        raise _no_free_name(first)

    def _unrecorded_target(self, refused: OutputError) -> Path:
        """A free ``plan_stations.unsaved-N.csv`` not an input, for a folder not this one's."""
        from harbor_planner._safety import refuse_overwriting_inputs
        from harbor_planner.pipeline import study_inputs

        for path in list(unsaved_names(self.out_dir))[1:]:
            if path.exists() or path.is_symlink():
                continue
            try:
                refuse_overwriting_inputs(study_inputs(self.scenario), [path])
            except OutputError:
                continue
            self.unsaved_note = f"not recorded in {SERVE_MANIFEST}: {refused}"
            return path
        raise refused

    def _check_writable(self, paths: list[Path]) -> dict[str, str]:
        """Refuse inputs and files of the folder this tool did not write; the owned files."""
        import json

        from harbor_planner._io import file_sha256
        from harbor_planner._safety import refuse_overwriting_inputs
        from harbor_planner.pipeline import study_inputs

        self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            refuse_overwriting_inputs(
                study_inputs(self.scenario), [*paths, self.out_dir / SERVE_MANIFEST]
            )
        except OutputError as exc:  # said in the page's language too
            raise refusal(OutputError, "input_file", path=exc.path, detail=exc.detail) from None
        manifest = self.out_dir / SERVE_MANIFEST
        owned: dict[str, str] = {}
        pending: dict[str, str] = {}
        if manifest.exists():
            try:
                data = json.loads(read_regular_text(manifest))
                owned, pending = dict(data["files"]), dict(data.get("pending") or {})
            except (OSError, ValueError, KeyError, TypeError):
                raise refusal(
                    OutputError, "manifest_foreign", path=manifest, name=SERVE_MANIFEST
                ) from None
        other = other_scenario(manifest, self.scenario.path)
        if other is not None:  # its saved plan is not this scenario's to replace (probe 21R)
            raise refusal(
                OutputError, "other_scenario", path=manifest, out=self.out_dir, other=other
            )
        for p in paths:
            sha = file_sha256(p) if p.exists() and not p.is_symlink() else None
            if sha is not None and sha == pending.get(p.name):  # a save cut short: landed
                owned[p.name] = sha
            if p.is_symlink() or (p.exists() and owned.get(p.name) != sha):
                raise refusal(OutputError, "not_ours", path=p)
        return owned

    def _record(
        self,
        paths: list[Path],
        owned: dict[str, str],
        pending: list[Path] | None = None,
        based: dict[str, str | None] | None = None,
    ) -> dict[str, str]:
        """Write ``serve.json``: the files' hashes (``pending``: the staged ones, not landed).

        ``based``: for files of edits not saved, the plan saved they were made on; the
        records of the files still listed are kept. Returns the files recorded as landed.
        """
        from harbor_planner import __version__
        from harbor_planner._io import file_sha256, writing
        from harbor_planner.pipeline import write_json

        if pending is None:
            files, staged = {**owned, **{p.name: file_sha256(p) for p in paths}}, {}
        else:
            staged = {p.name: file_sha256(t) for p, t in zip(paths, pending, strict=True)}
            files = dict(owned)
        records = {**based_on_records(self.out_dir), **(based or {})}
        manifest = {
            "harbor_planner": __version__,
            **scenario_records(self.scenario.path, self.out_dir),
            "files": files,
            "pending": staged,
            BASED_ON: {k: v for k, v in records.items() if k in files or k in staged},
        }
        if self.stations_from is not None:
            manifest[MADE_FROM] = self.stations_from
        with writing(self.out_dir / SERVE_MANIFEST):
            write_json(self.out_dir / SERVE_MANIFEST, manifest)
        return files

    def export(self) -> list[Path]:
        """The current plan as the result folder ``out_dir/result``, as ``run`` writes it.

        The plan's stations are saved with it (:meth:`save_stations`, one snapshot for both):
        the result folder's ``run.json`` names that file and its SHA-256 as its stations, so
        ``run`` with its parameters measures the same plan. A failed export saves nothing.
        """
        from harbor_planner._io import file_sha256
        from harbor_planner.serve.export import export_plan

        csv = self.out_dir / SERVE_STATIONS_FILES[0]

        def measured(frame: Any, csv_tmp: Path) -> list[Path]:
            # one snapshot for the file and the figures; the file lands only with the folder
            return export_plan(self, self.out_dir / "result", stations=frame,
                               stations_file=csv, stations_sha256=file_sha256(csv_tmp))  # fmt: skip

        with self.files_lock:
            return self._save(measured)


def _no_free_name(first: Path) -> OutputError:
    """The error of a folder holding every name for edits not saved."""
    return OutputError(
        f"no free name for the edits not saved: {first.parent} holds {first.name} and "
        f"{first.stem}-2 to -{MAX_UNSAVED_FILES} already; move some of them",
        path=first,
    )


def _mark_districts(state: PlanState, scenario: Any, area: Any, districts: Any) -> None:
    """Each district's status as ``run`` marks it (it depends on the demand, not the stations).

    Probe 21S: a district beyond the walk network showed on the page as a measured 0 %, and the
    study's districts without demand were missing.
    """
    from harbor_planner.pipeline.area import districts_without_demand
    from harbor_planner.study_area import district_network_pct, district_status

    totals = state.district_totals()
    reach = district_network_pct(
        state.network, totals["district"], districts=districts,
        district_column=scenario.coverage.district_column, study=area,
    )  # fmt: skip
    marked = district_status(
        totals.drop(columns="points"),
        area,
        min_share_pct=scenario.study.min_district_share_pct,
        min_points=scenario.study.min_district_points,
        points=totals.set_index("district")["points"],
        network_pct=reach,
        min_network_pct=scenario.study.min_district_network_pct,
    )
    state.district_status = dict(zip(marked["district"], marked["status"], strict=True))
    if scenario.coverage.districts is None:  # Chongqing's 区县, as the study area names them
        state.districts_without_demand = districts_without_demand(area, totals["district"])


def load_session(
    scenario_path: Path,
    *,
    out_dir: Path | None = None,
    lang: str | None = None,
    progress: bool | None = None,
) -> Session:
    """Load a scenario's stations, network, demand and districts once, through the pipeline.

    Parameters
    ----------
    scenario_path
        The scenario file (TOML).
    out_dir
        Where saved and exported files go (default ``plan`` beside the scenario file).
    lang
        ``zh`` or ``en`` (default: the scenario's ``output.lang``).
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.

    Returns
    -------
    Session

    """
    from harbor_planner.pipeline import (
        check_datums,
        load_demand,
        load_districts,
        load_network,
        load_stations,
    )
    from harbor_planner.pipeline.area import load_study_area
    from harbor_planner.pipeline.inputs import warn_title_minutes
    from harbor_planner.scenario import load_scenario

    out = out_dir if out_dir is not None else Path(scenario_path).resolve().parent / SERVE_OUT_DIR
    if Path(out).exists() and not Path(out).is_dir():  # before anything is loaded
        raise OutputError("--out is a file, not a folder; name a folder for saved plans", path=out)
    above = next((a for a in Path(out).parents if a.exists()), None)
    if above is not None and not above.is_dir():  # a folder under a file could never be made
        raise OutputError(
            f"--out lies under {above}, a file, not a folder; name a folder for saved plans",
            path=out,
        )
    scenario = load_scenario(scenario_path)
    scenario.check_inputs()
    warn_title_minutes(scenario)  # probe 24S: "15 分钟" over a 10-minute page, said by run only
    start = start_plan(Path(out), scenario.path)
    page = page_scenario(scenario, start)
    stations, _ = load_stations(page)
    network = load_network(
        scenario.network,
        progress=progress,
        minutes=max([scenario.coverage.minutes, *scenario.output.map_bands]),
    )
    check_datums(page, stations, network)
    area = load_study_area(scenario)
    demand = load_demand(scenario, network, area)
    districts = load_districts(scenario)
    state = PlanState(
        network,
        stations,
        demand,
        minutes=scenario.coverage.minutes,
        max_dist_m=scenario.stations.max_dist_m,
        districts=districts,
        district_column=scenario.coverage.district_column,
    )
    _mark_districts(state, scenario, area, districts)
    return Session(
        scenario=scenario,
        network=network,
        demand=demand,
        districts=districts,
        study_area=area,
        plan=state,
        out_dir=Path(out).resolve(),
        lang=lang or scenario.output.lang,
        recovered=start.unsaved is not None,
        unsaved_sha=start.unsaved_sha,
        based_on=start.based_on,
        stations_from=plan_made_from(scenario, start),
    )

"""Where the districts of a split stage are solved: here, in order, or as tasks on a cluster.

:func:`~harbor_planner.optimize.engine.solve_max_cover` splits a stage by district when the
quotas fix each district's number of sites (:func:`~harbor_planner.optimize.engine.
decomposable`). Each district becomes a :class:`DistrictTask`: its sub-problem compacted to its
own candidates and the demand rows they touch, its sites, the solver and its time share. The
engine hands the tasks to :func:`run_district_tasks`, which calls the runner in use:
:func:`solve_in_order` (here, one after the other) by default; a partitioned run
(:func:`~harbor_planner.pipeline.partition.partitioned`) installs a :class:`ClusterDistrictSolves`
with :func:`use_stage_runner`, which submits one task per district to its Dask cluster through
:func:`harbor_planner.cluster.run_tasks` (one progress bar, retries, the failing district named,
tasks cancelled on interrupt; in a partitioned run each task is written to the run's work
folder and the Dask task carries its path) and records which worker solved which district in
how long. The runner is held in a :class:`contextvars.ContextVar`: it reaches only the solves
made inside the ``with`` block (of this thread). The engine never imports Dask.

Budgets: each district's solve gets ``time_limit_s`` x its sites / the stage's sites (at least
1 s), counted from when that solve starts, whichever runner runs it. A district's budget does
not depend on the order, the timing or the worker of the others, so where no limit binds the
plans, objectives, bounds and statuses are the same here and on any cluster. Where a limit binds
(status ``time_limit``), a district stops at its own share, and what it reaches in that time
depends on the speed of the machine that solves it, as any time-limited solve does.
"""

from __future__ import annotations

import contextlib
import contextvars
import pickle
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor_planner.cluster import worker_address
from harbor_planner.settings import DISTRICT_SOLVE_MIN_ENTRIES

if TYPE_CHECKING:
    from harbor_planner.optimize.solvers import Problem, Solution

__all__ = [
    "ClusterDistrictSolves",
    "DistrictResult",
    "DistrictTask",
    "StageRunner",
    "district_solve_record",
    "run_district_tasks",
    "solve_in_order",
    "use_stage_runner",
]

#: The address recorded for solves run in the client's process.
CLIENT = "client"


@dataclass(frozen=True)
class DistrictTask:
    """One district's solve: small and picklable (a cluster task carries it).

    Attributes
    ----------
    name
        The district (quota table name).
    problem
        Its sub-problem: its own candidates and the demand rows they touch, nothing else.
    n_add
        Its sites.
    solver, mip_gap
        As for :func:`~harbor_planner.optimize.engine.solve_max_cover`.
    time_limit_s
        Its time share, from when its solve starts.
    reproducible
        Stop the swap search and the Lagrangian bound by their steps, not the clock.

    """

    name: str
    problem: Problem
    n_add: int
    solver: str
    time_limit_s: float
    mip_gap: float
    reproducible: bool = False


@dataclass(frozen=True)
class DistrictResult:
    """What one district's solve returns.

    Attributes
    ----------
    name
        The district.
    solution
        Its plan, in positions of the task's sub-problem.
    info
        What each step did (see :func:`~harbor_planner.optimize.engine.solve_max_cover`).
    seconds
        Time of the solve where it ran.
    worker
        Where it ran: the Dask worker's address, or ``"client"``.

    """

    name: str
    solution: Solution
    info: dict[str, Any]
    seconds: float
    worker: str


#: ``solve(task)`` returns a district's ``(Solution, info)``; a module-level function (the
#: workers import it by name).
DistrictSolve = Callable[[DistrictTask], "tuple[Solution, dict[str, Any]]"]
#: ``runner(solve, tasks)`` returns ``solve``'s result of every task, as :class:`DistrictResult`,
#: in the order of ``tasks``.
StageRunner = Callable[[DistrictSolve, Sequence[DistrictTask]], list[DistrictResult]]

_RUNNER: contextvars.ContextVar[StageRunner | None] = contextvars.ContextVar(
    "harbor_planner_stage_runner", default=None
)


def _timed(call: tuple[DistrictSolve, DistrictTask | str]) -> DistrictResult:
    """Run one district's solve and time it (a cluster task, or here); a path: read it first."""
    solve, task = call
    t0 = time.perf_counter()
    if isinstance(task, str):
        with open(task, "rb") as f:
            task = pickle.load(f)  # written by ClusterDistrictSolves in the run's work folder
    solution, info = solve(task)
    seconds = time.perf_counter() - t0
    return DistrictResult(task.name, solution, info, seconds, worker_address(CLIENT))


def solve_in_order(solve: DistrictSolve, tasks: Sequence[DistrictTask]) -> list[DistrictResult]:
    """The default runner: every district here, one after the other.

    Parameters
    ----------
    solve
        The engine's district solve.
    tasks
        The districts.

    Returns
    -------
    list of DistrictResult
        In the order of ``tasks``.

    """
    return [_timed((solve, task)) for task in tasks]


def run_district_tasks(solve: DistrictSolve, tasks: Sequence[DistrictTask]) -> list[DistrictResult]:
    """Solve the districts with the runner in use (:func:`solve_in_order` by default).

    Parameters
    ----------
    solve
        The engine's district solve.
    tasks
        The districts.

    Returns
    -------
    list of DistrictResult
        In the order of ``tasks``.

    """
    runner = _RUNNER.get() or solve_in_order
    return runner(solve, tasks)


@contextlib.contextmanager
def use_stage_runner(runner: StageRunner) -> Iterator[StageRunner]:
    """Make the district solves inside the ``with`` block go through ``runner``.

    Parameters
    ----------
    runner
        A :data:`StageRunner`.

    Yields
    ------
    StageRunner
        ``runner``.

    """
    token = _RUNNER.set(runner)
    try:
        yield runner
    finally:
        _RUNNER.reset(token)


class ClusterDistrictSolves:
    """The runner of a partitioned run: one Dask task per district, each timed and recorded.

    Parameters
    ----------
    client
        A ``distributed.Client`` (:func:`harbor_planner.cluster.open_cluster`).
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.
    work_dir
        A folder every worker sees (the partitioned run's): each task is written there and
        the Dask task carries its path, not the sub-problem (``None``: sent in the task).
    min_entries
        Stages whose districts hold fewer coverage entries than this in all are solved here:
        shipping them and starting the solver on a worker would take longer than the solve
        (``None``: ``settings.DISTRICT_SOLVE_MIN_ENTRIES``; 0: always on the cluster).

    """

    def __init__(
        self,
        client: Any,
        *,
        progress: bool | None = None,
        work_dir: Path | None = None,
        min_entries: int | None = None,
    ) -> None:
        self.client = client
        self.progress = progress
        self.work_dir = work_dir
        self.min_entries = DISTRICT_SOLVE_MIN_ENTRIES if min_entries is None else min_entries
        self.solves: list[dict[str, Any]] = []
        self._stages = 0

    def __call__(self, solve: DistrictSolve, tasks: Sequence[DistrictTask]) -> list[DistrictResult]:
        """Solve the districts: on the cluster, or here when they are small."""
        from harbor_planner.cluster import run_tasks

        self._stages += 1
        entries = sum(int(t.problem.cover.nnz) for t in tasks)
        if entries < self.min_entries:
            results = solve_in_order(solve, tasks)
        else:
            calls, paths = self._calls(solve, tasks)
            try:
                results = run_tasks(
                    self.client,
                    _timed,
                    calls,
                    [t.name for t in tasks],
                    desc=f"district solves (stage {self._stages})",
                    label="district",
                    progress=self.progress,
                )
            finally:
                for path in paths:
                    path.unlink(missing_ok=True)
        for task, r in zip(tasks, results, strict=True):
            self.solves.append(
                {
                    "stage": self._stages,
                    "district": r.name,
                    "sites": task.n_add,
                    "entries": int(task.problem.cover.nnz),
                    "worker": r.worker,
                    "seconds": round(r.seconds, 3),
                    "status": r.solution.status,
                }
            )
        return results

    def _calls(
        self, solve: DistrictSolve, tasks: Sequence[DistrictTask]
    ) -> tuple[list[tuple[DistrictSolve, DistrictTask | str]], list[Path]]:
        """The tasks' arguments: the tasks, or the paths they are written to."""
        if self.work_dir is None:
            return [(solve, t) for t in tasks], []
        stage = self._stages
        paths = [self.work_dir / f"district-solve-{stage}-{i}.pkl" for i in range(len(tasks))]
        for path, task in zip(paths, tasks, strict=True):
            with path.open("wb") as f:
                pickle.dump(task, f, protocol=pickle.HIGHEST_PROTOCOL)
        return [(solve, str(p)) for p in paths], paths

    def record(self) -> list[dict[str, Any]]:
        """Per district solve: stage, district, sites, coverage entries, worker, seconds, status."""
        return list(self.solves)


def district_solve_record() -> list[dict[str, Any]]:
    """The district solves the runner in use has recorded (``[]`` for the default runner).

    Returns
    -------
    list of dict
        :meth:`ClusterDistrictSolves.record`.

    """
    record = getattr(_RUNNER.get(), "record", None)
    return list(record()) if callable(record) else []

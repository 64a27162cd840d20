"""One maximal-coverage stage, reduced, improved and bounded: the city-scale solve.

:func:`solve_max_cover` takes a :class:`~harbor_planner.optimize.solvers.Problem` (rows
already reduced by :func:`~harbor_planner.optimize.reduce.reduce_rows`) and

1. splits it by district when the quotas fix every district's number of sites and no demand
   row, spacing pair or budget ties two districts together (else it says why not): one
   :class:`~harbor_planner.optimize.parallel.DistrictTask` per district
   (:func:`district_tasks`: its own candidates and the rows they touch, its time share),
   solved by :func:`solve_district` through the runner in use
   (:func:`~harbor_planner.optimize.parallel.run_district_tasks`: here in order, or one task
   per district on a partitioned run's Dask cluster), each plan mapped back to the stage's
   positions;
2. drops dominated candidates (:func:`~harbor_planner.optimize.reduce.dominated_columns`) and
   the ineligible ones, and merges rows again;
3. runs lazy greedy, then the swap local search (:func:`~harbor_planner.optimize.improve.
   swap_search`), then the Lagrangian bound (:func:`~harbor_planner.optimize.lagrange.
   lagrangian_bound`), whose inner plans may improve the plan further; when greedy cannot
   place every site (spacing or a tight budget can defeat it), HiGHS searches for a plan
   with either solver (``info["greedy"]`` says so);
4. ``exact``: unless the gap is already within ``mip_gap``, fixes to 0 the candidates whose
   Lagrangian bound with the site forced in is below the best plan (none of them can be in a
   better plan), and gives HiGHS the remaining model, warm-started from the best plan. The
   bound reported is the tightest proven one: ``min(Lagrangian, greedy's, max(HiGHS' bound on
   the rest, the largest bound of a fixed candidate))``.

Every step's size goes into the returned ``info`` (and the log).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from harbor_planner.errors import InfeasibleError, SolverLimitError, UsageError
from harbor_planner.optimize.improve import swap_search
from harbor_planner.optimize.lagrange import lagrangian_bound, plan_value, top_choice
from harbor_planner.optimize.parallel import DistrictTask, run_district_tasks
from harbor_planner.optimize.reduce import compact, dominated_columns
from harbor_planner.optimize.solvers import Problem, Solution, gap_status, greedy_mclp, milp
from harbor_planner.settings import (
    EXACT_SMALL_COLUMNS,
    LAGRANGE_TARGET_GAP,
    LAGRANGE_TIME_EXACT_S,
    LAGRANGE_TIME_S,
    OPTIMAL_REL_GAP,
    STATUS_GAP_MET,
    SWAP_TIME_EXACT_S,
    SWAP_TIME_S,
)

__all__ = ["decomposable", "district_tasks", "solve_district", "solve_max_cover"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


def decomposable(problem: Problem, n_add: int) -> tuple[dict[int, int], str]:
    """Sites per district when the problem splits by district, else ``{}`` and why not.

    It splits when every eligible candidate lies in a quota district, each district's quota is
    fixed (min = max), they add up to ``n_add``, there is no budget, and no demand row or
    spacing pair has candidates of two districts.
    """
    if problem.district is None or problem.quota_max is None or problem.quota_min is None:
        return {}, "no district quotas"
    if problem.budget is not None:
        return {}, "a budget ties the districts together"
    dist, el = problem.district, problem.eligible
    if (dist[el] < 0).any():
        return {}, "candidates outside the quota districts"
    present = np.unique(dist[el])
    qmin, qmax = problem.quota_min[present], problem.quota_max[present]
    if (qmin != qmax).any() or int(qmax.sum()) != n_add:
        return {}, "the quotas do not fix every district's number of sites"
    a = problem.cover.tocsc()[:, np.flatnonzero(el)].tocsr()
    rows = np.flatnonzero(np.diff(a.indptr) > 0)
    if len(rows):
        d = dist[el][a.indices]
        starts = a.indptr[rows]
        if (np.minimum.reduceat(d, starts) != np.maximum.reduceat(d, starts)).any():
            return {}, "districts share coverable demand rows"
    c = problem.conflicts
    if c is not None and c.nnz:
        cc = c.tocoo()
        both = el[cc.row] & el[cc.col]
        if (dist[cc.row[both]] != dist[cc.col[both]]).any():
            return {}, "spacing pairs cross district borders"
    return {int(d): int(q) for d, q in zip(present, qmax, strict=True) if q > 0}, ""


def solve_max_cover(
    problem: Problem,
    n_add: int,
    *,
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    reproducible: bool = False,
) -> tuple[Solution, dict[str, Any]]:
    """Solve one maximal-coverage stage with the reductions, local search and bounds.

    Parameters
    ----------
    problem
        The stage's problem (rows reduced).
    n_add
        Sites to add.
    solver
        ``"greedy"`` (greedy, swaps, Lagrangian bound) or ``"exact"`` (then HiGHS).
    time_limit_s, mip_gap
        Exact solver's limits (split by district: each district gets ``time_limit_s`` x its
        share of the sites, at least 1 s, from when its solve starts).
    reproducible
        Run the swap search to its local optimum and the Lagrangian bound to its step limit
        (``LAGRANGE_ITERATIONS``) or target gap, with no wall-clock budget: the same plan and
        bound on every machine, however fast or busy (HiGHS keeps ``time_limit_s``).

    Returns
    -------
    tuple
        The solution (positions of the original problem, unranked) and what each step did.

    Raises
    ------
    InfeasibleError
        The rules admit no plan.

    """
    t0 = time.perf_counter()
    parts, why = decomposable(problem, n_add)
    if not parts or len(parts) < 2:
        sol, info = _solve_one(problem, n_add, solver, t0 + time_limit_s, mip_gap, reproducible)
        info["decomposition"] = why or "one district"
        return sol, info
    tasks, cols = district_tasks(problem, parts, solver=solver, time_limit_s=time_limit_s,
                                 mip_gap=mip_gap, reproducible=reproducible)  # fmt: skip
    results = run_district_tasks(solve_district, tasks)
    for r in results:
        log.info("district %s: %s, %.2f s on %s", r.name, r.solution.status, r.seconds, r.worker)
    sols = [r.solution for r in results]
    info = _sum_infos([r.info for r in results])
    info["decomposition"] = f"by district ({len(parts)} parts)"
    statuses = {s.status for s in sols}
    return Solution(
        selected=np.concatenate([c[s.selected] for c, s in zip(cols, sols, strict=True)]),
        gains=np.concatenate([s.gains for s in sols]),
        objective=float(sum(s.objective for s in sols)),
        bound=float(sum(s.bound for s in sols)),
        solver=solver,
        status=statuses.pop() if len(statuses) == 1 else _mixed_status(statuses),
        runtime_s=time.perf_counter() - t0,
    ), info


def district_tasks(
    problem: Problem,
    parts: dict[int, int],
    *,
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    reproducible: bool = False,
) -> tuple[list[DistrictTask], list[IntArray]]:
    """One task per district of a split stage: its own candidates and the rows they touch.

    The sub-problem keeps the district's eligible candidates (columns) and the demand rows
    any of them covers, in their order, unmerged: the solve shrinks it to the same problem
    as it would the whole stage restricted to the district, and the spacing pairs and row
    needs of other districts no longer hold back its dominance test. Its time share is
    ``time_limit_s`` x its sites / the stage's sites, at least 1 s, whatever the others take.

    Parameters
    ----------
    problem
        The stage's problem (with district codes; :func:`decomposable` said it splits).
    parts
        Sites per district code.
    solver, time_limit_s, mip_gap, reproducible
        As for :func:`solve_max_cover`.

    Returns
    -------
    tuple
        The tasks and, for each, the stage position of each of its columns.

    Raises
    ------
    UsageError
        The problem has no district codes.

    """
    if problem.district is None:
        raise UsageError("district_tasks: the problem has no district codes (Problem.district)")
    n_add = sum(parts.values())
    a = problem.cover.tocsc()
    need = None if problem.need is None else problem.row_need()
    names = problem.district_names
    tasks, cols = [], []
    for d, q in parts.items():
        c = np.flatnonzero(problem.eligible & (problem.district == d))
        sub = a[:, c]
        rows = np.flatnonzero(np.diff(sub.tocsr().indptr) > 0)
        conflicts = problem.conflicts
        part = Problem(
            cover=sub[rows].tocsc(),
            weight=np.asarray(problem.weight)[rows],
            eligible=np.ones(len(c), dtype=bool),
            need=None if need is None else need[rows],
            conflicts=None if conflicts is None else conflicts[c][:, c].tocsr(),
            cost=None if problem.cost is None else problem.cost[c],
        )
        name = names[d] if names is not None and 0 <= d < len(names) else f"district {d}"
        share = max(time_limit_s * q / n_add, 1.0) if n_add else 1.0
        tasks.append(DistrictTask(name, part, q, solver, share, mip_gap, reproducible))
        cols.append(c.astype(np.int64))
    return tasks, cols


def solve_district(task: DistrictTask) -> tuple[Solution, dict[str, Any]]:
    """Solve one district's task (here or on a worker): the stage solve on its sub-problem.

    Parameters
    ----------
    task
        From :func:`district_tasks`.

    Returns
    -------
    tuple
        The solution (positions of the task's sub-problem, unranked) and what each step did.

    """
    deadline = time.perf_counter() + task.time_limit_s
    return _solve_one(
        task.problem, task.n_add, task.solver, deadline, task.mip_gap, task.reproducible
    )


def _mixed_status(statuses: set[str]) -> str:
    """Status of parts solved with different outcomes."""
    if statuses <= {"optimal", STATUS_GAP_MET}:
        return STATUS_GAP_MET
    return "time_limit" if "time_limit" in statuses else "feasible"


def _sum_infos(infos: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts added over the parts, lists joined; other entries from the first part."""
    out: dict[str, Any] = {}
    for info in infos:
        for k, v in info.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[k] = out.get(k, 0) + v
            elif isinstance(v, list):  # e.g. the time budgets any part reached
                out[k] = [*out.get(k, []), *(x for x in v if x not in out.get(k, []))]
            else:
                out.setdefault(k, v)
    return out


def _shrink(problem: Problem, n_add: int, info: dict[str, Any]) -> tuple[Problem, IntArray]:
    """Dominated and ineligible candidates out, rows merged again."""
    t0 = time.perf_counter()
    dominated, dinfo = dominated_columns(problem, n_add)
    info.update(dinfo)
    t1 = time.perf_counter()
    info["time_dominance_s"] = round(t1 - t0, 3)
    keep = problem.eligible & ~dominated
    small, cols = compact(replace(problem, eligible=keep), keep)
    info["time_merge_s"] = round(time.perf_counter() - t1, 3)
    info["columns_left"] = len(cols)
    info["rows_merged_after_columns"] = int(problem.cover.shape[0] - small.cover.shape[0])
    info["rows_final"] = int(small.cover.shape[0])
    return small, cols


def _budgets_hit(info: dict[str, Any], hit: list[str], swap_s: float, lag_s: float) -> None:
    """Record (``solver_info.time_budgets_hit``) and say that a time budget cut the search.

    The swap search and the Lagrangian bound stop at wall-clock budgets; when one is reached,
    a faster or busier machine may end with other sites or another gap.
    """
    info["time_budgets_hit"] = hit
    log.warning(
        "optimizer: the %s stopped at %s time budget (swaps %g s, bound %g s): the plan "
        "and its proven gap hold, but a faster or busier machine may find other sites or "
        "another gap (optimize.reproducible = true, or --reproducible: the same on every "
        "machine)",
        " and the ".join(hit),
        "its" if len(hit) == 1 else "their",
        swap_s,
        lag_s,
    )


def _budgets(solver: str, reproducible: bool, info: dict[str, Any]) -> tuple[float, float]:
    """Wall-clock budgets of the swap search and the Lagrangian bound (seconds).

    None (infinite) when ``reproducible``: the steps alone stop them (recorded as
    ``solver_info.budgets``: ``"steps"`` or ``"time"``).
    """
    info["budgets"] = "steps" if reproducible else "time"
    if reproducible:
        return math.inf, math.inf
    if solver == "exact":
        return SWAP_TIME_EXACT_S, LAGRANGE_TIME_EXACT_S
    return SWAP_TIME_S, LAGRANGE_TIME_S


def _heuristic(
    small: Problem,
    n_add: int,
    solver: str,
    mip_gap: float,
    info: dict[str, Any],
    reproducible: bool = False,
) -> tuple[Solution | None, Any]:
    """Greedy, swaps and the Lagrangian bound on the shrunk problem."""
    swap_s, lag_s = _budgets(solver, reproducible, info)
    t0 = time.perf_counter()
    sol = greedy_mclp(small, n_add, partial=True)
    if len(sol.selected) < n_add:  # spacing or a tight budget can defeat greedy: HiGHS decides
        info["greedy"] = f"placed {len(sol.selected)} of {n_add}: HiGHS searched"
        info["greedy_placed"] = len(sol.selected)
        return None, None
    info["greedy_objective"] = round(sol.objective, 6)
    t1 = time.perf_counter()
    info["time_greedy_s"] = round(t1 - t0, 3)
    best, obj = sol.selected, sol.objective
    if (small.row_need() <= 1).all():
        best, obj, swaps = swap_search(small, best, time_s=swap_s)
        info["swaps"] = swaps
    t2 = time.perf_counter()
    info["time_swaps_s"] = round(t2 - t1, 3)
    target = LAGRANGE_TARGET_GAP if solver != "exact" else min(LAGRANGE_TARGET_GAP, mip_gap / 2)
    lag = lagrangian_bound(
        small, n_add, best_objective=obj, start=best, target_gap=target, time_s=lag_s
    )
    info["lagrange_iterations"] = lag.iterations
    info["time_lagrange_s"] = round(time.perf_counter() - t2, 3)
    t3 = time.perf_counter()
    if lag.selected is not None and lag.objective > obj:
        if (small.row_need() <= 1).all():
            best, obj, more = swap_search(small, lag.selected, time_s=swap_s)
        else:
            best, obj, more = lag.selected, lag.objective, 0
        info["swaps"] = info.get("swaps", 0) + more
    hit = [name for name, stopped in (
        ("swap search", max(t2 - t1, time.perf_counter() - t3) >= swap_s),
        ("Lagrangian bound", lag.timed_out),
    ) if stopped]  # fmt: skip
    if hit:
        _budgets_hit(info, hit, swap_s, lag_s)
    bound = min(sol.bound, lag.bound)
    info["bound_method"] = "lagrangian" if lag.bound <= sol.bound else "greedy"
    out = Solution(
        selected=np.asarray(best, dtype=np.int64),
        gains=np.zeros(len(best)),
        objective=float(obj),
        bound=max(bound, float(obj)),
        solver="greedy",
        status="feasible",
        runtime_s=0.0,
    )
    return out, lag


def _info_text(info: dict[str, Any]) -> str:
    """The solver's record as ``key=value`` pairs, numbers rounded to 6 significant digits."""

    def one(value: Any) -> str:
        if isinstance(value, (float, np.floating)):
            return f"{float(value):.6g}"
        return str(value.item() if isinstance(value, np.generic) else value)

    return ", ".join(f"{k}={one(v)}" for k, v in info.items())


def _solve_one(
    problem: Problem,
    n_add: int,
    solver: str,
    deadline: float,
    mip_gap: float,
    reproducible: bool = False,
) -> tuple[Solution, dict[str, Any]]:
    """Shrink, heuristics and bound, then (``exact``) HiGHS on what the bound leaves open."""
    t0 = time.perf_counter()
    info: dict[str, Any] = {"columns": int(problem.n_candidates)}
    small, cols = _shrink(problem, n_add, info)
    sol, lag = _heuristic(small, n_add, solver, mip_gap, info, reproducible)
    open_gap = sol is None or sol.gap > mip_gap
    open_gap = open_gap or (sol.gap > 1e-9 and small.n_candidates <= EXACT_SMALL_COLUMNS)
    if sol is None or (solver == "exact" and open_gap):
        try:
            sol = _exact(small, n_add, sol, lag, max(deadline - time.perf_counter(), 1.0),
                         mip_gap, info)  # fmt: skip
        except InfeasibleError as e:
            if sol is not None or isinstance(e, SolverLimitError):
                raise  # a time limit proves nothing: its own message
            from harbor_planner.optimize.capacity import infeasible_advice

            raise InfeasibleError(
                f"only {info['greedy_placed']} of the {n_add} requested sites could be placed "
                f"by greedy under the rules ({small.rules()}), and HiGHS proved that no plan "
                f"of {n_add} exists; {infeasible_advice(small, n_add)}"
            ) from e
    elif solver == "exact":  # the bound already meets mip_gap: HiGHS is not needed
        sol = replace(sol, solver="exact", status=gap_status("optimal", sol.gap))
    assert sol is not None
    if sol.status == "feasible" and sol.gap <= OPTIMAL_REL_GAP:  # greedy's plan proven best
        sol = replace(sol, status="optimal")
    log.info("stage solve: %s (%.2f s)", _info_text(info), time.perf_counter() - t0)
    return replace(sol, selected=cols[sol.selected], runtime_s=time.perf_counter() - t0), info


def _exact(
    small: Problem,
    n_add: int,
    warm: Solution | None,
    lag: Any,
    time_limit_s: float,
    mip_gap: float,
    info: dict[str, Any],
) -> Solution:
    """HiGHS on the candidates the Lagrangian bound cannot rule out."""
    keep = small.eligible.copy()
    fixed_bound = -np.inf
    if warm is not None and lag is not None and small.quota_max is None:
        c = lag.values
        x = top_choice(c, n_add, small.eligible)
        in_x = np.zeros(len(c), dtype=bool)
        in_x[x] = True
        floor = float(c[x].min()) if len(x) else 0.0
        forced = lag.row_part + float(c[x].sum()) - floor + c  # bound with site j forced in
        lb = warm.objective
        fix = small.eligible & ~in_x & (forced < lb * (1 - 1e-9) - 1e-9)
        if fix.any():
            fixed_bound = float(forced[fix].max())
            keep &= ~fix
        info["columns_fixed_by_bound"] = int(fix.sum())
    part, cols = compact(replace(small, eligible=keep), keep)
    start = None
    if warm is not None:
        pos = np.full(small.n_candidates, -1)
        pos[cols] = np.arange(len(cols))
        start = replace(warm, selected=pos[warm.selected])
        if (start.selected < 0).any():
            start = None
    ex = milp(part, n_add=n_add, warm=start, time_limit_s=time_limit_s, mip_gap=mip_gap)
    obj = plan_value(part.cover.tocsc(), part.weight, part.row_need(), ex.selected)
    chosen = cols[ex.selected]
    bound = max(ex.bound, fixed_bound)
    if warm is not None:
        bound = min(bound, warm.bound)
        if warm.objective > obj + 1e-9:
            chosen, obj = warm.selected, warm.objective
    info["bound_method"] = "highs" if warm is None or ex.bound <= warm.bound else info.get(
        "bound_method", "lagrangian")  # fmt: skip
    sol = Solution(
        selected=np.asarray(chosen, dtype=np.int64),
        gains=np.zeros(len(chosen)),
        objective=float(obj),
        bound=max(bound, float(obj)),
        solver="exact",
        status=ex.status,
        runtime_s=ex.runtime_s,
    )
    if sol.gap <= mip_gap:
        sol = replace(sol, status="optimal")
    return replace(sol, status=gap_status(sol.status, sol.gap))

"""Solvers for maximal coverage (MCLP) and set cover (LSCP) on a reduced coverage problem.

* :func:`greedy_mclp`: lazy greedy (CELF) with deterministic tie-breaking (lower index first)
  and the online bound of Minoux / Leskovec et al.: for any set ``S``,
  ``OPT <= f(S) + sum of the N largest marginal gains at S``; stale (lazy) gains are upper
  bounds of the true ones, so the bound stays valid and costs one partial sort per step.
* :func:`milp`: the exact model through HiGHS (``highspy``), warm-started from greedy, with a
  time limit; it returns the best solution found and the proven bound.

Both work on a :class:`Problem`: demand rows already covered by fixed stations are gone and
rows with the same set of covering candidates are merged (their weights summed), which keeps
the exact model small.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csc_matrix, csr_matrix, hstack, identity, vstack

from harbor_planner.errors import DependencyError, InfeasibleError

__all__ = ["Problem", "Solution", "greedy_lscp", "greedy_mclp", "milp"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Problem:
    """A reduced site-selection problem.

    Attributes
    ----------
    cover
        CSC boolean matrix, reduced demand rows x candidates.
    weight
        Weight of each reduced row.
    need
        How many more covers each row counts for (``None``: one each).
    eligible
        Candidates that may be chosen at all.
    conflicts
        Symmetric CSR boolean matrix of candidate pairs that may not both be chosen
        (minimum spacing), or ``None``.
    district
        District code of each candidate (``-1`` for none), or ``None``.
    quota_min, quota_max
        Per district code: least and most new sites, or ``None``.
    cost
        Cost of each candidate, or ``None``.
    budget
        Upper bound on the total cost, or ``None``.

    """

    cover: csc_matrix
    weight: FloatArray
    eligible: BoolArray
    need: IntArray | None = None
    conflicts: csr_matrix | None = None
    district: IntArray | None = None
    quota_min: IntArray | None = None
    quota_max: IntArray | None = None
    cost: FloatArray | None = None
    budget: float | None = None

    @property
    def n_candidates(self) -> int:
        """Number of candidates."""
        return self.cover.shape[1]

    def row_need(self) -> IntArray:
        """How many more covers each row counts for."""
        if self.need is None:
            return np.ones(self.cover.shape[0], dtype=np.int64)
        return np.asarray(self.need, dtype=np.int64)


@dataclass(frozen=True)
class Solution:
    """Chosen candidates and what is known about their optimality.

    Attributes
    ----------
    selected
        Candidate positions, in the order they were added.
    gains
        Weight each added candidate newly covered, in that order.
    objective
        MCLP: total weight newly covered. LSCP: number of sites.
    bound
        Proven bound on the best objective: an upper bound for MCLP (``sense="max"``), a lower
        bound on the number of sites for LSCP (``sense="min"``).
    solver
        ``"greedy"`` or ``"exact"``.
    status
        ``"optimal"``, ``"time_limit"``, ``"feasible"``...
    runtime_s
        Solve time.

    """

    selected: IntArray
    gains: FloatArray
    objective: float
    bound: float
    solver: str
    status: str
    runtime_s: float
    sense: str = "max"

    @property
    def gap(self) -> float:
        """Proven relative optimality gap: ``|bound - objective| / max(bound, objective)``."""
        if not np.isfinite(self.bound):
            return float("inf")
        top = max(abs(self.bound), abs(self.objective))
        if top <= 0:
            return 0.0
        diff = self.bound - self.objective if self.sense == "max" else self.objective - self.bound
        return max(0.0, diff / top)


def _top_sum(values: FloatArray, k: int) -> float:
    if k <= 0 or values.size == 0:
        return 0.0
    if k >= values.size:
        return float(values.sum())
    return float(np.partition(values, values.size - k)[values.size - k :].sum())


def greedy_mclp(problem: Problem, n_add: int, *, order_only: bool = False) -> Solution:
    """Lazy greedy for maximal coverage with spacing, quotas and a budget.

    Parameters
    ----------
    problem
        The reduced problem.
    n_add
        Number of sites to add.
    order_only
        Rank the eligible candidates (used to order an exact solution): no bound.

    Raises
    ------
    InfeasibleError
        Fewer than ``n_add`` sites could be placed under the constraints.

    """
    t0 = time.perf_counter()
    a = problem.cover
    need = problem.row_need()
    w = np.where(need > 0, problem.weight, 0.0)
    gain = np.asarray(a.T @ w, dtype=np.float64).ravel()
    eligible = problem.eligible.copy()
    cost = problem.cost
    use_ratio = problem.budget is not None and cost is not None
    key = gain / np.maximum(cost, 1e-12) if use_ratio else gain
    stale = np.where(eligible, gain, 0.0)
    heap = [(-float(key[j]), int(j)) for j in np.flatnonzero(eligible)]
    heapq.heapify(heap)
    got = np.zeros(len(w), dtype=np.int64)
    district = problem.district
    count = None
    if district is not None and problem.quota_max is not None:
        count = np.zeros(len(problem.quota_max), dtype=np.int64)
    spent = 0.0
    selected: list[int] = []
    gains: list[float] = []
    f = 0.0
    bound = np.inf

    def allowed(j: int) -> bool:
        if not eligible[j]:
            return False
        if count is not None and district is not None and district[j] >= 0:
            d = district[j]
            if count[d] >= problem.quota_max[d]:
                return False
            need = np.maximum(problem.quota_min - count, 0)
            if need.sum() >= n_add - len(selected) and need[d] == 0:
                return False
        elif count is not None:
            need = np.maximum(problem.quota_min - count, 0)
            if need.sum() >= n_add - len(selected):
                return False
        return not (use_ratio and spent + cost[j] > problem.budget + 1e-9)

    while len(selected) < n_add:
        if not order_only:
            bound = min(bound, f + _top_sum(stale, n_add))
        pick = -1
        while heap:
            neg, j = heapq.heappop(heap)
            if not allowed(j):
                continue
            rows = a.indices[a.indptr[j] : a.indptr[j + 1]]
            true = float(w[rows][got[rows] < need[rows]].sum())
            stale[j] = true
            k = true / max(cost[j], 1e-12) if use_ratio else true
            if k >= -neg - 1e-9 * max(1.0, abs(neg)):
                pick = j
                break
            heapq.heappush(heap, (-k, j))
        if pick < 0:
            break
        rows = a.indices[a.indptr[pick] : a.indptr[pick + 1]]
        got[rows] += 1
        f += stale[pick]
        gains.append(stale[pick])
        stale[pick] = 0.0
        selected.append(pick)
        eligible[pick] = False
        if problem.conflicts is not None:
            c = problem.conflicts
            eligible[c.indices[c.indptr[pick] : c.indptr[pick + 1]]] = False
        if count is not None and district is not None and district[pick] >= 0:
            count[district[pick]] += 1
        if use_ratio:
            spent += float(cost[pick])
    if len(selected) < n_add and not order_only:
        raise InfeasibleError(
            f"only {len(selected)} of the {n_add} requested sites could be placed under the "
            "constraints (minimum spacing, quotas, budget, excluded sites); relax them or ask "
            "for fewer sites"
        )
    if not order_only:
        bound = min(bound, f + _top_sum(stale, n_add))
    return Solution(
        selected=np.asarray(selected, dtype=np.int64),
        gains=np.asarray(gains),
        objective=f,
        bound=float(bound),
        solver="greedy",
        status="feasible",
        runtime_s=time.perf_counter() - t0,
    )


def greedy_lscp(problem: Problem, needed: float) -> Solution:
    """Greedy set cover: add the best site until ``needed`` weight is newly covered.

    The bound reported is a lower bound on the number of sites: the fewest sites whose
    largest first-step gains add up to ``needed``.
    """
    t0 = time.perf_counter()
    a = problem.cover
    w = problem.weight
    gain = np.where(problem.eligible, np.asarray(a.T @ w).ravel(), 0.0)
    top = np.sort(gain)[::-1]
    reach = np.cumsum(top)
    if needed > 0 and (reach.size == 0 or reach[-1] < needed - 1e-9):
        raise InfeasibleError(
            "the target cannot be reached: all candidates together cover "
            f"{(reach[-1] if reach.size else 0):,.1f} more, {needed:,.1f} are needed"
        )
    lower = int(np.searchsorted(reach, needed - 1e-9) + 1) if needed > 0 else 0
    heap = [(-float(gain[j]), int(j)) for j in np.flatnonzero(problem.eligible)]
    heapq.heapify(heap)
    covered = np.zeros(len(w), dtype=bool)
    eligible = problem.eligible.copy()
    f = 0.0
    selected: list[int] = []
    gains: list[float] = []
    while f < needed - 1e-9 and heap:
        neg, j = heapq.heappop(heap)
        if not eligible[j]:
            continue
        rows = a.indices[a.indptr[j] : a.indptr[j + 1]]
        true = float(w[rows][~covered[rows]].sum())
        if true < -neg - 1e-9 * max(1.0, abs(neg)):
            heapq.heappush(heap, (-true, j))
            continue
        if true <= 0:
            break
        covered[rows] = True
        f += true
        selected.append(j)
        gains.append(true)
        eligible[j] = False
        if problem.conflicts is not None:
            c = problem.conflicts
            eligible[c.indices[c.indptr[j] : c.indptr[j + 1]]] = False
    if f < needed - 1e-9:
        raise InfeasibleError(
            f"the target cannot be reached under the spacing constraint: {len(selected)} sites "
            f"cover {f:,.1f} more, {needed:,.1f} are needed"
        )
    return Solution(
        selected=np.asarray(selected, dtype=np.int64),
        gains=np.asarray(gains),
        objective=float(len(selected)),
        bound=float(lower),
        solver="greedy",
        status="feasible",
        runtime_s=time.perf_counter() - t0,
        sense="min",
    )


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the process's C-level standard output for the duration of the block."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _highs():
    try:
        import highspy
    except ImportError:  # pragma: no cover - highspy is a dependency
        raise DependencyError(
            "the exact solver needs highspy: pip install highspy (or use --solver greedy)"
        ) from None
    return highspy


def _run_highs(
    hs: Any,
    lp: Any,
    start: IntArray | None,
    mclp: bool,
    time_limit_s: float,
    mip_gap: float,
) -> tuple[str, Any, FloatArray | None]:
    """Solve the model once; returns the status text, HiGHS' info and the column values."""
    with _quiet_stdout():  # HiGHS prints a banner on stdout when constructed
        h = hs.Highs()
    h.silent()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    if start is not None:
        # a sparse start naming only the chosen sites: HiGHS completes the rest itself
        idx = np.asarray(start, dtype=np.int32)
        h.setSolution(len(idx), idx, np.ones(len(idx)))
        if not mclp:
            h.setOptionValue("presolve", "off")  # see the consistency check in milp()
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    values = np.asarray(h.getSolution().col_value)
    if values.size != lp.num_col_ or info.primal_solution_status == 0:
        values = None
    return status, info, values


def milp(
    problem: Problem,
    *,
    n_add: int | None = None,
    needed: float | None = None,
    warm: Solution | None = None,
    time_limit_s: float = 600.0,
    mip_gap: float = 1e-4,
) -> Solution:
    """Solve MCLP (``n_add``) or LSCP (``needed``) exactly with HiGHS.

    Parameters
    ----------
    problem
        The reduced problem.
    n_add
        MCLP: choose exactly this many sites, maximising newly covered weight.
    needed
        LSCP: newly cover at least this weight with the fewest sites.
    warm
        A feasible solution to start from (greedy).
    time_limit_s
        Stop after this long and return the best solution found.
    mip_gap
        Stop when the proven relative gap is below this.

    Raises
    ------
    InfeasibleError
        The constraints admit no solution.

    """
    hs = _highs()
    t0 = time.perf_counter()
    a = problem.cover.tocsr().astype(np.float64)
    n_r, n_c = a.shape
    w = problem.weight
    need = problem.row_need()
    mclp = n_add is not None
    # columns: x (candidates) then y (rows)
    col_cost = (
        np.concatenate([np.zeros(n_c), -w])
        if mclp
        else np.concatenate([np.ones(n_c), np.zeros(n_r)])
    )
    col_lower = np.zeros(n_c + n_r)
    col_upper = np.concatenate([problem.eligible.astype(float), problem.row_need().astype(float)])
    blocks = [hstack([-a, identity(n_r, format="csr")], format="csr")]
    lo = [np.full(n_r, -np.inf)]
    hi = [np.zeros(n_r)]
    zeros_r = csr_matrix((1, n_r))
    if mclp:
        blocks.append(hstack([csr_matrix(np.ones((1, n_c))), zeros_r], format="csr"))
        lo.append(np.array([float(n_add)]))
        hi.append(np.array([float(n_add)]))
    else:
        blocks.append(hstack([csr_matrix((1, n_c)), csr_matrix(w.reshape(1, -1))], format="csr"))
        lo.append(np.array([float(needed)]))
        hi.append(np.array([np.inf]))
    if problem.district is not None and problem.quota_max is not None:
        n_d = len(problem.quota_max)
        has = problem.district >= 0
        q = csr_matrix(
            (np.ones(has.sum()), (problem.district[has], np.flatnonzero(has))), shape=(n_d, n_c)
        )
        blocks.append(hstack([q, csr_matrix((n_d, n_r))], format="csr"))
        lo.append(problem.quota_min.astype(float))
        hi.append(problem.quota_max.astype(float))
    if problem.budget is not None and problem.cost is not None:
        blocks.append(hstack([csr_matrix(problem.cost.reshape(1, -1)), zeros_r], format="csr"))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(problem.budget)]))
    if problem.conflicts is not None and problem.conflicts.nnz:
        c = problem.conflicts.tocoo()
        upper = c.row < c.col
        i, j = c.row[upper], c.col[upper]
        m = len(i)
        pairs = csr_matrix(
            (np.ones(2 * m), (np.repeat(np.arange(m), 2), np.column_stack([i, j]).ravel())),
            shape=(m, n_c),
        )
        blocks.append(hstack([pairs, csr_matrix((m, n_r))], format="csr"))
        lo.append(np.full(m, -np.inf))
        hi.append(np.ones(m))
    mat = vstack(blocks, format="csr")
    mat.sort_indices()

    lp = hs.HighsLp()
    lp.num_col_ = n_c + n_r
    lp.num_row_ = mat.shape[0]
    lp.col_cost_ = col_cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.concatenate(lo)
    lp.row_upper_ = np.concatenate(hi)
    lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(np.float64)
    lp.a_matrix_.num_col_ = n_c + n_r
    lp.a_matrix_.num_row_ = mat.shape[0]
    lp.integrality_ = [hs.HighsVarType.kInteger] * n_c + [hs.HighsVarType.kContinuous] * n_r
    start = None if warm is None or not len(warm.selected) else warm.selected
    status, info, values = _run_highs(hs, lp, start, mclp, time_limit_s, mip_gap)
    if values is not None and start is not None:
        chosen = np.flatnonzero(values[:n_c] > 0.5)
        claimed = info.objective_function_value
        hits = np.asarray(a[:, chosen].sum(axis=1)).ravel()
        real = -float((w * np.minimum(hits, need)).sum()) if mclp else float(len(chosen))
        if claimed < real - 1e-6 * max(1.0, abs(real)):
            # HiGHS 1.16 can report an objective its returned solution does not have after a
            # user-supplied start (seen in the set-cover model): solve again from scratch
            log.warning("HiGHS gave an inconsistent answer after the warm start; re-solving")
            status, info, values = _run_highs(hs, lp, None, mclp, time_limit_s, mip_gap)
    if values is None:
        if warm is not None:
            log.warning("HiGHS found no solution (%s); keeping the greedy one", status)
            return warm
        raise InfeasibleError(
            f"the exact model has no solution ({status}): the constraints (quotas, spacing, "
            "budget) cannot all be met"
        )
    chosen = np.flatnonzero(values[:n_c] > 0.5)
    if mclp:
        hits = np.asarray(a[:, chosen].sum(axis=1)).ravel()
        objective = float((w * np.minimum(hits, need)).sum())
        bound = max(-float(info.mip_dual_bound), objective)
        if warm is not None and warm.objective > objective + 1e-9:
            log.warning("HiGHS returned a worse solution than greedy; keeping greedy's")
            return Solution(warm.selected, warm.gains, warm.objective, bound, "exact",
                            "time_limit", time.perf_counter() - t0)  # fmt: skip
    else:
        objective = float(len(chosen))
        bound = float(np.ceil(info.mip_dual_bound - 1e-6))
        bound = min(bound, objective)
    label = {"Optimal": "optimal", "Time limit reached": "time_limit"}.get(status, status)
    log.info(
        "HiGHS: %s, objective %.6g, bound %.6g (%.2f s, %d rows x %d columns)",
        status,
        objective,
        bound,
        time.perf_counter() - t0,
        mat.shape[0],
        n_c + n_r,
    )
    return Solution(
        selected=chosen.astype(np.int64),
        gains=np.zeros(len(chosen)),
        objective=objective,
        bound=bound,
        solver="exact",
        status=label,
        runtime_s=time.perf_counter() - t0,
        sense="max" if mclp else "min",
    )

"""A proven upper bound for maximal coverage: Lagrangian relaxation of the coverage rows.

The model: maximise ``sum_i w_i y_i`` subject to ``y_i <= sum_j a_ij x_j`` (each row ``i``
counts up to ``need_i`` covers, ``0 <= y_i <= need_i``), ``sum_j x_j = p``, district quotas
``min_d <= sum_{j in d} x_j <= max_d`` and ``x`` binary. Moving the coverage rows into the
objective with multipliers ``u_i >= 0`` gives, for every ``u``, an upper bound on the optimum::

    L(u) = sum_i need_i * max(0, w_i - u_i) + max_{x feasible} sum_j c_j x_j,  c = A^T u

The inner maximum is the ``p`` largest ``c_j`` (with quotas: the ``min_d`` best of each
district first, then the best of the rest within each ``max_d``). Spacing rules are left out
of the inner problem (the bound is then weaker but still valid); a budget is priced in at the
end, at the best multipliers (:func:`_with_budget`). ``L`` is
minimised over ``0 <= u <= w`` by projected, deflected subgradient steps (0.7 times
the last direction added) of Polyak's length towards the best objective known; every inner solution
is also a plan, scored and kept when better (Lagrangian heuristic; only when spacing and
budget do not apply, since it ignores them).
The bound reported is recomputed in double precision at the best multipliers.

Cover mode (the fewest sites to a target) asks the same bound the other way round
(:func:`cover_lower_bound`): ``k`` sites cannot newly cover ``needed`` when some ``u`` makes
``L(u)`` with ``p = k`` fall below it, so the fewest sites is searched by bisection on ``k``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from harbor_planner.optimize.solvers import Problem
from harbor_planner.settings import LAGRANGE_ITERATIONS, LAGRANGE_TIME_S

__all__ = [
    "CoverBound",
    "LagrangeResult",
    "cover_lower_bound",
    "lagrangian_bound",
    "plan_value",
    "top_choice",
    "whole_plan_bound",
]

log = logging.getLogger(__name__)

# step rule (tuned on the 374k-node mosaic, 2,000 sites): Polyak length times theta, theta
# halved after _STALL steps without a better bound, direction deflected by _DEFLECT times the
# last one; the inner plans are scored every _SCORE_EVERY steps.
_THETA0, _STALL, _DEFLECT, _SCORE_EVERY = 1.0, 10, 0.7, 5

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LagrangeResult:
    """What the Lagrangian relaxation proved and found.

    Attributes
    ----------
    bound
        Proven upper bound on the newly covered weight.
    values
        ``c = A^T u`` at the best multipliers, per candidate (double precision).
    row_part
        ``sum_i need_i max(0, w_i - u_i)`` at the best multipliers.
    selected
        The best plan the inner problems gave (``None`` when none was usable or better).
    objective
        Its newly covered weight.
    iterations
        Subgradient steps taken.
    timed_out
        Whether the time budget stopped the steps (rather than the step limit, the target
        gap or the step size).

    """

    bound: float
    values: FloatArray
    row_part: float
    selected: IntArray | None
    objective: float
    iterations: int
    timed_out: bool = False


def top_choice(
    values: FloatArray,
    n_add: int,
    eligible: BoolArray,
    district: IntArray | None = None,
    quota_min: IntArray | None = None,
    quota_max: IntArray | None = None,
) -> IntArray:
    """The eligible candidates of largest total value, ``n_add`` of them, within the quotas.

    Without quotas the ``n_add`` largest values; with them the ``quota_min`` best of each
    district, then the best of the rest while each district stays within ``quota_max``
    (optimal for separable limits: within a district the values are taken best first).
    """
    cand = np.flatnonzero(eligible)
    v = values[cand]
    if district is None or quota_max is None:
        if n_add >= len(cand):
            return cand
        part = np.argpartition(-v, n_add - 1)[:n_add]
        return cand[part]
    d = district[cand]
    order = np.lexsort((-v, d))  # by district, best first
    d_sorted = d[order]
    starts = np.searchsorted(d_sorted, d_sorted, side="left")
    rank = np.arange(len(order)) - starts
    qmin = np.zeros(len(quota_max), np.int64) if quota_min is None else quota_min
    has = d_sorted >= 0
    lo = np.where(has, qmin[np.maximum(d_sorted, 0)], 0)
    hi = np.where(has, quota_max[np.maximum(d_sorted, 0)], n_add)
    must = rank < lo
    may = (rank < hi) & ~must
    chosen = cand[order[must]]
    left = n_add - len(chosen)
    if left > 0:
        pool = cand[order[may]]
        pv = values[pool]
        if left < len(pool):
            pool = pool[np.argpartition(-pv, left - 1)[:left]]
        chosen = np.concatenate([chosen, pool])
    return chosen


def plan_value(a_csc: csr_matrix, weight: FloatArray, need: IntArray, chosen: IntArray) -> float:
    """Newly covered weight of the plan ``chosen`` (rows counted up to their need)."""
    a = a_csc
    lengths = np.diff(a.indptr)[chosen]
    starts = a.indptr[chosen]
    total = int(lengths.sum())
    if total == 0:
        return 0.0
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    pos = np.repeat(starts, lengths) + (np.arange(total) - offsets)
    hits = np.bincount(a.indices[pos], minlength=a.shape[0])
    return float((weight * np.minimum(hits, need)).sum())


def _values64(at: csr_matrix, u: FloatArray) -> FloatArray:
    """``A^T u`` in double precision, in chunks of candidates (no full float64 copy)."""
    n = at.shape[0]
    out = np.empty(n)
    step = 1 << 16
    for s in range(0, n, step):
        out[s : s + step] = at[s : s + step].astype(np.float64) @ u
    return out


def _initial_u(a, w: FloatArray, need: IntArray, start: IntArray | None) -> FloatArray:
    """First multipliers: ``w`` on rows the start plan leaves short, ``w / 2`` at their need.

    Rows covered beyond their need start at 0 (measured: the fastest descent of the three).
    """
    if start is None or not len(start):
        return 0.5 * w
    hits = _hits(a, start)
    return w * np.where(hits < need, 1.0, np.where(hits == need, 0.5, 0.0))


def _hits(a, chosen: IntArray) -> FloatArray:
    """Covers of each row by the columns ``chosen`` of the CSC matrix ``a``."""
    lengths = np.diff(a.indptr)[chosen]
    pos = np.repeat(a.indptr[chosen], lengths) + (
        np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    return np.bincount(a.indices[pos], minlength=a.shape[0]).astype(np.float64)


def lagrangian_bound(
    problem: Problem,
    n_add: int,
    *,
    best_objective: float,
    start: IntArray | None = None,
    iterations: int = LAGRANGE_ITERATIONS,
    time_s: float = LAGRANGE_TIME_S,
    target_gap: float = 1e-4,
    decide_at: float | None = None,
) -> LagrangeResult:
    """Minimise the Lagrangian bound of a maximal-coverage problem by subgradient steps.

    Parameters
    ----------
    problem
        The reduced problem (spacing and budget, if any, are relaxed away).
    n_add
        Sites to add.
    best_objective
        The best newly covered weight known (Polyak's target).
    start
        The best plan known (sets the first multipliers).
    iterations, time_s
        Most steps and seconds.
    target_gap
        Stop once ``(bound - best) / bound`` is below this.
    decide_at
        Stop as soon as the bound falls below this weight or an inner plan reaches it (the
        question is then only whether ``n_add`` sites can newly cover that much).

    Returns
    -------
    LagrangeResult

    """
    t0 = time.perf_counter()
    a = problem.cover.tocsc()
    w = np.asarray(problem.weight, dtype=np.float64)
    need = problem.row_need().astype(np.float64)
    at = a.T.tocsr().astype(np.float32)
    quotas = (problem.district, problem.quota_min, problem.quota_max)
    usable = problem.conflicts is None or not problem.conflicts.nnz
    usable = usable and problem.budget is None
    lb = float(best_objective)
    best_sel: IntArray | None = None
    u = _initial_u(a, w, need, start)
    best_l, best_u = np.inf, u.copy()
    theta, stall, steps = _THETA0, 0, 0
    prev = np.zeros_like(u)  # the last direction (deflected subgradient)
    timed_out = False
    # a budget is priced by one more multiplier, mu, on the budget row
    cost, budget = _budget_row_scaled(problem, at @ u.astype(np.float32), w, n_add)
    mu = 0.0
    for k in range(1, iterations + 1):
        steps = k
        c = np.asarray(at @ u.astype(np.float32), dtype=np.float64)
        v = c if cost is None else c - mu * cost
        x = top_choice(v, n_add, problem.eligible, *quotas)
        open_row = u < w
        val = float((need * np.maximum(w - u, 0.0)).sum() + v[x].sum())
        if cost is not None:
            val += mu * budget
        if val < best_l - 1e-12 * max(1.0, abs(val)):
            best_l, best_u, stall = val, u.copy(), 0
        else:
            stall += 1
            if stall >= _STALL:
                theta, stall = theta / 2, 0
        if usable and (k % _SCORE_EVERY == 0 or k == 1):
            score = plan_value(a, w, need.astype(np.int64), x)
            if score > lb + 1e-9 * max(1.0, lb):
                lb, best_sel = score, np.sort(x)
        if best_l - lb <= target_gap * best_l or theta < 1e-3:
            break
        # the steps' bound is in single precision: stop below it with room for the rounding
        if decide_at is not None and (best_l < decide_at * (1 - 1e-5) or lb >= decide_at):
            break
        if time.perf_counter() - t0 > time_s:
            timed_out = k < iterations
            break
        g = _hits(a, x) - need * open_row
        g = g + _DEFLECT * prev
        prev = g
        g_mu = 0.0 if cost is None else budget - float(cost[x].sum())
        norm = float(g @ g) + g_mu * g_mu
        if norm <= 0:
            break
        step = theta * max(val - lb, 1e-9 * max(1.0, lb)) / norm
        u = np.clip(u - step * g, 0.0, w)
        mu = max(0.0, mu - step * g_mu)
    c64 = _values64(at, best_u)
    x = top_choice(c64, n_add, problem.eligible, *quotas)
    row_part = float((need * np.maximum(w - best_u, 0.0)).sum())
    bound = row_part + min(float(c64[x].sum()), _with_budget(problem, n_add, c64))
    log.info(
        "Lagrangian bound %.6g after %d steps (%.2f s); best plan %.6g",
        bound,
        steps,
        time.perf_counter() - t0,
        lb,
    )
    return LagrangeResult(
        bound=bound,
        values=c64,
        row_part=row_part,
        selected=best_sel,
        objective=lb,
        iterations=steps,
        timed_out=timed_out,
    )


def _budget_row_scaled(
    problem: Problem, values: FloatArray, w: FloatArray, n_add: int
) -> tuple[FloatArray | None, float]:
    """The costs and the budget in a unit in which the budget's multiplier steps as the rows'.

    Costs in 元 or in 万元 must give the same bound: in raw currency the budget row's
    subgradient swamps the rows' (or vanishes beside them), and the multipliers never move.
    A site's cost is made about ``sqrt(value / weight)`` (its value at the first multipliers
    over a row's weight), where the budget's multiplier needs about as many steps as a row's.
    """
    if problem.budget is None or problem.cost is None:
        return None, 1.0
    cost = np.asarray(problem.cost, dtype=np.float64)
    paid = problem.eligible & (cost > 0)
    if not paid.any():
        return cost, float(problem.budget)
    k = max(1, min(n_add, int(paid.sum())))
    value = float(np.partition(np.asarray(values, np.float64)[paid], -k)[-k:].mean())
    row = float(w[w > 0].mean()) if (w > 0).any() else 1.0
    per_site = math.sqrt(value / row) if value > 0 and row > 0 else 1.0
    scale = float(cost[paid].mean()) / per_site
    return cost / scale, float(problem.budget) / scale


def _with_budget(problem: Problem, n_add: int, values: FloatArray, steps: int = 60) -> float:
    """The inner maximum with the budget priced in (``inf`` without a budget).

    That is ``min over mu >= 0`` of ``mu * budget + max_x sum_j (values_j - mu * cost_j) x_j``.
    Every ``mu`` gives a valid bound (weak duality on the budget row); the function is convex
    in ``mu``, minimised by golden-section search over ``[0, max value / cost]``.
    """
    if problem.budget is None or problem.cost is None:
        return np.inf
    cost = np.asarray(problem.cost, dtype=np.float64)
    quotas = (problem.district, problem.quota_min, problem.quota_max)

    def at(mu: float) -> float:
        v = values - mu * cost
        return mu * float(problem.budget) + float(v[top_choice(v, n_add, problem.eligible,
                                                               *quotas)].sum())  # fmt: skip

    pos = problem.eligible & (cost > 0)
    hi = float((np.maximum(values[pos], 0.0) / cost[pos]).max()) if pos.any() else 0.0
    lo, ratio = 0.0, (np.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = at(a), at(b)
    best = min(at(0.0), at(hi), fa, fb)
    for _ in range(steps):
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = at(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = at(b)
        best = min(best, fa, fb)
    return best


def whole_plan_bound(
    problem: Problem,
    n_add: int,
    *,
    chosen: IntArray,
    objective: float,
    time_s: float = LAGRANGE_TIME_S,
) -> LagrangeResult:
    """A proven upper bound on what a staged plan's sites could cover chosen all at once.

    A stage's bound holds given the stages before it. The staged plan is also one plan of
    ``n_add`` sites under the same rules, so the Lagrangian bound of that one-shot problem
    (spacing relaxed, which only raises it; a budget priced in) bounds it: the gap then says how far
    the roll-out is from the best ``n_add`` sites chosen together. The subgradient steps run
    to a 0.01 % gap, ``LAGRANGE_ITERATIONS`` or ``time_s``, whichever comes first.

    Parameters
    ----------
    problem
        The one-shot problem: no site taken, the whole quotas and budget.
    n_add
        All the stages' sites.
    chosen, objective
        The staged plan's sites (positions) and the weight they newly cover.
    time_s
        Time budget of the subgradient steps (``math.inf``: the steps alone stop them).

    Returns
    -------
    LagrangeResult
        Its ``bound`` raised to at least ``objective``.

    """
    lag = lagrangian_bound(problem, n_add, best_objective=objective,
                           start=np.asarray(chosen, dtype=np.int64), time_s=time_s)  # fmt: skip
    return replace(lag, bound=max(float(lag.bound), float(objective)))


@dataclass(frozen=True)
class CoverBound:
    """What the Lagrangian bound proved about the fewest sites reaching a target.

    Attributes
    ----------
    lower
        Proven: no plan of fewer sites newly covers the weight needed.
    plan
        Sites of a plan with fewer sites than the one given that reaches it (an inner
        solution of the relaxation), or ``None``.
    runs
        Bounds solved (one per count of sites tried).
    iterations
        Their subgradient steps in all.
    timed_out
        Whether the time budget cut the search (a run, or counts left untried).

    """

    lower: int
    plan: IntArray | None
    runs: int
    iterations: int
    timed_out: bool = False


def cover_lower_bound(
    problem: Problem,
    needed: float,
    *,
    selected: IntArray,
    gains: FloatArray,
    lower: int,
    time_s: float = LAGRANGE_TIME_S,
) -> CoverBound:
    """The fewest sites that can newly cover ``needed``: bisection on the Lagrangian bound.

    ``k`` sites cannot reach ``needed`` when the maximal-coverage bound ``L(u)`` of ``k``
    sites falls below it (any ``u``; spacing relaxed, which only raises it). The count tried
    is halfway between the fewest proven and the fewest known to suffice; each run's
    multipliers also bound every other count at once (the running sum of the sorted values
    ``c``), which may prove more than ``k + 1``. A run that finds an inner plan of ``k``
    sites reaching ``needed`` shows that ``k`` suffice. Cost: about ``log2(len(selected) -
    lower)`` runs of at most ``LAGRANGE_ITERATIONS`` steps, each one pass over the matrix
    (linear in its non-zeros), all within ``time_s``.

    Parameters
    ----------
    problem
        The reduced problem (no quotas or budget in cover mode).
    needed
        Weight to cover newly.
    selected, gains
        A plan reaching ``needed`` (greedy's), its sites in the order taken and their gains.
    lower
        A count already proven (greedy's largest first-step gains).
    time_s
        Time budget of all the runs (``math.inf``: their steps alone stop them).

    Returns
    -------
    CoverBound

    """
    t0 = time.perf_counter()
    hi = len(selected)
    lo = min(max(int(lower), 1), hi)  # a target not yet reached needs a site
    reach = np.cumsum(np.asarray(gains, dtype=np.float64))
    # a plan short by at most 1e-9 counts as reaching (as greedy's); room for the sums' rounding
    goal = needed - 1e-9 - 1e-9 * max(1.0, abs(needed))
    plan, runs, steps, timed_out = None, 0, 0, False
    while lo < hi:
        left = time_s - (time.perf_counter() - t0)
        if left <= 0:
            timed_out = True
            break
        k = (lo + hi) // 2
        lag = lagrangian_bound(problem, k, best_objective=float(reach[k - 1]),
                               start=np.asarray(selected[:k], dtype=np.int64), time_s=left,
                               decide_at=goal)  # fmt: skip
        runs, steps = runs + 1, steps + lag.iterations
        timed_out = timed_out or lag.timed_out
        if lag.selected is not None and lag.objective >= needed - 1e-9:
            plan, hi = lag.selected, k  # k sites suffice
            continue
        fewest = _fewest(lag, problem.eligible, goal)
        if fewest > k:
            lo = min(fewest, hi)
        else:
            hi = k  # k not ruled out: the bound only grows with the count
    log.info("cover bound: at least %d sites (%d runs, %d steps, %.2f s)", lo, runs, steps,
             time.perf_counter() - t0)  # fmt: skip
    return CoverBound(lower=lo, plan=plan, runs=runs, iterations=steps, timed_out=timed_out)


def _fewest(lag: LagrangeResult, eligible: BoolArray, goal: float) -> int:
    """The fewest sites whose bound at ``lag``'s multipliers reaches ``goal`` (values >= 0)."""
    top = np.sort(lag.values[eligible])[::-1]
    reach = lag.row_part + np.concatenate([[0.0], np.cumsum(top)])
    return int(np.searchsorted(reach, goal, side="left"))

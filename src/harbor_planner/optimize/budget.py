"""A budget on the new sites' costs: its checks and how a staged roll-out shares it.

A plan of ``N`` sites under a budget needs the ``N`` sites' costs to fit it. A staged
roll-out spends one budget over its stages, so an earlier stage must leave enough for the
sites of the later ones: :func:`solve_reserving` solves a stage with the later stages'
cheapest sites kept back, and keeps back more when what it chose leaves the later stages no
affordable sites.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from harbor_planner.errors import InfeasibleError, InputDataError
from harbor_planner.optimize.matrix import CoverageMatrix
from harbor_planner.optimize.solvers import Problem, Solution

__all__ = ["binding_budget", "budget_costs", "check_budget", "solve_reserving"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_TOL = 1e-9


def budget_costs(
    cm: CoverageMatrix, eligible: BoolArray, budget: float | None
) -> FloatArray | None:
    """The candidates' costs when there is a budget (checked finite and >= 0)."""
    if budget is None:
        return None
    if not budget >= 0:  # NaN too
        raise InputDataError(f"budget must be a number >= 0, got {budget!r}")
    cost = cm.candidate_cost
    if cost is None or not np.isfinite(cost).any():
        raise InputDataError(
            "a budget needs each candidate site's cost, and these candidates have none (street "
            "and POI candidates carry no cost): give a candidate file (--candidates) with a "
            "cost column (cost, 造价, 费用...), or leave the budget out"
        )
    missing = np.flatnonzero(eligible & ~np.isfinite(cost))
    if len(missing):
        ids = ", ".join(str(x) for x in cm.candidate_ids[missing[:5]])
        raise InputDataError(
            f"a budget needs each candidate site's cost: {len(missing)} of the eligible "
            f"candidates have none or not a number ({ids}{' ...' if len(missing) > 5 else ''}); "
            "fill in their cost column or exclude them"
        )
    if (cost < 0).any():
        raise InputDataError("site costs must be >= 0")
    return cost


def _cheapest(cost: FloatArray, eligible: BoolArray, k: int) -> float:
    """The sum of the ``k`` cheapest eligible costs (``inf`` with fewer than ``k``)."""
    c = cost[eligible]
    if k <= 0:
        return 0.0
    if len(c) < k:
        return float("inf")
    return float(np.partition(c, k - 1)[:k].sum())


def check_budget(
    cost: FloatArray | None, eligible: BoolArray, budget: float | None, n_add: int
) -> None:
    """The ``n_add`` cheapest eligible candidates fit the budget, or say by how much not.

    Raises
    ------
    InfeasibleError
        Even the cheapest sites cost more than the budget.

    """
    if budget is None or cost is None:
        return
    least = _cheapest(cost, eligible, n_add)
    if least > budget + _TOL:
        raise InfeasibleError(
            f"the {n_add} cheapest eligible candidate sites cost {least:g} together, "
            f"over the budget of {budget:g} by {least - budget:g}; raise the budget to at "
            f"least {least:g} or ask for fewer sites"
        )


def binding_budget(
    cost: FloatArray | None, eligible: BoolArray, budget: float | None, n_add: int
) -> float | None:
    """The budget, or ``None`` when no plan of ``n_add`` eligible sites can exceed it.

    A budget the ``n_add`` dearest eligible sites fit changes no plan, but it would make
    greedy weigh gains by cost and take away the bound's and the reductions' help: such a
    budget is left out (and said).
    """
    if budget is None or cost is None or n_add <= 0:
        return budget
    c = cost[eligible]
    k = min(n_add, len(c))
    dearest = float(-np.partition(-c, k - 1)[:k].sum()) if k else 0.0
    if dearest > budget + _TOL:
        return budget
    log.info(
        "optimizer: the budget of %g cannot bind (the %d dearest eligible sites cost %g "
        "together): the sites are chosen as without it",
        budget,
        k,
        dearest,
    )
    return None


def _completes(problem: Problem, chosen: npt.NDArray[np.int64], later: int) -> bool:
    """Whether ``later`` more sites still fit the budget after ``chosen`` (spacing kept)."""
    assert problem.cost is not None and problem.budget is not None
    left = problem.eligible.copy()
    left[chosen] = False
    if problem.conflicts is not None and len(chosen):
        left[problem.conflicts[chosen].indices] = False
    spent = float(problem.cost[chosen].sum())
    return spent + _cheapest(problem.cost, left, later) <= problem.budget + _TOL


def solve_reserving(
    problem: Problem,
    n: int,
    later: int,
    solve: Callable[[Problem], tuple[Solution, dict[str, Any]]],
) -> tuple[Solution, dict[str, Any]]:
    """Solve a stage of ``n`` sites so that the ``later`` sites after it can still be paid.

    The stage first keeps back the cost of the ``later`` cheapest eligible sites; when its
    plan took some of them (and the rest cost more), it keeps back the cost of the cheapest
    ``later`` sites after the ``n`` cheapest, which any choice of ``n`` sites leaves.

    Parameters
    ----------
    problem
        The stage's problem, its budget what is left of the whole one.
    n, later
        Sites of this stage and of the stages after it.
    solve
        Solves a problem (the stage's solver, limits and ranking).

    """
    if problem.budget is None or problem.cost is None or later <= 0:
        return solve(problem)
    c = np.sort(problem.cost[problem.eligible])
    keep = [float(c[:later].sum())]
    if len(c) >= n + later:
        keep.append(float(c[n : n + later].sum()))
    # the later stages cost at least keep[0]: a stage infeasible with it has no plan at all
    first = solve(replace(problem, budget=problem.budget - keep[0]))
    if _completes(problem, first[0].selected, later) or len(keep) == 1:
        return first
    try:
        return solve(replace(problem, budget=problem.budget - keep[1]))
    except InfeasibleError:
        return first  # the later stages say what they cannot place

"""How many new sites fit the rules: what an infeasible request is told to ask for instead.

When no plan of ``N`` sites exists, "ask for fewer sites" is advice only if fewer would do:
a district minimum that more sites than fit in the district under the spacing can never be
met, whatever ``N`` (probe 21O: 渝中区 asked for 11 sites 800 m apart, where 10 fit). These
small integer programs (HiGHS, a few seconds at most, only on the way to an error) give the
most sites the rules admit in all and in each district with a minimum.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack

from harbor_planner.optimize.solvers import Problem

__all__ = ["infeasible_advice"]

#: Seconds each count may take; a count not proven in time is not given.
CAPACITY_TIME_S = 5.0


def _most(problem: Problem, among: npt.NDArray[np.bool_], quotas: bool) -> int | None:
    """The most sites of ``among`` that fit the spacing (and the quota maxima, the budget)."""
    cols = np.flatnonzero(among & problem.eligible)
    if len(cols) == 0:
        return 0
    n = len(cols)
    rows = []
    if problem.conflicts is not None and problem.conflicts.nnz:
        pair = coo_matrix(problem.conflicts[cols][:, cols])
        keep = pair.row < pair.col
        k = int(keep.sum())
        if k:
            i = np.repeat(np.arange(k), 2)
            j = np.column_stack([pair.row[keep], pair.col[keep]]).ravel()
            rows.append((csr_matrix((np.ones(2 * k), (i, j)), shape=(k, n)), np.ones(k)))
    if quotas and problem.district is not None and problem.quota_max is not None:
        d = problem.district[cols]
        for code in np.unique(d[d >= 0]):
            rows.append((csr_matrix((d == code).astype(float)[None, :]),
                         np.array([float(problem.quota_max[code])])))  # fmt: skip
    if problem.budget is not None and problem.cost is not None:
        rows.append((csr_matrix(problem.cost[cols][None, :]), np.array([problem.budget])))
    cons = []
    if rows:
        upper = np.concatenate([u for _, u in rows])
        cons = [LinearConstraint(vstack([a for a, _ in rows]), -np.inf, upper)]
    res = milp(-np.ones(n), constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1),
               options={"time_limit": CAPACITY_TIME_S})  # fmt: skip
    if res.status != 0 or res.x is None:
        return None  # not proven in time
    return round(-res.fun)


def infeasible_advice(problem: Problem, n_add: int) -> str:
    """What to ask for instead when no plan of ``n_add`` sites meets the rules.

    Parameters
    ----------
    problem
        The stage's problem (spacing, quotas, budget, eligible sites).
    n_add
        The sites asked for.

    Returns
    -------
    str
        A district whose minimum cannot fit ("渝中区 needs at least 11 new sites, but at most 10
        of its candidates fit the minimum spacing: lower its minimum to 10..."), else the most
        sites that fit in all, else the generic advice.

    """
    qmin, names = problem.quota_min, problem.district_names
    if qmin is not None and problem.district is not None:
        for code in np.flatnonzero(np.asarray(qmin) > 0):
            fit = _most(problem, problem.district == code, quotas=False)
            if fit is not None and fit < qmin[code]:
                name = names[code] if names is not None else str(code)
                rules = "the minimum spacing" if problem.conflicts is not None and (
                    problem.conflicts.nnz) else "the rules"  # fmt: skip
                return (
                    f"district {name} needs at least {int(qmin[code])} new sites, but at most "
                    f"{fit} of its eligible candidates fit {rules}: lower its minimum to {fit}"
                    + (" or the spacing" if rules != "the rules" else "")
                )
    most = _most(problem, np.ones(problem.n_candidates, dtype=bool), quotas=True)
    if most is not None and most < n_add:
        return f"at most {most} sites fit these rules: ask for {most} or fewer, or relax them"
    return "relax them or ask for fewer sites"

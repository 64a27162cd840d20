"""Site optimisation toward the station target: coverage matrix → models → solvers.

``matrix`` builds the sparse demand x candidate coverage from the network (or takes one ready,
like spopt's ``from_cost_matrix``); ``solvers`` holds lazy greedy and the exact HiGHS model;
``select`` adds the planners' constraints (quotas, spacing, exclusions, budget), staged
roll-outs, ranking and the coverage curve.
"""

from harbor_planner.optimize.matrix import CoverageMatrix, coverage_matrix
from harbor_planner.optimize.plan import SitePlan, plan_sites
from harbor_planner.optimize.quotas import proportional_quotas
from harbor_planner.optimize.select import SiteSelection, parse_stages, select_sites
from harbor_planner.optimize.solvers import Problem, Solution, greedy_lscp, greedy_mclp, milp

__all__ = [
    "CoverageMatrix",
    "Problem",
    "SitePlan",
    "SiteSelection",
    "Solution",
    "coverage_matrix",
    "greedy_lscp",
    "greedy_mclp",
    "milp",
    "parse_stages",
    "plan_sites",
    "proportional_quotas",
    "select_sites",
]

"""Site selection: constraints, stages, ranking and the coverage curve, over any solver.

:func:`select_sites` takes a :class:`~harbor_planner.optimize.matrix.CoverageMatrix` and
returns a :class:`SiteSelection`: the chosen candidates in the order they add coverage (rank
1 first), what each adds, the coverage curve, and the proven bound and gap. Existing stations
stay fixed; constraints are district quotas (min/max new sites), minimum straight-line spacing
(to each other and to existing stations), excluded sites and a budget. Staged roll-outs solve
one stage after the other, each building on the sites of the stages before.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix
from scipy.spatial import cKDTree

from harbor_planner.errors import InfeasibleError, InputDataError
from harbor_planner.optimize.budget import binding_budget, budget_costs, check_budget
from harbor_planner.optimize.checks import check_choice, check_numbers, check_options
from harbor_planner.optimize.lagrange import cover_lower_bound
from harbor_planner.optimize.matrix import CoverageMatrix, coverage_steps
from harbor_planner.optimize.quotas import quota_arrays
from harbor_planner.optimize.reduce import reduce_rows
from harbor_planner.optimize.solvers import (
    Problem,
    Solution,
    gap_status,
    greedy_lscp,
    milp,
)
from harbor_planner.optimize.stages import Rules, Staged, better, rank, solve_stages
from harbor_planner.settings import (
    LAGRANGE_TIME_S,
    MIP_GAP,
    OPTIMAL_REL_GAP,
    SPACING_BY,
    SPACING_SAME_PLACE_M,
    STATUS_GAP_MET,
    TIME_LIMIT_S,
)

__all__ = [
    "SiteSelection",
    "parse_stages",
    "select_sites",
]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SiteSelection:
    """The sites chosen, in rank order, and how good the choice is.

    Attributes
    ----------
    selected
        Candidate positions, rank 1 first.
    site_ids
        Their ids.
    gains
        Demand weight each newly covers, in rank order (with ``min_cover`` 2 the objective's
        gains, which count second covers too, are the curve's ``objective_gain``).
    stage
        Stage label of each site (``""`` without stages).
    covered_before, covered_after, total
        Covered demand weight before and after, and the total demand weight.
    double_before, double_after
        Demand weight covered by at least two stations before and after.
    min_cover
        The coverage level optimised (1 = maximal coverage, 2 = backup coverage).
    objective
        MCLP: weight newly covered (with ``min_cover`` 2, each of the first two covers of a
        point counts); LSCP: number of sites.
    bound
        Proven upper bound on the newly covered weight (MCLP) or lower bound on the number of
        sites (LSCP).
    gap
        Relative optimality gap (0 = proven optimal).
    solver, status, mode
        How it was solved.
    runtime_s
        Wall time of the selection.
    curve
        Coverage after each added site: ``rank``, ``site_id``, ``stage``, ``gain``,
        ``covered``, ``coverage_pct``.
    info
        What the solve did, JSON-compatible: the size of each reduction (rows dropped and
        merged, candidates dominated or ruled out by the bound), swaps, the bound's method
        and whether the problem was split by district.
    target_pct
        Cover mode: the coverage target reached (percent); ``None`` in max-cover mode.

    """

    selected: IntArray
    site_ids: npt.NDArray[np.object_]
    gains: FloatArray
    stage: npt.NDArray[np.object_]
    covered_before: float
    covered_after: float
    double_before: float
    double_after: float
    min_cover: int
    total: float
    objective: float
    bound: float
    gap: float
    solver: str
    status: str
    mode: str
    runtime_s: float
    curve: pd.DataFrame = field(repr=False)
    info: dict[str, Any] = field(default_factory=dict, repr=False)
    target_pct: float | None = None

    @property
    def coverage_pct_before(self) -> float:
        """Coverage before adding sites, percent."""
        return 100.0 * self.covered_before / self.total if self.total else 0.0

    @property
    def coverage_pct_after(self) -> float:
        """Coverage after adding the sites, percent."""
        return 100.0 * self.covered_after / self.total if self.total else 0.0

    def summary(self) -> dict[str, Any]:
        """The figures of ``summary.json``."""

        def num(x: float) -> float | None:
            return round(float(x), 6) if np.isfinite(x) else None

        return {
            "mode": self.mode,
            **({"target_pct": self.target_pct} if self.mode == "cover" else {}),
            "solver": self.solver,
            "status": self.status,
            "sites_added": len(self.selected),
            "objective": num(self.objective),
            "upper_bound" if self.mode == "max-cover" else "lower_bound": num(self.bound),
            "optimality_gap": num(self.gap),
            "demand_total": num(self.total),
            "demand_covered_before": num(self.covered_before),
            "demand_covered_after": num(self.covered_after),
            # percentages to two decimals, as every coverage figure is published
            "coverage_pct_before": round(self.coverage_pct_before, 2),
            "coverage_pct_after": round(self.coverage_pct_after, 2),
            "min_cover": self.min_cover,
            "double_coverage_pct_before": round(100.0 * self.double_before / self.total, 2)
            if self.total
            else 0.0,
            "double_coverage_pct_after": round(100.0 * self.double_after / self.total, 2)
            if self.total
            else 0.0,
            "runtime_s": round(self.runtime_s, 3),
            "solver_info": dict(self.info),
        }


def parse_stages(text: str) -> list[tuple[str, int]]:
    """``"2024:400,2025:400"`` → ``[("2024", 400), ("2025", 400)]``.

    Raises
    ------
    InputDataError
        Malformed text, a non-positive count or a repeated label.

    """
    stages: list[tuple[str, int]] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        label, sep, count = part.rpartition(":")
        try:
            n = int(count)
        except ValueError:
            n = -1
        if not sep or not label.strip() or n <= 0:
            raise InputDataError(
                f"stages {text!r}: expected LABEL:COUNT pairs like 2024:400,2025:400 with "
                f"positive counts; {part!r} is not one"
            )
        stages.append((label.strip(), n))
    labels = [s[0] for s in stages]
    if not stages or len(set(labels)) != len(labels):
        raise InputDataError(f"stages {text!r}: give each stage once, e.g. 2024:400,2025:400")
    return stages


def checked_stages(stages: Any) -> list[tuple[str, int]]:
    """Stages as ``[(label, count), ...]``: from pairs or a table (``{"2025": 400}``).

    Raises
    ------
    InputDataError
        A count that is not a positive whole number, a repeated or empty label.

    """
    pairs = list(stages.items()) if isinstance(stages, Mapping) else list(stages)
    out: list[tuple[str, int]] = []
    for pair in pairs:
        label, count = pair if isinstance(pair, tuple | list) and len(pair) == 2 else (pair, None)
        whole = isinstance(count, int | np.integer) and not isinstance(count, bool)
        if not whole or count <= 0 or not str(label).strip():
            raise InputDataError(
                f"stages: each stage is a label and a positive whole number of sites, e.g. "
                f"{{'2025': 400}}; got {pair!r}"
            )
        out.append((str(label).strip(), int(count)))
    labels = [label for label, _ in out]
    if len(set(labels)) != len(labels):
        raise InputDataError(f"stages: give each stage once; got {labels}")
    return out


def _reduce(cm: CoverageMatrix, level: int = 1) -> tuple[Any, FloatArray, IntArray]:
    """Rows still short of ``level`` covers and coverable, identical rows merged.

    Returns the reduced CSC matrix, the summed weight of each reduced row and how many more
    covers it counts for (``level`` minus what existing stations give, at least 1).
    """
    cover, weight, need, info = reduce_rows(cm.covers, cm.weights, cm.existing_count, level)
    log.info("rows: %s", info)
    return cover, weight, need


def _conflicts(xy: FloatArray, min_spacing_m: float) -> csr_matrix:
    """Candidate pairs closer than ``min_spacing_m`` (exactly that far apart is allowed)."""
    pairs = cKDTree(xy).query_pairs(min_spacing_m, output_type="ndarray")
    if len(pairs):  # query_pairs includes pairs at exactly the radius
        gap = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
        pairs = pairs[gap < min_spacing_m]
    n = len(xy)
    if len(pairs) == 0:
        return csr_matrix((n, n), dtype=bool)
    i, j = pairs[:, 0], pairs[:, 1]
    m = coo_matrix(
        (np.ones(2 * len(i), dtype=bool), (np.concatenate([i, j]), np.concatenate([j, i]))),
        shape=(n, n),
    )
    return m.tocsr()


def select_sites(
    cm: CoverageMatrix,
    *,
    n_add: int | None = None,
    mode: Literal["max-cover", "cover"] = "max-cover",
    target_pct: float | None = None,
    solver: Literal["greedy", "exact"] = "greedy",
    time_limit_s: float = TIME_LIMIT_S,
    mip_gap: float = MIP_GAP,
    excluded: Sequence[str] | None = None,
    min_spacing_m: float | None = None,
    spacing: Literal["line", "walk"] = "line",
    quotas: pd.DataFrame | None = None,
    budget: float | None = None,
    stages: Sequence[tuple[str, int]] | None = None,
    min_cover: int = 1,
    reduce: bool = True,
    reproducible: bool = False,
) -> SiteSelection:
    """Choose new sites: maximal coverage (``n_add`` sites) or set cover (``target_pct``).

    Parameters
    ----------
    cm
        The coverage matrix (existing stations already folded in).
    n_add
        Number of new sites (``max-cover``); with ``stages``, their total if given.
    mode
        ``"max-cover"`` (MCLP) or ``"cover"`` (LSCP: fewest sites reaching ``target_pct``).
    target_pct
        ``cover`` mode: share of all demand to cover, percent.
    solver
        ``"greedy"`` (lazy greedy with an online bound) or ``"exact"`` (HiGHS, warm-started).
    time_limit_s, mip_gap
        Exact solver: time limit per stage and target gap.
    excluded
        Candidate ids that may not be chosen.
    min_spacing_m
        Distance every new site keeps from the others and from existing stations.
    spacing
        ``"line"``: straight-line distance; ``"walk"``: walking distance along the network
        (the matrix must have been built with ``walk_spacing_m=min_spacing_m``).
    quotas
        Table with ``district``, ``min``, ``max`` new sites (NaN: no bound); districts not
        listed are unconstrained. With stages, maximums bind the running total and minimums
        the final total.
    budget
        Upper bound on the total ``cost`` of new sites.
    stages
        ``[(label, count), ...]``: a roll-out in which each stage adds to the last.
    min_cover
        ``max-cover`` only: count each demand point up to this many covers (2 = backup
        coverage: maximise the demand covered twice, the first cover still counting);
        existing stations' covers count too.
    reduce
        ``max-cover`` only: drop dominated candidates, improve greedy's plan by swaps, bound
        it by Lagrangian relaxation, split by district when the quotas allow, and give HiGHS
        only what the bound leaves open (``False``: greedy and HiGHS on the row-reduced
        problem, as before; for comparison).
    reproducible
        ``max-cover`` with ``reduce``: stop the swap search and the Lagrangian bounds by
        their steps, not by wall-clock budgets, so that every machine finds the same sites
        and gap (slower at city scale; see
        :func:`~harbor_planner.optimize.engine.solve_max_cover`); ``cover``: the same for the
        lower bound on the sites (:func:`~harbor_planner.optimize.lagrange.cover_lower_bound`).

    Raises
    ------
    InputDataError
        Bad arguments.
    InfeasibleError
        Constraints that cannot be met, with the constraint and by how much.

    """
    t0 = time.perf_counter()
    check_options(cm, mode=mode, solver=solver, min_cover=min_cover)
    if stages is not None:
        stages = checked_stages(stages)
    check_numbers(n_add=n_add, min_spacing_m=min_spacing_m, time_limit_s=time_limit_s,
                   mip_gap=mip_gap)  # fmt: skip
    allowed = _eligible(cm, excluded)
    conflicts, eligible = _spacing_rules(cm, allowed, min_spacing_m, spacing)
    why = _why_ineligible(cm, allowed, eligible, min_spacing_m)
    cost = budget_costs(cm, eligible, budget)
    if mode == "cover":
        unused = [
            n
            for n, v in (("n_add", n_add), ("budget", budget), ("quotas", quotas),
                         ("stages", stages))
            if v is not None and (n in ("budget", "n_add") or len(v))
        ]  # fmt: skip
        if unused:  # the fewest sites to a target: a site count, not spent or split
            raise InputDataError(
                f"cover mode (the fewest sites to reach a target) does not take "
                f"{', '.join(unused)}; use max-cover with add = N for a budget, district "
                "quotas or stages"
            )
        if target_pct is None or not 0 < target_pct <= 100:
            raise InputDataError(
                f"cover mode needs a target in (0, 100] percent, got {target_pct!r}"
            )
        return _select_cover(cm, eligible, conflicts, target_pct, solver, time_limit_s, mip_gap, t0,
                             reproducible)  # fmt: skip

    if target_pct is not None:
        raise InputDataError(
            f"target_pct={target_pct!r} is the target of mode='cover' (the fewest sites to "
            "reach it); give mode='cover', or leave target_pct out with n_add"
        )
    stages, n_add = _stage_counts(stages, n_add, eligible, why)
    check_budget(cost, eligible, budget, n_add)
    budget = binding_budget(cost, eligible, budget, n_add)
    rules = Rules(eligible=eligible, conflicts=conflicts, cost=cost, budget=budget)
    if quotas is not None:
        district, qmin, qmax, names = quota_arrays(cm, quotas, n_add, eligible)
        rules = replace(
            rules, district=district, quota_min=qmin, quota_max=qmax, district_names=tuple(names)
        )
    staged = solve_stages(
        cm,
        rules,
        stages,
        n_add=n_add,
        min_cover=min_cover,
        solver=solver,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        reduce=reduce,
        reproducible=reproducible,
    )
    selection = _max_cover_selection(cm, staged, len(stages), solver, t0, min_cover)
    spaced = conflicts is not None and conflicts.nnz > 0
    return _warn_idle_sites(selection, quotas is not None, spaced, budget is not None)


def _warn_idle_sites(
    selection: SiteSelection, quotas: bool, spacing: bool, budget: bool = False
) -> SiteSelection:
    """Say when new sites cover nothing more (a district office would build them for none).

    Probe 19X: quotas forced 8 of 10 "proven optimal" sites to add nothing, said nowhere.
    Probe 21O: under a spacing, greedy's earlier sites can block every useful one left while a
    plan exists whose sites all add coverage; "no candidate left" was no advice then.
    Probe 24O: under a budget that binds, candidates covering more may be left because the
    budget cannot pay for them; "no candidate left covers more" was untrue then.
    """
    if selection.min_cover != 1 or not len(selection.gains):
        return selection
    idle = np.flatnonzero(selection.gains <= 1e-9 * max(selection.total, 1.0))
    if not len(idle):
        return selection
    ranks = ", ".join(str(int(r) + 1) for r in idle[:10]) + (" ..." if len(idle) > 10 else "")
    if quotas:
        why = ("the quotas' minimums place them where nothing is left to cover: lower those "
               "districts' minimums or ask for fewer sites")  # fmt: skip
    elif spacing and selection.gap > OPTIMAL_REL_GAP:  # probe 24O: not a rounding's 1e-16
        why = ("the minimum spacing leaves no useful candidate beside the sites chosen before "
               "them, and the plan is not proven best: solver = exact may place them all "
               "where they add coverage, or relax the spacing")  # fmt: skip
    elif spacing:
        why = "no candidate the minimum spacing leaves covers more demand: ask for fewer sites"
    elif budget:
        why = ("no candidate the budget can still pay for covers more demand: ask for fewer "
               "sites, or raise the budget")  # fmt: skip
    else:
        why = "no candidate left covers more demand: ask for fewer sites"
    log.warning(
        "%d of the %d new sites cover no demand not already covered (ranks %s): %s",
        len(idle), len(selection.gains), ranks, why,
    )  # fmt: skip
    return replace(selection, info={**selection.info, "sites_without_gain": len(idle)})


def _eligible(cm: CoverageMatrix, excluded: Sequence[str] | str | None) -> BoolArray:
    """Candidates that may be chosen: all but the ``excluded`` ids.

    Unknown ids are logged, not refused: a city-wide list names sites a district's study has
    already left out.
    """
    eligible = np.ones(cm.n_candidates, dtype=bool)
    if isinstance(excluded, str | bytes):  # one id, not its characters
        excluded = [excluded.decode() if isinstance(excluded, bytes) else excluded]
    if excluded is not None and len(excluded):
        ids = {str(x) for x in excluded}
        unknown = ids - set(map(str, cm.candidate_ids))
        if unknown:
            shown = ", ".join(sorted(unknown)[:10]) + (" ..." if len(unknown) > 10 else "")
            like = ", ".join(map(str, cm.candidate_ids[:3]))
            log.warning(
                "%d of the %d excluded sites are not among the candidates (outside the study, "
                "off the streets, or ids of another scheme? candidate ids look like %s): %s",
                len(unknown), len(ids), like, shown,
            )  # fmt: skip
        eligible &= ~np.isin(cm.candidate_ids.astype(str), list(ids))
    return eligible


def _spacing_rules(
    cm: CoverageMatrix, eligible: BoolArray, min_spacing_m: float | None, spacing: str
) -> tuple[csr_matrix | None, BoolArray]:
    """Spacing: pairs of candidates too close, ``eligible`` less those near existing stations.

    Distances are straight-line (``"line"``) or on foot (``"walk"``).
    """
    check_choice("spacing", spacing, SPACING_BY)
    if min_spacing_m is None or min_spacing_m <= 0:
        return None, eligible
    if spacing == "walk":
        return _walk_spacing_rules(cm, eligible, min_spacing_m)
    return _line_spacing_rules(cm, eligible, min_spacing_m)


def _walk_spacing_rules(
    cm: CoverageMatrix, eligible: BoolArray, min_spacing_m: float
) -> tuple[csr_matrix, BoolArray]:
    ws = cm.walk_spacing
    if ws is None or abs(ws.dist_m - min_spacing_m) > 1e-9:
        raise InputDataError(
            f"walking spacing needs the coverage matrix built with walk_spacing_m={min_spacing_m:g}"
        )
    conflicts, near = ws.conflicts, ws.near_existing
    same = min(min_spacing_m, SPACING_SAME_PLACE_M)  # across a divided road: one place
    if cm.candidate_xy is not None and same > 0:
        conflicts = ((conflicts + _conflicts(cm.candidate_xy, same)) > 0).tocsr()
        if cm.existing_xy is not None and len(cm.existing_xy):
            near = near | (cKDTree(cm.existing_xy).query(cm.candidate_xy)[0] < same)
    log.info(
        "%d candidates lie within %g m walk (or %g m in a straight line) of an existing "
        "station and are left out",
        int(near.sum()),
        min_spacing_m,
        same,
    )
    return conflicts, eligible & ~near


def _line_spacing_rules(
    cm: CoverageMatrix, eligible: BoolArray, min_spacing_m: float
) -> tuple[csr_matrix, BoolArray]:
    if cm.candidate_xy is None:
        raise InputDataError("minimum spacing needs candidate coordinates")
    conflicts = _conflicts(cm.candidate_xy, min_spacing_m)
    if cm.existing_xy is not None and len(cm.existing_xy):
        near, _ = cKDTree(cm.existing_xy).query(cm.candidate_xy)
        blocked = near < min_spacing_m
        eligible = eligible & ~blocked
        log.info(
            "%d candidates lie within %g m of an existing station and are left out",
            int(blocked.sum()),
            min_spacing_m,
        )
    return conflicts, eligible


def _why_ineligible(
    cm: CoverageMatrix, allowed: BoolArray, eligible: BoolArray, min_spacing_m: float | None
) -> str:
    """Why candidates are out: excluded, or too near an existing station (for messages)."""
    parts = []
    if (~allowed).any():
        parts.append(f"{int((~allowed).sum())} excluded (optimize.exclude)")
    near = allowed & ~eligible
    if near.any():
        parts.append(
            f"{int(near.sum())} within the minimum spacing of {min_spacing_m:g} m of an existing "
            "station (optimize.min_spacing_m, --min-spacing)"
        )
    return f"; of the {cm.n_candidates} candidates, " + " and ".join(parts) if parts else ""


def _stage_counts(
    stages: Sequence[tuple[str, int]] | None,
    n_add: int | None,
    eligible: BoolArray,
    why: str = "",
) -> tuple[list[tuple[str, int]], int]:
    """The stages (one unlabelled stage without them) and the total number of sites."""
    if stages:
        total = sum(n for _, n in stages)
        if n_add is not None and n_add != total:
            raise InputDataError(
                f"the stages add {total} sites but {n_add} were asked for; make them agree"
            )
        n_add = total
        stages = list(stages)
    else:
        stages = [("", int(n_add or 0))]
    if n_add is None or n_add <= 0:
        raise InputDataError(
            f"the number of sites to add must be a positive integer, got {n_add!r}"
        )
    n_eligible = int(eligible.sum())
    if n_add > n_eligible:
        raise InfeasibleError(
            f"{n_add} new sites were asked for but only "
            f"{n_eligible} {'candidate is' if n_eligible == 1 else 'candidates are'} "
            f"eligible ({n_add - n_eligible} too few){why}"
        )
    return stages, n_add


def _max_cover_selection(
    cm: CoverageMatrix, staged: Staged, n_stages: int, solver: str, t0: float, min_cover: int
) -> SiteSelection:
    """The :class:`SiteSelection` of a (staged) maximal-coverage run."""
    added = float(np.sum(staged.gains))
    # a staged plan's bound is that of all its sites chosen at once (see whole_plan_bound):
    # each stage may be optimal given the stages before and the plan still short of it
    bound = staged.bound_total
    statuses = staged.statuses
    status = "optimal" if all(s == "optimal" for s in statuses) else statuses[-1]
    if all(s in ("optimal", STATUS_GAP_MET) for s in statuses):
        status = gap_status("optimal", _gap(bound, added))
    if n_stages > 1:
        # a staged plan is "optimal" only when its gap against all its sites chosen at once
        # is closed, whatever its stages say (each given the stages before); else feasible,
        # or time_limit where a stage's solve stopped at its limit
        closed = gap_status("optimal", _gap(bound, added)) == "optimal"
        status = "optimal" if closed else ("time_limit" if "time_limit" in statuses
                                           else "feasible")  # fmt: skip
    if n_stages > 1:
        staged.info["stage_statuses"] = list(statuses)
    return _selection(cm, staged.chosen, staged.gains, staged.labels, cm.covered_weight_before,
                      added, bound, _gap(bound, added), solver, status, "max-cover", t0,
                      min_cover=min_cover, info=staged.info)  # fmt: skip


def _gap(bound: float, objective: float) -> float:
    if not np.isfinite(bound):
        return float("inf")
    top = max(bound, objective)
    return 0.0 if top <= 0 else max(0.0, (bound - objective) / top)


def _selection(
    cm: CoverageMatrix,
    chosen: list[int],
    gains: list[float],
    labels: list[str],
    before: float,
    added: float,
    bound: float,
    gap: float,
    solver: str,
    status: str,
    mode: str,
    t0: float,
    objective: float | None = None,
    *,
    min_cover: int = 1,
    info: dict[str, Any] | None = None,
    target_pct: float | None = None,
) -> SiteSelection:
    total = cm.total_weight
    ids = cm.candidate_ids[np.asarray(chosen, dtype=np.int64)]
    single, double = coverage_steps(cm, np.asarray(chosen, dtype=np.int64))
    double_before = float(cm.weights[cm.existing_count >= 2].sum())
    extra = {}
    if min_cover >= 2:  # the objective counts second covers: the published gain is coverage
        extra = {"objective_gain": gains}
        gains = np.diff(single, prepend=before).tolist()
    curve = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1),
            "site_id": ids,
            "stage": labels,
            "gain": gains,
            **extra,
            "covered": single,
            "coverage_pct": 100.0 * single / total,
            "double_covered": double,
            "double_coverage_pct": 100.0 * double / total,
        }
    )
    sel = SiteSelection(
        selected=np.asarray(chosen, dtype=np.int64),
        site_ids=ids,
        gains=np.asarray(gains),
        stage=np.asarray(labels, dtype=object),
        covered_before=before,
        covered_after=float(single[-1]) if len(chosen) else before,
        double_before=double_before,
        double_after=float(double[-1]) if len(chosen) else double_before,
        min_cover=min_cover,
        total=total,
        objective=added if objective is None else objective,
        bound=bound,
        gap=gap,
        solver=solver,
        status=status,
        mode=mode,
        runtime_s=time.perf_counter() - t0,
        curve=curve,
        info=dict(info or {}),
        target_pct=None if target_pct is None else float(target_pct),
    )
    log.info(
        "%s (%s): %d new sites take coverage from %.2f %% to %.2f %%; gap %s (%.2f s)",
        mode,
        solver,
        len(chosen),
        sel.coverage_pct_before,
        sel.coverage_pct_after,
        "unknown" if not np.isfinite(gap) else f"{100 * gap:.3f} %",
        sel.runtime_s,
    )
    return sel


def _select_cover(
    cm: CoverageMatrix,
    eligible: BoolArray,
    conflicts: csr_matrix | None,
    target_pct: float,
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    t0: float,
    reproducible: bool = False,
) -> SiteSelection:
    before = cm.covered_weight_before
    needed = target_pct / 100.0 * cm.total_weight - before
    cover, weight, _, info = reduce_rows(cm.covers, cm.weights, cm.existing_count, 1)
    log.info("rows: %s", info)
    problem = Problem(cover=cover, weight=weight, eligible=eligible, conflicts=conflicts)
    if needed <= 1e-9:
        log.info(
            "existing stations already cover %.2f %%: no site needed",
            100 * before / cm.total_weight,
        )
        return _selection(
            cm, [], [], [], before, 0.0, 0.0, 0.0, solver, "optimal", "cover", t0, 0.0,
            target_pct=target_pct, info=info,
        )  # fmt: skip
    usable = cover.tocsc()[:, np.flatnonzero(eligible)]  # excluded sites left out
    reachable = before + float(weight[np.unique(usable.indices)].sum())
    # the ceiling of any target, said even when the target is below it (probe 21O)
    info = {**info, "reachable_pct": round(100.0 * reachable / cm.total_weight, 2)}
    log.info("cover: the existing stations and every eligible candidate together cover at most "
             "%.2f %% (the highest target that can be reached)", info["reachable_pct"])  # fmt: skip
    if reachable < target_pct / 100.0 * cm.total_weight - 1e-9:
        raise InfeasibleError(
            f"a {target_pct:g} % target cannot be reached: existing stations and every eligible "
            f"candidate together cover {100 * reachable / cm.total_weight:.2f} % "
            f"({100 * (target_pct / 100 - reachable / cm.total_weight):.2f} points short)"
        )
    try:
        sol = greedy_lscp(problem, needed)
    except InfeasibleError:
        if conflicts is None:
            raise
        # greedy's own picks can block the sites still needed (spacing): HiGHS decides
        log.info("greedy's sites blocked the target under the spacing rule: HiGHS searches")
        try:
            sol = rank(problem, milp(problem, needed=needed, time_limit_s=time_limit_s,
                                     mip_gap=mip_gap))  # fmt: skip
        except InfeasibleError as exc:
            raise InfeasibleError(
                f"the {target_pct:g} % target (optimize.target_pct, --target) cannot be "
                f"reached: {exc}"
            ) from None
    else:
        sol = _bound_cover(problem, needed, sol, reproducible, info)
        if solver == "exact" and sol.status != "optimal":
            exact = milp(
                problem, needed=needed, warm=sol, time_limit_s=time_limit_s, mip_gap=mip_gap
            )
            sol = rank(problem, better(exact, sol))
        elif solver == "exact":  # the bound proves greedy's count the fewest: HiGHS not needed
            sol = replace(sol, solver="exact")
    # gains in rank order
    chosen = sol.selected.tolist()
    gains = sol.gains.tolist()
    added = float(np.sum(gains))
    gap = 0.0 if sol.objective <= 0 else max(0.0, (sol.objective - sol.bound) / sol.objective)
    return _selection(cm, chosen, gains, [""] * len(chosen), before, added, sol.bound, gap,
                      solver, sol.status, "cover", t0, float(len(chosen)),
                      target_pct=target_pct, info=info)  # fmt: skip


def _bound_cover(
    problem: Problem, needed: float, sol: Solution, reproducible: bool, info: dict[str, Any]
) -> Solution:
    """Greedy's count of sites with the Lagrangian lower bound (probe 27A).

    Greedy's own bound (its largest first-step gains) stood 2-2.7x below the fewest sites;
    :func:`~harbor_planner.optimize.lagrange.cover_lower_bound` proves README's 8 sites to
    90 % of 渝中区 the fewest. A smaller plan its inner solutions find replaces greedy's.
    """
    t0 = time.perf_counter()
    info["budgets"] = "steps" if reproducible else "time"
    lag_s = math.inf if reproducible else LAGRANGE_TIME_S
    cb = cover_lower_bound(problem, needed, selected=sol.selected, gains=sol.gains,
                           lower=int(sol.bound), time_s=lag_s)  # fmt: skip
    info.update(bound_method="lagrangian" if cb.lower > sol.bound else "greedy",
                lagrange_runs=cb.runs, lagrange_iterations=cb.iterations,
                time_lagrange_s=round(time.perf_counter() - t0, 3))  # fmt: skip
    if cb.timed_out:
        info["time_budgets_hit"] = ["Lagrangian bound"]
        log.warning("optimizer: the lower bound on the sites stopped at its time budget (%g s): "
                    "the plan and its bound hold, but another machine may state another bound "
                    "(optimize.reproducible = true: the same everywhere)", lag_s)  # fmt: skip
    if cb.plan is not None and len(cb.plan) < len(sol.selected):
        info["greedy"] = f"{len(sol.selected)} sites; the bound's inner plan {len(cb.plan)}"
        sol = rank(problem, replace(sol, selected=cb.plan, objective=float(len(cb.plan))))
    lower = max(int(sol.bound), cb.lower)
    status = "optimal" if len(sol.selected) <= lower else "feasible"
    return replace(sol, bound=float(lower), status=status)

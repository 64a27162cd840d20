"""City-scale optimiser (issue 17): reductions, swaps, Lagrangian bound, district split.

Every claim is checked against the exact optimum of the unreduced model (HiGHS through
``select_sites(..., reduce=False, solver="exact", mip_gap=0)``) on small random instances.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csc_matrix

from harbor_planner import InfeasibleError
from harbor_planner.optimize import CoverageMatrix, Problem, select_sites
from harbor_planner.optimize.engine import decomposable
from harbor_planner.optimize.improve import swap_search
from harbor_planner.optimize.lagrange import lagrangian_bound, plan_value, top_choice
from harbor_planner.optimize.reduce import dominated_columns, merge_rows, reduce_rows


def instance(seed, n_dem=60, n_cand=16, density=0.15, existing=0.2, dup=0.3):
    """Random coverage with duplicated rows and nested (dominated) columns."""
    rng = np.random.default_rng(seed)
    covers = rng.random((n_dem, n_cand)) < density
    copies = rng.random(n_dem) < dup  # some rows repeat an earlier row
    for i in np.flatnonzero(copies)[1:]:
        covers[i] = covers[rng.integers(0, i)]
    for j in range(0, n_cand, 4):  # column j+1 covers at least what column j covers
        if j + 1 < n_cand:
            covers[:, j + 1] |= covers[:, j]
    weights = rng.integers(0, 20, n_dem).astype(float)
    return CoverageMatrix.from_arrays(
        covers,
        weights,
        existing_covered=rng.random(n_dem) < existing,
        candidate_ids=[f"c{j}" for j in range(n_cand)],
        candidate_xy=rng.random((n_cand, 2)) * 1000,
        candidate_district=np.array(["A", "B", "C"])[rng.integers(0, 3, n_cand)],
        candidate_cost=rng.integers(1, 5, n_cand).astype(float),
    )


def optimum(cm, k, **kw):
    return select_sites(cm, n_add=k, solver="exact", mip_gap=0.0, reduce=False, **kw)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [1, 3, 6])
def test_reduced_solve_keeps_the_optimum_and_reports_sizes(seed, k):
    cm = instance(seed)
    ref = optimum(cm, k)
    new = select_sites(cm, n_add=k, solver="exact", mip_gap=0.0)
    assert new.objective == pytest.approx(ref.objective)
    assert cm.covered_weight(new.selected) - cm.covered_weight_before == pytest.approx(
        new.objective
    )
    assert new.gap == pytest.approx(0.0, abs=1e-9)
    info = new.summary()["solver_info"]
    a = cm.covers.toarray()
    open_ = (cm.weights > 0) & ~cm.existing_covered
    assert info["rows"] == cm.n_demand
    assert info["rows_zero_weight"] == int((cm.weights == 0).sum())
    assert info["rows_existing_covered"] == int(((cm.weights > 0) & cm.existing_covered).sum())
    assert info["rows_uncoverable"] == int((open_ & ~a.any(axis=1)).sum())
    kept = open_ & a.any(axis=1)
    distinct = len({tuple(np.flatnonzero(r)) for r in a[kept]})
    assert info["rows_merged"] == int(kept.sum()) - distinct
    assert info["columns_dominated"] >= 1  # the nested columns
    # greedy with swaps and the Lagrangian bound: a valid bound, never worse than greedy alone
    greedy = select_sites(cm, n_add=k)
    old = select_sites(cm, n_add=k, reduce=False)
    assert old.objective - 1e-9 <= greedy.objective <= ref.objective + 1e-9
    assert greedy.bound >= ref.objective - 1e-9
    assert greedy.bound <= old.bound + 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 5),
    level=st.integers(1, 2),
    n_cand=st.integers(3, 14),
)
def test_lagrangian_bound_is_never_below_the_optimum(seed, k, level, n_cand):
    rng = np.random.default_rng(seed)
    n_dem = int(rng.integers(5, 50))
    covers = rng.random((n_dem, n_cand)) < rng.uniform(0.05, 0.5)
    w = rng.integers(0, 30, n_dem).astype(float)
    count = rng.integers(0, 3, n_dem)
    cm = CoverageMatrix.from_arrays(covers, w, existing_count=count)
    if k > n_cand:
        return
    ref = optimum(cm, k, min_cover=level)
    cover, weight, need, _ = reduce_rows(cm.covers, cm.weights, cm.existing_count, level)
    problem = Problem(cover=cover, weight=weight, need=need, eligible=np.ones(n_cand, bool))
    for best in (0.0, ref.objective):  # the Polyak target does not affect validity
        lag = lagrangian_bound(problem, k, best_objective=best)
        assert lag.bound >= ref.objective - 1e-7 * max(1.0, ref.objective)
        if lag.selected is not None:
            got = plan_value(cover.tocsc(), weight, need, lag.selected)
            assert got == pytest.approx(lag.objective) and got <= ref.objective + 1e-9
    sel = select_sites(cm, n_add=k, min_cover=level)
    assert sel.objective <= ref.objective + 1e-9 <= sel.bound + 1e-7 * max(1.0, sel.bound)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 6))
def test_lagrangian_bound_with_quotas_is_valid(seed, k):
    cm = instance(seed, n_cand=12)
    quotas = pd.DataFrame({"district": ["A", "B"], "min": [1, 0], "max": [3, 2]})
    try:
        ref = optimum(cm, k, quotas=quotas)
    except Exception:  # infeasible quotas for this draw
        return
    sel = select_sites(cm, n_add=k, quotas=quotas)
    assert sel.objective <= ref.objective + 1e-9 <= sel.bound + 1e-7
    d = cm.candidate_district[sel.selected]
    assert 1 <= (d == "A").sum() <= 3 and (d == "B").sum() <= 2


def test_top_choice_with_quotas_is_the_best_feasible_pick():
    rng = np.random.default_rng(3)
    values = rng.random(9)
    district = np.array([0, 0, 0, 1, 1, 1, -1, -1, 0])
    qmin, qmax = np.array([2, 1]), np.array([3, 1])
    import itertools

    best = max(
        (s for s in itertools.combinations(range(9), 4)
         if 2 <= (district[list(s)] == 0).sum() <= 3 and (district[list(s)] == 1).sum() == 1),
        key=lambda s: values[list(s)].sum(),
    )  # fmt: skip
    got = top_choice(values, 4, np.ones(9, bool), district, qmin, qmax)
    assert values[got].sum() == pytest.approx(values[list(best)].sum())


def test_merge_rows_is_exact_and_sums_weights():
    a = csc_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0], [1, 0, 1], [0, 1, 0]], bool))
    merged, w, _ = merge_rows(a.tocsr(), np.array([1.0, 2, 3, 4, 5]), np.ones(5, np.int64))
    assert merged.shape[0] == 2
    assert merged.toarray().tolist() == [[True, False, True], [False, True, False]]
    assert w.tolist() == [7.0, 8.0]
    # the same columns but another need stay apart
    _, w2, _ = merge_rows(a.tocsr(), np.ones(5), np.array([1, 2, 1, 1, 1]))
    assert sorted(w2.tolist()) == [1.0, 2.0, 2.0]


def test_dominated_columns_only_where_safe():
    # column 1 covers rows {0, 1, 2}; column 0 covers {0, 1} (dominated); 2 equals 1 (later)
    a = np.array([[1, 1, 1, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 0, 1]], bool)
    problem = Problem(cover=csc_matrix(a), weight=np.ones(4), eligible=np.ones(4, bool))
    mask, info = dominated_columns(problem, 1)
    assert mask.tolist() == [True, False, True, False]
    assert info["columns_dominated"] == 2
    # asking for more sites than the undominated candidates: enough are kept
    mask3, _ = dominated_columns(problem, 3)
    assert (~mask3).sum() >= 3
    # quotas: a dominator in another district does not count
    dist = np.array([0, 1, 1, 0])
    q = Problem(
        cover=csc_matrix(a),
        weight=np.ones(4),
        eligible=np.ones(4, bool),
        district=dist,
        quota_min=np.zeros(2, np.int64),
        quota_max=np.array([1, 1]),
    )
    assert dominated_columns(q, 1)[0].tolist() == [False, False, True, False]
    # spacing, budget and backup coverage turn it off, saying why
    for kw, why in ((dict(cost=np.ones(4), budget=3.0), "budget"),
                    (dict(need=np.array([2, 1, 1, 1])), "min_cover")):  # fmt: skip
        m, i = dominated_columns(Problem(cover=csc_matrix(a), weight=np.ones(4),
                                         eligible=np.ones(4, bool), **kw), 1)  # fmt: skip
        assert not m.any() and i["dominance_skipped"] == why


@pytest.mark.parametrize("seed", range(6))
def test_swap_search_improves_and_keeps_the_rules(seed):
    rng = np.random.default_rng(seed)
    a = rng.random((300, 40)) < 0.08
    w = rng.integers(1, 10, 300).astype(float)
    dist = rng.integers(0, 2, 40)
    cost = rng.integers(1, 4, 40).astype(float)
    problem = Problem(cover=csc_matrix(a), weight=w, eligible=np.ones(40, bool), district=dist,
                      quota_min=np.array([2, 2]), quota_max=np.array([4, 4]), cost=cost,
                      budget=14.0)  # fmt: skip
    start = np.concatenate([np.flatnonzero(dist == 0)[:3], np.flatnonzero(dist == 1)[:3]])
    if cost[start].sum() > 14:
        start = start[np.argsort(cost[start])][:6]
    start_value = plan_value(csc_matrix(a), w, np.ones(300, np.int64), start)
    plan, value, _ = swap_search(problem, start)
    assert value == pytest.approx(plan_value(csc_matrix(a), w, np.ones(300, np.int64), plan))
    assert value >= start_value - 1e-9 and len(set(plan.tolist())) == 6
    counts = np.bincount(dist[plan], minlength=2)
    assert (counts >= 2).all() and (counts <= 4).all()
    assert cost[plan].sum() <= 14 + 1e-9
    # 1-opt local optimum: no single exchange within the rules helps
    for j in range(6):
        for k in np.setdiff1d(np.arange(40), plan):
            alt = plan.copy()
            alt[j] = k
            c = np.bincount(dist[alt], minlength=2)
            if (c < 2).any() or (c > 4).any() or cost[alt].sum() > 14 + 1e-9:
                continue
            assert plan_value(csc_matrix(a), w, np.ones(300, np.int64), alt) <= value + 1e-9


def district_instance(seed, shared=False):
    """Three districts, each covering its own block of rows (one shared row if asked)."""
    rng = np.random.default_rng(seed)
    blocks = [rng.random((25, 6)) < 0.2 for _ in range(3)]
    a = np.zeros((75, 18), bool)
    for d, b in enumerate(blocks):
        a[25 * d : 25 * (d + 1), 6 * d : 6 * (d + 1)] = b
    if shared:
        a[0, 17] = True  # district C's candidate covers a row of district A
    return CoverageMatrix.from_arrays(
        a,
        rng.integers(1, 9, 75).astype(float),
        candidate_ids=[f"s{j}" for j in range(18)],
        candidate_district=np.repeat(["A", "B", "C"], 6),
    )


@pytest.mark.parametrize("seed", range(4))
def test_district_split_equals_the_joint_solve(seed):
    quotas = pd.DataFrame({"district": ["A", "B", "C"], "min": [2, 1, 2], "max": [2, 1, 2]})
    for shared in (False, True):
        cm = district_instance(seed, shared)
        ref = optimum(cm, 5, quotas=quotas)
        for solver in ("exact", "greedy"):
            sel = select_sites(cm, n_add=5, quotas=quotas, solver=solver, mip_gap=0.0)
            info = sel.summary()["solver_info"]
            if shared:
                assert info["decomposition"] == "districts share coverable demand rows"
            else:
                assert info["decomposition"] == "by district (3 parts)"
            assert sel.bound >= ref.objective - 1e-9
            if solver == "exact":
                assert sel.objective == pytest.approx(ref.objective) and sel.gap < 1e-9
            counts = pd.Series(cm.candidate_district[sel.selected]).value_counts()
            assert counts.to_dict() == {"A": 2, "C": 2, "B": 1}


def test_decomposable_says_why_not():
    cm = district_instance(0)
    a = cm.covers
    base = dict(cover=a, weight=cm.weights, eligible=np.ones(18, bool),
                district=np.repeat([0, 1, 2], 6))  # fmt: skip
    fixed = Problem(**base, quota_min=np.array([1, 1, 1]), quota_max=np.array([1, 1, 1]))
    assert decomposable(fixed, 3)[0] == {0: 1, 1: 1, 2: 1}
    loose = Problem(**base, quota_min=np.array([0, 1, 1]), quota_max=np.array([1, 1, 1]))
    why = "the quotas do not fix every district's number of sites"
    assert decomposable(loose, 3) == ({}, why)
    assert decomposable(Problem(cover=a, weight=cm.weights, eligible=np.ones(18, bool)), 3)[1] == (
        "no district quotas"
    )


def test_time_limited_reduced_exact_keeps_a_valid_gap():
    rng = np.random.default_rng(11)
    covers = rng.random((3000, 600)) < 0.01
    cm = CoverageMatrix.from_arrays(covers, rng.integers(1, 10, 3000).astype(float))
    old = select_sites(cm, n_add=40, solver="exact", time_limit_s=0.01, reduce=False)
    new = select_sites(cm, n_add=40, solver="exact", time_limit_s=0.01)
    greedy = select_sites(cm, n_add=40)
    assert new.objective >= greedy.objective - 1e-9
    assert new.bound <= greedy.bound + 1e-9
    assert new.bound >= max(new.objective, old.objective) - 1e-9
    assert np.isfinite(new.gap) and new.gap <= greedy.gap + 1e-12


def test_time_budgets_that_cut_the_search_are_recorded_and_said(monkeypatch, caplog):
    """A swap search or bound stopped by its wall-clock budget is named in solver_info."""
    import harbor_planner.optimize.engine as engine

    rng = np.random.default_rng(5)
    covers = rng.random((400, 80)) < 0.05
    cm = CoverageMatrix.from_arrays(covers, rng.integers(1, 10, 400).astype(float))
    free = select_sites(cm, n_add=6)
    assert "time_budgets_hit" not in free.summary()["solver_info"]
    monkeypatch.setattr(engine, "SWAP_TIME_S", 0.0)
    monkeypatch.setattr(engine, "LAGRANGE_TIME_S", 0.0)
    with caplog.at_level("WARNING", logger="harbor_planner.optimize.engine"):
        cut = select_sites(cm, n_add=6)
    hit = cut.summary()["solver_info"]["time_budgets_hit"]
    assert hit == ["swap search", "Lagrangian bound"]
    assert "faster or busier machine may find other sites" in caplog.text
    assert cut.bound >= cut.objective  # what it states still holds
    from harbor_planner.outputs.wording import summary_rows

    rows = {label: v for _, label, v in summary_rows(cut.summary(), "zh")}
    assert rows["因时间预算提前停止的步骤"] == "交换搜索、拉格朗日界"


def test_reproducible_plans_ignore_the_clock(monkeypatch):
    """``reproducible``: steps, not seconds, stop the swaps and bounds (plan and gap as free)."""
    import harbor_planner.optimize.engine as engine
    import harbor_planner.optimize.stages as stages

    rng = np.random.default_rng(3)  # an instance where the swap search changes greedy's plan
    covers = rng.random((600, 120)) < 0.04
    cm = CoverageMatrix.from_arrays(covers, rng.integers(1, 10, 600).astype(float))
    free = select_sites(cm, n_add=8)
    staged_free = select_sites(cm, stages=[("a", 4), ("b", 4)])
    assert free.summary()["solver_info"]["swaps"] >= 1
    assert free.summary()["solver_info"]["budgets"] == "time"
    for module, name in ((engine, "SWAP_TIME_S"), (engine, "LAGRANGE_TIME_S"),
                         (stages, "LAGRANGE_TIME_S")):  # fmt: skip
        monkeypatch.setattr(module, name, 0.0)  # a machine far too slow for the budgets
    cut = select_sites(cm, n_add=8)
    assert sorted(cut.selected) != sorted(free.selected) and cut.bound > free.bound
    same = select_sites(cm, n_add=8, reproducible=True)
    assert list(same.selected) == list(free.selected)
    assert same.objective == free.objective and same.bound == free.bound
    info = same.summary()["solver_info"]
    assert info["budgets"] == "steps" and "time_budgets_hit" not in info
    staged = select_sites(cm, stages=[("a", 4), ("b", 4)], reproducible=True)
    assert list(staged.selected) == list(staged_free.selected)
    assert staged.bound == staged_free.bound  # the whole plan's bound too
    info = staged.summary()["solver_info"]  # a staged plan's, at its top level too
    assert info["budgets"] == "steps" and "time_budgets_hit" not in info
    staged_cut = select_sites(cm, stages=[("a", 4), ("b", 4)])
    assert staged_cut.bound > staged_free.bound
    hit = staged_cut.summary()["solver_info"]["time_budgets_hit"]
    assert set(hit) == {"swap search", "Lagrangian bound", "whole-plan bound"}
    assert staged_free.summary()["solver_info"]["budgets"] == "time"
    assert "time_budgets_hit" not in staged_free.summary()["solver_info"]


# ----------------------------------------------------------- cover mode's lower bound (27A)


def fewest_by_brute_force(cm, target, *, excluded=(), spacing=None):
    """The fewest sites reaching ``target`` % over all subsets (``None``: no subset does)."""
    a = cm.covers.toarray()
    need = target / 100 * cm.total_weight
    allowed = [j for j in range(cm.n_candidates) if cm.candidate_ids[j] not in excluded]
    xy = cm.candidate_xy
    for k in range(len(allowed) + 1):
        for s in itertools.combinations(allowed, k):
            if spacing and any(np.hypot(*(xy[i] - xy[j])) < spacing
                               for i, j in itertools.combinations(s, 2)):  # fmt: skip
                continue
            hit = cm.existing_covered | a[:, list(s)].any(axis=1)
            if cm.weights[hit].sum() >= need - 1e-9:
                return k
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_cand=st.integers(2, 10),
    target=st.floats(10, 100),
    spacing=st.sampled_from([None, 250.0]),
)
def test_the_cover_bound_never_exceeds_the_fewest_sites(seed, n_cand, target, spacing):
    """Probe 27A: the tightened lower bound on the sites is still a proven one."""
    rng = np.random.default_rng(seed)
    n_dem = int(rng.integers(5, 40))
    covers = rng.random((n_dem, n_cand)) < rng.uniform(0.1, 0.5)
    cm = CoverageMatrix.from_arrays(
        covers, rng.integers(0, 30, n_dem).astype(float),
        existing_covered=rng.random(n_dem) < 0.2,
        candidate_ids=[f"c{j}" for j in range(n_cand)],
        candidate_xy=rng.random((n_cand, 2)) * 1000,
    )  # fmt: skip
    excluded = [f"c{j}" for j in range(n_cand) if rng.random() < 0.15]
    fewest = fewest_by_brute_force(cm, target, excluded=excluded, spacing=spacing)
    kw = dict(mode="cover", target_pct=target, excluded=excluded, min_spacing_m=spacing)
    if fewest is None:
        with pytest.raises(InfeasibleError):
            select_sites(cm, **kw)
        return
    for solver in ("greedy", "exact"):
        sel = select_sites(cm, solver=solver, **kw)
        assert sel.bound <= fewest <= len(sel.selected)
        assert sel.coverage_pct_after >= target - 1e-7
        assert (sel.status == "optimal") == (len(sel.selected) == sel.bound)
    assert select_sites(cm, solver="exact", **kw).objective == fewest


def fewest_by_scipy_milp(cm, target):
    """The fewest sites reaching ``target`` %: the set-cover MILP solved by scipy (HiGHS)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    a = cm.covers.toarray().astype(float)
    n_r, n_c = a.shape
    w = np.where(cm.existing_covered, 0.0, cm.weights)
    needed = target / 100 * cm.total_weight - cm.covered_weight_before
    rows = LinearConstraint(np.hstack([-a, np.eye(n_r)]), -np.inf, 0.0)  # y_i <= sum_j a_ij x_j
    goal = LinearConstraint(np.concatenate([np.zeros(n_c), w])[None], needed - 1e-9, np.inf)
    res = milp(np.concatenate([np.ones(n_c), np.zeros(n_r)]), constraints=[rows, goal],
               integrality=np.r_[np.ones(n_c), np.zeros(n_r)], bounds=Bounds(0, 1))  # fmt: skip
    assert res.status == 0
    return round(res.fun)


def street_like(seed, n_dem=200, n_cand=80, radius=170.0):
    """Demand and candidates scattered over 1 km², covered within ``radius`` m, 3 stations."""
    rng = np.random.default_rng(seed)
    dem, cand, st_ = (
        rng.random((n_dem, 2)) * 1000,
        rng.random((n_cand, 2)) * 1000,
        rng.random((3, 2)) * 1000,
    )
    near = np.linalg.norm(dem[:, None] - cand[None], axis=2) <= radius
    existing = (np.linalg.norm(dem[:, None] - st_[None], axis=2) <= radius).any(axis=1)
    return CoverageMatrix.from_arrays(near, rng.integers(1, 10, n_dem).astype(float),
                                      existing_covered=existing, candidate_xy=cand)  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("target", [85, 95])
def test_the_cover_bound_is_valid_and_tight_against_scipy_milp(seed, target):
    """Probe 27A: greedy's bound (its largest first-step gains) stood 2-2.7x below the fewest
    sites; the Lagrangian bound, bisected on the count, comes within one site of it."""
    cm = street_like(seed)
    fewest = fewest_by_scipy_milp(cm, target)
    sel = select_sites(cm, mode="cover", target_pct=target)
    assert fewest - 1 <= sel.bound <= fewest <= len(sel.selected)
    assert sel.summary()["solver_info"]["bound_method"] == "lagrangian"


def test_the_cover_bound_keeps_to_its_time_budget_or_to_its_steps(monkeypatch, caplog):
    """A cover bound cut by its budget is said and still holds; ``reproducible`` ignores it."""
    import harbor_planner.optimize.select as select

    cm = street_like(1, n_dem=300, n_cand=120)
    free = select_sites(cm, mode="cover", target_pct=95)
    info = free.summary()["solver_info"]
    assert info["budgets"] == "time" and "time_budgets_hit" not in info
    monkeypatch.setattr(select, "LAGRANGE_TIME_S", 0.0)  # a machine far too slow for it
    with caplog.at_level("WARNING", logger="harbor_planner.optimize.select"):
        cut = select_sites(cm, mode="cover", target_pct=95)
    assert cut.summary()["solver_info"]["time_budgets_hit"] == ["Lagrangian bound"]
    assert "the lower bound on the sites stopped at its time budget" in caplog.text
    assert cut.bound < free.bound <= len(free.selected)  # greedy's own bound only
    same = select_sites(cm, mode="cover", target_pct=95, reproducible=True)
    assert same.bound == free.bound and list(same.selected) == list(free.selected)
    assert same.summary()["solver_info"]["budgets"] == "steps"


def test_exact_cover_skips_highs_when_the_bound_proves_greedys_count(monkeypatch):
    """The demo's kind of plan: greedy's 8 sites proven the fewest without HiGHS."""
    import harbor_planner.optimize.select as select

    cm = street_like(0)
    greedy = select_sites(cm, mode="cover", target_pct=85)
    assert greedy.status == "optimal"

    def no_highs(*args, **kwargs):
        raise AssertionError("HiGHS ran although the bound proved the plan")

    monkeypatch.setattr(select, "milp", no_highs)
    exact = select_sites(cm, mode="cover", target_pct=85, solver="exact")
    assert (exact.solver, exact.status, exact.gap) == ("exact", "optimal", 0.0)
    assert list(exact.selected) == list(greedy.selected)


def test_a_greedy_cover_plan_that_is_the_fewest_reads_so():
    """Probe 27A: greedy's 8 sites, the minimum, read "not proven the fewest (at least 4)" and
    "optimality gap 50.00 %"; here greedy's bound said at least 3 of 5 (gap 40 %)."""
    from harbor_planner.pipeline.results import plan_headline

    cm = street_like(2, radius=250.0)
    sel = select_sites(cm, mode="cover", target_pct=95)
    assert len(sel.selected) == sel.bound == fewest_by_scipy_milp(cm, 95) == 5
    assert sel.status == "optimal" and sel.gap == 0.0
    line = plan_headline(sel.summary())
    assert "5 new sites (the fewest to reach the 95 % target) (greedy)" in line
    assert "optimality gap 0.00 %" in line and "not proven" not in line


def test_a_smaller_plan_the_cover_bound_finds_replaces_greedys():
    """The bound's inner plans are plans: one of 6 sites reaching the target beats greedy's 7."""
    cm = street_like(49)
    sel = select_sites(cm, mode="cover", target_pct=80)
    assert len(sel.selected) == sel.bound == fewest_by_scipy_milp(cm, 80) == 6
    assert sel.summary()["solver_info"]["greedy"] == "7 sites; the bound's inner plan 6"
    assert sel.status == "optimal" and sel.coverage_pct_after >= 80
    added = cm.covered_weight(sel.selected) - cm.covered_weight_before
    assert np.sum(sel.gains) == pytest.approx(added)
    assert np.all(np.diff(sel.gains) <= 1e-9)  # ranked: the largest gain first

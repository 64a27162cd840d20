"""Site optimiser: models, solvers and constraints against brute force on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from harbor_planner import InfeasibleError, InputDataError
from harbor_planner._text import pct1
from harbor_planner.optimize import (
    CoverageMatrix,
    parse_stages,
    proportional_quotas,
    select_sites,
)


def random_instance(seed, n_dem=40, n_cand=12, density=0.2, existing=0.2):
    rng = np.random.default_rng(seed)
    covers = rng.random((n_dem, n_cand)) < density
    weights = rng.integers(1, 20, n_dem).astype(float)
    return CoverageMatrix.from_arrays(
        covers,
        weights,
        existing_covered=rng.random(n_dem) < existing,
        candidate_ids=[f"c{j}" for j in range(n_cand)],
        candidate_xy=rng.random((n_cand, 2)) * 1000,
        candidate_district=np.array(["A", "B", "C"])[rng.integers(0, 3, n_cand)],
        candidate_cost=rng.integers(1, 5, n_cand).astype(float),
    )


def brute_force(cm, k, *, feasible=lambda s: True):
    """Best newly covered weight over all k-subsets (and the subset)."""
    a = cm.covers.toarray()
    open_w = np.where(cm.existing_covered, 0.0, cm.weights)
    best, arg = -1.0, None
    for s in itertools.combinations(range(cm.n_candidates), k):
        if not feasible(s):
            continue
        v = open_w[a[:, list(s)].any(axis=1)].sum()
        if v > best + 1e-9:
            best, arg = v, s
    return best, arg


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 3, 5])
def test_exact_equals_brute_force_and_greedy_bound_holds(seed, k):
    cm = random_instance(seed)
    best, _ = brute_force(cm, k)
    exact = select_sites(cm, n_add=k, solver="exact")
    assert exact.objective == pytest.approx(best)
    assert exact.gap == pytest.approx(0.0, abs=1e-6)
    assert exact.status == "optimal"
    greedy = select_sites(cm, n_add=k, solver="greedy")
    assert greedy.objective <= best + 1e-9
    assert greedy.bound >= best - 1e-9  # the online bound is a true upper bound
    assert greedy.objective >= (1 - 1 / np.e) * best - 1e-9
    assert greedy.gap == pytest.approx((greedy.bound - greedy.objective) / greedy.bound)
    # existing coverage counts, new gains add up
    assert exact.covered_after == pytest.approx(exact.covered_before + exact.objective)
    assert list(exact.curve["rank"]) == list(range(1, k + 1))
    assert exact.curve["gain"].is_monotonic_decreasing


def test_hand_computed_instance():
    # demand rows: weights 10, 5, 5, 1; candidate 0 covers rows 0; 1 covers 1, 2; 2 covers 0, 3
    covers = np.array([[1, 0, 1], [0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    cm = CoverageMatrix.from_arrays(covers, [10, 5, 5, 1], candidate_ids=["a", "b", "c"])
    one = select_sites(cm, n_add=1, solver="greedy")
    assert list(one.site_ids) == ["c"] and one.objective == 11
    two = select_sites(cm, n_add=2, solver="exact")
    assert list(two.site_ids) == ["c", "b"] and two.objective == 21
    assert list(two.curve["coverage_pct"]) == pytest.approx([11 / 21 * 100, 100.0])
    # existing stations already cover row 0: then b first
    cm2 = CoverageMatrix.from_arrays(covers, [10, 5, 5, 1], existing_covered=[1, 0, 0, 0])
    first = select_sites(cm2, n_add=1)
    assert list(first.site_ids) == ["1"] and first.coverage_pct_before == pytest.approx(
        47.619, abs=1e-3
    )


def test_deterministic_tie_breaking():
    covers = np.eye(4, dtype=bool)  # four equal candidates
    cm = CoverageMatrix.from_arrays(covers, [1, 1, 1, 1], candidate_ids=list("wxyz"))
    runs = [list(select_sites(cm, n_add=2).site_ids) for _ in range(3)]
    assert runs == [["w", "x"]] * 3


@pytest.mark.parametrize("seed", range(4))
def test_spacing_quotas_budget_against_brute_force(seed):
    cm = random_instance(seed, n_cand=10)
    k, spacing = 3, 300.0
    xy = cm.candidate_xy
    dist = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))

    def spaced(s):
        return all(dist[i, j] >= spacing for i, j in itertools.combinations(s, 2))

    best, _ = brute_force(cm, k, feasible=spaced)
    if best >= 0:
        sel = select_sites(cm, n_add=k, solver="exact", min_spacing_m=spacing)
        assert sel.objective == pytest.approx(best)
        chosen = sel.selected
        assert all(dist[i, j] >= spacing for i, j in itertools.combinations(chosen, 2))
        g = select_sites(cm, n_add=k, min_spacing_m=spacing)
        assert spaced(tuple(g.selected)) and g.bound >= best - 1e-9

    quotas = pd.DataFrame({"district": ["A", "B"], "min": [1, 0], "max": [2, 1]})
    dist_of = cm.candidate_district

    def quota_ok(s):
        d = dist_of[list(s)]
        return 1 <= (d == "A").sum() <= 2 and (d == "B").sum() <= 1

    best_q, _ = brute_force(cm, k, feasible=quota_ok)
    if best_q >= 0:
        sel = select_sites(cm, n_add=k, solver="exact", quotas=quotas)
        assert sel.objective == pytest.approx(best_q)
        assert quota_ok(tuple(sel.selected))
        assert quota_ok(tuple(select_sites(cm, n_add=k, quotas=quotas).selected))

    budget = 6.0
    cost = cm.candidate_cost

    def afford(s):
        return cost[list(s)].sum() <= budget

    best_b, _ = brute_force(cm, k, feasible=afford)
    if best_b >= 0:
        sel = select_sites(cm, n_add=k, solver="exact", budget=budget)
        assert sel.objective == pytest.approx(best_b)
        assert afford(tuple(sel.selected))


@pytest.mark.parametrize("seed", range(4))
def test_set_cover_exact_is_minimal(seed):
    cm = random_instance(seed, n_dem=25, n_cand=9, density=0.3)
    a = cm.covers.toarray()
    target = 80.0
    need = target / 100 * cm.total_weight
    best = None
    for k in range(0, 10):
        for s in itertools.combinations(range(9), k):
            hit = cm.existing_covered | a[:, list(s)].any(axis=1)
            if cm.weights[hit].sum() >= need - 1e-9:
                best = k
                break
        if best is not None:
            break
    if best is None:
        with pytest.raises(InfeasibleError, match="cannot be reached"):
            select_sites(cm, mode="cover", target_pct=target)
        return
    exact = select_sites(cm, mode="cover", target_pct=target, solver="exact")
    assert len(exact.selected) == best and exact.gap == 0
    assert exact.coverage_pct_after >= target - 1e-9
    greedy = select_sites(cm, mode="cover", target_pct=target)
    assert len(greedy.selected) >= best >= greedy.bound
    assert greedy.coverage_pct_after >= target - 1e-9
    # the summary (summary.json, the report) says which target the sites reach
    assert exact.summary()["target_pct"] == greedy.summary()["target_pct"] == target
    assert "target_pct" not in select_sites(cm, n_add=1).summary()


@pytest.mark.parametrize("seed", range(8))
def test_a_staged_plans_bound_holds_for_all_its_sites_at_once(seed):
    """The staged plan's bound (and so its gap) is proven against the best plan of all its
    sites chosen together, with spacing and quotas (brute force over every 5-subset)."""
    cm = random_instance(seed, n_dem=50, n_cand=13)
    xy = cm.candidate_xy
    dist = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    d = cm.candidate_district
    quotas = pd.DataFrame({"district": ["A", "B"], "min": [1, 0], "max": [3, 2]})

    def ok(s):
        near = any(dist[i, j] < 150.0 for i, j in itertools.combinations(s, 2))
        picked = d[list(s)]
        return not near and 1 <= (picked == "A").sum() <= 3 and (picked == "B").sum() <= 2

    best, _ = brute_force(cm, 5, feasible=ok)
    stages = [("2025", 2), ("2026", 2), ("2027", 1)]
    for solver in ("greedy", "exact"):
        try:
            plan = select_sites(cm, stages=stages, solver=solver, min_spacing_m=150.0,
                                quotas=quotas)  # fmt: skip
        except InfeasibleError:
            continue
        assert ok(tuple(plan.selected)) and plan.objective <= best + 1e-9
        assert plan.bound >= best - 1e-9 and np.isfinite(plan.gap)
        assert plan.gap == pytest.approx(_gap(plan.bound, plan.objective))
        assert len(plan.info["stage_statuses"]) == 3
        # "optimal" only for a plan proven optimal as a whole, whatever its stages say
        assert (plan.status == "optimal") == (plan.gap <= 1e-6)


def _gap(bound, objective):
    return 0.0 if bound <= 0 else (bound - objective) / bound


def test_stages_build_on_each_other():
    cm = random_instance(3, n_dem=60, n_cand=15)
    staged = select_sites(cm, stages=[("2024", 2), ("2025", 3)])
    assert list(staged.stage) == ["2024"] * 2 + ["2025"] * 3
    assert staged.curve["covered"].is_monotonic_increasing
    one_shot = select_sites(cm, n_add=5)
    # greedy stages equal greedy in one go (each stage continues the same greedy order)
    assert list(staged.site_ids) == list(one_shot.site_ids)
    # the bound is that of all 5 sites chosen at once: above the one-shot optimum, finite gap
    best = select_sites(cm, n_add=5, solver="exact")
    assert best.gap <= 1e-6 and staged.bound >= best.objective - 1e-9
    assert np.isfinite(staged.gap) and 0 <= staged.gap < 1
    assert staged.gap == pytest.approx((staged.bound - staged.objective) / staged.bound)
    exact = select_sites(cm, stages=[("2024", 2), ("2025", 3)], solver="exact")
    first = select_sites(cm, n_add=2, solver="exact")
    assert exact.curve["covered"].iloc[1] == pytest.approx(first.covered_after)
    with pytest.raises(InputDataError, match="agree"):
        select_sites(cm, n_add=4, stages=[("2024", 2), ("2025", 3)])


def test_infeasible_constraints_say_which_and_by_how_much():
    cm = random_instance(0, n_cand=6)
    with pytest.raises(InfeasibleError, match="only 6 candidates are eligible"):
        select_sites(cm, n_add=8)
    # the message says what ruled candidates out (probe 14L)
    ids = list(map(str, cm.candidate_ids[:2]))
    with pytest.raises(InfeasibleError, match="of the 6 candidates, 2 excluded"):
        select_sites(cm, n_add=5, excluded=ids)
    quotas = pd.DataFrame({"district": ["A", "Z"], "min": [0, 2], "max": [None, None]})
    with pytest.raises(InfeasibleError, match="Z needs at least 2 new sites but has 0"):
        select_sites(cm, n_add=3, quotas=quotas)
    abc = CoverageMatrix.from_arrays(
        np.eye(6, dtype=bool), np.ones(6), candidate_district=list("AAABBC")
    )
    with pytest.raises(InfeasibleError, match=r"add up to 5 .* \(by 2\)"):
        select_sites(
            abc,
            n_add=3,
            quotas=pd.DataFrame({"district": ["A", "B"], "min": [3, 2], "max": [9, 9]}),
        )
    with pytest.raises(InfeasibleError, match="at most 3 new sites, 1 fewer"):
        select_sites(
            abc, n_add=4, quotas=pd.DataFrame({"district": ["A", "B", "C"], "min": 0, "max": 1})
        )
    with pytest.raises(InfeasibleError, match="could be placed"):
        select_sites(cm, n_add=4, min_spacing_m=5000)
    with pytest.raises(InfeasibleError, match=r"could be placed|no solution"):
        select_sites(cm, n_add=4, min_spacing_m=5000, solver="exact")
    empty = CoverageMatrix.from_arrays(np.ones((2, 2), bool), [0.0, 0.0])
    with pytest.raises(InputDataError, match="no demand"):
        select_sites(empty, n_add=1)


def test_parse_stages_and_proportional_quotas():
    assert parse_stages("2024:400, 2025:350") == [("2024", 400), ("2025", 350)]
    for bad in ("2024", "2024:0", "2024:4,2024:5", "x:y"):
        with pytest.raises(InputDataError):
            parse_stages(bad)
    table = pd.DataFrame({"district": ["a", "b", "c"], "population": [5, 3, 2]})
    q = proportional_quotas(table, column="population", n_add=7)
    # 3.5, 2.1, 1.4 -> 3, 2, 1 and the largest remainders (0.5, then 0.4) get the rest
    assert list(q["min"]) == [4, 2, 1] and list(q["max"]) == [4, 2, 1]
    with pytest.raises(InputDataError, match="column"):
        proportional_quotas(table, column="people", n_add=7)


# --------------------------------------------------------------------------- end to end


def test_cli_optimize_on_the_diamond(tmp_path, capsys):
    import json
    from pathlib import Path

    from pyproj import Transformer

    from harbor_planner.cli import main

    data = Path(__file__).parent / "data" / "network"
    x0, y0 = 600000.0, 3260000.0
    lon, lat = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True).transform(
        [x0 + 25], [y0 + 3]
    )
    stations = tmp_path / "st.csv"
    pd.DataFrame({"编号": ["A1"], "名称": ["一号"], "经度": lon, "纬度": lat}).to_csv(
        stations, index=False
    )
    base = ["-q", "optimize", "--network", str(data / "diamond.geojson"), "--stations",
            str(stations), "--crs", "wgs84", "--demand", "grid:20", "--minutes", "2",
            "--candidate-spacing", "40"]  # fmt: skip
    out = tmp_path / "plan"
    assert main([*base, "--add", "1", "--solver", "exact", "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    for key in ("objective", "coverage_pct_before", "coverage_pct_after", "solver",
                "optimality_gap", "upper_bound"):  # fmt: skip
        assert key in summary
    # timings are in run.json, so that the same inputs give the same summary.json
    assert "runtime_s" not in summary and "build_s" not in summary["matrix"]
    timings = json.loads((out / "run.json").read_text("utf-8"))["summary_timings_s"]
    assert timings["runtime_s"] >= 0 and timings["matrix.build_s"] >= 0
    assert summary["optimality_gap"] == 0 and summary["solver"] == "exact"
    assert summary["coverage_pct_after"] > summary["coverage_pct_before"]
    # a run's summary besides (probe 19W: the selection alone, and compare refused the folder)
    assert summary["coverage"]["coverage_pct"] == summary["coverage_pct_before"]
    assert summary["coverage_after"]["coverage_pct"] == summary["coverage_pct_after"]
    assert summary["optimize"]["objective"] == summary["objective"]
    assert "euclidean_coverage_pct" in summary["coverage"]
    import shutil

    shutil.copytree(out, tmp_path / "plan2")
    code = main(["-q", "compare", str(out), str(tmp_path / "plan2"), "--out",
                 str(tmp_path / "cmp.csv")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    sites = pd.read_csv(out / "selected_sites.csv", encoding="utf-8-sig")
    assert list(sites.columns[:3]) == ["rank", "name", "kind_text"]  # the name shown first
    assert {"site_id", "lon", "lat", "lon_gcj02", "lat_gcj02", "gain", "district", "kind"} <= set(
        sites.columns
    )
    assert list(sites["rank"]) == [1]
    assert (out / "report.html").is_file() and (out / "report.xlsx").is_file()
    assert '<script src="http' not in (out / "map.html").read_text("utf-8")
    curve = pd.read_csv(out / "coverage_curve.csv", encoding="utf-8-sig")
    assert curve["coverage_pct"].iloc[-1] == pytest.approx(
        summary["coverage_pct_after"], abs=0.005
    )  # published to 2 decimals
    # asking for more sites than candidates: a clear error and nothing written
    code = main([*base, "--add", "500", "--out", str(tmp_path / "none")])
    assert code == InfeasibleError.exit_code
    assert "eligible" in capsys.readouterr().err
    assert not (tmp_path / "none" / "summary.json").exists()


@pytest.mark.slow
@pytest.mark.realdata
def test_yuzhong_exact_beats_or_equals_greedy(yuzhong_osm, shared):
    from harbor_planner import build_network, read_stations
    from harbor_planner.candidates import candidates_from_spec
    from harbor_planner.demand import main_street_demand
    from harbor_planner.optimize import coverage_matrix

    net = build_network(yuzhong_osm, progress=False)
    st = read_stations(shared("yuzhong", "stations_illustrative_gbk.csv"), crs="gcj02").stations
    cand = candidates_from_spec("auto", network=net, spacing_m=400)
    cm = coverage_matrix(net, cand, main_street_demand(net), existing=st)
    assert cm.n_candidates == len(cand) and 0.3 < cm.covered_weight_before / cm.total_weight < 0.6
    greedy = select_sites(cm, n_add=15)
    exact = select_sites(cm, n_add=15, solver="exact")
    assert exact.gap < 1e-3
    assert greedy.objective <= exact.objective + 1e-6 <= greedy.bound + 1e-6
    spaced = select_sites(cm, n_add=15, solver="exact", min_spacing_m=800)
    xy = cm.candidate_xy[spaced.selected]
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    assert d[np.triu_indices(15, 1)].min() >= 800
    assert spaced.objective <= exact.objective + 1e-6


@pytest.mark.realdata
def test_yuzhong_walking_spacing(yuzhong_osm, shared):
    from scipy.sparse.csgraph import dijkstra

    from harbor_planner import WalkModel, build_network, read_stations
    from harbor_planner.candidates import candidates_from_spec
    from harbor_planner.demand import main_street_demand
    from harbor_planner.network import anchors_for
    from harbor_planner.optimize import coverage_matrix

    net = build_network(yuzhong_osm, progress=False)
    st = read_stations(shared("yuzhong", "stations_illustrative_gbk.csv"), crs="gcj02").stations
    cand = candidates_from_spec("auto", network=net, spacing_m=400)
    cm = coverage_matrix(net, cand, main_street_demand(net), existing=st, walk_spacing_m=600)
    ws = cm.walk_spacing
    assert ws.conflicts.nnz > 0 and ws.near_existing.any()
    # walking is never shorter than the straight line: every pair closer than 600 m on foot
    # is closer than 600 m in a straight line too
    i, j = ws.conflicts.nonzero()
    xy = cm.candidate_xy
    assert (np.hypot(*(xy[i] - xy[j]).T) <= 600 + 1e-6).all()
    sel = select_sites(cm, n_add=10, min_spacing_m=600, spacing="walk")
    chosen = sel.selected
    assert ws.conflicts[chosen][:, chosen].nnz == 0
    assert not ws.near_existing[chosen].any()
    # every pair of chosen sites is at least 600 m apart on foot (exact walk on the network)
    metres = net.with_walk_model(WalkModel(kind="flat", speed_kmh=3.6))
    a = anchors_for(metres, cand.iloc[chosen])
    e = metres.edges.loc[a.edge]
    ends = e[["u", "v"]].to_numpy()
    legs = np.column_stack([a.frac * e["length_m"], (1 - a.frac) * e["length_m"]])
    d = dijkstra(metres.time_graph(), indices=ends.ravel())  # 2 rows per site
    for p in range(len(chosen)):
        for q in range(p + 1, len(chosen)):
            if a.edge[p] == a.edge[q]:
                walk = abs(a.frac[p] - a.frac[q]) * e["length_m"].iloc[p]
            else:
                walk = min(
                    legs[p, s] + d[2 * p + s, ends[q, t]] + legs[q, t]
                    for s in (0, 1)
                    for t in (0, 1)
                )
            assert walk >= 600 - 1e-6
    with pytest.raises(InputDataError, match="walk_spacing_m=500"):
        select_sites(cm, n_add=10, min_spacing_m=500, spacing="walk")


def test_time_limited_exact_never_worse_than_greedy():
    rng = np.random.default_rng(7)
    covers = rng.random((3000, 600)) < 0.01
    cm = CoverageMatrix.from_arrays(covers, rng.integers(1, 10, 3000).astype(float))
    greedy = select_sites(cm, n_add=40)
    rushed = select_sites(cm, n_add=40, solver="exact", time_limit_s=0.01)
    assert rushed.objective >= greedy.objective - 1e-9
    assert rushed.bound <= greedy.bound + 1e-9
    g_cover = select_sites(cm, mode="cover", target_pct=60)
    r_cover = select_sites(cm, mode="cover", target_pct=60, solver="exact", time_limit_s=0.01)
    assert len(r_cover.selected) <= len(g_cover.selected)
    assert r_cover.bound >= g_cover.bound
    assert r_cover.coverage_pct_after >= 60 - 1e-9


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [1, 2, 4])
def test_backup_coverage_against_brute_force(seed, k):
    rng = np.random.default_rng(seed)
    n_dem, n_cand = 30, 10
    covers = rng.random((n_dem, n_cand)) < 0.25
    weights = rng.integers(1, 20, n_dem).astype(float)
    existing = rng.integers(0, 3, n_dem)  # 0, 1 or 2 existing stations reach each point
    cm = CoverageMatrix.from_arrays(covers, weights, existing_count=existing)

    def value(s):  # each point counts up to twice
        c = existing + covers[:, list(s)].sum(axis=1)
        return float((weights * np.minimum(c, 2)).sum() - (weights * np.minimum(existing, 2)).sum())

    best = max(value(s) for s in itertools.combinations(range(n_cand), k))
    exact = select_sites(cm, n_add=k, solver="exact", min_cover=2)
    assert exact.objective == pytest.approx(best)
    greedy = select_sites(cm, n_add=k, min_cover=2)
    assert greedy.objective <= best + 1e-9 <= greedy.bound + 1e-9
    # the reported single and double coverage follow from the counts
    c = existing + covers[:, exact.selected].sum(axis=1)
    assert exact.covered_after == pytest.approx(weights[c >= 1].sum())
    assert exact.double_after == pytest.approx(weights[c >= 2].sum())
    assert exact.double_before == pytest.approx(weights[existing >= 2].sum())
    assert exact.curve["double_coverage_pct"].iloc[-1] == pytest.approx(
        100 * weights[c >= 2].sum() / weights.sum()
    )
    # each site's published gain is the demand it newly covers (probe 15T: it was the
    # objective's gain, second covers included, printed as new coverage); the objective's
    # own gains are kept beside it
    for sel in (exact, greedy):
        before = sel.covered_before
        steps = np.diff(sel.curve["covered"].to_numpy(), prepend=before)
        assert (
            sel.gains == pytest.approx(steps) and sel.curve["gain"].tolist() == sel.gains.tolist()
        )
        assert sel.gains.sum() == pytest.approx(sel.covered_after - before)
        assert sel.curve["objective_gain"].sum() == pytest.approx(sel.objective)


def test_backup_coverage_prefers_a_second_cover():
    # two rows of weight 10 and 1: row 0 is covered once already; a covers row 0, b row 1
    covers = np.array([[1, 0], [0, 1]], dtype=bool)
    cm = CoverageMatrix.from_arrays(
        covers, [10, 1], existing_count=[1, 0], candidate_ids=["a", "b"]
    )
    assert list(select_sites(cm, n_add=1).site_ids) == ["b"]  # first covers only
    assert list(select_sites(cm, n_add=1, min_cover=2).site_ids) == ["a"]  # backup counts
    with pytest.raises(InputDataError, match="min_cover"):
        select_sites(cm, n_add=1, min_cover=0)


def test_spacing_allows_sites_exactly_the_spacing_apart():
    """``min_spacing_m`` is the least distance kept: exactly that far is allowed, closer is not,
    between new sites as against existing stations."""
    covers = np.eye(4, dtype=bool)  # each candidate covers its own demand point
    xy = np.array([[0.0, 0.0], [300.0, 0.0], [600.0, 0.0], [899.9, 0.0]])
    cm = CoverageMatrix.from_arrays(covers, np.ones(4), candidate_xy=xy,
                                    existing_xy=np.array([[300.0, 300.0]]))  # fmt: skip
    sel = select_sites(cm, n_add=3, min_spacing_m=300.0, solver="exact")
    assert sorted(int(i) for i in sel.selected) == [0, 1, 2]  # 300 m apart, 300 m from the station
    with pytest.raises(InfeasibleError):
        select_sites(cm, n_add=4, min_spacing_m=300.0, solver="exact")  # 899.9 is 299.9 m from 600


def test_sites_are_named_after_ground_streets_not_a_tunnel_beside_them(tmp_path):
    """A site on an unnamed street 10 m from a named tunnel and 40 m from a named street takes
    the street's name; a site on a bridge keeps the bridge's name; a site on a street 5 m
    from a viaduct passing 3 m from it is anchored to the street and takes its name (session
    22's list: it took the viaduct's)."""
    import geopandas as gpd
    import shapely

    from harbor_planner import build_network
    from harbor_planner.optimize.naming import nearest_street_names
    from osm_files import X0, Y0, write_osm

    ways = [
        (1, [(0.0, 0.0), (200.0, 0.0)], {"highway": "residential"}),
        (2, [(0.0, 10.0), (200.0, 10.0)], {"highway": "primary", "tunnel": "yes", "name": "隧道"}),
        (3, [(0.0, -40.0), (200.0, -40.0)], {"highway": "tertiary", "name": "和平路"}),
        (4, [(0.0, 0.0), (0.0, -40.0)], {"highway": "residential"}),
        (5, [(0.0, 10.0), (0.0, 0.0)], {"highway": "residential"}),
        (6, [(500.0, 0.0), (700.0, 0.0)], {"highway": "primary", "bridge": "yes", "name": "大桥"}),
        (7, [(500.0, -30.0), (700.0, -30.0)], {"highway": "tertiary", "name": "滨江路"}),
        (8, [(200.0, 0.0), (500.0, 0.0)], {"highway": "residential"}),
        (9, [(500.0, 0.0), (500.0, -30.0)], {"highway": "residential"}),
        (
            10,
            [(1000.0, 0.0), (1200.0, 0.0)],
            {"highway": "primary", "bridge": "yes", "layer": "1", "name": "高架桥"},
        ),
        (11, [(1000.0, -8.0), (1200.0, -8.0)], {"highway": "tertiary", "name": "下穿路"}),
        (12, [(700.0, 0.0), (1000.0, 0.0)], {"highway": "residential"}),
        (13, [(1000.0, 0.0), (1000.0, -8.0)], {"highway": "residential"}),
    ]
    osm = write_osm(tmp_path / "named.osm", ways)
    net = build_network(osm, progress=False)
    sites = gpd.GeoDataFrame(
        geometry=shapely.points([[X0 + 100, Y0 + 1], [X0 + 600, Y0 - 1], [X0 + 1100, Y0 - 3]]),
        crs="EPSG:32648",
    )
    assert list(nearest_street_names(net, sites)) == ["和平路", "大桥", "下穿路"]
    # no named ground street near: the tunnel's name rather than none
    assert list(nearest_street_names(net, sites, max_dist_m=20)) == ["隧道", "大桥", "下穿路"]


def test_sites_without_a_network_are_not_called_unnamed(tmp_path, diamond, pts):
    """Probe 27A: notebook 02's export (``write_selection`` without the network) called sites
    on 经纬大道 "无名道路": no street was looked up, so the name stays blank; with the network
    the street's name, and "无名道路" only where no named street is near."""
    import pandas as pd

    from harbor_planner.optimize import CoverageMatrix, select_sites
    from harbor_planner.optimize.output import selected_sites, write_selection

    cand = pts((25, 3), (50, -30), prefix="c")
    cand["name"] = [None, "公厕"]
    cm = CoverageMatrix.from_arrays(np.eye(2, dtype=bool), [2.0, 1.0], candidate_ids=["a", "b"])
    sel = select_sites(cm, n_add=2, solver="greedy")
    assert selected_sites(sel, cand)["name"].tolist() == ["", "公厕"]
    assert selected_sites(sel, cand, network=diamond)["name"].tolist() == ["AB", "公厕"]
    write_selection(sel, cand, tmp_path / "a", summary=False)
    write_selection(sel, cand, tmp_path / "b", summary=False, network=diamond)
    blank = pd.read_csv(tmp_path / "a" / "selected_sites.csv", keep_default_na=False)
    named = pd.read_csv(tmp_path / "b" / "selected_sites.csv")
    assert blank["name"].tolist() == ["", "公厕"] and named["name"].tolist() == ["AB", "公厕"]


@pytest.mark.parametrize("solver", ["greedy", "exact"])
def test_staged_plans_never_add_more_sites_than_asked(solver):
    """A district minimum the last stage alone cannot hold (江北 >= 3, stages 2 + 1, the best
    sites elsewhere): the earlier stage takes its share, every stage has its own count."""
    from harbor_planner.optimize import CoverageMatrix

    rng = np.random.default_rng(3)
    covers = rng.random((120, 12)) < 0.15
    weights = rng.integers(1, 10, 120).astype(float)
    weights[covers[:, :6].any(axis=1)] *= 20  # district A's sites cover the most
    district = np.array(["A"] * 6 + ["B"] * 6, dtype=object)
    cm = CoverageMatrix.from_arrays(covers, weights, candidate_district=district)
    quotas = pd.DataFrame({"district": ["B"], "min": [3], "max": [np.nan]})
    plan = select_sites(cm, stages=[("2026", 2), ("2027", 1)], solver=solver, quotas=quotas)
    assert len(plan.selected) == 3
    assert list(pd.Series(plan.stage).value_counts().sort_index()) == [2, 1]
    assert (district[plan.selected] == "B").sum() >= 3


def test_a_budget_without_costs_says_which_candidates_lack_one():
    """Street and POI candidates carry no cost: the message said only "cost column"."""
    from dataclasses import replace

    cm = random_instance(2, n_dem=20, n_cand=6)
    none = replace(cm, candidate_cost=np.full(6, np.nan))
    for m in (none, replace(cm, candidate_cost=None)):
        with pytest.raises(InputDataError, match=r"these candidates have none .*--candidates"):
            select_sites(m, n_add=2, budget=10.0)
    cost = cm.candidate_cost.copy()
    cost[[1, 4]] = np.nan
    some = replace(cm, candidate_cost=cost)
    ids = cm.candidate_ids
    with pytest.raises(InputDataError, match=rf"2 of the eligible .*\({ids[1]}, {ids[4]}\)"):
        select_sites(some, n_add=2, budget=10.0)
    ok = select_sites(some, n_add=2, budget=10.0, excluded=[ids[1], ids[4]])
    assert not {ids[1], ids[4]} & set(ok.site_ids)


def test_cover_mode_refuses_budget_quotas_and_stages():
    """The fewest sites to a target is a count: a budget or quotas would be silently unused."""
    from harbor_planner.optimize import CoverageMatrix

    rng = np.random.default_rng(1)
    cm = CoverageMatrix.from_arrays(
        rng.random((60, 8)) < 0.3, np.ones(60),
        candidate_district=np.array(["A", "B"] * 4, dtype=object),
        candidate_cost=np.ones(8),
    )  # fmt: skip
    quotas = pd.DataFrame({"district": ["A"], "min": [0], "max": [1]})
    for extra in ({"budget": 5.0}, {"quotas": quotas}, {"n_add": 5}):
        with pytest.raises(InputDataError, match=r"cover mode .* does not take"):
            select_sites(cm, mode="cover", target_pct=50, **extra)
    assert select_sites(cm, mode="cover", target_pct=50).coverage_pct_after >= 50
    # a target without cover mode was silently ignored (probe 14L)
    with pytest.raises(InputDataError, match="target_pct=80 is the target of mode='cover'"):
        select_sites(cm, n_add=2, target_pct=80)


def test_a_scenario_switched_between_modes_by_set_warns_of_the_unused_key(caplog):
    """Probe 14N: keys cannot be removed by --set, so a scenario with add = N switched to
    cover mode (or one with target_pct to max-cover) must run; the unused key is named."""
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    with caplog.at_level("WARNING"):
        sc = load_scenario(demo_scenario_path(), overrides=[
            "optimize.mode=cover", "optimize.target_pct=80", "optimize.stages={}",
            "optimize.add=5"])  # fmt: skip
    assert sc.optimize.n_add is None and "optimize.add is not used by mode 'cover'" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        load_scenario(demo_scenario_path(), overrides=["optimize.target_pct=80"])
    assert "optimize.target_pct is not used by mode 'max-cover'" in caplog.text


def test_api_calls_with_wrong_objects_raise_the_packages_errors():
    """Probe 14L: None inputs raised TypeError/AttributeError; stages as a dict failed."""
    import harbor_planner as hp

    for call in (
        lambda: hp.coverage(None, None, None, minutes=15),
        lambda: hp.select_sites(None, n_add=3),
        lambda: hp.save_network(None, "x.npz"),
        lambda: hp.demand_from_spec("main-streets", network=None),
    ):
        with pytest.raises(hp.HarborPlannerError):
            call()
    cm = random_instance(3)
    as_dict = select_sites(cm, stages={"2025": 2, "2026": 1})
    as_list = select_sites(cm, stages=[("2025", 2), ("2026", 1)])
    assert list(as_dict.site_ids) == list(as_list.site_ids)


def test_cover_mode_with_spacing_finds_a_plan_greedy_blocks():
    """Probe 14P: greedy's first site (m) blocked l and r, the only plan reaching 100 %."""
    covers = np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], bool)
    cm = CoverageMatrix.from_arrays(covers, [1, 1, 1, 1], candidate_ids=["l", "m", "r"],
                                    candidate_xy=[[0, 0], [100, 0], [200, 0]])  # fmt: skip
    for solver in ("greedy", "exact"):
        plan = select_sites(cm, mode="cover", target_pct=100, solver=solver, min_spacing_m=150)
        assert sorted(plan.site_ids) == ["l", "r"] and plan.coverage_pct_after == 100


def test_cover_mode_reach_counts_only_eligible_sites_and_blames_no_spacing():
    cm = CoverageMatrix.from_arrays(np.eye(2, dtype=bool), [1, 1], candidate_ids=["a", "b"])
    with pytest.raises(InfeasibleError, match=r"every eligible candidate together cover 50\.00"):
        select_sites(cm, mode="cover", target_pct=100, excluded=["b"])


@pytest.mark.parametrize(
    "stages",
    [{"2025": 0, "2026": 2}, {"2025": -1}, {"2025": 1.5}, [("2025", 1), ("2025", 1)], ["2025"]],
)
def test_bad_stages_are_refused_with_the_packages_error(stages):
    cm = random_instance(4)
    with pytest.raises(InputDataError, match="stages"):
        select_sites(cm, stages=stages)


def test_a_cover_plans_headline_and_run_figures_name_the_target():
    """Probe 15T: the console said "8 new sites (exact) take it to 90.2 %" without the
    target the plan was asked for."""
    from harbor_planner.pipeline.results import plan_headline

    cm = random_instance(2, n_dem=30, n_cand=8)
    sel = select_sites(cm, mode="cover", target_pct=60)
    line = plan_headline(sel.summary())
    assert "(the fewest to reach the 60 % target)" in line
    assert "target" not in plan_headline(select_sites(cm, n_add=2).summary())


@pytest.mark.parametrize(("seed", "proven"), [(27, False), (6, True)])
def test_a_greedy_cover_plan_is_called_the_fewest_only_when_proven(seed, proven):
    """Probe 24O: greedy's 14 sites were "the fewest to reach the 95 % target" where 13 do;
    a greedy plan whose bound closes was "feasible", not optimal. (Seed 9, greedy 7 where
    6 do, now gets the 6: the cover bound's inner plan, probe 27A.)"""
    from harbor_planner.pipeline.results import plan_headline

    cm = random_instance(seed, n_dem=60, n_cand=12)
    sel = select_sites(cm, mode="cover", target_pct=80, solver="greedy")
    exact = select_sites(cm, mode="cover", target_pct=80, solver="exact")
    line = plan_headline(sel.summary())
    assert (sel.status == "optimal") is proven
    assert (len(sel.selected) == len(exact.selected)) or not proven
    if proven:
        assert "(the fewest to reach the 80 % target)" in line
    else:
        assert len(sel.selected) > len(exact.selected)
        assert f"not proven the fewest (at least {sel.bound:g})" in line
        assert "the fewest to reach" not in line
        assert "solver = exact finds the fewest" in line
        # probe 27R2: exact stopped by its time limit was advised to use exact
        stopped = {**sel.summary(), "solver": "exact", "status": "time_limit"}
        said = plan_headline(stopped)
        assert "a longer time_limit_s (--time-limit) may prove the fewest" in said
        assert "solver = exact" not in said


def test_the_plan_line_names_the_figure_it_starts_from():
    """Probe 15T: after a built-first headline ("41.1 % (built stations; 58.9 % with ...)")
    the optimiser's line said "take it to 89.8 %", "it" being the all-status figure."""
    from harbor_planner.pipeline.results import coverage_headline, plan_headline

    cm = random_instance(4, n_dem=30, n_cand=8)
    sel = select_sites(cm, n_add=2)
    line = plan_headline(sel.summary())
    assert f"coverage from {pct1(sel.summary()['coverage_pct_before'])} % to " in line
    two = {"coverage_by_status": [{"coverage_pct": 41.09, "label": "已建成"},
                                  {"coverage_pct": 58.89, "label": "含在建、拟建",
                                   "label_en": "with under construction, proposed"}],
           "coverage_pct": 58.89, "demand_kind": "grid", "demand_total": 10.0,
           "demand_unit": "people", "minutes": 15.0, "walk_model": "stairs",
           "walk_speed_kmh": 4.5, "stations_on_network": 14, "euclidean_radius_m": 1125.0,
           "euclidean_coverage_pct": 90.5}  # fmt: skip
    assert "circles of 1,125 m around all of them would claim 90.5 %" in coverage_headline(two)

"""District solves of a stage split by quotas (issue 18): the runner hook, here and on Dask."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from harbor_planner.errors import PartFailedError
from harbor_planner.optimize import CoverageMatrix, select_sites
from harbor_planner.optimize.engine import (
    decomposable,
    district_tasks,
    solve_district,
    solve_max_cover,
)
from harbor_planner.optimize.parallel import (
    ClusterDistrictSolves,
    district_solve_record,
    solve_in_order,
    use_stage_runner,
)
from harbor_planner.optimize.reduce import reduce_rows
from harbor_planner.optimize.solvers import Problem

NAMES = ["渝中区", "江北区", "南岸区"]
QUOTAS = pd.DataFrame({"district": NAMES, "min": [2, 4, 3], "max": [2, 4, 3]})


def blocks(seed: int, rows: int = 240, cols: int = 30) -> CoverageMatrix:
    """Three districts far apart, each covering its own rows; nested columns, float weights."""
    rng = np.random.default_rng(seed)
    k = len(NAMES)
    a = np.zeros((rows * k, cols * k), bool)
    for d in range(k):
        b = rng.random((rows, cols)) < 0.07
        b[:, 1::3] |= b[:, 0::3][:, : b[:, 1::3].shape[1]]  # dominated columns
        a[rows * d : rows * (d + 1), cols * d : cols * (d + 1)] = b
    order = rng.permutation(rows * k)  # districts' rows interleaved
    xy = rng.random((cols * k, 2)) * 800 + np.repeat(np.arange(k), cols)[:, None] * 10_000
    return CoverageMatrix.from_arrays(
        a[order],
        rng.random(rows * k) * 37.3,
        existing_covered=rng.random(rows * k) < 0.1,
        candidate_ids=[f"s{j}" for j in range(cols * k)],
        candidate_xy=xy,
        candidate_district=np.repeat(NAMES, cols),
    )


def solve(cm: CoverageMatrix, **kw):
    return select_sites(cm, n_add=9, quotas=QUOTAS, solver="exact", mip_gap=0.0, **kw)


def same(a, b) -> None:
    """Equal to the last digit: sites in order, figures, statuses, summary (timings aside)."""
    assert np.array_equal(a.selected, b.selected)
    assert (a.objective, a.bound, a.status, a.gap) == (b.objective, b.bound, b.status, b.gap)

    def figures(sel):
        s = sel.summary()
        s.pop("runtime_s")
        s["solver_info"] = {k: v for k, v in s["solver_info"].items() if not k.startswith("time")}
        return s

    assert figures(a) == figures(b)
    assert a.summary()["solver_info"]["decomposition"] == "by district (3 parts)"


class Recording:
    """A runner that sees the tasks and solves them here."""

    def __init__(self) -> None:
        self.calls: list[list] = []

    def __call__(self, fn, tasks):
        self.calls.append(list(tasks))
        return solve_in_order(fn, tasks)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("spacing", [None, 150.0])
def test_a_custom_runner_sees_one_task_per_district_and_changes_nothing(seed, spacing):
    cm = blocks(seed)
    serial = solve(cm, min_spacing_m=spacing)
    runner = Recording()
    with use_stage_runner(runner):
        hooked = solve(cm, min_spacing_m=spacing)
    serial_again = solve(cm, min_spacing_m=spacing)  # the hook is gone after the block
    same(serial, hooked)
    same(serial, serial_again)
    assert len(runner.calls) == 1
    tasks = runner.calls[0]
    assert [t.name for t in tasks] == NAMES
    assert [t.n_add for t in tasks] == [2, 4, 3]
    dist = np.asarray(cm.candidate_district)
    for t in tasks:
        # its own candidates only, and only the demand rows they touch
        assert t.problem.n_candidates == (dist == t.name).sum()
        assert t.problem.district is None and t.problem.quota_max is None
        assert (np.diff(t.problem.cover.tocsr().indptr) > 0).all()
    assert sum(t.problem.cover.shape[0] for t in tasks) <= cm.covers.shape[0]
    assert len(runner.calls) == 1 and district_solve_record() == []


def _stage(cm: CoverageMatrix) -> tuple[Problem, dict[int, int]]:
    cover, weight, need, _ = reduce_rows(cm.covers, cm.weights, cm.existing_count)
    code = {n: k for k, n in enumerate(NAMES)}
    problem = Problem(
        cover=cover,
        weight=weight,
        need=need,
        eligible=np.ones(cm.covers.shape[1], bool),
        district=np.array([code[d] for d in cm.candidate_district]),
        quota_min=np.array([2, 4, 3]),
        quota_max=np.array([2, 4, 3]),
        district_names=tuple(NAMES),
    )
    parts, why = decomposable(problem, 9)
    assert parts == {0: 2, 1: 4, 2: 3}, why
    return problem, parts


@pytest.mark.parametrize("seed", range(4))
def test_a_compacted_task_solves_as_the_whole_stage_restricted_to_its_district(seed):
    problem, parts = _stage(blocks(seed))
    tasks, cols = district_tasks(problem, parts, solver="exact", time_limit_s=60.0, mip_gap=0.0)
    for (d, q), task, c in zip(parts.items(), tasks, cols, strict=True):
        alone = replace(
            problem,
            eligible=problem.eligible & (problem.district == d),
            district=None,
            quota_min=None,
            quota_max=None,
        )
        ref, ref_info = solve_max_cover(alone, q, solver="exact", time_limit_s=60.0, mip_gap=0.0)
        sol, info = solve_district(task)
        assert np.array_equal(np.sort(c[sol.selected]), np.sort(ref.selected))
        assert (sol.objective, sol.bound, sol.status) == (ref.objective, ref.bound, ref.status)
        for key in ("columns_dominated", "columns_left", "rows_final", "swaps", "bound_method"):
            assert info.get(key) == ref_info.get(key), key


def test_time_shares_follow_the_sites_not_the_other_districts():
    problem, parts = _stage(blocks(0))
    tasks, _ = district_tasks(problem, parts, solver="exact", time_limit_s=90.0, mip_gap=0.01)
    assert [t.time_limit_s for t in tasks] == [20.0, 40.0, 30.0]
    tiny, _ = district_tasks(problem, parts, solver="exact", time_limit_s=2.0, mip_gap=0.01)
    assert [t.time_limit_s for t in tiny] == [1.0, 1.0, 1.0]  # at least 1 s each


def test_small_stages_stay_on_the_client_and_are_recorded():
    cm = blocks(1)
    serial = solve(cm)
    runner = ClusterDistrictSolves(None, progress=False)  # no client needed: below the floor
    with use_stage_runner(runner):
        here = solve(cm)
        rec = district_solve_record()
    same(serial, here)
    assert [r["district"] for r in rec] == NAMES
    assert [r["sites"] for r in rec] == [2, 4, 3]
    assert {r["worker"] for r in rec} == {"client"} and {r["stage"] for r in rec} == {1}
    assert all(r["seconds"] >= 0 and r["entries"] > 0 for r in rec)


# ------------------------------------------------------------------ a real cluster (slow)


def fail_in_nanan(task):
    if task.name == "南岸区":
        raise RuntimeError("no solver here")
    return solve_district(task)


@pytest.mark.slow
def test_district_solves_on_a_local_cluster_equal_the_serial_solve():
    from harbor_planner.cluster import open_cluster

    cms = [blocks(seed) for seed in range(2)]
    serial = [solve(cm) for cm in cms]
    staged = solve(cms[0], stages=[("2025", 4), ("2026", 5)])
    with open_cluster(None, workers=2) as (client, info):
        assert info.address.startswith("tcp://127.0.0.1:")
        runner = ClusterDistrictSolves(client, progress=False, min_entries=0)
        with use_stage_runner(runner):
            on_workers = [solve(cm) for cm in cms]
            staged_workers = solve(cms[0], stages=[("2025", 4), ("2026", 5)])
        rec = runner.record()
        with pytest.raises(PartFailedError, match="district 南岸区 failed 2 times"):
            tasks, _ = district_tasks(
                _stage(cms[0])[0], {0: 2, 1: 4, 2: 3}, solver="greedy", time_limit_s=9.0,
                mip_gap=0.0,
            )  # fmt: skip
            runner(fail_in_nanan, tasks)
    for a, b in zip(serial, on_workers, strict=True):
        same(a, b)
    assert np.array_equal(staged.selected, staged_workers.selected)
    assert staged.summary()["objective"] == staged_workers.summary()["objective"]
    # two runs, then the staged run's district solves (its minimums fill all 9 sites, so its
    # first stage already takes the 4 江北区 sites the second cannot hold)
    assert [r["stage"] for r in rec[:6]] == [1, 1, 1, 2, 2, 2] and len(rec) > 6
    assert [r["district"] for r in rec[:3]] == NAMES
    assert all(r["worker"].startswith("tcp://127.0.0.1:") for r in rec)
    assert all(r["seconds"] > 0 for r in rec)


@pytest.mark.slow
def test_a_partitioned_run_installs_the_cluster_runner(tmp_path, monkeypatch):
    import harbor_planner.optimize.parallel as parallel
    from harbor_planner.pipeline.partition import partitioned
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    monkeypatch.setattr(parallel, "DISTRICT_SOLVE_MIN_ENTRIES", 0)
    scenario = load_scenario(demo_scenario_path()).with_overrides(
        ["run.partition=district", "run.workers=2", f"run.work_dir={tmp_path}"]
    )
    cm = blocks(2)
    serial = solve(cm)
    with partitioned(scenario, progress=False) as parts:
        assert parts is not None
        on_workers = solve(cm)
        rec = district_solve_record()
        assert not list(tmp_path.rglob("district-solve-*"))  # the tasks' files are removed
    same(serial, on_workers)
    assert [r["district"] for r in rec] == NAMES
    assert all(r["worker"].startswith("tcp://127.0.0.1:") for r in rec)
    assert district_solve_record() == []  # gone with the cluster

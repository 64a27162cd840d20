"""Issue 17, greedy with its bound under 30 s: the fast paths agree with the plain ones.

The vectorised coverage curve equals the site-by-site count, the compiled row merge equals
a set-based grouping, "optimal" is only claimed for a closed gap, and every phase is timed.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from harbor_planner.optimize import CoverageMatrix, select_sites
from harbor_planner.optimize.matrix import coverage_steps
from harbor_planner.optimize.reduce import merge_rows
from harbor_planner.optimize.solvers import gap_status
from harbor_planner.settings import OPTIMAL_REL_GAP, STATUS_GAP_MET


def _matrix(seed: int, n_dem: int = 300, n_cand: int = 40) -> CoverageMatrix:
    rng = np.random.default_rng(seed)
    covers = rng.random((n_dem, n_cand)) < 0.08
    covers[rng.random(n_dem) < 0.3] = covers[0]  # repeated rows
    return CoverageMatrix.from_arrays(
        covers,
        rng.integers(1, 30, n_dem).astype(float),
        existing_count=rng.integers(0, 3, n_dem),
        candidate_xy=rng.random((n_cand, 2)) * 1000,
    )


@pytest.mark.parametrize("seed", range(5))
def test_coverage_steps_match_site_by_site_counts(seed):
    cm = _matrix(seed)
    chosen = np.random.default_rng(seed).permutation(cm.covers.shape[1])[:12]
    single, double = coverage_steps(cm, chosen)
    count = cm.existing_count.copy()
    a = cm.covers.tocsc()
    for k, j in enumerate(chosen):
        count[a.indices[a.indptr[j] : a.indptr[j + 1]]] += 1
        assert single[k] == pytest.approx(cm.weights[count >= 1].sum())
        assert double[k] == pytest.approx(cm.weights[count >= 2].sum())


@pytest.mark.parametrize("seed", range(5))
def test_merge_rows_groups_exactly_equal_rows(seed):
    rng = np.random.default_rng(seed)
    dense = rng.random((200, 15)) < 0.2
    dense[rng.random(200) < 0.4] = dense[3]
    need = rng.integers(1, 3, 200)
    w = rng.random(200)
    merged, mw, mn = merge_rows(csr_matrix(dense), w, need)
    groups: dict[tuple, float] = {}
    for i in range(200):
        key = (tuple(np.flatnonzero(dense[i])), int(need[i]))
        groups[key] = groups.get(key, 0.0) + w[i]
    got = {
        (tuple(merged.indices[merged.indptr[r] : merged.indptr[r + 1]]), int(mn[r])): mw[r]
        for r in range(merged.shape[0])
    }
    assert set(got) == set(groups)
    for key, value in groups.items():
        assert got[key] == pytest.approx(value)


def test_gap_status_claims_optimal_only_for_a_closed_gap():
    assert gap_status("optimal", 0.0) == "optimal"
    assert gap_status("optimal", 0.5 * OPTIMAL_REL_GAP) == "optimal"
    assert gap_status("optimal", 0.004) == STATUS_GAP_MET
    assert gap_status("time_limit", 0.004) == "time_limit"
    assert gap_status("optimal", float("nan")) == STATUS_GAP_MET


@pytest.mark.parametrize("reduce", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_optimal_status_means_a_closed_gap(seed, reduce):
    cm = _matrix(seed, n_dem=400, n_cand=60)
    sel = select_sites(cm, n_add=6, solver="exact", mip_gap=0.3, reduce=reduce)
    assert sel.status in ("optimal", STATUS_GAP_MET)
    assert (sel.status == "optimal") == (sel.gap <= OPTIMAL_REL_GAP)
    assert sel.gap <= 0.3 + 1e-9


def test_greedy_info_times_every_phase():
    sel = select_sites(_matrix(1), n_add=5, solver="greedy")
    for key in ("time_reduce_s", "time_dominance_s", "time_merge_s", "time_greedy_s",
                "time_swaps_s", "time_lagrange_s", "time_rank_s"):  # fmt: skip
        assert sel.info[key] >= 0.0, key
    assert sel.bound >= sel.objective


def test_an_exclude_list_without_a_header_excludes_its_first_site(tmp_path):
    """Probe 16C: a plain list of ids (one a line) lost its first id, taken for a header:
    the one site of a one-line file was chosen all the same, without a word."""
    import harbor_planner as hp
    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize.quotas import read_excluded
    from harbor_planner.scenario import demo_scenario_path

    for text, ids in (
        ("street-1\nstreet-2\n", ["street-1", "street-2"]),
        ("site_id\nstreet-1\n", ["street-1"]),
        ("编号,备注\nx1,y\n", ["x1"]),
        ("a,b\n", ["a", "b"]),
        ("名称,编号,经度\n无名道路,street-1,106.5\n", ["street-1"]),  # a candidate file
    ):
        (tmp_path / "ex.csv").write_text(text, "utf-8")
        assert read_excluded(tmp_path / "ex.csv") == ids, text
    (tmp_path / "ex.csv").write_text("", "utf-8")
    with pytest.raises(InputDataError, match="no site id to exclude"):
        read_excluded(tmp_path / "ex.csv")
    quick = ["coverage.range=false", 'output.formats=["tables"]', "demand.spacing_m=200"]
    first = hp.run(demo_scenario_path(), out=tmp_path / "a", overrides=quick, progress=False)
    site = str(first.sites["site_id"].iloc[0])  # the plan's first site
    (tmp_path / "one.txt").write_text(f"{site}\n", "utf-8")
    again = hp.run(demo_scenario_path(), out=tmp_path / "b", progress=False,
                   overrides=[*quick, f'optimize.exclude="{tmp_path / "one.txt"}"'])  # fmt: skip
    assert site not in set(again.sites["site_id"].astype(str))


def test_costs_read_thousands_commas_and_refuse_a_decimal_comma(tmp_path):
    """Probe 16C: a cost 12,5 (12.5 万元 with a decimal comma) was read as 125, ten times too
    dear, without a word; full-width digits were refused; a bad cell's rows read "nan"."""
    from pathlib import Path

    import pandas as pd

    from harbor_planner.candidates.poi import parse_costs
    from harbor_planner.errors import InputDataError

    table = pd.DataFrame({"row": [2, 3, 4, 5], "sheet": [float("nan")] * 4,
                          "c": ["1,200", "12,000.5", "１２", "3.5"]})  # fmt: skip
    assert parse_costs(table, "c", Path("c.csv")).tolist() == [1200.0, 12000.5, 12.0, 3.5]
    for bad in ("12,5", "1,20", "1 200"):
        table = pd.DataFrame({"row": [2, 3], "sheet": [float("nan")] * 2, "c": ["1", bad]})
        with pytest.raises(InputDataError, match=rf"rows 3: costs must be numbers.*'{bad}'"):
            parse_costs(table, "c", Path("c.csv"))


def test_a_proportional_split_is_made_among_the_studys_districts(tmp_path):
    """Probe 16C: the README's proportional quota (a table of Chongqing's districts) split a
    渝中区 + 江北区 study's 20 sites over all the table's districts: exit 5, "大渡口区 needs
    at least 1 new site but has 0 candidates"."""
    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize.quotas import quota_table

    path = tmp_path / "pop.csv"
    path.write_text("district,population\n渝中区,588717\n江北区,925800\n大渡口区,421800\n"
                    "南岸区,1197600\n", "utf-8")  # fmt: skip
    every = quota_table(path, column="population", n_add=20)
    assert len(every) == 4 and every["min"].sum() == 20
    two = quota_table(path, column="population", n_add=20, among=["渝中区", "江北区"])
    assert dict(zip(two["district"], two["min"], strict=True)) == {"渝中区": 8, "江北区": 12}
    with pytest.raises(InputDataError, match="no row for the study's districts"):
        quota_table(path, column="population", n_add=20, among=["沙坪坝区"])


def test_a_cover_target_spacing_forbids_says_so_in_percent():
    """Probe 16C: cover mode's infeasibility read "no plan of a cover of 495706 meets the
    rules ...; relax them or ask for fewer sites": a raw weight, and advice for max-cover."""
    from harbor_planner.errors import InfeasibleError

    # two demand points, each covered only by its own candidate, the candidates 10 m apart
    covers = np.array([[True, False], [False, True]])
    cm = CoverageMatrix.from_arrays(covers, np.array([1.0, 1.0]), existing_count=np.zeros(2),
                                    candidate_xy=np.array([[0.0, 0.0], [10.0, 0.0]]))  # fmt: skip
    with pytest.raises(InfeasibleError) as err:
        select_sites(cm, mode="cover", target_pct=90, min_spacing_m=100)
    text = str(err.value)
    assert "90 % target" in text and "lower the target" in text
    assert "fewer sites" not in text and "a cover of" not in text


# ----------------------------------------------------------------- probe 18O: quotas, messages


def test_quota_tables_without_rows_or_with_a_district_twice_are_one_line(tmp_path):
    """Probe 18O: a quota CSV with a header only crashed the swap search (IndexError), a file
    of 0 bytes crashed pandas (EmptyDataError); a district given twice was not named."""
    import pandas as pd

    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize.quotas import quota_table

    cases = {
        "header.csv": ("district,min,max\n", "has no rows"),
        "empty.csv": ("", "has no rows"),
        "twice.csv": ("district,min,max\n渝中区,1,\n渝中,0,2\n", r"twice \(渝中区\)"),
        # probe 19X: a blank district cell crashed the message (TypeError, NaN among names)
        "blank.csv": ("district,min,max\n渝中区,1,\n,,\n,0,2\n,0,\n", r"2 row\(s\) .* row 4"),
    }
    for name, (text, match) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputDataError, match=match) as info:
            quota_table(path)
        assert info.value.path == str(path)
    with pytest.raises(InputDataError, match=r"row 4"):  # the planners' own districts too
        quota_table(tmp_path / "blank.csv", custom_districts=True)
    # an empty row (a trailing ",,") is no row: the table reads as its .xlsx twin (probe 19R)
    (tmp_path / "trailing.csv").write_text("district,min,max\n渝中区,1,2\n,,\n", "utf-8")
    assert quota_table(tmp_path / "trailing.csv")["district"].tolist() == ["渝中区"]
    cm = _matrix(1)
    cm = CoverageMatrix.from_arrays(cm.covers, cm.weights,
                                    candidate_district=np.array(["A", "B"] * 20))  # fmt: skip
    empty = pd.DataFrame({"district": [], "min": [], "max": []})
    for solver in ("greedy", "exact"):
        with pytest.raises(InputDataError, match="has no rows"):
            select_sites(cm, n_add=3, quotas=empty, solver=solver)


def test_quota_rows_are_named_by_their_line_in_the_file(tmp_path):
    """A blank line or an empty row before a bad value made the message name the row above
    it (pandas skips blank lines; the rows were counted after dropping empty ones: 16 B10)."""
    import openpyxl

    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize.quotas import quota_table, read_excluded

    csv_path = tmp_path / "q.csv"
    csv_path.write_text("district,min,max\n渝中区,1,2\n\n,,\n江北区,x,3\n", "utf-8")
    book = openpyxl.Workbook()
    for row in (["district", "min", "max"], ["渝中区", 1, 2], [], [None, None], ["江北区", "x", 3]):
        book.active.append(row)
    book.save(tmp_path / "q.xlsx")
    for path in (csv_path, tmp_path / "q.xlsx"):
        with pytest.raises(InputDataError, match=r"row 5\b") as err:
            quota_table(path)
        assert "row 4" not in str(err.value) and "row 3" not in str(err.value)
    # GBK with semicolons (as Excel saves a CSV in a Chinese locale): read as station files are
    (tmp_path / "gbk.csv").write_bytes("区县;min;max\n\n渝中区;1;2\n".encode("gbk"))
    assert quota_table(tmp_path / "gbk.csv").to_dict("list") == {
        "district": ["渝中区"],
        "min": [1],
        "max": [2],
    }
    # an exclusion list without a header keeps its first id after a blank first line
    (tmp_path / "ex.csv").write_text("\nS1\n\nS2\n", "utf-8")
    assert read_excluded(tmp_path / "ex.csv") == ["S1", "S2"]
    (tmp_path / "ex2.csv").write_text("site_id\nS1\n", "utf-8")
    assert read_excluded(tmp_path / "ex2.csv") == ["S1"]


def test_a_quota_too_large_for_a_count_is_named(tmp_path):
    """Probe 23C: a min of 2**63 was read as no bound (a 2-site plan, exit 0) and a max of
    2**63 became "at most -9223372036854775808 new sites"."""
    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize.quotas import quota_table

    path = tmp_path / "q.csv"
    path.write_text("district,min,max\n渝中区,9223372036854775807,\n", "utf-8")
    with pytest.raises(InputDataError, match=r"row 2, column 'min'.*0 to 1,000,000"):
        quota_table(path)


def test_quota_minimums_above_the_sites_name_the_fix():
    import pandas as pd

    from harbor_planner.errors import InfeasibleError

    cm = _matrix(2)
    cm = CoverageMatrix.from_arrays(cm.covers, cm.weights,
                                    candidate_district=np.array(["A", "B"] * 20))  # fmt: skip
    quotas = pd.DataFrame({"district": ["A"], "min": [5], "max": [np.nan]})
    with pytest.raises(InfeasibleError, match=r"optimize\.add, --add"):
        select_sites(cm, n_add=4, quotas=quotas)


def test_from_arrays_refuses_repeated_ids_and_coordinates_that_are_not_numbers():
    """Probe 18O: repeated candidate ids were accepted (excluding one excluded both), NaN
    coordinates with a spacing raised scipy's ValueError."""
    from harbor_planner.errors import InputDataError

    eye = np.eye(3)
    with pytest.raises(InputDataError, match="share a site id"):
        CoverageMatrix.from_arrays(eye, np.ones(3), candidate_ids=["a", "a", "b"])
    with pytest.raises(InputDataError, match="candidate_xy holds NaN"):
        CoverageMatrix.from_arrays(eye, np.ones(3), candidate_xy=[[np.nan, 0], [0, 0], [1, 1]])
    with pytest.raises(InputDataError, match="existing_xy holds NaN"):
        CoverageMatrix.from_arrays(eye, np.ones(3), existing_xy=[[np.inf, 0]])
    ids = CoverageMatrix.from_arrays(eye, np.ones(3), candidate_ids=[7, 8, 9]).candidate_ids
    assert ids.tolist() == [7, 8, 9]  # the ids as given


def test_sites_that_cover_nothing_more_are_said(caplog):
    """Probe 19X: proportional quotas forced 8 of 10 "proven optimal" sites where nothing was
    left to cover (87.64 -> 87.68 %); neither the log, the report nor the headline said so."""
    import logging

    import pandas as pd

    from harbor_planner.pipeline.results import plan_headline

    covers = np.zeros((4, 5), dtype=bool)
    covers[0, 0] = covers[1, 1] = True  # A's candidates cover rows 0 and 1
    covers[2, 2] = covers[2, 3] = covers[3, 4] = True  # B's cover rows 2-3, already covered
    cm = CoverageMatrix.from_arrays(covers, np.ones(4), existing_count=[0, 0, 1, 1],
                                    candidate_district=["A", "A", "B", "B", "B"])  # fmt: skip
    quotas = pd.DataFrame({"district": ["A", "B"], "min": [0, 2], "max": [4, 4]})
    for solver in ("greedy", "exact"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            sel = select_sites(cm, n_add=4, quotas=quotas, solver=solver)
        assert sorted(sel.gains.tolist()) == [0.0, 0.0, 1.0, 1.0]
        assert "2 of the 4 new sites cover no demand not already covered" in caplog.text
        assert "quotas' minimums" in caplog.text
        assert sel.summary()["solver_info"]["sites_without_gain"] == 2
        opt = {**sel.summary(), "demand_kind": "buildings", "minutes": 15}
        assert "2 of them cover no more demand" in plan_headline(opt)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        sel = select_sites(cm, n_add=2, quotas=quotas.assign(min=[2, 0]))
    assert "cover no demand" not in caplog.text and "sites_without_gain" not in sel.info


def test_a_quota_for_a_district_without_candidates_names_the_network_as_a_cause():
    """Probe 20B: 大渡口区, in the study but beyond the network's streets, was told it was
    "outside the study, or misspelled"."""
    import pandas as pd

    from harbor_planner.errors import InfeasibleError

    cm = _matrix(3)
    cm = CoverageMatrix.from_arrays(cm.covers, cm.weights,
                                    candidate_district=np.array(["渝中区"] * 40))  # fmt: skip
    quotas = pd.DataFrame({"district": ["渝中区", "大渡口区"], "min": [1, 2], "max": [5, 5]})
    with pytest.raises(InfeasibleError) as err:
        select_sites(cm, n_add=4, quotas=quotas)
    assert "大渡口区 needs at least 2 new sites but has 0 candidates" in str(err.value)
    assert "beyond the walk network's streets" in str(err.value)


def test_quota_bounds_under_chinese_headers_are_read_and_a_table_without_bounds_refused(tmp_path):
    """Probe 20R: a quota file 区县,最少,最多 applied no bound at all, silently (渝中区 asked
    for 4 sites and got 0); an exclusion workbook with an empty header cell gave the id
    "Unnamed: 0"."""
    import openpyxl

    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize.quotas import quota_table, read_excluded

    (tmp_path / "zh.csv").write_text("区县,最少,最多\n渝中区,4,\n江北区,,1\n", "utf-8")
    got = quota_table(tmp_path / "zh.csv")
    assert got["min"].tolist()[0] == 4 and got["max"].tolist()[1] == 1
    (tmp_path / "bad.csv").write_text("区县,最少,最多\n\n渝中区,x,2\n", "utf-8")
    with pytest.raises(InputDataError, match="row 3, column '最少': 'x' is not a number"):
        quota_table(tmp_path / "bad.csv")  # the file's own header, not min
    (tmp_path / "none.csv").write_text("区县,备注\n渝中区,多建\n", "utf-8")
    with pytest.raises(InputDataError, match=r"no min or max column \(it has 区县, 备注"):
        quota_table(tmp_path / "none.csv")
    book = openpyxl.Workbook()
    for row in ([None], ["S0001"], ["S0002"]):
        book.active.append(row)
    book.save(tmp_path / "ex.xlsx")
    assert read_excluded(tmp_path / "ex.xlsx") == ["S0001", "S0002"]


def _priced(seed: int = 7) -> tuple[CoverageMatrix, np.ndarray]:
    """A coverage matrix of 600 rows and 80 candidates, and costs of 10-90 (万元)."""
    rng = np.random.default_rng(seed)
    covers = rng.random((600, 80)) < 0.05
    cm = CoverageMatrix.from_arrays(
        covers, rng.integers(1, 60, 600).astype(float), candidate_xy=rng.random((80, 2)) * 5000
    )
    return cm, rng.integers(1, 10, 80) * 10.0


def test_a_plans_gap_does_not_depend_on_the_currency_of_its_costs():
    """The same budget in 万元 and in 元 (x 10,000): the same plan and the same proven gap
    (probe 21O: 0.73 % in 万元 became 32 % in 元, the budget's multiplier swamping the steps)."""
    import dataclasses

    cm, cost = _priced()
    runs = [
        select_sites(
            dataclasses.replace(cm, candidate_cost=cost * unit), n_add=8, budget=250 * unit
        )
        for unit in (1.0, 1e4)
    ]
    assert runs[0].selected.tolist() == runs[1].selected.tolist()
    assert runs[1].gap == pytest.approx(runs[0].gap, rel=1e-6, abs=1e-9)
    exact = select_sites(dataclasses.replace(cm, candidate_cost=cost), n_add=8, budget=250,
                         solver="exact")  # fmt: skip
    assert runs[0].objective <= exact.objective + 1e-6 <= runs[0].bound + 1e-6


def test_a_budget_no_plan_can_exceed_changes_nothing(caplog):
    """A budget the dearest sites fit cannot bind: greedy picks and bounds as without it
    (probe 21O: it weighed gains by cost, a worse plan, and its gap rose from 0.2 to 14 %)."""
    import dataclasses

    cm, cost = _priced()
    cm = dataclasses.replace(cm, candidate_cost=cost)
    free = select_sites(cm, n_add=8)
    with caplog.at_level(logging.INFO, logger="harbor_planner.optimize"):
        loose = select_sites(cm, n_add=8, budget=8 * 90.0)
    assert loose.selected.tolist() == free.selected.tolist()
    assert loose.bound == pytest.approx(free.bound)
    assert "cannot bind" in caplog.text
    tight = select_sites(cm, n_add=8, budget=8 * 90.0 - 1)  # the 8 dearest no longer fit
    assert float(cost[tight.selected].sum()) <= 8 * 90.0 - 1


def _row_of_sites() -> CoverageMatrix:
    """12 candidates 100 m apart on a line, 6 in district A then 6 in B; each covers its rows."""
    covers = np.kron(np.eye(12, dtype=bool), np.ones((3, 1), dtype=bool))
    return CoverageMatrix.from_arrays(
        covers,
        np.ones(36),
        candidate_xy=np.column_stack([np.arange(12) * 100.0, np.zeros(12)]),
        candidate_district=np.array(["A"] * 6 + ["B"] * 6),
    )


def test_a_minimum_the_spacing_cannot_fit_names_its_district_and_the_most_that_fit():
    """Probe 21O: "ask for fewer sites" when the district's minimum can never fit the spacing
    (3 of A's 6 sites fit 150 m apart), and greedy's count where more fit."""
    import pandas as pd

    from harbor_planner.errors import InfeasibleError

    cm = _row_of_sites()
    quotas = pd.DataFrame({"district": ["A"], "min": [4], "max": [np.nan]})
    for solver in ("greedy", "exact"):
        with pytest.raises(InfeasibleError, match="district A needs at least 4 new sites, but at "
                           "most 3 of its eligible candidates fit"):  # fmt: skip
            select_sites(cm, n_add=5, quotas=quotas, min_spacing_m=150, solver=solver)
        with pytest.raises(InfeasibleError, match="at most 6 sites fit these rules: ask for 6"):
            select_sites(cm, n_add=7, min_spacing_m=150, solver=solver)
    assert len(select_sites(cm, n_add=6, min_spacing_m=150).selected) == 6


def test_greedy_says_optimal_when_its_bound_closes_the_gap():
    """Probe 21O: greedy with a proven gap of 0 said "feasible" where exact says "optimal"."""
    cm = _row_of_sites()
    sel = select_sites(cm, n_add=3)
    assert sel.gap == 0 and sel.status == "optimal"


def test_a_split_plan_keeps_the_bound_its_one_shot_solve_proved():
    """Probe 21O: stage 2 finds no plan after stage 1 took A's middle site (the spacing leaves A
    no second one); the best plan of both sites at once, split by rank, is proven optimal, yet
    it was reported "feasible" with the looser Lagrangian gap."""
    import pandas as pd

    covers = np.zeros((4, 4), dtype=bool)
    covers[[0, 1, 2, 3], [0, 1, 2, 3]] = True
    cm = CoverageMatrix.from_arrays(
        covers,
        np.array([4.0, 5.0, 4.0, 1.0]),
        candidate_xy=[[0.0, 0.0], [100.0, 0.0], [200.0, 0.0], [1000.0, 0.0]],
        candidate_district=np.array(["A", "A", "A", "B"]),
    )
    quotas = pd.DataFrame({"district": ["A"], "min": [2], "max": [np.nan]})
    sel = select_sites(cm, stages={"2026": 1, "2027": 1}, quotas=quotas, min_spacing_m=150)
    assert "stages_split" in sel.info
    assert sorted(sel.selected.tolist()) == [0, 2]
    assert sel.gap == pytest.approx(0.0, abs=1e-12) and sel.status == "optimal"


def test_sites_idle_behind_greedys_spacing_point_to_the_exact_solver(caplog):
    """Probe 21O: under a spacing, greedy's first site (the middle one, covering most) blocks
    both outer ones, and its second (far away) adds nothing; it said "no candidate left covers
    more demand" though the two outer sites together cover more and both add coverage."""
    covers = np.array([[1, 1, 0, 1], [1, 1, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [1, 0, 0, 0],
                       [0, 0, 1, 0]], bool)  # fmt: skip
    xy = [[0.0, 0.0], [100.0, 0.0], [200.0, 0.0], [1000.0, 0.0]]
    cm = CoverageMatrix.from_arrays(covers, np.ones(6), candidate_xy=xy)
    with caplog.at_level(logging.WARNING, logger="harbor_planner.optimize"):
        greedy = select_sites(cm, n_add=2, min_spacing_m=150)
    assert sorted(greedy.selected.tolist()) == [1, 3] and greedy.gap > 0
    assert "solver = exact may place them all" in caplog.text
    exact = select_sites(cm, n_add=2, min_spacing_m=150, solver="exact")
    assert sorted(exact.selected.tolist()) == [0, 2] and exact.gains.min() > 0


def test_cover_mode_says_the_highest_target_any_plan_reaches():
    """Probe 21O: cover mode's solver_info was empty; the demand no site reaches was said only
    when the target failed."""
    covers = np.kron(np.eye(4, dtype=bool), np.ones((3, 1), dtype=bool))
    covers = np.vstack([covers, np.zeros((4, 4), dtype=bool)])  # 4 rows no site reaches
    cm = CoverageMatrix.from_arrays(covers, np.ones(16))
    sel = select_sites(cm, mode="cover", target_pct=50)
    assert sel.info["reachable_pct"] == 75.0 and sel.info["rows_uncoverable"] == 4
    assert len(sel.selected) == 3  # 9 of 16 rows


def test_walking_spacing_keeps_sites_across_a_divided_road_apart():
    """Probe 21O: the two carriageways of a divided road, 22 m apart in a straight line, are
    883 m apart on foot (walkers cross at junctions): walking spacing put a site on each."""
    from scipy.sparse import csr_matrix

    from harbor_planner.optimize.matrix import WalkSpacing

    covers = np.eye(3, dtype=bool)
    xy = [[0.0, 0.0], [0.0, 22.0], [2000.0, 0.0]]
    cm = CoverageMatrix.from_arrays(covers, np.array([5.0, 4.0, 1.0]), candidate_xy=xy,
                                    existing_xy=[[3000.0, 30.0]])  # fmt: skip
    walk = WalkSpacing(400.0, csr_matrix((3, 3), dtype=bool), np.zeros(3, dtype=bool))
    cm = replace(cm, walk_spacing=walk)
    sel = select_sites(cm, n_add=2, min_spacing_m=400, spacing="walk", solver="exact")
    assert sorted(sel.selected.tolist()) == [0, 2]
    far = replace(cm, existing_xy=np.array([[10.0, 0.0]]))  # a station 10 m from site 0
    assert 0 not in select_sites(far, n_add=1, min_spacing_m=400, spacing="walk").selected


def test_an_exact_staged_plan_under_a_budget_that_is_the_best_of_all_is_proven_so():
    """Probe 24O: under a budget the Lagrangian bound of the whole plan stayed loose (2.2x the
    optimum on Yuzhong): a staged plan equal to the best plan of all its sites at once was
    said to be 54 % short of it. With the exact solver the whole plan's bound is proven."""
    import itertools

    rng = np.random.default_rng(0)
    covers = rng.random((30, 8)) < 0.25
    w = rng.integers(1, 10, 30).astype(float)
    cost = rng.integers(1, 10, 8).astype(float)
    budget = float(np.sort(cost)[:4].sum() + 1)
    cm = CoverageMatrix.from_arrays(covers, w, candidate_cost=cost)
    sel = select_sites(cm, stages={"a": 2, "b": 2}, budget=budget, solver="exact")
    best = max(
        w[covers[:, list(c)].any(axis=1)].sum()
        for c in itertools.combinations(range(8), 4)
        if cost[list(c)].sum() <= budget
    )
    assert w[covers[:, sel.selected].any(axis=1)].sum() == pytest.approx(best)
    assert sel.gap < 1e-6 and sel.status == "optimal"


def test_a_proven_plan_with_idle_sites_is_not_told_to_try_the_exact_solver(caplog):
    """Probe 24O: a proven-optimal exact plan (gap 1e-16, rounding) with idle sites behind its
    spacing was told "not proven best: solver = exact may place them all"."""
    from dataclasses import replace

    from harbor_planner.optimize.select import _warn_idle_sites

    covers = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [1, 0, 0, 1]], bool)
    cm = CoverageMatrix.from_arrays(
        covers, np.ones(4), candidate_xy=[[0.0, 0], [100, 0], [200, 0], [1000, 0]]
    )
    exact = select_sites(cm, n_add=3, min_spacing_m=150, solver="exact")
    assert exact.gains.min() == 0
    with caplog.at_level(logging.WARNING, logger="harbor_planner.optimize"):
        _warn_idle_sites(replace(exact, gap=1.23e-16), False, True)
    assert "cover no demand not already covered" in caplog.text
    assert "may place them all" not in caplog.text and "ask for fewer sites" in caplog.text


@pytest.mark.parametrize("solver", ["exact", "greedy"])
def test_sites_idle_under_a_budget_name_the_budget(caplog, solver):
    """Probe 24O: under a budget that binds, a site the budget forced to add nothing was
    explained "no candidate left covers more demand" beside a candidate covering more that the
    budget could not pay for."""
    covers = np.array([[1, 0, 0], [0, 1, 0]], bool)
    cm = CoverageMatrix.from_arrays(
        covers, [1, 1], candidate_ids=["a", "b", "c"], candidate_cost=[10, 10, 1]
    )
    with caplog.at_level(logging.WARNING, logger="harbor_planner.optimize"):
        sel = select_sites(cm, n_add=2, budget=11, solver=solver)
    assert sorted(sel.selected.tolist()) == [0, 2]
    assert "1 of the 2 new sites cover no demand not already covered" in caplog.text
    assert "no candidate left covers more" not in caplog.text
    assert "raise the budget" in caplog.text


def test_a_district_layer_is_a_proportion_table(tmp_path):
    """Probe 25E: ``proportional:districts.geojson:人口`` was read as CSV text, "no rows"."""
    import geopandas as gpd
    from shapely.geometry import box

    from harbor_planner.optimize.quotas import quota_table

    layer = gpd.GeoDataFrame(
        {"区县": ["渝中区", "江北区"], "人口": [3, 1]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )
    for name in ("d.geojson", "d.gpkg"):
        layer.to_file(tmp_path / name)
        table = quota_table(tmp_path / name, column="人口", n_add=4)
        got = dict(zip(table["district"], table["min"], strict=True))
        assert got == {"渝中区": 3, "江北区": 1}, table
    by_code = layer.assign(adcode=[500103.0, 500105.0]).drop(columns="区县")
    by_code.to_file(tmp_path / "codes.geojson")  # float adcodes (probe 25R4)
    table = quota_table(tmp_path / "codes.geojson", column="人口", n_add=4)
    assert dict(zip(table["district"], table["min"], strict=True)) == {"渝中区": 3, "江北区": 1}

"""The demo command runs offline on the bundled fictional district and writes every output."""

from __future__ import annotations

import json

import pytest

from harbor_planner.cli import main


def test_demo_writes_coverage_and_plan(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["-q", "demo", "--out", str(out)]) == 0, capsys.readouterr().err
    for name in ("summary.json", "by_district.csv", "stations.csv", "map.html", "report.html",
                 "report.xlsx", "layers.gpkg", "gaps.gpkg"):  # fmt: skip
        assert (out / name).is_file(), name
    for name in ("summary.json", "selected_sites.csv", "coverage_curve.csv", "map.html",
                 "report.html"):  # fmt: skip
        assert (out / "plan" / name).is_file(), name
    cov = json.loads((out / "summary.json").read_text("utf-8"))
    plan = json.loads((out / "plan" / "summary.json").read_text("utf-8"))
    assert cov["walk_model"] == "hilly" and 10 < cov["coverage_pct"] < 90
    assert cov["euclidean_coverage_pct"] > cov["coverage_pct"]
    assert plan["coverage_pct_before"] == pytest.approx(cov["coverage_pct"], abs=0.01)
    assert plan["coverage_pct_after"] > plan["coverage_pct_before"]
    assert plan["optimality_gap"] == 0

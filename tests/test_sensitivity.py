"""The headline's sensitivity range and the DEM's reach, on the demo (Yuzhong).

``coverage`` measures the coverage again at 3.2 / 4.0 / 4.5 km/h under the configured model
and under ``flat``, on the same compiled network; summary.json, the report and the map show
"57.1 % (range 44-61 %)". A hilly run whose DEM misses part of the demand says how much it
timed flat, and warns under 95 %.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from harbor_planner import WalkModel, build_network
from harbor_planner.cli import main
from harbor_planner.outputs.ranges import map_title, pct_with_range
from harbor_planner.pipeline.sensitivity import range_cases
from harbor_planner.scenario import demo_scenario_path

DEMO = demo_scenario_path().parent


def coverage_args(out, dem, *more):
    return ["-q", "coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--dem", str(dem),
            "--walk-model", "hilly", "--stations", str(DEMO / "stations.csv"), "--crs", "gcj02",
            "--dem-outside", "flat", "--study-area", "渝中区", "--out", str(out),
            *more]  # fmt: skip


def test_coverage_range_in_summary_report_and_map(tmp_path):
    out = tmp_path / "cov"
    assert main(coverage_args(out, DEMO / "dem.tif")) == 0
    s = json.loads((out / "summary.json").read_text("utf-8"))
    rng = s["coverage_range_pct"]
    cases = {(c["walk_model"], c["walk_speed_kmh"]): c["coverage_pct"] for c in rng["cases"]}
    assert set(cases) == {(m, v) for m in ("hilly", "flat") for v in (3.2, 4.0, 4.5)}
    assert cases[("hilly", 4.5)] == pytest.approx(s["coverage_pct"])
    assert rng["low"] == min(cases.values()) and rng["high"] == max(cases.values())
    assert rng["low"] < rng["high"]
    # slower walkers cover less, in either model
    for m in ("hilly", "flat"):
        assert cases[(m, 3.2)] <= cases[(m, 4.0)] <= cases[(m, 4.5)]
    headline = pct_with_range(s)
    lo, hi = math.floor(rng["low"]), math.ceil(rng["high"])  # rounded outwards
    assert lo <= s["coverage_pct"] <= hi
    assert headline == f"{s['coverage_pct']:.1f} % (range {lo}-{hi} %)"
    zh = pct_with_range(s, "zh")  # the run's reports are in Chinese
    assert zh == f"{s['coverage_pct']:.1f} %（范围 {lo}-{hi} %）"
    assert zh in (out / "report.html").read_text("utf-8")
    assert zh in (out / "map.html").read_text("utf-8")
    # the demo's DEM covers (nearly) all of Yuzhong's streets: no warning
    assert s["dem_flat_demand_pct"] < 5 and s["dem_cover_warning"] is None
    assert s["network_grades"]["above_cap_edges"] >= 0


def test_no_range_leaves_the_range_out_and_says_so(tmp_path, capsys):
    out = tmp_path / "cov"
    assert main([*coverage_args(out, DEMO / "dem.tif")[1:], "--no-range"]) == 0  # not -q
    printed = capsys.readouterr()
    log = printed.err
    s = json.loads((out / "summary.json").read_text("utf-8"))
    assert s["coverage_range_pct"] is None  # not measured
    assert s["coverage_pct"] is not None and s["dem_flat_demand_pct"] < 5  # the rest is there
    # the figure says that it has no range, wherever it is shown
    assert pct_with_range(s) == f"{s['coverage_pct']:.1f} % (no range measured)"
    zh = pct_with_range(s, "zh")
    assert zh == f"{s['coverage_pct']:.1f} %（未测范围）"
    for page in ("report.html", "map.html"):
        html = (out / page).read_text("utf-8")
        assert "（范围 " not in html and zh in html
    assert "% (no range measured) (coverage.range = false)" in log  # the step's log line
    # log lines name the files written, not the hidden folder they are staged in
    assert "wrote layers.gpkg: stations" in log and ".harbor-planner-staging" not in log
    assert f"{s['coverage_pct']:.1f} % (no range measured)" in printed.out  # the headline
    assert " cases" not in log
    run = json.loads((out / "run.json").read_text("utf-8"))
    assert "'range': False" in str(run) or '"range": false' in json.dumps(run)


def test_range_text_without_a_range_and_with_one_value():
    base = {"coverage_pct": 100.0}
    assert pct_with_range(base) == "100.0 %"  # no key: nothing to say (an API summary)
    assert pct_with_range({**base, "coverage_range_pct": None}) == "100.0 % (no range measured)"
    same = {**base, "coverage_range_pct": {"low": 100.0, "high": 100.0, "cases": []}}
    assert pct_with_range(same) == "100.0 % (range 100 %)"  # every case gave the figure
    assert pct_with_range(same, "zh") == "100.0 %（范围 100 %）"
    near = {"coverage_pct": 41.0, "coverage_range_pct": {"low": 40.2, "high": 41.0, "cases": []}}
    assert pct_with_range(near) == "41.0 % (range 40-41 %)"
    assert pct_with_range({"coverage_pct": None, "coverage_range_pct": None}) == "-"


def test_range_matches_a_network_built_at_each_speed():
    """Re-timing the compiled network gives what a network built at that speed gives."""
    dem = {"dem": DEMO / "dem.tif", "dem_outside": "flat"}
    net = build_network(DEMO / "yuzhong_walk.osm.bz2", **dem, progress=False)
    for speed in (3.2, 4.0):
        model = WalkModel(kind="hilly", speed_kmh=speed)
        built = build_network(DEMO / "yuzhong_walk.osm.bz2", **dem, walk_model=model,
                              progress=False)  # fmt: skip
        retimed = net.with_walk_model(model)
        np.testing.assert_allclose(retimed.edges["time_fwd_s"], built.edges["time_fwd_s"])
    assert range_cases(net) == [(m, v) for m in ("hilly", "flat") for v in (3.2, 4.0, 4.5)]
    odd = net.with_walk_model(WalkModel(kind="flat", speed_kmh=5.0))
    assert range_cases(odd) == [("flat", v) for v in (3.2, 4.0, 4.5, 5.0)]


def test_a_dem_missing_demand_is_stated_and_warned(tmp_path, capsys):
    import rasterio
    from rasterio.windows import Window

    crop = tmp_path / "west.tif"
    with rasterio.open(DEMO / "dem.tif") as src:
        window = Window(0, 0, src.width // 2, src.height)
        profile = {**src.profile, "width": window.width}  # same origin: same transform
        with rasterio.open(crop, "w", **profile) as dst:
            dst.write(src.read(1, window=window), 1)
    out = tmp_path / "cov"
    assert main(coverage_args(out, crop, "--dem-outside", "flat")[1:]) == 0  # not -q
    s = json.loads((out / "summary.json").read_text("utf-8"))
    assert 5 < s["dem_flat_demand_pct"] < 95
    assert 5 < s["dem_flat_length_pct"] < 95
    assert s["dem_demand_cover_pct"] == pytest.approx(100 - s["dem_flat_demand_pct"])
    assert "DEM covers only" in s["dem_cover_warning"]
    assert "DEM covers only" in capsys.readouterr().err
    report = (out / "report.html").read_text("utf-8")
    assert f"{s['dem_flat_demand_pct']:.1f} %" in report


def test_pct_with_range_and_map_title():
    s = {"coverage_pct": 57.06, "coverage_range_pct": {"low": 44.2, "high": 60.4, "cases": []}}
    assert pct_with_range(s) == "57.1 % (range 44-61 %)"
    small = {"coverage_pct": 5.2, "coverage_range_pct": {"low": 2.3, "high": 5.2, "cases": []}}
    assert pct_with_range(small) == "5.2 % (range 2-6 %)"  # the range holds the figure
    assert pct_with_range({"coverage_pct": 57.06}) == "57.1 %"

    class Result:
        summary = s

    assert map_title("Yuzhong", Result()) == "Yuzhong: 57.1 % (range 44-61 %)"
    assert map_title("Yuzhong", None) == "Yuzhong"


def test_a_station_off_the_network_is_said_once_and_in_the_headline(tmp_path, capsys):
    """Probe 18P: with a station 2.6 km from every street the headline read "of 8 stations
    (existing 9)" without a word why, and its warning was printed once per range case."""
    from harbor_planner.stations import read_stations

    st = read_stations(DEMO / "stations.csv", crs="gcj02").stations
    rows = ["station_id,status,lon,lat"]
    rows += [f"{i},existing,{p.x:.8f},{p.y:.8f}" for i, p in zip(st["station_id"], st.geometry,
                                                                 strict=True)][:6]  # fmt: skip
    rows.append("FAR,existing,106.50,29.50")
    path = tmp_path / "st.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = ["coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--walk-model", "flat",
            "--stations", str(path), "--crs", "wgs84", "--minutes", "10", "--accept-datum",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert err.count("are farther than 150 m from any walkable street and are left out") == 1
    # the statuses count the stations given, not the 6 of the figure (probe 23E)
    assert "of 6 stations (7 given: existing 7; 1 station farther than the snapping" in out

"""City centres: reading the centres file, coverage around each centre, the shipped list, the
command line (summary.json, report, workbook, map) and the isochrone method ``auto``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from harbor_planner.analysis.centres import centre_coverage, centres_summary, read_centres
from harbor_planner.coords import wgs84_to_gcj02
from harbor_planner.errors import InputDataError

ROOT = Path(__file__).resolve().parents[1]
CENTRES = ROOT / "geodata" / "chongqing_centres.csv"
DIAMOND = ROOT / "tests" / "data" / "network" / "diamond.geojson"
TO_WGS = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)


# --------------------------------------------------------------------------- reading


def test_read_csv_with_comments_aliases_and_gcj02(tmp_path):
    lon, lat = 106.5733, 29.5601
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    path = tmp_path / "c.csv"
    path.write_text(
        f"# a comment line\n\n名称,经度,纬度,半径\n解放碑,{glon[0]},{glat[0]},500\n"
        f"观音桥,{glon[0] + 0.01},{glat[0]},\n",
        "utf-8",
    )
    c = read_centres(path, crs="gcj02", radius_m=800)
    assert list(c["name"]) == ["解放碑", "观音桥"]
    assert c.crs.to_epsg() == 4326
    assert c["lon"].iloc[0] == pytest.approx(lon, abs=2e-6)  # GCJ-02 back to WGS-84
    assert c["lat"].iloc[0] == pytest.approx(lat, abs=2e-6)
    assert list(c["radius_m"]) == [500.0, 800.0]  # own radius, else the default


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("name,lon,lat\n,106.5,29.5\n", ["row 2", "'name'", "empty"]),
        ("name,lon,lat\nA,106.5,29.5\nB,abc,29.5\n", ["row 3", "'lon'", "'abc'"]),
        ("# c\nname,lon,lat\nA,106.5,inf\n", ["row 3", "'lat'"]),
        ("name,lon,lat\nA,106.5,\n", ["row 2", "'lat'"]),
        ("name,x_coord,lat\nA,106.5,29.5\n", ["no lon column"]),
        ("name,lon,lat\n", ["no centres"]),
        ("name,lon,lat,radius_m\nA,106.5,29.5,-3\n", ["row 2", "'radius_m'"]),
        # a blank line is a line of the file: the row after it is named by its own line
        ("name,lon,lat\nA,106.5,29.5\n\nB,abc,29.5\n", ["row 4", "'lon'"]),
        ("\n# c\n\nname;lon;lat\nA;106.5;29.5\n;;\nB;106.5;x\n", ["row 7", "'lat'"]),
        # columns swapped (probe 23C: accepted, a centre at latitude 106.57)
        ("name,lon,lat\nA,29.56,106.57\n", ["rows 2", "look swapped", "swap the columns"]),
        ("name,lon,lat\nA,640000,3270000\n", ["rows 2", "projected metres"]),
    ],
)
def test_bad_centres_name_row_and_field(tmp_path, body, needles):
    path = tmp_path / "bad.csv"
    path.write_text(body, "utf-8")
    with pytest.raises(InputDataError) as err:
        read_centres(path)
    text = str(err.value)
    assert str(path) in text
    for needle in needles:
        assert needle in text


def test_missing_file_and_point_layer(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        read_centres(tmp_path / "none.csv")
    layer = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=[Point(652417.5, 3271079.5)], crs="EPSG:32648"
    )
    layer.to_file(tmp_path / "c.gpkg")
    c = read_centres(tmp_path / "c.gpkg")
    assert c["lon"].iloc[0] == pytest.approx(106.57332, abs=1e-4)


def test_shipped_centres_lie_in_their_districts():
    from harbor_planner.districts import chongqing_districts

    c = read_centres(CENTRES)
    assert {"解放碑", "观音桥", "南坪", "三峡广场", "杨家坪"} <= set(c["name"])
    stated = pd.read_csv(CENTRES, comment="#", encoding="utf-8")["district"].tolist()
    joined = gpd.sjoin(c, chongqing_districts().to_crs(4326), predicate="within")
    assert joined.sort_index()["name_zh"].tolist() == stated


# --------------------------------------------------------------------------- coverage


def test_centre_coverage_against_buffers():
    rng = np.random.default_rng(3)
    x = 600000 + rng.uniform(-1500, 1500, 400)
    y = 3260000 + rng.uniform(-1500, 1500, 400)
    demand = gpd.GeoDataFrame(
        {"weight": rng.integers(1, 5, 400).astype(float), "covered": rng.random(400) < 0.4},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:32648",
    ).to_crs(4326)
    after = demand.assign(covered=demand["covered"] | (rng.random(400) < 0.3))
    lon, lat = TO_WGS.transform([600000.0, 600700.0, 650000.0], [3260000.0, 3260300.0, 3260000.0])
    centres = gpd.GeoDataFrame(
        {"name": ["A", "B", "far"], "lon": lon, "lat": lat, "radius_m": [500.0, 800.0, 300.0]},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    table = centre_coverage(
        centres,
        SimpleNamespace(demand=demand),
        metric_crs="EPSG:32648",
        after=SimpleNamespace(demand=after),
    )
    metric = demand.to_crs(32648)
    for j, c in enumerate(centres.to_crs(32648).geometry):
        inside = metric.within(c.buffer(centres["radius_m"].iloc[j], 256)).to_numpy()
        total = metric["weight"][inside].sum()
        row = table.iloc[j]
        assert row["demand_total"] == pytest.approx(total)
        assert row["demand_covered"] == pytest.approx(
            metric["weight"][inside & demand["covered"]].sum()
        )
        if total:
            want = 100 * metric["weight"][inside & after["covered"]].sum() / total
            assert row["coverage_after_pct"] == pytest.approx(want, abs=0.005)
    assert np.isnan(table["coverage_pct"].iloc[2])
    summary = centres_summary(table)
    assert summary[2]["coverage_pct"] is None and summary[0]["name"] == "A"
    assert set(summary[0]) == {"name", "lon", "lat", "radius_m", "demand_total",
                               "demand_covered", "coverage_pct", "coverage_after_pct"}  # fmt: skip
    # stations of several statuses: the built ones' share beside (probe 15T: 大坪 read 19.7 %
    # under a built-only headline where no built station reached it)
    built = demand.assign(covered_built=demand["covered"] & (rng.random(400) < 0.5))
    two = {"coverage_by_status": [{"scope": "existing"}, {"scope": "proposed"}]}
    table = centre_coverage(centres, SimpleNamespace(demand=built, summary=two),
                            metric_crs="EPSG:32648")  # fmt: skip
    for j, c in enumerate(centres.to_crs(32648).geometry[:2]):
        inside = metric.within(c.buffer(centres["radius_m"].iloc[j], 256)).to_numpy()
        want = 100 * metric["weight"][inside & built["covered_built"]].sum()
        assert table["coverage_built_pct"].iloc[j] == pytest.approx(
            want / metric["weight"][inside].sum(), abs=0.005
        )
    one = {"coverage_by_status": [{"scope": "existing"}]}
    only = centre_coverage(centres, SimpleNamespace(demand=built, summary=one),
                           metric_crs="EPSG:32648")  # fmt: skip
    assert "coverage_built_pct" not in only  # built stations only: the column says nothing more


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    from harbor_planner.cli import main

    tmp = tmp_path_factory.mktemp("centres")
    lon, lat = TO_WGS.transform([600025.0], [3260003.0])
    pd.DataFrame({"编号": ["A1"], "名称": ["一号"], "经度": lon, "纬度": lat}).to_csv(
        tmp / "st.csv", index=False
    )
    clon, clat = TO_WGS.transform([600050.0, 605000.0], [3260050.0, 3260000.0])
    (tmp / "centres.csv").write_text(
        f"name,lon,lat\n中心A,{clon[0]},{clat[0]}\nfar,{clon[1]},{clat[1]}\n", "utf-8"
    )
    out = tmp / "plan"
    argv = ["-q", "optimize", "--network", str(DIAMOND), "--stations", str(tmp / "st.csv"),
            "--crs", "wgs84", "--demand", "grid:20", "--minutes", "2", "--candidate-spacing",
            "40", "--add", "2", "--centres", str(tmp / "centres.csv"), "--centre-radius-m",
            "80", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


def test_cli_centres_in_summary_report_workbook_and_map(planned):
    import openpyxl

    summary = json.loads((planned / "summary.json").read_text("utf-8"))
    centres = {c["name"]: c for c in summary["centres"]}
    a = centres["中心A"]
    assert a["radius_m"] == 80 and a["demand_total"] > 0
    # each centre is located in the district boundaries of the district tables
    assert all(isinstance(c["district"], str) and c["district"] for c in centres.values())
    assert a["coverage_pct"] == pytest.approx(100 * a["demand_covered"] / a["demand_total"], 1e-3)
    assert a["coverage_after_pct"] >= a["coverage_pct"]
    assert centres["far"]["demand_total"] == 0 and centres["far"]["coverage_pct"] is None
    # the grid demand within 80 m of the centre, counted independently from covered.gpkg/gaps
    demand = pd.concat(
        [
            gpd.read_file(planned / "covered.gpkg", layer="covered"),
            gpd.read_file(planned / "gaps.gpkg", layer="gaps"),
        ]
    ).to_crs(32648)
    near = demand.distance(Point(600050.0, 3260050.0)) <= 80
    assert a["demand_total"] == pytest.approx(demand.loc[near, "weight"].sum())
    report = (planned / "report.html").read_text("utf-8")
    assert 'id="centres"' in report and "城市中心覆盖" in report and "中心A" in report
    wb = openpyxl.load_workbook(planned / "report.xlsx")
    assert "城市中心" in wb.sheetnames
    header = [c.value for c in wb["城市中心"][1]]
    assert header[:3] == ["名称", "区县", "经度(WGS-84)"] and "新增后覆盖率(%)" in header
    page = (planned / "map.html").read_text("utf-8")
    for label in ("城市中心", "原已覆盖需求", "新址新增覆盖需求", "仍未覆盖需求", "hp-centre-area"):
        assert label in page or json.dumps(label)[1:-1] in page, label
    run = json.loads((planned / "run.json").read_text("utf-8"))
    assert run["figures"]["isochrone_method"] == "exact"
    assert run["parameters"]["centres"]["radius_m"] == 80


def test_bad_centre_options_exit_2_and_3(tmp_path, capsys):
    from harbor_planner.cli import main

    base = ["optimize", "--network", str(DIAMOND), "--stations", "x.csv", "--add", "1",
            "--out", str(tmp_path / "o")]  # fmt: skip
    assert main([*base, "--centres", str(CENTRES), "--centre-radius-m", "0"]) == 2
    assert "--centre-radius-m" in capsys.readouterr().err


def test_scenario_centres_section(tmp_path):
    from harbor_planner.errors import ScenarioError
    from harbor_planner.scenario import load_scenario

    yz = load_scenario(ROOT / "scenarios" / "yuzhong.toml")
    assert yz.centres.file == CENTRES and yz.centres.radius_m == 1000
    assert yz.input_files()["centres"] == CENTRES
    path = tmp_path / "s.toml"
    path.write_text(
        '[network]\nsource = "n.osm"\n[stations]\nfile = "s.csv"\n'
        '[centres]\nfile = "c.csv"\nradius_m = -1\ncrs = "nonsense"\n',
        "utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "centres.radius_m" in str(err.value) and "centres.crs" in str(err.value)


# --------------------------------------------------------------------------- isochrone method


def test_isochrone_method_auto(diamond, monkeypatch, caplog):
    import harbor_planner.analysis.isochrones as iso_mod
    from harbor_planner.analysis.isochrones import choose_isochrone_method, isochrones
    from harbor_planner.settings import ISOCHRONE_AUTO_EXACT_MAX_STATIONS as N

    assert choose_isochrone_method("auto", N) == "exact"
    assert choose_isochrone_method("auto", N + 1) == "grid"
    assert choose_isochrone_method("exact", 10 * N) == "exact"
    lon, lat = TO_WGS.transform([600025.0], [3260003.0])
    st = gpd.GeoDataFrame({"station_id": ["A"]}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    with caplog.at_level(logging.INFO, logger="harbor_planner.analysis.isochrones"):
        exact = isochrones(diamond, st, minutes=(1, 2), corridor_m=5)
    assert exact.attrs["method"] == "exact"
    assert "method auto: 1 stations <= " in caplog.text
    monkeypatch.setattr(iso_mod, "ISOCHRONE_AUTO_EXACT_MAX_STATIONS", 0)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="harbor_planner.analysis.isochrones"):
        grid = isochrones(diamond, st, minutes=(1, 2), corridor_m=5)  # cell capped at 5 m
    assert grid.attrs["method"] == "grid"
    lines = [r for r in caplog.records if "method auto" in r.getMessage()]
    assert len(lines) == 1 and "grid 5 m" in lines[0].getMessage()
    ratio = grid.to_crs(32648).area.to_numpy() / exact.to_crs(32648).area.to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.25)


@pytest.mark.slow
def test_centres_outside_the_study_area_are_left_out(tmp_path, capsys):
    """A Yuzhong study reports Yuzhong's centres, not 江北嘴 on a sliver of Yuzhong's streets."""
    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    every = Path(__file__).parents[1] / "geodata" / "chongqing_centres.csv"
    out = tmp_path / "out"
    assert main(["run", str(demo_scenario_path()), "--out", str(out),
                 "--set", f"centres.file={every}", "--set", "optimize.enabled=false",
                 "--set", "demand.spacing_m=200"]) == 0  # fmt: skip
    names = [c["name"] for c in json.loads((out / "summary.json").read_text("utf-8"))["centres"]]
    table = pd.read_csv(every, comment="#")
    assert names == list(table.loc[table["district"] == "渝中区", "name"])
    err = capsys.readouterr().err
    assert "江北嘴" in err and "outside the study area" in err


def test_a_centres_file_wholly_outside_the_study_area_is_a_warning_not_a_crash(tmp_path, capsys):
    """Probe 16B's file of GCJ-02 centres read as WGS-84 moved 朝天门 out of 渝中区; with no
    centre left the run died on a TypeError. The centres left out are a warning (a centre
    silently missing from the report changes what it says)."""
    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    lon, lat = wgs84_to_gcj02(np.array([106.58579]), np.array([29.565523]))  # 朝天门, GCJ-02
    path = tmp_path / "c.csv"
    path.write_text(f"name,lon,lat\n江北嘴,106.5680,29.5740\n朝天门,{lon[0]},{lat[0]}\n", "utf-8")
    out = tmp_path / "out"
    code = main(["run", str(demo_scenario_path()), "--out", str(out),
                 "--set", f"centres.file={path}", "--set", "optimize.enabled=false",
                 "--set", "demand.spacing_m=200", "--set", "output.map_bands=[]"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert (
        "WARNING harbor_planner.pipeline.centres: city centres outside the study area 渝中区 "
        "left out: 江北嘴, 朝天门" in err
    )
    assert "Traceback" not in err
    assert not json.loads((out / "summary.json").read_text("utf-8")).get("centres")


def test_a_centres_csv_without_its_datum_is_read_as_wgs84_with_a_warning(tmp_path, caplog):
    """Probe 19W: a centres CSV without centres.crs was read as WGS-84 without a word (the
    stations' CSV without --crs is an error); centres picked on AMap would lie ~500 m off."""
    import logging

    path = tmp_path / "c.csv"
    path.write_text("name,lon,lat\n解放碑,106.5733,29.5601\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        unstated = read_centres(path)
    assert "read as WGS-84 (no centres.crs" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        stated = read_centres(path, crs="wgs84")
    assert caplog.text == ""
    assert unstated["lon"].tolist() == stated["lon"].tolist() == [106.5733]


def test_centres_in_a_workbook_or_tab_separated_are_read(tmp_path):
    """Probe 19R: a centres file given as .xlsx or .tsv crashed (AttributeError)."""
    import pandas as pd

    pd.DataFrame({"名称": ["解放碑"], "经度": [106.5733], "纬度": [29.5601]}).to_excel(
        tmp_path / "c.xlsx", index=False
    )
    (tmp_path / "c.tsv").write_text("name\tlon\tlat\n解放碑\t106.5733\t29.5601\n", "utf-8")
    for name in ("c.xlsx", "c.tsv"):
        c = read_centres(tmp_path / name, crs="wgs84")
        assert c["name"].tolist() == ["解放碑"] and c["lon"].tolist() == [106.5733], name
    (tmp_path / "c.json").write_text('{"a": 1}', "utf-8")
    with pytest.raises(InputDataError):
        read_centres(tmp_path / "c.json", crs="wgs84")

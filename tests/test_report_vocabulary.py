"""Issue 16: station status in every headline, reports in one vocabulary."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from harbor_planner.analysis.scopes import demand_scope, scope_figures, station_scopes
from harbor_planner.outputs.wording import (
    parameter_rows,
    status_headline,
    summary_rows,
    walk_model_text,
    walk_route_text,
)
from harbor_planner.scenario import demo_scenario_path
from harbor_planner.settings import site_kind_label

#: English tokens that must not appear in a Chinese report (models, kinds, modes, solvers...).
ENGLISH_TOKENS = ("hilly", "stairs", "flat", "main-streets", "max-cover", "exact", "greedy",
                  "optimal", "street", "existing", "building", "proposed", "demand_info",
                  "m of main street", "gcj02", "network")  # fmt: skip
NULLS = ("None", "null", "True", "False", "nan", "NaN")


# --------------------------------------------------------------------------- status scopes


def test_scopes_are_cumulative_built_first():
    stations = pd.DataFrame({"status": ["existing", "proposed", "building", None]})
    scopes = station_scopes(stations)
    assert scopes.tolist() == [0, 2, 1, 0]  # no status counts as built
    # demand 0 reached by the built station, 1 only by the proposed, 2 by building+proposed,
    # 3 by nobody
    pairs = (np.array([0, 1, 2, 2]), np.array([0, 1, 2, 1]))
    covered = np.array([True, True, True, False])
    first = demand_scope(pairs, scopes, covered)
    assert first.tolist() == [0, 2, 1, -1]
    fig = scope_figures(stations, np.array([4.0, 3.0, 2.0, 1.0]), first)
    assert fig["coverage_built_pct"] == 40.0
    by = fig["coverage_by_status"]
    assert [e["statuses"] for e in by] == [
        ["existing"],
        ["existing", "building"],
        ["existing", "building", "proposed"],
    ]
    assert [e["coverage_pct"] for e in by] == [40.0, 60.0, 90.0]
    assert [e["stations"] for e in by] == [2, 3, 4]
    assert [e["label"] for e in by] == ["已建成", "含在建", "含在建、拟建"]


def test_only_built_stations_give_one_scope():
    stations = pd.DataFrame({"status": ["existing", "existing"]})
    first = demand_scope((np.array([0]), np.array([1])), station_scopes(stations),
                         np.array([True, False]))  # fmt: skip
    by = scope_figures(stations, np.array([1.0, 1.0]), first)["coverage_by_status"]
    assert len(by) == 1 and by[0]["coverage_pct"] == 50.0
    summary = {"coverage_pct": 50.0, "coverage_by_status": by}
    assert status_headline(summary, "zh") == "已建成站点覆盖 50.0 %"


def test_status_headline_in_both_languages():
    by = [
        {"statuses": ["existing"], "label": "已建成", "label_en": "existing",
         "coverage_pct": 50.1},
        {"statuses": ["existing", "building", "proposed"], "label": "含在建、拟建",
         "label_en": "with under construction, proposed", "coverage_pct": 57.1},
    ]  # fmt: skip
    s = {"coverage_pct": 57.1, "coverage_by_status": by}
    assert status_headline(s, "zh") == "已建成站点覆盖 50.1 %；含在建、拟建 57.1 %"
    assert status_headline(s, "en") == (
        "built stations cover 50.1 %; with under construction, proposed: 57.1 %"
    )


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_walk_model_text_says_what_was_used(lang):
    slopes = "坡道" if lang == "zh" else "slopes,"
    hilly = walk_route_text("hilly", lang, dem=True)
    assert slopes in hilly
    for kind, dem in (("stairs", True), ("stairs", False), ("flat", None), ("hilly", False)):
        text = walk_route_text(kind, lang, dem=dem)
        assert slopes not in text, (kind, dem)
    assert ("台阶" if lang == "zh" else "stairs") in walk_route_text("stairs", lang)
    assert ("扶梯" if lang == "zh" else "escalators") in walk_route_text("stairs", lang)
    flat = walk_route_text("flat", lang)
    assert ("平地" if lang == "zh" else "flat ground") in flat
    assert walk_model_text("hilly", lang, dem=True) != walk_model_text("stairs", lang)


def test_site_kinds_in_words():
    assert site_kind_label("street") == "街道点位"
    assert site_kind_label("bus_stop", "en") == "bus stop"
    assert site_kind_label("kiosk") == "兴趣点"  # an unknown English code: no English in zh
    assert site_kind_label("报刊亭") == "报刊亭"  # a user's own Chinese word kept


def _scenario_params(**over):
    params = {
        "title": "t",
        "network": {"source": "/d/walk.osm", "walk_model": "stairs", "walk_speed_kmh": 4.5,
                    "dem": None, "keep_all": False},
        "stations": {"file": "/d/st.csv", "crs": "gcj02", "status": ["existing"],
                     "sheet": None},
        "demand": {"kind": "main-streets", "spacing_m": 50.0, "within": "/d/yuzhong.geojson"},
        "coverage": {"minutes": 15.0, "districts": None},
        "optimize": {"enabled": True, "mode": "max-cover", "add": 20, "candidates": "auto",
                     "candidate_spacing_m": 200.0, "solver": "exact", "time_limit_s": 300.0,
                     "min_spacing_m": 300.0, "spacing_by": "line", "quota": "/d/q.csv",
                     "target_pct": None, "poi": []},
        "output": {"dir": "/runs/out", "basemap": "osm", "lang": "zh", "tianditu_key": None},
    }  # fmt: skip
    params.update(over)
    return params


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_parameters_are_a_readable_table(lang):
    rows = dict(parameter_rows(_scenario_params(), lang))
    text = json.dumps(rows, ensure_ascii=False)
    for bad in ("{", "[", *NULLS):
        assert bad not in text.replace('{"', "").replace('"}', ""), bad
    if lang == "zh":
        assert rows["步行模型"] == walk_model_text("stairs", "zh")
        assert rows["步行速度"] == "4.5 公里/小时" and rows["步行时间上限"] == "15 分钟"
        assert rows["纳入的站点状态"] == "已建成"
        assert rows["需求"] == "主干道 每 50 米" and rows["研究范围"] == "yuzhong.geojson"
        assert rows["候选点位"].startswith("自动") and rows["求解器"] == "精确求解（HiGHS）"
        assert rows["求解时间上限"] == "300 秒" and rows["站点最小间距"].startswith("300 米")
        assert rows["区县配额"] == "q.csv" and rows["输出目录"] == "/runs/out"
        assert "高程数据 (DEM)" not in rows  # unset settings are left out
        assert not any(t in text for t in ("max-cover", "main-streets", "stairs"))
    else:
        assert rows["Walking speed"] == "4.5 km/h" and rows["Output folder"] == "/runs/out"


def test_summary_rows_translate_every_value():
    summary = {"walk_model": "hilly", "walk_dem": True, "demand_kind": "main-streets",
               "demand_spec": "main-streets", "demand_unit": "m of main street",
               "demand_info": {"classes": ["trunk", "primary_link"], "length_km": 3.0,
                               "length_km_by_class": {"primary": 1.0}, "novel": 3},
               "coverage_pct": 50.0, "time_p90_min": None}  # fmt: skip
    rows = summary_rows(summary, "zh")
    text = json.dumps(rows, ensure_ascii=False)
    assert "快速路、主干路连接道" in text and "主干道长度(公里)（主干路）" in text
    assert "是" in text and "米主干道" in text
    for bad in ("hilly", "main-streets", "trunk", "demand_info.novel", "None", "true"):
        assert bad not in text.replace('"demand_info.', '"'), bad


def test_link_classes_are_in_the_chinese_lengths_and_english_labels_are_words():
    """Probe 17F: the zh workbook left out the ``_link`` classes' main-street lengths (42 of
    the demo's 381.4 km), and the en workbook's labels were JSON keys, one value a dict."""
    summary = {"demand_info": {"length_km_by_class": {"primary": 1.0, "primary_link": 0.5,
                                                      "trunk_link": 0.25}},
               "coverage_pct": 50.0, "euclidean_radius_m": 1125.0,
               "stations_by_status": {"existing": 3},
               "coverage_range_pct": {"low": 1.0, "high": 2.0,
                                      "cases": [{"speed": 3.2}]}}  # fmt: skip
    zh = dict((k, label) for k, label, _ in summary_rows(summary, "zh"))
    assert zh["demand_info.length_km_by_class.primary_link"] == "主干道长度(公里)（主干路连接道）"
    assert zh["demand_info.length_km_by_class.trunk_link"] == "主干道长度(公里)（快速路连接道）"
    en = summary_rows(summary, "en")
    assert [k for k, _, _ in en] == list(zh)  # the same figures in both languages
    labels = dict((k, label) for k, label, _ in en)
    for label in labels.values():
        assert "_" not in label and "." not in label.replace("e.g.", ""), label
    assert labels["demand_info.length_km_by_class.primary_link"] == (
        "Demand info – length (km) by class – primary link"
    )
    assert labels["coverage_pct"] == "Coverage (%)"
    assert not any(isinstance(v, dict | list) for _, _, v in en)  # no dict shown raw


# --------------------------------------------------------------------------- a zh and an en run


def _demo(tmp_path_factory, name, *overrides):
    from harbor_planner.cli import main

    out = tmp_path_factory.mktemp(name) / "out"
    args = ["-q", "run", str(demo_scenario_path()), "--out", str(out)]
    for o in overrides:
        args += ["--set", o]
    assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory):
    return _demo(tmp_path_factory, "zh")


def _report_text(out):
    html = (out / "report.html").read_text("utf-8")
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _summary_keys(d, prefix=""):
    """Every key path of summary.json with a dot or an underscore (``demand_info.classes``)."""
    keys = set()
    for k, v in d.items():
        path = f"{prefix}{k}"
        if "." in path or "_" in path:
            keys.add(path)
        if isinstance(v, dict):
            keys |= _summary_keys(v, f"{path}.")
    return keys


def _xlsx_cells(out):
    """Every cell of every sheet."""
    from openpyxl import load_workbook

    return [
        (ws.title, c)
        for ws in load_workbook(out / "report.xlsx")
        for row in ws.iter_rows(values_only=True)
        for c in row
    ]


@pytest.mark.slow
def test_zh_reports_have_no_english_tokens_and_no_nulls(zh_run):
    cells = _xlsx_cells(zh_run)
    assert not [c for _, c in cells if isinstance(c, bool)]  # booleans read 是/否
    texts = [str(c) for sheet, c in cells if c is not None]
    keys = _summary_keys(json.loads((zh_run / "summary.json").read_text("utf-8")))
    assert not [t for t in texts if "demand_info" in t or t in keys]  # no summary.json keys
    html = _report_text(zh_run)
    for token in ENGLISH_TOKENS:
        pattern = re.compile(rf"(?<![\w./-]){re.escape(token)}(?![\w-])")
        bad = [t for t in texts if pattern.search(t)]
        assert not bad, (token, bad[:5])
        assert not pattern.search(html.replace(str(zh_run), "")), token
    for null in NULLS:
        assert null not in texts, null
        assert not re.search(rf"(?<!\w){null}(?!\w)", html), null
    assert "是" in texts and "含台阶、坡道、扶梯" in html  # the demo is hilly with a DEM


@pytest.mark.slow
def test_zh_run_headline_sites_and_folder(zh_run):
    summary = json.loads((zh_run / "summary.json").read_text("utf-8"))["coverage"]
    by = summary["coverage_by_status"]
    assert [e["statuses"][-1] for e in by] == ["existing", "building", "proposed"]
    assert by[0]["coverage_pct"] == summary["coverage_built_pct"] < by[-1]["coverage_pct"]
    assert by[-1]["coverage_pct"] == summary["coverage_pct"]
    headline = status_headline(summary, "zh")
    assert headline.startswith("已建成站点覆盖") and headline in _report_text(zh_run)
    # the circles' cards are of every station, not the built ones of the first card (17F)
    assert "直线圆覆盖率（全部 14 个站点）" in _report_text(zh_run)
    assert headline in (zh_run / "map.html").read_text("utf-8").encode().decode("utf-8") or (
        json.dumps(headline)[1:-1] in (zh_run / "map.html").read_text("utf-8")
    )
    sites = pd.read_csv(zh_run / "selected_sites.csv", encoding="utf-8-sig")
    assert list(sites.columns[:3]) == ["rank", "name", "kind_text"]
    assert (
        sites["name"].str.len().gt(0).all()
        and sites["kind_text"].isin(["街道点位", "兴趣点", "候选点位"]).all()
    )
    assert ((sites["lon_gcj02"] - sites["lon"]).abs() > 1e-4).all()  # GCJ-02 is shifted
    run = json.loads((zh_run / "run.json").read_text("utf-8"))
    assert run["out_dir"] == str(zh_run) == run["parameters"]["output"]["dir"]
    assert str(zh_run) in _report_text(zh_run)


@pytest.mark.slow
def test_built_only_run_shows_one_figure_equal_to_the_built_scope(zh_run, tmp_path_factory):
    built = _demo(tmp_path_factory, "built", 'stations.status=["existing"]',
                  'output.formats=["tables","report"]', "output.lang=en")  # fmt: skip
    one = json.loads((built / "summary.json").read_text("utf-8"))["coverage"]
    full = json.loads((zh_run / "summary.json").read_text("utf-8"))["coverage"]
    assert len(one["coverage_by_status"]) == 1
    assert one["coverage_pct"] == one["coverage_built_pct"] == full["coverage_built_pct"]
    html = _report_text(built)
    assert "Coverage by built stations" in html and "with under construction" not in html
    assert "stairs, slopes, escalators" in html  # the English walk text of a hilly DEM run


def test_one_decimal_figures_agree_with_the_two_decimal_ones():
    """53.65 in the workbook reads 53.7 in the headline, report and map (not 53.6)."""
    from harbor_planner._text import pct1
    from harbor_planner.outputs.ranges import pct_with_range
    from harbor_planner.outputs.values import pct_text
    from harbor_planner.outputs.wording import status_headline

    assert f"{53.65:.1f}" == "53.6"  # the float below 53.65: why a direct format is wrong
    assert [pct1(v) for v in (53.65, 53.6506, 53.64, 0.05, 99.95, 100.0)] == [
        "53.7", "53.7", "53.6", "0.1", "100.0", "100.0"]  # fmt: skip
    assert pct_text(53.65) == "53.7%" and pct_text(53.65, 2) == "53.65%"
    s = {"coverage_pct": 53.65, "coverage_by_status": [
        {"label": "已建成", "label_en": "built", "coverage_pct": 41.05},
        {"label": "含在建", "label_en": "with building", "coverage_pct": 53.65}]}  # fmt: skip
    assert pct_with_range(s) == "53.7 %"
    assert status_headline(s, "zh") == "已建成站点覆盖 41.1 %；含在建 53.7 %"


def test_minutes_and_other_one_decimal_figures_round_the_published_figure_half_up():
    """The report's 8.8 min where the tables publish 8.85 (probe 13F): every one-decimal
    figure is the two-decimal one rounded half up, as percentages are."""
    from harbor_planner.outputs.values import num_text

    got = [num_text(v) for v in (8.85, 31.95, 89.05, 59.55, 1234.55, -0.05, 7.0)]
    assert got == ["8.9", "32.0", "89.1", "59.6", "1,234.6", "-0.1", "7.0"]


def test_the_map_title_says_what_its_figure_rests_on():
    """Minutes, speed and direction beside the map's figure (probe 13F: a 10-minute run's map
    stated none, under a scenario title saying 15 minutes)."""
    from types import SimpleNamespace

    from harbor_planner.outputs.ranges import map_title

    summary = {"coverage_pct": 30.3, "minutes": 10.0, "walk_speed_kmh": 4.5,
               "walk_direction": "to-station"}  # fmt: skip
    cov = SimpleNamespace(summary=summary)
    # in the report's own unit (probe 18R: "4.5 km/h" beside the tables' 公里/小时)
    assert "（步行前往站点10分钟，4.5公里/小时）" in map_title("渝中区", cov, lang="zh")
    summary["walk_direction"] = "from-station"
    assert "(10-min walk from the stations, 4.5 km/h)" in map_title(None, cov, lang="en")
    # and the walk model and the demand (probe 22M: two models' maps read alike)
    summary.update(walk_model="hilly", walk_dem=True, demand_kind="main-streets")
    zh = map_title("渝中区", cov, lang="zh")
    assert "（从站点步行10分钟，4.5公里/小时；含台阶、坡道、扶梯（地形高程）；需求：主干道）" in zh
    summary.update(walk_model="stairs", demand_kind="buildings")
    assert "4.5 km/h; stairs and escalators (no slopes); demand: buildings" in map_title(
        None, cov, lang="en"
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_study_and_centres_settings_are_named(lang):
    params = _scenario_params(
        study={"districts": ["渝中区", "江北区"], "area": None, "confine": True,
               "min_district_share_pct": 0.5, "min_district_points": 30},
        centres={"file": "/d/centres.csv", "radius_m": 800.0, "crs": "gcj02"},
    )  # fmt: skip
    rows = dict(parameter_rows(params, lang))
    text = json.dumps(rows, ensure_ascii=False)
    assert '"centres"' not in text and "radius_m" not in text and "{" not in text.strip("{}")
    if lang == "zh":
        study = rows["研究范围"].split("；")
        assert study[0] == "渝中区、江北区" and "0.5%" in study[1] and "30 个" in study[2]
        assert rows["城市中心"] == "centres.csv，半径 800 米，坐标系 GCJ-02（高德/腾讯）"
    else:
        assert "0.5 % of the demand" in rows["Study area"]
        assert rows["City centres"] == "centres.csv, radius 800 m, GCJ-02 (AMap)"


@pytest.mark.slow
def test_workbook_summary_has_the_range_after_the_new_sites(zh_run):
    from openpyxl import load_workbook

    after = json.loads((zh_run / "summary.json").read_text("utf-8"))["coverage_after"]
    rows = dict(load_workbook(zh_run / "report.xlsx")["汇总"].iter_rows(values_only=True))
    rng = after["coverage_range_pct"]
    assert rows["新增后覆盖率敏感性区间下限(%)"] == rng["low"] <= rows["新增后覆盖率(%)"]
    assert rows["新增后覆盖率敏感性区间上限(%)"] == rng["high"] >= rows["新增后覆盖率(%)"]
    params = dict(load_workbook(zh_run / "report.xlsx")["参数"].iter_rows(values_only=True))
    assert params["城市中心"].startswith("centres.csv，半径 1000 米")
    assert "centres" not in params and params["研究范围"].startswith("渝中区；")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_several_station_files_with_a_datum_each(lang):
    """Probe 14K: ``stations.crs`` as a list (one per file, documented) crashed the report."""
    params = _scenario_params()
    params["stations"] = {**params["stations"], "file": ["/d/amap.csv", "/d/baidu.xlsx"],
                          "crs": ["gcj02", "bd09"]}  # fmt: skip
    rows = dict(parameter_rows(params, lang))
    files, crs = (rows["站点文件"], rows["站点坐标系"]) if lang == "zh" else (
        rows["Station file"], rows["Station coordinates"])  # fmt: skip
    assert files == ("amap.csv、baidu.xlsx" if lang == "zh" else "amap.csv, baidu.xlsx")
    assert crs == (
        "GCJ-02（高德/腾讯）、BD-09（百度）" if lang == "zh" else "GCJ-02 (AMap), BD-09 (Baidu)"
    )


def test_the_english_workbook_labels_the_plan_in_words_and_codes_as_words():
    """Probe 18R: the en workbook's optimiser rows were JSON keys (`optimality_gap`,
    `selection.demand_total`), and codes (`max-cover`, `from-station`) stayed codes."""
    from types import SimpleNamespace

    from harbor_planner.outputs.labels import value_text
    from harbor_planner.outputs.report_xlsx import _summary_frame

    plan = {"mode": "max-cover", "solver": "exact", "status": "optimal", "sites_added": 3,
            "objective": 12.0, "optimality_gap": 0.0, "demand_total": 100.0,
            "coverage_pct_after": 70.0}  # fmt: skip
    cov = SimpleNamespace(summary={"demand_total": 100.0, "coverage_pct": 50.0,
                                   "walk_direction": "from-station"})  # fmt: skip
    sel = SimpleNamespace(summary=lambda: plan)
    frame = _summary_frame(cov, sel, chinese=False)
    for label in frame["label"]:
        assert "_" not in label and "." not in label.replace("0.01", ""), label
    values = dict(zip(frame["key"], frame["value"], strict=True))
    assert values["mode"] == "maximal coverage (N new sites)"
    assert values["walk_direction"] == "walking from the stations"
    assert "selection.demand_total" in values  # the key column keeps summary.json's key
    assert value_text("max-cover", "zh") == "最大覆盖（新增N个站点）"


def test_cards_of_every_station_say_so_beside_the_built_headline(zh_run):
    """Probe 18R: beside the built stations' 41.1 %, the cards 已覆盖需求, the median and 90th
    percentile walk, 双重覆盖率 and 新增前覆盖率 counted all 14 stations without a word."""
    html = (zh_run / "report.html").read_text("utf-8")
    for label in ("已覆盖需求", "到最近站步行时间中位数", "双重覆盖率", "新增前覆盖率"):
        assert f"{label}（全部 14 个站点）" in html, label


def test_candidate_and_quota_rows_say_where_the_sites_came_from(tmp_path):
    """Probe 19X: the parameters said "+ 路网兴趣点" of a network of line layers (it has no
    points of interest) and did not name the metro layer they came from (optimize.poi); a
    proportional quota was named by its file alone."""
    from harbor_planner.outputs.wording import parameter_rows

    stops = tmp_path / "stops_unique.shp"
    stops.write_bytes(b"")
    p = {
        "network": {"source": ["/a/roads_yuzhong.geojson"]},
        "optimize": {"candidates": "auto", "candidate_spacing_m": 200,
                     "poi": [f"{stops}::metro_station"], "quota": "/q/pop.csv",
                     "quota_column": "population"},
    }  # fmt: skip
    zh = dict(parameter_rows(p, "zh"))
    assert zh["候选点位"] == "自动：沿街每 200 米 + stops_unique.shp"
    assert zh["区县配额"] == "pop.csv（按 population 列比例分配）"
    en = dict(parameter_rows({**p, "network": {"source": "walk.osm.bz2"}}, "en"))
    assert en["Candidate sites"] == (
        "automatic: street sites every 200 m + OSM points of interest + stops_unique.shp"
    )
    assert en["District quotas"] == "pop.csv (split in proportion to its population column)"


def test_the_built_headline_says_stations_without_a_status_are_counted_in_it(tmp_path, caplog):
    """Probe 19Z: the planned sites added back without a status made the report and the map
    say "已建成站点覆盖 83.6 %" (41.1 % for the built ones) with no word of the 12 counted as
    built; only the CLI's line said so, and no warning."""
    import logging

    from harbor_planner.outputs.wording import status_headline
    from harbor_planner.pipeline.inputs import load_stations
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    summary = {
        "coverage_pct": 89.84,
        "stations_by_status": {"existing": 8, "building": 3, "proposed": 3, "unknown": 12},
        "coverage_by_status": [
            {"statuses": ["existing"], "label": "已建成", "label_en": "existing",
             "coverage_pct": 83.62},
            {"statuses": ["existing", "building", "proposed"], "label": "含在建、拟建",
             "label_en": "with building, proposed", "coverage_pct": 89.84},
        ],
    }  # fmt: skip
    assert "已建成站点覆盖 83.6 %（含 12 个未注明状态、按已建成计的站点）" in status_headline(
        summary, "zh"
    )
    assert "(12 without a status counted as built)" in status_headline(summary, "en")
    del summary["stations_by_status"]["unknown"]
    assert "未注明" not in status_headline(summary, "zh")
    path = tmp_path / "st.csv"
    path.write_text("编号,名称,状态,经度,纬度\nA,甲,已建成,106.57,29.557\nB,乙,,106.575,29.56\n",
                    encoding="utf-8")  # fmt: skip
    sc = load_scenario(demo_scenario_path(), overrides=[f"stations.file={path}",
                                                        "stations.crs=wgs84"])  # fmt: skip
    with caplog.at_level(logging.WARNING):
        load_stations(sc)
    assert "1 of 2 stations have no status and count as built" in caplog.text


def test_district_tables_give_the_built_stations_share_beside_every_stations(diamond, pts):
    """Probe 18R: a district's coverage counted every station used (58.9 %) beside a headline
    of the built ones (41.1 %) without saying so; the district tables now carry the built
    stations' share too, which adds up to the headline's."""
    import geopandas as gpd
    import shapely

    import harbor_planner as hp
    from harbor_planner.outputs.map_specs import district_layer
    from harbor_planner.outputs.report_html import report_html

    # on the residential street A-B: 75 m in a minute from either end (B not reached from A)
    stations = pts((0, 0), (100, 0)).assign(status=["existing", "proposed"])
    demand = pts((10, 0), (20, 0), (90, 2), (95, 4), prefix="D").assign(weight=[1.0, 3.0, 2.0, 4.0])
    x0, y0 = 600000.0, 3260000.0
    layer = gpd.GeoDataFrame(
        {"name": ["西", "东"]},
        geometry=[
            shapely.box(x0 - 500, y0 - 500, x0 + 75, y0 + 500),
            shapely.box(x0 + 75, y0 - 500, x0 + 700, y0 + 500),
        ],
        crs="EPSG:32648",
    )
    res = hp.coverage(diamond, stations, demand, minutes=1, districts=layer, district_column="name")
    bd = res.by_district.set_index("district")
    cols = list(res.by_district.columns)
    assert cols.index("coverage_built_pct") == cols.index("coverage_pct") + 1
    assert bd.loc["西", "coverage_pct"] == bd.loc["西", "coverage_built_pct"] == 100.0
    assert bd.loc["东", "coverage_pct"] == 100.0 and bd.loc["东", "coverage_built_pct"] == 0.0
    built = (bd["coverage_built_pct"] * bd["demand_total"]).sum() / bd["demand_total"].sum()
    assert built == pytest.approx(res.summary["coverage_built_pct"]) == 40.0
    html = report_html(coverage=res, lang="zh")
    assert "覆盖率（全部 2 个站点）" in html and "仅已建成站点覆盖率" in html
    # four demand points: too few for a district figure (the API marks them as run does)
    assert set(res.by_district["status"]) == {"too_small"}
    figures = res.by_district.drop(columns="status")
    spec = district_layer(layer.to_crs(4326), figures, "zh")
    east = next(f for f in spec["features"] if f["p"][0] == "东")
    assert east["p"][1:] == ["100.0 %", "0.0 %"]
    # only built stations: one figure, no built column
    one = hp.coverage(diamond, stations.iloc[:1], demand, minutes=1, districts=layer,
                      district_column="name")  # fmt: skip
    assert "coverage_built_pct" not in one.by_district
    assert "仅已建成站点覆盖率" not in report_html(coverage=one, lang="zh")


def test_summary_rows_label_scopes_and_fractions_in_words():
    """Probe 18R: the English scope rows read "coverage_pct (existing)" (a key), and the DEM's
    flat share 0.2422 stood among percentages without saying it is a fraction."""
    by = [
        {"statuses": ["existing"], "label": "已建成", "label_en": "existing", "coverage_pct": 41.1},
        {"statuses": ["existing", "proposed"], "label": "含拟建", "label_en": "with proposed",
         "coverage_pct": 58.9},
    ]  # fmt: skip
    summary = {"coverage_pct": 58.9, "coverage_by_status": by,
               "network_grades": {"flat_outside_dem_share": 0.2422}}  # fmt: skip
    en = {k: label for k, label, _ in summary_rows(summary, "en")}
    zh = {k: label for k, label, _ in summary_rows(summary, "zh")}
    assert en["coverage_by_status.existing"] == "Coverage (%) (existing)"
    assert "0.01 is 1 %" in en["network_grades.flat_outside_dem_share"]
    assert "0.01 即 1%" in zh["network_grades.flat_outside_dem_share"]


def test_grade_cap_rows_of_every_class_add_up_to_the_total():
    """Probe 22M: the workbook's rows of edges above the grade cap left out the classes
    without a Chinese name (corridor, track): 1,824 of 1,826 edges listed."""
    by_class = {
        "footway": {"edges": 1800, "km": 230.0, "cap_pct": 45.0},
        "corridor": {"edges": 1, "km": 0.01, "cap_pct": 45.0},
        "track": {"edges": 1, "km": 0.34, "cap_pct": 25.0},
        "via_ferrata": {"edges": 24, "km": 9.0, "cap_pct": 45.0},
    }
    summary = {"network_grades": {"above_cap_by_class": by_class}}
    for lang in ("zh", "en"):
        rows = [r for r in summary_rows(summary, lang) if r[0].endswith(".edges")]
        assert sum(v for _, _, v in rows) == 1826, rows
        assert len({label for _, label, _ in rows}) == 4  # each class its own row
    zh = {k: label for k, label, _ in summary_rows(summary, "zh")}
    assert "机耕路" in zh["network_grades.above_cap_by_class.track.edges"]
    assert "via_ferrata" in zh["network_grades.above_cap_by_class.via_ferrata.edges"]


def test_the_map_words_a_figure_as_the_workbook_does():
    """Probe 22M: 撤站损失 in the workbook was 关闭损失 on the map, 阶段 was 批次; the
    workbook's header had an underscore inside its Chinese words."""
    from harbor_planner.outputs.labels import HEADER_ZH, map_text

    for key in ("exit_loss_pct", "exit_loss_built_pct"):
        assert "撤站损失" in map_text(key, "zh") and "撤站损失" in HEADER_ZH[key]
        assert "关闭" not in map_text(key, "zh")
    assert map_text("stage", "zh") == HEADER_ZH["stage"] == "阶段"
    assert all("_" not in label for label in HEADER_ZH.values())

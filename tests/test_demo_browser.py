"""The demo as a newcomer sees it: its map and report opened in Chromium (Debian's, offline).

``harbor-planner demo`` runs once; the map must show the headline's title, the legend of what
is drawn, the OpenStreetMap credit (ODbL) and Yuzhong — the study area — among the district
polygons; the report the headline figures of summary.json, the staged plan and the credit.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from harbor_planner._text import pct1
from harbor_planner.cli import main
from harbor_planner.scenario import demo_scenario_path
from test_maps import Opened, browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.slow  # a browser: the slow tier

STATUS_ZH = {"existing": "已建成", "building": "在建", "proposed": "拟建"}


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "harbor-demo"
    assert main(["-q", "demo", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    return out, summary


def _map_name(page) -> str:
    return page.evaluate(
        "Object.keys(window).find(k => k.startsWith('map_') && window[k] "
        "&& typeof window[k].latLngToContainerPoint === 'function')"
    )


def _districts_only(page) -> None:
    """Untick every overlay but the district polygons."""
    boxes = page.locator(".leaflet-control-layers-overlays label")
    for i in range(boxes.count()):
        label = boxes.nth(i)
        box = label.locator("input")
        wanted = "区县覆盖率" in label.inner_text()
        if box.is_checked() != wanted:
            box.click()


def test_demo_map_in_chromium(browser, demo_out):  # noqa: F811
    out, summary = demo_out
    cov, plan = summary["coverage"], summary["optimize"]
    o = Opened(browser, out / "map.html")
    try:
        # offline: only OSM basemap tiles were asked for, and they failed quietly
        assert all(u.startswith("https://tile.openstreetmap.org/") for u in o.requests)
        assert [e for e in o.errors if "Failed to load resource" not in e] == []
        title = o.page.inner_text(".hp-title")
        assert "渝中区" in title and "15 分钟" in title and "示意" in title
        credit = o.page.inner_text(".leaflet-control-attribution")
        assert "© OpenStreetMap contributors, ODbL" in credit
        legend = o.page.inner_text(".hp-legend")
        for status in cov["stations_by_status"]:
            assert STATUS_ZH[status] in legend
        for entry in (
            "建议新址",
            "15 分钟",
            "覆盖率 %",
            "研究范围",
            "城市中心",
            "原已覆盖需求",
            "新址新增覆盖需求",
            "仍未覆盖需求",
        ):
            assert entry in legend, entry
        # the study area (渝中区, official boundary) is a layer of its own, an outline
        assert summary["study_area"]["districts"] == ["渝中区"]
        assert o.count("path.hp-study-area") >= 1
        assert "研究范围" in o.page.inner_text(".leaflet-control-layers-overlays")
        assert o.count("path.hp-station") == cov["stations"]
        sites = o.page.locator(".hp-site-icon").all_inner_texts()
        assert sites == [str(i) for i in range(1, plan["sites_added"] + 1)]
        by_district = pd.read_csv(out / "by_district.csv", encoding="utf-8-sig")
        assert o.count("path.hp-district") == len(by_district)

        # the study area: Yuzhong's polygon, with its coverage, under a point inside it
        _districts_only(o.page)
        assert o.count("path.hp-station") == 0 and o.count("path.hp-district") > 0
        area = gpd.read_file(demo_scenario_path().parent / "boundary.geojson")
        inside = area.geometry.iloc[0].representative_point()
        xy = o.page.evaluate(
            f"(() => {{ const m = window[{_map_name(o.page)!r}]; "
            f"const p = m.latLngToContainerPoint([{inside.y}, {inside.x}]); "
            "const r = m.getContainer().getBoundingClientRect(); "
            "return [p.x + r.left, p.y + r.top]; })()"
        )
        o.page.mouse.move(*xy)
        o.page.wait_for_selector(".leaflet-tooltip")
        row = by_district.set_index("district").loc["渝中区"]
        pct, built = row["coverage_pct"], row["coverage_built_pct"]  # the demo's statuses
        # probe 26B: the figure after the new sites, as the workbook's 区县 sheet gives it
        book = pd.read_excel(out / "report.xlsx", sheet_name="区县").set_index("区县")
        after, added = book.loc["渝中区", "新增后覆盖率(%)"], book.loc["渝中区", "新增站点数"]
        gain = float(pct1(after)) - float(pct1(pct))
        assert o.page.inner_text(".leaflet-tooltip") == (
            f"渝中区 已建成 {pct1(built)} % · 全部站点 {pct1(pct)} % → 新增后 {pct1(after)} % · "
            f"{gain:+.1f} 个百分点"
        )
        o.page.mouse.click(*xy)
        o.page.wait_for_selector(".leaflet-popup-content")
        cells = o.page.locator(".leaflet-popup-content tr").all_inner_texts()
        popup = dict(c.split("\t", 1) for c in cells)
        assert popup["新增前覆盖率 %（全部站点）"] == f"{pct1(pct)} %"
        assert popup["新增后覆盖率 %"] == f"{pct1(after)} %"
        assert popup["新增覆盖 (百分点)"] == f"{gain:+.1f}"
        assert popup["新增站点数"] == str(added) == str(plan["sites_added"])
    finally:
        o.close()


def test_demo_report_in_chromium(browser, demo_out):  # noqa: F811
    out, summary = demo_out
    cov, plan = summary["coverage"], summary["optimize"]
    o = browser.new_page()
    errors: list[str] = []
    o.on("pageerror", lambda e: errors.append(str(e)))
    try:
        o.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        o.goto((out / "report.html").resolve().as_uri())
        heading = o.locator("h1").inner_text()
        assert "渝中区" in heading and "示意" in heading
        text = o.inner_text("body")
        # the headline figures: on foot against circles, before and after the new sites
        for figure in (cov["coverage_pct"], cov["euclidean_coverage_pct"],
                       plan["coverage_pct_after"]):  # fmt: skip
            assert f"{pct1(figure)}%" in text, figure  # halves up, as published (89.85)
        assert "© OpenStreetMap contributors" in text
        # the staged plan: every stage named, as many new sites as planned
        for stage in plan["stages"]:
            assert stage["stage"] in text
        names = pd.read_csv(out / "stations.csv", encoding="utf-8-sig")["name"]
        assert names.str.endswith("（示意）").all()
        assert all(name in text for name in names)
        assert errors == []
    finally:
        o.close()


@pytest.mark.parametrize("size", [(1280, 860), (1024, 640)])
def test_demo_map_controls_do_not_cover_each_other(browser, demo_out, size):  # noqa: F811
    """On a laptop screen the title, the layer list and the legend each stay readable: none
    lies over another (the long lists scroll inside their boxes)."""
    out, _ = demo_out
    o = Opened(browser, out / "map.html")
    try:
        o.page.set_viewport_size({"width": size[0], "height": size[1]})
        o.page.wait_for_timeout(300)
        boxes = {
            sel: o.page.locator(sel).first.bounding_box()
            for sel in (".hp-title", ".leaflet-control-layers", ".hp-legend")
        }

        def meet(a, b) -> bool:
            return (
                a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
            )  # fmt: skip

        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                assert not meet(boxes[a], boxes[b]), (size, a, b, boxes)
    finally:
        o.close()

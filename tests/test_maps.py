"""HTML maps: the page text (everywhere) and the page in headless Chromium (when installed).

The browser tests open the saved file from disk with every non-file request aborted and
recorded, so a map that tried to reach a CDN fails. Screenshots and the Yuzhong map are left in
``tests/output/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from harbor_planner.analysis.isochrones import service_area
from harbor_planner.coords import wgs84_to_gcj02
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.outputs.map import make_map, save_map
from harbor_planner.outputs.map_specs import CANVAS_THRESHOLD
from harbor_planner.settings import status_label

OUTPUT = Path(__file__).resolve().parent / "output"
XSS = "<img src=x onerror=alert(1)>"
CHROMIUM = os.environ.get("HARBOR_CHROMIUM", "/usr/bin/chromium")

# ---------------------------------------------------------------------------- small data
# Five stations around Jiefangbei (解放碑), WGS-84; the closed one carries the XSS name and is
# well apart from the others so that a click on it hits it.
STATIONS = [
    ("YZ001", "较场口港湾", "existing", True, 106.5730, 29.5560),
    ("YZ002", "解放碑港湾", "existing", False, 106.5780, 29.5580),
    ("YZ003", "七星岗港湾", "building", False, 106.5650, 29.5560),
    ("YZ004", "大坪港湾 </script><script>alert(2)</script>", "proposed", False, 106.5400, 29.5500),
    ("YZ005", XSS, "closed", False, 106.5520, 29.5650),
]


@pytest.fixture(scope="module")
def layers():
    stations = gpd.GeoDataFrame(
        {
            "station_id": [s[0] for s in STATIONS],
            "name": [s[1] for s in STATIONS],
            "status": [s[2] for s in STATIONS],
            "flagship": [s[3] for s in STATIONS],
            "district": ["渝中区"] * 5,
            "address": ["民族路 & 邹容路", None, "", "中山三路", "<b>bold</b>"],
        },
        geometry=[Point(s[4], s[5]) for s in STATIONS],
        crs="EPSG:4326",
    )
    # isochrones: squares of 150/300/450 m around the three open stations, in UTM 48N
    metric = stations.iloc[:3].to_crs("EPSG:32648")
    rows = [
        {"station_id": sid, "minutes": float(m), "geometry": p.buffer(30.0 * m, cap_style="square")}
        for m in (15, 10, 5)
        for sid, p in zip(metric["station_id"], metric.geometry, strict=True)
    ]
    iso = gpd.GeoDataFrame(rows, crs="EPSG:32648").to_crs("EPSG:4326")
    area = service_area(iso)
    rng = np.random.default_rng(7)
    n = 40
    gaps = gpd.GeoDataFrame(
        {
            "time_min": np.r_[rng.uniform(15, 40, n - 1), np.inf],
            "nearest_station": ["YZ001"] * (n - 1) + [None],
            "district": ["渝中区"] * n,
            "covered": [True] * 10 + [False] * (n - 10),
        },
        geometry=gpd.points_from_xy(rng.uniform(106.545, 106.58, n), rng.uniform(29.545, 29.56, n)),
        crs="EPSG:4326",
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["c12", "c7", "c3"],
            "rank": [2, 1, 3],
            "gain": [120.5, 300.0, 42.25],
            "district": ["渝中区"] * 3,
            "kind": ["street", "poi", "street"],
            "stage": [None, None, None],
        },
        geometry=[Point(106.560, 29.552), Point(106.548, 29.556), Point(106.568, 29.560)],
        crs="EPSG:4326",
    )
    districts = gpd.GeoDataFrame(
        {
            "name_zh": ["渝中区", "测试区"],
            "name_en": ["Yuzhong", "Test"],
            "adcode": ["500103", "0"],
        },
        geometry=[box(106.53, 29.54, 106.59, 29.57), box(106.59, 29.54, 106.62, 29.57)],
        crs="EPSG:4326",
    )
    stats = pd.DataFrame({"district": ["渝中区"], "coverage_pct": [62.5]})
    return {
        "stations": stations,
        "sites": sites,
        "isochrones": iso,
        "service_area": area,
        "gaps": gaps,
        "districts": districts,
        "district_stats": stats,
    }


def _specs(m):
    """(layer name, spec) of the harbor overlays of a map, in drawing order."""
    return [(c.layer_name, c.spec) for c in m._children.values() if hasattr(c, "spec")]


def _spec(m, name_part):
    found = [s for name, s in _specs(m) if name_part in name]
    assert len(found) == 1, [name for name, _ in _specs(m)]
    return found[0]


def _page(m) -> str:
    return m.get_root().render()


# ---------------------------------------------------------------------------- page text


def test_self_contained_no_cdn(layers):
    page = _page(make_map(**layers, basemap="none", title="测试"))
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page, flags=re.IGNORECASE)
    assert tags, "the page has no script tag at all"
    for tag in tags:
        assert not re.search(r"\b(?:src|href)\s*=", tag, flags=re.IGNORECASE), tag
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "fontawesome"):
        assert cdn not in page
    assert "url(images/" not in page  # Leaflet's CSS images are data: URIs
    assert "sourceMappingURL" not in page
    assert '"1.9.4"' in page  # Leaflet's version string, inlined
    assert "tile.openstreetmap.org" not in page  # basemap none: no tiles at all


def test_user_strings_are_escaped(layers):
    page = _page(make_map(**layers, basemap="none", title=XSS))
    assert XSS not in page
    assert "<script>alert(2)" not in page
    assert "<b>bold</b>" not in page
    # escaped once for HTML, then '&' written as \u0026 inside the JSON of the script
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in page
    assert page.count("</script>") == page.count("<script")


@pytest.mark.parametrize(
    "payload",
    [
        "{{ lipsum.__globals__.os.mkdir(dict(HP_TEMPLATE_RAN=1)|first) }}",
        "站{{ 7*7 }}号",
        "坏{# 注释",
        "{% for x in range(3) %}x{% endfor %}",
    ],
)
def test_user_text_is_never_a_template(layers, payload, tmp_path, monkeypatch):
    """folium passes each element's script through Jinja again (branca's ``Element``): a
    station name, id or title holding ``{{ }}``, ``{% %}`` or ``{#`` must stay text."""
    import json

    monkeypatch.chdir(tmp_path)
    stations = layers["stations"].copy()
    stations["name"] = payload
    stations["station_id"] = [f"{payload}-{i}" for i in range(len(stations))]
    page = _page(make_map(**{**layers, "stations": stations}, basemap="none", title=payload))
    assert not (tmp_path / "HP_TEMPLATE_RAN").exists()
    assert "站49号" not in page and "xxx" not in page
    for opener in ("{{", "{%", "{#"):
        assert opener not in page.split("<title>")[1].split("</title>")[1], opener
    # the text itself reaches the page's data, whole
    specs = re.findall(r"hpLayer\((\{.*?\})\);", page)
    assert any(payload in json.dumps(json.loads(sp), ensure_ascii=False) for sp in specs)


def test_layers_and_names(layers):
    m = make_map(**layers, basemap="none")
    names = [name for name, _ in _specs(m)]
    assert [n.split(" <span")[0] for n in names] == [
        "区县覆盖率",
        "步行等时圈",
        "服务范围",
        "未覆盖需求",
        "已退出港湾",
        "在建/拟建港湾",
        "已建港湾",
        "建议新址",
    ]
    assert all('<span class="hp-en">' in n for n in names)
    en = [name for name, _ in _specs(make_map(**layers, basemap="none", lang="en"))]
    assert "Existing stations" in en and "Suggested new sites" in en and "Walking isochrones" in en
    assert len(_spec(m, "已建港湾")["features"]) == 2
    assert len(_spec(m, "在建/拟建港湾")["features"]) == 2
    assert len(_spec(m, "已退出港湾")["features"]) == 1
    # covered demand is left out of the gaps
    assert len(_spec(m, "未覆盖需求")["features"]) == 30


def test_popups_carry_station_fields(layers):
    m = make_map(**layers, basemap="none")
    spec = _spec(m, "已建港湾")
    assert spec["fields"][:5] == ["编号", "名称", "状态", "区县", "地址"]
    first = spec["features"][0]
    assert first["p"][:5] == ["YZ001", "较场口港湾", "已建成", "渝中区", "民族路 &amp; 邹容路"]
    assert first["t"] == "较场口港湾 (YZ001)"
    assert first["p"][5] == "是"  # flagship
    assert spec["features"][1]["p"][5] == "否"  # as the workbook says it (probe 18R)
    spec_en = _spec(make_map(**layers, basemap="none", lang="en"), "Stations building")
    assert [f["p"][2] for f in spec_en["features"]] == ["under construction", "proposed"]
    gaps = _spec(m, "未覆盖需求")
    assert gaps["fields"] == ["最近港湾步行 (分钟)", "最近港湾", "区县"]
    assert gaps["features"][-1]["p"][0] == "不可达"


def test_sites_numbered_by_rank(layers):
    spec = _spec(make_map(sites=layers["sites"], basemap="none"), "建议新址")
    assert [f["l"] for f in spec["features"]] == ["1", "2", "3"]
    assert [f["p"][1] for f in spec["features"]] == ["c7", "c12", "c3"]
    # the kind in words, as in the report and workbook (probe 13F: the code "street")
    by_rank = layers["sites"].sort_values("rank")["kind"].tolist()
    want = [{"street": "街道点位", "poi": "兴趣点"}[k] for k in by_rank]
    assert [f["p"][5] for f in spec["features"]] == want  # rank, id, name, status, district, kind
    # marked as new sites, not stations (probe 26B): the status row and the tooltip say so
    assert spec["fields"][3] == "状态"
    assert [f["p"][3] for f in spec["features"]] == ["建议新址"] * 3
    assert spec["features"][0]["t"] == "建议新址 #1 c7"
    en = _spec(make_map(sites=layers["sites"], basemap="none", lang="en"), "Suggested new sites")
    assert en["features"][0]["p"][3] == "Suggested new site"
    assert en["features"][0]["t"].startswith("Suggested new site #1 c7")


def test_isochrone_bands_largest_first_graded(layers):
    spec = _spec(make_map(isochrones=layers["isochrones"], basemap="none"), "等时圈")
    minutes = [float(f["p"][2]) for f in spec["features"]]
    assert minutes == sorted(minutes, reverse=True)
    colours = {m: f["s"]["fillColor"] for m, f in zip(minutes, spec["features"], strict=True)}
    assert len(set(colours.values())) == 3


def test_district_choropleth(layers):
    m = make_map(districts=layers["districts"], district_stats=layers["district_stats"])
    feats = _spec(m, "区县覆盖率")["features"]
    assert feats[0]["p"] == ["渝中区", "62.5 %"]
    assert feats[0]["s"]["fillColor"] == "#a6d96a"  # 60-80 %
    assert feats[1]["p"] == ["测试区", "无数据"]
    by_en = pd.DataFrame({"district": ["Test"], "coverage_pct": [10.0]})
    feats = _spec(make_map(districts=layers["districts"], district_stats=by_en), "区县")["features"]
    assert feats[1]["s"]["fillColor"] == "#d7191c"


def test_amap_shifts_overlays_to_gcj02(layers):
    st = layers["stations"]
    osm = _spec(make_map(stations=st, basemap="osm"), "已建港湾")["features"][0]
    amap = _spec(make_map(stations=st, basemap="amap"), "已建港湾")["features"][0]
    assert (osm["x"], osm["y"]) == pytest.approx((106.5730, 29.5560), abs=1e-6)
    lon, lat = wgs84_to_gcj02(106.5730, 29.5560)
    assert (amap["x"], amap["y"]) == pytest.approx((float(lon), float(lat)), abs=1e-6)
    assert abs(amap["x"] - osm["x"]) > 1e-3  # a few hundred metres in Chongqing
    iso = _spec(make_map(isochrones=layers["isochrones"], basemap="amap"), "等时圈")
    ring = np.asarray(iso["features"][0]["g"]["coordinates"][0])
    ring_wgs = np.asarray(
        _spec(make_map(isochrones=layers["isochrones"], basemap="none"), "等时圈")["features"][0][
            "g"
        ]["coordinates"][0]
    )
    assert ring[:, 0].mean() - ring_wgs[:, 0].mean() == pytest.approx(
        float(lon) - 106.5730, abs=2e-5
    )
    page = _page(make_map(stations=st, basemap="amap"))
    assert "autonavi.com" in page and "GCJ-02" in page


def test_osm_attribution(layers):
    credit = "OpenStreetMap\\u003c/a\\u003e contributors"  # as escaped inside the script
    assert credit in _page(make_map(stations=layers["stations"], basemap="osm"))
    # OSM-derived layers are credited on any basemap
    assert credit in _page(make_map(isochrones=layers["isochrones"], basemap="none"))
    assert credit not in _page(make_map(stations=layers["stations"], basemap="none"))


def test_tianditu_needs_key(layers, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(InputDataError, match=r"tianditu_key.*TIANDITU_KEY"):
        make_map(stations=layers["stations"], basemap="tianditu")
    page = _page(make_map(stations=layers["stations"], basemap="tianditu", tianditu_key="a b{c}"))
    assert "tk=a%20b%7Bc%7D" in page and "cva_w" in page
    monkeypatch.setenv("TIANDITU_KEY", "envkey123")
    assert "tk=envkey123" in _page(make_map(basemap="tianditu", lang="en"))


def test_bad_arguments_named_at_once(layers):
    naive = layers["stations"].set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="stations has no CRS"):
        make_map(stations=naive)
    with pytest.raises(InputDataError, match=r"basemap must be one of.*lang must be one of"):
        make_map(basemap="google", lang="fr")
    with pytest.raises(InputDataError, match="sites must be a GeoDataFrame"):
        make_map(sites=pd.DataFrame({"a": [1]}))
    with pytest.raises(InputDataError, match="coverage_pct"):
        make_map(districts=layers["districts"], district_stats=pd.DataFrame({"district": ["x"]}))


def test_large_layers_use_canvas(layers):
    n = CANVAS_THRESHOLD + 1
    pts = gpd.GeoDataFrame(
        {"time_min": np.full(n, 20.0)},
        geometry=gpd.points_from_xy(np.linspace(106.54, 106.58, n), np.full(n, 29.555)),
        crs="EPSG:4326",
    )
    m = make_map(gaps=pts, stations=layers["stations"], basemap="none")
    assert _spec(m, "未覆盖需求")["canvas"] is True
    assert _spec(m, "已建港湾")["canvas"] is False


def test_reprojects_metric_input(layers):
    metric = layers["stations"].to_crs("EPSG:32648")
    f = _spec(make_map(stations=metric, basemap="none"), "已建港湾")["features"][0]
    assert (f["x"], f["y"]) == pytest.approx((106.5730, 29.5560), abs=1e-6)


def test_save_map_atomic(tmp_path, layers):
    path = tmp_path / "map.html"
    size = save_map(make_map(stations=layers["stations"], basemap="none"), path)
    assert size == path.stat().st_size > 100_000  # Leaflet itself is ~150 kB
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]
    with pytest.raises(InputDataError, match="does not exist"):
        save_map(make_map(basemap="none"), tmp_path / "missing" / "map.html")


def test_empty_map_renders():
    m = make_map(basemap="none")
    assert _specs(m) == []
    assert "L.control.layers" in _page(m)


# ---------------------------------------------------------------------------- in Chromium

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not exe:
        pytest.skip(
            f"no Chromium at {CHROMIUM} (apt-get install chromium, or set HARBOR_CHROMIUM); "
            "Playwright's own browser download is never used"
        )
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=LAUNCH_ARGS)
        yield b
        b.close()


class Opened:
    """A page opened from disk with the network blocked, and what happened on it."""

    def __init__(self, browser, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 860})
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )

        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)

        def route(r) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:", "blob:", "about:")):
                r.continue_()
            else:
                self.requests.append(url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector(".leaflet-control-layers")
        self.page.wait_for_timeout(300)

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def close(self) -> None:
        self.context.close()


def _layer_checkbox(page, name: str):
    return page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input")


@pytest.mark.slow
def test_browser_small_map(browser, layers):
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / "map_small.html"
    save_map(make_map(**layers, basemap="none", title=f"渝工港湾 {XSS}"), path)
    o = Opened(browser, path)
    try:
        assert o.errors == []
        assert o.requests == []  # nothing tried to leave the machine
        assert o.count("path.hp-station") == 5
        assert o.count("path.hp-st-existing") == 2
        assert o.count("path.hp-st-planned") == 2
        assert o.count("path.hp-st-closed") == 1
        assert o.count(".hp-site-icon") == 3
        assert o.page.locator(".hp-site-icon").all_inner_texts() == ["1", "2", "3"]
        assert o.count("path.hp-iso") == 9
        assert o.count("path.hp-service") == 0  # off at first beside the isochrones
        assert o.count("path.hp-gap") == 30
        assert o.count("path.hp-district") == 2
        assert o.count(".leaflet-tile") == 0
        assert "© OpenStreetMap contributors" in o.page.inner_text(".leaflet-control-attribution")
        legend = o.page.inner_text(".hp-legend")
        assert "已建成" in legend and "15 分钟" in legend and "覆盖率 %" in legend

        # the layer control toggles a layer off and on
        box_ = _layer_checkbox(o.page, "已建港湾")
        box_.click()
        assert o.count("path.hp-st-existing") == 0
        assert o.count("path.hp-st-planned") == 2
        box_.click()
        assert o.count("path.hp-st-existing") == 2
        _layer_checkbox(o.page, "建议新址").click()
        assert o.count(".hp-site-icon") == 0
        _layer_checkbox(o.page, "建议新址").click()
        _layer_checkbox(o.page, "服务范围").click()
        assert o.count("path.hp-service") == 3

        # the XSS name is text: in the title, the tooltip and the popup
        assert o.page.inner_text(".hp-title") == f"渝工港湾 {XSS}"
        assert o.count(".hp-title img") == 0
        closed = o.page.locator("path.hp-st-closed")
        closed.hover(force=True)
        o.page.wait_for_selector(".leaflet-tooltip")
        assert XSS in o.page.inner_text(".leaflet-tooltip")
        closed.click(force=True)
        o.page.wait_for_selector(".leaflet-popup-content")
        popup = o.page.inner_text(".leaflet-popup-content")
        assert XSS in popup and "<b>bold</b>" in popup and status_label("closed") in popup
        assert o.count(".leaflet-popup-content img, .leaflet-tooltip img, .leaflet-popup b") == 0
        o.page.mouse.move(5, 500)
        o.page.wait_for_timeout(500)  # popup fade-in
        o.page.screenshot(path=str(OUTPUT / "map_small.png"))
        assert o.dialogs == []
        assert o.errors == []
        assert o.requests == []
    finally:
        o.close()


@pytest.mark.slow
def test_browser_osm_basemap_offline(browser, layers):
    """With the network gone, tile requests fail quietly and the vector layers still draw."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / "map_small_osm.html"
    save_map(make_map(**layers, basemap="osm", lang="en"), path)
    o = Opened(browser, path)
    try:
        assert o.requests, "the OSM basemap requested no tile"
        assert all(u.startswith("https://tile.openstreetmap.org/") for u in o.requests)
        assert [e for e in o.errors if "Failed to load resource" not in e] == []
        assert o.count("path.hp-station") == 5
        labels = o.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert [s.strip() for s in labels][-1] == "Suggested new sites"
    finally:
        o.close()


@pytest.mark.slow
@pytest.mark.realdata
def test_browser_yuzhong_coverage_map(browser, shared, yuzhong_osm):
    import harbor_planner as hp
    from harbor_planner.demand import main_street_demand

    stations_file = shared("yuzhong", "stations_illustrative.xlsx")
    net = hp.build_network(yuzhong_osm)
    stations = hp.read_stations(stations_file, crs="gcj02").stations
    iso = hp.isochrones(net, stations, minutes=(5, 10, 15), progress=False)
    result = hp.coverage(net, stations, main_street_demand(net))
    n_gaps = int((~result.demand["covered"]).sum())
    assert len(stations) == 42 and len(iso) == 126 and len(result.demand) > 8000

    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / "yuzhong_coverage.html"
    m = make_map(
        stations=result.stations,
        isochrones=iso,
        service_area=service_area(iso),
        gaps=result.demand,
        district_stats=result.by_district,
        basemap="none",
        title="渝中区 15 分钟步行覆盖 Yuzhong 15-minute walking coverage",
    )
    size = save_map(m, path)
    print(f"Yuzhong coverage map: {size / 1e6:.2f} MB, {n_gaps} gap points")
    assert size < 4_000_000
    gap_layer = next(
        c for c in m._children.values() if "未覆盖需求" in getattr(c, "layer_name", "")
    )

    o = Opened(browser, path)
    try:
        assert o.errors == []
        assert o.requests == []
        assert o.count("path.hp-station") == 42
        assert o.count("path.hp-iso") == 126
        assert o.count("path.hp-district") == len(result.by_district)
        # thousands of gap points draw on one canvas, not as DOM nodes
        assert o.count("path.hp-gap") == 0
        assert o.count(".leaflet-overlay-pane canvas") == 1
        drawn = o.page.evaluate(f"{gap_layer.get_name()}.getLayers().length")
        assert drawn == n_gaps > CANVAS_THRESHOLD
        _layer_checkbox(o.page, "步行等时圈").click()
        assert o.count("path.hp-iso") == 0
        _layer_checkbox(o.page, "步行等时圈").click()
        o.page.screenshot(path=str(OUTPUT / "yuzhong_coverage.png"))
        assert o.errors == []
    finally:
        o.close()


def test_double_covered_demand_layer():
    import geopandas as gpd

    pts = gpd.GeoDataFrame(
        {"n_stations": [0, 1, 2, 3], "covered": [False, True, True, True]},
        geometry=gpd.points_from_xy([106.55, 106.56, 106.57, 106.58], [29.55] * 4),
        crs="EPSG:4326",
    )
    page = make_map(gaps=pts, double_covered=pts, basemap="none").get_root().render()
    assert "hp-double" in page
    # the gap (0 stations) and the two points covered twice or more are drawn; the point
    # covered once is in neither layer
    assert '"x":106.55' in page and '"x":106.57' in page and '"x":106.58' in page
    assert '"x":106.56' not in page


@pytest.mark.slow
def test_browser_optimise_map_legend(browser, layers):
    """The optimise map shows demand covered before, newly covered and the remaining gaps."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / "map_optimise.html"
    before = layers["gaps"]
    after = before.assign(covered=before["covered"] | (np.arange(len(before)) % 2 == 0))
    shown = {k: v for k, v in layers.items() if k != "gaps"}
    save_map(make_map(**shown, gaps=before, demand_after=after, basemap="none"), path)
    o = Opened(browser, path)
    try:
        assert o.errors == [] and o.requests == []
        legend = o.page.inner_text(".hp-legend")
        for word in ("原已覆盖需求", "新址新增覆盖需求", "仍未覆盖需求"):
            assert word in legend
        was, now = before["covered"].to_numpy(), after["covered"].to_numpy()
        assert o.count("path.hp-covered-before") == was.sum()
        assert o.count("path.hp-newly-covered") == (now & ~was).sum()
        assert o.count("path.hp-gap-after") == (~now).sum()
        assert o.count("path.hp-gap") == 0
    finally:
        o.close()


def test_map_sites_must_be_points(tmp_path, capsys):
    """Probe 14L: a line layer given as --sites drew its first vertex as new site #1."""
    from harbor_planner.pipeline.results import read_sites

    lines = tmp_path / "lines.geojson"
    lines.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a"},'
        '"geometry":{"type":"LineString","coordinates":[[106.57,29.55],[106.58,29.56]]}}]}',
        "utf-8",
    )
    with pytest.raises(InputDataError, match="feature 1: the geometry is a LineString"):
        read_sites(lines)


def test_save_map_wants_an_html_name(tmp_path):
    """Probe 14L: the API wrote the HTML page into m.png (the CLI refuses it)."""
    from harbor_planner.outputs import make_map

    with pytest.raises(InputDataError, match=r"give a \.html file name"):
        save_map(make_map(basemap="none"), tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def test_map_areas_are_of_the_polygons_not_of_their_simplified_outlines():
    """Probe 22M: the isochrone and service-area popups measured the outlines simplified for
    display (6.44 km² where layers.gpkg's polygon is 6.48 km²)."""
    import shapely

    from harbor_planner.outputs.map_specs import (
        display_frame,
        isochrone_layer,
        service_area_layer,
    )

    # a ring of 2.4 m teeth around a 600 m disc (in UTM 48N): simplifying at ~2.5 m cuts them
    angle = np.linspace(0, 2 * np.pi, 4001)[:-1]
    radius = 600.0 + 2.4 * (np.arange(4000) % 2)
    ring = np.column_stack([6.1e5 + radius * np.cos(angle), 3.27e6 + radius * np.sin(angle)])
    poly = shapely.Polygon(ring)
    iso = gpd.GeoDataFrame(
        {"station_id": ["S1"], "minutes": [15.0], "stations": [1]}, geometry=[poly],
        crs="EPSG:32648",
    )  # fmt: skip
    want = poly.area / 1e6
    for gcj in (False, True):
        shown = display_frame(iso, "isochrones", gcj=gcj, problems=[], crs_problems=[])
        simplified = float(shown.to_crs("EPSG:32648").area.iloc[0]) / 1e6
        assert f"{simplified:.3f}" != f"{want:.3f}"  # the outline drawn has another area
        spec, _ = isochrone_layer(shown, None, "zh")
        assert spec["features"][0]["p"][-1] == f"{want:.3f}"
        assert service_area_layer(shown, "zh")["features"][0]["p"][-1] == f"{want:.2f}"

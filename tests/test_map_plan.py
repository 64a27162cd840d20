"""The optimise map's context: demand covered before / newly covered / still uncovered, the new
sites' gains, city centres and the study-area outline (layer specs of the generated map)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from harbor_planner.errors import InputDataError
from harbor_planner.outputs.map import make_map
from harbor_planner.outputs.map_plan import site_gain_columns


def _specs(m):
    return [(c.layer_name, c.spec) for c in m._children.values() if hasattr(c, "spec")]


def _spec(m, name_part):
    found = [s for name, s in _specs(m) if name_part in name]
    assert len(found) == 1, [name for name, _ in _specs(m)]
    return found[0]


@pytest.fixture(scope="module")
def plan_layers():
    rng = np.random.default_rng(11)
    n = 60
    pts = gpd.points_from_xy(rng.uniform(106.545, 106.58, n), rng.uniform(29.545, 29.56, n))
    before = rng.random(n) < 0.4
    after = before | (rng.random(n) < 0.5)
    demand = gpd.GeoDataFrame(
        {"weight": 1.0, "covered": before, "time_min": rng.uniform(1, 30, n)},
        geometry=pts,
        crs="EPSG:4326",
    )
    demand_after = demand.assign(covered=after)
    stations = gpd.GeoDataFrame(
        {"station_id": ["S1", "S2"], "status": ["existing", "proposed"]},
        geometry=[Point(106.55, 29.55), Point(106.56, 29.552)],
        crs="EPSG:4326",
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["c7", "c3"], "rank": [1, 2], "gain": [12.0, 3.0]},
        geometry=[Point(106.548, 29.556), Point(106.568, 29.560)],
        crs="EPSG:4326",
    )
    selection = SimpleNamespace(
        total=60.0,
        curve=pd.DataFrame({"rank": [1, 2], "coverage_pct": [60.0, 65.0]}),
    )
    centres = gpd.GeoDataFrame(
        {
            "name": ["解放碑", "<b>x</b>"],
            "radius_m": [1000.0, 500.0],
            "demand_total": [30.0, 0.0],
            "demand_covered": [12.0, 0.0],
            "coverage_pct": [40.0, np.nan],
            "coverage_after_pct": [70.0, np.nan],
        },
        geometry=[Point(106.5733, 29.5601), Point(106.55, 29.55)],
        crs="EPSG:4326",
    )
    area = gpd.GeoDataFrame({"name": ["渝中区"]}, geometry=[box(106.53, 29.54, 106.59, 29.57)],
                            crs="EPSG:4326")  # fmt: skip
    return {
        "stations": stations,
        "sites": site_gain_columns(sites, selection),
        "gaps": demand,
        "demand_after": demand_after,
        "centres": centres,
        "study_area": area,
        "before": before,
        "after": after,
    }


def _map(layers, **kw):
    keep = ("stations", "sites", "gaps", "demand_after", "centres", "study_area")
    return make_map(**{k: layers[k] for k in keep}, basemap="none", **kw)


def test_before_after_and_remaining_gaps(plan_layers):
    m = _map(plan_layers)
    before, after = plan_layers["before"], plan_layers["after"]
    names = [name for name, _ in _specs(m)]
    assert not any(n.split(" <")[0] == "未覆盖需求" for n in names)  # no plain gaps layer
    cb = _spec(m, "原已覆盖需求")
    new = _spec(m, "新址新增覆盖需求")
    left = _spec(m, "仍未覆盖需求")
    assert len(cb["features"]) == before.sum()
    assert len(new["features"]) == (after & ~before).sum()
    assert len(left["features"]) == (~after).sum()
    styles = {s["style"]["className"]: s["style"]["fillColor"] for s in (cb, new, left)}
    assert len(set(styles.values())) == 3  # three distinct styles
    # positions: the newly covered points are exactly those covered only after
    xy = {(f["x"], f["y"]) for f in new["features"]}
    demand = plan_layers["gaps"]
    want = {(round(p.x, 6), round(p.y, 6)) for p in demand.geometry[after & ~before]}
    assert xy == want


def test_sites_carry_gain_points_and_cumulative_coverage(plan_layers):
    m = _map(plan_layers, lang="en")
    sites = _spec(m, "Suggested new sites")
    assert [f["l"] for f in sites["features"]] == ["1", "2"]
    assert "Gain (percentage points)" in sites["fields"]
    assert "Cumulative coverage, %" in sites["fields"]
    first = sites["features"][0]
    assert "+20.00 pp" in first["t"] and "60.0 %" in first["t"]  # 12 of 60 = 20 points
    p = dict(zip(sites["fields"], first["p"], strict=True))
    assert p["Gain (percentage points)"] == "20.0" and p["Cumulative coverage, %"] == "60.0"


def test_centres_study_area_and_legend(plan_layers):
    m = _map(plan_layers)
    pts = _spec(m, "城市中心 <")
    circles = _spec(m, "城市中心范围")
    assert len(pts["features"]) == 2 and len(circles["features"]) == 2
    ring = np.array(circles["features"][0]["g"]["coordinates"][0])
    metric = gpd.GeoSeries(gpd.points_from_xy(ring[:, 0], ring[:, 1]), crs=4326).to_crs(32648)
    centre = gpd.GeoSeries([Point(106.5733, 29.5601)], crs=4326).to_crs(32648).iloc[0]
    assert metric.distance(centre).to_numpy() == pytest.approx(1000, rel=0.01)
    assert "40.0 %" in pts["features"][0]["t"]
    assert "&lt;b&gt;x&lt;/b&gt;" in pts["features"][1]["t"]  # escaped
    area = _spec(m, "研究范围")
    assert area["style"]["fill"] is False and len(area["features"]) == 1
    page = m.get_root().render()
    legend = page[page.index("hp-legend") :]
    for word in ("原已覆盖需求", "新址新增覆盖需求", "仍未覆盖需求", "城市中心", "研究范围"):
        assert word in legend or word.encode("unicode_escape").decode() in legend


def test_without_after_the_gaps_layer_stays(plan_layers):
    m = make_map(gaps=plan_layers["gaps"], basemap="none", lang="en")
    gaps = _spec(m, "Uncovered demand")
    assert len(gaps["features"]) == (~plan_layers["before"]).sum()
    assert not any("remaining" in n for n, _ in _specs(m))


def test_before_and_after_must_match(plan_layers):
    with pytest.raises(InputDataError, match="same points"):
        make_map(
            gaps=plan_layers["gaps"],
            demand_after=plan_layers["demand_after"].iloc[:5],
            basemap="none",
        )


def test_popup_figures_round_from_the_published_two_decimals():
    """Probe 15T: a site's cumulative coverage 76.7487 % is published as 76.75 (curve, report,
    workbook) but the map's popup rounded the raw value to 76.7; one decimal is taken from
    the two-decimal figure, halves up, as the report and the tooltips do."""
    from harbor_planner.outputs.map_specs import html_text

    assert [html_text(v) for v in (76.7487, 89.6499, 94.9501, 1234.56, 3.0, 2.345)] == [
        "76.8", "89.7", "95.0", "1,234.6", "3.0", "2.35"
    ]  # fmt: skip


def test_uncovered_points_just_past_the_limit_do_not_read_as_at_it():
    """Probe 15T: points at 15.01-15.05 min on the uncovered layer of a 15-min study showed
    "15.0", like covered points at the limit."""
    from harbor_planner.outputs.map_specs import gap_layer

    gaps = gpd.GeoDataFrame(
        {"time_min": [15.04, 7.0, np.inf], "nearest_station": ["S1", "S2", None],
         "district": ["渝中区"] * 3},
        geometry=[Point(106.5, 29.5)] * 3, crs="EPSG:4326",
    )  # fmt: skip
    shown = [f["p"][0] for f in gap_layer(gaps, "zh")["features"]]
    assert shown == ["15.04", "7.00", "不可达"]


def test_tooltips_say_the_built_stations_figure_beside_every_stations():
    """Probe 22M: hovering 大坪 said 19.1 % (every station used) under a headline of the
    built stations', who cover 0.0 % of it; districts likewise (渝中区 58.8 %)."""
    import geopandas as gpd
    import shapely

    from harbor_planner.outputs.map_plan import centre_layers
    from harbor_planner.outputs.map_specs import district_layer

    centres = gpd.GeoDataFrame(
        {"name": ["大坪", "解放碑"], "radius_m": [800.0, 800.0], "demand_total": [10.0, 5.0],
         "demand_covered": [1.91, 5.0], "coverage_pct": [19.1, 100.0],
         "coverage_built_pct": [0.0, 60.0]},
        geometry=[shapely.Point(106.51, 29.54), shapely.Point(106.57, 29.56)], crs="EPSG:4326",
    )  # fmt: skip
    layers = dict(centre_layers(centres, "zh"))
    tips = [f["t"] for f in layers["centres"]["features"]]
    assert tips == [
        "大坪 · 已建成 0.0 % · 全部站点 19.1 %",
        "解放碑 · 已建成 60.0 % · 全部站点 100.0 %",
    ]
    assert "覆盖率 %（全部站点）" in layers["centres"]["fields"]
    plain = dict(centre_layers(centres.drop(columns="coverage_built_pct"), "en"))
    assert [f["t"] for f in plain["centres"]["features"]] == ["大坪 · 19.1 %", "解放碑 · 100.0 %"]
    districts = gpd.GeoDataFrame(
        {"name": ["渝中区"]}, geometry=[shapely.box(106.4, 29.5, 106.6, 29.6)], crs="EPSG:4326"
    )
    stats = pd.DataFrame(
        {"district": ["渝中区"], "coverage_pct": [58.8], "coverage_built_pct": [41.25]}
    )
    spec = district_layer(districts, stats, "en")
    assert spec["features"][0]["t"] == "渝中区 built 41.3 % · all stations 58.8 %"


def test_district_popups_give_the_coverage_before_and_after_the_new_sites():
    """Probe 26B: the optimise map's districts said the coverage before the new sites only.
    With the district table of the report and workbook (``district_frame``) they give
    before, after, the gain in points and the sites added; a coverage map keeps two rows."""
    from harbor_planner.outputs.map_specs import district_layer

    polys = gpd.GeoDataFrame(
        {"name_zh": ["渝中区", "江北区", "南岸区"], "name_en": ["Yuzhong", "Jiangbei", "Nan'an"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs="EPSG:4326",
    )  # fmt: skip
    stats = pd.DataFrame(
        {"district": ["渝中区", "江北区", "南岸区"], "status": ["study", "study", "outside"],
         "coverage_pct": [59.49, 80.0, 10.0], "sites_added": [12, 0, 0],
         "coverage_pct_after": [89.85, 80.0, 10.0]}
    )  # fmt: skip
    spec = district_layer(polys, stats, "zh")
    assert spec["fields"] == ["区县", "新增前覆盖率 %", "新增后覆盖率 %", "新增覆盖 (百分点)",
                              "新增站点数"]  # fmt: skip
    yz, jb, na = spec["features"]
    assert yz["p"] == ["渝中区", "59.5 %", "89.9 %", "+30.4", "12"]  # 89.85 published: 89.9
    assert yz["t"] == "渝中区 59.5 % → 新增后 89.9 % · +30.4 个百分点"
    assert jb["p"] == ["江北区", "80.0 %", "80.0 %", "+0.0", "0"]
    assert na["p"] == ["南岸区", "研究范围外", "", "", ""] and "新增后" not in na["t"]
    en = district_layer(polys, stats, "en")
    assert en["fields"][1:3] == ["Coverage before, %", "Coverage after, %"]
    assert en["features"][0]["t"] == "Yuzhong 59.5 % → with the new sites 89.9 % · +30.4 pp"
    # no optimisation: the coverage alone, no column after it
    plain = district_layer(polys, stats.drop(columns=["sites_added", "coverage_pct_after"]), "zh")
    assert plain["fields"] == ["区县", "覆盖率 %"]
    assert plain["features"][0]["p"] == ["渝中区", "59.5 %"]
    assert plain["features"][0]["t"] == "渝中区 59.5 %"

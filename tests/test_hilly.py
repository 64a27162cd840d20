"""The hilly walk model's grades: smoothing, caps by class, OSM incline first, one scale for
stairs and slopes, bridges, the GeoPackage columns and the share timed flat outside the DEM.

Every test writes a small OSM file (metres from X0/Y0 in UTM 48N, turned into lon/lat) and a
synthetic DEM whose grades are known, so each expected value is computed by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from harbor_planner import HarborPlannerError, InputDataError, WalkModel, build_network
from harbor_planner.cli import main
from harbor_planner.network import slope_time_factor, tobler_factor
from harbor_planner.network.elevation import class_caps_pct
from harbor_planner.settings import GRADE_SOURCES, MAX_GRADE_PCT, STAIR_DEM_MIN_RISE_M
from osm_files import X0, Y0, write_osm

TO_LONLAT = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)


def write_dem(path, z_of, *, cell=10.0, west=-400.0, east=1400.0, south=-400.0, north=400.0):
    """A float32 GeoTIFF in EPSG:32648 with ``z_of(x, y)`` (metres from X0/Y0) per cell."""
    import rasterio
    from affine import Affine

    cols, rows = int((east - west) / cell), int((north - south) / cell)
    xc = west + cell * (np.arange(cols) + 0.5)
    yc = north - cell * (np.arange(rows) + 0.5)
    xx, yy = np.meshgrid(xc, yc)
    z = np.asarray(z_of(xx, yy), dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=cols,
        height=rows,
        count=1,
        dtype="float32",
        crs="EPSG:32648",
        transform=Affine(cell, 0, X0 + west, 0, -cell, Y0 + north),
        nodata=-9999,
    ) as dst:
        dst.write(z, 1)
    return path


def edge_of(net, way_id):
    rows = net.edges.index[net.edges["way_id"] == way_id]
    assert len(rows) == 1, f"way {way_id} has {len(rows)} edges"
    return net.edges.loc[rows[0]]


def build(osm, dem=None, **kw):
    kw.setdefault("progress", False)
    kw.setdefault("keep_all", True)
    return build_network(osm, dem=dem, **kw)


# ----------------------------------------------------------------------------- smoothing


def test_smoothing_removes_surface_roughness_and_keeps_the_hill(tmp_path):
    """A 5 % hill under +-3 m "buildings" on alternate 10 m cells: the smoothed DEM times
    the street as the bare hill does; the raw one slows both directions (Tobler is convex)."""
    osm = write_osm(
        tmp_path / "street.osm", [(1, [(0.0, 0.0), (600.0, 0.0)], {"highway": "residential"})]
    )

    def hill(x, y):
        return 200 + 0.05 * x

    def rough(x, y):
        checker = (np.floor(x / 10) + np.floor(y / 10)) % 2
        return hill(x, y) + 6 * checker - 3

    bare = edge_of(build(osm, write_dem(tmp_path / "bare.tif", hill), dem_smoothing_m=0), 1)
    rough_tif = write_dem(tmp_path / "rough.tif", rough)
    raw = edge_of(build(osm, rough_tif, dem_smoothing_m=0), 1)
    smooth = edge_of(build(osm, rough_tif, dem_smoothing_m=30), 1)
    assert bare["grade_pct"] == pytest.approx(5.0, abs=0.01)
    assert smooth["grade_pct"] == pytest.approx(5.0, abs=0.1)
    both = "time_fwd_s", "time_bwd_s"
    err_smooth = sum(abs(smooth[c] - bare[c]) for c in both)
    err_raw = sum(abs(raw[c] - bare[c]) for c in both)
    assert err_smooth < 0.02 * (bare["time_fwd_s"] + bare["time_bwd_s"])
    assert err_smooth < err_raw


def test_grades_are_measured_over_at_least_one_cell(tmp_path):
    """A 6 m edge on a 30 m DEM takes the DEM's grade over one cell, not its noise."""
    osm = write_osm(
        tmp_path / "short.osm",
        [
            (1, [(0.0, 0.0), (6.0, 0.0)], {"highway": "footway"}),
            (2, [(6.0, 0.0), (306.0, 0.0)], {"highway": "footway"}),
        ],
    )
    dem = write_dem(tmp_path / "plane.tif", lambda x, y: 100 + 0.08 * x, cell=30.0)
    net = build(osm, dem, dem_smoothing_m=0)
    assert net.source["dem_cell_m"] == pytest.approx(30.0)
    assert edge_of(net, 1)["grade_pct"] == pytest.approx(8.0, abs=0.01)
    assert edge_of(net, 2)["grade_pct"] == pytest.approx(8.0, abs=0.01)


# ----------------------------------------------------------------------------- caps


def test_caps_by_class_clip_and_are_reported(tmp_path, capsys):
    osm = write_osm(
        tmp_path / "steep.osm",
        [
            (1, [(0.0, 0.0), (200.0, 0.0)], {"highway": "primary"}),
            (2, [(0.0, 100.0), (200.0, 100.0)], {"highway": "footway"}),
            (3, [(0.0, 0.0), (0.0, 100.0)], {"highway": "residential"}),
            (4, [(200.0, 0.0), (200.0, 100.0)], {"highway": "residential"}),
        ],
    )
    dem = write_dem(tmp_path / "steep.tif", lambda x, y: 100 + 0.20 * x)
    net = build(osm, dem, dem_smoothing_m=0)
    primary, footway, flat_side = edge_of(net, 1), edge_of(net, 2), edge_of(net, 3)
    assert primary["grade_pct"] == pytest.approx(MAX_GRADE_PCT["primary"])
    assert footway["grade_pct"] == pytest.approx(MAX_GRADE_PCT["footway"])
    assert primary["above_cap"] and footway["above_cap"] and not flat_side["above_cap"]
    caps = class_caps_pct(net.edges["highway"].to_numpy(object))
    assert (net.edges["grade_pct"].abs() <= caps + 1e-9).all()
    rep = net.grade_report()
    assert rep["above_cap_edges"] == 2
    assert rep["above_cap_by_class"]["primary"] == {
        "edges": 1,
        "km": pytest.approx(0.2, abs=0.01),
        "cap_pct": MAX_GRADE_PCT["primary"],
    }
    # the cap times the edge: 8 % up, never the DEM's 20 %
    cap = MAX_GRADE_PCT["primary"] / 100
    expected = 200 * slope_time_factor(cap, rise_cost_up_m=2.4, rise_cost_down_m=1.86) / 1.25
    assert primary["time_fwd_s"] == pytest.approx(float(expected), rel=1e-5)
    # own caps: the footway may be 25 % steep
    mine = build(osm, dem, dem_smoothing_m=0, max_grade_pct={"footway": 25})
    assert edge_of(mine, 2)["grade_pct"] == pytest.approx(20.0)
    assert not edge_of(mine, 2)["above_cap"]
    # network info names the classes above their cap
    assert main(["-q", "network", "info", str(osm), "--dem", str(dem), "--dem-smoothing", "0"]) == 0
    out = capsys.readouterr().out
    assert "steeper than their class's cap" in out and "primary 1" in out and "footway 1" in out


def test_an_edge_with_one_clipped_piece_is_reported_above_its_cap(tmp_path):
    """A primary climbing 12 % for 100 m, then flat for 100 m: 6 % on average, under its
    8 % cap, but its steep pieces are clipped (its time changed), so it is reported."""
    osm = write_osm(tmp_path / "half.osm",
                    [(1, [(0.0, 0.0), (200.0, 0.0)], {"highway": "primary"})])  # fmt: skip
    dem = write_dem(tmp_path / "half.tif", lambda x, y: 100 + 0.12 * np.clip(x, 0, 100))
    net = build(osm, dem, dem_smoothing_m=0)
    primary = edge_of(net, 1)
    assert abs(primary["grade_pct"]) < MAX_GRADE_PCT["primary"]
    assert primary["above_cap"]
    assert net.grade_report()["above_cap_edges"] == 1
    # the same edge under a 15 % cap: nothing clipped, nothing reported
    loose = build(osm, dem, dem_smoothing_m=0, max_grade_pct={"primary": 15})
    assert not edge_of(loose, 1)["above_cap"]
    assert edge_of(loose, 1)["time_fwd_s"] > primary["time_fwd_s"]


def test_a_saved_network_refuses_grading_it_cannot_honour(tmp_path):
    """Caps or smoothing other than the saved grades' need the DEM again, never a no-op."""
    from harbor_planner import save_network

    osm = write_osm(tmp_path / "steep.osm", [(2, [(0.0, 100.0), (200.0, 100.0)],
                                             {"highway": "footway"})])  # fmt: skip
    dem = write_dem(tmp_path / "steep.tif", lambda x, y: 100 + 0.20 * x)
    saved = tmp_path / "steep.npz"
    save_network(build(osm, dem, dem_smoothing_m=0), saved)
    with pytest.raises(InputDataError, match=r"max_grade_pct .*give the DEM again") as err:
        build_network(saved, max_grade_pct={"footway": 25}, progress=False)
    assert str(saved) in str(err.value)
    with pytest.raises(InputDataError, match=r"dem_smoothing_m 10 \(built with 0"):
        build_network(saved, dem_smoothing_m=10, progress=False)
    # the settings it was built with, or the DEM given again: the caps apply
    same = build_network(saved, dem_smoothing_m=0, progress=False)
    assert edge_of(same, 2)["above_cap"]
    again = build_network(saved, dem=dem, dem_smoothing_m=0, max_grade_pct={"footway": 25},
                          progress=False)  # fmt: skip
    assert edge_of(again, 2)["grade_pct"] == pytest.approx(20.0)
    assert edge_of(again, 2)["time_fwd_s"] > edge_of(same, 2)["time_fwd_s"]
    # a saved network without a DEM has no grades: caps or smoothing are refused, as the
    # scenario and the CLI refuse them on a source without a DEM (probe 19W: run.json
    # recorded settings that changed nothing)
    flat = tmp_path / "flat.npz"
    save_network(build(osm), flat)
    for bad in ({"max_grade_pct": {"footway": 25}}, {"dem_smoothing_m": 60}):
        with pytest.raises(InputDataError, match="built without a DEM"):
            build_network(flat, progress=False, **bad)
    assert build_network(flat, progress=False).n_edges == 1


# ----------------------------------------------------------------------------- OSM first


def test_incline_tags_set_direction_and_magnitude(tmp_path):
    osm = write_osm(
        tmp_path / "incline.osm",
        [
            (1, [(0.0, 0.0), (100.0, 0.0)], {"highway": "footway", "incline": "10%"}),
            (2, [(100.0, 0.0), (200.0, 0.0)], {"highway": "footway", "incline": "-5%"}),
            (3, [(200.0, 0.0), (300.0, 0.0)], {"highway": "footway", "incline": "up"}),
            (4, [(300.0, 0.0), (400.0, 0.0)], {"highway": "footway"}),
            (5, [(0.0, 0.0), (0.0, 100.0)], {"highway": "footway", "incline": "5°"}),
        ],
    )
    # the ground falls 4 % eastward
    dem = write_dem(tmp_path / "fall.tif", lambda x, y: 300 - 0.04 * x)
    net = build(osm, dem, dem_smoothing_m=0)
    incline = GRADE_SOURCES.index("incline")
    for way, grade in [(1, 10.0), (2, -5.0), (3, 4.0), (4, -4.0), (5, 100 * math.tan(0.0873))]:
        e = edge_of(net, way)
        assert e["grade_pct"] == pytest.approx(grade, abs=0.02), way
        assert (e["grade_source"] == incline) == (way != 4), way
    # the tagged 10 % is timed as 10 % up, whatever the DEM says
    e = edge_of(net, 1)
    f = slope_time_factor(np.array([0.10, -0.10]), rise_cost_up_m=2.4, rise_cost_down_m=1.86)
    expected = tuple(e["length_m"] * f / 1.25)
    assert (e["time_fwd_s"], e["time_bwd_s"]) == pytest.approx(expected, rel=1e-6)
    # without any DEM the tags still give the grades
    no_dem = build(osm)
    assert edge_of(no_dem, 1)["grade_pct"] == pytest.approx(10.0)
    assert edge_of(no_dem, 4)["grade_source"] == GRADE_SOURCES.index("flat")


def test_stairs_follow_their_tag_and_the_dem_only_above_the_threshold(tmp_path):
    assert STAIR_DEM_MIN_RISE_M > 1.0  # above SRTM's 1 m storage step
    osm = write_osm(
        tmp_path / "stairs.osm",
        [
            # the ground rises 10 % eastward: each 40 m flight climbs 4 m by the DEM
            (1, [(0.0, 0.0), (40.0, 0.0)], {"highway": "steps", "incline": "down"}),
            (2, [(40.0, 0.0), (80.0, 0.0)], {"highway": "steps"}),
            (3, [(0.0, 0.0), (0.0, 40.0)], {"highway": "steps"}),  # level by the DEM
            (4, [(80.0, 0.0), (200.0, 0.0)], {"highway": "footway"}),
        ],
    )
    dem = write_dem(tmp_path / "rise.tif", lambda x, y: 100 + 0.10 * x)
    net = build(osm, dem, dem_smoothing_m=0)
    down, up, level = edge_of(net, 1), edge_of(net, 2), edge_of(net, 3)
    assert down["grade_source"] == GRADE_SOURCES.index("incline")
    assert down["grade_pct"] == pytest.approx(-50.0)  # a flight climbs tread/riser = 50 %
    assert up["grade_source"] == GRADE_SOURCES.index("dem")
    assert up["grade_pct"] == pytest.approx(50.0)
    assert level["grade_source"] == GRADE_SOURCES.index("flat")
    assert level["time_fwd_s"] == pytest.approx(level["time_bwd_s"])
    # rise 20 m each: up (40 + 2.4 x 20) / 1.25, down (40 + 1.86 x 20) / 1.25
    for e, k in ((up, 2.4), (down, 1.86)):
        assert e["time_fwd_s"] == pytest.approx((e["length_m"] + k * e["length_m"] / 2) / 1.25)


# ----------------------------------------------------------------------------- one scale


def test_slope_penalty_per_metre_of_rise_never_exceeds_the_stairs():
    model = WalkModel()
    assert model.rise_cost_up_m == pytest.approx(2.4)
    assert model.rise_cost_down_m == pytest.approx(1.86)
    s = np.linspace(-1.0, 1.0, 2001)
    f = slope_time_factor(
        s, rise_cost_up_m=model.rise_cost_up_m, rise_cost_down_m=model.rise_cost_down_m
    )
    k = np.where(s > 0, model.rise_cost_up_m, model.rise_cost_down_m)
    assert (f - 1 <= k * np.abs(s) + 1e-12).all()
    assert (f <= 1 / tobler_factor(s) + 1e-12).all()
    # gentle slopes keep Tobler's shape: fastest slightly downhill
    assert s[np.argmin(f)] == pytest.approx(-0.05, abs=0.001)


def test_a_street_is_never_slower_than_stairs_climbing_the_same_height(tmp_path):
    osm = write_osm(
        tmp_path / "both.osm",
        [
            (1, [(0.0, 0.0), (100.0, 0.0)], {"highway": "footway"}),
            (2, [(0.0, 50.0), (100.0, 50.0)], {"highway": "steps", "step_count": "200"}),
        ],
    )
    dem = write_dem(tmp_path / "steep.tif", lambda x, y: 100 + 0.30 * x)
    net = build(osm, dem, dem_smoothing_m=0, max_grade_pct={"footway": 100})
    street, stairs = edge_of(net, 1), edge_of(net, 2)
    assert street["grade_pct"] == pytest.approx(30.0)
    length_st, length_sr = street["length_m"], stairs["length_m"]
    per_m_street = (street["time_fwd_s"] - length_st / 1.25) / (0.30 * length_st)
    per_m_stairs = (stairs["time_fwd_s"] - length_sr / 1.25) / (200 * 0.15)
    assert per_m_street <= per_m_stairs * (1 + 1e-6)
    assert per_m_street == pytest.approx(2.4 / 1.25, rel=1e-4)  # Tobler alone: 3.4x flat


# ----------------------------------------------------------------------------- bridges


def test_bridge_keeps_its_straight_grade_over_a_valley(tmp_path):
    osm = write_osm(
        tmp_path / "bridge.osm",
        [
            (1, [(0.0, 0.0), (300.0, 0.0)], {"highway": "primary", "bridge": "yes"}),
            (2, [(0.0, 0.0), (0.0, 100.0)], {"highway": "footway"}),
            (3, [(300.0, 0.0), (300.0, 100.0)], {"highway": "footway"}),
        ],
    )

    def valley(x, y):  # 60 m deep between x = 100 and 200; the far end 6 m higher
        return 200 + 0.02 * x - 60 * np.exp(-(((x - 150) / 40) ** 2))

    net = build(osm, write_dem(tmp_path / "valley.tif", valley), dem_smoothing_m=0)
    e = edge_of(net, 1)
    assert e["grade_source"] == GRADE_SOURCES.index("bridge")
    assert e["grade_pct"] == pytest.approx(2.0, abs=0.05)
    assert not e["above_cap"]


def test_a_deck_joined_mid_span_keeps_the_grade_of_its_ends_not_the_river(tmp_path):
    """A bridge over a 60 m deep valley, cut in two where a ramp joins the deck mid-span, and
    a tunnel under a 50 m hill, cut where a passage joins it inside: the node on the deck or in
    the tube lies on the structure (heights between its ends), not on the river surface or
    the hillside (probe 21W: 千厮门大桥's deck dipped 80 m into the Jialing)."""
    osm = write_osm(
        tmp_path / "deck.osm",
        [
            (1, [(0.0, 0.0), (150.0, 0.0)], {"highway": "primary", "bridge": "yes"}),
            (2, [(150.0, 0.0), (300.0, 0.0)], {"highway": "primary", "bridge": "yes"}),
            (3, [(150.0, 0.0), (150.0, 60.0)], {"highway": "footway", "bridge": "yes"}),
            (4, [(0.0, 0.0), (0.0, -100.0)], {"highway": "footway"}),
            (5, [(300.0, 0.0), (300.0, -100.0)], {"highway": "footway"}),
            (6, [(600.0, 0.0), (800.0, 0.0)], {"highway": "footway", "tunnel": "yes"}),
            (7, [(800.0, 0.0), (1000.0, 0.0)], {"highway": "footway", "tunnel": "yes"}),
            (8, [(800.0, 0.0), (800.0, -50.0)], {"highway": "footway", "layer": "-1"}),
            (9, [(300.0, 0.0), (600.0, 0.0)], {"highway": "footway"}),
            (10, [(1000.0, 0.0), (1000.0, -100.0)], {"highway": "footway"}),
        ],
    )

    def ground(x, y):  # the far end of the bridge 6 m higher; a valley, then a hill
        valley = -60 * np.exp(-(((x - 150) / 40) ** 2))
        hill = 50 * np.exp(-(((x - 800) / 80) ** 2))
        return 200 + 0.02 * np.minimum(x, 300) + valley + hill

    net = build(osm, write_dem(tmp_path / "valley.tif", ground), dem_smoothing_m=0)
    for way in (1, 2):  # each half of the deck: the straight grade of the whole bridge
        e = edge_of(net, way)
        assert e["grade_source"] == GRADE_SOURCES.index("bridge")
        assert e["grade_pct"] == pytest.approx(2.0, abs=0.05)
        assert not e["above_cap"]
        assert e["time_fwd_s"] > e["time_bwd_s"]  # uphill towards the far end
    for way in (6, 7):  # the tunnel runs level between its portals, under the hill
        assert edge_of(net, way)["grade_pct"] == pytest.approx(0.0, abs=0.05)
    z = net.nodes["z_m"].to_numpy()
    mid = edge_of(net, 1)["v"]
    assert z[mid] == pytest.approx(203.0, abs=0.1)  # on the deck, not 143 m in the valley
    assert z[edge_of(net, 3)["v"]] == pytest.approx(203.0, abs=0.1)  # the ramp's dead end


def test_a_lift_drawn_as_a_way_costs_its_time_once(tmp_path):
    """A lift drawn as a way between two lift nodes (one per floor) costs 60 s in all, not
    60 s for the way plus 30 s for each lift node on each side (180 s: probe 21W)."""
    osm = write_osm(
        tmp_path / "lift.osm",
        [
            (10, [(0.0, 0.0), (5.0, 0.0)], {"highway": "footway"}),
            (11, [(5.0, 0.0), (15.0, 0.0)], {"highway": "elevator"}),
            (12, [(15.0, 0.0), (20.0, 0.0)], {"highway": "footway"}),
            (13, [(20.0, 0.0), (25.0, 0.0), (30.0, 0.0)], {"highway": "footway"}),
        ],
        node_tags={p: {"highway": "elevator"} for p in [(5.0, 0.0), (15.0, 0.0), (25.0, 0.0)]},
    )
    net = build(osm)
    t = net.edges.set_index("way_id")["time_fwd_s"]
    walk_s = 5.0 / net.walk_model.speed_ms
    assert t[11] == pytest.approx(60.0)
    assert t[10] == pytest.approx(walk_s, rel=1e-3)
    assert t[12] == pytest.approx(walk_s, rel=1e-3)
    # a lift node inside a way still costs its 60 s to pass, half on each side
    assert net.edges.loc[net.edges["way_id"] == 13, "time_fwd_s"].sum() == pytest.approx(
        2 * walk_s + 60.0, rel=1e-3
    )


def test_private_footways_are_not_walked(tmp_path):
    """``foot=private`` closes a way to walkers as ``access=private`` does (OSMnx's walk
    filter); ``access=private`` with ``foot=yes`` stays open (probe 21W)."""
    osm = write_osm(
        tmp_path / "private.osm",
        [
            (1, [(0.0, 0.0), (100.0, 0.0)], {"highway": "footway"}),
            (2, [(100.0, 0.0), (200.0, 0.0)], {"highway": "footway", "foot": "private"}),
            (
                3,
                [(100.0, 0.0), (100.0, 100.0)],
                {"highway": "service", "foot": "yes", "access": "private"},
            ),
            (4, [(0.0, 0.0), (0.0, 100.0)], {"highway": "residential", "access": "private"}),
        ],
    )
    assert sorted(set(build(osm).edges["way_id"])) == [1, 3]


# ----------------------------------------------------------------------------- outputs


def test_gpkg_edges_keep_times_and_add_grade_columns(tmp_path):
    import geopandas as gpd

    osm = write_osm(
        tmp_path / "out.osm",
        [
            (1, [(0.0, 0.0), (200.0, 0.0)], {"highway": "residential"}),
            (2, [(200.0, 0.0), (200.0, 40.0)], {"highway": "steps", "incline": "up"}),
            (3, [(200.0, 0.0), (1700.0, 0.0)], {"highway": "footway"}),
        ],
    )
    dem = write_dem(tmp_path / "d.tif", lambda x, y: 100 + 0.04 * x)
    gpkg, npz = tmp_path / "net.gpkg", tmp_path / "net.npz"
    args = ["-q", "network", "build", str(osm), "--dem", str(dem), "--dem-outside", "flat"]
    assert main([*args, "--out", str(npz), "--gpkg", str(gpkg)]) == 0
    edges = gpd.read_file(gpkg, layer="edges")
    for col in ("way_id", "highway", "kind", "time_fwd_s", "time_bwd_s", "grade_pct"):
        assert col in edges.columns, col
    assert set(edges["grade_source"]) == {"dem", "incline", "flat-outside-dem"}
    street = edges[edges["way_id"] == 1].iloc[0]
    assert street["grade_pct"] == pytest.approx(4.0, abs=0.05)
    assert street["time_fwd_s"] > street["time_bwd_s"]


def test_share_timed_flat_outside_the_dem(tmp_path):
    osm = write_osm(
        tmp_path / "half.osm",
        [
            (1, [(0.0, 0.0), (600.0, 0.0)], {"highway": "residential"}),
            (2, [(600.0, 0.0), (1800.0, 0.0)], {"highway": "residential"}),
        ],
    )
    dem = write_dem(tmp_path / "d.tif", lambda x, y: 100 + 0.04 * x)  # ends at x = 1400
    net = build(osm, dem, dem_outside="flat", dem_smoothing_m=0)
    assert edge_of(net, 2)["grade_source"] == GRADE_SOURCES.index("flat-outside-dem")
    assert edge_of(net, 2)["time_fwd_s"] == pytest.approx(1200 / 1.25, rel=1e-5)
    assert net.grade_report()["flat_outside_dem_share"] == pytest.approx(1200 / 1800, abs=1e-3)


def test_an_undeclared_nodata_value_is_read_as_nodata_not_as_heights(tmp_path, caplog):
    """Probe 14J: -32768 cells in a DEM that does not declare them were read as heights."""
    osm = write_osm(
        tmp_path / "half.osm",
        [
            (1, [(0.0, 0.0), (600.0, 0.0)], {"highway": "residential"}),
            (2, [(600.0, 0.0), (1200.0, 0.0)], {"highway": "footway"}),
        ],
    )

    def with_hole(value):
        return lambda x, y: np.where(x > 650, value, 100 + 0.04 * x)

    declared = build(osm, write_dem(tmp_path / "ok.tif", with_hole(-9999)), dem_outside="flat")
    with caplog.at_level("WARNING"):
        hole = build(osm, write_dem(tmp_path / "bad.tif", with_hole(-32768)), dem_outside="flat")
    cols = ["time_fwd_s", "time_bwd_s", "grade_source"]
    pd.testing.assert_frame_equal(hole.edges[cols], declared.edges[cols])
    assert edge_of(hole, 2)["grade_source"] == GRADE_SOURCES.index("flat-outside-dem")
    assert "-32768 m" in caplog.text and "nodata" in caplog.text


# ----------------------------------------------------------------------------- settings and files


def test_version_1_network_files_still_load(tmp_path):
    import json

    from harbor_planner import load_network, save_network

    osm = write_osm(tmp_path / "v1.osm", [(1, [(0.0, 0.0), (200.0, 0.0)], {"highway": "footway"})])
    dem = write_dem(tmp_path / "d.tif", lambda x, y: 100 + 0.04 * x)
    net = build(osm, dem, dem_smoothing_m=0)
    path = tmp_path / "net.npz"
    save_network(net, path)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if k.removeprefix("edge_") not in GRADE_COLUMNS}
    meta = json.loads(bytes(arrays["meta"]).decode())
    arrays["meta"] = np.frombuffer(json.dumps({**meta, "version": 1}).encode(), np.uint8)
    old = tmp_path / "v1.npz"
    np.savez(old, **arrays)
    back = load_network(old)
    e = edge_of(back, 1)
    assert e["grade_source"] == GRADE_SOURCES.index("dem")
    assert e["grade_pct"] == pytest.approx(edge_of(net, 1)["grade_pct"])
    assert e["time_fwd_s"] == pytest.approx(edge_of(net, 1)["time_fwd_s"])
    # a version-2 file without its grade arrays is refused
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(InputDataError, match="missing array"):
        load_network(tmp_path / "bad.npz")


GRADE_COLUMNS = ("incline_grade", "grade_pct", "grade_source", "above_cap")


def test_scenario_key_and_cli_flag_for_caps_and_smoothing(tmp_path, capsys):
    from harbor_planner.scenario import load_scenario

    osm = write_osm(tmp_path / "s.osm", [(1, [(0.0, 0.0), (200.0, 0.0)], {"highway": "primary"})])
    dem = write_dem(tmp_path / "d.tif", lambda x, y: 100 + 0.20 * x)
    toml = tmp_path / "s.toml"
    toml.write_text(
        f'[network]\nsource = "{osm.name}"\ndem = "{dem.name}"\ndem_smoothing_m = 0\n'
        "max_grade_pct = { primary = 12.5 }\n"
        '[stations]\nfile = "st.csv"\ncrs = "wgs84"\n',
        encoding="utf-8",
    )
    sc = load_scenario(toml)
    assert sc.network.max_grade_pct == {"primary": 12.5} and sc.network.dem_smoothing_m == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(toml.read_text("utf-8").replace("12.5", '"steep"'), encoding="utf-8")
    with pytest.raises(HarborPlannerError, match="max_grade_pct"):
        load_scenario(bad)
    args = ["network", "info", str(osm), "--dem", str(dem), "--dem-smoothing", "0"]
    assert main(["-q", *args, "--max-grade", "primary=12.5"]) == 0
    assert "primary 1 (0.2 km, cap 12.5 %)" in capsys.readouterr().out
    assert main(["-q", *args, "--max-grade", "primary"]) == 2
    assert "--max-grade" in capsys.readouterr().err
    assert main(["-q", *args[:-1], "-5"]) == 2
    # a misspelled class was accepted and its cap never applied (probe 14L)
    assert main(["-q", *args, "--max-grade", "primry=8"]) == 2
    assert "unknown road class 'primry'" in capsys.readouterr().err
    typo = tmp_path / "typo.toml"
    typo.write_text(toml.read_text("utf-8").replace("primary = 12.5", "primry = 8"), "utf-8")
    with pytest.raises(HarborPlannerError, match="unknown road class 'primry'"):
        load_scenario(typo)
    from harbor_planner.network.elevation import class_caps_pct

    with pytest.raises(HarborPlannerError, match="unknown road class"):
        class_caps_pct(["primary"], {"primry": 8.0})
    assert class_caps_pct(["primary"], {"Primary": 8.0}).tolist() == [8.0]  # as the CLI reads it
    # two names of one class with two caps: the last one won silently (probe 20R)
    with pytest.raises(HarborPlannerError, match="'主干路' = 6 and 'primary' = 12 cap the same"):
        class_caps_pct(["primary"], {"主干路": 6.0, "primary": 12.0})
    assert class_caps_pct(["primary"], {"主干路": 6.0, "primary": 6.0}).tolist() == [6.0]


# ----------------------------------------------------------------------------- direction


def test_walk_direction_times_the_walk_to_the_station(tmp_path, capsys):
    """An up-only escalator from the street (A) to the station (B), and a 400 m flat detour:
    walking to the station rides the escalator (231 s), leaving it takes the detour (320 s)."""
    import geopandas as gpd
    import shapely

    from harbor_planner import coverage

    osm = write_osm(
        tmp_path / "escalator.osm",
        [
            (1, [(0.0, 0.0), (100.0, 0.0)], {"highway": "steps", "conveying": "forward"}),
            (2, [(0.0, 0.0), (0.0, 150.0), (100.0, 150.0), (100.0, 0.0)], {"highway": "footway"}),
        ],
    )

    def pts(x, y, **cols):
        return gpd.GeoDataFrame(cols, geometry=[shapely.Point(X0 + x, Y0 + y)], crs="EPSG:32648")

    station, demand = pts(100, 0, station_id=["B"]), pts(0, 0, weight=[1.0])
    times = {}
    for direction in ("from-station", "to-station"):
        net = build_network(osm, walk_direction=direction, progress=False)
        assert net.walk_model.direction == direction
        res = coverage(net, station, demand, minutes=4.5)
        times[direction] = res.demand["time_min"].iloc[0] * 60
        assert res.summary["walk_direction"] == direction
    ride = 100 / math.cos(math.radians(30)) / 0.5
    assert times["to-station"] == pytest.approx(ride, abs=0.01)  # 230.9 s: covered in 4.5 min
    assert times["from-station"] == pytest.approx(400 / 1.25, abs=0.01)  # 320 s: not covered
    # the CLI: --walk-direction, stated in the summary and the report
    station_csv = tmp_path / "st.csv"
    lon, lat = TO_LONLAT.transform(X0 + 100, Y0)
    station_csv.write_text(f"编号,经度,纬度\nB,{lon},{lat}\n", "utf-8")
    out = tmp_path / "cov"
    argv = ["-q", "coverage", "--network", str(osm), "--stations", str(station_csv), "--crs",
            "wgs84", "--demand", "grid:20", "--minutes", "4.5", "--walk-direction", "to-station",
            "--no-range", "--map-bands", "", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert "(stairs model, 4.5 km/h, to the stations)" in capsys.readouterr().out
    import json

    assert json.loads((out / "summary.json").read_text("utf-8"))["walk_direction"] == "to-station"
    assert "步行前往站点" in (out / "report.html").read_text("utf-8")


def test_network_info_and_gis_layer_name_the_walk_direction(tmp_path, capsys):
    """A to-station network says so, and its GeoPackage keeps each way's own times (u -> v)."""
    import geopandas as gpd

    osm = write_osm(
        tmp_path / "escalator.osm",
        [
            (1, [(0.0, 0.0), (100.0, 0.0)], {"highway": "steps", "conveying": "forward"}),
            (2, [(0.0, 0.0), (0.0, 150.0), (100.0, 150.0), (100.0, 0.0)], {"highway": "footway"}),
        ],
    )
    layers = {}
    for direction in ("from-station", "to-station"):
        out = tmp_path / f"{direction}.npz"
        gpkg = tmp_path / f"{direction}.gpkg"
        argv = ["-q", "network", "build", str(osm), "--walk-direction", direction,
                "--out", str(out), "--gpkg", str(gpkg)]  # fmt: skip
        assert main(argv) == 0, capsys.readouterr().err
        assert f"walks timed {direction.split('-')[0]} the stations ({direction})" in (
            capsys.readouterr().out
        )
        assert main(["-q", "network", "info", str(out)]) == 0
        assert f"({direction})" in capsys.readouterr().out
        layers[direction] = gpd.read_file(gpkg, layer="edges")
    a, b = layers["from-station"], layers["to-station"]
    esc = a["kind"] == "escalator"
    assert esc.any() and np.isinf(a.loc[esc, "time_bwd_s"]).all()  # up only
    for col in ("time_fwd_s", "time_bwd_s"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())


def test_walk_dem_says_whether_slopes_timed_the_walks():
    """Probe 15U: summary.json said walk_dem true under the flat model of a network built
    with a DEM (the README: whether slopes from a DEM were used)."""
    from pathlib import Path

    import geopandas as gpd

    import harbor_planner as hp

    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo"
    net = hp.build_network(demo / "yuzhong_walk.osm.bz2", dem=demo / "dem.tif",
                           dem_outside="flat", progress=False)  # fmt: skip
    xy = net.node_xy[[0, 500, 1000]]
    st = gpd.GeoDataFrame(
        {"station_id": ["a", "b", "c"]}, geometry=gpd.points_from_xy(*xy.T), crs=net.crs
    )
    where = gpd.points_from_xy(*net.node_xy[:50].T)
    dem = gpd.GeoDataFrame({"weight": [1.0] * 50}, geometry=where, crs=net.crs)
    assert hp.coverage(net, st, dem, minutes=5).summary["walk_dem"] is True
    for kind in ("flat", "stairs"):
        flat = net.with_walk_model(hp.WalkModel(kind=kind))
        assert hp.coverage(flat, st, dem, minutes=5).summary["walk_dem"] is False


def test_the_summary_says_what_the_model_makes_of_the_elevation(tmp_path):
    """Probe 19W: `network info yuzhong-hilly.npz --walk-model stairs` said "elevation from
    DEM", though the stairs model times no slope."""
    osm = write_osm(tmp_path / "s.osm", [(2, [(0.0, 100.0), (200.0, 100.0)],
                                         {"highway": "footway"})])  # fmt: skip
    net = build(osm, write_dem(tmp_path / "s.tif", lambda x, y: 100 + 0.1 * x))
    assert "; elevation from DEM;" in net.summary()
    stairs = net.with_walk_model(WalkModel(kind="stairs")).summary()
    assert "elevation from DEM (slopes not timed by the stairs model)" in stairs
    assert "; no elevation" in build(osm).summary()


def test_a_joined_network_names_every_file_it_was_built_from(tmp_path):
    """Probe 19X: `network build a b c` said "walk network from a" alone."""
    import geopandas as gpd
    from shapely.geometry import LineString

    files = []
    for i in range(2):
        path = tmp_path / f"roads_{i}.geojson"
        line = LineString([(X0 + 300 * i, Y0), (X0 + 300 * i + 300, Y0)])
        gpd.GeoDataFrame({"highway": ["residential"]}, geometry=[line],
                         crs="EPSG:32648").to_file(path)  # fmt: skip
        files.append(path)
    text = build_network(files, progress=False).summary()
    assert all(f.name in text.splitlines()[0] for f in files), text


def test_a_planners_up_and_down_words_set_the_direction(tmp_path):
    """Probe 23N: `incline` values 上/下 (上行/下行) of a planner's layer were read as
    untagged: the stairs cost the mean both ways, without a word. They set the direction as
    up/down do."""
    from harbor_planner.network._ways import incline_tags

    sign, grade = incline_tags(pd.Series(["上", "下行", " 上坡 ", "up", "DOWN", "侧", None]))
    assert list(sign) == [1, -1, 1, 1, -1, 0, 0] and np.isnan(grade).all()
    ways = [(1, [(0.0, 0.0), (0.0, 40.0)], {"highway": "steps", "step_count": "60"}),
            (2, [(0.0, 40.0), (0.0, 80.0)], {"highway": "steps", "step_count": "60",
                                             "incline": "上"}),
            (3, [(0.0, 80.0), (0.0, 120.0)], {"highway": "steps", "step_count": "60",
                                              "incline": "up"})]  # fmt: skip
    net = build(write_osm(tmp_path / "s.osm", ways))
    fwd = {w: (edge_of(net, w)["time_fwd_s"], edge_of(net, w)["time_bwd_s"]) for w in (1, 2, 3)}
    assert fwd[2] == pytest.approx(fwd[3]) and fwd[2] != pytest.approx(fwd[1])

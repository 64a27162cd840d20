"""The walk network of Yuzhong (渝中区) from ../shared/geodata: real stairs, escalators, lifts.

Expected figures are literals measured once and explained here:
* OSMnx 2.1.1 ``graph_from_xml(walk.osm, bidirectional=True, simplify=True)`` keeps 663.9 km of
  streets in its largest component; our network (split at way ends, not merged) has more nodes
  and edges but the same streets;
* the shared README measures that a median 44 % (10th-90th percentile 19-60 %) of the nodes
  inside a 1,125 m circle are within 15 minutes' walk at 75 m/min on flat ground.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from harbor_planner import WalkModel, build_network, load_network, save_network, snap_points
from harbor_planner.network.walk import KIND_ELEVATOR, KIND_ESCALATOR, KIND_STEPS, KIND_WALK

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def yz(yuzhong_osm):
    return build_network(yuzhong_osm, progress=False)


@pytest.fixture(scope="module")
def yz_hilly(yuzhong_osm, yuzhong_dem):
    return build_network(yuzhong_osm, dem=yuzhong_dem, dem_outside="flat", progress=False)


def test_counts_in_expected_range(yz):
    assert 4_000 <= yz.n_nodes <= 5_500
    assert 5_000 <= yz.n_edges <= 7_000
    assert yz.crs == "EPSG:32648"
    assert yz.edges["length_m"].sum() / 1000 == pytest.approx(663.9, rel=0.01)
    kinds = yz.edges["kind"].value_counts()
    assert kinds[KIND_STEPS] >= 345  # every stairway way, some split at junctions
    assert kinds[KIND_ESCALATOR] == 7  # the six conveying ways, one split at a junction
    assert KIND_ELEVATOR not in kinds  # lifts are nodes here
    assert (yz.edges["elevator_ends"] > 0).sum() >= 13
    assert 0 < yz.source["dropped_nodes"] < 0.1 * yz.n_nodes


def test_stairs_slower_than_flat_ground_of_equal_length(yz):
    e = yz.edges
    per_m = np.minimum(e["time_fwd_s"], e["time_bwd_s"]) / e["length_m"]
    steps = (e["kind"] == KIND_STEPS) & (e["elevator_ends"] == 0)
    walk = (e["kind"] == KIND_WALK) & (e["elevator_ends"] == 0) & (e["length_m"] > 1)
    assert (per_m[steps] >= 1.93 / 1.25 - 1e-9).all()
    np.testing.assert_allclose(per_m[walk], 1 / 1.25)
    tagged = steps & (e["incline"] != 0)
    assert tagged.sum() > 50  # incline=up/down tags are read
    up = np.where(e["incline"] > 0, e["time_fwd_s"], e["time_bwd_s"])[tagged]
    down = np.where(e["incline"] > 0, e["time_bwd_s"], e["time_fwd_s"])[tagged]
    np.testing.assert_allclose(up / down, 2.20 / 1.93)


def test_one_way_streets_are_walked_both_ways(yz):
    walk = yz.edges["kind"] == KIND_WALK
    assert yz.edges.loc[walk, ["fwd_ok", "bwd_ok"]].all().all()
    # only conveying ways may be one-directional, and no street is
    assert yz.n_arcs >= 2 * yz.n_edges - 2 * (~walk).sum() - 50


def test_hilly_uphill_slower_than_downhill(yz_hilly, yz):
    e = yz_hilly.edges
    assert yz_hilly.has_elevation
    assert 0 < yz_hilly.source["dem_outside_edges"] < 0.25 * yz_hilly.n_edges
    z = yz_hilly.nodes["z_m"].dropna()
    assert z.min() >= 130 and z.max() <= 420  # the DEM spans 136-416 m
    climb = (
        (e["kind"] == KIND_WALK)
        & ~e["off_ground"]
        & np.isfinite(e["slope_len_fwd_m"])
        & (e["rise_m"].abs() > 5)
        & (e["rise_m"].abs() / e["length_m"] > 0.04)
    )
    assert climb.sum() > 300
    t_up = np.where(e["rise_m"] > 0, e["time_fwd_s"], e["time_bwd_s"])[climb]
    t_down = np.where(e["rise_m"] > 0, e["time_bwd_s"], e["time_fwd_s"])[climb]
    assert (t_up > t_down).mean() > 0.9
    # stairs direction comes from the DEM where untagged: up and down differ there too
    steps = (e["kind"] == KIND_STEPS) & (e["incline"] == 0) & (e["rise_m"].abs() >= 0.5)
    assert (e.loc[steps, "time_fwd_s"] != e.loc[steps, "time_bwd_s"]).all()
    # a hilly city walks slower than its flat plan (slopes cost at most the stairs' rate per
    # metre of rise, on grades from the smoothed DEM: a few per cent, not the noisy 1.3x)
    ratio = e["time_fwd_s"].sum() / yz.edges["time_fwd_s"].sum()
    assert 1.02 < ratio < 1.15


def test_hilly_grades_are_plausible_on_yuzhong(yz_hilly):
    """Issue 15's evidence: main roads mostly under 8 %, stairs agree with their tags, no edge
    above its class cap, and the share the DEM leaves flat is stated."""
    from harbor_planner.network.elevation import class_caps_pct
    from harbor_planner.settings import GRADE_SOURCES, STAIR_DEM_MIN_RISE_M

    e = yz_hilly.edges
    length = e["length_m"]
    cls = e["highway"].str.removesuffix("_link")
    main = cls.isin(["trunk", "primary", "secondary", "tertiary"]) & (
        e["grade_source"] == GRADE_SOURCES.index("dem")
    )
    steep = main & (e["grade_pct"].abs() > 8)
    assert length[main].sum() > 100_000
    assert length[steep].sum() < 0.10 * length[main].sum()
    caps = class_caps_pct(e["highway"].to_numpy(object))
    walk = e["kind"] == KIND_WALK
    assert (e.loc[walk, "grade_pct"].abs() <= caps[walk] + 1e-9).all()
    # stairs: where the DEM alone could decide (ends differ by the threshold), it agrees with
    # the incline tag on at least 90 % of the tagged flights
    z = yz_hilly.nodes["z_m"].to_numpy()
    dem_rise = z[e["v"]] - z[e["u"]]
    tagged = (e["kind"] == KIND_STEPS) & (e["incline"] != 0)
    decidable = tagged & (np.abs(dem_rise) >= STAIR_DEM_MIN_RISE_M)
    assert decidable.sum() >= 20
    agree = np.sign(dem_rise[decidable]) == e.loc[decidable, "incline"]
    assert agree.mean() >= 0.9
    rep = yz_hilly.grade_report()
    assert 0.15 < rep["flat_outside_dem_share"] < 0.35  # the SRTM tile stops short
    assert rep["above_cap_edges"] == int(e["above_cap"].sum()) > 0


def test_network_walk_is_far_from_a_circle(yz):
    flat = yz.with_walk_model(WalkModel(kind="flat"))
    rng = np.random.default_rng(0)
    src = rng.choice(flat.n_nodes, 200, replace=False)
    reach = np.isfinite(dijkstra(flat.time_graph(), indices=src, limit=900))
    tree = cKDTree(flat.node_xy)
    inside = tree.query_ball_point(flat.node_xy[src], 1125)
    share = np.array([reach[k, idx].mean() for k, idx in enumerate(inside)])
    assert np.median(share) == pytest.approx(0.44, abs=0.05)
    assert np.percentile(share, 10) == pytest.approx(0.19, abs=0.07)
    assert np.percentile(share, 90) == pytest.approx(0.60, abs=0.07)


def test_save_load_round_trip_identical(tmp_path, yz_hilly):
    path = tmp_path / "yuzhong.npz"
    save_network(yz_hilly, path)
    back = load_network(path)
    pd.testing.assert_frame_equal(back.nodes, yz_hilly.nodes)
    pd.testing.assert_frame_equal(back.edges, yz_hilly.edges)
    assert back.walk_model == yz_hilly.walk_model and back.crs == yz_hilly.crs
    assert (back.time_graph() != yz_hilly.time_graph()).nnz == 0


def test_line_layer_of_the_same_streets_gives_a_comparable_network(tmp_path, yz):
    lines = tmp_path / "centrelines.gpkg"
    yz.edges_gdf(crs="EPSG:4326").drop(columns=["u", "v"]).to_file(lines, driver="GPKG")
    rng = np.random.default_rng(1)
    src = rng.choice(yz.n_nodes, 20, replace=False)
    t_osm = dijkstra(yz.time_graph(), indices=src)
    med_osm = np.median(t_osm[np.isfinite(t_osm)])

    # joined only where lines share a vertex, as OSM ways share nodes: the same graph
    exact = build_network(lines, snap_tolerance_m=0, progress=False)
    assert (exact.n_nodes, exact.n_edges) == (yz.n_nodes, yz.n_edges)
    assert exact.edges["length_m"].sum() == pytest.approx(yz.edges["length_m"].sum(), rel=1e-6)
    dist, at = cKDTree(exact.node_xy).query(yz.node_xy[src])
    assert dist.max() < 0.01
    t_line = dijkstra(exact.time_graph(), indices=at)
    # lifts and escalator directions are not in the line layer: slightly faster
    assert np.median(t_line[np.isfinite(t_line)]) == pytest.approx(med_osm, rel=0.01)

    # the default 1 m tolerance also closes near-misses, and says how many
    snapped = build_network(lines, progress=False)
    noding = snapped.source["noding"]
    assert noding["ends_snapped"] > 0 and noding["t_junctions"] > 0
    assert noding["max_move_m"] <= 1.0
    assert snapped.n_nodes == pytest.approx(yz.n_nodes, rel=0.02)
    _, at = cKDTree(snapped.node_xy).query(yz.node_xy[src])
    t_snap = dijkstra(snapped.time_graph(), indices=at)
    assert np.median(t_snap[np.isfinite(t_snap)]) == pytest.approx(med_osm, rel=0.05)


def test_metro_entrances_snap_to_streets(yz, shared):
    import geopandas as gpd

    metro = gpd.read_file(shared("yuzhong", "metro.geojson"))
    res = snap_points(yz, metro, max_dist_m=150)
    assert len(res.to_frame()) == len(metro)
    assert res.within.mean() > 0.8
    assert np.median(res.edge_dist_m) < 60


def test_the_own_gpkg_export_builds_the_same_network_and_coverage(tmp_path, yz, shared):
    """Probe 26N1: built from its ``--gpkg``, the network lost its 7 escalators, 25 edges at
    lifts and 574 of its 580 off-ground edges, and the 1 m snapping joined 32 junctions (24 on
    bridges): coverage 68.7 -> 73.2 %. The lengths differ by up to 3e-9 m (the GeoPackage's
    WGS-84 degrees): the covered demand agrees to 1e-9 of itself, the figure to its last
    digit."""
    from harbor_planner import coverage, demand_from_spec, read_stations

    gpkg = tmp_path / "yuzhong.gpkg"
    save_network(yz, tmp_path / "yuzhong.npz", edges_gpkg=gpkg)
    back = build_network(gpkg, progress=False)
    for net in (yz, back):
        e = net.edges
        assert (net.n_nodes, net.n_edges) == (4_621, 5_970)
        assert (e["kind"] == KIND_ESCALATOR).sum() == 7 and (e["elevator_ends"] > 0).sum() == 25
        assert e["off_ground"].sum() == 580 and (e["incline"] != 0).sum() == 110
    assert back.source["noding"]["ends_snapped"] == back.source["noding"]["t_junctions"] == 0
    stations = read_stations(shared("yuzhong", "stations_illustrative.xlsx"), crs="gcj02")
    a, b = (
        coverage(net, stations.stations, demand_from_spec("main-streets", network=net)).summary
        for net in (yz, back)
    )
    assert b["coverage_pct"] == a["coverage_pct"] == 50.08  # the figure as reported
    assert b["demand_covered"] == pytest.approx(a["demand_covered"], rel=1e-9)


def test_the_own_gpkg_export_built_with_its_dem_gives_the_same_grades(
    tmp_path, yz_hilly, yuzhong_dem
):
    gpkg = tmp_path / "hilly.gpkg"
    save_network(yz_hilly, tmp_path / "hilly.npz", edges_gpkg=gpkg)
    back = build_network(gpkg, dem=yuzhong_dem, dem_outside="flat", progress=False)
    # the export's rows are the network's edges, in order; its WGS-84 degrees move vertices
    # by up to 1e-9 m (grades within 1e-6 %, times within 1e-7 s)
    a, b = yz_hilly.edges, back.edges
    assert back.walk_model.kind == "hilly" and len(a) == len(b)
    assert (a["grade_source"] == b["grade_source"]).all() and b["above_cap"].equals(a["above_cap"])
    np.testing.assert_allclose(b["grade_pct"], a["grade_pct"], atol=1e-6)
    np.testing.assert_allclose(
        b[["time_fwd_s", "time_bwd_s"]], a[["time_fwd_s", "time_bwd_s"]], atol=1e-7
    )


def test_the_own_export_saved_as_a_shapefile_or_short_of_a_column_is_still_the_export(
    tmp_path, yz, shared, caplog
):
    """Probe 26R1: saved as a Shapefile (``elevator_ends`` cut to ``elevator_e``,
    ``incline_grade`` to ``incline_gr``) or with one column deleted, the export was read as a
    planner's layer: 0 escalators, 0 lifts, coverage 68.7 -> 73.2 % without a word."""
    import warnings

    import geopandas as gpd

    from harbor_planner import coverage, demand_from_spec, read_stations

    save_network(yz, tmp_path / "yuzhong.npz", edges_gpkg=tmp_path / "yuzhong.gpkg")
    edges = gpd.read_file(tmp_path / "yuzhong.gpkg", layer="edges")
    with warnings.catch_warnings():  # the names a Shapefile cuts are what this is about
        warnings.simplefilter("ignore")
        edges.to_file(tmp_path / "edges.shp", encoding="utf-8")
    assert {"elevator_e", "incline_gr"} <= set(gpd.read_file(tmp_path / "edges.shp").columns)
    edges.drop(columns=["elevator_ends"]).to_file(tmp_path / "cut.gpkg", layer="edges")
    shp = build_network(tmp_path / "edges.shp", progress=False)
    with caplog.at_level("WARNING"):
        cut = build_network(tmp_path / "cut.gpkg", progress=False)
    assert "without its column elevator_ends: the lifts are unknown" in caplog.text
    for net, lifts in ((shp, 25), (cut, 0)):
        e = net.edges
        assert (net.n_nodes, net.n_edges) == (4_621, 5_970)
        assert (e["kind"] == KIND_ESCALATOR).sum() == 7 and (e["elevator_ends"] > 0).sum() == lifts
        assert e["off_ground"].sum() == 580 and (e["incline"] != 0).sum() == 110
    stations = read_stations(shared("yuzhong", "stations_illustrative.xlsx"), crs="gcj02")
    a, b = (
        coverage(net, stations.stations, demand_from_spec("main-streets", network=net)).summary
        for net in (yz, shp)
    )
    assert b["coverage_pct"] == a["coverage_pct"] == 50.08


def _edited_export(tmp_path, yz, name, edit):
    """The network's export with its edges (UTM 48N) edited by ``edit``, saved as ``name``."""
    import geopandas as gpd

    save_network(yz, tmp_path / "yuzhong.npz", edges_gpkg=tmp_path / "yuzhong.gpkg")
    edges = gpd.read_file(tmp_path / "yuzhong.gpkg", layer="edges").to_crs(32648)
    edit(edges)
    edges.to_crs(4326).to_file(tmp_path / name, layer="edges")
    return tmp_path / name


def test_export_lines_nudged_in_qgis_join_again_within_the_tolerance(tmp_path, yz, caplog):
    """Probe 26R3: the end vertex of 50 lines moved 0.5 m (inside the 1 m tolerance) cut 46
    edges (2.9 km) out of the network, "0 line ends snapped"."""
    import shapely

    def nudge(edges):
        rng = np.random.default_rng(1)
        for i in rng.choice(np.flatnonzero((edges["kind"] == "walk").to_numpy()), 50, False):
            xy = shapely.get_coordinates(edges.geometry.iloc[i])
            xy[-1, 0] += 0.5
            edges.loc[edges.index[i], "geometry"] = shapely.LineString(xy)

    with caplog.at_level("INFO"):
        back = build_network(_edited_export(tmp_path, yz, "nudged.gpkg", nudge), progress=False)
    assert (back.n_nodes, back.n_edges) == (yz.n_nodes, yz.n_edges)
    assert back.edges["length_m"].sum() == pytest.approx(yz.edges["length_m"].sum(), abs=30)
    assert back.source["noding"]["ends_snapped"] >= 40
    assert back.source["noding"]["max_move_m"] == pytest.approx(0.5, abs=0.01)
    assert "are joined again within the 1 m tolerance" in caplog.text


def test_a_bridge_of_the_export_moved_in_qgis_is_warned_of_or_rejoined(tmp_path, yz, caplog):
    """Probe 26R3: 黄花园大桥's lines moved 3 m north fell out of the network (2.5 km) without
    a near-miss warning; with a tolerance of 4 m it joins the streets again."""
    bridge = (yz.edges["off_ground"]).sum()

    def move(edges):
        on = edges["name"] == "黄花园大桥"
        edges.loc[on, "geometry"] = edges.loc[on].geometry.translate(0, 3)

    moved = _edited_export(tmp_path, yz, "moved.gpkg", move)
    with caplog.at_level("WARNING"):
        build_network(moved, progress=False)
    warned = [r.getMessage() for r in caplog.records if "stay apart" in r.getMessage()]
    assert len(warned) == 1 and "黄花园大桥" in warned[0] and "3.0 m from the nearest" in warned[0]
    again = build_network(moved, snap_tolerance_m=4, progress=False)
    assert again.n_edges == yz.n_edges and again.edges["off_ground"].sum() == bridge
    assert again.edges["length_m"].sum() == pytest.approx(yz.edges["length_m"].sum(), abs=10)

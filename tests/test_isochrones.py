"""Reachability, isochrone polygons and coverage: hand-computed on the diamond, real on Yuzhong.

The diamond is drawn in tests/test_network.py. A station at (25, 3) sits on A-S at its middle,
3 m off the street: access 3 / 1.25 = 2.4 s, then A and S at 2.4 + 25 / 1.25 = 22.4 s,
F at 22.4 + 24 = 46.4 s, B at 22.4 + 40 = 62.4 s, C at 62.4 + 176 = 238.4 s,
E at 62.4 + 230.94 = 293.34 s (escalator), D at 238.4 + 131.12 = 369.52 s (A->D is one-way
the other way), G at 293.34 + 254.95 / 1.25 = 497.30 s.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from harbor_planner import InputDataError, NetworkError, build_network
from harbor_planner.analysis.coverage import coverage, nearest_station
from harbor_planner.analysis.isochrones import isochrones, service_area
from harbor_planner.analysis.pieces import reachable_pieces
from harbor_planner.cli import main
from harbor_planner.network import anchor_points, reachability

DATA = Path(__file__).parent / "data" / "network"
X0, Y0 = 600000.0, 3260000.0
ESC = 100 / math.cos(math.pi / 6) / 0.5
EXPECTED = {  # node (x, y) -> seconds from the station at (25, 3)
    (0, 0): 22.4, (50, 0): 22.4, (50, -30): 46.4, (100, 0): 62.4, (100, 100): 238.4,
    (200, 0): 62.4 + ESC, (0, 100): 238.4 + 131.12,
    (-50, 50): 62.4 + ESC + math.hypot(250, 50) / 1.25,
}  # fmt: skip


def node_at(net, x, y):
    d = np.hypot(*(net.node_xy - [X0 + x, Y0 + y]).T)
    assert d.min() < 1e-6
    return int(np.argmin(d))


def test_reachability_hand_computed(diamond, pts):
    reach = reachability(diamond, pts((25, 3)), minutes=60)
    nodes, times = reach.times(0)
    got = dict(zip(nodes.tolist(), times.tolist(), strict=True))
    for xy, t in EXPECTED.items():
        assert got[node_at(diamond, *xy)] == pytest.approx(t)
    assert len(got) == len(EXPECTED)
    short = reachability(diamond, pts((25, 3)), minutes=1)
    nodes, times = short.times(0)
    assert sorted(nodes.tolist()) == sorted(
        node_at(diamond, *p) for p in [(0, 0), (50, 0), (50, -30)]
    )


def test_reachability_matches_full_dijkstra(diamond, pts):
    stations = pts((25, 3), (100, 60), (150, 1), (-40, 48))
    reach = reachability(diamond, stations, minutes=6)
    anchors = anchor_points(diamond, stations)
    for i in range(len(stations)):
        # the same search on the whole graph, from both ends of the station's edge
        e = diamond.edges.loc[anchors.edge[i]]
        f = anchors.frac[i]
        d = dijkstra(diamond.time_graph(), indices=[e.u, e.v])
        full = np.minimum(
            anchors.access_s[i] + f * e.time_bwd_s + d[0],
            anchors.access_s[i] + (1 - f) * e.time_fwd_s + d[1],
        )
        nodes, times = reach.times(i)
        want = np.flatnonzero(full <= 360)
        np.testing.assert_array_equal(nodes, want)
        np.testing.assert_allclose(times, full[want])


def test_partial_edges_are_cut_where_the_time_runs_out(diamond, pts):
    reach = reachability(diamond, pts((25, 3)), minutes=1)
    pieces = reachable_pieces(diamond, reach, [60.0])
    s, b, f = node_at(diamond, 50, 0), node_at(diamond, 100, 0), node_at(diamond, 50, -30)
    a = node_at(diamond, 0, 0)
    edges = diamond.edges

    def edge_between(p, q):
        m = ((edges.u == p) & (edges.v == q)) | ((edges.u == q) & (edges.v == p))
        return int(np.flatnonzero(m)[0])

    sb = edge_between(s, b)
    got = pieces[pieces.edge == sb]
    assert len(got) == 1
    cut = (60 - 22.4) / 40  # 0.94 of S-B from S
    row = got.iloc[0]
    if edges.u[sb] == s:
        assert (row.start, row.end) == pytest.approx((0.0, cut))
    else:
        assert (row.start, row.end) == pytest.approx((1 - cut, 1.0))
    full = pieces[(pieces.start == 0) & (pieces.end == 1)]
    assert edge_between(s, f) in set(full.edge)
    assert edge_between(a, s) in set(pieces.edge)
    # D-A is walkable only D->A: nothing of it is reachable from A
    assert edge_between(node_at(diamond, 0, 100), a) not in set(pieces.edge)
    assert pieces["new"].all()  # one band: every piece is new


def test_pieces_of_edges_reached_in_full_below_are_not_new(diamond, pts):
    reach = reachability(diamond, pts((25, 3)), minutes=2)
    pieces = reachable_pieces(diamond, reach, [60.0, 120.0])
    first, second = pieces[pieces.band == 0], pieces[pieces.band == 1]
    whole = set(first.edge[(first.start == 0) & (first.end == 1)])
    assert whole  # S-F at least
    own = reach.sources.edge[0]
    for row in second[second.edge != own].itertuples():
        assert row.new == (row.edge not in whole), row
    # the station's own piece is always drawn again (it adds nothing either)
    assert second[second.edge == own].new.any()
    # S-B, cut at 94 % in the first band, is new again in the second
    assert second.new.sum() > 1


def test_isochrone_polygons_follow_streets_and_nest(diamond, pts):
    iso = isochrones(diamond, pts((25, 3)), minutes=(1, 2), corridor_m=5, crs=None)
    assert list(iso.columns) == ["station_id", "minutes", "geometry"]
    assert list(iso.minutes) == [2.0, 1.0]
    one = iso.geometry[iso.minutes == 1].iloc[0]
    two = iso.geometry[iso.minutes == 2].iloc[0]
    assert two.buffer(1e-6).contains(one)
    # 1 min: A-S-F and 94 % of S-B, 5 m either side; never a hull over the gap to D
    cut_x = X0 + 50 + 0.94 * 50
    assert one.contains(shapely.Point(cut_x - 1, Y0))
    assert not one.contains(shapely.Point(cut_x + 6, Y0))
    assert not one.contains(shapely.Point(X0 + 30, Y0 - 20))  # between the streets
    assert not one.contains(shapely.Point(X0, Y0 + 20))  # up the one-way D->A
    assert one.area == pytest.approx((50 + 47 + 30) * 10 + math.pi * 25, rel=0.05)


def test_isochrones_output_crs_ids_and_service_area(diamond, pts):
    st = pts((25, 3), (150, 1))
    iso = isochrones(diamond, st, minutes=(1, 3))
    assert iso.crs.to_epsg() == 4326
    assert set(iso.station_id) == {"S0", "S1"}
    per = isochrones(diamond, st, minutes=(1, 3), crs=None)
    area = service_area(per)
    assert list(area.minutes) == [3.0, 1.0] and list(area.stations) == [2, 2]
    union = shapely.union_all(per.geometry[per.minutes == 3].to_numpy())
    assert area.geometry.iloc[0].equals(union)


def test_coverage_headline_says_what_it_rests_on(diamond, pts):
    from harbor_planner.pipeline import coverage_headline

    stations = pts((25, 3), (100, 50), (50, -30))
    stations["status"] = ["existing", "proposed", "existing"]
    demand = pts((100, 50), (50, -30))
    demand["weight"] = [1.0, 1.0]
    s = coverage(diamond, stations, demand, minutes=5).summary
    assert s["stations_by_status"] == {"existing": 2, "proposed": 1}
    text = coverage_headline(s)
    assert f"({s['walk_model']} model, 4.5 km/h)" in text
    assert "3 stations (existing 2, proposed 1)" in text
    plain = coverage(diamond, pts((25, 3)), demand, minutes=5).summary
    assert "stations_by_status" not in plain  # no status column: nothing claimed
    assert " of 1 station; " in coverage_headline(plain)
    one = coverage_headline({**plain, "stations_rejected": 1})
    assert "1 station (1 row of the station file rejected);" in one
    two = coverage_headline({**plain, "stations_rejected": 2})
    assert "(2 rows of the station file rejected)" in two


def test_counted_says_one_in_the_singular():
    from harbor_planner._text import counted

    assert counted(1, "station") == "1 station"
    assert counted(0, "station") == "0 stations"
    assert counted(2000, "station") == "2,000 stations"
    assert counted(1, "row has", "rows have") == "1 row has"
    assert counted(3, "row has", "rows have") == "3 rows have"


def test_isochrones_without_any_station_on_the_network(diamond, pts):
    with pytest.raises(NetworkError, match="within 150 m"):
        isochrones(diamond, pts((5000, 5000)))
    with pytest.raises(InputDataError, match="minutes"):
        isochrones(diamond, pts((25, 3)), minutes=(0, 5))


def test_coverage_hand_computed(diamond, pts):
    demand = pts((100, 50), (50, -30), (500, 500))  # mid B-C, at F, far off the network
    demand["weight"] = [2.0, 1.0, 1.0]
    res = coverage(diamond, pts((25, 3)), demand, minutes=2.5)
    t = res.demand["time_min"].to_numpy() * 60
    assert t[0] == pytest.approx(62.4 + 0.5 * 176)  # 150.4 s: just beyond 2.5 min
    assert t[1] == pytest.approx(46.4)
    assert t[2] == np.inf
    assert list(res.demand["covered"]) == [False, True, False]
    assert list(res.demand["euclidean_covered"]) == [True, True, False]  # 187.5 m circles
    s = res.summary
    assert (s["demand_total"], s["demand_covered"]) == (4.0, 1.0)
    assert s["coverage_pct"] == 25.0 and s["euclidean_coverage_pct"] == 75.0
    assert s["euclidean_radius_m"] == 187.5
    assert s["demand_off_network"] == 1
    nearest = res.demand["nearest_station"]
    assert list(nearest.iloc[:2]) == ["S0", "S0"] and pd.isna(nearest.iloc[2])
    more = coverage(diamond, pts((25, 3)), demand, minutes=2.51)
    assert more.summary["demand_covered"] == 3.0


def test_same_edge_demand_is_reached_directly(diamond, pts):
    demand = pts((30, 0))
    demand["weight"] = 1.0
    res = coverage(diamond, pts((25, 3)), demand, minutes=1)
    assert res.demand["time_min"].iloc[0] * 60 == pytest.approx(2.4 + 5 / 1.25)


def test_coverage_rejects_empty_demand_and_lost_stations(diamond, pts):
    empty = pts((0, 0)).iloc[:0].assign(weight=[])
    with pytest.raises(InputDataError, match="empty"):
        coverage(diamond, pts((25, 3)), empty)
    demand = pts((0, 0)).assign(weight=1.0)
    with pytest.raises(NetworkError, match="right CRS"):
        coverage(diamond, pts((9000, 9000)), demand)


# --------------------------------------------------------------------------- Yuzhong


@pytest.fixture(scope="module")
def yuzhong(yuzhong_osm, shared):
    from harbor_planner import read_stations

    net = build_network(yuzhong_osm, progress=False)
    st = read_stations(shared("yuzhong", "stations_illustrative.xlsx"), crs="gcj02").stations
    return net, st


@pytest.mark.realdata
def test_yuzhong_polygons_hold_every_reached_node(yuzhong):
    net, st = yuzhong
    st = st.iloc[:12]
    iso = isochrones(net, st, minutes=(10, 15), crs=None)
    reach = reachability(net, st, minutes=20)
    nodes = shapely.points(net.node_xy)
    for i, sid in enumerate(st["station_id"]):
        poly = iso.geometry[(iso.station_id == sid) & (iso.minutes == 15)].iloc[0]
        node, t = reach.times(i)
        inside = shapely.contains_xy(poly, *net.node_xy[node].T)
        assert inside[t <= 900].all(), sid
        # nodes 17-20 min away are mostly outside (some lie within 25 m of a reached street)
        beyond = node[(t > 17 * 60)]
        if len(beyond) > 20:
            assert shapely.contains(poly, nodes[beyond]).mean() < 0.2, sid
        ten = iso.geometry[(iso.station_id == sid) & (iso.minutes == 10)].iloc[0]
        assert poly.buffer(1e-6).contains(ten)


@pytest.mark.realdata
def test_yuzhong_multi_source_equals_union_of_single_sources(yuzhong):
    net, st = yuzhong
    anchors = anchor_points(net, st)
    near = nearest_station(net, anchors)
    reach = reachability(net, anchors, minutes=15)
    best = np.full(net.n_nodes, np.inf)
    src = np.repeat(np.arange(reach.n_sources), reach.counts())
    np.minimum.at(best, reach.node, reach.time_s)
    within = near.time_s <= 900
    np.testing.assert_array_equal(within, np.isfinite(best))
    np.testing.assert_allclose(near.time_s[within], best[within])
    # and the named nearest station is one that reaches the node in that time
    key = pd.Series(reach.time_s, index=pd.MultiIndex.from_arrays([src, reach.node]))
    sample = np.flatnonzero(within)[::50]
    for node in sample:
        assert key[(near.station[node], node)] == pytest.approx(near.time_s[node])


@pytest.mark.realdata
def test_yuzhong_circles_overstate_coverage(yuzhong):
    from harbor_planner.demand import main_street_demand

    net, st = yuzhong
    res = coverage(net, st, main_street_demand(net), minutes=15)
    s = res.summary
    assert 20 < s["coverage_pct"] < s["euclidean_coverage_pct"] - 10
    assert s["stations_on_network"] == 42
    assert "渝中区" in set(res.by_district["district"])
    assert res.by_district["demand_total"].sum() == pytest.approx(s["demand_total"])
    # redundancy agrees with the one-search coverage; overlap exists in the dense centre
    assert ((res.demand["n_stations"] >= 1) == res.demand["covered"]).all()
    assert 0 < s["double_coverage_pct"] < s["coverage_pct"]
    st = res.stations
    assert (st["unique_demand"] <= st["demand_covered"] + 1e-9).all()
    assert st["unique_demand"].sum() == pytest.approx(
        res.demand.loc[res.demand["n_stations"] == 1, "weight"].sum()
    )


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def station_csv(tmp_path):
    to_wgs = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform([X0 + 25, X0 + 150], [Y0 + 3, Y0 + 1])
    path = tmp_path / "stations.csv"
    pd.DataFrame(
        {"编号": ["A1", "A2"], "名称": ["一号站", "二号站"], "经度": lon, "纬度": lat,
         "状态": ["已建成", "拟建"]}
    ).to_csv(path, index=False, encoding="gbk")  # fmt: skip
    return path


def test_cli_isochrones_and_coverage(tmp_path, station_csv, capsys):
    net = tmp_path / "d.npz"
    assert main(["-q", "network", "build", str(DATA / "diamond.geojson"), "--out", str(net)]) == 0
    out = tmp_path / "iso.gpkg"
    code = main(
        ["-q", "isochrones", "--network", str(net), "--stations", str(station_csv), "--crs",
         "wgs84", "--minutes", "1,2", "--out", str(out), "--service-area"]
    )  # fmt: skip
    assert code == 0
    iso = gpd.read_file(out, layer="isochrones")
    assert iso.crs.to_epsg() == 4326 and len(iso) == 4
    assert set(iso.columns) >= {"station_id", "minutes", "geometry"}
    assert len(gpd.read_file(out, layer="service_area")) == 2
    # probe 27A: the polygons said nothing of the speed and model they rest on
    assert (iso["walk_speed_kmh"] == 4.5).all() and (iso["walk_model"] == "stairs").all()
    assert set(gpd.read_file(out, layer="service_area")["walk_direction"]) == {"from-station"}
    page = tmp_path / "reach.html"
    code = main(["-q", "map", "--network", str(net), "--stations", str(station_csv), "--crs",
                 "wgs84", "--walk-speed", "3.2", "--out", str(page)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    title = re.search(r"<title>(.*?)</title>", page.read_text("utf-8")).group(1)
    assert title.startswith("渝工港湾步行范围（从站点步行15分钟，3.2公里/小时"), title

    code = main(
        ["-q", "isochrones", "--network", str(net), "--stations", str(station_csv), "--crs",
         "wgs84", "--status", "existing", "--out", str(tmp_path / "iso.geojson")]
    )  # fmt: skip
    assert code == 0
    assert set(gpd.read_file(tmp_path / "iso.geojson").station_id) == {"A1"}

    cov = tmp_path / "cov"
    code = main(
        ["-q", "coverage", "--network", str(net), "--stations", str(station_csv), "--crs",
         "wgs84", "--demand", "grid:20", "--minutes", "2", "--exit-candidates", "100",
         "--out", str(cov)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    summary = json.loads((cov / "summary.json").read_text("utf-8"))
    keys = {"stations", "minutes", "walk_speed_kmh", "walk_model", "demand_kind",
            "demand_total", "demand_covered", "coverage_pct", "euclidean_coverage_pct"}  # fmt: skip
    assert keys <= set(summary)
    assert summary["demand_kind"] == "grid"
    assert 0 < summary["coverage_pct"] < 100
    stations_csv = pd.read_csv(cov / "stations.csv", encoding="utf-8-sig")
    assert {"unique_demand", "shared_demand", "importance_rank"} <= set(stations_csv.columns)
    by = pd.read_csv(cov / "by_district.csv", encoding="utf-8-sig")
    assert by["demand_total"].sum() == pytest.approx(summary["demand_total"])
    html = (cov / "report.html").read_text("utf-8")
    assert "http://" not in html and "https://" not in html and "一号站" in html
    assert (cov / "report.xlsx").stat().st_size > 0
    page = (cov / "map.html").read_text("utf-8")
    assert '<script src="http' not in page and "一号站" in page
    import pyogrio

    names = {row[0] for row in pyogrio.list_layers(cov / "layers.gpkg")}
    assert {"stations", "gaps", "isochrones", "service_area"} <= names
    exits = pd.read_csv(cov / "exit_candidates.csv", encoding="utf-8-sig")
    # A1, the one built station, loses all the built stations cover if it closed now: no
    # exit (A2, proposed, would back it up, but is not built: probe 21G)
    assert exits.empty and "exit_loss_built_pct" in exits.columns
    gaps = gpd.read_file(cov / "gaps.gpkg", layer="gaps")
    covered = gpd.read_file(cov / "covered.gpkg", layer="covered")
    assert len(gaps) + len(covered) == summary["demand_points"]


def test_cli_map(tmp_path, station_csv):
    out = tmp_path / "m.html"
    code = main(
        ["-q", "map", "--network", str(DATA / "diamond.geojson"), "--stations",
         str(station_csv), "--crs", "wgs84", "--map-bands", "1,2", "--basemap", "none",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    page = out.read_text("utf-8")
    assert '<script src="http' not in page and "二号站" in page
    bad = ["-q", "map", "--network", str(DATA / "diamond.geojson"), "--stations",
           str(station_csv), "--crs", "wgs84", "--out", str(tmp_path / "m.png")]  # fmt: skip
    assert main(bad) == 2  # --out: a usage error (issue 16)


def test_cli_coverage_main_street_options(tmp_path, station_csv, capsys):
    base = ["-q", "coverage", "--network", str(DATA / "diamond.geojson"), "--stations",
            str(station_csv), "--crs", "wgs84"]  # fmt: skip
    out = tmp_path / "ms"
    code = main([*base, "--main-street-classes", "residential", "--spacing", "25", "--out",
                 str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["demand_kind"] == "main-streets"
    assert summary["demand_points"] == 4  # A-S and S-B, 50 m each, a point per 25 m
    assert summary["demand_total"] == pytest.approx(100.0)
    assert main([*base, "--population", "5", "--out", str(tmp_path / "p")]) == 3
    assert "population" in capsys.readouterr().err


def test_cli_coverage_bad_demand_spec(tmp_path, station_csv, capsys):
    code = main(
        ["-q", "coverage", "--network", str(DATA / "diamond.geojson"), "--stations",
         str(station_csv), "--crs", "wgs84", "--demand", "people:everywhere", "--out",
         str(tmp_path / "o")]
    )  # fmt: skip
    assert code == 2  # the text of --demand: a usage error (issue 16)
    err = capsys.readouterr().err
    assert "demand" in err and "Traceback" not in err
    assert not (tmp_path / "o" / "summary.json").exists()


def test_redundancy_and_double_coverage_hand_computed(diamond, pts):
    # stations at (25, 3) [S0] and (75, 3) [S1], both on A-S-B; demand at A, at F, at B and
    # mid B-C. Within 1 min: S0 reaches A (22.4 s), F (46.4 s), B? 62.4 s: no.
    # S1 (on S-B at its middle, 2.4 s access) reaches B at 2.4 + 20 = 22.4 s, A at
    # 2.4 + 20 + 40 = 62.4 s: no; F at 2.4 + 20 + 24 = 46.4 s.
    demand = pts((0, 0), (50, -30), (100, 0), (100, 50))
    demand["weight"] = [1.0, 2.0, 4.0, 8.0]
    res = coverage(diamond, pts((25, 3), (75, 3)), demand, minutes=1)
    assert list(res.demand["n_stations"]) == [1, 2, 1, 0]
    st = res.stations.set_index("station_id")
    assert st.loc["S0", "demand_covered"] == 3.0 and st.loc["S1", "demand_covered"] == 6.0
    assert st.loc["S0", "unique_demand"] == 1.0 and st.loc["S1", "unique_demand"] == 4.0
    assert st.loc["S0", "shared_demand"] == 2.0 and st.loc["S1", "shared_demand"] == 2.0
    assert st.loc["S1", "importance_rank"] == 1 and st.loc["S0", "importance_rank"] == 2
    assert st.loc["S0", "exit_loss_pct"] == pytest.approx(100 * 1 / 7)
    s = res.summary
    assert s["demand_covered"] == 7.0 and s["demand_double_covered"] == 2.0
    assert s["double_coverage_pct"] == pytest.approx(100 * 2 / 15, abs=0.01)
    # the pairwise count agrees with the one-search coverage
    assert ((res.demand["n_stations"] >= 1) == res.demand["covered"]).all()


def test_stations_covering_nothing_alone_are_counted_and_ranked_by_what_they_cover(diamond, pts):
    """Probe 27Q: stations covering nothing alone took their ranks by their rows, and no
    output counted them; a station off the network left a gap in the ranks. S2 (5 m from A)
    covers A alone with S0, S0 covers A and F (F with S1): both redundant, S0 ranks above S2;
    the station far off the network gets -1 and the ranks are 1..3."""
    demand = pts((0, 0), (50, -30), (100, 0), (100, 50))
    demand["weight"] = [1.0, 2.0, 4.0, 8.0]
    stations = pts((5000, 5000), (5, 3), (25, 3), (75, 3))  # Soff, S2, S0, S1 in that order
    stations["station_id"] = ["Soff", "S2", "S0", "S1"]
    res = coverage(diamond, stations, demand, minutes=1, max_dist_m=50)
    st = res.stations.set_index("station_id")
    assert st.loc[["S2", "S0", "S1"], "unique_demand"].tolist() == [0.0, 0.0, 4.0]
    assert st.loc[["S2", "S0"], "demand_covered"].tolist() == [1.0, 3.0]
    ranks = st["importance_rank"].to_dict()
    assert ranks == {"Soff": -1, "S2": 3, "S0": 2, "S1": 1}, ranks
    assert res.summary["stations_redundant"] == 2


def test_coverage_within_each_band_nests_and_ends_at_the_limit(pts):
    """Probe 27Q: the 5/10-minute shares were polygons only. The summary gives the demand
    within each map band of its nearest station, the last band the coverage itself. At
    0.6 km/h (10 m a minute) from S0 at (25, 3): A 28 m (2.8 min), F 58 m (5.8 min), B 78 m
    (7.8 min); the B-C point lies in a piece cut off the network (never covered)."""
    from conftest import DATA
    from harbor_planner import build_network

    slow = build_network(DATA / "network" / "diamond.geojson", walk_speed_kmh=0.6,
                         progress=False)  # fmt: skip
    demand = pts((0, 0), (50, -30), (100, 0), (100, 50))
    demand["weight"] = [1.0, 2.0, 4.0, 8.0]
    res = coverage(slow, pts((25, 3)), demand, minutes=15)
    bands = res.summary["coverage_by_minutes"]
    assert [b["minutes"] for b in bands] == [5.0, 10.0, 15.0]
    assert [b["demand_covered"] for b in bands] == [1.0, 7.0, 7.0]
    assert [b["coverage_pct"] for b in bands] == [6.67, 46.67, 46.67]
    assert bands[-1]["coverage_pct"] == res.summary["coverage_pct"]
    twelve = coverage(slow, pts((25, 3)), demand, minutes=12).summary["coverage_by_minutes"]
    assert [(b["minutes"], b["demand_covered"]) for b in twelve] == [
        (5.0, 1.0), (10.0, 7.0), (12.0, 7.0)
    ]  # fmt: skip


def test_replacement_site_recovers_what_a_closing_station_alone_covers(diamond, pts):
    from harbor_planner.analysis.redundancy import replacement_sites
    from harbor_planner.optimize import CoverageMatrix

    demand = pts((0, 0), (50, -30), (100, 0), (100, 50))
    demand["weight"] = [1.0, 2.0, 4.0, 8.0]
    res = coverage(diamond, pts((25, 3), (75, 3)), demand, minutes=1)
    # c0 covers F (shared, nothing lost there); c1 covers A (S0's own) and the B-C point
    covers = np.array([[0, 1], [1, 0], [0, 0], [0, 1]], dtype=bool)
    cm = CoverageMatrix.from_arrays(covers, demand["weight"], candidate_ids=["c0", "c1"])
    table = replacement_sites(res, cm, [0, 1]).set_index("station_id")
    assert table.loc["S0", "lost_demand"] == 1.0
    assert table.loc["S0", "replacement_site"] == "c1"
    assert table.loc["S0", "recovered_pct"] == 100.0
    assert table.loc["S1", "lost_demand"] == 4.0  # B: nobody else reaches it
    assert table.loc["S1", "recovered_demand"] == 0.0  # no candidate covers B
    assert pd.isna(table.loc["S1", "replacement_site"])


def test_closed_stations_are_out_of_coverage(diamond, pts):
    demand = pts((0, 0), (100, 0))
    demand["weight"] = [1.0, 1.0]
    st = pts((25, 3), (75, 3))
    st["status"] = ["existing", "closed"]
    res = coverage(diamond, st, demand, minutes=1)
    assert res.summary["stations"] == 1 and list(res.demand["covered"]) == [True, False]
    st["status"] = "closed"
    with pytest.raises(InputDataError, match="open"):
        coverage(diamond, st, demand, minutes=1)


def test_straight_line_circles_equal_a_brute_force_search():
    """The straight-line coverage (a search bounded at the radius) is the plain minimum distance
    test, points at exactly the radius included and stations off the network left out."""
    from types import SimpleNamespace

    import geopandas as gpd
    import shapely
    from scipy.spatial.distance import cdist

    from harbor_planner.analysis.coverage import _euclidean_covered

    rng = np.random.default_rng(5)
    radius = 1125.0
    st_xy = 600000.0 + rng.random((40, 2)) * 8000.0
    on = rng.random(40) > 0.2
    dem_xy = np.vstack([
        600000.0 + rng.random((3000, 2)) * 9000.0,
        st_xy[on][:5] + np.array([radius, 0.0]),  # exactly at the radius
        st_xy[on][5:8] + np.array([0.0, -radius * (1 + 1e-12)]),  # just beyond it
    ])  # fmt: skip

    def frame(xy):
        return gpd.GeoDataFrame(geometry=shapely.points(xy), crs="EPSG:32648")

    got = _euclidean_covered(SimpleNamespace(crs="EPSG:32648"), frame(st_xy), frame(dem_xy),
                             on, radius)  # fmt: skip
    want = cdist(dem_xy, st_xy[on]).min(axis=1) <= radius
    assert np.array_equal(got, want)
    assert got[-8:-3].all() and 0 < got.sum() < len(got)


def test_a_source_on_a_loop_edge_leaves_by_its_shorter_side(tmp_path):
    """A station on a street that returns to its own node (u == v): the nearer way out.

    A 1 km street ends at a node with an 800 m loop; the station stands on the loop 80 m
    from that node one way and 720 m the other way: at 1.25 m/s it reaches the node in 64 s
    (not 64 + 576 s, the sum of its two links), and a point 990 m down the street in 856 s.
    """
    from harbor_planner.network import loop_links
    from harbor_planner.serve.reach import DemandReach

    x0, y0 = 640000.0, 3270000.0
    ring = [[x0 + 1000, y0], [x0 + 1000, y0 + 200], [x0 + 1200, y0 + 200], [x0 + 1200, y0],
            [x0 + 1000, y0]]  # fmt: skip
    feats = [{"type": "Feature", "properties": {"highway": "residential"},
              "geometry": {"type": "LineString", "coordinates": c}}
             for c in ([[x0, y0], [x0 + 1000, y0]], ring)]  # fmt: skip
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}
    path = tmp_path / "loop.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": feats}))
    net = build_network(path, progress=False)
    loop = net.edges.index[net.edges["u"] == net.edges["v"]]
    assert len(loop) == 1 and net.edges.loc[loop[0], "length_m"] == pytest.approx(800.0)
    node = int(net.edges.loc[loop[0], "u"])
    st = gpd.GeoDataFrame({"station_id": ["L"]}, geometry=gpd.points_from_xy([x0 + 1000],
                          [y0 + 80]), crs="EPSG:32648")  # fmt: skip
    a = anchor_points(net, st)
    nodes, times = reachability(net, a, minutes=15).times(0)
    assert times[nodes == node][0] == pytest.approx(64.0)
    np.testing.assert_allclose(times[np.argsort(nodes)], nearest_station(net, a).time_s)
    demand = gpd.GeoDataFrame({"weight": [1.0, 1.0]}, geometry=gpd.points_from_xy(
        [x0 + 10, x0 + 1200], [y0, y0 + 150]), crs="EPSG:32648")  # fmt: skip
    cov = coverage(net, st, demand, minutes=15)
    assert cov.demand["covered"].tolist() == [True, True]  # 856 s and 64 + 280 / 1.25 s
    assert cov.demand["n_stations"].tolist() == [1, 1]  # the pairs agree with the times
    d = anchor_points(net, demand)
    reach = DemandReach(net, d, np.c_[demand.geometry.x, demand.geometry.y], minutes=15)
    assert reach.station(a, np.array([x0 + 1000, y0 + 80])).walk.tolist() == [0, 1]
    both = loop_links(np.array([[3, 3], [3, 4]]), np.array([[5.0, 2.0], [5.0, 2.0]]))
    assert both.tolist() == [[2.0, np.inf], [5.0, 2.0]]


def test_a_replacement_is_never_the_closing_stations_own_spot(diamond, pts):
    """A candidate at the station itself (its own shop as an OSM point) recovers everything;
    replacements lie at least EXIT_REPLACEMENT_MIN_DIST_M away."""
    from harbor_planner.analysis.redundancy import replacement_sites
    from harbor_planner.optimize import CoverageMatrix
    from harbor_planner.settings import EXIT_REPLACEMENT_MIN_DIST_M

    demand = pts((0, 0), (50, -30), (100, 0), (100, 50))
    demand["weight"] = [1.0, 2.0, 4.0, 8.0]
    stations = pts((25, 3), (75, 3))
    res = coverage(diamond, stations, demand, minutes=1)
    covers = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]], dtype=bool)
    xy = np.array([[25.0, 3.0], [300.0, 0.0], [80.0, 3.0]])  # S0's spot, far away, by S1
    cm = CoverageMatrix.from_arrays(covers, demand["weight"], candidate_ids=["own", "far", "s1"],
                                    candidate_xy=xy)  # fmt: skip
    station_xy = np.array([[25.0, 3.0], [75.0, 3.0]])
    assert replacement_sites(res, cm, [0])["replacement_site"].tolist() == ["own"]  # before
    table = replacement_sites(res, cm, [0, 1], station_xy=station_xy).set_index("station_id")
    assert table.loc["S0", "replacement_site"] == "far"
    assert table.loc["S0", "replacement_dist_m"] >= EXIT_REPLACEMENT_MIN_DIST_M
    assert pd.isna(table.loc["S1", "replacement_site"])  # only "own", 50 m from S1, covers B


def test_of_replacements_recovering_as_much_the_nearest_is_named(diamond, pts):
    """Sites recovering the same demand: the one nearest the closing station (probe 13H: the
    first candidate, 533 m away where one 107 m away recovered as much)."""
    from harbor_planner.analysis.redundancy import replacement_sites
    from harbor_planner.optimize import CoverageMatrix

    demand = pts((0, 0), (50, -30), (100, 0), (100, 50))
    demand["weight"] = [1.0, 2.0, 4.0, 8.0]
    stations = pts((25, 3), (75, 3))
    res = coverage(diamond, stations, demand, minutes=1)
    covers = np.array([[1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=bool)
    xy = np.array([[600.0, 0.0], [140.0, 3.0], [300.0, 0.0]])  # all three recover the same
    cm = CoverageMatrix.from_arrays(covers, demand["weight"], candidate_ids=["a", "near", "c"],
                                    candidate_xy=xy)  # fmt: skip
    table = replacement_sites(res, cm, [0], station_xy=np.array([[25.0, 3.0], [75.0, 3.0]]))
    assert table["replacement_site"].tolist() == ["near"]


def test_the_maps_station_limit_counts_stations_on_the_network(tmp_path):
    """Probe 19X: "3406 stations, more than output.map_max_stations 300: isochrones left
    out" when 806 of them lay on the network (the others have no isochrone anyway)."""
    import pandas as pd

    from harbor_planner.scenario import demo_scenario_path, load_scenario, run

    demo = demo_scenario_path().parent
    table = pd.read_csv(demo / "stations.csv", encoding="gb18030", dtype=str, header=1)
    far = table.iloc[:3].assign(编号=["F1", "F2", "F3"], 经度=["106.90", "106.91", "106.92"],
                                纬度=["29.90", "29.91", "29.92"])  # fmt: skip
    path = tmp_path / "st.csv"
    pd.concat([table, far]).to_csv(path, index=False, encoding="utf-8-sig")
    n_on = len(table)
    sc = load_scenario(demo_scenario_path(), overrides=[
        f"stations.file={path}", "stations.crs=gcj02", "optimize.enabled=false",
        'output.formats=["gpkg"]', "coverage.range=false", "output.map_bands=[5]",
        f"output.map_max_stations={n_on}", f"output.dir={tmp_path / 'out'}",
    ])  # fmt: skip
    result = run(sc, progress=False)
    assert result.summary["coverage"]["stations"] == n_on + 3
    import pyogrio

    layers = {n for n, _ in pyogrio.list_layers(tmp_path / "out" / "layers.gpkg")}
    assert "isochrones" in layers


@pytest.mark.parametrize("method", ["exact", "grid"])
def test_a_station_set_back_from_its_street_lies_in_its_own_polygons(tmp_path, method):
    """Probe 22I: a station farther than the corridor from its street (YZ024, 43 m) lay
    outside its own isochrones; the walk to the street is drawn in where it fits the band."""
    from osm_files import X0, Y0, write_osm

    ways = [(1, [(0.0, 0.0), (300.0, 0.0), (600.0, 0.0)], {"highway": "residential"})]
    net = build_network(write_osm(tmp_path / "s.osm", ways), progress=False)
    pts = [shapely.Point(X0 + 300, Y0 + 60), shapely.Point(X0 + 100, Y0 + 10)]
    st = gpd.GeoDataFrame({"station_id": ["far", "near"]}, geometry=pts, crs="EPSG:32648")
    iso = isochrones(net, st, minutes=[1, 5], crs="EPSG:32648", method=method)
    by = {(r.station_id, r.minutes): r.geometry for r in iso.itertuples()}
    assert by[("far", 5.0)].contains(pts[0])
    assert by[("far", 1.0)].difference(by[("far", 5.0)]).area < 1e-3  # nested
    # 60 m at 4.5 km/h is 48 s: within 1 minute too, reaching the street only just
    assert by[("far", 1.0)].contains(pts[0])
    assert by[("near", 5.0)].contains(pts[1])
    plain = isochrones(net, st.iloc[[1]], minutes=[1, 5], crs="EPSG:32648", method=method)
    assert plain.geometry.iloc[0].equals(by[("near", 5.0)])  # on its street: as before


def test_isochrones_name_the_stations_they_leave_out(tmp_path, caplog):
    """Probe 22I: `run` named a station off the network, `isochrones` left it out silently."""
    import logging

    from osm_files import X0, Y0, write_osm

    ways = [(1, [(0.0, 0.0), (300.0, 0.0)], {"highway": "residential"})]
    net = build_network(write_osm(tmp_path / "s.osm", ways), progress=False)
    st = gpd.GeoDataFrame(
        {"station_id": ["S1", "FAR"], "name": ["一号", "远站"]},
        geometry=[shapely.Point(X0 + 100, Y0 + 5), shapely.Point(X0 + 100, Y0 + 400)],
        crs="EPSG:32648",
    )
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        iso = isochrones(net, st, minutes=[5], crs="EPSG:32648", method="exact")
    assert list(iso["station_id"]) == ["S1"]
    assert "1 of 2 stations are farther than 150 m" in caplog.text and "远站 (FAR)" in caplog.text


def test_the_maps_station_limit_names_a_way_run_takes(tmp_path, caplog):
    """Probe 25R3: the warning named only --map-max-stations, which ``run`` refuses."""
    import logging

    from harbor_planner.scenario import demo_scenario_path, load_scenario, run

    sc = load_scenario(demo_scenario_path(), overrides=[
        "optimize.enabled=false", 'output.formats=["gpkg"]', "coverage.range=false",
        "output.map_bands=[5]", "output.map_max_stations=1", f"output.dir={tmp_path / 'out'}",
    ])  # fmt: skip
    with caplog.at_level(logging.WARNING):
        run(sc, progress=False)
    assert "the isochrones and the service area are left out of the map" in caplog.text
    assert "--set output.map_max_stations=N with run" in caplog.text


def test_twin_stations_at_one_place_credit_one_of_them_everywhere(diamond):
    """Probe 25F: a list naming a stop twice (same coordinates) gave the demand on the
    stations' own street to the first and everything reached through the network to the
    second (2,147 against 55,659 people): the first now takes all, as along the street."""
    from harbor_planner.demand import demand_from_spec

    edges = diamond.edges_gdf()
    place = edges.geometry.iloc[0].interpolate(0.3, normalized=True)
    st = gpd.GeoDataFrame({"station_id": ["A", "B"]}, geometry=[place, place], crs=edges.crs)
    demand = demand_from_spec("grid:10", network=diamond)
    cov = coverage(diamond, st, demand, minutes=5)
    reached = cov.demand["nearest_station"].dropna()
    assert len(reached) > 20 and set(reached) == {"A"}
    alone = coverage(diamond, st.iloc[:1], demand, minutes=5)
    assert np.array_equal(cov.demand["time_min"], alone.demand["time_min"], equal_nan=True)


def test_of_twin_stations_the_built_one_is_the_nearest(diamond):
    """Probe 25R4: a proposed copy listed before its built station took all the demand; the
    built station showed 0 and ranked last, like a station to close."""
    from harbor_planner.demand import demand_from_spec

    edges = diamond.edges_gdf()
    place = edges.geometry.iloc[0].interpolate(0.3, normalized=True)
    st = gpd.GeoDataFrame({"station_id": ["P", "B"], "status": ["proposed", "existing"]},
                          geometry=[place, place], crs=edges.crs)  # fmt: skip
    cov = coverage(diamond, st, demand_from_spec("grid:10", network=diamond), minutes=5)
    assert set(cov.demand["nearest_station"].dropna()) == {"B"}

"""Walk-network engine: sources, walking times, compilation, save/load, snapping, errors.

The diamond (``tests/data/network/diamond.geojson``, EPSG:32648, metres from 600000/3260000)::

        G(-50,50)                      island (1000,1000)-(1100,1000): own component, dropped
          \\  bridge footway E-G (crosses B-C without a common vertex: no junction)
    D(0,100) ---- steps, 200 steps ---- C(100,100)
      |  footway, oneway:foot D->A        |  steps, incline=up B->C
    A(0,0) --- S(50,0) --- residential --- B(100,0) === escalator B->E === E(200,0)
               |  footway S-F, drawn ending 0.4 m short of A-B (a T-junction)
             F(50,-30)
    (+ a primary A-(100,-100)-E with foot=no: dropped)

Hand-computed times at 4.5 km/h = 1.25 m/s (stairs model):
A-S, S-B: 50 / 1.25 = 40 s each way. B->C: 100 x 2.20 / 1.25 = 176 s; C->B 100 x 1.93 / 1.25 =
154.4 s. C-D: 200 steps x 0.30 m = 60 m of stairs at the mean factor 2.065 + 40 m landing:
(60 x 2.065 + 40) / 1.25 = 131.12 s each way. D->A: 100 / 1.25 = 80 s; A->D not walkable.
B->E: 100 / cos 30 deg / 0.5 m/s = 230.94 s; E->B not walkable. S-F: 30 / 1.25 = 24 s.
"""

from __future__ import annotations

import bz2
import gzip
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from scipy.sparse.csgraph import dijkstra

from harbor_planner import (
    CRSError,
    InputDataError,
    NetworkError,
    WalkModel,
    build_network,
    load_network,
    save_network,
    snap_points,
)
from harbor_planner.cli import main
from harbor_planner.network import edge_times, tobler_factor
from harbor_planner.network.walk import KIND_ESCALATOR, KIND_STEPS, KIND_WALK

DATA = Path(__file__).parent / "data" / "network"
DIAMOND = DATA / "diamond.geojson"
TINY = DATA / "tiny.osm"
X0, Y0 = 600000.0, 3260000.0
GEOD = Geod(ellps="WGS84")


def node_at(net, x, y):
    d = np.hypot(net.node_xy[:, 0] - (X0 + x), net.node_xy[:, 1] - (Y0 + y))
    i = int(np.argmin(d))
    assert d[i] < 1e-6, f"no node at ({x}, {y}); nearest is {d[i]:.3f} m away"
    return i


def times_from(net, i):
    return dijkstra(net.time_graph(), directed=True, indices=i)


# --------------------------------------------------------------------------- walk model


def test_tobler_factor_is_one_on_the_level_and_peaks_slightly_downhill():
    assert tobler_factor(0.0) == pytest.approx(1.0)
    assert tobler_factor(-0.05) == pytest.approx(math.exp(0.175))
    assert tobler_factor(0.10) == pytest.approx(math.exp(-0.35))
    assert tobler_factor(0.10) < tobler_factor(-0.10) < tobler_factor(0.0) + 1e-12


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("speed_kmh", 0),
        ("speed_kmh", float("nan")),
        ("stairs_up_factor", -1),
        ("kind", "steep"),
        ("direction", "uphill"),
    ],
)
def test_walk_model_rejects_bad_settings_naming_them(field, value):
    with pytest.raises(InputDataError, match=field if field != "kind" else "kind"):
        WalkModel(**{field: value})


def test_walk_model_round_trips_through_dict_and_rejects_unknown_keys():
    m = WalkModel(kind="flat", speed_kmh=3.2)
    assert WalkModel.from_dict(m.to_dict()) == m
    with pytest.raises(InputDataError, match="speeed"):
        WalkModel.from_dict({"speeed": 4})


def test_edge_times_hand_computed():
    n = np.nan
    fwd, bwd = edge_times(
        WalkModel(),
        length_m=[100, 100, 100, 100, 0],
        kind=[KIND_WALK, KIND_STEPS, KIND_STEPS, KIND_ESCALATOR, KIND_WALK],
        step_count=[n, n, 200, n, n],
        incline=[0, 1, 0, 0, 0],
        fwd_ok=[True, True, True, True, True],
        bwd_ok=[True, True, True, False, True],
        elevator_ends=[0, 0, 0, 0, 2],
    )
    np.testing.assert_allclose(
        fwd, [80, 176, (60 * 2.065 + 40) / 1.25, 100 / math.cos(math.pi / 6) / 0.5, 60]
    )
    np.testing.assert_allclose(bwd[:3], [80, 154.4, (60 * 2.065 + 40) / 1.25])
    assert bwd[3] == np.inf


def test_hilly_times_need_elevation():
    with pytest.raises(NetworkError, match="--dem"):
        edge_times(
            WalkModel(kind="hilly"),
            length_m=[1.0],
            kind=[0],
            step_count=[np.nan],
            incline=[0],
            fwd_ok=[True],
            bwd_ok=[True],
            elevator_ends=[0],
        )


# --------------------------------------------------------------------------- diamond (lines)


def test_diamond_topology(diamond):
    net = diamond
    assert net.crs == "EPSG:32648"
    assert net.n_nodes == 8  # A S B C D E F G; the island and the foot=no primary are gone
    assert net.n_edges == 8
    assert net.source["dropped_nodes"] == 2
    for x, y in [(0, 0), (50, 0), (100, 0), (100, 100), (0, 100), (200, 0), (50, -30), (-50, 50)]:
        node_at(net, x, y)
    # the bridge crosses B-C at (100, 30) without a common vertex: no junction there
    assert np.hypot(*(net.node_xy - [X0 + 100, Y0 + 30]).T).min() > 1
    noding = net.source["noding"]
    assert noding["t_junctions"] == 1
    assert noding["ends_snapped"] == 2  # D-A's stray end onto A, S-F's end onto A-B
    assert noding["max_move_m"] == pytest.approx(0.4)  # S-F drawn ending 0.4 m short


def test_diamond_times_hand_computed(diamond):
    net = diamond
    a, s, b, c, d, e, f, g = (
        node_at(net, *p)
        for p in [(0, 0), (50, 0), (100, 0), (100, 100), (0, 100), (200, 0), (50, -30), (-50, 50)]
    )
    from_a = times_from(net, a)
    assert from_a[s] == pytest.approx(40)
    assert from_a[b] == pytest.approx(80)
    assert from_a[f] == pytest.approx(64)
    assert from_a[c] == pytest.approx(80 + 176)
    assert from_a[d] == pytest.approx(80 + 176 + 131.12)  # A->D is one-way the other way
    esc = 100 / math.cos(math.pi / 6) / 0.5
    assert from_a[e] == pytest.approx(80 + esc)
    bridge = math.hypot(250, 50) / 1.25
    assert from_a[g] == pytest.approx(80 + esc + bridge)
    assert times_from(net, d)[a] == pytest.approx(80)
    assert times_from(net, c)[b] == pytest.approx(154.4)
    # the escalator runs B->E only and the bridge leads nowhere else: E cannot reach B
    assert times_from(net, e)[b] == np.inf


def test_flat_model_ignores_stairs_but_keeps_directions(diamond):
    flat = diamond.with_walk_model(WalkModel(kind="flat"))
    a, c, e = (node_at(flat, *p) for p in [(0, 0), (100, 100), (200, 0)])
    from_a = times_from(flat, a)
    assert from_a[c] == pytest.approx(160)
    assert from_a[e] == pytest.approx(160)
    assert times_from(flat, e)[a] == np.inf
    # re-timing returns a new network and leaves the original as it was
    assert diamond.walk_model.kind == "stairs"


def test_walk_speed_scales_times(diamond):
    slow = diamond.with_walk_model(WalkModel(speed_kmh=3.0))
    ratio = slow.edges["time_fwd_s"] / diamond.edges["time_fwd_s"]
    walk = diamond.edges["kind"].to_numpy() == KIND_WALK
    np.testing.assert_allclose(ratio[walk], 4.5 / 3.0)
    esc = diamond.edges["kind"].to_numpy() == KIND_ESCALATOR
    np.testing.assert_allclose(ratio[esc], 1.0)  # machines do not slow down


def test_keep_all_keeps_the_island():
    net = build_network(DIAMOND, keep_all=True, progress=False)
    assert net.n_nodes == 10
    assert net.n_edges == 9


def test_zero_snap_tolerance_leaves_gaps_open():
    net = build_network(DIAMOND, snap_tolerance_m=0, keep_all=True, progress=False)
    assert net.source["noding"]["t_junctions"] == 0
    assert net.n_nodes > 10


# --------------------------------------------------------------------------- hilly on a plane


@pytest.fixture(scope="module")
def plane_dem(tmp_path_factory):
    """A 10 % grade rising eastward: z = 0.1 (x - X0) + 100, 10 m cells, EPSG:32648."""
    import rasterio
    from affine import Affine

    path = tmp_path_factory.mktemp("dem") / "plane.tif"
    west, north, cell = X0 - 200, Y0 + 300, 10.0
    cols, rows = 60, 60
    xc = west + cell * (np.arange(cols) + 0.5)
    z = np.tile(0.1 * (xc - X0) + 100, (rows, 1)).astype("float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=cols,
        height=rows,
        count=1,
        dtype="float32",
        crs="EPSG:32648",
        transform=Affine(cell, 0, west, 0, -cell, north),
        nodata=-9999,
    ) as dst:
        dst.write(z, 1)
    return path


def test_hilly_uphill_slower_than_downhill_hand_computed(plane_dem):
    net = build_network(DIAMOND, dem=plane_dem, progress=False)
    assert net.walk_model.kind == "hilly"
    a, b, c, d = (node_at(net, *p) for p in [(0, 0), (100, 0), (100, 100), (0, 100)])
    assert net.nodes["z_m"][b] == pytest.approx(110)
    # A->B climbs 10 %: Tobler's x 1/exp(-0.35) = 1.42 is above the stairs' line
    # 1 + 2.4 x 0.10 (2.4 flat metres per metre of rise), which times it
    up = 100 * 1.24 / 1.25
    down = 100 / 1.25  # -10 %: Tobler's factor is exactly 1 again (below 1 + 1.86 x 0.1)
    assert times_from(net, a)[b] == pytest.approx(up)
    assert times_from(net, b)[a] == pytest.approx(down)
    # C->D descends 10 m: the untagged flight is downhill by the DEM
    assert times_from(net, c)[d] == pytest.approx((60 * 1.93 + 40) / 1.25)
    # the tagged flight B->C keeps its tag (incline=up)
    assert times_from(net, b)[c] == pytest.approx(176)
    # the bridge E-G meets the ground at E only (G is a dead end on the deck, 25 m lower on
    # the DEM): it is level with E, not graded by the ground below G
    e, g = node_at(net, 200, 0), node_at(net, -50, 50)
    assert net.nodes["z_m"][g] == pytest.approx(net.nodes["z_m"][e])
    assert times_from(net, e)[g] == pytest.approx(math.hypot(250, 50) / 1.25)


def test_dem_not_covering_the_network_is_an_error_or_flat(tmp_path, plane_dem):
    import rasterio
    from affine import Affine

    small = tmp_path / "small.tif"
    with rasterio.open(
        small,
        "w",
        driver="GTiff",
        width=7,
        height=2,
        count=1,
        dtype="float32",
        crs="EPSG:32648",
        transform=Affine(10, 0, X0 - 10, 0, -10, Y0 + 10),
    ) as dst:  # covers A-S only
        dst.write(np.full((2, 7), 50, dtype="float32"), 1)
    with pytest.raises(NetworkError, match=r"does not cover .* --dem-outside flat"):
        build_network(DIAMOND, dem=small, progress=False)
    net = build_network(DIAMOND, dem=small, dem_outside="flat", progress=False)
    assert net.source["dem_outside_edges"] == net.n_edges - 1
    a, s = node_at(net, 0, 0), node_at(net, 50, 0)
    assert times_from(net, a)[s] == pytest.approx(40)
    assert net.nodes["z_m"][a] == pytest.approx(50)


def test_dem_of_another_place_is_an_error(tmp_path):
    import rasterio
    from affine import Affine

    far = tmp_path / "far.tif"
    with rasterio.open(
        far,
        "w",
        driver="GTiff",
        width=3,
        height=3,
        count=1,
        dtype="float32",
        crs="EPSG:32648",
        transform=Affine(10, 0, X0 + 50000, 0, -10, Y0),
    ) as dst:
        dst.write(np.zeros((3, 3), dtype="float32"), 1)
    with pytest.raises(NetworkError, match="covers none"):
        build_network(DIAMOND, dem=far, dem_outside="flat", progress=False)


def test_unknown_dem_outside_is_refused_before_reading(plane_dem):
    with pytest.raises(InputDataError, match="dem_outside must be one of error, flat"):
        build_network(DIAMOND, dem=plane_dem, dem_outside="ignore", progress=False)


def test_hilly_without_dem_is_an_error():
    with pytest.raises(NetworkError, match="--dem"):
        build_network(DIAMOND, walk_model=WalkModel(kind="hilly"), progress=False)


def test_missing_dem_names_the_file(tmp_path):
    with pytest.raises(InputDataError, match=r"nope\.tif"):
        build_network(DIAMOND, dem=tmp_path / "nope.tif", progress=False)


def test_saved_network_gains_elevation_when_loaded_with_a_dem(tmp_path, diamond, plane_dem):
    path = tmp_path / "d.npz"
    save_network(diamond, path)
    net = build_network(path, dem=plane_dem)
    assert net.has_elevation and net.walk_model.kind == "hilly"
    a, b = node_at(net, 0, 0), node_at(net, 100, 0)
    assert times_from(net, a)[b] == pytest.approx(100 * 1.24 / 1.25)


def test_walk_speed_override_keeps_the_saved_model(tmp_path, plane_dem, capsys):
    path = tmp_path / "hilly.npz"
    save_network(build_network(DIAMOND, dem=plane_dem, progress=False), path)
    net = build_network(path, walk_speed_kmh=3.6)
    assert (net.walk_model.kind, net.walk_model.speed_kmh) == ("hilly", 3.6)
    a, b = node_at(net, 0, 0), node_at(net, 100, 0)
    assert times_from(net, b)[a] == pytest.approx(100.0)  # -10 %: factor 1 at 1 m/s
    assert main(["-q", "network", "info", str(path), "--walk-speed", "3.6"]) == 0
    assert "hilly at 3.6 km/h" in capsys.readouterr().out
    assert main(["-q", "network", "info", str(path), "--walk-speed", "-1"]) == 2
    assert "--walk-speed -1" in capsys.readouterr().err


# --------------------------------------------------------------------------- tiny OSM


def geod_len(*lonlat):
    lons, lats = zip(*lonlat, strict=True)
    return GEOD.line_length(lons, lats)


@pytest.fixture(scope="module")
def tiny():
    return build_network(TINY, progress=False)


def test_tiny_osm_filters_and_splits(tiny):
    net = tiny
    assert sorted(net.nodes["osmid"]) == [1, 3, 4, 5, 7, 8, 9]  # 2 is not a junction any more
    assert net.n_edges == 7
    assert set(net.edges["way_id"]) == {100, 101, 102, 106, 107, 108}
    assert set(net.edges["name"].dropna()) == {"测试步道"}


def test_names_keep_their_case():
    from harbor_planner.network._ways import interpret_tags

    _, attrs = interpret_tags(pd.DataFrame({"highway": ["Primary"], "name": [" New York "]}))
    assert attrs.loc[0, "name"] == "New York" and attrs.loc[0, "highway"] == "primary"


def test_tiny_osm_times(tiny):
    net = tiny
    idx = {int(o): i for i, o in enumerate(net.nodes["osmid"])}
    t = {int(o): times_from(net, i) for o, i in idx.items()}
    ll = {1: (106.5700, 29.5600), 3: (106.5710, 29.5600), 4: (106.5710, 29.5605),
          7: (106.5710, 29.5610), 8: (106.5710, 29.5615), 9: (106.5700, 29.5615),
          5: (106.5700, 29.5595)}  # fmt: skip
    rel = 2e-4  # UTM 48N scale error at 106.5 E is 1.4e-4
    assert t[1][idx[3]] == pytest.approx(geod_len(ll[1], ll[3]) / 1.25, rel=rel)
    esc = geod_len(ll[3], ll[4]) / math.cos(math.pi / 6) / 0.5
    assert t[3][idx[4]] == pytest.approx(esc, rel=rel)
    assert t[4][idx[3]] > esc  # no walking down a forward escalator: around via 1
    # the lift costs 30 s on each side: passing through 60 s, reaching it 30 s
    assert t[4][idx[7]] == pytest.approx(geod_len(ll[4], ll[7]) / 1.25 + 30, rel=rel)
    assert t[4][idx[8]] == pytest.approx(geod_len(ll[4], ll[8]) / 1.25 + 60, rel=rel)
    stairs = geod_len(ll[8], ll[9])
    assert t[8][idx[9]] == pytest.approx((6 * 1.93 + stairs - 6) / 1.25, rel=rel)
    assert t[9][idx[8]] == pytest.approx((6 * 2.20 + stairs - 6) / 1.25, rel=rel)
    # oneway:foot=-1 on way 9->1: walkable 1->9 only
    assert t[1][idx[9]] == pytest.approx(geod_len(ll[1], ll[9]) / 1.25, rel=rel)
    assert t[9][idx[1]] > t[1][idx[9]] * 3
    # oneway=yes is for vehicles: 5->1 is walkable
    assert t[5][idx[1]] == pytest.approx(geod_len(ll[5], ll[1]) / 1.25, rel=rel)


def _o5m_varint(n: int, *, signed: bool = False) -> bytes:
    if signed:
        n = 2 * n if n >= 0 else -2 * n - 1
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def _write_o5m(src: Path, dst: Path) -> None:
    """Nodes and ways of ``src`` as o5m (libosmium reads o5m but does not write it)."""
    import osmium

    def tags(obj) -> bytes:
        return b"".join(b"\0" + t.k.encode() + b"\0" + t.v.encode() + b"\0" for t in obj.tags)

    def dataset(kind: int, body: bytes) -> bytes:
        return bytes([kind]) + _o5m_varint(len(body)) + body

    out = bytearray(b"\xff\xe0\x04o5m2")
    last = [0, 0, 0]  # id, lon, lat (100 nanodegrees)
    for n in osmium.FileProcessor(str(src), osmium.osm.NODE):
        now = [n.id, round(n.location.lon * 1e7), round(n.location.lat * 1e7)]
        deltas = [_o5m_varint(a - b, signed=True) for a, b in zip(now, last, strict=True)]
        out += dataset(0x10, deltas[0] + b"\0" + deltas[1] + deltas[2] + tags(n))
        last = now
    out += b"\xff"  # reset the deltas before the ways
    last_id = last_ref = 0
    for w in osmium.FileProcessor(str(src), osmium.osm.WAY):
        refs = b""
        for nd in w.nodes:
            refs += _o5m_varint(nd.ref - last_ref, signed=True)
            last_ref = nd.ref
        body = _o5m_varint(w.id - last_id, signed=True) + b"\0" + _o5m_varint(len(refs)) + refs
        out += dataset(0x11, body + tags(w))
        last_id = w.id
    dst.write_bytes(bytes(out + b"\xfe"))


@pytest.mark.parametrize("compress", ["gz", "bz2", "pbf", "o5m"])
def test_compressed_and_pbf_osm_give_the_same_network(tmp_path, tiny, compress):
    if compress == "o5m":
        src = tmp_path / "tiny.o5m"
        _write_o5m(TINY, src)
    elif compress == "gz":
        src = tmp_path / "tiny.osm.gz"
        src.write_bytes(gzip.compress(TINY.read_bytes()))
    elif compress == "bz2":
        src = tmp_path / "tiny.osm.bz2"
        src.write_bytes(bz2.compress(TINY.read_bytes()))
    else:
        import osmium

        src = tmp_path / "tiny.osm.pbf"
        with osmium.SimpleWriter(str(src)) as w:
            for obj in osmium.FileProcessor(str(TINY)):
                w.add(obj)
    net = build_network(src, progress=False)
    assert net.n_nodes == tiny.n_nodes and net.n_edges == tiny.n_edges
    np.testing.assert_allclose(net.edges["time_fwd_s"], tiny.edges["time_fwd_s"])


def test_graphml_from_osmnx_matches_osm(tmp_path, tiny, monkeypatch):
    import osmnx as ox

    tags = [
        *ox.settings.useful_tags_way,
        "foot",
        "oneway:foot",
        "conveying",
        "incline",
        "step_count",
    ]
    monkeypatch.setattr(ox.settings, "useful_tags_way", tags)
    monkeypatch.setattr(ox.settings, "useful_tags_node", [*ox.settings.useful_tags_node])
    graph = ox.graph_from_xml(TINY, bidirectional=True, simplify=False, retain_all=True)
    path = tmp_path / "tiny.graphml"
    ox.save_graphml(graph, path)
    net = build_network(path, progress=False)
    # with the walking tags kept by OSMnx, the same streets and the same walking times (the
    # unsimplified graph has one more node: 2, where its edges 1-2 and 2-3 meet)
    assert net.n_nodes == tiny.n_nodes + 1
    assert net.edges["length_m"].sum() == pytest.approx(tiny.edges["length_m"].sum(), rel=1e-9)
    common = tiny.nodes["osmid"].to_numpy()
    pos = {o: i for i, o in enumerate(net.nodes["osmid"])}
    sel = [pos[o] for o in common]
    t_graphml = dijkstra(net.time_graph(), indices=sel)[:, sel]
    np.testing.assert_allclose(t_graphml, dijkstra(tiny.time_graph()), rtol=1e-9)


# --------------------------------------------------------------------------- save / load


def test_save_load_round_trip_is_identical(tmp_path, tiny):
    path = tmp_path / "tiny.npz"
    save_network(tiny, path)
    back = load_network(path)
    assert back.crs == tiny.crs and back.walk_model == tiny.walk_model
    assert back.source == tiny.source
    pd.testing.assert_frame_equal(back.nodes, tiny.nodes)
    pd.testing.assert_frame_equal(back.edges, tiny.edges)
    import shapely

    assert shapely.equals_exact(back.edge_geometry, tiny.edge_geometry, tolerance=0).all()
    g1, g2 = tiny.time_graph(), back.time_graph()
    assert (g1 != g2).nnz == 0


def test_load_with_other_model_retimes(tmp_path, tiny):
    path = tmp_path / "tiny.npz"
    save_network(tiny, path)
    flat = load_network(path, walk_model=WalkModel(kind="flat", speed_kmh=3.6))
    walk = flat.edges["fwd_ok"].to_numpy()
    np.testing.assert_allclose(
        flat.edges["time_fwd_s"][walk], flat.edges["length_m"][walk], rtol=1e-12
    )


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "x.npz"
    np.savez(bad, a=np.arange(3))
    with pytest.raises(InputDataError, match="not a network"):
        load_network(bad)
    with pytest.raises(InputDataError, match="file not found"):
        load_network(tmp_path / "missing.npz")


def test_edges_gpkg_export(tmp_path, tiny):
    import geopandas as gpd

    gpkg = tmp_path / "tiny.gpkg"
    save_network(tiny, tmp_path / "tiny.npz", edges_gpkg=gpkg)
    edges = gpd.read_file(gpkg, layer="edges")
    assert edges.crs.to_epsg() == 4326 and len(edges) == tiny.n_edges
    assert {"kind", "highway", "time_fwd_s", "length_m"} <= set(edges.columns)
    assert "escalator" in set(edges["kind"])
    assert not list(tmp_path.glob(".*tmp*"))  # no temp files left behind


# --------------------------------------------------------------------------- snapping


def test_snap_points_reports_distances_and_flags_far_points(diamond):
    import geopandas as gpd

    pts = gpd.GeoSeries.from_xy(
        [X0 + 20, X0 + 500], [Y0 + 3, Y0 + 500], crs="EPSG:32648", index=["near", "far"]
    )
    res = snap_points(diamond, pts, max_dist_m=150)
    frame = res.to_frame()
    assert list(frame.index) == ["near", "far"]
    assert frame.loc["near", "edge_dist_m"] == pytest.approx(3)
    assert frame.loc["near", "node_dist_m"] == pytest.approx(math.hypot(20, 3))
    assert res.node[0] == node_at(diamond, 0, 0)
    e = diamond.edges.loc[res.edge[0]]
    pos = res.edge_frac[0] if e.u == node_at(diamond, 0, 0) else 1 - res.edge_frac[0]
    assert pos == pytest.approx(20 / 50)
    assert list(frame["within"]) == [True, False]
    assert res.n_far == 1


def test_snap_points_transforms_wgs84_and_refuses_naive(diamond):
    import geopandas as gpd

    pts = gpd.GeoSeries.from_xy([X0 + 20], [Y0 + 3], crs="EPSG:32648").to_crs("EPSG:4326")
    assert snap_points(diamond, pts).edge_dist_m[0] == pytest.approx(3, abs=1e-6)
    with pytest.raises(CRSError, match="no CRS"):
        snap_points(diamond, gpd.GeoSeries.from_xy([0], [0]))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "is_osm"),
    [("a.osm", True), ("A.OSM.PBF", True), ("a.osm.xml", True), ("a.o5m", True),
     ("a.pbf", True), ("a.osm.bz2", True), ("a.geojson", False), ("osm", False)],
)  # fmt: skip
def test_is_osm_path_by_name(name, is_osm):
    from harbor_planner.network.osm import is_osm_path

    assert is_osm_path(name) is is_osm
    assert is_osm_path(Path("/some/dir") / name) is is_osm


def test_missing_and_unknown_sources(tmp_path):
    with pytest.raises(InputDataError, match="file not found"):
        build_network(tmp_path / "nope.osm")
    odd = tmp_path / "streets.txt"
    odd.write_text("x")
    with pytest.raises(InputDataError, match="unknown network source"):
        build_network(odd)


def test_corrupt_osm(tmp_path):
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='x'")
    with pytest.raises(InputDataError, match=r"bad\.osm: cannot read as OpenStreetMap"):
        build_network(bad, progress=False)
    truncated = tmp_path / "bad.osm.pbf"
    truncated.write_bytes(b"\x00\x00\x00\x0dgarbage" * 10)
    with pytest.raises(InputDataError, match=r"bad\.osm\.pbf"):
        build_network(truncated, progress=False)


def test_empty_network_after_filtering(tmp_path):
    src = tmp_path / "nofoot.osm"
    src.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="29.56" lon="106.57"/><node id="2" lat="29.561" lon="106.57"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way></osm>'
    )
    with pytest.raises(NetworkError, match="no walkable edges"):
        build_network(src, progress=False)


def test_line_layer_without_crs(tmp_path):
    import geopandas as gpd
    from shapely import LineString

    shp = tmp_path / "roads.shp"
    layer = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (1, 1)])])
    with pytest.warns(UserWarning, match="crs"):
        layer.to_file(shp)
    with pytest.raises(CRSError, match=r"roads\.shp: the line layer has no CRS"):
        build_network(shp, progress=False)


def test_polygon_layer_is_not_a_street_layer(tmp_path):
    import geopandas as gpd
    from shapely import box

    gj = tmp_path / "blocks.geojson"
    gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs="EPSG:4326").to_file(gj)
    with pytest.raises(InputDataError, match="expected a line layer"):
        build_network(gj, progress=False)


def test_geographic_metric_crs_is_refused():
    with pytest.raises(CRSError, match="geographic"):
        build_network(TINY, metric_crs="EPSG:4326", progress=False)


def test_a_metric_crs_that_stretches_distances_is_refused():
    """Probe 14L: Web Mercator's metres are 1.15 true ones at 29.5 N: every walk 15 % long."""
    with pytest.raises(CRSError, match=r"stretches distances by up to 1[45] %"):
        build_network(TINY, metric_crs="EPSG:3857", progress=False)
    a = build_network(TINY, metric_crs="EPSG:32648", progress=False)
    b = build_network(TINY, metric_crs="EPSG:32649", progress=False)  # the next UTM zone
    assert b.edges["length_m"].sum() == pytest.approx(a.edges["length_m"].sum(), rel=2e-3)


# --------------------------------------------------------------------------- CLI


def test_cli_build_and_info(tmp_path, capsys):
    out = tmp_path / "tiny.npz"
    assert main(["-q", "network", "build", str(TINY), "--out", str(out)]) == 0
    assert out.exists()
    assert "7 nodes" in capsys.readouterr().out
    assert main(["-q", "network", "info", str(out), "--walk-model", "flat"]) == 0
    assert "flat at 4.5 km/h" in capsys.readouterr().out


def test_cli_errors_write_nothing_and_exit_nonzero(tmp_path, capsys):
    out = tmp_path / "x.npz"
    code = main(["-q", "network", "build", str(tmp_path / "missing.osm"), "--out", str(out)])
    assert code == InputDataError.exit_code
    err = capsys.readouterr().err
    assert "missing.osm: file not found" in err and "Traceback" not in err
    code = main(["-q", "network", "build", str(TINY), "--out", str(out), "--walk-model", "hilly"])
    assert code == NetworkError.exit_code
    assert not out.exists()


def test_cli_refuses_a_non_npz_network_file_name(tmp_path, capsys):
    out = tmp_path / "net.gpkg"
    assert main(["-q", "network", "build", str(TINY), "--out", str(out)]) == 2  # usage
    assert "--gpkg" in capsys.readouterr().err
    assert not out.exists()


def test_cli_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.osm"
    bad.write_text("not xml")
    proc = subprocess.run(
        [sys.executable, "-m", "harbor_planner", "network", "build", str(bad), "--out",
         str(tmp_path / "o.npz")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == InputDataError.exit_code
    assert "bad.osm" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.npz").exists()


def test_a_line_layer_with_stray_points_and_polygons_names_them(tmp_path):
    """Probe 20A: 1,529 lines with 4 polygons and 6 points were refused without saying how
    many or which."""
    import geopandas as gpd
    from shapely import LineString, Point, box

    geoms = [LineString([(0, 0), (0.001, 0)])] * 4 + [box(0, 0, 0.001, 0.001), Point(0, 0)] * 2
    path = tmp_path / "mixed.gpkg"
    gpd.GeoDataFrame(geometry=geoms, crs="EPSG:4326").to_file(path)
    with pytest.raises(InputDataError) as err:
        build_network(path, progress=False)
    text = str(err.value)
    assert "4 of 8 features are not lines (2 Polygon, 2 Point; feature 5, 6, 7, 8)" in text
    assert "delete them" in text


def test_stations_stand_on_the_street_not_in_the_tunnel_under_it(tmp_path):
    """Probe 22I: a station 2.7 m from its street and 1.4 m (in plan) from the road tunnel
    under it was anchored in the tunnel: its 15-minute isochrone was the tunnel's tube and it
    covered a sixth of what it covers from the street. Points go to the nearest ground-level
    edge within the snapping distance; a bridge or tunnel only when none is."""
    import geopandas as gpd
    import shapely

    import harbor_planner as hp
    from harbor_planner.network import anchor_points, snap_points
    from osm_files import X0, Y0, write_osm

    ways = [
        (1, [(0.0, 0.0), (400.0, 0.0)], {"highway": "tertiary", "name": "地面街"}),
        (2, [(400.0, 0.0), (400.0, 400.0), (0.0, 400.0)], {"highway": "residential"}),
        # a tunnel under the street, 4 m off its line in plan, joining far away
        (3, [(0.0, 400.0), (-50.0, 4.0), (800.0, 4.0), (1400.0, 0.0)],
         {"highway": "primary", "tunnel": "yes", "name": "隧道"}),
        (4, [(1400.0, 0.0), (1600.0, 0.0)], {"highway": "residential"}),
        # a river bridge far from any ground street
        (5, [(400.0, 400.0), (400.0, 900.0), (400.0, 1400.0)],
         {"highway": "secondary", "bridge": "yes"}),
        (6, [(400.0, 1400.0), (600.0, 1400.0)], {"highway": "residential"}),
    ]  # fmt: skip
    net = hp.build_network(write_osm(tmp_path / "t.osm", ways), progress=False)
    off = net.edges["off_ground"].to_numpy(bool)
    pts = gpd.GeoSeries(
        [shapely.Point(X0 + 200, Y0 + 2.7), shapely.Point(X0 + 200, Y0 + 100.0),
         shapely.Point(X0 + 400, Y0 + 900), shapely.Point(X0 + 1000, Y0 + 3.0)],
        crs="EPSG:32648",
    )  # fmt: skip
    plain = snap_points(net, pts)  # distances to the streets: the nearest edge of any kind
    assert off[plain.edge[0]] and plain.edge_dist_m[0] == pytest.approx(1.3, abs=0.01)
    anchors = anchor_points(net, pts)
    names = net.edges["name"].to_numpy(object)
    assert names[anchors.edge[0]] == "地面街" and anchors.dist_m[0] == pytest.approx(2.7, abs=0.01)
    assert off[plain.edge[1]] and plain.edge_dist_m[1] == pytest.approx(96.0, abs=0.01)
    assert not off[anchors.edge[1]] and anchors.dist_m[1] == pytest.approx(100.0, abs=0.01)
    assert off[anchors.edge[2]]  # on the bridge, 500 m from any ground street: stays there
    assert off[anchors.edge[3]] and names[anchors.edge[3]] == "隧道"  # no street within 150 m
    st = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[pts.iloc[0]], crs="EPSG:32648")
    iso = hp.isochrones(net, st, minutes=[5], crs="EPSG:32648", method="exact")
    assert iso.geometry.iloc[0].intersects(shapely.Point(X0 + 400, Y0 + 150))  # up the street


def test_a_point_on_a_deck_stays_there_unless_a_street_is_nearly_as_near(tmp_path):
    """Probe 22R: points lying on a bridge deck or beside a viaduct (a bus stop 1.6 m from
    北滨一路) moved up to 148 m to a ground street; the snapping distance decided where an
    on-network station stood. A ground street is taken only when at most
    GROUND_STREET_PREFER_M farther than the way off the ground."""
    import harbor_planner as hp
    from harbor_planner.network import anchor_points
    from harbor_planner.settings import GROUND_STREET_PREFER_M
    from osm_files import X0, Y0, write_osm

    ways = [
        (1, [(0.0, 0.0), (400.0, 0.0)], {"highway": "residential"}),
        (2, [(0.0, 0.0), (0.0, 100.0), (400.0, 100.0), (400.0, 0.0)],
         {"highway": "primary", "bridge": "yes", "layer": "1"}),
    ]  # fmt: skip
    net = hp.build_network(write_osm(tmp_path / "d.osm", ways), progress=False)
    off = net.edges["off_ground"].to_numpy(bool)
    xy = np.array([[X0 + 200, Y0 + 100.0], [X0 + 200, Y0 + 99.0], [X0 + 200, Y0 + 4.0]])
    prefer = GROUND_STREET_PREFER_M
    for max_dist in (150.0, 30.0, 5000.0):  # the snapping distance decides nothing here
        a = anchor_points(net, xy, max_dist_m=max_dist)
        assert off[a.edge[0]] and a.dist_m[0] == pytest.approx(0.0, abs=0.01)  # on the deck
        assert off[a.edge[1]] and a.dist_m[1] == pytest.approx(1.0, abs=0.01)  # street: 99 m
        assert not off[a.edge[2]] and a.dist_m[2] == pytest.approx(4.0, abs=0.01)  # its street
    assert 4.0 - 96.0 < prefer < 99.0 - 1.0
    a = anchor_points(net, xy, max_dist_m=0.0)  # no crash (probe 22R: shapely ValueError)
    assert not a.within.any()  # every point a little off its way

"""Networks for a whole city: clipping while reading, several sources, Geofabrik layers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harbor_planner import build_network
from harbor_planner.errors import InputDataError

# A street grid near Yuzhong: 0.001° of longitude ≈ 97 m, of latitude ≈ 111 m at 29.55° N.
LON0, LAT0 = 106.55, 29.55


def _osm_xml(nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in sorted(nodes.items()):
        out.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        out.append(f'  <way id="{wid}" version="1">')
        out += [f'    <nd ref="{r}"/>' for r in refs]
        out += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        out.append("  </way>")
    out.append("</osm>")
    return "\n".join(out)


def _write(path: Path, nodes, ways) -> Path:
    path.write_text(_osm_xml(nodes, ways), encoding="utf-8")
    return path


@pytest.fixture
def strip_osm(tmp_path: Path) -> Path:
    """Three streets along the same latitude, 1 km apart in longitude steps of ~97 m.

    * way 1 (west): lon 0.000..0.004, inside the box;
    * way 2 (crossing): lon 0.004..0.020, crosses the box's east edge (0.006);
    * way 3 (far): lon 0.040..0.044, ~3.3 km east of the box;
    * way 4: a footway north, from way 1's start.
    """
    nodes = {i + 1: (LON0 + 0.001 * i, LAT0) for i in range(21)}
    nodes.update({100 + i: (LON0 + 0.040 + 0.001 * i, LAT0) for i in range(5)})
    nodes[200] = (LON0, LAT0 + 0.002)
    ways = [
        (1, [1, 2, 3, 4, 5], {"highway": "residential", "name": "West"}),
        (2, list(range(5, 22)), {"highway": "primary", "name": "Crossing"}),
        (3, list(range(100, 105)), {"highway": "residential", "name": "Far"}),
        (4, [1, 200], {"highway": "footway"}),
    ]
    return _write(tmp_path / "strip.osm", nodes, ways)


BOX = (LON0 - 0.001, LAT0 - 0.001, LON0 + 0.006, LAT0 + 0.003)


def test_bbox_keeps_crossing_ways_whole_and_drops_far_ones(strip_osm: Path) -> None:
    net = build_network(strip_osm, bbox=BOX, margin_m=100, keep_all=True, progress=False)
    ways = set(net.edges["way_id"])
    assert ways == {1, 2, 4}
    crossing = net.edges.loc[net.edges["way_id"] == 2, "length_m"].sum()
    # whole: 16 segments of ~96.9 m, not cut at the box edge (~2 segments inside)
    assert crossing == pytest.approx(16 * 96.9, rel=0.01)
    assert net.source["within"]["margin_m"] == 100
    full = build_network(strip_osm, keep_all=True, progress=False)
    assert set(full.edges["way_id"]) == {1, 2, 3, 4}


def test_margin_reaches_ways_just_outside(strip_osm: Path) -> None:
    # way 3 starts ~3.3 km east of the box: a 4 km margin keeps it, the default does not
    near = build_network(strip_osm, bbox=BOX, margin_m=4000, keep_all=True, progress=False)
    assert 3 in set(near.edges["way_id"])
    default = build_network(strip_osm, bbox=BOX, keep_all=True, progress=False)
    assert 3 not in set(default.edges["way_id"])
    assert default.source["within"]["margin_m"] == pytest.approx(15 * 4.5 * 1000 / 60)


def test_within_polygon_file(strip_osm: Path, tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    area = tmp_path / "area.geojson"
    poly = shapely.box(LON0 + 0.030, LAT0 - 0.001, LON0 + 0.050, LAT0 + 0.001)
    gpd.GeoDataFrame(geometry=[poly], crs="EPSG:4326").to_file(area)
    net = build_network(strip_osm, within=area, margin_m=0, keep_all=True, progress=False)
    assert set(net.edges["way_id"]) == {3}


def test_clip_with_nodes_after_ways_and_negative_ids(tmp_path: Path) -> None:
    """An unsorted JOSM-style file: ways first, negative ids; positions still found."""
    nodes = {-1: (LON0, LAT0), -2: (LON0 + 0.001, LAT0), -3: (LON0 + 0.030, LAT0)}
    text = _osm_xml(nodes, [(-10, [-1, -2, -3], {"highway": "footway"})])
    head, rest = text.split("\n", 1)
    node_lines = [ln for ln in rest.splitlines() if "<node" in ln]
    other = [ln for ln in rest.splitlines() if "<node" not in ln]
    path = tmp_path / "josm.osm"
    path.write_text("\n".join([head, other[0], *other[1:-1], *node_lines, other[-1]]))
    net = build_network(path, bbox=BOX, margin_m=0, keep_all=True, progress=False)
    # the way reaches 3 km out of the box: kept whole
    assert net.edges["length_m"].sum() == pytest.approx(30 * 96.9, rel=0.01)


def test_unknown_district_has_did_you_mean(strip_osm: Path) -> None:
    with pytest.raises(InputDataError, match=r"did you mean.*渝中区"):
        build_network(strip_osm, within="渝种区", progress=False)
    with pytest.raises(InputDataError, match="Yuzhong"):
        build_network(strip_osm, within=["Yuzhon"], progress=False)


def test_bad_area_arguments(strip_osm: Path, tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="four numbers"):
        build_network(strip_osm, bbox="1,2,3", progress=False)
    with pytest.raises(InputDataError, match="west < east"):
        build_network(strip_osm, bbox=[106.6, 29.5, 106.5, 29.6], progress=False)
    with pytest.raises(InputDataError, match="not both"):
        build_network(strip_osm, bbox=BOX, within="渝中区", progress=False)
    with pytest.raises(InputDataError, match="the area layer: file not found"):
        build_network(strip_osm, within=tmp_path / "nope.geojson", progress=False)


def _main(capsys, argv: list[str]) -> tuple[int, str]:
    from harbor_planner.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.slow
def test_cli_bbox_malformed_exits_2_in_a_subprocess(strip_osm: Path, tmp_path: Path) -> None:
    out = tmp_path / "n.npz"
    r = subprocess.run(
        [
            *(sys.executable, "-m", "harbor_planner", "network", "build", str(strip_osm)),
            *("--out", str(out), "--bbox", "106.5,29.5,106.6"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "--bbox" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_bbox_malformed_is_usage_error(strip_osm: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "n.npz"
    build = ["network", "build", str(strip_osm), "--out", str(out)]
    for bad in ("106.5,29.5,106.6", "a,b,c,d", "106.6,29.5,106.5,29.6"):
        code, err = _main(capsys, [*build, "--bbox", bad])
        assert code == 2 and "--bbox" in err, err
    code, err = _main(capsys, [*build, "--bbox", ",".join(map(str, BOX)), "--margin-m", "-5"])
    assert code == 2 and "--margin-m" in err
    code, err = _main(capsys, [*build, "--within", "渝种区"])
    assert code == 2 and "--within 渝种区: " in err and "did you mean" in err  # as --study-area
    assert not out.exists()


def test_cli_clip_and_join(strip_osm: Path, tmp_path: Path, capsys) -> None:
    other = _write(
        tmp_path / "north.osm",
        {1: (LON0, LAT0), 300: (LON0, LAT0 + 0.001), 301: (LON0 + 0.001, LAT0 + 0.001)},
        [(30, [1, 300, 301], {"highway": "steps"})],
    )
    out = tmp_path / "n.npz"
    code, err = _main(
        capsys,
        [
            *("network", "build", str(strip_osm), str(other), "--out", str(out)),
            *("--bbox", ",".join(map(str, BOX)), "--margin-m", "50"),
        ],
    )
    assert code == 0, err
    from harbor_planner import load_network

    net = load_network(out)
    assert set(net.edges["way_id"]) == {1, 2, 4, 30}
    assert len(net.source["sources"]) == 2


# --------------------------------------------------------------------------- several sources


def test_osm_sources_join_by_node_id_and_dedupe_ways(tmp_path: Path) -> None:
    a_nodes = {i: (LON0 + 0.001 * i, LAT0) for i in range(1, 4)}
    a = _write(tmp_path / "a.osm", a_nodes, [(1, [1, 2, 3], {"highway": "residential"})])
    # b shares node 3 (same id) and repeats way 1, cut short by its extract
    b_nodes = {2: a_nodes[2], 3: a_nodes[3], 4: (LON0 + 0.003, LAT0 + 0.001)}
    b = _write(
        tmp_path / "b.osm",
        b_nodes,
        [(1, [1, 2, 3], {"highway": "residential"}), (2, [3, 4], {"highway": "steps"})],
    )
    net = build_network([a, b], progress=False)  # only the largest component is kept
    assert set(net.edges["way_id"]) == {1, 2}
    assert (net.edges["way_id"] == 1).sum() == 1  # once, not twice
    assert net.edges.loc[net.edges["way_id"] == 1, "length_m"].iloc[0] == pytest.approx(
        2 * 96.9, rel=0.01
    )  # the whole way (from a), not b's piece
    assert net.source["join"]["osm_ways_deduplicated"] == 1
    # graph nodes: the ends 1 and 4 and node 3, shared by the two files' ways
    assert sorted(net.nodes["osmid"]) == [1, 3, 4] and net.n_edges == 2


def _lines(path: Path, rows: list[dict], coords: list[list[tuple[float, float]]]) -> Path:
    feats = [
        {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in line]},
        }
        for props, line in zip(rows, coords, strict=True)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_line_layers_join_at_a_shared_vertex(tmp_path: Path) -> None:
    p = (LON0 + 0.001, LAT0)
    a = _lines(tmp_path / "a.geojson", [{"highway": "residential"}], [[(LON0, LAT0), p]])
    b = _lines(
        tmp_path / "b.geojson", [{"highway": "footway"}], [[p, (LON0 + 0.001, LAT0 + 0.001)]]
    )
    c = _lines(  # far away: a separate component
        tmp_path / "c.geojson",
        [{"highway": "footway"}],
        [[(LON0 + 0.01, LAT0), (LON0 + 0.011, LAT0)]],
    )
    net = build_network([a, b, c], keep_all=True, progress=False)
    assert net.n_nodes == 5 and net.n_edges == 3
    joined = build_network([a, b], progress=False)
    assert joined.n_nodes == 3 and joined.n_edges == 2


def test_line_layer_joins_osm_at_a_node_position(tmp_path: Path) -> None:
    osm = _write(
        tmp_path / "a.osm",
        {1: (LON0, LAT0), 2: (LON0 + 0.001, LAT0)},
        [(1, [1, 2], {"highway": "residential"})],
    )
    line = _lines(
        tmp_path / "b.geojson",
        [{"highway": "footway"}],
        [[(LON0 + 0.001, LAT0), (LON0 + 0.002, LAT0)]],
    )
    net = build_network([osm, line], progress=False)
    assert net.n_edges == 2 and net.n_nodes == 3
    assert 2 in set(net.nodes["osmid"])


# --------------------------------------------------------------------------- Geofabrik layers


def _geofabrik(path: Path) -> Path:
    """A Geofabrik-schema layer: a street, steps, a bridge over it, a one-way (T) street."""
    rows = [
        dict(
            osm_id="11", fclass="primary", name="Main", oneway="F", layer=0, bridge="F", tunnel="F"
        ),
        dict(osm_id="12", fclass="steps", name=None, oneway="B", layer=0, bridge="F", tunnel="F"),
        dict(
            osm_id="13", fclass="footway", name="Over", oneway="B", layer=1, bridge="T", tunnel="F"
        ),
        dict(
            osm_id="14",
            fclass="residential",
            name=None,
            oneway="T",
            layer=0,
            bridge="F",
            tunnel="F",
        ),
        dict(
            osm_id="15",
            fclass="track_grade2",
            name=None,
            oneway="B",
            layer=0,
            bridge="F",
            tunnel="F",
        ),
        dict(
            osm_id="16", fclass="motorway", name=None, oneway="F", layer=0, bridge="F", tunnel="F"
        ),
    ]
    x = [LON0 + 0.001 * i for i in range(4)]
    coords = [
        [(x[0], LAT0), (x[1], LAT0), (x[2], LAT0)],  # Main, W-E
        [(x[2], LAT0), (x[2], LAT0 + 0.001)],  # steps north from Main's end
        # the bridge crosses Main at x[1] with a vertex of its own there (layer 1)
        [(x[1], LAT0 - 0.001), (x[1], LAT0), (x[1], LAT0 + 0.001)],
        [(x[2], LAT0), (x[3], LAT0)],  # one-way residential, drawn W-E, traffic E-W
        [(x[3], LAT0), (x[3], LAT0 - 0.001)],
        [(x[3], LAT0 - 0.001), (x[3], LAT0 - 0.002)],
    ]
    return _lines(path, rows, coords)


def test_geofabrik_layer_is_read_as_osm_ways(tmp_path: Path) -> None:
    path = _geofabrik(tmp_path / "gis_osm_roads_free_1.geojson")
    net = build_network(path, keep_all=True, progress=False)
    e = net.edges.set_index("way_id")
    assert e.loc[12, "highway"] == "steps" and e.loc[12, "kind"] == 1
    assert e.loc[11, "highway"] == "primary" and e.loc[11, "name"] == "Main"
    assert e.loc[15, "highway"] == "track"
    assert 16 not in e.index  # motorway: not walkable
    # bridges and tunnels: T/F read as yes/no (F is not "off the ground")
    assert bool(e.loc[13, "off_ground"]) and not bool(e.loc[12, "off_ground"])
    # oneway F/T does not restrict walking
    assert e[["fwd_ok", "bwd_ok"]].all().all()
    # the bridge shares a vertex with Main in their interiors, on another layer: not joined,
    # so neither is split there
    assert net.n_edges == 5 and net.n_nodes == 7
    # the same drawing without levels joins them at that vertex (both split in two)
    flat = tmp_path / "flat.geojson"
    data = json.loads(path.read_text())
    for f in data["features"]:
        f["properties"].update(layer=0, bridge="F")
    flat.write_text(json.dumps(data))
    joined = build_network(flat, keep_all=True, progress=False)
    assert joined.n_edges == 7 and joined.n_nodes == 8


def test_geofabrik_oneway_values_are_mapped(tmp_path: Path) -> None:
    from harbor_planner.network.lines import read_line_frame

    frame = read_line_frame(_geofabrik(tmp_path / "roads.geojson"))
    assert list(frame["oneway"]) == ["yes", "no", "no", "-1", "no", "yes"]
    assert list(frame["bridge"]) == ["no", "no", "yes", "no", "no", "no"]
    assert list(frame["way_id"]) == [11, 12, 13, 14, 15, 16]
    assert frame["osm_way"].all()


def test_geofabrik_bridge_end_on_a_street_joins(tmp_path: Path) -> None:
    """Levels part only interior crossings: a bridge ending on the street is joined."""
    rows = [
        dict(osm_id="1", fclass="primary", oneway="B", layer=0, bridge="F", tunnel="F"),
        dict(osm_id="2", fclass="primary", oneway="B", layer=1, bridge="T", tunnel="F"),
    ]
    coords = [
        [(LON0, LAT0), (LON0 + 0.001, LAT0), (LON0 + 0.002, LAT0)],
        [(LON0 + 0.001, LAT0), (LON0 + 0.001, LAT0 + 0.002)],
    ]
    net = build_network(_lines(tmp_path / "r.geojson", rows, coords), progress=False)
    assert net.n_nodes == 4 and net.n_edges == 3


def test_geofabrik_layers_clipped_with_a_mask(tmp_path: Path) -> None:
    path = _geofabrik(tmp_path / "roads.geojson")
    far = _lines(
        tmp_path / "far.geojson",
        [dict(osm_id="99", fclass="footway", oneway="B", layer=0, bridge="F", tunnel="F")],
        [[(LON0 + 0.1, LAT0), (LON0 + 0.101, LAT0)]],
    )
    net = build_network([path, far], bbox=BOX, margin_m=10, keep_all=True, progress=False)
    ids = set(net.edges["way_id"])
    assert 99 not in ids and {11, 12, 13} <= ids
    with pytest.raises(Exception, match="no line features inside the area"):
        build_network(far, bbox=BOX, margin_m=10, progress=False)


# --------------------------------------------------------------------------- scenario


def test_scenario_keys(tmp_path: Path, strip_osm: Path) -> None:
    from harbor_planner.scenario import scenario_from_dict

    (tmp_path / "st.csv").write_text("station_id,lon,lat\nA,106.55,29.55\n")
    sc = scenario_from_dict(
        {
            "network": {
                "source": ["strip.osm", "other.osm"],
                "bbox": list(BOX),
                "margin_m": 50,
            },
            "stations": {"file": "st.csv", "crs": "wgs84"},
        },
        base_dir=tmp_path,
    )
    assert sc.network.sources == [str(tmp_path / "strip.osm"), str(tmp_path / "other.osm")]
    assert sc.network.bbox == list(BOX) and sc.network.margin_m == 50
    assert set(sc.input_files()) >= {"network", "network2"}
    from harbor_planner.errors import ScenarioError

    with pytest.raises(ScenarioError, match="bbox"):
        scenario_from_dict(
            {
                "network": {"source": "strip.osm", "bbox": [1, 2, 3]},
                "stations": {"file": "st.csv"},
            },
            base_dir=tmp_path,
        )
    sc = scenario_from_dict(
        {
            "network": {"source": "strip.osm", "within": "area.geojson"},
            "stations": {"file": "st.csv"},
        },
        base_dir=tmp_path,
    )
    assert sc.network.within == str(tmp_path / "area.geojson")
    assert "network_within" in sc.input_files()


def test_pipeline_margin_follows_the_study_minutes(strip_osm: Path) -> None:
    from harbor_planner.pipeline.inputs import clip_margin_m
    from harbor_planner.scenario import NetworkConfig

    cfg = NetworkConfig(source=str(strip_osm), bbox=list(BOX), walk_speed_kmh=6.0)
    assert clip_margin_m(cfg, 20.0) == pytest.approx(2000.0)
    assert clip_margin_m(NetworkConfig(source="x", margin_m=5.0), 20.0) == 5.0


# --------------------------------------------------------------------------- real data


@pytest.mark.slow
@pytest.mark.realdata
def test_three_districts_from_geofabrik_layers(shared) -> None:
    import geopandas as gpd

    from harbor_planner.districts import locate_districts

    files = [
        shared("chongqing_osm_2022", f"roads_{d}.geojson") for d in ("yuzhong", "jiangbei", "nanan")
    ]
    net = build_network(files, progress=False)
    e = net.edges
    counts = e["highway"].value_counts()
    assert counts["steps"] > 100 and counts["footway"] > 300
    assert {"primary", "secondary", "tertiary", "residential"} <= set(counts.index)
    assert (e.loc[e["highway"] == "steps", "kind"] == 1).all()
    assert e.loc[e["highway"] == "primary", "name"].notna().mean() > 0.5
    # per district: each has its own streets in the largest component, in proportion
    mid = gpd.GeoSeries(net.edge_geometry, crs=net.crs).interpolate(0.5, normalized=True)
    code, _ = locate_districts(mid)
    km = e["length_m"].groupby(code.to_numpy()).sum() / 1000
    for adcode in ("500103", "500105", "500108"):
        assert km.get(adcode, 0) > 50, km
    assert km["500103"] < km["500105"] and km["500103"] < km["500108"]  # Yuzhong is smallest
    assert net.source["join"]["line_ways_dropped_as_osm"] == 0
    # the same three layers clipped to Yuzhong keep Yuzhong and a margin, not Nan'an's south
    yz = build_network(files, within="渝中区", progress=False)
    assert yz.n_edges < net.n_edges / 2
    assert np.isclose(yz.source["within"]["margin_m"], 1125.0)

"""Tests of the bundled demo data (``geodata/demo``, made by ``geodata/make_demo.py``).

The demo is Yuzhong (渝中区): an OpenStreetMap extract (walk network and buildings, bz2), an
SRTM crop, the district boundary and illustrative stations placed at OSM features of the
extract by a documented rule. The checks here follow the rule and the licence, not figures.
"""

from __future__ import annotations

import bz2
import hashlib
import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import harbor_planner as hp
from harbor_planner.demand import demand_within
from harbor_planner.network.walk import KIND_ESCALATOR, KIND_STEPS

GEODATA = Path(__file__).parents[1] / "geodata"
DEMO = GEODATA / "demo"
WALK = DEMO / "yuzhong_walk.osm.bz2"
BUILDINGS = DEMO / "yuzhong_buildings.osm.bz2"
GENERATED = (
    "boundary.geojson",
    "yuzhong_walk.osm.bz2",
    "yuzhong_buildings.osm.bz2",
    "dem.tif",
    "stations.csv",
    "centres.csv",
    "demo.toml",
    "ATTRIBUTION.md",
)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "geodata" / "yuzhong"
CREDIT = "© OpenStreetMap contributors, ODbL"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def make_demo():
    spec = importlib.util.spec_from_file_location("make_demo", GEODATA / "make_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def net() -> hp.WalkNetwork:
    return hp.build_network(WALK, dem=DEMO / "dem.tif", dem_outside="flat", progress=False)


@pytest.fixture(scope="module")
def boundary() -> gpd.GeoDataFrame:
    return gpd.read_file(DEMO / "boundary.geojson")


@pytest.fixture(scope="module")
def stations(net):
    check = hp.read_stations(DEMO / "stations.csv", crs="gcj02")
    assert check.problems.empty, check.problems
    return check.stations


def _osm(path: Path) -> ET.Element:
    return ET.fromstring(bz2.decompress(path.read_bytes()))


def test_files_licence_and_size():
    for name in (*GENERATED, "README.md"):
        assert (DEMO / name).is_file(), name
    total = sum(p.stat().st_size for p in DEMO.iterdir() if p.is_file())
    assert total < 3_000_000
    for name in ("ATTRIBUTION.md", "README.md", "demo.toml"):
        text = (DEMO / name).read_text(encoding="utf-8")
        assert "OpenStreetMap contributors" in text and "ODbL" in text, name
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "示意" in readme and "NOT the official" in readme and "public domain" in readme
    assert "[study]" in (DEMO / "demo.toml").read_text(encoding="utf-8")  # the TODO


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")  # rasterio's
def test_regenerating_gives_identical_bytes(make_demo, tmp_path):
    if not (SHARED / "walk.osm").is_file():
        pytest.skip(f"the demo's source {SHARED} is absent")
    written = make_demo.make_demo(tmp_path, SHARED)
    assert sorted(p.name for p in written) == sorted(GENERATED)
    for name in GENERATED:
        assert _sha256(tmp_path / name) == _sha256(DEMO / name), name


def test_osm_extract_is_sorted_credited_and_walkable():
    for path in (WALK, BUILDINGS):
        root = _osm(path)
        assert "OpenStreetMap contributors, ODbL" in root.find("note").text
        kinds = [el.tag for el in root if el.tag in ("node", "way", "relation")]
        assert kinds == sorted(kinds, key=("node", "way", "relation").index), path.name
        for tag in ("node", "way"):
            ids = [int(el.get("id")) for el in root.iter(tag)]
            assert ids == sorted(ids) and len(ids) == len(set(ids))
        assert not any(el.get("user") or el.get("timestamp") for el in root.iter("node"))
    walk = _osm(WALK)
    tags = {(t.get("k"), t.get("v")) for t in walk.iter("tag")}
    for tag in (("highway", "steps"), ("highway", "elevator"), ("bridge", "yes")):
        assert tag in tags
    assert any(k == "conveying" for k, _ in tags)
    assert sum(1 for w in _osm(BUILDINGS).iter("way") if w.find("tag[@k='building']") is not None)


def test_walk_extract_reaches_past_the_district(net, boundary):
    assert net.walk_model.kind == "hilly" and net.has_elevation
    edges = net.edges
    assert (edges["kind"] == KIND_STEPS).sum() > 100  # a hilly city of stairways
    assert (edges["kind"] == KIND_ESCALATOR).sum() >= 1
    assert (edges["elevator_ends"] > 0).any()
    area = boundary.to_crs(net.crs).geometry.iloc[0]
    inside = shapely.contains_xy(area, net.nodes["x"], net.nodes["y"])
    assert 0.1 < 1 - inside.mean() < 0.9  # streets beyond the boundary too
    z = net.nodes["z_m"]
    assert z.max() - z.min() > 100


def test_stations_follow_the_rule(make_demo, net, stations, boundary):
    raw = pd.read_csv(DEMO / "stations.csv", encoding="gbk", header=None, nrows=1)
    assert "示意" in raw.iloc[0, 0] and "非官方" in raw.iloc[0, 0]
    assert stations["name"].str.endswith("（示意）").all()
    assert list(stations["status"]) == [
        hp_status for zh, n in make_demo.STATUS_COUNTS for hp_status in [_status(zh)] * n
    ]
    assert (stations["district_zh"] == "渝中区").all()
    # each station is at an OSM feature of the extract, of a kind of the rule, in its order
    table = pd.read_csv(DEMO / "stations.csv", encoding="gbk", skiprows=1, dtype=str)
    refs = table["OSM"].str.split("/", expand=True)
    found = pd.concat([hp.candidates.osm_poi_candidates(p) for p in (WALK, BUILDINGS)])
    kinds = found.set_index(found["osm_type"] + "/" + found["osm_id"].astype(str))["kind"]
    chosen = kinds.loc[refs[0] + "/" + refs[1]]
    order = [make_demo.STATION_KINDS.index(k) for k in chosen]
    assert order == sorted(order)
    # spaced apart, inside the district, on the street (GCJ-02 in the file, WGS-84 read)
    xy = shapely.get_coordinates(stations.to_crs(net.crs).geometry.to_numpy())
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(xy), 1)].min() >= make_demo.STATION_SPACING_M
    area = boundary.to_crs(net.crs).geometry.iloc[0]
    assert shapely.contains_xy(area, xy[:, 0], xy[:, 1]).all()
    placement = hp.place_stations(stations, net)
    assert placement.problems.empty, placement.problems
    # at its street, or (a metro entrance whose passage down is mapped off the ground, the
    # street 9.8 m away) on the ground-level street beside it (probe 22I)
    dist = placement.stations["snap_dist_m"]
    assert (dist < 15.0).all() and (dist < 1.0).sum() >= len(dist) - 1


def _status(zh: str) -> str:
    return {"已建成": "existing", "在建": "building", "拟建": "proposed"}[zh]


def test_coverage_on_foot_is_far_below_the_circles(net, stations):
    demand = demand_within(
        hp.demand_from_spec("main-streets", network=net), DEMO / "boundary.geojson"
    )
    result = hp.coverage(net, stations, demand)
    pct = result.summary["coverage_pct"]
    assert 10 < pct < 90
    # stairs, rivers and cliffs: straight-line circles claim far more than walking gives
    assert result.summary["euclidean_coverage_pct"] > pct + 20


def test_building_demand_of_the_extract(net, boundary):
    demand = hp.demand_from_spec(f"buildings:{BUILDINGS}", network=net)
    pts = demand.points.to_crs(net.crs)
    area = boundary.to_crs(net.crs).geometry.iloc[0].buffer(200)
    weight = demand.points["weight"]
    assert len(pts) > 1000 and (weight >= 0).all() and (weight > 0).mean() > 0.9
    assert shapely.contains_xy(area, pts.geometry.x, pts.geometry.y).mean() > 0.99

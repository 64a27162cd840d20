"""Tests of the bundled demo data (``geodata/demo``, made by ``geodata/make_demo.py``).

The demo is a fictional hilly river district: two banks joined by one bridge, stairways, an
escalator, a lift and an expressway closed to pedestrians. Its twelve stations cluster on the
south bank, so main-street coverage shows gaps on the north bank (about 60 % at 15 minutes
with the hilly model, against 100 % within the straight-line radius) that candidates close.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

import harbor_planner as hp
from harbor_planner.network.walk import KIND_ESCALATOR, KIND_STEPS

GEODATA = Path(__file__).parents[1] / "geodata"
DEMO = GEODATA / "demo"
FILES = ("demo.osm", "dem.tif", "stations.csv", "candidates.csv", "demo.toml", "README.md")
GENERATED = ("demo.osm", "dem.tif", "stations.csv", "candidates.csv", "demo.toml")


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
    return hp.build_network(DEMO / "demo.osm", dem=DEMO / "dem.tif", progress=False)


@pytest.fixture(scope="module")
def stations(net):
    check = hp.read_stations(DEMO / "stations.csv", crs="gcj02")
    assert check.problems.empty, check.problems
    return check.stations


@pytest.fixture(scope="module")
def demand(net) -> hp.Demand:
    return hp.demand_from_spec("main-streets", network=net)


def test_files_exist_and_are_small():
    for name in FILES:
        assert (DEMO / name).is_file(), name
    total = sum(p.stat().st_size for p in GEODATA.rglob("*") if p.is_file())
    assert total < 2_000_000
    assert "fictional" in (DEMO / "README.md").read_text(encoding="utf-8")


def test_regenerating_gives_identical_bytes(make_demo, tmp_path):
    written = make_demo.make_demo(tmp_path)
    assert sorted(p.name for p in written) == sorted(GENERATED)
    for name in GENERATED:
        assert _sha256(tmp_path / name) == _sha256(DEMO / name), name


def test_osm_is_sorted_nodes_then_ways():
    text = (DEMO / "demo.osm").read_text(encoding="utf-8")
    assert text.rindex("<node ") < text.index("<way ")
    for tag in ('k="bridge" v="yes"', 'k="conveying"', 'k="foot" v="no"', 'v="elevator"'):
        assert tag in text
    assert text.count('k="building"') >= 30


def test_network_is_connected_with_stairs_escalator_and_lift():
    network = hp.build_network(DEMO / "demo.osm", progress=False)
    assert network.source["components"] == 1
    assert network.source["dropped_edges"] == 0
    edges = network.edges
    assert (edges["kind"] == KIND_STEPS).sum() >= 4
    assert (edges["kind"] == KIND_ESCALATOR).sum() == 1
    assert (edges["elevator_ends"] > 0).sum() == 2
    # the expressway is closed to pedestrians
    assert not edges["name"].astype("string").str.contains("快速路").fillna(False).any()


def test_dem_covers_everything(net):
    assert net.walk_model.kind == "hilly"
    assert net.has_elevation
    assert net.source["dem_outside_edges"] == 0
    z = net.nodes["z_m"]
    assert z.notna().all()
    assert z.max() - z.min() > 50  # hilly


def test_stations_read_and_lie_near_the_network(net, stations):
    assert len(stations) == 12
    assert set(stations["status"]) == {"existing", "building", "proposed"}
    assert (stations["district_zh"] == "巴南区").all()
    placement = hp.place_stations(stations, net)
    assert placement.problems.empty, placement.problems
    assert placement.stations["on_network"].all()
    assert (placement.stations["snap_dist_m"] < 150).all()


def test_coverage_shows_gaps(net, stations, demand):
    result = hp.coverage(net, stations, demand)
    pct = result.summary["coverage_pct"]
    assert 10 < pct < 90
    # the river: the straight-line radius claims more than walking gives
    assert result.summary["euclidean_coverage_pct"] > pct


def test_candidates_add_coverage(net, stations, demand):
    check = hp.read_stations(DEMO / "candidates.csv", crs="gcj02")
    assert check.problems.empty, check.problems
    assert 30 <= len(check.stations) <= 50
    assert set(check.stations["status"]) == {"candidate"}
    candidates = hp.candidates_from_spec(DEMO / "candidates.csv", network=net, crs="gcj02")
    cm = hp.coverage_matrix(net, candidates, demand, existing=stations, progress=False)
    selection = hp.select_sites(cm, n_add=2)
    assert len(selection.site_ids) == 2
    assert selection.covered_after > selection.covered_before
    before = 100 * selection.covered_before / selection.total
    assert before == pytest.approx(
        hp.coverage(net, stations, demand).summary["coverage_pct"], abs=0.5
    )

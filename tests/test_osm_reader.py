"""The OSM readers (whole file and clipped while read) against the previous per-node readers.

The reference readers (tests/osm_reference.py) loop over every node in Python; the readers of
harbor_planner.network.osm / .clip look node positions up with numpy in libosmium's location
index. Both must give the same ways, node ids, coordinates, tags and lifts.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from harbor_planner import build_network
from harbor_planner.network.clip import clip_area, read_osm_ways_within
from harbor_planner.network.osm import NodeLocations, read_osm_ways, scan_to_ways
from osm_reference import reference_scan, reference_scan_within

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _assert_same_ways(new, old) -> None:
    assert np.array_equal(new.way_ptr, old.way_ptr)
    assert np.array_equal(new.node_id, old.node_id)
    assert np.array_equal(new.xy, old.xy)  # bit for bit: same degrees, same projection
    pd.testing.assert_frame_equal(new.tags, old.tags)
    assert new.crs == old.crs
    lifts_new = np.intersect1d(new.elevator_nodes, new.node_id)
    assert np.array_equal(lifts_new, np.intersect1d(old.elevator_nodes, old.node_id))


def _assert_whole_read_matches_reference(path: Path) -> None:
    new = read_osm_ways(path)
    scan, found, bad = reference_scan(path)
    _assert_same_ways(new, scan_to_ways(path, scan, found, bad))
    assert 0 < new.read_stats["node_positions_held"] <= new.read_stats["nodes_in_file"]


def _assert_window_read_matches_reference(path: Path, bbox: str, margin_m: float) -> None:
    area = clip_area(bbox=bbox, margin_m=margin_m)
    new = read_osm_ways_within(path, area)
    scan, bad = reference_scan_within(path, area.kept)
    _assert_same_ways(new, scan_to_ways(path, scan, {}, bad))
    stats = new.read_stats
    assert 0 < stats["nodes_inside"] <= stats["node_positions_held"] < stats["nodes_in_file"]


def test_whole_read_matches_reference_on_yuzhong(yuzhong_osm: Path) -> None:
    _assert_whole_read_matches_reference(yuzhong_osm)


def test_window_read_matches_reference_on_yuzhong(yuzhong_osm: Path) -> None:
    _assert_window_read_matches_reference(yuzhong_osm, "106.55,29.55,106.58,29.57", 300.0)


def test_window_ways_cross_the_edge_whole(yuzhong_osm: Path) -> None:
    area = clip_area(bbox="106.55,29.55,106.58,29.57", margin_m=0.0)
    ways = read_osm_ways_within(yuzhong_osm, area)
    from harbor_planner.network._crs import to_metric

    ll = to_metric(ways.xy[:, 0], ways.xy[:, 1], from_crs=ways.crs, to_crs="EPSG:4326")
    inside = shapely.contains_xy(area.kept, ll[:, 0], ll[:, 1])
    way_of = np.repeat(np.arange(len(ways.tags)), np.diff(ways.way_ptr))
    assert np.bincount(way_of[inside], minlength=len(ways.tags)).min() >= 1  # each way reaches in
    assert (~inside).any()  # and crossing ways keep their nodes outside
    assert ways.read_stats["node_positions_held"] == ways.read_stats["nodes_inside"] + len(
        np.unique(ways.node_id[~inside])
    )


def test_node_locations_hold_every_node(yuzhong_osm: Path) -> None:
    with NodeLocations(yuzhong_osm) as locs:
        ids = np.concatenate([c[0] for c in locs.chunks()])
        index_file = locs.file
        assert index_file.is_file()
    assert not index_file.exists()  # the temporary index is removed
    import osmium

    expected = [o.id for o in osmium.FileProcessor(str(yuzhong_osm), osmium.osm.NODE)]
    assert np.array_equal(np.sort(ids), np.sort(np.asarray(expected, np.int64)))


@pytest.fixture(scope="module")
def osm_mosaic():
    spec = importlib.util.spec_from_file_location("bench_osm_mosaic", BENCH / "osm_mosaic.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.mark.slow
def test_window_memory_follows_the_window_not_the_file(
    osm_mosaic, yuzhong_osm: Path, tmp_path: Path
) -> None:
    base = osm_mosaic.read_base(yuzhong_osm)
    one, nine = tmp_path / "m1.osm.pbf", tmp_path / "m3.osm.pbf"
    osm_mosaic.write_osm_mosaic(base, 1, one)
    counts = osm_mosaic.write_osm_mosaic(base, 3, nine)
    assert counts["nodes"] == 9 * len(base.node_id)
    # a window in the part of tile 0 that no other tile overlaps (tiles shift 76 % x 42 %)
    w, s = base.lonlat.min(axis=0)
    step = base.step_deg
    bbox = f"{w + 0.3 * step[0]},{s + 0.2 * step[1]},{w + 0.6 * step[0]},{s + 0.7 * step[1]}"
    margin = 50.0
    nets = [build_network(p, bbox=bbox, margin_m=margin, progress=False) for p in (one, nine)]
    held = [n.source["osm_read"]["node_positions_held"] for n in nets]
    in_file = [n.source["osm_read"]["nodes_in_file"] for n in nets]
    assert in_file[1] == 9 * in_file[0]
    assert held[0] == held[1]  # nine times the file, the same positions held
    assert held[0] < in_file[0] / 2
    assert nets[0].n_nodes == nets[1].n_nodes and nets[0].n_edges == nets[1].n_edges
    # and the reader equals the reference on the mosaic (joins, several tiles)
    _assert_whole_read_matches_reference(nine)
    _assert_window_read_matches_reference(nine, bbox, 300.0)


@pytest.mark.slow
@pytest.mark.realdata
def test_city_benchmark_runs_every_row(yuzhong_osm: Path) -> None:
    """A tiny ``bench_network.py --city`` run: every row (ours, the window, the peers) ran."""
    import subprocess

    args = ["--city", "--nodes", "40000", "--osmnx-nodes", "19405", "--window-km2", "4"]
    proc = subprocess.run(
        [sys.executable, str(BENCH / "bench_network.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    rows = [line for line in lines if line.startswith(("| ours", "| pyrosm"))]
    assert len(rows) == 5 and "| osmnx graph_from_xml" in proc.stdout, proc.stdout
    assert "did not finish" not in proc.stdout and "failed:" not in proc.stdout, proc.stdout
    import importlib.util

    if importlib.util.find_spec("pyrosm") is None:  # the `bench` extra is not installed
        assert "skipped: pyrosm is not installed" in proc.stdout, proc.stdout
    else:
        assert "skipped" not in proc.stdout, proc.stdout

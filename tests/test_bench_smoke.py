"""Smoke test of the benchmark mosaic builder (benchmarks/mosaic.py); no timing assertions."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from harbor_planner import build_network

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def mosaic():
    spec = importlib.util.spec_from_file_location("bench_mosaic", BENCH / "mosaic.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def _check_mosaic(mosaic, base, k: int) -> None:
    m = mosaic.build_mosaic(base, k)
    net = m.network
    assert m.components == 1
    assert m.dropped_nodes == 0
    assert net.n_nodes == k * k * base.n_nodes  # joins add edges, never nodes
    assert net.n_edges == k * k * base.n_edges + m.joins
    assert m.joins > 0
    n_comp, _ = connected_components(net.time_graph(), directed=True, connection="weak")
    assert n_comp == 1
    assert net.nodes["osmid"].is_unique
    # every copy is the base translated by a multiple of the shift
    xy = net.node_xy.reshape(k * k, base.n_nodes, 2) - base.node_xy
    assert np.allclose(xy, xy[:, :1, :])
    # join footways are short, straight, timed both ways
    joins = net.edges.iloc[k * k * base.n_edges :]
    assert (joins["length_m"] <= 30.0 + 1e-9).all()
    assert np.isfinite(joins[["time_fwd_s", "time_bwd_s"]].to_numpy()).all()
    stations = mosaic.random_stations(net, 25, seed=1)
    assert len(stations) == 25 and stations.crs == net.crs
    assert stations.geometry.distance(net.edges_gdf().union_all()).max() < 1e-6


def test_mosaic_tiny(mosaic):
    base = build_network(DATA / "network" / "tiny.osm", progress=False)
    _check_mosaic(mosaic, base, 2)


def test_mosaic_yuzhong(mosaic, yuzhong_osm):
    base = build_network(yuzhong_osm, progress=False)
    _check_mosaic(mosaic, base, 2)
    assert mosaic.grid_size(base.n_nodes, 300_000) == 9


def test_benchmark_skips_without_data(tmp_path):
    # run a copy of the benchmarks from a folder with no shared data beside it
    for name in ("bench_coverage.py", "_measure.py"):
        (tmp_path / name).write_text((BENCH / name).read_text(encoding="utf-8"), "utf-8")
    script = tmp_path / "bench_coverage.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("skipped:") and "absent" in proc.stdout


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize(
    "script",
    [
        ["bench_coverage.py", "--quick"],
        ["bench_optimize.py", "--quick"],
        ["bench_network.py", "--repeat", "1"],
    ],
)
def test_benchmark_quick_runs_every_row(script, yuzhong_osm):
    """Each row of a short benchmark run runs: none reports an exit (a renamed API, say)."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / script[0]), *script[1:]],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| step" in proc.stdout, proc.stdout
    assert "exit 1" not in proc.stdout and "Traceback" not in proc.stdout, proc.stdout


def test_partition_benchmark_inputs_lie_on_its_network(tmp_path):
    """The benchmark's stations, demand and candidates read back where they were made (their
    coordinates were saved in WGS-84 and read as metres: every point 3,349 km off, so the
    benchmark measured searches that found nothing, on one worker as on two)."""
    import argparse

    spec = importlib.util.spec_from_file_location("bench_partition", BENCH / "bench_partition.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    sys.path.insert(0, str(BENCH))  # its helpers (_measure, mosaic) beside it
    try:
        spec.loader.exec_module(bench)
        if not (bench.SHARED / "walk.osm").exists():
            pytest.skip(f"real data {bench.SHARED / 'walk.osm'} is absent")
        args = argparse.Namespace(nodes=20000, stations=50, parts=16, seed=1)
        bench._prepare(tmp_path, args)
        from harbor_planner import load_network

        net = load_network(tmp_path / "mosaic.npz")
        for name, prefix in (("stations", "S"), ("demand", "D"), ("candidates", "C")):
            frame = bench._frame(tmp_path, name, net.crs, prefix)
            near = net.edge_tree.query_nearest(frame.geometry.to_numpy(), return_distance=True)
            assert float(np.max(near[1])) < 1.0, name  # on its streets
    finally:
        sys.modules.pop(spec.name, None)
        sys.path.remove(str(BENCH))

"""Benchmark: build and load the Yuzhong walk network, next to OSMnx on the same file.

Run from the project root::

    python benchmarks/bench_network.py [--repeat 5]

Prints one table; every row is measured in this run (median of ``--repeat`` runs, after one
warm-up). The peers are OSMnx's ``graph_from_xml`` (build) and ``load_graphml`` (load) of the
same ``walk.osm``; the ratio column is peer time / harbor-planner time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata" / "yuzhong"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up (imports, file cache)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    osm, dem = SHARED / "walk.osm", SHARED / "dem_srtm_utm48n.tif"
    if not osm.exists():
        print(f"skipped: {osm} is absent (the shared real data lives beside the repo)")
        return 0

    import osmnx as ox

    from harbor_planner import build_network, load_network, save_network

    warnings.filterwarnings("ignore")
    logging.getLogger("harbor_planner").setLevel(logging.ERROR)  # the DEM-coverage warning
    rows: list[tuple[str, float, str, float | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        npz, graphml = Path(tmp) / "yuzhong.npz", Path(tmp) / "yuzhong.graphml"

        t_ox, graph = timed(
            lambda: ox.graph_from_xml(osm, bidirectional=True, simplify=True), args.repeat
        )
        t_hp, net = timed(lambda: build_network(osm, progress=False), args.repeat)
        rows.append(("build from walk.osm (stairs model)", t_hp, "osmnx.graph_from_xml", t_ox))
        t_hilly, _ = timed(
            lambda: build_network(osm, dem=dem, dem_outside="flat", progress=False), args.repeat
        )
        rows.append(
            ("build from walk.osm + DEM (hilly model)", t_hilly, "osmnx.graph_from_xml", t_ox)
        )

        save_network(net, npz)
        ox.save_graphml(graph, graphml)
        t_oxl, _ = timed(lambda: ox.load_graphml(graphml), args.repeat)
        t_load, _ = timed(lambda: load_network(npz), args.repeat)
        rows.append(("load compiled network (.npz)", t_load, "osmnx.load_graphml", t_oxl))
        sizes = (npz.stat().st_size, graphml.stat().st_size)

    print(f"Yuzhong walk network: harbor-planner {net.n_nodes:,} nodes / {net.n_edges:,} edges;")
    print(
        f"OSMnx {graph.number_of_nodes():,} nodes / {graph.number_of_edges():,} directed edges. "
        f"Median of {args.repeat} runs, Python {sys.version.split()[0]}, osmnx {ox.__version__}."
    )
    print()
    head = ("step", "harbor-planner", "peer", "peer time", "ratio")
    print("| {:<40} | {:>14} | {:<22} | {:>9} | {:>6} |".format(*head))
    print(f"|{'-' * 42}|{'-' * 16}|{'-' * 24}|{'-' * 11}|{'-' * 8}|")
    for name, t, peer, t_peer in rows:
        ratio = f"{t_peer / t:5.1f}x" if t_peer else "-"
        cells = (name, f"{t * 1000:.1f} ms", peer, f"{t_peer * 1000:.0f} ms", ratio)
        print("| {:<40} | {:>14} | {:<22} | {:>9} | {:>6} |".format(*cells))
    print()
    print(
        f"file size: compiled .npz {sizes[0] / 1e6:.1f} MB, OSMnx GraphML {sizes[1] / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: build and load the Yuzhong walk network, next to OSMnx on the same file.

Run from the project root::

    python benchmarks/bench_network.py [--repeat 5]
    flock /tmp/hp_big.lock python benchmarks/bench_network.py --city [--nodes 5000000]

Prints one table; every row is measured in this run (median of ``--repeat`` runs, after one
warm-up). The peers are OSMnx's ``graph_from_xml`` (build) and ``load_graphml`` (load) of the
same ``walk.osm``; the ratio column is peer time / harbor-planner time.

``--city`` measures instead a city-sized ``.osm.pbf``: the Yuzhong mosaic written with osmium
(:mod:`osm_mosaic`, at least ``--nodes`` nodes) in a temporary folder. Each row runs in a
subprocess of its own (time of the call, peak RSS of the process): our build of the whole
file, our build ``--bbox`` a district-sized window (25 km², default 1,125 m margin) and of a
file holding only that window's ways; pyrosm's ``get_network("walking")`` on the same PBF; and
OSMnx's ``graph_from_xml`` (OSM XML only) on the share of the mosaic written as ``.osm`` given
by ``--osmnx-nodes``, next to ours on that same XML file. Peers run with ``--mem-limit-gib``
of address space and ``--timeout`` seconds; a peer over either is reported as such.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
import os
import statistics
import subprocess
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
    parser.add_argument("--city", action="store_true", help="the city-sized PBF table instead")
    parser.add_argument("--nodes", type=int, default=5_000_000, help="--city: mosaic nodes")
    parser.add_argument("--osmnx-nodes", type=int, default=175_000, help="--city: OSMnx share")
    parser.add_argument("--window-km2", type=float, default=25.0)
    parser.add_argument("--timeout", type=float, default=900.0, help="--city: per run, s")
    parser.add_argument("--mem-limit-gib", type=float, default=8.0, help="--city: peers' cap")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)  # a measured child run
    args = parser.parse_args(argv)
    if args.run_one:
        return run_one(json.loads(args.run_one))
    if args.city:
        return city_main(args, SHARED / "walk.osm")
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


def run_one(spec: dict) -> int:
    """Child process: run one job, print one JSON line with its time and the peak RSS."""
    import resource

    from _measure import maxrss_bytes

    if spec.get("mem_limit"):
        lim = int(spec["mem_limit"])
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    warnings.filterwarnings("ignore")
    logging.getLogger("harbor_planner").setLevel(logging.ERROR)
    job, path = spec["job"], spec["path"]
    if job == "ours":
        from harbor_planner import build_network

        t0 = time.perf_counter()
        net = build_network(path, bbox=spec.get("bbox"), progress=False)
        seconds = time.perf_counter() - t0
        read = net.source.get("osm_read", {})
        out = {
            "network": f"{net.n_nodes:,} nodes, {net.n_edges:,} edges",
            "held": read.get("node_positions_held"),
        }
    elif job == "pyrosm":
        import pyrosm

        t0 = time.perf_counter()
        edges = pyrosm.OSM(path).get_network(network_type="walking")
        seconds = time.perf_counter() - t0
        out = {"network": f"{len(edges):,} edges"}
    elif job == "osmnx":
        import osmnx as ox

        t0 = time.perf_counter()
        graph = ox.graph_from_xml(path, bidirectional=True, simplify=True)
        seconds = time.perf_counter() - t0
        out = {"network": f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} arcs"}
    else:  # "extract": a file holding only the ways of a window (and their nodes)
        seconds = _write_window_file(path, spec["bbox"], spec["out"])
        out = {}
    print(json.dumps({"seconds": seconds, "peak_rss": maxrss_bytes(), **out}))
    return 0


def _write_window_file(path: str, bbox: str, out: str) -> float:
    """Write the ways our clipped read keeps (and their nodes) from ``path`` to ``out``."""
    import numpy as np
    import osmium

    from harbor_planner.network.clip import clip_area, read_osm_ways_within
    from harbor_planner.settings import MINUTES

    t0 = time.perf_counter()
    area = clip_area(bbox=bbox, margin_m=MINUTES * 4.5 * 1000 / 60)
    ways = read_osm_ways_within(path, area)
    node_ids = set(np.unique(ways.node_id).tolist())
    way_ids = set(ways.tags["way_id"].astype("int64").tolist())
    with osmium.SimpleWriter(out) as writer:
        for obj in osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and obj.id in node_ids:
                writer.add_node(obj)
            elif obj.is_way() and obj.id in way_ids:
                writer.add_way(obj)
    return time.perf_counter() - t0


def _measure(spec: dict, timeout: float) -> dict:
    """Run ``spec`` in a child process; its JSON, or ``{"failed": why}``."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--run-one", json.dumps(spec)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"failed": f"did not finish in {timeout:,.0f} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        if "MemoryError" in done.stderr or "bad_alloc" in done.stderr or done.returncode < 0:
            cap = spec.get("mem_limit", 0) / 1024**3
            return {"failed": f"ran out of memory (cap {cap:.0f} GiB): {tail[:80]}"}
        return {"failed": f"failed: {tail[:100]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _window_bbox(bounds: tuple[float, float, float, float], km2: float) -> str:
    """A square of ``km2`` square kilometres in the middle of ``bounds`` (W, S, E, N)."""
    w, s, e, n = bounds
    cx, cy = (w + e) / 2, (s + n) / 2
    half = math.sqrt(km2) * 1000 / 2
    dy = half / 111_320
    dx = half / (111_320 * math.cos(math.radians(cy)))
    return f"{cx - dx:.6f},{cy - dy:.6f},{cx + dx:.6f},{cy + dy:.6f}"


def city_main(args: argparse.Namespace, osm: Path) -> int:
    """The city-sized PBF table (see the module docstring)."""
    if not osm.exists():
        print(f"skipped: {osm} is absent (the shared real data lives beside the repo)")
        return 0
    from _measure import GB, fmt_bytes, fmt_time, git_state
    from osm_mosaic import read_base, tile_bounds, write_osm_mosaic

    base = read_base(osm)
    n0 = len(base.node_id)
    k = math.ceil(math.sqrt(args.nodes / n0))
    k_ox = max(1, round(math.sqrt(args.osmnx_nodes / n0)))
    cap = int(args.mem_limit_gib * GB)
    rows: list[tuple[str, str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="hp-bench-city-") as tmp:
        pbf, xml = Path(tmp) / f"mosaic{k}.osm.pbf", Path(tmp) / f"mosaic{k_ox}.osm"
        t0 = time.perf_counter()
        made = write_osm_mosaic(base, k, pbf)
        made_ox = write_osm_mosaic(base, k_ox, xml)
        print(
            f"{k}x{k} Yuzhong mosaic: {made['nodes']:,} nodes, {made['ways']:,} ways "
            f"({made['joins']:,} joins), {made['bytes'] / 1e6:,.0f} MB .osm.pbf; {k_ox}x{k_ox} "
            f"as .osm XML for OSMnx: {made_ox['nodes']:,} nodes, {made_ox['bytes'] / 1e6:,.0f} "
            f"MB (written in {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        bbox = _window_bbox(tile_bounds(base, k), args.window_km2)
        alone = Path(tmp) / "window.osm.pbf"
        _measure({"job": "extract", "path": str(pbf), "bbox": bbox, "out": str(alone)}, 3600)
        plan = [
            ("ours: whole file", "ours", {"path": str(pbf)}, f"{made['nodes']:,}-node PBF"),
            (
                f"ours: --bbox {args.window_km2:g} km²",
                "ours",
                {"path": str(pbf), "bbox": bbox},
                f"{made['nodes']:,}-node PBF",
            ),
            ("ours: the window's file alone", "ours", {"path": str(alone)}, "window PBF"),
            ("ours: XML share", "ours", {"path": str(xml)}, f"{made_ox['nodes']:,}-node XML"),
        ]
        if not args.no_peers:
            plan += [
                ("pyrosm get_network(walking)", "pyrosm", {"path": str(pbf)}, plan[0][3]),
                ("osmnx graph_from_xml", "osmnx", {"path": str(xml)}, plan[3][3]),
            ]
        for name, job, spec, what in plan:
            limit = {"mem_limit": cap} if job != "ours" else {}
            if job != "ours" and importlib.util.find_spec(job) is None:
                result = {"failed": f"skipped: {job} is not installed (pip install -e '.[bench]')"}
            else:
                result = _measure({"job": job, **spec, **limit}, args.timeout)
            rows.append((name, what, result))
            print(f"  {name}: {result}", flush=True)
    _print_city(rows, bbox, git_state(), fmt_time, fmt_bytes)
    return 0


def _print_city(rows: list, bbox: str, state: str, fmt_time, fmt_bytes) -> None:
    by = {name: r for name, _, r in rows}
    ours = {
        "pyrosm get_network(walking)": "ours: whole file",
        "osmnx graph_from_xml": "ours: XML share",
    }
    alone = by.get("ours: the window's file alone", {})
    print()
    print(f"window --bbox {bbox}; git {state}; Python {sys.version.split()[0]}")
    print()
    print("| run | input | time | peak RSS | network | peer / ours (time, RSS) |")
    print("|---|---|---|---|---|---|")
    for name, what, r in rows:
        if "failed" in r:
            print(f"| {name} | {what} | {r['failed']} | | | |")
            continue
        note = ""
        mate = by.get(ours.get(name, ""), {})
        if "seconds" in mate:
            note = f"{r['seconds'] / mate['seconds']:.1f}x, {r['peak_rss'] / mate['peak_rss']:.1f}x"
        elif name.startswith("ours: --bbox") and "peak_rss" in alone:
            note = f"RSS {r['peak_rss'] / alone['peak_rss']:.2f}x the window's file alone"
        held = f"; {r['held']:,} positions held" if r.get("held") else ""
        cells = (
            name,
            what,
            fmt_time(r["seconds"]),
            fmt_bytes(r["peak_rss"]),
            r["network"] + held,
            note,
        )
        print("| {} | {} | {} | {} | {} | {} |".format(*cells))


if __name__ == "__main__":
    sys.exit(main())

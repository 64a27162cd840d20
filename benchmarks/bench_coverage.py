"""Benchmark: 15-minute reachability, isochrone polygons and coverage on a city-scale network.

Run from the project root::

    python benchmarks/bench_coverage.py                # >= 300,000 nodes, 2,000 stations
    python benchmarks/bench_coverage.py --quick        # small smoke run (under a minute)

The Yuzhong walk network (``../shared/geodata/yuzhong/walk.osm``) is tiled into a k x k mosaic
of translated copies joined at their overlaps (``benchmarks/mosaic.py``), with ``--stations``
random stations on its streets (seeded). Every step runs in its own subprocess, which loads the
mosaic from a temporary directory (deleted at the end; nothing is cached in the repository):

(a) harbor-planner: ``network.reachability`` (15 min) for all stations, then
    ``analysis.isochrones`` (reachability and 5/10/15-minute polygons) with
    ``method="exact"`` (each band the band below united with the 25 m buffers of its new
    street pieces, a few pieces buffered together) and ``method="grid"`` (exact distances to
    the pieces on a 10 m grid, contoured at 25 m), each on 1 and 2 threads (``workers``); the
    dissolved service area (``grid_service_area`` against ``service_area`` of the grid
    polygons, no target); and whole-city coverage (nearest station for every node) from
    ``harbor_planner.analysis.coverage``;
(b) the OSMnx isochrone example: a networkx graph with a ``time`` attribute (built from the
    network arrays, not timed), per station ``nx.ego_graph(radius=..., distance="time")`` and the
    union of its nodes buffered by 50 m and its edges by 25 m for each band. It runs on a
    sample of ``--sample`` stations and is **extrapolated** to all stations;
(c) plain ``scipy.sparse.csgraph.dijkstra(graph, indices=station nodes, limit=900)`` (dense
    stations x nodes output: in chunks when the machine lacks the memory, as the table says),
    and the same with ``min_only=True`` (one multi-source search: the plain-scipy coverage);
(d) pandana, the city analyst's tool for whole-city nearest-facility times (optional: skipped
    when ``import pandana`` fails): ``pandana.Network`` on the same nodes and directed arcs
    (reversed, so that its times from each node are our times from the stations) weighted in
    seconds, ``precompute(900)`` (contraction hierarchies: the set-up, timed and measured
    apart, in a note), then the row: ``set_pois`` (the stations mapped to their nearest nodes)
    and ``nearest_pois(900, num_pois=1)`` for every node. It is compared with (a)'s
    whole-city coverage, which starts from the station points (anchoring them on edges is
    part of the row, and its share is given in a note).

Time: harbor-planner steps are the median of ``--repeat`` runs after one warm-up; (b) and (c)
run once (after a one-station warm-up for (b)). Memory: ``peak RSS`` is the subprocess's
``resource.getrusage(RUSAGE_SELF).ru_maxrss``; ``+peak`` is that peak minus the RSS of the same
subprocess after its imports and the mosaic load (and, for (b), the networkx graph), measured by
resetting the kernel's high-water mark (``/proc/self/clear_refs``) just before the step. Where
the reset is not allowed, ``+peak`` is ``ru_maxrss`` after the step minus ``ru_maxrss`` before it
(a lower bound, marked ``>=``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import (
    fmt_bytes,
    fmt_time,
    git_state,
    maxrss_bytes,
    mem_info,
    reset_peak,
    rss_bytes,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata" / "yuzhong"
BANDS_MIN = (5.0, 10.0, 15.0)
LIMIT_MIN = 15.0
OSMNX_EDGE_BUFF_M, OSMNX_NODE_BUFF_M = 25.0, 50.0  # make_iso_polys() in the OSMnx example

#: step key -> label; (a) steps first: the peers' ratios refer to them
STEPS: dict[str, str] = {
    "hp-reach": "(a) hp reachability 15 min",
    "hp-reach-anchored": "(a) hp reachability, pre-anchored",
    "hp-iso": "(a) hp reach + polygons, exact, 1 th",
    "hp-iso-2": "(a) hp reach + polygons, exact, 2 th",
    "hp-iso-grid": "(a) hp reach + polygons, grid, 1 th",
    "hp-iso-grid-2": "(a) hp reach + polygons, grid, 2 th",
    "hp-area-grid": "(a) hp service area, grid, 2 th",
    "hp-area-union": "(a) hp union of grid polygons, 2 th",
    "hp-cover": "(a) hp whole-city coverage",
    "nx-reach": "(b) nx.ego_graph 15 min",
    "nx-iso": "(b) ego_graph + buffers 5/10/15",
    "sp-dijkstra": "(c) csgraph.dijkstra(limit=900)",
    "sp-minonly": "(c) dijkstra(min_only=True)",
    "pd-nearest": "(d) pandana nearest_pois, query",
}
#: peer step -> the harbor-planner step it is compared with
PEER_OF = {
    "nx-reach": "hp-reach",
    "nx-iso": "hp-iso",
    "sp-dijkstra": "hp-reach",
    "sp-minonly": "hp-cover",
    "pd-nearest": "hp-cover",
}
GB = 1024**3  # memory is shown in GiB/MiB; the "1 GB" target is checked as 1 GiB
SLOW_S = 5.0  # a step this slow runs once, cold


# --------------------------------------------------------------------------- worker side


def _measure(fn, repeat: int, warmup: bool) -> dict:
    """Run ``fn`` (returns a dict of facts), timing each run; peak memory over all runs."""
    import gc

    gc.collect()
    baseline_max = maxrss_bytes()
    start_rss = rss_bytes()
    reset = reset_peak()
    times = []
    facts: dict = {}
    for i in range(int(warmup) + repeat):
        gc.collect()
        t0 = time.perf_counter()
        facts = fn()
        dt = time.perf_counter() - t0
        if i >= int(warmup) or dt > SLOW_S:
            times.append(dt)
        if dt > SLOW_S:  # slow steps: one run is enough (and the warm-up counts)
            break
    peak = maxrss_bytes()
    times.sort()
    return {
        "time_s": times[len(times) // 2],
        "runs": len(times),
        "peak_rss": peak,
        "delta": peak - start_rss if reset else peak - baseline_max,
        "baseline_maxrss": baseline_max,
        "exact_delta": reset,
        **facts,
    }


def _load(tmp: Path):
    import geopandas as gpd
    import numpy as np
    import shapely

    from harbor_planner import load_network

    net = load_network(tmp / "mosaic.npz")
    with np.load(tmp / "stations.npz", allow_pickle=False) as z:
        xy, ids = z["xy"], z["ids"]
    stations = gpd.GeoDataFrame(
        {"station_id": ids.astype(str)}, geometry=shapely.points(xy), crs=net.crs
    )
    return net, stations


def _kwargs(fn, **wanted) -> dict:
    """The keyword arguments ``fn`` accepts, from ``wanted`` (the engine is still changing)."""
    import inspect

    params = inspect.signature(fn).parameters
    return {k: v for k, v in wanted.items() if k in params}


def _station_nodes(net, stations):
    """Nearest node of each station (as ``osmnx.distance.nearest_nodes`` would give)."""
    import numpy as np
    from scipy.spatial import cKDTree

    xy = np.column_stack([stations.geometry.x, stations.geometry.y])
    return cKDTree(net.node_xy).query(xy)[1].astype(np.int64)


def _coverage_function():
    """The harbor-planner whole-city coverage function, or None while it does not exist."""
    import importlib

    try:
        cov = importlib.import_module("harbor_planner.analysis.coverage")
    except ImportError:
        return None
    for name in ("nearest_station", "nearest_stations", "node_coverage", "coverage_times"):
        if callable(getattr(cov, name, None)):
            return getattr(cov, name)
    return None


def _worker_prepare(tmp: Path, args: argparse.Namespace) -> dict:
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harbor_planner import build_network, save_network
    from mosaic import build_mosaic, grid_size, random_stations

    base = build_network(SHARED / "walk.osm", progress=False)
    k = grid_size(base.n_nodes, args.nodes)
    t0 = time.perf_counter()
    mosaic = build_mosaic(base, k)
    t_build = time.perf_counter() - t0
    stations = random_stations(mosaic.network, args.stations, seed=args.seed)
    save_network(mosaic.network, tmp / "mosaic.npz")
    xy = np.column_stack([stations.geometry.x, stations.geometry.y])
    np.savez(tmp / "stations.npz", xy=xy, ids=stations["station_id"].to_numpy(str))
    return {
        "describe": mosaic.describe(),
        "base_nodes": base.n_nodes,
        "nodes": mosaic.network.n_nodes,
        "edges": mosaic.network.n_edges,
        "components": mosaic.components,
        "largest": mosaic.largest_nodes,
        "build_s": t_build,
        "walk_model": f"{base.walk_model.kind} at {base.walk_model.speed_kmh:g} km/h",
    }


def _worker_hp(step: str, tmp: Path, args: argparse.Namespace) -> dict:
    import importlib
    import inspect

    import numpy as np

    net, stations = _load(tmp)
    if step == "hp-cover":
        fn = _coverage_function()
        if fn is None:
            why = "harbor_planner.analysis.coverage.nearest_station not available"
            return {"skipped": why}
        kw = _kwargs(fn, minutes=LIMIT_MIN, limit_s=LIMIT_MIN * 60.0, progress=False)
        wants_anchors = "Anchors" in str(inspect.signature(fn).parameters["stations"].annotation)
        anchor_points = importlib.import_module("harbor_planner.network").anchor_points

        def cover() -> dict:
            # end to end from station points, like the reachability row: anchor, then search
            src = anchor_points(net, stations) if wants_anchors else stations
            r = fn(net, src, **kw)
            t = getattr(r, "time_s", None)
            return {} if t is None else {"covered_nodes": int(np.isfinite(t).sum())}

        out = _measure(cover, args.repeat, True)
        if wants_anchors:  # the share of the row spent anchoring the stations on edges
            anchor = lambda: {"anchored": int(anchor_points(net, stations).within.sum())}  # noqa: E731
            out["anchoring_share_s"] = _measure(anchor, args.repeat, True)["time_s"]
        return out
    try:
        iso = importlib.import_module("harbor_planner.analysis")
        isochrones = importlib.import_module("harbor_planner").isochrones
        routing = importlib.import_module("harbor_planner.network")
    except ImportError:
        return {"skipped": "harbor_planner.analysis not available yet"}
    if step in ("hp-reach", "hp-reach-anchored"):
        if not hasattr(routing, "reachability"):
            return {"skipped": "harbor_planner.network.reachability not available yet"}
        kw = _kwargs(routing.reachability, minutes=LIMIT_MIN, progress=False)
        src = stations
        if step == "hp-reach-anchored":
            if not hasattr(routing, "anchor_points"):
                return {"skipped": "harbor_planner.network.anchor_points not available"}
            t0 = time.perf_counter()
            src = routing.anchor_points(net, stations)
            anchoring_s = time.perf_counter() - t0

        def run() -> dict:
            r = routing.reachability(net, src, **kw)
            counts = r.counts() if hasattr(r, "counts") else None
            return {} if counts is None else {"reached_median": float(np.median(counts))}

        out = _measure(run, args.repeat, True)
        return {**out, "anchoring_s": anchoring_s} if src is not stations else out
    if step.startswith("hp-area"):
        # the dissolved service area (5/10/15 min): on one grid, or by uniting the stations'
        # grid polygons (service_area); the polygons themselves are made outside the row
        if not hasattr(iso, "grid_service_area"):
            return {"skipped": "harbor_planner.analysis.grid_service_area not available"}
        kw = {"minutes": BANDS_MIN, "crs": None, "workers": 2}
        if step == "hp-area-grid":
            iso.grid_service_area(net, stations.iloc[:1], **kw)  # load the kernels
            run = lambda: {"bands": len(iso.grid_service_area(net, stations, **kw))}  # noqa: E731
        else:
            polys = isochrones(net, stations, method="grid", progress=False, **kw)
            run = lambda: {"bands": len(iso.service_area(polys))}  # noqa: E731
        return _measure(run, args.repeat, True)
    method = "grid" if "grid" in step else "exact"
    workers = 2 if step.endswith("-2") else 1
    kw = _kwargs(
        isochrones, minutes=BANDS_MIN, crs=None, progress=False, method=method,
        workers=workers,
    )  # fmt: skip
    if kw.get("method", "exact") != method or kw.get("workers", 1) != workers:
        return {"skipped": f"isochrones(method={method!r}, workers=...) not available"}
    t0 = time.perf_counter()  # the first run in a fresh process: loads the compiled kernels
    isochrones(net, stations.iloc[:1], **kw)
    first_s = time.perf_counter() - t0
    out = _measure(lambda: {"polygons": len(isochrones(net, stations, **kw))}, args.repeat, True)
    return {**out, "first_s": first_s, "method": method, "workers": workers}


def _nx_graph(net):
    """A networkx MultiDiGraph of the network, as OSMnx has it: ``time`` and ``geometry``."""
    import networkx as nx
    import numpy as np

    e = net.edges
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    geom = net.edge_geometry
    g = nx.MultiDiGraph(crs=net.crs)
    g.add_nodes_from((i, {"x": x, "y": y}) for i, (x, y) in enumerate(net.node_xy.tolist()))
    for a, b, col in ((u, v, "time_fwd_s"), (v, u, "time_bwd_s")):
        t = e[col].to_numpy()
        ok = np.isfinite(t)
        g.add_edges_from(
            (p, q, {"time": w, "geometry": gm})
            for p, q, w, gm in zip(
                a[ok].tolist(), b[ok].tolist(), t[ok].tolist(), geom[ok], strict=True
            )
        )
    return g


def _osmnx_example_isochrones(g, center: int, limits_s) -> list:
    """Polygons of the OSMnx isochrone example (``make_iso_polys``, infill off), largest first."""
    import geopandas as gpd
    import networkx as nx
    from shapely.geometry import LineString, Point

    polys = []
    for trip_time in sorted(limits_s, reverse=True):
        subgraph = nx.ego_graph(g, center, radius=trip_time, distance="time")
        node_points = [Point((d["x"], d["y"])) for _, d in subgraph.nodes(data=True)]
        nodes_gdf = gpd.GeoDataFrame({"id": list(subgraph.nodes)}, geometry=node_points)
        nodes_gdf = nodes_gdf.set_index("id")
        edge_lines = []
        for n_fr, n_to in subgraph.edges():
            f = nodes_gdf.loc[n_fr].geometry
            t = nodes_gdf.loc[n_to].geometry
            edge_lookup = g.get_edge_data(n_fr, n_to)[0].get("geometry", LineString([f, t]))
            edge_lines.append(edge_lookup)
        n = nodes_gdf.buffer(OSMNX_NODE_BUFF_M).geometry
        e = gpd.GeoSeries(edge_lines).buffer(OSMNX_EDGE_BUFF_M).geometry
        all_gs = list(n) + list(e)
        polys.append(gpd.GeoSeries(all_gs).union_all())
    return polys


def _worker_nx(step: str, tmp: Path, args: argparse.Namespace) -> dict:
    import networkx as nx
    import numpy as np

    net, stations = _load(tmp)
    centers = _station_nodes(net, stations)
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    g = _nx_graph(net)
    setup = {"setup_s": time.perf_counter() - t0, "setup_bytes": rss_bytes() - rss0}
    sample = np.random.default_rng(args.seed + 1).choice(
        len(centers), size=min(args.sample, len(centers)), replace=False
    )
    limit = LIMIT_MIN * 60.0
    if step == "nx-reach":
        warm = lambda: nx.ego_graph(g, int(centers[sample[0]]), radius=limit, distance="time")  # noqa: E731
        one = lambda c: nx.ego_graph(g, c, radius=limit, distance="time").number_of_nodes()  # noqa: E731
    else:
        limits = [b * 60.0 for b in BANDS_MIN]
        warm = lambda: _osmnx_example_isochrones(g, int(centers[sample[0]]), limits)  # noqa: E731
        one = lambda c: len(_osmnx_example_isochrones(g, c, limits))  # noqa: E731
    warm()

    def run() -> dict:
        sizes = [one(int(c)) for c in centers[sample]]
        return {"reached_median": float(np.median(sizes))} if step == "nx-reach" else {}

    out = _measure(run, 1, False)
    return {**out, **setup, "sample": len(sample)}


def _worker_sp(step: str, tmp: Path, args: argparse.Namespace) -> dict:
    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    net, stations = _load(tmp)
    graph = net.time_graph()
    centers = _station_nodes(net, stations)
    limit = LIMIT_MIN * 60.0
    if step == "sp-minonly":

        def cover() -> dict:
            dist, _, _nearest = dijkstra(
                graph, indices=centers, limit=limit, min_only=True, return_predecessors=True
            )
            return {"covered_nodes": int(np.isfinite(dist).sum())}

        return _measure(cover, 1, False)
    need = len(centers) * net.n_nodes * 8
    avail = mem_info("MemAvailable")
    # whole when the dense output fits with room to spare, else chunks of at most avail/4
    rows = len(centers) if need * 1.3 + GB < avail else max(1, int(avail / 4 / (net.n_nodes * 8)))
    n_chunks = -(-len(centers) // rows)

    def run() -> dict:
        counts = []
        for i in range(0, len(centers), rows):
            dist = dijkstra(graph, indices=centers[i : i + rows], limit=limit)
            for j in range(0, len(dist), 64):  # count reached nodes without a big temporary
                counts.append(np.isfinite(dist[j : j + 64]).sum(axis=1))
            del dist
        return {"reached_median": float(np.median(np.concatenate(counts)))}

    out = _measure(run, 1, False)
    return {**out, "chunks": n_chunks, "dense_bytes": need, "mem_available": avail}


class _StdoutToStderr:
    """Send what C/C++ code prints to stdout (pandana's progress) to stderr for a block: the
    worker's stdout carries its JSON result."""

    def __enter__(self) -> _StdoutToStderr:
        sys.stdout.flush()
        self.saved = os.dup(1)
        os.dup2(2, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()
        os.dup2(self.saved, 1)
        os.close(self.saved)


def _worker_pd(tmp: Path, args: argparse.Namespace) -> dict:
    import gc

    import numpy as np
    import pandas as pd

    try:
        import pandana
    except ImportError as exc:
        return {"skipped": f"pandana is not installed ({exc}); pip install pandana"}
    net, stations = _load(tmp)
    e = net.edges
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    tf, tb = e["time_fwd_s"].to_numpy(), e["time_bwd_s"].to_numpy()
    ff, fb = np.isfinite(tf), np.isfinite(tb)
    # reversed arcs: pandana's time from a node to a station is our time from the station
    frm = np.concatenate([v[ff], u[fb]])
    to = np.concatenate([u[ff], v[fb]])
    w = np.concatenate([tf[ff], tb[fb]])
    limit = LIMIT_MIN * 60.0
    sx = pd.Series(stations.geometry.x.to_numpy())
    sy = pd.Series(stations.geometry.y.to_numpy())
    gc.collect()
    rss0, reset = rss_bytes(), reset_peak()
    t0 = time.perf_counter()
    with _StdoutToStderr():
        pn = pandana.Network(
            pd.Series(net.node_xy[:, 0]), pd.Series(net.node_xy[:, 1]),
            pd.Series(frm), pd.Series(to), pd.DataFrame({"time_s": w}), twoway=False,
        )  # fmt: skip
        pn.precompute(limit)
    setup = {
        "setup_s": time.perf_counter() - t0,
        "setup_bytes": maxrss_bytes() - rss0 if reset else rss_bytes() - rss0,
        "setup_exact": reset,
        "version": pandana.__version__,
    }

    def query() -> dict:
        with _StdoutToStderr():
            pn.set_pois("stations", limit, 1, sx, sy)
            near = pn.nearest_pois(limit, "stations", num_pois=1)
        return {"covered_nodes": int((near[1].to_numpy() < limit).sum())}

    return {**_measure(query, args.repeat, True), **setup}


def _worker(args: argparse.Namespace) -> int:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("harbor_planner").setLevel(logging.ERROR)
    tmp = Path(args.tmp)
    step = args.worker
    if step == "prepare":
        out = _worker_prepare(tmp, args)
    elif step.startswith("hp-"):
        out = _worker_hp(step, tmp, args)
    elif step.startswith("nx-"):
        out = _worker_nx(step, tmp, args)
    elif step.startswith("pd-"):
        out = _worker_pd(tmp, args)
    else:
        out = _worker_sp(step, tmp, args)
    print(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- parent side


def _run_worker(step: str, tmp: str, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker", step, "--tmp", tmp,
        "--nodes", str(args.nodes), "--stations", str(args.stations),
        "--sample", str(args.sample), "--repeat", str(args.repeat), "--seed", str(args.seed),
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"exit {proc.returncode}: {tail[:150]}", "wall_s": wall}
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "wall_s": wall}


def _target(step: str, res: dict, results: dict) -> str:
    """The issue's target for this step, with a pass/miss mark (only where measured)."""
    if "time_s" not in res:
        return ""
    if step == "hp-reach":
        ok = res["time_s"] < 1.0 and res["delta"] < GB
        return f"< 1 s, +peak < 1 GB: {'pass' if ok else 'MISS'}"
    if step == "hp-cover":
        return f"< 1 s: {'pass' if res['time_s'] < 1.0 else 'MISS'}"
    if step == "pd-nearest" and "time_s" in results.get("hp-cover", {}):
        ratio = res["time_s"] / results["hp-cover"]["time_s"]
        return f"(d)/(a) {ratio:.1f}x >= 5x: {'pass' if ratio >= 5 else 'MISS'}"
    if step.startswith("hp-iso") and "time_s" in results.get("nx-iso", {}):
        ratio = _totals(results["nx-iso"], res.get("n_stations", 1))[0] / res["time_s"]
        return f"(b)/this {ratio:,.0f}x >= 100x: {'pass' if ratio >= 100 else 'MISS'}"
    return ""


def _totals(res: dict, n_stations: int) -> tuple[float, float, bool]:
    """Total time for all stations, time per station, whether extrapolated."""
    if "sample" in res:
        per = res["time_s"] / res["sample"]
        return per * n_stations, per, True
    return res["time_s"], res["time_s"] / n_stations, False


def _ratio(step: str, res: dict, results: dict) -> float:
    ref = results.get(PEER_OF.get(step, ""), {})
    if "time_s" not in ref or "time_s" not in res:
        return float("nan")
    n = ref.get("n_stations", 1)
    return _totals(res, n)[0] / ref["time_s"]


def _print_table(results: dict, info: dict, args: argparse.Namespace) -> None:
    import importlib.metadata as md

    versions = ", ".join(
        f"{p} {md.version(p)}" for p in ("scipy", "networkx", "shapely", "geopandas")
    )
    print(f"Mosaic of Yuzhong walk.osm ({info['base_nodes']:,} nodes per tile): "
          f"{info['describe']}; built in {info['build_s']:.1f} s.")  # fmt: skip
    print(
        f"{args.stations:,} random stations on its streets (seed {args.seed}); walk model "
        f"{info['walk_model']}; limit {LIMIT_MIN:g} min, bands "
        f"{'/'.join(f'{b:g}' for b in BANDS_MIN)} min."
    )
    print(
        f"Python {platform.python_version()}, {versions}; harbor-planner {git_state()}; "
        f"{os.cpu_count()} CPUs, {mem_info('MemTotal') / GB:.0f} GiB RAM."
    )
    print()
    head = ("step", "all stations", "per station", "peak RSS", "+peak", "vs (a)", "target")
    fmt = "| {:<36} | {:>13} | {:>11} | {:>9} | {:>9} | {:>7} | {:<28} |"
    print(fmt.format(*head))
    print("|" + "|".join("-" * (w + 2) for w in (36, 13, 11, 9, 9, 7, 28)) + "|")
    notes = []
    for step, label in STEPS.items():
        if step not in results:
            continue
        res = results[step]
        if "time_s" not in res:
            why = res.get("skipped") or res.get("failed") or "not run"
            print(fmt.format(label, "-", "-", "-", "-", "-", why[:28]))
            if len(why) > 28:
                notes.append(f"{label}: {why}")
            continue
        total, per, extrap = _totals(res, args.stations)
        ratio = _ratio(step, res, results)
        delta = ("" if res["exact_delta"] else ">=") + fmt_bytes(res["delta"])
        cells = (
            label,
            ("~" if extrap else "") + fmt_time(total),
            fmt_time(per),
            fmt_bytes(res["peak_rss"]),
            delta,
            "-" if ratio != ratio else f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.1f}x",
            _target(step, res, results),
        )
        print(fmt.format(*cells))
        if extrap:
            notes.append(
                f"{label}: measured on {res['sample']} stations ({fmt_time(res['time_s'])}), "
                f"extrapolated x{args.stations / res['sample']:,.0f}; peak memory is the sample's; "
                f"networkx graph built in {res['setup_s']:.1f} s, "
                f"+{fmt_bytes(res['setup_bytes'])} (setup, not in the row)"
            )
        if step == "sp-dijkstra":
            how = (
                "in one call"
                if res["chunks"] == 1
                else f"in {res['chunks']} chunks (not enough free memory for one call)"
            )
            notes.append(
                f"{label}: dense output {fmt_bytes(res['dense_bytes'])}, run {how}; "
                f"{fmt_bytes(res['mem_available'])} was available"
            )
        if "reached_median" in res:
            notes.append(f"{label}: median {res['reached_median']:,.0f} nodes reached per station")
        if "covered_nodes" in res:
            notes.append(f"{label}: {res['covered_nodes']:,} nodes within {LIMIT_MIN:g} min")
        if "anchoring_share_s" in res:
            notes.append(
                f"{label}: of which anchoring the stations on edges (anchor_points) "
                f"{fmt_time(res['anchoring_share_s'])} (median of its own runs)"
            )
        if step == "pd-nearest":
            peak = ("+" if res["setup_exact"] else ">=+") + fmt_bytes(res["setup_bytes"])
            notes.append(
                f"{label}: pandana {res['version']}; set-up (pandana.Network + "
                f"precompute({LIMIT_MIN * 60:g})) {fmt_time(res['setup_s'])}, {peak} peak "
                "memory, not in the row; the row is set_pois + nearest_pois (stations "
                "mapped to their nearest node)"
            )
        if "first_s" in res:
            notes.append(
                f"{label}: the first call in a fresh process (one station) took "
                f"{fmt_time(res['first_s'])}, outside the row"
                + (" (loading the compiled kernels)" if res.get("method") == "grid" else "")
            )
        if "anchoring_s" in res:
            notes.append(
                f"{label}: anchoring the stations on the network (snap_points) took "
                f"{fmt_time(res['anchoring_s'])} once, outside the row; the other (a) rows "
                "include it"
            )
    print()
    print(
        "all stations: total for all stations (~ extrapolated from a sample); +peak: peak RSS "
        "of the step's subprocess minus its RSS after imports and loading the mosaic; vs (a): "
        "peer time / harbor-planner time ((b)/(c) reachability vs (a) reachability, (b) "
        "polygons vs (a) polygons, (c) min_only vs (a) coverage). harbor-planner rows: median "
        f"of {args.repeat} run(s) after a warm-up (one cold run when a run takes over "
        f"{SLOW_S:g} s); (d) the same; other peers: one run."
    )
    for note in notes:
        print(f"- {note}")
    for step, res in results.items():
        if res.get("runs") == 1 and step.startswith("hp-") and args.repeat > 1:
            print(f"- {STEPS[step]}: one cold run (over {SLOW_S:g} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=300_000, help="mosaic size target")
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=20, help="stations for (b)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (a) step")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="small mosaic, few stations")
    parser.add_argument("--steps", help="comma-separated subset of: " + ",".join(STEPS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    osm = SHARED / "walk.osm"
    if not osm.exists():
        print(f"skipped: {osm} is absent (the shared real data lives beside the repo)")
        return 0
    if args.quick:
        args.nodes, args.stations, args.sample, args.repeat = 20_000, 100, 3, 1
    steps = list(STEPS) if not args.steps else args.steps.split(",")
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown --steps {', '.join(unknown)}; known: {', '.join(STEPS)}")

    with tempfile.TemporaryDirectory(prefix="hp-bench-") as tmp:
        info = _run_worker("prepare", tmp, args)
        if "failed" in info:
            print(f"building the mosaic failed: {info['failed']}", file=sys.stderr)
            return 1
        results: dict = {}
        for step in steps:
            print(f"running {STEPS[step]} ...", file=sys.stderr, flush=True)
            results[step] = {**_run_worker(step, tmp, args), "n_stations": args.stations}
    _print_table(results, info, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

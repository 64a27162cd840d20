"""Benchmark: a city-scale study partitioned into parts on a Dask LocalCluster (issue 18).

Run from the project root (the full size needs several GiB: take the machine-wide lock)::

    flock /tmp/hp_big.lock python benchmarks/bench_partition.py          # 1M nodes, 16 parts
    python benchmarks/bench_partition.py --nodes 100000 --skip-whole     # small, for development

The Yuzhong walk network (``../shared/geodata/yuzhong/walk.osm``) is tiled into a mosaic of about
``--nodes`` nodes (``benchmarks/mosaic.py``), with ``--stations`` random stations (seeded), the
main streets as demand (a point every 50 m) and every street candidate site (every 200 m). The
parts are a ``g x g`` grid of polygons over the mosaic (``--parts``, at least 16). Each mode
runs in its own subprocess, which loads the inputs from a temporary folder:

* ``whole``: :func:`~harbor_planner.analysis.coverage.coverage` (15 min) and
  :func:`~harbor_planner.optimize.coverage_matrix` (all candidates, the stations as existing)
  on the whole network, in one process;
* ``parts-N``: the same two calls with the partitioned pair finder
  (:class:`~harbor_planner.pipeline.partition.PartitionedPairs`) on a ``LocalCluster`` of N
  worker processes (one thread each).

Reported: wall time of the two calls; the peak memory (``ru_maxrss``) of the process for
``whole``, and of the client and of each worker (reported by the part tasks themselves) for
``parts-N``, with the worker's memory after loading the network alone (the fixed overhead);
the part tasks' time summed over the workers, wall clock and CPU time of their threads (the
same parts on 1 and on 2 workers: what two busy cores cost each other);
the speed-up of 2 workers over 1; the time projected for more workers from the measured
per-part times (client time + for each batch of rounds submitted together the
longest-processing-time schedule of its parts on N workers); and whether the results equal
the whole run's (coverage summary, matrix, existing coverage).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import fmt_bytes, fmt_time, git_state, maxrss_bytes, mem_info, rss_bytes

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata" / "yuzhong"
MINUTES = 15.0


def _prepare(tmp: Path, args: argparse.Namespace) -> dict:
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harbor_planner import build_network, save_network
    from harbor_planner.candidates.streets import street_candidates
    from harbor_planner.demand import demand_from_spec
    from mosaic import build_mosaic, grid_size, random_stations

    base = build_network(SHARED / "walk.osm", progress=False)
    mosaic = build_mosaic(base, grid_size(base.n_nodes, args.nodes))
    net = mosaic.network
    save_network(net, tmp / "mosaic.npz")
    st = random_stations(net, args.stations, seed=args.seed)
    demand = demand_from_spec("main-streets", network=net, spacing_m=50.0).points
    cand = street_candidates(net, spacing_m=200.0)
    for name, frame in (("stations", st), ("demand", demand), ("candidates", cand)):
        frame = frame.to_crs(net.crs)  # the coordinates saved are read back in the network's CRS
        cols = {c: frame[c].to_numpy() for c in ("weight", "edge", "edge_frac") if c in frame}
        xy = np.column_stack([frame.geometry.x, frame.geometry.y])
        np.savez(tmp / f"{name}.npz", xy=xy, **cols)
    return {
        "describe": mosaic.describe(),
        "nodes": net.n_nodes,
        "stations": len(st),
        "demand": len(demand),
        "candidates": len(cand),
    }


def _frame(tmp: Path, name: str, crs: str, prefix: str):
    import geopandas as gpd
    import numpy as np
    import shapely

    with np.load(tmp / f"{name}.npz") as z:
        data = {k: z[k] for k in z.files}
    xy = data.pop("xy")
    ids = [f"{prefix}{i}" for i in range(len(xy))]
    key = "station_id" if prefix == "S" else "site_id"
    return gpd.GeoDataFrame({key: ids, **data}, geometry=shapely.points(xy), crs=crs)


def _parts(net, k: int):
    import numpy as np
    import shapely

    from harbor_planner.pipeline.partition import Parts

    g = max(1, int(np.ceil(np.sqrt(k))))
    lo, hi = net.node_xy.min(axis=0), net.node_xy.max(axis=0)
    xs, ys = np.linspace(lo[0], hi[0], g + 1), np.linspace(lo[1], hi[1], g + 1)
    boxes = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(g) for j in range(g)]
    names = [f"part{i:02d}{j:02d}" for i in range(g) for j in range(g)]
    return Parts(names, np.array(boxes, dtype=object), "grid", "name")


def _digest(cov, cm) -> str:
    """A hash of everything compared: coverage summary, matrix and existing coverage."""
    h = hashlib.sha256()
    summary = {k: v for k, v in cov.summary.items() if k not in ("runtime_s",)}
    h.update(json.dumps(summary, sort_keys=True, default=str).encode())
    h.update(cov.demand["time_min"].to_numpy().tobytes())
    h.update(cov.demand["n_stations"].to_numpy().tobytes())
    covers = cm.covers.tocsc()
    covers.sort_indices()
    for a in (covers.indptr, covers.indices, cm.existing_count):
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def _probe(path: str) -> int:
    """On a worker: its RSS after loading the network (the fixed overhead of every part)."""
    from harbor_planner.network import load_network

    load_network(path)
    return rss_bytes()


def _lpt(times: list[float], n: int) -> float:
    """The makespan of the longest-processing-time schedule of ``times`` on ``n`` workers."""
    loads = [0.0] * n
    for t in sorted(times, reverse=True):
        loads[loads.index(min(loads))] += t
    return max(loads)


def _compute(tmp: Path, workers: int, parts_k: int) -> dict:
    from harbor_planner import load_network
    from harbor_planner.analysis.coverage import coverage
    from harbor_planner.optimize import coverage_matrix

    net = load_network(tmp / "mosaic.npz")
    st = _frame(tmp, "stations", net.crs, "S")
    demand = _frame(tmp, "demand", net.crs, "D")
    cand = _frame(tmp, "candidates", net.crs, "C")

    import geopandas as gpd

    parts = _parts(net, parts_k)
    # the parts are the districts of the tables (the mosaic lies mostly outside Chongqing's)
    districts = gpd.GeoDataFrame({"name": parts.names}, geometry=parts.geometry, crs=net.crs)

    def both() -> tuple:
        cov = coverage(net, st, demand, minutes=MINUTES, districts=districts)
        cm = coverage_matrix(net, cand, demand, minutes=MINUTES, existing=st, progress=False)
        return cov, cm

    out: dict = {"workers": workers}
    if workers == 0:
        t0 = time.perf_counter()
        cov, cm = both()
        out["wall_s"] = time.perf_counter() - t0
        out["peak_rss"] = maxrss_bytes()
        out["digest"] = _digest(cov, cm)
        out["pairs"] = int(cm.covers.nnz)
        return out
    from harbor_planner.cluster import open_cluster
    from harbor_planner.network.pairs import prepare_pairs, use_pair_finder
    from harbor_planner.pipeline.partition import PartitionedPairs

    with (
        tempfile.TemporaryDirectory(dir=tmp) as work,
        open_cluster(None, workers=workers) as (client, info),
    ):
        overhead = client.run(_probe, str(tmp / "mosaic.npz"))
        finder = PartitionedPairs(None, client, info, Path(work), progress=False, parts=parts)
        t0, cpu0 = time.perf_counter(), time.process_time()
        with use_pair_finder(finder):
            prepare_pairs(net)  # as the pipeline does once it has the network: timed here
            cov, cm = both()
        out["wall_s"] = time.perf_counter() - t0
        out["client_cpu_s"] = time.process_time() - cpu0
        rec = finder.record()
    out["peak_rss"] = maxrss_bytes()
    out["digest"] = _digest(cov, cm)
    out["pairs"] = int(cm.covers.nnz)
    out["overhead_rss"] = max(overhead.values())
    out["workers_table"] = rec["workers"]
    out["parts_s"] = sum(w["seconds"] for w in rec["workers"].values())
    out["parts_cpu_s"] = sum(w["cpu_seconds"] for w in rec["workers"].values())
    out["rounds"] = rec["rounds"]
    out["parts"] = rec["part_timings"]
    batch_of = {r["round"]: r.get("batch", r["round"]) for r in rec["rounds"]}
    by_batch: dict[int, list[float]] = {}  # rounds submitted together share one schedule
    for p in rec["part_timings"]:
        for k, s in p["seconds_by_round"].items():
            by_batch.setdefault(batch_of[int(k)], []).append(s)
    batch_s = {r.get("batch", r["round"]): r["seconds"] for r in rec["rounds"]}
    client_s = out["wall_s"] - sum(batch_s.values())
    out["client_s"] = client_s
    out["batches"] = len(batch_s)
    out["projected_s"] = {
        n: client_s + sum(_lpt(t, n) for t in by_batch.values()) for n in (1, 2, 4, 8, 16)
    }
    return out


def _sub(mode: str, tmp: str, args: argparse.Namespace, extra: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--_step", mode, "--_tmp", tmp, *extra]
    res = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if res.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _report(info: dict, results: dict, args: argparse.Namespace) -> None:
    print(f"bench_partition ({git_state()}): {info['describe']}")
    print(
        f"{info['stations']:,} stations, {info['demand']:,} demand points (main streets every "
        f"50 m), {info['candidates']:,} street candidates (every 200 m); {MINUTES:g} min; "
        f"{args.parts} parts (grid); machine {os.cpu_count()} CPUs, "
        f"{fmt_bytes(mem_info('MemTotal'))} RAM"
    )
    print(f"{'mode':<10} {'time':>9} {'client peak':>12} {'worker peak (each)':>28} {'same':>5}")
    ref = results.get("whole", {}).get("digest")
    for mode, r in results.items():
        peaks = ", ".join(
            fmt_bytes(w["peak_rss_mb"] * 2**20) for w in r.get("workers_table", {}).values()
        )
        same = "-" if ref is None or mode == "whole" else ("yes" if r["digest"] == ref else "NO")
        cells = f"{fmt_time(r['wall_s']):>9} {fmt_bytes(r['peak_rss']):>12} {peaks:>28}"
        print(f"{mode:<10} {cells} {same:>5}")
    one, two = results.get("parts-1"), results.get("parts-2")
    if one and two:
        print(f"2 workers vs 1: {one['wall_s'] / two['wall_s']:.2f}x faster (target >= 1.7x); "
              f"results of 1 and 2 workers equal: {one['digest'] == two['digest']}")  # fmt: skip
    for r in (one, two):
        if not r:
            continue
        largest = max(r["parts"], key=lambda p: p["seconds"])
        print(
            f"parts-{r['workers']}: client {fmt_time(r['client_s'])} of {fmt_time(r['wall_s'])}; "
            f"worker after loading the network {fmt_bytes(r['overhead_rss'])}; slowest part "
            f"{largest['name']} {fmt_time(largest['seconds'])} ({largest['demand_points']:,} "
            f"points, clip up to {largest['max_nodes']:,} nodes); {len(r['rounds'])} rounds in "
            f"{r['batches']} batches; the client process's CPU {fmt_time(r['client_cpu_s'])} "
            f"(all its threads: {fmt_time(r['client_cpu_s'] - r['client_s'])} more than its own "
            "steps' wall time, taken while the parts ran)"
        )
    if one and two:
        print(
            f"parts' task time summed over the workers: 1 worker {fmt_time(one['parts_s'])} "
            f"(CPU {fmt_time(one['parts_cpu_s'])}), 2 workers {fmt_time(two['parts_s'])} (CPU "
            f"{fmt_time(two['parts_cpu_s'])}): the same parts take "
            f"{100 * (two['parts_cpu_s'] / one['parts_cpu_s'] - 1):+.0f} % CPU with both cores "
            f"busy, and wait {fmt_time(two['parts_s'] - two['parts_cpu_s'])} for a core"
        )
    if one:
        proj = ", ".join(f"{n}: {fmt_time(s)}" for n, s in one["projected_s"].items())
        print(f"projected from the per-part times of parts-1 (N workers: time): {proj}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--parts", type=int, default=16)
    ap.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    ap.add_argument("--skip-whole", action="store_true", help="leave out the unpartitioned run")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--_step", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--_tmp", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._step is not None:
        tmp = Path(args._tmp)
        res = (
            _prepare(tmp, args)
            if args._step == "prepare"
            else _compute(tmp, int(args._step), args.parts)
        )
        print(json.dumps(res, default=str))
        return 0
    if not (SHARED / "walk.osm").exists():
        print(f"skipped: {SHARED / 'walk.osm'} is absent")
        return 0
    extra = ["--nodes", str(args.nodes), "--stations", str(args.stations),
             "--parts", str(args.parts), "--seed", str(args.seed)]  # fmt: skip
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="hp-bench-parts-") as tmp:
        info = _sub("prepare", tmp, args, extra)
        if not args.skip_whole:
            results["whole"] = _sub("0", tmp, args, extra)
        for n in (int(x) for x in args.workers.split(",") if x.strip()):
            results[f"parts-{n}"] = _sub(str(n), tmp, args, extra)
    _report(info, results, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

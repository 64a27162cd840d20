"""Latency of the planning page's edits: add and move a station (p50/p95 over N moves).

Yuzhong (the demo: its network, stations and demand) and the k x k mosaic of Yuzhong
(``--mosaic K``; K=9 gives about 374k nodes, run it under ``flock /tmp/hp_big.lock``), with
street-sample demand every 50 m and random stations. Targets: 200 ms (Yuzhong), 1 s (mosaic).

    python benchmarks/bench_serve.py                 # Yuzhong
    flock /tmp/hp_big.lock python benchmarks/bench_serve.py --mosaic 9 --stations 300
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _latency(plan, n: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    ll = plan.demand_lonlat
    add, move = [], []
    sid = None
    for _ in range(n):
        lon, lat = ll[rng.integers(len(ll))]
        t = time.perf_counter()
        if sid is None:
            sid = plan.add(lon, lat).station_id
            plan.snapshot()
            add.append(time.perf_counter() - t)
            continue
        plan.update(sid, lon=lon, lat=lat)
        plan.snapshot()
        move.append(time.perf_counter() - t)
        if rng.random() < 0.1:
            t = time.perf_counter()
            plan.add(lon + 1e-4, lat)
            plan.snapshot()
            add.append(time.perf_counter() - t)
    ms = lambda xs, q: 1000 * float(np.percentile(xs, q))  # noqa: E731
    return {"add_p50": ms(add, 50), "add_p95": ms(add, 95), "move_p50": ms(move, 50),
            "move_p95": ms(move, 95), "moves": len(move), "adds": len(add)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mosaic", type=int, default=0, help="k x k mosaic of Yuzhong (0: Yuzhong)")
    p.add_argument("--stations", type=int, default=200, help="random stations on the mosaic")
    p.add_argument("--moves", type=int, default=100)
    args = p.parse_args(argv)
    from harbor_planner.scenario import demo_scenario_path
    from harbor_planner.serve.session import load_session
    from harbor_planner.serve.state import PlanState

    t0 = time.perf_counter()
    session = load_session(demo_scenario_path(), out_dir=Path("/tmp/bench_serve"), progress=False)
    plan, what = session.plan, f"Yuzhong ({session.network.n_nodes:,} nodes)"
    if args.mosaic:
        from harbor_planner.demand import demand_from_spec
        from mosaic import build_mosaic, random_stations

        m = build_mosaic(session.network, args.mosaic)
        net = m.network
        demand = demand_from_spec("main-streets", network=net, spacing_m=50)
        stations = random_stations(net, args.stations)
        t0 = time.perf_counter()
        plan = PlanState(net, stations, demand, minutes=15)
        what = m.describe()
    load_s = time.perf_counter() - t0
    res = _latency(plan, args.moves, seed=1)
    target = 1000 if args.mosaic else 200
    print(f"{what}; {len(plan.weight):,} demand points, {len(plan.stations)} stations; "
          f"state built in {load_s:.1f} s")  # fmt: skip
    print(f"add:  p50 {res['add_p50']:.1f} ms, p95 {res['add_p95']:.1f} ms ({res['adds']} adds)")
    print(
        f"move: p50 {res['move_p50']:.1f} ms, p95 {res['move_p95']:.1f} ms ({res['moves']} moves)"
    )
    ok = res["move_p95"] <= target and res["add_p95"] <= target
    print(f"target {target} ms: {'met' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

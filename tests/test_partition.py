"""Partitioned runs (issue 18): parts, clipped networks, the Dask cluster, identical results."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import shapely

from harbor_planner.pipeline.part_work import PartTask, clip_compiled, run_part
from harbor_planner.pipeline.partition import Parts

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "geodata" / "demo"
SHARED = ROOT.parent / "shared" / "geodata"


@pytest.fixture(scope="module")
def hilly_net():
    """The demo's walk network under the hilly model (downhill ways beat the flat speed)."""
    import harbor_planner as hp

    return hp.build_network(
        DEMO / "yuzhong_walk.osm.bz2", dem=DEMO / "dem.tif", dem_outside="flat", progress=False
    )


def _grid_parts(net, k: int, scale: float = 1.0) -> Parts:
    """A k x k grid of boxes over the network, each shrunk to ``scale`` (gaps between)."""
    lo, hi = net.node_xy.min(axis=0), net.node_xy.max(axis=0)
    xs, ys = np.linspace(lo[0], hi[0], k + 1), np.linspace(lo[1], hi[1], k + 1)
    boxes = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(k) for j in range(k)]
    boxes = [shapely.affinity.scale(b, scale, scale) for b in boxes]
    names = [f"P{i}{j}" for i in range(k) for j in range(k)]
    return Parts(
        names=names, geometry=np.array(boxes, dtype=object), source="grid", name_column="name"
    )


def _street_points(net, n: int, seed: int):
    """Anchors of ``n`` points on random edges (and a few off the network)."""
    from harbor_planner.network import anchor_points

    rng = np.random.default_rng(seed)
    edge = rng.integers(0, net.n_edges, n)
    pts = shapely.line_interpolate_point(net.edge_geometry[edge], rng.random(n), normalized=True)
    xy = shapely.get_coordinates(pts) + rng.normal(0, 15, (n, 2))
    return anchor_points(net, xy, max_dist_m=50)


def test_parts_assign_ties_to_first_name_and_outside_to_nearest():
    a = shapely.box(0, 0, 10, 10)
    b = shapely.box(10, 0, 20, 10)  # shares the edge x = 10 with a
    parts = Parts(
        names=["A", "B"], geometry=np.array([a, b], dtype=object), source="t", name_column="name"
    )
    xy = np.array([[5, 5], [15, 5], [10, 5], [25, 5], [-3, 5], [10, 20]], dtype=float)
    part, outside = parts.assign(xy)
    # inside; inside; on the shared edge -> first by name; outside -> nearest; equidistant -> A
    assert part.tolist() == [0, 1, 0, 1, 0, 0]
    assert outside == 3


def test_parts_assign_equals_the_tree_query_on_overlapping_parts():
    """Points in overlapping and touching polygons, on their boundaries and outside all go to
    the part of the reference rule (first by name holding it, else the nearest)."""
    rng = np.random.default_rng(5)
    polys = [shapely.box(x, y, x + 300, y + 300) for x, y in rng.uniform(0, 900, (12, 2))]
    polys += [shapely.Point(600, 600).buffer(250), shapely.box(0, 0, 300, 300)]
    parts = Parts(
        names=[f"N{i:02d}" for i in range(len(polys))], geometry=np.array(polys, dtype=object),
        source="t", name_column="name",
    )  # fmt: skip
    xy = np.vstack([
        rng.uniform(-200, 1400, (20_000, 2)),
        np.round(rng.uniform(0, 1200, (2000, 2)) / 300) * 300,  # corners and edges of boxes
    ])  # fmt: skip
    part, outside = parts.assign(xy)
    points = shapely.points(xy)
    holders = [np.flatnonzero(shapely.intersects(parts.geometry, p)) for p in points]
    dist = shapely.distance(parts.geometry[None, :], points[:, None])
    want = [
        h[0] if len(h) else int(np.flatnonzero(d == d.min())[0])
        for h, d in zip(holders, dist, strict=True)
    ]
    assert part.tolist() == want
    assert outside == sum(1 for h in holders if not len(h)) > 0


@pytest.mark.parametrize("scale", [1.0, 0.2])
def test_parts_of_every_part_equal_the_whole_network(hilly_net, tmp_path, scale):
    """The pairs found part by part (clipped networks, margin from the fastest way) are the
    pairs of the whole network, each demand point in exactly one part; also with parts that
    leave wide gaps (a fifth of each box: most points outside every part, given to the
    nearest, whose clip then reaches them: probe 13G found their walks lost)."""
    from harbor_planner.network.pairs import local_pairs, reach_radius_m
    from harbor_planner.pipeline.part_work import anchor_arrays

    net = hilly_net
    minutes, limit_s = 10.0, 600.0 + 1e-9
    sources, points = _street_points(net, 150, 1), _street_points(net, 3000, 2)
    want_d, want_s = local_pairs(net, sources, points, minutes=minutes, limit_s=limit_s)
    assert len(want_d) > 1000
    parts = _grid_parts(net, 3, scale)
    part, outside = parts.assign(points.xy(net))
    assert (outside > len(points) / 2) == (scale < 1)
    part = np.where(points.within, part, -1)
    points_file, sources_file = tmp_path / "points.npz", tmp_path / "sources.npz"
    np.savez(points_file, point_part=part, **anchor_arrays("p", points))
    np.savez(sources_file, **anchor_arrays("s", sources))
    path = tmp_path / "net.npz"
    import harbor_planner as hp

    hp.save_network(net, path)
    from harbor_planner._io import file_stamp

    margin = reach_radius_m(net, minutes)
    assert margin > net.walk_model.speed_ms * minutes * 60  # downhill is faster than flat
    got_d, got_s, seen = [], [], []
    for i in np.unique(part[part >= 0]):
        task = PartTask(
            name=parts.names[i], index=int(i), network_path=str(path),
            network_stamp=file_stamp(path) if i % 2 else None, walk_model=net.walk_model,
            points_path=str(points_file), sources_path=str(sources_file),
            region_wkb=shapely.to_wkb(parts.geometry[i]),
            margin_m=margin, minutes=minutes, limit_s=limit_s,
        )  # fmt: skip
        r = run_part(task)
        assert r.nodes < net.n_nodes  # the part ran on its own clipped network
        assert r.source_local.dtype == np.uint16  # the part's own sources: under 65,536
        assert r.source_ids.dtype == np.int32 and (np.diff(r.source_ids) > 0).all()
        assert (np.diff(r.point_pos) > 0).all() and r.counts.sum() == len(r.source_local)
        got_d.append(np.repeat(r.point_pos, r.counts)), got_s.append(r.source_pos())
        assert (np.diff(got_d[-1] * len(sources) + got_s[-1]) > 0).all()  # sorted, distinct
        seen.append(np.flatnonzero(part == i))
    seen = np.concatenate(seen)
    assert len(seen) == len(np.unique(seen)) == int(points.within.sum())
    # a worker reading the file after it changed (a retry on a fresh worker) refuses it
    from harbor_planner.errors import InputDataError
    from harbor_planner.pipeline import part_work

    stale = dataclasses.replace(task, network_stamp=(1, path.stat().st_size))
    part_work._NETWORKS.clear()
    with pytest.raises(InputDataError, match="network file changed while the run used it"):
        run_part(stale)
    # a worker of a running scheduler forgets the run's network and anchors at its end (22D)
    run_part(task)
    assert part_work._NETWORKS and part_work._INPUTS
    assert part_work.release_networks(str(tmp_path)) >= 1
    assert not part_work._NETWORKS and not part_work._INPUTS
    got = np.concatenate(got_d) * len(sources) + np.concatenate(got_s)
    assert len(np.unique(got)) == len(got)  # no pair twice (each point in one part)
    np.testing.assert_array_equal(np.sort(got), np.unique(want_d * len(sources) + want_s))


class _NoWorkers:
    """A client without workers: the network file is chosen, nothing is submitted."""

    def scheduler_info(self):
        return {"workers": {}}


def test_workers_read_the_runs_own_copy_of_a_saved_network(hilly_net, tmp_path):
    """Probe 15R: the workers once read the user's .npz itself while its stamp (mtime, size)
    was unchanged; a network rebuilt during the run keeps its size, and with cp -p or a coarse
    clock its mtime too, so workers could search another network. They read the run's own
    copy, written once per network (a re-timed copy of the same nodes and edges shares it)."""
    import harbor_planner as hp
    from harbor_planner._io import file_stamp
    from harbor_planner.cluster import ClusterInfo
    from harbor_planner.pipeline.partition import PartitionedPairs

    path = tmp_path / "net.npz"
    hp.save_network(hilly_net, path)
    stamp = file_stamp(path)
    net = hp.load_network(path)
    steep = hp.WalkModel(kind="hilly", speed_kmh=4.0)
    for kind in ("local", "scheduler"):
        work = tmp_path / f"work-{kind}"
        work.mkdir()
        info = ClusterInfo(kind, "tcp://127.0.0.1:1", 0)
        finder = PartitionedPairs(None, _NoWorkers(), info, work, progress=False,
                                  parts=_grid_parts(net, 2))  # fmt: skip
        finder.prepare(net)
        finder.prepare(net.with_walk_model(steep))  # the same nodes and edges: no new file
        assert sorted(p.name for p in work.iterdir()) == ["network-0.npz"]
        assert file_stamp(work / "network-0.npz") is not None
    assert file_stamp(path) == stamp  # the user's file untouched


def test_clip_keeps_every_edge_near_the_region_and_the_extra_edges(hilly_net):
    net = hilly_net
    lo = net.node_xy.min(axis=0)
    region = shapely.box(lo[0], lo[1], lo[0] + 500, lo[1] + 500)
    sub, edge_map = clip_compiled(net, region, 300.0, edges=np.array([net.n_edges - 1]))
    kept = np.flatnonzero(edge_map >= 0)
    assert edge_map[net.n_edges - 1] >= 0 and sub.n_edges == len(kept)
    # times and geometry are those of the whole network, in the same order
    np.testing.assert_array_equal(
        sub.edges["time_fwd_s"].to_numpy(), net.edges["time_fwd_s"].to_numpy()[kept]
    )
    xy = net.node_xy
    near = shapely.dwithin(region, shapely.points(xy), 300.0)
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    assert set(np.flatnonzero(near[u] | near[v])) <= set(kept)


def test_scheduler_credentials_never_recorded():
    from harbor_planner._text import redact_argv
    from harbor_planner.cluster import public_address

    assert public_address("tcp://alice:s3cret@10.1.2.3:8786") == "tcp://10.1.2.3:8786"
    assert public_address("tls://10.1.2.3:8786") == "tls://10.1.2.3:8786"
    for after in ("/?password=X2", "/path?token=X3", "?token=X1", "#X4", "/;token=X5",
                  "/?token=a)X6"):  # probe 22D, 22R  # fmt: skip
        assert public_address(f"tcp://10.1.2.3:8786{after}") == "tcp://10.1.2.3:8786"
        if "=" in after:  # the command line recorded: a secret's value replaced
            said = redact_argv(["run", "a.toml", "--scheduler", f"tcp://h:1{after}"])
            assert "X" not in " ".join(said), said
    argv = redact_argv(
        ["run", "a.toml", "--scheduler", "tcp://u:pw@h:1", "--set", "run.scheduler=tcp://u:pw@h:1"]
    )
    assert "pw" not in " ".join(argv) and "tcp://h:1" in argv


def test_a_malformed_scheduler_address_is_one_line_without_its_password(tmp_path):
    bad = _run([str(DEMO / "demo.toml"), "--out", str(tmp_path / "o"), "--partition", "district",
                "--scheduler", "tcp://bob:pw-secret@127.0.0.1:1"])  # fmt: skip
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "--scheduler" in bad.stderr
    assert "pw-secret" not in bad.stderr + bad.stdout


def test_run_section_checked():
    from harbor_planner.errors import ScenarioError
    from harbor_planner.scenario import load_scenario

    toml = DEMO / "demo.toml"
    with pytest.raises(ScenarioError, match=r"run\.workers must be 1 to 1024"):
        load_scenario(toml, overrides=["run.workers=0"])
    with pytest.raises(ScenarioError, match=r"run\.partition_name needs run\.partition"):
        load_scenario(toml, overrides=["run.partition_name=NAME"])
    for key in ("run.workers=2", "run.scheduler=tcp://127.0.0.1:1"):  # ignored without a partition
        with pytest.raises(ScenarioError, match=r"is for a partitioned run"):
            load_scenario(toml, overrides=[key])
    s = load_scenario(toml, overrides=["run.partition=district", "run.scheduler=tcp://u:p@h:1"])
    assert s.run.partition == "district" and s.run.partition_file is None
    assert s.to_dict()["run"]["scheduler"] == "tcp://h:1"
    s = load_scenario(toml, overrides=["run.partition=parts.gpkg"])
    assert s.run.partition_file == Path.cwd() / "parts.gpkg"
    assert s.input_files()["partition"] == Path.cwd() / "parts.gpkg"


# ------------------------------------------------------------------ real clusters (slow)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = (
        src + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else src
    )
    env.update(extra)
    return env


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harbor_planner", "run", *args, "-q"],
        capture_output=True, text=True, env=_env(**env), timeout=600,
    )  # fmt: skip


def _grid_file(path: Path, districts: list[str], k: int) -> Path:
    import geopandas as gpd

    from harbor_planner.districts import chongqing_districts

    d = chongqing_districts()
    w, s, e, n = shapely.union_all(d[d["name_zh"].isin(districts)].geometry.to_numpy()).bounds
    xs, ys = np.linspace(w - 0.02, e + 0.02, k + 1), np.linspace(s - 0.02, n + 0.02, k + 1)
    boxes = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(k) for j in range(k)]
    names = [f"格{i}{j}" for i in range(k) for j in range(k)]
    gpd.GeoDataFrame({"片区": names}, geometry=boxes, crs="EPSG:4326").to_file(path)
    return path


def _same_results(a: Path, b: Path) -> None:
    assert json.loads((a / "summary.json").read_text()) == json.loads(
        (b / "summary.json").read_text()
    )
    for name in ("by_district.csv", "selected_sites.csv", "by_district_after.csv", "stations.csv"):
        if (a / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow
def test_demo_partitioned_on_a_local_cluster_is_identical(tmp_path):
    parts = _grid_file(tmp_path / "parts.geojson", ["渝中区"], 2)
    common = [str(DEMO / "demo.toml"), "--set", 'output.formats=["tables"]']
    whole = _run([*common, "--out", str(tmp_path / "whole")])
    assert whole.returncode == 0, whole.stderr
    part = _run([
        *common, "--out", str(tmp_path / "part"), "--partition", str(parts), "--workers", "2",
        "--set", "run.partition_name=片区",
    ])  # fmt: skip
    assert part.returncode == 0, part.stderr
    _same_results(tmp_path / "whole", tmp_path / "part")
    rec = json.loads((tmp_path / "part" / "run.json").read_text())["partition"]
    assert rec["partition"] == "parts.geojson" and rec["name_column"] == "片区"
    assert rec["cluster"]["kind"] == "local" and rec["cluster"]["workers"] == 2
    assert rec["cluster"]["scheduler"].startswith("tcp://127.0.0.1:")
    timings = rec["part_timings"]
    # the parts that ran (held demand) and the workers that ran them (probe 22D)
    assert rec["parts_run"] == len(timings) <= rec["parts"]
    assert rec["cluster"]["workers_used"] == len(rec["workers"]) == 2
    assert len(timings) >= 2 and sum(t["demand_points"] for t in timings) == 5055
    assert all(t["seconds"] > 0 and t["workers"] for t in timings)
    # the task threads' CPU time: positive, and (one thread a task) never above the wall time
    assert all(0 < t["cpu_seconds"] <= t["seconds"] + 0.01 * len(rec["rounds"]) for t in timings)
    workers = rec["workers"].values()
    assert sum(w["cpu_seconds"] for w in workers) == pytest.approx(
        sum(t["cpu_seconds"] for t in timings), abs=0.01
    )
    assert len({w for t in timings for w in t["workers"]}) == 2  # both workers took parts
    # the coverage matrix's candidates and existing stations go to the cluster in one batch
    batches = [r["batch"] for r in rec["rounds"]]
    assert len(batches) > len(set(batches)) and batches == sorted(batches)
    assert json.loads((tmp_path / "whole" / "run.json").read_text())["partition"] is None


@pytest.mark.slow
def test_multi_district_real_study_partitioned_by_district(tmp_path):
    roads = [SHARED / "chongqing_osm_2022" / f"roads_{d}.geojson" for d in ("yuzhong", "jiangbei")]
    stations = SHARED / "yuzhong" / "stations_illustrative_gbk.csv"
    if not all(p.exists() for p in [*roads, stations]):
        pytest.skip(f"real data under {SHARED} is absent")
    scenario = tmp_path / "two.toml"
    scenario.write_text(
        f"""
[study]
districts = ["渝中区", "江北区"]
[network]
source = {json.dumps([str(p) for p in roads])}
walk_model = "stairs"
[stations]
file = "{stations}"
crs = "gcj02"
[demand]
kind = "main-streets"
spacing_m = 100
[optimize]
add = 6
candidate_spacing_m = 400
solver = "greedy"
[output]
formats = ["tables"]
""",
        "utf-8",
    )
    whole = _run([str(scenario), "--out", str(tmp_path / "whole")])
    assert whole.returncode == 0, whole.stderr
    part = _run(
        [
            str(scenario),
            "--out",
            str(tmp_path / "part"),
            "--partition",
            "district",
            "--workers",
            "2",
        ]
    )
    assert part.returncode == 0, part.stderr
    _same_results(tmp_path / "whole", tmp_path / "part")
    rec = json.loads((tmp_path / "part" / "run.json").read_text())["partition"]
    names = {t["name"] for t in rec["part_timings"]}
    assert {"渝中区", "江北区"} <= names


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _scheduler_and_worker():
    """A `dask scheduler` and a `dask worker` started apart, on 127.0.0.1; stopped after.

    Yields the scheduler's address and the two processes (scheduler first).
    """
    import shutil

    dask_cli = shutil.which("dask") or str(Path(sys.executable).with_name("dask"))
    if not Path(dask_cli).exists():
        pytest.skip("the dask command line is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = _env()
    procs = []
    try:
        procs.append(subprocess.Popen(
            [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        procs.append(subprocess.Popen(
            [dask_cli, "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address, procs
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_demo_on_a_dask_scheduler_and_worker_started_apart(tmp_path):
    with _scheduler_and_worker() as (address, _):
        parts = _grid_file(tmp_path / "parts.geojson", ["渝中区"], 2)
        common = [str(DEMO / "demo.toml"), "--set", 'output.formats=["tables"]', "--set",
                  "optimize.enabled=false"]  # fmt: skip
        whole = _run([*common, "--out", str(tmp_path / "whole")])
        part = _run([*common, "--out", str(tmp_path / "part"), "--partition", str(parts),
                     "--scheduler", address, "--set", "run.partition_name=片区"])  # fmt: skip
        assert whole.returncode == 0 and part.returncode == 0, part.stderr
        _same_results(tmp_path / "whole", tmp_path / "part")
        rec = json.loads((tmp_path / "part" / "run.json").read_text())["partition"]
        assert rec["cluster"] == {
            "kind": "scheduler",
            "scheduler": address,
            "workers": 1,
            "workers_used": 1,
        }
        import cloudpickle
        from distributed import Client

        cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers lack this module
        try:
            with Client(address, timeout="30s") as client:  # the worker outlives the run ...
                held = client.run(_networks_held)
        finally:
            cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
        assert list(held.values()) == [0], held  # ... without its network (probe 18D: 2 GB)


def _networks_held() -> int:
    from harbor_planner.pipeline import part_work

    return len(part_work._NETWORKS)


@pytest.mark.slow
def test_a_scheduler_lost_mid_run_is_one_line_naming_it_not_a_failed_part(tmp_path, capsys):
    """Probe 16D: the external scheduler killed mid-run gave Dask's 36-line traceback and
    "district 江北区 failed 2 times ...; last error: NoneType: None" (no part had failed)."""
    import threading

    from harbor_planner.cli import main
    from harbor_planner.cluster import open_cluster, run_tasks
    from harbor_planner.errors import PartFailedError

    with _scheduler_and_worker() as (address, procs):
        kill = threading.Timer(2.0, procs[0].kill)
        with open_cluster(address) as (client, _):
            kill.start()
            with pytest.raises(PartFailedError) as err:
                run_tasks(
                    client,
                    time.sleep,
                    [30.0, 30.0],
                    ["渝中区", "江北区"],
                    label="district",
                    progress=False,
                )  # the worker imports time.sleep
    text = str(err.value)
    assert text.startswith(f"lost the Dask scheduler {address} while district ")
    assert "no part failed" in text and "NoneType" not in text
    assert "Traceback" not in capsys.readouterr().err
    # a port that answers, but not as a Dask scheduler (an HTTP server, the dashboard)
    with socket.socket() as quiet:
        quiet.bind(("127.0.0.1", 0))
        quiet.listen(1)
        other = f"tcp://127.0.0.1:{quiet.getsockname()[1]}"
        code = main(["-q", "run", str(DEMO / "demo.toml"), "--out", str(tmp_path / "o"),
                     "--partition", "district", "--scheduler", other])  # fmt: skip
    err_text = capsys.readouterr().err.strip()
    assert code == 1 and "does not answer as a Dask scheduler does" in err_text, err_text
    assert len(err_text.splitlines()) == 1


@pytest.mark.slow
def test_a_part_failing_twice_fails_the_run_naming_its_district(tmp_path):
    common = [str(DEMO / "demo.toml"), "--set", 'output.formats=["tables"]', "--set",
              "optimize.enabled=false", "--partition", "district", "--workers", "2"]  # fmt: skip
    tries = tmp_path / "tries.txt"
    fault = {"HARBOR_PLANNER_TEST_FAIL_LOG": str(tries)}
    failed = _run(
        [*common, "--out", str(tmp_path / "a")], HARBOR_PLANNER_TEST_FAIL_PART="渝中区", **fault
    )
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and "渝中区" in lines[0] and "failed 2 times" in lines[0], failed.stderr
    assert "worker processes running it died" not in lines[0]
    assert tries.read_text("utf-8").splitlines() == ["渝中区", "渝中区"]  # first try + 1 retry
    assert not (tmp_path / "a" / "summary.json").exists()
    # failing once only: Dask's retry rescues the part and the run succeeds
    tries.unlink()
    once = _run(
        [*common, "--out", str(tmp_path / "b")],
        HARBOR_PLANNER_TEST_FAIL_PART="渝中区:once",
        **fault,
    )
    assert once.returncode == 0, once.stderr
    assert len(tries.read_text("utf-8").splitlines()) >= 2


def _sleep_then(x: float) -> float:
    time.sleep(x)
    return x


def _tasks_left(client, within_s: float = 10.0) -> int:
    """The scheduler's tasks, once none is left or after ``within_s`` (cancelled tasks go)."""
    deadline = time.monotonic() + within_s
    while True:
        left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if left == 0 or time.monotonic() >= deadline:
            return left
        time.sleep(0.2)


@pytest.mark.slow
def test_interrupting_the_client_cancels_the_tasks():
    import _thread
    import threading

    from harbor_planner.cluster import open_cluster, run_tasks

    with open_cluster(None, workers=2) as (client, info):
        assert info.kind == "local" and info.workers == 2
        timer = threading.Timer(1.5, _thread.interrupt_main)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            run_tasks(
                client, _sleep_then, [0.1, 30.0, 30.0, 30.0], ["a", "b", "c", "d"], progress=False
            )
        timer.cancel()
        assert _tasks_left(client) == 0


class _InterruptedWhileCollected:
    """An object whose finaliser gets the terminal's Ctrl-C (as a Dask memory hook's did)."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        sum(range(1000))  # the handler runs at the next bytecode: inside this finaliser


@pytest.mark.slow
def test_ctrl_c_dropped_in_a_dask_callback_still_cancels_the_tasks(monkeypatch):
    """Session 14's N7: Ctrl-C landed in a Dask callback, Python dropped it ("Exception
    ignored") and the partitioned run went on to finish with exit 0."""
    from distributed import Future

    from harbor_planner._safety import Interrupted, signals_raise
    from harbor_planner.cluster import open_cluster, run_tasks

    release = Future.release

    def release_then_interrupted(self, *args, **kwargs):
        release(self, *args, **kwargs)
        _InterruptedWhileCollected()

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with signals_raise(), open_cluster(None, workers=2) as (client, _):
            monkeypatch.setattr(Future, "release", release_then_interrupted)
            with pytest.raises(Interrupted):
                run_tasks(client, _sleep_then, [0.1, 30.0, 30.0, 30.0], list("abcd"),
                          progress=False)  # fmt: skip
            monkeypatch.undo()
            assert _tasks_left(client) == 0
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
def test_a_cluster_left_without_workers_stops_the_run_naming_a_part(monkeypatch):
    """Probe 16D: a local cluster whose worker processes kept dying while they restarted
    ended with no worker at all, and the run waited forever without a word."""
    import threading

    import harbor_planner.cluster as cluster_module
    from harbor_planner.cluster import open_cluster, run_tasks
    from harbor_planner.errors import PartFailedError

    monkeypatch.setattr(cluster_module, "NO_WORKERS_TIMEOUT_S", 2.0)
    monkeypatch.setattr(cluster_module, "WORKER_WATCH_S", 0.5)
    with open_cluster(None, workers=1) as (client, _):
        threading.Timer(1.0, lambda: client.cluster.scale(0)).start()  # the worker is gone
        t0 = time.monotonic()
        with pytest.raises(PartFailedError, match=r"part [ab] cannot run: the cluster has had "
                           r"no worker for 2 s"):  # fmt: skip
            run_tasks(client, _sleep_then, [30.0, 30.0], ["a", "b"], progress=False)
        assert time.monotonic() - t0 < 20


def test_a_local_cluster_that_cannot_start_is_one_line(monkeypatch):
    """Probe 16D: a worker killed while the local cluster started gave Dask's 70-line
    traceback ("RuntimeError: Nanny failed to start."), exit 1."""
    import distributed

    from harbor_planner.cluster import open_cluster
    from harbor_planner.errors import PartFailedError

    def failing(*args, **kwargs):
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(distributed, "LocalCluster", failing)
    with pytest.raises(PartFailedError, match=r"could not start its 2 worker process\(es\): "
                       r"Nanny failed to start"), open_cluster(None, workers=2):  # fmt: skip
        pass


@pytest.mark.slow
def test_ctrl_c_while_the_local_cluster_starts_leaves_no_cluster_for_dasks_exit_hook(
    monkeypatch,
):
    """Probe 16D: Ctrl-C inside LocalCluster(...) left a half-built cluster that Dask's exit
    hook closed again, printing 28 lines of its failed assertion after "interrupted"."""
    import distributed
    from distributed.deploy.spec import SpecCluster

    from harbor_planner.cluster import open_cluster

    made = []
    real = distributed.LocalCluster

    def interrupted(*args, **kwargs):
        made.append(real(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=None,
                         scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}))  # fmt: skip
        raise KeyboardInterrupt  # as the terminal's Ctrl-C while the workers start

    monkeypatch.setattr(distributed, "LocalCluster", interrupted)
    with pytest.raises(KeyboardInterrupt), open_cluster(None, workers=2):
        pass
    assert made and made[0] not in SpecCluster._instances
    assert made[0].status.name == "closed"


@pytest.mark.slow
def test_a_local_cluster_leaves_nothing_in_the_temporary_folder(monkeypatch, tmp_path):
    """Probe 16D: every partitioned run left dask-scratch-space/ (global.lock, purge.lock) in
    the temporary folder."""
    import tempfile

    from harbor_planner.cluster import open_cluster, run_tasks

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with open_cluster(None, workers=1) as (client, _):
        assert run_tasks(client, _sleep_then, [0.1], ["a"], progress=False) == [0.1]
        assert list(tmp_path.iterdir())  # the cluster's scratch space, while it runs
    assert list(tmp_path.iterdir()) == []


def _die(x: float) -> float:
    os.kill(os.getpid(), 9)  # the worker process killed outright (as by the OOM killer)
    return x


@pytest.mark.slow
def test_a_part_whose_workers_die_says_so_not_a_count_of_tries():
    from harbor_planner.cluster import open_cluster, run_tasks
    from harbor_planner.errors import PartFailedError

    with open_cluster(None, workers=2) as (client, _), pytest.raises(PartFailedError) as err:
        run_tasks(client, _die, [1.0], ["江北区"], label="district", progress=False)
    text = str(err.value)
    assert text.startswith("district 江北区 failed: the worker processes running it died")
    assert "KilledWorker" in text and "failed 2 times" not in text


_CTRL_C_SCRIPT = """
import pathlib, sys, time
from harbor_planner.cluster import open_cluster, run_tasks

def nap(path):
    pathlib.Path(path).touch()
    time.sleep(2)

if __name__ == "__main__":
    try:
        with open_cluster(None, workers=2) as (client, info):
            try:
                run_tasks(client, nap, [sys.argv[1] + "a", sys.argv[1] + "b"] * 20,
                          ["a", "b"] * 20, progress=False)
            except KeyboardInterrupt:
                time.sleep(5)  # the client's own cleanup (a big run's takes seconds)
                raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
"""


@pytest.mark.slow
def test_ctrl_c_on_a_terminal_prints_no_worker_tracebacks(tmp_path):
    """A terminal's Ctrl-C reaches the whole process group: the workers stay quiet."""
    import signal

    script = tmp_path / "ctrl_c.py"
    script.write_text(_CTRL_C_SCRIPT, "utf-8")
    flag = str(tmp_path / "busy-")
    p = subprocess.Popen(
        [sys.executable, str(script), flag], start_new_session=True, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not all(Path(flag + x).exists() for x in "ab"):  # both workers busy
            assert time.monotonic() < deadline and p.poll() is None, p.stderr.read()
            time.sleep(0.2)
        time.sleep(0.5)
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1] == "interrupted"


@pytest.mark.slow
def test_two_local_clusters_at_once_take_free_ports_on_localhost():
    """A second run (or another program's cluster) on the same machine: no port 8787 taken,
    no "port already in use" warning (an error under this test suite's filterwarnings)."""
    import warnings

    from harbor_planner.cluster import open_cluster

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with (
            open_cluster(None, workers=1) as (one, a),
            open_cluster(None, workers=1) as (two, b),
        ):
            assert a.address != b.address
            for client in (one, two):
                info = client.scheduler_info()
                assert info["address"].startswith("tcp://127.0.0.1:")
                http_port = info["services"]["dashboard"]
                assert http_port != 8787
                conns = client.run_on_scheduler(
                    lambda dask_scheduler: [
                        s.getsockname()[0] for s in dask_scheduler.http_server._sockets.values()
                    ]
                )
                assert set(conns) == {"127.0.0.1"}, conns


@pytest.mark.parametrize(
    ("dtype", "chunks"),
    [(np.uint16, None), (np.int32, None), (np.int64, None), (np.int32, 1), (np.uint16, 3),
     (np.int32, 7), (np.int64, 10_000)],
)  # fmt: skip
def test_rows_to_csc_equals_scipy(dtype, chunks):
    """The parts' rows placed in one pass give scipy's canonical CSC matrix (rows in any
    number of blocks, rows in no block, empty blocks, uint16 or wider local columns; the rows
    counted and placed in any number of chunks, more than threads or than rows)."""
    from scipy.sparse import coo_matrix

    from harbor_planner._rows import rows_to_csc

    rng = np.random.default_rng(11)
    n_rows, n_cols = 5000, 700
    r, c = rng.integers(0, n_rows, 60_000), rng.integers(0, n_cols, 60_000)
    m = coo_matrix((np.ones(len(r), bool), (r, c)), shape=(n_rows, n_cols)).tocsr()
    m.sum_duplicates()
    block_of = rng.integers(0, 7, n_rows)  # block 6 is left out: its rows stay empty
    empty = np.zeros(0, np.int64)
    blocks = [(empty, empty, np.zeros(0, dtype), empty)]
    for b in range(6):
        rows = np.flatnonzero((block_of == b) & (np.diff(m.indptr) > 0))
        sub = m[rows]
        ids = np.unique(sub.indices)  # the block's own columns: local positions into them
        local = np.searchsorted(ids, sub.indices).astype(dtype)
        blocks.append((rows, np.diff(sub.indptr), local, ids))
    got = rows_to_csc(blocks, n_rows=n_rows, n_cols=n_cols, chunks=chunks)
    assert blocks == [None] * 7  # emptied as placed: the parts' arrays can go early
    with pytest.raises(ValueError, match="already used"):
        rows_to_csc(blocks, n_rows=n_rows, n_cols=n_cols)
    keep = block_of[r] < 6
    kept = coo_matrix(
        (np.ones(keep.sum(), bool), (r[keep], c[keep])), shape=(n_rows, n_cols)
    ).tocsc()
    kept.sum_duplicates()
    assert got.shape == (n_rows, n_cols) and got.has_canonical_format
    assert got.indices.dtype == np.int32 and got.indptr.dtype == np.int32
    assert np.array_equal(got.indptr, kept.indptr) and np.array_equal(got.indices, kept.indices)
    assert got.nnz > 40_000 and got.data.all()


def test_group_rows_equals_sorting_the_pair_keys():
    """A part's pairs grouped by point (counting sort, each row sorted, repeats dropped) equal
    the sorted distinct keys ``point * n + source``; empty input and empty rows included."""
    from harbor_planner._arrays import unique_ints
    from harbor_planner._rows import group_rows

    rng = np.random.default_rng(13)
    for n_rows, n_cols, n in [(4000, 900, 80_000), (7, 3, 40), (5, 5, 0)]:
        d, s = rng.integers(0, n_rows, n), rng.integers(0, n_cols, n)
        d, s = np.r_[d, d[: n // 2]], np.r_[s, s[: n // 2]]  # repeats
        counts, cols = group_rows(d, s, n_rows)
        key = unique_ints(d * n_cols + s)
        assert np.array_equal(cols, key % n_cols)
        assert np.array_equal(counts, np.bincount(key // n_cols, minlength=n_rows))
    with pytest.raises(ValueError, match="differ in length"):
        group_rows(np.zeros(2, np.int64), np.zeros(3, np.int64), 2)


def test_assign_districts_equals_the_spatial_join():
    """Districts of points by the first layer polygon holding them (its boundary too, as the
    official 区县 are assigned: probe 17F's F4): the same names as geopandas'
    ``sjoin(predicate="intersects")`` keeping the first match, with overlapping districts,
    points on boundaries and corners, and points outside them all."""
    import geopandas as gpd

    from harbor_planner.analysis.coverage import assign_districts

    rng = np.random.default_rng(17)
    polys = [shapely.box(x, y, x + 300, y + 300) for x, y in rng.uniform(0, 900, (10, 2))]
    polys += [shapely.Point(600, 600).buffer(250)]
    layer = gpd.GeoDataFrame(
        {"name": [f"D{i}" for i in range(len(polys))]}, geometry=polys, crs="EPSG:32648"
    )
    xy = np.vstack([
        rng.uniform(-200, 1400, (5000, 2)),
        np.array([shapely.get_coordinates(p)[0] for p in polys]),  # a corner of each
    ])  # fmt: skip
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs="EPSG:32648")
    pts.index = pts.index * 3 + 7  # any index
    got = assign_districts(pts, layer, "name")
    joined = gpd.sjoin(pts, layer, how="left", predicate="intersects")
    joined = joined.sort_values("index_right", kind="stable")  # the first in the layer
    joined = joined[~joined.index.duplicated(keep="first")]
    want = joined["name"].reindex(pts.index).fillna("(outside the districts)")
    assert got.index.equals(pts.index) and got.tolist() == want.tolist()
    assert (got == "(outside the districts)").sum() > 100


def test_scheduler_addresses_lose_queries_and_odd_protocols_are_one_line(tmp_path, capsys):
    """Probe 16D: a ?token=... in the address was printed back; ucx:// (its package absent)
    gave a 58-line traceback."""
    from harbor_planner.cli import main
    from harbor_planner.cluster import public_address

    assert public_address("tcp://u:pw@127.0.0.1:8786?token=s3cret") == "tcp://127.0.0.1:8786"
    assert public_address("127.0.0.1:8786?token=s3cret") == "127.0.0.1:8786"
    assert public_address("gone? (killed?)") == "gone? (killed?)"  # a message's own text
    code = main(["-q", "run", str(DEMO / "demo.toml"), "--out", str(tmp_path / "o"),
                 "--partition", "district", "--scheduler", "ucx://u:pw@127.0.0.1:1"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "pw" not in err, err
    assert err.startswith("harbor-planner: error: cannot connect to the Dask scheduler ucx://")


def test_workers_network_has_coordinates_without_line_objects(hilly_net, tmp_path):
    """A worker reads the network without building its LineStrings (a million at city size,
    about a second per worker): its edges' coordinates come from the file, survive re-timing
    and clipping, and place anchors where the full network does."""
    import harbor_planner as hp
    from harbor_planner.network.compiled import _edge_lines

    path = tmp_path / "net.npz"
    hp.save_network(hilly_net, path)
    full = hp.load_network(path)
    bare = hp.load_network(path, geometry=False)
    assert all(g is None for g in bare.edge_geometry)
    want = _edge_lines(full.edge_geometry)
    for got in (full.edge_lines, bare.edge_lines):  # from the file: no geometry read
        np.testing.assert_array_equal(got.xy, want.xy)
        np.testing.assert_array_equal(got.ptr, want.ptr)
        np.testing.assert_array_equal(got.frac, want.frac)
    steep = bare.with_walk_model(hp.WalkModel(kind="hilly", speed_kmh=4.0))
    assert steep.edge_lines is bare.edge_lines
    points = _street_points(full, 500, 4)
    np.testing.assert_array_equal(points.xy(bare), points.xy(full))
    np.testing.assert_array_equal(points.xy(steep), points.xy(full))
    lo = full.node_xy.min(axis=0)
    region = shapely.box(lo[0], lo[1], lo[0] + 800, lo[1] + 800)
    sub_full, map_full = clip_compiled(full, region, 300.0)
    sub_bare, map_bare = clip_compiled(steep, region, 300.0)
    np.testing.assert_array_equal(map_bare, map_full)
    clipped = _edge_lines(sub_full.edge_geometry)
    np.testing.assert_array_equal(sub_bare.edge_lines.xy, clipped.xy)
    np.testing.assert_array_equal(sub_bare.edge_lines.ptr, clipped.ptr)
    np.testing.assert_allclose(sub_bare.edge_lines.frac, clipped.frac, rtol=0, atol=1e-12)


def test_a_work_folder_that_cannot_be_made_is_one_line_exit_3(tmp_path, capsys):
    """Probe 18D: `run.work_dir` read-only or under a file failed with the bare OS error
    ("Read-only file system", exit 1) where a full one was one line naming it, exit 3."""
    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    for work in (tmp_path / "afile" / "sub", tmp_path / "afile"):
        out = tmp_path / "out"
        code = main(["-q", "run", str(demo_scenario_path()), "--partition", "district",
                     "--workers", "1", "--out", str(out), "--set",
                     f"run.work_dir={work}"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 3, err
        assert "run.work_dir" in err and err.strip().count("\n") == 0, err
        assert not out.exists()
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine"


def test_partition_layers_without_polygons_or_names_are_one_line(hilly_net, tmp_path, caplog):
    """Probe 18D: a layer of points was "no part meets the walk network"; rows that are not
    polygons were dropped without a word; unnamed parts gave "given twice" naming nothing (or a
    part named ""), and "A" and "A " were two parts."""
    import logging

    import geopandas as gpd

    from harbor_planner.errors import InputDataError
    from harbor_planner.pipeline.partition import load_parts
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    lo = hilly_net.node_xy.min(axis=0)
    a = shapely.box(lo[0], lo[1], lo[0] + 2000, lo[1] + 2000)
    b = shapely.box(lo[0] + 2000, lo[1], lo[0] + 4000, lo[1] + 2000)

    def parts(names, geoms, name: str):
        path = tmp_path / f"{name}.geojson"
        gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=hilly_net.crs).to_file(path)
        sc = load_scenario(demo_scenario_path(), overrides=[f"run.partition={path}"])
        return load_parts(sc, hilly_net)

    with pytest.raises(InputDataError, match="holds no polygons"):
        parts(["p", "q"], [a.centroid, b.centroid], "points")
    with pytest.raises(InputDataError, match=r"without a name .* feature 2"):
        parts(["A", None], [a, b], "unnamed")
    # "A" and "A " name one part; a district in several rows is one part (probe 22D: a
    # layer the whole run used was refused as "given twice")
    one = parts(["A", "A ", "B"], [a, b, shapely.box(*b.bounds).buffer(-500)], "spaces")
    assert one.names == ["A", "B"] and one.geometry[0].equals(shapely.union_all([a, b]))
    x0, y0, x1, y1 = b.bounds  # a self-crossing ring in one of a name's rows (probe 22R)
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    assert parts(["A", "A"], [a, bowtie], "bowtie").names == ["A"]
    with caplog.at_level(logging.WARNING):
        got = parts(["A", "B", "C"], [a, b, a.centroid], "mixed")
    assert got.names == ["A", "B"]
    assert "the partition layer: 1 of 3 feature(s) hold no polygon" in caplog.text


def test_workers_that_cannot_be_used_are_warned_of(caplog, monkeypatch):
    """Probe 18D: `--workers` with `--scheduler` was ignored without a word, and 64 local
    workers on 2 CPUs started without one (the demo took 71 s against 10 s); a scheduler that
    refuses the connection or a port out of range took Dask's 30 s to say so."""
    import logging
    import os

    from harbor_planner import cluster
    from harbor_planner.errors import PartFailedError, UsageError

    # said by the probe itself ("refused"), not after Dask's "Timed out ... after 30 s"
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(PartFailedError, match="Connection refused"),
        cluster.open_cluster("tcp://127.0.0.1:1", workers=2),
    ):
        pass
    assert "run.workers (--workers) 2 is not used with run.scheduler" in caplog.text
    with (
        pytest.raises(UsageError, match="port is out of range"),
        cluster.open_cluster("tcp://127.0.0.1:99999"),
    ):
        pass
    caplog.clear()
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    with caplog.at_level(logging.WARNING), cluster.open_cluster(None, workers=2) as (_, info):
        assert info.workers == 2
    assert "2 worker processes on a machine of 1 CPUs" in caplog.text


def test_partition_layer_checked_before_the_inputs_load_and_keyword_in_any_case(
    tmp_path, monkeypatch, capsys
):
    """Probe 18D: `--partition District` said "--set run.partition: run.partition: file not
    found"; a CSV as partition layer crashed with a traceback (no `.crs`, exit 1); a layer's
    problems were found only after the stations, network and demand had loaded."""
    from harbor_planner import cluster
    from harbor_planner.cli import main
    from harbor_planner.errors import InputDataError, ScenarioError
    from harbor_planner.pipeline.partition import partitioned
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    monkeypatch.chdir(tmp_path)
    for word in ("District", " DISTRICT "):
        sc = load_scenario(demo_scenario_path(), overrides=[f"run.partition={word}"])
        assert sc.run.partition == "district" and sc.run.partition_file is None
    (tmp_path / "District").write_text("x", encoding="utf-8")  # a file of that name is a path
    sc = load_scenario(demo_scenario_path(), overrides=["run.partition=District"])
    assert sc.run.partition_file == tmp_path / "District"
    sc = load_scenario(demo_scenario_path(), overrides=["run.partition=nowhere.gpkg"])
    with pytest.raises(ScenarioError) as err:
        sc.check_inputs()
    assert "--set run.partition: file not found" in str(err.value)
    assert "'district' for the districts layer" in str(err.value)
    sc = load_scenario(demo_scenario_path(), overrides=["run.partition=distrct"])
    with pytest.raises(ScenarioError, match="did you mean 'district'"):  # probe 25E
        sc.check_inputs()
    sc = load_scenario(demo_scenario_path(), overrides=["run.partition=districts.gpkg"])
    with pytest.raises(ScenarioError) as err:  # a layer's name: no misspelt keyword (25R4)
        sc.check_inputs()
    assert "did you mean" not in str(err.value) and "a polygon layer" in str(err.value)

    (tmp_path / "parts.csv").write_text("name,x\nA,1\n", encoding="utf-8")
    sc = load_scenario(demo_scenario_path(), overrides=["run.partition=parts.csv"])

    def no_cluster(*a, **k):
        raise AssertionError("the cluster was opened before the layer was checked")

    monkeypatch.setattr(cluster, "open_cluster", no_cluster)
    with pytest.raises(InputDataError, match="table without geometry"), partitioned(sc):
        pass
    out = tmp_path / "out"
    code = main(["run", str(demo_scenario_path()), "--partition", "parts.csv",
                 "--out", str(out), "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and "table without geometry" in err and "Traceback" not in err
    assert "stations:" not in err and "network:" not in err  # nothing loaded before
    assert not out.exists()


def test_a_missing_file_of_runs_own_options_names_the_option(tmp_path, monkeypatch, capsys):
    """Session 22's list: `run --partition missing.gpkg` said "--set run.partition: file not
    found" (the option was turned into a setting); `--study-area` likewise. The option given
    is named; a setting given with `--set` is still named as such."""
    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    monkeypatch.chdir(tmp_path)
    cases = [
        (["--partition", "missing.gpkg"], "--partition: file not found"),
        (["--study-area", "nowhere.gpkg"], "--study-area: file not found"),
        (["--set", "run.partition=missing.gpkg"], "--set run.partition: file not found"),
        (["--set", "run.partition=a.gpkg", "--partition", "b.gpkg"], "--partition: file not"),
    ]
    for options, said in cases:
        out = tmp_path / "out"
        code = main(["run", str(demo_scenario_path()), *options, "--out", str(out),
                     "--no-progress"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 3 and said in err and err.count("\n") == 1, (options, err)
        assert not out.exists()


def test_the_network_file_written_aside_fails_the_first_round_in_one_line(
    hilly_net, tmp_path, monkeypatch
):
    """The network file is written by a thread while the client goes on (session 22): an
    error writing it (a full work folder) is raised at the first round, as the round's own
    writing errors are, and the finder's ``finish`` waits for the thread without raising."""
    import errno
    import threading

    import harbor_planner.network as hp_network
    from harbor_planner.cluster import ClusterInfo
    from harbor_planner.errors import OutputError
    from harbor_planner.network import anchor_points
    from harbor_planner.pipeline.partition import PartitionedPairs

    started, release, raised = threading.Event(), threading.Event(), threading.Event()

    def full_disk(*args, **kwargs):
        started.set()
        release.wait(60)
        raised.set()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hp_network, "save_network", full_disk)
    info = ClusterInfo(kind="local", address=None, workers=1)
    finder = PartitionedPairs(None, object(), info, tmp_path, parts=_grid_parts(hilly_net, 2))
    finder.prepare(hilly_net)  # returns while the file is written: the writer still held
    assert started.wait(60) and not raised.is_set()
    release.set()
    lo = hilly_net.node_xy.min(axis=0)
    pts = anchor_points(hilly_net, np.array([[lo[0] + 500.0, lo[1] + 500.0]]))
    with pytest.raises(OutputError, match="cannot write the partitioned run's work files"):
        finder.matrix(hilly_net, pts, pts, minutes=5.0, limit_s=300.0, progress=False)
    finder.finish()  # nothing left to wait for, nothing raised
    monkeypatch.setattr(hp_network, "save_network", full_disk)
    finder.prepare(hilly_net)
    finder.finish()  # the run ended another way: the thread's error is not raised here


def test_a_worker_without_the_work_folder_is_told_so(hilly_net, tmp_path):
    """Probe 22D: a worker on a machine that does not see run.work_dir said "the network file
    changed while the run used it; run the study again" (its stamp of a missing file is
    none), so the client never added its shared-folder advice."""
    from harbor_planner.errors import InputDataError

    task = PartTask(
        name="渝中区", index=0, network_path=str(tmp_path / "gone" / "network-0.npz"),
        network_stamp=(123, 456), walk_model=hilly_net.walk_model,
        points_path=str(tmp_path / "gone" / "points-0.npz"),
        sources_path=str(tmp_path / "gone" / "round-1-sources.npz"),
        region_wkb=shapely.to_wkb(shapely.box(0, 0, 1, 1)), margin_m=100.0, minutes=15.0,
        limit_s=900.0,
    )  # fmt: skip
    with pytest.raises(InputDataError, match="No such file on this worker") as info:
        run_part(task)
    assert "changed while the run used it" not in str(info.value)


def test_a_scheduler_without_workers_is_told_to_start_some():
    """Probe 22D: a running scheduler that never had a worker ended with "its worker
    processes died ... run again, with fewer --workers" (not used with --scheduler)."""
    from types import SimpleNamespace

    import harbor_planner.cluster as cluster_module

    remote = SimpleNamespace(cluster=None, scheduler=SimpleNamespace(address="tcp://u:pw@h:8786"))
    text = cluster_module._WorkerWatch(remote).message("district 渝中区")
    assert "the scheduler tcp://h:8786 has had no worker" in text
    assert "dask worker tcp://h:8786" in text and "--workers" not in text and "pw" not in text
    local = SimpleNamespace(cluster=object())
    assert "fewer --workers" in cluster_module._WorkerWatch(local).message("part a")


def test_a_script_without_the_main_guard_is_told_so(monkeypatch):
    """Probe 22D: the README's API example at a script's top level, partitioned: every worker
    re-ran the script and the message blamed memory or a broken Python."""
    import types

    import distributed

    from harbor_planner.cluster import open_cluster
    from harbor_planner.errors import PartFailedError

    def failing(*args, **kwargs):
        raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(distributed, "LocalCluster", failing)
    script = types.ModuleType("__main__")
    script.__file__ = "/home/planner/study.py"
    monkeypatch.setitem(sys.modules, "__main__", script)
    guard = r"study\.py\), the run is not under `if __name__"
    with pytest.raises(PartFailedError, match=guard), open_cluster(None, workers=2):
        pass
    for package in ("harbor_planner", None):  # python -m; a launcher's zipped __main__.py
        cli = types.ModuleType("__main__")
        cli.__file__, cli.__package__ = "/x/harbor-planner.exe/__main__.py", package
        monkeypatch.setitem(sys.modules, "__main__", cli)
        with pytest.raises(PartFailedError) as info, open_cluster(None, workers=2):
            pass
        assert "__main__" not in str(info.value)


def test_partition_part_names_are_cleaned_of_control_characters(tmp_path, caplog):
    """Probe 27T, finding 10: the partition reader read the layer itself and kept ESC and RTL
    characters in part names (run.json's ``partition.parts``; a log line naming a failed part
    would print the escape). It reads through the polygon options' one cleaning step."""
    import logging

    import geopandas as gpd

    from harbor_planner.pipeline.parts import read_parts
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    path = tmp_path / "hostile.gpkg"
    names = ["\x1b[31mRED\x1b[0m", "\u202eevil\u200bname"]
    boxes = [shapely.box(106.50, 29.50, 106.55, 29.60), shapely.box(106.55, 29.50, 106.60, 29.60)]
    gpd.GeoDataFrame({"name": names}, geometry=boxes, crs="EPSG:4326").to_file(path)
    sc = load_scenario(demo_scenario_path(), overrides=[f"run.partition={path}"])
    with caplog.at_level(logging.WARNING):
        parts = read_parts(sc)
    assert parts.names == ["RED", "evilname"], parts.names
    assert "control characters" in caplog.text and "rows 1, 2" in caplog.text, caplog.text

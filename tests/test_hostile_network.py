"""Hostile networks: OSM files with bad nodes, cut ways, negative ids or truncated bytes;
tampered saved networks; settings whose work would not fit in memory.

Every file here is generated in ``tmp_path`` from code; nothing hostile is shipped.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely

from harbor_planner import build_network, load_network, save_network
from harbor_planner.cli import main
from harbor_planner.errors import InputDataError
from harbor_planner.resources import (
    check_memory,
    format_bytes,
    grid_demand_bytes,
    memory_limit,
    memory_limit_bytes,
    street_points_bytes,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "geodata" / "demo"
REBUILD = "rebuild it with 'harbor-planner network build"

# ------------------------------------------------------------------------- OSM corpus

#: A street of 7 nodes going east (about 97 m apart), a footway crossing it at node 4, and a
#: lane from node 7 north; ``{lat3}`` lets a test spoil node 3's position.
NODES = {
    1: (29.3000, 106.9000),
    2: (29.3000, 106.9010),
    3: (29.3000, 106.9020),
    4: (29.3000, 106.9030),
    5: (29.3000, 106.9040),
    6: (29.3000, 106.9050),
    7: (29.3000, 106.9060),
    10: (29.2990, 106.9030),
    11: (29.3010, 106.9030),
    12: (29.3010, 106.9060),
    13: (29.3020, 106.9060),
}
WAYS = {
    100: ([1, 2, 3, 4, 5, 6, 7], "residential"),
    101: ([10, 4, 11], "footway"),
    102: ([7, 12, 13], "service"),
}


def osm_xml(
    *,
    drop: tuple[int, ...] = (),
    attrs: dict[int, str] | None = None,
    sign: int = 1,
    ways_first: bool = False,
    josm: bool = False,
) -> str:
    """The street as OSM XML: ``drop`` nodes left out, ``attrs`` replacing a node's lat/lon,
    ``sign=-1`` for negative ids, ``ways_first`` for an unsorted file."""
    attrs = attrs or {}
    extra = ' action="modify" visible="true"' if josm else ""
    nodes = [
        f'  <node id="{sign * i}"{extra} ' + attrs.get(i, f'lat="{lat}" lon="{lon}"') + "/>"
        for i, (lat, lon) in NODES.items()
        if i not in drop
    ]
    ways = []
    for wid, (refs, highway) in WAYS.items():
        nds = "".join(f'<nd ref="{sign * r}"/>' for r in refs)
        ways.append(
            f'  <way id="{sign * wid}"{extra}>{nds}<tag k="highway" v="{highway}"/>'
            f'<tag k="name" v="示例路{wid}"/></way>'
        )
    body = ways + nodes if ways_first else nodes + ways
    gen = "JOSM" if josm else "test"
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"{gen}\">\n"
        + "\n".join(body)
        + "\n</osm>\n"
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edges_within(net, reference) -> bool:
    """Every edge of ``net`` lies on the streets of ``reference`` (no invented straight line)."""
    streets = shapely.union_all(reference.edge_geometry).buffer(0.05)
    return bool(shapely.within(net.edge_geometry, streets).all())


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    path = write(tmp_path_factory.mktemp("osm"), "whole.osm", osm_xml())
    return build_network(path, progress=False, keep_all=True)


def cli(argv, capsys):
    code = main(["-q", *argv])
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    "bad",
    [
        'lat="abc" lon="106.9020"',
        'lat="nan" lon="106.9020"',
        'lat="" lon="106.9020"',
        'lat="29.3.1" lon="106.9020"',
        'lat="29.3000" lon="500"',
        'lat="inf" lon="106.9020"',
    ],
)
def test_unparsable_position_is_an_error_naming_node_and_file(tmp_path, bad, capsys):
    path = write(tmp_path, "bad.osm", osm_xml(attrs={3: bad}))
    with pytest.raises(InputDataError) as err:
        build_network(path, progress=False)
    msg = str(err.value)
    assert "node 3 " in msg and str(path) in msg and "\n" not in msg
    code, err_text = cli(["network", "info", str(path)], capsys)
    assert code == 3 and "Traceback" not in err_text
    assert err_text.count("\n") == 1 and "node 3" in err_text


@pytest.mark.parametrize(
    "bad", ['lat="95.0" lon="106.9020"', 'lon="106.9020"', 'lat="29.3"', 'lat="29.3" lon="-181"']
)
def test_missing_or_out_of_range_position_drops_the_node_and_splits(tmp_path, whole, bad, caplog):
    path = write(tmp_path, "range.osm", osm_xml(attrs={3: bad}))
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        net = build_network(path, progress=False, keep_all=True)
    assert 3 not in set(net.nodes["osmid"])
    assert edges_within(net, whole)
    assert any("node 3" in r.getMessage() for r in caplog.records)
    # the way is cut at node 3, so nodes 2 and 4 are not joined
    ends = {
        frozenset(net.nodes["osmid"].to_numpy()[[u, v]]) for u, v in net.edges[["u", "v"]].values
    }
    assert frozenset({2, 4}) not in ends


def test_way_with_missing_middle_nodes_is_split_never_joined(tmp_path, whole, caplog):
    path = write(tmp_path, "cut.osm", osm_xml(drop=(3, 5)))
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        net = build_network(path, progress=False, keep_all=True)
    longest_real = whole.edges["length_m"].max()
    assert net.edges["length_m"].max() <= longest_real + 1e-6
    assert edges_within(net, whole)
    summary = [r.getMessage() for r in caplog.records if "split" in r.getMessage()]
    assert len(summary) == 1 and "2 not in the file" in summary[0]
    # 1-2 and 6-7 survive as pieces, 4 only on the footway; 2-4 or 4-6 would be invented
    osmid = net.nodes["osmid"].to_numpy()
    pairs = {frozenset(osmid[[u, v]]) for u, v in net.edges[["u", "v"]].to_numpy()}
    assert frozenset({1, 2}) in pairs and frozenset({6, 7}) in pairs
    assert not pairs & {frozenset({2, 4}), frozenset({4, 6}), frozenset({2, 6})}
    # the total is the whole length minus the four segments next to the missing nodes
    seg = whole.edges["length_m"].sum() - net.edges["length_m"].sum()
    assert seg == pytest.approx(4 * 97.2, rel=0.02)


def test_way_left_with_one_node_is_dropped(tmp_path, whole):
    path = write(tmp_path, "lone.osm", osm_xml(drop=(10, 11)))
    net = build_network(path, progress=False, keep_all=True)
    assert 101 not in set(net.edges["way_id"])
    assert edges_within(net, whole)


def test_extract_without_any_positioned_way_is_a_network_error(tmp_path):
    path = write(tmp_path, "empty.osm", osm_xml(drop=tuple(NODES)))
    code = main(["-q", "network", "info", str(path)])
    assert code == 4


@pytest.mark.parametrize("form", ["negative", "josm", "unsorted", "negative-unsorted"])
def test_negative_ids_and_unsorted_files_give_the_same_network(tmp_path, whole, form):
    text = osm_xml(
        sign=-1 if "negative" in form or form == "josm" else 1,
        josm=form == "josm",
        ways_first="unsorted" in form,
    )
    net = build_network(write(tmp_path, f"{form}.osm", text), progress=False, keep_all=True)
    assert net.n_edges == whole.n_edges and net.n_nodes == whole.n_nodes
    assert net.edges["length_m"].sum() == pytest.approx(whole.edges["length_m"].sum())
    assert edges_within(net, whole)


def _pbf(tmp_path: Path) -> Path:
    import osmium

    src = write(tmp_path, "src.osm", osm_xml())
    out = tmp_path / "street.osm.pbf"
    writer = osmium.SimpleWriter(str(out))
    for obj in osmium.FileProcessor(str(src)):
        if obj.is_node():
            writer.add_node(obj)
        elif obj.is_way():
            writer.add_way(obj)
    writer.close()
    return out


@pytest.mark.parametrize("kind", ["xml-half", "xml-tail", "xml-empty", "gz", "pbf", "pbf-bytes"])
def test_truncated_or_corrupt_osm_is_one_line_naming_the_file(tmp_path, kind, capsys):
    import gzip

    full = osm_xml().encode()
    if kind == "xml-half":
        path = tmp_path / "cut.osm"
        path.write_bytes(full[: len(full) // 2])
    elif kind == "xml-tail":
        path = tmp_path / "cut.osm"
        path.write_bytes(full[:-20])
    elif kind == "xml-empty":
        path = tmp_path / "cut.osm"
        path.write_bytes(b"")
    elif kind == "gz":
        path = tmp_path / "cut.osm.gz"
        path.write_bytes(gzip.compress(full)[:-40])
    else:
        pbf = _pbf(tmp_path)
        data = pbf.read_bytes()
        path = tmp_path / "cut.osm.pbf"
        if kind == "pbf":
            path.write_bytes(data[: len(data) // 2])
        else:
            path.write_bytes(data[:40] + bytes(64) + data[104:])
    with pytest.raises(InputDataError) as err:
        build_network(path, progress=False)
    assert str(path) in str(err.value)
    code, err_text = cli(["network", "build", str(path), "--out", str(tmp_path / "n.npz")], capsys)
    assert code == 3 and "Traceback" not in err_text and err_text.count("\n") == 1
    assert not (tmp_path / "n.npz").exists()


def test_pbf_reads_like_xml(tmp_path, whole):
    net = build_network(_pbf(tmp_path), progress=False, keep_all=True)
    assert net.n_edges == whole.n_edges


def test_poi_and_building_readers_name_the_unparsable_node(tmp_path):
    from harbor_planner.candidates.poi import osm_poi_candidates
    from harbor_planner.demand.buildings import building_demand

    path = write(tmp_path, "bad.osm", osm_xml(attrs={3: 'lat="abc" lon="106.9"'}))
    for read in (osm_poi_candidates, building_demand):
        with pytest.raises(InputDataError, match="node 3 has an unparsable position"):
            read(path)


# ------------------------------------------------------------------------- saved networks


@pytest.fixture(scope="module")
def demo_npz(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("npz") / "demo.npz"
    net = build_network(
        DEMO / "yuzhong_walk.osm.bz2", dem=DEMO / "dem.tif", dem_outside="flat", progress=False
    )
    save_network(net, path)
    return path


def _tamper(src: Path, dst: Path, **change) -> Path:
    with np.load(src) as z:
        data = {k: z[k] for k in z.files}
    for key, fn in change.items():
        if fn is None:
            data.pop(key)
        else:
            data[key] = fn(data[key].copy())
    np.savez(dst, **data)
    return dst


def _set(index, value):
    def fn(a):
        a[index] = value
        return a

    return fn


TAMPERED = {
    "nan-times": {"edge_time_fwd_s": _set(slice(None, None, 3), np.nan)},
    "nan-arc-times": {"arc_time_s": _set(slice(None, None, 3), np.nan)},
    "negative-arc-times": {"arc_time_s": _set(5, -100.0)},
    "negative-edge-times": {"edge_time_bwd_s": _set(0, -1.0), "arc_time_s": lambda a: -a},
    "zero-times": {"arc_time_s": lambda a: a * 0},
    "halved-times": {"arc_time_s": lambda a: a / 2},
    "negative-length": {"edge_length_m": _set(2, -5.0)},
    "edge-index": {"edge_u": _set(3, 10**6)},
    "edge-index-negative": {"edge_v": _set(0, -1)},
    "arc-index": {"arc_indices": _set(0, -1)},
    "arc-edge": {"arc_edge": _set(0, 10**6)},
    "indptr": {"arc_indptr": lambda a: a[::-1].copy()},
    "geom-offsets": {"geom_offsets": _set(1, 10**6)},
    "missing-array": {"arc_edge": None},
    "missing-meta": {"meta": None},
    "short-array": {"edge_v": lambda a: a[:-1]},
    "wrong-dtype": {"edge_u": lambda a: a.astype(float)},
    "object-array": {"edge_name": lambda a: a.astype(object)},
    "bad-meta": {"meta": lambda a: np.frombuffer(b"{not json", np.uint8)},
    "meta-crs": {"meta": lambda a: _meta(a, crs="EPSG:4326")},
    "meta-model": {"meta": lambda a: _meta(a, walk_model={"kind": "fly"})},
    "inf-node": {"node_x": _set(0, np.inf)},
    "nan-coords": {"geom_coords": _set(0, np.nan)},
    "moved-geometry": {"geom_coords": lambda a: a + 50.0},
    "text-code": {"edge_highway": _set(0, 10**4)},
}


def _meta(raw, **change):
    meta = json.loads(bytes(raw).decode())
    meta.update(change)
    return np.frombuffer(json.dumps(meta).encode(), np.uint8)


def _corrupt_bytes(src: Path, dst: Path, kind: str) -> Path:
    data = src.read_bytes()
    if kind == "truncated":
        dst.write_bytes(data[: len(data) // 2])
    elif kind == "truncated-tail":
        dst.write_bytes(data[:-30])
    elif kind == "empty":
        dst.write_bytes(b"")
    elif kind == "flipped":
        mid = len(data) // 2
        dst.write_bytes(data[:mid] + b"\xff" * 200 + data[mid + 200 :])
    else:  # a member whose header promises far more than it holds
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            for info in zin.infolist():
                raw = zin.read(info)
                if info.filename == "edge_u.npy":
                    raw = raw.replace(b"'shape': (", b"'shape': (99999999999", 1)
                zout.writestr(info, raw)
    return dst


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_tampered_network_is_one_error_saying_rebuild(demo_npz, tmp_path, case, capsys):
    path = _tamper(demo_npz, tmp_path / f"{case}.npz", **TAMPERED[case])
    with pytest.raises(InputDataError) as err:
        load_network(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg
    if case not in ("missing-meta",):
        assert REBUILD in msg
    code, err_text = cli(["network", "info", str(path)], capsys)
    assert code == 3 and "Traceback" not in err_text and err_text.count("\n") == 1
    with pytest.raises(InputDataError):  # a stamp the file does not have: checked in full
        load_network(path, checked_as=(0, path.stat().st_size))


def test_a_file_checked_before_and_unchanged_is_not_checked_again(demo_npz, tmp_path):
    """A partitioned run's workers read the file the client checked or wrote: with its stamp
    (unchanged) the values are not checked again; the metadata, kinds and lengths are."""
    from harbor_planner._io import file_stamp

    values = _tamper(demo_npz, tmp_path / "v.npz", **TAMPERED["negative-length"])
    net = load_network(values, checked_as=file_stamp(values))  # values trusted: loads
    assert net.edges["length_m"].iloc[2] == -5.0
    for case in ("short-array", "missing-array", "wrong-dtype", "meta-crs", "missing-meta"):
        path = _tamper(demo_npz, tmp_path / f"{case}.npz", **TAMPERED[case])
        with pytest.raises(InputDataError):
            load_network(path, checked_as=file_stamp(path))


@pytest.mark.parametrize("kind", ["truncated", "truncated-tail", "empty", "flipped", "huge-header"])
def test_corrupt_npz_bytes_are_one_error(demo_npz, tmp_path, kind, capsys):
    path = _corrupt_bytes(demo_npz, tmp_path / f"{kind}.npz", kind)
    with pytest.raises(InputDataError, match="rebuild it"):
        load_network(path)
    code, err_text = cli(["network", "info", str(path)], capsys)
    assert code == 3 and "Traceback" not in err_text and "rebuild it" in err_text


def test_sound_network_still_loads(demo_npz):
    net = load_network(demo_npz)
    assert net.n_edges > 50 and np.isfinite(net.time_graph().data).all()


@pytest.mark.parametrize("case", ["nan-times", "negative-edge-times", "edge-index"])
def test_coverage_on_a_tampered_network_never_reports(demo_npz, tmp_path, case, capsys):
    path = _tamper(demo_npz, tmp_path / f"{case}.npz", **TAMPERED[case])
    out = tmp_path / "out"
    code, err_text = cli(
        [
            "coverage", "--network", str(path), "--stations", str(DEMO / "stations.csv"),
            "--crs", "gcj02", "--out", str(out),
        ],
        capsys,
    )  # fmt: skip
    assert code == 3 and REBUILD in err_text and "Traceback" not in err_text
    assert not (out / "summary.json").exists()


def test_network_info_subprocess_one_line(demo_npz, tmp_path):
    path = _tamper(demo_npz, tmp_path / "nan.npz", **TAMPERED["nan-times"])
    proc = subprocess.run(
        [sys.executable, "-m", "harbor_planner", "network", "info", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith("harbor-planner")] == [
        proc.stderr.strip()
    ]


# ------------------------------------------------------------------------- memory


def test_check_memory_message_and_limits(monkeypatch):
    check_memory(1024, "tiny work", "nothing", limit_bytes=2048)
    with pytest.raises(InputDataError) as err:
        check_memory(3 * 1024**3, "big work", "the.setting", limit_bytes=1024**3)
    msg = str(err.value)
    assert "3.0 GB" in msg and "1.0 GB" in msg and "the.setting" in msg
    with pytest.raises(InputDataError, match="more than 1,000 TB"):
        check_memory(float("inf"), "endless work", "x", limit_bytes=1024**3)
    monkeypatch.setenv("HARBOR_PLANNER_MEMORY_GB", "3")
    assert memory_limit_bytes() == (3 * 1024**3, "HARBOR_PLANNER_MEMORY_GB=3")
    with memory_limit(2):
        assert memory_limit_bytes()[0] == 2 * 1024**3
        with memory_limit(5, source="coverage.memory_limit_gb"):
            assert memory_limit_bytes()[0] == 2 * 1024**3  # the command line wins
    with memory_limit(5, source="coverage.memory_limit_gb"):
        assert memory_limit_bytes()[1] == "coverage.memory_limit_gb 5"
    monkeypatch.setenv("HARBOR_PLANNER_MEMORY_GB", "lots")
    with pytest.raises(InputDataError, match="HARBOR_PLANNER_MEMORY_GB"):
        memory_limit_bytes()
    monkeypatch.delenv("HARBOR_PLANNER_MEMORY_GB")
    assert memory_limit_bytes()[1] == "the memory available now"
    assert memory_limit_bytes()[0] > 0


def test_estimates_are_of_the_right_order():
    # measured: about 2.4 KB a point over a whole demo run at 0.02 m (520,000 points)
    assert 1.0 * 1024**3 < street_points_bytes(520_000) < 4 * 1024**3
    # measured: grid:1 on the demo took 336 MB for 1.5 M cells in the box, 33,600 kept
    assert 150 * 1024**2 < grid_demand_bytes(1.5e6, 5e4) < 1024**3
    assert format_bytes(1536 * 1024**2) == "1.5 GB"


def _coverage_argv(tmp_path: Path, *more: str) -> list[str]:
    return [
        "coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
        str(DEMO / "stations.csv"), "--crs", "gcj02", "--out", str(tmp_path / "out"), *more,
    ]  # fmt: skip


def _fails_fast(argv, capsys, *needles):
    """The run refused by its estimate before the work: no timing (the machine's load varies),
    the memory Python and numpy allocated instead (the demo's network and stations: about
    70 MiB; the 1.3 M points of ``--spacing 0.3`` built before a refusal: 870 MiB)."""
    tracemalloc.start()
    try:
        code, err = cli(argv, capsys)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 3 and "Traceback" not in err and err.count("\n") == 1, err
    assert " GB" in err or " MB" in err or " TB" in err
    for needle in needles:
        assert needle in err
    assert peak_bytes < 256 * 2**20, f"{peak_bytes / 2**20:.0f} MiB allocated before the refusal"
    return err


def test_tiny_spacing_fails_fast_with_the_estimate(tmp_path, capsys):
    # 381 km of main streets (Yuzhong and around) every 0.3 m: 1.3 million points, about 3 GB
    err = _fails_fast(
        _coverage_argv(tmp_path, "--spacing", "0.3", "--memory-limit", "2"),
        capsys,
        "--spacing",
        "--memory-limit 2",
    )
    found = re.search(r"\(([\d,]+) points along ([\d.]+) km\)", err)
    assert found, err
    points, km = int(found[1].replace(",", "")), float(found[2])
    assert points == pytest.approx(km * 1000 / 0.3, rel=0.01)
    # beyond any machine's memory with the default limit
    _fails_fast(_coverage_argv(tmp_path, "--spacing", "1e-6"), capsys, "demand.spacing_m")
    assert not (tmp_path / "out" / "summary.json").exists()


def test_scenario_spacing_fails_fast(tmp_path, capsys):
    argv = ["run", str(DEMO / "demo.toml"), "--out", str(tmp_path / "run")]
    _fails_fast([*argv, "--set", "demand.spacing_m=1e-6"], capsys, "demand.spacing_m")
    _fails_fast(
        [*argv, "--set", "demand.spacing_m=0.01", "--set", "coverage.memory_limit_gb=2"],
        capsys,
        "coverage.memory_limit_gb 2",
    )


def test_grid_cell_and_isochrone_cell_fail_fast(tmp_path, capsys):
    _fails_fast(_coverage_argv(tmp_path, "--demand", "grid:0.001"), capsys, "grid")
    _fails_fast(
        [
            "isochrones", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
            str(DEMO / "stations.csv"), "--crs", "gcj02", "--method", "grid", "--cell",
            "0.0001", "--out", str(tmp_path / "iso.gpkg"),
        ],
        capsys,
        "--cell",
    )  # fmt: skip
    assert not (tmp_path / "iso.gpkg").exists()


def test_candidate_spacing_fails_fast(tmp_path, capsys):
    argv = _coverage_argv(tmp_path, "--add", "1", "--candidates", "auto")
    argv[0] = "optimize"
    _fails_fast([*argv, "--candidate-spacing", "1e-6"], capsys, "optimize.candidate_spacing_m")


def test_small_limit_fails_a_normal_run(tmp_path, capsys):
    argv = _coverage_argv(tmp_path)
    _fails_fast([*argv, "--memory-limit", "0.05"], capsys, "--memory-limit 0.05")
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.mark.slow
def test_the_default_limit_lets_a_normal_run_pass(tmp_path, capsys):
    code, err = cli(_coverage_argv(tmp_path), capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "summary.json").exists()


@pytest.mark.slow
def test_yuzhong_tiny_spacing_is_an_immediate_error(tmp_path, shared):
    shared("yuzhong", "walk.osm")
    # the child reports its own peak memory (ru_maxrss, KiB) as it exits: no timing
    child = (
        "import resource, sys\n"
        "from harbor_planner.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [
            sys.executable, "-c", child, "-q", "run",
            str(ROOT / "scenarios" / "yuzhong.toml"), "--out", str(tmp_path / "out"),
            "--set", "demand.spacing_m=0.01",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "GB" in proc.stderr and "demand.spacing_m" in proc.stderr
    assert "Traceback" not in proc.stderr
    # 3.8 M points every 0.01 m of Yuzhong's 381 km of main streets would take tens of GB
    peak_kib = int(re.search(r"PEAK_KIB (\d+)", proc.stderr)[1])
    assert peak_kib < 2 * 2**20, f"{peak_kib / 2**20:.1f} GiB held before the refusal"


def test_bridge_and_tunnel_flags_are_read_alike_when_lines_are_joined_and_timed():
    """Probe 20A: the noding took 否, N and an empty cell for a bridge (only no/false/0/f were
    "no"), so every line of a planner's layer with 是/否 flags lay on one level and streets
    joined into tunnels; the edges' off-ground flag read the same cells as no bridge."""
    import pandas as pd

    from harbor_planner.network._ways import interpret_tags
    from harbor_planner.network.lines import line_levels

    cells = ["是", "否", "N", "", None, "yes", "no", "T", "F", "不是", "viaduct"]
    tags = pd.DataFrame({"highway": ["residential"] * len(cells), "bridge": cells})
    assert line_levels(tags).tolist() == [1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1]
    off = interpret_tags(tags)[1]["off_ground"].to_numpy()
    assert off.tolist() == (line_levels(tags) != 0).tolist()
    tunnel = pd.DataFrame({"highway": ["footway"] * 3, "tunnel": ["是", "否", "building_passage"]})
    assert line_levels(tunnel).tolist() == [-1, 0, 0]


def test_a_gbk_shapefile_without_cpg_is_read_as_gbk(tmp_path):
    """Probe 20A: a GBK line Shapefile without .cpg (as ArcMap and CAD export them) was read as
    Latin-1: 否 became "·ñ", every line a bridge, street names garbled."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from harbor_planner.network.lines import line_levels, read_line_frame

    lines = gpd.GeoDataFrame(
        {"highway": ["primary", "footway"], "name": ["解放碑步行街", "较场口"],
         "bridge": ["否", "是"]},
        geometry=[LineString([(0, 0), (100, 0)]), LineString([(0, 50), (100, 50)])],
        crs="EPSG:32648",
    )  # fmt: skip
    path = tmp_path / "roads.shp"
    lines.to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert "解放碑".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    frame = read_line_frame(path)
    assert frame["name"].tolist() == ["解放碑步行街", "较场口"]
    assert line_levels(frame).tolist() == [0, 1]


def test_a_planners_chinese_road_classes_are_read_as_the_classes_they_stand_for(tmp_path, caplog):
    """Probe 20A: a planner's 道路等级 (主干路, 梯道...) was not read: every line a street of no
    class, stairs timed as streets, main streets not found, --max-grade 主干路=8 refused."""
    import geopandas as gpd
    from shapely.geometry import LineString

    import harbor_planner as hp
    from harbor_planner.cli._options import max_grade_setting
    from harbor_planner.network.elevation import class_caps_pct
    from harbor_planner.network.lines import read_line_frame

    x0, y0 = 600000.0, 3260000.0
    lines = gpd.GeoDataFrame(
        {"道路名称": ["解放碑路", "十八梯", "较场口天桥", "某路"],
         "道路等级": ["主干路", "梯道", "人行天桥", "城市道路"],
         "是否桥梁": ["否", "否", None, "否"]},
        geometry=[LineString([(x0, y0), (x0 + 300, y0)]),
                  LineString([(x0 + 300, y0), (x0 + 300, y0 + 60)]),
                  LineString([(x0, y0), (x0, y0 + 80)]),
                  LineString([(x0, y0 + 80), (x0 + 300, y0 + 60)])],
        crs="EPSG:32648",
    )  # fmt: skip
    path = tmp_path / "centrelines.gpkg"
    lines.to_file(path)
    frame = read_line_frame(path)
    assert frame["highway"].tolist() == ["primary", "steps", "footway", "城市道路"]
    assert frame["name"].tolist() == ["解放碑路", "十八梯", "较场口天桥", "某路"]
    assert frame["bridge"].tolist() == ["否", "否", "yes", "否"]
    assert "城市道路 (1 lines)" in caplog.text and "道路等级" in caplog.text
    assert "columns not read" not in caplog.text
    net = hp.build_network(path, progress=False)
    assert (net.edges["highway"] == "steps").sum() == 1
    demand = hp.demand_from_spec("main-streets", network=net, main_street_classes="主干路")
    assert demand.info["classes"] == ["primary"] and demand.info["length_km"] == 0.3
    assert max_grade_setting(["主干路=7"]) == {"primary": 7.0}
    assert class_caps_pct(["primary", "steps"], {"主干路": 7.0})[0] == 7.0


def test_a_network_cut_into_pieces_warns_with_the_length_dropped(tmp_path, caplog):
    """Probe 20A: digitising gaps cut a planner's centrelines into 567 pieces and 60.9 % of the
    nodes (192.6 km) were dropped at INFO level: the headline covered half the streets."""
    import logging

    import geopandas as gpd
    from shapely.geometry import LineString

    import harbor_planner as hp

    x0, y0 = 600000.0, 3260000.0
    main = [LineString([(x0 + 100 * i, y0), (x0 + 100 * (i + 1), y0)]) for i in range(6)]
    gap = [LineString([(x0, y0 + 3), (x0, y0 + 200)])]  # 3 m short of the street it meets
    layer = gpd.GeoDataFrame({"highway": ["footway"] * 7}, geometry=main + gap, crs=32648)
    layer.to_file(tmp_path / "gaps.gpkg")
    with caplog.at_level(logging.INFO):
        net = hp.build_network(tmp_path / "gaps.gpkg", progress=False)
    warned = [r for r in caplog.records if "connected components" in r.message]
    assert warned and warned[0].levelno == logging.WARNING
    assert "(0.2 km, 24.7 % of the length)" in warned[0].message
    assert "--snap-tolerance" in warned[0].message
    assert net.source["dropped_km"] == 0.197 and "(0.2 km)" in net.summary()
    # a station on the dropped piece: its message names the likely cause
    xy = gpd.points_from_xy([x0 + 50, x0 + 400], [y0 + 350, y0])
    st = gpd.GeoDataFrame({"station_id": ["A", "B"]}, geometry=xy, crs=32648)
    dem = gpd.GeoDataFrame({"weight": [1.0]}, geometry=gpd.points_from_xy([x0 + 300], [y0]),
                           crs=32648)  # fmt: skip
    caplog.clear()
    hp.coverage(net, st, dem, minutes=5)
    assert "0.2 km of streets (25 % of the network) not connected to its largest" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):  # a small piece: said at INFO, as before
        layer.iloc[[0, 1, 2, 3, 4, 5]].pipe(lambda f: f.assign(
            geometry=[*f.geometry[:5], LineString([(x0, y0 + 3), (x0, y0 + 40)])]
        )).to_file(tmp_path / "small.gpkg")  # fmt: skip
        hp.build_network(tmp_path / "small.gpkg", progress=False)
    small = [r for r in caplog.records if "connected components" in r.message]
    assert small and small[0].levelno == logging.INFO


def test_crossings_without_a_shared_vertex_are_warned_of_and_joined_on_request(tmp_path, caplog):
    """Probe 20A: a CAD export's junctions (lines crossing without a vertex there) were never
    joined nor said: coverage fell 4.7 points. They are counted and warned of, and
    --join-crossings joins those on the same level (a flyover keeps its own)."""
    import logging

    import geopandas as gpd
    from shapely.geometry import LineString

    import harbor_planner as hp
    from harbor_planner.cli import main

    x0, y0 = 600000.0, 3260000.0
    rows = [
        LineString([(x0 + 100 * i, y0 + 100 * k), (x0 + 100 * (i + 1), y0 + 100 * k)])
        for k in range(6)
        for i in range(6)
    ]  # six east-west streets
    rows += [
        LineString([(x0 + 50 + 100 * i, y0 - 50), (x0 + 50 + 100 * i, y0 + 550)]) for i in range(6)
    ]  # six north-south ones crossing them, no shared vertex
    flyover = LineString([(x0 - 20, y0 + 250), (x0 + 620, y0 + 250)])  # over everything
    other = LineString([(x0 + 600, y0 + 210), (x0 + 600, y0 + 290)])  # a bridge over it (20R)
    layer = gpd.GeoDataFrame(
        {"highway": ["residential"] * 42 + ["primary"] * 2, "bridge": ["否"] * 42 + ["是"] * 2},
        geometry=[*rows, flyover, other], crs=32648,
    )  # fmt: skip
    path = tmp_path / "cad.gpkg"
    layer.to_file(path)
    with caplog.at_level(logging.INFO):
        apart = hp.build_network(path, progress=False, keep_all=True)
    text = caplog.text
    assert "36 crossings of ground-level lines share no vertex" in text  # no bridge's
    assert "--join-crossings" in text and apart.source["noding"]["crossings"] == 36
    joined = hp.build_network(path, progress=False, join_crossings=True)
    assert joined.source["noding"]["crossings_joined"] is True
    assert joined.source["dropped_km"] == 0.72  # the bridges, which meet no street
    # every street now meets every crossing one: a walk across the grid takes the direct way
    st = gpd.GeoDataFrame({"station_id": ["S"]}, crs=32648,
                          geometry=gpd.points_from_xy([x0 + 50], [y0 + 10]))  # fmt: skip
    dem = gpd.GeoDataFrame({"weight": [1.0]}, crs=32648,
                           geometry=gpd.points_from_xy([x0 + 550], [y0 + 510]))  # fmt: skip
    time_min = hp.coverage(joined, st, dem, minutes=60).demand["time_min"].iloc[0]
    assert time_min == pytest.approx((500 + 500) / 75, rel=0.02)  # 1,000 m at 4.5 km/h
    assert (apart.edges["highway"] == "primary").sum() == 2  # the two bridges: unsplit
    # a saved network does not take the option; other commands point to network build
    net = tmp_path / "net.npz"
    assert main(["-q", "network", "build", str(path), "--join-crossings", "--out", str(net)]) == 0
    with pytest.raises(Exception, match="join_crossings"):
        hp.build_network(net, join_crossings=True, progress=False)


def test_lines_given_twice_are_read_once(tmp_path, caplog):
    """Probe 20A: the three districts' files both held the river bridges; the duplicates (and
    a layer pasted twice, reversed) counted twice in the main streets' length."""
    import geopandas as gpd
    from shapely.geometry import LineString

    import harbor_planner as hp

    x0, y0 = 600000.0, 3260000.0
    a = LineString([(x0, y0), (x0 + 200, y0), (x0 + 400, y0)])
    b = LineString([(x0 + 400, y0), (x0 + 400, y0 + 300)])
    layer = gpd.GeoDataFrame({"highway": ["primary"] * 4},
                             geometry=[a, b, a, a.reverse()], crs=32648)  # fmt: skip
    layer.to_file(tmp_path / "twice.gpkg")
    net = hp.build_network(tmp_path / "twice.gpkg", progress=False)
    assert "2 lines are copies of another" in caplog.text and "round; 0.8 km)" in caplog.text
    demand = hp.demand_from_spec("main-streets", network=net)
    assert demand.info["length_km"] == 0.7


def test_a_wide_snapping_distance_is_said_for_the_demand_and_the_stations(diamond, pts, caplog):
    """Probe 20B: --max-dist 500 (meant for a set-back station) also made 150-500 m distant
    buildings reachable (95.9 -> 98.9 %) and joined stations across a river, unsaid."""
    import harbor_planner as hp

    stations = pts((50, 0), (50, -300))  # the second 300 m from the street
    demand = pts((60, 0), (80, 300), prefix="D").assign(weight=[1.0, 7.0])  # 200 m off
    hp.coverage(diamond, stations, demand, minutes=15)
    assert "applies to the demand" not in caplog.text
    hp.coverage(diamond, stations, demand, minutes=15, max_dist_m=500)
    assert "applies to the demand too: 1 demand points (7 of 8)" in caplog.text
    assert "1 stations are farther than the default 150 m" in caplog.text and "S1 (" in caplog.text


def test_a_layer_on_xian_1980_or_beijing_1954_is_warned_of(tmp_path, caplog):
    """Probe 20A: Xi'an 1980 and Beijing 1954 layers were moved to WGS-84 by PROJ's ballpark
    offset (tens of metres unknown) with only an INFO line; CGCS2000 (as WGS-84 to cm) is not
    warned of."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from harbor_planner.network.lines import node_line_frames, read_line_frame

    line = gpd.GeoSeries([LineString([(106.55, 29.55), (106.56, 29.55)])], crs=4326)
    for epsg, warned in ((2381, True), (4545, False), (2435, True)):
        caplog.clear()
        path = tmp_path / f"l{epsg}.gpkg"
        gpd.GeoDataFrame({"highway": ["primary"]}, geometry=line.to_crs(epsg)).to_file(path)
        node_line_frames([read_line_frame(path)])
        assert ("rough offset only" in caplog.text) is warned, epsg


def test_a_station_table_on_xian_1980_is_warned_of(tmp_path, caplog):
    """Probe 20R: a CSV of stations in Xi'an 1980 Gauss-Krüger (--crs EPSG:2381) was read
    without the warning a layer on it gets."""
    import pyproj

    from harbor_planner.stations import read_stations

    for epsg, warned in ((2381, True), (4545, False)):
        caplog.clear()
        x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(106.57, 29.56)
        path = tmp_path / f"s{epsg}.csv"
        path.write_text(f"编号,名称,x,y\nS1,站,{x:.2f},{y:.2f}\n", encoding="utf-8")
        read_stations(path, crs=f"EPSG:{epsg}")
        assert ("rough offset only" in caplog.text) is warned, epsg


def test_a_utf8_shapefile_whose_names_gdal_cut_mid_character_is_read(tmp_path):
    """A UTF-8 Shapefile keeps 10 bytes of a field name: 道路等级 (12) was cut inside 级 and
    the file could not be read at all (UnicodeDecodeError); now 道路等 is the road class."""
    import warnings

    import geopandas as gpd
    from shapely.geometry import LineString

    from harbor_planner.network.lines import read_line_frame
    from harbor_planner.readers import read_vector

    layer = gpd.GeoDataFrame(
        {
            "道路等级": ["主干路", "梯道"],
            "是否桥梁": ["是", "否"],
            "道路名称": ["解放碑路", "十八梯"],
        },
        geometry=[LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 50)])],
        crs=32648,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's own warning of the cut names
        layer.to_file(tmp_path / "u8.shp", encoding="UTF-8")
    frame = read_line_frame(tmp_path / "u8.shp")
    assert frame["highway"].tolist() == ["primary", "steps"]
    assert frame["bridge"].tolist() == ["是", "否"]
    assert frame["name"].tolist() == ["解放碑路", "十八梯"]
    assert "道路等" in read_vector(tmp_path / "u8.shp", None).columns


def test_a_geofabrik_layer_without_osm_id_reads_its_fclass(tmp_path):
    """Probe 20A: without osm_id, a Geofabrik layer's fclass was ignored (not even listed as
    unread): every line a street of no class, no stairs."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from harbor_planner.network.lines import read_line_frame

    layer = gpd.GeoDataFrame(
        {"fclass": ["steps", "track_grade2", "unknown", "primary"], "name": list("abcd")},
        geometry=[LineString([(0, i), (100, i)]) for i in range(4)], crs=32648,
    )  # fmt: skip
    layer.to_file(tmp_path / "noid.gpkg")
    frame = read_line_frame(tmp_path / "noid.gpkg")
    assert frame["highway"].tolist() == ["steps", "track", "road", "primary"]


def test_flags_as_numbers_slashes_and_levels_in_words_are_read_and_odd_ones_said(tmp_path, caplog):
    """Probe 20R: a 0/1 是否桥梁 column with a NULL reads back as "0.0" and every line became a
    bridge (buildings 87.4 -> 34.8 %); "/" and "-" for 否 too; 层级 高架/地下/"1层" were level 0;
    a tunnel drawn along the street above it was dropped as the street's copy."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import LineString

    from harbor_planner.network.lines import line_levels, node_line_frames, read_line_frame

    tags = pd.DataFrame(
        {"bridge": ["0.0", "1.0", None, "/", "-", "2", "maybe"],
         "layer": ["高架", "地下", "地面", "1层", "-1层", "负一层", "x"]}
    )  # fmt: skip
    assert line_levels(tags).tolist() == [1, -1, 0, 1, -1, -1, 1]
    x0, y0 = 600000.0, 3260000.0
    street = LineString([(x0, y0), (x0 + 300, y0)])
    layer = gpd.GeoDataFrame(
        {"highway": ["primary"] * 3, "是否隧道": [1.0, 0.0, None], "是否桥梁": ["maybe", "/", "-"]},
        geometry=[street, street, LineString([(x0 + 300, y0), (x0 + 300, y0 + 99)])],
        crs=32648,
    )  # fmt: skip
    layer.to_file(tmp_path / "flags.gpkg")
    ways, _ = node_line_frames([read_line_frame(tmp_path / "flags.gpkg")])
    assert len(ways.tags) == 3  # the tunnel under the street is no copy of it
    assert "bridge 'maybe' (1 lines, read as bridge)" in caplog.text
    assert "copies" not in caplog.text


def test_osm_classes_of_a_line_layer_are_not_warned_of_as_unknown(tmp_path, caplog):
    """Probe 20R: every OSM-named layer was told its primary_link and motorway_link ways were
    "walked as streets of no class"; only a planner's own unknown words are said."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from harbor_planner.network.lines import read_line_frame

    layer = gpd.GeoDataFrame(
        {"highway": ["primary_link", "motorway_link", "track", "城市道路", "人行天桥"],
         "bridge": ["no", "no", "no", "否", " "]},
        geometry=[LineString([(0, i), (100, i)]) for i in range(5)], crs=32648,
    )  # fmt: skip
    layer.to_file(tmp_path / "osm.gpkg")
    frame = read_line_frame(tmp_path / "osm.gpkg")
    assert "城市道路 (1 lines)" in caplog.text
    assert "primary_link" not in caplog.text and "motorway_link" not in caplog.text
    assert frame["bridge"].tolist()[-1] == "yes"  # a footbridge with an empty cell


def test_line_layer_options_on_an_osm_file_are_said(caplog):
    """Probe 20R: `network build walk.osm --join-crossings` was silently ignored."""
    from pathlib import Path

    import harbor_planner as hp

    tiny = Path(__file__).resolve().parent / "data" / "network" / "tiny.osm"
    hp.build_network(tiny, join_crossings=True, progress=False)
    assert "--join-crossings applies only to line layers" in caplog.text


def test_a_grade_cap_for_steps_says_steps_are_never_capped():
    """Probe 20R: `--max-grade 梯道=30` said "unknown road class" of a class the model knows."""
    from harbor_planner.cli._options import max_grade_setting
    from harbor_planner.errors import UsageError

    with pytest.raises(UsageError, match="steps are never capped"):
        max_grade_setting(["梯道=30"])
    with pytest.raises(UsageError, match="unknown road class 'primry'"):
        max_grade_setting(["primry=8"])

"""The lean coverage matrix (issue 17): built in blocks of candidates, int32 columns.

Two references: the matrix as it was built before (one reachability of all candidates, all
pairs at once, ``csr_matrix`` from the pair lists; kept here as :func:`_before`) must be
reproduced exactly, whatever the block size; and a straightforward per-candidate search
(``scipy.sparse.csgraph.dijkstra`` on the whole graph, the candidate as a virtual node) must
agree on every pair not within a microsecond of the limit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from harbor_planner import build_network
from harbor_planner.candidates import street_candidates
from harbor_planner.demand import main_street_demand
from harbor_planner.network import (
    anchors_for,
    arrival_times,
    index_points,
    pairs_within,
    reachability,
    reachability_chunks,
)
from harbor_planner.optimize import coverage_matrix
from harbor_planner.optimize.matrix import assemble_columns
from harbor_planner.resources import coverage_bytes, coverage_matrix_bytes

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
DATA = Path(__file__).resolve().parent / "data"
MINUTES = 3.0


def _mosaic_module():
    spec = importlib.util.spec_from_file_location("bench_mosaic_lean", BENCH / "mosaic.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mosaic():
    module = _mosaic_module()
    try:
        yield module
    finally:
        sys.modules.pop("bench_mosaic_lean", None)


def _instance(mosaic, base, k: int, cand_m: float, dem_m: float, n_existing: int):
    """A k x k mosaic with street candidates, snapped extra candidates (one far off the
    network, one duplicated), main-street demand plus snapped demand points, and stations."""
    net = mosaic.build_mosaic(base, k).network
    cand = street_candidates(net, spacing_m=cand_m)
    rng = np.random.default_rng(7)
    lo, hi = net.node_xy.min(0), net.node_xy.max(0)
    extra_xy = np.vstack([lo + rng.random((20, 2)) * (hi - lo), [lo - 5000.0]])
    extra = gpd.GeoDataFrame(
        {"site_id": [f"x{i}" for i in range(len(extra_xy))]},
        geometry=shapely.points(extra_xy),
        crs=net.crs,
    ).to_crs(cand.crs)
    again = extra.iloc[[3]].assign(site_id="x3-again")  # the same point twice, two ids
    cand = pd.concat([cand, extra, again], ignore_index=True)
    cand = gpd.GeoDataFrame(cand.drop(columns=["edge", "edge_frac"]), crs=extra.crs)
    dem = main_street_demand(net, spacing_m=dem_m).points
    dem_xy = lo + rng.random((300, 2)) * (hi - lo)
    snapped = gpd.GeoDataFrame(
        {"weight": rng.random(300)}, geometry=shapely.points(dem_xy), crs=net.crs
    ).to_crs(dem.crs)
    demand = gpd.GeoDataFrame(
        pd.concat([dem[["weight", "geometry"]], snapped], ignore_index=True), crs=dem.crs
    )
    existing = mosaic.random_stations(net, n_existing, seed=3) if n_existing else None
    return net, cand, demand, existing


@pytest.fixture(scope="module")
def town(mosaic):
    base = build_network(DATA / "candidates" / "town.osm", progress=False)
    return _instance(mosaic, base, 5, 60.0, 25.0, 6)


def _old_pairs_within(network, reach, demand, limit_s):
    """``pairs_within`` as it was before the blocks (one merge, one sort per call)."""
    e = network.edges
    tf = e["time_fwd_s"].to_numpy()
    tb = e["time_bwd_s"].to_numpy()
    n = network.n_nodes
    ok = np.flatnonzero(demand.within)
    d_edge = demand.edge[ok]
    ends = [
        (e["u"].to_numpy()[d_edge], demand.frac[ok] * tf[d_edge]),
        (e["v"].to_numpy()[d_edge], (1.0 - demand.frac[ok]) * tb[d_edge]),
    ]
    src = np.repeat(np.arange(reach.n_sources), reach.counts())
    pair_d, pair_c = [], []
    for node_of, along in ends:
        order = np.argsort(node_of, kind="stable")
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(node_of, minlength=n), out=ptr[1:])
        deg = ptr[reach.node + 1] - ptr[reach.node]
        total = int(deg.sum())
        if total == 0:
            continue
        starts = np.repeat(ptr[reach.node], deg)
        offs = np.arange(total) - np.repeat(np.cumsum(deg) - deg, deg)
        dem = order[starts + offs]
        with np.errstate(invalid="ignore"):
            t = np.repeat(reach.time_s, deg) + along[dem] + demand.access_s[ok][dem]
        keep = t <= limit_s
        pair_d.append(ok[dem[keep]])
        pair_c.append(np.repeat(src, deg)[keep])
    cand = reach.sources
    merged = pd.DataFrame({"edge": d_edge, "d": ok}).merge(
        pd.DataFrame({"edge": cand.edge[cand.within], "c": np.flatnonzero(cand.within)}),
        on="edge",
    )
    if len(merged):
        d = merged["d"].to_numpy()
        c = merged["c"].to_numpy()
        df = demand.frac[d] - cand.frac[c]
        ed = demand.edge[d]
        with np.errstate(invalid="ignore"):
            t = cand.access_s[c] + demand.access_s[d] + np.where(df >= 0, df * tf[ed], -df * tb[ed])
        keep = t <= limit_s
        pair_d.append(d[keep])
        pair_c.append(c[keep])
    if not pair_d:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pair_d), np.concatenate(pair_c)


def _before(network, cand, demand, existing, minutes):
    """The coverage matrix and existing counts as built before the blocks."""
    limit = minutes * 60.0
    c_anch = anchors_for(network, cand)
    d_anch = anchors_for(network, demand)
    d, c = _old_pairs_within(network, reachability(network, c_anch, minutes=minutes), d_anch, limit)
    covers = csr_matrix(
        (np.ones(len(d), dtype=bool), (d, c)), shape=(len(demand), len(cand))
    ).tocsc()
    covers.sum_duplicates()
    count = np.zeros(len(demand), dtype=np.int64)
    if existing is not None:
        st = anchors_for(network, existing)
        e_d, e_s = _old_pairs_within(
            network, reachability(network, st, minutes=minutes), d_anch, limit
        )
        key = np.unique(e_d * len(existing) + e_s)
        count = np.bincount(key // len(existing), minlength=len(demand))
    return covers, count


def _brute_times(network, cand, demand, minutes):
    """Demand x candidate walking times, one plain dijkstra per candidate on the whole graph."""
    c_anch = anchors_for(network, cand)
    d_anch = anchors_for(network, demand)
    e = network.edges
    g = network.time_graph().tocoo()
    n = network.n_nodes
    out = np.full((len(demand), len(cand)), np.inf)
    for j in range(len(cand)):
        if not c_anch.within[j]:
            continue
        one = c_anch.subset([j])
        k = one.edge[0]
        links = [
            (e["u"].iloc[k], one.access_s[0] + one.frac[0] * e["time_bwd_s"].iloc[k]),
            (e["v"].iloc[k], one.access_s[0] + (1 - one.frac[0]) * e["time_fwd_s"].iloc[k]),
        ]
        links = [(v, max(t, 1e-6)) for v, t in links if np.isfinite(t)]
        rows = np.r_[g.row, [n] * len(links)]
        cols = np.r_[g.col, [v for v, _ in links]]
        data = np.r_[g.data, [t for _, t in links]]
        graph = csr_matrix((data, (rows, cols)), shape=(n + 1, n + 1))
        node_t = dijkstra(graph, indices=n)[:n]
        out[:, j] = arrival_times(network, node_t, d_anch, sources=one)[0]
    return out


def _check_lean(cm, ref_covers, ref_count):
    a = cm.covers
    assert isinstance(a, csc_matrix)
    assert a.indices.dtype == np.int32 and a.indptr.dtype == np.int32
    assert a.dtype == np.bool_ and a.has_canonical_format
    assert a.shape == ref_covers.shape
    assert (a != ref_covers).nnz == 0
    assert a.nnz == ref_covers.nnz
    assert np.array_equal(cm.existing_count, ref_count)
    # sorted, distinct rows in every column (canonical form that is true, not just claimed)
    for j in range(a.shape[1]):
        rows = a.indices[a.indptr[j] : a.indptr[j + 1]]
        assert np.all(np.diff(rows) > 0)


@pytest.mark.parametrize("chunk", [1, 7, 64, 10**9])
def test_blocks_reproduce_the_matrix_built_before(town, chunk):
    net, cand, demand, existing = town
    ref_covers, ref_count = _before(net, cand, demand, existing, MINUTES)
    assert ref_covers.nnz > 1000 and ref_count.max() >= 1  # a real instance, not an empty one
    cm = coverage_matrix(
        net, cand, demand, minutes=MINUTES, existing=existing, chunk_candidates=chunk,
        progress=False,
    )  # fmt: skip
    _check_lean(cm, ref_covers, ref_count)
    assert cm.info["candidates_off_network"] == 1
    assert cm.info["pairs"] == ref_covers.nnz


def test_matrix_agrees_with_a_plain_search_per_candidate(town):
    net, cand, demand, _ = town
    cm = coverage_matrix(net, cand, demand, minutes=MINUTES, chunk_candidates=5, progress=False)
    t = _brute_times(net, cand, demand, MINUTES)
    limit = MINUTES * 60.0
    clear = np.abs(t - limit) > 1e-6
    dense = cm.covers.toarray()
    assert np.array_equal(dense[clear], (t <= limit)[clear])
    assert dense.sum() > 1000


def test_off_network_duplicates_and_no_existing(town):
    net, cand, demand, _ = town
    cm = coverage_matrix(net, cand, demand, minutes=MINUTES, chunk_candidates=3, progress=False)
    a = cm.covers
    far = np.flatnonzero(cm.candidate_ids == "x20")[0]
    assert a.indptr[far + 1] == a.indptr[far]  # the candidate 5 km off: covers nothing
    dup = np.flatnonzero(np.isin(cm.candidate_ids, ["x3", "x3-again"]))
    assert len(dup) == 2
    col = [a.indices[a.indptr[j] : a.indptr[j + 1]] for j in dup]
    assert len(col[0]) > 0 and np.array_equal(col[0], col[1])
    assert not cm.existing_count.any() and cm.existing_xy is None


def test_reachability_chunks_are_the_whole_reachability(town):
    net, cand, _, _ = town
    anchors = anchors_for(net, cand)
    whole = reachability(net, anchors, minutes=MINUTES)
    seen = np.zeros(len(anchors), dtype=bool)
    for pos, r in reachability_chunks(net, anchors, minutes=MINUTES, chunk_sources=11):
        assert len(pos) <= 11 and not seen[pos].any()
        seen[pos] = True
        for i, p in enumerate(pos):
            nodes, t = r.times(i)
            w_nodes, w_t = whole.times(p)
            assert np.array_equal(nodes, w_nodes) and np.array_equal(t, w_t)
    # every source that reaches a node is in a block; the placed ones within reach are
    assert np.all(seen[whole.counts() > 0])
    assert np.array_equal(seen, anchors.within & (anchors.access_s < MINUTES * 60.0))
    assert not seen.all()  # the candidate 5 km off the network is in none


def test_pairs_within_index_equals_anchors(town):
    net, cand, demand, _ = town
    reach = reachability(net, anchors_for(net, cand), minutes=MINUTES)
    d_anch = anchors_for(net, demand)
    a = pairs_within(net, reach, d_anch, MINUTES * 60.0)
    b = pairs_within(net, reach, index_points(net, d_anch), MINUTES * 60.0)
    old = _old_pairs_within(net, reach, d_anch, MINUTES * 60.0)
    keys = [np.sort(d * len(cand) + c) for d, c in (a, b, old)]
    assert len(keys[0]) > 1000
    assert np.array_equal(keys[0], keys[1]) and np.array_equal(keys[0], keys[2])


def test_assemble_columns_against_scipy():
    rng = np.random.default_rng(1)
    n_rows, n_cols = 50, 40
    dense = rng.random((n_rows, n_cols)) < 0.2
    cols = rng.permutation(n_cols)[:30]  # ten columns in no block: empty
    blocks = []
    for part in np.array_split(cols, 4):
        rows = [np.flatnonzero(dense[:, j]) for j in part]
        blocks.append(
            (np.concatenate(rows).astype(np.int32), part, np.array([len(r) for r in rows]))
        )
    expect = dense.copy()
    expect[:, np.setdiff1d(np.arange(n_cols), cols)] = False
    a = assemble_columns(iter(blocks), n_rows=n_rows, n_cols=n_cols)
    assert a.indices.dtype == np.int32 and a.indptr.dtype == np.int32
    assert np.array_equal(a.toarray(), expect)
    assert (a != csc_matrix(coo_matrix(expect))).nnz == 0
    # beyond int32 rows, the indices are int64
    big = assemble_columns(
        [(np.array([5, 2**31 + 3], dtype=np.int64), [1], [2])], n_rows=2**31 + 10, n_cols=3
    )
    assert big.indices.dtype == np.int64 and big.indices.tolist() == [5, 2**31 + 3]
    empty = assemble_columns([], n_rows=4, n_cols=3)
    assert empty.nnz == 0 and empty.shape == (4, 3)


def test_memory_estimate_follows_the_blocks(town):
    net = town[0]
    lean = coverage_matrix_bytes(net, 400_000, 2_000_000, 15.0, chunk_sources=8192)
    bigger = coverage_matrix_bytes(net, 400_000, 2_000_000, 15.0, chunk_sources=65536)
    old = coverage_bytes(net, 400_000, 2_000_000, 15.0)
    assert lean < bigger < old
    assert lean > 400_000 * 2_000_000 * 9 * 0.5  # at least the pairs themselves (share 1)


@pytest.mark.slow
@pytest.mark.realdata
def test_yuzhong_blocks_reproduce_the_matrix_built_before(yuzhong_osm, shared, mosaic):
    from harbor_planner import read_stations

    net = build_network(yuzhong_osm, progress=False)
    st = read_stations(shared("yuzhong", "stations_illustrative_gbk.csv"), crs="gcj02").stations
    cand = street_candidates(net, spacing_m=150)
    demand = main_street_demand(net, spacing_m=40).points
    ref_covers, ref_count = _before(net, cand, demand, st, 15.0)
    for chunk in (97, 10**9):
        cm = coverage_matrix(net, cand, demand, existing=st, chunk_candidates=chunk, progress=False)
        _check_lean(cm, ref_covers, ref_count)
    # a small mosaic of Yuzhong, with snapped extras, off-network and duplicate candidates
    net, cand, demand, existing = _instance(mosaic, net, 2, 200.0, 50.0, 40)
    ref_covers, ref_count = _before(net, cand, demand, existing, 15.0)
    cm = coverage_matrix(net, cand, demand, existing=existing, chunk_candidates=500, progress=False)
    _check_lean(cm, ref_covers, ref_count)


def test_nearest_edges_same_distance_as_the_index(town):
    from harbor_planner.network.snap import nearest_edges

    net = town[0]
    rng = np.random.default_rng(5)
    lo, hi = net.node_xy.min(0), net.node_xy.max(0)
    # random points, points on the nodes (ties between edges), points far off the streets
    xy = np.vstack([lo + rng.random((3000, 2)) * (hi - lo), net.node_xy, lo - [40.0, 900.0]])
    pts = shapely.points(xy)
    (src, edge), dist = net.edge_tree.query_nearest(pts, return_distance=True, all_matches=False)
    order = np.argsort(src, kind="stable")
    got_edge, got_dist = nearest_edges(net, xy, pts)
    assert np.array_equal(got_dist, dist[order])
    # where another edge was taken it is exactly as near (a tie)
    other = got_edge != edge[order]
    assert np.array_equal(
        shapely.distance(pts[other], net.edge_geometry[got_edge[other]]), dist[order][other]
    )
    assert (got_dist > 10.0).sum() > 100  # the slow path ran too


def test_find_matrix_by_any_finder_equals_the_local_pairs(town):
    """find_matrix: the local pairs, a finder of pairs only (repeats and any order), and a
    finder with its own ``matrix`` all give the same canonical boolean matrix."""
    from harbor_planner.network.pairs import (
        find_matrix,
        local_pairs,
        pairs_matrix,
        use_pair_finder,
    )

    net, cand, demand, _ = town
    c, d = anchors_for(net, cand), anchors_for(net, demand)
    args = {"minutes": MINUTES, "limit_s": MINUTES * 60.0}
    want_d, want_s = local_pairs(net, c, d, **args)
    here = find_matrix(net, c, d, **args)
    assert here.shape == (len(d), len(c)) and here.has_canonical_format
    assert here.indices.dtype == np.int32 and here.nnz == len(np.unique(want_d * len(c) + want_s))
    dense = np.zeros(here.shape, dtype=bool)
    dense[want_d, want_s] = True
    assert np.array_equal(here.toarray(), dense)

    def shuffled(network, sources, points, **kw):  # pairs twice, in reverse order
        a, b = local_pairs(network, sources, points, **kw)
        return np.r_[a, a][::-1], np.r_[b, b][::-1]

    with use_pair_finder(shuffled):
        by_pairs = find_matrix(net, c, d, **args)
    assert (by_pairs != here).nnz == 0 and np.array_equal(by_pairs.indices, here.indices)

    class WithMatrix:
        calls = 0

        def __call__(self, *a, **kw):
            raise AssertionError("the matrix method is used, not the pairs")

        def matrix(self, network, sources, points, **kw):
            WithMatrix.calls += 1
            a, b = local_pairs(network, sources, points, **kw)
            return pairs_matrix(a, b, n_points=len(points), n_sources=len(sources))

    with use_pair_finder(WithMatrix()):
        own = find_matrix(net, c, d, **args)
    assert WithMatrix.calls == 1 and (own != here).nnz == 0


def test_find_matrices_equal_find_matrix_for_any_finder(town):
    """find_matrices: one matrix per request, the same as find_matrix; a finder with its own
    ``matrices`` gets every request in one call."""
    from harbor_planner.network.pairs import (
        PairRequest,
        find_matrices,
        find_matrix,
        local_pairs,
        pairs_matrix,
        use_pair_finder,
    )

    net, cand, demand, existing = town
    c, d = anchors_for(net, cand), anchors_for(net, demand)
    s = anchors_for(net, existing)
    reqs = [PairRequest(c, d, MINUTES, MINUTES * 60.0), PairRequest(s, d, 5.0, 300.0)]
    got = find_matrices(net, reqs)
    assert len(got) == 2
    for m, r in zip(got, reqs, strict=True):
        want = find_matrix(net, r.sources, r.points, minutes=r.minutes, limit_s=r.limit_s)
        assert m.shape == (len(d), len(r.sources)) and (m != want).nnz == 0
    assert got[0].nnz > got[1].nnz > 0

    batches: list[int] = []

    class Batch:
        def __call__(self, *a, **kw):
            raise AssertionError("the matrices method is used, not the pairs")

        def matrices(self, network, requests, progress=None):
            batches.append(len(requests))
            out = []
            for r in requests:
                a, b = local_pairs(network, r.sources, r.points, minutes=r.minutes,
                                   limit_s=r.limit_s)  # fmt: skip
                out.append(pairs_matrix(a, b, n_points=len(r.points), n_sources=len(r.sources)))
            return out

    with use_pair_finder(Batch()):
        again = find_matrices(net, reqs)
    assert batches == [2]
    assert all((a != b).nnz == 0 for a, b in zip(again, got, strict=True))


def test_coverage_and_matrix_agree_at_the_limit(town):
    """A point exactly at the limit is covered alike by the coverage figures, by the station
    pairs and by the matrix's existing stations and candidates (one slack for all)."""
    from harbor_planner.analysis.coverage import coverage

    net, _, demand, existing = town
    existing = existing.assign(station_id=[f"S{i}" for i in range(len(existing))])
    sites = existing.rename(columns={"station_id": "site_id"})
    times = coverage(net, existing, demand, minutes=MINUTES).demand["time_min"].to_numpy()
    rng = np.random.default_rng(11)
    at_limit = rng.choice(np.flatnonzero(np.isfinite(times) & (times > 0.5)), 8, replace=False)
    for k in at_limit:
        minutes = float(times[k])  # point k is at the limit, to the last bits of its sum
        cov = coverage(net, existing, demand, minutes=minutes).demand
        cm = coverage_matrix(net, sites, demand, minutes=minutes, existing=existing,
                             progress=False)  # fmt: skip
        covered = cov["covered"].to_numpy()
        assert covered[k]
        assert np.array_equal(covered, cov["n_stations"].to_numpy() > 0)
        assert np.array_equal(covered, cm.existing_count > 0)
        assert np.array_equal(covered, np.asarray(cm.covers.sum(axis=1)).ravel() > 0)


@pytest.mark.parametrize("spacing", ["line", "walk"])
def test_a_station_off_the_network_keeps_new_sites_at_the_spacing(spacing):
    """Probe 24O: a built station beyond the snapping distance dropped out of the minimum
    spacing: a new site was placed 203 m from it under a 300 m spacing."""
    from harbor_planner.network import snap_points
    from harbor_planner.optimize import select_sites

    net = build_network(DATA / "candidates" / "town.osm", progress=False)
    cand = street_candidates(net, spacing_m=50.0).to_crs(net.crs)
    demand = main_street_demand(net, spacing_m=25.0)
    demand = getattr(demand, "points", demand)
    at = shapely.Point(cand.geometry.x.iloc[0], cand.geometry.y.iloc[0] - 80)
    st = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[at], crs=net.crs)
    assert snap_points(net, st.geometry, max_dist_m=1e9).edge_dist_m[0] > 50  # off at 50 m
    walk = {"walk_spacing_m": 300.0} if spacing == "walk" else {}
    cm = coverage_matrix(net, cand, demand, minutes=5, existing=st, max_dist_m=50,
                         progress=False, **walk)  # fmt: skip
    sel = select_sites(cm, n_add=2, min_spacing_m=300, spacing=spacing)
    assert len(sel.selected) == 2
    gaps = np.hypot(*(cm.candidate_xy[sel.selected] - [at.x, at.y]).T)
    assert gaps.min() >= 300

"""Grid-contoured isochrone polygons (``method="grid"``) against exact corridor buffers.

The grid polygons trace where the distance to the reachable street pieces (exact at grid
vertices, interpolated linearly between them) equals the corridor width. Hand-made shapes
check the geometry (a round end, a hole, an island in a hole, separate parts, bands grown on
each other); the diamond and Yuzhong compare with the exact method. The diamond is drawn in
tests/test_network.py.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from harbor_planner import build_network
from harbor_planner.analysis import grid
from harbor_planner.analysis._gridcontour import band_rings
from harbor_planner.analysis.grid import grid_service_area
from harbor_planner.analysis.isochrones import isochrones, service_area
from harbor_planner.cli import main
from harbor_planner.errors import InputDataError
from harbor_planner.network import reachability
from harbor_planner.network.compiled import _edge_lines

DATA = Path(__file__).parent / "data" / "network"
X0, Y0 = 600000.0, 3260000.0


def contour(groups, *, corridor=25.0, cell=5.0, sources=None):
    """Polygons of ``groups`` (each a list of polylines, one band each) via the kernels.

    Each polyline is an edge reached in full; a single point is a zero-length edge.
    """
    lines = [np.asarray(line, float) for group in groups for line in group]
    lines = [ln if len(ln) > 1 else np.vstack([ln, ln]) for ln in lines]
    edges = _edge_lines(np.array([shapely.LineString(ln) for ln in lines], dtype=object))
    n = len(lines)
    group_ptr = np.concatenate([[0], np.cumsum([len(g) for g in groups])]).astype(np.int64)
    source = np.zeros(len(groups), np.int64) if sources is None else np.asarray(sources)
    rings = band_rings(
        edges.xy, edges.ptr, edges.frac, np.arange(n), np.zeros(n), np.ones(n), group_ptr,
        source, corridor, cell,
    )  # fmt: skip
    return grid._polygons_from_rings(*rings, len(groups)), rings


def exact(group, corridor=25.0):
    lines = [shapely.LineString(line) for line in group]
    return shapely.union_all(shapely.buffer(lines, corridor, quad_segs=16))


def rel_diff(a, b):
    return shapely.area(shapely.symmetric_difference(a, b)) / shapely.area(b)


def square(x0, y0, side):
    return [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]


@pytest.mark.parametrize(("cell", "tol"), [(10.0, 0.5), (5.0, 0.15), (2.5, 0.05)])
@pytest.mark.parametrize("at", [(0.0, 0.0), (3.3, 7.1)])
def test_round_end_around_a_point_lies_on_the_corridor(cell, tol, at):
    # a zero-length piece: the corridor is a disc of 25 m; linear interpolation of a convex
    # distance overestimates it, so boundary points lie just inside, never outside
    (poly,), (xy, _, _, area) = contour([[[at, at]]], cell=cell)
    assert len(area) == 1 and area[0] > 0
    d = np.hypot(*(xy - at).T)
    assert d.max() <= 25.0 + 1e-9
    assert d.min() >= 25.0 - tol
    assert poly.is_valid and poly.geom_type == "Polygon"


@pytest.mark.parametrize(("a", "parts"), [(17.3, 1), (22.0, 2)])
def test_saddle_cell_joins_discs_that_meet_inside_it(a, parts):
    # two round ends on the diagonal of the cell [0, 10] x [0, 10]: its corners (0, 0) and
    # (10, 10) are inside, (10, 0) and (0, 10) outside; the true discs meet at the cell's
    # centre when a < 25 / sqrt(2) = 17.68; the corners' mean distance (21.4 and 28.0 here)
    # tells the same (near a = 17.68 it may not: a waist narrower than a cell)
    (poly,), _ = contour([[[[5 - a, 5 - a]], [[5 + a, 5 + a]]]], cell=10.0)
    assert len(shapely.get_parts(poly)) == parts
    truth = exact([[[5 - a, 5 - a], [5 - a, 5 - a]], [[5 + a, 5 + a], [5 + a, 5 + a]]])
    assert len(shapely.get_parts(truth)) == parts


def test_square_loop_has_its_block_as_a_hole():
    loop = square(0, 0, 100)
    (poly,), _ = contour([[loop]])
    assert poly.geom_type == "Polygon" and len(poly.interiors) == 1
    # the block's inside beyond 25 m of the streets: a 50 m square
    assert shapely.Polygon(poly.interiors[0]).area == pytest.approx(2500, rel=0.03)
    assert rel_diff(poly, exact([loop])) < 0.01


def test_island_in_a_hole_and_a_separate_part():
    big, small, far = square(0, 0, 400), square(150, 150, 100), [[1000, 0], [1100, 0]]
    (poly,), (_, _, _, area) = contour([[big, small, far]])
    assert (area > 0).sum() == 3 and (area < 0).sum() == 2
    assert poly.is_valid and poly.geom_type == "MultiPolygon" and len(poly.geoms) == 3
    parts = sorted(poly.geoms, key=lambda p: p.area, reverse=True)
    assert len(parts[0].interiors) == 1  # the big block, around the island
    assert parts[0].interiors[0].envelope.contains(parts[1])
    assert len(parts[1].interiors) == 1  # the island's own block
    assert len(parts[2].interiors) == 0
    assert rel_diff(poly, exact([big, small, far])) < 0.01


def test_bands_grow_from_the_band_below_and_sources_are_apart():
    a, b = [[0, 0], [200, 0]], [[200, 0], [200, 150]]
    c = [[5000, 5000], [5100, 5000]]
    polys, _ = contour([[a], [b], [c]], sources=[0, 0, 1])
    first, second, other = polys
    assert rel_diff(first, exact([a])) < 0.01
    assert rel_diff(second, exact([a, b])) < 0.01  # the second band holds a too
    assert second.buffer(1e-9).contains(first)
    assert rel_diff(other, exact([c])) < 0.01  # a new source starts from nothing


def test_a_band_without_new_pieces_repeats_the_band_below():
    polys, _ = contour([[[[0, 0], [100, 0]]], []])
    assert polys[0].equals(polys[1])


def test_grid_matches_exact_on_the_diamond(diamond, pts):
    stations = pts((25, 3), (150, 1), (100, 60), (-40, 48))
    kw = {"minutes": (1, 2, 4), "corridor_m": 5, "crs": None}
    ex = isochrones(diamond, stations, **kw)
    gr = isochrones(diamond, stations, method="grid", cell_m=0.5, **kw)
    assert list(gr.columns) == list(ex.columns)
    keys = ["station_id", "minutes"]
    assert (gr[keys].to_numpy() == ex[keys].to_numpy()).all()
    diff = rel_diff(gr.geometry.to_numpy(), ex.geometry.to_numpy())
    assert diff.max() < 0.01
    assert gr.geometry.is_valid.all()
    for _, g in gr.groupby("station_id"):
        polys = g.sort_values("minutes").geometry.to_numpy()
        for inner, outer in pairwise(polys):
            assert outer.buffer(1e-6).contains(inner)


def test_grid_cuts_partial_edges(diamond, pts):
    # as in test_isochrones_polygons: S-B is cut at 56 % (45 s) and 94 % (1 min)
    iso = isochrones(
        diamond, pts((25, 3)), minutes=(0.75, 1), corridor_m=5, method="grid", cell_m=0.5,
        crs=None,
    )  # fmt: skip
    for minutes, cut in ((0.75, (45 - 22.4) / 40), (1.0, (60 - 22.4) / 40)):
        poly = iso.geometry[iso.minutes == minutes].iloc[0]
        x = X0 + 50 + cut * 50
        assert poly.contains(shapely.Point(x + 4.5, Y0))
        assert not poly.contains(shapely.Point(x + 5.5, Y0))


def test_threads_give_the_same_polygons(diamond, pts):
    stations = pts((25, 3), (150, 1), (100, 60), (-40, 48))
    for method in ("exact", "grid"):
        kw = {"minutes": (1, 2), "corridor_m": 5, "method": method, "cell_m": 1, "crs": None}
        one = isochrones(diamond, stations, workers=1, **kw).geometry.to_numpy()
        two = isochrones(diamond, stations, workers=3, **kw).geometry.to_numpy()
        assert shapely.equals_exact(one, two, 0).all(), method


@pytest.mark.slow
def test_grid_service_area_is_the_union_of_the_grid_polygons(diamond, pts):
    stations = pts((25, 3), (150, 1), (100, 60), (-40, 48))
    kw = {"minutes": (1, 2, 4), "corridor_m": 5, "cell_m": 0.5, "crs": None}
    area = grid_service_area(diamond, stations, **kw)
    union = service_area(isochrones(diamond, stations, method="grid", **kw))
    assert area.minutes.tolist() == union.minutes.tolist() == [4.0, 2.0, 1.0]
    assert area.stations.tolist() == union.stations.tolist()
    assert area.geometry.is_valid.all()
    diff = rel_diff(area.geometry.to_numpy(), union.geometry.to_numpy())
    assert diff.max() < 1e-3  # the same field; crossings differ only inside cells
    bigger = area.geometry.to_numpy()
    assert all(outer.buffer(1e-6).contains(inner) for outer, inner in pairwise(bigger))


def test_grid_service_area_is_the_same_strip_by_strip(diamond, monkeypatch, pts):
    stations = pts((25, 3), (150, 1), (100, 60), (-40, 48))
    kw = {"minutes": (2, 4), "corridor_m": 5, "cell_m": 0.5, "crs": None}
    whole = grid_service_area(diamond, stations, **kw).geometry.to_numpy()
    monkeypatch.setattr(grid, "_STRIP_ROWS", 7)  # the diamond is ~500 rows high
    strips = grid_service_area(diamond, stations, **kw).geometry.to_numpy()
    assert shapely.is_valid(strips).all()
    assert (rel_diff(strips, whole) < 1e-12).all()


@pytest.mark.parametrize(
    ("kw", "word"),
    [
        ({"method": "fast"}, "method"),
        ({"method": "grid", "cell_m": 0}, "cell_m"),
        ({"method": "grid", "cell_m": 30}, "cell_m"),
        ({"workers": 0}, "workers"),
        ({"workers": 1.5}, "workers"),
    ],
)
def test_bad_polygon_options_are_named(diamond, kw, word, pts):
    with pytest.raises(InputDataError, match=word):
        isochrones(diamond, pts((25, 3)), minutes=(1,), **kw)


def test_cli_isochrones_grid(tmp_path, capsys, pts):
    stations = pts((25, 3), (150, 1))
    src = tmp_path / "st.geojson"
    stations.to_file(src)
    out = tmp_path / "iso.geojson"
    args = ["-q", "isochrones", "--network", str(DATA / "diamond.geojson"), "--stations",
            str(src), "--minutes", "1,2", "--corridor", "5", "--out", str(out)]  # fmt: skip
    assert main([*args, "--method", "grid", "--cell", "1", "--workers", "2", "--service-area"]) == 0
    iso = gpd.read_file(out)
    assert len(iso) == 4 and iso.geometry.is_valid.all()
    area = gpd.read_file(out.with_name("iso_service_area.geojson"))
    assert area.minutes.tolist() == [2.0, 1.0] and area.stations.tolist() == [2, 2]
    assert main([*args, "--method", "grid", "--cell", "6"]) != 0
    assert "--cell 6" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.realdata
def test_yuzhong_grid_polygons_agree_with_exact(yuzhong_osm, shared):
    from harbor_planner import read_stations

    net = build_network(yuzhong_osm, progress=False)
    st = read_stations(shared("yuzhong", "stations_illustrative.xlsx"), crs="gcj02").stations
    st = st.iloc[:20]
    ex = isochrones(net, st, minutes=(5, 10, 15), crs=None)
    gr = isochrones(net, st, minutes=(5, 10, 15), method="grid", crs=None)
    assert gr.geometry.is_valid.all()
    diff = rel_diff(gr.geometry.to_numpy(), ex.geometry.to_numpy())
    # measured: median 0.65 %, at most 1.9 % over 200 random stations (10 m grid)
    assert np.median(diff) < 0.015 and diff.max() < 0.05
    # every grid boundary point lies near the exact boundary (measured: 99 % within 1.7 m,
    # all within 4.5 m); the other way round, exact holes and inlets narrower than a cell
    # are closed, so the differences are slivers a few metres thick
    for g, e in zip(gr.geometry, ex.geometry, strict=True):
        near = shapely.distance(shapely.points(shapely.get_coordinates(g.boundary)), e.boundary)
        assert np.percentile(near, 99) < 3 and near.max() < 10
        slivers = shapely.get_parts(shapely.symmetric_difference(g, e))
        slivers = slivers[shapely.area(slivers) > 1]
        assert (2 * shapely.area(slivers) / shapely.length(slivers)).max() < 10
    area = grid_service_area(net, st, minutes=(5, 10, 15), crs=None)
    union = service_area(gr)
    assert area.geometry.is_valid.all()
    assert (rel_diff(area.geometry.to_numpy(), union.geometry.to_numpy()) < 1e-3).all()
    reach = reachability(net, st, minutes=15)
    for i, sid in enumerate(st["station_id"]):
        rows = gr[gr.station_id == sid].sort_values("minutes").geometry.to_numpy()
        node, t = reach.times(i)
        assert shapely.contains_xy(rows[-1], *net.node_xy[node].T)[t <= 900].all(), sid
        for inner, outer_poly in pairwise(rows):
            assert outer_poly.buffer(1e-6).contains(inner), sid

"""Isochrone polygons built band on band equal the plain construction (every piece buffered).

The plain construction is the definition: the union of the corridor buffers of every reachable
piece of a band, each piece buffered on its own. :func:`isochrones` grows each band from the one
below and buffers a few pieces together; the areas must agree up to floating-point noise and
the polygonal approximation of round caps (a shorter band's cut end at a bend of the street).
The diamond is drawn in tests/test_network.py.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import shapely

from harbor_planner import build_network
from harbor_planner.analysis.isochrones import isochrones
from harbor_planner.analysis.pieces import reachable_pieces, substrings
from harbor_planner.network import anchor_points, reachability

DATA = Path(__file__).parent / "data" / "network"
X0, Y0 = 600000.0, 3260000.0


def plain_polygons(net, stations, minutes, corridor_m):
    """The reference: every piece of a band buffered on its own, then united per polygon."""
    bands = sorted(float(m) for m in minutes)
    anchors = anchor_points(net, stations)
    reach = reachability(net, anchors, minutes=bands[-1])
    pieces = reachable_pieces(net, reach, [b * 60.0 for b in bands])
    lines = substrings(
        net, pieces["edge"].to_numpy(), pieces["start"].to_numpy(), pieces["end"].to_numpy()
    )
    buffers = shapely.buffer(lines, corridor_m, quad_segs=4)
    # a station farther than the corridor from its street: its walk to it (probe 22I)
    xy = shapely.get_coordinates(stations.to_crs(net.crs).geometry.to_numpy())
    ends = net.edge_lines.points(anchors.edge, anchors.frac)
    out = {}
    for (s, b), rows in pieces.groupby(["source", "band"]).groups.items():
        sid = stations["station_id"].iloc[s]
        parts = list(buffers[np.asarray(rows)])
        if anchors.dist_m[s] > corridor_m and anchors.access_s[s] <= bands[b] * 60.0:
            leg = shapely.LineString([xy[s], ends[s]])
            parts.append(shapely.buffer(leg, corridor_m, quad_segs=4))
        out[(sid, bands[b])] = shapely.union_all(parts)
    return out


def assert_same_polygons(iso, plain, *, rel):
    assert len(iso) == len(plain)
    for sid, minutes, poly in iso[["station_id", "minutes", "geometry"]].itertuples(index=False):
        ref = plain[(sid, minutes)]
        assert poly.is_valid, (sid, minutes)
        assert poly.area == pytest.approx(ref.area, rel=rel), (sid, minutes)
        assert shapely.symmetric_difference(poly, ref).area <= rel * ref.area, (sid, minutes)


def assert_nested(iso):
    for _, g in iso.groupby("station_id"):
        polys = g.sort_values("minutes").geometry.to_numpy()
        for inner, outer in pairwise(polys):
            assert outer.buffer(1e-6).contains(inner)


def test_band_on_band_equals_every_piece_buffered_on_the_diamond(diamond, pts):
    stations = pts((25, 3), (150, 1), (100, 60), (-40, 48))
    minutes = (1, 2, 4, 8)
    iso = isochrones(diamond, stations, minutes=minutes, corridor_m=5, crs=None)
    assert_same_polygons(iso, plain_polygons(diamond, stations, minutes, 5.0), rel=1e-9)
    assert_nested(iso)


def test_outer_band_does_not_depend_on_the_bands_below(diamond, pts):
    stations = pts((25, 3), (150, 1))
    alone = isochrones(diamond, stations, minutes=(3,), corridor_m=5, crs=None)
    grown = isochrones(diamond, stations, minutes=(1, 2, 3), corridor_m=5, crs=None)
    for sid in ("S0", "S1"):
        a = alone.geometry[alone.station_id == sid].iloc[0]
        g = grown.geometry[(grown.station_id == sid) & (grown.minutes == 3)].iloc[0]
        assert g.area == pytest.approx(a.area, rel=1e-9)
        assert shapely.symmetric_difference(a, g).area < 1e-6 * a.area


def test_partial_edges_cut_in_every_band(diamond, pts):
    # S-B is reached from S at 22.4 s and walked in 40 s: 1 min cuts it at 94 %, and 45 s at
    # 56 %; the 30 m corridor-free gap beyond the cut stays outside each band
    iso = isochrones(diamond, pts((25, 3)), minutes=(0.75, 1, 2), corridor_m=5, crs=None)
    for minutes, cut in ((0.75, (45 - 22.4) / 40), (1.0, (60 - 22.4) / 40)):
        poly = iso.geometry[iso.minutes == minutes].iloc[0]
        x = X0 + 50 + cut * 50
        assert poly.contains(shapely.Point(x + 4, Y0))
        assert not poly.contains(shapely.Point(x + 6, Y0))
    two = iso.geometry[iso.minutes == 2].iloc[0]
    assert two.contains(shapely.Point(X0 + 104, Y0))  # S-B in full, B's round end


def test_polygon_keys_and_empty_growth(diamond, pts):
    # a band that adds no new street gives the band below unchanged
    iso = isochrones(diamond, pts((25, 3)), minutes=(20, 30), corridor_m=5, crs=None)
    a, b = (iso.geometry[iso.minutes == m].iloc[0] for m in (20, 30))
    assert a.equals(b)


@pytest.mark.realdata
def test_band_on_band_equals_every_piece_buffered_on_yuzhong(yuzhong_osm, shared):
    from harbor_planner import read_stations

    net = build_network(yuzhong_osm, progress=False)
    st = read_stations(shared("yuzhong", "stations_illustrative.xlsx"), crs="gcj02").stations
    st = st.iloc[:10]
    minutes = (5, 10, 15)
    iso = isochrones(net, st, minutes=minutes, crs=None)
    assert list(iso.columns) == ["station_id", "minutes", "geometry"]
    assert len(iso) == 3 * len(st)
    # round caps of a shorter band's cut ends at bends of a street stick out of the longer
    # band's polygonal joins by under a metre: relative differences stay below 1e-4
    assert_same_polygons(iso, plain_polygons(net, st, minutes, 25.0), rel=1e-4)
    assert_nested(iso)

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from harbor_planner.coords import (
    CoordSystem,
    bd09_to_gcj02,
    bd09_to_wgs84,
    diagnose_datum_shift,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_to_wgs84,
    in_china,
    parse_crs,
    to_wgs84,
    utm_crs_for,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from harbor_planner.districts import chongqing_districts, locate_districts, match_district_names
from harbor_planner.errors import CRSError

GEODATA = Path(__file__).resolve().parents[1].parent / "shared" / "geodata"

# Published pairs (wgsLat, wgsLng, gcjLat, gcjLng) from the eviltransform test suite
# (googollee/eviltransform, go/transform_test.go and python/test.py): Shanghai, Shenzhen, Beijing.
EVILTRANSFORM_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]

# Published results for the input (116.404, 39.915) from wandergis/coordtransform test/app.js.
# Its bd09togcj02 and gcj02towgs84 are one-step approximations of the inverses, so they are
# matched to 1e-6 degrees (~0.1 m); the forward formulas exactly.
COORDTRANSFORM_IN = (116.404, 39.915)
COORDTRANSFORM = {
    "bd09togcj02": (116.39762729119315, 39.90865673957631),
    "gcj02tobd09": (116.41036949371029, 39.92133699351021),
    "wgs84togcj02": (116.41024449916938, 39.91640428150164),
    "gcj02towgs84": (116.39775550083061, 39.91359571849836),
}


def haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * np.arcsin(np.sqrt(a))


# --------------------------------------------------------------------------- published pairs


def test_wgs84_to_gcj02_matches_eviltransform_pairs():
    t = np.array(EVILTRANSFORM_PAIRS)
    lon, lat = wgs84_to_gcj02(t[:, 1], t[:, 0])
    np.testing.assert_allclose(lon, t[:, 3], atol=1e-9, rtol=0)
    np.testing.assert_allclose(lat, t[:, 2], atol=1e-9, rtol=0)


def test_gcj02_to_wgs84_inverts_eviltransform_pairs_below_half_a_metre():
    t = np.array(EVILTRANSFORM_PAIRS)
    lon, lat = gcj02_to_wgs84(t[:, 3], t[:, 2])
    err = haversine_m(lon, lat, t[:, 1], t[:, 0])
    assert err.max() < 0.5
    assert err.max() < 0.01  # in practice: millimetres


def test_coordtransform_reference_values():
    x, y = COORDTRANSFORM_IN
    assert gcj02_to_bd09(x, y) == pytest.approx(COORDTRANSFORM["gcj02tobd09"], abs=1e-9)
    assert wgs84_to_gcj02(x, y) == pytest.approx(COORDTRANSFORM["wgs84togcj02"], abs=1e-9)
    assert bd09_to_gcj02(x, y) == pytest.approx(COORDTRANSFORM["bd09togcj02"], abs=1e-6)
    assert gcj02_to_wgs84(x, y) == pytest.approx(COORDTRANSFORM["gcj02towgs84"], abs=1e-6)


def test_gcj_shift_in_chongqing_is_a_few_hundred_metres():
    lon, lat = wgs84_to_gcj02(106.55, 29.56)
    d = haversine_m(106.55, 29.56, lon, lat)
    assert 300 < float(d) < 600


# --------------------------------------------------------------------------- properties

CQ_LON = st.floats(105.2, 110.3, allow_nan=False)
CQ_LAT = st.floats(28.1, 32.3, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(lon=CQ_LON, lat=CQ_LAT)
def test_gcj02_round_trip_over_chongqing(lon, lat):
    g = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(*g)
    assert float(haversine_m(lon, lat, *back)) < 0.5
    w = gcj02_to_wgs84(lon, lat)
    fwd = wgs84_to_gcj02(*w)
    assert float(haversine_m(lon, lat, *fwd)) < 0.5


@settings(max_examples=200, deadline=None)
@given(lon=CQ_LON, lat=CQ_LAT)
def test_bd09_round_trip_over_chongqing(lon, lat):
    b = wgs84_to_bd09(lon, lat)
    assert float(haversine_m(lon, lat, *bd09_to_wgs84(*b))) < 0.5
    g = bd09_to_gcj02(lon, lat)
    assert float(haversine_m(lon, lat, *gcj02_to_bd09(*g))) < 0.5


@settings(max_examples=25, deadline=None)
@given(
    pts=st.lists(st.tuples(CQ_LON, CQ_LAT), min_size=1, max_size=50),
)
def test_vectorised_equals_scalar(pts):
    a = np.array(pts)
    lon, lat = gcj02_to_wgs84(a[:, 0], a[:, 1])
    for i, (x, y) in enumerate(pts):
        sx, sy = gcj02_to_wgs84(x, y)
        assert float(haversine_m(lon[i], lat[i], sx, sy)) < 1e-3


def test_no_shift_outside_china_and_nan_passes():
    # Tokyo, Denver, Brisbane, Rio de Janeiro, (0, 0)
    lon = np.array([139.6503, -104.9903, 153.0251, -43.1729, 0.0, np.nan])
    lat = np.array([35.6762, 39.7392, -27.4698, -22.9068, 0.0, 29.5])
    assert not in_china(lon, lat).any()
    for f in (wgs84_to_gcj02, gcj02_to_wgs84):
        x, y = f(lon, lat)
        np.testing.assert_array_equal(x, lon)
        np.testing.assert_array_equal(y, lat)


def test_shapes_are_preserved():
    lon = np.full((2, 3), 106.5)
    lat = np.full((2, 3), 29.5)
    x, y = gcj02_to_wgs84(lon, lat)
    assert x.shape == y.shape == (2, 3)
    x, y = to_wgs84(106.5, 29.5, "bd09")
    assert np.ndim(x) == 0


# --------------------------------------------------------------------------- CRS statements


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("wgs84", "wgs84"),
        ("WGS84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("epsg:4326", "wgs84"),
        (4326, "wgs84"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("amap", "gcj02"),
        ("AMap", "gcj02"),
        ("高德", "gcj02"),
        ("bd09", "bd09"),
        ("Baidu", "bd09"),
        ("EPSG:32648", "epsg"),
        (32648, "epsg"),
    ],
)
def test_parse_crs(text, kind):
    cs = parse_crs(text)
    assert isinstance(cs, CoordSystem)
    assert cs.kind == kind
    assert parse_crs(cs) is cs


def test_parse_crs_values():
    assert parse_crs("EPSG:32648").crs == "EPSG:32648"
    assert parse_crs("EPSG:32648").name == "EPSG:32648"
    assert not parse_crs("EPSG:32648").is_geographic
    assert parse_crs("gcj02").is_shifted and parse_crs("gcj02").is_geographic
    assert parse_crs("gcj02").label == "GCJ-02"
    assert str(parse_crs("baidu")) == "bd09"


@pytest.mark.parametrize("bad", ["", "  ", "mars-grid", "EPSG:99999999"])
def test_parse_crs_rejects_unknown_and_lists_choices(bad):
    with pytest.raises(CRSError, match="gcj02"):
        parse_crs(bad)


def test_to_and_from_wgs84_round_trip_any_crs():
    lon = np.array([106.55, 106.9, 107.3])
    lat = np.array([29.56, 29.7, 30.1])
    for crs in ("wgs84", "gcj02", "bd09", "EPSG:32648", "EPSG:4490"):
        x, y = from_wgs84(lon, lat, crs)
        blon, blat = to_wgs84(x, y, crs)
        assert haversine_m(lon, lat, blon, blat).max() < 0.5, crs
    x, _ = from_wgs84(lon, lat, "EPSG:32648")
    assert (x > 100_000).all()  # metres


def test_geometry_to_wgs84_moves_every_vertex():
    poly = shapely.Polygon([(106.5, 29.5), (106.6, 29.5), (106.6, 29.6)])
    out = geometry_to_wgs84(poly, "gcj02")
    xy = shapely.get_coordinates(poly)
    expected = np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))
    np.testing.assert_allclose(shapely.get_coordinates(out), expected)
    arr = geometry_to_wgs84(np.array([poly, poly]), "gcj02")
    assert arr.shape == (2,)


def test_utm_crs_for():
    assert utm_crs_for([106.5, 106.6], [29.5, 29.6]) == "EPSG:32648"
    assert utm_crs_for([-43.2], [-22.9]) == "EPSG:32723"
    assert utm_crs_for([np.nan, 106.5], [np.nan, 29.5]) == "EPSG:32648"
    with pytest.raises(CRSError):
        utm_crs_for([np.nan], [np.nan])


# --------------------------------------------------------------------------- datum diagnosis


def test_diagnose_datum_shift_suggests_the_better_reading():
    rng = np.random.default_rng(0)
    near = rng.uniform(0, 10, 40)
    far = rng.uniform(20, 80, 40)
    d = diagnose_datum_shift({"wgs84": far, "gcj02": near, "bd09": far + 5}, stated="wgs84")
    assert d.shifted and d.suggested == "gcj02"
    assert d.n_points == 40
    assert "--crs gcj02" in d.message()
    ok = diagnose_datum_shift({"gcj02": near, "wgs84": far}, stated="gcj02")
    assert not ok.shifted and ok.suggested is None
    assert "fit" in ok.message()


def test_diagnose_datum_shift_needs_enough_points_and_a_clear_gain():
    assert not diagnose_datum_shift({"a": [50.0] * 3, "b": [1.0] * 3}, stated="a").shifted
    # 12 m vs 8 m: better but not clearly
    assert not diagnose_datum_shift({"a": [12.0] * 10, "b": [8.0] * 10}, stated="a").shifted
    nan = diagnose_datum_shift({"a": [np.nan] * 10, "b": [1.0] * 10}, stated="a")
    assert nan.n_points == 0 and not nan.shifted
    with pytest.raises(ValueError, match="stated"):
        diagnose_datum_shift({"a": [1.0]}, stated="b")
    with pytest.raises(ValueError, match="length"):
        diagnose_datum_shift({"a": [1.0], "b": [1.0, 2.0]}, stated="a")


# --------------------------------------------------------------------------- districts


def test_chongqing_districts():
    d = chongqing_districts()
    assert len(d) == 38
    assert d.crs.to_epsg() == 4326
    assert list(d.columns) == ["adcode", "name_zh", "name_en", "geometry"]
    codes = d["adcode"].astype(int)
    assert codes.min() == 500101 and codes.max() == 500243
    assert d.set_index("adcode").loc["500103", "name_zh"] == "渝中区"
    minx, miny, maxx, maxy = d.total_bounds
    assert 105.0 < minx < 106.0 and 110.0 < maxx < 110.5
    assert 28.0 < miny < 28.5 and 32.0 < maxy < 32.5
    assert d.geometry.is_valid.all()
    d.loc[0, "name_zh"] = "changed"  # a copy: the cache is not touched
    assert chongqing_districts().loc[0, "name_zh"] == "万州区"


def test_district_boundaries_were_converted_from_gcj02():
    # the stored vertices are GCJ-02; the returned ones must be WGS-84: about 500 m away
    d = chongqing_districts().set_index("adcode")
    raw = shapely.get_coordinates(d.loc["500103", "geometry"])[0]
    back = wgs84_to_gcj02(*raw)
    assert 300 < float(haversine_m(raw[0], raw[1], *back)) < 600


@pytest.mark.realdata
def test_yuzhong_boundary_matches_openstreetmap_better_after_conversion():
    path = GEODATA / "yuzhong" / "boundary.geojson"
    if not path.exists():
        pytest.skip(f"shared geodata not found at {path} (only on developer machines and CI)")
    import geopandas as gpd

    osm = gpd.read_file(path).to_crs("EPSG:32648").union_all()
    wgs = chongqing_districts().set_index("adcode").loc[["500103"]].to_crs("EPSG:32648")
    gcj = shapely.transform(
        chongqing_districts().set_index("adcode").loc["500103", "geometry"],
        lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
    )
    gcj = gpd.GeoSeries([gcj], crs="EPSG:4326").to_crs("EPSG:32648").iloc[0]
    w = wgs.geometry.iloc[0]

    def iou(a, b):
        return a.intersection(b).area / a.union(b).area

    assert iou(w, osm) > 0.9
    assert iou(w, osm) > iou(gcj, osm)


def test_locate_districts_and_names():
    import geopandas as gpd

    pts = gpd.GeoSeries.from_xy(
        [106.5700, 106.5300, 104.0650, math.nan],
        [29.5560, 29.6000, 30.6570, math.nan],
        crs="EPSG:4326",
    )
    adcode, outside = locate_districts(pts)
    assert adcode.iloc[0] == "500103"
    assert adcode.iloc[1] in {"500105", "500106", "500112"}
    assert adcode.isna().iloc[2] and outside.iloc[2] > 100_000
    assert adcode.isna().iloc[3] and np.isnan(outside.iloc[3])
    import pandas as pd

    names = pd.Series(["渝中区", "渝中", "重庆市渝中区", "Yuzhong District", "nan'an", "石柱", "x"])
    got = match_district_names(names)
    assert got.iloc[:4].tolist() == ["500103"] * 4
    assert got.iloc[4] == "500108" and got.iloc[5] == "500240"
    assert got.isna().iloc[6]


def test_points_to_wgs84_equals_to_crs_and_falls_back_for_other_geometries() -> None:
    """The fast path gives ``to_crs``'s very coordinates, index, columns and name."""
    import geopandas as gpd
    import shapely

    from harbor_planner.coords import points_to_wgs84

    rng = np.random.default_rng(3)
    xy = np.column_stack([rng.uniform(6.0e5, 6.3e5, 500), rng.uniform(3.25e6, 3.29e6, 500)])
    frame = gpd.GeoDataFrame(
        {"weight": rng.random(500), "名称": "点"},
        geometry=shapely.points(xy),
        crs="EPSG:32648",
        index=np.arange(500) * 3 + 7,
    ).rename_geometry("geom")
    fast, slow = points_to_wgs84(frame), frame.to_crs("EPSG:4326")
    assert fast.geometry.name == "geom" and list(fast.columns) == list(slow.columns)
    assert fast.crs == slow.crs and fast.index.equals(slow.index)
    assert np.array_equal(
        shapely.get_coordinates(fast.geometry.array), shapely.get_coordinates(slow.geometry.array)
    )
    assert frame.crs == "EPSG:32648"  # the input is left as it was
    series = points_to_wgs84(frame.geometry)
    assert isinstance(series, gpd.GeoSeries) and series.equals(frame.geometry.to_crs(4326))
    # a missing point, a 3D point, a line: to_crs's own result
    odd = frame.iloc[:4].copy()
    odd.loc[odd.index[0], "geom"] = None
    odd.loc[odd.index[1], "geom"] = shapely.Point(6.1e5, 3.27e6, 250.0)
    odd.loc[odd.index[2], "geom"] = shapely.LineString([(6.1e5, 3.27e6), (6.2e5, 3.28e6)])
    got = points_to_wgs84(odd)
    assert got.geometry.isna().iloc[0] and got.geometry.iloc[1].has_z
    assert got.geometry.iloc[2].geom_type == "LineString"
    assert got.geometry.equals(odd.to_crs("EPSG:4326").geometry)

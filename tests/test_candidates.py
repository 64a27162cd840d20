"""Tests of candidate sites: street sites, OSM POIs, point layers, candidate files, merging, specs.

Street sites on the diamond (``tests/data/network/diamond.geojson``, drawing in
``tests/test_network.py``): the only ground-level street is the residential way A-B (100 m),
split at the T-junction S(50, 0) into edges A-S (0) and S-B (1). At ``spacing_m=40`` the run
A-B is cut into ceil(100 / 40) = 3 pieces of 33.33 m, sites at their middles: x = 16.67
(edge 0, frac 1/3), 50 (on node S: start of edge 1, frac 0) and 83.33 (edge 1, frac 2/3). At
200 m: one site at x = 50; at 250 m the run is shorter than 125 m: none. With footways as
streets: D-A (100 m, 3 sites at 40 m spacing) and S-F (30 m >= 20 m: one site at its middle);
the bridge E-G (off the ground) and the stairs and escalator never.

The town (``tests/data/candidates/town.osm``, drawing and hand-computed sites in
``make_fixtures.py`` there), at ``spacing_m=100``: street sites on W1 at x = 50, 150 | 250, 350
(edges of 200 m, fractions 0.25, 0.75), on W2 at y = 50, 150, 250 (fractions 1/6, 1/2, 5/6),
on W8 at x = -30; none on W7 (40 m), the footway, the steps, the bridge and the trunk link.
``auto`` then drops toilets N110 (1.4 km from any street), merges toilets N102 (10 m from
N101) and the street site (50, 0) (10 m from N101) into N101, and the street site (200, 150)
into the bus stop N108 (5 m).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Transformer

from harbor_planner import build_network
from harbor_planner.candidates import (
    CANDIDATE_COLUMNS,
    POI_KINDS,
    PoiSource,
    candidates_from_spec,
    merge_candidates,
    osm_poi_candidates,
    parse_poi_source,
    poi_layer_candidates,
    street_candidates,
)
from harbor_planner.errors import CRSError, InputDataError

DATA = Path(__file__).parent / "data"
CAND = DATA / "candidates"
TOWN = CAND / "town.osm"
DIAMOND = DATA / "network" / "diamond.geojson"
X0, Y0 = 650000.0, 3270000.0  # town origin (EPSG:32648)
DX0, DY0 = 600000.0, 3260000.0  # diamond origin
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)


@pytest.fixture(scope="module")
def diamond():
    return build_network(DIAMOND, progress=False)


@pytest.fixture(scope="module")
def town():
    return build_network(TOWN, progress=False)


def local_xy(gdf, x0=X0, y0=Y0):
    """Coordinates of a WGS-84 GeoDataFrame in metres from the origin (EPSG:32648)."""
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    x, y = TO_UTM.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([np.asarray(x) - x0, np.asarray(y) - y0])


def check_schema(gdf):
    assert list(gdf.columns[: len(CANDIDATE_COLUMNS)]) == list(CANDIDATE_COLUMNS)
    assert gdf.crs.to_epsg() == 4326
    assert (gdf.geom_type == "Point").all()
    assert gdf["site_id"].is_unique
    assert gdf.index.equals(pd.RangeIndex(len(gdf)))
    assert str(gdf["edge"].dtype) == "Int64"
    assert gdf["cost"].dtype == np.float64


# --------------------------------------------------------------------------- street sites


def test_street_sites_on_the_diamond_hand_computed(diamond):
    sites = street_candidates(diamond, spacing_m=40)
    check_schema(sites)
    assert list(sites["site_id"]) == ["street-0-0", "street-1-0", "street-1-1"]
    assert list(sites["edge"]) == [0, 1, 1]
    assert sites["edge_frac"].to_numpy() == pytest.approx([1 / 3, 0.0, 2 / 3])
    assert set(sites["kind"]) == {"street"} and set(sites["source"]) == {"network"}
    assert set(sites["name"]) == {"AB"} and set(sites["highway"]) == {"residential"}
    assert np.isnan(sites["cost"]).all()
    xy = local_xy(sites, DX0, DY0)
    assert xy[:, 0] == pytest.approx([100 / 6, 50.0, 500 / 6], abs=1e-3)
    assert xy[:, 1] == pytest.approx([0.0, 0.0, 0.0], abs=1e-3)
    # exactly on the edge at edge_frac
    on_edge = shapely.line_interpolate_point(
        diamond.edge_geometry[sites["edge"].to_numpy(int)], sites["edge_frac"], normalized=True
    )
    assert shapely.get_coordinates(on_edge) == pytest.approx(
        shapely.get_coordinates(sites.to_crs(diamond.crs).geometry.to_numpy()), abs=1e-6
    )


def test_street_sites_per_run_and_short_runs(diamond, caplog):
    one = street_candidates(diamond, spacing_m=200)
    assert list(one["site_id"]) == ["street-1-0"]
    assert one["edge_frac"].tolist() == [0.0]
    with caplog.at_level(logging.INFO, logger="harbor_planner.candidates"):
        none = street_candidates(diamond, spacing_m=250)
    check_schema(none)
    assert none.empty
    assert "1 runs shorter than 125 m without a site" in caplog.text


def test_street_classes_never_stairs_bridges_or_lifts(diamond):
    sites = street_candidates(diamond, spacing_m=40, classes=("footway", "steps", "residential"))
    assert list(sites["site_id"]) == [
        "street-0-0",
        "street-1-0",
        "street-1-1",
        "street-4-0",
        "street-4-1",
        "street-4-2",
        "street-6-0",
    ]
    da = sites[sites["edge"] == 4]
    assert da["edge_frac"].to_numpy() == pytest.approx([1 / 6, 1 / 2, 5 / 6])
    sf = local_xy(sites[sites["edge"] == 6], DX0, DY0)
    assert sf[0] == pytest.approx([50.0, -15.0], abs=1e-3)


def test_street_sites_on_the_town_hand_computed(town):
    sites = street_candidates(town, spacing_m=100)
    xy = local_xy(sites)
    expected = [(50, 0), (150, 0), (250, 0), (350, 0), (200, 50), (200, 150), (200, 250), (-30, 0)]
    assert xy == pytest.approx(np.asarray(expected, dtype=float), abs=0.05)
    assert sites["edge_frac"].to_numpy() == pytest.approx(
        [0.25, 0.75, 0.25, 0.75, 1 / 6, 1 / 2, 5 / 6, 0.5], abs=1e-4
    )
    assert set(sites["highway"]) == {"primary", "residential"}
    assert list(sites.loc[sites["highway"] == "primary", "name"]) == ["解放路"] * 4


@pytest.mark.parametrize("spacing", [0, -5, float("nan"), "x"])
def test_street_spacing_must_be_positive(diamond, spacing):
    with pytest.raises(InputDataError, match="spacing_m must be a positive number of metres"):
        street_candidates(diamond, spacing_m=spacing)


# --------------------------------------------------------------------------- OSM POIs


def test_osm_pois_kinds_tags_and_points():
    pois = osm_poi_candidates(TOWN)
    check_schema(pois)
    assert list(pois["site_id"]) == [
        "osm-n101",
        "osm-n102",
        "osm-n104",
        "osm-n105",
        "osm-n106",
        "osm-n107",
        "osm-n108",
        "osm-n109",
        "osm-n110",
        "osm-w10",
        "osm-w11",
        "osm-w12",
    ]  # N103 social_facility is not a kind
    by_id = pois.set_index("site_id")
    assert by_id.loc["osm-n101", ["kind", "name", "tag"]].tolist() == [
        "toilets",
        "公厕一",
        "amenity=toilets",
    ]
    assert by_id.loc["osm-n106", "kind"] == "community_office"
    assert by_id.loc["osm-n107", "kind"] == "metro_entrance"
    assert by_id.loc["osm-n108", ["kind", "tag"]].tolist() == ["bus_stop", "highway=bus_stop"]
    assert by_id.loc["osm-n109", "tag"] == "public_transport=platform;bus=yes"
    assert by_id.loc["osm-w10", ["kind", "name"]].tolist() == ["fuel", "加油站"]
    assert by_id.loc["osm-w12", ["kind", "tag"]].tolist() == [
        "square",
        "highway=pedestrian;area=yes",
    ]
    assert set(pois["source"]) == {"town.osm"}
    assert pois["edge"].isna().all() and pois["edge_frac"].isna().all()
    xy = pd.DataFrame(local_xy(pois), index=pois["site_id"])
    assert xy.loc["osm-n104"].tolist() == pytest.approx([300, 30], abs=0.05)
    # areas at a point inside them: the middle of these rectangles
    assert xy.loc["osm-w10"].tolist() == pytest.approx([120, -30], abs=0.05)
    assert xy.loc["osm-w11"].tolist() == pytest.approx([270, 120], abs=0.05)
    assert xy.loc["osm-w12"].tolist() == pytest.approx([40, 170], abs=0.05)


def test_osm_pois_subset_and_unknown_kinds():
    banks = osm_poi_candidates(TOWN, kinds=["bank", "fuel"])
    assert list(banks["site_id"]) == ["osm-n104", "osm-w10"]
    custom = osm_poi_candidates(TOWN, kinds={"care": ((("amenity", "social_facility"),),)})
    assert list(custom["site_id"]) == ["osm-n103"] and list(custom["kind"]) == ["care"]
    with pytest.raises(InputDataError, match="unknown POI kinds 'church'; known kinds: toilets"):
        osm_poi_candidates(TOWN, kinds=["church"])
    with pytest.raises(InputDataError, match="file not found"):
        osm_poi_candidates(CAND / "missing.osm")


def test_osm_garbage_is_reported(tmp_path):
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"broken\.osm: cannot read as OpenStreetMap"):
        osm_poi_candidates(bad)


def test_poi_kinds_cover_the_kinds_that_host_stations():
    assert set(POI_KINDS) >= {
        "toilets",
        "fuel",
        "bank",
        "community_centre",
        "square",
        "metro_entrance",
        "bus_stop",
    }


# --------------------------------------------------------------------------- point layers


def test_layer_kinds_and_osm_ids_from_tag_columns(tmp_path):
    pts = gpd.GeoDataFrame(
        {
            "element_type": ["node", "way", "node", "node", None],
            "osmid": [5, 6, 7, 8, None],
            "name": ["银行", "商场", None, "站", "无"],
            "amenity": ["bank", None, None, None, None],
            "shop": [None, "mall", None, None, None],
            "railway": [None, None, "subway_entrance", "station", None],
            "station": [None, None, None, "subway", None],
        },
        geometry=gpd.points_from_xy([106.55] * 5, [29.55, 29.551, 29.552, 29.553, 29.554]),
        crs="EPSG:4326",
    )
    path = tmp_path / "pois.geojson"
    pts.to_file(path)
    got = poi_layer_candidates(path)
    check_schema(got)
    assert list(got["site_id"]) == ["osm-n5", "osm-w6", "osm-n7", "osm-n8", "pois-5"]
    assert list(got["kind"]) == ["bank", "mall", "metro_entrance", "metro_station", "poi"]
    assert list(got["tag"]) == [
        "amenity=bank",
        "shop=mall",
        "railway=subway_entrance",
        "railway=station;station=subway",
        "",
    ]
    assert list(got["name"]) == ["银行", "商场", "", "站", "无"]
    assert list(got["row"]) == [1, 2, 3, 4, 5]
    assert set(got["source"]) == {"pois.geojson"}
    forced = poi_layer_candidates(path, kind="Bank")
    assert set(forced["kind"]) == {"bank"}


def test_layer_csv_in_gcj02_needs_its_crs():
    stops = DATA / "demand" / "stops_gcj02.csv"
    with pytest.raises(CRSError, match="does not record its coordinate system"):
        poi_layer_candidates(stops)
    got = poi_layer_candidates(stops, crs="gcj02", kind="bus_stop")
    assert list(got["site_id"][:2]) == ["stops_gcj02-2", "stops_gcj02-3"]
    assert set(got["kind"]) == {"bus_stop"} and got["name"].iloc[0] == "解放碑站"
    assert "people" in got.columns
    from harbor_planner.coords import gcj02_to_wgs84

    lon, lat = gcj02_to_wgs84(106.580688, 29.554112)
    assert got.geometry.iloc[0].x == pytest.approx(float(lon), abs=1e-7)
    assert got.geometry.iloc[0].y == pytest.approx(float(lat), abs=1e-7)


def test_layer_without_crs_is_refused():
    with pytest.raises(CRSError, match="the layer has no CRS"):
        poi_layer_candidates(DATA / "stations" / "no_crs.shp")
    with pytest.raises(InputDataError, match="OpenStreetMap file, not a point layer"):
        poi_layer_candidates(TOWN)


def test_parse_poi_source_forms():
    csv = str(DATA / "demand" / "stops_gcj02.csv")
    assert parse_poi_source(csv) == PoiSource(Path(csv))
    assert parse_poi_source(csv + ":gcj02") == PoiSource(Path(csv), "gcj02")
    assert parse_poi_source(csv + ":gcj02:bus_stop") == PoiSource(Path(csv), "gcj02", "bus_stop")
    assert parse_poi_source(csv + ":EPSG:4326:bus_stop") == PoiSource(
        Path(csv), "EPSG:4326", "bus_stop"
    )
    assert parse_poi_source(csv + "::bus_stop") == PoiSource(Path(csv), None, "bus_stop")
    with pytest.raises(InputDataError, match=r"POI file 'nowhere\.csv:gcj02' not found"):
        parse_poi_source("nowhere.csv:gcj02")
    with pytest.raises(CRSError, match="unknown CRS 'bogus'"):
        parse_poi_source(csv + ":bogus:bus_stop")


def test_a_misspelled_poi_crs_is_said_as_such(tmp_path, capsys):
    """Probe 25E/26A: ``--poi FILE.csv:gcj2`` was read as FILE with the kind 'gcj2' and then
    "does not record its coordinate system: state it with crs=" (untrue: it was stated),
    exit 3; the CRS is named unknown with the closest one, exit 2 naming --poi."""
    from harbor_planner.cli import main

    csv = str(DATA / "demand" / "stops_gcj02.csv")
    with pytest.raises(CRSError, match=r"unknown CRS 'gcj2' \(did you mean 'gcj02'\?\)"):
        parse_poi_source(csv + ":gcj2")
    assert parse_poi_source(csv + ":bus_stop") == PoiSource(Path(csv), None, "bus_stop")
    net = str(DATA / "network" / "diamond.geojson")
    stations = tmp_path / "st.csv"
    stations.write_text("编号,经度,纬度\nA1,105.9606,29.4608\n", "utf-8")
    code = main(["-q", "optimize", "--network", net, "--stations", str(stations), "--crs",
                 "wgs84", "--add", "1", "--poi", csv + ":gcj2", "--out",
                 str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"--poi {csv}:gcj2: optimize.poi: unknown CRS 'gcj2' (did you mean 'gcj02'?)" in err
    assert "does not record its coordinate system" not in err and not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- merging


def test_merge_keeps_the_earlier_row_and_records_the_merged():
    xy = [(0, 0), (10, 0), (25, 0), (30, 0), (100, 0)]
    gdf = gpd.GeoDataFrame(
        {"site_id": ["a", "b", "c", "d", "e"]},
        geometry=shapely.points(np.asarray(xy, dtype=float) + np.array([DX0, DY0])),
        crs="EPSG:32648",
    )
    out = merge_candidates(gdf, min_separation_m=20, metric_crs="EPSG:32648")
    # b is merged into a; c stays (25 m from a, b is gone); d into c
    assert list(out["site_id"]) == ["a", "c", "e"]
    assert list(out["merged_ids"]) == ["b", "d", ""]
    none = merge_candidates(gdf, min_separation_m=0, metric_crs="EPSG:32648")
    assert list(none["site_id"]) == list("abcde") and set(none["merged_ids"]) == {""}
    exact = merge_candidates(gdf, min_separation_m=10, metric_crs="EPSG:32648")
    assert list(exact["site_id"]) == list("abce")  # 10 m apart is not closer than 10 m
    with pytest.raises(InputDataError, match="min_separation_m must be a finite number >= 0"):
        merge_candidates(gdf, min_separation_m=-1, metric_crs="EPSG:32648")


# --------------------------------------------------------------------------- auto


def test_auto_on_the_town(town, caplog):
    with caplog.at_level(logging.INFO, logger="harbor_planner.candidates"):
        got = candidates_from_spec("auto", network=town, spacing_m=100)
    check_schema(got)
    assert list(got["site_id"]) == [
        "osm-n101",
        "osm-n104",
        "osm-n105",
        "osm-n106",
        "osm-n107",
        "osm-n108",
        "osm-n109",
        "osm-w10",
        "osm-w11",
        "osm-w12",
        "street-0-1",
        "street-1-0",
        "street-1-1",
        "street-2-0",
        "street-2-2",
        "street-8-0",
    ]
    merged = got.set_index("site_id")["merged_ids"]
    assert merged["osm-n101"] == "osm-n102;street-0-0"
    assert merged["osm-n108"] == "street-2-1"
    assert (merged.drop(["osm-n101", "osm-n108"]) == "").all()
    assert "1 points of interest farther than 150 m from the network dropped" in caplog.text
    assert "3 candidates closer than 20 m merged" in caplog.text


def test_auto_is_deterministic_and_ids_are_stable(town):
    a = candidates_from_spec("auto", network=town, spacing_m=100)
    b = candidates_from_spec("auto", network=town, spacing_m=100)
    assert_geodataframe_equal(a, b)
    wider = candidates_from_spec("auto", network=town, spacing_m=100, min_separation_m=0)
    assert set(a["site_id"]) < set(wider["site_id"])  # same ids, more of them


def test_auto_with_poi_files_and_merging_priority(town, tmp_path):
    # a bus stop list in GCJ-02 with one stop at the bank (kept after the OSM bank) and one
    # on the street site (150, 0), which it replaces
    from harbor_planner.coords import wgs84_to_gcj02

    to_wgs = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    rows = []
    for name, (x, y) in {"银行站": (300, 25), "路口站": (150, 3)}.items():
        lon, lat = wgs84_to_gcj02(*to_wgs.transform(X0 + x, Y0 + y))
        rows.append(f"{name},{float(lon):.7f},{float(lat):.7f}")
    stops = tmp_path / "stops.csv"
    stops.write_text("name,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    got = candidates_from_spec(
        "auto", network=town, spacing_m=100, poi_files=[f"{stops}:gcj02:bus_stop"]
    )
    by_id = got.set_index("site_id")
    assert "stops-2" not in by_id.index  # merged into the bank, which came first
    assert by_id.loc["osm-n104", "merged_ids"] == "stops-2"
    assert by_id.loc["stops-3", ["kind", "source", "merged_ids"]].tolist() == [
        "bus_stop",
        "stops.csv",
        "street-0-1",
    ]
    again = candidates_from_spec(
        "auto", network=town, spacing_m=100, poi_files=[PoiSource(TOWN), TOWN]
    )
    assert len(again) == 16  # the same OSM objects are read once


def test_auto_without_an_osm_source_and_nothing_left(diamond, caplog):
    with caplog.at_level(logging.INFO, logger="harbor_planner.candidates"):
        got = candidates_from_spec("auto", network=diamond, spacing_m=40, min_separation_m=40)
    assert "not built from an OSM file" in caplog.text
    assert list(got["site_id"]) == ["street-0-0", "street-1-1"]
    assert list(got["merged_ids"]) == ["street-1-0", ""]
    with pytest.raises(InputDataError, match=r"no candidate site.*--candidate-spacing"):
        candidates_from_spec("auto", network=diamond, spacing_m=500)


def test_auto_missing_source_file_is_a_warning(town, caplog):
    from dataclasses import replace

    moved = replace(town, source={**town.source, "path": str(CAND / "gone.osm")})
    with caplog.at_level(logging.WARNING, logger="harbor_planner.candidates"):
        got = candidates_from_spec("auto", network=moved, spacing_m=100)
    assert "gone.osm (the OSM file the walk network was built from) is not found" in caplog.text
    assert set(got["kind"]) == {"street"}


# --------------------------------------------------------------------------- candidate files


def expected_file_xy():
    return np.asarray([(100, 12), (212, 100), (320, -10)], dtype=float)


def test_candidate_csv_in_gcj02_with_costs(town, caplog):
    with caplog.at_level(logging.WARNING, logger="harbor_planner.candidates"):
        got = candidates_from_spec(CAND / "candidates_gcj02.csv", network=town, crs="gcj02")
    check_schema(got)
    assert list(got["site_id"]) == ["C01", "C02", "C03"]
    assert list(got["name"]) == ["候选一", "候选二", "候选三"]
    assert set(got["kind"]) == {"file"} and set(got["source"]) == {"candidates_gcj02.csv"}
    assert got["cost"].tolist()[:2] == [12.5, 8.0] and np.isnan(got["cost"].iloc[2])
    assert "1 empty cells in cost column '造价(万元)'" in caplog.text
    assert list(got["status"]) == ["candidate"] * 3  # the file's own columns are kept
    assert "造价(万元)" in got.columns and "station_id" in got.columns
    # GCJ-02 -> WGS-84: back where the fixture put them (the inverse is iterative, < 0.5 m)
    assert local_xy(got) == pytest.approx(expected_file_xy(), abs=0.5)


def test_candidate_xlsx_sheet_and_bad_cost(town):
    xlsx = CAND / "candidates.xlsx"
    got = candidates_from_spec(xlsx, network=town, crs="gcj02", sheet="候选")
    assert list(got["site_id"]) == ["C01", "C02", "C03"]
    assert got["cost"].tolist()[:2] == [12.5, 8.0]
    with pytest.raises(InputDataError, match=r"column '造价\(万元\)', rows 坏 row 2: costs"):
        candidates_from_spec(xlsx, network=town, crs="gcj02")


def test_candidate_file_far_rows_are_dropped_with_their_ids(town, tmp_path, caplog):
    text = (CAND / "candidates_gcj02.csv").read_text(encoding="utf-8")
    far = tmp_path / "far.csv"
    far.write_text(text + "C04,远处,106.6000000,29.5800000,1,候选\r\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="harbor_planner.candidates"):
        got = candidates_from_spec(far, network=town, crs="gcj02")
    assert list(got["site_id"]) == ["C01", "C02", "C03"]
    assert "1 candidates lie farther than 150 m from any walkable street" in caplog.text
    assert "C04" in caplog.text


def test_candidate_file_ids_default_to_rows(town, tmp_path):
    text = (CAND / "candidates_gcj02.csv").read_text(encoding="utf-8")
    noid = tmp_path / "noid.csv"
    noid.write_text(text.replace("C02,", ","), encoding="utf-8")
    got = candidates_from_spec(noid, network=town, crs="gcj02")
    assert list(got["site_id"]) == ["C01", "row-3", "C03"]


def test_bad_specs_and_options(town):
    with pytest.raises(InputDataError, match="unknown candidates spec 'everywhere'"):
        candidates_from_spec("everywhere", network=town)
    with pytest.raises(InputDataError, match=r"candidate file not found 'nope\.csv'"):
        candidates_from_spec("nope.csv", network=town)
    with pytest.raises(CRSError, match="no coordinate system given"):
        candidates_from_spec(CAND / "candidates_gcj02.csv", network=town)
    with pytest.raises(InputDataError, match="crs applies to a candidate FILE, not to 'auto'"):
        candidates_from_spec("auto", network=town, crs="gcj02")
    with pytest.raises(InputDataError, match="poi_files apply to 'auto' candidates only"):
        candidates_from_spec(
            CAND / "candidates_gcj02.csv", network=town, crs="gcj02", poi_files=[TOWN]
        )
    with pytest.raises(InputDataError, match="not a candidate list; use spec 'auto'"):
        candidates_from_spec(TOWN, network=town)
    with pytest.raises(CRSError, match="OpenStreetMap data is WGS-84"):
        candidates_from_spec("auto", network=town, poi_files=[f"{TOWN}:gcj02"])
    with pytest.raises(InputDataError, match="max_dist_m must be a positive number of metres"):
        candidates_from_spec("auto", network=town, max_dist_m=0)


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def yuzhong(shared):
    return build_network(shared("yuzhong", "walk.osm"), progress=False)


@pytest.mark.realdata
def test_yuzhong_auto_from_walk_osm(yuzhong):
    got = candidates_from_spec("auto", network=yuzhong)
    check_schema(got)
    counts = got["kind"].value_counts().to_dict()
    # walk.osm holds few POIs: 42 subway entrances, 1 toilets node, 1 square (a way)
    assert counts.get("toilets") == 1 and counts.get("square") == 1
    assert 35 <= counts["metro_entrance"] <= 42
    assert 1_500 <= counts["street"] <= 2_100
    assert set(counts) == {"street", "metro_entrance", "toilets", "square"}
    pts = got.to_crs(yuzhong.crs).geometry.to_numpy()
    i, j = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=19.99)
    assert (i == j).all()  # no two candidates closer than min_separation_m


@pytest.mark.realdata
def test_yuzhong_pois_metro_and_bus_stop_layers(yuzhong, shared):
    pois = poi_layer_candidates(shared("yuzhong", "pois.geojson"))
    assert len(pois) == 136 and (pois["kind"] == "bank").sum() == 14
    assert pois["site_id"].str.match(r"^osm-[nw]\d+$").all()
    metro = poi_layer_candidates(shared("yuzhong", "metro.geojson"))
    assert (metro["kind"] == "metro_entrance").sum() == 61
    stops = poi_layer_candidates(
        shared("chongqing", "bus_stops_gcj02.csv"), crs="gcj02", kind="bus_stop"
    )
    assert len(stops) == 3431
    got = candidates_from_spec(
        "auto",
        network=yuzhong,
        poi_files=[
            shared("yuzhong", "pois.geojson"),
            shared("yuzhong", "metro.geojson"),
            f"{shared('chongqing', 'bus_stops_gcj02.csv')}:gcj02:bus_stop",
        ],
    )
    counts = got["kind"].value_counts()
    # the municipality's stops are cut to the network; OSM objects read twice kept once
    assert 150 <= counts["bus_stop"] <= 300
    assert counts["bank"] == 14
    assert got["site_id"].is_unique


@pytest.mark.realdata
def test_yuzhong_candidate_workbook(yuzhong, shared):
    got = candidates_from_spec(
        shared("yuzhong", "stations_illustrative.xlsx"), network=yuzhong, crs="gcj02"
    )
    assert len(got) == 42 and got["site_id"].str.match(r"^YZP?\d{3}$").all()
    assert got["cost"].isna().all()


def test_a_candidate_files_site_id_column_gives_the_ids(town, tmp_path):
    """Probe 14K: ``site_id`` (the tool's own column in selected_sites.csv) was not an id."""
    text = (CAND / "candidates_gcj02.csv").read_text(encoding="utf-8")
    own = tmp_path / "plan.csv"
    own.write_text(text.replace("编号,", "site_id,", 1).replace("C0", "PLAN-00"), encoding="utf-8")
    got = candidates_from_spec(own, network=town, crs="gcj02")
    assert list(got["site_id"]) == ["PLAN-001", "PLAN-002", "PLAN-003"]


def test_excluded_ids_one_as_text_and_unknown_ones(town, caplog):
    import harbor_planner as hp
    from harbor_planner.optimize import coverage_matrix, select_sites

    cand = candidates_from_spec(CAND / "candidates_gcj02.csv", network=town, crs="gcj02")
    demand = hp.demand_from_spec("main-streets", network=town, spacing_m=50.0).points
    cm = coverage_matrix(town, cand, demand, minutes=15)
    picked = select_sites(cm, n_add=1, excluded=["C01", "PLAN-004"])  # unknown ids: warned
    assert "C01" not in set(picked.site_ids)
    first = select_sites(cm, n_add=1).site_ids[0]
    again = select_sites(cm, n_add=1, excluded=first)  # one id as text, not its characters
    assert first not in set(again.site_ids)
    assert "1 of the 2 excluded sites are not among the candidates" in caplog.text
    as_array = select_sites(cm, n_add=1, excluded=np.array([first]))  # probe 14N: arrays too
    assert first not in set(as_array.site_ids)


def test_a_candidate_file_without_a_datum_names_the_candidates_option(tmp_path, diamond):
    """Probe 18O: a candidate CSV without a CRS was told to state `crs= (--crs)`, the stations'
    datum (given already): the candidates have --candidates-crs (optimize.candidates_crs)."""
    path = tmp_path / "cands.csv"
    path.write_text("site_id,lon,lat\nA,105.00,29.50\nB,105.01,29.50\n", encoding="utf-8")
    with pytest.raises(CRSError) as info:
        candidates_from_spec(str(path), network=diamond)
    text = str(info.value)
    assert "--candidates-crs (optimize.candidates_crs)" in text
    assert "(--crs)" not in text and text.count(str(path)) == 1


def test_transit_layers_give_their_sites_their_own_names_and_ids(tmp_path):
    """Probe 19X: CPTOND's metro stops name each station in `stop_cn` (ids in `stop_id`):
    the sites were named after the nearest street (两路口 published as "长江一路 (地铁站)")
    and numbered by row."""
    import geopandas as gpd
    from shapely.geometry import Point

    from harbor_planner import read_stations

    pts = [Point(106.5485, 29.5529), Point(106.5733, 29.6082), Point(106.55, 29.56)]
    layer = gpd.GeoDataFrame(
        {"stop_cn": ["两路口", "头塘", "某站"], "stop_en": ["Lianglukou", "Toutang", "X"],
         "stop_id": ["BV10045318", "BV10819166", "BV1"]},
        geometry=pts, crs="EPSG:4326",
    )  # fmt: skip
    path = tmp_path / "stops_unique.gpkg"
    layer.to_file(path)
    got = poi_layer_candidates(path, kind="metro_station")
    assert got["name"].tolist() == ["两路口", "头塘", "某站"]
    assert got["site_id"].tolist()[:2] == ["stops_unique-BV10045318", "stops_unique-BV10819166"]
    shared = tmp_path / "stops.gpkg"  # one stop per route: an id given twice is no site's own
    layer.assign(stop_id=["BV1", "BV1", "BV2"]).to_file(shared)
    assert poi_layer_candidates(shared)["site_id"].tolist() == ["stops-1", "stops-2", "stops-3"]
    st = read_stations(path, crs="wgs84").stations  # the station reader knows them too
    assert st["name"].tolist()[:2] == ["两路口", "头塘"]
    assert st["station_id"].tolist()[0] == "BV10045318"


def test_a_candidate_file_with_bad_rows_stops_the_run_before_the_coverage(tmp_path, capsys):
    """Probe 19X: 25 rows of a candidate file lying outside Chongqing were said (exit 3) only
    after the coverage and its range had been computed."""
    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    bad = tmp_path / "cands.csv"
    bad.write_text("编号,名称,经度,纬度\nc1,甲,106.5700,29.5570\nc2,乙,116.40,39.90\n",
                   encoding="utf-8")  # fmt: skip
    out = tmp_path / "out"
    code = main(["run", str(demo_scenario_path()), "--out", str(out), "--no-progress",
                 "--set", f"optimize.candidates={bad}", "--set",
                 "optimize.candidates_crs=wgs84"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and "row 3" in err and "outside Chongqing" in err, err
    assert "coverage:" not in err and "demand:" not in err, err  # said with the inputs
    assert not out.exists()


def test_a_planners_own_name_and_id_headers_win_over_transit_ones(tmp_path):
    """Probe 19R: with `stop_name` (or `stop_id`) before 名称 (编号), every station was named
    (numbered) by the transit column, without a word; before today 名称 was read."""
    from harbor_planner import read_stations

    path = tmp_path / "list.csv"
    path.write_text("stop_name,名称,stop_id,编号,lon,lat\n较场口站,甲,X1,A1,106.57,29.557\n"
                    "较场口站,乙,X2,A2,106.575,29.56\n", encoding="utf-8")  # fmt: skip
    check = read_stations(path, crs="wgs84")
    assert check.stations["name"].tolist() == ["甲", "乙"]
    assert check.stations["station_id"].tolist() == ["A1", "A2"]
    assert (check.problems["code"] == "ambiguous_column").sum() == 2

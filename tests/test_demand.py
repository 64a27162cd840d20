"""Tests of demand: main streets, buildings, points, grid, specs and bad input.

Hand-made fixtures in ``tests/data/demand`` (regenerate with ``make_fixtures.py`` there):

``streets.geojson`` (EPSG:32648, metres from 650000/3270000)::

    (0,250)
      |  F footway 250 m (not a main street)
      |                      (120,30) ------ T tertiary 100 m ------ (220,30)
      |                         |  S secondary 30 m
    (0,0) ---- P primary 120 m ---- (120,0)

At 50 m spacing (pieces = ceil(L / 50), points at piece middles, weight L / pieces):
P -> 3 points of 40 m at x = 20, 60, 100; S -> 1 point of 30 m at y = 15; T -> 2 points of
50 m at x = 145, 195. Total 250 m.

``buildings.geojson`` (EPSG:32648): A 10x20 m, building:levels 3 -> 600 m²; B 10x10,
height "27 m" -> 27 / 4.5 = 6 levels -> 600 m²; C 20x20 untagged -> default = median of the
tagged levels of buildings that are not roofs (A 3, D 5) = 4 -> 1600 m²; D 10x10, levels 5 on
min_level 2 -> 3 levels -> 300 m²; E 10x10 building=roof (tagged 1 level) -> 0. Total floor
area 3100 m².
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from harbor_planner import build_network
from harbor_planner.coords import gcj02_to_wgs84, wgs84_to_gcj02
from harbor_planner.demand import (
    MAIN_STREET_CLASSES,
    MAX_GRID_CELLS,
    SPEC_FORMS,
    Demand,
    DemandSpec,
    building_demand,
    clip_demand,
    demand_from_spec,
    demand_within,
    grid_demand,
    main_street_demand,
    parse_demand_spec,
    point_demand,
)
from harbor_planner.errors import CRSError, InputDataError

DATA = Path(__file__).parent / "data"
DEMAND = DATA / "demand"
X0, Y0 = 650000.0, 3270000.0
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def streets():
    return build_network(DEMAND / "streets.geojson", progress=False)


@pytest.fixture(scope="module")
def diamond():
    return build_network(DATA / "network" / "diamond.geojson", progress=False)


def utm_xy(points: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(points.geometry.to_crs("EPSG:32648").to_numpy())


def assert_demand(d: Demand, kind: str) -> None:
    p = d.points
    assert d.kind == kind
    assert p.crs.to_epsg() == 4326
    assert (p.geometry.geom_type == "Point").all()
    assert list(p.columns[:2]) == ["demand_id", "weight"]
    assert p["demand_id"].is_unique
    assert p["weight"].dtype == np.float64 and (p["weight"] >= 0).all()
    assert isinstance(p.index, pd.RangeIndex)
    assert d.total == pytest.approx(p["weight"].sum())
    if d.shapes is not None:
        assert d.shapes.crs.to_epsg() == 4326 and len(d.shapes) == len(p)


# --------------------------------------------------------------------------- specs


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("main-streets", DemandSpec("main-streets", "main-streets")),
        ("Main_Streets", DemandSpec("main-streets", "Main_Streets")),
        ("grid:100", DemandSpec("grid", "grid:100", cell_m=100.0)),
        ("grid:250m", DemandSpec("grid", "grid:250m", cell_m=250.0)),
        ("buildings:b.osm", DemandSpec("buildings", "buildings:b.osm", path=Path("b.osm"))),
        ("points:m.geojson", DemandSpec("points", "points:m.geojson", path=Path("m.geojson"))),
        (
            "points:s.csv:people",
            DemandSpec("points", "points:s.csv:people", path=Path("s.csv"), column="people"),
        ),
    ],
)
def test_parse_demand_spec(spec, expected):
    assert parse_demand_spec(spec) == expected


def test_points_spec_keeps_a_colon_that_belongs_to_an_existing_path(tmp_path):
    f = tmp_path / "a:b.csv"
    f.write_text("lon,lat\n106.57,29.56\n")
    assert parse_demand_spec(f"points:{f}") == DemandSpec("points", f"points:{f}", path=f)
    got = parse_demand_spec(f"points:{f}:people")
    assert (got.path, got.column) == (f, "people")


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("circles", ["unknown demand spec 'circles'", *SPEC_FORMS]),
        ("buildings", ["give the building file", "known forms"]),
        ("points:", ["give the point file"]),
        ("grid:0", ["positive number of metres"]),
        ("grid:abc", ["positive number of metres"]),
        ("grid", ["positive number of metres"]),
        ("main-streets:25", ["main-streets takes no argument"]),
    ],
)
def test_bad_specs_list_the_known_forms(spec, words):
    with pytest.raises(InputDataError) as err:
        parse_demand_spec(spec)
    for w in words:
        assert w in str(err.value)


def test_demand_from_spec_refuses_options_that_do_not_apply(streets):
    with pytest.raises(InputDataError, match="population"):
        demand_from_spec("main-streets", network=streets, population=1000)
    with pytest.raises(InputDataError, match="crs"):
        demand_from_spec("grid:100", network=streets, crs="gcj02")
    with pytest.raises(InputDataError, match="default_levels"):
        demand_from_spec("grid:100", network=streets, default_levels=3)


def test_demand_from_spec_dispatches_and_keeps_the_spec_text(streets):
    d = demand_from_spec("main-streets", network=streets, spacing_m=200)
    assert (d.kind, d.spec, len(d)) == ("main-streets", "main-streets", 3)
    spec = f"buildings:{DEMAND / 'buildings.geojson'}"
    b = demand_from_spec(spec, network=streets, population=5400)
    assert (b.kind, b.spec, b.weight_unit) == ("buildings", spec, "people")
    assert b.total == pytest.approx(5400)
    spec = f"points:{DEMAND / 'stops_gcj02.csv'}:people"
    p = demand_from_spec(spec, network=streets, crs="gcj02")
    assert (p.kind, p.weight_unit, p.total) == ("points", "people", 200)
    g = demand_from_spec("grid:100", network=streets)
    assert (g.kind, g.spec) == ("grid", "grid:100")


# --------------------------------------------------------------------------- main streets


def test_main_streets_hand_computed(streets, caplog):
    with caplog.at_level(logging.INFO, logger="harbor_planner.demand"):
        d = main_street_demand(streets)
    assert_demand(d, "main-streets")
    assert d.weight_unit == "m of main street" and d.shapes is None
    p = d.points.sort_values(["name", "edge_frac"]).reset_index(drop=True)
    assert p["name"].tolist() == ["P", "P", "P", "S", "T", "T"]  # names keep their case
    assert p["weight"].to_numpy() == pytest.approx([40, 40, 40, 30, 50, 50])
    xy = utm_xy(p) - [X0, Y0]
    # P and T may run either way in the network: compare as sets of positions
    assert sorted(xy[:3, 0]) == pytest.approx([20, 60, 100], abs=1e-3)
    assert xy[:3, 1] == pytest.approx([0, 0, 0], abs=1e-3)
    assert xy[3] == pytest.approx([120, 15], abs=1e-3)
    assert sorted(xy[4:, 0]) == pytest.approx([145, 195], abs=1e-3)
    assert d.total == pytest.approx(250)
    assert d.info["length_km"] == pytest.approx(0.25)
    assert d.info["length_km_by_class"] == pytest.approx(
        {"primary": 0.12, "secondary": 0.03, "tertiary": 0.1}
    )
    # edge / edge_frac place each point exactly on its network edge
    on_edge = shapely.line_interpolate_point(
        streets.edge_geometry[d.points["edge"].to_numpy()],
        d.points["edge_frac"].to_numpy(),
        normalized=True,
    )
    assert shapely.get_coordinates(on_edge) == pytest.approx(utm_xy(d.points), abs=1e-3)
    assert set(streets.edges.loc[d.points["edge"], "highway"]) == {
        "primary",
        "secondary",
        "tertiary",
    }
    assert (
        "main-streets demand: 6 points" in caplog.text and "0.2 km of main streets" in caplog.text
    )


def test_main_streets_spacing_and_classes(streets):
    # one piece per edge when the spacing exceeds every edge
    d = main_street_demand(streets, spacing_m=500)
    assert sorted(d.points["weight"]) == pytest.approx([30, 100, 120])
    assert d.points["edge_frac"].tolist() == [0.5, 0.5, 0.5]
    # classes as a comma-separated string (as the CLI passes them)
    d = main_street_demand(streets, classes="footway, primary", spacing_m=100)
    assert sorted(d.points["weight"]) == pytest.approx([60, 60, 250 / 3, 250 / 3, 250 / 3])


def test_a_misspelled_main_street_class_is_said(streets, caplog):
    """Probe 20R: a class matching no street (primry) was dropped without a word."""
    import logging

    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        d = main_street_demand(streets, classes="footway, primry", spacing_m=100)
    assert "main-street classes primry match no street" in caplog.text
    assert len(d.points)  # the footway's points
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        main_street_demand(streets, spacing_m=100)  # the defaults: not every class is there
    assert "match no street" not in caplog.text


def test_a_misspelled_main_street_class_is_a_usage_error_naming_the_option(tmp_path, capsys):
    """Probe 25E/26A: ``--main-street-classes primray`` was exit 3 "the walk network has no
    main streets (highway = primray)", no option named, where ``--max-grade primray=8`` is
    exit 2 naming it; a class close to a known one and not one is refused with it."""
    from harbor_planner.cli import main
    from harbor_planner.demand.streets import street_class_problem

    assert street_class_problem(["primary_link", "living_street", "城市道路", "busway"]) is None
    # probe 26R: every OSM highway value is a class, even one close to another (services)
    real = ["services", "rest_area", "bus_guideway", "raceway", "escape", "road", "corridor"]
    assert street_class_problem(real) is None
    assert "did you mean services?" in street_class_problem(["servics"])
    net = str(DATA / "network" / "diamond.geojson")
    stations = tmp_path / "st.csv"
    stations.write_text("编号,经度,纬度\nA1,105.9606,29.4608\n", "utf-8")
    base = ["-q", "coverage", "--network", net, "--stations", str(stations), "--crs", "wgs84",
            "--no-range", "--out", str(tmp_path / "o")]  # fmt: skip
    code = main([*base, "--main-street-classes", "residential,primray"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "--main-street-classes residential,primray: " in err, err
    assert "unknown road class 'primray' (did you mean primary?); known: motorway" in err, err
    assert not (tmp_path / "o").exists()
    code = main([*base, "--main-street-classes", "residential,services"])
    err = capsys.readouterr().err
    assert code != 2 and "unknown road class" not in err, err


def test_main_streets_on_the_diamond(diamond):
    with pytest.raises(InputDataError) as err:
        main_street_demand(diamond)
    msg = str(err.value)
    assert "no main streets" in msg and "residential (0.1 km)" in msg and "grid:100" in msg
    assert "--main-street-classes" in msg  # where to choose others
    d = main_street_demand(diamond, classes=["residential"])  # A-S and S-B, 50 m each
    assert d.points["weight"].tolist() == pytest.approx([50, 50])
    assert d.points["highway"].tolist() == ["residential", "residential"]


@pytest.mark.parametrize("spacing", [0, -5, float("nan"), "x"])
def test_main_streets_bad_spacing(streets, spacing):
    with pytest.raises(InputDataError, match="spacing_m must be a positive number"):
        main_street_demand(streets, spacing_m=spacing)


def test_main_streets_empty_classes(streets):
    with pytest.raises(InputDataError, match="at least one OSM highway value"):
        main_street_demand(streets, classes=[])


def test_default_classes():
    assert "primary" in MAIN_STREET_CLASSES and "pedestrian" in MAIN_STREET_CLASSES
    assert "residential" not in MAIN_STREET_CLASSES


# --------------------------------------------------------------------------- buildings


def test_buildings_layer_hand_computed(streets):
    d = building_demand(DEMAND / "buildings.geojson", network=streets)
    assert_demand(d, "buildings")
    p = d.points.set_index("name")
    assert d.weight_unit == "m² floor area"
    assert p["footprint_m2"].to_dict() == pytest.approx(
        {"A": 200, "B": 100, "C": 400, "D": 100, "E": 100}
    )
    assert p["levels"].to_dict() == {"A": 3, "B": 6, "C": 4, "D": 3, "E": 0}
    assert p["levels_source"].to_dict() == {
        "A": "tag",
        "B": "height",
        "C": "default",
        "D": "tag",
        "E": "roof",
    }
    assert p["floor_area_m2"].to_dict() == pytest.approx(
        {"A": 600, "B": 600, "C": 1600, "D": 300, "E": 0}
    )
    assert p["weight"].to_dict() == pytest.approx(p["floor_area_m2"].to_dict())
    assert p["height_m"]["B"] == 27
    assert d.points["demand_id"].tolist() == ["f1", "f2", "f3", "f4", "f5"]
    assert d.info["default_levels"] == 4 and d.info["levels_source"] == {
        "tag": 2,
        "height": 1,
        "default": 1,
        "roof": 1,
    }
    # points lie on their footprints, on the wall nearest the street (all touch street P)
    metric = d.points.to_crs(streets.crs).geometry.to_numpy()
    shapes = d.shapes.to_crs(streets.crs).to_numpy()
    assert (shapely.distance(metric, shapes) < 1e-6).all()
    assert np.allclose(shapely.get_coordinates(metric)[:, 1] - 3270000.0, 0.0, atol=1e-6)
    assert shapely.area(d.shapes.to_crs("EPSG:32648").to_numpy()).sum() == pytest.approx(900)


def test_buildings_population_and_options():
    d = building_demand(DEMAND / "buildings.geojson", population=5400, default_levels=1)
    assert d.weight_unit == "people" and d.total == pytest.approx(5400)
    # default 1 level for C: floors 600 + 600 + 400 + 300 = 1900 m²
    w = d.points.set_index("name")["weight"]
    assert w["C"] == pytest.approx(5400 * 400 / 1900)
    assert d.info["metric_crs"] == "EPSG:32648"  # the UTM zone, without a network
    d = building_demand(DEMAND / "buildings.geojson", storey_height_m=3.0)
    assert d.points.set_index("name")["levels"]["B"] == 9


def test_buildings_without_any_level_tag_are_not_told_to_pass_default_levels(tmp_path, caplog):
    """Probe 27A: core3's Geofabrik buildings (no level or height tag at all) were told to
    pass default_levels, which changes no share: every building counts the same levels, the
    demand goes by footprint area, and the warning says that."""
    bare = gpd.read_file(DEMAND / "buildings.geojson")
    bare = bare[[c for c in bare.columns if c in ("name", "geometry")]]
    bare.to_file(tmp_path / "bare.geojson")
    with caplog.at_level(logging.WARNING, logger="harbor_planner.demand"):
        one = building_demand(tmp_path / "bare.geojson", population=1000)
    three = building_demand(tmp_path / "bare.geojson", population=1000, default_levels=3)
    assert one.points["weight"].tolist() == pytest.approx(three.points["weight"].tolist())
    said = " ".join(caplog.messages)
    assert "so the demand is shared by footprint area (default_levels would change no share" in said
    assert "pass default_levels" not in said


def test_buildings_from_osm():
    d = building_demand(DEMAND / "buildings.osm", population=1000)
    assert_demand(d, "buildings")
    # building=no, an unclosed way and a building node are not footprints
    assert d.points["demand_id"].tolist() == ["w100", "r500"]
    p = d.points.set_index("demand_id")
    assert p.loc["w100", ["osm_type", "osm_id", "building", "name"]].tolist() == [
        "way",
        100,
        "residential",
        "小楼",
    ]
    assert p.loc["r500", "levels"] == 10  # height 45 / 4.5

    def geod_area(lon0, lat0, lon1, lat1):
        return abs(
            GEOD.polygon_area_perimeter([lon0, lon1, lon1, lon0], [lat0, lat0, lat1, lat1])[0]
        )

    way = geod_area(106.5700, 29.5600, 106.5702, 29.5602)
    ring = geod_area(106.5710, 29.5610, 106.5714, 29.5614) - geod_area(
        106.5711, 29.5611, 106.5713, 29.5613
    )
    assert p.loc["w100", "footprint_m2"] == pytest.approx(way, rel=1e-3)
    assert p.loc["r500", "footprint_m2"] == pytest.approx(ring, rel=1e-3)  # hole subtracted
    floors = np.array([2 * way, 10 * ring])
    assert p["weight"].to_numpy() == pytest.approx(1000 * floors / floors.sum(), rel=1e-3)
    # the point of the ring building is on the ring, not in its hole
    assert shapely.within(d.points.geometry.to_numpy(), d.shapes.to_numpy()).all()


def test_buildings_errors(tmp_path):
    with pytest.raises(InputDataError, match="file not found"):
        building_demand(tmp_path / "missing.osm")
    with pytest.raises(InputDataError, match="osmium sort"):
        building_demand(DATA / "network" / "tiny.osm")  # hand-made, ways out of id order
    (tmp_path / "nothing.osm").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        '  <node id="1" version="1" lat="29.56" lon="106.57"><tag k="building" v="yes"/></node>\n'
        "</osm>\n"
    )
    with pytest.raises(InputDataError, match="no buildings found"):
        building_demand(tmp_path / "nothing.osm")
    with pytest.raises(InputDataError, match="no buildings found"):
        building_demand(DEMAND / "empty.geojson")
    with pytest.raises(InputDataError, match="Polygon/MultiPolygon"):
        building_demand(DEMAND / "streets.geojson")
    with pytest.raises(InputDataError, match="population must be a positive number of people"):
        building_demand(DEMAND / "buildings.geojson", population=0)
    with pytest.raises(CRSError, match="OpenStreetMap data is WGS-84"):
        building_demand(DEMAND / "buildings.osm", crs="gcj02")
    with pytest.raises(CRSError, match="projected CRS"):
        building_demand(DEMAND / "buildings.geojson", crs="gcj02")
    roofs = gpd.read_file(DEMAND / "buildings.geojson")
    roofs["building"] = "roof"
    roofs.to_file(tmp_path / "roofs.gpkg")
    with pytest.raises(InputDataError, match="no floor area"):
        building_demand(tmp_path / "roofs.gpkg", population=100)
    no_crs = gpd.read_file(DEMAND / "buildings.geojson")[["name", "geometry"]]
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        no_crs.set_crs(None, allow_override=True).to_file(tmp_path / "no_crs.shp")
    with pytest.raises(CRSError, match="has no CRS"):
        building_demand(tmp_path / "no_crs.shp")


def test_buildings_gcj02_layer(tmp_path):
    # a layer that claims EPSG:4326 but holds GCJ-02: crs= says so and shifts it back
    wgs = gpd.read_file(DEMAND / "buildings.geojson").to_crs("EPSG:4326")
    claimed = wgs.copy()
    claimed.geometry = gpd.GeoSeries(
        shapely.transform(
            wgs.geometry.to_numpy(),
            lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
        ),
        crs="EPSG:4326",
    )
    claimed.to_file(tmp_path / "amap.geojson")
    d = building_demand(tmp_path / "amap.geojson", crs="gcj02")
    moved = shapely.distance(
        d.shapes.to_crs("EPSG:32648").to_numpy(), wgs.geometry.to_crs("EPSG:32648").to_numpy()
    )
    assert moved.max() < 0.01
    assert d.points.set_index("name")["footprint_m2"]["A"] == pytest.approx(200, rel=1e-4)


# --------------------------------------------------------------------------- points


def test_points_csv_gcj02_with_weights(caplog):
    with caplog.at_level(logging.INFO, logger="harbor_planner.demand"):
        d = point_demand(DEMAND / "stops_gcj02.csv", weight_column="People", crs="gcj02")
    assert_demand(d, "points")
    assert d.weight_unit == "people" and d.total == 200
    assert d.points["row"].tolist() == [2, 3, 5]  # row 4 (Shanghai) left out
    assert d.points["demand_id"].tolist() == ["2", "3", "5"]
    assert d.points["weight"].tolist() == [120, 80, 0]
    assert d.info["dropped_outside_chongqing"] == 1 and d.info["dropped_rows"] == [4]
    assert "rows 4" in caplog.text
    table = pd.read_csv(DEMAND / "stops_gcj02.csv").drop(index=2)
    lon, lat = gcj02_to_wgs84(table["lon"].to_numpy(), table["lat"].to_numpy())
    xy = shapely.get_coordinates(d.points.geometry.to_numpy())
    assert xy == pytest.approx(np.column_stack([lon, lat]), abs=1e-9)
    # the file's columns come along; without a weight column each point weighs 1
    assert {"name", "lon", "lat", "people"} <= set(d.points.columns)
    d = point_demand(DEMAND / "stops_gcj02.csv", crs="gcj02", extent=None)
    assert (len(d), d.total, d.weight_unit) == (4, 4.0, "points")


def test_rows_pasted_twice_are_counted_and_named(tmp_path, caplog):
    """Probe 17F: five rows pasted again counted their demand twice without a word."""
    table = pd.DataFrame(
        {
            "lon": [106.57, 106.58, 106.57, 106.57, 106.58],
            "lat": [29.55, 29.56, 29.55, 29.55, 29.56],
            "w": [1, 2, 1, 3, 2],
        }
    )
    table.to_csv(tmp_path / "pts.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="harbor_planner.demand"):
        d = point_demand(tmp_path / "pts.csv", crs="wgs84", weight_column="w")
    assert d.total == 9  # kept: two shops at one address are two
    assert "2 rows at the very position and weight of an earlier row (rows 4, 6)" in caplog.text
    caplog.clear()
    table.drop_duplicates().to_csv(tmp_path / "once.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="harbor_planner.demand"):
        point_demand(tmp_path / "once.csv", crs="wgs84", weight_column="w")
    assert "very position" not in caplog.text


def test_points_geo_layer_and_multipoints(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b"], "weight": [2.0, 3.0]},
        geometry=[shapely.Point(106.57, 29.56), shapely.MultiPoint([(106.58, 29.56)])],
        crs="EPSG:4326",
    )
    gdf.to_file(tmp_path / "pts.gpkg")
    d = point_demand(tmp_path / "pts.gpkg", weight_column="weight")
    assert d.points["weight"].tolist() == [2.0, 3.0]
    assert d.points["demand_id"].tolist() == ["1", "2"]
    d = point_demand(tmp_path / "pts.gpkg")  # the file's own 'weight' is kept aside
    assert d.points["weight"].tolist() == [1.0, 1.0]
    assert d.points["weight_src"].tolist() == [2.0, 3.0]


def test_areas_with_their_own_population_count_at_a_point_inside_each(tmp_path, caplog):
    """Probe 23N: residential areas (小区) with a 人口 column could not be demand: points:
    took points only, buildings: shares a total by floor area, and `weight_column` with kind
    buildings was looked for as a file ("residential.gpkg:人口: file not found"). A polygon
    now counts whole at a point inside it (a U-shaped one too); buildings say what to do."""
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    u_shape = shapely.Polygon([(106.570, 29.560), (106.574, 29.560), (106.574, 29.564),
                               (106.573, 29.564), (106.573, 29.561), (106.571, 29.561),
                               (106.571, 29.564), (106.570, 29.564)])  # fmt: skip
    areas = gpd.GeoDataFrame(
        {"人口": [1200, 800]},
        geometry=[u_shape, shapely.MultiPolygon([shapely.box(106.58, 29.55, 106.581, 29.551)])],
        crs="EPSG:4326",
    )
    areas.to_file(tmp_path / "res.gpkg")
    with caplog.at_level(logging.INFO):
        d = point_demand(tmp_path / "res.gpkg", weight_column="人口")
    assert d.points["weight"].tolist() == [1200.0, 800.0]
    assert shapely.contains(areas.geometry.to_numpy(), d.points.geometry.to_numpy()).all()
    assert "2 polygons count each at a point inside it" in caplog.text
    assert "count 1 each whatever their size" not in caplog.text
    caplog.clear()  # probe 24R: footprints as points:FILE without a weight count 1 each
    with caplog.at_level(logging.INFO):
        assert point_demand(tmp_path / "res.gpkg").points["weight"].tolist() == [1.0, 1.0]
    assert "2 polygons count 1 each whatever their size" in caplog.text
    assert "use buildings:FILE" in caplog.text
    with pytest.raises(InputDataError, match=r"buildings:FILE takes no column .* give points:"):
        parse_demand_spec(f"buildings:{tmp_path / 'res.gpkg'}:人口")
    sc = load_scenario(demo_scenario_path(), overrides={
        "demand.kind": "buildings", "demand.file": str(tmp_path / "res.gpkg"),
        "demand.weight_column": "人口"})  # fmt: skip
    assert sc.demand.specs == [f"buildings:{tmp_path / 'res.gpkg'}"]
    assert 'areas with their own population are kind = "points"' in caplog.text


def test_points_from_a_workbook_and_a_gbk_csv():
    d = point_demand(DATA / "stations" / "two_sheets.xlsx", crs="gcj02")
    assert d.points["demand_id"].tolist() == ["已建成:3", "已建成:4", "拟建:2", "拟建:3"]
    assert d.points["名称"].iloc[0] == "渝工港湾（一号）"
    with pytest.raises(InputDataError, match=r"column '面积\(㎡\)', rows 5: .*found empty"):
        point_demand(DATA / "stations" / "gbk.csv", crs="gcj02", weight_column="面积(㎡)")


def test_points_beyond_degrees_or_swapped_name_their_rows(tmp_path):
    """Probe 25E: a latitude of 95.55 was "not finite numbers (positions 2)", no file, no row,
    and a swapped row of a POI CSV was dropped as far from the network."""
    from harbor_planner.candidates.poi import poi_layer_candidates

    path = tmp_path / "p.csv"
    path.write_text("name,lon,lat\nA,106.55,29.55\nB,106.551,95.55\n", "utf-8")
    with pytest.raises(InputDataError, match=r"row 3: lon 106.551 and lat 95.55 are no degrees"):
        point_demand(path, crs="wgs84")
    path.write_text("name,lon,lat\nA,106.55,29.55\nB,29.55,106.55\nC,29.5,106.5\n", "utf-8")
    with pytest.raises(InputDataError, match=r"rows 3, 4: lon 29.55 and lat 106.55 look swapped"):
        point_demand(path, crs="gcj02")
    with pytest.raises(InputDataError, match="look swapped"):
        poi_layer_candidates(path, crs="wgs84")


def test_points_errors(tmp_path):
    with pytest.raises(CRSError, match="does not record its coordinate system"):
        point_demand(DEMAND / "stops_gcj02.csv")
    with pytest.raises(InputDataError) as err:
        point_demand(DEMAND / "stops_gcj02.csv", crs="gcj02", weight_column="pop")
    assert "no weight column 'pop'" in str(err.value) and "'people'" in str(err.value)
    with pytest.raises(InputDataError) as err:
        point_demand(DEMAND / "bad_weights.csv", crs="wgs84", weight_column="people")
    assert "rows 3" in str(err.value) and "'many'" in str(err.value)
    bad = pd.read_csv(DEMAND / "bad_weights.csv").drop(index=1)
    bad.to_csv(tmp_path / "negative.csv", index=False)
    with pytest.raises(InputDataError, match=r"rows 3: weights must be >= 0 \(found -5\)"):
        point_demand(tmp_path / "negative.csv", crs="wgs84", weight_column="people")
    with pytest.raises(InputDataError, match="rows 3: missing or non-numeric coordinates"):
        point_demand(DEMAND / "bad_coords.csv", crs="wgs84")
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(106.57, 29.56), (106.58, 29.56)])],
                             crs="EPSG:4326")  # fmt: skip
    lines.to_file(tmp_path / "lines.gpkg")
    with pytest.raises(InputDataError, match=r"neither points nor polygons \(LineString\)"):
        point_demand(tmp_path / "lines.gpkg")
    with pytest.raises(InputDataError, match="no features"):
        point_demand(DEMAND / "empty.geojson")
    with pytest.raises(CRSError, match="has no CRS"):
        point_demand(DATA / "stations" / "no_crs.shp")
    with pytest.raises(InputDataError, match="no longitude/latitude columns"):
        (tmp_path / "nocoords.csv").write_text("a,b\n1,2\n")
        point_demand(tmp_path / "nocoords.csv", crs="wgs84")
    with pytest.raises(InputDataError, match="no data rows"):
        (tmp_path / "header_only.csv").write_text("lon,lat\n")
        point_demand(tmp_path / "header_only.csv", crs="wgs84")
    with pytest.raises(InputDataError, match="no point lies in Chongqing"):
        (tmp_path / "shanghai.csv").write_text("lon,lat\n121.47,31.23\n")
        point_demand(tmp_path / "shanghai.csv", crs="wgs84")


# --------------------------------------------------------------------------- grid


def test_grid_on_the_diamond(diamond):
    # edges span x 599950..600200, y 3259970..3260100: 3 x 2 cells of 100 m
    d = grid_demand(diamond, cell_m=100)
    assert_demand(d, "grid")
    assert (len(d), d.weight_unit, d.total) == (6, "cells", 6.0)
    # centres within 30 m of a ground-level street (hand-measured): the cell of the footway
    # S-F (20 m); G's cell (0 m from the bridge E-G, 50 m from the footway D-A) and the cell
    # above A-S (the bridge 19.6 m from its centre) only near the bridge: no demand a street
    # serves (probe 20B: cells over the rivers by the bridges, over the hills by tunnels)
    d = grid_demand(diamond, cell_m=100, max_dist_m=30)
    assert sorted(d.points["cell_id"]) == ["6000_32599"]
    cells = d.shapes.to_crs("EPSG:32648").to_numpy()
    assert shapely.area(cells) == pytest.approx([10000])
    assert shapely.get_coordinates(shapely.centroid(cells)) == pytest.approx(utm_xy(d.points))
    assert d.info["area_km2"] == pytest.approx(0.01)
    # each cell is timed from its ground-level street, the walk to it its access leg
    sf = diamond.edges.index[diamond.edges["name"] == "SF"][0]
    assert d.points["edge"].tolist() == [sf] and d.points["access_m"].iloc[0] == pytest.approx(20)


def test_grid_errors(diamond):
    with pytest.raises(InputDataError, match="positive number of metres"):
        grid_demand(diamond, cell_m=0)
    with pytest.raises(InputDataError) as err:
        grid_demand(diamond, cell_m=0.1)
    assert f"more than {MAX_GRID_CELLS:,}" in str(err.value) and "use larger cells" in str(
        err.value
    )


# --------------------------------------------------------------------------- clipping


def test_clip_demand(streets, tmp_path):
    d = point_demand(DEMAND / "stops_gcj02.csv", crs="gcj02", weight_column="people")
    with pytest.raises(InputDataError, match="no demand point"):
        clip_demand(d, streets)  # the streets fixture is far from the stops
    b = building_demand(DEMAND / "buildings.geojson", network=streets)
    assert len(clip_demand(b, streets, max_dist_m=1)) == 5  # every wall touches street P
    # a 30 m square 12 m north of street P (and 40 m east of footway F): its wall counts
    # (12 m), not its centre (27 m)
    x0, y0 = 650040.0, 3270012.0
    ring = [[x0, y0], [x0 + 30, y0], [x0 + 30, y0 + 30], [x0, y0 + 30], [x0, y0]]
    far = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
           "features": [{"type": "Feature", "properties": {"name": "F", "building:levels": "2"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}  # fmt: skip
    path = tmp_path / "far.geojson"
    path.write_text(json.dumps(far), "utf-8")
    f = building_demand(path, network=streets)
    assert len(clip_demand(f, streets, max_dist_m=15)) == 1
    with pytest.raises(InputDataError, match="no demand point"):
        clip_demand(f, streets, max_dist_m=10)
    assert len(b) == 5  # the input is unchanged


def test_demand_within_a_study_area(streets, tmp_path):
    b = building_demand(DEMAND / "buildings.geojson", network=streets)
    metric = b.points.to_crs(streets.crs)
    xy = shapely.get_coordinates(metric.geometry.to_numpy())
    x = xy[:, 0]
    # a box around the points left of the median x, in the metric CRS (converted on the fly)
    ux = np.unique(x)
    cut = float(ux[len(ux) // 2 - 1] + ux[len(ux) // 2]) / 2  # between two points' x
    box = shapely.box(x.min() - 100, xy[:, 1].min() - 100, cut, xy[:, 1].max() + 100)
    area = gpd.GeoDataFrame({"name": ["west"]}, geometry=[box], crs=streets.crs)
    w = demand_within(b, area, name="west")
    assert sorted(w.points["name"]) == sorted(b.points["name"][x <= cut])
    assert 0 < len(w) < len(b)
    assert len(w.shapes) == len(w) and w.points.index.tolist() == list(range(len(w)))
    assert w.info["within"]["points_dropped"] == int((x > cut).sum())
    assert w.info["within"]["weight_dropped"] == pytest.approx(b.points["weight"][x > cut].sum())
    path = tmp_path / "area.geojson"
    area.to_crs("EPSG:4326").to_file(path)
    assert len(demand_within(b, path)) == len(w)
    with pytest.raises(InputDataError, match="the study area: file not found"):
        demand_within(b, tmp_path / "nope.geojson")
    far = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    with pytest.raises(InputDataError, match="no demand point"):
        demand_within(b, far)
    with pytest.raises(CRSError, match="no CRS"):
        demand_within(b, gpd.GeoSeries([box]))
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:4326")
    with pytest.raises(InputDataError, match="holds no polygons"):
        demand_within(b, lines)
    with pytest.raises(InputDataError, match="a shapely polygon has no CRS"):
        demand_within(b, box)  # probe 21P: AttributeError


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def yuzhong(shared):
    return build_network(shared("yuzhong", "walk.osm"), progress=False)


@pytest.mark.realdata
def test_yuzhong_main_streets(yuzhong):
    d = demand_from_spec("main-streets", network=yuzhong)
    assert_demand(d, "main-streets")
    main = yuzhong.edges["highway"].isin(MAIN_STREET_CLASSES)
    assert d.total == pytest.approx(yuzhong.edges.loc[main, "length_m"].sum())
    assert d.info["edges"] == int(main.sum())
    assert 300 < d.info["length_km"] < 450  # 381 km on the 2026-04-24 snapshot
    # every piece is at most 50 m; every main-street edge is sampled
    assert d.points["weight"].max() <= 50 + 1e-9
    assert set(d.points["edge"]) == set(np.flatnonzero(main))


@pytest.mark.realdata
def test_yuzhong_buildings(yuzhong, shared):
    path = shared("yuzhong", "buildings.osm")
    d = demand_from_spec(f"buildings:{path}", network=yuzhong, population=588_717)
    assert_demand(d, "buildings")
    assert d.total == pytest.approx(588_717)
    # 2,006 closed ways + 35 multipolygons tagged building (2 building nodes have no footprint)
    assert len(d) == 2_041
    assert (d.points["osm_type"] == "relation").sum() == 35
    src = d.info["levels_source"]
    assert sum(src.values()) == 2_041 and src["roof"] == 8
    assert d.info["default_levels"] == 1  # the median of tagged levels (see building_demand)
    assert d.info["stacked_on_min_level"] == 5
    assert 1.5e6 < d.info["footprint_m2"] < 2.2e6


@pytest.mark.realdata
def test_yuzhong_metro_points(shared):
    d = point_demand(shared("yuzhong", "metro.geojson"))
    assert_demand(d, "points")
    assert len(d) == 90 and d.total == 90
    assert {"name", "name:en"} <= set(d.points.columns)


@pytest.mark.realdata
def test_chongqing_bus_stops_gcj02(shared, yuzhong):
    d = point_demand(shared("chongqing", "bus_stops_gcj02.csv"), crs="gcj02")
    assert_demand(d, "points")
    n_file = len(pd.read_csv(shared("chongqing", "bus_stops_gcj02.csv")))
    assert len(d) + d.info["dropped_outside_chongqing"] == n_file == 3_431
    assert 0 < d.info["dropped_outside_chongqing"] < 50  # the few geocoded to another city
    near = clip_demand(d, yuzhong, max_dist_m=150)
    assert 100 < len(near) < 600  # the stops of Yuzhong


@pytest.mark.realdata
def test_yuzhong_grid(yuzhong):
    d = grid_demand(yuzhong, cell_m=100)
    assert_demand(d, "grid")
    assert 0 < d.info["cells"] < d.info["cells_in_box"]


def test_main_streets_on_bridges_and_in_tunnels_can_be_left_out(tmp_path):
    """Bridges and tunnels count by default, are measured in ``info`` either way, and are
    left out with ``off_ground=False`` (a worker does not wait for a station in a tunnel)."""
    from harbor_planner import build_network, demand_from_spec
    from harbor_planner.errors import InputDataError
    from osm_files import write_osm

    ways = [
        (1, [(0.0, 0.0), (400.0, 0.0)], {"highway": "primary"}),
        (2, [(400.0, 0.0), (700.0, 0.0)], {"highway": "primary", "bridge": "yes"}),
        (3, [(700.0, 0.0), (900.0, 0.0)], {"highway": "secondary", "tunnel": "yes"}),
    ]
    osm = write_osm(tmp_path / "bridge.osm", ways)
    net = build_network(osm, progress=False)
    every = demand_from_spec("main-streets", network=net)
    ground = demand_from_spec("main-streets", network=net, off_ground=False)
    assert every.points["weight"].sum() == pytest.approx(900, abs=0.5)
    assert ground.points["weight"].sum() == pytest.approx(400, abs=0.5)
    assert every.info["off_ground_km"] == pytest.approx(0.5, abs=1e-3)
    assert ground.info["off_ground_km"] == pytest.approx(0.5, abs=1e-3)
    assert every.info["off_ground"] and not ground.info["off_ground"]
    with pytest.raises(InputDataError, match="off_ground = false"):
        demand_from_spec("grid:50", network=net, off_ground=False)


def test_full_width_weights_are_numbers(tmp_path):
    """Weights typed with a Chinese input method (１０, １，０００) read as their coordinates do."""
    from harbor_planner import build_network, demand_from_spec

    net = build_network(Path(__file__).parent / "data" / "network" / "diamond.geojson")
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(600025, 3260003)
    path = tmp_path / "pts.csv"
    path.write_text(f'id,lon,lat,pop\na,{lon},{lat},１０\nb,{lon},{lat},"１，０００"\n', "utf-8")
    demand = demand_from_spec(f"points:{path}:pop", network=net, crs="wgs84")
    assert list(demand.points["weight"]) == [10.0, 1000.0]


def test_population_by_district_goes_to_each_districts_own_buildings():
    """One file reaching over a boundary: each district's people go to the buildings inside
    it, by floor area; buildings of districts not listed are left out; the totals are exact."""
    from harbor_planner.demand import Demand, share_population_by_district
    from harbor_planner.errors import InputDataError

    pts = gpd.GeoDataFrame(
        {"weight": [100.0, 300.0, 50.0, 70.0]},
        geometry=shapely.points([[0, 0], [1, 1], [2, 2], [3, 3]]),
        crs="EPSG:32648",
    )
    shapes = gpd.GeoSeries(shapely.points([[0, 0], [1, 1], [2, 2], [3, 3]]).tolist())
    demand = Demand("buildings", "buildings:x", pts, "m² floor area", shapes, {})
    names = pd.Series(["渝中区", "渝中区", "江北区", "南岸区"])
    out = share_population_by_district(demand, {"渝中区": 1000.0, "江北区": 10.0}, names)
    assert list(out.points["weight"]) == pytest.approx([250.0, 750.0, 10.0])
    assert out.weight_unit == "people" and len(out.shapes) == 3
    assert out.info["buildings_outside_listed_districts"] == 1
    with pytest.raises(InputDataError, match="no building floor area in 沙坪坝区"):
        share_population_by_district(demand, {"沙坪坝区": 5.0}, names)
    with pytest.raises(InputDataError, match="populations must be above 0"):
        share_population_by_district(demand, {"渝中区": -5.0}, names)


def test_a_district_whose_people_land_on_a_few_buildings_is_warned_of(caplog):
    """Probe 23N: 九龙坡区's 1,526,821 people went to the 31 buildings of the neighbours'
    files reaching over its boundary (13 people per m² against 0.37), without a word; the log
    also counted a district without any building among those allocated."""
    from harbor_planner.demand import Demand, share_population_by_district

    area = [1000.0] * 40 + [500.0]
    pts = gpd.GeoDataFrame(
        {"weight": area}, geometry=shapely.points(np.c_[np.arange(41.0), np.zeros(41)]),
        crs="EPSG:32648",
    )  # fmt: skip
    demand = Demand("buildings", "buildings:x", pts, "m² floor area", None, {})
    names = pd.Series(["渝中区"] * 20 + ["江北区"] * 20 + ["九龙坡区"])
    people = {"渝中区": 20000.0, "江北区": 18000.0, "九龙坡区": 1526821.0, "大渡口区": 5.0}
    with caplog.at_level(logging.INFO):
        out = share_population_by_district(demand, people, names)
    assert out.points["weight"].sum() == pytest.approx(20000 + 18000 + 1526821)
    assert "the 1,526,821 people of 九龙坡区 fall on 1 buildings (500 m² of floor" in caplog.text
    assert "渝中区 fall on" not in caplog.text and "江北区 fall on" not in caplog.text
    assert "1,564,821 people of 3 districts allocated" in caplog.text


def test_scenario_population_table_by_district(tmp_path):
    """``demand.population = { 渝中 = N }``: names as planners write them; Yuzhong's buildings
    carry exactly its census population."""
    import harbor_planner as hp
    from harbor_planner.scenario import demo_scenario_path

    data = demo_scenario_path().parent
    sections = {
        "network": {"source": str(data / "yuzhong_walk.osm.bz2")},
        "stations": {"file": str(data / "stations.csv"), "crs": "gcj02"},
        "demand": {
            "kind": "buildings",
            "file": str(data / "yuzhong_buildings.osm.bz2"),
            "population": {"渝中": 588717},
        },
        "coverage": {"range": False},
        "output": {"map_bands": []},
    }
    result = hp.run(sections, out=tmp_path / "run")
    cov = result.summary["coverage"]
    assert cov["demand_total"] == pytest.approx(588717)
    assert cov["demand_info"]["population"] == {"渝中区": 588717.0}
    sections["demand"]["population"] = {"Atlantis": 5}
    with pytest.raises(hp.InputDataError, match="'Atlantis' is not a Chongqing district"):
        hp.run(sections, out=tmp_path / "bad")


def test_bridge_written_as_zero_or_no_is_no_bridge(tmp_path):
    """Planners' layers write "not a bridge" as 0, false, F or 否, not only as OSM's "no"."""
    from harbor_planner import build_network
    from osm_files import write_osm

    values = ["0", "false", "F", "否", "no", "yes", "1"]
    ways = [(i + 1, [(100.0 * i, 0.0), (100.0 * (i + 1), 0.0)],
             {"highway": "primary", "bridge": v}) for i, v in enumerate(values)]  # fmt: skip
    net = build_network(write_osm(tmp_path / "b.osm", ways), progress=False)
    off = dict(zip(net.edges["way_id"], net.edges["off_ground"], strict=True))
    assert [bool(off[i + 1]) for i in range(len(values))] == [False] * 5 + [True] * 2


def test_a_building_crossed_by_streets_and_a_viaduct_is_left_at_ground_level(tmp_path):
    """A 100 x 60 m building: a viaduct (bridge) crosses its middle, two ground streets cross
    it at x = 10 and x = 80, and its inner point lies in its middle. The door is on the ground
    street nearest that point, at the crossing nearest it, never on the viaduct, and the same
    whatever order the ways come in (it was on the viaduct, or a corner, by the order)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from osm_files import X0, Y0, write_osm

    box = [(0.0, 0.0), (100.0, 0.0), (100.0, 60.0), (0.0, 60.0)]
    ways = [
        (1, [(-50.0, 30.0), (150.0, 30.0)], {"highway": "primary", "bridge": "yes",
                                            "layer": "1"}),
        (2, [(10.0, -40.0), (10.0, 100.0)], {"highway": "residential"}),
        (3, [(80.0, -40.0), (80.0, 100.0)], {"highway": "residential"}),
        (4, [(-50.0, -40.0), (10.0, -40.0), (80.0, -40.0), (150.0, -40.0)],
         {"highway": "residential"}),
        (5, [(-50.0, -40.0), (-50.0, 30.0)], {"highway": "residential"}),
        (6, [(150.0, -40.0), (150.0, 30.0)], {"highway": "residential"}),
    ]  # fmt: skip
    building = gpd.GeoDataFrame(
        {"building": ["yes"], "building:levels": ["2"]},
        geometry=[shapely.Polygon([(X0 + x, Y0 + y) for x, y in box])],
        crs="EPSG:32648",
    )
    path = tmp_path / "b.geojson"
    building.to_crs("EPSG:4326").to_file(path)
    inner = shapely.point_on_surface(building.geometry.iloc[0])
    want_x = 10.0 if abs(inner.x - X0 - 10.0) < abs(inner.x - X0 - 80.0) else 80.0
    doors = []
    for order in (ways, ways[::-1]):
        net = build_network(write_osm(tmp_path / "n.osm", order), progress=False)
        d = building_demand(path, network=net)
        door = d.points.to_crs(net.crs).geometry.iloc[0]
        doors.append((round(door.x - X0, 6), round(door.y - Y0, 6)))
    assert doors[0] == doors[1]
    x, y = doors[0]
    assert x == pytest.approx(want_x, abs=0.01)  # on a ground street, not the viaduct (y 30)
    assert 0 <= y <= 60 and abs(y - (inner.y - Y0)) < 0.01  # the crossing nearest the middle


def _building_beside_a_tunnel(tmp_path, street_y: float, tunnel_y: float):
    """A 40 x 20 m building at the origin, a street ``street_y`` m south of it and a tunnel
    ``tunnel_y`` m south (joined to the street 1.5 km away both ways): network and demand."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from osm_files import X0, Y0, write_osm

    a, b = (-1500.0, -1500.0), (1500.0, 1500.0)
    ways = [
        (1, [(a[0], street_y), (200.0, street_y), (b[0], street_y)], {"highway": "residential"}),
        (2, [(a[0], tunnel_y), (b[0], tunnel_y)], {"highway": "primary", "tunnel": "yes",
                                                   "layer": "-1"}),
        (3, [(a[0], tunnel_y), (a[0], street_y)], {"highway": "residential"}),
        (4, [(b[0], tunnel_y), (b[0], street_y)], {"highway": "residential"}),
    ]  # fmt: skip
    net = build_network(write_osm(tmp_path / "n.osm", ways), progress=False)
    building = gpd.GeoDataFrame(
        {"building": ["yes"]},
        geometry=[shapely.box(X0, Y0, X0 + 40.0, Y0 + 20.0)],
        crs="EPSG:32648",
    )
    path = tmp_path / "b.geojson"
    building.to_crs("EPSG:4326").to_file(path)
    return net, building_demand(path, network=net), (X0, Y0)


def test_a_building_is_timed_from_its_own_street_not_a_tunnel_nearer_its_door(tmp_path):
    """Probe 16A: the door point was placed on the wall nearest the ground-level street, then
    snapped again to the nearest edge of any kind: a tunnel passing 5 m from the wall (12 m
    from the street) timed the building from the tunnel (a 3 km detour: uncovered)."""
    from harbor_planner.analysis.coverage import coverage

    net, demand, (x0, y0) = _building_beside_a_tunnel(tmp_path, -12.0, -5.0)
    row = demand.points.iloc[0]
    assert not net.edges["off_ground"].iloc[int(row["edge"])]  # the street, not the tunnel
    assert row["access_m"] == pytest.approx(12.0, abs=0.01)  # (the drawing's mm rounding)
    door = demand.points.to_crs(net.crs).geometry.iloc[0]
    assert door.y - y0 == pytest.approx(0.0, abs=0.01)  # on the wall facing the street
    station = gpd.GeoDataFrame(
        {"station_id": ["S"]}, geometry=[shapely.Point(x0 + 200.0, y0 - 12.0)], crs=net.crs
    )
    res = coverage(net, station, demand, minutes=15.0)
    walk_m = row["access_m"] + (200.0 - (door.x - x0))  # out of the door, along the street
    want_min = walk_m / net.walk_model.speed_ms / 60.0
    assert res.demand["time_min"].iloc[0] == pytest.approx(want_min, abs=2e-4)  # 1.5 cm
    assert bool(res.demand["covered"].iloc[0])


def test_a_building_far_from_every_ground_street_is_not_timed_from_a_tunnel(tmp_path):
    """Probe 18P: a building 160 m from its nearest ground-level street (beyond the 150 m
    snapping distance) with a tunnel 20 m from its wall was timed from the tunnel (蒋介石官邸
    via 曾家岩隧道, 38 min, counted as reached). A tunnel is no way out: it is off the network."""
    from harbor_planner.analysis.coverage import coverage

    net, demand, (x0, y0) = _building_beside_a_tunnel(tmp_path, -160.0, -20.0)
    row = demand.points.iloc[0]
    assert not net.edges["off_ground"].iloc[int(row["edge"])]  # the street, not the tunnel
    assert row["access_m"] == pytest.approx(160.0, abs=0.01)
    station = gpd.GeoDataFrame(
        {"station_id": ["S"]}, geometry=[shapely.Point(x0 + 20.0, y0 - 20.0)], crs=net.crs
    )
    res = coverage(net, station, demand, minutes=15.0)
    assert not bool(res.demand["covered"].iloc[0])
    assert not np.isfinite(res.demand["time_min"].iloc[0])  # beyond the snapping distance
    assert res.summary["demand_off_network"] == 1


def test_points_placed_where_their_columns_say_and_the_rest_snapped(tmp_path):
    """A demand table mixing rows placed on the network (main streets, buildings' doors) and
    rows without a place (a points layer): each row keeps its place, the others are snapped
    (one row without ``edge`` used to send every row to snapping)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from harbor_planner.network import anchor_points, anchors_for
    from osm_files import X0, Y0, write_osm

    ways = [(1, [(0.0, 0.0), (500.0, 0.0)], {"highway": "residential"}),
            (2, [(0.0, 30.0), (500.0, 30.0)], {"highway": "primary", "bridge": "yes",
                                                "layer": "1"}),
            (3, [(0.0, 0.0), (0.0, 30.0)], {"highway": "residential"})]  # fmt: skip
    net = build_network(write_osm(tmp_path / "n.osm", ways), progress=False)
    street = int(np.flatnonzero(~net.edges["off_ground"].to_numpy(bool))[0])
    xy = [(X0 + 100.0, Y0 + 20.0), (X0 + 300.0, Y0 + 25.0)]  # both nearer the bridge
    points = gpd.GeoDataFrame(
        {"edge": pd.array([street, pd.NA], dtype="Int64"), "edge_frac": [np.nan, np.nan],
         "access_m": [20.0, np.nan]},
        geometry=gpd.points_from_xy(*zip(*xy, strict=True)), crs=net.crs,
    )  # fmt: skip
    g = net.edge_geometry[street]
    points.loc[0, "edge_frac"] = shapely.line_locate_point(g, points.geometry[0], normalized=True)
    a = anchors_for(net, points)
    snapped = anchor_points(net, points.iloc[[1]])
    assert a.edge[0] == street and a.dist_m[0] == pytest.approx(20.0)
    assert a.access_s[0] == pytest.approx(20.0 / net.walk_model.speed_ms)
    # on the bridge 5 m away: the street is 25 m away, more than 15 m farther (probe 22R)
    assert a.edge[1] == snapped.edge[0] and net.edges["off_ground"].iloc[int(a.edge[1])]
    assert a.dist_m[1] == pytest.approx(snapped.dist_m[0]) and a.within.all()
    moved = points.set_geometry(points.geometry.translate(0.0, -15.0))  # 5 m from the street
    assert anchors_for(net, moved).dist_m[0] == pytest.approx(5.0, abs=0.01)  # not trusted


def test_a_population_total_cut_by_the_study_area_says_how_many_people_it_lost(caplog):
    """Probe 16A: Yuzhong's census total with the study area 渝中区 reported 588,347 people,
    370 fewer than given (3 buildings of the file lie outside), without a word."""
    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo"
    net = build_network(demo / "yuzhong_walk.osm.bz2", progress=False)
    demand = building_demand(demo / "yuzhong_buildings.osm.bz2", population=588717, network=net)
    area = gpd.read_file(demo / "boundary.geojson")
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        inside = demand_within(demand, area, name="渝中区")
    lost = demand.points["weight"].sum() - inside.points["weight"].sum()
    assert 0 < lost < 1000
    text = caplog.text
    assert f"{lost:,.0f} people of {len(demand) - len(inside)} building(s) outside 渝中区" in text
    assert 'demand.population = { "渝中区" = 588717 }' in text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):  # floor area: no people
        floor = building_demand(demo / "yuzhong_buildings.osm.bz2", network=net)
        demand_within(floor, area, name="渝中区")
    assert "left out" not in caplog.text


def test_people_of_buildings_outside_the_study_area_are_warned_of_with_a_total_per_file(caplog):
    """Probe 20B: a population per file (--population once per --demand) put 11,558 people
    on buildings outside the study area and left them out without the warning one total
    gets (the combined demand has no single total in its info)."""
    import geopandas as gpd
    from shapely.geometry import box

    from harbor_planner.demand import Demand, demand_within

    xy = gpd.points_from_xy([106.55, 106.70], [29.55, 29.55])
    pts = gpd.GeoDataFrame({"weight": [100.0, 50.0]}, geometry=xy, crs=4326)
    area = gpd.GeoSeries([box(106.5, 29.5, 106.6, 29.6)], crs=4326)
    for info, unit, warned in (({}, "people", True), ({"population": 150.0}, "people", True),
                               ({}, "m² floor area", False)):  # fmt: skip
        caplog.clear()
        demand = Demand(kind="buildings", spec="buildings:a,b", points=pts, weight_unit=unit,
                        info=info)  # fmt: skip
        demand_within(demand, area, name="渝中区")
        assert ("50 people of 1 building(s) outside 渝中区 are left out" in caplog.text) is warned


def test_the_population_hint_gives_one_key_a_district(caplog):
    """Probe 20R: the hint read { "渝中区、江北区、南岸区" = N }, which the scenario refuses."""
    import geopandas as gpd
    from shapely.geometry import box

    from harbor_planner.demand import Demand, demand_within

    xy = gpd.points_from_xy([106.55, 106.70], [29.55, 29.55])
    pts = gpd.GeoDataFrame({"weight": [100.0, 50.0]}, geometry=xy, crs=4326)
    area = gpd.GeoSeries([box(106.5, 29.5, 106.6, 29.6)], crs=4326)
    demand = Demand(kind="buildings", spec="buildings:a", points=pts, weight_unit="people",
                    info={"population": 150.0})  # fmt: skip
    demand_within(demand, area, name="渝中区、江北区")
    assert '{ "渝中区" = N, "江北区" = N }' in caplog.text


def test_a_part_high_above_the_ground_counts_its_own_storeys(tmp_path):
    """Probe 24H: a skybridge with height 276.5 and min_height 250 counted 61 levels from its
    height (6 % of Yuzhong's people); its levels are those above min_height."""
    frame = gpd.read_file(DEMAND / "buildings.geojson")
    b = frame["name"] == "B"  # height "27 m": 6 levels
    frame["min_height"] = None
    frame.loc[b, "height"] = "276.5"
    frame.loc[b, "min_height"] = "250"
    frame.to_file(tmp_path / "b.gpkg")
    got = building_demand(tmp_path / "b.gpkg").points.set_index("name")
    assert got.loc["B", "levels"] == 6  # 26.5 m / 4.5 m
    assert got.loc["B", "height_m"] == 276.5

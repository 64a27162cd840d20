"""Walk networks from odd tags, line layers and DEMs as planners have them (probe 17E).

* a flight tagged ``step_count=-3`` (or ``inf``) built a network file that nothing could load;
  ``step_count=5000`` on a 100 m stair took 41 minutes; ``incline=1000%`` was a grade of 10;
* a line layer with a NaN vertex crashed with a GEOS traceback; projected metres in a file
  stating WGS-84 said "no walkable edges are left (foot=no...)";
* only the first layer of a GeoPackage of several line layers was read, without a word;
* ``--dem-smoothing 1e9`` ran for minutes in gigabytes, uninterruptible; ``--snap-tolerance``
  had no bound; ``--max-grade``/``--dem-smoothing`` without ``--dem`` were ignored;
* a DEM in feet or decimetres made every slope steeper with no warning;
* GCJ-02 centrelines made the station datum guard blame the stations alone.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from harbor_planner import build_network, load_network
from harbor_planner.cli import main
from harbor_planner.errors import InputDataError
from harbor_planner.network.walk import KIND_NAMES
from harbor_planner.scenario import demo_scenario_path
from osm_files import X0, Y0, write_osm

DEMO = demo_scenario_path().parent


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(["--no-progress", *argv])
    return code, capsys.readouterr().err


def _one_line(err: str) -> str:
    lines = [x for x in err.strip().splitlines() if not x.startswith(("INFO", "WARNING"))]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("count", ["-3", "inf", "1e400", "0"])
def test_a_flight_with_no_count_of_steps_builds_a_network_that_loads(tmp_path, capsys, count):
    osm = write_osm(tmp_path / "s.osm", [
        (1, [(0, 0), (100, 0)], {"highway": "steps", "step_count": count}),
        (2, [(100, 0), (200, 0)], {"highway": "footway"}),
    ])  # fmt: skip
    code, err = _cli(capsys, "network", "build", str(osm), "--out", str(tmp_path / "s.npz"))
    assert code == 0, err
    assert "read as untagged" in err
    net = load_network(tmp_path / "s.npz")  # refused as corrupt before
    untagged = build_network(write_osm(tmp_path / "u.osm", [
        (1, [(0, 0), (100, 0)], {"highway": "steps"}),
        (2, [(100, 0), (200, 0)], {"highway": "footway"}),
    ]), progress=False)  # fmt: skip
    assert np.isnan(net.edges["step_count"]).all()
    assert np.allclose(net.edges["time_fwd_s"], untagged.edges["time_fwd_s"])


def test_implausible_step_counts_and_inclines_are_read_as_untagged(tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True).transform(106.57, 29.557)
    dx, dy = round(x - X0), round(y - Y0)  # in Yuzhong, on the demo's DEM

    def times(tags: dict[str, str]) -> np.ndarray:
        way = [(dx, dy), (dx + 100, dy)]
        more = (2, [(dx + 100, dy), (dx + 100, dy + 80)], {"highway": "footway"})
        path = write_osm(tmp_path / "t.osm", [(1, way, tags), more])
        net = build_network(
            path, progress=False, walk_model="hilly", dem=DEMO / "dem.tif", dem_outside="flat"
        )
        return net.edges[net.edges["way_id"] == 1][
            ["time_fwd_s", "time_bwd_s"]].to_numpy()  # fmt: skip

    steps = times({"highway": "steps"})
    assert np.allclose(times({"highway": "steps", "step_count": "5000"}), steps)
    assert not np.allclose(times({"highway": "steps", "step_count": "400"}), steps)  # 120 m
    walk_up = times({"highway": "footway", "incline": "up"})
    for slip in ("1000%", "-90°", "89°"):
        got = times({"highway": "footway", "incline": slip})
        assert got.max() < 3 * walk_up.max(), (slip, got)  # was up to ~107x slower
    assert times({"highway": "footway", "incline": "20%"}).max() > walk_up.max()


def _lines(tmp_path, name: str, coords: list, crs: str | None, driver_suffix: str = ".gpkg"):
    path = tmp_path / f"{name}{driver_suffix}"
    with warnings.catch_warnings():  # shapely warns of the NaN drawn on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        geoms = [shapely.LineString(c) for c in coords]
    frame = gpd.GeoDataFrame({"highway": ["footway"] * len(coords)}, geometry=geoms, crs=crs)
    frame.to_file(path)
    return path


def test_a_line_with_a_vertex_that_is_no_number_is_one_line(tmp_path, capsys):
    good = [(X0, Y0), (X0 + 100, Y0)]
    path = _lines(tmp_path, "nan", [good, [(X0 + 100, Y0), (np.nan, Y0 + 50)]], "EPSG:32648")
    code, err = _cli(capsys, "network", "build", str(path), "--out", str(tmp_path / "x.npz"))
    assert code == 3
    line = _one_line(err)
    assert "feature 1" in line and "not numbers" in line and "nan.gpkg" in line


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_projected_metres_stated_as_lon_lat_are_named_as_such(tmp_path, capsys, suffix):
    path = _lines(tmp_path, "metres", [[(X0, Y0), (X0 + 100, Y0)]], "EPSG:4326", suffix)
    code, err = _cli(capsys, "network", "build", str(path), "--out", str(tmp_path / "x.npz"))
    assert code == 3
    line = _one_line(err)
    assert "no longitude and latitude" in line and "projected metres" in line


def test_gauss_krueger_metres_in_the_wrong_zone_naming_are_caught(tmp_path, capsys):
    """Probe 23N: Gauss-Krüger eastings stated in the other naming (zone number in front or
    not) said "cannot choose a UTM zone: no finite coordinates", naming no file; a zone one
    off (CM 105 stated CM 108) built a network 290 km east without a word."""
    from pyproj import Transformer

    lon, lat = np.array([106.56, 106.57, 106.57]), np.array([29.556, 29.556, 29.566])
    cm105 = Transformer.from_crs(4326, "EPSG:4544", always_xy=True).transform(lon, lat)
    line = [list(zip(*cm105, strict=True))]
    prefixed = _lines(tmp_path, "prefixed", line, "EPSG:4513")  # zone-numbered, no prefix
    code, err = _cli(capsys, "network", "build", str(prefixed), "--out", str(tmp_path / "a.npz"))
    text = _one_line(err)
    assert code == 3 and "prefixed.gpkg" in text and "lie nowhere in the layer's stated CRS" in text
    assert "EPSG:4513-4533" in text and not (tmp_path / "a.npz").exists()
    slipped = _lines(tmp_path, "slipped", line, "EPSG:4545")  # CM 105 metres stated CM 108
    code, err = _cli(capsys, "network", "build", str(slipped), "--out", str(tmp_path / "b.npz"))
    assert code == 0 and "km outside Chongqing (CRS EPSG:4545)" in err
    right = _lines(tmp_path, "right", line, "EPSG:4544")
    code, err = _cli(capsys, "network", "build", str(right), "--out", str(tmp_path / "c.npz"))
    assert code == 0 and "outside Chongqing" not in err


def test_every_line_layer_of_a_geopackage_is_read_and_named(tmp_path, capsys):
    path = tmp_path / "two.gpkg"
    roads = gpd.GeoDataFrame(
        {"highway": ["residential"]},
        crs="EPSG:32648",
        geometry=[shapely.LineString([(X0, Y0), (X0 + 200, Y0)])],
    )
    paths = gpd.GeoDataFrame(
        {"highway": ["footway"]},
        crs="EPSG:32648",
        geometry=[shapely.LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 150)])],
    )
    marks = gpd.GeoDataFrame({"kind": ["bench"]}, crs="EPSG:32648",
                             geometry=[shapely.Point(X0, Y0)])  # fmt: skip
    roads.to_file(path, layer="roads")
    marks.to_file(path, layer="marks")
    paths.to_file(path, layer="paths")
    code, err = _cli(capsys, "network", "build", str(path), "--out", str(tmp_path / "x.npz"))
    assert code == 0, err
    assert "2 line layers (roads, paths)" in err and "marks" in err
    net = load_network(tmp_path / "x.npz")
    assert net.edges["length_m"].sum() == pytest.approx(350.0, abs=0.5)  # both layers


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [("--dem-smoothing", "1e9", "from 0 to 500"), ("--snap-tolerance", "100", "from 0 to 25")],
)
def test_grading_and_snapping_settings_have_an_upper_bound(tmp_path, capsys, option, value,
                                                           expected):  # fmt: skip
    code, err = _cli(capsys, "network", "build", str(DEMO / "yuzhong_walk.osm.bz2"),
                     "--dem", str(DEMO / "dem.tif"), option, value,
                     "--out", str(tmp_path / "x.npz"))  # fmt: skip
    assert code == 2 and expected in _one_line(err)
    key = {"--dem-smoothing": "dem_smoothing_m", "--snap-tolerance": "snap_tolerance_m"}[option]
    code, err = _cli(capsys, "-q", "run", str(DEMO / "demo.toml"), "--set",
                     f"network.{key}={value}", "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 3 and f"network.{key} must be 0 to" in _one_line(err)
    assert not (tmp_path / "o").exists()


def test_the_api_refuses_a_smoothing_past_the_bound():
    with pytest.raises(InputDataError, match="dem_smoothing_m must be 0 to 500"):
        build_network(DEMO / "yuzhong_walk.osm.bz2", dem=DEMO / "dem.tif", dem_outside="flat",
                      dem_smoothing_m=1e9, progress=False)  # fmt: skip


def test_grade_settings_without_a_dem_are_refused_not_ignored(tmp_path, capsys):
    osm = str(DEMO / "yuzhong_walk.osm.bz2")
    code, err = _cli(capsys, "network", "build", osm, "--max-grade", "primary=5",
                     "--out", str(tmp_path / "x.npz"))  # fmt: skip
    assert code == 2 and "--max-grade shapes the grades read from a DEM" in _one_line(err)
    code, err = _cli(capsys, "network", "info", osm, "--dem-smoothing", "10")
    assert code == 2 and "give --dem too" in _one_line(err)
    text = (DEMO / "demo.toml").read_text("utf-8")
    text = text.replace('dem = "dem.tif"', "max_grade_pct = { primary = 5 }")
    text = text.replace('dem_outside = "flat"', "").replace('"hilly"', '"stairs"')
    for name in ("stations.csv", "yuzhong_walk.osm.bz2", "centres.csv"):
        text = text.replace(f'"{name}"', json.dumps(str(DEMO / name)))
    scenario = tmp_path / "no_dem.toml"
    scenario.write_text(text, "utf-8")
    code, err = _cli(capsys, "-q", "run", str(scenario), "--out", str(tmp_path / "o"))
    assert code == 3 and "network.max_grade_pct shapes the grades read from a DEM" in err, err
    assert not (tmp_path / "o").exists()


def test_a_dem_in_feet_is_warned_of(tmp_path, caplog):
    import rasterio

    with rasterio.open(DEMO / "dem.tif") as src:
        profile, heights = src.profile, src.read(1).astype("float32")
    profile.update(dtype="float32", nodata=None)
    with rasterio.open(tmp_path / "feet.tif", "w", **profile) as dst:
        dst.write(heights * 3.28084, 1)
    with caplog.at_level("WARNING", logger="harbor_planner"):
        build_network(DEMO / "yuzhong_walk.osm.bz2", dem=DEMO / "dem.tif", dem_outside="flat",
                      progress=False)  # fmt: skip
    assert "median" not in caplog.text  # the real one: about 4 %
    with caplog.at_level("WARNING", logger="harbor_planner"):
        build_network(DEMO / "yuzhong_walk.osm.bz2", dem=tmp_path / "feet.tif",
                      dem_outside="flat", progress=False)  # fmt: skip
    assert "feet.tif: the streets climb a median 13 %" in caplog.text


def test_the_datum_guard_names_traced_centrelines_as_a_possible_cause(tmp_path, capsys):
    net = build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    lines = gpd.GeoDataFrame({"highway": net.edges["highway"].to_numpy()},
                             geometry=net.edge_geometry, crs=net.crs)  # fmt: skip
    lines.to_file(tmp_path / "centrelines.gpkg")
    mid = shapely.line_interpolate_point(net.edge_geometry[::250], 0.5, normalized=True)
    wgs = gpd.GeoSeries(mid, crs=net.crs).to_crs("EPSG:4326")
    rows = "\n".join(
        f"S{i},{x:.6f},{y:.6f}" for i, (x, y) in enumerate(zip(wgs.x, wgs.y, strict=True))
    )
    stations = tmp_path / "stations.csv"  # on the streets in WGS-84, stated as GCJ-02
    stations.write_text("station_id,lon,lat\n" + rows + "\n", "utf-8")
    hints = []
    for network in (DEMO / "yuzhong_walk.osm.bz2", tmp_path / "centrelines.gpkg"):
        code, err = _cli(capsys, "-q", "stations", "check", str(stations), "--crs", "gcj02",
                         "--network", str(network))  # fmt: skip
        assert code == 3, err
        line = _one_line(err)
        assert "much better as wgs84" in line
        hints.append("traced on a Chinese web map" in line)
    assert hints == [False, True]  # OSM's streets are WGS-84; traced ones may be GCJ-02


def test_columns_the_walk_model_does_not_read_are_named(tmp_path, caplog):
    frame = gpd.GeoDataFrame(
        {"highway": ["footway"], "grade": [12.0], "speed_kmh": [3.0], "osm_id": [1]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 100, Y0)])], crs="EPSG:32648",
    )  # fmt: skip
    frame.to_file(tmp_path / "own.gpkg")
    with caplog.at_level("INFO", logger="harbor_planner"):
        build_network(tmp_path / "own.gpkg", progress=False)
    assert "columns not read" in caplog.text and "grade, speed_kmh" in caplog.text
    assert "osm_id" not in caplog.text.split("columns not read")[1].split("\n")[0].split(": ")[-1]


def test_line_ends_just_short_of_another_line_are_said(tmp_path, capsys):
    """Probe 23N: T-junctions pulled back 1.5-3 m (digitising undershoots) stayed apart with
    only an INFO count of the ends snapped; crossings were warned of, these were not. Many
    of them are a warning naming the larger --snap-tolerance; ends within it join."""
    main_line = [(X0, Y0), (X0 + 1000, Y0)]
    short = [[(X0 + 40.0 * k, Y0 + 2.5), (X0 + 40.0 * k, Y0 + 80)] for k in range(1, 24)]
    path = _lines(tmp_path, "undershoot", [main_line, *short], "EPSG:32648")
    code, err = _cli(capsys, "network", "build", str(path), "--out", str(tmp_path / "a.npz"))
    assert code == 0 and "23 line ends stop 1-5 m short of another line and stay apart" in err
    assert "--snap-tolerance" in err
    code, err = _cli(capsys, "network", "build", str(path), "--out", str(tmp_path / "b.npz"),
                     "--snap-tolerance", "3")  # fmt: skip
    assert code == 0 and "short of another line" not in err
    assert load_network(tmp_path / "b.npz").n_edges > load_network(tmp_path / "a.npz").n_edges


def test_a_planners_escalator_and_lift_classes_are_timed_as_such(tmp_path):
    """Probe 23N: 自动扶梯 and 电梯 in a planner's 道路等级 column were warned of and walked as
    streets of no class. An escalator is a conveying flight of steps (both ways unless the
    layer says), a lift drawn as a line costs its 60 s once."""
    line = [[(X0, Y0), (X0 + 100, Y0)], [(X0 + 100, Y0), (X0 + 130, Y0)],
            [(X0 + 130, Y0), (X0 + 135, Y0)], [(X0 + 135, Y0), (X0 + 200, Y0)]]  # fmt: skip
    frame = gpd.GeoDataFrame(
        {"道路等级": ["人行道", "自动扶梯", "电梯", "人行道"]},
        geometry=[shapely.LineString(c) for c in line],
        crs="EPSG:32648",
    )
    frame.to_file(tmp_path / "own.gpkg")
    net = build_network(tmp_path / "own.gpkg", progress=False)
    e = net.edges.set_index("highway")
    assert e.loc["steps", "time_fwd_s"] == pytest.approx(30 / np.cos(np.radians(30)) / 0.5)
    assert e.loc["elevator", "time_fwd_s"] == pytest.approx(60.0)


def test_a_street_drawn_twice_with_other_vertices_is_said(tmp_path, capsys):
    """Probe 23N: exact copies are read once, but a densified copy (one more vertex) or half
    a street drawn again counted twice in the main streets without a word (+8.6 %)."""
    streets = [[(X0, Y0 + 100.0 * k), (X0 + 400, Y0 + 100.0 * k)] for k in range(3)]
    cross = [[(X0 + 200, Y0), (X0 + 200, Y0 + 200)]]
    again = [[(X0, Y0), (X0 + 150, Y0), (X0 + 400, Y0)]]  # the first street, densified
    path = _lines(tmp_path, "twice", [*streets, *cross, *again], "EPSG:32648")
    code, err = _cli(capsys, "network", "build", str(path), "--out", str(tmp_path / "a.npz"))
    assert code == 0 and "1 pairs of lines on the same level overlap for 0.4 km" in err
    assert "remove one copy" in err
    path = _lines(tmp_path, "once", [*streets, *cross], "EPSG:32648")
    code, err = _cli(capsys, "network", "build", str(path), "--out", str(tmp_path / "b.npz"))
    assert code == 0 and "overlap for" not in err


def _chain(tmp_path, name: str, columns: dict) -> str:
    """Four lines in a row (100, 30, 5, 65 m) with the given columns, as a planner's GPKG."""
    line = [[(X0, Y0), (X0 + 100, Y0)], [(X0 + 100, Y0), (X0 + 130, Y0)],
            [(X0 + 130, Y0), (X0 + 135, Y0)], [(X0 + 135, Y0), (X0 + 200, Y0)]]  # fmt: skip
    frame = gpd.GeoDataFrame(
        columns, geometry=[shapely.LineString(c) for c in line], crs="EPSG:32648"
    )
    path = tmp_path / f"{name}.gpkg"
    frame.to_file(path)
    return str(path)


@pytest.mark.parametrize("blank", ["", " ", "否", "0", "no", "false", None])
def test_an_empty_or_no_conveying_cell_is_no_escalator(tmp_path, caplog, blank):
    """Probe 24H: a conveying column filled in on the one escalator and left empty (or 否, 0)
    on the other lines made every street a moving walkway (coverage 67.5 -> 26.4 %)."""
    path = _chain(tmp_path, "conv", {"道路等级": ["人行道", "梯道", "自动扶梯", "人行道"],
                                     "conveying": [blank, blank, "forward", blank]})  # fmt: skip
    with caplog.at_level("WARNING", logger="harbor_planner"):
        net = build_network(path, progress=False)
    kind = [KIND_NAMES[k] for k in net.edges["kind"]]
    kinds = dict(zip(net.edges["length_m"].round().astype(int), kind, strict=True))
    assert kinds == {100: "walk", 30: "steps", 5: "escalator", 65: "walk"}
    assert "escalators or moving walkways" not in caplog.text


def test_a_conveying_column_the_tool_cannot_read_is_said(tmp_path, caplog):
    """Probe 24H: 上行/下行 in conveying were read as both ways without a word; a column
    setting most lines conveying is warned of."""
    path = _chain(tmp_path, "conv", {"道路等级": ["人行道", "梯道", "自动扶梯", "人行道"],
                                     "conveying": ["是", "是", "上行", None]})  # fmt: skip
    with caplog.at_level("WARNING", logger="harbor_planner"):
        net = build_network(path, progress=False)
    assert "conveying '上行' (1 lines, read as running both ways)" in caplog.text
    assert "75 % of the lines are escalators or moving walkways" in caplog.text
    assert [KIND_NAMES[k] for k in net.edges["kind"]].count("moving_walkway") == 1


def test_a_moving_walkway_is_never_slower_than_walking(tmp_path):
    """Probe 24R: a 200 m moving walkway took 400 s at the belt's 0.5 m/s, the footway
    beside it 160 s: walks went round it."""
    path = _chain(tmp_path, "mw", {"道路等级": ["人行道", "自动人行道", "人行道", "人行道"]})
    e = build_network(path, progress=False).edges.set_index("length_m")
    walk_s = e.loc[100.0, "time_fwd_s"]
    assert KIND_NAMES[e.loc[30.0, "kind"]] == "moving_walkway"
    assert e.loc[30.0, "time_fwd_s"] == pytest.approx(walk_s * 0.3)
    assert e.loc[30.0, "time_bwd_s"] == pytest.approx(walk_s * 0.3)


def test_an_escalator_drawn_on_its_stairway_is_kept_beside_it(tmp_path, caplog):
    """Probe 24R: a 梯道 and a 自动扶梯 on the same vertices were 'copies': one was dropped,
    which one depending on the rows' order."""
    line = shapely.LineString([(X0, Y0), (X0 + 100, Y0)])
    for order in (["梯道", "自动扶梯"], ["自动扶梯", "梯道"]):
        frame = gpd.GeoDataFrame({"道路等级": order}, geometry=[line, line], crs="EPSG:32648")
        frame.to_file(tmp_path / "pair.gpkg")
        caplog.clear()
        with caplog.at_level("INFO", logger="harbor_planner"):
            net = build_network(tmp_path / "pair.gpkg", progress=False)
        assert sorted(KIND_NAMES[k] for k in net.edges["kind"]) == ["escalator", "steps"]
        assert "copies of another" not in caplog.text and "overlap" not in caplog.text


@pytest.mark.parametrize("yes", ["yes", "是", "1", "true"])
def test_a_conveying_yes_of_any_spelling_takes_its_direction_from_oneway(tmp_path, yes):
    """Probe 24R2: conveying 是/1/true with oneway=yes ran both ways (only "yes" was read)."""
    path = _chain(tmp_path, "ow", {"道路等级": ["人行道", "梯道", "人行道", "人行道"],
                                   "conveying": [None, yes, None, None],
                                   "oneway": [None, "yes", None, None]})  # fmt: skip
    e = build_network(path, progress=False).edges.set_index("length_m")
    assert KIND_NAMES[e.loc[30.0, "kind"]] == "escalator"
    assert bool(e.loc[30.0, "fwd_ok"]) and not bool(e.loc[30.0, "bwd_ok"])


def _escalator_ways(tmp_path, conveying: str, oneway) -> str:
    """The 30 m escalator of :func:`_chain` as ``fwd_ok``/``bwd_ok``: "F-", "-B" or "FB"."""
    path = _chain(tmp_path, "ow", {"道路等级": ["人行道", "梯道", "人行道", "人行道"],
                                   "conveying": [None, conveying, None, None],
                                   "oneway": [None, oneway, None, None]})  # fmt: skip
    e = build_network(path, progress=False).edges.set_index("length_m").loc[30.0]
    return ("F" if e["fwd_ok"] else "-") + ("B" if e["bwd_ok"] else "-")


@pytest.mark.parametrize(
    ("conveying", "oneway", "ways"),
    [("双向", "yes", "FB"), ("双向", "是", "FB"), ("双向", "-1", "FB"), ("reversible", "yes", "FB"),
     ("both", "yes", "FB"), ("是", "是", "F-"), ("yes", "是", "F-"), ("是", "1", "F-"),
     ("是", "true", "F-"), ("是", "-1", "-B"), ("是", "否", "FB"), ("是", "0", "FB"),
     ("是", "no", "FB"), ("是", "false", "FB")],
)  # fmt: skip
def test_a_both_ways_conveying_stays_both_ways_and_oneway_takes_a_planners_words(
    tmp_path, conveying, oneway, ways
):
    """Probe 25R3: conveying 双向 with oneway=yes ran one way; oneway=是 was read as no (the
    conveying column takes 是, 1, true; so does oneway now, and 否/0 as no)."""
    assert _escalator_ways(tmp_path, conveying, oneway) == ways


def test_a_conveying_word_not_known_is_said_as_it_is_read(tmp_path, caplog):
    """Probe 25R3: 上行 with oneway=yes ran one way while the warning said "read as running
    both ways"; it says how its lines were read."""
    with caplog.at_level("WARNING", logger="harbor_planner"):
        assert _escalator_ways(tmp_path, "上行", "是") == "F-"
    assert "conveying '上行' (1 lines, read as running one way, as their oneway says)" in (
        caplog.text
    )
    assert "running both ways" not in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="harbor_planner"):
        assert _escalator_ways(tmp_path, "下行", None) == "FB"
    assert "conveying '下行' (1 lines, read as running both ways)" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="harbor_planner"):
        _escalator_ways(tmp_path, "双向", "yes")
    assert "conveying '双向'" not in caplog.text


def test_the_z_values_of_3d_lines_are_said_to_be_unread(tmp_path, caplog):
    """Probe 24H: a layer of 3D centrelines (z = ground height) built as the 2D one without
    a word; the log says the z values are not read and where slopes come from."""
    frame = gpd.GeoDataFrame(
        {"道路等级": ["人行道"]},
        geometry=[shapely.LineString([(X0, Y0, 200.0), (X0 + 100, Y0, 210.0)])],
        crs="EPSG:32648",
    )
    frame.to_file(tmp_path / "z.gpkg")
    with caplog.at_level("INFO", logger="harbor_planner"):
        net = build_network(tmp_path / "z.gpkg", progress=False)
    assert "z values are not read" in caplog.text
    assert net.edges["length_m"].iloc[0] == pytest.approx(100.0)


# --------------------------------------------------------------------------- own export


#: A network with every kind the walk model reads: a bridge crossing a street without a
#: junction and a footway stopping 0.4 m short of it, a one-way escalator, a moving walkway
#: running against its drawing, lifts at a junction and at a dead end, stairs with a grade,
#: a step count and a direction, a one-way footway, a tunnel and a cycleway open to walkers.
_EXPORT_WAYS = [
    (1, [(0, 0), (200, 0)], {"highway": "residential"}),
    (2, [(100, -100), (100, 100)], {"highway": "primary", "bridge": "yes", "layer": "1"}),
    (3, [(100, 100), (50, 100), (0, 100), (0, 0)], {"highway": "footway"}),
    (4, [(100, -100), (200, -100), (200, 0)], {"highway": "footway"}),
    (5, [(50, 100), (50, 50), (99.6, 50)], {"highway": "footway"}),
    (6, [(200, 0), (260, 0)], {"highway": "steps", "conveying": "yes", "oneway": "yes"}),
    (7, [(260, 0), (300, 0)], {"highway": "footway"}),
    (8, [(300, 0), (300, 50)], {"highway": "footway"}),
    (9, [(0, 0), (-50, 0)], {"highway": "footway"}),
    (10, [(0, 100), (0, 150)], {"highway": "steps", "incline": "10%", "step_count": "20"}),
    (11, [(0, 150), (-50, 150)], {"highway": "steps", "incline": "down"}),
    (12, [(200, -100), (300, -100)], {"highway": "cycleway", "foot": "yes"}),
    (13, [(300, -100), (300, 0)], {"highway": "footway", "oneway:foot": "yes"}),
    (14, [(0, -50), (0, 0)], {"highway": "footway", "conveying": "backward"}),
    (15, [(200, -100), (200, -150)], {"highway": "footway", "tunnel": "yes"}),
    (16, [(300, 50), (310, 50)], {"highway": "elevator"}),
]
_EXPORT_LIFTS = {(300, 0): {"highway": "elevator"}, (-50, 0): {"highway": "elevator"}}
_EDGE_COLUMNS = [
    "way_id", "highway", "kind", "step_count", "incline", "incline_grade", "fwd_ok", "bwd_ok",
    "elevator_ends", "off_ground",
]  # fmt: skip


def _by_position(net):
    """The edges keyed by their ends' coordinates (mm), sorted: node ids differ by source."""
    xy = np.round(net.node_xy * 1000).astype(np.int64)
    e = net.edges.assign(
        key=[
            f"{tuple(xy[a])}-{tuple(xy[b])}"
            for a, b in zip(*net.edges[["u", "v"]].T.values, strict=True)
        ]
    )
    return e.sort_values(["key", "length_m"]).reset_index(drop=True)


def _times_by_position(net):
    """All-pairs walking times (s), rows and columns in the order of the nodes' coordinates."""
    from scipy.sparse.csgraph import dijkstra

    order = np.lexsort(np.round(net.node_xy * 1000).T[::-1])
    return dijkstra(net.time_graph())[np.ix_(order, order)]


def test_the_networks_own_gpkg_export_builds_the_same_network(tmp_path, caplog):
    from harbor_planner import save_network

    osm = write_osm(tmp_path / "kinds.osm", _EXPORT_WAYS, _EXPORT_LIFTS)
    net = build_network(osm, progress=False)
    e = net.edges
    assert {1, 2, 3, 4} <= set(e["kind"]) and (e["elevator_ends"] > 0).sum() == 4
    assert e["off_ground"].sum() == 2 and (~e["fwd_ok"] | ~e["bwd_ok"]).sum() == 3
    save_network(net, tmp_path / "net.npz", edges_gpkg=tmp_path / "net.gpkg")
    with caplog.at_level("INFO"):
        back = build_network(tmp_path / "net.gpkg", progress=False)  # default 1 m snapping
    assert (back.n_nodes, back.n_edges) == (net.n_nodes, net.n_edges)
    a, b = _by_position(net), _by_position(back)
    assert list(a["key"]) == list(b["key"])  # the bridge joined nothing, the footway stayed short
    pd.testing.assert_frame_equal(a[_EDGE_COLUMNS], b[_EDGE_COLUMNS], check_dtype=False)
    for col in ("length_m", "time_fwd_s", "time_bwd_s"):
        np.testing.assert_allclose(b[col], a[col], rtol=1e-9)
    np.testing.assert_allclose(_times_by_position(back), _times_by_position(net), rtol=1e-9)
    assert "read as the network's own export" in caplog.text


def test_a_line_drawn_anew_in_the_export_joins_within_the_tolerance(tmp_path):
    from harbor_planner import save_network

    net = build_network(write_osm(tmp_path / "k.osm", _EXPORT_WAYS, _EXPORT_LIFTS), progress=False)
    save_network(net, tmp_path / "net.npz", edges_gpkg=tmp_path / "net.gpkg")
    edges = gpd.read_file(tmp_path / "net.gpkg", layer="edges")
    to_ll = gpd.GeoSeries(
        [shapely.LineString([(X0 + 150, Y0 + 0.4), (X0 + 150, Y0 + 60)]),  # ends on the street
         shapely.LineString([(X0 + 150, Y0 + 60), (X0 + 100.5, Y0 + 60)])],  # under the bridge
        crs="EPSG:32648",
    ).to_crs(edges.crs)  # fmt: skip
    drawn = gpd.GeoDataFrame({"highway": ["footway", "梯道"]}, geometry=to_ll)  # a planner's
    pd.concat([edges, drawn], ignore_index=True).to_file(tmp_path / "edited.gpkg", layer="edges")
    back = build_network(tmp_path / "edited.gpkg", progress=False)
    # the street is split where the new footway ends 0.4 m from it; the bridge is not
    assert (back.n_nodes, back.n_edges) == (net.n_nodes + 3, net.n_edges + 3)
    assert back.source["noding"]["t_junctions"] == 1
    assert (back.edges["elevator_ends"] > 0).sum() == 4 and back.edges["off_ground"].sum() == 2
    steps = KIND_NAMES.index("steps")
    assert (back.edges["kind"] == steps).sum() == (net.edges["kind"] == steps).sum() + 1


def test_the_export_as_a_shapefile_or_short_of_a_marker_column_is_read_as_the_export(
    tmp_path, caplog
):
    """Probe 26R1: the export needed all five of kind, fwd_ok, bwd_ok, elevator_ends and
    off_ground under their full names; a Shapefile (``elevator_e``) or a column deleted made
    it a planner's layer again, without a word."""
    from harbor_planner import save_network

    net = build_network(write_osm(tmp_path / "k.osm", _EXPORT_WAYS, _EXPORT_LIFTS), progress=False)
    save_network(net, tmp_path / "net.npz", edges_gpkg=tmp_path / "net.gpkg")
    edges = gpd.read_file(tmp_path / "net.gpkg", layer="edges")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL says it cuts the names
        edges.to_file(tmp_path / "edges.shp")
    edges.drop(columns=["fwd_ok"]).to_file(tmp_path / "cut.gpkg", layer="edges")
    edges.drop(columns=["kind"]).to_file(tmp_path / "nokind.gpkg", layer="edges")
    shp = build_network(tmp_path / "edges.shp", progress=False)
    a, b = _by_position(net), _by_position(shp)
    pd.testing.assert_frame_equal(a[_EDGE_COLUMNS], b[_EDGE_COLUMNS], check_dtype=False)
    with caplog.at_level("WARNING"):
        cut = build_network(tmp_path / "cut.gpkg", progress=False)
        build_network(tmp_path / "nokind.gpkg", progress=False)
    assert "without its column fwd_ok: every line may be walked along its drawing" in caplog.text
    assert "of the network's own export but no kind: read as a planner's layer" in caplog.text
    e = cut.edges
    assert (cut.n_nodes, cut.n_edges) == (net.n_nodes, net.n_edges)
    assert (e["elevator_ends"] > 0).sum() == 4 and e["off_ground"].sum() == 2
    assert (~e["fwd_ok"]).sum() == 0  # the cost said; bwd_ok is read
    assert (~e["bwd_ok"]).sum() == (~net.edges["bwd_ok"]).sum() > 0
    assert set(e["kind"]) == set(net.edges["kind"])


def _bridge_walk_s(net) -> float:
    """Seconds from the bridge's south end to its north end (way 2 of ``_EXPORT_WAYS``)."""
    from scipy.sparse.csgraph import dijkstra

    xy = np.round(net.node_xy - (X0, Y0))
    south, north = (int(np.flatnonzero((xy == (100, y)).all(axis=1))[0]) for y in (-100, 100))
    return float(dijkstra(net.time_graph(), indices=south)[north])


@pytest.mark.parametrize(
    "closed",
    [False, 0, "false", "False", "0"],
    ids=["bool", "int", "text", "Text", "text0"],  # GeoPackage, QGIS 0/1, a CSV round trip
)
def test_a_line_of_the_export_walkable_in_no_direction_is_left_out_with_a_warning(
    tmp_path, caplog, closed
):
    """Probe 27T, finding 3: a bridge closed in QGIS (fwd_ok and bwd_ok both false) was
    still walked both ways without a word; an empty cell is no edit (walked as before)."""
    from harbor_planner import save_network
    from harbor_planner.errors import NetworkError

    net = build_network(write_osm(tmp_path / "k.osm", _EXPORT_WAYS, _EXPORT_LIFTS), progress=False)
    save_network(net, tmp_path / "net.npz", edges_gpkg=tmp_path / "net.gpkg")
    edges = gpd.read_file(tmp_path / "net.gpkg", layer="edges")
    edges[["fwd_ok", "bwd_ok"]] = edges[["fwd_ok", "bwd_ok"]].astype(object)
    bridge, cycleway = edges.index[edges["way_id"] == 2], edges.index[edges["way_id"] == 12]
    edges.loc[[*bridge, *cycleway], ["fwd_ok", "bwd_ok"]] = closed
    edges.loc[edges["way_id"] == 1, ["fwd_ok", "bwd_ok"]] = None  # not edited
    edges.loc[edges["way_id"] == 9, "fwd_ok"] = None  # one way, the other empty: walked
    edges.loc[edges["way_id"] == 9, "bwd_ok"] = closed
    edges.to_file(tmp_path / "closed.gpkg", layer="edges")
    with caplog.at_level("WARNING"):
        back = build_network(tmp_path / "closed.gpkg", progress=False)
    assert back.n_edges == net.n_edges - 2
    assert not back.edges["way_id"].isin([2, 12]).any()
    assert back.edges["way_id"].isin([1, 9]).sum() == net.edges["way_id"].isin([1, 9]).sum()
    assert back.edges.loc[back.edges["way_id"] == 9, ["fwd_ok", "bwd_ok"]].values.tolist() == [
        [True, False]
    ]
    said = [r.getMessage() for r in caplog.records if "walkable in no direction" in r.message]
    assert len(said) == 1, caplog.text
    assert "on 2 lines (0.30 km) of 2 ways, left out of the network: way 2, way 12;" in said[0]
    # the bridge closed, the walk from its south end to its north end goes round
    before, after = (_bridge_walk_s(n) for n in (net, back))
    assert after > before + 60
    edges[["fwd_ok", "bwd_ok"]] = closed
    edges.to_file(tmp_path / "all.gpkg", layer="edges")
    with pytest.raises(NetworkError, match="every line has fwd_ok and bwd_ok false"):
        build_network(tmp_path / "all.gpkg", progress=False)


@pytest.mark.parametrize("way_id", [np.inf, 1e300, 2.5, "abc", 2**62])
def test_a_way_id_of_the_export_that_is_no_whole_number_is_a_line_drawn_anew(
    tmp_path, caplog, way_id
):
    """Probe 27T, finding 4: a way_id of inf or 1e300 (a Shapefile or field calculator round
    trip) crashed with an OverflowError; 2.5 was cut to way 2. Each is read as a line drawn
    anew (an id of its own), said; a negative id (JOSM's new ways, OSMnx's -1) is kept."""
    from harbor_planner import save_network

    net = build_network(write_osm(tmp_path / "k.osm", _EXPORT_WAYS, _EXPORT_LIFTS), progress=False)
    save_network(net, tmp_path / "net.npz", edges_gpkg=tmp_path / "net.gpkg")
    edges = gpd.read_file(tmp_path / "net.gpkg", layer="edges")
    edges["way_id"] = edges["way_id"].astype(object)
    row = int(np.flatnonzero(edges["way_id"] == 12)[0])
    edges.loc[row, "way_id"] = way_id
    edges.loc[int(np.flatnonzero(edges["way_id"] == 13)[0]), "way_id"] = -5
    if not isinstance(way_id, str):
        edges["way_id"] = edges["way_id"].astype(float)
    edges.to_file(tmp_path / "ids.gpkg", layer="edges")
    with caplog.at_level("WARNING"):
        back = build_network(tmp_path / "ids.gpkg", progress=False)
    assert back.n_edges == net.n_edges
    ids = back.edges["way_id"]
    assert 12 not in set(ids) and -5 in set(ids) and 17 in set(ids)  # 16 the largest given
    assert ids.value_counts().get(2, 0) == net.edges["way_id"].eq(2).sum()
    assert f"on 1 line (feature {row}: " in caplog.text, caplog.text
    assert "read as drawn anew, with an id of its own" in caplog.text

"""District layers of one's own, grid demand and demand totals (probe 17F).

* a name column of numbers with some demand outside every polygon crashed the outputs (the
  GeoPackage's join of text and integer names);
* a point on the boundary shared by two districts of a layer belonged to neither;
* ``--study-area 渝中区`` with a layer of one's own marked every district "outside";
* overlapping districts of a layer were resolved by file order without a word;
* ``grid:`` cells farther from every street than coverage snaps demand were counted and could
  never be covered;
* a demand weighing 1e27 crashed the map's number formatting.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from harbor_planner.cli import main
from harbor_planner.scenario import demo_scenario_path

DEMO = demo_scenario_path().parent
NETWORK = DEMO / "yuzhong_walk.osm.bz2"
#: The demo's stations straddle x = 106.565 (Yuzhong's middle).
SPLIT_LON = 106.565


def _coverage(tmp_path, *extra: str, out: str = "o", quiet: bool = True) -> tuple[int, object]:
    args = [*(["-q"] if quiet else []), "--no-progress", "coverage", "--network", str(NETWORK),
            "--no-range", "--walk-model", "flat", "--stations", str(DEMO / "stations.csv"),
            "--crs", "gcj02", "--out", str(tmp_path / out), *extra]  # fmt: skip
    return main(args), tmp_path / out


def _layer(tmp_path, name: str, names: list, boxes: list, suffix: str = ".gpkg"):
    path = tmp_path / f"{name}{suffix}"
    frame = gpd.GeoDataFrame({"name": names}, geometry=boxes, crs="EPSG:4326")
    frame.to_crs("EPSG:4544").to_file(path)  # another CRS than the network's
    return path


def _by_district(out) -> pd.DataFrame:
    return pd.read_csv(out / "by_district.csv", encoding="utf-8-sig", dtype={"district": str})


def test_numbered_districts_with_demand_outside_them_are_written(tmp_path, capsys):
    west = shapely.box(106.50, 29.50, SPLIT_LON, 29.60)
    east = shapely.box(SPLIT_LON, 29.50, 106.57, 29.60)  # leaves Yuzhong's east outside
    layer = _layer(tmp_path, "numbered", [1, 2], [west, east])
    code, out = _coverage(tmp_path, "--districts", str(layer), "--district-column", "name")
    assert code == 0, capsys.readouterr().err
    table = _by_district(out)
    assert set(table["district"]) == {"1", "2", "(outside the districts)"}
    assert table["demand_total"].sum() == pytest.approx(  # each to 3 decimals
        json.loads((out / "summary.json").read_text("utf-8"))["demand_total"], abs=0.01
    )
    drawn = gpd.read_file(out / "layers.gpkg", layer="districts")
    assert sorted(drawn["district"]) == ["1", "2"]  # joined to the table's figures
    assert drawn["coverage_pct"].notna().all()


def test_a_point_on_a_shared_boundary_goes_to_the_first_district(tmp_path, capsys):
    west = shapely.box(106.40, 29.45, SPLIT_LON, 29.65)
    east = shapely.box(SPLIT_LON, 29.45, 106.70, 29.65)
    layer = _layer(tmp_path, "halves", ["W", "E"], [west, east], suffix=".geojson")
    gpd.GeoDataFrame({"weight": np.ones(12)}, crs="EPSG:4326", geometry=gpd.points_from_xy(
        np.full(12, SPLIT_LON), np.linspace(29.552, 29.560, 12))).to_file(
        tmp_path / "on_boundary.geojson")  # fmt: skip
    code, out = _coverage(tmp_path, "--districts", str(layer), "--district-column", "name",
                          "--demand", f"points:{tmp_path / 'on_boundary.geojson'}")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    table = _by_district(out).set_index("district")
    # the layer was written in EPSG:4544 and is read back into lon/lat: the points may fall
    # a hair to either side, but each belongs to one of the two districts, never to none
    assert "(outside the districts)" not in table.index
    assert table["demand_total"].sum() == 12


@pytest.mark.parametrize("crs", ["EPSG:32648", "EPSG:4326"])
def test_a_boundary_point_goes_to_the_first_district_of_a_projected_layer(tmp_path, crs):
    """Probe 18P: with a planner's layer in metres and the points on its shared boundary in the
    same CRS, the test ran in WGS-84 after both were reprojected: rounding, not the layer's
    order, chose the side. Both orders of the layer, and stations on the boundary too."""
    import harbor_planner as hp

    x0, y0 = 651000.0, 3270000.0
    ticks = [200.0 * k for k in range(5)]
    lines = [shapely.LineString([(x0 + t, y0 + u) for t in ticks]) for u in ticks]
    lines += [shapely.LineString([(x0 + u, y0 + t) for t in ticks]) for u in ticks]
    streets = tmp_path / "grid.gpkg"
    gpd.GeoDataFrame({"highway": ["primary"] * len(lines)}, geometry=lines,
                     crs="EPSG:32648").to_file(streets)  # fmt: skip
    net = hp.build_network(streets, walk_model=hp.WalkModel(kind="flat"), progress=False)
    on_line = gpd.GeoSeries(
        gpd.points_from_xy(np.full(3, x0 + 400.0), [y0 + 100.0, y0 + 400.0, y0 + 700.0]),
        crs="EPSG:32648",
    ).to_crs(crs)
    if crs == "EPSG:4326":  # the boundary where the points lie, in degrees
        xb = float(on_line.x.iloc[0])
        on_line = gpd.GeoSeries(gpd.points_from_xy(np.full(3, xb), on_line.y), crs=crs)
        lo, hi = float(on_line.y.min()) - 0.01, float(on_line.y.max()) + 0.01
        bounds = [(xb - 0.01, lo, xb, hi), (xb, lo, xb + 0.01, hi)]
    else:
        lo, hi = y0 - 100, y0 + 900
        bounds = [(x0 - 100, lo, x0 + 400, hi), (x0 + 400, lo, x0 + 1100, hi)]
    halves = gpd.GeoDataFrame(
        {"name": ["West", "East"]}, geometry=[shapely.box(*b) for b in bounds], crs=crs
    )
    demand = gpd.GeoDataFrame({"weight": np.ones(3)}, geometry=on_line.to_numpy(), crs=crs)
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[on_line.iloc[1]], crs=crs)
    for layer in (halves, halves.iloc[::-1].reset_index(drop=True)):
        res = hp.coverage(net, stations, demand, minutes=15, districts=layer,
                          district_column="name")  # fmt: skip
        first = layer["name"].iloc[0]
        assert res.demand["district"].tolist() == [first] * 3, (crs, first)
        assert res.stations["district"].tolist() == [first], (crs, first)


def test_districts_of_ones_own_in_a_named_study_area_are_in_it(tmp_path, capsys):
    west = shapely.box(106.40, 29.45, SPLIT_LON, 29.65)
    east = shapely.box(SPLIT_LON, 29.45, 106.70, 29.65)
    layer = _layer(tmp_path, "halves", ["W", "E"], [west, east])
    code, out = _coverage(tmp_path, "--districts", str(layer), "--district-column", "name",
                          "--study-area", "渝中区")  # fmt: skip
    assert code == 0, capsys.readouterr().err
    table = _by_district(out).set_index("district")
    assert table.loc[["W", "E"], "status"].tolist() == ["study", "study"]
    marked = json.loads((out / "summary.json").read_text("utf-8"))["districts_marked"]
    assert marked == {}, marked  # nor is 渝中区 a row "without demand": not these districts


def test_overlapping_districts_are_warned_of(tmp_path, capsys):
    whole = shapely.box(106.40, 29.45, 106.70, 29.65)
    inner = shapely.box(106.55, 29.54, 106.58, 29.57)  # inside "Whole": found second
    layer = _layer(tmp_path, "nested", ["Whole", "Inner"], [whole, inner])
    code, out = _coverage(tmp_path, "--districts", str(layer), "--district-column", "name",
                          quiet=False)  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "overlap" in err and "Inner" in err and "Whole" in err, err
    assert "Inner" not in set(_by_district(out)["district"])  # its demand is Whole's, once


def test_grid_cells_beyond_the_snapping_distance_are_not_demand(tmp_path, capsys):
    from harbor_planner import build_network
    from harbor_planner.demand import grid_demand

    net = build_network(NETWORK, progress=False)
    cells = grid_demand(net, cell_m=500.0)
    centres = cells.points.to_crs(net.crs)
    dist = net.edge_tree.query_nearest(centres.geometry.to_numpy(), return_distance=True)[1]
    assert dist.max() <= 150.0  # the coverage's snapping distance
    assert cells.info["max_dist_m"] == 150.0
    wider = grid_demand(net, cell_m=500.0, max_dist_m=500.0)
    assert len(wider.points) > len(cells.points)  # the old rule kept cells never covered
    code, out = _coverage(tmp_path, "--demand", "grid:500")
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["demand_off_network"] == 0


def test_a_demand_weighing_beyond_any_count_is_refused_in_one_line(tmp_path, capsys):
    pts = gpd.GeoDataFrame(
        {"w": [1e27, 1.0]},
        crs="EPSG:4326",
        geometry=gpd.points_from_xy([106.57, 106.571], [29.557, 29.558]),
    )
    pts.to_file(tmp_path / "huge.geojson")
    code, out = _coverage(tmp_path, "--demand", f"points:{tmp_path / 'huge.geojson'}:w")
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "sum to 1e+27" in err and "scale them down" in err
    assert not out.exists()


def test_percentages_of_any_float_are_formatted():
    from harbor_planner._text import pct1

    assert pct1(1e27) == "1000000000000000000000000000.0"
    assert pct1(1.5e300).startswith("15")
    assert pct1(53.65) == "53.7"


def test_demand_in_no_district_is_no_district_in_the_chinese_report(tmp_path, capsys):
    """Probe 18R: the row of demand outside every district of a layer was shown in English in
    the zh report and workbook, and named the district of lowest coverage."""
    import openpyxl

    east = shapely.box(SPLIT_LON, 29.45, 106.70, 29.65)
    layer = _layer(tmp_path, "east", ["东片区"], [east])
    code, out = _coverage(tmp_path, "--districts", str(layer), "--district-column", "name")
    assert code == 0, capsys.readouterr().err
    assert "(outside the districts)" in set(_by_district(out)["district"])  # the data's key
    html = (out / "report.html").read_text("utf-8")
    assert "(outside the districts)" not in html and "（不在所给区县内）" in html
    assert "覆盖率最低的区县为" not in html  # one district compared: nothing to rank
    assert "东片区" in html
    wb = openpyxl.load_workbook(out / "report.xlsx")
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row]
    assert "(outside the districts)" not in cells and "（不在所给区县内）" in cells


def _run_layers(tmp_path, points_only: bool = False):
    """A GeoPackage like a run's ``layers.gpkg``: stations (points) first, then polygons."""
    path = tmp_path / "layers.gpkg"
    pts = gpd.GeoDataFrame(
        {"name": ["A", "B"]},
        geometry=gpd.points_from_xy([106.5380, 106.5707], [29.5497, 29.5559]),
        crs="EPSG:4326",
    )
    pts.to_file(path, layer="stations")
    if points_only:
        pts.to_file(path, layer="gaps")
        return path
    west = shapely.box(106.40, 29.45, SPLIT_LON, 29.65)
    east = shapely.box(SPLIT_LON, 29.45, 106.70, 29.65)
    whole = gpd.GeoDataFrame({"name": ["all"]}, geometry=[west.union(east)], crs="EPSG:4326")
    whole.to_file(path, layer="service_area")
    halves = gpd.GeoDataFrame({"district": ["W", "E"]}, geometry=[west, east], crs="EPSG:4326")
    halves.to_file(path, layer="districts")
    return path


def test_districts_of_a_run_layers_gpkg_are_its_districts_layer(tmp_path, capsys):
    """Probe 26P: the first layer (stations, points) was read: a traceback, or all "outside"."""
    layers = _run_layers(tmp_path)
    code, out = _coverage(tmp_path, "--districts", str(layers), quiet=False)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "read layer 'districts'" in err, err
    assert set(_by_district(out)["district"]) == {"W", "E"}


def test_districts_of_points_only_are_refused_naming_the_layers(tmp_path, capsys):
    layers = _run_layers(tmp_path, points_only=True)
    code, _ = _coverage(tmp_path, "--districts", str(layers))
    err = capsys.readouterr().err.strip()
    assert code == 3, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "layers.gpkg" in err and "no polygon layer" in err, err
    assert "'stations' (Point)" in err and "'gaps' (Point)" in err, err


def test_a_district_layer_holding_none_or_little_of_the_demand_is_warned_of(tmp_path, capsys):
    """Probe 27T, finding 6: a layer 1,200 km away (a wrong .prj) gave one silent row
    "(outside the districts)" in place of the district figures."""
    far = [shapely.box(116.40 + 0.05 * i, 39.90, 116.45 + 0.05 * i, 39.95) for i in range(2)]
    corner = [shapely.box(106.57, 29.55, 106.60, 29.57)]  # Yuzhong's east end: a small share
    west = shapely.box(106.40, 29.45, SPLIT_LON, 29.65)
    halves = [west, shapely.box(SPLIT_LON, 29.45, 106.70, 29.65)]
    runs = {}
    for name, names, boxes in (("beijing", ["A", "B"], far), ("corner", ["C"], corner),
                               ("halves", ["W", "E"], halves)):  # fmt: skip
        layer = _layer(tmp_path, name, names, boxes)
        code, out = _coverage(tmp_path, "--districts", str(layer), "--district-column", "name",
                              quiet=False, out=name)  # fmt: skip
        err = capsys.readouterr().err
        assert code == 0, err
        runs[name] = (_by_district(out).set_index("district")["demand_total"], err)
    table, err = runs["beijing"]
    assert list(table.index) == ["(outside the districts)"], table
    assert "no demand lies in any district of the district layer beijing.gpkg" in err, err
    assert "its CRS is the true one" in err, err
    table, err = runs["corner"]
    share = 100.0 * table["(outside the districts)"] / table.sum()
    assert 50.0 < share < 100.0, table
    said = f"{share:.1f} % of the demand lies outside every district of the district layer "
    assert said + "corner.gpkg" in err, err
    _, err = runs["halves"]  # every point in a district: no word
    assert "outside every district" not in err and "no demand lies" not in err, err


def test_unnamed_districts_are_refused_before_any_work(tmp_path, capsys):
    """Probe 27T, finding 6: a district with a NULL name had its demand put in "(outside the
    districts)", and districts named "" or " " became rows without a name, without a word;
    ``run.partition`` refuses the same layer. Refused in one line naming the features."""
    boxes = [shapely.box(106.50 + 0.02 * i, 29.50, 106.52 + 0.02 * i, 29.60) for i in range(4)]
    layer = _layer(tmp_path, "unnamed", ["A", None, "", " "], boxes)
    code, out = _coverage(tmp_path, "--districts", str(layer), "--district-column", "name",
                          quiet=False)  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err, err
    assert "unnamed.gpkg: the district layer: 3 district(s) without a name in column 'name' " \
        "(feature(s) 2, 3, 4)" in err and "name every district" in err, err  # fmt: skip
    assert "stations:" not in err and not out.exists(), err  # refused before any work

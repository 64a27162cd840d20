from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from harbor_planner.cli import main
from harbor_planner.coords import gcj02_to_wgs84
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.stations import (
    PROBLEM_COLUMNS,
    STATUS_VALUES,
    StationCheck,
    read_stations,
    write_station_check,
)

DATA = Path(__file__).parent / "data" / "stations"
GEODATA = Path(__file__).resolve().parents[1].parent / "shared" / "geodata"
YUZHONG = GEODATA / "yuzhong"
CHONGQING = GEODATA / "chongqing"

SCHEMA_HEAD = [
    "row",
    "sheet",
    "station_id",
    "name",
    "district",
    "address",
    "status",
    "flagship",
    "area_m2",
]
SCHEMA_TAIL = ["lon_orig", "lat_orig", "crs_orig", "adcode", "district_zh", "geometry"]


def shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared geodata not found at {path} (only on developer machines and CI)")
    return path


def codes_by_row(check: StationCheck) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for row, code in check.problems[["row", "code"]].dropna().itertuples(index=False):
        out.setdefault(int(row), set()).add(code)
    return out


def assert_schema(gdf: gpd.GeoDataFrame) -> None:
    cols = list(gdf.columns)
    assert cols[: len(SCHEMA_HEAD)] == SCHEMA_HEAD
    assert cols[-len(SCHEMA_TAIL) :] == SCHEMA_TAIL
    assert gdf.crs.to_epsg() == 4326
    assert gdf["row"].dtype == np.int64
    assert str(gdf["flagship"].dtype) == "boolean"
    assert gdf["area_m2"].dtype == np.float64
    assert set(gdf["status"].dropna()) <= set(STATUS_VALUES)
    assert (gdf.geometry.geom_type == "Point").all()


# --------------------------------------------------------------------------- formats


def test_gbk_csv_with_title_row():
    check = read_stations(DATA / "gbk.csv", crs="gcj02")
    assert check.ok and check.problems.empty
    s = check.stations
    assert_schema(s)
    assert s["row"].tolist() == [3, 4, 5, 6]  # title row 1, header row 2
    assert s["name"].iloc[0] == "渝工港湾（一号）"
    assert s["status"].tolist() == ["existing", "building", "proposed", "candidate"]
    assert s["flagship"].tolist()[:3] == [True, False, False]
    assert pd.isna(s["flagship"].iloc[3])
    assert s["area_m2"].iloc[0] == 40.0 and np.isnan(s["area_m2"].iloc[2])
    assert (s["crs_orig"] == "gcj02").all()
    assert s["lon_orig"].iloc[0] == 106.57  # original kept
    lon, lat = gcj02_to_wgs84(106.57, 29.556)
    assert s.geometry.x.iloc[0] == pytest.approx(float(lon), abs=1e-9)
    assert s.geometry.y.iloc[0] == pytest.approx(float(lat), abs=1e-9)
    assert (s["adcode"] == "500103").all() and (s["district_zh"] == "渝中区").all()


def test_utf8_bom_csv_equals_gbk():
    a = read_stations(DATA / "gbk.csv", crs="gcj02").stations
    b = read_stations(DATA / "utf8_bom.csv", crs="gcj02").stations
    assert b["row"].tolist() == [2, 3, 4, 5]
    pd.testing.assert_frame_equal(
        a.drop(columns=["row", "geometry"]), b.drop(columns=["row", "geometry"])
    )


def test_utf8_csv_english_headers_and_extra_columns():
    check = read_stations(DATA / "utf8.csv", crs="wgs84")
    s = check.stations
    assert_schema(s)
    assert "note" in s.columns and s["note"].iloc[0] == "near mall"
    assert s["status"].tolist() == ["existing", "closed"]
    assert s["flagship"].tolist() == [True, False]
    assert s.geometry.x.iloc[0] == 106.571  # WGS-84 is not shifted
    assert check.problems.empty  # "Yuzhong" and "Yuzhong District" match 渝中区


def test_xlsx_all_sheets_by_default():
    check = read_stations(DATA / "two_sheets.xlsx", crs="gcj02")
    s = check.stations
    assert_schema(s)
    assert s["sheet"].tolist() == ["已建成", "已建成", "拟建", "拟建"]
    assert s["row"].tolist() == [3, 4, 2, 3]
    assert s["status"].tolist() == ["existing", "building", "proposed", "proposed"]
    assert s["station_id"].tolist()[2:] == ["101", "102"]  # Excel numbers as text ids
    skipped = check.problems[check.problems["code"] == "sheet_skipped"]
    assert skipped["sheet"].tolist() == ["说明"]
    assert check.ok


def test_xlsx_named_sheet_and_unknown_sheet():
    check = read_stations(DATA / "two_sheets.xlsx", crs="gcj02", sheet="拟建")
    assert check.stations["sheet"].unique().tolist() == ["拟建"]
    with pytest.raises(InputDataError, match=r"no sheet named 'nope'.*'已建成', '拟建', '说明'"):
        read_stations(DATA / "two_sheets.xlsx", crs="gcj02", sheet="nope")
    with pytest.raises(InputDataError, match="no longitude/latitude columns"):
        read_stations(DATA / "two_sheets.xlsx", crs="gcj02", sheet="说明")


def test_geojson_claiming_epsg4326_needs_a_stated_datum():
    with pytest.raises(CRSError, match=r"amap_export\.geojson.*EPSG:4326.*gcj02"):
        read_stations(DATA / "amap_export.geojson")
    check = read_stations(DATA / "amap_export.geojson", crs="gcj02")
    assert_schema(check.stations)
    assert check.stations["station_id"].tolist() == ["G1", "G2"]
    assert check.stations.geometry.x.iloc[0] < 106.57  # shifted back west
    assert "geometry_wkt" not in check.stations.columns
    assert codes_by_row(check) == {3: {"geometry_not_point"}, 4: {"coord_missing"}}
    assert check.rejected["row"].tolist() == [3, 4]
    assert check.rejected["geometry_wkt"].iloc[0].startswith("POLYGON")


def test_geopackage_in_utm_uses_the_file_crs():
    check = read_stations(DATA / "utm.gpkg")
    s = check.stations
    assert check.crs.name == "EPSG:32648"
    assert (s["crs_orig"] == "EPSG:32648").all()
    assert s["lon_orig"].iloc[0] > 600_000
    assert s.geometry.x.iloc[0] == pytest.approx(106.57, abs=1e-7)
    with pytest.raises(CRSError, match="projected"):
        read_stations(DATA / "utm.gpkg", crs="gcj02")


def test_shapefile_with_and_without_crs():
    s = read_stations(DATA / "wgs84.shp", crs="wgs84").stations
    assert s["name"].tolist() == ["甲", "乙"]
    with pytest.raises(CRSError, match=r"no_crs\.shp.*no coordinate system"):
        read_stations(DATA / "no_crs.shp")
    assert len(read_stations(DATA / "no_crs.shp", crs="wgs84").stations) == 2


def test_crs_is_required_for_tables():
    with pytest.raises(CRSError, match=r"gbk\.csv.*gcj02.*AMap"):
        read_stations(DATA / "gbk.csv")
    with pytest.raises(CRSError, match="unknown CRS"):
        read_stations(DATA / "gbk.csv", crs="nonsense")


def test_unreadable_inputs(tmp_path):
    with pytest.raises(InputDataError, match="station file not found"):
        read_stations(tmp_path / "missing.csv", crs="wgs84")
    odd = tmp_path / "stations.dat"
    odd.write_text("x")
    with pytest.raises(InputDataError, match="unknown file type"):
        read_stations(odd, crs="wgs84")
    nocoords = tmp_path / "nocoords.csv"
    nocoords.write_text("编号,名称\nA,甲\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"nocoords\.csv.*经度/纬度"):
        read_stations(nocoords, crs="wgs84")
    latin = tmp_path / "binary.csv"
    latin.write_bytes(b"\x81\x30\xff\xfe\x00lon,lat\n")
    with pytest.raises(InputDataError):
        read_stations(latin, crs="wgs84")


def test_semicolon_csv_and_ambiguous_columns(tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text("name;经度;纬度;x\nA;106.57;29.556;1\n", encoding="utf-8")
    check = read_stations(p, crs="wgs84")
    assert check.stations["lon_orig"].iloc[0] == 106.57
    assert check.stations["x"].iloc[0] == "1"  # kept as an extra column
    assert "ambiguous_column" in set(check.problems["code"])


# --------------------------------------------------------------------------- validation

EXPECTED_PROBLEMS = {
    2: {"duplicate_id"},
    3: {"coord_missing"},
    4: {"coord_not_numeric"},
    5: {"latlon_swapped"},
    6: {"outside_chongqing"},
    7: {"duplicate_id"},
    8: {"duplicate_location"},
    9: {"status_unknown"},
    10: {"name_missing"},
    11: {"district_mismatch"},
    12: {"flagship_unknown", "area_not_numeric"},
    14: {"coord_out_of_range"},
}


def test_every_problem_is_collected_with_its_row_and_column():
    check = read_stations(DATA / "problems.csv", crs="wgs84")
    assert codes_by_row(check) == EXPECTED_PROBLEMS
    assert list(check.problems.columns) == list(PROBLEM_COLUMNS)
    p = check.problems.set_index("code")
    assert p.loc["coord_not_numeric", "column"] == "经度"
    assert "106.5x" in p.loc["coord_not_numeric", "message"]
    assert p.loc["status_unknown", "column"] == "状态"
    assert p.loc["coord_out_of_range", "column"] == "纬度"
    assert "rows 2, 7" in check.problems.loc[check.problems["row"] == 2, "message"].iloc[0]
    assert "row 2" in p.loc["duplicate_location", "message"]
    assert "江北区" in p.loc["district_mismatch", "message"]
    # errors reject rows, warnings keep them
    assert sorted(check.rejected["row"]) == [2, 3, 4, 5, 6, 7, 9, 14]
    assert sorted(check.stations["row"]) == [8, 10, 11, 12, 13]
    assert not check.ok
    assert len(check.errors) == 8 and len(check.warnings) == 5


def test_rejected_rows_are_kept_as_read():
    check = read_stations(DATA / "problems.csv", crs="wgs84")
    r = check.rejected.set_index("row")
    assert r.loc[4, "经度"] == "106.5x"
    assert r.loc[9, "状态"] == "已完成"
    assert "status_unknown" not in r.loc[9, "problems"]  # messages, not codes
    assert "已完成" in r.loc[9, "problems"]
    assert len(check.stations) + len(check.rejected) == 13  # no row lost


def test_strict_raises_naming_file_and_rows():
    with pytest.raises(InputDataError, match=r"problems\.csv: 8 errors") as exc:
        read_stations(DATA / "problems.csv", crs="wgs84", strict=True)
    text = str(exc.value)  # one line: the count, the first error, where to see them all
    assert "the first at row 2, column 编号: id 'P01' is used on rows 2, 7" in text
    assert "\n" not in text and "harbor-planner stations check problems.csv" in text
    assert "106.5x" in read_stations(DATA / "problems.csv", crs="wgs84").format_problems()
    read_stations(DATA / "gbk.csv", crs="gcj02", strict=True)  # clean file: no error


def test_extent_options():
    box = (106.50, 29.50, 106.575, 29.60)  # row 13 (P12) at 106.58 lies east of it
    check = read_stations(DATA / "problems.csv", crs="wgs84", extent=box)
    rows = codes_by_row(check)
    assert rows[13] == {"outside_extent"}
    assert 6 in rows and "outside_chongqing" not in rows[6]
    none = read_stations(DATA / "problems.csv", crs="wgs84", extent=None)
    assert 6 not in codes_by_row(none)
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(*box)], crs="EPSG:4326").to_crs(32648)
    assert codes_by_row(read_stations(DATA / "problems.csv", crs="wgs84", extent=gdf))[13] == {
        "outside_extent"
    }


def test_format_problems_table():
    check = read_stations(DATA / "problems.csv", crs="wgs84")
    text = check.format_problems()
    lines = text.splitlines()
    assert lines[0].split() == ["row", "column", "severity", "code", "message"]
    assert len(lines) == 1 + len(check.problems)
    assert "... and" in check.format_problems(max_rows=3)
    assert "8 rejected" in check.summary()


# --------------------------------------------------------------------------- output


def test_write_station_check_atomic_and_complete(tmp_path):
    check = read_stations(DATA / "problems.csv", crs="wgs84")
    out = write_station_check(check, tmp_path / "out.gpkg")
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"stations", "rejected", "problems"}
    st = gpd.read_file(out, layer="stations")
    rej = pyogrio.read_dataframe(out, layer="rejected", read_geometry=False)
    assert len(st) + len(rej) == 13
    assert sorted(rej["row"].astype(int)) == [2, 3, 4, 5, 6, 7, 9, 14]
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]  # no temp file left
    with pytest.raises(InputDataError, match="GeoPackage"):
        write_station_check(check, tmp_path / "out.csv")


# --------------------------------------------------------------------------- CLI


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_check_reports_problems_and_exit_code(capsys, tmp_path):
    before = sha(DATA / "problems.csv")
    out = tmp_path / "checked.gpkg"
    code = main(
        ["stations", "check", str(DATA / "problems.csv"), "--crs", "wgs84", "--out", str(out)]
    )
    captured = capsys.readouterr()
    assert code == 3
    assert "coord_not_numeric" in captured.out and "106.5x" in captured.out
    assert "8 errors" in captured.err
    assert out.exists()
    assert sha(DATA / "problems.csv") == before  # input untouched


def test_cli_check_refuses_an_output_that_is_no_geopackage_before_the_check(capsys, tmp_path):
    """Probe 25E: ``--out x.csv`` ran the whole check, printed it, then failed with exit 3."""
    out = tmp_path / "checked.csv"
    argv = ["stations", "check", str(DATA / "problems.csv"), "--crs", "wgs84", "--out", str(out)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "expected a .gpkg file name" in captured.err
    assert not out.exists()


def test_cli_clean_file_exits_zero(capsys):
    assert main(["stations", "check", str(DATA / "two_sheets.xlsx"), "--crs", "gcj02"]) == 0
    out = capsys.readouterr().out
    assert "4 stations kept" in out


def test_cli_missing_crs_is_a_one_line_error(capsys):
    assert main(["stations", "check", str(DATA / "gbk.csv")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("harbor-planner: error:") and "--crs" in err


def test_cli_subprocess_no_traceback(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "harbor_planner", "stations", "check", str(DATA / "problems.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 3
    assert "Traceback" not in res.stderr
    assert "crs" in res.stderr
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "harbor_planner",
            "stations",
            "check",
            str(DATA / "problems.csv"),
            "--crs",
            "wgs84",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 3
    assert "Traceback" not in res.stderr
    assert "latlon_swapped" in res.stdout


# --------------------------------------------------------------------------- shared data


@pytest.mark.realdata
def test_shared_gbk_csv():
    check = read_stations(shared(YUZHONG / "stations_illustrative_gbk.csv"), crs="gcj02")
    assert check.ok
    s = check.stations
    assert_schema(s)
    assert len(s) == 28
    assert (s["status"] == "existing").all()
    assert (s["adcode"] == "500103").all()
    assert "类型" in s.columns  # other columns kept
    assert s["flagship"].notna().all()


@pytest.mark.realdata
def test_shared_xlsx_two_sheets():
    check = read_stations(shared(YUZHONG / "stations_illustrative.xlsx"), crs="gcj02")
    assert check.ok
    s = check.stations
    assert s.groupby("sheet").size().to_dict() == {"已建成": 28, "拟建": 14}
    assert s.groupby("status").size().to_dict() == {"existing": 28, "proposed": 14}
    assert s["station_id"].is_unique


@pytest.mark.realdata
def test_shared_bus_stops_flag_other_cities():
    path = shared(CHONGQING / "bus_stops_gcj02.csv")
    check = read_stations(path, crs="gcj02")
    raw = pd.read_csv(path)
    assert len(check.stations) + len(check.rejected) == len(raw) == 3431
    outside = check.problems[check.problems["code"] == "outside_chongqing"]
    flagged_rows = set(outside["row"].astype(int))
    # rows geocoded into other cities (e.g. lon 113 Dongguan, lon 108+ far north) are flagged
    other_city = raw.index[(raw["lon"] > 112) | (raw["lon"] < 105) | (raw["lat"] > 33)] + 2
    assert set(other_city) <= flagged_rows
    assert 5 <= len(flagged_rows) <= 40
    assert set(check.rejected["row"]) == flagged_rows
    assert (check.stations["adcode"].str.startswith("50")).all()


# --------------------------------------------------------------------------- placing


@pytest.fixture(scope="module")
def yuzhong_network():
    from harbor_planner.network import build_network

    return build_network(shared(YUZHONG / "walk.osm"), progress=False)


@pytest.mark.realdata
def test_place_stations_on_walk_network(yuzhong_network):
    from harbor_planner.stations import merge_placement, place_stations

    check = read_stations(shared(YUZHONG / "stations_illustrative.xlsx"), crs="gcj02")
    placed = place_stations(check.stations, yuzhong_network, max_dist_m=150)
    s = placed.stations
    for col in ("snap_node", "snap_node_dist_m", "snap_edge", "snap_edge_frac", "snap_dist_m"):
        assert col in s.columns and s[col].notna().all()
    assert s["row"].tolist() == check.stations["row"].tolist()  # order kept
    assert s["snap_dist_m"].median() < 15  # at bus stops: on the street
    assert placed.datum is not None and not placed.datum.shifted
    assert "datum_shift_suspected" not in set(placed.problems["code"])
    far = placed.problems[placed.problems["code"] == "far_from_network"]
    assert len(far) == (~s["on_network"]).sum() == len(placed.far)
    merged = merge_placement(check, placed)
    assert "snap_dist_m" in merged.stations.columns


@pytest.mark.realdata
def test_place_stations_flags_far_stations_and_suggests_gcj02(yuzhong_network, caplog):
    from harbor_planner.stations import place_stations

    # AMap coordinates wrongly declared as WGS-84: off the streets, suggest --crs gcj02
    check = read_stations(shared(YUZHONG / "stations_illustrative.xlsx"), crs="wgs84")
    placed = place_stations(check.stations, yuzhong_network, max_dist_m=20)
    assert placed.datum is not None and placed.datum.suggested == "gcj02"
    shift = placed.problems[placed.problems["code"] == "datum_shift_suspected"]
    assert len(shift) == 1 and "--crs gcj02" in shift["message"].iloc[0]
    assert (~placed.stations["on_network"]).sum() > 10
    assert "far_from_network" in set(placed.problems["code"])


@pytest.mark.realdata
def test_cli_check_with_network(capsys, tmp_path):
    osm = shared(YUZHONG / "walk.osm")
    out = tmp_path / "placed.gpkg"
    argv = ["--no-progress", "stations", "check",
            str(shared(YUZHONG / "stations_illustrative_gbk.csv")), "--crs", "wgs84",
            "--network", str(osm), "--out", str(out)]  # fmt: skip
    code = main(argv)
    captured = capsys.readouterr()
    text = captured.out
    # the datum guard: an error (exit 3) naming gcj02, after the table; no file of stations
    # placed in the refused datum (it is written with --accept-datum)
    assert code == 3 and "as gcj02" in captured.err
    assert "datum_shift_suspected" in text and "--crs gcj02" in text
    assert not out.exists()
    argv.append("--accept-datum")
    assert main(argv) == 0
    st = gpd.read_file(out, layer="stations")
    assert {"snap_dist_m", "on_network"} <= set(st.columns)


def test_check_with_network_of_a_list_whose_every_row_is_rejected(tmp_path, capsys):
    """Probe 23E: `stations check --network` of a list whose every row was rejected (DMS
    coordinates, formulas without values, all swapped) crashed with a numpy traceback (exit
    1) instead of printing the table of errors."""
    from harbor_planner.scenario import demo_scenario_path

    src = tmp_path / "bad.csv"
    src.write_text("名称,经度,纬度,状态\nA,abc,29.55,已建成\nB,,29.56,已建成\n", "utf-8")
    net = demo_scenario_path().parent / "yuzhong_walk.osm.bz2"
    code = main(["-q", "--no-progress", "stations", "check", str(src), "--crs", "gcj02",
                 "--network", str(net)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 3 and "Traceback" not in captured.err
    assert "coord_not_numeric" in captured.out and "coord_missing" in captured.out
    assert captured.err.count("\n") == 1


def test_an_id_used_on_two_sheets_names_the_sheets(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "站点"
    other = wb.create_sheet("备用")
    for sheet, name, x in ((ws, "甲", 106.55), (other, "乙", 106.56)):
        sheet.append(["编号", "名称", "经度", "纬度"])
        sheet.append(["A", name, x, 29.55])
    wb.save(tmp_path / "two.xlsx")
    check = read_stations(tmp_path / "two.xlsx", crs="gcj02")
    assert set(check.errors["message"]) == {
        "id 'A' is used on rows 站点!2, 备用!2; give each station its own id"
    }


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_units_and_note_rows_are_skipped_with_a_warning(tmp_path, suffix):
    """A units row under the header, a note under it and a footnote are no stations."""
    rows = [
        ["站点名称", "经度", "纬度", "状态"],
        [None, "（度）", "（度）", None],
        ["填表说明：坐标为高德坐标", None, None, None],
        ["渝中一号", 106.5712, 29.5573, "已建成"],
        ["注释站", 106.5801, 29.5602, "在建"],  # a station named 注...: kept
        ["渝中三号", None, None, "拟建"],  # a real station without coordinates: an error
        [None, None, None, "注：数据截至2025年6月"],
    ]
    path = tmp_path / f"units{suffix}"
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    if suffix == ".csv":
        frame.to_csv(path, index=False, encoding="gbk")
    else:
        frame.to_excel(path, index=False)
    check = read_stations(path, crs="gcj02")
    assert check.stations["name"].tolist() == ["渝中一号", "注释站"]
    codes = codes_by_row(check)
    assert codes[2] == {"units_row"} and codes[3] == {"note_row"} and codes[7] == {"note_row"}
    assert "coord_missing" in codes[6]  # still reported
    msg = check.problems.set_index("row").loc[3, "message"]
    assert "填表说明：坐标为高德坐标" in msg and "skipped" in msg
    # a units row further down is data gone wrong, not skipped
    late = pd.DataFrame([rows[3], rows[1]], columns=rows[0])
    late.to_csv(tmp_path / "late.csv", index=False)
    assert "units_row" not in set(
        read_stations(tmp_path / "late.csv", crs="gcj02").problems["code"]
    )


def test_apostrophes_never_quote_and_separators_survive_a_title_line(tmp_path):
    """Phone numbers as '138... and an English possessive: 7 rows stay 7 (probe 13C: the
    sniffer took ' for the quote and merged them into 3, silently); a semicolon or tab file
    under a title line without separators is read by its own separator."""
    rows = ["编号,名称,英文名,经度,纬度,状态,联系电话"]
    names = ["Jiefangbei", "Couriers' Harbour", "Daping", "Drivers'", "Lianglukou", "x", "y"]
    for i, en in enumerate(names):
        rows.append(f"S{i},港湾{i},{en},{106.53 + i * 0.004:.6f},29.55,已建成,'1380000000{i}")
    (tmp_path / "phone.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    s = read_stations(tmp_path / "phone.csv", crs="gcj02").stations
    assert s["station_id"].tolist() == [f"S{i}" for i in range(7)]
    assert s.geometry.x.is_monotonic_increasing
    for sep in (";", "\t"):
        text = "渝中区 示意站点\n" + "\n".join(
            sep.join(["编号", "名称", "经度", "纬度"]) if i == 0
            else sep.join([f"S{i}", f"站{i}", f"{106.53 + i * 0.004:.6f}", "29.55"])
            for i in range(4)
        ) + "\n"  # fmt: skip
        (tmp_path / "sep.csv").write_text(text, encoding="utf-8")
        check = read_stations(tmp_path / "sep.csv", crs="gcj02")
        assert check.stations["station_id"].tolist() == ["S1", "S2", "S3"], sep


@pytest.mark.parametrize("closing", ['5"寸', ""], ids=["quote-rows-later", "no-closing-quote"])
def test_an_unclosed_double_quote_is_refused_naming_its_line(tmp_path, closing):
    """Probe 16B: a name typed with an opening " ran on to the next " of the file (an inch
    mark 6 rows later): 5 stations vanished into one name, which took the coordinates and
    status of a later row, exit 0 and "no problems"; without a second quote the rest of the
    file became one cell and the message said "no coordinates". A line break inside a quoted
    cell (an address on two lines) is still read."""
    rows = ["编号,名称,经度,纬度,状态"]
    for i in range(12):
        name = f"港湾{i}"
        name = '"' + name if i == 3 else name + closing if i == 9 else name
        rows.append(f"S{i},{name},{106.53 + i * 0.001:.6f},29.55,已建成")
    (tmp_path / "q.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"row 5: a double quote opens a cell that runs"):
        read_stations(tmp_path / "q.csv", crs="gcj02")
    rows[4] = 'S3,"港湾3\n(临时, 东侧)",106.533000,29.55,已建成'
    rows[10] = "S9,港湾9,106.539000,29.55,已建成"
    (tmp_path / "ok.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    s = read_stations(tmp_path / "ok.csv", crs="gcj02").stations
    assert len(s) == 12 and s["name"].iloc[3] == "港湾3\n(临时, 东侧)"


def _with_merges(path: Path, refs: list[str]) -> Path:
    """``path`` (an openpyxl workbook) with these merged ranges written into its sheet XML."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {k: z.read(k) for k in z.namelist()}
    cells = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
    xml = f'<mergeCells count="{len(refs)}">{cells}</mergeCells>'.encode()
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", b"</sheetData>" + xml, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in parts.items():
            z.writestr(k, v)
    return path


def test_hostile_merged_ranges_are_clipped_to_the_table(tmp_path):
    """Probe 16B: a merged range G2:XFD15001 widened each of 15,000 rows to 16,384 cells
    (4 GB), and 3,000 copies of G2:G1048576 looped over a million rows each; ranges now stop
    at the sheet's rows and columns, and ranges overlapping one read before (Excel refuses
    them) are left out with a warning."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "经度", "纬度", "状态", "备注"])
    for i in range(300):
        ws.append([f"S{i}", f"站{i}", 106.50 + i * 3e-4, 29.55, "已建成", "x" if i < 3 else None])
    wb.save(tmp_path / "m.xlsx")
    refs = ["F2:XFD301", *["F2:F1048576"] * 200, "F3:F1048576", "F4:F9"]
    check = read_stations(_with_merges(tmp_path / "m.xlsx", refs), crs="gcj02")
    s = check.stations
    assert len(s) == 300 and (s["备注"] == "x").all()
    assert not any(str(c).startswith("column_") for c in s.columns)  # no 16,384 columns
    merged = check.problems[check.problems["code"] == "merged_cells"]
    assert merged["message"].str.contains("overlapping another").sum() == 3
    assert merged["message"].str.contains("read into each of its rows").sum() == 1


def test_merged_status_cells_give_every_row_their_status(tmp_path):
    """状态 在建 merged over three rows: all three are under construction, not "no status"
    counted as built (probe 13C: the built headline 41.1 % -> 55.4 %)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "经度", "纬度", "状态"])
    for i in range(6):
        ws.append(
            [
                f"S{i}",
                f"站{i}",
                106.53 + i * 0.004,
                29.55,
                "已建成" if i < 2 else ("在建" if i == 2 else ("拟建" if i == 5 else None)),
            ]
        )
    ws.merge_cells("E4:E6")  # 在建 over S2-S4
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    check = read_stations(path, crs="gcj02")
    assert check.stations["status"].tolist() == ["existing"] * 2 + ["building"] * 3 + ["proposed"]
    merged = check.problems[check.problems["code"] == "merged_cells"]
    assert merged["row"].tolist() == [4] and "在建" in merged["message"].iloc[0]


def test_ids_made_formula_safe_survive_a_round_trip_through_our_csv(tmp_path):
    """An id =A1 is written '=A1 (no formula in Excel) and read back as =A1, not '=A1."""
    from harbor_planner.stations import register_table
    from harbor_planner.stations.register import write_register

    path = tmp_path / "s.csv"
    path.write_text("编号,名称,经度,纬度\n=A1,+站,106.55,29.55\n@x,-y,106.56,29.55\n", "utf-8")
    first = read_stations(path, crs="gcj02").stations
    assert first["station_id"].tolist() == ["=A1", "@x"] and first["name"].tolist() == ["+站", "-y"]
    table = register_table(first.assign(unified_code=["A", "B"]))
    write_register(table, tmp_path / "r.csv")
    assert "'=A1" in (tmp_path / "r.csv").read_text("utf-8-sig")  # safe in Excel
    again = read_stations(tmp_path / "r.csv", crs="gcj02").stations
    assert again["station_id"].tolist() == ["=A1", "@x"]
    assert again["name"].tolist() == ["+站", "-y"]


def test_stations_without_a_status_count_as_built_for_a_status_filter(tmp_path):
    """Probe 15T: a list without a 状态 column is "counted as built", yet --status existing
    (and the bundled scenarios' existing+building filter) left none of its stations."""
    from harbor_planner.stations import select_status

    path = tmp_path / "s.csv"
    path.write_text("编号,名称,经度,纬度\nA,甲,106.57,29.55\nB,乙,106.58,29.56\n", encoding="utf-8")
    st = read_stations(path, crs="gcj02").stations
    assert select_status(st, ["existing", "building"])["station_id"].tolist() == ["A", "B"]
    assert select_status(st, "existing")["station_id"].tolist() == ["A", "B"]
    with pytest.raises(InputDataError, match="no stations left"):
        select_status(st, "proposed")
    mixed = st.assign(status=["proposed", None])
    assert select_status(mixed, "existing")["station_id"].tolist() == ["B"]
    # the words the files use are the statuses too (probe 19W: --status 已建成 was refused)
    assert select_status(mixed, "已建成")["station_id"].tolist() == ["B"]
    assert select_status(mixed, ["拟建", "在建"])["station_id"].tolist() == ["A"]
    with pytest.raises(InputDataError, match=r"unknown; known: existing \(已建成\)"):
        select_status(mixed, "建好了")


def test_candidates_left_out_by_default_are_warned_of(caplog):
    """Probe 19Z: a plan saved by serve with 12 sites as 候选 said 89.84 % on the page and
    58.89 % in a CLI run of the same file; only an INFO line said "using 14 of 26"."""
    import logging

    import geopandas as gpd

    from harbor_planner.stations import select_status

    st = gpd.GeoDataFrame({"station_id": ["a", "b", "c", "d"],
                           "status": ["existing", "candidate", "candidate", "closed"]},
                          geometry=gpd.points_from_xy([0] * 4, [0] * 4), crs=4326)  # fmt: skip
    with caplog.at_level(logging.WARNING):
        assert select_status(st, None)["station_id"].tolist() == ["a"]
    assert "2 candidate station(s) (候选) left out" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        select_status(st, "existing,candidate")
        select_status(st.iloc[[0, 3]], None)  # closed ones alone: as expected, no warning
    assert caplog.text == ""


def test_status_words_are_taken_by_the_option_and_the_scenario(capsys):
    """Probe 19W: `--status 已建成` and `stations.status = ["已建成"]` were refused, though the
    station files and the README write the statuses so."""
    from harbor_planner.cli import _build_parser
    from harbor_planner.cli._options import stations_settings
    from harbor_planner.errors import UsageError
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    parser = _build_parser()
    common = ["coverage", "--network", "n.npz", "--stations", "s.csv", "--out", "o"]
    args = parser.parse_args([*common, "--status", "已建成,在建,existing"])
    assert stations_settings(args)["status"] == ["existing", "building"]
    with pytest.raises(UsageError, match="known: existing"):
        stations_settings(parser.parse_args([*common, "--status", "built?"]))
    sc = load_scenario(demo_scenario_path(), overrides=['stations.status=["已建成", "拟建"]'])
    assert sc.stations.status == ["existing", "proposed"]


def test_duplicate_locations_equal_a_brute_force_check(tmp_path):
    """Each row less than 5 m from an earlier row gets one warning naming an earlier row
    within 5 m; the others none (checked against all pairs, on clustered random points)."""
    from pyproj import Transformer

    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 400, size=(40, 2))
    xy = centres[rng.integers(0, 40, 300)] + rng.normal(0, 3, size=(300, 2))
    xy[::17] = xy[0]  # a few rows at one point, as a placeholder
    to_ll = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(640000 + xy[:, 0], 3270000 + xy[:, 1])
    path = tmp_path / "s.csv"
    table = {"id": [f"S{i}" for i in range(300)], "名称": "站", "经度": lon, "纬度": lat}
    pd.DataFrame(table).to_csv(path, index=False)
    check = read_stations(path, crs="wgs84")
    dup = check.problems[check.problems["code"] == "duplicate_location"]
    row = np.arange(300) + 2
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    mx, my = to_utm.transform(np.round(lon, 7), np.round(lat, 7))  # as the file holds them
    d = np.hypot(mx[:, None] - mx[None], my[:, None] - my[None])
    earlier = (d < 5.0) & (np.arange(300)[None] < np.arange(300)[:, None])
    assert sorted(dup["row"]) == list(row[earlier.any(axis=1)])
    assert dup["row"].is_unique  # one warning per row
    for r, message in zip(dup["row"], dup["message"], strict=True):
        named = int(message.split("from row ")[1].split()[0].rstrip(":"))
        assert named < r and d[r - 2, named - 2] < 5.0, message
    assert (dup["message"].str.contains(f"{len(xy[::17]):,} rows share this point")).sum() == 17


def test_ten_thousand_rows_at_one_placeholder_point_give_one_warning_each(tmp_path):
    """Probe 16B: every pair was a warning (10,000 rows: 50 million strings, MemoryError)."""
    path = tmp_path / "same.csv"
    n = 10_000
    frame = pd.DataFrame({"id": [f"S{i}" for i in range(n)], "名称": "站", "经度": 106.55,
                          "纬度": 29.56})  # fmt: skip
    frame.to_csv(path, index=False)
    check = read_stations(path, crs="wgs84")
    dup = check.problems[check.problems["code"] == "duplicate_location"]
    assert len(dup) == n - 1 and set(dup["row"]) == set(range(3, n + 2))
    assert dup["message"].iloc[0] == (
        "0.0 m from row 2: 10,000 rows share this point (a placeholder?); check them"
    )


def test_stations_without_ids_are_told_apart_by_their_rows(diamond, pts, caplog):
    """Probe 19X: a `name,lon,lat` list (no id column) with one station far from the streets
    crashed (pandas 3 keeps NaN through ``astype(str)``: "expected str instance, float
    found"); the demand's nearest station and the isochrones' station were empty."""
    import logging

    import numpy as np

    import harbor_planner as hp
    from harbor_planner.stations.keys import station_keys

    st = pts((25, 3), (100, 50), (90000, 90000)).assign(
        row=[2, 3, 4], sheet=pd.NA, name=["甲站", "乙站", "远方站"]
    )
    st["station_id"] = pd.Series([np.nan, "B7", np.nan], dtype="str")  # as the reader gives it
    assert station_keys(st).tolist() == ["row 2", "B7", "row 4"]
    assert station_keys(st.assign(sheet=["S1", "S1", "S2"])).tolist()[0] == "S1 row 2"
    demand = pts((50, 0), (150, 0), (0, 80), prefix="D").assign(weight=1.0)
    with caplog.at_level(logging.WARNING):
        cov = hp.coverage(diamond, st, demand, minutes=15)
    assert "left out: 远方站 (row 4)" in caplog.text
    assert set(cov.demand["nearest_station"]) <= {"row 2", "B7"}
    iso = hp.isochrones(diamond, st.iloc[:2], minutes=(1,), corridor_m=5, crs=None)
    assert set(iso["station_id"]) == {"row 2", "B7"}


def test_a_station_file_of_a_header_only_says_so(tmp_path, capsys):
    """Review: a header-only station file said "none of the 0 stations read is one that are
    not closed or candidates"."""
    path = tmp_path / "empty.csv"
    path.write_text("name,lon,lat\n", encoding="utf-8")
    net = Path(__file__).parent / "data" / "network" / "diamond.geojson"
    code = main(["coverage", "--network", str(net), "--stations", str(path), "--crs", "wgs84",
                 "--out", str(tmp_path / "o"), "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and "the station file has no valid rows" in err, err
    assert "none of the 0" not in err


def test_a_run_names_the_lists_warnings_and_stations_repeated_across_files(tmp_path, caplog):
    """Probe 23E: a run counted a list's warnings ("2 warnings", an INFO line that -q hides)
    and said nothing of an AMap list and a Baidu list repeating stations: 15 stations where
    there are 10, each twin an exit "losing 0 %". Both are warnings naming the rows."""
    import logging

    from harbor_planner.coords import wgs84_to_bd09, wgs84_to_gcj02
    from harbor_planner.pipeline import load_stations
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    lon, lat = np.array([106.570, 106.575, 106.580]), np.array([29.557, 29.560, 29.556])
    glon, glat = wgs84_to_gcj02(lon, lat)
    blon, blat = wgs84_to_bd09(lon[:2], lat[:2])
    amap, baidu = tmp_path / "amap.csv", tmp_path / "baidu.csv"
    pd.DataFrame({"名称": ["甲", "乙", "丙"], "状态": "已建成", "经度": [glon[0], glon[1], glon[1]],
                  "纬度": [glat[0], glat[1], glat[1]]}).to_csv(amap, index=False)  # fmt: skip
    pd.DataFrame({"名称": ["甲", "乙"], "状态": "已建成", "经度": blon, "纬度": blat}).to_csv(
        baidu, index=False
    )
    sc = load_scenario(demo_scenario_path(), overrides={
        "stations.file": [str(amap), str(baidu)], "stations.crs": ["gcj02", "bd09"]})  # fmt: skip
    with caplog.at_level(logging.WARNING):
        stations, _ = load_stations(sc)
    assert len(stations) == 5
    text = caplog.text
    assert "amap.csv: 1 warning (row 4: duplicate_location 0.0 m from row 3" in text
    assert "stations check" in text and "--crs gcj02" in text and "row nan" not in text
    assert "pairs of stations of different station files lie less than 5 m apart" in text
    assert "amap.csv row 2 (甲) and baidu.csv row 2 (甲)" in text


def test_a_negative_area_is_left_empty_as_its_warning_says(tmp_path):
    """Probe 23E: area -5 was warned "left empty" but kept as -5.0 in the stations, the
    register and the workbook."""
    path = tmp_path / "a.csv"
    path.write_text("名称,经度,纬度,面积(㎡)\n甲,106.57,29.55,-5\n乙,106.58,29.55,\"1,200\"\n",
                    encoding="utf-8")  # fmt: skip
    check = read_stations(path, crs="gcj02")
    assert check.stations["area_m2"].isna().tolist() == [True, False]
    assert check.stations["area_m2"].iloc[1] == 1200.0
    assert "left empty" in " ".join(check.warnings["message"])


def test_status_words_with_a_note_or_a_year_are_understood(tmp_path):
    """Probe 23E: 在建中, 拟建（2025）, 筹建 were unknown statuses (errors: the stations
    dropped from the run). Common words and a note in brackets or a year are read."""
    path = tmp_path / "s.csv"
    rows = ["在建中", "拟建（2025）", "筹建", "2025年拟建", "拟建(一期)", "已建成", "未知"]
    body = "".join(f"站{i},{106.55 + i / 1000},29.55,{w}\n" for i, w in enumerate(rows))
    path.write_text("名称,经度,纬度,状态\n" + body, encoding="utf-8")
    check = read_stations(path, crs="gcj02")
    assert check.stations["status"].tolist() == [
        "building", "proposed", "proposed", "proposed", "proposed", "existing"]  # fmt: skip
    assert check.errors["code"].tolist() == ["status_unknown"]
    # a note that may reverse the status is not dropped (probe 23R: 已建成（暂停运营）was built)
    from harbor_planner.stations._common import status_of

    for word in ("已建成（暂停运营）", "已建成(已撤销)", "运营中（2024年已关闭）", "拟建（取消）"):
        assert status_of(word) is None, word
    # a note confirming the status is read (probe 24R: 已建成（运营中）was unknown)
    for word, code in (
        ("已建成（运营中）", "existing"),
        ("在建（施工中）", "building"),
        ("拟建（规划中）", "proposed"),
        ("已建成（2023年建成）", "existing"),
    ):
        assert status_of(word) == code, word


def test_a_status_whose_note_names_another_is_said(tmp_path):
    """Probe 24R: 已建成（暂停运营）was "unknown status" without saying the note is why."""
    path = tmp_path / "s.csv"
    path.write_text("名称,经度,纬度,状态\n站1,106.55,29.55,已建成（暂停运营）\n", encoding="utf-8")
    message = read_stations(path, crs="gcj02").errors["message"].iloc[0]
    assert "its note names another status: closed" in message


def test_totals_rows_and_section_headings_are_no_stations(tmp_path):
    """Probe 23E: a 合计 row (sums of the areas) and a heading 一、已建成站点 were told to "fill
    in longitude and latitude" (errors: `stations check` exit 3). They are skipped with a
    warning naming them, as notes are."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    table = [["名称", "经度", "纬度", "面积(㎡)"], ["一、已建成站点"], ["甲", 106.57, 29.55, 30],
             ["乙", 106.58, 29.55, 40], ["合计", None, None, "=SUM(D3:D4)"], ["（二）拟建"],
             ["丙", 106.59, 29.55, 20], ["总计：3 个", None, None, 90]]  # fmt: skip
    for r in table:
        ws.append(r)
    wb.save(tmp_path / "t.xlsx")
    check = read_stations(tmp_path / "t.xlsx", crs="gcj02")
    assert check.ok and check.stations["name"].tolist() == ["甲", "乙", "丙"]
    codes = dict(zip(check.warnings["row"], check.warnings["code"], strict=True))
    assert codes == {2: "heading_row", 5: "total_row", 6: "heading_row", 8: "total_row"}
    # a station whose name starts so is a station (probe 23R: "Summit Tower", "Total Plaza")
    wb = openpyxl.Workbook()
    for r in (["名称", "经度", "纬度"], ["Summit Tower 港湾", 106.57, 29.55],
              ["Total Plaza", 106.58, 29.551], ["合计站", 106.59, 29.552]):  # fmt: skip
        wb.active.append(r)
    wb.save(tmp_path / "names.xlsx")
    assert len(read_stations(tmp_path / "names.xlsx", crs="gcj02").stations) == 3


def test_a_workbook_with_both_coordinates_in_one_cell_gets_the_fix(tmp_path):
    """Probe 23E: a 坐标 column of "106.57,29.55" in a CSV said to split it; in a workbook
    the message listed the sheets and lost the fix."""
    import openpyxl

    wb = openpyxl.Workbook()
    for r in (["名称", "坐标"], ["甲", "106.57,29.55"], ["乙", "106.58, 29.56"]):
        wb.active.append(r)
    wb.save(tmp_path / "one.xlsx")
    with pytest.raises(InputDataError, match="'坐标' holds both coordinates in one cell: split"):
        read_stations(tmp_path / "one.xlsx", crs="gcj02")


def test_undecodable_bytes_are_named_where_they_are(tmp_path):
    """Probe 23E: a GBK list with two stray bytes on line 6 was said to fail on line 1 (where
    UTF-8 met the GBK header); the place named is where the encoding that read furthest
    stops."""
    lines = ["名称,经度,纬度"] + [f"站{i},106.5{i},29.55" for i in range(1, 6)]
    data = "\n".join(lines).encode("gbk") + b"\n\xff\xfe,106.6,29.55\n"
    (tmp_path / "bad.csv").write_bytes(data)
    with pytest.raises(InputDataError, match=r"as GBK/GB18030 it stops at line 7, bytes ff fe"):
        read_stations(tmp_path / "bad.csv", crs="gcj02")


def test_a_section_heading_naming_a_status_gives_it_to_its_rows(tmp_path):
    """Probe 24R: under 一、已建成站点 and 二、拟建站点 with no 状态 cells, every station was
    counted as built; a heading's status fills the rows' empty cells, as a sheet's name does."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    table = [["名称", "经度", "纬度", "状态"], ["一、已建成站点"], ["甲", 106.57, 29.55, None],
             ["乙", 106.58, 29.55, "在建"], ["二、拟建站点（2个）"], ["丙", 106.59, 29.55, None],
             ["戊", 106.595, 29.55, None], ["（三）其他"], ["丁", 106.60, 29.55, None],
             ["四、已建成站点（暂停运营）"], ["己", 106.61, 29.55, None]]  # fmt: skip
    for r in table:
        ws.append(r)
    wb.save(tmp_path / "s.xlsx")
    check = read_stations(tmp_path / "s.xlsx", crs="gcj02")
    got = check.stations.set_index("name")["status"]
    assert got["甲"] == "existing" and got["乙"] == "building" and got["丙"] == "proposed"
    assert got["戊"] == "proposed"  # a count in brackets read past (probe 24R2)
    assert got.get("丁") is None or got["丁"] != "proposed"  # a heading naming no status
    assert got.get("己") is None or got["己"] != "existing"  # its note names another status


def test_a_heading_whose_note_names_another_status_is_an_error_as_the_cell(tmp_path):
    """Probe 25R3: under 已建成站点（暂停运营）the rows without a 状态 had "no status" and
    counted as built, while the same text in a cell is an error; they are errors naming the
    heading and its row. A count after a colon or a space (拟建站点：5个) is read past."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    table = [["名称", "经度", "纬度", "状态"], ["一、已建成站点（暂停运营）"],
             ["甲", 106.57, 29.55, None], ["乙", 106.58, 29.55, "在建"],
             ["二、拟建站点：2个"], ["丙", 106.59, 29.55, None], ["三、在建站点 1个"],
             ["丁", 106.60, 29.55, None]]  # fmt: skip
    for r in table:
        ws.append(r)
    wb.save(tmp_path / "s.xlsx")
    check = read_stations(tmp_path / "s.xlsx", crs="gcj02")
    got = check.stations.set_index("name")["status"].to_dict()
    assert got == {"乙": "building", "丙": "proposed", "丁": "building"}
    error = check.errors.set_index("row").loc[3]
    assert error["code"] == "status_unknown" and error["column"] == "状态"
    assert "heading above it, '已建成站点（暂停运营）' (row 2)" in error["message"]
    assert "its note names another status: closed" in error["message"]
    assert "status_missing" not in set(check.warnings["code"])
    # the same text in the cell: the same error
    ws["D3"] = "已建成（暂停运营）"
    wb.save(tmp_path / "c.xlsx")
    cell = read_stations(tmp_path / "c.xlsx", crs="gcj02").errors.set_index("row").loc[3]
    assert cell["code"] == "status_unknown" and "another status: closed" in cell["message"]


def test_a_note_leaving_a_status_out_or_planning_completion_keeps_the_status(tmp_path):
    """Probe 25R4: 已建成站点（不含暂停运营）, 在建站点（预计年底建成）and 拟建站点（2025年建成）
    were "note names another status" errors (22 of 28 correct rows refused); the same notes
    in a cell too. A note naming another status still makes it unclear."""
    from harbor_planner.stations._common import status_of

    assert status_of("拟建（2025年建成）") == "proposed"
    assert status_of("在建（预计年底建成）") == "building"
    assert status_of("已建成（不含暂停运营）") == "existing"
    assert status_of("已建成（暂停运营）") is None and status_of("已建成（2023年退出）") is None
    rows = ["名称,经度,纬度,状态", "一、已建成站点（不含暂停运营）", "甲,106.57,29.55,",
            "二、在建站点（预计年底建成）", "乙,106.58,29.55,", "三、拟建站点（2025年建成）",
            "丙,106.59,29.55,", "丁,106.60,29.55,在建（预计年底建成）"]  # fmt: skip
    (tmp_path / "s.csv").write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    check = read_stations(tmp_path / "s.csv", crs="gcj02")
    got = check.stations.set_index("name")["status"].to_dict()
    assert got == {"甲": "existing", "乙": "building", "丙": "proposed", "丁": "building"}
    assert check.errors.empty


@pytest.mark.parametrize("header", ["站点状态", "港湾状态", "运营状态", "状态（2025年）"])
def test_a_status_column_headed_like_a_returned_workbooks_is_read(tmp_path, header):
    """Probe 26P: 站点状态/运营状态 were not read: the 已退出 station counted as open, the
    proposed one as built, and ``stations check`` said "no problems"."""
    path = tmp_path / "status.csv"
    path.write_text(
        f"编号,名称,{header},经度,纬度\nA1,甲,已建成,106.5707,29.5559\n"
        "A2,乙,已退出,106.5154,29.5537\nA3,丙,拟建,106.4965,29.5435\n",
        encoding="utf-8",
    )
    check = read_stations(path, crs="wgs84")
    assert check.stations["status"].tolist() == ["existing", "closed", "proposed"]
    assert "status_unread" not in set(check.problems["code"])


def test_an_operation_status_beside_the_status_closes_suspended_stations(tmp_path):
    """Session 27: a register's 运营状态 (正常运营/暂停运营) beside 状态 was only an
    ``ambiguous_column`` warning: built stations suspended from service counted as covering.
    A closed word in either column closes the station (warned); an empty cell takes the
    other's status; two other statuses that differ refuse the row, naming both cells."""
    status = ["已建成"] * 6 + ["已退出", "", "拟建", "在建"]
    operation = ["正常运营", "暂停运营", "已撤销", "", "正常运营", "运营中",
                 "正常运营", "暂停运营", "正常运营", ""]  # fmt: skip
    path = _ten_stations(tmp_path, "two.csv", 状态=status, 运营状态=operation)
    check = read_stations(path, crs="gcj02")
    got = check.stations.set_index("station_id")["status"].to_dict()
    assert got == {"A0": "existing", "A1": "closed", "A2": "closed", "A3": "existing",
                   "A4": "existing", "A5": "existing", "A6": "closed", "A7": "closed",
                   "A9": "building"}, check.problems  # fmt: skip
    assert check.stations["运营状态"].tolist()[:3] == ["正常运营", "暂停运营", "已撤销"]
    warned = check.warnings[check.warnings["code"] == "status_closed_by_column"]
    assert warned["row"].tolist() == [3, 4, 8]  # A1, A2 and A6 (A7: no status in 状态)
    first = warned.set_index("row")
    assert first.loc[3, "column"] == "运营状态"
    assert (
        "'状态' says '已建成' and '运营状态' says '暂停运营': counted as closed"
        in (first.loc[3, "message"])
    )
    assert (
        first.loc[8, "column"] == "状态"
        and "correct '运营状态' if it serves" in (first.loc[8, "message"])
    )
    error = check.errors.set_index("row").loc[10]  # A8: 拟建 beside 正常运营
    assert error["code"] == "status_conflict" and error["column"] == "运营状态"
    assert "'状态' says '拟建' and '运营状态' says '正常运营'" in error["message"]
    assert len(check.errors) == 1 and "ambiguous_column" not in set(check.problems["code"])
    assert "status_missing" not in set(check.problems["code"])


def test_every_status_column_is_read_and_a_paused_building_says_how_to_keep_it(tmp_path):
    """Probe 27R: 状态 + 建设状态 + 运营状态: the third was ignored again (the suspended and
    revoked stations counted as serving); 在建 beside 暂停 was said not to serve now."""
    path = _ten_stations(
        tmp_path, "three.csv", 状态=["已建成"] * 8 + ["在建", "拟建"],
        建设状态=["已建成"] * 8 + ["在建", "拟建"],
        运营状态=["正常运营", "暂停运营", "已撤销"] + [""] * 5 + ["暂停", ""],
    )  # fmt: skip
    check = read_stations(path, crs="gcj02")
    got = check.stations.set_index("station_id")["status"]
    assert got[["A0", "A1", "A2", "A3", "A8", "A9"]].tolist() == [
        "existing", "closed", "closed", "existing", "closed", "proposed"
    ], check.problems  # fmt: skip
    assert "ambiguous_column" not in set(check.problems["code"]), check.problems
    warned = check.warnings[check.warnings["code"] == "status_closed_by_column"]
    paused = warned.set_index("row").loc[10, "message"]  # A8
    assert "if only the building work is paused, leave '运营状态' empty" in paused


def test_a_second_status_column_of_other_words_is_not_read(tmp_path):
    """A 运营状态 holding a word that is no status (良好) is not read beside 状态: the
    ``ambiguous_column`` warning names the word and what would be read."""
    operation = ["良好", "暂停运营"] + ["正常运营"] * 8
    path = _ten_stations(tmp_path, "mixed.csv", 状态=["已建成"] * 10, 运营状态=operation)
    check = read_stations(path, crs="gcj02")
    assert (check.stations["status"] == "existing").all()
    warned = check.warnings[check.warnings["code"] == "ambiguous_column"]
    assert warned["column"].tolist() == ["运营状态"]
    assert "'良好' in it is no status" in warned["message"].iloc[0]


def test_a_column_of_statuses_under_another_header_is_named(tmp_path):
    path = tmp_path / "status.csv"
    path.write_text(
        "编号,名称,情况,备注,经度,纬度\nA1,甲,已建成,东门,106.5707,29.5559\n"
        "A2,乙,已退出,,106.5154,29.5537\nA3,丙,拟建,西门,106.4965,29.5435\n",
        encoding="utf-8",
    )
    check = read_stations(path, crs="wgs84")
    assert check.stations["status"].isna().all()
    said = check.problems[check.problems["code"] == "status_unread"]
    assert said["column"].tolist() == ["情况"], check.problems
    assert "head it 状态" in said["message"].iloc[0]


def _ten_stations(tmp_path, name, **columns):
    """Ten built stations (no 状态 unless given) with ``columns`` beside them."""
    table = pd.DataFrame({
        "编号": [f"A{i}" for i in range(10)], "名称": [f"站{i}" for i in range(10)],
        "经度": [106.50 + 0.005 * i for i in range(10)], "纬度": [29.55] * 10, **columns,
    })  # fmt: skip
    table.to_csv(tmp_path / name, index=False, encoding="utf-8-sig")
    return tmp_path / name


def test_columns_beside_the_status_are_not_read_as_it(tmp_path):
    """Probe 26R: 使用状态 of occupancy (使用中/空闲/维修) was read as the status and refused
    every station (exit 3); 建设情况/运营情况 of progress notes beside 状态 were warned of as a
    second status column."""
    use = ["使用中", "空闲", "使用中", "维修"] + ["使用中"] * 6
    check = read_stations(_ten_stations(tmp_path, "use.csv", 使用状态=use), crs="gcj02")
    assert len(check.stations) == 10 and check.errors.empty, check.errors
    assert check.stations["使用状态"].tolist() == use  # kept as the file's own column
    notes = ["已完成装修", "设施齐全", "已验收", "2023年建成"] + ["良好"] * 6
    for header in ("建设情况", "运营情况"):
        path = _ten_stations(tmp_path, "notes.csv", 状态=["已建成"] * 10, **{header: notes})
        check = read_stations(path, crs="gcj02")
        assert (check.stations["status"] == "existing").all()
        assert check.stations[header].tolist() == notes
        assert "ambiguous_column" not in set(check.problems["code"]), check.problems
    words = ["已建成"] * 8 + ["拟建"] * 2  # statuses under 使用状态: named, not read
    check = read_stations(_ten_stations(tmp_path, "w.csv", 使用状态=words), crs="gcj02")
    said = check.problems[check.problems["code"] == "status_unread"]
    assert said["column"].tolist() == ["使用状态"], check.problems
    assert "every station would count as built" in said["message"].iloc[0]


def test_status_unread_on_a_status_sheet_says_the_sheets_status(tmp_path):
    """Probe 26R: on a sheet named 拟建 with a 备注 column of 规划, ``status_unread`` said
    "every station would count as built"; the sheet's name gives them proposed."""
    path = tmp_path / "s.xlsx"
    table = pd.DataFrame({"编号": ["P1", "P2"], "名称": ["甲", "乙"], "经度": [106.57, 106.58],
                          "纬度": [29.55, 29.55], "备注": ["规划", "规划"]})  # fmt: skip
    table.to_excel(path, sheet_name="拟建", index=False)
    check = read_stations(path, crs="gcj02")
    assert check.stations["status"].tolist() == ["proposed", "proposed"]
    said = check.problems[check.problems["code"] == "status_unread"]["message"].tolist()
    assert len(said) == 1, check.problems
    assert "count as built" not in said[0]
    assert "take their sheet's status, proposed, from its name '拟建'" in said[0]

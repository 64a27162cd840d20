"""A run's own station tables read back (probe 19Z): their stations only, never stale figures."""

from __future__ import annotations

import pandas as pd
import pytest

from harbor_planner import CRSError, read_stations

ROWS = {
    "station_id": ["A1", "A2"],
    "name": ["甲站", "乙站"],
    "status": ["existing", "proposed"],
}
LON, LAT = [106.5700, 106.5750], [29.5570, 29.5600]


def _stations_csv(path, **extra):
    table = pd.DataFrame({
        "row": [2, 3], "sheet": [None, None], **ROWS, "lon_orig": [106.574, 106.579],
        "lat_orig": [29.554, 29.557], "crs_orig": ["gcj02", "gcj02"], "adcode": ["500103"] * 2,
        "district_zh": ["渝中区"] * 2, "on_network": [True, True], "snap_dist_m": [3.0, 9.0],
        "exit_loss_pct": [6.02, 1.5], "importance_rank": [1, 2], "lon": LON, "lat": LAT,
        **extra,
    })  # fmt: skip
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_a_runs_stations_csv_reads_back_without_its_figures(tmp_path):
    """Round 2 crashed (two `row_src` columns: "Grouper for 'row_src' not 1-dimensional"),
    and each round carried the earlier run's figures along as the file's own columns."""
    path = _stations_csv(tmp_path / "stations.csv", row_src=[5, 6])
    check = read_stations(path, crs="wgs84")
    st = check.stations
    assert st["station_id"].tolist() == ["A1", "A2"]
    assert st.geometry.x.round(7).tolist() == LON  # the WGS-84 columns, not lon_orig
    for stale in ("exit_loss_pct", "on_network", "snap_dist_m", "row_src", "lon_orig_src"):
        assert stale not in st.columns, stale
    assert "own_stations_table" in set(check.problems["code"])


def test_a_runs_stations_csv_in_the_lists_own_datum_is_refused(tmp_path):
    """`stations number stations.csv --crs gcj02` read the WGS-84 lon/lat as GCJ-02 (~500 m
    off) and gave five Yuzhong stations permanent codes of 江北区 and 九龙坡区."""
    path = _stations_csv(tmp_path / "stations.csv")
    with pytest.raises(CRSError, match=r"lon/lat are WGS-84 .*--crs wgs84") as err:
        read_stations(path, crs="gcj02")
    assert "stations.csv" in str(err.value)


def test_a_file_with_row_and_row_src_columns_reads(tmp_path):
    """Any list with `row` and `row_src` (or `sheet`, `sheet_src`) crashed the duplicate check."""
    for col in ("row", "sheet"):
        path = tmp_path / f"{col}.csv"
        path.write_text(f"{col},{col}_src,station_id,lon,lat\n1,5,A,106.53,29.55\n"
                        f"2,6,B,106.55,29.56\n", encoding="utf-8")  # fmt: skip
        st = read_stations(path, crs="wgs84").stations
        assert st["station_id"].tolist() == ["A", "B"]
        assert {f"{col}_src", f"{col}_src2"} <= set(st.columns)


def _workbook(path):
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"指标": ["覆盖率(%)"], "数值": [58.89]}).to_excel(
            xw, sheet_name="汇总", index=False
        )
        pd.DataFrame({"编号": ["A1", "A2"], "名称": ["甲站", "乙站"], "状态": ["已建成", "拟建"],
                      "经度(WGS-84)": LON, "纬度(WGS-84)": LAT, "在路网上": ["是", "是"],
                      "距路网(米)": [3.0, 9.0], "撤站损失(%)": [6.02, 1.5]}
                     ).to_excel(xw, sheet_name="站点", index=False)  # fmt: skip
        pd.DataFrame({"名称": ["长江一路"], "经度(WGS-84)": [106.55], "纬度(WGS-84)": [29.55]}
                     ).to_excel(xw, sheet_name="新增站点", index=False)  # fmt: skip
        pd.DataFrame({"名称": ["解放碑"], "经度": [106.5733], "纬度": [29.5601]}
                     ).to_excel(xw, sheet_name="城市中心", index=False)  # fmt: skip
        pd.DataFrame({"参数": ["步行速度"], "数值": ["4.5 公里/小时"]}).to_excel(
            xw, sheet_name="参数", index=False
        )
    return path


def test_a_runs_workbook_gives_its_stations_sheet_alone(tmp_path):
    """report.xlsx read as a station list gave 29 stations: the city centres and the new
    sites (no status: counted as built; 41.1 % built became 83.6 %), and its 站点 sheet
    carried the earlier run's figures under the same headers."""
    path = _workbook(tmp_path / "report.xlsx")
    check = read_stations(path, crs="wgs84")
    st = check.stations
    assert st["station_id"].tolist() == ["A1", "A2"]
    assert st["status"].tolist() == ["existing", "proposed"]
    assert "撤站损失(%)" not in st.columns and "在路网上" not in st.columns
    assert "own_workbook" in set(check.problems["code"])
    sites = read_stations(path, crs="wgs84", sheet="新增站点").stations  # asked for: read
    assert sites["name"].tolist() == ["长江一路"]


def test_a_run_is_told_by_its_columns_not_its_sheet_names(tmp_path):
    """Probe 19R: a run's workbook without its 汇总 sheet was not recognised (its new sites
    and centres counted as built again), and a planner's own workbook with sheets 汇总, 参数,
    站点 and 拟建 was taken for a run's (its 拟建 sheet left out)."""
    import openpyxl

    path = _workbook(tmp_path / "report.xlsx")
    book = openpyxl.load_workbook(path)
    del book["汇总"]
    book.save(tmp_path / "cut.xlsx")
    st = read_stations(tmp_path / "cut.xlsx", crs="wgs84").stations
    assert st["station_id"].tolist() == ["A1", "A2"]
    mine = tmp_path / "mine.xlsx"
    with pd.ExcelWriter(mine) as xw:
        pd.DataFrame({"指标": ["站点数"], "数值": [3]}).to_excel(xw, sheet_name="汇总", index=False)
        pd.DataFrame({"参数": ["年份"], "数值": [2025]}).to_excel(
            xw, sheet_name="参数", index=False
        )
        pd.DataFrame({"编号": ["A1"], "名称": ["甲站"], "经度": [LON[0]], "纬度": [LAT[0]]}
                     ).to_excel(xw, sheet_name="站点", index=False)  # fmt: skip
        pd.DataFrame({"编号": ["P1", "P2"], "名称": ["丙", "丁"], "经度": LON, "纬度": LAT}
                     ).to_excel(xw, sheet_name="拟建", index=False)  # fmt: skip
    check = read_stations(mine, crs="wgs84")
    assert check.stations["station_id"].tolist() == ["A1", "P1", "P2"]
    assert "own_workbook" not in set(check.problems["code"])


def test_an_edited_runs_table_is_still_a_runs(tmp_path):
    """Probe 19R: a copy of stations.csv without on_network was read as any list: its WGS-84
    lon/lat taken as GCJ-02 (477 m off)."""
    path = _stations_csv(tmp_path / "stations.csv")
    edited = tmp_path / "edited.csv"
    pd.read_csv(path).drop(columns=["on_network", "snap_dist_m", "exit_loss_pct"]).to_csv(
        edited, index=False
    )
    with pytest.raises(CRSError, match="--crs wgs84"):
        read_stations(edited, crs="gcj02")


def test_a_runs_workbook_is_no_candidate_list(tmp_path):
    """Probe 19R: report.xlsx as --candidates made its 站点 sheet (the stations) the candidates,
    chosen as new sites with no gain."""
    from harbor_planner.candidates.spec import read_candidate_file
    from harbor_planner.errors import InputDataError

    path = _workbook(tmp_path / "report.xlsx")
    with pytest.raises(InputDataError, match="not candidate sites"):
        read_candidate_file(path, crs="wgs84")


def test_a_runs_layer_read_in_another_datum_is_refused(tmp_path):
    """Probe 19R: layers.gpkg's stations layer with --crs gcj02 put every station 477 m off."""
    import geopandas as gpd

    table = pd.read_csv(_stations_csv(tmp_path / "s.csv"))
    layer = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(LON, LAT), crs=4326
    )
    layer.to_file(tmp_path / "layers.gpkg", layer="stations")
    with pytest.raises(CRSError, match="--crs wgs84"):
        read_stations(tmp_path / "layers.gpkg", crs="gcj02")
    assert len(read_stations(tmp_path / "layers.gpkg", crs="wgs84").stations) == 2


def _trimmed_workbook(path, *, run_headers: bool, run_sheets: bool, english: bool = False):
    """A run's report.xlsx returned with its stations sheet cut to the basic columns."""
    names = (("Summary", "Districts", "Stations", "Selected sites", "City centres",
              "Coverage curve", "Parameters") if english else
             ("汇总", "区县", "站点名单", "新增站点", "城市中心", "覆盖曲线", "参数"))  # fmt: skip
    if english:
        sites = {
            "rank": [1],
            "name": ["长江一路"],
            "lon": [106.55],
            "lat": [29.55],
            "gain": [812.5],
        }
        centres = {"name": ["解放碑"], "lon": [106.5733], "lat": [29.5601], "radius_m": [500],
                   "demand_total": [9000.0]}  # fmt: skip
    elif run_headers:
        sites = {"排序": [1], "名称": ["长江一路"], "经度(WGS-84)": [106.55],
                 "纬度(WGS-84)": [29.55], "新增覆盖需求(米主干道)": [812.5]}  # fmt: skip
        centres = {"名称": ["解放碑"], "经度(WGS-84)": [106.5733], "纬度(WGS-84)": [29.5601],
                   "半径(米)": [500], "需求总量(米主干道)": [9000.0]}  # fmt: skip
    else:  # a planner's own tables under the run's sheet names
        sites = {"名称": ["长江一路"], "经度(WGS-84)": [106.55], "纬度(WGS-84)": [29.55]}
        centres = {"名称": ["解放碑"], "经度(WGS-84)": [106.5733], "纬度(WGS-84)": [29.5601]}
    stations = {"编号": ["A1", "A2"], "名称": ["甲站", "乙站"], "状态": ["已建成", "拟建"],
                "经度(WGS-84)": LON, "纬度(WGS-84)": LAT}  # fmt: skip
    note = {"指标": ["覆盖率(%)"], "数值": [42.0]}
    sheets = [note, note, stations, sites, centres, note, note]
    with pd.ExcelWriter(path) as xw:
        for name, table in zip(names, sheets, strict=True):
            if run_sheets or table is stations or name in names[3:5]:
                pd.DataFrame(table).to_excel(xw, sheet_name=name, index=False)
    return path


@pytest.mark.parametrize(
    ("run_headers", "run_sheets", "english"),
    [(True, False, False), (True, True, False), (True, True, True)],
)
def test_a_runs_workbook_with_its_stations_sheet_trimmed_gives_its_stations(
    tmp_path, run_headers, run_sheets, english
):
    """Probe 26P: 站点 cut to 编号, 名称, 状态, 经度/纬度 (and renamed 站点名单): the new sites
    and the city centres were read as stations without a status, counted as built (42.0 % of
    the built stations became 83.3 %)."""
    path = _trimmed_workbook(
        tmp_path / "A2.xlsx", run_headers=run_headers, run_sheets=run_sheets, english=english
    )
    check = read_stations(path, crs="wgs84")
    assert check.stations["station_id"].tolist() == ["A1", "A2"]
    assert check.stations["status"].tolist() == ["existing", "proposed"]
    told = check.problems[check.problems["code"] == "own_workbook"]["message"].tolist()
    assert len(told) == 1, check.problems
    sites, centres = ("Selected sites", "City centres") if english else ("新增站点", "城市中心")
    assert f"sheets {sites}, {centres} hold its new sites and city centres" in told[0], told


@pytest.mark.parametrize("run_sheets", [False, True])
def test_a_planners_sheets_named_like_a_runs_are_read(tmp_path, run_sheets):
    """Sheets named 新增站点 and 城市中心 of a planner's own (no run's columns) are station
    lists, beside sheets named like a run's others (汇总, 区县, 覆盖曲线, 参数) too: a sheet's
    name alone never leaves it out (probe 26R)."""
    path = _trimmed_workbook(tmp_path / "mine.xlsx", run_headers=False, run_sheets=run_sheets)
    check = read_stations(path, crs="wgs84")
    assert len(check.stations) == 4
    assert "own_workbook" not in set(check.problems["code"])


def test_a_planners_workbook_with_a_runs_sheet_names_keeps_every_station(tmp_path, shared):
    """Probe 26R: a planner's workbook with sheets 已建成 (20 stations), 新增站点 (14 built
    this year), 汇总, 区县 and 参数 was taken for the tool's own from its sheet names: its
    新增站点 sheet was left out (20 stations of 34) with a warning that said it was a
    harbor-planner workbook."""
    src = pd.read_excel(shared("yuzhong", "stations_illustrative.xlsx"), sheet_name=None)
    new = src["拟建"].assign(状态="已建成", 编号=src["拟建"]["编号"].str.replace("YZP", "YZN"))
    path = tmp_path / "planner.xlsx"
    with pd.ExcelWriter(path) as xw:
        src["已建成"].iloc[:20].to_excel(xw, sheet_name="已建成", index=False)
        new.to_excel(xw, sheet_name="新增站点", index=False)
        pd.DataFrame({"项目": ["已建成", "新增"], "数量": [20, len(new)]}).to_excel(
            xw, sheet_name="汇总", index=False
        )
        pd.DataFrame({"区县": ["渝中区"], "站点数": [34]}).to_excel(
            xw, sheet_name="区县", index=False
        )
        pd.DataFrame({"参数": ["服务半径"], "值": ["15分钟"]}).to_excel(
            xw, sheet_name="参数", index=False
        )
    check = read_stations(path, crs="gcj02")
    assert len(new) == 14
    assert len(check.stations) == 34, check.problems
    assert check.stations["sheet"].value_counts().to_dict() == {"已建成": 20, "新增站点": 14}
    assert (check.stations["status"] == "existing").all()
    assert "own_workbook" not in set(check.problems["code"]), check.problems


def test_original_coordinates_edited_in_a_returned_table_are_warned_of(tmp_path):
    """Probe 26P: a station moved ~1 km in 原始经度 (lon_orig) stayed where it was without a
    word; the WGS-84 columns are read, and the rows whose original pair no longer gives
    them are named."""
    from harbor_planner.coords import wgs84_to_gcj02

    gx, gy = wgs84_to_gcj02(LON, LAT)
    path = _stations_csv(tmp_path / "stations.csv")
    table = pd.read_csv(path).assign(lon_orig=gx, lat_orig=gy)
    table.to_csv(path, index=False)
    check = read_stations(path, crs="wgs84")
    assert "orig_moved" not in set(check.problems["code"]), check.problems  # as written
    table.loc[1, "lon_orig"] = gx[1] + 0.01  # the second station moved in its AMap place
    table.to_csv(path, index=False)
    check = read_stations(path, crs="wgs84")
    assert check.stations.geometry.x.round(7).tolist() == LON  # the WGS-84 columns
    said = check.problems[check.problems["code"] == "orig_moved"]
    assert said["row"].tolist() == [3], check.problems  # A2, on the file's row 3
    assert "lon_orig/lat_orig (GCJ-02) lie 969 m from lon/lat" in said["message"].iloc[0]
    assert "edit lon/lat" in said["message"].iloc[0]


def test_a_planners_own_original_coordinates_in_another_datum_are_no_edit(tmp_path):
    """Probe 26R: a planner's list with GCJ-02 经度/纬度 read with ``--crs gcj02`` and
    their own 原始经度/原始纬度 in BD-09 got ``orig_moved`` on every row ("478 m from the
    WGS-84 place"): 经度/纬度 were taken for WGS-84. Both pairs are compared in WGS-84."""
    from harbor_planner.coords import gcj02_to_bd09

    bx, by = gcj02_to_bd09(LON, LAT)
    path = tmp_path / "mine.csv"
    table = pd.DataFrame({"编号": ["A1", "A2"], "名称": ["甲站", "乙站"], "经度": LON,
                          "纬度": LAT, "原始经度": bx, "原始纬度": by,
                          "原始坐标系": ["bd09", "bd09"]})  # fmt: skip
    table.to_csv(path, index=False, encoding="utf-8-sig")
    check = read_stations(path, crs="gcj02")
    assert len(check.stations) == 2
    assert "orig_moved" not in set(check.problems["code"]), check.problems
    table.loc[0, "原始经度"] = bx[0] + 0.01  # an edit is still named
    table.to_csv(path, index=False, encoding="utf-8-sig")
    said = read_stations(path, crs="gcj02").problems.query("code == 'orig_moved'")
    assert said["row"].tolist() == [2], said
    assert "原始经度/原始纬度 (BD-09) lie 96" in said["message"].iloc[0]


def test_original_coordinates_without_their_datum_are_tried_in_each(tmp_path):
    """Probe 26R: report.xlsx's 站点 cut to 编号, 名称, 状态, 经度(WGS-84), 纬度(WGS-84),
    原始经度, 原始纬度 (原始坐标系 deleted), one station moved 1 km in 原始经度: "no
    problems", the station stayed put. The pair is tried in GCJ-02, BD-09 and WGS-84."""
    from harbor_planner.coords import wgs84_to_gcj02

    gx, gy = wgs84_to_gcj02(LON, LAT)
    path = tmp_path / "cut.csv"
    table = pd.DataFrame({"编号": ["A1", "A2"], "名称": ["甲站", "乙站"], "状态": ["已建成"] * 2,
                          "经度(WGS-84)": LON, "纬度(WGS-84)": LAT, "原始经度": gx,
                          "原始纬度": gy})  # fmt: skip
    table.to_csv(path, index=False, encoding="utf-8-sig")
    check = read_stations(path, crs="wgs84")
    assert "orig_moved" not in set(check.problems["code"]), check.problems  # as written
    table.loc[1, "原始经度"] = gx[1] + 0.0103  # about 1 km east in AMap's place
    table.to_csv(path, index=False, encoding="utf-8-sig")
    check = read_stations(path, crs="wgs84")
    assert check.stations.geometry.x.round(7).tolist() == LON  # the WGS-84 columns
    said = check.problems[check.problems["code"] == "orig_moved"]
    assert said["row"].tolist() == [3], check.problems
    message = said["message"].iloc[0]
    assert "(no 原始坐标系: in none of GCJ-02, BD-09, WGS-84)" in message
    assert "edit 经度(WGS-84)/纬度(WGS-84)" in message

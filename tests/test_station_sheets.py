"""Workbooks of several sheets (probe 14I, finding 1): every visible sheet with coordinates
is read, so a 备份 copy counted each station twice and a 区县汇总 sheet added a station."""

from __future__ import annotations

import pytest

from harbor_planner import InputDataError, read_stations

HEADER = ["编号", "名称", "经度", "纬度", "状态"]
ROWS = [
    ["A1", "甲", 106.489733, 29.548252, "已建成"],
    ["A2", "乙", 106.561866, 29.556012, "已建成"],
    ["A3", "丙", 106.575123, 29.561234, "在建"],
]


def _workbook(path, sheets):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_a_copied_sheet_is_refused_naming_both_sheets(tmp_path):
    copy = [HEADER[1:]] + [r[1:] for r in ROWS]  # the copy without its ids
    f = _workbook(tmp_path / "st.xlsx", {"港湾清单": [HEADER, *ROWS], "备份": copy})
    with pytest.raises(InputDataError, match=r"sheet '备份' repeats 3 of its 3 stations.*港湾清单"):
        read_stations(f, crs="gcj02")
    assert len(read_stations(f, crs="gcj02", sheet="港湾清单").stations) == 3


def test_sheets_of_other_stations_are_all_read_and_named(tmp_path):
    more = [HEADER, ["B1", "丁", 106.50, 29.55, "拟建"]]
    check = read_stations(
        _workbook(tmp_path / "st.xlsx", {"已建成": [HEADER, *ROWS], "拟建": more}), crs="gcj02"
    )
    assert len(check.stations) == 4
    assert "4 rows from sheets 已建成 (3), 拟建 (1) read as GCJ-02" in check.summary()


def test_a_summary_sheet_without_ids_or_names_is_skipped(tmp_path):
    summary = [
        ["区县", "站点数", "经度", "纬度"],
        ["渝中区", 3, 106.55, 29.556],
        ["合计", 3, None, None],
    ]
    f = _workbook(tmp_path / "st.xlsx", {"站点": [HEADER, *ROWS], "区县汇总": summary})
    check = read_stations(f, crs="gcj02")
    assert len(check.stations) == 3 and check.rejected.empty
    skipped = check.problems[check.problems["code"] == "sheet_skipped"]
    assert skipped["sheet"].tolist() == ["区县汇总"]
    assert "no id or name column" in skipped["message"].iloc[0]


def _csv(path, rows, encoding="gbk"):
    import pandas as pd

    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False, encoding=encoding)
    return path


def test_a_row_pasted_twice_keeps_the_station_and_leaves_out_the_copy(tmp_path):
    check = read_stations(_csv(tmp_path / "dup.csv", [*ROWS, ROWS[1]]), crs="gcj02")
    assert check.stations["station_id"].tolist() == ["A1", "A2", "A3"]
    errors = check.errors
    assert errors["code"].tolist() == ["duplicate_row"] and errors["row"].tolist() == [5]
    assert "the same as row 3" in errors["message"].iloc[0]


def test_one_id_on_rows_that_differ_rejects_them_all(tmp_path):
    other = ["A2", "乙二", 106.50, 29.55, "拟建"]
    check = read_stations(_csv(tmp_path / "dup.csv", [*ROWS, ROWS[1], other]), crs="gcj02")
    assert check.stations["station_id"].tolist() == ["A1", "A3"]
    assert set(check.errors["code"]) == {"duplicate_id"} and len(check.errors) == 3


def test_a_templates_example_row_is_skipped(tmp_path):
    example = ["示例：YZ000", "XX港湾（示例）", 106.55, 29.56, "已建成"]
    check = read_stations(_csv(tmp_path / "t.csv", [example, *ROWS]), crs="gcj02")
    assert check.stations["station_id"].tolist() == ["A1", "A2", "A3"]
    skipped = check.problems[check.problems["code"] == "example_row"]
    assert skipped["row"].tolist() == [2] and "example" in skipped["message"].iloc[0]


@pytest.mark.parametrize(
    ("sheet", "status"), [("已停用", "closed"), ("已撤销站点", "closed"), ("在用港湾", "existing")]
)
def test_sheets_named_for_more_statuses(tmp_path, sheet, status):
    rows = [HEADER[:4], *[r[:4] for r in ROWS]]
    check = read_stations(_workbook(tmp_path / "st.xlsx", {sheet: rows}), crs="gcj02")
    assert set(check.stations["status"]) == {status}


def test_invisible_characters_in_ids_are_removed(tmp_path):
    """Probe 14K: YZ\u200b001 and YZ001\u2060 looked like YZ001 and got codes of their own."""
    rows = [["A\u200b1", *ROWS[0][1:]], ["A2\u2060", *ROWS[1][1:]], ["\ufeffA3", *ROWS[2][1:]]]
    check = read_stations(_csv(tmp_path / "zw.csv", rows, "utf-8"), crs="gcj02")
    assert check.stations["station_id"].tolist() == ["A1", "A2", "A3"]
    assert "control_characters" in set(check.problems["code"])


def test_stations_given_twice_on_the_command_line_are_joined(tmp_path, capsys):
    """Probe 14L: a second --stations dropped the first file without a word."""
    import json

    from harbor_planner.cli import main

    a = _csv(tmp_path / "a.csv", ROWS[:2])
    b = _csv(tmp_path / "b.csv", [["B1", "丁", 106.50, 29.55, "拟建"]])
    from harbor_planner.scenario import demo_scenario_path

    net = tmp_path / "n.npz"
    osm = demo_scenario_path().parent / "yuzhong_walk.osm.bz2"
    assert main(["-q", "network", "build", str(osm), "--out", str(net)]) == 0
    out = tmp_path / "o"
    code = main(["-q", "coverage", "--network", str(net), "--stations", str(a), "--stations",
                 str(b), "--crs", "gcj02", "--no-range", "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary.get("coverage", summary)["stations"] == 3


def test_an_id_excel_made_a_date_reads_as_the_date(tmp_path):
    import datetime

    rows = [HEADER, [datetime.datetime(2024, 1, 3), *ROWS[0][1:]], ROWS[1]]
    check = read_stations(_workbook(tmp_path / "d.xlsx", {"站点": rows}), crs="gcj02")
    assert check.stations["station_id"].tolist() == ["2024-01-03", "A2"]


def test_rows_hidden_in_excel_are_named(tmp_path):
    """Probe 14I: rows hidden by hand or by a filter were read without a word."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "站点"
    for row in (HEADER, *ROWS):
        ws.append(row)
    ws.row_dimensions[3].hidden = True
    wb.save(tmp_path / "h.xlsx")
    check = read_stations(tmp_path / "h.xlsx", crs="gcj02")
    assert len(check.stations) == 3  # read as before, and named
    hidden = check.problems[check.problems["code"] == "hidden_rows"]
    assert hidden["message"].str.startswith("row 3 is hidden").tolist() == [True]


# ------------------------------------------------------------- probe 14M: legitimate files


def test_stations_of_one_building_in_two_sheets_are_no_copy(tmp_path):
    """Three 工会驿站 of their own at the places of three 港湾: read, not refused."""
    other = [["Y1", "驿站甲", *ROWS[0][2:]], ["Y2", "驿站乙", *ROWS[1][2:]],
             ["Y3", "驿站丙", *ROWS[2][2:]]]  # fmt: skip
    f = _workbook(tmp_path / "st.xlsx", {"港湾": [HEADER, *ROWS], "驿站": [HEADER, *other]})
    assert len(read_stations(f, crs="gcj02").stations) == 6
    copy = _workbook(tmp_path / "copy.xlsx", {"港湾": [HEADER, *ROWS], "备份": [HEADER, *ROWS]})
    with pytest.raises(InputDataError, match="sheet '备份' repeats 3 of its 3 stations"):
        read_stations(copy, crs="gcj02")  # a copy with its ids too
    both = read_stations(copy, crs="gcj02", sheet=["港湾"])
    assert len(both.stations) == 3


def test_a_sheet_without_recognised_names_is_read_unless_a_summary(tmp_path):
    other = [["驿站名称", "经度", "纬度"], ["驿站甲", 106.50, 29.55], ["驿站乙", 106.51, 29.56]]
    plain = [["说明", "经度", "纬度"], ["甲", 106.52, 29.55], ["乙", 106.53, 29.56]]
    f = _workbook(tmp_path / "st.xlsx", {"港湾": [HEADER, *ROWS], "驿站": other, "其他": plain})
    check = read_stations(f, crs="gcj02")
    assert len(check.stations) == 7 and "驿站甲" in set(check.stations["name"])


def test_sheets_in_different_datums_read_each_by_its_headers(tmp_path):
    from harbor_planner import CRSError
    from harbor_planner.coords import gcj02_to_bd09

    bd = [["编号", "名称", "百度经度", "百度纬度"]]
    for r in ROWS:
        lon, lat = gcj02_to_bd09(r[2], r[3])
        bd.append([r[0] + "b", r[1], float(lon), float(lat)])
    f = _workbook(tmp_path / "st.xlsx", {"高德": [HEADER, *ROWS], "百度": bd})
    with pytest.raises(CRSError, match="百度经度"):
        read_stations(f, crs="gcj02")  # the Baidu sheet has no GCJ-02 columns
    unstated = read_stations(f)  # read as BD-09 from the headers, the other sheet too: said
    message = unstated.problems.loc[unstated.problems["code"] == "crs_from_header", "message"]
    assert "sheet '高德', without such headers, is read as BD-09 too" in message.iloc[0]


def test_one_station_on_two_status_sheets_is_a_conflict_not_a_copy(tmp_path):
    f = _workbook(tmp_path / "st.xlsx", {"已建成": [HEADER[:4], *[r[:4] for r in ROWS]],
                                         "在建": [HEADER[:4], ROWS[0][:4]]})  # fmt: skip
    check = read_stations(f, crs="gcj02")
    assert set(check.errors["code"]) == {"duplicate_id"}
    assert "已建成!2, 在建!2" in check.errors["message"].iloc[0]


def test_copies_without_ids_are_left_out_and_named_with_their_sheet(tmp_path):
    rows = [HEADER[1:], *[r[1:] for r in ROWS]]
    check = read_stations(_workbook(tmp_path / "n.xlsx", {"甲": [*rows, rows[1]]}), crs="gcj02")
    assert len(check.stations) == 3 and check.errors["code"].tolist() == ["duplicate_row"]


def test_rows_that_only_look_like_examples_are_stations(tmp_path):
    rows = [["例001", *ROWS[0][1:]], ["A2", "示例1号港湾", *ROWS[1][2:]],
            ["A3", "Example Road Station", *ROWS[2][2:]]]  # fmt: skip
    check = read_stations(_csv(tmp_path / "e.csv", rows, "utf-8"), crs="gcj02")
    assert len(check.stations) == 3 and "example_row" not in set(check.problems["code"])


def test_emoji_joiners_grouped_decimals_and_traditional_districts(tmp_path):
    header = ["编号", "名称", "区县", "经度", "纬度"]
    rows = [["A1", "港湾👨\u200d👩\u200d👧", "渝中區", "106.489 733", "29.548 252"]]
    path = tmp_path / "x.csv"
    import pandas as pd

    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8")
    check = read_stations(path, crs="gcj02")
    assert check.ok, check.format_problems()
    assert check.stations["name"].iloc[0] == "港湾👨\u200d👩\u200d👧"
    assert check.stations["geometry"].x.iloc[0] == pytest.approx(106.4838, abs=1e-2)
    assert "district_unknown" not in set(check.problems["code"])


def test_a_gbk_file_with_a_user_defined_character_stays_gbk(tmp_path):
    head = "编号,名称,经度,纬度\nA1,甲,106.489733,29.548252\nA2,乙".encode("gbk")
    body = head + b"\xaa\xa1" + b",106.561866,29.556012\n"  # a user-defined character
    path = tmp_path / "pua.csv"
    path.write_bytes(body)
    check = read_stations(path, crs="gcj02")
    assert check.stations["name"].iloc[0] == "甲" and len(check.stations) == 2

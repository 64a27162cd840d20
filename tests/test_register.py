"""Station register: unified codes <adcode>-<NNNN>, stable across runs, never reused."""

from __future__ import annotations

import pandas as pd
import pytest

from harbor_planner import InputDataError, read_stations
from harbor_planner.cli import main
from harbor_planner.stations.register import CODE_COLUMN, number_stations

# two points in 渝中区 (500103) and one in 江北区 (500105), WGS-84
YUZHONG = [(106.5700, 29.5580), (106.5500, 29.5550), (106.5400, 29.5600)]
JIANGBEI = (106.5750, 29.5900)


def write(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def base_rows():
    pts = [*YUZHONG, JIANGBEI]
    return [
        {"编号": f"S{i}", "名称": f"站{i}", "经度": x, "纬度": y, "状态": "已建成"}
        for i, (x, y) in enumerate(pts, start=1)
    ]


def numbered(path):
    check = read_stations(path, crs="wgs84")
    assert check.ok, check.format_problems()
    return number_stations(check.stations).stations.set_index("station_id")[CODE_COLUMN]


def test_codes_per_district_in_row_order(tmp_path):
    codes = numbered(write(tmp_path / "a.csv", base_rows()))
    assert codes.to_dict() == {
        "S1": "500103-0001", "S2": "500103-0002", "S3": "500103-0003", "S4": "500105-0001",
    }  # fmt: skip


def test_numbering_its_own_output_changes_nothing(tmp_path, capsys):
    src = write(tmp_path / "a.csv", base_rows())
    for out in ("reg.csv", "reg.xlsx"):
        assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out",
                     str(tmp_path / out)]) == 0  # fmt: skip
    assert main(["-q", "stations", "number", str(tmp_path / "reg.csv"), "--crs", "wgs84",
                 "--out", str(tmp_path / "again.csv")]) == 0  # fmt: skip
    assert (tmp_path / "reg.csv").read_bytes() == (tmp_path / "again.csv").read_bytes()
    again = pd.read_excel(tmp_path / "reg.xlsx")
    assert list(again["统一编号"]) == ["500103-0001", "500103-0002", "500103-0003", "500105-0001"]
    assert "4 codes kept, 0 new" in capsys.readouterr().out.splitlines()[-1]


def test_adding_appends_and_closing_keeps_the_code(tmp_path):
    rows = base_rows()
    for r, code in zip(rows, ["500103-0001", "500103-0002", "500103-0007", "500105-0001"],
                       strict=True):  # fmt: skip
        r["统一编号"] = code
    rows[2]["状态"] = "退出"  # 500103-0007 closed: stays in the register
    rows[2]["退出日期"] = "2025-06-30"
    rows.append({"编号": "S5", "名称": "新站", "经度": 106.5650, "纬度": 29.5520, "状态": "拟建"})
    codes = numbered(write(tmp_path / "b.csv", rows))
    assert codes["S3"] == "500103-0007"  # kept
    assert codes["S5"] == "500103-0008"  # after the highest ever given, never a gap reused
    check = read_stations(tmp_path / "b.csv", crs="wgs84")
    st = number_stations(check.stations).stations.set_index("station_id")
    assert st.loc["S3", "closed"] == "2025-06-30" and st.loc["S3", "status"] == "closed"


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["500103-0001", "500103-0001", None, None], "same code is given twice"),
        (["500105-0001", None, None, None], "disagrees with the location"),
        (["X-1", None, None, None], "not <adcode>-<NNNN>"),
    ],
)
def test_conflicts_are_errors_naming_rows(tmp_path, codes, message):
    rows = base_rows()
    for r, c in zip(rows, codes, strict=True):
        r["统一编号"] = c
    check = read_stations(write(tmp_path / "c.csv", rows), crs="wgs84")
    with pytest.raises(InputDataError, match=message) as err:
        number_stations(check.stations)
    assert "row" in str(err.value)


def test_bad_dates_and_cli_refuses_rows_with_errors(tmp_path, capsys):
    rows = base_rows()
    rows[0]["开通日期"] = "last spring"
    check = read_stations(write(tmp_path / "d.csv", rows), crs="wgs84")
    with pytest.raises(InputDataError, match="not a date"):
        number_stations(check.stations)
    rows = base_rows()
    rows[1]["经度"] = "abc"
    src = write(tmp_path / "e.csv", rows)
    code = main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out",
                 str(tmp_path / "r.csv")])  # fmt: skip
    assert code == InputDataError.exit_code
    assert "fix them before numbering" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.realdata
def test_yuzhong_register(shared, tmp_path):
    check = read_stations(shared("yuzhong", "stations_illustrative.xlsx"), crs="gcj02")
    st = number_stations(check.stations).stations
    assert st[CODE_COLUMN].is_unique and len(st) == 42
    assert st[CODE_COLUMN].str.match(r"^500\d{3}-\d{4}$").all()
    assert (st[CODE_COLUMN].str[:6] == st["adcode"]).all()


def test_a_previous_register_keeps_deleted_codes_retired_and_ids_their_codes(tmp_path):
    """Probe 13H: deleting the station with a district's highest code gave that code to the
    next new station; a fresh export without codes renumbered everything by row order.
    With --previous, codes go by station id and no code of the previous register returns."""
    src = write(tmp_path / "a.csv", base_rows())
    reg = tmp_path / "reg.csv"
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(reg)]) == 0
    # a fresh export: S3 (500103-0003, the district's highest) deleted, S5 new at the top,
    # the rows in another order and no 统一编号 column
    rows = [r for r in base_rows() if r["编号"] != "S3"][::-1]
    rows.insert(0, {"编号": "S5", "名称": "新站", "经度": 106.5650, "纬度": 29.5520,
                    "状态": "拟建"})  # fmt: skip
    fresh = write(tmp_path / "fresh.csv", rows)
    out = tmp_path / "new.csv"
    argv = ["-q", "stations", "number", str(fresh), "--crs", "wgs84", "--previous", str(reg),
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("编号")
    got = table["统一编号"].to_dict()
    assert got == {"S5": "500103-0004", "S4": "500105-0001", "S2": "500103-0002",
                   "S1": "500103-0001", "S3": "500103-0003"}  # fmt: skip
    # S3, deleted from the list, stays in the register as closed (probe 21G: dropped, its
    # code was free again a year later)
    assert table.loc["S3", "状态"] == "已退出"
    without = number_stations(read_stations(fresh, crs="wgs84").stations).stations
    assert "500103-0001" in set(without[CODE_COLUMN])  # by row order: S5 took S1's code


def test_a_geopackage_register_is_numbered_again(tmp_path):
    """Its points are WGS-84 and its 经度/纬度 columns the coordinates as given (probe 13H:
    numbered again, two 经度 columns and a crash)."""
    src = write(tmp_path / "a.csv", base_rows())
    gpkg, again = tmp_path / "reg.gpkg", tmp_path / "again.csv"
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(gpkg)]) == 0
    assert main(["-q", "stations", "number", str(gpkg), "--crs", "wgs84",
                 "--out", str(again)]) == 0  # fmt: skip
    table = pd.read_csv(again, encoding="utf-8-sig")
    assert list(table.columns).count("经度(WGS-84)") == 1  # its datum named (probe 26P)
    assert not {"经度", "纬度"} & set(table.columns)
    assert list(table["统一编号"]) == ["500103-0001", "500103-0002", "500103-0003", "500105-0001"]


def test_numbering_shows_the_warnings_of_the_file(tmp_path, capsys):
    """A register is for keeps: a duplicate place or a district that disagrees is shown, not
    only counted in a log line (probe 13H)."""
    rows = base_rows()[:2]
    rows[1]["经度"], rows[1]["纬度"] = rows[0]["经度"], rows[0]["纬度"]
    rows[0]["区县"], rows[1]["区县"] = "江北区", "渝中区"
    src = write(tmp_path / "w.csv", rows)
    # a station in another district than its 区县 says gets no code at all (probe 21G: a
    # Baidu file numbered as AMap gave 7 stations permanent codes of the wrong district)
    code = main(["-q", "stations", "number", str(src), "--crs", "wgs84",
                 "--out", str(tmp_path / "r.csv")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == InputDataError.exit_code and not (tmp_path / "r.csv").exists()
    assert "district_mismatch" in captured.out and "duplicate_location" in captured.out
    assert "1 station lies in another district than their 区县 says (rows 2;" in captured.err
    rows[0]["区县"] = "渝中区"
    assert main(["-q", "stations", "number", str(write(tmp_path / "w.csv", rows)), "--crs",
                 "wgs84", "--out", str(tmp_path / "r.csv")]) == 0  # fmt: skip
    assert "duplicate_location" in capsys.readouterr().out


def test_numbering_a_long_list_under_q_prints_a_bounded_table(tmp_path, capsys):
    """Probe 21G: `stations number -q` printed all 86,045 warnings of a 1,000,000-row list.
    Under -q the table holds the first 20 and says how many more; --max-problems sets it."""
    rows = [{**base_rows()[0], "编号": f"S{i}", "名称": f"站{i}"} for i in range(30)]
    src = write(tmp_path / "dup.csv", rows)  # 29 stations at the first one's place
    args = ["stations", "number", str(src), "--crs", "wgs84"]
    assert main(["-q", *args, "--out", str(tmp_path / "a.csv")]) == 0
    out = capsys.readouterr().out
    assert out.count("duplicate_location") == 20 and "... and 9 more problems" in out
    assert main([*args, "--out", str(tmp_path / "b.csv")]) == 0
    assert capsys.readouterr().out.count("duplicate_location") == 29
    assert main(["-q", *args, "--max-problems", "3", "--out", str(tmp_path / "c.csv")]) == 0
    assert capsys.readouterr().out.count("duplicate_location") == 3
    assert len(pd.read_csv(tmp_path / "a.csv")) == 30


def test_a_closing_date_written_in_chinese_beside_ours_is_read(tmp_path):
    """A planner adds 退出日期 to a register that has our (empty) ``closed`` column (probe 13H:
    ignored, and the warning kept asking for 退出日期)."""
    rows = base_rows()
    for r in rows:
        r["closed"] = None
    rows[2]["状态"] = "退出"
    rows[2]["退出日期"] = "2025-06-30"
    check = read_stations(write(tmp_path / "r.csv", rows), crs="wgs84")
    st = number_stations(check.stations).stations.set_index("station_id")
    assert st.loc["S3", "closed"] == "2025-06-30"
    assert list(st.columns).count("closed") == 1 and "退出日期" not in st


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".xlsx"])
def test_numbering_a_list_without_rows_writes_an_empty_register(tmp_path, capsys, suffix):
    """Probe 14L: a header without rows gave a traceback for .csv and .gpkg registers."""
    from harbor_planner.cli import main

    src = tmp_path / "hdr.csv"
    src.write_text("编号,名称,经度,纬度\n", "utf-8")
    out = tmp_path / f"register{suffix}"
    code = main(["-q", "stations", "number", str(src), "--crs", "gcj02", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and "Traceback" not in captured.err, captured.err
    assert out.is_file() and "0 stations" in captured.out


def test_rows_of_the_previous_register_it_cannot_read_keep_their_codes(tmp_path, capsys):
    """Probe 17H's H1: a previous register's row the reader rejects (a status word it does
    not know, coordinates emptied for a demolished site) dropped out, and its code, the
    district's highest, went to a new station."""
    src = write(tmp_path / "a.csv", base_rows())
    reg = tmp_path / "reg.csv"
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(reg)]) == 0
    table = pd.read_csv(reg, encoding="utf-8-sig", dtype=str)
    table.loc[table["编号"] == "S3", ["经度(WGS-84)", "纬度(WGS-84)"]] = ""  # demolished
    table.to_csv(tmp_path / "edited.csv", index=False, encoding="utf-8-sig")
    rows = [r for r in base_rows() if r["编号"] != "S3"]
    rows.append({"编号": "S9", "名称": "新站", "经度": 106.5650, "纬度": 29.5520, "状态": "拟建"})
    out = tmp_path / "new.csv"
    code = main(["--no-progress", "stations", "number", str(write(tmp_path / "f.csv", rows)),
                 "--crs", "wgs84", "--previous", str(tmp_path / "edited.csv"),
                 "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    got = pd.read_csv(out, encoding="utf-8-sig").set_index("编号")["统一编号"].to_dict()
    assert got["S9"] == "500103-0004"  # not S3's 0003
    assert "their codes stay retired: 500103-0003" in err


def test_previous_registers_that_match_nothing_or_clash_are_warned_of(tmp_path, caplog):
    """Probe 17H's M1/M2: ids that match no row of the previous register renumbered every
    station without a word; a code typed onto another station's row was kept silently."""
    src = write(tmp_path / "a.csv", base_rows())
    previous = number_stations(read_stations(src, crs="wgs84").stations).stations
    renamed = [{**r, "编号": "X" + r["编号"]} for r in base_rows()]
    with caplog.at_level("WARNING", logger="harbor_planner"):
        got = number_stations(read_stations(write(tmp_path / "b.csv", renamed),
                                            crs="wgs84").stations, previous=previous)  # fmt: skip
    # ids of their own are new stations, whatever their names and places (probe 21R: a new
    # station took a closed one's code by place)
    assert "none of the 4 stations is in the previous register" in caplog.text
    assert got.assigned == 4
    caplog.clear()
    rows = base_rows()
    rows[1]["统一编号"] = "500103-0001"  # S1's code typed onto S2
    rows[0]["统一编号"] = "500103-0009"
    with caplog.at_level("WARNING", logger="harbor_planner"):
        number_stations(read_stations(write(tmp_path / "c.csv", rows), crs="wgs84").stations,
                        previous=previous)  # fmt: skip
    assert "500103-0001 was S1's" in caplog.text


def _exits(tmp_path, stations, *more: str):
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path().parent
    out = tmp_path / "cov"
    argv = ["-q", "--no-progress", "coverage", "--network", str(demo / "yuzhong_walk.osm.bz2"),
            "--walk-model", "flat", "--stations", str(stations), "--crs", "gcj02", "--no-range",
            "--map-bands", "", "--study-area", "渝中区", "--out", str(out), *more]  # fmt: skip
    assert main(argv) == 0
    return pd.read_csv(out / "exit_candidates.csv", encoding="utf-8-sig", dtype=str)


def test_exits_are_of_the_study_area_with_their_codes_and_flagships(tmp_path):
    """Probe 17H's M4/M6: a station of a neighbouring district "lost 0 %" (none of the
    study's demand is its own) and was listed as an exit; the exit table had no 统一编号 and
    no flagship column (the demo's two flagships were proposed for closure unmarked)."""
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path().parent
    reg = tmp_path / "reg.csv"
    assert main(["-q", "stations", "number", str(demo / "stations.csv"), "--crs", "gcj02",
                 "--out", str(reg)]) == 0  # fmt: skip
    table = pd.read_csv(reg, encoding="utf-8-sig", dtype=str)
    far = table.iloc[[0]].assign(
        station_id="JB1",
        经度="106.5750",
        纬度="29.5950",
        统一编号=pd.NA,
        flagship="False",
        status="existing",
    )
    pd.concat([table, far]).to_csv(tmp_path / "with_jb.csv", index=False, encoding="utf-8-sig")
    exits = _exits(tmp_path, tmp_path / "with_jb.csv", "--exit-candidates", "100")
    assert "JB1" not in set(exits["station_id"])  # in 江北区: not this study's to close
    assert {"统一编号", "flagship"} <= set(exits.columns)
    assert exits["统一编号"].str.match(r"^500103-\d{4}$").all()
    assert exits["in_study_area"].eq("True").all()


def test_a_station_losing_all_it_covers_is_no_exit_under_100_pct(tmp_path):
    """Probe 17H's M5: a lone station lost 99.999...% (float sums), published 100.0, and was
    listed as losing "less than 100 %"."""
    from harbor_planner.scenario import demo_scenario_path

    rows = pd.read_csv(demo_scenario_path().parent / "stations.csv", encoding="gbk", skiprows=1)
    one = rows[rows.iloc[:, 0].astype(str) == "SL004"]  # sums to 99.99999999999991 %
    one.to_csv(tmp_path / "one.csv", index=False, encoding="utf-8-sig")
    exits = _exits(tmp_path, tmp_path / "one.csv", "--exit-candidates", "100")
    assert exits.empty


def test_dates_are_read_cell_by_cell_in_the_forms_planners_write(tmp_path):
    """Probe 17H's M3: the column took its format from the first cell, so 2024/12/25 after
    2024-03-05 was "not a date", and 2024年3月5日 was never one."""
    rows = base_rows()
    for r, d in zip(rows, ["2024-03-05", "2024/12/25", "2024年3月5日", "2024-03-06 10:00"],
                    strict=True):  # fmt: skip
        r["开通日期"] = d
    check = read_stations(write(tmp_path / "d.csv", rows), crs="wgs84")
    got = number_stations(check.stations).stations.set_index("station_id")["opened"]
    assert got.to_dict() == {"S1": "2024-03-05", "S2": "2024-12-25", "S3": "2024-03-05",
                             "S4": "2024-03-06"}  # fmt: skip
    rows[0]["开通日期"] = "03/01/2024"  # month or day first? no date
    check = read_stations(write(tmp_path / "e.csv", rows), crs="wgs84")
    with pytest.raises(InputDataError, match=r"not a date \(write it as 2024-03-05"):
        number_stations(check.stations)


def test_the_register_writes_each_district_by_its_official_name(tmp_path):
    """Probe 17H's M7: the register kept 渝中, Yuzhong, 500103 and even 江北区 on a station
    coded 500103-0008, as typed."""
    rows = base_rows()
    for r, typed in zip(rows, ["渝中", "Yuzhong", "江北区", "500105"], strict=True):
        r["区县"] = typed
    src = write(tmp_path / "a.csv", rows)
    reg = tmp_path / "reg.csv"
    argv = ["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(reg)]
    assert main(argv) == InputDataError.exit_code  # S3 typed 江北区: refused (probe 21G) ...
    assert main([*argv, "--accept-districts"]) == 0  # ... unless the locations are right
    table = pd.read_csv(reg, encoding="utf-8-sig", dtype=str).set_index("编号")
    assert table["区县"].to_dict() == {"S1": "渝中区", "S2": "渝中区", "S3": "渝中区",
                                           "S4": "江北区"}  # fmt: skip
    assert main(["-q", "stations", "number", str(reg), "--crs", "wgs84", "--out",
                 str(tmp_path / "again.csv")]) == 0  # fmt: skip
    assert reg.read_bytes() == (tmp_path / "again.csv").read_bytes()


def test_full_width_codes_and_past_closing_dates_of_open_stations(tmp_path, caplog):
    """Probe 17H (low): a code typed with full-width digits was "not <adcode>-<NNNN>"; an open
    station with a closing date already past counted as open without a word."""
    rows = base_rows()
    rows[0]["统一编号"] = "５００１０３－０００７"
    rows[1]["退出日期"] = "2020-01-01"
    check = read_stations(write(tmp_path / "a.csv", rows), crs="wgs84")
    with caplog.at_level("WARNING", logger="harbor_planner"):
        codes = number_stations(check.stations).stations.set_index("station_id")[CODE_COLUMN]
    assert codes["S1"] == "500103-0007"
    assert "closing date (退出日期) already past" in caplog.text and "row(s) 3:" in caplog.text


def test_exits_of_a_list_without_ids_name_their_rows(tmp_path):
    """Probe 19R: exit_candidates.csv of a `name,lon,lat` list had a blank station_id and no
    row: which station to close could not be told."""
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path().parent
    table = pd.read_csv(demo / "stations.csv", encoding="gb18030", dtype=str, header=1)
    ids = [c for c in table.columns if c in ("编号", "station_id", "id")]
    assert ids
    table.drop(columns=ids).to_csv(tmp_path / "noid.csv", index=False, encoding="utf-8-sig")
    exits = _exits(tmp_path, tmp_path / "noid.csv", "--exit-candidates", "100")
    assert len(exits) and exits["station_id"].str.fullmatch(r"row \d+").all()


def test_stations_of_two_files_without_ids_keep_apart():
    """Probe 19R: two files without ids gave the same "row N" keys (14 stations, 7 keys)."""
    import numpy as np

    from harbor_planner.stations.keys import station_keys

    st = pd.DataFrame({"row": [2, 3, 2, 3], "sheet": [pd.NA] * 4,
                       "station_id": [np.nan] * 4,
                       "source_file": ["a.csv", "a.csv", "b.csv", "b.csv"]})  # fmt: skip
    assert station_keys(st).tolist() == ["a.csv row 2", "a.csv row 3", "b.csv row 2",
                                         "b.csv row 3"]  # fmt: skip
    one = st.assign(source_file="a.csv")
    assert station_keys(one).tolist() == ["row 2", "row 3", "row 2", "row 3"]


def test_the_register_file_is_in_chinese_and_reads_back_as_the_same_stations(tmp_path):
    """Probes 17H/19W: the register sent to the district offices mixed Chinese headers
    (统一编号, 经度) with English ones (station_id, status) and English statuses (existing)."""
    rows = base_rows()
    rows[0]["最美渝工港湾"], rows[1]["最美渝工港湾"] = "是", "否"
    rows[2]["状态"], rows[2]["退出日期"] = "已退出", "2024-05-01"
    src = write(tmp_path / "a.csv", rows)
    reg = tmp_path / "reg.csv"
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(reg)]) == 0
    table = pd.read_csv(reg, encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:4]) == ["统一编号", "编号", "名称", "区县"] and "状态" in table
    assert not {"station_id", "name", "status", "flagship", "district"} & set(table.columns)
    assert set(table["状态"]) == {"已建成", "已退出"}
    assert table.set_index("编号").loc[["S1", "S2"], "最美渝工港湾"].tolist() == ["是", "否"]
    assert table.set_index("编号").loc["S3", "退出日期"] == "2024-05-01"
    # read back: the same stations, statuses and flags; numbered again: the same bytes
    again = read_stations(reg, crs="wgs84").stations.set_index("station_id")
    first = read_stations(src, crs="wgs84").stations.set_index("station_id")
    assert again["status"].to_dict() == first["status"].to_dict()
    assert again["flagship"].tolist() == first["flagship"].tolist()
    for out in ("again.csv", "again.xlsx"):
        assert main(["-q", "stations", "number", str(reg), "--crs", "wgs84", "--out",
                     str(tmp_path / out)]) == 0  # fmt: skip
    assert main(["-q", "stations", "number", str(tmp_path / "again.xlsx"), "--crs", "wgs84",
                 "--out", str(tmp_path / "again2.csv")]) == 0  # fmt: skip
    assert reg.read_bytes() == (tmp_path / "again.csv").read_bytes()
    assert reg.read_bytes() == (tmp_path / "again2.csv").read_bytes()
    # --lang en: the keys and codes, as the API's register_table has them
    en = tmp_path / "en.csv"
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--lang", "en",
                 "--out", str(en)]) == 0  # fmt: skip
    table = pd.read_csv(en, encoding="utf-8-sig", dtype=str)
    assert {"station_id", "status"} <= set(table.columns) and "existing" in set(table["status"])
    # a register written in English by an earlier version is replaced, not refused as edited,
    # and serves as --previous
    old = tmp_path / "old.csv"
    old.write_bytes(en.read_bytes())
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--previous", str(en),
                 "--out", str(old)]) == 0  # fmt: skip
    assert old.read_bytes() == reg.read_bytes()


def _number(tmp_path, name, rows, previous=None, *, quiet=True):
    """``stations number`` of ``rows`` (with ``--previous``); the register as a table."""
    src = write(tmp_path / f"{name}.csv", rows)
    out = tmp_path / f"{name}-reg.csv"
    argv = ["stations", "number", str(src), "--crs", "wgs84", "--out", str(out)]
    argv = ["-q", *argv] if quiet else argv
    assert main(argv + (["--previous", str(previous)] if previous else [])) == 0
    return out, pd.read_csv(out, encoding="utf-8-sig", dtype=str)


def test_a_retired_code_is_never_given_again_years_later(tmp_path):
    """Probe 21G: a station deleted from the list dropped out of the register, and the next
    year's numbering gave its code (the district's highest) to a new station."""
    reg1, _ = _number(tmp_path, "y1", base_rows())
    no_s3 = [r for r in base_rows() if r["编号"] != "S3"]  # S3: 500103-0003, deleted
    reg2, t2 = _number(tmp_path, "y2", no_s3, reg1)
    assert t2.set_index("编号").loc["S3", "统一编号"] == "500103-0003"
    s3 = next(r for r in base_rows() if r["编号"] == "S3")  # a new station of S3's name at
    new = {**s3, "编号": "S9", "状态": "拟建"}  # its place, an id of its own (probe 21R)
    _, t3 = _number(tmp_path, "y3", [*no_s3, new], reg2)
    codes = t3.set_index("编号")["统一编号"]
    assert codes["S9"] == "500103-0004" and codes["S3"] == "500103-0003"
    assert codes.is_unique


def test_ids_retyped_or_missing_keep_their_codes(tmp_path, caplog):
    """Probe 21G: Ａ０２ (full width) or s2 took a new code and retired S2's; a list without
    编号 renumbered every station each year."""
    reg, t1 = _number(tmp_path, "y1", base_rows())
    before = t1.set_index("名称")["统一编号"]
    retyped = base_rows()
    retyped[1]["编号"], retyped[2]["编号"] = "Ｓ２", "s3"
    _, t2 = _number(tmp_path, "y2", retyped, reg)
    assert t2.set_index("名称")["统一编号"].to_dict() == before.to_dict()
    no_ids = [{k: v for k, v in r.items() if k != "编号"} for r in base_rows()]
    _, t3 = _number(tmp_path, "y3", no_ids, reg)
    assert t3.set_index("名称")["统一编号"].to_dict() == before.to_dict()
    assert len(t3) == len(t1)  # nobody left out (kept as closed) twice
    # a code retyped on its own station's row: said, the old one stays retired
    changed = base_rows()
    changed[0]["统一编号"] = "500103-0009"
    previous = read_stations(reg, crs="wgs84").stations
    with caplog.at_level("WARNING", logger="harbor_planner"):
        number_stations(read_stations(write(tmp_path / "y4.csv", changed),
                                      crs="wgs84").stations, previous=previous)  # fmt: skip
    assert "500103-0009 (was 500103-0001)" in caplog.text


def test_exits_are_what_closing_a_station_now_loses_among_the_built_ones(tmp_path, capsys):
    """Probe 21G: with stations under construction and proposed used, a built station backed
    up by a proposed one "lost 0.50 %" and was listed as an exit, though closing it now loses
    16 % of what the built stations cover."""
    from harbor_planner.scenario import demo_scenario_path

    exits = _exits(tmp_path, demo_scenario_path().parent / "stations.csv",
                   "--exit-candidates", "5")  # fmt: skip
    st = pd.read_csv(tmp_path / "cov" / "stations.csv", encoding="utf-8-sig")
    built = st[st["status"] == "existing"].set_index("station_id")
    assert built["exit_loss_built_pct"].notna().all()
    assert st.loc[st["status"] != "existing", "exit_loss_built_pct"].isna().all()
    want = set(built.index[built["exit_loss_built_pct"].round(2) < 5])
    assert set(exits["station_id"]) == want
    old = set(built.index[built["exit_loss_pct"].round(2) < 5])
    assert old - want  # the basis matters on the demo (SL004: 0.50 % against 15.98 %)
    assert "could close now losing less than 5 % each of what the built stations cover" in (
        capsys.readouterr().out
    )


def test_copies_dates_and_a_full_district_are_said_plainly(tmp_path, capsys, caplog):
    """Probe 21G: an exact copy of a row blocked numbering though its message says it is left
    out; a closing date before the opening one passed; one typed 500103-9999 "ran out of
    numbers" without naming it."""
    rows = base_rows()
    rows.append(dict(rows[0]))  # S1 twice, every cell the same
    src = write(tmp_path / "copy.csv", rows)
    out = tmp_path / "r.csv"
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(out)]) == 0
    assert "duplicate_row" in capsys.readouterr().out
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 4
    rows = base_rows()
    rows[0]["开通日期"], rows[0]["退出日期"], rows[0]["状态"] = "2026-01-01", "2025-01-01", "退出"
    rows[1]["统一编号"] = "500103-9999"
    rows.append({"编号": "S9", "名称": "新站", "经度": 106.5650, "纬度": 29.5520})
    check = read_stations(write(tmp_path / "d.csv", rows), crs="wgs84")
    full = r"its highest code is 500103-9999 \(row\(s\) 3\)"
    zero = [dict(r) for r in rows[:2]]
    zero[0]["统一编号"] = "500103-0000"  # numbers start at 0001 (probe 21G: accepted)
    with pytest.raises(InputDataError, match="NNNN from 0001"):
        number_stations(read_stations(write(tmp_path / "z.csv", zero), crs="wgs84").stations)
    with (
        caplog.at_level("WARNING", logger="harbor_planner"),
        pytest.raises(InputDataError, match=full),
    ):
        number_stations(check.stations)
    assert "closing date (退出日期) is before the opening date" in caplog.text


def test_a_station_moved_to_another_district_gets_a_code_there(tmp_path, caplog):
    """Probe 21G: a station moved from 渝中区 to 江北区 could not be numbered ("the code's
    district disagrees" on a code the file did not even hold)."""
    reg, _ = _number(tmp_path, "y1", base_rows())
    moved = base_rows()
    jb = next(r for r in moved if r["编号"] == "S4")  # the 江北区 station's place
    moved[0]["经度"], moved[0]["纬度"] = jb["经度"], jb["纬度"] + 0.0005
    previous = read_stations(reg, crs="wgs84").stations
    with caplog.at_level("WARNING", logger="harbor_planner"):
        got = number_stations(read_stations(write(tmp_path / "m.csv", moved),
                                            crs="wgs84").stations, previous=previous)  # fmt: skip
    codes = got.stations.set_index("station_id")[CODE_COLUMN]
    assert codes["S1"] == "500105-0002" and "500103-0001" not in set(codes.dropna())
    assert "500103-0001 -> 500105" in caplog.text


def test_a_geopackage_register_as_previous_is_read_in_its_own_crs(tmp_path):
    """Probe 21R: `--previous register.gpkg` was read in the list's datum (GCJ-02) though it
    holds WGS-84 points: its stations were taken 480 m off, written so as closed, and a list
    without 编号 matched none of them by place."""
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path().parent / "stations.csv"
    reg = tmp_path / "reg.gpkg"
    assert main(["-q", "stations", "number", str(demo), "--crs", "gcj02", "--out", str(reg)]) == 0
    rows = pd.read_csv(demo, encoding="gbk", skiprows=1, dtype=str)
    id_col, lon_col, lat_col = rows.columns[0], "经度", "纬度"
    gone = rows.iloc[0]
    fewer = rows.iloc[1:].drop(columns=[id_col])  # no 编号 at all, one station left out
    lst = tmp_path / "list.csv"
    fewer.to_csv(lst, index=False, encoding="utf-8-sig")
    out = tmp_path / "new.csv"
    assert main(["-q", "stations", "number", str(lst), "--crs", "gcj02", "--previous", str(reg),
                 "--out", str(out)]) == 0  # fmt: skip
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    before = read_stations(reg, crs="wgs84").stations
    assert set(table["统一编号"]) == set(before["统一编号"])  # every code kept, by place
    closed = table[table["状态"] == "已退出"]
    assert len(closed) == 1
    assert float(closed["经度(GCJ-02)"].iloc[0]) == pytest.approx(float(gone[lon_col]), abs=1e-6)
    assert float(closed["纬度(GCJ-02)"].iloc[0]) == pytest.approx(float(gone[lat_col]), abs=1e-6)


def test_stations_without_an_id_are_not_one_station_of_the_previous_register(tmp_path, capsys):
    """Probe 24H: a new station without 编号 took the code of last year's station without
    编号 (blank ids were one key), and numbering then stopped with an untrue "the same code
    is given twice"; a station re-added without 编号 under its own name at its own place
    keeps its own code."""
    rows = base_rows()
    rows[1]["编号"] = ""  # 站2 has no id
    reg = tmp_path / "reg.csv"
    src = write(tmp_path / "a.csv", rows)
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(reg)]) == 0
    table = pd.read_csv(reg, encoding="utf-8-sig", dtype=str)
    new = {**base_rows()[0], "编号": "", "名称": "新站", "经度": 106.5600, "纬度": 29.5570}
    new["经度(WGS-84)"], new["纬度(WGS-84)"] = new.pop("经度"), new.pop("纬度")  # its headers
    edited = pd.concat([table, pd.DataFrame([new])], ignore_index=True)
    edited.to_csv(tmp_path / "next.csv", index=False, encoding="utf-8-sig")
    code = main(["-q", "stations", "number", str(tmp_path / "next.csv"), "--crs", "wgs84",
                 "--previous", str(reg), "--out", str(tmp_path / "reg2.csv")])  # fmt: skip
    assert code == 0, capsys.readouterr()
    out = pd.read_csv(tmp_path / "reg2.csv", encoding="utf-8-sig", dtype=str).set_index("名称")
    assert out.loc["站2", "统一编号"] == table.set_index("名称").loc["站2", "统一编号"]
    assert out.loc["新站", "统一编号"] == "500103-0004"
    # 站2 again without its code, at its own place: its own code, found by name and place
    again = edited.copy()
    again.loc[again["名称"] == "站2", "统一编号"] = ""
    again.to_csv(tmp_path / "again.csv", index=False, encoding="utf-8-sig")
    code = main(["-q", "stations", "number", str(tmp_path / "again.csv"), "--crs", "wgs84",
                 "--previous", str(reg), "--out", str(tmp_path / "reg3.csv")])  # fmt: skip
    assert code == 0, capsys.readouterr()
    out = pd.read_csv(tmp_path / "reg3.csv", encoding="utf-8-sig", dtype=str).set_index("名称")
    assert out.loc["站2", "统一编号"] == table.set_index("名称").loc["站2", "统一编号"]
    assert out.loc["新站", "统一编号"] == "500103-0004"


def test_an_id_filled_in_since_keeps_the_stations_code(tmp_path, capsys):
    """Probe 24R2: a station without 编号 last year that gets one, as the register asks, took
    a new code and retired its own (listed as "nan"); found by its name and place, it keeps
    it. A station dropped from the list without an id is named by its name."""
    rows = base_rows()
    rows[1]["编号"] = ""
    rows[2]["编号"] = ""
    reg = tmp_path / "reg.csv"
    assert main(["-q", "stations", "number", str(write(tmp_path / "a.csv", rows)), "--crs",
                 "wgs84", "--out", str(reg)]) == 0  # fmt: skip
    before = pd.read_csv(reg, encoding="utf-8-sig", dtype=str).set_index("名称")["统一编号"]
    rows[1]["编号"] = "S2-NEW"  # the id filled in, same name and place
    del rows[2]  # 站3 (no id) gone from the list
    code = main(["stations", "number", str(write(tmp_path / "b.csv", rows)), "--crs", "wgs84",
                 "--previous", str(reg), "--out", str(tmp_path / "reg2.csv")])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    after = pd.read_csv(tmp_path / "reg2.csv", encoding="utf-8-sig", dtype=str).set_index("名称")
    assert after.loc["站2", "统一编号"] == before["站2"] and after.loc["站2", "编号"] == "S2-NEW"
    assert f"站3 ({before['站3']})" in out.err and "nan (" not in out.err


def test_a_new_station_of_a_stations_name_beside_it_leaves_it_its_code(tmp_path, capsys):
    """Probe 25R3: a station without 编号 and a new one of its name 10 m away, with an 编号 of
    its own, both matched last year's station: both took new codes and the station still in
    the list was kept as closed (已退出). The row without an id keeps the code; said."""
    rows = base_rows()
    rows[1]["编号"] = ""  # 站2, no id
    reg1, t1 = _number(tmp_path, "y1", rows)
    code2 = t1.set_index("名称").loc["站2", "统一编号"]
    beside = {**rows[1], "编号": "S2-B", "经度": rows[1]["经度"] + 0.0001}  # about 10 m east
    _, t2 = _number(tmp_path, "y2", [*rows, beside], reg1, quiet=False)
    said = capsys.readouterr().err
    assert "已退出" not in set(t2["状态"])  # no station of the list retired
    by_id = t2.fillna({"编号": ""}).set_index("编号")["统一编号"]
    assert by_id[""] == code2 and by_id["S2-B"] == "500103-0004"
    assert f"{code2} stays with row 3, not row(s) 6" in said and "not in the list" not in said
    # two rows without an id: the nearer keeps the code, the other is said to be new
    far = {**rows[1], "经度": rows[1]["经度"] + 0.0002}  # about 20 m east, listed first
    _, t3 = _number(tmp_path, "y3", [far, *rows], reg1, quiet=False)
    said = capsys.readouterr().err
    assert t3["统一编号"].tolist()[:3] == ["500103-0004", "500103-0001", code2]
    assert f"{code2} stays with row 4, not row(s) 2" in said
    assert "已退出" not in set(t3["状态"])


def test_a_closed_station_added_back_takes_its_code_and_unnamed_ones_by_place(tmp_path, capsys):
    """Probe 25R3: a station without 编号 dropped (已退出), added back with an 编号 at its
    place takes its code again, as README says, and this is said; a dropped station with
    neither 编号 nor 名称 was named "nan (500103-0003)": it is named by its place."""
    rows = base_rows()
    rows[1]["编号"] = ""
    rows[2]["编号"] = rows[2]["名称"] = ""
    reg1, _ = _number(tmp_path, "y1", rows)
    capsys.readouterr()
    reg2, t2 = _number(tmp_path, "y2", [rows[0], rows[3]], reg1, quiet=False)
    said = capsys.readouterr().err
    assert "nan (" not in said
    x, y = rows[2]["经度"], rows[2]["纬度"]
    assert f"the station without id or name at {x:.6f}, {y:.6f} (500103-0003)" in said
    assert sorted(t2.loc[t2["状态"] == "已退出", "统一编号"]) == ["500103-0002", "500103-0003"]
    back = {**rows[1], "编号": "S2-BACK"}
    _, t3 = _number(tmp_path, "y3", [rows[0], back, rows[3]], reg2, quiet=False)
    codes = t3.fillna({"编号": ""}).set_index("统一编号")
    assert codes.loc["500103-0002", "编号"] == "S2-BACK"
    assert codes.loc["500103-0002", "状态"] == "已建成"
    assert codes.loc["500103-0003", "状态"] == "已退出" and len(t3) == 4
    assert (
        "row(s) 3: closed (已退出) in the previous register, in the list again"
        in capsys.readouterr().err
    )


# --------------------------------------------------------------------------- datum (probe 26P)


def _demo_lists(tmp_path):
    """The demo's GCJ-02 list, and the same stations in WGS-84 without the first two."""
    from harbor_planner.scenario import demo_scenario_path

    demo = demo_scenario_path().parent / "stations.csv"
    st = read_stations(demo, crs="gcj02").stations
    wgs = pd.DataFrame({"编号": st["station_id"], "名称": st["name"], "经度": st.geometry.x,
                        "纬度": st.geometry.y})  # fmt: skip
    return demo, write(tmp_path / "wgs.csv", wgs.iloc[2:].to_dict("records")), st


def test_the_register_names_its_datum_and_previous_is_read_in_it(tmp_path, capsys):
    """Probe 26P: a register wrote plain 经度/纬度 whatever its datum, and `--previous` was
    read in the list's datum: a WGS-84 list numbered against last year's GCJ-02 register
    took its stations 450 m off (the closed ones written there) without a word."""
    demo, wgs, st = _demo_lists(tmp_path)
    reg = tmp_path / "reg2025.xlsx"
    assert main(["-q", "stations", "number", str(demo), "--crs", "gcj02", "--out", str(reg)]) == 0
    t1 = pd.read_excel(reg, dtype=str)
    assert {"经度(GCJ-02)", "纬度(GCJ-02)"} <= set(t1.columns)
    assert not {"经度", "纬度"} & set(t1.columns)
    assert t1["经度(GCJ-02)"].iloc[0] == "106.537976"  # as given, in the datum its header says
    out = tmp_path / "reg2026.csv"
    for _ in range(2):  # the second time: our register CSV, replaced
        assert main(["stations", "number", str(wgs), "--crs", "wgs84", "--previous", str(reg),
                     "--out", str(out)]) == 0  # fmt: skip
    said = capsys.readouterr()
    assert "14 codes kept, 0 new" in said.out and "different datums" not in said.err
    t2 = pd.read_csv(out, encoding="utf-8-sig", dtype=str).set_index("编号")
    assert {"经度(WGS-84)", "纬度(WGS-84)"} <= set(t2.columns)
    closed = t2[t2["状态"] == "已退出"]  # SL001, SL002: written in WGS-84, at their places
    assert sorted(closed.index) == ["SL001", "SL002"]
    at = st.set_index("station_id").geometry
    for sid in closed.index:
        assert float(closed.loc[sid, "经度(WGS-84)"]) == pytest.approx(at[sid].x, abs=1e-6)
        assert float(closed.loc[sid, "纬度(WGS-84)"]) == pytest.approx(at[sid].y, abs=1e-6)


def test_a_register_in_another_datum_than_the_list_is_warned_of(tmp_path, capsys):
    """Probe 26P: every station kept its code but lay ~450 m from its place last year, and
    nothing was said. A register of plain 经度/纬度 (written before they named a datum)
    holding GCJ-02, numbered against a WGS-84 list read as WGS-84: the warning names both
    datums and the headers that read the register right."""
    demo, wgs, _ = _demo_lists(tmp_path)
    reg = tmp_path / "reg.csv"
    assert main(["-q", "stations", "number", str(demo), "--crs", "gcj02", "--out", str(reg)]) == 0
    old = pd.read_csv(reg, encoding="utf-8-sig", dtype=str)
    old = old.rename(columns={"经度(GCJ-02)": "经度", "纬度(GCJ-02)": "纬度"})
    old.to_csv(tmp_path / "old.csv", index=False, encoding="utf-8-sig")
    capsys.readouterr()
    argv = ["stations", "number", str(wgs), "--crs", "wgs84", "--previous",
            str(tmp_path / "old.csv"), "--out", str(tmp_path / "new.csv")]  # fmt: skip
    assert main(argv) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "all 12 stations found in the previous register lie about" in said
    assert "different datums (the list read as WGS-84, the previous register as WGS-84)" in said
    assert "read as GCJ-02 fall on the list" in said and "经度(GCJ-02)/纬度(GCJ-02)" in said
    # the list claimed WGS-84 but is GCJ-02: reading it as GCJ-02 is named
    right = tmp_path / "wgs-reg.csv"
    assert main(["-q", "stations", "number", str(wgs), "--crs", "wgs84", "--out", str(right)]) == 0
    argv = ["stations", "number", str(demo), "--crs", "wgs84", "--accept-districts",
            "--previous", str(right), "--out", str(tmp_path / "n2.csv")]  # fmt: skip
    assert main(argv) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "the list read as WGS-84, the previous register as WGS-84" in said
    assert "read as GCJ-02 (--crs gcj02) the list falls on the register" in said


def test_a_geopackage_register_names_the_datum_of_its_attributes(tmp_path):
    """Probe 26P: a .gpkg register's points are WGS-84 but its 经度/纬度 attributes held the
    GCJ-02 numbers as given, and no header said so: an attribute table exported from it and
    numbered with --crs wgs84 was ~500 m off. The headers say GCJ-02, and the reader holds
    such an export to it."""
    import geopandas as gpd

    from harbor_planner.errors import CRSError

    demo, _, st = _demo_lists(tmp_path)
    gpkg = tmp_path / "reg.gpkg"
    assert main(["-q", "stations", "number", str(demo), "--crs", "gcj02", "--out", str(gpkg)]) == 0
    layer = gpd.read_file(gpkg)
    assert {"经度(GCJ-02)", "纬度(GCJ-02)"} <= set(layer.columns)
    assert layer["经度(GCJ-02)"].astype(float).iloc[0] == pytest.approx(106.537976, abs=1e-9)
    assert layer.geometry.x.iloc[0] == pytest.approx(st.geometry.x.iloc[0], abs=1e-9)  # WGS-84
    export = tmp_path / "export.csv"
    layer.drop(columns="geometry").to_csv(export, index=False, encoding="utf-8-sig")
    with pytest.raises(CRSError, match="GCJ-02"):
        read_stations(export, crs="wgs84")
    again = read_stations(export, crs=None).stations  # read as its headers say
    assert again.geometry.x.iloc[0] == pytest.approx(st.geometry.x.iloc[0], abs=1e-9)


def test_closed_stations_carried_over_keep_the_registers_own_numbers(tmp_path):
    """Probe 26P: stations of the previous register the list no longer has went GCJ-02 ->
    WGS-84 -> GCJ-02 and came back as 29.55822000000001; the register's own numbers are
    kept (an .xlsx register's, and a .gpkg register's attributes)."""
    demo, _, _ = _demo_lists(tmp_path)
    rows = pd.read_csv(demo, encoding="gbk", skiprows=1, dtype=str)
    fewer = write(tmp_path / "fewer.csv", rows.iloc[2:].to_dict("records"))
    for suffix in (".xlsx", ".gpkg"):
        reg, out = tmp_path / f"reg{suffix}", tmp_path / f"next{suffix}.csv"
        assert main(["-q", "stations", "number", str(demo), "--crs", "gcj02",
                     "--out", str(reg)]) == 0  # fmt: skip
        assert main(["-q", "stations", "number", str(fewer), "--crs", "gcj02", "--previous",
                     str(reg), "--out", str(out)]) == 0  # fmt: skip
        text = out.read_text("utf-8-sig")
        closed = [line for line in text.splitlines() if "已退出" in line]
        assert len(closed) == 2, suffix
        for line, (_, given) in zip(closed, rows.iloc[:2].iterrows(), strict=True):
            assert f",{given['经度']},{given['纬度']}," in line + ",", (suffix, line)


def test_ids_that_lost_their_leading_zeros_are_said_to_be_so(tmp_path, capsys):
    """Probe 26P: Excel made 007 a 7 in a register CSV, and the warning said "a code given in
    the file belonged to another station ... typed onto the right row"."""
    rows = [{**r, "编号": f"00{i}"} for i, r in enumerate(base_rows()[:3], start=1)]
    reg, table = _number(tmp_path, "y1", rows)
    table["编号"] = table["编号"].str.lstrip("0")  # saved from Excel: 1, 2, 3
    table.to_csv(tmp_path / "excel.csv", index=False, encoding="utf-8-sig")
    argv = ["stations", "number", str(tmp_path / "excel.csv"), "--crs", "wgs84",
            "--previous", str(reg), "--out", str(tmp_path / "y2.csv")]  # fmt: skip
    assert main(argv) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "belonged to another station" not in said
    assert "row(s) 2, 3, 4: the ids lost their leading zeros" in said
    assert "1 was 001 (500103-0001)" in said and "format the id (编号) column as Text" in said
    got = pd.read_csv(tmp_path / "y2.csv", encoding="utf-8-sig", dtype=str)
    assert got["统一编号"].tolist() == ["500103-0001", "500103-0002", "500103-0003"]


def _register_xlsx(tmp_path, edit):
    """A register of :func:`base_rows` written as ``.xlsx``, then ``edit(sheet)`` by hand."""
    import openpyxl

    src = write(tmp_path / "list.csv", base_rows())
    reg = tmp_path / "reg.xlsx"
    assert main(["-q", "stations", "number", str(src), "--crs", "wgs84", "--out", str(reg)]) == 0
    wb = openpyxl.load_workbook(reg)
    edit(wb.active)
    wb.save(tmp_path / "edited.xlsx")
    return src, tmp_path / "edited.xlsx"


def test_stations_whose_previous_code_is_blank_or_an_unsaved_formula_are_named(tmp_path, capsys):
    """Probe 27T: a register row whose 统一编号 was blank, or a formula without a saved value,
    gave its station a new code ("1 new") without a word; the formula was said in an INFO
    line only. Each such station is warned of (its cell, its new code), and the previous
    register's own problems are shown as the list's are, under its file's name."""

    def edit(ws):
        ws["A2"] = None  # S1: 500103-0001 blanked
        ws["A3"] = '="500103-"&"0002"'  # S2: a formula without a saved value

    src, reg = _register_xlsx(tmp_path, edit)
    out = tmp_path / "next.csv"
    argv = ["stations", "number", str(src), "--crs", "wgs84", "--previous", str(reg),
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    said = capsys.readouterr()
    err = " ".join(said.err.split())
    assert "WARNING" in err and "2 stations of the previous register" in err
    assert (
        "S1: its 统一编号 in the previous register (sheet register row 2) is empty (or a "
        "formula without a saved value); given 500103-0004" in err
    )
    assert "S2: its 统一编号 in the previous register (sheet register row 3)" in err
    assert "given 500103-0005" in err and "type it into that 统一编号 cell" in err
    assert f"{reg}: the previous register has 1 problem" in err  # a warning, not INFO
    assert f"the previous register {reg}:" in said.out
    assert "formula_no_value" in said.out and "cell A3 holds a formula" in said.out
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=str).set_index("编号")["统一编号"]
    assert got["S1"] == "500103-0004" and got["S3"] == "500103-0003"


def test_a_previous_row_without_a_code_gone_from_the_list_is_named(tmp_path, capsys):
    """Probe 27R2: a station whose 统一编号 was blank in the previous register and that is gone
    from the list left the register without a word (the code it had could be given again):
    it is named, with its register row and the fix."""

    def edit(ws):
        ws["A4"] = None  # S3: 500103-0003 blanked

    src, reg = _register_xlsx(tmp_path, edit)
    rows = [r for r in base_rows() if r["编号"] != "S3"]
    shorter = write(tmp_path / "shorter.csv", rows)
    argv = ["stations", "number", str(shorter), "--crs", "wgs84", "--previous", str(reg),
            "--out", str(tmp_path / "next.csv")]  # fmt: skip
    assert main(argv) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "1 row of the previous register without a usable 统一编号 is not in the list" in err
    assert "S3 (sheet register row 4)" in err and "may be given again" in err
    # every row of the list found: nothing said
    (tmp_path / "again").mkdir()
    src, reg = _register_xlsx(tmp_path / "again", edit)
    argv[2], argv[6] = str(src), str(reg)
    assert main(argv) == 0
    assert "not in the list" not in capsys.readouterr().err


def test_a_station_found_by_name_and_place_without_a_code_there_is_named(tmp_path, caplog):
    """Probe 27T: as by id, so by name and place (a list without 编号)."""
    src = write(tmp_path / "a.csv", base_rows())
    previous = number_stations(read_stations(src, crs="wgs84").stations).stations
    previous.loc[previous["station_id"] == "S2", CODE_COLUMN] = "500103-002"  # mistyped
    rows = [{k: v for k, v in r.items() if k != "编号"} for r in base_rows()]
    with caplog.at_level("WARNING", logger="harbor_planner"):
        got = number_stations(read_stations(write(tmp_path / "b.csv", rows),
                                            crs="wgs84").stations, previous=previous)  # fmt: skip
    assert got.assigned == 1
    said = "站2 (row 3): its 统一编号 in the previous register (row 3) is '500103-002', not a code"
    assert said in caplog.text


def test_a_code_twice_in_the_previous_register_names_the_register_not_the_list(tmp_path, capsys):
    """Probe 27T: one cell merged over A2:A3 of the previous register (or a code typed twice)
    was refused naming rows of the new list ("row(s) 2, 3: the same code is given twice"),
    which holds no codes at all."""
    src, reg = _register_xlsx(tmp_path, lambda ws: ws.merge_cells("A2:A3"))
    argv = ["stations", "number", str(src), "--crs", "wgs84", "--previous", str(reg),
            "--out", str(tmp_path / "next.csv")]  # fmt: skip
    assert main(argv) == InputDataError.exit_code
    err = " ".join(capsys.readouterr().err.split())
    assert (
        f"{reg}: the previous register gives one code to several stations: 500103-0001 to "
        "sheet register rows 2, 3 (cells A2:A3 merged into one); a code is one station's: "
        "unmerge the cells and type each station's own code (统一编号)" in err
    )
    assert "the same code is given twice" not in err
    assert not (tmp_path / "next.csv").exists()
    # typed twice in a CSV register; and through the API, without a file name
    _, table = _number(tmp_path, "y1", base_rows())
    table.loc[1, "统一编号"] = table.loc[0, "统一编号"]
    table.to_csv(tmp_path / "twice.csv", index=False, encoding="utf-8-sig")
    argv[argv.index(str(reg))] = str(tmp_path / "twice.csv")
    assert main(argv) == InputDataError.exit_code
    err = " ".join(capsys.readouterr().err.split())
    assert "gives one code to several stations: 500103-0001 to rows 2, 3; a code is" in err
    assert "unmerge" not in err
    previous = read_stations(tmp_path / "twice.csv", crs="wgs84").stations
    with pytest.raises(InputDataError, match="the previous register gives one code to several"):
        number_stations(read_stations(src, crs="wgs84").stations, previous=previous)

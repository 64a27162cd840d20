"""Input limits: hostile workbooks stay bounded, quota cells and optimiser settings in range.

Three findings of the hostile-input probe: tiny ``.xlsx`` files that hung the station reader
with unbounded memory (a stray cell at XFD1048576, a zip bomb); quota tables whose ``min`` of
``abc``, ``nan`` or ``inf`` silently dropped the bound; scenario keys ``optimize.time_limit_s``
and ``optimize.mip_gap`` accepted out of range. Every workbook here is built in ``tmp_path``
and is small on disk.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from harbor_planner import settings
from harbor_planner.cli import main
from harbor_planner.errors import InputDataError, ScenarioError
from harbor_planner.optimize import CoverageMatrix
from harbor_planner.optimize.quotas import quota_arrays, quota_table
from harbor_planner.readers import read_table_file
from harbor_planner.scenario import load_scenario

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["编号", "名称", "经度", "纬度"]

# --------------------------------------------------------------------------- helpers


def small_workbook(path: Path, *, far_cell: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "站点"
    ws.append(HEADER)
    ws.append(["A1", "站点一", 106.55, 29.55])
    if far_cell:
        ws[far_cell] = "x"
    wb.save(path)
    return path


def with_sheet_xml(src: Path, dst: Path, chunks) -> Path:
    """``src`` with its first sheet's XML replaced by ``chunks`` (bytes), streamed."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != SHEET:
                zout.writestr(info.filename, zin.read(info.filename))
                continue
            with zout.open(SHEET, "w", force_zip64=True) as f:
                for chunk in chunks:
                    f.write(chunk)
    return dst


def bomb_chunks(megabytes: int):
    """A sheet whose only cell holds ``megabytes`` MB of the letter A (packs ~1000 to 1)."""
    yield (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    for _ in range(megabytes):
        yield b"A" * 2**20
    yield b"</t></is></c></row></sheetData></worksheet>"


def run_cli(*args: str) -> tuple[int, str, str, int]:
    """The CLI in a child process of at most 3 GB: exit code, stdout, stderr, peak RSS (MB)."""
    code = (
        "import resource, sys\n"
        "from harbor_planner.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
        "file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    res = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,  # a guard against a hang, not a timing
        preexec_fn=cap,
        check=False,
    )
    lines = res.stderr.splitlines()
    peak = [int(ln.split()[1]) // 1024 for ln in lines if ln.startswith("peak_rss_kb")]
    err = "\n".join(ln for ln in lines if not ln.startswith("peak_rss_kb"))
    return res.returncode, res.stdout, err, peak[0] if peak else -1


# --------------------------------------------------------------------------- F5: workbooks


@pytest.fixture(scope="module")
def big_workbook(tmp_path_factory) -> Path:
    """20,000 stations, as a planner's workbook of a whole city might hold."""
    path = tmp_path_factory.mktemp("big") / "stations.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("站点")
    ws.append(HEADER)
    for i in range(20_000):
        ws.append([f"S{i:05d}", f"站点{i}", 106.5 + i * 1e-6, 29.5 + i * 1e-6])
    wb.save(path)
    return path


def test_a_workbook_of_20000_rows_is_read_in_full(big_workbook):
    (raw,), problems = read_table_file(big_workbook, None, None)
    assert len(raw.frame) == 20_000 and list(raw.frame.columns) == HEADER
    assert raw.frame["编号"].iloc[[0, -1]].tolist() == ["S00000", "S19999"]
    assert raw.rows[[0, -1]].tolist() == [2, 20_001]  # row numbers as Excel shows them
    assert problems == []


def test_a_far_stray_cell_reads_only_the_cells_present(tmp_path):
    # XFD1048576 itself: in a child process below (a regression would exhaust the memory)
    path = small_workbook(tmp_path / "far.xlsx", far_cell="AZ5000")
    assert openpyxl.load_workbook(path, read_only=True)["站点"].max_column == 52
    (raw,), problems = read_table_file(path, None, None)
    assert list(raw.frame.columns) == HEADER  # no padding columns column_5 ... column_52
    assert raw.rows.tolist() == [2, 5000]  # the stray row, by its own number
    assert raw.frame["编号"].tolist() == ["A1", None]
    assert [(p["row"], p["code"]) for p in problems] == [(5000, "extra_fields")]


@pytest.mark.parametrize("kind", ["far_cell", "zip_bomb"])
def test_cli_on_a_hostile_workbook_is_one_line_exit_3_and_bounded(tmp_path, kind):
    if kind == "far_cell":
        path = small_workbook(tmp_path / "far.xlsx", far_cell="XFD1048576")
        expected = f"1 error in {path}; the rows listed above were rejected"
    else:
        src = small_workbook(tmp_path / "src.xlsx")
        path = with_sheet_xml(src, tmp_path / "bomb.xlsx", bomb_chunks(64))
        assert path.stat().st_size < 1_000_000  # 64 MB of sheet in well under 1 MB
        expected = "zip bomb"
    code, out, err, peak_mb = run_cli("stations", "check", str(path), "--crs", "gcj02")
    errors = [ln for ln in err.splitlines() if ln.startswith("harbor-planner: error")]
    assert code == 3, err
    assert len(errors) == 1 and expected in errors[0], err
    assert "Traceback" not in err
    assert 0 < peak_mb < 500, peak_mb
    if kind == "far_cell":  # the stray row is listed by its number, the station kept
        assert "1048576" in out and "coord_missing" in out and "1 station kept" in err


def test_a_zip_bomb_is_refused_naming_the_part_and_why(tmp_path):
    src = small_workbook(tmp_path / "src.xlsx")
    bomb = with_sheet_xml(src, tmp_path / "bomb.xlsx", bomb_chunks(40))
    with pytest.raises(InputDataError) as info:
        read_table_file(bomb, None, None)
    msg = str(info.value)
    assert msg.startswith(f"{bomb}: workbook part '{SHEET}' would inflate ")
    assert "more than the 100 to 1 allowed" in msg and "zip bomb" in msg
    assert "\n" not in msg
    # the same bomb named .csv (read by content) and as a quota table
    named_csv = bomb.with_suffix(".csv")
    named_csv.write_bytes(bomb.read_bytes())
    with pytest.raises(InputDataError, match="zip bomb"):
        read_table_file(named_csv, None, None)
    with pytest.raises(InputDataError, match="zip bomb"):
        quota_table(bomb)


def test_a_part_packed_otherwise_than_deflate_is_refused(tmp_path):
    src = small_workbook(tmp_path / "src.xlsx")
    path = tmp_path / "bz2.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == SHEET else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, zin.read(info.filename), compress_type=method)
    with pytest.raises(InputDataError, match=rf"part '{SHEET}' is packed with zip method 12"):
        read_table_file(path, None, None)


def test_a_part_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    src = small_workbook(tmp_path / "src.xlsx")
    path = with_sheet_xml(src, tmp_path / "two_mb.xlsx", bomb_chunks(2))
    read_table_file(path, "站点", None)  # 2 MB: below the ratio check's floor, read
    monkeypatch.setattr(settings, "XLSX_MAX_PART_BYTES", 2**20)
    with pytest.raises(InputDataError) as info:
        read_table_file(path, None, None)
    assert str(info.value).startswith(
        f"{path}: workbook part '{SHEET}' would inflate to 2.0 MB, more than the 1.0 MB a "
        "workbook part may hold; the file is damaged or a zip bomb"
    )


def test_a_sheet_spanning_too_many_cells_is_refused_naming_sheet_and_limit(tmp_path, monkeypatch):
    path = small_workbook(tmp_path / "wide.xlsx", far_cell="ZZ3")
    monkeypatch.setattr(settings, "XLSX_MAX_CELLS", 1000)
    with pytest.raises(InputDataError) as info:
        read_table_file(path, None, None)
    msg = str(info.value)
    assert f"{path}: sheet '站点': " in msg and "column ZZ (row 3)" in msg
    assert "1,000 cells" in msg and "delete the stray cells" in msg


def test_rows_past_excels_last_row_are_refused(tmp_path):
    src = small_workbook(tmp_path / "src.xlsx")
    xml = zipfile.ZipFile(src).read(SHEET)
    row = b'<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>'
    far = xml.replace(b"</sheetData>", row + b"</sheetData>")
    path = with_sheet_xml(src, tmp_path / "rows.xlsx", [far])
    with pytest.raises(InputDataError, match=r"sheet '站点': rows past Excel's last row 1,048,576"):
        read_table_file(path, None, None)


# --------------------------------------------------------------------------- F8: quotas


def quota_file(tmp_path: Path, min_: str, max_: str = "") -> Path:
    path = tmp_path / "quota.csv"
    path.write_text(f"district,min,max\n渝中区,1,3\n江北区,{min_},{max_}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("min_", "max_", "column", "value"),
    [
        ("abc", "5", "min", "abc"),
        ("nan", "", "min", "nan"),
        ("NaN", "", "min", "NaN"),
        ("", "inf", "max", "inf"),
        ("-inf", "", "min", "-inf"),
        ("-1", "", "min", "-1"),
        ("2.5", "", "min", "2.5"),
        ("1", "真", "max", "真"),
    ],
)
def test_a_quota_cell_that_is_not_a_whole_number_is_an_error(tmp_path, min_, max_, column, value):
    path = quota_file(tmp_path, min_, max_)
    with pytest.raises(InputDataError) as info:
        quota_table(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: quota table: row 3, column {column!r}: {value!r} is not")
    assert "whole number of new sites, 0 to 1,000,000 (an empty cell means no bound)" in msg
    assert info.value.exit_code == 3


def test_an_empty_quota_cell_means_no_bound(tmp_path):
    table = quota_table(quota_file(tmp_path, "", ""))
    assert table["district"].tolist() == ["渝中区", "江北区"]
    assert table["min"].tolist()[0] == 1 and table["max"].tolist()[0] == 3
    assert np.isnan(table["min"].iloc[1]) and np.isnan(table["max"].iloc[1])
    assert quota_table(quota_file(tmp_path, " 2 ", "4.0"))[["min", "max"]].iloc[1].tolist() == [
        2,
        4,
    ]
    cm = CoverageMatrix.from_arrays(
        np.eye(4, dtype=bool), np.ones(4), candidate_district=["渝中区", "渝中区", "江北区", "X"]
    )
    _, qmin, qmax, names = quota_arrays(cm, table, 3, np.ones(4, dtype=bool))
    assert names == ["渝中区", "江北区"]
    assert qmin.tolist() == [1, 0] and qmax.tolist() == [3, 3]  # no bound: up to n_add


def test_a_quota_max_below_its_min_names_the_row(tmp_path):
    path = quota_file(tmp_path, "4", "2")
    with pytest.raises(InputDataError, match=r"quota\.csv: quota table: row 3: max 2 is less than"):
        quota_table(path)


def test_a_workbook_quota_table_is_checked_by_its_rows(tmp_path):
    path = tmp_path / "quota.xlsx"
    pd.DataFrame({"区县": ["渝中区", "江北区"], "min": ["2", "nan"], "max": [None, None]}).to_excel(
        path, index=False
    )
    with pytest.raises(InputDataError, match=r"row 3, column 'min': 'nan' is not"):
        quota_table(path)


def test_quota_arrays_refuse_garbage_from_the_api():
    cm = CoverageMatrix.from_arrays(
        np.eye(2, dtype=bool), np.ones(2), candidate_district=["A", "B"]
    )
    quotas = pd.DataFrame({"district": ["A", "B"], "min": [0, "abc"], "max": [1, np.inf]})
    with pytest.raises(InputDataError) as info:
        quota_arrays(cm, quotas, 2, np.ones(2, dtype=bool))
    assert "district B, column 'min': 'abc'" in str(info.value)
    assert "district B, column 'max': 'inf'" in str(info.value)


# --------------------------------------------------------------------------- F9: scenario

SCENARIO = """\
[network]
source = "net.npz"

[stations]
file = "stations.csv"
crs = "gcj02"

[optimize]
add = 2
solver = "exact"
{line}
"""


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("time_limit_s = -1", "time_limit_s", "seconds above 0"),
        ("time_limit_s = 0", "time_limit_s", "seconds above 0"),
        ("time_limit_s = nan", "time_limit_s", "seconds above 0"),
        ("time_limit_s = inf", "time_limit_s", "seconds above 0"),
        ("mip_gap = -1", "mip_gap", "in [0, 1)"),
        ("mip_gap = nan", "mip_gap", "in [0, 1)"),
        ("mip_gap = inf", "mip_gap", "in [0, 1)"),
        ("mip_gap = 1", "mip_gap", "in [0, 1)"),
        ("mip_gap = 1.5", "mip_gap", "in [0, 1)"),
    ],
)
def test_optimiser_limits_out_of_range_are_refused_with_key_and_line(tmp_path, line, key, expected):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(line=line), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: line 11: optimize.{key} must be {expected}" + (
        ", e.g. 600" if key == "time_limit_s" else ", e.g. 0.01"
    )
    assert info.value.problems == [(f"optimize.{key}", str(info.value).split("line 11: ")[1])]


def test_optimiser_limits_in_range_are_accepted(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(line="time_limit_s = 0.5\nmip_gap = 0"), encoding="utf-8")
    opt = load_scenario(path).optimize
    assert opt.time_limit_s == 0.5 and opt.mip_gap == 0.0
    with pytest.raises(ScenarioError, match=r"--set optimize\.mip_gap: optimize\.mip_gap must"):
        load_scenario(path, overrides=["optimize.mip_gap=0.999", "optimize.mip_gap=2"])


def test_run_with_an_out_of_range_limit_exits_3_naming_file_and_key(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(line="time_limit_s = -1"), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"harbor-planner: error: {path}: line 11: optimize.time_limit_s must be seconds above 0, "
        "e.g. 600"
    ]
    assert not (tmp_path / "out").exists()


def test_a_table_wider_than_a_geopackage_holds_is_refused_when_read(tmp_path):
    """Probe 14I: 2,100 columns passed the check, then every GeoPackage write failed."""
    import pandas as pd

    from harbor_planner import InputDataError, read_stations

    cols = {"编号": ["A1"], "名称": ["甲"], "经度": [106.5], "纬度": [29.55]}
    wide = tmp_path / "wide.csv"
    pd.DataFrame({**cols, **{f"备注{i}": ["x"] for i in range(2100)}}).to_csv(wide, index=False)
    with pytest.raises(InputDataError, match=r"2,104 columns.*delete the columns"):
        read_stations(wide, crs="gcj02")
    blank = tmp_path / "blank.csv"  # empty columns without headers are left out
    text = "编号,名称,经度,纬度" + "," * 2100 + "\nA1,甲,106.5,29.55" + "," * 2100 + "\n"
    blank.write_text(text, "utf-8")
    assert len(read_stations(blank, crs="gcj02").stations) == 1

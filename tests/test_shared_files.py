"""What goes into shared files: no formulas, no control characters, no secrets, same bytes.

A hostile station list is generated from the demo's stations (names, addresses, ids and
district names that a spreadsheet would run as formulas, control characters, ANSI escapes)
and sent through ``coverage``, ``run``, ``optimize``, ``stations number`` and ``compare``;
every written workbook, CSV, page and GeoPackage is then read back and checked.
"""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harbor_planner._text import (
    clean_text,
    csv_safe,
    formula_safe,
    has_control,
    redact_argv,
    redact_secrets,
)
from harbor_planner.cli import main

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "=1+1",
    "bell\x07name",
    "esc \x1b[31mred\x1b[0m",
    "del\x7f and c1\x85",
    "nul\x00 \x1b]0;title\x07osc",
    "#N/A",
]
#: In station files (a bare CR splits a CSV row: the readers' business, not the writers').
IN_FILES = [h for h in HOSTILE if "\r" not in h] + ["-5", "\x1b[1m=2+2"]
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")
#: Anything a workbook, page or GeoPackage must not hold (tab and newline allowed).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
KEY = "SEKRIT0123456789abcdef"


def _demo_dir() -> Path:
    from harbor_planner.scenario import demo_scenario_path

    return demo_scenario_path().parent


def _hostile_stations(tmp_path: Path) -> Path:
    """The demo's stations with hostile names, addresses, ids and districts (UTF-8 CSV)."""
    st = pd.read_csv(_demo_dir() / "stations.csv", encoding="gbk", skiprows=1, dtype=str)
    n = len(st)
    cols = list(st.columns)  # 编号, 名称, 区县, 地址, 经度, 纬度, ...
    st[cols[0]] = [f"{IN_FILES[i % len(IN_FILES)]}#{i}" for i in range(n)]
    st[cols[1]] = [IN_FILES[i % len(IN_FILES)] for i in range(n)]
    st[cols[2]] = '=HYPERLINK("http://evil","区")'
    st[cols[3]] = [IN_FILES[(i + 3) % len(IN_FILES)] for i in range(n)]
    path = tmp_path / "hostile.csv"
    st.to_csv(path, index=False, encoding="utf-8")
    return path


def _hostile_districts(tmp_path: Path) -> Path:
    """One district polygon around the demo, named like a formula."""
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0, x1, y1 = gpd.read_file(_demo_dir() / "boundary.geojson").total_bounds
    around = box(x0 - 0.05, y0 - 0.05, x1 + 0.05, y1 + 0.05)
    frame = gpd.GeoDataFrame({"name": ["=cmd|' /C calc'!A0"]}, geometry=[around], crs=4326)
    path = tmp_path / "districts.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_workbook(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (path.name, ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    cells += 1
                    assert not CONTROL.search(cell.value), (path.name, cell.coordinate)
    return cells


def _check_csv(path: Path) -> None:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            for cell in row:
                bad = cell.startswith(FORMULA_CHARS) and not _is_number(cell)
                assert not bad, (path.name, cell)
                assert not CONTROL.search(cell), (path.name, cell)


def _check_gpkg(path: Path) -> None:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("select table_name from gpkg_contents")]
        for table in tables:
            for row in db.execute(f'select * from "{table}"'):
                for v in row:
                    assert not (isinstance(v, str) and CONTROL.search(v)), (path.name, table, v)


def _check_folder(out: Path) -> None:
    """Every file of a result folder: no formula, no control character, no raw user text."""
    seen = set()
    for path in sorted(out.iterdir()):
        if path.suffix == ".xlsx":
            _check_workbook(path)
        elif path.suffix == ".csv":
            _check_csv(path)
        elif path.suffix == ".gpkg":
            _check_gpkg(path)
        elif path.suffix in (".html", ".json"):
            text = path.read_text("utf-8")
            assert not CONTROL.search(text), path.name  # JSON may hold escaped ones
            if path.suffix == ".html":
                assert "\\u001b" not in text and "\\u0007" not in text, path.name
                assert 'HYPERLINK("http' not in text, path.name  # escaped: &quot;
        seen.add(path.suffix)
    assert {".xlsx", ".csv", ".gpkg", ".html"} <= seen


# --------------------------------------------------------------------------- functions


def test_formula_safe_prefixes_formulas_and_keeps_numbers():
    for text in [*HOSTILE, "=1+1", "@x", "-x", "+x", "+86 23 6000"]:
        safe = formula_safe(text)
        assert safe.startswith("'") or not safe.startswith(FORMULA_CHARS) or _is_number(safe)
    assert formula_safe("\tx") == "'\tx" and formula_safe("\rx") == "x"
    assert formula_safe("\x1b[31m=1+1") == "'=1+1"  # cleaned first, then checked
    assert [formula_safe(t) for t in ("-5", "+1", "-2.5e3", "中文", "a=b")] == [
        "-5", "+1", "-2.5e3", "中文", "a=b",
    ]  # fmt: skip


def test_strip_control_removes_escapes_and_keeps_tab_and_newline():
    assert clean_text("esc \x1b[31mred\x1b[0m") == "esc red"
    assert clean_text("a\x07b\x7fc\x85d\x9b1;2He") == "abcde"
    assert clean_text("\x1b]0;title\x07name") == "name"
    assert clean_text("line\nnext\tcol\r") == "line\nnext\tcol"
    assert clean_text("示例站 №1") == "示例站 №1"
    assert has_control("x\x1b") and not has_control("x\ty")


def test_clean_text_removes_bidirectional_controls():
    # Trojan-Source style: an override makes "站cod.exe" read as "站exe.doc"
    assert clean_text("站\u202eexe.doc") == "站exe.doc"
    assert clean_text("\u2066a\u2069\u200fb\u200e\u061c") == "ab"
    assert has_control("x\u202e") and not has_control("解放碑\u200d")  # ZWJ is text


def test_csv_safe_changes_text_only():
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "ok", None, "-2+3"],
            "value": [-5, 1, 2, 3],
            "pct": [-1.5, np.nan, 2.0, 3.0],
            "kind": pd.Categorical(["@x", "b", "b", "c"]),
        }
    )
    frame.columns = ["=name", "value", "pct", "kind"]
    safe = csv_safe(frame)
    assert list(safe.columns) == ["'=name", "value", "pct", "kind"]
    assert safe["'=name"].tolist()[:2] == ["'=1+1", "ok"] and safe["'=name"].iloc[3] == "'-2+3"
    assert safe["value"].tolist() == [-5, 1, 2, 3] and safe["value"].dtype.kind == "i"
    assert safe["kind"].tolist()[0] == "'@x"
    text = safe.to_csv(index=False)
    assert "\n'=1+1,-5,-1.5,'@x\n" in text
    assert frame.columns[0] == "=name"  # the input is left alone
    clean = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    assert csv_safe(clean) is clean


def test_redaction_of_parameters_overrides_and_argv():
    params = {"output": {"tianditu_key": KEY, "basemap": "tianditu"}, "x": {"api_token": None}}
    assert redact_secrets(params) == {
        "output": {"tianditu_key": "(set)", "basemap": "tianditu"},
        "x": {"api_token": None},
    }
    argv = ["coverage", "--tianditu-key", KEY, f"--tianditu-key={KEY}", "--set",
            f"output.tianditu_key={KEY}", f"--set=output.tianditu_key={KEY}",
            "--out", "o"]  # fmt: skip
    shown = redact_argv(argv)
    assert KEY not in " ".join(shown) and shown[-2:] == ["--out", "o"]
    assert shown[1:3] == ["--tianditu-key", "(set)"]


def test_writers_take_hostile_text_directly(tmp_path):
    """Writer-side guarantee, whatever the readers let through: frames built in code."""
    import geopandas as gpd
    from shapely.geometry import Point

    from harbor_planner.outputs import write_layers_gpkg
    from harbor_planner.outputs.cells import write_frames_xlsx

    n = len(HOSTILE)
    frame = gpd.GeoDataFrame(
        {"station_id": HOSTILE, "name": HOSTILE[::-1], "n": np.arange(n) - 5},
        geometry=[Point(106.9 + i / 1000, 29.3) for i in range(n)],
        crs=4326,
    )
    xlsx = write_frames_xlsx(tmp_path / "t.xlsx", {"=sheet\x07": frame.drop(columns="geometry")})
    assert _check_workbook(xlsx) >= 2 * n
    from openpyxl import load_workbook

    ws = load_workbook(xlsx).worksheets[0]
    assert ws["A2"].value == HOSTILE[0] and ws["A2"].quotePrefix  # text kept, as text
    assert ws["C2"].value == -5 and ws["C2"].data_type == "n"  # numbers stay numbers
    write_layers_gpkg(tmp_path / "l.gpkg", {"stations": frame})
    _check_gpkg(tmp_path / "l.gpkg")


# --------------------------------------------------------------------------- commands


@pytest.fixture(scope="module")
def hostile_coverage(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    stations = _hostile_stations(tmp)
    demo = _demo_dir()
    out = tmp / "cov"
    args = ["-q", "coverage", "--network", str(demo / "yuzhong_walk.osm.bz2"),
            "--stations", str(stations),
            "--crs", "gcj02", "--districts", str(_hostile_districts(tmp)),
            "--district-column", "name", "--exit-candidates", "100", "--out", str(out),
            "--basemap", "tianditu", "--tianditu-key", KEY]  # fmt: skip
    return tmp, stations, args, out


def test_coverage_of_hostile_stations_writes_safe_files(hostile_coverage, capsys, caplog):
    _, _, args, out = hostile_coverage
    caplog.set_level("DEBUG")
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    _check_folder(out)
    names = pd.read_csv(out / "stations.csv", encoding="utf-8-sig", dtype=str)["name"]
    assert '\'=HYPERLINK("http://x","y")' in set(names)  # kept, prefixed
    by_district = pd.read_csv(out / "by_district.csv", encoding="utf-8-sig", dtype=str)
    assert by_district["district"].str.startswith("'=cmd").all()
    # the key: in the map's tile URL only
    assert f"tk={KEY}" in (out / "map.html").read_text("utf-8")
    for name in ("summary.json", "report.html"):
        assert KEY not in (out / name).read_text("utf-8"), name
    with zipfile.ZipFile(out / "report.xlsx") as z:
        assert not any(KEY.encode() in z.read(n) for n in z.namelist())
    assert KEY not in caplog.text and KEY not in captured.out + captured.err


def test_coverage_reruns_give_the_same_bytes(hostile_coverage, capsys):
    tmp, _, args, out = hostile_coverage
    again = tmp / "cov2"
    assert main([*args[:-5], str(again), *args[-4:]]) == 0, capsys.readouterr().err
    if not out.exists():
        assert main(args) == 0
    _same_files(out, again)


def _same_files(a: Path, b: Path, skip: tuple[str, ...] = ("run.json",)) -> None:
    """Same bytes, except that the reports name their own output folder."""
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    reports = ("report.html", "report.xlsx")
    differ = [
        n for n in names if n not in skip + reports and (a / n).read_bytes() != (b / n).read_bytes()
    ]
    assert not differ, differ
    if (a / "report.html").is_file():
        html_a = (a / "report.html").read_text("utf-8")
        assert str(a) in html_a  # the real output folder
        assert html_a == (b / "report.html").read_text("utf-8").replace(str(b), str(a))
    if (a / "report.xlsx").is_file():
        assert _cells(a / "report.xlsx") == [
            str(v).replace(str(b), str(a)) for v in _cells(b / "report.xlsx")
        ]


def _cells(path: Path) -> list[str]:
    from openpyxl import load_workbook

    return [str(c) for ws in load_workbook(path) for row in ws.iter_rows(values_only=True)
            for c in row]  # fmt: skip


def test_stations_number_is_safe_and_reproducible(hostile_coverage, capsys):
    tmp, stations, _, _ = hostile_coverage
    for suffix in (".xlsx", ".csv", ".gpkg"):
        first, second = tmp / f"reg1{suffix}", tmp / f"reg2{suffix}"
        for out in (first, second):
            code = main(["-q", "stations", "number", str(stations), "--crs", "gcj02",
                         "--out", str(out)])  # fmt: skip
            assert code == 0, capsys.readouterr().err
        assert first.read_bytes() == second.read_bytes(), suffix
        {".xlsx": _check_workbook, ".csv": _check_csv, ".gpkg": _check_gpkg}[suffix](first)
    checked = [tmp / "check1.gpkg", tmp / "check2.gpkg"]
    for out in checked:
        main(["-q", "stations", "check", str(stations), "--crs", "gcj02", "--out", str(out)])
    assert checked[0].read_bytes() == checked[1].read_bytes()
    _check_gpkg(checked[0])
    capsys.readouterr()
    from openpyxl import load_workbook

    ws = load_workbook(tmp / "reg1.xlsx").worksheets[0]
    values = {c.value for row in ws.iter_rows() for c in row}
    assert '=HYPERLINK("http://x","y")' in values  # the text as given, never a formula


@pytest.mark.slow
def test_scenario_run_with_hostile_text_and_key(tmp_path, capsys, caplog):
    demo = _demo_dir()
    _hostile_stations(tmp_path)
    # candidate sites with hostile ids and names: the demo's stations, as candidates
    cands = pd.read_csv(demo / "stations.csv", encoding="gbk", skiprows=1, dtype=str)
    cands[cands.columns[1]] = [IN_FILES[i % len(IN_FILES)] for i in range(len(cands))]
    cands[cands.columns[0]] = [f"=C{i}()" for i in range(len(cands))]
    cands["状态"] = "候选"
    cands.to_csv(tmp_path / "cands.csv", index=False)
    toml = (demo / "demo.toml").read_text("utf-8")
    title = 'title = "=HYPERLINK(\\"http://t\\") \\u001b[31m"'
    toml = re.sub(r"^title = .*$", lambda _: title, toml, flags=re.M)
    for name in ("yuzhong_walk.osm.bz2", "dem.tif", "boundary.geojson", "centres.csv"):
        (tmp_path / name).symlink_to(demo / name)
    toml = toml.replace('"stations.csv"', '"hostile.csv"')
    toml = re.sub(r"^candidates = .*$", 'candidates = "cands.csv"\ncandidates_crs = "gcj02"',
                  toml, flags=re.M)  # fmt: skip
    toml = re.sub(r"^(stages|min_spacing_m) = .*$", "", toml, flags=re.M)
    toml = toml.replace("[optimize]", "[optimize]\nadd = 2")
    scenario = tmp_path / "s.toml"
    scenario.write_text(toml + f'tianditu_key = "{KEY}"\n', "utf-8")
    caplog.set_level("DEBUG")
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        code = main(["-v", "run", str(scenario), "--out", str(out),
                     "--set", "output.basemap=tianditu",
                     "--set", "coverage.exit_candidates_pct=100",
                     "--set", "demand.spacing_m=200"])  # fmt: skip
        captured = capsys.readouterr()
        assert code == 0, captured.err
    _check_folder(outs[0])
    assert (outs[0] / "exit_candidates.csv").is_file()
    _same_files(*outs)
    run = json.loads((outs[0] / "run.json").read_text("utf-8"))
    assert run["parameters"]["output"]["tianditu_key"] == "(set)"
    for name in ("run.json", "summary.json", "report.html"):
        assert KEY not in (outs[0] / name).read_text("utf-8"), name
    with zipfile.ZipFile(outs[0] / "report.xlsx") as z:
        assert not any(KEY.encode() in z.read(n) for n in z.namelist())
    assert f"tk={KEY}" in (outs[0] / "map.html").read_text("utf-8")
    assert KEY not in caplog.text and KEY not in captured.out + captured.err
    # compare: run labels are user text too
    for name in ("cmp.xlsx", "cmp.csv"):
        code = main(["-q", "compare", *map(str, outs), "--labels", "=1+1,@x",
                     "--out", str(tmp_path / name)])  # fmt: skip
        assert code == 0, capsys.readouterr().err
    _check_workbook(tmp_path / "cmp.xlsx")
    _check_csv(tmp_path / "cmp.csv")
    _check_csv(tmp_path / "cmp_districts.csv")


@pytest.mark.slow  # two whole demo runs; the fast tier reruns coverage (above)
def test_demo_twice_gives_the_same_bytes(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["-q", "demo", "--out", str(out)]) == 0, capsys.readouterr().err
    _same_files(a, b)
    summary = json.loads((a / "summary.json").read_text("utf-8"))
    assert "runtime_s" not in summary["optimize"]  # timings are run.json's
    run = json.loads((a / "run.json").read_text("utf-8"))
    assert run["timings_s"] and run["started"]
    with sqlite3.connect(a / "layers.gpkg") as db:
        dates = {r[0] for r in db.execute("select last_change from gpkg_contents")}
    assert dates == {"2000-01-01T00:00:00.000Z"}


@pytest.mark.parametrize(
    "extra",
    [
        ["--tianditu-keyy", "SECRET-IN-USAGE"],
        ["--set", "output.tianditu_key=SECRET-IN-USAGE"],
        ["--api-token=SECRET-IN-USAGE"],
    ],
)
def test_usage_errors_never_echo_a_secret(capsys, extra):
    from harbor_planner.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["coverage", "--network", "n", "--stations", "s", "--out", "o", *extra])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err
    assert "SECRET-IN-USAGE" not in err

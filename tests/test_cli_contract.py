"""The CLI's contract on odd options and files: one line, the right exit code, nothing lost.

Each case was found by probing the CLI with hostile inputs: ``compare`` writing over a run's
own table, out-of-range option values accepted or failing late, Python tracebacks from the
``--sites`` and ``--districts`` readers, library warnings printed as raw source lines, and
escape sequences from file names reaching the terminal.
"""

from __future__ import annotations

import hashlib
import json
import os

import pandas as pd
import pytest

from harbor_planner._text import pct1
from harbor_planner.cli import main
from harbor_planner.pipeline.results import read_sites
from harbor_planner.scenario import demo_scenario_path

DEMO = demo_scenario_path().parent
X0, Y0 = 640000.0, 3270000.0


def _errors(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if "error:" in ln]


def _run_folder(path, district: str) -> None:
    path.mkdir()
    (path / "by_district.csv").write_text(f"district,coverage_pct\n{district},50.0\n", "utf-8")
    (path / "summary.json").write_text(json.dumps({"coverage_pct": 50.0}), "utf-8")


def test_compare_never_writes_over_a_runs_files(tmp_path, capsys):
    a, b = tmp_path / "runA", tmp_path / "runB"
    _run_folder(a, "渝中区")
    _run_folder(b, "江北区")
    before = hashlib.sha256((a / "by_district.csv").read_bytes()).hexdigest()
    for target in (a / "by_district.csv", a / "report.xlsx", b / "summary.json"):
        code = main(["-q", "compare", str(a), str(b), "--out", str(target)])
        err = capsys.readouterr().err
        assert code in (2, 3) and len(_errors(err)) == 1, err  # every run's files, not the last
    assert hashlib.sha256((a / "by_district.csv").read_bytes()).hexdigest() == before
    assert not (a / "report.xlsx").exists()
    # a table name compare cannot write is a usage error before anything is printed
    assert main(["-q", "compare", str(a), str(b), "--out", str(tmp_path / "x.json")]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "expected a .xlsx or .csv file name" in out.err


COV = ["coverage", "--network", "n.npz", "--stations", "s.csv"]
NET_BUILD = ["network", "build", "w.osm", "--within", "渝中区", "--out", "n.npz"]
OPT = ["optimize", "--network", "n.npz", "--stations", "s.csv", "--add", "2", "--out", "o"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["serve", "s.toml", "--port", "99999"], "--port 99999: expected a port number"),
        (["serve", "s.toml", "--port", "0"], "--port 0: expected a port number"),
        ([*COV, "--out", ""], "empty one"),
        ([*COV, "--crs", "wgs85", "--out", "o"], "argument --crs: unknown CRS 'wgs85'"),
        (["stations", "number", "s.csv", "--crs", "gcj2", "--out", "r.csv"], "unknown CRS"),
        ([*COV, "--minutes", "1e400", "--out", "o"], "'1e400': expected positive numbers"),
        (
            [*COV, "--demand", "buildings:b.gpkg", "--population", "-5", "--out", "o"],
            "--population -5: expected a population above 0",
        ),
        # probe 25E: tracebacks (overflow, GEOS) or untrue messages on huge values
        ([*NET_BUILD, "--margin-m", "1e8"], "--margin-m 1e+08: expected metres from 0 to 50,000"),
        ([*NET_BUILD, "--margin-m", "inf"], "--margin-m inf: expected metres from 0 to 50,000"),
        (
            ["isochrones", "--network", "n", "--stations", "s", "--corridor", "1e300", "--out=i"],
            "--corridor 1e+300: expected a width in metres above 0 and at most 1,000",
        ),
        ([*OPT, "--min-cover", "1" + "0" * 20], "--min-cover 1e+20: expected 1 to 100 covers"),
        (
            [*OPT, "--min-spacing", "18000", "--spacing-by", "walk"],
            "--min-spacing 18000: expected a distance in metres from 0 to 10,000",
        ),
        ([*COV, "--spacing", "1e12", "--out", "o"], "--spacing 1e+12: expected a spacing"),
    ],
)
def test_out_of_range_options_are_usage_errors(tmp_path, capsys, argv, words):
    os.chdir(tmp_path)  # nothing here: the check comes before any file is read
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    out = capsys.readouterr()
    assert len(_errors(out.err)) == 1 and words in out.err, out.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "body", "words"),
    [
        ("nolat.csv", "lon,name\n106.5,a\n", "no lat column"),
        ("text.csv", "lon,lat\nabc,29.5\n106.5,29.6\n", "row 2: lon abc, lat 29.5 are not"),
        ("far.csv", "lon,lat\n106.5,29.6\n406.5,29.6\n", "row 3: lon 406.5"),
        ("gbk.csv", "经度,纬度\n".encode("gbk"), "no lon or lat column"),
        ("empty.csv", b"", "cannot read as a CSV table"),
        ("bad.gpkg", b"SQLite format 3\x00" + bytes(2000), "cannot read as a vector layer"),
    ],
)
def test_sites_files_fail_with_one_message(tmp_path, name, body, words):
    from harbor_planner.errors import InputDataError

    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    with pytest.raises(InputDataError, match=words):
        read_sites(path)


def test_an_excel_saved_gbk_sites_table_is_read(tmp_path):
    """Probe 25E: ``map --sites`` was the only CSV reader refusing a GBK copy."""
    path = tmp_path / "selected_sites.csv"
    path.write_bytes("site_id,名称,lon,lat\na,解放碑,106.5,29.5\n".encode("gbk"))
    sites = read_sites(path)
    assert sites["名称"].tolist() == ["解放碑"] and sites.geometry.x.tolist() == [106.5]


def test_sites_table_is_read(tmp_path):
    path = tmp_path / "selected_sites.csv"
    path.write_text("\ufeffsite_id,lon,lat\na,106.5,29.5\nb,106.6,29.6\n", "utf-8")
    sites = read_sites(path)
    assert sites.crs.to_epsg() == 4326 and sites["site_id"].tolist() == ["a", "b"]
    assert sites.geometry.x.tolist() == [106.5, 106.6]


def test_a_corrupt_district_file_is_one_line_and_warnings_are_log_lines(tmp_path, capsys):
    bad = tmp_path / "districts.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    args = ["-q", "coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--no-range",
            "--stations", str(DEMO / "stations.csv"), "--crs", "gcj02",
            "--districts", str(bad), "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(args) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read as a vector layer" in err, err
    assert "Traceback" not in err and "RuntimeWarning" not in err
    # a station file that only warns in GDAL: the warning is a log line, not a source line
    assert main(["stations", "check", str(bad), "--crs", "gcj02"]) == 3
    err = capsys.readouterr().err
    assert "return ogr_" not in err and len(_errors(err)) == 1, err


def test_output_names_with_escapes_are_printed_clean(tmp_path, capsys):
    line = {"type": "LineString", "coordinates": [[X0, Y0], [X0 + 500, Y0]]}
    feats = [{"type": "Feature", "properties": {"highway": "residential"}, "geometry": line}]
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}
    src = tmp_path / "street.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": feats}))
    out = tmp_path / "net\x1b]0;PWNED\x07\x1b[2J.npz"
    assert main(["-q", "network", "build", str(src), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote " in printed and not any(ch in printed for ch in "\x1b\x07\x9b")
    assert out.is_file()  # the file keeps the name asked for


def test_rows_with_errors_are_one_line_naming_the_first(tmp_path):
    from harbor_planner import read_stations
    from harbor_planner.errors import InputDataError

    path = tmp_path / "cands.csv"
    path.write_text("编号,名称,经度,纬度\nA,甲,106.55,29.55\nB,乙,abc,29.55\nC,丙,106.56,95\n",
                    "utf-8")  # fmt: skip
    with pytest.raises(InputDataError) as caught:
        read_stations(path, crs="gcj02", strict=True)
    text = str(caught.value)
    assert "\n" not in text and "strict=False" not in text
    assert "2 errors in 2 rows, the first at row 3, column 经度: 'abc' is not a number" in text
    assert "harbor-planner stations check cands.csv" in text


def test_centre_names_are_cleaned_and_a_folder_is_named(tmp_path):
    from harbor_planner import read_stations
    from harbor_planner.analysis.centres import read_centres
    from harbor_planner.errors import InputDataError

    path = tmp_path / "centres.csv"
    path.write_text("name,lon,lat\n解放碑\x1b[31m\x07,106.5775,29.5577\n", "utf-8")
    assert read_centres(path, crs="wgs84")["name"].tolist() == ["解放碑"]
    with pytest.raises(InputDataError, match="a folder, not a station file"):
        read_stations(tmp_path, crs="gcj02")


def test_a_sheet_named_for_a_csv_file_is_an_error(tmp_path, capsys):
    path = tmp_path / "st.csv"
    path.write_text("编号,经度,纬度\nA,106.55,29.55\n", "utf-8")
    assert main(["stations", "check", str(path), "--crs", "gcj02", "--sheet", "站点"]) == 3
    err = capsys.readouterr().err
    assert len(_errors(err)) == 1 and "no sheet named '站点': a CSV file is one table" in err
    assert main(["stations", "check", str(path), "--crs", "gcj02"]) == 0


def test_compare_shows_the_optimality_gap_in_percent(tmp_path, capsys):
    runs = []
    for name, gap in (("a", 0.001604), ("b", 0.000732)):
        run = tmp_path / name
        _run_folder(run, "渝中区")
        summary = {"coverage": {"coverage_pct": 50.0},
                   "optimize": {"sites_added": 12, "optimality_gap": gap}}  # fmt: skip
        (run / "summary.json").write_text(json.dumps(summary), "utf-8")
        runs.append(str(run))
    assert main(["-q", "compare", *runs, "--out", str(tmp_path / "cmp.csv")]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "optimality gap" in ln)
    assert line.split() == ["optimality", "gap", "%", "0.16", "0.07", "-0.09"]


def test_ctrl_c_while_the_command_tidies_up_is_one_line(monkeypatch, capsys):
    """A SIGINT landing after the command's work, while main() puts logging back: exit 130,
    'interrupted', no traceback (seen once in CI: the signal hit the finally block)."""
    import harbor_planner.cli as cli

    calls = []

    def set_level(level):
        calls.append(level)
        if len(calls) == 2:  # the second call: in main()'s finally block
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.log, "setLevel", set_level)
    assert main(["stations", "check", str(DEMO / "stations.csv"), "--crs", "gcj02"]) == 130
    assert "harbor-planner: interrupted (SIGINT)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("tcp://alice:p@ss@h:8786", "tcp://h:8786"),
        ("tcp://alice:S3cr/etPw@127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("alice:S3cretPw@127.0.0.1:8786", "127.0.0.1:8786"),
        (
            "--set run.scheduler=alice:S3cretPw@10.0.0.1:8786 -q",
            "--set run.scheduler=10.0.0.1:8786 -q",
        ),
        ('{"scheduler": "alice:pw@h:1"}', '{"scheduler": "h:1"}'),
        ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("10:30 meeting@home", "10:30 meeting@home"),
    ],
)
def test_scheduler_credentials_are_stripped_in_every_form(text, clean):
    from harbor_planner._text import redact_argv, strip_url_credentials

    assert strip_url_credentials(text) == clean
    assert "S3cr" not in " ".join(redact_argv(text.split()))


def test_weights_whose_sum_overflows_are_refused(tmp_path):
    """1e307 on every point: each finite, the total not; the optimiser looped forever on it."""
    import numpy as np

    from harbor_planner.analysis.coverage import coverage
    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize import CoverageMatrix, select_sites

    covers = np.eye(3, dtype=bool)
    with pytest.raises(InputDataError, match="sum beyond any number"):
        select_sites(CoverageMatrix.from_arrays(covers, np.full(3, 1e308)), n_add=1)
    with pytest.raises(InputDataError, match="3 candidate columns but 2 candidate districts"):
        CoverageMatrix.from_arrays(covers, np.ones(3), candidate_district=["a", "b"])
    import geopandas as gpd

    from harbor_planner import build_network

    net = build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    xy = gpd.points_from_xy([106.57, 106.571], [29.557, 29.558])
    pts = gpd.GeoDataFrame({"weight": [1e308, 1e308]}, crs="EPSG:4326", geometry=xy)
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, crs="EPSG:4326",
                                geometry=gpd.points_from_xy([106.57], [29.557]))  # fmt: skip
    with pytest.raises(InputDataError, match="sum beyond any number"):
        coverage(net, stations, pts, minutes=15)


def test_a_library_message_in_an_output_error_is_cut(tmp_path):
    from harbor_planner._safety import output_error

    long = RuntimeError("sqlite3_exec(CREATE TABLE gpkg_spatial_ref_sys ...) " + "x" * 5000)
    text = str(output_error(long, tmp_path / "a.gpkg"))
    assert len(text) < 500 and text.endswith("... (nothing was changed)")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n_add": 2.5}, "n_add must be a whole number"),
        ({"n_add": "5"}, "n_add must be a whole number"),
        ({"n_add": 2, "min_spacing_m": -1}, "min_spacing_m must be a distance"),
        ({"n_add": 2, "min_spacing_m": float("nan")}, "min_spacing_m must be a distance"),
        ({"n_add": 2, "time_limit_s": -1}, "time_limit_s must be seconds above 0"),
        ({"n_add": 2, "mip_gap": 5}, "mip_gap must be a fraction"),
    ],
)
def test_select_sites_refuses_nonsense_numbers(kwargs, words):
    import numpy as np

    from harbor_planner.errors import InputDataError
    from harbor_planner.optimize import CoverageMatrix, select_sites

    cm = CoverageMatrix.from_arrays(np.eye(4, dtype=bool), np.ones(4))
    with pytest.raises(InputDataError, match=words):
        select_sites(cm, **kwargs)


def test_points_with_nan_coordinates_are_named():
    import geopandas as gpd
    import numpy as np

    from harbor_planner.errors import InputDataError
    from harbor_planner.network.snap import points_xy

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([106.5, np.nan], [29.5, 29.6]),
                           crs="EPSG:4326")  # fmt: skip
    with pytest.raises(InputDataError, match=r"1 point of the stations .* positions 1"):
        points_xy(pts, crs="EPSG:32648", what="stations")
    with pytest.raises(InputDataError, match="must be a GeoDataFrame of points"):
        points_xy(object(), crs="EPSG:32648", what="stations")


def test_edge_columns_that_do_not_match_the_points_are_not_trusted(caplog):
    """Demand made on the network carries edge/edge_frac; moved points are snapped again."""
    from harbor_planner import build_network
    from harbor_planner.demand import main_street_demand
    from harbor_planner.network import anchors_for

    net = build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    d = main_street_demand(net).points.iloc[:50]
    same = anchors_for(net, d)
    assert (same.dist_m == 0).all()  # the columns, taken as they are
    moved = d.set_geometry(d.geometry.translate(0.003, 0.0))  # about 290 m east
    with caplog.at_level("WARNING"):
        again = anchors_for(net, moved)
    assert "snapped again" in caplog.text
    assert (again.edge != same.edge).any() and (again.dist_m >= 0).all()


def test_an_unknown_station_status_is_an_error_not_built():
    import geopandas as gpd

    from harbor_planner import build_network
    from harbor_planner.analysis.coverage import coverage
    from harbor_planner.demand import main_street_demand
    from harbor_planner.errors import InputDataError

    net = build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    demand = main_street_demand(net).points.iloc[:200]
    st = gpd.GeoDataFrame({"station_id": ["A", "B"], "status": ["existing", "garbage"]},
                          geometry=gpd.points_from_xy([106.57, 106.575], [29.557, 29.558]),
                          crs="EPSG:4326")  # fmt: skip
    with pytest.raises(InputDataError, match="station status 'garbage' is not one of"):
        coverage(net, st, demand, minutes=15)
    ok = coverage(net, st.assign(status=["existing", ""]), demand, minutes=15)
    assert ok.summary["coverage_by_status"][0]["stations"] == 2  # no status: built


def test_a_run_killed_while_moving_its_files_in_is_finished_by_the_next(tmp_path):
    """kill -9 between the renames of a commit: the next run completes it (one whole run)."""
    import subprocess
    import sys

    from harbor_planner._io import file_sha256
    from harbor_planner.outputs.staging import (
        MANIFEST_FILE,
        STAGING_PREFIX,
        ResultFolder,
        manifest_outputs,
    )
    from harbor_planner.pipeline.results import write_json

    out, names = tmp_path / "o", ["summary.json", "by_district.csv", "stations.csv"]

    def manifest(files):
        return {"harbor_planner": "test",
                "outputs": [{"path": f.name, "sha256": file_sha256(f)} for f in files]}  # fmt: skip

    with ResultFolder(out, names=names) as folder:
        files = [folder.staging / n for n in names]
        for f in files:
            f.write_text(f"v1 {f.name}\n", "utf-8")
        folder.commit(files, manifest(files))
    (out / "notes.txt").write_text("mine", "utf-8")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    staging = out / f"{STAGING_PREFIX}{dead}-killed"
    staging.mkdir()
    files = [staging / n for n in names]
    for f in files:
        f.write_text(f"v2 {f.name}\n", "utf-8")
    want = manifest(files)
    write_json(staging / MANIFEST_FILE, want)
    os.replace(files[0], out / names[0])  # one file moved in, then SIGKILL
    with ResultFolder(out, names=names):
        pass  # the next run starts: the commit is finished, nothing is refused
    assert not staging.exists()
    assert {n: (out / n).read_text("utf-8") for n in names} == {n: f"v2 {n}\n" for n in names}
    assert manifest_outputs(out) == {o["path"]: o["sha256"] for o in want["outputs"]}
    assert (out / "notes.txt").read_text("utf-8") == "mine"


def test_api_arguments_of_the_wrong_kind_are_our_errors(tmp_path):
    import geopandas as gpd

    from harbor_planner import build_network
    from harbor_planner.analysis.coverage import assign_districts, coverage
    from harbor_planner.analysis.isochrones import isochrones
    from harbor_planner.errors import InputDataError

    net = build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    st = gpd.GeoDataFrame({"station_id": ["A"]}, crs="EPSG:4326",
                          geometry=gpd.points_from_xy([106.57], [29.557]))  # fmt: skip
    with pytest.raises(InputDataError, match="minutes must be a positive number, got '15'"):
        coverage(net, st, st.assign(weight=1.0), minutes="15")
    assert len(isochrones(net, st, minutes=15)) == 1  # one band as a plain number
    with pytest.raises(InputDataError, match="minutes must be positive numbers"):
        isochrones(net, st, minutes=["a"])
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    with pytest.raises(InputDataError, match="has no districts"):
        assign_districts(st, empty, None)
    with pytest.raises(InputDataError, match="has no column 'qx'"):
        assign_districts(st, empty, "qx")


def test_duplicate_station_ids_are_named_by_coverage(caplog):
    import geopandas as gpd

    from harbor_planner import build_network
    from harbor_planner.analysis.coverage import coverage

    net = build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    xy = gpd.points_from_xy([106.57, 106.575], [29.557, 29.558])
    st = gpd.GeoDataFrame({"station_id": ["A", "A"]}, crs="EPSG:4326", geometry=xy)
    with caplog.at_level("WARNING"):
        result = coverage(net, st, st.assign(weight=1.0), minutes=15)
    assert "station ids A are used by more than one station" in caplog.text
    assert len(result.stations) == 2


def test_none_for_a_file_or_network_is_our_error():
    import geopandas as gpd

    from harbor_planner import build_network, read_stations
    from harbor_planner.analysis.coverage import coverage
    from harbor_planner.errors import InputDataError

    with pytest.raises(InputDataError, match="source must be a file path"):
        build_network(None)
    with pytest.raises(InputDataError, match="path must be a station file's path"):
        read_stations(None, crs="gcj02")
    st = gpd.GeoDataFrame({"station_id": ["A"]}, crs="EPSG:4326",
                          geometry=gpd.points_from_xy([106.57], [29.557]))  # fmt: skip
    with pytest.raises(InputDataError, match="network must be a WalkNetwork"):
        coverage(None, st, st.assign(weight=1.0), minutes=15)


def _diamond_optimize(tmp_path, rejected_row: bool = False) -> list[str]:
    """``optimize`` on the test diamond with one station (and a row without longitude)."""
    from pathlib import Path

    from pyproj import Transformer

    net = Path(__file__).parent / "data" / "network" / "diamond.geojson"
    to_wgs = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform([600025.0], [3260003.0])
    stations = tmp_path / "st.csv"
    rows = f"A1,{lon[0]},{lat[0]}\n" + (f"A2,,{lat[0]}\n" if rejected_row else "")
    stations.write_text("编号,经度,纬度\n" + rows, "utf-8")
    return ["optimize", "--network", str(net), "--stations", str(stations), "--crs", "wgs84",
            "--demand", "grid:20", "--minutes", "2", "--candidate-spacing", "40",
            "--add", "1"]  # fmt: skip


def test_optimize_line_names_the_ranges_and_the_rejected_rows(tmp_path, capsys):
    """``optimize`` prints no coverage headline: its one line says what ``coverage``'s does
    (the figures' ranges, the station file's rejected rows)."""
    base = ["-q", *_diamond_optimize(tmp_path, rejected_row=True)]
    assert main([*base, "--out", str(tmp_path / "a")]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "optimality gap" in ln)
    summary = json.loads((tmp_path / "a" / "summary.json").read_text("utf-8"))
    assert line.startswith("1 new site (")
    assert line.count("(range ") == 2, line
    assert f"from {pct1(summary['coverage_pct_before'])} % (range " in line
    assert line.endswith("; 1 row of the station file rejected"), line
    assert main([*base, "--no-range", "--out", str(tmp_path / "b")]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "optimality gap" in ln)
    assert line.count("(no range measured)") == 2, line


def test_a_mistyped_exclude_file_is_refused_not_read_as_a_site_id(tmp_path, capsys):
    """Probe 25E: ``--exclude ex/no_go_site.csv`` (one letter off the file's name) was read as
    one site id, and the site the file excludes was chosen first (exit 0)."""
    base = ["-q", *_diamond_optimize(tmp_path), "--no-range"]
    assert main([*base, "--out", str(tmp_path / "a")]) == 0
    first = pd.read_csv(tmp_path / "a" / "selected_sites.csv")["site_id"].iloc[0]
    (tmp_path / "ex").mkdir()
    (tmp_path / "ex" / "no_go_sites.csv").write_text(f"site_id\n{first}\n", "utf-8")
    capsys.readouterr()
    for typo in ("no_go_site.csv", "ex/no_go_site"):
        code = main([*base, "--exclude", str(tmp_path / typo), "--out", str(tmp_path / "b")])
        err = capsys.readouterr().err
        assert code == 3 and "file not found" in err and len(_errors(err)) == 1, err
        assert not (tmp_path / "b").exists()
    good = ["--exclude", str(tmp_path / "ex" / "no_go_sites.csv"), "--out", str(tmp_path / "c")]
    assert main([*base, *good]) == 0
    assert first not in set(pd.read_csv(tmp_path / "c" / "selected_sites.csv")["site_id"])
    assert main([*base, "--exclude", f" {first} ,", "--out", str(tmp_path / "d")]) == 0
    assert first not in set(pd.read_csv(tmp_path / "d" / "selected_sites.csv")["site_id"])


def test_a_closed_output_pipe_ends_quietly(tmp_path):
    """``harbor-planner ... | head -1``: the reader gone, no error line, no traceback."""
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to the pipe fails: as after ``head`` exits
    try:
        argv = [sys.executable, "-m", "harbor_planner", "-q", "stations", "check",
                str(DEMO / "stations.csv"), "--crs", "gcj02"]  # fmt: skip
        proc = subprocess.run(
            argv,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize(
    ("crs", "words"),
    [("EPSG:999999", "is not a CRS pyproj knows"), ("gcj02", "shifted coordinates")],
)
def test_an_output_crs_is_checked_before_the_work(crs, words):
    """``isochrones(crs=...)`` and ``edges_gdf(crs=...)``: our CRSError, not pyproj's."""
    from pathlib import Path

    import geopandas as gpd
    import shapely

    from harbor_planner import build_network, isochrones
    from harbor_planner.errors import CRSError

    net = build_network(Path(__file__).parent / "data" / "network" / "diamond.geojson")
    pts = gpd.GeoDataFrame(
        {"station_id": ["a"]}, geometry=[shapely.Point(600025, 3260003)], crs="EPSG:32648"
    )
    with pytest.raises(CRSError, match=words):
        isochrones(net, pts, crs=crs)
    with pytest.raises(CRSError, match=words):
        net.edges_gdf(crs=crs)
    assert isochrones(net, pts, crs="wgs84").crs.to_epsg() == 4326


def test_candidates_sharing_a_site_id_are_refused():
    """A plan names its sites by id: two candidates with one id would be one ambiguous row."""
    from pathlib import Path

    import geopandas as gpd
    import shapely

    from harbor_planner import build_network, coverage_matrix, demand_from_spec
    from harbor_planner.errors import InputDataError

    net = build_network(Path(__file__).parent / "data" / "network" / "diamond.geojson")
    demand = demand_from_spec("grid:20", network=net)
    cands = gpd.GeoDataFrame(
        {"site_id": ["c1", "c2", "c1"]},
        geometry=shapely.points([[600025, 3260003], [600040, 3260010], [600060, 3260020]]),
        crs="EPSG:32648",
    )
    with pytest.raises(InputDataError, match=r"2 candidates share a site id \(first: 'c1', at "
                       r"positions 0, 2\)"):  # fmt: skip
        coverage_matrix(net, cands, demand, minutes=2)
    with pytest.raises(InputDataError, match="must be a GeoDataFrame of points, not Demand"):
        coverage_matrix(net, demand, cands, minutes=2)
    cands["site_id"] = ["c1", "c2", "c3"]
    assert coverage_matrix(net, cands, demand, minutes=2).covers.shape[1] == 3


def test_demand_whose_weights_are_all_zero_is_one_line(tmp_path, capsys):
    """Nothing to cover: exit 3 naming the demand, not a traceback from a None percentage."""
    demand = tmp_path / "pop.csv"
    demand.write_text("id,lon,lat,pop\na,106.537976,29.549733,0\nb,106.54,29.55,0\n", "utf-8")
    argv = ["-q", "coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
            str(DEMO / "stations.csv"), "--crs", "gcj02", "--demand", f"points:{demand}:pop",
            "--demand-crs", "gcj02", "--no-range", "--out", str(tmp_path / "out")]  # fmt: skip
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert len(_errors(err)) == 1 and "Traceback" not in err
    assert "every one of its 2 points weighs 0, so there is nothing to cover" in err
    assert not (tmp_path / "out").exists()


def _demo_rows():
    lines = (DEMO / "stations.csv").read_text("gbk").splitlines()[2:]
    return [ln.split(",") for ln in lines]  # 编号,名称,区县,地址,经度,纬度,状态,...


def test_a_two_row_header_keeps_its_ids_names_and_statuses(tmp_path):
    """编号/名称/状态 merged over two rows, 坐标 over 经度 | 纬度: one header, nothing lost."""
    import openpyxl

    from harbor_planner import read_stations

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "坐标（高德）", None, "状态"])
    ws.append([None, None, "经度", "纬度", None])
    for r in _demo_rows():
        ws.append([r[0], r[1], float(r[4]), float(r[5]), r[6]])
    for col in ("A", "B", "E"):
        ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("C1:D1")
    path = tmp_path / "two_rows.xlsx"
    wb.save(path)
    st = read_stations(path, crs="gcj02").stations
    assert len(st) == 14 and st["station_id"].str.startswith("SL").all()
    assert st["name"].notna().all()
    assert st["status"].value_counts().to_dict() == {"existing": 8, "building": 3, "proposed": 3}


def test_sheets_named_by_status_give_their_rows_that_status(tmp_path):
    import openpyxl

    from harbor_planner import read_stations
    from harbor_planner.stations._common import sheet_status

    names = ("已建成站点", "2025年拟建港湾", "在建", "说明", "未建成站点", "已建成与在建", None,
             "剔除关闭", "除已退出", "Disclosed", "Unbuilt", "建成区", "规划局数据")  # fmt: skip
    expected = ["existing", "proposed", "building"] + [None] * 10
    assert [sheet_status(n) for n in names] == expected
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为示意"])
    words = {"已建成": "已建成站点", "在建": "在建站点", "拟建": "拟建站点"}
    for r in _demo_rows():
        name = words[r[6]]
        ws = wb[name] if name in wb.sheetnames else wb.create_sheet(name)
        if ws.max_row == 1 and ws["A1"].value is None:
            ws.append(["编号", "名称", "经度", "纬度"])
        ws.append([r[0], r[1], float(r[4]), float(r[5])])
    path = tmp_path / "by_sheet.xlsx"
    wb.save(path)
    st = read_stations(path, crs="gcj02").stations
    assert st["status"].value_counts().to_dict() == {"existing": 8, "building": 3, "proposed": 3}


def test_stations_without_any_status_are_not_called_built(tmp_path, capsys, caplog):
    """No 状态 column: every station counts, a warning says so, and no figure is labelled as
    the built stations' (the report said 已建成站点覆盖 for stations of unknown status)."""
    path = tmp_path / "st.csv"
    rows = "\n".join(f"{r[0]},{r[4]},{r[5]}" for r in _demo_rows())
    path.write_text("编号,经度,纬度\n" + rows + "\n", "utf-8")
    out = tmp_path / "out"
    argv = ["coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
            str(path), "--crs", "gcj02", "--no-range", "--map-bands", "",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "no station of" in captured.err and "has a status" in captured.err
    assert "without a status, counted as built" in captured.out
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["coverage_by_status"] == []
    report = (out / "report.html").read_text("utf-8")
    assert "已建成站点覆盖" not in report
    page = (out / "map.html").read_text("utf-8")
    assert "已建成站点覆盖" not in page
    # the map draws them as a layer of their own, said counted as built (probe 13F: 已建成)
    assert "hp-st-nostatus" in page and "hp-st-existing" not in page
    assert "Stations without a status (counted as built)" in page
    import openpyxl

    cells = [str(c) for ws in openpyxl.load_workbook(out / "report.xlsx").worksheets
             for row in ws.iter_rows(values_only=True) for c in row if c is not None]  # fmt: skip
    assert not [c for c in cells if "已建成站点覆盖率" in c]  # no row labelled built


def test_api_takes_what_its_own_functions_return_and_refuses_lookalikes(tmp_path):
    """read_stations' StationCheck, a walk model's name and a scenario dict are taken; True
    as minutes and a demand spec as the demand are named errors."""
    from pathlib import Path

    import harbor_planner as hp
    from harbor_planner.errors import InputDataError

    net = hp.build_network(Path(__file__).parent / "data" / "network" / "diamond.geojson",
                           walk_model="flat")  # fmt: skip
    assert net.walk_model.kind == "flat"
    saved = tmp_path / "net.npz"
    hp.save_network(net, saved)
    assert hp.load_network(saved, walk_model="stairs").walk_model.kind == "stairs"
    with pytest.raises(InputDataError, match="walk_model must be a WalkModel or one of"):
        hp.load_network(saved, walk_model="steep")
    check = hp.read_stations(DEMO / "stations.csv", crs="gcj02")
    demo = hp.build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    demand = hp.demand_from_spec("main-streets", network=demo, spacing_m=200)
    by_check = hp.coverage(demo, check, demand, minutes=10).summary
    by_frame = hp.coverage(demo, check.stations, demand, minutes=10).summary
    assert by_check["coverage_pct"] == by_frame["coverage_pct"]
    with pytest.raises(InputDataError, match="minutes must be a positive number, got True"):
        hp.coverage(demo, check, demand, minutes=True)
    with pytest.raises(InputDataError, match=r"demand_from_spec\('main-streets'"):
        hp.coverage(demo, check, "main-streets", minutes=10)
    sections = {
        "network": {"source": str(DEMO / "yuzhong_walk.osm.bz2")},
        "stations": {"file": str(DEMO / "stations.csv"), "crs": "gcj02"},
        "demand": {"spacing_m": 200},
        "coverage": {"range": False},
        "output": {"map_bands": []},
    }
    result = hp.run(sections, out=tmp_path / "run", overrides={"coverage.minutes": 10})
    assert result.summary["coverage"]["stations"] == 14
    assert result.summary["coverage"]["minutes"] == 10
    assert (tmp_path / "run" / "summary.json").is_file()


def test_a_staging_folder_of_another_machine_is_left_alone(tmp_path, caplog):
    """On a shared folder a run's pid means nothing on another machine: its staging folder
    is never removed for a dead process (a live run elsewhere would lose its files)."""
    import subprocess
    import sys

    from harbor_planner.outputs.staging import STAGING_PREFIX, ResultFolder

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    out = tmp_path / "o"
    out.mkdir()
    other = out / f"{STAGING_PREFIX}another-host@{dead}-x"
    other.mkdir()
    (other / "map.html").write_text("being written over there", "utf-8")
    import socket

    here = out / f"{STAGING_PREFIX}{socket.gethostname()}@{dead}-y"
    here.mkdir()
    with caplog.at_level("WARNING"), ResultFolder(out, names=["summary.json"]) as folder:
        assert "@" in folder.staging.name  # this run's folder names its machine
    assert other.is_dir() and (other / "map.html").is_file()
    assert not here.exists()  # a dead run of this machine: removed
    assert "left alone, it is the staging folder of a run on another-host" in caplog.text


def test_two_longitude_columns_that_disagree_are_an_error(tmp_path):
    """Which of two 经度 columns is right cannot be guessed: the same values are a warning,
    different ones an error naming the first row that differs."""
    from harbor_planner import read_stations
    from harbor_planner.errors import InputDataError

    same = tmp_path / "same.csv"
    same.write_text("编号,经度,纬度,经度\nA,106.55,29.55,106.55\nB,106.56,29.56,106.56\n", "utf-8")
    check = read_stations(same, crs="gcj02")
    assert len(check.stations) == 2
    assert "ambiguous_column" in set(check.problems["code"])
    diff = tmp_path / "diff.csv"
    diff.write_text("编号,经度,纬度,经度\nA,106.55,29.55,106.55\nB,106.56,29.56,107.0\n", "utf-8")
    with pytest.raises(InputDataError, match=r"two columns named '经度' both hold the longitude "
                       r"and differ in 1 row \(first: row 3: '106.56' vs '107.0'\)"):  # fmt: skip
        read_stations(diff, crs="gcj02")


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("demand.spacing_m=0", "demand.spacing_m must be metres above 0"),
        ("optimize.candidate_spacing_m=0", "optimize.candidate_spacing_m must be metres above 0"),
        ("optimize.budget=-5", "optimize.budget must be a total cost of 0 or more"),
        ("optimize.min_spacing_m=-1", "optimize.min_spacing_m must be metres from 0 to 10,000"),
        ("network.walk_speed_kmh=0", "walk_speed_kmh must be above 0 and below 20"),
        # probe 25E: huge values overflowed, or failed as another setting
        ("demand.spacing_m=1e12", "demand.spacing_m must be metres above 0 and at most 10,000"),
        ("optimize.min_spacing_m=18000", "optimize.min_spacing_m must be metres from 0 to"),
        ("optimize.min_cover=100000000000000000000", "min_cover must be a whole number from 1"),
        ("demand.default_levels=1e308", "demand.default_levels must be floors above 0 and at"),
    ],
)
def test_scenario_distances_name_their_key(setting, words, tmp_path, capsys):
    """A zero spacing or a negative budget is named where it was set (file and key), not by
    the function that later trips on it (or as a cost-column problem)."""
    argv = ["-q", "run", str(DEMO / "demo.toml"), "--set", setting, "--out", str(tmp_path / "o")]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert len(_errors(err)) == 1 and words in err and "demo.toml" in err
    assert f"--set {setting.split('=')[0]}" in err


def test_workbooks_by_their_content_not_their_name(tmp_path):
    """A workbook renamed .xls is read; tab-separated text named .xls is read as CSV; a web
    page named .xls, an encrypted workbook and a real .xls each get their own fix."""
    import shutil

    import openpyxl

    from harbor_planner import read_stations
    from harbor_planner.errors import InputDataError

    wb = openpyxl.Workbook()
    wb.active.append(["编号", "经度", "纬度"])
    wb.active.append(["A", 106.55, 29.55])
    wb.save(tmp_path / "real.xlsx")
    shutil.copy(tmp_path / "real.xlsx", tmp_path / "renamed.xls")
    check = read_stations(tmp_path / "renamed.xls", crs="gcj02")
    assert len(check.stations) == 1 and "format_mismatch" in set(check.problems["code"])
    (tmp_path / "tabs.xls").write_text("编号\t经度\t纬度\nA\t106.55\t29.55\n", "utf-8")
    check = read_stations(tmp_path / "tabs.xls", crs="gcj02")
    assert len(check.stations) == 1 and "format_mismatch" in set(check.problems["code"])
    (tmp_path / "web.xls").write_text("<html><table><tr><td>编号</td></tr></table></html>")
    with pytest.raises(InputDataError, match="is a web page"):
        read_stations(tmp_path / "web.xls", crs="gcj02")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    (tmp_path / "locked.xlsx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(InputDataError, match="password-protected"):
        read_stations(tmp_path / "locked.xlsx", crs="gcj02")
    (tmp_path / "old.xls").write_bytes(ole)
    with pytest.raises(InputDataError, match="old Excel 97-2003 workbook"):
        read_stations(tmp_path / "old.xls", crs="gcj02")


def test_formula_cells_without_a_saved_value_are_named(tmp_path):
    """A workbook written by a script holds formulas without values: the row is rejected for
    its missing coordinates, and a warning names the cell and the fix."""
    import openpyxl

    from harbor_planner import read_stations

    wb = openpyxl.Workbook()
    wb.active.append(["编号", "经度", "纬度"])
    wb.active.append(["A", "=106.53+0", "=29.55+0"])
    wb.active.append(["B", 106.56, 29.56])
    wb.save(tmp_path / "formula.xlsx")
    check = read_stations(tmp_path / "formula.xlsx", crs="gcj02")
    assert list(check.stations["station_id"]) == ["B"]
    found = check.problems[check.problems["code"] == "formula_no_value"]
    assert list(found["column"]) == ["B", "C"] and list(found["row"]) == [2, 2]
    assert "cell B2 holds a formula (=106.53+0) with no saved value" in found["message"].iloc[0]


def test_excels_separator_line_is_honoured(tmp_path):
    """``sep=;`` on the first line (Excel writes it in some locales): the separator is the
    one named; rows are numbered as Excel shows them, which hides that line (probe 23C:
    numbered by line until then)."""
    from harbor_planner import read_stations

    path = tmp_path / "sep.csv"
    path.write_text("sep=;\n编号;经度;纬度\nA;106.55;29.55\nB;106.56;x\n", "utf-8")
    check = read_stations(path, crs="gcj02")
    assert list(check.stations["station_id"]) == ["A"]
    assert list(check.rejected["row"]) == [3]


def test_rows_after_a_cell_on_two_lines_keep_their_excel_numbers(tmp_path):
    """Probes 23C, 23E: an address typed on two lines (Alt+Enter, kept in quotes by the CSV
    export) made every later row one row too far down: "row 8" of a five-row table, and
    "row 4" on a station without a problem. Rows are numbered as Excel and the same table
    saved as .xlsx number them."""
    import openpyxl

    from harbor_planner import read_stations

    table = [["编号", "地址", "经度", "纬度"], ["A", "解放碑\n民族路", 106.57, 29.55],
             ["B", "较场口", 106.571, "abc"], ["C", "七星岗\n中山一路", 106.56, 29.554],
             ["D", "两路口", 106.55, None]]  # fmt: skip
    path = tmp_path / "ml.csv"
    pd.DataFrame(table[1:], columns=table[0]).to_csv(path, index=False, encoding="utf-8")
    wb = openpyxl.Workbook()
    for r in table:
        wb.active.append(r)
    wb.save(tmp_path / "ml.xlsx")
    for f in (path, tmp_path / "ml.xlsx"):
        check = read_stations(f, crs="gcj02")
        assert list(check.rejected["row"]) == [3, 5], f
        assert list(check.stations["row"]) == [2, 4], f
        assert list(check.stations["address"]) == ["解放碑 民族路", "七星岗 中山一路"] or list(
            check.stations["address"]
        ) == ["解放碑\n民族路", "七星岗\n中山一路"]


def test_coordinates_in_metres_suggest_their_crs(tmp_path):
    from pyproj import Transformer

    from harbor_planner import read_stations

    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(106.55, 29.55)
    path = tmp_path / "merc.csv"
    path.write_text(f"编号,经度,纬度\nA,{x},{y}\nB,640000,3270000\n", "utf-8")
    check = read_stations(path, crs="gcj02")
    messages = list(check.errors["message"])
    assert "state the CRS: EPSG:3857" in messages[0]
    assert "EPSG:32648 for UTM 48N" in messages[1]
    as_mercator = read_stations(path, crs="EPSG:3857")
    assert "A" in set(as_mercator.stations["station_id"])


def test_longitude_in_degrees_is_preferred_to_an_x_column(tmp_path):
    """X坐标/Y坐标 (projected metres of a survey) before 经度/纬度 in one table: the degrees
    are used, the X/Y columns kept as extra columns with a warning."""
    from harbor_planner import read_stations

    path = tmp_path / "xy.csv"
    path.write_text("编号,X坐标,Y坐标,经度,纬度\nA,35640000,3270000,106.55,29.55\n", "utf-8")
    check = read_stations(path, crs="gcj02")
    assert len(check.stations) == 1 and not len(check.errors)
    warned = check.problems[check.problems["code"] == "ambiguous_column"]["message"]
    assert any("'经度' is used, 'X坐标' kept" in m for m in warned)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_byte_order_mark_is_read(tmp_path, encoding):
    from harbor_planner import read_stations

    path = tmp_path / "u16.csv"
    path.write_bytes("编号,名称,经度,纬度\nA,一号站,106.55,29.55\n".encode(encoding))
    check = read_stations(path, crs="gcj02")
    assert list(check.stations["name"]) == ["一号站"]
    assert "control_chars" not in set(check.problems["code"])


def test_a_datum_named_over_two_coordinate_columns_counts(tmp_path):
    """百度坐标 merged over 经度 | 纬度 says the file is Baidu's: stated as gcj02 it is refused
    like a one-row 百度经度 header is."""
    import openpyxl

    from harbor_planner import read_stations
    from harbor_planner.errors import CRSError, InputDataError

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "百度坐标", None, "状态"])
    ws.append([None, "经度", "纬度", None])
    ws.append(["A", 106.5565, 29.5628, "已建成"])
    for col in ("A", "D"):
        ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("B1:C1")
    wb.save(tmp_path / "bd.xlsx")
    with pytest.raises((CRSError, InputDataError), match=r"says the coordinates are BD-09"):
        read_stations(tmp_path / "bd.xlsx", crs="gcj02")
    assert len(read_stations(tmp_path / "bd.xlsx", crs="bd09").stations) == 1


def test_file_names_in_gbk_bytes_are_read_or_refused_in_one_line(tmp_path, capsys):
    """A zip made on Chinese Windows names its files in GBK (probe 13C: a traceback, exit 1,
    after the whole run). A station file so named is used and named readably in run.json; an
    output folder so named is one line, exit 3."""
    import shutil

    demo = tmp_path / "demo"
    shutil.copytree(demo_scenario_path().parent, demo)
    gbk = os.fsdecode(os.fsencode(str(demo)) + b"/" + "站点".encode("gbk") + b".csv")
    shutil.copy(demo / "stations.csv", gbk)
    quick = ["--set", "optimize.enabled=false", "--set", "output.map_bands=[]",
             "--set", "demand.spacing_m=200"]  # fmt: skip
    argv = ["-q", "run", str(demo / "demo.toml"), "--out", str(tmp_path / "o"), *quick,
            "--set", f"stations.file={gbk}"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    manifest = json.loads((tmp_path / "o" / "run.json").read_text("utf-8"))
    assert manifest["parameters"]["stations"]["file"].endswith("站点.csv")
    out = os.fsdecode(os.fsencode(str(tmp_path)) + b"/" + "结果".encode("gbk"))
    code = main(["-q", "run", str(demo / "demo.toml"), "--out", out, *quick])
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "结果" in err and "not UTF-8" in err


def test_walking_times_of_hours_are_refused(tmp_path, capsys):
    """Probe 14L: --minutes 1e9 ran ("circles of 75,000,000,000 m")."""
    import harbor_planner as hp

    os.chdir(tmp_path)
    assert main([*COV, "--minutes", "1e9", "--out", "o"]) == 2
    assert "at most 240 minutes" in capsys.readouterr().err
    with pytest.raises(hp.InputDataError, match="at most 240"):
        hp.coverage(None, None, None, minutes=241)


def test_options_a_command_would_ignore_are_refused(tmp_path, capsys):
    """Probe 14L: options that did nothing were accepted (and recorded in run.json)."""
    import harbor_planner as hp
    from harbor_planner.network import build_network, save_network

    net = tmp_path / "n.npz"
    save_network(build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False), net)
    for option in ({"keep_all": True}, {"snap_tolerance_m": 5.0}, {"metric_crs": "EPSG:32649"}):
        with pytest.raises(hp.InputDataError, match=r"network n\.npz is used as it was built"):
            build_network(net, progress=False, **option)
    build_network(net, progress=False, metric_crs="EPSG:32648")  # its own CRS: fine
    args = ["-q", "network", "build", str(DEMO / "yuzhong_walk.osm.bz2"), "--out",
            str(tmp_path / "m.npz"), "--margin-m", "100"]  # fmt: skip
    assert main(args) == 2
    assert "--margin-m 100: the margin around --within or --bbox" in capsys.readouterr().err


def test_stations_check_refuses_placing_options_without_a_network(capsys):
    station_file = str(DEMO / "stations.csv")
    for extra in (["--max-dist", "10"], ["--accept-datum"], ["--walk-speed", "3"]):
        code = main(["-q", "stations", "check", station_file, "--crs", "gcj02", *extra])
        err = capsys.readouterr().err
        assert code == 2 and f"{extra[0]}: options of placing the stations" in err, err


def test_a_value_nested_thousands_deep_is_one_line_exit_3(tmp_path, capsys):
    """Probe 16B: tomllib recurses once per level: a 500-deep list in a scenario or --set
    printed a 30-line RecursionError traceback and exited 1."""
    deep = "[" * 3000 + "]" * 3000
    scenario = tmp_path / "deep.toml"
    scenario.write_text(demo_scenario_path().read_text("utf-8") + f"\ndescription = {deep}\n",
                        "utf-8")  # fmt: skip
    for args in (
        ["run", str(scenario), "--out", str(tmp_path / "a")],
        ["run", str(demo_scenario_path()), "--out", str(tmp_path / "b"), "--set",
         f"title={deep}"],
    ):  # fmt: skip
        assert main(args) == 3
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "nested too deeply" in err, err


def test_an_output_name_too_long_is_one_line_exit_3_naming_the_fix(tmp_path, capsys):
    """Probe 16B: a --out name over 255 bytes exited 1 with the system's "File name too long"."""
    out = tmp_path / ("a" * 300)
    code = main(["coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
                 str(DEMO / "stations.csv"), "--crs", "gcj02", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 3 and len(err.splitlines()) == 1, err
    assert "too long" in err and "shorter --out" in err
    assert list(tmp_path.iterdir()) == []


def test_a_walking_speed_nobody_walks_is_refused(tmp_path, capsys):
    """Probe 16B: --set network.walk_speed_kmh=1e-300 ran and printed "0.0 % ... 1e-300
    km/h", a median walk of 5.6e+301 min; WalkModel(speed_kmh="4") kept the text "4"."""
    from harbor_planner.errors import InputDataError
    from harbor_planner.network import WalkModel

    code = main(["run", str(demo_scenario_path()), "--out", str(tmp_path / "o"), "--set",
                 "network.walk_speed_kmh=1e-300"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 3 and "network.walk_speed_kmh" in err and "at least 0.5 km/h" in err
    assert WalkModel(speed_kmh="4").speed_kmh == 4.0  # a number, as a form sends it
    for speed in (1e-300, 0.4, 20, 45):
        with pytest.raises(InputDataError, match="must be a walking speed"):
            WalkModel(speed_kmh=speed)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--set", "centres.radius_m=1e12"], "centres.radius_m must be metres above 0 and at most"),
        (["--set", "stations.max_dist_m=1e9"], "stations.max_dist_m must be metres above 0 and"),
        (["--set", "output.map_max_stations=-1"], "output.map_max_stations must be 0 or more"),
    ],
)
def test_numbers_past_any_sense_are_refused_naming_the_key(tmp_path, capsys, args, needle):
    """Probe 16B: a centre radius of 1e12 m, a snapping distance of 1e9 m and a negative
    number of stations on the map were accepted without a word."""
    code = main(["run", str(demo_scenario_path()), "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err.strip()
    assert code == 3 and needle in err and len(err.splitlines()) == 1, err


def test_cli_limits_match_the_scenarios(tmp_path, capsys):
    for args in (["--max-dist", "1e9"], ["--centre-radius-m", "1e12"]):
        code = main(["coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
                     str(DEMO / "stations.csv"), "--crs", "gcj02", "--out", str(tmp_path / "o"),
                     *args])  # fmt: skip
        assert code == 2 and "at most" in capsys.readouterr().err
    code = main(["stations", "check", str(DEMO / "stations.csv"), "--crs", "gcj02",
                 "--max-problems", "-1"])  # fmt: skip
    assert code == 2 and "--max-problems -1: expected 0 or more rows" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["coverage", "--network", "NET", "--stations", "ST", "--crs", "gcj02",
         "--study-area", "CSV", "--out", "OUT"],
        ["network", "build", "NET", "--within", "CSV", "--out", "OUT.npz"],
        ["network", "info", "NET", "--within", "CSV"],
    ],
)  # fmt: skip
def test_a_table_given_as_an_area_is_one_line(tmp_path, capsys, command):
    """Probe 23C: a CSV (the centres table) as --study-area or --within crashed with a
    traceback ending "'DataFrame' object has no attribute 'crs'" (exit 1) on 7 commands."""
    subst = {"NET": str(DEMO / "yuzhong_walk.osm.bz2"), "ST": str(DEMO / "stations.csv"),
             "CSV": str(DEMO / "centres.csv"), "OUT": str(tmp_path / "out"),
             "OUT.npz": str(tmp_path / "out.npz")}  # fmt: skip
    code = main(["-q", "--no-progress", *[subst.get(a, a) for a in command]])
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err and err.count("\n") == 1, err
    assert "table without geometry; give a polygon layer" in err and "centres.csv" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.npz").exists()


def test_an_unreadable_input_is_bad_data_named_with_the_fix(tmp_path, capsys, monkeypatch):
    """Probe 23C: a station list or scenario without read permission ended in a bare
    "Permission denied", exit 1 (any other error), the API raising a raw PermissionError; an
    unreadable saved network was called corrupt ("rebuild it"). Each is an InputDataError
    (exit 3) naming the file and the fix. (Root reads any file: the refusal is simulated.)"""
    import pathlib

    import harbor_planner as hp
    from harbor_planner.errors import InputDataError

    stations = tmp_path / "st.csv"
    stations.write_bytes((DEMO / "stations.csv").read_bytes())
    scenario = tmp_path / "s.toml"
    scenario.write_text((DEMO / "demo.toml").read_text("utf-8"), "utf-8")
    net = tmp_path / "net.npz"
    hp.save_network(hp.build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False), net)
    locked = {stations, scenario, net}
    real_read, real_open = pathlib.Path.read_bytes, pathlib.Path.open

    def read_bytes(self):
        if self in locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def opened(self, *a, **k):
        if self in locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **k)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    monkeypatch.setattr(pathlib.Path, "open", opened)
    monkeypatch.setattr(os, "access", lambda p, mode, **k: pathlib.Path(p) not in locked)
    for call in (lambda: hp.read_stations(stations, crs="gcj02"),
                 lambda: hp.load_scenario(scenario), lambda: hp.load_network(net)):  # fmt: skip
        with pytest.raises(InputDataError, match=r"cannot be read \(Permission denied\): give"):
            call()
    code = main(["stations", "check", str(stations), "--crs", "gcj02"])
    err = capsys.readouterr().err
    assert code == 3 and "st.csv: the file cannot be read (Permission denied)" in err
    code = main(["network", "info", str(net)])
    err = capsys.readouterr().err
    assert code == 3 and "network file cannot be read" in err and "rebuild" not in err


def test_a_line_break_in_user_text_keeps_the_error_on_one_line(tmp_path, capsys):
    """Probe 23C: an id cell holding a line break ("A\\nB" twice) made the one-line error
    two lines; the text keeps its words, on one line."""
    path = tmp_path / "st.csv"
    path.write_text('编号,名称,经度,纬度\n"A\nB",甲,106.57,29.55\n"A\nB",乙,106.58,29.55\n',
                    encoding="utf-8")  # fmt: skip
    net = str(DEMO / "yuzhong_walk.osm.bz2")
    code = main(["-q", "coverage", "--network", net, "--stations", str(path), "--crs", "gcj02",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and "A B" in err, err


def test_the_api_refuses_huge_values_with_the_packages_error():
    """Probe 25E: the same values through the API overflowed or failed in GEOS."""
    import numpy as np

    from harbor_planner.errors import InputDataError
    from harbor_planner.network.clip import clip_area
    from harbor_planner.optimize import CoverageMatrix, select_sites

    with pytest.raises(InputDataError, match=r"margin_m .*expected metres from 0 to 50,000"):
        clip_area(bbox=[106.5, 29.5, 106.6, 29.6], margin_m=1e8)
    cm = CoverageMatrix.from_arrays(np.eye(3, dtype=bool), [1, 1, 1])
    for bad in (10**20, float("inf"), 101):
        with pytest.raises(InputDataError, match="min_cover must be a whole number from 1"):
            select_sites(cm, n_add=1, min_cover=bad)
    from harbor_planner.analysis.pieces import polygon_options

    with pytest.raises(InputDataError, match=r"corridor_m must be .* at most 1,000"):
        polygon_options([15], 1e300, "exact", 10.0, 1)


def test_a_table_or_folder_given_as_a_polygon_layer_says_so(tmp_path):
    """Probe 25E: a GBK station CSV given as districts or area was "'utf-8' codec can't
    decode byte 0xd3", a folder "file not found" or GDAL's raw text."""
    from harbor_planner.errors import InputDataError
    from harbor_planner.network.clip import clip_area
    from harbor_planner.readers import read_vector
    from harbor_planner.study_area import read_area_polygon

    table = tmp_path / "stations.csv"
    table.write_bytes("编号,经度,纬度\nA,106.5,29.5\n".encode("gbk"))
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(InputDataError, match="a table, not a GIS layer"):
        read_vector(table, None)
    with pytest.raises(InputDataError, match="the area layer: a table, not a GIS layer"):
        clip_area(within=str(table), margin_m=0)
    with pytest.raises(InputDataError, match="a folder, not a layer file"):
        read_vector(folder, None)
    with pytest.raises(InputDataError, match="the study area: a table, not a GIS layer"):
        read_area_polygon(table, "study.area")


def test_options_a_run_leaves_unused_are_warned_of(tmp_path, capsys):
    """Probe 25E: ``--centre-radius-m`` without ``--centres``, ``--spacing-by`` without
    ``--min-spacing`` and ``--tianditu-key`` with another basemap were dropped silently."""
    base = [*_diamond_optimize(tmp_path), "--no-range", "--basemap", "none"]
    extra = ["--spacing-by", "walk", "--centre-radius-m", "500", "--tianditu-key", "k"]
    assert main([*base, *extra, "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    for option in ("--spacing-by", "--centre-radius-m", "--tianditu-key"):
        assert f"{option} is not used" in err, err
    assert "--candidate-spacing is not used" not in err and "--add is not" not in err
    assert main([*base, "--min-spacing", "50", "--spacing-by", "walk", "--out",
                 str(tmp_path / "b")]) == 0  # fmt: skip
    assert "is not used" not in capsys.readouterr().err


def test_run_is_not_told_a_scenario_option_is_unused(tmp_path, capsys):
    """Probe 25R4: ``run demo.toml --centre-radius-m 500`` was told "not used without
    --centres" while the demo's centres took it."""
    code = main(["run", str(DEMO / "demo.toml"), "--centre-radius-m", "500", "--out",
                 str(tmp_path / "o"), "--set", "optimize.enabled=false", "--set",
                 "coverage.range=false"])  # fmt: skip
    assert code == 0
    assert "is not used" not in capsys.readouterr().err
    record = json.loads((tmp_path / "o" / "run.json").read_text("utf-8"))
    assert record["parameters"]["centres"]["radius_m"] == 500


def _diamond_coverage(tmp_path) -> list[str]:
    """``coverage`` on the test diamond with one station (see :func:`_diamond_optimize`)."""
    argv = _diamond_optimize(tmp_path)
    return ["coverage", *argv[1 : argv.index("--candidate-spacing")], "--no-range"]


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["COV", "--centres", "DIR"], "centres"),
        (["COV", "--demand", "buildings:DIR"], "buildings"),
        (["COV", "--study-area", "DIR"], "layer"),
        (["OPT", "--poi", "DIR"], "POI"),
        (["OPT", "--candidates", "DIR"], "candidate"),
        (["run", "DIR"], "scenario"),
        (["network", "build", "DIR", "--out", "OUT.npz"], "network"),
        (["network", "info", "DIR"], "network"),
        (["map", "--network", "NET", "--stations", "ST", "--crs", "wgs84", "--sites", "DIR"],
         "sites"),
    ],
)  # fmt: skip
def test_a_folder_given_as_an_input_file_says_so(tmp_path, capsys, args, kind):
    """Probe 25E/26A: a folder given where a file is expected was "file not found" (untrue),
    raw GDAL text ("... prefixing the file path with '<DRIVER>:'") or, as --study-area, exit 2
    "not a district"; the station reader's words for all, exit 3."""
    folder = tmp_path / "folder"
    folder.mkdir()
    cov = _diamond_coverage(tmp_path)
    if "--demand" in args:  # the folder as the one demand
        del cov[cov.index("--demand") : cov.index("--demand") + 2]
    subst = {
        "DIR": str(folder),
        "NET": cov[cov.index("--network") + 1],
        "ST": cov[cov.index("--stations") + 1],
        "OUT.npz": str(tmp_path / "o.npz"),
    }
    expand = {"COV": cov, "OPT": _diamond_optimize(tmp_path)}  # fmt: skip
    argv = [w for a in args for w in expand.get(a, [a.replace("DIR", subst["DIR"])])]
    argv = [subst.get(a, a) for a in argv]
    if args[0] not in ("network",):
        argv += ["--out", str(tmp_path / ("o.html" if args[0] == "map" else "o"))]
    code = main(["-q", *argv])
    err = capsys.readouterr().err
    assert code == 3 and len(_errors(err)) == 1, err
    assert f"a folder, not a {kind} file; give the " in err and str(folder) in err, err
    assert "not found" not in err and "DRIVER" not in err, err


def _exit_code(argv: list[str]) -> int:
    """``main(argv)``'s exit code, argparse's own errors (SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


_ST_EMPTY = ["coverage", "--network", "n.npz", "--stations", "", "--out", "o"]
_OPT_BASE = ["optimize", "--network", "n.npz", "--stations", "s.csv", "--add", "2"]


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (_ST_EMPTY, "--stations"),
        ([*_OPT_BASE, "--poi", "", "--out", "o"], "--poi"),
        ([*_OPT_BASE, "--exclude", "", "--out", "o"], "--exclude"),
        (["coverage", "--network", "", "--stations", "s.csv", "--out", "o"], "--network"),
        ([*COV, "--centres", "", "--out", "o"], "--centres"),
        (["run", "", "--out", "o"], "scenario"),
        (["network", "build", "", "--out", "n.npz"], "source"),
        (["stations", "check", ""], "file"),
    ],
)
def test_an_empty_input_path_is_a_usage_error_naming_the_option(tmp_path, capsys, argv, option):
    """Probe 25E/26A: ``--stations ""`` read the working folder ("/tmp/x: a folder, not a
    station file", exit 3), ``run ""`` was ".: scenario file not found", ``--exclude ""``
    excluded nothing (exit 0); as ``--out ""``: exit 2 naming the option."""
    argv = [str(tmp_path / a) if a in ("o", "n.npz") else a for a in argv]
    code = _exit_code(["-q", *argv])
    err = capsys.readouterr().err
    assert code == 2 and len(_errors(err)) == 1, err
    assert f"argument {option}: got an empty path" in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("gbkk", "unknown encoding 'gbkk' (did you mean gbk?)"),
        ("", "an empty encoding"),
        ("hex", "'hex' is not a text encoding"),
        ("rot13", "'rot13' is not a text encoding"),
        ("base64", "'base64' is not a text encoding"),
    ],
)
def test_an_unknown_encoding_is_a_usage_error_with_the_choices(capsys, value, words):
    """Probe 25E: ``stations check --encoding gbkk`` was exit 3 without the option named;
    ``--encoding ""`` detected the encoding, silently. Probe 26R: ``hex``, ``rot13`` and
    ``base64`` (codecs, no text encodings) passed, then failed with exit 3."""
    stations = str(DEMO / "stations.csv")
    code = _exit_code(["-q", "stations", "check", stations, "--crs", "gcj02", "--encoding", value])
    err = capsys.readouterr().err
    assert code == 2 and len(_errors(err)) == 1, err
    assert f"argument --encoding: {words}" in err and "gb18030" in err, err
    assert main(["-q", "stations", "check", stations, "--crs", "gcj02", "--encoding", "GBK"]) in (
        0,
        3,
    )  # a known encoding is taken (the UTF-8 file may not decode as GBK)
    assert "argument --encoding" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("utm48", "'utm48' names several coordinate systems pyproj knows; give it as an EPSG"),
        ("EPSG:4326", "'EPSG:4326' is geographic (degrees)"),
        ("", "'' is not a coordinate system pyproj knows"),
    ],
)
def test_a_metric_crs_pyproj_cannot_use_is_a_usage_error(tmp_path, capsys, value, words):
    """Probe 25E: ``--metric-crs utm48`` was exit 3 with PROJ's raw "several objects matching
    this name: Indian 1954 / UTM zone 48N..."."""
    net = tmp_path / "n.npz"
    code = _exit_code(["-q", "network", "build", str(DEMO / "yuzhong_walk.osm.bz2"), "--metric-crs",
                 value, "--out", str(net)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and len(_errors(err)) == 1, err
    assert f"argument --metric-crs: {words}" in err and "EPSG:32648" in err, err
    assert "Indian 1954" not in err and "Internal Proj Error" not in err and not net.exists()


def test_a_scenarios_metric_crs_is_checked_when_it_loads(tmp_path, capsys):
    """Probe 26A: ``run --set network.metric_crs="utm48"`` on a saved network was a Python
    traceback (pyproj's CRSError from the check of the saved network's CRS)."""
    net = tmp_path / "n.npz"
    assert main(["-q", "network", "build", str(DEMO / "yuzhong_walk.osm.bz2"), "--out",
                 str(net)]) == 0  # fmt: skip
    capsys.readouterr()
    code = main(["-q", "run", str(DEMO / "demo.toml"), "--set", f'network.source="{net}"',
                 "--set", 'network.metric_crs="utm48"', "--out", str(tmp_path / "o")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and len(_errors(err)) == 1 and "Traceback" not in err, err
    assert "--set network.metric_crs: network.metric_crs 'utm48' names several" in err, err


@pytest.mark.parametrize(
    ("runs", "labels", "words"),
    [
        (["A"], None, "OUT_DIR: compare needs at least two result folders, got 1"),
        (["A", "B"], "x", "--labels 'x': 1 label for 2 runs: give one label per run"),
        (["A", "B"], "x,x", "--labels 'x,x': run labels must differ: x, x"),
        (["A", "B"], "", "--labels '': a label is empty"),
        (["A", "B"], "x,", "--labels 'x,': a label is empty"),
        (["A", "A"], None, "OUT_DIR: the same result folder is given twice"),
    ],
)
def test_compare_usage_mistakes_are_usage_errors_naming_the_option(
    tmp_path, capsys, runs, labels, words
):
    """Probe 25E/26A: one folder, ``--labels A`` for two runs, ``--labels A,A`` and the same
    folder twice were exit 3 ("bad data"); ``--labels ""`` silently took the folder names."""
    _run_folder(tmp_path / "A", "渝中区")
    _run_folder(tmp_path / "B", "江北区")
    out = tmp_path / "c.csv"
    extra = [] if labels is None else ["--labels", labels]
    code = main(["-q", "compare", *[str(tmp_path / r) for r in runs], *extra, "--out", str(out)])
    err = capsys.readouterr()
    assert code == 2 and len(_errors(err.err)) == 1 and words in err.err, err.err
    assert err.out == "" and not out.exists()

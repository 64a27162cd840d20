"""Never lose a user's file, never leave half a run (issue #14).

* a result folder is written as a whole: an error, a full disk, SIGINT or SIGTERM leaves the
  previous complete run (every file ``run.json`` lists, with its SHA-256) and no temp file;
* only files harbor-planner wrote (listed in the previous ``run.json`` with an unchanged
  SHA-256) are replaced or removed; a run that would replace a user's file is refused;
* no command writes over one of its inputs, however the path is spelled;
* ``--out`` that is a file, cannot be created or written: one line, exit 3, nothing left.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import harbor_planner as hp
from harbor_planner._io import file_sha256
from harbor_planner.cli import main
from harbor_planner.errors import OutputError
from harbor_planner.scenario import demo_scenario_path

DEMO = demo_scenario_path().parent
#: A quick demo run: no optimisation, no map isochrones, main streets every 200 m.
QUICK = ["optimize.enabled=false", "output.map_bands=[]", "demand.spacing_m=200"]
USER_TEXT = "the user's own file\n"


def sets(*overrides: str) -> list[str]:
    out = []
    for o in overrides:
        out += ["--set", o]
    return out


def folder_state(out: Path) -> dict[str, str]:
    """Every entry of ``out`` with its SHA-256 (folders as ``<dir>``)."""
    return {p.name: "<dir>" if p.is_dir() else file_sha256(p) for p in sorted(out.iterdir())}


def assert_whole_run(out: Path, *, others: set[str] = frozenset()) -> dict:
    """``out`` holds exactly what its run.json lists (and ``others``), hashes matching."""
    manifest = json.loads((out / "run.json").read_text("utf-8"))
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    names = {p.name for p in out.iterdir()}
    assert not [n for n in names if n.startswith(".")], names  # no temp file or folder
    assert names == set(listed) | {"run.json"} | set(others), names ^ set(listed)
    for name, sha in listed.items():
        assert file_sha256(out / name) == sha, name
    return manifest


def one_line_error(capsys, code: int, expected: int = 3) -> str:
    err = capsys.readouterr().err
    assert code == expected, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture(scope="module")
def old_run(tmp_path_factory):
    """A complete quick run (the 'previous run' of the tests)."""
    out = tmp_path_factory.mktemp("old") / "run"
    hp.run(demo_scenario_path(), out=out, overrides=QUICK, progress=False)
    return out


# --------------------------------------------------------------------------- user's files


USER_FILES = ("stations.csv", "by_district.csv", "report.xlsx", "map.html")


@pytest.mark.parametrize(
    "formats", [["report"], ["tables"], ["map", "xlsx"], ["gpkg"], None], ids=str
)
def test_a_users_own_files_in_out_survive_any_format_choice(tmp_path, capsys, formats):
    out = tmp_path / "mine"
    out.mkdir()
    for name in USER_FILES:
        (out / name).write_text(USER_TEXT, "utf-8")
    before = folder_state(out)
    chosen = [] if formats is None else [f"output.formats={json.dumps(formats)}"]
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out),
                 *sets(*QUICK, *chosen)])  # fmt: skip
    clash = formats is None or {"tables", "map", "xlsx"} & set(formats)
    if clash:  # a user's file where an output would go: refused before any work
        err = one_line_error(capsys, code)
        assert "not written by harbor-planner" in err and "--out" in err
        assert folder_state(out) == before
    else:
        assert code == 0, capsys.readouterr().err
        assert_whole_run(out, others=set(USER_FILES))
    for name in USER_FILES:
        assert (out / name).read_text("utf-8") == USER_TEXT


def test_stale_clean_up_removes_only_unchanged_files_of_the_previous_run(tmp_path, old_run):
    """The issue's case: a report-only run into a folder holding the user's tables."""
    out = tmp_path / "o"
    shutil.copytree(old_run, out)
    # the user replaced two of the run's files with their own and added one
    (out / "stations.csv").write_text(USER_TEXT, "utf-8")
    (out / "map.html").write_text(USER_TEXT, "utf-8")
    (out / "notes.txt").write_text(USER_TEXT, "utf-8")
    hp.run(demo_scenario_path(), out=out, overrides=[*QUICK, 'output.formats=["report"]'],
           progress=False)  # fmt: skip
    names = {p.name for p in out.iterdir()}
    assert "by_district.csv" not in names and "gaps.gpkg" not in names  # the run's: removed
    for name in ("stations.csv", "map.html", "notes.txt"):  # the user's: kept as they are
        assert (out / name).read_text("utf-8") == USER_TEXT
    assert_whole_run(out, others={"stations.csv", "map.html", "notes.txt"})


def test_an_edited_output_left_from_an_earlier_run_is_named(tmp_path, old_run, caplog):
    """Probe 14K: the folder kept an edited old report.html (41.1 %) beside this run's
    summary.json (23.4 %) without a word."""
    out = tmp_path / "o"
    shutil.copytree(old_run, out)
    (out / "map.html").write_text(USER_TEXT, "utf-8")
    with caplog.at_level("WARNING", logger="harbor_planner.outputs"):
        hp.run(demo_scenario_path(), out=out, overrides=[*QUICK, 'output.formats=["report"]'],
               progress=False)  # fmt: skip
    said = [r.getMessage() for r in caplog.records]
    kept = [m for m in said if "kept from an earlier run because edited" in m]
    assert len(kept) == 1 and "map.html" in kept[0] and "stations.csv" not in kept[0]


def test_a_changed_output_of_an_earlier_run_is_not_replaced(tmp_path, capsys, old_run):
    out = tmp_path / "o"
    shutil.copytree(old_run, out)
    (out / "by_district.csv").write_text(USER_TEXT, "utf-8")  # edited by the user
    before = folder_state(out)
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out), *sets(*QUICK)])
    assert "by_district.csv" in one_line_error(capsys, code)
    assert folder_state(out) == before


def test_a_run_json_the_tool_did_not_write_is_refused(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "run.json").write_text('{"mine": true}', "utf-8")
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out), *sets(*QUICK)])
    assert "run.json" in one_line_error(capsys, code)
    assert (out / "run.json").read_text("utf-8") == '{"mine": true}'


@pytest.mark.slow
def test_coverage_and_optimize_write_a_manifest_and_rerun_over_their_own_files(tmp_path):
    common = ["-q", "coverage", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
              str(DEMO / "stations.csv"), "--crs", "gcj02", "--map-bands", "", "--out"]  # fmt: skip
    out = tmp_path / "cov"
    assert main([*common, str(out)]) == 0
    first = assert_whole_run(out)
    assert {o["path"] for o in first["outputs"]} >= {"summary.json", "stations.csv"}
    assert main([*common, str(out), "--walk-speed", "3.2"]) == 0  # its own files: replaced
    assert_whole_run(out)


# --------------------------------------------------------------------------- inputs


def _spellings(tmp_path: Path, target: Path) -> dict[str, Path]:
    """Ways to name ``target`` (in ``tmp_path``, the working directory)."""
    link = tmp_path / "link" / target.name
    link.parent.mkdir(exist_ok=True)
    if not link.exists():
        link.symlink_to(target)
    hard = tmp_path / "hard" / target.name
    hard.parent.mkdir(exist_ok=True)
    if not hard.exists():
        os.link(target, hard)
    return {
        "relative": Path(target.name),
        "dot": Path(".") / target.name,
        "absolute": target.resolve(),
        "dotdot": Path("link") / ".." / target.name,
        "symlink": link,
        "hardlink": hard,
    }


SPELLINGS = ["relative", "dot", "absolute", "dotdot", "symlink", "hardlink"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(DEMO / "stations.csv", tmp_path / "stations.csv")
    shutil.copy(DEMO / "yuzhong_walk.osm.bz2", tmp_path / "walk.osm.bz2")
    (tmp_path / "s.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"id": "A"}, "geometry": {"type": "Point", "coordinates": [106.5, 29.5]}}]}',
        "utf-8",
    )
    return tmp_path


def _refused(capsys, argv: list[str], protected: Path) -> str:
    before = file_sha256(protected)
    listing = sorted(p.name for p in protected.parent.iterdir())
    err = one_line_error(capsys, main(argv))
    assert file_sha256(protected) == before
    assert sorted(p.name for p in protected.parent.iterdir()) == listing  # nothing written
    return err


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_isochrones_refuses_to_write_over_its_stations(workdir, capsys, spelling):
    out = _spellings(workdir, workdir / "s.geojson")[spelling]
    argv = ["isochrones", "--network", "walk.osm.bz2", "--stations", "s.geojson", "--crs", "wgs84",
            "--out", str(out)]  # fmt: skip
    err = _refused(capsys, argv, workdir / "s.geojson")
    assert "input" in err and "--out" in err


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_network_build_refuses_to_write_over_its_source(workdir, capsys, spelling):
    import geopandas as gpd
    from shapely.geometry import LineString

    src = workdir / "streets.gpkg"
    if not src.exists():
        gpd.GeoDataFrame(
            {"highway": ["footway"]},
            geometry=[LineString([(106.5, 29.5), (106.501, 29.5)])],
            crs="EPSG:4326",
        ).to_file(src, layer="streets")
    out = _spellings(workdir, src)[spelling]
    err = _refused(capsys, ["network", "build", "streets.gpkg", "--out", "n.npz",
                            "--gpkg", str(out)], src)  # fmt: skip
    assert "--gpkg" in err


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_stations_commands_refuse_to_write_over_their_file(workdir, capsys, spelling):
    st = workdir / "stations.csv"
    out = _spellings(workdir, st)[spelling]
    _refused(capsys, ["stations", "number", "stations.csv", "--crs", "gcj02", "--out", str(out)],
             st)  # fmt: skip
    shutil.copy(workdir / "s.geojson", workdir / "st.geojson")
    out = _spellings(workdir, workdir / "st.geojson")[spelling]
    _refused(capsys, ["stations", "check", "st.geojson", "--crs", "wgs84", "--out", str(out)],
             workdir / "st.geojson")  # fmt: skip


@pytest.mark.parametrize("spelling", ["relative", "dot", "absolute", "symlink"])
def test_coverage_refuses_a_station_file_that_is_an_output_of_its_folder(workdir, capsys, spelling):
    folder = workdir / "res"
    folder.mkdir(exist_ok=True)
    st = folder / "stations.csv"
    shutil.copy(workdir / "stations.csv", st)
    spelled = {
        "relative": Path("res"),
        "dot": Path(".") / "res" / ".",
        "absolute": folder.resolve(),
        "symlink": workdir / "res-link",
    }[spelling]
    if spelling == "symlink" and not spelled.exists():
        spelled.symlink_to(folder)
    err = _refused(capsys, ["coverage", "--network", "walk.osm.bz2", "--stations",
                            "res/stations.csv", "--crs", "gcj02", "--out", str(spelled)],
                   st)  # fmt: skip
    assert "stations" in err


def test_compare_refuses_to_write_over_a_file_of_a_run(capsys, old_run):
    target = old_run / "summary.json"
    err = _refused(capsys, ["compare", str(old_run), str(old_run), "--labels", "a,b",
                            "--out", str(target)], target)  # fmt: skip
    assert "summary.json" in err


def test_a_scenario_writing_into_its_own_data_folder_is_refused(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    toml = data / "demo.toml"
    toml.write_text(toml.read_text("utf-8").replace('lang = "zh"', 'lang = "zh"\ndir = "."'),
                    "utf-8")  # fmt: skip
    before = folder_state(data)
    code = main(["-q", "run", str(toml), *sets(*QUICK)])
    assert "stations.csv" in one_line_error(capsys, code)
    assert folder_state(data) == before
    # any input that is a file of the folder: here the DEM, copied to gaps.gpkg
    shutil.copy(data / "stations.csv", data / "my_stations.csv")
    shutil.copy(data / "dem.tif", data / "gaps.gpkg")
    with pytest.raises(OutputError, match="dem"):
        hp.run(toml, out=data, overrides=[*QUICK, f"stations.file={data / 'my_stations.csv'}",
                                           f"network.dem={data / 'gaps.gpkg'}"])  # fmt: skip


def test_one_check_for_inputs_and_outputs():
    from harbor_planner._safety import refuse_overwriting_inputs

    here = Path(__file__)
    refuse_overwriting_inputs({"a": here}, [here.with_name("other.csv")])  # different: fine
    with pytest.raises(OutputError, match="the a file"):
        refuse_overwriting_inputs({"a": here}, [here.parent / ".." / here.parent.name / here.name])
    with pytest.raises(OutputError, match="write over or remove the stations file 2 "):
        refuse_overwriting_inputs({"stations": here.with_name("x.csv"), "stations2": here}, [here])


# --------------------------------------------------------------------------- --out


def test_out_that_is_a_file_or_under_a_file(tmp_path, capsys):
    a_file = tmp_path / "f.txt"
    a_file.write_text(USER_TEXT, "utf-8")
    for out in (a_file, a_file / "sub", a_file / "sub" / "deeper"):
        code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out), *sets(*QUICK)])
        err = one_line_error(capsys, code)
        assert "--out" in err and "file" in err
    assert a_file.read_text("utf-8") == USER_TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
    # single-file outputs: a folder, or a missing folder
    code = main(["stations", "number", str(DEMO / "stations.csv"), "--crs", "gcj02",
                 "--out", str(tmp_path / "nowhere" / "r.csv")])  # fmt: skip
    assert "does not exist" in one_line_error(capsys, code)
    (tmp_path / "d.csv").mkdir()
    code = main(["stations", "number", str(DEMO / "stations.csv"), "--crs", "gcj02",
                 "--out", str(tmp_path / "d.csv")])  # fmt: skip
    assert "folder" in one_line_error(capsys, code)


def test_a_folder_that_cannot_be_created_or_written(tmp_path, capsys, monkeypatch):
    """Root writes anywhere, so read-only is simulated where the OS would refuse."""
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", denied)  # the staging folder: created up front
    out = tmp_path / "new" / "ro"
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out), *sets(*QUICK)])
    err = one_line_error(capsys, code)
    assert "permission denied" in err and str(out) in err
    assert not (tmp_path / "new").exists()  # the folders it created are removed again
    monkeypatch.undo()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)  # single files: checked up front
    code = main(["stations", "number", str(DEMO / "stations.csv"), "--crs", "gcj02",
                 "--out", str(tmp_path / "r.csv")])  # fmt: skip
    assert "read-only" in one_line_error(capsys, code)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores chmod")
def test_a_read_only_folder(tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out), *sets(*QUICK)])
        one_line_error(capsys, code)
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


# --------------------------------------------------------------------------- full disk


def _full_disk_rewrite(filename):
    """The workbook's file rewritten on a full disk: some bytes, then ENOSPC."""
    Path(filename).write_bytes(b"PK\x03\x04 partial")
    raise OSError(errno.ENOSPC, "No space left on device", str(filename))


def test_a_full_disk_mid_run_leaves_the_previous_run_whole(tmp_path, capsys, monkeypatch, old_run):
    from harbor_planner.outputs import cells

    out = tmp_path / "o"
    shutil.copytree(old_run, out)
    (out / "notes.txt").write_text(USER_TEXT, "utf-8")
    before = folder_state(out)
    monkeypatch.setattr(cells, "stable_zip", _full_disk_rewrite)
    # the workbook comes after the tables and the HTML report: those are staged by then
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out),
                 *sets(*QUICK, "network.walk_speed_kmh=3.2")])  # fmt: skip
    err = one_line_error(capsys, code)
    assert "disk is full" in err and "report.xlsx" in err
    assert folder_state(out) == before
    assert_whole_run(out, others={"notes.txt"})


def test_a_full_disk_at_any_writer_or_at_the_manifest(tmp_path, monkeypatch, old_run):
    from harbor_planner.outputs import folder as folder_mod
    from harbor_planner.pipeline import results

    def enospc(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "o"
    shutil.copytree(old_run, out)
    before = folder_state(out)
    real_write_json = results.write_json

    def manifest_enospc(path, data):
        if Path(path).name == "run.json":
            enospc()
        return real_write_json(path, data)

    for module, name, fake in ((folder_mod, "_map_file", enospc),
                               (results, "write_json", manifest_enospc)):  # fmt: skip
        with monkeypatch.context() as m:
            m.setattr(module, name, fake)
            with pytest.raises(OutputError, match="disk is full"):
                hp.run(demo_scenario_path(), out=out, progress=False,
                       overrides=[*QUICK, 'output.formats=["tables", "map"]'])  # fmt: skip
        assert folder_state(out) == before, name


@pytest.mark.parametrize("failing", ["report.xlsx", "run.json"])
def test_a_move_that_fails_half_way_puts_the_earlier_run_back(
    tmp_path, capsys, monkeypatch, old_run, failing
):
    """Probe 21X: a file that cannot be replaced while the run moves its files in (open in
    Excel on Windows, a share gone read-only) left a mix of both runs, said "nothing was
    changed", and every later run into the folder was refused."""
    out = tmp_path / "o"
    shutil.copytree(old_run, out)
    (out / "notes.txt").write_text(USER_TEXT, "utf-8")
    before = folder_state(out)
    real = os.replace

    def replace(src, dst, *a, **k):
        staged = Path(src).parent.name.startswith(".harbor-planner-staging")  # the new file
        if Path(dst) == out / failing and staged:
            raise OSError(errno.EACCES, "Permission denied", str(dst))
        return real(src, dst, *a, **k)

    argv = ["-q", "run", str(demo_scenario_path()), "--out", str(out),
            *sets(*QUICK, "network.walk_speed_kmh=3.2")]  # fmt: skip
    with monkeypatch.context() as m:
        m.setattr(os, "replace", replace)
        err = one_line_error(capsys, main(argv))
    assert "permission denied" in err and "nothing was changed" in err
    assert folder_state(out) == before
    assert main(argv) == 0  # and the next run goes through
    assert_whole_run(out, others={"notes.txt"})


def test_an_error_in_a_step_leaves_a_new_folder_absent(tmp_path, monkeypatch):
    from harbor_planner.scenario import runner

    def boom(*args, **kwargs):
        raise hp.InputDataError("bad row 3")

    monkeypatch.setattr(runner, "run_study", boom)
    out = tmp_path / "a" / "b"
    with pytest.raises(hp.InputDataError, match="bad row 3"):
        hp.run(demo_scenario_path(), out=out, overrides=QUICK, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_summary_has_no_timings_and_run_json_differs_only_in_its_own_fields(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        hp.run(demo_scenario_path(), out=out, overrides=['output.formats=["tables"]'],
               progress=False)  # fmt: skip
    assert file_sha256(a / "summary.json") == file_sha256(b / "summary.json")
    summary = json.loads((a / "summary.json").read_text("utf-8"))
    assert "runtime_s" not in summary["optimize"]
    ma, mb = (json.loads((d / "run.json").read_text("utf-8")) for d in (a, b))
    assert ma["summary_timings_s"]["optimize.runtime_s"] >= 0
    own = {"started", "finished", "wall_time_s", "timings_s", "summary_timings_s", "outputs",
           "out_dir"}  # fmt: skip
    # each records its own (real) output folder, the rest is the same
    assert (ma["out_dir"], mb["out_dir"]) == (str(a), str(b))
    assert ma["parameters"]["output"].pop("dir") == str(a)
    assert mb["parameters"]["output"].pop("dir") == str(b)
    assert {k: v for k, v in ma.items() if k not in own} == {
        k: v for k, v in mb.items() if k not in own
    }
    csv = {o["path"]: o["sha256"] for o in ma["outputs"] if o["path"].endswith((".csv", ".json"))}
    assert csv == {
        o["path"]: o["sha256"] for o in mb["outputs"] if o["path"].endswith((".csv", ".json"))
    }


# --------------------------------------------------------------------------- signals


def _run_and_kill(out: Path, sig: int, *, marker: str | None, delay: float) -> tuple[int, str]:
    """Start ``harbor-planner run`` of the demo into ``out``; send ``sig`` after ``marker``
    appears in its log (or after ``delay`` seconds from the start without a marker)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, "-m", "harbor_planner", "--no-progress", "run",
            str(demo_scenario_path()), "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # SIGINT is not ignored in the child (background jobs inherit SIG_IGN)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines = []
    if marker is None:
        time.sleep(delay)
    else:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if marker in line:
                break
        time.sleep(delay)
    proc.send_signal(sig)
    _, rest = proc.communicate(timeout=120)
    return proc.returncode, "".join(lines) + rest


def test_the_command_modules_load_inside_main_where_ctrl_c_is_caught():
    """CI under load: SIGINT 0.3 s after the start landed in ``import harbor_planner.cli``,
    before main() (a KeyboardInterrupt traceback). The commands' modules now load when the
    parser is built, inside main(); ``python -m harbor_planner`` catches one before that."""
    import subprocess
    import sys

    code = (
        "import sys, harbor_planner.cli as c; "
        "print(sorted(m for m in sys.modules if m.startswith('harbor_planner.cli.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.strip()
    for module in ("analysis", "network", "optimize", "scenario", "serve", "stations"):
        assert f"harbor_planner.cli.{module}'" not in loaded, loaded


#: When to send the signal: after a line of the run's log (plus a delay), or after a delay.
KILL_POINTS = [
    (None, 0.3),  # while importing
    (None, 0.6),
    (None, 1.0),
    ("runner: stations:", 0.0),
    ("runner: coverage:", 0.0),
    ("coverage: wrote", 0.0),  # the files are being staged...
    ("report_html: wrote", 0.0),
    ("layers: wrote", 0.0),
    ("runner: outputs:", 0.0),  # ...all staged: the manifest, then the commit
    ("runner: outputs:", 0.03),
    ("runner: outputs:", 0.08),
    ("runner: outputs:", 0.15),
    ("runner: run:", 0.0),  # committed
]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_killing_a_run_leaves_the_previous_or_the_new_run_whole(tmp_path, sig):
    out = tmp_path / "o"
    # the previous run: different settings, so that its files differ from the new run's
    hp.run(demo_scenario_path(), out=out, overrides=QUICK, progress=False)
    (out / "notes.txt").write_text(USER_TEXT, "utf-8")
    previous = folder_state(out)
    outcomes = set()
    for marker, delay in KILL_POINTS:
        code, err = _run_and_kill(out, sig, marker=marker, delay=delay)
        # the package's API is imported on first use, inside main(): a signal while the
        # modules load is caught like any other
        assert "Traceback" not in err, err
        assert code in (0, 128 + sig, -sig), (marker, delay, code, err)
        if code == 128 + sig:
            assert "interrupted" in err or "terminated" in err
        manifest = assert_whole_run(out, others={"notes.txt"})
        new = manifest["parameters"]["optimize"]["enabled"]
        outcomes.add("new" if new else "previous")
        # an exit by the signal means the previous run is there; the new one exits 0 (D5)
        assert code == 0 if new else code != 0, (marker, delay, code, err)
        if not new:
            assert folder_state(out) == previous, (marker, delay)
        assert (out / "notes.txt").read_text("utf-8") == USER_TEXT
        if new:  # start again from the previous run
            shutil.rmtree(out)
            hp.run(demo_scenario_path(), out=out, overrides=QUICK, progress=False)
            (out / "notes.txt").write_text(USER_TEXT, "utf-8")
            previous = folder_state(out)
    assert outcomes == {"previous", "new"}


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs (needs root and a kernel that lets this container mount)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root on Linux")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                          capture_output=True, check=False)  # fmt: skip
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_a_real_full_disk_leaves_the_previous_run_whole(tiny_disk, capsys):
    out = tiny_disk / "o"
    small = [*QUICK, 'output.formats=["tables"]']
    assert main(["-q", "run", str(demo_scenario_path()), "--out", str(out), *sets(*small)]) == 0
    before = folder_state(out)
    # the map, layers and reports do not fit in what is left of the 1 MB
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out), *sets(*QUICK)])
    err = one_line_error(capsys, code)
    assert "disk is full" in err
    assert folder_state(out) == before
    assert_whole_run(out)
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["o"]


# ------------------------------------------------------------ single files not written by us


def _network_and_stations(tmp_path):
    from harbor_planner.scenario import demo_scenario_path

    data = demo_scenario_path().parent
    return str(data / "yuzhong_walk.osm.bz2"), str(data / "stations.csv")


def test_single_file_outputs_never_replace_a_users_file(tmp_path, capsys):
    """``isochrones``/``map``/``compare --out`` replace their own earlier file, never one of
    the planner's (a GeoPackage of survey points, a page, a workbook), nor a run's file."""
    import geopandas as gpd
    import pyogrio
    import shapely

    from harbor_planner.cli import main

    net, st = _network_and_stations(tmp_path)
    mine = tmp_path / "project.gpkg"
    gpd.GeoDataFrame({"n": ["a"]}, geometry=[shapely.Point(106.5, 29.5)], crs=4326).to_file(
        mine, layer="my_survey_points"
    )
    iso = ["-q", "isochrones", "--network", net, "--stations", st, "--crs", "gcj02",
           "--minutes", "5", "--out"]  # fmt: skip
    assert main([*iso, str(mine)]) == 3
    err = capsys.readouterr().err
    assert "harbor-planner did not write" in err and "project.gpkg" in err
    assert [row[0] for row in pyogrio.list_layers(mine)] == ["my_survey_points"]
    ours = tmp_path / "iso.gpkg"
    assert main([*iso, str(ours)]) == 0 and main([*iso, str(ours)]) == 0  # its own: replaced
    page = tmp_path / "mine.html"
    page.write_text("<html>my notes</html>", "utf-8")
    m = ["-q", "map", "--network", net, "--stations", st, "--crs", "gcj02", "--map-bands", "",
         "--out"]  # fmt: skip
    assert main([*m, str(page)]) == 3
    assert page.read_text("utf-8") == "<html>my notes</html>"
    assert main([*m, str(tmp_path / "map.html")]) == 0
    assert main([*m, str(tmp_path / "map.html")]) == 0
    assert 'name="generator" content="harbor-planner"' in (tmp_path / "map.html").read_text()


def test_compare_never_writes_into_a_runs_own_file_or_a_users_workbook(tmp_path, capsys):
    import openpyxl

    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    runs = []
    for name in ("a", "b", "c"):
        out = tmp_path / name
        argv = ["-q", "run", str(demo_scenario_path()), "--out", str(out),
                "--set", "optimize.enabled=false", "--set", "coverage.range=false"]  # fmt: skip
        assert main(argv) == 0
        runs.append(str(out))
    runs = runs[:2]  # a and b compared; c is another run's folder
    before = (tmp_path / "c" / "report.xlsx").read_bytes()
    assert main(["-q", "compare", *runs, "--out", str(tmp_path / "c" / "report.xlsx")]) == 3
    assert "its run.json lists it" in capsys.readouterr().err
    assert (tmp_path / "c" / "report.xlsx").read_bytes() == before
    book = tmp_path / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "my budget"
    wb.save(book)
    assert main(["-q", "compare", *runs, "--out", str(book)]) == 3
    assert openpyxl.load_workbook(book).active["A1"].value == "my budget"
    cmp = tmp_path / "cmp.csv"
    assert main(["-q", "compare", *runs, "--out", str(cmp)]) == 0
    assert main(["-q", "compare", *runs, "--out", str(cmp)]) == 0  # its own files again


def test_files_that_only_look_like_ours_are_kept(tmp_path, capsys):
    """A planner's GeoPackage with one layer named stations, an OSMnx nodes/edges file, a quota
    CSV (district,min,max) and a register workbook the planner added notes to: all kept."""
    import shutil

    import geopandas as gpd
    import openpyxl
    import shapely

    from harbor_planner.cli import main

    net, st = _network_and_stations(tmp_path)
    point = [shapely.Point(106.5, 29.5)]
    gpd.GeoDataFrame({"n": ["a"]}, geometry=point, crs=4326).to_file(
        tmp_path / "mine.gpkg", layer="stations"
    )
    nx = tmp_path / "osmnx.gpkg"
    gpd.GeoDataFrame({"osmid": [1]}, geometry=point, crs=4326).to_file(nx, layer="nodes")
    line = [shapely.LineString([(106.5, 29.5), (106.6, 29.6)])]
    gpd.GeoDataFrame({"u": [1]}, geometry=line, crs=4326).to_file(nx, layer="edges")
    (tmp_path / "quota.csv").write_text("district,min,max\n渝中区,1,3\n", "utf-8")
    reg = tmp_path / "reg.xlsx"
    number = ["-q", "stations", "number", st, "--crs", "gcj02", "--out"]
    assert main([*number, str(reg)]) == 0 and main([*number, str(reg)]) == 0  # its own
    shutil.copy(reg, tmp_path / "edited.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "edited.xlsx")
    wb.active["Z1"] = "my notes"
    wb.properties.lastModifiedBy = "张三"
    wb.save(tmp_path / "edited.xlsx")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    iso = ["-q", "isochrones", "--network", net, "--stations", st, "--crs", "gcj02",
           "--minutes", "5", "--out", str(tmp_path / "mine.gpkg")]  # fmt: skip
    assert main(iso) == 3
    assert main(["-q", "network", "build", net, "--out", str(tmp_path / "n.npz"),
                 "--gpkg", str(nx)]) == 3  # fmt: skip
    assert main([*number, str(tmp_path / "edited.xlsx")]) == 3
    assert main([*number, str(tmp_path / "quota.csv")]) == 3
    assert "or that was edited since" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert {k: after[k] for k in before} == before


# --------------------------------------------------------------------------- probe 13A


def test_folder_lock_makes_a_second_commit_wait(tmp_path):
    """Two runs committing into one folder take turns (probe: their files interleaved)."""
    import threading

    from harbor_planner._io import folder_lock

    go, held = tmp_path / "go", tmp_path / "held"
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, pathlib\nfrom harbor_planner._io import folder_lock\n"
        f"with folder_lock({str(tmp_path)!r}):\n"
        f"    pathlib.Path({str(held)!r}).touch()\n"
        f"    while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.02)\n"
    )])  # fmt: skip
    try:
        while not held.exists():
            time.sleep(0.02)
        got = threading.Event()

        def take() -> None:
            with folder_lock(tmp_path):
                got.set()

        t = threading.Thread(target=take)
        t.start()
        assert not got.wait(0.5)  # the child holds the folder
        go.touch()
        assert got.wait(30)
        t.join()
    finally:
        go.touch()
        child.wait(30)


def test_two_file_outputs_are_written_both_or_neither(tmp_path, monkeypatch):
    """network build --gpkg: a failed GIS layer leaves the old network too (probe: the new
    .npz beside the old .gpkg, and the message said nothing was changed)."""
    import geopandas as gpd

    from harbor_planner.network import build_network, save_network

    net = build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    npz, gpkg = tmp_path / "n.npz", tmp_path / "n.gpkg"
    save_network(net, npz, edges_gpkg=gpkg)
    before = folder_state(tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", full)
    with pytest.raises(OutputError, match="nothing was changed") as info:
        save_network(net, npz, edges_gpkg=gpkg)
    assert folder_state(tmp_path) == before  # no temp file either
    # probe 17E F12: the error names the file the disk filled on, and its option
    assert info.value.path == str(gpkg) and "choose another --gpkg" in str(info.value)
    monkeypatch.undo()
    monkeypatch.setattr(np, "savez", full)
    with pytest.raises(OutputError, match="nothing was changed") as info:
        save_network(net, npz, edges_gpkg=gpkg)
    assert info.value.path == str(npz) and "choose another --out" in str(info.value)
    assert folder_state(tmp_path) == before


def test_compare_with_an_upper_case_suffix_checks_the_file_it_writes(tmp_path, capsys, old_run):
    out = tmp_path / "speeds.CSV"
    (tmp_path / "speeds_districts.CSV").write_text(USER_TEXT, "utf-8")
    (tmp_path / "speeds_districts.csv").write_text(USER_TEXT, "utf-8")
    one_line_error(capsys, main(["compare", str(old_run), str(old_run), "--labels", "a,b",
                                 "--out", str(out)]))  # fmt: skip
    (tmp_path / "speeds_districts.CSV").unlink()
    assert main(["-q", "compare", str(old_run), str(old_run), "--labels", "a,b",
                 "--out", str(out)]) == 0  # fmt: skip
    assert (tmp_path / "speeds_districts.csv").read_text("utf-8") == USER_TEXT
    assert "district" in (tmp_path / "speeds_districts.CSV").read_text("utf-8-sig")


def test_isochrones_with_a_service_area_run_twice(tmp_path, capsys):
    argv = ["-q", "isochrones", "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--stations",
            str(DEMO / "stations.csv"), "--crs", "gcj02", "--minutes", "5", "--out",
            str(tmp_path / "iso.geojson"), "--service-area"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    side = (tmp_path / "iso_service_area.geojson").read_text("utf-8")
    assert '"name": "service_area"' in side and ".tmp-" not in side
    assert main(argv) == 0, capsys.readouterr().err  # its own files: replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iso.geojson", "iso_service_area.geojson"]


def test_a_long_but_legal_output_name_is_written(tmp_path):
    from harbor_planner._io import atomic_path

    path = tmp_path / ("港" * 80 + "a" * 10 + ".csv")  # 254 bytes: the usual temp name is not
    with atomic_path(path) as tmp:
        tmp.write_text("x", "utf-8")
    assert path.read_text("utf-8") == "x" and len(list(tmp_path.iterdir())) == 1


def test_serve_out_that_is_a_file_is_refused_before_loading(tmp_path):
    from harbor_planner.serve.session import load_session

    afile = tmp_path / "afile"
    afile.write_text(USER_TEXT, "utf-8")
    with pytest.raises(OutputError, match="is a file"):
        load_session(demo_scenario_path(), out_dir=afile, progress=False)
    assert afile.read_text("utf-8") == USER_TEXT


def test_stations_check_refused_for_its_datum_writes_nothing(tmp_path, capsys):
    out = tmp_path / "checked.gpkg"
    argv = ["-q", "stations", "check", str(DEMO / "stations.csv"), "--crs", "wgs84",
            "--network", str(DEMO / "yuzhong_walk.osm.bz2"), "--out", str(out)]  # fmt: skip
    err = one_line_error(capsys, main(argv))
    assert "gcj02" in err and not out.exists()


def test_a_full_temporary_folder_is_not_blamed_on_the_osm_file():
    from harbor_planner.network.osm import osm_read_error

    full = RuntimeError("Could not resize file: Not enough space on filesystem: No space left")
    err = osm_read_error(Path("walk.osm.bz2"), full)
    assert isinstance(err, OutputError) and "TMPDIR" in str(err) and "not at fault" in str(err)


def test_a_map_or_register_edited_since_is_not_replaced(tmp_path, capsys):
    """A page carries its SHA-256; a register CSV with a column of the planner's is theirs."""
    net = tmp_path / "net.npz"
    assert main(["-q", "network", "build", str(DEMO / "yuzhong_walk.osm.bz2"),
                 "--out", str(net)]) == 0  # fmt: skip
    page = tmp_path / "m.html"
    argv = ["-q", "map", "--network", str(net), "--stations", str(DEMO / "stations.csv"),
            "--crs", "gcj02", "--out", str(page)]  # fmt: skip
    assert main(argv) == 0 and main(argv) == 0  # its own page: replaced
    edited = page.read_text("utf-8").replace("<body>", "<body><h1>planner notes</h1>", 1)
    page.write_text(edited, "utf-8")
    one_line_error(capsys, main(argv))
    assert page.read_text("utf-8") == edited
    register = tmp_path / "reg.csv"
    argv = ["-q", "stations", "number", str(DEMO / "stations.csv"), "--crs", "gcj02",
            "--out", str(register)]  # fmt: skip
    assert main(argv) == 0 and main(argv) == 0
    lines = register.read_text("utf-8-sig").splitlines()
    lines[0] += ",备注"
    lines[1] += ",与街道办确认"
    register.write_text("\n".join(lines) + "\n", "utf-8-sig")
    err = one_line_error(capsys, main(argv))
    assert "备注" in err and "与街道办确认" in register.read_text("utf-8-sig")


def test_temporary_files_of_a_killed_write_are_removed_by_the_next(tmp_path):
    """A SIGKILL mid-write leaves `.n.tmp-XXXXXXXX.gpkg` (and its journal): the next write of
    that output removes them once they are an hour old; fresh ones and other files stay."""
    from harbor_planner._io import STALE_TEMP_S, atomic_path

    old = [tmp_path / ".n.tmp-ab12cd34.gpkg", tmp_path / ".n.tmp-ab12cd34.gpkg-journal"]
    keep = [tmp_path / ".n.tmp-zz99yy88.gpkg", tmp_path / ".n.tmp-mynotes1x.gpkg",
            tmp_path / ".other.tmp-ab12cd34.gpkg", tmp_path / "n.tmp-ab12cd34.gpkg"]  # fmt: skip
    for p in old + keep:
        p.write_text(USER_TEXT, "utf-8")
    past = time.time() - STALE_TEMP_S - 60
    for p in [*old, *keep[1:]]:
        os.utime(p, (past, past))
    with atomic_path(tmp_path / "n.gpkg") as tmp:
        tmp.write_text("x", "utf-8")
    assert not any(p.exists() for p in old)
    assert all(p.read_text("utf-8") == USER_TEXT for p in keep)


def test_an_input_changed_during_the_run_is_flagged_in_run_json(tmp_path, monkeypatch, caplog):
    """Probe 15R: run.json hashes the inputs at the end, so a file replaced during the run
    was recorded with the new file's hash as if the figures rested on it."""
    import harbor_planner.scenario.runner as runner

    stations = tmp_path / "stations.csv"
    shutil.copy(DEMO / "stations.csv", stations)
    real = runner.run_study

    def edited_meanwhile(*args, **kwargs):
        study = real(*args, **kwargs)
        stations.write_bytes(stations.read_bytes() + b"\n")  # an edit while the run goes on
        return study

    monkeypatch.setattr(runner, "run_study", edited_meanwhile)
    with caplog.at_level("WARNING"):
        res = hp.run(DEMO / "demo.toml", out=tmp_path / "out",
                     overrides=[*QUICK, f'stations.file="{stations.as_posix()}"',
                                'output.formats=["tables"]'])  # fmt: skip
    flagged = {i["role"] for i in res.manifest["inputs"] if i.get("changed_during_run")}
    assert flagged == {"stations"}
    assert f"input {stations} (stations) changed while the run used it" in caplog.text


def test_ctrl_c_while_a_c_extension_loads_is_one_line(monkeypatch, capsys):
    """CI (session 15): a SIGINT while numba's C extension loaded became "ImportError:
    numba._devicearray failed to import" raised while handling the KeyboardInterrupt, and the
    run printed a traceback instead of "interrupted"."""
    import harbor_planner.scenario as scenario_module

    def interrupted_import(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise ImportError("numba._devicearray failed to import") from None

    monkeypatch.setattr(scenario_module, "load_scenario", interrupted_import)
    code = main(["run", str(demo_scenario_path()), "--out", "unused"])
    err = capsys.readouterr().err
    assert code == 130 and err.strip() == "harbor-planner: interrupted (SIGINT)"

    def broken_import(*args, **kwargs):
        raise ImportError("a real missing module")

    monkeypatch.setattr(scenario_module, "load_scenario", broken_import)
    with pytest.raises(ImportError, match="a real missing module"):
        main(["run", str(demo_scenario_path()), "--out", "unused"])


class _InterruptedWhileCollected:
    """An object whose finaliser gets the terminal's Ctrl-C (as a Dask memory hook's did)."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        sum(range(1000))  # the handler runs at the next bytecode: inside this finaliser


@pytest.fixture
def sigint_default(monkeypatch):
    """SIGINT at Python's default handler (a test runner's worker may ignore it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_an_interrupt_a_finaliser_drops_is_raised_at_the_next_check(sigint_default, capsys):
    """Session 14's N7: Ctrl-C landing in a Dask callback was printed as "Exception ignored"
    and dropped by Python, and the partitioned run finished with exit 0."""
    from harbor_planner._safety import Interrupted, raise_if_interrupted, signals_raise

    with signals_raise():
        _InterruptedWhileCollected()  # created and collected: the interrupt is dropped
        with pytest.raises(Interrupted) as info:
            raise_if_interrupted()
    assert info.value.signum == signal.SIGINT
    assert "Exception ignored" not in capsys.readouterr().err  # no traceback on the terminal
    raise_if_interrupted()  # outside the block: nothing remembered


def test_a_run_whose_interrupt_was_dropped_stops_and_writes_nothing(
    sigint_default, monkeypatch, tmp_path, capsys
):
    import harbor_planner.scenario.runner as runner

    staged = runner.write_results

    def write_then_interrupted(*args, **kwargs):
        _InterruptedWhileCollected()
        return staged(*args, **kwargs)

    monkeypatch.setattr(runner, "write_results", write_then_interrupted)
    out = tmp_path / "o"
    args = ["--no-progress", "run", str(demo_scenario_path()), "--out", str(out), *sets(*QUICK)]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 130 and err.strip().splitlines()[-1] == "harbor-planner: interrupted (SIGINT)"
    assert "Traceback" not in err and "Exception ignored" not in err
    assert not out.exists()  # not committed: the folder it created is gone again


def test_run_json_names_the_exit_sites_file_among_its_inputs(tmp_path):
    """Probe 16D: coverage.exit_candidates_sites, a file the run reads, was missing from
    run.json's inputs (no size, no SHA-256, no changed_during_run)."""
    sites = tmp_path / "exit_sites.csv"
    shutil.copy(DEMO / "stations.csv", sites)
    res = hp.run(demo_scenario_path(), out=tmp_path / "o", progress=False, overrides=[
        *QUICK, "coverage.exit_candidates_pct=50", f'coverage.exit_candidates_sites="{sites}"',
        'coverage.exit_candidates_crs="gcj02"'])  # fmt: skip
    roles = {i["role"]: i for i in res.manifest["inputs"]}
    assert roles["exit_sites"]["path"] == str(sites)
    assert roles["exit_sites"]["sha256"] == file_sha256(sites)


@pytest.mark.slow
def test_a_full_work_folder_is_named_as_such_not_as_the_output(tiny_disk, tmp_path, capsys):
    """Probe 16D: a partitioned run whose temporary folder was full said "free some space or
    choose another --out", though --out was not the problem."""
    out = tmp_path / "o"
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(out), "--partition",
                 "district", "--workers", "1", "--set", f'run.work_dir="{tiny_disk}"'])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 3 and len(err.splitlines()) == 1, err
    assert "work files" in err and "run.work_dir" in err and "--out" not in err
    assert not out.exists() and list(tiny_disk.iterdir()) == []


def test_an_output_at_a_dangling_link_is_called_one(tmp_path, capsys):
    """Probe 16D: --out at a symbolic link to nothing was "is a file"."""
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere")
    assert main(["-q", "run", str(demo_scenario_path()), "--out", str(link)]) == 3
    assert "is a symbolic link to nothing; choose another --out" in capsys.readouterr().err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("when", ["commit", "closing", "headline"])
def test_a_signal_after_the_commit_reports_the_outputs_complete(
    sigint_default, monkeypatch, tmp_path, capsys, sig, when
):
    """Probe 16D's D5: a signal after the folder was committed (while the command printed its
    headline or closed its cluster) exited 130/143 though the folder held the new run, whole:
    a script keyed on the exit code took the run for lost."""
    import harbor_planner.cli.scenario as cli_scenario
    from harbor_planner.outputs.staging import ResultFolder

    def signal_after(real):
        def wrapped(*args, **kwargs):
            out = real(*args, **kwargs)
            os.kill(os.getpid(), sig)  # delivered to this (main) thread at once
            time.sleep(1)  # not reached: the handler raises
            return out

        return wrapped

    if when == "commit":
        monkeypatch.setattr(ResultFolder, "commit", signal_after(ResultFolder.commit))
    elif when == "closing":  # the run's progress steps closed after the commit (CI, 17)
        import harbor_planner.scenario.runner as runner

        monkeypatch.setattr(runner._Steps, "close", signal_after(runner._Steps.close))
    else:
        monkeypatch.setattr(cli_scenario, "print_run", signal_after(lambda result: None))
    previous_term = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "o"
    code = main(["--no-progress", "run", str(demo_scenario_path()), "--out", str(out),
                 *sets(*QUICK)])  # fmt: skip
    err = capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) == previous_term  # handlers given back
    assert code == 0, err
    last = err.strip().splitlines()[-1]
    assert "after the run had written its outputs" in last and str(out) in last, err
    assert "Traceback" not in err
    assert_whole_run(out)


def test_a_signal_before_the_commit_is_still_an_interrupt(sigint_default, monkeypatch, tmp_path,
                                                          capsys):  # fmt: skip
    import harbor_planner.scenario.runner as runner

    staged = runner.write_results

    def write_then_signal(*args, **kwargs):
        files = staged(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)
        return files

    monkeypatch.setattr(runner, "write_results", write_then_signal)
    out = tmp_path / "o"
    code = main(["--no-progress", "run", str(demo_scenario_path()), "--out", str(out),
                 *sets(*QUICK)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 130 and err.strip().splitlines()[-1] == "harbor-planner: interrupted (SIGINT)"
    assert not out.exists()


def test_a_signal_while_python_exits_after_the_command_keeps_its_exit_code(tmp_path):
    """Probe 16D's D5, the rest of the window: after the command, Python's exit hooks (Dask's,
    numba's) ran with the default handlers back, and SIGTERM then ended the process (-15)."""
    code = (
        "import atexit, sys, time\n"
        "atexit.register(time.sleep, 20)\n"  # registered first: runs last, after the command
        "sys.argv = ['harbor-planner', 'run', sys.argv[1]]\n"
        "from harbor_planner.cli import console\n"
        "console()\n"
    )
    missing = tmp_path / "missing.toml"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(missing)],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # the command's one line: it is over, Python is exiting
    assert "missing.toml" in line, line
    time.sleep(0.5)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 3  # the command's code, at once (not after the 20 s hook)
    assert time.monotonic() - t0 < 10


def test_a_folder_of_another_scenarios_run_is_said_when_replaced(tmp_path, caplog):
    """Probe 19Z: two scenario files in one folder share the default out/: the second run
    replaced the first's results (selected sites, curve) with an INFO line alone."""
    import logging
    import shutil

    from harbor_planner.scenario import demo_scenario_path, load_scenario, run

    folder = tmp_path / "study"
    shutil.copytree(demo_scenario_path().parent, folder)
    (folder / "b.toml").write_text((folder / "demo.toml").read_text("utf-8"), encoding="utf-8")
    fast = ["optimize.enabled=false", 'output.formats=["tables"]', "coverage.range=false"]
    run(load_scenario(folder / "demo.toml", overrides=fast), progress=False)
    with caplog.at_level(logging.WARNING):
        run(load_scenario(folder / "demo.toml", overrides=fast), progress=False)
    assert "another scenario" not in caplog.text  # the same one again: nothing to say
    with caplog.at_level(logging.WARNING):
        run(load_scenario(folder / "b.toml", overrides=fast), progress=False)
    assert "held the results of another scenario" in caplog.text
    assert "demo.toml" in caplog.text and "own output.dir" in caplog.text
    # session 27: the study's folder renamed (results and all): the same scenario, no word
    run(load_scenario(folder / "demo.toml", overrides=fast), progress=False)
    folder.rename(tmp_path / "study_final")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        run(load_scenario(tmp_path / "study_final" / "demo.toml", overrides=fast), progress=False)
    assert "another scenario" not in caplog.text


def test_a_register_csv_is_told_by_its_columns_in_the_registers_order(tmp_path):
    """The register is written in Chinese (统一编号,编号,名称...): it is the tool's to replace;
    a planner's CSV that merely starts with 统一编号 is not."""
    from harbor_planner._owned import written_by_harbor_planner

    heads = {
        "统一编号,编号,名称,区县,状态,最美渝工港湾,经度,纬度,类型": True,
        "统一编号,station_id,name,district,status,经度,纬度": True,  # --lang en, older versions
        "统一编号,编号,名称,状态,经度(GCJ-02),纬度(GCJ-02),类型": True,  # its datum (probe 26P)
        "统一编号,station_id,name,经度(WGS-84),纬度(WGS-84)": True,
        "统一编号,编号,名称,经度(百度),纬度(百度)": False,  # a datum tag not ours: theirs
        "统一编号,名称,编号,经度,纬度": False,  # another order: a planner's own
        "统一编号,编号,名称,备注,经度,纬度": False,  # a column of theirs before 纬度
        "统一编号,编号,名称": False,
        "统一编号,名称,区县,经度,纬度": False,  # a planner's master list (probe 20R)
    }
    for k, (head, ours) in enumerate(heads.items()):
        path = tmp_path / f"r{k}.csv"
        path.write_text(head + "\r\n500103-0001,S1,站\r\n", "utf-8-sig")
        assert written_by_harbor_planner(path) is ours, head


def test_a_geopackage_edited_since_we_wrote_it_is_not_replaced(tmp_path, capsys):
    """Probe 21X: a 备注 column added in QGIS to `network build --gpkg`'s file was lost to the
    next run: an edit stamps the time of the change in gpkg_contents.last_change."""
    import geopandas as gpd

    from harbor_planner.scenario import demo_scenario_path

    src = demo_scenario_path().parent / "yuzhong_walk.osm.bz2"
    argv = ["-q", "network", "build", str(src), "--out", str(tmp_path / "n.npz"), "--gpkg",
            str(tmp_path / "n.gpkg")]  # fmt: skip
    assert main(argv) == 0
    assert main(argv) == 0  # its own file: replaced
    edges = gpd.read_file(tmp_path / "n.gpkg", layer="edges")
    edges.assign(备注="我的备注").to_file(tmp_path / "n.gpkg", layer="edges")  # GDAL stamps now
    before = file_sha256(tmp_path / "n.gpkg")
    err = one_line_error(capsys, main(argv))
    assert "n.gpkg" in err and file_sha256(tmp_path / "n.gpkg") == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_named_as_a_manifest_is_refused_not_waited_on(tmp_path):
    """Probe 21X: a FIFO named run.json in the output folder hung the run forever (the tool
    read it to know its own files). Manifests are read only when they are regular files."""
    import threading

    from harbor_planner._owned import run_owning, serve_plan
    from harbor_planner.outputs.staging import manifest_outputs
    from harbor_planner.settings import SERVE_MANIFEST

    os.mkfifo(tmp_path / "run.json")
    os.mkfifo(tmp_path / SERVE_MANIFEST)
    (tmp_path / "plan_stations.csv").write_text("x\n", encoding="utf-8")
    got: dict[str, object] = {}

    def checks() -> None:
        try:
            manifest_outputs(tmp_path)
        except OutputError as exc:
            got["manifest"] = str(exc)
        got["owner"] = run_owning(tmp_path / "map.html")
        got["plan"] = serve_plan(tmp_path / "plan_stations.csv")

    worker = threading.Thread(target=checks, daemon=True)
    worker.start()
    worker.join(20)
    hung = worker.is_alive()
    for name in ("run.json", SERVE_MANIFEST):  # release a reader still waiting on a pipe
        with contextlib.suppress(OSError):
            os.close(os.open(tmp_path / name, os.O_WRONLY | os.O_NONBLOCK))
    assert not hung, "a manifest read waited on a named pipe"
    assert "not written by harbor-planner" in str(got["manifest"])
    assert got["owner"] is None and got["plan"] is False
    code = main(["-q", "run", str(demo_scenario_path()), "--out", str(tmp_path)])
    assert code == 3


def test_a_file_size_limit_is_named_when_a_write_fails(tmp_path, monkeypatch):
    """Probe 21X: under `ulimit -f` a GeoPackage write quoted GDAL ("failed to write") and an
    OS write "File too large", with no word of the limit."""
    resource = pytest.importorskip("resource")
    from harbor_planner._safety import output_error

    monkeypatch.setattr(resource, "getrlimit", lambda which: (2048 * 1024, 2048 * 1024))
    big = output_error(OSError(errno.EFBIG, "File too large"), tmp_path / "layers.gpkg")
    assert "largest size allowed (ulimit -f: 2,048 kB)" in str(big)
    gdal = output_error(RuntimeError("sqlite3_exec failed: disk I/O error"), tmp_path / "a.gpkg")
    assert "disk I/O error" in str(gdal) and "ulimit -f: 2,048 kB" in str(gdal)
    other = output_error(RuntimeError("no such table: gpkg_contents"), tmp_path / "a.gpkg")
    assert "ulimit" not in str(other)  # an error of another kind is not blamed on it (22R)
    unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    monkeypatch.setattr(resource, "getrlimit", lambda which: unlimited)
    assert "ulimit" not in str(output_error(RuntimeError("x"), tmp_path / "a.gpkg"))


@pytest.mark.skipif(os.name == "nt", reason="process ids are checked on POSIX only")
def test_work_folders_a_killed_run_left_are_removed_by_the_next(tmp_path):
    """Probe 22D: a partitioned run killed outright (SIGKILL, out of memory) left its work
    folder with a copy of the study's network for ever. The next run removes those provably
    made by a dead run of this machine and user, and nothing else (probe 22R: a copy of one,
    a live run's, a folder with a file of the user's, a forged or symlinked mark)."""
    import shutil

    from harbor_planner._io import own_work_folder

    def made_by_a_dead_run() -> Path:
        code = (f"from harbor_planner._io import own_work_folder as f; "
                f"print(f('hp-parts-', {str(tmp_path)!r}))")  # fmt: skip
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)  # fmt: skip
        folder = Path(out.stdout.strip())
        (folder / "network-0.npz").write_bytes(b"x" * 100)
        return folder

    stale = made_by_a_dead_run()
    copy = tmp_path / "hp-parts-copy"
    shutil.copytree(made_by_a_dead_run(), copy)  # the copy's mark names another folder
    with_mine = made_by_a_dead_run()
    (with_mine / "我的笔记.txt").write_text("mine", "utf-8")
    live = Path(own_work_folder("hp-parts-", tmp_path))  # this process: running
    forged = made_by_a_dead_run()
    mark = json.loads((forged / ".harbor-planner-owner").read_text("utf-8"))
    for pid in (-5, 2**40, "12"):
        (forged / ".harbor-planner-owner").write_text(json.dumps({**mark, "pid": pid}))
        own_work_folder("hp-dask-", tmp_path)  # another prefix: looks at nothing here
        own_work_folder("hp-parts-", tmp_path)  # no crash, not removed
        assert forged.exists()
    linked = made_by_a_dead_run()
    (linked / ".harbor-planner-owner").unlink()
    (linked / ".harbor-planner-owner").symlink_to(stale / ".harbor-planner-owner")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep", "utf-8")
    (tmp_path / "hp-parts-link").symlink_to(outside)
    new = Path(own_work_folder("hp-parts-", tmp_path))
    assert new.is_dir() and json.loads((new / ".harbor-planner-owner").read_text())["pid"] > 0
    assert not stale.exists()
    for kept in (copy, with_mine, live, forged, linked, outside / "keep.txt"):
        assert kept.exists(), kept
    assert (with_mine / "我的笔记.txt").read_text("utf-8") == "mine"

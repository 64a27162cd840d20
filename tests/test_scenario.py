"""Scenario files: parsing and checking, overrides, and `run` on the demo end to end."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import harbor_planner as hp
from harbor_planner._io import file_sha256
from harbor_planner._text import pct1
from harbor_planner.errors import ScenarioError
from harbor_planner.scenario import (
    compare_runs,
    demo_scenario_path,
    load_scenario,
    parse_override,
    scenario_from_dict,
)
from harbor_planner.scenario.config import key_lines
from harbor_planner.scenario.runner import source_commit

DEMO = demo_scenario_path().parent

MINIMAL = """\
title = "t"

[network]
source = "net.osm"

[stations]
file = "stations.csv"
crs = "gcj02"
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problem_text(tmp_path: Path, text: str, **kwargs) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text), **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- parsing


def test_minimal_scenario_has_defaults_and_paths_relative_to_the_file(tmp_path):
    sc = load_scenario(write(tmp_path, MINIMAL))
    assert sc.title == "t"
    assert sc.network.source == str(tmp_path / "net.osm")
    assert sc.stations.file == tmp_path / "stations.csv"
    assert sc.stations.crs == "gcj02" and sc.stations.max_dist_m == 150.0
    assert sc.coverage.minutes == 15.0 and sc.demand.kind == "main-streets"
    assert sc.optimize is None and not sc.optimizes
    assert sc.output.dir == tmp_path / "out"
    assert set(sc.output.formats) == {"tables", "map", "report", "xlsx", "gpkg"}
    json.dumps(sc.to_dict())  # plain JSON types only


def test_place_source_is_not_a_path(tmp_path):
    text = MINIMAL.replace('source = "net.osm"', 'source = "place:渝中区, 重庆市"')
    assert load_scenario(write(tmp_path, text)).network.source == "place:渝中区, 重庆市"


def test_unknown_key_names_key_line_and_suggestion(tmp_path):
    text = MINIMAL + "\n[coverage]\nminutes = 15\nmintues = 10\n"
    msg = problem_text(tmp_path, text)
    assert str(tmp_path / "s.toml") in msg
    assert "line 12" in msg and "coverage.mintues" in msg and "did you mean 'minutes'" in msg


def test_unknown_section_is_named_with_its_line(tmp_path):
    msg = problem_text(tmp_path, MINIMAL + "\n[optimise]\nadd = 3\n")
    assert "line 10" in msg and "'optimise'" in msg and "did you mean 'optimize'" in msg


def test_wrong_types_name_key_line_and_expected_type(tmp_path):
    text = MINIMAL + '\n[optimize]\nadd = "20"\nsolver = "fast"\n[coverage]\nminutes = true\n'
    msg = problem_text(tmp_path, text)
    assert "\n" not in msg and "3 problems: " in msg  # every problem at once, in line order
    lines = msg.split("3 problems: ", 1)[1].split("; ")
    assert lines[0].strip().startswith("line 11: optimize.add must be a whole number")
    assert "'20' (text)" in lines[0]
    assert lines[1].strip().startswith("line 12: optimize.solver must be one of 'greedy', 'exact'")
    assert lines[2].strip().startswith("line 14: coverage.minutes must be a number")


def test_int_accepted_where_a_number_is_expected_but_not_the_reverse(tmp_path):
    sc = load_scenario(write(tmp_path, MINIMAL + "\n[coverage]\nminutes = 10\n"))
    assert sc.coverage.minutes == 10.0 and isinstance(sc.coverage.minutes, float)
    msg = problem_text(tmp_path, MINIMAL + "\n[optimize]\nadd = 2.5\n")
    assert "optimize.add must be a whole number" in msg


def test_missing_sections_and_keys(tmp_path):
    msg = problem_text(tmp_path, '[network]\nwalk_model = "flat"\n')
    assert "missing section [stations]" in msg
    assert "line 1: [network] needs source" in msg


def test_invalid_toml_names_the_line(tmp_path):
    msg = problem_text(tmp_path, MINIMAL + "\n[coverage]\nminutes = = 3\n")
    assert "not valid TOML" in msg and "line 11" in msg


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('\n[network]\nwalk_model = "hilly"\n', None),  # duplicate table: TOML error
        ('\n[optimize]\nsolver = "greedy"\n', "max-cover needs add = N (or stages)"),
        ('\n[optimize]\nmode = "cover"\n', "mode 'cover' needs optimize.target_pct"),
        ('\n[optimize]\nadd = 3\nstages = { "2025" = 1 }\n', "stages add up to 1"),
        ('\n[optimize]\nstages = "2025:x"\n', "stages"),
        ('\n[demand]\nkind = "points"\n', "demand kind 'points' needs demand.file"),
        ('\n[demand]\nkind = "grid"\n', "demand kind 'grid' needs demand.cell_m"),
        ("\n[output]\nmap_bands = [5, -1]\n", "map_bands must be positive"),
        ("\n[output]\nmap_bands = [5, 300]\n", "map_bands must be positive minutes, at most 240"),
        ('\n[optimize]\nadd = 3\nquota_column = "population"\n', "quota_column needs"),
    ],
)
def test_settings_that_do_not_fit_together(tmp_path, extra, expected):
    msg = problem_text(tmp_path, MINIMAL + extra)
    assert (expected or "not valid TOML") in msg


def test_hilly_without_dem_is_an_error_at_its_line(tmp_path):
    text = MINIMAL.replace('source = "net.osm"', 'source = "net.osm"\nwalk_model = "hilly"')
    assert "line 5: walk_model 'hilly' needs network.dem" in problem_text(tmp_path, text)


def test_hilly_on_a_saved_network_needs_no_dem_setting(tmp_path):
    """Probe 15R: a saved network built with a DEM holds its grades; a scenario naming
    walk_model = "hilly" on it was refused for want of network.dem (a saved network without
    grades is refused when it is loaded, saying to build it with a DEM)."""
    import harbor_planner as hp

    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo"
    text = MINIMAL.replace('source = "net.osm"', 'source = "net.npz"\nwalk_model = "hilly"')
    sc = load_scenario(write(tmp_path, text))
    assert sc.network.walk_model == "hilly"
    flat = hp.build_network(demo / "yuzhong_walk.osm.bz2", progress=False)
    hp.save_network(flat, tmp_path / "net.npz")
    with pytest.raises(hp.HarborPlannerError, match="needs elevation: build the network"):
        hp.build_network(tmp_path / "net.npz", walk_model=hp.WalkModel(kind="hilly"),
                         progress=False)  # fmt: skip


def test_stages_as_table_or_text(tmp_path):
    base = MINIMAL + "\n[optimize]\n"
    a = load_scenario(write(tmp_path, base + 'stages = { "2025" = 4, "2026" = 6 }\n'))
    b = load_scenario(write(tmp_path, base + 'stages = "2025:4,2026:6"\n', "b.toml"))
    assert a.optimize.stage_list == b.optimize.stage_list == [("2025", 4), ("2026", 6)]
    assert a.optimize.n_add == 10 and a.optimizes


def test_disabled_optimize_keeps_settings_but_does_not_optimise(tmp_path):
    sc = load_scenario(write(tmp_path, MINIMAL + "\n[optimize]\nenabled = false\n"))
    assert sc.optimize is not None and not sc.optimizes


# --------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("network.walk_speed_kmh=3.2", ("network.walk_speed_kmh", 3.2)),
        ("optimize.add = 20", ("optimize.add", 20)),
        ("optimize.enabled=false", ("optimize.enabled", False)),
        ("stations.crs=gcj02", ("stations.crs", "gcj02")),
        ('stations.crs="bd09"', ("stations.crs", "bd09")),
        ("output.map_bands=[5, 10]", ("output.map_bands", [5, 10])),
        ("output.dir=out/a b", ("output.dir", "out/a b")),
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


def test_parse_override_needs_key_and_value():
    with pytest.raises(ScenarioError, match="expected KEY=VALUE"):
        parse_override("network.walk_speed_kmh")


def test_overrides_change_settings_and_are_checked(tmp_path, monkeypatch):
    path = write(tmp_path, MINIMAL)
    monkeypatch.chdir(tmp_path.parent)
    sc = load_scenario(
        path, overrides=["network.walk_speed_kmh=3.2", "optimize.add=5", "demand.file=d.csv"]
    )
    assert sc.network.walk_speed_kmh == 3.2 and sc.optimize.add == 5 and sc.optimizes
    # paths given on the command line are relative to the working directory
    assert sc.demand.file == tmp_path.parent / "d.csv"
    assert sc.overrides == ("network.walk_speed_kmh=3.2", "optimize.add=5", "demand.file=d.csv")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides=["network.walkspeed=3", "coverage.minutes=abc"])
    msg = str(info.value)
    assert "--set network.walkspeed: unknown key" in msg
    assert "did you mean 'walk_speed_kmh'" in msg
    assert "--set coverage.minutes: coverage.minutes must be a number, got 'abc'" in msg
    with pytest.raises(ScenarioError, match=r"expected SECTION\.KEY"):
        load_scenario(path, overrides=["walk_speed_kmh=3"])


def test_overrides_written_as_numbers_are_text_where_text_is_wanted(tmp_path):
    """Probe 17I: `--set stations.sheet=2025` (a sheet named 2025) and
    `--set study.districts=500103` (an adcode) were read as numbers and refused; a setting
    that wants text takes the number as written, one that wants a number still gets it."""
    sc = load_scenario(write(tmp_path, MINIMAL))
    b = sc.with_overrides(
        [
            "stations.sheet=2025",
            "study.districts=500103",
            "coverage.district_column=1_0",
            "network.walk_speed_kmh=4",
            "optimize.add=7",
            "coverage.minutes=12.5",
        ]
    )
    assert b.stations.sheet == "2025" and type(b.stations.sheet) is str
    assert b.study.districts == "500103"
    assert b.coverage.district_column == "1_0"  # as written, not 10
    assert b.network.walk_speed_kmh == 4.0 and type(b.network.walk_speed_kmh) is float
    assert b.optimize.add == 7 and type(b.optimize.add) is int
    assert b.coverage.minutes == 12.5
    c = sc.with_overrides(["study.districts=[500103, 500105]", "stations.sheet=[2024, 2025]"])
    assert c.study.districts == ["500103", "500105"]
    assert c.stations.sheet == ["2024", "2025"]
    assert json.loads(json.dumps(c.to_dict()))["stations"]["sheet"] == ["2024", "2025"]
    # a number where a number is wanted is still checked as one
    with pytest.raises(ScenarioError, match="a whole number"):
        sc.with_overrides(["optimize.add=2.5"])


def test_with_overrides_from_python_values(tmp_path):
    sc = load_scenario(write(tmp_path, MINIMAL))
    b = sc.with_overrides({"network.walk_speed_kmh": 4, "output.lang": "en", "title": "b"})
    assert (b.network.walk_speed_kmh, b.output.lang, b.title) == (4.0, "en", "b")
    assert sc.network.walk_speed_kmh is None  # the original is unchanged
    assert b.stations.file == sc.stations.file  # file paths still relative to the scenario


def test_an_empty_override_unsets_its_key(tmp_path):
    """Probe 21P (and 17I: keys could not be unset): `--set optimize.candidates=` was read as
    the working folder ("unknown candidates spec"); `coverage.minutes=nan` "must be
    positive"."""
    sc = load_scenario(write(tmp_path, MINIMAL))
    b = sc.with_overrides(["network.walk_speed_kmh=3.2"]).with_overrides(
        ["network.walk_speed_kmh=", "title="]
    )
    assert b.network.walk_speed_kmh is None and b.title == ""  # the defaults, not the file's
    with pytest.raises(ScenarioError, match="must be a positive number, got nan"):
        sc.with_overrides(["coverage.minutes=nan"])


def test_scenario_from_dict(tmp_path):
    sc = scenario_from_dict(
        {"network": {"source": "a.osm"}, "stations": {"file": "s.csv", "crs": "wgs84"}},
        base_dir=tmp_path,
    )
    assert sc.network.source == str(tmp_path / "a.osm") and sc.path is None
    with pytest.raises(ScenarioError, match=r"network\.walk_speed_kmh must be a number"):
        scenario_from_dict({**sc.to_dict(), "network": {"source": "a", "walk_speed_kmh": "x"}})


def test_key_lines_handles_dotted_quoted_keys_and_multiline_strings():
    text = 'a = 1\n[s]\n"q k" = 2\nx.y = 3\nm = """\nz = 9\n"""\nlast = 4\n'
    lines = key_lines(text)
    assert lines == {"a": 1, "s": 2, "s.q k": 3, "s.x.y": 4, "s.m": 5, "s.last": 8}


def test_shipped_scenarios_are_valid():
    demo = load_scenario(demo_scenario_path())
    assert demo.optimizes and demo.stations.crs == "gcj02"
    root = Path(__file__).resolve().parents[1]
    yz = load_scenario(root / "scenarios" / "yuzhong.toml")
    assert yz.network.source.endswith("shared/geodata/yuzhong/walk.osm")
    assert yz.optimize.add == 20


# --------------------------------------------------------------------------- run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-run")
    return hp.run(demo_scenario_path(), out=out, progress=False)


def test_run_writes_every_output(demo_run):
    out = demo_run.out_dir
    expected = {
        "summary.json", "run.json", "map.html", "report.html", "report.xlsx", "layers.gpkg",
        "by_district.csv", "stations.csv", "gaps.gpkg", "covered.gpkg", "selected_sites.csv",
        "selected_sites.gpkg", "coverage_curve.csv", "by_district_after.csv",
    }  # fmt: skip
    assert expected <= {p.name for p in out.iterdir()}
    assert {p.name for p in demo_run.files} == expected
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_run_figures_agree_between_summary_tables_and_report(demo_run):
    out = demo_run.out_dir
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    from harbor_planner._stable import without_timings

    # the file leaves out the measured timings (run.json keeps the run's)
    assert summary == json.loads(json.dumps(without_timings(demo_run.summary), ensure_ascii=False))
    cov = summary["coverage"]
    assert cov["walk_model"] == "hilly" and 10 < cov["coverage_pct"] < 90
    # districts add up to the whole
    bd = pd.read_csv(out / "by_district.csv", encoding="utf-8-sig")
    assert bd["demand_total"].sum() == pytest.approx(cov["demand_total"], rel=1e-6)
    assert bd["demand_covered"].sum() == pytest.approx(cov["demand_covered"], rel=1e-6)
    # the demand layers split the demand
    import geopandas as gpd

    gaps = gpd.read_file(out / "gaps.gpkg", layer="gaps")
    covered = gpd.read_file(out / "covered.gpkg", layer="covered")
    assert covered["weight"].sum() == pytest.approx(cov["demand_covered"], rel=1e-3)
    assert len(gaps) + len(covered) == cov["demand_points"]
    # the optimiser starts where coverage is and the after-coverage agrees with it
    opt = summary["optimize"]
    assert opt["coverage_pct_before"] == pytest.approx(cov["coverage_pct"], abs=0.01)
    assert opt["coverage_pct_after"] > opt["coverage_pct_before"]
    assert summary["coverage_after"]["coverage_pct"] == pytest.approx(
        opt["coverage_pct_after"], abs=0.01
    )
    assert opt["solver"] == demo_run.scenario.optimize.solver
    sites = pd.read_csv(out / "selected_sites.csv", encoding="utf-8-sig")
    assert len(sites) == opt["sites_added"] == demo_run.scenario.optimize.n_add
    # a staged roll-out: each stage's sites, in the order of the stages
    stages = demo_run.scenario.optimize.stage_list
    assert [(s["stage"], s["sites"]) for s in opt["stages"]] == stages and len(stages) > 1
    assert sites["stage"].astype(str).tolist() == [k for k, n in stages for _ in range(n)]
    # the coverage curve bends: several sites matter, the later ones add less
    curve = pd.read_csv(out / "coverage_curve.csv", encoding="utf-8-sig")
    assert curve["coverage_pct"].is_monotonic_increasing
    assert curve["gain"].iloc[0] > 2 * curve["gain"].iloc[-1] > 0
    assert curve["coverage_pct"].iloc[-1] == pytest.approx(opt["coverage_pct_after"], abs=0.01)
    # the workbook's summary sheet carries the same coverage figure
    sheet = pd.read_excel(out / "report.xlsx", sheet_name=None)
    first = next(iter(sheet.values()))
    text = first.astype(str).to_string()
    assert f"{cov['coverage_pct']:g}" in text
    html = (out / "report.html").read_text("utf-8")
    assert f"{cov['coverage_pct']:.1f}" in html


def test_run_manifest_records_inputs_versions_parameters_timings(demo_run):
    out = demo_run.out_dir
    manifest = json.loads((out / "run.json").read_text("utf-8"))
    roles = {i["role"]: i for i in manifest["inputs"]}
    assert {"scenario", "network", "dem", "stations", "centres"} <= set(roles)
    for info in roles.values():
        path = Path(info["path"])
        assert info["bytes"] == path.stat().st_size and info["sha256"] == file_sha256(path)
    assert manifest["versions"]["harbor-planner"] == hp.__version__
    assert manifest["versions"]["numpy"]
    assert manifest["parameters"]["optimize"]["stages"] == demo_run.scenario.optimize.stages
    assert manifest["parameters"]["network"]["walk_model"] == "hilly"
    assert set(manifest["timings_s"]) >= {"stations", "network", "demand", "coverage", "optimize"}
    assert manifest["wall_time_s"] >= sum(manifest["timings_s"].values()) * 0.99
    for info in manifest["outputs"]:
        path = out / info["path"]
        assert info["sha256"] == file_sha256(path), info["path"]
    assert "run.json" not in {i["path"] for i in manifest["outputs"]}
    assert manifest["source"] == source_commit()  # the checkout's commit, or null (a wheel)


def test_run_json_records_only_the_demand_settings_its_kind_uses(tmp_path, demo_run, caplog):
    """Probe 26B: a buildings run's run.json recorded ``demand.spacing_m = 50`` (and
    ``off_ground``), the main streets' settings it never used; a main-streets run keeps them."""
    import logging

    streets = json.loads((demo_run.out_dir / "run.json").read_text("utf-8"))["parameters"]
    assert streets["demand"]["kind"] == "main-streets" and streets["demand"]["spacing_m"] == 50
    assert streets["demand"]["off_ground"] is True and "default_levels" not in streets["demand"]
    scenario = write(tmp_path, f"""\
        title = "buildings"
        [network]
        source = "{(DEMO / "yuzhong_walk.osm.bz2").as_posix()}"
        [stations]
        file = "{(DEMO / "stations.csv").as_posix()}"
        crs = "gcj02"
        [demand]
        kind = "buildings"
        file = "{(DEMO / "yuzhong_buildings.osm.bz2").as_posix()}"
        spacing_m = 80
        [coverage]
        range = false
        [output]
        formats = ["tables"]
        """)  # fmt: skip
    with caplog.at_level(logging.WARNING):
        run = hp.run(scenario, out=tmp_path / "out", progress=False)
    assert "demand.spacing_m is not used by demand.kind 'buildings'" in caplog.text
    assert "run.json's parameters leave it out" in caplog.text
    demand = json.loads((run.out_dir / "run.json").read_text("utf-8"))["parameters"]["demand"]
    assert demand["kind"] == "buildings" and demand["file"].endswith("yuzhong_buildings.osm.bz2")
    assert set(demand) == {"kind", "file", "crs", "population", "default_levels", "within"}


def test_run_json_names_the_commit_of_the_checkout_it_ran_from(tmp_path):
    """17I: run.json gave the version (0.1.0.dev0) but no commit, so two figures of the same
    version from different code could not be told apart. An editable install's checkout gives
    its commit and whether src/ was modified; a package elsewhere gives null."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    package = repo / "src" / "harbor_planner"
    package.mkdir(parents=True)
    (package / "x.py").write_text("A = 1\n", encoding="utf-8")

    def git(*args):
        env = {
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
        }
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              check=True, env=env).stdout.strip()  # fmt: skip

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "one")
    assert source_commit(package) == {"commit": git("rev-parse", "HEAD"), "modified": False}
    (package / "x.py").write_text("A = 2\n", encoding="utf-8")
    assert source_commit(package)["modified"] is True
    other = repo / "vendor" / "src" / "harbor_planner"  # inside another project's repository
    other.mkdir(parents=True)
    assert source_commit(other) is None
    assert source_commit(tmp_path / "site-packages" / "harbor_planner") is None


def test_layers_gpkg_says_what_its_layers_rest_on(demo_run):
    """Session 22's list: layers.gpkg carried no metadata, so a layer opened in QGIS did not
    say the minutes, walk model, demand or figure it came from. Each layer's description
    (gpkg_contents) is the tool's version and the map's title."""
    import sqlite3

    cov = demo_run.summary["coverage"]
    with sqlite3.connect(demo_run.out_dir / "layers.gpkg") as db:
        rows = db.execute("SELECT table_name, description FROM gpkg_contents").fetchall()
    assert {"stations", "isochrones", "gaps", "covered", "districts"} <= {t for t, _ in rows}
    for _, text in rows:
        assert text.startswith(f"harbor-planner {hp.__version__}: "), text
        assert f"{pct1(cov['coverage_pct'])} %" in text and "15分钟" in text
        assert "4.5公里/小时" in text and "需求：主干道" in text


def test_run_result_holds_the_frames(demo_run):
    r = demo_run
    assert len(r.stations) == r.summary["coverage"]["stations"]
    assert len(r.coverage.demand) == r.summary["coverage"]["demand_points"]
    assert len(r.sites) == r.scenario.optimize.n_add and r.sites.crs.to_epsg() == 4326
    assert r.isochrones is not None and set(r.isochrones["minutes"]) == {5, 10, 15}
    assert r.selection.coverage_pct_after == pytest.approx(
        r.coverage_after.summary["coverage_pct"], abs=0.01
    )


def test_run_with_overrides_and_only_some_formats(tmp_path):
    r = hp.run(
        demo_scenario_path(),
        out=tmp_path,
        overrides={"network.walk_speed_kmh": 3.2, "optimize.enabled": False,
                   "output.formats": ["tables"]},
        progress=False,
    )  # fmt: skip
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"summary.json", "run.json", "by_district.csv", "stations.csv", "gaps.gpkg",
                     "covered.gpkg"}  # fmt: skip
    assert r.summary["optimize"] is None and r.selection is None
    assert r.summary["coverage"]["walk_speed_kmh"] == 3.2
    manifest = json.loads((tmp_path / "run.json").read_text("utf-8"))
    assert "network.walk_speed_kmh=3.2" in manifest["overrides"]


def test_run_from_a_copied_scenario_keeps_inputs_untouched(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    before = {p.name: file_sha256(p) for p in data.iterdir()}
    r = hp.run(data / "demo.toml", out=tmp_path / "o", overrides={"optimize.enabled": False},
               progress=False)  # fmt: skip
    n = len(hp.read_stations(data / "stations.csv", crs="gcj02").stations)
    assert r.summary["coverage"]["stations"] == n > 0
    assert {p.name: file_sha256(p) for p in data.iterdir()} == before


def test_slower_walk_covers_less_and_compare_shows_it(tmp_path, demo_run):
    slow = hp.run(
        demo_scenario_path(),
        out=tmp_path / "slow",
        overrides={"network.walk_speed_kmh": 3.2, "optimize.enabled": False},
        progress=False,
    )
    assert slow.summary["coverage"]["coverage_pct"] < demo_run.summary["coverage"]["coverage_pct"]
    cmp = compare_runs([demo_run.out_dir, slow.out_dir], labels=["4.5", "3.2"])
    overall = cmp.overall.set_index("figure")
    assert overall.loc["walk speed (km/h)", "4.5"] == 4.5
    assert overall.loc["walk speed (km/h)", "3.2"] == 3.2
    delta = overall.loc["coverage %", "Δ 3.2"]
    assert delta == pytest.approx(
        slow.summary["coverage"]["coverage_pct"] - demo_run.summary["coverage"]["coverage_pct"],
        abs=1e-3,
    )
    assert delta < 0
    # the headline (built stations), each status scope, the range and the range after
    for run, label in ((demo_run, "4.5"), (slow, "3.2")):
        cov = run.summary["coverage"]
        assert overall.loc["coverage % (built stations)", label] == cov["coverage_built_pct"]
        assert overall.loc["built stations", label] == cov["stations_by_status"]["existing"]
        assert overall.loc["coverage % low (range)", label] == cov["coverage_range_pct"]["low"]
        assert overall.loc["coverage % high (range)", label] == cov["coverage_range_pct"]["high"]
        for scope in cov["coverage_by_status"][1:]:
            row = f"coverage % ({scope['label_en']})"
            assert overall.loc[row, label] == scope["coverage_pct"]
    assert "coverage % (existing)" not in overall.index  # that is the built stations' row
    after = demo_run.summary["coverage_after"]["coverage_range_pct"]
    assert overall.loc["coverage % after low (range)", "4.5"] == after["low"]
    assert pd.isna(overall.loc["coverage % after low (range)", "3.2"])
    assert overall.loc["coverage % (built stations)", "Δ 3.2"] == pytest.approx(
        slow.summary["coverage"]["coverage_built_pct"]
        - demo_run.summary["coverage"]["coverage_built_pct"], abs=1e-3)  # fmt: skip
    n_add = demo_run.scenario.optimize.n_add
    assert overall.loc["new sites", "4.5"] == n_add and pd.isna(overall.loc["new sites", "3.2"])
    d = cmp.districts.set_index("district")
    assert list(d.columns) == ["4.5", "4.5 after", "3.2", "Δ 3.2"]
    # 渝中区 holds 98 % of the demand (the rest: slivers the OSM and official boundaries differ by)
    assert d.loc["渝中区", "Δ 3.2"] == pytest.approx(delta, abs=2)


def test_compare_errors(tmp_path, demo_run):
    with pytest.raises(hp.InputDataError, match="at least two"):
        compare_runs([demo_run.out_dir])
    with pytest.raises(hp.InputDataError, match=r"no summary\.json"):
        compare_runs([demo_run.out_dir, tmp_path])
    with pytest.raises(hp.InputDataError, match="one label per run"):
        compare_runs([demo_run.out_dir, demo_run.out_dir], labels=["a"])
    with pytest.raises(hp.InputDataError, match="the same result folder is given twice"):
        compare_runs([demo_run.out_dir, demo_run.out_dir])
    # probe 27A: a folder not made yet was "not a directory of results"
    with pytest.raises(hp.InputDataError, match="folder not found: give the output folder"):
        compare_runs([demo_run.out_dir, tmp_path / "out" / "yuzhong-3.2"])
    (tmp_path / "summary.json").write_text("{}", "utf-8")
    with pytest.raises(hp.InputDataError, match="a file, not a folder of results"):
        compare_runs([demo_run.out_dir, tmp_path / "summary.json"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'\xff\xfe\x00garbage\n"unterminated', "not a table harbor-planner wrote"),
        ("district,coverage_pct\n渝中区,50\n渝中区,60\n".encode(), "渝中区 has more than one row"),
        ("district,coverage_pct\n渝中区,abc\n".encode(), "row 2, column coverage_pct: 'abc'"),
    ],
    ids=["binary", "twice", "text"],
)
def test_compare_refuses_a_damaged_district_table_naming_it(tmp_path, demo_run, content, message):
    """Probe 17F's F3: a damaged by_district.csv gave a UnicodeDecodeError or a pandas
    reindex traceback."""
    damaged = tmp_path / "damaged"
    shutil.copytree(demo_run.out_dir, damaged)
    (damaged / "by_district.csv").write_bytes(content)
    with pytest.raises(hp.InputDataError, match=message) as info:
        compare_runs([demo_run.out_dir, damaged])
    assert "by_district.csv" in str(info.value)


def test_compare_warns_of_unlike_runs_and_of_files_changed_since_the_run(
    tmp_path, demo_run, caplog
):
    """Probe 17F's F8: metres against people, or another study area, were compared without a
    word (a Δ demand total of people minus metres), and a by_district.csv copied in from
    another run was read as this run's."""
    other = tmp_path / "other"
    shutil.copytree(demo_run.out_dir, other)
    summary = json.loads((other / "summary.json").read_text("utf-8"))
    summary["coverage"].update(demand_kind="buildings", demand_unit="people")
    summary["study_area"] = {"districts": ["渝中区", "江北区"], "adcodes": [], "area_km2": 1.0}
    (other / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), "utf-8")
    with caplog.at_level("WARNING", logger="harbor_planner"):
        cmp = compare_runs([demo_run.out_dir, other], labels=["a", "b"])
    text = caplog.text
    assert "summary.json changed since the run wrote it" in text
    assert "differ in study area, demand, demand unit" in text and "people" in text
    overall = cmp.overall.set_index("figure")
    assert overall.loc["study area", "a"] == "渝中区"
    assert overall.loc["study area", "b"] == "渝中区、江北区"
    assert overall.loc["demand unit", "b"] == "people"
    assert pd.isna(overall.loc["demand total", "Δ b"])  # people minus metres: no figure
    caplog.clear()
    with caplog.at_level("WARNING", logger="harbor_planner"):
        compare_runs([demo_run.out_dir, demo_run.out_dir], labels=["a", "b"])
    assert "differ" not in caplog.text and "changed" not in caplog.text
    # probe 21P: two area files of one name, or two demand files of one kind, were compared
    # without a word: the areas' sizes and the demand totals tell them apart
    for update in ({"study_area": {"file": "area.geojson", "area_km2": 9.5, "districts": []}},
                   {"coverage": {**json.loads((demo_run.out_dir / "summary.json").read_text(
                       "utf-8"))["coverage"], "demand_total": 12.5}}):  # fmt: skip
        base = json.loads((demo_run.out_dir / "summary.json").read_text("utf-8"))
        (other / "summary.json").write_text(json.dumps({**base, **update}), "utf-8")
        if "study_area" in update:
            first = tmp_path / "first"
            shutil.copytree(demo_run.out_dir, first, dirs_exist_ok=True)
            base["study_area"] = {"file": "area.geojson", "area_km2": 18.2, "districts": []}
            (first / "summary.json").write_text(json.dumps(base), "utf-8")
        caplog.clear()
        with caplog.at_level("WARNING", logger="harbor_planner"):
            compare_runs([tmp_path / "first" if "study_area" in update else demo_run.out_dir,
                          other], labels=["a", "b"])  # fmt: skip
        row = "study area" if "study_area" in update else "demand total"
        assert f"differ in {row}" in caplog.text, caplog.text


def test_compare_replaces_its_own_tables_whatever_districts_the_runs_had(tmp_path, demo_run):
    """Probe 17F: a districts table without a Δ column (only the first run had districts)
    was not known as compare's own, and the next compare into the same name was refused."""
    from harbor_planner.cli import main

    bare = tmp_path / "bare"
    shutil.copytree(demo_run.out_dir, bare)
    for name in ("by_district.csv", "by_district_after.csv"):
        (bare / name).unlink()
    out = tmp_path / "cmp.csv"
    assert main(["-q", "compare", str(demo_run.out_dir), str(bare), "--out", str(out)]) == 0
    header = (tmp_path / "cmp_districts.csv").read_text("utf-8-sig").splitlines()[0]
    assert "Δ bare" in header
    assert main(["-q", "compare", str(bare), str(demo_run.out_dir), "--out", str(out)]) == 0
    assert main(["-q", "compare", str(demo_run.out_dir), str(bare), "--out", str(out)]) == 0


def test_compare_says_which_settings_and_input_files_of_the_runs_differ(tmp_path, demo_run, capsys):
    """Probe 26P's finding 7: runs with another DEM smoothing or station file showed a Δ of
    coverage with every row of settings equal; run.json's settings and input hashes now tell
    the differences (and only those), a folder without run.json is unknown, not an error."""
    from harbor_planner.cli import main

    lines = (DEMO / "stations.csv").read_bytes().splitlines(keepends=True)
    (tmp_path / "fewer.csv").write_bytes(b"".join(lines[:-1]))  # one station less
    title = '=HYPERLINK("http://x")\x1b[31mred'
    other = hp.run(demo_scenario_path(), out=tmp_path / "other", progress=False, overrides=[
        "network.dem_smoothing_m=100", "optimize.enabled=false",
        f"stations.file={tmp_path / 'fewer.csv'}", f"title={title}"])  # fmt: skip
    old = tmp_path / "old"  # a folder of an older version: no run.json
    shutil.copytree(other.out_dir, old)
    (old / "run.json").unlink()
    out = tmp_path / "cmp.csv"
    code = main(["compare", str(demo_run.out_dir), str(other.out_dir), str(old), "--out", str(out),
                 "--labels", "a,b,c"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "setting network.dem_smoothing_m" in printed and "\x1b" not in printed
    rows = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = rows.set_index("figure")
    assert rows.loc["setting network.dem_smoothing_m", ["a", "b"]].tolist() == ["30.0", "100.0"]
    assert rows.loc["setting optimize.enabled", ["a", "b"]].tolist() == ["true", "false"]
    assert rows.loc["setting stations.file", "b"] == str(tmp_path / "fewer.csv")
    stations = rows.loc["stations file (SHA-256)"]
    assert stations["a"] == f"stations.csv {file_sha256(DEMO / 'stations.csv')[:12]}"
    assert stations["b"] == f"fewer.csv {file_sha256(tmp_path / 'fewer.csv')[:12]}"
    assert (rows.loc[rows.index.str.startswith("setting "), "c"] == "unknown (no run.json)").all()
    assert rows.loc["settings", ["a", "b", "c"]].tolist() == ["run.json", "run.json",
                                                             "unknown (no run.json)"]  # fmt: skip
    # what the runs share is no row: speed, minutes, the network and DEM files, the folders
    for same in ("setting network.walk_speed_kmh", "setting coverage.minutes",
                 "setting network.source", "network file (SHA-256)", "dem file (SHA-256)",
                 "setting output.dir", "harbor-planner version"):  # fmt: skip
        assert same not in rows.index, same
    assert "setting title" not in rows.index  # probe 26R: no figure depends on it
    table = hp.compare_runs([demo_run.out_dir, other.out_dir]).overall.set_index("figure")
    assert "settings" not in table.index  # both runs have their run.json
    # a setting's text is user text: no formula in the table, no escape anywhere
    edited = tmp_path / "edited"
    shutil.copytree(other.out_dir, edited)
    manifest = json.loads((edited / "run.json").read_text("utf-8"))
    manifest["parameters"]["stations"]["file"] = title
    (edited / "run.json").write_text(json.dumps(manifest), "utf-8")
    assert main(["compare", str(demo_run.out_dir), str(edited), "--out", str(out)]) == 0
    assert "\x1b" not in capsys.readouterr().out
    rows = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    cell = rows.set_index("figure").loc["setting stations.file", "edited"]
    assert not cell.startswith("=") and "HYPERLINK" in cell and "\x1b" not in cell
    table = hp.compare_runs([demo_run.out_dir, edited]).overall.set_index("figure")
    assert table.loc["setting stations.file", "edited"] == '=HYPERLINK("http://x")red'


def test_compare_says_what_is_wrong_with_a_run_json_that_is_there(tmp_path, demo_run, capsys):
    """Probe 27T, finding 9: a run.json that is not JSON, holds null or has parameters of the
    wrong type was called "no run.json (an older folder or a copy)": each folder now gets one
    line saying what is wrong with its file, and the figures are compared all the same."""
    from harbor_planner.cli import main

    manifest = json.loads((demo_run.out_dir / "run.json").read_text("utf-8"))
    texts = {
        "notjson": "{\n  this is not json",
        "null": "null",
        "text": json.dumps({**manifest, "parameters": "oops"}),
        "list": json.dumps({**manifest, "parameters": [1, 2]}),
        "none": json.dumps({k: v for k, v in manifest.items() if k != "parameters"}),
        "deep": "[" * 100_000 + "]" * 100_000,
        "missing": None,
    }
    for name, text in texts.items():
        shutil.copytree(demo_run.out_dir, tmp_path / name)
        if text is None:
            (tmp_path / name / "run.json").unlink()
        else:
            (tmp_path / name / "run.json").write_text(text, "utf-8")
    out = tmp_path / "cmp.csv"
    code = main(["compare", str(demo_run.out_dir), *(str(tmp_path / n) for n in texts),
                 "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    said = {
        "notjson": "run.json is not JSON at line 2, column 3",
        "null": "run.json holds null, not the run's settings",
        "text": "run.json's parameters are a text, not a table",
        "list": "run.json's parameters are a list, not a table",
        "none": "run.json has no parameters",
        "deep": "run.json is nested too deeply to read",
        "missing": "no run.json with the run's settings (an older folder or a copy)",
    }
    for name, reason in said.items():
        lines = [x for x in err.splitlines() if x.startswith("WARNING") and f" {name}: " in x]
        assert len(lines) == 1 and reason in lines[0], (name, lines)
    assert "no run.json" not in "".join(x for x in err.splitlines() if "missing" not in x)
    rows = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = rows.set_index("figure")
    cells = rows.loc["settings", list(texts)].tolist()
    assert cells[:-1] == [f"unknown ({said[n]})" for n in list(texts)[:-1]]
    assert cells[-1] == "unknown (no run.json)"
    assert (
        rows.loc["coverage %", list(texts)].tolist()
        == [rows.loc["coverage %", demo_run.out_dir.name]] * 7
    )


def test_compare_leaves_out_text_only_settings_and_cuts_long_cells_on_the_terminal(
    tmp_path, demo_run, capsys
):
    """Probe 26R's finding 8: a 600-character description padded every row of the terminal's
    table to 1,400+ characters, and title and description (no figure depends on them) were
    listed as differences. They are no row; a long cell is cut with "…" on the terminal only."""
    from harbor_planner.cli import main

    long_path = "/data/" + "说明" * 300 + ".csv"
    other = tmp_path / "other"
    shutil.copytree(demo_run.out_dir, other)
    manifest = json.loads((other / "run.json").read_text("utf-8"))
    params = manifest["parameters"]
    params.update(title="B", description="说明" * 300)
    params["stations"]["file"] = long_path
    (other / "run.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    out = tmp_path / "cmp.csv"
    assert main(["compare", str(demo_run.out_dir), str(other), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "setting title" not in printed and "setting description" not in printed, printed
    line = next(ln for ln in printed.splitlines() if ln.startswith("setting stations.file"))
    assert "说明说明…" in line and long_path not in line, line
    assert max(len(ln) for ln in printed.splitlines()) < 200, printed
    rows = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = rows.set_index("figure")
    assert rows.loc["setting stations.file", "other"] == long_path  # the file: whole
    assert "setting title" not in rows.index and "setting description" not in rows.index


def test_missing_input_files_are_named_with_their_line_before_anything_runs(tmp_path):
    path = write(tmp_path, MINIMAL + '\n[optimize]\nadd = 2\ncandidates = "cand.csv"\n')
    (tmp_path / "net.osm").write_text("<osm/>", "utf-8")
    sc = load_scenario(path)  # loading does not need the files
    with pytest.raises(ScenarioError) as info:
        hp.run(sc, out=tmp_path / "o")
    msg = str(info.value)
    assert "2 problems" in msg
    assert "line 7: stations.file: file not found" in msg
    assert "line 12: optimize.candidates: file not found" in msg
    assert not (tmp_path / "o").exists()  # nothing written
    with pytest.raises(ScenarioError, match=r"--set stations\.file: file not"):
        hp.run(sc.with_overrides(["stations.file=/nowhere.csv", "optimize.enabled=false"]))


def test_a_new_run_into_the_same_folder_removes_the_files_of_the_old_one(tmp_path, demo_run):
    out = tmp_path / "o"
    shutil.copytree(demo_run.out_dir, out)
    (out / "notes.txt").write_text("mine", "utf-8")
    hp.run(demo_scenario_path(), out=out, overrides={"optimize.enabled": False}, progress=False)
    names = {p.name for p in out.iterdir()}
    assert "selected_sites.csv" not in names and "by_district_after.csv" not in names
    assert {"summary.json", "run.json", "map.html", "notes.txt"} <= names  # others kept
    cmp = compare_runs([demo_run.out_dir, out], labels=["plan", "now"])
    assert "now after" not in cmp.districts


def test_report_workbook_shows_new_sites_and_coverage_after_per_district(demo_run):
    sheets = pd.read_excel(demo_run.out_dir / "report.xlsx", sheet_name=None)
    districts = sheets["区县"].set_index("区县")
    after = pd.read_csv(demo_run.out_dir / "by_district_after.csv", encoding="utf-8-sig")
    after = after.set_index("district")
    n_add = demo_run.scenario.optimize.n_add
    assert districts["新增站点数"].sum() == districts.loc["渝中区", "新增站点数"] == n_add  # quota
    # each amount in its unit, the figures of every station said to be (probe 22M)
    every = "（全部 14 个站点）"
    assert {"需求总量(米主干道)", f"已覆盖需求(米主干道){every}", f"覆盖率(%){every}",
            f"直线圆覆盖需求(米主干道){every}"} <= set(districts.columns)  # fmt: skip
    assert "新增覆盖需求(米主干道)" in sheets["新增站点"].columns
    for name, row in districts.iterrows():
        assert row["新增后覆盖率(%)"] == pytest.approx(after.loc[name, "coverage_pct"])
    html = (demo_run.out_dir / "report.html").read_text("utf-8")
    assert "新增后覆盖率" in html
    # the district table counts every station used, not the headline's built ones: said so
    built = demo_run.summary["coverage"]["coverage_built_pct"]
    note = f"本表覆盖率按所用全部站点（含在建、拟建）计算；仅已建成站点的覆盖率为{pct1(built)}%"
    assert note in html


def test_a_list_with_a_wrong_value_names_it(tmp_path):
    msg = problem_text(tmp_path, MINIMAL + '\n[output]\nformats = ["map", "pdf"]\n')
    assert "line 11: output.formats must be a list of 'tables', 'map'" in msg
    assert "('pdf' is not one)" in msg
    msg = problem_text(tmp_path, MINIMAL + '\n[output]\nmap_bands = [5, "10"]\n')
    assert "output.map_bands must be a list of numbers ('10' is not one)" in msg


def test_several_station_files_each_with_its_crs(tmp_path):
    extra = tmp_path / "more.csv"
    extra.write_text(
        "编号,名称,经度,纬度,状态\nX1,新站一,106.5600,29.5600,已建成\nX2,新站二,106.5500,29.5550,在建\n",
        encoding="utf-8",
    )
    r = hp.run(
        demo_scenario_path(),
        out=tmp_path / "o",
        overrides={
            "stations.file": [str(DEMO / "stations.csv"), str(extra)],
            "stations.crs": ["gcj02", "wgs84"],
            "optimize.enabled": False,
            "output.formats": ["tables"],
        },
        progress=False,
    )
    n = len(hp.read_stations(DEMO / "stations.csv", crs="gcj02").stations)
    assert r.summary["coverage"]["stations"] == n + 2
    assert r.stations["source_file"].value_counts().to_dict() == {"stations.csv": n, "more.csv": 2}
    x1 = r.stations.set_index("station_id").loc["X1"]
    assert (x1.geometry.x, x1.geometry.y) == pytest.approx((106.56, 29.56))  # WGS-84 as given
    roles = {i["role"] for i in r.manifest["inputs"]}
    assert {"stations1", "stations2"} <= roles
    # the same ids twice
    with pytest.raises(hp.InputDataError, match=r"SL001 in stations\.csv and twin\.csv"):
        shutil.copy(DEMO / "stations.csv", tmp_path / "twin.csv")
        hp.run(
            demo_scenario_path(),
            out=tmp_path / "o2",
            overrides={"stations.file": [str(DEMO / "stations.csv"), str(tmp_path / "twin.csv")],
                       "optimize.enabled": False},
            progress=False,
        )  # fmt: skip


def test_one_crs_per_station_file(tmp_path):
    two = 'file = ["a.csv", "b.csv"]\ncrs = ["gcj02", "bd09", "wgs84"]'
    text = MINIMAL.replace('file = "stations.csv"\ncrs = "gcj02"', two)
    msg = problem_text(tmp_path, text)
    assert "line 8: stations.crs lists 3 systems for 2 files" in msg
    sc = load_scenario(write(tmp_path, MINIMAL.replace('"stations.csv"', '["a.csv", "b.csv"]'),
                             "ok.toml"))  # fmt: skip
    assert sc.stations.sources == [(tmp_path / "a.csv", "gcj02"), (tmp_path / "b.csv", "gcj02")]
    with pytest.raises(ScenarioError) as info:
        sc.check_inputs()
    assert "line 7: stations.file: file not found" in str(info.value)
    assert str(info.value).count("stations.file: file not found") == 2


def test_a_gbk_scenario_file_is_refused_with_the_line(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes(MINIMAL.replace('title = "t"', 'title = "渝中区"').encode("gbk"))
    with pytest.raises(ScenarioError, match="line 1: not UTF-8 text"):
        load_scenario(path)
    path.write_bytes(MINIMAL.replace("\n", "\r\n").encode("utf-8-sig"))  # BOM and CRLF are fine
    assert load_scenario(path).title == "t"


def test_compare_refuses_a_summary_that_is_not_an_object_and_one_folder_as_text(tmp_path, demo_run):
    """Probe 14L: a summary.json holding [] gave a traceback; a folder as a str, its letters."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "summary.json").write_text("[]", "utf-8")
    with pytest.raises(hp.InputDataError, match="holds a JSON list"):
        compare_runs([demo_run.out_dir, bad])
    with pytest.raises(hp.UsageError, match="several result folders"):
        compare_runs(str(demo_run.out_dir))
    with pytest.raises(hp.InputDataError, match="given twice"):
        compare_runs([demo_run.out_dir, demo_run.out_dir])


def test_scenario_messages_name_the_key_and_the_fix(tmp_path, capsys):
    """Probe 14L: messages without the file or line, or the fix."""
    from harbor_planner.cli import main

    (tmp_path / "st.csv").write_text("编号,经度,纬度\nA,106.55,29.55\n", "utf-8")
    base = tmp_path / "s.toml"
    base.write_text(
        '[network]\nsource = "n.osm"\n[stations]\nfile = "st.csv"\ncrs = "gcj02"\n'
        "[optimize]\nenabled = false\n",
        "utf-8",
    )
    cases = {
        "stations.status=[]": "stations.status is empty",
        'network.source=""': "network.source is empty",
        "coverage.walk_speed_kmh=3.2": "(walk_speed_kmh is a key of [network])",
        "coverage.minutes=inf": "coverage.minutes must be at most 240",
    }
    for override, words in cases.items():
        code = main(["-q", "run", str(base), "--out", str(tmp_path / "o"), "--set", override])
        err = capsys.readouterr().err
        assert code == 3 and words in err and "s.toml" in err, (override, err)


def test_map_bands_follow_the_walking_limit_unless_given():
    """Probe 15T: a 12-minute study drew 5/10/15-minute isochrones and a 15-minute service
    area, 3 minutes wider than the limit behind every figure."""
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    path = demo_scenario_path()
    assert load_scenario(path).output.map_bands == [5, 10, 15]
    twelve = load_scenario(path, overrides=["coverage.minutes=12"])
    assert twelve.output.map_bands == [5, 10, 12]
    assert load_scenario(path, overrides=["coverage.minutes=4"]).output.map_bands == [4]
    given = load_scenario(path, overrides=["coverage.minutes=12", "output.map_bands=[5, 15]"])
    assert given.output.map_bands == [5, 15]


def test_the_cli_draws_the_walking_limits_bands(tmp_path):
    """``coverage --minutes 12`` without --map-bands: isochrones of 5, 10 and 12 minutes."""
    from harbor_planner.cli import main

    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo"
    out = tmp_path / "c12"
    code = main(["-q", "coverage", "--network", str(demo / "yuzhong_walk.osm.bz2"),
                 "--stations", str(demo / "stations.csv"), "--crs", "gcj02", "--minutes", "12",
                 "--no-range", "--spacing", "200", "--basemap", "none",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    params = json.loads((out / "run.json").read_text("utf-8"))["parameters"]
    assert params["output"]["map_bands"] == [5, 10, 12]


def test_compare_counts_built_stations_as_the_built_figure_does(tmp_path):
    """Probe 15U: the "built stations" row counted rows marked existing only (4) beside a
    built figure resting on 8 (stations without a status count as built); a run without any
    status showed a built-stations coverage although no figure is then the built ones'."""
    built = {"statuses": ["existing"], "label_en": "built", "stations": 8,
             "coverage_pct": 41.09}  # fmt: skip
    mixed = {"stations": 12, "stations_by_status": {"existing": 4, "unknown": 4, "proposed": 4},
             "coverage_pct": 58.89, "coverage_built_pct": 41.09,
             "coverage_by_status": [built, {"statuses": ["existing", "proposed"],
                                            "label_en": "with proposed", "stations": 12,
                                            "coverage_pct": 58.89}]}  # fmt: skip
    none = {"stations": 8, "stations_by_status": {"unknown": 8}, "coverage_pct": 50.0,
            "coverage_built_pct": 50.0, "coverage_by_status": []}  # fmt: skip
    for name, cov in (("mixed", mixed), ("none", none)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps({"coverage": cov}), "utf-8")
    overall = compare_runs([tmp_path / "mixed", tmp_path / "none"]).overall.set_index("figure")
    assert overall.loc["built stations", "mixed"] == 8 and pd.isna(
        overall.loc["built stations", "none"]
    )
    assert overall.loc["coverage % (built stations)", "mixed"] == 41.09
    assert pd.isna(overall.loc["coverage % (built stations)", "none"])
    assert overall.loc["coverage %", "none"] == 50.0
    assert "demand beyond the network %" not in overall.index  # no run has the figure
    for name, pct in (("mixed", 53.2), ("none", 0.0)):
        summary = json.loads((tmp_path / name / "summary.json").read_text("utf-8"))
        summary["coverage"]["beyond_network_pct"] = pct
        (tmp_path / name / "summary.json").write_text(json.dumps(summary), "utf-8")
    overall = compare_runs([tmp_path / "mixed", tmp_path / "none"]).overall.set_index("figure")
    assert overall.loc["demand beyond the network %"].tolist()[:2] == [53.2, 0.0]  # probe 20B
    # a district marked beyond the network (or too small) is no figure to compare (20R)
    for name, status in (("mixed", "no_network"), ("none", "study")):
        (tmp_path / name / "by_district.csv").write_text(
            f"district,status,coverage_pct\n沙坪坝区,{status},0.0\n渝中区,study,87.26\n", "utf-8"
        )
    districts = compare_runs([tmp_path / "mixed", tmp_path / "none"]).districts
    row = districts.set_index("district").loc["沙坪坝区"]
    assert pd.isna(row["mixed"]) and row["none"] == 0.0


def test_a_title_naming_another_walk_than_the_study_is_warned_of(tmp_path, caplog):
    """Probe 17F: `--set coverage.minutes=10` on a scenario titled "15 分钟步行服务圈" headed a
    10-minute map and report with 15 minutes, without a word."""
    import logging

    from harbor_planner.pipeline.inputs import warn_title_minutes

    sc = load_scenario(write(tmp_path, MINIMAL))
    cases = {
        ("渝中区 15 分钟步行服务圈", 15): False,
        ("渝中区 15 分钟步行服务圈", 10): True,
        ("Yuzhong 15-minute circle", 10): True,
        ("Yuzhong 10 min / 渝中区 10 分钟", 10): False,
        ("2025 年规划（3 期）", 10): False,  # numbers that are not a walk
        ("", 10): False,
    }
    for (title, minutes), warned in cases.items():
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            warn_title_minutes(sc.with_overrides({"title": title, "coverage.minutes": minutes}))
        assert ("title says" in caplog.text) == warned, (title, minutes)
        if warned:
            assert "says 15 minutes but coverage.minutes is 10" in caplog.text


def test_scenario_quota_in_the_cli_form_and_zero_stage_counts_say_what_is_meant(tmp_path):
    """Probe 18O: `quota = "proportional:FILE:COLUMN"` was "file not found", and a stage of
    0 sites "must be a table of LABEL = COUNT" (which it was)."""
    sc = load_scenario(write(tmp_path, MINIMAL))
    with pytest.raises(ScenarioError, match=r'quota = "FILE" and quota_column = "COLUMN"'):
        sc.with_overrides(
            ["optimize.quota=proportional:pop.csv:population", "optimize.add=3"]
        ).check_inputs()
    with pytest.raises(ScenarioError, match="whole number of 1 or more"):
        sc.with_overrides(['optimize.stages={"2026"=0,"2027"=4}'])


def test_demand_keys_the_kind_does_not_use_are_warned_of(tmp_path, caplog):
    """Probe 17I: `cell_m` or `weight_column` on a main-streets demand were ignored without a
    word (a warning: a scenario switched by --set cannot remove the keys of its first kind)."""
    import logging

    sc = load_scenario(write(tmp_path, MINIMAL))
    with caplog.at_level(logging.WARNING):
        sc.with_overrides(["demand.cell_m=100", "demand.weight_column=w"])
    assert "demand.cell_m is not used by demand.kind 'main-streets'" in caplog.text
    assert "demand.weight_column is not used" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        sc.with_overrides(["demand.kind=grid", "demand.cell_m=100"])
    assert "not used" not in caplog.text


def test_add_zero_is_one_problem_naming_how_to_add_none():
    """Probe 19W: `--set optimize.add=0` gave two problems, the second blaming the file's
    line 37 (`add = 20`), and neither said how to plan no sites."""
    yuzhong = Path(__file__).resolve().parents[1] / "scenarios" / "yuzhong.toml"
    with pytest.raises(ScenarioError) as err:
        load_scenario(yuzhong, overrides=["optimize.add=0"])
    text = str(err.value)
    assert "problems" not in text and "optimize.enabled = false" in text, text


def test_add_zero_with_stages_and_status_words_in_messages():
    """Probe 19R: `optimize.add = 0` beside stages gave two problems; stations.status's
    message named the English codes alone; `--status 已建成，在建` (full-width comma) was
    refused."""
    from harbor_planner.scenario import demo_scenario_path
    from harbor_planner.stations._common import status_codes

    with pytest.raises(ScenarioError) as err:
        load_scenario(demo_scenario_path(), overrides=["optimize.add=0"])
    assert "problems" not in str(err.value) and "optimize.enabled = false" in str(err.value)
    with pytest.raises(ScenarioError, match="the files' words: existing \\(已建成\\)"):
        load_scenario(demo_scenario_path(), overrides=['stations.status=["built!"]'])
    assert status_codes("已建成，在建、拟建") == (["existing", "building", "proposed"], [])


def test_the_new_sites_are_counted_apart_from_the_lists_proposed_stations(demo_run):
    """Probe 22M: coverage_after gave the new sites status "proposed" (demo: "proposed": 15,
    the list's 3 with the 12 sites; a study without a proposed station showed "含拟建")."""
    before, after = demo_run.summary["coverage"], demo_run.summary["coverage_after"]
    n_add = demo_run.scenario.optimize.n_add
    assert after["stations_by_status"] == {**before["stations_by_status"], "candidate": n_add}
    last = after["coverage_by_status"][-1]
    assert last["statuses"][-1] == "candidate" and last["label"].endswith("候选")
    assert last["coverage_pct"] == after["coverage_pct"]
    assert after["coverage_by_status"][:-1] == before["coverage_by_status"]


def test_scenario_problems_of_every_kind_are_reported_at_once(tmp_path):
    """Probe 23C: an unknown key was reported alone, and a value out of range only after it
    was fixed (README: "all at once")."""
    path = tmp_path / "s.toml"
    path.write_text(
        '[network]\nsource = "x.osm"\n[stations]\nfile = "s.csv"\ncrs = "gcj02"\n'
        '[coverage]\nmintues = 15\n[optimize]\nadd = -3\n[output]\nbasemap = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "3 problems" in text and "line 7: unknown key 'coverage.mintues'" in text
    assert "line 9: optimize.add must be at least 1" in text and "line 11: output.basemap" in text


def test_a_misspelt_choice_gets_a_did_you_mean(tmp_path):
    """Probe 23C: basemap = "amapp", solver = "exactt", mode = "maxcover" listed the choices
    without the one meant, where unknown keys get "did you mean"."""
    path = tmp_path / "s.toml"
    path.write_text(
        '[network]\nsource = "x.osm"\n[stations]\nfile = "s.csv"\ncrs = "gcj02"\n'
        '[output]\nbasemap = "amapp"\n[optimize]\nsolver = "exactt"\nmode = "maxcover"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    for meant in ("'amap'", "'exact'", "'max-cover'"):
        assert f"(did you mean {meant}?)" in text

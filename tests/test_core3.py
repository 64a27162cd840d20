"""The three-district study (scenarios/core3.toml) and the demand layers it needs.

Fast tests: several demand files of one kind joined into one demand (``demand.file`` as a
list, ``demand.population`` per file or shared), on the hand-made buildings of
``tests/data/demand`` (total floor area 3,100 m², see tests/test_demand.py).

Slow test: the real-data run of ``scenarios/core3.toml`` (渝中区, 江北区, 南岸区) on
../shared/geodata, skipped when that folder is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from harbor_planner import build_network
from harbor_planner.demand import building_demand, combine_demands, share_population
from harbor_planner.errors import InputDataError, ScenarioError
from harbor_planner.pipeline.inputs import load_demand
from harbor_planner.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMAND = ROOT / "tests" / "data" / "demand"
SCENARIO = ROOT / "scenarios" / "core3.toml"
QUOTAS = ROOT / "scenarios" / "core3_quotas.csv"
CENTRES = ROOT / "geodata" / "chongqing_centres.csv"
SHARED = ROOT.parent / "shared" / "geodata"
DISTRICTS = ("渝中区", "江北区", "南岸区")
FLOOR_M2 = 3100.0  # of tests/data/demand/buildings.geojson


@pytest.fixture(scope="module")
def streets():
    return build_network(DEMAND / "streets.geojson", progress=False)


@pytest.fixture()
def two_layers(tmp_path: Path) -> tuple[Path, Path]:
    """The same five buildings as two district files."""
    a, b = tmp_path / "buildings_a.geojson", tmp_path / "buildings_b.geojson"
    shutil.copy(DEMAND / "buildings.geojson", a)
    shutil.copy(DEMAND / "buildings.geojson", b)
    return a, b


def _scenario(tmp_path: Path, demand: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(
        f'[network]\nsource = "{DEMAND / "streets.geojson"}"\n'
        f'[stations]\nfile = "st.csv"\ncrs = "wgs84"\n[demand]\nkind = "buildings"\n{demand}\n',
        "utf-8",
    )
    return path


def test_population_per_file_stays_with_its_file(tmp_path, two_layers, streets):
    sc = load_scenario(
        _scenario(tmp_path, 'file = ["buildings_a.geojson", "buildings_b.geojson"]\n'
                  "population = [1000, 3000]")
    )  # fmt: skip
    assert sorted(sc.input_files()) == ["demand1", "demand2", "network", "scenario", "stations"]
    d = load_demand(sc, streets)
    assert d.weight_unit == "people" and len(d) == 10
    by_layer = d.points.groupby("layer")["weight"].sum()
    assert by_layer.to_dict() == pytest.approx({"buildings_a": 1000.0, "buildings_b": 3000.0})
    assert d.points["demand_id"].is_unique
    assert d.points["demand_id"].str.startswith(("buildings_a:", "buildings_b:")).all()
    # within a layer, people follow floor area (C holds 1600 of the 3100 m²)
    a = d.points[d.points["layer"] == "buildings_a"]
    assert a["weight"].max() == pytest.approx(1000.0 * 1600.0 / FLOOR_M2)
    assert [layer["total"] for layer in d.info["layers"]] == pytest.approx([1000.0, 3000.0])
    assert d.shapes is not None and len(d.shapes) == len(d)


def test_one_population_is_shared_by_floor_area_over_all_files(tmp_path, two_layers, streets):
    sc = load_scenario(
        _scenario(tmp_path, 'file = ["buildings_a.geojson", "buildings_b.geojson"]\n'
                  "population = 6200")
    )  # fmt: skip
    d = load_demand(sc, streets)
    assert d.weight_unit == "people" and d.total == pytest.approx(6200.0)
    # 6,200 people over 6,200 m² of floor area: one person per m²
    assert d.points["weight"].to_numpy() == pytest.approx(d.points["floor_area_m2"].to_numpy())
    assert d.points.groupby("layer")["weight"].sum().tolist() == pytest.approx([3100.0] * 2)


def test_without_population_the_files_keep_their_floor_area(tmp_path, two_layers, streets):
    sc = load_scenario(_scenario(tmp_path, 'file = ["buildings_a.geojson", "buildings_b.geojson"]'))
    d = load_demand(sc, streets)
    assert d.weight_unit == "m² floor area" and d.total == pytest.approx(2 * FLOOR_M2)


def test_one_file_in_a_list_is_the_plain_demand(tmp_path, two_layers, streets):
    sc = load_scenario(_scenario(tmp_path, 'file = ["buildings_a.geojson"]\npopulation = 500'))
    d = load_demand(sc, streets)
    assert "layer" not in d.points and d.total == pytest.approx(500.0)
    assert sorted(sc.input_files()) == ["demand", "network", "scenario", "stations"]


def test_population_list_must_match_the_files(tmp_path, two_layers):
    path = _scenario(
        tmp_path, 'file = ["buildings_a.geojson", "buildings_b.geojson"]\npopulation = [1000]'
    )
    with pytest.raises(ScenarioError, match=r"demand\.population lists 1 numbers for 2"):
        load_scenario(path)
    path = _scenario(tmp_path, 'file = ["buildings_a.geojson"]\npopulation = [0]')
    with pytest.raises(ScenarioError, match="above 0"):
        load_scenario(path)
    path = _scenario(tmp_path, 'file = ["buildings_a.geojson"]\npopulation = [10]')
    with pytest.raises(ScenarioError, match="applies to kind 'buildings'"):
        load_scenario(path, overrides=["demand.kind=main-streets"])


def test_layers_of_different_units_are_refused(two_layers):
    a, b = two_layers
    people = building_demand(a, population=100)
    floor = building_demand(b)
    with pytest.raises(InputDataError, match="different kinds or units"):
        combine_demands([people, floor])
    with pytest.raises(InputDataError, match="floor area"):
        share_population(people, 50.0)
    with pytest.raises(InputDataError, match="no demand layer"):
        combine_demands([])


# --------------------------------------------------------------------------- real data


def _files(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_core3_runs_end_to_end_on_real_data(tmp_path):
    if not SHARED.is_dir():
        pytest.skip(f"real data {SHARED} is absent (it lives in ../shared/geodata beside the repo)")
    out, cwd, tmp = tmp_path / "out", tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    before = _files(ROOT / "scenarios")
    default_out = ROOT / "out" / "core3"  # output.dir of the toml: --out must win
    default_before = _files(default_out) if default_out.is_dir() else None
    env = {**os.environ, "TMPDIR": str(tmp)}
    cmd = [sys.executable, "-m", "harbor_planner", "run", str(SCENARIO), "--out", str(out)]
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]

    # nothing written outside the out folder
    assert not any(cwd.iterdir()) and not any(tmp.iterdir())
    assert _files(ROOT / "scenarios") == before
    assert (_files(default_out) if default_out.is_dir() else None) == default_before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left

    summary = json.loads((out / "summary.json").read_text("utf-8"))
    for key in ("scenario", "study_area", "coverage", "optimize", "coverage_after", "centres"):
        assert key in summary, key
    assert sorted(summary["study_area"]["districts"]) == sorted(DISTRICTS)

    # coverage per district: the three districts, adding up to the headline
    cov = summary["coverage"]
    table = pd.read_csv(out / "by_district.csv", encoding="utf-8-sig")
    assert sorted(table["district"]) == sorted(DISTRICTS)
    assert (table["status"] == "study").all()
    assert table["demand_total"].sum() == pytest.approx(cov["demand_total"], rel=1e-6)
    assert table["demand_covered"].sum() == pytest.approx(cov["demand_covered"], rel=1e-6)
    pct = 100 * table["demand_covered"] / table["demand_total"]
    assert table["coverage_pct"].to_numpy() == pytest.approx(pct.to_numpy(), abs=0.01)
    # demand: each district's census population on the buildings inside it, exactly
    census = pd.read_csv(SHARED / "chongqing" / "district_population_2020.csv")
    people = census.set_index("district_zh").loc[list(DISTRICTS), "population"]
    assert cov["demand_unit"] == "people"
    assert cov["demand_total"] == pytest.approx(people.sum(), rel=1e-9)
    by = table.set_index("district")["demand_total"]
    assert by.loc[list(DISTRICTS)].to_numpy() == pytest.approx(people.to_numpy(), rel=1e-9)

    # the optimiser: quotas honoured district by district, every site inside its district
    opt = summary["optimize"]
    sites = pd.read_csv(out / "selected_sites.csv", encoding="utf-8-sig")
    assert len(sites) == opt["sites_added"] == 60
    located = _districts_of(sites["lon"].to_numpy(), sites["lat"].to_numpy())
    assert (located == sites["district"].to_numpy()).all()
    counts = sites["district"].value_counts()
    for row in pd.read_csv(QUOTAS, encoding="utf-8-sig").itertuples():
        n = int(counts.get(row.district, 0))
        assert pd.isna(row.min) or n >= row.min, (row.district, n)
        assert pd.isna(row.max) or n <= row.max, (row.district, n)
    after = pd.read_csv(out / "by_district_after.csv", encoding="utf-8-sig").set_index("district")
    for d in DISTRICTS:
        assert after.loc[d, "coverage_pct"] >= table.set_index("district").loc[d, "coverage_pct"]
    assert opt["coverage_pct_after"] > opt["coverage_pct_before"]

    # the centres of the three districts, in the districts the centres file names
    listed = pd.read_csv(CENTRES, comment="#").set_index("name")["district"]
    centres = {c["name"]: c for c in summary["centres"]}
    for name in ("解放碑", "观音桥", "南坪"):
        assert centres[name]["district"] == listed[name], name
        assert centres[name]["demand_total"] > 0 and centres[name]["coverage_pct"] is not None
    assert {c["district"] for c in centres.values()} <= set(DISTRICTS)

    # the map and the report show the three districts
    page = (out / "map.html").read_text("utf-8")
    report = (out / "report.html").read_text("utf-8")
    for d in DISTRICTS:
        assert d in report and (d in page or json.dumps(d)[1:-1] in page), d
    assert 'id="centres"' in report and "观音桥" in report and "南坪" in report


def _districts_of(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """District names of WGS-84 points from the official boundaries, independently."""
    from harbor_planner.districts import chongqing_districts, locate_districts

    adcode, _ = locate_districts(gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326"))
    names = chongqing_districts().set_index("adcode")["name_zh"]
    return adcode.map(names).to_numpy(dtype=object)


def _cli_argv(tmp_path: Path, *more: str) -> list[str]:
    """``coverage`` on the hand-made streets, one station at their first corner (wgs84)."""
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(650000.0, 3270000.0)
    stations = tmp_path / "st.csv"
    stations.write_text(f"id,lon,lat\nS1,{lon:.8f},{lat:.8f}\n", "utf-8")
    return [
        "-q", "coverage", "--network", str(DEMAND / "streets.geojson"), "--stations",
        str(stations), "--crs", "wgs84", "--out", str(tmp_path / "out"), "--map-bands", "",
        *more,
    ]  # fmt: skip


def test_cli_demand_repeated_joins_the_files(tmp_path, two_layers, capsys):
    from harbor_planner.cli import main

    a, b = two_layers
    argv = _cli_argv(tmp_path, "--demand", f"buildings:{a}", "--demand", f"buildings:{b}",
                     "--population", "1000", "--population", "3000")  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    s = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert s["demand_points"] == 10 and s["demand_total"] == pytest.approx(4000.0)
    assert s["demand_spec"] == f"buildings:{a} + buildings:{b}"
    assert [x["total"] for x in s["demand_info"]["layers"]] == pytest.approx([1000.0, 3000.0])
    # one population for several files: shared by floor area (the same area in each)
    argv = _cli_argv(tmp_path, "--demand", f"buildings:{a}", "--demand", f"buildings:{b}",
                     "--population", "6200")  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    s = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert s["demand_total"] == pytest.approx(6200.0)


@pytest.mark.parametrize(
    ("more", "needle"),
    [
        (["--demand", "main-streets", "--demand", "main-streets"], "--demand"),
        (["--demand", "buildings:{a}", "--demand", "points:{b}"], "same kind"),
        (["--demand", "buildings:{a}", "--demand", "buildings:{b}", "--population", "1",
          "--population", "2", "--population", "3"], "--population given 3 times"),
    ],
)  # fmt: skip
def test_cli_demand_repeated_wrongly_is_a_usage_error(tmp_path, two_layers, capsys, more, needle):
    from harbor_planner.cli import main

    a, b = two_layers
    argv = _cli_argv(tmp_path, *(m.format(a=a, b=b) for m in more))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and err.count("\n") == 1, err

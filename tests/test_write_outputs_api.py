"""``harbor_planner.outputs.write_outputs`` from Python writes a folder as a whole, as ``run``."""

from __future__ import annotations

import json

import pytest

from harbor_planner.analysis.coverage import coverage
from harbor_planner.demand import main_street_demand
from harbor_planner.errors import OutputError
from harbor_planner.outputs import write_outputs


@pytest.fixture(scope="module")
def result(diamond, pts):
    return coverage(
        diamond,
        pts((25, 3), (150, 1)),
        main_street_demand(diamond, classes=["footway", "residential"]),
        minutes=5,
    )


def test_writes_files_with_a_manifest(tmp_path, result):
    out = tmp_path / "out"
    files = write_outputs(out, coverage=result, formats=["tables", "report"])
    names = sorted(p.name for p in files)
    assert "report.html" in names and "by_district.csv" in names and files[-1].name == "run.json"
    listed = {o["path"] for o in json.loads((out / "run.json").read_text("utf-8"))["outputs"]}
    assert listed == set(names) - {"run.json"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_refuses_a_users_file_and_leaves_the_folder_as_it_was(tmp_path, result):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("my own report", "utf-8")
    with pytest.raises(OutputError, match=r"report\.html"):
        write_outputs(out, coverage=result, formats=["tables", "report"])
    assert (out / "report.html").read_text("utf-8") == "my own report"
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]


def test_rewrites_its_own_files_and_removes_only_them(tmp_path, result):
    out = tmp_path / "out"
    write_outputs(out, coverage=result, formats=["tables", "report"])
    (out / "notes.txt").write_text("keep me", "utf-8")
    files = write_outputs(out, coverage=result, formats=["report"])
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.html", "run.json"]
    assert [p.name for p in files] == ["report.html", "run.json"]


def test_an_input_is_never_an_output(tmp_path, result):
    out = tmp_path / "out"
    out.mkdir()
    own = out / "report.html"
    own.write_text("input", "utf-8")
    with pytest.raises(OutputError):
        write_outputs(out, coverage=result, formats=["report"], sources=[own])
    assert own.read_text("utf-8") == "input"


def test_every_percentage_in_the_tables_has_two_decimals(tmp_path, result):
    """Probe 15T: coverage_curve.csv and stations.csv held raw floats (63.906513429984344)
    where the README says every table publishes percentages to two decimals."""
    import numpy as np
    import pandas as pd

    from harbor_planner.optimize import CoverageMatrix, select_sites

    covers = np.array([[1, 0, 1], [0, 1, 0], [0, 1, 0]], dtype=bool)
    cm = CoverageMatrix.from_arrays(covers, [10, 5, 6], candidate_ids=["a", "b", "c"])
    sel = select_sites(cm, n_add=2)
    assert sel.curve["coverage_pct"].iloc[0] != round(sel.curve["coverage_pct"].iloc[0], 2)
    import geopandas as gpd
    import shapely

    where = shapely.points([[106.5, 29.5]] * 3)
    cands = gpd.GeoDataFrame({"site_id": ["a", "b", "c"]}, geometry=where, crs="EPSG:4326")
    out = tmp_path / "out"
    write_outputs(out, coverage=result, selection=sel, candidates=cands, formats=["tables"])
    for name in ("coverage_curve.csv", "stations.csv", "by_district.csv"):
        table = pd.read_csv(out / name)
        pcts = [c for c in table.columns if c.endswith("_pct")]
        assert pcts, name
        for c in pcts:
            v = table[c].dropna().to_numpy(float)
            assert np.array_equal(v, np.round(v, 2)), (name, c)


def test_the_apis_single_writers_never_replace_a_users_file(tmp_path, result, diamond):
    """Probe 23C: `hp.write_coverage` into the folder of the station list replaced its
    `stations.csv`; `hp.save_map` replaced a hand-made page; `hp.save_network` wrote a zip
    over a CSV. Each refuses a file the tool did not write, and writes nothing then; its own
    files it replaces, as the command line does."""
    import harbor_planner as hp

    out = tmp_path / "study"
    out.mkdir()
    mine = out / "stations.csv"
    mine.write_text("名称,经度,纬度\n站1,106.57,29.55\n", encoding="utf-8")
    before = mine.read_bytes()
    with pytest.raises(OutputError, match=r"stations\.csv here was not written.*another out_dir "):
        hp.write_coverage(result, out)
    assert mine.read_bytes() == before and sorted(p.name for p in out.iterdir()) == [mine.name]

    fresh = tmp_path / "fresh"
    first = hp.write_coverage(result, fresh)
    (fresh / "notes.txt").write_text("keep me", "utf-8")
    again = hp.write_coverage(result, fresh, summary=False)  # its own files: replaced
    assert [p.name for p in first] == ["summary.json", *[p.name for p in again]]
    assert sorted(p.name for p in fresh.iterdir()) == sorted(
        ["notes.txt", *(p.name for p in again)]
    )
    assert again[-1].name == "run.json"

    page = tmp_path / "map.html"
    page.write_text("<html>my own page</html>", encoding="utf-8")
    m = hp.make_map(stations=result.stations)
    with pytest.raises(OutputError, match="did not write"):
        hp.save_map(m, page)
    assert page.read_text("utf-8") == "<html>my own page</html>"
    hp.save_map(m, tmp_path / "ours.html")
    hp.save_map(m, tmp_path / "ours.html")  # its own page, unedited: replaced

    with pytest.raises(OutputError, match="did not write"):
        hp.save_network(diamond, mine)
    assert mine.read_bytes() == before
    with pytest.raises(OutputError, match="did not write"):
        hp.save_network(diamond, tmp_path / "net.npz", edges_gpkg=mine)
    assert not (tmp_path / "net.npz").exists() and mine.read_bytes() == before
    hp.save_network(diamond, tmp_path / "net.npz")
    hp.save_network(diamond, tmp_path / "net.npz")


def test_write_coverage_refuses_a_runs_folder_it_would_half_replace(tmp_path, result):
    """Probe 23R: hp.write_coverage into a run's result folder removed its map, report,
    workbook and layers (listed by its run.json, not written again) without a word."""
    import harbor_planner as hp

    out = tmp_path / "run"
    write_outputs(out, coverage=result, formats=["tables", "report", "map"])
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(OutputError, match=r"holds a run's results .*map\.html"):
        hp.write_coverage(result, out)
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_network_saved_under_another_name_can_be_saved_again(tmp_path, diamond):
    """Probe 23R: hp.save_network(net, "net.bin") worked once; the second save was refused
    as "harbor-planner did not write" that file. A saved network is known by its content;
    a user's zip of that name is still refused."""
    import zipfile

    import harbor_planner as hp

    hp.save_network(diamond, tmp_path / "net.bin")
    hp.save_network(diamond, tmp_path / "net.bin")
    with zipfile.ZipFile(tmp_path / "mine.bin", "w") as z:
        z.writestr("notes.txt", "mine")
    with pytest.raises(OutputError, match="did not write"):
        hp.save_network(diamond, tmp_path / "mine.bin")


def test_one_map_saved_twice_gives_the_same_page(tmp_path, result):
    """Probe 23R: rendering added the layer control and the bounds to the map object, so a
    second save of one map held them twice (536 KB, then 893 KB) against save_map's "the
    same map gives the same bytes"."""
    import harbor_planner as hp

    m = hp.make_map(stations=result.stations, gaps=result.demand)
    hp.save_map(m, tmp_path / "a.html")
    hp.save_map(m, tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()

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

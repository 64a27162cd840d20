"""``harbor-planner serve``: the plan a session starts from and the files it never replaces.

Probe 21S: a restart forgot the saved plan (and the first save replaced it), the station
file's closed and candidate rows never reached the page (nor the saved plan), a moved station
kept its old 区县, and an export replaced the scenario's own station file when it lay in the
result folder.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from harbor_planner.errors import OutputError
from harbor_planner.serve.app import create_app
from harbor_planner.serve.session import load_session
from harbor_planner.stations import read_stations
from test_maps import browser  # noqa: F401  (the Debian Chromium fixture)
from test_serve import TOKEN, H, _lattice


def _with_statuses(tmp: Path) -> Path:
    """The lattice scenario, its station file with a closed and a candidate row added."""
    scenario = _lattice(tmp)
    csv = tmp / "stations.csv"
    rows = csv.read_text("utf-8").splitlines()
    lon, lat = rows[1].split(",")[3:5]
    rows += [f"S8,关闭站,closed,{float(lon) + 0.002:.8f},{lat}",
             f"S9,候选站,candidate,{float(lon) + 0.004:.8f},{lat}"]  # fmt: skip
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return scenario


def test_closed_and_candidate_rows_of_the_file_reach_the_page_and_the_saved_plan(tmp_path):
    session = load_session(_with_statuses(tmp_path), out_dir=tmp_path / "plan", progress=False)
    plan = session.plan
    assert {k: s.status for k, s in plan.stations.items()} == {
        "S0": "existing", "S1": "proposed", "S8": "closed", "S9": "candidate"
    }  # fmt: skip
    assert not plan.stations["S8"].counts and plan.stations["S9"].counts
    saved = read_stations(session.save_stations()[0], crs="wgs84").stations
    assert sorted(saved["station_id"]) == ["S0", "S1", "S8", "S9"]


def test_a_restarted_session_goes_on_from_its_saved_plan(tmp_path, caplog):
    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    first = load_session(scenario, out_dir=out, progress=False)
    s0 = first.plan.stations["S0"]
    added = first.plan.add(s0.lon + 0.003, s0.lat, name="第一天")
    first.save_stations()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        again = load_session(scenario, out_dir=out, progress=False)
    assert "going on from the plan saved" in caplog.text
    assert added.station_id in again.plan.stations
    assert again.plan.stations[added.station_id].name == "第一天"
    assert again.plan.figures() == first.plan.figures()
    again.save_stations()  # its own file: replaced by the same plan
    names = read_stations(out / "plan_stations.csv", crs="wgs84").stations["name"]
    assert "第一天" in set(names)
    # a saved plan edited by hand is not taken for serve's: the scenario's stations, said so
    csv = out / "plan_stations.csv"
    csv.write_text(csv.read_text("utf-8-sig").replace("第一天", "改过"), encoding="utf-8-sig")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        third = load_session(scenario, out_dir=out, progress=False)
    assert "changed since serve saved it" in caplog.text
    assert sorted(third.plan.stations) == ["S0", "S1"]
    with pytest.raises(OutputError, match="not written by"):
        third.save_stations()
    assert "改过" in csv.read_text("utf-8-sig")


def test_another_scenarios_saved_plan_is_neither_resumed_nor_replaced(tmp_path, caplog):
    """Probe 21R: two scenarios beside each other share plan/: the second opened with the
    first's saved stations; and a saved plan with every station deleted blocked the start."""
    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    first = load_session(scenario, out_dir=out, progress=False)
    first.plan.add(first.plan.stations["S0"].lon + 0.003, first.plan.stations["S0"].lat)
    first.save_stations()
    other = tmp_path / "other.toml"
    other.write_text(scenario.read_text("utf-8"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        second = load_session(other, out_dir=out, progress=False)
    assert "the plan saved for another scenario" in caplog.text
    assert sorted(second.plan.stations) == ["S0", "S1"]
    with pytest.raises(OutputError, match="another scenario"):
        second.save_stations()
    for sid in list(first.plan.stations):
        first.plan.delete(sid)
    first.save_stations()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        again = load_session(scenario, out_dir=out, progress=False)
    assert "holds no station" in caplog.text and sorted(again.plan.stations) == ["S0", "S1"]


def test_a_moved_station_takes_the_district_it_stands_in(tmp_path):
    """The file's 区县 column follows a station moved into another district."""
    import geopandas as gpd
    import shapely

    scenario = _lattice(tmp_path)
    csv = tmp_path / "stations.csv"
    rows = csv.read_text("utf-8").splitlines()
    rows = [rows[0] + ",区县"] + [r + ",西区" for r in rows[1:]]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    x0, y0 = 640000.0, 3270000.0
    halves = gpd.GeoDataFrame(
        {"name": ["西区", "东区"]},
        geometry=[
            shapely.box(x0 - 500, y0 - 500, x0 + 400, y0 + 1500),
            shapely.box(x0 + 400, y0 - 500, x0 + 1500, y0 + 1500),
        ],
        crs="EPSG:32648",
    )
    halves.to_file(tmp_path / "halves.gpkg")
    text = scenario.read_text("utf-8").replace(
        "[coverage]\n", '[coverage]\ndistricts = "halves.gpkg"\ndistrict_column = "name"\n'
    )
    scenario.write_text(text, encoding="utf-8")
    session = load_session(scenario, out_dir=tmp_path / "plan", progress=False)
    east = gpd.GeoSeries([shapely.Point(x0 + 750, y0 + 200)], crs="EPSG:32648").to_crs(4326)
    session.plan.update("S0", lon=float(east.x[0]), lat=float(east.y[0]))
    frame = session.plan.frame().set_index("station_id")
    district = next(c for c in frame.columns if c in ("district", "区县"))
    assert frame.loc["S0", district] == "东区"
    assert frame.loc["S1", district] == "西区"  # not moved: the file's own value
    new = session.plan.add(float(east.x[0]), float(east.y[0]) + 0.001)
    assert session.plan.frame().set_index("station_id").loc[new.station_id, district] == "东区"


def test_an_export_never_replaces_the_scenarios_own_station_file(tmp_path):
    """A scenario reading last time's result table (plan/result/stations.csv): the export
    into plan/result is refused like `run`'s, the file kept."""
    from harbor_planner._io import file_sha256

    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    first = load_session(scenario, out_dir=out, progress=False)
    first.export()
    table = out / "result" / "stations.csv"
    outputs = json.loads((out / "result" / "run.json").read_text("utf-8"))["outputs"]
    assert "stations.csv" in {o["path"] for o in outputs}  # the export's own file
    text = scenario.read_text("utf-8").replace('file = "stations.csv"',
                                               'file = "plan/result/stations.csv"')  # fmt: skip
    (tmp_path / "again.toml").write_text(text, encoding="utf-8")
    for name in ("plan_stations.csv", "plan_stations.gpkg", "serve.json"):  # another
        (out / name).unlink()  # scenario's saved plan: moved away, as serve asks
    session = load_session(tmp_path / "again.toml", out_dir=out, progress=False)
    before = file_sha256(table)
    session.plan.delete("S1")
    c = TestClient(create_app(session, token=TOKEN))
    r = c.post("/api/export", headers=H)
    assert r.status_code == 409 and "stations" in r.json()["error"], r.text
    assert file_sha256(table) == before


def _two_districts(tmp: Path) -> Path:
    """The lattice with point demand in 西区 (on its streets) and in 远区 (3 km away, beyond
    the network), the two districts given as a layer."""
    import geopandas as gpd
    import shapely

    scenario = _lattice(tmp)
    x0, y0 = 640000.0, 3270000.0
    gpd.GeoDataFrame(
        {"name": ["西区", "远区"]},
        geometry=[
            shapely.box(x0 - 500, y0 - 500, x0 + 1500, y0 + 1500),
            shapely.box(x0 + 3000, y0 - 500, x0 + 4000, y0 + 1500),
        ],
        crs="EPSG:32648",
    ).to_file(tmp / "two.gpkg")
    xs = [x0 + 20 * i for i in range(41)] + [x0 + 3500] * 3
    ys = [y0 + 200.0] * 41 + [y0, y0 + 500, y0 + 1000]
    gpd.GeoDataFrame(
        {"weight": [1.0] * 44}, geometry=gpd.points_from_xy(xs, ys), crs="EPSG:32648"
    ).to_file(tmp / "pts.gpkg")
    text = (
        scenario.read_text("utf-8")
        .replace(
            '[demand]\nkind = "grid"\ncell_m = 50\n',
            '[demand]\nkind = "points"\nfile = "pts.gpkg"\n',
        )
        .replace("[coverage]\n", '[coverage]\ndistricts = "two.gpkg"\ndistrict_column = "name"\n')
    )
    scenario.write_text(text, encoding="utf-8")
    return scenario


def test_a_district_beyond_the_network_is_marked_on_the_page_as_run_marks_it(tmp_path):
    """The page's district rows carry run's status, and its built figure (probe 21S: 路网未覆盖
    was an ordinary 0.00 row, red on the choropleth)."""
    session = load_session(_two_districts(tmp_path), out_dir=tmp_path / "plan", progress=False)
    rows = {r["district"]: r for r in session.plan.by_district()}
    assert rows["远区"]["status"] == "no_network" and rows["西区"]["status"] == "study"
    assert rows["西区"]["coverage_built_pct"] is not None
    c = TestClient(create_app(session, token=TOKEN))
    assert c.get("/api/config", headers=H).json()["district_status_labels"]["no_network"] == (
        "路网未覆盖"
    )
    out = session.export()[0].parent
    table = {r["district"]: r["status"] for r in _csv_rows(out / "by_district.csv")}
    assert {d: r["status"] for d, r in rows.items()} == table  # the page = the export


def _csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_the_page_shows_marked_districts_and_refusals_in_its_language(browser, tmp_path):  # noqa: F811
    from test_serve import _page

    session = load_session(_two_districts(tmp_path), out_dir=tmp_path / "plan", progress=False)
    with _page(browser, session) as (page, errors):
        row = page.locator("#districts tr.marked")
        assert row.count() == 1
        assert row.inner_text().split("\t")[0] == "远区" and "路网未覆盖" in row.inner_text()
        assert page.locator("#districts tbody tr:not(.marked) td").count() == 4
        # a refusal in the page's language first (probe 21S: English alone on the zh page)
        page.locator("[data-station='S0']").click()
        page.wait_for_selector("#selected:not([hidden])")
        session.plan.delete("S0")  # another tab deleted it
        page.click("#sel-delete")
        page.wait_for_function("() => document.getElementById('message').textContent !== ''")
        assert page.inner_text("#message").startswith("该站点已不存在"), page.inner_text("#message")
        # the page shows the server's plan again (S0 gone) before another tab adds a station:
        # a save then writes the server's plan, and the page shows it
        page.wait_for_function("() => !document.querySelector(\"[data-station='S0']\")")
        s1 = session.plan.stations["S1"]
        session.plan.add(s1.lon - 0.002, s1.lat)
        n = len(session.plan.stations)
        page.click("#save")
        page.wait_for_function("() => document.getElementById('message').className === 'ok'")
        assert "另一窗口已改动" in page.inner_text("#message")
        page.wait_for_function("n => document.querySelectorAll('.hp-st').length === n", arg=n)
        assert errors == []


def test_refusals_carry_their_kind_for_the_page(tmp_path):
    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", progress=False)
    c = TestClient(create_app(session, token=TOKEN))
    far = c.post("/api/stations", headers=H, json={"lon": 110.0, "lat": 25.0}).json()
    assert far["kind"] == "input" and "在步行路网的范围之外" in far["error"]  # the page is zh
    gone = c.delete("/api/station?id=NOPE", headers=H).json()
    assert gone["kind"] == "unknown_id"
    bad = c.post("/api/optimize", headers=H, json={"n_sites": 100000, "solver": "greedy"})
    assert bad.json()["kind"] == "invalid"


def test_a_save_cut_short_before_its_record_still_owns_its_files(tmp_path, monkeypatch):
    """Probe 21X: the plan files landed but serve.json was not written (an I/O error, a kill):
    a raw OSError, every later save refused, a restart started from the scenario's stations."""
    import errno

    import harbor_planner.pipeline as pipeline

    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    session = load_session(scenario, out_dir=out, progress=False)
    session.save_stations()
    added = session.plan.add(session.plan.stations["S0"].lon + 0.003,
                             session.plan.stations["S0"].lat, name="第二版")  # fmt: skip
    real, calls = pipeline.write_json, []

    def second_fails(path, data):
        calls.append(path)
        if len(calls) == 2:  # the record after the files landed
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real(path, data)

    with monkeypatch.context() as m:
        m.setattr(pipeline, "write_json", second_fails)
        with pytest.raises(OutputError, match="cannot write"):
            session.save_stations()
    assert "第二版" in (out / "plan_stations.csv").read_text("utf-8-sig")
    again = load_session(scenario, out_dir=out, progress=False)  # the new plan, recognised
    assert added.station_id in again.plan.stations
    again.save_stations()  # and saving goes on


# ----------------------------------------------------------------------------- edits not saved

UNSAVED = "plan_stations.unsaved.csv"


def _add(session, name: str, east: float = 0.003) -> None:
    s0 = session.plan.stations["S0"]
    session.plan.add(s0.lon + east, s0.lat, name=name)


def _names(path: Path) -> set[str]:
    return {r["name"] for r in _csv_rows(path) if r["name"].startswith("EDIT")}


def _plan_names(session) -> set[str]:
    return {s.name for s in session.plan.stations.values() if s.name.startswith("EDIT")}


def test_edits_not_saved_are_gone_on_from_only_while_their_plan_is_the_one_saved(tmp_path, caplog):
    """Probe 25R3: session X stopped with EDIT_X not saved, then session Y saved EDIT_Y; the
    next start went on from X's older file ("the edits not saved when serve last stopped")
    and its save replaced Y's plan. The file records the plan saved it was made on."""
    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    x = load_session(scenario, out_dir=out, progress=False)
    y = load_session(scenario, out_dir=out, progress=False)
    _add(x, "EDIT_X")
    assert x.save_unsaved() == out / UNSAVED
    _add(y, "EDIT_Y", 0.004)
    y.save_stations()
    assert y.save_unsaved() is None
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        z = load_session(scenario, out_dir=out, progress=False)
    assert _plan_names(z) == {"EDIT_Y"}
    assert f"both {out / UNSAVED} (edits not saved when a serve session stopped) and" in (
        caplog.text
    )
    assert "the plan was saved after those edits were made: the page starts from the plan" in (
        caplog.text
    )
    assert "going on from the edits not saved" not in caplog.text
    z.save_stations()
    assert _names(out / "plan_stations.csv") == {"EDIT_Y"} and _names(out / UNSAVED) == {"EDIT_X"}
    # a file written before the record (an earlier version): older than the save, not taken
    manifest = json.loads((out / "serve.json").read_text("utf-8"))
    manifest.pop("based_on")
    (out / "serve.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _plan_names(load_session(scenario, out_dir=out, progress=False)) == {"EDIT_Y"}


def test_a_start_goes_on_from_edits_not_saved_made_on_the_plan_saved_and_says_how(tmp_path, caplog):
    """Probe 25R3: with no plan saved, the start said "delete it to start from the plan
    saved"; edits made after the last save are still gone on from, and a stop writes over
    the file the session went on from (it holds the session's edits)."""
    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    first = load_session(scenario, out_dir=out, progress=False)
    _add(first, "EDIT_A")
    first.save_unsaved()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        again = load_session(scenario, out_dir=out, progress=False)
    assert _plan_names(again) == {"EDIT_A"}
    said = "no plan was saved before: save them to keep them (the file then goes), or delete"
    assert said + " it to start from the scenario's stations" in caplog.text
    assert "the plan saved" not in caplog.text
    _add(again, "EDIT_B", 0.004)
    assert again.save_unsaved() == out / UNSAVED  # its own file, written over
    assert _names(out / UNSAVED) == {"EDIT_A", "EDIT_B"}
    third = load_session(scenario, out_dir=out, progress=False)
    third.save_stations()  # the file goes with the save
    assert not (out / UNSAVED).exists()
    _add(third, "EDIT_C", 0.005)
    third.save_unsaved()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        fourth = load_session(scenario, out_dir=out, progress=False)
    assert _plan_names(fourth) == {"EDIT_A", "EDIT_B", "EDIT_C"}
    said = "made on the plan saved: save them to keep them (the file then goes), or delete it"
    assert said + " to start from the plan saved" in caplog.text


def _unsaved_as_the_scenarios_stations(tmp_path):
    """A folder with edits not saved (EDIT_A) that the scenario names as its stations."""
    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    first = load_session(scenario, out_dir=out, progress=False)
    _add(first, "EDIT_A")
    first.save_unsaved()
    text = scenario.read_text("utf-8").replace('file = "stations.csv"', f'file = "{out / UNSAVED}"')
    scenario.write_text(text, encoding="utf-8")
    return scenario, out


def test_a_save_is_never_answered_with_an_error_for_the_file_of_edits_it_could_not_remove(
    tmp_path, caplog
):
    """Probe 25R3: the scenario's stations were the file of edits not saved (the advice of an
    earlier release); a save landed its files, then answered "refused" because that input
    could not be removed, and every later start went on from the older file."""
    scenario, out = _unsaved_as_the_scenarios_stations(tmp_path)
    before = (out / UNSAVED).read_bytes()
    second = load_session(scenario, out_dir=out, progress=False)
    _add(second, "EDIT_B", 0.004)
    c = TestClient(create_app(second, token=TOKEN))
    r = c.post("/api/save", headers=H)
    assert r.status_code == 200, r.json()
    note = r.json()["note"]
    # in the page's language (zh), the reason too
    assert note.startswith(f"方案已保存，但 {out / UNSAVED}（页面据以继续的未保存改动）未能删除：")
    assert "这是本方案的输入文件，不会被覆盖或删除" in note and "此后不会再从它继续" in note
    assert _names(out / "plan_stations.csv") == {"EDIT_A", "EDIT_B"}
    assert (out / UNSAVED).read_bytes() == before
    assert c.get("/api/state", headers=H).json()["saved_version"] == second.plan.version
    _add(second, "EDIT_C", 0.005)  # a stop: never over the input, beside it
    assert second.save_unsaved() == out / "plan_stations.unsaved-2.csv"
    assert (out / UNSAVED).read_bytes() == before
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        third = load_session(scenario, out_dir=out, progress=False)
    assert _plan_names(third) == {"EDIT_A", "EDIT_B"}  # the plan saved, not the older file
    assert "plan_stations.unsaved-2.csv: edits not saved that a stop wrote beside" in caplog.text


def test_a_stop_never_writes_over_edits_not_saved_it_did_not_go_on_from(tmp_path, caplog):
    """Probe 25R3: of two sessions on one folder, the second to stop wrote over the first's
    edits not saved; a planner's own file of that name, or serve's corrected by hand, made
    the session's edits lost at the stop, and the start said "changed since serve wrote
    it" of a file serve never wrote."""
    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    x = load_session(scenario, out_dir=out, progress=False)
    y = load_session(scenario, out_dir=out, progress=False)
    _add(x, "EDIT_X")
    _add(y, "EDIT_Y", 0.004)
    assert x.save_unsaved() == out / UNSAVED
    assert y.save_unsaved() == out / "plan_stations.unsaved-2.csv"
    assert _names(out / UNSAVED) == {"EDIT_X"}
    assert _names(out / "plan_stations.unsaved-2.csv") == {"EDIT_Y"}
    # serve's file corrected by hand: not gone on from, kept, the new edits beside it
    path = out / UNSAVED
    path.write_text(path.read_text("utf-8-sig").replace("EDIT_X", "EDIT_X_fixed"), "utf-8-sig")
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        z = load_session(scenario, out_dir=out, progress=False)
    assert "was not written by serve, or changed since, or is another scenario's" in caplog.text
    _add(z, "EDIT_Z", 0.005)
    assert z.save_unsaved() == out / "plan_stations.unsaved-3.csv"
    assert _names(path) == {"EDIT_X_fixed"}
    # a planner's own file of that name, no serve.json
    own = tmp_path / "own"
    own.mkdir()
    (own / UNSAVED).write_text("name,lon,lat\nMY_OWN,106.57,29.56\n", encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        w = load_session(scenario, out_dir=own, progress=False)
    assert "was not written by serve, or changed since" in caplog.text
    assert "changed since serve wrote it" not in caplog.text
    _add(w, "EDIT_W")
    assert w.save_unsaved() == own / "plan_stations.unsaved-2.csv"
    assert (own / UNSAVED).read_text("utf-8") == "name,lon,lat\nMY_OWN,106.57,29.56\n"
    assert read_stations(own / "plan_stations.unsaved-2.csv", crs="wgs84").ok


def test_edits_not_saved_in_another_scenarios_folder_are_kept_unrecorded(tmp_path):
    """Probe 25R3: edits are never lost at a stop while a name is free; in a folder another
    scenario saved in, they go to a free name that its serve.json does not list."""
    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    first = load_session(scenario, out_dir=out, progress=False)
    _add(first, "EDIT_A")
    first.save_stations()
    manifest = (out / "serve.json").read_bytes()
    other = tmp_path / "other.toml"
    other.write_text(scenario.read_text("utf-8"), encoding="utf-8")
    second = load_session(other, out_dir=out, progress=False)
    _add(second, "EDIT_B", 0.004)
    assert second.save_unsaved() == out / "plan_stations.unsaved-2.csv"
    assert second.unsaved_note.startswith("not recorded in serve.json: ")
    assert "holds the plan saved for another scenario" in second.unsaved_note
    assert (out / "serve.json").read_bytes() == manifest and not (out / UNSAVED).exists()
    assert _names(out / "plan_stations.unsaved-2.csv") == {"EDIT_B"}


@pytest.mark.slow
def test_the_page_says_what_a_save_left_undone(browser, tmp_path):  # noqa: F811
    """Probe 25R3: the file of edits not saved a save could not remove (the scenario's
    stations) is left; the page says so beside "saved" (it showed 未执行 before)."""
    from test_serve import _page

    scenario, out = _unsaved_as_the_scenarios_stations(tmp_path)
    session = load_session(scenario, out_dir=out, progress=False)
    with _page(browser, session) as (page, errors):
        page.click("#save")
        page.wait_for_function("() => document.getElementById('message').className === 'ok'")
        said = page.inner_text("#message")
        assert said.startswith(  # wholly in the page's language (probe 26C)
            "已保存：plan_stations.csv, plan_stations.gpkg注意：方案已保存，但 "
        )
        assert f"{out / UNSAVED}（页面据以继续的未保存改动）未能删除" in said
        assert page.evaluate("() => document.getElementById('save').style.fontWeight") == ""
        assert errors == []


@pytest.mark.slow
def test_two_serve_commands_on_one_folder_both_keep_their_edits_not_saved(tmp_path):
    """Probe 25R3: the second of two `serve` commands on one --out to stop wrote over the
    first's edits not saved, saying only where it wrote; now beside them, and said."""
    import http.client
    import signal

    import pyproj

    from test_serve import X0, Y0, _serve_process

    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    to_wgs84 = pyproj.Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    said = []
    procs = [_serve_process(scenario, out) for _ in range(2)]
    try:
        for k, (_, port, token) in enumerate(procs):
            lon, lat = to_wgs84.transform(X0 + 300 + 100 * k, Y0 + 300)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            body = json.dumps({"lon": lon, "lat": lat, "name": f"EDIT_{k}"}).encode()
            c.request("POST", "/api/stations", body=body,
                      headers={"X-Token": token, "Content-Type": "application/json"})  # fmt: skip
            assert c.getresponse().status == 200
            c.close()
    finally:
        for p, _, _ in procs:
            p.send_signal(signal.SIGINT)
            said.append(p.communicate(timeout=60)[0])
    assert f"edits not saved were written to {out / UNSAVED} " in said[0]
    second = out / "plan_stations.unsaved-2.csv"
    assert f"edits not saved were written to {second} (the saved plan is unchanged): " in said[1]
    assert f"{UNSAVED} there is not this session's to replace (another session's" in said[1]
    assert _names(out / UNSAVED) == {"EDIT_0"} and _names(second) == {"EDIT_1"}


def _serve_run(scenario: Path, out: Path, requests: list[tuple[str, str, Any]]) -> tuple[list, str]:
    """Start ``harbor-planner serve``, make ``requests`` (method, url, body), stop it (Ctrl-C).

    Returns the answers (JSON) and what the command wrote to stderr.
    """
    import http.client
    import signal

    from test_serve import _serve_process

    p, port, token = _serve_process(scenario, out)
    answers = []
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for method, url, body in requests:
            c.request(method, url, body=None if body is None else json.dumps(body).encode(),
                      headers={"X-Token": token, "Content-Type": "application/json"})  # fmt: skip
            r = c.getresponse()
            assert r.status == 200, r.read()
            answers.append(json.loads(r.read()))
        c.close()
    finally:
        p.send_signal(signal.SIGINT)
        _, stderr = p.communicate(timeout=60)
    return answers, stderr


def _saved_plan_of_one_added_station(tmp_path):
    """A lattice scenario's plan with one station added and saved: (scenario, out, stations)."""
    import pyproj

    from test_serve import X0, Y0

    scenario, out = _lattice(tmp_path), tmp_path / "plan"
    lon, lat = pyproj.Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True).transform(
        X0 + 300, Y0 + 300
    )
    add = ("POST", "/api/stations", {"lon": lon, "lat": lat, "name": "第一天"})
    _serve_run(scenario, out, [add, ("POST", "/api/save", None)])
    return scenario, out, tmp_path / "stations.csv"


@pytest.mark.slow
def test_a_start_says_the_scenarios_station_list_changed_since_the_plan_was_made(tmp_path):
    """Probe 26P's finding 8: serve started again after the scenario's stations.file changed
    (another file, or the same one edited) went on from the old plan saying only "going on
    from the plan saved": serve.json now records the list the plan was made from, and a start
    names both files and how to start from the new list (the plan itself is still gone on from).
    """
    from harbor_planner._io import file_sha256

    scenario, out, first = _saved_plan_of_one_added_station(tmp_path)
    record = json.loads((out / "serve.json").read_text("utf-8"))["stations_from"]
    assert record == {"path": str(first.resolve()), "sha256": file_sha256(first)}
    _, said = _serve_run(scenario, out, [])  # nothing changed: nothing said
    assert "going on from the plan saved" in said and "station list changed" not in said
    # the scenario names another list (one station fewer)
    other = tmp_path / "stations_2027.csv"
    other.write_text("".join(first.read_text("utf-8").splitlines(keepends=True)[:2]), "utf-8")
    text = scenario.read_text("utf-8")
    scenario.write_text(text.replace('"stations.csv"', '"stations_2027.csv"'), encoding="utf-8")
    state = ("GET", "/api/state", None)
    (page, _), said = _serve_run(scenario, out, [state, ("POST", "/api/save", None)])
    assert len(page["stations"]) == 3  # the planner's plan, not the new list's one station
    line = " ".join(said.split())
    assert "the scenario's station list changed since the plan in " in line, said
    assert f"made from {first.resolve()} (SHA-256 {file_sha256(first)[:12]})" in line
    assert f"now names {other.resolve()} (SHA-256 {file_sha256(other)[:12]})" in line
    assert f"give serve another --out, or move {out / 'plan_stations.csv'} aside" in line
    # a save of that plan keeps the list it was made from: the next start says it again
    assert json.loads((out / "serve.json").read_text("utf-8"))["stations_from"] == record
    # the same file edited since the plan was made
    scenario.write_text(text, encoding="utf-8")
    _, said = _serve_run(scenario, out, [])
    assert "station list changed" not in said  # back to the list the plan was made from
    first.write_text(first.read_text("utf-8").replace("站1", "站一"), encoding="utf-8")
    _, said = _serve_run(scenario, out, [])
    line = " ".join(said.split())
    assert f"now names {first.resolve()} (SHA-256 {file_sha256(first)[:12]}, the same file" in line
    assert "edited since" in line


@pytest.mark.slow
def test_a_station_file_moved_with_its_content_unchanged_is_no_changed_list(tmp_path):
    """Probe 26R's finding 7: the plan saved, stations.csv moved into data/ (the same bytes)
    and the scenario updated, every start warned "the station list changed" and advised moving
    the plan aside: the SHA-256 are compared, the move is said at INFO, the record follows."""
    from harbor_planner._io import file_sha256

    scenario, out, first = _saved_plan_of_one_added_station(tmp_path)
    sha = file_sha256(first)
    moved = tmp_path / "data" / "stations.csv"
    moved.parent.mkdir()
    first.rename(moved)
    text = scenario.read_text("utf-8")
    scenario.write_text(text.replace('"stations.csv"', '"data/stations.csv"'), encoding="utf-8")
    (page,), said = _serve_run(scenario, out, [("GET", "/api/state", None)])
    assert len(page["stations"]) == 3  # the plan saved is gone on from
    line = " ".join(said.split())
    assert "going on from the plan saved" in line and "station list changed" not in line, said
    assert "WARNING serve: the scenario's station" not in line, said
    assert "INFO harbor_planner.serve.folder: serve: the scenario's station file moved" in line
    assert f"from {first.resolve()} to {moved.resolve()}" in line, said
    record = json.loads((out / "serve.json").read_text("utf-8"))["stations_from"]
    assert record == {"path": str(moved.resolve()), "sha256": sha}
    _, said = _serve_run(scenario, out, [])  # the record followed: nothing said again
    assert "station file moved" not in said and "station list changed" not in said, said


@pytest.mark.slow
def test_a_renamed_project_folder_keeps_its_saved_plan(tmp_path):
    """Session 27: the project folder (scenario, stations, plan/) renamed or copied made the
    saved plan "another scenario's": the page started from the scenario's stations and saving
    was refused. serve.json names the scenario from the plan's folder too."""
    import shutil

    first_home = tmp_path / "规划2026"
    first_home.mkdir()
    scenario, out, _ = _saved_plan_of_one_added_station(first_home)
    record = json.loads((out / "serve.json").read_text("utf-8"))
    assert record["scenario_from_out"] == "../" + scenario.name
    for home in (tmp_path / "规划2026_终稿", tmp_path / "copy"):
        if home.name == "copy":
            shutil.copytree(tmp_path / "规划2026_终稿", home)
        else:
            first_home.rename(home)
        (page,), said = _serve_run(
            home / scenario.name, home / "plan", [("GET", "/api/state", None)]
        )
        assert len(page["stations"]) == 3, said  # the plan saved (one station added)
        assert "going on from the plan saved" in said, said
        assert "another scenario" not in said, said
    # a second scenario beside the first sharing its plan/ is still another scenario
    other = tmp_path / "copy" / "other.toml"
    other.write_text((tmp_path / "copy" / scenario.name).read_text("utf-8"), encoding="utf-8")
    (page,), said = _serve_run(other, tmp_path / "copy" / "plan", [("GET", "/api/state", None)])
    assert len(page["stations"]) == 2 and "another scenario" in " ".join(said.split()), said

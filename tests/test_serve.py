"""``harbor-planner serve``: the API (security, edits, files) and incremental coverage.

The fast tests run on a small synthetic lattice scenario (streets every 100 m, grid demand);
the slow ones on the demo (Yuzhong) and in Debian Chromium against the real server.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import harbor_planner as hp
from harbor_planner.serve.app import create_app
from harbor_planner.serve.session import load_session
from harbor_planner.stations import read_stations
from test_maps import browser  # noqa: F401  (the Debian Chromium fixture)

X0, Y0 = 640000.0, 3270000.0  # EPSG:32648, in Chongqing's centre
TOKEN = "t0k3n-for-tests"
H = {"X-Token": TOKEN}


def _lattice(tmp: Path, n: int = 9, step: float = 100.0) -> Path:
    """A lattice of residential streets, a station file and a scenario using them."""
    feats = []
    for i in range(n):
        for a, b in (((0, i), (n - 1, i)), ((i, 0), (i, n - 1))):
            coords = [[X0 + a[0] * step, Y0 + a[1] * step], [X0 + b[0] * step, Y0 + b[1] * step]]
            feats.append({"type": "Feature", "properties": {"highway": "residential"},
                          "geometry": {"type": "LineString", "coordinates": coords}})  # fmt: skip
    (tmp / "lattice.geojson").write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
        "features": feats,
    }))  # fmt: skip
    import geopandas as gpd

    pts = gpd.GeoSeries(
        gpd.points_from_xy([X0 + 150, X0 + 620], [Y0 + 200, Y0 + 610]), crs="EPSG:32648"
    ).to_crs("EPSG:4326")
    rows = ["station_id,name,status,lon,lat"]
    rows += [f"S{i},站{i},{s},{p.x:.8f},{p.y:.8f}" for i, (s, p) in
             enumerate(zip(["existing", "proposed"], pts, strict=True))]  # fmt: skip
    (tmp / "stations.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp / "s.toml").write_text(
        'title = "lattice"\n[network]\nsource = "lattice.geojson"\n'
        '[stations]\nfile = "stations.csv"\ncrs = "wgs84"\n'
        '[demand]\nkind = "grid"\ncell_m = 50\n[coverage]\nminutes = 3\n'
        '[optimize]\nadd = 2\ncandidate_spacing_m = 100\n[output]\nbasemap = "none"\n',
        encoding="utf-8",
    )
    return tmp / "s.toml"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lattice")
    return load_session(_lattice(tmp), out_dir=tmp / "plan", progress=False)


@pytest.fixture()
def served(loaded):
    """The lattice session with a fresh app; the plan is put back as loaded afterwards."""
    import shutil

    client = TestClient(create_app(loaded, token=TOKEN), raise_server_exceptions=False)
    yield loaded, client
    plan = loaded.plan
    while plan.undo():
        pass
    plan.redo_stack.clear()
    plan.max_stations = 5000
    loaded.jobs.clear()
    shutil.rmtree(loaded.out_dir, ignore_errors=True)


def _offline_equal(session) -> None:
    """The plan's figures equal hp.coverage on the same stations, point by point."""
    plan = session.plan
    sc = session.scenario
    frame = plan.frame()
    if not frame["status"].ne("closed").any():
        return
    r = hp.coverage(session.network, frame, session.demand, minutes=sc.coverage.minutes,
                    max_dist_m=sc.stations.max_dist_m)  # fmt: skip
    np.testing.assert_array_equal(r.demand["covered"].to_numpy(), plan.covered)
    np.testing.assert_array_equal(r.demand["n_stations"].to_numpy(), plan.walk)
    np.testing.assert_array_equal(r.demand["euclidean_covered"].to_numpy(), plan.circle > 0)
    f = plan.figures()
    for key in ("coverage_pct", "euclidean_coverage_pct", "demand_covered", "coverage_built_pct"):
        assert f[key] == r.summary[key], key


# ----------------------------------------------------------------------------- security


def test_token_required_on_every_api_request(served):
    _, c = served
    for method, path in (("get", "/api/state"), ("post", "/api/undo"), ("post", "/api/save"),
                         ("get", "/api/demand"), ("delete", "/api/stations/S0")):  # fmt: skip
        assert getattr(c, method)(path).status_code == 401
        r = getattr(c, method)(path, headers={"X-Token": "wrong"})
        assert r.status_code == 403 and r.json()["error"].startswith(
            "访问令牌不对：请打开 harbor-planner serve 最后打印的地址"  # the lattice page is zh
        )
    assert c.get(f"/api/state?token={TOKEN}").status_code == 200
    assert c.get("/api/state", headers=H).status_code == 200
    assert c.get("/api/state", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert c.get("/api/state", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/static/..%2f..%2fpyproject.toml", "/static/%2e%2e%2fapp.py", "/static/app.py",
     "/static/..%2fserve%2fapp.js", "/../../etc/passwd", "/static/leaflet%2fleaflet.js",
     "/static/images/layers.png", "/index.html", "/static/", "/static/%2fetc%2fpasswd"],
)  # fmt: skip
def test_only_own_assets(served, path):
    _, c = served
    r = c.get(path, headers=H)
    assert r.status_code == 404 and r.json() == {"error": "没有这个地址", "kind": "http"}


def test_assets_and_page_offline(served):
    _, c = served
    page = c.get("/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    for cdn in ("http://", "https://", '="//'):  # no CDN
        assert cdn not in page.text
    assert c.get("/static/leaflet.js").status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_request_size_and_body_validation(served):
    session, c = served
    lon, lat = session.plan.stations["S0"].lon, session.plan.stations["S0"].lat
    big = json.dumps({"lon": lon, "lat": lat, "name": "x" * 100_000})
    assert c.post("/api/stations", headers=H, content=big).status_code == 413

    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    assert c.post("/api/stations", headers=H, content=chunks()).status_code == 413
    bad = [
        {"lon": "NaN", "lat": lat}, {"lon": lon}, {"lon": lon, "lat": lat, "extra": 1},
        {"lon": 1e308, "lat": lat}, {"lon": lon, "lat": lat, "status": "demolished"},
        {"lon": lon, "lat": lat, "name": "n" * 300}, {"lon": 106.0, "lat": 30.5},
        {"lon": True, "lat": lat},
    ]  # fmt: skip
    for body in bad:
        r = c.post("/api/stations", headers=H, json=body)
        assert r.status_code == 422, body
        assert set(r.json()) == {"error", "kind"} and "Traceback" not in r.text
    r = c.post("/api/stations", headers={**H, "Content-Type": "application/json"},
               content=b'{"lon": NaN, "lat": 1}')  # fmt: skip
    assert r.status_code == 422
    assert c.patch("/api/stations/NOPE", headers=H, json={"status": "closed"}).status_code == 404
    assert c.delete("/api/stations/NOPE", headers=H).status_code == 404
    assert c.post("/api/optimize", headers=H, json={"n_sites": 10**6}).status_code == 422
    assert c.post("/api/optimize", headers=H, json={"n_sites": 2, "solver": "x"}).status_code == 422
    assert not session.plan.undo_stack  # nothing was changed
    session.plan.max_stations = 2
    r = c.post("/api/stations", headers=H, json={"lon": lon, "lat": lat})
    assert r.status_code == 422 and "达到上限" in r.json()["error"]


def test_internal_errors_are_json(served, monkeypatch):
    session, c = served

    def boom():
        raise RuntimeError("secret detail /etc/x")

    monkeypatch.setattr(session.plan, "snapshot", boom)
    r = c.get("/api/state", headers=H)
    assert r.status_code == 500
    assert r.json() == {"error": "出错了（RuntimeError），详情见服务器日志", "kind": "internal"}


# ----------------------------------------------------------------------------- edits


def test_edits_match_offline_coverage(served):
    session, c = served
    plan = session.plan
    _offline_equal(session)
    s0 = plan.stations["S0"]
    state = c.get("/api/state", headers=H).json()
    assert state["figures"]["coverage_pct"] == plan.figures()["coverage_pct"]
    rng = np.random.default_rng(7)
    added = []
    for _ in range(4):
        dx, dy = rng.uniform(0.0, 0.005, 2)
        r = c.post("/api/stations", headers=H, json={"lon": s0.lon + dx, "lat": s0.lat + dy})
        assert r.status_code == 200, r.text
        added.append(r.json()["station"]["id"])
        _offline_equal(session)
    before = plan.figures()["coverage_pct"]
    r = c.patch(f"/api/stations/{added[0]}", headers=H, json={"lon": s0.lon + 0.001, "lat": s0.lat})
    assert r.status_code == 200
    _offline_equal(session)
    for status in ("closed", "existing", "building", "built"):
        assert c.patch("/api/stations/S1", headers=H, json={"status": status}).status_code == 200
        _offline_equal(session)
    assert plan.stations["S1"].status == "existing"
    assert c.delete(f"/api/stations/{added[1]}", headers=H).status_code == 200
    _offline_equal(session)
    n = len(plan.stations)
    assert c.post("/api/undo", headers=H).json()["done"] is True  # the delete
    assert len(plan.stations) == n + 1
    _offline_equal(session)
    for _ in range(5):
        c.post("/api/undo", headers=H)
    assert plan.stations[added[0]].lon == pytest.approx(
        s0.lon + plan.stations[added[0]].lon - s0.lon
    )
    assert c.post("/api/redo", headers=H).json()["done"] is True
    _offline_equal(session)
    while c.post("/api/undo", headers=H).json()["done"]:
        pass
    assert set(plan.stations) == {"S0", "S1"}
    _offline_equal(session)
    assert plan.figures()["coverage_pct"] != before or len(added) == 4


def test_stations_are_measured_where_the_saved_table_puts_them(served):
    """Probe 15V: the page measured the coordinates as sent, plan_stations.csv saves them to
    8 decimals: a station within a millimetre of the snapping distance was on the network on
    the page and off it in the saved file that the export names."""
    session, c = served
    s0 = session.plan.stations["S0"]
    lon, lat = s0.lon + 1.23456789012e-5, s0.lat - 9.87654321098e-6
    r = c.post("/api/stations", headers=H, json={"lon": lon, "lat": lat})
    st = session.plan.stations[r.json()["station"]["id"]]
    assert (st.lon, st.lat) == (float(np.round(lon, 8)), float(np.round(lat, 8)))
    c.patch(f"/api/station?id={st.station_id}", headers=H, json={"lon": lon, "lat": lat})
    assert session.plan.stations[st.station_id].lon == float(np.round(lon, 8))
    session.save_stations()
    saved = read_stations(session.out_dir / "plan_stations.csv", crs="wgs84").stations
    row = saved.set_index("station_id").loc[st.station_id]
    assert (row.geometry.x, row.geometry.y) == (st.lon, st.lat)


def test_a_station_off_the_streets_is_named_once(tmp_path, caplog):
    """A station placed beyond the snapping distance: one warning naming it, none on reuse."""
    scenario = _lattice(tmp_path)
    text = scenario.read_text("utf-8")
    scenario.write_text(text.replace('crs = "wgs84"\n', 'crs = "wgs84"\nmax_dist_m = 30\n'))
    session = load_session(scenario, out_dir=tmp_path / "plan", progress=False)
    c = TestClient(create_app(session, token=TOKEN), raise_server_exceptions=False)
    s0 = session.plan.stations["S0"]  # 150 m east, 200 m north of the corner: on a street
    import pyproj

    to_wgs84 = pyproj.Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    off = to_wgs84.transform(X0 + 350, Y0 + 350)  # amid four streets, 50 m from each
    with caplog.at_level("WARNING"):
        r = c.post("/api/stations", headers=H, json={"lon": off[0], "lat": off[1]})
        assert r.status_code == 200, r.text
        new_id = r.json()["station"]["id"]
        c.get("/api/state", headers=H)  # the figures reuse the station's reach
        c.patch("/api/stations/S0", headers=H, json={"lon": s0.lon + 1e-5, "lat": s0.lat})
    warned = [m for m in caplog.messages if "walkable street" in m]
    assert warned == [
        f"serve: station {new_id} is 50 m from the nearest walkable street (more than 30 m): "
        "it reaches no demand on foot"
    ]
    assert session.plan.figures()["stations_on_network"] == session.plan.figures()["stations"] - 1
    snap = c.get("/api/state", headers=H).json()  # the page is told too (probe 14Q)
    gap = {st["id"]: st["off_network_m"] for st in snap["stations"]}
    assert gap == {"S0": None, "S1": None, new_id: 50.0} and snap["figures"]["max_dist_m"] == 30


def test_optimiser_job_and_accept(served):
    session, c = served
    j = c.post("/api/optimize", headers=H, json={"n_sites": 2, "solver": "greedy"}).json()
    t0 = time.perf_counter()
    while j["state"] == "running" and time.perf_counter() - t0 < 60:
        time.sleep(0.1)
        j = c.get(f"/api/optimize/{j['id']}", headers=H).json()
    assert j["state"] == "done", j
    assert 1 <= len(j["sites"]) <= 2 and j["messages"]
    assert j["plan_changed"] is False and j["plan_version"] == session.plan.version
    r = c.post(f"/api/optimize/{j['id']}/accept", headers=H, json={"site_ids": ["nope"]})
    assert r.status_code == 404
    r = c.post(
        f"/api/optimize/{j['id']}/accept", headers=H, json={"site_ids": [j["sites"][0]["id"]]}
    )
    assert r.status_code == 200 and len(r.json()["added"]) == 1
    assert len(session.plan.stations) == 3
    # its "could reach" figure was for the plan it started from: the poll says it changed
    assert c.get(f"/api/optimize/{j['id']}", headers=H).json()["plan_changed"] is True
    again = {"site_ids": [j["sites"][0]["id"]]}  # a second click adds nothing
    r = c.post(f"/api/optimize/{j['id']}/accept", headers=H, json=again)
    assert r.status_code == 409 and "已在方案中" in r.text
    assert len(session.plan.stations) == 3
    _offline_equal(session)
    c.post("/api/undo", headers=H)
    assert len(session.plan.stations) == 2
    r = c.post(f"/api/optimize/{j['id']}/accept", headers=H, json=again)  # after undo: again
    assert r.status_code == 200 and len(session.plan.stations) == 3
    c.post("/api/undo", headers=H)


# ----------------------------------------------------------------------------- files


def test_save_reads_back_and_never_overwrites_foreign_files(served):
    session, c = served
    plan = session.plan
    s0 = plan.stations["S0"]
    body = {"lon": s0.lon + 0.002, "lat": s0.lat, "name": "=cmd|x"}
    c.post("/api/stations", headers=H, json=body)
    c.patch("/api/stations/S1", headers=H, json={"status": "closed"})
    r = c.post("/api/save", headers=H)
    assert r.status_code == 200, r.text
    out = session.out_dir
    csv = out / "plan_stations.csv"
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    want = plan.frame().set_index("station_id")
    for path, crs in ((csv, "wgs84"), (out / "plan_stations.gpkg", None)):
        got = read_stations(path, crs=crs).stations.set_index("station_id")
        assert sorted(got.index) == sorted(want.index)
        assert (got.loc[want.index, "status"] == want["status"]).all()
        np.testing.assert_allclose(got.loc[want.index].geometry.x, want.geometry.x, atol=1e-7)
        np.testing.assert_allclose(got.loc[want.index].geometry.y, want.geometry.y, atol=1e-7)
    assert c.post("/api/save", headers=H).status_code == 200  # its own files: replaced
    csv.write_text("the user's own file", encoding="utf-8")
    r = c.post("/api/save", headers=H)
    assert r.status_code == 409 and "不是 harbor-planner serve 写的" in r.json()["error"]
    assert csv.read_text(encoding="utf-8") == "the user's own file"


def test_saves_at_once_leave_one_plan_and_saving_works_after(served):
    """Two tabs saving at once: the files and the manifest are of one save, and the next save
    is not refused (it was: the manifest recorded one plan's files, the folder the other's)."""
    import threading

    session, c = served
    c.post("/api/stations", headers=H, json={"lon": session.plan.stations["S0"].lon + 0.001,
                                             "lat": session.plan.stations["S0"].lat})  # fmt: skip
    errors: list[BaseException] = []

    def save() -> None:
        try:
            for _ in range(5):
                session.save_stations()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert c.post("/api/save", headers=H).status_code == 200


def test_save_refuses_to_write_over_an_input(tmp_path):
    path = _lattice(tmp_path)
    (tmp_path / "plan_stations.csv").write_text((tmp_path / "stations.csv").read_text())
    text = path.read_text().replace('file = "stations.csv"', 'file = "plan_stations.csv"')
    path.write_text(text, encoding="utf-8")
    session = load_session(path, out_dir=tmp_path, progress=False)
    c = TestClient(create_app(session, token=TOKEN))
    r = c.post("/api/save", headers=H)
    assert r.status_code == 409 and "输入文件" in r.json()["error"]


def test_a_file_without_statuses_is_not_labelled_built_and_saves_without_them(tmp_path):
    """No status in the file: counted as built (as hp.coverage counts it), said so, kept so."""
    path = _lattice(tmp_path)
    rows = (tmp_path / "stations.csv").read_text("utf-8").splitlines()
    cut = [",".join(r.split(",")[:2] + r.split(",")[3:]) for r in rows]  # drop the status
    (tmp_path / "stations.csv").write_text("\n".join(cut) + "\n", encoding="utf-8")
    session = load_session(path, out_dir=tmp_path / "plan", progress=False)
    plan = session.plan
    assert {s.status for s in plan.stations.values()} == {""}
    f = plan.figures()
    assert f["status_given"] is False
    assert f["coverage_built_pct"] == f["coverage_pct"]  # every station counts as built
    _offline_equal(session)
    got = read_stations(session.save_stations()[0], crs="wgs84").stations
    assert got["status"].isna().all()  # still no status
    plan.update("S0", status="proposed")
    assert plan.figures()["status_given"] is True
    assert plan.figures()["stations_without_status"] == 1  # S1: the page says so
    _offline_equal(session)
    plan.update("S0", status="")
    assert plan.figures()["status_given"] is False
    _offline_equal(session)


def test_an_edit_that_changes_nothing_is_no_undo_step(served):
    session, c = served
    plan = session.plan
    s1 = plan.stations["S1"]
    steps = len(plan.undo_stack)
    for body in ({"status": s1.status}, {"lon": s1.lon, "lat": s1.lat}, {}):
        assert c.patch("/api/stations/S1", headers=H, json=body).status_code == 200
    plan.add_many([])
    assert len(plan.undo_stack) == steps
    order = list(plan.stations)
    plan.update(order[0], status="building")
    plan.undo()
    assert list(plan.stations) == order  # an edit undone leaves the order (and saved rows) as was
    assert c.patch("/api/stations/S1", headers=H, json={"status": "closed"}).status_code == 200
    assert len(plan.undo_stack) == steps + 1


def test_export_names_the_plan_it_measured(served):
    """run.json's stations are the page's plan (saved beside), not the file first loaded."""
    session, c = served
    s0 = session.plan.stations["S0"]
    c.post("/api/stations", headers=H, json={"lon": s0.lon + 0.003, "lat": s0.lat})
    files = session.export()
    folder = files[0].parent
    manifest = json.loads((folder / "run.json").read_text("utf-8"))
    stations = manifest["parameters"]["stations"]
    saved = session.out_dir / "plan_stations.csv"
    assert Path(stations["file"]) == saved and stations["crs"] == "wgs84"
    assert stations["status"] == ["existing", "building", "proposed", "candidate"]
    assert "serve" in manifest["stations_source"]
    again = hp.coverage(session.network, read_stations(saved, crs="wgs84").stations,
                        session.demand, minutes=session.scenario.coverage.minutes,
                        max_dist_m=session.scenario.stations.max_dist_m)  # fmt: skip
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["coverage"]["coverage_pct"] == again.summary["coverage_pct"]
    assert summary["coverage"]["coverage_pct"] == session.plan.figures()["coverage_pct"]
    from harbor_planner._io import file_sha256

    assert manifest["stations_sha256"] == file_sha256(saved)
    # an export that fails saves nothing: the folder's run.json still names the file it measured
    (folder / "map.html").write_text("the planner's notes", "utf-8")  # refuses the next export
    c.post("/api/stations", headers=H, json={"lon": s0.lon + 0.004, "lat": s0.lat})
    assert c.post("/api/export", headers=H).status_code == 409
    assert file_sha256(saved) == manifest["stations_sha256"]


def test_candidate_stations_count_on_the_page_and_in_the_export_run_alike(served):
    """Probe 18S: the page counts every status but closed, candidates too, but the export's
    run.json gave no status, whose default leaves candidates out: its parameters measured
    another plan (53.7 % against the page's 58.9 %). A station can be made a candidate on the
    page, and a run of run.json's parameters reads the page's stations."""
    from harbor_planner.pipeline import load_stations
    from harbor_planner.scenario import scenario_from_dict

    session, c = served
    r = c.patch("/api/station?id=S1", headers=H, json={"status": "candidate"})
    assert r.status_code == 200, r.text
    page = session.plan.figures()
    folder = session.export()[0].parent
    manifest = json.loads((folder / "run.json").read_text("utf-8"))
    again = scenario_from_dict(manifest["parameters"], base_dir=folder)
    stations, _ = load_stations(again)
    assert sorted(stations["status"]) == ["candidate", "existing"]
    minutes, max_dist_m = again.coverage.minutes, again.stations.max_dist_m
    res = hp.coverage(session.network, stations, session.demand, minutes=minutes,
                      max_dist_m=max_dist_m)  # fmt: skip
    assert res.summary["coverage_pct"] == page["coverage_pct"]
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["coverage"]["coverage_pct"] == page["coverage_pct"]


def test_cli_serve_help_and_options():
    from harbor_planner.cli import main

    with pytest.raises(SystemExit) as e:
        main(["serve", "x.toml", "--lang", "fr"])
    assert e.value.code == 2


# ----------------------------------------------------------------------------- slow: demo


@pytest.fixture(scope="module")
def demo_session(tmp_path_factory):
    from harbor_planner.scenario import demo_scenario_path

    out = tmp_path_factory.mktemp("demo_plan")
    return load_session(demo_scenario_path(), out_dir=out, progress=False)


@pytest.mark.slow
def test_demo_random_edits_equal_offline(demo_session):
    plan = demo_session.plan
    rng = np.random.default_rng(3)
    ll = plan.demand_lonlat
    ids = []
    for k in range(12):
        lon, lat = ll[rng.integers(len(ll))] + rng.normal(0, 0.001, 2)
        ids.append(plan.add(lon, lat).station_id)
        if k % 3 == 2:
            plan.update(ids[-2], lon=lon + 0.003, lat=lat - 0.002)
    plan.update("SL001", status="closed")
    plan.delete(ids[4])
    plan.undo()
    plan.undo()
    plan.redo()
    _offline_equal(demo_session)
    files = demo_session.export()
    assert {"map.html", "report.html", "summary.json", "run.json"} <= {f.name for f in files}
    summary = json.loads((files[0].parent / "summary.json").read_text("utf-8"))
    assert summary["coverage"]["coverage_pct"] == plan.figures()["coverage_pct"]


@contextlib.contextmanager
def _listening(session):
    """The real server of ``session`` on 127.0.0.1 (a thread); yields its port, then stops it."""
    import socket
    import threading

    import uvicorn

    app = create_app(session, token=TOKEN)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "the server did not start"
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.slow
@contextlib.contextmanager
def _page(browser, session):  # noqa: F811
    """The real server on 127.0.0.1 with ``session``, and a Chromium page on it (loaded).

    Yields the page and the list of its script errors; stops both on leaving.
    """
    with _listening(session) as port, _browsing(browser, port) as found:
        yield found


@contextlib.contextmanager
def _browsing(browser, port: int):  # noqa: F811
    """A Chromium page on the server at ``port`` (loaded); yields it and its script errors."""
    context = None
    try:
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}")
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        yield page, errors
    finally:
        if context is not None:
            context.close()


def test_page_in_chromium(browser, tmp_path):  # noqa: F811
    """The real server on 127.0.0.1: click to add, drag, undo, save; figures = hp.coverage."""
    path = _lattice(tmp_path)
    session = load_session(path, out_dir=tmp_path / "plan", progress=False)
    with _page(browser, session) as (page, errors):
        first = page.inner_text("#coverage-pct")
        bold = "() => document.getElementById('save').style.fontWeight"
        assert page.evaluate(bold) == ""  # nothing to save yet
        # probe 24S: what the figures rest on, as the map's title says it
        assert (
            page.inner_text("#basis")
            == "从站点步行3分钟，4.5公里/小时；含台阶、扶梯（不计坡度）；需求：网格"
        )
        assert page.inner_text("#coverage-label").startswith("步行3分钟覆盖率（含在建")
        assert page.inner_text("#built-label") == "已建成站点覆盖"
        assert float(first) == session.plan.figures()["coverage_pct"]
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
        page.wait_for_function("n => document.querySelectorAll('.hp-st').length === n", arg=3)
        assert page.evaluate(bold) == "bold"  # probe 24S: edits not saved are shown
        _offline_equal(session)
        want = f"{session.plan.figures()['coverage_pct']:.2f}"
        page.wait_for_function(
            "w => document.getElementById('coverage-pct').textContent === w", arg=want
        )
        added = next(s for s in session.plan.stations if s.startswith("NEW"))
        before = session.plan.stations[added]
        pin = page.locator(".hp-st.sel").bounding_box()
        page.mouse.move(pin["x"] + 7, pin["y"] + 7)
        page.mouse.down()
        page.mouse.move(pin["x"] - 60, pin["y"] + 40, steps=8)
        page.mouse.up()
        for _ in range(100):
            if session.plan.stations[added].lon != before.lon:
                break
            time.sleep(0.05)
        with session.plan.lock:
            assert session.plan.stations[added].lon < before.lon
            _offline_equal(session)
        page.click("#undo")
        for _ in range(100):
            if session.plan.stations[added].lon == before.lon:
                break
            time.sleep(0.05)
        with session.plan.lock:  # the server thread may still be counting
            assert session.plan.stations[added] == before
            want = f"{session.plan.figures()['coverage_pct']:.2f}"
        page.wait_for_function(
            "w => document.getElementById('coverage-pct').textContent === w", arg=want
        )
        page.reload()  # probe 24R2: after a reload, Save left the button bold
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        assert page.evaluate(bold) == "bold"
        page.click("#save")
        page.wait_for_function("() => document.getElementById('message').className === 'ok'")
        assert page.evaluate(bold) == ""
        got = read_stations(session.out_dir / "plan_stations.csv", crs="wgs84").stations
        assert sorted(got["station_id"]) == sorted(session.plan.stations)
        row = got.set_index("station_id").loc[added]
        assert row.geometry.x == pytest.approx(before.lon, abs=1e-7)
        assert errors == []


def test_stale_figures_and_tabs_are_put_right_on_the_page(browser, tmp_path):  # noqa: F811
    """Probe 14Q: the optimiser's "could reach" figure stayed as if the plan had not been
    edited since the run started; a tab whose station another tab deleted kept showing it
    after a request about it failed."""
    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", progress=False)
    with _page(browser, session) as (page, errors):
        page.fill("#opt-n", "1")
        page.click("#opt-run")
        page.wait_for_function("() => document.getElementById('opt-accept').hidden === false")
        assert "完成，覆盖率可达" in page.inner_text("#opt-progress")
        assert "已改动" not in page.inner_text("#opt-progress")
        page.click("[data-station='S1']")
        page.select_option("#sel-status", "closed")  # the plan changes after the run
        page.wait_for_function(
            "() => document.getElementById('opt-progress').textContent.includes('已改动')"
        )
        other = page.context.new_page()  # a second tab deletes S0
        other.goto(page.url)
        other.wait_for_selector("body[data-ready='1']", timeout=15000)
        other.click("[data-station='S0']")
        other.click("#sel-delete")
        other.wait_for_function("() => !document.querySelector(\"[data-station='S0']\")")
        assert "S0" not in session.plan.stations
        # the first tab still shows it: selecting it asks for its isochrones, which fails
        page.click("[data-station='S0']")
        page.wait_for_function("() => !document.querySelector(\"[data-station='S0']\")")
        assert page.inner_text("#message")  # the failure is said, and the plan shown again
        # probe 15V: a run finished before another tab's edit kept its figure unmarked and
        # Accept went through without a word: the first click now says so, the second accepts
        page.fill("#opt-n", "1")
        page.click("#opt-run")
        page.wait_for_function("() => document.getElementById('opt-accept').hidden === false")
        assert "已改动" not in page.inner_text("#opt-progress")
        other.click("#undo")  # the other tab edits after the run finished
        other.wait_for_function("() => !!document.querySelector(\"[data-station='S0']\")")
        n = len(session.plan.stations)
        page.click("#opt-accept")
        page.wait_for_function(
            "() => document.getElementById('message').textContent.includes('再次点击')"
        )
        assert "已改动" in page.inner_text("#opt-progress") and len(session.plan.stations) == n
        page.click("#opt-accept")
        page.wait_for_function("() => document.getElementById('opt-accept').hidden === true")
        assert len(session.plan.stations) == n + 1
        assert errors == []


def test_a_station_clicked_off_the_streets_is_named_on_the_page(browser, tmp_path):  # noqa: F811
    """Probe 14Q: a station clicked beyond the snapping distance was counted without a word
    on the page (only the server's log said so): the page says how far it is, the counts
    line how many cover nothing, and its pin is marked."""
    import re

    import pyproj

    scenario = _lattice(tmp_path)
    text = scenario.read_text("utf-8")
    scenario.write_text(text.replace('crs = "wgs84"\n', 'crs = "wgs84"\nmax_dist_m = 30\n'))
    session = load_session(scenario, out_dir=tmp_path / "plan", progress=False)
    to_wgs84 = pyproj.Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    off = to_wgs84.transform(X0 + 350, Y0 + 350)  # amid four streets, 50 m from each
    with _page(browser, session) as (page, errors):
        assert page.locator(".hp-st.off").count() == 0
        # the map's pixels from the two stations' pins (Web Mercator: linear over 1 km)
        pins = {}
        for sid in ("S0", "S1"):
            b = page.locator(f"[data-station='{sid}']").bounding_box()
            st = session.plan.stations[sid]
            pins[sid] = (b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, st.lon, st.lat)
        (x0, y0, lon0, lat0), (x1, y1, lon1, lat1) = pins["S0"], pins["S1"]
        x = x0 + (off[0] - lon0) * (x1 - x0) / (lon1 - lon0)
        y = y0 + (off[1] - lat0) * (y1 - y0) / (lat1 - lat0)
        page.mouse.click(x, y)
        page.wait_for_function("() => document.querySelectorAll('.hp-st').length === 3")
        page.wait_for_function("() => document.querySelectorAll('.hp-st.off').length === 1")
        msg = page.inner_text("#message")
        m = re.fullmatch(
            r"站点(NEW\S*)离最近的可步行道路([\d.]+)米（超过30米）：步行覆盖不到任何需求", msg
        )
        assert m, msg
        assert 45 <= float(m.group(2)) <= 55 and m.group(1) in session.plan.stations
        assert "（1个离可步行道路超过30米，不覆盖任何需求）" in page.inner_text("#counts")
        assert session.plan.figures()["stations_on_network"] == 2
        page.click("#undo")  # probe 15V: the message stayed, naming a station no longer there
        page.wait_for_function("() => document.querySelectorAll('.hp-st').length === 2")
        page.wait_for_function("() => document.getElementById('message').textContent === ''")
        assert "不覆盖任何需求" not in page.inner_text("#counts")
        assert errors == []


def test_a_failed_save_changes_nothing_and_the_next_save_works(served, monkeypatch):
    """The GeoPackage failing (a full disk) leaves the CSV as it was: the next save is not
    refused as a foreign file (probe 13A: half a save, then every save refused)."""
    import harbor_planner._stable as stable

    session, c = served
    assert c.post("/api/save", headers=H).status_code == 200
    csv = session.out_dir / "plan_stations.csv"
    before = csv.read_bytes()
    c.post("/api/stations", headers=H, json={"lon": session.plan.stations["S0"].lon + 0.001,
                                             "lat": session.plan.stations["S0"].lat})  # fmt: skip

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(stable, "write_gpkg_layer", full)
        r = c.post("/api/save", headers=H)
    assert r.status_code == 409 and "nothing was changed" in r.json()["error"]
    assert csv.read_bytes() == before
    assert not [p for p in session.out_dir.iterdir() if p.name.startswith(".")]
    assert c.post("/api/save", headers=H).status_code == 200
    assert csv.read_bytes() != before


def test_any_station_id_can_be_edited_from_the_page(tmp_path):
    """Ids with '/' or made of dots (YZ/001, ..): the page sends them in the query (probe 13C:
    404 for every edit; a browser folds '..' out of a path)."""
    path = _lattice(tmp_path)
    rows = (tmp_path / "stations.csv").read_text("utf-8").splitlines()
    odd = ["YZ/001", "..", ".", "a?b=1#c"]
    point = rows[1].split(",", 2)[2]  # status,lon,lat of S0
    body = [f'"{sid}",站{i},{point}' for i, sid in enumerate(odd)]
    (tmp_path / "stations.csv").write_text("\n".join([rows[0], *body]) + "\n", "utf-8")
    session = load_session(path, out_dir=tmp_path / "plan", progress=False)
    c = TestClient(create_app(session, token=TOKEN), raise_server_exceptions=False)
    plan = session.plan
    assert sorted(plan.stations) == sorted(odd)
    for sid in odd:
        assert c.get("/api/isochrones", params={"id": sid}, headers=H).status_code == 200, sid
        r = c.patch("/api/station", params={"id": sid}, headers=H, json={"status": "building"})
        assert r.status_code == 200 and plan.stations[sid].status == "building", sid
        assert c.delete("/api/station", params={"id": sid}, headers=H).status_code == 200
        assert sid not in plan.stations
    r = c.patch("/api/station", params={"id": "nope"}, headers=H, json={"status": "building"})
    assert r.status_code == 404


def test_export_draws_only_the_stations_it_counts(served):
    """Stations closed on the page: no isochrones in the exported map layers (probe 13C: the
    service area of every loaded station beside the coverage of the open ones)."""
    import geopandas as gpd
    import pyogrio

    session, c = served
    assert c.patch("/api/station", params={"id": "S1"}, headers=H,
                   json={"status": "closed"}).status_code == 200  # fmt: skip
    folder = session.export()[0].parent
    layers = {str(r[0]) for r in pyogrio.list_layers(folder / "layers.gpkg")}
    assert "isochrones" in layers
    iso = gpd.read_file(folder / "layers.gpkg", layer="isochrones")
    assert set(iso["station_id"]) == {"S0"}


@pytest.mark.slow
def test_the_serve_command_listens_before_loading_and_names_a_taken_port(tmp_path):
    """Probe 14L: the URL was printed, the scenario loaded, then uvicorn's own bind error."""
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    path = _lattice(tmp_path)
    cmd = [sys.executable, "-m", "harbor_planner", "serve", str(path), "--out",
           str(tmp_path / "plan")]  # fmt: skip
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = subprocess.run([*cmd, "--port", str(port)], capture_output=True, text=True,
                              timeout=120)  # fmt: skip
    assert busy.returncode == 2 and busy.stdout == "", busy
    assert busy.stderr.strip().splitlines() == [busy.stderr.strip()]
    assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in busy.stderr
    p = subprocess.Popen([*cmd, "--port", str(port)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        url = p.stdout.readline().split("planning page: ")[1].strip()
        assert url.startswith(f"http://127.0.0.1:{port}/?token=")
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and b"<html" in page.read(2000).lower()
    finally:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=60)
    assert p.returncode in (0, 130)


def test_stations_without_ids_get_their_row_not_nan():
    """Probe 14Q: a row without an id became a station "nan" (two: serve refused to start)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from harbor_planner.serve.state import _from_frame

    frame = gpd.GeoDataFrame(
        {"station_id": ["A", None, np.nan], "row": [2, 3, 4]},
        geometry=shapely.points([[106.5, 29.5]] * 3), crs="EPSG:4326",
    )  # fmt: skip
    assert [s.station_id for s in _from_frame(frame)] == ["A", "row-3", "row-4"]


def test_serve_refuses_an_out_folder_under_a_file_and_a_foreign_host(tmp_path):
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    path = _lattice(tmp_path)
    (tmp_path / "afile").write_text("x", "utf-8")
    cmd = [sys.executable, "-m", "harbor_planner", "serve", str(path), "--port", port]
    under = subprocess.run([*cmd, "--out", str(tmp_path / "afile" / "plan")],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert under.returncode == 3 and "a file, not a folder" in under.stderr, under.stderr
    foreign = subprocess.run([*cmd, "--host", "192.0.2.1"],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert foreign.returncode == 2 and "--host 192.0.2.1: not an address" in foreign.stderr


def test_a_plan_serve_saved_reopens_without_the_datum_guard(tmp_path, capsys):
    """Probe 18S: a plan saved by serve (WGS-84, stations clicked beside buildings' doors,
    40-60 m from their streets) was refused by `run` and `serve` as "the stations mix datums"
    (6 of 45 fit the streets better shifted as bd09): serve wrote the file and knows its datum.
    The file once edited is checked again."""
    import pandas as pd

    from harbor_planner.cli import main
    from harbor_planner.scenario import demo_scenario_path

    rows = pd.read_csv(Path(__file__).parent / "data" / "stations" / "serve_plan_near_doors.csv",
                       encoding="utf-8-sig")  # fmt: skip
    session = load_session(demo_scenario_path(), out_dir=tmp_path / "plan", progress=False)
    new = rows[rows["station_id"].str.startswith("NEW")]
    session.plan.add_many(list(zip(new["lon"], new["lat"], new["name"], strict=True)))
    csv = session.save_stations()[0]
    run = ["-q", "--no-progress", "run", str(demo_scenario_path()), "--set",
           f"stations.file={csv}", "--set", "stations.crs=wgs84", "--set",
           "optimize.enabled=false", "--set", "coverage.range=false", "--set",
           "output.formats=[\"tables\"]"]  # fmt: skip
    code = main([*run, "--out", str(tmp_path / "a")])
    assert code == 0, capsys.readouterr().err
    # the same stations in a file serve did not write (or edited since): checked, refused
    text = csv.read_text("utf-8-sig").replace("NEW001", "MINE01")
    (tmp_path / "mine.csv").write_text(text, encoding="utf-8-sig")
    run[run.index(f"stations.file={csv}")] = f"stations.file={tmp_path / 'mine.csv'}"
    code = main([*run, "--out", str(tmp_path / "b")])
    assert code == 3 and "mix datums" in capsys.readouterr().err


def test_station_bodies_take_numbers_only_and_a_refused_add_takes_no_id(served):
    """Probe 18S: `lon: true` was read as 1.0 ("the point 1.000000 ... is outside"), "106.55"
    as a number; `status: null` was refused on adding (accepted on editing); a refused add
    used up an id (NEW002, NEW003 skipped)."""
    session, c = served
    s0 = session.plan.stations["S0"]
    for lon in (True, str(s0.lon)):
        r = c.post("/api/stations", headers=H, json={"lon": lon, "lat": s0.lat})
        assert r.status_code == 422 and "经度" in r.json()["error"], r.text
    r = c.patch("/api/station?id=S0", headers=H, json={"lat": str(s0.lat)})
    assert r.status_code == 422, r.text
    ids = []
    for status in (None, "x", "proposed"):
        r = c.post("/api/stations", headers=H,
                   json={"lon": s0.lon + 0.001, "lat": s0.lat, "status": status})  # fmt: skip
        if status == "x":
            assert r.status_code == 422
            continue
        assert r.status_code == 200, r.text
        ids.append(int(r.json()["station"]["id"].removeprefix("NEW")))
        assert r.json()["station"]["status"] == "proposed"
    assert ids[1] == ids[0] + 1  # the refused add between them took no id


def test_the_page_shows_the_title_as_the_map_does(tmp_path):
    """Probe 18S: /api/config gave the title raw (a right-to-left override, ESC)."""
    path = _lattice(tmp_path)
    text = path.read_text("utf-8").replace(
        'title = "lattice"', 'title = "a \\u202eRTL \\u001b[31mESC"'
    )
    path.write_text(text, encoding="utf-8")
    session = load_session(path, out_dir=tmp_path / "plan", progress=False)
    c = TestClient(create_app(session, token=TOKEN))
    assert c.get("/api/config", headers=H).json()["title"] == "a RTL ESC"


def _serve_process(scenario: Path, out: Path, **popen: Any) -> tuple[Any, int, str]:
    """``harbor-planner serve`` on a free port: the process, the port and the token."""
    import re
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([sys.executable, "-m", "harbor_planner", "serve", str(scenario),
                          "--port", str(port), "--out", str(out)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, **popen)  # fmt: skip
    line = p.stdout.readline()
    match = re.search(r"token=(\S+)", line)
    assert match, (line, p.stderr.read() if p.poll() is not None else "")
    return p, port, match.group(1)


@pytest.mark.slow
def test_a_second_ctrl_c_during_an_export_is_one_line(tmp_path):
    """Probe 18S (session 16's D12): two SIGINTs while an export ran printed about 100 lines of
    uvicorn's tracebacks (the signal re-raised inside the server's loop cancelled the request)
    before "interrupted"; now one line, exit 130."""
    import http.client
    import signal
    import threading
    import time

    from harbor_planner.scenario import demo_scenario_path

    p, port, token = _serve_process(demo_scenario_path(), tmp_path / "plan")
    seen: dict[str, Any] = {}

    def export() -> None:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.request("POST", "/api/export", headers={"X-Token": token})
            seen["status"] = c.getresponse().status
        except OSError as exc:  # the server stopped first
            seen["status"] = repr(exc)

    t = threading.Thread(target=export)
    t.start()
    time.sleep(0.8)
    p.send_signal(signal.SIGINT)
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    t.join(timeout=120)
    lines = [line for line in err.splitlines() if not line.startswith(("INFO", "WARNING"))]
    assert p.returncode == 130, err
    assert lines == ["harbor-planner: interrupted (SIGINT)"], err
    assert "Traceback" not in err


@pytest.mark.slow
def test_serve_started_ignoring_sigint_keeps_ignoring_it(tmp_path):
    """Probe 18S: serve started with SIGINT ignored (`cmd &` in a script) stopped on
    `kill -INT` silently with exit 0 (uvicorn handled the signal, then raised it ignored)."""
    import signal
    import time
    import urllib.request

    def ignore() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    p, port, token = _serve_process(_lattice(tmp_path), tmp_path / "plan", preexec_fn=ignore)
    url = f"http://127.0.0.1:{port}/api/config?token={token}"
    try:
        with urllib.request.urlopen(url, timeout=30) as r:  # the server is up
            assert r.status == 200
        p.send_signal(signal.SIGINT)
        time.sleep(1.0)
        assert p.poll() is None  # still serving
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.status == 200
    finally:
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and err.strip().endswith("terminated (SIGTERM)"), err


def test_a_save_keeps_the_station_files_own_columns(tmp_path):
    """Probe 19Z: saving a register opened in serve wrote station_id, name, status and the
    coordinates alone: its 统一编号, 最美渝工港湾 flag and address were lost, even unedited."""
    import pandas as pd

    path = _lattice(tmp_path)
    rows = (tmp_path / "stations.csv").read_text("utf-8").splitlines()
    rows[0] += ",统一编号,最美渝工港湾,地址"
    rows[1] += ",500103-0001,是,民族路 1 号"
    rows[2] += ",500103-0002,否,"
    (tmp_path / "stations.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    session = load_session(path, out_dir=tmp_path / "plan", progress=False)
    c = TestClient(create_app(session, token=TOKEN))
    s0 = session.plan.stations["S0"]
    new = c.post("/api/stations", headers=H, json={"lon": s0.lon + 0.002, "lat": s0.lat})
    new_id = new.json()["station"]["id"] if "station" in new.json() else None
    assert c.post("/api/save", headers=H).status_code == 200
    got = read_stations(tmp_path / "plan" / "plan_stations.csv", crs="wgs84").stations
    got = got.set_index("station_id")
    assert got.loc["S0", "统一编号"] == "500103-0001" and got.loc["S1", "统一编号"] == "500103-0002"
    assert bool(got.loc["S0", "flagship"]) and not bool(got.loc["S1", "flagship"])
    assert got.loc["S0", "address"] == "民族路 1 号"
    others = [i for i in got.index if i not in ("S0", "S1")]
    assert len(others) == 1 and (new_id is None or others == [new_id])
    assert pd.isna(got.loc[others[0], "统一编号"])  # added on the page: none of its own


def test_a_layers_own_coordinate_columns_are_not_saved_beside_the_plans(tmp_path):
    """Probe 19R: a GeoPackage station file with 经度/纬度 attributes was saved with those and
    the plan's lon/lat: read back, the old 经度/纬度 came first and a moved station jumped back."""
    import geopandas as gpd
    import pandas as pd

    path = _lattice(tmp_path)
    table = pd.read_csv(tmp_path / "stations.csv")
    layer = gpd.GeoDataFrame(
        table.assign(经度=table["lon"], 纬度=table["lat"]),
        geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326",
    )  # fmt: skip
    layer.to_file(tmp_path / "stations.gpkg", layer="stations")
    text = path.read_text("utf-8").replace('file = "stations.csv"', 'file = "stations.gpkg"')
    path.write_text(text, encoding="utf-8")
    session = load_session(path, out_dir=tmp_path / "plan", progress=False)
    c = TestClient(create_app(session, token=TOKEN))
    s0 = session.plan.stations["S0"]
    moved = {"lon": s0.lon + 0.001, "lat": s0.lat}
    assert c.patch("/api/stations/S0", headers=H, json=moved).status_code == 200
    assert c.post("/api/save", headers=H).status_code == 200
    saved = tmp_path / "plan" / "plan_stations.csv"
    assert "经度" not in pd.read_csv(saved, encoding="utf-8-sig").columns
    got = read_stations(saved, crs="wgs84").stations.set_index("station_id")
    assert got.loc["S0"].geometry.x == pytest.approx(moved["lon"], abs=1e-7)


@pytest.mark.slow
def test_edits_not_saved_are_kept_when_serve_stops(tmp_path):
    """Probe 24S: Ctrl-C (or SIGTERM) threw away every edit since the last save with only
    "interrupted"; they are written beside the saved plan, which stays as it was, and said."""
    import http.client
    import signal

    import pandas as pd
    import pyproj

    path = _lattice(tmp_path)
    to_wgs84 = pyproj.Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(X0 + 300, Y0 + 300)
    for sig, save_after in ((signal.SIGINT, False), (signal.SIGTERM, True)):
        out = tmp_path / f"plan-{sig.name}"
        p, port, token = _serve_process(path, out)
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for url, body in (("/api/save", b""),
                              ("/api/stations", json.dumps({"lon": lon, "lat": lat}).encode()),
                              *([("/api/save", b"")] if save_after else [])):  # fmt: skip
                c.request(
                    "POST",
                    url,
                    body=body,
                    headers={"X-Token": token, "Content-Type": "application/json"},
                )
                r = c.getresponse()
                assert r.status == 200, r.read()
                r.read()
            c.close()
        finally:
            p.send_signal(sig)
            stdout, _ = p.communicate(timeout=60)
        saved = pd.read_csv(out / "plan_stations.csv", encoding="utf-8-sig")
        unsaved = out / "plan_stations.unsaved.csv"
        if save_after:  # nothing left unsaved: no file, no line
            assert not unsaved.exists() and "not saved" not in stdout
            assert len(saved) == 3
            continue
        assert f"edits not saved were written to {unsaved}" in stdout, stdout
        assert len(saved) == 2  # the saved plan as the planner left it
        again = read_stations(unsaved, crs="wgs84")
        assert again.ok and len(again.stations) == 3
        # probe 24R2: started again, serve goes on from them (said), saving them removes
        # the file, and the next stop writes nothing
        p, port, token = _serve_process(path, out)
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("GET", "/api/state", headers={"X-Token": token})
            state = json.loads(c.getresponse().read())
            assert len(state["stations"]) == 3 and state["saved_version"] == -1
            c.request("POST", "/api/save", headers={"X-Token": token})
            assert c.getresponse().read() and not unsaved.exists()
            c.close()
        finally:
            p.send_signal(signal.SIGINT)
            stdout, stderr = p.communicate(timeout=60)
        assert "going on from the edits not saved" in stderr and "not saved" not in stdout
        assert len(pd.read_csv(out / "plan_stations.csv", encoding="utf-8-sig")) == 3


def test_serve_warns_of_a_title_naming_other_minutes(tmp_path, caplog):
    """Probe 24S: serve showed a scenario titled "15 分钟" over 3-minute figures without the
    warning run gives."""
    path = _lattice(tmp_path)
    text = path.read_text(encoding="utf-8").replace('title = "lattice"', 'title = "15 分钟圈"')
    path.write_text(text, encoding="utf-8")
    with caplog.at_level("WARNING", logger="harbor_planner"):
        load_session(path, out_dir=tmp_path / "plan", progress=False)
    assert "the scenario's title says 15 minutes but coverage.minutes is 3" in caplog.text


def test_undo_from_a_tab_showing_an_older_plan_undoes_nothing(served):
    """Probe 24S: Undo in one tab silently undid another tab's later edit, and that tab
    went on showing the plan with it; undo and redo act only on the plan the page shows."""
    session, c = served
    plan = session.plan
    s0 = plan.stations["S0"]
    seen = c.get("/api/state", headers=H).json()["version"]  # tab B's view
    c.post("/api/stations", headers=H, json={"lon": s0.lon + 1e-4, "lat": s0.lat})  # tab A
    n = len(plan.stations)
    r = c.post(f"/api/undo?version={seen}", headers=H).json()
    assert r["done"] is False and len(plan.stations) == n and r["version"] == seen + 1
    assert c.post(f"/api/undo?version={r['version']}", headers=H).json()["done"] is True
    assert len(plan.stations) == n - 1
    assert c.post(f"/api/redo?version={seen}", headers=H).json()["done"] is False
    assert c.post("/api/redo", headers=H).json()["done"] is True  # no version: as before


def test_undo_on_a_page_behind_another_tab_says_so(browser, tmp_path):  # noqa: F811
    """Probe 24S: Undo in one tab undid another tab's later edit without a word; the page
    now shows the newer plan, says why nothing was undone, and the next click undoes."""
    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", progress=False)
    with _page(browser, session) as (page, errors):
        box = page.locator("#map").bounding_box()  # this page's own edit: Undo enabled
        page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
        page.wait_for_function("n => document.querySelectorAll('.hp-st').length === n", arg=3)
        s0 = session.plan.stations["S0"]
        session.plan.add(s0.lon + 1e-4, s0.lat)  # another tab's edit, after this page's
        n = len(session.plan.stations)
        other = max(s for s in session.plan.stations if s.startswith("NEW"))  # the last added
        page.click("#undo")
        page.wait_for_function(
            "() => document.getElementById('message').textContent.includes('另一窗口已改动方案')"
        )
        # probe 25R3: and what the next click undoes (the other tab's edit)
        assert page.inner_text("#message").endswith(f"：再点一次将撤销添加站点 {other}")
        assert len(session.plan.stations) == n
        page.wait_for_function("n => document.querySelectorAll('.hp-st').length === n", arg=n)
        page.click("#undo")
        page.wait_for_function("n => document.querySelectorAll('.hp-st').length === n", arg=n - 1)
        assert len(session.plan.stations) == n - 1 and errors == []


def test_the_plan_names_what_the_next_undo_and_redo_act_on(served):
    """Probe 25R3: a refused Undo said "click again to act on the latest plan", not which
    step the next click reverts; the state names it (the page words it)."""
    session, c = served
    s0 = session.plan.stations["S0"]
    assert c.get("/api/state", headers=H).json()["undo_next"] is None
    added = c.post("/api/stations", headers=H, json={"lon": s0.lon + 1e-4, "lat": s0.lat,
                                                    "name": "新站"}).json()  # fmt: skip
    sid = added["station"]["id"]
    assert added["undo_next"] == {"kind": "add", "stations": [f"{sid} 新站"], "n": 1}
    c.patch("/api/station?id=S0", headers=H, json={"status": "closed"})
    assert c.get("/api/state", headers=H).json()["undo_next"] == {
        "kind": "edit", "stations": ["S0 站0"], "n": 1
    }  # fmt: skip
    undone = c.post("/api/undo", headers=H).json()
    assert undone["redo_next"] == {"kind": "edit", "stations": ["S0 站0"], "n": 1}
    assert undone["undo_next"]["kind"] == "add"
    c.post("/api/undo", headers=H)
    c.delete("/api/station?id=S1", headers=H)
    assert c.get("/api/state", headers=H).json()["undo_next"] == {
        "kind": "delete", "stations": ["S1 站1"], "n": 1
    }  # fmt: skip


def test_undo_clicked_while_the_pages_own_edit_is_in_flight_undoes_that_edit(browser, tmp_path):  # noqa: F811
    """Probe 25R3: Undo clicked while the page's own add was still on its way was sent with
    the version before it, refused as "another window changed the plan", and the message
    cleared when the add landed: the click did nothing, without a word. It now waits."""
    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", progress=False)
    s0 = session.plan.stations["S0"]
    session.plan.add(s0.lon + 1e-4, s0.lat)  # an earlier edit: Undo is enabled
    before, version = dict(session.plan.stations), session.plan.version
    with _page(browser, session) as (page, errors):
        page.evaluate(
            """() => { const f = window.fetch; window.fetch = (u, o) => f(u, o).then(r =>
            String(u).includes('/api/stations') ? new Promise(ok => setTimeout(() => ok(r), 3000))
            : r); }"""
        )  # the add's answer is slow (a slow network, a big network's search)
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
        for _ in range(100):  # the add reached the server; its answer is on its way
            if session.plan.version == version + 1:
                break
            time.sleep(0.05)
        page.click("#undo")
        shown = page.evaluate("() => document.querySelectorAll('.hp-st').length")
        assert shown == len(before)  # the Undo waits for the add's answer: nothing shown yet
        for _ in range(300):  # then the Undo is sent: two steps
            if session.plan.version == version + 2:
                break
            time.sleep(0.05)
        assert session.plan.version == version + 2, page.inner_text("#message")
        assert session.plan.stations == before  # the page's own add undone, no other
        page.wait_for_function(
            "n => document.querySelectorAll('.hp-st').length === n", arg=len(before)
        )
        # no refusal, nor a failure of the added station's isochrones (it was undone)
        assert page.inner_text("#message") == "" and errors == []


def test_a_tab_showing_the_plan_another_tab_saved_is_not_marked_unsaved(browser, tmp_path):  # noqa: F811
    """Probe 25R3: after tab A saved, tab B showing the same plan stayed bold and its reload
    asked whether to leave edits not saved."""
    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", progress=False)
    s0 = session.plan.stations["S0"]
    session.plan.add(s0.lon + 1e-4, s0.lat)  # edits not saved
    bold = "() => document.getElementById('save').style.fontWeight"
    with _page(browser, session) as (page, errors):
        other = page.context.new_page()
        asked: list[str] = []
        other.on("dialog", lambda d: (asked.append(d.type), d.accept()))
        other.goto(page.url)
        other.wait_for_selector("body[data-ready='1']", timeout=15000)
        assert page.evaluate(bold) == other.evaluate(bold) == "bold"
        page.click("#save")
        page.wait_for_function("() => document.getElementById('message').className === 'ok'")
        other.wait_for_function(f"() => ({bold})() === ''", timeout=5000)
        other.reload()
        other.wait_for_selector("body[data-ready='1']", timeout=15000)
        assert asked == [] and other.evaluate(bold) == "" and errors == []
        # a later edit is marked not saved on a reload as before
        session.plan.add(s0.lon + 2e-4, s0.lat)
        other.reload()
        other.wait_for_selector("body[data-ready='1']", timeout=15000)
        assert other.evaluate(bold) == "bold"


# ----------------------------------------------------------------------------- languages


def _ask(port: int, method: str, path: str, body: Any = None, headers: Any = None) -> Any:
    """A request to the real server: (status, JSON answer)."""
    import http.client

    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body))
        heads = {**(H if headers is None else headers), "Content-Type": "application/json"}
        c.request(method, path, body=data, headers=heads)
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        c.close()


def _ascii_words(text: str, allowed: tuple[str, ...]) -> list[str]:
    """The ASCII words of ``text`` once the ids, names and paths ``allowed`` are taken out."""
    import re

    for a in sorted(allowed, key=len, reverse=True):
        text = text.replace(a, " ")
    return re.findall(r"[A-Za-z]{2,}", text)


def _cjk(text: str) -> bool:
    import re

    return re.search(r"[\u4e00-\u9fff]", text) is not None


NAMES = ("harbor-planner serve", "--out", "WGS-84", "SERVE_MAX_STATIONS", "JSON")
#: (what, method, path, body, status, kind, Chinese words, English words, ids and names said)
REFUSALS = [
    ("far off the network", "POST", "/api/stations", {"lon": 106.0, "lat": 30.5}, 422, "input",
     "点 106.000000, 30.500000 在步行路网的范围之外", "is outside the walk network's extent", ()),
    ("moved far off", "PATCH", "/api/station?id=S0", {"lon": 106.0, "lat": 30.5}, 422, "input",
     "在步行路网的范围之外", "the point 106.000000, 30.500000 is outside", ()),
    ("longitude too large", "POST", "/api/stations", {"lon": 1e308, "lat": 29.5}, 422, "invalid",
     "经度：不能大于 180", "lon: Input should be less than or equal to 180", ()),
    ("longitude as text", "POST", "/api/stations", {"lon": "106.5", "lat": 29.5}, 422,
     "invalid", "经度：必须是数字", "lon: Input should be a valid number", ()),
    ("latitude missing", "POST", "/api/stations", {"lon": 106.5}, 422, "invalid",
     "纬度：缺少此项", "lat: Field required", ()),
    ("latitude true", "PATCH", "/api/station?id=S0", {"lat": True}, 422, "invalid",
     "纬度：必须是数字", "lat: Input should be a valid number", ()),
    ("field unknown", "POST", "/api/stations", {"lon": 106.5, "lat": 29.5, "height": 3}, 422,
     "invalid", "height：不是可用的字段", "height: Extra inputs are not permitted", ("height",)),
    ("status unknown", "PATCH", "/api/station?id=S0", {"status": "demolished"}, 422, "input",
     "未知的状态 'demolished'：请用 已建成、在建、拟建、候选、已退出 之一",
     "unknown status 'demolished'; use one of existing, building", ("demolished",)),
    ("name too long", "PATCH", "/api/station?id=S0", {"name": "n" * 201}, 422, "invalid",
     "名称：不能超过 200 个字符", "name: String should have at most 200 characters", ()),
    ("station unknown", "PATCH", "/api/station?id=NOPE", {"status": "closed"}, 404,
     "unknown_id", "没有编号为 NOPE 的站点或记录", "unknown id NOPE", ("NOPE",)),
    ("deleting one unknown", "DELETE", "/api/stations/NOPE", None, 404, "unknown_id",
     "没有编号为 NOPE 的站点或记录", "unknown id NOPE", ("NOPE",)),
    ("isochrones of one unknown", "GET", "/api/isochrones?id=NOPE", None, 404, "unknown_id",
     "没有编号为 NOPE 的站点或记录", "unknown id NOPE", ("NOPE",)),
    ("solver unknown", "POST", "/api/optimize", {"n_sites": 2, "solver": "simplex"}, 422,
     "input", "未知的求解器 'simplex'：请用 greedy（贪心算法）、exact（精确求解（HiGHS））",
     "unknown solver 'simplex'; use greedy, exact", ("simplex", "greedy", "exact", "HiGHS")),
    ("too many sites", "POST", "/api/optimize", {"n_sites": 10**6}, 422, "invalid",
     "新增站点数：不能大于 500", "n_sites: Input should be less than or equal to 500", ()),
    ("run unknown", "GET", "/api/optimize/nojob", None, 404, "unknown_id",
     "没有编号为 nojob 的站点或记录", "unknown id nojob", ("nojob",)),
    ("version not a number", "POST", "/api/undo?version=abc", None, 422, "invalid",
     "版本号：必须是整数", "version: Input should be a valid integer", ()),
    ("no such address", "GET", "/api/nothing", None, 404, "http", "没有这个地址", "not found", ()),
    ("wrong method", "GET", "/api/save", None, 405, "http", "请求无法处理（405）",
     "Method Not Allowed", ()),
    ("not JSON", "POST", "/api/stations", b"{lon: 1", 422, "invalid", "不是有效的 JSON",
     "JSON decode error", ()),
    ("body too large", "POST", "/api/stations", b"x" * 70_000, 413, "http",
     "请求内容超过 65536 字节", "request body larger than 65536 bytes", ()),
]  # fmt: skip


def _says(answer: tuple[int, Any], lang: str, status: int, kind: str, zh: str, en: str,
          allowed: tuple[str, ...] = ()) -> None:  # fmt: skip
    """The answer is ``status`` and ``kind``, its message wholly in ``lang``."""
    got, body = answer
    text = body.get("error", "")
    assert (got, body.get("kind")) == (status, kind), (lang, answer)
    if lang == "zh":  # Chinese: no English word beyond the ids, names and values it quotes
        assert zh in text and _cjk(text), text
        assert _ascii_words(text, (*allowed, *NAMES)) == [], text
    else:
        assert en in text and not _cjk(text), text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_refused_edit_is_said_in_the_pages_language(tmp_path, lang):
    """Probe 26C: the Chinese page said "无法执行：the point ... is outside the walk
    network's extent" (the server's English after the page's lead): every refusal of the
    real server is in the page's language, Chinese with no English word but the ids."""
    from harbor_planner.serve.session import OptimizeJob

    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", lang=lang,
                           progress=False)  # fmt: skip
    s0 = session.plan.stations["S0"]
    near = {"lon": s0.lon + 0.001, "lat": s0.lat}
    with _listening(session) as port:
        for what, method, path, body, *said in REFUSALS:
            answer = _ask(port, method, path, body)
            assert answer[0] == said[0], (what, answer)
            _says(answer, lang, *said)
        _says(_ask(port, "GET", "/api/state", headers={}), lang, 401, "http",
              "缺少访问令牌", "token required", ())  # fmt: skip
        _says(_ask(port, "GET", "/api/state", headers={"X-Token": "old"}), lang, 403, "http",
              "访问令牌不对", "wrong token: open the address", ())  # fmt: skip
        session.plan.max_stations = 2  # a plan as full as allowed
        _says(_ask(port, "POST", "/api/stations", near), lang, 422, "input",
              "方案已有 2 个站点，达到上限", "the plan holds 2 stations, the most")  # fmt: skip
        session.plan.max_stations = 5000
        session.jobs["busy"] = OptimizeJob("busy", 1, "greedy")  # a run under way
        _says(_ask(port, "POST", "/api/optimize", {"n_sites": 1}), lang, 409, "refused",
              "优化选址正在运行", "already in progress")  # fmt: skip
        _says(_ask(port, "POST", "/api/optimize/busy/accept", {"site_ids": []}), lang, 409,
              "refused", "这次优化选址尚未完成", "has not finished")  # fmt: skip
        session.out_dir.mkdir()
        (session.out_dir / "plan_stations.csv").write_text("mine", encoding="utf-8")
        _says(_ask(port, "POST", "/api/save"), lang, 409, "refused",
              "不是 harbor-planner serve 写的", "was not written by harbor-planner serve",
              (str(session.out_dir / "plan_stations.csv"),))  # fmt: skip
        assert len(session.plan.stations) == 2 and not session.plan.undo_stack


def test_the_page_comes_with_its_words_in_its_language(tmp_path):
    """The page's own words are given with the page, one table (serve/words.py) for both
    languages: every word the page uses is there, the Chinese ones in Chinese."""
    import re

    from harbor_planner.serve.words import page_words

    static = Path(hp.__file__).parent / "_static" / "serve"
    used = set(re.findall(r'data-t="(\w+)"', (static / "index.html").read_text("utf-8")))
    used |= set(re.findall(r"\bt\.(\w+)", (static / "app.js").read_text("utf-8")))
    used |= {
        "existing",
        "building",
        "proposed",
        "candidate",
        "closed",
        "none",
        "undoact",
        "redoact",
        "step_add",
        "step_delete",
        "step_edit",
    }  # t[...] built from codes
    zh, en = page_words("zh"), page_words("en")
    assert set(zh) == set(en) and used <= set(zh), used - set(zh)
    for key, text in zh.items():
        if isinstance(text, str):
            assert _ascii_words(re.sub(r"\{\w+\}", "", text), ()) == [], (key, text)
    assert zh["proposed"] == "拟建" and en["proposed"] == "proposed"  # settings' labels
    assert zh["solvers"]["greedy"] == "贪心算法" and zh["kinds"]["input"] == "无法执行："
    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", lang="en",
                           progress=False)  # fmt: skip
    page = TestClient(create_app(session, token=TOKEN)).get("/").text
    assert '<html lang="en">' in page
    block = re.search(r'<script id="hp-words" type="application/json">(.*?)</script>', page)
    assert block and json.loads(block.group(1)) == en


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_click_off_the_network_is_refused_in_the_pages_language(browser, tmp_path, lang):  # noqa: F811
    """Probe 26C in Chromium: the refusal of a click far off the network reads wholly in the
    page's language (the Chinese page led the server's English with 无法执行：), and so do
    the page's own words (the solvers' names too)."""
    import re

    session = load_session(_lattice(tmp_path), out_dir=tmp_path / "plan", lang=lang,
                           progress=False)  # fmt: skip
    with _page(browser, session) as (page, errors):
        assert page.evaluate("document.documentElement.lang") == lang
        box = page.locator("#map").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(2):  # zoomed out: the map's corner is kilometres off the streets
            page.mouse.wheel(0, 120)
            page.wait_for_timeout(500)
        page.mouse.click(box["x"] + 5, box["y"] + 5)
        page.wait_for_function("() => document.getElementById('message').textContent !== ''")
        msg = page.inner_text("#message")
        side = page.inner_text("#headline") + page.inner_text(".tools")
        side += page.inner_text("#optimise")
        if lang == "zh":
            assert re.fullmatch(r"无法执行：点 [\d.]+, [\d.]+ 在步行路网的范围之外：请把站点放在"
                                r"地图上的街道旁", msg), msg  # fmt: skip
            assert "贪心算法" in side and _ascii_words(side, ("HiGHS", "greedy", "exact")) == []
        else:
            assert re.fullmatch(r"the point [\d.]+, [\d.]+ is outside the walk network's extent; "
                                r"place stations on the map's streets", msg), msg  # fmt: skip
            assert "exact (HiGHS)" in side and not _cjk(side + msg), side
        assert len(session.plan.stations) == 2 and errors == []


def test_the_undo_limit_is_the_one_the_readme_states(served):
    """The plan keeps the last SERVE_UNDO_STEPS steps, and serve's README section says how
    many (probe 26C: it did not)."""
    import re

    from harbor_planner.settings import SERVE_UNDO_STEPS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = readme.split("## Planning page (serve)")[1].split("\n## ")[0]
    said = re.search(r"undo/redo \(the\s+last (\d+) steps, `settings.SERVE_UNDO_STEPS`", section)
    assert said and int(said.group(1)) == SERVE_UNDO_STEPS == 200
    session, c = served
    plan = session.plan
    for i in range(SERVE_UNDO_STEPS + 5):
        plan.update("S0", status="closed" if i % 2 == 0 else "existing")
    undone = 0
    while c.post("/api/undo", headers=H).json()["done"]:
        undone += 1
    assert undone == SERVE_UNDO_STEPS and plan.stations["S0"].status == "closed"

"""The Python API as an analyst scripts it (probe 17I).

* candidate stations (候选) passed to ``coverage`` were counted without a word, where the
  command line leaves them out: 34.29 % against the CLI's 33.72 % on the same file;
* numpy numbers in ``overrides=`` became text ("np.float64(4.0)") and were refused;
* ``run.json``'s ``parameters`` could not build the scenario again (its nulls refused);
* ``isochrones(minutes="15")`` gave bands of 1 and 5 minutes;
* ``coverage(districts="file")`` raised AttributeError.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

import harbor_planner as hp
from harbor_planner.scenario import demo_scenario_path, load_scenario, scenario_from_dict

DEMO = demo_scenario_path().parent
QUICK = {"optimize.enabled": False, "output.map_bands": [], "demand.spacing_m": 200}


@pytest.fixture(scope="module")
def demo():
    net = hp.build_network(DEMO / "yuzhong_walk.osm.bz2", progress=False)
    stations = hp.read_stations(DEMO / "stations.csv", crs="gcj02").stations
    demand = hp.demand_from_spec("main-streets", network=net, spacing_m=200)
    return net, stations, demand


def test_candidate_stations_are_counted_with_a_warning_unless_chosen(demo, caplog):
    net, stations, demand = demo
    with_candidate = stations.copy()
    with_candidate.loc[with_candidate.index[0], "status"] = "candidate"
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        counted = hp.coverage(net, with_candidate, demand, minutes=15)
    assert "1 candidate stations (候选) are counted" in caplog.text
    assert counted.summary["stations"] == len(stations)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        chosen = hp.select_status(with_candidate)  # as the command line: no candidates
    assert "1 candidate station(s) (候选) left out" in caplog.text  # said (probe 19Z)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        left = hp.coverage(net, chosen, demand, minutes=15)
    assert left.summary["stations"] == len(stations) - 1 and "candidate" not in caplog.text
    asked = hp.select_status(with_candidate, status=["existing", "building", "candidate"])
    with caplog.at_level(logging.WARNING, logger="harbor_planner"):
        hp.coverage(net, asked, demand, minutes=15)
    assert "candidate stations" not in caplog.text  # asked for: no warning


def test_numpy_numbers_are_overrides_like_any_number(tmp_path):
    sc = load_scenario(demo_scenario_path())
    for value in (np.float64(4.0), np.float32(4.0), np.int64(4)):
        got = sc.with_overrides({"network.walk_speed_kmh": value})
        assert got.network.walk_speed_kmh == 4.0
    got = sc.with_overrides({"output.map_bands": np.array([5, 10])})
    assert list(got.output.map_bands) == [5, 10]
    assert sc.with_overrides({"optimize.enabled": np.bool_(False)}).optimize.enabled is False


def test_run_json_parameters_build_the_same_scenario(tmp_path):
    result = hp.run(demo_scenario_path(), out=tmp_path / "o", overrides=QUICK, progress=False)
    parameters = json.loads((tmp_path / "o" / "run.json").read_text("utf-8"))["parameters"]
    assert any(v is None for section in parameters.values() if isinstance(section, dict)
               for v in section.values())  # fmt: skip
    again = scenario_from_dict(parameters)
    assert again.to_dict() == result.scenario.to_dict()


@pytest.mark.parametrize("minutes", ["15", ["5", "10"], [True, 5], None])
def test_isochrone_minutes_must_be_numbers(demo, minutes):
    net, stations, _ = demo
    with pytest.raises(hp.InputDataError, match="minutes must be positive numbers"):
        hp.isochrones(net, stations.head(2), minutes=minutes)


def test_coverage_takes_a_district_layer_by_its_file(demo, tmp_path):
    net, stations, demand = demo
    by_file = hp.coverage(net, stations, demand, minutes=15, districts=DEMO / "boundary.geojson")
    assert len(by_file.by_district)
    with pytest.raises(hp.InputDataError, match="the district layer: file not found"):
        hp.coverage(net, stations, demand, districts=tmp_path / "none.geojson")
    with pytest.raises(hp.InputDataError, match="districts must be a polygon layer"):
        hp.coverage(net, stations, demand, districts=5)


@pytest.mark.parametrize(
    ("override", "message"),
    [("optimize.min_cover=0", "optimize.min_cover must be a whole number from 1 to 100"),
     ('stations.crs="gcj03"', "stations.crs: ")],
)  # fmt: skip
def test_settings_are_checked_when_the_scenario_loads(override, message):
    """Probe 17I: ``min_cover = 0`` failed only after the coverage matrix was built, and a
    misspelled ``stations.crs`` only when the stations were read (without the key's name)."""
    with pytest.raises(hp.ScenarioError, match=message):
        load_scenario(demo_scenario_path(), overrides=[override])


def test_wrong_argument_types_are_the_packages_errors(demo, tmp_path):
    """Probe 17I's I9: TypeError/AttributeError/FileExistsError tracebacks."""
    from pathlib import Path

    for call in (lambda: hp.load_scenario(5), lambda: hp.run(None),
                 lambda: scenario_from_dict([1, 2])):  # fmt: skip
        with pytest.raises(hp.ScenarioError):
            call()
    with pytest.raises(hp.ScenarioError, match="overrides must be a dict"):
        load_scenario(demo_scenario_path(), overrides=5)
    parameters = load_scenario(demo_scenario_path()).to_dict()
    parameters["stations"]["file"] = Path(parameters["stations"]["file"])  # as overrides take
    assert scenario_from_dict(parameters).stations.file == Path(parameters["stations"]["file"])
    net, stations, demand = demo
    cov = hp.coverage(net, stations, demand, minutes=15)
    (tmp_path / "map.html").write_text("mine", "utf-8")
    with pytest.raises(hp.OutputError, match="out_dir names a file, not a folder; choose another"):
        hp.write_coverage(cov, tmp_path / "map.html")


def test_a_plain_frame_as_demand_is_described_as_points(diamond, pts):
    """Probe 23N: a GeoDataFrame given as demand put the text of its `DataFrame.info`
    method in summary["demand_info"] (the whole frame printed), and a `kind` column would
    have become the demand's kind."""
    import json

    import geopandas as gpd
    import shapely

    demand = gpd.GeoDataFrame(
        {"weight": [2.0, 3.0], "kind": ["住宅", "商业"]},
        geometry=shapely.points([[25.0, 4.0], [150.0, 2.0]]),
        crs="EPSG:32648",
    )
    cov = hp.coverage(diamond, pts((25, 3)), demand, minutes=5)
    summary = cov.summary
    assert summary["demand_kind"] == "points" and summary["demand_info"] == {}
    assert summary["demand_spec"] is None and summary["demand_unit"] == "weight"
    assert len(json.dumps(summary, ensure_ascii=False, default=str)) < 20_000

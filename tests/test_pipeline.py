def test_a_map_without_isochrones_above_its_station_limit_says_so(caplog):
    """Probe 24S: an export of 319 stations had no isochrone layers, said only at INFO."""
    from harbor_planner.pipeline.analysis import map_isochrones
    from harbor_planner.scenario import demo_scenario_path, load_scenario

    sc = load_scenario(demo_scenario_path(), overrides={"output.map_max_stations": 1})
    with caplog.at_level("WARNING", logger="harbor_planner"):
        assert map_isochrones(sc, None, [object(), object()]) == (None, None)
    assert "the isochrones and the service area are left out of the map" in caplog.text

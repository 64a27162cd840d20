"""Points exactly at an edge's end, on a one-way edge (probe 14J): the end is reached at once.

``frac * time`` with ``frac`` 0 and the edge's time ``inf`` that way (a one-way escalator) was
NaN, taken for unreachable: a station at the escalator's foot could not reach its own node.
And ``nan_to_num`` turned the unreached points' ``inf`` into 1.8e308 s (3e306 min), counted as
reached, as the median walk.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import harbor_planner as hp
from harbor_planner._arrays import along_s
from harbor_planner.optimize import coverage_matrix

DIAMOND = Path(__file__).parent / "data" / "network" / "diamond.geojson"


def _node(net, x, y):
    from conftest import DIAMOND_X0, DIAMOND_Y0

    d = np.hypot(net.node_xy[:, 0] - DIAMOND_X0 - x, net.node_xy[:, 1] - DIAMOND_Y0 - y)
    return int(np.argmin(d))


def _edge(net, a, b):
    u, v = net.edges["u"].to_numpy(), net.edges["v"].to_numpy()
    return int(np.flatnonzero(((u == a) & (v == b)) | ((u == b) & (v == a)))[0])


def _at(net, node, edge, prefix="S"):
    """A point at ``node`` placed on ``edge`` (its ``edge``/``edge_frac`` columns)."""
    frac = 0.0 if int(net.edges["u"].iloc[edge]) == node else 1.0
    return gpd.GeoDataFrame(
        {"station_id": [f"{prefix}0"], "site_id": [f"{prefix}0"], "edge": [edge],
         "edge_frac": [frac]},
        geometry=shapely.points(net.node_xy[[node]]), crs=net.crs,
    )  # fmt: skip


def _nodes_demand(net):
    return gpd.GeoDataFrame(
        {"weight": np.ones(net.n_nodes)}, geometry=shapely.points(net.node_xy), crs=net.crs
    )


def test_along_s_is_zero_for_no_share_of_a_one_way_edge():
    t = along_s([0.0, 0.5, 1.0, 0.0], [np.inf, np.inf, 10.0, 10.0])
    assert t.tolist() == [0.0, np.inf, 10.0, 0.0]


@pytest.mark.parametrize("direction", ["from-station", "to-station"])
def test_a_station_at_an_escalators_end_walks_as_from_its_node(diamond, direction):
    net = (
        diamond
        if direction == "from-station"
        else hp.build_network(DIAMOND, walk_direction="to-station", progress=False)
    )
    b, s, e = _node(net, 100, 0), _node(net, 50, 0), _node(net, 200, 0)
    escalator, street = _edge(net, b, e), _edge(net, s, b)
    demand = _nodes_demand(net)
    on_escalator = hp.coverage(net, _at(net, b, escalator), demand, minutes=15)
    on_street = hp.coverage(net, _at(net, b, street), demand, minutes=15)
    t_esc = on_escalator.demand["time_min"].to_numpy()
    t_street = on_street.demand["time_min"].to_numpy()
    np.testing.assert_allclose(t_esc, t_street, rtol=1e-12)
    assert t_esc[b] == 0.0 and np.isfinite(t_esc[s])
    m_esc = coverage_matrix(net, _at(net, b, escalator, "C"), demand, minutes=15)
    m_street = coverage_matrix(net, _at(net, b, street, "C"), demand, minutes=15)
    assert (m_esc.covers != m_street.covers).nnz == 0 and m_esc.covers.nnz > 1


def test_a_demand_point_at_an_escalators_end_is_reached_at_its_node(diamond):
    b, e = _node(diamond, 100, 0), _node(diamond, 200, 0)
    g = _node(diamond, -50, 50)
    escalator, bridge = _edge(diamond, b, e), _edge(diamond, e, g)
    station = _at(diamond, e, bridge)  # at E, on the bridge
    point = _at(diamond, e, escalator, "D").assign(weight=1.0)  # at E, on the escalator's end
    cov = hp.coverage(diamond, station, point, minutes=15)
    assert cov.demand["time_min"].iloc[0] == 0.0


def test_unreached_points_are_counted_unreachable_not_3e306_minutes(diamond):
    e, g = _node(diamond, 200, 0), _node(diamond, -50, 50)
    station = _at(diamond, e, _edge(diamond, e, g))  # E leads only over the bridge to G
    cov = hp.coverage(diamond, station, _nodes_demand(diamond), minutes=15)
    t = cov.demand["time_min"].to_numpy()
    assert np.isinf(t).sum() == diamond.n_nodes - 2 and (t[np.isfinite(t)] < 10).all()
    assert cov.summary["demand_unreachable"] == diamond.n_nodes - 2
    assert cov.summary["time_median_min"] is None and cov.summary["time_p90_min"] is None


def test_the_coverage_logs_show_the_published_figure(diamond, caplog):
    """Probe 14K: the log lines rounded the raw share (68.5) beside the headline's 68.6."""
    e, g = _node(diamond, 200, 0), _node(diamond, -50, 50)
    station = _at(diamond, e, _edge(diamond, e, g))
    with caplog.at_level("INFO"):
        cov = hp.coverage(diamond, station, _nodes_demand(diamond), minutes=15)
        coverage_matrix(diamond, _at(diamond, e, _edge(diamond, e, g), "C"),
                        _nodes_demand(diamond), minutes=15, existing=station)  # fmt: skip
    pct = cov.summary["coverage_pct"]
    assert pct == 25.0 and f"coverage: {pct:.2f} %" in caplog.text
    assert f"cover {pct:.2f} % of the demand" in caplog.text

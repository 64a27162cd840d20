"""Walk networks: build from OSM, GraphML or street centrelines, time, compile, save, snap.

The flow is ``osm``/``lines`` (read sources into ways) → ``_ways`` (split ways into edges in a
metric CRS) → ``elevation`` (DEM profiles) → ``walk`` (walking times) → ``compiled`` (arrays,
components, save/load) → ``snap`` (points to nodes and edges) → ``routing`` (points anchored on
edges, bounded searches, arrival times); ``build`` orchestrates it.
"""

from harbor_planner.network.build import build_network
from harbor_planner.network.compiled import WalkNetwork, load_network, save_network
from harbor_planner.network.routing import (
    Anchors,
    PointIndex,
    Reachability,
    anchor_points,
    anchors_for,
    arrival_times,
    index_points,
    limit_seconds,
    loop_links,
    pairs_within,
    reachability,
    reachability_chunks,
)
from harbor_planner.network.snap import SnapResult, snap_points
from harbor_planner.network.walk import WalkModel, edge_times, slope_time_factor, tobler_factor

__all__ = [
    "Anchors",
    "PointIndex",
    "Reachability",
    "SnapResult",
    "WalkModel",
    "WalkNetwork",
    "anchor_points",
    "anchors_for",
    "arrival_times",
    "build_network",
    "edge_times",
    "index_points",
    "limit_seconds",
    "load_network",
    "loop_links",
    "pairs_within",
    "reachability",
    "reachability_chunks",
    "save_network",
    "slope_time_factor",
    "snap_points",
    "tobler_factor",
]

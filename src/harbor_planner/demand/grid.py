"""Grid demand: the centres of square cells near the walk network, one per cell."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from harbor_planner._arrays import unique_ints
from harbor_planner._validate import check_positive
from harbor_planner.demand._common import (
    nearest_edges,
    points_frame,
    street_columns,
    to_wgs84_points,
)
from harbor_planner.demand.model import Demand, log_demand
from harbor_planner.errors import InputDataError
from harbor_planner.resources import check_memory, format_count, grid_demand_bytes
from harbor_planner.settings import SNAP_MAX_DIST_M

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["MAX_GRID_CELLS", "grid_demand"]

#: Grids with more cells than this (before keeping those near the network) are refused.
MAX_GRID_CELLS = 2_000_000


def grid_demand(network: WalkNetwork, *, cell_m: float, max_dist_m: float | None = None) -> Demand:
    """Square cells over the network area, one demand point per cell near a street.

    Cells of ``cell_m`` are aligned on multiples of ``cell_m`` in the network's metric CRS
    (so the same cell keeps its ``cell_id`` across runs) and cover the bounding box of the
    edges. A cell is kept when its centre lies within ``max_dist_m`` of an edge: cells in the
    river or inside large blocks with no walkable way are not demand anyone can walk to, and
    a cell whose centre lies farther from every street than coverage snaps demand
    (:data:`~harbor_planner.settings.SNAP_MAX_DIST_M`) could never be covered (probe 17F:
    27 of grid:200's 540 Yuzhong cells counted in the total, uncovered whatever is built).

    Parameters
    ----------
    network
        The walk network.
    cell_m
        Cell side in metres.
    max_dist_m
        Keep cells whose centre is within this distance of an edge; default ``cell_m``, at
        most :data:`~harbor_planner.settings.SNAP_MAX_DIST_M` (the snapping distance of the
        coverage: give it when the coverage snaps farther).

    Returns
    -------
    Demand
        Kind ``grid``, unit ``"cells"`` (weight 1 each); points at the cell centres, shapes
        = the cells; columns ``demand_id`` (= ``cell_id``), ``weight``, ``cell_id``.

    Raises
    ------
    InputDataError
        ``cell_m`` or ``max_dist_m`` not positive, more than :data:`MAX_GRID_CELLS` cells,
        or no cell near the network.

    """
    cell = check_positive("grid cell size (cell_m)", cell_m, unit="metres")
    dist = (
        min(cell, SNAP_MAX_DIST_M)
        if max_dist_m is None
        else check_positive("max_dist_m", max_dist_m, unit="metres")
    )
    geoms = network.edge_geometry
    if len(geoms) == 0:
        raise InputDataError("the walk network has no edges; a grid needs an area")
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    box_guess = ((xmax - xmin) / cell + 2.0) * ((ymax - ymin) / cell + 2.0)
    kept_guess = min(box_guess, 3.0 * float(network.edges["length_m"].sum()) / cell)
    check_memory(
        grid_demand_bytes(box_guess, kept_guess),
        f"grid:{cell:g} demand ({format_count(box_guess)} cells over the network's "
        f"{(xmax - xmin) / 1000:.1f} x {(ymax - ymin) / 1000:.1f} km)",
        "the grid cell (demand.cell_m, --demand grid:METRES)",
    )
    ix0, iy0 = math.floor(xmin / cell), math.floor(ymin / cell)
    nx = max(1, math.ceil(xmax / cell) - ix0)
    ny = max(1, math.ceil(ymax / cell) - iy0)
    if nx * ny > MAX_GRID_CELLS:
        raise InputDataError(
            f"grid:{cell:g} over the network ({(xmax - xmin) / 1000:.1f} x "
            f"{(ymax - ymin) / 1000:.1f} km) would have {nx * ny:,} cells, more than "
            f"{MAX_GRID_CELLS:,}; use larger cells (e.g. grid:"
            f"{math.ceil(cell * math.sqrt(nx * ny / MAX_GRID_CELLS)):g})"
        )
    gx, gy = np.meshgrid(np.arange(nx) + ix0, np.arange(ny) + iy0, indexing="xy")
    ix, iy = gx.ravel().astype(np.int64), gy.ravel().astype(np.int64)
    centres = shapely.points((ix + 0.5) * cell, (iy + 0.5) * cell)
    # near a ground-level street, timed from it (probe 20B: cells over the rivers by the
    # bridges, over the hills by tunnels), as building doors are
    ground, tree = network.ground_edges
    hit, _ = tree.query(centres, predicate="dwithin", distance=dist)
    kept = unique_ints(hit)
    if kept.size == 0:  # pragma: no cover - every edge lies in some cell
        raise InputDataError("no grid cell lies near the walk network")
    ix, iy = ix[kept], iy[kept]
    cells = shapely.box(ix * cell, iy * cell, (ix + 1) * cell, (iy + 1) * cell)
    shapes = gpd.GeoSeries(cells, crs=network.crs).to_crs("EPSG:4326").reset_index(drop=True)
    points_wgs = to_wgs84_points(shapely.get_coordinates(centres[kept]), network.crs)
    cell_id = (pd.Series(ix).astype(str) + "_" + pd.Series(iy).astype(str)).to_numpy(object)
    edge = nearest_edges(centres[kept], network.edge_geometry, ground, tree)
    streets = street_columns(centres[kept], edge, network)
    points = points_frame(
        {"demand_id": cell_id, "weight": np.ones(kept.size), "cell_id": cell_id, **streets},
        points_wgs,
    )
    info = {
        "cell_m": cell,
        "max_dist_m": dist,
        "cells": int(kept.size),
        "cells_in_box": int(nx * ny),
        "area_km2": float(kept.size * cell * cell / 1e6),
    }
    demand = Demand("grid", f"grid:{cell:g}", points, "cells", shapes, info)
    return log_demand(
        demand,
        f"{kept.size:,} cells of {cell:g} m ({info['area_km2']:,.2f} km²) within {dist:g} m "
        f"of a street, of {nx * ny:,} in the bounding box",
    )

"""The :class:`Demand` every demand builder returns."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

__all__ = ["Demand", "log_demand"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Demand:
    """Weighted demand points that coverage is measured on.

    Attributes
    ----------
    kind
        ``"main-streets"``, ``"buildings"``, ``"points"`` or ``"grid"``.
    spec
        The spec string it came from (e.g. ``"buildings:yuzhong/buildings.osm"``).
    points
        One row per demand point, EPSG:4326 Point geometry, index ``0..n-1``. Columns:
        ``demand_id`` (str, unique), ``weight`` (float >= 0) and, by kind,

        * main-streets: ``edge`` (index of the network edge), ``edge_frac`` (0 at its ``u``
          end, 1 at ``v``: the coverage engine can place the point on the network without
          snapping), ``highway``, ``name``;
        * buildings: ``osm_type``/``osm_id`` (OSM) or the layer's own columns, ``building``,
          ``name``, ``levels``, ``levels_source`` (``tag``, ``height``, ``default``,
          ``roof``), ``height_m``, ``footprint_m2``, ``floor_area_m2`` and, made on a
          network, ``edge``/``edge_frac`` (the ground-level street the door point, the
          footprint's point nearest it, was placed for, and the position on it nearest the
          door) with ``access_m`` (the straight walk from the door to it): coverage times the
          building's people from that street, never from a tunnel or a viaduct nearer the
          door;
        * points: ``row`` (file row as a spreadsheet shows it; feature number in GIS files)
          and the file's columns (a column named like a reserved one gets ``_src``);
        * grid: ``cell_id`` (``"ix_iy"``: the cell's lower-left corner divided by the cell
          size in the metric CRS, stable across runs).
    weight_unit
        What a weight of 1 means: ``"m of main street"``, ``"people"``, ``"m² floor area"``,
        ``"points"``, the weight column's name, or ``"cells"``.
    shapes
        Footprints (buildings) or cells (grid) in EPSG:4326, indexed like ``points``; else
        ``None``.
    info
        How the demand was built, JSON-compatible (counts, defaults used, lengths), for
        reports.

    """

    kind: str
    spec: str
    points: gpd.GeoDataFrame
    weight_unit: str
    shapes: gpd.GeoSeries | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """Sum of the weights."""
        return float(self.points["weight"].sum())

    def __len__(self) -> int:
        return len(self.points)

    def summary(self) -> str:
        """One line: kind, number of points, total weight and unit."""
        return (
            f"{self.kind} demand ({self.spec}): {len(self):,} points, total "
            f"{self.total:,.1f} {self.weight_unit}"
        )


def log_demand(demand: Demand, detail: str) -> Demand:
    """Log how a demand was built (``"<kind> demand: <detail>"``) and return it.

    Parameters
    ----------
    demand
        The demand built.
    detail
        What to say about it.

    Returns
    -------
    Demand
        ``demand``.

    """
    log.info("%s demand: %s", demand.kind, detail)
    return demand

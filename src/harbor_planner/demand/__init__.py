"""Demand: the places the 15-minute service circle must reach, as weighted points.

Coverage is measured on *demand*: points with weights, each covered or not by a station. The
plan's own wording is "a 15-minute service circle in city centres and along main streets", so
the default demand is the main streets themselves; the other kinds answer other questions.

=========================== ========================================= ======================
spec                        demand points                             weight (unit)
=========================== ========================================= ======================
``main-streets``            every ≤ 50 m along the main streets of    metres of street
                            the walk network                          (``m of main street``)
                            (:func:`main_street_demand`)
``buildings:FILE``          one per building footprint, OSM or a      floor area
                            polygon layer (:func:`building_demand`)   (``m² floor area``), or
                                                                      people when a
                                                                      population is given
``points:FILE[:COLUMN]``    the points of a file: metro entrances,    1 (``points``), or the
                            bus stops, workplaces                     column ``COLUMN``
                            (:func:`point_demand`)
``grid:METRES``             centres of square cells near the network  1 per cell (``cells``)
                            (:func:`grid_demand`)
=========================== ========================================= ======================

Every builder returns a :class:`Demand`: a GeoDataFrame of points in WGS-84 with a unique
``demand_id`` and a ``weight >= 0``, the unit of the weights, optionally the shapes the points
stand for (footprints, cells) and a JSON-compatible ``info`` record of how it was built (counts,
defaults used) for reports. Lengths and areas are computed in a metric CRS (the network's, or
the local UTM zone). An empty demand is an error, never a silent 0 %.
"""

from harbor_planner.demand.buildings import STOREY_HEIGHT_M, building_demand
from harbor_planner.demand.grid import MAX_GRID_CELLS, grid_demand
from harbor_planner.demand.layers import (
    combine_demands,
    share_population,
    share_population_by_district,
)
from harbor_planner.demand.model import Demand
from harbor_planner.demand.points import point_demand
from harbor_planner.demand.spec import (
    SPEC_FORMS,
    DemandSpec,
    clip_demand,
    demand_from_spec,
    demand_within,
    parse_demand_spec,
)
from harbor_planner.demand.streets import MAIN_STREET_CLASSES, main_street_demand
from harbor_planner.settings import DEMAND_KINDS

__all__ = [
    "DEMAND_KINDS",
    "MAIN_STREET_CLASSES",
    "MAX_GRID_CELLS",
    "SPEC_FORMS",
    "STOREY_HEIGHT_M",
    "Demand",
    "DemandSpec",
    "building_demand",
    "clip_demand",
    "combine_demands",
    "demand_from_spec",
    "demand_within",
    "grid_demand",
    "main_street_demand",
    "parse_demand_spec",
    "point_demand",
    "share_population",
    "share_population_by_district",
]

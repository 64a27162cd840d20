"""Polygon layers: the file of a polygon option chosen, read and cleaned in one place.

The five polygon options, ``--districts`` (``coverage.districts``), ``--study-area``
(``study.area``), ``demand.within``, ``network build --within`` and ``run.partition``, read
their file through :func:`read_polygon_file`: its layer chosen (:func:`polygon_layer`), a
table or a layer without a CRS refused, then :func:`clean_polygons`, the one cleaning step
(probe 27T: four readers each had their own checks, and a self-crossing ring crashed the
unions of three of them).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from harbor_planner._text import rows_text
from harbor_planner.coords import lonlat_beyond, lonlat_swapped
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers.layers import layer_problem, read_layer_file, vector_folder
from harbor_planner.readers.tables import clean_frame_text

__all__ = [
    "AREA_LAYERS",
    "clean_polygons",
    "polygon_layer",
    "polygon_source_problem",
    "read_polygon_file",
]

log = logging.getLogger(__name__)

#: Layers an area (study area, ``--within``) is read from in a file of several, in order.
AREA_LAYERS = ("study_area", "districts")

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def polygon_source_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a polygon option's layer, ``None`` when it may be one.

    One check for ``--districts``, ``--study-area``, ``--demand-within``, ``--within`` and
    ``run.partition`` (probe 26R, finding 9: a .gdb or a folder of Shapefiles was refused by
    some and read by others, and ``--within FOLDER`` was "area file not found"). A file, or
    a folder GDAL reads as a vector dataset, may be; the reader then checks its layers.

    Parameters
    ----------
    path
        The layer file or folder.

    Returns
    -------
    str or None
        Missing, a folder GDAL cannot read, or a pipe, in :func:`layer_problem`'s words.

    """
    if Path(path).is_file() or vector_folder(path):
        return None
    return layer_problem(Path(path))


def read_polygon_file(
    path: Path, what: str, prefix: str, prefer: Sequence[str] = AREA_LAYERS
) -> gpd.GeoDataFrame:
    """A polygon option's file as a GeoDataFrame: checked, its layer chosen, cleaned.

    Every polygon option reads its file here. A Shapefile without ``.cpg`` has its text
    encoding detected (:func:`~harbor_planner.readers.read_layer_file`); the layer then
    passes :func:`clean_polygons` (text cleaned, non-finite coordinates and degrees that are
    no longitude/latitude refused, empty rows dropped, invalid rings repaired).

    Parameters
    ----------
    path
        The layer file, or a folder GDAL reads (:func:`polygon_source_problem`).
    what
        The option or setting it was given to (:func:`polygon_layer`'s messages).
    prefix
        What the messages call it (``"study.area: the study area"``).
    prefer
        Layer names to take from a file of several.

    Returns
    -------
    geopandas.GeoDataFrame
        The polygon rows, each valid and with an area, in the file's CRS; the index is the
        file's feature order (feature ``i + 1``).

    Raises
    ------
    InputDataError
        Missing, unreadable, a table without geometry, a layer of points or lines, or as
        :func:`clean_polygons`.
    CRSError
        The layer has no CRS, or its degrees are no longitude/latitude.

    """
    problem = polygon_source_problem(path)  # a .gdb or a folder of Shapefiles may be one
    if problem is not None:
        raise InputDataError(f"{prefix}: {problem}", path=path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = read_layer_file(Path(path), layer=polygon_layer(path, what, prefer))
        except InputDataError:
            raise
        except Exception as exc:  # pyogrio/GDAL errors have no common base class
            raise InputDataError(f"{prefix}: {layer_problem(path, exc)}", path=path) from None
    for w in caught:
        log.info("%s: %s", path, w.message)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise InputDataError(  # a CSV or an attributes-only table (23C)
            f"{prefix} is a table without geometry; give a polygon layer (GeoPackage, "
            "GeoJSON, Shapefile)",
            path=path,
        )
    if frame.crs is None:
        raise CRSError(
            f"{prefix} has no CRS, so its coordinates cannot be placed; define it (QGIS: "
            "Layer ▸ Set Layer CRS, or a .prj beside a Shapefile) and retry",
            path=path,
        )
    return clean_polygons(frame.reset_index(drop=True), prefix, path)


def clean_polygons(gdf: gpd.GeoDataFrame, what: str, path: Path | None = None) -> Any:
    """A polygon layer made fit for unions and point tests: the one cleaning step.

    In order: text cells cleaned of control characters (one warning); a feature with an
    infinite or NaN coordinate refused; in a geographic CRS, coordinates beyond ±180/±90 or
    with longitude and latitude swapped refused (probe 27T: a swapped layer ran the whole
    study and crashed at the map); rows without geometry, empty, or of points and lines
    dropped (one warning); invalid rings (a self-crossing figure-8) repaired with
    ``shapely.make_valid``, their polygon parts kept (one warning: the union of such a ring
    raised a GEOS TopologyException).

    Parameters
    ----------
    gdf
        The layer as read (any CRS, or none: the degree checks then do not apply).
    what
        What the messages call it (``"the district layer"``).
    path
        The file, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame of the rows kept, each a valid (Multi)Polygon with an area; the index
        of ``gdf`` kept.

    Raises
    ------
    InputDataError
        A non-finite coordinate (naming the features), or no polygon with an area.
    CRSError
        Degrees that are no longitude/latitude, or look swapped (naming the features).

    """
    attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    cleaned, _ = clean_frame_text(attributes, None, Path(path or what))
    geoms = gdf.geometry.to_numpy()
    _check_coordinates(geoms, gdf.crs, what, path)
    geoms, repaired = _repaired(geoms)
    keep = np.isin(shapely.get_type_id(geoms), _POLYGONAL) & (shapely.area(geoms) > 0)
    dropped = np.flatnonzero(~keep)
    if not keep.any():
        raise InputDataError(
            f"{what} holds no polygons with an area ({_kinds(gdf.geometry.to_numpy())}); give "
            "a layer of polygons",
            path=path,
        )
    if len(repaired):
        log.warning(
            "%s: %s: %d of %d feature(s) have invalid rings (self-crossing or touching "
            "themselves): feature(s) %s, repaired with make_valid, their polygon parts kept; "
            "to check them, run QGIS's Vector ▸ Geometry Tools ▸ Fix Geometries on the layer",
            path or "(given)", what, len(repaired), len(gdf),
            rows_text((repaired + 1).tolist()),
        )  # fmt: skip
    if len(dropped):
        log.warning(
            "%s: %s: %d of %d feature(s) hold no polygon with an area (%s): feature(s) %s, "
            "left out",
            path or "(given)", what, len(dropped), len(gdf),
            _kinds(gdf.geometry.to_numpy()[dropped]), rows_text((dropped + 1).tolist()),
        )  # fmt: skip
    out = gpd.GeoDataFrame(cleaned, geometry=geoms, crs=gdf.crs)
    out.index = gdf.index
    return out[keep]


def _check_coordinates(geoms: np.ndarray, crs: Any, what: str, path: Path | None) -> None:
    """Refuse features with non-finite coordinates, or degrees that are no lon/lat."""
    xy, index = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        features = (np.unique(index[bad]) + 1).tolist()
        raise InputDataError(
            f"{what}: feature(s) {rows_text(features)} have coordinates that are not finite "
            "numbers (inf or NaN); fix or delete those features",
            path=path,
        )
    if crs is None or not crs.is_geographic or not len(xy):
        return
    name = crs.to_string()
    swapped, beyond = lonlat_swapped(xy[:, 0], xy[:, 1]), lonlat_beyond(xy[:, 0], xy[:, 1])
    for bad, why in (
        (swapped, "longitude and latitude look swapped (Chongqing is near x 106.5, y 29.5); "
         "swap the axes (QGIS: Processing ▸ Swap X and Y coordinates) and retry"),
        (beyond, f"these are not the degrees its CRS {name} states (longitude within ±180, "
         "latitude within ±90): the coordinates are in another CRS; set the layer's true CRS "
         "(QGIS: Layer ▸ Set Layer CRS, or the .prj of a Shapefile) and retry"),
    ):  # fmt: skip
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            features = (np.unique(index[bad]) + 1).tolist()
            raise CRSError(
                f"{what}: feature(s) {rows_text(features)} have x {xy[i, 0]:g}, y "
                f"{xy[i, 1]:g}: {why}",
                path=path,
            )


def _repaired(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries with the invalid ones made valid (polygon parts kept), and their positions.

    A collection (a mixed layer's row) keeps its polygons too.
    """
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = np.flatnonzero(present & ~shapely.is_valid(geoms))
    out = geoms.copy()
    if len(invalid):
        out[invalid] = shapely.make_valid(geoms[invalid])
    mixed = np.flatnonzero(present & ~np.isin(shapely.get_type_id(out), _POLYGONAL))
    out[mixed] = [_polygon_parts(g) for g in out[mixed]]
    return out, invalid


def _polygon_parts(geom: Any) -> Any:
    """The polygons of a geometry (a collection's lines and points left out), or an empty one."""
    if shapely.get_type_id(geom) in _POLYGONAL:
        return geom
    parts = shapely.get_parts(geom)
    polygons = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
    return shapely.union_all(polygons) if len(polygons) else shapely.Polygon()


def _kinds(geoms: np.ndarray) -> str:
    """What geometries hold, counted: ``2 empty, 1 LineString``."""
    labels = [
        "no geometry" if g is None else "empty" if shapely.is_empty(g) else g.geom_type
        for g in geoms
    ]
    counts = pd.Series(labels, dtype=object).value_counts()
    return ", ".join(f"{n} {k}" for k, n in counts.items()) or "no rows"


def polygon_layer(path: Path, what: str, prefer: Sequence[str] = ("districts",)) -> str | None:
    """The layer of ``path`` to read as polygons (districts, a study area, parts).

    A file of one layer gives it; of several (a run's ``layers.gpkg``), the first of
    ``prefer`` holding polygons, else its only polygon layer, said at INFO; a layer declared
    Unknown/GEOMETRY counts when its rows hold polygons. A layer of points
    or lines read as polygons is refused (probe 26P: ``--districts layers.gpkg`` read its
    stations and crashed, or put every point "outside the districts").

    Parameters
    ----------
    path
        The layer file.
    what
        The option or setting it was given to, for messages (``--districts``).
    prefer
        Layer names to take from a file of several.

    Returns
    -------
    str or None
        The layer's name; ``None`` when the file has one layer that may hold polygons or
        cannot be listed (its reader then says what is wrong).

    Raises
    ------
    InputDataError
        The layer chosen holds points or lines, or several polygon layers leave the choice open.

    """
    import pyogrio

    try:
        listed = [
            (str(r[0]), None if r[1] is None else str(r[1])) for r in pyogrio.list_layers(path)
        ]
    except Exception:  # missing, a table, unreadable: the caller's reader says which
        return None
    polygons = [n for n, kind in listed if _may_hold_polygons(path, n, kind, len(listed))]
    shown = ", ".join(f"{n!r} ({kind or 'no geometry'})" for n, kind in listed)
    if len(listed) == 1:
        name, kind = listed[0]
        if kind is None or not any(k in kind.lower() for k in ("point", "line")):
            return None  # polygons, a mixed layer or a table: the caller checks the rows
        raise InputDataError(
            f"{what}: layer {name!r} holds no polygons ({kind}), and the file has no other "
            "layer; give a layer of polygons",
            path=path,
        )
    chosen = next((n for n in prefer if n in polygons), None)
    if chosen is None and len(polygons) == 1:
        chosen = polygons[0]
    if chosen is not None:
        log.info("%s: %s: read layer %r of %d (%s)", path, what, chosen, len(listed), shown)
        return chosen
    if not polygons:
        raise InputDataError(
            f"{what}: the file holds no polygon layer (its layers: {shown}); give a layer "
            "of polygons",
            path=path,
        )
    raise InputDataError(
        f"{what}: the file holds several polygon layers ({', '.join(map(repr, polygons))}) "
        f"and none named {' or '.join(map(repr, prefer))}; save the one to use as a file of "
        "its own (QGIS: Export ▸ Save Features As) and give that",
        path=path,
    )


def _may_hold_polygons(path: Path, layer: str, kind: str | None, layers: int) -> bool:
    """Whether ``layer``, declared ``kind``, is a polygon layer.

    Polygon, curve-polygon and surface types are; points, lines and tables are not. A layer
    declared Unknown/GEOMETRY (QGIS and ogr2ogr write mixed layers so) is one when its rows
    hold a polygon (probe 26R, finding 6: such a ``zones`` layer beside a points layer was
    "no polygon layer"); in a file of one layer its reader checks the rows instead.
    """
    if kind is None:
        return False
    lowered = kind.lower()
    if "polygon" in lowered or "surface" in lowered:
        return True
    if any(k in lowered for k in ("point", "line", "curve")) or layers == 1:
        return False
    import pyogrio

    try:
        geoms = pyogrio.read_dataframe(path, layer=layer, columns=[]).geometry
    except Exception:  # unreadable: not counted; a chosen layer's reader says why
        return False
    return bool(geoms.geom_type.isin(["Polygon", "MultiPolygon"]).any())

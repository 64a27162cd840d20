"""GIS layers (GeoJSON, GeoPackage, Shapefile) and point tables with coordinate columns.

:func:`read_geo` reads a station-like point layer into a :class:`RawTable`;
:func:`read_vector` any layer with its CRS; :func:`read_table`, :func:`coord_columns` and
:func:`table_coords` a CSV/XLSX of points with longitude/latitude columns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from harbor_planner._text import rows_text
from harbor_planner.coords import CoordSystem, geometry_to_wgs84, parse_crs
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers.tables import ALIAS_INDEX, RawTable, norm_header, read_csv, read_xlsx

__all__ = [
    "coord_columns",
    "layer_to_wgs84",
    "read_geo",
    "read_table",
    "read_vector",
    "table_coords",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


def read_geo(
    path: Path, sheet: str | Sequence[str] | None, encoding: str | None
) -> tuple[list[RawTable], list[dict[str, Any]]]:
    """A station-like point layer: its attributes, point coordinates and CRS."""
    import pyogrio

    try:
        layers = [str(r[0]) for r in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputDataError(f"cannot open the file: {exc}", path=path) from exc
    if sheet is not None and not isinstance(sheet, str):
        raise InputDataError("give one layer name for a GIS file", path=path)
    if sheet not in (None, "*"):
        if sheet not in layers:
            raise InputDataError(
                f"no layer named {sheet!r}; the file has {', '.join(map(repr, layers))}",
                path=path,
            )
        layer = sheet
    elif len(layers) == 1:
        layer = layers[0]
    elif "stations" in layers:
        layer = "stations"
    else:
        raise InputDataError(
            f"the file has several layers ({', '.join(map(repr, layers))}); choose one with "
            "--sheet NAME",
            path=path,
        )
    kwargs = {"encoding": encoding} if encoding else {}
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio", **kwargs)
    except Exception as exc:
        raise InputDataError(f"cannot read layer {layer!r}: {exc}", path=path) from exc
    geoms = gdf.geometry.to_numpy() if gdf.geometry is not None else np.array([], dtype=object)
    types = shapely.get_type_id(geoms)
    single_multi = (types == shapely.GeometryType.MULTIPOINT) & (
        shapely.get_num_geometries(geoms) == 1
    )
    pts = np.where(single_multi, shapely.get_geometry(geoms, 0), geoms)
    is_point = shapely.get_type_id(pts) == shapely.GeometryType.POINT
    empty = shapely.is_missing(pts) | shapely.is_empty(pts)
    x = np.where(is_point & ~empty, shapely.get_x(pts), np.nan)
    y = np.where(is_point & ~empty, shapely.get_y(pts), np.nan)
    bad = np.where(is_point | empty, None, shapely.get_type_id(pts).astype(object))
    bad = np.array(
        [None if b is None else shapely.GeometryType(b).name.title() for b in bad], dtype=object
    )
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    frame["geometry_wkt"] = shapely.to_wkt(geoms, rounding_precision=-1)
    multi_layer = len(layers) > 1
    raw = RawTable(
        frame.reset_index(drop=True),
        np.arange(1, len(frame) + 1, dtype=np.int64),
        layer if multi_layer else None,
        x=x,
        y=y,
        geom_problem=bad,
        file_crs=None if gdf.crs is None else pyproj.CRS.from_user_input(gdf.crs),
    )
    return [raw], []


def read_vector(path: Path, layer: str | int | None) -> gpd.GeoDataFrame:
    """A vector layer with its CRS (a layer without one is an error)."""
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputDataError(
            f"cannot read as a vector layer ({type(exc).__name__}: {exc})", path=path
        ) from None
    if gdf.crs is None:
        raise CRSError(
            "the layer has no CRS, so its coordinates cannot be placed or measured; define it "
            "(QGIS: Layer ▸ Set Layer CRS, or a .prj beside a Shapefile) and retry",
            path=path,
        )
    return gdf


def layer_to_wgs84(
    gdf: gpd.GeoDataFrame, path: Path, crs: str | CoordSystem | None
) -> gpd.GeoSeries:
    """Geometries in WGS-84: the file's CRS, or the stated lon/lat datum (``crs``)."""
    if crs is None:
        return gdf.geometry.to_crs("EPSG:4326").reset_index(drop=True)
    cs = parse_crs(crs)
    if gdf.crs.is_projected:
        if cs.kind != "epsg" or not pyproj.CRS.from_user_input(cs.crs).equals(gdf.crs):
            raise CRSError(
                f"the layer is in the projected CRS {gdf.crs.to_string()} but crs={cs.name!r} "
                "was stated; drop crs= (the layer's CRS is used) or fix the layer's CRS",
                path=path,
            )
        return gdf.geometry.to_crs("EPSG:4326").reset_index(drop=True)
    if cs.kind == "epsg":
        geoms = gdf.geometry.set_crs(cs.crs, allow_override=True).to_crs("EPSG:4326")
        return geoms.reset_index(drop=True)
    if cs.kind != "wgs84":
        log.info("%s: reading the coordinates as %s, as stated", path, cs.label)
    out = geometry_to_wgs84(gdf.geometry.to_numpy(), cs)
    return gpd.GeoSeries(out, crs="EPSG:4326")


def read_table(path: Path, layer: str | int | None) -> tuple[pd.DataFrame, list[str]]:
    """A CSV/XLSX as text cells with ``row`` (and ``sheet``) columns."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raws, _ = read_xlsx(path, None if layer is None else str(layer))
    else:
        raws, _ = read_csv(path, None)
    frames = []
    for raw in raws:
        f = raw.frame.copy()
        f.insert(0, "row", raw.rows)
        if raw.sheet is not None:
            f.insert(1, "sheet", raw.sheet)
        frames.append(f)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["row"])
    header = [str(c) for c in frame.columns if c not in ("row", "sheet")]
    return frame, header


def coord_columns(header: Sequence[str], path: Path) -> tuple[str, str]:
    """The longitude and latitude columns of a table's headers."""
    found: dict[str, str] = {}
    for col in header:
        canon = ALIAS_INDEX.get(norm_header(col))
        if canon in ("lon", "lat") and canon not in found:
            found[canon] = col
    if set(found) != {"lon", "lat"}:
        raise InputDataError(
            "no longitude/latitude columns found; headers are "
            + ", ".join(map(repr, header))
            + "; name them lon/lat (or lng, longitude/latitude, x/y, 经度/纬度)",
            path=path,
        )
    return found["lon"], found["lat"]


def table_coords(
    frame: pd.DataFrame, lon_col: str, lat_col: str, path: Path
) -> tuple[FloatArray, FloatArray]:
    """The numeric coordinates of a table; a row without them is an error."""

    def numeric(col: str) -> FloatArray:
        text = frame[col].astype("str").str.replace("°", "", regex=False)
        return pd.to_numeric(text.str.strip(), errors="coerce").to_numpy(np.float64)

    x, y = numeric(lon_col), numeric(lat_col)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        rows = frame["row"].to_numpy()[bad]
        raise InputDataError(
            f"rows {rows_text(rows)}: missing or non-numeric coordinates in columns "
            f"{lon_col!r}/{lat_col!r}; fill in decimal degrees (e.g. 106.5702, 29.5573) or "
            "delete the rows",
            path=path,
        )
    return x, y

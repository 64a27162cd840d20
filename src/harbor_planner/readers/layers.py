"""GIS layers (GeoJSON, GeoPackage, Shapefile) and point tables with coordinate columns.

:func:`read_geo` reads a station-like point layer into a :class:`RawTable`;
:func:`read_vector` any layer with its CRS; :func:`read_table`, :func:`coord_columns` and
:func:`table_coords` a CSV/XLSX of points with longitude/latitude columns.
"""

from __future__ import annotations

import glob
import json
import logging
import struct
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from harbor_planner._io import input_file_problem
from harbor_planner._text import one_line, rows_text
from harbor_planner.coords import (
    CoordSystem,
    geometry_to_wgs84,
    lonlat_beyond,
    lonlat_swapped,
    parse_crs,
    warn_old_datum,
)
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers.headers import column_role, header_datum, refuse_mixed_datums
from harbor_planner.readers.tables import (
    RawTable,
    clean_frame_text,
    source_names,
    unique_headers,
)
from harbor_planner.readers.text import clean_text, parse_coordinate_text
from harbor_planner.readers.xlsx import read_table_file

__all__ = [
    "check_header_datum",
    "coord_columns",
    "geojson_feature_ids",
    "header_datum_conflict",
    "layer_problem",
    "layer_to_wgs84",
    "read_geo",
    "read_layer_file",
    "read_table",
    "read_vector",
    "shapefile_encoding",
    "table_coords",
    "vector_folder",
]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


def shapefile_encoding(path: Path) -> str | None:
    """The text encoding of a Shapefile without a ``.cpg``, detected like a CSV's.

    The field names and the text fields of the ``.dbf`` are tried as UTF-8, then as GB18030
    (which reads GBK). A ``.cpg`` beside the file is respected (``None`` is returned and GDAL
    reads it).

    Parameters
    ----------
    path
        A ``.shp`` file.

    Returns
    -------
    str or None
        ``"UTF-8"`` or ``"GB18030"``; ``None`` when a ``.cpg`` exists, the text is plain
        ASCII, it is neither encoding, or the ``.dbf`` cannot be read.

    """
    if path.suffix.lower() != ".shp":
        return None
    siblings = {p.name.lower(): p for p in path.parent.glob(glob.escape(path.stem) + ".*")}
    dbf = siblings.get(path.stem.lower() + ".dbf")
    if path.stem.lower() + ".cpg" in siblings or dbf is None:
        return None
    try:
        with dbf.open("rb") as f:
            data = f.read(_DBF_SAMPLE_BYTES)
        text = _dbf_text(data)
    except (OSError, struct.error, ValueError):
        return None
    if text.isascii():
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            text.decode(enc)
        except UnicodeDecodeError:
            continue
        log.info("%s: no .cpg; text fields read as %s", path, enc.upper())
        return enc.upper()
    return None


_DBF_SAMPLE_BYTES = 8 << 20


def read_layer_file(path: Path, **kwargs: Any) -> Any:
    """``geopandas.read_file``, with a Shapefile's text encoding detected and cut names mended.

    A UTF-8 Shapefile keeps 10 bytes of a field name, and GDAL cuts 道路等级 (12 bytes) in
    the middle of 级: reading it then failed with a UnicodeDecodeError (probe 21, after 20R).
    Such a file is read byte for byte and its names and text decoded as UTF-8, the cut
    character dropped (道路等, which the line layers' aliases know).

    Parameters
    ----------
    path
        The layer file.
    **kwargs
        Passed to ``geopandas.read_file`` (``layer``, ``mask``).

    """
    enc = shapefile_encoding(path)  # a GBK Shapefile without .cpg: not read as Latin-1
    try:
        return gpd.read_file(path, **kwargs, **({"encoding": enc} if enc else {}))
    except UnicodeDecodeError:
        if path.suffix.lower() != ".shp":
            raise
    gdf = gpd.read_file(path, **kwargs, encoding="latin1")

    def utf8(text: Any) -> Any:
        return text.encode("latin1").decode("utf-8", "ignore") if isinstance(text, str) else text

    names = {c: utf8(c) for c in gdf.columns if c != gdf.geometry.name}
    for col in names:
        if pd.api.types.is_object_dtype(gdf[col]) or pd.api.types.is_string_dtype(gdf[col]):
            gdf[col] = gdf[col].map(utf8)
    log.warning(
        "%s: field names cut in the middle of a character by the Shapefile's 10-byte limit; "
        "read as %s",
        path.name,
        ", ".join(names.values()),
    )
    return gdf.rename(columns=names)


def _dbf_text(data: bytes) -> bytes:
    """The field names and text-field bytes of (the start of) a dBASE file."""
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields: list[tuple[bytes, int]] = []
    chunks: list[bytes] = []
    for off in range(32, header_len - 1, 32):
        desc = data[off : off + 32]
        if not desc or desc[0] == 0x0D:
            break
        chunks.append(desc[:11].split(b"\0", 1)[0])
        fields.append((desc[11:12], desc[16]))
    for i in range(n_records):
        start = header_len + i * record_len
        if start + record_len > len(data):
            break
        pos = start + 1
        for kind, width in fields:
            if kind == b"C":
                chunks.append(data[pos : pos + width].rstrip(b" \0"))
            pos += width
    return b"\n".join(chunks)


def geojson_feature_ids(path: Path) -> list[str | None] | None:
    """The ``id`` member of each feature of a GeoJSON file, as the file writes it.

    GDAL turns numeric feature ids into feature numbers (FIDs) and drops them; this reads
    them from the JSON text (numbers keep their digits: ``007`` stays ``"007"``... as JSON
    allows, ``7`` is ``"7"``).

    Parameters
    ----------
    path
        A GeoJSON file (files over 64 MB are not parsed).

    Returns
    -------
    list or None
        One id (text) or ``None`` per feature, in file order; ``None`` when no feature has
        an id or the file cannot be parsed here.

    """
    if path.stat().st_size > 64 << 20:
        return None
    try:
        data = json.loads(path.read_bytes(), parse_int=str, parse_float=str, parse_constant=str)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    features = data.get("features") if data.get("type") == "FeatureCollection" else [data]
    if not isinstance(features, list):
        return None
    ids = [f.get("id") if isinstance(f, dict) else None for f in features]
    ids = [None if i is None or isinstance(i, dict | list) else clean_text(str(i)) for i in ids]
    return ids if any(i is not None for i in ids) else None


def _choose_layer(path: Path, sheet: str | Sequence[str] | None) -> tuple[str, list[list[Any]]]:
    """The layer to read (named, the only one, or ``stations``) and the file's layer list."""
    import pyogrio

    try:
        listed = [list(r) for r in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputDataError(f"cannot open the file: {exc}", path=path) from exc
    layers = [str(r[0]) for r in listed]
    if not layers:
        raise InputDataError("the file has no layer", path=path)
    if sheet is not None and not isinstance(sheet, str):
        raise InputDataError("give one layer name for a GIS file", path=path)
    if sheet not in (None, "*"):
        if sheet not in layers:
            raise InputDataError(
                f"no layer named {sheet!r}; the file has {', '.join(map(repr, layers))}",
                path=path,
            )
        return sheet, listed
    if len(layers) == 1:
        return layers[0], listed
    if "stations" in layers:
        return "stations", listed
    raise InputDataError(
        f"the file has several layers ({', '.join(map(repr, layers))}); choose one with "
        "--sheet NAME",
        path=path,
    )


def _read_layer(path: Path, layer: str, encoding: str | None) -> pd.DataFrame:
    """A layer through pyogrio: a GeoDataFrame, or a DataFrame for a table without geometry.

    GDAL's warnings (duplicate feature ids...) go to the log.
    """
    enc = encoding or shapefile_encoding(path)
    kwargs = {"encoding": enc} if enc else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio", **kwargs)
        except Exception as exc:
            raise InputDataError(
                f"cannot read layer {layer!r} ({type(exc).__name__}: {one_line(exc)})", path=path
            ) from None
    for w in caught:
        log.info("%s: %s", path, w.message)
    return gdf


def _point_xy(geoms: np.ndarray) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """x, y of point geometries, and the type name of every geometry that is not a point.

    x and y are NaN when the geometry is missing or empty; inf/NaN coordinates are kept as
    read. The type name is ``None`` for points.
    """
    types = shapely.get_type_id(geoms)
    single_multi = (types == shapely.GeometryType.MULTIPOINT) & (
        shapely.get_num_geometries(geoms) == 1
    )
    pts = np.where(single_multi, shapely.get_geometry(geoms, 0), geoms)
    is_point = shapely.get_type_id(pts) == shapely.GeometryType.POINT
    empty = shapely.is_missing(pts) | shapely.is_empty(pts)
    ok = is_point & ~empty
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if ok.any():
        xy = shapely.get_coordinates(pts[ok])
        if len(xy) == int(ok.sum()):
            x[ok], y[ok] = xy[:, 0], xy[:, 1]
        else:  # a point without coordinates somewhere: one at a time
            for i in np.flatnonzero(ok):
                c = shapely.get_coordinates(pts[i])
                x[i], y[i] = (c[0, 0], c[0, 1]) if len(c) else (np.nan, np.nan)
    kinds = shapely.get_type_id(pts)
    bad = np.array(
        [
            None if p or e else shapely.GeometryType(int(k)).name.title()
            for p, e, k in zip(is_point, empty, kinds, strict=True)
        ],
        dtype=object,
    )
    return x, y, bad


def _feature_ids(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the GeoJSON feature ids as an ``id`` column, if it has no id column."""
    if path.suffix.lower() not in (".geojson", ".json") or any(
        column_role(c) == "station_id" for c in frame.columns
    ):
        return frame
    ids = geojson_feature_ids(path)
    if ids is None or len(ids) != len(frame):
        return frame
    name = "id" if "id" not in frame.columns else "feature_id"
    log.info("%s: the feature ids are kept as the %r column", path, name)
    return frame.assign(**{name: ids})[[name, *frame.columns]]


def read_geo(
    path: Path, sheet: str | Sequence[str] | None, encoding: str | None
) -> tuple[list[RawTable], list[dict[str, Any]]]:
    """A station-like point layer: its attributes, point coordinates and CRS.

    A GeoPackage table without geometry is read like a CSV (its longitude/latitude columns
    hold the points, ``x`` of the result is ``None``). GeoJSON feature ids are kept as an
    ``id`` column when the properties have no id; a Shapefile without ``.cpg`` has its text
    encoding detected; text cells are cleaned of control characters.
    """
    layer, listed = _choose_layer(path, sheet)
    gdf = _read_layer(path, layer, encoding)
    shown = layer if len(listed) > 1 else None
    if not isinstance(gdf, gpd.GeoDataFrame):  # an attributes-only table
        frame, problems = clean_frame_text(pd.DataFrame(gdf).astype(object), shown, path)
        rows = np.arange(1, len(frame) + 1, dtype=np.int64)
        log.info("%s: layer %r has no geometry; read as a table", path, layer)
        return [RawTable(frame, rows, shown)], problems
    geoms = gdf.geometry.to_numpy()
    x, y, bad = _point_xy(geoms)
    attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    frame, problems = clean_frame_text(attributes.reset_index(drop=True), shown, path)
    frame = _feature_ids(path, frame)
    frame["geometry_wkt"] = shapely.to_wkt(geoms, rounding_precision=-1)
    raw = RawTable(
        frame.reset_index(drop=True),
        np.arange(1, len(frame) + 1, dtype=np.int64),
        shown,
        x=x,
        y=y,
        geom_problem=bad,
        file_crs=None if gdf.crs is None else pyproj.CRS.from_user_input(gdf.crs),
    )
    return [raw], problems


def read_vector(path: Path, layer: str | int | None) -> gpd.GeoDataFrame:
    """A vector layer with its CRS (a layer without one, or without geometry, is an error).

    A Shapefile without ``.cpg`` has its text encoding detected
    (:func:`shapefile_encoding`); features with inf/NaN coordinates are an error naming
    them; text is cleaned of control characters (one warning in the log); the layer's own
    ``row``/``sheet`` columns become ``row_src``/``sheet_src``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            gdf = read_layer_file(path, layer=layer)
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise InputDataError(layer_problem(path, exc), path=path) from None
    for w in caught:
        log.info("%s: %s", path, w.message)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputDataError(
            "the layer has no geometry (an attributes-only table); give a layer with points "
            "or polygons, or export the table as CSV with longitude/latitude columns",
            path=path,
        )
    _check_finite(gdf, path)
    gdf = gdf.rename(columns=source_names(list(gdf.columns), ["row", "sheet"]))
    attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    cleaned, _ = clean_frame_text(attributes, None, path)
    if cleaned is not attributes:
        gdf = gpd.GeoDataFrame(cleaned, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    if gdf.crs is None:
        raise CRSError(
            "the layer has no CRS, so its coordinates cannot be placed or measured; define it "
            "(QGIS: Layer ▸ Set Layer CRS, or a .prj beside a Shapefile) and retry",
            path=path,
        )
    return gdf


def layer_problem(path: Path, exc: Exception | None = None) -> str:
    """Why ``path`` is no vector layer: missing, a folder, a table, or the reader's words.

    Probe 25E: a GBK station CSV given as ``--districts`` was "cannot read as a vector layer
    (UnicodeDecodeError: 'utf-8' codec ...)", a folder "file not found" or raw GDAL text.
    """
    problem = None
    if not vector_folder(path):
        problem = input_file_problem(
            path, "layer", inside="the .gpkg, .geojson or .shp", missing="file not found"
        )
    if problem is not None:
        return problem
    if path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"):
        return (
            "a table, not a GIS layer: give a layer file (.gpkg, .geojson, .shp) with its geometry"
        )
    if exc is None:
        return "cannot read as a vector layer"
    return f"cannot read as a vector layer ({type(exc).__name__}: {one_line(exc)})"


def vector_folder(path: Path) -> bool:
    """Whether ``path`` is a folder GDAL opens as a vector dataset (a .gdb, Shapefiles)."""
    if not Path(path).is_dir():
        return False
    import pyogrio

    try:
        return len(pyogrio.list_layers(path)) > 0
    except Exception:  # pyogrio/GDAL errors share no base class: not a dataset
        return False


def _check_finite(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse features with an infinite or NaN coordinate, naming them."""
    xy, index = shapely.get_coordinates(gdf.geometry.to_numpy(), return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        features = np.unique(index[bad]) + 1
        raise InputDataError(
            f"features {rows_text(features.tolist())} have coordinates that are not finite "
            "numbers (inf or NaN); fix or delete those features",
            path=path,
        )


def layer_to_wgs84(
    gdf: gpd.GeoDataFrame, path: Path, crs: str | CoordSystem | None
) -> gpd.GeoSeries:
    """Geometries in WGS-84: the file's CRS, or the stated lon/lat datum (``crs``)."""
    warn_old_datum(gdf.crs, path.name)  # Xi'an 1980, Beijing 1954: a rough offset only
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
    """A CSV/XLSX as text cells with ``row`` (and ``sheet``) columns.

    The file's own columns named ``row`` or ``sheet`` are kept as ``row_src``/``sheet_src``.
    A workbook named ``.csv`` is read as a workbook (see
    :func:`~harbor_planner.readers.xlsx.read_table_file`).
    """
    raws, _ = read_table_file(path, None if layer is None else str(layer), None)
    frames = []
    for raw in raws:
        f = raw.frame.rename(columns=lambda c: f"{c}_src" if c in ("row", "sheet") else c)
        f.columns = unique_headers(list(f.columns))
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
        canon = column_role(col)
        if canon in ("lon", "lat") and canon not in found:
            found[canon] = col
    if set(found) != {"lon", "lat"}:
        raise InputDataError(
            "no longitude/latitude columns found; headers are "
            + ", ".join(map(repr, header))
            + "; name them lon/lat (or lng, longitude/latitude, x/y, 经度/纬度, 东经/北纬)",
            path=path,
        )
    return found["lon"], found["lat"]


def check_header_datum(lon_col: str, lat_col: str, cs: CoordSystem, path: Path) -> None:
    """Refuse a stated datum that contradicts the one the coordinate headers name.

    Parameters
    ----------
    lon_col, lat_col
        The longitude and latitude headers (``经度(GCJ02)``, ``lng_bd09``...).
    cs
        The stated coordinate system.
    path
        The file, for the message.

    Raises
    ------
    CRSError
        The headers name a datum (``gcj02``, ``bd09``, ``wgs84``) other than ``cs``, or two
        different ones.

    """
    refuse_mixed_datums([lon_col, lat_col], path)
    named = {c: d for c in (lon_col, lat_col) if (d := header_datum(c)) is not None}
    datums = set(named.values())
    if datums and parse_crs(datums.pop()) != cs:
        col, datum = next(iter(named.items()))
        raise header_datum_conflict(col, datum, cs, path)


def header_datum_conflict(header: str, datum: str, stated: CoordSystem, path: Path) -> CRSError:
    """The error of a header naming one datum while ``--crs`` states another.

    Parameters
    ----------
    header
        The coordinate header naming ``datum``.
    datum
        ``gcj02``, ``bd09`` or ``wgs84``.
    stated
        The coordinate system stated (``--crs``).
    path
        The file, for the message.

    Returns
    -------
    CRSError

    """
    return CRSError(
        f"the column {header!r} says the coordinates are {parse_crs(datum).label} but the "
        f"stated crs is {stated.name!r} (--crs); state --crs {datum}, or fix the header if it "
        "is wrong",
        path=path,
    )


def table_coords(
    frame: pd.DataFrame, lon_col: str, lat_col: str, path: Path, *, degrees: bool = False
) -> tuple[FloatArray, FloatArray]:
    """The numeric coordinates of a table; a row without finite ones is an error.

    Full-width digits, a degree sign and a decimal comma are read (see
    :func:`~harbor_planner.readers.text.parse_coordinate_text`); ``inf`` and ``nan`` are
    errors naming the rows. With ``degrees`` (a lon/lat datum), rows beyond ±180/±90 or with
    the two values swapped (29.5, 106.5) are errors naming the rows too (probe 25E: a
    latitude of 95.55 was "not finite, positions 2", without file or row).
    """
    x = parse_coordinate_text(frame[lon_col]).to_numpy(np.float64)
    y = parse_coordinate_text(frame[lat_col]).to_numpy(np.float64)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        rows = frame["row"].to_numpy()[bad]
        raise InputDataError(
            f"rows {rows_text(rows)}: missing or non-numeric coordinates (or inf/NaN) in "
            f"columns {lon_col!r}/{lat_col!r}; fill in decimal degrees (e.g. 106.5702, "
            "29.5573) or delete the rows",
            path=path,
        )
    if degrees:
        _check_degrees(frame, x, y, (lon_col, lat_col), path)
    return x, y


def _check_degrees(
    frame: pd.DataFrame, x: FloatArray, y: FloatArray, cols: tuple[str, str], path: Path
) -> None:
    """Rows whose lon/lat are no degrees, or look swapped (Chongqing is near 106.5, 29.5)."""
    swapped, out = lonlat_swapped(x, y), lonlat_beyond(x, y)
    for bad, why in (
        (swapped, "look swapped (Chongqing is near 106.5 E, 29.5 N); swap the two values"),
        (out, "are no degrees (longitude within ±180, latitude within ±90); fix or delete them"),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputDataError(
                f"{'row' if bad.sum() == 1 else 'rows'} {rows_text(frame['row'].to_numpy()[bad])}"
                f": {cols[0]} {x[i]:g} and "
                f"{cols[1]} {y[i]:g} {why}",
                path=path,
            )

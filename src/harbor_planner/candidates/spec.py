"""Candidate specs: ``auto`` (street sites and points of interest) or a candidate FILE.

:func:`candidates_from_spec` pools the builders of :mod:`~harbor_planner.candidates.poi` and
:mod:`~harbor_planner.candidates.streets`, drops what lies off the network and merges close
sites (:mod:`~harbor_planner.candidates.merge`); a FILE is read as stations.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from harbor_planner._io import input_file
from harbor_planner._text import rows_text
from harbor_planner._validate import check_positive
from harbor_planner.candidates.merge import merge_candidates, near_network
from harbor_planner.candidates.poi import (
    cost_column,
    osm_poi_candidates,
    parse_costs,
    poi_layer_candidates,
)
from harbor_planner.candidates.schema import (
    candidate_frame,
    cell_text,
    empty_candidates,
    own_columns,
)
from harbor_planner.candidates.streets import STREET_CLASSES, street_candidates
from harbor_planner.coords import CoordSystem, close_crs_name, parse_crs
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.network.osm import is_osm_path
from harbor_planner.settings import CANDIDATE_SPACING_M, SNAP_MAX_DIST_M

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["PoiSource", "candidates_from_spec", "parse_poi_source", "read_candidate_file"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoiSource:
    """An extra file of points of interest for ``auto`` candidates.

    Attributes
    ----------
    path
        An OSM file (``.osm``, ``.osm.pbf``...) or a point layer (GeoJSON, GeoPackage,
        Shapefile, CSV/XLSX with lon/lat columns).
    crs
        The true coordinate system of a layer: required for CSV/XLSX (``"gcj02"`` for AMap
        bus stops...), overrides the lon/lat datum of a GIS layer; must be empty for OSM.
    kind
        The kind of every point (e.g. ``"bus_stop"`` for a bus-stop list without tags);
        default: derived from the tags (see :func:`poi_layer_candidates`).

    """

    path: Path
    crs: str | None = None
    kind: str | None = None


def parse_poi_source(text: str | Path | PoiSource) -> PoiSource:
    """Read ``FILE``, ``FILE:CRS``, ``FILE:CRS:KIND`` or ``FILE::KIND`` as a :class:`PoiSource`.

    The file is the longest prefix before a ``:`` that is an existing file (so paths with
    ``:`` work); the rest is a CRS (``gcj02``, ``EPSG:4326``...) when it reads as one, else
    its last ``:``-separated part is the kind and what precedes it the CRS. Examples:
    ``bus_stops_gcj02.csv:gcj02:bus_stop``, ``pois.geojson``, ``shops.gpkg::shop``.

    Parameters
    ----------
    text
        The spec; a :class:`PoiSource` or a :class:`~pathlib.Path` is returned as a source
        as is.

    Returns
    -------
    PoiSource

    Raises
    ------
    InputDataError
        No existing file at the start of the text.
    CRSError
        The CRS part is not a coordinate system.

    """
    if isinstance(text, PoiSource):
        return text
    if isinstance(text, Path):
        return PoiSource(text)
    s = str(text).strip()
    if Path(s).is_file():
        return PoiSource(Path(s))
    cut = [m.start() for m in re.finditer(":", s)]
    path = next((s[:i] for i in reversed(cut) if Path(s[:i]).is_file()), None)
    folder = next((p for p in (s, *(s[:i] for i in reversed(cut))) if Path(p).is_dir()), None)
    if path is None and folder is not None:
        input_file(folder, "POI")  # a folder: said as such
    if path is None:
        raise InputDataError(
            f"POI file {s!r} not found; give FILE, FILE:CRS or FILE:CRS:KIND, e.g. "
            "bus_stops.csv:gcj02:bus_stop"
        )
    rest = s[len(path) + 1 :].strip()
    crs: str | None = rest or None
    kind: str | None = None
    if rest:
        try:
            parse_crs(rest)
        except CRSError:
            if ":" not in rest and close_crs_name(rest):  # FILE:gcj2, a CRS misspelled, no kind
                raise
            head, _, tail = rest.rpartition(":")
            crs, kind = head.strip() or None, tail.strip() or None
            if crs is not None:
                parse_crs(crs)
    return PoiSource(Path(path), crs, kind)


def _network_osm(network: WalkNetwork) -> Path | None:
    """The OSM file the network was built from, when it still exists."""
    src = network.source.get("path")
    if not src or not is_osm_path(Path(src)):
        log.info(
            "the walk network was not built from an OSM file (%s): no OSM points of interest "
            "are read from it; pass poi_files for them",
            src or network.source.get("kind", "unknown source"),
        )
        return None
    path = Path(src)
    if not path.is_file():
        log.warning(
            "%s (the OSM file the walk network was built from) is not found: its points of "
            "interest are left out; pass it in poi_files",
            path,
        )
        return None
    digest = network.source.get("sha256")
    if digest:
        from harbor_planner._io import file_sha256

        if file_sha256(path) != digest:
            log.warning(
                "%s has changed since the walk network was built from it; its points of "
                "interest are read as they are now",
                path,
            )
    return path


def read_candidate_file(path: str | Path, *, crs: Any = None, sheet: str | None = None) -> Any:
    """A candidate file read and checked: every row valid, or one error naming them.

    A study reads it with its inputs (:func:`~harbor_planner.pipeline.study.check_datums`),
    so that a bad row stops the run before any coverage is computed (probe 19X), and again
    when it plans.

    Parameters
    ----------
    path
        CSV, workbook or point layer of candidate sites (the station files' columns).
    crs
        Its coordinate system (``--candidates-crs``).
    sheet
        Workbook sheet(s) or GeoPackage layer.

    Returns
    -------
    geopandas.GeoDataFrame
        The sites as :func:`~harbor_planner.read_stations` reads stations (WGS-84).

    Raises
    ------
    InputDataError
        An OSM file, a file without rows, rows with errors (each named).
    CRSError
        No datum, or one the file contradicts (named as ``--candidates-crs``).

    """
    from harbor_planner.stations import read_stations

    path = Path(path)
    if is_osm_path(path):
        raise InputDataError(
            "an OpenStreetMap file is not a candidate list; use spec 'auto' with this file in "
            "poi_files (--poi) to take its points of interest",
            path=path,
        )
    try:
        check = read_stations(path, crs=crs, sheet=sheet)
    except CRSError as exc:  # the candidates' datum has its own setting (probe 18O)
        text = str(exc).removeprefix(f"{path}: ")
        text = text.replace("crs= (--crs)", "--candidates-crs (optimize.candidates_crs)")
        raise CRSError(text.replace("--crs", "--candidates-crs"), path=path) from None
    if "own_workbook" in set(check.problems.get("code", [])):  # its 站点: stations (19R)
        raise InputDataError(
            "a harbor-planner report workbook: its stations sheet holds the stations, not "
            "candidate sites; give the sites as a file of their own (a run's "
            "selected_sites.csv, or a list)",
            path=path,
        )
    check.raise_for_errors()
    st = check.stations.reset_index(drop=True)
    if len(st) == 0:
        raise InputDataError("the candidate file has no rows; add sites or use 'auto'", path=path)
    return st


def _file_candidates(
    path: Path, *, crs: Any, sheet: str | None, network: WalkNetwork, max_dist_m: float
) -> gpd.GeoDataFrame:
    st = read_candidate_file(path, crs=crs, sheet=sheet)
    n = len(st)
    cost = parse_costs(st, cost_column(st.drop(columns="geometry")), path)
    fallback = "row-" + st["row"].astype(str)
    if st["sheet"].notna().any():
        fallback = st["sheet"].fillna("").astype(str) + "-" + fallback
    given = cell_text(st["station_id"])
    ids = np.where(given != "", given, fallback.to_numpy(dtype=object))
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputDataError(
            f"site ids {rows_text(sorted(set(ids[dup])))} are not unique (an empty 编号 gets "
            "row-<row>); give every row its own id",
            path=path,
        )
    out = candidate_frame(
        {
            "site_id": ids,
            "kind": np.full(n, "file", dtype=object),
            "source": np.full(n, path.name, dtype=object),
            "name": st["name"].to_numpy(dtype=object),
            "cost": cost,
        },
        st.geometry.to_numpy(),
        n,
        own_columns(st.drop(columns="name")),
    )
    near = near_network(out, network, max_dist_m)
    if not near.all():
        far = list(out.loc[~near, "site_id"])
        log.warning(
            "%s: %d candidates lie farther than %g m from any walkable street and are left "
            "out: %s (check their coordinates and crs=, or the network extent)",
            path,
            len(far),
            max_dist_m,
            rows_text(far),
        )
        out = out.loc[near].reset_index(drop=True)
    out = out.assign(merged_ids=pd.array(np.full(len(out), ""), dtype="str"))
    return out


def _spec_file(text: str, poi_files: Sequence[Any]) -> Path:
    """The candidate file a spec other than ``auto`` names; it must exist, without POI files."""
    path = Path(text)
    if path.is_dir():
        input_file(path, "candidate")
    if not path.is_file():
        what = "candidate file not found" if path.suffix else "unknown candidates spec"
        raise InputDataError(
            f"{what} {text!r}; give 'auto' (street sites and points of interest) or a "
            "candidate file (.csv, .xlsx, .geojson, .gpkg, .shp)"
        )
    if poi_files:
        raise InputDataError(
            f"poi_files apply to 'auto' candidates only, not to the file {text!r}; drop "
            "them or use spec 'auto'"
        )
    return path


def _source_candidates(src: PoiSource) -> gpd.GeoDataFrame:
    """The points of interest of one POI source (an OSM file or a point layer)."""
    if not is_osm_path(src.path):
        return poi_layer_candidates(src.path, crs=src.crs, kind=src.kind)
    if src.crs is not None and parse_crs(src.crs).kind != "wgs84":
        raise CRSError(
            f"OpenStreetMap data is WGS-84; crs={src.crs!r} does not apply", path=src.path
        )
    if src.kind is not None:
        raise InputDataError(
            f"kind={src.kind!r} does not apply to OpenStreetMap files (kinds come from their tags)",
            path=src.path,
        )
    return osm_poi_candidates(src.path)


def _drop_repeated(pois: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep the first of points of interest read twice (same OSM object)."""
    dup = pois["site_id"].duplicated().to_numpy()
    if not dup.any():
        return pois
    repeated = pois.loc[dup, "site_id"]
    not_osm = sorted(set(repeated[~repeated.str.startswith("osm-")]))
    if not_osm:
        raise InputDataError(
            f"site ids {rows_text(not_osm)} come from two POI files with the same name; "
            "rename one of the files"
        )
    log.info("%d points of interest read twice (same OSM object) kept once", int(dup.sum()))
    return pois.loc[~dup].reset_index(drop=True)


def _poi_candidates(network: WalkNetwork, sources: Sequence[PoiSource]) -> gpd.GeoDataFrame:
    """Points of interest of the network's OSM file, then of ``sources``, each object once."""
    frames: list[gpd.GeoDataFrame] = []
    own = _network_osm(network)
    if own is not None:
        frames.append(osm_poi_candidates(own))
    frames.extend(_source_candidates(src) for src in sources)
    # concat keeps the GeoDataFrame
    pois = pd.concat(frames, ignore_index=True) if frames else empty_candidates()
    pois = gpd.GeoDataFrame(pois, geometry="geometry", crs="EPSG:4326")
    return _drop_repeated(pois)


def _pool(pois: gpd.GeoDataFrame, streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Points of interest, then street sites, in one candidate table."""
    pooled = pd.concat([pois, streets], ignore_index=True)
    pooled = gpd.GeoDataFrame(pooled, geometry="geometry", crs="EPSG:4326")
    pooled["edge"] = pooled["edge"].astype("Int64")
    return pooled


def candidates_from_spec(
    spec: str,
    *,
    network: WalkNetwork,
    crs: str | CoordSystem | None = None,
    sheet: str | None = None,
    spacing_m: float = CANDIDATE_SPACING_M,
    poi_files: Sequence[str | Path | PoiSource] = (),
    min_separation_m: float = 20.0,
    max_dist_m: float = SNAP_MAX_DIST_M,
    street_classes: Sequence[str] = STREET_CLASSES,
) -> gpd.GeoDataFrame:
    """Candidate sites from ``"auto"`` or a candidate FILE (see :mod:`harbor_planner.candidates`).

    ``auto``: points of interest (from the network's own OSM file, then ``poi_files`` in
    order; an OSM object read twice is kept once) and street sites (:func:`street_candidates`)
    are pooled in that priority order; those farther than ``max_dist_m`` from every walkable
    edge are dropped (a file covering more than the network, bus stops geocoded to another
    city), then those closer than ``min_separation_m`` to a kept one are merged into it
    (:func:`merge_candidates`), so a POI beats a street site and an earlier POI a later one.

    Parameters
    ----------
    spec
        ``"auto"`` or the path of a candidate file in any station format.
    network
        The walk network: streets, the source OSM file, the extent and the metric CRS.
    crs
        FILE only: the true coordinate system of the file, as for
        :func:`harbor_planner.read_stations` (required for CSV/XLSX and lon/lat GIS files:
        ``"gcj02"``, ``"bd09"``, ``"wgs84"``, ``"EPSG:NNNN"``). POI files state theirs in
        ``poi_files`` (``FILE:CRS``).
    sheet
        FILE only: workbook sheet(s) or GeoPackage layer (default every sheet with
        coordinates).
    spacing_m
        ``auto``: largest distance between street sites along a street, metres.
    poi_files
        ``auto``: more points of interest: OSM files or point layers, as paths, ``FILE``,
        ``FILE:CRS``, ``FILE:CRS:KIND`` strings (:func:`parse_poi_source`) or
        :class:`PoiSource`.
    min_separation_m
        ``auto``: candidates closer than this are merged (0: none).
    max_dist_m
        Candidates farther than this from every walkable edge are dropped (logged; for a
        FILE with a warning naming them).
    street_classes
        ``auto``: ``highway`` values of the streets (default :data:`STREET_CLASSES`).

    Returns
    -------
    geopandas.GeoDataFrame
        The candidate schema of :mod:`harbor_planner.candidates`, with ``merged_ids``.

    Raises
    ------
    InputDataError
        Unknown spec, missing file, an option that does not apply to the spec, a candidate
        file with errors (the problem table is in the message), or no candidate left.
    CRSError
        A candidate or POI file whose coordinate system is not stated.

    """
    text = str(spec).strip()
    max_dist = check_positive("max_dist_m", max_dist_m, unit="metres")
    if text.lower() != "auto":
        path = _spec_file(text, poi_files)
        out = _file_candidates(path, crs=crs, sheet=sheet, network=network, max_dist_m=max_dist)
        if out.empty:
            raise InputDataError(
                f"no candidate of the file lies within {max_dist:g} m of the walk network; "
                "check crs= and that the network covers the same area",
                path=path,
            )
        log.info("candidates: %d sites from %s", len(out), path.name)
        return out

    misplaced = [n for n, v in (("crs", crs), ("sheet", sheet)) if v is not None]
    if misplaced:
        raise InputDataError(
            f"{' and '.join(misplaced)} {'apply' if len(misplaced) > 1 else 'applies'} to a "
            "candidate FILE, not to 'auto' (--candidates-crs, --sheet); state a POI "
            "file's CRS in poi_files as FILE:CRS (e.g. bus_stops.csv:gcj02:bus_stop)"
        )
    spacing = check_positive("spacing_m", spacing_m, unit="metres")
    pois = _poi_candidates(network, [parse_poi_source(p) for p in poi_files])
    near = near_network(pois, network, max_dist)
    n_far = int((~near).sum())
    pois = pois.loc[near].reset_index(drop=True)
    streets = street_candidates(network, spacing_m=spacing, classes=street_classes)
    pooled = _pool(pois, streets)
    out = merge_candidates(pooled, min_separation_m=min_separation_m, metric_crs=network.crs)
    if out.empty:
        raise InputDataError(
            f"no candidate site: the network has no ground-level street of "
            f"{spacing / 2:g} m or more ({', '.join(street_classes)}) and no point of interest "
            f"lies within {max_dist:g} m of it; use a smaller candidate spacing "
            "(--candidate-spacing, optimize.candidate_spacing_m), POI files (--poi), or a "
            "candidate file (--candidates FILE)"
        )
    counts = out["kind"].value_counts()
    log.info(
        "candidates: %d sites (%s); %d points of interest farther than %g m from the network "
        "dropped, %d candidates closer than %g m merged",
        len(out),
        ", ".join(f"{k} {v}" for k, v in counts.items()),
        n_far,
        max_dist,
        len(pooled) - len(out),
        min_separation_m,
    )
    return out

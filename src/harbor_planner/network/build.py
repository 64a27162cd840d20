"""Build a :class:`~harbor_planner.network.compiled.WalkNetwork` from any source."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from harbor_planner.errors import InputDataError, NetworkError
from harbor_planner.network._ways import RawWays, ways_to_edges
from harbor_planner.network.compiled import (
    WalkNetwork,
    assemble_network,
    is_network_file,
    largest_component,
    load_network,
    retime,
)
from harbor_planner.network.elevation import DemOutside, check_dem_outside, edge_grades
from harbor_planner.network.lines import LINE_SUFFIXES
from harbor_planner.network.osm import OSM_SUFFIXES, is_osm_path
from harbor_planner.network.sources import read_sources, source_record
from harbor_planner.network.walk import WalkModel, walk_model_of
from harbor_planner.settings import DEM_SMOOTHING_M, MINUTES, SNAP_TOLERANCE_M

__all__ = ["Grading", "build_network", "source_kind", "with_grades"]

log = logging.getLogger(__name__)

SourceKind = Literal["network", "osm", "graphml", "lines", "place"]


def source_kind(source: str | Path) -> SourceKind:
    """What kind of network source ``source`` is, from its form and file name.

    Raises
    ------
    InputDataError
        The file does not exist or its kind is not recognised.

    """
    text = str(source)
    if text.startswith("place:"):
        if not text[6:].strip():
            raise InputDataError("place: needs a place name, e.g. 'place:渝中区, 重庆市'")
        return "place"
    path = Path(source)
    if not path.exists():
        raise InputDataError("file not found", path=path)
    name = path.name.lower()
    if is_network_file(path) or name.endswith(".npz"):  # load_network says what is wrong
        return "network"
    if is_osm_path(path):
        return "osm"
    if name.endswith(".graphml"):
        return "graphml"
    if name.endswith(LINE_SUFFIXES) or path.is_dir():
        return "lines"
    raise InputDataError(
        "unknown network source: expected a saved network (.npz), an OSM file "
        f"({', '.join(OSM_SUFFIXES)}), an OSMnx .graphml, a line layer "
        f"({', '.join(LINE_SUFFIXES)}) or place:NAME",
        path=path,
    )


@dataclass(frozen=True)
class Grading:
    """How grades are read: the model (stairs' costs), DEM settings and class caps."""

    model: WalkModel
    dem_outside: DemOutside = "error"
    smoothing_m: float = DEM_SMOOTHING_M
    max_grade_pct: Mapping[str, float] | None = None


def _with_speed_direction(
    model: WalkModel, walk_speed_kmh: float | None, walk_direction: str | None = None
) -> WalkModel:
    if walk_speed_kmh is not None:
        model = replace(model, speed_kmh=walk_speed_kmh)
    return model if walk_direction is None else replace(model, direction=walk_direction)


def _default_model(walk_model: WalkModel | None, has_dem: bool) -> WalkModel:
    if walk_model is not None:
        return walk_model
    return WalkModel(kind="hilly" if has_dem else "stairs")


def _edge_tables(ways: RawWays) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Nodes and edges tables (without times) from ways."""
    es = ways_to_edges(ways)
    attrs = es.attrs.iloc[es.way].reset_index(drop=True)
    # a way's step_count is shared among its edges in proportion to their length
    way_len = np.bincount(es.way, weights=es.length_m, minlength=len(es.attrs))
    share = np.divide(
        es.length_m, way_len[es.way], out=np.ones(len(es.way)), where=way_len[es.way] > 0
    )
    edges = pd.DataFrame(
        {
            "u": es.u,
            "v": es.v,
            "way_id": attrs["way_id"].to_numpy(np.int64),
            "highway": attrs["highway"].to_numpy(object),
            "name": np.where(attrs["name"].isna(), None, attrs["name"]).astype(object),
            "kind": attrs["kind"].to_numpy(np.int8),
            "length_m": es.length_m,
            "step_count": attrs["step_count"].to_numpy(np.float64) * share,
            "incline": attrs["incline"].to_numpy(np.int8),
            "incline_grade": attrs["incline_grade"].to_numpy(np.float64),
            "fwd_ok": attrs["fwd_ok"].to_numpy(bool),
            "bwd_ok": attrs["bwd_ok"].to_numpy(bool),
            "elevator_ends": es.elevator_ends,
            "off_ground": attrs["off_ground"].to_numpy(bool),
            "rise_m": np.nan,
            "slope_len_fwd_m": np.nan,
            "slope_len_bwd_m": np.nan,
            "grade_pct": 0.0,
            "grade_source": np.int8(0),
            "above_cap": False,
        }
    )
    nodes = pd.DataFrame(
        {
            "osmid": es.node_id,
            "x": es.node_xy[:, 0],
            "y": es.node_xy[:, 1],
            "z_m": np.nan,
        }
    )
    return nodes, edges, es.geometry


def with_grades(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    geometry: np.ndarray,
    *,
    crs: str,
    dem: str | Path | None,
    grading: Grading,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Nodes with elevations and edges with grades (tags and, given a DEM, the DEM).

    Returns the nodes, the edges and what the source record keeps of the grading (DEM,
    edges outside it, cell size and settings).
    """
    grades = edge_grades(
        edges,
        node_xy=nodes[["x", "y"]].to_numpy(),
        geometry=geometry,
        crs=crs,
        dem=dem,
        model=grading.model,
        dem_outside=grading.dem_outside,
        smoothing_m=grading.smoothing_m,
        max_grade_pct=grading.max_grade_pct,
    )
    nodes = nodes.assign(z_m=grades.node_z_m)
    edges = edges.assign(
        rise_m=grades.rise_m,
        slope_len_fwd_m=grades.slope_len_fwd_m,
        slope_len_bwd_m=grades.slope_len_bwd_m,
        grade_pct=grades.grade_pct,
        grade_source=grades.grade_source,
        above_cap=grades.above_cap,
    )
    info: dict[str, Any] = {}
    if dem is not None:
        info = {
            "dem": str(dem),
            "dem_outside_edges": grades.n_outside,
            "dem_cell_m": round(grades.cell_m, 3),
            "dem_smoothing_m": grading.smoothing_m,
        }
    if grading.max_grade_pct:
        info["max_grade_pct"] = dict(grading.max_grade_pct)
    return nodes, edges, info


def build_network(
    source: str | Path | list[str | Path],
    *,
    walk_model: WalkModel | None = None,
    walk_speed_kmh: float | None = None,
    walk_direction: str | None = None,
    dem: str | Path | None = None,
    dem_outside: DemOutside = "error",
    dem_smoothing_m: float = DEM_SMOOTHING_M,
    max_grade_pct: Mapping[str, float] | None = None,
    keep_all: bool = False,
    snap_tolerance_m: float = SNAP_TOLERANCE_M,
    join_crossings: bool = False,
    metric_crs: str | None = None,
    progress: bool | None = None,
    within: Any = None,
    bbox: Any = None,
    margin_m: float | None = None,
) -> WalkNetwork:
    """Build (or load) a walk network with walking times.

    Parameters
    ----------
    source
        An OSM file (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``, ``.o5m``), a GraphML
        saved by OSMnx, a line layer of street centrelines (``.geojson``, ``.gpkg``,
        ``.shp``...), ``"place:NAME"`` (downloads through OSMnx; needs the internet) or a
        network saved by :func:`~harbor_planner.network.save_network`, which is loaded (and
        re-timed when ``walk_model`` differs). A list of sources is joined into one network
        (see :mod:`harbor_planner.network.sources`).
    walk_model
        How walking time is computed; default ``hilly`` when ``dem`` is given, else
        ``stairs`` (for a saved network: the model it was saved with).
    walk_speed_kmh
        Flat walking speed overriding the one of ``walk_model`` (or of the default/saved
        model), km/h.
    walk_direction
        ``"from-station"`` or ``"to-station"`` (see :class:`WalkModel`), overriding the one
        of ``walk_model`` (or of the default/saved model: ``"from-station"``).
    dem
        Elevation raster (any CRS) for the ``hilly`` model.
    dem_outside
        ``"error"`` (default) when the DEM does not cover every edge, or ``"flat"`` to time
        uncovered edges as flat ground.
    dem_smoothing_m
        Gaussian smoothing of the DEM before grades are read (sigma, metres; default
        :data:`~harbor_planner.settings.DEM_SMOOTHING_M` for 30 m surface models, 0 for a
        bare-earth terrain model).
    max_grade_pct
        Grade caps (%) by ``highway`` class overriding
        :data:`~harbor_planner.settings.MAX_GRADE_PCT` (key ``other``: unlisted classes).
    keep_all
        Keep every connected component; by default only the largest is kept and what was
        dropped is reported.
    snap_tolerance_m
        Line layers only: join line ends closer than this many metres.
    join_crossings
        Line layers only: join lines at ground level where they cross without a shared
        vertex (the junctions of a CAD export; bridges, tunnels and ``layer`` keep theirs
        apart); without it such crossings are counted and warned of.
    metric_crs
        Projected CRS in metres for all lengths; default the local UTM zone (EPSG:32648 in
        Chongqing).
    progress
        Show a progress bar; default only on a terminal.
    within
        Keep only the ways reaching into these districts (names or adcodes, a list or text
        separated by commas), this polygon layer file, GeoDataFrame or WGS-84 geometry; OSM
        files are clipped while read (see :mod:`harbor_planner.network.clip`).
    bbox
        Or keep the ways reaching into this WGS-84 box ``W,S,E,N``.
    margin_m
        Ways within this many metres of the area are kept too; default the walk of
        :data:`~harbor_planner.settings.MINUTES` minutes at the walking speed (1,125 m at
        4.5 km/h), so that streets just outside the area still route.

    Returns
    -------
    WalkNetwork

    Raises
    ------
    InputDataError
        Missing, unreadable or unrecognised source or DEM.
    CRSError
        A line layer without CRS, or a geographic ``metric_crs``.
    NetworkError
        No walkable edges after filtering, a DEM that does not cover the network, or
        ``hilly`` without elevation.

    """
    t0 = time.perf_counter()
    walk_model = walk_model_of(walk_model)
    if not isinstance(source, str | os.PathLike | list | tuple) or not source:
        raise InputDataError(
            f"source must be a file path, 'place:NAME' or a list of them, got {source!r}"
        )
    sources, kinds = _source_kinds(source, clipped=within is not None or bbox is not None)
    source = sources[0] if len(sources) == 1 else sources
    kind = kinds[0]
    if dem is not None:
        check_dem_outside(dem_outside)
    if kind == "network":
        grading = Grading(
            _default_model(walk_model, True), dem_outside, dem_smoothing_m, max_grade_pct
        )
        net = _load_saved(source, walk_model, (walk_speed_kmh, walk_direction), dem, grading)
        _refuse_build_options(
            source, keep_all, (snap_tolerance_m, join_crossings), metric_crs, net.crs
        )
        log.info(
            "loaded network %s: %d nodes, %d edges (%s, %.2f s)",
            source,
            net.n_nodes,
            net.n_edges,
            net.walk_model.kind,
            time.perf_counter() - t0,
        )
        return net

    model = _with_speed_direction(
        _default_model(walk_model, has_dem=dem is not None), walk_speed_kmh, walk_direction
    )
    if model.kind == "hilly" and dem is None:
        raise NetworkError(
            "walk model 'hilly' needs an elevation raster: pass --dem RASTER (dem=...) or "
            "choose --walk-model stairs"
        )
    steps = ["read", "split ways", "elevation", "time and compile"]
    if dem is None:
        steps.remove("elevation")
    bar = tqdm(total=len(steps), desc="network", disable=None if progress is None else not progress)
    try:
        net = _build_from_source(
            source,
            kind,
            model,
            bar,
            dem=dem,
            grading=Grading(model, dem_outside, dem_smoothing_m, max_grade_pct),
            keep_all=keep_all,
            noding=(snap_tolerance_m, join_crossings),
            metric_crs=metric_crs,
            area=_area(within, bbox, margin_m, model),
        )
    finally:
        bar.close()
    log.info(
        "built walk network from %s: %d nodes, %d edges, %.1f km, model %s at %g km/h (%.2f s)",
        source,
        net.n_nodes,
        net.n_edges,
        net.edges["length_m"].sum() / 1000,
        model.kind,
        model.speed_kmh,
        time.perf_counter() - t0,
    )
    return net


def _load_saved(
    source: str | Path,
    walk_model: WalkModel | None,
    speed_direction: tuple[float | None, str | None],
    dem: str | Path | None,
    grading: Grading,
) -> WalkNetwork:
    """A saved network, given elevation from ``dem`` or re-timed for ``walk_model``."""
    net = load_network(source)
    model = _with_speed_direction(walk_model or net.walk_model, *speed_direction)
    if dem is None:
        _check_kept_grading(net, grading, source)
    if dem is not None:
        nodes, edges, info = with_grades(
            net.nodes, net.edges, net.edge_geometry, crs=net.crs, dem=dem, grading=grading
        )
        net = WalkNetwork(
            crs=net.crs,
            nodes=nodes,
            edges=edges,
            edge_geometry=net.edge_geometry,
            walk_model=net.walk_model,
            source={**net.source, **info},
        )
        return retime(
            net, _with_speed_direction(_default_model(walk_model, True), *speed_direction)
        )
    if model != net.walk_model:
        return net.with_walk_model(model)
    return net


def _check_kept_grading(net: WalkNetwork, grading: Grading, source: str | Path) -> None:
    """Refuse grading settings that a saved network read from a DEM cannot honour.

    A saved network keeps the grades read when it was built (the DEM's profile along each
    edge is not saved): other grade caps or smoothing, without the DEM to read them again,
    would be silently ignored and the figures would rest on settings they do not follow.
    """
    info = net.source
    if "dem" not in info:  # refused, as without a DEM on a source (README; probe 19W)
        given = [f"max_grade_pct {dict(grading.max_grade_pct)}"] if grading.max_grade_pct else []
        if grading.smoothing_m != DEM_SMOOTHING_M:
            given.append(f"dem_smoothing_m {grading.smoothing_m:g}")
        if given:
            raise InputDataError(
                f"{'; '.join(given)}: this saved network was built without a DEM, so it has no "
                "grades to cap or smooth; build it with a DEM (network.dem, --dem), or leave "
                "them out",
                path=source,
            )
        return
    asked = []
    built_caps = dict(info.get("max_grade_pct") or {})
    if grading.max_grade_pct is not None and dict(grading.max_grade_pct) != built_caps:
        asked.append(
            f"max_grade_pct {dict(grading.max_grade_pct)} (built with "
            f"{built_caps or 'the default caps'})"
        )
    built_smoothing = info.get("dem_smoothing_m")
    if grading.smoothing_m not in (DEM_SMOOTHING_M, built_smoothing):
        asked.append(f"dem_smoothing_m {grading.smoothing_m:g} (built with {built_smoothing} m)")
    if asked:
        raise InputDataError(
            f"{'; '.join(asked)}: a saved network keeps the grades read from the DEM when it "
            "was built; give the DEM again (network.dem, --dem) to read them with these "
            "settings, or leave them out",
            path=source,
        )


def _walkable_tables(
    ways: RawWays, source: str | Path, *, keep_all: bool, info: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Nodes, edges and geometry of the ways, the largest component only unless ``keep_all``."""
    nodes, edges, geometry = _edge_tables(ways)
    if len(edges) == 0:
        raise NetworkError(
            f"{source}: no walkable edges are left after filtering (foot=no, access=no, "
            "motorways...); is this a street network of the right area?"
        )
    if not keep_all:
        nodes, edges, geometry, dropped = largest_component(nodes, edges, geometry)
        info.update(dropped)
    return nodes, edges, geometry


def _refuse_build_options(
    source: Any, keep_all: bool, noding: tuple[float, bool], metric_crs: str | None, crs: str
) -> None:
    """Options that only apply while building, refused for a saved network (never ignored).

    ``metric_crs`` equal to the saved network's own CRS (``crs``) is what it was built in.
    """
    from pyproj import CRS

    given = [
        name
        for name, set_ in (
            ("keep_all", bool(keep_all)),
            ("snap_tolerance_m", noding[0] != SNAP_TOLERANCE_M),
            ("join_crossings", bool(noding[1])),
            ("metric_crs", metric_crs is not None and CRS(metric_crs) != CRS(crs)),
        )
        if set_
    ]
    if given:
        raise InputDataError(
            f"{', '.join(given)}: {'options' if len(given) > 1 else 'an option'} of building a "
            f"network from OSM or line layers; the saved network {Path(str(source)).name} is "
            "used as it was built: leave them out, or build it again with them (harbor-planner "
            "network build)"
        )


def _source_kinds(
    source: str | Path | list[str | Path], *, clipped: bool
) -> tuple[list[str | Path], list[SourceKind]]:
    """The sources and their kinds; a saved network is neither joined nor clipped."""
    sources = list(source) if isinstance(source, list | tuple) else [source]
    if not sources:
        raise InputDataError("network source: give at least one source")
    kinds = [source_kind(s) for s in sources]
    if "network" in kinds and (len(sources) > 1 or clipped):
        raise InputDataError(
            "a saved network (.npz) cannot be joined with other sources or clipped to an "
            "area; build from its OSM files or line layers instead"
        )
    return sources, kinds


def _area(within: Any, bbox: Any, margin_m: float | None, model: WalkModel) -> Any:
    """The clip area; the default margin is the walk of ``MINUTES`` at the model's speed."""
    if within is None and bbox is None:
        return None
    from harbor_planner.network.clip import clip_area

    if margin_m is None:
        margin_m = MINUTES * model.speed_kmh * 1000.0 / 60.0
    return clip_area(within=within, bbox=bbox, margin_m=margin_m)


def _read_all(
    source: str | Path | list[str | Path],
    info: dict[str, Any],
    area: Any,
    *,
    noding: tuple[float, bool],
    metric_crs: str | None,
) -> RawWays:
    """The joined ways of one or several sources; their records and the area into ``info``.

    ``noding``: the snapping tolerance and whether crossings join (line layers).
    """
    sources = source if isinstance(source, list) else [source]
    kinds = [source_kind(s) for s in sources]
    records = [source_record(s, k) for s, k in zip(sources, kinds, strict=True)]
    info.update(records[0])
    if len(sources) > 1:
        info.update(
            kind="joined", sources=[{"kind": k, **r} for k, r in zip(kinds, records, strict=True)]
        )
    if area is not None:
        info["within"] = area.record()
    ways = read_sources(
        sources,
        kinds,
        area=area,
        snap_tolerance_m=noding[0],
        join_crossings=noding[1],
        metric_crs=metric_crs,
        info=info,
    )
    if ways.read_stats:  # one OSM file: how many node positions the reader held
        info["osm_read"] = dict(ways.read_stats)
    return ways


def _build_from_source(
    source: str | Path | list[str | Path],
    kind: SourceKind,
    model: WalkModel,
    bar: Any,
    *,
    dem: str | Path | None,
    grading: Grading,
    keep_all: bool,
    noding: tuple[float, bool],
    metric_crs: str | None,
    area: Any = None,
) -> WalkNetwork:
    """Read, split, give elevation and time file or place sources, advancing ``bar``."""
    info: dict[str, Any] = {"kind": kind}
    bar.set_postfix_str("read")
    ways = _read_all(source, info, area, noding=noding, metric_crs=metric_crs)
    bar.update()
    bar.set_postfix_str("split ways")
    nodes, edges, geometry = _walkable_tables(ways, source, keep_all=keep_all, info=info)
    bar.update()
    if dem is not None:
        bar.set_postfix_str("elevation")
    nodes, edges, grade_info = with_grades(
        nodes, edges, geometry, crs=ways.crs, dem=dem, grading=grading
    )
    info.update(grade_info)
    if dem is not None:
        bar.update()
    bar.set_postfix_str("time and compile")
    net = assemble_network(
        crs=ways.crs,
        nodes=nodes,
        edges=edges,
        edge_geometry=geometry,
        walk_model=model,
        source=info,
    )
    bar.update()
    return net

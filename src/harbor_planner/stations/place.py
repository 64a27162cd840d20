"""Place checked stations on the walk network, merge the placement, write the check to a file.

:func:`place_stations` snaps each station to the nearest walkable street, warns about those
far from any (``far_from_network``), and, from the original coordinates, tells whether another
datum would fit the network much better (``datum_shift_suspected``, see
:func:`harbor_planner.coords.diagnose_datum_shift`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from harbor_planner._io import atomic_path
from harbor_planner._stable import gpkg_text_clean, stable_gpkg
from harbor_planner.coords import DatumDiagnosis, diagnose_datum_shift, to_wgs84
from harbor_planner.errors import CRSError, InputDataError
from harbor_planner.readers import problem
from harbor_planner.settings import SNAP_MAX_DIST_M
from harbor_planner.stations.problems import concat_problems, problems_where
from harbor_planner.stations.read import StationCheck

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["StationPlacement", "merge_placement", "place_stations", "write_station_check"]

log = logging.getLogger(__name__)

#: The lon/lat datums a station file may be in, tried against each other.
_DATUMS = ("wgs84", "gcj02", "bd09")


@dataclass(frozen=True)
class StationPlacement:
    """Stations snapped to a walk network (see :func:`place_stations`).

    Attributes
    ----------
    stations
        The stations with the snap columns added: ``snap_node`` (int), ``snap_node_dist_m``,
        ``snap_edge`` (int), ``snap_edge_frac`` (0-1 along the edge), ``snap_dist_m``
        (distance to the nearest edge) and ``on_network`` (``snap_dist_m <= max_dist_m``).
    problems
        ``far_from_network`` warnings and, when the points fit the network better in another
        datum, one ``datum_shift_suspected`` warning.
    max_dist_m
        The distance threshold used.
    datum
        The datum diagnosis, or ``None`` when not computed.

    """

    stations: gpd.GeoDataFrame
    problems: pd.DataFrame
    max_dist_m: float
    datum: DatumDiagnosis | None = None

    @property
    def far(self) -> gpd.GeoDataFrame:
        """Stations farther than ``max_dist_m`` from any walkable street."""
        return self.stations[~self.stations["on_network"]]


def place_stations(
    stations: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    max_dist_m: float = SNAP_MAX_DIST_M,
    check_datum: bool = True,
) -> StationPlacement:
    """Snap stations to the walk network and flag those far from any walkable street.

    Parameters
    ----------
    stations
        Stations with a CRS, e.g. :attr:`StationCheck.stations`. Rows are kept in order.
    network
        The walk network (:func:`harbor_planner.network.build_network`).
    max_dist_m
        Stations farther than this from the nearest edge get a ``far_from_network`` warning
        (default :data:`harbor_planner.settings.SNAP_MAX_DIST_M`, 150 m).
    check_datum
        Also read the original coordinates (``lon_orig``/``lat_orig``, when in a lon/lat
        datum) as WGS-84, GCJ-02 and BD-09 and warn (``datum_shift_suspected``) when another
        reading fits the network much better than the stated one
        (:func:`harbor_planner.coords.diagnose_datum_shift`).

    Returns
    -------
    StationPlacement

    """
    from harbor_planner.network import snap_points

    if stations.crs is None:
        raise CRSError("stations have no CRS; read them with read_stations or set_crs first")
    if max_dist_m <= 0:
        raise InputDataError(f"max_dist_m must be positive, got {max_dist_m}")
    snap = snap_points(network, stations.geometry, max_dist_m=max_dist_m, ground_first=True)
    out = stations.copy()
    out["snap_node"] = np.asarray(snap.node, dtype=np.int64)
    out["snap_node_dist_m"] = np.asarray(snap.node_dist_m, dtype=float)
    out["snap_edge"] = np.asarray(snap.edge, dtype=np.int64)
    out["snap_edge_frac"] = np.asarray(snap.edge_frac, dtype=float)
    out["snap_dist_m"] = np.asarray(snap.edge_dist_m, dtype=float)
    out["on_network"] = np.asarray(snap.within, dtype=bool)
    problems = [_far_from_network(out, max_dist_m)]
    diagnosis = _diagnose_datum(out, network) if check_datum else None
    if diagnosis is not None and diagnosis.shifted:
        problems.append(
            pd.DataFrame(
                [problem(None, None, None, "warning", "datum_shift_suspected", diagnosis.message())]
            )
        )
    n_far = int((~out["on_network"]).sum())
    if not len(out):
        log.info("no station to place on the network")
    else:
        log.info(
            "placed %d stations on the network: median %.0f m from a street, %d farther than "
            "%g m",
            len(out), float(np.nanmedian(out["snap_dist_m"])), n_far, max_dist_m,
        )  # fmt: skip
    return StationPlacement(
        stations=out,
        problems=concat_problems(problems),
        max_dist_m=float(max_dist_m),
        datum=diagnosis,
    )


def _far_from_network(out: gpd.GeoDataFrame, max_dist_m: float) -> pd.DataFrame:
    """``far_from_network`` warnings for the snapped stations ``out``."""
    table = out.assign(
        sheet=out.get("sheet", None),
        row=out["row"] if "row" in out else pd.Series(np.arange(1, len(out) + 1)),
    )
    return problems_where(
        table,
        ~out["on_network"].to_numpy(),
        "geometry",
        "warning",
        "far_from_network",
        "station lies "
        + out["snap_dist_m"].map("{:.0f}".format).astype(object)  # no rows: still text
        + f" m from the nearest walkable street (limit {max_dist_m:g} m); check its "
        "coordinates and --crs, or the network extent",
    )


def _snap_dist(network: WalkNetwork, lon: np.ndarray, lat: np.ndarray):
    """Snap alternative readings; no distance limit, so the network logs no far points."""
    from harbor_planner.network import snap_points

    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    return snap_points(network, pts, max_dist_m=1e12)


def _diagnose_datum(out: gpd.GeoDataFrame, network: WalkNetwork) -> DatumDiagnosis | None:
    """Compare the snap distances of the original coordinates read in each lon/lat datum.

    ``None`` when the stations carry no original coordinates, or not in one lon/lat datum.
    """
    if not ({"lon_orig", "lat_orig", "crs_orig"} <= set(out.columns) and len(out)):
        return None
    kinds = out["crs_orig"].dropna().unique()
    if not (len(kinds) == 1 and kinds[0] in _DATUMS):
        return None
    stated = str(kinds[0])
    x = out["lon_orig"].to_numpy(float)
    y = out["lat_orig"].to_numpy(float)
    distances = {}  # to the nearest street of any kind in every reading, the stated one too
    for kind in _DATUMS:  # (its placement may prefer a ground street: probe 22R)
        lon, lat = to_wgs84(x, y, kind)
        distances[kind] = np.asarray(_snap_dist(network, lon, lat).edge_dist_m, dtype=float)
    # only points near a street in some reading tell a datum, as in the datum guard (probe
    # 24R: city-wide bus stops on one district's streets "fit as wgs84, 10,274 m" at INFO
    # beside the guard's error naming gcj02)
    near = np.zeros(len(out), dtype=bool)
    for d in distances.values():
        near |= np.nan_to_num(d, nan=np.inf) <= SNAP_MAX_DIST_M
    distances = {k: np.where(near, d, np.nan) for k, d in distances.items()}
    diagnosis = diagnose_datum_shift(distances, stated=stated)
    if near.any():
        log.log(logging.WARNING if diagnosis.shifted else logging.INFO, diagnosis.message())
    return diagnosis


def merge_placement(check: StationCheck, placement: StationPlacement) -> StationCheck:
    """Return ``check`` with the placement columns and problems of ``placement`` merged in.

    Parameters
    ----------
    check
        The checked stations.
    placement
        :func:`place_stations` applied to ``check.stations``.

    Returns
    -------
    StationCheck

    """
    return dataclasses.replace(
        check,
        stations=placement.stations,
        problems=concat_problems([check.problems, placement.problems]),
    )


def write_station_check(check: StationCheck, path: str | os.PathLike[str]) -> Path:
    """Write a checked station list to a GeoPackage, atomically.

    Layers: ``stations`` (the clean points, WGS-84), ``rejected`` (rows with errors, as read,
    with their problems) and ``problems`` (all problems). The file appears complete or not
    at all: it is written to a temporary file in the same folder and then renamed.

    Parameters
    ----------
    check
        The result of :func:`read_stations` (possibly with placement columns and problems
        merged in by :func:`merge_placement`).
    path
        Target ``.gpkg`` file; replaced if it exists.

    Returns
    -------
    pathlib.Path
        The file written.

    """
    import pyogrio

    out = Path(path)
    if out.suffix.lower() != ".gpkg":
        raise InputDataError("the output must be a GeoPackage (.gpkg)", path=out)
    if out.resolve() == Path(check.source).resolve():
        raise InputDataError("refusing to overwrite the input file; choose another --out", path=out)
    stations = check.stations.copy()
    stations["flagship"] = (
        stations["flagship"].astype(object).where(stations["flagship"].notna(), None)
    )
    rejected = check.rejected.astype(object).where(check.rejected.notna(), None).astype("str")
    rejected["row"] = check.rejected["row"].astype("int64")
    problems = check.problems.copy()
    problems["row"] = problems["row"].astype("Float64")
    stations, rejected, problems = map(gpkg_text_clean, (stations, rejected, problems))
    with atomic_path(out) as tmp, stable_gpkg():
        pyogrio.write_dataframe(stations, tmp, layer="stations", driver="GPKG")
        pyogrio.write_dataframe(rejected, tmp, layer="rejected", driver="GPKG", append=True)
        pyogrio.write_dataframe(problems, tmp, layer="problems", driver="GPKG", append=True)
    log.info(
        "wrote %s: %d stations, %d rejected rows, %d problems",
        out,
        len(check.stations),
        len(check.rejected),
        len(check.problems),
    )
    return out

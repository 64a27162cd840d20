"""The parts of a partitioned run: the partition layer read, checked and put on the network.

``run.partition`` names a polygon layer (or ``district``: the study's district layer); each
part is one named polygon. :func:`read_parts` reads and checks the layer before any work is
done (a table without geometry, no CRS, no polygons, parts without a name or named twice are
said at once); :meth:`PartitionLayer.on_network` keeps the parts meeting the walk network, in
its CRS; :meth:`Parts.assign` gives each point its part.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from harbor_planner._arrays import first_holder
from harbor_planner.errors import InputDataError
from harbor_planner.settings import PARTITION_DISTRICT, PARTITION_NAME_COLUMNS

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork
    from harbor_planner.scenario import Scenario

__all__ = ["PartitionLayer", "Parts", "load_parts", "read_parts"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PartitionLayer:
    """A partition layer as read (:func:`read_parts`): named polygons in the layer's CRS.

    Attributes
    ----------
    names
        Part names, sorted.
    geometry
        One (Multi)Polygon per part, in ``crs``.
    crs
        The layer's CRS.
    source
        ``"district"`` or the layer's file name.
    name_column
        The column the names came from.
    where
        The setting that named the layer (for messages).

    """

    names: list[str]
    geometry: npt.NDArray[np.object_]
    crs: Any
    source: str
    name_column: str
    where: str

    def on_network(self, net: WalkNetwork) -> Parts:
        """The parts meeting the network's extent, in its CRS.

        Raises
        ------
        InputDataError
            No part meets the network.

        """
        import geopandas as gpd

        geom = gpd.GeoSeries(self.geometry, crs=self.crs).to_crs(net.crs).to_numpy()
        lo, hi = net.node_xy.min(axis=0), net.node_xy.max(axis=0)
        meets = shapely.intersects(geom, shapely.box(lo[0], lo[1], hi[0], hi[1]))
        if not meets.any():
            raise InputDataError(f"{self.where}: no part of {self.source} meets the walk network")
        return Parts(
            names=[n for n, m in zip(self.names, meets, strict=True) if m],
            geometry=shapely.make_valid(geom[meets]),
            source=self.source,
            name_column=self.name_column,
        )


@dataclass(frozen=True)
class Parts:
    """The parts of a study: names (sorted) and polygons in the network's metric CRS.

    Attributes
    ----------
    names
        Part names, sorted (the order of the tie rule).
    geometry
        One (Multi)Polygon per part, metric CRS.
    source
        ``"district"`` or the partition layer's file name.
    name_column
        The column the names came from.

    """

    names: list[str]
    geometry: npt.NDArray[np.object_]
    source: str
    name_column: str

    def assign(self, xy: npt.NDArray[np.float64]) -> tuple[IntArray, int]:
        """The part of each point: the first (by name) holding it, else the nearest.

        Parameters
        ----------
        xy
            ``(n, 2)`` coordinates in the parts' CRS.

        Returns
        -------
        (numpy.ndarray, int)
            Part position of each point, and how many lay outside every part.

        """
        n, k = len(xy), len(self.names)
        part = first_holder(self.geometry, xy, boundary=True) if n else np.zeros(0, np.int64)
        part[part < 0] = k
        outside = np.flatnonzero(part == k)
        if len(outside):
            tree = shapely.STRtree(self.geometry)
            pt, poly = tree.query_nearest(shapely.points(xy[outside]), all_matches=True)
            nearest = np.full(len(outside), k, dtype=np.int64)
            np.minimum.at(nearest, pt, poly)
            part[outside] = nearest
        return part, len(outside)


def _name_column(frame: Any, given: str | None, where: str, path: Path | None) -> str:
    if given is not None:
        if given not in frame:
            raise InputDataError(
                f"{where}: no column {given!r}; it has {', '.join(map(str, frame.columns))}",
                path=path,
            )
        return given
    for col in PARTITION_NAME_COLUMNS:
        if col in frame:
            return col
    raise InputDataError(
        f"{where}: the layer needs a name column ({', '.join(PARTITION_NAME_COLUMNS)}) or "
        f"run.partition_name; it has {', '.join(map(str, frame.columns))}",
        path=path,
    )


def read_parts(scenario: Scenario) -> PartitionLayer:
    """The layer of ``run.partition``, read and checked before any work is done.

    Parameters
    ----------
    scenario
        Its ``[run]`` (and, for ``district``, ``coverage.districts``/``district_column``).

    Returns
    -------
    PartitionLayer
        The named parts in the layer's own CRS, sorted by name.

    Raises
    ------
    InputDataError
        An unreadable layer, a table without geometry, no CRS, no polygons, no name column,
        a part without a name, names given twice.

    """
    cfg = scenario.run
    path = cfg.partition_file
    if path is None:
        path = scenario.coverage.districts
        given = scenario.coverage.district_column
        where = "run.partition = 'district'"
    else:
        given, where = cfg.partition_name, "run.partition"
    if path is None:
        from harbor_planner.districts import chongqing_districts

        frame, col = chongqing_districts(), "name_zh"
    else:
        frame = _read_layer(Path(path), where)
        col = _name_column(frame, given, where, path)
    frame = _polygon_rows(frame, where, path)
    names, geometry = _merged(_part_names(frame, col, where, path), frame.geometry.to_numpy())
    order = np.argsort(names, kind="stable")
    return PartitionLayer(
        names=[str(x) for x in names[order]],
        geometry=geometry[order],
        crs=frame.crs,
        source=PARTITION_DISTRICT if cfg.partition_file is None else Path(path).name,
        name_column=col,
        where=where,
    )


def load_parts(scenario: Scenario, net: WalkNetwork) -> Parts:
    """The parts of ``run.partition``, in the network's CRS (those meeting the network).

    Parameters
    ----------
    scenario
        Its ``[run]`` (and, for ``district``, ``coverage.districts``/``district_column``).
    net
        The walk network (its CRS and extent).

    Returns
    -------
    Parts

    Raises
    ------
    InputDataError
        As :func:`read_parts`, and no part meeting the network.

    """
    return read_parts(scenario).on_network(net)


def _read_layer(path: Path, where: str) -> Any:
    """A partition layer file as a GeoDataFrame with a CRS, cleaned as every polygon layer.

    :func:`~harbor_planner.readers.read_polygon_file`: part names cleaned of control
    characters (probe 27T: an ESC sequence reached ``run.json``), rings made valid.
    """
    from harbor_planner.readers import read_polygon_file

    return read_polygon_file(path, where, f"{where}: the partition layer", ("districts",))


def _merged(
    names: npt.NDArray[Any], geometry: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """One part per name: the rows of a name (a district in pieces, islands) united.

    Probe 22D: a district layer holding 渝中区 in two rows ran whole (its figures summed by
    name) but ``--partition district`` refused it ("given twice").
    """
    import shapely

    unique, first, inverse = np.unique(names, return_index=True, return_inverse=True)
    if len(unique) == len(names):
        return names, geometry
    keep = np.sort(first)
    merged = np.array(  # rows drawn invalid (a self-crossing ring: probe 22R) made valid first
        [shapely.union_all(shapely.make_valid(geometry[inverse == inverse[i]])) for i in keep]
    )
    many = [str(names[i]) for i in keep if (inverse == inverse[i]).sum() > 1]
    log.info("partition layer: the rows of %s are one part each", ", ".join(many[:10]))
    return names[keep], merged


def _part_names(frame: Any, col: str, where: str, path: Path | None) -> npt.NDArray[Any]:
    """The parts' names (stripped): each part named (a name in several rows: one part)."""
    import pandas as pd

    from harbor_planner.districts import name_text

    names = pd.Series(name_text(frame[col]), index=frame.index).fillna("").astype(str)
    names = names.str.strip()  # "A" and "A " are one part's name (probe 18D)
    blank = np.flatnonzero(names.to_numpy() == "")
    if len(blank):
        raise InputDataError(
            f"{where}: {len(blank)} part(s) without a name in column {col!r} (the first is "
            f"feature {int(names.index[blank[0]]) + 1} of the layer); name every part",
            path=path,
        )
    return names.to_numpy()


def _polygon_rows(frame: Any, where: str, path: Path | None) -> Any:
    """The layer's (Multi)Polygon rows; a layer of none refused, rows left out warned of."""
    polygons = frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy() & ~(
        frame.geometry.is_empty.to_numpy()
    )
    if not polygons.any():
        kinds = sorted({str(k) for k in frame.geom_type.dropna()}) or ["no geometry"]
        raise InputDataError(
            f"{where}: the partition layer holds no polygons ({', '.join(kinds)}); give a "
            "layer of district polygons",
            path=path,
        )
    if not polygons.all():
        log.warning(
            "%s: %d of %d rows of the partition layer %s are not polygons (empty, missing, "
            "points or lines) and are left out",
            where, int((~polygons).sum()), len(frame), path,
        )  # fmt: skip
    return frame[polygons]

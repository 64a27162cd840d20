"""The plan being edited on the page: stations, undo/redo, and coverage kept up to date.

Coverage is incremental: for every demand point the state keeps how many open stations reach
it on foot (and within the straight-line circle, and how many built stations reach it). An
edit recomputes only the reach of the station it changes (:class:`~.reach.DemandReach`, one
bounded search) and updates the counts of the demand points that station touches; the
figures are then sums over those counts. The result equals :func:`harbor_planner.coverage`
run offline on the same stations (``covered``, ``n_stations``, ``coverage_pct``).
"""

from __future__ import annotations

import base64
import logging
import math
import threading
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from harbor_planner.errors import InputDataError
from harbor_planner.network import WalkNetwork, anchor_points, anchors_for
from harbor_planner.network.snap import points_xy
from harbor_planner.serve.reach import DemandReach, StationReach
from harbor_planner.serve.words import refusal
from harbor_planner.settings import (
    SERVE_MAX_NAME_CHARS,
    SERVE_MAX_STATIONS,
    SERVE_STATUSES,
    SERVE_UNDO_STEPS,
    SNAP_MAX_DIST_M,
)

__all__ = ["DEGREE_DECIMALS", "PlanState", "PlanStation"]

log = logging.getLogger(__name__)

#: Decimals of the WGS-84 degrees the plan keeps (about 1 mm), as ``plan_stations.csv`` saves
#: them: a station is measured where the saved file puts it (one within a millimetre of the
#: snapping distance was on the network on the page and off it in the file).
DEGREE_DECIMALS = 8


def _degrees(v: float) -> float:
    """``v`` to :data:`DEGREE_DECIMALS`, rounded as the saved table rounds it (numpy)."""
    return float(np.round(v, DEGREE_DECIMALS))


#: A change of one station: (id, before, after); ``None`` where it does not exist.
Change = tuple[str, "PlanStation | None", "PlanStation | None"]


@dataclass(frozen=True)
class PlanStation:
    """A station of the plan (WGS-84 coordinates).

    Attributes
    ----------
    station_id, name, status
        Its id (unique in the plan), name and status (one of ``STATUS_VALUES``, or ``""``
        when the station file gives none: counted as built, as :func:`harbor_planner.coverage`
        counts it, and saved without a status).
    lon, lat
        WGS-84 degrees.

    """

    station_id: str
    name: str
    status: str
    lon: float
    lat: float

    @property
    def counts(self) -> bool:
        """Whether it counts in the coverage figures (closed stations do not)."""
        return self.status != "closed"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.station_id,
            "name": self.name,
            "status": self.status,
            "lon": self.lon,
            "lat": self.lat,
        }


def _pct(x: float, total: float) -> float | None:
    """The percentage as :func:`harbor_planner.coverage` rounds it."""
    return round(100.0 * x / total, 2) if total > 0 else None


class PlanState:
    """Stations being edited, with coverage counts per demand point and an undo stack.

    Parameters
    ----------
    network
        The walk network.
    stations
        The stations to start from (GeoDataFrame with a CRS; ``station_id``, ``name`` and
        ``status`` used where present).
    demand
        A :class:`~harbor_planner.demand.Demand` or a GeoDataFrame of points with ``weight``.
    minutes
        The walking-time limit.
    max_dist_m
        Snapping distance of stations and demand.
    districts, district_column
        As for :func:`harbor_planner.coverage` (``None``: Chongqing's 区县).
    max_stations
        Most stations the plan may hold.

    """

    def __init__(
        self,
        network: WalkNetwork,
        stations: Any,
        demand: Any,
        *,
        minutes: float,
        max_dist_m: float = SNAP_MAX_DIST_M,
        districts: Any = None,
        district_column: str | None = None,
        max_stations: int = SERVE_MAX_STATIONS,
    ) -> None:
        from harbor_planner.analysis.coverage import assign_districts

        self.lock = threading.RLock()
        self.network = network
        self.minutes = float(minutes)
        self.max_dist_m = float(max_dist_m)
        self.max_stations = int(max_stations)
        points = getattr(demand, "points", demand)
        self.demand_points = points
        self.weight = points["weight"].to_numpy(np.float64)
        self.total = float(self.weight.sum())
        anchors = anchors_for(network, points, max_dist_m=max_dist_m)
        self.beyond = ~np.asarray(anchors.within, dtype=bool)  # no street within reach
        xy, _ = points_xy(points, crs=network.crs, what="demand")
        self.reach = DemandReach(network, anchors, xy, minutes)
        wgs = points.to_crs("EPSG:4326")
        self.demand_lonlat = np.column_stack([wgs.geometry.x, wgs.geometry.y])
        self._districts = (districts, district_column)
        names = assign_districts(wgs, districts, district_column).astype(str)
        self.district_names, self.district_code = np.unique(names.to_numpy(), return_inverse=True)
        #: each district's status as ``run`` marks it (set by the session; default ``study``)
        #: and the study's districts without demand, listed without a figure
        self.district_status: dict[str, str] = {}
        self.districts_without_demand: list[str] = []
        import pyproj

        self._to_net = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
        lo, hi = network.node_xy.min(axis=0), network.node_xy.max(axis=0)
        self.extent_xy = (lo - max_dist_m, hi + max_dist_m)
        n = len(points)
        self.walk = np.zeros(n, np.int32)
        self.circle = np.zeros(n, np.int32)
        self.built = np.zeros(n, np.int32)
        self.stations: dict[str, PlanStation] = {}
        self.reached: dict[str, tuple[tuple[float, float], StationReach]] = {}
        self.undo_stack: list[list[Change]] = []
        self.redo_stack: list[list[Change]] = []
        self.version = 0
        self._next = 1
        given = _from_frame(stations)
        # the file's other columns (统一编号, flagship, address...), saved with the plan
        self.attributes: dict[str, dict[str, Any]] = {}
        for st in given:
            if st.station_id in self.stations:
                raise InputDataError(f"station id {st.station_id} is given twice")
            self._put(st.station_id, st)
        self.attributes = _attributes(stations, [st.station_id for st in given])
        #: where the file put each station: one moved from there takes its new district
        self.loaded_at = {st.station_id: (st.lon, st.lat) for st in given}

    # ------------------------------------------------------------------ validation

    def to_xy(self, lon: float, lat: float) -> npt.NDArray[np.float64]:
        """WGS-84 degrees in the network CRS."""
        x, y = self._to_net.transform(lon, lat)
        return np.array([x, y], dtype=np.float64)

    def check_point(self, lon: Any, lat: Any) -> tuple[float, float]:
        """Finite WGS-84 coordinates inside the walk network's extent.

        Raises
        ------
        InputDataError
            Not numbers, not finite, or outside.

        """
        if isinstance(lon, bool) or isinstance(lat, bool):
            raise refusal(InputDataError, "not_numbers")
        try:
            x, y = float(lon), float(lat)
        except (TypeError, ValueError):
            raise refusal(InputDataError, "not_numbers") from None
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise refusal(InputDataError, "not_degrees")
        x, y = _degrees(x), _degrees(y)
        p = self.to_xy(x, y)
        lo, hi = self.extent_xy
        if not (np.all(p >= lo) and np.all(p <= hi)):
            raise refusal(InputDataError, "off_extent", lon=x, lat=y)
        return x, y

    def check_id(self, station_id: Any) -> str:
        """A known station id. Raises ``KeyError`` for an unknown one."""
        key = str(station_id)
        if key not in self.stations:
            raise KeyError(key)
        return key

    # ------------------------------------------------------------------ edits

    def add(
        self, lon: Any, lat: Any, *, status: str = "proposed", name: str | None = None
    ) -> PlanStation:
        """Add a station at a point; returns it (with a new id)."""
        with self.lock:
            if len(self.stations) >= self.max_stations:
                raise refusal(InputDataError, "plan_full", n=len(self.stations))
            x, y = self.check_point(lon, lat)
            checked = _status(status)  # before an id is taken: a refused add uses none
            sid = self.new_id()
            st = PlanStation(sid, _name(name, sid), checked, x, y)
            self.commit([(sid, None, st)])
            return st

    def update(self, station_id: Any, **changes: Any) -> PlanStation:
        """Move a station, or change its status or name."""
        with self.lock:
            sid = self.check_id(station_id)
            old = self.stations[sid]
            new = old
            if "lon" in changes or "lat" in changes:
                lon, lat = self.check_point(
                    changes.get("lon", old.lon), changes.get("lat", old.lat)
                )
                new = replace(new, lon=lon, lat=lat)
            if changes.get("status") is not None:
                new = replace(new, status=_status(changes["status"]))
            if changes.get("name") is not None:
                new = replace(new, name=_name(changes["name"], sid))
            if new != old:  # an edit that changes nothing is no step to undo
                self.commit([(sid, old, new)])
            return new

    def delete(self, station_id: Any) -> None:
        """Delete a station."""
        with self.lock:
            sid = self.check_id(station_id)
            self.commit([(sid, self.stations[sid], None)])

    def add_many(self, points: list[tuple[float, float, str]]) -> list[PlanStation]:
        """Add several stations as one step (``(lon, lat, name)``, status proposed)."""
        with self.lock:
            if len(self.stations) + len(points) > self.max_stations:
                raise refusal(InputDataError, "too_many", k=len(points), most=self.max_stations)
            changes: list[Change] = []
            for lon, lat, name in points:
                x, y = self.check_point(lon, lat)
                sid = self.new_id(taken={c[0] for c in changes})
                changes.append((sid, None, PlanStation(sid, _name(name, sid), "proposed", x, y)))
            self.commit(changes)
            return [c[2] for c in changes if c[2] is not None]

    def new_id(self, taken: set[str] | None = None) -> str:
        """A station id not in use (``NEW001``...)."""
        taken = taken or set()
        while True:
            sid = f"NEW{self._next:03d}"
            self._next += 1
            if sid not in self.stations and sid not in taken and sid not in self.attributes:
                return sid

    def commit(self, changes: list[Change]) -> None:
        """Apply a step of changes and put it on the undo stack (clearing redo)."""
        if not changes:
            return
        for sid, _, after in changes:
            self._put(sid, after)
        self.undo_stack.append(changes)
        del self.undo_stack[:-SERVE_UNDO_STEPS]
        self.redo_stack.clear()
        self.version += 1

    def undo(self, seen: int | None = None) -> bool:
        """Undo the last step; ``False`` when there is none, or the plan is not at ``seen``.

        ``seen``: the version the page shows (another tab changed the plan since: probe 24S).
        """
        with self.lock:
            if not self.undo_stack or (seen is not None and seen != self.version):
                return False
            step = self.undo_stack.pop()
            for sid, before, _ in reversed(step):
                self._put(sid, before)
            self.redo_stack.append(step)
            self.version += 1
            return True

    def redo(self, seen: int | None = None) -> bool:
        """Redo the last undone step; ``False`` when there is none (or see :meth:`undo`)."""
        with self.lock:
            if not self.redo_stack or (seen is not None and seen != self.version):
                return False
            step = self.redo_stack.pop()
            for sid, _, after in step:
                self._put(sid, after)
            self.undo_stack.append(step)
            self.version += 1
            return True

    def _put(self, sid: str, st: PlanStation | None) -> None:
        """Set station ``sid`` to ``st`` (``None``: remove), updating the counts."""
        old = self.stations.get(sid)
        if old is not None and old.counts:
            self._count(old, -1)
        if st is None:
            self.stations.pop(sid, None)
            return
        self.stations[sid] = st  # a station edited keeps its place (and its row when saved)
        if st.counts:
            self._count(st, +1)

    def _count(self, st: PlanStation, sign: int) -> None:
        """Add (``+1``) or remove (``-1``) a station's reach from the counts."""
        r = self.station_reach(st)
        self.walk[r.walk] += sign
        self.circle[r.circle] += sign
        if st.status in ("existing", ""):  # no status counts as built, as in hp.coverage
            self.built[r.walk] += sign

    def station_reach(self, st: PlanStation) -> StationReach:
        """What a station reaches (computed once per position)."""
        key = (st.lon, st.lat)
        hit = self.reached.get(st.station_id)
        if hit is not None and hit[0] == key:
            return hit[1]
        import geopandas as gpd

        pt = gpd.GeoDataFrame(geometry=gpd.points_from_xy([st.lon], [st.lat]), crs="EPSG:4326")
        anchor = anchor_points(self.network, pt, max_dist_m=self.max_dist_m, warn_far=False)
        xy, _ = points_xy(pt, crs=self.network.crs, what="stations")
        r = self.reach.station(anchor, xy[0])
        if not r.on_network:  # once per position: the page shows it too
            log.warning(
                "serve: station %s is %.0f m from the nearest walkable street (more than %g m): "
                "it reaches no demand on foot",
                st.station_id,
                float(anchor.dist_m[0]),
                self.max_dist_m,
            )
        self.reached[st.station_id] = (key, r)
        return r

    # ------------------------------------------------------------------ figures

    @property
    def covered(self) -> npt.NDArray[np.bool_]:
        """Whether each demand point is within the limit of an open station."""
        return self.walk > 0

    def figures(self) -> dict[str, Any]:
        """The headline figures (rounded as :func:`harbor_planner.coverage` rounds them)."""
        w, total = self.weight, self.total
        cov = float(w[self.covered].sum())
        on = [s for s in self.stations.values() if s.counts]
        return {
            "stations": len(self.stations),
            "stations_open": len(on),
            "stations_on_network": sum(1 for s in on if self.station_reach(s).on_network),
            "max_dist_m": self.max_dist_m,
            "demand_total": round(total, 3),
            "demand_covered": round(cov, 3),
            "coverage_pct": _pct(cov, total),
            "euclidean_coverage_pct": _pct(float(w[self.circle > 0].sum()), total),
            "coverage_built_pct": _pct(float(w[self.built > 0].sum()), total),
            "double_coverage_pct": _pct(float(w[self.walk >= 2].sum()), total),
            "minutes": self.minutes,
            # without any status the built figure is that of every station (hp.coverage's
            # rule): the page then says so instead of labelling it built
            "status_given": not on or any(s.status for s in self.stations.values()),
            "stations_without_status": sum(1 for s in on if not s.status),
        }

    def district_totals(self) -> pd.DataFrame:
        """Each district's demand, demand beyond the network and points (no station needed)."""
        k = len(self.district_names)
        code = self.district_code
        return pd.DataFrame({
            "district": [str(x) for x in self.district_names],
            "demand_total": np.bincount(code, weights=self.weight, minlength=k),
            "demand_beyond_network": np.bincount(
                code[self.beyond], weights=self.weight[self.beyond], minlength=k
            ),
            "points": np.bincount(code, minlength=k),
        })  # fmt: skip

    def by_district(self) -> list[dict[str, Any]]:
        """Coverage per district of the demand points, all stations and built ones.

        Each row has the district's ``status`` as ``run`` marks it: a district marked
        (``no_network``, ``too_small``, ``outside``) is shown without its figure, and the
        study's districts without demand follow as ``no_demand`` rows (probe 21S).
        """
        k = len(self.district_names)
        code = self.district_code
        total = np.bincount(code, weights=self.weight, minlength=k)
        cov = np.bincount(code[self.covered], weights=self.weight[self.covered], minlength=k)
        on = self.built > 0
        built = np.bincount(code[on], weights=self.weight[on], minlength=k)
        rows = [
            {
                "district": str(self.district_names[i]),
                "status": self.district_status.get(str(self.district_names[i]), "study"),
                "demand_total": round(float(total[i]), 3),
                "demand_covered": round(float(cov[i]), 3),
                "coverage_pct": _pct(float(cov[i]), float(total[i])),
                "coverage_built_pct": _pct(float(built[i]), float(total[i])),
            }
            for i in range(k)
        ]
        none = {"demand_total": 0.0, "demand_covered": 0.0, "coverage_pct": None,
                "coverage_built_pct": None}  # fmt: skip
        rows += [{"district": d, "status": "no_demand", **none}
                 for d in self.districts_without_demand]  # fmt: skip
        return rows

    def covered_bits(self) -> str:
        """``covered`` packed as bits (little-endian within bytes), base64."""
        bits = np.packbits(self.covered, bitorder="little")
        return base64.b64encode(bits.tobytes()).decode("ascii")

    def snapshot(self) -> dict[str, Any]:
        """What the page needs after an edit: stations, figures, districts, covered bits."""
        with self.lock:
            return {
                "version": self.version,
                "stations": [self._station_json(s) for s in self.stations.values()],
                "figures": self.figures(),
                "districts": self.by_district(),
                "covered": self.covered_bits(),
                "can_undo": bool(self.undo_stack),
                "can_redo": bool(self.redo_stack),
                # what the next Undo and Redo act on, for a page told its click was refused
                "undo_next": _step_json(self.undo_stack[-1] if self.undo_stack else None),
                "redo_next": _step_json(self.redo_stack[-1] if self.redo_stack else None),
            }

    def _station_json(self, st: PlanStation) -> dict[str, Any]:
        """A station for the page, with its distance to the streets when beyond snapping."""
        r = self.station_reach(st)
        off = None if r.on_network else round(r.street_m, 1)
        return {**st.as_dict(), "off_network_m": off}

    def frame(self, *, open_only: bool = False) -> Any:
        """The stations as a GeoDataFrame (WGS-84; ``station_id``, ``name``, ``status``).

        The station file's other columns follow (the register's 统一编号, flagship, address,
        area...: probe 19Z found a save dropped them), empty for stations added here.
        """
        import geopandas as gpd

        rows = [s for s in self.stations.values() if s.counts or not open_only]
        columns = {
            "station_id": [s.station_id for s in rows],
            "name": [s.name for s in rows],
            "status": [s.status or None for s in rows],  # none given: as a file reads
        }
        if self.attributes:
            names = list(next(iter(self.attributes.values())))
            empty = dict.fromkeys(names)
            for col in names:
                columns[col] = [self.attributes.get(s.station_id, empty)[col] for s in rows]
        frame = gpd.GeoDataFrame(
            columns,
            geometry=gpd.points_from_xy([s.lon for s in rows], [s.lat for s in rows]),
            crs="EPSG:4326",
        )
        return self._moved_districts(frame, rows)

    def _moved_districts(self, frame: Any, rows: list[PlanStation]) -> Any:
        """The file's district column, for the stations moved since it was read or added here.

        Probe 21S: a station moved into 江北区 kept the file's 渝中区 in the saved plan.
        """
        from harbor_planner.analysis.coverage import assign_districts
        from harbor_planner.readers import column_role

        cols = [c for c in frame.columns if c != "geometry" and column_role(c) == "district"]
        moved = np.array([self.loaded_at.get(s.station_id) != (s.lon, s.lat) for s in rows],
                         dtype=bool)  # moved, or added here  # fmt: skip
        if not cols or not moved.any():
            return frame
        names = assign_districts(frame[moved], *self._districts).astype(object)
        names = names.where(names.notna() & names.astype(str).ne(""), None).to_numpy()
        for col in cols:
            frame.loc[moved, col] = names
        return frame


#: Stations of a step named at most (the page says how many more).
_STEP_NAMED = 3


def _step_json(step: list[Change] | None) -> dict[str, Any] | None:
    """A step of the undo or redo stack for the page: the edit and the stations it changes.

    ``kind`` is ``add``, ``delete`` or ``edit`` (a mixed step is an edit); ``stations``
    names the first :data:`_STEP_NAMED` by id (and name, when it is not the id); ``n``
    counts them all (probe 25R3: a refused Undo did not say what the next one reverts).
    """
    if not step:
        return None
    kinds = {"add" if before is None else "delete" if after is None else "edit"
             for _, before, after in step}  # fmt: skip
    named = []
    for sid, before, after in step[:_STEP_NAMED]:
        st = after if after is not None else before
        name = st.name if st is not None else sid
        named.append(sid if name == sid else f"{sid} {name}")
    return {"kind": kinds.pop() if len(kinds) == 1 else "edit", "stations": named, "n": len(step)}


def _status(value: Any) -> str:
    """A status the page may set (``built`` is read as ``existing``)."""
    text = str(value).strip().lower()
    text = {"built": "existing"}.get(text, text)
    if text not in SERVE_STATUSES and text != "":
        raise refusal(InputDataError, "unknown_status", value=value)
    return text


def _name(value: Any, default: str) -> str:
    """A station name: text, at most ``SERVE_MAX_NAME_CHARS`` characters, no control chars."""
    from harbor_planner._text import clean_text

    if value is None:
        return default
    if not isinstance(value, str):
        raise refusal(InputDataError, "name_not_text")
    if len(value) > SERVE_MAX_NAME_CHARS:
        raise refusal(InputDataError, "name_too_long", n=SERVE_MAX_NAME_CHARS)
    return clean_text(value).strip() or default


def _attributes(stations: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The station file's own columns by station id: not the plan's, not computed ones."""
    from harbor_planner.readers import column_role
    from harbor_planner.stations.own_outputs import COMPUTED_COLUMNS

    if stations is None or not len(stations):
        return {}
    skip = {"station_id", "name", "status", "source_file", *COMPUTED_COLUMNS}
    table = pd.DataFrame(stations.drop(columns=stations.geometry.name)).reset_index(drop=True)
    keep = [
        c for c in table.columns
        if c not in skip and not str(c).startswith("_")
        # a layer's own 经度/纬度 attributes: saved beside lon/lat they would be read back
        # first, and a moved station would jump back (probe 19R)
        and column_role(c) not in ("lon", "lat")
    ]  # fmt: skip
    if not keep:
        return {}
    rows = table[keep].astype(object).where(table[keep].notna(), None).to_dict("records")
    return dict(zip(ids, rows, strict=True))


def _from_frame(stations: Any) -> list[PlanStation]:
    """Plan stations from a station GeoDataFrame (any CRS; statuses kept)."""
    if stations is None or len(stations) == 0:
        return []
    wgs = stations.to_crs("EPSG:4326").reset_index(drop=True)
    fallback = pd.Series(
        [f"row-{r}" for r in wgs["row"]] if "row" in wgs else
        [f"S{i + 1:03d}" for i in range(len(wgs))]
    )  # fmt: skip
    given = wgs["station_id"] if "station_id" in wgs else pd.Series([None] * len(wgs))
    missing = given.isna() | given.astype(str).str.strip().eq("")
    ids = given.astype(object).where(~missing, fallback).astype(str)  # no id: its row, not "nan"
    names = wgs.get("name", ids)
    status = wgs["status"] if "status" in wgs else pd.Series([""] * len(wgs))
    out = []
    for sid, name, st, x, y in zip(ids, names, status, wgs.geometry.x, wgs.geometry.y, strict=True):
        text = "" if st is None or (isinstance(st, float) and math.isnan(st)) else str(st)
        nm = str(name) if isinstance(name, str) and name else str(sid)
        out.append(PlanStation(str(sid), nm, text, _degrees(x), _degrees(y)))
    return out

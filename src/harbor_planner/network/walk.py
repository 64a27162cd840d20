"""Walking time on network edges: the :class:`WalkModel` and the figures behind it.

Every edge of a walk network carries the attributes that walking time depends on (length,
kind of way, step count, stair direction, escalator direction, elevation profile). A
:class:`WalkModel` turns them into seconds for both directions of travel with
:func:`edge_times`, a pure vectorised function: the same network can be re-timed for another
walking speed or model without being rebuilt.

Models
------
``flat``
    ``time = length / speed`` on every edge; only the direction restrictions (one-way
    escalators, ``oneway:foot``) are kept.
``stairs`` (default when no elevation model is given)
    Stairs (``highway=steps``) are slower than flat ground, escalators and lifts have their own
    times; everything else is ``length / speed``.
``hilly``
    ``stairs`` plus the slope of every other way from a DEM, through Tobler's hiking function
    normalised to the flat speed, so uphill and downhill differ.

Figures and sources
-------------------
* Flat speed, default 4.5 km/h (1.25 m/s), the value of OSMnx's examples and common practice;
  GB 50180-2018's 15-minute life circle (800-1,000 m) implies 3.2-4.0 km/h.
* Stairs, horizontal speed relative to the flat speed: ascending x 1/2.20, descending
  x 1/1.93, from Weidmann (1993), *Transporttechnik der Fussgänger*, IVT Schriftenreihe 90
  (ETH Zürich): 0.610 m/s up and 0.694 m/s down against 1.34 m/s on the level. When the
  direction of a flight is unknown (no ``incline`` tag, no DEM), the mean factor 2.065 is used
  both ways.
* ``step_count``: the flight is ``step_count x 0.30 m`` of horizontal stairs (a typical
  outdoor tread; GB 50352-2019 sets 0.26-0.28 m minima for public stairs) timed as above;
  any remaining length of the way is landing, walked at the flat speed. A flight tagged
  with more steps than its drawn length holds is timed by its steps.
* Escalators (``conveying=*``): riding at 0.5 m/s along the incline (the common nominal speed;
  EN 115-1 allows up to 0.75 m/s at 30 degrees), over the drawn horizontal length divided by
  cos(30 degrees). ``conveying=forward|backward`` (or ``oneway=yes|-1`` on a conveying way) is
  one direction only; ``yes`` and ``reversible`` are usable both ways. Moving walkways
  (``conveying`` on a non-stair way) run at the same speed without the incline.
* Lifts (``highway=elevator`` nodes, e.g. Yuzhong's 凯旋路电梯): 60 s to pass through (waiting
  and riding; an assumption, configurable), charged half on each edge that enters or leaves the
  lift node, so passing through costs the full figure. A lift drawn as a way costs 60 s
  whatever its length.
* Slopes (``hilly``): Tobler (1993), *Three presentations on geographical analysis and
  modeling*, NCGIA TR 93-1: ``v = 6 exp(-3.5 |s + 0.05|)`` km/h, used relative to flat ground,
  ``factor(s) = exp(-3.5 (|s + 0.05| - 0.05))``, so that ``s = 0`` walks at the chosen speed.
  The DEM is sampled every 10 m along each edge (bilinear); grades steeper than +-35 % on
  non-stair ways are DEM artefacts (cliffs beside a road) and are clipped. Bridges and tunnels
  take the straight grade between their end nodes, never the river or hill under or over them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from harbor_planner._validate import check_positive
from harbor_planner.errors import InputDataError, NetworkError
from harbor_planner.settings import WALK_MODELS, WALK_SPEED_KMH

__all__ = [
    "KIND_ELEVATOR",
    "KIND_ESCALATOR",
    "KIND_MOVING_WALKWAY",
    "KIND_NAMES",
    "KIND_STEPS",
    "KIND_WALK",
    "WalkModel",
    "edge_times",
    "tobler_factor",
]

WalkModelKind = Literal["flat", "stairs", "hilly"]

KIND_WALK = 0
KIND_STEPS = 1
KIND_ESCALATOR = 2
KIND_ELEVATOR = 3
KIND_MOVING_WALKWAY = 4
KIND_NAMES: tuple[str, ...] = ("walk", "steps", "escalator", "elevator", "moving_walkway")

#: Shortest time given to any edge, in seconds. ``scipy.sparse.csgraph`` reads a stored zero
#: as "no edge", so zero-length edges (duplicate nodes, lifts in flat mode) get this instead.
MIN_EDGE_TIME_S = 1e-3

FloatArray = npt.NDArray[np.float64]


def tobler_factor(slope: npt.ArrayLike) -> FloatArray:
    """Walking speed on a slope relative to flat ground (Tobler's hiking function).

    Parameters
    ----------
    slope
        Grade as rise over horizontal run (0.1 is 10 % uphill, negative is downhill).

    Returns
    -------
    numpy.ndarray
        ``exp(-3.5 (|s + 0.05| - 0.05))``: 1 on the level, 1.19 at -5 % (fastest), 0.70 at
        +10 %, 0.50 at +20 %.

    """
    s = np.asarray(slope, dtype=np.float64)
    return np.exp(-3.5 * (np.abs(s + 0.05) - 0.05))


@dataclass(frozen=True)
class WalkModel:
    """How walking time is computed from edge attributes.

    Parameters
    ----------
    kind
        ``"flat"``, ``"stairs"`` or ``"hilly"`` (see the module documentation).
    speed_kmh
        Walking speed on flat ground, km/h.
    stairs_up_factor, stairs_down_factor
        Time on stairs relative to flat ground of the same horizontal length, going up and down.
    step_tread_m
        Horizontal depth of one step, used with ``step_count`` tags.
    escalator_speed_ms
        Speed of escalators and moving walkways along their incline, m/s.
    escalator_angle_deg
        Incline of escalators, degrees.
    elevator_s
        Time to pass through a lift (waiting and riding), seconds.

    """

    kind: WalkModelKind = "stairs"
    speed_kmh: float = WALK_SPEED_KMH
    stairs_up_factor: float = 2.20
    stairs_down_factor: float = 1.93
    step_tread_m: float = 0.30
    escalator_speed_ms: float = 0.5
    escalator_angle_deg: float = 30.0
    elevator_s: float = 60.0

    def __post_init__(self) -> None:
        if self.kind not in WALK_MODELS:
            raise InputDataError(
                f"WalkModel kind must be one of {', '.join(WALK_MODELS)}, got {self.kind!r}"
            )
        check_positive("WalkModel speed_kmh", self.speed_kmh, unit="km/h")
        check_positive("WalkModel stairs_up_factor", self.stairs_up_factor)
        check_positive("WalkModel stairs_down_factor", self.stairs_down_factor)
        check_positive("WalkModel step_tread_m", self.step_tread_m, unit="metres")
        check_positive("WalkModel escalator_speed_ms", self.escalator_speed_ms, unit="m/s")
        check_positive("WalkModel elevator_s", self.elevator_s, allow_zero=True, unit="seconds")
        if not 0 <= self.escalator_angle_deg < 60:
            raise InputDataError(
                "WalkModel escalator_angle_deg must be in [0, 60), "
                f"got {self.escalator_angle_deg!r}"
            )

    @property
    def speed_ms(self) -> float:
        """Flat walking speed in m/s."""
        return self.speed_kmh / 3.6

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, for JSON files and run manifests."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WalkModel:
        """Build from :meth:`to_dict` output; unknown keys are an error that names them."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputDataError(
                f"unknown WalkModel setting(s): {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**data)


def edge_times(
    model: WalkModel,
    *,
    length_m: npt.ArrayLike,
    kind: npt.ArrayLike,
    step_count: npt.ArrayLike,
    incline: npt.ArrayLike,
    fwd_ok: npt.ArrayLike,
    bwd_ok: npt.ArrayLike,
    elevator_ends: npt.ArrayLike,
    rise_m: npt.ArrayLike | None = None,
    slope_len_fwd_m: npt.ArrayLike | None = None,
    slope_len_bwd_m: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Walking time of every edge in both directions, in seconds.

    Parameters
    ----------
    model
        The walk model.
    length_m
        Horizontal edge length, metres.
    kind
        Edge kind code (``KIND_WALK``, ``KIND_STEPS``...).
    step_count
        Number of steps on the edge, NaN when untagged.
    incline
        Stair direction from tags along the edge's direction: +1 up, -1 down, 0 unknown.
    fwd_ok, bwd_ok
        Whether walking from ``u`` to ``v`` (forward) and back is allowed at all.
    elevator_ends
        Number of the edge's end nodes that are lifts (0, 1 or 2).
    rise_m
        Elevation of ``v`` minus elevation of ``u`` (``hilly`` only; NaN where unknown).
    slope_len_fwd_m, slope_len_bwd_m
        Flat-equivalent length of the edge in each direction, ``sum(d_i / tobler_factor(s_i))``
        over its sampled profile (``hilly`` only; NaN where the DEM gave no value, in which
        case the edge is timed as flat).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Forward and backward times in seconds; ``inf`` where that direction is not walkable.

    Raises
    ------
    NetworkError
        ``hilly`` asked for a network built without elevation data.

    """
    length = np.asarray(length_m, dtype=np.float64)
    kind = np.asarray(kind)
    v = model.speed_ms
    t_fwd = length / v
    t_bwd = t_fwd.copy()
    fwd_ok = np.asarray(fwd_ok, dtype=bool)
    bwd_ok = np.asarray(bwd_ok, dtype=bool)

    if model.kind != "flat":
        if model.kind == "hilly":
            if slope_len_fwd_m is None or slope_len_bwd_m is None or rise_m is None:
                raise NetworkError(
                    "walk model 'hilly' needs elevation: build the network with a DEM "
                    "(--dem RASTER) or choose --walk-model stairs"
                )
            slf = np.asarray(slope_len_fwd_m, dtype=np.float64)
            slb = np.asarray(slope_len_bwd_m, dtype=np.float64)
            walk = (kind == KIND_WALK) & np.isfinite(slf) & np.isfinite(slb)
            t_fwd = np.where(walk, slf / v, t_fwd)
            t_bwd = np.where(walk, slb / v, t_bwd)

        steps = kind == KIND_STEPS
        if steps.any():
            direction = np.asarray(incline, dtype=np.float64)
            if model.kind == "hilly":
                rise = np.asarray(rise_m, dtype=np.float64)
                from_dem = (direction == 0) & np.isfinite(rise) & (np.abs(rise) >= 0.5)
                direction = np.where(from_dem, np.sign(rise), direction)
            up, down = model.stairs_up_factor, model.stairs_down_factor
            mean = (up + down) / 2
            f_fwd = np.where(direction > 0, up, np.where(direction < 0, down, mean))
            f_bwd = np.where(direction > 0, down, np.where(direction < 0, up, mean))
            n = np.asarray(step_count, dtype=np.float64)
            tagged = np.isfinite(n) & (n > 0)
            stair_len = np.where(tagged, np.nan_to_num(n) * model.step_tread_m, length)
            landing = np.where(tagged, np.maximum(length - stair_len, 0.0), 0.0)
            t_fwd = np.where(steps, (stair_len * f_fwd + landing) / v, t_fwd)
            t_bwd = np.where(steps, (stair_len * f_bwd + landing) / v, t_bwd)

        escal = kind == KIND_ESCALATOR
        moving = kind == KIND_MOVING_WALKWAY
        cos_a = math.cos(math.radians(model.escalator_angle_deg))
        ride = np.where(escal, length / cos_a, length) / model.escalator_speed_ms
        t_fwd = np.where(escal | moving, ride, t_fwd)
        t_bwd = np.where(escal | moving, ride, t_bwd)

        lift = kind == KIND_ELEVATOR
        t_fwd = np.where(lift, model.elevator_s, t_fwd)
        t_bwd = np.where(lift, model.elevator_s, t_bwd)
        ends = np.asarray(elevator_ends, dtype=np.float64) * (model.elevator_s / 2)
        t_fwd = t_fwd + ends
        t_bwd = t_bwd + ends

    t_fwd = np.where(fwd_ok, np.maximum(t_fwd, MIN_EDGE_TIME_S), np.inf)
    t_bwd = np.where(bwd_ok, np.maximum(t_bwd, MIN_EDGE_TIME_S), np.inf)
    return t_fwd, t_bwd

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
* One scale for stairs and slopes: the cost of climbing is counted per metre of rise, in
  flat-equivalent metres (walking time = (horizontal length + k x rise) / flat speed).
  Stairs: Weidmann (1993), *Transporttechnik der Fussgänger*, IVT Schriftenreihe 90 (ETH
  Zürich): 0.610 m/s horizontally up and 0.694 m/s down against 1.34 m/s on the level, that is
  x 2.20 and x 1.93 the flat time on a flight of 0.30 m treads and 0.15 m risers (grade 50 %;
  GB 50352-2019 sets outdoor steps at risers <= 0.15 m, treads >= 0.30 m). Per metre of rise:
  ``k_up = (2.20 - 1) x 0.30 / 0.15 = 2.40`` and ``k_down = (1.93 - 1) x 2 = 1.86``
  flat-equivalent metres (:attr:`WalkModel.rise_cost_up_m`, :attr:`WalkModel.rise_cost_down_m`).
  Fruin (1971), *Pedestrian Planning and Design*, gives the same order for stair ascent (about
  0.5 m/s along the slope on 0.17 m risers). A flight whose direction is unknown (no
  ``incline`` tag, no DEM rise above :data:`~harbor_planner.settings.STAIR_DEM_MIN_RISE_M`)
  takes the mean of both costs both ways.
* Stair rise: ``step_count x 0.15 m`` when tagged (the horizontal extent is then the larger of
  the drawn length and ``step_count x 0.30 m``), else the numeric ``incline`` tag times the
  length, else the flight's length x 0.15 / 0.30 (the whole way is stairs). A DEM never sets a
  stair's rise (on Yuzhong's tagged steps SRTM reads a median 9 % where stairs climb ~50 %);
  it only decides an untagged stair's direction above the threshold.
* Escalators (``conveying=*``): riding at 0.5 m/s along the incline (the common nominal speed;
  EN 115-1 allows up to 0.75 m/s at 30 degrees), over the drawn horizontal length divided by
  cos(30 degrees). ``conveying=forward|backward`` (or ``oneway=yes|-1`` on a conveying way) is
  one direction only; ``yes`` and ``reversible`` are usable both ways. Moving walkways
  (``conveying`` on a non-stair way) are timed as walking the same length when the belt is
  slower than walking: people walk on them or beside them, and one never makes a trip slower
  (probe 24R: 200 m took 400 s against 160 s on the footway beside it).
* Lifts (``highway=elevator`` nodes, e.g. Yuzhong's 凯旋路电梯): 60 s to pass through (waiting
  and riding; an assumption, configurable), charged half on each edge that enters or leaves the
  lift node, so passing through costs the full figure. A lift drawn as a way costs 60 s
  whatever its length.
* Slopes (``hilly``): Tobler (1993), *Three presentations on geographical analysis and
  modeling*, NCGIA TR 93-1: ``v = 6 exp(-3.5 |s + 0.05|)`` km/h, used relative to flat ground,
  ``factor(s) = exp(-3.5 (|s + 0.05| - 0.05))``, so that ``s = 0`` walks at the chosen speed.
  Tobler's penalty per metre of rise (3.5-7 flat metres) is above the stairs' (2.4 / 1.86):
  the time factor of a slope is the smaller of Tobler's and the stairs' line
  ``1 + k |s|`` (:func:`slope_time_factor`), so a street is never timed slower than stairs
  climbing the same height; a walker takes the stairs, and a steeper "street" is a DEM
  artefact. Irmischer & Clarke (2018), *Measuring and modeling the speed of human
  navigation*, Cartography and Geographic Information Science 45(2), fit GPS-tracked walking
  speeds on and off roads against slope: the speed peaks on a gentle downhill and falls on
  either side, as Tobler's does; they support the shape kept here, not its figures.
* Grades come from :mod:`harbor_planner.network.elevation`: measured over at least the DEM's
  cell size, from a surface smoothed by ``dem_smoothing_m``, capped by road class
  (``max_grade_pct``, CJJ 37-2012 with its mountain-city allowance) and overridden by OSM
  ``incline`` tags. Bridges and tunnels take the straight grade between their end nodes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from harbor_planner._validate import check_positive
from harbor_planner.errors import InputDataError, NetworkError
from harbor_planner.settings import (
    STEP_COUNT_MAX_EXTENT_RATIO,
    WALK_DIRECTIONS,
    WALK_MODELS,
    WALK_SPEED_KMH,
    WALK_SPEED_RANGE_KMH,
)

__all__ = [
    "KIND_ELEVATOR",
    "KIND_ESCALATOR",
    "KIND_MOVING_WALKWAY",
    "KIND_NAMES",
    "KIND_STEPS",
    "KIND_WALK",
    "WalkModel",
    "edge_times",
    "slope_time_factor",
    "stair_rise_m",
    "tobler_factor",
    "walk_model_of",
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


def slope_time_factor(
    slope: npt.ArrayLike, *, rise_cost_up_m: float, rise_cost_down_m: float
) -> FloatArray:
    """Walking time on a slope relative to flat ground, never above the stairs' for its rise.

    Parameters
    ----------
    slope
        Grade as rise over horizontal run in the direction of travel.
    rise_cost_up_m, rise_cost_down_m
        Flat-equivalent metres per metre of rise of stairs, up and down
        (:attr:`WalkModel.rise_cost_up_m`, :attr:`WalkModel.rise_cost_down_m`).

    Returns
    -------
    numpy.ndarray
        ``min(1 / tobler_factor(s), 1 + k |s|)`` with ``k`` the up or down cost: 1 on the level,
        0.84 at -5 %, 1.24 at +10 % (Tobler alone: 1.42).

    """
    s = np.asarray(slope, dtype=np.float64)
    stairs_line = 1.0 + np.where(s > 0, rise_cost_up_m, rise_cost_down_m) * np.abs(s)
    return np.minimum(1.0 / tobler_factor(s), stairs_line)


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
    step_riser_m
        Height of one step: the rise of a flight is ``step_count x step_riser_m``; with
        ``step_tread_m`` it turns the stairs factors into costs per metre of rise.
    escalator_speed_ms
        Speed of escalators along their incline, m/s; a moving walkway is timed at this
        speed or the walking speed, whichever is faster.
    escalator_angle_deg
        Incline of escalators, degrees.
    elevator_s
        Time to pass through a lift (waiting and riding), seconds.
    direction
        Which way the walks are timed: ``"from-station"`` (default; the edge's forward time
        is the walk from ``u`` to ``v``) or ``"to-station"``: the two directions' times are
        swapped, so that a search leaving the stations times the walk from each street
        towards them (the network reversed).

    """

    kind: WalkModelKind = "stairs"
    speed_kmh: float = WALK_SPEED_KMH
    stairs_up_factor: float = 2.20
    stairs_down_factor: float = 1.93
    step_tread_m: float = 0.30
    step_riser_m: float = 0.15
    escalator_speed_ms: float = 0.5
    escalator_angle_deg: float = 30.0
    elevator_s: float = 60.0
    direction: Literal["from-station", "to-station"] = "from-station"

    def __post_init__(self) -> None:
        if self.kind not in WALK_MODELS:
            raise InputDataError(
                f"WalkModel kind must be one of {', '.join(WALK_MODELS)}, got {self.kind!r}"
            )
        numbers = {
            "speed_kmh": ("km/h", False),
            "stairs_up_factor": ("", False),
            "stairs_down_factor": ("", False),
            "step_tread_m": ("metres", False),
            "step_riser_m": ("metres", False),
            "escalator_speed_ms": ("m/s", False),
            "elevator_s": ("seconds", True),
            "escalator_angle_deg": ("degrees", True),
        }
        for name, (unit, zero) in numbers.items():  # kept as floats ("4" from a form: 4.0)
            value = check_positive(f"WalkModel {name}", getattr(self, name), allow_zero=zero,
                                   unit=unit)  # fmt: skip
            object.__setattr__(self, name, value)
        lo, hi = WALK_SPEED_RANGE_KMH
        if not lo <= self.speed_kmh < hi:
            raise InputDataError(
                f"WalkModel speed_kmh must be a walking speed, at least {lo:g} and below "
                f"{hi:g} km/h, got {self.speed_kmh:g} (people walk 3-5 km/h; 4.5 is the default)"
            )
        if self.direction not in WALK_DIRECTIONS:
            raise InputDataError(
                f"WalkModel direction must be one of {', '.join(WALK_DIRECTIONS)}, "
                f"got {self.direction!r}"
            )
        if not 0 <= self.escalator_angle_deg < 60:
            raise InputDataError(
                "WalkModel escalator_angle_deg must be in [0, 60), "
                f"got {self.escalator_angle_deg!r}"
            )

    @property
    def speed_ms(self) -> float:
        """Flat walking speed in m/s."""
        return self.speed_kmh / 3.6

    @property
    def rise_cost_up_m(self) -> float:
        """Flat-equivalent metres per metre of rise climbing stairs (2.40 by default)."""
        return max(self.stairs_up_factor - 1.0, 0.0) * self.step_tread_m / self.step_riser_m

    @property
    def rise_cost_down_m(self) -> float:
        """Flat-equivalent metres per metre of rise descending stairs (1.86 by default)."""
        return max(self.stairs_down_factor - 1.0, 0.0) * self.step_tread_m / self.step_riser_m

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


def stair_rise_m(
    model: WalkModel,
    *,
    length_m: npt.ArrayLike,
    step_count: npt.ArrayLike,
    rise_m: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Rise and horizontal extent of flights of stairs, metres.

    Parameters
    ----------
    model
        Gives ``step_riser_m`` and ``step_tread_m``.
    length_m
        Drawn horizontal length.
    step_count
        Tagged number of steps, NaN when untagged.
    rise_m
        A rise known from a numeric ``incline`` tag (NaN elsewhere); its magnitude is used
        where ``step_count`` is untagged.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The rise (``step_count x riser``, else ``|rise_m|``, else ``length x riser / tread``)
        and the horizontal extent (the larger of the length and ``step_count x tread``). A
        ``step_count`` whose flight is more than
        :data:`~harbor_planner.settings.STEP_COUNT_MAX_EXTENT_RATIO` times the length (plus
        3 m) is read as untagged.

    """
    length = np.asarray(length_m, dtype=np.float64)
    n = np.asarray(step_count, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        tagged = (  # a count far beyond the drawn flight is a tagging slip: read as untagged
            np.isfinite(n)
            & (n > 0)
            & (n * model.step_tread_m <= STEP_COUNT_MAX_EXTENT_RATIO * length + 3.0)
        )
    known = np.full(len(length), np.nan) if rise_m is None else np.abs(np.asarray(rise_m, float))
    default = length * model.step_riser_m / model.step_tread_m
    rise = np.where(
        tagged,
        np.nan_to_num(n) * model.step_riser_m,
        np.where(np.isfinite(known) & (known > 0), known, default),
    )
    extent = np.where(tagged, np.maximum(length, np.nan_to_num(n) * model.step_tread_m), length)
    return rise, extent


def _stairs_times(
    model: WalkModel,
    length: FloatArray,
    step_count: npt.ArrayLike,
    rise_m: npt.ArrayLike | None,
    incline: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Stair times both ways: ``(extent + k x rise) / speed`` with the up, down or mean cost."""
    direction = np.asarray(incline, dtype=np.float64)
    if rise_m is not None:
        signed = np.asarray(rise_m, dtype=np.float64)
        direction = np.where(np.isfinite(signed) & (signed != 0), np.sign(signed), direction)
    rise, extent = stair_rise_m(model, length_m=length, step_count=step_count, rise_m=rise_m)
    up, down = model.rise_cost_up_m, model.rise_cost_down_m
    mean = (up + down) / 2
    k_fwd = np.where(direction > 0, up, np.where(direction < 0, down, mean))
    k_bwd = np.where(direction > 0, down, np.where(direction < 0, up, mean))
    v = model.speed_ms
    return (extent + k_fwd * rise) / v, (extent + k_bwd * rise) / v


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
        Direction of the ``incline`` tag along the edge: +1 up, -1 down, 0 none.
    fwd_ok, bwd_ok
        Whether walking from ``u`` to ``v`` (forward) and back is allowed at all.
    elevator_ends
        Number of the edge's end nodes that are lifts (0, 1 or 2).
    rise_m
        Signed rise along the edge as the network decided it (NaN where unknown). On stairs
        its sign is the flight's direction (from the tag, else the DEM above
        :data:`~harbor_planner.settings.STAIR_DEM_MIN_RISE_M`) and its magnitude is used when
        ``step_count`` is untagged.
    slope_len_fwd_m, slope_len_bwd_m
        Flat-equivalent length of the edge in each direction,
        ``sum(d_i x slope_time_factor(s_i))`` over its graded pieces (``hilly`` only; NaN where
        the DEM gave no value, in which case the edge is timed as flat).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Forward and backward times in seconds; ``inf`` where that direction is not walkable.
        With ``model.direction == "to-station"`` the two are swapped (the time along ``u`` to
        ``v`` is the walk from ``v`` to ``u``).

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
            if slope_len_fwd_m is None or slope_len_bwd_m is None:
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
            s_fwd, s_bwd = _stairs_times(model, length, step_count, rise_m, incline)
            t_fwd = np.where(steps, s_fwd, t_fwd)
            t_bwd = np.where(steps, s_bwd, t_bwd)

        escal = kind == KIND_ESCALATOR
        moving = kind == KIND_MOVING_WALKWAY
        cos_a = math.cos(math.radians(model.escalator_angle_deg))
        ride = np.where(escal, length / cos_a / model.escalator_speed_ms,
                        length / max(model.escalator_speed_ms, v))  # fmt: skip
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
    if model.direction == "to-station":  # the network reversed: searches time the way back
        return t_bwd, t_fwd
    return t_fwd, t_bwd


def walk_model_of(value: Any) -> WalkModel | None:
    """A :class:`WalkModel` from what a caller gave: a model, a kind's name, or ``None``.

    Parameters
    ----------
    value
        ``None``, a :class:`WalkModel`, or ``"flat"``/``"stairs"``/``"hilly"``.

    Returns
    -------
    WalkModel or None

    Raises
    ------
    InputDataError
        Anything else.

    """
    if value is None or isinstance(value, WalkModel):
        return value
    if isinstance(value, str) and value in WALK_MODELS:
        return WalkModel(kind=value)  # type: ignore[arg-type]
    raise InputDataError(
        f"walk_model must be a WalkModel or one of {', '.join(WALK_MODELS)}, got {value!r}"
    )

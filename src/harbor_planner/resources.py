"""Memory estimates of the settings that multiply work, checked before the work starts.

Some settings scale the work without bound: a demand point every ``demand.spacing_m`` metres
of street, a street candidate every ``optimize.candidate_spacing_m``, a ``grid:METRES`` demand
cell, the isochrone grid ``--cell``, stations × bands of isochrones, and the pairs of a
coverage test (sources × demand points within reach). Each step that builds such work first
estimates the memory it needs (the functions ``*_bytes`` below) and calls
:func:`check_memory`, which raises one :class:`~harbor_planner.errors.InputDataError` (exit 3)
giving the estimate, the limit and the setting to change, instead of letting the run take
all of the machine's memory.

The limit, first found of:

1. :func:`memory_limit` around the work (the CLI's ``--memory-limit GB``, the scenario key
   ``coverage.memory_limit_gb``; the CLI flag wins over the scenario);
2. the environment variable ``HARBOR_PLANNER_MEMORY_GB``;
3. the memory available now (``MemAvailable`` of ``/proc/meminfo``, else psutil, else the
   total RAM): :data:`harbor_planner.settings.MEMORY_LIMIT_GB` is ``None``.

The estimates are simple products of counts and documented bytes per item, measured on the
demo district (peak resident memory of whole runs and of single steps) with a margin; they
are meant to be right to within a factor of about two, which is what refusing a runaway
setting needs.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from harbor_planner import settings
from harbor_planner.errors import InputDataError

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = [
    "CANDIDATE_BYTES",
    "DEMAND_POINT_BYTES",
    "GRID_BOX_CELL_BYTES",
    "ISOCHRONE_GRID_VERTEX_BYTES",
    "MATRIX_PAIR_BYTES",
    "PAIR_BYTES",
    "POINT_INDEX_BYTES",
    "WALKED_REACH_SHARE",
    "available_memory_bytes",
    "check_memory",
    "coverage_bytes",
    "coverage_matrix_bytes",
    "format_bytes",
    "format_count",
    "grid_demand_bytes",
    "isochrone_bytes",
    "memory_limit",
    "memory_limit_bytes",
    "process_memory_bytes",
    "street_points_bytes",
]

#: Bytes per demand point over a whole study: the demand table and its geometries (~1 KB),
#: coverage arrays and tables (~1 KB), the optimiser's rows and the written layers. Measured
#: 2.2-2.5 KB per point on the demo run at spacings of 0.1-0.02 m; rounded up.
DEMAND_POINT_BYTES = 3072
#: Bytes per candidate site: its row, geometry, anchor and reachability (measured ~1 KB).
CANDIDATE_BYTES = 2048
#: Bytes per cell of the bounding box of ``grid:METRES`` demand, before the cells far from
#: the streets are dropped (cell centres and the spatial query; measured ~220 B).
GRID_BOX_CELL_BYTES = 300
#: Bytes per vertex of the distance grid of one isochrone source (``method="grid"``),
#: measured ~40 B (distances, marching squares, rings).
ISOCHRONE_GRID_VERTEX_BYTES = 48
#: Bytes per vertex of an isochrone polygon (shapely coordinates and the union's work).
POLYGON_VERTEX_BYTES = 64
#: Bytes per (source, demand point) pair within reach, and per (source, node) reached:
#: indices, times and the intermediate copies of the searches.
PAIR_BYTES = 48
# -- lean coverage matrix (issue 17) --
#: Bytes per (demand, candidate) pair of a coverage matrix built in blocks: the blocks' int32
#: rows, the final int32 indices and boolean data.
MATRIX_PAIR_BYTES = 9
#: Bytes per demand point grouped by node and edge for the blocks' pair searches.
POINT_INDEX_BYTES = 96
#: Share of the straight-line circle (1.2 x the flat speed) whose points a walk reaches:
#: measured 0.23 on the 374,301-node mosaic (42.6 M pairs of 166,860 candidates x 715,716
#: demand points); 0.5 keeps a margin.
WALKED_REACH_SHARE = 0.5

_AVAILABLE = "the memory available now"
_LIMIT: contextvars.ContextVar[tuple[float, str] | None] = contextvars.ContextVar(
    "harbor_planner_memory_limit", default=None
)


def format_bytes(n: float) -> str:
    """``n`` bytes as ``"3.2 GB"``, ``"850 MB"`` or ``"12 KB"`` (powers of 1024)."""
    if not math.isfinite(n) or n >= 1024.0**5:
        return "more than 1,000 TB"
    for unit, size in (("TB", 1024.0**4), ("GB", 1024.0**3), ("MB", 1024.0**2)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 1024:,.0f} KB"


def format_count(n: float) -> str:
    """A count for messages: ``"1,040,000"``, ``"3.1e+15"`` beyond a trillion, ``"unbounded"``."""
    if not math.isfinite(n):
        return "unbounded"
    return f"{n:,.0f}" if n < 1e12 else f"{n:.2g}"


def available_memory_bytes() -> int:
    """Memory available to a new allocation now, in bytes.

    ``MemAvailable`` of ``/proc/meminfo`` (Linux); else psutil's ``available``; else the
    total physical memory (``os.sysconf``); else 8 GB.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except (ImportError, AttributeError, OSError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


def process_memory_bytes() -> int:
    """Resident memory of this process now, in bytes (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except (ImportError, OSError, AttributeError):
        return 0


def _gb(value: object, what: str) -> float:
    try:
        gb = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        gb = math.nan
    if not (math.isfinite(gb) and gb > 0):
        raise InputDataError(f"{what} must be a positive number of gigabytes, got {value!r}")
    return gb


@contextlib.contextmanager
def memory_limit(gb: float | None, *, source: str = "--memory-limit") -> Iterator[None]:
    """Use ``gb`` gigabytes as the memory limit of the checks inside the ``with`` block.

    Parameters
    ----------
    gb
        The limit; ``None`` changes nothing.
    source
        The setting it came from, named in messages (``"--memory-limit"``,
        ``"coverage.memory_limit_gb"``). A limit set by ``--memory-limit`` is kept when an
        inner block sets one from any other source (the command line wins over a scenario).

    Raises
    ------
    InputDataError
        ``gb`` is not a positive number.

    """
    current = _LIMIT.get()
    if gb is None or (current is not None and current[1] == "--memory-limit"):
        yield
        return
    token = _LIMIT.set((_gb(gb, source), source))
    try:
        yield
    finally:
        _LIMIT.reset(token)


def memory_limit_bytes(limit_bytes: float | None = None) -> tuple[float, str]:
    """The memory limit in force and where it comes from.

    Parameters
    ----------
    limit_bytes
        An explicit limit (wins over everything else).

    Returns
    -------
    (float, str)
        Bytes, and a description such as ``"--memory-limit 2"`` or ``"the memory available"``.

    """
    if limit_bytes is not None:
        return float(limit_bytes), "the limit given"
    current = _LIMIT.get()
    if current is not None:
        return current[0] * 1024**3, f"{current[1]} {current[0]:g}"
    env = os.environ.get(settings.MEMORY_LIMIT_ENV)
    if env:
        gb = _gb(env, settings.MEMORY_LIMIT_ENV)
        return gb * 1024**3, f"{settings.MEMORY_LIMIT_ENV}={env}"
    if settings.MEMORY_LIMIT_GB is not None:
        return settings.MEMORY_LIMIT_GB * 1024**3, "settings.MEMORY_LIMIT_GB"
    return float(available_memory_bytes()), _AVAILABLE


def check_memory(
    estimate_bytes: float, what: str, setting: str, limit_bytes: float | None = None
) -> None:
    """Refuse work whose memory estimate is beyond the limit.

    A limit that was set (``--memory-limit``, ``coverage.memory_limit_gb``,
    ``HARBOR_PLANNER_MEMORY_GB``) bounds the whole run: the estimate plus the memory this
    process already holds. The default limit, the memory available now, is compared with the
    estimate alone.

    Parameters
    ----------
    estimate_bytes
        Estimated peak memory of the work (``inf``/NaN count as beyond any limit).
    what
        The work, e.g. ``"main-street demand: 1,040,000 points"``.
    setting
        The setting to change, e.g. ``"demand.spacing_m (--spacing)"``.
    limit_bytes
        The limit; default :func:`memory_limit_bytes`.

    Raises
    ------
    InputDataError
        The estimate is beyond the limit; the message gives both, the setting to change and
        how to raise the limit.

    """
    limit, source = memory_limit_bytes(limit_bytes)
    # a limit that was set is on the whole run; the memory available now excludes this run's
    held = 0 if limit_bytes is not None or source == _AVAILABLE else process_memory_bytes()
    if held + estimate_bytes <= limit:
        return
    need = format_bytes(estimate_bytes)
    need = (need if need.startswith("more") else f"about {need}") + " of memory"
    if held:
        need += f" on top of the {format_bytes(held)} this run holds already"
    raise InputDataError(
        f"{what} would need {need}, more than the limit of {format_bytes(limit)} "
        f"({source}); change {setting}, or raise the limit with "
        f"--memory-limit GB, the scenario key coverage.memory_limit_gb or "
        f"{settings.MEMORY_LIMIT_ENV}"
    )


# ----------------------------------------------------------------------------- estimates


def street_points_bytes(n_points: float, *, per_point: float = DEMAND_POINT_BYTES) -> float:
    """Memory of ``n_points`` points sampled along streets (demand or candidates)."""
    return float(n_points) * per_point


def grid_demand_bytes(n_box_cells: float, n_kept_cells: float) -> float:
    """Memory of ``grid:METRES`` demand: the box of cells, then the cells kept as demand."""
    return float(n_box_cells) * GRID_BOX_CELL_BYTES + float(n_kept_cells) * DEMAND_POINT_BYTES


def _extent(network: WalkNetwork) -> tuple[float, float, float]:
    """Width, height (metres) and street length of the network."""
    import shapely

    xmin, ymin, xmax, ymax = shapely.total_bounds(network.edge_geometry)
    return float(xmax - xmin), float(ymax - ymin), float(network.edges["length_m"].sum())


def _reach_m(network: WalkNetwork, minutes: float) -> float:
    return float(minutes) * 60.0 * network.walk_model.speed_ms * 1.2


def coverage_bytes(
    network: WalkNetwork, n_sources: float, n_points: float, minutes: float
) -> float:
    """Memory of a coverage test: the nodes each source reaches and the pairs within reach.

    Sources reach the share ``min(1, π r² / area)`` of the nodes and points, ``r`` the
    farthest walk in ``minutes`` (1.2 × the flat speed, downhill) and ``area`` the network's
    bounding box.
    """
    width, height, _ = _extent(network)
    r = _reach_m(network, minutes)
    share = min(1.0, math.pi * r * r / max(width * height, 1.0))
    reached = float(n_sources) * share * (network.n_nodes + float(n_points))
    return reached * PAIR_BYTES


def coverage_matrix_bytes(
    network: WalkNetwork,
    n_sources: float,
    n_points: float,
    minutes: float,
    *,
    chunk_sources: float,
) -> float:
    """Memory of a coverage matrix built a block of sources at a time.

    The pairs within reach are held at :data:`MATRIX_PAIR_BYTES` each; one block's searches
    and pairs at :data:`PAIR_BYTES` per node or point reached; the points grouped by node and
    edge at :data:`POINT_INDEX_BYTES` each. A source reaches the share
    :data:`WALKED_REACH_SHARE` of the circle of :func:`coverage_bytes` (streets wind).
    """
    width, height, _ = _extent(network)
    r = _reach_m(network, minutes)
    share = WALKED_REACH_SHARE * min(1.0, math.pi * r * r / max(width * height, 1.0))
    pairs = float(n_sources) * share * float(n_points)
    block = min(float(n_sources), float(chunk_sources)) * share
    block_bytes = block * (network.n_nodes + float(n_points)) * PAIR_BYTES
    return pairs * MATRIX_PAIR_BYTES + block_bytes + float(n_points) * POINT_INDEX_BYTES


def isochrone_bytes(
    network: WalkNetwork,
    n_sources: float,
    bands: list[float],
    corridor_m: float,
    *,
    cell_m: float | None = None,
    workers: int = 1,
) -> float:
    """Memory of the isochrone polygons of ``n_sources`` stations in ``bands`` (minutes).

    The polygons: each band's boundary is taken as twice the street length within reach,
    with a vertex every 10 m (exact) or every cell (grid). The grid method also holds, per
    thread, the distance grid of one source over its reach (or the network's extent, if
    smaller), one vertex per ``cell_m``.
    """
    width, height, length = _extent(network)
    total = 0.0
    step = 10.0 if cell_m is None else min(10.0, float(cell_m))
    for minutes in bands:
        r = _reach_m(network, minutes)
        share = min(1.0, math.pi * r * r / max(width * height, 1.0))
        total += float(n_sources) * 2.0 * length * share / step * POLYGON_VERTEX_BYTES
    if cell_m is not None:
        side = 2.0 * (_reach_m(network, max(bands)) + corridor_m) + 4.0 * cell_m
        w = min(side, width + 2.0 * corridor_m + 4.0 * cell_m)
        h = min(side, height + 2.0 * corridor_m + 4.0 * cell_m)
        vertices = (w / cell_m + 1.0) * (h / cell_m + 1.0)
        total += max(1, workers) * vertices * ISOCHRONE_GRID_VERTEX_BYTES
    return total

"""Which sources reach which points within a time limit: the one call every analysis makes.

:func:`find_pairs` is what coverage (:func:`~harbor_planner.analysis.redundancy.station_pairs`)
and the coverage matrix (:func:`~harbor_planner.optimize.coverage_matrix`) call: bounded
searches from the sources (:func:`~harbor_planner.network.reachability`), then the points
reached (:func:`~harbor_planner.network.pairs_within`). A partitioned run
(:mod:`harbor_planner.pipeline.partition`) installs another finder with
:func:`use_pair_finder` for the length of the run: the same pairs, computed part by part on
a cluster. The finder is held in a :class:`contextvars.ContextVar`, so it reaches only the
calls made inside the ``with`` block (of this thread).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from harbor_planner._arrays import assemble_columns, unique_ints

if TYPE_CHECKING:
    from scipy.sparse import csc_matrix

    from harbor_planner.network.anchors import Anchors
    from harbor_planner.network.compiled import WalkNetwork

__all__ = [
    "PairFinder",
    "PairRequest",
    "find_matrices",
    "find_matrix",
    "find_pairs",
    "local_pairs",
    "pairs_are_local",
    "pairs_matrix",
    "prepare_pairs",
    "reach_radius_m",
    "use_pair_finder",
]

IntArray = npt.NDArray[np.int64]

#: ``finder(network, sources, points, minutes=..., limit_s=..., progress=...)`` returns the
#: ``(point position, source position)`` of every source reaching every point within
#: ``limit_s`` (access legs included), in any order, a pair at most once per search. A finder
#: may also have a ``matrix`` method with the same arguments returning those pairs as a
#: boolean matrix, points x sources (see :func:`find_matrix`), and a ``matrices`` method
#: computing several such matrices together (see :func:`find_matrices`).
PairFinder = Callable[..., tuple[IntArray, IntArray]]

_FINDER: contextvars.ContextVar[PairFinder | None] = contextvars.ContextVar(
    "harbor_planner_pair_finder", default=None
)


def local_pairs(
    network: WalkNetwork,
    sources: Anchors,
    points: Anchors,
    *,
    minutes: float,
    limit_s: float,
    progress: bool | None = None,
) -> tuple[IntArray, IntArray]:
    """The pairs computed here, on the whole network (the default finder).

    The searches run a block of ``settings.COVERAGE_CHUNK_SOURCES`` sources at a time (only
    one block's searches are held), the points indexed once.

    Parameters
    ----------
    network
        The walk network.
    sources, points
        Anchored sources (stations, candidates) and points (demand).
    minutes
        The search limit, minutes.
    limit_s
        The pair limit, seconds (access legs of both included; at most ``minutes * 60`` plus
        a rounding allowance).
    progress
        Progress bars (``None``: on terminals only).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Point positions and source positions.

    """
    from harbor_planner.network.routing import index_points, pairs_within, reachability_chunks
    from harbor_planner.settings import COVERAGE_CHUNK_SOURCES

    idx = index_points(network, points)
    found_d: list[IntArray] = [np.zeros(0, np.int64)]
    found_s: list[IntArray] = [np.zeros(0, np.int64)]
    blocks = reachability_chunks(network, sources, minutes=minutes, progress=progress,
                                 chunk_sources=COVERAGE_CHUNK_SOURCES)  # fmt: skip
    for pos, reach in blocks:  # one block of searches held at a time
        d, c = pairs_within(network, reach, idx, limit_s)
        found_d.append(np.asarray(d, dtype=np.int64))
        found_s.append(pos[c])
    return np.concatenate(found_d), np.concatenate(found_s)


def find_pairs(
    network: WalkNetwork,
    sources: Anchors,
    points: Anchors,
    *,
    minutes: float,
    limit_s: float,
    progress: bool | None = None,
) -> tuple[IntArray, IntArray]:
    """The pairs by the finder in use: :func:`local_pairs`, or a partitioned run's.

    Parameters
    ----------
    network, sources, points, minutes, limit_s, progress
        As for :func:`local_pairs`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Point positions and source positions.

    """
    finder = _FINDER.get() or local_pairs
    return finder(network, sources, points, minutes=minutes, limit_s=limit_s, progress=progress)


def find_matrix(
    network: WalkNetwork,
    sources: Anchors,
    points: Anchors,
    *,
    minutes: float,
    limit_s: float,
    progress: bool | None = None,
) -> csc_matrix:
    """The pairs of :func:`find_pairs` as a boolean matrix, points x sources.

    A finder with a ``matrix`` method (a partitioned run's) builds it itself, without ever
    holding the pairs as two int64 arrays; otherwise the pairs are found and turned into the
    matrix with :func:`pairs_matrix`.

    Parameters
    ----------
    network, sources, points, minutes, limit_s, progress
        As for :func:`local_pairs`.

    Returns
    -------
    scipy.sparse.csc_matrix
        ``(len(points), len(sources))``, data ``True``, sorted rows (int32 indices where
        they fit).

    """
    finder = _FINDER.get()
    matrix = getattr(finder, "matrix", None)
    if matrix is not None:
        return matrix(network, sources, points, minutes=minutes, limit_s=limit_s,
                      progress=progress)  # fmt: skip
    d, s = find_pairs(network, sources, points, minutes=minutes, limit_s=limit_s,
                      progress=progress)  # fmt: skip
    return pairs_matrix(d, s, n_points=len(points), n_sources=len(sources))


def prepare_pairs(network: WalkNetwork) -> None:
    """Tell the finder in use the study's network early (nothing for the local pairs).

    A partitioned run's finder writes the network for its workers and has them read it
    while the client goes on (demand, anchoring), so the first round does not wait for it.

    Parameters
    ----------
    network
        The walk network the pairs will be searched on.

    """
    prepare = getattr(_FINDER.get(), "prepare", None)
    if prepare is not None:
        prepare(network)


@dataclass(frozen=True, eq=False)
class PairRequest:
    """One matrix asked of :func:`find_matrices`: sources, points and limits.

    Attributes
    ----------
    sources, points
        The anchored sources and points.
    minutes, limit_s
        As for :func:`local_pairs`.

    """

    sources: Anchors
    points: Anchors
    minutes: float
    limit_s: float


def find_matrices(
    network: WalkNetwork, requests: Sequence[PairRequest], *, progress: bool | None = None
) -> list[csc_matrix]:
    """:func:`find_matrix` for each request, computed together where the finder can.

    A partitioned run's finder (a ``matrices`` method) submits the parts of every request
    at once, so the workers go on to the next request's parts while the last of the first
    finish (and the client waits once); the matrices are the same as one by one.

    Parameters
    ----------
    network
        The walk network.
    requests
        The matrices wanted.
    progress
        Show progress bars (default: only on a terminal).

    Returns
    -------
    list of scipy.sparse.csc_matrix
        One per request, as :func:`find_matrix` gives it.

    """
    many = getattr(_FINDER.get(), "matrices", None)
    if many is not None:
        return list(many(network, requests, progress=progress))
    out = []
    for r in requests:
        out.append(find_matrix(network, r.sources, r.points, minutes=r.minutes,
                               limit_s=r.limit_s, progress=progress))  # fmt: skip
    return out


def pairs_matrix(
    point: npt.ArrayLike, source: npt.ArrayLike, *, n_points: int, n_sources: int
) -> csc_matrix:
    """Distinct ``(point, source)`` pairs as a boolean matrix, points x sources.

    Parameters
    ----------
    point, source
        Positions of each pair's point and source (repeats allowed).
    n_points, n_sources
        The matrix's shape.

    Returns
    -------
    scipy.sparse.csc_matrix
        Canonical (sorted rows, no repeats), data ``True``.

    """
    key = unique_ints(np.asarray(source, dtype=np.int64) * n_points + np.asarray(point, np.int64))
    col = key // max(n_points, 1)
    rows = key - col * n_points
    block = (rows, np.arange(n_sources), np.bincount(col, minlength=n_sources))
    return assemble_columns([block], n_rows=n_points, n_cols=n_sources)


def pairs_are_local() -> bool:
    """Whether :func:`find_pairs` searches in this process (no partitioned run's finder).

    The memory checks of coverage and of the coverage matrix estimate the local searches;
    in a partitioned run those run on the workers, part by part, and are not checked here.

    Returns
    -------
    bool

    """
    return _FINDER.get() is None


@contextlib.contextmanager
def use_pair_finder(finder: PairFinder) -> Iterator[PairFinder]:
    """Make :func:`find_pairs` call ``finder`` inside the ``with`` block.

    Parameters
    ----------
    finder
        A :data:`PairFinder`.

    Yields
    ------
    PairFinder
        ``finder``.

    """
    token = _FINDER.set(finder)
    try:
        yield finder
    finally:
        _FINDER.reset(token)


def reach_radius_m(network: WalkNetwork, minutes: float) -> float:
    """The farthest (straight line) any walk of ``minutes`` can end from where it started.

    The fastest way of the network (escalators, downhill slopes: see
    :func:`~harbor_planner.network.routing.speed_bound_ms`) times the limit, plus 1 m: a
    network clipped to an area grown by this margin holds every walk of ``minutes`` that
    ends in the area.

    Parameters
    ----------
    network
        The walk network.
    minutes
        The walking-time limit.

    Returns
    -------
    float
        Metres.

    """
    from harbor_planner.network.routing import speed_bound_ms

    return speed_bound_ms(network) * float(minutes) * 60.0 + 1.0

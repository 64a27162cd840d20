"""The datum guard: points that fit the walkable streets much better in another datum.

Chinese web maps publish GCJ-02 (AMap, Tencent) or BD-09 (Baidu) coordinates, a few hundred
metres off WGS-84. A station file read in the wrong datum still gives a coverage figure, a
confidently wrong one. :func:`check_datum` reads the same file coordinates in each lon/lat
datum (WGS-84, GCJ-02, BD-09), measures how far each reading lies from the walk network, and

* raises :class:`~harbor_planner.errors.CRSError` (exit 3) when the file as a whole fits
  another datum much better: that datum's median distance is at most
  :data:`~harbor_planner.settings.DATUM_GUARD_RATIO` of the stated one's, and the stated
  median is over :data:`~harbor_planner.settings.DATUM_GUARD_MIN_MEDIAN_M`, or, below it, the
  paired test of :func:`_whole_file` holds and chance does not explain it, or rows beyond the
  snapping distance as stated come to a street in another reading more often than chance
  (:func:`_judge_whole`; fewer points than
  :data:`~harbor_planner.settings.DATUM_GUARD_MIN_POINTS`: a warning only); rows farther than
  :data:`~harbor_planner.settings.SNAP_MAX_DIST_M` from every street in every reading tell
  nothing and are left out of the medians;
* raises when the rows split between datums: at least
  :data:`~harbor_planner.settings.DATUM_MIXED_MIN_ROWS` rows, and
  :data:`~harbor_planner.settings.DATUM_MIXED_MIN_SHARE` of the rows, all fitting the same
  other datum, lie
  :data:`~harbor_planner.settings.DATUM_ROW_RATIO` times and
  :data:`~harbor_planner.settings.DATUM_ROW_GAIN_M` metres closer to a street in another datum
  (fewer rows: a warning), naming the rows (the first 10), and more rows than chance gives
  (:func:`~harbor_planner.stations.datum_chance.chance`: stations set back from their
  streets fit a street shifted as far in any direction, which decoy readings measure; a
  warning otherwise). In a dense centre a row in
  the wrong datum often lies only 20-40 m from some other street, hence the modest gain; rows
  are told apart only when the points stand close to the streets (:func:`_row_by_row`),
  otherwise a warning says the file was checked as a whole only;
* with ``accept=True`` (``--accept-datum``, ``stations.accept_datum = true``) only warns.

Points in another CRS (CGCS2000 ``EPSG:4490``, as Chinese government data is labelled, or a
projected zone such as ``EPSG:4549``) are read as stated and, converted to lon/lat, as if
those were GCJ-02 or BD-09: web-map coordinates labelled or projected as such keep their shift.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harbor_planner._text import rows_text
from harbor_planner.coords import DatumDiagnosis, diagnose_datum_shift, parse_crs, to_wgs84
from harbor_planner.errors import CRSError
from harbor_planner.settings import (
    DATUM_COARSE_DECIMALS,
    DATUM_GUARD_MIN_MEDIAN_M,
    DATUM_GUARD_MIN_POINTS,
    DATUM_GUARD_PAIRED_MIN_MEDIAN_M,
    DATUM_GUARD_PAIRED_RATIO,
    DATUM_GUARD_PAIRED_SHARE,
    DATUM_GUARD_RATIO,
    DATUM_MIXED_CHANCE_EXPLAINS_P,
    DATUM_MIXED_CHANCE_P,
    DATUM_MIXED_DECOY_ANGLES,
    DATUM_MIXED_MIN_ROWS,
    DATUM_MIXED_MIN_SHARE,
    DATUM_MIXED_POWER_M,
    DATUM_MIXED_SETBACK_M,
    DATUM_ROW_GAIN_M,
    SNAP_MAX_DIST_M,
)
from harbor_planner.stations.datum_chance import (
    chance,
    far_rows,
    fits,
    paired_chance,
    street_distances,
)

if TYPE_CHECKING:
    from harbor_planner.network import WalkNetwork

__all__ = ["DATUMS", "DatumCheck", "check_datum", "check_frame_datum", "check_points_datum"]

log = logging.getLogger(__name__)

#: The lon/lat datums a point file may be in, tried against each other.
DATUMS = ("wgs84", "gcj02", "bd09")

#: How to state the accepted reading, for messages.
_ACCEPT = "--accept-datum"


def _accept_text(option: str) -> str:
    """How to accept the stated datum, for messages (the scenario key with the CLI's flag)."""
    return f"{option} (scenario: stations.accept_datum = true)" if option == _ACCEPT else option


@dataclass(frozen=True)
class DatumCheck:
    """What :func:`check_datum` found.

    Attributes
    ----------
    diagnosis
        Median distances per reading and the datum suggested for the whole file (``None``
        for a file in a projected CRS or without points).
    mixed
        Rows that fit another datum much better: ``(label, datum, stated_m, other_m)``.
    message
        The error or warning text, ``""`` when the stated datum fits.
    error
        Whether the finding is an error (before ``accept``).

    """

    diagnosis: DatumDiagnosis | None
    mixed: list[tuple[str, str, float, float]] = field(default_factory=list)
    message: str = ""
    error: bool = False


def _informative(distances: dict[str, np.ndarray], coarse: np.ndarray) -> dict[str, np.ndarray]:
    """The distances of the rows that can tell a datum, the others NaN.

    A row rounded to a few decimals tells nothing, and neither does one farther than
    :data:`~harbor_planner.settings.SNAP_MAX_DIST_M` from every street in every reading (a
    city-wide list on one district's streets: probe 23E's bus stops beyond the extract).
    """
    near = np.zeros(coarse.size, dtype=bool)
    for d in distances.values():
        near |= np.nan_to_num(d, nan=np.inf) <= SNAP_MAX_DIST_M
    keep = near & ~coarse
    return {k: np.where(keep, d, np.nan) for k, d in distances.items()}


def _whole_file(distances: dict[str, np.ndarray], stated: str) -> DatumDiagnosis:
    """Whether the file as a whole fits another datum much better (see the module).

    Over :data:`~harbor_planner.settings.DATUM_GUARD_MIN_MEDIAN_M`, the medians decide
    (the other's at most :data:`~harbor_planner.settings.DATUM_GUARD_RATIO` of the stated
    one's). Below it (a few stations in a dense centre, where a shifted point still lies
    10-15 m from some street: probe 23E, 8 stations 480 m off accepted), the other median
    must be at most :data:`~harbor_planner.settings.DATUM_GUARD_PAIRED_RATIO` of a stated one
    over :data:`~harbor_planner.settings.DATUM_GUARD_PAIRED_MIN_MEDIAN_M`, and the other
    reading nearer a street for :data:`~harbor_planner.settings.DATUM_GUARD_PAIRED_SHARE` of
    the rows.
    """
    diag = diagnose_datum_shift(
        distances, stated=stated, min_points=1, min_gain_m=0.0, ratio=DATUM_GUARD_PAIRED_RATIO
    )
    if not diag.shifted:
        return diag
    base, best = diag.medians_m[stated], diag.medians_m[diag.suggested]
    if base > DATUM_GUARD_MIN_MEDIAN_M:
        shifted = best <= DATUM_GUARD_RATIO * base
    else:
        other, here = distances[diag.suggested], distances[stated]
        ok = np.isfinite(other) & np.isfinite(here)
        nearer = float(np.mean(other[ok] + _NEARER_M < here[ok])) if ok.any() else 0.0
        shifted = base > DATUM_GUARD_PAIRED_MIN_MEDIAN_M and nearer >= DATUM_GUARD_PAIRED_SHARE
    return diag if shifted else DatumDiagnosis(stated, diag.medians_m, None, diag.n_points)


#: A row is "nearer" in another reading when it is this many metres nearer a street.
_NEARER_M = 2.0


def _best_reading(distances: dict[str, np.ndarray], stated: str) -> np.ndarray:
    """The distances of the reading where the points stand.

    The stated reading, unless another's median is at most :data:`_CLEARLY_NEARER` of it.
    Probe 23R: judged on the stated reading, a file wholly in another datum (its stated
    reading random) looked like building centroids and was no longer checked row by row;
    judged on whichever median is smallest, correct building points, whose readings differ
    by a few metres, were checked row by row again (23 of 90 files of 28 refused).
    """
    medians = {k: np.nanmedian(d) if np.isfinite(d).any() else np.inf for k, d in distances.items()}
    best = min(medians, key=medians.__getitem__)
    return distances[best if medians[best] <= _CLEARLY_NEARER * medians[stated] else stated]


#: Another reading whose median is at most this fraction of the stated one's is where the
#: points stand, for the row-by-row test.
_CLEARLY_NEARER = 0.6


def _row_by_row(stated_m: np.ndarray) -> bool:
    """Whether the points stand on the streets closely enough to tell a datum row by row.

    Stations and bus stops stand a few metres from their street (30 % within 1-3 m in
    Yuzhong): a row far off that fits another reading stands out. Building centroids and
    population points stand 10-60 m inside their blocks, where a reading shifted by 500 m
    lands nearer some street about as often (probe 23N: 549 of 1,895 correct WGS-84 points
    refused as "mixed"): only the whole file's medians can tell them.
    """
    finite = stated_m[np.isfinite(stated_m)]
    return bool(finite.size) and float(np.percentile(finite, 30)) <= DATUM_MIXED_POWER_M


def _say_unchecked(diag: DatumDiagnosis, what: str, path: str | Path | None, said: str) -> None:
    """Warn that points standing far from the streets could be checked as a whole only.

    ``said``: what :func:`_judge_whole` found that chance could explain (both datums named).
    """
    med = ", ".join(f"as {k} {v:.0f} m" for k, v in diag.medians_m.items())
    log.warning(
        "%sthe %s stand far from the streets (30 %% over %g m: building or block centroids, "
        "or points the network's streets do not reach?), "
        "so their datum is told by the whole file's median distances to a street alone (%s), "
        "which a datum 500 m off does not change much among dense streets%s: check on a map "
        "that they stand where they should",
        f"{path}: " if path else "", what, DATUM_MIXED_POWER_M, med, f"; {said}" if said else "",
    )  # fmt: skip


def _mixed_rows(
    distances: dict[str, np.ndarray],
    stated: str,
    labels: list[str],
    *,
    off_street: bool = False,
) -> list[tuple[str, str, float, float]]:
    """Rows much closer to a street under another datum than as stated (see :func:`fits`)."""
    base = distances[stated]
    out = []
    for i, label in enumerate(labels):
        others = {k: d[i] for k, d in distances.items() if k != stated and np.isfinite(d[i])}
        if not others or not np.isfinite(base[i]):
            continue
        best = min(others, key=others.__getitem__)
        if fits(base[i : i + 1], np.array([others[best]]), off_street=off_street)[0]:
            out.append((label, best, float(base[i]), float(others[best])))
    return out


def _judge_whole(
    network: WalkNetwork,
    readings: dict[str, tuple[np.ndarray, np.ndarray]],
    distances: dict[str, np.ndarray],
    stated: str,
) -> tuple[DatumDiagnosis, str]:
    """:func:`_whole_file`, its paired test weighed against chance, and far rows as evidence.

    Returns the diagnosis and a note: for a refusal, the evidence; otherwise, when the data
    cannot tell, a warning naming both datums' figures (``""`` when there is nothing to say).
    Probe 24R: correct lists of 8 real station sites (shops, banks, set back 10-40 m) were
    refused by the paired test over a 14 m against 6 m median (7 of 60); a list of 136 such
    sites in GCJ-02 stated as WGS-84 ran with 17 rows beyond the snapping distance, none as
    GCJ-02, warned of only as points standing far from the streets.
    """
    diag = _whole_file(distances, stated)
    if diag.shifted and diag.medians_m[stated] <= DATUM_GUARD_MIN_MEDIAN_M:  # paired test
        p = paired_chance(network, readings, distances, stated, diag.suggested)
        if p <= DATUM_MIXED_CHANCE_P:
            return diag, ""
        return DatumDiagnosis(stated, diag.medians_m, None, diag.n_points), (
            f"as {diag.suggested} they lie nearer the streets ({_medians(diag, diag.suggested)})"
            f", but no nearer than readings shifted as far in "
            f"{len(DATUM_MIXED_DECOY_ANGLES)} other directions often lie (a chance of {p:.2g}): "
            f"the data cannot tell the datum"
        )
    if diag.shifted:
        return diag, ""
    far = far_rows(network, readings, distances, stated)
    if far is None:
        return diag, ""
    datum, k, lost, p, expected = far
    text = (
        f"{k} rows lie over {SNAP_MAX_DIST_M:g} m from every street as {stated} (left out "
        f"of the walks) but within {DATUM_MIXED_SETBACK_M:g} m of one as {datum}, {lost} the "
        f"other way round; readings shifted as far in {len(DATUM_MIXED_DECOY_ANGLES)} other "
        f"directions bring {expected:.1f} of them that near on average"
    )
    if p <= DATUM_MIXED_CHANCE_P:
        return DatumDiagnosis(stated, diag.medians_m, datum, diag.n_points), text
    return diag, f"{text}, so {datum} may be right ({_medians(diag, datum)})"


def _medians(diag: DatumDiagnosis, other: str) -> str:
    """Both readings' median distances, for messages."""
    med = diag.medians_m
    return f"a median {med[diag.stated]:.0f} m as {diag.stated}, {med[other]:.0f} m as {other}"


def _whole_message(
    diag: DatumDiagnosis,
    what: str,
    flag: str,
    network: Any = None,
    accept_option: str = _ACCEPT,
    note: str = "",
) -> str:
    other = diag.suggested
    med = diag.medians_m
    text = (
        f"the {what} fit the walkable streets much better as {other} than as stated "
        f"({diag.stated}): read as {diag.stated} they lie a median {med[diag.stated]:.0f} m "
        f"from the nearest street, read as {other} {med[other]:.0f} m ({diag.n_points} points)"
        f"{'; ' + note if note else ''}; "
        f"state {flag} {other}, or pass {_accept_text(accept_option)} to use them as "
        f"{diag.stated}"
    )
    if other == "wgs84" and _traced(network):  # the streets may be the shifted ones
        text += (
            f" (unless the {what} are right and the street centrelines were traced on a "
            "Chinese web map: such lines are GCJ-02 whatever their file says, and the DEM "
            "and district boundaries miss them too; convert the lines to WGS-84 instead)"
        )
    return text


def _traced(network: Any) -> bool:
    """Whether a network was built from line layers (planners' own centrelines)."""
    info = getattr(network, "source", None) or {}
    kinds = [info.get("kind"), *(s.get("kind") for s in info.get("sources", []) or [])]
    return "lines" in kinds


def _mixed_message(
    mixed: list[tuple[str, str, float, float]],
    kept: list[tuple[str, str, float, float]],
    diag: DatumDiagnosis,
    n: int,
    what: str,
    flag: str,
    accept_option: str = _ACCEPT,
    note: str = "",
    error: bool = True,
) -> str:
    stated = diag.stated
    by = sorted({m[1] for m in mixed})
    rows = rows_text([f"{m[0]} ({m[2]:.0f} m as {stated}, {m[3]:.0f} m as {m[1]})" for m in mixed])
    typical = float(np.median([m[2] - m[3] for m in mixed]))
    med = ", ".join(f"as {k} {v:.0f} m" for k, v in diag.medians_m.items())
    also = f"; {len(kept)} rows fit as {stated}: {rows_text([m[0] for m in kept])}" if kept else ""
    best = min(diag.medians_m, key=diag.medians_m.__getitem__)
    whole = (
        f"; the whole file fits {best} better too: if its rows all came from one map, state "
        f"{flag} {best}"
        if best != stated
        and diag.medians_m[best] < diag.medians_m[stated] - _NEARER_M
        and "cannot tell" not in note  # the paired test weighed against chance: no advice
        else ""
    )  # probe 23E: a file wholly in another datum was only called "mixed"
    lead = (  # probe 27Q: a warning stated the mixing as a fact, its doubt came last
        f"the {what} mix datums"
        if error
        else f"the {what} may mix datums (perhaps by chance: see below; nothing is changed)"
    )
    fix = (
        "then convert the rows to one datum"
        if error
        else "then convert only the rows a map shows out of place to the file's datum"
    )
    return (
        f"{lead}: {len(mixed)} of {n} rows fit the streets much better as "
        f"{' or '.join(by)} than as {stated} (typically {typical:.0f} m closer): {rows}{also} "
        f"(median distance to the nearest street {med}){whole}{note}; check the rows listed on "
        f"a map first (a station set back from its street can fit a shifted street by chance), "
        f"{fix} (or split the file and state {flag} for each), or "
        f"pass {_accept_text(accept_option)} when they stand where the file says"
    )


def check_datum(
    lon: Any,
    lat: Any,
    stated_crs: str,
    network: WalkNetwork,
    *,
    what: str = "stations",
    path: str | Path | None = None,
    labels: list[str] | None = None,
    accept: bool = False,
    flag: str = "--crs",
    accept_option: str = _ACCEPT,
) -> DatumCheck:
    """Check that points fit the walk network best in the datum stated for them.

    Parameters
    ----------
    lon, lat
        The coordinates as in the file (longitude, latitude in ``stated_crs``).
    stated_crs
        The stated coordinate system (``"wgs84"``, ``"gcj02"``, ``"amap"``, ``"EPSG:4490"``, a
        projected CRS...).
    network
        The walk network.
    what
        What the points are, for messages (``"stations"``, ``"candidate sites"``).
    path
        The file, named in the error.
    labels
        A label per point for the list of mixed rows (default ``row 1``, ``row 2``...).
    accept
        Warn instead of raising (``--accept-datum``).
    flag
        The option stating the datum, for messages (``--crs``, ``--candidates-crs``).
    accept_option
        The option accepting the stated datum, for messages (``--accept-datum``; the
        Python API names its own argument).

    Returns
    -------
    DatumCheck

    Raises
    ------
    CRSError
        When another datum fits much better, or the rows split between datums (see the
        module docstring), unless ``accept``.

    """
    stated = parse_crs(stated_crs).name
    x = np.asarray(lon, dtype=float).ravel()
    y = np.asarray(lat, dtype=float).ravel()
    readings = _readings(x, y, stated)
    if readings is None:
        return DatumCheck(diagnosis=None)
    coarse = np.zeros(x.size, dtype=bool)
    if _geographic(stated):  # metres of a projected CRS need no decimals
        coarse = np.maximum(_decimals(x), _decimals(y)) <= DATUM_COARSE_DECIMALS
    if coarse.sum() * 2 >= x.size:
        result = DatumCheck(None, message=_coarse_message(int(coarse.sum()), x.size, what))
        _report(result, path, accept, accept_option)
        return result
    distances = {kind: street_distances(network, *xy) for kind, xy in readings.items()}
    distances = _informative(distances, coarse)
    if stated not in DATUMS:
        flag = _reproject_advice(stated, flag)
    diag, said = _judge_whole(network, readings, distances, stated)
    labels = labels or [f"row {i + 1}" for i in range(x.size)]
    mixed = _mixed_rows(distances, stated, labels, off_street=True)
    if not diag.shifted and not _row_by_row(_best_reading(distances, stated)):
        if diag.n_points:  # none near any street: off the network, said as such elsewhere
            _say_unchecked(diag, what, path, said)
        mixed, said = [], ""
    kept: list[tuple[str, str, float, float]] = []
    if diag.shifted:
        other = diag.suggested
        kept = _mixed_rows({k: distances[k] for k in (stated, other)}, other, labels)
    if diag.shifted and (said or not _many(kept, x.size)):  # said: rows off the streets
        result = DatumCheck(
            diag,
            message=_whole_message(diag, what, flag, network, accept_option, said),
            error=diag.n_points >= DATUM_GUARD_MIN_POINTS,
        )
    else:
        error, note = _beyond_chance(network, readings, distances, stated, mixed, x.size)
        if mixed:
            note = f"{note}; {said}" if said else note
            said = _mixed_message(
                mixed, kept, diag, x.size, what, flag, accept_option, note, error=error
            )
        elif said:
            said = f"the datum of the {what} is in doubt: {said}; check on a map"
        result = DatumCheck(diag, mixed, said, error)
    _report(result, path, accept, accept_option)
    return result


def _geographic(stated: str) -> bool:
    """Whether the coordinates of ``stated`` are degrees (WGS-84, GCJ-02, EPSG:4490...)."""
    if stated in DATUMS:
        return True
    import pyproj

    return bool(pyproj.CRS(stated).is_geographic)


def _readings(
    x: np.ndarray, y: np.ndarray, stated: str
) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """The WGS-84 points of each reading of the file's coordinates (``None``: none to test).

    A lon/lat datum is read as each of :data:`DATUMS`. Another CRS (CGCS2000, EPSG:4490, as
    Chinese government data is labelled; a projected zone) is read as stated, and as if the
    lon/lat it gives were GCJ-02 or BD-09: web-map coordinates labelled or projected as
    such keep their shift, and the datum guard must not stop at the label.
    """
    if not x.size:
        return None
    if stated in DATUMS:
        return {kind: to_wgs84(x, y, kind) for kind in DATUMS}
    lon, lat = to_wgs84(x, y, stated)
    if not (np.isfinite(lon) & np.isfinite(lat)).any():
        return None
    return {stated: (lon, lat), **{k: to_wgs84(lon, lat, k) for k in DATUMS if k != "wgs84"}}


def _reproject_advice(stated: str, flag: str) -> str:
    """What to do with points in ``stated`` that fit a web-map datum (replaces ``flag X``)."""
    if _geographic(stated):  # EPSG:4490 and the like: WGS-84 within a metre
        return flag
    return f"the lon/lat they were projected from (convert them back to lon/lat) with {flag}"


def _decimals(values: np.ndarray, most: int = 8) -> np.ndarray:
    """The decimal places each number needs (106.49 -> 2), at most ``most``."""
    out = np.full(len(values), most, dtype=np.int64)
    left = np.isfinite(values)
    for k in range(most):
        scaled = values * 10.0**k
        exact = left & (np.abs(scaled - np.round(scaled)) <= 1e-12 * np.maximum(1.0, abs(scaled)))
        out[exact] = k
        left &= ~exact
    return out


def _coarse_message(n_coarse: int, n: int, what: str) -> str:
    """The warning for coordinates rounded too much to tell their datum."""
    return (
        f"{n_coarse} of the {n} {what} have coordinates rounded to "
        f"{DATUM_COARSE_DECIMALS} decimals or fewer (the point could be anywhere within about "
        "1 km): their datum cannot be checked and their walks start far from where they "
        "stand; write the coordinates with 6 decimals (in Excel give the cells the number "
        "format 0.000000 before saving as CSV)"
    )


def _agreeing(rows: list[tuple[str, str, float, float]]) -> list[tuple[str, str, float, float]]:
    """The rows that fit the same other datum, the most common one.

    Rows of a file that really mixes datums fit one other datum (an AMap list pasted into a
    Baidu one); a station set back from its street fits a shifted street by chance, under
    either other datum. Counting only the agreeing rows halved the correct files refused
    (6 -> 3 of 60 synthetic Yuzhong files of 28 stations set back 0-40 m from the streets);
    of 40 files with 30 % of their rows in another datum 38 are refused (were 40), of 40 with
    half of them all 40.
    """
    if not rows:
        return []
    datums = [r[1] for r in rows]
    top = max(sorted(set(datums)), key=datums.count)
    return [r for r in rows if r[1] == top]


def _beyond_chance(
    network: WalkNetwork,
    readings: dict[str, tuple[np.ndarray, np.ndarray]],
    distances: dict[str, np.ndarray],
    stated: str,
    mixed: list[tuple[str, str, float, float]],
    n: int,
) -> tuple[bool, str]:
    """Whether ``mixed`` makes the file mixed (an error), and a note when chance explains it.

    Enough rows agreeing on one datum (:func:`_many`), and more of them than chance gives
    (:func:`chance`: as many by chance below
    :data:`~harbor_planner.settings.DATUM_MIXED_CHANCE_EXPLAINS_P`, times the datums tried).
    Probe 24D: without the second test, correct Yuzhong lists of 28 stations, half at their
    kerbs and half set back 10-40 m, were refused 14 times in 30.
    """
    agreeing = _agreeing(mixed)
    if not _many(agreeing, n):
        return False, ""
    datum = agreeing[0][1]
    p, expected = chance(network, readings, distances, stated, datum)
    by_chance = min(p * (len(distances) - 1), 1.0)
    if by_chance < DATUM_MIXED_CHANCE_EXPLAINS_P:
        return True, ""
    return False, (
        f"; but chance could explain that: shifted as far as {datum} moves them but in "
        f"{len(DATUM_MIXED_DECOY_ANGLES)} other directions, {expected:.1f} rows fit a street "
        f"as well on average (a station set back {DATUM_ROW_GAIN_M:g}-{DATUM_MIXED_SETBACK_M:g} m "
        f"from its street often does; as many or more by chance: {by_chance:.2g}), so this is a "
        "warning"
    )


def _many(rows: list[Any], n: int) -> bool:
    """Whether ``rows`` of ``n`` are enough to call the file mixed."""
    return len(rows) >= max(DATUM_MIXED_MIN_ROWS, DATUM_MIXED_MIN_SHARE * n)


def _report(
    result: DatumCheck, path: str | Path | None, accept: bool, accept_option: str = _ACCEPT
) -> None:
    """Raise or log what ``result`` found."""
    if not result.message:
        where = f"{path}: " if path else ""
        if result.diagnosis is None or not result.diagnosis.n_points:
            log.info("%sno point lies near a street in any datum: not checked", where)
        else:
            log.info("%s%s", where, result.diagnosis.message())
        return
    if result.error and not accept:
        raise CRSError(result.message, path=path)
    accepted = f"accepted with {accept_option}" if accept_option == _ACCEPT else "used as stated"
    note = f" ({accepted})" if result.error else ""
    log.warning("%s%s%s", f"{path}: " if path else "", result.message, note)


def check_frame_datum(
    frame: Any,
    network: WalkNetwork,
    *,
    what: str = "stations",
    path: str | Path | None = None,
    accept: bool = False,
    flag: str = "--crs",
    accept_option: str = _ACCEPT,
) -> list[DatumCheck]:
    """:func:`check_datum` on stations as read by :func:`~harbor_planner.stations.read_stations`.

    Uses their file coordinates (``lon_orig``, ``lat_orig``) and stated CRS (``crs_orig``),
    one check per stated CRS (and per ``source_file`` when the frame pools several files);
    rows are labelled by their file row and station id.

    Parameters
    ----------
    frame
        The stations (a GeoDataFrame with ``lon_orig``, ``lat_orig``, ``crs_orig``).
    network, what, path, accept, flag, accept_option
        As for :func:`check_datum`; ``path`` is replaced by ``source_file`` when present.

    Returns
    -------
    list of DatumCheck
        One per group checked (none when the columns are missing).

    """
    if not {"lon_orig", "lat_orig", "crs_orig"} <= set(frame.columns) or not len(frame):
        return []
    keys = ["crs_orig"] + (["source_file"] if "source_file" in frame.columns else [])
    out = []
    for key, group in frame.groupby(keys, sort=False, dropna=True):
        key = key if isinstance(key, tuple) else (key,)
        where = key[1] if len(key) > 1 else path
        out.append(
            check_datum(
                group["lon_orig"].to_numpy(float),
                group["lat_orig"].to_numpy(float),
                str(key[0]),
                network,
                what=what,
                path=where,
                labels=_labels(group),
                accept=accept,
                flag=flag,
                accept_option=accept_option,
            )
        )
    return out


def _labels(group: Any) -> list[str]:
    """``row N (id)`` per station: file row (and sheet) and station id when given."""
    n = len(group)
    rows = group["row"].astype(str).to_numpy() if "row" in group else np.arange(1, n + 1)
    sheets = group["sheet"].to_numpy() if "sheet" in group else [None] * n
    ids = group["station_id"].to_numpy() if "station_id" in group else [None] * n
    out = []
    for r, s, i in zip(rows, sheets, ids, strict=True):
        label = f"row {r}" if s is None or s != s or s == "" else f"{s} row {r}"
        if i is not None and i == i and str(i).strip():
            label += f" ({str(i).strip()})"
        out.append(label)
    return out


def check_points_datum(
    lon: Any,
    lat: Any,
    stated_crs: str,
    network: WalkNetwork,
    *,
    what: str,
    path: str | Path | None = None,
    labels: list[str] | None = None,
    accept: bool = False,
    flag: str = "--crs",
) -> DatumCheck | None:
    """:func:`check_datum` on points already read into WGS-84 (a ``points:FILE`` demand).

    Their file coordinates are recovered from the WGS-84 ones under ``stated_crs``. Only the
    points within :data:`_NEAR_NETWORK_M` of the network's extent are measured (a demand file
    of the whole city against one district's streets would otherwise tell nothing).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    stated_crs, network, what, path, accept, flag
        As for :func:`check_datum`.
    labels
        A label per point (default ``row 1``, ``row 2``...).

    Returns
    -------
    DatumCheck or None
        ``None`` when no point lies near the network.

    """
    from harbor_planner.coords import from_wgs84

    lon84 = np.asarray(lon, dtype=float).ravel()
    lat84 = np.asarray(lat, dtype=float).ravel()
    labels = labels or [f"row {i + 1}" for i in range(lon84.size)]
    near = _near_network(network, lon84, lat84)
    if not near.any():
        return None
    x, y = from_wgs84(lon84[near], lat84[near], stated_crs)
    picked = [lab for lab, k in zip(labels, near, strict=True) if k]
    return check_datum(x, y, stated_crs, network, what=what, path=path, labels=picked,
                       accept=accept, flag=flag)  # fmt: skip


#: Points farther than this outside the network's extent are not measured by
#: :func:`check_points_datum` (a datum shift is at most about 700 m around Chongqing).
_NEAR_NETWORK_M = 1000.0


def _near_network(network: WalkNetwork, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each WGS-84 point lies within :data:`_NEAR_NETWORK_M` of the network's box."""
    import pyproj

    tr = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    x, y = tr.transform(lon, lat)
    lo = network.node_xy.min(axis=0) - _NEAR_NETWORK_M
    hi = network.node_xy.max(axis=0) + _NEAR_NETWORK_M
    return np.isfinite(x) & (x >= lo[0]) & (x <= hi[0]) & (y >= lo[1]) & (y <= hi[1])

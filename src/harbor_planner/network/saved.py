"""Reading and checking a saved network file (``.npz``) before anything uses it.

A saved network is a zip of plain ``.npy`` arrays (no pickles) and a JSON ``meta`` array.
:func:`read_saved_arrays` reads it without trusting it: every member's declared size is
checked against its bytes before any memory is taken, and pickled (object) arrays are refused.
:func:`check_saved_arrays` then checks what every algorithm relies on: the arrays are all
there with the right kinds and consistent lengths, node indices are in range, offsets are
monotone, coordinates finite, lengths and times finite and non-negative (``inf`` only where a
direction cannot be walked) and the directed arcs agree with the edges. A tampered or
corrupt file is one :class:`~harbor_planner.errors.InputDataError` naming the file and the
way out (rebuild it), never a silently wrong coverage or a runaway search.
"""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from harbor_planner._io import unreadable_input
from harbor_planner._text import one_line
from harbor_planner.errors import HarborPlannerError, InputDataError
from harbor_planner.network.walk import KIND_NAMES, WalkModel

__all__ = ["REBUILD_HINT", "check_saved_arrays", "corrupt_network", "read_saved_arrays"]

#: How a user gets a sound network file again.
REBUILD_HINT = "rebuild it with 'harbor-planner network build SOURCE --out FILE.npz'"

#: Required arrays: name → (kind letters numpy may store it as, what its length follows).
_EDGE_KINDS: dict[str, str] = {
    "u": "iu",
    "v": "iu",
    "way_id": "iu",
    "kind": "iu",
    "length_m": "f",
    "step_count": "f",
    "incline": "iu",
    "fwd_ok": "b",
    "bwd_ok": "b",
    "elevator_ends": "iu",
    "off_ground": "b",
    "rise_m": "f",
    "slope_len_fwd_m": "f",
    "slope_len_bwd_m": "f",
    "time_fwd_s": "f",
    "time_bwd_s": "f",
    "highway": "iu",
    "name": "iu",
    "incline_grade": "f",
    "grade_pct": "f",
    "grade_source": "iu",
    "above_cap": "b",
}
#: Edge arrays that version-1 files lack (filled in when loaded).
_EDGE_V2 = ("incline_grade", "grade_pct", "grade_source", "above_cap")
_NODE_KINDS: dict[str, str] = {"osmid": "iu", "x": "f", "y": "f", "z_m": "f"}
_OTHER_KINDS: dict[str, str] = {
    "meta": "u",
    "geom_coords": "f",
    "geom_offsets": "iu",
    "arc_indptr": "iu",
    "arc_indices": "iu",
    "arc_time_s": "f",
    "arc_edge": "iu",
}


def corrupt_network(path: str | Path, problem: str) -> InputDataError:
    """The error for a saved network that cannot be trusted.

    Parameters
    ----------
    path
        The file.
    problem
        What is wrong, e.g. ``"edge_time_fwd_s has 3 NaN values"``.

    Returns
    -------
    InputDataError
        ``"<path>: not a sound harbor-planner network (<problem>); rebuild it with ..."``.

    """
    return InputDataError(
        f"not a sound harbor-planner network ({problem}); the file is corrupt or was "
        f"changed: {REBUILD_HINT}",
        path=path,
    )


def _member_header(f: Any, name: str, path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from the header of one ``.npy`` member."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = fmt.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = fmt.read_array_header_2_0(f)
    else:
        raise corrupt_network(path, f"{name} is an .npy file of version {version}")
    return shape, dtype


def read_saved_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a saved network file, read without trusting the file.

    Parameters
    ----------
    path
        The ``.npz`` file.

    Returns
    -------
    dict
        Array name (without ``.npy``) → array.

    Raises
    ------
    InputDataError
        Not a zip of arrays, truncated, an array whose header promises more bytes than the
        file holds, or an object (pickle) array.

    """
    path = Path(path)
    try:  # a sound file this user cannot read is not corrupt
        path.open("rb").close()
    except OSError as exc:
        raise unreadable_input(path, exc, "network file") from None
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                with z.open(info) as f:
                    shape, dtype = _member_header(f, info.filename, path)
                if dtype.hasobject:
                    raise corrupt_network(path, f"{info.filename} holds Python objects")
                size = math.prod(shape) * dtype.itemsize
                if size > info.file_size:
                    raise corrupt_network(
                        path, f"{info.filename} declares {size:,} bytes but holds fewer"
                    )
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except InputDataError:
        raise
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise corrupt_network(path, f"{type(exc).__name__}: {one_line(exc)}") from None


def _check_kinds(data: Mapping[str, np.ndarray], version: int) -> list[str]:
    """Missing arrays, arrays of the wrong kind or number of dimensions."""
    wanted = {
        **{f"edge_{k}": v for k, v in _EDGE_KINDS.items() if version >= 2 or k not in _EDGE_V2},
        **{f"node_{k}": v for k, v in _NODE_KINDS.items()},
        **_OTHER_KINDS,
    }
    missing = [name for name in wanted if name not in data]
    if missing:
        return [f"missing array(s) {', '.join(missing)}"]
    problems = []
    for name, kinds in wanted.items():
        arr = data[name]
        ndim = 2 if name == "geom_coords" else 1
        if arr.dtype.kind not in kinds or arr.ndim != ndim:
            problems.append(f"{name} is {arr.dtype} with {arr.ndim} dimension(s)")
    coords = data["geom_coords"]
    if not problems and coords.shape[1] not in (2, 3):
        problems.append(f"geom_coords has {coords.shape[1]} columns, not 2")
    return problems


def _check_lengths(data: Mapping[str, np.ndarray]) -> list[str]:
    m, n = len(data["edge_u"]), len(data["node_x"])
    problems = []
    for prefix, count, what in (("edge_", m, "edge"), ("node_", n, "node")):
        bad = [k for k in data if k.startswith(prefix) and len(data[k]) != count]
        if bad:
            problems.append(f"{', '.join(bad)}: not one value per {what} ({count} {what}s)")
    if len(data["geom_offsets"]) != m + 1:
        problems.append(f"geom_offsets has {len(data['geom_offsets'])} values, not {m + 1}")
    if len(data["arc_indptr"]) != n + 1:
        problems.append(f"arc_indptr has {len(data['arc_indptr'])} values, not {n + 1}")
    k = len(data["arc_indices"])
    if len(data["arc_time_s"]) != k or len(data["arc_edge"]) != k:
        problems.append("arc_indices, arc_time_s and arc_edge differ in length")
    if n == 0 or m == 0:
        problems.append(f"{n} nodes and {m} edges")
    return problems


def _offsets_problem(name: str, offsets: np.ndarray, end: int, least: int) -> str | None:
    steps = np.diff(offsets)
    if offsets[0] != 0 or offsets[-1] != end or (steps < least).any():
        return f"{name} is not an increasing offset array from 0 to {end}"
    return None


def _range_problem(name: str, values: np.ndarray, low: int, high: int) -> str | None:
    if values.size and (values.min() < low or values.max() >= high):
        return f"{name} has values outside {low}..{high - 1}"
    return None


def _float_problem(
    name: str, values: np.ndarray, *, nan: bool = False, inf: bool = False, negative: bool = False
) -> str | None:
    """Values that are NaN, infinite or negative where the column allows none."""
    bad = []
    if not nan and np.isnan(values).any():
        bad.append(f"{int(np.isnan(values).sum()):,} NaN")
    if not inf and np.isinf(values).any():
        bad.append(f"{int(np.isinf(values).sum()):,} infinite")
    if not negative and (values < 0).any():
        bad.append(f"{int((values < 0).sum()):,} negative")
    return f"{name} has {' and '.join(bad)} value(s)" if bad else None


def _check_values(data: Mapping[str, np.ndarray], meta: dict[str, Any]) -> list[str]:
    """Index ranges, offsets and finite, non-negative numbers."""
    m, n = len(data["edge_u"]), len(data["node_x"])
    text = meta["text"]
    found = [
        _range_problem("edge_u", data["edge_u"], 0, n),
        _range_problem("edge_v", data["edge_v"], 0, n),
        _range_problem("edge_kind", data["edge_kind"], 0, len(KIND_NAMES)),
        _range_problem("edge_incline", data["edge_incline"], -1, 2),
        _range_problem("edge_elevator_ends", data["edge_elevator_ends"], 0, 3),
        _range_problem("edge_highway", data["edge_highway"], -1, len(text["highway"])),
        _range_problem("edge_name", data["edge_name"], -1, len(text["name"])),
        _range_problem("arc_indices", data["arc_indices"], 0, n),
        _range_problem("arc_edge", data["arc_edge"], 0, m),
        _offsets_problem("geom_offsets", data["geom_offsets"], len(data["geom_coords"]), 2),
        _offsets_problem("arc_indptr", data["arc_indptr"], len(data["arc_indices"]), 0),
        _float_problem("geom_coords", data["geom_coords"]),
        _float_problem("node_x", data["node_x"], negative=True),
        _float_problem("node_y", data["node_y"], negative=True),
        _float_problem("node_z_m", data["node_z_m"], nan=True, negative=True),
        _float_problem("edge_length_m", data["edge_length_m"]),
        _float_problem("edge_step_count", data["edge_step_count"], nan=True),
        _float_problem("edge_rise_m", data["edge_rise_m"], nan=True, negative=True),
        _float_problem("edge_slope_len_fwd_m", data["edge_slope_len_fwd_m"], nan=True),
        _float_problem("edge_slope_len_bwd_m", data["edge_slope_len_bwd_m"], nan=True),
        _float_problem("edge_time_fwd_s", data["edge_time_fwd_s"], inf=True),
        *_v2_problems(data, meta),
        _float_problem("edge_time_bwd_s", data["edge_time_bwd_s"], inf=True),
        _float_problem("arc_time_s", data["arc_time_s"]),
    ]
    for name in ("edge_time_fwd_s", "edge_time_bwd_s", "arc_time_s"):
        if (data[name] == 0).any():
            found.append(f"{name} has zero times")
    if np.isneginf(data["edge_time_fwd_s"]).any() or np.isneginf(data["edge_time_bwd_s"]).any():
        found.append("edge times of -inf")
    return [p for p in found if p]


def _v2_problems(data: Mapping[str, np.ndarray], meta: dict[str, Any]) -> list[str | None]:
    """Checks of the grade columns of version-2 files."""
    if meta["version"] < 2:
        return []
    return [
        _range_problem("edge_grade_source", data["edge_grade_source"], 0, 5),
        _float_problem("edge_grade_pct", data["edge_grade_pct"], negative=True),
        _float_problem("edge_incline_grade", data["edge_incline_grade"], nan=True, negative=True),
    ]


def _check_geometry(data: Mapping[str, np.ndarray]) -> list[str]:
    """Each edge's line starts at its ``u`` node and ends at its ``v`` node."""
    coords, offsets = data["geom_coords"][:, :2], data["geom_offsets"]
    node_xy = np.column_stack([data["node_x"], data["node_y"]])
    gap = np.maximum(
        np.abs(coords[offsets[:-1]] - node_xy[data["edge_u"]]).max(axis=1),
        np.abs(coords[offsets[1:] - 1] - node_xy[data["edge_v"]]).max(axis=1),
    )
    bad = gap > 0.01
    if bad.any():
        return [f"{int(bad.sum()):,} edge line(s) do not start and end at their nodes"]
    return []


def _check_arcs(data: Mapping[str, np.ndarray]) -> list[str]:
    """Each directed arc joins the ends of its edge and takes that edge's time."""
    src = np.repeat(np.arange(len(data["arc_indptr"]) - 1), np.diff(data["arc_indptr"]))
    dst, e, t = data["arc_indices"], data["arc_edge"], data["arc_time_s"]
    u, v = data["edge_u"][e], data["edge_v"][e]
    fwd = (src == u) & (dst == v) & (t == data["edge_time_fwd_s"][e])
    bwd = (src == v) & (dst == u) & (t == data["edge_time_bwd_s"][e])
    bad = ~(fwd | bwd)
    if bad.any():
        return [f"{int(bad.sum()):,} directed arc(s) disagree with their edges' ends or times"]
    return []


def _check_meta(data: Mapping[str, np.ndarray], path: Path, fmt: str, version: int) -> dict:
    try:
        meta = json.loads(bytes(data["meta"]).decode())
    except (UnicodeDecodeError, ValueError) as exc:
        raise corrupt_network(path, f"its metadata is not JSON: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise InputDataError(
            f"not a network saved by harbor-planner (no '{fmt}' metadata); {REBUILD_HINT}",
            path=path,
        )
    if not isinstance(meta.get("version"), int) or meta["version"] > version:
        raise InputDataError(
            f"network file format {meta.get('version')!r} is newer than this harbor-planner "
            f"reads ({version}); upgrade harbor-planner or {REBUILD_HINT}",
            path=path,
        )
    text = meta.get("text")
    ok = (
        isinstance(meta.get("crs"), str)
        and isinstance(meta.get("walk_model"), dict)
        and isinstance(meta.get("source", {}), dict)
        and isinstance(text, dict)
        and all(isinstance(text.get(c), list) for c in ("highway", "name"))
    )
    if not ok:
        raise corrupt_network(path, "its metadata lacks crs, walk_model, source or text")
    try:
        WalkModel.from_dict(meta["walk_model"])
    except (HarborPlannerError, TypeError, ValueError) as exc:
        raise corrupt_network(path, f"its walk model is invalid: {exc}") from None
    try:
        projected = CRS.from_user_input(meta["crs"]).is_projected
    except PyprojCRSError:
        projected = False
    if not projected:
        raise corrupt_network(path, f"its CRS {meta['crs']!r} is not a projected CRS")
    return meta


def check_saved_arrays(
    data: Mapping[str, np.ndarray],
    path: str | Path,
    *,
    fmt: str,
    version: int,
    values: bool = True,
) -> dict[str, Any]:
    """Check the arrays of a saved network; return its parsed metadata.

    Parameters
    ----------
    data
        What :func:`read_saved_arrays` returned.
    path
        The file, for messages.
    fmt, version
        The format name and the newest format version this harbor-planner reads.
    values
        Also check the values (ranges, offsets, arcs, geometry); ``False`` checks the
        metadata, the arrays' kinds and lengths only (a file checked before, unchanged since).

    Returns
    -------
    dict
        The metadata (``format``, ``version``, ``crs``, ``walk_model``, ``source``, ``text``).

    Raises
    ------
    InputDataError
        Not a harbor-planner network, a newer format, or any check failed (the message lists
        up to three problems and says to rebuild the file).

    """
    path = Path(path)
    if "meta" not in data:
        raise InputDataError(
            f"not a network saved by harbor-planner (no metadata); {REBUILD_HINT}", path=path
        )
    meta = _check_meta(data, path, fmt, version)
    problems = _check_kinds(data, meta["version"]) or _check_lengths(data)
    if not problems and values:
        problems = _check_values(data, meta)
    if not problems and values:
        problems = _check_arcs(data) + _check_geometry(data)
    if problems:
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise corrupt_network(path, "; ".join(problems[:3]) + more)
    return meta

"""The candidate table: its columns, their dtypes and a file's own columns beside them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "CANDIDATE_COLUMNS",
    "candidate_frame",
    "cell_text",
    "empty_candidates",
    "own_columns",
]

#: Columns every candidate table has (with ``geometry``), in this order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "kind",
    "source",
    "name",
    "cost",
    "edge",
    "edge_frac",
)


# Columns a file's own columns must not overwrite (they get ``_src``).
_RESERVED = (*CANDIDATE_COLUMNS, "merged_ids", "highway", "tag", "row", "geometry")


def cell_text(values: Any) -> npt.NDArray[np.object_]:
    """Strings of a column, ``""`` for missing values.

    Parameters
    ----------
    values
        The column's values.

    Returns
    -------
    numpy.ndarray
        Stripped strings (object dtype).

    """
    s = pd.Series(values, dtype=object)
    out = s.where(s.notna(), "").astype(str).str.strip()
    return out.to_numpy(dtype=object)


def candidate_frame(
    columns: Mapping[str, Any], geometry: Any, n: int, extra: Mapping[str, Any] | None = None
) -> gpd.GeoDataFrame:
    """A candidate table with :data:`CANDIDATE_COLUMNS` in their dtypes, then ``extra``.

    Parameters
    ----------
    columns
        Values of ``site_id``, ``kind``, ``source`` and optionally ``name`` (default ``""``),
        ``cost`` (NaN), ``edge`` (NA) and ``edge_frac`` (NaN).
    geometry
        ``n`` points in EPSG:4326.
    n
        Number of rows.
    extra
        More columns, after those.

    Returns
    -------
    geopandas.GeoDataFrame

    """
    data: dict[str, Any] = {
        "site_id": pd.array(cell_text(columns["site_id"]), dtype="str"),
        "kind": pd.array(cell_text(columns["kind"]), dtype="str"),
        "source": pd.array(cell_text(columns["source"]), dtype="str"),
        "name": pd.array(cell_text(columns.get("name", [""] * n)), dtype="str"),
        "cost": np.asarray(columns.get("cost", np.full(n, np.nan)), dtype=np.float64),
        "edge": pd.array(columns.get("edge", [pd.NA] * n), dtype="Int64"),
        "edge_frac": np.asarray(columns.get("edge_frac", np.full(n, np.nan)), dtype=np.float64),
    }
    for key, value in (extra or {}).items():
        data[key] = value
    return gpd.GeoDataFrame(data, geometry=np.asarray(geometry, dtype=object), crs="EPSG:4326")


def empty_candidates(extra: Mapping[str, Any] | None = None) -> gpd.GeoDataFrame:
    """A candidate table without rows.

    Parameters
    ----------
    extra
        More (empty) columns.

    Returns
    -------
    geopandas.GeoDataFrame

    """
    return candidate_frame({"site_id": [], "kind": [], "source": []}, [], 0, extra)


def own_columns(table: pd.DataFrame) -> dict[str, Any]:
    """A file's columns, those named like a reserved column renamed ``<name>_src``.

    Parameters
    ----------
    table
        The file's rows (``geometry`` is left out; ``row`` is kept as is).

    Returns
    -------
    dict
        Column name to values.

    """
    out: dict[str, Any] = {}
    for col in table.columns:
        name = str(col)
        if name == "geometry":
            continue
        key = f"{name}_src" if name in _RESERVED and name != "row" else name
        out[key] = table[col].to_numpy()
    return out

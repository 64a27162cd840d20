"""Each station's key in the outputs: its id, else the row of its file it came from.

A station list without ids (``name,lon,lat``) is common before the unified numbering: its
stations are still told apart wherever a table or layer refers to a station (the nearest
station of a demand point, an isochrone, an exit candidate) by ``"row N"`` of the file
(``"SHEET row N"`` in a workbook of several sheets, ``"FILE row N"`` for several files),
never by an empty or ``nan`` id.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["station_keys"]


def station_keys(stations: Any, id_column: str | None = "station_id") -> npt.NDArray[np.object_]:
    """The key of each station: its id as text, else ``"row N"`` of its file, else its index.

    Parameters
    ----------
    stations
        A table of stations (``row`` and ``sheet`` as :func:`~harbor_planner.read_stations`
        gives them, when known).
    id_column
        The column of ids (``None`` or absent: the index is the key).

    Returns
    -------
    numpy.ndarray
        One text per station, in order.

    """
    index = pd.Series(np.asarray(stations.index).astype(str), dtype=object)
    if id_column is None or id_column not in stations:
        return index.to_numpy(object)
    ids = pd.Series(stations[id_column].to_numpy(object), dtype=object)
    missing = ids.isna() | ids.map(lambda v: isinstance(v, str) and not v.strip())
    if not missing.any():
        return ids.astype(str).to_numpy(object)
    fallback = index
    if "row" in stations:
        rows = pd.Series(stations["row"].to_numpy(object), dtype=object)
        known = rows.notna()
        text = "row " + rows.where(known, "").map(_row_text)
        for where in ("sheet", "source_file"):  # several sheets or files: theirs too (19R)
            text = _with_prefix(text, stations, where)
        fallback = text.where(known, index)
    return ids.where(~missing, fallback).map(str).to_numpy(object)


def _with_prefix(text: pd.Series, stations: Any, column: str) -> pd.Series:
    """``text`` after the row's sheet (or file), where the table has several of them."""
    if column not in stations:
        return text
    values = pd.Series(stations[column].to_numpy(object), dtype=object)
    named = values.notna() & (values.map(str).str.strip() != "")
    if column == "source_file" and values[named].nunique() < 2:
        return text  # one file: its rows are told apart by their numbers alone
    return text.where(~named, values.map(str) + " " + text)


def _row_text(value: Any) -> str:
    """A row number as written (2, not 2.0)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)

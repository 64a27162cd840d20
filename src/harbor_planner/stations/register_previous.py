"""The previous register's codes: read, checked, and its stations without one said.

``stations number --previous REGISTER`` keeps each station's code of the register numbered
last time. Probe 27T found two ways that failed without a fitting word:

* a register row whose 统一编号 is blank (or a formula without a saved value, read as
  empty) gave its station a new code, counted as "new", without a word:
  :func:`warn_unusable_codes` names each such station, the register's cell and its new code;
* one code on several rows of the register (typed twice, or one cell merged over A2:A5)
  was refused naming rows of the new list, which holds no codes:
  :func:`refuse_codes_twice` names the register, its rows and cells, and the fix.

The codes' form (:data:`CODE_RE`, :func:`well_formed_codes`) and the stations' id key
(:func:`id_key`) are defined here for the register and these checks alike.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner.errors import InputDataError

__all__ = [
    "CODE_RE",
    "id_key",
    "refuse_codes_twice",
    "warn_uncoded_gone",
    "warn_unusable_codes",
    "well_formed_codes",
]

log = logging.getLogger(__name__)

#: A unified code: the district's adcode, a dash and a number 0001-9999 (500103-0007).
CODE_RE = re.compile(r"^(\d{6})-(?!0000)(\d{4})$")
#: Cells of a merged range as the reader's ``merged_cells`` warning names them (A2:A5).
_CELLS_RE = re.compile(r"\b[A-Z]{1,3}\d+:[A-Z]{1,3}\d+\b")


def well_formed_codes(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A code column as text (full-width forms read) and which of its codes are well formed.

    Parameters
    ----------
    column
        The 统一编号 column of a table.

    Returns
    -------
    tuple of pandas.Series
        The codes as text (``５００１０３－０００７`` read as ``500103-0007``) and a boolean
        mask of the well-formed ones (:data:`CODE_RE`).

    """
    codes = column.astype("string").str.normalize("NFKC").str.strip()
    return codes, codes.str.match(CODE_RE.pattern).fillna(False).astype(bool)


def id_key(ids: pd.Series) -> pd.Series:
    """Station ids as compared with the previous register's: Ａ０２, a02 and A02 are one.

    Probe 21G: a full-width or lower-case id took a new code and retired the station's own.
    A blank id is no id (NA): probe 24H, two stations without 编号 were one station.

    Parameters
    ----------
    ids
        Station ids (or names) as read.

    Returns
    -------
    pandas.Series
        The keys, NA where blank.

    """
    key = ids.astype("string").str.normalize("NFKC").str.strip().str.casefold()
    return key.mask(key.eq(""))


def _where(frame: pd.DataFrame, index: Any) -> str:
    """``sheet S row R`` (``row R`` without a sheet) of one row of ``frame``."""
    row = frame.at[index, "row"] if "row" in frame else None
    sheet = frame.at[index, "sheet"] if "sheet" in frame else None
    text = f"row {int(row)}" if pd.notna(row) else "a row"
    return f"sheet {sheet} {text}" if isinstance(sheet, str) and sheet else text


def _rows_of(frame: pd.DataFrame) -> str:
    """``sheet S rows 2, 3, 4`` of the rows of ``frame`` (``rows 2, 3`` without sheets)."""
    if "row" not in frame:
        return f"{len(frame)} rows"
    sheets = frame["sheet"] if "sheet" in frame else pd.Series(None, index=frame.index)
    parts = []
    for sheet, rows in frame["row"].groupby(sheets.fillna(""), sort=False):
        numbers = [str(int(r)) for r in rows.dropna()][:10]
        text = ("row " if len(numbers) == 1 else "rows ") + ", ".join(numbers)
        parts.append(f"sheet {sheet} {text}" if sheet else text)
    return "; ".join(parts)


def _merged_cells(problems: pd.DataFrame | None, sheet: Any, rows: list[int], code: str) -> str:
    """The cells of a merged range over ``rows`` holding ``code``, as the reader named them."""
    if problems is None or not len(problems) or "code" not in problems:
        return ""
    merged = problems[problems["code"].eq("merged_cells")]
    for _, p in merged.iterrows():
        same_sheet = pd.isna(sheet) or p["sheet"] == sheet
        if same_sheet and p["row"] in rows and f"({code}" in str(p["message"]):
            found = _CELLS_RE.search(str(p["message"]))
            return found.group(0) if found else f"rows {min(rows)}-{max(rows)}"
    return ""


def refuse_codes_twice(
    previous: Any,
    *,
    source: str | os.PathLike[str] | None = None,
    problems: pd.DataFrame | None = None,
) -> None:
    """Refuse a previous register that gives one code to several of its rows.

    Parameters
    ----------
    previous
        The previous register's stations (its 统一编号 column, ``row`` and ``sheet``).
    source
        Its file, for the message.
    problems
        Its reading problems (a ``merged_cells`` warning names the merged cells).

    Raises
    ------
    InputDataError
        A code on several rows (typed twice, or one cell merged over several rows): each
        code, its rows and cells, and the fix. The new list was blamed before (probe 27T).

    """
    from harbor_planner.stations.register import code_column

    col = code_column(getattr(previous, "columns", ()))
    if col is None or not len(previous):
        return
    codes, ok = well_formed_codes(previous[col])
    twice = ok & codes.duplicated(keep=False)
    if not twice.any():
        return
    said, merged_any = [], False
    for code, group in previous[twice.to_numpy()].groupby(codes[twice].to_numpy(), sort=True):
        sheet = group["sheet"].iloc[0] if "sheet" in group else None
        rows = [int(r) for r in group["row"].dropna()] if "row" in group else []
        cells = _merged_cells(problems, sheet, rows, str(code))
        merged_any |= bool(cells)
        said.append(f"{code} to {_rows_of(group)}"
                    + (f" (cells {cells} merged into one)" if cells else ""))  # fmt: skip
    fix = "unmerge the cells and type" if merged_any else "type"
    raise InputDataError(
        "the previous register gives one code to several stations: " + "; ".join(said[:5])
        + f"; a code is one station's: {fix} each station's own code (统一编号) in the "
        "previous register, then number again",
        path=source,
    )  # fmt: skip


def _found_again(st: pd.DataFrame, new: pd.Series, blank: pd.DataFrame) -> dict[Any, Any]:
    """Rows of ``st`` given new codes that are stations of ``blank`` (by id, or name and place).

    ``blank``: the previous register's rows without a usable code. A row with an id of its
    own is found by that id, or by name and place where the register's station had no id
    (as the register matches stations, :mod:`harbor_planner.stations.register`).
    """
    from harbor_planner.stations.register import SAME_STATION_M

    def keys(frame: pd.DataFrame) -> pd.Series:
        if "station_id" in frame:
            return id_key(frame["station_id"])
        return pd.Series(pd.NA, index=frame.index, dtype="string")

    ids, their = keys(st), keys(blank)
    by_id: dict[Any, Any] = {}
    for j, k in their.dropna().items():
        by_id.setdefault(k, j)  # the first row of an id
    rows = st.index[new.to_numpy()]
    found = {i: by_id[ids[i]] for i in rows if pd.notna(ids[i]) and ids[i] in by_id}
    todo = [i for i in rows if i not in found]
    if not todo or "name" not in st or "name" not in blank:
        return found
    from scipy.spatial import cKDTree

    utm = "EPSG:32648"  # metres in Chongqing, for the distance only
    mine, theirs = st.geometry[todo].to_crs(utm), blank.geometry.to_crs(utm)
    tree = cKDTree(np.column_stack([theirs.x, theirs.y]))
    near = tree.query_ball_point(np.column_stack([mine.x, mine.y]), SAME_STATION_M)
    names, their_names = id_key(st.loc[todo, "name"]), id_key(blank["name"]).to_numpy(object)
    no_id = their.isna().to_numpy()
    for i, around in zip(todo, near, strict=True):
        for j in sorted(around):  # its own id: only a register station that had none
            if pd.notna(names[i]) and their_names[j] == names[i] and (no_id[j] or pd.isna(ids[i])):
                found[i] = blank.index[j]
                break
    return found


def _who(st: pd.DataFrame, i: Any) -> str:
    """A station of the list by its id, else by its name and row (``站2 (row 3)``)."""
    from harbor_planner.stations.keys import station_keys

    key = str(station_keys(st.loc[[i]])[0])  # its id, else "row N" of the list
    given = [st.at[i, c] if c in st else None for c in ("station_id", "name")]
    ok = [pd.notna(v) and bool(str(v).strip()) for v in given]
    return f"{given[1]} ({key})" if ok[1] and not ok[0] else key


def warn_unusable_codes(st: pd.DataFrame, new: pd.Series, codes: pd.Series, previous: Any) -> None:
    """Warn of stations the previous register holds without a usable code, newly coded now.

    Probe 27T: a register row whose 统一编号 was blank, or a formula without a saved value,
    gave its station a new code counted as "new", without a word.

    Parameters
    ----------
    st
        The list's stations (``station_id``, ``name``, WGS-84 points, ``row``...).
    new
        Which of them were given a new code.
    codes
        Their codes now.
    previous
        The previous register's stations.

    """
    from harbor_planner.stations.register import code_column

    col = code_column(getattr(previous, "columns", ()))
    if previous is None or col is None or not len(previous) or not new.any():
        return
    text, ok = well_formed_codes(previous[col])
    blank = previous[~ok.to_numpy()]
    if not len(blank):
        return
    found = _found_again(st, new, blank)
    said = []
    for i, j in found.items():
        who = _who(st, i)
        value = text[j]
        what = (
            "empty (or a formula without a saved value)"
            if pd.isna(value) or not value
            else f"{value!r}, not a code <adcode>-<NNNN>"
        )
        said.append(f"{who}: its 统一编号 in the previous register ({_where(previous, j)}) is "
                    f"{what}; given {codes[i]}")  # fmt: skip
    if said:
        log.warning(
            "%d %s of the previous register (by id, or by name and place) had no usable code "
            "there and got a new one: %s; if the station had a code, type it into that 统一编号 "
            "cell (a formula: open and save the workbook in Excel, or paste the values) and "
            "number again",
            len(said), "station" if len(said) == 1 else "stations",
            "; ".join(said[:10]) + (" ..." if len(said) > 10 else ""),
        )  # fmt: skip


def warn_uncoded_gone(st: pd.DataFrame, previous: Any) -> None:
    """Warn of previous register rows without a usable code that are no station of the list.

    Probe 27R2: a closed station whose 统一编号 was blank, gone from the list, left the register
    without a word, and the code it had went to a new station: such rows are named, with
    what follows (their codes cannot be kept retired) and the fix.

    Parameters
    ----------
    st
        The list's stations.
    previous
        The previous register's stations.

    """
    from harbor_planner.stations.register import code_column

    col = code_column(getattr(previous, "columns", ()))
    if previous is None or col is None or not len(previous):
        return
    _, ok = well_formed_codes(previous[col])
    blank = previous[~ok.to_numpy()]
    if not len(blank):
        return
    found = set(_found_again(st, pd.Series(True, index=st.index), blank).values())
    gone = [j for j in blank.index if j not in found]
    if not gone:
        return
    said = [f"{_who(blank, j)} ({_where(blank, j)})" for j in gone[:10]]
    log.warning(
        "%d %s of the previous register without a usable 统一编号 %s not in the list and %s "
        "left out of the register: %s; a code such a station had can no longer be kept "
        "retired and may be given again: type its code into the previous register and "
        "number again",
        len(gone), "row" if len(gone) == 1 else "rows", "is" if len(gone) == 1 else "are",
        "is" if len(gone) == 1 else "are", "; ".join(said) + (" ..." if len(gone) > 10 else ""),
    )  # fmt: skip

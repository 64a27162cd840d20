"""Two status columns of one station list: 状态 (or 建设状态) beside 运营状态.

A register often keeps how far a station was built (建设状态: 已建成, 在建, 拟建) apart from
whether it serves now (运营状态: 正常运营, 暂停运营, 已撤销). Before session 27 the second
column was only an ``ambiguous_column`` warning: a station built and suspended counted as
covering its workers. Both are now read, row by row:

* a closed word in either (暂停运营, 已撤销, 退出...) closes the station: it does not serve
  now, whatever the other says (``status_closed_by_column`` warning when the other names
  another status);
* an empty cell in one takes the other's status;
* two other statuses that differ (拟建 beside 正常运营) are an error (``status_conflict``):
  which is true cannot be guessed (the row is refused, as an unknown status is).

Every further status column (状态, 建设状态 and 运营状态 in one list: probe 27R) is read so,
beside what the columns before it gave. A further status column is read only when every cell in
it is empty or a status word; else it stays an extra column with its ``ambiguous_column``
warning. A closed word beside a station still to be built (在建 with 暂停) closes it too, the
warning saying how to keep it (building work paused: leave the second column empty).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harbor_planner.stations._common import cell_words, status_of
from harbor_planner.stations.problems import problems_where

__all__ = ["combine_status", "extra_status_key", "is_extra_status", "status_pair_column"]

#: The keys of the status columns after the first in a table's header mapping: ``status_2``,
#: ``status_3``... (状态, 建设状态 and 运营状态 in one list: probe 27R, the third was ignored).
_EXTRA = "status_"


def extra_status_key(mapping: dict[str, str]) -> str:
    """The key of the next status column after the first (``status_2``, ``status_3``...)."""
    k = 2
    while f"{_EXTRA}{k}" in mapping:
        k += 1
    return f"{_EXTRA}{k}"


def is_extra_status(key: str) -> bool:
    """Whether a header mapping's key is that of a status column after the first."""
    return key.startswith(_EXTRA) and key[len(_EXTRA) :].isdigit()


def status_pair_column(values: Any) -> bool:
    """Whether a second status column holds status words only (and at least one).

    Parameters
    ----------
    values
        The column's cells as read.

    Returns
    -------
    bool

    """
    words = cell_words(values)
    return bool(words) and all(status_of(w) is not None for w in words)


def combine_status(t: pd.DataFrame, status: pd.Series) -> tuple[pd.Series, list[pd.DataFrame]]:
    """The status of each row from every status column, and the problems of their pairing.

    Parameters
    ----------
    t
        The normalised table (``_status_2``, ``_status_3``...: the other status columns' text,
        ``_col_status_2``... their headers; none when the file has one status column).
    status
        The status of the first column (its sheet's or section's where empty).

    Returns
    -------
    (pandas.Series, list of pandas.DataFrame)
        The status per row, and the ``status_closed_by_column`` warnings and
        ``status_conflict`` errors.

    """
    problems: list[pd.DataFrame] = []
    head = f"_{_EXTRA}"
    extra = sorted(
        (c for c in t.columns if c.startswith(head) and c[len(head) :].isdigit()),
        key=lambda c: int(c[len(head) :]),
    )
    for col in extra:  # each beside what the columns before it gave
        if t[col].notna().any():
            status, more = _pair(t, status, col)
            problems += more
    return status, problems


def _pair(t: pd.DataFrame, status: pd.Series, col: str) -> tuple[pd.Series, list[pd.DataFrame]]:
    """``status`` combined with the status column ``col`` (see the module's rules)."""
    second = t[col].map(lambda w: status_of(w) if isinstance(w, str) else None).astype("str")
    closed = (status == "closed") | (second == "closed")
    other = status.where(second == "closed", second).where(closed)  # the non-closing word
    shut = closed & other.notna() & (other != "closed")
    conflict = ~closed & status.notna() & second.notna() & (status != second)
    combined = status.where(second.isna(), second).where(~closed, "closed")
    combined = combined.where(~conflict, status).astype("str")  # the row is refused anyway
    first_col = t["_col_status"].astype("str")
    second_col = t[f"_col{col}"].astype("str")
    said = (
        "'" + first_col + "' says '" + t["status"].fillna("").astype("str") + "' and '"
        + second_col + "' says '" + t[col].fillna("").astype("str") + "'"
    )  # fmt: skip
    serving = ": counted as closed (退出): a station that does not serve now covers no one"
    unbuilt = (  # probe 27R: 在建 beside 暂停 may be building work paused
        ": counted as closed (退出); if only the building work is paused, leave '"
        + second_col + "' empty and it stays as '" + first_col + "' says"
    )  # fmt: skip
    why = pd.Series(serving, index=t.index).where(other == "existing", unbuilt)
    why = why.where(
        second == "closed", ": counted as closed (退出), as '" + first_col + "' says; correct '"
        + second_col + "' if it serves",
    )  # fmt: skip
    return combined, [
        problems_where(
            t, shut, second_col.where(second == "closed", first_col), "warning",
            "status_closed_by_column", said + why,
        ),
        problems_where(
            t, conflict, second_col, "error", "status_conflict",
            said + ": the two statuses disagree; correct the one that is wrong (a closed word "
            "in either, 暂停运营 or 已撤销, closes the station)",
        ),
    ]  # fmt: skip

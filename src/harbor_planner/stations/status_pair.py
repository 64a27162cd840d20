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

A second status column is read only when every cell in it is empty or a status word; else it
stays an extra column with its ``ambiguous_column`` warning.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harbor_planner.stations._common import status_of
from harbor_planner.stations.problems import problems_where

__all__ = ["SECOND_STATUS", "combine_status", "status_pair_column"]

#: The key of the second status column in a table's header mapping.
SECOND_STATUS = "status_2"


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
    words = [str(v).strip() for v in values if isinstance(v, str) and str(v).strip()]
    return bool(words) and all(status_of(w) is not None for w in words)


def combine_status(t: pd.DataFrame, status: pd.Series) -> tuple[pd.Series, list[pd.DataFrame]]:
    """The status of each row from both status columns, and the problems of their pairing.

    Parameters
    ----------
    t
        The normalised table (``_status2``: the second column's text, ``_col_status2`` its
        header; absent or empty when the file has one status column).
    status
        The status of the first column (its sheet's or section's where empty).

    Returns
    -------
    (pandas.Series, list of pandas.DataFrame)
        The status per row, and the ``status_closed_by_column`` warnings and
        ``status_conflict`` errors.

    """
    if "_status2" not in t or not t["_status2"].notna().any():
        return status, []
    second = t["_status2"].map(lambda w: status_of(w) if isinstance(w, str) else None)
    second = second.astype("str")
    closed = (status == "closed") | (second == "closed")
    other = status.where(second == "closed", second).where(closed)  # the non-closing word
    shut = closed & other.notna() & (other != "closed")
    conflict = ~closed & status.notna() & second.notna() & (status != second)
    combined = status.where(second.isna(), second).where(~closed, "closed")
    combined = combined.where(~conflict, status).astype("str")  # the row is refused anyway
    first_col = t["_col_status"].astype("str")
    second_col = t["_col_status2"].astype("str")
    said = (
        "'" + first_col + "' says '" + t["status"].fillna("").astype("str") + "' and '"
        + second_col + "' says '" + t["_status2"].fillna("").astype("str") + "'"
    )  # fmt: skip
    why = pd.Series(
        ": counted as closed (退出): a station that does not serve now covers no one", index=t.index
    ).where(
        second == "closed",
        ": counted as closed (退出), as '"
        + first_col
        + "' says; correct '"
        + second_col
        + "' if it serves",
    )
    problems = [
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
    return combined, problems

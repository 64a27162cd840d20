"""Problems tables: one row per problem found in a station file, naming its row and column.

Every table has :data:`PROBLEM_COLUMNS`: ``sheet``, ``row`` (NA for problems of the whole
file), ``column`` (the header as written in the file), ``severity`` (``error``: the row is
rejected; ``warning``: kept), ``code`` and ``message``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._text import display_width
from harbor_planner.readers import clean_text

__all__ = [
    "PROBLEM_COLUMNS",
    "concat_problems",
    "empty_problems",
    "format_problem_table",
    "problems_where",
]

#: Columns of every problems table.
PROBLEM_COLUMNS: tuple[str, ...] = ("sheet", "row", "column", "severity", "code", "message")


def empty_problems() -> pd.DataFrame:
    """An empty problems table with the dtypes of :data:`PROBLEM_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        No rows; ``row`` is ``Int64``, the other columns text.

    """
    return pd.DataFrame(
        {
            "sheet": pd.Series(dtype="str"),
            "row": pd.Series(dtype="Int64"),
            "column": pd.Series(dtype="str"),
            "severity": pd.Series(dtype="str"),
            "code": pd.Series(dtype="str"),
            "message": pd.Series(dtype="str"),
        }
    )


def concat_problems(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Join problems tables and order them by sheet and row (stable: found order kept).

    Parameters
    ----------
    frames
        Problems tables; empty ones are skipped.

    Returns
    -------
    pandas.DataFrame
        One table, problems of the whole file (no row) first, index reset.

    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_problems()
    out = pd.concat(frames, ignore_index=True)
    out["row"] = out["row"].astype("Int64")
    for col in ("sheet", "column", "severity", "code", "message"):
        out[col] = out[col].astype("str")
    order = out.sort_values(["sheet", "row"], na_position="first", kind="stable")
    return order.reset_index(drop=True)


def problems_where(
    table: pd.DataFrame,
    mask: np.ndarray | pd.Series,
    column: pd.Series | str | None,
    severity: str,
    code: str,
    message: pd.Series | str,
) -> pd.DataFrame:
    """One problem for each row of ``table`` where ``mask`` holds.

    Parameters
    ----------
    table
        Rows with ``sheet`` and ``row`` columns.
    mask
        Which rows have the problem.
    column
        The header at fault: one for all rows, or a value per row of ``table``.
    severity
        ``"error"`` or ``"warning"``.
    code
        The problem code.
    message
        One message for all rows, or a message per row of ``table``.

    Returns
    -------
    pandas.DataFrame
        A problems table (empty when no row is masked).

    """
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return empty_problems()
    sub = table.loc[m]
    n = int(m.sum())

    def pick(v: pd.Series | str | None) -> Any:
        if isinstance(v, pd.Series):
            return v[m].to_numpy()
        return [v] * n

    return pd.DataFrame(
        {
            "sheet": sub["sheet"].to_numpy(),
            "row": sub["row"].to_numpy(),
            "column": pick(column),
            "severity": severity,
            "code": code,
            "message": pick(message),
        }
    )


def _one_line(text: str) -> str:
    return clean_text(text).replace("\t", " ").replace("\n", " ")


def format_problem_table(problems: pd.DataFrame, *, max_rows: int | None = None) -> str:
    """Render a problems table as aligned plain text (wide CJK characters counted as two).

    Every cell is cleaned of control characters and escape sequences (tabs and newlines
    become spaces), so that printing the table never sends raw ESC/BEL to a terminal, even
    when a message quotes a cell of the file.

    Parameters
    ----------
    problems
        A table with :data:`PROBLEM_COLUMNS`.
    max_rows
        Show at most this many problems, then a line telling how many were left out.

    Returns
    -------
    str
        The table, without a trailing newline; ``"no problems"`` when empty.

    """
    if problems.empty:
        return "no problems"
    shown = problems if max_rows is None else problems.head(max_rows)
    has_sheet = shown["sheet"].notna().any()
    cols = (["sheet"] if has_sheet else []) + ["row", "column", "severity", "code", "message"]
    cells = [cols] + [
        ["" if pd.isna(v) else _one_line(str(v)) for v in rec]
        for rec in shown[cols].itertuples(index=False, name=None)
    ]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(cols) - 1)]
    lines = []
    for r in cells:
        parts = [r[i] + " " * (widths[i] - display_width(r[i])) for i in range(len(cols) - 1)]
        lines.append("  ".join([*parts, r[-1]]).rstrip())
    if max_rows is not None and len(problems) > max_rows:
        lines.append(f"... and {len(problems) - max_rows} more problems")
    return "\n".join(lines)

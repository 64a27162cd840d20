"""Small text helpers shared by messages and tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["display_width", "rows_text"]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide CJK characters count as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def rows_text(rows: Sequence[object], limit: int = 10) -> str:
    """Row numbers for a message: the first ``limit``, then "and N more"."""
    shown = ", ".join(map(str, list(rows)[:limit]))
    more = len(rows) - limit
    return shown + (f" and {more} more" if more > 0 else "")

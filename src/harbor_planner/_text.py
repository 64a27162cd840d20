"""Small text helpers shared by the table printers and the workbook writer."""

from __future__ import annotations

__all__ = ["display_width"]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or an Excel column: East Asian characters count twice.

    Parameters
    ----------
    text
        The text to measure.

    Returns
    -------
    int
        Its width in columns (characters from U+2E80 up count as two).

    """
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

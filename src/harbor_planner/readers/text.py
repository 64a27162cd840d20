"""User text made safe and numbers read as planners write them.

:func:`clean_text` removes control characters and terminal escape sequences from a cell; every
reader applies it to every text cell and header, and writers and terminal output may reuse it.
:func:`parse_coordinate_text` reads coordinates written with full-width digits, a degree sign
or a decimal comma.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from harbor_planner._text import clean_text, has_control

__all__ = ["clean_text", "has_control", "parse_coordinate_text"]

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SPACED_DIGITS = re.compile(r"^[+-]?\d+\s*[°º]?\s+\d")  # "106 33 42.7", not "106.489 733"
#: A number with the east or north hemisphere before or after it (Chongqing's; W and S are
#: left to fail as not a number).
_EAST_NORTH = re.compile(r"^(?:东经|北纬|[EeNn])?([+-]?\d[\d.,]*)(?:[EeNn])?$")


def _number_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if _SPACED_DIGITS.search(s):
        return s  # "106 33 42.7": degrees, minutes, seconds, never one number
    s = s.replace("°", "").replace("º", "").replace("度", "").replace(" ", "")
    s = s.replace("\u2212", "-")  # the minus sign
    if s.count("。") == 1 and "." not in s:
        s = s.replace("。", ".")  # an ideographic full stop typed for the decimal point
    east_north = _EAST_NORTH.match(s)
    if east_north:
        s = east_north.group(1)  # E106.5, 106.5E, 东经106.5, 29.5N, 北纬29.5
    if _DECIMAL_COMMA.match(s):
        s = s.replace(",", ".")  # one comma, no dot: a decimal comma
    return s or None


def parse_coordinate_text(values: pd.Series) -> pd.Series:
    """Numbers from coordinates as written: full-width digits, ``°``/``度``, a decimal comma.

    Full-width digits and punctuation are normalised (NFKC: ``"１０６．５７"`` is 106.57), a
    degree sign (``°``, ``度``) and an east or north hemisphere (``E106.5``, ``106.5E``,
    ``东经106.5``, ``29.5N``, ``北纬29.5``) are dropped, and a comma or an ideographic full stop
    (``。``) is read as the decimal point when it is the only separator of the value
    (``"106,5702"``, ``"106。5702"``). ``inf`` and ``nan`` are read as such; callers
    treat every non-finite value as an error.

    Parameters
    ----------
    values
        Coordinates as text (or numbers).

    Returns
    -------
    pandas.Series
        Floats, NaN where not a number.

    """
    text = values.map(_number_text)
    return pd.to_numeric(text, errors="coerce").astype(float)

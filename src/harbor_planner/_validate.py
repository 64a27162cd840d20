"""Checks of user-supplied settings, shared by every module that reads them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from harbor_planner.errors import InputDataError
from harbor_planner.settings import MAX_MINUTES

__all__ = ["check_minutes", "check_positive"]


def check_minutes(minutes: Any) -> float:
    """A walking-time limit in minutes: a finite number > 0 (not text, not ``True``).

    Parameters
    ----------
    minutes
        The value given.

    Returns
    -------
    float

    Raises
    ------
    InputDataError
        Anything else, named with the value.

    """
    number = isinstance(minutes, int | float | np.integer | np.floating) and not isinstance(
        minutes, bool | np.bool_
    )
    if not (number and np.isfinite(minutes) and minutes > 0):  # "15" (text) included
        raise InputDataError(f"minutes must be a positive number, got {minutes!r}")
    if minutes > MAX_MINUTES:
        raise InputDataError(
            f"minutes must be at most {MAX_MINUTES:g} (a walk of hours is no service circle), "
            f"got {minutes!r}"
        )
    return float(minutes)


def check_positive(name: str, value: Any, *, allow_zero: bool = False, unit: str = "") -> float:
    """``value`` as a float, if it is a finite number > 0 (or >= 0 with ``allow_zero``).

    Parameters
    ----------
    name
        The setting as the user knows it (``"speed_kmh"``, ``"WalkModel elevator_s"``...),
        named in the error message.
    value
        The value given.
    allow_zero
        Accept 0 as well.
    unit
        Unit named in the error message (``"metres"``, ``"people"``...); ``""`` for none.

    Returns
    -------
    float
        The value.

    Raises
    ------
    InputDataError
        ``value`` is not a number, not finite, negative, or 0 without ``allow_zero``; the
        message names the setting, what it must be and the value given.

    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    ok = math.isfinite(number) and (number >= 0 if allow_zero else number > 0)
    if not ok:
        if allow_zero:
            what = "a finite number >= 0" + (f" ({unit})" if unit else "")
        else:
            what = "a positive number" + (f" of {unit}" if unit else "") + " (finite, > 0)"
        raise InputDataError(f"{name} must be {what}, got {value!r}")
    return number

"""Checks of :func:`~harbor_planner.optimize.select.select_sites`' arguments, before any work.

Each raises :class:`~harbor_planner.errors.InputDataError` naming the argument, its value and
what is expected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from harbor_planner.errors import InputDataError
from harbor_planner.optimize.matrix import CoverageMatrix
from harbor_planner.settings import MIN_COVER_MAX, OPTIMIZE_MODES, SOLVERS

__all__ = ["check_choice", "check_numbers", "check_options"]


def check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    """``value`` is one of ``choices``."""
    if value not in choices:
        raise InputDataError(f"{name} must be {' or '.join(map(repr, choices))}, got {value!r}")


def check_options(cm: CoverageMatrix, *, mode: str, solver: str, min_cover: int) -> None:
    """Mode, solver and coverage level are known values; there is demand to cover."""
    if not hasattr(cm, "total_weight") or not hasattr(cm, "covers"):
        raise InputDataError(
            f"select_sites needs a CoverageMatrix (coverage_matrix), got {type(cm).__name__}"
        )
    check_choice("mode", mode, OPTIMIZE_MODES)
    check_choice("solver", solver, SOLVERS)
    if cm.total_weight <= 0:
        raise InputDataError("there is no demand to cover (total weight 0)")
    try:
        whole = int(min_cover) == min_cover and 1 <= min_cover <= MIN_COVER_MAX
    except (TypeError, ValueError, OverflowError):  # None, "2", inf
        whole = False
    if not whole:
        raise InputDataError(
            f"min_cover must be a whole number from 1 to {MIN_COVER_MAX}, got {min_cover!r}"
        )
    if min_cover > 1 and mode == "cover":
        raise InputDataError("min_cover > 1 applies to max-cover, not to cover mode")


def check_numbers(*, n_add: Any, min_spacing_m: Any, time_limit_s: Any, mip_gap: Any) -> None:
    """The numeric arguments are numbers in range (``n_add`` a whole number)."""
    rules = (
        ("n_add", n_add, lambda v: v >= 1 and v == int(v), "a whole number of sites >= 1"),
        ("min_spacing_m", min_spacing_m, lambda v: v >= 0, "a distance in metres >= 0"),
        ("time_limit_s", time_limit_s, lambda v: v > 0, "seconds above 0"),
        ("mip_gap", mip_gap, lambda v: 0 <= v < 1, "a fraction in [0, 1)"),
    )
    for name, value, ok, expected in rules:
        if value is None and name in ("n_add", "min_spacing_m"):
            continue
        number = isinstance(value, int | float | np.integer | np.floating)
        if not number or isinstance(value, bool) or not math.isfinite(value) or not ok(value):
            raise InputDataError(f"{name} must be {expected}, got {value!r}")

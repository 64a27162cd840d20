"""The shared settings checks of ``harbor_planner._validate``."""

from __future__ import annotations

import math

import pytest

from harbor_planner import InputDataError
from harbor_planner._validate import check_positive


def test_check_positive_returns_a_float():
    assert check_positive("speed_kmh", 4) == 4.0
    assert isinstance(check_positive("speed_kmh", 4), float)
    assert check_positive("elevator_s", 0, allow_zero=True) == 0.0
    assert check_positive("spacing_m", "50") == 50.0


@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf, None, "abc"])
def test_check_positive_names_the_setting_and_what_it_must_be(value):
    with pytest.raises(InputDataError, match=r"spacing_m must be a positive number of metres"):
        check_positive("spacing_m", value, unit="metres")


@pytest.mark.parametrize("value", [-0.5, math.nan, "x"])
def test_check_positive_allowing_zero(value):
    with pytest.raises(InputDataError, match=r"elevator_s must be a finite number >= 0 \(s\)"):
        check_positive("elevator_s", value, allow_zero=True, unit="s")

"""Shared fixtures: paths to the shared real data (skipped when absent) and tiny test data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "geodata"


def shared_file(*parts: str) -> Path:
    """Path of a file in ../shared/geodata, or skip the test with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data {path} is absent (it lives in ../shared/geodata beside the repo)")
    return path


@pytest.fixture(scope="session")
def yuzhong_osm() -> Path:
    return shared_file("yuzhong", "walk.osm")


@pytest.fixture(scope="session")
def yuzhong_dem() -> Path:
    return shared_file("yuzhong", "dem_srtm_utm48n.tif")


@pytest.fixture(scope="session")
def shared():
    """The :func:`shared_file` helper as a fixture: ``shared("yuzhong", "metro.geojson")``."""
    return shared_file

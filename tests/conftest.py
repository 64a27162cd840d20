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


#: Origin of the hand-drawn diamond network (tests/data/network/diamond.geojson), EPSG:32648.
DIAMOND_X0, DIAMOND_Y0 = 600000.0, 3260000.0


@pytest.fixture(scope="module")
def diamond():
    """The diamond walk network (drawn in tests/test_network.py)."""
    from harbor_planner import build_network

    return build_network(DATA / "network" / "diamond.geojson", progress=False)


def diamond_points(*xy: tuple[float, float], crs: str = "EPSG:32648", prefix: str = "S"):
    """Stations ``<prefix>0, <prefix>1, ...`` at ``xy`` metres from the diamond's origin."""
    import geopandas as gpd
    import numpy as np

    x, y = zip(*xy, strict=True)
    return gpd.GeoDataFrame(
        {"station_id": [f"{prefix}{i}" for i in range(len(x))]},
        geometry=gpd.points_from_xy(np.add(x, DIAMOND_X0), np.add(y, DIAMOND_Y0)),
        crs=crs,
    )


@pytest.fixture(scope="session")
def pts():
    """:func:`diamond_points` as a fixture: ``pts((25, 3), (150, 1))``."""
    return diamond_points

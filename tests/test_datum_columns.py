"""Station tables with coordinates in two datums side by side (probe 14I, finding 2).

Chinese exports often carry 经度/纬度 (AMap, GCJ-02) beside 百度经度/百度纬度 (BD-09). The
reader took the first pair's numbers but the datum of any header naming one: the AMap
numbers converted as Baidu ones, 908 m off; and each message then sent to the other --crs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harbor_planner import CRSError, read_stations
from harbor_planner.coords import gcj02_to_bd09, gcj02_to_wgs84

GCJ = np.array([[106.489733, 29.548252], [106.561866, 29.556012], [106.575123, 29.561234]])


def _write(path, columns):
    frame = pd.DataFrame({"编号": ["A1", "A2", "A3"], "名称": ["甲", "乙", "丙"], **columns})
    frame.to_csv(path, index=False, encoding="gbk")
    return path


def _lonlat(check):
    g = check.stations.geometry
    return np.column_stack([g.x, g.y])


@pytest.fixture
def truth():
    return np.column_stack(gcj02_to_wgs84(GCJ[:, 0], GCJ[:, 1]))


def test_amap_and_baidu_columns_read_in_the_datum_of_the_columns_used(tmp_path, truth):
    bd = np.column_stack(gcj02_to_bd09(GCJ[:, 0], GCJ[:, 1]))
    f = _write(tmp_path / "two.csv", {"经度": GCJ[:, 0], "纬度": GCJ[:, 1],
                                     "百度经度": bd[:, 0], "百度纬度": bd[:, 1]})  # fmt: skip
    for crs in (None, "gcj02", "bd09"):
        check = read_stations(f, crs=crs)
        assert check.ok, check.format_problems()
        np.testing.assert_allclose(_lonlat(check), truth, atol=2e-5)  # about 2 m
    unstated = read_stations(f)
    assert unstated.crs.name == "bd09"
    warned = unstated.problems[unstated.problems["code"] == "crs_from_header"]
    assert "百度经度" in warned["message"].iloc[0] and "not used" in warned["message"].iloc[0]
    assert read_stations(f, crs="gcj02").crs.name == "gcj02"


def test_wgs84_and_gcj02_columns_read_by_the_stated_datum(tmp_path, truth):
    f = _write(tmp_path / "two.csv", {
        "经度(WGS84)": truth[:, 0], "纬度(WGS84)": truth[:, 1],
        "经度(GCJ02)": GCJ[:, 0], "纬度(GCJ02)": GCJ[:, 1],
    })  # fmt: skip
    for crs in ("wgs84", "gcj02"):
        np.testing.assert_allclose(_lonlat(read_stations(f, crs=crs)), truth, atol=2e-5)
    with pytest.raises(CRSError, match=r"several datums.*--crs wgs84 or --crs gcj02"):
        read_stations(f)
    with pytest.raises(CRSError, match="state --crs"):
        read_stations(f, crs="bd09")  # neither pair is BD-09


def test_a_longitude_and_a_latitude_naming_two_datums_are_refused_whatever_crs(tmp_path, truth):
    """Probe 27T: 经度(GCJ-02) beside 纬度(WGS-84) was refused without --crs ("several
    datums: state --crs") but read silently with --crs gcj02 or wgs84, a longitude of one
    datum with a latitude of another."""
    f = _write(tmp_path / "mixed.csv", {"经度(GCJ-02)": GCJ[:, 0], "纬度(WGS-84)": truth[:, 1]})
    for crs in (None, "gcj02", "wgs84", "bd09"):
        with pytest.raises(CRSError) as err:
            read_stations(f, crs=crs)
        said = str(err.value)
        assert "'经度(GCJ-02)' (GCJ-02) and '纬度(WGS-84)' (WGS-84) name different datums" in said
        assert "whatever --crs says" in said and "经度(GCJ-02)/纬度(GCJ-02)" in said
        assert "mixed.csv" in said
    # two whole pairs side by side stay readable by --crs (no mixed pair)
    both = _write(tmp_path / "both.csv", {
        "经度(GCJ-02)": GCJ[:, 0], "纬度(GCJ-02)": GCJ[:, 1],
        "经度(WGS-84)": truth[:, 0], "纬度(WGS-84)": truth[:, 1],
    })  # fmt: skip
    np.testing.assert_allclose(_lonlat(read_stations(both, crs="gcj02")), truth, atol=2e-5)


def test_the_cli_refuses_a_register_whose_headers_name_two_datums(tmp_path, capsys):
    """Probe 27T: `stations check --crs gcj02` said "No problems" of such a register."""
    from harbor_planner.cli import main

    f = _write(tmp_path / "mixed.csv", {"经度(GCJ-02)": GCJ[:, 0], "纬度(WGS-84)": GCJ[:, 1]})
    assert main(["-q", "stations", "check", str(f), "--crs", "gcj02"]) == CRSError.exit_code
    assert "name different datums" in capsys.readouterr().err

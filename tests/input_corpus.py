"""A generated corpus of awkward and hostile station files (issue #14, inputs).

:func:`make_corpus` writes every file into a folder and returns ``{name: path}``; the tests of
``tests/test_hostile_inputs.py`` read them. Nothing here is shipped as a binary: each file is
built from code (CSV text in UTF-8 or GBK, workbooks with openpyxl, GeoJSON as text,
GeoPackages and Shapefiles with pyogrio, an attributes-only GeoPackage table through pyogrio).
All points lie in Yuzhong (渝中区), GCJ-02 unless the file says otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CORPUS", "make_corpus"]

#: Two good points in Yuzhong (GCJ-02) and one more.
P1 = (106.5702, 29.5573)
P2 = (106.5802, 29.5623)
P3 = (106.5502, 29.5473)


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _workbook(path: Path, sheets: dict[str, list[list[object]]], **states: str) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in states:
            ws.sheet_state = states[name]
    wb.save(path)
    return path


def _geojson(path: Path, features: list[dict[str, object]]) -> Path:
    fc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(fc, ensure_ascii=False, allow_nan=True), encoding="utf-8")
    return path


def _feature(x: float, y: float, fid: object = None, **props: object) -> dict[str, object]:
    f: dict[str, object] = {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }
    if fid is not None:
        f["id"] = fid
    return f


# --------------------------------------------------------------------------- 1. non-finite


def inf_csv(d: Path) -> Path:
    return _csv(
        d / "inf.csv",
        "编号,名称,经度,纬度\n"
        f"S1,甲,{P1[0]},{P1[1]}\n"
        f"S2,乙,inf,{P2[1]}\n"
        f"S3,丙,{P3[0]},-Infinity\n"
        "S4,丁,NaN,NaN\n"
        f"S5,戊,-inf,{P1[1]}\n",
    )


def inf_xlsx(d: Path) -> Path:
    return _workbook(
        d / "inf.xlsx",
        {
            "站点": [
                ["编号", "名称", "经度", "纬度"],
                ["S1", "甲", *P1],
                ["S2", "乙", "inf", P2[1]],
                ["S3", "丙", P3[0], "NaN"],
                ["S4", "丁", "-Infinity", P1[1]],
            ]
        },
    )


def inf_geojson(d: Path) -> Path:
    return _geojson(
        d / "inf.geojson",
        [
            _feature(*P1, name="甲"),
            _feature(float("inf"), P2[1], name="乙"),
            _feature(float("nan"), float("nan"), name="丙"),
            _feature(float("nan"), P3[1], name="丁"),
        ],
    )


def inf_gpkg(d: Path) -> Path:
    import geopandas as gpd
    import shapely

    path = d / "inf.gpkg"
    gdf = gpd.GeoDataFrame(
        {"name": ["甲", "乙", "丙"]},
        geometry=[shapely.Point(*P1), shapely.Point(np.inf, P2[1]), shapely.Point(np.nan, P3[1])],
        crs="EPSG:4326",
    )
    gdf.to_file(path, layer="stations", driver="GPKG")
    return path


# --------------------------------------------------------------------------- 2. hidden sheets


def hidden_sheets_xlsx(d: Path) -> Path:
    head = ["编号", "名称", "经度", "纬度"]
    return _workbook(
        d / "hidden.xlsx",
        {
            "已建成": [head, ["S1", "甲", *P1], ["S2", "乙", *P2]],
            "旧数据": [head, ["H1", "旧甲", *P1], ["H2", "旧乙", *P2], ["H3", "旧丙", *P3]],
            "草稿": [head, ["V1", "草稿", *P3]],
        },
        旧数据="hidden",
        草稿="veryHidden",
    )


# --------------------------------------------------------------------------- 3. ids


def numeric_ids_geojson(d: Path) -> Path:
    return _geojson(
        d / "numeric_ids.geojson",
        [_feature(*P1, 7, name="甲"), _feature(*P2, 12, name="乙"), _feature(*P3, 30, name="丙")],
    )


def padded_ids_xlsx(d: Path) -> Path:
    import openpyxl

    path = _workbook(
        d / "padded_ids.xlsx",
        {
            "站点": [
                ["编号", "名称", "经度", "纬度"],
                [7, "甲", *P1],
                [12, "乙", *P2],
                [30, "丙", *P3],
            ]
        },
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["站点"]
    ws["A2"].number_format = "000"
    ws["A3"].number_format = '"CQ-"0000'
    wb.save(path)
    return path


def long_float_id_xlsx(d: Path) -> Path:
    return _workbook(
        d / "long_id.xlsx",
        {
            "站点": [
                ["编号", "名称", "经度", "纬度"],
                [1.23456789012346e17, "甲", *P1],
                [5001, "乙", *P2],
            ]
        },
    )


def leading_zero_csv(d: Path) -> Path:
    return _csv(
        d / "zeros.csv",
        f"编号,名称,经度,纬度\n007,甲,{P1[0]},{P1[1]}\n0012,乙,{P2[0]},{P2[1]}\n",
    )


# --------------------------------------------------------------------------- 4. GBK Shapefile


def gbk_shapefile(d: Path) -> Path:
    import geopandas as gpd
    import shapely

    path = d / "gbk.shp"
    gdf = gpd.GeoDataFrame(
        {"名称": ["解放碑站", "较场口站"], "区县": ["渝中区", "渝中区"]},
        geometry=[shapely.Point(*P1), shapely.Point(*P2)],
        crs="EPSG:4326",
    )
    gdf.to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


# --------------------------------------------------------------------------- 5. empty and odd


def header_only_csv(d: Path) -> Path:
    return _csv(d / "header_only.csv", "编号,名称,经度,纬度\n")


def empty_geojson(d: Path) -> Path:
    return _geojson(d / "empty.geojson", [])


def attributes_gpkg(d: Path) -> Path:
    import pyogrio

    path = d / "attributes.gpkg"
    frame = pd.DataFrame(
        {"name": ["甲", "乙"], "lon": [P1[0], P2[0]], "lat": [P1[1], P2[1]]},
    )
    pyogrio.write_dataframe(frame, path, layer="stations", driver="GPKG")
    return path


def row_sheet_columns_csv(d: Path) -> Path:
    return _csv(
        d / "row_sheet.csv",
        f"row,sheet,名称,经度,纬度\n10,A,甲,{P1[0]},{P1[1]}\n11,B,乙,{P2[0]},{P2[1]}\n",
    )


# --------------------------------------------------------------------------- 6. exports


def chinese_headers_csvs(d: Path) -> list[Path]:
    pairs = [
        ("东经", "北纬"),
        ("X坐标", "Y坐标"),
        ("经度(GCJ02)", "纬度(GCJ02)"),
        ("经度（高德）", "纬度（高德）"),
        ("LNG_GCJ", "LAT_GCJ"),
        ("高德经度", "高德纬度"),
        ("经度坐标", "纬度坐标"),
    ]
    out = []
    for i, (lon, lat) in enumerate(pairs):
        out.append(
            _csv(
                d / f"headers_{i}.csv",
                f"名称,{lon},{lat}\n甲,{P1[0]},{P1[1]}\n乙,{P2[0]},{P2[1]}\n",
                "gbk" if i % 2 else "utf-8",
            )
        )
    return out


def baidu_headers_csv(d: Path) -> Path:
    return _csv(d / "baidu.csv", f"名称,lng_bd09,lat_bd09\n甲,{P1[0]},{P1[1]}\n")


def wgs_headers_csv(d: Path) -> Path:
    return _csv(d / "wgs.csv", f"名称,WGS84经度,WGS84纬度\n甲,{P1[0]},{P1[1]}\n")


def fullwidth_csv(d: Path) -> Path:
    return _csv(
        d / "fullwidth.csv",
        "名称,经度,纬度\n甲,１０６．５７０２,２９．５５７３\n乙,106.5802,29.5623\n",
    )


def decimal_comma_csv(d: Path) -> Path:
    return _csv(
        d / "decimal_comma.csv",
        "名称;经度;纬度\n甲;106,5702;29,5573\n乙;106,5802;29,5623\n",
    )


def xlsx_named_csv(d: Path) -> Path:
    path = _workbook(
        d / "workbook.xlsx", {"站点": [["名称", "经度", "纬度"], ["甲", *P1], ["乙", *P2]]}
    )
    return path.rename(d / "workbook_named.csv")


def csv_named_xlsx(d: Path) -> Path:
    return _csv(d / "text_named.xlsx", f"名称,经度,纬度\n甲,{P1[0]},{P1[1]}\n")


# --------------------------------------------------------------------------- 7. control chars


def control_csv(d: Path) -> Path:
    return _csv(
        d / "control.csv",
        "编号,名称,地址,经度,纬度\n"
        f"S1,\x1b[31m解放碑\x1b[0m,民族路\x07,{P1[0]},{P1[1]}\n"
        f"S2,较场口\x00,\x9b2J中兴路,{P2[0]},{P2[1]}\n"
        f"S3,七星岗,,{P3[0]},{P3[1]}\n",
    )


def control_xlsx(d: Path) -> Path:
    # openpyxl refuses raw control characters; Excel stores them as _xHHHH_ escapes, which
    # is what a hostile workbook holds (ESC, BEL), plus a DEL and a C1 control
    return _workbook(
        d / "control.xlsx",
        {
            "站点": [
                ["名称", "地址", "经度", "纬度"],
                ["_x001B_[31m解放碑_x001B_[0m", "民族路_x0007_", *P1],
                ["较场口\x7f", "中兴路\x85", *P2],
                ["七星岗", "", *P3],
            ]
        },
    )


#: Name -> builder writing one file (or several) into a folder.
CORPUS: dict[str, Callable[[Path], Path | list[Path]]] = {
    "inf_csv": inf_csv,
    "inf_xlsx": inf_xlsx,
    "inf_geojson": inf_geojson,
    "inf_gpkg": inf_gpkg,
    "hidden_sheets_xlsx": hidden_sheets_xlsx,
    "numeric_ids_geojson": numeric_ids_geojson,
    "padded_ids_xlsx": padded_ids_xlsx,
    "long_float_id_xlsx": long_float_id_xlsx,
    "leading_zero_csv": leading_zero_csv,
    "gbk_shapefile": gbk_shapefile,
    "header_only_csv": header_only_csv,
    "empty_geojson": empty_geojson,
    "attributes_gpkg": attributes_gpkg,
    "row_sheet_columns_csv": row_sheet_columns_csv,
    "chinese_headers_csvs": chinese_headers_csvs,
    "baidu_headers_csv": baidu_headers_csv,
    "wgs_headers_csv": wgs_headers_csv,
    "fullwidth_csv": fullwidth_csv,
    "decimal_comma_csv": decimal_comma_csv,
    "xlsx_named_csv": xlsx_named_csv,
    "csv_named_xlsx": csv_named_xlsx,
    "control_csv": control_csv,
    "control_xlsx": control_xlsx,
}


def make_corpus(folder: Path) -> dict[str, list[Path]]:
    """Write every file of :data:`CORPUS` into ``folder``.

    Parameters
    ----------
    folder
        An existing, empty folder.

    Returns
    -------
    dict
        Name -> the files written.

    """
    out: dict[str, list[Path]] = {}
    for name, build in CORPUS.items():
        made = build(folder)
        out[name] = made if isinstance(made, list) else [made]
    return out

"""Regenerate the hand-made station fixtures in this folder: ``python make_fixtures.py``.

All coordinates are hand-picked round numbers in Yuzhong (渝中区) and a few deliberate
mistakes; nothing here is derived from ../shared/geodata.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import shapely

HERE = Path(__file__).parent

CN_HEADER = ["编号", "名称", "区县", "地址", "经度", "纬度", "面积(㎡)", "状态", "最美渝工港湾"]
CN_ROWS = [
    [
        "T001",
        "渝工港湾（一号）",
        "渝中区",
        "测试路1号",
        "106.5700",
        "29.5560",
        "40",
        "已建成",
        "是",
    ],
    ["T002", "渝工港湾（二号）", "渝中区", "测试路2号", "106.5600", "29.5520", "35", "在建", "否"],
    ["T003", "渝工港湾（三号）", "渝中", "测试路3号", "106.5500", "29.5500", "", "拟建", "否"],
    ["T004", "渝工港湾（四号）", "渝中区", "测试路4号", "106.5400", "29.5480", "28", "候选", ""],
]


def _csv(rows: list[list[str]]) -> str:
    return "".join(",".join(r) + "\r\n" for r in rows)


def main() -> None:
    # GBK with a title row above the header, as Excel in China saves it
    title = [["渝中区渝工港湾站点名单（测试）"]]
    (HERE / "gbk.csv").write_bytes(_csv([*title, CN_HEADER, *CN_ROWS]).encode("gbk"))
    (HERE / "utf8_bom.csv").write_bytes(_csv([CN_HEADER, *CN_ROWS]).encode("utf-8-sig"))
    en = [["station_id", "name", "district", "lng", "lat", "status", "flagship", "area", "note"]]
    en += [
        ["A1", "Harbour A", "Yuzhong", "106.5710", "29.5570", "existing", "yes", "30", "near mall"],
        ["A2", "Harbour B", "Yuzhong District", "106.5610", "29.5530", "closed", "no", "", ""],
    ]
    (HERE / "utf8.csv").write_text(_csv(en), encoding="utf-8")

    # one row per problem, rows 2..: see test_stations.py for the expected codes per row
    bad = [CN_HEADER]
    bad += [
        ["P01", "正常", "渝中区", "", "106.5700", "29.5560", "40", "已建成", "是"],
        ["P02", "缺经度", "渝中区", "", "", "29.5560", "40", "已建成", "否"],
        ["P03", "非数字", "渝中区", "", "106.5x", "29.5560", "40", "已建成", "否"],
        ["P04", "经纬颠倒", "渝中区", "", "29.5560", "106.5700", "40", "已建成", "否"],
        ["P05", "成都", "渝中区", "", "104.0650", "30.6570", "40", "已建成", "否"],
        ["P01", "重复编号", "渝中区", "", "106.5600", "29.5520", "40", "已建成", "否"],
        ["P07", "同一位置", "渝中区", "", "106.57001", "29.55601", "40", "已建成", "否"],
        ["P08", "状态不明", "渝中区", "", "106.5500", "29.5500", "40", "已完成", "否"],
        ["P09", "", "渝中区", "", "106.5400", "29.5480", "40", "已建成", "否"],
        ["P10", "区县不符", "江北区", "", "106.5300", "29.5450", "40", "已建成", "否"],
        ["P11", "标记不明", "渝中区", "", "106.5200", "29.5400", "abc", "已建成", "也许"],
        ["P12", "范围外", "渝中区", "", "106.5800", "29.5580", "40", "退出", "否"],
        ["P13", "纬度超界", "渝中区", "", "106.5800", "95.0", "40", "已建成", "否"],
    ]
    (HERE / "problems.csv").write_text(_csv(bad), encoding="utf-8")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "已建成"
    ws.append(["渝工港湾名单"])  # title row: header is row 2
    ws.append(CN_HEADER)
    for r in CN_ROWS[:2]:
        ws.append([*r[:4], float(r[4]), float(r[5]), int(r[6]), *r[7:]])
    ws2 = wb.create_sheet("拟建")  # no status column: status comes from the sheet name
    ws2.append(["编号", "名称", "经度", "纬度"])
    ws2.append([101, "渝工港湾（拟建一）", 106.5650, 29.5540])
    ws2.append([102, "渝工港湾（拟建二）", 106.5550, 29.5510])
    ws3 = wb.create_sheet("说明")
    ws3.append(["本表为测试数据"])
    wb.save(HERE / "two_sheets.xlsx")

    pts = gpd.GeoDataFrame(
        {
            "编号": ["G1", "G2", "G3", "G4"],
            "名称": ["甲", "乙", "丙", "丁"],
            "状态": ["已建成"] * 4,
        },
        geometry=[
            shapely.Point(106.5700, 29.5560),
            shapely.Point(106.5600, 29.5520),
            shapely.box(106.55, 29.55, 106.551, 29.551),
            None,
        ],
        crs="EPSG:4326",
    )
    # claims EPSG:4326, holds GCJ-02 (like an AMap export)
    pts.to_file(HERE / "amap_export.geojson", driver="GeoJSON", engine="pyogrio")
    good = pts.iloc[:2]
    good.to_crs("EPSG:32648").to_file(HERE / "utm.gpkg", layer="stations", engine="pyogrio")
    good.to_file(HERE / "wgs84.shp", engine="pyogrio", encoding="UTF-8")
    good.set_crs(None, allow_override=True).to_file(HERE / "no_crs.shp", engine="pyogrio")


if __name__ == "__main__":
    main()

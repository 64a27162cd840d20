"""Regenerate the hand-made candidate fixtures in this folder: ``python make_fixtures.py``.

``town.osm`` is a made-up street plan in Yuzhong (渝中区), drawn in UTM 48N (EPSG:32648) metres
from X0, Y0 = 650000, 3270000 and written as OSM XML in WGS-84 (7 decimals, ~1 cm), sorted by
type then id as pyosmium needs::

    (0,300) ------------ footway W3 (no street site) ------------ (200,300)
       |          community_centre N105 (100,200)                    |  residential W2
     steps W4     square W11 (250..290, 100..140)                    |  (300 m)
       |          pedestrian area W12 (20..60, 150..190)             |  subway_entrance
       |          social_facility N103 (100,100) (not a kind)        |  N107 (205,200),
       |          townhall N106 (-30,60)                             |  bus stop N108
       |                                                             |  (195,150)
    (0,0) ================ primary W1 "解放路" (400 m) ============ (200,0) ====== (400,0)
    W8 residential 60 m to (-60,0)                                                |
    toilets N101 (50,10), N102 (60,10); bank N104 (300,30); fuel W10 (110..130, -40..-20);
    bus platform N109 (380,-8); toilets N110 (1000,1000), far from every street.
    At (400,0): bridge W5 (primary, bridge=yes) to (600,0), trunk_link W6 to (400,-150),
    residential W7 to (400,40) (40 m).

With ``spacing_m=100`` the street sites are (hand-computed, see tests/test_candidates.py):
W1 (two edges of 200 m, 4 pieces of 100 m): x = 50, 150 | 250, 350 (fractions 0.25, 0.75 on
each edge); W2 (300 m, 3 pieces): y = 50, 150, 250; W8 (60 m >= 50 m: one site at x = -30);
W7 (40 m < 50 m): none; W3 footway, W4 steps, W5 bridge, W6 trunk_link: none.

``candidates_gcj02.csv`` and ``candidates.xlsx`` hold three candidate sites near W1/W2 in
GCJ-02 (AMap) coordinates with a cost column 造价(万元); the CSV is UTF-8, the workbook has
the same rows in sheet 候选 plus a fourth row with a non-numeric cost in sheet 坏.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pyproj

from harbor_planner.coords import wgs84_to_gcj02

HERE = Path(__file__).parent
X0, Y0 = 650000.0, 3270000.0
_TO_WGS = pyproj.Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    return _TO_WGS.transform(X0 + x, Y0 + y)


# street nodes: id -> (x, y)
STREET_NODES = {
    1: (0, 0),
    2: (200, 0),
    3: (400, 0),
    4: (200, 300),
    5: (0, 300),
    6: (600, 0),
    7: (400, -150),
    8: (400, 40),
    9: (-60, 0),
}
# POI nodes: id -> (x, y, tags)
POI_NODES = {
    101: (50, 10, {"amenity": "toilets", "name": "公厕一"}),
    102: (60, 10, {"amenity": "toilets"}),
    103: (100, 100, {"amenity": "social_facility"}),
    104: (300, 30, {"amenity": "bank", "name": "Bank of Test"}),
    105: (100, 200, {"amenity": "community_centre"}),
    106: (-30, 60, {"amenity": "townhall"}),
    107: (205, 200, {"railway": "subway_entrance", "name": "1号口"}),
    108: (195, 150, {"highway": "bus_stop", "public_transport": "platform", "bus": "yes"}),
    109: (380, -8, {"public_transport": "platform", "bus": "yes"}),
    110: (1000, 1000, {"amenity": "toilets"}),
}
# area corner nodes
AREA_NODES = {
    201: (110, -40),
    202: (130, -40),
    203: (130, -20),
    204: (110, -20),
    211: (250, 100),
    212: (290, 100),
    213: (290, 140),
    214: (250, 140),
    221: (20, 150),
    222: (60, 150),
    223: (60, 190),
    224: (20, 190),
}
WAYS = {
    1: ([1, 2, 3], {"highway": "primary", "name": "解放路"}),
    2: ([2, 4], {"highway": "residential"}),
    3: ([4, 5], {"highway": "footway"}),
    4: ([5, 1], {"highway": "steps"}),
    5: ([3, 6], {"highway": "primary", "bridge": "yes"}),
    6: ([3, 7], {"highway": "trunk_link"}),
    7: ([3, 8], {"highway": "residential"}),
    8: ([9, 1], {"highway": "residential"}),
    10: ([201, 202, 203, 204, 201], {"amenity": "fuel", "name": "加油站"}),
    11: ([211, 212, 213, 214, 211], {"place": "square", "name": "小广场"}),
    12: ([221, 222, 223, 224, 221], {"highway": "pedestrian", "area": "yes"}),
}


def _tags(tags: dict[str, str], indent: str) -> str:
    return "".join(f'{indent}<tag k="{k}" v="{v}"/>\n' for k, v in tags.items())


def write_osm() -> None:
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    for nid, (x, y) in {**STREET_NODES, **AREA_NODES}.items():
        nodes[nid] = (x, y, {})
    nodes.update(POI_NODES)
    out = ["<?xml version='1.0' encoding='UTF-8'?>\n", '<osm version="0.6" generator="hand">\n']
    for nid in sorted(nodes):
        x, y, tags = nodes[nid]
        lon, lat = lonlat(x, y)
        attrs = f'id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"'
        if tags:
            out.append(f"  <node {attrs}>\n{_tags(tags, '    ')}  </node>\n")
        else:
            out.append(f"  <node {attrs}/>\n")
    for wid in sorted(WAYS):
        refs, tags = WAYS[wid]
        nds = "".join(f'    <nd ref="{r}"/>\n' for r in refs)
        out.append(f'  <way id="{wid}" version="1">\n{nds}{_tags(tags, "    ")}  </way>\n')
    out.append("</osm>\n")
    (HERE / "town.osm").write_text("".join(out), encoding="utf-8")


# candidate sites: id, name, x, y, cost (万元)
SITES = [
    ("C01", "候选一", 100.0, 12.0, "12.5"),
    ("C02", "候选二", 212.0, 100.0, "8"),
    ("C03", "候选三", 320.0, -10.0, ""),
]


def _gcj(x: float, y: float) -> tuple[str, str]:
    lon, lat = lonlat(x, y)
    glon, glat = wgs84_to_gcj02(lon, lat)
    return f"{float(glon):.7f}", f"{float(glat):.7f}"


def write_tables() -> None:
    header = ["编号", "名称", "经度", "纬度", "造价(万元)", "状态"]
    rows = [[sid, name, *_gcj(x, y), cost, "候选"] for sid, name, x, y, cost in SITES]
    text = "".join(",".join(r) + "\r\n" for r in [header, *rows])
    (HERE / "candidates_gcj02.csv").write_text(text, encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "候选"
    ws.append(header)
    for r in rows:
        ws.append([*r[:2], float(r[2]), float(r[3]), float(r[4]) if r[4] else None, r[5]])
    bad = wb.create_sheet("坏")
    bad.append(header)
    bad.append(["C09", "坏造价", *map(float, _gcj(150.0, 5.0)), "约十万", "候选"])
    wb.save(HERE / "candidates.xlsx")


if __name__ == "__main__":
    write_osm()
    write_tables()

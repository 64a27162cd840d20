"""Regenerate the hand-made demand fixtures in this folder: ``python make_fixtures.py``.

Coordinates are round numbers chosen by hand (metric ones in EPSG:32648, lon/lat ones in
Yuzhong); nothing here is derived from ../shared/geodata. Expected values are computed by hand
in ``tests/test_demand.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from harbor_planner.coords import wgs84_to_gcj02

HERE = Path(__file__).parent
UTM48N = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}
X0, Y0 = 650000.0, 3270000.0


def _collection(name: str, features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "name": name, "crs": UTM48N, "features": features}


def _line(props: dict, coords: list[tuple[float, float]]) -> dict:
    pts = [[X0 + x, Y0 + y] for x, y in coords]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": pts},
    }


def _rect(props: dict, x: float, y: float, w: float, h: float) -> dict:
    ring = [[X0 + x, Y0 + y], [X0 + x + w, Y0 + y], [X0 + x + w, Y0 + y + h], [X0 + x, Y0 + y + h]]
    ring.append(ring[0])
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def streets() -> dict:
    # P primary 120 m, S secondary 30 m, T tertiary 100 m, F footway 250 m (not a main street)
    return _collection(
        "streets",
        [
            _line({"highway": "primary", "name": "P"}, [(0, 0), (120, 0)]),
            _line({"highway": "secondary", "name": "S"}, [(120, 0), (120, 30)]),
            _line({"highway": "tertiary", "name": "T"}, [(120, 30), (220, 30)]),
            _line({"highway": "footway", "name": "F"}, [(0, 0), (0, 250)]),
        ],
    )


def buildings() -> dict:
    keys = ("name", "building", "building:levels", "building:min_level", "height")

    def props(*values: object) -> dict:
        return dict(zip(keys, values, strict=True))

    return _collection(
        "buildings",
        [
            _rect(props("A", "residential", "3", None, None), 0, 0, 10, 20),  # 200 m2 x 3
            _rect(props("B", "yes", None, None, "27 m"), 20, 0, 10, 10),  # 100 m2 x 27/4.5
            _rect(props("C", "yes", None, None, None), 40, 0, 20, 20),  # 400 m2 x default
            _rect(props("D", "apartments", "5", "2", None), 70, 0, 10, 10),  # 100 m2 x (5-2)
            _rect(props("E", "roof", "1", None, None), 90, 0, 10, 10),  # a canopy: 0
        ],
    )


OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="harbor-planner tests (hand-made)">
  <node id="1" version="1" lat="29.5600" lon="106.5700"/>
  <node id="2" version="1" lat="29.5600" lon="106.5702"/>
  <node id="3" version="1" lat="29.5602" lon="106.5702"/>
  <node id="4" version="1" lat="29.5602" lon="106.5700"/>
  <node id="11" version="1" lat="29.5610" lon="106.5710"/>
  <node id="12" version="1" lat="29.5610" lon="106.5714"/>
  <node id="13" version="1" lat="29.5614" lon="106.5714"/>
  <node id="14" version="1" lat="29.5614" lon="106.5710"/>
  <node id="21" version="1" lat="29.5611" lon="106.5711"/>
  <node id="22" version="1" lat="29.5611" lon="106.5713"/>
  <node id="23" version="1" lat="29.5613" lon="106.5713"/>
  <node id="24" version="1" lat="29.5613" lon="106.5711"/>
  <node id="31" version="1" lat="29.5620" lon="106.5720">
    <tag k="building" v="yes"/>
  </node>
  <node id="32" version="1" lat="29.5620" lon="106.5722"/>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="residential"/>
    <tag k="building:levels" v="2"/>
    <tag k="name" v="小楼"/>
  </way>
  <way id="101" version="1">
    <nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
  </way>
  <way id="102" version="1">
    <nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="24"/><nd ref="21"/>
  </way>
  <way id="103" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="building" v="no"/>
    <tag k="landuse" v="retail"/>
  </way>
  <way id="104" version="1">
    <nd ref="31"/><nd ref="32"/>
    <tag k="building" v="yes"/>
  </way>
  <relation id="500" version="1">
    <member type="way" ref="101" role="outer"/>
    <member type="way" ref="102" role="inner"/>
    <tag k="type" v="multipolygon"/>
    <tag k="building" v="commercial"/>
    <tag k="height" v="45"/>
  </relation>
</osm>
"""


def stops_csv() -> str:
    # WGS-84 points in Yuzhong, written in GCJ-02 as AMap would give them; one Shanghai stop
    wgs = [
        ("解放碑站", 106.5770, 29.5570, "120"),
        ("较场口站", 106.5740, 29.5530, "80"),
        ("两路口站", 106.5520, 29.5540, "0"),
    ]
    rows = ["name,lon,lat,people"]
    for name, lon, lat, people in wgs:
        glon, glat = wgs84_to_gcj02(lon, lat)
        rows.append(f"{name},{float(glon):.6f},{float(glat):.6f},{people}")
    rows.insert(3, "上海站,121.475000,31.232000,5")
    return "\n".join(rows) + "\n"


def main() -> None:
    for name, data in (("streets.geojson", streets()), ("buildings.geojson", buildings())):
        (HERE / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    (HERE / "buildings.osm").write_text(OSM, encoding="utf-8")
    (HERE / "stops_gcj02.csv").write_text(stops_csv(), encoding="utf-8")
    (HERE / "bad_weights.csv").write_text(
        "name,lon,lat,people\nok,106.5700,29.5560,3\nword,106.5710,29.5560,many\n"
        "negative,106.5720,29.5560,-5\n",
        encoding="utf-8",
    )
    (HERE / "bad_coords.csv").write_text(
        "名称,经度,纬度\nok,106.5700,29.5560\nno latitude,106.5710,\n", encoding="utf-8"
    )
    (HERE / "empty.geojson").write_text('{"type": "FeatureCollection", "features": []}\n')


if __name__ == "__main__":
    main()

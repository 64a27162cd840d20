"""Make the demo data of harbor-planner: a small extract of Yuzhong (渝中区), Chongqing.

Everything is derived from ``../shared/geodata/yuzhong/`` beside the repository (OpenStreetMap
data of 2026-04-24, ODbL; an SRTM crop, public domain):

* ``yuzhong_walk.osm.bz2``: the walk network — every way of ``walk.osm`` with a node within
  ``WALK_MARGIN_M`` of the district boundary (so that stations near the edge are timed on the
  streets beyond it), metadata attributes dropped, nodes then ways sorted by id;
* ``yuzhong_buildings.osm.bz2``: the building footprints of ``buildings.osm`` with a node inside
  the district (ways and multipolygon relations);
* ``dem.tif``: the SRTM crop, cut to the walk extract's extent;
* ``boundary.geojson``: the district boundary (OSM relation 4738525), the study area;
* ``stations.csv``: illustrative (示意) stations at OSM features of the extract, chosen by the
  rule of :func:`choose_stations` — NOT the official register;
* ``centres.csv``: the city centres (城市中心) in Yuzhong, from ``geodata/chongqing_centres.csv``;
* ``demo.toml``: the scenario ``harbor-planner demo`` runs;
* ``ATTRIBUTION.md``: the sources and licences.

The script is deterministic (no network access, no timestamps, fixed bz2 level): running it
again gives byte-identical files.

Usage::

    python geodata/make_demo.py [OUT_DIR] [--source DIR]   # default OUT_DIR: geodata/demo
"""

from __future__ import annotations

import bz2
import csv
import io
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.windows import Window, from_bounds

from harbor_planner.candidates import POI_KINDS, osm_poi_candidates
from harbor_planner.coords import wgs84_to_gcj02
from harbor_planner.districts import chongqing_districts, locate_districts
from harbor_planner.network import build_network

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "geodata" / "yuzhong"
METRIC_CRS = "EPSG:32648"

#: Ways with a node this close to the district (metres) are kept: 15 minutes at 4.5 km/h.
WALK_MARGIN_M = 1125.0
#: Attribution required by the ODbL, on every file and map made from the extract.
OSM_CREDIT = "© OpenStreetMap contributors, ODbL"

#: The station rule: OSM features of these kinds (harbor-planner's POI kinds, in the order of
#: the real siting of Yuzhong's 劳动者港湾 — public toilets, petrol stations, banks, community
#: centres and offices, squares — then metro entrances), inside the district and at most
#: ``FRONTAGE_M`` from a street of the walk extract, each placed at its street frontage (the
#: nearest point of the walk network), taken in
#: (kind, OSM type, OSM id) order, each kept when at least ``STATION_SPACING_M`` from those
#: kept before, until ``N_STATIONS``; the first ones are built, then under construction, then
#: proposed (``STATUS_COUNTS``).
STATION_KINDS = tuple(POI_KINDS)
STATION_SPACING_M = 600.0
FRONTAGE_M = 100.0
STATUS_COUNTS = (("已建成", 8), ("在建", 3), ("拟建", 3))
N_STATIONS = sum(n for _, n in STATUS_COUNTS)
KIND_ZH = {
    "toilets": "公厕",
    "fuel": "加油站",
    "bank": "银行网点",
    "community_centre": "社区活动中心",
    "community_office": "社区办公点",
    "square": "广场",
    "metro_entrance": "轨道站出入口",
    "bus_stop": "公交站",
}
HEADERS = [
    "编号",
    "名称",
    "区县",
    "地址",
    "经度",
    "纬度",
    "状态",
    "最美渝工港湾",
    "面积(㎡)",
    "OSM",
]



# ----------------------------------------------------------------------------- OSM


def read_osm(path: Path) -> tuple[dict, dict, dict]:
    """Nodes ``{id: (lat, lon, tags)}``, ways and relations ``{id: (members, tags)}``."""
    nodes: dict[int, tuple[str, str, list]] = {}
    ways: dict[int, tuple[list, list]] = {}
    rels: dict[int, tuple[list, list]] = {}
    for el in ET.parse(path).getroot():
        tags = [(t.get("k"), t.get("v")) for t in el.findall("tag")]
        if el.tag == "node":
            nodes[int(el.get("id"))] = (el.get("lat"), el.get("lon"), tags)
        elif el.tag == "way":
            ways[int(el.get("id"))] = ([int(n.get("ref")) for n in el.findall("nd")], tags)
        elif el.tag == "relation":
            members = [(m.get("type"), int(m.get("ref")), m.get("role")) for m in el.iter("member")]
            rels[int(el.get("id"))] = (members, tags)
    return nodes, ways, rels


def _inside(nodes: dict, area_metric: shapely.Geometry) -> set[int]:
    """Ids of the nodes inside ``area_metric`` (a polygon in the metric CRS)."""
    ids = np.fromiter(nodes, dtype=np.int64, count=len(nodes))
    lat = np.array([float(nodes[i][0]) for i in ids])
    lon = np.array([float(nodes[i][1]) for i in ids])
    pts = gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326").to_crs(METRIC_CRS)
    shapely.prepare(area_metric)
    return set(ids[shapely.contains(area_metric, pts.to_numpy())].tolist())


def _tags_xml(tags: list) -> str:
    return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags)


def write_osm(path: Path, nodes: dict, ways: dict, rels: dict, what: str) -> None:
    """OSM XML 0.6, bz2: the credit, the bounds, nodes, ways and relations sorted by id."""
    lat = [float(n[0]) for n in nodes.values()]
    lon = [float(n[1]) for n in nodes.values()]
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        '<osm version="0.6" generator="harbor-planner geodata/make_demo.py" '
        'copyright="OpenStreetMap and contributors" '
        'license="https://opendatacommons.org/licenses/odbl/1-0/">\n'
    )
    out.write(
        f"<note>{escape(what)}. Data {OSM_CREDIT} 1.0 (https://www.openstreetmap.org/copyright)"
        ", snapshot of 2026-04-24.</note>\n"
    )
    out.write(
        f'<bounds minlat="{min(lat):.7f}" minlon="{min(lon):.7f}" '
        f'maxlat="{max(lat):.7f}" maxlon="{max(lon):.7f}"/>\n'
    )
    for i in sorted(nodes):
        la, lo, tags = nodes[i]
        body = f">{_tags_xml(tags)}</node>" if tags else "/>"
        out.write(f'<node id="{i}" lat="{la}" lon="{lo}"{body}\n')
    for i in sorted(ways):
        refs, tags = ways[i]
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        out.write(f'<way id="{i}">{nds}{_tags_xml(tags)}</way>\n')
    for i in sorted(rels):
        members, tags = rels[i]
        mem = "".join(
            f"<member type={quoteattr(t)} ref={quoteattr(str(r))} role={quoteattr(role or '')}/>"
            for t, r, role in members
        )
        out.write(f'<relation id="{i}">{mem}{_tags_xml(tags)}</relation>\n')
    out.write("</osm>\n")
    path.write_bytes(bz2.compress(out.getvalue().encode("utf-8"), 9))


def extract_walk(source: Path, out: Path, boundary_metric: shapely.Geometry) -> None:
    """The ways of ``walk.osm`` that come within ``WALK_MARGIN_M`` of the district."""
    nodes, ways, _ = read_osm(source)
    near = _inside(nodes, shapely.buffer(boundary_metric, WALK_MARGIN_M))
    kept = {i: w for i, w in ways.items() if any(r in near for r in w[0])}
    used = {r for refs, _ in kept.values() for r in refs}
    # tagged nodes (lifts, entrances, toilets) near the district too
    used |= {i for i in near if nodes[i][2]}
    write_osm(
        out,
        {i: nodes[i] for i in used if i in nodes},
        kept,
        {},
        "Walk network of Yuzhong (渝中区) and 1,125 m around it, from OpenStreetMap",
    )


def extract_buildings(source: Path, out: Path, boundary_metric: shapely.Geometry) -> None:
    """The buildings of ``buildings.osm`` (ways and relations) with a node in the district."""
    nodes, ways, rels = read_osm(source)
    inside = _inside(nodes, boundary_metric)
    kept_ways = {i: w for i, w in ways.items() if any(r in inside for r in w[0])}
    kept_rels = {}
    for i, (members, tags) in rels.items():
        member_ways = [r for t, r, _ in members if t == "way" and r in ways]
        if any(r in kept_ways for r in member_ways):
            kept_rels[i] = (members, tags)
            kept_ways.update({r: ways[r] for r in member_ways})
    used = {r for refs, _ in kept_ways.values() for r in refs}
    used |= {i for i in inside if nodes[i][2]}
    write_osm(
        out,
        {i: nodes[i] for i in used if i in nodes},
        kept_ways,
        kept_rels,
        "Building footprints of Yuzhong (渝中区), from OpenStreetMap",
    )


# ----------------------------------------------------------------------------- DEM, boundary


def write_dem(source: Path, out: Path, walk: Path) -> None:
    """The SRTM crop cut to the walk extract's extent (int16, deflate, as the source)."""
    osm = ET.fromstring(bz2.decompress(walk.read_bytes()))
    b = osm.find("bounds")
    lon = [float(b.get("minlon")), float(b.get("maxlon"))]
    lat = [float(b.get("minlat")), float(b.get("maxlat"))]
    box = gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326").to_crs(METRIC_CRS)
    x0, y0, x1, y1 = box.total_bounds
    with rasterio.open(source) as src:
        win = from_bounds(x0, y0, x1, y1, src.transform).round_offsets().round_lengths()
        full = Window(0, 0, src.width, src.height)
        win = win.intersection(full)
        data = src.read(1, window=win)
        profile = src.profile | {
            "width": win.width,
            "height": win.height,
            "transform": src.window_transform(win),
            "compress": "deflate",
            "tiled": False,
        }
        profile.pop("blockxsize", None)
        profile.pop("blockysize", None)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(SOURCE="SRTM 1 arc-second (NASA), public domain; crop for the demo")


def write_boundary(source: Path, out: Path) -> shapely.Geometry:
    """The district boundary, coordinates rounded to 7 decimals; returns it in metres."""
    gdf = gpd.read_file(source)
    geom = shapely.set_precision(gdf.geometry.iloc[0], 1e-7)
    props = {
        "name": "渝中区",
        "name_en": "Yuzhong District",
        "adcode": "500103",
        "osm_type": "relation",
        "osm_id": 4738525,
        "licence": f"Data {OSM_CREDIT} 1.0, https://www.openstreetmap.org/copyright",
    }
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
        ],
    }
    out.write_text(json.dumps(fc, ensure_ascii=False) + "\n", encoding="utf-8")
    return gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]


# ----------------------------------------------------------------------------- stations


def _district_names(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    adcode, _ = locate_districts(gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326"))
    names = chongqing_districts().set_index("adcode")["name_zh"]
    return [str(names.get(a, "")) if isinstance(a, str) else "" for a in adcode]


def choose_stations(extract: list[Path], boundary_metric: shapely.Geometry) -> pd.DataFrame:
    """The illustrative stations: the rule of ``STATION_KINDS`` (see the module constants)."""
    found = pd.concat([osm_poi_candidates(p) for p in extract], ignore_index=True)
    found = found.drop_duplicates(["osm_type", "osm_id"])
    metric = found.geometry.to_crs(METRIC_CRS)
    found = found[shapely.contains(boundary_metric, metric.to_numpy())].copy()
    # at the street frontage: the nearest point of the walk network, within FRONTAGE_M
    net = build_network(extract[0], progress=False)
    tree = shapely.STRtree(net.edge_geometry)
    pts = found.geometry.to_crs(net.crs).to_numpy()
    idx = tree.query_nearest(pts, max_distance=FRONTAGE_M, all_matches=False)
    edges = net.edge_geometry[idx[1]]
    front = shapely.line_interpolate_point(edges, shapely.line_locate_point(edges, pts[idx[0]]))
    found = found.iloc[idx[0]].copy()
    found["geometry"] = gpd.GeoSeries(front, crs=net.crs).to_crs("EPSG:4326").to_numpy()
    found = gpd.GeoDataFrame(found, geometry="geometry", crs="EPSG:4326")
    found["order"] = found["kind"].map({k: i for i, k in enumerate(STATION_KINDS)})
    found = found.sort_values(["order", "osm_type", "osm_id"], kind="stable")
    xy = shapely.get_coordinates(found.geometry.to_crs(METRIC_CRS).to_numpy())
    kept: list[int] = []
    for i in range(len(found)):
        d = np.hypot(*(xy[kept] - xy[i]).T) if kept else np.array([np.inf])
        if d.min() >= STATION_SPACING_M:
            kept.append(i)
        if len(kept) == N_STATIONS:
            break
    return found.iloc[kept].reset_index(drop=True)


def write_stations(path: Path, chosen: pd.DataFrame) -> None:
    """The stations in GCJ-02 as an Excel export gives them: a title row, GBK, CRLF."""
    lon = chosen.geometry.x.to_numpy()
    lat = chosen.geometry.y.to_numpy()
    glon, glat = wgs84_to_gcj02(lon, lat)
    districts = _district_names(lon, lat)
    statuses = [s for s, n in STATUS_COUNTS for _ in range(n)]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        ["渝中区 渝工港湾 示意站点（按 OSM 要素生成，非官方名录）/ illustrative, not official"]
    )
    w.writerow(HEADERS)
    for i, row in enumerate(chosen.itertuples(index=False)):
        place = row.name if isinstance(row.name, str) and row.name else KIND_ZH[row.kind]
        try:
            place.encode("gbk")
        except UnicodeEncodeError:
            place = KIND_ZH[row.kind]
        w.writerow(
            [
                f"SL{i + 1:03d}",
                f"示意港湾{i + 1}号·{place}（示意）",
                districts[i],
                f"{place}旁（{KIND_ZH[row.kind]}，示意位置）",
                f"{glon[i]:.6f}",
                f"{glat[i]:.6f}",
                statuses[i],
                "是" if i < 2 else "否",
                20 + int(row.osm_id) % 41,
                f"{row.osm_type}/{row.osm_id}",
            ]
        )
    path.write_bytes(buf.getvalue().encode("gbk"))


def write_centres(path: Path) -> None:
    """The city centres of ``geodata/chongqing_centres.csv`` that lie in 渝中区."""
    table = pd.read_csv(Path(__file__).with_name("chongqing_centres.csv"), comment="#")
    table = table[table["district"] == "渝中区"][["name", "lon", "lat"]]
    path.write_text(table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


# ----------------------------------------------------------------------------- scenario


DESCRIPTION = (
    "示意站点：按 OSM 要素规则生成，非官方站点名录（illustrative stations from OSM features, "
    "not the official register）. Data © OpenStreetMap contributors, ODbL."
)
SCENARIO = """\
# The demo: Yuzhong (渝中区), Chongqing, on a small OpenStreetMap extract (© OpenStreetMap
# contributors, ODbL; see ATTRIBUTION.md) with illustrative stations (示意, NOT the official
# register). Run it with:  harbor-planner demo   (or: harbor-planner run THIS)
title = "渝中区 15 分钟步行服务圈（示意站点，非官方名录）/ Yuzhong, illustrative stations"
description = @DESCRIPTION@

[study]
districts = ["渝中区"]               # demand, new sites and district tables stay in Yuzhong
                                  # (official boundary); stations outside still serve it

[network]
source = "yuzhong_walk.osm.bz2"   # the walk network, 1,125 m past the district boundary
walk_model = "hilly"              # stairs, escalators, lifts and slopes from dem.tif
dem = "dem.tif"
dem_outside = "flat"              # the SRTM crop stops short of the far river banks
walk_speed_kmh = 4.5

[stations]
file = "stations.csv"             # GBK, Chinese headers, a title row: an Excel export
crs = "gcj02"                     # AMap coordinates

[demand]
kind = "main-streets"             # 在城市中心和主要街道建立15分钟服务圈
spacing_m = 50

[coverage]
minutes = 15

[centres]
file = "centres.csv"              # 解放碑, 大坪, 朝天门: coverage within 1 km of each
crs = "wgs84"                     # taken from OpenStreetMap
radius_m = 1000

[optimize]
mode = "max-cover"
stages = { "2026" = 4, "2027" = 4, "2028" = 4 }   # a staged roll-out: 12 new sites
candidates = "auto"               # street sites every 200 m + OSM points of interest
candidate_spacing_m = 200
min_spacing_m = 300               # no two stations closer than 300 m
solver = "greedy"                 # lazy greedy; "exact": HiGHS, the proven optimum

[output]
# dir: default "out" beside this file; `harbor-planner demo --out DIR` chooses another
basemap = "osm"
lang = "zh"
"""

ATTRIBUTION = f"""\
# Demo data: sources and licences

* `yuzhong_walk.osm.bz2`, `yuzhong_buildings.osm.bz2`, `boundary.geojson` and the station
  positions of `stations.csv`: **{OSM_CREDIT}** (Open Database License 1.0,
  https://www.openstreetmap.org/copyright, https://opendatacommons.org/licenses/odbl/1-0/).
  An extract of an Overpass snapshot of 2026-04-24, cut to Yuzhong (渝中区) by
  `geodata/make_demo.py`. Maps and exports made from these files must credit
  "© OpenStreetMap contributors"; harbor-planner's maps do.
* `dem.tif`: a crop of the SRTM 1 arc-second elevation model (NASA/USGS), public domain.
* `stations.csv` is **illustrative (示意)**: stations placed at OSM features by a fixed rule,
  NOT the official register of 渝工港湾 / 劳动者港湾 stations. `demo.toml`, `centres.csv` and the
  rest of the project: MIT (see `pyproject.toml`).
"""


def make_demo(out_dir: str | Path, source: str | Path = SOURCE) -> list[Path]:
    """Write every demo file into ``out_dir`` from ``source``; returns the paths written."""
    out, src = Path(out_dir), Path(source)
    out.mkdir(parents=True, exist_ok=True)
    names = (
        "boundary.geojson",
        "yuzhong_walk.osm.bz2",
        "yuzhong_buildings.osm.bz2",
        "dem.tif",
        "stations.csv",
        "centres.csv",
        "demo.toml",
        "ATTRIBUTION.md",
    )
    p = {name: out / name for name in names}
    boundary = write_boundary(src / "boundary.geojson", p["boundary.geojson"])
    extract_walk(src / "walk.osm", p["yuzhong_walk.osm.bz2"], boundary)
    extract_buildings(src / "buildings.osm", p["yuzhong_buildings.osm.bz2"], boundary)
    write_dem(src / "dem_srtm_utm48n.tif", p["dem.tif"], p["yuzhong_walk.osm.bz2"])
    extract = [p["yuzhong_walk.osm.bz2"], p["yuzhong_buildings.osm.bz2"]]
    write_stations(p["stations.csv"], choose_stations(extract, boundary))
    write_centres(p["centres.csv"])
    description = json.dumps(DESCRIPTION, ensure_ascii=False)
    p["demo.toml"].write_text(SCENARIO.replace("@DESCRIPTION@", description), encoding="utf-8")
    p["ATTRIBUTION.md"].write_text(ATTRIBUTION, encoding="utf-8")
    return list(p.values())


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python geodata/make_demo.py [OUT_DIR] [--source DIR]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    source = SOURCE
    if "--source" in args:
        i = args.index("--source")
        source = Path(args[i + 1])
        del args[i : i + 2]
    if not (Path(source) / "walk.osm").is_file():
        print(f"make_demo: {source}/walk.osm not found (pass --source DIR)", file=sys.stderr)
        return 3
    out = Path(args[0]) if args else Path(__file__).resolve().parent / "demo"
    for p in make_demo(out, source):
        print(f"{p}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

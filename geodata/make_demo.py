"""Generate the demo data of harbor-planner: a small *fictional* hilly river district.

示例区（虚构）/ Demo District (fictional): two banks of a river joined by one bridge, a main
street grid on each bank, residential lanes, footways, stairways, an escalator, a lift, an
expressway closed to pedestrians, a few points of interest, buildings, a synthetic DEM, a dozen
existing worker harbour stations (GCJ-02, GBK, Excel-like) and about forty candidate sites.

Everything is invented; only the coordinates are placed inside Chongqing municipality (in an
area without real data in this project) so that the tools accept them. The script is
deterministic (seeded, no network access, no timestamps): running it twice gives byte-identical
files.

Usage::

    python geodata/make_demo.py [OUT_DIR]      # default: geodata/demo next to this script
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import rasterio
import shapely
from rasterio.transform import Affine
from rasterio.warp import transform as warp_transform

from harbor_planner.coords import wgs84_to_gcj02
from harbor_planner.districts import chongqing_districts, locate_districts

SEED = 20260601

#: South-west corner of the district (WGS-84); the layout is in metres east/north of it.
LON0, LAT0 = 106.900, 29.300
WIDTH_M, HEIGHT_M = 1500.0, 1000.0
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))

#: The river flows west to east between these northings (metres).
RIVER_S, RIVER_N = 440.0, 560.0
RIVER_Z = 175.0

DEM_CRS = "EPSG:32648"
DEM_CELL_M = 25.0
DEM_MARGIN_M = 300.0

#: Streets: east–west lines (y), north–south lines (x), per bank.
SOUTH_EW = {
    110.0: ("tertiary", "示例上坡路（虚构）"),
    260.0: ("primary", "示例大道（虚构）"),
    410.0: ("secondary", "示例滨江南路（虚构）"),
}
NORTH_EW = {
    590.0: ("secondary", "示例滨江北路（虚构）"),
    740.0: ("primary", "示例新城大道（虚构）"),
    890.0: ("tertiary", "示例山顶路（虚构）"),
}
NS_X = {
    100.0: ("residential", "示例西巷（虚构）"),
    400.0: ("residential", "示例二巷（虚构）"),
    700.0: ("tertiary", "示例中街（虚构）"),
    1000.0: ("residential", "示例四巷（虚构）"),
    1300.0: ("secondary", "示例东街（虚构）"),
}
BRIDGE_X = 1400.0
EXPRESSWAY_X = 250.0


# ----------------------------------------------------------------------------- geometry


def to_lonlat(x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Local metres → WGS-84 lon/lat (equirectangular; the district is small)."""
    return (
        LON0 + np.asarray(x, dtype=float) / M_PER_DEG_LON,
        LAT0 + np.asarray(y, dtype=float) / M_PER_DEG_LAT,
    )


def to_local(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 lon/lat → local metres."""
    return (np.asarray(lon) - LON0) * M_PER_DEG_LON, (np.asarray(lat) - LAT0) * M_PER_DEG_LAT


def elevation(x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
    """Ground height (m) at local metres: hills rising from the river, steeper to the north."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    south = y < (RIVER_S + RIVER_N) / 2
    d = np.where(south, RIVER_S - y, y - RIVER_N)
    d = np.clip(d, 0.0, None)
    rise = np.where(south, 55.0, 85.0) * (1.0 - np.exp(-d / 260.0))
    hills = (
        18.0 * np.exp(-(((x - 350.0) / 220.0) ** 2 + ((y - 150.0) / 160.0) ** 2))
        + 25.0 * np.exp(-(((x - 1100.0) / 260.0) ** 2 + ((y - 900.0) / 180.0) ** 2))
        + 10.0 * np.exp(-(((x - 600.0) / 200.0) ** 2 + ((y - 820.0) / 150.0) ** 2))
    )
    hills = hills * np.clip(d / 80.0, 0.0, 1.0)
    ripples = 1.5 * np.sin(x / 97.0) * np.cos(y / 71.0) * np.clip(d / 80.0, 0.0, 1.0)
    z = RIVER_Z + rise + hills + ripples
    river = (y > RIVER_S) & (y < RIVER_N)
    return np.where(river, RIVER_Z - 3.0, z)


# ----------------------------------------------------------------------------- OSM model


class OsmBuilder:
    """Nodes keyed by their (rounded) local position, ways as node lists, in id order."""

    def __init__(self) -> None:
        self.node_ids: dict[tuple[float, float], int] = {}
        self.node_tags: dict[int, dict[str, str]] = {}
        self.node_xy: dict[int, tuple[float, float]] = {}
        self.ways: list[tuple[list[tuple[float, float]], dict[str, str], bool]] = []

    def node(
        self, x: float, y: float, tags: dict[str, str] | None = None, *, shared: bool = False
    ) -> int:
        """A node at local metres; untagged (or ``shared``) nodes are reused by position."""
        key = (round(x, 2), round(y, 2))
        if tags is None and key in self.node_ids:
            return self.node_ids[key]
        nid = len(self.node_xy) + 1
        self.node_xy[nid] = key
        if tags:
            self.node_tags[nid] = tags
        if tags is None or shared:
            self.node_ids[key] = nid
        return nid

    def way(
        self, pts: list[tuple[float, float]], tags: dict[str, str], *, junctions: bool = True
    ) -> None:
        """Add a way; with ``junctions`` it joins every way end lying on it (and vice versa)."""
        self.ways.append((pts, tags, junctions))

    def resolve(self) -> list[tuple[list[int], dict[str, str]]]:
        """Insert every way end lying on another way's segment, then give nodes their ids."""
        ends = {p for pts, _, j in self.ways if j for p in (pts[0], pts[-1])}
        ends |= {p for pts, _, j in self.ways if j for p in pts}
        end_list = sorted(ends)
        end_geom = shapely.points(np.array(end_list))
        out: list[tuple[list[int], dict[str, str]]] = []
        for pts, tags, junctions in self.ways:
            full: list[tuple[float, float]] = [pts[0]]
            for a, b in itertools.pairwise(pts):
                if junctions:
                    seg = shapely.LineString([a, b])
                    near = shapely.dwithin(end_geom, seg, 0.01)
                    extra = [end_list[i] for i in np.flatnonzero(near)]
                    extra = [p for p in extra if p not in (a, b)]
                    extra.sort(key=lambda p: seg.project(shapely.Point(p)))
                    full.extend(extra)
                full.append(b)
            out.append(([self.node(*p) for p in full], tags))
        return out


def _densify(pts: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    out = [pts[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        for i in range(1, n + 1):
            out.append((round(x0 + (x1 - x0) * i / n, 2), round(y0 + (y1 - y0) * i / n, 2)))
    return out


def _step_count(a: tuple[float, float], b: tuple[float, float]) -> int:
    dz = abs(float(elevation(*b)) - float(elevation(*a)))
    return max(8, round(dz / 0.16))


def build_osm() -> tuple[OsmBuilder, list[tuple[list[int], dict[str, str]]], list]:
    """The district: (builder with the nodes, street and path ways, building ways)."""
    rng = np.random.default_rng(SEED)
    b = OsmBuilder()

    # main streets along the contours, one grid per bank
    for rows, (y_lo, y_hi) in ((SOUTH_EW, (110.0, 410.0)), (NORTH_EW, (590.0, 890.0))):
        for y, (hw, name) in rows.items():
            b.way(_densify([(0.0, y), (WIDTH_M, y)], 100.0), {"highway": hw, "name": name})
        for x, (hw, name) in NS_X.items():
            b.way(_densify([(x, y_lo), (x, y_hi)], 75.0), {"highway": hw, "name": name})

    # the bridge: the only crossing on foot
    b.way(
        [(BRIDGE_X, 410.0), (BRIDGE_X, 590.0)],
        {"highway": "primary", "name": "示例大桥（虚构）", "bridge": "yes", "layer": "1"},
    )
    # expressway viaduct over everything, closed to pedestrians (no junctions with streets)
    b.way(
        _densify([(EXPRESSWAY_X, -150.0), (EXPRESSWAY_X + 60.0, 1150.0)], 100.0),
        {
            "highway": "trunk",
            "name": "示例快速路（虚构）",
            "foot": "no",
            "bridge": "yes",
            "layer": "2",
            "oneway": "no",
        },
        junctions=False,
    )

    # riverside promenades
    b.way(
        [(100.0, 410.0), (100.0, 430.0), (1250.0, 430.0), (1250.0, 410.0)],
        {"highway": "footway", "name": "示例南滨步道（虚构）"},
    )
    b.way(
        [(100.0, 590.0), (100.0, 570.0), (1250.0, 570.0), (1250.0, 590.0)],
        {"highway": "footway", "name": "示例北滨步道（虚构）"},
    )
    # residential lanes (dead ends and a switchback up the northern hill)
    for pts in (
        [(400.0, 185.0), (520.0, 185.0)],
        [(1000.0, 335.0), (1120.0, 335.0)],
        [(700.0, 665.0), (580.0, 665.0)],
        [(1300.0, 815.0), (1400.0, 815.0), (1400.0, 860.0)],
        [(400.0, 740.0), (330.0, 780.0), (390.0, 820.0), (330.0, 860.0), (360.0, 890.0)],
    ):
        b.way(pts, {"highway": "residential"})
    # footways through blocks
    for pts in ([(700.0, 740.0), (820.0, 890.0)], [(100.0, 185.0), (220.0, 110.0)]):
        b.way(pts, {"highway": "footway"})

    # stairways (drawn low → high where tagged incline=up)
    stairs = [
        ((550.0, 410.0), (550.0, 260.0), "up", "示例梯坎（虚构）"),
        ((850.0, 260.0), (850.0, 110.0), "up", None),
        ((1150.0, 110.0), (1150.0, 260.0), "down", None),
        ((850.0, 590.0), (850.0, 740.0), "up", "示例天梯（虚构）"),
        ((1150.0, 740.0), (1150.0, 890.0), None, None),
        ((550.0, 740.0), (550.0, 890.0), "up", None),
    ]
    for a, z, incline, name in stairs:
        tags = {"highway": "steps", "step_count": str(_step_count(a, z))}
        if incline:
            tags["incline"] = incline
        if name:
            tags["name"] = name
        b.way([a, z], tags)
    # escalator up the northern bank
    b.way(
        [(1450.0, 590.0), (1450.0, 740.0)],
        {
            "highway": "steps",
            "conveying": "forward",
            "incline": "up",
            "name": "示例扶梯（虚构）",
        },
    )
    # a public lift between the new-town avenue and the hilltop road
    lift = b.node(
        950.0, 815.0, {"highway": "elevator", "name": "示例观光电梯（虚构）"}, shared=True
    )
    lift_xy = b.node_xy[lift]
    b.way([(950.0, 740.0), lift_xy], {"highway": "footway"})
    b.way([lift_xy, (950.0, 890.0)], {"highway": "footway"})

    # points of interest (nodes of their own)
    pois = [
        (720.0, 272.0, {"amenity": "toilets", "name": "示例公厕一（虚构）"}),
        (1312.0, 602.0, {"amenity": "toilets", "name": "示例公厕二（虚构）"}),
        (420.0, 752.0, {"amenity": "toilets", "name": "示例公厕三（虚构）"}),
        (712.0, 248.0, {"railway": "subway_entrance", "name": "示例轨道站 A口（虚构）"}),
        (688.0, 272.0, {"railway": "subway_entrance", "name": "示例轨道站 B口（虚构）"}),
        (1012.0, 752.0, {"railway": "subway_entrance", "name": "示例新城站 1号口（虚构）"}),
        (980.0, 272.0, {"amenity": "bank", "name": "示例银行（虚构）"}),
        (640.0, 752.0, {"amenity": "bank", "name": "示例农商行（虚构）"}),
        (300.0, 268.0, {"highway": "bus_stop", "name": "示例大道站（虚构）"}),
        (1200.0, 252.0, {"highway": "bus_stop", "name": "示例东站（虚构）"}),
        (1412.0, 602.0, {"highway": "bus_stop", "name": "示例桥北站（虚构）"}),
        (200.0, 748.0, {"highway": "bus_stop", "name": "示例新城西站（虚构）"}),
    ]
    for x, y, tags in pois:
        b.node(x, y, tags)

    ways = b.resolve()

    # buildings: rectangles in the blocks, kept clear of every way
    lines = shapely.MultiLineString([[b.node_xy[n] for n in nds] for nds, _ in ways])
    clear = lines.buffer(12.0)
    buildings = []
    kinds = ["residential", "apartments", "apartments", "residential", "commercial", "retail"]
    xs = sorted(NS_X)
    for y_rows in ((110.0, 260.0, 410.0), (590.0, 740.0, 890.0)):
        for y0, y1 in itertools.pairwise(y_rows):
            for x0 in xs[:-1]:
                for cx in (x0 + 70.0, x0 + 230.0):
                    for cy in (y0 + 42.0, y1 - 42.0):
                        w = float(rng.uniform(40.0, 70.0))
                        h = float(rng.uniform(28.0, 45.0))
                        jx, jy = rng.uniform(-6.0, 6.0, 2)
                        box = shapely.box(
                            round(cx + jx - w / 2, 1),
                            round(cy + jy - h / 2, 1),
                            round(cx + jx + w / 2, 1),
                            round(cy + jy + h / 2, 1),
                        )
                        kind = kinds[int(rng.integers(len(kinds)))]
                        levels = int(
                            rng.integers(2, 8)
                            if kind in ("retail", "residential")
                            else rng.integers(8, 34)
                        )
                        has_levels = bool(rng.random() < 0.75)
                        if box.intersects(clear):
                            continue
                        tags = {"building": kind}
                        if has_levels:
                            tags["building:levels"] = str(levels)
                        buildings.append((box, tags))
    buildings[0][1]["name"] = "示例小学（虚构）"
    buildings[0][1]["building"] = "school"
    buildings[-1][1]["name"] = "示例社区服务中心（虚构）"
    building_ways = []
    for box, tags in buildings:
        coords = list(box.exterior.coords)[:-1]
        nds = [b.node(x, y, {}) for x, y in coords]
        building_ways.append(([*nds, nds[0]], tags))
    return b, ways, building_ways


def write_osm(path: Path, b: OsmBuilder, ways: list, building_ways: list) -> None:
    """OSM XML 0.6: nodes sorted by id, then ways sorted by id (as pyosmium expects)."""
    out = io.StringIO()
    out.write("<?xml version='1.0' encoding='UTF-8'?>\n")
    out.write('<osm version="0.6" generator="harbor-planner geodata/make_demo.py">\n')
    out.write(
        "  <!-- 示例区（虚构）/ Demo District (fictional): invented data for harbor-planner's "
        "demo, generated by geodata/make_demo.py. Not OpenStreetMap data. -->\n"
    )
    ids = sorted(b.node_xy)
    lon, lat = to_lonlat([b.node_xy[i][0] for i in ids], [b.node_xy[i][1] for i in ids])
    xs = np.array([b.node_xy[i][0] for i in ids])
    ys = np.array([b.node_xy[i][1] for i in ids])
    out.write(
        f'  <bounds minlat="{LAT0 + ys.min() / M_PER_DEG_LAT:.7f}" '
        f'minlon="{LON0 + xs.min() / M_PER_DEG_LON:.7f}" '
        f'maxlat="{LAT0 + ys.max() / M_PER_DEG_LAT:.7f}" '
        f'maxlon="{LON0 + xs.max() / M_PER_DEG_LON:.7f}"/>\n'
    )
    for nid, lo, la in zip(ids, lon, lat, strict=True):
        tags = b.node_tags.get(nid) or {}
        head = f'  <node id="{nid}" version="1" lat="{la:.7f}" lon="{lo:.7f}"'
        if not tags:
            out.write(head + "/>\n")
            continue
        out.write(head + ">\n")
        for k, v in tags.items():
            out.write(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n")
        out.write("  </node>\n")
    for wid, (nds, tags) in enumerate(ways + building_ways, start=1):
        out.write(f'  <way id="{wid}" version="1">\n')
        for n in nds:
            out.write(f'    <nd ref="{n}"/>\n')
        for k, v in tags.items():
            out.write(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n")
        out.write("  </way>\n")
    out.write("</osm>\n")
    path.write_bytes(out.getvalue().encode("utf-8"))


# ----------------------------------------------------------------------------- DEM


def write_dem(path: Path) -> None:
    """Synthetic DEM in UTM 48N covering the district with a margin (fixed profile, no dates)."""
    corners_x = [-DEM_MARGIN_M, WIDTH_M + DEM_MARGIN_M] * 2
    corners_y = [-DEM_MARGIN_M] * 2 + [HEIGHT_M + DEM_MARGIN_M] * 2
    lon, lat = to_lonlat(corners_x, corners_y)
    ex, ny = warp_transform("EPSG:4326", DEM_CRS, list(lon), list(lat))
    c = DEM_CELL_M
    west = math.floor(min(ex) / c) * c
    east = math.ceil(max(ex) / c) * c
    south = math.floor(min(ny) / c) * c
    north = math.ceil(max(ny) / c) * c
    width, height = round((east - west) / c), round((north - south) / c)
    col_e = west + (np.arange(width) + 0.5) * c
    row_n = north - (np.arange(height) + 0.5) * c
    ee, nn = np.meshgrid(col_e, row_n)
    lo, la = warp_transform(DEM_CRS, "EPSG:4326", ee.ravel().tolist(), nn.ravel().tolist())
    lx, ly = to_local(np.asarray(lo), np.asarray(la))
    z = np.round(elevation(lx, ly), 1).reshape(height, width).astype("float32")
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": DEM_CRS,
        "transform": Affine(c, 0.0, west, 0.0, -c, north),
        "nodata": -9999.0,
        "compress": "deflate",
        "predictor": 3,
        "tiled": False,
    }
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)
        dst.update_tags(
            DESCRIPTION="Synthetic DEM of the fictional demo district (harbor-planner)",
        )


# ----------------------------------------------------------------------------- stations

HEADERS = ["编号", "名称", "区县", "地址", "经度", "纬度", "状态", "最美渝工港湾", "面积(㎡)"]

#: Existing stations: local metres, status, flagship, area. Clustered on the older south bank
#: so that the newer north bank, across the only bridge, shows gaps.
STATIONS = [
    (180.0, 422.0, "已建成", "是", 60),
    (420.0, 248.0, "已建成", "否", 35),
    (690.0, 122.0, "已建成", "否", 28),
    (640.0, 398.0, "已建成", "是", 80),
    (860.0, 272.0, "已建成", "否", 40),
    (300.0, 122.0, "已建成", "否", 30),
    (112.0, 300.0, "已建成", "否", 45),
    (515.0, 197.0, "已建成", "否", 32),
    (760.0, 422.0, "已建成", "否", 36),
    (880.0, 98.0, "在建", "否", 50),
    (1010.0, 422.0, "拟建", "否", 40),
    (1250.0, 122.0, "在建", "否", 30),
]


def _district_names(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    import geopandas as gpd  # installed with harbor-planner

    adcode, _ = locate_districts(gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326"))
    names = chongqing_districts().set_index("adcode")["name_zh"]
    return [str(names.get(a, "")) if isinstance(a, str) else "" for a in adcode]


def _rows(pts: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    lon, lat = to_lonlat([p[0] for p in pts], [p[1] for p in pts])
    glon, glat = wgs84_to_gcj02(lon, lat)
    return np.asarray(glon), np.asarray(glat), _district_names(lon, lat)


def write_stations(path: Path) -> None:
    """Existing stations in GCJ-02, as an Excel export would be: title row, GBK, CRLF."""
    glon, glat, dist = _rows([(s[0], s[1]) for s in STATIONS])
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["示例区（虚构）渝工港湾站点清单 / Demo District (fictional) stations"])
    w.writerow(HEADERS)
    for i, (s, lo, la, d) in enumerate(zip(STATIONS, glon, glat, dist, strict=True), start=1):
        w.writerow(
            [
                f"SL{i:03d}",
                f"示例港湾{i}号（虚构）",
                d,
                f"示例区示例街道{i * 7}号（虚构）",
                f"{lo:.6f}",
                f"{la:.6f}",
                s[2],
                s[3],
                s[4],
            ]
        )
    path.write_bytes(buf.getvalue().encode("gbk"))


def candidate_points(rng: np.random.Generator) -> list[tuple[float, float]]:
    """About forty sites beside the streets of both banks, shuffled slightly."""
    pts: list[tuple[float, float]] = []
    for y in (*SOUTH_EW, *NORTH_EW):
        for x in (175.0, 475.0, 775.0, 1075.0, 1375.0):
            if (x, y) in {(175.0, 110.0), (775.0, 410.0), (1375.0, 110.0)}:
                continue
            pts.append((x + float(rng.uniform(-40, 40)), y + float(rng.choice([-14.0, 14.0]))))
    for x in NS_X:
        for y in (335.0, 665.0, 815.0):
            pts.append((x + float(rng.choice([-14.0, 14.0])), y + float(rng.uniform(-30, 30))))
    return [(round(x, 1), round(y, 1)) for x, y in pts]


def write_candidates(path: Path) -> None:
    """Candidate sites in GCJ-02, UTF-8."""
    rng = np.random.default_rng(SEED + 1)
    pts = candidate_points(rng)
    glon, glat, dist = _rows(pts)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADERS)
    for i, (lo, la, d) in enumerate(zip(glon, glat, dist, strict=True), start=1):
        w.writerow(
            [
                f"C{i:03d}",
                f"示例候选点{i}（虚构）",
                d,
                f"示例区候选地块{i}（虚构）",
                f"{lo:.6f}",
                f"{la:.6f}",
                "候选",
                "否",
                int(rng.integers(20, 80)),
            ]
        )
    path.write_bytes(buf.getvalue().encode("utf-8"))


# ----------------------------------------------------------------------------- scenario

#: The bundled scenario that ``harbor-planner demo`` runs (paths relative to this folder).
SCENARIO = """\
# Demo scenario on the fictional 示例区 (all data in this folder is project-authored and
# fictional, see README.md). Run it with:  harbor-planner demo   (or: harbor-planner run THIS)
title = "示例区（虚构）15 分钟步行服务圈 / Demo District (fictional)"
description = "12 fictional stations on a hilly two-bank district, and the best new site."

[network]
source = "demo.osm"
walk_model = "hilly"        # stairs, escalators, the lift and slopes from dem.tif
dem = "dem.tif"
walk_speed_kmh = 4.5

[stations]
file = "stations.csv"       # GBK, Chinese headers, a title row: an Excel export
crs = "gcj02"               # AMap coordinates

[demand]
kind = "main-streets"
spacing_m = 50

[coverage]
minutes = 15

[optimize]
mode = "max-cover"
candidates = "candidates.csv"
candidates_crs = "gcj02"
add = 1                     # one site on the north bank closes the gap (see the report)
solver = "exact"            # proven optimal (HiGHS)

[output]
# dir: default "out" beside this file; `harbor-planner demo --out DIR` chooses another
basemap = "osm"
lang = "zh"
"""


def write_scenario(path: Path) -> None:
    """``demo.toml``: coverage of the stations and the best new site among the candidates."""
    path.write_bytes(SCENARIO.encode("utf-8"))


# ----------------------------------------------------------------------------- main


def make_demo(out_dir: str | Path) -> list[Path]:
    """Write every demo file into ``out_dir``; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    b, ways, building_ways = build_osm()
    names = ("demo.osm", "dem.tif", "stations.csv", "candidates.csv", "demo.toml")
    paths = [out / name for name in names]
    write_osm(paths[0], b, ways, building_ways)
    write_dem(paths[1])
    write_stations(paths[2])
    write_candidates(paths[3])
    write_scenario(paths[4])
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python geodata/make_demo.py [OUT_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parent / "demo"
    for p in make_demo(out):
        print(f"{p}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

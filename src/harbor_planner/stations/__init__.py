"""Station lists: read planners' files, validate every row, normalise to WGS-84, place on streets.

The flow, one module per step: :mod:`~harbor_planner.stations.read` (read a file, map its
headers, split clean rows from rejected ones) → :mod:`~harbor_planner.stations.checks` (one
function per row check) → :mod:`~harbor_planner.stations.place` (snap to the walk network,
write the check) → :mod:`~harbor_planner.stations.select` (keep the statuses to plan with) and
:mod:`~harbor_planner.stations.register` (unified numbering). Problems tables are built and
printed by :mod:`~harbor_planner.stations.problems`.

:func:`read_stations` reads CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, detected), XLSX, GeoJSON,
GeoPackage and Shapefile, maps Chinese and English headers to one schema, converts the
coordinates from the stated datum (``crs="gcj02"`` for AMap...) to WGS-84 and checks every
row. It returns a :class:`StationCheck`: the clean stations, the rejected rows exactly as read,
and one table of all problems, each naming its row and column. Nothing is raised for bad rows
unless ``strict=True``; a file that cannot be read at all raises :class:`InputDataError`.

Normalised schema of :attr:`StationCheck.stations` (a GeoDataFrame in EPSG:4326):

============== ========= ==============================================================
column         dtype     meaning
============== ========= ==============================================================
row            int64     row in the source (header = row 1, as Excel shows it); for
                         GeoJSON/GeoPackage/Shapefile the 1-based feature number
sheet          str       workbook sheet or GeoPackage layer; NA for other formats
station_id     str       编号 / id / station_id (text, leading zeros kept); NA if absent
name           str       名称 / 站点名称 / name
district       str       区县 / 所属区县 as stated in the file
address        str       地址 / address
status         str       existing, building, proposed, candidate or closed (from
                         已建成/在建/拟建/候选/退出...); NA when not given
flagship       boolean   最美渝工港湾 (是/否, yes/no, 1/0)
area_m2        float64   面积(㎡) / area
(other)        as read   every other column, under its own header
lon_orig       float64   x/longitude as in the file (easting for projected CRSs)
lat_orig       float64   y/latitude as in the file (northing for projected CRSs)
crs_orig       str       the stated CRS of the file: wgs84, gcj02, bd09 or EPSG:NNNN
adcode         str       adcode of the district the point lies in (500101...500243)
district_zh    str       name of that district (渝中区...)
geometry       Point     WGS-84
============== ========= ==============================================================

Problems (:attr:`StationCheck.problems`) have columns ``sheet``, ``row`` (NA for problems of
the whole file), ``column`` (the header as written in the file), ``severity`` (``error``: the
row is rejected; ``warning``: kept), ``code`` and ``message``. Codes:

* errors: ``coord_missing``, ``coord_not_numeric`` (also ``inf``/``NaN``),
  ``coord_out_of_range``, ``latlon_swapped``, ``geometry_not_point``, ``outside_chongqing``,
  ``outside_extent``, ``duplicate_id``, ``id_precision_lost`` (an id stored as a number
  beyond Excel's 15 digits, or saved from Excel in scientific notation with digits left
  out), ``status_unknown``, ``status_conflict`` (状态 and a second status column such as
  运营状态 naming two statuses, neither closed);
* warnings: ``near_boundary``, ``duplicate_location`` (< 5 m apart), ``name_missing``,
  ``id_scientific`` (a short id such as ``1e5``, kept as text),
  ``id_missing``, ``status_missing``, ``district_unknown``, ``district_mismatch``,
  ``flagship_unknown``, ``area_not_numeric``, ``ambiguous_column``, ``status_closed_by_column`` (a
  closed word in one of two status columns, 暂停运营 beside 已建成), ``status_unread`` (a
  column of statuses under a header not read as the status), ``orig_moved`` (原始经度/原始纬度
  that no longer give the place read, both in WGS-84; without 原始坐标系 in none of GCJ-02,
  BD-09, WGS-84: edited, not read),
  ``sheet_skipped`` (also hidden sheets), ``extra_fields``, ``control_characters`` (removed
  from the rows named), ``no_rows``, ``crs_from_header`` (no ``crs`` given, the datum named
  by a header such as ``经度(GCJ02)`` used), ``format_mismatch`` (a workbook named
  ``.csv``), and from :func:`place_stations` ``far_from_network`` and
  ``datum_shift_suspected``.
"""

from harbor_planner.settings import STATUS_VALUES
from harbor_planner.stations.datum import (
    DatumCheck,
    check_datum,
    check_frame_datum,
    check_points_datum,
)
from harbor_planner.stations.place import (
    StationPlacement,
    merge_placement,
    place_stations,
    write_station_check,
)
from harbor_planner.stations.problems import PROBLEM_COLUMNS, format_problem_table
from harbor_planner.stations.read import StationCheck, read_stations
from harbor_planner.stations.register import (
    CODE_COLUMN,
    Numbering,
    number_stations,
    register_table,
)
from harbor_planner.stations.select import select_status

__all__ = [
    "CODE_COLUMN",
    "PROBLEM_COLUMNS",
    "STATUS_VALUES",
    "DatumCheck",
    "Numbering",
    "StationCheck",
    "StationPlacement",
    "check_datum",
    "check_frame_datum",
    "check_points_datum",
    "format_problem_table",
    "merge_placement",
    "number_stations",
    "place_stations",
    "read_stations",
    "register_table",
    "select_status",
    "write_station_check",
]

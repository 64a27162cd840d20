"""Defaults, choices and labels, defined once.

Every module, the scenario validation and the CLI's ``choices`` read their allowed values and
their defaults from here, so that a setting cannot mean one thing in a scenario file and
another on the command line, and a status cannot be shown one way on the map and another in
the report.
"""

from __future__ import annotations

__all__ = [
    "BASEMAPS",
    "CANDIDATE_SPACING_M",
    "CENTRES_CRS",
    "CENTRE_RADIUS_M",
    "CORRIDOR_M",
    "CORRIDOR_MAX_M",
    "DATUM_COARSE_DECIMALS",
    "DATUM_GUARD_MIN_MEDIAN_M",
    "DATUM_GUARD_MIN_POINTS",
    "DATUM_GUARD_PAIRED_MIN_MEDIAN_M",
    "DATUM_GUARD_PAIRED_RATIO",
    "DATUM_GUARD_PAIRED_SHARE",
    "DATUM_GUARD_RATIO",
    "DATUM_MIXED_CHANCE_EXPLAINS_P",
    "DATUM_MIXED_CHANCE_P",
    "DATUM_MIXED_DECOY_ANGLES",
    "DATUM_MIXED_MIN_ROWS",
    "DATUM_MIXED_MIN_SHARE",
    "DATUM_MIXED_POWER_M",
    "DATUM_MIXED_SETBACK_M",
    "DATUM_ROW_GAIN_M",
    "DATUM_ROW_RATIO",
    "DEFAULT_LEVELS_MAX",
    "DEMAND_KINDS",
    "DEMAND_KIND_KEYS",
    "DEMAND_TOTAL_MAX",
    "DEM_FLAT_LABELS",
    "DEM_MEDIAN_GRADE_MAX",
    "DEM_MIN_DEMAND_SHARE",
    "DEM_OUTSIDE_CHOICES",
    "DEM_PLAUSIBLE_M",
    "DEM_SMOOTHING_M",
    "DEM_SMOOTHING_MAX_M",
    "DOMINANCE_MAX_WORK",
    "EXACT_SMALL_COLUMNS",
    "EXIT_REPLACEMENT_MIN_DIST_M",
    "GRADE_SOURCES",
    "GREEDY_BOUND_CHECKS",
    "GRID_CELL_M",
    "INCLINE_MAX_GRADE",
    "ISOCHRONE_AUTO_EXACT_MAX_STATIONS",
    "ISOCHRONE_METHOD",
    "ISOCHRONE_METHODS",
    "ISOCHRONE_QUAD_SEGS",
    "LAGRANGE_ITERATIONS",
    "LAGRANGE_TARGET_GAP",
    "LAGRANGE_TIME_EXACT_S",
    "LAGRANGE_TIME_S",
    "LANGS",
    "LIMIT_SLACK_S",
    "MAP_BANDS_MINUTES",
    "MAP_MAX_STATIONS",
    "MARGIN_MAX_M",
    "MAX_GRADE_PCT",
    "MAX_GRADE_PCT_OTHER",
    "MAX_MINUTES",
    "MEMORY_LIMIT_ENV",
    "MEMORY_LIMIT_GB",
    "MINUTES",
    "MIN_COVER_MAX",
    "MIP_GAP",
    "OPTIMAL_REL_GAP",
    "OPTIMIZE_MODES",
    "OSM_HIGHWAY_VALUES",
    "OUTPUT_FORMATS",
    "OUTSIDE_CHONGQING",
    "OUTSIDE_DISTRICTS",
    "OUTSIDE_LABELS_ZH",
    "QUIET_PROBLEMS_SHOWN",
    "SENSITIVITY_ALT_MODEL",
    "SENSITIVITY_SPEEDS_KMH",
    "SERVE_HOST",
    "SERVE_MANIFEST",
    "SERVE_MAP_MAX_DEMAND",
    "SERVE_MAX_BODY_BYTES",
    "SERVE_MAX_NAME_CHARS",
    "SERVE_MAX_SITES",
    "SERVE_MAX_STATIONS",
    "SERVE_OUT_DIR",
    "SERVE_PORT",
    "SERVE_STATIONS_FILES",
    "SERVE_STATUSES",
    "SERVE_UNDO_STEPS",
    "SERVE_UNSAVED_FILE",
    "SITE_KIND_LABELS",
    "SITE_NAME_MAX_DIST_M",
    "SNAP_MAX_DIST_M",
    "SNAP_TOLERANCE_M",
    "SNAP_TOLERANCE_MAX_M",
    "SOLVERS",
    "SPACING_BY",
    "SPACING_MAX_M",
    "SPACING_SAME_PLACE_M",
    "STAIR_DEM_MIN_RISE_M",
    "STATUS_GAP_MET",
    "STATUS_LABELS",
    "STATUS_SCOPE_ORDER",
    "STATUS_SELECTED",
    "STATUS_VALUES",
    "STEP_COUNT_MAX_EXTENT_RATIO",
    "STREET_SPACING_M",
    "SWAP_TIME_EXACT_S",
    "SWAP_TIME_S",
    "TABLE_MAX_COLUMNS",
    "TIME_LIMIT_S",
    "WALK_DIRECTIONS",
    "WALK_DIRECTION_LABELS",
    "WALK_MODELS",
    "WALK_SPEED_KMH",
    "WALK_SPEED_RANGE_KMH",
    "WORKERS_MAX",
    "XLSX_MAX_CELLS",
    "XLSX_MAX_PART_BYTES",
    "XLSX_MAX_RATIO",
    "XLSX_MAX_ROWS",
    "XLSX_RATIO_MIN_BYTES",
    "site_kind_label",
    "status_label",
]

# ----------------------------------------------------------------------------- stations

#: Normalised station statuses, in planning order (lifecycle: proposed → building →
#: existing → closed; candidates are sites under consideration, not stations).
#: The key of ``DataFrame.attrs`` marking stations chosen by status (``select_status``): their
#: candidate stations (候选) were asked for, and coverage counts them without a warning.
STATUS_SELECTED: str = "harbor_planner_status_selected"
STATUS_VALUES: tuple[str, ...] = ("existing", "building", "proposed", "candidate", "closed")

#: (Chinese, English) label of each status, the same on the map, in the report and workbook.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "existing": ("已建成", "existing"),
    "building": ("在建", "under construction"),
    "proposed": ("拟建", "proposed"),
    "candidate": ("候选", "candidate"),
    "closed": ("已退出", "closed"),
}

#: The longest walking-time limit accepted (minutes): a walk of hours is no service circle,
#: and its searches would reach most of a city from every station.
MAX_MINUTES: float = 240.0
#: Stations farther than this from a walkable street are left out (metres).
SNAP_MAX_DIST_M: float = 150.0

#: Rows of a problems table ``stations number -q`` prints without ``--max-problems`` (a
#: register is for keeps, so its warnings are shown even then, but not tens of thousands).
QUIET_PROBLEMS_SHOWN: int = 20
#: The largest snapping distance a scenario may set, metres (``stations.max_dist_m``).
SNAP_MAX_DIST_LIMIT_M: float = 5_000.0
#: The widest margin around a network's clip area (metres; ``network.margin_m``): a
#: 240-minute walk at 12 km/h is 48 km (probe 25E: 1e8 m overflowed, 1e7 m said untruly that
#: no way reached within it).
MARGIN_MAX_M: float = 50_000.0
#: The largest spacing of demand points, street candidates and new sites (metres; probe 25E:
#: ``--spacing 1e12`` gave one point per street, ``--min-spacing 18000 --spacing-by walk``
#: failed as a walk of 300 minutes the planner never asked for).
SPACING_MAX_M: float = 10_000.0
#: The most covers per demand point ``min_cover`` may ask for (probe 25E: 1e20 overflowed).
MIN_COVER_MAX: int = 100
#: The most floors a building may be given (``demand.default_levels``).
DEFAULT_LEVELS_MAX: float = 200.0
#: The most worker processes or threads a run may start (``run.workers``, ``--workers``).
WORKERS_MAX: int = 1024
#: A walk counts as within the time limit up to this many seconds over it: sums of edge times
#: in another order differ in the last bits, and a point at exactly 15 minutes is within 15.
#: Every search, pair and "covered" test uses it (:func:`harbor_planner.network.limit_seconds`).
LIMIT_SLACK_S: float = 1e-9

#: Datum guard (:func:`harbor_planner.stations.check_datum`): a file is taken to be in another
#: lon/lat datum than stated when, read in that datum, its median distance to the walkable
#: streets is at most this fraction of the stated reading's median ...
DATUM_GUARD_RATIO: float = 1 / 3
#: ... and the stated reading's median is over this many metres (a well-placed file lies a
#: few metres from the streets; in a dense centre such as Yuzhong a wrong datum still leaves
#: half the points within 20-30 m of some street, so the bar is low).
DATUM_GUARD_MIN_MEDIAN_M: float = 15.0
#: Below that median, a file still fits another datum when its stated median is over this
#: many metres, the other's median at most this fraction of it, and this share of its rows
#: lie nearer a street in the other reading (probe 23E: 5-10 stations 480 m off lay a median
#: 11-15 m from some street in dense Yuzhong, 3 m in the right datum; 15-35 % of such files
#: were accepted, 0-20 % now; no correct file of stations or bus stops tried is refused).
DATUM_GUARD_PAIRED_MIN_MEDIAN_M: float = 8.0
DATUM_GUARD_PAIRED_RATIO: float = 0.5
DATUM_GUARD_PAIRED_SHARE: float = 0.6
#: With fewer points than this the datum guard only warns (a median of few points proves
#: little).
DATUM_GUARD_MIN_POINTS: int = 5
#: A row "fits another datum" when, read in it, it lies this many times closer to a street ...
DATUM_ROW_RATIO: float = 3.0
#: ... and at least this many metres closer than as stated.
DATUM_ROW_GAIN_M: float = 15.0
#: A file mixes datums (an error) when at least this many rows fit another datum ...
DATUM_MIXED_MIN_ROWS: int = 3
#: ... and they are at least this share of the rows (fewer: a warning listing them; a few
#: stations in parks or squares fit a shifted reading by chance).
DATUM_MIXED_MIN_SHARE: float = 0.1
#: ... and only when more rows fit that datum than chance gives: stations set back 10-40 m
#: from their streets (courtyards, plazas) fit a reading shifted 500 m in any direction about
#: 15 % of the time in Yuzhong, the real GCJ-02 or BD-09 offset no more often than others
#: (probe 24D), so 3-5 such rows of 28 fitting one datum is chance. Rows standing at most this
#: many metres from every street as stated are taken to fit by chance (a row farther back
#: that fits another datum is taken as such, as before) ...
DATUM_MIXED_SETBACK_M: float = 40.0
#: ... at the rate they fit decoy readings: the points shifted as far as the datum moves
#: them, turned by each of these angles (degrees) ...
DATUM_MIXED_DECOY_ANGLES: tuple[float, ...] = tuple(float(a) for a in range(30, 360, 30))
#: ... and the file is taken to mix datums (an error) unless as many fitting rows (or more)
#: come by chance with at least this probability (a binomial at the decoys' rate, times the
#: datums tried): then a warning. Probe 24R2: at 0.01 a third of the illustrative stations'
#: rows in WGS-84 passed with a warning (4 fitting rows against 1.2 expected); at 0.2 real
#: lists (the illustrative stations, bus stops) with 5-10 rows in another datum are refused
#: 241 of 360 times (247 before the chance test), while correct Yuzhong lists of 14 kerb and
#: 14 set-back stations are refused 6 of 30 times (14 before, probe 24D's harness) ...
DATUM_MIXED_CHANCE_EXPLAINS_P: float = 0.2
#: ... and the whole-file test is weighed against the same decoys (probe 24R): the paired test
#: (below DATUM_GUARD_MIN_MEDIAN_M) refuses only when the other reading lies nearer the streets
#: than its decoys with at most this chance, and rows over SNAP_MAX_DIST_M from every street as
#: stated that another reading puts within DATUM_MIXED_SETBACK_M of one (at least
#: DATUM_MIXED_MIN_ROWS) make the file wholly in that datum only with at most this chance.
DATUM_MIXED_CHANCE_P: float = 0.01
#: Rows are told apart by datum only when 30 % of the points lie within this many metres of
#: a street as stated (stations, bus stops); points farther inside their blocks (building
#: centroids, population points) are checked as a whole file only (probe 23N).
DATUM_MIXED_POWER_M: float = 8.0
#: Coordinates with this many decimals or fewer (106.49: about 1 km) say nothing of their
#: datum: left out of the datum guard, which only warns when they are half the rows or more.
DATUM_COARSE_DECIMALS: int = 2
#: Workbooks (.xlsx) are zip archives: a part (a sheet's XML, the shared strings) that would
#: inflate to more than this many bytes is refused before it is read (a sheet of 20,000
#: stations is about 7 MB; a zip bomb of 1 MB can claim gigabytes) ...
XLSX_MAX_PART_BYTES: int = 256 * 1024 * 1024
#: A table (station list, candidates, demand points) may have at most this many columns: its
#: rows go to GeoPackage layers, which hold 2,000 (SQLite's limit), with the tool's own.
TABLE_MAX_COLUMNS: int = 1900
#: ... and so is a part over :data:`XLSX_RATIO_MIN_BYTES` that inflates more than this many
#: times its packed size (sheets Excel or openpyxl write pack 5-20 to 1, a repeated 1 in every
#: cell of 200,000 rows 16 to 1; a zip bomb a thousand to one).
XLSX_MAX_RATIO: float = 100.0
#: Parts up to this many bytes are never refused for their ratio (small parts pack well).
XLSX_RATIO_MIN_BYTES: int = 10 * 1024 * 1024
#: Most cells a workbook sheet may span when read: the rows holding a value times the
#: widest of them (a row ends at its last value; empty rows and the padding of the sheet's
#: declared range are never read). 10 million is 200,000 rows of 50 columns.
XLSX_MAX_CELLS: int = 10_000_000
#: Excel's last row: a sheet claiming rows beyond it is damaged.
XLSX_MAX_ROWS: int = 1_048_576

# ----------------------------------------------------------------------------- network

#: Walk models (see :mod:`harbor_planner.network.walk`).
WALK_MODELS: tuple[str, ...] = ("flat", "stairs", "hilly")
#: Default walking speed on flat ground, km/h.
WALK_SPEED_KMH: float = 4.5
#: Flat walking speeds accepted, km/h (from the first, below the second): a slow elderly walk
#: to a run, with room either way; outside it a speed is a typo (1e-300, 45) and every figure
#: resting on it nonsense.
WALK_SPEED_RANGE_KMH: tuple[float, float] = (0.5, 20.0)
#: Which way a walk is timed (the first is the default): leaving the stations for the demand
#: (as ArcGIS's service areas "away from facilities"), or from the demand to the stations
#: ("towards facilities": a worker walking to the harbour). They differ on slopes, stairs and
#: one-way escalators.
WALK_DIRECTIONS: tuple[str, ...] = ("from-station", "to-station")
#: The directions in words, by language.
WALK_DIRECTION_LABELS: dict[str, dict[str, str]] = {
    "en": {"from-station": "walking from the stations", "to-station": "walking to the stations"},
    "zh": {"from-station": "从站点出发步行", "to-station": "步行前往站点"},
}
#: What to do with edges outside the DEM.
DEM_OUTSIDE_CHOICES: tuple[str, ...] = ("error", "flat")
#: Line ends of a centreline layer closer than this are joined (metres).
SNAP_TOLERANCE_M: float = 1.0
#: The largest tolerance for joining line ends (metres): ends farther apart are different
#: places (1e9 m joined a whole layer into one node).
SNAP_TOLERANCE_MAX_M: float = 25.0

# --- hilly walk model: plausible grades (issue 15; see network/elevation.py and walk.py) ---
#: Gaussian smoothing of the DEM before grades are read (the kernel's sigma, metres). SRTM and
#: Copernicus GLO-30 are 30 m radar *surface* models that partly include buildings and trees
#: and are stored in whole metres (SRTM); a sigma of about one cell (30 m) removes that
#: roughness and keeps the hills (0 turns smoothing off; use 0 with a bare-earth LiDAR DTM).
DEM_SMOOTHING_M: float = 30.0
#: The largest smoothing (sigma, metres): more flattens Chongqing's hills away, and the filter's
#: time and memory grow with it (1e9 m took gigabytes and could not be interrupted: probe 17E).
DEM_SMOOTHING_MAX_M: float = 500.0
#: A DEM along whose streets the median grade is steeper than this (rise over run) is warned
#: of: Yuzhong's streets climb a median 4 % by SRTM; feet give 13 %, decimetres 41 %.
DEM_MEDIAN_GRADE_MAX: float = 0.12
#: DEM cells outside this range of elevations (metres) are read as nodata, with a warning: a
#: nodata value the file does not declare (-32768, -9999, 3.4e38) would be read as heights.
DEM_PLAUSIBLE_M: tuple[float, float] = (-500.0, 9000.0)
#: An untagged flight of stairs takes its direction from the DEM only when its ends differ by
#: at least this many metres (SRTM stores whole metres and is accurate to a few; below this
#: the DEM's sign is noise). Tagged ``incline=up/down`` always wins.
STAIR_DEM_MIN_RISE_M: float = 3.0
#: The steepest numeric ``incline`` tag read as a grade (rise over run: 1.0 = 100 % = 45°);
#: steeper values (``-90°``, ``1000%``) are tagging slips, read for their direction only.
INCLINE_MAX_GRADE: float = 1.0
#: A ``step_count`` whose flight (count x tread) is more than this many times the drawn length
#: (plus 3 m) is a tagging slip (5,000 steps on a 100 m stair) and is read as untagged.
STEP_COUNT_MAX_EXTENT_RATIO: float = 3.0
#: Largest plausible grade (%) of a way by OSM ``highway`` class (``*_link`` as its class).
#: Roads: CJJ 37-2012 (城市道路工程设计规范) Table 6.3.1 limit values at each class's lowest
#: design speed (快速路 60 km/h 6 %; 主干路 40 km/h 7 %; 次干路 30 km/h 8 %; 支路 20 km/h 8 %)
#: plus the 1 % it allows, except on expressways, where terrain constrains (the mountain-city
#: allowance). Residential and service streets: GB 50180-2018's residential roads in
#: mountain towns (about 11 %). Footways and paths: 15 %, steeper ground in Chongqing is
#: built as steps (``highway=steps`` is never capped). Steeper DEM grades are clipped to the
#: cap and reported per class (``network info``, the run summary), never dropped silently.
MAX_GRADE_PCT: dict[str, float] = {
    "motorway": 5.0,
    "trunk": 6.0,
    "primary": 8.0,
    "secondary": 9.0,
    "tertiary": 9.0,
    "unclassified": 11.0,
    "residential": 11.0,
    "living_street": 11.0,
    "service": 11.0,
    "road": 11.0,
    "pedestrian": 15.0,
    "footway": 15.0,
    "path": 15.0,
    "cycleway": 15.0,
    "track": 15.0,
    "bridleway": 15.0,
    "corridor": 15.0,
}
#: Every value of OSM's ``highway`` key (wiki Key:highway: roads, links, paths, lifecycle and
#: the point features): one of them given as a main-street class is never "misspelled"
#: (probe 26R: ``services``, a real value, was refused as a typo of ``service``).
OSM_HIGHWAY_VALUES = frozenset(
    {
        *MAX_GRADE_PCT,
        *(f"{c}_link" for c in ("motorway", "trunk", "primary", "secondary", "tertiary")),
        *("busway", "bus_guideway", "escape", "raceway", "steps", "via_ferrata", "ladder"),
        *("elevator", "platform", "services", "rest_area", "bus_stop", "crossing"),
        *("cyclist_waiting_aid", "emergency_bay", "emergency_access_point", "give_way"),
        *("milestone", "mini_roundabout", "motorway_junction", "passing_place", "stop"),
        *("speed_camera", "speed_display", "street_lamp", "toll_gantry", "traffic_mirror"),
        *("traffic_signals", "trailhead", "turning_circle", "turning_loop", "sidewalk"),
        *("construction", "proposed", "planned", "abandoned", "disused", "razed", "no"),
    }
)
#: Road classes as planners' own centreline layers write them (CJJ 37-2012's 快速路, 主干路,
#: 次干路, 支路 and the walkways of a hilly city) -> the OSM class the walk model times
#: (probe 20A: 道路等级 was not read, 梯道 timed as a street, every grade capped at 15 %).
#: The same words name the classes in ``--main-street-classes`` and ``--max-grade``.
ROAD_CLASS_WORDS: dict[str, str] = {
    **dict.fromkeys(("高速公路", "高速"), "motorway"),
    **dict.fromkeys(("快速路", "城市快速路", "快速道路"), "trunk"),
    **dict.fromkeys(("主干路", "主干道", "城市主干路", "城市主干道"), "primary"),
    **dict.fromkeys(("次干路", "次干道", "城市次干路", "城市次干道"), "secondary"),
    **dict.fromkeys(("支路", "城市支路"), "tertiary"),
    **dict.fromkeys(("匝道",), "trunk_link"),
    **dict.fromkeys(("街巷", "巷道", "小巷", "居住区道路", "生活街道"), "residential"),
    **dict.fromkeys(("小区道路", "小区路", "内部道路", "服务道路"), "service"),
    **dict.fromkeys(("步行街",), "pedestrian"),
    **dict.fromkeys(("人行道", "步行道", "人行路", "绿道", "游步道", "人行天桥", "天桥",
                     "人行地道", "地下通道"), "footway"),
    **dict.fromkeys(("梯道", "梯坎", "台阶", "步梯", "踏步", "梯步"), "steps"),
    **dict.fromkeys(("自行车道", "非机动车道"), "cycleway"),
    # probe 23N: a planner had no word for them (walked as streets): an escalator is a
    # conveying flight of steps, a lift drawn as a line costs its 60 s once
    **dict.fromkeys(("自动扶梯", "扶梯", "电动扶梯"), "steps"),
    **dict.fromkeys(("自动人行道", "自动步道"), "footway"),
    **dict.fromkeys(("电梯", "垂直电梯", "升降梯", "观光电梯"), "elevator"),
}  # fmt: skip
#: Road classes whose lines convey (``conveying=yes`` unless the layer says otherwise).
CONVEYING_WORDS: tuple[str, ...] = ("自动扶梯", "扶梯", "电动扶梯", "自动人行道", "自动步道")
#: Columns of a planner's centreline layer read as OSM tags (when the tag's own is absent).
LINE_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "highway": ("道路等级", "道路级别", "道路类别", "道路分类", "道路类型", "fclass"),
    "name": ("道路名称", "路名", "道路名", "名称"),
    "bridge": ("是否桥梁", "桥梁"),
    "tunnel": ("是否隧道", "隧道"),
    "layer": ("层级", "竖向层级"),
}


def _dbf_name(name: str) -> str:
    """A field name as a UTF-8 Shapefile keeps it: 10 bytes, whole characters (道路等级: 道路等)."""
    return name.encode("utf-8")[:10].decode("utf-8", "ignore")


#: A UTF-8 Shapefile's field names are cut to 10 bytes: the cut aliases stand for them too
#: (probe 20R: 道路等 was read as no column at all).
LINE_COLUMN_ALIASES = {
    tag: tuple(dict.fromkeys([*names, *(_dbf_name(n) for n in names)]))
    for tag, names in LINE_COLUMN_ALIASES.items()
}


def road_class(word: object) -> str:
    """The OSM class of a road class as written (主干路 is primary; primary stays primary)."""
    text = str(word).strip()
    return ROAD_CLASS_WORDS.get(text, text.lower())


#: Building a network warns when the pieces not connected to its largest part hold at least
#: this share (%) of its length (an OSM extract of Yuzhong drops about 6 %: islands of
#: footways in private grounds; a CAD export with digitising gaps drops half).
COMPONENT_DROP_WARN_PCT: float = 10.0
#: Cap of a class not in :data:`MAX_GRADE_PCT` (%).
MAX_GRADE_PCT_OTHER: float = 15.0
#: Where an edge's grade comes from (the ``grade_source`` column, coded by position).
GRADE_SOURCES: tuple[str, ...] = ("flat", "dem", "incline", "bridge", "flat-outside-dem")
#: A hilly run warns when its DEM covers less than this share of the demand.
DEM_MIN_DEMAND_SHARE: float = 0.95
#: The headline's sensitivity range: coverage again at these walking speeds (km/h; GB
#: 50180-2018's 15-minute circle of 800-1,000 m implies 3.2-4.0 km/h) ...
SENSITIVITY_SPEEDS_KMH: tuple[float, ...] = (3.2, 4.0, 4.5)
#: ... under the configured model and under ``flat``.
SENSITIVITY_ALT_MODEL: str = "flat"
#: (Chinese, English) labels of the shares a hilly run times flat outside the DEM.
DEM_FLAT_LABELS: dict[str, tuple[str, str]] = {
    "demand": ("DEM 未覆盖、按平地计时的需求", "Demand timed flat (outside the DEM)"),
    "length": ("DEM 未覆盖、按平地计时的路网长度", "Network length timed flat (outside the DEM)"),
}

# ----------------------------------------------------------------------------- analysis

#: The walking-time limit of the coverage test (minutes).
MINUTES: float = 15.0
#: A replacement for a station that may close (``coverage.exit_candidates_sites``) lies at
#: least this far from it in a straight line (metres): a candidate nearer is the station's own
#: building or doorstep (an OSM point of the same shop), which "recovers" all it covered.
EXIT_REPLACEMENT_MIN_DIST_M: float = 100.0
#: Walking corridor either side of a reachable street in isochrone polygons (metres).
CORRIDOR_M: float = 25.0
#: The widest corridor accepted (metres): wider, an isochrone is no walk along streets (probe
#: 25E: 1e7 m drew "isochrones" round the globe, 1e300 m failed in GEOS).
CORRIDOR_MAX_M: float = 1_000.0
#: Ways to draw isochrone polygons (``auto``: see :data:`ISOCHRONE_AUTO_EXACT_MAX_STATIONS`).
ISOCHRONE_METHODS: tuple[str, ...] = ("auto", "exact", "grid")
#: Segments per quarter circle of an isochrone corridor's round ends and joins.
ISOCHRONE_QUAD_SEGS: int = 4
#: Grid spacing of the ``grid`` isochrone method (metres).
GRID_CELL_M: float = 10.0
#: Demand kinds of a demand specification.
DEMAND_KINDS: tuple[str, ...] = ("main-streets", "buildings", "points", "grid")
#: The ``[demand]`` keys each demand kind uses besides ``kind`` and ``within`` (every kind's):
#: run.json and the reports record only these (probe 26B: a buildings run recorded
#: ``spacing_m = 50``, the main streets' point spacing it never used).
DEMAND_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "main-streets": ("spacing_m", "main_street_classes", "off_ground"),
    "buildings": ("file", "crs", "population", "default_levels"),
    "points": ("file", "weight_column", "crs"),
    "grid": ("cell_m",),
}
#: One main-street demand point per this many metres of street.
STREET_SPACING_M: float = 50.0
#: Memory limit of the work a run may start, GB (``None``: the memory available now); see
#: :mod:`harbor_planner.resources`. ``--memory-limit``, ``coverage.memory_limit_gb`` and the
#: environment variable :data:`MEMORY_LIMIT_ENV` set it per run.
MEMORY_LIMIT_GB: float | None = None
#: Environment variable giving the memory limit in GB.
MEMORY_LIMIT_ENV: str = "HARBOR_PLANNER_MEMORY_GB"
# -- isochrone method auto and city centres (issue 16) --
#: ``method="auto"`` (the default) draws isochrones ``exact`` for up to this many stations on
#: the network and on the ``grid`` above (measured crossover on Yuzhong: see README).
ISOCHRONE_AUTO_EXACT_MAX_STATIONS: int = 100
#: The default isochrone method of the CLI, the scenario (``output.isochrone_method``) and API.
ISOCHRONE_METHOD: str = "auto"
#: Radius around each city centre within which its demand is counted, metres (straight line).
CENTRE_RADIUS_M: float = 1000.0
#: The largest radius of a city centre's circle, metres (past it the figure is a district's).
CENTRE_RADIUS_MAX_M: float = 20_000.0
#: Coordinates of a centres CSV unless stated (``centres.crs``, ``--centres-crs``).
CENTRES_CRS: str = "wgs84"

#: The largest total weight of a demand (a float counts whole units exactly only below 2**53,
#: about 9e15; no count of people, metres or floor area comes near it).
DEMAND_TOTAL_MAX: float = 1e15
# study area (issue 16): see :mod:`harbor_planner.study_area`
#: The district of demand in no district of the layer: Chongqing's 区县, a layer of one's own.
OUTSIDE_CHONGQING: str = "(outside Chongqing)"
OUTSIDE_DISTRICTS: str = "(outside the districts)"
#: Those rows' names as the Chinese outputs show them (the CSV tables keep the names above).
OUTSIDE_LABELS_ZH: dict[str, str] = {
    OUTSIDE_CHONGQING: "（重庆市外）",
    OUTSIDE_DISTRICTS: "（不在所给区县内）",
}
#: A district layer of one's own with more of the demand than this share (percent) outside
#: every district of it is warned of (a layer drawn elsewhere, or with a wrong CRS).
DISTRICTS_MAX_OUTSIDE_PCT: float = 50.0
#: A district of the demand is "too small" (需求过少) when it holds less than this share of
#: the study's demand (percent) ...
DISTRICT_MIN_SHARE_PCT: float = 0.5
#: ... or fewer demand points than this (30 main-street points = 1.5 km of main street at
#: the default spacing): its coverage is not a figure to publish (a sliver of a neighbouring
#: district at the edge of the network), so it is marked, not coloured.
DISTRICT_MIN_POINTS: int = 30
#: Status of each row of the district tables: in the study area, outside it, too little demand.
DISTRICT_STATUSES: tuple[str, ...] = (
    "study", "outside", "too_small", "no_network", "partial", "no_demand",
)  # fmt: skip
#: A district with less than this share (%) of its area (in the study area) inside the walk
#: network's extent is marked ``partial`` (路网仅覆盖部分): an extract of one district grazes
#: its neighbours, and their figure is that of a few streets (probe 27A: 九龙坡区 42 % from a
#: network reaching 3 % of it). ``study.min_district_network_pct``; 0 turns it off.
DISTRICT_MIN_NETWORK_PCT: float = 50.0
#: The network's extent (:mod:`harbor_planner.network.extent`): cells of this size (metres)
#: within ``NETWORK_EXTENT_REACH_M`` of its streets, and the cells they enclose.
NETWORK_EXTENT_CELL_M: float = 200.0
NETWORK_EXTENT_REACH_M: float = 500.0
#: A district with at least this share (%) of its demand farther than the snapping distance
#: from every walkable street is marked ``no_network``: the network does not hold its streets,
#: and its figure (that demand counted as not covered) is no measured coverage (probe 20B).
DISTRICT_MAX_BEYOND_NETWORK_PCT: float = 50.0
#: (Chinese, English) label of each district status (tables, map, report).
DISTRICT_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "study": ("研究范围内", "in the study area"),
    "outside": ("研究范围外", "outside the study area"),
    "too_small": ("需求过少", "too little demand"),
    "no_network": ("路网未覆盖", "beyond the walk network"),
    "partial": ("路网仅覆盖部分", "walk network covers only part"),
    "no_demand": ("无需求", "no demand"),
}
#: (Chinese, English) name of the study-area layer and its legend entry.
STUDY_AREA_LABEL: tuple[str, str] = ("研究范围", "Study area")
#: Outline colour of the study area on the maps.
STUDY_AREA_COLOR: str = "#111827"
#: File suffixes that make ``--study-area`` a polygon layer rather than district names.
STUDY_AREA_SUFFIXES: tuple[str, ...] = (".gpkg", ".geojson", ".json", ".shp", ".kml", ".zip")

# ----------------------------------------------------------------------------- optimise

#: Optimisation modes: maximal coverage (add N) or set cover (reach a target).
OPTIMIZE_MODES: tuple[str, ...] = ("max-cover", "cover")
#: Solvers: lazy greedy with a proven bound, or the exact model through HiGHS.
SOLVERS: tuple[str, ...] = ("greedy", "exact")
#: Minimum spacing measured in a straight line or along the network.
SPACING_BY: tuple[str, ...] = ("line", "walk")
#: Walking spacing still keeps sites this close in a straight line apart (or the minimum
#: spacing, if less): the two carriageways of a divided road, joined for walkers only at
#: junctions, are far apart on foot but one place to build at (probe 21O: sites 22 m apart).
SPACING_SAME_PLACE_M: float = 50.0
#: Automatic street candidates every this many metres.
CANDIDATE_SPACING_M: float = 200.0
#: Time limit of the exact solver, seconds.
TIME_LIMIT_S: float = 600.0
#: Relative optimality gap at which the exact solver stops.
MIP_GAP: float = 1e-4
#: Issue 17 (city-scale optimiser): most matrix entries the dominated-candidate tests may
#: touch (pairs beyond are left untested, both candidates kept).
DOMINANCE_MAX_WORK: int = 200_000_000
#: Issue 17: most subgradient steps of the Lagrangian bound, and its time budget (seconds).
LAGRANGE_ITERATIONS: int = 300
LAGRANGE_TIME_S: float = 7.0
#: Issue 17: time budget of the swap local search after greedy (seconds).
SWAP_TIME_S: float = 5.0
#: Issue 17: the exact solver still runs when the bound already meets the target gap if the
#: problem left has at most this many candidates (cheap: a proven optimum instead).
EXACT_SMALL_COLUMNS: int = 5000
# -- fast greedy bound (issue 17, greedy with its bound under 30 s) --
#: Greedy's own bound (plan so far + the best stale gains) is taken at most this many times.
GREEDY_BOUND_CHECKS: int = 64
#: The Lagrangian bound stops once the relative gap to the best plan is below this.
LAGRANGE_TARGET_GAP: float = 0.002
#: A solve is reported "optimal" only when its relative gap is at most this; a gap within
#: the requested ``mip_gap`` but larger is reported "gap_met" (see STATUS_GAP_MET).
OPTIMAL_REL_GAP: float = 1e-6
#: Status of a solve stopped because the proven gap met the requested ``mip_gap``.
STATUS_GAP_MET: str = "gap_met"
#: Time budgets of the swaps and of the Lagrangian bound when HiGHS follows (``exact``): a
#: tighter bound there saves far more HiGHS time than it costs (seconds).
SWAP_TIME_EXACT_S: float = 60.0
LAGRANGE_TIME_EXACT_S: float = 60.0
# -- lean coverage matrix (issue 17) --
#: Candidates searched per block while the coverage matrix is built: each block's searches
#: become its int32 columns and are dropped (memory: the block plus the final matrix).
COVERAGE_CHUNK_SOURCES: int = 8192
#: Snapping first measures the edges within this distance of each point in one vectorised
#: pass (metres); points farther from every street go to the slower nearest-neighbour search.
SNAP_FIRST_RADIUS_M: float = 10.0
#: A point goes to a ground-level street at most this much farther than the bridge, tunnel,
#: layered or indoor way nearest it (metres: a street's half-width and its pavement; probe
#: 22I: a station 2.7 m from its street was anchored in the tunnel 1.4 m under it). Farther,
#: the point stands on that way (a bus stop on a viaduct, a point on a river bridge: 22R).
GROUND_STREET_PREFER_M: float = 15.0

# ---- partitioned runs on dask.distributed (issue 18; pipeline/partition.py, cluster.py) ----
#: ``run.partition``: split the study by district (``coverage.districts``, else Chongqing's
#: 区县); any other value is a polygon layer whose polygons are the parts.
PARTITION_DISTRICT: str = "district"
#: Worker processes of the local cluster when no scheduler is given (``None``: one per CPU).
PARTITION_WORKERS: int | None = None
#: Dask runs a failed part again this many times before the run fails.
PARTITION_RETRIES: int = 1
#: A partitioned run stops when its cluster has had no worker for this long (seconds): a
#: local cluster whose worker processes keep dying while they start gives up restarting them.
NO_WORKERS_TIMEOUT_S: float = 60.0
#: How often (seconds) a partitioned run waiting for its parts looks whether workers are left.
WORKER_WATCH_S: float = 5.0
#: Name columns looked for in a partition layer when ``run.partition_name`` is not given.
PARTITION_NAME_COLUMNS: tuple[str, ...] = ("name", "name_zh", "district", "区县", "NAME")
#: Dask settings of the local cluster (no dashboard: its profiler and monitors only take time
#: from the parts on a machine whose cores all run them). Dask's MALLOC_TRIM_THRESHOLD_ for
#: worker processes is left unset: with it glibc maps and unmaps every large array anew, which
#: made a part 19 % slower (a part of the 1M mosaic in a worker thread: 4.31 s against 3.63 s,
#: peak 1.84 against 2.18 GiB).
LOCAL_CLUSTER_CONFIG: dict[str, object] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.tick.limit": "30s",
}
#: A stage split by district goes to the cluster's workers (one task per district) only when
#: its districts hold at least this many coverage-matrix entries in all; smaller ones are
#: solved on the client (sending them and starting the solver on a worker costs more).
DISTRICT_SOLVE_MIN_ENTRIES: int = 200_000

# ----------------------------------------------------------------------------- outputs

#: Kinds of output a result folder can hold.
OUTPUT_FORMATS: tuple[str, ...] = ("tables", "map", "report", "xlsx", "gpkg")
#: Basemaps of the HTML maps.
BASEMAPS: tuple[str, ...] = ("osm", "amap", "tianditu", "none")
#: Languages of maps and reports.
LANGS: tuple[str, ...] = ("zh", "en")
#: Isochrone bands drawn on maps (minutes): those below the study's walking limit, then the
#: limit itself (:func:`map_bands_for`), unless ``output.map_bands`` says otherwise.
MAP_BANDS_MINUTES: tuple[float, ...] = (5.0, 10.0, 15.0)


def map_bands_for(minutes: float) -> list[float]:
    """The default map bands of a study walking ``minutes`` (12: 5, 10, 12; 20: 5, 10, 15, 20).

    Parameters
    ----------
    minutes
        The study's walking limit (``coverage.minutes``).

    Returns
    -------
    list of float

    """
    return [b for b in MAP_BANDS_MINUTES if b < minutes] + [float(minutes)]


#: Isochrones are left off maps above this many stations.
MAP_MAX_STATIONS: int = 300
#: A setting whose name contains one of these words holds a secret (the Tianditu key): it is
#: used where needed (the map's tile URL) and shown as :data:`REDACTED` everywhere else.
SECRET_WORDS: tuple[str, ...] = ("key", "token", "secret", "password")
#: What run.json, the reports and the logs show for a secret that was set.
REDACTED: str = "(set)"
#: The date written into GeoPackages and workbooks (their own "last change" fields), so that
#: the same inputs give the same bytes; the time of a run is in its run.json.
FILE_DATE: str = "2000-01-01T00:00:00Z"
#: Measured timings among the figures of a result: left out of summary.json and the reports
#: (they differ between identical runs); run.json keeps the run's timings.
TIMING_KEYS: tuple[str, ...] = (
    "runtime_s",
    "build_s",
    # the optimiser's phases (optimize.solver_info, issue 17)
    "time_reduce_s",
    "time_dominance_s",
    "time_merge_s",
    "time_greedy_s",
    "time_swaps_s",
    "time_lagrange_s",
    "time_rank_s",
)

# ---- station status in the headline, reports in one vocabulary (issue 16) ----
#: Cumulative status scopes of the coverage headline (:mod:`harbor_planner.analysis.scopes`):
#: built stations, then with those under construction, proposed, candidates. Stations without
#: a status count as built.
STATUS_SCOPE_ORDER: tuple[str, ...] = ("existing", "building", "proposed", "candidate")
#: A new site is named after the nearest named street or place within this distance (metres);
#: farther, it reads "无名道路" / "unnamed street".
SITE_NAME_MAX_DIST_M: float = 150.0
#: (Chinese, English) words for the kinds of candidate sites (streets, files, OSM POI kinds).
SITE_KIND_LABELS: dict[str, tuple[str, str]] = {
    "street": ("街道点位", "street point"),
    "file": ("候选点位", "candidate site"),
    "poi": ("兴趣点", "point of interest"),
    "toilets": ("公共厕所", "public toilet"),
    "fuel": ("加油站", "petrol station"),
    "bank": ("银行网点", "bank"),
    "community_centre": ("社区活动中心", "community centre"),
    "community_office": ("社区/街道办公点", "community office"),
    "square": ("广场", "square"),
    "metro_entrance": ("地铁出入口", "metro entrance"),
    "metro_station": ("地铁站", "metro station"),
    "bus_stop": ("公交站", "bus stop"),
}

# ---- the planning page, ``harbor-planner serve`` (issue 19; see serve/) ----
#: Address and port the page binds by default (only this machine can reach it).
SERVE_HOST: str = "127.0.0.1"
SERVE_PORT: int = 8765
#: Largest request body accepted, bytes (refused with 413 before it is read).
SERVE_MAX_BODY_BYTES: int = 64 * 1024
#: Most stations a plan may hold; most sites the optimiser may be asked for at once.
SERVE_MAX_STATIONS: int = 5000
SERVE_MAX_SITES: int = 500
#: Longest station name or id accepted from the page, characters.
SERVE_MAX_NAME_CHARS: int = 200
#: Most undo steps kept.
SERVE_UNDO_STEPS: int = 200
#: Demand points drawn on the page at most (a regular sample above; figures use them all).
SERVE_MAP_MAX_DEMAND: int = 60_000
#: The folder written to (saved station lists, exported results) beside the scenario file.
SERVE_OUT_DIR: str = "plan"
#: Names of the saved station lists in that folder.
SERVE_STATIONS_FILES: tuple[str, str] = ("plan_stations.csv", "plan_stations.gpkg")
#: Where serve leaves the plan's edits not saved when it stops (the saved plan kept as it was).
SERVE_UNSAVED_FILE: str = "plan_stations.unsaved.csv"
#: The file of that folder listing the files serve wrote, with their SHA-256.
SERVE_MANIFEST: str = "serve.json"
#: Statuses a station may be given on the page.
SERVE_STATUSES: tuple[str, ...] = ("existing", "building", "proposed", "candidate", "closed")


def site_kind_label(kind: object, lang: str = "zh") -> str:
    """The kind of a candidate site in words (:data:`SITE_KIND_LABELS`).

    Parameters
    ----------
    kind
        A kind code (``street``, ``file``, ``bus_stop`` ...) or a user's own word.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The label; an unknown English code reads as a point of interest in Chinese (a
        user's own Chinese word is returned as given), as given in English.

    """
    text = "" if kind is None else str(kind).strip()
    pair = SITE_KIND_LABELS.get(text.lower())
    if pair is not None:
        return pair[0 if lang == "zh" else 1]
    if not text:
        return ""
    if lang == "zh" and text.isascii():
        return SITE_KIND_LABELS["poi"][0]
    return text


def status_label(status: str, lang: str = "zh") -> str:
    """The label of a normalised status in ``lang`` (unknown values are returned as given).

    Parameters
    ----------
    status
        One of :data:`STATUS_VALUES`.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The label shown on maps, in reports and in workbooks.

    """
    pair = STATUS_LABELS.get(str(status))
    if pair is None:
        return str(status)
    return pair[0 if lang == "zh" else 1]

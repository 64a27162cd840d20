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
    "CORRIDOR_M",
    "DATUM_GUARD_MIN_MEDIAN_M",
    "DATUM_GUARD_MIN_POINTS",
    "DATUM_GUARD_RATIO",
    "DATUM_MIXED_MIN_ROWS",
    "DATUM_MIXED_MIN_SHARE",
    "DATUM_ROW_GAIN_M",
    "DATUM_ROW_RATIO",
    "DEMAND_KINDS",
    "DEM_OUTSIDE_CHOICES",
    "GRID_CELL_M",
    "ISOCHRONE_METHODS",
    "LANGS",
    "MAP_BANDS_MINUTES",
    "MAP_MAX_STATIONS",
    "MEMORY_LIMIT_ENV",
    "MEMORY_LIMIT_GB",
    "MINUTES",
    "MIP_GAP",
    "OPTIMIZE_MODES",
    "OUTPUT_FORMATS",
    "SNAP_MAX_DIST_M",
    "SNAP_TOLERANCE_M",
    "SOLVERS",
    "SPACING_BY",
    "STATUS_LABELS",
    "STATUS_VALUES",
    "STREET_SPACING_M",
    "TIME_LIMIT_S",
    "WALK_MODELS",
    "WALK_SPEED_KMH",
    "status_label",
]

# ----------------------------------------------------------------------------- stations

#: Normalised station statuses, in planning order (lifecycle: proposed → building →
#: existing → closed; candidates are sites under consideration, not stations).
STATUS_VALUES: tuple[str, ...] = ("existing", "building", "proposed", "candidate", "closed")

#: (Chinese, English) label of each status, the same on the map, in the report and workbook.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "existing": ("已建成", "existing"),
    "building": ("在建", "under construction"),
    "proposed": ("拟建", "proposed"),
    "candidate": ("候选", "candidate"),
    "closed": ("已退出", "closed"),
}

#: Stations farther than this from a walkable street are left out (metres).
SNAP_MAX_DIST_M: float = 150.0

#: Datum guard (:func:`harbor_planner.stations.check_datum`): a file is taken to be in another
#: lon/lat datum than stated when, read in that datum, its median distance to the walkable
#: streets is at most this fraction of the stated reading's median ...
DATUM_GUARD_RATIO: float = 1 / 3
#: ... and the stated reading's median is over this many metres (a well-placed file lies a
#: few metres from the streets; in a dense centre such as Yuzhong a wrong datum still leaves
#: half the points within 20-30 m of some street, so the bar is low).
DATUM_GUARD_MIN_MEDIAN_M: float = 15.0
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

# ----------------------------------------------------------------------------- network

#: Walk models (see :mod:`harbor_planner.network.walk`).
WALK_MODELS: tuple[str, ...] = ("flat", "stairs", "hilly")
#: Default walking speed on flat ground, km/h.
WALK_SPEED_KMH: float = 4.5
#: What to do with edges outside the DEM.
DEM_OUTSIDE_CHOICES: tuple[str, ...] = ("error", "flat")
#: Line ends of a centreline layer closer than this are joined (metres).
SNAP_TOLERANCE_M: float = 1.0

# ----------------------------------------------------------------------------- analysis

#: The walking-time limit of the coverage test (minutes).
MINUTES: float = 15.0
#: Walking corridor either side of a reachable street in isochrone polygons (metres).
CORRIDOR_M: float = 25.0
#: Ways to draw isochrone polygons.
ISOCHRONE_METHODS: tuple[str, ...] = ("exact", "grid")
#: Grid spacing of the ``grid`` isochrone method (metres).
GRID_CELL_M: float = 10.0
#: Demand kinds of a demand specification.
DEMAND_KINDS: tuple[str, ...] = ("main-streets", "buildings", "points", "grid")
#: One main-street demand point per this many metres of street.
STREET_SPACING_M: float = 50.0
#: Memory limit of the work a run may start, GB (``None``: the memory available now); see
#: :mod:`harbor_planner.resources`. ``--memory-limit``, ``coverage.memory_limit_gb`` and the
#: environment variable :data:`MEMORY_LIMIT_ENV` set it per run.
MEMORY_LIMIT_GB: float | None = None
#: Environment variable giving the memory limit in GB.
MEMORY_LIMIT_ENV: str = "HARBOR_PLANNER_MEMORY_GB"

# study area (issue 16): see :mod:`harbor_planner.study_area`
#: A district of the demand is "too small" (需求过少) when it holds less than this share of
#: the study's demand (percent) ...
DISTRICT_MIN_SHARE_PCT: float = 0.5
#: ... or fewer demand points than this (30 main-street points = 1.5 km of main street at
#: the default spacing): its coverage is not a figure to publish (a sliver of a neighbouring
#: district at the edge of the network), so it is marked, not coloured.
DISTRICT_MIN_POINTS: int = 30
#: Status of each row of the district tables: in the study area, outside it, too little demand.
DISTRICT_STATUSES: tuple[str, ...] = ("study", "outside", "too_small")
#: (Chinese, English) label of each district status (tables, map, report).
DISTRICT_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "study": ("研究范围内", "in the study area"),
    "outside": ("研究范围外", "outside the study area"),
    "too_small": ("需求过少", "too little demand"),
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
#: Automatic street candidates every this many metres.
CANDIDATE_SPACING_M: float = 200.0
#: Time limit of the exact solver, seconds.
TIME_LIMIT_S: float = 600.0
#: Relative optimality gap at which the exact solver stops.
MIP_GAP: float = 1e-4

# ----------------------------------------------------------------------------- outputs

#: Kinds of output a result folder can hold.
OUTPUT_FORMATS: tuple[str, ...] = ("tables", "map", "report", "xlsx", "gpkg")
#: Basemaps of the HTML maps.
BASEMAPS: tuple[str, ...] = ("osm", "amap", "tianditu", "none")
#: Languages of maps and reports.
LANGS: tuple[str, ...] = ("zh", "en")
#: Isochrone bands drawn on maps (minutes).
MAP_BANDS_MINUTES: tuple[float, ...] = (5.0, 10.0, 15.0)
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
TIMING_KEYS: tuple[str, ...] = ("runtime_s", "build_s")


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

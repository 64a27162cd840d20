"""Readers of the files planners have: tables (CSV/XLSX) and GIS layers.

Every reader keeps the file's own headers and row numbers so that later checks can name the
row and column at fault. Stations, demand and candidates all read through these.
"""

from harbor_planner.readers.layers import (
    coord_columns,
    layer_to_wgs84,
    read_geo,
    read_table,
    read_vector,
    table_coords,
)
from harbor_planner.readers.tables import (
    ALIAS_INDEX,
    COLUMN_ALIASES,
    RawTable,
    norm_header,
    problem,
    read_csv,
    read_xlsx,
)

__all__ = [
    "ALIAS_INDEX",
    "COLUMN_ALIASES",
    "RawTable",
    "coord_columns",
    "layer_to_wgs84",
    "norm_header",
    "problem",
    "read_csv",
    "read_geo",
    "read_table",
    "read_vector",
    "read_xlsx",
    "table_coords",
]

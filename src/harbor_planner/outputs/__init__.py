"""Outputs of a result: the HTML map, the HTML report, the workbook, the layers, the folder.

One module per product, with the words they share in one place:

================  ============================================================================
module            job
================  ============================================================================
``labels``        Chinese/English labels of maps, reports and workbooks (statuses from
                  :func:`harbor_planner.settings.status_label`)
``values``        numbers, percentages and cells for display
``cells``         workbook cells that are never formulas, workbooks with reproducible bytes
                  (CSV text: :func:`harbor_planner._text.csv_safe`)
``map``           :func:`make_map`, :func:`save_map` (layers in ``map_specs``, Leaflet and the
                  page's CSS/JavaScript in ``map_assets``)
``report_html``   ``report_html.report_html``, :func:`write_report_html` (charts in ``svg``)
``report_xlsx``   :func:`write_report_xlsx`
``layers``        :func:`report_layers`, :func:`write_layers_gpkg`
``folder``        :func:`write_outputs`: every file of a result folder in one call
================  ============================================================================
"""

from __future__ import annotations

from harbor_planner.outputs.folder import FILES, write_outputs
from harbor_planner.outputs.layers import report_layers, write_layers_gpkg
from harbor_planner.outputs.map import make_map, save_map
from harbor_planner.outputs.report_html import source_info, write_report_html
from harbor_planner.outputs.report_xlsx import write_report_xlsx
from harbor_planner.outputs.svg import coverage_curve_svg

__all__ = [
    "FILES",
    "coverage_curve_svg",
    "make_map",
    "report_layers",
    "save_map",
    "source_info",
    "write_layers_gpkg",
    "write_outputs",
    "write_report_html",
    "write_report_xlsx",
]

"""Tables and files of a site selection: the sites, the coverage curve, the summary."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner._io import atomic_path
from harbor_planner._stable import without_timings, write_gpkg_layer
from harbor_planner._text import csv_safe
from harbor_planner.optimize.select import SiteSelection

__all__ = ["selected_sites", "write_selection"]

log = logging.getLogger(__name__)


def selected_sites(selection: SiteSelection, candidates: Any) -> Any:
    """The chosen candidates as a GeoDataFrame in WGS-84, in rank order.

    Columns ``site_id``, ``lon``, ``lat``, ``rank``, ``gain``, ``district``, ``kind``,
    ``stage``, then ``name``, ``source``, ``cost`` where the candidates have them.
    """
    import geopandas as gpd

    rows = candidates.iloc[selection.selected].to_crs("EPSG:4326")
    xy = np.column_stack([rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()])
    out = pd.DataFrame(
        {
            "site_id": selection.site_ids.astype(str),
            "lon": np.round(xy[:, 0], 7),
            "lat": np.round(xy[:, 1], 7),
            "rank": np.arange(1, len(selection.selected) + 1),
            "gain": selection.gains,
            "district": rows["district"].to_numpy() if "district" in rows else None,
            "kind": rows["kind"].to_numpy() if "kind" in rows else None,
            "stage": selection.stage,
        }
    )
    for col in ("name", "source", "cost"):
        if col in rows:
            out[col] = rows[col].to_numpy()
    return gpd.GeoDataFrame(out, geometry=rows.geometry.to_numpy(), crs="EPSG:4326")


def write_selection(
    selection: SiteSelection,
    candidates: Any,
    out_dir: str | Path,
    *,
    extra: dict[str, Any] | None = None,
    summary: bool = True,
) -> list[Path]:
    """Write ``selected_sites.csv``/``.gpkg``, ``coverage_curve.csv`` and ``summary.json``.

    ``summary.json`` (the selection's figures and ``extra``) is left out when ``summary`` is
    false (a scenario run writes its own).

    CSV files are UTF-8 with a byte-order mark (Excel shows Chinese correctly), their text
    cells never read as formulas (:func:`harbor_planner._text.csv_safe`); every file is
    written atomically, the same selection giving the same bytes (no timings in
    ``summary.json``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sites = selected_sites(selection, candidates)
    written: list[Path] = []
    path = out / "selected_sites.csv"
    with atomic_path(path) as tmp:
        csv_safe(sites.drop(columns="geometry")).to_csv(tmp, index=False, encoding="utf-8-sig")
    written.append(path)
    path = out / "selected_sites.gpkg"
    with atomic_path(path) as tmp:
        write_gpkg_layer(sites, tmp, "selected_sites")
    written.append(path)
    path = out / "coverage_curve.csv"
    with atomic_path(path) as tmp:
        csv_safe(selection.curve).to_csv(tmp, index=False, encoding="utf-8-sig")
    written.append(path)
    if summary:
        figures = without_timings({**selection.summary(), **(extra or {})})
        path = out / "summary.json"
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(path)
    log.info("wrote %s", ", ".join(p.name for p in written))
    return written

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
from harbor_planner._text import csv_safe, published_pcts
from harbor_planner.optimize.select import SiteSelection

__all__ = ["selected_sites", "write_selection"]

log = logging.getLogger(__name__)


def selected_sites(
    selection: SiteSelection, candidates: Any, *, network: Any | None = None, lang: str = "zh"
) -> Any:
    """The chosen candidates as a GeoDataFrame in WGS-84, in rank order, named.

    Columns ``rank``, ``name`` (the site's own name, else the nearest named street of
    ``network`` within :data:`harbor_planner.settings.SITE_NAME_MAX_DIST_M`, else
    "无名道路"; blank without ``network``), ``kind_text`` (the kind in words, in ``lang``),
    ``site_id``, ``lon``/``lat`` (WGS-84), ``lon_gcj02``/``lat_gcj02`` (GCJ-02, for AMap),
    ``gain``, ``district``, ``kind`` (the code), ``stage``, then ``source`` and ``cost``
    where the candidates have them.
    """
    import geopandas as gpd

    from harbor_planner.optimize.naming import site_places
    from harbor_planner.settings import site_kind_label

    rows = candidates.iloc[selection.selected].to_crs("EPSG:4326")
    places = site_places(rows, network)
    kinds = rows["kind"].to_numpy() if "kind" in rows else np.full(len(rows), None)
    out = pd.DataFrame(
        {
            "rank": np.arange(1, len(selection.selected) + 1),
            "name": places["name"].to_numpy(),
            "kind_text": [site_kind_label(k, lang) for k in kinds],
            "site_id": selection.site_ids.astype(str),
            **{c: places[c].to_numpy() for c in ("lon", "lat", "lon_gcj02", "lat_gcj02")},
            "gain": selection.gains,
            "district": rows["district"].to_numpy() if "district" in rows else None,
            "kind": kinds,
            "stage": selection.stage,
        }
    )
    for col in ("source", "cost"):
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
    sites: Any | None = None,
    network: Any | None = None,
) -> list[Path]:
    """Write ``selected_sites.csv``/``.gpkg``, ``coverage_curve.csv`` and ``summary.json``.

    ``summary.json`` (the selection's figures and ``extra``) is left out when ``summary`` is
    false (a scenario run writes its own). ``sites``: the named sites of
    :func:`selected_sites` (default: made from the candidates, named by the streets of
    ``network`` where they have no name of their own; without it such names stay blank).

    CSV files are UTF-8 with a byte-order mark (Excel shows Chinese correctly), their text
    cells never read as formulas (:func:`harbor_planner._text.csv_safe`); every file is
    written atomically, the same selection giving the same bytes (no timings in
    ``summary.json``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sites = selected_sites(selection, candidates, network=network) if sites is None else sites
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
        csv_safe(published_pcts(selection.curve)).to_csv(tmp, index=False, encoding="utf-8-sig")
    written.append(path)
    if summary:
        figures = without_timings({**selection.summary(), **(extra or {})})
        path = out / "summary.json"
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written.append(path)
    log.info("wrote %s", ", ".join(p.name for p in written))
    return written

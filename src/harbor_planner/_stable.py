"""Reproducible bytes: the same inputs give byte-identical GeoPackages and workbooks.

GDAL stamps each GeoPackage table with the time it was written (``gpkg_contents.last_change``)
and ZIP containers (``.xlsx``) hold the time of each entry. The writers fix both to
:data:`harbor_planner.settings.FILE_DATE`; the time of a run belongs in its ``run.json``.
GeoPackage text cells lose their control characters on the way
(:func:`harbor_planner._text.clean_text`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harbor_planner import settings
from harbor_planner._text import clean_text

__all__ = [
    "file_datetime",
    "gpkg_text_clean",
    "stable_gpkg",
    "stable_zip",
    "without_timings",
    "write_gpkg_layer",
]


def file_datetime() -> dt.datetime:
    """:data:`harbor_planner.settings.FILE_DATE` as a naive UTC datetime."""
    return dt.datetime.fromisoformat(settings.FILE_DATE.replace("Z", "+00:00")).replace(tzinfo=None)


@contextlib.contextmanager
def stable_gpkg() -> Iterator[None]:
    """Within the block, GDAL stamps GeoPackages with :data:`~harbor_planner.settings.FILE_DATE`.

    Sets GDAL's ``OGR_CURRENT_DATE`` (through pyogrio) and restores the earlier value after.
    """
    import pyogrio

    stamp = file_datetime().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def gpkg_text_clean(frame: Any) -> Any:
    """``frame`` with the control characters removed from its text cells and column names.

    Parameters
    ----------
    frame
        A (Geo)DataFrame.

    Returns
    -------
    object
        ``frame`` itself when it is clean, else a cleaned copy.

    """
    import pandas as pd

    dirty = {}
    for col in frame.columns:
        values = frame[col]
        text = values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
        if text and any(isinstance(v, str) and clean_text(v) != v for v in values):
            dirty[col] = values.map(clean_text)
    names = [clean_text(c) if isinstance(c, str) else c for c in frame.columns]
    if not dirty and names == list(frame.columns):
        return frame
    out = frame.copy()
    for col, values in dirty.items():
        out[col] = values
    if names != list(frame.columns):
        geometry = getattr(frame, "_geometry_column_name", None)
        out = out.rename(columns=dict(zip(frame.columns, names, strict=True)))
        if geometry is not None and clean_text(geometry) != geometry:
            out = out.set_geometry(clean_text(geometry))
    return out


def write_gpkg_layer(
    frame: Any,
    path: str | os.PathLike[str],
    layer: str,
    *,
    append: bool = False,
    description: str | None = None,
) -> None:
    """Write one GeoPackage layer with clean text and a fixed date (see the module).

    Parameters
    ----------
    frame
        A GeoDataFrame.
    path
        The ``.gpkg`` file.
    layer
        The layer name.
    append
        Add the layer to an existing file (else the file is created).
    description
        The layer's description (``gpkg_contents.description``), if any.

    """
    options: dict[str, str] = {"mode": "a"} if append else {}
    if description:
        options["DESCRIPTION"] = clean_text(description)
    with stable_gpkg():
        gpkg_text_clean(frame).to_file(path, layer=layer, driver="GPKG", **options)


_OOXML_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def stable_zip(path: str | os.PathLike[str]) -> None:
    """Rewrite a ZIP file (an ``.xlsx``) with fixed dates, entries and compression unchanged.

    Every entry is dated :data:`~harbor_planner.settings.FILE_DATE`.

    The created and modified dates of an Office document's properties
    (``docProps/core.xml``, which openpyxl sets to the time of saving) get the same date.

    Parameters
    ----------
    path
        The ZIP file, rewritten in place.

    """
    path = Path(path)
    when = file_datetime()
    stamp = when.timetuple()[:6]
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _OOXML_DATES.sub(lambda m: m.group(1) + iso + m.group(2), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)


def without_timings(value: Any) -> Any:
    """Nested figures without the measured timings.

    The keys of :data:`harbor_planner.settings.TIMING_KEYS` differ between identical runs;
    they belong in run.json's own fields.

    Parameters
    ----------
    value
        Figures as nested mappings and lists (e.g. the content of ``summary.json``).

    Returns
    -------
    object
        A copy without the timing keys.

    """
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return {k: without_timings(v) for k, v in value.items() if k not in settings.TIMING_KEYS}
    if isinstance(value, list | tuple):
        return [without_timings(v) for v in value]
    return value

"""District quotas and excluded sites, read from the small tables planners keep.

A quota table has a district column (``district``, ``区县``, ``district_zh``, ``name`` or
``adcode``) and ``min``/``max`` new sites; or any district table with a numeric column that
``n_add`` new sites are split in proportion to (:func:`proportional_quotas`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from harbor_planner.errors import InputDataError
from harbor_planner.optimize.select import proportional_quotas

__all__ = ["quota_table", "read_excluded", "read_table"]

_DISTRICT_COLUMNS = ("district", "district_zh", "区县", "name", "adcode")


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A small CSV/XLSX table read as text (CSV in UTF-8 or GBK).

    Raises
    ------
    InputDataError
        The file is missing or cannot be decoded.

    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", path=path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, encoding=enc)
        except UnicodeDecodeError:
            continue
    raise InputDataError("cannot decode the table as UTF-8 or GBK", path=path)


def _district_key(table: pd.DataFrame, path: Path, custom: bool) -> pd.Series:
    """District names of a quota table, as the candidates' district column spells them."""
    cols = [c for c in _DISTRICT_COLUMNS if c in table]
    if not cols:
        raise InputDataError(
            "the quota table needs a district column (district, 区县, district_zh or adcode); "
            f"it has {', '.join(map(str, table.columns))}",
            path=path,
        )
    names = table[cols[0]].astype(str).str.strip()
    if custom:
        return names
    from harbor_planner.districts import chongqing_districts, match_district_names

    codes = match_district_names(names)
    bad = names[codes.isna()]
    if len(bad):
        raise InputDataError(
            f"unknown district(s) in the quota table: {', '.join(bad.tolist())}", path=path
        )
    zh = chongqing_districts().set_index("adcode")["name_zh"]
    return codes.map(zh)


def quota_table(
    path: str | os.PathLike[str],
    *,
    column: str | None = None,
    n_add: int | None = None,
    custom_districts: bool = False,
) -> pd.DataFrame:
    """The ``district``/``min``/``max`` quota table for :func:`~.select.select_sites`.

    Parameters
    ----------
    path
        CSV/XLSX table with a district column.
    column
        Split ``n_add`` new sites in proportion to this column; without it the table's own
        ``min`` and ``max`` columns are the quotas (a missing one means no bound).
    n_add
        Number of new sites to split (with ``column``).
    custom_districts
        The districts are the planners' own polygons (names taken as written); otherwise
        names or adcodes of Chongqing's 区县 are matched and spelt as ``name_zh``.

    Raises
    ------
    InputDataError
        Missing file or column, unknown district, ``column`` without ``n_add``.

    """
    path = Path(path)
    table = read_table(path)
    key = _district_key(table, path, custom_districts)
    if column is not None:
        if not n_add:
            raise InputDataError(
                f"a quota in proportion to {column!r} needs the number of new sites to split",
                path=path,
            )
        try:
            return proportional_quotas(table.assign(district=key), column=column, n_add=n_add)
        except InputDataError as exc:
            raise InputDataError(str(exc), path=path) from None
    return pd.DataFrame(
        {
            "district": key.to_numpy(),
            "min": table.get("min", np.nan),
            "max": table.get("max", np.nan),
        }
    )


def read_excluded(source: str | os.PathLike[str] | Sequence[str]) -> list[str]:
    """Site ids that may not be chosen: a list, or the first column of a CSV/XLSX table."""
    if isinstance(source, str | os.PathLike):
        return read_table(source).iloc[:, 0].astype(str).str.strip().tolist()
    return [str(x).strip() for x in source if str(x).strip()]

"""District quotas and excluded sites, read from the small tables planners keep.

A quota table has a district column (``district``, ``区县``, ``district_zh``, ``name`` or
``adcode``) and ``min``/``max`` new sites; or any district table with a numeric column that
``n_add`` new sites are split in proportion to (:func:`proportional_quotas`).
:func:`quota_arrays` turns a quota table into the per-candidate arrays the solvers use and
checks that the quotas can be met.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from harbor_planner._io import input_file
from harbor_planner.errors import InfeasibleError, InputDataError
from harbor_planner.optimize.matrix import CoverageMatrix

__all__ = [
    "proportional_quotas",
    "quota_arrays",
    "quota_bounds",
    "quota_table",
    "read_excluded",
    "read_table",
    "stage_minimums",
]

IntArray = npt.NDArray[np.int64]

_DISTRICT_COLUMNS = ("district", "district_zh", "区县", "name", "adcode")
_EXPECTED = "give a whole number of new sites, 0 to 1,000,000 (an empty cell means no bound)"
#: Bad cells named one by one in a message, at most.
_MAX_NAMED = 10


def _bound(value: object) -> float | None:
    """A quota cell as a number of new sites (NaN: empty, no bound); ``None`` if it is not one."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, str) and pd.isna(value):
        return np.nan  # an empty cell (None, NaN, pd.NA)
    text = str(value).strip()
    if not text:
        return np.nan
    try:
        number = float(text)
    except ValueError:
        return None
    if not np.isfinite(number) or number < 0 or not number.is_integer():
        return None
    if number > MAX_QUOTA:  # probe 23C: 2**63 overflowed to a negative count, or none
        return None
    return number


#: The largest number of new sites a quota cell may hold (far beyond any plan: 2**63 and
#: more overflowed the site counts).
MAX_QUOTA = 1_000_000


def quota_bounds(
    quotas: pd.DataFrame,
    *,
    rows: Sequence[str] | None = None,
    path: Path | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The ``min`` and ``max`` columns of a quota table as numbers, every cell checked.

    Parameters
    ----------
    quotas
        Table with ``min`` and ``max`` (text or numbers; a missing column means no bound).
    rows
        How each row is named in a message (``"row 2"`` as a file shows it); default its
        district.
    path
        The quota file, prefixed to the message.
    headers
        The file's own header of ``min``/``max`` (最少, 最多...), named in a message.

    Returns
    -------
    qmin, qmax
        Whole numbers of new sites, NaN where the cell is empty (no bound).

    Raises
    ------
    InputDataError
        A cell that is not a whole number of 0 or more (text, ``nan``, ``inf``, ``-1``,
        ``2.5``), or a ``max`` below the ``min`` of its row; every such cell named.

    """
    if rows is None:
        rows = [f"district {d}" for d in quotas["district"].astype(str)]
    bounds: dict[str, npt.NDArray[np.float64]] = {}
    bad: list[str] = []
    for col in ("min", "max"):
        values = quotas[col].tolist() if col in quotas else [np.nan] * len(quotas)
        parsed = [_bound(v) for v in values]
        bad += [
            f"{row}, column {(headers or {}).get(col, col)!r}: {str(v).strip()!r} is not a "
            "number of sites"
            for row, v, x in zip(rows, values, parsed, strict=True)
            if x is None
        ]
        bounds[col] = np.array([np.nan if x is None else x for x in parsed], dtype=np.float64)
    if bad:
        raise InputDataError(f"quota table: {_listed(bad)}; {_EXPECTED}", path=path)
    qmin, qmax = bounds["min"], bounds["max"]
    crossed = [
        f"{row}: max {hi:g} is less than min {lo:g}; give a max of at least {lo:g} (or leave "
        "it empty for no bound)"
        for row, lo, hi in zip(rows, qmin, qmax, strict=True)
        if hi < lo
    ]
    if crossed:
        raise InputDataError(f"quota table: {_listed(crossed)}", path=path)
    return qmin, qmax


def _listed(items: list[str]) -> str:
    more = len(items) - _MAX_NAMED
    return "; ".join(items[:_MAX_NAMED]) + (f"; and {more} more" if more > 0 else "")


def proportional_quotas(
    table: pd.DataFrame, *, column: str, n_add: int, district_column: str = "district"
) -> pd.DataFrame:
    """Split ``n_add`` new sites among districts in proportion to ``column``.

    Largest-remainder rounding (ties to the first row), so the quotas add up to ``n_add``
    exactly; each district gets ``min = max = share``.
    """
    if column not in table:
        raise InputDataError(
            f"quota table has no column {column!r}; columns: {', '.join(map(str, table))}"
        )
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(np.float64)
    if not np.isfinite(values).all() or (values < 0).any() or values.sum() <= 0:
        raise InputDataError(f"quota column {column!r} must hold numbers >= 0, not all 0")
    exact = n_add * values / values.sum()
    share = np.floor(exact).astype(np.int64)
    rest = n_add - share.sum()
    order = np.lexsort((np.arange(len(exact)), -(exact - share)))
    share[order[:rest]] += 1
    return pd.DataFrame(
        {"district": table[district_column].astype(str).to_numpy(), "min": share, "max": share}
    )


def quota_arrays(
    cm: CoverageMatrix, quotas: pd.DataFrame, n_add: int, eligible: npt.NDArray[np.bool_]
) -> tuple[IntArray, IntArray, IntArray, list[str]]:
    """District codes of candidates and min/max per code; feasibility checked with numbers.

    Parameters
    ----------
    cm
        The coverage matrix (with ``candidate_district``).
    quotas
        Table with ``district``, ``min`` and ``max`` new sites (NaN: no bound).
    n_add
        Number of new sites; a missing maximum means up to this many.
    eligible
        Candidates that may be chosen.

    Returns
    -------
    district, quota_min, quota_max, names
        District code of each candidate (``-1``: not in the table), least and most new sites
        per code, and the district name of each code.

    Raises
    ------
    InputDataError
        A malformed table, or candidates without districts.
    InfeasibleError
        Quotas that cannot be met, naming the district or total and by how much.

    """
    if cm.candidate_district is None:
        raise InputDataError("quotas need the district of every candidate")
    missing = {"district", "min", "max"} - set(quotas.columns)
    if missing:
        raise InputDataError(
            f"quota table needs columns district, min, max; missing {', '.join(sorted(missing))}"
        )
    names = quotas["district"].astype(str).tolist()
    if not names:
        raise InputDataError("the quota table has no rows; give one row per district, or no quotas")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputDataError(
            f"the quota table names a district twice ({', '.join(twice)}); give each one row"
        )
    qmin_f, qmax_f = quota_bounds(quotas)
    qmin = np.nan_to_num(qmin_f, nan=0.0).astype(np.int64)
    qmax = np.where(np.isnan(qmax_f), n_add, qmax_f).astype(np.int64)
    code_of = {name: k for k, name in enumerate(names)}
    district = np.array([code_of.get(str(d), -1) for d in cm.candidate_district], dtype=np.int64)
    avail = np.bincount(district[(district >= 0) & eligible], minlength=len(names))
    short = [
        f"{names[k]} needs at least {qmin[k]} new site{'' if qmin[k] == 1 else 's'} but has "
        f"{avail[k]} candidate{'' if avail[k] == 1 else 's'}"
        + (
            " (no candidate lies there: a district outside the study area or beyond the walk "
            "network's streets, or its name misspelled?)"
            if avail[k] == 0
            else ""
        )
        for k in range(len(names))
        if avail[k] < qmin[k]
    ]
    if short:
        raise InfeasibleError("quotas cannot be met: " + "; ".join(short))
    if qmin.sum() > n_add:
        raise InfeasibleError(
            f"quota minimums add up to {qmin.sum()} new sites, more than the {n_add} requested "
            f"(by {qmin.sum() - n_add}); lower the minimums of the quota table or ask for more "
            "sites (optimize.add, --add)"
        )
    free = int((eligible & (district < 0)).sum())
    cap = int(np.minimum(qmax, avail).sum()) + free
    if cap < n_add:
        raise InfeasibleError(
            f"quota maximums (and the candidates there) allow at most {cap} new sites, "
            f"{n_add - cap} fewer than the {n_add} requested"
        )
    return district, qmin, qmax, names


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A small CSV/XLSX table read as text; only empty cells are missing.

    The index is each row's number as the file shows it (the header is row 1 of a sheet; a
    CSV's rows are its lines, blank lines left out but counted).

    Raises
    ------
    InputDataError
        The file is missing or cannot be decoded, or a workbook part would inflate beyond
        sane sizes (:func:`~harbor_planner.readers.xlsx.check_workbook_parts`).

    """
    path = input_file(path, "quota")
    # only an empty cell is missing: "nan", "NA" or "null" are text for the checks to see
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from harbor_planner.readers.xlsx import check_workbook_parts

        check_workbook_parts(path, path)
        table = pd.read_excel(path, dtype=str, keep_default_na=False, na_values=[""])
        return table.set_axis(table.index + 2, axis=0)  # rows as the sheet numbers them
    if path.suffix.lower() in _LAYER_SUFFIXES:  # a district layer's attribute table
        return _layer_table(path)
    from harbor_planner.readers import read_text_table

    return read_text_table(path)


#: A quota or proportion table given as a GIS layer: its attributes are the table (probe 25E:
#: a GeoJSON of districts with a population column was read as CSV text, "no rows").
_LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


def _cell_text(value: Any) -> str | None:
    """A layer's cell as the table's text: a whole float without its ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _layer_table(path: Path) -> pd.DataFrame:
    """A layer's attributes as text cells, indexed by feature number (1 = the first)."""
    from harbor_planner.readers import read_vector

    frame = pd.DataFrame(read_vector(path, None).drop(columns="geometry"))
    text = frame.astype(object).where(frame.notna(), None)
    text = text.map(_cell_text)  # 500103.0 (a layer's float adcode) is 500103 (probe 25R4)
    return text.set_axis(pd.RangeIndex(1, len(text) + 1, name="row"), axis=0)


#: Headers of a quota table's bounds: ``min``/``max`` and a planner's words for them.
_BOUND_COLUMNS = {
    "min": ("min", "minimum", "最少", "最小", "下限", "最少站点数", "最少新增", "最小值"),
    "max": ("max", "maximum", "最多", "最大", "上限", "最多站点数", "最多新增", "最大值"),
}


def _bound_columns(table: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table with its bounds named ``min``/``max`` (最少/最多...), and the file's headers.

    A table with neither was read as quotas without a bound, silently: a file of
    ``区县,最少,最多`` placed no site where it asked 4 (probe 20R). It is refused.
    """
    found = {}
    for bound, aliases in _BOUND_COLUMNS.items():
        match = [c for c in table.columns if str(c).strip().lower() in aliases]
        if match:
            found[match[0]] = bound
    if not found:
        raise InputDataError(
            "the quota table has no min or max column (it has "
            f"{', '.join(map(str, table.columns))}); name the bounds min and max (or 最少 and "
            "最多), or split the sites in proportion to a column (proportional:FILE:COLUMN)",
            path=path,
        )
    return table.rename(columns=found), {bound: str(col) for col, bound in found.items()}


def _district_key(table: pd.DataFrame, path: Path, custom: bool) -> pd.Series:
    """District names of a quota table, as the candidates' district column spells them."""
    cols = [c for c in _DISTRICT_COLUMNS if c in table]
    if not cols:
        raise InputDataError(
            "the quota table needs a district column (district, 区县, district_zh or adcode); "
            f"it has {', '.join(map(str, table.columns))}",
            path=path,
        )
    names = table[cols[0]].astype(object).map(lambda v: "" if pd.isna(v) else str(v).strip())
    blank = np.flatnonzero(names.to_numpy(object) == "")
    if len(blank):  # NaN is no district's name (pandas 3 keeps it through astype(str): 19X)
        raise InputDataError(
            f"{len(blank)} row(s) of the quota table have no district (the first is row "
            f"{int(names.index[blank[0]])}, column {cols[0]!r}); name the district or "
            "delete the row",
            path=path,
        )
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
    among: Sequence[str] | None = None,
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
    among
        The study's districts (as ``name_zh``): a split in proportion to ``column`` is made
        among the table's rows of these only (a table of all Chongqing's districts gave
        sites to districts outside the study, where no candidate lies).

    Raises
    ------
    InputDataError
        Missing file or column, unknown district, ``column`` without ``n_add``.

    """
    path = Path(path)
    try:
        table = read_table(path)
    except pd.errors.EmptyDataError:  # a file of 0 bytes: no header either
        table = pd.DataFrame()
    blank = table.astype(object).map(lambda v: pd.isna(v) or not str(v).strip()).all(axis=1)
    table = table[~blank]  # an empty row (",,", a trailing line) is no row (probe 19R)
    if table.empty:
        raise InputDataError(
            "the quota table has no rows; give one row per district (district,min,max, or a "
            "column to split the sites by), or leave the quota out",
            path=path,
        )
    headers: dict[str, str] = {}
    if column is None:
        table, headers = _bound_columns(table, path)
    key = _district_key(table, path, custom_districts)
    twice = sorted(set(key[key.duplicated()].astype(str)))
    if twice:
        raise InputDataError(
            f"the quota table names a district twice ({', '.join(twice)}); give each one row",
            path=path,
        )
    if column is not None:
        if not n_add:
            raise InputDataError(
                f"a quota in proportion to {column!r} needs the number of new sites to split",
                path=path,
            )
        table = table.assign(district=key)
        if among is not None:
            table = table[key.isin(list(among)).to_numpy()]
            if table.empty:
                raise InputDataError(
                    f"the quota table has no row for the study's districts "
                    f"({', '.join(among)}); add them to split the sites in proportion",
                    path=path,
                )
        try:
            return proportional_quotas(table, column=column, n_add=n_add)
        except InputDataError as exc:
            raise InputDataError(str(exc), path=path) from None
    # rows as the file shows them (read_table's index)
    rows = [f"row {k}" for k in table.index]
    qmin, qmax = quota_bounds(table, rows=rows, path=path, headers=headers)
    return pd.DataFrame({"district": key.to_numpy(), "min": qmin, "max": qmax})


def read_excluded(source: str | os.PathLike[str] | Sequence[str]) -> list[str]:
    """Site ids that may not be chosen: a list, or the first column of a CSV/XLSX table.

    The table's first line is a header when it names an id column (``site_id``, ``编号``...:
    that column is read, wherever it stands, as in a candidate file), else it is the first
    id (a plain list, one id a line: its first id was taken for a header and dropped, so
    that the site was chosen after all).

    Raises
    ------
    InputDataError
        The file holds no id.

    """
    if not isinstance(source, str | os.PathLike):
        return [str(x).strip() for x in source if str(x).strip()]
    from harbor_planner.readers import column_role

    try:
        table = read_table(source)
    except pd.errors.EmptyDataError:
        table = pd.DataFrame()
    header = [str(c).strip() for c in table.columns]
    named = [i for i, h in enumerate(header) if column_role(h) == "station_id"]
    col = named[0] if named else 0  # a candidate file's 编号/site_id column, else the first
    cells = table.iloc[:, col].dropna().astype(str).str.strip().tolist() if header else []
    if header and not named and not re.fullmatch(r"column_\d+|Unnamed: \d+", header[0]):
        cells = (header if table.empty else header[:1]) + cells  # no header: the first ids
    ids = [x for x in cells if x]
    if not ids:
        raise InputDataError(
            "no site id to exclude in the file; list the ids of the candidate sites, one a "
            "line (a first line site_id is optional)",
            path=Path(source),
        )
    return ids


def stage_minimums(left: npt.NDArray[np.int64], later: int) -> npt.NDArray[np.int64]:
    """What a stage must place of the district minimums ``left``, the rest fitting ``later``.

    The districts asking most come first.

    Parameters
    ----------
    left
        Sites each district still needs to reach its minimum.
    later
        Sites of the stages after this one.

    Returns
    -------
    numpy.ndarray
        The stage's minimum per district (all 0 when the later stages hold everything).

    """
    now = np.zeros_like(left)
    excess = int(left.sum()) - later
    for d in np.argsort(-left, kind="stable"):
        if excess <= 0:
            break
        now[d] = min(int(left[d]), excess)
        excess -= int(now[d])
    return now

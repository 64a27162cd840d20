"""The station register: unified numbering (统一站点编号) and the lifecycle of stations.

Every station gets a code ``<adcode>-<NNNN>`` from the district it lies in, e.g.
``500103-0007``. Numbering is stable: codes already in the register are kept, new stations get
the next number after the highest ever given in their district (so the code of a closed
station, which stays in the register, is never reused), in the order of the rows. Lifecycle
statuses are proposed → building → existing → closed (拟建/在建/已建成/退出) with the dates a
register keeps (``opened``, ``closed``); closed stations stay in the register and out of every
coverage figure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harbor_planner.errors import InputDataError
from harbor_planner.stations.register_datum import (
    ALL_COORDINATE_HEADERS,
    closed_in_datum,
    register_coordinate_headers,
    warn_datum_drift,
)
from harbor_planner.stations.register_previous import (
    CODE_RE,
    id_key,
    refuse_codes_twice,
    warn_uncoded_gone,
    warn_unusable_codes,
    well_formed_codes,
)

__all__ = [
    "CODE_COLUMN",
    "REGISTER_HEADERS_ZH",
    "Numbering",
    "code_column",
    "number_stations",
    "register_codes",
    "register_file_table",
    "register_table",
    "write_register",
]

log = logging.getLogger(__name__)

#: Column of the unified code in the register.
CODE_COLUMN = "unified_code"
_CODE_ALIASES = ("unified_code", "统一编号", "站点统一编号", "统一站点编号", "register_code")
_DATE_ALIASES = {
    "opened": ("opened", "开通日期", "启用日期", "建成日期", "投用日期"),
    "closed": ("closed", "退出日期", "关闭日期", "撤销日期"),
}
#: The register's columns as a Chinese register file names them (the file district offices
#: get; the station reader reads each back, see :func:`register_file_table`).
REGISTER_HEADERS_ZH: dict[str, str] = {
    "station_id": "编号",
    "name": "名称",
    "district": "区县",
    "address": "地址",
    "status": "状态",
    "flagship": "最美渝工港湾",
    "area_m2": "面积(㎡)",
    "opened": "开通日期",
    "closed": "退出日期",
}


@dataclass(frozen=True)
class Numbering:
    """A numbered register.

    Attributes
    ----------
    stations
        The stations with ``unified_code``, ``opened`` and ``closed`` columns.
    kept
        Codes that were already there.
    assigned
        New codes given.

    """

    stations: Any
    kept: int
    assigned: int


def _find(columns: Any, aliases: tuple[str, ...]) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    for a in aliases:
        if a.lower() in lower:
            return lower[a.lower()]
    return None


def _rows(frame: pd.DataFrame, mask: Any) -> str:
    """The rows of ``mask``, with their sheets where the file has several.

    Probe 21G: one code on two sheets was "row(s) 2, 2".
    """
    if "row" not in frame:
        return "some rows"
    part = frame.loc[mask & frame["row"].notna()]
    rows = part["row"].astype(str)
    if "sheet" in frame and frame["sheet"].nunique() > 1:
        rows = "sheet " + part["sheet"].astype(str) + " row " + rows
    items = rows.tolist()
    text = ", ".join(items[:10]) + (" ..." if len(items) > 10 else "")
    return f"row(s) {text}" if text else "rows of the previous register"


def number_stations(
    stations: Any, previous: Any = None, *, retired: Sequence[str] = ()
) -> Numbering:
    """Give every station its unified code, keeping the codes already given.

    Parameters
    ----------
    stations
        The clean stations of :func:`harbor_planner.read_stations` (with ``adcode``, the
        district each lies in, and ``row``); a code column (``unified_code`` / 统一编号) and
        date columns (``opened``/开通日期, ``closed``/退出日期) are used when present.
    previous
        The previous register (a table with ``station_id`` and 统一编号), if any: a station
        without a code takes the one its id had there, and no code of it is given again,
        even where its station is no longer in the file (a deleted row's code stays retired).
    retired
        More codes given before, never given again: those of the previous register's rows
        its reader rejected (:func:`register_codes` of ``read_stations(...).rejected``).

    Returns
    -------
    Numbering

    Raises
    ------
    InputDataError
        A malformed code, the same code twice, a code whose district disagrees with the
        station's location, an unreadable date, or a station outside every district — each
        naming the rows; one code on several rows of ``previous``, naming those.

    """
    st = stations.copy()
    if "adcode" not in st:
        raise InputDataError("numbering needs the district (adcode) of every station")
    col = code_column(st.columns)
    codes = (  # full-width digits and dashes (５００１０３－０００７) read as the code
        well_formed_codes(st[col])[0].replace("", pd.NA)
        if col is not None
        else pd.Series(pd.NA, index=st.index, dtype="string")
    )
    if col is not None and col != CODE_COLUMN:
        st = st.drop(columns=col)
    if previous is not None:  # one code on two of its rows: the register named (probe 27T)
        refuse_codes_twice(previous)
    given = _previous_codes(previous)
    typed = codes.notna()
    if len(given) and "station_id" in st:
        codes = _with_previous_codes(st, codes, given)
    if len(given):
        codes = _codes_by_place(st, codes, previous)
        here = codes.copy()  # a moved station is still in the list: its old code is not gone
        warn_datum_drift(st, here, previous)  # every station ~450 m off: two datums (26P)
        codes = _moved_stations(st, codes, typed)
        _say_reopened(st, codes, previous)
        if not codes.isin(given.to_numpy()).any():
            log.warning(
                "none of the %d stations is in the previous register (by id, or by name and "
                "place): every station gets a new code and all %d codes of the previous "
                "register are retired; were the ids changed (or the 编号 column left out)?",
                len(st), len(given),
            )  # fmt: skip
        st, codes = _with_missing_previous(st, codes, previous, here)
    adcode = st["adcode"].astype("string")
    parts = codes.str.extract(CODE_RE)
    problems = _code_problems(st, codes, parts, adcode)
    st = _read_dates(st, problems)
    if problems:
        raise InputDataError("cannot number the register: " + "; ".join(problems))

    status = st["status"] if "status" in st else pd.Series(pd.NA, index=st.index)
    no_date = (status == "closed") & st["closed"].isna() & _file_rows(st)
    backwards = st["opened"].notna() & st["closed"].notna() & (st["closed"] < st["opened"])
    if backwards.any():  # probe 21G: said nowhere
        log.warning("%s: the closing date (退出日期) is before the opening date (开通日期)",
                    _rows(st, backwards))  # fmt: skip
    if no_date.any():
        log.warning("%s: closed stations without a closing date (退出日期)", _rows(st, no_date))
    today = pd.Timestamp.now().strftime("%Y-%m-%d")
    gone = (status != "closed").fillna(True) & st["closed"].notna() & (st["closed"] <= today)
    if gone.any():  # counted as open in every figure: say so (probe 17H)
        log.warning(
            "%s: a closing date (退出日期) already past, but a status other than closed "
            "(已停用/退出): they count as open; set the status if they have closed",
            _rows(st, gone),
        )

    new = codes.isna()
    before = register_codes(previous) if previous is not None else []  # id or not
    out, assigned = _assign_codes(st, codes, parts, adcode, [*given.values, *before, *retired])
    warn_unusable_codes(st, new & _file_rows(st), out, previous)  # its 统一编号 blank (27T)
    warn_uncoded_gone(st, previous)  # and such a row no station of the list (27R2)
    st[CODE_COLUMN] = out.astype("string")
    kept = int((~new).sum())
    log.info(
        "register: %d stations, %d codes kept, %d new codes in %d districts",
        len(st),
        kept,
        assigned,
        int(adcode.nunique()),
    )
    return Numbering(stations=st, kept=kept, assigned=assigned)


def _code_problems(
    st: pd.DataFrame, codes: pd.Series, parts: pd.DataFrame, adcode: pd.Series
) -> list[str]:
    """Stations outside every district, malformed codes, codes twice, codes of another district."""
    problems: list[str] = []
    if adcode.isna().any():
        problems.append(
            f"{_rows(st, adcode.isna())}: the station lies in no Chongqing district, so it "
            "cannot be numbered"
        )
    bad = codes.notna() & parts[0].isna()
    if bad.any():
        problems.append(
            f"{_rows(st, bad)}: code is not <adcode>-<NNNN>, NNNN from 0001 (e.g. 500103-0007): "
            + ", ".join(codes[bad].astype(str).tolist()[:5])
        )
    dup = codes.notna() & codes.duplicated(keep=False)
    if dup.any():
        problems.append(
            f"{_rows(st, dup)}: the same code is given twice: "
            + ", ".join(sorted(set(codes[dup].astype(str)))[:5])
        )
    wrong = codes.notna() & parts[0].notna() & adcode.notna() & (parts[0] != adcode)
    if wrong.any():
        pairs = [f"{c} in {a}" for c, a in zip(codes[wrong], adcode[wrong], strict=True)][:5]
        problems.append(
            f"{_rows(st, wrong)}: the code's district disagrees with the location: "
            + ", ".join(pairs)
        )
    return problems


def _others(columns: Any, aliases: tuple[str, ...], found: Any) -> list[Any]:
    """The columns of ``aliases`` other than ``found`` (a planner's 退出日期 beside ours)."""
    wanted = {a.lower() for a in aliases}
    return [c for c in columns if str(c).strip().lower() in wanted and c != found]


def _read_dates(st: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    """``st`` with ``opened`` and ``closed`` as ISO dates; unreadable dates go to ``problems``."""
    for canon, aliases in _DATE_ALIASES.items():
        dcol = _find(st.columns, aliases)
        raw = st[dcol] if dcol is not None else pd.Series(pd.NA, index=st.index)
        text = raw.astype("string").str.strip().replace("", pd.NA)
        for other in _others(st.columns, aliases, dcol):  # 退出日期 added beside our `closed`
            more = st[other].astype("string").str.strip().replace("", pd.NA)
            text = text.fillna(more)
            st = st.drop(columns=other)
        parsed = _dates(text)
        unreadable = text.notna() & parsed.isna()
        if unreadable.any():
            problems.append(
                f"{_rows(st, unreadable)}: {dcol} is not a date (write it as 2024-03-05, "
                "2024/3/5 or 2024年3月5日; day-first and month-first forms are ambiguous): "
                + ", ".join(text[unreadable].astype(str).tolist()[:5])
            )
        if dcol is not None and dcol != canon:
            st = st.drop(columns=dcol)
        st[canon] = parsed.dt.strftime("%Y-%m-%d").astype("string")
    return st


def code_column(columns: Any) -> str | None:
    """The unified-code column among ``columns`` (统一编号, unified_code...), if any."""
    return _find(columns, _CODE_ALIASES)


def register_codes(table: Any) -> list[str]:
    """The well-formed unified codes of any table (its 统一编号 column), e.g. rejected rows.

    Parameters
    ----------
    table
        A table whose code column is one of 统一编号, unified_code... (none: no codes).

    Returns
    -------
    list of str

    """
    col = code_column(getattr(table, "columns", ()))
    if col is None or not len(table):
        return []
    codes, ok = well_formed_codes(table[col])
    return [str(c) for c in codes[ok]]


def _with_previous_codes(st: pd.DataFrame, codes: pd.Series, given: pd.Series) -> pd.Series:
    """Each station's code of the previous register where the file gives none.

    Warned of (probe 17H): no station of the file found there (ids changed?), or a code of
    the file that was another station's there.
    """
    ids = id_key(st["station_id"])
    by_id = given[~given.index.duplicated(keep=False)]  # ids given once only
    owner = pd.Series(given.index, index=given.to_numpy())
    owner = owner[~owner.index.duplicated(keep=False)]
    clash = codes.notna() & codes.isin(owner.index)
    clash &= codes.map(owner).astype("string") != ids
    zeros = clash & _zeros_dropped(ids, codes.map(owner).astype("string"))
    clash &= ~zeros
    if zeros.any():  # 007 became 7: not a code on the wrong row (probe 26P)
        names = given.attrs.get("ids", {})
        shown = [f"{st.loc[i, 'station_id']} was {names.get(owner[c], owner[c])} ({c})"
                 for i, c in codes[zeros].astype(str).head(5).items()]  # fmt: skip
        log.warning(
            "%s: the ids lost their leading zeros since the previous register (%s): Excel "
            "dropped them when the file was saved; the codes are kept, but format the id "
            "(编号) column as Text and type the ids again with their zeros",
            _rows(st, zeros), "; ".join(shown),
        )  # fmt: skip
    if clash.any():
        names = given.attrs.get("ids", {})
        shown = [f"{c} was {names.get(owner[c], owner[c])}'s"
                 for c in codes[clash].astype(str).tolist()[:5]]  # fmt: skip
        log.warning(
            "%s: a code given in the file belonged to another station in the previous "
            "register (%s); check that the code was typed onto the right row",
            _rows(st, clash), "; ".join(shown),
        )  # fmt: skip
    last = ids.map(by_id).astype("string")
    retyped = codes.notna() & last.notna() & (codes != last) & ~clash
    if retyped.any():  # probe 21G: its own code retired without a word, numbers skipped
        shown = [f"{c} (was {p})" for c, p in zip(codes[retyped], last[retyped], strict=True)]
        log.warning(
            "%s: a code other than the station's in the previous register: %s; the old code "
            "stays retired: check that the new one was meant",
            _rows(st, retyped), ", ".join(shown[:5]),
        )  # fmt: skip
    return codes.fillna(last)  # its code of the last time


def _zeros_dropped(ids: pd.Series, before: pd.Series) -> pd.Series:
    """Whether each id is its previous id without the leading zeros (7 for 007)."""
    digits = ids.str.fullmatch(r"\d+").fillna(False) & before.str.fullmatch(r"0+\d+").fillna(False)
    return digits & (ids.str.lstrip("0") == before.str.lstrip("0")).fillna(False)


#: A station of the previous register found again by its name within this distance (metres),
#: where the ids do not match (a list without 编号, ids retyped).
SAME_STATION_M = 30.0


def _file_rows(st: pd.DataFrame) -> pd.Series:
    """The rows of the file (not the previous register's stations kept as closed)."""
    return st["row"].notna() if "row" in st else pd.Series(True, index=st.index)


def _previous_rows(previous: Any) -> Any:
    """The previous register's stations that have a well-formed code, and their codes."""
    col = code_column(previous.columns)
    codes, ok = well_formed_codes(previous[col])
    return previous[ok.to_numpy()], codes[ok]


def _codes_by_place(st: pd.DataFrame, codes: pd.Series, previous: Any) -> pd.Series:
    """Codes of stations the ids did not match, found by name and place in the register.

    A list without 编号 took a new code for every station each year, and retired the old
    ones (probe 21G): a station without an id, of the same name within
    :data:`SAME_STATION_M` of a register station whose code is not taken, keeps that code.
    """
    from scipy.spatial import cKDTree

    todo = codes.isna()
    # a row with an id of its own is a new station (probe 21R: a new station took a closed
    # one's code), unless the register's station of its name and place had none: the id was
    # filled in since, as the register asks (probe 24R2: its code was retired)
    own_id = id_key(st["station_id"]).notna() if "station_id" in st else todo & False
    if not todo.any() or "name" not in st or "name" not in previous:
        return codes
    prev, pcodes = _previous_rows(previous)
    free = ~pcodes.isin(codes.dropna()).to_numpy()
    prev, pcodes = prev[free], pcodes[free]
    if not len(prev):
        return codes
    blank = (
        id_key(prev["station_id"]).isna().to_numpy()
        if "station_id" in prev
        else np.ones(len(prev), dtype=bool)
    )
    utm = "EPSG:32648"  # metres in Chongqing, for the distance only
    tree = cKDTree(np.column_stack([prev.geometry.to_crs(utm).x, prev.geometry.to_crs(utm).y]))
    mine = st.geometry[todo].to_crs(utm)
    dist, near = tree.query(np.column_stack([mine.x, mine.y]))
    name = id_key(st.loc[todo, "name"]).fillna("").to_numpy(str)
    theirs = id_key(prev["name"]).fillna("").to_numpy(str)[near]
    same = (dist <= SAME_STATION_M) & (name != "") & (name == theirs)
    own = own_id[todo].to_numpy()
    same &= ~own | blank[near]
    match = pd.DataFrame({"code": pcodes.to_numpy()[near], "own": own, "dist": dist},
                         index=mine.index)[same]  # fmt: skip
    found = _one_row_each(st, match)
    if len(found):
        log.warning(
            "%d stations whose ids are not in the previous register keep the codes of the "
            "stations of the same name at the same place (within %g m): %s",
            len(found), SAME_STATION_M, ", ".join(found.astype(str).head(5)),
        )  # fmt: skip
    return codes.fillna(found.astype("string"))


def _one_row_each(st: pd.DataFrame, match: pd.DataFrame) -> pd.Series:
    """One row for each register station found by name and place: its code, by row.

    Two rows matching one station both took new codes and the station's own was retired
    (已退出) while it was still in the list (probe 25R3): the row without an id of its own
    keeps the code (the other is a new station), else the nearest, else the first; said.
    """
    match = match.sort_values(["own", "dist"], kind="stable")
    first = ~match["code"].duplicated(keep="first")
    twice = match["code"].duplicated(keep=False)
    if twice.any():
        said = []
        for code, rows in match[twice].groupby("code", sort=True):
            where = [str(st.loc[i, "row"]) if "row" in st else str(i) for i in rows.index]
            said.append(f"{code} stays with row {where[0]}, not row(s) {', '.join(where[1:])}")
        log.warning(
            "rows of one name at one place (within %g m) match one station of the previous "
            "register: %s (a row with an id of its own is a new station, else the nearest "
            "keeps it); the other rows get new codes: check that they are new stations",
            SAME_STATION_M, "; ".join(said[:5]),
        )  # fmt: skip
    return match.loc[first, "code"]


def _say_reopened(st: pd.DataFrame, codes: pd.Series, previous: Any) -> None:
    """Stations closed (已退出) in the previous register that the list has again: said.

    Probe 25R3: a station added back (by its id, or by name and place) takes its code
    again without a word; if it is a new station at that place, it should say so.
    """
    if "status" not in previous:
        return
    prev, pcodes = _previous_rows(previous)
    closed = pcodes[(prev["status"] == "closed").fillna(False).to_numpy()]
    back = codes.isin(closed.dropna()) & _file_rows(st)
    if back.any():
        log.warning(
            "%s: closed (已退出) in the previous register, in the list again: they take their "
            "codes back and are open (%s); if one is a new station at that place, give it an "
            "id (编号) and a name other than the closed one's",
            _rows(st, back), ", ".join(codes[back].astype(str).tolist()[:5]),
        )  # fmt: skip


def _moved_stations(st: pd.DataFrame, codes: pd.Series, typed: pd.Series) -> pd.Series:
    """A station moved to another district since the previous register gets a new code there.

    Its code of last time (not one typed in the file) names the old district: numbering
    stopped with "the code's district disagrees" on a code the file did not hold (probe
    21G). The old code stays retired, and the move is said.
    """
    district = codes.str.extract(CODE_RE)[0]
    moved = ~typed & codes.notna() & district.notna() & st["adcode"].notna()
    moved &= district != st["adcode"].astype("string")
    if moved.any():
        log.warning(
            "%s: the station lies in another district than its code of the previous register "
            "(%s): a new code of its district is given, the old one stays retired",
            _rows(st, moved),
            ", ".join(f"{c} -> {a}" for c, a in zip(codes[moved], st.loc[moved, "adcode"],
                                                    strict=True))[:300],
        )  # fmt: skip
    return codes.mask(moved)


def _with_missing_previous(
    st: pd.DataFrame, codes: pd.Series, previous: Any, here: pd.Series
) -> tuple[pd.DataFrame, pd.Series]:
    """The previous register's stations the list no longer has, kept as closed (已退出).

    A station deleted from the list dropped out of the register with its code, and the code
    was free again a year later (probe 21G): it stays, closed, so its code stays retired.
    ``here``: the codes found before moved stations got new ones (a moved station is still
    in the list, never closed).
    """
    prev, pcodes = _previous_rows(previous)
    gone = ~pcodes.isin(here.dropna()).to_numpy()
    if "station_id" in st and "station_id" in prev:  # a station moved, newly coded: still there
        gone &= ~id_key(prev["station_id"]).isin(id_key(st["station_id"]).dropna()).to_numpy()
    if not gone.any():
        return st, codes
    kept = prev[gone].drop(columns=[code_column(prev.columns)]).copy()
    kept["status"] = "closed"
    kept["row"] = pd.NA
    stated = st["crs_orig"].dropna() if "crs_orig" in st else pd.Series(dtype=object)
    if len(stated) and "lon_orig" in kept:  # written in the list's datum, as its rows are
        kept = closed_in_datum(kept, str(stated.iloc[0]))  # (probe 21R, 26P)
    kept = kept.drop(columns=[c for c in ("sheet",) if c in kept])
    shown = [f"{i} ({c})" for i, c in zip(_who(kept), pcodes[gone], strict=True)][:5]
    log.warning(
        "%d stations of the previous register are not in the list: kept in the register as "
        "closed (已退出) with their codes, which stay retired: %s; fill in their 退出日期, or "
        "add them back to the list if they are still open",
        int(gone.sum()), ", ".join(shown),
    )  # fmt: skip
    out = pd.concat([st, kept], ignore_index=True)
    return out, pd.concat([codes, pcodes[gone]], ignore_index=True).astype("string")


def _who(kept: pd.DataFrame) -> list[str]:
    """Each station by its id, else its name, else its place (as the list gives it).

    Probe 24R2/25R3: a station with neither 编号 nor 名称 was named "nan (500103-0006)".
    """
    blank = pd.Series(pd.NA, index=kept.index, dtype="string")
    ids, names = (kept.get(c, blank) for c in ("station_id", "name"))
    x, y = kept.geometry.x, kept.geometry.y
    if "lon_orig" in kept and "lat_orig" in kept:  # as the list gives it, in its datum
        x = pd.to_numeric(kept["lon_orig"], errors="coerce").fillna(x)
        y = pd.to_numeric(kept["lat_orig"], errors="coerce").fillna(y)
    place = [f"the station without id or name at {a:.6f}, {b:.6f}"
             for a, b in zip(x, y, strict=True)]  # fmt: skip
    no_id = id_key(ids).isna().to_numpy()
    named = id_key(names).notna().to_numpy()
    return [
        (p if not m else str(n)) if b else str(i)
        for i, n, p, b, m in zip(ids, names, place, no_id, named, strict=True)
    ]


def _dates(text: pd.Series) -> pd.Series:
    """Dates read cell by cell: ISO (a time after it too), 2024/3/5, 2024.3.5, 2024年3月5日.

    A whole column parsed at once took its format from the first cell and refused every
    other form (probe 17H); 03/01/2024 (month or day first?) is no date here.
    """
    ymd = text.str.replace(
        r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})(?:\s*日)?", r"\1-\2-\3", regex=True
    )
    return pd.to_datetime(ymd, format="ISO8601", errors="coerce")


def _previous_codes(previous: Any) -> pd.Series:
    """Normalised ``station_id`` -> code of the previous register (well-formed codes only)."""
    if previous is None or not len(previous):
        return pd.Series(dtype="string")
    col = code_column(previous.columns)
    if col is None or "station_id" not in previous:
        raise InputDataError(
            "the previous register has no 统一编号 (unified_code) and station_id columns"
        )
    codes, ok = well_formed_codes(previous[col])
    ids = id_key(previous["station_id"])
    ok &= ids.notna()  # a register station without an id is found by name and place only
    keys = ids[ok].to_numpy()
    out = pd.Series(codes[ok].to_numpy(), index=keys)
    out.attrs["ids"] = dict(zip(keys, previous["station_id"].astype(str)[ok], strict=True))
    return out


def _assign_codes(
    st: pd.DataFrame,
    codes: pd.Series,
    parts: pd.DataFrame,
    adcode: pd.Series,
    retired: list[str] | None = None,
) -> tuple[pd.Series, int]:
    """New codes after the highest of each district, in row order; returns codes and count.

    ``retired``: codes given before (a previous register), never given again.
    """
    number = pd.to_numeric(parts[1], errors="coerce")
    highest = number.groupby(adcode).max()
    old = pd.Series(retired or [], dtype="string").str.extract(CODE_RE)
    if len(old):
        before = pd.to_numeric(old[1], errors="coerce").groupby(old[0]).max()
        highest = pd.concat([highest, before]).groupby(level=0).max()
    new = codes.isna()
    order = st.sort_values([c for c in ("sheet", "row") if c in st]).index
    new_in_order = [i for i in order if new[i]]
    counter: dict[str, int] = {
        str(k): int(v) for k, v in highest.items() if pd.notna(k) and pd.notna(v)
    }
    out = codes.copy()
    for i in new_in_order:
        a = str(adcode[i])
        counter[a] = counter.get(a, 0) + 1
        if counter[a] > 9999:  # probe 21G: one typo (500103-9999) blocked the district
            top = f"{a}-9999"
            where = _rows(st, codes == top) if (codes == top).any() else "the previous register"
            raise InputDataError(
                f"district {a} has run out of four-digit station numbers: its highest code is "
                f"{top} ({where}); a code typed wrong there blocks every new one"
            )
        out[i] = f"{a}-{counter[a]:04d}"
    return out, len(new_in_order)


def register_table(numbered: Any) -> pd.DataFrame:
    """The register as a table that reads back as it was given: original coordinates.

    Columns 统一编号 first, then the normalised ones, and 经度/纬度 holding the coordinates
    as they were given, under headers naming their datum (``经度(GCJ-02)``, see
    :func:`~harbor_planner.stations.register_datum.register_coordinate_headers`), so
    numbering the table again changes nothing. ``district`` is the official 区县 where the
    station lies (its code's district), whatever spelling the list had (渝中, Yuzhong,
    500103).
    """
    st = numbered.drop(columns="geometry", errors="ignore")
    if "district_zh" in st:  # the official 区县 of the location, as the code is (probe 17H)
        official = st["district_zh"].astype("string")
        typed = st["district"].astype("string") if "district" in st else official
        differ = official.notna() & (typed.fillna("") != official)
        if differ.any():
            log.info(
                "register: %d stations' district written as the official name of where they "
                "lie (as their codes are), not as typed (e.g. %s -> %s)",
                int(differ.sum()), typed[differ].iloc[0], official[differ].iloc[0],
            )  # fmt: skip
        st["district"] = official.fillna(typed).astype(object)
    stated = st["crs_orig"].dropna() if "crs_orig" in st else pd.Series(dtype=object)
    lon, lat = register_coordinate_headers(str(stated.iloc[0]) if len(stated) else None)
    drop = [c for c in ("row", "sheet", "adcode", "district_zh", "crs_orig") if c in st]
    drop += [c for c in st.columns if c in ALL_COORDINATE_HEADERS]  # an earlier register's
    table = st.drop(columns=drop).rename(  # own 经度/纬度 (a .gpkg's): lon_orig replaces them
        columns={CODE_COLUMN: "统一编号", "lon_orig": lon, "lat_orig": lat}
    )
    head = ["统一编号", "station_id", "name", "district", "address", "status", "flagship",
            "area_m2", "opened", "closed", lon, lat]  # fmt: skip
    first = [c for c in head if c in table]
    return table[first + [c for c in table.columns if c not in first]].replace({np.nan: None})


def register_file_table(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The register as its file holds it: in Chinese, headers and words (17H, 19W).

    Parameters
    ----------
    table
        A :func:`register_table`.
    lang
        ``"zh"``: the columns of :data:`REGISTER_HEADERS_ZH` under their Chinese headers
        (a header the table already has stays on its own column), statuses as 已建成, 在建,
        拟建, 候选, 已退出 and the flagship flag as 是/否; ``"en"``: the table as it is.

    Returns
    -------
    pandas.DataFrame
        Read back by :func:`~harbor_planner.stations.read_stations` as the same stations.

    """
    if lang != "zh":
        return table
    from harbor_planner.settings import STATUS_LABELS

    out = table.copy()
    if "status" in out:
        words = {k: v[0] for k, v in STATUS_LABELS.items()}
        out["status"] = out["status"].map(lambda v: words.get(v, v) if isinstance(v, str) else v)
    if "flagship" in out:
        out["flagship"] = out["flagship"].map(
            lambda v: ("是" if v else "否") if isinstance(v, bool | np.bool_) else v
        )
    taken = set(map(str, out.columns))
    names = {k: v for k, v in REGISTER_HEADERS_ZH.items() if k in out and v not in taken}
    return out.rename(columns=names)


def _refuse_added_columns(path: Path, columns: list[str]) -> None:
    """An existing register CSV with columns this one lacks was edited (a planner's 备注).

    The English headers of an earlier register (``station_id``...) and their Chinese ones
    are the register's own in either language.
    """
    import csv

    from harbor_planner.errors import OutputError

    if not path.is_file():
        return
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        header = next(csv.reader(f), [])
    own = {*columns, *REGISTER_HEADERS_ZH, *REGISTER_HEADERS_ZH.values(), *ALL_COORDINATE_HEADERS}
    added = [c for c in header if c and c not in own]
    if added:
        raise OutputError(
            f"holds columns this register does not ({', '.join(added[:5])}): edited since "
            "it was written, so it is left as it is; choose another --out, or move it away",
            path=path,
        )


def write_register(
    table: pd.DataFrame, path: str | os.PathLike[str], *, geometry: Any = None, lang: str = "zh"
) -> Path:
    """Write a register table (:func:`register_table`) as ``.csv``, ``.xlsx`` or ``.gpkg``.

    Text cells never become formulas (CSV: a ``'`` before a leading ``=``, ``+``, ``-``,
    ``@``; workbook: text cells), control characters are removed, the file is written
    atomically and the same register gives the same bytes.

    Parameters
    ----------
    table
        The register.
    path
        The file; its suffix picks the format (replaced if it exists).
    geometry
        The stations' WGS-84 points, needed for ``.gpkg``.
    lang
        ``"zh"`` (default): Chinese headers and words (:func:`register_file_table`);
        ``"en"``: the table's own column names and status codes.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputDataError
        Another suffix, or a GeoPackage without ``geometry``.

    """
    from harbor_planner._io import atomic_path
    from harbor_planner._stable import write_gpkg_layer
    from harbor_planner._text import csv_safe
    from harbor_planner.outputs.cells import write_frames_xlsx

    path = Path(path)
    suffix = path.suffix.lower()
    table = register_file_table(table, lang)
    if suffix == ".xlsx":
        return write_frames_xlsx(path, {"register": table})
    if suffix == ".csv":
        _refuse_added_columns(path, list(table.columns))
        with atomic_path(path) as tmp:
            csv_safe(table).to_csv(tmp, index=False, encoding="utf-8-sig")
        return path
    if suffix == ".gpkg" and geometry is not None:
        import geopandas as gpd

        layer = gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")
        with atomic_path(path) as tmp:
            write_gpkg_layer(layer, tmp, "register")
        return path
    raise InputDataError(f"{path}: expected a .csv, .xlsx or .gpkg file name (with geometry)")

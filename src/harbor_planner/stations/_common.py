"""Words planners write for a station's status and flagship flag, shared by reading and checks."""

from __future__ import annotations

import re
from typing import Any

from harbor_planner.readers import problem

__all__ = [
    "FLAGSHIP_ALIASES",
    "STATUS_ALIASES",
    "STATUS_WORDS_HELP",
    "cell_words",
    "note_statuses",
    "sheet_status",
    "status_codes",
    "status_of",
    "unread_status_column",
]

#: Status as written (Chinese or English, lower case) -> one of
#: :data:`harbor_planner.settings.STATUS_VALUES`.
# fmt: off
STATUS_ALIASES: dict[str, str] = {
    **{k: "existing" for k in ("已建成", "建成", "已建", "运营", "运营中", "已运营", "正常运营",
                               "已投用", "投用", "已投入使用", "投入使用", "在用", "已开放",
                               "開放", "運營", "運營中", "existing", "built", "open",
                               "operating")},
    **{k: "building" for k in ("在建", "建设中", "施工中", "正在建设", "建設中", "在建中",
                               "施工", "正在施工",
                               "building", "under construction")},
    **{k: "proposed" for k in ("拟建", "规划", "计划", "待建", "规划中", "计划建设", "擬建",
                               "規劃", "計劃", "拟建中", "筹建", "筹建中", "拟新建",
                               "计划新建", "待建设", "proposed", "planned")},
    **{k: "candidate" for k in ("候选", "备选", "候選", "備選", "candidate")},
    **{k: "closed" for k in ("退出", "已退出", "关闭", "已关闭", "撤销", "已撤销", "撤站",
                             "已撤站", "停用", "已停用", "暂停", "暂停运营", "停运", "已停运",
                             "关停", "已关停", "取消", "已取消", "注销", "已注销", "拆除",
                             "已拆除", "關閉", "已關閉", "撤銷", "已撤銷", "closed", "exited",
                             "suspended", "removed", "cancelled", "canceled")},
}
# fmt: on


def status_of(word: Any) -> str | None:
    """The status code of a cell (``None``: not understood).

    The words of :data:`STATUS_ALIASES`, also with a note in brackets or a year around them
    (probe 23E: 拟建（2025）and 2025年拟建 were errors, the stations dropped). A note naming
    another status makes the cell unclear (已建成（暂停运营）: probe 23R); one naming the same
    status confirms it (已建成（运营中）: probe 24R).
    """
    if not isinstance(word, str):
        return None
    text = word.strip().lower()
    code = STATUS_ALIASES.get(text)
    if code is None:
        bare = re.sub(r"[（(【\[].*?[）)】\]]", "", text)
        bare = re.sub(r"^(19|20)\d\d\s*年?\s*|\s*(19|20)\d\d\s*年?$", "", bare.strip())
        code = STATUS_ALIASES.get(bare.strip())
        if code is not None and note_statuses(text, code) - {code}:
            return None
    return code


def note_statuses(word: Any, main: str | None = None) -> set[str]:
    """The statuses the notes in brackets of a status cell name (已建成（暂停运营）: closed).

    A note that leaves a status out (已建成（不含暂停运营）) names none; nor does, beside a
    ``main`` status still to be built (候选, 拟建, 在建), the building or completion it plans
    (拟建（2025年建成）, 在建（预计年底建成）): probe 25R4, correct lists refused.
    """
    if not isinstance(word, str):
        return set()
    notes = re.findall(r"[（(【\[](.*?)[）)】\]]", word.strip().lower())
    found = {STATUS_ALIASES[m] for n in notes if not _NEGATED.search(n)
             for m in _STATUS_WORD.findall(n)}  # fmt: skip
    if main in _TO_BE_BUILT:
        found -= {"building", "existing"}
    return found


#: A note that leaves its statuses out: 不含, 不包括, 除…外, 以外, 非.
_NEGATED = re.compile(r"不含|不包括|不包含|除|以外|之外|非|excluding|except|not ")
#: Statuses whose notes may plan the building or completion to come.
_TO_BE_BUILT = frozenset({"candidate", "proposed", "building"})


#: A status word inside a note (two characters or more: 关闭, 运营, closed...).
_STATUS_WORD = re.compile(
    "|".join(sorted((re.escape(k) for k in STATUS_ALIASES if len(k) >= 2), key=len, reverse=True))
)


def status_codes(words: str | list[Any] | tuple[Any, ...]) -> tuple[list[str], list[str]]:
    """Statuses asked for (``--status``, ``stations.status``) as codes: 已建成 is existing.

    Parameters
    ----------
    words
        Comma-separated text or a list: codes (existing, building...) or the words the station
        files use (已建成, 在建, 拟建, 候选, 退出 and their :data:`STATUS_ALIASES`).

    Returns
    -------
    (list of str, list of str)
        The codes, in order without repeats, and the words that name no status.

    """
    # comma, or the full-width comma and 、 of Chinese text (probe 19R)
    items = re.split(r"[,，、;；]", words) if isinstance(words, str) else list(words)
    codes: list[str] = []
    unknown: list[str] = []
    for item in items:
        word = str(item).strip()
        if not word:
            continue
        code = status_of(word)
        if code is None:
            unknown.append(word)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


#: The status words of the files, by code, for messages ("existing (已建成)").
STATUS_WORDS_HELP = (
    "existing (已建成), building (在建), proposed (拟建), candidate (候选), closed (退出)"
)


def sheet_status(name: str | None) -> str | None:
    """The status a sheet's name gives its rows: "已建成", "已建成站点", "2025年拟建港湾"...

    The name must be a status word alone, or with a year before it and a word for the list
    after it (站点, 港湾, 驿站, 名单, 清单, 表, stations, sites): "剔除关闭", "建成区" or
    "Unbuilt" name no status.

    Parameters
    ----------
    name
        A workbook sheet's name (``None``: not a sheet).

    Returns
    -------
    str or None

    """
    text = re.sub(r"\s+", " ", (name or "").strip().lower())
    text = re.sub(r"^(19|20)\d\d\s*年?\s*", "", text)
    text = re.sub(r"\s*(站点|港湾|驿站|名单|清单|列表|表|stations?|sites?)$", "", text)
    text = re.sub(r"(渝工)$", "", text)
    return STATUS_ALIASES.get(text.strip())


#: Flagship flag as written (lower case) -> True/False.
FLAGSHIP_ALIASES: dict[str, bool] = {
    **{k: True for k in ("是", "yes", "y", "true", "1", "√", "✓")},
    **{k: False for k in ("否", "no", "n", "false", "0", "×", "")},
}


def cell_words(values: Any) -> list[str]:
    """The text cells of a column, stripped, empty ones left out."""
    return [str(v).strip() for v in values if isinstance(v, str) and str(v).strip()]


def unread_status_column(
    frame: Any, read: dict[str, str], sheet: str | None
) -> dict[str, Any] | None:
    """The ``status_unread`` warning: a column of status words only, none read as the status.

    Probe 26P: a 状态 column renamed 站点状态 or 运营状态 lost every status (closed stations
    counted as open, proposed ones as built) and ``stations check`` said "no problems".

    Parameters
    ----------
    frame
        A table as read (its own headers).
    read
        The schema name -> header mapping of the columns read.
    sheet
        The table's sheet, for the warning.

    Returns
    -------
    dict or None
        The warning (a problems row) naming the first such column.

    """
    if "status" in read:
        return None
    used = set(read.values())
    by_sheet = sheet_status(sheet)
    unread = (
        "every station would count as built"
        if by_sheet is None
        else f"its stations take their sheet's status, {by_sheet}, from its name {sheet!r}"
    )  # probe 26R: a 拟建 sheet's were said to count as built
    for col in frame.columns:
        if col in used:
            continue
        words = cell_words(frame[col])
        if words and all(status_of(w) is not None for w in words):
            message = (
                f"column {col!r} holds only statuses but is not read as the status ({unread}): "
                "head it 状态 (or 建设状态, status) if it is their status"
            )
            return problem(sheet, None, str(col), "warning", "status_unread", message)
    return None

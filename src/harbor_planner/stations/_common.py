"""Words planners write for a station's status and flagship flag, shared by reading and checks."""

from __future__ import annotations

import re

__all__ = ["FLAGSHIP_ALIASES", "STATUS_ALIASES", "sheet_status"]

#: Status as written (Chinese or English, lower case) -> one of
#: :data:`harbor_planner.settings.STATUS_VALUES`.
STATUS_ALIASES: dict[str, str] = {
    **{k: "existing" for k in ("已建成", "建成", "已建", "运营", "运营中", "existing", "built")},
    **{k: "building" for k in ("在建", "建设中", "施工中", "building", "under construction")},
    **{k: "proposed" for k in ("拟建", "规划", "计划", "proposed", "planned")},
    **{k: "candidate" for k in ("候选", "备选", "candidate")},
    **{k: "closed" for k in ("退出", "已退出", "关闭", "已关闭", "撤销", "closed", "exited")},
}


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

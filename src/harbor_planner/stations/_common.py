"""Words planners write for a station's status and flagship flag, shared by reading and checks."""

from __future__ import annotations

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

    Parameters
    ----------
    name
        A workbook sheet's name (``None``: not a sheet).

    Returns
    -------
    str or None
        The one status whose words the name holds; ``None`` when it holds none, or words of
        two statuses ("已建成与在建").

    """
    text = (name or "").strip().lower()
    if not text:
        return None
    if text in STATUS_ALIASES:
        return STATUS_ALIASES[text]
    if any(neg in text for neg in ("未", "非", "不", "non-", "not ")):
        return None  # 未建成: not the status its words name
    found = {status for word, status in STATUS_ALIASES.items() if word in text}
    return found.pop() if len(found) == 1 else None


#: Flagship flag as written (lower case) -> True/False.
FLAGSHIP_ALIASES: dict[str, bool] = {
    **{k: True for k in ("是", "yes", "y", "true", "1", "√", "✓")},
    **{k: False for k in ("否", "no", "n", "false", "0", "×", "")},
}

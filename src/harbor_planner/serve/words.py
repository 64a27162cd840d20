"""The planning page's words and the server's messages to it, in Chinese and English, once.

Every entry is a ``(Chinese, English)`` pair, as in :mod:`harbor_planner.outputs.labels`;
statuses and solvers take their labels from there and from :mod:`harbor_planner.settings`.
The page gets its words in its language with the page itself (:func:`page_words`); the
server says every refusal in the session's language (:func:`said`): a refusal raised by the
plan or the session carries its key and values (:func:`refusal`) and reads in English as a
Python exception (probe 26C: the Chinese page showed "无法执行：the point ... is outside the
walk network's extent").
"""

from __future__ import annotations

from typing import Any

from harbor_planner.errors import HarborPlannerError
from harbor_planner.outputs.labels import value_text
from harbor_planner.settings import (
    OUTSIDE_LABELS_ZH,
    SERVE_STATUSES,
    SOLVERS,
    status_label,
)

__all__ = ["PAGE_TEXT", "SERVE_TEXT", "invalid_text", "page_words", "refusal", "said"]

#: The page's own words; ``{x}`` is filled in by the page.
PAGE_TEXT: dict[str, tuple[str, str]] = {
    "coverage": (
        "步行{m}分钟覆盖率（含在建、拟建、候选站点）",
        "covered within a {m}-min walk (every station but closed ones)",
    ),
    "built": ("已建成站点覆盖", "by built stations"),
    "nostatus": ("站点未注明状态，全部按已建成计", "no station has a status: all counted as built"),
    "none": ("未注明", "no status"),
    "withnone": ("（含{n}个未注明状态的站点）", " (and {n} without a status, counted as built)"),
    "circles": ("直线圆圈覆盖", "straight-line circles"),
    "addmode": ("点击地图添加站点", "click the map to add a station"),
    "undo": ("撤销", "Undo"),
    "redo": ("重做", "Redo"),
    "save": ("保存站点表", "Save stations"),
    "export": ("导出结果文件夹", "Export result folder"),
    "selected": ("所选站点", "Selected station"),
    "delete": ("删除", "Delete"),
    "optimise": ("优化选址", "Suggest sites"),
    "nsites": ("新增站点数", "New sites"),
    "run": ("运行", "Run"),
    "accept": ("采纳所选点位", "Accept checked sites"),
    "districts": ("各区县覆盖", "Coverage by district"),
    "district": ("区县", "District"),
    "demand": ("需求", "Demand"),
    "builtcol": ("已建成%", "built %"),
    "stations": ("站点", "stations"),
    "saved": ("已保存：", "Saved: "),
    "exported": ("已导出：", "Exported: "),
    "running": ("运行中…", "running…"),
    "failed": ("失败：", "failed: "),
    "done": ("完成，覆盖率可达 ", "done, coverage could reach "),
    "stale": (
        "（按运行开始时的站点计算；站点已改动，请重新运行）",
        " (for the stations when the run started; they have changed since: run it again)",
    ),
    "staleagain": (
        "站点在运行后已改动：再次点击“采纳所选点位”仍予采纳",
        "The stations changed after the run: click Accept again to accept these sites anyway",
    ),
    "offline": ("无法连接服务器", "cannot reach the server"),
    "status_error": ("服务器错误 ", "server error "),
    "newer": (
        "（另一窗口已改动方案：文件中是最新方案，页面已随之更新）",
        " (the plan was changed in another tab: the files hold the latest plan, now shown here)",
    ),
    "othertab": (
        "另一窗口已改动方案，页面已随之更新，本次未执行",
        "The plan was changed in another tab, now shown here; nothing was undone or redone",
    ),
    "next": ("：再点一次将{act}{what}", ": another click {act} {what}"),
    "undoact": ("撤销", "undoes"),
    "redoact": ("重做", "redoes"),
    "step_add": ("添加站点 ", "adding station "),
    "step_delete": ("删除站点 ", "deleting station "),
    "step_edit": ("改动站点 ", "changing station "),
    "sep": ("、", ", "),
    "more": (" 等{n}个", " and {n} in all"),
    "note": ("注意：", " Note: "),
    "offnet": (
        "（{n}个离可步行道路超过{d}米，不覆盖任何需求）",
        " (of which {n} farther than {d} m from every walkable street, covering nothing)",
    ),
    "offone": (
        "站点{id}离最近的可步行道路{m}米（超过{d}米）：步行覆盖不到任何需求",
        "Station {id} is {m} m from the nearest walkable street (more than {d} m): it covers "
        "no demand on foot",
    ),
}

#: The words the page puts before the server's message of each kind of refusal (the English
#: message says it alone).
KIND_TEXT: dict[str, tuple[str, str]] = {
    "invalid": ("请求无效：", ""),
    "unknown_id": ("该站点已不存在（可能已在另一窗口删除）：", ""),
    "refused": ("未执行：", ""),
    "input": ("无法执行：", ""),
    "internal": ("服务器内部错误：", ""),
    "http": ("请求失败：", ""),
}

#: The server's messages to the page; ``{x}`` is filled in by :func:`said`.
SERVE_TEXT: dict[str, tuple[str, str]] = {
    "too_large": ("请求内容超过 {limit} 字节", "request body larger than {limit} bytes"),
    "token_required": (
        "缺少访问令牌：请打开 harbor-planner serve 打印的地址",
        "token required (?token=...)",
    ),
    "wrong_token": (
        "访问令牌不对：请打开 harbor-planner serve 最后打印的地址（重新启动的服务有新的令牌；"
        "之前未保存的改动已不在）",
        "wrong token: open the address harbor-planner serve printed last (a restarted server "
        "has a new token; edits not saved before are gone)",
    ),
    "not_found": ("没有这个地址", "not found"),
    "http": ("请求无法处理（{code}）", "{detail}"),
    "unknown_id": ("没有编号为 {id} 的站点或记录", "unknown id {id}"),
    "internal": ("出错了（{name}），详情见服务器日志", "internal error ({name})"),
    "not_numbers": ("经度和纬度必须是数字", "lon and lat must be numbers"),
    "not_degrees": (
        "经度和纬度必须是有限的 WGS-84 度数",
        "lon and lat must be finite WGS-84 degrees",
    ),
    "off_extent": (
        "点 {lon:.6f}, {lat:.6f} 在步行路网的范围之外：请把站点放在地图上的街道旁",
        "the point {lon:.6f}, {lat:.6f} is outside the walk network's extent; place stations "
        "on the map's streets",
    ),
    "plan_full": (
        "方案已有 {n} 个站点，达到上限（SERVE_MAX_STATIONS）：请先删除一些",
        "the plan holds {n} stations, the most allowed (SERVE_MAX_STATIONS); delete some first",
    ),
    "too_many": (
        "再添加 {k} 个站点将超过一个方案最多的 {most} 个站点",
        "adding {k} stations would exceed the {most} stations a plan may hold",
    ),
    "unknown_status": (
        "未知的状态 {value!r}：请用 {statuses} 之一（或留空：未注明，按已建成计）",
        "unknown status {value!r}; use one of {statuses} (built = existing) or '' (none given: "
        "counted as built)",
    ),
    "name_not_text": ("名称必须是文字", "name must be text"),
    "name_too_long": ("名称超过 {n} 个字符", "name is longer than {n} characters"),
    "unknown_solver": (
        "未知的求解器 {solver!r}：请用 {solvers}",
        "unknown solver {solver!r}; use {solvers}",
    ),
    "busy": (
        "优化选址正在运行：请等它结束",
        "an optimiser run is already in progress; wait for it",
    ),
    "unfinished": ("这次优化选址尚未完成", "the optimiser run has not finished"),
    "in_plan": ("这些建议点位已在方案中", "these suggested sites are in the plan already"),
    "not_ours": (
        "这个文件不是 harbor-planner serve 写的（或之后被改动过），保存会覆盖它：请把它移走，"
        "或换一个 --out",
        "this file was not written by harbor-planner serve (or changed since) and would be "
        "replaced; move it or choose another --out",
    ),
    "input_file": (
        "这是本方案的输入文件，不会被覆盖或删除：请换一个 --out（或把输入文件移到别处）",
        "{detail}",
    ),
    "manifest_foreign": (
        "{name} 不是 harbor-planner serve 写的：请换一个 --out",
        "{name} was not written by harbor-planner serve; choose another --out",
    ),
    "other_scenario": (
        "{out} 存有为另一个方案文件（{other}）保存的方案：请给本方案另设一个 --out",
        "{out} holds the plan saved for another scenario ({other}); give this scenario its "
        "own --out",
    ),
    "unsaved_left": (
        "方案已保存，但 {path}（页面据以继续的未保存改动）未能删除：{why}。此后不会再从它继续；"
        "用完请删除",
        "the plan is saved, but {path} (the edits not saved it went on from) was left: {why}. "
        "serve no longer goes on from it; delete it when done",
    ),
}

#: The fields of the page's requests, in Chinese (the English message names the field).
FIELD_ZH: dict[str, str] = {
    "lon": "经度",
    "lat": "纬度",
    "status": "状态",
    "name": "名称",
    "n_sites": "新增站点数",
    "solver": "求解器",
    "site_ids": "建议点位",
    "version": "版本号",
    "id": "编号",
    "body": "请求内容",
}

#: What is wrong with a field, in Chinese, by pydantic's error type (``{x}``: its context).
INVALID_ZH: dict[str, str] = {
    "missing": "缺少此项",
    "extra_forbidden": "不是可用的字段",
    "float_type": "必须是数字",
    "float_parsing": "必须是数字",
    "finite_number": "必须是有限的数字",
    "int_type": "必须是整数",
    "int_parsing": "必须是整数",
    "int_from_float": "必须是整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "less_than": "必须小于 {lt}",
    "string_type": "必须是文字",
    "string_too_long": "不能超过 {max_length} 个字符",
    "list_type": "必须是列表",
    "too_long": "最多 {max_length} 项",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "必须是 JSON 对象",
    "dict_type": "必须是 JSON 对象",
    "model_type": "必须是 JSON 对象",
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    """The Chinese or the English one of a pair."""
    return pair[0] if lang == "zh" else pair[1]


def page_words(lang: str) -> dict[str, Any]:
    """The page's words in ``lang``, as the page reads them (its ``t``).

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict
        Key → text; ``kinds`` (the lead of each kind of refusal), the status labels (the
        map's and report's), ``solvers`` (their labels) and ``district_names`` (the names
        of the rows outside any district, as the Chinese report shows them).

    """
    words: dict[str, Any] = {k: _pick(v, lang) for k, v in PAGE_TEXT.items()}
    words["kinds"] = {k: _pick(v, lang) for k, v in KIND_TEXT.items()}
    words.update({s: status_label(s, lang) for s in SERVE_STATUSES})
    words["solvers"] = {s: value_text(s, lang) for s in SOLVERS}
    words["district_names"] = dict(OUTSIDE_LABELS_ZH) if lang == "zh" else {}
    return words


def _lists(lang: str) -> dict[str, str]:
    """The statuses and solvers a message lists: Chinese labels, English codes."""
    if lang == "zh":
        return {
            "statuses": "、".join(status_label(s, "zh") for s in SERVE_STATUSES),
            "solvers": "、".join(f"{s}（{value_text(s, 'zh')}）" for s in SOLVERS),
        }
    return {"statuses": ", ".join(SERVE_STATUSES), "solvers": ", ".join(SOLVERS)}


def serve_text(key: str, lang: str, **values: Any) -> str:
    """The server's message ``key`` (of :data:`SERVE_TEXT`) in ``lang``, filled in.

    Parameters
    ----------
    key
        A key of :data:`SERVE_TEXT`.
    lang
        ``"zh"`` or ``"en"``.
    **values
        Its ``{x}`` values; an exception among them is said in ``lang`` too (:func:`said`).

    Returns
    -------
    str

    """
    filled = {k: said(v, lang) if isinstance(v, BaseException) else v for k, v in values.items()}
    return _pick(SERVE_TEXT[key], lang).format(**{**_lists(lang), **filled})


def refusal(kind: type[HarborPlannerError], key: str, *, path: Any = None, **values: Any) -> Any:
    """An error of class ``kind`` whose message is :data:`SERVE_TEXT` ``key`` (English).

    The page gets it in its own language (:func:`said`).

    Parameters
    ----------
    kind
        The error class (:class:`~harbor_planner.errors.InputDataError`,
        :class:`~harbor_planner.errors.OutputError`); it takes ``path`` when given.
    key
        A key of :data:`SERVE_TEXT`.
    path
        The file at fault, if any (put before the message, as the class does).
    **values
        The message's ``{x}`` values.

    Returns
    -------
    HarborPlannerError
        To raise; ``words`` holds the key and values.

    """
    text = serve_text(key, "en", **values)
    exc = kind(text) if path is None else kind(text, path=path)  # type: ignore[call-arg]
    exc.words = (key, values)  # type: ignore[attr-defined]
    return exc


def said(exc: BaseException, lang: str) -> str:
    """An error's message in ``lang``: a :func:`refusal`'s in its words, others as raised.

    Parameters
    ----------
    exc
        The error.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str

    """
    words = getattr(exc, "words", None)
    if words is None:
        return str(exc)
    text = serve_text(words[0], lang, **words[1])
    path = getattr(exc, "path", None)
    return f"{path}: {text}" if path else text


def invalid_text(errors: list[dict[str, Any]], lang: str) -> str:
    """The problems pydantic found in a request, in ``lang`` (at most five).

    Parameters
    ----------
    errors
        ``RequestValidationError.errors()``.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        ``field: problem`` joined (English: pydantic's own words).

    """
    parts = []
    for e in errors[:5]:
        loc = [x for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        if lang != "zh":
            where = ".".join(str(x) for x in loc)
            parts.append(f"{where or 'body'}: {e.get('msg', 'invalid')}")
            continue
        where = "".join(f"[{x}]" if isinstance(x, int) else FIELD_ZH.get(str(x), str(x))
                        for x in loc) or FIELD_ZH["body"]  # fmt: skip
        ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in (e.get("ctx") or {}).items()}
        try:
            what = INVALID_ZH.get(str(e.get("type")), "取值无效").format(**ctx)
        except (KeyError, IndexError, ValueError):
            what = "取值无效"
        parts.append(f"{where}：{what}")
    if not parts:
        return "请求无效" if lang == "zh" else "invalid request"
    return ("；" if lang == "zh" else "; ").join(parts)

"""The session's output folder: the plan a start goes on from, and where edits not saved go.

``serve.json`` lists the files serve wrote with their SHA-256 and, for each file of edits not
saved, the SHA-256 of the saved plan those edits were made on (``based_on``; ``null``: no plan
was saved). A start goes on from :data:`~harbor_planner.settings.SERVE_UNSAVED_FILE` only while
the plan saved is still that one: a save made since holds newer work, so the start goes on
from the plan saved and says that both exist (probe 25R3: a stale file won over a newer save,
and the next save replaced it). A stop never writes over edits not saved that its session did
not start from (another session's, a planner's own file of that name, one corrected by hand):
its edits go to the first free ``plan_stations.unsaved-N.csv`` instead (:func:`unsaved_names`).

``serve.json`` also records the scenario's station file the plan was made from (``stations_from``:
its path and SHA-256, kept by every later save of a session going on from that plan): a start
going on from a plan made from another station list, or from the same file edited since, says
so (probe 26P: the page showed last time's 18 stations after the scenario's list became 10).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harbor_planner._io import path_from, read_regular_text
from harbor_planner.settings import SERVE_MANIFEST, SERVE_STATIONS_FILES, SERVE_UNSAVED_FILE

__all__ = [
    "BASED_ON",
    "MADE_FROM",
    "MAX_UNSAVED_FILES",
    "Start",
    "based_on_records",
    "other_scenario",
    "page_scenario",
    "plan_made_from",
    "scenario_records",
    "start_plan",
    "station_source",
    "unsaved_names",
]

log = logging.getLogger(__name__)

#: The key of ``serve.json``: file of edits not saved -> SHA-256 of the saved plan they were
#: made on (``null``: none was saved).
BASED_ON = "based_on"
#: The key of ``serve.json``: the scenario's station file the plan was made from
#: (``{"path", "sha256"}``; missing in folders saved before it was recorded).
MADE_FROM = "stations_from"
#: Most files of edits not saved a folder holds (``plan_stations.unsaved-2.csv``... up to it).
MAX_UNSAVED_FILES = 100


@dataclass(frozen=True)
class Start:
    """What a session starts from.

    Attributes
    ----------
    file
        The station file the page starts from (``None``: the scenario's stations).
    unsaved
        The edits not saved it goes on from (then ``file``), else ``None``.
    unsaved_sha
        That file's SHA-256 when read (a stop may write over it only while it still has it).
    based_on
        The SHA-256 of the plan saved in the folder that the page's plan was made on.
    made_from
        The station file (``{"path", "sha256"}``) that plan was made from, as ``serve.json``
        records it (``None``: the scenario's stations, or not recorded).

    """

    file: Path | None
    unsaved: Path | None = None
    unsaved_sha: str | None = None
    based_on: str | None = None
    made_from: dict[str, str] | None = None


def _manifest(out: Path) -> dict[str, Any]:
    """``serve.json`` of ``out`` as read (``{}`` when there is none, or it is not serve's)."""
    try:
        data = json.loads(read_regular_text(out / SERVE_MANIFEST))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def based_on_records(out: Path) -> dict[str, str | None]:
    """The ``based_on`` records of ``out``'s ``serve.json``: file name -> saved plan's SHA-256."""
    records = _manifest(out).get(BASED_ON)
    return dict(records) if isinstance(records, dict) else {}


#: The key of ``serve.json`` naming the scenario file from the folder itself (``../x.toml``).
SCENARIO_FROM_OUT = "scenario_from_out"


def scenario_records(scenario: Any, out: Path) -> dict[str, str | None]:
    """How ``serve.json`` names the scenario: its path, and its path from ``out``.

    The second keeps a saved plan the scenario's when the project folder holding both is
    renamed or copied (before session 27 the plan became "another scenario's").
    """
    if scenario is None:
        return {"scenario": None}
    path = Path(scenario).resolve()
    return {"scenario": str(path), SCENARIO_FROM_OUT: path_from(path, Path(out).resolve())}


def other_scenario(manifest: Path, scenario: Any) -> str | None:
    """The scenario file a ``serve.json`` names when it is not ``scenario`` (else ``None``).

    It names ``scenario`` by its path, or by its path from the folder (a project folder
    renamed or copied with its plan).
    """
    try:
        data = json.loads(read_regular_text(manifest))
        saved, from_out = data.get("scenario"), data.get(SCENARIO_FROM_OUT)
    except (OSError, ValueError, AttributeError):
        return None
    if not saved or scenario is None:
        return None
    here = Path(scenario).resolve()
    if Path(saved) == here:
        return None
    if (
        isinstance(from_out, str)
        and from_out
        and ((manifest.resolve().parent / from_out).resolve() == here)
    ):
        return None
    return str(saved)


def station_source(scenario: Any) -> dict[str, str] | None:
    """The scenario's station file as ``serve.json`` records it: its path and SHA-256."""
    from harbor_planner._io import file_sha256

    path = getattr(scenario.stations, "file", None)
    try:
        return {"path": str(Path(path).resolve()), "sha256": file_sha256(path)}
    except (OSError, TypeError):
        return None  # no file (checked before a start), or unreadable


def _made_from(out: Path) -> dict[str, str] | None:
    """The station file ``out``'s plan was made from, as ``serve.json`` records it."""
    record = _manifest(out).get(MADE_FROM)
    if isinstance(record, dict) and {"path", "sha256"} <= record.keys():
        return {"path": str(record["path"]), "sha256": str(record["sha256"])}
    return None


def unsaved_names(out: Path) -> Iterator[Path]:
    """Where a stop may write edits not saved: the usual name, then ``…unsaved-2.csv``..."""
    first = out / SERVE_UNSAVED_FILE
    yield first
    for k in range(2, MAX_UNSAVED_FILES + 1):
        yield first.with_name(f"{first.stem}-{k}{first.suffix}")


def _saved_sha(out: Path, scenario: Any) -> str | None:
    """The SHA-256 of the plan serve saved in ``out`` for ``scenario``, unchanged since."""
    from harbor_planner._io import file_sha256
    from harbor_planner._owned import serve_plan

    csv = out / SERVE_STATIONS_FILES[0]
    if other_scenario(out / SERVE_MANIFEST, scenario) is not None or not serve_plan(csv):
        return None
    return file_sha256(csv)


def _saved_plan(out: Path, scenario: Any = None) -> Path | None:
    """The plan an earlier session saved in ``out`` (its CSV, unchanged since), else ``None``.

    A restarted ``serve`` goes on from it: starting again from the scenario's stations, the
    first save replaced the day's work without a word (probe 21S).
    """
    from harbor_planner._owned import serve_plan

    csv, manifest = out / SERVE_STATIONS_FILES[0], out / SERVE_MANIFEST
    if not csv.is_file() or not manifest.is_file():
        return None
    other = other_scenario(manifest, scenario)
    if other is not None:  # probe 21R: two scenarios beside each other shared plan/
        log.warning(
            "serve: %s is the plan saved for another scenario (%s): the page starts from this "
            "scenario's stations, and saving is refused; give each scenario its own --out",
            csv, other,
        )  # fmt: skip
        return None
    if not serve_plan(csv):  # the hash serve.json holds (or a save cut short staged)
        log.warning(
            "serve: %s was changed since serve saved it: the page starts from the scenario's "
            "stations, and saving is refused until the file is moved or renamed",
            csv,
        )
        return None
    if len(csv.read_text("utf-8-sig").strip().splitlines()) < 2:  # every station deleted
        log.warning("serve: %s holds no station: the page starts from the scenario's", csv)
        return None
    return csv


def _made_on(out: Path, path: Path, saved: str | None) -> bool:
    """Whether the edits not saved in ``path`` were made on the plan saved now (``saved``).

    A file written before ``based_on`` was recorded: whether it is newer than the plan saved.
    """
    records = based_on_records(out)
    if path.name in records:
        return records[path.name] == saved
    csv = out / SERVE_STATIONS_FILES[0]
    return saved is None or path.stat().st_mtime > csv.stat().st_mtime


def _unsaved_plan(out: Path, scenario: Any, saved: str | None) -> Path | None:
    """The edits not saved when serve last stopped (:data:`SERVE_UNSAVED_FILE`), or ``None``.

    Probe 24R2: they were never mentioned at the next start and the next stop wrote over
    them. Serve's own file, unchanged since, for this scenario, with a station, made on the
    plan saved now (probe 25R3).
    """
    from harbor_planner._owned import serve_plan

    path = out / SERVE_UNSAVED_FILE
    if not path.is_file():
        return None
    if not serve_plan(path) or other_scenario(out / SERVE_MANIFEST, scenario) is not None:
        log.warning(
            "serve: %s was not written by serve, or changed since, or is another scenario's: "
            "the page does not start from it, and it is left as it is (edits not saved at the "
            "next stop go beside it under another name)",
            path,
        )
        return None
    if len(path.read_text("utf-8-sig").strip().splitlines()) < 2:
        return None
    if not _made_on(out, path, saved):
        csv = out / SERVE_STATIONS_FILES[0]
        log.warning(
            "serve: both %s (edits not saved when a serve session stopped) and %s exist, and %s: "
            "the page starts from %s; the file is left as it is (read it with --crs wgs84 to "
            "compare, delete it when done)",
            path, csv,
            "the plan was saved after those edits were made" if saved is not None else
            "the plan saved those edits were made on is no longer there (changed or deleted)",
            "the plan saved" if saved is not None else "the scenario's stations",
        )  # fmt: skip
        return None
    return path


def start_plan(out: Path, scenario: Any) -> Start:
    """What a session on ``out`` starts from: edits not saved, the plan saved, or neither.

    Parameters
    ----------
    out
        The session's output folder.
    scenario
        The scenario file (``serve.json`` names the one it saved for).

    Returns
    -------
    Start

    """
    from harbor_planner._io import file_sha256

    saved = _saved_sha(out, scenario)
    others = [p for p in list(unsaved_names(out))[1:] if p.is_file()]
    if others:
        log.warning(
            "serve: %s: edits not saved that a stop wrote beside another session's; serve does "
            "not go on from them: read them with --crs wgs84, delete them when done",
            ", ".join(str(p) for p in others),
        )
    unsaved = _unsaved_plan(out, scenario, saved)
    if unsaved is not None:
        return Start(unsaved, unsaved, file_sha256(unsaved), saved, _made_from(out))
    file = _saved_plan(out, scenario)
    return Start(file, based_on=saved, made_from=None if file is None else _made_from(out))


def page_scenario(scenario: Any, start: Start) -> Any:
    """The scenario whose stations the page starts from: the saved plan, or the scenario's.

    The page shows every row of the station file (closed ones are shown but not counted,
    candidates counted, as the page counts its own), unless the scenario names statuses:
    rows left out never came back into a saved plan (probe 21S).
    """
    from harbor_planner.settings import STATUS_VALUES

    st = scenario.stations
    if start.file is None:
        status = list(STATUS_VALUES) if st.status is None else st.status
        return dataclasses.replace(scenario, stations=dataclasses.replace(st, status=status))
    if start.unsaved is not None:
        log.warning(
            "serve: going on from the edits not saved when serve last stopped (%s), %s: save "
            "them to keep them (the file then goes), or delete it to start from %s",
            start.unsaved,
            *(("made on the plan saved", "the plan saved") if start.based_on is not None else
              ("no plan was saved before", "the scenario's stations")),
        )  # fmt: skip
    else:
        log.warning(
            "serve: going on from the plan saved in %s; rename or delete it to start again "
            "from the scenario's stations",
            start.file,
        )
    _warn_list_changed(scenario, start)
    st = dataclasses.replace(st, file=start.file, crs="wgs84", sheet=None,
                             status=list(STATUS_VALUES), accept_datum=True)  # fmt: skip
    return dataclasses.replace(scenario, stations=st)


def plan_made_from(scenario: Any, start: Start) -> dict[str, str] | None:
    """The station file the plan gone on from was made from, as the next save records it.

    The record follows a file that moved with its content unchanged (the same SHA-256):
    probe 26R, finding 7, kept the old path, and every start said the list "changed".

    Parameters
    ----------
    scenario
        The scenario served.
    start
        What the session starts from (:func:`start_plan`).

    Returns
    -------
    dict or None
        ``{"path", "sha256"}``; the scenario's station file when the page starts from it.

    """
    now = station_source(scenario)
    if start.file is None:
        return now
    was = start.made_from
    if was is not None and now is not None and was["sha256"] == now["sha256"]:
        return now
    return was


def _follow_moved_list(start: Start, was: dict[str, str], now: dict[str, str]) -> None:
    """Say at INFO that the station file moved, unchanged, and record where it is now."""
    from harbor_planner.pipeline import write_json

    log.info(
        "serve: the scenario's station file moved since the plan in %s was made, its content "
        "unchanged (SHA-256 %s): from %s to %s; serve.json now records the new place",
        start.file, now["sha256"][:12], was["path"], now["path"],
    )  # fmt: skip
    manifest = _manifest(start.file.parent) if start.file is not None else {}
    if manifest.get(MADE_FROM) != was:
        return  # not serve's record (or none): the next save writes it
    try:
        write_json(start.file.parent / SERVE_MANIFEST, {**manifest, MADE_FROM: now})
    except OSError as exc:  # a read-only folder: the next save records it, or says why not
        log.info("serve: %s not updated (%s)", start.file.parent / SERVE_MANIFEST, exc)


def _warn_list_changed(scenario: Any, start: Start) -> None:
    """Say when the scenario's station list is not the one the plan gone on from was made from.

    The plan is the planner's work: the page still goes on from it (probe 26P: the start said
    only "going on from the plan saved" when the scenario named another list). The same
    content at another path is no change: the record follows the file (probe 26R).
    """
    was, now = start.made_from, station_source(scenario)
    if was is None or now is None or was == now:
        return
    if was["sha256"] == now["sha256"]:
        _follow_moved_list(start, was, now)
        return
    edited = Path(was["path"]) == Path(now["path"])
    saved = start.file.parent / SERVE_STATIONS_FILES[0] if start.file is not None else None
    aside = ", ".join(dict.fromkeys(str(p) for p in (start.file, saved) if p and p.is_file()))
    log.warning(
        "serve: the scenario's station list changed since the plan in %s was made: it was made "
        "from %s (SHA-256 %s), the scenario now names %s (SHA-256 %s%s); the page goes on from "
        "that plan, not from the new list: to start from the new list, give serve another "
        "--out, or move %s aside",
        start.file, was["path"], was["sha256"][:12], now["path"], now["sha256"][:12],
        ", the same file edited since" if edited else "", aside,
    )  # fmt: skip

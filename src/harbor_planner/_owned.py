"""Whether an existing file is one harbor-planner wrote (and may therefore replace).

A single-file output (``isochrones --out``, ``map --out``, ``network build --out/--gpkg``,
``stations check/number --out``, ``compare --out``) replaces its file only when that file is
recognisably one of ours, so that a planner's own GeoPackage, workbook or page of the same
name is never lost:

* ``.html``: a map page (its ``hpLayer`` script, or the generator tag) not edited since: the
  tag carries the page's SHA-256 (:func:`seal_page`);
* ``.xlsx``: a workbook whose creator is ``harbor-planner``, not saved again since (Excel
  and WPS record a last author and a new date);
* ``.gpkg``: a GeoPackage holding exactly the layers of one single-file command, with a
  field of ours in them (an OSMnx ``nodes``/``edges`` file is not ours);
* ``.geojson``/``.json``: isochrones (the collection named ``isochrones``, features with
  ``station_id`` and ``minutes``);
* ``.npz``: a saved walk network;
* ``.csv``: a register (``统一编号,编号,...`` or ``统一编号,station_id,...`` to 纬度 or
  纬度(GCJ-02)... in the register's order) or a comparison (its ``Δ`` columns).

A file listed in the ``run.json`` of its folder belongs to that run: it is never replaced
by another command (``compare --out RUN/report.xlsx``).
"""

from __future__ import annotations

import contextlib
import json
import re
import zipfile
from pathlib import Path

from harbor_planner._io import read_regular_text

__all__ = [
    "GENERATOR",
    "OWN_GPKG_LAYERS",
    "SEAL_BLANK",
    "run_owning",
    "seal_page",
    "serve_plan",
    "written_by_harbor_planner",
]

#: The generator named in our pages and workbooks.
GENERATOR = "harbor-planner"
#: The layer sets of the GeoPackages the single-file commands write, with a field of ours.
_GPKG_SETS: dict[frozenset[str], dict[str, str]] = {
    frozenset(["isochrones"]): {"isochrones": "station_id"},
    frozenset(["isochrones", "service_area"]): {"isochrones": "station_id"},
    frozenset(["edges", "nodes"]): {"edges": "time_fwd_s"},
    frozenset(["stations", "rejected", "problems"]): {"problems": "severity"},
    frozenset(["register"]): {"register": "统一编号"},
}
#: The layers of the GeoPackages the single-file commands write.
OWN_GPKG_LAYERS = frozenset().union(*_GPKG_SETS)
#: The columns a register CSV of ours begins with, in this order (those it has), up to 纬度:
#: in Chinese (``stations number``'s default) and in English (``--lang en``, and earlier
#: versions).
_REGISTER_HEADS = (
    ("统一编号", "编号", "名称", "区县", "地址", "状态", "最美渝工港湾", "面积(㎡)", "开通日期",
     "退出日期", "经度", "纬度"),
    ("统一编号", "station_id", "name", "district", "address", "status", "flagship", "area_m2",
     "opened", "closed", "经度", "纬度"),
)  # fmt: skip
_HEAD_BYTES = 4096


def _head(path: Path, n: int = _HEAD_BYTES) -> str:
    with path.open("rb") as f:
        return f.read(n).decode("utf-8", errors="replace").lstrip("\ufeff")


#: The seal of a page: the SHA-256 of the page with the seal blank (64 zeros).
_SEAL = re.compile(rb'data-sha256="([0-9a-f]{64})"')
SEAL_BLANK = "0" * 64


def seal_page(page: str) -> str:
    """``page`` with its seal filled in: a page edited since no longer matches it."""
    import hashlib

    data = page.encode("utf-8")
    if f'data-sha256="{SEAL_BLANK}"'.encode() not in data:
        return page
    digest = hashlib.sha256(data).hexdigest()
    return page.replace(f'data-sha256="{SEAL_BLANK}"', f'data-sha256="{digest}"', 1)


def _sealed(path: Path) -> bool | None:
    """Whether the page still matches its seal (``None``: a page without one)."""
    import hashlib

    data = path.read_bytes()
    found = _SEAL.search(data[:_HEAD_BYTES])
    if found is None:
        return None
    blank = data[: found.start(1)] + SEAL_BLANK.encode() + data[found.end(1) :]
    return hashlib.sha256(blank).hexdigest() == found.group(1).decode()


def _html(path: Path) -> bool:
    if f'name="generator" content="{GENERATOR}' in _head(path):
        sealed = _sealed(path)  # a page edited since it was written is the planner's now
        return sealed is not False
    with path.open("rb") as f:  # maps written before the tag: their layer script
        chunks = iter(lambda: f.read(1 << 20), b"")
        return any(b"function hpLayer(spec)" in chunk for chunk in chunks)


def _xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    ours = re.search(rf"<dc:creator>\s*{GENERATOR}\s*</dc:creator>", core) is not None
    # saved again in Excel or WPS: a last author and a new date, the planner's notes in it
    edited = re.search(r"<cp:lastModifiedBy>(?!\s*harbor-planner\s*<)", core) is not None
    dates = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
    return ours and not edited and len(set(dates)) <= 1


def _gpkg(path: Path) -> bool:
    """The layers of one single-file command, exactly, each with a field only ours have."""
    try:
        import pyogrio

        layers = frozenset(str(row[0]) for row in pyogrio.list_layers(path))
        marks = _GPKG_SETS.get(layers)
        if marks is None:
            return False
        ours = all(
            field in set(map(str, pyogrio.read_info(path, layer=layer)["fields"]))
            for layer, field in marks.items()
        )
        return ours and not _gpkg_edited(path)
    except Exception:  # a GeoPackage we cannot read is not ours
        return False


def _gpkg_edited(path: Path) -> bool:
    """Whether a table was changed after we wrote it.

    GDAL and QGIS stamp a change's time in ``gpkg_contents.last_change``; ours hold
    :data:`~harbor_planner.settings.FILE_DATE` (probe 21X: a 备注 column added in QGIS was lost
    to the next run).
    """
    import sqlite3

    from harbor_planner.settings import FILE_DATE

    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        stamps = [str(r[0]) for r in db.execute("SELECT last_change FROM gpkg_contents")]
    return any(not s.startswith(FILE_DATE[:19]) for s in stamps)


def _geojson(path: Path) -> bool:
    head = _head(path)
    if re.search(r'"name"\s*:\s*"service_area"', head) is not None:  # isochrones' side file
        return re.search(r'"properties"\s*:\s*\{\s*"minutes"', head) is not None
    named = re.search(r'"name"\s*:\s*"isochrones"', head) is not None
    return named and re.search(r'"station_id"[^{}]*"minutes"', head) is not None


def _npz(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return {"meta.npy", "edge_u.npy"} <= names


def _register_header(cells: list[str]) -> bool:
    """A register's header: 统一编号, then its columns in the register's order to 纬度.

    Its 经度/纬度 may name their datum (``经度(GCJ-02)``, probe 26P).
    """
    from harbor_planner.readers.headers import header_without_datum

    cells = [header_without_datum(c) for c in cells]
    # 统一编号 then the station's own id (编号, station_id): a planner's master list of
    # codes and names (统一编号,名称,...) is theirs (probe 20R)
    if "纬度" not in cells or cells[:2] not in (["统一编号", "编号"], ["统一编号", "station_id"]):
        return False
    lead = cells[: cells.index("纬度") + 1]
    for head in _REGISTER_HEADS:
        at = [head.index(c) if c in head else -1 for c in lead]
        if min(at) >= 0 and at == sorted(at) and len(set(at)) == len(at):
            return True
    return False


def _csv(path: Path) -> bool:
    first = _head(path, 2048).split("\n", 1)[0].rstrip("\r")
    # compare's tables: figure or district, the runs, and their differences (Δ)
    compared = first.startswith(("figure,", "district,")) and "Δ" in first
    return _register_header(first.split(",")) or compared


_CHECKS = {
    ".html": _html, ".htm": _html, ".xlsx": _xlsx, ".gpkg": _gpkg, ".geojson": _geojson,
    ".json": _geojson, ".npz": _npz, ".csv": _csv,
}  # fmt: skip


def written_by_harbor_planner(path: str | Path) -> bool:
    """Whether the existing file ``path`` is one harbor-planner wrote (see the module).

    Parameters
    ----------
    path
        An existing file.

    Returns
    -------
    bool
        ``False`` for a suffix harbor-planner never writes alone, or a file it cannot read.

    """
    path = Path(path)
    check = _CHECKS.get(path.suffix.lower())
    try:
        if check is None and path.is_file() and _head(path, 4).startswith("PK"):
            check = _npz  # a network saved under another name (probe 23R: saved once only)
        return bool(check and path.is_file() and check(path))
    except OSError:
        return False


def run_owning(path: str | Path) -> Path | None:
    """The result folder whose ``run.json`` lists ``path`` among its outputs, if any.

    Parameters
    ----------
    path
        A file.

    Returns
    -------
    pathlib.Path or None

    """
    path = Path(path)
    manifest = path.parent / "run.json"
    if not manifest.is_file():
        return None
    try:
        outputs = json.loads(read_regular_text(manifest)).get("outputs") or []
    except (OSError, ValueError, AttributeError):
        return None
    names = {str(o.get("path")) for o in outputs if isinstance(o, dict)}
    return path.parent if path.name in names else None


def serve_plan(path: str | Path) -> bool:
    """Whether ``path`` is a plan ``harbor-planner serve`` saved, unchanged since.

    The ``serve.json`` beside it lists the file with the SHA-256 it had when serve wrote it
    (its stations in WGS-84, placed on the map or converted from the list loaded).

    Parameters
    ----------
    path
        A file.

    Returns
    -------
    bool

    """
    from harbor_planner._io import file_sha256
    from harbor_planner.settings import SERVE_MANIFEST

    path = Path(path)
    manifest = path.parent / SERVE_MANIFEST
    try:
        data = json.loads(read_regular_text(manifest))
        known = (data["files"].get(path.name), (data.get("pending") or {}).get(path.name))
        return bool(path.is_file() and file_sha256(path) in known)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False

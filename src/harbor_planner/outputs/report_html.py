"""The printable HTML report of a coverage run and/or a site selection.

:func:`report_html` / :func:`write_report_html` give one self-contained HTML file (no external
CSS, JavaScript, fonts or images; print CSS with page breaks): headline coverage figures, the
per-district table, network-vs-circle comparison, the stations, the selected sites and the
coverage curve as inline SVG, the scenario's parameters and the data sources (name, size,
modification date, SHA-256 prefix). Chinese labels by default, English with ``lang="en"``.
Every string from the user's data is HTML-escaped; the file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harbor_planner._io import atomic_path, file_sha256, jsonable
from harbor_planner._text import clean_text
from harbor_planner.errors import InputDataError
from harbor_planner.network.osm import OSM_SUFFIXES
from harbor_planner.outputs.labels import report_labels, status_text, value_text
from harbor_planner.outputs.ranges import dem_flat_cards, pct_with_range
from harbor_planner.outputs.report_centres import centres_section
from harbor_planner.outputs.report_study import district_name_text, district_text, study_area_note
from harbor_planner.outputs.svg import bars_svg, coverage_curve_svg
from harbor_planner.outputs.values import (
    all_stations_note,
    bands_card,
    district_frame,
    esc,
    is_missing,
    num_text,
    pct_text,
    points_between,
    report_parameters,
    size_text,
)
from harbor_planner.outputs.wording import (
    parameter_rows,
    status_headline,
    walk_direction_text,
    walk_model_text,
    walk_route_text,
)
from harbor_planner.settings import site_kind_label

__all__ = ["MAX_HTML_ROWS", "report_html", "source_info", "write_report_html"]

log = logging.getLogger(__name__)

#: Rows shown in an HTML table before the rest is left to the workbook.
MAX_HTML_ROWS = 300

# --------------------------------------------------------------------------- HTML

_CSS = """
:root { --accent: #c0392b; --muted: #666; }
* { box-sizing: border-box; }
body { font-family: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
  "Source Han Sans SC", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif;
  color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; line-height: 1.5; }
h1 { font-size: 22px; border-bottom: 3px solid var(--accent); padding-bottom: 6px; }
h2 { font-size: 17px; margin-top: 28px; border-left: 4px solid var(--accent);
  padding-left: 8px; break-after: avoid; page-break-after: avoid; }
.meta { color: var(--muted); font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ddd; border-radius: 4px; padding: 8px 12px; min-width: 150px;
  break-inside: avoid; }
.card .v { font-size: 22px; font-weight: bold; }
.card .k { font-size: 12px; color: var(--muted); }
.card.main .v { color: var(--accent); }
p.headline { font-size: 16px; font-weight: bold; color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 6px 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
code { font-size: 11px; word-break: break-all; }
.note { font-size: 12px; color: var(--muted); }
figure { margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
svg text { font-family: inherit; }
footer { margin-top: 32px; font-size: 11px; color: var(--muted); border-top: 1px solid #ddd;
  padding-top: 6px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11px; }
  section.break { break-before: page; page-break-before: always; }
  .card { border-color: #999; }
  a { color: inherit; text-decoration: none; }
}
"""


def _table(
    header: Sequence[str],
    rows: Iterable[Sequence[tuple[str, bool]]],
    *,
    total: int | None = None,
    more: str = "",
) -> str:
    """An HTML table; cells are ``(already-escaped html, numeric)`` pairs."""
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in header), "</tr></thead><tbody>"]
    shown = 0
    for row in rows:
        out.append("<tr>")
        out.extend(f'<td class="n">{c}</td>' if numeric else f"<td>{c}</td>" for c, numeric in row)
        out.append("</tr>")
        shown += 1
    out.append("</tbody></table>")
    if total is not None and total > shown and more:
        out.append(f'<p class="note">{esc(more.format(n=f"{total - shown:,}"))}</p>')
    return "".join(out)


def _card(key: str, value: str, *, main: bool = False) -> str:
    cls = "card main" if main else "card"
    return (
        f'<div class="{cls}"><div class="v">{esc(value)}</div><div class="k">{esc(key)}</div></div>'
    )


def _get(row: Any, col: str) -> Any:
    return row.get(col)


def _headline(cov: Any, sel: Any, lab: dict[str, str], after: Any = None) -> str:
    cards = []
    if cov is not None:
        s = cov.summary
        cards += _status_cards(s, lab)
        cards += [_card(k, v) for k, v in dem_flat_cards(s, lab["lang"])]
        every = all_stations_note(s, lab["lang"])  # the circles are of every station used
        cards.append(
            _card(lab["euclidean_coverage_pct"] + every,
                  pct_text(s.get("euclidean_coverage_pct")))
        )  # fmt: skip
        over = points_between(s.get("euclidean_coverage_pct"), s.get("coverage_pct"))
        cards.append(_card(lab["overstatement"] + every, f"{num_text(over)} {lab['points']}"))
        cards.append(
            _card(
                lab["stations_on_network"],
                f"{num_text(s.get('stations_on_network'))} / {num_text(s.get('stations'))}",
            )
        )
        cards.append(_card(lab["minutes"], f"{_minutes(s.get('minutes'))} {lab['min']}"))
        cards.append(_card(lab["walk_speed"], f"{num_text(s.get('walk_speed_kmh'))} {lab['kmh']}"))
        model = walk_model_text(s.get("walk_model"), lab["lang"], dem=s.get("walk_dem"))
        cards.append(_card(lab["walk_model"], model))
        if s.get("walk_direction"):
            direction = walk_direction_text(s["walk_direction"], lab["lang"])
            cards.append(_card(lab["walk_direction"], direction))
        unit = value_text(s.get("demand_unit") or "", lab["lang"])
        cards.append(_card(lab["demand_total"], f"{num_text(s.get('demand_total'), 0)} {unit}"))
        # these count every station used too, beside a headline of the built ones (18R)
        covered = f"{num_text(s.get('demand_covered'), 0)} {unit}"
        cards.append(_card(lab["demand_covered"] + every, covered))
        median = f"{num_text(s.get('time_median_min'))} {lab['min']}"
        cards.append(_card(lab["time_median_min"] + every, median))
        cards.append(
            _card(lab["time_p90_min"] + every, f"{num_text(s.get('time_p90_min'))} {lab['min']}")
        )
        if s.get("double_coverage_pct") is not None:
            double = pct_text(s["double_coverage_pct"])
            cards.append(_card(lab["double_coverage_pct"] + every, double))
        bands = bands_card(s, lab["lang"])  # probe 27Q: the 5/10-minute shares
        cards += [_card(bands[0] + every, bands[1])] if bands else []
    if sel is not None:
        every = "" if cov is None else all_stations_note(cov.summary, lab["lang"])
        cards.append(_card(lab["sites_added"], num_text(len(sel.selected))))
        cards.append(_card(lab["coverage_before"] + every, pct_text(sel.coverage_pct_before)))
        after_text = (
            pct_with_range(after.summary, lab["lang"])
            if after is not None
            else pct_text(sel.coverage_pct_after)
        )
        cards.append(_card(lab["coverage_after"], after_text, main=True))
    sentence = (
        f'<p class="headline">{esc(status_headline(cov.summary, lab["lang"]))}</p>'
        if cov is not None
        else ""
    )
    return f'{sentence}<div class="cards">{"".join(cards)}</div>'


def _status_cards(s: Mapping[str, Any], lab: dict[str, str]) -> list[str]:
    """The headline cards: built stations' coverage first, then with those building/proposed.

    The figure of all the selected stations (``coverage_pct``) carries its sensitivity range.
    """
    scopes = s.get("coverage_by_status") or []
    if len(scopes) <= 1:
        key = lab["coverage_built"] if scopes else lab["coverage_pct"]
        return [_card(key, pct_with_range(dict(s), lab["lang"]), main=True)]
    cards = [_card(lab["coverage_built"], pct_text(scopes[0]["coverage_pct"]), main=True)]
    for i, entry in enumerate(scopes[1:], start=2):
        name = entry["label"] if lab["lang"] == "zh" else entry.get("label_en", entry["label"])
        value = (
            pct_with_range(dict(s), lab["lang"])
            if i == len(scopes)
            else pct_text(entry["coverage_pct"])
        )
        cards.append(_card(f"{lab['coverage_pct']}（{name}）" if lab["lang"] == "zh"
                           else f"{lab['coverage_pct']} ({name})", value))  # fmt: skip
    return cards


def _comparison(cov: Any, lab: dict[str, str]) -> str:
    s = cov.summary
    net, eucl = s.get("coverage_pct"), s.get("euclidean_coverage_pct")
    diff = points_between(eucl, net)  # of the two figures the sentence gives
    text = lab["compare_text"].format(
        route=walk_route_text(s.get("walk_model"), lab["lang"], dem=s.get("walk_dem")),
        radius=num_text(s.get("euclidean_radius_m"), 0),
        speed=num_text(s.get("walk_speed_kmh")),
        minutes=_minutes(s.get("minutes")),
        net=pct_text(net),
        eucl=pct_text(eucl),
        diff=num_text(diff),
    )
    bars = bars_svg([(lab["along_network"], net, "#c0392b"), (lab["circles"], eucl, "#95a5a6")])
    return f"<p>{esc(text)}</p><figure>{bars}</figure>"


def _district_table(cov: Any, lab: dict[str, str], after: Any | None = None) -> str:
    bd = district_frame(cov, after)
    with_after = "coverage_pct_after" in bd
    # stations of several statuses: the coverage counts them all, beside the built ones'
    built = "coverage_built_pct" in bd
    every = all_stations_note(cov.summary, lab["lang"]) if built else ""
    header = [
        lab["district"],
        lab["stations"],
        lab["demand_total"],
        lab["demand_covered"] + every,
        lab["coverage_pct"] + every,
        *([lab["coverage_built_centre"]] if built else []),
        lab["euclidean_coverage_pct"] + every,
        lab["difference"],
        lab["time_median_min"],
        lab["time_p90_min"],
    ]
    if with_after:
        header += [lab["sites_added"], lab["coverage_after"]]

    def rows() -> Iterable[list[tuple[str, bool]]]:
        for _, r in bd.iterrows():
            net, eu = _get(r, "coverage_pct"), _get(r, "euclidean_coverage_pct")
            diff = points_between(eu, net)  # of the figures shown beside it
            extra = (
                [
                    (esc(num_text(_get(r, "sites_added"), 0)), True),
                    (esc(pct_text(_get(r, "coverage_pct_after"))), True),
                ]
                if with_after
                else []
            )
            yield [
                (esc(district_name_text(r, lab["lang"])), False),
                (esc(num_text(_get(r, "stations"))), True),
                (esc(num_text(_get(r, "demand_total"), 0)), True),
                (esc(num_text(_get(r, "demand_covered"), 0)), True),
                (esc(pct_text(net)), True),
                *([(esc(pct_text(_get(r, "coverage_built_pct"))), True)] if built else []),
                (esc(pct_text(eu)), True),
                (esc(num_text(diff)), True),
                (esc(num_text(_get(r, "time_median_min"))), True),
                (esc(num_text(_get(r, "time_p90_min"))), True),
                *extra,
            ]

    return _table(header, rows())


def _redundant_note(summary: Any, lab: dict[str, str]) -> str:
    """How many stations cover no demand alone (probe 27Q: the table's zeros said it only)."""
    n = (summary or {}).get("stations_redundant")
    return f"<p>{esc(lab['redundant'].format(n=num_text(n)))}</p>" if n else ""


def _station_table(cov: Any, lab: dict[str, str]) -> str:
    st = cov.stations
    if "importance_rank" in st:
        key = st["importance_rank"].where(st["importance_rank"] > 0, np.iinfo(np.int64).max)
        st = st.assign(_k=key).sort_values("_k", kind="stable")
    cols = [
        ("station_id", False, str),
        ("name", False, str),
        ("district", False, str),
        ("status", False, str),
        ("on_network", False, str),
        ("demand_nearest", True, lambda v: num_text(v, 0)),
        ("unique_demand", True, lambda v: num_text(v, 0)),
        ("importance_rank", True, num_text),
    ]
    cols = [c for c in cols if c[0] in st]

    def fmt(col: str, v: Any, f: Any) -> str:
        if is_missing(v):
            return "-"
        if col == "on_network":
            return lab["yes"] if bool(v) else lab["no"]
        if col == "status":
            return status_text(v, lab["lang"])
        if col == "importance_rank" and int(v) < 0:
            return "-"
        if col == "district":
            return district_text(v, lab["lang"])
        return f(v)

    def rows() -> Iterable[list[tuple[str, bool]]]:
        for _, r in st.head(MAX_HTML_ROWS).iterrows():
            yield [(esc(fmt(c, r[c], f)), numeric) for c, numeric, f in cols]

    return _table([lab[c] for c, _, _ in cols], rows(), total=len(st), more=lab["more_rows"])


def _site_cell(col: str, v: Any, lab: dict[str, str]) -> str:
    if col == "name" and v == "无名道路":  # no named street near (a blank: none looked up)
        return lab["unnamed"]
    if is_missing(v):
        return "-"
    if col == "gain":
        return num_text(v, 1)
    if col == "rank":
        return num_text(v)
    if col == "district":
        return district_text(v, lab["lang"])
    return str(v)


def _sites_table(sites: Any, lab: dict[str, str]) -> str:
    """New sites: rank, name, kind in words, district, WGS-84 and GCJ-02 lon/lat, gain, id."""
    sites = sites.assign(
        kind_text=[site_kind_label(k, lab["lang"]) for k in sites["kind"]]
        if "kind" in sites
        else None,
        lon_lat=_lon_lat(sites, "lon", "lat"),
        lon_lat_gcj=_lon_lat(sites, "lon_gcj02", "lat_gcj02"),
    )
    cols = [
        ("rank", True), ("name", False), ("kind_text", False), ("district", False),
        ("stage", False), ("lon_lat", True), ("lon_lat_gcj", True), ("gain", True),
        ("site_id", False),
    ]  # fmt: skip
    cols = [
        c
        for c in cols
        if c[0] in sites
        and not (c[0] in ("stage", "lon_lat_gcj") and sites[c[0]].fillna("").eq("").all())
    ]
    header = {"kind_text": lab["kind"]}

    def rows() -> Iterable[list[tuple[str, bool]]]:
        for _, r in sites.head(MAX_HTML_ROWS).iterrows():
            yield [(esc(_site_cell(c, r[c], lab)), n) for c, n in cols]

    return _table([header.get(c, lab.get(c, c)) for c, _ in cols], rows(), total=len(sites),
                  more=lab["more_rows"])  # fmt: skip


def _lon_lat(sites: Any, lon: str, lat: str) -> list[str]:
    if lon not in sites or lat not in sites:
        return [""] * len(sites)
    return [
        "" if is_missing(x) or is_missing(y) else f"{float(x):.6f}, {float(y):.6f}"
        for x, y in zip(sites[lon], sites[lat], strict=True)
    ]


def _gap_text(gap: float | None, sel: Any, lab: dict[str, str]) -> str:
    """The gap; a staged plan's says it is against all its sites chosen at once."""
    if gap is None:
        return "-"
    staged = bool(getattr(sel, "info", {}).get("bound_scope"))
    return f"{100 * gap:.2f}%" + (lab["gap_staged"].format(n=len(sel.selected)) if staged else "")


def _minutes(value: Any) -> str:
    """A walking limit as given (7.5 stays 7.5: it was shown as 8 beside a 7.5-minute radius)."""
    return "-" if is_missing(value) else f"{float(value):g}"


def _selection_block(sel: Any, lab: dict[str, str]) -> str:
    s = sel.summary()
    gap = s.get("optimality_gap")
    lang = lab["lang"]
    rows = [
        (lab["mode"], value_text(s.get("mode"), lab["lang"])),
        *([(lab["target_pct"], pct_text(s["target_pct"], 2))] if "target_pct" in s else []),
        (
            lab["solver"],
            f"{value_text(s.get('solver'), lang)} ({value_text(s.get('status'), lang)})",
        ),
        (lab["sites_added"], num_text(s.get("sites_added"))),
        # one decimal, as the cards above give them (probe 22M: 58.80 % below 58.8 %)
        (lab["coverage_before"], pct_text(s.get("coverage_pct_before"))),
        (lab["coverage_after"], pct_text(s.get("coverage_pct_after"))),
        (lab["optimality_gap"], _gap_text(gap, sel, lab)),
    ]
    return _table(
        [lab["parameter"], lab["value"]], ([(esc(k), False), (esc(v), False)] for k, v in rows)
    )


def _curve_block(sel: Any, lab: dict[str, str]) -> str:
    curve = sel.curve
    if curve is None or len(curve) == 0:
        return f'<p class="note">{esc(lab["none"])}</p>'
    stages = curve["stage"].astype(str).tolist() if "stage" in curve else None
    if stages is not None and len(set(stages)) <= 1:
        stages = None
    svg = coverage_curve_svg(
        curve["coverage_pct"].to_numpy(np.float64).tolist(),
        start_pct=sel.coverage_pct_before,
        labels=curve["site_id"].astype(str).tolist() if "site_id" in curve else None,
        stages=stages,
        x_label=lab["curve_x"],
        y_label=lab["curve_y"],
    )
    return f"<figure>{svg}</figure>"


def _parameters_block(
    parameters: Mapping[str, Any], lab: dict[str, str], summary: Mapping[str, Any] | None
) -> str:
    """The settings that matter, in words (:func:`.wording.parameter_rows`)."""
    rows = parameter_rows(parameters, lab["lang"], summary=summary)
    return _table(
        [lab["parameter"], lab["value"]],
        ([(esc(k), False), (esc(v), False)] for k, v in rows),
    )


def _sources_block(info: list[dict[str, Any]], lab: dict[str, str]) -> str:
    def rows() -> Iterable[list[tuple[str, bool]]]:
        for r in info:
            if not r["exists"]:
                yield [
                    (f'<span title="{esc(r["path"])}">{esc(r["file"])}</span>', False),
                    (esc(lab["missing"]), False),
                    ("-", False),
                    ("-", False),
                ]
                continue
            digest = r["sha256"][:12] if r["sha256"] else lab["directory"]
            yield [
                (f'<span title="{esc(r["path"])}">{esc(r["file"])}</span>', False),
                (esc(size_text(r["size_bytes"])), True),
                (esc(r["modified"]), False),
                (f"<code>{esc(digest)}</code>", False),
            ]

    return _table([lab["file"], lab["size"], lab["modified"], lab["sha256"]], rows())


def _uses_osm(info: list[dict[str, Any]], parameters: Mapping[str, Any] | None) -> bool:
    names = [str(r["file"]).lower() for r in info]
    if any(n.endswith(OSM_SUFFIXES) for n in names):
        return True
    text = json.dumps(jsonable(dict(parameters or {})), ensure_ascii=False).lower()
    return any(t in text for t in (".osm", "place:", "openstreetmap", '"auto"'))


def report_html(
    *,
    coverage: Any | None = None,
    coverage_after: Any | None = None,
    selection: Any | None = None,
    sites: Any | None = None,
    parameters: Mapping[str, Any] | None = None,
    sources: Iterable[str | os.PathLike[str]] | None = None,
    lang: str = "zh",
    title: str | None = None,
    centres: Any | None = None,
) -> str:
    """A self-contained, printable HTML report of a coverage run and/or a site selection.

    Parameters
    ----------
    coverage
        A :class:`~harbor_planner.analysis.coverage.CoverageResult`: headline figures, the
        network-vs-circle comparison, the per-district and station tables.
    coverage_after
        Coverage by the stations and the new sites together: the district table gains the new
        sites and the coverage after them, per district.
    selection
        A :class:`~harbor_planner.optimize.SiteSelection`: its figures and coverage curve.
    sites
        The selected sites (:func:`harbor_planner.optimize.output.selected_sites`): their table.
    parameters
        The scenario's parameters, shown as given (nested values as JSON; the value of a
        secret such as ``output.tianditu_key`` as ``(set)``; ``output.dir`` left out).
    sources
        Paths of the data files used: name, size, modification date and SHA-256 prefix.
    lang
        ``"zh"`` (default) or ``"en"``.
    title
        Report title (default: a title in ``lang``).
    centres
        Coverage around the city centres (:func:`harbor_planner.analysis.centres.
        centre_coverage`): their table.

    Returns
    -------
    str
        The HTML document: no external CSS, scripts, fonts or images; every string taken
        from the data is HTML-escaped.

    Raises
    ------
    InputDataError
        Nothing to report, or an unknown ``lang``.

    """
    lab = report_labels(lang)
    parameters = report_parameters(parameters) if parameters else parameters
    if coverage is None and selection is None and sites is None:
        raise InputDataError("report: give coverage, selection and/or sites; nothing to report")
    info = source_info(sources or [])
    limit = (getattr(coverage, "summary", None) or {}).get("minutes")
    heading = title or lab["title"].format(m=_minutes(limit) if limit is not None else "15")
    from harbor_planner import __version__

    # no "generated at" line: the same result gives the same bytes (the time is in run.json)
    body = [
        f"<h1>{esc(heading)}</h1>",
        f'<p class="meta">harbor-planner {esc(__version__)}{_out_dir_text(parameters, lab)}</p>',
        f'<section id="headline"><h2>{esc(lab["headline"])}</h2>'
        f"{_headline(coverage, selection, lab, after=coverage_after)}</section>",
    ]
    if coverage is not None:
        body.append(
            f'<section id="compare"><h2>{esc(lab["compare"])}</h2>'
            f"{_comparison(coverage, lab)}</section>"
        )
        if coverage.by_district is not None and len(coverage.by_district):
            body.append(
                f'<section id="districts"><h2>{esc(lab["districts"])}</h2>'
                f"{study_area_note(coverage, lab['lang'])}"
                f"{_district_table(coverage, lab, coverage_after)}</section>"
            )
    body += centres_section(centres, lab)
    if selection is not None or sites is not None:
        block = [f'<section id="selection" class="break"><h2>{esc(lab["selection"])}</h2>']
        if selection is not None:
            block.append(_selection_block(selection, lab))
            block.append(f"<h2>{esc(lab['curve'])}</h2>{_curve_block(selection, lab)}")
        if sites is not None:
            block.append(f"<h2>{esc(lab['sites'])}</h2>{_sites_table(sites, lab)}")
        block.append("</section>")
        body.append("".join(block))
    if coverage is not None and coverage.stations is not None and len(coverage.stations):
        body.append(
            f'<section id="stations" class="break"><h2>{esc(lab["station_table"])}</h2>'
            f"{_redundant_note(coverage.summary, lab)}{_station_table(coverage, lab)}</section>"
        )
    if parameters:
        body.append(
            f'<section id="parameters"><h2>{esc(lab["parameters"])}</h2>'
            f"{_parameters_block(parameters, lab, getattr(coverage, 'summary', None))}"
            "</section>"
        )
    if info:
        body.append(
            f'<section id="sources"><h2>{esc(lab["sources"])}</h2>'
            f"{_sources_block(info, lab)}</section>"
        )
    footer = lab["osm"] if _uses_osm(info, parameters) else ""
    body.append(f"<footer>{esc(footer)} harbor-planner {esc(__version__)}</footer>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(heading)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _out_dir_text(parameters: Mapping[str, Any] | None, lab: dict[str, str]) -> str:
    """The output folder line of the report (the folder the run wrote to), or nothing."""
    out = (parameters or {}).get("output")
    folder = out.get("dir") if isinstance(out, Mapping) else None
    if not folder:
        return ""
    sep = "；" if lab["lang"] == "zh" else "; "
    return esc(f"{sep}{lab['out_dir']}: {folder}")


def write_report_html(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write :func:`report_html` (same keyword arguments) to ``path``, UTF-8, atomically.

    Parameters
    ----------
    path
        The ``.html`` file.
    **kwargs
        Passed to :func:`report_html`.

    Returns
    -------
    pathlib.Path
        ``path``.

    """
    text = clean_text(report_html(**kwargs))  # the last line of defence
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote %s (%s)", path.name, size_text(path.stat().st_size))
    return path


# --------------------------------------------------------------------------- sources


def source_info(paths: Iterable[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Name, size, modification date and SHA-256 of each data file, for a report.

    Missing files are listed with ``exists`` False rather than raising: a report records what
    was (not) there. Directories get their size and date but no hash.

    Parameters
    ----------
    paths
        The files (or directories).

    Returns
    -------
    list of dict
        ``file``, ``path``, ``exists``, ``size_bytes``, ``modified`` and ``sha256`` of each.

    """
    rows = []
    for p in paths:
        path = Path(p)
        row: dict[str, Any] = {
            "file": path.name or str(path),
            "path": str(path),
            "exists": path.exists(),
            "size_bytes": None,
            "modified": None,
            "sha256": None,
        }
        if path.exists():
            st = path.stat()
            row["size_bytes"] = st.st_size if path.is_file() else None
            row["modified"] = (
                dt.datetime.fromtimestamp(st.st_mtime).replace(microsecond=0).isoformat(" ")
            )
            if path.is_file():
                row["sha256"] = file_sha256(path)
        rows.append(row)
    return rows

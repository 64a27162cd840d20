"""``harbor-planner stations check`` and ``stations number``."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from harbor_planner import settings
from harbor_planner._text import counted
from harbor_planner.cli._options import (
    add_accept_datum_option,
    add_walk_model_options,
    check_outputs,
    network_config,
    say,
)
from harbor_planner.cli._types import crs_arg, encoding_arg, in_path, in_text, out_path, sheet_arg
from harbor_planner.errors import InputDataError, UsageError

log = logging.getLogger("harbor_planner.stations")

__all__ = ["add_stations_commands"]


def _network_options_need_a_network(args: argparse.Namespace) -> None:
    """Refuse the options of placing stations when no ``--network`` is given (never ignored)."""
    if args.network is not None:
        return
    names = {"max_dist": "--max-dist", "accept_datum": "--accept-datum",
             "walk_model": "--walk-model", "walk_speed": "--walk-speed",
             "walk_direction": "--walk-direction", "dem": "--dem",
             "dem_smoothing": "--dem-smoothing", "max_grade": "--max-grade"}  # fmt: skip
    given = [flag for dest, flag in names.items() if getattr(args, dest, None) not in (None, False)]
    if given:
        raise UsageError(
            f"{', '.join(given)}: options of placing the stations on a walk network; give "
            "--network too, or leave them out",
            option=given[0],
        )


def _cmd_stations_check(args: argparse.Namespace) -> int:
    from harbor_planner.pipeline import load_network
    from harbor_planner.readers import clean_text
    from harbor_planner.stations import (
        format_problem_table,
        merge_placement,
        place_stations,
        read_stations,
        write_station_check,
    )

    _network_options_need_a_network(args)
    check_outputs({"--out": args.out}, {"station": args.file, "network": args.network,
                                        "dem": getattr(args, "dem", None)})  # fmt: skip
    if args.out is not None and args.out.suffix.lower() != ".gpkg":  # before the check's work
        raise UsageError(f"--out {args.out}: expected a .gpkg file name")
    check = read_stations(
        args.file,
        crs=args.crs,
        sheet=sheet_arg(args.sheet),
        extent=None if args.no_extent else "chongqing",
        encoding=args.encoding,
    )
    if args.network is not None:
        net = load_network(network_config(args, args.network), progress=args.progress)
        max_dist = settings.SNAP_MAX_DIST_M if args.max_dist is None else args.max_dist
        placement = place_stations(check.stations, net, max_dist_m=max_dist)
        check = merge_placement(check, placement)
    say(format_problem_table(check.problems, max_rows=args.max_problems))
    say(check.summary())
    if args.network is not None:  # a datum refused: no file of stations placed in it
        from harbor_planner.stations import check_frame_datum

        check_frame_datum(check.stations, net, path=args.file, accept=bool(args.accept_datum))
    if args.out is not None:
        write_station_check(check, args.out)
        say(f"wrote {clean_text(str(args.out))} (layers: stations, rejected, problems)")
    if not check.ok:
        print(
            f"harbor-planner: error: {counted(len(check.errors), 'error')} in "
            f"{clean_text(str(args.file))}; the rows "
            + ("listed above " if args.max_problems != 0 else "")
            + "were rejected",
            file=sys.stderr,
        )
        return InputDataError.exit_code
    return 0


def _cmd_stations_number(args: argparse.Namespace) -> int:
    from harbor_planner.stations import (
        format_problem_table,
        number_stations,
        read_stations,
        register_table,
    )
    from harbor_planner.stations.register import register_codes, write_register
    from harbor_planner.stations.register_datum import read_previous_register
    from harbor_planner.stations.register_previous import refuse_codes_twice

    suffix = args.out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".gpkg"):
        raise UsageError(f"--out {args.out}: expected a .csv, .xlsx or .gpkg file name")
    check_outputs({"--out": args.out}, {"station": args.file, "previous": args.previous})
    check = read_stations(args.file, crs=args.crs, sheet=sheet_arg(args.sheet))
    # an exact copy of a row is no station of its own: left out, as its message says (21G)
    only_copies = not check.ok and check.errors["code"].eq("duplicate_row").all()
    if not check.ok and not only_copies:
        say(format_problem_table(check.errors, max_rows=_problems_shown(args)))
        raise InputDataError(
            f"{counted(len(check.rejected), 'row has', 'rows have')} errors (listed above); "
            "fix them before numbering, "
            "so that no station is left out of the register",
            path=args.file,
        )
    if len(check.problems):  # warnings too (a duplicate, a district name that disagrees):
        say(format_problem_table(check.problems, max_rows=_problems_shown(args)))  # for keeps
    mismatch = check.problems[check.problems["code"] == "district_mismatch"]
    if len(mismatch) and not args.accept_districts:  # a code is for keeps: a wrong datum
        rows = ", ".join(mismatch["row"].astype(str).head(10))  # made codes of another
        raise InputDataError(  # district for good (probe 21G)
            f"{counted(len(mismatch), 'station lies', 'stations lie')} in another district "
            f"than their 区县 says (rows {rows}; listed above): codes are for keeps, so none is "
            "given; correct the coordinates' datum (--crs; `stations check --network` "
            "compares the datums against the streets) or the 区县 cells, or, if the locations "
            "are right, --accept-districts codes each by where it lies",
            path=args.file,
        )
    previous, retired = None, []
    if args.previous is not None:
        # in the datum its headers state (经度(GCJ-02); a .gpkg: its WGS-84 points), else
        # the list's (probe 21R, 26P: read in the list's datum, its stations were 480 m off)
        before = read_previous_register(args.previous, args.crs)
        previous = before.stations
        _say_previous_problems(before, args)
        refuse_codes_twice(previous, source=args.previous, problems=before.problems)
        retired = register_codes(before.rejected)  # rows it cannot read keep their codes
        if retired:
            log.warning(
                "%s: %s not read (%s); their codes stay retired: %s",
                args.previous, counted(len(before.rejected), "row is", "rows are"),
                "; ".join(before.rejected["problems"].astype(str).head(3)),
                ", ".join(retired[:5]) + (" ..." if len(retired) > 5 else ""),
            )  # fmt: skip
    numbering = number_stations(check.stations, previous=previous, retired=retired)
    table = register_table(numbering.stations)
    write_register(table, args.out, geometry=numbering.stations.geometry.to_numpy(),
                   lang=args.lang)  # fmt: skip
    say(
        f"{counted(len(table), 'station')}: {counted(numbering.kept, 'code')} kept, "
        f"{numbering.assigned} new; "
        f"wrote {args.out}"
    )
    return 0


def _say_previous_problems(before: Any, args: argparse.Namespace) -> None:
    """The previous register's own problems, as the list's are shown, under its file's name.

    Probe 27T: a formula without a saved value in its 统一编号, or cells merged over several
    codes, were said only in an INFO line ("0 errors, 8 warnings") the planner never sees.
    """
    from harbor_planner.readers import clean_text
    from harbor_planner.stations import format_problem_table

    shown = before.problems[before.problems["code"] != "crs_from_header"]  # read as it says
    if not len(shown):
        return
    log.warning(
        "%s: the previous register has %s, listed in the table under its name",
        clean_text(str(args.previous)), counted(len(shown), "problem"),
    )  # fmt: skip
    say(f"the previous register {args.previous}:")
    say(format_problem_table(shown, max_rows=_problems_shown(args)))


def _problems_shown(args: argparse.Namespace) -> int | None:
    """``--max-problems``, else with ``-q`` the first ``settings.QUIET_PROBLEMS_SHOWN``.

    Probe 21G: all 86,045 warnings of a 1,000,000-row list were printed under ``-q``.
    """
    if args.max_problems is not None or not getattr(args, "quiet", False):
        return args.max_problems
    return settings.QUIET_PROBLEMS_SHOWN


def _add_max_problems(p: argparse.ArgumentParser, quiet: str = "") -> None:
    """``--max-problems N``: how many rows of the problems table are printed."""
    p.add_argument(
        "--max-problems",
        type=int,
        default=None,
        metavar="N",
        help=f"print at most N problems (default: all{quiet})",
    )


def add_stations_commands(sub: argparse._SubParsersAction) -> None:
    """Station commands (``stations check``...)."""
    p = sub.add_parser("stations", help="read, check and place station lists")
    ssub = p.add_subparsers(dest="stations_command", metavar="COMMAND", required=True)
    c = ssub.add_parser(
        "check",
        help="check a station list and print its problems",
        description=(
            "Read a station list (CSV in UTF-8 or GBK, XLSX, GeoJSON, GeoPackage, Shapefile), "
            "check every row and print a table of problems with their row numbers. Exits with "
            "3 when any row has an error. The input file is never modified."
        ),
    )
    c.add_argument("file", type=in_path, help="station list")
    c.add_argument(
        "--crs",
        type=crs_arg,
        default=None,
        metavar="CRS",
        help=(
            "true coordinate system of the coordinates: gcj02 (AMap/高德, Tencent), bd09 "
            "(Baidu), wgs84 (GPS, OpenStreetMap) or EPSG:NNNN; required for CSV/XLSX and for "
            "GIS files that claim EPSG:4326"
        ),
    )
    c.add_argument(
        "--sheet",
        default=None,
        action="append",
        metavar="NAME",
        help="workbook sheet or GeoPackage layer (repeated: several sheets; default: every "
        "visible sheet with coordinates)",
    )
    c.add_argument(
        "--encoding", type=encoding_arg, default=None, help="force the CSV text encoding (e.g. gbk)"
    )
    c.add_argument(
        "--no-extent",
        action="store_true",
        help="do not reject points outside Chongqing",
    )
    c.add_argument(
        "--out",
        type=out_path,
        default=None,
        metavar="FILE",
        help="write the clean stations, the rejected rows and the problems to this GeoPackage",
    )
    _add_max_problems(c)
    g = c.add_argument_group("placing on a walk network")
    g.add_argument(
        "--network",
        type=in_text,
        default=None,
        metavar="SOURCE",
        help="snap the stations to this network (saved file or any SOURCE of network build)",
    )
    g.add_argument(
        "--max-dist",
        type=float,
        default=None,
        metavar="M",
        help="flag stations farther than this from a walkable street "
        f"(default {settings.SNAP_MAX_DIST_M:g} m)",
    )
    add_accept_datum_option(g)
    add_walk_model_options(c)
    c.set_defaults(handler=_cmd_stations_check)
    _add_number_command(ssub)


def _add_number_command(ssub: argparse._SubParsersAction) -> None:
    """``stations number``: the register's unified codes."""
    n = ssub.add_parser(
        "number",
        help="give every station its unified code <adcode>-<NNNN> (统一站点编号)",
        description=(
            "Number the register: codes already given (统一编号) are kept, new stations get "
            "the next number of their district, a closed station's code is never reused "
            "(give --previous REGISTER to keep retired the codes of rows deleted since). "
            "The register is written with the coordinates as given, under headers naming "
            "their datum (经度(GCJ-02)...), so numbering it again changes nothing; "
            "--previous is read in the datum its headers name."
        ),
    )
    n.add_argument("file", type=in_path, help="station list or register")
    n.add_argument(
        "--crs", type=crs_arg, default=None, metavar="CRS", help="true coordinates of the file"
    )
    n.add_argument(
        "--sheet", default=None, action="append", metavar="NAME",
        help="workbook sheet or layer (repeated: several sheets)",
    )  # fmt: skip
    n.add_argument(
        "--out", type=out_path, required=True, help="register to write (.csv/.xlsx/.gpkg)"
    )
    n.add_argument(
        "--previous", type=in_path, default=None, metavar="REGISTER",
        help="the register numbered last time: a station without a code takes its code by "
        "station id, and none of its codes is given again (deleted rows' codes stay retired)",
    )  # fmt: skip
    n.add_argument(
        "--lang", choices=settings.LANGS, default=settings.LANGS[0],
        help="the register's headers and statuses: zh (编号, 名称, 状态 已建成...; default) or "
        "en (station_id, name, status existing...)",
    )  # fmt: skip
    n.add_argument(
        "--accept-districts", action="store_true",
        help="number stations that lie in another district than their 区县 says (the "
        "locations right, the cells wrong): each is coded and written by where it lies",
    )  # fmt: skip
    _add_max_problems(n, quiet=f"; with -q {settings.QUIET_PROBLEMS_SHOWN}")
    n.set_defaults(handler=_cmd_stations_number)

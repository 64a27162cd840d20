"""The ``harbor-planner`` command line: parses arguments, calls the API, maps errors to exits.

Exit codes: 0 success, 1 other harbor-planner error, 2 usage error, 3 bad input data,
4 network error, 5 infeasible problem, 6 missing optional dependency, 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from harbor_planner import __version__
from harbor_planner.errors import HarborPlannerError

__all__ = ["main"]

log = logging.getLogger("harbor_planner")

Handler = Callable[[argparse.Namespace], int]


# --------------------------------------------------------------------------- shared options


def _add_walk_model_options(p: argparse.ArgumentParser) -> None:
    """Options every command that takes a network accepts (see ``network build``)."""
    g = p.add_argument_group("walk model")
    g.add_argument(
        "--walk-model",
        choices=["flat", "stairs", "hilly"],
        default=None,
        help="walking-time model (default: hilly with --dem, else stairs)",
    )
    g.add_argument(
        "--walk-speed",
        type=float,
        default=None,
        metavar="KMH",
        help="walking speed on flat ground in km/h (default 4.5)",
    )
    g.add_argument("--dem", type=Path, default=None, metavar="RASTER", help="elevation raster")
    g.add_argument(
        "--dem-outside",
        choices=["error", "flat"],
        default="error",
        help="what to do with edges the DEM does not cover (default: error)",
    )


def _walk_model_from_args(args: argparse.Namespace):  # noqa: ANN202
    from harbor_planner.network import WalkModel

    if args.walk_model is None and args.walk_speed is None:
        return None
    kind = args.walk_model or ("hilly" if args.dem is not None else "stairs")
    speed = 4.5 if args.walk_speed is None else args.walk_speed
    return WalkModel(kind=kind, speed_kmh=speed)


def _network_from_args(args: argparse.Namespace, source: str):  # noqa: ANN202
    """Open ``--network`` (a SOURCE or a saved network file) with the walk-model options."""
    from harbor_planner.network import build_network

    return build_network(
        source,
        walk_model=_walk_model_from_args(args),
        dem=args.dem,
        dem_outside=args.dem_outside,
        progress=args.progress,
    )


# --------------------------------------------------------------------------- network


def _cmd_network_build(args: argparse.Namespace) -> int:
    from harbor_planner.network import build_network, save_network

    net = build_network(
        args.source,
        walk_model=_walk_model_from_args(args),
        dem=args.dem,
        dem_outside=args.dem_outside,
        keep_all=args.keep_all,
        snap_tolerance_m=args.snap_tolerance,
        metric_crs=args.metric_crs,
        progress=args.progress,
    )
    save_network(net, args.out, edges_gpkg=args.gpkg)
    print(net.summary())
    print(f"wrote {args.out}" + (f" and {args.gpkg}" if args.gpkg else ""))
    return 0


def _cmd_network_info(args: argparse.Namespace) -> int:
    net = _network_from_args(args, args.network)
    print(net.summary())
    return 0


def _add_network_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("network", help="build and inspect walk networks")
    nsub = p.add_subparsers(dest="network_command", metavar="COMMAND", required=True)

    b = nsub.add_parser(
        "build",
        help="build a walk network and save it compiled",
        description=(
            "Build a walk network from SOURCE and save it compiled for fast reuse. SOURCE is "
            "an OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf), a GraphML saved by OSMnx, a line "
            "layer of street centrelines (.geojson, .gpkg, .shp) or place:NAME (downloads "
            "from OpenStreetMap; needs the internet)."
        ),
    )
    b.add_argument("source", help="OSM file, GraphML, line layer or place:NAME")
    b.add_argument("--out", type=Path, required=True, help="compiled network file (.npz)")
    b.add_argument(
        "--gpkg",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write edges and nodes (WGS-84) to this GeoPackage for GIS viewing",
    )
    _add_walk_model_options(b)
    b.add_argument(
        "--keep-all",
        action="store_true",
        help="keep every connected component (default: only the largest)",
    )
    b.add_argument(
        "--snap-tolerance",
        type=float,
        default=1.0,
        metavar="M",
        help="line layers: join line ends closer than this many metres (default 1)",
    )
    b.add_argument(
        "--metric-crs",
        default=None,
        metavar="CRS",
        help="projected CRS for lengths (default: the local UTM zone, EPSG:32648 in Chongqing)",
    )
    b.set_defaults(handler=_cmd_network_build)

    i = nsub.add_parser("info", help="print a summary of a network (file or SOURCE)")
    i.add_argument("network", help="saved network file or any SOURCE accepted by build")
    _add_walk_model_options(i)
    i.set_defaults(handler=_cmd_network_info)


# --------------------------------------------------------------------------- parser


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harbor-planner",
        description=(
            "15-minute walking coverage and site planning for worker harbour (渝工港湾) stations."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="log only errors")
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=None,
        help="never show progress bars (they are shown on terminals only)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_network_commands(sub)
    _add_stations_commands(sub)
    return parser


def _add_stations_commands(sub: argparse._SubParsersAction) -> None:
    """Station commands (``stations check``...); filled in by the stations module's work."""


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when ``None``.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    handler: Handler = args.handler
    try:
        return handler(args)
    except HarborPlannerError as exc:
        print(f"harbor-planner: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("harbor-planner: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

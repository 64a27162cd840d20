"""``harbor-planner network build`` and ``network info``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from harbor_planner import settings
from harbor_planner.cli._options import (
    add_network_area_options,
    add_walk_model_options,
    check_outputs,
    network_config,
    say,
)
from harbor_planner.cli._types import in_text, metric_crs_arg, out_path
from harbor_planner.errors import UsageError

__all__ = ["add_network_commands"]


def _cmd_network_build(args: argparse.Namespace) -> int:
    from harbor_planner.network import save_network
    from harbor_planner.pipeline import load_network

    if args.out.suffix.lower() != ".npz":
        raise UsageError(
            f"--out {args.out}: the compiled network is a .npz file; for a GIS layer of the "
            "edges and nodes add --gpkg FILE.gpkg"
        )
    if args.gpkg is not None and args.gpkg.suffix.lower() != ".gpkg":
        raise UsageError(f"--gpkg {args.gpkg}: expected a .gpkg file name")
    cfg = network_config(
        args,
        args.source,
        keep_all=args.keep_all,
        snap_tolerance_m=args.snap_tolerance,
        join_crossings=args.join_crossings or None,
        metric_crs=args.metric_crs,
    )
    sources = {f"source{i + 1}": s for i, s in enumerate(cfg.sources)}
    check_outputs({"--out": args.out, "--gpkg": args.gpkg}, {**sources, "dem": cfg.dem})
    if args.gpkg is not None and os.path.realpath(args.gpkg) == os.path.realpath(args.out):
        raise UsageError(f"--gpkg {args.gpkg}: give a file other than --out")
    net = load_network(cfg, progress=args.progress)
    save_network(net, args.out, edges_gpkg=args.gpkg)
    say(net.summary())
    say(f"wrote {args.out}" + (f" and {args.gpkg}" if args.gpkg else ""))
    return 0


def _cmd_network_info(args: argparse.Namespace) -> int:
    from harbor_planner.pipeline import load_network

    net = load_network(network_config(args, args.network), progress=args.progress)
    say(net.summary())
    return 0


def add_network_commands(sub: argparse._SubParsersAction) -> None:
    """``network build`` and ``network info``."""
    p = sub.add_parser("network", help="build and inspect walk networks")
    nsub = p.add_subparsers(dest="network_command", metavar="COMMAND", required=True)

    b = nsub.add_parser(
        "build",
        help="build a walk network and save it compiled",
        description=(
            "Build a walk network from SOURCE and save it compiled for fast reuse. SOURCE is "
            "an OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf), a GraphML saved by OSMnx, a line "
            "layer of street centrelines (.geojson, .gpkg, .shp; Geofabrik's "
            "gis_osm_roads_free_1 is read as OSM ways) or place:NAME (downloads from "
            "OpenStreetMap; needs the internet). Several sources are joined into one network: "
            "OSM files by node id, line layers by shared vertices. --within or --bbox keeps "
            "only the ways reaching into an area (OSM files are clipped while read)."
        ),
    )
    b.add_argument(
        "source",
        nargs="+",
        type=in_text,
        help="OSM file, GraphML, line layer or place:NAME (one or more)",
    )
    b.add_argument("--out", type=out_path, required=True, help="compiled network file (.npz)")
    b.add_argument(
        "--gpkg",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write edges and nodes (WGS-84) to this GeoPackage for GIS viewing",
    )
    add_walk_model_options(b)
    add_network_area_options(b)
    b.add_argument(
        "--keep-all",
        action="store_true",
        help="keep every connected component (default: only the largest)",
    )
    b.add_argument(
        "--snap-tolerance",
        type=float,
        default=settings.SNAP_TOLERANCE_M,
        metavar="M",
        help="line layers: join line ends closer than this many metres "
        f"(default {settings.SNAP_TOLERANCE_M:g})",
    )
    b.add_argument(
        "--join-crossings",
        action="store_true",
        help="line layers: join ground-level lines where they cross without a shared "
        "vertex (the junctions of a CAD export; bridge, tunnel and layer columns keep "
        "flyovers apart)",
    )
    b.add_argument(
        "--metric-crs",
        type=metric_crs_arg,
        default=None,
        metavar="CRS",
        help="projected CRS for lengths (default: the local UTM zone, EPSG:32648 in Chongqing)",
    )
    b.set_defaults(handler=_cmd_network_build)

    i = nsub.add_parser("info", help="print a summary of a network (file or SOURCE)")
    i.add_argument(
        "network",
        nargs="+",
        type=in_text,
        help="saved network file or any SOURCE accepted by build",
    )
    add_walk_model_options(i)
    add_network_area_options(i)
    i.set_defaults(handler=_cmd_network_info)

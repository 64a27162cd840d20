"""``harbor-planner serve``: the planning page for a scenario, on this machine."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from harbor_planner.cli._options import say
from harbor_planner.cli._types import in_path, out_path
from harbor_planner.errors import HarborPlannerError, UsageError
from harbor_planner.settings import LANGS, SERVE_HOST, SERVE_PORT

__all__ = ["add_serve_command"]

_LOCAL = {"127.0.0.1", "localhost", "::1"}


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, opened before the scenario loads (fail fast).

    Raises
    ------
    UsageError
        The address is not this machine's, or the port is taken (``--host``, ``--port``).

    """
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise UsageError(
            f"--host {host}: not an address this machine can listen on ({exc}); give one of "
            "its addresses, e.g. 127.0.0.1",
            option="--host",
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRNOTAVAIL:
            raise UsageError(
                f"--host {host}: not an address of this machine ({exc.strerror or exc}); give "
                "one of its addresses, e.g. 127.0.0.1",
                option="--host",
            ) from None
        raise UsageError(
            f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); another "
            "program holds the port? choose another --port (or --host)",
            option="--port",
        ) from None
    return sock


def _server(config: Any) -> Any:
    """Uvicorn's server, with the signals of a command-line program (probe 18S).

    * A signal the program was started ignoring (``cmd &`` in a script ignores SIGINT) stays
      ignored; uvicorn handled it and then exited 0 without a word.
    * The signals received are raised again after the server's loop has closed, not inside
      it: raised inside, they cancelled the requests still running, and uvicorn logged a
      traceback for each (a second Ctrl-C during an export printed about 100 lines).
    * After a second Ctrl-C (uvicorn's forced exit) the requests it cuts short are not
      reported as errors of the application.
    """
    import uvicorn
    from uvicorn.server import HANDLED_SIGNALS

    class Server(uvicorn.Server):  # type: ignore[misc]
        received: list[int]

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            self.received = []
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            taken = [s for s in HANDLED_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN]
            previous = {s: signal.signal(s, self.handle_exit) for s in taken}
            try:
                yield
            finally:
                for s, handler in previous.items():
                    signal.signal(s, handler)

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            self.received.append(sig)
            super().handle_exit(sig, frame)
            if self.force_exit:
                logging.getLogger("uvicorn.error").disabled = True

    return Server(config)


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from harbor_planner.serve.app import create_app
    from harbor_planner.serve.session import load_session

    sock = _listen(args.host, args.port)
    try:
        session = load_session(
            args.scenario, out_dir=args.out, lang=args.lang, progress=args.progress
        )
    except BaseException:
        sock.close()
        raise
    token = secrets.token_urlsafe(32)
    app = create_app(session, token=token)
    if args.host not in _LOCAL:
        print(
            f"WARNING: serving on {args.host}, reachable from other machines; anyone with the "
            "URL (its token) can edit the plan and write files into the output folder",
            file=sys.stderr,
        )
    host = f"[{args.host}]" if ":" in args.host else args.host
    say(f"planning page: http://{host}:{args.port}/?token={token}", flush=True)
    say(f"saved and exported files go to {session.out_dir}; Ctrl-C stops", flush=True)
    server = _server(uvicorn.Config(app, log_level="warning", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        _keep_unsaved(session)
    for sig in reversed(server.received):  # now, outside the server's loop: one line
        signal.raise_signal(sig)
    return 0


def _keep_unsaved(session: Any) -> None:
    """Write the plan's edits not saved beside the saved plan, and say so (probe 24S)."""
    try:
        path = session.save_unsaved()
    except (HarborPlannerError, OSError) as exc:  # refused or unwritable: lost, and said
        say(f"edits not saved are lost: {exc}", flush=True)
        return
    if path is None:
        return
    if session.unsaved_note:  # never over edits this session did not go on from
        say(
            f"edits not saved were written to {path} (the saved plan is unchanged): "
            f"{session.unsaved_note}; serve does not go on from this file: read it with "
            "--crs wgs84",
            flush=True,
        )
        return
    say(
        f"edits not saved were written to {path} (the saved plan is unchanged): serve "
        "goes on from them when started again on this folder; save them there to keep "
        "them",
        flush=True,
    )


def add_serve_command(sub: argparse._SubParsersAction) -> None:
    """``serve``."""
    s = sub.add_parser(
        "serve",
        help="a local planning page: edit stations on the map, see walking coverage change",
        description=(
            "Load a scenario's stations, network, demand and districts once and serve a "
            "planning page on this machine: add, drag, re-status or delete stations and see "
            "coverage, circles and the district table update; run the optimiser; undo/redo; "
            "save the station list (CSV, GeoPackage) and export the result folder into --out. "
            "Prints the URL with its access token."
        ),
    )
    s.add_argument("scenario", type=in_path, help="scenario file (.toml)")
    s.add_argument("--port", type=int, default=SERVE_PORT, help=f"port (default {SERVE_PORT})")
    s.add_argument(
        "--host",
        default=SERVE_HOST,
        help=f"address to bind (default {SERVE_HOST}: this machine only; another address "
        "prints a warning)",
    )
    s.add_argument("--lang", choices=LANGS, default=None, help="page language (default: the "
                   "scenario's output.lang, else zh)")  # fmt: skip
    s.add_argument(
        "--out",
        type=out_path,
        default=None,
        metavar="DIR",
        help="folder for saved station lists and exported results (default: plan/ beside "
        "the scenario file)",
    )
    s.set_defaults(handler=_cmd_serve)

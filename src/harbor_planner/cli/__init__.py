"""The ``harbor-planner`` command line: parses arguments, runs the command, maps errors to exits.

One module per command group: ``network`` (build, info), ``stations`` (check, number),
``analysis`` (isochrones, coverage, map), ``optimize``, ``scenario`` (run, compare, demo);
``_options`` holds the shared option groups and turns options into scenario settings, so
that the commands run the same steps (:mod:`harbor_planner.pipeline`) as ``run``.

Exit codes: 0 success, 1 other harbor-planner error, 2 usage error, 3 bad input data or an
output that cannot be written (an input, a user's own file, a full disk), 4 the walk network
cannot be built or used as asked,
5 infeasible problem, 6 missing optional dependency, 130 interrupted (SIGINT), 143
terminated (SIGTERM). While a command runs SIGTERM raises an exception, as SIGINT does, so
that nothing half-written is left behind.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from harbor_planner import __version__
from harbor_planner._safety import raise_if_interrupted, signals_raise
from harbor_planner._text import clean_text, one_line, redact_argv
from harbor_planner.cli._usage import (
    HelpFormatter,
    add_verbosity_options,
    check_option_values,
    did_you_mean,
    finish_parsers,
    warn_unused_options,
)
from harbor_planner.errors import HarborPlannerError, InputDataError, UsageError
from harbor_planner.resources import memory_limit

__all__ = ["console", "main"]

log = logging.getLogger("harbor_planner")

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse with "did you mean", examples in ``--help`` and errors that hide secrets.

    Usage errors never echo a secret (``--tianditu-key K``...); a misspelled option or
    command gets the closest known one; an unknown option is reported by the command's
    own parser (its usage, its options).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self.commands: dict[str, argparse.ArgumentParser] = {}
        self.argv: list[str] = []

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        argv = list(sys.argv[1:] if args is None else args)
        for command in self.commands.values():
            if isinstance(command, _Parser):
                command.argv = argv  # to name an unknown option before a missing argument
        ns, extras = self.parse_known_args(argv, namespace)
        command = self.commands.get(getattr(ns, "cli_prog", ""), self)
        if extras:
            command.error(f"unrecognized arguments: {' '.join(extras)}")
        if getattr(ns, "verbose", False) and getattr(ns, "quiet", False):
            command.error("argument -q/--quiet: not allowed with argument -v/--verbose")
        return ns

    def error(self, message: str) -> NoReturn:
        """One line on stderr: the command, the error, where help is; exit 2 (no usage block)."""
        if message.startswith("the following arguments are required"):
            unknown = self._unknown_options()
            if unknown:  # "--bogus" is the mistake, not the positional it pushed out
                message = f"unrecognized arguments: {' '.join(unknown)}"
        head, sep, rest = message.partition("unrecognized arguments: ")
        if sep:
            message = head + sep + " ".join(redact_argv(rest.split(" ")))
        text = clean_text(did_you_mean(message, self))
        self.exit(2, f"{self.prog}: error: {text} (see {self.prog} --help)\n")

    def _unknown_options(self) -> list[str]:
        known = {s for a in self._actions for s in a.option_strings}
        return [
            w for w in self.argv
            if w.startswith("-") and w != "-" and w.partition("=")[0] not in known
            and not w.lstrip("-").replace(".", "", 1).isdigit()
        ]  # fmt: skip


def _build_parser() -> _Parser:
    # the commands' modules load here, inside main(): Ctrl-C while they load is caught (CI
    # under load: SIGINT 0.3 s after the start landed in `import harbor_planner.cli`)
    from harbor_planner.cli.analysis import add_coverage_commands, add_map_command
    from harbor_planner.cli.network import add_network_commands
    from harbor_planner.cli.optimize import add_optimize_command
    from harbor_planner.cli.scenario import add_scenario_commands
    from harbor_planner.cli.serve import add_serve_command
    from harbor_planner.cli.stations import add_stations_commands

    parser = _Parser(
        prog="harbor-planner",
        description=(
            "15-minute walking coverage and site planning for worker harbour (渝工港湾) stations."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_verbosity_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_network_commands(sub)
    add_stations_commands(sub)
    add_coverage_commands(sub)
    add_optimize_command(sub)
    add_map_command(sub)
    add_scenario_commands(sub)
    add_serve_command(sub)
    parser.commands = finish_parsers(parser)
    return parser


class _CleanFormatter(logging.Formatter):
    """Log lines without control characters or escape sequences (file names, user text)."""

    def format(self, record: logging.LogRecord) -> str:
        return clean_text(super().format(record))


class _WarnOnce(logging.Filter):
    """A warning said once per command: the same words again add nothing.

    Probe 19W: "N of M points are farther than 150 m" three times, once per search of the
    same points.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[int, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.levelno, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_CleanFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_WarnOnce())
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say which signal stopped the command; its exit code (130 SIGINT, 143 SIGTERM).

    A signal after the run committed its result folder (``outputs_complete``) is said as such
    and exits 0: the folder holds the new run, whole.
    """
    signum = getattr(exc, "signum", signal.SIGINT)
    name = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted (SIGINT)"
    done = getattr(exc, "outputs_complete", ())
    if done:  # the signal came after the commit: the work is done (exit 0, as it succeeded)
        print(f"harbor-planner: {name} after the run had written its outputs; "
              f"{clean_text(done[-1])} is complete", file=sys.stderr)  # fmt: skip
        return 0
    print(f"harbor-planner: {name}", file=sys.stderr)
    return 128 + int(signum)


@contextlib.contextmanager
def _logged_warnings() -> Iterator[None]:
    """Python warnings of the libraries (GDAL, pandas...) as log lines, not raw stderr text.

    Shown as INFO lines naming the library (``-q`` hides them), so that an error stays one
    line and a warning does not print a source line of a library's code.
    """

    def show(message: Warning | str, category: type[Warning], filename: str, *_: Any) -> None:
        text = one_line(message)
        log.info("%s from %s: %s", category.__name__, Path(filename).parent.name, text)

    with warnings.catch_warnings():
        warnings.simplefilter("default")  # shown once each, never raised as errors
        warnings.showwarning = show
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when ``None``.

    """
    saved = (log.handlers[:], log.level, log.propagate)
    try:  # a signal arriving while the command's logging is put back is caught too
        return _main(argv)
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except ImportError as exc:  # Ctrl-C while a C extension loads: its import then fails
        interrupt = _interrupt_behind(exc)
        if interrupt is None:
            raise
        return _interrupted(interrupt)
    finally:  # again, whatever _main's own restoring was cut short by
        _restore_logging(saved)


def console() -> NoReturn:
    """The ``harbor-planner`` command and ``python -m harbor_planner``: :func:`main`, then exit.

    A signal arriving while Python shuts down after the command (the libraries' exit hooks:
    Dask's, numba's) ends the process at once with the command's exit code instead of by the
    signal (probe 16D's D5: exit 143 without a word, the new run in the folder).
    """
    code = main()
    _exit_on_signal(code)
    _exit(code)


def _exit(code: int) -> NoReturn:
    """Exit as Python does (threads joined, exit hooks run), then end the process at once.

    Python's own finalisation would put SIGINT and SIGTERM back to their default actions
    before freeing the modules (seconds with a large study's arrays), where a signal kills
    the process (exit -2, -15) after the command succeeded; nothing in it is needed.
    """
    me = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not me and not thread.daemon:
            thread.join()
    run_exit_hooks = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_hooks is None:  # not CPython: its own exit
        sys.exit(code)
    run_exit_hooks()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _exit_on_signal(code: int) -> None:
    """From now on SIGINT and SIGTERM end the process with ``code`` (output flushed first)."""

    def leave(signum: int, frame: Any) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)

    for s in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(s) is not signal.SIG_IGN:
            signal.signal(s, leave)


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The interrupt an exception was raised while handling (numba's "failed to import")."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _in_a_parser(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside a parser of nested text (TOML, JSON)."""
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.split(".")[0] in ("tomllib", "tomli", "json"):
            return True
        tb = tb.tb_next
    return False


def _quiet_stdout() -> None:
    """Point the process's standard output at ``os.devnull`` after a broken pipe.

    Python flushes ``sys.stdout`` at exit: into the closed pipe, that would print an
    "Exception ignored" message after all.
    """
    if sys.stdout is not sys.__stdout__ or sys.stdout is None:
        return  # captured (tests, notebooks): not the process's pipe
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _error_text(exc: object) -> str:
    """An error's text for the one line on stderr: no escapes, and no line breaks.

    Probe 23C: a station id or a folder name holding a line break made the one-line error
    two lines.
    """
    return one_line(clean_text(str(exc)))


def _restore_logging(saved: tuple[list[logging.Handler], int, bool]) -> None:
    """Put the package logger back as it was before the command (callers' logging intact)."""
    log.propagate = saved[2]
    log.handlers[:] = saved[0]
    log.setLevel(saved[1])


def _main(argv: Sequence[str] | None) -> int:
    try:  # building the parser loads the package: Ctrl-C here is caught too
        args = _build_parser().parse_args(argv)
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    # the command's logging setup is undone afterwards, so that calling main() from Python
    # (tests, notebooks) leaves the caller's logging as it was
    saved = (log.handlers[:], log.level, log.propagate)
    _configure_logging(args)
    handler: Handler = args.handler
    try:
        check_option_values(args)
        warn_unused_options(args, list(sys.argv[1:] if argv is None else argv))
        with signals_raise(), memory_limit(getattr(args, "memory_limit", None)), _logged_warnings():
            code = handler(args)
            raise_if_interrupted()  # an interrupt a finaliser swallowed: still an interrupt
            return code
    except UsageError as exc:  # as argparse's own: "harbor-planner coverage: error: ..."
        prog = getattr(args, "cli_prog", "harbor-planner")
        print(f"{prog}: error: {_error_text(exc)}", file=sys.stderr)
        return exc.exit_code
    except HarborPlannerError as exc:
        print(f"harbor-planner: error: {_error_text(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except BrokenPipeError:  # the reader of the output went away (``| head``): nothing to say
        _quiet_stdout()
        return 128 + 13  # as a shell reports a process ended by SIGPIPE
    except UnicodeEncodeError as exc:  # a name or setting whose bytes are not UTF-8
        text = clean_text(str(exc.object))  # GBK bytes shown as the Chinese they are
        print(
            f"harbor-planner: error: {text[-200:]!r} holds bytes that are not UTF-8 (a file or "
            "folder name from a zip made on Chinese Windows?): rename it, or unpack the zip "
            "with 'unzip -O gbk'",
            file=sys.stderr,
        )
        return InputDataError.exit_code
    except RecursionError as exc:  # tomllib, json...: a value nested thousands of levels deep
        if not _in_a_parser(exc):
            raise
        print(
            "harbor-planner: error: an input (a scenario, a --set value, a file) is nested too "
            "deeply to read (lists or tables inside each other a thousand levels deep: a "
            "damaged or made-up file?); fix or remove that value",
            file=sys.stderr,
        )
        return InputDataError.exit_code
    except MemoryError:
        print(
            "harbor-planner: error: out of memory; give the command less to do (a smaller "
            "study area, fewer candidates) or a machine with more memory",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:  # a file error no step turned into a message of its own
        if exc.errno == errno.ENAMETOOLONG:
            print(
                f"harbor-planner: error: {clean_text(str(exc.filename or ''))[:120]}...: the "
                "name is too long (at most 255 bytes a name, 4,096 a path); choose a shorter "
                "--out or file name",
                file=sys.stderr,
            )
            return InputDataError.exit_code
        path = f"{exc.filename}: " if exc.filename else ""
        print(f"harbor-planner: error: {_error_text(path + str(exc.strerror or exc))}",
              file=sys.stderr)  # fmt: skip
        return 1
    finally:
        _restore_logging(saved)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The exception hierarchy of harbor-planner.

Every error the package raises on purpose is a :class:`HarborPlannerError`. The CLI prints its
message on one line (no traceback) and exits with the class's ``exit_code``. Messages are
built before raising and name the file, row, column or argument at fault and, where there is
one, the fix.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "CRSError",
    "DependencyError",
    "HarborPlannerError",
    "InfeasibleError",
    "InputDataError",
    "NetworkError",
    "OutputError",
    "PartFailedError",
    "ScenarioError",
    "SolverLimitError",
    "UsageError",
]


class HarborPlannerError(Exception):
    """Base class of all errors raised by harbor-planner."""

    exit_code: int = 1


class UsageError(HarborPlannerError, ValueError):
    """A command-line option has a value the command cannot use (``--minutes 0``).

    The CLI prints ``harbor-planner <command>: error: <message>`` on one line and exits
    with 2, as for argparse's own usage errors. Bad data in a file is an
    :class:`InputDataError` (exit 3), not a usage error.

    Parameters
    ----------
    message
        What is wrong and how to fix it; starts with the option and its value.
    option
        The option at fault (``--minutes``), if one.

    """

    exit_code = 2

    def __init__(self, message: str, *, option: str | None = None) -> None:
        self.option = option
        super().__init__(message)


class InputDataError(HarborPlannerError, ValueError):
    """An input file or value is missing, unreadable or invalid.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    path
        The file at fault, if any; prefixed to the message.

    """

    exit_code = 3

    def __init__(self, message: str, *, path: str | PathLike[str] | None = None) -> None:
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)


class CRSError(InputDataError):
    """A coordinate reference system is missing, wrong or of the wrong kind."""


class ScenarioError(InputDataError):
    """A scenario file or override is invalid (the message names the key and its line).

    ``problems`` lists ``(dotted key, message)`` of each problem when every problem has a
    key (``[("optimize.add", "optimize.add must be at least 1")]``), else is empty.
    """

    problems: list[tuple[str, str]] = []  # noqa: RUF012 - replaced per instance


class OutputError(InputDataError):
    """An output cannot be written where asked.

    It would write over an input or a user's own file, its folder cannot be created or
    written, or the disk is full. Nothing has been changed when it is raised. An
    :class:`InputDataError` (exit 3): the paths given are the caller's to fix.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    path
        The file or folder at fault, if any; prefixed to the message.

    """

    def __init__(self, message: str, *, path: str | PathLike[str] | None = None) -> None:
        self.detail = message
        super().__init__(message, path=path)


class NetworkError(HarborPlannerError):
    """The walk network cannot be built or used as asked."""

    exit_code = 4


class InfeasibleError(HarborPlannerError):
    """An optimisation problem has no solution under the given constraints."""

    exit_code = 5


class SolverLimitError(InfeasibleError):
    """The solver stopped at its time limit without a plan: no proof that none exists."""


class DependencyError(HarborPlannerError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""

    exit_code = 6


class PartFailedError(HarborPlannerError):
    """A part of a partitioned run failed on every try (``run.partition``, issue 18).

    The message names the part (its district) and the error of its last try.
    """

    exit_code = 1

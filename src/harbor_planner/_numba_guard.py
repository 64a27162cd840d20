"""Keep numba from taking a folder named ``coverage`` for coverage.py."""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["hide_coverage_folders"]


def hide_coverage_folders() -> None:
    """Make ``import coverage`` fail when all it would find is a plain folder.

    numba imports ``coverage`` when it can and then subclasses ``coverage.types.Tracer``. Run
    from a folder holding a ``coverage/`` result folder (``harbor-planner coverage ... --out
    coverage/``), Python imports that folder as an empty namespace package and every numba
    import fails. The folder may also be made later by the same process (the run's output):
    so when coverage.py is not installed, ``coverage`` is hidden from the start. Only a
    namespace package or an absent module is hidden; coverage.py itself, when installed, is
    untouched.
    """
    if "coverage" in sys.modules:
        return
    try:
        spec = importlib.util.find_spec("coverage")
    except (ImportError, ValueError):
        return
    # a plain folder now, or none yet: a run's --out coverage/ made later in this process
    # would be found by the first numba import after it
    if spec is None or spec.origin in (None, "namespace"):
        sys.modules["coverage"] = None  # type: ignore[assignment]  # import coverage -> ImportError

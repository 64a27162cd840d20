"""``python -m harbor_planner``: the same as the ``harbor-planner`` command."""

from harbor_planner.cli import console

console()

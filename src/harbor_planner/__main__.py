"""``python -m harbor_planner``: the same as the ``harbor-planner`` command."""

try:  # Ctrl-C before the command's own handling is set up: one line, exit 130
    from harbor_planner.cli import console
except KeyboardInterrupt:
    import sys

    print("harbor-planner: interrupted (SIGINT)", file=sys.stderr)
    raise SystemExit(130) from None

console()

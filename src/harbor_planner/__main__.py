"""``python -m harbor_planner``: the same as the ``harbor-planner`` command."""

import sys

from harbor_planner.cli import main

sys.exit(main())

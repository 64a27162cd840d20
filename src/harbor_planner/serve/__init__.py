"""The planning page (``harbor-planner serve``).

``state`` (the plan, incremental coverage), ``reach`` (one station's reach), ``session``
(inputs loaded once, optimiser jobs, files), ``export`` (the result folder), ``layers`` (map
layers as JSON), ``app`` (the web app).
"""

"""Validation of the hilly walk model on Yuzhong (issue 15): prints the README's table.

Settings of ``scenarios/yuzhong.toml`` (28 built stations, main streets every 50 m inside the
official 渝中区 boundary of ``[study]``, 15 min, 4.5 km/h), with the DEM unsmoothed, smoothed
by the default 30 m and by 60 m; flat and stairs for reference. Needs
../shared/geodata/yuzhong beside the repository.

    python benchmarks/hilly_validation.py
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from harbor_planner._text import pct1
from harbor_planner.analysis.coverage import coverage
from harbor_planner.network import WalkModel
from harbor_planner.network.walk import KIND_STEPS
from harbor_planner.pipeline.area import load_study_area
from harbor_planner.pipeline.inputs import load_demand, load_districts, load_network, load_stations
from harbor_planner.scenario.config import load_scenario
from harbor_planner.settings import GRADE_SOURCES, STAIR_DEM_MIN_RISE_M

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "yuzhong.toml"
MAIN = ["trunk", "primary", "secondary", "tertiary"]


def grade_figures(net) -> tuple[str, str, str]:
    """Main roads steeper than 8 %, stairs agreeing with their tags, edges above their cap."""
    e, length = net.edges, net.edges["length_m"]
    main = e["highway"].str.removesuffix("_link").isin(MAIN) & (
        e["grade_source"] == GRADE_SOURCES.index("dem")
    )
    steep = length[main & (e["grade_pct"].abs() > 8)].sum() / length[main].sum()
    z = net.nodes["z_m"].to_numpy()
    rise = z[e["v"]] - z[e["u"]]
    dec = (e["kind"] == KIND_STEPS) & (e["incline"] != 0) & (np.abs(rise) >= STAIR_DEM_MIN_RISE_M)
    agree = (np.sign(rise[dec]) == e.loc[dec, "incline"]).mean()
    above = e["above_cap"]
    return (
        f"{100 * steep:.1f} %",
        f"{100 * agree:.0f} % of {int(dec.sum())}",
        f"{int(above.sum()):,} ({length[above].sum() / 1000:.0f} km)",
    )


def main() -> None:
    logging.disable(logging.WARNING)
    sc = load_scenario(SCENARIO)
    stations, _ = load_stations(sc)
    districts = load_districts(sc)
    rows, demand, flat_t, ok = [], None, None, None

    def pct(net) -> float:
        return coverage(net, stations, demand, minutes=sc.coverage.minutes,
                        max_dist_m=sc.stations.max_dist_m, districts=districts
                        ).summary["coverage_pct"]  # fmt: skip

    for label, smoothing in [("not smoothed", 0.0), ("default (30 m)", 30.0), ("60 m", 60.0)]:
        net = load_network(replace(sc.network, dem_smoothing_m=smoothing), progress=False)
        if demand is None:
            demand = load_demand(sc, net, load_study_area(sc))  # 渝中区, as the run
            flat = net.with_walk_model(WalkModel(kind="flat"))
            flat_t = (flat.edges["time_fwd_s"] + flat.edges["time_bwd_s"]).to_numpy()
            ok = np.isfinite(flat_t)
            for kind in ("flat", "stairs"):
                other = net.with_walk_model(WalkModel(kind=kind))
                t = (other.edges["time_fwd_s"] + other.edges["time_bwd_s"]).to_numpy()
                rows.append((kind, t[ok].sum() / flat_t[ok].sum(), pct(other), "", "", ""))
        t = (net.edges["time_fwd_s"] + net.edges["time_bwd_s"]).to_numpy()
        rows.append((f"hilly, DEM {label}", t[ok].sum() / flat_t[ok].sum(), pct(net),
                     *grade_figures(net)))  # fmt: skip
    print("| model | time vs flat | coverage | main roads > 8 % | stairs agree with tags "
          "| edges above cap (clipped) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:.3f} | {pct1(r[2])} % | {r[3]} | {r[4]} | {r[5]} |")


if __name__ == "__main__":
    main()

"""The README's commands, executed: the quick start offline, the real-data ones on ../shared.

Shell blocks (```bash) are split into commands (backslash continuations joined); ``pip`` and
``python`` lines (install, tests, benchmarks) and commands that need the internet
(``place:``) are not run. The commands run in a scratch folder laid out like the checkout
(``scenarios``/``geodata`` linked, ``../shared`` linked), so nothing is written into the
repository. The ```python block runs after the shell blocks, in the same folder.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from harbor_planner._text import pct1

pytestmark = pytest.mark.slow  # whole README / notebooks: the slow tier

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHARED = ROOT.parent / "shared"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README.read_text("utf-8"), re.S | re.M)


def commands(block: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", block)
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def runnable(cmd: str) -> bool:
    return cmd.startswith("harbor-planner") and "place:" not in cmd


def scratch(tmp_path: Path) -> Path:
    """A folder that looks like the checkout beside ../shared, for relative paths."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("scenarios", "geodata"):
        (repo / name).symlink_to(ROOT / name)
    if SHARED.exists():
        (tmp_path / "shared").symlink_to(SHARED)
    return repo


def run_command(cmd: str, cwd: Path) -> None:
    argv = shlex.split(cmd)
    exe = [sys.executable, "-m", "harbor_planner", "--no-progress", "-q"]
    pre = []
    if "&&" in argv:  # "pip install -e . && harbor-planner demo ...": the install is done
        pre, argv = argv[: argv.index("&&")], argv[argv.index("&&") + 1 :]
        assert pre[0] == "pip", cmd
    proc = subprocess.run(
        [*exe, *argv[1:]], cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:harbor_planner"},
    )  # fmt: skip
    assert proc.returncode == 0, f"{cmd}\n{proc.stderr[-3000:]}"


def test_readme_shell_blocks_parse():
    cmds = [c for b in blocks("bash") for c in commands(b)]
    assert cmds[0] == "pip install -e . && harbor-planner demo --out harbor-demo"
    hp_cmds = [c for c in cmds if "harbor-planner" in c]
    assert len(hp_cmds) > 15
    # every command writes into its own --out (never into an existing input)
    for c in hp_cmds:
        if runnable(c) and " info " not in f" {c} ":
            assert "--out" in c, c


def test_quick_start_demo(tmp_path):
    quick = commands(blocks("bash")[0])
    repo = scratch(tmp_path)
    for cmd in quick:
        run_command(cmd, repo)
    for name in ("map.html", "report.html", "summary.json", "run.json", "report.xlsx"):
        assert (repo / "harbor-demo" / name).is_file(), name
    # the figures the quick start quotes are the demo's
    import json

    import pandas as pd

    out = repo / "harbor-demo"
    cov = json.loads((out / "summary.json").read_text("utf-8"))["coverage"]
    curve = pd.read_csv(out / "coverage_curve.csv", encoding="utf-8-sig")
    at_stage_end = curve.groupby("stage", sort=False)["coverage_pct"].last()
    text = README.read_text("utf-8")
    quick_start = text[text.index("## Quick start") : text.index("Run the tests:")]
    quoted = re.search(
        r"([\d.]+) % on foot where straight-line circles would\s+claim ([\d.]+) %", quick_start
    )
    assert quoted, "the quick start quotes the demo's coverage and the circles' claim"
    assert quoted[1] == pct1(cov["coverage_pct"])
    assert quoted[2] == pct1(cov["euclidean_coverage_pct"])
    stages = re.search(r"take it to ([\d.]+) %, ([\d.]+) % and ([\d.]+) %", quick_start)
    assert stages, "the quick start quotes the coverage after each stage"
    assert list(stages.groups()) == [pct1(v) for v in at_stage_end]
    assert f"{cov['stations']}\n**illustrative** stations" in quick_start
    built = re.search(r"([\d.]+) % by the (\d+) built ones", quick_start)
    assert built, "the quick start quotes the built stations' coverage (the headline)"
    assert built[1] == pct1(cov["coverage_built_pct"])
    assert int(built[2]) == cov["stations_by_status"]["existing"]


@pytest.mark.realdata
def test_readme_real_data_commands_and_python(tmp_path):
    if not (SHARED / "geodata" / "yuzhong" / "walk.osm").is_file():
        pytest.skip(f"real data {SHARED / 'geodata'} is absent")
    repo = scratch(tmp_path)
    ran = 0
    for block in blocks("bash")[1:]:
        for cmd in commands(block):
            if runnable(cmd):
                run_command(cmd, repo)
                ran += 1
    assert ran > 15
    assert (repo / "out" / "speeds.xlsx").is_file()
    assert (repo / "plan-staged" / "selected_sites.csv").is_file()
    (code,) = blocks("python")
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (repo / "map.html").is_file() and (repo / "out" / "yuzhong-4.0" / "run.json").is_file()


@pytest.mark.realdata
def test_readme_yuzhong_figures_are_what_the_run_prints(tmp_path):
    """The README's table of the Yuzhong scenario quotes the figures as the tool shows them."""
    if not (SHARED / "geodata" / "yuzhong" / "walk.osm").is_file():
        pytest.skip(f"real data {SHARED / 'geodata'} is absent")
    from harbor_planner.cli import main
    from harbor_planner.outputs.ranges import pct_with_range

    out = tmp_path / "yuzhong"
    assert main(["-q", "run", str(ROOT / "scenarios" / "yuzhong.toml"), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    cov = summary["coverage"]
    rows = dict(re.findall(r"^\| (.+?) \| (.+?) \|$", README.read_text("utf-8"), re.M))
    headline = rows["main streets of 渝中区 within a 15-minute walk of a station"]
    assert headline == pct_with_range(cov)
    assert rows["the same claimed by straight-line circles of 1,125 m"] == (
        f"{pct1(cov['euclidean_coverage_pct'])} %"
    )
    cases = {(c["walk_model"], c["walk_speed_kmh"]): c["coverage_pct"]
             for c in cov["coverage_range_pct"]["cases"]}  # fmt: skip
    shown = "; ".join(
        " / ".join(pct1(cases[(model, v)]) for v in (3.2, 4.0, 4.5)) + " %"
        for model in ("hilly", "flat")
    )
    assert rows["the range: hilly at 3.2 / 4.0 / 4.5 km/h; flat at the same speeds"] == shown
    after = next(v for k, v in rows.items() if k.startswith("with the 20 new sites"))
    assert after == f"{pct1(summary['optimize']['coverage_pct_after'])} %"

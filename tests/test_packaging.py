"""The wheel carries every subpackage and the demo (so `harbor-planner demo` runs after install)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from harbor_planner.scenario import demo_scenario_path, load_scenario

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def test_every_subpackage_is_listed():
    src = ROOT / "src"
    found = {".".join(p.parent.relative_to(src).parts) for p in src.rglob("__init__.py")}
    listed = set(CONFIG["packages"])
    assert found <= listed, f"add to pyproject [tool.setuptools] packages: {found - listed}"


def test_demo_files_are_package_data():
    assert CONFIG["package-dir"]["harbor_planner._demo"] == "geodata/demo"
    patterns = CONFIG["package-data"]["harbor_planner._demo"]
    files = [p.name for p in (ROOT / "geodata" / "demo").iterdir() if p.is_file()]
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert not missing, f"demo files not shipped in the wheel: {missing}"


def test_demo_scenario_is_found_and_its_inputs_exist():
    sc = load_scenario(demo_scenario_path())
    for role, path in sc.input_files().items():
        assert path.is_file(), role
        assert path.parent == demo_scenario_path().parent  # all inside the shipped folder


def _package_data() -> list[Path]:
    """Every file the wheel ships as package data (the demo and harbor_planner's own)."""
    data = CONFIG["package-data"]
    folders = {"harbor_planner": ROOT / "src" / "harbor_planner"}
    folders |= {name: ROOT / path for name, path in CONFIG["package-dir"].items() if name}
    files: set[Path] = set()
    for package, patterns in data.items():
        for pattern in patterns:
            files |= {p for p in folders[package].glob(pattern) if p.is_file()}
    return sorted(files)


def test_package_data_stays_small_and_credits_openstreetmap():
    files = _package_data()
    demo = [p for p in files if p.parent == ROOT / "geodata" / "demo"]
    assert any(p.name.endswith(".osm.bz2") for p in demo) and len(demo) >= 5
    total = sum(p.stat().st_size for p in files)
    assert total < 3_000_000, f"package data is {total:,} bytes; keep it under 3 MB"
    # ODbL: the extract ships with its attribution
    names = {p.name for p in demo}
    assert "ATTRIBUTION.md" in names
    text = (ROOT / "geodata" / "demo" / "ATTRIBUTION.md").read_text("utf-8")
    assert "© OpenStreetMap contributors, ODbL" in text


def test_a_result_folder_named_coverage_does_not_break_numba(tmp_path):
    """`--out coverage/` (README) leaves a folder that Python would import as `coverage`."""
    import subprocess
    import sys

    (tmp_path / "coverage").mkdir()
    code = "import harbor_planner.optimize.kernels, numba; print(numba.__version__)"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_coverage_folder_made_by_the_run_itself_does_not_break_numba(tmp_path):
    """`harbor-planner coverage ... --out coverage/` makes the folder after the package was
    imported; a numba import later in the same process must still work."""
    import subprocess
    import sys

    code = (
        "import os, harbor_planner; os.mkdir('coverage'); "
        "import harbor_planner.optimize.kernels, numba; print(numba.__version__)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]

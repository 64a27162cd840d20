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

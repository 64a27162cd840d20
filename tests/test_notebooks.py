"""The notebooks in ``notebooks/``: committed without outputs, and they run on the real data.

Execution runs each notebook in a fresh ``python3`` kernel with the notebooks folder as working
directory (as Jupyter does); the executed copy stays in memory and is never written back, and
the files the notebooks write to a temporary folder go to the test's ``tmp_path``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # whole README / notebooks: the slow tier

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "geodata"
NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
IDS = [p.name for p in PATHS]


def test_the_notebooks_are_there():
    expected = {
        "01_coverage_yuzhong.ipynb",
        "02_site_selection.ipynb",
        "03_scenario_comparison.ipynb",
    }
    assert expected <= set(IDS)


def stored_outputs(nb) -> list[str]:
    """What a notebook carries that should have been stripped, one line per problem."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i}: {len(cell.outputs)} outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i}: execution_count {cell.execution_count}")
        if "execution" in cell.get("metadata", {}):
            problems.append(f"cell {i}: metadata.execution")
    return problems


def test_stored_outputs_detects_an_executed_cell():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), nbformat.v4.new_code_cell("1 + 1")]
    assert stored_outputs(nb) == []
    cell = nb.cells[1]
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    assert stored_outputs(nb) == [
        "cell 1: 1 outputs",
        "cell 1: execution_count 1",
        "cell 1: metadata.execution",
    ]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    problems = stored_outputs(nb)
    assert not problems, (
        f"{path.name} is committed with outputs ({'; '.join(problems)}); clear them before "
        "committing (Jupyter: Edit > Clear Outputs of All Cells)"
    )
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def files_under(folder: Path) -> set[Path]:
    """Files below ``folder``, except the git-ignored ``out/`` and Jupyter checkpoints."""
    skip = {"out", ".ipynb_checkpoints"}
    return {
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and not skip & set(p.relative_to(folder).parts)
    }


@pytest.mark.realdata
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_runs(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    if not SHARED.is_dir():
        pytest.skip(f"real data {SHARED} is absent: the notebooks run on ../shared/geodata")
    nb = nbformat.read(path, as_version=4)
    before = files_under(NOTEBOOKS)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel's tempfile outputs land here
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the failing cell
    print(f"{path.name}: executed in {time.perf_counter() - t0:.1f} s")
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert errors == []
    # Python warnings (DeprecationWarning, tqdm's IProgress...) print "XxxWarning:" on stderr
    warned = [
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.get("name") == "stderr" and re.search(r"\w+Warning: ", out.get("text", ""))
    ]
    assert warned == [], warned
    assert files_under(NOTEBOOKS) == before, "the notebook wrote files into notebooks/"

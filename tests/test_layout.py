"""The shape of the package (issue #13): short functions, modest modules, no reaching into
another module's private names, one pipeline, one source for defaults and choices.

These read the source with :mod:`ast`; they fail with the offending places listed.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from pathlib import Path

import harbor_planner

SRC = Path(harbor_planner.__file__).resolve().parent
MAX_FUNCTION_LINES = 100
MAX_MODULE_LINES = 800


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "_static" not in p.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _code_lines(node: ast.AST, lines: list[str]) -> int:
    """Lines of code of a function: no docstring, no comment-only or blank lines."""
    skip: set[int] = set()
    body = getattr(node, "body", [])
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        skip = set(range(body[0].lineno, body[0].end_lineno + 1))
    count = 0
    for i in range(node.lineno, node.end_lineno + 1):
        text = lines[i - 1].strip()
        if text and not text.startswith("#") and i not in skip:
            count += 1
    return count


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC.parent))


def test_the_measure_counts_code_only():
    src = 'def f(x):\n    """Doc.\n\n    More.\n    """\n    # comment\n\n    y = x\n    return y\n'
    node = ast.parse(src).body[0]
    assert _code_lines(node, src.splitlines()) == 3


def test_no_function_over_100_lines_of_code():
    long = []
    for path in _modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = _code_lines(node, lines)
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{_rel(path)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, "functions over 100 lines of code:\n" + "\n".join(long)


def test_no_module_over_800_lines():
    big = []
    for path in _modules():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES:
            big.append(f"{_rel(path)} ({n} lines)")
    assert not big, "modules over 800 lines:\n" + "\n".join(big)


def _imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of every ``from harbor_planner... import name`` in a file."""
    out = []
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module or ""
        if node.level:  # relative import: resolve against this module's package
            base = package.split(".")[: -node.level]
            module = ".".join([*base, module] if module else base)
        if module.split(".")[0] != "harbor_planner":
            continue
        out.extend((node.lineno, module, alias.name) for alias in node.names)
    return out


def test_no_import_of_another_modules_private_name():
    bad = []
    for path in _modules():
        for line, module, name in _imports(path):
            if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                bad.append(f"{_rel(path)}:{line} from {module} import {name}")
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_no_public_function_shadows_a_module():
    shadowed = []
    for info in pkgutil.walk_packages(harbor_planner.__path__, "harbor_planner."):
        parent_name, _, child = info.name.rpartition(".")
        parent = importlib.import_module(parent_name)
        value = getattr(parent, child, None)
        if value is not None and not isinstance(value, types.ModuleType):
            shadowed.append(f"{parent_name}.{child} is {value!r}, not the module")
    assert not shadowed, "\n".join(shadowed)


def _imported_modules(path: Path) -> set[str]:
    found = {module for _, module, _ in _imports(path)}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_routing_lives_in_the_network_package():
    routing = importlib.import_module("harbor_planner.network.routing")
    for name in ("Anchors", "Reachability", "anchors_for", "reachability", "arrival_times"):
        assert hasattr(routing, name), name
    users = [*sorted((SRC / "optimize").rglob("*.py")), *sorted((SRC / "analysis").glob("cov*.py"))]
    assert users
    bad = [
        f"{_rel(p)} imports {m}"
        for p in users
        for m in _imported_modules(p)
        if m.startswith("harbor_planner.analysis.isochrones") or m == "harbor_planner.isochrones"
    ]
    assert not bad, "\n".join(bad)


def _called_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else getattr(f, "attr", ""))
    return names


def test_the_cli_goes_through_the_pipeline():
    cli = sorted((SRC / "cli").rglob("*.py"))
    assert cli, "the CLI is a package"
    bad = [
        f"{_rel(p)} calls {name}"
        for p in cli
        for name in sorted(_called_names(p) & {"plan_sites", "demand_from_spec", "build_network"})
    ]
    assert not bad, "\n".join(bad)


def _literals(path: Path) -> list[tuple[int, object]]:
    """Constants and tuples/lists of constants (not the arguments of ``Literal[...]``)."""
    tree = _tree(path)
    typing_args = {
        id(n.slice)
        for n in ast.walk(tree)
        if isinstance(n, ast.Subscript)
        and getattr(n.value, "id", getattr(n.value, "attr", "")) == "Literal"
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_args:
            continue
        if isinstance(node, ast.Constant):
            out.append((node.lineno, node.value))
        elif isinstance(node, ast.Tuple | ast.List) and all(
            isinstance(e, ast.Constant) for e in node.elts
        ):
            out.append((node.lineno, tuple(e.value for e in node.elts)))
    return out


def test_choices_are_listed_once():
    from harbor_planner import settings

    tuples = {
        "BASEMAPS": settings.BASEMAPS,
        "STATUS_VALUES": settings.STATUS_VALUES,
        "OUTPUT_FORMATS": settings.OUTPUT_FORMATS,
        "WALK_MODELS": settings.WALK_MODELS,
        "SOLVERS": settings.SOLVERS,
        "OPTIMIZE_MODES": settings.OPTIMIZE_MODES,
        "DEMAND_KINDS": settings.DEMAND_KINDS,
    }
    copies = []
    for path in _modules():
        if path.name == "settings.py":
            continue
        for line, value in _literals(path):
            for name, choices in tuples.items():
                if isinstance(value, tuple) and len(value) > 1 and value == tuple(choices):
                    copies.append(f"{_rel(path)}:{line} repeats settings.{name}")
    assert not copies, "\n".join(copies)


def test_osm_suffixes_are_listed_once():
    places = [
        f"{_rel(p)}:{line}"
        for p in _modules()
        for line, value in _literals(p)
        if isinstance(value, tuple) and ".osm.pbf" in value
    ]
    assert len(places) == 1, places


def test_the_snapping_distance_has_one_default():
    """No ``max_dist_m=150.0`` literal default: every default names settings.SNAP_MAX_DIST_M."""
    literal = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.FunctionDef):
                continue
            args = node.args
            positional = args.args[len(args.args) - len(args.defaults) :]
            pairs = list(zip(positional, args.defaults, strict=True))
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
            for arg, default in pairs:
                numeric = isinstance(default, ast.Constant) and default.value is not None
                if arg.arg == "max_dist_m" and numeric:
                    literal.append(f"{_rel(path)}:{node.lineno} {node.name}")
    assert not literal, "\n".join(literal)


def test_tests_need_no_importlib_to_reach_modules():
    tests = Path(__file__).parent
    uses = [
        p.name
        for p in sorted(tests.glob("test_*.py"))
        if p.name != Path(__file__).name
        and 'import_module("harbor_planner' in p.read_text(encoding="utf-8")
    ]
    assert not uses, uses

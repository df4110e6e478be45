"""No two modules of app/ and workflows/ import each other, directly or through others (issue 13).

Every `import` and `from … import` counts, at the top of a module or inside a function: an import
moved into a function still makes the two modules depend on each other; the fix for a cycle is to
move the name to the module it belongs in. A name imported from a package is its submodule when
there is one (`from app import clock` is app.clock), else the package. Python runs a package's
`__init__` before its submodules, but that is not counted as an import: a package that imports
its own models (`from app.auth import models`) would otherwise be a cycle with each of them.
"""

import ast
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "workflows")

Graph = dict[str, dict[str, int]]  # module → the modules it imports, each with its first line


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of the module a `from … import` reads from."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[: len(package) - node.level + 1]
    return ".".join([*package, node.module] if node.module else package)


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> Graph:
    files = {
        _module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: Graph = {}
    for module, path in files.items():
        imports = graph[module] = {}
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _base(node, module, is_package)
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                    for alias in node.names
                ]
            else:
                continue
            for name in names:
                if name in files and name != module:
                    imports.setdefault(name, node.lineno)
    return graph


def _strongly_connected(graph: Graph) -> list[set[str]]:
    """Tarjan's algorithm: the groups of modules each reachable from every other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while (member := stack.pop()) != module:
                group.add(member)
            groups.append(group | {module})

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def cycles(graph: Graph) -> list[list[str]]:
    """One shortest cycle in each group of modules that import each other, as a path that ends
    where it starts."""
    found = []
    for group in _strongly_connected(graph):
        if len(group) < 2:
            continue
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        while queue:
            module = queue.pop(0)
            for other in sorted(graph[module]):
                if other == start:
                    found.append([*paths[module], start])
                    queue = []
                    break
                if other in group and other not in paths:
                    paths[other] = [*paths[module], other]
                    queue.append(other)
    return found


def describe(cycle: list[str], graph: Graph) -> str:
    steps = [f"{module} (line {graph[module][after]})" for module, after in pairwise(cycle)]
    return " → ".join([*steps, cycle[-1]])


def test_no_module_of_app_or_workflows_imports_itself_through_others():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(describe(c, graph) for c in found)


def test_an_import_inside_a_function_still_makes_a_cycle(tmp_path):
    (tmp_path / "app" / "auth").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "auth" / "__init__.py").write_text("from app.auth import forms\n")
    (tmp_path / "app" / "auth" / "forms.py").write_text("from .operations import MIN\n")
    (tmp_path / "app" / "auth" / "operations.py").write_text(
        "MIN = 8\n\ndef notify():\n    from app import notifications\n"
    )
    (tmp_path / "app" / "notifications.py").write_text(
        "def render():\n    from app.auth.forms import LABELS\n"
    )

    graph = import_graph(tmp_path, ("app",))

    assert cycles(graph) == [
        ["app.auth.forms", "app.auth.operations", "app.notifications", "app.auth.forms"]
    ]
    assert describe(cycles(graph)[0], graph) == (
        "app.auth.forms (line 1) → app.auth.operations (line 4) → app.notifications (line 2)"
        " → app.auth.forms"
    )

"""Which environment variables the settings read, found in the source (AST).

Shared by tests/test_configuration.py (the README's table) and
tests/test_compose.py (what docker-compose.prod.yml passes to each container).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The modules whose environment reads are configuration.
CONFIGURATION_MODULES = ("imgportal/settings.py", "imgportal/celery.py")
# Set by manage.py, wsgi.py and celery.py themselves, never by an operator.
# PYTEST_XDIST_WORKER: set by pytest-xdist in each test process (gw0, gw1).
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` (or a bare `environ`)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


def _reads_environment(node: ast.AST) -> bool:
    return any(
        _is_environ(child)
        or (isinstance(child, ast.Attribute) and child.attr == "getenv")
        for child in ast.walk(node)
    )


def _helpers(tree: ast.Module) -> set[str]:
    """Module-level functions that read the environment (env_bool, env_list, …)."""
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and _reads_environment(node)
    }


def _constant(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def variables_in(source: str) -> set[str]:
    """Names read by os.environ.get/[]/in, os.getenv and the module's own helpers
    (or any env_* helper it imports), when the name is a literal."""
    tree = ast.parse(source)
    helpers = _helpers(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and (
                (func.attr in {"get", "setdefault"} and _is_environ(func.value))
                or func.attr == "getenv"
            ):
                name = _constant(node.args[0])
            elif isinstance(func, ast.Name) and (
                func.id in helpers or func.id.startswith("env_")
            ):
                name = _constant(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = _constant(node.slice)
        elif (
            isinstance(node, ast.Compare)
            and len(node.comparators) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and _is_environ(node.comparators[0])
        ):
            name = _constant(node.left)
        if name:
            found.add(name)
    return found


def variables_read() -> set[str]:
    """Every variable the configuration modules read."""
    found: set[str] = set()
    for path in CONFIGURATION_MODULES:
        found |= variables_in((ROOT / path).read_text())
    return found - NOT_CONFIGURATION

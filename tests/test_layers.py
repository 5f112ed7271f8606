"""The dependency rule, enforced: imports only point down.

    imgportal (core helpers) ← members ← notifications ← features ← composition root

A lower layer that must call up reads a registry in `imgportal.hooks`, filled by
the higher app's `hooks.py`. Two feature-to-feature uses are declared below with
their reason; anything else between features, and any cycle, fails."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The composition root: may import every app.
COMPOSITION_ROOT = {
    "imgportal/urls.py",
    "imgportal/views.py",
    "imgportal/management/commands/roles.py",
    "imgportal/management/commands/seed_demo.py",
    "imgportal/management/commands/hooks.py",
}
LAYERS = {
    "imgportal": 0,
    "members": 1,
    "notifications": 2,
    "newsletters": 3,
    "events": 3,
    "handbook": 3,
    "mentorship": 3,
    "tracker": 3,
    "leadership": 3,
    "contacts": 3,
}
ROOT_LAYER = 4
# Feature → feature uses that the design wants, with the reason.
SIBLING_EDGES = {
    ("events", "newsletters"): "an event's announcement is a newsletter campaign",
    ("tracker", "handbook"): "My status shows the handbook's visa timelines",
    ("mentorship", "contacts"): "a board of mentors seats informal mentors from "
    "the member's own contacts log",
}


def _module_layer(path: Path) -> tuple[str, int]:
    relative = path.relative_to(ROOT).as_posix()
    app = relative.split("/", 1)[0]
    if relative in COMPOSITION_ROOT:
        return "root", ROOT_LAYER
    return app, LAYERS[app]


def _imported_apps(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".", 1)[0]
            if top in LAYERS:
                yield node.lineno, top


def _app_files():
    for app in LAYERS:
        yield from sorted((ROOT / app).rglob("*.py"))


def _edges():
    for path in _app_files():
        app, layer = _module_layer(path)
        for line, target in _imported_apps(path):
            yield path, line, app, layer, target


def test_no_import_goes_up_a_layer():
    """Every import in our apps points to a lower layer, its own app, or a
    declared feature-to-feature use."""
    wrong = []
    for path, line, app, layer, target in _edges():
        if app in ("root", target):
            continue
        target_layer = LAYERS[target]
        if target_layer < layer:
            continue
        if target_layer == layer and (app, target) in SIBLING_EDGES:
            continue
        wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert wrong == [], "imports that go up (register a hook instead):\n" + "\n".join(
        wrong
    )


def test_no_cycle_between_apps():
    graph: dict[str, set[str]] = {}
    for _path, _line, app, _layer, target in _edges():
        if app != "root" and app != target:
            graph.setdefault(app, set()).add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(app for app in graph if reaches(app, app, {app}))
    assert cycles == []


def test_the_rule_catches_an_upward_import():
    """The checker itself: a members module importing events is reported."""
    probe = ROOT / "members" / "_layer_probe.py"
    probe.write_text("from events.models import Event\n")
    try:
        found = [
            (app, target)
            for path, _line, app, _layer, target in _edges()
            if path == probe
        ]
    finally:
        probe.unlink()
    assert found == [("members", "events")]
    assert LAYERS["events"] > LAYERS["members"]

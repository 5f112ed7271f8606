"""Every plug-in point is filled the same way: by an app's own hooks.py, from its
AppConfig.ready(), into a registry listed in imgportal.hooks."""

import ast
from pathlib import Path

from django.apps import apps
from django.core.management import call_command

from imgportal.hooks import ALL, CALENDAR_ENTRIES, DIGEST_SECTIONS, STALE_CHECKS

ROOT = Path(__file__).resolve().parent.parent
OURS = [c for c in apps.get_app_configs() if Path(c.path).parent == ROOT]


def test_each_app_registers_its_hooks_from_ready():
    """Every app of ours has one hooks.py whose register() its ready() calls."""
    for config in OURS:
        if config.name == "imgportal":
            continue
        assert (Path(config.path) / "hooks.py").exists(), config.name
        ready = (Path(config.path) / "apps.py").read_text()
        assert f"from {config.name} import hooks" in ready, config.name
        assert "hooks.register()" in ready, config.name


def test_registries_are_filled_only_in_hooks_modules():
    """No registration by import side effect: `<REGISTRY>.register(` appears only
    in hooks.py files (and the personal-data helper they call)."""
    names = {registry.name.upper() for registry in ALL}
    found = []
    for config in OURS:
        for path in Path(config.path).rglob("*.py"):
            if path.name == "hooks.py" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr == "register"
                    and isinstance(node.value, ast.Name)
                    and node.value.id in names
                ):
                    found.append(str(path.relative_to(ROOT)))
    allowed = {"imgportal/personal_data.py"}
    assert set(found) <= allowed


def test_the_registered_hooks_are_the_ones_the_portal_needs():
    """The reminder and RSVP send-time checks, every app's digest section and the
    status tracker's deadlines in the calendar feed are all in place."""
    assert {"event_reminder", "event_open"} <= set(STALE_CHECKS)
    assert {"members", "newsletters", "events", "handbook"} <= {
        app for app, _key, _value in DIGEST_SECTIONS.items()
    }
    assert "deadlines" in CALENDAR_ENTRIES


def test_the_hooks_command_lists_every_registry(capsys):
    call_command("hooks")
    out = capsys.readouterr().out
    for registry in ALL:
        assert f"{registry.name}:" in out
    assert "tracker.calendar.deadline_events" in out

"""Permission codenames are declared once, and one list says which role has which.

Each app's `permissions.py` holds its codenames as constants; `manage.py roles`
(imgportal/management/commands/roles.py) lists which role holds which; the
data migrations grant them. These tests keep the three in step, and fail on a
permission string typed anywhere else."""

import ast
import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from imgportal.management.commands import roles
from tests.test_layers import LAYERS, ROOT

FEATURE_APPS = [app for app in LAYERS if app != "imgportal"]


def _declared() -> set[str]:
    """Every custom permission a model declares in `Meta.permissions`."""
    return {
        f"{model._meta.app_label}.{codename}"
        for app in FEATURE_APPS
        for model in apps.get_app_config(app).get_models()
        for codename, _label in model._meta.permissions
    }


def _constants() -> dict[str, str]:
    """Permission constants in the apps' permissions modules: value → where."""
    found = {}
    for app in FEATURE_APPS:
        try:
            module = importlib.import_module(f"{app}.permissions")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and "." in value:
                if value.split(".", 1)[0] == app:
                    found.setdefault(value, f"{app}.permissions.{name}")
    return found


def test_every_declared_permission_has_one_constant_and_a_row():
    assert set(_constants()) == _declared()
    assert set(roles.PERMISSIONS) == _declared()


@pytest.mark.django_db
def test_role_groups_hold_exactly_the_listed_permissions():
    """What the migrations granted is what `manage.py roles` lists."""
    in_database = {
        group.name: frozenset(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        )
        for group in Group.objects.prefetch_related("permissions")
    }
    assert in_database == roles.ROLE_PERMISSIONS


def _python_files():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "permissions.py":
                continue
            yield path


def _typed_permissions() -> list[str]:
    declared = _declared()
    typed = []
    for path in _python_files():
        if (
            path.relative_to(ROOT).as_posix()
            == "imgportal/management/commands/roles.py"
        ):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in declared:
                typed.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value}")
    return typed


def test_no_permission_string_typed_outside_a_permissions_module():
    """`has_perm("members.manage_members")` in a view would be a second copy
    of the name: views use the constant."""
    assert _typed_permissions() == []


def test_the_checker_finds_a_typed_permission():
    probe = ROOT / "events" / "_permission_probe.py"
    probe.write_text('def f(user):\n    return user.has_perm("events.manage_events")\n')
    try:
        assert _typed_permissions() == [
            "events/_permission_probe.py:2 events.manage_events"
        ]
    finally:
        probe.unlink()


def test_templates_name_only_declared_permissions():
    """Templates can't import constants; a misspelt `perms.app.codename` there
    would hide a link from everyone, so each one must be declared."""
    declared = _declared()
    used = set()
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        used |= set(re.findall(r"perms\.(\w+\.\w+)", path.read_text()))
    assert used, "no template checks a permission: the scan is broken"
    assert used <= declared, used - declared


def test_readme_role_table_is_generated_from_the_list():
    readme = (ROOT / "README.md").read_text()
    assert roles.role_table() in readme, (
        "README's role table is out of date; paste manage.py roles:\n"
        + roles.role_table()
    )

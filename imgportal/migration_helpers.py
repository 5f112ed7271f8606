"""Shared by data migrations that give a permission to role groups.

Kept stable: migrations import it, so its behaviour must not change."""


def grant_permission(apps, app_label: str, codename: str, groups: tuple[str, ...]):
    """Create the project's permissions now (Django makes them only after the whole
    migrate run) and give one of them to the named groups."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label=app_label, codename=codename
    )
    for name in groups:
        Group.objects.get(name=name).permissions.add(permission)

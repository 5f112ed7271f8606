from django.apps import AppConfig


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = "Status tracker"

    def ready(self) -> None:
        from tracker import hooks

        hooks.register()

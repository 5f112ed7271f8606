from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leadership"
    verbose_name = "Leadership opportunities"

    def ready(self) -> None:
        from leadership import hooks

        hooks.register()

from django.apps import AppConfig


class HandbookConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handbook"
    verbose_name = "Handbook"

    def ready(self) -> None:
        from handbook import hooks

        hooks.register()

from django.apps import AppConfig


class HandbookConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handbook"
    verbose_name = "Handbook"

    def ready(self):
        # Registers the digest section.
        from handbook import (
            hooks,
            services,  # noqa: F401
        )

        hooks.register()

from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Registers the send-time checks and the weekly digest's events section.
        from events import (
            hooks,
            services,  # noqa: F401
        )

        hooks.register()

from django.apps import AppConfig


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"
    verbose_name = "Status tracker"

    def ready(self) -> None:
        # The member's own deadlines join their personal calendar feed.
        from events.ics import FEED_EXTRAS
        from tracker.calendar import deadline_events

        if deadline_events not in FEED_EXTRAS:
            FEED_EXTRAS.append(deadline_events)
        from tracker import hooks

        hooks.register()

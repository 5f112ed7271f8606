from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "Newsletters and notifications"

    def ready(self) -> None:
        from newsletters import hooks

        hooks.register()

from django.apps import AppConfig


class ContactsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contacts"
    verbose_name = "Contacts log"

    def ready(self) -> None:
        from contacts import hooks

        hooks.register()

from django.core.management.base import BaseCommand

from imgportal.hooks import ALL


class Command(BaseCommand):
    help = "List every plug-in point and what each app registered in it."

    def handle(self, *args, **options) -> None:
        for registry in ALL:
            self.stdout.write(f"{registry.name}: {registry.doc}")
            for app, key, value in registry.items():
                name = getattr(value, "__qualname__", type(value).__name__)
                module = getattr(value, "__module__", "")
                self.stdout.write(f"  {app:<14} {key:<22} {module}.{name}")

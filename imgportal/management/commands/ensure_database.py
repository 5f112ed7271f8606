import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg import sql


class Command(BaseCommand):
    help = "Create the configured PostgreSQL database if it does not exist yet."
    requires_system_checks: list[str] = []

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        params = {
            "dbname": "postgres",
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
        }
        with psycopg.connect(
            **{k: v for k, v in params.items() if v}, autocommit=True
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
            ).fetchone()
            if exists:
                self.stdout.write(f"Database {db['NAME']} exists.")
                return
            conn.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"]))
            )
            self.stdout.write(f"Created database {db['NAME']}.")

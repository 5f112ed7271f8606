# The portal's image for docker-compose.yml and docker-compose.prod.yml (web,
# worker, beat, migrate and manage share it).
FROM python:3.11-slim

# `manage.py backup` and `restore` run pg_dump and pg_restore, which must be of the
# server's major version or newer (pg_dump refuses a newer server). Debian's own
# client is whatever its release ships, so take PostgreSQL's from the PGDG
# repository; keep PG_MAJOR equal to the postgres image in docker-compose*.yml
# (tests/test_compose.py checks it).
ARG PG_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt $(. /etc/os-release && echo "$VERSION_CODENAME")-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
    && apt-get purge -y curl && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY imgportal ./imgportal
COPY members ./members
RUN pip install --no-cache-dir .

COPY . .
# collectstatic needs settings that load; the real key comes from the environment.
# var/ (beat's schedule), /backups and /media (uploaded files) are volumes in
# production: made here so a new volume starts owned by the portal's user.
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && useradd --create-home portal && mkdir -p var /backups /media \
    && chown portal var /backups /media && chmod 700 /backups
USER portal

EXPOSE 8000
CMD ["gunicorn", "imgportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

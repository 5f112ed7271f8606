# The portal's image for docker-compose.yml (web, worker and beat share it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY imgportal ./imgportal
COPY members ./members
RUN pip install --no-cache-dir .

COPY . .
# collectstatic needs settings that load; the real key comes from the environment.
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && useradd --create-home portal && mkdir -p var && chown portal var
USER portal

EXPOSE 8000
CMD ["gunicorn", "imgportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

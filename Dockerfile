FROM python:3.11-slim-bookworm

# WeasyPrint needs Pango; fonts with Cyrillic for the documents; pg_dump for backups.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# The processes run as this user, never as root.
RUN useradd --create-home --uid 10001 --user-group app

WORKDIR /app
# Dependencies first (a layer that changes only with them), pinned by constraints.txt.
COPY pyproject.toml constraints.txt ./
COPY config ./config
COPY schools ./schools
COPY roadmaps ./roadmaps
COPY assessments ./assessments
COPY reports ./reports
RUN pip install --no-cache-dir -c constraints.txt .
# The rest of the project (.dockerignore keeps out .env, .venv, media, db.sqlite3, tests).
COPY . .
# Static files hashed and compressed at build time; WhiteNoise serves them.
RUN DJANGO_PROFILE=production SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput --ignore redoc \
    && mkdir -p /data/media /data/backups /tmp/prometheus \
    && chown -R app:app /data /tmp/prometheus

USER app
ENV DJANGO_PROFILE=production PYTHONUNBUFFERED=1 MEDIA_ROOT=/data/media
EXPOSE 8000
# Migrations are not run here: `docker compose run --rm migrate` (a one-off job).
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]

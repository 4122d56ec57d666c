FROM python:3.11-slim-bookworm

# WeasyPrint needs Pango; fonts with Cyrillic for the documents.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY config ./config
COPY schools ./schools
COPY roadmaps ./roadmaps
COPY assessments ./assessments
COPY reports ./reports
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_PROFILE=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

ENV DJANGO_PROFILE=production PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]

# Production image: gunicorn for web; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=safeguarding.settings.prod

# WeasyPrint renders PDFs with Pango.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 safeguarding

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
# collectstatic needs settings to import; these throwaway values never reach a running container.
RUN SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(48))") \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost/0 \
    python manage.py collectstatic --no-input \
 && chown -R safeguarding:safeguarding /app

USER safeguarding
EXPOSE 8000
# No gunicorn access log: it prints each request line with its query string (search terms, NHS
# numbers). The application writes one JSON access line per request with the route instead.
# gunicorn sends "Server: gunicorn" (no version) and has no option to change it; the TLS proxy
# in front may drop it (docs/security.md).
CMD ["gunicorn", "safeguarding.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

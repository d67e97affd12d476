# StoreOps: one image for web (gunicorn), worker and beat (celery); see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The lock
# carries hashes; uv installs exactly what it lists.
COPY requirements.lock ./
RUN pip install uv \
    && uv pip sync --system --require-hashes requirements.lock \
    && pip uninstall --yes uv

COPY . .

# Static files are collected into the image (hashed names for WhiteNoise). The
# key only lets settings load here: the real one comes from the environment.
RUN DEBUG=0 SECRET_KEY=collectstatic-build-only-not-a-real-key \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 storeops \
    && mkdir -p /app/media \
    && chown storeops:storeops /app/media
USER storeops

EXPOSE 8000
CMD ["gunicorn", "storeops.wsgi", "--config", "gunicorn.conf.py"]

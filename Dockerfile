# LMI Portal image: one image for web (gunicorn), worker and beat (celery) and the one-off
# `migrate` service; docker-compose.yml picks the command. Build: `docker compose build`.

# --- Stage 1: install the pinned dependencies into a virtualenv ----------------------------
FROM python:3.11-slim AS deps

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

# Only the lock file, so this layer is rebuilt only when the dependencies change.
# Every package in base.lock ships a wheel (psycopg[binary] included): no compiler, no libpq.
WORKDIR /build
COPY requirements/base.lock requirements/base.lock
RUN pip install --require-hashes --no-deps -r requirements/base.lock

# --- Stage 2: the runtime image ------------------------------------------------------------
FROM python:3.11-slim AS runtime

# LMI_VAR_DIR: writable state (media uploads, beat schedule); docker-compose.yml mounts a
# volume there. STATIC_ROOT lives OUTSIDE var/ so that volume cannot hide the manifest built
# below; keep this value at run time (whitenoise serves from it and reads its manifest).
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=lmi_portal.settings \
    LMI_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

# An unprivileged user with fixed ids, so volume ownership is predictable.
RUN groupadd --system --gid 10001 lmi \
    && useradd --system --uid 10001 --gid lmi --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin lmi

WORKDIR /app

COPY --from=deps /opt/venv /opt/venv
# Project code stays root-owned (read-only for the app user); see .dockerignore.
COPY . /app

# Byte-compile the code now (the app user cannot write next to it), and make only var/ and
# staticfiles/ writable by the app user.
RUN python -m compileall -q /app \
    && mkdir -p /app/var /app/staticfiles \
    && chown -R lmi:lmi /app/var /app/staticfiles

USER lmi

# Collect and compress the static files with the manifest storage (needs DJANGO_DEBUG=false).
# The secret key is a build-only dummy, set for this command alone, never baked into the image.
RUN DJANGO_SECRET_KEY=build-only-dummy-not-a-secret \
    DJANGO_DEBUG=false \
    python manage.py collectstatic --noinput

EXPOSE 8000

# /health/ is exempt from SECURE_SSL_REDIRECT, so plain HTTP on loopback works. The Host header
# is the first concrete entry of ALLOWED_HOSTS (falling back to 127.0.0.1), so the probe is not
# rejected as a disallowed host when ALLOWED_HOSTS names only the public host.
# Worker/beat/migrate containers override this in docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = next((x.strip().lstrip('.') for x in os.environ.get('ALLOWED_HOSTS', '').split(',') if x.strip() and '*' not in x), '127.0.0.1'); u.urlopen(u.Request('http://127.0.0.1:8000/health/', headers={'Host': h}), timeout=8)"]

CMD ["gunicorn", "lmi_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# One image for the web server, the worker and the simulator (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WALLBOARD_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY wallboard wallboard
COPY realtime realtime
COPY templates templates
COPY static static
COPY locale locale
COPY manage.py ./
# gettext compiles the translations (locale/*/LC_MESSAGES/django.po), then leaves
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gettext >/dev/null \
 && for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "${po%.po}.mo" "$po"; done \
 && apt-get purge -y -qq gettext >/dev/null && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir . \
 && mkdir -p /data \
 && SECRET_KEY=build REDIS_URL=redis://unused DATABASE_URL=sqlite:////tmp/build.db \
    python manage.py collectstatic --noinput --verbosity 0
RUN useradd --system --home /app wallboard && chown -R wallboard /data
USER wallboard
EXPOSE 8000
CMD ["uvicorn", "--host", "0.0.0.0", "--port", "8000", "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--loop", "asyncio", "--lifespan", "off", "--no-access-log", "wallboard.asgi:application"]

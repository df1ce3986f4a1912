# The migrations bot for a real workspace: HTTP mode on BOT_PORT (POST /slack/events,
# GET /healthz, GET /metrics), or Socket Mode when SLACK_APP_TOKEN is set.
# Settings come from the environment (see README, "Install in your workspace").
#
#   docker build -t migrations-bot .
#   docker run -d --name migrations-bot --env-file bot.env -p 3000:3000 \
#     -v migrations-bot-data:/data migrations-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY sandbox ./sandbox
RUN pip install . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot:bot /data

# The SQLite file (and its -wal/-shm companions) live on the volume: keep it across
# upgrades, back it up with `sqlite3 /data/migrations-bot.db ".backup /data/backup.db"`.
ENV BOT_DB_PATH=/data/migrations-bot.db \
    BOT_PORT=3000 \
    BOT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 3000
USER bot

# No curl in slim images: Python's urllib asks /healthz (a non-2xx answer fails it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('BOT_PORT', '3000') + '/healthz', timeout=4)"]

CMD ["python", "-m", "bot"]
